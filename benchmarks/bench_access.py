"""Straight-line access: ``am.access`` against what a user would write today, in one run.

Run: ``.venv/bin/python benchmarks/bench_access.py [--origins 240000] [--assets 100000]
[--side-km 400] [--skip-pysal]``.

Data (generated here): origins and services are uniform random points over a square of
``--side-km`` km (default 400 km: 160,000 km², a large US state, about 1.7 services
within a 15-minute walk of an origin on average; ``--side-km 100`` is a dense stress case
with about 27) in UTM 18N (EPSG:32618), given to every method as projected
GeoDataFrames (origins as point units with a population, services of one domain with a
capacity). Walking 4.8 km/h with circuity 1.3, 15-minute threshold (923 m straight).

1. **Nearest distance + count within the threshold**
   - geopandas ``sjoin_nearest`` (nearest only, no count);
   - bare scipy: ``cKDTree`` on the services, ``query(k=1)`` and
     ``query_ball_point(return_length=True)`` on coordinate arrays (``workers=-1``);
   - ``am.access(units, assets, measures=["nearest", "count"])``: the same plus ids, names
     and a tidy long table.
   Goals: within 2x of the bare KD-tree, at least 3x faster than ``sjoin_nearest``.
2. **2SFCA and enhanced 2SFCA, end to end**
   - the pipeline a user would write: pairs from ``geopandas.sjoin(predicate="dwithin")``,
     their distances (shapely), then PySAL ``access`` ``two_stage_fca`` and
     ``enhanced_two_stage_fca`` on that cost table;
   - ``am.access(units, assets, measures=["fca", "e2sfca"])``.
   Goals: under 3 s, at least 5x faster, identical results (checked to 1e-9 relative).

Memory: peak traced allocations of ``am.access`` (tracemalloc, a separate run) and the
process's peak resident size (``resource.getrusage``).
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

import assetmap as am
from assetmap.analysis.access import TravelOptions

CRS = "EPSG:32618"


def make_data(n_o: int, n_a: int, side_km: float) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(0)
    x0, y0, side = 500_000.0, 4_400_000.0, side_km * 1000
    o = rng.uniform(0, side, (n_o, 2)) + [x0, y0]
    a = rng.uniform(0, side, (n_a, 2)) + [x0, y0]
    units = gpd.GeoDataFrame(
        {"population": rng.integers(1, 2000, n_o).astype(float)},
        geometry=gpd.points_from_xy(o[:, 0], o[:, 1]),
        index=pd.Index([f"o{i}" for i in range(n_o)], name="unit_id"),
        crs=CRS,
    )
    assets = gpd.GeoDataFrame(
        {
            "asset_id": [f"a{i}" for i in range(n_a)],
            "name": [f"Service {i}" for i in range(n_a)],
            "domain": "food",
            "capacity": rng.integers(1, 100, n_a).astype(float),
        },
        geometry=gpd.points_from_xy(a[:, 0], a[:, 1]),
        crs=CRS,
    )
    return units, assets


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t, out


def best_of(k, fn, *args, **kw):
    runs = [timed(fn, *args, **kw) for _ in range(k)]
    return min(r[0] for r in runs), runs[-1][1]


def peak_mb(fn, *args, **kw) -> float:
    tracemalloc.start()
    fn(*args, **kw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--origins", type=int, default=240_000)
    ap.add_argument("--assets", type=int, default=100_000)
    ap.add_argument("--side-km", type=float, default=400.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-pysal", action="store_true")
    args = ap.parse_args()
    units, assets = make_data(args.origins, args.assets, args.side_km)
    opt = TravelOptions()
    minutes = 15.0
    radius = minutes * opt.metres_per_min / opt.circuity
    print(
        f"{args.origins:,} origins x {args.assets:,} services over {args.side_km:g} km square; "
        f"15 min walk = {radius:.0f} m straight; best of {args.repeat}"
    )

    # ----------------------------------------------------------------- nearest + count
    print("\n1. nearest distance + count within 15 minutes")
    t_sj, sj = best_of(
        args.repeat, gpd.sjoin_nearest, units, assets[["asset_id", "geometry"]], distance_col="d"
    )

    o_xy = np.c_[units.geometry.x, units.geometry.y]
    a_xy = np.c_[assets.geometry.x, assets.geometry.y]

    def bare() -> tuple[np.ndarray, np.ndarray]:
        tree = cKDTree(a_xy)
        d, _ = tree.query(o_xy, k=1, workers=-1)
        c = tree.query_ball_point(o_xy, radius, return_length=True, workers=-1)
        return d, c

    t_bare, (d_bare, c_bare) = best_of(args.repeat, bare)
    t_am, acc = best_of(
        args.repeat, am.access, units, assets, only=["food"], measures=["nearest", "count"]
    )
    same = np.allclose(acc["straight_m"].to_numpy(), d_bare, rtol=1e-12) and np.array_equal(
        acc["count_within"].to_numpy(), c_bare
    )
    same_sj = np.allclose(
        sj.groupby(level=0)["d"].min().reindex(units.index).to_numpy(), d_bare, rtol=1e-9
    )
    print(f"   geopandas sjoin_nearest   {t_sj:7.3f} s  (nearest only)")
    print(f"   bare cKDTree + count      {t_bare:7.3f} s")
    print(f"   am.access nearest+count   {t_am:7.3f} s")
    print(
        f"   am.access / bare KD-tree = {t_am / t_bare:.2f}x (goal <= 2); "
        f"sjoin_nearest / am.access = {t_sj / t_am:.1f}x (goal >= 3)"
    )
    print(f"   identical: to bare KD-tree {same}, to sjoin_nearest distances {same_sj}")
    mem = peak_mb(am.access, units, assets, only=["food"], measures=["nearest", "count"])
    print(f"   am.access peak traced memory {mem:.0f} MB")

    # ------------------------------------------------------------------- 2SFCA, E2SFCA
    print("\n2. 2SFCA + enhanced 2SFCA, end to end")
    t_fca, acc2 = best_of(
        args.repeat, am.access, units, assets, only=["food"], measures=["fca", "e2sfca"]
    )
    print(f"   am.access 2SFCA+E2SFCA    {t_fca:7.3f} s  (goal < 3 s)")
    mem2 = peak_mb(am.access, units, assets, only=["food"], measures=["fca", "e2sfca"])
    print(f"   am.access peak traced memory {mem2:.0f} MB")
    if not args.skip_pysal:
        import access as pysal_access
        import shapely

        def user_pipeline() -> tuple[pd.Series, pd.Series]:
            pairs = gpd.sjoin(
                units[["geometry"]],
                assets[["asset_id", "geometry"]],
                predicate="dwithin",
                distance=radius,
            )
            dist = shapely.distance(
                units.geometry.loc[pairs.index].to_numpy(),
                assets.geometry.to_numpy()[pairs["index_right"].to_numpy()],
            )
            cost = pd.DataFrame(
                {
                    "origin": pairs.index.to_numpy(),
                    "dest": pairs["asset_id"].to_numpy(),
                    "cost": dist * opt.circuity / opt.metres_per_min,
                }
            )
            demand = pd.DataFrame({"pop": units["population"]}, index=units.index.rename("geoid"))
            supply = pd.DataFrame(
                {"cap": assets["capacity"].to_numpy()},
                index=pd.Index(assets["asset_id"], name="geoid"),
            )
            pa = pysal_access.Access(
                demand_df=demand,
                demand_value="pop",
                supply_df=supply,
                supply_value="cap",
                cost_df=cost,
                cost_origin="origin",
                cost_dest="dest",
                cost_name="cost",
            )
            fca = pa.two_stage_fca(name="fca", max_cost=minutes)["fca_cap"]
            step = pysal_access.weights.step_fn(
                {minutes * k / 3: w for k, w in zip((1, 2, 3), opt.decay_weights, strict=True)}
            )
            e2 = pa.enhanced_two_stage_fca(name="e2", max_cost=minutes, weight_fn=step)["e2_cap"]
            return fca, e2

        t_user, (fca, e2) = timed(user_pipeline)
        a2 = acc2.set_index("unit_id")
        ok1 = np.allclose(
            a2["fca_ratio"], fca.reindex(a2.index).fillna(0) * opt.per, rtol=1e-9, atol=0
        )
        ok2 = np.allclose(
            a2["e2sfca_ratio"], e2.reindex(a2.index).fillna(0) * opt.per, rtol=1e-9, atol=0
        )
        print(f"   sjoin dwithin + PySAL     {t_user:7.3f} s  (one run)")
        print(
            f"   speed-up {t_user / t_fca:.1f}x (goal >= 5x); identical 2SFCA {ok1}, E2SFCA {ok2}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak resident memory (all methods above): {rss:.0f} MB")


if __name__ == "__main__":
    main()
