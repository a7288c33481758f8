"""Size and speed of the study map for a county-scale study (issue 6's budget).

Builds a SYNTHETIC county: 400 units that tile a 30 km square (Voronoi cells whose edges
are densified to 15 m and wiggled, so they carry as many vertices as Census tract
boundaries do) with ACS-like counts, 5,000 synthetic services in 11 domains, and an
anchor hospital with employees, new hires, spending and investment by unit. It then
writes the map with assetmap and, for comparison, with what an analyst would otherwise
write in a notebook: ``units.explore()`` plus ``assets.explore(m=...)`` (geopandas + folium).

For each it prints the file size and, opened in headless Chromium served offline as the
tests do (tests/browser_support.py: libraries from tests/browser/node_modules, blank
tiles), the time from navigation start until the map is interactive: for assetmap, the
moment its layers, layer control and search are built (``performance.mark
('assetmap-ready')``); for explore, the page's load event (its scripts build everything
while the page loads). Budget: under 5 MB and under 2 s.

    .venv/bin/python benchmarks/bench_map.py [--runs 3] [--units 400] [--assets 5000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

UTM = "EPSG:32618"
X0, Y0 = 585_000.0, 4_505_000.0  # around the Bronx, in UTM 18N metres
SIDE = 30_000.0
SIZE_BUDGET = 5_000_000
TIME_BUDGET = 2.0


def synthetic_units(n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """``n`` units tiling a square, with realistically detailed boundaries."""
    from assetmap.analysis.need import load_indicators

    seeds = shapely.points(rng.uniform([X0, Y0], [X0 + SIDE, Y0 + SIDE], size=(n, 2)))
    frame = box(X0, Y0, X0 + SIDE, Y0 + SIDE)
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame)
    cells = shapely.intersection(np.asarray(cells.geoms), frame)
    cells = shapely.segmentize(cells, 15.0)

    def wiggle(xy: np.ndarray) -> np.ndarray:
        # the same displacement for the same point, so shared edges stay shared
        dx = 4.0 * np.sin(xy[:, 1] / 37.0) * np.cos(xy[:, 0] / 53.0)
        dy = 4.0 * np.sin(xy[:, 0] / 41.0) * np.cos(xy[:, 1] / 29.0)
        return xy + np.column_stack([dx, dy])

    cells = shapely.transform(cells, wiggle)
    ids = [f"36999{i:06d}" for i in range(n)]
    units = gpd.GeoDataFrame(
        {"name": [f"Synthetic tract {i + 1}" for i in range(n)]},
        geometry=cells,
        index=pd.Index(ids, name="unit_id"),
        crs=UTM,
    ).to_crs(4326)
    units["population"] = rng.integers(800, 8000, n)
    units.loc[units.index[rng.choice(n, 6, replace=False)], "population"] = 0  # parks
    ind = load_indicators()
    totals = {c for i in ind.indicators.values() for c in i.denominator}
    for code in ind.variables:
        share = rng.beta(2, 8, n)
        units[f"{code}E"] = (
            units["population"] if code in totals else np.round(units["population"] * share)
        )
        units[f"{code}M"] = np.round(units[f"{code}E"] * 0.15 + 20)
    return units


def synthetic_assets(n: int, units: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """``n`` services spread over the units, more where more people live."""
    from assetmap.domains import load_domains

    keys = list(load_domains())
    weights = np.linspace(2, 1, len(keys))
    domains = rng.choice(keys, n, p=weights / weights.sum())
    minx, miny, maxx, maxy = units.total_bounds
    xy = np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
    streets = ["Grand Concourse", "Southern Blvd", "Fordham Rd", "Jerome Ave", "Webster Ave"]
    rows = {
        "asset_id": [f"S{i:05d}" for i in range(n)],
        "name": [f"Synthetic {d.replace('_', ' ')} service {i}" for i, d in enumerate(domains)],
        "domain": domains,
        "sector": rng.choice(["cbo", "government", "faith", "health_system"], n),
        "org": [f"Synthetic Community Partners {i % 700}" for i in range(n)],
        "address": [
            f"{100 + i % 3000} {streets[i % 5]}, Synthetic City, NY 10451" for i in range(n)
        ],
        "phone": [f"(718) 555-{i % 10000:04d}" for i in range(n)],
        "website": [f"https://partner{i % 700}.example.org/services/{i}" for i in range(n)],
        "hours": rng.choice(["Mon-Fri 9-5", "Tue & Thu 10-2", "24/7", "Sat 9-12"], n),
        "capacity": rng.integers(10, 500, n).astype(float),
        "source": rng.choice(["partners", "211", "partners;211", "osm"], n),
        "source_id": [str(i) for i in range(n)],
        "last_verified": rng.choice(["2024-05-01", "2023-11-15", ""], n),
        "outside_region": False,
    }
    return gpd.GeoDataFrame(rows, geometry=shapely.points(xy), crs=4326)


def synthetic_anchor(units: gpd.GeoDataFrame, rng: np.random.Generator):
    from assetmap.anchor.model import Anchor

    base = units[["name", "population", "geometry"]].reset_index()
    employees = rng.integers(0, 200, len(base)).astype(float)
    hires = np.round(employees * rng.uniform(0.05, 0.2, len(base)))
    employment = base.assign(
        employees=employees,
        employees_suppressed=employees < 11,
        new_hires=hires,
        new_hires_suppressed=(hires > 0) & (hires < 11),
    )
    employment.loc[employment["employees_suppressed"], "employees"] = np.nan
    employment.loc[employment["new_hires_suppressed"], "new_hires"] = np.nan
    invested = rng.random(len(base)) < 0.1
    investment = base.assign(
        investment_usd=np.where(invested, np.round(rng.gamma(2.0, 400_000, len(base)), -3), 0.0),
        investments=invested.astype(int),
        types=np.where(invested, "affordable housing", ""),
    )
    purchasing = base.assign(
        spend_usd=np.round(rng.gamma(1.5, 80_000, len(base)), -2),
        vendors=rng.integers(0, 20, len(base)),
    )
    c = units.union_all().centroid
    hospital = gpd.GeoDataFrame(
        {"name": ["Synthetic County Hospital"], "beds": [450]}, geometry=[c], crs=4326
    )
    return Anchor(
        name="Synthetic County Hospital",
        hospital=hospital,
        employment=gpd.GeoDataFrame(employment, geometry="geometry", crs=4326),
        purchasing=gpd.GeoDataFrame(purchasing, geometry="geometry", crs=4326),
        investment=gpd.GeoDataFrame(investment, geometry="geometry", crs=4326),
        spaces=gpd.GeoDataFrame({"name": [], "space_type": []}, geometry=[], crs=4326),
        min_cell=11,
    )


def build_study(n_units: int, n_assets: int):
    import assetmap as am

    rng = np.random.default_rng(6)
    units = synthetic_units(n_units, rng)
    assets = synthetic_assets(n_assets, units, rng)
    prov = {
        "sources": [
            {"name": "Synthetic ACS-like counts", "vintage": "2019–2023 (synthetic)"},
            {"name": "Synthetic service inventory", "vintage": "2024 (synthetic)"},
        ],
        "assetmap_version": "bench",
    }
    return am.Atlas.build(
        units,
        assets,
        name=f"Synthetic county ({n_units} units, {n_assets:,} synthetic services)",
        anchor=synthetic_anchor(units, rng),
        synthetic=True,
        provenance=prov,
    )


def write_explore(atlas, path: Path) -> None:
    """What a notebook user would write: geopandas' explore() for units and services."""
    cols = ["name", "population", "need_pct", "geometry"]
    # legend=False: explore's legends load d3 and jQuery UI from other CDNs, which the
    # offline test server does not have
    m = atlas.units[cols].explore(
        column="need_pct", scheme="quantiles", k=5, cmap="YlOrRd", legend=False
    )
    assets = atlas.assets[
        ["name", "domain", "org", "address", "phone", "website", "hours", "geometry"]
    ]
    assets.explore(m=m, column="domain", marker_kwds={"radius": 4}, legend=False)
    m.save(str(path))


READY_JS = """() => {
    const mark = performance.getEntriesByName('assetmap-ready')[0];
    const nav = performance.getEntriesByType('navigation')[0];
    return {ready: mark ? mark.startTime : null, load: nav.loadEventEnd};
}"""


def time_in_chromium(browser, path: Path, runs: int) -> tuple[float, float]:
    """Median seconds to interactive and to the load event over ``runs`` openings."""
    from tests.browser_support import open_map

    ready, load = [], []
    for _ in range(runs):
        session = open_map(browser, path, timeout_ms=120_000)
        try:
            t = session.page.evaluate(READY_JS)
            assert not session.page_errors, session.page_errors
            load.append(t["load"] / 1000)
            ready.append((t["ready"] if t["ready"] is not None else t["load"]) / 1000)
        finally:
            session.close()
    return statistics.median(ready), statistics.median(load)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--units", type=int, default=400)
    ap.add_argument("--assets", type=int, default=5000)
    args = ap.parse_args()

    t = time.perf_counter()
    atlas = build_study(args.units, args.assets)
    print(
        f"SYNTHETIC study: {len(atlas.units)} units, {len(atlas.assets):,} services, "
        f"{len(atlas.gaps)} gaps, {len(atlas.overlaps)} overlaps "
        f"(built in {time.perf_counter() - t:.1f} s)"
    )
    vertices = int(shapely.get_num_coordinates(atlas.units.geometry.array).sum())
    print(f"unit boundaries: {vertices:,} vertices ({vertices / len(atlas.units):.0f} per unit)")

    import folium  # noqa: F401  (imports are not part of building a map)
    import mapclassify  # noqa: F401
    import xyzservices  # noqa: F401

    out = Path(tempfile.mkdtemp(prefix="bench_map_"))
    files: dict[str, Path] = {}
    build_s: dict[str, float] = {}
    t = time.perf_counter()
    atlas.map().save(str(out / "assetmap.html"))
    build_s["assetmap"] = time.perf_counter() - t
    files["assetmap"] = out / "assetmap.html"
    t = time.perf_counter()
    from tests.browser_support import NODE_MODULES

    atlas.map(self_contained=True, js_dir=NODE_MODULES).save(str(out / "assetmap_alone.html"))
    build_s["assetmap, self-contained"] = time.perf_counter() - t
    files["assetmap, self-contained"] = out / "assetmap_alone.html"
    t = time.perf_counter()
    write_explore(atlas, out / "explore.html")
    build_s["geopandas explore()"] = time.perf_counter() - t
    files["geopandas explore()"] = out / "explore.html"

    from tests.browser_support import launch_browser

    timings: dict[str, tuple[float, float]] = {}
    with launch_browser() as browser:
        for name, path in files.items():
            timings[name] = time_in_chromium(browser, path, args.runs)

    print(f"\n{'map':28} {'size MB':>8} {'build s':>8} {'interactive s':>14} {'load s':>7}")
    for name, path in files.items():
        size = path.stat().st_size
        ready, load = timings[name]
        print(f"{name:28} {size / 1e6:8.2f} {build_s[name]:8.1f} {ready:14.2f} {load:7.2f}")
    ours, theirs = files["assetmap"].stat().st_size, files["geopandas explore()"].stat().st_size
    print(
        f"\nsize: assetmap is {theirs / ours:.1f}x smaller than explore() "
        f"({ours / 1e6:.2f} MB vs {theirs / 1e6:.2f} MB); budget {SIZE_BUDGET / 1e6:.0f} MB: "
        f"{'OK' if ours < SIZE_BUDGET else 'OVER'}"
    )
    r_ours, r_theirs = timings["assetmap"][0], timings["geopandas explore()"][0]
    print(
        f"time to interactive: assetmap {r_ours:.2f} s vs explore() {r_theirs:.2f} s "
        f"({r_theirs / r_ours:.1f}x); budget {TIME_BUDGET:.0f} s: "
        f"{'OK' if r_ours < TIME_BUDGET else 'OVER'}"
    )
    print(f"(files kept in {out})")


if __name__ == "__main__":
    main()
