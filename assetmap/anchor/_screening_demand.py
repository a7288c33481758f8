"""Demand-weighted access and unmet screening demand (see :mod:`assetmap.anchor.screening`).

Everything here is vectorised over units: one catchment-pair query and two ``bincount``
calls per domain (:func:`assetmap.analysis.access.two_step_fca`), then one grouped
quantile per column for the whole table.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assetmap.analysis.access import TravelOptions, two_step_fca, with_domain_keys
from assetmap.analysis.context import TravelContext

if TYPE_CHECKING:
    from assetmap.anchor.screening import Screening
    from assetmap.atlas import Atlas

__all__ = ["DEMAND_COLUMNS", "demand_table", "travel_options"]

DEMAND_COLUMNS = [
    "unit_id",
    "name",
    "domain",
    "screened",
    "positive",
    "per_1000",
    "suppressed",
    "threshold_min",
    "services_in_reach",
    "demand_ratio",
    "status",
    "unmet",
    "reason",
]


def travel_options(params: dict[str, Any]) -> TravelOptions:
    """Rebuild the study's :class:`TravelOptions` from its provenance parameters.

    Examples
    --------
    >>> travel_options({"mode": "straight", "walk_kmh": 4.0, "drive_speeds": "x"}).walk_kmh
    4.0
    """
    names = {f.name for f in dataclasses.fields(TravelOptions)}
    return TravelOptions(**{k: v for k, v in params.items() if k in names})


def _context(atlas: Atlas, context: TravelContext | None) -> TravelContext:
    assets = with_domain_keys(atlas.assets, domains=atlas.domains)
    if context is not None and context.assets is assets:
        return context
    return TravelContext(atlas.units, assets, travel=travel_options(atlas.travel))


def _thresholds(atlas: Atlas, keys: list[str]) -> dict[str, float]:
    out = {k: float(atlas.domains[k].threshold_min) for k in keys if k in atlas.domains}
    acc = atlas.access
    if "threshold_min" in acc.columns and len(acc):
        used = acc.groupby("domain")["threshold_min"].first()
        out.update({k: float(used[k]) for k in keys if k in used.index and pd.notna(used[k])})
    return out


def _domain_columns(
    ctx: TravelContext, key: str, minutes: float, positive: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Services in reach and 2SFCA supply per 1,000 positives, per unit, for one domain."""
    n, m = len(ctx.unit_ids), len(ctx.point_unit)
    sel = ctx.domain_rows(key)
    if len(sel) == 0:
        return np.zeros(n), np.zeros(n)
    oi, ak, tt = ctx.pairs(key, minutes)
    demand = positive[ctx.point_unit] * ctx.point_share  # each point its share of positives
    a = two_step_fca(oi, ak, np.ones(len(tt)), demand, ctx.supply[sel], m)
    count = np.bincount(oi, minlength=m).astype(float)
    return ctx.unit_mean(count), ctx.unit_mean(a) * ctx.travel.per


def demand_table(
    screening: Screening,
    atlas: Atlas,
    high_percentile: float,
    low_percentile: float,
    context: TravelContext | None,
) -> pd.DataFrame:
    """Build the table of :func:`assetmap.anchor.screening.screening_demand`."""
    ctx = _context(atlas, context)
    ids = pd.Index(ctx.unit_ids)
    rates = screening.rates
    keys = [k for k in dict.fromkeys(rates["domain"].astype(str)) if k in atlas.domains]
    minutes = _thresholds(atlas, keys)
    skipped = atlas.not_assessed
    names = atlas.units["name"].astype(str).to_numpy() if "name" in atlas.units else ids
    parts = []
    for key in keys:
        r = rates[rates["domain"] == key].set_index("unit_id").reindex(ids)
        pos = r["positive"].to_numpy(float)
        in_reach, ratio = _domain_columns(ctx, key, minutes[key], np.nan_to_num(pos))
        assessed = key not in skipped and len(ctx.domain_rows(key)) > 0
        parts.append(
            pd.DataFrame(
                {
                    "unit_id": ctx.unit_ids,
                    "name": names,
                    "domain": key,
                    "screened": r["screened"].to_numpy(float),
                    "positive": pos,
                    "per_1000": r["per_1000"].to_numpy(float),
                    "suppressed": r["suppressed"].fillna(True).to_numpy(bool),
                    "threshold_min": minutes[key],
                    "services_in_reach": in_reach,
                    "demand_ratio": ratio if assessed else np.nan,
                    "status": "ok" if assessed else "not_assessed",
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=DEMAND_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    return _flag_unmet(out, atlas, screening.min_cell, high_percentile, low_percentile)


def _flag_unmet(
    out: pd.DataFrame, atlas: Atlas, min_cell: int, high: float, low: float
) -> pd.DataFrame:
    """Flag high positives with low supply in reach, per domain, and say why in one line."""
    per = out["per_1000"]
    published = per.notna()
    by = out["domain"]
    high_cut = per.groupby(by).transform("quantile", high / 100.0)
    ratio_pub = out["demand_ratio"].where(published)
    low_cut = ratio_pub.groupby(by).transform("quantile", low / 100.0)
    is_high = published & (out["positive"] > 0) & (per >= high_cut)
    none = out["services_in_reach"] <= 0
    is_low = none | (out["demand_ratio"] <= low_cut)
    ok = out["status"].eq("ok")
    out["unmet"] = (is_high & is_low & ok).to_numpy(bool)
    labels = {k: d.label.lower() for k, d in atlas.domains.items()}
    reason = np.full(len(out), "", dtype=object)
    reason[(out["screened"] == 0).to_numpy()] = "no patient screened"
    reason[out["suppressed"].to_numpy(bool)] = (
        f"counts hidden (fewer than {min_cell} patients, or to protect a hidden count)"
    )
    for key in out.loc[~ok, "domain"].unique():
        rows = (~ok & by.eq(key)).to_numpy()
        reason[rows] = f"not assessed: no {labels.get(key, key)} service in the inventory"
    u = out[out["unmet"]]
    top = f"top {100 - high:g}%" if high != 75 else "top quarter"
    bottom = f"bottom {low:g}%" if low != 25 else "bottom quarter"
    reason[out["unmet"].to_numpy()] = [
        f"{p:.0f} positives per 1,000 screened ({top} of units); "
        + (
            f"no {labels.get(d, d)} service within {t:g} min"
            if n <= 0
            else f"{r:.2f} services per 1,000 positives within {t:g} min ({bottom})"
        )
        for p, d, t, n, r in zip(
            u["per_1000"],
            u["domain"],
            u["threshold_min"],
            u["services_in_reach"],
            u["demand_ratio"],
            strict=True,
        )
    ]
    out["reason"] = reason
    return out
