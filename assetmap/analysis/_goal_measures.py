"""The measures of shared goals on an Atlas (see :mod:`assetmap.analysis.goals`).

Each returns the value (NaN when it cannot be measured) and a note saying why not, or
what the figure leaves out. Vectorised over the access table's rows of one domain.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from assetmap.analysis.goals import Goal
    from assetmap.atlas import Atlas

__all__ = ["ANCHOR_MEASURES", "anchor_share", "gap_count", "goal_value", "reach_share", "run_year"]

#: Goal measures on the hospital's anchor alignment, and the alignment measure each reads.
ANCHOR_MEASURES = {
    "employees_high_need": "employees",
    "new_hires_high_need": "new_hires",
    "spend_high_need": "spend_usd",
    "investment_high_need": "investment_usd",
}


def _need_percentile(atlas: Atlas) -> float:
    params = atlas.provenance.get("parameters") if isinstance(atlas.provenance, dict) else None
    value = params.get("need_percentile") if isinstance(params, dict) else None
    return float(value) if isinstance(value, int | float) else 75.0


def run_year(atlas: Atlas) -> int | None:
    """Return the year of the Atlas's run date (provenance ``run.run_at``), when it has one."""
    run = atlas.provenance.get("run") if isinstance(atlas.provenance, dict) else None
    when = run.get("run_at") if isinstance(run, dict) else None
    m = re.match(r"(\d{4})-", str(when or ""))
    return int(m.group(1)) if m else None


def _column(frame: pd.DataFrame, name: str, default: float = np.nan) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), default)
    out: np.ndarray = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    return out


def reach_share(atlas: Atlas, domain: str) -> tuple[float, str]:
    """Share of residents of high-need units within reach of ``domain`` (NaN and why)."""
    acc = atlas.access
    if "domain" not in acc.columns or "unit_id" not in acc.columns:
        return np.nan, "the build has no access table"
    rows = acc[acc["domain"].astype(str) == domain]
    status = rows["status"].astype(str) if "status" in rows.columns else None
    if rows.empty or (status is not None and (status == "not_assessed").all()):
        return np.nan, f"{domain} is not assessed: too few services in the inventory"
    units = atlas.units
    if "need_pct" not in units.columns:
        return np.nan, "the units have no need index (need_pct)"
    ids = pd.Index(rows["unit_id"].astype(str))
    key = units.index.astype(str)
    need = pd.to_numeric(units["need_pct"], errors="coerce").set_axis(key).reindex(ids)
    if "population" in rows.columns:
        pop = _column(rows, "population", 0.0)
    else:
        upop = pd.to_numeric(units["population"], errors="coerce").set_axis(key)
        pop = upop.reindex(ids).to_numpy(dtype=float)
    pop = np.nan_to_num(pop)
    high = (need.to_numpy() >= _need_percentile(atlas) / 100.0) & (pop > 0)
    if status is not None:
        high &= (status != "not_assessed").to_numpy()
    off = np.nan_to_num(_column(rows, "population_off_network", 0.0))
    measured = np.clip(pop - off, 0.0, None)
    beyond = _column(rows, "population_beyond")
    none_within = _column(rows, "count_within", np.nan) == 0
    beyond = np.where(np.isnan(beyond), np.where(none_within, measured, 0.0), beyond)
    beyond = np.clip(beyond, 0.0, measured)
    total = float(measured[high].sum())
    if total <= 0:
        return np.nan, "no resident of a high-need neighbourhood had travel measured"
    return (total - float(beyond[high].sum())) / total, ""


def gap_count(atlas: Atlas, domain: str | None) -> tuple[float, str]:
    """Count the gaps of ``domain`` (every domain when None), NaN when not assessed."""
    gaps = atlas.gaps
    if domain is None:
        return float(len(gaps)), ""
    acc = atlas.access
    if "domain" in acc.columns:
        status = acc.loc[acc["domain"].astype(str) == domain, "status"]
        if status.empty or (status.astype(str) == "not_assessed").all():
            return np.nan, f"{domain} is not assessed: too few services in the inventory"
    if "domain" not in gaps.columns:
        return 0.0, ""
    return float((gaps["domain"].astype(str) == domain).sum()), ""


def anchor_share(atlas: Atlas, measure: str) -> tuple[float, str]:
    """Return the anchor alignment's published share in high-need units, and a note."""
    what = ANCHOR_MEASURES[measure].removesuffix("_usd").replace("_", " ")
    anchor = atlas.anchor
    table = getattr(anchor, "alignment", None) if anchor is not None else None
    if table is None or "measure" not in table.columns:
        return np.nan, "the build has no hospital data (anchor:)"
    row = table[table["measure"] == ANCHOR_MEASURES[measure]]
    if row.empty:
        return np.nan, f"the hospital's data have no {what} figures"
    share = float(row["share_high_need"].iloc[0])
    if math.isnan(share):
        return np.nan, f"no published {what} figure in the region (none, or all hidden)"
    hidden = int(row["units_hidden"].iloc[0]) if "units_hidden" in row.columns else 0
    note = f"{hidden} neighbourhoods with hidden small counts are left out" if hidden else ""
    return share, note


def goal_value(goal: Goal, atlas: Atlas) -> tuple[float, str]:
    """Measure one goal on an Atlas: the value (NaN when not measured) and why not."""
    if goal.measure == "reach":
        return reach_share(atlas, str(goal.domain))
    if goal.measure == "gaps":
        return gap_count(atlas, goal.domain)
    return anchor_share(atlas, goal.measure)
