"""Gaps and overlaps on hand-made layouts."""

from __future__ import annotations

import numpy as np
import pytest

import assetmap as am
from assetmap.analysis.overlap import disc_overlap_share
from assetmap.errors import InputError
from tests.conftest import assets_at, squares


def _with_need(units, pct):
    u = units.copy()
    u["need_pct"] = pct
    u["need_score"] = pct
    return u


def test_high_need_unit_without_food_is_a_food_gap():
    units = _with_need(squares(4, size=2000), [0.9, 1.0, 0.2, 0.8])
    # food only near u1 (x 0..2000); primary care near every unit
    assets = assets_at(
        [(1000, 1000, "food")] + [(1000 + 2000 * i, 1000, "primary_care") for i in range(4)]
    )
    acc = am.access(units, assets, only=["food", "primary_care"])
    gaps = am.find_gaps(units, acc, need_percentile=75)
    food = gaps[gaps["domain"] == "food"]
    # u2 (need 1.0) and u4 (need .8) lack food; u3 lacks it but its need is low
    assert food["unit_id"].tolist() == ["u2", "u4"]
    assert food["rank"].tolist() == [1, 2]
    assert food["population"].tolist() == [1000, 1000]
    assert food.iloc[0]["nearest_name"] == "Asset 1"
    assert food.iloc[0]["nearest_min"] == pytest.approx(2000 * 1.3 / 80)
    assert (gaps["domain"] == "primary_care").sum() == 0


def test_domain_not_assessed_makes_no_gap():
    units = _with_need(squares(4, size=2000), [0.9, 1.0, 0.2, 0.8])
    # one food service near u1 only; no housing service at all
    assets = assets_at([(1000, 1000, "food")])
    acc = am.access(units, assets, only=["food", "housing"])
    gaps = am.find_gaps(units, acc, need_percentile=75)
    # before: housing made 3 gaps (u1, u2, u4: every high-need unit) out of an empty list
    assert gaps["domain"].unique().tolist() == ["food"]
    assert gaps["unit_id"].tolist() == ["u2", "u4"]
    # with min_services=2 one food service is too few to judge: no gap at all
    acc2 = am.access(units, assets, only=["food", "housing"], min_services=2)
    assert am.find_gaps(units, acc2).empty


def test_units_without_residents_are_never_gaps():
    units = _with_need(squares(2, size=2000, pops=[0, 1000]), [1.0, 0.9])
    acc = am.access(units, assets_at([(-5000, 0, "food")]), only=["food"])
    assert am.find_gaps(units, acc)["unit_id"].tolist() == ["u2"]


def test_gap_needs_need_index():
    units = squares(2)
    acc = am.access(units, assets_at([(0, 0, "food")]), only=["food"])
    with pytest.raises(InputError, match="need_index"):
        am.find_gaps(units, acc)


def test_disc_overlap_share():
    assert disc_overlap_share(0.0, 1.0) == pytest.approx(1.0)
    assert disc_overlap_share(2.0, 1.0) == pytest.approx(0.0)
    # d = r: lens area of two unit circles is 2*pi/3 - sqrt(3)/2
    assert disc_overlap_share(1.0, 1.0) == pytest.approx((2 * np.pi / 3 - np.sqrt(3) / 2) / np.pi)


def test_cluster_of_coinciding_providers_is_an_overlap():
    units = _with_need(squares(6, size=1000), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    # four food pantries within 120 m (catchments ~923 m coincide); one far away
    pts = [
        (500, 500, "food"),
        (560, 520, "food"),
        (520, 600, "food"),
        (600, 580, "food"),
        (5500, 500, "food"),
    ]
    assets = assets_at(pts)
    acc = am.access(units, assets, only=["food"])
    ov = am.find_overlaps(units, assets, acc)
    clusters = ov[ov["kind"] == "cluster"]
    assert len(clusters) == 1
    row = clusters.iloc[0]
    assert row["domain"] == "food" and row["n_providers"] == 4
    assert sorted(row["asset_ids"].split(";")) == ["a1", "a2", "a3", "a4"]
    # u1's centre (500, 500) and u2's (1500, 500; 903 m from a4) are within 923 m
    assert row["population"] == 2000
    assert clusters.crs.to_epsg() == 4326


def _four_food_places():
    units = _with_need(squares(6, size=1000), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    pts = [(500, 500, "food"), (560, 520, "food"), (520, 600, "food"), (600, 580, "food")]
    return units, assets_at(pts)


def test_overlap_groups_compare_services_of_one_type():
    # a pantry, a grocery programme, a SNAP desk and a WIC centre at one place (within
    # 120 m) are four food services of four types: no two are duplicates
    units, assets = _four_food_places()
    assets["service_type"] = ["Food Pantry", "Grocery programme", "SNAP enrolment", "WIC"]
    acc = am.access(units, assets, only=["food"])
    ov = am.find_overlaps(units, assets, acc, min_providers=2)
    assert (ov["kind"] == "cluster").sum() == 0
    # two pantries (spelt differently) among them are: one group of 2, compared by type
    assets["service_type"] = ["Food Pantry", "food  pantry", "SNAP enrolment", "WIC"]
    ov = am.find_overlaps(units, assets, acc, min_providers=2)
    clusters = ov[ov["kind"] == "cluster"]
    assert clusters["asset_ids"].tolist() == ["a1;a2"]
    assert clusters["compared_by"].tolist() == ["service_type"]
    assert clusters["service_type"].tolist() == ["Food Pantry"]
    assert "of one type (Food Pantry)" in clusters.iloc[0]["note"]


def test_overlap_falls_back_to_domain_and_says_so():
    # no service_type column: the four form one group, compared by domain
    units, assets = _four_food_places()
    acc = am.access(units, assets, only=["food"])
    ov = am.find_overlaps(units, assets, acc)
    row = ov[ov["kind"] == "cluster"].iloc[0]
    assert (row["n_providers"], row["compared_by"], row["service_type"]) == (4, "domain", "")
    assert "compared by domain" in row["note"]
    # typed services are not linked through untyped ones: a1, a2 untyped form a pair,
    # a3 and a4 (two types) none
    assets["service_type"] = [None, "", "SNAP enrolment", "WIC"]
    ov = am.find_overlaps(units, assets, acc, min_providers=2)
    clusters = ov[ov["kind"] == "cluster"]
    assert clusters["asset_ids"].tolist() == ["a1;a2"]
    assert clusters["compared_by"].tolist() == ["domain"]


def test_gap_thresholds_max_minutes_and_low_supply():
    from assetmap.analysis.access import TravelOptions

    units = _with_need(squares(3, size=1000, pops=[1000, 5000, 1000]), [0.9, 0.95, 0.8])
    # one pantry at u1's centre: u1 0 min, u2 1000 m (16.25 min) away, u3 2000 m away
    assets = assets_at([(500, 500, "food")], capacity=[2.0])
    acc = am.access(units, assets, only=["food"], thresholds={"food": 20})
    gaps = am.find_gaps(units, acc)
    assert gaps["unit_id"].tolist() == ["u3"] and gaps["reason"].tolist() == ["none_within"]
    # a stricter 10-minute standard: u2 (16.25 min) becomes a gap too, ranked by need
    gaps = am.find_gaps(units, acc, max_minutes=10)
    assert gaps["unit_id"].tolist() == ["u2", "u3"]
    assert gaps["threshold_min"].tolist() == [10.0, 10.0]
    # supply: capacity 2 shared by the 6,000 people of u1 and u2 within 20 minutes.
    # E2SFCA zones of 20/3 min: u1 (0 min) weighs 1, u2 (16.25 min, third zone) .22
    # -> demand 1000 + .22 * 5000 = 2100; u2 gets 2 / 2100 * .22 per resident
    ratio_u2 = 2 / 2100 * 0.22 * 1000
    assert acc.set_index("unit_id").loc["u2", "e2sfca_ratio"] == pytest.approx(ratio_u2)
    gaps = am.find_gaps(units, acc, min_ratio=0.35)
    assert dict(zip(gaps["unit_id"], gaps["reason"], strict=True)) == {
        "u2": "low_supply",
        "u3": "none_within",
    }
    with pytest.raises(InputError, match="need_percentile"):
        am.find_gaps(units, acc, need_percentile=120)
    assert TravelOptions().decay_weights == (1.0, 0.68, 0.22)


def test_unreachable_units_are_gaps_with_their_reason():
    from pathlib import Path

    from assetmap.analysis.access import TravelOptions

    fix = Path(__file__).parent / "fixtures" / "network"
    units = am.read_units(fix / "units.geojson")
    units = _with_need(units, [0.9] * len(units))
    assets = am.read_assets(fix / "assets.csv")
    acc = am.access(
        units, assets, only=["food"], travel=TravelOptions(mode="walk", graph=fix / "grid.osm")
    )
    gaps = am.find_gaps(units, acc)
    row = gaps.set_index("unit_id").loc["island"]
    assert row["reason"] == "unreachable" and np.isnan(row["nearest_min"])
    assert row["population"] == 600


def _strip_units(pops, poverty, width=4000.0):
    """Strips 250 m tall side by side in y: one row of 250 m grid points each."""
    import geopandas as gpd
    from shapely.geometry import box

    from tests.conftest import UTM, X0, Y0

    n = len(pops)
    return (
        gpd.GeoDataFrame(
            {
                "unit_id": [f"s{i + 1}" for i in range(n)],
                "name": [f"Strip {i + 1}" for i in range(n)],
                "population": pops,
                "poverty_100": poverty,
            },
            geometry=[box(X0, Y0 + 250 * i, X0 + width, Y0 + 250 * (i + 1)) for i in range(n)],
            crs=UTM,
        )
        .set_index("unit_id")
        .to_crs("EPSG:4326")
    )


def test_usda_low_income_low_access_by_hand():
    from assetmap.analysis.gaps import food_access_gaps, usda_food_access

    # sample points at x = 125, 375, ..., 3875 (16 per strip); a store at the west end
    # (x = 0) of each strip's row: points beyond 1 mile (1,609 m) are x >= 1625: 10 of 16
    units = _strip_units([800.0, 400.0, 3000.0], [25.0, 30.0, 10.0])
    stores = assets_at([(0, 125 + 250 * i, "food") for i in range(3)])
    flags = usda_food_access(units, stores)
    assert flags["share_beyond"].tolist() == pytest.approx([10 / 16] * 3)
    assert flags["pop_beyond"].tolist() == pytest.approx([500.0, 250.0, 1875.0])
    assert flags["low_access"].all()  # 62.5% >= 33%
    assert flags["low_income"].tolist() == [True, True, False]  # poverty >= 20%
    assert flags["lila"].tolist() == [True, True, False]
    # the half-mile variant: beyond 805 m are x >= 875: 13 of 16
    half = usda_food_access(units, stores, variant="half_10")
    assert half["share_beyond"].tolist() == pytest.approx([13 / 16] * 3)
    # rural units: nobody is 10 miles away
    rural = usda_food_access(units, stores, urban=False)
    assert not rural["low_access"].any() and rural["distance_mi"].eq(10).all()
    # income criterion: 80% of the area median
    units["mfi"] = [90_000, 90_000, 50_000]
    inc = usda_food_access(units, stores, income_column="mfi", area_median_income=70_000)
    assert inc["low_income"].tolist() == [True, True, True]
    gaps = food_access_gaps(units, stores)
    assert gaps["unit_id"].tolist() == ["s1", "s2"]  # ranked by people beyond
    assert gaps["reason"].eq("usda_lila").all() and gaps["domain"].eq("food").all()
    assert gaps["nearest_name"].tolist() == ["Asset 1", "Asset 2"]


def test_usda_with_finer_population_points():
    import geopandas as gpd
    from shapely.geometry import Point

    from assetmap.analysis.gaps import usda_food_access
    from tests.conftest import UTM, X0, Y0

    units = _strip_units([1000.0], [30.0])
    # 900 people live near the store, 100 far away: 10% beyond a mile, 100 people
    finer = gpd.GeoDataFrame(
        {"population": [900.0, 100.0]},
        geometry=[Point(X0 + 200, Y0 + 100), Point(X0 + 3800, Y0 + 100)],
        crs=UTM,
    )
    flags = usda_food_access(units, assets_at([(0, 125, "food")]), finer=finer)
    assert flags.loc["s1", "share_beyond"] == pytest.approx(0.1)
    assert flags.loc["s1", "pop_beyond"] == pytest.approx(100.0)
    assert not flags.loc["s1", "low_access"]
    with pytest.raises(InputError, match="variant"):
        usda_food_access(units, assets_at([(0, 0, "food")]), variant="2_30")
    with pytest.raises(InputError) as err:
        usda_food_access(units.drop(columns="poverty_100"), assets_at([(0, 0, "food")]))
    assert err.value.column == "poverty_100"


def test_cluster_by_covered_population():
    units = _with_need(squares(6, size=1000), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    # reach 923 m: a1..a3 near u1/u2 cover {u1, u2}; a4 at x=1800 covers {u2, u3}
    pts = [(500, 500, "food"), (600, 500, "food"), (900, 500, "food"), (1800, 500, "food")]
    assets = assets_at(pts)
    acc = am.access(units, assets, only=["food"])
    ov = am.find_overlaps(units, assets, acc, share_by="population", min_share=0.75)
    clusters = ov[ov["kind"] == "cluster"]
    assert len(clusters) == 1
    row = clusters.iloc[0]
    # a1..a3 share all of their 2,000 residents; a4 shares only u2's 1,000 of its 2,000
    assert sorted(row["asset_ids"].split(";")) == ["a1", "a2", "a3"]
    assert row["share"] == pytest.approx(1.0) and row["population"] == 2000
    with pytest.raises(InputError, match="share_by"):
        am.find_overlaps(units, assets, acc, share_by="volume")


def test_provider_coverage_by_hand():
    from assetmap.analysis.overlap import provider_coverage

    units = _with_need(squares(4, size=1000, pops=[100, 200, 300, 400]), [0.9, 0.8, 0.3, 0.2])
    # three pantries at u1's centre, one at u3's; reach is 923 m, so u1 has three within
    # reach, u2 (1,000 m from both) none, u3 one and u4 none
    pts = [(500, 500, "food")] * 3 + [(2500, 500, "food")]
    acc = am.access(units, assets_at(pts), only=["food"])
    assert acc["count_within"].tolist() == [3, 0, 1, 0]
    cov = provider_coverage(units, acc).iloc[0]
    assert (cov["pop_0"], cov["pop_1"], cov["pop_2plus"], cov["pop_3plus"]) == (600, 300, 100, 100)
    assert (cov["need_pop"], cov["need_pop_0"], cov["need_pop_2plus"]) == (300, 200, 100)
    assert cov["low_need_pop_2plus"] == 0


def test_capacity_balance_pairs_over_with_nearest_under_served():
    from assetmap.analysis.overlap import capacity_balance

    # ten units in a row; services crowd u1 (low need); u9, u10 (high need) have none
    need = [0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.9, 1.0]
    units = _with_need(squares(10, size=1000), need)
    pts = [(500, 500, "food"), (520, 500, "food"), (480, 520, "food")] + [
        (1500 + 1000 * i, 500, "food") for i in range(6)
    ]
    acc = am.access(units, assets_at(pts), only=["food"])
    bal = capacity_balance(units, acc)
    assert bal["over_unit_id"].tolist() == ["u1"]
    row = bal.iloc[0]
    assert row["under_unit_id"] == "u9" and row["distance_km"] == pytest.approx(8.0)
    assert row["over_providers"] == 3 and row["under_supply_per_1000"] == 0
    ov = am.find_overlaps(units, assets_at(pts), acc)
    over = ov[ov["kind"] == "over_served"].iloc[0]
    assert over["unit_id"] == "u1" and over["partner_unit_id"] == "u9"
    assert "Unit 9, 8.0 km away" in over["note"]


def test_readers_carry_the_service_type(tmp_path):
    from pathlib import Path

    from assetmap.readers.hsds import read_hsds
    from assetmap.readers.osm import osm_service_type

    # HSDS: the code of the term that gave the domain (tests/fixtures/hsds/bronx_v3);
    # a term with no code gives its name (tt-08, Senior Centers)
    hsds = read_hsds(Path(__file__).parent / "fixtures" / "hsds" / "bronx_v3")
    kind = hsds.set_index("source_id")["service_type"]
    assert kind["sal-01"] == kind["sal-03"] == "BD-1800.2000"  # two food pantries
    assert kind["sal-02"] == "BD-5000.8300"  # a soup kitchen: food, another type
    assert kind["sal-08"] == "ND-6500"  # YZ-9999 matched no domain, ND-6500 did
    assert kind["sal-11"] == "Senior Centers"
    # OSM: the value of the most specific tag of the domain
    tags = {"amenity": "social_facility", "social_facility": "food_bank"}
    assert osm_service_type(tags, "food") == "food_bank"
    assert osm_service_type({"amenity": "food_bank"}, "food") == "food_bank"
    assert osm_service_type({"amenity": "social_facility"}, "food") == ""
    # CSV: a service_type column beside the domain column, or one named in the column map
    path = tmp_path / "list.csv"
    path.write_text(
        "Name,Domain,Service Type,Program,Latitude,Longitude\n"
        "A,food,Food Pantry,pantry,40.85,-73.90\n"
        "B,food,SNAP,snap,40.851,-73.90\n"
    )
    assert am.read_assets(path)["service_type"].tolist() == ["Food Pantry", "SNAP"]
    mapped = am.read_assets(path, columns={"service_type": "Program"})
    assert mapped["service_type"].tolist() == ["pantry", "snap"]
    # a lone "Service Type" column is still the domain column (the sample's layout)
    path.write_text("Name,Service Type,Latitude,Longitude\nA,Food Pantry,40.85,-73.90\n")
    alone = am.read_assets(path)
    assert alone["domain"].tolist() == ["food"] and "service_type" not in alone.columns


def test_shown_minutes_agree_with_the_gap():
    import pandas as pd

    from assetmap.analysis.summary import minutes_shown
    from assetmap.maps._findings import gap_lines
    from assetmap.maps._layers import nearest_spec

    # against 15 minutes: 15.2 is beyond (a gap), shown "15.2", not "15"; 14.8 is within
    # and shown "15", which reads as within; 15.04 is beyond and rounds up to "15.1";
    # far from the threshold whole minutes; 14.55 against 14.6 is within: "14.5", not "15"
    assert minutes_shown(15.2, 15) == "15.2"
    assert minutes_shown(14.8, 15) == "15"
    assert minutes_shown(15.04, 15) == "15.1"
    assert minutes_shown(15.0, 15) == "15"  # at the threshold is within (count_within)
    assert minutes_shown(22.6, 15) == "23"
    assert minutes_shown(14.55, 14.6) == "14.5"
    assert minutes_shown(float("nan"), 15) is None
    # the map: childcare 15.2 (a gap) beside older adults 14.8 (not)
    acc = pd.DataFrame(
        {
            "unit_id": ["u1", "u1"],
            "domain": ["childcare", "older_adults"],
            "nearest_min": [15.2, 14.8],
            "nearest_name": ["Day care", "Senior center"],
            "threshold_min": [15.0, 15.0],
        }
    )
    gaps = acc.iloc[:1].assign(population=1200)
    spec, _ = nearest_spec(acc, ["u1"], ["childcare", "older_adults"], gaps=gaps)
    assert [(m, g) for _, _, m, g in spec[0]] == [("15.2", 1), ("15", 0)]
    line = gap_lines(gaps, am.load_domains())["u1"][0]
    assert "nearest childcare and family service 15.2 min walk" in line


def test_median_nearest_is_population_weighted():
    from assetmap.analysis.summary import weighted_median

    # residents 1,000 at 5 min, 1,000 at 10 min, 3,000 at 30 min: half (2,500) are within
    # 30 min but not within 10 (2,000): the weighted median is 30 (unweighted: 10)
    assert weighted_median(np.array([5.0, 10.0, 30.0]), np.array([1000, 1000, 3000])) == 30
    # no service in reach counts as farthest; more than half there: none in reach (NaN)
    assert weighted_median(np.array([5.0, np.nan]), np.array([1000, 1000])) == 5
    assert np.isnan(weighted_median(np.array([5.0, np.nan]), np.array([1000, 1001])))
    # units without residents do not count
    assert weighted_median(np.array([1.0, 20.0]), np.array([0, 10])) == 20


def test_a_quarter_of_residents_beyond_reach_makes_a_gap_with_population_points():
    """Hand-worked: of three high-need units of 1,000 residents, a has 100 beyond reach
    (10% < 25%: no gap), b has 300 (30%: a gap, some beyond), c has all 1,000 (none
    within). With min_share_beyond=0.05, a is a gap too; a share of 0 is refused."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    units = gpd.GeoDataFrame(
        {"name": ["A", "B", "C"], "population": [1000.0] * 3, "need_pct": [0.9] * 3},
        geometry=[box(0, 0, 1, 1)] * 3,
        crs=4326,
        index=pd.Index(["a", "b", "c"], name="unit_id"),
    )
    acc = pd.DataFrame(
        {
            "unit_id": ["a", "b", "c"],
            "domain": "food",
            "nearest_m": 1.0,
            "nearest_min": [10.0, 12.0, 30.0],
            "nearest_asset_id": "x",
            "nearest_name": "X",
            "count_within": [0.9, 0.7, 0.0],
            "fca_ratio": 0.0,
            "e2sfca_ratio": 0.0,
            "straight_m": 1.0,
            "threshold_min": 15.0,
            "status": "ok",
            "population_beyond": [100.0, 300.0, 1000.0],
        }
    )
    gaps = am.find_gaps(units, acc)
    assert gaps[["unit_id", "reason", "population_beyond"]].values.tolist() == [
        ["b", "some_beyond", 300.0],
        ["c", "none_within", 1000.0],
    ]
    assert am.find_gaps(units, acc, min_share_beyond=0.05)["unit_id"].tolist() == ["a", "b", "c"]
    with pytest.raises(InputError, match="min_share_beyond"):
        am.find_gaps(units, acc, min_share_beyond=0)
