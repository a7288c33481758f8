"""Census boundary files: URLs, the county's units from the state zip, faults."""

from __future__ import annotations

import pytest
import responses

from assetmap.errors import ConfigError, FetchError
from assetmap.online.cache import Cache, MissingFromCache
from assetmap.online.tiger import boundary_url, fetch_boundaries
from tests._census_mocks import (
    BG_ZIP,
    TRACT_ZIP,
    shapefile_zip,
)


def test_urls_of_both_products():
    assert boundary_url("25", level="tract", year=2023) == TRACT_ZIP
    assert boundary_url("25", level="block-group", year=2023) == BG_ZIP
    assert (
        boundary_url("06", level="tract", year=2019, kind="tiger")
        == "https://www2.census.gov/geo/tiger/TIGER2019/TRACT/tl_2019_06_tract.zip"
    )
    with pytest.raises(ConfigError, match="kind='tiger'"):
        boundary_url("25", year=2012)
    with pytest.raises(ConfigError, match="'cb'"):
        boundary_url("25", kind="shapes")


def test_reads_the_county_from_the_state_zip_and_marks_water(cache_dir):
    with responses.RequestsMock() as rsps:
        rsps.get(TRACT_ZIP, body=shapefile_zip("cb_2023_25_tract_500k"))
        units = fetch_boundaries("25019", year=2023)
    assert units.index.tolist() == [
        "25019950100",
        "25019950201",
        "25019950202",
        "25019950300",
        "25019990000",
    ]
    assert units.crs.to_epsg() == 4326
    assert units["water_only"].tolist() == [False, False, False, False, True]
    assert units.loc["25019950201", "name"] == "Census Tract 9502.01"
    assert units.loc["25019950100", "name"] == "Census Tract 9501"
    assert units.loc["25019990000", "ALAND"] == 0
    assert units.geometry.is_valid.all()
    # the island is split into four land tracts that share edges exactly
    land = units[~units["water_only"]]
    assert land.geometry.union_all().geom_type == "Polygon"


def test_block_groups_are_named_with_their_tract(cache_dir):
    with responses.RequestsMock() as rsps:
        rsps.get(BG_ZIP, body=shapefile_zip("cb_2023_25_bg_500k"))
        bg = fetch_boundaries("25019", level="block-group", year=2023)
    assert len(bg) == 9
    assert bg.loc["250199502011", "name"] == "Block Group 1, Census Tract 9502.01"


def test_a_truncated_download_is_retried_and_never_cached(cache_dir, waits):
    whole = shapefile_zip("cb_2023_25_tract_500k")
    with responses.RequestsMock() as rsps:
        # the connection drops: fewer bytes than Content-Length announced
        rsps.get(TRACT_ZIP, body=whole[:1000], headers={"Content-Length": str(len(whole))})
        # a proxy cut the file but fixed the length: the zip does not open
        rsps.get(TRACT_ZIP, body=whole[: len(whole) // 2])
        rsps.get(TRACT_ZIP, body=whole)
        units = fetch_boundaries("25019", year=2023)
    assert len(units) == 5 and waits == [2.0, 4.0]
    [entry] = Cache(cache_dir).entries()
    assert entry["bytes"] == len(whole)


def test_always_truncated_ends_in_one_sentence_and_caches_nothing(cache_dir, waits):
    whole = shapefile_zip("cb_2023_25_tract_500k")
    with responses.RequestsMock() as rsps:
        for _ in range(4):
            rsps.get(TRACT_ZIP, body=whole[:500], headers={"Content-Length": str(len(whole))})
        with pytest.raises(FetchError) as err:
            fetch_boundaries("25019", year=2023)
    # urllib3 notices the short body (IncompleteRead); assetmap retries, then one sentence
    assert "the download was cut short (ChunkedEncodingError) after 4 tries" in str(err.value)
    assert Cache(cache_dir).entries() == []
    assert [p for p in cache_dir.rglob("*") if p.is_file()] == []


def test_a_vintage_without_boundaries(cache_dir):
    url = boundary_url("25", year=2031)
    with responses.RequestsMock() as rsps:
        rsps.get(url, status=404, body="<html>Not Found</html>")
        with pytest.raises(ConfigError, match="no 2031 tract boundary file .* Choose an earlier"):
            fetch_boundaries("25019", year=2031)


def test_offline_names_the_missing_file(cache_dir):
    with pytest.raises(MissingFromCache) as err:
        fetch_boundaries("25019", year=2023, offline=True)
    assert [k.source for k in err.value.keys] == ["tiger"]


def test_own_length_check_catches_a_short_body_urllib3_let_through():
    import io

    import requests

    from assetmap.online import _http

    resp = requests.Response()
    resp.status_code = 200
    resp.headers["Content-Length"] = "10"
    resp.raw = io.BytesIO(b"12345")
    with pytest.raises(_http._Retry, match="stopped after 5 of 10 bytes"):
        _http._read(resp, what="x", progress=False)
    gz = requests.Response()
    gz.status_code = 200
    gz.headers.update({"Content-Length": "10", "Content-Encoding": "gzip"})
    gz.raw = io.BytesIO(b"12345")  # already decoded: lengths differ legitimately
    assert _http._read(gz, what="x", progress=False) == b"12345"


def test_progress_bars_stay_quiet_when_not_a_terminal(cache_dir, capsys):
    with responses.RequestsMock() as rsps:
        rsps.get(TRACT_ZIP, body=shapefile_zip("cb_2023_25_tract_500k"))
        fetch_boundaries("25019", year=2023, progress=True)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


# --- 2020 internal points of blocks and block groups ---------------------------------------


def test_internal_points_of_one_county_without_geometry(cache_dir):
    from assetmap.online.tiger import fetch_internal_points
    from tests._census_mocks import BG2020_ZIP, BLOCK_ZIP

    with responses.RequestsMock() as rsps:
        rsps.get(BLOCK_ZIP, body=shapefile_zip("tl_2020_25_tabblock20"))
        rsps.get(BG2020_ZIP, body=shapefile_zip("tl_2020_25_bg"))
        blocks = fetch_internal_points("25007")
        groups = fetch_internal_points("25007", level="block-group")
    assert blocks.index.tolist()[:2] == ["250072001001000", "250072001001001"]
    assert len(blocks) == 7 and blocks.index.str.startswith("25007").all()  # no Barnstable
    # "+41.3600000" and "-070.5650000" as published
    assert blocks.loc["250072001001000"].tolist() == [-70.565, 41.36]
    assert groups.loc["250072003002"].tolist() == [-70.439, 41.391] and len(groups) == 6
    offline = fetch_internal_points("25019", offline=True)  # the state's file, cached once
    assert len(offline) == 9
    with pytest.raises(MissingFromCache, match="TIGER/Line blocks of state 44"):
        fetch_internal_points("44007", offline=True)


def test_missing_internal_points_file_is_the_http_error_for_the_fallback(cache_dir):
    from assetmap.online._http import HTTPStatusError
    from assetmap.online.tiger import fetch_internal_points
    from tests._census_mocks import BLOCK_ZIP

    with responses.RequestsMock() as rsps:
        rsps.get(BLOCK_ZIP, status=404, body="<html>Not Found</html>")
        with pytest.raises(HTTPStatusError) as err:
            fetch_internal_points("25007")
    assert err.value.status == 404
    assert Cache(cache_dir).entries() == []
