"""OpenStreetMap assets: a hand-made .osm file offline, and the online path with osmnx mocked."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon

import assetmap as am
from assetmap._resources import sample_dir
from assetmap.domains import Domain, load_domains
from assetmap.errors import InputError, OfflineError
from assetmap.online.osm import osm_assets
from assetmap.readers import osm
from assetmap.readers.osm import OSM_ATTRIBUTION, osm_domain, osm_tags, read_osm_xml

OSM = Path(__file__).parent / "fixtures" / "osm" / "bronx_amenities.osm"

# Worked by hand from the fixture: element -> (name, domain)
EXPECTED = {
    "node/1001": ("Willis Avenue Community Food Bank", "food"),
    "node/1002": ("Tremont Walk-in Clinic", "primary_care"),
    "node/1003": ("Harbor House", "safety"),
    "node/1004": ("Longwood Drop-in Shelter", "housing"),
    "node/1005": ("West Farms Tenant Law Project", "legal_aid"),
    "node/1006": ("Unnamed clinic", "primary_care"),
    "node/1009": ("Bedford Park Adult Day Center", "older_adults"),
    "way/2001": ("Little Stars Day Care", "childcare"),
}


@pytest.fixture(scope="module")
def region():
    return am.read_units(sample_dir() / "units.geojson")


def test_reads_nodes_and_a_closed_way(region):
    a = read_osm_xml(OSM, region=region)
    got = a.set_index("source_id")
    assert list(got.index) == list(EXPECTED)  # the bench is not a service
    for oid, (name, domain) in EXPECTED.items():
        assert (got.loc[oid, "name"], got.loc[oid, "domain"]) == (name, domain)
    assert a.geometry.geom_type.eq("Point").all()
    building = Polygon(
        [(-73.8935, 40.8610), (-73.8925, 40.8610), (-73.8925, 40.8616), (-73.8935, 40.8616)]
    )
    assert building.contains(got.loc["way/2001", "geometry"])
    pantry = got.loc["node/1001"]
    assert pantry["address"] == "410 Willis Avenue, Bronx, 10455"
    assert (pantry["phone"], pantry["hours"]) == ("+1 718 555 0121", "We 10:00-14:00")
    assert (pantry["org"], pantry["sector"]) == ("Mott Haven Community Partners", "cbo")
    assert pantry["last_verified"] == "2025-02-11"
    assert got.loc["node/1002", "phone"] == "718-555-0122"  # contact:phone
    assert got.loc["node/1004", "capacity"] == 40.0
    assert got.loc["node/1009", "sector"] == "faith"  # operator:type=religious
    tags = json.loads(got.loc["node/1003", "osm_tags"])
    assert tags == {
        "amenity": "social_facility",
        "name": "Harbor House",
        "operator:type": "ngo",
        "social_facility": "shelter",
        "social_facility:for": "abused",
    }
    assert a["asset_id"].iloc[0] == "osm:node/1001"
    info = a.attrs["source_info"]
    assert info["attribution"] == OSM_ATTRIBUTION == "© OpenStreetMap contributors, ODbL 1.0"
    assert info["licence"] == "ODbL 1.0"


def test_far_outside_is_set_aside_with_the_element(region):
    a = read_osm_xml(OSM, region=region)
    rej = am.rejected_rows(a)
    assert len(a) + len(rej) == 9
    r = rej.iloc[0]
    # the Newark pantry is the 7th matching feature (nodes 1001-1006, 1008, 1009, way 2001)
    assert (r["row"], r["column"]) == (7, "geometry")
    assert r["problem"].startswith("node/1008: point is 25.6 km outside the region")
    assert len(read_osm_xml(OSM)) == 9  # no region: nothing to check against
    with pytest.raises(InputError) as exc:
        read_osm_xml(OSM, region=region, strict=True)
    assert (exc.value.row, exc.value.column) == (7, "geometry")


def test_read_assets_infers_osm_and_combine_carries_attribution(region, tmp_path):
    a = am.read_assets(OSM, region=region, source="osm-export")
    assert a["asset_id"].iloc[0] == "osm-export:node/1001"
    both = am.combine([a, am.read_assets(OSM, source="again")])
    assert both.attrs["sources"][0]["attribution"] == OSM_ATTRIBUTION
    with pytest.raises(InputError, match="column map does not apply"):
        am.read_assets(OSM, columns={"name": "title"})


def test_bad_xml_names_the_file(tmp_path):
    bad = tmp_path / "broken.osm"
    bad.write_text("<osm><node id='1' lat='40.8' lon='-73.9'><tag k='amenity' v='clinic'></osm>")
    with pytest.raises(InputError) as exc:
        read_osm_xml(bad)
    assert exc.value.file == str(bad) and "OpenStreetMap XML" in str(exc.value)
    with pytest.raises(InputError, match="not found"):
        read_osm_xml(tmp_path / "missing.osm")
    empty = tmp_path / "empty.osm"
    empty.write_text("<osm version='0.6'><node id='1' lat='40.8' lon='-73.9'/></osm>")
    a = read_osm_xml(empty)
    assert len(a) == 0 and am.rejected_rows(a).empty and "osm_tags" in a.columns


@pytest.mark.parametrize(
    ("tags", "domain"),
    [
        ({"amenity": "social_facility", "social_facility": "food_bank"}, "food"),
        ({"amenity": "food_bank"}, "food"),
        # amenity=social_facility only says "see social_facility=*": shelter wins
        ({"amenity": "social_facility", "social_facility": "shelter"}, "housing"),
        ({"social_facility": "shelter", "social_facility:for": "abused"}, "safety"),
        ({"healthcare": "psychotherapist;counselling"}, "behavioral_health"),
        ({"healthcare:speciality": "general;psychiatry"}, "behavioral_health"),
        ({"amenity": "clinic", "healthcare": "clinic"}, "primary_care"),
        ({"office": "lawyer", "name": "X"}, "legal_aid"),
        ({"amenity": "bench"}, None),
        # amenity=shelter is a bus, picnic or weather shelter; a bus station is transit
        ({"amenity": "shelter", "shelter_type": "public_transport"}, None),
        ({"amenity": "bus_station"}, None),
        # a family tag alone is no domain: nursing and group homes are social facilities too
        ({"amenity": "social_facility", "social_facility": "nursing_home"}, None),
        ({"amenity": "social_facility"}, None),
        (
            {
                "amenity": "social_facility",
                "social_facility": "shelter",
                "social_facility:for": "homeless",
            },
            "housing",
        ),
        ({"amenity": float("nan"), "office": None}, None),
    ],
)
def test_osm_domain(tags, domain):
    assert osm_domain(tags) == domain


def test_osm_tags_union_and_any_value():
    tags = osm_tags()
    assert tags["amenity"] == sorted(
        {
            "food_bank",
            "social_facility",
            "community_fridge",
            "clinic",
            "doctors",
            "childcare",
            "kindergarten",
        }
    )
    doms = load_domains()
    custom = {
        "food": Domain(**{**doms["food"].__dict__, "osm_tags": {"shop": True}}),
        "childcare": Domain(**{**doms["childcare"].__dict__, "osm_tags": {"shop": "toys"}}),
    }
    assert osm_tags(custom) == {"shop": True}
    assert osm_domain({"shop": "bakery"}, custom) == "food"
    # a tie (both match shop=toys once) goes to the domain listed first
    assert osm_domain({"shop": "toys"}, custom) == "food"


def _fake_features() -> gpd.GeoDataFrame:
    import osmnx as ox

    return ox.features_from_xml(OSM, tags=osm_tags())


def test_online_path_with_osmnx_mocked(monkeypatch, region):
    import osmnx as ox

    calls = {}

    def fake(polygon, tags):
        calls["polygon"], calls["tags"] = polygon, tags
        return _fake_features()

    monkeypatch.setattr(ox, "features_from_polygon", fake)
    a = osm_assets(region, buffer_m=1000)
    assert calls["tags"] == osm_tags()
    area = gpd.GeoSeries([calls["polygon"]], crs="EPSG:4326").to_crs(32618).area.iloc[0]
    region_area = region.to_crs(32618).union_all().area
    assert area > region_area * 1.1  # grown by 1 km all round
    assert calls["polygon"].contains(region.union_all().representative_point())
    assert sorted(a["source_id"]) == sorted(EXPECTED)
    rej = am.rejected_rows(a)
    assert (
        rej["value"].tolist() == ["40.700000, -74.200000"] and (rej["file"] == "Overpass API").all()
    )
    assert a.attrs["source_info"]["vintage"].startswith("downloaded ")


def test_online_errors(monkeypatch, region):
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    def nothing(polygon, tags):
        msg = "No matching features"
        raise InsufficientResponseError(msg)

    monkeypatch.setattr(ox, "features_from_polygon", nothing)
    assert len(osm_assets(region)) == 0

    def offline(polygon, tags):
        msg = "Failed to establish a new connection"
        raise ConnectionError(msg)

    monkeypatch.setattr(ox, "features_from_polygon", offline)
    with pytest.raises(OfflineError, match="read_osm_xml"):
        osm_assets(region)
    assert osm.OSM_COPYRIGHT_URL.startswith("https://www.openstreetmap.org")


def test_private_law_offices_are_not_legal_aid(tmp_path):
    osm = tmp_path / "law.osm"
    osm.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
        '<node id="1" lat="40.84" lon="-73.88"><tag k="office" v="lawyer"/>'
        '<tag k="name" v="Smith &amp; Jones LLP"/></node>\n'
        '<node id="2" lat="40.84" lon="-73.89"><tag k="office" v="lawyer"/>'
        '<tag k="name" v="Bronx Legal Services"/></node>\n'
        '<node id="3" lat="40.85" lon="-73.89"><tag k="office" v="lawyer"/>'
        '<tag k="lawyer" v="legal_aid"/><tag k="name" v="NYLAG"/></node>\n'
        '<node id="4" lat="40.85" lon="-73.88"><tag k="amenity" v="shelter"/>'
        '<tag k="shelter_type" v="public_transport"/></node>\n'
        "</osm>\n"
    )
    a = read_osm_xml(osm)
    assert sorted(a["name"]) == ["Bronx Legal Services", "NYLAG"]
    rej = am.rejected_rows(a).set_index("row")
    # the bus shelter is not asked for (no domain names amenity=shelter): not a feature
    assert len(a) + len(rej) == 3
    assert "a private law office, not legal aid" in rej.loc[1, "problem"]
    assert "node/1" in rej.loc[1, "problem"]
