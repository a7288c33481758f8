"""The travel context of a study: computed once, shared by every stage that measures travel.

Access, overlaps, capacity balance and siting all measure from the same places with the
same rule: the study's working CRS (metres), where residents live (the study's
population points, several per unit; or one origin per unit, its own inside point carrying
its whole population, when no points are given), the services' coordinates and supply, and
per domain the services prepared for the travel engine (a KD-tree, or the services snapped
to the street graph) with the point–service pairs within the domain's threshold. A
:class:`TravelContext` holds all of it, each part computed the first time a stage asks
for it and kept after.

:meth:`assetmap.Atlas.build` makes one per study and hands it to every stage with
``context=``; each stage function still works alone in a notebook without it (it then
builds its own, exactly as here), and gives the same result either way.

Examples
--------
>>> import assetmap as am
>>> s = am.load_sample()
>>> units = am.need_index(s.units)
>>> ctx = TravelContext(units, s.assets)
>>> acc = am.access(units, s.assets, context=ctx)
>>> ov = am.find_overlaps(units, s.assets, acc, context=ctx)
>>> ctx.crs.to_epsg(), ctx.origin_xy.shape == (len(units), 2)
(32618, True)
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from assetmap.analysis._costs import NetworkCosts, StraightCosts, point_xy
from assetmap.analysis.travel import TravelOptions
from assetmap.errors import InputError
from assetmap.region import check_population_points, measure_crs
from assetmap.region import origins as unit_origins

__all__ = ["TravelContext", "origin_points", "stored_origins", "working_crs"]

Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]


def working_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """Return the frame's own CRS when projected in metres, else its UTM zone.

    Examples
    --------
    >>> import assetmap as am
    >>> working_crs(am.load_sample().units).to_epsg()
    32618
    """
    crs = pyproj.CRS(gdf.crs)
    if crs.is_projected and all(
        (a.unit_name or "").lower() in {"metre", "meter"} for a in crs.axis_info
    ):
        return crs
    return measure_crs(gdf)


def stored_origins(units: gpd.GeoDataFrame) -> gpd.GeoSeries | None:
    """Return origins stored with the units, or None to let access choose them.

    ``origin_lon``/``origin_lat`` columns are written, population-weighted, by
    ``assetmap fetch``; a unit without a number in either leaves the choice to access.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> u = gpd.GeoDataFrame({"origin_lon": [0.2], "origin_lat": [0.3]}, geometry=[box(0, 0, 1, 1)])
    >>> stored_origins(u).iloc[0].wkt, stored_origins(u.drop(columns="origin_lat"))
    ('POINT (0.2 0.3)', None)
    """
    if not {"origin_lon", "origin_lat"} <= set(units.columns):
        return None
    lon = pd.to_numeric(units["origin_lon"], errors="coerce")
    lat = pd.to_numeric(units["origin_lat"], errors="coerce")
    if lon.isna().any() or lat.isna().any():
        return None
    return gpd.GeoSeries(gpd.points_from_xy(lon, lat), index=units.index, crs="EPSG:4326")


def origin_points(
    units: gpd.GeoDataFrame, crs: pyproj.CRS, origins: gpd.GeoSeries | None = None
) -> np.ndarray:
    """Return one origin per unit as an ``n × 2`` array of coordinates in ``crs``.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units; point geometries are used as they are, polygons get
        :func:`assetmap.region.origins` (centroid when inside, else a point inside).
    crs : pyproj.CRS
        Projected CRS of the result (see :func:`working_crs`).
    origins : geopandas.GeoSeries, optional
        One point per unit on the units' index (e.g. population-weighted origins).

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    InputError
        When ``origins`` has no CRS or misses a unit.

    Examples
    --------
    >>> import assetmap as am
    >>> units = am.load_sample().units
    >>> origin_points(units, working_crs(units)).shape == (len(units), 2)
    True
    """
    if origins is not None:
        if origins.crs is None:
            msg = "origins need a CRS"
            raise InputError(msg, column="geometry")
        pts = origins.reindex(units.index)
        if pts.isna().any():
            missing = units.index[pts.isna().to_numpy()][:3].tolist()
            msg = f"no origin for units {missing}; origins must be indexed by unit_id"
            raise InputError(msg, column="unit_id")
        g = pts if pyproj.CRS(pts.crs).equals(crs) else pts.to_crs(crs)
        return point_xy(g.centroid if not (g.geom_type == "Point").all() else g)
    if _all_points(units):
        g = units.geometry
        return point_xy(g if pyproj.CRS(g.crs).equals(crs) else g.to_crs(crs))
    return point_xy(unit_origins(units, crs))


def _all_points(units: gpd.GeoDataFrame) -> bool:
    types = shapely.get_type_id(units.geometry.to_numpy())
    return bool(len(types) and (types == 0).all())


def _check_frames(units: gpd.GeoDataFrame, assets: gpd.GeoDataFrame | None) -> None:
    if units.crs is None or (assets is not None and assets.crs is None):
        msg = "units and assets need a CRS; set one with GeoDataFrame.set_crs"
        raise InputError(msg)
    if assets is None:
        return
    if "population" not in units.columns:
        msg = "units need a 'population' column"
        raise InputError(msg, column="population")
    for col in ("asset_id", "name", "domain"):
        if col not in assets.columns:
            msg = "assets need 'asset_id', 'name' and 'domain' columns"
            raise InputError(msg, column=col)


class TravelContext:
    """Where a study measures travel from and to, computed once and shared by its stages.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units (index ``unit_id``, column ``population``), any CRS.
    assets : geopandas.GeoDataFrame, optional
        Assets (``asset_id``, ``name``, ``domain``; ``capacity`` as supply when positive).
        Without them the context answers only about the units (CRS, origins).
    travel : TravelOptions, optional
        The travel rule (straight line by default, or walk/drive on a street graph).
    origins : geopandas.GeoSeries, optional
        One point per unit on the units' index, instead of the units' own inside points.
    points : geopandas.GeoDataFrame, optional
        Population points (``unit_id``, ``population``, point geometry): where each unit's
        residents live (blocks, tax lots, a grid). Travel is then measured from every
        point, and each unit's population is shared among its points in proportion to
        their ``population`` (the unit's own count stays the total, so figures add up to
        the units'). A unit with residents but no populated point, or with no residents,
        keeps its single origin. Without points, each unit's origin carries its whole
        population.

    Attributes
    ----------
    units, assets, travel, origins, points
        As given (``travel`` filled with the default).
    crs : pyproj.CRS
        The working CRS, in metres (:func:`working_crs`).

    Notes
    -----
    Everything else is computed the first time it is asked for, then kept: the unit
    origins (:attr:`origin_xy`), the points travel is measured from (:attr:`point_xy`,
    :attr:`point_unit`, :attr:`point_population`, :attr:`point_share`), the units'
    projected geometry and inside points, the services' coordinates and supply, the travel
    engine, and per domain the services prepared for the engine and the pairs within each
    threshold (:meth:`pairs`).
    A context belongs to one ``units`` / ``assets`` / ``travel``: a stage given a context
    made for other frames raises :class:`~assetmap.errors.InputError`.
    """

    def __init__(
        self,
        units: gpd.GeoDataFrame,
        assets: gpd.GeoDataFrame | None = None,
        *,
        travel: TravelOptions | None = None,
        origins: gpd.GeoSeries | None = None,
        points: gpd.GeoDataFrame | None = None,
    ) -> None:
        _check_frames(units, assets)
        self.units = units
        self.assets = assets
        self.travel = travel or TravelOptions()
        self.origins = origins
        self.points = None if points is None else check_population_points(points, units=units)
        self._given_points = points
        self.crs = working_crs(units)
        self._destinations: dict[str, Any] = {}
        self._pairs: dict[tuple[str | None, float], Pairs] = {}
        self._nearest: dict[str, Pairs] = {}
        self._last_nearest: str | None = None

    @classmethod
    def resolve(
        cls,
        context: TravelContext | None,
        units: gpd.GeoDataFrame,
        assets: gpd.GeoDataFrame | None = None,
        *,
        travel: TravelOptions | None = None,
        origins: gpd.GeoSeries | None = None,
        points: gpd.GeoDataFrame | None = None,
    ) -> TravelContext:
        """Return ``context`` after checking it fits the frames, or a new one when None.

        Stage functions call this with their own arguments, so they work the same with
        and without a shared context.

        Raises
        ------
        InputError
            When ``context`` was made for other units, assets, travel options, origins or
            points.
        """
        if context is None:
            return cls(units, assets, travel=travel, origins=origins, points=points)
        context.check(units, assets, travel=travel, origins=origins, points=points)
        return context

    def check(
        self,
        units: gpd.GeoDataFrame,
        assets: gpd.GeoDataFrame | None = None,
        *,
        travel: TravelOptions | None = None,
        origins: gpd.GeoSeries | None = None,
        points: gpd.GeoDataFrame | None = None,
    ) -> None:
        """Raise :class:`~assetmap.errors.InputError` unless the context fits these frames."""
        wrong = []
        if not _same_index(self.units.index, units.index):
            wrong.append("units")
        if assets is not None and (self.assets is None or not _same_assets(self.assets, assets)):
            wrong.append("assets")
        if travel is not None and not _same_travel(travel, self.travel):
            wrong.append("travel")
        if origins is not None and origins is not self.origins:
            wrong.append("origins")
        if points is not None and points is not self._given_points:
            wrong.append("points")
        if wrong:
            msg = (
                f"context= was made for other {', '.join(wrong)}; make one with "
                "TravelContext(units, assets, travel=..., points=...) or leave context out"
            )
            raise InputError(msg)

    # ------------------------------------------------------------------------ units

    @cached_property
    def unit_ids(self) -> np.ndarray:
        """Unit ids as strings, in the units' order."""
        return np.asarray(self.units.index.astype(str))

    @cached_property
    def population(self) -> np.ndarray:
        """Residents per unit (missing counts as 0)."""
        pop = pd.to_numeric(self.units["population"], errors="coerce").fillna(0)
        out: np.ndarray = pop.to_numpy(float)
        return out

    @cached_property
    def unit_geometry(self) -> gpd.GeoSeries:
        """The units' geometry in :attr:`crs` (do not modify: it is shared)."""
        return self.units.geometry.to_crs(self.crs)

    @cached_property
    def centres(self) -> gpd.GeoSeries:
        """Each unit's own inside point in :attr:`crs` (:func:`assetmap.region.origins`).

        The units' origins unless ``origins`` were given or the units are points.
        """
        return unit_origins(gpd.GeoDataFrame(geometry=self.unit_geometry))

    @cached_property
    def origin_xy(self) -> np.ndarray:
        """One origin per unit (``n × 2``, :attr:`crs`): where travel is measured from."""
        if self.origins is None and not _all_points(self.units):
            return point_xy(self.centres)
        return origin_points(self.units, self.crs, self.origins)

    @property
    def has_points(self) -> bool:
        """Whether travel is measured from population points rather than unit origins."""
        return self.points is not None

    @cached_property
    def _point_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        n = len(self.unit_ids)
        if self.points is None:
            return self.origin_xy, np.arange(n), self.population, np.ones(n)
        pts = self.points
        pos = pd.Index(self.unit_ids).get_indexer(pts["unit_id"].astype(str))
        w = pts["population"].to_numpy(float)
        total = np.bincount(pos, weights=w, minlength=n)
        placed = (total > 0) & (self.population > 0)
        keep = np.flatnonzero((w > 0) & placed[pos])
        keep = keep[np.argsort(pos[keep], kind="stable")]
        g = pts.geometry.iloc[keep].to_crs(self.crs)
        alone = np.flatnonzero(~placed)  # no residents, or none placed: the unit's origin
        xy = np.vstack([point_xy(g), self.origin_xy[alone]]).reshape(-1, 2)
        unit = np.concatenate([pos[keep], alone]).astype(np.intp)
        share = np.concatenate([w[keep] / total[pos[keep]], np.ones(len(alone))])
        order = np.argsort(unit, kind="stable")
        xy, unit, share = xy[order], unit[order], share[order]
        return xy, unit, self.population[unit] * share, share

    @property
    def point_xy(self) -> np.ndarray:
        """Where travel is measured from (``m × 2``, :attr:`crs`): the population points.

        The unit origins (:attr:`origin_xy`) when no points were given.
        """
        return self._point_arrays[0]

    @property
    def point_unit(self) -> np.ndarray:
        """Each point's unit (position among the units)."""
        return self._point_arrays[1]

    @property
    def point_population(self) -> np.ndarray:
        """Residents at each point: its unit's population times :attr:`point_share`."""
        return self._point_arrays[2]

    @property
    def point_share(self) -> np.ndarray:
        """Each point's share of its unit's residents (the shares of a unit add up to 1)."""
        return self._point_arrays[3]

    def unit_mean(self, values: np.ndarray, *, where: np.ndarray | None = None) -> np.ndarray:
        """Population-weighted mean per unit of a value per point.

        Parameters
        ----------
        values : numpy.ndarray
            One value per point (:attr:`point_xy`).
        where : numpy.ndarray of bool, optional
            Points that count; a unit with none gets NaN.

        Returns
        -------
        numpy.ndarray
            One value per unit: ``sum(share * value) / sum(share)`` over its points, the
            value itself when each unit has one point (no population points given).
        """
        v = np.asarray(values, float)
        if not self.has_points:
            return v if where is None else np.where(where, v, np.nan)
        w = self.point_share if where is None else np.where(where, self.point_share, 0.0)
        n = len(self.unit_ids)
        num = np.bincount(self.point_unit, weights=w * np.where(w > 0, v, 0.0), minlength=n)
        den = np.bincount(self.point_unit, weights=w, minlength=n)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, num / den, np.nan)

    # ------------------------------------------------------------------------ assets

    def _assets(self) -> gpd.GeoDataFrame:
        if self.assets is None:
            msg = "this travel context has no assets; make it with TravelContext(units, assets)"
            raise InputError(msg)
        return self.assets

    @cached_property
    def projected_assets(self) -> gpd.GeoDataFrame:
        """The assets in :attr:`crs` (do not modify: it is shared)."""
        return self._assets().to_crs(self.crs)

    @cached_property
    def asset_xy(self) -> np.ndarray:
        """One point per asset (``n × 2``, :attr:`crs`; inside points of non-points)."""
        ag = self._assets().geometry
        if not pyproj.CRS(ag.crs).equals(self.crs):
            ag = ag.to_crs(self.crs)
        if len(ag) and (ag.geom_type != "Point").any():
            ag = ag.representative_point()
        return point_xy(ag)

    @cached_property
    def supply(self) -> np.ndarray:
        """Supply per asset: its ``capacity`` when positive, else 1."""
        assets = self._assets()
        cap = (
            pd.to_numeric(assets["capacity"], errors="coerce").to_numpy(float)
            if "capacity" in assets.columns
            else np.full(len(assets), np.nan)
        )
        return np.where(np.isfinite(cap) & (cap > 0), cap, 1.0)

    @cached_property
    def asset_ids(self) -> np.ndarray:
        """Asset ids as strings."""
        out: np.ndarray = self._assets()["asset_id"].astype(str).to_numpy()
        return out

    @cached_property
    def asset_names(self) -> np.ndarray:
        """Asset names as strings."""
        out: np.ndarray = self._assets()["name"].astype(str).to_numpy()
        return out

    @cached_property
    def asset_domains(self) -> np.ndarray:
        """Asset domains as strings."""
        out: np.ndarray = self._assets()["domain"].astype(str).to_numpy()
        return out

    def domain_rows(self, key: str) -> np.ndarray:
        """Positions of the assets of one domain."""
        return np.flatnonzero(self.asset_domains == key)

    # ------------------------------------------------------------------------ costs

    @cached_property
    def engine(self) -> StraightCosts | NetworkCosts:
        """The travel engine over every point (:attr:`point_xy`)."""
        if self.travel.mode == "straight":
            return StraightCosts(self.point_xy, self.travel)
        return NetworkCosts(self.point_xy, self.crs, self.travel)

    def engine_for(self, rows: np.ndarray) -> StraightCosts | NetworkCosts:
        """Return the travel engine over some of the points (positions ``rows``)."""
        if self.travel.mode == "straight":
            return StraightCosts(self.point_xy[rows], self.travel)
        eng = self.engine
        assert isinstance(eng, NetworkCosts)
        return eng.subset(rows)

    def destinations(self, key: str) -> Any:
        """One domain's services prepared for :attr:`engine` (computed once per domain)."""
        if key not in self._destinations:
            self._destinations[key] = self.engine.prepare(self.asset_xy[self.domain_rows(key)])
        return self._destinations[key]

    def nearest(self, key: str) -> Pairs:
        """Each point's nearest service of a domain (computed once per domain).

        Parameters
        ----------
        key : str
            Domain.

        Returns
        -------
        metres, minutes, service : numpy.ndarray
            Per point (:attr:`point_xy`): travel distance and time to the nearest service
            of the domain (NaN when none is reachable) and that service's position among
            the domain's assets (:meth:`domain_rows`; -1 when none is reachable). With
            population points these are the values a unit's figures are weighted from,
            and what a population-weighted median over residents is taken of
            (:func:`assetmap.analysis.coverage.nearest_by_point`).

        Examples
        --------
        >>> import assetmap as am
        >>> s = am.load_sample()
        >>> ctx = TravelContext(s.units, s.assets)
        >>> metres, minutes, service = ctx.nearest("food")
        >>> len(minutes) == len(ctx.point_xy), bool((service >= 0).all())
        (True, True)
        """
        if key not in self._nearest:
            m, t, j = self.engine.nearest(self.destinations(key))
            self._nearest[key] = (m, t, j)
            self._last_nearest = key
        return self._nearest[key]

    def count(self, key: str, minutes: float) -> np.ndarray:
        """Services of a domain within ``minutes`` of each point (engine's own count).

        Faster than :meth:`pairs` when only the counts are wanted; uses the nearest
        distances to skip points beyond reach when they are those of this domain.
        """
        fresh = self._last_nearest == key
        return self.engine.count(self.destinations(key), float(minutes), after_nearest=fresh)

    def pairs(self, key: str | None, minutes: float) -> Pairs:
        """Every point–service pair of a domain within ``minutes`` (once per threshold).

        Parameters
        ----------
        key : str or None
            Domain; None for every asset whatever its domain.
        minutes : float
            Largest travel time kept (inclusive).

        Returns
        -------
        origin, service, minutes : numpy.ndarray
            Point position (:attr:`point_xy`; the unit's position when no population
            points were given), service position (among the domain's assets, see
            :meth:`domain_rows`; among all assets for ``key=None``) and travel time.
        """
        k = (key, float(minutes))
        if k not in self._pairs:
            eng = self.engine
            dest = eng.prepare(self.asset_xy) if key is None else self.destinations(key)
            self._pairs[k] = eng.pairs(dest, float(minutes))
        return self._pairs[k]

    def pair_table(self, key: str | None, minutes: float) -> pd.DataFrame:
        """Return :meth:`pairs` per unit as a table: ``unit_id``, ``asset_id``, ``minutes``.

        A unit and a service pair when any of the unit's points is within ``minutes`` of
        it, at the time of the nearest such point. Sorted by unit, then time, then asset.
        """
        oi, ak, t = self.pairs(key, minutes)
        ids = self.asset_ids if key is None else self.asset_ids[self.domain_rows(key)]
        u = self.point_unit[oi]
        # sorted on integer ranks of the ids (their string order), never on the strings
        u_rank, a_rank = _ranks(self.unit_ids), _ranks(ids)
        order = np.lexsort((a_rank[ak], t, u_rank[u]))
        u, ak, t = u[order], ak[order], t[order]
        if self.has_points:  # a unit and a service once, at the time of its nearest point
            first = ~pd.Series(u.astype(np.int64) * max(len(ids), 1) + ak).duplicated().to_numpy()
            u, ak, t = u[first], ak[first], t[first]
        return pd.DataFrame({"unit_id": self.unit_ids[u], "asset_id": ids[ak], "minutes": t})


def _ranks(ids: np.ndarray) -> np.ndarray:
    """Return each id's position in the sorted order of ``ids`` (equal ids, equal ranks).

    Examples
    --------
    >>> _ranks(np.array(["b", "a", "c", "a"], dtype=object)).tolist()
    [1, 0, 2, 0]
    """
    codes, _ = pd.factorize(pd.Series(ids, dtype=object), sort=True)
    return np.asarray(codes, dtype=np.int64)


def _same_travel(a: TravelOptions, b: TravelOptions) -> bool:
    # == leaves the graph out: the same compiled graph, or the same file and options
    return a == b and (a.graph is b.graph or a.as_dict() == b.as_dict())


def _same_index(a: pd.Index, b: pd.Index) -> bool:
    return a is b or (len(a) == len(b) and bool(a.equals(b)))


def _same_assets(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> bool:
    if a is b:
        return True
    if len(a) != len(b) or "asset_id" not in b.columns:
        return False
    return bool(a["asset_id"].astype(str).equals(b["asset_id"].astype(str)))
