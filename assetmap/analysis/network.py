"""Street networks: graphs from OpenStreetMap files and travel times along them.

A street graph comes from OpenStreetMap, read offline from an ``.osm`` XML extract or a
saved GraphML file (:func:`graph_from_file`; download one first with
:func:`assetmap.online.streets.fetch_graph`: nothing here opens a socket). Edges get a
travel time (:func:`add_travel_times`): walking at a fixed speed, or driving at osmnx's
imputed speeds. :func:`compile_graph` then turns the networkx graph into a compressed
sparse matrix once, and every cost after that is computed in compiled code
(scipy.sparse.csgraph):

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
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from assetmap.analysis._shortest import (
    NearestResult,
    StreetGraph,
    compile_graph,
    nearest_times,
    pairs_within,
)
from assetmap.analysis._streets import (
    DRIVE_KMH,
    MODES,
    add_travel_times,
    check_mode,
    demo_graph,
    filter_mode,
)
from assetmap.errors import InputError

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "DRIVE_KMH",
    "MODES",
    "NearestResult",
    "StreetGraph",
    "add_travel_times",
    "compile_graph",
    "demo_graph",
    "graph_from_file",
    "load_street_graph",
    "nearest_times",
    "pairs_within",
]

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------- graphs in


def graph_from_file(path: str | Path, *, mode: str = "walk") -> nx.MultiDiGraph:
    """Read a street graph saved offline: an OSM XML extract or an osmnx GraphML file.

    Parameters
    ----------
    path : str or Path
        ``.osm`` / ``.xml`` (OpenStreetMap XML, e.g. from a JOSM or Overpass export) or
        ``.graphml`` (saved with :func:`osmnx.save_graphml`, e.g. by
        :func:`assetmap.online.streets.fetch_graph`).
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

    check_mode(mode)
    p = Path(path)
    if not p.exists():
        msg = "street graph file not found; save one with assetmap.online.streets.fetch_graph"
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
    G = filter_mode(G, mode)
    if G.number_of_edges() == 0:
        msg = f"the street graph has no street usable for mode {mode!r}"
        raise InputError(msg, file=str(path))
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
        msg = "street graph file not found; save one with assetmap.online.streets.fetch_graph"
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
