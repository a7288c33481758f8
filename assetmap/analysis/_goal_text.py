"""The sentences of the goals table: each goal's value now, target and status in words.

One sentence per goal for the report and the map panel, e.g. "78% of residents of
high-need neighbourhoods are within a 15-minute walk of a food service; the goal is 80% by
2027 (baseline 71% in 2023): on track." (:func:`assetmap.analysis.goals.measure_goals`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assetmap.analysis.goals import Goal
    from assetmap.atlas import Atlas

__all__ = ["percent", "sentence", "value_text"]

#: What each anchor measure's share is of, for the sentence.
_ANCHOR_PHRASES = {
    "employees_high_need": "of employees living in the region live in high-need neighbourhoods",
    "new_hires_high_need": "of new hires living in the region live in high-need neighbourhoods",
    "spend_high_need": "of vendor spend in the region goes to vendors in high-need neighbourhoods",
    "investment_high_need": (
        "of place-based investment in the region is in high-need neighbourhoods"
    ),
}


def percent(value: float, target: float | None = None) -> str:
    """Write a share as a percent: whole, unless that would read as the target it misses.

    Examples
    --------
    >>> percent(0.78), percent(0.255), percent(0.796, target=0.8), percent(0.8, target=0.8)
    ('78%', '25.5%', '79.6%', '80%')
    """
    whole = f"{value * 100:.0f}%"
    if target is not None and value != target and whole == f"{target * 100:.0f}%":
        return f"{value * 100:.1f}%"
    if target is None and abs(value * 100 - round(value * 100)) > 1e-9:
        return f"{value * 100:.1f}%".replace(".0%", "%")
    return whole


def value_text(goal: Goal, value: float, *, target: bool = False) -> str:
    """Write a goal's value: a count of gaps, else a percent (``target``: the goal's own).

    Examples
    --------
    >>> from assetmap.analysis.goals import Goal
    >>> value_text(Goal("Hiring", "new_hires_high_need", 0.25, 2027), 0.2496)
    '25.0%'
    >>> value_text(Goal("Fewer gaps", "gaps", 5, 2027), 7.0)
    '7'
    """
    if goal.measure == "gaps":
        return f"{value:.0f}"
    return percent(value, None if target else goal.target)


def _label(atlas: Atlas, domain: str | None) -> str:
    d = atlas.domains.get(domain) if domain is not None else None
    return str(d.label).lower() if d is not None else str(domain).replace("_", " ")


def _what(goal: Goal, now: float, atlas: Atlas) -> str:
    """Say the measure's value now, in words: the sentence's opening."""
    v = value_text(goal, now)
    if goal.measure == "reach":
        acc = atlas.access
        mins = acc.loc[acc["domain"].astype(str) == goal.domain, "threshold_min"].dropna()
        d = atlas.domains.get(str(goal.domain))
        minutes = float(mins.iloc[0]) if len(mins) else float(getattr(d, "threshold_min", 15))
        params = atlas.provenance.get("parameters", {}) if atlas.provenance else {}
        travel = params.get("travel", {}) if isinstance(params, dict) else {}
        how = "drive" if isinstance(travel, dict) and travel.get("mode") == "drive" else "walk"
        label = _label(atlas, goal.domain)
        article = "an" if label[:1] in "aeiou" else "a"
        return (
            f"{v} of residents of high-need neighbourhoods are within a {minutes:g}-minute "
            f"{how} of {article} {label} service"
        )
    if goal.measure == "gaps":
        one = now == 1
        kind = f"{_label(atlas, goal.domain)} " if goal.domain else ""
        rest = "" if goal.domain else " across all domains"
        return f"{v} {kind}gap{'' if one else 's'} remain{'s' if one else ''}{rest}"
    return f"{v} {_ANCHOR_PHRASES[goal.measure]}"


def sentence(goal: Goal, row: dict[str, Any], atlas: Atlas) -> str:
    """Say a measured goal in one sentence, for the report and the map panel.

    ``row`` is the goal's row of :func:`assetmap.analysis.goals.measure_goals` so far
    (``now``, ``baseline``, ``baseline_year``, ``status``, ``note``).
    """
    if goal.measure == "gaps":
        aim = "none" if goal.target == 0 else f"at most {goal.target:.0f}"
    else:
        aim = percent(goal.target)
    aim = f"the goal is {aim} by {goal.by}"
    if row["status"] == "not measured":
        return f"{goal.name}: not measured ({row['note']}); {aim}."
    base = row["baseline"]
    if not math.isnan(base):
        when = "" if row["baseline_year"] is None else f" in {row['baseline_year']}"
        aim += f" (baseline {value_text(goal, base, target=True)}{when})"
    end = "no baseline to judge progress by" if row["status"] == "no baseline" else row["status"]
    return f"{_what(goal, row['now'], atlas)}; {aim}: {end}."
