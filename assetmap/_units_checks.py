"""Geometry checks of study units: coordinates in range, rings repaired, overlaps reported.

Internal to :func:`assetmap.region.validate_units` (the Units contract).

What is an error and what a warning, and why:

* **Coordinates out of longitude/latitude range** in a frame that says it is in degrees
  are an **error**: the file's CRS is missing or wrong (a State Plane file in feet with
  no ``.prj``, read as EPSG:4326), nothing after it could be right, and the fix is one key.
* **An invalid ring** (a bow-tie that crosses itself, a self-touching ring) is **repaired**
  with :func:`shapely.make_valid` (``structure`` method: the areas kept, collapsed spikes
  dropped) and a **warning** names each repaired unit: the repaired polygon covers the
  same ground, so the study can go on, but its owner should fix the source. A ring that
  has no area once repaired is an **error**.
* **Overlapping units** are a **warning** naming each pair, the overlap's area and its
  share of the smaller unit, when that share passes ``tolerance`` (1% by default, so the
  slivers of boundaries digitised twice stay quiet). Units are meant to tile the region:
  a point in two units is counted for both (a population point, a finer unit, an asset
  inside a unit) and the region's residents are summed twice over the overlap. That
  distorts totals rather than making them meaningless, and some studies knowingly use
  overlapping areas (service areas, buffers), so the build goes on and says so; two
  levels mixed in one file show up as many pairs at 100%.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from assetmap.errors import InputError

__all__ = ["check_lonlat", "find_overlaps", "repair_rings", "warn_overlaps"]

log = logging.getLogger("assetmap.region")

#: Equal-area CRS for overlap shares anywhere on Earth (WGS 84 / NSIDC EASE-Grid 2.0 Global).
EQUAL_AREA = "EPSG:6933"


def check_lonlat(gdf: gpd.GeoDataFrame, *, file: str | None = None) -> None:
    """Raise when a frame in degrees has coordinates outside longitude/latitude range.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame(geometry=[box(1_000_000, 200_000, 1_001_000, 201_000)],
    ...                      crs="EPSG:4326")
    >>> try:
    ...     check_lonlat(g, file="units.geojson")
    ... except InputError as err:
    ...     print(err)  # doctest: +NORMALIZE_WHITESPACE
    units.geojson: coordinates run to x 1,001,000 and y 201,000, outside longitude
    (-180 to 180) and latitude (-90 to 90): the file's CRS is missing or wrong (numbers
    this large are metres or feet of a projected CRS, e.g. EPSG:2263 for New York State
    Plane in feet); save the file with its CRS, or name it in the project: units: {path:
    ..., crs: "EPSG:2263"}
    """
    if gdf.crs is None or not gdf.crs.is_geographic or not len(gdf):
        return
    x0, y0, x1, y1 = gdf.total_bounds
    if x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90:
        return
    x = x1 if abs(x1) >= abs(x0) else x0
    y = y1 if abs(y1) >= abs(y0) else y0
    msg = (
        f"coordinates run to x {x:,.0f} and y {y:,.0f}, outside longitude (-180 to 180) and "
        "latitude (-90 to 90): the file's CRS is missing or wrong (numbers this large are "
        "metres or feet of a projected CRS, e.g. EPSG:2263 for New York State Plane in feet); "
        "save the file with its CRS, or name it in the project: units: {path: ..., crs: "
        '"EPSG:2263"}'
    )
    raise InputError(msg, file=file)


def repair_rings(gdf: gpd.GeoDataFrame, *, file: str | None = None) -> gpd.GeoDataFrame:
    """Repair invalid unit polygons, warning with each repaired unit's id; a copy.

    Examples
    --------
    >>> from shapely.geometry import Polygon, box
    >>> bow_tie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> g = gpd.GeoDataFrame(geometry=[bow_tie, box(2, 0, 3, 1)],
    ...                      index=pd.Index(["b", "ok"], name="unit_id"))
    >>> fixed = repair_rings(g)
    >>> fixed.geometry.is_valid.tolist(), round(float(fixed.geometry.area["b"]), 2)
    ([True, True], 0.5)
    """
    geom = gdf.geometry
    invalid = ~geom.is_valid
    if not invalid.any():
        return gdf
    reasons = [shapely.is_valid_reason(g) for g in geom[invalid]]
    # "structure" repair keeps areas and drops collapsed spikes, so a self-touching
    # TIGER ring never turns into a GeometryCollection with stray lines.
    fixed = shapely.make_valid(geom[invalid].to_numpy(), method="structure", keep_collapsed=False)
    empty = shapely.is_empty(fixed) | ~np.isin(shapely.get_type_id(fixed), [3, 6])
    if empty.any():
        row = int(np.flatnonzero(invalid.to_numpy())[np.flatnonzero(empty)[0]]) + 2
        msg = "unit geometry is invalid and has no area once repaired"
        raise InputError(msg, file=file, row=row, column="geometry")
    out = gdf.copy()
    out.loc[invalid, out.geometry.name] = fixed
    ids = [str(i) for i in gdf.index[invalid.to_numpy()]]
    shown = "; ".join(f"{i!r} ({r})" for i, r in zip(ids[:5], reasons[:5], strict=True))
    more = f" and {len(ids) - 5:,} more" if len(ids) > 5 else ""
    where = f"{file}: " if file else ""
    log.warning(
        "%s%d unit(s) had an invalid outline, repaired (shapely make_valid, area kept): %s%s; "
        "fix the source file to silence this",
        where,
        len(ids),
        shown,
        more,
    )
    return out


def find_overlaps(gdf: gpd.GeoDataFrame, *, tolerance: float = 0.01) -> pd.DataFrame:
    """Return the pairs of units that overlap by more than ``tolerance`` of the smaller.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Units indexed by ``unit_id``, valid polygons with a CRS.
    tolerance : float
        Share of the smaller unit's area an overlap may reach unreported (default 1%).

    Returns
    -------
    pandas.DataFrame
        ``unit_a``, ``unit_b``, ``overlap_m2`` and ``share`` (of the smaller unit's area),
        largest share first; areas in an equal-area CRS (EPSG:6933).

    Examples
    --------
    Two 1 km squares, the second shifted by 750 m, overlap by a quarter of each:

    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000), box(750, 0, 1750, 1000)],
    ...                      index=pd.Index(["a", "b"], name="unit_id"), crs="EPSG:6933")
    >>> find_overlaps(g).round(2).to_dict("records")
    [{'unit_a': 'a', 'unit_b': 'b', 'overlap_m2': 250000.0, 'share': 0.25}]
    """
    cols = ["unit_a", "unit_b", "overlap_m2", "share"]
    if len(gdf) < 2:
        return pd.DataFrame(columns=cols)
    geom = gdf.geometry.to_crs(EQUAL_AREA) if gdf.crs is not None else gdf.geometry
    arr = geom.to_numpy()
    left, right = geom.sindex.query(arr, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    inter = shapely.area(shapely.intersection(arr[left], arr[right]))
    smaller = np.minimum(shapely.area(arr[left]), shapely.area(arr[right]))
    share = np.divide(inter, smaller, out=np.zeros_like(inter), where=smaller > 0)
    over = share > tolerance
    ids = np.asarray(gdf.index.astype(str))
    out = pd.DataFrame(
        {
            "unit_a": ids[left[over]],
            "unit_b": ids[right[over]],
            "overlap_m2": inter[over],
            "share": share[over],
        },
        columns=cols,
    )
    return out.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)


def warn_overlaps(
    gdf: gpd.GeoDataFrame, *, tolerance: float = 0.01, file: str | None = None
) -> pd.DataFrame:
    """Log one warning naming the overlapping pairs (see :func:`find_overlaps`); return them.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:6933")
    >>> len(warn_overlaps(g))
    0
    """
    pairs = find_overlaps(gdf, tolerance=tolerance)
    if len(pairs):
        shown = "; ".join(
            f"{r.unit_a!r} and {r.unit_b!r} share {r.overlap_m2:,.0f} m² "
            f"({100 * r.share:.0f}% of the smaller)"
            for r in pairs.head(5).itertuples()
        )
        more = f" and {len(pairs) - 5:,} more pairs" if len(pairs) > 5 else ""
        where = f"{file}: " if file else ""
        log.warning(
            "%s%d pair(s) of units overlap by more than %g%% of the smaller unit: %s%s; "
            "a place in both is counted in both and the region's residents are summed twice "
            "there (units should tile the region: check for two levels or duplicates in one "
            "file)",
            where,
            len(pairs),
            100 * tolerance,
            shown,
            more,
        )
    return pairs
