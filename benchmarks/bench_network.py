"""Network travel times: assetmap.analysis.network against networkx, on a 50,000-node street grid.

Run: ``.venv/bin/python benchmarks/bench_network.py [--nodes 50000] [--origins 2000]
[--assets 300] [--nx-sample 20]``.

The street graph is generated here (no download): a square grid of streets 100 m apart
(224 × 224 = 50,176 intersections for the default), every street two-way, with 8% of the
blocks' edges removed at random (dead ends, superblocks) and edge lengths jittered ±10 m
so that shortest paths are unique. It is an osmnx-style ``networkx.MultiDiGraph`` (node
``x``/``y`` in EPSG:32618, edge ``length`` and ``travel_time`` at 4.8 km/h walking).
Origins and services are random points, snapped to the nearest node by both sides.

Timed, in one run:

1. **Nearest service per origin** (what ``access`` needs per domain):
   networkx per origin (``single_source_dijkstra_path_length``, then the minimum over the
   services' nodes), timed on ``--nx-sample`` origins and extrapolated linearly to all
   (said so in the output); networkx ``multi_source_dijkstra`` over the reversed graph
   (the best a networkx user can do); assetmap ``compile_graph`` (conversion, counted in
   the ratio) + ``nearest_times`` (one multi-source pass in scipy).
2. **Many-to-many within a 15-minute cutoff** (what network 2SFCA needs): networkx per
   origin with ``cutoff``, scipy ``dijkstra(limit=...)`` from every origin with its dense
   result, and assetmap ``pairs_within`` (bounded searches from the smaller side, sparse).

Results are compared (times equal to 1e-9 relative, same pair sets) and the peak memory
of assetmap's steps is reported (tracemalloc).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

from assetmap.analysis.network import compile_graph, nearest_times, pairs_within

WALK_MPS = 4.8 / 3.6


def street_grid(n_nodes: int, seed: int = 0) -> nx.MultiDiGraph:
    side = int(round(np.sqrt(n_nodes)))
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph(crs="EPSG:32618")
    x0, y0 = 580_000.0, 4_500_000.0
    G.add_nodes_from(
        (r * side + c, {"x": x0 + 100.0 * c, "y": y0 + 100.0 * r})
        for r in range(side)
        for c in range(side)
    )
    edges = []
    for r in range(side):
        for c in range(side):
            a = r * side + c
            for b in ([a + 1] if c + 1 < side else []) + ([a + side] if r + 1 < side else []):
                if rng.random() < 0.08:
                    continue
                length = 100.0 + rng.uniform(-10, 10)
                d = {"length": length, "travel_time": length / WALK_MPS, "highway": "residential"}
                edges += [(a, b, d), (b, a, dict(d))]
    G.add_edges_from(edges)
    return G


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t, out


def peak_mb(fn, *args, **kw) -> float:
    tracemalloc.start()
    fn(*args, **kw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=50_000)
    ap.add_argument("--origins", type=int, default=2_000)
    ap.add_argument("--assets", type=int, default=300)
    ap.add_argument("--nx-sample", type=int, default=20)
    ap.add_argument("--cutoff-min", type=float, default=15.0)
    args = ap.parse_args()
    rng = np.random.default_rng(1)

    t_build, G = timed(street_grid, args.nodes)
    print(
        f"street grid: {G.number_of_nodes():,} nodes, {G.number_of_edges():,} directed edges "
        f"(generated in {t_build:.1f} s)"
    )
    t_compile, g = timed(compile_graph, G, mode="walk", min_component_nodes=1)
    lo, hi = g.xy.min(axis=0), g.xy.max(axis=0)
    o_xy = rng.uniform(lo, hi, (args.origins, 2))
    a_xy = rng.uniform(lo, hi, (args.assets, 2))
    o_node, o_leg = g.snap(o_xy)
    a_node, a_leg = g.snap(a_xy)
    ids = g.node_ids
    o_leg_s, a_leg_s = o_leg / WALK_MPS, a_leg / WALK_MPS

    # ------------------------------------------------------------------ nearest service
    print(f"\n1. nearest service: {args.origins:,} origins x {args.assets} services")
    t_ours, res = timed(nearest_times, g, o_xy, a_xy)
    t_ours_total = t_compile + t_ours

    sample = rng.choice(args.origins, size=min(args.nx_sample, args.origins), replace=False)
    asset_of_node: dict[int, float] = {}
    for n_, leg in zip(a_node, a_leg_s, strict=True):
        asset_of_node[int(ids[n_])] = min(leg, asset_of_node.get(int(ids[n_]), np.inf))

    def nx_per_origin() -> np.ndarray:
        out = []
        for i in sample:
            dist = nx.single_source_dijkstra_path_length(G, ids[o_node[i]], weight="travel_time")
            best = min((dist[n_] + leg for n_, leg in asset_of_node.items() if n_ in dist))
            out.append(best + o_leg_s[i])
        return np.array(out)

    t_nx_sample, nx_sec = timed(nx_per_origin)
    t_nx = t_nx_sample / len(sample) * args.origins

    def nx_multi_source() -> np.ndarray:
        R = G.reverse(copy=False)
        # virtual sources carry each service's walking leg: one extra node per service
        H = nx.MultiDiGraph(R)
        for k, (n_, leg) in enumerate(zip(a_node, a_leg_s, strict=True)):
            H.add_edge(("svc", k), ids[n_], travel_time=leg)
        dist = nx.multi_source_dijkstra_path_length(
            H, [("svc", k) for k in range(len(a_node))], weight="travel_time"
        )
        return np.array([dist.get(ids[n_], np.inf) for n_ in o_node]) + o_leg_s

    t_nx_multi, nx_multi_sec = timed(nx_multi_source)
    same_sample = np.allclose(res.seconds[sample], nx_sec, rtol=1e-9, atol=0)
    same_multi = np.allclose(res.seconds, nx_multi_sec, rtol=1e-9, atol=0)
    print(
        f"   networkx per origin         {t_nx:9.2f} s  (timed on {len(sample)} origins: "
        f"{t_nx_sample:.2f} s, extrapolated linearly to {args.origins:,})"
    )
    print(f"   networkx multi-source       {t_nx_multi:9.3f} s  (reversed graph, one pass)")
    print(f"   assetmap compile_graph      {t_compile:9.3f} s  (networkx -> CSR, once per graph)")
    print(f"   assetmap nearest_times      {t_ours:9.3f} s  (snap + one multi-source pass)")
    print(f"   assetmap total              {t_ours_total:9.3f} s")
    print(
        f"   ratio networkx per origin / assetmap incl. conversion: {t_nx / t_ours_total:8.0f}x "
        f"(goal >= 500x); excl. conversion: {t_nx / t_ours:.0f}x"
    )
    print(
        f"   ratio networkx multi-source / assetmap incl. conversion: "
        f"{t_nx_multi / t_ours_total:.1f}x"
    )
    print(
        f"   identical to networkx: sample {same_sample}, all origins (multi-source) {same_multi}"
    )

    # ------------------------------------------------------- many-to-many within cutoff
    limit = args.cutoff_min * 60.0
    print(f"\n2. pairs within {args.cutoff_min:g} min walking: {args.origins:,} x {args.assets}")

    def nx_cutoff() -> set[tuple[int, int]]:
        pairs = set()
        svc_at: dict[int, list[int]] = {}
        for k, n_ in enumerate(a_node):
            svc_at.setdefault(int(ids[n_]), []).append(k)
        for i in range(args.origins):
            dist = nx.single_source_dijkstra_path_length(
                G, ids[o_node[i]], cutoff=limit, weight="travel_time"
            )
            for n_, d in dist.items():
                for k in svc_at.get(n_, ()):
                    if d + o_leg_s[i] + a_leg_s[k] <= limit:
                        pairs.add((i, k))
        return pairs

    def scipy_dense() -> set[tuple[int, int]]:
        dist = dijkstra(g.forward, indices=o_node, limit=limit)
        sub = dist[:, a_node] + o_leg_s[:, None] + a_leg_s[None, :]
        r, c = np.nonzero(sub <= limit)
        return set(zip(r.tolist(), c.tolist(), strict=True))

    t_nxc, nx_pairs = timed(nx_cutoff)
    t_dense, dense_pairs = timed(scipy_dense)
    t_pw, (oi, dj, _) = timed(pairs_within, g, o_xy, a_xy, limit)
    ours = set(zip(oi.tolist(), dj.tolist(), strict=True))
    print(f"   networkx per origin, cutoff {t_nxc:9.3f} s  ({len(nx_pairs):,} pairs)")
    print(f"   scipy dijkstra(limit), dense{t_dense:9.3f} s")
    print(f"   assetmap pairs_within       {t_pw:9.3f} s  ({len(ours):,} pairs)")
    print(
        f"   ratio networkx / assetmap: {t_nxc / t_pw:.1f}x (goal >= 10x); "
        f"scipy dense / assetmap: {t_dense / t_pw:.1f}x"
    )
    print(f"   identical pair sets: networkx {ours == nx_pairs}, scipy dense {ours == dense_pairs}")

    print("\nmemory (tracemalloc peak, Python-visible allocations)")
    mem = peak_mb(compile_graph, G, mode="walk", min_component_nodes=1)
    print(f"   compile_graph   {mem:8.1f} MB")
    print(f"   nearest_times   {peak_mb(nearest_times, g, o_xy, a_xy):8.1f} MB")
    print(f"   pairs_within    {peak_mb(pairs_within, g, o_xy, a_xy, limit):8.1f} MB")


if __name__ == "__main__":
    main()
