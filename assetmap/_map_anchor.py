"""Layers of the anchor institution's own assets: site, spaces, jobs, employees, spending.

Employment, purchasing and investment are per unit before they reach the map and are
drawn on the shared unit polygons; cells the anchor suppressed for privacy (fewer than
``min_cell`` people) are drawn grey and never carry their count. These area layers start
hidden so they do not stack on the need layer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from assetmap._map_classes import classify_values
from assetmap._map_geometry import DECIMALS
from assetmap._map_html import fmt_int, is_missing, rows_table, text
from assetmap._map_layers import unit_positions

if TYPE_CHECKING:
    import geopandas as gpd

    from assetmap.anchor import Anchor

__all__ = ["anchor_specs"]

HOSPITAL_RED = "#b00020"
SPACE_TEAL = "#00796b"
JOBS_PURPLE = "#5e3c99"


def _square(fill: str, letter: str) -> str:
    return f'<span class="am-square" aria-hidden="true" style="background:{fill}">{letter}</span>'


def _points(
    name: str,
    frame: gpd.GeoDataFrame | None,
    *,
    fill: str,
    letter: str,
    css: str,
    popup: Callable[[dict[str, Any]], str],
    tip: Callable[[dict[str, Any]], str],
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
        rows.append([round(p.x, DECIMALS), round(p.y, DECIMALS), popup(row), tip(row)])
    if not rows:
        return None
    return {
        "kind": "points",
        "name": text(name),
        "pin": _square(fill, letter),
        "symbol": _square(fill, letter),
        "css": css,
        "rows": rows,
        "show": True,
    }


def _cells(
    name: str,
    frame: pd.DataFrame,
    values: pd.Series,
    unit_ids: Sequence[str],
    *,
    palette_name: str,
    tip: Callable[[dict[str, Any]], str],
) -> dict[str, Any] | None:
    classes = classify_values(values, k=5, palette_name=palette_name)
    where = unit_positions(frame, unit_ids)
    records = frame.drop(columns="geometry", errors="ignore").to_dict("records")
    cells = [
        [pos, int(c), tip(row)]
        for pos, c, row in zip(where, classes.yb.to_numpy(), records, strict=True)
        if pos is not None
    ]
    if not cells:
        return None
    darkest = classes.colour_of(max(classes.k - 1, 0))
    swatch = f'<span class="am-swatch" aria-hidden="true" style="background:{darkest}"></span>'
    return {
        "kind": "cells",
        "name": text(name),
        "symbol": swatch,
        "colours": list(classes.colours),
        "cells": cells,
        "show": False,
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


def _head(row: dict[str, Any]) -> str:
    return f"<b><bdi>{text(row.get('name'))}</bdi></b>"


def _employment(anchor: Anchor, unit_ids: Sequence[str]) -> dict[str, Any] | None:
    emp = anchor.employment
    if emp is None or emp.empty or "employees" not in emp.columns:
        return None
    hidden = (
        emp["employees_suppressed"].fillna(False).astype(bool)
        if "employees_suppressed" in emp.columns
        else pd.Series(False, index=emp.index)
    )
    frame = emp.copy()
    frame["employees"] = pd.to_numeric(frame["employees"], errors="coerce").mask(hidden)
    frame["_hidden"] = hidden.to_numpy()

    def tip(row: dict[str, Any]) -> str:
        if row["_hidden"]:
            count = f"fewer than {int(anchor.min_cell)} (suppressed)"
        else:
            count = fmt_int(row.get("employees"), unknown="no data")
        return f"{_head(row)}<br>Hospital employees living here: {count}"

    # a suppressed count never reaches the map: it is NaN before classing and in the tip
    return _cells(
        "Hospital employees by home area",
        frame,
        frame["employees"],
        unit_ids,
        palette_name="Blues",
        tip=tip,
    )


def _purchasing(anchor: Anchor, unit_ids: Sequence[str]) -> dict[str, Any] | None:
    spend = anchor.purchasing
    if spend is None or spend.empty or "spend_usd" not in spend.columns:
        return None

    def tip(row: dict[str, Any]) -> str:
        vendors = fmt_int(row.get("vendors"), unknown="")
        extra = f" with {vendors} vendor(s)" if vendors else ""
        return f"{_head(row)}<br>Hospital spending here: {_money(row.get('spend_usd'))}{extra}"

    values = pd.to_numeric(spend["spend_usd"], errors="coerce")
    return _cells(
        "Hospital spending by area", spend, values, unit_ids, palette_name="Greens", tip=tip
    )


def _investment(anchor: Anchor, unit_ids: Sequence[str]) -> dict[str, Any] | None:
    inv = getattr(anchor, "investment", None)
    if inv is None or inv.empty or "investment_usd" not in inv.columns:
        return None

    def tip(row: dict[str, Any]) -> str:
        kinds = text(row.get("types"))
        extra = f" ({kinds})" if kinds else ""
        amount = _money(row.get("investment_usd"))
        return f"{_head(row)}<br>Hospital investment here: {amount}{extra}"

    values = pd.to_numeric(inv["investment_usd"], errors="coerce")
    return _cells(
        "Hospital investment by area", inv, values, unit_ids, palette_name="Purples", tip=tip
    )


def anchor_specs(anchor: Anchor | None, unit_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Describe the hospital's layers: site, spaces, open jobs, employees, spending, investment.

    Parameters
    ----------
    anchor : Anchor or None
        The anchor institution's published (aggregated, suppressed) assets.
    unit_ids : sequence of str
        Units in map order: area layers point at the shared unit polygons.

    Returns
    -------
    list of dict
        Points layers (``kind="points"``, shown) and area layers (``kind="cells"``,
        hidden at start), each with an escaped ``name``.
    """
    if anchor is None:
        return []
    name = anchor.name

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
            ("Could host", text(row.get("hosts"))),
        ]
        return rows_table(text(row.get("name")), rows)

    def jobs_popup(row: dict[str, Any]) -> str:
        rows = [
            ("Open positions", fmt_int(row.get("open_positions"), unknown="")),
            ("By job family", text(row.get("by_job_family"))),
        ]
        return rows_table(text(row.get("site", row.get("name"))), rows)

    def jobs_tip(row: dict[str, Any]) -> str:
        n = fmt_int(row.get("open_positions"), unknown="")
        return f"<bdi>{text(row.get('site', row.get('name')), limit=80)}</bdi>: {n} open positions"

    layers = [
        _points(
            f"Hospital: {name}",
            anchor.hospital,
            fill=HOSPITAL_RED,
            letter="+",
            css="am-hospital",
            popup=site_popup,
            tip=site_tip,
        ),
        _points(
            "Hospital spaces to share",
            anchor.spaces,
            fill=SPACE_TEAL,
            letter="S",
            css="am-space",
            popup=space_popup,
            tip=lambda row: f"<bdi>{text(row.get('name'), limit=80)}</bdi>",
        ),
        _points(
            "Hospital open positions",
            getattr(anchor, "positions", None),
            fill=JOBS_PURPLE,
            letter="J",
            css="am-positions",
            popup=jobs_popup,
            tip=jobs_tip,
        ),
        _employment(anchor, unit_ids),
        _purchasing(anchor, unit_ids),
        _investment(anchor, unit_ids),
    ]
    return [layer for layer in layers if layer is not None]
