"""Need indicators from ACS estimates and the CDC/ATSDR SVI need index.

Indicators are ratios of American Community Survey estimates defined in
``layers/indicators.yml`` (or columns of the units file, such as SVI's own ``EP_``
percentages in the ``svi2020`` and ``svi2018`` presets). The need index follows the
CDC/ATSDR Social Vulnerability Index to the digit (Flanagan et al. 2011, *J Homeland
Security and Emergency Management* 8(1); CDC/ATSDR SVI 2018 and 2020 documentation):

1. each indicator is percentile-ranked across the ranked units as
   ``(rank - 1) / (N - 1)``, ties sharing the lowest rank, N counting the units with a
   value; a "lower is worse" indicator (per-capita income) gets ``1 -`` that rank; the
   result is rounded to 4 decimals (``EPL_``);
2. a theme's score is the sum of its indicators' ranks rounded to 4 decimals
   (``SPL_THEMEn``) and its rank the rounded percentile rank of that sum (``RPL_THEMEn``);
3. the overall score is the sum of the theme scores (``SPL_THEMES``) and ``need_pct``
   its rounded percentile rank (``RPL_THEMES``).

Rounding is half up, done on whole ranks so that no floating-point residue can split a
tie. A unit missing any indicator of a theme has no score for that theme nor overall (SVI's
-999). An indicator at or above the 90th percentile is *flagged*; an estimate whose
coefficient of variation exceeds ``cv_max`` (30%) is marked *unreliable*; units with no
residents, or fewer than ``min_population``, are kept with their values but not ranked.
"""

from __future__ import annotations

import logging
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

log = logging.getLogger(__name__)

#: z-score of the ACS's 90% margins of error.
Z90 = 1.645
#: Decimals of every rank and score, as CDC/ATSDR publishes them.
DECIMALS = 4


def percentile_rank(
    values: pd.Series, *, reverse: bool = False, decimals: int | None = DECIMALS
) -> pd.Series:
    """Percentile rank as in the CDC/ATSDR SVI: ``(rank - 1) / (N - 1)``, rounded.

    Ties share the minimum rank; missing values stay missing and are not counted in N.
    ``reverse`` gives ``1 - (rank - 1) / (N - 1)`` (SVI's per-capita income), which is not
    the rank of the negated values when there are ties. Rounding is half up, computed on
    the whole numbers ``rank - 1`` and ``N - 1`` so it is exact.

    Parameters
    ----------
    values : pandas.Series
        Higher value means higher rank.
    reverse : bool
        Return ``1 -`` the percentile rank.
    decimals : int or None
        Decimals to round to (4, as CDC); ``None`` leaves the ratio unrounded.

    Returns
    -------
    pandas.Series
        Values between 0 and 1 on the same index. A single value ranks 0 (1 reversed).

    Examples
    --------
    >>> percentile_rank(pd.Series([10.0, 30.0, 20.0, None])).tolist()
    [0.0, 1.0, 0.5, nan]
    >>> percentile_rank(pd.Series([1.0, 2.0, 2.0, 3.0])).tolist()
    [0.0, 0.3333, 0.3333, 1.0]
    >>> percentile_rank(pd.Series([1.0, 2.0, 2.0, 3.0]), reverse=True).tolist()
    [1.0, 0.6667, 0.6667, 0.0]
    """
    v = pd.to_numeric(values, errors="coerce").astype(float)
    out = pd.Series(np.nan, index=values.index, name=values.name)
    ok = v.notna().to_numpy()
    n = int(ok.sum())
    if n == 0:
        return out
    rank = v[ok].rank(method="min").to_numpy().astype(np.int64)
    num = (n - rank) if reverse else (rank - 1)
    den = max(n - 1, 1)
    if n == 1:
        num = np.ones_like(rank) if reverse else np.zeros_like(rank)
    if decimals is None:
        out[ok] = num / den
        return out
    scale = 10**decimals
    # round half up of num / den to `decimals`, in integers: floor((2*num*scale + den) / 2den)
    out[ok] = ((2 * num * scale + den) // (2 * den)) / scale
    return out


def _round_score(total: pd.Series) -> pd.Series:
    """Round a sum of 4-decimal ranks to 4 decimals (exact ties stay ties)."""
    scale = 10**DECIMALS
    return np.rint(total * scale) / scale


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


def _optional_column(units: pd.DataFrame, name: str | None) -> pd.Series:
    if name is None:
        return pd.Series(np.nan, index=units.index)
    if name not in units.columns:  # need_index logs the missing columns once
        return pd.Series(np.nan, index=units.index)
    return _column(units, name).clip(lower=0)


def _column_values(units: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    assert indicator.column is not None
    value = _column(units, indicator.column)
    moe = _optional_column(units, indicator.moe_column)
    cv = (moe / Z90) / value.where(value > 0)
    if indicator.cv_column is not None:
        given = _optional_column(units, indicator.cv_column)
        cv = given.where(given.notna(), cv)
    return pd.DataFrame({"value": value, "moe": moe, "cv": cv}, index=units.index)


def indicator_values(units: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """Compute one indicator with its margin of error and coefficient of variation.

    The estimate is ``sum(numerator) / sum(denominator)``. Margins of sums are the root
    of summed squared margins; the margin of the proportion ``p`` follows the ACS
    formula ``sqrt(MOE_num**2 - p**2 * MOE_den**2) / den``, falling back to the ratio
    formula (``+``) when the term under the root is negative (ACS General Handbook 2020,
    section 8). The CV is ``(MOE / 1.645) / estimate``. A column indicator takes its
    value, margin (``moe_column``) and CV (``cv_column``, else derived from the margin)
    from the units; a margin or CV column the units do not have leaves the CV unknown
    (logged), not an error, since published files often drop them.

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

    Examples
    --------
    >>> ind = Indicator("x", "X", numerator=("A",), denominator=("B",))
    >>> df = pd.DataFrame({"AE": [10.0], "AM": [5.0], "BE": [100.0], "BM": [10.0]})
    >>> indicator_values(df, ind).round(4).iloc[0].tolist()  # sqrt(25 - .01*100)/100
    [10.0, 4.899, 0.2978]
    """
    if indicator.column is not None:
        return _column_values(units, indicator)
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
    *,
    min_population: float | None = None,
) -> gpd.GeoDataFrame:
    """Add need indicators and the CDC/ATSDR SVI need index to a Units frame.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units with ACS ``<code>E`` / ``<code>M`` columns for every variable the
        indicators use, or the columns a column indicator names (SVI's ``EP_``).
    indicators : IndicatorSet, path, "default", "svi2020" or "svi2018"
        The indicator definitions; the SVI presets rank CDC/ATSDR's own ``EP_`` columns.
    min_population : float, optional
        Units with fewer residents are kept (with their values) but not ranked; by
        default the set's ``min_population`` (100 for the shipped ACS set, 0 for the SVI
        presets, which rank every tract with residents as CDC does).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``units`` with, for each indicator ``k``: ``k`` (value), ``k_moe``,
        ``k_cv``, ``k_unreliable`` (CV above the set's ``cv_max``), ``k_pct`` (percentile
        rank 0-1, oriented so higher means more need; SVI's EPL) and ``k_flag`` (at or
        above the flag percentile); for each theme ``theme_<name>`` (its RPL, 0-1);
        ``need_score`` (the sum of the theme sums, SPL_THEMES), ``need_pct`` (its
        percentile rank, RPL_THEMES), ``need_flags`` (number of flags),
        ``unreliable_count`` and ``unreliable_indicators`` (how many and which of the
        indicators a ranked unit's need rests on are unreliable; comma-separated keys) and
        ``not_ranked`` (why a unit has no ``need_pct``: no residents, fewer than
        ``min_population``, no estimate for some indicators; empty when ranked). Sets
        with ``svi_columns`` (the SVI presets) add CDC's names: ``epl_<k>``,
        ``spl_<theme>``, ``rpl_<theme>``, ``spl_themes`` and ``rpl_themes``.

    Examples
    --------
    >>> import assetmap as am
    >>> units = am.need_index(am.load_sample().units)
    >>> float(units["need_pct"].max())
    1.0
    >>> units.loc["BX2891", "not_ranked"]  # Pelham Bay Park, 57 residents
    'fewer than 100 residents'
    """
    ind = indicators if isinstance(indicators, IndicatorSet) else load_indicators(indicators)
    if not ind.indicators:
        msg = f"{ind.source}: no indicators are defined; add at least one under 'indicators:'"
        raise InputError(msg)
    min_pop = ind.min_population if min_population is None else float(min_population)
    populated, reason = _rankable(units, ind, min_pop)
    ranked = reason == ""
    _log_missing_margins(units, ind)
    cols: dict[str, pd.Series] = {}
    themes: dict[str, list[str]] = {}
    values = {k: indicator_values(units, i) for k, i in ind.indicators.items()}
    # CDC/ATSDR's method (the SVI presets) ranks only units with every variable: kept exact
    left_out = {} if ind.svi_columns else _left_out(values, populated, ind)
    for key, indicator in ind.indicators.items():
        vals = values[key]
        value = vals["value"].where(populated)
        pct = percentile_rank(value.where(ranked), reverse=indicator.direction == "lower")
        cols[key] = value
        cols[f"{key}_moe"] = vals["moe"].where(populated)
        cols[f"{key}_cv"] = vals["cv"].where(populated)
        cols[f"{key}_unreliable"] = (vals["cv"] > ind.cv_max) & populated
        cols[f"{key}_pct"] = pct
        cols[f"{key}_flag"] = (pct >= ind.flag_percentile).fillna(False)
        if ind.svi_columns:
            cols[f"epl_{key}"] = pct
        if key not in left_out:
            themes.setdefault(indicator.theme, []).append(key)
    cols.update(_scores(cols, themes, svi_columns=ind.svi_columns))
    for theme in {i.theme for i in ind.indicators.values()} - set(themes):
        cols[f"theme_{theme}"] = pd.Series(np.nan, index=units.index)  # all left out
    cols["need_flags"] = pd.concat([cols[f"{k}_flag"] for k in ind.indicators], axis=1).sum(axis=1)
    cols.update(_reliability(cols, [k for k in ind.indicators if k not in left_out], reason))
    new = pd.DataFrame(cols, index=units.index)
    new["need_flags"] = new["need_flags"].astype(int)
    kept = units.drop(columns=[c for c in new.columns if c in units.columns])
    out = pd.concat([kept, new], axis=1)
    out = gpd.GeoDataFrame(out) if isinstance(units, gpd.GeoDataFrame) else out
    out.attrs["need_left_out"] = left_out
    return out


def _left_out(
    values: dict[str, pd.DataFrame], populated: pd.Series, ind: IndicatorSet
) -> dict[str, str]:
    """Return the indicators no unit with residents has a value of, with a warning each.

    Such an indicator (a variable an older ACS period did not publish, a column left
    empty) is left out of the need index, which then ranks on the others; an indicator
    some units lack still leaves those units unranked, as CDC/ATSDR does. The SVI presets
    follow CDC exactly and leave nothing out.
    """
    if not populated.any():
        return {}
    empty = [k for k, v in values.items() if v["value"].where(populated).isna().all()]
    if len(empty) == len(values):
        return {}  # nothing to rank on: every unit says "no estimate" instead
    out: dict[str, str] = {}
    rest = len(values) - len(empty)
    for key in empty:
        label = ind.indicators[key].label
        out[key] = (
            f"{key} ({label}): no unit with residents has an estimate, so it is left out "
            f"of the need index, which ranks on the other {rest} indicators"
        )
        log.warning(out[key])
    return out


def _log_missing_margins(units: pd.DataFrame, ind: IndicatorSet) -> None:
    missing = [
        f"{k} ({c})"
        for k, i in ind.indicators.items()
        for c in (i.moe_column, i.cv_column)
        if c is not None and c not in units.columns
    ]
    if missing:
        log.warning(
            "the units have no margin-of-error or CV column for %s: their reliability is "
            "unknown (not marked unreliable)",
            ", ".join(missing),
        )


def _rankable(
    units: pd.DataFrame, ind: IndicatorSet, min_pop: float
) -> tuple[pd.Series, pd.Series]:
    """Return the units with residents, and why a unit is not ranked ("" when it is)."""
    reason = pd.Series("", index=units.index, dtype=object)
    col = next((c for c in (ind.population_column, "population") if c in units.columns), None)
    if col is None:  # no population at all: every unit counts
        return pd.Series(True, index=units.index), reason
    pop = pd.to_numeric(units[col], errors="coerce")
    reason[pop.isna()] = f"population unknown (no number in {col!r})"
    reason[pop < 0] = "negative population"
    reason[pop == 0] = "no residents"
    populated = pop.fillna(0) > 0
    reason[populated & (pop < min_pop)] = f"fewer than {min_pop:g} residents"
    return populated, reason


def _scores(
    cols: dict[str, pd.Series], themes: dict[str, list[str]], *, svi_columns: bool
) -> dict[str, pd.Series]:
    """Theme sums and ranks (SPL/RPL_THEMEn), then the overall sum and rank."""
    out: dict[str, pd.Series] = {}
    sums = []
    for theme, keys in themes.items():
        pcts = pd.concat([cols[f"{k}_pct"] for k in keys], axis=1)
        spl = _round_score(pcts.sum(axis=1, min_count=len(keys)))
        rpl = percentile_rank(spl)
        out[f"theme_{theme}"] = rpl
        if svi_columns:
            out[f"spl_{theme}"] = spl
            out[f"rpl_{theme}"] = rpl
        sums.append(spl)
    out["need_score"] = _round_score(pd.concat(sums, axis=1).sum(axis=1, min_count=len(sums)))
    out["need_pct"] = percentile_rank(out["need_score"])
    if svi_columns:
        out["spl_themes"] = out["need_score"]
        out["rpl_themes"] = out["need_pct"]
    return out


def _reliability(
    cols: dict[str, pd.Series], keys: list[str], reason: pd.Series
) -> dict[str, pd.Series]:
    """Unreliable estimates a ranked unit rests on, and why the others are not ranked."""
    ranked = cols["need_pct"].notna()
    index = ranked.index
    unreliable = np.column_stack([cols[f"{k}_unreliable"].to_numpy(dtype=bool) for k in keys])
    missing = np.column_stack([cols[k].isna().to_numpy() for k in keys])
    names = np.array(keys, dtype=object)
    listed = [", ".join(names[row]) if r else "" for row, r in zip(unreliable, ranked, strict=True)]
    reason = reason.copy()
    lacking = ((reason == "") & ~ranked).to_numpy()
    reason[lacking] = ["no estimate for " + ", ".join(names[row]) for row in missing[lacking]]
    return {
        "unreliable_count": pd.Series(np.where(ranked, unreliable.sum(axis=1), 0), index=index),
        "unreliable_indicators": pd.Series(listed, index=index, dtype=object),
        "not_ranked": reason,
    }
