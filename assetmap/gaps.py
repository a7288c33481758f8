"""Gaps: units with high need and no service of a domain within reach.

A unit is a gap for a domain when its overall need percentile is at or above
``need_percentile`` (default the 75th, the top quartile, as in CDC/ATSDR SVI's "high
vulnerability" class) and no service of the domain lies within the domain's travel
threshold (``count_within == 0``). Gaps are ranked within each domain by need, then by
the population affected.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.errors import InputError

__all__ = ["GAP_COLUMNS", "find_gaps"]

GAP_COLUMNS = [
    "unit_id",
    "name",
    "domain",
    "population",
    "need_pct",
    "need_score",
    "nearest_min",
    "nearest_asset_id",
    "nearest_name",
    "threshold_min",
    "rank",
]


def find_gaps(
    units: gpd.GeoDataFrame,
    access: pd.DataFrame,
    *,
    need_percentile: float = 75.0,
    need_column: str = "need_pct",
    min_population: float = 1.0,
) -> pd.DataFrame:
    """Find units where need is high and no service of a domain is within reach.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units with a need percentile column (see :func:`assetmap.need_index`).
    access : pandas.DataFrame
        Access long table (see :func:`assetmap.access`).
    need_percentile : float
        Units at or above this percentile of need (0–100) count as high need.
    need_column : str
        Column of ``units`` holding the need percentile as a 0–1 rank.
    min_population : float
        Units with fewer residents are not gaps (parks, cemeteries, airports).

    Returns
    -------
    pandas.DataFrame
        One row per gap: ``unit_id``, ``name``, ``domain``, ``population``,
        ``need_pct``, ``need_score``, ``nearest_min`` (NaN when the domain has no service
        at all), ``nearest_asset_id``, ``nearest_name``, ``threshold_min`` and ``rank``
        (1 is the most needy gap of its domain).

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> units = am.need_index(s.units)
    >>> gaps = am.find_gaps(units, am.access(units, s.assets))
    >>> bool((gaps["need_pct"] >= 0.75).all())
    True
    """
    if not 0 <= need_percentile <= 100:
        msg = f"need_percentile must be between 0 and 100, got {need_percentile}"
        raise InputError(msg)
    if need_column not in units.columns:
        msg = f"units have no {need_column!r} column; run assetmap.need_index(units) first"
        raise InputError(msg, column=need_column)
    u = pd.DataFrame(
        {
            "name": units["name"].astype(str),
            "population": pd.to_numeric(units["population"], errors="coerce"),
            "need_pct": pd.to_numeric(units[need_column], errors="coerce"),
            "need_score": pd.to_numeric(units.get("need_score", np.nan), errors="coerce"),
        },
        index=units.index.astype(str),
    )
    high = u[(u["need_pct"] >= need_percentile / 100.0) & (u["population"] >= min_population)]
    acc = access[access["unit_id"].astype(str).isin(high.index)]
    none = acc[acc["count_within"] == 0]
    gaps = none.join(high, on="unit_id")
    gaps = gaps.sort_values(
        ["domain", "need_pct", "population", "unit_id"], ascending=[True, False, False, True]
    )
    gaps["rank"] = gaps.groupby("domain").cumcount() + 1
    return gaps[GAP_COLUMNS].reset_index(drop=True)
