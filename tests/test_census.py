"""ACS from the Census Data API: format, key handling, faults, never the key in the open."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import requests
import responses

from assetmap.errors import ConfigError, FetchError
from assetmap.online import census
from assetmap.online.cache import Cache, MissingFromCache
from assetmap.online.census import acs_requests, fetch_acs, read_acs_json
from tests._census_mocks import (
    CENSUS,
    KEY,
    census_callback,
)

URL = "https://api.census.gov/data/2023/acs/acs5"
PROFILE = "https://api.census.gov/data/2023/acs/acs5/profile"


def _ok(rsps):
    rsps.add_callback(responses.GET, CENSUS, callback=census_callback)


def test_reads_the_api_table_format_and_special_values():
    text = (
        '[["NAME","B01001_001E","B01001_001M","DP03_0005E","DP03_0005M","state","county",'
        '"tract"],\n["Census Tract 9501; Nantucket County; Massachusetts","3100","184",'
        '"-666666666","-222222222","25","019","950100"],\n'
        '["Census Tract 9900","0","-555555555",null,null,"25","019","990000"]]'
    )
    df = read_acs_json(text)
    assert df.index.tolist() == ["25019950100", "25019990000"]
    assert df.loc["25019950100", "B01001_001E"] == 3100.0
    # -666666666 (no estimate) and -222222222 (no margin) become missing
    assert np.isnan(df.loc["25019950100", "DP03_0005E"])
    assert np.isnan(df.loc["25019950100", "DP03_0005M"])
    # -555555555 on a margin: the estimate is controlled, its margin is 0
    assert df.loc["25019990000", "B01001_001M"] == 0.0
    assert np.isnan(df.loc["25019990000", "DP03_0005E"])  # JSON null


@pytest.mark.parametrize("bad", ["[", "{}", "[[1,2],[3]]", '[["NAME","x"],["a","1"]]'])
def test_a_foreign_or_cut_answer_is_not_a_table(bad):
    with pytest.raises(ValueError):
        read_acs_json(bad)


def test_requests_split_by_dataset_and_chunked_under_the_api_limit():
    reqs = acs_requests("25019", year=2023)
    by = {r.dataset: r for r in reqs}
    assert set(by) == {"acs/acs5", "acs/acs5/profile"}
    detailed = by["acs/acs5"].params["get"].split(",")
    assert detailed[:3] == ["NAME", "B01001_001E", "B01001_001M"]
    assert all(f[:2] == "DP" for f in by["acs/acs5/profile"].fields)
    many = [f"B01001_{i:03d}" for i in range(1, 61)]  # 120 fields -> 3 requests of <= 48
    chunks = acs_requests("25019", variables=many)
    assert [len(r.fields) for r in chunks] == [48, 48, 24]
    assert all(len(r.params["get"].split(",")) <= 50 for r in chunks)
    bg = acs_requests("25019", level="block-group", variables=["B01001_001"])
    assert bg[0].params == {
        "get": "NAME,B01001_001E,B01001_001M",
        "for": "block group:*",
        "in": "state:25 county:019 tract:*",
    }


def test_fetches_every_indicator_variable_with_margins(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        df = fetch_acs("25019", year=2023)
        # the two tables, then (asked by the census package for each column's type) one
        # /variables/<column>.json per column of each: NAME, the E and M codes, and the
        # geography columns state, county, tract
        data = [c for c in rsps.calls if "/variables/" not in c.request.url]
        assert len(data) == 2
        n = len(census.acs_variables())
        assert len(rsps.calls) == 2 + 2 * n + 2 * 4
    want = [f"{v}{s}" for v in census.acs_variables() for s in ("E", "M")]
    assert set(want) <= set(df.columns)
    assert df.loc["25019950201", "B01001_001E"] == 2900.0
    assert df.loc["25019950201", "DP03_0005E"] == 108.0  # from the profile endpoint
    assert np.isnan(df.loc["25019990000", "DP03_0005E"])  # sentinel in the water tract
    # A second call is answered by the cache: no request at all.
    with responses.RequestsMock() as rsps:
        again = fetch_acs("25019", year=2023)
        assert len(rsps.calls) == 0
    assert again.equals(df)


def test_offline_lists_what_is_missing(cache_dir):
    with pytest.raises(MissingFromCache) as err:
        fetch_acs("25019", year=2023, offline=True)
    assert len(err.value.keys) == 2
    assert "acs5 tract B01001_001E" in str(err.value)
    assert "acs5-profile tract DP03_0005E" in str(err.value)


def test_missing_key_says_where_to_get_and_put_one(cache_dir, monkeypatch, tmp_path):
    monkeypatch.delenv("CENSUS_API_KEY")
    with pytest.raises(ConfigError) as err:
        fetch_acs("25019")
    msg = str(err.value)
    assert "CENSUS_API_KEY" in msg
    assert "key_signup" in msg
    assert str(tmp_path / "no-key-file") in msg


def test_key_read_from_the_key_file(cache_dir, monkeypatch, tmp_path):
    monkeypatch.delenv("CENSUS_API_KEY")
    (tmp_path / "no-key-file").write_text(KEY + "\n", encoding="utf-8")
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        df = fetch_acs("25019")
    assert len(df) == 5


def test_invalid_key_html_with_status_200_is_one_clear_sentence_not_retried(
    cache_dir, monkeypatch, waits
):
    monkeypatch.setenv("CENSUS_API_KEY", "wrong-key-123456")
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        with pytest.raises(ConfigError) as err:
            fetch_acs("25019")
        assert len(rsps.calls) == 1  # a bad key is not retried
    assert "did not accept the API key" in str(err.value)
    assert waits == []
    assert Cache(cache_dir).entries() == []  # the HTML page is never cached


def test_missing_key_redirect_page_is_recognised(cache_dir):
    with responses.RequestsMock() as rsps:
        rsps.get(
            URL, status=302, headers={"Location": "https://api.census.gov/data/missing_key.html"}
        )
        rsps.get(
            "https://api.census.gov/data/missing_key.html",
            body="<html><title>Missing Key</title><h1>Missing Key</h1><p>A valid key must be "
            "included with each data API request.</p></html>",
            content_type="text/html",
        )
        with pytest.raises(ConfigError, match="did not accept the API key"):
            fetch_acs("25019", variables=["B01001_001"])


def test_429_then_success_waits_with_backoff_and_honours_retry_after(cache_dir, waits):
    with responses.RequestsMock() as rsps:
        rsps.get(URL, status=429, headers={"Retry-After": "7"})
        rsps.get(URL, status=503)
        rsps.add_callback(responses.GET, CENSUS, callback=census_callback)
        df = fetch_acs("25019", variables=["B01001_001"])
    assert df["B01001_001E"].sum() == 11350.0
    # first wait: the server's Retry-After (7 s) over our 2 s; second: backoff doubles to 4 s
    assert waits == [7.0, 4.0]


def test_5xx_bounded_then_one_sentence(cache_dir, waits):
    with responses.RequestsMock() as rsps:
        for _ in range(4):
            rsps.get(URL, status=503)
        with pytest.raises(FetchError) as err:
            fetch_acs("25019", variables=["B01001_001"])
        assert len(rsps.calls) == 4  # settings.retries
    assert waits == [2.0, 4.0, 8.0]
    msg = str(err.value)
    assert msg.count(".") <= 3 and "\n" not in msg
    assert "HTTP 503 (service unavailable) after 4 tries" in msg
    assert "try again later" in msg and "--offline" in msg


def test_timeouts_are_retried_then_explained(cache_dir, waits):
    with responses.RequestsMock() as rsps:
        rsps.get(URL, body=requests.exceptions.ReadTimeout("read timed out"))
        rsps.get(URL, body=requests.exceptions.ConnectTimeout("connect timed out"))
        rsps.add_callback(responses.GET, CENSUS, callback=census_callback)
        df = fetch_acs("25019", variables=["B01001_001"])
    assert len(df) == 5 and waits == [2.0, 4.0]
    with responses.RequestsMock() as rsps:
        for _ in range(4):
            rsps.get(PROFILE, body=requests.exceptions.ReadTimeout("read timed out"))
        with pytest.raises(FetchError, match="no answer within 60 s after 4 tries"):
            fetch_acs("25019", variables=["DP03_0005"])


def test_truncated_json_is_retried_and_never_cached(cache_dir, waits):
    good = census_callback  # serves the whole table
    with responses.RequestsMock() as rsps:
        rsps.get(URL, body='[["NAME","B01001_001E","B01001_001M","state","county","tract"],\n["Cen')
        rsps.add_callback(responses.GET, CENSUS, callback=good)
        df = fetch_acs("25019", variables=["B01001_001"])
    assert len(df) == 5 and waits == [2.0]
    [entry] = [e for e in Cache(cache_dir).entries() if "variable" not in e["query"]]
    assert entry["bytes"] > 100  # the whole answer, not the cut one


def test_a_vintage_the_api_lacks(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        with pytest.raises(ConfigError) as err:
            fetch_acs("25019", year=2030, variables=["B01001_001"])
    msg = str(err.value)
    assert "no 2030 ACS acs5 estimates" in msg and "Choose an earlier --year" in msg
    with pytest.raises(ConfigError, match="start with the 2009 vintage"):
        fetch_acs("25019", year=2005)


def test_an_unknown_variable_names_it_and_where_to_look(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        with pytest.raises(ConfigError) as err:
            fetch_acs("25019", variables=["B99999_001"])
    msg = str(err.value)
    assert "no variable B99999_001E" in msg
    assert "https://api.census.gov/data/2023/acs/acs5/variables.html" in msg


def test_block_groups_refuse_profile_variables_before_asking():
    with pytest.raises(ConfigError) as err:
        acs_requests("25019", level="block-group")
    assert "DP03_0005" in str(err.value) and "--level tract" in str(err.value)


def test_the_key_is_never_logged_cached_or_shown(cache_dir, caplog, monkeypatch, waits):
    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock() as rsps:
        rsps.get(URL, status=500)
        rsps.get(
            URL, body=requests.exceptions.ConnectionError(f"HTTPSConnectionPool: {URL}?key={KEY}")
        )
        rsps.add_callback(responses.GET, CENSUS, callback=census_callback)
        fetch_acs("25019")
        calls = [c.request.url for c in rsps.calls]
    assert any(KEY in u for u in calls)  # it was sent ...
    # ... and appears nowhere else: logs (urllib3 debug lines are filtered too), cache, errors
    logging.getLogger("urllib3.connectionpool").debug(
        '%s://%s:%s "%s %s %s" %s', "https", "api.census.gov", 443, "GET",
        f"/data/2023/acs/acs5?get=NAME&key={KEY}", "HTTP/1.1", 200,
    )  # fmt: skip
    assert KEY not in caplog.text
    assert "key=REDACTED" in caplog.text
    for p in cache_dir.rglob("*"):
        if p.is_file():
            assert KEY.encode() not in p.read_bytes(), p
    urls = [e["url"] for e in Cache(cache_dir).entries()]
    assert urls and all("key=REDACTED" in u for u in urls)
    monkeypatch.setenv("CENSUS_API_KEY", KEY + "x")
    with responses.RequestsMock() as rsps:
        rsps.get(PROFILE, body=requests.exceptions.ConnectionError(f"{PROFILE}?key={KEY}x"))
        rsps.get(PROFILE, body=requests.exceptions.ConnectionError(f"{PROFILE}?key={KEY}x"))
        rsps.get(PROFILE, body=requests.exceptions.ConnectionError(f"{PROFILE}?key={KEY}x"))
        rsps.get(PROFILE, body=requests.exceptions.ConnectionError(f"{PROFILE}?key={KEY}x"))
        with pytest.raises(FetchError) as err:
            fetch_acs("25019", variables=["DP02_0001"], cache=Cache(cache_dir / "other"))
    assert KEY not in str(err.value) and err.value.__cause__ is None
    assert KEY not in caplog.text


# --- through the census package, on our transport ------------------------------------


def test_acs_rows_come_through_the_census_package(cache_dir, monkeypatch):
    import census as census_pkg

    seen = []
    real_get = census_pkg.core.ACS5Client.get

    def spy(self, fields, geo, year=None, **kwargs):
        seen.append((type(self).__name__, list(fields), dict(geo), year))
        return real_get(self, fields, geo, year=year, **kwargs)

    monkeypatch.setattr(census_pkg.core.ACS5Client, "get", spy)
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        df = fetch_acs("25019", year=2023)
        urls = [c.request.url for c in rsps.calls]
    reqs = acs_requests("25019", year=2023)
    assert [s[0] for s in seen] == ["ACS5Client", "ACS5DpClient"]
    assert [s[1] for s in seen] == [["NAME", *r.fields] for r in reqs]
    assert seen[0][2] == {"for": "tract:*", "in": "state:25 county:019"} and seen[0][3] == 2023
    # the package asked each column's type; every request carried the real key, only it
    assert any("/acs/acs5/variables/B01001_001E.json" in u for u in urls)
    assert any("/acs/acs5/profile/variables/DP03_0005E.json" in u for u in urls)
    assert all(f"key={KEY}" in u for u in urls)
    assert df.loc["25019950201", "B01001_001E"] == 2900.0


def test_the_package_rows_make_the_same_table_as_the_raw_answer(cache_dir):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        df = fetch_acs("25019", year=2023)
    c = Cache(cache_dir)
    raw = [read_acs_json(c.get(r.key).read_bytes()) for r in acs_requests("25019", year=2023)]
    want = raw[0].join(raw[1].drop(columns="NAME"), how="outer").sort_index()
    pd.testing.assert_frame_equal(df, want, check_exact=True)
    assert df.index.dtype == object and df.index.name == "GEOID"
    assert df.index.tolist()[0] == "25019950100"  # zero-padded parts, as the API writes them
    assert df.to_csv() == want.to_csv()


def test_second_fetch_runs_with_the_network_disabled_thanks_to_cached_types(cache_dir, monkeypatch):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        first = fetch_acs("25019", year=2023)
    types = [e for e in Cache(cache_dir).entries() if " variable " in e["query"]]
    assert {e["geography"] for e in types} == {"us"}  # one description serves every county
    assert any(e["query"] == "acs5 variable B01001_001E" for e in types)
    assert any(e["query"] == "acs5 variable tract" and e["status"] == 404 for e in types)
    monkeypatch.delenv("CENSUS_API_KEY")  # not needed when nothing is downloaded
    with responses.RequestsMock() as rsps:  # nothing registered: any request would fail
        again = fetch_acs("25019", year=2023)
        offline = fetch_acs("25019", year=2023, offline=True)
        assert len(rsps.calls) == 0
    assert again.equals(first) and offline.equals(first)
    assert again.to_csv() == first.to_csv()


def test_a_cache_without_the_types_still_rebuilds_offline(cache_dir, monkeypatch):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        first = fetch_acs("25019", year=2023)
    c = Cache(cache_dir)
    removed = c.clear(source="census", geography="us")  # as written before types were kept
    assert removed > 0 and len(c.entries()) == 2
    with responses.RequestsMock() as rsps:
        again = fetch_acs("25019", year=2023, offline=True)
        assert len(rsps.calls) == 0
    assert again.to_csv() == first.to_csv()


def test_a_key_page_for_a_type_is_the_same_sentence(cache_dir, monkeypatch):
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        fetch_acs("25019", variables=["B01001_001"])
    Cache(cache_dir).clear(source="census", geography="us")
    monkeypatch.setenv("CENSUS_API_KEY", "wrong-key-123456")
    with responses.RequestsMock() as rsps:
        _ok(rsps)
        with pytest.raises(ConfigError) as err:
            fetch_acs("25019", variables=["B01001_001"])
        assert len(rsps.calls) == 1 and "/variables/" in rsps.calls[0].request.url
    assert "did not accept the API key" in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__


@pytest.mark.parametrize(
    ("raised", "kind", "words"),
    [
        ("UnsupportedYearException", ConfigError, "knows no 2023 ACS acs5 estimates"),
        ("APIKeyError", ConfigError, "did not accept the API key"),
        ("CensusException", FetchError, "The Census API answered an error for ACS acs5"),
        ("KeyError", FetchError, "Could not read the Census API's answer"),
    ],
)
def test_the_packages_own_errors_become_one_sentence(cache_dir, monkeypatch, raised, kind, words):
    import census as census_pkg

    exc_type = getattr(census_pkg.core, raised, None) or KeyError

    def fail(self, *args, **kwargs):
        raise exc_type("from inside the package")

    monkeypatch.setattr(census_pkg.core.ACS5Client, "get", fail)
    with pytest.raises(kind) as err:
        fetch_acs("25019", variables=["B01001_001"])
    assert words in str(err.value) and "\n" not in str(err.value)
    assert err.value.__suppress_context__  # no traceback from inside the package


# --- 2020 Census block populations (P1_001N of 2020/dec/pl) -------------------------------

DEC_URL = "https://api.census.gov/data/2020/dec/pl"


def _dec(rsps, **kw):
    from tests._census_mocks import DECENNIAL, decennial_callback

    rsps.add_callback(responses.GET, DECENNIAL, callback=lambda r: decennial_callback(r, **kw))


def test_reads_block_populations_by_fifteen_digit_geoid():
    from assetmap.online._decennial import read_decennial_json

    text = (
        '[["P1_001N","state","county","tract","block"],["640","25","007","200100","1000"],'
        '["0","25","007","200100","1001"],["1710",25,7,200100,1002]]'
    )
    pop = read_decennial_json(text)
    assert pop.to_dict() == {"250072001001000": 640, "250072001001001": 0, "250072001001002": 1710}
    groups = read_decennial_json(
        '[["P1_001N","state","county","tract","block group"],["955","25","007","200300","1"]]'
    )
    assert groups.to_dict() == {"250072003001": 955}
    for bad in (
        '[["P1_001N","state","county","tract","block"],["-1","25","007","200100","1000"]]',
        '[["P1_001N","state","county","tract","block"],["x","25","007","200100","1000"]]',
        '[["NAME","state","county","tract","block"],["B","25","007","200100","1000"]]',
    ):
        with pytest.raises(ValueError, match="P1_001N"):
            read_decennial_json(bad)


def test_block_populations_cached_then_offline_and_keyless(cache_dir, caplog, monkeypatch):
    from assetmap.online._decennial import decennial_key, fetch_decennial_population

    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock() as rsps:
        _dec(rsps)
        pop = fetch_decennial_population("25007")
        assert len(rsps.calls) == 1
    assert int(pop.sum()) == 7800 and pop["250072001001001"] == 0 and len(pop) == 7
    monkeypatch.delenv("CENSUS_API_KEY")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        again = fetch_decennial_population("25007", offline=True)
        assert len(rsps.calls) == 0
    assert again.equals(pop)
    [entry] = Cache(cache_dir).entries(source="census")
    assert entry["url"].startswith(DEC_URL) and "key=REDACTED" in entry["url"]
    assert Cache(cache_dir).get(decennial_key("25007")) is not None
    assert KEY not in caplog.text and "key=REDACTED" in caplog.text
    for p in cache_dir.rglob("*"):
        if p.is_file():
            assert KEY.encode() not in p.read_bytes(), p
    with pytest.raises(MissingFromCache, match="2020 Census population of county 25019"):
        fetch_decennial_population("25019", offline=True)


def test_block_populations_refused_or_empty_raise_the_http_error(cache_dir, monkeypatch):
    from assetmap.online._decennial import fetch_decennial_population
    from assetmap.online._http import HTTPStatusError

    with responses.RequestsMock() as rsps:
        _dec(rsps, refuse=("block",))
        with pytest.raises(HTTPStatusError) as err:
            fetch_decennial_population("25007")
    assert err.value.status == 400 and KEY not in err.value.url
    with responses.RequestsMock() as rsps:
        _dec(rsps)
        with pytest.raises(HTTPStatusError) as err:
            fetch_decennial_population("25019", level="block-group")  # no such answer: 204
    assert err.value.status == 204
    monkeypatch.setenv("CENSUS_API_KEY", "wrong-key-123456")
    with responses.RequestsMock() as rsps:
        _dec(rsps)
        with pytest.raises(ConfigError, match="did not accept the API key"):
            fetch_decennial_population("25007")  # a wrong key is no fallback: it stops
    assert Cache(cache_dir).entries() == []
