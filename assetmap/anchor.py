"""The hospital's own assets: hiring, purchasing and shareable space, privacy-safe.

An anchor institution (IHI, *Hospitals as anchor institutions*; Democracy Collaborative
"anchor mission") brings employment, purchasing power, investment and physical space.
This module reads those inputs and aggregates them to study units. Counts that describe
people (employees) are published only per unit, with small cells (fewer than
``min_cell``, default 11 as in CMS's cell-size suppression policy) suppressed, plus a
complementary suppression so a suppressed cell cannot be recovered from the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.errors import InputError
from assetmap.sources.files import read_table

__all__ = [
    "Anchor",
    "read_anchor",
    "suppress_small_cells",
]

DEFAULT_MIN_CELL = 11


@dataclass
class Anchor:
    """An anchor institution's assets, aggregated to units and privacy-safe.

    Attributes
    ----------
    name : str
        The institution's name.
    hospital : geopandas.GeoDataFrame
        The institution's site(s): points with ``name``.
    employment : geopandas.GeoDataFrame or None
        Per unit: ``employees`` (NaN where suppressed), ``employees_suppressed``,
        ``population``, ``name``, unit polygons.
    purchasing : geopandas.GeoDataFrame or None
        Per unit: ``spend_usd`` and ``vendors`` (vendors located in the unit).
    spaces : geopandas.GeoDataFrame or None
        Shareable spaces as points.
    min_cell : int
        Smallest employee count published.
    """

    name: str
    hospital: gpd.GeoDataFrame
    employment: gpd.GeoDataFrame | None = None
    purchasing: gpd.GeoDataFrame | None = None
    spaces: gpd.GeoDataFrame | None = None
    min_cell: int = DEFAULT_MIN_CELL


def suppress_small_cells(counts: pd.Series, min_cell: int = DEFAULT_MIN_CELL) -> pd.Series:
    """Suppress counts below ``min_cell``, with complementary suppression.

    Counts from 1 to ``min_cell - 1`` become NaN. If exactly one cell is suppressed, the
    next smallest published cell is suppressed as well, so the hidden value cannot be
    recovered by subtracting the published cells from a published total. Zeros are
    published (they disclose no one).

    Parameters
    ----------
    counts : pandas.Series
        Non-negative counts.
    min_cell : int
        Smallest count published.

    Returns
    -------
    pandas.Series
        Float counts with suppressed cells as NaN.

    Examples
    --------
    >>> suppress_small_cells(pd.Series([40, 3, 25, 0]), 11).tolist()
    [40.0, nan, nan, 0.0]
    """
    c = pd.to_numeric(counts, errors="coerce").astype(float)
    small = (c > 0) & (c < min_cell)
    out = c.where(~small)
    if int(small.sum()) == 1:
        published = out[(out > 0)].sort_values(kind="stable")
        if len(published):
            out[published.index[0]] = np.nan
    return out


def _points(df: pd.DataFrame, file: str) -> gpd.GeoSeries:
    cols = {c.lower(): c for c in df.columns}
    lat = next((cols[c] for c in ("latitude", "lat", "y") if c in cols), None)
    lon = next((cols[c] for c in ("longitude", "lon", "lng", "x") if c in cols), None)
    if lat is None or lon is None:
        msg = "needs latitude and longitude columns"
        raise InputError(msg, file=file, column="latitude")
    y = pd.to_numeric(df[lat], errors="coerce")
    x = pd.to_numeric(df[lon], errors="coerce")
    bad = y.isna() | x.isna()
    if bad.any():
        row = int(df.index[bad][0])
        msg = "coordinate is missing or not a number"
        raise InputError(msg, file=file, row=row, column=lat if y.isna()[row] else lon)
    return gpd.GeoSeries(gpd.points_from_xy(x, y), index=df.index, crs="EPSG:4326")


def _number(df: pd.DataFrame, col: str, file: str, *, allow_negative: bool = False) -> pd.Series:
    if col not in df.columns:
        msg = f"column not found; the file has {', '.join(df.columns)}"
        raise InputError(msg, file=file, column=col)
    v = pd.to_numeric(df[col].astype(str).str.replace(r"[$,\s]", "", regex=True), errors="coerce")
    bad = v.isna() | (~allow_negative & (v < 0))
    if bad.any():
        row = int(df.index[bad][0])
        msg = f"{df[col][row]!r} is not a non-negative number"
        raise InputError(msg, file=file, row=row, column=col)
    return v.astype(float)


def read_employment(
    path: str | Path, units: gpd.GeoDataFrame, *, min_cell: int = DEFAULT_MIN_CELL
) -> gpd.GeoDataFrame:
    """Employees by home unit, aggregated and suppressed.

    Parameters
    ----------
    path : str or Path
        CSV with ``unit_id`` and ``employees`` columns.
    units : geopandas.GeoDataFrame
        Study units; every ``unit_id`` of the file must be one of them.
    min_cell : int
        Smallest count published.

    Returns
    -------
    geopandas.GeoDataFrame
        Per unit: ``name``, ``population``, ``employees`` (NaN where suppressed),
        ``employees_suppressed`` and the unit polygon.
    """
    file = str(path)
    df = read_table(Path(path))
    if "unit_id" not in df.columns:
        msg = "needs a unit_id column naming each employee-home unit"
        raise InputError(msg, file=file, column="unit_id")
    emp = _number(df, "employees", file)
    ids = df["unit_id"].astype(str).str.strip()
    unknown = ~ids.isin(units.index.astype(str))
    if unknown.any():
        rows = [int(r) for r in df.index[unknown]][:10]
        msg = f"unit ids not in the study region: {sorted(set(ids[unknown]))[:10]} (rows {rows})"
        raise InputError(msg, file=file, row=rows[0], column="unit_id")
    total = emp.groupby(ids).sum()
    out = units[["name", "population", "geometry"]].copy()
    raw = total.reindex(out.index.astype(str)).fillna(0.0).to_numpy()
    published = suppress_small_cells(pd.Series(raw, index=out.index), min_cell)
    out["employees"] = published
    out["employees_suppressed"] = published.isna()
    return out


def read_purchasing(path: str | Path, units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Vendor spend summed by the unit each vendor is located in.

    Parameters
    ----------
    path : str or Path
        CSV with ``annual_spend_usd`` and latitude/longitude per vendor.
    units : geopandas.GeoDataFrame

    Returns
    -------
    geopandas.GeoDataFrame
        Per unit: ``spend_usd``, ``vendors``; unit polygons. Spend outside the region is
        in ``attrs["outside_usd"]``.
    """
    file = str(path)
    df = read_table(Path(path))
    spend = _number(df, "annual_spend_usd", file)
    pts = gpd.GeoDataFrame({"spend": spend}, geometry=_points(df, file), crs="EPSG:4326")
    zones = gpd.GeoDataFrame(
        {"_unit": units.index.astype(str)}, geometry=units.geometry.to_numpy(), crs=units.crs
    )
    joined = gpd.sjoin(pts, zones, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]  # a point on a shared edge
    inside = joined.dropna(subset=["_unit"])
    by = inside.groupby("_unit")["spend"].agg(["sum", "count"])
    out = units[["name", "population", "geometry"]].copy()
    out["spend_usd"] = by["sum"].reindex(out.index).fillna(0.0)
    out["vendors"] = by["count"].reindex(out.index).fillna(0).astype(int)
    out.attrs["outside_usd"] = float(spend.sum() - inside["spend"].sum())
    out.attrs["total_usd"] = float(spend.sum())
    return out


def read_spaces(path: str | Path) -> gpd.GeoDataFrame:
    """Shareable spaces (rooms, kitchens, lots) as points.

    Parameters
    ----------
    path : str or Path
        CSV with ``name``, ``space_type`` and latitude/longitude.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    file = str(path)
    df = read_table(Path(path))
    if "name" not in df.columns:
        msg = "needs a name column"
        raise InputError(msg, file=file, column="name")
    geom = _points(df, file)
    return gpd.GeoDataFrame(df.reset_index(drop=True), geometry=geom.to_numpy(), crs="EPSG:4326")


def read_anchor(
    units: gpd.GeoDataFrame,
    *,
    hospital: str | Path,
    employment: str | Path | None = None,
    purchasing: str | Path | None = None,
    space: str | Path | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
) -> Anchor:
    """Read an anchor institution's inputs and aggregate them to the study units.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Study units.
    hospital : str or Path
        CSV with the institution's ``name`` and latitude/longitude (one row per site).
    employment, purchasing, space : str or Path, optional
        See :func:`read_employment`, :func:`read_purchasing`, :func:`read_spaces`.
    min_cell : int
        Smallest employee count published.

    Returns
    -------
    Anchor
    """
    h = read_spaces(hospital)
    return Anchor(
        name=str(h["name"].iloc[0]),
        hospital=h,
        employment=read_employment(employment, units, min_cell=min_cell) if employment else None,
        purchasing=read_purchasing(purchasing, units) if purchasing else None,
        spaces=read_spaces(space) if space else None,
        min_cell=min_cell,
    )
