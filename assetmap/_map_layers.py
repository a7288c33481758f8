"""Layer builders of the study map: one function per layer, each adds a FeatureGroup.

Each builder takes the map and plain data (GeoDataFrames in EPSG:4326, domains), adds one
``folium.FeatureGroup`` that the layer control can toggle, and returns it (or None when
there is nothing to draw). All text from data is escaped with
:func:`assetmap._map_html.text` before it reaches popup, tooltip or layer-name HTML.
GeoJSON carries only what the browser needs: coordinates rounded to 6 decimals (about
10 cm) and one pre-escaped tooltip per feature.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from assetmap._map_classes import Classes
from assetmap._map_html import (
    colour,
    fmt_int,
    fmt_minutes,
    is_missing,
    link_or_text,
    pin_html,
    rows_table,
    text,
)

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from assetmap.domains import Domain

__all__ = [
    "add_asset_layers",
    "add_gaps_layer",
    "add_need_layer",
    "add_overlaps_layer",
    "add_group",
    "choropleth_geojson",
    "domains_drawn",
    "feature_collection",
    "gap_lines",
    "over_served_lines",
    "point_layer",
]

#: Key of the layer holding assets whose domain is not defined.
OTHER = "__other__"

#: A domain with more assets than this is drawn with marker clustering.
CLUSTER_OVER = 50

GAP_STYLE = {"color": "#111111", "weight": 3, "dashArray": "6 4", "fill": False}
CLUSTER_STYLE = {"color": "#5e3c99", "weight": 2, "fillColor": "#5e3c99", "fillOpacity": 0.18}
OVER_SERVED_STYLE = {"color": "#0b4f8a", "weight": 2.5, "dashArray": "2 5", "fill": False}
_HIGHLIGHT = {"weight": 4, "color": "#000000"}


def feature_collection(frame: gpd.GeoDataFrame, properties: list[dict[str, Any]]) -> dict[str, Any]:
    """Build a compact GeoJSON FeatureCollection from geometries and chosen properties.

    Coordinates are rounded to 6 decimals; rows with a missing or empty geometry are
    left out; feature ids are row positions (``"0"``, ``"1"``, …).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        In EPSG:4326.
    properties : list of dict
        One dict per row of ``frame``: the only properties written.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(-73.9000001234, 40.84)], crs=4326)
    >>> feature_collection(g, [{"tip": "a"}])["features"][0]["geometry"]["coordinates"]
    (-73.9, 40.84)
    """
    geoms = np.asarray(frame.geometry.array, dtype=object)
    present = np.array([g is not None for g in geoms], dtype=bool)
    rounded = np.empty(len(geoms), dtype=object)
    rounded[present] = shapely.transform(geoms[present], lambda xy: np.round(xy, 6))
    features = [
        {
            "type": "Feature",
            "id": str(i),
            "properties": props,
            "geometry": shapely.geometry.mapping(geom),
        }
        for i, (geom, props) in enumerate(zip(rounded, properties, strict=True))
        if geom is not None and not geom.is_empty
    ]
    return {"type": "FeatureCollection", "features": features}


def choropleth_geojson(
    data: dict[str, Any],
    style: Callable[[dict[str, Any]], dict[str, Any]],
) -> folium.GeoJson:
    """Return a GeoJSON polygon layer styled per feature, with the ``tip`` property as tooltip.

    ``tip`` must be escaped HTML (folium's GeoJsonTooltip shows it as HTML).
    """
    import folium

    return folium.GeoJson(
        data,
        style_function=style,
        highlight_function=lambda _f: _HIGHLIGHT,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
        control=False,
    )


def add_group(m: folium.Map, name: str, *, show: bool = True) -> folium.FeatureGroup:
    """Add a toggleable FeatureGroup named ``name`` (escaped: the layer control shows HTML)."""
    import folium

    # Leaflet's layer control shows names as HTML: escape them like any data text.
    group = folium.FeatureGroup(name=text(name), show=show)
    group.add_to(m)
    return group


def add_need_layer(
    m: folium.Map,
    units: gpd.GeoDataFrame,
    values: pd.Series,
    classes: Classes,
    *,
    name: str,
    describe: Callable[[object], str],
    notes: dict[str, list[str]] | None = None,
) -> folium.FeatureGroup:
    """Add the need choropleth: one polygon per unit filled by its class.

    Parameters
    ----------
    m : folium.Map
        The map.
    units : geopandas.GeoDataFrame
        Units (EPSG:4326) with ``name`` and ``population``.
    values : pandas.Series
        The classified value of each unit, on the units' index.
    classes : Classes
        From :func:`assetmap._map_classes.classify_values` on the need column.
    name : str
        Layer name.
    describe : callable
        Turns a unit's value into words ("83rd percentile").
    notes : dict of str to list of str, optional
        Escaped extra tooltip lines per unit id (its gaps, over-served services), so one
        hover tells everything about a unit.

    Returns
    -------
    folium.FeatureGroup
    """
    props = []
    for uid, row in units.iterrows():
        cls = int(classes.yb.loc[uid])
        lines = [f"<b><bdi>{text(row.get('name', uid))}</bdi></b>"]
        if cls < 0:
            lines.append("no residents / no data")
        else:
            lines.append(f"{text(describe(values.loc[uid]))} ({classes.words[cls]})")
        lines.append(f"Residents: {fmt_int(row.get('population'))}")
        flags = row.get("need_flags")
        if not is_missing(flags) and int(flags) > 0:
            lines.append(f"{int(flags)} indicator(s) at or above the 90th percentile")
        lines.extend((notes or {}).get(str(uid), []))
        props.append({"c": cls, "tip": "<br>".join(lines)})
    data = feature_collection(units, props)

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        cls = int(feature["properties"]["c"])
        return {
            "fillColor": classes.colour_of(cls),
            "fillOpacity": 0.6 if cls >= 0 else 0.45,
            "color": "#555555",
            "weight": 0.6,
        }

    group = add_group(m, name)
    choropleth_geojson(data, style).add_to(group)
    return group


def _asset_popup(row: pd.Series, label: str) -> str:
    source = "; ".join(s.strip() for s in str(row.get("source", "") or "").split(";") if s)
    verified = row.get("last_verified")
    rows = [
        ("Organisation", text(row.get("org"))),
        ("Service", text(label)),
        ("Address", text(row.get("address"))),
        ("Phone", text(row.get("phone"))),
        ("Hours", text(row.get("hours"))),
        ("Website", link_or_text(row.get("website"))),
        ("Capacity", fmt_int(row.get("capacity"), unknown="")),
        ("Source", text(source)),
        ("Last verified", text(verified) if not is_missing(verified) else "not recorded"),
    ]
    if bool(row.get("outside_region", False)):
        rows.append(("Note", "outside the study area"))
    return rows_table(text(row.get("name")) or "(no name)", rows)


def point_layer(
    frame: gpd.GeoDataFrame, popups: list[str], tips: list[str], icon: folium.DivIcon
) -> folium.GeoJson:
    """Markers with one icon, an escaped popup and an escaped tooltip each, as GeoJSON.

    One GeoJSON layer per group keeps the page small: each point costs its coordinates
    and its two texts, not a block of JavaScript.
    """
    import folium

    props = [{"popup": p, "tip": t} for p, t in zip(popups, tips, strict=True)]
    return folium.GeoJson(
        feature_collection(frame, props),
        marker=folium.Marker(icon=icon),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, localize=False, maxWidth=340),
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
        control=False,
    )


def _pin(domain_colour: str, label: str, css: str) -> folium.DivIcon:
    import folium

    html = pin_html(domain_colour, label)
    return folium.DivIcon(html=html, icon_size=(18, 18), icon_anchor=(9, 9), class_name=css)


def domains_drawn(
    assets: gpd.GeoDataFrame, domains: dict[str, Domain]
) -> list[tuple[str, str, str]]:
    """Return (key, label, colour) of each domain with drawable assets, in file order.

    Assets whose domain is not in ``domains`` come last as ``(OTHER, "Other services", grey)``.
    """
    if assets.empty or "domain" not in assets.columns:
        return []
    drawable = assets[assets.geometry.notna() & ~assets.geometry.is_empty]
    present = set(drawable["domain"].astype(str))
    out = [(k, d.label, colour(d.colour)) for k, d in domains.items() if k in present]
    if present - set(domains):
        out.append((OTHER, "Other services", "#777777"))
    return out


def add_asset_layers(
    m: folium.Map,
    assets: gpd.GeoDataFrame,
    domains: dict[str, Domain],
    *,
    cluster_over: int = CLUSTER_OVER,
) -> list[folium.FeatureGroup]:
    """Add one toggleable layer of markers per service domain present in ``assets``.

    Layers follow the order of ``domains``; assets of an unknown domain go to an
    "Other services" layer. A marker is a small circle in the domain's colour with the
    first letter of its label; its popup lists name, organisation, service, address,
    phone, hours, website (a link only for http/https), source and last verification.
    Domains with more than ``cluster_over`` assets are clustered.

    Returns
    -------
    list of folium.FeatureGroup
        One per domain drawn, in drawing order.
    """
    from folium.plugins import MarkerCluster

    groups = []
    for key, label, fill in domains_drawn(assets, domains):
        keys = assets["domain"].astype(str)
        rows = assets[~keys.isin(list(domains)) if key == OTHER else keys == key]
        rows = rows[rows.geometry.notna() & ~rows.geometry.is_empty]
        group = add_group(m, label)
        target: folium.FeatureGroup | MarkerCluster = group
        if len(rows) > cluster_over:
            target = MarkerCluster(control=False)
            target.add_to(group)
        css = "am-asset am-asset-" + re.sub(r"[^a-z0-9_-]", "", key.lower())
        popups = [_asset_popup(row, label) for _, row in rows.iterrows()]
        tips = [f"<bdi>{text(n, limit=80)}</bdi>" for n in rows.get("name", [""] * len(rows))]
        point_layer(rows, popups, tips, _pin(fill, label, css)).add_to(target)
        groups.append(group)
    return groups


def _gap_line(row: pd.Series, label: str, travel_word: str) -> str:
    minutes = fmt_minutes(row.get("nearest_min"))
    service = f"{label.lower()} service"
    where = (
        f"nearest {text(service)} {minutes} min {travel_word}"
        if minutes is not None
        else f"no {text(service)} found"
    )
    return f"{text(label)} gap: {fmt_int(row.get('population'))} residents, {where}"


def gap_lines(
    gaps: pd.DataFrame, domains: dict[str, Domain], *, travel_word: str = "walk"
) -> dict[str, list[str]]:
    """Return, per unit id, one escaped line per gap, worst first.

    Each line reads "Food gap: 1,234 residents, nearest food service 23 min walk".
    """
    if gaps is None or gaps.empty:
        return {}
    sort_cols = [c for c in ("rank", "domain") if c in gaps.columns]
    ordered = gaps.sort_values(sort_cols) if sort_cols else gaps
    out: dict[str, list[str]] = {}
    for _, row in ordered.iterrows():
        dom = domains.get(str(row["domain"]))
        label = dom.label if dom is not None else str(row["domain"])
        out.setdefault(str(row["unit_id"]), []).append(_gap_line(row, label, travel_word))
    return out


def over_served_lines(
    overlaps: gpd.GeoDataFrame | None, domains: dict[str, Domain]
) -> dict[str, list[str]]:
    """Return, per unit id, one escaped line per over-served domain of that unit."""
    if overlaps is None or overlaps.empty or "kind" not in overlaps.columns:
        return {}
    out: dict[str, list[str]] = {}
    for _, row in overlaps[overlaps["kind"] == "over_served"].iterrows():
        dom = domains.get(str(row.get("domain")))
        label = dom.label if dom is not None else str(row.get("domain"))
        line = f"Over-served: {text(label)}, {fmt_int(row.get('n_providers'))} providers"
        out.setdefault(str(row.get("unit_id")), []).append(line)
    return out


def add_gaps_layer(
    m: folium.Map,
    units: gpd.GeoDataFrame,
    lines: dict[str, list[str]],
) -> folium.FeatureGroup | None:
    """Add the gaps layer: units where high need meets no nearby service, outlined.

    One dashed outline (no fill, so the need layer below stays hoverable) per unit with
    at least one gap; its tooltip names the unit and lists its gaps.

    Parameters
    ----------
    m : folium.Map
        The map.
    units : geopandas.GeoDataFrame
        Units in EPSG:4326, indexed by unit id (str).
    lines : dict of str to list of str
        From :func:`gap_lines`.

    Returns
    -------
    folium.FeatureGroup or None
        None when no unit has a gap.
    """
    ids = [uid for uid in lines if uid in units.index]
    if not ids:
        return None
    frame = units.loc[ids]
    props = [
        {"tip": "<br>".join([f"<b><bdi>{text(name)}</bdi></b>", *lines[uid]])}
        for uid, name in zip(ids, frame.get("name", pd.Series(ids, index=ids)), strict=True)
    ]
    group = add_group(m, "Gaps: high need, no service nearby")
    choropleth_geojson(feature_collection(frame, props), lambda _f: GAP_STYLE).add_to(group)
    return group


def _names(value: object, limit: int = 8) -> str:
    names = [n.strip() for n in str(value or "").split(";") if n.strip()]
    shown = ", ".join(f"<bdi>{text(n, limit=80)}</bdi>" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def add_overlaps_layer(
    m: folium.Map,
    overlaps: gpd.GeoDataFrame,
    domains: dict[str, Domain],
) -> folium.FeatureGroup | None:
    """Add the overlaps layer: clusters of same-domain providers and over-served units.

    Clusters are shaded purple polygons; over-served units get a dotted blue outline
    (no fill, so the need layer's tooltip, which also names them, stays reachable).
    Tooltips give the domain, the number of providers, the plain-language note and the
    providers' names.

    Returns
    -------
    folium.FeatureGroup or None
        None when there are no overlaps.
    """
    if overlaps is None or overlaps.empty:
        return None
    props = []
    for _, row in overlaps.iterrows():
        dom = domains.get(str(row.get("domain")))
        label = dom.label if dom is not None else str(row.get("domain"))
        kind = "over_served" if row.get("kind") == "over_served" else "cluster"
        head = "Over-served area" if kind == "over_served" else "Crowded services"
        lines = [
            f"<b>{head}: {text(label)}, {fmt_int(row.get('n_providers'))} providers</b>",
            f"<bdi>{text(row.get('note'))}</bdi>",
            _names(row.get("names")),
        ]
        props.append({"k": kind, "tip": "<br>".join(x for x in lines if x)})

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        return OVER_SERVED_STYLE if feature["properties"]["k"] == "over_served" else CLUSTER_STYLE

    group = add_group(m, "Overlaps: crowded or duplicated services")
    choropleth_geojson(feature_collection(overlaps, props), style).add_to(group)
    return group
