"""One travel context per study: ``Atlas.build`` with the shared context against the stages alone.

Run: ``.venv/bin/python benchmarks/bench_context.py [--side 71] [--assets 2500] [--repeat 3]``.

Data (generated here): a ``--side`` × ``--side`` grid of square units 0.004° (about
340 × 445 m) in EPSG:4326 over the Bronx (71 × 71 = 5,041 units), each with the ACS
columns of a random sample unit scaled to 2–8% of its size (so the need index is
computed as for real units), and ``--assets`` services at uniform random places over the
grid, spread over the eleven shipped domains, with a capacity.

1. **Shared context** — ``am.Atlas.build(units, assets)``: one
   :class:`~assetmap.analysis.context.TravelContext` (working CRS, unit origins, per-domain
   catchments) handed to access, overlaps, capacity balance and siting.
2. **Stages alone** — the same stages in the same order, each called without
   ``context=`` (as a notebook user calls them), so each derives the working CRS, the unit
   origins and the catchments it needs for itself.

Both give the same frames to the last bit (checked here); the ratio is the time saved by
computing the travel context once.
"""

from __future__ import annotations

import argparse
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import assetmap as am
from assetmap.analysis.gaps import find_gaps
from assetmap.analysis.overlap import capacity_balance, provider_coverage


def make_study(side: int, n_assets: int, seed: int = 0) -> tuple[gpd.GeoDataFrame, ...]:
    rng = np.random.default_rng(seed)
    sample = am.load_sample().units
    x0, y0, cell = -73.95, 40.80, 0.004
    i, j = (a.ravel() for a in np.meshgrid(np.arange(side), np.arange(side)))
    boxes = shapely.box(x0 + i * cell, y0 + j * cell, x0 + (i + 1) * cell, y0 + (j + 1) * cell)
    acs = sample.drop(columns="geometry").iloc[rng.integers(0, len(sample), len(i))]
    acs = acs.reset_index(drop=True)
    num = acs.select_dtypes("number").columns
    acs[num] = (acs[num].to_numpy(float) * rng.uniform(0.02, 0.08, len(i))[:, None]).round()
    acs["name"] = [f"Unit {k}" for k in range(len(i))]
    units = gpd.GeoDataFrame(acs, geometry=boxes, crs="EPSG:4326")
    units.index = pd.Index([f"U{k:05d}" for k in range(len(i))], name="unit_id")
    ext = side * cell
    assets = gpd.GeoDataFrame(
        {
            "asset_id": [f"A{k:05d}" for k in range(n_assets)],
            "name": [f"Service {k}" for k in range(n_assets)],
            "domain": rng.choice(list(am.load_domains()), n_assets),
            "capacity": rng.integers(1, 50, n_assets).astype(float),
        },
        geometry=gpd.points_from_xy(
            x0 + rng.uniform(0, ext, n_assets), y0 + rng.uniform(0, ext, n_assets)
        ),
        crs="EPSG:4326",
    )
    return units, assets


def shared(units: gpd.GeoDataFrame, assets: gpd.GeoDataFrame) -> dict[str, pd.DataFrame]:
    a = am.Atlas.build(units, assets)
    keys = ("access", "gaps", "overlaps", "coverage", "balance", "sites")
    return {k: getattr(a, k) for k in keys}


def alone(units: gpd.GeoDataFrame, assets: gpd.GeoDataFrame) -> dict[str, pd.DataFrame]:
    """The stages of ``Atlas.build``, each without ``context=`` (the previous path)."""
    doms = am.load_domains()
    u = am.need_index(units)
    acc = am.access(u, assets, domains=doms)
    return {
        "access": acc,
        "gaps": find_gaps(u, acc),
        "overlaps": am.find_overlaps(u, assets, acc, domains=doms),
        "coverage": provider_coverage(u, acc),
        "balance": capacity_balance(u, acc),
        "sites": am.suggest_sites(u, assets, acc, k=3, domains=doms),
    }


def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if isinstance(a, gpd.GeoDataFrame):
        a = pd.DataFrame(a).assign(geometry=a.geometry.to_wkb())
        b = pd.DataFrame(b).assign(geometry=b.geometry.to_wkb())
    return bool(a.columns.equals(b.columns) and a.equals(b))


def best_of(k: int, fn, *args):  # noqa: ANN001, ANN201
    times, out = [], None
    for _ in range(k):
        t = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=71)
    ap.add_argument("--assets", type=int, default=2500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    units, assets = make_study(args.side, args.assets)
    print(f"synthetic study: {len(units):,} units, {len(assets):,} services, 11 domains")
    shared(units, assets)  # warm imports and caches once for both
    t_alone, a = best_of(args.repeat, alone, units, assets)
    t_shared, b = best_of(args.repeat, shared, units, assets)
    print(f"  stages alone (no context=)      {t_alone:7.2f} s  (best of {args.repeat})")
    print(f"  Atlas.build, one shared context {t_shared:7.2f} s  (best of {args.repeat})")
    print(f"  ratio alone / shared: {t_alone / t_shared:.2f}x")
    print(f"  identical outputs: {all(same(a[k], b[k]) for k in a)}")


if __name__ == "__main__":
    main()
