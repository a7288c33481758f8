"""HRSA's national list of health center sites, downloaded once into the cache.

HRSA publishes one national CSV, "Health Center Service Delivery and Look-Alike Sites"
(``settings.hrsa_sites_url``, about 13 MB, public domain). :func:`fetch_sites` returns the
cached copy, downloading it the first time; reading it (a county's rows, the Assets) is
the reader's job: :mod:`assetmap.readers.hrsa`.
"""

from __future__ import annotations

from pathlib import Path

from assetmap import settings
from assetmap.online._http import download
from assetmap.online.cache import Cache, CacheKey
from assetmap.readers.hrsa import FIPS_COLUMN

__all__ = ["fetch_sites", "sites_key"]

#: Licence of the site list, recorded with the cached file.
LICENCE = "public domain (US government work)"


def sites_key() -> CacheKey:
    """Return the cache key of the national site list.

    Returns
    -------
    CacheKey
        Source ``hrsa``, vintage ``current``, place ``us``.

    Examples
    --------
    >>> sites_key().source
    'hrsa'
    """
    return CacheKey("hrsa", "current", "us", "health center service delivery sites", "csv")


def _validate(data: bytes) -> None:
    """Raise unless the bytes downloaded start with the header of HRSA's site list."""
    head = data[:20000].decode("utf-8-sig", errors="replace")
    if "Site Name" not in head or FIPS_COLUMN not in head:
        msg = "not HRSA's health center site list (its header is missing)"
        raise ValueError(msg)


def fetch_sites(*, cache: Cache | None = None, progress: bool = False) -> Path:
    """Return the cached national site list, downloading it when missing.

    Parameters
    ----------
    cache : Cache, optional
        Where downloads are kept (default: the user's cache folder).
    progress : bool
        Show a progress bar while downloading.

    Returns
    -------
    Path
        The cached CSV; read it with :func:`assetmap.readers.hrsa.read_hrsa` or keep a
        county's rows with :func:`assetmap.readers.hrsa.county_sites`.

    Examples
    --------
    >>> from assetmap.online.hrsa import fetch_sites
    >>> path = fetch_sites()  # doctest: +SKIP
    """
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
            licence=LICENCE,
        )
    return path
