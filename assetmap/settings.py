r"""User-facing defaults for downloads and the cache.

Change a value by assigning to it before you fetch, e.g.
``assetmap.settings.requests_timeout = 120``. The ``assetmap fetch`` command reads the
same values. Analysis never reads these: only the readers of online sources do.

Settings
--------
cache_folder : str | Path | None
    Folder of the download cache. ``None`` (the default) means the ``ASSETMAP_CACHE``
    environment variable when it is set, else the user's cache folder
    (``~/.cache/assetmap`` on Linux, following ``XDG_CACHE_HOME``;
    ``~/Library/Caches/assetmap`` on macOS; ``%LOCALAPPDATA%\assetmap\Cache`` on
    Windows), chosen by ``platformdirs``.
census_key_file : str | Path | None
    A text file holding your Census API key, read when ``CENSUS_API_KEY`` is not set.
    ``None`` means ``census_api_key`` in the user's config folder
    (``~/.config/assetmap/census_api_key`` on Linux). The key is never printed, logged or
    written anywhere by assetmap.
requests_timeout : float
    Seconds to wait for a server to connect or to send the next bytes before giving up
    on one try (default 60).
retries : int
    Tries in total for a download that fails for a passing reason (HTTP 429 or 5xx, a
    timeout, a dropped connection, a truncated or unreadable file) before saying what
    to do (default 4).
backoff : float
    Seconds to wait before the second try; each further wait doubles (exponential
    backoff), up to ``backoff_max``. A ``Retry-After`` header from the server is
    honoured within the same bound (default 2).
backoff_max : float
    Longest single wait between tries, in seconds (default 60).
overpass_url : str
    Base URL of the Overpass API used for OpenStreetMap assets and street networks
    (default ``https://overpass-api.de/api``).
overpass_retries : int
    How many times a rate-limited (HTTP 429) or overloaded (HTTP 504) Overpass server is
    asked again; osmnx waits 55 s before each (default 2).
osm_buffer_m : float
    OpenStreetMap assets and street networks are fetched for the county plus this many
    metres around it, so services just over the line count (default 2,500 m, the
    distance up to which :func:`assetmap.read_assets` keeps assets outside the region).
census_api_url, tiger_url, hrsa_sites_url : str
    Where the Census API, the Census boundary files and HRSA's health-center site list
    are downloaded from.
user_agent : str
    Sent with every request so data providers can see who is asking.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "census_key_path"]

cache_folder: str | Path | None = None
census_key_file: str | Path | None = None
requests_timeout: float = 60.0
retries: int = 4
backoff: float = 2.0
backoff_max: float = 60.0
overpass_url: str = "https://overpass-api.de/api"
overpass_retries: int = 2
osm_buffer_m: float = 2500.0
census_api_url: str = "https://api.census.gov/data"
tiger_url: str = "https://www2.census.gov/geo/tiger"
hrsa_sites_url: str = (
    "https://data.hrsa.gov/DataDownload/DD_Files/"
    "Health_Center_Service_Delivery_and_LookAlike_Sites.csv"
)
user_agent: str = "assetmap (+https://github.com/assetmap/assetmap)"


def cache_dir() -> Path:
    """Return the cache folder now in force (see ``cache_folder``).

    Examples
    --------
    >>> cache_dir().name in ("assetmap", "Cache") or bool(cache_folder or os.environ.get(
    ...     "ASSETMAP_CACHE"))
    True
    """
    if cache_folder is not None:
        return Path(cache_folder).expanduser()
    env = os.environ.get("ASSETMAP_CACHE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("assetmap", appauthor=False))


def census_key_path() -> Path:
    """Return the file a Census API key is read from when ``CENSUS_API_KEY`` is unset."""
    if census_key_file is not None:
        return Path(census_key_file).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("assetmap", appauthor=False)) / "census_api_key"
