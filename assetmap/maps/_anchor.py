"""Layers of the anchor institution's own assets: site, spaces, jobs, and one per measure.

The hospital's site, its shareable spaces and its open positions are points; each popup's
values are written with its description in :mod:`assetmap.maps._popups` (``site``,
``space``, ``jobs``). Open positions are proportional symbols at their sites; shareable
spaces say what they could host and which gap neighbourhoods they are near. Employment,
purchasing and investment are choropleths of the shared unit polygons, never homes (see
:mod:`assetmap.maps._measures`, which also hides suppressed cells); they start hidden and
the map shows one shading at a time. :func:`anchor_legend` is the legend's hospital part.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from assetmap.domains import parse_hosts
from assetmap.icons import icon_svg
from assetmap.maps._geometry import DECIMALS
from assetmap.maps._html import fmt_int, fmt_minutes, is_missing, text
from assetmap.maps._measures import (
    HATCH_SWATCH,
    HIDDEN,
    HIDDEN_CLASS,
    MEASURES,
    Measure,
    alignment_row,
    alignment_words,
    hidden_line,
    legend_row,
    lower_first,
    measure_layer,
    pct_words,
    times_words,
)
from assetmap.maps._popups import POPUPS

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

Row = dict[str, Any]

HOSPITAL_RED = "#b00020"
SPACE_TEAL = "#00796b"
JOBS_PURPLE = "#5e3c99"
#: Most gap neighbourhoods named per domain in a space's popup.
MAX_GAP_NAMES = 4


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
    popup: str,
    tip: Callable[[Row], str],
    record: Callable[[Row], Row] = dict,
    size: Callable[[Row], int] | None = None,
) -> dict[str, Any] | None:
    """Describe a layer of points: rows ``[lon, lat, popup values, tooltip, (size)]``."""
    if frame is None or frame.empty:
        return None
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    rows = []
    records = frame.drop(columns="geometry").to_dict("records")
    for geom, row in zip(frame.geometry, records, strict=True):
        p = geom if geom.geom_type == "Point" else geom.representative_point()
        values = POPUPS[popup].values(record(row))
        out: list[Any] = [round(p.x, DECIMALS), round(p.y, DECIMALS), values, tip(row)]
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
        "popup": popup,
        "rows": rows,
        "show": True,
    }


def _domain_word(domains: Mapping[str, Domain], key: str) -> str:
    dom = domains.get(key)
    label = dom.label if dom is not None else key.replace("_", " ")
    return text(lower_first(str(label)))


def _gaps_by_space(anchor: Anchor, domains: Mapping[str, Domain], travel: str) -> dict[str, Any]:
    """Per space id, the gaps it is near: ``[domain, [[name, "12 min walk"], ...], more]``."""
    near = getattr(anchor, "spaces_near_gaps", None)
    if near is None or near.empty or not {"space_id", "domain", "unit_id"} <= set(near.columns):
        return {}
    out: dict[str, Any] = {}
    frame = near.assign(space_id=near["space_id"].astype(str), domain=near["domain"].astype(str))
    for (space, dom), rows in frame.groupby(["space_id", "domain"], sort=False):
        places = []
        for row in rows.to_dict("records"):
            name = text(row.get("name")) or text(row.get("unit_id"))
            minutes = fmt_minutes(row.get("walk_min"))
            places.append([name, f"{minutes} min {travel}" if minutes is not None else ""])
        more = max(len(places) - MAX_GAP_NAMES, 0)
        gap = [_domain_word(domains, str(dom)), places[:MAX_GAP_NAMES], more]
        out.setdefault(str(space), []).append(gap)
    return out


def _host_words(value: object, domains: Mapping[str, Domain]) -> str:
    if is_missing(value):
        return ""
    return ", ".join(_domain_word(domains, k) for k in parse_hosts(value))


def _positions_size(frame: gpd.GeoDataFrame | None) -> Callable[[Row], int]:
    """Diameter in pixels of a site's symbol: area in proportion to its open positions."""
    values = (
        pd.to_numeric(frame["open_positions"], errors="coerce")
        if frame is not None and "open_positions" in frame.columns
        else pd.Series(dtype=float)
    )
    top = float(values.max()) if values.notna().any() else 0.0

    def size(row: Row) -> int:
        v = row.get("open_positions")
        if is_missing(v) or top <= 0:
            return 16
        n = max(float(str(v)), 0.0)
        return int(round(14 + 26 * math.sqrt(n / top)))

    return size


def _space_tip(row: Row, near: Mapping[str, Any]) -> str:
    tip = f"<bdi>{text(row.get('name'), limit=80)}</bdi>"
    if near.get(str(row.get("space_id"))):
        tip += "<br>near a gap: could host a missing service"
    return tip


def _jobs_tip(row: Row) -> str:
    n = fmt_int(row.get("open_positions"), unknown="")
    return f"<bdi>{text(row.get('site', row.get('name')), limit=80)}</bdi>: {n} open positions"


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

    def site(row: Row) -> Row:
        return row if "name" in row else {**row, "name": name}

    def space(row: Row) -> Row:
        gaps = near.get(str(row.get("space_id")), "")
        return {**row, "suitable": _host_words(row.get("hosts"), domains), "could_host": gaps}

    positions = getattr(anchor, "positions", None)
    layers = [
        _points(
            f"Hospital: {name}",
            anchor.hospital,
            symbol=_square(HOSPITAL_RED, "plus", "+"),
            css="am-hospital",
            popup="site",
            tip=lambda row: f"<bdi>{text(site(row)['name'], limit=80)}</bdi>",
            record=site,
        ),
        _points(
            "Hospital spaces to share",
            anchor.spaces,
            symbol=_square(SPACE_TEAL, "door", "S"),
            css="am-space",
            popup="space",
            tip=lambda row: _space_tip(row, near),
            record=space,
        ),
        _points(
            "Hospital open positions",
            positions,
            symbol=_disc(JOBS_PURPLE, 14),
            css="am-positions",
            popup="jobs",
            tip=_jobs_tip,
            size=_positions_size(positions),
        ),
    ]
    for measure in MEASURES:
        layers.append(
            measure_layer(
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
        parts.append(legend_row(str(layer["symbol"]), words))
    cells = [layer for layer in layers if layer["kind"] == "cells"]
    if cells:
        names = ", ".join(lower_first(str(m.short)) for m in MEASURES if _has(cells, m.key))
        parts.append(
            f"<p>By neighbourhood: {names} (off at start; one shading shows at a time). "
            "Darker = more.</p>"
        )
        if any(_has(cells, m.key) for m in MEASURES if m.people):
            parts.append(legend_row(HATCH_SWATCH, hidden_line(int(anchor.min_cell))))
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
        row = alignment_row(anchor, m.key) if _has(cells, m.key) else None
        if row is None:
            continue
        share, ratio = pct_words(row.get("share_high_need")), times_words(row.get("ratio"))
        pop = pop or pct_words(row.get("population_share"))
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
