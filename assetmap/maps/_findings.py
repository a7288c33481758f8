"""Gap and over-served lines of the study map, and the gaps layer, per domain.

A gap is a high-need unit whose nearest service of one domain is beyond the travel
threshold. A unit can have gaps in several domains; the map outlines it only while a
domain it has a gap in is shown (or focused), and its tooltip lists only those domains.
So :func:`gaps_spec` keeps each line with the domain key it speaks of.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from assetmap.analysis.summary import minutes_shown
from assetmap.maps._html import fmt_int, text
from assetmap.maps._layers import OTHER, css_key

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from assetmap.domains import Domain

__all__ = ["GAP_STYLE", "domain_key", "gap_lines", "gaps_spec", "over_served_lines"]

GAP_STYLE = {"color": "#111111", "weight": 3, "dashArray": "6 4", "fill": False}


def domain_key(key: object, domains: Mapping[str, Domain]) -> str:
    """Return the map's key of a domain (as the service layers name it).

    Examples
    --------
    >>> domain_key("food", {"food": None})
    'food'
    >>> domain_key("not-a-domain", {})
    'other'
    """
    key = str(key)
    return css_key(key) if key in domains else css_key(OTHER.strip("_"))


def _label(domains: Mapping[str, Domain], key: object) -> str:
    dom = domains.get(str(key))
    return dom.label if dom is not None else str(key)


def _gap_line(row: Mapping[str, Any], label: str, travel_word: str) -> str:
    minutes = minutes_shown(row.get("nearest_min"), row.get("threshold_min"))
    service = f"{label.lower()} service"
    where = (
        f"nearest {text(service)} {minutes} min {travel_word}"
        if minutes is not None
        else f"no {text(service)} found"
    )
    return f"{text(label)} gap: {fmt_int(row.get('population'))} residents, {where}"


def gap_lines(
    gaps: pd.DataFrame | None,
    domains: Mapping[str, Domain],
    *,
    travel_word: str = "walk",
    keys: dict[str, list[str]] | None = None,
    partners: pd.DataFrame | None = None,
) -> dict[str, list[str]]:
    """Return, per unit id, one escaped line per gap, worst first.

    Each line reads "Food gap: 1,234 residents, nearest food service 23 min walk"; with
    ``partners`` (:attr:`assetmap.Atlas.partners`), followed by the first to call
    ("; call first: Crotona Pantry, just beyond reach"). When ``keys`` is given, it is
    filled with the domain key of each line, in the same order.
    """
    if gaps is None or gaps.empty:
        return {}
    first = _first_partners(partners)
    sort_cols = [c for c in ("rank", "domain") if c in gaps.columns]
    ordered = gaps.sort_values(sort_cols) if sort_cols else gaps
    out: dict[str, list[str]] = {}
    for row in ordered.to_dict("records"):
        line = _gap_line(row, _label(domains, row["domain"]), travel_word)
        uid = str(row["unit_id"])
        line += first.get((uid, str(row["domain"])), "")
        out.setdefault(uid, []).append(line)
        if keys is not None:
            keys.setdefault(uid, []).append(domain_key(row["domain"], domains))
    return out


def _first_partners(partners: pd.DataFrame | None) -> dict[tuple[str, str], str]:
    """Return, per (unit id, domain), the escaped words naming the first partner to call."""
    if partners is None or partners.empty or "rank" not in partners.columns:
        return {}
    top = partners[partners["rank"] == 1]
    return {
        (str(u), str(d)): f"; call first: {text(p)}, {text(k)}"
        for u, d, p, k in zip(
            top["unit_id"], top["domain"], top["partner"], top["kind"], strict=True
        )
    }


def over_served_lines(
    overlaps: gpd.GeoDataFrame | None, domains: Mapping[str, Domain]
) -> dict[str, list[str]]:
    """Return, per unit id, one escaped line per over-served domain of that unit."""
    if overlaps is None or overlaps.empty or "kind" not in overlaps.columns:
        return {}
    out: dict[str, list[str]] = {}
    rows = overlaps[overlaps["kind"] == "over_served"].drop(columns="geometry", errors="ignore")
    for row in rows.to_dict("records"):
        label = text(_label(domains, row.get("domain")))
        line = f"Over-served: {label}, {fmt_int(row.get('n_providers'))} providers"
        out.setdefault(str(row.get("unit_id")), []).append(line)
    return out


def gaps_spec(
    unit_ids: Sequence[str],
    names: Sequence[str],
    lines: Mapping[str, list[str]],
    keys: Mapping[str, list[str]] | None = None,
) -> dict[str, Any] | None:
    """Describe the gaps layer: units where high need meets no nearby service, outlined.

    Parameters
    ----------
    unit_ids : sequence of str
        Units in map order.
    names : sequence of str
        Their escaped names.
    lines : mapping of str to list of str
        From :func:`gap_lines`.
    keys : mapping of str to list of str, optional
        The domain key of each line (filled by :func:`gap_lines`); without it every line
        counts for every domain.

    Returns
    -------
    dict or None
        ``name``, ``units`` (positions), ``heads`` (each unit's name, bold), ``lines``
        and ``keys`` (per unit, its gap lines and their domain keys) and ``style``; None
        when no unit has a gap.

    Examples
    --------
    >>> g = gaps_spec(["a", "b"], ["A", "B"], {"b": ["Food gap: 9 residents"]}, {"b": ["food"]})
    >>> g["units"], g["keys"], g["heads"]
    ([1], [['food']], ['<b><bdi>B</bdi></b>'])
    """
    where = {uid: i for i, uid in enumerate(unit_ids)}
    ids = [uid for uid in lines if uid in where]
    if not ids:
        return None
    return {
        "name": "Gaps: high need, no service nearby",
        "units": [where[uid] for uid in ids],
        "heads": [f"<b><bdi>{names[where[uid]]}</bdi></b>" for uid in ids],
        "lines": [list(lines[uid]) for uid in ids],
        "keys": [list((keys or {}).get(uid, ["*"] * len(lines[uid]))) for uid in ids],
        "style": GAP_STYLE,
    }
