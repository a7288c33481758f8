"""The hospital's measures drawn by neighbourhood: employees, new hires, spending, investment.

Each :class:`Measure` is a choropleth of the shared unit polygons (:func:`measure_layer`),
never of homes. A cell the anchor suppressed for privacy (see
:mod:`assetmap.anchor.privacy`) is hatched and reads :data:`HIDDEN`: its count is dropped
here, before anything is classified or written, so no number of a hidden cell is in the
page. Zero-heavy measures get a class of their own for "none" (:func:`shade_classes`), and each
layer's legend carries its classes, what hatching means and its anchor alignment in words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from assetmap.maps._classes import MISSING_COLOUR, classify_values, palette
from assetmap.maps._html import fmt_int, is_missing, text
from assetmap.maps._layers import unit_positions

if TYPE_CHECKING:
    from assetmap.anchor.model import Anchor

__all__ = [
    "HATCH_SWATCH",
    "HIDDEN",
    "HIDDEN_CLASS",
    "MEASURES",
    "Measure",
    "Shades",
    "alignment_row",
    "alignment_words",
    "hidden_line",
    "legend_row",
    "lower_first",
    "measure_layer",
    "money_words",
    "pct_words",
    "shade_classes",
    "times_words",
]


#: What a suppressed cell says, wherever its count would have been.
HIDDEN = "hidden to protect privacy"
#: Class of a suppressed cell in a layer's ``cells`` (``-1`` is "no data").
HIDDEN_CLASS = -2


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


def money_words(value: object) -> str:
    """Return dollars in words ("$1,250"), "no data" when missing."""
    return "no data" if is_missing(value) else f"${float(str(value)):,.0f}"


def lower_first(label: str) -> str:
    """Lower the first letter of a label: "Primary care" → "primary care" ("WIC" stays)."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def hidden_flags(frame: pd.DataFrame, key: str) -> pd.Series:
    """Return, per row, whether the anchor suppressed the ``key`` count for privacy."""
    flag = f"{key}_suppressed"
    if flag not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[flag].astype("boolean").fillna(False).astype(bool)


def _value_words(measure: Measure, value: object, row: Mapping[str, Any]) -> str:
    words = money_words(value) if measure.unit == "$" else fmt_int(value, unknown="no data")
    if measure.key == "spend_usd" and not is_missing(value):
        vendors = fmt_int(row.get("vendors"), unknown="")
        words += f" with {vendors} vendor(s)" if vendors else ""
    if measure.key == "investment_usd" and not is_missing(value):
        kinds = text(row.get("types"))
        words += f" ({kinds})" if kinds else ""
    return words


def alignment_row(anchor: Anchor, key: str) -> Mapping[str, Any] | None:
    """Return the alignment table's row of a measure, None when there is none."""
    table = getattr(anchor, "alignment", None)
    if table is None or table.empty or "measure" not in table.columns:
        return None
    rows = table[table["measure"].astype(str) == key]
    return rows.iloc[0].to_dict() if not rows.empty else None


def pct_words(value: object) -> str | None:
    """Return a share as a whole percentage ("47%"), None when missing or infinite."""
    if is_missing(value):
        return None
    v = float(str(value))
    return None if math.isinf(v) else f"{round(v * 100)}%"


def times_words(value: object) -> str | None:
    """Return a ratio as "1.75×", None when missing or infinite."""
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
        pct_words(row.get("share_high_need")),
        pct_words(row.get("population_share")),
        times_words(row.get("ratio")),
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
class Shades:
    """Classes of one measure: "none" (zero), then quantiles of the units with any."""

    cls: list[int]  # per row: 0 = none, 1.. = quantile class, -1 = no data
    colours: tuple[str, ...]
    spans: list[tuple[float, float] | None]  # per class: smallest and largest value in it
    method: str


def shade_classes(values: pd.Series, palette_name: str, k: int = 4) -> Shades:
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
    return Shades([int(c) for c in cls.to_numpy()], colours, spans, inner.method)


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


def legend_row(swatch: str, label: str) -> str:
    """Return one legend line: a swatch (our markup) and escaped words."""
    return f'<div class="am-row">{swatch}<span>{label}</span></div>'


def hidden_line(min_cell: int) -> str:
    """Return what hatching means, naming the anchor's smallest published count."""
    return (
        f"{HIDDEN}: fewer than {int(min_cell)} people, or hidden too so that a total "
        "cannot give a small count away"
    )


HATCH_SWATCH = '<span class="am-swatch am-swatch-hidden"></span>'


def _layer_legend(
    measure: Measure,
    shades: Shades,
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
        parts.append(legend_row(swatch, _span_words(measure, span, i == 0)))
    if measure.people or any_hidden:
        parts.append(legend_row(HATCH_SWATCH, hidden_line(min_cell)))
    missing = f'<span class="am-swatch" style="background:{MISSING_COLOUR}"></span>'
    parts.append(legend_row(missing, "no data"))
    if alignment:
        parts.append(f'<p class="am-align"><b>Anchor alignment.</b> {alignment}</p>')
    if synthetic:
        parts.append('<p class="am-synthetic-note">Synthetic hospital data, for demonstration.</p>')
    return "".join(parts)


def measure_layer(
    anchor: Anchor,
    measure: Measure,
    unit_ids: Sequence[str],
    *,
    need_percentile: float,
    synthetic: bool,
) -> dict[str, Any] | None:
    """Describe one measure as an area layer of the units, hidden at start (None if absent).

    ``cells`` are ``[unit position, class, value in words]``; a suppressed cell has class
    :data:`HIDDEN_CLASS` and the words :data:`HIDDEN`, its count dropped before classing.
    """
    frame = getattr(anchor, measure.frame, None)
    if frame is None or frame.empty or measure.key not in frame.columns:
        return None
    hidden = hidden_flags(frame, measure.key) if measure.people else None
    values = pd.to_numeric(frame[measure.key], errors="coerce")
    if hidden is not None:
        # a suppressed count never reaches the map: dropped before classing and wording
        values = values.mask(hidden.to_numpy())
    shades = shade_classes(values, measure.palette)
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
    alignment = alignment_words(measure, alignment_row(anchor, measure.key), need_percentile)
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
