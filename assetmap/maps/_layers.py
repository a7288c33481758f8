"""Layer data of the study map: units, choropleths, services, gaps and overlaps.

Each function turns plain data (GeoDataFrames in EPSG:4326, domains, classes) into the
JSON-ready part of the map's spec that the script of ``maps/web/`` draws. Every text from
data is escaped with :func:`assetmap.maps._html.text` here, before it leaves Python; the
browser only joins escaped strings with fixed markup.

The spec is compact by design, so a county of 400 units and 5,000 services stays a few
megabytes: unit polygons are written once (every choropleth, the gaps layer and the
hospital's area layers point at them by position), services are rows of values rather
than GeoJSON features, and names of nearest services are stored once each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assetmap.analysis.summary import minutes_shown
from assetmap.maps._classes import Classes
from assetmap.maps._geometry import DECIMALS, features, lat_lon_bounds, point_on_surface
from assetmap.maps._html import colour, fmt_int, ink_for, is_missing, pin_html, text
from assetmap.maps._panels import NeedScale, choropleth_legend
from assetmap.maps._popups import POPUPS
from assetmap.maps._reliability import not_ranked_words, rests_on_words

if TYPE_CHECKING:
    import geopandas as gpd

    from assetmap.domains import Domain

__all__ = [
    "ASSET_FIELDS",
    "CLUSTER_OVER",
    "OTHER",
    "asset_rows",
    "choropleth_spec",
    "css_key",
    "domain_specs",
    "domains_drawn",
    "nearest_spec",
    "overlaps_spec",
    "unit_positions",
    "units_spec",
]

#: Key of the layer holding assets whose domain is not defined.
OTHER = "__other__"

#: A domain with more services than this needs marker clustering: the map then loads
#: Leaflet.markercluster and the markers of every domain share one cluster group (so
#: markers of different domains do not pile on each other either).
CLUSTER_OVER = 12
#: Fill opacity of a unit with no data (the script draws it so; its legend swatch too).
MISSING_OPACITY = 0.4

#: Order of the values in one service row: its point, then its popup's values (the script
#: reads it from the spec).
ASSET_FIELDS = ("lon", "lat", *POPUPS["service"].keys)

CLUSTER_STYLE = {"color": "#5e3c99", "weight": 2, "fillColor": "#5e3c99", "fillOpacity": 0.18}
#: Stripes of a hatched unit on a class colour: dark on light fills, light on dark ones.
HATCH_INK = {"#000000": "#1a1a1a", "#ffffff": "#ffffff"}
OVER_SERVED_STYLE = {"color": "#0b4f8a", "weight": 2.5, "dashArray": "2 5", "fill": False}


def css_key(key: str) -> str:
    """Return a domain key fit for a CSS class name (``[a-z0-9_-]``).

    Examples
    --------
    >>> css_key("Primary Care!")
    'primarycare'
    """
    return re.sub(r"[^a-z0-9_-]", "", str(key).lower()) or "other"


def _column(frame: pd.DataFrame, name: str) -> list[object]:
    return frame[name].tolist() if name in frame.columns else [None] * len(frame)


def units_spec(
    units: gpd.GeoDataFrame,
    geoms: np.ndarray,
    *,
    need_words: Sequence[str],
    notes: Mapping[str, list[str]],
    near: Sequence[list[list[Any]]],
    indicators: Any = None,
) -> dict[str, Any]:
    """Describe the units once: polygons, names, residents, need in words, notes.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units indexed by unit id (str), with ``name``, ``population``, ``need_flags``.
    geoms : numpy.ndarray
        Their display geometries (see :func:`assetmap.maps._geometry.display_geometry`).
    need_words : sequence of str
        Per unit, escaped need in words ("83rd percentile (highest 20%)").
    notes : mapping of str to list of str
        Escaped extra lines per unit id (its gaps, over-served services).
    near : sequence of list
        Per unit, from :func:`nearest_spec`.
    indicators : IndicatorSet, optional
        The study's indicators: their labels and CV threshold name, per unit, why it is
        not ranked (``notRanked``) and the unreliable estimates its need ranking rests on
        (``restsOn``); see :mod:`assetmap.maps._reliability`.

    Returns
    -------
    dict
        ``fc`` (GeoJSON, feature ids = positions), ``name``, ``pop``, ``need``, ``flags``,
        ``near``, ``notes``, ``notRanked``, ``restsOn``, ``point`` and ``bounds`` lists,
        one entry per unit.
    """
    ids = [str(i) for i in units.index]
    names = [text(n) or text(uid) for n, uid in zip(_column(units, "name"), ids, strict=True)]
    flags = []
    for value in _column(units, "need_flags"):
        n = 0 if is_missing(value) else int(float(str(value)))
        flags.append(f"{n} indicator(s) at or above the 90th percentile" if n > 0 else "")
    return {
        "fc": features(geoms),
        "name": names,
        "pop": [fmt_int(p) for p in _column(units, "population")],
        "need": list(need_words),
        "flags": flags,
        "near": list(near),
        "notes": [notes.get(uid, []) for uid in ids],
        "notRanked": not_ranked_words(units, indicators),
        "restsOn": rests_on_words(units, indicators),
        "point": point_on_surface(geoms),
        "bounds": lat_lon_bounds(geoms),
    }


def choropleth_spec(
    column: str,
    values: pd.Series,
    classes: Classes,
    scale: NeedScale,
    *,
    vintage: str,
    show: bool = False,
    opacity: float = 0.65,
    unreliable: Sequence[int] = (),
    unreliable_words: str = "",
) -> dict[str, Any]:
    """Describe one choropleth of the units: class and value in words of each unit, legend.

    Parameters
    ----------
    column : str
        Units column shown.
    values : pandas.Series
        Its values, in unit order.
    classes : Classes
        From :func:`assetmap.maps._classes.classify_values` on ``values``.
    scale : NeedScale
        What the column means (see :func:`assetmap.maps._panels.need_scale`).
    vintage : str
        Escaped source and vintage, for the legend.
    show : bool, default False
        Shown when the map opens.
    opacity : float, default 0.65
        Fill opacity of a unit with data.
    unreliable : sequence of int, optional
        1 per unit whose estimate is unreliable (hatched over its class colour, in
        stripes of ``hatch[class]`` that read on it), else 0; empty when none is.
    unreliable_words : str
        Escaped words of the hatch in the legend and tooltips ("estimate unreliable
        (CV &gt; 30%)").
    """
    weak = [int(u) for u in unreliable] if any(unreliable) else []
    return {
        "id": css_key(column),
        "column": column,
        "name": text(scale.title),
        "prefix": text(scale.prefix),
        "isNeed": column == "need_pct",
        "cls": [int(c) for c in classes.yb.to_numpy()],
        "val": [text(scale.value_words(v)) for v in values.to_numpy()],
        "words": list(classes.words),
        "colours": list(classes.colours),
        "legend": choropleth_legend(
            scale,
            classes,
            vintage=vintage,
            unreliable=unreliable_words if weak else "",
            opacity=opacity,
            missing_opacity=MISSING_OPACITY,
        ),
        "show": show,
        "opacity": opacity,
        "missingOpacity": MISSING_OPACITY,
        "weak": weak,
        "weakWords": unreliable_words if weak else "",
        "hatch": [HATCH_INK[ink_for(c)] for c in classes.colours] if weak else [],
    }


def nearest_spec(
    access: pd.DataFrame,
    unit_ids: Sequence[str],
    domain_order: Sequence[str],
    *,
    gaps: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
) -> tuple[list[list[list[Any]]], list[str]]:
    """Per unit, the nearest service of each domain and its travel time.

    Parameters
    ----------
    access : pandas.DataFrame
        The Access table (``unit_id``, ``domain``, ``nearest_min``, ``nearest_name`` or
        ``nearest_asset_id``).
    unit_ids : sequence of str
        Units in map order.
    domain_order : sequence of str
        Domain keys in legend order; a row's domain is given by its position here.
    gaps : pandas.DataFrame, optional
        Gaps (``unit_id``, ``domain``): those rows are flagged.
    names : mapping of str to str, optional
        Asset names by ``asset_id``, used when ``access`` has no ``nearest_name``.

    Returns
    -------
    (list, list of str)
        Per unit a list of ``[domain position, name position or -1, minutes or None,
        1 if a gap else 0]``, and the escaped names those positions point at.
    """
    out: list[list[list[Any]]] = [[] for _ in unit_ids]
    strings: list[str] = []
    if access is None or access.empty or "unit_id" not in access.columns:
        return out, strings
    where = {uid: i for i, uid in enumerate(unit_ids)}
    rank = {key: i for i, key in enumerate(domain_order)}
    gap_keys = set()
    if gaps is not None and not gaps.empty and {"unit_id", "domain"} <= set(gaps.columns):
        gap_keys = set(zip(gaps["unit_id"].astype(str), gaps["domain"].astype(str), strict=True))
    seen: dict[str, int] = {}
    frame = access.assign(
        unit_id=access["unit_id"].astype(str), domain=access["domain"].astype(str)
    )
    frame = frame[frame["unit_id"].isin(where) & frame["domain"].isin(rank)]
    frame = frame.assign(_r=frame["domain"].map(rank)).sort_values(["unit_id", "_r"], kind="stable")
    near_names = _column(frame, "nearest_name")
    asset_ids = _column(frame, "nearest_asset_id")
    minutes = _column(frame, "nearest_min")
    limits = _column(frame, "threshold_min")
    for uid, dom, name, aid, mins, limit in zip(
        frame["unit_id"], frame["domain"], near_names, asset_ids, minutes, limits, strict=True
    ):
        if is_missing(name) and names is not None and not is_missing(aid):
            name = names.get(str(aid))
        label = text(name)
        pos = -1
        if label:
            pos = seen.setdefault(label, len(strings))
            if pos == len(strings):
                strings.append(label)
        m = minutes_shown(mins, limit)  # one decimal where whole minutes cross the threshold
        out[where[uid]].append(
            [rank[dom], pos, None if m is None else m, int((uid, dom) in gap_keys)]
        )
    return out, strings


def asset_rows(assets: gpd.GeoDataFrame, geoms: np.ndarray) -> list[list[Any]]:
    """Return one row per asset in the order of :data:`ASSET_FIELDS`, every text escaped.

    After the point come the values of the service popup (:data:`POPUPS`): a safe http(s)
    website is ``[address]`` (else its escaped text), a callable phone ``[digits, text]``.
    Rows without a point are left out.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> a = gpd.GeoDataFrame({"name": ["<b>Pantry</b>"], "website": ["javascript:x()"]},
    ...                      geometry=[Point(-73.9, 40.8)], crs=4326)
    >>> row = asset_rows(a, a.geometry.to_numpy())[0]
    >>> row[2], row[ASSET_FIELDS.index("website")]
    ('&lt;b&gt;Pantry&lt;/b&gt;', 'javascript:x()')
    """
    popup = POPUPS["service"]
    records = assets.drop(columns=assets.geometry.name).to_dict("records")
    rows: list[list[Any]] = []
    for record, geom in zip(records, geoms, strict=True):
        if geom is None or geom.is_empty:
            continue
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        rows.append([round(point.x, DECIMALS), round(point.y, DECIMALS), *popup.values(record)])
    return rows


def domains_drawn(
    assets: gpd.GeoDataFrame, domains: Mapping[str, Domain]
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


def domain_specs(
    assets: gpd.GeoDataFrame,
    geoms: np.ndarray,
    domains: Mapping[str, Domain],
    *,
    cluster_over: int = CLUSTER_OVER,
    not_assessed: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Describe one layer of markers per service domain present in ``assets``.

    Layers follow the order of ``domains``; assets of an unknown domain go to an "Other
    services" layer. A marker is a circle in the domain's colour with its icon (see
    :mod:`assetmap.icons`; the first letter of its label when the icon is not drawn
    there). When a domain has more than ``cluster_over`` assets, the map clusters the
    markers of every domain together, in one group.

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        Assets (any CRS; ``geoms`` carries the display points).
    geoms : numpy.ndarray
        Display points of ``assets`` in EPSG:4326, row for row.
    domains : mapping of str to Domain
        The study's domains.
    cluster_over : int, default 12
        A domain with more markers than this is dense: its ``cluster`` is true, and the
        map then clusters every domain's markers in one shared group.
    not_assessed : mapping of str to str, optional
        Domains not assessed and why (:attr:`assetmap.Atlas.not_assessed`): their layer
        carries the reason in ``why`` and is shown greyed as "not assessed"
        (:func:`not_assessed_specs` lists those with no service at all).

    Returns
    -------
    list of dict
        ``key``, ``name`` (layer name), ``label``, ``colour``, ``ink``, ``pin``,
        ``cluster``, ``rows`` (see :func:`asset_rows`) and ``why`` (the escaped reason a
        domain is not assessed, else ``""``), one per domain drawn.
    """
    out = []
    skipped = dict(not_assessed or {})
    keys = assets["domain"].astype(str).to_numpy() if "domain" in assets.columns else None
    for key, label, fill in domains_drawn(assets, domains):
        assert keys is not None  # domains_drawn found a domain column
        mask = ~np.isin(keys, list(domains)) if key == OTHER else keys == key
        rows = asset_rows(assets[mask], geoms[mask])
        dom = domains.get(key)
        icon = getattr(dom, "icon", None) if dom is not None else None
        out.append(
            {
                "key": css_key(key if key != OTHER else "other"),
                "name": text(label),
                "label": text(label),
                "colour": fill,
                "ink": ink_for(fill),
                "pin": pin_html(fill, label, icon).replace(
                    'class="am-pin"', 'class="am-pin" aria-hidden="true"'
                ),
                "cluster": len(rows) > cluster_over,
                "rows": rows,
                "why": text(skipped.get(key, "")),
            }
        )
    return out


def not_assessed_specs(
    drawn: Sequence[Mapping[str, Any]],
    domains: Mapping[str, Domain],
    not_assessed: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Describe the domains not assessed that have no layer: greyed lines of the control.

    Parameters
    ----------
    drawn : sequence of dict
        The layers of :func:`domain_specs` (their ``key`` is left out here).
    domains : mapping of str to Domain
    not_assessed : mapping of str to str
        Domain key → why it is not assessed (:attr:`assetmap.Atlas.not_assessed`).

    Returns
    -------
    list of dict
        ``key``, ``name``, ``pin`` and ``why`` (escaped), in the order of ``domains``.

    Examples
    --------
    >>> from assetmap.domains import load_domains
    >>> out = not_assessed_specs([], load_domains(), {"housing": "No <b>housing</b>."})
    >>> out[0]["name"], out[0]["why"]
    ('Housing and shelter', 'No &lt;b&gt;housing&lt;/b&gt;.')
    """
    shown = {str(d["key"]) for d in drawn}
    out = []
    for key, dom in domains.items():
        if key not in not_assessed or css_key(key) in shown:
            continue
        fill = colour(dom.colour)
        out.append(
            {
                "key": css_key(key),
                "name": text(dom.label),
                "pin": pin_html(fill, dom.label, dom.icon).replace(
                    'class="am-pin"', 'class="am-pin" aria-hidden="true"'
                ),
                "why": text(not_assessed[key]),
            }
        )
    return out


def _label(domains: Mapping[str, Domain], key: object) -> str:
    dom = domains.get(str(key))
    return dom.label if dom is not None else str(key)


def _names(value: object, limit: int = 8) -> str:
    names = [n.strip() for n in str(value or "").split(";") if n.strip()]
    shown = ", ".join(f"<bdi>{text(n, limit=80)}</bdi>" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def overlaps_spec(
    overlaps: gpd.GeoDataFrame,
    geoms: np.ndarray,
    domains: Mapping[str, Domain],
    unit_ids: Sequence[str] = (),
) -> dict[str, Any] | None:
    """Describe the overlaps layer: clusters of same-domain providers and over-served units.

    Clusters are shaded purple polygons; over-served units get a dotted blue outline (no
    fill, so the need layer's tooltip, which also names them, stays reachable). Tooltips
    give the domain, the number of providers, the plain-language note and the names.
    An over-served unit points at the shared unit polygon instead of repeating it.

    Parameters
    ----------
    overlaps : geopandas.GeoDataFrame
        The Overlaps table.
    geoms : numpy.ndarray
        Its display geometries, row for row.
    domains : mapping of str to Domain
        For labels.
    unit_ids : sequence of str
        Units in map order.

    Returns
    -------
    dict or None
        ``name``, ``fc`` (GeoJSON with ``k`` and ``tip`` properties), ``units``
        (``[position, tip]`` of over-served units) and ``styles``; None when empty.
    """
    if overlaps is None or overlaps.empty:
        return None
    where = {uid: i for i, uid in enumerate(unit_ids)}
    props, shapes, units = [], [], []
    records = overlaps.drop(columns="geometry", errors="ignore").to_dict("records")
    for row, geom in zip(records, geoms, strict=True):
        label = text(_label(domains, row.get("domain")))
        kind = "over_served" if row.get("kind") == "over_served" else "cluster"
        head = "Over-served area" if kind == "over_served" else "Crowded services"
        lines = [
            f"<b>{head}: {label}, {fmt_int(row.get('n_providers'))} providers</b>",
            f"<bdi>{text(row.get('note'))}</bdi>" if not is_missing(row.get("note")) else "",
            _names(row.get("names")),
        ]
        tip = "<br>".join(x for x in lines if x)
        pos = where.get(str(row.get("unit_id"))) if kind == "over_served" else None
        if pos is not None:
            units.append([pos, tip])
        else:
            props.append({"k": kind, "tip": tip})
            shapes.append(geom)
    return {
        "name": "Overlaps: crowded or duplicated services",
        "fc": features(np.asarray(shapes, dtype=object), props),
        "units": units,
        "styles": {"cluster": CLUSTER_STYLE, "over_served": OVER_SERVED_STYLE},
    }


def unit_positions(frame: pd.DataFrame, unit_ids: Iterable[str]) -> list[int | None]:
    """Position of each row's unit in ``unit_ids`` (by a ``unit_id`` column or the index)."""
    where = {uid: i for i, uid in enumerate(unit_ids)}
    keys = frame["unit_id"] if "unit_id" in frame.columns else pd.Series(frame.index)
    return [where.get(str(k)) for k in keys]
