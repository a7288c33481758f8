"""Where a fetched study's residents live: 2020 Census block populations at block points.

Internal to :mod:`assetmap.online.fetch`. For each county of a study, the total
population (P1_001N) of every 2020 Census block comes from the Census Data API
(:mod:`assetmap.online._decennial`), and each block's internal point (``INTPTLAT20`` /
``INTPTLON20``) from the state's 2020 TIGER/Line block file
(:func:`assetmap.online.tiger.fetch_internal_points`). A block belongs to the unit whose
GEOID starts its own (a tract is the block GEOID's first 11 digits, a block group its
first 12): Census blocks nest exactly in block groups and tracts, and the 2020 tracts are
those of the ACS from 2020 on. Blocks with no residents are dropped.

When the Census API or TIGER refuses the blocks of a county (not found, refused), a tract
study falls back to the next finer level, block groups (their 2020 populations at their
internal points), and says so; a block-group study has nothing finer, so its residents
stay at each unit's own point, and that is said too. Units of vintages before 2020 are on
2010 tracts, which 2020 blocks do not nest in: no points then, said the same way.

The points are written as ``population_points.csv`` (:func:`write_points_csv`): columns
``unit_id``, ``population``, ``longitude``, ``latitude``, UTF-8 with Unix line ends,
rows sorted by unit then block GEOID, so a rebuild from the cache is byte-identical.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from assetmap.errors import FetchError
from assetmap.online import _decennial, tiger
from assetmap.online._http import HTTPStatusError
from assetmap.online._options import FetchOptions
from assetmap.online.cache import Cache, CacheKey, atomic_write_bytes
from assetmap.online.counties import county_by_fips

__all__ = [
    "COLUMNS",
    "PopulationPoints",
    "fetch_points",
    "offline_keys",
    "plan_keys",
    "write_points_csv",
]

log = logging.getLogger(__name__)

#: The columns of ``population_points.csv``, in order.
COLUMNS = ("unit_id", "population", "longitude", "latitude")
_PREFIX = {"tract": 11, "block-group": 12}
_WORDS = {"block": "blocks", "block-group": "block groups"}


@dataclass(frozen=True)
class PopulationPoints:
    """The residents of a study placed at points, and how they were placed.

    Attributes
    ----------
    points : geopandas.GeoDataFrame
        ``unit_id``, ``population`` (int), ``geoid`` (the block's or block group's),
        point geometry, EPSG:4326; empty when nothing finer than the units was placed.
    levels : dict of str to str
        Per county FIPS code: ``"block"``, ``"block-group"`` (the fallback) or ``"none"``.
    keys : tuple of CacheKey
        The cache entries the points were read from.
    notes : tuple of str
        What a reader must know: a fallback, a county without points, residents outside
        the units. Empty when every county's blocks were used.
    """

    points: gpd.GeoDataFrame
    levels: dict[str, str] = field(default_factory=dict)
    keys: tuple[CacheKey, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        """One sentence: how residents were placed (for the summary and the provenance).

        Examples
        --------
        >>> empty = gpd.GeoDataFrame({"unit_id": [], "population": []}, geometry=[])
        >>> PopulationPoints(empty, {"25019": "none"}).method
        "Residents are placed at each unit's own point (nothing finer was fetched)."
        """
        used = [lv for lv in ("block", "block-group") if lv in self.levels.values()]
        if not used:
            return "Residents are placed at each unit's own point (nothing finer was fetched)."
        n, pop = len(self.points), int(self.points["population"].sum())
        what = " and ".join(_WORDS[lv] for lv in used)
        return (
            f"Residents are placed at the internal points of their 2020 Census {what}: "
            f"{pop:,} people in {n:,} {what} (P1_001N)."
        )

    @property
    def summary(self) -> str:
        """The method and every note, as one paragraph."""
        return " ".join([self.method, *self.notes])


def _levels(options: FetchOptions) -> list[str]:
    """Return the levels to try, finest first: blocks, then block groups for a tract study."""
    if int(options.year) < _decennial.DECENNIAL_YEAR:
        return []
    return ["block", "block-group"] if options.level == "tract" else ["block"]


def _keys(fips: str, level: str) -> list[tuple[CacheKey, str]]:
    url, params = _decennial.decennial_request(fips, level=level)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return [
        (_decennial.decennial_key(fips, level=level), f"{url}?{query}"),
        (
            tiger.internal_points_key(fips[:2], level=level),
            tiger.internal_points_url(fips[:2], level=level),
        ),
    ]


def plan_keys(fips: Sequence[str], options: FetchOptions) -> list[tuple[CacheKey, str]]:
    """Return the cache entries of the counties' block points (a state's file once).

    Nothing when ``options.points`` is off or the units are older than the 2020 tracts.
    """
    if not options.points or not _levels(options):
        return []
    out: dict[CacheKey, str] = {}
    for code in fips:
        for k, where in _keys(code, "block"):
            out.setdefault(k, where)
    return list(out.items())


def offline_keys(
    steps: Sequence[tuple[CacheKey, str]], fips: Sequence[str], options: FetchOptions, cache: Cache
) -> list[tuple[CacheKey, str]]:
    """Return ``steps`` with each county's block entries swapped for its cached fallback.

    A county that fell back to block groups online has its block-group entries cached,
    not its blocks': offline, those are what it needs (and a state's block file only
    while one of its counties still reads blocks).
    """
    planned = {k for k, _ in plan_keys(fips, options)}
    if not planned:
        return list(steps)
    needed: dict[CacheKey, str] = {}
    for code in fips:
        for k, where in _keys(code, _cached_level(code, options, cache)):
            needed.setdefault(k, where)
    return [s for s in steps if s[0] not in planned] + list(needed.items())


def _cached_level(fips: str, options: FetchOptions, cache: Cache) -> str:
    """Return the first level whose entries are all cached (blocks when none is)."""
    levels = _levels(options)
    for level in levels:
        if all(cache.get(k) is not None for k, _ in _keys(fips, level)):
            return level
    return levels[0]


def _county(
    fips: str, options: FetchOptions, cache: Cache
) -> tuple[pd.DataFrame, str, list[CacheKey]]:
    """One county's points (GEOID index, population, longitude, latitude) and level."""
    levels = _levels(options)
    if options.offline and levels:  # as it was fetched: the level whose entries are cached
        levels = [_cached_level(fips, options, cache)]
    for level in levels:
        try:
            pop = _decennial.fetch_decennial_population(
                fips,
                level=level,
                key=options.key,
                cache=cache,
                offline=options.offline,
                progress=options.progress,
            )
            pts = tiger.fetch_internal_points(
                fips, level=level, cache=cache, offline=options.offline, progress=options.progress
            )
        except HTTPStatusError as exc:
            log.warning(
                "The Census Bureau did not give the 2020 %s of county %s (HTTP %s: %s)",
                _WORDS[level],
                fips,
                exc.status,
                exc.url,
            )
            continue
        return _join(pop, pts, fips, level), level, [k for k, _ in _keys(fips, level)]
    empty = pd.Index([], dtype=object, name="GEOID")
    return pd.DataFrame(columns=["population", "longitude", "latitude"], index=empty), "none", []


def _join(pop: pd.Series, pts: pd.DataFrame, fips: str, level: str) -> pd.DataFrame:
    """Return the populated units at their internal points (each must have one)."""
    lived = pop[pop > 0]
    no_point = lived.index.difference(pts.index)
    if len(no_point):
        msg = (
            f"{len(no_point)} of the 2020 Census {_WORDS[level]} of county {fips} with "
            f"residents ({int(lived[no_point].sum()):,} people) have no internal point in "
            f"the TIGER/Line file (first {list(no_point)[:3]}); clear the cached files with "
            "`assetmap cache clear --vintage 2020` and fetch again"
        )
        raise FetchError(msg)
    return pts.loc[lived.index].assign(population=lived).sort_index()


def fetch_points(
    fips: Sequence[str], units: gpd.GeoDataFrame, options: FetchOptions
) -> PopulationPoints:
    """Place the residents of a study's counties at 2020 block (or block-group) points.

    Parameters
    ----------
    fips : list of str
        The study's counties.
    units : geopandas.GeoDataFrame
        The study's units, indexed by ``unit_id`` (tract or block-group GEOIDs).
    options : FetchOptions
        ``level`` (which GEOID prefix is the unit), ``year``, ``offline``, ``key``,
        ``cache``, ``progress``.

    Returns
    -------
    PopulationPoints
    """
    cache = options.cache or Cache()
    parts, levels, keys, notes = [], {}, [], []
    for code in fips:
        frame, level, used = _county(code, options, cache)
        parts.append(frame)
        levels[code] = level
        keys += [k for k in used if k not in keys]
        note = _county_note(code, level, options)
        if note:
            notes.append(note)
    rows = pd.concat(parts)
    unit_id = pd.Series([str(g)[: _PREFIX[options.level]] for g in rows.index], index=rows.index)
    inside = unit_id.isin(units.index.astype(str))
    outside = int(rows.loc[~inside, "population"].sum())
    if outside and units.attrs.get("place_clip") is not None:  # cut down to a place
        log.info("%s residents of the counties live outside the place's units", f"{outside:,}")
    elif outside:
        notes.append(f"{outside:,} residents of the counties lie in none of the study's units.")
    rows = rows[inside.to_numpy()]
    points = gpd.GeoDataFrame(
        {
            "unit_id": unit_id[inside].to_numpy(),
            "population": rows["population"].astype("int64").to_numpy(),
            "geoid": rows.index.to_numpy(),
        },
        geometry=gpd.points_from_xy(rows["longitude"], rows["latitude"]),
        crs="EPSG:4326",
    )
    points = points.sort_values(["unit_id", "geoid"], kind="stable").reset_index(drop=True)
    return PopulationPoints(points, levels, tuple(keys), tuple(notes))


def _county_note(fips: str, level: str, options: FetchOptions) -> str:
    """Say why a county's residents are not at its blocks ("" when they are)."""
    if level == "block":
        return ""
    name = f"{county_by_fips(fips).label} ({fips})"
    if int(options.year) < _decennial.DECENNIAL_YEAR:
        return (
            f"The 2020 Census blocks do not nest in the {options.year} units of {name} "
            "(2010 tracts), so its residents are placed at each unit's own point."
        )
    if level == "block-group":
        return (
            f"The Census Bureau did not give the 2020 Census blocks of {name}, so its "
            "residents are placed at its 2020 block groups' internal points instead."
        )
    return (
        f"The Census Bureau did not give the 2020 Census blocks of {name}, so its residents "
        "are placed at each unit's own point."
    )


def write_points_csv(points: gpd.GeoDataFrame, path: Path) -> Path:
    r"""Write ``population_points.csv``: unit, population, longitude, latitude (7 decimals).

    Rows sorted by unit, then block GEOID; UTF-8, ``\n`` line ends; written atomically.

    Examples
    --------
    >>> import tempfile
    >>> pts = gpd.GeoDataFrame(
    ...     {"unit_id": ["25019950100"], "population": [41], "geoid": ["250199501001000"]},
    ...     geometry=gpd.points_from_xy([-70.15], [41.27]), crs="EPSG:4326")
    >>> p = write_points_csv(pts, Path(tempfile.mkdtemp()) / "population_points.csv")
    >>> p.read_bytes()
    b'unit_id,population,longitude,latitude\n25019950100,41,-70.1500000,41.2700000\n'
    """
    order = points.sort_values(["unit_id", "geoid"], kind="stable")
    lines = [",".join(COLUMNS)]
    for unit, pop, pt in zip(order["unit_id"], order["population"], order.geometry, strict=True):
        lines.append(f"{unit},{int(pop)},{pt.x:.7f},{pt.y:.7f}")
    return atomic_write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))
