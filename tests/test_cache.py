"""The download cache: keys, atomic writes, manifests, checksums, list and clear."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime

import pytest
from click.testing import CliRunner

from assetmap import settings
from assetmap.cli.main import cli
from assetmap.online.cache import Cache, CacheKey, atomic_path

KEY = CacheKey("census", "2023", "25019", "acs5 tract B01001_001E,B01001_001M", "json")


def test_keys_lay_out_source_vintage_geography_query(tmp_path):
    p = Cache(tmp_path).path_for(KEY)
    rel = p.relative_to(tmp_path).parts
    assert rel[:3] == ("census", "2023", "25019")
    assert rel[3].startswith("acs5-tract-b01001_001e-b01001_001m-") and rel[3].endswith(".json")
    other = CacheKey("census", "2023", "25019", "acs5 tract B01001_002E", "json")
    assert Cache(tmp_path).path_for(other) != p  # another query, another file


def test_put_writes_bytes_and_a_manifest_with_checksum_and_redacted_url(tmp_path):
    c = Cache(tmp_path)
    data = b'[["NAME"]]'
    path = c.put_bytes(
        KEY, data, url="https://api.census.gov/data/2023/acs/acs5?get=NAME&key=SECRET123&for=x"
    )
    assert path.read_bytes() == data
    rec = c.record(KEY)
    assert rec["sha256"] == hashlib.sha256(data).hexdigest()
    assert rec["bytes"] == len(data)
    assert rec["url"] == "https://api.census.gov/data/2023/acs/acs5?get=NAME&key=REDACTED&for=x"
    assert (rec["source"], rec["vintage"], rec["geography"]) == ("census", "2023", "25019")
    assert datetime.fromisoformat(rec["retrieved"]).tzinfo is not None
    assert "SECRET123" not in path.with_name(path.name + ".manifest.json").read_text()
    assert c.get(KEY) == path


def test_a_killed_write_leaves_no_entry(tmp_path):
    c = Cache(tmp_path)
    with pytest.raises(RuntimeError), c.writer(KEY, url="u") as tmp:
        tmp.write_bytes(b"half a downl")
        raise RuntimeError("killed")  # the process dies mid-download
    assert c.get(KEY) is None
    assert not c.path_for(KEY).exists()
    assert list(tmp_path.rglob("*.json")) == []  # no temp file either


def test_data_without_manifest_is_not_read_as_whole(tmp_path):
    c = Cache(tmp_path)
    p = c.path_for(KEY)
    p.parent.mkdir(parents=True)
    p.write_bytes(b"[[")  # e.g. copied by hand, or a crash between data and manifest
    assert c.get(KEY) is None


def test_a_corrupted_entry_is_dropped_with_a_warning(tmp_path, caplog):
    c = Cache(tmp_path)
    path = c.put_bytes(KEY, b"0123456789", url="u")
    path.write_bytes(b"0123456780")  # same size, other bytes
    with caplog.at_level(logging.WARNING):
        assert c.get(KEY) is None
    assert "does not match its checksum" in caplog.text
    assert not path.exists() and c.entries() == []


def test_atomic_path_replaces_whole_or_not_at_all(tmp_path):
    target = tmp_path / "units.gpkg"
    target.write_text("old")
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.write_text("new but broken")
        raise ValueError
    assert target.read_text() == "old"
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["units.gpkg"]


def test_list_filters_and_clear_removes_only_cache_files(tmp_path):
    c = Cache(tmp_path)
    c.put_bytes(KEY, b"a", url="u1")
    c.put_bytes(CacheKey("tiger", "2023", "25", "cb tract", "zip"), b"bb", url="u2")
    c.put_bytes(CacheKey("census", "2022", "25019", "acs5 tract x", "json"), b"ccc", url="u3")
    (tmp_path / "notes.txt").write_text("mine")  # a user's file in the folder
    assert [e["source"] for e in c.entries()] == ["census", "census", "tiger"]
    assert [e["bytes"] for e in c.entries(source="census", vintage="2023")] == [1]
    assert c.clear(source="census", vintage="2022") == 1
    assert len(c.entries()) == 2
    assert c.clear() == 2
    assert c.entries() == []
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # empty folders pruned


def test_default_folder_follows_settings_then_env_then_user_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "cache_folder", None)
    monkeypatch.setenv("ASSETMAP_CACHE", str(tmp_path / "env"))
    assert Cache().root == tmp_path / "env"
    monkeypatch.delenv("ASSETMAP_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert Cache().root == tmp_path / "xdg" / "assetmap"
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "set")
    assert Cache().root == tmp_path / "set"


def test_cli_cache_list_and_clear(tmp_path):
    c = Cache(tmp_path)
    c.put_bytes(KEY, b"x" * 2000, url="https://api.census.gov/data?key=abc")
    runner = CliRunner()
    out = runner.invoke(cli, ["cache", "--cache-dir", str(tmp_path), "list"])
    assert out.exit_code == 0, out.output
    assert "census  2023     25019" in out.output and "1 entries, 0.00 MB." in out.output
    js = runner.invoke(cli, ["cache", "--cache-dir", str(tmp_path), "list", "--json"])
    assert json.loads(js.output)[0]["url"] == "https://api.census.gov/data?key=REDACTED"
    no = runner.invoke(cli, ["cache", "--cache-dir", str(tmp_path), "clear"], input="n\n")
    assert "Nothing removed." in no.output and len(c.entries()) == 1
    yes = runner.invoke(cli, ["cache", "--cache-dir", str(tmp_path), "clear", "--yes"])
    assert "Removed 1 entries" in yes.output and c.entries() == []


def test_clearing_a_county_also_clears_studies_that_include_it(tmp_path):
    c = Cache(tmp_path)
    c.put_bytes(CacheKey("osm", "current", "25007+25019", "services", "geojson"), b"a", url="u")
    c.put_bytes(CacheKey("osm", "current", "25019", "services", "geojson"), b"b", url="u")
    c.put_bytes(CacheKey("osm", "current", "250191", "services", "geojson"), b"c", url="u")
    assert [e["geography"] for e in c.entries(geography="25019")] == ["25007+25019", "25019"]
    assert c.clear(geography="25019") == 2
    assert [e["geography"] for e in c.entries()] == ["250191"]
