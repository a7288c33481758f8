"""The report's need facts: the indicators, the highest-need table and units not ranked.

Internal to :mod:`assetmap.report`. :func:`assetmap.need_index` marks an estimate whose
coefficient of variation is above the set's ``cv_max`` (``<key>_unreliable``), the
unreliable estimates a ranked unit rests on (``unreliable_indicators``) and why a unit is
not ranked (``not_ranked``); here they become rows and sentences of plain text (the
templates escape them).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from assetmap.report._format import fmt_int, fmt_value, ordinal

if TYPE_CHECKING:
    from assetmap.atlas import Atlas
    from assetmap.indicators import IndicatorSet

__all__ = [
    "acs_tables",
    "indicator_keys",
    "indicator_rows",
    "left_out_sentences",
    "not_ranked_facts",
    "reliability_method",
    "top_need",
]

#: An ACS variable code: its table, then ``_`` and the line (``B06012_002``, ``DP03_0005``,
#: ``S1701_C01_001``).
_ACS_CODE = re.compile(r"^([A-Z]+[0-9]+[A-Z]*)_[0-9A-Z_]+$")


def acs_tables(codes: tuple[str, ...] | list[str]) -> list[str]:
    """Return the ACS tables of variable codes, in first-seen order.

    Examples
    --------
    >>> acs_tables(["B06012_002", "B06012_001", "DP03_0005", "C17002_002"])
    ['B06012', 'DP03', 'C17002']
    """
    out: dict[str, None] = {}
    for code in codes:
        hit = _ACS_CODE.match(str(code))
        out.setdefault(hit.group(1) if hit else str(code), None)
    return list(out)


def indicator_rows(indicators: IndicatorSet) -> list[dict[str, str]]:
    """Return one row per indicator: label, ACS tables and variables, universe, direction.

    Examples
    --------
    >>> from assetmap.indicators import load_indicators
    >>> row = indicator_rows(load_indicators())[0]
    >>> row["tables"], row["variables"], row["direction"]
    ('B06012', 'B06012_002 / B06012_001', 'higher = more need')
    """
    out = []
    for key, ind in indicators.indicators.items():
        if ind.column is not None:
            tables, variables = "units file", f"column {ind.column}"
        else:
            tables = ", ".join(acs_tables(list(ind.variables)))
            variables = f"{' + '.join(ind.numerator)} / {' + '.join(ind.denominator)}"
        out.append(
            {
                "key": key,
                "label": ind.label,
                "tables": tables,
                "variables": variables,
                "universe": ind.universe or "—",
                "direction": "higher = more need"
                if ind.direction == "higher"
                else "lower = more need",
                "theme": ind.theme.replace("_", " "),
            }
        )
    return out


def reliability_method(indicators: IndicatorSet) -> str:
    """Return the Methods sentence on unreliable estimates and units not ranked.

    Examples
    --------
    >>> from assetmap.indicators import load_indicators
    >>> reliability_method(load_indicators())[:60]
    'Estimates whose coefficient of variation is above 30% (the m'
    """
    cv = f"{indicators.cv_max * 100:g}%"
    small = (
        f"Neighbourhoods with fewer than {indicators.min_population:g} residents, or none, "
        if indicators.min_population > 0
        else "Neighbourhoods with no residents "
    )
    return (
        f"Estimates whose coefficient of variation is above {cv} (the margin of error at "
        "90% divided by 1.645, over the estimate) are marked unreliable in the report's tables "
        "and hatched in the map; they still count in the ranking, and a neighbourhood whose "
        f"ranking rests on them says so. {small}are shown but not ranked, as are those "
        "missing an indicator; they are listed with the reason."
    )


def indicator_keys(atlas: Atlas) -> list[str]:
    """Return the (up to four) indicators shown beside the highest-need neighbourhoods."""
    u = atlas.units
    keys = [k for k in ("poverty_100", "uninsured", "no_vehicle", "limited_english") if k in u]
    if not keys:  # the study's own indicators (e.g. CDC SVI columns): the first four
        keys = [k for k in atlas.indicators.indicators if k in u][:4]
    return keys


def _labels(value: object, indicators: IndicatorSet) -> list[str]:
    if not isinstance(value, str):
        return []
    inds = indicators.indicators
    return [inds[k].label if k in inds else k for k in (s.strip() for s in value.split(",")) if k]


def top_need(atlas: Atlas, residential: pd.Series, ind_keys: list[str]) -> list[dict[str, Any]]:
    """Return the ten ranked residential neighbourhoods of highest need, with their gaps.

    Each indicator value carries ``"unreliable"`` when its CV is above the set's
    ``cv_max``; ``rests_on`` names every unreliable estimate the unit's ranking rests on
    (also those not shown in the table).
    """
    ranked = atlas.units[residential & atlas.units["need_pct"].notna()]
    top = ranked.sort_values("need_pct", ascending=False).head(10)
    inds = atlas.indicators.indicators
    out = []
    for uid, r in top.iterrows():
        doms = atlas.gaps.loc[atlas.gaps["unit_id"] == uid, "domain"]
        out.append(
            {
                "name": str(r["name"]),
                "unit_id": str(uid),
                "population": fmt_int(float(r["population"])),
                "need": ordinal(100 * r["need_pct"]),
                "indicators": [
                    (inds[k].label, fmt_value(float(r[k]), inds[k].unit))
                    + (("unreliable",) if bool(r.get(f"{k}_unreliable", False)) else ("",))
                    for k in ind_keys
                ],
                "rests_on": "; ".join(_labels(r.get("unreliable_indicators"), atlas.indicators)),
                "gap_domains": ", ".join(atlas.domains[d].label for d in doms) or "none",
            }
        )
    return out


def _reason(value: object, indicators: IndicatorSet) -> str:
    reason = str(value).strip() if isinstance(value, str) else ""
    head = "no estimate for "
    if reason.startswith(head):
        reason = head + "; ".join(_labels(reason.removeprefix(head), indicators))
    return reason


def not_ranked_facts(atlas: Atlas) -> dict[str, Any]:
    """Return the units not ranked and why; those with no residents are only counted.

    Returns
    -------
    dict
        ``rows`` (``name``, ``unit_id``, ``population``, ``reason``, in the units' order)
        and ``empty`` (how many units have no residents).
    """
    u = atlas.units
    if "not_ranked" not in u.columns:
        return {"rows": [], "empty": 0}
    reasons = u["not_ranked"].fillna("").astype(str)
    empty = reasons == "no residents"
    rows = [
        {
            "name": str(u.at[uid, "name"]) if "name" in u.columns else str(uid),
            "unit_id": str(uid),
            "population": fmt_int(float(pd.to_numeric(u.at[uid, "population"], errors="coerce"))),
            "reason": _reason(reason, atlas.indicators),
        }
        for uid, reason in reasons[(reasons != "") & ~empty].items()
    ]
    return {"rows": rows, "empty": int(empty.sum())}


def left_out_sentences(atlas: Atlas) -> list[str]:
    """Say which indicators the need index left out because no unit had an estimate."""
    left = (atlas.provenance or {}).get("parameters", {}).get("need_left_out") or {}
    if not left:
        return []
    keys = list(left)
    words = ", ".join(
        atlas.indicators.indicators[k].label if k in atlas.indicators.indicators else k
        for k in keys
    )
    rest = len(atlas.indicators.indicators) - len(keys)
    return [
        f"Left out of the need index: {words} (no neighbourhood has an estimate, e.g. a "
        f"variable the ACS did not publish for this period); it ranks on the other {rest}."
    ]
