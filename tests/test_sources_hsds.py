"""Open Referral HSDS packages: 3.x and 2.x tables, zip, JSON; every problem located."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pandas as pd
import pytest

import assetmap as am
from assetmap._resources import sample_dir
from assetmap.domains import DomainMatcher, load_domains
from assetmap.errors import InputError
from assetmap.readers.hsds import read_hsds

HSDS = Path(__file__).parent / "fixtures" / "hsds"

# Worked by hand from tests/fixtures/hsds/bronx_v3: one asset per service_at_location row.
EXPECTED = {
    # sal id: (service name, domain, phone, address)
    "sal-01": ("Mott Haven Food Pantry", "food", "718-555-0101", "545 E 142nd St, Bronx, NY 10454"),
    "sal-02": (
        "St. Silas Soup Kitchen",
        "food",
        "(718) 555-0102",
        "712 E 163rd St, Bronx, NY 10456",
    ),
    "sal-03": ("St. Silas Food Pantry", "food", "718-555-0103", "712 E 163rd St, Bronx, NY 10456"),
    "sal-04": (
        "Concourse Family Health Center",
        "primary_care",
        "718-555-0104",
        "1650 Grand Concourse, Bronx, NY 10457",
    ),
    "sal-05": (
        "Concourse Family Health Center",
        "primary_care",
        "718-555-0105",
        "890 Prospect Ave Suite 2, Bronx, NY 10459",
    ),
    "sal-06": ("Concourse Counseling Program", "behavioral_health", "", ""),
    "sal-07": ("Tenant Legal Help", "legal_aid", "718-555-0106", ""),
    "sal-08": ("Job Training and Placement", "employment", "718-555-0107", ""),
    "sal-09": ("Job Training and Placement", "employment", "718-555-0108", ""),
    "sal-10": ("Fordham Head Start", "childcare", "718-555-0109", ""),
    "sal-11": ("Fordham Senior Center", "older_adults", "", ""),
    "sal-12": ("Rental Assistance", "housing", "718-555-0101", ""),
    "sal-13": ("Energy Bill Help", "utilities", "", ""),
    # term RP-1500.1400-200, Domestic Violence Hotlines (211/AIRS taxonomy)
    "sal-14": ("Safe Haven Counseling", "safety", "718-555-0110", ""),
}
LOCATION_OF = {"sal-05": (40.8208, -73.9010), "sal-09": (40.8240, -73.8650)}


@pytest.fixture(scope="module")
def region():
    return am.read_units(sample_dir() / "units.geojson")


def copy_pkg(tmp_path: Path, variant: str = "bronx_v3") -> Path:
    dest = tmp_path / variant
    shutil.copytree(HSDS / variant, dest)
    return dest


def edit(pkg: Path, table: str, row: int, column: str, value: str) -> None:
    """Set one cell, ``row`` numbered as a spreadsheet shows it (header = row 1)."""
    path = pkg / table
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 2, column] = value
    df.to_csv(path, index=False)


def only_problem(assets):
    rej = am.rejected_rows(assets)
    extra = rej[~rej["problem"].str.contains("Bronx Warmline")]  # the fixture's own reject
    assert len(extra) == 1, extra
    return extra.iloc[0]


def test_v3_package_one_asset_per_service_at_location(region):
    a = read_hsds(HSDS / "bronx_v3", region=region)
    assert a["source_id"].tolist() == list(EXPECTED)
    got = a.set_index("source_id")
    for sal, (name, domain, phone, address) in EXPECTED.items():
        assert got.loc[sal, "name"] == name
        assert got.loc[sal, "domain"] == domain, sal
        if phone:  # service-at-location phone first, then service, location, organization
            assert got.loc[sal, "phone"] == phone, sal
        if address:  # the physical address, never the PO box of loc-01
            assert got.loc[sal, "address"] == address
    for sal, (lat, lon) in LOCATION_OF.items():
        assert got.loc[sal, "geometry"].y == pytest.approx(lat)
        assert got.loc[sal, "geometry"].x == pytest.approx(lon)
    assert got.loc["sal-01", "asset_id"] == "bronx_v3:sal-01"
    assert got.loc["sal-01", "hours"] == "Wed 10:00-14:00"
    assert got.loc["sal-09", "hours"] == "Tue, Thu 18:00-21:00"  # this site's own schedule
    assert got.loc["sal-08", "hours"] == ""
    assert got.loc["sal-02", "sector"] == "faith"  # "Religious organization"
    assert got.loc["sal-01", "sector"] == "cbo"
    assert got.loc["sal-07", "website"] == "https://brla.example.org"  # organization's
    assert got.loc["sal-01", "last_verified"] == "2025-03-14"  # assured_date
    assert got.loc["sal-02", "last_verified"] == "2025-01-20"  # last_modified, date part
    # the first term (YZ-9999) matches nothing, the second (ND-6500) gives the domain
    assert got.loc["sal-08", "taxonomy"] == ("YZ-9999 Spanish Speaking Staff; ND-6500 Job Training")
    assert not a["outside_region"].any()
    assert a.crs.to_epsg() == 4326
    info = a.attrs["source_info"]
    assert info["name"] == "Open Referral HSDS 3.0 directory 'bronx_v3'"
    assert (info["vintage"], info["licence"]) == ("2025-05-01", "CC0-1.0")


def test_service_without_location_is_set_aside_and_counted(region):
    a = read_hsds(HSDS / "bronx_v3", region=region)
    rej = am.rejected_rows(a)
    assert len(a) + len(rej) == 14 + 1  # service_at_location rows + the unplaced service
    r = rej.iloc[0]
    assert (Path(r["file"]).name, r["row"], r["column"]) == ("services.csv", 14, "id")
    assert "'Bronx Warmline' has no location" in r["problem"]


def test_v2_layout_gives_the_same_assets(region):
    v3 = read_hsds(HSDS / "bronx_v3", region=region)
    v2 = read_hsds(HSDS / "bronx_v2", region=region)
    cols = ["source_id", "name", "domain", "org", "address", "phone", "hours"]
    pd.testing.assert_frame_equal(v2[cols], v3[cols])
    assert v2.geometry.geom_equals(v3.geometry).all()
    assert v2.attrs["source_info"]["name"] == "Open Referral HSDS 2.x directory 'bronx_v2'"
    # 2.x taxonomy ids are AIRS codes: shown with the name
    assert v2.set_index("source_id").loc["sal-01", "taxonomy"] == "BD-1800.2000 Food Pantries"


def test_zip_with_a_top_folder_and_kind_inferred(tmp_path, region):
    pkg = copy_pkg(tmp_path / "src")
    archive = shutil.make_archive(str(tmp_path / "directory"), "zip", pkg.parent)
    a = am.read_assets(archive, region=region, source="211")
    assert len(a) == 14 and a["asset_id"].iloc[0] == "211:sal-01"
    r = am.rejected_rows(a).iloc[0]
    assert r["file"] == f"{archive}/bronx_v3/services.csv" and r["row"] == 14
    assert am.read_assets(HSDS / "bronx_v2")["domain"].iloc[0] == "food"  # a folder


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "file", "frow", "fcol", "words"),
    [
        # service_at_location row 6 (sal-05: svc-04's second site) points at nothing
        ("service_at_locations.csv", 6, "service_id", "svc-99", "service_at_locations.csv", 6,
         "service_id", "'svc-99' is not the id of any service"),
        ("service_at_locations.csv", 6, "location_id", "loc-99", "service_at_locations.csv", 6,
         "location_id", "'loc-99' is not the id of any location"),
        # location row 7 (loc-06, used by sal-08) lost its latitude
        ("locations.csv", 7, "latitude", "", "locations.csv", 7, "latitude", "missing"),
        ("locations.csv", 7, "longitude", "73.889 west?", "locations.csv", 7, "longitude",
         "'73.889 west?' is not a number"),
        ("locations.csv", 7, "latitude", "41.8160", "locations.csv", 7, "latitude",
         "km outside the region"),
        ("locations.csv", 7, "location_type", "virtual", "locations.csv", 7, "location_type",
         "virtual"),
        # services row 7 (svc-06, sal-07) has closed
        ("services.csv", 7, "status", "defunct", "services.csv", 7, "status", "is defunct"),
        ("services.csv", 7, "name", "", "services.csv", 7, "name", "name is empty"),
        # attribute row 7 (svc-06 -> tt-05) points at a missing term
        ("attributes.csv", 7, "taxonomy_term_id", "tt-99", "attributes.csv", 7,
         "taxonomy_term_id", "'tt-99' is not in the taxonomy terms table"),
        ("attributes.csv", 7, "link_id", "svc-99", "services.csv", 7, "id",
         "has no taxonomy term"),
    ],
)  # fmt: skip
def test_bad_rows_name_file_row_and_column(
    tmp_path, region, table, row, column, value, file, frow, fcol, words
):
    pkg = copy_pkg(tmp_path)
    edit(pkg, table, row, column, value)
    a = read_hsds(pkg, region=region)
    r = only_problem(a)
    assert (r["file"], r["row"], r["column"]) == (str(pkg / file), frow, fcol)
    assert words in r["problem"]
    n_sal = 14
    assert len(a) + len(am.rejected_rows(a)) == n_sal + 1


def test_swapped_coordinates(tmp_path, region):
    pkg = copy_pkg(tmp_path)
    edit(pkg, "locations.csv", 7, "latitude", "-73.8890")
    edit(pkg, "locations.csv", 7, "longitude", "40.8160")
    r = only_problem(read_hsds(pkg, region=region))
    assert (Path(r["file"]).name, r["row"], r["column"]) == ("locations.csv", 7, "latitude")
    assert "swapped" in r["problem"]


def test_unknown_taxonomy_names_the_term_for_each_site(tmp_path, region):
    pkg = copy_pkg(tmp_path)
    # svc-07 (two sites) loses the one term that gave it a domain
    edit(pkg, "taxonomy_terms.csv", 7, "code", "")
    edit(pkg, "taxonomy_terms.csv", 7, "name", "Job Trainin")  # a typo
    a = read_hsds(pkg, region=region)
    rej = am.rejected_rows(a)
    rej = rej[~rej["problem"].str.contains("Bronx Warmline")]
    assert len(a) == 12 and len(rej) == 2  # both of its sites, sal-08 and sal-09
    # the first term of svc-07 is YZ-9999 (row 13): it is the one named
    assert set(zip(rej["file"], rej["row"], rej["column"], strict=True)) == {
        (str(pkg / "taxonomy_terms.csv"), 13, "code")
    }
    problem = rej["problem"].iloc[0]
    assert "'Job Training and Placement'" in problem
    assert "(YZ-9999 Spanish Speaking Staff; Job Trainin)" in problem
    assert "layers/domains.yml" in problem


def test_code_prefix_and_parent_terms_give_the_domain(tmp_path):
    pkg = copy_pkg(tmp_path)
    edit(pkg, "taxonomy_terms.csv", 2, "code", "BD-1800.2000-620")  # more specific code
    edit(pkg, "taxonomy_terms.csv", 12, "code", "")  # tt-11 Domestic Violence Hotlines ...
    edit(pkg, "taxonomy_terms.csv", 12, "name", "Hotlines")  # ... now only via its parent
    edit(pkg, "taxonomy_terms.csv", 12, "parent_id", "tt-04")  # -> RM-6500
    got = read_hsds(pkg).set_index("source_id")["domain"]
    assert got["sal-01"] == "food"
    assert got["sal-14"] == "behavioral_health"


def test_duplicate_ids(tmp_path):
    pkg = copy_pkg(tmp_path)
    edit(pkg, "service_at_locations.csv", 5, "id", "sal-01")
    edit(pkg, "services.csv", 14, "id", "svc-01")  # the warmline reuses svc-01's id
    a = read_hsds(pkg)
    rej = am.rejected_rows(a).set_index("row")
    assert rej.loc[5, "column"] == "id" and "already used on row 2" in rej.loc[5, "problem"]
    assert "already used on row 2" in rej.loc[14, "problem"]
    assert len(a) == 13 and len(a) + len(rej) == 15


def test_strict_raises_with_file_row_and_column(tmp_path):
    pkg = copy_pkg(tmp_path)
    with pytest.raises(InputError) as exc:
        read_hsds(pkg, strict=True)  # the warmline
    assert (exc.value.row, exc.value.column) == (14, "id")
    assert exc.value.file == str(pkg / "services.csv")


def test_missing_tables_and_columns(tmp_path):
    pkg = copy_pkg(tmp_path)
    df = pd.read_csv(pkg / "locations.csv", dtype=str).drop(columns=["latitude"])
    df.to_csv(pkg / "locations.csv", index=False)
    with pytest.raises(InputError) as exc:
        read_hsds(pkg)
    assert exc.value.file == str(pkg / "locations.csv") and exc.value.column == "latitude"
    (pkg / "service_at_locations.csv").unlink()
    with pytest.raises(InputError, match="service_at_locations"):
        read_hsds(pkg)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match="no HSDS tables found"):
        read_hsds(empty)
    with pytest.raises(InputError, match="not a folder, a zip or a .json file"):
        read_hsds(empty / "notes.txt")


def _json_services() -> list[dict]:
    return [
        {
            "id": "s1",
            "name": "Hub Pantry",
            "status": "active",
            "organization": {"id": "o1", "name": "Hub Org", "website": "https://hub.example.org"},
            "attributes": [{"taxonomy_term": {"id": "t1", "code": "BD-1800.2000", "name": "FP"}}],
            "phones": [{"number": "718-555-0301"}],
            "service_at_locations": [
                {
                    "id": "sl1",
                    "location": {
                        "id": "l1",
                        "name": "Hub",
                        "latitude": 40.8170,
                        "longitude": -73.9180,
                        "addresses": [
                            {"address_1": "1 Hub Sq", "city": "Bronx", "address_type": "physical"}
                        ],
                    },
                }
            ],
        },
        {
            "id": "s2",
            "name": "Hub Clinic",
            "attributes": [{"taxonomy_term": {"id": "t2", "name": "Community Clinics"}}],
            "service_at_locations": [
                {"id": "sl2", "location": {"id": "l2", "latitude": None, "longitude": -73.9}}
            ],
        },
    ]


def test_json_services_file(tmp_path):
    pkg = tmp_path / "api"
    pkg.mkdir()
    (pkg / "services.json").write_text(json.dumps({"contents": _json_services()}))
    a = read_hsds(pkg)
    assert a["source_id"].tolist() == ["sl1"]
    row = a.iloc[0]
    assert (row["name"], row["domain"], row["org"]) == ("Hub Pantry", "food", "Hub Org")
    assert (row["phone"], row["address"], row["website"]) == (
        "718-555-0301",
        "1 Hub Sq, Bronx",
        "https://hub.example.org",
    )
    assert row.geometry.y == pytest.approx(40.8170)
    r = am.rejected_rows(a).iloc[0]
    # in JSON the row is the service's position (2nd) and the column a path to the field
    assert (r["file"], r["row"]) == (str(pkg / "services.json"), 2)
    assert r["column"] == "service_at_locations[0].location.latitude"
    assert "missing" in r["problem"]
    assert a.attrs["source_info"]["name"] == "Open Referral HSDS 3.x JSON directory 'api'"


def test_json_lone_surrogate_escape_is_read_as_a_replacement_character(tmp_path):
    """JSON may escape half a surrogate pair ("\\ud800"); no UTF-8 table can hold it."""
    pkg = tmp_path / "api"
    pkg.mkdir()
    services = _json_services()
    services[0]["name"] = "Hub \ud800 Pantry"
    (pkg / "services.json").write_text(json.dumps({"contents": services}))  # ascii escapes
    assert "\\ud800" in (pkg / "services.json").read_text()
    a = read_hsds(pkg)
    assert a["name"].tolist() == ["Hub \ufffd Pantry"]


def test_project_reads_hsds_and_osm_and_cites_them(tmp_path):
    osm_file = Path(__file__).parent / "fixtures" / "osm" / "bronx_amenities.osm"
    yml = tmp_path / "study.yml"
    yml.write_text(
        f"name: HSDS and OSM\n"
        f"units: {{path: {sample_dir() / 'units.geojson'}}}\n"
        f"assets:\n"
        f"  - {{path: {HSDS / 'bronx_v3'}, source: '211'}}\n"
        f"  - {{path: {osm_file}, source: osm}}\n"
    )
    project = am.load_project(yml)
    counts = project.provenance["asset_counts"]
    # 15 HSDS records (14 kept, the warmline set aside); 9 OSM features (Newark set aside)
    assert (counts["records_read"], counts["records_kept"]) == (24, 22)
    assert counts["records_rejected"] == 2
    assert counts["services_after_merge"] == len(project.assets) <= 22
    names = [s["name"] for s in project.provenance["sources"]]
    assert names == ["Open Referral HSDS 3.0 directory '211'", "© OpenStreetMap contributors"]
    assert project.provenance["sources"][1]["licence"] == "ODbL 1.0"
    assert set(project.rejected["source"]) == {"211", "osm"}


# ------------------------------------------------------------------ layouts seen in the wild
# Checked against the Open Referral specification's own examples (examples/csv, simple,
# all_resources and the *_full.json API objects); the fixtures below are hand-written in
# the same shapes.


def test_v3_singular_names_placeholders_and_fallbacks():
    pkg = HSDS / "kelly_v3_singular"
    a = read_hsds(pkg)
    rej = am.rejected_rows(a)
    assert len(a) + len(rej) == 5  # five service_at_location rows
    got = a.set_index("source_id")
    assert got["domain"].to_dict() == {
        "sal-a": "food",  # code written in lower case: bd-1800.2000
        "sal-b": "primary_care",  # Open Eligibility name "Medical Care"
        "sal-d": "food",  # link_entity left as the placeholder "link_entity"
        "sal-e": "behavioral_health",  # a code straight in attribute.taxonomy_term_id
    }
    assert got.loc["sal-e", "taxonomy"] == "RP-1400.8000-050"
    assert got.loc["sal-a", "phone"] == "718-555-0191"  # the fax line listed first is skipped
    assert got.loc["sal-b", "phone"] == "718-555-0192 x12"  # organization's, quotes removed
    assert got.loc["sal-a", "address"] == "940 Kelly St, Bronx, NY 10459"
    # the only address of the parish hall is postal: better than none
    assert got.loc["sal-b", "address"] == "PO Box 17, Bronx, NY 10474"
    assert got.loc["sal-a", "hours"] == "Tue, Thu 09:00-12:00"
    assert got.loc["sal-d", "hours"] == "last Fri 17:00-19:00"
    assert got.loc["sal-b", "hours"] == "Mon, Tue, Wed, Thu, Fri 08:00-20:00"  # the hall's
    assert got.loc["sal-a", "sector"] == "cbo" and got.loc["sal-b", "sector"] == "faith"
    (r,) = rej.itertuples()
    assert (Path(r.file).name, r.row, r.column) == ("service.csv", 4, "status")
    assert r.value == "Temporarily Closed" and "is temporarily closed" in r.problem


def test_v3_taxonomy_csv_of_vocabularies_is_not_read_as_terms(tmp_path):
    pkg = tmp_path / "kelly"
    shutil.copytree(HSDS / "kelly_v3_singular", pkg)
    (pkg / "taxonomy_term.csv").unlink()  # only the 3.x vocabulary list is left
    a = read_hsds(pkg)
    rej = am.rejected_rows(a).set_index("row")
    assert a["source_id"].tolist() == ["sal-e"]  # the code in the link table still works
    assert "'tm-pantry' is not in the taxonomy terms table" in rej.loc[2, "problem"]
    assert Path(rej.loc[2, "file"]).name == "attribute.csv"


def test_postal_address_only_where_no_physical_one(tmp_path):
    # regression: one physical address anywhere in the package used to hide every postal one
    pkg = tmp_path / "kelly"
    shutil.copytree(HSDS / "kelly_v3_singular", pkg)
    edit(pkg, "address.csv", 2, "address_type", "")  # the storefront: type left empty
    got = read_hsds(pkg).set_index("source_id")["address"]
    assert got["sal-a"] == "940 Kelly St, Bronx, NY 10459"
    assert got["sal-b"] == "PO Box 17, Bronx, NY 10474"


V2_SCHEDULES = """id,service_id,location_id,service_at_location_id,weekday,opens_at,closes_at
rs-1,svc-01,,,1,09:00:00,17:00:00
rs-2,svc-01,,,2,09:00:00,17:00:00
rs-3,svc-01,,,3,09:00:00,17:00:00
rs-4,svc-01,,,6,10:00:00,12:00:00
rs-5,svc-02,,,Thursday,11:30,13:30
"""
V2_POSTAL = (
    "id,location_id,attention,address_1,address_2,address_3,address_4,city,region,"
    "state_province,postal_code,country\n"
    "pa-1,loc-05,,PO Box 55,,,,Bronx,,NY,10460,US\n"
)


def test_v2_weekday_numbers_postal_addresses_and_geocoding_hint(tmp_path):
    pkg = copy_pkg(tmp_path, "bronx_v2")
    (pkg / "regular_schedules.csv").write_text(V2_SCHEDULES)
    (pkg / "postal_addresses.csv").write_text(V2_POSTAL)
    df = pd.read_csv(pkg / "physical_addresses.csv", dtype=str, keep_default_na=False)
    df[df["location_id"] != "loc-05"].to_csv(pkg / "physical_addresses.csv", index=False)
    edit(pkg, "locations.csv", 7, "latitude", "")  # loc-06, 800 Hunts Point Ave
    a = read_hsds(pkg)
    got = a.set_index("source_id")
    assert got.loc["sal-01", "hours"] == "Mon, Tue, Wed 09:00-17:00; Sat 10:00-12:00"
    assert got.loc["sal-02", "hours"] == "Thu 11:30-13:30"
    loc05 = pd.read_csv(pkg / "service_at_location.csv").query("location_id == 'loc-05'")
    for sal in loc05["id"]:
        assert got.loc[sal, "address"] == "PO Box 55, Bronx, NY 10460"
    r = only_problem(a)
    assert (Path(r["file"]).name, r["row"], r["column"]) == ("locations.csv", 7, "latitude")
    assert "coordinate is missing" in r["problem"]
    assert "address (800 Hunts Point Ave, Bronx, NY 10474): geocode it" in r["problem"]


def test_package_with_no_taxonomy_links_says_so(tmp_path):
    pkg = copy_pkg(tmp_path, "bronx_v2")
    (pkg / "services_taxonomy.csv").write_text("id,service_id,taxonomy_id,taxonomy_detail\n")
    a = read_hsds(pkg)
    rej = am.rejected_rows(a)
    assert len(a) == 0 and len(rej) == 15
    placed = rej[~rej["problem"].str.contains("Bronx Warmline")]
    assert placed["problem"].str.contains("links no taxonomy term to any service").all()


def _site(i: int, lat: float) -> dict:
    return {
        "id": f"site-{i}",
        "name": f"Site {i}",
        "location_type": "physical",
        "latitude": lat,
        "longitude": -73.905,
        "addresses": [
            {"address_1": f"{i}0 Westchester Ave", "city": "Bronx", "address_type": "physical"}
        ],
        "schedules": [{"byday": "SA", "opens_at": "10:00:00", "closes_at": "13:00:00"}],
    }


def _market_service() -> dict:
    return {
        "id": "svc-market",
        "name": "Fresh Produce Market",
        "status": "active",
        "organization": {
            "id": "org-farm",
            "name": "Bronx Farm Share",
            "legal_status": "Nonprofit",
            "phones": [{"number": "718-555-0170", "type": "voice"}],
        },
        "attributes": [{"taxonomy_term": {"id": "oe-1", "name": "Food Pantry"}}],
    }


def test_json_service_at_location_objects(tmp_path):
    # /service_at_locations answers objects with the service and the location nested; one
    # service listed at two places is one service, not a duplicate
    sals = [
        {"id": "fm-1", "service": _market_service(), "location": _site(1, 40.8161)},
        {"id": "fm-2", "service": _market_service(), "location": _site(2, 40.8172)},
        {
            "id": "fm-3",
            "service": {"id": "svc-x", "name": "Unfiled Program"},
            "location": _site(3, 40.8183),
        },
    ]
    page = tmp_path / "api"
    page.mkdir()
    (page / "service_at_locations.json").write_text(json.dumps({"contents": sals}))
    a = read_hsds(page)
    assert a["source_id"].tolist() == ["fm-1", "fm-2"]
    row = a.iloc[1]
    assert (row["name"], row["domain"], row["org"], row["sector"]) == (
        "Fresh Produce Market",
        "food",
        "Bronx Farm Share",
        "cbo",
    )
    assert (row["phone"], row["address"], row["hours"]) == (
        "718-555-0170",
        "20 Westchester Ave, Bronx",
        "Sat 10:00-13:00",
    )
    assert row.geometry.y == pytest.approx(40.8172)
    (r,) = am.rejected_rows(a).itertuples()
    assert (r.row, r.column) == (3, "service.id") and "no taxonomy term" in r.problem
    # one object on its own, the file given directly
    single = tmp_path / "one_site.json"
    single.write_text(json.dumps(sals[0]))
    one = read_hsds(single)
    assert one["source_id"].tolist() == ["fm-1"] and one["source"].iloc[0] == "one_site"


def test_json_organization_with_its_services(tmp_path):
    svc = _market_service()
    org = svc.pop("organization")
    svc["service_at_locations"] = [
        {"id": "fm-1", "location": _site(1, 40.8161)},
        {"id": "fm-2", "location_id": "site-2"},  # the place is in the organization's list
    ]
    unplaced = {"id": "svc-van", "name": "Delivery Van", "status": "active"}
    org.update({"services": [svc, unplaced], "locations": [_site(2, 40.8172)]})
    path = tmp_path / "organization.json"
    path.write_text(json.dumps(org))
    a = read_hsds(path)
    got = a.set_index("source_id")
    assert list(got.index) == ["fm-1", "fm-2"]
    assert set(got["org"]) == {"Bronx Farm Share"} and set(got["domain"]) == {"food"}
    assert got.loc["fm-2", "address"] == "20 Westchester Ave, Bronx"
    assert got.loc["fm-2", "phone"] == "718-555-0170"  # the organization's phone
    assert got.loc["fm-2", "geometry"].y == pytest.approx(40.8172)
    (r,) = am.rejected_rows(a).itertuples()
    assert (r.file, r.row, r.column) == (str(path), 1, "services[1].id")
    assert "'Delivery Van' has no location" in r.problem
    # an organization list page carries no services: nothing to read, said plainly
    bare = {k: v for k, v in org.items() if k not in ("services", "locations", "phones")}
    listing = tmp_path / "organizations.json"
    listing.write_text(json.dumps({"contents": [bare]}))
    with pytest.raises(InputError, match="no HSDS service found.*organization objects"):
        read_hsds(listing)


def test_json_service_summaries_are_set_aside_with_a_hint(tmp_path):
    summary = {k: v for k, v in _market_service().items() if k != "attributes"}
    path = tmp_path / "services.json"
    path.write_text(json.dumps({"total_pages": 3, "page_number": 1, "contents": [summary]}))
    a = read_hsds(path)
    (r,) = am.rejected_rows(a).itertuples()
    assert (r.row, r.column) == (1, "id")
    assert "service_at_locations list is empty or missing" in r.problem
    assert "/services/{id}" in r.problem


def test_real_taxonomy_codes_reach_their_domains():
    m = DomainMatcher(load_domains())
    cases = {
        # 211 HSIS codes: counseling (RP-1400.8000) is behavioural health, the domestic
        # violence hotlines (RP-1500.1400-200) and shelters (BH-1800.1500-100) are safety
        "RP-1400.8000-655": "behavioral_health",
        "RP-1500.1400-800": "behavioral_health",
        "RP-1500.1400-200": "safety",
        "BH-1800.1500-100": "safety",
        "BD-1875.2000": "food",
        "NL-6000.9500": "food",
        "LE-0100": "primary_care",
        "FP-1500": "legal_aid",
        "HD-1800.3000": "childcare",
        # Open Eligibility names
        "Addiction & Recovery": "behavioral_health",
        "Help Pay for Utilities": "utilities",
        "Emergency Shelter": "housing",
        "Immediate Safety": "safety",
        "Bus Passes": "transportation",
        "Medical Care": "primary_care",
        "Help Find Work": "employment",
        "Help Pay for Childcare": "childcare",
    }
    assert {k: m.match(k) for k in cases} == cases
    assert m.match("Health") is None  # an Open Eligibility top level spanning domains


def test_read_assets_knows_an_hsds_json_file_from_geojson(tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps({"contents": _json_services()}))
    a = am.read_assets(path)  # no kind: the file is recognised as HSDS, not GeoJSON
    assert a["name"].tolist() == ["Hub Pantry"]
    assert a.attrs["source_info"]["name"].startswith("Open Referral HSDS")


# --------------------------------------------------------------------------- as published


def _same_as_bronx_v3(a):
    assert a["source_id"].tolist() == list(EXPECTED)
    got = a.set_index("source_id")
    for sal, (name, domain, _, _) in EXPECTED.items():
        assert (got.loc[sal, "name"], got.loc[sal, "domain"]) == (name, domain)
    rej = am.rejected_rows(a)
    assert len(rej) == 1 and "'Bronx Warmline' has no location" in rej["problem"].iloc[0]


def test_tables_in_a_data_subfolder_named_by_datapackage(tmp_path, region):
    a = read_hsds(HSDS / "bronx_v3_data", region=region)
    _same_as_bronx_v3(a)
    r = am.rejected_rows(a).iloc[0]
    assert (r["file"], r["row"]) == (str(HSDS / "bronx_v3_data" / "data" / "services.csv"), 14)
    assert a.attrs["source_info"]["name"] == "Open Referral HSDS 3.0 directory 'bronx_v3_data'"
    # zipped, with and without a top folder, and found by read_assets on its own
    pkg = copy_pkg(tmp_path / "src", "bronx_v3_data")
    top = shutil.make_archive(str(tmp_path / "top"), "zip", pkg.parent)
    flat = shutil.make_archive(str(tmp_path / "flat"), "zip", pkg)
    for archive in (top, flat):
        z = am.read_assets(archive, region=region)
        _same_as_bronx_v3(z)
        assert am.rejected_rows(z)["file"].iloc[0].endswith("data/services.csv")


@pytest.mark.parametrize(
    "path",
    ["./data/services.csv", "data\\services.csv", "/data/services.csv", "data/./services.csv",
     ["data/services.csv"], "https://example.org/hsds/data/services.csv?download=1"],
)  # fmt: skip
def test_datapackage_paths_as_publishers_write_them(tmp_path, path):
    pkg = copy_pkg(tmp_path, "bronx_v3_data")
    (pkg / "data" / "services.csv").rename(pkg / "data" / "svc_export.csv")
    meta = json.loads((pkg / "datapackage.json").read_text())
    for r in meta["resources"]:
        if r["name"] == "service":  # found through its resource name and path
            r["path"] = json.loads(json.dumps(path).replace("services.csv", "svc_export.csv"))
        if r["name"] == "location":  # a name that says nothing: the path's stem does
            r["name"] = "hsds-export-2"
    (pkg / "datapackage.json").write_text(json.dumps(meta))
    a = read_hsds(pkg)
    assert len(a) == 14
    assert am.rejected_rows(a)["file"].iloc[0] == str(pkg / "data" / "svc_export.csv")


def test_datapackage_naming_a_missing_services_file(tmp_path):
    pkg = copy_pkg(tmp_path, "bronx_v3_data")
    (pkg / "data" / "services.csv").unlink()
    with pytest.raises(InputError, match="lists the services table at 'data/services.csv'") as e:
        read_hsds(pkg)
    assert e.value.file == str(pkg)


def test_broken_references_are_kept_and_reported(tmp_path, region, caplog):
    pkg = copy_pkg(tmp_path)
    edit(pkg, "services.csv", 2, "organization_id", "org-gone")  # svc-01, sal-01
    edit(pkg, "services.csv", 3, "organization_id", "org-gone")  # svc-02, sal-02
    edit(pkg, "phones.csv", 3, "service_id", "svc-99")  # ph-02, svc-02's phone
    edit(pkg, "addresses.csv", 2, "location_id", "loc-99")  # adr-01, loc-01's address
    with caplog.at_level("WARNING"):
        a = read_hsds(pkg, region=region)
    got = a.set_index("source_id")
    assert len(a) == 14  # nothing lost: the two services are kept
    assert got.loc["sal-01", "org"] == "" and got.loc["sal-02", "org"] == ""
    assert got.loc["sal-03", "org"] == "St. Silas Church"
    assert got.loc["sal-02", "phone"] == ""  # ph-02 names svc-99, its organization is gone
    assert got.loc["sal-01", "address"] == "PO Box 100, Bronx, NY 10454"  # the postal one
    warn = pd.DataFrame(a.attrs["warnings"])
    assert warn[["file", "row", "column", "value"]].values.tolist() == [
        [str(pkg / "services.csv"), 2, "organization_id", "org-gone"],
        [str(pkg / "services.csv"), 3, "organization_id", "org-gone"],
        [str(pkg / "phones.csv"), 3, "service_id", "svc-99"],
        [str(pkg / "addresses.csv"), 2, "location_id", "loc-99"],
    ]
    assert warn["problem"].iloc[0] == (
        "organization_id 'org-gone' matches no organization (no organization has it); "
        "the service is kept with no organization"
    )
    assert "the phone is not used" in warn["problem"].iloc[2]
    assert len(am.rejected_rows(a)) == 1  # the warnings are not rows set aside
    text = caplog.text
    assert "2 row(s) of " in text and "organization_id that matches nothing (org-gone)" in text
    # a service_at_location naming a missing location is set aside, counted with its id
    edit(pkg, "service_at_locations.csv", 6, "location_id", "loc-99")
    caplog.clear()
    with caplog.at_level("WARNING"):
        b = read_hsds(pkg, region=region)
    assert len(b) == 13 and len(am.rejected_rows(b)) == 2
    assert "1 service_at_location row(s) name a location_id that matches nothing (loc-99)" in (
        caplog.text
    )


def test_json_service_with_an_unknown_organization_id(tmp_path):
    services = _json_services()
    del services[0]["organization"]
    services[0]["organization_id"] = "o-missing"
    pkg = tmp_path / "api"
    pkg.mkdir()
    (pkg / "services.json").write_text(json.dumps(services))
    a = read_hsds(pkg)
    assert a["org"].tolist() == [""]
    (w,) = a.attrs["warnings"]
    assert (w["row"], w["column"], w["value"]) == (1, "organization_id", "o-missing")


def test_services_naming_their_location_and_a_second_package_in_a_subfolder(tmp_path, caplog):
    """As openreferral/sample-HSDS-datapackage's simple/ publishes it (HSDS 1.1 draft).

    Services carry ``location_id`` themselves and no service_at_location row links them;
    a second package (``ohana/``) sits in a subfolder with its own addresses.csv, which is
    not this package's table. Worked by hand: s1 at l1 (food, kept), s2 at l2 (no
    coordinates: set aside naming locations.csv row 3), s3 names no location (set aside).
    """
    pkg = tmp_path / "simple"
    (pkg / "ohana").mkdir(parents=True)
    (pkg / "services.csv").write_text(
        "id,organization_id,location_id,name,status\n"
        "s1,o1,l1,Pantry,active\ns2,o1,l2,Meals,active\ns3,o1,,Helpline,active\n"
    )
    (pkg / "organizations.csv").write_text("id,name\no1,Hub Org\n")
    (pkg / "locations.csv").write_text(
        "id,organization_id,name,latitude,longitude\nl1,o1,Hub,40.817,-73.91\nl2,o1,Hall,,\n"
    )
    (pkg / "ohana" / "addresses.csv").write_text(
        "id,location_id,address_1,city\n1,1,Sanctuary,Example City\n"
    )
    with caplog.at_level(logging.WARNING):
        a = read_hsds(pkg, domain="food")
    assert a["name"].tolist() == ["Pantry"] and a["source_id"].tolist() == ["s1@l1"]
    assert (a.iloc[0]["org"], a.iloc[0]["domain"]) == ("Hub Org", "food")
    r = am.rejected_rows(a).sort_values("row")
    assert r[["file", "row"]].values.tolist() == [
        [str(pkg / "locations.csv"), 3],
        [str(pkg / "services.csv"), 4],
    ]
    assert "ohana" not in caplog.text  # the other package's tables are not read
    with pytest.raises(InputError, match="domain 'fod' is not defined"):
        read_hsds(pkg, domain="fod")
    without = am.rejected_rows(read_hsds(pkg))
    assert "domain: food in the project's assets entry" in without["problem"].iloc[0]
