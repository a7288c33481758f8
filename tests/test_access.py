"""Straight-line access: distances, counts and catchment ratios checked by hand and brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

import assetmap as am
from assetmap.access import TravelOptions, two_step_fca
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
