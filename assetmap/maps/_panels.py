"""The map's panels: title box, legend and footer (sources, vintages, method).

Each function returns HTML in which every value from data has been escaped with
:func:`assetmap.maps._html.text`; :func:`assetmap.maps._html.add_panel` puts it on the map.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assetmap.maps._classes import MISSING_COLOUR, Classes
from assetmap.maps._html import is_missing, text

__all__ = [
    "NeedScale",
    "choropleth_legend",
    "fill_swatch",
    "footer_html",
    "gap_percentile",
    "legend_html",
    "need_scale",
    "need_vintage",
    "title_html",
    "travel_word",
]

SYNTHETIC_LABEL = "SYNTHETIC ASSETS — for demonstration"
OFFLINE_NOTE = (
    "The background map could not load (offline?). Boundaries, services and findings are "
    "stored in this file and still shown."
)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class NeedScale:
    """How the classified need column reads in words.

    Attributes
    ----------
    title : str
        Legend heading and layer name, e.g. "Need percentile".
    note : str
        One line on what the column is.
    percentile : bool
        Values are 0–1 percentile ranks, shown as 0–100.
    suffix : str
        Unit after a plain value ("%" for percent indicators).
    prefix : str
        What a value is, before it in a tooltip ("Need", "Below the poverty level").
    higher : str
        What a darker colour means, in words ("more need").
    """

    title: str
    note: str
    percentile: bool
    suffix: str = ""
    prefix: str = "Need"
    higher: str = "more need"

    def value_words(self, value: object) -> str:
        """Return one unit's value in words ("83rd percentile", "24.5%", "no data").

        Examples
        --------
        >>> NeedScale("Need percentile", "", True).value_words(0.83)
        '83rd percentile'
        """
        if is_missing(value):
            return "no data"
        v = float(str(value))
        if self.percentile:
            return f"{_ordinal(round(v * 100))} percentile"
        return f"{v:,.1f}{self.suffix}"

    def describe(self, value: object) -> str:
        """Return one unit's value with what it is ("Need: 83rd percentile").

        Examples
        --------
        >>> NeedScale("Need percentile", "", True).describe(0.83)
        'Need: 83rd percentile'
        """
        return f"{self.prefix}: {self.value_words(value)}"

    def class_labels(self, classes: Classes) -> list[str]:
        """Return one legend line per class: words and the class's range."""
        scale, digits = (100.0, 0) if self.percentile else (1.0, 1)
        out = []
        for words, (lo, hi) in zip(classes.words, classes.ranges(scale, digits), strict=True):
            span = f"percentile {lo}–{hi}" if self.percentile else f"{lo}–{hi}{self.suffix}"
            out.append(f"{words} ({span})")
        return out


def need_scale(column: str, indicators: Any) -> NeedScale:
    """Describe a need column of the Units table for the legend.

    Parameters
    ----------
    column : str
        ``need_pct`` (default), ``need_score``, ``theme_<theme>``, an indicator key or
        ``<indicator>_pct``.
    indicators : IndicatorSet or dict of str to Indicator
        The study's indicators, for labels.

    Returns
    -------
    NeedScale

    Examples
    --------
    >>> need_scale("need_pct", {}).title
    'Need percentile'
    """
    inds: Mapping[str, Any] = getattr(indicators, "indicators", indicators) or {}
    if column == "need_pct":
        note = "Overall need index: ACS indicators ranked as in the CDC/ATSDR SVI."
        return NeedScale("Need percentile", note, True)
    if column == "need_score":
        note = "Sum of indicator ranks (higher = more need)."
        return NeedScale("Need score", note, False, prefix="Need score")
    if column.startswith("theme_"):
        theme = column.removeprefix("theme_").replace("_", " ")
        title = f"Need percentile: {theme} theme"
        return NeedScale(title, "Theme of the need index.", True, prefix=f"Need ({theme})")
    if column.endswith("_pct") and column.removesuffix("_pct") in inds:
        label = str(inds[column.removesuffix("_pct")].label)
        note = "Rank among the study's units."
        return NeedScale(f"Percentile: {label}", note, True, prefix=label, higher="higher")
    if column in inds:
        ind = inds[column]
        suffix = "%" if str(getattr(ind, "unit", "")) == "percent" else ""
        universe = str(getattr(ind, "universe", "") or "")
        note = f"Share of {universe}." if suffix and universe else universe
        label = str(ind.label)
        return NeedScale(label, note, False, suffix, prefix=label, higher="higher")
    return NeedScale(column, "", False, prefix=column, higher="higher")


def _sources(provenance: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    sources = provenance.get("sources") or []
    if not isinstance(sources, Sequence) or isinstance(sources, str):
        return []
    return [s for s in sources if isinstance(s, Mapping)]


def need_vintage(provenance: Mapping[str, Any]) -> str:
    """Return escaped "name, vintage" of the census source of need, or a notice.

    Examples
    --------
    >>> need_vintage({"sources": [{"name": "ACS 5-year", "vintage": "2019–2023"}]})
    'ACS 5-year, 2019–2023'
    """
    for src in _sources(provenance):
        name = str(src.get("name", ""))
        if any(w in name.lower() for w in ("acs", "american community survey", "census")):
            vintage = src.get("vintage")
            return text(name) + (f", {text(vintage)}" if not is_missing(vintage) else "")
    return "census vintage not recorded"


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def travel_word(provenance: Mapping[str, Any]) -> str:
    """Return "drive" when the study measured driving times, else "walk"."""
    mode = _mapping(_mapping(provenance.get("parameters")).get("travel")).get("mode")
    return "drive" if str(mode).lower() == "drive" else "walk"


def title_html(name: str, *, synthetic: bool) -> str:
    """Return the title box: study name, a print button and, for synthetic data, a label.

    Examples
    --------
    >>> "SYNTHETIC" in title_html("<b>x</b>", synthetic=True)
    True
    """
    badge = f'<div class="am-synthetic">{SYNTHETIC_LABEL}</div>' if synthetic else ""
    return (
        '<button type="button" class="am-print-button" title="Print this map or save it '
        'as PDF">Print</button>'
        f"<h1><bdi>{text(name, limit=200)}</bdi></h1>"
        "<p>Services over need: gaps where need has no service nearby, "
        f"overlaps where services crowd.</p>{badge}"
    )


def _row(swatch: str, label: str, domain: str = "", *, attrs: str = "") -> str:
    attr = f' data-domain="{domain}"' if domain else ""
    return f'<div class="am-row"{attr}{attrs}>{swatch}<span>{label}</span></div>'


def fill_swatch(fill: str, opacity: float = 1.0) -> str:
    """Return a legend swatch of a polygon fill as the map draws it: at its opacity.

    The map's units are drawn at ``opacity`` over a white map background; the swatch
    lays the same colour at the same opacity over white, so the legend shows the colour
    one sees on the map.

    Examples
    --------
    >>> fill_swatch("#800026", 0.65)[39:]
    '<span style="background:#800026;opacity:0.65"></span></span>'
    >>> fill_swatch("#800026")
    '<span class="am-swatch" style="background:#800026"></span>'
    """
    if opacity >= 1:
        return f'<span class="am-swatch" style="background:{fill}"></span>'
    return (
        '<span class="am-swatch am-swatch-fill">'
        f'<span style="background:{fill};opacity:{max(opacity, 0.0):g}"></span></span>'
    )


def choropleth_legend(
    scale: NeedScale,
    classes: Classes,
    *,
    vintage: str,
    unreliable: str = "",
    opacity: float = 1.0,
    missing_opacity: float = 1.0,
) -> str:
    """Return the legend of one choropleth: what it shows, each class in words, the vintage.

    Parameters
    ----------
    scale : NeedScale
        What the classified column means.
    classes : Classes
        Its classes.
    vintage : str
        Escaped source and vintage of the data.
    unreliable : str
        Escaped words of the hatched units ("estimate unreliable (CV &gt; 30%)"), or
        ``""`` when none is hatched.
    opacity, missing_opacity : float, default 1.0
        Fill opacity of the classes and of the units with no data on the map: the
        swatches are drawn at the same opacity (see :func:`fill_swatch`).

    Examples
    --------
    >>> import pandas as pd
    >>> from assetmap.maps._classes import classify_values
    >>> c = classify_values(pd.Series([0.1, 0.4, 0.6, 0.9]), k=2)
    >>> "lowest 50% (percentile 10–50)" in choropleth_legend(
    ...     need_scale("need_pct", {}), c, vintage="ACS 2019–2023")
    True
    """
    parts = [f"<h2>{text(scale.title)}</h2>"]
    note = f"{text(scale.note)} " if scale.note else ""
    how = "quantiles" if classes.method == "quantiles" else "natural breaks"
    parts.append(
        f"<p>{note}Darker = {text(scale.higher)}; classes by {how}. Source: {vintage}.</p>"
    )
    for fill, label in zip(classes.colours, scale.class_labels(classes), strict=True):
        parts.append(_row(fill_swatch(fill, opacity), label))
    missing = fill_swatch(MISSING_COLOUR, missing_opacity)
    parts.append(_row(missing, "no residents / no data / not ranked"))
    if unreliable:
        parts.append(_row('<span class="am-swatch am-swatch-unreliable"></span>', unreliable))
    return "".join(parts)


def legend_html(
    *,
    domains: Sequence[tuple[str, str] | tuple[str, str, str]] = (),
    gaps: bool = False,
    overlaps: bool = False,
    sites: str = "",
    hospital: str = "",
    partners: str = "",
) -> str:
    """Return the legend: a slot for the shading on show, then the other layers' symbols.

    The map's script fills ``<div class="am-legend-need">`` with the legend of the
    choropleth on show (see :func:`choropleth_legend`), or of the hospital's area layer
    on show, and changes it when another is chosen.

    Parameters
    ----------
    domains : sequence of (label, pin) or (label, pin, key)
        Service domains drawn, in order: escaped label, the marker's HTML and its map key
        (``[a-z0-9_-]``, written as ``data-domain`` so a domain view can keep only its row).
    gaps, overlaps : bool
        Whether those layers are on the map.
    sites : str
        The marker of the suggested-sites layer (our own HTML), ``""`` when there is none.
    partners : str
        The marker of the partners layer (our own HTML), ``""`` when there is none.
    hospital : str
        Escaped HTML of the hospital's part (see
        :func:`assetmap.maps._anchor.anchor_legend`); ``""`` for none.

    Examples
    --------
    >>> legend_html(gaps=True).startswith('<div class="am-legend-need"></div>')
    True
    """
    parts = ['<div class="am-legend-need"></div>']
    if domains:
        parts.append("<h2>Services</h2>")
        for label, pin, *key in domains:
            parts.append(_row(pin, label, key[0] if key else ""))
        # shown by the script when the markers are clustered
        ring = '<span class="am-cluster-swatch"><span class="am-cluster-n"></span></span>'
        words = (
            "services close together: how many, in the colours of their domains; zoom in "
            "to part them"
        )
        parts.append(_row(ring, words, attrs=' data-cluster="1" hidden'))
    if gaps or overlaps or sites or partners:
        parts.append("<h2>Gaps and overlaps</h2>")
    if gaps:
        line = '<span class="am-line"></span>'
        words = "gap: high need, nearest service beyond the travel threshold"
        parts.append(_row(line, words, attrs=' data-layer="gaps"'))
    if overlaps:
        # the script hides the row of a kind the map has none of
        box = '<span class="am-swatch am-swatch-overlap"></span>'
        words = "overlap: providers of one service crowd the same ground"
        parts.append(_row(box, words, attrs=' data-layer="overlaps" data-overlap="cluster"'))
        served = '<span class="am-line am-line-served"></span>'
        words = "over-served area: more providers of one service than its residents need"
        parts.append(_row(served, words, attrs=' data-layer="overlaps" data-overlap="over_served"'))
    if sites:
        words = (
            "suggested new site (off at start): one more service there would reach the most "
            "residents without one nearby, high-need first; the number is the order of choice"
        )
        parts.append(_row(sites, words, attrs=' data-layer="sites"'))
    if partners:
        words = (
            "partner who could help close a gap (off at start): a provider just beyond "
            "reach, an organisation or space that could host the service"
        )
        parts.append(_row(partners, words, attrs=' data-layer="partners"'))
    parts.append(hospital)
    return "".join(parts)


def gap_percentile(provenance: Mapping[str, Any]) -> float:
    """Return the study's gap percentile (0–100) from its provenance, 75 when not recorded.

    Examples
    --------
    >>> gap_percentile({"parameters": {"gaps": {"need_percentile": 80}}})
    80.0
    """
    params = _mapping(provenance.get("parameters"))
    value = _mapping(params.get("gaps")).get("need_percentile", params.get("need_percentile"))
    try:
        return float(value) if value is not None else 75.0
    except (TypeError, ValueError):
        return 75.0


def _method(provenance: Mapping[str, Any]) -> str:
    params = _mapping(provenance.get("parameters"))
    travel = _mapping(params.get("travel"))
    mode = str(travel.get("mode", "straight"))
    if mode == "straight":
        kmh, circ = travel.get("walk_kmh", 4.8), travel.get("circuity", 1.3)
        how = f"straight-line distance × {text(circ)} circuity at {text(kmh)} km/h walking"
    else:
        how = f"{text(mode)} times on the street network"
    gaps = _mapping(params.get("gaps"))
    pct_value = gaps.get("need_percentile", params.get("need_percentile", 75))
    pct = f"{pct_value:g}" if isinstance(pct_value, int | float) else text(pct_value)
    siting = _mapping(params.get("siting"))
    new_site = (
        "; new site = greedy maximal covering location (Church & ReVelle 1974), high-need "
        "residents first"
        if siting.get("k")
        else ""
    )
    return (
        "Method: need = percentile rank of ACS indicators, SVI-style; access = "
        f"{how}; gap = unit at or above the {pct}th need percentile whose residents (all, or "
        "a share where population points place them) have no service within the domain's "
        "threshold; overlap = providers of the same service type sharing a "
        f"catchment{new_site}."
    )


def footer_html(provenance: Mapping[str, Any]) -> str:
    """Return the footer: every source with vintage and licence, and the method in a line."""
    items = []
    for src in _sources(provenance):
        bits = [text(src.get(k)) for k in ("vintage", "licence") if not is_missing(src.get(k))]
        extra = f" ({', '.join(bits)})" if bits else ""
        items.append(f"<bdi>{text(src.get('name', 'unnamed source'))}</bdi>{extra}")
    sources = "; ".join(items) if items else "not recorded"
    version = provenance.get("assetmap_version")
    made = f" Made with assetmap {text(version)}." if not is_missing(version) else ""
    return (
        f"<p><b>Sources:</b> {sources}.</p><p>{_method(provenance)}{made}</p>"
        f'<p class="am-offline" hidden>{OFFLINE_NOTE}</p>'
    )


#: A goal's status as the map's panel marks it (the words are the status itself).
GOAL_MARKS = {"met": "✔", "on track": "↗", "behind": "!", "no baseline": "·", "not measured": "?"}


def goals_html(goals: Any) -> str:
    """Return the "Shared goals" panel: each goal's name, status and sentence, escaped.

    Parameters
    ----------
    goals : pandas.DataFrame or None
        :attr:`assetmap.Atlas.goals` (``name``, ``status``, ``sentence``).

    Returns
    -------
    str
        HTML, empty when there is no goal.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"name": ["<i>Food</i>"], "status": ["behind"], "sentence": ["12%."]})
    >>> html = goals_html(g)
    >>> "&lt;i&gt;Food&lt;/i&gt;" in html, '<span class="am-goal-status">! behind</span>' in html
    (True, True)
    >>> goals_html(None)
    ''
    """
    if goals is None or len(goals) == 0:
        return ""
    items = []
    for name, status, sentence in zip(
        goals["name"], goals["status"], goals["sentence"], strict=True
    ):
        mark = GOAL_MARKS.get(str(status), "")
        items.append(
            f"<li><b><bdi>{text(name)}</bdi></b> "
            f'<span class="am-goal-status">{mark} {text(status)}</span><br>{text(sentence)}</li>'
        )
    return f'<ul class="am-goals">{"".join(items)}</ul>'
