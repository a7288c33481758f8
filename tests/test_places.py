"""Cities and towns ("Reading, PA") found through the Census API, and the county to fetch."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urlparse

import geopandas as gpd
import pandas as pd
import pytest
import requests
import responses
import yaml
from click.testing import CliRunner

import assetmap as am
from assetmap.cli.main import cli
from assetmap.errors import ConfigError, FetchError, OfflineError
from assetmap.online.cache import Cache, MissingFromCache
from assetmap.online.counties import CountyNotFound
from assetmap.online.fetch import resolve
from assetmap.online.places import PlaceNotFound, clip_to_place, find_place
from assetmap.online.tiger import fetch_place, place_key, place_url
from tests._census_mocks import CENSUS, KEY, PLACE_ZIP, census_callback, register_all

URL = "https://api.census.gov/data/2023/acs/acs5"


def _ok(rsps):
    rsps.add_callback(responses.GET, CENSUS, callback=census_callback)


def _query(call):
    return {k: v[0] for k, v in parse_qs(urlparse(call.request.url).query).items()}


def test_reading_pa_is_found_with_its_county(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        m = find_place("Reading, PA", year=2023)
        first, second = (_query(c) for c in rsps.calls)
        url = rsps.calls[1].request.url
    assert (m.state_fips, m.place_fips, m.geoid) == ("42", "63624", "4263624")
    assert m.name == "Reading city, Pennsylvania"
    assert m.county.fips == "42011" and m.county.label == "Berks County, PA"
    assert [(p.county.fips, p.population) for p in m.parts] == [("42011", 94900)]
    assert m.title == "Reading city, Pennsylvania (Berks County, PA)"
    assert m.describe() == "Reading city lies in Berks County, PA (100% of its residents)"
    assert m.note == ""
    # the two requests, in the API's documented geography syntax
    assert first == {"get": "NAME,B01003_001E", "for": "place:*", "in": "state:42", "key": KEY}
    assert second["for"] == "county (or part):*"
    assert second["in"] == "state:42 place:63624"
    assert "for=county%20(or%20part):*&in=state:42%20place:63624" in url


@pytest.mark.parametrize(
    ("text", "geoid", "county"),
    [
        ("Reading, Pennsylvania", "4263624", "42011"),  # full state name
        ("reading city pa", "4263624", "42011"),  # case, no comma, the Census word kept
        ("READING  TOWN, Pa.", "4263624", "42011"),  # a wrong Census word is dropped
        ("Saint Marys, PA", "4267344", "42047"),  # "St. Marys city"
        ("St. Mary's, Pennsylvania", "4267344", "42047"),
        ("Mt. Penn, PA", "4251496", "42011"),  # "Mount Penn borough"
        ("saint louis mo", "2965000", "29510"),
        ("Kansas City, Missouri", "2938000", "29095"),  # not North Kansas City
        ("Nantucket, Massachusetts", "2543755", "25019"),  # 2023 names with ";"
    ],
)
def test_names_as_people_write_them(cache_dir, text, geoid, county):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        m = find_place(text, year=2023)
    assert (m.geoid, m.county.fips) == (geoid, county)
    assert ";" not in m.name and m.name.endswith(("Pennsylvania", "Missouri", "Massachusetts"))


def test_unknown_place_suggests_the_closest(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        with pytest.raises(PlaceNotFound) as err:
            find_place("Readng, PA")
        assert len(rsps.calls) == 1  # the county parts are not asked for
    msg = str(err.value)
    assert msg.startswith("No place called 'Readng, PA' among the 7 Census places of Pennsylvania")
    assert "Did you mean Reading city" in msg
    assert "\n" not in msg


def test_a_county_given_as_a_place_says_to_use_county(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        with pytest.raises(PlaceNotFound, match=r'use --county "Berks County, PA"'):
            find_place("Berks County, PA")


def test_a_place_needs_its_state():
    with pytest.raises(ConfigError, match="give the place with its state"):
        find_place("Reading")
    with pytest.raises(ConfigError, match="'Narnia' in 'Reading, Narnia' is not a US state"):
        find_place("Reading, Narnia")


def test_a_place_in_two_counties_takes_the_larger_and_names_the_other(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        m = find_place("Bethlehem, PA")
    assert [p.county.fips for p in m.parts] == ["42095", "42077"]  # most residents first
    assert m.county.label == "Northampton County, PA"
    assert m.population == 76000
    assert m.describe() == (
        "Bethlehem city lies in Northampton County, PA (73% of its residents) and "
        "Lehigh County, PA (27%)"
    )
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        kc = find_place("Kansas City, MO")
    assert kc.county.label == "Jackson County, MO"
    assert kc.describe().endswith(
        "Clay County, MO (25%), Platte County, MO (13%) and Cass County, MO (<1%)"
    )


def test_a_city_wins_over_a_cdp_of_the_same_name_and_says_so(cache_dir):
    # hand-written: one state list with a borough and a CDP of the same name
    places = (
        '[["NAME","B01003_001E","state","place"],\n'
        '["Greenville CDP, Pennsylvania","9000","42","31208"],\n'
        '["Greenville borough, Pennsylvania","5500","42","31200"]]'
    )
    parts = (
        '[["NAME","B01003_001E","state","place","county (or part)"],\n'
        '["Mercer County; Greenville borough; Pennsylvania","5500","42","31200","085"]]'
    )
    with responses.RequestsMock() as rsps:
        rsps.get(URL, body=places, content_type="application/json")
        rsps.get(URL, body=parts, content_type="application/json")
        m = find_place("Greenville, PA")
        assert _query(rsps.calls[1])["in"] == "state:42 place:31200"
    assert m.name == "Greenville borough, Pennsylvania" and m.county.fips == "42085"
    assert m.note == (
        "The Census also has Greenville CDP by that name; chose Greenville borough, "
        "the incorporated place."
    )


def test_invalid_key_page_is_the_census_sentence_not_retried(cache_dir, monkeypatch, waits):
    monkeypatch.setenv("CENSUS_API_KEY", "wrong-key-123456")
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        with pytest.raises(ConfigError) as err:
            find_place("Reading, PA")
        assert len(rsps.calls) == 1
    assert "did not accept the API key" in str(err.value)
    assert "key_signup" in str(err.value)
    assert waits == []
    assert Cache(cache_dir).entries() == []  # the HTML page is never cached


def test_missing_key_says_where_to_get_one(cache_dir, monkeypatch):
    monkeypatch.delenv("CENSUS_API_KEY")
    with pytest.raises(ConfigError, match="CENSUS_API_KEY"):
        find_place("Reading, PA")


def test_5xx_is_retried_then_bounded(cache_dir, waits):
    with responses.RequestsMock() as rsps:
        rsps.get(URL, status=503)
        rsps.get(URL, status=502)
        _ok(rsps)
        m = find_place("Reading, PA")
    assert m.county.fips == "42011" and waits == [2.0, 4.0]
    with responses.RequestsMock() as rsps:
        for _ in range(4):
            rsps.get(URL, status=500)
        with pytest.raises(FetchError) as err:
            find_place("Pittsburgh, PA", cache=Cache(cache_dir / "other"))
        assert len(rsps.calls) == 4
    msg = str(err.value)
    assert "HTTP 500 (internal server error) after 4 tries" in msg and "--offline" in msg


def test_truncated_answer_is_retried_and_never_cached(cache_dir, waits):
    with responses.RequestsMock() as rsps:
        rsps.get(URL, body='[["NAME","B01003_001E","state","place"],\n["Reading ci')
        _ok(rsps)
        find_place("Reading, PA")
    assert waits == [2.0]
    entries = Cache(cache_dir).entries()
    assert len(entries) == 2 and all(e["bytes"] > 60 for e in entries)


def test_a_vintage_the_api_lacks(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        with pytest.raises(ConfigError, match="no 2030 ACS acs5 estimates"):
            find_place("Reading, PA", year=2030)
    with pytest.raises(ConfigError, match="start with the 2009 vintage"):
        find_place("Reading, PA", year=2005)


def test_second_lookup_comes_from_the_cache_offline(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        first = find_place("Reading, PA")
    with responses.RequestsMock() as rsps:  # nothing registered: any request would fail
        again = find_place("reading, pennsylvania", offline=True)
        other = find_place("Reading city, PA")
        assert len(rsps.calls) == 0
    assert again.geoid == other.geoid == first.geoid
    assert again.parts == first.parts
    sources = {(e["source"], e["vintage"], e["geography"]) for e in Cache(cache_dir).entries()}
    assert sources == {("census", "2023", "42"), ("census", "2023", "4263624")}


def test_offline_says_what_is_missing(cache_dir):
    with pytest.raises(MissingFromCache) as err:
        find_place("Reading, PA", offline=True)
    msg = str(err.value)
    assert msg.startswith("Offline, and the Census API's list of places of Pennsylvania")
    assert 'run `assetmap fetch --place "Reading, PA" --year 2023` while online' in msg
    assert len(err.value.keys) == 1
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        find_place("Reading, PA")
    # the state's list is cached now, but not Bethlehem's counties
    with pytest.raises(MissingFromCache, match="list of counties of Bethlehem city"):
        find_place("Bethlehem, PA", offline=True)


def test_the_key_is_never_logged_cached_or_shown(cache_dir, caplog):
    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock() as rsps:
        rsps.get(URL, status=500)
        rsps.get(
            URL, body=requests.exceptions.ConnectionError(f"HTTPSConnectionPool: {URL}?key={KEY}")
        )
        _ok(rsps)
        m = find_place("Kansas City, Missouri")
        assert any(KEY in c.request.url for c in rsps.calls)  # it was sent ...
    assert "GET https://api.census.gov" in caplog.text  # ... the requests were logged ...
    assert KEY not in caplog.text and "key=REDACTED" in caplog.text  # ... without it
    assert KEY not in m.describe() + m.title + m.note
    for p in cache_dir.rglob("*"):
        if p.is_file():
            assert KEY.encode() not in p.read_bytes(), p
    urls = [e["url"] for e in Cache(cache_dir).entries()]
    assert len(urls) == 2 and all("key=REDACTED" in u for u in urls)
    with responses.RequestsMock() as rsps:
        for _ in range(4):
            rsps.get(URL, body=requests.exceptions.ConnectionError(f"{URL}?key={KEY}"))
        with pytest.raises(FetchError) as err:
            find_place("Pittsburgh, PA", cache=Cache(cache_dir / "other"))
    assert KEY not in str(err.value) and err.value.__cause__ is None
    assert KEY not in caplog.text


def test_a_county_name_that_is_a_place_is_looked_up_as_one(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        where = resolve("Reading, PA", year=2023)
    assert where.county.fips == "42011" and where.place is not None
    assert where.message == (
        "Reading, PA is a place, not a county: Reading city lies in Berks County, PA (100% of "
        "its residents); fetching all of Berks County, PA."
    )
    with responses.RequestsMock() as rsps:  # a county is found without the network
        assert resolve("Berks County, PA").place is None
        assert resolve(place="Reading, PA").message.startswith("Reading, PA: Reading city")
        assert len(rsps.calls) == 0  # the place came from the cache
    with pytest.raises(ConfigError, match="name the counties or the place, not both"):
        resolve("Berks County, PA", place="Reading, PA")


def test_a_name_that_is_neither_county_nor_place(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        with pytest.raises(CountyNotFound) as err:
            resolve("Readng, PA")
    msg = str(err.value)
    assert msg.startswith("No county called 'Readng, PA'.")
    assert "No place called 'Readng, PA'" in msg and "Did you mean Reading city" in msg
    with pytest.raises(CountyNotFound) as err:  # offline: the county suggestion, and why
        resolve("Nantuckett, MA", offline=True)
    msg = str(err.value)
    assert "Did you mean Nantucket County, MA (25019)?" in msg
    assert "Offline, it could not be looked up as a city or town either" in msg
    with responses.RequestsMock() as rsps:  # no state: not looked up as a place
        with pytest.raises(CountyNotFound):
            resolve("Readngton")
        assert len(rsps.calls) == 0


def _run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_cli_fetch_place_builds_the_county_study(cache_dir, tmp_path):
    study = tmp_path / "study"
    args = ["fetch", "--place", "Nantucket, MA", "--out", str(study), "--no-networks"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register_all(rsps, hrsa=False)
        out = _run(args)
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == (
        "Nantucket, MA: Nantucket CDP lies in Nantucket County, MA (100% of its residents); "
        "fetching all of Nantucket County, MA."
    )
    assert lines[1].startswith("Nantucket County, MA (25019): 5 tracts (1 water only)")
    text = (study / "project.yml").read_text()
    assert "# Asked for the place 'Nantucket, MA': Nantucket CDP lies in" in text
    cfg = yaml.safe_load(text)
    assert cfg["name"] == "Nantucket CDP, Massachusetts (Nantucket County, MA)"
    assert cfg["description"] == (
        "All of Nantucket County, MA (25019), fetched for 'Nantucket, MA': Nantucket CDP lies "
        "in Nantucket County, MA (100% of its residents)."
    )
    lookup = cfg["sources"][-1]
    assert lookup["name"].endswith("place lookup")
    assert "Nantucket CDP, Massachusetts (Census place 2543755)" in lookup["note"]
    assert len(lookup["url"]) == 2 and all("key=REDACTED" in u for u in lookup["url"])
    assert "for=county (or part):*" in lookup["url"][1]
    assert len(cfg["sources"][0]["url"]) == 3  # the ACS source cites only the ACS tables
    assert KEY not in out.output
    for p in [*study.rglob("*"), *cache_dir.rglob("*")]:
        if p.is_file():
            assert KEY.encode() not in p.read_bytes(), p


def test_cli_county_that_is_a_place_then_offline(cache_dir, tmp_path, monkeypatch):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register_all(rsps, hrsa=False)
        out = _run(["fetch", "--county", "Siasconset, MA", "--out", str(tmp_path / "s"),
                    "--no-networks"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert out.output.startswith(
        "Siasconset, MA is a place, not a county: Siasconset CDP lies in Nantucket County, MA "
        "(100% of its residents); fetching all of Nantucket County, MA.\n"
    )
    monkeypatch.delenv("CENSUS_API_KEY")  # offline needs no key
    args = ["fetch", "--place", "Siasconset, MA", "--out", str(tmp_path / "again"),
            "--no-networks", "--offline"]  # fmt: skip
    with responses.RequestsMock() as rsps:
        again = _run(args)
        quiet = _run(["-q", *args])
        assert len(rsps.calls) == 0
    assert again.exit_code == 0, again.output
    assert again.output.startswith("Siasconset, MA: Siasconset CDP lies in Nantucket County")
    assert quiet.exit_code == 0 and quiet.output == ""
    a = (tmp_path / "s" / "project.yml").read_bytes()
    assert a == (tmp_path / "again" / "project.yml").read_bytes()


def test_cli_offline_place_missing_says_what_to_run(cache_dir, tmp_path, no_network):
    out = _run(["fetch", "--place", "Reading, PA", "--out", str(tmp_path / "s"), "--offline"])
    assert out.exit_code == 2
    assert out.output.startswith("error: Offline, and the Census API's list of places of")
    assert out.output.count("\n") == 1 and "Traceback" not in out.output
    assert not (tmp_path / "s").exists()


# --- a study of the place itself: --place-only ------------------------------------------

COMPARED = ("report.html", "report.md", "gaps.csv", "overlaps.csv", "access.csv", "assets.csv",
            "rejected.csv", "dedupe_review.csv", "map.html")  # fmt: skip
CDP_TRACTS = ["25019950100", "25019950201"]  # 59% and all of their area inside Nantucket CDP


@pytest.fixture(scope="module")
def cdp(tmp_path_factory):
    """Nantucket CDP fetched once with --place-only (online, recorded answers, HRSA sites)
    and built once, in a cache of its own; settings restored afterwards."""
    from assetmap import settings
    from assetmap.online import _http

    root = tmp_path_factory.mktemp("cdp")
    cache, study, built = root / "cache", root / "study", root / "built"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "cache_folder", cache)
        mp.setattr(settings, "census_key_file", root / "no-key-file")
        mp.setenv("CENSUS_API_KEY", KEY)
        mp.setenv("ASSETMAP_CACHE", str(cache))
        mp.setattr(_http, "_sleep", lambda s: None)
        mp.setattr("osmnx._http._config_dns", lambda url: None)
        with responses.RequestsMock() as rsps:
            register_all(rsps, place=True)
            args = ["fetch", "--place", "Nantucket, MA", "--place-only", "--hrsa"]
            fetch = _run([*args, "--out", str(study)])
            calls = [c.request.url for c in rsps.calls]
        assert fetch.exit_code == 0, fetch.output
        build = _run(["build", str(study / "project.yml"), "--out", str(built)])
        assert build.exit_code == 0, build.output
        mp.delenv("CENSUS_API_KEY")  # later steps must not need it
        yield {"root": root, "cache": cache, "study": study, "built": built, "args": args,
               "fetch": fetch, "build": build, "calls": calls}  # fmt: skip


def _census_line(project_text):
    """The `units: {census: ...}` line the fetch writes as a comment, as YAML."""
    line = next(x for x in project_text.splitlines() if x.startswith("#   units: {census:"))
    return yaml.safe_load(line.removeprefix("#   "))


def test_place_boundary_file_urls_keys_and_missing_vintage(cache_dir):
    assert place_url("25", year=2023) == PLACE_ZIP
    assert place_url("42", year=2022, kind="tiger") == (
        "https://www2.census.gov/geo/tiger/TIGER2022/PLACE/tl_2022_42_place.zip"
    )
    assert place_key("25", year=2023).describe() == "tiger 2023 25: cb place"
    assert place_key("25", kind="tiger") != place_key("25")
    with pytest.raises(ConfigError, match="read from 2014 on"):
        place_url("25", year=2012)
    url = "https://www2.census.gov/geo/tiger/GENZ2031/shp/cb_2031_25_place_500k.zip"
    with responses.RequestsMock() as rsps:
        rsps.get(url, status=404)
        with pytest.raises(ConfigError, match=r"no 2031 place boundary file at .* earlier --year"):
            fetch_place("2543755", year=2031)
    with pytest.raises(MissingFromCache) as err:
        fetch_place("2543755", offline=True)
    assert str(err.value) == (
        "Offline, and the 2023 place boundaries of state 25 (for place 2543755) are not cached"
    )


def test_a_place_is_found_by_its_census_code(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        m = find_place("2543755")
        assert find_place("Nantucket, MA").geoid == m.geoid  # from the cache
        with pytest.raises(PlaceNotFound, match="No Census place 2599999 among the 3 places"):
            find_place("2599999")
    assert m.name == "Nantucket CDP, Massachusetts" and m.county.fips == "25019"


@pytest.mark.slow
def test_place_only_keeps_the_tracts_mostly_inside(cdp):
    lines = cdp["fetch"].output.splitlines()
    assert lines[0] == (
        "Nantucket, MA: Nantucket CDP lies in Nantucket County, MA (100% of its residents); "
        "studying Nantucket CDP alone, cut out of Nantucket County, MA."
    )
    assert lines[1] == (
        "Nantucket CDP in Nantucket County, MA (25019): 2 tracts, population 6,000 (ACS 2019-2023)."
    )
    assert lines[2].startswith(
        "Kept 2 of the 5 tracts of Nantucket County, MA: those with at least 50% of their "
        "area inside Nantucket CDP (together they hold "
    )
    units = am.read_units(cdp["study"] / "units.gpkg")
    assert list(units.index) == CDP_TRACTS
    assert units["population"].tolist() == [3100, 2900]
    assert units.loc["25019950100", "place_share"] == pytest.approx(0.586, abs=0.002)
    assert units.loc["25019950201", "place_share"] >= 0.999  # all of it, up to generalisation
    assert cdp["calls"].count(PLACE_ZIP) == 1
    # OpenStreetMap was asked for the kept tracts plus the buffer, not the whole county
    osm = Cache(cdp["cache"]).entries(source="osm")
    assert len(osm) == 3
    assert all("region=tracts of place 2543755 (cb 2023, min_share=0.5)" in e["query"] for e in osm)
    features = gpd.read_file(cdp["study"] / "assets_osm.geojson")
    assert "Sconset Day Nursery" not in set(features["name"])  # 5 km east of the tracts


@pytest.mark.slow
def test_place_only_project_records_the_clip(cdp):
    text = (cdp["study"] / "project.yml").read_text()
    lines = text.splitlines()
    assert lines[0] == (
        "# Nantucket CDP (Nantucket County, MA): written by `assetmap fetch --place 2543755 "
        "--place-only --level tract --year 2023`."
    )
    assert _census_line(text) == {
        "units": {
            "census": {
                "county": "25019",
                "level": "tract",
                "year": 2023,
                "place": "2543755",
                "min_share": 0.5,
            }  # fmt: skip
        }
    }
    cfg = yaml.safe_load(text)
    assert cfg["name"] == "Nantucket CDP, Massachusetts"
    assert cfg["description"].startswith(
        "Nantucket CDP alone, cut out of Nantucket County, MA (25019) for 'Nantucket, MA': "
        "Nantucket CDP lies in Nantucket County, MA (100% of its residents). Kept 2 of the 5 "
        "tracts"
    )
    shapes = next(s for s in cfg["sources"] if s["name"].endswith("cartographic boundary files"))
    assert PLACE_ZIP in shapes["url"] and len(shapes["sha256"]) == 3
    assert "the outline of Nantucket CDP (Census place 2543755)" in shapes["note"]


@pytest.mark.slow
def test_place_only_build_keeps_nearby_services_and_counts_every_row(cdp):
    out = cdp["build"].output
    read, kept, aside = (int(x) for x in re.search(
        r"Assets: (\d+) rows read = (\d+) kept \+ (\d+) set aside", out).groups())  # fmt: skip
    assert read == kept + aside and (read, aside) == (5, 0)
    assets = pd.read_csv(cdp["built"] / "assets.csv")
    outside = dict(zip(assets["name"], assets["outside_region"], strict=True))
    assert outside["Harbor Family Clinic"]  # in tract 9502.02, 80 m east: kept, marked
    assert not outside["Island Community Health Center"]  # HRSA, inside
    assert not outside["Island Food Pantry"]


@pytest.mark.slow
def test_place_only_rebuilds_offline_byte_identically(cdp, tmp_path, no_network, monkeypatch):
    from assetmap import settings

    monkeypatch.setattr(settings, "cache_folder", cdp["cache"])
    monkeypatch.setenv("ASSETMAP_CACHE", str(cdp["cache"]))
    study = cdp["study"]
    # a second build, and a build reading the units from the cache by the recorded line
    assert _run(["build", str(study / "project.yml"), "--out", str(tmp_path / "b")]).exit_code == 0
    cfg = yaml.safe_load((study / "project.yml").read_text())
    cfg["units"] = _census_line((study / "project.yml").read_text())["units"]
    for a in [*cfg["assets"], cfg["population_points"]]:
        a["path"] = str(study / a["path"])
    p = tmp_path / "cached.yml"
    p.write_text(yaml.safe_dump(cfg, sort_keys=False))
    assert _run(["build", str(p), "--out", str(tmp_path / "c")]).exit_code == 0
    for name in COMPARED:
        a = (cdp["built"] / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes(), name
    for name in ("report.md", "gaps.csv", "access.csv", "assets.csv"):
        assert (tmp_path / "c" / name).read_bytes() == (cdp["built"] / name).read_bytes(), name
    units = am.load_project(p).provenance["inputs"]
    assert PLACE_ZIP in {i["url"] for i in units if i["role"] == "units"}
    # and the fetch itself, offline, writes the same folder
    again = tmp_path / "again"
    out = _run([*cdp["args"], "--out", str(again), "--offline"])
    assert out.exit_code == 0, out.output
    for name in ("project.yml", "assets_osm.geojson", "assets_hrsa.csv", "walk.graphml"):
        assert (again / name).read_bytes() == (study / name).read_bytes(), name
    assert gpd.read_file(again / "units.gpkg").equals(gpd.read_file(study / "units.gpkg"))


def test_the_half_rule_on_tracts_about_half_inside():
    from tests._census_mocks import FIX

    tracts = gpd.read_file(FIX / "cb_2023_25_tract_500k.geojson").set_index("GEOID")
    tracts = tracts[tracts["COUNTYFP"] == "019"]  # Nantucket's (Dukes' follow in the file)
    tracts.index.name = "unit_id"
    tracts["name"] = "Census Tract " + tracts["NAME"]
    places = gpd.read_file(FIX / "cb_2023_25_place_500k.geojson").set_index("GEOID")
    cdp = places.loc[["2543755"]].rename(columns={"NAMELSAD": "name"})
    kept, clip = clip_to_place(tracts, cdp)  # 9501: 59% inside, 9502.02: 46% inside
    assert list(kept.index) == CDP_TRACTS and not clip.forced
    assert clip.total == 5 and clip.largest == "25019950100"
    assert list(clip_to_place(tracts, cdp, min_share=0.45)[0].index) == [
        "25019950100", "25019950201", "25019950202"]  # fmt: skip
    assert list(clip_to_place(tracts, cdp, min_share=0.6)[0].index) == [
        "25019950100", "25019950201"]  # 9501 is below 60% but holds the largest part  # fmt: skip
    only = clip_to_place(tracts, cdp, min_share=0.6)[1]
    utm = tracts.estimate_utm_crs()
    outline = cdp.to_crs(utm).union_all()
    held = tracts.to_crs(utm).geometry.intersection(outline).area
    share = held[CDP_TRACTS].sum() / held.sum()  # the rest lies in 9502.02
    assert only.coverage == pytest.approx(share, abs=1e-4) and 0.6 < share < 0.9
    assert only.forced and only.summary("tracts", "Nantucket County, MA").endswith(
        "and Census Tract 9501, which holds most of it (59% of the tract lies inside); "
        f"together they hold {share:.0%} of its area in the county."
    )
    with pytest.raises(ConfigError, match=r"in \(0, 1\], not 0"):
        clip_to_place(tracts, cdp, min_share=0)
    far = cdp.set_geometry(cdp.geometry.translate(xoff=2.0))
    with pytest.raises(FetchError, match="does not overlap any of the 5 units"):
        clip_to_place(tracts, far)


def test_a_place_no_tract_is_mostly_in_keeps_the_one_holding_most_of_it(
    cache_dir, tmp_path, caplog
):
    args = ["fetch", "--place", "Siasconset, MA", "--place-only", "--hrsa", "--no-networks",
            "--out", str(tmp_path / "s")]  # fmt: skip
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register_all(rsps, place=True)
        out = _run(args)
    assert out.exit_code == 0, out.output
    assert "Siasconset CDP in Nantucket County, MA (25019): 1 tract, population 2,650" in out.output
    assert (
        "Kept 1 of the 5 tracts of Nantucket County, MA: none has at least 50% of its area "
        "inside Siasconset CDP, so only Census Tract 9503, which holds most of it, is kept "
        "(26% of the tract lies inside; it holds" in out.output
    )
    assert list(am.read_units(tmp_path / "s" / "units.gpkg").index) == ["25019950300"]
    # the county's one HRSA site is 6 km west of the tract: left out at fetch, and said so
    assert not (tmp_path / "s" / "assets_hrsa.csv").exists()
    assert (
        "HRSA's active health center sites in Nantucket County, MA all lie more than 2.5 km "
        "from the study's units" in caplog.text
    )


def test_place_only_offline_without_the_place_file_says_what_to_run(cache_dir, tmp_path):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register_all(rsps, hrsa=False)  # the county, without the place file
        first = _run(["fetch", "--place", "Nantucket, MA", "--no-osm", "--no-networks",
                      "--out", str(tmp_path / "county")])  # fmt: skip
    assert first.exit_code == 0, first.output
    with responses.RequestsMock() as rsps:
        out = _run(["fetch", "--place", "Nantucket, MA", "--place-only", "--no-osm",
                    "--no-networks", "--offline", "--out", str(tmp_path / "s")])  # fmt: skip
        assert len(rsps.calls) == 0
    assert out.exit_code == 2
    first_line, missing = out.output.splitlines()[1], out.output.splitlines()[-1]
    assert first_line.startswith("error: Offline, and 1 download(s) for county 25019 are not")
    assert "run `assetmap fetch --place 2543755 --place-only --level tract --year 2023`" in (
        first_line
    )
    assert missing == "  - tiger 2023 25: cb place"
    assert not (tmp_path / "s").exists()
    p = tmp_path / "p.yml"  # a project reading the clipped units from the cache: the same
    p.write_text('units: {census: {county: "25019", place: "2543755", min_share: 0.5}}\n')
    with pytest.raises(OfflineError, match=r"p\.yml: Offline.*--place 2543755 --place-only"):
        am.load_project(p)
    p.write_text('units: {census: {county: "25019", place: "4263624"}}\n')
    with pytest.raises(ConfigError, match="place 4263624 is not in the state of county 25019"):
        am.load_project(p)


def test_place_only_needs_a_place_and_says_what_is_left_out(cache_dir, tmp_path):
    out = _run(["fetch", "--fips", "25019", "--place-only", "--out", str(tmp_path / "s")])
    assert out.exit_code == 2 and out.output.startswith(
        "error: --place-only cuts a study down to a city or town, and Nantucket County, MA "
        "is a county"
    )
    out = _run(["fetch", "--place", "Nantucket, MA", "--min-share", "0.7"])
    assert out.exit_code == 2 and "--min-share applies to --place-only studies" in out.output
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        where = resolve(place="Bethlehem, PA", place_only=True)
        county = resolve(place="Bethlehem, PA")  # from the cache
    assert where.message == (
        "Bethlehem, PA: Bethlehem city lies in Northampton County, PA (73% of its residents) "
        "and Lehigh County, PA (27%); studying Bethlehem city alone, cut out of the 2 "
        "counties it lies in, all fetched: Northampton County, PA and Lehigh County, PA."
    )
    assert [c.fips for c in where.counties] == ["42095", "42077"]
    assert [c.fips for c in county.counties] == ["42095"]
    assert county.message == (
        "Bethlehem, PA: Bethlehem city lies in Northampton County, PA (73% of its residents) "
        "and Lehigh County, PA (27%); fetching all of Northampton County, PA. Its part in "
        "Lehigh County, PA (27% of its residents) is left out: --place-only would study "
        "Bethlehem city across its 2 counties, or repeat --county to fetch all of them "
        "(--fips 42095 --fips 42077)."
    )


# --- a place across two counties: Two Islands CDP (made up) in Nantucket and Dukes ------


def test_a_place_across_two_counties_with_place_only_covers_both(cache_dir, tmp_path):
    study = tmp_path / "s"
    args = ["fetch", "--place", "Two Islands, MA", "--place-only", "--hrsa", "--no-networks"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        register_all(rsps, place=True)
        out = _run([*args, "--out", str(study)])
        urls = [c.request.url for c in rsps.calls]
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == (
        "Two Islands, MA: Two Islands CDP lies in Nantucket County, MA (62% of its residents) "
        "and Dukes County, MA (38%); studying Two Islands CDP alone, cut out of the 2 counties "
        "it lies in, all fetched: Nantucket County, MA and Dukes County, MA."
    )
    assert lines[1] == (
        "Two Islands CDP in Nantucket County, MA and Dukes County, MA (25019+25007): 2 tracts, "
        "population 5,200 (ACS 2019-2023)."
    )
    assert lines[2] == (
        "Kept 2 of the 8 tracts of Nantucket County, MA and Dukes County, MA: those with at "
        "least 50% of their area inside Two Islands CDP (together they hold 100% of its area "
        "in the 2 counties)."
    )
    units = am.read_units(study / "units.gpkg")
    assert list(units.index) == ["25019950100", "25007200300"]  # one tract in each county
    assert units.loc["25007200300", "place_share"] >= 0.999
    assert urls.count(PLACE_ZIP) == 1
    # HRSA: both counties' sites were read; the Dukes one is 7 km from the kept tracts
    hrsa = (study / "assets_hrsa.csv").read_text()
    assert "Island Community Health Center" in hrsa and "Vineyard" not in hrsa
    osm = Cache(cache_dir).entries(source="osm")
    assert [e["geography"] for e in osm] == ["25007+25019"]
    assert "region=tracts of place 2580500" in osm[0]["query"]
    text = (study / "project.yml").read_text()
    assert text.splitlines()[0] == (
        "# Two Islands CDP (Nantucket County, MA and Dukes County, MA): written by `assetmap "
        "fetch --place 2580500 --place-only --level tract --year 2023`."
    )
    assert _census_line(text)["units"]["census"] == {
        "county": ["25019", "25007"],
        "level": "tract",
        "year": 2023,
        "place": "2580500",
        "min_share": 0.5,
    }
    cfg = yaml.safe_load(text)
    assert cfg["name"] == "Two Islands CDP, Massachusetts"
    assert "left out" not in text
    # the same units from the cache, by the recorded line
    p = tmp_path / "p.yml"
    p.write_text(yaml.safe_dump({"units": _census_line(text)["units"]}))
    project = am.load_project(p)
    assert list(project.units.index) == list(units.index)
    assert project.units["population"].tolist() == units["population"].tolist()


def test_a_place_across_two_counties_without_place_only_fetches_its_main_county(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        where = resolve(place="Two Islands, MA")
    assert [c.fips for c in where.counties] == ["25019"]
    assert where.message.endswith(
        "fetching all of Nantucket County, MA. Its part in Dukes County, MA (38% of its "
        "residents) is left out: --place-only would study Two Islands CDP across its 2 "
        "counties, or repeat --county to fetch all of them (--fips 25019 --fips 25007)."
    )
