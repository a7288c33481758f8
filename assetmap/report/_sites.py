"""The report's part on suggested new sites (see :mod:`assetmap.analysis.siting`).

Per domain, the ranked sites in words; one citable summary sentence on the best of them;
the Methods bullet with the citations. Internal to :mod:`assetmap.report.build`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assetmap.report._format import fmt_int, fmt_pct
from assetmap.report._words import article

if TYPE_CHECKING:
    from assetmap.atlas import Atlas

__all__ = ["SITE_KINDS", "site_finding", "site_rows", "siting_method", "travel_word"]


#: Each kind of suggested site in words (see :mod:`assetmap.analysis.siting`).
SITE_KINDS = {
    "neighbourhood": "new place in the neighbourhood",
    "space": "a space the hospital can share",
    "partner": "co-located with a partner",
}


def site_rows(atlas: Atlas, key: str) -> list[dict[str, Any]]:
    """Return the suggested new sites of one domain, ranked, in words for the report.

    Sites flagged ``below_min_reach`` (see :func:`assetmap.suggest_sites`) are not
    findings and are left out; they stay in ``sites.csv``.
    """
    sites = atlas.sites
    if "below_min_reach" in sites.columns:
        sites = sites[~sites["below_min_reach"].astype(bool)]
    if not len(sites) or "domain" not in sites.columns:
        return []
    mine = sites[sites["domain"].astype(str) == key].sort_values("rank")
    return [
        {
            "rank": int(r["rank"]),
            "name": str(r["name"]),
            "kind": SITE_KINDS.get(str(r["kind"]), str(r["kind"])),
            "kind_key": str(r["kind"]),
            "residents": fmt_int(float(r["new_residents"])),
            "residents_raw": float(r["new_residents"]),
            "high_need": fmt_int(float(r["new_high_need_residents"])),
            "high_need_raw": float(r["new_high_need_residents"]),
            "share": fmt_pct(100 * float(r["share_of_gap_residents"])),
            "threshold": f"{float(r['threshold_min']):g}",
        }
        for _, r in mine.iterrows()
    ]


def travel_word(travel: dict[str, Any]) -> str:
    """Return "drive" for a study of driving times, else "walk".

    Examples
    --------
    >>> travel_word({"mode": "drive"}), travel_word({})
    ('drive', 'walk')
    """
    return "drive" if str(travel.get("mode", "straight")) == "drive" else "walk"


def site_finding(
    atlas: Atlas, by_gap: list[dict[str, Any]], source: str, method: str
) -> dict[str, str] | None:
    """Return one citable sentence on the best new site, or None.

    The domain is the one with the most residents in gaps (``by_gap`` order) whose first
    suggested site reaches high-need residents.
    """
    for r in by_gap:
        best = r["sites"][0] if r["sites"] else None
        if best is None or not best["high_need_raw"] > 0:
            continue
        if best["high_need_raw"] >= best["residents_raw"]:
            of_whom = "all of them"
        else:
            of_whom = f"{best['high_need']} of them"
        where = best["name"]
        if best["kind_key"] != "neighbourhood":
            where += f" ({best['kind']})"
        label = r["label"].lower()
        return {
            "text": (
                f"One new {label} site {where} would bring {best['residents']} residents "
                f"without {article(label)} {label} service nearby, {of_whom} in high-need "
                f"neighbourhoods, within {article(best['threshold'])} {best['threshold']}-minute "
                f"{travel_word(atlas.travel or {})}."
            ),
            "source": source,
            "method": "greedy maximal covering location (Church & ReVelle 1974); " + method,
        }
    return None


def siting_method(atlas: Atlas, need_p: float) -> list[str]:
    """Return the Methods bullet of the suggested new sites, when any were sought."""
    k = atlas.provenance.get("parameters", {}).get("siting", {}).get("k")
    if not len(atlas.sites) and not k:
        return []
    up_to = f"up to {int(k)} sites" if k else "sites"
    return [
        f"New sites: per domain, {up_to} chosen one at a time by the greedy heuristic for the "
        "maximal covering location problem (Church & ReVelle 1974, Papers of the Regional "
        "Science Association 32): each pick brings within the domain's threshold the most "
        f"residents of high-need neighbourhoods (need at or above the {need_p:g}th "
        "percentile) who have no service in reach, then the most such residents overall; "
        "ties go to a hospital space, then a partner's site, then by id. Candidates: the "
        "point each residential neighbourhood's access is measured from, the hospital's "
        "shareable spaces that could host the service, and the sites of services of other "
        "domains (co-location with a partner). Reach follows the travel rule of access. "
        "The greedy picks reach at least 1 − 1/e (about 63%) of the high-need residents "
        "the best choice of as many sites would reach (Nemhauser, Wolsey & Fisher 1978, "
        "Mathematical Programming 14)."
    ]
