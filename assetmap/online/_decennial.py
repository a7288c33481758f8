"""2020 Census block populations (P1, through the Census Data API), to place residents.

Internal to :mod:`assetmap.online`: :mod:`assetmap.online._points` places a study's
residents at its blocks' internal points with these counts. P1_001N (total population)
of the 2020 Census Redistricting Data (Public Law 94-171, dataset ``2020/dec/pl``) is
asked for every block of every tract of a county, ``for=block:*&in=state:25 county:019
tract:*`` (or for its block groups, the fallback), through the same
:class:`~assetmap.online._census_session.CensusSession` as the ACS tables: cached with its
checksum, asked again when cut, the key read only to download and redacted from every
URL, log line and cache entry.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from assetmap import settings
from assetmap.errors import ConfigError
from assetmap.online._census_session import CensusSession, answer_key, check_key_page
from assetmap.online._http import HTTPStatusError, redact
from assetmap.online.cache import Cache, CacheKey, MissingFromCache
from assetmap.online.census import census_key, table_rows

__all__ = [
    "DECENNIAL_YEAR",
    "decennial_key",
    "decennial_request",
    "fetch_decennial_population",
    "read_decennial_json",
]

#: The decennial census whose block populations place residents (units of 2020 on).
DECENNIAL_YEAR = 2020
_DATASET = "dec/pl"  # 2020 Census Redistricting Data (Public Law 94-171)
_POPULATION = "P1_001N"  # total population
_LEVELS = {"block": "block", "block-group": "block group"}
_WIDTHS = {"state": 2, "county": 3, "tract": 6, "block group": 1, "block": 4}


def _part(value: Any, width: int) -> str:
    """One GEOID part as the API writes it, also when a type made it a number."""
    if isinstance(value, float | int) and float(value).is_integer():
        return str(int(value)).zfill(width)
    return str(value)


def decennial_request(county: str, *, level: str = "block") -> tuple[str, dict[str, str]]:
    """Return the 2020 Census request for the population of a county's blocks (no key).

    P1_001N of the 2020 Census Redistricting Data (P.L. 94-171, ``2020/dec/pl``), for
    every block (or block group) of every tract of the county.

    Examples
    --------
    >>> url, params = decennial_request("25019")
    >>> url
    'https://api.census.gov/data/2020/dec/pl'
    >>> params
    {'get': 'P1_001N', 'for': 'block:*', 'in': 'state:25 county:019 tract:*'}
    """
    if level not in _LEVELS:
        msg = f"decennial populations are fetched for 'block' or 'block-group', not {level!r}"
        raise ConfigError(msg)
    url = f"{settings.census_api_url.rstrip('/')}/{DECENNIAL_YEAR}/{_DATASET}"
    params = {
        "get": _POPULATION,
        "for": f"{_LEVELS[level]}:*",
        "in": f"state:{county[:2]} county:{county[2:]} tract:*",
    }
    return url, params


def decennial_key(county: str, *, level: str = "block") -> CacheKey:
    """Cache entry of :func:`decennial_request`'s answer.

    Examples
    --------
    >>> decennial_key("25019").describe()
    'census 2020 25019: dec-pl block for=block:*&get=P1_001N&in=state:25 county:019 tract:*'
    """
    return answer_key(*decennial_request(county, level=level))


def read_decennial_json(data: bytes | str) -> pd.Series:
    """Parse a 2020 Census answer of :func:`decennial_request` into populations by GEOID.

    Returns
    -------
    pandas.Series
        Integer ``population`` indexed by ``GEOID`` (15 digits for blocks: state,
        county, tract, block; 12 for block groups), sorted.

    Examples
    --------
    >>> text = '[["P1_001N","state","county","tract","block"],["41","25","019","950100","1000"]]'
    >>> read_decennial_json(text).to_dict()
    {'250199501001000': 41}
    """
    rows = table_rows(data)
    header = [str(h) for h in rows[0]]
    geo = [c for c in _WIDTHS if c in header]
    if _POPULATION not in header or geo[:3] != ["state", "county", "tract"]:
        msg = f"not a 2020 Census answer with {_POPULATION} by state, county and tract"
        raise ValueError(msg)
    at = [header.index(c) for c in geo]
    ids = ["".join(_part(r[i], _WIDTHS[c]) for i, c in zip(at, geo, strict=True)) for r in rows[1:]]
    values = [r[header.index(_POPULATION)] for r in rows[1:]]
    pop = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    if pop.isna().any() or (pop < 0).any():
        msg = f"the answer has {_POPULATION} values that are not counts"
        raise ValueError(msg)
    out = pd.Series(pop.astype("int64").to_numpy(), index=pd.Index(ids, name="GEOID"))
    return out.rename("population").sort_index()


def _check_decennial(data: bytes) -> None:
    check_key_page(data)
    read_decennial_json(data)


def fetch_decennial_population(
    county: str,
    *,
    level: str = "block",
    key: str | None = None,
    cache: Cache | None = None,
    offline: bool = False,
    progress: bool = False,
) -> pd.Series:
    """Fetch (or read from the cache) the 2020 Census population of a county's blocks.

    The request goes through the same session as the ACS tables: cached with its
    checksum, asked again when cut, the key read only to download and redacted from
    every URL, log line and cache entry.

    Parameters
    ----------
    county : str
        Five-digit county FIPS code.
    level : {"block", "block-group"}
    key, cache, offline, progress
        As in :func:`~assetmap.online.census.fetch_acs`.

    Returns
    -------
    pandas.Series
        See :func:`read_decennial_json`.

    Raises
    ------
    HTTPStatusError
        When the API refuses the request or has no such units (status 204).
    MissingFromCache
        Offline, when the answer is not cached.

    Examples
    --------
    >>> fetch_decennial_population("25019", offline=True, cache=Cache("/nonexistent"))
    Traceback (most recent call last):
    ...
    assetmap.online.cache.MissingFromCache: Offline, and the 2020 Census population of ...
    """
    c = cache or Cache()
    url, params = decennial_request(county, level=level)
    session = CensusSession(
        c,
        key=lambda: census_key(key),
        validate=_check_decennial,
        offline=offline,
        progress=progress,
    )
    try:
        answer = session.get(url, params=params)
    finally:
        session.forget_key()
    if session.missing:
        msg = f"Offline, and the 2020 Census population of county {county} is not in the cache"
        raise MissingFromCache(msg, session.missing)
    if answer.status_code == 204:
        msg = f"The Census API has no 2020 {level.replace('-', ' ')}s for county {county}"
        raise HTTPStatusError(msg, status=204, url=redact(url), body="")
    return read_decennial_json(answer.content)
