"""The study map: need, services by domain, gaps, overlaps and the hospital's own assets.

:func:`make_map` draws an :class:`~assetmap.atlas.Atlas` as one interactive HTML map that
a coalition can open in any browser, from an e-mail attachment or a shared drive: the need
index and each indicator as switchable choropleths with a legend in words, one layer of
markers per service domain (clustered when dense), the gaps and overlaps the analysis
found, the anchor hospital's layers, a grouped layer control, search by service or
neighbourhood name, full screen, a scale bar, a print view and a footer naming every
source and vintage. A "Suggested new sites" layer (off at start) marks where one more
service of a domain would reach the most residents without one (:mod:`assetmap.analysis.siting`).

The data travel inside the page as one JSON document drawn by a small script
(the small files of ``maps/web/``, joined in a fixed order); the layers are described by
:mod:`assetmap.maps._layers`, :mod:`assetmap.maps._anchor` and :mod:`assetmap.maps._sites`,
every popup by :mod:`assetmap.maps._popups`, the panels by :mod:`assetmap.maps._panels`, the
page element by :mod:`assetmap.maps._element`. This module only assembles them.

folium, branca, mapclassify and xyzservices are imported when a map is drawn, never by
``import assetmap``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assetmap.maps import _layers as layers
from assetmap.maps._anchor import anchor_legend, anchor_specs
from assetmap.maps._classes import MISSING_COLOUR, classify_values
from assetmap.maps._findings import gap_lines, gaps_spec, over_served_lines
from assetmap.maps._geometry import display_geometry
from assetmap.maps._html import text
from assetmap.maps._panels import (
    footer_html,
    gap_percentile,
    goals_html,
    legend_html,
    need_scale,
    need_vintage,
    title_html,
    travel_word,
)
from assetmap.maps._partners import partners_spec
from assetmap.maps._popups import area_spec, popups_spec
from assetmap.maps._reliability import cv_words, not_ranked_words, ranked_values, unreliable_marks
from assetmap.maps._sites import sites_spec

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd
    from xyzservices import TileProvider

    from assetmap.atlas import Atlas

__all__ = ["BASEMAPS", "make_map", "map_spec"]

log = logging.getLogger(__name__)

#: Background maps offered by default: (xyzservices name, name in the layer control).
BASEMAPS: tuple[tuple[str, str], ...] = (
    ("OpenStreetMap.Mapnik", "Streets (OpenStreetMap)"),
    ("Esri.WorldGrayCanvas", "Light grey (Esri)"),
)

#: Words of the map's own interface (no data in them).
TEXT = {
    "layers": "Layers",
    "groupBase": "Background map",
    "groupNeed": "Need",
    "groupServices": "Services",
    "groupFindings": "Findings",
    "groupHospital": "Hospital",
    "groupOwn": "Other layers",
    "noShading": "No shading",
    "indicators": "Indicators",
    "noData": "no residents / no data",
    "residents": "Residents",
    "noneFound": "none found",
    "gap": "gap",
    "noName": "(no name)",
    "neighbourhood": "neighbourhood",
    "searchPlaceholder": "Find a service, place or ZIP",
    "searchLabel": "Find a service or neighbourhood by name, address, ZIP code or kind of service",
    "searchResults": "Matching services and neighbourhoods",
    "noMatch": "No match",
    "matches": "matches; use the up and down arrow keys, then Enter",
    "fullscreen": "Full screen",
    "titleLabel": "Map title",
    "legendLabel": "Legend",
    "footerLabel": "Sources and method",
    "goalsLabel": "Shared goals",
    "notAssessed": "not assessed",
    "focusLabel": "Domain view",
    "allDomains": "All domains",
}


def make_map(
    atlas: Atlas,
    *,
    m: folium.Map | None = None,
    need_column: str = "need_pct",
    indicators: str | Sequence[str] | None = "all",
    classify: str = "quantiles",
    k: int = 5,
    palette: str = "YlOrRd",
    basemaps: Sequence[str | TileProvider] | None = None,
    simplify_m: float = 5.0,
    cluster_over: int = layers.CLUSTER_OVER,
    cdn: bool = False,
    self_contained: bool | None = None,
    js_dir: str | Path | None = None,
) -> folium.Map:
    """Draw a study as an interactive map of need, services, gaps and overlaps.

    Parameters
    ----------
    atlas : Atlas
        The study. Its frames may be in any CRS; they are drawn in EPSG:4326.
    m : folium.Map, optional
        A map to add the study to; a new one, fitted to the units, when omitted. Its own
        tile layers become the background maps, its other layers join the layer control
        under "Other layers", and a folium ``LayerControl`` it had is removed (the study's
        grouped control lists everything).
    need_column : str, default "need_pct"
        Choropleth shown when the map opens: the overall need percentile (0–1),
        ``need_score``, ``theme_<theme>``, an indicator key or ``<indicator>_pct``.
    indicators : "all", sequence of str or None, default "all"
        Indicators offered as choropleths besides the need index (keys of
        ``atlas.indicators`` or other unit columns); None offers only ``need_column``.
    classify : {"quantiles", "naturalbreaks"}, default "quantiles"
        How :mod:`mapclassify` forms classes: the same number of units per class, or
        breaks where the data have gaps (Jenks, computed exactly as Fisher-Jenks).
    k : int, default 5
        Number of classes, 2 to 9.
    palette : str, default "YlOrRd"
        Colour-blind-safe sequential palette of the choropleths, a key of
        :data:`assetmap.maps._classes.PALETTES` ("YlOrRd", "YlGnBu", "Blues", "Greens",
        "Purples", "Oranges", "viridis", "cividis").
    basemaps : sequence of str or xyzservices.TileProvider, optional
        Background maps, first shown; names as in ``xyzservices.providers``. Default
        :data:`BASEMAPS`. A "No background map" choice is always added.
    simplify_m : float, default 5
        Unit and overlap boundaries are simplified for display with this tolerance in
        metres (shared edges stay shared); 0 keeps every vertex. Analysis is unaffected.
    cluster_over : int, default 50
        A service domain with more markers than this is clustered.
    cdn : bool, default False
        By default Leaflet's JavaScript and CSS are written into the page, so the map
        works with no internet at all (only background tiles then fail, and the page says
        so once; boundaries and points still show). The files come from ``js_dir``,
        ``$ASSETMAP_JS_DIR``, the cache folder's ``web/`` or the ``xstatic-leaflet``
        packages installed with assetmap (see :mod:`assetmap.maps._inline`). ``cdn=True``
        links them from a CDN instead: a smaller file that needs internet to draw.
    self_contained : bool, optional
        Deprecated alias of ``cdn=not self_contained`` (warns).
    js_dir : str or Path, optional
        A ``node_modules`` folder (or the same layout) holding ``leaflet`` and
        ``leaflet.markercluster``, searched first unless ``cdn``.

    Returns
    -------
    folium.Map
        Save with ``m.save("map.html")``: one file, data inline, every text from the data
        escaped. The same inputs give byte-identical files.

    Raises
    ------
    ValueError
        If ``need_column`` or an indicator is not a column of ``atlas.units``, if
        ``classify``, ``k``, ``palette`` or a basemap is not one of the choices, or a frame
        has no CRS.
    OfflineError
        Unless ``cdn``, if a library file is found nowhere (the message says how to get
        it).

    Examples
    --------
    >>> import assetmap as am  # doctest: +SKIP
    >>> atlas = am.load_sample().build()  # doctest: +SKIP
    >>> m = make_map(atlas, classify="naturalbreaks", k=4, palette="viridis")  # doctest: +SKIP
    >>> m.save("map.html")  # doctest: +SKIP
    """
    from assetmap.maps._element import StudyLayers, new_map, stable_ids, walk

    spec = map_spec(
        atlas,
        need_column=need_column,
        indicators=indicators,
        classify=classify,
        k=k,
        palette=palette,
        basemaps=basemaps,
        simplify_m=simplify_m,
        cluster_over=cluster_over,
    )
    cdn = _cdn_choice(cdn, self_contained)
    cluster = any(d["cluster"] for d in spec["domains"])
    if not cdn:
        _check_local_files(cluster, js_dir)
    existing: set[int] = set()
    if m is None:
        (s, w), (n, e) = spec["bounds"] or ((40.8, -73.95), (40.9, -73.85))
        m = new_map([(s + n) / 2, (w + e) / 2])
    else:
        existing = {id(el) for el in walk(m.get_root())}
        _drop_layer_controls(m)
        if _has_tiles(m):
            spec["basemaps"] = [b for b in spec["basemaps"] if not b["url"]]
    element = StudyLayers(
        spec,
        title=str(atlas.name),
        cluster=cluster,
        cdn=cdn,
        js_dir=js_dir,
    )
    m.add_child(element)
    stable_ids(m.get_root(), skip=existing)
    return m


def map_spec(
    atlas: Atlas,
    *,
    need_column: str = "need_pct",
    indicators: str | Sequence[str] | None = "all",
    classify: str = "quantiles",
    k: int = 5,
    palette: str = "YlOrRd",
    basemaps: Sequence[str | TileProvider] | None = None,
    simplify_m: float = 5.0,
    cluster_over: int = layers.CLUSTER_OVER,
) -> dict[str, Any]:
    """Return what the map shows as one JSON-ready dict (see :func:`make_map`).

    Every text from data in it is already escaped. Useful to test or inspect a map
    without a browser.

    Examples
    --------
    >>> import assetmap as am
    >>> spec = map_spec(am.load_sample().build(), indicators=["uninsured"])
    >>> [(c["column"], c["show"]) for c in spec["choropleths"]]
    [('need_pct', True), ('uninsured', False)]
    >>> spec["choropleths"][0]["words"]
    ['lowest 20%', '20–40%', '40–60%', '60–80%', 'highest 20%']
    """
    units = _wgs84(atlas.units, "atlas.units")
    prov = atlas.provenance or {}
    travel = travel_word(prov)
    unit_ids = [str(i) for i in units.index]
    geoms = display_geometry(units, tolerance_m=simplify_m, coverage=True)
    columns = _choropleth_columns(atlas, units, need_column, indicators)
    choropleths, need_words = _choropleths(
        atlas, units, columns, classify=classify, k=k, palette=palette, show=need_column
    )
    over = _wgs84(atlas.overlaps, "atlas.overlaps") if atlas.overlaps is not None else None
    gap_keys: dict[str, list[str]] = {}
    first = getattr(atlas, "partners", None)
    gaps = gap_lines(atlas.gaps, atlas.domains, travel_word=travel, keys=gap_keys, partners=first)
    notes = {uid: list(lines) for uid, lines in gaps.items()}
    for uid, lines in over_served_lines(over, atlas.domains).items():
        notes.setdefault(uid, []).extend(lines)
    assets = _wgs84(atlas.assets, "atlas.assets")
    domain_order = _domain_order(atlas)
    skipped = atlas.not_assessed
    near, near_names = _nearest(atlas, assets, unit_ids, domain_order)
    unit_part = layers.units_spec(
        units, geoms, need_words=need_words, notes=notes, near=near, indicators=atlas.indicators
    )
    domains = layers.domain_specs(
        assets,
        display_geometry(assets),
        atlas.domains,
        cluster_over=cluster_over,
        not_assessed=skipped,
    )
    overlaps = None
    if over is not None and not over.empty:
        over_geoms = display_geometry(over, tolerance_m=simplify_m)
        overlaps = layers.overlaps_spec(over, over_geoms, atlas.domains, unit_ids)
    spec: dict[str, Any] = {
        "version": 1,
        "text": dict(TEXT),
        "popups": popups_spec(travel=travel),
        "basemaps": _basemaps(basemaps),
        "bounds": _bounds(units),
        "missingColour": MISSING_COLOUR,
        "units": unit_part,
        "choropleths": choropleths,
        "domainLabels": [_domain_label(atlas, key) for key in domain_order],
        "nearNames": near_names,
        "assetFields": list(layers.ASSET_FIELDS),
        "domains": domains,
        "notAssessed": layers.not_assessed_specs(domains, atlas.domains, skipped),
        "gaps": gaps_spec(unit_ids, unit_part["name"], gaps, gap_keys),
        "overlaps": overlaps,
        "area": area_spec(atlas, units, assets, unit_ids, domain_order, columns, travel),
    }
    hospital, hospital_legend = _hospital_and_sites(atlas, unit_ids, unit_part["name"], travel)
    spec |= hospital
    spec["partners"] = partners_spec(first, atlas.domains, synthetic=bool(atlas.synthetic))
    spec["panels"] = _panels(atlas, spec, domains, hospital_legend)
    return spec


def _panels(
    atlas: Atlas, spec: dict[str, Any], domains: list[dict[str, Any]], hospital_legend: str
) -> dict[str, str]:
    """Return the title, legend (a row per layer drawn), footer and goals panels."""

    def symbol(key: str) -> str:
        return str(spec[key]["symbol"]) if spec.get(key) is not None else ""

    legend = legend_html(
        domains=[(d["label"], d["pin"], d["key"]) for d in domains],
        gaps=spec["gaps"] is not None,
        overlaps=spec["overlaps"] is not None,
        sites=symbol("sites"),
        hospital=hospital_legend,
        partners=symbol("partners"),
    )
    return {
        "title": title_html(str(atlas.name), synthetic=bool(atlas.synthetic)),
        "legend": legend,
        "footer": footer_html(atlas.provenance or {}),
        "goals": goals_html(getattr(atlas, "goals", None)),
    }


def _choropleths(
    atlas: Atlas,
    units: gpd.GeoDataFrame,
    columns: Sequence[str],
    *,
    classify: str,
    k: int,
    palette: str,
    show: str,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Return the choropleths of ``columns`` and each unit's need in words.

    An indicator's units not ranked on it are left unclassed (the missing colour) and its
    unreliable estimates hatched; a unit with no need class says why it is not ranked.
    """
    vintage = need_vintage(atlas.provenance or {})
    weak_words = cv_words(atlas.indicators)
    need_weak_words = text("ranking rests on an unreliable estimate")
    unranked = not_ranked_words(units, atlas.indicators)
    choropleths = []
    need_words = [w or "no residents / no data" for w in unranked]
    for column in columns:
        values = ranked_values(units, column, atlas.indicators)
        classes = classify_values(values, method=classify, k=k, palette_name=palette)
        scale = need_scale(column, atlas.indicators)
        choropleths.append(
            layers.choropleth_spec(
                column,
                values,
                classes,
                scale,
                vintage=vintage,
                show=column == show,
                unreliable=unreliable_marks(units, column, atlas.indicators),
                unreliable_words=need_weak_words if column == "need_pct" else weak_words,
            )
        )
        if column == "need_pct":
            need_words = [
                f"{text(scale.value_words(v))} ({classes.words[c]})" if c >= 0 else w
                for v, c, w in zip(values, classes.yb, need_words, strict=True)
            ]
    return choropleths, need_words


def _nearest(
    atlas: Atlas, assets: gpd.GeoDataFrame, unit_ids: list[str], domain_order: list[str]
) -> tuple[list[list[list[Any]]], list[str]]:
    """Each unit's nearest service per assessed domain (those not assessed are greyed)."""
    skipped = atlas.not_assessed
    acc = atlas.access
    if skipped and acc is not None and "domain" in acc.columns:
        acc = acc[~acc["domain"].astype(str).isin(list(skipped))]
    return layers.nearest_spec(
        acc, unit_ids, domain_order, gaps=atlas.gaps, names=_asset_names(assets)
    )


def _hospital_and_sites(
    atlas: Atlas, unit_ids: list[str], unit_names: list[str], travel: str
) -> tuple[dict[str, Any], str]:
    """Return the spec's ``sites`` and ``anchor`` layers, and the legend's hospital part."""
    prov = atlas.provenance or {}
    anchor_wgs84 = _anchor_wgs84(atlas)
    percentile = gap_percentile(prov)
    synthetic = bool(atlas.synthetic)
    site_frame = getattr(atlas, "sites", None)
    sites = sites_spec(
        _wgs84(site_frame, "atlas.sites") if site_frame is not None else None,
        atlas.domains,
        unit_names=dict(zip(unit_ids, unit_names, strict=True)),
        travel_word=travel,
        synthetic=synthetic,
    )
    anchor = anchor_specs(
        anchor_wgs84,
        unit_ids,
        domains=atlas.domains,
        need_percentile=percentile,
        synthetic=synthetic,
        travel=travel,
    )
    legend = anchor_legend(anchor_wgs84, anchor, need_percentile=percentile, synthetic=synthetic)
    return {"sites": sites, "anchor": anchor}, legend


def _choropleth_columns(
    atlas: Atlas,
    units: gpd.GeoDataFrame,
    need_column: str,
    indicators: str | Sequence[str] | None,
) -> list[str]:
    """Columns offered as choropleths: the need index, then indicators, in file order."""
    keys = list(getattr(atlas.indicators, "indicators", {}) or {})
    if indicators is None:
        wanted: list[str] = []
    elif isinstance(indicators, str):
        if indicators != "all":
            msg = f"indicators={indicators!r}: pass 'all', a list of indicator keys or None"
            raise ValueError(msg)
        wanted = [key for key in keys if key in units.columns]
    else:
        wanted = list(indicators)
    first = ["need_pct"] if "need_pct" in units.columns and indicators is not None else []
    columns = list(dict.fromkeys([*first, need_column, *wanted]))
    missing = [c for c in columns if c not in units.columns]
    if missing:
        shown = ", ".join(c for c in ["need_pct", "need_score", *keys] if c in units.columns)
        msg = (
            f"atlas.units has no column {missing[0]!r} to map; pass need_column= or "
            f"indicators= from: {shown or ', '.join(map(str, units.columns[:12]))}"
        )
        raise ValueError(msg)
    return columns


def _domain_order(atlas: Atlas) -> list[str]:
    """Domain keys in file order, then any other domain named by access or assets."""
    order = list(atlas.domains)
    for frame in (atlas.access, atlas.assets):
        if frame is not None and "domain" in frame.columns:
            extra = sorted(set(frame["domain"].dropna().astype(str)) - set(order))
            order += extra
    return order


def _domain_label(atlas: Atlas, key: str) -> str:
    dom = atlas.domains.get(key)
    return text(dom.label if dom is not None else key)


def _asset_names(assets: pd.DataFrame) -> dict[str, str]:
    if "asset_id" not in assets.columns or "name" not in assets.columns:
        return {}
    return dict(zip(assets["asset_id"].astype(str), assets["name"], strict=True))


def _bounds(units: gpd.GeoDataFrame) -> list[list[float]] | None:
    if units.empty or units.geometry.isna().all():
        return None
    minx, miny, maxx, maxy = (float(v) for v in units.total_bounds)
    return [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]]


def _basemaps(basemaps: Sequence[str | TileProvider] | None) -> list[dict[str, Any]]:
    """Background maps for the layer control, the first shown; "No background map" last."""
    import warnings

    from xyzservices import TileProvider, providers

    chosen: list[tuple[str | TileProvider, str | None]] = (
        list(BASEMAPS) if basemaps is None else [(b, None) for b in basemaps]
    )
    out = []
    for item, label in chosen:
        if isinstance(item, TileProvider):
            provider = item
        else:
            try:
                provider = providers.query_name(str(item))
            except ValueError as exc:
                msg = f"basemap {item!r} is not an xyzservices provider name ({exc})"
                raise ValueError(msg) from exc
        if provider.requires_token():
            msg = (
                f"basemap {provider.name!r} needs an API key: pass "
                f"xyzservices.providers.{provider.name}(apikey=...) instead of its name"
            )
            raise ValueError(msg)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # providers warn about keys we checked above
            url = provider.build_url(fill_subdomain=False)
        subdomains = provider.get("subdomains", "abc")
        native = provider.get("max_zoom")
        out.append(
            {
                "name": text(label or provider.name),
                "url": url,
                "attribution": provider.html_attribution,
                "subdomains": subdomains if isinstance(subdomains, str) else "".join(subdomains),
                "maxNativeZoom": int(native) if native else 19,
                "maxZoom": 19,
            }
        )
    out.append({"name": "No background map", "url": ""})
    return out


def _cdn_choice(cdn: bool, self_contained: bool | None) -> bool:
    """Return ``cdn``, or the inverse of the deprecated ``self_contained`` when given."""
    if self_contained is None:
        return cdn
    import warnings

    warnings.warn(
        "make_map(self_contained=...) is deprecated: maps are self-contained by default; "
        "pass cdn=True to link Leaflet from a CDN instead",
        DeprecationWarning,
        stacklevel=3,
    )
    return not self_contained


def _check_local_files(cluster: bool, js_dir: str | Path | None) -> None:
    """Fail early, with what to do, when an offline map cannot find its libraries."""
    from assetmap.maps._element import CLUSTER_CSS, CLUSTER_JS, LEAFLET_CSS, LEAFLET_JS
    from assetmap.maps._inline import check_available

    urls = [LEAFLET_JS, LEAFLET_CSS] + ([CLUSTER_JS, CLUSTER_CSS] if cluster else [])
    check_available(urls, js_dir)


def _drop_layer_controls(m: folium.Map) -> None:
    """Remove folium layer controls: the study's grouped control lists every layer."""
    import folium

    for key, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            del m._children[key]


def _has_tiles(m: folium.Map) -> bool:
    import folium

    return any(isinstance(c, folium.TileLayer) and not c.overlay for c in m._children.values())


def _anchor_wgs84(atlas: Atlas) -> Any:
    """Return the anchor with its point layers in EPSG:4326 (areas are matched by unit id)."""
    import dataclasses

    anchor = atlas.anchor
    if anchor is None:
        return None
    frames = ("hospital", "spaces", "positions")
    changes = {
        f: _wgs84(getattr(anchor, f), f"atlas.anchor.{f}")
        for f in frames
        if getattr(anchor, f, None) is not None
    }
    return dataclasses.replace(anchor, **changes)


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
