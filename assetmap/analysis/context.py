"""The travel context of a study: computed once, shared by every stage that measures travel.

Access, overlaps, capacity balance and siting all measure from the same places with the
same rule: the study's working CRS (metres), one origin per unit (where its residents
are taken to live), the services' coordinates and supply, and per domain the services
prepared for the travel engine (a KD-tree, or the services snapped to the street graph)
with the origin–service pairs within the domain's threshold. A :class:`TravelContext`
holds all of it, each part computed the first time a stage asks for it and kept after.

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
from assetmap.region import measure_crs
from assetmap.region import origins as unit_origins

__all__ = ["TravelContext", "origin_points", "working_crs"]

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

    Attributes
    ----------
    units, assets, travel, origins
        As given (``travel`` filled with the default).
    crs : pyproj.CRS
        The working CRS, in metres (:func:`working_crs`).

    Notes
    -----
    Everything else is computed the first time it is asked for, then kept: the unit
    origins (:attr:`origin_xy`), the units' projected geometry and inside points, the
    services' coordinates and supply, the travel engine, and per domain the services
    prepared for the engine and the pairs within each threshold (:meth:`pairs`).
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
    ) -> None:
        _check_frames(units, assets)
        self.units = units
        self.assets = assets
        self.travel = travel or TravelOptions()
        self.origins = origins
        self.crs = working_crs(units)
        self._destinations: dict[str, Any] = {}
        self._pairs: dict[tuple[str | None, float], Pairs] = {}

    @classmethod
    def resolve(
        cls,
        context: TravelContext | None,
        units: gpd.GeoDataFrame,
        assets: gpd.GeoDataFrame | None = None,
        *,
        travel: TravelOptions | None = None,
        origins: gpd.GeoSeries | None = None,
    ) -> TravelContext:
        """Return ``context`` after checking it fits the frames, or a new one when None.

        Stage functions call this with their own arguments, so they work the same with
        and without a shared context.

        Raises
        ------
        InputError
            When ``context`` was made for other units, assets, travel options or origins.
        """
        if context is None:
            return cls(units, assets, travel=travel, origins=origins)
        context.check(units, assets, travel=travel, origins=origins)
        return context

    def check(
        self,
        units: gpd.GeoDataFrame,
        assets: gpd.GeoDataFrame | None = None,
        *,
        travel: TravelOptions | None = None,
        origins: gpd.GeoSeries | None = None,
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
        if wrong:
            msg = (
                f"context= was made for other {', '.join(wrong)}; make one with "
                "TravelContext(units, assets, travel=..., origins=...) or leave context out"
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
        """The travel engine over every unit origin."""
        if self.travel.mode == "straight":
            return StraightCosts(self.origin_xy, self.travel)
        return NetworkCosts(self.origin_xy, self.crs, self.travel)

    def engine_for(self, rows: np.ndarray) -> StraightCosts | NetworkCosts:
        """Return the travel engine over some of the unit origins (positions ``rows``)."""
        if self.travel.mode == "straight":
            return StraightCosts(self.origin_xy[rows], self.travel)
        eng = self.engine
        assert isinstance(eng, NetworkCosts)
        return eng.subset(rows)

    def destinations(self, key: str) -> Any:
        """One domain's services prepared for :attr:`engine` (computed once per domain)."""
        if key not in self._destinations:
            self._destinations[key] = self.engine.prepare(self.asset_xy[self.domain_rows(key)])
        return self._destinations[key]

    def pairs(self, key: str | None, minutes: float) -> Pairs:
        """Every origin–service pair of a domain within ``minutes`` (once per threshold).

        Parameters
        ----------
        key : str or None
            Domain; None for every asset whatever its domain.
        minutes : float
            Largest travel time kept (inclusive).

        Returns
        -------
        origin, service, minutes : numpy.ndarray
            Unit position, service position (among the domain's assets, see
            :meth:`domain_rows`; among all assets for ``key=None``) and travel time.
        """
        k = (key, float(minutes))
        if k not in self._pairs:
            eng = self.engine
            dest = eng.prepare(self.asset_xy) if key is None else self.destinations(key)
            self._pairs[k] = eng.pairs(dest, float(minutes))
        return self._pairs[k]

    def pair_table(self, key: str | None, minutes: float) -> pd.DataFrame:
        """Return :meth:`pairs` as a table: ``unit_id``, ``asset_id``, ``minutes``.

        Sorted by unit, then time, then asset.
        """
        oi, ak, t = self.pairs(key, minutes)
        ids = self.asset_ids if key is None else self.asset_ids[self.domain_rows(key)]
        out = pd.DataFrame({"unit_id": self.unit_ids[oi], "asset_id": ids[ak], "minutes": t})
        return out.sort_values(["unit_id", "minutes", "asset_id"], ignore_index=True)


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
