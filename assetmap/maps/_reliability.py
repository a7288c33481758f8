"""What the map says about estimates it cannot vouch for, and units it does not rank.

:func:`assetmap.need_index` marks an estimate whose coefficient of variation is above the
indicator set's ``cv_max`` (``<key>_unreliable``), the indicators a ranked unit's need rests
on that are unreliable (``unreliable_indicators``) and why a unit is not ranked
(``not_ranked``: too few residents, none, no estimate). Here those columns become the
map's words and marks, every text escaped:

- an indicator's choropleth leaves its unranked units in the missing colour and hatches
  the units whose estimate is unreliable (:func:`ranked_values`, :func:`unreliable_marks`);
- a unit not ranked says why ("not ranked: fewer than 100 residents",
  :func:`not_ranked_words`);
- a unit whose ranking rests on unreliable estimates says so in its popup
  (:func:`rests_on_words`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from assetmap.maps._html import is_missing, text

__all__ = [
    "cv_words",
    "indicator_key",
    "not_ranked_words",
    "ranked_values",
    "rests_on_words",
    "unreliable_marks",
]

#: The CV above which an estimate is unreliable when the indicator set does not say.
CV_MAX = 0.30


def _indicators(indicators: Any) -> Mapping[str, Any]:
    found = getattr(indicators, "indicators", indicators)
    return found if isinstance(found, Mapping) else {}


def cv_words(indicators: Any) -> str:
    """Return the legend's words for a hatched unit, with the set's CV threshold.

    Examples
    --------
    >>> cv_words(None)
    'estimate unreliable (CV &gt; 30%)'
    """
    cv_max = float(getattr(indicators, "cv_max", CV_MAX) or CV_MAX)
    return text(f"estimate unreliable (CV > {cv_max * 100:g}%)")


def indicator_key(column: str, indicators: Any) -> str | None:
    """Return the indicator a choropleth column shows (its value or ``_pct``), else None.

    Examples
    --------
    >>> indicator_key("snap_pct", {"snap": None}), indicator_key("need_pct", {"snap": None})
    ('snap', None)
    """
    inds = _indicators(indicators)
    if column in inds:
        return column
    key = column.removesuffix("_pct")
    return key if column.endswith("_pct") and key in inds else None


def ranked_values(units: pd.DataFrame, column: str, indicators: Any) -> pd.Series:
    """Return a choropleth's values, missing where the unit is not ranked on the indicator.

    need_index keeps the estimates of units it does not rank (fewer residents than the
    set's ``min_population``), with no ``<key>_pct``; they are drawn in the missing colour,
    not classed beside the ranked ones.

    Examples
    --------
    >>> u = pd.DataFrame({"snap": [40.0, 100.0], "snap_pct": [0.5, None]})
    >>> ranked_values(u, "snap", {"snap": None}).tolist()
    [40.0, nan]
    """
    values = units[column]
    key = indicator_key(column, indicators)
    if key is None or f"{key}_pct" not in units.columns:
        return values
    return values.where(units[f"{key}_pct"].notna())


def unreliable_marks(units: pd.DataFrame, column: str, indicators: Any) -> list[int]:
    """Return 1 per unit whose estimate shown by ``column`` is unreliable, else 0.

    For the need index (``need_pct``), 1 where the unit's ranking rests on unreliable
    estimates (``unreliable_indicators``).

    Empty when the column is not an indicator or no unit of it is unreliable (nothing
    to hatch, nothing in the legend).

    Examples
    --------
    >>> u = pd.DataFrame({"snap": [40.0, 9.0], "snap_unreliable": [False, True]})
    >>> unreliable_marks(u, "snap", {"snap": None})
    [0, 1]

    On the need index, the units whose ranking rests on an unreliable estimate:

    >>> n = pd.DataFrame({"need_pct": [0.9, 0.2], "unreliable_indicators": ["", "snap"]})
    >>> unreliable_marks(n, "need_pct", {})
    [0, 1]
    """
    key = indicator_key(column, indicators)
    if column == "need_pct" and "unreliable_indicators" in units.columns:
        # the need index: a ranked unit whose ranking rests on unreliable estimates
        listed = units["unreliable_indicators"].fillna("").astype(str).str.strip()
        flags = listed != ""
    elif key is None or f"{key}_unreliable" not in units.columns:
        return []
    else:
        flags = units[f"{key}_unreliable"].fillna(False).astype(bool)
    flags &= ranked_values(units, column, indicators).notna()
    return [int(f) for f in flags] if flags.any() else []


def _labels(keys: str, indicators: Any) -> list[str]:
    inds = _indicators(indicators)
    out = []
    for key in (k.strip() for k in keys.split(",")):
        if key:
            ind = inds.get(key)
            out.append(str(getattr(ind, "label", key)) if ind is not None else key)
    return out


def _reason(value: object, indicators: Any) -> str:
    reason = "" if is_missing(value) else str(value).strip()
    head = "no estimate for "
    if reason.startswith(head):
        reason = head + "; ".join(_labels(reason.removeprefix(head), indicators))
    return reason


def not_ranked_words(units: pd.DataFrame, indicators: Any) -> list[str]:
    """Return per unit "not ranked: <why>" (escaped), ``""`` for a ranked unit.

    Indicator keys in the reason ("no estimate for snap") are given by their labels.

    Examples
    --------
    >>> u = pd.DataFrame({"not_ranked": ["", "fewer than 100 residents"]})
    >>> not_ranked_words(u, {})
    ['', 'not ranked: fewer than 100 residents']
    """
    if "not_ranked" not in units.columns:
        return [""] * len(units)
    out = []
    for value in units["not_ranked"]:
        reason = _reason(value, indicators)
        out.append(text(f"not ranked: {reason}") if reason else "")
    return out


def rests_on_words(units: pd.DataFrame, indicators: Any) -> list[str]:
    """Return per unit the sentence saying its need ranking rests on unreliable estimates.

    Examples
    --------
    >>> from assetmap.indicators import Indicator
    >>> inds = {"snap": Indicator("snap", "Households receiving SNAP")}
    >>> u = pd.DataFrame({"unreliable_indicators": ["snap", ""]})
    >>> rests_on_words(u, inds)[0]
    'Its need ranking rests on 1 unreliable estimate (CV &gt; 30%): Households receiving SNAP.'
    """
    if "unreliable_indicators" not in units.columns:
        return [""] * len(units)
    cv = cv_words(indicators).removeprefix("estimate unreliable ")
    out = []
    for value in units["unreliable_indicators"]:
        labels = [] if is_missing(value) else _labels(str(value), indicators)
        n = len(labels)
        if not n:
            out.append("")
            continue
        what = "estimate" if n == 1 else "estimates"
        out.append(
            text(f"Its need ranking rests on {n} unreliable {what}")
            + " "
            + cv
            + text(f": {'; '.join(labels)}.")
        )
    return out
