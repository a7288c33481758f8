"""HRSA health center sites (federally qualified health centers and look-alikes).

HRSA publishes one national CSV of service delivery sites, "Health Center Service
Delivery and Look-Alike Sites" (``settings.hrsa_sites_url``, about 13 MB, 56 columns,
public domain; also offered as XLSX). :func:`assetmap.online.hrsa.fetch_sites` downloads
it once into the cache; :func:`county_sites` keeps a county's active sites, with the same
columns, and :func:`read_hrsa` reads the national or a county file into Assets (domain
``primary_care``): :func:`assetmap.read_assets` does so by itself when it meets HRSA's
header (:func:`is_hrsa_table`, registered in :mod:`assetmap.readers.registry`).

Columns used (as HRSA names them): ``Site Name``, ``Health Center Name`` (the
organisation), ``Site Address``, ``Site City``, ``Site State Abbreviation``, ``Site Postal
Code``, ``Site Telephone Number``, ``Site Web Address``, ``Operating Hours per Week``,
``Geocoding Artifact Address Primary X Coordinate`` (longitude) and ``... Y Coordinate``
(latitude), ``BPHC Assigned Number`` (the site's id), ``Site Status Description``,
``Health Center Type Description`` and
``State and County Federal Information Processing Standard Code``. Every other column
(``Health Center Type``, ``Health Center Location Type Description``, …) is kept.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from assetmap.domains import Domain, normalise_label
from assetmap.errors import InputError
from assetmap.readers.files import assets_from_table, read_table

__all__ = [
    "COLUMNS",
    "FIPS_COLUMN",
    "STATUS_COLUMN",
    "county_sites",
    "hrsa_assets",
    "is_hrsa_table",
    "read_hrsa",
]

log = logging.getLogger(__name__)

#: Column with the five-digit state and county code of a site.
FIPS_COLUMN = "State and County Federal Information Processing Standard Code"
#: Column saying whether a site is active.
STATUS_COLUMN = "Site Status Description"
#: Asset contract field -> HRSA column.
COLUMNS = {
    "asset_id": "BPHC Assigned Number",
    "name": "Site Name",
    "org": "Health Center Name",
    "address": "Site Address",
    "phone": "Site Telephone Number",
    "website": "Site Web Address",
    "lat": "Geocoding Artifact Address Primary Y Coordinate",
    "lon": "Geocoding Artifact Address Primary X Coordinate",
}
#: Columns whose presence makes a table HRSA's site list.
_MARKERS = ("Site Name", COLUMNS["lat"], COLUMNS["lon"])
_ADDRESS_PARTS = ("Site Address", "Site City", "Site State Abbreviation", "Site Postal Code")
_HOURS = "Operating Hours per Week"
_SOURCE_INFO = {
    "name": "HRSA, Health Center Service Delivery and Look-Alike Sites",
    "licence": "public domain (US government work)",
    "note": "https://data.hrsa.gov/data/download",
}


#: Columns saying whether a site sees patients ("Service Delivery Site") or is an office.
_KIND_COLUMNS = (
    "Health Center Type Description",
    "Health Center Service Delivery Site Location Setting Description",
)


def _is_administrative(kinds: list[str]) -> bool:
    """Whether a site is an office only: "Administrative" and nowhere "Service Delivery"."""
    text = " ".join(kinds).lower()
    return "administrative" in text and "service delivery" not in text


def county_sites(path: str | Path, fips: str) -> bytes:
    r"""Keep a county's active service-delivery sites; return them as CSV bytes.

    Rows keep every column of HRSA's file. Sites that are not active, and
    administrative sites (no patients seen), are left out; :func:`read_hrsa` on the
    national file instead counts them as set aside, with the reason.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "sites.csv"
    >>> _ = p.write_text(
    ...     f"Site Name,Site Status Description,{FIPS_COLUMN}\n"
    ...     "A,Active,25019\nB,Inactive,25019\nC,Active,25001\n")
    >>> county_sites(p, "25019").decode().splitlines()[1]
    'A,Active,25019'
    """
    text = Path(path).read_bytes().decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or []), lineterminator="\n")
    writer.writeheader()
    for row in reader:
        code = str(row.get(FIPS_COLUMN, "")).strip().split(".")[0].zfill(5)
        active = str(row.get("Site Status Description", "Active")).strip().lower() == "active"
        admin = _is_administrative([str(row.get(c) or "") for c in _KIND_COLUMNS])
        if code == fips and active and not admin:
            writer.writerow(row)
    return out.getvalue().encode("utf-8")


def is_hrsa_table(df: pd.DataFrame) -> bool:
    """Whether a table read from a file is HRSA's site list (by its header).

    Examples
    --------
    >>> is_hrsa_table(pd.DataFrame(columns=["Site Name", *_MARKERS[1:], "Other"]))
    True
    """
    have = {normalise_label(c) for c in df.columns}
    return all(normalise_label(m) in have for m in _MARKERS)


def read_hrsa(
    path: str | Path,
    *,
    fips: str | None = None,
    region: gpd.GeoDataFrame | None = None,
    buffer_m: float | None = None,
    strict: bool = False,
    source: str = "hrsa",
    domains: dict[str, Domain] | None = None,
    sheet: str | int | None = None,
) -> gpd.GeoDataFrame:
    """Read HRSA's health center site list (CSV or XLSX) into Assets.

    Parameters
    ----------
    path : str or Path
        The national file as downloaded from data.hrsa.gov (or
        :func:`assetmap.online.hrsa.fetch_sites`), or
        a county's rows of it (:func:`county_sites`).
    fips : str, optional
        Five-digit county code: only that county's rows are read (and counted).
    region, buffer_m, strict
        As in :func:`assetmap.read_assets`.
    source : str
        Name of the source (prefix of ``asset_id``, which is HRSA's BPHC site number).
    domains : dict, optional
        Domain definitions; ``primary_care`` must be one.
    sheet : str or int, optional
        Worksheet of the XLSX download.

    Returns
    -------
    geopandas.GeoDataFrame
        Assets in domain ``primary_care``, sector ``health_system``; ``address`` joins
        street, city, state and ZIP; ``hours`` says the hours per week. Sites whose status
        is not Active and administrative sites (no patients seen) are set aside with the
        reason, so rows read = kept + set aside still holds.

    Examples
    --------
    >>> from assetmap.readers.hrsa import read_hrsa
    >>> sites = read_hrsa("Health_Center_Service_Delivery_and_LookAlike_Sites.csv",
    ...                   fips="36005")  # doctest: +SKIP
    """
    p = Path(path)
    kind = "xlsx" if p.suffix.lower() in (".xlsx", ".xlsm") else "csv"
    df = read_table(p, kind=kind, sheet=sheet)
    return hrsa_assets(
        df,
        file=str(path),
        source=source,
        fips=fips,
        region=region,
        buffer_m=buffer_m,
        strict=strict,
        domains=domains,
    )


def hrsa_assets(
    df: pd.DataFrame,
    *,
    file: str,
    source: str = "hrsa",
    fips: str | None = None,
    region: gpd.GeoDataFrame | None = None,
    buffer_m: float | None = None,
    strict: bool = False,
    domains: dict[str, Domain] | None = None,
) -> gpd.GeoDataFrame:
    """Turn HRSA's site table into Assets; see :func:`read_hrsa`.

    ``df`` holds text cells indexed by row number, as
    :func:`~assetmap.readers.files.read_table` returns them.
    """
    real = {normalise_label(c): c for c in df.columns}

    def col(name: str) -> str | None:
        return real.get(normalise_label(name))

    if fips is not None:
        fips_col = col(FIPS_COLUMN)
        if fips_col is None:
            msg = f"fips= needs the column {FIPS_COLUMN!r}, which this file lacks"
            raise InputError(msg, file=file, column=FIPS_COLUMN)
        code = df[fips_col].str.strip().str.split(".").str[0].str.zfill(5)
        log.info("%s: %d of %d sites are in county %s", file, (code == fips).sum(), len(df), fips)
        df = df[code == str(fips).zfill(5)]
    set_aside: list[dict[str, Any]] = []
    status_col = col(STATUS_COLUMN)
    kind_cols = [c for c in (col(k) for k in _KIND_COLUMNS) if c is not None]
    for row in df.index:
        status = df.at[row, status_col].strip() if status_col else "Active"
        if status.lower() != "active":
            problem = (
                f"site status is {status!r}, not Active; only active sites are kept"
                if status
                else "site status is empty; only sites marked Active are kept"
            )
            set_aside.append(
                {"row": row, "column": status_col, "value": status, "problem": problem}
            )
        elif _is_administrative([df.at[row, c] for c in kind_cols]):
            set_aside.append(
                {
                    "row": row,
                    "column": kind_cols[0],
                    "value": df.at[row, kind_cols[0]],
                    "problem": "administrative site: no patients are seen there",
                }
            )
    keep = df.drop(index=[r["row"] for r in set_aside]).copy()
    columns = {f: c for f, c in ((f, col(c)) for f, c in COLUMNS.items()) if c is not None}
    parts = [c for c in (col(x) for x in _ADDRESS_PARTS) if c is not None]
    if parts:
        keep["assetmap address"] = [_address(*(keep.at[r, c] for c in parts)) for r in keep.index]
        columns["address"] = "assetmap address"
    hours = col(_HOURS)
    if hours:
        keep["assetmap hours"] = keep[hours].map(_hours)
        columns["hours"] = "assetmap hours"
    keep["assetmap sector"] = "health_system"
    columns["sector"] = "assetmap sector"
    out = assets_from_table(
        keep,
        file=file,
        source=source,
        columns=columns,
        region=region,
        buffer_m=buffer_m,
        strict=strict,
        domain="primary_care",
        domains=domains,
        set_aside=set_aside,
    )
    out.attrs["source_info"] = dict(
        _SOURCE_INFO, note=f"asset source {source!r}; " + _SOURCE_INFO["note"]
    )
    return out


def _address(*parts: str) -> str:
    """Join street, city, state and ZIP as "1 Main St, Bronx, NY 10451"."""
    street, city, state, zip_code = (list(parts) + ["", "", "", ""])[:4]
    zip_code = zip_code.strip()
    if zip_code.isdigit() and len(zip_code) in (3, 4):  # a ZIP code read as a number
        zip_code = zip_code.zfill(5)
    tail = " ".join(x.strip() for x in (state, zip_code) if x.strip())
    return ", ".join(x.strip() for x in (street, city, tail) if x.strip())


def _hours(value: str) -> str:
    """Hours per week as words ("40 hours per week"), empty when unknown or zero."""
    try:
        h = float(str(value).strip())
    except ValueError:
        return str(value).strip()
    return f"{h:g} hours per week" if h > 0 else ""
