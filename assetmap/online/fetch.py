"""Any US county in one call: Census ACS, Census boundaries, OpenStreetMap, into a study folder.

:func:`fetch_county` gathers everything a study needs from public sources, keeps every
download in the cache (:mod:`assetmap.online.cache`), and writes a folder a person can build,
zip and share::

    units.gpkg          tracts (or block groups) with ACS estimates and margins, population,
                        water_only, and population-weighted origins (origin_lon/lat)
    assets_osm.geojson  OpenStreetMap services of every domain, region plus a buffer
    assets_hrsa.csv     HRSA health center sites in the county (with ``hrsa=True``)
    population_points.csv
                        where residents live: 2020 Census block populations at the
                        blocks' internal points (block groups when blocks are refused)
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd

from assetmap import settings
from assetmap.online import _points, _study
from assetmap.online._lists import hsds_key, list_files, osm_files, osm_keys, region_tag
from assetmap.online._options import FetchOptions, default_indicators, options_from
from assetmap.online._points import PopulationPoints
from assetmap.online._resolve import Resolved, resolve, resolve_county
from assetmap.online._units import (
    as_counties,
    census_units,
    check_place,
    region_keys,
    require_cached,
)
from assetmap.online._units import units_from_cache as units_from_cache  # for assetmap.project
from assetmap.online.cache import Cache, CacheKey, atomic_write_bytes
from assetmap.online.counties import County
from assetmap.online.hrsa import sites_key as hrsa_sites_key
from assetmap.online.places import PlaceClip, PlaceMatch

__all__ = [
    "FetchOptions",
    "FetchResult",
    "PopulationPoints",
    "Resolved",
    "census_units",
    "default_indicators",
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
    points : PopulationPoints or None
        Where the residents were placed and how (``points.summary``); None with
        ``points=False``.
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
    points: PopulationPoints | None = None

    def __post_init__(self) -> None:
        if not self.counties:
            self.counties = [self.county]

    @property
    def label(self) -> str:
        """The counties in words ("Nantucket County, MA and Dukes County, MA")."""
        return _study.region_label(self.counties)


def plan(
    county: County | Sequence[County],
    *,
    place: str | None = None,
    options: FetchOptions | None = None,
    **overrides: Any,
) -> list[tuple[CacheKey, str]]:
    """Every cache entry a fetch needs, with where it comes from (no network).

    With several counties, each county's Census entries (their state's boundary files
    once), and the OpenStreetMap entries of their union, keyed by all of them. With
    ``place`` (a seven-digit Census place code), the state's place boundaries are
    needed too, and the OpenStreetMap entries are those of the units kept.

    Parameters
    ----------
    county : County or list of County
    place : str, optional
        Seven-digit Census place code the units are cut down to.
    options : FetchOptions, optional
        What is fetched (level, year, boundaries, origins, points, osm, networks, hrsa,
        hsds, indicators, min_share); the defaults when omitted.
    **overrides
        Fields of :class:`FetchOptions` by name (``networks=False`` …).

    Returns
    -------
    list of (CacheKey, str)
        Each cache entry with the URL or service it comes from.

    Examples
    --------
    >>> c = resolve_county(fips="25019")
    >>> [k.source for k, _ in plan(c, networks=False)]
    ['census', 'census', 'tiger', 'census', 'tiger', 'census', 'tiger', 'osm']
    >>> both = resolve(fips=["25019", "25007"]).counties
    >>> [k.geography for k, _ in plan(both, networks=False, origins=False, points=False)]
    ['25019', '25019', '25', '25007', '25007', '25007+25019']
    """
    opts = options_from(options, overrides, caller="plan")
    codes = [c.fips for c in as_counties(county)]
    keys = region_keys(codes, opts, place) + _points.plan_keys(codes, opts)
    region = region_tag(
        place,
        level=opts.level,
        year=opts.year,
        boundaries=opts.boundaries,
        min_share=opts.min_share,
    )
    keys += [
        (k, "OpenStreetMap (Overpass API)")
        for k in osm_keys(codes, networks=opts.networks, osm=opts.osm, region=region)
    ]
    if opts.hrsa:
        keys.append((hrsa_sites_key(), settings.hrsa_sites_url))
    if opts.hsds:
        keys.append((hsds_key(codes, opts.hsds), opts.hsds))
    return keys


def fetch_county(
    county: str | Sequence[str] | None = None,
    *,
    fips: str | Sequence[str] | None = None,
    place: str | PlaceMatch | None = None,
    out: str | Path | None = None,
    options: FetchOptions | None = None,
    **overrides: Any,
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
    out : path, optional
        The study folder (default ``studies/<fips>``, ``studies/<fips>+<fips>`` for
        several counties), created when missing.
    options : FetchOptions, optional
        What to fetch and how (:class:`FetchOptions`, every field documented there);
        the defaults when omitted.
    **overrides
        Fields of :class:`FetchOptions` by name, replacing those of ``options``:

        - ``level`` ({"tract", "block-group"}); ``year``, the ACS 5-year vintage (2023:
          2019-2023) and boundary vintage; ``boundaries`` ({"cb", "tiger"});
          ``origins``, population-weighted tract origins from block groups; ``points``,
          the 2020 Census blocks' residents at their internal points, written as
          ``population_points.csv`` (block groups when the blocks are refused, said in
          ``FetchResult.points.summary`` and the project's sources);
        - ``offline``: use only the cache; raise
          :class:`~assetmap.online.cache.MissingFromCache` naming every missing entry
          (nothing is written then);
        - ``osm``: OpenStreetMap services for every domain (region plus
          ``settings.osm_buffer_m``); ``networks``: walk and drive street networks
          (osmnx) for ``travel: {mode: walk, graph: ...}``;
        - ``hrsa``: HRSA health center sites in the county or counties (primary care);
          ``hsds``: URL of an Open Referral HSDS feed: a package (zip), a
          ``services.json``, or an HSDS 3 API (root or ``/services``), whose pages are
          all followed (:func:`assetmap.online.hsds_feed.download_hsds`);
        - ``indicators``: an ``indicators.yml`` (its variables are fetched); the shipped
          one by default;
        - ``place_only``: with ``place``, study the place itself, not its whole county.
          The county (for a place across county lines: every county it lies in) is
          fetched, then only the units with at least ``min_share`` of their area inside
          the place's Census outline are kept (and always the one holding the place's
          largest part). OpenStreetMap and street networks cover the kept units plus the
          buffer; HRSA sites farther away are left out. ``min_share`` is in (0, 1];
        - ``key``: Census API key (else ``CENSUS_API_KEY`` or the key file), never
          written; ``cache``; ``progress``, progress bars on a terminal.

    Returns
    -------
    FetchResult

    Examples
    --------
    >>> result = fetch_county("Berks County, PA", out="studies/berks")  # doctest: +SKIP
    >>> both = fetch_county(fips=["42011", "42071"])  # studies/42011+42071  # doctest: +SKIP
    >>> reading = fetch_county(place="Reading, PA", place_only=True)  # doctest: +SKIP
    >>> options = FetchOptions(level="block-group", networks=False)
    >>> berks = fetch_county(fips="42011", options=options, hrsa=True)  # doctest: +SKIP
    >>> import assetmap as am
    >>> atlas = am.load_project(result.project).build()  # doctest: +SKIP
    """
    opts = options_from(options, overrides)
    c = opts.cache or Cache()
    opts = replace(opts, cache=c)
    found = _resolve(county, fips, place, opts)
    counties = list(found.counties)
    codes = [k.fips for k in counties]
    if found.message:
        log.info("%s", found.message)
    clip_place = found.place.geoid if opts.place_only and found.place is not None else None
    if clip_place is not None:
        for code in codes:
            check_place(clip_place, code, opts.min_share)
    opts = replace(opts, indicators=default_indicators(opts.indicators, opts.level))
    default_out = "+".join(codes) + ("" if clip_place is None else f"-{clip_place}")
    folder = Path(out) if out is not None else Path("studies") / default_out
    steps = plan(counties, place=clip_place, options=opts)
    if opts.offline:
        steps = _points.offline_keys(steps, codes, opts, c)
        require_cached(steps, c, codes, opts, clip_place)
    units, files, clip, points = _gather(counties, folder, [k for k, _ in steps], opts, clip_place)
    own = {k for k, _ in _points.plan_keys(codes, opts)} | set(points.keys if points else ())
    records = _records(c, [k for k, _ in steps if k not in own])
    place_records = _records(c, found.place.keys if found.place is not None else ())
    if opts.indicators is not None:  # the study keeps its own copy, so the folder stands alone
        files["indicators"] = atomic_write_bytes(
            folder / "indicators.yml", Path(opts.indicators).read_bytes()
        )
    project = _study.write_project(
        folder,
        counties,
        opts,
        files=files,
        records=records,
        place=found.place,
        place_records=place_records,
        clip=clip,
        points=None if points is None else (points, _records(c, points.keys)),
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
        points,
    )


def _resolve(
    county: str | Sequence[str] | None,
    fips: str | Sequence[str] | None,
    place: str | PlaceMatch | None,
    options: FetchOptions,
) -> Resolved:
    """Find the counties of a study as :func:`resolve` does, with the fetch's options."""
    return resolve(
        county,
        fips=fips,
        place=place,
        year=options.year,
        key=options.key,
        cache=options.cache,
        offline=options.offline,
        progress=options.progress,
        place_only=options.place_only,
    )


def _gather(
    counties: list[County],
    folder: Path,
    keys: list[CacheKey],
    options: FetchOptions,
    place: str | None,
) -> tuple[gpd.GeoDataFrame, dict[str, Path], PlaceClip | None, PopulationPoints | None]:
    """Fetch the units and the lists into ``folder``, a progress bar over the three steps.

    Returns the units, the files written by role, how the units were cut down to
    ``place`` (None without one) and where their residents live (None without points).
    """
    from tqdm import tqdm

    c = options.cache or Cache()
    label = _study.region_label(counties)
    show = options.progress and sys.stderr.isatty()
    bar = tqdm(total=3, unit="step", disable=not show, desc="Census data and boundaries")
    units = census_units(counties, place=place, options=options)
    clip = units.attrs.get("place_clip") if place is not None else None
    if clip is not None:
        log.info("%s", clip.summary(_unit_words(options.level), label))
    bar.update()
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    files["units"] = _study.write_units(units, folder / "units.gpkg")
    points = None
    if options.points:
        points = _points.fetch_points([k.fips for k in counties], units, options)
        log.info("%s", points.summary)
        if len(points.points):
            files["population_points"] = _points.write_points_csv(
                points.points, folder / "population_points.csv"
            )
    bar.set_description("OpenStreetMap")
    osm = [k for k in keys if k.source == "osm"]
    files.update(
        osm_files(units, label, folder, c, osm, osm=options.osm, networks=options.networks)
    )
    bar.update()
    bar.set_description("other lists")
    near = units if clip is not None else None
    lists = list_files(
        counties,
        folder,
        c,
        hrsa=options.hrsa,
        hsds=options.hsds,
        progress=options.progress,
        near=near,
    )
    files.update(lists)
    bar.update()
    bar.close()
    return units, files, clip, points


def _records(cache: Cache, keys: Iterable[CacheKey]) -> list[dict[str, Any]]:
    """Return the cache manifests of ``keys`` (URL redacted, time, checksum), those cached."""
    return [r for r in (cache.record(k) for k in keys) if r is not None]


def _unit_words(level: str) -> str:
    return "tracts" if level == "tract" else "block groups"
