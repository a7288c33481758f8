"""The report: numbers a grant writer can cite, with source, vintage and method.

``write_report(atlas, folder)`` writes ``report.html`` and ``report.md`` from the same
facts. Text from data files is escaped in both (HTML autoescaping; Markdown special
characters backslash-escaped), so nothing in an input file becomes markup. The body has
no timestamps: the same inputs give byte-identical files (the run time is in
``provenance.json``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assetmap.analysis.access import methods_text, travel_phrase
from assetmap.report._sites import site_finding, site_rows, siting_method, travel_word
from assetmap.report._templates import HTML_TEMPLATE, MD_TEMPLATE

if TYPE_CHECKING:
    from assetmap.atlas import Atlas

__all__ = ["report_facts", "write_report"]

SUGGESTED_CITATION = (
    "assetmap developers. assetmap: community asset mapping for population health "
    "(version {version}). https://github.com/assetmap/assetmap"
)


def _fmt_int(x: float | int) -> str:
    return "—" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:,.0f}"


def _fmt_pct(x: float) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x:.1f}%"


def _fmt_value(x: float, unit: str) -> str:
    if unit == "percent":
        return _fmt_pct(x)
    return "—" if x is None or not np.isfinite(x) else f"{x:,.3g}"


def ordinal(n: float) -> str:
    """Return "1st", "2nd", "92nd", "11th" for a percentile.

    Examples
    --------
    >>> [ordinal(x) for x in (1, 2, 3, 11, 22, 92, 100)]
    ['1st', '2nd', '3rd', '11th', '22nd', '92nd', '100th']
    """
    k = int(round(n))
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def _fmt_min(x: float) -> str:
    return "none in reach" if x is None or not np.isfinite(x) else f"{x:.0f} min"


def report_facts(atlas: Atlas) -> dict[str, Any]:
    """Gather every number the report shows, as plain Python values.

    Parameters
    ----------
    atlas : Atlas

    Returns
    -------
    dict
        ``summary`` (citable sentences), ``domains`` (per-domain table rows),
        ``top_gaps``, ``overlaps``, ``anchor``, ``methods``, ``sources``, ``citation``.
    """
    u = atlas.units
    pop = pd.to_numeric(u["population"], errors="coerce").fillna(0)
    residential = pop > 0
    total_pop = float(pop.sum())
    n_res = int(residential.sum())
    prov = atlas.provenance
    travel = atlas.travel or {}
    walk = float(travel.get("walk_kmh", 4.8))
    circ = float(travel.get("circuity", 1.3))
    need_p = float(prov.get("parameters", {}).get("need_percentile", 75))
    acs = _acs_vintage(prov)
    asset_src = "synthetic asset inventory" if atlas.synthetic else "the study's asset inventory"
    method_access = travel_phrase(travel)
    high_need = residential & (u["need_pct"] >= need_p / 100)
    rows = []
    for key, dom in atlas.domains.items():
        acc = atlas.access[atlas.access["domain"] == key].set_index("unit_id")
        acc = acc.reindex(u.index.astype(str))
        served = (acc["count_within"].fillna(0) > 0).to_numpy()
        n_assets = int((atlas.assets["domain"] == key).sum())
        gaps = atlas.gaps[atlas.gaps["domain"] == key]
        unserved_pop = float(pop[residential.to_numpy() & ~served].sum())
        clusters = atlas.overlaps[
            (atlas.overlaps["domain"] == key) & (atlas.overlaps["kind"] == "cluster")
        ]
        nearest = acc["nearest_min"][residential.to_numpy()]
        rows.append(
            {
                "key": key,
                "label": dom.label,
                "threshold": f"{dom.threshold_min:g}",
                "services": n_assets,
                "served_share": _fmt_pct(100 * served[residential.to_numpy()].mean())
                if n_res
                else "—",
                "unserved_pop": _fmt_int(unserved_pop),
                "unserved_pop_raw": unserved_pop,
                "gaps": len(gaps),
                "gap_pop": _fmt_int(float(gaps["population"].sum())),
                "gap_pop_raw": float(gaps["population"].sum()),
                "median_min": _fmt_min(float(nearest.median())) if len(nearest) else "—",
                "clusters": len(clusters),
                "cluster_notes": [str(n) for n in clusters["note"]],
                "sites": site_rows(atlas, key),
                "hospital_near": _hospital_near(atlas, key),
                "figure": "",
                "figure_path": "",
                "gap_rows": [
                    {
                        "rank": int(g.rank),
                        "name": str(g.name),
                        "unit_id": str(g.unit_id),
                        "population": _fmt_int(g.population),
                        "need": ordinal(100 * g.need_pct),
                        "nearest": _fmt_min(g.nearest_min),
                        "nearest_name": str(g.nearest_name) or "—",
                    }
                    for g in gaps.head(10).itertuples()
                ],
            }
        )
    summary = _summary(atlas, rows, high_need, pop, n_res, need_p, acs, asset_src, method_access)
    top = u[residential].sort_values("need_pct", ascending=False).head(10)
    ind_keys = [k for k in ("poverty_100", "uninsured", "no_vehicle", "limited_english") if k in u]
    if not ind_keys:  # the study's own indicators (e.g. CDC SVI columns): the first four
        ind_keys = [k for k in atlas.indicators.indicators if k in u][:4]
    top_gaps = []
    for uid, r in top.iterrows():
        doms = atlas.gaps.loc[atlas.gaps["unit_id"] == uid, "domain"]
        top_gaps.append(
            {
                "name": str(r["name"]),
                "unit_id": str(uid),
                "population": _fmt_int(float(r["population"])),
                "need": ordinal(100 * r["need_pct"]),
                "indicators": [
                    (
                        atlas.indicators.indicators[k].label,
                        _fmt_value(float(r[k]), atlas.indicators.indicators[k].unit),
                    )
                    + (("unreliable",) if bool(r.get(f"{k}_unreliable", False)) else ("",))
                    for k in ind_keys
                ],
                "gap_domains": ", ".join(atlas.domains[d].label for d in doms) or "none",
            }
        )
    overlaps = [
        {
            "domain": atlas.domains[str(o.domain)].label if str(o.domain) in atlas.domains else "",
            "kind": "Cluster of providers" if o.kind == "cluster" else "Over-served area",
            "note": str(o.note),
            "population": _fmt_int(float(o.population)),
        }
        for o in atlas.overlaps.sort_values(["kind", "domain", "overlap_id"]).itertuples()
    ]
    return {
        "title": atlas.name,
        "synthetic": atlas.synthetic,
        "summary": summary,
        "domains": rows,
        "top_gaps": top_gaps,
        "indicator_labels": [atlas.indicators.indicators[k].label for k in ind_keys],
        "overlaps": overlaps,
        "coverage": _coverage_facts(atlas),
        "balance": _balance_facts(atlas),
        "anchor": _anchor_facts(atlas, high_need, pop),
        "methods": _methods(atlas, walk, circ, need_p),
        "travel_word": travel_word(travel),
        "sources": _sources(atlas, acs),
        "quality": prov.get("asset_counts", {}),
        "citation": SUGGESTED_CITATION.format(version=prov.get("assetmap_version", "0")),
        "n_units": len(u),
        "n_residential": n_res,
        "total_pop": _fmt_int(total_pop),
    }


def _label(atlas: Atlas, key: object) -> str:
    return atlas.domains[str(key)].label if str(key) in atlas.domains else str(key)


def _coverage_facts(atlas: Atlas) -> list[dict[str, str]]:
    cols = ["pop_0", "pop_1", "pop_2plus", "pop_3plus", "need_pop_0", "low_need_pop_2plus"]
    return [
        {"label": _label(atlas, r["domain"]), **{c: _fmt_int(float(r[c])) for c in cols}}
        for _, r in atlas.coverage.iterrows()
    ]


def _balance_facts(atlas: Atlas) -> list[dict[str, str]]:
    out = []
    for _, r in atlas.balance.iterrows():
        has_partner = isinstance(r.get("under_name"), str) and bool(r.get("under_name"))
        out.append(
            {
                "label": _label(atlas, r["domain"]),
                "over_name": str(r["over_name"]),
                "over_supply": f"{float(r['over_supply_per_1000']):.2f}",
                "over_need": ordinal(100 * float(r["over_need_pct"])),
                "under_name": str(r["under_name"]) if has_partner else "none in the region",
                "under_supply": f"{float(r['under_supply_per_1000']):.2f}" if has_partner else "—",
                "under_need": ordinal(100 * float(r["under_need_pct"])) if has_partner else "—",
                "distance": f"{float(r['distance_km']):.1f} km" if has_partner else "—",
            }
        )
    return out


def _acs_vintage(prov: dict[str, Any]) -> str:
    for s in prov.get("sources", []):
        if isinstance(s, dict) and "ACS" in str(s.get("name", "")) + str(s.get("vintage", "")):
            return str(s.get("vintage", "ACS 5-year estimates"))
    return "ACS 5-year estimates"


def _need_source(atlas: Atlas, acs: str) -> str:
    """Who the need figures come from, for citable sentences."""
    inds = list(atlas.indicators.indicators.values())
    if all(i.column is None for i in inds):
        return f"US Census Bureau, {acs}"
    named = [
        str(s.get("name"))
        for s in atlas.provenance.get("sources", [])
        if isinstance(s, dict) and s.get("name")
    ]
    own = ", ".join(named[:2]) if named else "need measures of the study's units file"
    return own if all(i.column is not None for i in inds) else f"US Census Bureau, {acs}; {own}"


def _summary(
    atlas: Atlas,
    rows: list[dict[str, Any]],
    high_need: pd.Series,
    pop: pd.Series,
    n_res: int,
    need_p: float,
    acs: str,
    asset_src: str,
    method: str,
) -> list[dict[str, str]]:
    out = []
    need_src = _need_source(atlas, acs)
    n_high = int(high_need.sum())
    high_pop = float(pop[high_need].sum())
    out.append(
        {
            "text": (
                f"{n_high} of {n_res} residential neighbourhoods, home to {_fmt_int(high_pop)} "
                f"of {_fmt_int(float(pop.sum()))} residents, are in the top "
                f"{100 - need_p:g}% of need."
            ),
            "source": need_src,
            "method": "SVI-style percentile ranking of the indicators listed under Methods",
        }
    )
    by_gap = sorted(rows, key=lambda r: -r["gap_pop_raw"])
    gap_findings = []
    for r in by_gap[:2]:
        if r["gaps"] == 0:
            continue
        gap_findings.append(
            {
                "text": (
                    f"{r['gaps']} high-need neighbourhoods ({r['gap_pop']} residents) have no "
                    f"{r['label'].lower()} service within a {r['threshold']}-minute walk."
                ),
                "source": f"{need_src}; {asset_src}",
                "method": method,
            }
        )
    site = site_finding(atlas, by_gap, f"{need_src}; {asset_src}", method)
    if site is not None:  # the second gap sentence gives way when the summary is full
        out += gap_findings[:1] + [site] + gap_findings[1:]
    else:
        out += gap_findings
    hrsn = [r for r in rows if atlas.domains[r["key"]].hrsn]
    worst = max(hrsn or rows, key=lambda r: r["unserved_pop_raw"])
    out.append(
        {
            "text": (
                f"{worst['unserved_pop']} residents live more than a {worst['threshold']}-minute "
                f"walk from any {worst['label'].lower()} service, the largest such population "
                "among the health-related social needs domains."
            ),
            "source": f"{need_src}; {asset_src}",
            "method": method,
        }
    )
    n_clusters = int((atlas.overlaps["kind"] == "cluster").sum()) if len(atlas.overlaps) else 0
    if n_clusters:
        prov_in = int(atlas.overlaps.loc[atlas.overlaps["kind"] == "cluster", "n_providers"].sum())
        out.append(
            {
                "text": (
                    f"{n_clusters} places have three or more providers of the same service "
                    f"whose walking catchments largely coincide ({prov_in} providers in all): "
                    "candidates for coordination rather than new sites."
                ),
                "source": asset_src,
                "method": "catchment overlap of 75% or more between same-domain providers",
            }
        )
    if site is not None and len(out) > 5 and len(gap_findings) > 1:
        out.remove(gap_findings[1])
    return out[:5]


def _hospital_near(atlas: Atlas, domain: str) -> dict[str, Any] | None:
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


def _anchor_facts(atlas: Atlas, high_need: pd.Series, pop: pd.Series) -> dict[str, Any] | None:
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
                "value": _fmt_pct(100 * r.share_high_need),
                "versus": _fmt_pct(100 * r.population_share),
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
        {"site": str(r.site), "n": _fmt_int(r.open_positions), "families": str(r.by_job_family)}
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
    if a.spaces is not None:
        facts["spaces"] = [
            {
                "name": str(r.get("name", "")),
                "type": str(r.get("space_type", "")),
                "capacity": _fmt_int(pd.to_numeric(r.get("capacity"), errors="coerce")),
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
        note = f"{_fmt_int(r.in_region)} {who} in neighbourhoods with published counts"
        if r.units_hidden:
            note += f"; {r.units_hidden} neighbourhoods hidden for privacy and left out"
        if np.isfinite(r.outside_region):
            note += f"; {_fmt_int(r.outside_region)} live outside the region"
        return note
    if r.measure == "spend_usd":
        total = float(a.summary.get("purchasing", {}).get("total_usd", r.in_region))
        return (
            f"of ${r.in_region:,.0f} spent with vendors in the region "
            f"({_fmt_pct(100 * r.in_region / total) if total else '—'} of ${total:,.0f})"
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
        return "hidden" if bool(row[f"{m}_suppressed"]) else _fmt_int(float(row[m]))

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
                rows.append(
                    {"what": label, "usd": f"${v:,.0f}", "share": _fmt_pct(100 * v / total)}
                )
        for cat, v in list(p.get("by_category", {}).items())[:5]:
            rows.append(
                {
                    "what": f"Spend in the region: {cat}",
                    "usd": f"${v:,.0f}",
                    "share": _fmt_pct(100 * v / total),
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
                    "share": _fmt_pct(100 * v / total),
                }
            )
    return rows


def _methods(atlas: Atlas, walk: float, circ: float, need_p: float) -> list[str]:
    t = atlas.travel or {}
    thresholds = ", ".join(f"{d.label} {d.threshold_min:g} min" for d in atlas.domains.values())
    columns = [i.label for i in atlas.indicators.indicators.values() if i.column is not None]
    source = (
        "is computed from ACS estimates as a share of its universe"
        if not columns
        else "is computed from ACS estimates as a share of its universe or, for "
        f"{', '.join(columns)}, taken as given in the units file"
        if len(columns) < len(atlas.indicators.indicators)
        else "is taken as given in the units file"
    )
    return [
        f"Need: each indicator (listed below) {source}, "
        "percentile-ranked across residential neighbourhoods as "
        "(rank − 1)/(N − 1), summed within themes and overall, and ranked again (CDC/ATSDR "
        "Social Vulnerability Index method). Estimates with a coefficient of variation "
        "above 30% are marked unreliable.",
        methods_text(t)[0],
        f"Thresholds (minutes of travel that count as nearby): {thresholds}.",
        methods_text(t)[1],
        f"Gaps: neighbourhoods at or above the {need_p:g}th need percentile with no service "
        "of the domain within its threshold.",
        "Duplicated services: same-domain providers whose catchments share at least 75% of "
        "their area (straight line) or of their residents (street network), in groups of "
        "three or more; over-served areas: enhanced-2SFCA supply per resident in the top 10% "
        "while need is below the median, each paired with the nearest under-served "
        "neighbourhood (need in the top quartile, supply in the bottom quartile).",
        "Asset records from several sources were merged when they describe the same service "
        "(name, address, phone and position compared within 150 m).",
        *siting_method(atlas, need_p),
    ]


def _sources(atlas: Atlas, acs: str) -> list[dict[str, str]]:
    out = []
    for s in atlas.provenance.get("sources", []):
        if isinstance(s, dict):
            rec = {k: "" for k in ("name", "vintage", "licence", "note")}
            rec.update({k: str(v) for k, v in s.items()})
            out.append(rec)
    if not out:
        out.append(
            {
                "name": "US Census Bureau, American Community Survey",
                "vintage": acs,
                "licence": "public domain",
                "note": "",
            }
        )
    return out


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|<>~])")


def md_escape(value: object) -> str:
    r"""Escape text for Markdown so it renders as the literal characters.

    Examples
    --------
    >>> md_escape("<img src=x onerror=alert(1)> | *x*")
    '\\<img src=x onerror=alert(1)\\> \\| \\*x\\*'
    """
    text = str(value).replace("\r", " ").replace("\n", " ")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return "\\" + text if text[:1] in "#+-=" else text


_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _printable(text: str) -> str:
    """Drop control characters and lone surrogates (data can carry them; UTF-8 cannot)."""
    return _UNPRINTABLE.sub("", text)


def write_report(
    atlas: Atlas, path: str | Path, *, figures: bool = True, pdf: bool | None = None
) -> dict[str, Path]:
    """Write ``report.html``, ``report.md``, tables as CSV and, with Chromium, ``report.pdf``.

    Parameters
    ----------
    atlas : Atlas
    path : str or Path
        Folder (created when missing).
    figures : bool
        Draw a static map per domain (``figures/<domain>.png``, embedded in the HTML).
    pdf : bool, optional
        ``True`` requires a PDF (error without Chromium), ``False`` skips it, ``None``
        (default) prints one when Chromium is installed.

    Returns
    -------
    dict
        Paths by kind: ``html``, ``md``, ``domains_csv``, ``need_csv`` and ``pdf`` when
        printed.

    Examples
    --------
    >>> import assetmap as am, tempfile
    >>> atlas = am.load_sample().build()
    >>> paths = atlas.report(tempfile.mkdtemp(), pdf=False)
    >>> sorted(paths)
    ['domains_csv', 'html', 'md', 'need_csv']
    """
    import jinja2

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    facts = report_facts(atlas)
    if figures:
        import base64

        from assetmap.report.figures import domain_figure

        (out / "figures").mkdir(exist_ok=True)
        for row in facts["domains"]:
            png = domain_figure(atlas, row["key"])
            (out / "figures" / f"{row['key']}.png").write_bytes(png)
            row["figure"] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            row["figure_path"] = f"figures/{row['key']}.png"
    html_env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    md_env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    md_env.filters["md"] = md_escape
    html = _printable(html_env.from_string(HTML_TEMPLATE).render(**facts))
    md = _printable(md_env.from_string(MD_TEMPLATE).render(**facts))
    paths = {"html": out / "report.html", "md": out / "report.md"}
    paths["html"].write_text(html, encoding="utf-8", newline="\n")
    paths["md"].write_text(md, encoding="utf-8", newline="\n")
    paths.update(_write_report_tables(facts, out))
    from assetmap.report._pdf import find_chromium, html_to_pdf

    if pdf or (pdf is None and find_chromium()):
        paths["pdf"] = html_to_pdf(paths["html"], out / "report.pdf")
    return paths


def _write_report_tables(facts: dict[str, Any], out: Path) -> dict[str, Path]:
    """Write the report's own tables as CSV, for pasting into applications."""
    dom = pd.DataFrame(
        [
            {
                "domain": r["key"],
                "label": r["label"],
                "threshold_min": r["threshold"],
                "services": r["services"],
                "residential_units_served_pct": r["served_share"],
                "residents_without_service": round(r["unserved_pop_raw"]),
                "gap_units": r["gaps"],
                "residents_in_gaps": round(r["gap_pop_raw"]),
                "median_nearest": r["median_min"],
                "clusters": r["clusters"],
            }
            for r in facts["domains"]
        ]
    )
    need = pd.DataFrame(
        [
            {
                "unit_id": t["unit_id"],
                "name": t["name"],
                "population": t["population"],
                "need_percentile": t["need"],
                "gaps_in": t["gap_domains"],
                **{label: value for label, value, _ in t["indicators"]},
            }
            for t in facts["top_gaps"]
        ]
    )
    paths = {"domains_csv": out / "report_domains.csv", "need_csv": out / "report_top_need.csv"}
    dom.to_csv(paths["domains_csv"], index=False, lineterminator="\n")
    need.to_csv(paths["need_csv"], index=False, lineterminator="\n")
    return paths
