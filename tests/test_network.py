"""Network travel: times equal networkx's Dijkstra, islands are unreachable, files load offline."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import assetmap as am
from assetmap.analysis.access import TravelOptions
from assetmap.analysis.network import (
    add_travel_times,
    compile_graph,
    graph_from_file,
    load_street_graph,
    nearest_times,
    pairs_within,
)
from assetmap.errors import ConfigError, InputError

FIX = Path(__file__).parent / "fixtures" / "network"
OSM = FIX / "grid.osm"
GRAPHML = FIX / "grid.graphml"
WALK_MPS = 4.8 / 3.6


@pytest.fixture(scope="module")
def walk_nx():
    return add_travel_times(graph_from_file(OSM, mode="walk"), mode="walk")


@pytest.fixture(scope="module")
def drive_nx():
    return add_travel_times(graph_from_file(OSM, mode="drive"), mode="drive")


def _nx_nearest(G, g, o_xy, d_xy, weight="travel_time"):
    """Per-origin networkx Dijkstra: the reference."""
    o_node, o_leg = g.snap(o_xy)
    d_node, d_leg = g.snap(d_xy)
    ids = g.node_ids
    out = []
    for on, ol in zip(o_node, o_leg, strict=True):
        lengths = nx.single_source_dijkstra_path_length(G, ids[on], weight=weight)
        cand = [
            (lengths[ids[dn]] + dl / WALK_MPS, k)
            for k, (dn, dl) in enumerate(zip(d_node, d_leg, strict=True))
            if ids[dn] in lengths
        ]
        if cand:
            t, k = min(cand)
            out.append((t + ol / WALK_MPS, k))
        else:
            out.append((np.nan, -1))
    return np.array([t for t, _ in out]), np.array([k for _, k in out])


def _points(g, n, seed, main=False):
    """Random points over the fixture's streets (``main``: the main grid only)."""
    rng = np.random.default_rng(seed)
    lo, hi = g.xy.min(axis=0), g.xy.max(axis=0)
    if main:
        hi = lo + [1500.0, 1300.0]
    return rng.uniform(lo, hi, (n, 2))


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_nearest_time_equals_networkx_dijkstra(mode, walk_nx, drive_nx):
    G = walk_nx if mode == "walk" else drive_nx
    g = compile_graph(G, mode=mode)
    o_xy, d_xy = _points(g, 60, 1), _points(g, 7, 2, main=True)
    got = nearest_times(g, o_xy, d_xy)
    want_t, want_k = _nx_nearest(G, g, o_xy, d_xy)
    np.testing.assert_allclose(got.seconds, want_t, rtol=1e-9, equal_nan=True)
    assert np.isnan(want_t).any()  # some points fall on the island: unreachable
    assert (np.isnan(got.seconds) == ~got.reachable).all()
    # the chosen destination attains the same time (ties may pick another of equal time)
    same = got.destination == want_k
    assert same.mean() > 0.9
    if mode == "walk":  # walking: route length is time × speed
        ok = got.reachable
        np.testing.assert_allclose(got.metres[ok], got.seconds[ok] * WALK_MPS, rtol=1e-9)


def test_pairs_within_equal_networkx_with_cutoff(walk_nx):
    g = compile_graph(walk_nx, mode="walk")
    o_xy, d_xy = _points(g, 40, 3), _points(g, 9, 4)
    limit = 8 * 60.0
    oi, dj, secs = pairs_within(g, o_xy, d_xy, limit)
    got = {(int(a), int(b)): s for a, b, s in zip(oi, dj, secs, strict=True)}
    # searching from the other side (more destinations than origins) gives the same pairs
    oi2, dj2, secs2 = pairs_within(g, o_xy[:5], d_xy, limit)
    assert {(int(a), int(b)) for a, b in zip(oi2, dj2, strict=True)} == {k for k in got if k[0] < 5}
    o_node, o_leg = g.snap(o_xy)
    d_node, d_leg = g.snap(d_xy)
    ids = g.node_ids
    want = {}
    for i, (on, ol) in enumerate(zip(o_node, o_leg, strict=True)):
        lengths = nx.single_source_dijkstra_path_length(
            walk_nx, ids[on], cutoff=limit, weight="travel_time"
        )
        for k, (dn, dl) in enumerate(zip(d_node, d_leg, strict=True)):
            if ids[dn] in lengths:
                t = lengths[ids[dn]] + (ol + dl) / WALK_MPS
                if t <= limit:
                    want[(i, k)] = t
    assert set(got) == set(want) and len(want) > 20
    for key, t in want.items():
        assert got[key] == pytest.approx(t, rel=1e-9)


def test_walk_around_the_rail_yard_by_hand():
    g = load_street_graph(OSM, mode="walk")
    # origin on the corner (400, 500), pantry 25 m off the corner (300, 800) across the
    # rail yard: walk west to the bridge at x = 200 (200 m), north (300 m), east (100 m)
    res = nearest_times(g, np.array([[590_400.0, 4_520_500.0]]), np.array([[590_320, 4_520_815]]))
    # (osmnx measures street lengths on a sphere: within 0.3% of UTM metres here)
    assert res.metres[0] == pytest.approx(625.0, rel=3e-3)  # 600 m of street + 25 m leg
    assert res.seconds[0] == pytest.approx(res.metres[0] / WALK_MPS, rel=1e-9)
    straight = np.hypot(80, 315)
    assert straight * 1.3 < 0.7 * res.metres[0]  # the circuity estimate misses the yard


def test_drive_speeds_and_one_way(drive_nx):
    speeds = {
        (d["highway"] if isinstance(d["highway"], str) else d["highway"][0], d["speed_kph"])
        for _, _, d in drive_nx.edges(data=True)
    }
    # primary streets carry maxspeed=30 mph; residential streets have no tag anywhere, so
    # they get the default of DRIVE_KMH (25 mph)
    assert {round(s, 2) for h, s in speeds if h == "primary"} == {48.28}
    assert {s for h, s in speeds if h == "residential"} == {40.2}
    assert not any(d["highway"] == "footway" for _, _, d in drive_nx.edges(data=True))
    g = compile_graph(drive_nx, mode="drive")
    a, b = g.snap(np.array([[590_500.0, 4_520_300.0], [590_600.0, 4_520_300.0]]))[0]
    # row y = 300 is one-way eastbound: 100 m east directly, but west needs a detour
    east = nearest_times(g, g.xy[[a]], g.xy[[b]]).seconds[0]
    west = nearest_times(g, g.xy[[b]], g.xy[[a]]).seconds[0]
    assert east == pytest.approx(100 / (40.2 / 3.6), rel=3e-3)  # lengths on the sphere
    assert west > 2 * east


def test_graphml_and_osm_give_the_same_walk_times():
    a = load_street_graph(OSM, mode="walk")
    b = load_street_graph(GRAPHML, mode="walk")
    o, d = _points(a, 30, 5), _points(a, 4, 6)
    np.testing.assert_allclose(
        nearest_times(a, o, d).seconds, nearest_times(b, o, d).seconds, rtol=1e-9
    )


def test_fragment_is_not_snapped_to():
    g = load_street_graph(OSM, mode="walk")
    node, leg = g.snap(np.array([[591_750.0, 4_521_200.0]]))  # on the parking aisle
    assert g.snappable.sum() == g.n_nodes - 2  # the aisle's two nodes
    assert leg[0] == pytest.approx(250.0, abs=1)  # nearest grid corner (1500, 1200)


def _fixture_units_assets():
    units = am.read_units(FIX / "units.geojson")
    assets = am.read_assets(FIX / "assets.csv")
    return units, assets


def test_island_is_unreachable_not_zero():
    units, assets = _fixture_units_assets()
    opt = TravelOptions(mode="walk", graph=OSM)
    acc = am.access(units, assets, travel=opt, only=["food"]).set_index("unit_id")
    island = acc.loc["island"]
    assert island["status"] == "unreachable"
    assert np.isnan(island["nearest_min"]) and np.isnan(island["nearest_m"])
    assert island["count_within"] == 0 and island["e2sfca_ratio"] == 0
    assert island["nearest_asset_id"] == ""
    assert (acc.drop(index="island")["status"] == "ok").all()
    # straight-line travel sees a pantry 16 minutes away over the water
    straight = am.access(units, assets, only=["food"]).set_index("unit_id")
    assert straight.loc["island", "nearest_min"] == pytest.approx(15.96, abs=0.01)


def test_origin_far_from_the_graph_is_off_network():
    import geopandas as gpd
    from shapely.geometry import Point

    units, assets = _fixture_units_assets()
    far = gpd.GeoSeries(
        [Point(590_200, 4_520_200)] * (len(units) - 1) + [Point(600_000, 4_520_000)],
        index=units.index,
        crs="EPSG:32618",
    )
    opt = TravelOptions(mode="walk", graph=OSM, max_snap_m=500)
    acc = am.access(units, assets, travel=opt, only=["food"], origins=far)
    assert acc["status"].tolist() == ["ok"] * (len(units) - 1) + ["off_network"]


def test_network_e2sfca_equals_pysal_on_networkx_costs(walk_nx):
    access_pkg = pytest.importorskip("access")
    import pandas as pd

    units, assets = _fixture_units_assets()
    food = assets[assets["domain"] == "food"].reset_index(drop=True)
    opt = TravelOptions(mode="walk", graph=OSM)
    acc = am.access(units, food, travel=opt, only=["food"]).set_index("unit_id")
    # dense reference costs: networkx Dijkstra from each unit's origin
    from assetmap.region import origins

    g = opt.street_graph()
    o = origins(units, g.crs)
    o_xy = np.c_[o.x, o.y]
    a = food.to_crs(g.crs).geometry
    a_xy = np.c_[a.x, a.y]
    o_node, o_leg = g.snap(o_xy)
    d_node, d_leg = g.snap(a_xy)
    rows = []
    for uid, on, ol in zip(units.index, o_node, o_leg, strict=True):
        lengths = nx.single_source_dijkstra_path_length(
            walk_nx, g.node_ids[on], weight="travel_time"
        )
        for aid, dn, dl in zip(food["asset_id"], d_node, d_leg, strict=True):
            if g.node_ids[dn] in lengths:
                secs = lengths[g.node_ids[dn]] + (ol + dl) / WALK_MPS
                rows.append((uid, aid, secs / 60))
    cost = pd.DataFrame(rows, columns=["origin", "dest", "cost"])
    demand = pd.DataFrame({"pop": units["population"]}, index=units.index.rename("geoid"))
    supply = pd.DataFrame(
        {"cap": food["capacity"].astype(float).to_numpy()},
        index=pd.Index(food["asset_id"], name="geoid"),
    )
    pa = access_pkg.Access(
        demand_df=demand,
        demand_value="pop",
        supply_df=supply,
        supply_value="cap",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    step = access_pkg.weights.step_fn(
        {15 * k / 3: w for k, w in zip((1, 2, 3), (1, 0.68, 0.22), strict=True)}
    )
    want = pa.enhanced_two_stage_fca(max_cost=15, weight_fn=step)["e2sfca_cap"]
    want = want.reindex(acc.index).fillna(0) * 1000
    np.testing.assert_allclose(acc["e2sfca_ratio"], want, rtol=1e-9)
    assert (want > 0).sum() >= 10


def test_bad_graph_inputs(tmp_path):
    with pytest.raises(InputError, match="not found") as err:
        load_street_graph(tmp_path / "none.graphml")
    assert "none.graphml" in str(err.value)
    bad = tmp_path / "streets.txt"
    bad.write_text("x")
    with pytest.raises(InputError, match=r"\.osm .* \.graphml") as err:
        graph_from_file(bad)
    assert err.value.file == str(bad)
    broken = tmp_path / "broken.graphml"
    broken.write_text("<graphml>")
    with pytest.raises(InputError, match="cannot read"):
        graph_from_file(broken)
    with pytest.raises(ConfigError, match="walk"):
        graph_from_file(OSM, mode="bike")
    with pytest.raises(InputError, match="needs a street graph"):
        TravelOptions(mode="walk")


def test_project_yaml_walk_mode(tmp_path):
    import shutil

    for f in ("units.geojson", "assets.csv", "grid.graphml"):
        shutil.copy(FIX / f, tmp_path / f)
    (tmp_path / "study.yml").write_text(
        "name: grid\n"
        "units: {path: units.geojson}\n"
        "assets: [{path: assets.csv}]\n"
        "travel: {mode: walk, graph: grid.graphml, walk_kmh: 4.8}\n",
        encoding="utf-8",
    )
    project = am.load_project(tmp_path / "study.yml")
    assert project.travel.mode == "walk"
    assert Path(str(project.travel.graph)) == tmp_path / "grid.graphml"
    acc = am.access(project.units, project.assets, travel=project.travel, only=["food"])
    assert acc.set_index("unit_id").loc["island", "status"] == "unreachable"


def test_project_yaml_rejects_unknown_travel_key(tmp_path):
    import shutil

    shutil.copy(FIX / "units.geojson", tmp_path / "units.geojson")
    (tmp_path / "study.yml").write_text(
        "units: {path: units.geojson}\ntravel: {mode: straight, speed: 3}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="travel") as err:
        am.load_project(tmp_path / "study.yml")
    assert "study.yml" in str(err.value)


def test_network_stage_outputs_are_the_same_with_and_without_a_shared_context():
    from tests.test_access import stage_outputs_with_and_without_context

    units, assets = _fixture_units_assets()
    units["need_pct"] = np.linspace(0, 1, len(units))
    opt = TravelOptions(mode="walk", graph=OSM)
    out = stage_outputs_with_and_without_context(units, assets, travel=opt)
    assert len(out["sites"])


# --------------------------------------------------------------------------- which ways

MIXED = FIX / "mixed_ways.osm"
LON_M = 84.15  # 0.001° of longitude at 40.83° N: 6,371,009 m × cos(40.83°) × π / 180 000
LAT_M = 111.19  # 0.001° of latitude


def _ways(G):
    out = set()
    for _, _, d in G.edges(data=True):
        ids = d["osmid"] if isinstance(d["osmid"], list) else [d["osmid"]]
        out.update(int(i) for i in ids)
    return out


def _compressed(tmp_path, how):
    import bz2
    import gzip

    data = MIXED.read_bytes()
    if how == "osm":
        return MIXED
    path = tmp_path / f"mixed_ways.osm.{how}"
    path.write_bytes(bz2.compress(data) if how == "bz2" else gzip.compress(data))
    return path


@pytest.mark.parametrize("how", ["osm", "bz2", "gz"])
def test_only_highway_ways_a_mode_may_use_become_edges(tmp_path, how, caplog):
    path = _compressed(tmp_path, how)
    with caplog.at_level("INFO", logger="assetmap.analysis.network"):
        walk = graph_from_file(path, mode="walk")
    # walk: Alpha Avenue (101), the footway (102) and the parking aisle (106); never the
    # grass outline (103), the untagged way (104), the motorway (105) nor the private
    # footway (107)
    assert _ways(walk) == {101, 102, 106}
    assert not {5, 6, 8, 10} & set(walk.nodes)
    # every way both ways on foot: 2 × (3 × 84.15 + 111.19) m
    total = sum(d["length"] for _, _, d in walk.edges(data=True))
    assert total == pytest.approx(2 * (3 * LON_M + LAT_M), abs=0.5)
    assert "7 ways read: 3 kept, 2 no highway tag, 1 highway=motorway, 1 access=private" in (
        caplog.text
    )
    drive = graph_from_file(path, mode="drive")
    assert _ways(drive) == {101, 105}  # the avenue and the motorway (one way: 1 -> 10)
    total = sum(d["length"] for _, _, d in drive.edges(data=True))
    assert total == pytest.approx(2 * 2 * LON_M + LON_M, abs=0.5)


def test_osm_file_with_no_street_and_pbf_are_named(tmp_path):
    text = MIXED.read_text()
    only_grass = tmp_path / "grass.osm"
    only_grass.write_text(text.replace('k="highway"', 'k="was_highway"'))
    with pytest.raises(InputError, match="no street usable for mode 'walk'.*7 no highway tag"):
        graph_from_file(only_grass)
    pbf = tmp_path / "extract.osm.pbf"
    pbf.write_bytes(b"\x00")
    with pytest.raises(InputError, match="osmium cat"):
        graph_from_file(pbf)


# ------------------------------------------------------ population points on a street graph


def _street_study():
    """A hand-made street graph (EPSG:32618) and two units' population points.

    Streets, metres from the pantry P at (0, 0)::

        (0,1000) o off the graph              (800,800)----800----(1600,800)
                                                  |                    |
        (-800,0)---800---P---400---(400,0)---400---(800,0)    rail    (1600,0)   (2400,0)-(2400,400)
                                                                                  an island

    East (600 residents): 100 at (400,0): 5 min; 100 at (800,0): 10 min; 200 at (1600,0),
    16 straight-line minutes off but 3,200 m round the rail yard: 40 min; 100 on the island
    (unreachable); 100 at (0,1000), 824 m from the nearest corner: off the graph
    (max_snap_m 500). West (200): 150 at (-800,0): 10 min; 50 at (-800,100), a 100 m leg:
    900 m, 11.25 min. Walking 80 m a minute; food within 12 minutes.
    """
    import dataclasses

    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point, box

    from assetmap.domains import load_domains

    x0, y0 = 500_000.0, 4_500_000.0
    nodes = {
        0: (0, 0), 1: (400, 0), 2: (800, 0), 3: (800, 800), 4: (1600, 800), 5: (1600, 0),
        6: (-800, 0), 7: (2400, 0), 8: (2400, 400),
    }  # fmt: skip
    G = nx.MultiDiGraph(crs="EPSG:32618")
    for k, (x, y) in nodes.items():
        G.add_node(k, x=x0 + x, y=y0 + y)
    for a, b in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (0, 6), (7, 8)]:
        (xa, ya), (xb, yb) = nodes[a], nodes[b]
        G.add_edge(a, b, length=float(np.hypot(xb - xa, yb - ya)), highway="residential")
    g = compile_graph(G, mode="walk", min_component_nodes=1)
    units = gpd.GeoDataFrame(
        {"name": ["East", "West"], "population": [600.0, 200.0], "need_pct": [0.9, 0.9]},
        geometry=[box(x0, y0 - 500, x0 + 3000, y0 + 1500), box(x0 - 2000, y0 - 500, x0, y0 + 500)],
        index=pd.Index(["a", "b"], name="unit_id"),
        crs="EPSG:32618",
    )
    assets = gpd.GeoDataFrame(
        {"asset_id": ["p"], "name": ["Pantry"], "domain": ["food"]},
        geometry=[Point(x0, y0)],
        crs="EPSG:32618",
    )
    where = [
        ("a", 400, 0, 100), ("a", 800, 0, 100), ("a", 1600, 0, 200), ("a", 2400, 0, 100),
        ("a", 0, 1000, 100), ("b", -800, 0, 150), ("b", -800, 100, 50),
    ]  # fmt: skip
    points = gpd.GeoDataFrame(
        {"unit_id": [w[0] for w in where], "population": [float(w[3]) for w in where]},
        geometry=[Point(x0 + w[1], y0 + w[2]) for w in where],
        crs="EPSG:32618",
    )
    doms = {"food": dataclasses.replace(load_domains()["food"], threshold_min=12.0)}
    travel = TravelOptions(mode="walk", graph=g, max_snap_m=500)
    return units, assets, points, doms, travel


def test_population_points_on_a_street_graph_by_hand():
    from assetmap.analysis.context import TravelContext
    from assetmap.analysis.coverage import provider_coverage

    units, assets, points, doms, travel = _street_study()
    ctx = TravelContext(units, assets, travel=travel, points=points)
    acc = am.access(units, assets, domains=doms, context=ctx).set_index("unit_id")
    metres, minutes, service = ctx.nearest("food")
    np.testing.assert_allclose(metres, [400, 800, 3200, np.nan, np.nan, 800, 900])
    np.testing.assert_allclose(minutes, [5, 10, 40, np.nan, np.nan, 10, 11.25])
    assert service.tolist() == [0, 0, 0, -1, -1, 0, 0]
    assert ctx.engine.o_status.tolist() == ["ok"] * 4 + ["off_network"] + ["ok"] * 2
    east, west = acc.loc["a"], acc.loc["b"]
    # nearest over the points that reach the pantry: (100*5 + 100*10 + 200*40) / 400
    assert east["nearest_min"] == pytest.approx(23.75)
    assert west["nearest_min"] == pytest.approx((150 * 10 + 50 * 11.25) / 200)  # 10.3125
    # beyond 12 minutes: the 200 round the rail yard and the 100 on the island; the 100
    # off the graph are neither within nor beyond reach
    assert (east["population_beyond"], east["population_off_network"]) == (300, 100)
    assert (west["population_beyond"], west["population_off_network"]) == (0, 0)
    assert east["count_within"] == pytest.approx(2 / 6) and east["status"] == "ok"
    # some_beyond: 300 of the 500 East residents whose travel was measured (60%)
    for share, want in ((0.25, True), (0.6, True), (0.61, False)):
        gaps = am.find_gaps(units, acc.reset_index(), min_share_beyond=share)
        got = gaps[["unit_id", "population", "population_beyond", "reason"]].values.tolist()
        assert got == ([["a", 600.0, 300.0, "some_beyond"]] if want else []), share
    # coverage counts the 700 residents whose travel was measured: 400 within reach
    cov = provider_coverage(units, acc.reset_index(), context=ctx).iloc[0]
    assert (cov["population"], cov["pop_0"], cov["pop_1"]) == (700, 300, 400)
    # median over the points: 100 at 5, 250 at 10 (cumulative 350 = half of 700) -> 10
    assert cov["median_nearest_min"] == pytest.approx(10.0)
