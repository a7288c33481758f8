"""Shortest paths on a compiled street graph (compiled half of :mod:`.network`).

Users import these names from :mod:`assetmap.analysis.network`; see its docstring for the
method. Below :mod:`.network`: imports only :mod:`._streets` (modes, edge travel times).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from assetmap.analysis._streets import add_travel_times, check_mode
from assetmap.errors import InputError

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["NearestResult", "StreetGraph", "compile_graph", "nearest_times", "pairs_within"]

# Dense distance rows allowed per chunk of bounded searches (float64 cells): 32 M = 256 MB.
_CHUNK_CELLS = 32_000_000


@dataclass(frozen=True, eq=False)
class StreetGraph:
    """A street graph compiled for shortest paths in compiled code.

    Build one with :func:`compile_graph` or :func:`load_street_graph`.

    Attributes
    ----------
    forward : scipy.sparse.csr_array
        ``forward[u, v]`` is the travel time (s) of the quickest edge from node ``u`` to
        ``v`` (parallel edges reduced to the quickest; walking graphs made symmetric).
    length : numpy.ndarray
        Length (m) of the edge behind each stored entry of ``forward`` (same order).
    xy : numpy.ndarray
        Node coordinates (n × 2) in ``crs`` (metres).
    node_ids : numpy.ndarray
        The original node ids (OSM ids for osmnx graphs).
    crs : pyproj.CRS
        Projected CRS of ``xy`` (UTM zone of the graph).
    mode : str
        ``"walk"`` or ``"drive"``.
    walk_kmh : float
        Walking speed of the legs between a point and its snapped node.
    snappable : numpy.ndarray
        Boolean per node: in a component of at least ``min_component_nodes`` nodes.
    source : str
        Where the graph came from (file path or a description), for provenance.
    """

    forward: sp.csr_array
    length: np.ndarray
    xy: np.ndarray
    node_ids: np.ndarray
    crs: pyproj.CRS
    mode: str
    walk_kmh: float
    snappable: np.ndarray
    source: str = ""

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.forward.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges kept (after reducing parallel edges)."""
        return int(self.forward.nnz)

    @cached_property
    def reverse(self) -> sp.csr_array:
        """The graph with every edge reversed (searches *towards* a set of nodes)."""
        return sp.csr_array(self.forward.T)

    @cached_property
    def _tree(self) -> tuple[cKDTree, np.ndarray]:
        idx = np.flatnonzero(self.snappable)
        return cKDTree(self.xy[idx]), idx

    @cached_property
    def _edge_keys(self) -> np.ndarray:
        f = self.forward
        rows = np.repeat(np.arange(f.shape[0], dtype=np.int64), np.diff(f.indptr))
        keys: np.ndarray = rows * f.shape[0] + f.indices.astype(np.int64)
        return keys

    @property
    def metres_per_second(self) -> float:
        """Walking speed of the snap legs, m/s."""
        return self.walk_kmh / 3.6

    def snap(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Snap points to their nearest snappable node.

        Parameters
        ----------
        xy : numpy.ndarray
            Points (k × 2) in :attr:`crs`.

        Returns
        -------
        node : numpy.ndarray of int
            Node index per point.
        leg_m : numpy.ndarray
            Straight-line metres from the point to its node.
        """
        tree, idx = self._tree
        if len(xy) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        d, j = tree.query(np.asarray(xy, float), k=1, workers=-1)
        return idx[j].astype(np.int64), d

    def edge_length(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Length (m) of the stored edge ``u → v`` for arrays of node pairs."""
        keys = self._edge_keys
        pos = np.searchsorted(keys, u.astype(np.int64) * self.n_nodes + v.astype(np.int64))
        return np.asarray(self.length[pos], float)


def compile_graph(
    G: nx.MultiDiGraph,
    *,
    mode: str = "walk",
    walk_kmh: float = 4.8,
    weight: str = "travel_time",
    min_component_nodes: int = 20,
    source: str = "",
) -> StreetGraph:
    """Turn a networkx street graph into a :class:`StreetGraph` (done once per graph).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        osmnx-style graph: node ``x``/``y`` in ``G.graph["crs"]`` (EPSG:4326 when absent),
        edge ``length`` in metres. Edges get travel times with :func:`add_travel_times`
        when ``weight`` is missing on any edge.
    mode : {"walk", "drive"}
        Walking graphs are made symmetric (pedestrians ignore one-way streets).
    walk_kmh : float
        Walking speed (walk mode, and the legs between points and the graph).
    weight : str
        Edge attribute holding the travel time in seconds.
    min_component_nodes : int
        Weakly connected fragments with fewer nodes are not snapped to.
    source : str
        Description kept for provenance.

    Returns
    -------
    StreetGraph

    Examples
    --------
    >>> from assetmap.analysis.network import demo_graph
    >>> g = compile_graph(demo_graph(), mode="walk", walk_kmh=3.6)
    >>> g.n_nodes, g.n_edges, float(g.forward[0, 1])
    (9, 24, 100.0)
    """
    check_mode(mode)
    if G.number_of_nodes() == 0:
        msg = "the street graph has no node"
        raise InputError(msg, file=source or None)
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    n = len(nodes)
    attrs = getattr(G, "_node", None) or G.nodes
    x = np.fromiter((attrs[v]["x"] for v in nodes), float, n)
    y = np.fromiter((attrs[v]["y"] for v in nodes), float, n)
    u_i, v_i, t, ln = _edge_arrays(G, index, weight)
    missing = np.isnan(t)
    if missing.any():
        if mode == "drive":
            G = add_travel_times(G.copy(), mode=mode, walk_kmh=walk_kmh)
            u_i, v_i, t, ln = _edge_arrays(G, index, weight)
        else:
            t[missing] = ln[missing] / (walk_kmh / 3.6)
    if mode == "walk":
        u_i, v_i = np.concatenate([u_i, v_i]), np.concatenate([v_i, u_i])
        t, ln = np.concatenate([t, t]), np.concatenate([ln, ln])
    ok = np.isfinite(t) & (t >= 0) & (u_i != v_i)
    u_i, v_i, t, ln = u_i[ok], v_i[ok], t[ok], ln[ok]
    # keep the quickest of parallel edges: sort by (u, v, t), first of each (u, v)
    order = np.lexsort((t, v_i, u_i))
    u_i, v_i, t, ln = u_i[order], v_i[order], t[order], ln[order]
    first = np.ones(len(u_i), bool)
    first[1:] = (u_i[1:] != u_i[:-1]) | (v_i[1:] != v_i[:-1])
    u_i, v_i, t, ln = u_i[first], v_i[first], t[first], ln[first]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(u_i, minlength=n), out=indptr[1:])
    forward = sp.csr_array((t, v_i, indptr), shape=(n, n))
    src_crs = pyproj.CRS(G.graph.get("crs", "EPSG:4326"))
    if src_crs.is_geographic:
        lon, lat = x, y
    else:
        lon, lat = pyproj.Transformer.from_crs(src_crs, "EPSG:4326", always_xy=True).transform(x, y)
    crs = _utm_for(np.asarray(lon), np.asarray(lat))
    px, py = pyproj.Transformer.from_crs(src_crs, crs, always_xy=True).transform(x, y)
    _, label = connected_components(forward, directed=True, connection="weak")
    sizes = np.bincount(label)
    snappable = sizes[label] >= min(min_component_nodes, int(sizes.max()))
    ids = np.empty(n, dtype=object)
    ids[:] = nodes
    return StreetGraph(
        forward=forward,
        length=ln,
        xy=np.column_stack([px, py]),
        node_ids=ids,
        crs=crs,
        mode=mode,
        walk_kmh=float(walk_kmh),
        snappable=snappable,
        source=source,
    )


def _edge_arrays(
    G: nx.MultiDiGraph, index: dict[Any, int], weight: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Edge endpoints, weights and lengths, read straight from the adjacency dicts."""
    us: list[int] = []
    vs: list[int] = []
    ts: list[float] = []
    ls: list[float] = []
    nan = float("nan")
    multi = G.is_multigraph()
    adj = getattr(G, "_adj", None) or G.adj  # the raw dicts: 3x faster than the views
    for a, nbrs in adj.items():
        ai = index[a]
        for b, keyed in nbrs.items():
            bi = index[b]
            for d in keyed.values() if multi else (keyed,):
                us.append(ai)
                vs.append(bi)
                ts.append(d.get(weight, nan))
                ls.append(d.get("length", nan))
    return (
        np.asarray(us, np.int64),
        np.asarray(vs, np.int64),
        np.asarray(ts, float),
        np.asarray(ls, float),
    )


def _utm_for(lon: np.ndarray, lat: np.ndarray) -> pyproj.CRS:
    """WGS 84 UTM zone of the points' median (EPSG 326zz north, 327zz south)."""
    lo, la = float(np.median(lon)), float(np.median(lat))
    zone = min(int((lo + 180.0) // 6.0) + 1, 60)
    return pyproj.CRS.from_epsg((32600 if la >= 0 else 32700) + zone)


@dataclass(frozen=True)
class NearestResult:
    """Nearest service per origin along the network.

    Attributes
    ----------
    seconds : numpy.ndarray
        Travel time to the nearest service, legs included; NaN when unreachable.
    destination : numpy.ndarray of int
        Index (into the destinations given) of the nearest service; -1 when unreachable.
    metres : numpy.ndarray
        Length of that route, legs included; NaN when unreachable.
    """

    seconds: np.ndarray
    destination: np.ndarray
    metres: np.ndarray

    @property
    def reachable(self) -> np.ndarray:
        """Boolean per origin: some service can be reached."""
        return np.asarray(self.destination >= 0)


def _augment(base: sp.csr_array, heads: np.ndarray, weights: np.ndarray) -> sp.csr_array:
    """Add one virtual node per head, with an edge ``virtual_k → heads[k]``."""
    n = base.shape[0]
    k = len(heads)
    indptr = np.concatenate([base.indptr, base.indptr[-1] + np.arange(1, k + 1)])
    indices = np.concatenate([base.indices, heads]).astype(np.int32 if n + k < 2**31 else np.int64)
    data = np.concatenate([base.data, weights])
    return sp.csr_array((data, indices, indptr), shape=(n + k, n + k))


def nearest_times(
    graph: StreetGraph,
    origins_xy: np.ndarray,
    destinations_xy: np.ndarray,
) -> NearestResult:
    """Time to the nearest destination for every origin: one multi-source Dijkstra pass.

    Each destination becomes a virtual node joined to its snapped node by its walking
    leg; one ``scipy.sparse.csgraph.dijkstra(min_only=True)`` from all virtual nodes over
    the reversed graph gives every node its time to the closest destination and which
    destination that is. The route length is then read back along the predecessor tree.

    Parameters
    ----------
    graph : StreetGraph
    origins_xy, destinations_xy : numpy.ndarray
        Points (k × 2) in ``graph.crs``.

    Returns
    -------
    NearestResult

    Examples
    --------
    >>> from assetmap.analysis.network import demo_graph
    >>> g = compile_graph(demo_graph(), mode="walk", walk_kmh=3.6)
    >>> r = nearest_times(g, g.xy[[0, 8]], g.xy[[2]])
    >>> r.seconds.tolist(), r.metres.tolist(), r.destination.tolist()
    ([200.0, 200.0], [200.0, 200.0], [0, 0])
    """
    no = len(origins_xy)
    nan = np.full(no, np.nan)
    if len(destinations_xy) == 0 or no == 0:
        return NearestResult(nan, np.full(no, -1, np.int64), nan.copy())
    mps = graph.metres_per_second
    o_node, o_leg = graph.snap(origins_xy)
    d_node, d_leg = graph.snap(destinations_xy)
    n = graph.n_nodes
    aug = _augment(graph.reverse, d_node, d_leg / mps)
    virt = np.arange(n, n + len(d_node))
    dist, pred, src = dijkstra(
        aug, directed=True, indices=virt, min_only=True, return_predecessors=True
    )
    t = dist[o_node]
    ok = np.isfinite(t)
    dest = np.where(ok, src[o_node] - n, -1).astype(np.int64)
    seconds = np.where(ok, t + o_leg / mps, np.nan)
    metres = np.where(ok, _route_length(graph, o_node, pred, n) + o_leg, np.nan)
    metres[ok] += d_leg[dest[ok]]
    return NearestResult(seconds, dest, metres)


def _route_length(graph: StreetGraph, start: np.ndarray, pred: np.ndarray, n: int) -> np.ndarray:
    """Sum edge lengths from each start node along predecessors until a virtual node."""
    total = np.zeros(len(start))
    cur = start.astype(np.int64).copy()
    active = np.flatnonzero((pred[cur] >= 0) & (pred[cur] < n))
    while len(active):
        nxt = pred[cur[active]].astype(np.int64)
        # predecessor in the reversed graph = next node along the forward route
        total[active] += graph.edge_length(cur[active], nxt)
        cur[active] = nxt
        p = pred[nxt]
        active = active[(p >= 0) & (p < n)]
    return total


def pairs_within(
    graph: StreetGraph,
    origins_xy: np.ndarray,
    destinations_xy: np.ndarray,
    limit_s: float,
    *,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every origin–destination pair within a travel time, kept sparse.

    Bounded Dijkstra searches (``limit=limit_s``) run from whichever side has fewer
    points — destinations over the reversed graph, or origins over the graph — in
    chunks whose dense rows stay under 256 MB; only the columns of the other side's
    nodes are kept, and only pairs within the limit are returned.

    Parameters
    ----------
    graph : StreetGraph
    origins_xy, destinations_xy : numpy.ndarray
        Points (k × 2) in ``graph.crs``.
    limit_s : float
        Largest travel time kept, seconds (legs included, inclusive).
    progress : callable, optional
        Wraps the chunk iterator (e.g. ``tqdm.tqdm``) to show progress.

    Returns
    -------
    oi, dj : numpy.ndarray of int
        Origin and destination index of each pair.
    seconds : numpy.ndarray
        Travel time of each pair.

    Examples
    --------
    >>> from assetmap.analysis.network import demo_graph
    >>> g = compile_graph(demo_graph(), mode="walk", walk_kmh=3.6)
    >>> oi, dj, s = pairs_within(g, g.xy[[0, 8]], g.xy[[1, 7]], 150)
    >>> sorted(zip(oi.tolist(), dj.tolist(), s.tolist()))
    [(0, 0, 100.0), (1, 1, 100.0)]
    """
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if len(origins_xy) == 0 or len(destinations_xy) == 0:
        return empty
    mps = graph.metres_per_second
    o_node, o_leg = graph.snap(origins_xy)
    d_node, d_leg = graph.snap(destinations_xy)
    from_dest = len(d_node) <= len(o_node)
    if from_dest:
        s_node, s_leg, t_node, t_leg, base = d_node, d_leg, o_node, o_leg, graph.reverse
    else:
        s_node, s_leg, t_node, t_leg, base = o_node, o_leg, d_node, d_leg, graph.forward
    n = graph.n_nodes
    aug = _augment(base, s_node, s_leg / mps)
    t_leg_s = t_leg / mps
    chunk = max(1, _CHUNK_CELLS // (n + len(s_node)))
    starts: Iterable[int] = range(0, len(s_node), chunk)
    if progress is not None:
        starts = progress(starts)
    rows, cols, vals = [], [], []
    for a in starts:
        idx = np.arange(a, min(a + chunk, len(s_node)))
        dist = dijkstra(aug, directed=True, indices=n + idx, limit=limit_s)
        sub = dist[:, t_node] + t_leg_s[None, :]
        r, c = np.nonzero(sub <= limit_s)
        rows.append(idx[r])
        cols.append(c)
        vals.append(sub[r, c])
    s_i = np.concatenate(rows)
    t_i = np.concatenate(cols)
    secs = np.concatenate(vals)
    if from_dest:
        return t_i.astype(np.int64), s_i.astype(np.int64), secs
    return s_i.astype(np.int64), t_i.astype(np.int64), secs
