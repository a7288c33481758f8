"""American Community Survey 5-year estimates and margins from the Census Data API.

Every variable ``layers/indicators.yml`` names is requested with its estimate (``E``)
and 90% margin of error (``M``), plus total population (``B01001_001``), for the tracts
or block groups of one county and one vintage. Detailed tables (``B…``, ``C…``) come
from ``/data/<year>/acs/acs5``, data profiles (``DP…``) from ``/acs/acs5/profile`` and
subject tables (``S…``) from ``/acs/acs5/subject``; at most 48 variables go in one
request (the API takes 50 with ``NAME``) and the answers are joined on GEOID.

Requests are sent directly over HTTPS in the API's own query format
(``?get=NAME,B01001_001E,...&for=tract:*&in=state:25 county:019&key=...``) through
:mod:`assetmap.sources._http`, not through the ``census`` package: that package asks the
API once more for every variable's type (dozens of extra calls to record and cache), has
no timeout or backoff, and hands back parsed rows, so the raw answer could not be
checksummed and cached as it came.

The API key is read from the ``CENSUS_API_KEY`` environment variable, else from the file
:func:`assetmap.settings.census_key_path` (one line). It is sent only as the ``key``
parameter and is never printed, logged, cached or written: URLs are redacted first.

ACS special values (Census Bureau, "Notes on ACS API variable types and annotation
values"): negative sentinel estimates (-666666666 and kin) mean no estimate and become
missing; a margin of -555555555 means the estimate is controlled, so its margin is 0.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assetmap import settings
from assetmap.cache import Cache, CacheKey, MissingFromCache
from assetmap.errors import ConfigError, FetchError
from assetmap.sources._http import HTTPStatusError, download, redact, remember_secret

if TYPE_CHECKING:
    from assetmap.need import IndicatorSet

__all__ = [
    "FIRST_YEAR",
    "POPULATION",
    "AcsRequest",
    "acs_requests",
    "acs_variables",
    "census_key",
    "fetch_acs",
    "read_acs_json",
]

log = logging.getLogger(__name__)

#: First vintage of ACS 5-year estimates (2005-2009).
FIRST_YEAR = 2009
#: Total population (ACS table B01001), the units' population.
POPULATION = "B01001_001"
LEVELS = {"tract": "tract", "block-group": "block group"}
_MAX_FIELDS = 48
_CONTROLLED_MOE = -555555555


def census_key(key: str | None = None) -> str:
    """Return the Census API key: ``key``, else ``CENSUS_API_KEY``, else the key file.

    Raises
    ------
    ConfigError
        When there is none, saying how to get and store one.
    """
    value = key or os.environ.get("CENSUS_API_KEY", "").strip()
    if not value:
        path = settings.census_key_path()
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError:
            value = ""
    if not value:
        msg = (
            "No Census API key: the Census Data API needs one (free, at "
            "https://api.census.gov/data/key_signup.html). Set the CENSUS_API_KEY "
            f"environment variable, or save the key alone in {settings.census_key_path()}."
        )
        raise ConfigError(msg)
    remember_secret(value)
    return value


def acs_variables(indicators: IndicatorSet | None = None) -> list[str]:
    """ACS variable codes (without suffix) to fetch: population, then the indicators'.

    Examples
    --------
    >>> acs_variables()[:3]
    ['B01001_001', 'B06012_002', 'B06012_001']
    """
    from assetmap.need import load_indicators

    ind = indicators if indicators is not None else load_indicators()
    return list(dict.fromkeys([POPULATION, *ind.variables]))


def _dataset(code: str) -> str:
    c = code.upper()
    if c.startswith("DP"):
        return "acs/acs5/profile"
    if c.startswith("S"):
        return "acs/acs5/subject"
    if c[:1] in ("B", "C"):
        return "acs/acs5"
    msg = (
        f"{code!r} is not an ACS variable code (detailed tables start with B or C, data "
        "profiles with DP, subject tables with S); fix it in the indicators file"
    )
    raise ConfigError(msg)


@dataclass(frozen=True)
class AcsRequest:
    """One request to the Census Data API (without the key).

    Attributes
    ----------
    dataset : str
        ``acs/acs5``, ``acs/acs5/profile`` or ``acs/acs5/subject``.
    fields : tuple of str
        Variables with their ``E``/``M`` suffix (``NAME`` is added to the request).
    county : str
    level : str
    year : int
    """

    dataset: str
    fields: tuple[str, ...]
    county: str
    level: str
    year: int
    params: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def url(self) -> str:
        """The endpoint."""
        return f"{settings.census_api_url.rstrip('/')}/{self.year}/{self.dataset}"

    @property
    def key(self) -> CacheKey:
        """Where the answer is cached."""
        name = self.dataset.replace("acs/", "").replace("/", "-")
        query = f"{name} {self.level} " + ",".join(self.fields)
        return CacheKey("census", str(self.year), self.county, query, "json")


def acs_requests(
    county: str,
    *,
    level: str = "tract",
    year: int = 2023,
    variables: Sequence[str] | None = None,
) -> list[AcsRequest]:
    """Plan the API requests for a county's units (no network).

    Parameters
    ----------
    county : str
        Five-digit county FIPS code.
    level : {"tract", "block-group"}
    year : int
        ACS 5-year vintage (2023 means 2019-2023).
    variables : sequence of str, optional
        Codes without suffix; :func:`acs_variables` when omitted.

    Returns
    -------
    list of AcsRequest

    Examples
    --------
    >>> reqs = acs_requests("25019", year=2023)
    >>> [r.dataset for r in reqs]
    ['acs/acs5', 'acs/acs5/profile']
    >>> reqs[0].params["in"]
    'state:25 county:019'
    """
    if level not in LEVELS:
        msg = f"level must be 'tract' or 'block-group', not {level!r}"
        raise ConfigError(msg)
    if int(year) < FIRST_YEAR:
        msg = (
            f"ACS 5-year estimates start with the {FIRST_YEAR} vintage (2005-{FIRST_YEAR}); "
            f"{year} is too early. Choose --year {FIRST_YEAR} or later."
        )
        raise ConfigError(msg)
    codes = list(dict.fromkeys(variables or acs_variables()))
    by_ds: dict[str, list[str]] = {}
    for code in codes:
        by_ds.setdefault(_dataset(code), []).append(code)
    if level == "block-group":
        not_bg = [c for ds, cs in by_ds.items() if ds != "acs/acs5" for c in cs]
        if not_bg:
            msg = (
                f"The ACS publishes data-profile and subject-table variables "
                f"({', '.join(not_bg)}) for tracts and larger areas, not block groups. "
                "Use --level tract, or an indicators file whose variables are all "
                "detailed tables (B… or C…) published for block groups."
            )
            raise ConfigError(msg)
    state, cty = county[:2], county[2:]
    geo_for = f"{LEVELS[level]}:*"
    geo_in = f"state:{state} county:{cty}" + (" tract:*" if level == "block-group" else "")
    out = []
    for ds, cs in by_ds.items():
        fields = [f"{c}{s}" for c in cs for s in ("E", "M")]
        for i in range(0, len(fields), _MAX_FIELDS):
            chunk = tuple(fields[i : i + _MAX_FIELDS])
            params = {"get": ",".join(("NAME", *chunk)), "for": geo_for, "in": geo_in}
            out.append(AcsRequest(ds, chunk, county, level, int(year), params))
    return out


def _table_rows(data: bytes | str) -> list[list[Any]]:
    """Rows of a Census Data API answer, the header first; ``ValueError`` when it is no table."""
    rows = json.loads(data)
    if (
        not isinstance(rows, list)
        or not rows
        or not all(isinstance(r, list) and len(r) == len(rows[0]) for r in rows)
    ):
        msg = "not a Census Data API table (a JSON array of equally long rows)"
        raise ValueError(msg)
    return rows


def read_acs_json(data: bytes | str) -> pd.DataFrame:
    """Parse a Census Data API answer (a JSON array of rows, the first the header).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``GEOID`` (state + county + tract [+ block group]), with ``NAME`` and
        every ``…E`` / ``…M`` column as floats (sentinels handled as described above).

    Raises
    ------
    ValueError
        When the text is not such an array (a truncated or foreign answer).

    Examples
    --------
    >>> text = '[["NAME","B01001_001E","B01001_001M","state","county","tract"],'
    >>> text += '["Census Tract 9501","2900","-555555555","25","019","950100"]]'
    >>> read_acs_json(text).loc["25019950100", ["B01001_001E", "B01001_001M"]].tolist()
    [2900.0, 0.0]
    """
    rows = _table_rows(data)
    header = [str(h) for h in rows[0]]
    df = pd.DataFrame(rows[1:], columns=header)
    geo = [c for c in ("state", "county", "tract", "block group") if c in df.columns]
    if geo[:2] != ["state", "county"]:
        msg = "the answer has no state and county columns"
        raise ValueError(msg)
    df.index = pd.Index(df[geo].astype(str).agg("".join, axis=1), name="GEOID")
    df = df.drop(columns=geo)
    for c in df.columns:
        if c == "NAME":
            continue
        v = pd.to_numeric(df[c], errors="coerce").astype(float)
        if c.endswith("M"):
            v = v.where(v != _CONTROLLED_MOE, 0.0)
        df[c] = v.where(v >= 0, np.nan)
    return df


def _looks_like_key_page(data: bytes) -> bool:
    head = data[:4000].lower()
    return b"<" in head[:50] and (b"key" in head and (b"invalid" in head or b"missing" in head))


def _validate(data: bytes) -> None:
    stripped = data.lstrip()
    if stripped[:1] == b"<":
        if _looks_like_key_page(stripped):
            msg = (
                "The Census API did not accept the API key (it answered with its 'Invalid "
                "Key' page). Check CENSUS_API_KEY or the key file for a typo, and activate "
                "a new key with the link in the Census Bureau's e-mail (keys expire unused "
                "after 48 hours): https://api.census.gov/data/key_signup.html"
            )
            raise ConfigError(msg)
        msg = "an HTML page came back instead of data"
        raise ValueError(msg)
    read_acs_json(data)


def _explain(exc: HTTPStatusError, req: AcsRequest) -> str:
    body = exc.body.strip()
    ds = req.dataset.replace("acs/", "ACS ")
    if exc.status == 404:
        return (
            f"The Census API has no {req.year} {ds} estimates (HTTP 404 for "
            f"/data/{req.year}/{req.dataset}): that vintage is not published (5-year "
            f"estimates start in {FIRST_YEAR}; each is released in December of the next "
            "year). Choose an earlier --year."
        )
    if "unknown variable" in body.lower():
        name = body.split("'")[1] if body.count("'") >= 2 else body[:80]
        return (
            f"The {req.year} {ds} has no variable {name}: ACS codes change between "
            "vintages (data profiles especially). Look it up at "
            f"https://api.census.gov/data/{req.year}/{req.dataset}/variables.html and fix "
            "the indicators file, or choose another --year."
        )
    if "geograph" in body.lower():
        return (
            f"The {req.year} {ds} is not published for {LEVELS[req.level]}s "
            f"({body[:120]}). Use --level tract."
        )
    if exc.status in (401, 403):
        return (
            "The Census API refused the request (HTTP "
            f"{exc.status}); check that your API key is active."
        )
    return f"The Census API answered HTTP {exc.status} for {ds}: {body[:200]}"


def fetch_acs(
    county: str,
    *,
    level: str = "tract",
    year: int = 2023,
    variables: Sequence[str] | None = None,
    key: str | None = None,
    cache: Cache | None = None,
    offline: bool = False,
    progress: bool = False,
) -> pd.DataFrame:
    """Fetch ACS 5-year estimates and margins for the units of one county.

    Answers are cached (see :mod:`assetmap.cache`); a cached answer is used without
    asking the network, so the key is needed only the first time.

    Parameters
    ----------
    county : str
        Five-digit county FIPS code ("25019").
    level : {"tract", "block-group"}
    year : int
        Vintage: 2023 means the 2019-2023 5-year estimates.
    variables : sequence of str, optional
        Codes without suffix; population plus every variable of the default indicators
        when omitted.
    key : str, optional
        Census API key; ``CENSUS_API_KEY`` or the key file when omitted.
    cache : Cache, optional
    offline : bool
        Use only the cache; raise :class:`~assetmap.cache.MissingFromCache` listing what is missing.
    progress : bool
        Progress bars (on a terminal).

    Returns
    -------
    pandas.DataFrame
        Indexed by GEOID, with ``NAME`` and ``<code>E`` / ``<code>M`` float columns.

    Examples
    --------
    >>> fetch_acs("25019", offline=True, cache=Cache("/nonexistent"))
    Traceback (most recent call last):
    ...
    assetmap.cache.MissingFromCache: Offline, and 2 Census API answers are not in ...
    """
    c = cache or Cache()
    reqs = acs_requests(county, level=level, year=year, variables=variables)
    missing = [r.key for r in reqs if c.get(r.key) is None]
    if missing and offline:
        raise MissingFromCache(_offline_message(missing, c.root), missing)
    api_key = census_key(key) if missing else ""
    frames = []
    for r in reqs:
        path = c.get(r.key)
        if path is None:
            what = f"ACS {year} {r.dataset.split('/')[-1]} {level}s of {county}"
            try:
                got = download(
                    r.url,
                    params={**r.params, "key": api_key},
                    what=what,
                    validate=_validate,
                    secrets=(api_key,),
                    progress=progress,
                )
            except HTTPStatusError as exc:
                raise ConfigError(_explain(exc, r)) from None
            if not got.content.strip():
                msg = f"The Census API returned no {level}s for county {county} in {year}."
                raise FetchError(msg)
            path = c.put_bytes(
                r.key,
                got.content,
                url=redact(got.url, (api_key,)),
                retrieved=got.retrieved,
                content_type=got.content_type,
                licence="public domain (US Census Bureau)",
            )
        frames.append(read_acs_json(path.read_bytes()))
    out = frames[0]
    for f in frames[1:]:
        out = out.join(f.drop(columns="NAME", errors="ignore"), how="outer")
    return out.sort_index()


def _offline_message(missing: Sequence[CacheKey], root: Path) -> str:
    listed = "; ".join(k.describe()[:120] for k in missing)
    return f"Offline, and {len(missing)} Census API answers are not in the cache {root}: {listed}"
