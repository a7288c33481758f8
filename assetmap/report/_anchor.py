"""The report's part on the hospital's own assets ("What the hospital brings").

Employee counts appear only as published (small cells suppressed, see
:mod:`assetmap.anchor.privacy`). Internal to :mod:`assetmap.report.build`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assetmap.report._format import fmt_int, fmt_pct

if TYPE_CHECKING:
    from assetmap.atlas import Atlas

__all__ = ["anchor_facts", "hospital_near"]


def hospital_near(atlas: Atlas, domain: str) -> dict[str, Any] | None:
    """List the hospital's shareable spaces within reach of this domain's gaps."""
    a = atlas.anchor
    if a is None or a.spaces is None or not len(atlas.gaps[atlas.gaps["domain"] == domain]):
        return None
    near = a.spaces_near_gaps
    rows = near[near["domain"] == domain] if near is not None and len(near) else near
    items = []
    if rows is not None and len(rows):
        for space, g in rows.groupby("space_name", sort=False):
            units = ", ".join(
                f"{r.name} ({r.walk_min:.0f} min away)"
                for r in g.sort_values("walk_min").itertuples()
            )
            first = g.iloc[0]
            items.append(
                {
                    "space": str(space),
                    "type": str(first["space_type"]),
                    "availability": str(first["availability"]),
                    "units": units,
                }
            )
    return {"hospital": str(a.name), "spaces": items}


def anchor_facts(atlas: Atlas, high_need: pd.Series, pop: pd.Series) -> dict[str, Any] | None:
    """Facts of "What the hospital brings"; employee counts only as published."""
    from assetmap.anchor.measures import alignment

    a = atlas.anchor
    if a is None:
        return None
    need_p = float(atlas.provenance.get("parameters", {}).get("need_percentile", 75))
    al = (
        a.alignment
        if a.alignment is not None
        else alignment(a, atlas.units, need_percentile=need_p)
    )
    facts: dict[str, Any] = {"name": a.name, "min_cell": a.min_cell, "items": []}
    for r in al.itertuples():
        facts["items"].append(
            {
                "measure": str(r.label),
                "value": fmt_pct(100 * r.share_high_need),
                "versus": fmt_pct(100 * r.population_share),
                "ratio": f"{r.ratio:.2f}" if np.isfinite(r.ratio) else "—",
                "note": _alignment_note(a, r),
            }
        )
    placed = a.summary.get("employment", {}).get("placed", {})
    facts["placement"] = (
        "Home places given by ZIP code are spread over neighbourhoods by the share of each "
        "ZIP code's residents living in each (a population-weighted ZCTA crosswalk), in "
        "whole persons."
        if placed.get("zip")
        else ""
    )
    facts["workforce"] = _workforce_rows(a)
    groups = a.employment_totals
    facts["group_by"] = (
        str(groups["group_by"].iloc[0]).replace("_", " ").capitalize()
        if groups is not None and len(groups) > 1
        else ""
    )
    facts["money"] = _money_rows(a)
    facts["positions"] = [
        {"site": str(r.site), "n": fmt_int(r.open_positions), "families": str(r.by_job_family)}
        for r in (a.positions.itertuples() if a.positions is not None else [])
    ]
    near = a.spaces_near_gaps
    facts["near_gaps"] = [
        {
            "unit": f"{r.name} ({r.unit_id})",
            "domain": atlas.domains[r.domain].label if r.domain in atlas.domains else r.domain,
            "space": str(r.space_name),
            "type": str(r.space_type),
            "walk": f"{r.walk_min:.0f} of {r.threshold_min:g} min",
            "availability": str(r.availability),
        }
        for r in (near.itertuples() if near is not None else [])
    ]
    facts["screening"] = screening_facts(atlas)
    facts["spaces"] = []  # every key always present: a template never meets an absent one
    if a.spaces is not None:
        facts["spaces"] = [
            {
                "name": str(r.get("name", "")),
                "type": str(r.get("space_type", "")),
                "capacity": fmt_int(pd.to_numeric(r.get("capacity"), errors="coerce")),
                "hosts": ", ".join(
                    atlas.domains[k].label if k in atlas.domains else k
                    for k in str(r.get("hosts", "") or "").split("; ")
                    if k
                ),
            }
            for _, r in a.spaces.iterrows()
        ]
    return facts


def _alignment_note(a: Any, r: Any) -> str:
    if r.measure in ("employees", "new_hires"):
        who = "employees" if r.measure == "employees" else "new hires"
        note = f"{fmt_int(r.in_region)} {who} in neighbourhoods with published counts"
        if r.units_hidden:
            note += f"; {r.units_hidden} neighbourhoods hidden for privacy and left out"
        if np.isfinite(r.outside_region):
            note += f"; {fmt_int(r.outside_region)} live outside the region"
        return note
    if r.measure == "spend_usd":
        total = float(a.summary.get("purchasing", {}).get("total_usd", r.in_region))
        return (
            f"of ${r.in_region:,.0f} spent with vendors in the region "
            f"({fmt_pct(100 * r.in_region / total) if total else '—'} of ${total:,.0f})"
        )
    n = a.summary.get("investment", {}).get("investments")
    return f"of ${r.in_region:,.0f} invested in the region" + (f" ({n} investments)" if n else "")


def _workforce_rows(a: Any) -> list[dict[str, str]]:
    t = a.employment_totals
    if t is None:
        return []

    def shown(row: Any, m: str) -> str:
        if m not in t.columns:
            return ""
        return "hidden" if bool(row[f"{m}_suppressed"]) else fmt_int(float(row[m]))

    return [
        {
            "group": "All" if r["group"] == "all" else str(r["group"]),
            "employees": shown(r, "employees"),
            "new_hires": shown(r, "new_hires"),
        }
        for _, r in t.iterrows()
    ]


def _money_rows(a: Any) -> list[dict[str, str]]:
    rows = []
    p = a.summary.get("purchasing")
    if p:
        total = float(p["total_usd"]) or np.nan
        for key, label in (
            ("local_spend", "Spend with vendors flagged local"),
            ("minority_owned_spend", "Spend with minority-owned vendors"),
            ("women_owned_spend", "Spend with women-owned vendors"),
        ):
            if f"{key}_total_usd" in p:
                v = float(p[f"{key}_total_usd"])
                rows.append({"what": label, "usd": f"${v:,.0f}", "share": fmt_pct(100 * v / total)})
        for cat, v in list(p.get("by_category", {}).items())[:5]:
            rows.append(
                {
                    "what": f"Spend in the region: {cat}",
                    "usd": f"${v:,.0f}",
                    "share": fmt_pct(100 * v / total),
                }
            )
    inv = a.summary.get("investment")
    if inv:
        total = float(inv["total_usd"]) or np.nan
        for kind, v in inv.get("by_type", {}).items():
            rows.append(
                {
                    "what": f"Investment in the region: {kind}",
                    "usd": f"${v:,.0f}",
                    "share": fmt_pct(100 * v / total),
                }
            )
    return rows


def _label_of(atlas: Atlas, key: object) -> str:
    k = str(key)
    return atlas.domains[k].label if k in atlas.domains else k


def screening_facts(atlas: Atlas) -> dict[str, Any] | None:
    """Facts of "Screening demand": per domain, positives per 1,000 and unmet demand.

    Counts are the published (suppressed) ones; unmet units are those
    :func:`~assetmap.anchor.screening.screening_demand` flags.
    """
    a = atlas.anchor
    if a is None or a.screening is None:
        return None
    demand = a.screening_demand
    rows = []
    for r in a.screening.totals.itertuples():
        unmet = (
            demand[(demand["domain"] == r.domain) & demand["unmet"].astype(bool)]
            if demand is not None
            else demand
        )
        names = [] if unmet is None else [str(n) for n in unmet["name"]]
        rows.append(
            {
                "domain": _label_of(atlas, r.domain),
                "screened": fmt_int(r.screened),
                "positive": fmt_int(r.positive),
                "per_1000": "hidden" if pd.isna(r.per_1000) else f"{r.per_1000:,.0f}",
                "unmet": ", ".join(names[:6])
                + (f" and {len(names) - 6} more" if len(names) > 6 else "")
                if names
                else "none",
            }
        )
    refs = [
        {
            "partner": str(r.partner),
            "domain": _label_of(atlas, r.domain),
            "sent": fmt_int(r.sent),
            "closed": fmt_int(r.closed),
            "rate": "hidden" if pd.isna(r.closure_rate) else fmt_pct(100 * r.closure_rate),
        }
        for r in a.screening.referrals.itertuples()
    ]
    return {"domains": rows, "referrals": refs, "min_cell": a.screening.min_cell}
