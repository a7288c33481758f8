"""The census units of a study: ACS estimates on Census boundaries, cut down to a place.

Internal to :mod:`assetmap.online.fetch`, which re-exports :func:`census_units` and
:func:`units_from_cache`: the cache entries the units need (:func:`region_keys`), the
units themselves, read or downloaded (:func:`census_units`, as the
:class:`~assetmap.online.fetch.FetchOptions` say), the check of a place to cut them down
to (:func:`check_place`,
:func:`~assetmap.online.places.clip_to_place`), and the units of a project's
``units: {census: {...}}``, read from the cache alone (:func:`units_from_cache`).

The units of several counties are each county's units, fetched as for one county (same
level, vintage and boundaries; population-weighted origins within each county), one
after the other; GEOIDs are unique across counties. Counties of one state share the
state's boundary file (cached once); a place is cut out of all of them together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from assetmap.errors import ConfigError, OfflineError
from assetmap.online import _study, census, tiger
from assetmap.online._options import FetchOptions, default_indicators, options_from
from assetmap.online.cache import Cache, CacheKey, MissingFromCache
from assetmap.online.counties import County, county_by_fips, find_county
from assetmap.online.places import clip_to_place

__all__ = [
    "as_counties",
    "census_units",
    "check_place",
    "region_keys",
    "require_cached",
    "units_from_cache",
    "variables",
]


def variables(indicators: str | Path | None) -> list[str]:
    """ACS variable codes of an indicators file (the shipped one for None), population first."""
    from assetmap.indicators import load_indicators

    return census.acs_variables(load_indicators(indicators))


def as_counties(county: str | County | Sequence[str | County]) -> list[County]:
    """Return the counties of a study, each once, in the order given (codes or County)."""
    items = [county] if isinstance(county, str | County) else list(county)
    if not items:
        msg = "name at least one county (a FIPS code such as 42011)"
        raise ConfigError(msg)
    out = [c if isinstance(c, County) else county_by_fips(str(c)) for c in items]
    return list({c.fips: c for c in out}.values())


def region_keys(
    fips: Sequence[str], options: FetchOptions, place: str | None = None
) -> list[tuple[CacheKey, str]]:
    """Return the cache entries of several counties' units, each once (shared state files).

    ``options`` gives the level, vintage, boundaries, origins and indicators (as given:
    :func:`~assetmap.online._options.default_indicators` is the caller's); ``place`` the
    seven-digit code of a place the units are cut down to.
    """
    level, year, kind = options.level, options.year, options.boundaries
    names = variables(options.indicators)
    keys: dict[CacheKey, str] = {}
    for code in fips:
        state = code[:2]
        for r in census.acs_requests(code, level=level, year=year, variables=names):
            keys.setdefault(r.key, f"ACS {year} {r.dataset} for the {level}s of {code}")
        keys.setdefault(
            tiger.boundary_key(state, level=level, year=year, kind=kind),
            tiger.boundary_url(state, level=level, year=year, kind=kind),
        )
        if place is not None:
            keys.setdefault(
                tiger.place_key(place[:2], year=year, kind=kind),
                tiger.place_url(place[:2], year=year, kind=kind),
            )
        if options.origins and level == "tract":
            bg = census.acs_requests(
                code, level="block-group", year=year, variables=[census.POPULATION]
            )
            for r in bg:
                keys.setdefault(r.key, f"ACS {year} block-group population of {code}")
            keys.setdefault(
                tiger.boundary_key(state, level="block-group", year=year, kind=kind),
                tiger.boundary_url(state, level="block-group", year=year, kind=kind),
            )
    return list(keys.items())


def census_units(
    county: str | County | Sequence[str | County],
    *,
    place: str | None = None,
    options: FetchOptions | None = None,
    **overrides: Any,
) -> gpd.GeoDataFrame:
    """Units of a county (or several) with every ACS estimate and margin the indicators need.

    Parameters
    ----------
    county : str, County, or a list of them
        Five-digit FIPS code or a :class:`~assetmap.online.counties.County`; a list for
        a study of several counties (their units one after the other, in that order; a
        county given twice is fetched once).
    place : str, optional
        Seven-digit Census place code ("4263624") of a place in the county (or
        counties): keep only the units with at least ``min_share`` of their area inside
        it (and always the one holding its largest part), from the state's place
        boundary file of the same vintage and kind
        (:func:`~assetmap.online.places.clip_to_place`).
    options : FetchOptions, optional
        How to fetch; of its fields, these count here:

        - ``level`` ({"tract", "block-group"}) and ``year`` (the ACS 5-year vintage; the
          boundaries are of the same year);
        - ``indicators``: an ``indicators.yml``, the shipped one when omitted;
        - ``boundaries``: ``"cb"``, cartographic boundary (shoreline-clipped, default),
          or ``"tiger"``, TIGER/Line files;
        - ``origins``: for tracts, add ``origin_lon`` / ``origin_lat``, the
          population-weighted mean of the block groups' points
          (:func:`assetmap.region.origins` with ``finer=``), to pass to
          :func:`assetmap.analysis.access` as ``origins``;
        - ``min_share``: share of a unit's area inside the place to keep it, in (0, 1];
        - ``key`` (Census API key, else ``CENSUS_API_KEY`` or the key file), ``cache``
          and ``progress``;
        - ``offline``: read only from the cache;
          :class:`~assetmap.online.cache.MissingFromCache` lists every missing entry, of
          every county.
    **overrides
        Fields of :class:`FetchOptions` by name (``level="block-group"``, ``year=2022``
        …), replacing those of ``options``.

    Returns
    -------
    geopandas.GeoDataFrame
        Units (index ``unit_id`` = GEOID; ``name``; ``population`` = ``B01001_001E``,
        0 for water-only units), ``water_only``, ``ALAND``, ``AWATER``, every
        ``<code>E`` / ``<code>M`` column, EPSG:4326. With ``place``, also
        ``place_share``, and ``attrs["place_clip"]`` is the
        :class:`~assetmap.online.places.PlaceClip`.

    Examples
    --------
    >>> units = census_units("42011", place="4263624", min_share=0.5)  # doctest: +SKIP
    >>> units.attrs["place_clip"].summary("tracts", "Berks County, PA")  # doctest: +SKIP
    >>> both = census_units(["42011", "42071"])  # doctest: +SKIP
    """
    from assetmap.region import validate_units

    opts = options_from(options, overrides, caller="census_units")
    c = opts.cache or Cache()
    codes = [k.fips for k in as_counties(county)]
    if place is not None:
        for code in codes:
            check_place(place, code, opts.min_share)
    opts = replace(opts, cache=c, indicators=default_indicators(opts.indicators, opts.level))
    names = variables(opts.indicators)
    if opts.offline:
        require_cached(region_keys(codes, opts, place), c, codes, opts, place)
    parts = [_county_units(code, opts, names) for code in codes]
    units = parts[0] if len(parts) == 1 else pd.concat(parts)
    units.index.name = "unit_id"
    front = ["name", "population", "water_only", "ALAND", "AWATER"]
    rest = [col for col in units.columns if col not in front and col != "geometry"]
    out = validate_units(units[[*front, *rest, "geometry"]].reset_index())
    if place is None:
        return out
    outline = tiger.fetch_place(
        place,
        year=opts.year,
        kind=opts.boundaries,
        cache=c,
        offline=opts.offline,
        progress=opts.progress,
    )
    kept, clip = clip_to_place(out, outline, min_share=opts.min_share)
    kept.attrs["place_clip"] = replace(clip, counties=len(codes))
    return kept


def _county_units(fips: str, options: FetchOptions, names: list[str]) -> gpd.GeoDataFrame:
    """One county's units with their ACS columns, population and origins (not validated)."""
    from assetmap.region import origins as unit_origins

    level, year, kind, key = options.level, options.year, options.boundaries, options.key
    opts: dict[str, Any] = {
        "cache": options.cache,
        "offline": options.offline,
        "progress": options.progress,
    }
    acs = census.fetch_acs(fips, level=level, year=year, variables=names, key=key, **opts)
    shapes = tiger.fetch_boundaries(fips, level=level, year=year, kind=kind, **opts)
    units = shapes.join(acs.drop(columns="NAME", errors="ignore"), how="left")
    pop = units[f"{census.POPULATION}E"]
    units["population"] = pop.where(pop.notna() | ~units["water_only"], 0.0)
    if options.origins and level == "tract":
        bg_acs = census.fetch_acs(
            fips, level="block-group", year=year, variables=[census.POPULATION], key=key, **opts
        )
        bg = tiger.fetch_boundaries(fips, level="block-group", year=year, kind=kind, **opts)
        bg["population"] = bg_acs[f"{census.POPULATION}E"].reindex(bg.index).fillna(0.0)
        bg["unit_id"] = bg.index.str[:11]
        pts = unit_origins(units, units.estimate_utm_crs(), finer=bg).to_crs("EPSG:4326")
        units["origin_lon"] = pts.x.round(6)
        units["origin_lat"] = pts.y.round(6)
    return units


def check_place(place: str, fips: str, min_share: float) -> None:
    """Raise :class:`~assetmap.errors.ConfigError` unless ``place`` can cut county ``fips``.

    The place code has seven digits and is in the county's state, and ``min_share`` is
    in (0, 1].
    """
    if not (len(place) == 7 and place.isdigit()):
        msg = f"a Census place code has seven digits (state and place, e.g. 4263624), not {place!r}"
        raise ConfigError(msg)
    if place[:2] != fips[:2]:
        msg = f"place {place} is not in the state of county {fips} (state {fips[:2]})"
        raise ConfigError(msg)
    if not 0 < float(min_share) <= 1:
        msg = (
            f"min_share is the share of a unit's area inside the place, in (0, 1], not {min_share}"
        )
        raise ConfigError(msg)


def require_cached(
    keys: Sequence[tuple[CacheKey, str]],
    cache: Cache,
    codes: list[str],
    options: FetchOptions,
    place: str | None,
) -> None:
    """Raise :class:`~.cache.MissingFromCache` naming every entry of ``keys`` not cached.

    The message gives the ``assetmap fetch`` command that downloads them (:func:`_missing_message`).
    """
    missing = [k for k, _ in keys if cache.get(k) is None]
    if missing:
        level, year = options.level, options.year
        command = _study.fetch_command(
            codes,
            level=level,
            year=year,
            boundaries=options.boundaries,
            place=place,
            min_share=options.min_share,
        )
        msg = _missing_message(missing, cache, codes, level, year, command=command)
        raise MissingFromCache(msg, missing)


def _missing_message(
    missing: list[CacheKey],
    cache: Cache,
    fips: str | Sequence[str],
    level: str,
    year: int,
    *,
    command: str | None = None,
) -> str:
    """One message for everything missing offline, of every county of the study.

    With several counties, the message names those whose own downloads (ACS tables,
    their state's boundary files) are among the missing.
    """
    codes = [fips] if isinstance(fips, str) else list(fips)
    listed = "\n  - ".join(k.describe()[:140] for k in missing)
    run = command or _study.fetch_command(codes, level=level, year=year)
    who, among = f"county {codes[0]}", ""
    if len(codes) > 1:
        who = f"counties {_study.join_words(codes)}"
        gone = {k.geography for k in missing}
        lacking = [county_by_fips(code) for code in codes if code in gone or code[:2] in gone]
        if lacking:
            names = _study.join_words([f"{k.label} ({k.fips})" for k in lacking])
            among = f" (among them the Census data or boundaries of {names})"
    return (
        f"Offline, and {len(missing)} download(s) for {who} are not in the cache "
        f"{cache.root}{among}; run `{run}` while online first. Missing:\n  - {listed}"
    )


def _spec_counties(raw: Any, project: Path, year: int) -> list[County]:
    """Return the counties of ``units.census.county``: a name or code, or a list of them."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        msg = f'{project}: units.census.county is empty; give a FIPS code, e.g. "42011"'
        raise ConfigError(msg)
    out = []
    for item in items:
        text = str(item).zfill(5) if isinstance(item, int) else str(item).strip()
        out.append(county_by_fips(text) if text.isdigit() else find_county(text, year=year))
    return as_counties(out)


def units_from_cache(
    spec: dict[str, Any], *, project: Path, indicators: Path | None
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """Units for a project's ``units: {census: {county: ..., level: ..., year: ...}}``.

    Read from the cache only (a build never downloads); when something is missing, the
    error gives the ``assetmap fetch`` command to run first. ``county`` is a FIPS code or
    a name, or a list of them for a study of several counties
    (``county: ["42011", "42071"]``). ``place: "4263624"`` (and ``min_share: 0.5``) cut
    the units down to a place as ``assetmap fetch --place-only`` did, from the cached
    place boundaries.

    Returns
    -------
    tuple
        The units and the manifests of the cache entries used (for the provenance).
    """
    if not isinstance(spec, dict) or "county" not in spec:
        msg = f'{project}: units: {{census: ...}} needs a county, e.g. {{county: "42011"}}'
        raise ConfigError(msg)
    allowed = {"county", "level", "year", "boundaries", "origins", "place", "min_share"}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        msg = f"{project}: unknown keys under units.census: {unknown}"
        raise ConfigError(msg)
    year = int(spec.get("year", 2023))
    where = _spec_counties(spec["county"], project, year)
    level = str(spec.get("level", "tract")).replace("_", "-").replace("blockgroup", "block-group")
    indicators_used = default_indicators(indicators, level)
    indicators = Path(indicators_used) if indicators_used is not None else None
    boundaries = str(spec.get("boundaries", "cb"))
    origins = bool(spec.get("origins", True))
    code = spec.get("place")
    place = None if code is None else str(code).zfill(7) if isinstance(code, int) else str(code)
    try:
        min_share = float(spec.get("min_share", 0.5))
    except (TypeError, ValueError):
        msg = f"{project}: units.census.min_share is a number in (0, 1], not {spec['min_share']!r}"
        raise ConfigError(msg) from None
    if place is None and "min_share" in spec:
        msg = f'{project}: units.census.min_share needs a place, e.g. place: "4263624"'
        raise ConfigError(msg)
    cache = Cache()
    options = FetchOptions(
        level=level,
        year=year,
        boundaries=boundaries,
        origins=origins,
        indicators=indicators,
        min_share=min_share,
        offline=True,
        cache=cache,
    )
    try:
        units = census_units(where, place=place, options=options)
    except OfflineError as exc:
        msg = f"{project}: {exc}"
        raise OfflineError(msg) from None
    except ConfigError as exc:
        msg = f"{project}: units.census: {exc}"
        raise ConfigError(msg) from None
    keys = region_keys([k.fips for k in where], options, place)
    records = [r for r in (cache.record(k) for k, _ in keys) if r is not None]
    inputs = [
        {
            "file": r["file"],
            "role": "units",
            "source": r["source"],
            "url": r["url"],
            "sha256": r["sha256"],
            "bytes": r["bytes"],
            "retrieved": r["retrieved"],
        }
        for r in records
    ]
    return units, inputs
