"""Shared parts of the anchor readers: finding columns, parsing, placing rows in units.

Each row is placed in a study unit by, in this order, a unit id column, a point
(latitude/longitude), or a ZIP code apportioned through a crosswalk
(:mod:`assetmap.readers.crosswalk`). Rows may mix the three. Problems name the file, the row as
a spreadsheet shows it (header is row 1) and the column; with ``quote=False`` (files
that describe people) messages never quote a cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.domains import normalise_label
from assetmap.errors import ConfigError, InputError
from assetmap.readers.crosswalk import OUTSIDE, apportion, normalise_zip, pad_ids
from assetmap.readers.files import read_table

__all__ = [
    "ALIASES",
    "Placed",
    "find_columns",
    "flag",
    "number",
    "place",
    "read_anchor_table",
    "row_list",
    "row_numbers",
]

#: Column names recognised without a column map (compared after normalise_label).
ALIASES: dict[str, tuple[str, ...]] = {
    "unit_id": ("unit id", "unit", "unitid", "nta", "nta2020", "nta code", "tract", "geoid"),
    "zip": ("zip", "zcta", "zipcode", "zip code", "postal code", "home zip", "zip5"),
    "lat": ("latitude", "lat", "y", "home latitude"),
    "lon": ("longitude", "lon", "lng", "long", "x", "home longitude"),
    "employees": ("employees", "headcount", "employee count", "staff", "count", "n"),
    "new_hires": ("new hires", "hires", "new hire count"),
    "new_hire": ("new hire", "is new hire", "hired this year", "new hire flag"),
    "hire_date": ("hire date", "date of hire", "start date", "hired on", "original hire date"),
    "group": ("wage band", "pay band", "salary band", "wage group", "job family", "job group"),
    "spend": ("annual spend usd", "spend usd", "annual spend", "spend", "amount usd", "amount"),
    "vendor_id": ("vendor id", "supplier id", "vendor number", "supplier number"),
    "vendor_name": ("vendor name", "supplier name", "vendor", "supplier", "name"),
    "category": ("category", "spend category", "commodity"),
    "local": ("local", "is local"),
    "minority_owned": ("minority owned", "mbe", "minority"),
    "women_owned": ("women owned", "wbe", "woman owned"),
    "amount": ("amount usd", "investment usd", "amount", "investment", "usd"),
    "type": ("type", "investment type", "kind", "category"),
    "name": ("name", "site", "site name", "space", "space name", "title", "project"),
    "open_positions": ("open positions", "positions", "openings", "vacancies", "open jobs"),
    "space_type": ("space type", "type", "kind"),
    "capacity": ("capacity", "seats", "spaces", "size"),
    "hosts": ("hosts", "could host", "domains", "uses"),
}
_TRUE = {"true", "yes", "y", "1", "t", "x"}
_FALSE = {"false", "no", "n", "0", "f", ""}


def read_anchor_table(path: str | Path) -> tuple[pd.DataFrame, str]:
    p = Path(path)
    if not p.is_file():
        msg = "file not found"
        raise InputError(msg, file=str(path))
    kind = "xlsx" if p.suffix.lower() in (".xlsx", ".xlsm") else "csv"
    return read_table(p, kind=kind), str(path)


def find_columns(
    df: pd.DataFrame, fields: Sequence[str], given: Mapping[str, str] | None, file: str
) -> dict[str, str]:
    """Find each field's column: the column map first, then the common names."""
    found: dict[str, str] = {}
    norm = {normalise_label(c): c for c in df.columns}
    for f, col in (given or {}).items():
        if f not in fields:
            msg = f"column map names an unknown field {f!r}; fields are {', '.join(fields)}"
            raise InputError(msg, file=file)
        hit = col if col in df.columns else norm.get(normalise_label(col))
        if hit is None:
            msg = f"column {col!r} (for {f}) is not in the file; it has {', '.join(df.columns)}"
            raise InputError(msg, file=file, column=col)
        found[f] = hit
    used = set(found.values())
    for f in fields:
        if f in found:
            continue
        for alias in ALIASES.get(f, (f,)):
            hit = norm.get(alias)
            if hit is not None and hit not in used:
                found[f] = hit
                used.add(hit)
                break
    if "new_hires" in fields and "new_hires" not in found:
        for key, col in norm.items():
            if key.startswith(("new hires", "hires ")) and col not in used:
                found["new_hires"] = col
                break
    return found


def row_numbers(mask: pd.Series) -> list[int]:
    return [int(r) for r in mask.index[mask.to_numpy()]]


def row_list(rows: list[int]) -> str:
    return ", ".join(map(str, rows[:20])) + (
        f" and {len(rows) - 20} more" if len(rows) > 20 else ""
    )


def number(
    df: pd.DataFrame, col: str, file: str, *, quote: bool = True, whole: bool = False
) -> pd.Series:
    """Parse money or counts ("$1,250", "1 250"); blank is an error, negative too."""
    text = df[col].astype(str).str.strip()
    v = pd.to_numeric(text.str.replace(r"[$,\s]", "", regex=True), errors="coerce")
    bad = v.isna() | (v < 0) | (whole & (v != np.floor(v)))
    if bad.any():
        row = int(df.index[bad.to_numpy()][0])
        shown = f"{text[row]!r}" if quote else "the value"
        kind = "whole number" if whole else "number"
        problem = "is negative" if pd.notna(v[row]) and v[row] < 0 else f"is not a {kind}"
        msg = f"{shown} {problem}; give a non-negative {kind} (rows {row_list(row_numbers(bad))})"
        raise InputError(msg, file=file, row=row, column=col)
    return v.astype(float)


def flag(df: pd.DataFrame, col: str, file: str, *, quote: bool = True) -> pd.Series:
    text = df[col].astype(str).str.strip().str.lower()
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        row = int(df.index[bad.to_numpy()][0])
        shown = f"{df.at[row, col]!r}" if quote else "the value"
        msg = f"{shown} is not yes/no (use true/false, yes/no or 1/0)"
        raise InputError(msg, file=file, row=row, column=col)
    return text.isin(_TRUE)


# ------------------------------------------------------------------------ locating


@dataclass
class Placed:
    """Values per unit (long, with ``unit_id`` "" for outside) and how rows were placed."""

    table: pd.DataFrame
    how: dict[str, int] = field(default_factory=dict)


def _coords(df: pd.DataFrame, cols: dict[str, str], file: str, quote: bool) -> pd.Series:
    """Rows with usable coordinates (both blank = no point; one blank or junk = error)."""
    lat_t = df[cols["lat"]].astype(str).str.strip()
    lon_t = df[cols["lon"]].astype(str).str.strip()
    lat = pd.to_numeric(lat_t, errors="coerce")
    lon = pd.to_numeric(lon_t, errors="coerce")
    blank = lat_t.eq("") & lon_t.eq("")
    bad = ~blank & (lat.isna() | lon.isna() | ~lat.between(-90, 90) | ~lon.between(-180, 180))
    if bad.any():
        row = int(df.index[bad.to_numpy()][0])
        col = cols["lat"] if pd.isna(lat[row]) or not -90 <= lat[row] <= 90 else cols["lon"]
        shown = f"{df.at[row, col]!r} is not" if quote else "is not"
        msg = (
            f"coordinate {shown} a valid latitude/longitude in degrees (rows "
            f"{row_list(row_numbers(bad))}); leave both blank to place the row by ZIP code"
        )
        raise InputError(msg, file=file, row=row, column=col)
    return ~blank


def place(
    df: pd.DataFrame,
    cols: dict[str, str],
    values: Sequence[str],
    carry: Sequence[str],
    units: gpd.GeoDataFrame,
    *,
    file: str,
    crosswalk: pd.DataFrame | None,
    unknown_zip: str,
    integer: bool,
    quote: bool = True,
) -> Placed:
    """Place each row in a unit by unit id, point or ZIP code, spreading its values.

    ``df`` holds the value columns (named as in ``values``) and carried columns; the
    geography columns are named by ``cols``. Returns one row per input row × unit.
    """
    if unknown_zip not in ("error", "outside"):
        msg = f"unknown_zip must be 'error' or 'outside', got {unknown_zip!r}"
        raise ConfigError(msg)
    ids = units.index.astype(str)
    by_unit = pd.Series(False, index=df.index)
    if "unit_id" in cols:
        uid = pad_ids(df[cols["unit_id"]].fillna("").astype(str).str.strip(), units.index)
        by_unit = uid.ne("")
        unknown = by_unit & ~uid.isin(ids)
        if unknown.any():
            rows = row_numbers(unknown)
            shown = f": {sorted(set(uid[unknown]))[:10]}" if quote else ""
            msg = (
                f"unit ids not in the study region{shown} (rows {row_list(rows)}); use the "
                "units' ids or leave the cell blank and give a ZIP code or coordinates"
            )
            raise InputError(msg, file=file, row=rows[0], column=cols["unit_id"])
    by_point = pd.Series(False, index=df.index)
    if "lat" in cols and "lon" in cols:
        by_point = ~by_unit & _coords(df, cols, file, quote)
    by_zip = ~by_unit & ~by_point
    zips = pd.Series("", index=df.index)
    if "zip" in cols:
        raw = df[cols["zip"]].astype(str).str.strip()
        zips = normalise_zip(raw)
        bad = by_zip & raw.ne("") & zips.eq("")
        if bad.any():
            rows = row_numbers(bad)
            shown = f"{raw[rows[0]]!r} is not a ZIP code" if quote else "not a ZIP code"
            msg = f"{shown} (rows {row_list(rows)}); write 5 digits, e.g. 10451"
            raise InputError(msg, file=file, row=rows[0], column=cols["zip"])
    nowhere = by_zip & zips.eq("")
    if nowhere.any():
        rows = row_numbers(nowhere)
        looked = [cols[k] for k in ("unit_id", "lat", "lon", "zip") if k in cols]
        msg = (
            f"rows {row_list(rows)} have no place: give a unit id, latitude and longitude, "
            f"or a ZIP code (columns found: {', '.join(looked) or 'none'})"
        )
        raise InputError(msg, file=file, row=rows[0], column=looked[0] if looked else None)
    parts = []
    keep = [*carry, *values]
    if by_unit.any():
        parts.append(df.loc[by_unit, keep].assign(unit_id=uid[by_unit]).reset_index(names="row"))
    if by_point.any():
        parts.append(_by_point(df[by_point], cols, keep, units))
    if by_zip.any():
        parts.append(
            _by_zip(
                df[by_zip].assign(_zip=zips[by_zip]),
                keep,
                carry,
                values,
                crosswalk,
                unknown_zip=unknown_zip,
                integer=integer,
                file=file,
                column=cols.get("zip", "zip"),
                quote=quote,
            )
        )
    table = pd.concat(parts, ignore_index=True)
    how = {"unit_id": int(by_unit.sum()), "point": int(by_point.sum()), "zip": int(by_zip.sum())}
    return Placed(table[["row", "unit_id", *keep]], how)


def _by_point(
    df: pd.DataFrame, cols: dict[str, str], keep: list[str], units: gpd.GeoDataFrame
) -> pd.DataFrame:
    lat = pd.to_numeric(df[cols["lat"]].astype(str).str.strip())
    lon = pd.to_numeric(df[cols["lon"]].astype(str).str.strip())
    pts = gpd.GeoDataFrame(
        df[keep].reset_index(names="row"), geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
    )
    zones = gpd.GeoDataFrame(
        {"unit_id": units.index.astype(str)}, geometry=units.geometry.to_numpy(), crs=units.crs
    ).to_crs("EPSG:4326")
    joined = gpd.sjoin(pts, zones, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]  # a point on a shared edge
    out = pd.DataFrame(joined.drop(columns=["geometry", "index_right"]))
    out["unit_id"] = out["unit_id"].fillna(OUTSIDE).astype(str)
    return out


def _by_zip(
    df: pd.DataFrame,
    keep: list[str],
    carry: Sequence[str],
    values: Sequence[str],
    crosswalk: pd.DataFrame | None,
    *,
    unknown_zip: str,
    integer: bool,
    file: str,
    column: str,
    quote: bool,
) -> pd.DataFrame:
    if crosswalk is None:
        rows = list(df.index)
        msg = (
            f"rows {row_list(rows)} are placed by ZIP code, which needs a ZCTA-to-unit "
            "crosswalk: add 'crosswalk: {path: ...}' under 'anchor:' in the project file "
            "(the sample's crosswalk_zcta_nta.csv shows the columns)"
        )
        raise InputError(msg, file=file, row=rows[0], column=column)
    known = df["_zip"].isin(set(crosswalk["zcta"]))
    if not known.all() and unknown_zip == "error":
        rows = row_numbers(~known)
        shown = f": {sorted(set(df.loc[~known, '_zip']))[:20]}" if quote else ""
        msg = (
            f"ZIP codes not in the crosswalk{shown} "
            f"(rows {row_list(rows)}); fix typos, add them to the crosswalk (an empty "
            "unit_id marks a ZIP outside the region), or set unknown_zip: outside"
        )
        raise InputError(msg, file=file, row=rows[0], column=column)
    outside = df[~known][keep].reset_index(names="row").assign(unit_id=OUTSIDE)
    inside = df[known]
    if integer:
        # people of one ZIP and category are apportioned together, not one by one
        sums = {v: (v, "sum") for v in values}
        inside = (
            inside.reset_index(names="row")
            .groupby(["_zip", *carry], sort=True, dropna=False)
            .agg(first_row=("row", "first"), **sums)
            .reset_index()
            .set_index("first_row")
        )
    spread = apportion(
        inside[["_zip", *keep]], crosswalk, zcta="_zip", columns=values, integer=integer
    )
    return pd.concat([spread.drop(columns="_zip"), outside], ignore_index=True)
