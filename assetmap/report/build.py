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
from assetmap.analysis.summary import MEDIAN_NEAREST, minutes_shown, weighted_median
from assetmap.report._anchor import anchor_facts, hospital_near
from assetmap.report._codesign import goal_rows, partner_facts
from assetmap.report._format import fmt_int, fmt_min, fmt_pct, ordinal
from assetmap.report._need import (
    indicator_keys,
    indicator_rows,
    left_out_sentences,
    not_ranked_facts,
    reliability_method,
    top_need,
)
from assetmap.report._sites import site_finding, site_rows, siting_method, travel_word
from assetmap.report._tables import write_report_tables
from assetmap.report._words import GLOSSARY, article, citation

if TYPE_CHECKING:
    from assetmap.atlas import Atlas

__all__ = ["md_escape", "ordinal", "render_report", "report_facts", "write_report"]


def report_facts(atlas: Atlas) -> dict[str, Any]:
    """Gather every number the report shows, as plain Python values.

    Parameters
    ----------
    atlas : Atlas

    Returns
    -------
    dict
        ``summary`` (citable sentences), ``not_assessed`` (one sentence per domain the
        inventory cannot speak for: no finding is made of it), ``domains`` (per-domain
        table rows), ``top_gaps`` (the ten ranked neighbourhoods of highest need, their
        unreliable estimates marked), ``not_ranked`` (units not ranked and why),
        ``indicators`` (each with its ACS tables, universe and direction), ``overlaps``,
        ``anchor``, ``methods``, ``sources``, ``citation`` (with the release year and
        version), ``glossary`` (terms of method by anchor: ``#term-<key>``).
    """
    u = atlas.units
    pop = pd.to_numeric(u["population"], errors="coerce").fillna(0)
    residential = pop > 0
    n_res = int(residential.sum())
    prov = atlas.provenance
    travel = atlas.travel or {}
    walk = float(travel.get("walk_kmh", 4.8))
    circ = float(travel.get("circuity", 1.3))
    need_p = float(prov.get("parameters", {}).get("need_percentile", 75))
    acs = _acs_vintage(prov)
    asset_src = "synthetic asset inventory" if atlas.synthetic else "the study's asset inventory"
    method_access = f"{travel_phrase(travel)}; {_placed(prov)}"
    high_need = residential & (u["need_pct"] >= need_p / 100)
    skipped = atlas.not_assessed
    rows = [_domain_row(atlas, key, pop, residential, skipped.get(key)) for key in atlas.domains]
    assessed = [r for r in rows if not r["not_assessed"]]
    summary = _summary(
        atlas, assessed, high_need, pop, n_res, need_p, acs, asset_src, method_access
    )
    ind_keys = indicator_keys(atlas)
    return {
        "title": atlas.name,
        "synthetic": atlas.synthetic,
        "summary": summary,
        "not_assessed": list(skipped.values()),
        "domains": rows,
        "top_gaps": top_need(atlas, residential, ind_keys),
        "indicator_labels": [atlas.indicators.indicators[k].label for k in ind_keys],
        "not_ranked": not_ranked_facts(atlas),
        "indicators": indicator_rows(atlas.indicators),
        "overlaps": _overlap_rows(atlas),
        "coverage": _coverage_facts(atlas, skipped),
        "balance": _balance_facts(atlas),
        "anchor": anchor_facts(atlas, high_need, pop),
        "partners": partner_facts(atlas),
        "goals": goal_rows(atlas),
        "methods": _methods(atlas, walk, circ, need_p),
        "median_note": MEDIAN_NEAREST,
        "travel_word": travel_word(travel),
        "sources": _sources(atlas, acs),
        "quality": prov.get("asset_counts", {}),
        "citation": citation(prov.get("assetmap_version", "0")),
        "glossary": GLOSSARY,
        "table_terms": ["threshold", "in-reach", "high-need", "gap", "cluster"],
        "overview": "",
        "overview_path": "",
        "n_units": len(u),
        "n_residential": n_res,
        "total_pop": fmt_int(float(pop.sum())),
    }


def _domain_row(
    atlas: Atlas, key: str, pop: pd.Series, residential: pd.Series, skipped: str | None = None
) -> dict[str, Any]:
    """One domain's row of the report: services, reach, gaps, clusters, sites.

    A domain not assessed (``skipped``: the sentence saying why) shows its services and
    that sentence, and no figure of reach or gaps.
    """
    dom = atlas.domains[key]
    if skipped:
        return _not_assessed_row(atlas, key, skipped)
    res = residential.to_numpy()
    acc = atlas.access[atlas.access["domain"] == key].set_index("unit_id")
    acc = acc.reindex(atlas.units.index.astype(str))
    served = (acc["count_within"].fillna(0) > 0).to_numpy()
    gaps = atlas.gaps[atlas.gaps["domain"] == key]
    unserved_pop = float(pop[res & ~served].sum())
    gap_pop = float(gaps["population"].sum())
    if _has_points(atlas):  # residents at the population points beyond reach
        unserved_pop = float(acc["population_beyond"].fillna(0)[res].sum())
        gap_pop = float(gaps["population_beyond"].sum())
    clusters = atlas.overlaps[
        (atlas.overlaps["domain"] == key) & (atlas.overlaps["kind"] == "cluster")
    ]
    share, median = _reach(atlas, key, acc, pop, res)
    return {
        "key": key,
        "label": dom.label,
        "not_assessed": "",
        "threshold": f"{dom.threshold_min:g}",
        "services": int((atlas.assets["domain"] == key).sum()),
        "served_share": fmt_pct(share),
        "unserved_pop": fmt_int(unserved_pop),
        "unserved_pop_raw": unserved_pop,
        "gaps": len(gaps),
        "gap_pop": fmt_int(gap_pop),
        "gap_pop_raw": gap_pop,
        "median_min": fmt_min(median) if res.any() else "—",
        "clusters": len(clusters),
        "cluster_notes": [str(n) for n in clusters["note"]],
        "sites": site_rows(atlas, key),
        "hospital_near": hospital_near(atlas, key),
        "figure": "",
        "figure_path": "",
        "gap_rows": [
            {
                "rank": int(g.rank),
                "name": str(g.name),
                "unit_id": str(g.unit_id),
                "population": fmt_int(g.population),
                "beyond": fmt_int(g.population_beyond),
                "need": ordinal(100 * g.need_pct),
                "nearest": _near(g.nearest_min, g.threshold_min),
                "nearest_name": str(g.nearest_name) or "—",
            }
            for g in gaps.head(10).itertuples()
        ],
    }


def _reach(
    atlas: Atlas, key: str, acc: pd.DataFrame, pop: pd.Series, res: np.ndarray
) -> tuple[float, float]:
    """Return a domain's share of residents with a service in reach (%) and median nearest.

    Both count residents where they were placed: from the coverage table, which holds the
    residents at points with no service within reach (``pop_0``) and the median over the
    points (:func:`assetmap.analysis.coverage.median_nearest`). An Atlas without that row
    gets them from the access table (``population_beyond``; the median of the units'
    nearest times weighted by their residents).
    """
    cov = atlas.coverage
    has = "median_nearest_min" in cov.columns
    row = cov[cov["domain"].astype(str) == key] if has else cov.iloc[:0]
    if len(row):
        r = row.iloc[0]
        total, beyond = float(r["population"]), float(r["pop_0"])
        median = float(r["median_nearest_min"])
    else:
        total = float(pop[res].sum())
        beyond = float(pd.to_numeric(acc["population_beyond"], errors="coerce")[res].sum())
        nearest = pd.to_numeric(acc["nearest_min"], errors="coerce")[res]
        median = weighted_median(nearest.to_numpy(float), pop[res].to_numpy(float))
    return (100 * (total - beyond) / total if total > 0 else np.nan), median


def _not_assessed_row(atlas: Atlas, key: str, sentence: str) -> dict[str, Any]:
    """Return the row of a domain not assessed: its services and why, no reach or gaps."""
    dom = atlas.domains[key]
    return {
        "key": key,
        "label": dom.label,
        "not_assessed": sentence,
        "threshold": f"{dom.threshold_min:g}",
        "services": int((atlas.assets["domain"] == key).sum()),
        "served_share": "not assessed",
        "unserved_pop": "—",
        "unserved_pop_raw": None,
        "gaps": "—",
        "gap_pop": "—",
        "gap_pop_raw": None,
        "median_min": "—",
        "clusters": 0,
        "cluster_notes": [],
        "sites": [],
        "hospital_near": None,
        "figure": "",
        "figure_path": "",
        "gap_rows": [],
    }


def _near(value: float, threshold: float) -> str:
    """Minutes of a gap row as the map shows them (see :mod:`assetmap.analysis.summary`)."""
    shown = minutes_shown(value, threshold)
    return "none in reach" if shown is None else f"{shown} min"


def _overlap_rows(atlas: Atlas) -> list[dict[str, str]]:
    """Duplicated services and over-served areas, clusters first."""
    return [
        {
            "domain": atlas.domains[str(o.domain)].label if str(o.domain) in atlas.domains else "",
            "kind": "Cluster of providers" if o.kind == "cluster" else "Over-served area",
            "note": str(o.note),
            "population": fmt_int(float(o.population)),
        }
        for o in atlas.overlaps.sort_values(["kind", "domain", "overlap_id"]).itertuples()
    ]


def _label(atlas: Atlas, key: object) -> str:
    return atlas.domains[str(key)].label if str(key) in atlas.domains else str(key)


def _coverage_facts(atlas: Atlas, skipped: dict[str, str]) -> list[dict[str, str]]:
    cols = ["pop_0", "pop_1", "pop_2plus", "pop_3plus", "need_pop_0", "low_need_pop_2plus"]
    return [
        {"label": _label(atlas, r["domain"]), **{c: fmt_int(float(r[c])) for c in cols}}
        for _, r in atlas.coverage.iterrows()
        if str(r["domain"]) not in skipped
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
                f"{n_high} of {n_res} residential neighbourhoods, home to {fmt_int(high_pop)} "
                f"of {fmt_int(float(pop.sum()))} residents, are in the top "
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
                "text": _gap_text(atlas, r),
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
    if hrsn or rows:  # none when no domain could be assessed
        worst = max(hrsn or rows, key=lambda r: r["unserved_pop_raw"])
        among = "the health-related social needs domains" if hrsn else "the domains assessed"
        out.append(
            {
                "text": (
                    f"{worst['unserved_pop']} residents live more than "
                    f"{article(worst['threshold'])} {worst['threshold']}-minute walk from any "
                    f"{worst['label'].lower()} service, the largest such population among "
                    f"{among}."
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
                "method": (
                    "catchment overlap of 75% or more between providers of the same service "
                    "type (of the same domain where the inventory gives no type)"
                ),
            }
        )
    if site is not None and len(out) > 5 and len(gap_findings) > 1:
        out.remove(gap_findings[1])
    return out[:5]


def _gap_text(atlas: Atlas, r: dict[str, Any]) -> str:
    """Return the gap finding: residents beyond reach (at population points when given)."""
    who = (
        f"{r['gap_pop']} residents of {r['gaps']} high-need neighbourhoods have"
        if _has_points(atlas)
        else f"{r['gaps']} high-need neighbourhoods ({r['gap_pop']} residents) have"
    )
    within = f"{article(r['threshold'])} {r['threshold']}-minute walk"
    return f"{who} no {r['label'].lower()} service within {within}."


def _has_points(atlas: Atlas) -> bool:
    """Whether access was measured from population points (several per unit)."""
    return "population_points" in atlas.provenance.get("parameters", {})


def _placed(prov: dict[str, Any]) -> str:
    """How residents were placed, for the method line of sentences that count them."""
    pts = prov.get("parameters", {}).get("population_points")
    if not isinstance(pts, dict):
        return "residents placed at one inside point per neighbourhood"
    return f"residents placed at {int(pts.get('points', 0)):,} points: {pts.get('description')}"


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
        "Social Vulnerability Index method).",
        *left_out_sentences(atlas),
        reliability_method(atlas.indicators),
        methods_text(t)[0],
        f"Thresholds (minutes of travel that count as nearby): {thresholds}.",
        methods_text(t)[1],
        f"Gaps: neighbourhoods at or above the {need_p:g}th need percentile where no service "
        "of the domain lies within its threshold, for all their residents or, where "
        "residents are placed at population points, for at least "
        f"{_share_words(atlas)} of them ('Beyond reach' counts those residents).",
        "Duplicated services: providers of the same service type (of the same domain where "
        "the inventory gives no type) whose catchments share at least 75% of "
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


def render_report(facts: dict[str, Any]) -> tuple[str, str]:
    """Render the facts of :func:`report_facts` as the report's HTML and Markdown text.

    The templates are files of the package, ``assetmap/report/templates/report.html.j2``
    (autoescaped) and ``report.md.j2`` (data passes through the ``md`` filter,
    :func:`md_escape`).

    Returns
    -------
    tuple of str
        The HTML and the Markdown.
    """
    import jinja2

    loader = jinja2.PackageLoader("assetmap.report", "templates")
    html_env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    md_env = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined)
    md_env.filters["md"] = md_escape
    for env in (html_env, md_env):
        env.filters["article"] = article
    html = html_env.get_template("report.html.j2").render(**facts)
    md = md_env.get_template("report.md.j2").render(**facts)
    return _printable(html), _printable(md)


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
        Draw a static map per domain (``figures/<domain>.png``) and the summary's map of
        need and gaps (``figures/overview.png``), embedded in the HTML.
    pdf : bool, optional
        ``True`` requires a PDF (error without Chromium), ``False`` skips it, ``None``
        (default) prints one when Chromium is installed. The PDF is a summary then an
        appendix, with page numbers and the run date (the provenance's ``run.run_at``, else
        today) at the foot of every page; the date is not in ``report.html``.

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
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    facts = report_facts(atlas)
    if figures:
        import base64

        from assetmap.report.figures import domain_figure

        (out / "figures").mkdir(exist_ok=True)
        for row in facts["domains"]:
            if row["not_assessed"]:
                continue
            png = domain_figure(atlas, row["key"])
            (out / "figures" / f"{row['key']}.png").write_bytes(png)
            row["figure"] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            row["figure_path"] = f"figures/{row['key']}.png"
        _add_overview(atlas, facts, out)
    html, md = render_report(facts)
    paths = {"html": out / "report.html", "md": out / "report.md"}
    paths["html"].write_text(html, encoding="utf-8", newline="\n")
    paths["md"].write_text(md, encoding="utf-8", newline="\n")
    paths.update(write_report_tables(facts, out))
    from assetmap.report._pdf import find_chromium, html_to_pdf, run_date

    if pdf or (pdf is None and find_chromium()):
        when = run_date(atlas.provenance)
        paths["pdf"] = html_to_pdf(paths["html"], out / "report.pdf", run_date=when)
    return paths


def _add_overview(atlas: Atlas, facts: dict[str, Any], out: Path) -> None:
    """Draw the summary's map (``figures/overview.png``) and put it into the facts."""
    import base64

    from assetmap.report._overview import overview_figure

    png = overview_figure(atlas)
    (out / "figures" / "overview.png").write_bytes(png)
    facts["overview"] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    facts["overview_path"] = "figures/overview.png"


def _share_words(atlas: Atlas) -> str:
    """Return the build's ``min_share_beyond`` in words ("25%")."""
    share = float(atlas.provenance.get("parameters", {}).get("min_share_beyond", 0.25))
    return f"{100 * share:g}%"
