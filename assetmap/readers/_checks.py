"""Row checks shared by the asset readers: coordinates, the region, rows set aside.

:class:`Rejects` collects the rows a reader sets aside, each with file, row, column and
problem; :func:`points_from_table` turns coordinate columns (or one location column) into
points, setting aside missing, non-numeric, out-of-range, swapped and 0, 0 coordinates;
:func:`apply_region` keeps assets just outside the region and sets aside far ones.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.errors import InputError
from assetmap.readers.coords import parse_coordinates, parse_point
from assetmap.schema import REJECTED_COLUMNS

__all__ = ["DEFAULT_BUFFER_M", "Rejects", "apply_region", "points_from_table"]

#: Assets up to this far outside the region are kept (marked ``outside_region``).
DEFAULT_BUFFER_M = 2500.0


class Rejects:
    """Rows set aside by a reader, each with the reason; raises at once when strict."""

    def __init__(self, source: str, file: str, strict: bool) -> None:
        self.rows: list[dict[str, Any]] = []
        #: Rows kept with a warning (same fields), for ``attrs["warnings"]``.
        self.warnings: list[dict[str, Any]] = []
        self.source, self.file, self.strict = source, file, strict

    def warn(self, row: int, column: str | None, value: object, problem: str) -> None:
        """Note a row kept with a warning (never raises, even when strict)."""
        self.warnings.append(self._record(row, column, value, problem))

    def _record(self, row: int, column: str | None, value: object, problem: str) -> dict[str, Any]:
        return {
            "source": self.source,
            "file": self.file,
            "row": row,
            "column": column or "",
            "value": "" if value is None else str(value)[:200],
            "problem": problem,
        }

    def add(self, row: int, column: str | None, value: object, problem: str) -> None:
        if self.strict:
            raise InputError(problem, file=self.file, row=row, column=column)
        self.rows.append(self._record(row, column, value, problem))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=REJECTED_COLUMNS)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip()


def points_from_table(
    df: pd.DataFrame,
    cols: dict[str, str],
    rejects: Rejects,
    region: gpd.GeoDataFrame | None,
    location: str | None = None,
) -> tuple[gpd.GeoSeries, pd.Series]:
    """Build points from lat/lon columns (or one location column).

    Missing and non-numeric coordinates, coordinates out of range, 0, 0 and (with a
    region) latitude and longitude swapped are set aside in ``rejects``.

    Parameters
    ----------
    df : pandas.DataFrame
        Cells as text, index = the row numbers the user sees.
    cols : dict
        Contract field -> column of ``df``; ``lat`` and ``lon`` are used when both are
        there.
    rejects : Rejects
        Where rows set aside go.
    region : geopandas.GeoDataFrame, optional
        Study units, to recognise swapped coordinates.
    location : str, optional
        A column holding both coordinates, used without ``lat`` and ``lon``.

    Returns
    -------
    tuple of geopandas.GeoSeries and pandas.Series
        The points (EPSG:4326) and a mask of the rows whose coordinates are usable.
    """
    ok = pd.Series(True, index=df.index)
    if "lat" in cols and "lon" in cols:
        lat_col = cols["lat"]
        lat, lon = _lat_lon_columns(df, cols, rejects, ok)
    elif location is not None:
        lat_col = location
        lat, lon = _location_column(df, location, rejects, ok)
    else:
        raise _no_coordinates(df, cols, rejects.file)
    _check_ranges(lat, lon, lat_col, rejects, ok)
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), index=df.index, crs="EPSG:4326")
    if region is not None and ok.any():
        _check_swapped(pts, lat, lon, lat_col, region, rejects, ok)
    return pts, ok


def _lat_lon_columns(
    df: pd.DataFrame, cols: dict[str, str], rejects: Rejects, ok: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Parse the latitude and longitude columns; set aside rows where either is unusable."""
    lat_raw, lon_raw = df[cols["lat"]], df[cols["lon"]]
    lat, lon = parse_coordinates(lat_raw), parse_coordinates(lon_raw)
    for row in df.index[lat.isna() | lon.isna()]:
        for field, raw, val in (("lat", lat_raw, lat), ("lon", lon_raw, lon)):
            if pd.isna(val[row]):
                text = "" if _missing(raw[row]) else str(raw[row]).strip()
                problem = (
                    "coordinate is missing" if not text else f"coordinate {text!r} is not a number"
                )
                rejects.add(int(row), cols[field], text, problem)
                ok[row] = False
                break
    return lat, lon


def _location_column(
    df: pd.DataFrame, location: str, rejects: Rejects, ok: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Parse one column holding both coordinates; set aside rows without a point in it."""
    pairs = [parse_point(v) for v in df[location]]
    lat = pd.Series([p[0] if p else np.nan for p in pairs], index=df.index, dtype=float)
    lon = pd.Series([p[1] if p else np.nan for p in pairs], index=df.index, dtype=float)
    for row in df.index[lat.isna()]:
        text = str(df.at[row, location]).strip()
        problem = (
            "coordinates are missing"
            if not text
            else f"no coordinates found in {text[:80]!r}; write them as "
            "(latitude, longitude) or POINT (longitude latitude)"
        )
        rejects.add(int(row), location, text, problem)
        ok[row] = False
    return lat, lon


def _no_coordinates(df: pd.DataFrame, cols: dict[str, str], file: str) -> InputError:
    """Return the error for a table with no coordinate columns, naming those looked for."""
    one = "lat" if "lat" in cols else "lon" if "lon" in cols else None
    what = (
        f"no {'longitude' if one == 'lat' else 'latitude'} column found"
        if one
        else ("no latitude/longitude columns found")
    )
    msg = (
        f"{what} (looked for lat/latitude/y and lon/lng/long/longitude/x, or one "
        "Location/the_geom/coordinates column); name them in the column map, e.g. "
        "columns={'lat': 'Y_COORD', 'lon': 'X_COORD'}"
    )
    if df.attrs.get("header_row") is not None:
        msg += (
            f"; the header was read from row {df.attrs['header_row']} "
            f"({', '.join(map(repr, list(df.columns)[:6]))}…), pass header_row= if it "
            "is on another row"
        )
    return InputError(msg, file=file, column="lon" if one == "lat" else "lat")


def _check_ranges(
    lat: pd.Series, lon: pd.Series, lat_col: str, rejects: Rejects, ok: pd.Series
) -> None:
    """Set aside coordinates out of range (naming a swap when it explains them) and 0, 0."""
    for row in lat.index[ok]:
        la, lo = lat[row], lon[row]
        if not (-90 <= la <= 90 and -180 <= lo <= 180):
            problem = "coordinates are out of range (latitude -90..90, longitude -180..180)"
            if -90 <= lo <= 90 and -180 <= la <= 180:
                problem += "; latitude and longitude look swapped"
            rejects.add(int(row), lat_col, f"{la}, {lo}", problem)
            ok[row] = False
        elif la == 0 and lo == 0:
            rejects.add(
                int(row),
                lat_col,
                "0, 0",
                "coordinates are 0, 0 (a point in the sea off Africa that exports write "
                "when the position is unknown); fill in the real position",
            )
            ok[row] = False


def _check_swapped(
    pts: gpd.GeoSeries,
    lat: pd.Series,
    lon: pd.Series,
    lat_col: str,
    region: gpd.GeoDataFrame,
    rejects: Rejects,
    ok: pd.Series,
) -> None:
    """Set aside points far from the region that fall inside it once swapped."""
    swapped = gpd.GeoSeries(gpd.points_from_xy(lat, lon), index=pts.index, crs="EPSG:4326")
    hull = region.to_crs("EPSG:4326").union_all()
    far = ok & ~pts.intersects(hull.buffer(0.5))
    swap_in = far & swapped.within(hull)
    for row in pts.index[swap_in]:
        rejects.add(
            int(row),
            lat_col,
            f"{lat[row]}, {lon[row]}",
            "latitude and longitude look swapped (swapped, the point falls inside the "
            "region); exchange the two columns' values",
        )
        ok[row] = False


def apply_region(
    gdf: gpd.GeoDataFrame,
    ok: pd.Series,
    region: gpd.GeoDataFrame | None,
    buffer_m: float | None,
    rejects: Rejects,
    lat_col: str,
) -> pd.Series:
    """Mark assets just outside the region; set aside those far outside."""
    outside = pd.Series(False, index=gdf.index)
    if region is None or not ok.any():
        return outside
    crs = region.estimate_utm_crs()
    reg = region.to_crs(crs).union_all()
    pts = gdf.geometry[ok].to_crs(crs)
    buf = DEFAULT_BUFFER_M if buffer_m is None else float(buffer_m)
    dist = pts.distance(reg).reindex(gdf.index).fillna(0.0)
    outside = ok & (dist > 0)
    far = ok & (dist > buf)
    for row in gdf.index[far]:
        rejects.add(
            int(row),
            lat_col,
            f"{gdf.geometry[row].y:.6f}, {gdf.geometry[row].x:.6f}",
            f"point is {dist[row] / 1000:.1f} km outside the region (kept up to "
            f"{buf / 1000:.1f} km); check the coordinates",
        )
    ok[far] = False
    return outside & ~far
