"""Need indicators from ACS estimates and an SVI-style need index.

Indicators are ratios of American Community Survey estimates defined in
``layers/indicators.yml``. The need index follows the CDC/ATSDR Social Vulnerability Index
(Flanagan et al. 2011, *J Homeland Security and Emergency Management* 8(1); CDC/ATSDR SVI
2022 documentation): each indicator is percentile-ranked across units as
``(rank - 1) / (N - 1)``, ranks are summed within each theme and the sums ranked again,
then the theme sums are added and ranked for the overall index. An indicator at or above
the 90th percentile is *flagged*; an estimate whose coefficient of variation exceeds 30%
is marked *unreliable*.

The overall score is the sum of the theme sums (every indicator's rank added up), as
in the SVI; ``need_pct`` is its percentile rank.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.errors import InputError
from assetmap.indicators import MISSING_CODES, Indicator, IndicatorSet, load_indicators

__all__ = [
    "Indicator",
    "indicator_values",
    "load_indicators",
    "need_index",
    "percentile_rank",
]

#: z-score of the ACS's 90% margins of error.
Z90 = 1.645


def percentile_rank(values: pd.Series) -> pd.Series:
    """Percentile rank as in the CDC/ATSDR SVI: ``(rank - 1) / (N - 1)``.

    Ties share the minimum rank, missing values stay missing and are not counted in N.

    Parameters
    ----------
    values : pandas.Series
        Higher value means higher rank.

    Returns
    -------
    pandas.Series
        Values between 0 and 1 on the same index.

    Examples
    --------
    >>> percentile_rank(pd.Series([10.0, 30.0, 20.0, None])).tolist()
    [0.0, 1.0, 0.5, nan]
    """
    v = pd.to_numeric(values, errors="coerce").astype(float)
    n = int(v.notna().sum())
    ranks = v.rank(method="min")
    if n <= 1:
        return (ranks * 0.0).rename(values.name)
    return ((ranks - 1.0) / (n - 1.0)).rename(values.name)


def _column(units: pd.DataFrame, name: str, source: str = "layers/indicators.yml") -> pd.Series:
    if name not in units.columns:
        msg = (
            f"column {name!r} is missing from the units table; it is needed by "
            f"{source} (fetch ACS data with `assetmap fetch`, or edit the indicators: an "
            "indicator can also be a column of your units file, `column: NAME`)"
        )
        raise InputError(msg, column=name)
    v = pd.to_numeric(units[name], errors="coerce").astype(float)
    return v.where(~v.isin(MISSING_CODES))


def indicator_values(units: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """Compute one indicator with its margin of error and coefficient of variation.

    The estimate is ``sum(numerator) / sum(denominator)``. Margins of sums are the root
    of summed squared margins; the margin of the proportion ``p`` follows the ACS
    formula ``sqrt(MOE_num**2 - p**2 * MOE_den**2) / den``, falling back to the ratio
    formula (``+``) when the term under the root is negative (ACS General Handbook 2020,
    section 8). The CV is ``(MOE / 1.645) / estimate``.

    Parameters
    ----------
    units : pandas.DataFrame
        Must hold ``<code>E`` estimate columns, and ``<code>M`` margins when available.
    indicator : Indicator

    Returns
    -------
    pandas.DataFrame
        Columns ``value`` (percent when ``unit == "percent"``), ``moe`` (same scale) and
        ``cv``, on the units' index. Units whose denominator is zero or missing get NaN.
    """
    if indicator.column is not None:
        value = _column(units, indicator.column)
        if indicator.moe_column is not None:
            moe = _column(units, indicator.moe_column).clip(lower=0)
            cv = (moe / Z90) / value.where(value > 0)
        else:
            moe = pd.Series(np.nan, index=units.index)
            cv = pd.Series(np.nan, index=units.index)
        return pd.DataFrame({"value": value, "moe": moe, "cv": cv}, index=units.index)
    num = sum(_column(units, f"{c}E") for c in indicator.numerator)
    den = sum(_column(units, f"{c}E") for c in indicator.denominator)
    assert isinstance(num, pd.Series)
    assert isinstance(den, pd.Series)
    has_moe = all(f"{c}M" in units.columns for c in indicator.variables)
    den = den.where(den > 0)
    p = num / den
    if has_moe:
        m_num = np.sqrt(
            sum(_column(units, f"{c}M").clip(lower=0) ** 2 for c in indicator.numerator)
        )
        m_den = np.sqrt(
            sum(_column(units, f"{c}M").clip(lower=0) ** 2 for c in indicator.denominator)
        )
        under = m_num**2 - p**2 * m_den**2
        under = under.where(under >= 0, m_num**2 + p**2 * m_den**2)
        moe = np.sqrt(under) / den
        cv = (moe / Z90) / p.where(p > 0)
    else:
        moe = pd.Series(np.nan, index=units.index)
        cv = pd.Series(np.nan, index=units.index)
    scale = 100.0 if indicator.unit == "percent" else 1.0
    return pd.DataFrame({"value": p * scale, "moe": moe * scale, "cv": cv}, index=units.index)


def need_index(
    units: gpd.GeoDataFrame,
    indicators: IndicatorSet | str | Path | None = "default",
) -> gpd.GeoDataFrame:
    """Add need indicators and an SVI-style need index to a Units frame.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units with ACS ``<code>E`` / ``<code>M`` columns for every variable the
        indicators use.
    indicators : IndicatorSet, path or "default"
        The indicator definitions.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``units`` with, for each indicator ``k``: ``k`` (value), ``k_moe``,
        ``k_cv``, ``k_unreliable`` (CV above the set's ``cv_max``), ``k_pct`` (percentile
        rank 0–1, oriented so higher means more need) and ``k_flag`` (at or above the
        flag percentile); for each theme ``theme_<name>`` (0–1); ``need_score`` (sum of
        the theme sums), ``need_pct`` (its percentile rank, 0–1) and ``need_flags`` (number
        of flags). Units without population or data get NaN ranks and are left out of
        the ranking.

    Examples
    --------
    >>> import assetmap as am
    >>> units = am.need_index(am.load_sample().units)
    >>> float(units["need_pct"].max())
    1.0
    """
    ind = indicators if isinstance(indicators, IndicatorSet) else load_indicators(indicators)
    out = units.copy()
    populated = (
        pd.to_numeric(out["population"], errors="coerce").fillna(0) > 0
        if "population" in out.columns
        else pd.Series(True, index=out.index)
    )
    pct_cols: dict[str, list[str]] = {}
    for key, indicator in ind.indicators.items():
        vals = indicator_values(out, indicator)
        value = vals["value"].where(populated)
        out[key] = value
        out[f"{key}_moe"] = vals["moe"].where(populated)
        out[f"{key}_cv"] = vals["cv"].where(populated)
        out[f"{key}_unreliable"] = (vals["cv"] > ind.cv_max).fillna(False) & populated
        oriented = value if indicator.direction == "higher" else -value
        pct = percentile_rank(oriented)
        out[f"{key}_pct"] = pct
        out[f"{key}_flag"] = (pct >= ind.flag_percentile).fillna(False)
        pct_cols.setdefault(indicator.theme, []).append(f"{key}_pct")
    theme_sums = []
    for theme, cols in pct_cols.items():
        total = out[cols].sum(axis=1, min_count=len(cols))
        out[f"theme_{theme}"] = percentile_rank(total)
        theme_sums.append(total)
    # SVI overall: the sum of the theme sums (i.e. of every indicator's rank), ranked.
    out["need_score"] = pd.concat(theme_sums, axis=1).sum(axis=1, min_count=len(theme_sums))
    out["need_pct"] = percentile_rank(out["need_score"])
    out["need_flags"] = out[[f"{k}_flag" for k in ind.indicators]].sum(axis=1).astype(int)
    return out
