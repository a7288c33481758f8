"""Memory and time of a million services in one small city: ``am.dedupe``, then the build.

Run from the repository root::

    python benchmarks/bench_scale_assets.py              # 1,000,000 services (~10 min)
    python benchmarks/bench_scale_assets.py --n 300000

The inventory is ``benchmarks/bench_dedupe.py``'s generator (services clustered around
400 neighbourhood centres, ~10 % second or third listings with the labelled set's name,
address and phone variants from ``tests/_dedupe_cases.py``, 5 % of services sharing a
building with another), packed into a 12 km x 12 km square over the Bronx: a million
records are some 7,000 per km2, a thousand within 150 m of the busiest. The whole build
is :meth:`assetmap.Atlas.build` on the sample's Bronx units (49 NTAs, 6,078 population
points, its travel settings) with the merged services; no map or report is written.

Each stage runs in its own process (the inventory is generated once and pickled under
``--work``), so each peak is that stage's own: the printed peak is ``ru_maxrss`` of the
process (its high-water resident memory), and "loaded" its resident memory once its
inputs were read. Memory can be capped for a run of older code with ``--cap-gb`` (an
address-space limit set in the child, like ``prlimit --as``).
"""

from __future__ import annotations

import argparse
import importlib
import pickle
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # tests/_dedupe_cases; PYTHONPATH may name another assetmap
sys.path.insert(0, str(ROOT / "benchmarks"))

#: South-west corner (UTM 18N, m) and side of the square the services are packed into.
X0, Y0, SIDE = 591_000.0, 4_517_500.0, 12_000.0


def _rss_gb() -> float:
    """Resident memory of this process now, in GB (from /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1e6
    return float("nan")


def _peak_gb() -> float:
    """High-water resident memory of this process, in GB (``ru_maxrss`` is in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def generate(n: int, path: Path) -> None:
    """Generate ``n`` records over the Bronx with their truth; pickle them to ``path``."""
    bench = importlib.import_module("bench_dedupe")
    bench.X0, bench.Y0 = X0, Y0  # make_assets places its square at these
    t0 = time.perf_counter()
    assets, truth = bench.make_assets(n, side=SIDE)
    print(f"generated {len(assets):,} records in {time.perf_counter() - t0:.0f} s", flush=True)
    with path.open("wb") as fh:
        pickle.dump((assets, truth), fh, protocol=pickle.HIGHEST_PROTOCOL)


def run_dedupe(path: Path, out: Path) -> None:
    """``am.dedupe`` on the pickled records: time, peak memory, pairs, quality."""
    import assetmap as am

    bench = importlib.import_module("bench_dedupe")
    with path.open("rb") as fh:
        assets, truth = pickle.load(fh)
    loaded = _rss_gb()
    t0 = time.perf_counter()
    res = am.dedupe(assets)
    secs = time.perf_counter() - t0
    peak = _peak_gb()
    label = pd.factorize(res.clusters["cluster_id"])[0]
    precision, recall = bench.pair_precision_recall(label, truth)
    b = getattr(res, "blocking", {})  # older versions have none
    print(f"dedupe: {secs:.0f} s, peak {peak:.2f} GB (loaded {loaded:.2f} GB)")
    print(
        f"  {len(res.pairs):,} candidate pairs ({len(res.pairs) / len(assets):.1f} per record); "
        f"{b.get('dense_tiles', 0):,} dense tiles over the four grids "
        f"({b.get('dense_records', 0) / 4 / len(assets):.0%} of records on average)"
    )
    print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in res.timings.items()))
    print(
        f"  {len(res.merged):,} services after merging (truth {len(np.unique(truth)):,}); "
        f"pairwise precision {precision:.3f}, recall {recall:.3f}"
    )
    with out.open("wb") as fh:
        pickle.dump(res.merged, fh, protocol=pickle.HIGHEST_PROTOCOL)


def run_build(merged_path: Path) -> None:
    """``Atlas.build`` of the sample's units with the merged services: time, peak memory."""
    import assetmap as am

    sample = am.load_sample()
    with merged_path.open("rb") as fh:
        merged = pickle.load(fh)
    loaded = _rss_gb()
    t0 = time.perf_counter()
    atlas = am.Atlas.build(
        sample.units,
        merged,
        name="scale",
        domains=sample.domains,
        indicators=sample.indicators,
        travel=sample.travel,
        points=sample.points,
        synthetic=True,
    )
    secs = time.perf_counter() - t0
    print(f"Atlas.build: {secs:.0f} s, peak {_peak_gb():.2f} GB (loaded {loaded:.2f} GB)")
    print(
        f"  {len(sample.units)} units, {len(merged):,} services: {len(atlas.gaps):,} gaps, "
        f"{len(atlas.overlaps):,} overlap rows, {len(atlas.sites):,} suggested sites"
    )


def _child(stage: str, args: argparse.Namespace) -> int:
    """Run one stage in a fresh process (optionally under an address-space cap)."""
    cmd = [sys.executable, __file__, "--stage", stage, "--n", str(args.n), "--work", args.work]
    cap = []
    if args.cap_gb:
        cap = ["prlimit", f"--as={int(args.cap_gb * 2**30)}"]
    t0 = time.perf_counter()
    done = subprocess.run(cap + cmd, check=False)
    if done.returncode:
        print(f"  {stage} failed (exit {done.returncode}) after {time.perf_counter() - t0:.0f} s")
    return done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="records generated")
    parser.add_argument("--work", default="/tmp/assetmap_bench_scale", help="folder for pickles")
    parser.add_argument("--stage", choices=["all", "generate", "dedupe", "build"], default="all")
    parser.add_argument("--cap-gb", type=float, default=0.0, help="address-space cap per stage")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    records, merged = work / f"records_{args.n}.pkl", work / f"merged_{args.n}.pkl"
    if args.stage == "generate":
        generate(args.n, records)
    elif args.stage == "dedupe":
        run_dedupe(records, merged)
    elif args.stage == "build":
        run_build(merged)
    else:
        if not records.exists() and _child("generate", args):
            return
        if not _child("dedupe", args):
            _child("build", args)


if __name__ == "__main__":
    main()
