"""Street networks: graphs from OpenStreetMap and travel times along them.

A street graph comes from OpenStreetMap through osmnx — online from a polygon or a place
(:func:`fetch_graph`, the only function here that opens a socket), or offline from an
``.osm`` XML extract or a saved GraphML file (:func:`graph_from_file`). Edges get a travel
time (:func:`add_travel_times`): walking at a fixed speed, or driving at osmnx's imputed
speeds. :func:`compile_graph` then turns the networkx graph into a compressed sparse
matrix once, and every cost after that is computed in compiled code (scipy.sparse.csgraph):

* **nearest service** (:func:`nearest_times`): one multi-source Dijkstra pass from all
  services of a domain at once over the *reversed* graph, so each node learns its time to
  the closest service (``dijkstra(..., indices=services, min_only=True)``);
* **catchment pairs** (:func:`pairs_within`): bounded Dijkstra searches (``limit=``) run
  from the smaller side (services or origins), in chunks so memory stays bounded, kept as
  a sparse list of pairs — never a dense origin × service matrix.

Points are *snapped* to their nearest graph node once (a KD-tree on projected node
coordinates); the straight leg from the point to its node is walked at the walking speed
and added to the time, so a service 80 m off the street is not reached for free.
Nodes of tiny disconnected fragments (parking aisles, isolated footways; fewer than
``min_component_nodes`` nodes) are not snapped to. A point whose network component holds
no service is *unreachable*: its time is NaN and :mod:`assetmap.analysis.access` flags it, never 0.

Examples
--------
>>> from assetmap.analysis.network import compile_graph, demo_graph, nearest_times
>>> g = compile_graph(demo_graph(), mode="walk")
>>> g.n_nodes
9
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyproj

from assetmap.analysis._shortest import (
    NearestResult,
    StreetGraph,
    compile_graph,
    nearest_times,
    pairs_within,
)
from assetmap.errors import ConfigError, InputError, OfflineError

if TYPE_CHECKING:
    import networkx as nx
    import shapely

__all__ = [
    "DRIVE_KMH",
    "MODES",
    "NearestResult",
    "StreetGraph",
    "add_travel_times",
    "compile_graph",
    "demo_graph",
    "fetch_graph",
    "graph_from_file",
    "load_street_graph",
    "nearest_times",
    "pairs_within",
]

log = logging.getLogger(__name__)

MODES = ("walk", "drive")

#: Driving speeds (km/h) by OSM ``highway`` type, used only for types with no ``maxspeed``
#: tag anywhere in the graph (osmnx imputes the others from the tagged edges of the same
#: type). US urban defaults: 25 mph on local streets (the default limit of New York City
#: and many US cities), 30–45 mph on arterials, 55 mph on limited-access roads.
DRIVE_KMH: dict[str, float] = {
    "motorway": 88.5,
    "motorway_link": 56.3,
    "trunk": 72.4,
    "trunk_link": 48.3,
    "primary": 56.3,
    "primary_link": 40.2,
    "secondary": 48.3,
    "secondary_link": 40.2,
    "tertiary": 40.2,
    "tertiary_link": 40.2,
    "unclassified": 40.2,
    "residential": 40.2,
    "living_street": 16.1,
    "service": 16.1,
    "road": 40.2,
}
_DRIVE_FALLBACK_KMH = 40.2

# OSM highway values a mode cannot use (after osmnx's own network_type filters).
_NOT_WALKABLE = {"motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed"}
_NOT_DRIVABLE = {
    "footway",
    "pedestrian",
    "path",
    "steps",
    "cycleway",
    "bridleway",
    "track",
    "corridor",
    "elevator",
    "escalator",
    "platform",
    "construction",
    "proposed",
    "abandoned",
}


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        msg = f"network mode must be one of {MODES}, got {mode!r}"
        raise ConfigError(msg)


# ---------------------------------------------------------------------------- graphs in


def graph_from_file(path: str | Path, *, mode: str = "walk") -> nx.MultiDiGraph:
    """Read a street graph saved offline: an OSM XML extract or an osmnx GraphML file.

    Parameters
    ----------
    path : str or Path
        ``.osm`` / ``.xml`` (OpenStreetMap XML, e.g. from a JOSM or Overpass export) or
        ``.graphml`` (saved with :func:`osmnx.save_graphml`, e.g. by :func:`fetch_graph`).
    mode : {"walk", "drive"}
        For OSM XML: walking ignores one-way restrictions (ways become bidirectional) and
        drops motorways; driving keeps one-ways and drops footways, paths and steps.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx graph; node attributes ``x``, ``y`` in the graph's ``crs``, edge ``length`` (m).

    Raises
    ------
    InputError
        When the file is missing, unreadable, or holds no street.

    Examples
    --------
    >>> G = graph_from_file("streets.graphml", mode="walk")  # doctest: +SKIP
    """
    import osmnx as ox

    _check_mode(mode)
    p = Path(path)
    if not p.exists():
        msg = "street graph file not found; save one with assetmap.analysis.network.fetch_graph"
        raise InputError(msg, file=str(path))
    suffix = p.suffix.lower()
    try:
        if suffix == ".graphml":
            G = ox.load_graphml(p)
        elif suffix in {".osm", ".xml"}:
            G = ox.graph_from_xml(p, bidirectional=mode == "walk", retain_all=True)
        else:
            msg = "a street graph must be an .osm (OSM XML) or a .graphml file"
            raise InputError(msg, file=str(path))
    except InputError:
        raise
    except Exception as exc:
        msg = f"cannot read the street graph ({exc})"
        raise InputError(msg, file=str(path)) from exc
    G = _filter_mode(G, mode)
    if G.number_of_edges() == 0:
        msg = f"the street graph has no street usable for mode {mode!r}"
        raise InputError(msg, file=str(path))
    return G


def fetch_graph(
    area: shapely.Polygon | shapely.MultiPolygon | str,
    *,
    mode: str = "walk",
    buffer_m: float = 2000.0,
    path: str | Path | None = None,
) -> nx.MultiDiGraph:
    """Download the street graph of an area from OpenStreetMap (online).

    The only function of assetmap's analysis layers that uses the network: call it once
    (or let ``assetmap fetch`` call it), save the result with ``path=``, and point the
    project's ``travel: {graph: ...}`` at the file.

    Parameters
    ----------
    area : shapely Polygon or MultiPolygon in EPSG:4326, or str
        The study region (e.g. ``units.union_all()``), or a place name geocoded by osmnx.
    mode : {"walk", "drive"}
        osmnx ``network_type``.
    buffer_m : float
        Metres added around the area, so services just outside the region are reachable.
    path : str or Path, optional
        Save the graph there as GraphML.

    Returns
    -------
    networkx.MultiDiGraph

    Raises
    ------
    OfflineError
        When OpenStreetMap cannot be reached.

    Examples
    --------
    >>> G = fetch_graph("City Island, Bronx, New York", mode="walk")  # doctest: +SKIP
    """
    import geopandas as gpd
    import osmnx as ox

    _check_mode(mode)
    if isinstance(area, str):
        try:
            poly = ox.geocode_to_gdf(area).geometry.iloc[0]
        except Exception as exc:
            msg = f"cannot geocode {area!r} with OpenStreetMap ({exc}); pass a polygon instead"
            raise OfflineError(msg) from exc
    else:
        poly = area
    geo = gpd.GeoSeries([poly], crs="EPSG:4326")
    utm = geo.estimate_utm_crs()
    buffered = geo.to_crs(utm).buffer(buffer_m).to_crs("EPSG:4326").iloc[0]
    try:
        G = ox.graph_from_polygon(
            buffered, network_type=mode, retain_all=True, truncate_by_edge=True
        )
    except Exception as exc:
        msg = (
            f"cannot download the street graph from OpenStreetMap ({exc}); "
            "check the connection, or load a saved .graphml / .osm file with graph_from_file"
        )
        raise OfflineError(msg) from exc
    if path is not None:
        ox.save_graphml(G, path)
    return G


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value) if value is not None else ""


def _filter_mode(G: nx.MultiDiGraph, mode: str) -> nx.MultiDiGraph:
    banned = _NOT_WALKABLE if mode == "walk" else _NOT_DRIVABLE
    drop = [
        (u, v, k)
        for u, v, k, d in G.edges(keys=True, data=True)
        if _first(d.get("highway")) in banned
        or (mode == "walk" and _first(d.get("foot")) == "no")
        or (mode == "drive" and _first(d.get("motor_vehicle")) == "no")
    ]
    if drop:
        G = G.copy()
        G.remove_edges_from(drop)
    return G


def add_travel_times(
    G: nx.MultiDiGraph,
    *,
    mode: str = "walk",
    walk_kmh: float = 4.8,
    drive_kmh: Mapping[str, float] | None = None,
) -> nx.MultiDiGraph:
    """Give every edge a ``travel_time`` in seconds (and ``speed_kph``).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        osmnx graph with edge ``length`` in metres.
    mode : {"walk", "drive"}
        Walking: ``length / walk speed`` on every edge. Driving: osmnx's
        :func:`osmnx.routing.add_edge_speeds` (the edge's ``maxspeed`` tag, else the mean
        tagged speed of its highway type) with ``drive_kmh`` for highway types that have no
        tag anywhere in the graph, then :func:`osmnx.routing.add_edge_travel_times`.
        Intersection delay and congestion are not modelled.
    walk_kmh : float
        Walking speed (Knoblauch et al. 1996: 4.8 km/h).
    drive_kmh : mapping of str to float, optional
        Speeds by highway type for untagged types; :data:`DRIVE_KMH` when omitted.

    Returns
    -------
    networkx.MultiDiGraph
        The same graph, edges updated in place.

    Examples
    --------
    >>> G = add_travel_times(demo_graph(), mode="walk", walk_kmh=3.6)
    >>> round(G.edges[0, 1, 0]["travel_time"], 6)  # 100 m at 1 m/s
    100.0
    """
    _check_mode(mode)
    if not walk_kmh > 0:
        msg = f"walk_kmh must be positive, got {walk_kmh}"
        raise ConfigError(msg)
    if mode == "walk":
        mps = walk_kmh / 3.6
        for _, _, d in G.edges(data=True):
            d["speed_kph"] = walk_kmh
            d["travel_time"] = float(d.get("length", 0.0)) / mps
        return G
    import osmnx as ox

    speeds = dict(drive_kmh or DRIVE_KMH)
    tagged = {
        _first(d.get("highway"))
        for _, _, d in G.edges(data=True)
        if d.get("maxspeed") not in (None, "", [])
    }
    types = {_first(d.get("highway")) for _, _, d in G.edges(data=True)}
    fill = {t: speeds.get(t, _DRIVE_FALLBACK_KMH) for t in types - tagged}
    ox.routing.add_edge_speeds(G, hwy_speeds=fill or None, fallback=_DRIVE_FALLBACK_KMH)
    ox.routing.add_edge_travel_times(G)
    return G


def demo_graph() -> nx.MultiDiGraph:
    """Return a 3 × 3 grid of streets 100 m apart near the Bronx, for examples and doctests.

    Examples
    --------
    >>> demo_graph().number_of_nodes()
    9
    """
    import networkx as nx

    tr = pyproj.Transformer.from_crs("EPSG:32618", "EPSG:4326", always_xy=True)
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(3):
        for j in range(3):
            lon, lat = tr.transform(590_000 + 100.0 * j, 4_520_000 + 100.0 * i)
            G.add_node(3 * i + j, x=lon, y=lat)
    for i in range(3):
        for j in range(3):
            n = 3 * i + j
            for m in ([n + 1] if j < 2 else []) + ([n + 3] if i < 2 else []):
                for a, b in ((n, m), (m, n)):
                    G.add_edge(a, b, length=100.0, highway="residential")
    return G


def load_street_graph(
    path: str | Path,
    *,
    mode: str = "walk",
    walk_kmh: float = 4.8,
    min_component_nodes: int = 20,
) -> StreetGraph:
    """Read, time and compile a saved street graph; cached per file version and options.

    Parameters
    ----------
    path : str or Path
        ``.graphml`` or ``.osm`` file (see :func:`graph_from_file`).
    mode : {"walk", "drive"}
    walk_kmh : float
    min_component_nodes : int

    Returns
    -------
    StreetGraph

    Examples
    --------
    >>> g = load_street_graph("streets.graphml", mode="walk")  # doctest: +SKIP
    """
    p = Path(path).expanduser().resolve()
    if not p.exists():
        msg = "street graph file not found; save one with assetmap.analysis.network.fetch_graph"
        raise InputError(msg, file=str(path))
    st = os.stat(p)
    return _load_cached(str(p), st.st_mtime_ns, st.st_size, mode, walk_kmh, min_component_nodes)


@lru_cache(maxsize=4)
def _load_cached(
    path: str, mtime: int, size: int, mode: str, walk_kmh: float, min_nodes: int
) -> StreetGraph:
    G = graph_from_file(path, mode=mode)
    if mode == "drive" or any("travel_time" not in d for _, _, d in G.edges(data=True)):
        G = add_travel_times(G, mode=mode, walk_kmh=walk_kmh)
    return compile_graph(
        G, mode=mode, walk_kmh=walk_kmh, min_component_nodes=min_nodes, source=path
    )
