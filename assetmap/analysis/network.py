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

import bz2
import gzip
import logging
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING

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
    "WAY_FILTERS",
    "NearestResult",
    "StreetGraph",
    "add_travel_times",
    "compile_graph",
    "demo_graph",
    "graph_from_file",
    "load_street_graph",
    "nearest_times",
    "pairs_within",
    "way_refused",
]

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------- graphs in


def graph_from_file(path: str | Path, *, mode: str = "walk") -> nx.MultiDiGraph:
    """Read a street graph saved offline: an OSM XML extract or an osmnx GraphML file.

    Parameters
    ----------
    path : str or Path
        ``.osm`` / ``.xml`` (OpenStreetMap XML, e.g. from a JOSM or Overpass export),
        compressed or not (``.osm.bz2``, ``.osm.gz``), or ``.graphml`` (saved with
        :func:`osmnx.save_graphml`, e.g. by :func:`assetmap.online.streets.fetch_graph`).
    mode : {"walk", "drive"}
        For OSM XML, only ``highway`` ways the mode may use become edges, by osmnx's own
        ``walk`` / ``drive`` network filters (:data:`WAY_FILTERS`): landuse outlines,
        buildings and untagged ways never do; walking also drops motorways and ways
        tagged ``foot=no`` or ``access=private``, driving footways, paths, steps, service
        roads and ways tagged ``motor_vehicle=no``. Walking ignores one-way restrictions
        (ways become bidirectional); driving keeps them. The ways left out are counted
        by reason in the log (INFO).

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
    >>> G = graph_from_file("streets.osm.bz2", mode="walk")  # doctest: +SKIP
    """
    import osmnx as ox

    check_mode(mode)
    p = Path(path)
    if not p.exists():
        msg = "street graph file not found; save one with assetmap.online.streets.fetch_graph"
        raise InputError(msg, file=str(path))
    name = p.name.lower()
    if name.endswith(".pbf"):
        msg = (
            "OSM PBF files are not read; convert it to OSM XML first, e.g. "
            "`osmium cat extract.osm.pbf -o extract.osm.bz2`"
        )
        raise InputError(msg, file=str(path))
    try:
        if name.endswith(".graphml"):
            G = ox.load_graphml(p)
        elif name.endswith(_OSM_SUFFIXES):
            with tempfile.TemporaryDirectory(prefix="assetmap-osm-") as tmp:
                streets = Path(tmp) / "streets.osm"
                counts = _street_ways(p, streets, mode)
                _log_ways(p, mode, counts)
                if not counts.get("kept"):
                    msg = f"the file holds no street usable for mode {mode!r} ({_said(counts)})"
                    raise InputError(msg, file=str(path))
                G = ox.graph_from_xml(streets, bidirectional=mode == "walk", retain_all=True)
        else:
            msg = (
                "a street graph must be an .osm (OSM XML; .osm.bz2 and .osm.gz too) or a "
                ".graphml file"
            )
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


#: File names read as OpenStreetMap XML (compressed with bzip2 or gzip, or not).
_OSM_SUFFIXES = (".osm", ".xml", ".osm.bz2", ".osm.gz", ".xml.bz2", ".xml.gz")

#: osmnx's Overpass network filters (``osmnx._overpass._get_network_filter``, osmnx 2.x,
#: with its default ``["access"!~"private"]``): a way is kept when it has a ``highway``
#: tag and none of these tags matches its pattern (an unanchored regular expression, as
#: Overpass's ``!~`` reads it).
WAY_FILTERS: dict[str, tuple[tuple[str, str], ...]] = {
    "walk": (
        ("area", "yes"),
        ("access", "private"),
        (
            "highway",
            "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|proposed|"
            "raceway|razed|rest_area|services",
        ),
        ("foot", "no"),
        ("service", "private"),
    ),
    "drive": (
        ("area", "yes"),
        ("access", "private"),
        (
            "highway",
            "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|"
            "escalator|footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|"
            "rest_area|service|services|steps|track",
        ),
        ("motor_vehicle", "no"),
        ("motorcar", "no"),
        ("service", "alley|driveway|emergency_access|parking|parking_aisle|private"),
    ),
}


def way_refused(tags: dict[str, str], mode: str) -> str | None:
    """Return why ``mode`` cannot use a way with these tags, or None when it can.

    Examples
    --------
    >>> way_refused({"landuse": "grass"}, "walk")
    'no highway tag'
    >>> foot = {"highway": "footway"}
    >>> way_refused(foot, "walk") is None, way_refused(foot, "drive")
    (True, 'highway=footway')
    """
    if "highway" not in tags:
        return "no highway tag"
    for key, pattern in WAY_FILTERS[mode]:
        value = tags.get(key)
        if value is not None and re.search(pattern, value):
            return f"{key}={value}"
    return None


def _open_osm(p: Path) -> IO[bytes] | gzip.GzipFile:
    name = p.name.lower()
    if name.endswith(".bz2"):
        return bz2.open(p, "rb")
    if name.endswith(".gz"):
        return gzip.open(p, "rb")
    return p.open("rb")


def _elements(p: Path) -> Iterator[ET.Element]:
    """Yield the top-level elements (node, way, relation) of an OSM XML file, streamed."""
    with _open_osm(p) as f:
        root: ET.Element | None = None
        for event, elem in ET.iterparse(f, events=("start", "end")):
            if root is None:
                root = elem
            elif event == "end" and elem.tag in ("node", "way", "relation"):
                yield elem
                root.clear()  # keep memory flat on a county extract


def _street_ways(src: Path, dest: Path, mode: str) -> dict[str, int]:
    """Write the ways ``mode`` may use, and their nodes, to ``dest``; count the others.

    Two streamed passes over ``src``: the first picks the ways and the nodes they use,
    the second writes them (plain XML, which osmnx reads).
    """
    counts: dict[str, int] = {}
    ways: set[str] = set()
    nodes: set[str] = set()
    for elem in _elements(src):
        if elem.tag != "way":
            continue
        tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
        reason = way_refused(tags, mode)
        counts[reason or "kept"] = counts.get(reason or "kept", 0) + 1
        if reason is None:
            ways.add(elem.get("id", ""))
            nodes.update(nd.get("ref", "") for nd in elem.iter("nd"))
    if not ways:
        return counts
    with dest.open("wb") as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n')
        for elem in _elements(src):
            keep = nodes if elem.tag == "node" else ways if elem.tag == "way" else ()
            if elem.get("id", "") in keep:
                elem.tail = "\n"
                out.write(ET.tostring(elem, encoding="utf-8", xml_declaration=False))
        out.write(b"</osm>\n")
    return counts


def _said(counts: dict[str, int]) -> str:
    """``2 ways: 1 no highway tag, 1 highway=motorway`` (the ways read, by reason)."""
    total = sum(counts.values())
    parts = [f"{n} {why}" for why, n in sorted(counts.items(), key=lambda kv: -kv[1])]
    return f"{total} way{'s' if total != 1 else ''} read: {', '.join(parts) or 'none'}"


def _log_ways(p: Path, mode: str, counts: dict[str, int]) -> None:
    log.info("%s: street ways for %s mode, %s", p, mode, _said(counts))


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
