"""Street graphs before compiling: travel modes, what each mode may use, edge travel times.

Pure operations on osmnx-style networkx graphs, below both :mod:`.network` (reading saved
graphs) and :mod:`._shortest` (compiling them): nothing here reads a file or opens a
socket. Users import these names from :mod:`assetmap.analysis.network`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pyproj

from assetmap.errors import ConfigError

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "DRIVE_KMH",
    "MODES",
    "add_travel_times",
    "check_mode",
    "demo_graph",
    "filter_mode",
]

#: Travel modes along a street graph.
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


def check_mode(mode: str) -> None:
    """Raise :class:`~assetmap.errors.ConfigError` unless ``mode`` is one of :data:`MODES`.

    Examples
    --------
    >>> check_mode("walk")
    """
    if mode not in MODES:
        msg = f"network mode must be one of {MODES}, got {mode!r}"
        raise ConfigError(msg)


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value) if value is not None else ""


def filter_mode(G: nx.MultiDiGraph, mode: str) -> nx.MultiDiGraph:
    """Return ``G`` without the edges ``mode`` cannot use (a copy when any is dropped).

    Walking drops motorways and trunk roads and ways tagged ``foot=no``; driving drops
    footways, paths, steps and ways tagged ``motor_vehicle=no``.

    Examples
    --------
    >>> filter_mode(demo_graph(), "drive").number_of_edges()
    24
    """
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
    check_mode(mode)
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
