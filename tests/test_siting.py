"""Suggested new sites: greedy maximal covering location, worked by hand."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

import assetmap as am
from assetmap._resources import sample_dir
from assetmap.analysis.access import TravelOptions, catchment_pairs
from assetmap.analysis.siting import SITE_COLUMNS, suggest_sites
from assetmap.errors import ConfigError, InputError
from tests.conftest import UTM, X0, Y0, assets_at, squares

# Six 1 km squares in a row, u1..u6; origins (centroids) at x = 500, 1500, …, 5500 m.
# Straight line × 1.3 at 80 m/min: a 15-minute reach is 15 × 80 / 1.3 = 923 m, so a point
# midway between two origins (500 m from each) reaches both, an origin only its own unit.
POPS = [1000.0, 2000.0, 5000.0, 1500.0, 3000.0, 4000.0]
NEED = [0.90, 0.20, 0.95, 0.80, 0.10, 0.76]  # high need (>= 0.75): u1, u3, u4, u6


@pytest.fixture
def units():
    u = squares(6, pops=POPS)
    u["need_pct"] = NEED
    return u


def _assets():
    # a1 serves u3 (distance 0); u2 and u4 are 1,000 m from it, beyond 923 m: not served.
    # So the unserved residents are u1 1,000 (high), u2 2,000, u4 1,500 (high),
    # u5 3,000 and u6 4,000 (high): 11,500 in all.
    # a2 (housing) at x = 1000 reaches u1 and u2; a3 (primary care) at x = 5000 reaches
    # u5 and u6; a4 (legal aid) stands on a2's spot (the same place once: a2 is kept).
    return assets_at(
        [
            (2500, 500, "food"),
            (1000, 500, "housing"),
            (5000, 500, "primary_care"),
            (1000, 500, "legal_aid"),
        ],
        name=["Pantry", "Shelter <b>One</b>", "Clinic", "Legal desk"],
    )


def _spaces(s2_hosts="childcare"):
    # S1 could host food, at x = 4000: it reaches u4 and u5.
    # S2 stands on a3's spot (x = 5000) but can only host childcare.
    pts = [Point(X0 + 4000, Y0 + 500), Point(X0 + 5000, Y0 + 500)]
    return gpd.GeoDataFrame(
        {
            "space_id": ["S1", "S2"],
            "name": ["Teaching kitchen", "Day-care room"],
            "hosts": ["food; older_adults", s2_hosts],
        },
        geometry=pts,
        crs=UTM,
    ).to_crs(4326)


@pytest.fixture
def access(units):
    return am.access(units, _assets(), only=["food"], thresholds={"food": 15})


def test_greedy_picks_worked_by_hand(units, access):
    # Round 1, (new high-need, new residents) per candidate:
    #   origins u1 (1000, 1000), u2 (0, 2000), u4 (1500, 1500), u5 (0, 3000),
    #   u6 (4000, 4000); a2 (1000, 3000); S1 (1500, 4500); a3 (4000, 7000).
    #   a3 and u6 tie on high need; a3 reaches more residents -> a3 (u5, u6).
    # Round 2, u1, u2, u4 left: u4's origin and S1 both give (1500, 1500): the tie goes
    #   to the hospital space -> S1 (u4).
    # Round 3, u1, u2 left: a2 (1000, 3000) beats u1 (1000, 1000) -> a2 (u1, u2).
    # Shares of the 11,500 unserved: 7,000 -> 0.6087, 8,500 -> 0.7391, 11,500 -> 1.
    sites = suggest_sites(units, _assets(), access, k=3, spaces=_spaces())
    assert list(sites.columns) == [*SITE_COLUMNS, "geometry"]
    assert sites.crs.to_epsg() == 4326
    got = sites[["rank", "kind", "candidate_id", "name", "reached_ids"]].values.tolist()
    assert got == [
        [1, "partner", "a3", "at Clinic", "u5;u6"],
        [2, "space", "S1", "at Teaching kitchen", "u4"],
        [3, "partner", "a2", "at Shelter <b>One</b>", "u1;u2"],
    ]
    assert sites["new_residents"].tolist() == [7000, 1500, 3000]
    assert sites["new_high_need_residents"].tolist() == [4000, 1500, 1000]
    assert sites["units_reached"].tolist() == [2, 1, 2]
    assert sites["share_of_gap_residents"].tolist() == pytest.approx([7000 / 11500, 0.73913, 1])
    assert (sites["threshold_min"] == 15).all() and (sites["domain"] == "food").all()
    # the suggested site is where the candidate stands
    at = sites.to_crs(UTM).geometry.iloc[0]
    assert at.distance(Point(X0 + 5000, Y0 + 500)) < 0.01


def test_sites_below_min_reach_are_flagged_and_not_findings(units, access):
    from types import SimpleNamespace

    from assetmap.maps._sites import sites_spec
    from assetmap.report._sites import site_rows

    # the picks bring 7,000, 1,500 and 3,000 residents (worked above): the default
    # minimum of 500 flags none; a minimum of 2,000 flags S1 (1,500), which stays listed
    sites = suggest_sites(units, _assets(), access, k=3, spaces=_spaces())
    assert sites["below_min_reach"].tolist() == [False, False, False]
    sites = suggest_sites(units, _assets(), access, k=3, spaces=_spaces(), min_reach=2000)
    assert sites["below_min_reach"].tolist() == [False, True, False]
    # the report and the map leave S1 out
    rows = site_rows(SimpleNamespace(sites=sites), "food")
    assert [r["name"] for r in rows] == ["at Clinic", "at Shelter <b>One</b>"]
    spec = sites_spec(sites, am.load_domains(), unit_names={})
    assert spec is not None and len(spec["rows"]) == 2
    with pytest.raises(InputError, match="min_reach"):
        suggest_sites(units, _assets(), access, min_reach=-1)


def test_stops_when_no_one_is_left_and_k_limits(units, access):
    more = suggest_sites(units, _assets(), access, k=10, spaces=_spaces())
    assert len(more) == 3  # everyone reached after three picks
    one = suggest_sites(units, _assets(), access, k=1, spaces=_spaces())
    assert one["candidate_id"].tolist() == ["a3"]


def test_without_candidates_of_other_kinds_the_neighbourhood_points_serve(units, access):
    # Only the origins: u6 (4000 high), then u4 (1500 high), then u1 (1000 high), each
    # reaching its own unit; high-need residents count before the larger u5 and u2.
    sites = suggest_sites(units, _assets().iloc[:1], access, k=3)
    assert sites["kind"].tolist() == ["neighbourhood"] * 3
    assert sites["candidate_id"].tolist() == ["u6", "u4", "u1"]
    assert sites["name"].tolist() == ["in Unit 6", "in Unit 4", "in Unit 1"]


def test_ties_are_broken_the_same_way_whatever_the_input_order(units, access):
    # a5 (another domain) 3 m from a2 reaches exactly what a2 reaches: a2 wins by id.
    extra = assets_at([(1000, 503, "employment")], name=["Job centre"])
    extra["asset_id"] = ["a5"]
    assets = pd.concat([_assets(), extra], ignore_index=True)
    first = suggest_sites(units, assets, access, k=3, spaces=_spaces())
    shuffled = assets.sample(frac=1, random_state=3)
    second = suggest_sites(units, shuffled, access, k=3, spaces=_spaces().iloc[::-1])
    assert first["candidate_id"].tolist() == ["a3", "S1", "a2"]
    pd.testing.assert_frame_equal(pd.DataFrame(first), pd.DataFrame(second))


def test_spaces_that_cannot_host_the_domain_are_not_candidates(units, access):
    # S2 stands on a3's spot; as a candidate it would tie a3 and win (spaces first).
    no = suggest_sites(units, _assets(), access, k=1, spaces=_spaces("childcare"))
    assert no["candidate_id"].tolist() == ["a3"]
    yes = suggest_sites(units, _assets(), access, k=1, spaces=_spaces("childcare; food"))
    assert yes["candidate_id"].tolist() == ["S2"] and yes["kind"].tolist() == ["space"]
    open_ = suggest_sites(units, _assets(), access, k=1, spaces=_spaces(""))  # no hosts list
    assert open_["candidate_id"].tolist() == ["S2"]


def test_same_place_partners_count_once(units, access):
    # a4 (legal aid) shares a2's spot: one candidate, the lower id.
    sites = suggest_sites(units, _assets(), access, k=3, spaces=_spaces())
    assert "a4" not in set(sites["candidate_id"])


def test_a_domain_with_no_gaps_gives_no_rows(units, access):
    served = access.assign(domain="housing", count_within=1)
    both = pd.concat([access, served], ignore_index=True)
    sites = suggest_sites(units, _assets(), both, k=3, spaces=_spaces())
    assert set(sites["domain"]) == {"food"}
    assert suggest_sites(units, _assets(), served, k=3).empty


def test_k_zero_is_off_and_bad_input_says_what_to_do(units, access):
    off = suggest_sites(units, _assets(), access, k=0)
    assert off.empty and list(off.columns) == [*SITE_COLUMNS, "geometry"]
    with pytest.raises(InputError, match="k must be a whole number"):
        suggest_sites(units, _assets(), access, k=-1)
    with pytest.raises(InputError, match="need_index"):
        suggest_sites(units.drop(columns="need_pct"), _assets(), access)
    with pytest.raises(InputError, match="count_within"):
        suggest_sites(units, _assets(), access.drop(columns="count_within"))


def test_along_the_street_network_reach_is_the_networks():
    fix = Path(__file__).parent / "fixtures" / "network"
    units = am.read_units(fix / "units.geojson")
    units["need_pct"] = np.linspace(0.05, 0.95, len(units))
    assets = am.read_assets(fix / "assets.csv")
    walk = TravelOptions(mode="walk", graph=fix / "grid.osm")
    acc = am.access(units, assets, travel=walk, only=["food"], thresholds={"food": 5})
    sites = suggest_sites(units, assets, acc, k=3, travel=walk)
    assert len(sites) >= 1
    unserved = set(acc.loc[acc["count_within"] == 0, "unit_id"])
    for _, s in sites.iterrows():
        reached = set(s["reached_ids"].split(";"))
        assert reached <= unserved
        at = gpd.GeoDataFrame(
            {"asset_id": ["x"], "name": ["x"], "domain": ["food"]}, geometry=[s.geometry], crs=4326
        )
        pairs = catchment_pairs(units, at, minutes=5, travel=walk)
        assert reached <= set(pairs["unit_id"])


# --- the study: Atlas, project file, sample -----------------------------------------------------


def test_sample_sites_reach_the_planted_gaps(sample_atlas):
    sites = sample_atlas.sites
    planted = json.loads((sample_dir() / "planted.json").read_text())
    gap_ids = {g["unit_id"] for g in planted["gaps"]}
    for dom in ("food", "primary_care"):
        mine = sites[sites["domain"] == dom]
        assert mine["rank"].tolist() == [1, 2, 3]
        assert mine["new_high_need_residents"].iloc[0] > 0
        reached = {u for ids in mine["reached_ids"] for u in ids.split(";")}
        assert reached & gap_ids, dom
        # every reached unit has no service of the domain in reach, and is within reach
        acc = sample_atlas.access[sample_atlas.access["domain"] == dom].set_index("unit_id")
        # residents there were beyond reach (population points: part of a unit may be)
        assert (acc.loc[sorted(reached), "population_beyond"] > 0).all()
        assert mine["share_of_gap_residents"].is_monotonic_increasing
    # the hospital's spaces are candidates only for what they could host
    spaces = sample_atlas.anchor.spaces.set_index("space_id")
    for _, s in sites[sites["kind"] == "space"].iterrows():
        hosts = str(spaces.loc[s["candidate_id"], "hosts"])
        assert not hosts.strip() or s["domain"] in hosts
    prov = sample_atlas.provenance["parameters"]["siting"]
    assert prov["k"] == 3 and "Church & ReVelle 1974" in prov["method"]


def test_sample_sites_are_within_the_threshold_of_what_they_reach(sample_atlas, sample_project):
    a = sample_atlas
    for _, s in a.sites.iterrows():
        at = gpd.GeoDataFrame(
            {"asset_id": ["x"], "name": ["x"], "domain": [s["domain"]]},
            geometry=[s.geometry],
            crs=4326,
        )
        # a unit is reached when some of its population points are
        pairs = catchment_pairs(
            a.units, at, minutes=s["threshold_min"], points=sample_project.points
        )
        assert set(s["reached_ids"].split(";")) <= set(pairs["unit_id"]), s["name"]


def test_atlas_and_project_k(sample_project, tmp_path):
    atlas = dataclasses.replace(sample_project, siting_k=0).build()
    assert atlas.sites.empty and atlas.provenance["parameters"]["siting"]["k"] == 0
    folder = tmp_path / "study"
    shutil.copytree(sample_dir(), folder)
    yml = folder / "bronx.yml"
    text = yml.read_text()
    yml.write_text(text + "siting: {k: 1}\n")
    assert am.load_project(yml).siting_k == 1
    yml.write_text(text + "siting: {k: -2}\n")
    with pytest.raises(ConfigError, match="siting k must be a whole number"):
        am.load_project(yml)
    yml.write_text(text + "siting: 3\n")
    with pytest.raises(
        ConfigError, match=r"'siting' must be a mapping like \{k: 3, min_reach: 500\}"
    ):
        am.load_project(yml)
    assert am.load_project(sample_dir() / "bronx.yml").siting_k == 3


# --- the map, in a browser -----------------------------------------------------------------------


def _hostile_sites_atlas():
    """The hostile map atlas with one site per hostile string, reaching every unit."""
    from tests import hostile
    from tests._atlas_fixture import hostile_atlas

    atlas = hostile_atlas()
    sites = suggest_sites(atlas.units, atlas.assets, atlas.access, spaces=atlas.anchor.spaces)
    many = sites.iloc[[0] * len(hostile.HOSTILE)].reset_index(drop=True)
    many["name"] = list(hostile.HOSTILE)
    many["rank"] = range(1, len(many) + 1)
    many["reached_ids"] = ";".join(atlas.units.index[:3])
    return dataclasses.replace(atlas, sites=many)


@pytest.mark.browser
def test_sites_layer_opens_off_and_its_popups_stay_text(tmp_path, browser):
    from tests import hostile
    from tests.browser_support import MAP_JS, open_map

    atlas = _hostile_sites_atlas()
    path = tmp_path / "sites.html"
    atlas.map().save(str(path))
    s = open_map(browser, path)
    page = s.page
    assert page.locator(".am-site").count() == 0  # off at start
    box = page.locator(".am-layers label.am-item", has_text="Suggested new sites")
    assert box.locator(".am-star").count() == 1  # its star in the layer control
    box.locator("input").check()
    assert page.locator(".am-site .am-star").count() == len(atlas.sites)
    seen = []
    for marker in page.locator(".am-site").all():
        marker.dispatch_event("click")
        popup = page.evaluate(
            f"""() => {{
                const c = {MAP_JS}._popup.getElement()
                    .querySelector('.leaflet-popup-content');
                return {{
                    text: c.innerText,
                    markup: c.querySelectorAll('img, script, iframe, svg, style, math, a')
                        .length,
                }};
            }}"""
        )
        assert popup["markup"] == 0
        words = hostile.collapse(popup["text"])
        assert "site here would bring" in words and "in high-need neighbourhoods" in words
        seen.append(words)
    for name in hostile.HOSTILE:
        assert any(f"Where {hostile.shown(name)}" in w for w in seen), name
    box.locator("input").uncheck()
    assert page.locator(".am-site").count() == 0
    assert s.dialogs == [] and s.page_errors == [] and s.console_errors == []
    s.close()
