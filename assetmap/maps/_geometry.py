"""Geometry for display: simplified, rounded, written as compact GeoJSON.

The analysis keeps full boundaries; the map only needs what a screen can show. Unit
polygons are simplified together with :func:`shapely.coverage_simplify`, which keeps the
edges that neighbours share identical (no slivers or gaps appear between units), in the
study's projected CRS so that the tolerance is in metres. Coordinates are then rounded to
5 decimals (about 1 m), which is below what a map at street zoom can show.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
import shapely.errors
import shapely.geometry

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["DECIMALS", "display_geometry", "features", "lat_lon_bounds", "point_on_surface"]

log = logging.getLogger(__name__)

#: Decimals kept in map coordinates: 1e-5 degree is about 1.1 m north-south.
DECIMALS = 5


def _rounded(geoms: np.ndarray, decimals: int) -> np.ndarray:
    present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    out = np.full(len(geoms), None, dtype=object)
    if present.any():
        out[present] = shapely.transform(geoms[present], lambda xy: np.round(xy, decimals))
    return out


def display_geometry(
    frame: gpd.GeoDataFrame,
    *,
    tolerance_m: float = 0.0,
    coverage: bool = False,
    decimals: int = DECIMALS,
) -> np.ndarray:
    """Return the geometries of ``frame`` ready to draw: simplified, in EPSG:4326, rounded.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Any CRS; a frame without a CRS is taken as EPSG:4326 (callers check first).
    tolerance_m : float, default 0
        Simplification tolerance in metres (0 keeps every vertex).
    coverage : bool, default False
        The polygons tile the region (units): simplify them as a coverage so shared edges
        stay shared. Otherwise each geometry is simplified on its own, preserving topology.
    decimals : int, default 5
        Decimals of the rounded coordinates.

    Returns
    -------
    numpy.ndarray
        Shapely geometries (``None`` where the input had none), in row order.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(-73.9000012, 40.84)], crs=4326)
    >>> display_geometry(g)[0].coords[0]
    (-73.9, 40.84)
    """
    import geopandas as gpd

    if frame.empty:
        return np.empty(0, dtype=object)
    geo = frame.geometry
    if tolerance_m > 0 and frame.crs is not None:
        projected = geo.to_crs(geo.estimate_utm_crs()) if frame.crs.is_geographic else geo
        geoms = np.asarray(projected.array, dtype=object)
        present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
        simple = geoms.copy()
        if present.any():
            simple[present] = _simplify(geoms[present], tolerance_m, coverage=coverage)
        geo = gpd.GeoSeries(simple, index=geo.index, crs=projected.crs).to_crs(4326)
    elif frame.crs is not None and frame.crs.to_epsg() != 4326:
        geo = geo.to_crs(4326)
    return _rounded(np.asarray(geo.array, dtype=object), decimals)


def _simplify(geoms: np.ndarray, tolerance: float, *, coverage: bool) -> np.ndarray:
    polygonal = all(g.geom_type in ("Polygon", "MultiPolygon") for g in geoms)
    if coverage and polygonal and hasattr(shapely, "coverage_simplify"):
        try:
            out = np.asarray(shapely.coverage_simplify(geoms, tolerance), dtype=object)
        except shapely.errors.GEOSException as exc:  # an invalid coverage (overlaps)
            log.info("coverage simplification failed (%s); simplifying each unit alone", exc)
        else:
            if all(g is not None and not g.is_empty for g in out):
                return out
    return np.asarray(shapely.simplify(geoms, tolerance, preserve_topology=True), dtype=object)


def features(geoms: np.ndarray, properties: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Write geometries as a GeoJSON FeatureCollection; feature ids are row positions.

    Rows without a geometry are left out (their id is skipped, so ids still point at rows).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> fc = features(np.array([None, Point(1, 2)], dtype=object))
    >>> fc["features"][0]["id"], fc["features"][0]["geometry"]["coordinates"]
    (1, (1.0, 2.0))
    """
    out = []
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            continue
        feature: dict[str, Any] = {
            "type": "Feature",
            "id": i,
            "geometry": shapely.geometry.mapping(geom),
        }
        if properties is not None:
            feature["properties"] = properties[i]
        out.append(feature)
    return {"type": "FeatureCollection", "features": out}


def point_on_surface(geoms: np.ndarray, decimals: int = DECIMALS) -> list[list[float] | None]:
    """Return a ``[lat, lon]`` inside each geometry (for a label or popup), None if empty."""
    out: list[list[float] | None] = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            out.append(None)
            continue
        p = geom.point_on_surface()
        out.append([round(p.y, decimals), round(p.x, decimals)])
    return out


def lat_lon_bounds(geoms: np.ndarray) -> list[list[list[float]] | None]:
    """Return Leaflet bounds ``[[south, west], [north, east]]`` of each geometry (or None)."""
    out: list[list[list[float]] | None] = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            out.append(None)
            continue
        w, s, e, n = geom.bounds
        out.append([[s, w], [n, e]])
    return out
