"""Layers of the anchor institution's own assets: site, spaces, jobs, and one per measure.

Employment (employees, new hires), purchasing and investment are per unit before they
reach the map and are drawn as choropleths on the shared unit polygons, never as homes.
A cell the anchor suppressed for privacy (see :mod:`assetmap.anchor.privacy`) is hatched and
reads "hidden to protect privacy": its count is dropped here, before anything is
classified or written, so no number of a hidden cell is in the page. These area layers
start hidden; the map shows one shading at a time (need or a hospital measure), and the
legend of the one on show carries its classes, what hatching means and its anchor
alignment in words. Open positions are proportional symbols at their sites; shareable
spaces say what they could host and which gap neighbourhoods they are near.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from assetmap.anchor.spaces import parse_hosts
from assetmap.maps._classes import MISSING_COLOUR, classify_values, palette
from assetmap.maps._geometry import DECIMALS
from assetmap.maps._html import fmt_int, fmt_minutes, is_missing, rows_table, text
from assetmap.maps._icons import icon_svg
from assetmap.maps._layers import unit_positions

if TYPE_CHECKING:
    import geopandas as gpd

    from assetmap.anchor.model import Anchor
    from assetmap.domains import Domain

__all__ = [
    "HIDDEN",
    "HIDDEN_CLASS",
    "MEASURES",
    "Measure",
    "alignment_words",
    "anchor_legend",
    "anchor_specs",
]

HOSPITAL_RED = "#b00020"
SPACE_TEAL = "#00796b"
JOBS_PURPLE = "#5e3c99"

#: What a suppressed cell says, wherever its count would have been.
HIDDEN = "hidden to protect privacy"
#: Class of a suppressed cell in a layer's ``cells`` (``-1`` is "no data").
HIDDEN_CLASS = -2
#: Most gap neighbourhoods named per domain in a space's popup.
MAX_GAP_NAMES = 4


@dataclass(frozen=True)
class Measure:
    """One anchor measure drawn as a choropleth of units.

    Attributes
    ----------
    key : str
        Column of the anchor frame (also the ``measure`` of the alignment table).
    frame : str
        Attribute of :class:`~assetmap.anchor.model.Anchor` holding it.
    name : str
        Layer name.
    label : str
        What a unit's value is, before it in a tooltip.
    about : str
        One line on what the layer shows, for its legend.
    unit : str
        Word after a count in the legend ("employees"), or ``"$"`` for money.
    palette : str
        Sequential palette of its classes.
    people : bool
        Counts of people: suppressed cells are hidden.
    share : str
        Subject of the alignment sentence ("of the hospital's employees who live in the
        study area live").
    short : str
        Name in the alignment summary ("employees").
    """

    key: str
    frame: str
    name: str
    label: str
    about: str
    unit: str
    palette: str
    people: bool
    share: str
    short: str


#: The anchor measures drawn, in layer order.
MEASURES: tuple[Measure, ...] = (
    Measure(
        "employees",
        "employment",
        "Hospital employees by home neighbourhood",
        "Hospital employees living here",
        "Where the hospital's staff live, counted per neighbourhood (never as homes).",
        "employees",
        "Blues",
        True,
        "of the hospital's employees who live in the study area live",
        "employees",
    ),
    Measure(
        "new_hires",
        "employment",
        "Hospital new hires by home neighbourhood",
        "Hospital new hires living here",
        "Where the hospital's new hires live, counted per neighbourhood (never as homes).",
        "new hires",
        "Oranges",
        True,
        "of new hires who live in the study area live",
        "new hires",
    ),
    Measure(
        "spend_usd",
        "purchasing",
        "Hospital spending by vendor location",
        "Hospital spending with vendors here",
        "Yearly spend with vendors located in each neighbourhood.",
        "$",
        "Greens",
        False,
        "of the spending with vendors in the study area goes to vendors",
        "vendor spend",
    ),
    Measure(
        "investment_usd",
        "investment",
        "Hospital investment by neighbourhood",
        "Hospital investment here",
        "Place-based investment (housing, loans, food retail …) in each neighbourhood.",
        "$",
        "Purples",
        False,
        "of the place-based investment in the study area is",
        "investment",
    ),
)


def _square(fill: str, icon: str, letter: str) -> str:
    drawing = icon_svg(icon, size=14) or letter
    return f'<span class="am-square" aria-hidden="true" style="background:{fill}">{drawing}</span>'


def _disc(fill: str, size: int) -> str:
    return (
        f'<span class="am-disc" aria-hidden="true" style="background:{fill};'
        f'width:{size}px;height:{size}px"></span>'
    )


def _points(
    name: str,
    frame: gpd.GeoDataFrame | None,
    *,
    symbol: str,
    css: str,
    popup: Callable[[dict[str, Any]], str],
    tip: Callable[[dict[str, Any]], str],
    size: Callable[[dict[str, Any]], int] | None = None,
) -> dict[str, Any] | None:
    if frame is None or frame.empty:
        return None
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    rows = []
    records = frame.drop(columns="geometry").to_dict("records")
    for geom, row in zip(frame.geometry, records, strict=True):
        p = geom if geom.geom_type == "Point" else geom.representative_point()
        out: list[Any] = [round(p.x, DECIMALS), round(p.y, DECIMALS), popup(row), tip(row)]
        if size is not None:
            out.append(size(row))
        rows.append(out)
    if not rows:
        return None
    return {
        "kind": "points",
        "name": text(name),
        "pin": symbol,
        "symbol": symbol,
        "css": css,
        "rows": rows,
        "show": True,
    }


def _money(value: object) -> str:
    return "no data" if is_missing(value) else f"${float(str(value)):,.0f}"


def _yes_no(value: object) -> str:
    if is_missing(value):
        return ""
    word = str(value).strip().lower()
    if word in ("true", "yes", "y", "1", "1.0"):
        return "yes"
    if word in ("false", "no", "n", "0", "0.0"):
        return "no"
    return text(value)


def _lower_first(label: str) -> str:
    """Lower the first letter of a label: "Primary care" → "primary care" ("WIC" stays)."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def _domain_word(domains: Mapping[str, Domain], key: str) -> str:
    dom = domains.get(key)
    label = dom.label if dom is not None else key.replace("_", " ")
    return text(_lower_first(str(label)))


def _hidden_flags(frame: pd.DataFrame, key: str) -> pd.Series:
    flag = f"{key}_suppressed"
    if flag not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[flag].astype("boolean").fillna(False).astype(bool)


def _value_words(measure: Measure, value: object, row: Mapping[str, Any]) -> str:
    words = _money(value) if measure.unit == "$" else fmt_int(value, unknown="no data")
    if measure.key == "spend_usd" and not is_missing(value):
        vendors = fmt_int(row.get("vendors"), unknown="")
        words += f" with {vendors} vendor(s)" if vendors else ""
    if measure.key == "investment_usd" and not is_missing(value):
        kinds = text(row.get("types"))
        words += f" ({kinds})" if kinds else ""
    return words


def _alignment_row(anchor: Anchor, key: str) -> Mapping[str, Any] | None:
    table = getattr(anchor, "alignment", None)
    if table is None or table.empty or "measure" not in table.columns:
        return None
    rows = table[table["measure"].astype(str) == key]
    return rows.iloc[0].to_dict() if not rows.empty else None


def _pct(value: object) -> str | None:
    if is_missing(value):
        return None
    v = float(str(value))
    return None if math.isinf(v) else f"{round(v * 100)}%"


def _times(value: object) -> str | None:
    if is_missing(value):
        return None
    v = float(str(value))
    return None if math.isinf(v) else f"{v:.2f}×"


def alignment_words(measure: Measure, row: Mapping[str, Any] | None, need_percentile: float) -> str:
    """Return a measure's anchor alignment in one plain sentence (escaped), or ``""``.

    Examples
    --------
    >>> row = {"share_high_need": 0.4737, "population_share": 0.2704, "ratio": 1.7522,
    ...        "units_hidden": 0}
    >>> alignment_words(MEASURES[0], row, 75).split(": ")[1]
    '1.75× the population share, more concentrated where need is high.'
    """
    if row is None:
        return ""
    share, pop, ratio = (
        _pct(row.get("share_high_need")),
        _pct(row.get("population_share")),
        _times(row.get("ratio")),
    )
    if share is None or pop is None or ratio is None:
        return ""
    r = float(str(row.get("ratio")))
    how = (
        "more concentrated where need is high"
        if r >= 1.1
        else "less than in proportion to where people live"
        if r <= 0.9
        else "about in proportion to where people live"
    )
    pct = f"{float(need_percentile):g}"
    words = (
        f"{share} {measure.share} in high-need neighbourhoods (need at or above the "
        f"{pct}th percentile), home to {pop} of residents: {ratio} the population share, "
        f"{how}."
    )
    hidden = row.get("units_hidden")
    n = 0 if is_missing(hidden) else int(float(str(hidden)))
    if measure.people and n > 0:
        words += f" The {n} neighbourhood(s) {HIDDEN} are left out of both shares."
    return words


@dataclass(frozen=True)
class _Shades:
    """Classes of one measure: "none" (zero), then quantiles of the units with any."""

    cls: list[int]  # per row: 0 = none, 1.. = quantile class, -1 = no data
    colours: tuple[str, ...]
    spans: list[tuple[float, float] | None]  # per class: smallest and largest value in it
    method: str


def _shades(values: pd.Series, palette_name: str, k: int = 4) -> _Shades:
    """Classify a zero-heavy measure: zeros get their own lightest class, others quantiles.

    Most units have no hospital spending or investment at all; quantiles over them would
    give empty, repeated classes ("$0–$0"). The units with any are split in ``k``
    quantile classes instead, drawn darker than "none".
    """
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    positive = numbers[numbers > 0]
    inner = classify_values(positive, k=k, palette_name=palette_name)
    k_eff = max(inner.k, 1) if not positive.empty else 0
    cls = pd.Series(-1, index=numbers.index, dtype=int)
    cls[numbers.notna() & (numbers <= 0)] = 0
    cls.loc[positive.index] = inner.yb.to_numpy() + 1
    colours = palette(palette_name, k_eff + 1) if k_eff else palette(palette_name, 2)[:1]
    spans: list[tuple[float, float] | None] = []
    for c in range(len(colours)):
        members = numbers[cls == c]
        spans.append((float(members.min()), float(members.max())) if len(members) else None)
    return _Shades([int(c) for c in cls.to_numpy()], colours, spans, inner.method)


def _span_words(measure: Measure, span: tuple[float, float] | None, first: bool) -> str:
    if span is None:
        return "none" if first else "no area"
    lo, hi = span

    def one(v: float) -> str:
        return f"${v:,.0f}" if measure.unit == "$" else f"{v:,.0f}"

    amount = one(lo) if round(lo) == round(hi) else f"{one(lo)}–{one(hi)}"
    if measure.unit != "$":
        amount += f" {measure.unit}"
    return f"none ({amount})" if first else amount


def _row(swatch: str, label: str) -> str:
    return f'<div class="am-row">{swatch}<span>{label}</span></div>'


def _hidden_line(min_cell: int) -> str:
    return (
        f"{HIDDEN}: fewer than {int(min_cell)} people, or hidden too so that a total "
        "cannot give a small count away"
    )


HATCH_SWATCH = '<span class="am-swatch am-swatch-hidden"></span>'


def _layer_legend(
    measure: Measure,
    shades: _Shades,
    *,
    any_hidden: bool,
    min_cell: int,
    alignment: str,
    synthetic: bool,
) -> str:
    how = "quantiles" if shades.method == "quantiles" else "natural breaks"
    parts = [
        f"<h2>{text(measure.name)}</h2>",
        f"<p>{text(measure.about)} Darker = more; areas with any split by {how}.</p>",
    ]
    for i, (fill, span) in enumerate(zip(shades.colours, shades.spans, strict=True)):
        if span is None and i > 0:
            continue
        swatch = f'<span class="am-swatch" style="background:{fill}"></span>'
        parts.append(_row(swatch, _span_words(measure, span, i == 0)))
    if measure.people or any_hidden:
        parts.append(_row(HATCH_SWATCH, _hidden_line(min_cell)))
    missing = f'<span class="am-swatch" style="background:{MISSING_COLOUR}"></span>'
    parts.append(_row(missing, "no data"))
    if alignment:
        parts.append(f'<p class="am-align"><b>Anchor alignment.</b> {alignment}</p>')
    if synthetic:
        parts.append('<p class="am-synthetic-note">Synthetic hospital data, for demonstration.</p>')
    return "".join(parts)


def _measure_layer(
    anchor: Anchor,
    measure: Measure,
    unit_ids: Sequence[str],
    *,
    need_percentile: float,
    synthetic: bool,
) -> dict[str, Any] | None:
    frame = getattr(anchor, measure.frame, None)
    if frame is None or frame.empty or measure.key not in frame.columns:
        return None
    hidden = _hidden_flags(frame, measure.key) if measure.people else None
    values = pd.to_numeric(frame[measure.key], errors="coerce")
    if hidden is not None:
        # a suppressed count never reaches the map: dropped before classing and wording
        values = values.mask(hidden.to_numpy())
    shades = _shades(values, measure.palette)
    where = unit_positions(frame, unit_ids)
    records = frame.drop(columns="geometry", errors="ignore").to_dict("records")
    flags = hidden.to_numpy() if hidden is not None else [False] * len(frame)
    cells = []
    for pos, cls, value, row, secret in zip(
        where, shades.cls, values.to_numpy(), records, flags, strict=True
    ):
        if pos is None:
            continue
        if secret:
            cells.append([pos, HIDDEN_CLASS, HIDDEN])
        else:
            cells.append([pos, int(cls), _value_words(measure, value, row)])
    if not cells:
        return None
    darkest = shades.colours[-1]
    swatch = f'<span class="am-swatch" aria-hidden="true" style="background:{darkest}"></span>'
    alignment = alignment_words(measure, _alignment_row(anchor, measure.key), need_percentile)
    return {
        "kind": "cells",
        "measure": measure.key,
        "name": text(measure.name),
        "label": text(measure.label),
        "symbol": swatch,
        "colours": list(shades.colours),
        "cells": cells,
        "legend": _layer_legend(
            measure,
            shades,
            any_hidden=bool(any(flags)),
            min_cell=int(anchor.min_cell),
            alignment=alignment,
            synthetic=synthetic,
        ),
        "show": False,
    }


def _gaps_by_space(
    anchor: Anchor, domains: Mapping[str, Domain], travel: str
) -> dict[str, list[str]]:
    """Per space id, one escaped "food (gap in X, 12 min walk; Y, 14 min walk)" per domain."""
    near = getattr(anchor, "spaces_near_gaps", None)
    if near is None or near.empty or not {"space_id", "domain", "unit_id"} <= set(near.columns):
        return {}
    out: dict[str, list[str]] = {}
    frame = near.assign(space_id=near["space_id"].astype(str), domain=near["domain"].astype(str))
    for (space, dom), rows in frame.groupby(["space_id", "domain"], sort=False):
        places = []
        for row in rows.to_dict("records"):
            name = text(row.get("name")) or text(row.get("unit_id"))
            minutes = fmt_minutes(row.get("walk_min"))
            extra = f", {minutes} min {travel}" if minutes is not None else ""
            places.append(f"<bdi>{name}</bdi>{extra}")
        shown = "; ".join(places[:MAX_GAP_NAMES])
        if len(places) > MAX_GAP_NAMES:
            shown += f" and {len(places) - MAX_GAP_NAMES} more"
        out.setdefault(str(space), []).append(f"{_domain_word(domains, str(dom))} (gap in {shown})")
    return out


def _host_words(value: object, domains: Mapping[str, Domain]) -> str:
    if is_missing(value):
        return ""
    return ", ".join(_domain_word(domains, k) for k in parse_hosts(value))


def _positions_size(frame: gpd.GeoDataFrame | None) -> Callable[[dict[str, Any]], int]:
    """Diameter in pixels of a site's symbol: area in proportion to its open positions."""
    values = (
        pd.to_numeric(frame["open_positions"], errors="coerce")
        if frame is not None and "open_positions" in frame.columns
        else pd.Series(dtype=float)
    )
    top = float(values.max()) if values.notna().any() else 0.0

    def size(row: dict[str, Any]) -> int:
        v = row.get("open_positions")
        if is_missing(v) or top <= 0:
            return 16
        n = max(float(str(v)), 0.0)
        return int(round(14 + 26 * math.sqrt(n / top)))

    return size


def anchor_specs(
    anchor: Anchor | None,
    unit_ids: Sequence[str],
    *,
    domains: Mapping[str, Domain] | None = None,
    need_percentile: float = 75.0,
    synthetic: bool = False,
    travel: str = "walk",
) -> list[dict[str, Any]]:
    """Describe the hospital's layers: site, spaces, open positions and one per measure.

    Parameters
    ----------
    anchor : Anchor or None
        The anchor institution's published (aggregated, suppressed) assets.
    unit_ids : sequence of str
        Units in map order: area layers point at the shared unit polygons.
    domains : mapping of str to Domain, optional
        For the labels of what a space could host.
    need_percentile : float, default 75
        The study's gap percentile (0–100), named in the alignment sentences.
    synthetic : bool, default False
        Label the legends "Synthetic hospital data".
    travel : str, default "walk"
        How travel times read ("walk" or "drive").

    Returns
    -------
    list of dict
        Points layers (``kind="points"``, shown; positions carry a diameter per row) and
        one area layer per measure present (``kind="cells"``, hidden at start: ``cells``
        are ``[unit position, class, value in words]`` with class ``-2`` for a suppressed
        cell, whose words are :data:`HIDDEN`), each with an escaped ``name``.

    Examples
    --------
    >>> anchor_specs(None, [])
    []
    """
    if anchor is None:
        return []
    name = anchor.name
    domains = domains or {}
    near = _gaps_by_space(anchor, domains, travel)

    def site_popup(row: dict[str, Any]) -> str:
        beds = fmt_int(row.get("beds"), unknown="")
        return rows_table(text(row.get("name", name)), [("Beds", beds)])

    def site_tip(row: dict[str, Any]) -> str:
        return f"<bdi>{text(row.get('name', name), limit=80)}</bdi>"

    def space_popup(row: dict[str, Any]) -> str:
        rows = [
            ("Type", text(row.get("space_type"))),
            ("Capacity", fmt_int(row.get("capacity"), unknown="")),
            ("Accessible", _yes_no(row.get("accessible"))),
            ("Availability", text(row.get("availability"))),
            ("Suitable for", _host_words(row.get("hosts"), domains)),
        ]
        html = rows_table(text(row.get("name")), rows)
        gaps = near.get(str(row.get("space_id")), [])
        if gaps:
            line = f'<p class="am-hosts"><b>Could host:</b> {", ".join(gaps)}</p>'
            html = html.removesuffix("</div>") + line + "</div>"
        return html

    def space_tip(row: dict[str, Any]) -> str:
        tip = f"<bdi>{text(row.get('name'), limit=80)}</bdi>"
        if near.get(str(row.get("space_id"))):
            tip += "<br>near a gap: could host a missing service"
        return tip

    def jobs_popup(row: dict[str, Any]) -> str:
        rows = [
            ("Open positions", fmt_int(row.get("open_positions"), unknown="")),
            ("By job family", text(row.get("by_job_family"))),
        ]
        return rows_table(text(row.get("site", row.get("name"))), rows)

    def jobs_tip(row: dict[str, Any]) -> str:
        n = fmt_int(row.get("open_positions"), unknown="")
        return f"<bdi>{text(row.get('site', row.get('name')), limit=80)}</bdi>: {n} open positions"

    positions = getattr(anchor, "positions", None)
    layers = [
        _points(
            f"Hospital: {name}",
            anchor.hospital,
            symbol=_square(HOSPITAL_RED, "plus", "+"),
            css="am-hospital",
            popup=site_popup,
            tip=site_tip,
        ),
        _points(
            "Hospital spaces to share",
            anchor.spaces,
            symbol=_square(SPACE_TEAL, "door", "S"),
            css="am-space",
            popup=space_popup,
            tip=space_tip,
        ),
        _points(
            "Hospital open positions",
            positions,
            symbol=_disc(JOBS_PURPLE, 14),
            css="am-positions",
            popup=jobs_popup,
            tip=jobs_tip,
            size=_positions_size(positions),
        ),
    ]
    for measure in MEASURES:
        layers.append(
            _measure_layer(
                anchor, measure, unit_ids, need_percentile=need_percentile, synthetic=synthetic
            )
        )
    return [layer for layer in layers if layer is not None]


def anchor_legend(
    anchor: Anchor | None,
    layers: Sequence[Mapping[str, Any]],
    *,
    need_percentile: float = 75.0,
    synthetic: bool = False,
) -> str:
    """Return the legend's "Hospital" part: symbols, privacy, and alignment at a glance.

    Parameters
    ----------
    anchor : Anchor or None
        The anchor (for its suppression threshold and alignment table).
    layers : sequence of dict
        From :func:`anchor_specs`.
    need_percentile : float, default 75
        The study's gap percentile.
    synthetic : bool, default False
        Say the hospital's data are synthetic.

    Returns
    -------
    str
        Escaped HTML; ``""`` when there are no hospital layers.

    Examples
    --------
    >>> anchor_legend(None, [])
    ''
    """
    if anchor is None or not layers:
        return ""
    parts = ["<h2>Hospital</h2>"]
    for layer in layers:
        if layer["kind"] != "points":
            continue
        words = str(layer["name"])
        if layer.get("css") == "am-positions":
            words += " (circle area = number of open positions)"
        if layer.get("css") == "am-space" and any("near a gap" in r[3] for r in layer["rows"]):
            words += " (the popup says which gaps each could help close)"
        parts.append(_row(str(layer["symbol"]), words))
    cells = [layer for layer in layers if layer["kind"] == "cells"]
    if cells:
        names = ", ".join(_lower_first(str(m.short)) for m in MEASURES if _has(cells, m.key))
        parts.append(
            f"<p>By neighbourhood: {names} (off at start; one shading shows at a time). "
            "Darker = more.</p>"
        )
        if any(_has(cells, m.key) for m in MEASURES if m.people):
            parts.append(_row(HATCH_SWATCH, _hidden_line(int(anchor.min_cell))))
        summary = _alignment_summary(anchor, cells, need_percentile)
        if summary:
            parts.append(f'<p class="am-align">{summary}</p>')
    if synthetic:
        parts.append('<p class="am-synthetic-note">Synthetic hospital data, for demonstration.</p>')
    return "".join(parts)


def _has(cells: Sequence[Mapping[str, Any]], key: str) -> bool:
    return any(c.get("measure") == key for c in cells)


def _alignment_summary(
    anchor: Anchor, cells: Sequence[Mapping[str, Any]], need_percentile: float
) -> str:
    """Return every measure's alignment in one line: "employees 47% (1.75× …); …"."""
    items, pop = [], None
    for m in MEASURES:
        row = _alignment_row(anchor, m.key) if _has(cells, m.key) else None
        if row is None:
            continue
        share, ratio = _pct(row.get("share_high_need")), _times(row.get("ratio"))
        pop = pop or _pct(row.get("population_share"))
        if share is not None and ratio is not None:
            items.append(f"{m.short} {share} ({ratio} the population share)")
    if not items or pop is None:
        return ""
    return (
        f"<b>Anchor alignment.</b> Share in high-need neighbourhoods (need at or above the "
        f"{float(need_percentile):g}th percentile, home to {pop} of residents): "
        + "; ".join(items)
        + "."
    )
