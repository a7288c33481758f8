"""HRSA health center sites (federally qualified health centers and look-alikes).

HRSA publishes one national CSV of service delivery sites
(``settings.hrsa_sites_url``, about 13 MB, public domain). It is downloaded once into
the cache; :func:`county_sites` keeps a county's active sites, with the same columns, for
:func:`assetmap.read_assets` with :data:`COLUMNS` and ``domain="primary_care"``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from assetmap import settings
from assetmap.cache import Cache, CacheKey
from assetmap.sources._http import download

__all__ = ["COLUMNS", "FIPS_COLUMN", "county_sites", "fetch_sites", "sites_key"]

#: Column with the five-digit state and county code of a site.
FIPS_COLUMN = "State and County Federal Information Processing Standard Code"
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


#: Columns saying whether a site sees patients ("Service Delivery Site") or is an office.
_KIND_COLUMNS = (
    "Health Center Type Description",
    "Health Center Service Delivery Site Location Setting Description",
)


def sites_key() -> CacheKey:
    """Cache key of the national site list."""
    return CacheKey("hrsa", "current", "us", "health center service delivery sites", "csv")


def _validate(data: bytes) -> None:
    head = data[:20000].decode("utf-8-sig", errors="replace")
    if "Site Name" not in head or FIPS_COLUMN not in head:
        msg = "not HRSA's health center site list (its header is missing)"
        raise ValueError(msg)


def fetch_sites(*, cache: Cache | None = None, progress: bool = False) -> Path:
    """Return the cached national site list, downloading it when missing."""
    c = cache or Cache()
    key = sites_key()
    path = c.get(key)
    if path is None:
        got = download(
            settings.hrsa_sites_url,
            what="HRSA health center sites",
            validate=_validate,
            progress=progress,
        )
        path = c.put_bytes(
            key,
            got.content,
            url=got.url,
            retrieved=got.retrieved,
            content_type=got.content_type,
            licence="public domain (US government work)",
        )
    return path


def county_sites(path: str | Path, fips: str) -> bytes:
    r"""Keep a county's active service-delivery sites; return them as CSV bytes.

    Rows keep every column of HRSA's file. Sites that are not active, and
    administrative sites (no patients seen), are left out.

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
        kind = " ".join(str(row.get(c, "")) for c in _KIND_COLUMNS).lower()
        if code == fips and active and "administrative" not in kind:
            writer.writerow(row)
    return out.getvalue().encode("utf-8")
