"""Straight-line access: distances, counts and catchment ratios checked by hand and brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

import assetmap as am
from assetmap.analysis.access import TravelOptions, two_step_fca
from assetmap.errors import InputError
from tests.conftest import UTM, X0, Y0, assets_at, squares


def _row(acc, unit, domain):
    return acc[(acc["unit_id"] == unit) & (acc["domain"] == domain)].iloc[0]


def test_nearest_count_and_2sfca_by_hand():
    units = squares(3, pops=[100, 300, 600])  # centres at x = 500, 1500, 2500
    assets = assets_at([(500, 500, "food")])
    acc = am.access(units, assets, only=["food"])
    # walking 4.8 km/h = 80 m/min; 15 min food threshold -> 15*80/1.3 = 923 m straight
    u1, u2, u3 = (_row(acc, u, "food") for u in ("u1", "u2", "u3"))
    assert u1.nearest_m == pytest.approx(0, abs=1e-3)
    assert u2.nearest_m == pytest.approx(1000 * 1.3, rel=1e-6)
    assert u2.nearest_min == pytest.approx(1300 / 80, rel=1e-6)
    assert u3.straight_m == pytest.approx(2000, rel=1e-6)
    assert (u1.count_within, u2.count_within, u3.count_within) == (1, 0, 0)
    # 2SFCA: supply 1 over the 100 residents of u1's catchment -> 10 per 1,000
    assert u1.fca_ratio == pytest.approx(10.0)
    assert u2.fca_ratio == 0 and u3.fca_ratio == 0
    assert u1.nearest_asset_id == "a1" and u1.nearest_name == "Asset 1"


def test_domain_without_services_is_nan_not_zero():
    units = squares(2)
    acc = am.access(units, assets_at([(500, 500, "food")]), only=["food", "housing"])
    housing = acc[acc["domain"] == "housing"]
    assert housing["nearest_m"].isna().all()
    assert (housing["count_within"] == 0).all()


def test_asset_across_the_boundary_is_nearest_for_border_unit():
    units = squares(2)  # region spans x 0..2000
    assets = assets_at([(-150, 500, "food"), (1900, 500, "food")])  # a1 is outside the region
    acc = am.access(units, assets, only=["food"])
    assert _row(acc, "u1", "food").nearest_asset_id == "a1"


def test_origin_inside_concave_unit():
    import geopandas as gpd
    from shapely.geometry import Polygon

    # a U shape whose centroid falls in the notch, outside the unit
    u = Polygon(
        [
            (0, 0),
            (3000, 0),
            (3000, 3000),
            (2000, 3000),
            (2000, 1000),
            (1000, 1000),
            (1000, 3000),
            (0, 3000),
        ]
    )
    from shapely import affinity

    units = gpd.GeoDataFrame(
        {"unit_id": ["u"], "name": ["U"], "population": [10.0]},
        geometry=[affinity.translate(u, X0, Y0)],
        crs=UTM,
    ).set_index("unit_id")
    assert not units.geometry.centroid.within(units.geometry).iloc[0]
    from assetmap.region import origins

    o = origins(units.to_crs("EPSG:4326"), units.crs)
    assert o.within(units.geometry).all()


def test_catchment_ratios_equal_brute_force():
    rng = np.random.default_rng(7)
    n_units, n_assets = 40, 25
    units = squares(n_units, size=300, pops=list(rng.integers(0, 2000, n_units).astype(float)))
    pts = [(rng.uniform(-500, 12500), rng.uniform(-500, 800), "food") for _ in range(n_assets)]
    cap = list(rng.integers(1, 50, n_assets).astype(float))
    assets = assets_at(pts, capacity=cap)
    opt = TravelOptions()
    acc = am.access(units, assets, only=["food"], travel=opt).set_index("unit_id")
    # dense reference in the same projected CRS
    from assetmap.region import measure_crs, origins

    crs = measure_crs(units)
    o = origins(units, crs)
    a = assets.to_crs(crs).geometry
    d = cdist(np.c_[o.x, o.y], np.c_[a.x, a.y])
    r = 15 * opt.metres_per_min / opt.circuity
    w = (d <= r).astype(float)
    pop = units["population"].to_numpy()
    demand = (pop[:, None] * w).sum(axis=0)
    ratio = np.where(demand > 0, np.asarray(cap) / np.where(demand > 0, demand, 1), 0)
    expected = (w * ratio[None, :]).sum(axis=1) * 1000
    np.testing.assert_allclose(acc["fca_ratio"].to_numpy(), expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(acc["count_within"].to_numpy(), w.sum(axis=1))
    np.testing.assert_allclose(acc["straight_m"].to_numpy(), d.min(axis=1), rtol=1e-9)
    # enhanced 2SFCA: three equal zones weighted 1, .68, .22
    zone = np.minimum((d / r * 3).astype(int), 2)
    wz = np.where(d <= r, np.array([1.0, 0.68, 0.22])[zone], 0.0)
    demand = (pop[:, None] * wz).sum(axis=0)
    ratio = np.where(demand > 0, np.asarray(cap) / np.where(demand > 0, demand, 1), 0)
    expected = (wz * ratio[None, :]).sum(axis=1) * 1000
    np.testing.assert_allclose(acc["e2sfca_ratio"].to_numpy(), expected, rtol=1e-9, atol=1e-12)


def test_two_step_fca_docstring_case():
    got = two_step_fca(
        np.array([0, 1]), np.array([0, 0]), np.ones(2), np.array([100.0, 300.0]), np.array([2.0]), 2
    )
    assert got.tolist() == [0.005, 0.005]


def test_bad_options():
    with pytest.raises(InputError):
        TravelOptions(walk_kmh=0)
    with pytest.raises(InputError, match="not available"):
        TravelOptions(mode="teleport")
    with pytest.raises(InputError, match="unknown domain"):
        am.access(squares(1), assets_at([(0, 0, "food")]), only=["nope"])


def test_access_table_contract(sample_atlas):
    acc = sample_atlas.access
    assert {
        "unit_id",
        "domain",
        "nearest_m",
        "nearest_min",
        "nearest_asset_id",
        "count_within",
        "fca_ratio",
    } <= set(acc.columns)
    assert len(acc) == len(sample_atlas.units) * len(sample_atlas.domains)
    assert not acc.duplicated(["unit_id", "domain"]).any()
    assert isinstance(acc, pd.DataFrame)


def _grid_units(nx_, ny, size, pops):
    import geopandas as gpd
    from shapely.geometry import box

    geoms = [
        box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size)
        for j in range(ny)
        for i in range(nx_)
    ]
    ids = [f"u{k:03d}" for k in range(nx_ * ny)]
    return (
        gpd.GeoDataFrame({"unit_id": ids, "name": ids, "population": pops}, geometry=geoms, crs=UTM)
        .set_index("unit_id")
        .to_crs("EPSG:4326")
    )


@pytest.fixture(scope="module")
def pysal_case():
    """300 units (20 x 15 squares of 250 m), 60 services with capacities, dense costs."""
    rng = np.random.default_rng(42)
    pops = rng.integers(0, 3000, 300).astype(float)
    pops[[5, 77]] = 0  # unpopulated units (parks) are fine
    units = _grid_units(20, 15, 250.0, pops)
    pts = [(rng.uniform(-300, 5300), rng.uniform(-300, 4050), "food") for _ in range(60)]
    cap = rng.integers(1, 80, 60).astype(float)
    assets = assets_at(pts, capacity=list(cap))
    from assetmap.region import measure_crs, origins

    crs = measure_crs(units)
    o = origins(units, crs)
    a = assets.to_crs(crs).geometry
    opt = TravelOptions()
    minutes = cdist(np.c_[o.x, o.y], np.c_[a.x, a.y]) * opt.circuity / opt.metres_per_min
    cost = pd.DataFrame(
        {
            "origin": np.repeat(units.index.to_numpy(), len(assets)),
            "dest": np.tile(assets["asset_id"].to_numpy(), len(units)),
            "cost": minutes.ravel(),
        }
    )
    return units, assets, cost


def _pysal(units, assets, cost):
    access_pkg = pytest.importorskip("access")
    demand = pd.DataFrame({"pop": units["population"]}, index=units.index.rename("geoid"))
    supply = pd.DataFrame(
        {"cap": assets["capacity"].to_numpy()}, index=pd.Index(assets["asset_id"], name="geoid")
    )
    return access_pkg, access_pkg.Access(
        demand_df=demand,
        demand_value="pop",
        supply_df=supply,
        supply_value="cap",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )


def test_2sfca_e2sfca_gravity_equal_pysal_access(pysal_case):
    units, assets, cost = pysal_case
    opt = TravelOptions(decay_weights=(1.0, 0.68, 0.22), gravity_beta=1.5, gravity_floor_min=2.0)
    acc = am.access(units, assets, only=["food"], travel=opt).set_index("unit_id")
    pkg, pa = _pysal(units, assets, cost)
    t = 15.0
    fca = pa.two_stage_fca(name="fca", max_cost=t)["fca_cap"]
    step = pkg.weights.step_fn({t * 1 / 3: 1.0, t * 2 / 3: 0.68, t * 3 / 3: 0.22})
    e2 = pa.enhanced_two_stage_fca(name="e2", max_cost=t, weight_fn=step)["e2_cap"]
    grav = pa.two_stage_fca(name="grav", max_cost=t, weight_fn=pkg.weights.gravity(1.0, -1.5, 2.0))[
        "grav_cap"
    ]
    for ours, theirs in (("fca_ratio", fca), ("e2sfca_ratio", e2), ("gravity_ratio", grav)):
        want = theirs.reindex(acc.index).fillna(0).to_numpy() * opt.per  # NaN: nothing in reach
        assert (want > 0).sum() > 150
        np.testing.assert_allclose(acc[ours].to_numpy(), want, rtol=1e-9, atol=0)
    # counts equal the costs within the threshold
    within = cost[cost["cost"] <= t].groupby("origin").size()
    np.testing.assert_array_equal(
        acc["count_within"].to_numpy(), within.reindex(acc.index).fillna(0).to_numpy()
    )


def test_catchment_pairs_are_the_costs_within_the_threshold(pysal_case):
    from assetmap.analysis.access import catchment_pairs

    units, assets, cost = pysal_case
    pairs = catchment_pairs(units, assets, minutes=12.0)
    want = cost[cost["cost"] <= 12.0].sort_values(["origin", "cost", "dest"], ignore_index=True)
    assert pairs["unit_id"].tolist() == want["origin"].tolist()
    assert pairs["asset_id"].tolist() == want["dest"].tolist()
    np.testing.assert_allclose(pairs["minutes"], want["cost"], rtol=1e-12)


def test_decay_zones_follow_pysal_step_semantics():
    from assetmap.analysis.access import decay_weight

    # a time exactly on a zone edge belongs to the nearer zone; beyond the threshold: 0
    got = decay_weight(np.array([0.0, 5.0, 5.0001, 10.0, 10.5, 15.0, 15.0001]), 15, (1, 0.5, 0.2))
    assert got.tolist() == [1.0, 1.0, 0.5, 0.5, 0.2, 0.2, 0.0]
    assert decay_weight(np.array([3.0, 7.0]), 10, (1, 0.4)).tolist() == [1.0, 0.4]


def test_measures_subset_and_point_units():
    import geopandas as gpd
    from shapely.geometry import Point

    pts = gpd.GeoDataFrame(
        {"population": [100.0, 200.0]},
        geometry=[Point(X0 + 100, Y0), Point(X0 + 5000, Y0)],
        index=pd.Index(["p1", "p2"], name="unit_id"),
        crs=UTM,
    )
    assets = assets_at([(0, 0, "food")]).to_crs(UTM)
    acc = am.access(pts, assets, only=["food"], measures=["nearest", "count"])
    assert acc["straight_m"].tolist() == pytest.approx([100.0, 5000.0])
    assert acc["count_within"].tolist() == [1, 0]
    assert acc["fca_ratio"].isna().all() and acc["e2sfca_ratio"].isna().all()
    assert acc.attrs["crs"] == "EPSG:32618"  # a projected metre CRS is used as it is
    with pytest.raises(InputError, match="unknown measures"):
        am.access(pts, assets, measures=["nearest", "speed"])


def test_status_and_given_origins():
    import geopandas as gpd
    from shapely.geometry import Point

    units = squares(2)
    assets = assets_at([(500, 500, "food")])
    acc = am.access(units, assets, only=["food", "housing"])
    assert set(acc.loc[acc["domain"] == "food", "status"]) == {"ok"}
    assert set(acc.loc[acc["domain"] == "housing", "status"]) == {"not_assessed"}
    o = gpd.GeoSeries([Point(X0 + 500, Y0 + 500), Point(X0 + 1900, Y0 + 500)], crs=UTM)
    o.index = units.index
    acc = am.access(units, assets, only=["food"], origins=o)
    assert acc["straight_m"].tolist() == pytest.approx([0.0, 1400.0], abs=1e-6)
    with pytest.raises(InputError, match="no origin for units"):
        am.access(units, assets, only=["food"], origins=o.iloc[:1])


def test_population_weighted_origin_from_finer_units():
    import geopandas as gpd
    from shapely.geometry import box

    from assetmap.region import origins

    unit = gpd.GeoDataFrame(
        {"population": [400.0]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)],
        index=pd.Index(["u"], name="unit_id"),
        crs=UTM,
    )
    # west half holds 300 people, east half 100: the origin leans west
    halves = gpd.GeoDataFrame(
        {"population": [300.0, 100.0]},
        geometry=[box(X0, Y0, X0 + 500, Y0 + 1000), box(X0 + 500, Y0, X0 + 1000, Y0 + 1000)],
        crs=UTM,
    )
    o = origins(unit, finer=halves).iloc[0]
    assert (o.x - X0, o.y - Y0) == pytest.approx((0.75 * 250 + 0.25 * 750, 500.0))
    # a block group with nobody in it does not pull
    halves["population"] = [0.0, 100.0]
    o = origins(unit, finer=halves).iloc[0]
    assert (o.x - X0, o.y - Y0) == pytest.approx((750.0, 500.0))


def test_population_weighted_origin_stays_inside_a_concave_unit():
    import geopandas as gpd
    from shapely.geometry import Polygon, box

    from assetmap.region import origins

    u = Polygon(
        [
            (0, 0),
            (3000, 0),
            (3000, 3000),
            (2000, 3000),
            (2000, 1000),
            (1000, 1000),
            (1000, 3000),
            (0, 3000),
        ]
    )
    from shapely import affinity

    units = gpd.GeoDataFrame(
        {"population": [200.0]},
        geometry=[affinity.translate(u, X0, Y0)],
        index=pd.Index(["u"], name="unit_id"),
        crs=UTM,
    )
    # equal people at the top of both arms: their mean (1500, 2500) is in the notch
    arms = gpd.GeoDataFrame(
        {"unit_id": ["u", "u"], "population": [100.0, 100.0]},
        geometry=[
            box(X0, Y0 + 2000, X0 + 1000, Y0 + 3000),
            box(X0 + 2000, Y0 + 2000, X0 + 3000, Y0 + 3000),
        ],
        crs=UTM,
    )
    o = origins(units, finer=arms)
    assert o.within(units.geometry).all()
    assert (o.iloc[0].y - Y0) == pytest.approx(2500.0)


# ---------------------------------------------------------------- one travel context per study


def _stages(units, assets, acc, **kw):
    """The travel-measuring stages of Atlas.build after access, with shared keywords."""
    from assetmap.analysis.overlap import capacity_balance

    return {
        "overlaps": am.find_overlaps(units, assets, acc, **kw),
        "balance": capacity_balance(units, acc, context=kw.get("context")),
        "sites": am.suggest_sites(units, assets, acc, k=2, **kw),
    }


def _assert_same(a, b):
    """Equal to the last bit, geometries included (compared as WKB)."""
    import geopandas as gpd

    def plain(df):
        if not isinstance(df, gpd.GeoDataFrame):
            return df
        assert df.crs == b.crs
        return pd.DataFrame(df).assign(geometry=df.geometry.to_wkb())

    pd.testing.assert_frame_equal(plain(a), plain(b), check_exact=True)
    assert a.attrs == b.attrs


def stage_outputs_with_and_without_context(units, assets, travel=None, origins=None):
    from assetmap.analysis.context import TravelContext

    units = am.need_index(units) if "need_pct" not in units.columns else units
    alone = am.access(units, assets, travel=travel, origins=origins)
    ctx = TravelContext(units, assets, travel=travel, origins=origins)
    shared = am.access(units, assets, context=ctx)
    _assert_same(alone, shared)
    a = _stages(units, assets, alone, travel=travel, origins=origins)
    b = _stages(units, assets, shared, context=ctx)
    for key in a:
        _assert_same(a[key], b[key])
    pairs = am.analysis.access.catchment_pairs(
        units, assets, minutes=12, travel=travel, origins=origins
    )
    _assert_same(pairs, am.analysis.access.catchment_pairs(units, assets, minutes=12, context=ctx))
    return a


def test_stage_outputs_are_the_same_with_and_without_a_shared_context():
    s = am.load_sample()
    out = stage_outputs_with_and_without_context(s.units, s.assets)
    assert len(out["overlaps"]) and len(out["sites"])  # the comparison compared something


def test_shared_context_with_given_origins_gives_the_same_outputs():
    s = am.load_sample()
    o = s.units.geometry.to_crs(UTM).representative_point().translate(50, -30).to_crs(4326)
    out = stage_outputs_with_and_without_context(s.units, s.assets, origins=o)
    assert len(out["overlaps"]) and len(out["sites"])  # the comparison compared something
    # and the given origins were used: every unit's straight-line distance differs from
    # the one from its default origin (the centroid when inside)
    moved = am.access(s.units, s.assets, only=["food"], origins=o).set_index("unit_id")
    default = am.access(s.units, s.assets, only=["food"]).set_index("unit_id")
    shift = (moved["straight_m"] - default["straight_m"]).abs()
    assert (shift > 0).all()


def test_atlas_build_computes_the_travel_context_once(monkeypatch):
    import assetmap.analysis.context as context_mod

    calls = {"working_crs": 0, "unit_origins": 0, "pairs": 0}

    def counted(name, fn):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(context_mod, "working_crs", counted("working_crs", context_mod.working_crs))
    monkeypatch.setattr(
        context_mod, "unit_origins", counted("unit_origins", context_mod.unit_origins)
    )
    real_pairs = context_mod.StraightCosts.pairs
    monkeypatch.setattr(context_mod.StraightCosts, "pairs", counted("pairs", real_pairs))
    import assetmap.analysis.partners as partners_mod

    # partners search sites other than services (their own pairs); counted apart below
    searched = {"partners": 0}
    real_partners = partners_mod.partners

    def partners(*args, **kwargs):
        before = calls["pairs"]
        out = real_partners(*args, **kwargs)
        searched["partners"] += calls["pairs"] - before
        return out

    monkeypatch.setattr(partners_mod, "partners", partners)
    s = am.load_sample()
    atlas = am.Atlas.build(s.units, s.assets, siting_k=0)
    assert len(atlas.partners) and searched["partners"] > 0  # the build's context, reused
    calls["pairs"] -= searched["partners"]
    assert calls["working_crs"] == 1
    assert calls["unit_origins"] == 1
    # one catchment search per domain, shared by access and the overlaps
    assert calls["pairs"] == atlas.access["domain"].nunique()


def test_a_context_made_for_other_frames_is_refused():
    from assetmap.analysis.context import TravelContext

    s = am.load_sample()
    ctx = TravelContext(s.units, s.assets)
    with pytest.raises(InputError, match="other units"):
        am.access(s.units.iloc[:10], s.assets, context=ctx)
    with pytest.raises(InputError, match="other assets"):
        am.access(s.units, s.assets.iloc[:10], context=ctx)
    with pytest.raises(InputError, match="other travel"):
        am.access(s.units, s.assets, context=ctx, travel=TravelOptions(walk_kmh=3.0))
    with pytest.raises(InputError, match="no assets"):
        TravelContext(s.units).asset_xy  # noqa: B018


# --- not assessed, domain labels --------------------------------------------------------


def test_domain_below_min_services_is_not_assessed():
    units = squares(2)
    # two food services (u1's centre, 1,400 m east of it), one housing service at u2's centre
    assets = assets_at([(500, 500, "food"), (1900, 500, "food"), (1500, 500, "housing")])
    acc = am.access(units, assets, only=["food", "housing"], min_services=2)
    food, housing = (acc[acc["domain"] == d] for d in ("food", "housing"))
    assert set(food["status"]) == {"ok"}
    assert food["count_within"].tolist() == [1, 1]
    # one housing service is fewer than 2: no distance, no count, even for u2 beside it
    assert set(housing["status"]) == {"not_assessed"}
    assert housing["nearest_m"].isna().all() and housing["count_within"].tolist() == [0, 0]
    # with the default (1) the same service is assessed: u2 has it at 0 m
    acc1 = am.access(units, assets, only=["housing"])
    assert acc1["status"].tolist() == ["ok", "ok"]
    assert acc1["count_within"].tolist() == [1, 1]  # 1,000 m * 1.3 / 80 = 16.25 min <= 30
    with pytest.raises(InputError, match="min_services must be a whole number of 1 or more"):
        am.access(units, assets, min_services=0)


def test_not_assessed_sentences_follow_the_inventory():
    from assetmap.analysis.access import not_assessed
    from assetmap.domains import load_domains

    doms = load_domains()
    sub = {k: doms[k] for k in ("food", "housing", "legal_aid")}
    assets = pd.DataFrame({"domain": ["food", "food", "food", "legal_aid", "legal_aid"]})
    assert not_assessed(assets, sub) == {
        "housing": "The inventory lists no housing and shelter services, so housing and "
        "shelter gaps are not assessed."
    }
    three = not_assessed(assets, sub, min_services=3)
    assert list(three) == ["housing", "legal_aid"]
    assert three["legal_aid"] == (
        "The inventory lists only 2 legal aid services (fewer than 3), so legal aid gaps "
        "are not assessed."
    )
    # an access table that never measured food says so
    acc = pd.DataFrame({"domain": ["legal_aid"], "status": ["ok"]})
    assert not_assessed(assets, sub, access=acc)["food"].startswith(
        "Access to food services was not measured"
    )


def test_domain_labels_are_read_as_the_readers_read_them():
    units = squares(2)
    # the CSV reader maps these words; access used to count them as no service at all
    labels = ["Food Pantry", "older adults", "legal aid", "FOOD"]
    assets = assets_at([(500, 500, w) for w in labels])
    acc = am.access(units, assets, only=["food", "older_adults", "legal_aid"])
    count = acc.set_index(["unit_id", "domain"])["count_within"]
    # u1's centre holds all four; u2's centre is 1,000 m away: 16.25 min walking
    assert count["u1", "food"] == 2 and count["u1", "older_adults"] == 1
    assert count["u1", "legal_aid"] == 1
    assert count["u2", "food"] == 0  # food threshold 15 min < 16.25
    assert set(acc["status"]) == {"ok"}
    assert assets["domain"].tolist() == labels  # the caller's frame is left as it was


def test_unknown_domain_labels_are_named_with_their_counts():
    units = squares(1)
    assets = assets_at([(0, 0, "bakery"), (0, 0, "food"), (0, 0, "bakery"), (0, 0, "widgets")])
    assets.loc[3, "domain"] = None
    with pytest.raises(InputError) as err:
        am.access(units, assets)
    text = str(err.value)
    assert "3 assets have a domain that matches no domain of domains.yml" in text
    assert "'bakery' (2), empty (1)" in text and "column 'domain'" in text


# ---------------------------------------------------------------- population points


def _two_point_study():
    """One unit (1,000 residents) whose centroid lies 1,000 m east of one pantry.

    900 residents live 200 m east of the pantry, 100 live 2,000 m east (EPSG:32618).
    """
    import geopandas as gpd
    from shapely.geometry import Point, box

    x0, y0 = 500_000.0, 4_500_000.0
    units = gpd.GeoDataFrame(
        {"name": ["U"], "population": [1000.0]},
        geometry=[box(x0 - 100, y0 - 500, x0 + 2100, y0 + 500)],
        index=pd.Index(["u"], name="unit_id"),
        crs="EPSG:32618",
    )
    assets = gpd.GeoDataFrame(
        {"asset_id": ["p"], "name": ["Pantry"], "domain": ["food"]},
        geometry=[Point(x0, y0)],
        crs="EPSG:32618",
    )
    points = gpd.GeoDataFrame(
        {"unit_id": ["u", "u"], "population": [900.0, 100.0]},
        geometry=[Point(x0 + 200, y0), Point(x0 + 2000, y0)],
        crs="EPSG:32618",
    )
    return units, assets, points


def test_population_points_weight_nearest_and_count_residents_beyond():
    units, assets, points = _two_point_study()
    acc = am.access(units, assets, only=["food"], points=points).iloc[0]
    # 80 m/min walking, circuity 1.3: 15 min reach 923 m straight. 200 m -> 260 m, 3.25 min;
    # 2,000 m -> 2,600 m, 32.5 min. Weighted by residents (0.9, 0.1):
    assert acc["nearest_m"] == pytest.approx(0.9 * 260 + 0.1 * 2600, abs=1e-3)  # 494
    assert acc["nearest_min"] == pytest.approx(494 / 80, abs=1e-5)  # 6.175
    assert acc["straight_m"] == pytest.approx(0.9 * 200 + 0.1 * 2000, abs=1e-3)  # 380
    assert acc["count_within"] == pytest.approx(0.9)
    assert acc["population_beyond"] == pytest.approx(100)
    # 2SFCA: the pantry's catchment holds the 900: R = 1/900; A = 0.9 * R per resident
    assert acc["fca_ratio"] == pytest.approx(0.9 / 900 * 1000)
    assert acc["nearest_asset_id"] == "p"
    assert acc["status"] == "ok"


def test_without_points_the_unit_centroid_carries_everyone():
    units, assets, _ = _two_point_study()
    acc = am.access(units, assets, only=["food"]).iloc[0]
    # centroid 1,000 m east: 1,300 m, 16.25 min > 15: nobody within reach
    assert acc["nearest_m"] == pytest.approx(1300, abs=1e-6)
    assert acc["nearest_min"] == pytest.approx(16.25)
    assert acc["count_within"] == 0 and acc["count_within"].dtype.kind == "i"
    assert acc["population_beyond"] == 1000
    assert acc["fca_ratio"] == 0


def test_gaps_and_coverage_count_residents_at_points():
    import geopandas as gpd

    from assetmap.analysis.context import TravelContext
    from assetmap.analysis.coverage import provider_coverage

    units, assets, points = _two_point_study()
    units = units.assign(need_pct=0.9)
    ctx = TravelContext(units, assets, points=points)
    acc = am.access(units, assets, only=["food"], context=ctx)
    # 100 of 1,000 residents beyond reach: a gap when a tenth counts, not at the default
    # quarter (min_share_beyond=0.25)
    assert am.find_gaps(units, acc).empty
    gaps = am.find_gaps(units, acc, min_share_beyond=0.1)
    assert gaps[["unit_id", "population", "population_beyond", "reason"]].values.tolist() == [
        ["u", 1000.0, 100.0, "some_beyond"]
    ]
    cov = provider_coverage(units, acc, context=ctx).iloc[0]
    assert (cov["pop_0"], cov["pop_1"], cov["need_pop_0"]) == (100, 900, 100)
    # a hall 200 m from the 100 beyond reach (the unit's centroid, 1,000 m off, is too far)
    hall = gpd.GeoDataFrame(
        {"space_id": ["h"], "name": ["Hall"], "hosts": [""]},
        geometry=[points.geometry.iloc[1]],
        crs="EPSG:32618",
    ).translate(-200, 0)
    spaces = gpd.GeoDataFrame(
        {"space_id": ["h"], "name": ["Hall"], "hosts": [""]},
        geometry=hall.geometry,
        crs="EPSG:32618",
    )
    sites = am.suggest_sites(units, assets, acc, k=1, context=ctx, min_reach=0, spaces=spaces)
    assert sites[["candidate_id", "new_residents", "units_reached"]].values.tolist() == [
        ["h", 100.0, 1]
    ]


# ------------------------------------------- median nearest and reach over the points


def two_unit_five_point_study():
    """Two units, five population points, one pantry; minutes worked by hand.

    Straight line with circuity 1 at 4.8 km/h: 80 m a minute. The pantry sits at the
    shared edge of East (300 residents) and West (200); points lie on its row:

    ==== ====== =========== =======
    unit metres minutes     people
    ==== ====== =========== =======
    East 160    2           100
    East 320    4           100
    East 2,400  30          100
    West 1,200  15          150
    West 1,600  20          50
    ==== ====== =========== =======
    """
    import dataclasses
    import tempfile
    from pathlib import Path

    import geopandas as gpd
    from shapely.geometry import Point, box

    from assetmap.domains import load_domains

    x0, y0 = 500_000.0, 4_500_000.0
    units = gpd.GeoDataFrame(
        {"name": ["East", "West"], "population": [300.0, 200.0], "risk": [40.0, 60.0]},
        geometry=[box(x0, y0 - 500, x0 + 2500, y0 + 500), box(x0 - 2500, y0 - 500, x0, y0 + 500)],
        index=pd.Index(["a", "b"], name="unit_id"),
        crs="EPSG:32618",
    )
    assets = gpd.GeoDataFrame(
        {"asset_id": ["p"], "name": ["Pantry"], "domain": ["food"]},
        geometry=[Point(x0, y0)],
        crs="EPSG:32618",
    )
    xs = [160, 320, 2400, -1200, -1600]
    points = gpd.GeoDataFrame(
        {"unit_id": list("aaabb"), "population": [100.0, 100.0, 100.0, 150.0, 50.0]},
        geometry=[Point(x0 + x, y0) for x in xs],
        crs="EPSG:32618",
    )
    doms = {"food": dataclasses.replace(load_domains()["food"], threshold_min=10.0)}
    ind = Path(tempfile.mkdtemp()) / "indicators.yml"
    ind.write_text("indicators:\n  risk: {label: Risk, column: risk, theme: t, unit: percent}\n")
    return units, assets, points, doms, ind


def test_median_nearest_is_over_the_points_not_the_units():
    from assetmap.analysis.context import TravelContext
    from assetmap.analysis.coverage import median_nearest, provider_coverage

    units, assets, points, doms, _ = two_unit_five_point_study()
    opt = TravelOptions(circuity=1.0)
    ctx = TravelContext(units, assets, travel=opt, points=points)
    acc = am.access(units, assets, domains=doms, context=ctx)
    # the points' nearest minutes, as access measured them, kept on the context
    _, minutes, service = ctx.nearest("food")
    assert minutes.tolist() == pytest.approx([2, 4, 30, 15, 20])
    assert service.tolist() == [0] * 5
    # units: East (2 + 4 + 30) / 3 = 12 min, West (15*150 + 20*50) / 200 = 16.25 min
    assert acc["nearest_min"].tolist() == pytest.approx([12.0, 16.25])
    # over the units, weighted by residents: 300 at 12 min already pass half of 500 -> 12;
    # over the points: 100 at 2, 100 at 4 (200), 150 at 15 (350 >= 250) -> 15
    assert median_nearest(acc, weights=units["population"].to_numpy()) == pytest.approx(12.0)
    assert median_nearest(acc, context=ctx, key="food") == pytest.approx(15.0)
    cov = provider_coverage(units.assign(need_pct=[0.5, 1.0]), acc, context=ctx).iloc[0]
    assert cov["median_nearest_min"] == pytest.approx(15.0)
    # within 10 minutes: East's 2- and 4-minute points only: 200 of 500 residents (40%),
    # though one neighbourhood of two (50%) has a point within reach
    assert (cov["population"], cov["pop_0"]) == (500, 300)


def test_median_nearest_counts_none_in_reach_as_farthest_and_skips_no_weight():
    from assetmap.analysis.coverage import median_nearest

    rows = pd.DataFrame({"nearest_min": [5.0, np.nan, 8.0], "status": "ok"})
    # NaN (nothing reachable) is the farthest: 100 at 5, 100 at 8, then 300 at NaN
    assert np.isnan(median_nearest(rows, weights=np.array([100.0, 300.0, 100.0])))
    assert median_nearest(rows, weights=np.array([300.0, 100.0, 0.0])) == 5.0
    rows["status"] = "not_assessed"
    assert np.isnan(median_nearest(rows, weights=np.ones(3)))


def test_atlas_build_finds_each_domains_nearest_once(monkeypatch):
    import assetmap.analysis.context as context_mod

    calls = []
    real = context_mod.StraightCosts.nearest

    def counted(self, tree):
        calls.append(1)
        return real(self, tree)

    monkeypatch.setattr(context_mod.StraightCosts, "nearest", counted)
    s = am.load_sample()
    atlas = am.Atlas.build(s.units, s.assets, siting_k=0)
    # access finds each point's nearest once; coverage's median reads the same values
    assert len(calls) == atlas.access["domain"].nunique()
    assert atlas.coverage["median_nearest_min"].notna().all()
