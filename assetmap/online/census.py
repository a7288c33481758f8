"""American Community Survey 5-year estimates and margins, through the ``census`` package.

Every variable ``layers/indicators.yml`` names is requested with its estimate (``E``)
and 90% margin of error (``M``), plus total population (``B01001_001``), for the tracts
or block groups of one county and one vintage. Detailed tables (``B…``, ``C…``) come
from ``census.Census(...).acs5``, data profiles (``DP…``) from ``.acs5dp`` and subject
tables (``S…``) from ``.acs5st``, each asked with
``.get(["NAME", ...], geo={"for": "tract:*", "in": "state:25 county:019"}, year=2023)``.
At most 48 variables go in one call: with ``NAME`` that is the package's own chunk of 49,
so each planned :class:`AcsRequest` is one API request (no ``GEO_ID`` join) and one
cache entry; the answers are joined on GEOID.

Why both the package and our own transport: the package knows the API's semantics
(endpoints per dataset, the ``get``/``for``/``in`` query, each column cast by the type
the API gives for it in ``/variables/<code>.json``), but has no timeout or backoff and
hands back parsed rows. So it is given :class:`~assetmap.online._census_session.CensusSession`
as its ``session``: every request goes through :mod:`assetmap.online._http` (timeouts,
bounded retries, truncated answers asked again, the key redacted) and every raw answer,
the variable types included, into :mod:`assetmap.online.cache` with its checksum. A second run
asks nothing, and ``offline=True`` lists every missing table at once. The package's
rows are turned into the same table :func:`read_acs_json` makes of a raw answer.

The API key is read from the ``CENSUS_API_KEY`` environment variable, else from the file
:func:`assetmap.settings.census_key_path` (one line), only when something must be
downloaded. It is sent only as the ``key`` parameter and is never printed, logged, cached
or written: URLs are redacted first, and cache keys are made without it.

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
from census import Census
from census.core import APIKeyError, CensusException, UnsupportedYearException

from assetmap import settings
from assetmap.errors import AssetmapError, ConfigError, FetchError
from assetmap.online._census_session import KEY_MESSAGE, CensusSession, answer_key, check_key_page
from assetmap.online._http import HTTPStatusError, redact, remember_secret
from assetmap.online.cache import Cache, CacheKey, MissingFromCache

if TYPE_CHECKING:
    from assetmap.indicators import IndicatorSet

__all__ = [
    "FIRST_YEAR",
    "POPULATION",
    "AcsRequest",
    "acs_requests",
    "acs_variables",
    "census_key",
    "fetch_acs",
    "read_acs_json",
    "table_rows",
]

log = logging.getLogger(__name__)

#: First vintage of ACS 5-year estimates (2005-2009).
FIRST_YEAR = 2009
#: Total population (ACS table B01001), the units' population.
POPULATION = "B01001_001"
LEVELS = {"tract": "tract", "block-group": "block group"}
_MAX_FIELDS = 48  # with NAME, 49: the census package's chunk, so one call is one request
_CONTROLLED_MOE = -555555555
_GEO = {"state": 2, "county": 3, "tract": 6, "block group": 1}  # GEOID parts and widths
#: Given to :class:`census.Census`, which insists on a key; the session sends the real one.
_KEY_HELD_BY_SESSION = "held-by-the-session"


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
    from assetmap.indicators import load_indicators

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
        """Where the answer is cached (the session files it under the same key)."""
        return answer_key(self.url, self.params)


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


def table_rows(data: bytes | str) -> list[list[Any]]:
    """Return the rows of a Census Data API answer, the header first.

    Raises ``ValueError`` when the answer is no table (a JSON array of equally long rows).
    """
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
    rows = table_rows(data)
    return _frame([str(h) for h in rows[0]], rows[1:])


def _geo_part(value: Any, width: int) -> str:
    """One GEOID part as the API writes it, also when a type made it a number."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)).zfill(width)
    return str(value)


def _frame(header: list[str], body: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """Build the table of :func:`read_acs_json` from a header and rows (text or numbers)."""
    df = pd.DataFrame([list(r) for r in body], columns=header)
    geo = [c for c in _GEO if c in df.columns]
    if geo[:2] != ["state", "county"]:
        msg = "the answer has no state and county columns"
        raise ValueError(msg)
    parts = pd.DataFrame({c: [_geo_part(v, _GEO[c]) for v in df[c]] for c in geo}, index=df.index)
    df.index = pd.Index(parts.agg("".join, axis=1) if len(df) else [], name="GEOID", dtype=object)
    df = df.drop(columns=geo)
    for c in df.columns:
        if c == "NAME":
            continue
        v = pd.to_numeric(df[c], errors="coerce").astype(float)
        if c.endswith("M"):
            v = v.where(v != _CONTROLLED_MOE, 0.0)
        df[c] = v.where(v >= 0, np.nan)
    return df


def check_answer(data: bytes) -> None:
    """Check a raw answer: the key page raises the key's ConfigError, a cut one ValueError."""
    check_key_page(data)
    read_acs_json(data)


def explain_refusal(exc: HTTPStatusError, req: AcsRequest) -> str:
    """Say why the Census API refused ``req`` and what to do (a vintage, a variable, a key)."""
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

    Answers are cached (see :mod:`assetmap.online.cache`); a cached answer is used without
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
        Use only the cache; raise :class:`~.cache.MissingFromCache` listing what is missing.
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
    assetmap.online.cache.MissingFromCache: Offline, and 2 Census API answers are not in ...
    """
    c = cache or Cache()
    reqs = acs_requests(county, level=level, year=year, variables=variables)
    session = CensusSession(
        c, key=lambda: census_key(key), validate=check_answer, offline=offline, progress=progress
    )
    api = Census(_KEY_HELD_BY_SESSION, session=session)
    frames = []
    try:
        for r in reqs:
            rows = _ask(api, r)
            if session.missing:
                continue  # offline: go on listing what is missing
            if not rows:
                msg = f"The Census API returned no {level}s for county {county} in {year}."
                raise FetchError(msg)
            frames.append(_frame(list(rows[0]), [list(row.values()) for row in rows]))
    finally:
        session.forget_key()  # the package's type cache keeps its clients (and session) alive
    if session.missing:
        raise MissingFromCache(_offline_message(session.missing, c.root), session.missing)
    out = frames[0]
    for f in frames[1:]:
        out = out.join(f.drop(columns="NAME", errors="ignore"), how="outer")
    return out.sort_index()


def _client(api: Census, dataset: str) -> Any:
    """Return the ``census`` package's client of an ACS 5-year dataset."""
    if dataset == "acs/acs5/profile":
        return api.acs5dp
    if dataset == "acs/acs5/subject":
        return api.acs5st
    return api.acs5


def _ask(api: Census, req: AcsRequest) -> list[dict[str, Any]]:
    """Ask one planned request through the package; its failures as one clear sentence."""
    geo = {"for": req.params["for"], "in": req.params["in"]}
    try:
        rows: list[dict[str, Any]] = _client(api, req.dataset).get(
            ["NAME", *req.fields], geo=geo, year=req.year
        )
    except HTTPStatusError as exc:
        raise ConfigError(explain_refusal(exc, req)) from None
    except AssetmapError as exc:  # ours, raised in the session: without the package's frames
        raise exc.with_traceback(None) from None
    except UnsupportedYearException:
        ds = req.dataset.replace("acs/", "ACS ")
        msg = (
            f"The census package knows no {req.year} {ds} estimates: that vintage is not "
            f"published (5-year estimates start in {FIRST_YEAR}; each is released in "
            "December of the next year). Choose an earlier --year."
        )
        raise ConfigError(msg) from None
    except APIKeyError:
        raise ConfigError(KEY_MESSAGE) from None
    except CensusException as exc:
        ds = req.dataset.replace("acs/", "ACS ")
        msg = f"The Census API answered an error for {ds}: {redact(str(exc))[:200]}"
        raise FetchError(msg) from None
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        msg = (
            f"Could not read the Census API's answer for the {req.year} "
            f"{req.dataset.replace('acs/', 'ACS ')} ({type(exc).__name__}); try again, or "
            "report it if it persists."
        )
        raise FetchError(msg) from None
    return rows


def _offline_message(missing: Sequence[CacheKey], root: Path) -> str:
    listed = "; ".join(k.describe()[:120] for k in missing)
    return f"Offline, and {len(missing)} Census API answers are not in the cache {root}: {listed}"
