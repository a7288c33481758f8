"""The census units of a study: ACS estimates on Census boundaries, cut down to a place.

Internal to :mod:`assetmap.fetch`, which re-exports :func:`census_units`,
:func:`default_indicators` and :func:`units_from_cache`: the cache entries the units need
(:func:`_units_keys`), the units themselves, read or downloaded (:func:`census_units`),
the check of a place to cut them down to (:func:`_check_place`,
:func:`~assetmap.sources.places.clip_to_place`), and the units of a project's
``units: {census: {...}}``, read from the cache alone (:func:`units_from_cache`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd

from assetmap import _study
from assetmap.cache import Cache, CacheKey, MissingFromCache
from assetmap.errors import ConfigError, OfflineError
from assetmap.sources import census, tiger
from assetmap.sources.counties import County, county_by_fips, find_county
from assetmap.sources.places import clip_to_place

__all__ = ["census_units", "default_indicators", "units_from_cache"]


def default_indicators(indicators: str | Path | None, level: str) -> str | Path | None:
    """Return the indicators file to use: the given one, else the level's shipped one.

    Block groups get ``layers/indicators_block_group.yml`` (detailed tables only: the
    Census Bureau publishes no data-profile tables for block groups); tracts the
    shipped ``indicators.yml`` (``None``).

    Examples
    --------
    >>> default_indicators(None, "block-group").name
    'indicators_block_group.yml'
    >>> default_indicators(None, "tract") is None
    True
    """
    if indicators is None and level == "block-group":
        from assetmap._resources import layers_dir

        return layers_dir() / "indicators_block_group.yml"
    return indicators


def _variables(indicators: str | Path | None) -> list[str]:
    from assetmap.need import load_indicators

    return census.acs_variables(load_indicators(indicators))


def _units_keys(
    fips: str,
    *,
    level: str,
    year: int,
    boundaries: str,
    origins: bool,
    variables: list[str],
    place: str | None = None,
) -> list[tuple[CacheKey, str]]:
    keys = [
        (r.key, f"ACS {year} {r.dataset} for the {level}s of {fips}")
        for r in census.acs_requests(fips, level=level, year=year, variables=variables)
    ]
    keys.append(
        (
            tiger.boundary_key(fips[:2], level=level, year=year, kind=boundaries),
            tiger.boundary_url(fips[:2], level=level, year=year, kind=boundaries),
        )
    )
    if place is not None:
        keys.append(
            (
                tiger.place_key(place[:2], year=year, kind=boundaries),
                tiger.place_url(place[:2], year=year, kind=boundaries),
            )
        )
    if origins and level == "tract":
        bg = census.acs_requests(
            fips, level="block-group", year=year, variables=[census.POPULATION]
        )
        keys += [(r.key, f"ACS {year} block-group population of {fips}") for r in bg]
        keys.append(
            (
                tiger.boundary_key(fips[:2], level="block-group", year=year, kind=boundaries),
                tiger.boundary_url(fips[:2], level="block-group", year=year, kind=boundaries),
            )
        )
    return keys


def census_units(
    county: str | County,
    *,
    level: str = "tract",
    year: int = 2023,
    indicators: str | Path | None = None,
    boundaries: str = "cb",
    origins: bool = True,
    place: str | None = None,
    min_share: float = 0.5,
    key: str | None = None,
    cache: Cache | None = None,
    offline: bool = False,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """Units of a county with every ACS estimate and margin the indicators need.

    Parameters
    ----------
    county : str or County
        Five-digit FIPS code or a :class:`~assetmap.sources.counties.County`.
    level : {"tract", "block-group"}
    year : int
        ACS 5-year vintage; the boundaries are of the same year.
    indicators : path, optional
        An ``indicators.yml``; the shipped one when omitted.
    boundaries : {"cb", "tiger"}
        Cartographic boundary (shoreline-clipped, default) or TIGER/Line files.
    origins : bool
        For tracts, add ``origin_lon`` / ``origin_lat``: the population-weighted mean of
        the block groups' points (:func:`assetmap.region.origins` with ``finer=``), to
        pass to :func:`assetmap.access` as ``origins``.
    place : str, optional
        Seven-digit Census place code ("4263624") of a place in the county: keep only
        the units with at least ``min_share`` of their area inside it (and always the one
        holding its largest part), from the state's place boundary file of the same
        vintage and kind (:func:`~assetmap.sources.places.clip_to_place`).
    min_share : float
        Share of a unit's area inside the place to keep it, in (0, 1].
    key : str, optional
        Census API key (else ``CENSUS_API_KEY`` or the key file).
    cache : Cache, optional
    offline : bool
        Read only from the cache; :class:`~assetmap.cache.MissingFromCache`
        lists every missing entry.
    progress : bool

    Returns
    -------
    geopandas.GeoDataFrame
        Units (index ``unit_id`` = GEOID; ``name``; ``population`` = ``B01001_001E``,
        0 for water-only units), ``water_only``, ``ALAND``, ``AWATER``, every
        ``<code>E`` / ``<code>M`` column, EPSG:4326. With ``place``, also
        ``place_share``, and ``attrs["place_clip"]`` is the
        :class:`~assetmap.sources.places.PlaceClip`.

    Examples
    --------
    >>> units = census_units("42011", place="4263624", min_share=0.5)  # doctest: +SKIP
    >>> units.attrs["place_clip"].summary("tracts", "Berks County, PA")  # doctest: +SKIP
    """
    from assetmap.region import origins as unit_origins
    from assetmap.region import validate_units

    c = cache or Cache()
    fips = county.fips if isinstance(county, County) else str(county)
    if place is not None:
        _check_place(place, fips, min_share)
    indicators = default_indicators(indicators, level)
    variables = _variables(indicators)
    if offline:
        keys = _units_keys(
            fips,
            level=level,
            year=year,
            boundaries=boundaries,
            origins=origins,
            variables=variables,
            place=place,
        )
        missing = [k for k, _ in keys if c.get(k) is None]
        if missing:
            command = _study.fetch_command(
                fips,
                level=level,
                year=year,
                boundaries=boundaries,
                place=place,
                min_share=min_share,
            )
            msg = _missing_message(missing, c, fips, level, year, command=command)
            raise MissingFromCache(msg, missing)
    opts: dict[str, Any] = {"cache": c, "offline": offline, "progress": progress}
    acs = census.fetch_acs(fips, level=level, year=year, variables=variables, key=key, **opts)
    shapes = tiger.fetch_boundaries(fips, level=level, year=year, kind=boundaries, **opts)
    units = shapes.join(acs.drop(columns="NAME", errors="ignore"), how="left")
    pop = units[f"{census.POPULATION}E"]
    units["population"] = pop.where(pop.notna() | ~units["water_only"], 0.0)
    if origins and level == "tract":
        bg_acs = census.fetch_acs(
            fips, level="block-group", year=year, variables=[census.POPULATION], key=key, **opts
        )
        bg = tiger.fetch_boundaries(fips, level="block-group", year=year, kind=boundaries, **opts)
        bg["population"] = bg_acs[f"{census.POPULATION}E"].reindex(bg.index).fillna(0.0)
        bg["unit_id"] = bg.index.str[:11]
        pts = unit_origins(units, units.estimate_utm_crs(), finer=bg).to_crs("EPSG:4326")
        units["origin_lon"] = pts.x.round(6)
        units["origin_lat"] = pts.y.round(6)
    units.index.name = "unit_id"
    front = ["name", "population", "water_only", "ALAND", "AWATER"]
    rest = [col for col in units.columns if col not in front and col != "geometry"]
    out = validate_units(units[[*front, *rest, "geometry"]].reset_index())
    if place is None:
        return out
    outline = tiger.fetch_place(place, year=year, kind=boundaries, **opts)
    kept, clip = clip_to_place(out, outline, min_share=min_share)
    kept.attrs["place_clip"] = clip
    return kept


def _check_place(place: str, fips: str, min_share: float) -> None:
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


def _missing_message(
    missing: list[CacheKey],
    cache: Cache,
    fips: str,
    level: str,
    year: int,
    *,
    command: str | None = None,
) -> str:
    listed = "\n  - ".join(k.describe()[:140] for k in missing)
    run = command or f"assetmap fetch --fips {fips} --level {level} --year {year}"
    return (
        f"Offline, and {len(missing)} download(s) for county {fips} are not in the cache "
        f"{cache.root}; run `{run}` while online first. Missing:\n  - {listed}"
    )


def units_from_cache(
    spec: dict[str, Any], *, project: Path, indicators: Path | None
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """Units for a project's ``units: {census: {county: ..., level: ..., year: ...}}``.

    Read from the cache only (a build never downloads); when something is missing, the
    error gives the ``assetmap fetch`` command to run first. ``place: "4263624"`` (and
    ``min_share: 0.5``) cut the units down to a place as ``assetmap fetch --place-only``
    did, from the cached place boundaries.

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
    raw = str(spec["county"])
    year = int(spec.get("year", 2023))
    where = county_by_fips(raw) if raw.isdigit() else find_county(raw, year=year)
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
    try:
        units = census_units(
            where,
            level=level,
            year=year,
            indicators=indicators,
            boundaries=boundaries,
            origins=origins,
            place=place,
            min_share=min_share,
            cache=cache,
            offline=True,
        )
    except OfflineError as exc:
        msg = f"{project}: {exc}"
        raise OfflineError(msg) from None
    except ConfigError as exc:
        msg = f"{project}: units.census: {exc}"
        raise ConfigError(msg) from None
    variables = _variables(indicators)
    keys = _units_keys(
        where.fips,
        level=level,
        year=year,
        boundaries=boundaries,
        origins=origins,
        variables=variables,
        place=place,
    )
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
