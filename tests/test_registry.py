"""The registry of asset formats: names, recognition by contents and suffix, options, docs."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

import assetmap as am
from assetmap.errors import InputError
from assetmap.readers import registry
from assetmap.readers.registry import find_format, formats_markdown, kinds, kinds_text

ROOT = Path(__file__).resolve().parents[1]
FIX = Path(__file__).parent / "fixtures"


def kind_of(path: Path, kind: str | None = None) -> str:
    return find_format(path, kind=kind).kind


def test_every_kind_is_registered_once_with_its_names():
    assert kinds() == ["csv", "xlsx", "spatial", "hsds", "osm", "hrsa"]
    names = [n for f in registry.FORMATS for n in f.names()]
    assert len(names) == len(set(names))
    for alias, kind in [
        ("gpkg", "spatial"),
        ("shapefile", "spatial"),
        ("tsv", "csv"),
        ("excel", "xlsx"),
        ("xls", "xlsx"),
        ("hrsa", "hrsa"),
    ]:
        assert kind_of(Path("x"), alias) == kind


def test_suffixes_name_the_kind(tmp_path):
    for name, kind in [
        ("a.CSV", "csv"),
        ("a.txt", "csv"),
        ("a.xlsm", "xlsx"),
        ("a.gpkg", "spatial"),
        ("a.geoparquet", "spatial"),
        ("a.osm", "osm"),
        ("bronx.osm.bz2", "osm"),
        ("bronx.osm.xml", "osm"),
    ]:
        assert kind_of(tmp_path / name) == kind, name


def test_a_folder_is_hsds_only_when_it_holds_hsds_tables(tmp_path):
    hsds = tmp_path / "211"
    hsds.mkdir()
    (hsds / "services.csv").write_text("id,name\n")
    assert kind_of(hsds) == "hsds"
    nested = tmp_path / "export"
    (nested / "inner").mkdir(parents=True)
    (nested / "inner" / "services.csv").write_text("id,name\n")
    assert kind_of(nested) == "hsds"
    plain = tmp_path / "photos.csv"  # a folder, whatever its name says
    plain.mkdir()
    with pytest.raises(InputError, match="cannot tell what kind of file"):
        find_format(plain)


def test_a_zip_is_hsds_when_it_holds_hsds_tables_else_spatial(tmp_path):
    pkg = tmp_path / "directory.zip"
    with zipfile.ZipFile(pkg, "w") as zf:
        zf.writestr("export/datapackage.json", "{}")
    assert kind_of(pkg) == "hsds"
    shp = tmp_path / "sites.zip"
    with zipfile.ZipFile(shp, "w") as zf:
        zf.writestr("sites.shp", b"")
    assert kind_of(shp) == "spatial"
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    assert kind_of(broken) == "spatial"  # the spatial reader says what is wrong with it


def test_json_is_spatial_when_geojson_else_hsds(tmp_path):
    geo = tmp_path / "sites.json"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    assert kind_of(geo) == "spatial"
    api = tmp_path / "services.json"
    api.write_text(json.dumps([{"id": "s1", "name": "Pantry"}]))
    assert kind_of(api) == "hsds"


def test_hrsa_table_is_recognised_by_its_header():
    path = FIX / "realworld" / "hrsa_sites_real_header.csv"
    assert kind_of(path) == "csv"  # by its suffix a table ...
    assets = am.read_assets(path)  # ... and by its header HRSA's site list
    assert set(assets["domain"]) == {"primary_care"}
    assert "HRSA" in assets.attrs["source_info"]["name"]
    lat, lon = (f"Geocoding Artifact Address Primary {c} Coordinate" for c in "YX")
    columns = {"name": "Site Name", "lat": lat, "lon": lon}
    listed = am.read_assets(path, columns=columns, domain="primary_care")
    assert "source_info" not in listed.attrs  # a column map reads it as a plain list


def test_unknown_suffix_and_unknown_kind_list_the_registered_kinds(tmp_path):
    odd = tmp_path / "sites.dat"
    odd.write_text("x")
    with pytest.raises(InputError, match="cannot tell what kind of file '.dat' is") as err:
        am.read_assets(odd)
    for kind in kinds():
        assert kind in str(err.value)
    with pytest.raises(InputError, match="unknown kind 'kml'") as err:
        am.read_assets(odd, kind="kml")
    assert kinds_text() in str(err.value)


def test_options_a_format_does_not_take_are_named(tmp_path):
    geo = tmp_path / "sites.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(InputError, match=r"options \['sheet'\] do not apply to a spatial file"):
        am.read_assets(geo, sheet=1)
    with pytest.raises(InputError, match="column map does not apply to HRSA's site list"):
        am.read_assets(geo, kind="hrsa", columns={"name": "x"})


def test_validate_help_lists_the_registered_kinds():
    from click.testing import CliRunner

    from assetmap.cli.main import cli

    out = CliRunner().invoke(cli, ["validate", "--help"], terminal_width=1000).output
    assert " ".join(kinds_text().split()) in " ".join(out.split())


def test_readme_formats_table_is_the_registry():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert formats_markdown() in readme, (
        "README.md's table of formats is out of date; paste "
        "assetmap.readers.registry.formats_markdown() into it"
    )
