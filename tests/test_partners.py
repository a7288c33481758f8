"""Who could close each gap (``am.partners``), on a hand-worked four-unit study.

Four squares 2,000 m wide in a row (UTM 18N, metres from the fixture origin), centres at
x = 1,000, 3,000, 5,000 and 7,000 (y = 1,000). Need ranks them u1 < u3 < u4 < u2 (need
percentiles 0, 1/3, 2/3, 1), so the 60th percentile makes u2 and u4 the high-need units.
Straight-line travel: minutes = metres × 1.3 / 80 (4.8 km/h), so food's 15-minute reach is
923 m and twice it 1,846 m.

=====================  ================  =========================  ==================
site                   where (x, y)      from u2 (3,000, 1,000)     from u4 (7,000, 1,000)
=====================  ================  =========================  ==================
Pantry North (food)    1,000, 1,000      2,000 m, 32.5 min: no      —
Eastside Pantry        4,200, 1,000      1,200 m, **19.5 min**      2,800 m: no
Hilltop Pantry         3,000, 2,600      1,600 m, **26.0 min**      —
Eastside Pantry Annex  5,500, 1,000      2,500 m: no                1,500 m, **24.375 min**
Westside Clinic (pc)   3,300, 1,300      424.26 m, **6.894 min**    3,712 m: no
hospital kitchen       7,400, 1,000      —                          400 m, **6.5 min**
St. Mark Church        7,000, 1,600      —                          600 m, **9.75 min**
=====================  ================  =========================  ==================

u3 (x 4,000–6,000) has both pantries within reach, so is no food gap. Both pantries east
belong to "Eastside Food Bank": one organisation in two gaps.
"""

from __future__ import annotations

import csv
import dataclasses

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

import assetmap as am
from assetmap.analysis.partners import (
    KINDS,
    PARTNER_COLUMNS,
    SUMMARY_COLUMNS,
    partner_summary,
    partners,
    write_partners,
)
from assetmap.anchor.model import Anchor
from assetmap.readers.osm import community_spaces_from_osm
from tests._atlas_fixture import _with_need
from tests.conftest import X0, Y0

UTM = "EPSG:32618"
MIN_PER_M = 1.3 / 80.0


def _units(names: list[str] | None = None) -> gpd.GeoDataFrame:
    geoms = gpd.GeoSeries(
        [box(X0 + 2000 * i, Y0, X0 + 2000 * (i + 1), Y0 + 2000) for i in range(4)], crs=UTM
    ).to_crs("EPSG:4326")
    return _with_need(
        ["u1", "u2", "u3", "u4"],
        names or ["Unit 1", "Unit 2", "Unit 3", "Unit 4"],
        [1000, 3000, 2000, 1500],
        list(geoms),
        [0, 3, 1, 2],
    )


def _points(xy: list[tuple[float, float]]) -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(X0 + x, Y0 + y) for x, y in xy], crs=UTM).to_crs("EPSG:4326")


def _assets(first_name: str = "Eastside Pantry") -> gpd.GeoDataFrame:
    rows = [
        ("a1", "Pantry North", "food", "", (1000, 1000)),
        ("a2", first_name, "food", "Eastside Food Bank", (4200, 1000)),
        ("a3", "Hilltop Pantry", "food", "", (3000, 2600)),
        ("a4", "Eastside Pantry Annex", "food", "Eastside  food bank", (5500, 1000)),
        ("a5", "Westside Clinic", "primary_care", "", (3300, 1300)),
    ]
    return gpd.GeoDataFrame(
        {
            "asset_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "domain": [r[2] for r in rows],
            "org": [r[3] for r in rows],
            "capacity": [float("nan")] * len(rows),
        },
        geometry=_points([r[4] for r in rows]),
        crs="EPSG:4326",
    )


def _anchor() -> Anchor:
    hospital = gpd.GeoDataFrame({"name": ["Test Hospital"]}, geometry=_points([(7400, 1000)]))
    spaces = gpd.GeoDataFrame(
        {
            "space_id": ["SP-1"],
            "name": ["Teaching Kitchen"],
            "space_type": ["teaching kitchen"],
            "hosts": ["food"],
        },
        geometry=_points([(7400, 1000)]),
    )
    return Anchor(name="Test Hospital", hospital=hospital, spaces=spaces)


def _church(name: str = "St. Mark Church") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [name], "space_type": ["place_of_worship"], "space_id": ["osm:node/7"]},
        geometry=_points([(7000, 1600)]),
    )


@pytest.fixture(scope="module")
def atlas() -> am.Atlas:
    return am.Atlas.build(_units(), _assets(), anchor=_anchor(), siting_k=0, need_percentile=60)


@pytest.fixture(scope="module")
def found(atlas: am.Atlas) -> pd.DataFrame:
    return partners(atlas, spaces=_church())


def test_the_fixture_has_the_food_gaps_worked_by_hand(atlas):
    food = atlas.gaps[atlas.gaps["domain"] == "food"]
    assert food["unit_id"].tolist() == ["u2", "u4"]
    assert food["population_beyond"].tolist() == [3000, 1500]


def test_the_provider_just_beyond_reach_is_called_first(found):
    u2 = found[(found["unit_id"] == "u2") & (found["domain"] == "food")]
    assert u2["partner"].tolist() == ["Eastside Pantry", "Westside Clinic", "Hilltop Pantry"]
    assert u2["rank"].tolist() == [1, 2, 3]
    assert u2["kind"].tolist() == ["beyond reach", "co-locate", "beyond reach"]
    assert u2["minutes"].tolist() == pytest.approx(
        [1200 * MIN_PER_M, 424.264 * MIN_PER_M, 1600 * MIN_PER_M], abs=0.051
    )
    assert u2["residents"].tolist() == [3000, 3000, 3000]
    assert u2.iloc[0]["organisation"] == "Eastside Food Bank"
    assert u2.iloc[0]["reason"] == (
        "Eastside Pantry (food) is 20 min from Unit 2, just beyond the 15-min reach: "
        "outreach, longer hours or a mobile site could serve the 3,000 residents there "
        "without it in reach."
    )
    assert u2.iloc[1]["reason"] == (
        "Westside Clinic (primary care) is 7 min from Unit 2 and could host food on site "
        "for 3,000 residents of Unit 2."
    )
    # Pantry North is 32.5 min away: beyond twice the reach, not listed
    assert "Pantry North" not in set(found["partner"])


def test_hospital_and_community_spaces_near_the_other_gap(found):
    u4 = found[(found["unit_id"] == "u4") & (found["domain"] == "food")]
    assert u4["partner"].tolist() == [
        "Eastside Pantry Annex",
        "Teaching Kitchen",
        "St. Mark Church",
    ]
    assert u4["kind"].tolist() == ["beyond reach", "hospital space", "community space"]
    assert u4["partner_id"].tolist() == ["a4", "hospital:SP-1", "osm:node/7"]
    assert u4["organisation"].tolist()[1:] == ["Test Hospital", "St. Mark Church"]
    assert u4["minutes"].tolist() == pytest.approx([24.375, 6.5, 9.75], abs=0.051)
    assert u4["residents"].tolist() == [1500] * 3
    assert u4.iloc[1]["reason"] == (
        "The hospital's Teaching Kitchen (teaching kitchen) is 6 min from Unit 4 and could "
        "host food on site for 1,500 residents of Unit 4."
    )
    assert u4.iloc[2]["reason"].startswith("St. Mark Church (place of worship) is 10 min from")


def test_columns_kinds_order_and_determinism(atlas, found):
    assert found.columns.tolist() == PARTNER_COLUMNS
    assert set(found["kind"]) <= set(KINDS)
    pd.testing.assert_frame_equal(found, partners(atlas, spaces=_church()))
    # one candidate per gap
    one = partners(atlas, spaces=_church(), max_per_gap=1)
    assert one["partner"].tolist() == ["Eastside Pantry", "Eastside Pantry Annex"]
    # without the church and the hospital's spaces
    bare = partners(dataclasses.replace(atlas, anchor=None))
    assert set(bare["kind"]) == {"beyond reach", "co-locate"}


def test_near_m_narrows_what_counts_as_near(atlas):
    # 500 m of travel at 80 m/min: 6.25 min; the kitchen (6.5 min) and church are farther
    near = partners(atlas, spaces=_church(), near_m=500)
    u4 = near[near["unit_id"] == "u4"]
    assert u4["partner"].tolist() == ["Eastside Pantry Annex"]


def test_one_organisation_in_two_gaps_is_listed_once(found):
    summary = partner_summary(found)
    assert summary.columns.tolist() == SUMMARY_COLUMNS
    top = summary.iloc[0]
    assert top["organisation"] == "Eastside Food Bank"
    assert top["gaps"] == 2
    assert top["gap_list"] == "Unit 2 (food); Unit 4 (food)"
    assert top["residents"] == 4500
    assert top["partners"] == "Eastside Pantry; Eastside Pantry Annex"
    assert top["best_rank"] == 1
    assert summary["organisation"].is_unique
    assert summary["gaps"].tolist() == sorted(summary["gaps"], reverse=True)


def test_no_gaps_gives_empty_frames_with_the_columns(atlas):
    housing = dataclasses.replace(atlas, gaps=atlas.gaps[atlas.gaps["domain"] == "housing"])
    empty = partners(housing)
    assert empty.empty and empty.columns.tolist() == PARTNER_COLUMNS
    assert partner_summary(empty).columns.tolist() == SUMMARY_COLUMNS
    centres = [(1000 + 2000 * i, 1000) for i in range(4)]
    everywhere = gpd.GeoDataFrame(
        {
            "asset_id": [f"e{i}" for i in range(8)],
            "name": [f"Service {i}" for i in range(8)],
            "domain": ["food"] * 4 + ["primary_care"] * 4,
        },
        geometry=_points(centres * 2),
    )
    none = am.Atlas.build(_units(), everywhere, need_percentile=60, siting_k=0)
    assert none.gaps.empty
    out = partners(none, spaces=_church())
    assert out.empty and out.columns.tolist() == PARTNER_COLUMNS
    assert partners(housing, max_per_gap=0).empty


def test_hostile_names_stay_text_and_the_csv_is_guarded(tmp_path):
    script, formula = "<script>alert(1)</script>", "=cmd|' /C calc'!A0"
    atlas = am.Atlas.build(
        _units(["Unit 1", script, "Unit 3", "Unit 4"]),
        _assets(formula),
        siting_k=0,
        need_percentile=60,
    )
    found = partners(atlas, spaces=_church("@SUM(1+1)"))
    first = found.iloc[0]
    assert (first["unit_name"], first["partner"]) == (script, formula)
    assert first["reason"].startswith(formula + " (food) is 20 min from " + script)
    path = write_partners(found, tmp_path)
    assert path.name == "partners.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["partner"] == "'" + formula
    assert rows[0]["reason"] == "'" + first["reason"]
    assert rows[0]["unit_name"] == script
    church = [r for r in rows if r["kind"] == "community space"]
    assert church and church[0]["partner"] == "'@SUM(1+1)"
    summary = write_partners(partner_summary(found), tmp_path / "summary.csv")
    assert not any(
        cell.startswith(("=", "@")) for row in csv.reader(summary.open()) for cell in row
    )


def test_community_spaces_from_an_osm_file(tmp_path):
    osm = tmp_path / "spaces.osm"
    osm.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n"
        "<node id='1' lat='40.81' lon='-73.92'><tag k='amenity' v='place_of_worship'/>"
        "<tag k='name' v='St. Mark Church'/></node>\n"
        "<node id='2' lat='40.81' lon='-73.91'><tag k='amenity' v='cafe'/></node>\n"
        "<node id='3' lat='40.80' lon='-73.90'/><node id='4' lat='40.80' lon='-73.89'/>"
        "<node id='5' lat='40.81' lon='-73.89'/>\n"
        "<way id='9'><nd ref='3'/><nd ref='4'/><nd ref='5'/><nd ref='3'/>"
        "<tag k='amenity' v='community_centre'/><tag k='operator' v='NYC Parks'/>"
        "<tag k='building' v='yes'/></way>\n</osm>\n",
        encoding="utf-8",
    )
    spaces = community_spaces_from_osm(osm)
    assert spaces["space_id"].tolist() == ["osm:node/1", "osm:way/9"]
    assert spaces["name"].tolist() == ["St. Mark Church", "Unnamed community centre"]
    assert spaces["space_type"].tolist() == ["place_of_worship", "community_centre"]
    assert spaces["operator"].tolist() == ["", "NYC Parks"]
    assert (spaces.geom_type == "Point").all() and spaces.crs == "EPSG:4326"


@pytest.mark.slow
def test_on_the_sample(sample_atlas):
    found = partners(sample_atlas)
    assert len(found) and found.columns.tolist() == PARTNER_COLUMNS
    thr = found["domain"].map({k: d.threshold_min for k, d in sample_atlas.domains.items()})
    beyond = found["kind"] == "beyond reach"
    assert (found.loc[beyond, "minutes"] <= 2 * thr[beyond] + 0.05).all()
    assert (found.loc[~beyond, "minutes"] <= thr[~beyond] + 0.05).all()
    assert (
        found.groupby(["unit_id", "domain"])["rank"]
        .apply(lambda r: r.tolist() == list(range(1, len(r) + 1)))
        .all()
    )
    gaps = set(zip(sample_atlas.gaps["unit_id"], sample_atlas.gaps["domain"], strict=True))
    assert set(zip(found["unit_id"], found["domain"], strict=True)) <= gaps
