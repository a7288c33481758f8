"""Any US county in one call: Census ACS, Census boundaries, OpenStreetMap, into a study folder.

:func:`fetch_county` gathers everything a study needs from public sources, keeps every
download in the cache (:mod:`assetmap.online.cache`), and writes a folder a person can build,
zip and share::

    units.gpkg          tracts (or block groups) with ACS estimates and margins, population,
                        water_only, and population-weighted origins (origin_lon/lat)
    assets_osm.geojson  OpenStreetMap services of every domain, region plus a buffer
    assets_hrsa.csv     HRSA health center sites in the county (with ``hrsa=True``)
    hsds.zip            an Open Referral HSDS feed (with ``hsds=URL``; an HSDS 3 API's
                        pages are gathered into hsds/services.json instead)
    walk.graphml        street networks for walk/drive travel (with ``networks=True``)
    drive.graphml
    project.yml         the study, ready for ``assetmap build``, citing every source

``offline=True`` builds the same folder from the cache alone and, when something is
missing, raises :class:`~assetmap.online.cache.MissingFromCache` naming every missing
entry at once. :func:`census_units` is the units part alone (the project YAML's
``units: {census: {...}}`` reads it from the cache).

Several counties make one study (``county=[...]`` or ``fips=[...]``; ``--county`` and
``--fips`` repeated on the command line), as a hospital's community health needs
assessment area or a metro area often spans county lines: the units are each county's,
one after the other, ranked on need together by the build; OpenStreetMap services and
street networks are fetched once for the union of the counties plus the buffer (so a
service on a county line is fetched once and the network is connected across it), HRSA
sites are those of every county, and the study folder is ``studies/<fips>+<fips>...``.

A city or town (``place=``) leads to the county holding most of its residents; with
``place_only=True`` the study is then cut down to the place itself: its county (or all
of its counties, for a place across county lines) is fetched as always, and only the
units with at least ``min_share`` of their area inside the place's Census outline are
kept (:func:`~assetmap.online.places.clip_to_place`). OpenStreetMap services and
street networks are then fetched for the kept units plus the usual buffer (not the
whole county, whose services far from the place would only be set aside by the build),
and HRSA sites beyond that buffer are left out at fetch time.

Sources load, analysis computes: nothing here is called by the analysis modules.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from assetmap import settings
from assetmap.errors import AssetmapError, ConfigError, OfflineError
from assetmap.online import _study
from assetmap.online._lists import _hsds_key, _list_files, _osm_files, _osm_keys, _region_tag
from assetmap.online._units import (
    _as_counties,
    _check_place,
    _region_keys,
    _require_cached,
    _variables,
    census_units,
    default_indicators,
)
from assetmap.online._units import units_from_cache as units_from_cache  # for assetmap.project
from assetmap.online.cache import Cache, CacheKey, atomic_write_bytes
from assetmap.online.counties import County, CountyNotFound, county_by_fips, find_county
from assetmap.online.hrsa import sites_key as hrsa_sites_key
from assetmap.online.places import PlaceClip, PlaceMatch, PlaceNotFound, find_place

__all__ = [
    "FetchResult",
    "Resolved",
    "census_units",
    "fetch_county",
    "plan",
    "resolve",
    "resolve_county",
]

log = logging.getLogger(__name__)


@dataclass
class FetchResult:
    """What :func:`fetch_county` wrote.

    Attributes
    ----------
    county : County
        The (first) county of the study.
    folder : Path
    project : Path
        The study's YAML, for ``assetmap build``.
    units : geopandas.GeoDataFrame
    files : dict of str to Path
        Every file written, by role (``units``, ``assets_osm``, ``walk`` …).
    records : list of dict
        Cache manifests of every download used (URL redacted, time, checksum).
    place : PlaceMatch or None
        The city or town asked for, when the county was found from one.
    clip : PlaceClip or None
        How the units were cut down to the place (with ``place_only=True``).
    counties : list of County
        Every county of the study, ``county`` first.
    """

    county: County
    folder: Path
    project: Path
    units: gpd.GeoDataFrame
    files: dict[str, Path] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    place: PlaceMatch | None = None
    clip: PlaceClip | None = None
    counties: list[County] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.counties:
            self.counties = [self.county]

    @property
    def label(self) -> str:
        """The counties in words ("Nantucket County, MA and Dukes County, MA")."""
        return _study.region_label(self.counties)


@dataclass(frozen=True)
class Resolved:
    """The county (or counties) to fetch, and the place they were found from.

    Attributes
    ----------
    county : County
        The county, or the first of several (a place's: the one holding most residents).
    place : PlaceMatch or None
        Set when a city or town was named instead of a county.
    message : str
        One line saying how a place led to the counties, or that a county named twice
        is fetched once ("" for counties named directly).
    counties : tuple of County
        Every county to fetch, each once, ``county`` first.
    """

    county: County
    place: PlaceMatch | None = None
    message: str = ""
    counties: tuple[County, ...] = ()

    def __post_init__(self) -> None:
        if not self.counties:
            object.__setattr__(self, "counties", (self.county,))


def _place_message(place: PlaceMatch, *, as_county: bool, place_only: bool = False) -> str:
    head = f"{place.query} is a place, not a county" if as_county else place.query
    if place_only and len(place.parts) > 1:
        text = (
            f"{head}: {place.describe()}; studying {place.short_name} alone, cut out of "
            f"the {len(place.parts)} counties it lies in, all fetched: "
            f"{_study.region_label(place.counties)}."
        )
    elif place_only:
        text = (
            f"{head}: {place.describe()}; studying {place.short_name} alone, cut out of "
            f"{place.county.label}."
        )
    else:
        text = f"{head}: {place.describe()}; fetching all of {place.county.label}."
        if place.left_out():
            text += " " + place.left_out()
    return f"{text} {place.note}" if place.note else text


def _names(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _several(names: list[str], codes: list[str], year: int | None) -> Resolved:
    """Find several counties by name and code: each once, every unknown one named.

    Names come first, then codes (the command line keeps no order between the two).
    """
    from assetmap.online.counties import _check_year

    found: list[County] = []
    errors: list[AssetmapError] = []
    for name in names:
        try:
            found.append(find_county(name, year=year))
        except AssetmapError as exc:
            errors.append(exc)
    for code in codes:
        try:
            found.append(county_by_fips(code))
            _check_year(found[-1], year)
        except AssetmapError as exc:
            errors.append(exc)
    total = len(names) + len(codes)
    if errors:
        head = f"Of the {total} counties named, {len(errors)} could not be used: "
        if len(errors) == 1:
            head = f"Of the {total} counties named, one could not be used: "
        msg = head + " ".join(str(e) for e in errors)
        if all(isinstance(e, CountyNotFound) for e in errors):
            raise CountyNotFound(msg)
        raise ConfigError(msg)
    unique = _as_counties(found)
    twice = [c for c in unique if sum(f.fips == c.fips for f in found) > 1]
    message = ""
    if twice:
        listed = _study.join_words([f"{c.label} ({c.fips})" for c in twice])
        verb = "was" if len(twice) == 1 else "were"
        message = f"{listed} {verb} named more than once; each county is fetched once."
    return Resolved(unique[0], None, message, tuple(unique))


def resolve(
    county: str | Sequence[str] | None = None,
    *,
    fips: str | Sequence[str] | None = None,
    place: str | PlaceMatch | None = None,
    year: int | None = None,
    key: str | None = None,
    cache: Cache | None = None,
    offline: bool = False,
    progress: bool = False,
    place_only: bool = False,
) -> Resolved:
    """Find the counties to fetch from county names, FIPS codes, or a city or town.

    A county name that matches no county but has a state ("Reading, PA") is looked up as
    a place too, through the Census API (:func:`~assetmap.online.places.find_place`),
    and the county holding most of its residents is chosen; ``message`` says so. Several
    counties (names and codes together) are each found by name or code only; a county
    named twice is fetched once, and ``message`` says so.

    Parameters
    ----------
    county : str or list of str, optional
        "Berks County, PA" (or a FIPS code), or several.
    fips : str or list of str, optional
        "42011", or several.
    place : str or PlaceMatch, optional
        A city, town or CDP with its state: "Reading, PA", "Kansas City, Missouri".
    year : int, optional
        The vintage to fetch (the counties must exist in it; a place is looked up in it,
        2023 when omitted).
    key, cache, offline, progress
        For a place lookup, as in :func:`fetch_county`.
    place_only : bool
        The study will be cut down to the place: all the counties it lies in are
        fetched (``counties``; ``message`` names them); an error when a county is named.

    Returns
    -------
    Resolved

    Examples
    --------
    >>> resolve(fips="42011").county.label
    'Berks County, PA'
    >>> [c.label for c in resolve(fips=["42011", "42071"]).counties]
    ['Berks County, PA', 'Lancaster County, PA']
    """
    from assetmap.online.counties import _check_year, _split_state

    names, codes = _names(county), _names(fips)
    if (place is None) == (not names and not codes):
        msg = (
            'name the counties or the place, not both: --county "Berks County, PA" or '
            '--fips 42011 (each may be repeated), or --place "Reading, PA"'
        )
        raise ConfigError(msg)
    if len(names) + len(codes) > 1:
        found = _several(names, codes, year)
        if place_only:
            raise ConfigError(_not_a_place(found.county))
        return found
    if codes:
        c = county_by_fips(codes[0])
        _check_year(c, year)
        if place_only:
            raise ConfigError(_not_a_place(c))
        return Resolved(c)
    opts: dict[str, Any] = {"key": key, "cache": cache, "offline": offline, "progress": progress}
    vintage = int(year) if year is not None else 2023
    if place is not None:
        match = place if isinstance(place, PlaceMatch) else find_place(place, year=vintage, **opts)
        return _resolved_place(match, year, as_county=False, place_only=place_only)
    text = names[0]
    try:
        found_county = find_county(text, year=year)
    except CountyNotFound as exc:
        if _split_state(text)[1] is None:  # no state: it cannot be looked up as a place
            raise
        not_county = str(exc)
    else:
        if place_only:
            raise ConfigError(_not_a_place(found_county))
        return Resolved(found_county)
    try:
        match = find_place(text, year=vintage, **opts)
    except PlaceNotFound as exc:
        msg = f"{not_county} {exc}"
        raise CountyNotFound(msg) from None
    except OfflineError:
        msg = (
            f"{not_county} Offline, it could not be looked up as a city or town either "
            "(the Census list of the state's places is not in the cache)."
        )
        raise CountyNotFound(msg) from None
    except AssetmapError as exc:
        msg = f"{not_county} It could not be looked up as a city or town either: {exc}"
        raise CountyNotFound(msg) from None
    return _resolved_place(match, year, as_county=True, place_only=place_only)


def _resolved_place(
    match: PlaceMatch, year: int | None, *, as_county: bool, place_only: bool
) -> Resolved:
    """Resolve to a place's main county; with ``place_only``, every county it lies in."""
    from assetmap.online.counties import _check_year

    counties = match.counties if place_only else (match.county,)
    for c in counties:
        _check_year(c, year)
    text = _place_message(match, as_county=as_county, place_only=place_only)
    return Resolved(match.county, match, text, counties)


def _not_a_place(county: County) -> str:
    return (
        f"--place-only cuts a study down to a city or town, and {county.label} is a county: "
        'name the place with --place "Reading, PA", or leave out --place-only.'
    )


def resolve_county(
    county: str | Sequence[str] | None = None,
    *,
    fips: str | Sequence[str] | None = None,
    place: str | PlaceMatch | None = None,
    year: int | None = None,
    key: str | None = None,
    cache: Cache | None = None,
    offline: bool = False,
) -> County:
    """Return the county named by ``county`` ("Berks County, PA"), ``fips`` or ``place``.

    See :func:`resolve`, which also says how a place led to the county, and gives every
    county when several are named.

    Examples
    --------
    >>> resolve_county("Nantucket County, MA").fips
    '25019'
    """
    found = resolve(
        county, fips=fips, place=place, year=year, key=key, cache=cache, offline=offline
    )
    return found.county


def plan(
    county: County | Sequence[County],
    *,
    level: str = "tract",
    year: int = 2023,
    boundaries: str = "cb",
    origins: bool = True,
    osm: bool = True,
    networks: bool = True,
    hrsa: bool = False,
    hsds: str | None = None,
    indicators: str | Path | None = None,
    place: str | None = None,
    min_share: float = 0.5,
) -> list[tuple[CacheKey, str]]:
    """Every cache entry a fetch needs, with where it comes from (no network).

    With several counties, each county's Census entries (their state's boundary files
    once), and the OpenStreetMap entries of their union, keyed by all of them. With
    ``place`` (a seven-digit Census place code), the state's place boundaries are
    needed too, and the OpenStreetMap entries are those of the units kept.

    Examples
    --------
    >>> c = resolve_county(fips="25019")
    >>> [k.source for k, _ in plan(c, networks=False)]
    ['census', 'census', 'tiger', 'census', 'tiger', 'osm']
    >>> both = resolve(fips=["25019", "25007"]).counties
    >>> [k.geography for k, _ in plan(both, networks=False, origins=False)]
    ['25019', '25019', '25', '25007', '25007', '25007+25019']
    """
    counties = _as_counties(county)
    codes = [c.fips for c in counties]
    keys = _region_keys(
        codes,
        level=level,
        year=year,
        boundaries=boundaries,
        origins=origins,
        variables=_variables(indicators),
        place=place,
    )
    region = _region_tag(place, level=level, year=year, boundaries=boundaries, min_share=min_share)
    keys += [
        (k, "OpenStreetMap (Overpass API)")
        for k in _osm_keys(codes, networks=networks, osm=osm, region=region)
    ]
    if hrsa:
        keys.append((hrsa_sites_key(), settings.hrsa_sites_url))
    if hsds:
        keys.append((_hsds_key(codes, hsds), hsds))
    return keys


def fetch_county(
    county: str | Sequence[str] | None = None,
    *,
    fips: str | Sequence[str] | None = None,
    place: str | PlaceMatch | None = None,
    level: str = "tract",
    year: int = 2023,
    out: str | Path | None = None,
    offline: bool = False,
    osm: bool = True,
    networks: bool = True,
    hrsa: bool = False,
    hsds: str | None = None,
    indicators: str | Path | None = None,
    boundaries: str = "cb",
    origins: bool = True,
    place_only: bool = False,
    min_share: float = 0.5,
    key: str | None = None,
    cache: Cache | None = None,
    progress: bool = False,
) -> FetchResult:
    """Fetch a county's (or several counties') units, need data and services into a study.

    Parameters
    ----------
    county : str or list of str, optional
        Name with state ("Berks County, PA"); or give ``fips``. A list (with ``fips``
        too, if you like) makes one study of several counties: their units together,
        OpenStreetMap for their union, HRSA sites of each.
    fips : str or list of str, optional
        Five-digit county code ("42011"), or several.
    place : str or PlaceMatch, optional
        A city, town or CDP with its state ("Reading, PA"): the county holding most of
        its residents is fetched, all of it (see :func:`resolve`). A county name that
        is no county but a place is looked up the same way.
    level : {"tract", "block-group"}
    year : int
        ACS 5-year vintage (2023: 2019-2023) and boundary vintage.
    out : path, optional
        The study folder (default ``studies/<fips>``, ``studies/<fips>+<fips>`` for
        several counties), created when missing.
    offline : bool
        Use only the cache; raise :class:`~assetmap.online.cache.MissingFromCache`
        naming every missing entry (nothing is written then).
    osm : bool
        OpenStreetMap services for every domain (region plus ``settings.osm_buffer_m``).
    networks : bool
        Walk and drive street networks (osmnx) for ``travel: {mode: walk, graph: ...}``.
    hrsa : bool
        HRSA health center sites in the county or counties (primary care).
    hsds : str, optional
        URL of an Open Referral HSDS feed: a package (zip), a ``services.json``, or an
        HSDS 3 API (root or ``/services``), whose pages are all followed
        (:func:`assetmap.online.hsds_feed.download_hsds`).
    indicators : path, optional
        An ``indicators.yml`` (its variables are fetched); the shipped one by default.
    boundaries : {"cb", "tiger"}
    origins : bool
        Population-weighted tract origins from block groups.
    place_only : bool
        With ``place``: study the place itself, not its whole county. The county (for
        a place across county lines: every county it lies in) is fetched, then only the
        units with at least ``min_share`` of their area inside the place's Census
        outline are kept (and always the one holding the place's largest part).
        OpenStreetMap and street networks cover the kept units plus the buffer; HRSA
        sites farther away are left out.
    min_share : float
        Share of a unit's area inside the place to keep it, in (0, 1].
    key : str, optional
        Census API key (else ``CENSUS_API_KEY`` or the key file); never written.
    cache : Cache, optional
    progress : bool
        Progress bars on a terminal.

    Returns
    -------
    FetchResult

    Examples
    --------
    >>> result = fetch_county("Berks County, PA", out="studies/berks")  # doctest: +SKIP
    >>> both = fetch_county(fips=["42011", "42071"])  # studies/42011+42071  # doctest: +SKIP
    >>> reading = fetch_county(place="Reading, PA", place_only=True)  # doctest: +SKIP
    >>> import assetmap as am
    >>> atlas = am.load_project(result.project).build()  # doctest: +SKIP
    """
    from tqdm import tqdm

    c = cache or Cache()
    found = resolve(
        county,
        fips=fips,
        place=place,
        year=year,
        key=key,
        cache=c,
        offline=offline,
        progress=progress,
        place_only=place_only,
    )
    counties = list(found.counties)
    codes = [k.fips for k in counties]
    label = _study.region_label(counties)
    if found.message:
        log.info("%s", found.message)
    clip_place = found.place.geoid if place_only and found.place is not None else None
    if clip_place is not None:
        for code in codes:
            _check_place(clip_place, code, min_share)
    indicators = default_indicators(indicators, level)
    default_out = "+".join(codes) + ("" if clip_place is None else f"-{clip_place}")
    folder = Path(out) if out is not None else Path("studies") / default_out
    steps = plan(
        counties,
        level=level,
        year=year,
        boundaries=boundaries,
        origins=origins,
        osm=osm,
        networks=networks,
        hrsa=hrsa,
        hsds=hsds,
        indicators=indicators,
        place=clip_place,
        min_share=min_share,
    )
    if offline:
        _require_cached(
            steps,
            c,
            codes,
            level=level,
            year=year,
            boundaries=boundaries,
            place=clip_place,
            min_share=min_share,
        )
    show = progress and sys.stderr.isatty()
    bar = tqdm(total=3, unit="step", disable=not show, desc="Census data and boundaries")
    units = census_units(
        counties,
        level=level,
        year=year,
        indicators=indicators,
        boundaries=boundaries,
        origins=origins,
        place=clip_place,
        min_share=min_share,
        key=key,
        cache=c,
        offline=offline,
        progress=progress,
    )
    clip = units.attrs.get("place_clip") if clip_place is not None else None
    if clip is not None:
        log.info("%s", clip.summary(_unit_words(level), label))
    bar.update()
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    files["units"] = _study.write_units(units, folder / "units.gpkg")
    bar.set_description("OpenStreetMap")
    osm_keys = [k for k, _ in steps if k.source == "osm"]
    files.update(_osm_files(units, label, folder, c, osm_keys, osm=osm, networks=networks))
    bar.update()
    bar.set_description("other lists")
    near = units if clip is not None else None
    files.update(
        _list_files(counties, folder, c, hrsa=hrsa, hsds=hsds, progress=progress, near=near)
    )
    bar.update()
    bar.close()
    used = [k for k, _ in steps]
    records = [r for r in (c.record(k) for k in used) if r is not None]
    lookup = found.place.keys if found.place is not None else ()
    place_records = [r for r in (c.record(k) for k in lookup) if r is not None]
    if indicators is not None:  # the study keeps its own copy, so the folder stands alone
        files["indicators"] = atomic_write_bytes(
            folder / "indicators.yml", Path(indicators).read_bytes()
        )
    project = _study.write_project(
        folder,
        counties,
        level=level,
        year=year,
        files=files,
        records=records,
        boundaries=boundaries,
        place=found.place,
        place_records=place_records,
        clip=clip,
    )
    return FetchResult(
        counties[0],
        folder,
        project,
        units,
        files,
        records + place_records,
        found.place,
        clip,
        counties,
    )


def _unit_words(level: str) -> str:
    return "tracts" if level == "tract" else "block groups"
