"""The study map: need, services by domain, gaps, overlaps and the hospital's own assets.

:func:`make_map` draws an :class:`~assetmap.atlas.Atlas` as one interactive folium map
that a coalition can open in any browser: a need choropleth with a legend in words, one
toggleable layer per service domain, the gaps and overlaps the analysis found, the anchor
hospital's layers, and a footer naming every source and its vintage. Each layer is built
by a function of :mod:`assetmap._map_layers` (anchor layers: :mod:`assetmap._map_anchor`);
this module only assembles them.

folium, branca and mapclassify are imported when a map is drawn, never by ``import
assetmap``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from assetmap import _map_anchor, _map_html, _map_layers, _map_panels
from assetmap._map_classes import Classes, classify_values

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from assetmap.atlas import Atlas

__all__ = ["make_map"]


def make_map(
    atlas: Atlas,
    *,
    m: folium.Map | None = None,
    need_column: str = "need_pct",
    classify: str = "quantiles",
    k: int = 5,
) -> folium.Map:
    """Draw a study as an interactive map of need, services, gaps and overlaps.

    Parameters
    ----------
    atlas : Atlas
        The study. Its frames may be in any CRS; they are drawn in EPSG:4326.
    m : folium.Map, optional
        A map to add the layers to; a new one (OpenStreetMap tiles, fitted to the units)
        when omitted. An existing ``LayerControl`` of ``m`` is replaced by one that lists
        every layer.
    need_column : str, default "need_pct"
        Units column shown as the choropleth: the overall need percentile (0–1), or
        ``need_score``, ``theme_<theme>``, an indicator key or ``<indicator>_pct``.
    classify : {"quantiles", "naturalbreaks"}, default "quantiles"
        How :mod:`mapclassify` forms classes: the same number of units per class, or
        breaks where the data have gaps (Jenks, computed exactly as Fisher-Jenks).
    k : int, default 5
        Number of classes, 2 to 9.

    Returns
    -------
    folium.Map
        Save with ``m.save("map.html")``; every text from the data is escaped.

    Raises
    ------
    ValueError
        If ``need_column`` is not a column of ``atlas.units``, ``classify`` or ``k`` is
        not one of the choices, or a frame has no CRS.

    Examples
    --------
    >>> import assetmap as am  # doctest: +SKIP
    >>> atlas = am.Atlas.build(...)  # doctest: +SKIP
    >>> m = make_map(atlas, classify="naturalbreaks", k=4)  # doctest: +SKIP
    >>> m.save("map.html")  # doctest: +SKIP
    """
    import folium

    units = _wgs84(atlas.units, "atlas.units")
    if need_column not in units.columns:
        msg = (
            f"atlas.units has no column {need_column!r} to map; pass need_column= one of "
            f"need_pct, need_score or an indicator column ({', '.join(units.columns[:12])}, …)"
        )
        raise ValueError(msg)
    classes = classify_values(units[need_column], method=classify, k=k)
    created = m is None
    if m is None:
        minx, miny, maxx, maxy = units.total_bounds
        centre = [(miny + maxy) / 2, (minx + maxx) / 2] if len(units) else [40.84, -73.9]
        m = folium.Map(location=centre, zoom_start=12, tiles=None, control_scale=True)
        folium.TileLayer("OpenStreetMap", name="Street map (OpenStreetMap)").add_to(m)
    _map_html.add_styles(m)
    _add_layers(m, atlas, units, need_column, classes)
    _add_layer_control(m)
    if created and len(units):
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _add_layers(
    m: folium.Map, atlas: Atlas, units: gpd.GeoDataFrame, column: str, classes: Classes
) -> None:
    """Add every layer and panel, bottom to top."""
    prov = atlas.provenance or {}
    scale = _map_panels.need_scale(column, atlas.indicators)
    over = _wgs84(atlas.overlaps, "atlas.overlaps") if atlas.overlaps is not None else None
    gap_lines = _map_layers.gap_lines(
        atlas.gaps, atlas.domains, travel_word=_map_panels.travel_word(prov)
    )
    notes = {uid: list(lines) for uid, lines in gap_lines.items()}
    for uid, lines in _map_layers.over_served_lines(over, atlas.domains).items():
        notes.setdefault(uid, []).extend(lines)
    _map_layers.add_need_layer(
        m, units, units[column], classes, name=scale.title, describe=scale.describe, notes=notes
    )
    gaps = _map_layers.add_gaps_layer(m, units, gap_lines)
    overlaps = None
    if over is not None and not over.empty:
        overlaps = _map_layers.add_overlaps_layer(m, over, atlas.domains)
    assets = _wgs84(atlas.assets, "atlas.assets")
    _map_layers.add_asset_layers(m, assets, atlas.domains)
    anchor = atlas.anchor
    if anchor is not None:
        frames = ("hospital", "employment", "purchasing", "spaces")
        anchor = dataclasses.replace(
            anchor,
            **{
                f: _wgs84(getattr(anchor, f), f"atlas.anchor.{f}")
                for f in frames
                if getattr(anchor, f) is not None
            },
        )
        _map_anchor.add_employment_layer(m, anchor)
        _map_anchor.add_purchasing_layer(m, anchor)
        _map_anchor.add_hospital_layer(m, anchor)
        _map_anchor.add_spaces_layer(m, anchor)
    _map_html.add_panel(
        m,
        _map_panels.title_html(atlas.name, synthetic=atlas.synthetic),
        position="topleft",
        css_class="am-title",
        label="Map title",
        first=True,
    )
    legend = _map_panels.legend_html(
        scale,
        classes,
        vintage=_map_panels.need_vintage(prov),
        domains=[(lab, col) for _, lab, col in _map_layers.domains_drawn(assets, atlas.domains)],
        gaps=gaps is not None,
        overlaps=overlaps is not None,
        anchor=anchor is not None,
        min_cell=anchor.min_cell if anchor is not None else 11,
    )
    _map_html.add_panel(m, legend, position="bottomleft", css_class="am-legend", label="Legend")
    footer = _map_panels.footer_html(prov)
    _map_html.add_panel(m, footer, position="bottomright", css_class="am-footer", label="Sources")


def _wgs84(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """Return ``frame`` in EPSG:4326 with a string index; raise if it has no CRS."""
    if frame.crs is None and frame.empty:
        return frame.copy()
    if frame.crs is None:
        msg = f"{what} has no CRS; set one with .set_crs(...) (assetmap exchanges EPSG:4326)"
        raise ValueError(msg)
    out = frame if frame.crs.to_epsg() == 4326 else frame.to_crs(4326)
    out = out.copy()
    out.index = out.index.astype(str)
    return out


def _add_layer_control(m: folium.Map) -> None:
    """Add an expanded layer control last, replacing any the map already had."""
    import folium

    for key, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            del m._children[key]
    folium.LayerControl(collapsed=False).add_to(m)
