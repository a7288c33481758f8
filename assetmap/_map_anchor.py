"""Layers of the anchor institution's own assets: site, employees, spending, spaces.

Employment and purchasing are aggregated to units before they reach the map; cells the
anchor suppressed for privacy (fewer than ``min_cell`` people) are drawn grey and never
carry their count. Both choropleths start hidden so they do not stack on the need layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assetmap._map_classes import classify_values
from assetmap._map_html import fmt_int, is_missing, rows_table, text
from assetmap._map_layers import add_group, choropleth_geojson, feature_collection, point_layer

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from assetmap.anchor import Anchor

__all__ = [
    "add_employment_layer",
    "add_hospital_layer",
    "add_purchasing_layer",
    "add_spaces_layer",
]


def _square(fill: str, letter: str, css: str) -> folium.DivIcon:
    import folium

    html = f'<span class="am-square" style="background:{fill}">{letter}</span>'
    return folium.DivIcon(html=html, icon_size=(22, 22), icon_anchor=(11, 11), class_name=css)


def add_hospital_layer(m: folium.Map, anchor: Anchor) -> folium.FeatureGroup | None:
    """Add the anchor hospital's own site(s) as a red "+" marker with name and beds."""
    sites = anchor.hospital
    if sites is None or sites.empty:
        return None
    sites = sites[sites.geometry.notna()]
    popups, tips = [], []
    for _, row in sites.iterrows():
        name = text(row.get("name", anchor.name))
        popups.append(rows_table(name, [("Beds", fmt_int(row.get("beds"), unknown=""))]))
        tips.append(f"<bdi>{text(row.get('name', anchor.name), limit=80)}</bdi>")
    group = add_group(m, f"Hospital: {anchor.name}")
    point_layer(sites, popups, tips, _square("#b00020", "+", "am-hospital")).add_to(group)
    return group


def _anchor_choropleth(
    m: folium.Map,
    frame: gpd.GeoDataFrame,
    column: str,
    *,
    name: str,
    palette_name: str,
    tip: Callable[[pd.Series], str],
    suppressed: pd.Series | None = None,
) -> folium.FeatureGroup:
    values = pd.to_numeric(frame[column], errors="coerce")
    if suppressed is not None:
        values = values.mask(suppressed.astype(bool))
    classes = classify_values(values, k=5, palette_name=palette_name)
    props = [
        {"c": int(c), "tip": tip(row)}
        for c, (_, row) in zip(classes.yb, frame.iterrows(), strict=True)
    ]

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        cls = int(feature["properties"]["c"])
        return {
            "fillColor": classes.colour_of(cls),
            "fillOpacity": 0.7 if cls >= 0 else 0.45,
            "color": "#444444",
            "weight": 0.8,
        }

    group = add_group(m, name, show=False)
    choropleth_geojson(feature_collection(frame, props), style).add_to(group)
    return group


def add_employment_layer(m: folium.Map, anchor: Anchor) -> folium.FeatureGroup | None:
    """Add hospital employees by home unit (hidden at start); small counts stay suppressed.

    Cells marked ``employees_suppressed`` are grey and say "fewer than 11 (suppressed)"
    (with the anchor's ``min_cell``) — the count itself is never written to the map.
    """
    emp = anchor.employment
    if emp is None or emp.empty:
        return None
    suppressed = (
        emp["employees_suppressed"].fillna(False).astype(bool)
        if "employees_suppressed" in emp.columns
        else pd.Series(False, index=emp.index)
    )

    def tip(row: pd.Series) -> str:
        if bool(suppressed.loc[row.name]):
            count = f"fewer than {int(anchor.min_cell)} (suppressed)"
        else:
            count = fmt_int(row.get("employees"), unknown="no data")
        return (
            f"<b><bdi>{text(row.get('name'))}</bdi></b><br>Hospital employees living here: {count}"
        )

    frame = emp.copy()
    frame.loc[suppressed, "employees"] = np.nan  # never ship a suppressed count
    return _anchor_choropleth(
        m,
        frame,
        "employees",
        name="Hospital employees by home area",
        palette_name="Blues",
        tip=tip,
        suppressed=suppressed,
    )


def add_purchasing_layer(m: folium.Map, anchor: Anchor) -> folium.FeatureGroup | None:
    """Add hospital spending with local vendors by unit (hidden at start)."""
    spend = anchor.purchasing
    if spend is None or spend.empty:
        return None

    def tip(row: pd.Series) -> str:
        usd = row.get("spend_usd")
        amount = "no data" if is_missing(usd) else f"${float(usd):,.0f}"
        vendors = fmt_int(row.get("vendors"), unknown="")
        extra = f" with {vendors} vendor(s)" if vendors else ""
        return (
            f"<b><bdi>{text(row.get('name'))}</bdi></b><br>Hospital spending here: {amount}{extra}"
        )

    return _anchor_choropleth(
        m,
        spend,
        "spend_usd",
        name="Hospital spending by area",
        palette_name="Greens",
        tip=tip,
    )


def _yes_no(value: object) -> str:
    if is_missing(value):
        return ""
    word = str(value).strip().lower()
    if word in ("true", "yes", "y", "1", "1.0"):
        return "yes"
    if word in ("false", "no", "n", "0", "0.0"):
        return "no"
    return text(value)


def add_spaces_layer(m: folium.Map, anchor: Anchor) -> folium.FeatureGroup | None:
    """Add the hospital's shareable spaces (rooms, lots, kitchens) as teal "S" markers."""
    spaces = anchor.spaces
    if spaces is None or spaces.empty:
        return None
    spaces = spaces[spaces.geometry.notna()]
    popups, tips = [], []
    for _, row in spaces.iterrows():
        rows = [
            ("Type", text(row.get("space_type"))),
            ("Capacity", fmt_int(row.get("capacity"), unknown="")),
            ("Accessible", _yes_no(row.get("accessible"))),
            ("Availability", text(row.get("availability"))),
        ]
        popups.append(rows_table(text(row.get("name")), rows))
        tips.append(f"<bdi>{text(row.get('name'), limit=80)}</bdi>")
    group = add_group(m, "Hospital spaces to share")
    point_layer(spaces, popups, tips, _square("#00796b", "S", "am-space")).add_to(group)
    return group
