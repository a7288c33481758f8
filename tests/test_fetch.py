"""``assetmap fetch`` end to end on recorded-format answers, offline rebuilds, faults."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import requests
import responses
import yaml
from click.testing import CliRunner

import assetmap as am
from assetmap.cli.main import cli
from assetmap.errors import FetchError, OfflineError
from assetmap.online.cache import Cache
from assetmap.online.fetch import fetch_county
from tests._census_mocks import (
    BG_ZIP,
    FIX,
    KEY,
    OVERPASS,
    OVERPASS_STATUS,
    TRACT_ZIP,
    register_all,
    register_census,
)

COMPARED = (
    "report.html",
    "report.md",
    "gaps.csv",
    "overlaps.csv",
    "access.csv",
    "assets.csv",
    "rejected.csv",
    "dedupe_review.csv",
)


def _run(args, **kw):
    result = CliRunner().invoke(cli, args, catch_exceptions=False, **kw)
    return result


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The Nantucket study fetched once (online, recorded answers, with HRSA sites) and
    built once with -vv, in a cache of its own; settings restored afterwards."""
    from assetmap import settings
    from assetmap.online import _http

    root = tmp_path_factory.mktemp("world")
    cache, study, built = root / "cache", root / "study", root / "built"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "cache_folder", cache)
        mp.setattr(settings, "census_key_file", root / "no-key-file")
        mp.setenv("CENSUS_API_KEY", KEY)
        mp.setenv("ASSETMAP_CACHE", str(cache))
        mp.setattr(_http, "_sleep", lambda s: None)
        mp.setattr("osmnx._http._config_dns", lambda url: None)
        log = io.StringIO()
        handler = logging.StreamHandler(log)
        root_logger = logging.getLogger()
        level = root_logger.level
        root_logger.addHandler(handler)
        root_logger.setLevel(logging.DEBUG)  # every library's debug lines, urllib3's too
        try:
            with responses.RequestsMock() as rsps:
                register_all(rsps)
                fetch = _run(["-v", "fetch", "--fips", "25019", "--out", str(study), "--hrsa"])
            assert fetch.exit_code == 0, fetch.output
            build = _run(["-vv", "build", str(study / "project.yml"), "--out", str(built)])
            assert build.exit_code == 0, build.output
        finally:
            root_logger.removeHandler(handler)
            root_logger.setLevel(level)
        mp.delenv("CENSUS_API_KEY")  # later steps must not need it
        yield {
            "cache": cache,
            "study": study,
            "built": built,
            "fetch": fetch,
            "build": build,
            "log": log.getvalue(),
        }


@pytest.mark.slow
def test_fetch_writes_a_study_that_builds(world):
    study, output, built = world["study"], world["fetch"].output, world["built"]
    assert "Nantucket County, MA (25019): 5 tracts (1 water only), population 11,350" in output
    assert f"Next: assetmap build {study / 'project.yml'}" in output
    names = sorted(p.name for p in study.iterdir())
    assert names == [
        "assets_hrsa.csv",
        "assets_osm.geojson",
        "drive.graphml",
        "population_points.csv",
        "project.yml",
        "units.gpkg",
        "walk.graphml",
    ]
    points = pd.read_csv(study / "population_points.csv", dtype={"unit_id": str})
    # tract 9502.01's blocks: 990 (south) and 1,870 (north) residents in 2020
    assert points.groupby("unit_id")["population"].sum()["25019950201"] == 2860
    assert len(points) == 8 and "25019990000" not in set(points["unit_id"])  # water: nobody
    units = am.read_units(study / "units.gpkg")
    assert units.loc["25019950201", "population"] == 2900
    assert (
        bool(units.loc["25019990000", "water_only"]) and units.loc["25019990000", "population"] == 0
    )
    # population-weighted origin of tract 9502.01: its block groups hold 1,000 (south) and
    # 1,900 (north) residents, so the origin sits north of the tract's middle
    t = units.loc["25019950201"]
    assert t["origin_lat"] > units.geometry["25019950201"].centroid.y
    assert units.geometry["25019950201"].contains(
        gpd.points_from_xy([t["origin_lon"]], [t["origin_lat"]])[0]
    )
    hrsa = (study / "assets_hrsa.csv").read_text().splitlines()
    assert len(hrsa) == 2 and "Island Community Health Center" in hrsa[1]  # active, in county
    cfg = yaml.safe_load((study / "project.yml").read_text())
    assert [a["source"] for a in cfg["assets"]] == ["osm", "hrsa"]
    acs = cfg["sources"][0]
    assert acs["vintage"] == "ACS 2019-2023 5-year estimates"
    assert all("key=REDACTED" in u for u in acs["url"]) and len(acs["sha256"]) == 3
    assert "Assets: 6 rows read = 6 kept + 0 set aside" in world["build"].output
    for name in (*COMPARED, "map.html", "layers.gpkg", "provenance.json"):
        assert (built / name).is_file(), name
    gaps = (built / "gaps.csv").read_text()
    assert "25019950201" in gaps  # the neediest tract is the one listed in gaps
    report = (built / "report.md").read_text()
    assert "OpenStreetMap contributors, retrieved" in report
    assert "ACS 2019-2023 5-year estimates" in report


@pytest.mark.slow
def test_second_build_offline_is_byte_identical(world, tmp_path, no_network):
    project = str(world["study"] / "project.yml")
    assert _run(["build", project, "--out", str(tmp_path / "b")]).exit_code == 0
    csvs = sorted(p.name for p in world["built"].glob("*.csv"))
    assert set(csvs) >= {n for n in COMPARED if n.endswith(".csv")}
    # map.html too: folium's element ids are seeded by the map module, so it is stable
    for name in sorted({*COMPARED, *csvs, "map.html"}):
        a = (world["built"] / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.slow
def test_offline_fetch_rebuilds_the_folder_from_the_cache(world, tmp_path, no_network):
    study = world["study"]
    again = tmp_path / "again"
    out = _run(["fetch", "--fips", "25019", "--out", str(again), "--hrsa", "--offline"])
    assert out.exit_code == 0, out.output
    for name in ("project.yml", "assets_osm.geojson", "assets_hrsa.csv", "walk.graphml",
                 "population_points.csv"):  # fmt: skip
        assert (again / name).read_bytes() == (study / name).read_bytes(), name
    a, b = gpd.read_file(study / "units.gpkg"), gpd.read_file(again / "units.gpkg")
    assert a.equals(b)


@pytest.mark.slow
def test_project_reads_census_units_from_the_cache(world, tmp_path, no_network):
    study = world["study"]
    cfg = yaml.safe_load((study / "project.yml").read_text())
    cfg["units"] = {"census": {"county": "Nantucket County, MA", "level": "tract", "year": 2023}}
    for a in [*cfg["assets"], cfg["population_points"]]:
        a["path"] = str(study / a["path"])
    p = tmp_path / "cached.yml"
    p.write_text(yaml.safe_dump(cfg, sort_keys=False))
    assert _run(["build", str(p), "--out", str(tmp_path / "c")]).exit_code == 0
    for name in ("report.md", "gaps.csv", "access.csv"):
        assert (tmp_path / "c" / name).read_bytes() == (world["built"] / name).read_bytes(), name
    project = am.load_project(p)
    roles = {i["source"] for i in project.provenance["inputs"] if i["role"] == "units"}
    assert roles == {"census", "tiger"}


def test_project_census_units_missing_names_the_fetch(cache_dir, tmp_path):
    p = tmp_path / "p.yml"
    p.write_text('units: {census: {county: "42011", level: tract, year: 2023}}\n')
    with pytest.raises(OfflineError) as err:
        am.load_project(p)
    msg = str(err.value)
    assert msg.startswith(f"{p}: Offline")
    assert "run `assetmap fetch --fips 42011 --level tract --year 2023`" in msg


def test_offline_without_cache_lists_every_missing_entry(cache_dir, tmp_path, no_network):
    out = _run(
        ["fetch", "--county", "Nantucket County, MA", "--out", str(tmp_path / "s"), "--offline"]
    )
    assert out.exit_code == 2
    assert out.output.startswith("error: Offline, and 10 download(s) for county 25019")
    for words in ("acs5 tract", "acs5-profile tract", "cb tract", "cb block-group",
                  "assets buffer=2500", "walk network", "drive network",
                  "census 2020 25019: dec-pl block",
                  "tiger 2020 25: tiger tabblock20"):  # fmt: skip
        assert words in out.output
    assert not (tmp_path / "s").exists()


def test_unknown_county_suggests_the_closest():
    out = _run(["fetch", "--county", "Nantuckett, MA", "--offline"])
    assert out.exit_code == 2
    assert "Did you mean Nantucket County, MA (25019)?" in out.output
    assert "Traceback" not in out.output


def test_overpass_rate_limit_is_bounded_then_one_sentence(cache_dir, tmp_path, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr("osmnx._overpass.time.sleep", slept.append)
    with responses.RequestsMock() as rsps:
        register_census(rsps)
        rsps.get(OVERPASS_STATUS, body=(FIX / "overpass_status.txt").read_text())
        rsps.post(OVERPASS, status=429, body="<html>Too Many Requests</html>")
        with pytest.raises(FetchError) as err:
            fetch_county(fips="25019", out=tmp_path / "s", networks=False)
        posts = [c for c in rsps.calls if c.request.method == "POST"]
    assert len(posts) == 3  # the first try and settings.overpass_retries = 2 more
    assert slept.count(55) == 2  # osmnx's own pause before each retry
    msg = str(err.value)
    assert msg.startswith("OpenStreetMap's Overpass API is rate-limiting us (HTTP 429, 3 times)")
    assert "run the same command again" in msg
    # what was fetched stays cached: the census answers are not asked again
    assert {e["source"] for e in Cache(cache_dir).entries()} == {"census", "tiger"}


def test_overpass_timeout_is_translated(cache_dir, tmp_path):
    with responses.RequestsMock() as rsps:
        register_census(rsps)
        rsps.get(OVERPASS_STATUS, body=(FIX / "overpass_status.txt").read_text())
        rsps.post(OVERPASS, body=requests.exceptions.ReadTimeout("read timed out"))
        out = _run(["fetch", "--fips", "25019", "--out", str(tmp_path / "s"), "--no-networks"])
    assert out.exit_code == 2
    assert out.output.startswith(
        "error: OpenStreetMap's Overpass API did not answer within 180 s while fetching services"
    )
    assert out.output.count("\n") == 1


@pytest.mark.slow
def test_the_key_never_reaches_files_logs_or_output(world):
    assert KEY not in world["fetch"].output and KEY not in world["build"].output
    assert "GET https://api.census.gov" in world["log"]  # the requests were logged ...
    assert "key=REDACTED" in world["log"] and KEY not in world["log"]  # ... without the key
    for folder in (world["study"], world["built"], world["cache"]):
        for p in Path(folder).rglob("*"):
            if p.is_file():
                assert KEY.encode() not in p.read_bytes(), p


@pytest.mark.parametrize(
    ("text", "year", "fips"),
    [
        ("Berks County, PA", 2023, "42011"),
        ("berks pennsylvania", 2023, "42011"),
        ("Nantucket", 2023, "25019"),  # unique in the country: no state needed
        ("Saint Louis city, MO", 2023, "29510"),
        ("Capitol Planning Region, CT", 2023, "09110"),
        ("Hartford County, CT", 2021, "09003"),
        ("42011", 2023, "42011"),
    ],
)
def test_county_names_and_codes(text, year, fips):
    from assetmap.online.counties import find_county

    assert find_county(text, year=year).fips == fips


@pytest.mark.parametrize(
    ("text", "year", "words"),
    [
        ("Baltimore, MD", 2023, "Baltimore County, MD (24005); Baltimore city, MD (24510)"),
        ("Hartford County, CT", 2023, "replaced by planning regions"),
        ("Wade Hampton Census Area, AK", 2020, "last vintage is 2014"),
        ("Berks County, Pennsylvania", None, None),
        ("Berks County, Narnia", 2023, "'Narnia' in 'Berks County, Narnia' is not a US state"),
    ],
)
def test_county_errors_say_what_to_do(text, year, words):
    from assetmap.errors import ConfigError
    from assetmap.online.counties import find_county

    if words is None:
        assert find_county(text, year=year).fips == "42011"
        return
    with pytest.raises(ConfigError) as err:
        find_county(text, year=year)
    assert words in str(err.value)


def test_block_groups_with_profile_indicators_say_what_to_do(cache_dir, tmp_path):
    from assetmap._resources import layers_dir

    tract_file = str(layers_dir() / "indicators.yml")
    args = ["fetch", "--fips", "25019", "--level", "block-group", "--indicators", tract_file]
    out = _run([*args, "--out", str(tmp_path)])
    assert out.exit_code == 2
    assert "not block groups" in out.output and "Use --level tract" in out.output


@pytest.mark.slow
def test_block_groups_use_the_detailed_table_indicators_and_build(cache_dir, tmp_path):
    study = tmp_path / "bg"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register_all(rsps, hrsa=False)
        out = _run(
            ["fetch", "--fips", "25019", "--level", "block-group", "--no-networks",
             "--out", str(study)]
        )  # fmt: skip
        assert out.exit_code == 0, out.output
    cfg = yaml.safe_load((study / "project.yml").read_text())
    assert cfg["indicators"] == "indicators.yml"
    assert "C17002_002" in (study / "indicators.yml").read_text()
    built = tmp_path / "out"
    res = _run(["build", str(study / "project.yml"), "--out", str(built)])
    assert res.exit_code == 0, res.output
    access = pd.read_csv(built / "access.csv", dtype={"unit_id": str})
    assert access["unit_id"].str.len().eq(12).all()  # block-group GEOIDs
    gpkg = gpd.read_file(built / "layers.gpkg", layer="units")
    # the need index ranks the 8 land block groups on the block-group indicators
    ranked = gpkg.dropna(subset=["need_pct"])
    assert len(ranked) == 8
    assert {"poverty_150", "limited_english", "no_vehicle"} <= set(gpkg.columns)


def test_block_groups_with_detailed_table_indicators(cache_dir, tmp_path):
    ind = tmp_path / "bg_indicators.yml"
    ind.write_text(
        "indicators:\n  crowded:\n    label: People per unit (test)\n"
        "    numerator: [B01001_001]\n    denominator: [B01001_001]\n"
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register_all(rsps, hrsa=False)
        result = fetch_county(
            fips="25019",
            level="block-group",
            out=tmp_path / "bg",
            indicators=ind,
            osm=False,
            networks=False,
        )
    assert len(result.units) == 9
    assert result.units.loc["250199502012", "population"] == 1900
    assert "origin_lon" not in result.units  # block groups are their own origins
    cfg = yaml.safe_load(result.project.read_text())
    assert cfg["indicators"] == "indicators.yml"
    assert (tmp_path / "bg" / "indicators.yml").read_bytes() == ind.read_bytes()
    assert "assets" not in cfg  # nothing fetched but the units: the YAML says to add lists
    assert "add your own lists under 'assets:'" in result.project.read_text()


def test_an_hsds_feed_is_cached_and_listed(cache_dir, tmp_path):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("datapackage.json", '{"name": "island-211"}')
    url = "https://hsds.example.org/feeds/island.zip?token=abc123secret"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register_all(rsps, hrsa=False)
        rsps.get(url.split("?")[0], body=buf.getvalue(), content_type="application/zip")
        result = fetch_county(fips="25019", out=tmp_path / "s", networks=False, hsds=url)
    assert (tmp_path / "s" / "hsds.zip").read_bytes() == buf.getvalue()
    cfg = yaml.safe_load(result.project.read_text())
    assert cfg["assets"][-1] == {"path": "hsds.zip", "kind": "hsds", "source": "hsds"}
    [entry] = Cache(cache_dir).entries(source="hsds")
    assert "abc123secret" not in str(entry)  # a token in the feed URL is redacted too


def test_a_paged_hsds_api_is_gathered_into_one_services_file(cache_dir, tmp_path):
    api = "https://hsds.example.org/api"

    def service(i):
        return {
            "id": f"s{i}",
            "name": f"Island Pantry {i}",
            "attributes": [{"taxonomy_term": {"id": "t1", "name": "Food Pantries"}}],
            "service_at_locations": [
                {"id": f"sl{i}", "location": {"id": f"l{i}", "latitude": 41.28, "longitude": -70.1}}
            ],
        }

    def page(n):
        return {"total_pages": 2, "page_number": n, "last_page": n == 2, "contents": [service(n)]}

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register_all(rsps, hrsa=False)
        rsps.get(api + "/", json={"version": "3.0"})
        rsps.get(
            api + "/services",
            json=page(2),
            match=[responses.matchers.query_param_matcher({"full": "true", "page": "2"})],
        )
        rsps.get(
            api + "/services",
            json=page(1),
            match=[responses.matchers.query_param_matcher({"full": "true"})],
        )
        result = fetch_county(fips="25019", out=tmp_path / "s", networks=False, hsds=api + "/")
    services = json.loads((tmp_path / "s" / "hsds" / "services.json").read_text())
    assert [s["name"] for s in services["contents"]] == ["Island Pantry 1", "Island Pantry 2"]
    cfg = yaml.safe_load(result.project.read_text())
    assert cfg["assets"][-1]["kind"] == "hsds"
    # offline, the gathered feed comes from the cache
    again = fetch_county(
        fips="25019", out=tmp_path / "t", networks=False, hsds=api + "/", offline=True
    )
    assert (tmp_path / "t" / "hsds" / "services.json").read_bytes() == (
        tmp_path / "s" / "hsds" / "services.json"
    ).read_bytes()
    assert again.project.exists()


def test_an_empty_street_network_says_what_to_do(cache_dir, tmp_path):
    empty = json.dumps({"version": 0.6, "elements": []})

    def answer(request):
        query = request.body if isinstance(request.body, str) else request.body.decode()
        if "highway" in query:
            return 200, {"Content-Type": "application/json"}, empty
        return (
            200,
            {"Content-Type": "application/json"},
            (FIX / "overpass_features.json").read_text(),
        )

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register_census(rsps)
        rsps.get(OVERPASS_STATUS, body=(FIX / "overpass_status.txt").read_text())
        rsps.add_callback(responses.POST, OVERPASS, callback=answer)
        out = _run(["fetch", "--fips", "25019", "--out", str(tmp_path / "s")])
    assert out.exit_code == 2, out.output
    assert "OpenStreetMap returned nothing for the walk street network" in out.output
    assert "--no-networks" in out.output
    assert out.output.count("\n") == 1


# --- a study of several counties: Nantucket (25019) and Dukes (25007) ---------------------

PAIR = "25019+25007"


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Nantucket and Dukes counties fetched as one study into the default folder (online,
    recorded answers, HRSA sites) and built once, in a cache of their own. Every setting
    is restored before the tests run: those reading the cache point at it themselves."""
    from assetmap import settings
    from assetmap.online import _http

    root = tmp_path_factory.mktemp("pair")
    cache = root / "cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "cache_folder", cache)
        mp.setattr(settings, "census_key_file", root / "no-key-file")
        mp.setenv("CENSUS_API_KEY", KEY)
        mp.setenv("ASSETMAP_CACHE", str(cache))
        mp.setattr(_http, "_sleep", lambda s: None)
        mp.setattr("osmnx._http._config_dns", lambda url: None)
        mp.chdir(root)
        with responses.RequestsMock() as rsps:
            register_all(rsps)
            fetch = _run(["fetch", "--county", "Nantucket County, MA", "--fips", "25007", "--hrsa"])
            calls = [c.request for c in rsps.calls]
        assert fetch.exit_code == 0, fetch.output
        study = root / "studies" / PAIR
        build = _run(["build", str(study / "project.yml"), "--out", str(root / "built")])
        assert build.exit_code == 0, build.output
    return {"cache": cache, "study": study, "built": root / "built", "fetch": fetch,
            "calls": calls}  # fmt: skip


@pytest.fixture
def pair_cache(pair, monkeypatch):
    """The settings pointed at the pair's cache, without a key."""
    from assetmap import settings

    monkeypatch.setattr(settings, "cache_folder", pair["cache"])
    monkeypatch.setenv("ASSETMAP_CACHE", str(pair["cache"]))
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)
    return pair["cache"]


def _census_line(text):
    """The `units: {census: ...}` line a fetch writes as a comment, as YAML."""
    line = next(x for x in text.splitlines() if x.startswith("#   units: {census:"))
    return yaml.safe_load(line.removeprefix("#   "))


def _poly_lons(request):
    """The longitudes of the polygon an Overpass query asks for."""
    import re
    from urllib.parse import parse_qs

    body = request.body if isinstance(request.body, str) else request.body.decode()
    poly = re.search(r"poly:'([^']+)'", parse_qs(body)["data"][0]).group(1).split()
    return [float(x) for x in poly[1::2]]


@pytest.mark.slow
def test_two_counties_make_one_study(pair):
    study, calls = pair["study"], pair["calls"]
    line = pair["fetch"].output.splitlines()[0]
    assert line == (
        "Nantucket County, MA and Dukes County, MA (25019+25007): 8 tracts (1 water only), "
        "population 19,150 (ACS 2019-2023)."
    )
    units = am.read_units(study / "units.gpkg")
    assert units.index.is_unique and len(units) == 8
    assert units.index.str[:5].value_counts().to_dict() == {"25019": 5, "25007": 3}
    assert units.loc["25007200200", "population"] == 3300
    assert units.loc["25019950201", "population"] == 2900  # as in the one-county study
    t = units.loc["25007200100"]  # a population-weighted origin within its own county
    assert units.geometry["25007200100"].contains(
        gpd.points_from_xy([t["origin_lon"]], [t["origin_lat"]])[0]
    )
    # one state: its boundary files are downloaded once; each county's ACS tables
    urls = [r.url for r in calls]
    assert urls.count(TRACT_ZIP) == 1 and urls.count(BG_ZIP) == 1
    assert sum("county%3A007" in u for u in urls) == 4  # 3 ACS tables, 2020 blocks
    assert sum("county%3A019" in u for u in urls) == 4
    assert sum("TIGER2020/TABBLOCK20" in u for u in urls) == 1  # the state's blocks once
    points = pd.read_csv(study / "population_points.csv", dtype={"unit_id": str})
    assert points["unit_id"].str[:5].value_counts().to_dict() == {"25019": 8, "25007": 6}
    # OpenStreetMap: one request for services and one per network, for the union
    posts = [r for r in calls if r.method == "POST"]
    assert len(posts) == 3
    for r in posts:
        lons = _poly_lons(r)
        assert min(lons) < -70.6 and max(lons) > -69.97  # both islands, one polygon
    osm = Cache(pair["cache"]).entries(source="osm")
    assert len(osm) == 3 and {e["geography"] for e in osm} == {"25007+25019"}
    hrsa = (study / "assets_hrsa.csv").read_text()
    assert "Island Community Health Center" in hrsa and "Vineyard Community Health Center" in hrsa
    assert hrsa.count("\n") == 3


@pytest.mark.slow
def test_two_counties_project_names_and_cites_both(pair):
    text = (pair["study"] / "project.yml").read_text()
    assert text.splitlines()[0] == (
        "# Nantucket County, MA and Dukes County, MA: written by `assetmap fetch --fips 25019 "
        "--fips 25007 --level tract --year 2023`."
    )
    assert _census_line(text) == {
        "units": {"census": {"county": ["25019", "25007"], "level": "tract", "year": 2023}}
    }
    cfg = yaml.safe_load(text)
    assert cfg["name"] == "Nantucket County, MA and Dukes County, MA"
    assert cfg["description"].startswith(
        "2 counties studied as one region: Nantucket County, MA (25019) and Dukes County, "
        "MA (25007)."
    )
    acs, shapes = cfg["sources"][0], cfg["sources"][1]
    assert len(acs["url"]) == 6 and sum("county:007" in u for u in acs["url"]) == 3
    assert shapes["url"] == [TRACT_ZIP, BG_ZIP]
    assert shapes["note"] == "census tracts of Nantucket County, MA and Dukes County, MA"
    osm = next(s for s in cfg["sources"] if "OpenStreetMap" in s["name"])
    assert len(osm["sha256"]) == 3


@pytest.mark.slow
def test_two_counties_rank_need_across_the_region(pair):
    gpkg = gpd.read_file(pair["built"] / "layers.gpkg", layer="units").set_index("unit_id")
    ranked = gpkg["need_pct"].dropna()
    assert len(ranked) == 7  # the land tracts of both counties, ranked together
    assert sorted(ranked.round(4)) == [round(i / 6, 4) for i in range(7)]  # CDC: 4 decimals
    assert ranked.idxmax() == "25007200200"  # the neediest tract is in Dukes
    gaps = pd.read_csv(pair["built"] / "gaps.csv", dtype={"unit_id": str})
    assert {u[:5] for u in gaps["unit_id"]} == {"25019", "25007"}


@pytest.mark.slow
def test_two_counties_rebuild_offline_byte_identically(pair, pair_cache, tmp_path, no_network):
    study, built = pair["study"], pair["built"]
    assert _run(["build", str(study / "project.yml"), "--out", str(tmp_path / "b")]).exit_code == 0
    for name in COMPARED:
        assert (built / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    # the units read from the cache by the recorded line: the same outputs
    cfg = yaml.safe_load((study / "project.yml").read_text())
    cfg["units"] = _census_line((study / "project.yml").read_text())["units"]
    for a in [*cfg["assets"], cfg["population_points"]]:
        a["path"] = str(study / a["path"])
    p = tmp_path / "cached.yml"
    p.write_text(yaml.safe_dump(cfg, sort_keys=False))
    assert _run(["build", str(p), "--out", str(tmp_path / "c")]).exit_code == 0
    for name in ("report.md", "gaps.csv", "access.csv", "assets.csv"):
        assert (tmp_path / "c" / name).read_bytes() == (built / name).read_bytes(), name
    inputs = am.load_project(p).provenance["inputs"]
    urls = [i["url"] for i in inputs if i["role"] == "units"]
    assert len(urls) == 8 and sum("county:007" in u for u in urls) == 3  # 6 ACS, 2 zips
    # and the fetch itself, offline, writes the same folder
    again = tmp_path / "again"
    out = _run(["fetch", "--fips", "25019", "--fips", "25007", "--hrsa", "--offline",
                "--out", str(again)])  # fmt: skip
    assert out.exit_code == 0, out.output
    for name in ("project.yml", "assets_osm.geojson", "assets_hrsa.csv", "walk.graphml"):
        assert (again / name).read_bytes() == (study / name).read_bytes(), name
    assert gpd.read_file(again / "units.gpkg").equals(gpd.read_file(study / "units.gpkg"))


@pytest.mark.slow
def test_single_county_cache_keys_are_unchanged(world):
    from assetmap.online.fetch import plan, resolve_county

    c = resolve_county(fips="25019")
    keys = {k.relpath.as_posix(): k for k, _ in plan(c, hsds="https://x.org/f.zip")}
    for path in (
        "census/2023/25019/acs5-tract-b01001_001e-b01001_001m-b0601-02793ae622.json",
        "census/2023/25019/acs5-profile-tract-dp03_0005e-dp03_0005m-c86cc7aec3.json",
        "tiger/2023/25/cb-tract-e6ac546960.zip",
        "census/2023/25019/acs5-block-group-b01001_001e-b01001_001m-53e5ed5ff7.json",
        "tiger/2023/25/cb-block-group-80570ef6cb.zip",
        "osm/current/25019/walk-network-buffer-2500-70f3623511.graphml",
        "osm/current/25019/drive-network-buffer-2500-d2949c732e.graphml",
        "hsds/current/25019/https-x.org-f.zip-28800bb231.bin",
    ):
        assert path in keys, path
        if not path.startswith("hsds"):
            assert (world["cache"] / path).is_file(), path  # the files the fetch wrote
    walk = keys["osm/current/25019/walk-network-buffer-2500-70f3623511.graphml"]
    assert walk.describe() == "osm current 25019: walk network buffer=2500"
    [assets] = [k for k in keys.values() if k.ext == "geojson"]
    assert assets.geography == "25019" and assets.query.startswith("assets buffer=2500 tags=")


@pytest.mark.slow
def test_offline_several_counties_lists_all_missing_and_names_the_county(world, no_network):
    # the cache holds Nantucket only: Dukes' Census answers and the union's OSM are missing
    out = _run(["fetch", "--fips", "25019", "--fips", "25007", "--offline", "--hrsa",
                "--cache-dir", str(world["cache"])])  # fmt: skip
    assert out.exit_code == 2
    first = out.output.splitlines()[0]
    assert first.startswith(
        "error: Offline, and 7 download(s) for counties 25019 and 25007 are not in the cache "
    )
    assert "(among them the Census data or boundaries of Dukes County, MA (25007)); run" in first
    assert "run `assetmap fetch --fips 25019 --fips 25007 --level tract --year 2023`" in first
    missing = [x.removeprefix("  - ") for x in out.output.splitlines()[1:]]
    assert len(missing) == 7
    assert sum(m.startswith("census 2023 25007: ") for m in missing) == 3
    assert sum(m.startswith("census 2020 25007: dec-pl block") for m in missing) == 1
    assert sum(m.startswith("osm current 25007+25019: ") for m in missing) == 3
    assert not any(m.startswith(("census 2023 25019", "tiger")) for m in missing)  # cached


def test_an_unknown_county_among_several_is_named():
    out = _run(["fetch", "--county", "Nantucket County, MA", "--county", "Dukess County, MA",
                "--offline"])  # fmt: skip
    assert out.exit_code == 2 and "Traceback" not in out.output
    assert out.output.startswith(
        "error: Of the 2 counties named, one could not be used: No county called "
        "'Dukess County, MA'. Did you mean Dukes County, MA (25007)?"
    )
    out = _run(["fetch", "--fips", "25019", "--fips", "99999", "--offline"])
    assert out.exit_code == 2 and "'99999' is not a US county FIPS code" in out.output


@pytest.mark.slow
def test_a_county_named_twice_is_fetched_once(world, tmp_path, no_network):
    again = tmp_path / "again"
    out = _run(["fetch", "--county", "Nantucket County, MA", "--fips", "25019", "--hrsa",
                "--offline", "--out", str(again)])  # fmt: skip
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == (
        "Nantucket County, MA (25019) was named more than once; each county is fetched once."
    )
    assert lines[1].startswith("Nantucket County, MA (25019): 5 tracts (1 water only)")
    assert (again / "project.yml").read_bytes() == (world["study"] / "project.yml").read_bytes()


def test_counties_as_lists_in_python_and_names_of_many(tmp_path):
    from assetmap.online import _study
    from assetmap.online.fetch import resolve

    found = resolve(["Berks County, PA", "Lancaster County, PA"], fips="42011")
    assert [c.fips for c in found.counties] == ["42011", "42071"] and found.county.fips == "42011"
    assert "Berks County, PA (42011) was named more than once" in found.message
    assert resolve(fips=["42011"]).counties == resolve(fips="42011").counties
    four = resolve(fips=["42011", "42071", "42043", "42075"]).counties
    name, text = _study._name_and_description(list(four), None, None, "tracts")
    assert name == "Berks County, PA and 3 more counties"
    assert text.startswith(
        "4 counties studied as one region: Berks County, PA (42011), Lancaster County, PA "
        "(42071), Dauphin County, PA (42043) and Lebanon County, PA (42075)."
    )
    three, _ = _study._name_and_description(list(four[:3]), None, None, "tracts")
    assert three == "Berks County, PA, Lancaster County, PA and Dauphin County, PA"
    with pytest.raises(am.errors.ConfigError, match="is a county"):
        resolve(fips=["42011", "42071"], place_only=True)
    # counties of two states: each state's boundary files; OSM keyed by both, sorted
    from assetmap.online.fetch import plan

    keys = [k for k, _ in plan(resolve(fips=["42011", "25019"]).counties)]
    tiger = [k.geography for k in keys if k.source == "tiger"]  # boundaries, then 2020 blocks
    assert tiger == ["42", "42", "25", "25", "42", "25"]
    assert {k.geography for k in keys if k.source == "osm"} == {"25019+42011"}


# --- population points: 2020 Census blocks of Dukes County (25007, three tracts) ---------

# The fixture's blocks (tests/fixtures/census/make_blocks.py): tract 2001 has 640 + 0 +
# 1,710 residents (the empty block is dropped), 2002 has 1,180 + 2,075, 2003 955 + 1,240;
# the Barnstable block in the state's file is not read.
DUKES_POINTS = (
    b"unit_id,population,longitude,latitude\n"
    b"25007200100,640,-70.5650000,41.3600000\n"
    b"25007200100,1710,-70.5500000,41.3900000\n"
    b"25007200200,1180,-70.5000000,41.3600000\n"
    b"25007200200,2075,-70.5000000,41.3900000\n"
    b"25007200300,955,-70.4400000,41.3600000\n"
    b"25007200300,1240,-70.4400000,41.3900000\n"
)
# The fallback: the block groups' 2020 populations at their own internal points.
DUKES_GROUP_POINTS = (
    b"unit_id,population,longitude,latitude\n"
    b"25007200100,640,-70.5640000,41.3590000\n"
    b"25007200100,1710,-70.5510000,41.3890000\n"
    b"25007200200,1180,-70.5010000,41.3590000\n"
    b"25007200200,2075,-70.4990000,41.3910000\n"
    b"25007200300,955,-70.4410000,41.3590000\n"
    b"25007200300,1240,-70.4390000,41.3910000\n"
)
ONLY_UNITS = {"osm": False, "networks": False}


def _points_source(project):
    cfg = yaml.safe_load(project.read_text())
    return cfg, next(s for s in cfg["sources"] if s["name"].startswith("US Census Bureau, 2020"))


def test_block_points_are_written_assigned_and_cited(cache_dir, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock() as rsps:
        register_census(rsps)
        result = fetch_county(fips="25007", out=tmp_path / "s", **ONLY_UNITS)
        asked = [c.request.url for c in rsps.calls if "dec/pl" in c.request.url]
    csv = tmp_path / "s" / "population_points.csv"
    assert csv.read_bytes() == DUKES_POINTS
    assert result.files["population_points"] == csv
    pts = result.points.points
    assert pts.groupby("unit_id")["population"].sum().to_dict() == {
        "25007200100": 2350,
        "25007200200": 3255,
        "25007200300": 2195,
    }
    assert pts.crs == "EPSG:4326" and result.points.levels == {"25007": "block"}
    # every point lies inside its tract
    units = result.units.geometry
    assert all(units[u].contains(g) for u, g in zip(pts["unit_id"], pts.geometry, strict=True))
    assert len(asked) == 1 and "for=block%3A%2A" in asked[0] and "tract%3A%2A" in asked[0]
    cfg, source = _points_source(result.project)
    assert cfg["population_points"] == {"path": "population_points.csv"}
    assert source["note"] == (
        "Residents are placed at the internal points of their 2020 Census blocks: 7,800 "
        "people in 6 blocks (P1_001N)."
    )
    assert source["url"][1].endswith("TIGER2020/TABBLOCK20/tl_2020_25_tabblock20.zip")
    assert source["name"].endswith("and 2020 TIGER/Line blocks")
    assert "key=REDACTED" in source["url"][0]
    acs = cfg["sources"][0]
    assert len(acs["url"]) == 3 and not any("dec/pl" in u for u in acs["url"])  # ACS only
    # the key is in no file of the study or the cache, nor in the log
    assert "dec/pl?get=P1_001N" in caplog.text and KEY not in caplog.text
    for p in [*(tmp_path / "s").rglob("*"), *cache_dir.rglob("*")]:
        if p.is_file():
            assert KEY.encode() not in p.read_bytes(), p


def test_offline_rebuilds_the_points_byte_identically(cache_dir, tmp_path, monkeypatch):
    with responses.RequestsMock() as rsps:
        register_census(rsps)
        fetch_county(fips="25007", out=tmp_path / "a", **ONLY_UNITS)
    monkeypatch.delenv("CENSUS_API_KEY")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        again = fetch_county(fips="25007", out=tmp_path / "b", offline=True, **ONLY_UNITS)
        assert len(rsps.calls) == 0
    for name in ("population_points.csv", "project.yml"):
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "a" / name).read_bytes()
    assert again.points.levels == {"25007": "block"}


def test_block_group_study_assigns_blocks_by_twelve_digits(cache_dir, tmp_path):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register_census(rsps)
        result = fetch_county(fips="25007", out=tmp_path / "bg", level="block-group", **ONLY_UNITS)
    lines = result.files["population_points"].read_text().splitlines()
    assert lines[1:3] == [
        "250072001001,640,-70.5650000,41.3600000",
        "250072001002,1710,-70.5500000,41.3900000",
    ]
    assert len(lines) == 7


def test_refused_blocks_fall_back_to_block_groups_and_say_so(cache_dir, tmp_path, caplog):
    with responses.RequestsMock() as rsps:
        register_census(rsps, refuse=("block",))
        out = _run(["fetch", "--fips", "25007", "--out", str(tmp_path / "s"), "--no-osm",
                    "--no-networks"])  # fmt: skip
    assert out.exit_code == 0, out.output
    said = (
        "The Census Bureau did not give the 2020 Census blocks of Dukes County, MA (25007), "
        "so its residents are placed at its 2020 block groups' internal points instead."
    )
    assert said in out.output
    assert (tmp_path / "s" / "population_points.csv").read_bytes() == DUKES_GROUP_POINTS
    cfg, source = _points_source(tmp_path / "s" / "project.yml")
    assert source["note"] == (
        "Residents are placed at the internal points of their 2020 Census block groups: "
        f"7,800 people in 6 block groups (P1_001N). {said}"
    )
    assert source["url"][1].endswith("TIGER2020/BG/tl_2020_25_bg.zip")
    assert source["name"].endswith("and 2020 TIGER/Line block groups")
    assert "HTTP 400" in caplog.text and KEY not in caplog.text  # the refusal, in the log
    # offline, the fallback is rebuilt from the cache: the same bytes
    again = fetch_county(fips="25007", out=tmp_path / "t", offline=True, **ONLY_UNITS)
    assert again.points.levels == {"25007": "block-group"}
    for name in ("population_points.csv", "project.yml"):
        assert (tmp_path / "t" / name).read_bytes() == (tmp_path / "s" / name).read_bytes()


def test_a_block_group_study_without_blocks_says_its_units_own_points(cache_dir, tmp_path):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register_census(rsps, refuse=("block",))
        result = fetch_county(fips="25007", out=tmp_path / "s", level="block-group", **ONLY_UNITS)
    assert not (tmp_path / "s" / "population_points.csv").exists()
    cfg, source = _points_source(result.project)
    assert "population_points" not in cfg
    assert source["note"] == (
        "Residents are placed at each unit's own point (nothing finer was fetched). The "
        "Census Bureau did not give the 2020 Census blocks of Dukes County, MA (25007), so "
        "its residents are placed at each unit's own point."
    )


def test_no_points_asks_nothing_and_writes_nothing(cache_dir, tmp_path):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register_census(rsps)
        out = _run(["fetch", "--fips", "25007", "--out", str(tmp_path / "s"), "--no-osm",
                    "--no-networks", "--no-points"])  # fmt: skip
        asked = [c.request.url for c in rsps.calls]
    assert out.exit_code == 0, out.output
    assert not any("dec/pl" in u or "TIGER2020" in u for u in asked)
    assert not (tmp_path / "s" / "population_points.csv").exists()
    assert "population_points" not in (tmp_path / "s" / "project.yml").read_text()
    assert "Residents are placed" not in out.output


def test_a_missing_block_file_also_falls_back(cache_dir, tmp_path):
    from tests._census_mocks import (
        BG2020_ZIP,
        BLOCK_ZIP,
        CENSUS,
        DECENNIAL,
        census_callback,
        decennial_callback,
        shapefile_zip,
    )

    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.GET, CENSUS, callback=census_callback)
        rsps.add_callback(responses.GET, DECENNIAL, callback=decennial_callback)
        rsps.get(TRACT_ZIP, body=shapefile_zip("cb_2023_25_tract_500k"))
        rsps.get(BG_ZIP, body=shapefile_zip("cb_2023_25_bg_500k"))
        rsps.get(BLOCK_ZIP, status=404, body="<html>Not Found</html>")
        rsps.get(BG2020_ZIP, body=shapefile_zip("tl_2020_25_bg"))
        result = fetch_county(fips="25007", out=tmp_path / "s", **ONLY_UNITS)
    assert result.points.levels == {"25007": "block-group"}
    assert result.files["population_points"].read_bytes() == DUKES_GROUP_POINTS


def test_units_before_2020_get_no_block_points_and_say_why(cache_dir):
    from assetmap.online import _points
    from assetmap.online.fetch import FetchOptions, plan, resolve_county

    assert not [k for k, _ in plan(resolve_county(fips="25007"), year=2019) if k.vintage == "2020"]
    units = gpd.GeoDataFrame(
        {"population": [1]}, index=pd.Index(["25007200100"], name="unit_id"),
        geometry=gpd.points_from_xy([-70.56], [41.36]), crs="EPSG:4326",
    )  # fmt: skip
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        got = _points.fetch_points(["25007"], units, FetchOptions(year=2019))
        assert len(rsps.calls) == 0
    assert len(got.points) == 0 and got.levels == {"25007": "none"}
    assert got.summary == (
        "Residents are placed at each unit's own point (nothing finer was fetched). The 2020 "
        "Census blocks do not nest in the 2019 units of Dukes County, MA (25007) (2010 "
        "tracts), so its residents are placed at each unit's own point."
    )
