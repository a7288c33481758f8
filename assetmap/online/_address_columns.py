"""Which columns of a table hold the addresses and the coordinates to fill in.

Internal to :mod:`assetmap.online.geocode` (which re-exports :data:`ADDRESS_NAMES`):
:func:`find_columns` maps the address and coordinate fields to columns (the column map
first, then the common names), and :func:`coordinate_columns` chooses the coordinate
columns to fill, adding them when the table has none, and finds the rows without any.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd

from assetmap.domains import normalise_label
from assetmap.errors import InputError
from assetmap.readers.coords import LOCATION_NAMES, parse_coordinates, parse_point, points_share
from assetmap.readers.files import COMMON_NAMES

__all__ = ["ADDRESS_NAMES", "FIELDS", "coordinate_columns", "find_columns"]

# Logged under the public module's name, as before the columns moved here.
log = logging.getLogger("assetmap.online.geocode")

#: Names under which address columns are found when no column map is given (normalised).
ADDRESS_NAMES: dict[str, tuple[str, ...]] = {
    "address": (
        "address",
        "street",
        "street address",
        "address 1",
        "address1",
        "address line 1",
        "street address 1",
        "street 1",
    ),
    "city": ("city", "town", "city town", "municipality"),
    "state": ("state", "state code", "state abbreviation", "province"),
    "zip": ("zip", "zip code", "zipcode", "zip5", "postal code", "postcode"),
    "full_address": ("full address", "location address", "complete address"),
}
FIELDS = ("address", "city", "state", "zip", "full_address", "lat", "lon")


def find_columns(df: pd.DataFrame, columns: Mapping[str, str] | None, file: str) -> dict[str, str]:
    """Map address and coordinate fields to columns: the column map first, then names."""
    norm: dict[str, str] = {}
    for c in df.columns:
        norm.setdefault(normalise_label(c), c)
    found: dict[str, str] = {}
    for fld, col in (columns or {}).items():
        key = fld.strip().lower().replace(" ", "_")
        key = {"street": "address", "zip_code": "zip", "postal_code": "zip"}.get(key, key)
        if key not in FIELDS:
            msg = f"unknown field {fld!r} in the column map; use one of {', '.join(FIELDS)}"
            raise InputError(msg, file=file)
        if col not in df.columns:
            if normalise_label(col) not in norm:
                msg = (
                    f"column named in the column map for {key!r} is not in the file; the "
                    f"file has: {', '.join(map(str, df.columns))}"
                )
                raise InputError(msg, file=file, column=col)
            col = norm[normalise_label(col)]
        found[key] = col
    used = set(found.values())
    names = {**ADDRESS_NAMES, "lat": COMMON_NAMES["lat"], "lon": COMMON_NAMES["lon"]}
    for fld, candidates in names.items():
        if fld in found:
            continue
        for n in candidates:
            if n in norm and norm[n] not in used:
                found[fld] = norm[n]
                used.add(norm[n])
                break
    return found


def coordinate_columns(table: pd.DataFrame, cols: dict[str, str]) -> tuple[str, str, pd.Series]:
    """Choose the coordinate columns (adding them when missing) and find rows without any.

    Returns the latitude and longitude column names and a mask of the rows to geocode.
    """
    lat_col = cols.get("lat")
    lon_col = cols.get("lon")
    if lat_col is not None and lon_col is not None:
        lat_t = table[lat_col].astype(str).str.strip()
        lon_t = table[lon_col].astype(str).str.strip()
        lat, lon = parse_coordinates(lat_t), parse_coordinates(lon_t)
        empty = (lat_t == "") & (lon_t == "")
        return lat_col, lon_col, empty | ((lat == 0) & (lon == 0))
    location = None if lat_col or lon_col else _location_column(table, cols)
    lat_col = lat_col or _free_name(table, "latitude")
    lon_col = lon_col or _free_name(table, "longitude")
    for c in (lat_col, lon_col):
        if c not in table.columns:
            table[c] = ""
    if location is None:
        lat_t = table[lat_col].astype(str).str.strip()
        lon_t = table[lon_col].astype(str).str.strip()
        return lat_col, lon_col, (lat_t == "") & (lon_t == "")
    # a one-cell location: copy its coordinates so the asset reader, which prefers
    # latitude/longitude columns, still sees every position
    log.info("coordinates read from column %r and copied to %s/%s", location, lat_col, lon_col)
    pts = [parse_point(v) for v in table[location]]
    has = pd.Series([p is not None and p != (0.0, 0.0) for p in pts], index=table.index)
    table[lat_col] = [f"{p[0]:g}" if p else "" for p in pts]
    table[lon_col] = [f"{p[1]:g}" if p else "" for p in pts]
    table.loc[~has, [lat_col, lon_col]] = ""
    return lat_col, lon_col, ~has


def _location_column(table: pd.DataFrame, cols: dict[str, str]) -> str | None:
    used = set(cols.values())
    for c in table.columns:
        if c in used or normalise_label(c) not in LOCATION_NAMES:
            continue
        if points_share(table[c].head(500), strict=False) > 0:
            return str(c)
    return None


def _free_name(table: pd.DataFrame, name: str) -> str:
    """``name``, or ``name`` with a number when the table already has such a column."""
    taken = {normalise_label(c) for c in table.columns}
    out, i = name, 2
    while normalise_label(out) in taken:
        out, i = f"{name}_{i}", i + 1
    return out
