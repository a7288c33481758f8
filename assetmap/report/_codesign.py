"""The report's co-design facts: who could close each gap, and the shared goals.

Internal to :mod:`assetmap.report`. Rows and sentences of plain text (the templates
escape them); a large study is summarised (the organisations to call first, the first
gaps of each domain), the full tables being ``partners.csv`` and ``goals.csv``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from assetmap.report._format import fmt_int

if TYPE_CHECKING:
    from assetmap.atlas import Atlas

__all__ = ["goal_rows", "partner_facts"]

#: Organisations listed under "Call first", and gaps listed per domain, in the report.
FIRST_ROWS = 10
GAPS_PER_DOMAIN = 8
CANDIDATES_PER_GAP = 3


def _share(value: object, measure: str) -> str:
    x = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if pd.isna(x):
        return "—"
    return fmt_int(x) if measure == "gaps" else f"{100 * x:.0f}%"


def _labelled(atlas: Atlas, gaps: str) -> str:
    """Write each gap's domain key as its label ("West Farms (food)" → "(Food)")."""
    for key, dom in atlas.domains.items():
        gaps = gaps.replace(f"({key})", f"({dom.label})")
    return gaps


def partner_facts(atlas: Atlas) -> dict[str, Any]:
    """Return the organisations to call first and, per domain, each gap's candidates."""
    from assetmap.analysis.partners import partner_summary

    p = atlas.partners
    if p is None or p.empty:
        return {"first": [], "domains": [], "more_first": 0}
    first = partner_summary(p)
    rows = [
        {
            "organisation": str(r.organisation),
            "gaps": fmt_int(r.gaps),
            "residents": fmt_int(r.residents),
            "kinds": str(r.kinds),
            "where": _labelled(atlas, str(r.gap_list)),
        }
        for r in first.head(FIRST_ROWS).itertuples()
    ]
    domains = []
    for key, part in p.groupby("domain", sort=False):
        label = atlas.domains[str(key)].label if str(key) in atlas.domains else str(key)
        gaps = list(dict.fromkeys(part["unit_id"]))
        items = []
        for uid in gaps[:GAPS_PER_DOMAIN]:
            mine = part[part["unit_id"] == uid].sort_values("rank").head(CANDIDATES_PER_GAP)
            items.append(
                {
                    "unit": str(mine["unit_name"].iloc[0]),
                    "reasons": [str(r) for r in mine["reason"]],
                }
            )
        domains.append({"label": label, "gaps": items, "more": max(0, len(gaps) - GAPS_PER_DOMAIN)})
    return {"first": rows, "domains": domains, "more_first": max(0, len(first) - FIRST_ROWS)}


def goal_rows(atlas: Atlas) -> list[dict[str, str]]:
    """Return one row per shared goal: name, baseline, now, target, status, sentence."""
    g = atlas.goals
    if g is None or g.empty:
        return []
    return [
        {
            "name": str(r.name),
            "baseline": _share(r.baseline, str(r.measure)),
            "now": _share(r.now, str(r.measure)),
            "target": _share(r.target, str(r.measure)),
            "by": str(r.by),
            "status": str(r.status),
            "sentence": str(r.sentence),
        }
        for r in g.itertuples()
    ]
