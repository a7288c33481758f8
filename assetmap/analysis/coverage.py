"""Residents by the number of providers within reach, per domain, split by need.

The table behind "residents with no provider within reach" and "duplicated service where
it is least needed"; :mod:`assetmap.analysis.overlap` re-exports it.

Given the study's travel context with population points, residents are counted where they
live: each point's residents by the number of providers within reach of that point, so a
neighbourhood can be part reached, part not. The same table gives, per domain, the median
nearest: the travel time that half of the residents live within, taken over the points
(each point's time to its nearest service, as access measured it, weighted by its
residents), not over the neighbourhoods' averages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.analysis.summary import weighted_median

if TYPE_CHECKING:
    from assetmap.analysis.context import TravelContext

__all__ = ["COVERAGE_COLUMNS", "median_nearest", "provider_coverage"]

COVERAGE_COLUMNS = [
    "domain",
    "threshold_min",
    "population",
    "pop_0",
    "pop_1",
    "pop_2plus",
    "pop_3plus",
    "need_pop",
    "need_pop_0",
    "need_pop_2plus",
    "low_need_pop_2plus",
    "median_nearest_min",
]


def provider_coverage(
    units: gpd.GeoDataFrame,
    access: pd.DataFrame,
    *,
    need_percentile: float = 75.0,
    need_column: str = "need_pct",
    context: TravelContext | None = None,
) -> pd.DataFrame:
    """Residents by number of providers within reach, per domain, against need.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units with population (and the need column for the need split).
    access : pandas.DataFrame
        Access long table (``count_within`` at each domain's threshold).
    need_percentile : float
        Units at or above this need percentile (0–100) are "high need".
    need_column : str
    context : TravelContext, optional
        The travel context ``access`` was measured with; when it has population points
        (:attr:`~assetmap.analysis.context.TravelContext.has_points`) the residents of
        each point are counted by the providers within reach of that point, at the
        access table's thresholds. Without it, or without points, each unit's residents
        count by its ``count_within``.

    Returns
    -------
    pandas.DataFrame
        :data:`COVERAGE_COLUMNS`, one row per domain: ``population``, the residents whose
        travel was measured (all, except on a street network those at points or units
        farther than ``max_snap_m`` from the graph); among them, residents with no provider
        within the threshold (``pop_0``), one, two or more, three or more; the same for high-need
        units (``need_pop``, ``need_pop_0``, ``need_pop_2plus``) and ``low_need_pop_2plus``
        (residents below the need line with two or more providers: duplicated service where
        it is least needed). ``population - pop_0`` are the residents with a service within
        reach. ``median_nearest_min``: the population-weighted median of the travel time to
        the nearest service (:func:`median_nearest`), NaN for a domain not assessed.

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> units = am.need_index(s.units)
    >>> cov = provider_coverage(units, am.access(units, s.assets))
    >>> bool((cov["pop_0"] + cov["pop_1"] + cov["pop_2plus"] == cov["population"]).all())
    True
    """
    pop = pd.to_numeric(units["population"], errors="coerce").fillna(0)
    pop.index = units.index.astype(str)
    need = (
        pd.to_numeric(units[need_column], errors="coerce").set_axis(pop.index)
        if need_column in units.columns
        else pd.Series(np.nan, index=pop.index)
    )
    high = (need >= need_percentile / 100.0).to_numpy()
    known = ~np.isnan(need.to_numpy())
    p = pop.to_numpy()
    points = context is not None and context.has_points
    if context is not None and points:
        at = context.point_unit
        p, high, known = context.point_population, high[at], known[at]
    p_all = p
    rows = []
    for key, grp in access.groupby("domain", sort=False):
        g = grp.set_index("unit_id").reindex(pop.index)
        c = g["count_within"].fillna(0).to_numpy()
        if context is not None and points:
            c = _point_counts(context, str(key), g)
            off = context.engine.o_status == "off_network"
        else:
            no = np.zeros(len(c), dtype=bool)
            off = (g["status"] == "off_network").to_numpy() if "status" in g else no
        p = np.where(off, 0.0, p_all)  # off the street network: travel not measured
        median = median_nearest(g, context=context, key=str(key), weights=pop.to_numpy())
        rows.append(
            {
                "domain": key,
                "threshold_min": float(g["threshold_min"].dropna().iloc[0])
                if g["threshold_min"].notna().any()
                else np.nan,
                "population": p.sum(),
                "pop_0": p[c == 0].sum(),
                "pop_1": p[c == 1].sum(),
                "pop_2plus": p[c >= 2].sum(),
                "pop_3plus": p[c >= 3].sum(),
                "need_pop": p[high].sum(),
                "need_pop_0": p[high & (c == 0)].sum(),
                "need_pop_2plus": p[high & (c >= 2)].sum(),
                "low_need_pop_2plus": p[~high & (c >= 2) & known].sum(),
                "median_nearest_min": median,
            }
        )
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)


def _point_counts(context: TravelContext, key: str, rows: pd.DataFrame) -> np.ndarray:
    """Count the providers within reach of each point (0 where the domain is not assessed)."""
    m = len(context.point_unit)
    status = rows["status"] if "status" in rows.columns else pd.Series("ok", index=rows.index)
    t = pd.to_numeric(rows["threshold_min"], errors="coerce").dropna()
    if not len(t) or not status.isin(["ok", "unreachable"]).any():
        return np.zeros(m, np.int64)
    oi, _, _ = context.pairs(key, float(t.iloc[0]))
    return np.bincount(oi, minlength=m).astype(np.int64)


def median_nearest(
    rows: pd.DataFrame,
    *,
    context: TravelContext | None = None,
    key: str | None = None,
    weights: np.ndarray | None = None,
) -> float:
    """Return one domain's median nearest: half of the residents live within this time.

    The population-weighted median (:func:`assetmap.analysis.summary.weighted_median`) of
    the travel time to the nearest service of the domain, over the places residents are
    counted at: with a travel context, its points (population points, or one origin per
    unit without them), each point's time as access measured it
    (:meth:`~assetmap.analysis.context.TravelContext.nearest`, computed once) weighted by
    its residents; points the street network connects to no service count as farthest,
    points off the network (their time unknown) do not count. Without a context, each
    unit's ``nearest_min`` weighted by its population (the same when each unit is one
    origin; with population points it would weigh the units' averages instead).

    Parameters
    ----------
    rows : pandas.DataFrame
        The access rows of one domain (``nearest_min``, ``status``), one per unit in the
        context's unit order.
    context : TravelContext, optional
    key : str, optional
        The domain; needed with ``context``.
    weights : numpy.ndarray, optional
        Residents per unit, used without a context (each unit counts 1 when omitted).

    Returns
    -------
    float
        Minutes; NaN when the domain is not assessed, or more than half of the residents
        reach no service.

    Examples
    --------
    >>> rows = pd.DataFrame({"nearest_min": [4.0, 12.0, 30.0], "status": "ok"})
    >>> median_nearest(rows, weights=np.array([100.0, 300.0, 100.0]))
    12.0
    """
    status = rows["status"] if "status" in rows.columns else pd.Series("ok", index=rows.index)
    if not status.isin(["ok", "unreachable"]).any():
        return float("nan")
    if context is not None and key is not None:
        _, t, _ = context.nearest(key)
        w = np.where(context.engine.o_status == "off_network", 0.0, context.point_population)
        return weighted_median(t, w)
    w = np.ones(len(rows)) if weights is None else np.asarray(weights, float)
    t = pd.to_numeric(rows["nearest_min"], errors="coerce").to_numpy(float)
    return weighted_median(t, np.where(status.isin(["ok", "unreachable"]), w, 0.0))
