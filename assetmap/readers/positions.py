"""Positions to check: latitude and longitude swapped, points far from all the others.

A row whose latitude and longitude were typed the wrong way round (``-73.91, 40.81`` for
a Bronx pantry) is a valid point in the Southern Ocean, and a row geocoded to the wrong
Springfield is a valid point 1,500 km away. Neither can be set aside for sure, so
:func:`position_warnings` names them (row kept) for a person to check;
:func:`assetmap.read_assets` adds them to ``attrs["warnings"]`` and ``assetmap
validate`` prints them.

The rules, on great-circle distances in metres:

* the *centre* of a row is the median latitude and median longitude of the **other**
  rows; the *spread* is the median distance of all rows to the median point;
* a row is **far** when its distance to its centre exceeds ``far_factor`` × spread
  **and** ``far_km`` (default 10 × and 50 km: a county-wide list with a spread of 5 km
  flags rows over 50 km out, a state-wide one with a spread of 80 km rows over 800 km);
* a far row is **swapped** when, latitude and longitude exchanged, it is not far (it lies
  among the other rows), or when, with a region given, the row as given lies outside the
  region while its exchanged pair lies inside it;
* with fewer than ``min_rows`` positions (default 4) only the region test applies: a
  median of two or three points says little about where a list lies.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from assetmap.schema import REJECTED_COLUMNS

__all__ = ["FAR_FACTOR", "FAR_KM", "MIN_ROWS", "WARNING_COLUMNS", "position_warnings"]

#: A row is far when more than this many times the rows' median distance from the centre …
FAR_FACTOR = 10.0
#: … and more than this many kilometres from the median of the other rows.
FAR_KM = 50.0
#: Fewer positions than this: only the region test for swapped coordinates applies.
MIN_ROWS = 4
#: Columns of the table of warnings: those of rows set aside, plus the asset's id.
WARNING_COLUMNS = [*REJECTED_COLUMNS, "asset_id"]

_EARTH_M = 6_371_008.8


def _haversine(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """Great-circle distance in metres (arrays of degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * _EARTH_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def _median_without(x: np.ndarray) -> np.ndarray:
    """For each element, the median of the others (exact, in O(n log n)).

    Examples
    --------
    >>> _median_without(np.array([1.0, 2.0, 3.0, 10.0])).tolist()
    [3.0, 3.0, 2.0, 2.0]
    """
    n = len(x)
    order = np.argsort(x, kind="stable")
    s = x[order]
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n)
    m = n - 1

    def at(k: int) -> np.ndarray:  # the k-th smallest of the others, for every element
        return np.asarray(np.where(k < rank, s[k], s[min(k + 1, n - 1)]), dtype=float)

    if m % 2:
        return at((m - 1) // 2)
    return np.asarray((at(m // 2 - 1) + at(m // 2)) / 2.0, dtype=float)


def position_warnings(
    assets: gpd.GeoDataFrame,
    *,
    region: gpd.GeoDataFrame | None = None,
    far_km: float = FAR_KM,
    far_factor: float = FAR_FACTOR,
    min_rows: int = MIN_ROWS,
) -> pd.DataFrame:
    """Return the rows whose latitude and longitude look swapped or that lie far out.

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        Assets (points). When ``attrs["where"]`` holds one ``{file, row, column}`` per
        asset (the readers set it), each warning names that row; otherwise the row is the
        asset's position (2 = first, as a spreadsheet shows it) and the file its source.
    region : geopandas.GeoDataFrame, optional
        Study units: a point outside them whose exchanged pair is inside is swapped.
    far_km, far_factor : float
        A row is far beyond ``far_factor`` × the rows' median distance from their median
        point and ``far_km`` kilometres (see the module's rules).
    min_rows : int
        Fewer positions than this: only the region test applies.

    Returns
    -------
    pandas.DataFrame
        One row per warning, columns :data:`WARNING_COLUMNS` (``source``, ``file``,
        ``row``, ``column``, ``value``, ``problem``, ``asset_id``); the assets are kept.

    Examples
    --------
    >>> pts = gpd.GeoDataFrame(
    ...     {"asset_id": list("abcde")},
    ...     geometry=gpd.points_from_xy(
    ...         [-73.91, -73.90, -73.92, -73.89, 40.82], [40.81, 40.82, 40.83, 40.84, -73.91]),
    ...     crs="EPSG:4326")
    >>> w = position_warnings(pts)
    >>> w[["row", "asset_id"]].values.tolist(), w["problem"].str[:32].tolist()
    ([[6, 'e']], ['latitude and longitude look swap'])
    """
    out = pd.DataFrame(columns=WARNING_COLUMNS)
    if assets is None or len(assets) == 0:
        return out
    g = assets.geometry if assets.crs is None else assets.geometry.to_crs("EPSG:4326")
    usable = np.asarray(g.notna() & ~g.is_empty & (g.geom_type == "Point"))
    lat = np.full(len(g), np.nan)
    lon = np.full(len(g), np.nan)
    lat[usable], lon[usable] = g[usable].y.to_numpy(), g[usable].x.to_numpy()
    idx = np.flatnonzero(usable & np.isfinite(lat) & np.isfinite(lon))
    swapped = np.zeros(len(g), dtype=bool)
    far = np.zeros(len(g), dtype=bool)
    detail = [""] * len(g)
    if len(idx) >= max(min_rows, 3):
        la, lo = lat[idx], lon[idx]
        c_la, c_lo = _median_without(la), _median_without(lo)
        d = _haversine(la, lo, c_la, c_lo)
        spread = float(np.median(_haversine(la, lo, np.median(la), np.median(lo))))
        radius = max(far_factor * spread, far_km * 1000.0)
        can_swap = np.abs(lo) <= 90
        d_swap = _haversine(lo, la, c_la, c_lo)
        is_far = d > radius
        is_swapped = is_far & can_swap & (d_swap <= radius)
        far[idx], swapped[idx] = is_far & ~is_swapped, is_swapped
        for j, i in enumerate(idx):
            if is_swapped[j]:
                detail[i] = (
                    f"as given the point is {d[j] / 1000:,.0f} km from the median of the other "
                    f"rows, exchanged it is {d_swap[j] / 1000:,.1f} km from it"
                )
            elif is_far[j]:
                detail[i] = (
                    f"the point is {d[j] / 1000:,.0f} km from the median of the other rows, "
                    f"which lie a median {spread / 1000:,.1f} km from it (flagged beyond "
                    f"{radius / 1000:,.0f} km, the larger of {far_factor:g} × that and "
                    f"{far_km:g} km)"
                )
    if region is not None and len(idx):
        hull = region.to_crs("EPSG:4326").union_all()
        given = shapely.points(lon[idx], lat[idx])
        exchanged = shapely.points(lat[idx], lon[idx])
        inside_swapped = (
            ~shapely.intersects(hull, given)
            & shapely.within(exchanged, hull)
            & (np.abs(lon[idx]) <= 90)
        )
        for i in idx[inside_swapped & ~swapped[idx]]:
            swapped[i], far[i] = True, False
            detail[i] = "as given the point is outside the region, exchanged it falls inside"
    rows = []
    for i in np.flatnonzero(swapped | far):
        problem = (
            f"latitude and longitude look swapped: {detail[i]}; the row is kept as given — "
            "exchange the two values if they are the wrong way round"
            if swapped[i]
            else f"point lies far from all the others: {detail[i]}; the row is kept — check "
            "its coordinates"
        )
        rows.append({**_where(assets, int(i)), "value": f"{lat[i]:.6f}, {lon[i]:.6f}",
                     "problem": problem})  # fmt: skip
    return pd.DataFrame(rows, columns=WARNING_COLUMNS) if rows else out


def _where(assets: gpd.GeoDataFrame, i: int) -> dict[str, Any]:
    """Return the file, row and column of asset ``i``, and its source and id."""
    where = assets.attrs.get("where")
    source = str(assets["source"].iloc[i]) if "source" in assets.columns else ""
    asset_id = str(assets["asset_id"].iloc[i]) if "asset_id" in assets.columns else str(i)
    if isinstance(where, list) and len(where) == len(assets):
        w = where[i]
        return {"source": source, "file": w["file"], "row": int(w["row"]),
                "column": w["column"], "asset_id": asset_id}  # fmt: skip
    return {"source": source, "file": source, "row": i + 2, "column": "geometry",
            "asset_id": asset_id}  # fmt: skip
