"""End to end through the CLI: the demo, a copied project, validation, errors."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from assetmap._resources import sample_dir
from assetmap.cli.main import cli

OUTPUTS = [
    "map.html",
    "report.html",
    "report.md",
    "gaps.csv",
    "overlaps.csv",
    "access.csv",
    "assets.csv",
    "rejected.csv",
    "warnings.csv",
    "layers.gpkg",
    "provenance.json",
    "report_domains.csv",
    "report_top_need.csv",
    "figures/food.png",
    "sites.csv",
]


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    res = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out, res.output


@pytest.mark.slow
def test_demo_writes_every_output(demo_out):
    out, text = demo_out
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0, name
    assert "map.html" in text and "report.html" in text
    # rows read = kept + set aside, and the merge is reported
    assert "400 rows read = 400 kept + 0 set aside" in text
    assert "services after merging duplicates" in text


@pytest.mark.slow
def test_demo_outputs_agree_with_each_other(demo_out):
    out, _ = demo_out
    gaps = pd.read_csv(out / "gaps.csv", dtype={"unit_id": str})
    access = pd.read_csv(out / "access.csv", dtype={"unit_id": str})
    assets = pd.read_csv(out / "assets.csv")
    # every gap is a unit x domain whose residents (all, or at least a quarter of them,
    # placed at the sample's population points) have nothing within the threshold
    merged = gaps.merge(access, on=["unit_id", "domain"], suffixes=("", "_acc"))
    assert len(merged) == len(gaps)
    assert (merged["population_beyond"] == merged["population_beyond_acc"]).all()
    assert (merged["population_beyond"] >= 0.25 * merged["population"] - 1e-6).all()
    assert (merged.loc[merged["reason"] == "none_within", "count_within"] == 0).all()
    # the planted gaps of the synthetic sample show up as food and primary-care gaps
    planted = json.loads((sample_dir() / "planted.json").read_text())
    ids = {g["unit_id"] for g in planted["gaps"]}
    for dom in ("food", "primary_care"):
        found = set(gaps.loc[gaps["domain"] == dom, "unit_id"])
        assert ids & found, dom
    # the map and report count merged services, not raw rows
    assert len(assets) < 400
    layers = set(pyogrio.list_layers(out / "layers.gpkg")[:, 0])
    assert {"units", "assets", "gaps", "access"} <= layers
    units = gpd.read_file(out / "layers.gpkg", layer="units")
    assert units.crs.to_epsg() == 4326 and "need_pct" in units.columns
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["synthetic"] is True
    assert prov["parameters"]["travel"]["walk_kmh"] == 4.8
    assert prov["asset_counts"]["services_after_merge"] == len(assets)
    assert {i["role"] for i in prov["inputs"]} >= {"units", "assets"}
    # suggested new sites: a table, a layer, and k and the method in the provenance
    sites = pd.read_csv(out / "sites.csv", dtype={"candidate_id": str})
    for dom in ("food", "primary_care"):
        assert sites.loc[sites["domain"] == dom, "rank"].tolist() == [1, 2, 3]
    assert (
        sites["latitude"].between(40.7, 41).all() and sites["longitude"].between(-74, -73.7).all()
    )
    assert "sites" in layers
    layer = gpd.read_file(out / "layers.gpkg", layer="sites")
    assert len(layer) == len(sites) and layer.crs.to_epsg() == 4326
    assert prov["parameters"]["siting"]["k"] == 3
    assert "Church & ReVelle 1974" in prov["parameters"]["siting"]["method"]


@pytest.mark.slow
def test_pdf_report_when_chromium_is_installed(demo_out):
    from assetmap.report._pdf import find_chromium

    out, _ = demo_out
    if find_chromium() is None:
        pytest.skip("Chromium not installed: no PDF (sudo apt-get install chromium)")
    pdf = (out / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000


@pytest.mark.slow
def test_report_is_reproducible_and_labelled(demo_out, tmp_path):
    out, _ = demo_out
    res = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path)])
    assert res.exit_code == 0
    names = [
        "report.html",
        "report.md",
        "gaps.csv",
        "access.csv",
        "overlaps.csv",
        "report_domains.csv",
        "figures/food.png",
        "sites.csv",
    ]
    if (out / "report.pdf").exists():
        names.append("report.pdf")
    for name in names:
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name
    html = (out / "report.html").read_text()
    assert "SYNTHETIC DATA" in html
    assert "ACS 2019-2023 5-year estimates" in html


@pytest.mark.slow
def test_build_a_copied_project(tmp_path):
    proj = tmp_path / "proj"
    shutil.copytree(sample_dir(), proj)
    cfg = (proj / "bronx.yml").read_text().replace("need_percentile: 75", "need_percentile: 90")
    (proj / "mine.yml").write_text(cfg)
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["build", str(proj / "mine.yml"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    gaps = pd.read_csv(out / "gaps.csv")
    assert (gaps["need_pct"] >= 0.9).all()
    assert len(pd.read_csv(out / "sites.csv")) > 0


@pytest.mark.slow
def test_build_with_siting_off(tmp_path):
    proj = tmp_path / "proj"
    shutil.copytree(sample_dir(), proj)
    (proj / "off.yml").write_text((proj / "bronx.yml").read_text() + "siting: {k: 0}\n")
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["build", str(proj / "off.yml"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    sites = pd.read_csv(out / "sites.csv")
    assert sites.empty and "candidate_id" in sites.columns
    assert "sites" not in set(pyogrio.list_layers(out / "layers.gpkg")[:, 0])
    assert "Where a new site would reach the most" not in (out / "report.md").read_text()
    assert json.loads((out / "provenance.json").read_text())["parameters"]["siting"]["k"] == 0


def test_build_reports_bad_input_in_one_line(tmp_path):
    proj = tmp_path / "proj"
    shutil.copytree(sample_dir(), proj)
    (proj / "bad.yml").write_text("name: x\nunits: {path: missing.gpkg}\n")
    res = CliRunner().invoke(cli, ["build", str(proj / "bad.yml"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "missing.gpkg" in res.output and "does not exist" in res.output
    assert "Traceback" not in res.output
    (proj / "typo.yml").write_text("name: x\nunitz: {path: units.geojson}\n")
    res = CliRunner().invoke(cli, ["build", str(proj / "typo.yml"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "unknown keys ['unitz']" in res.output


def test_validate_lists_problems_by_row_and_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,name,domain,lat,lon\n"
        "1,Pantry,food,40.85,-73.90\n"
        "2,Clinic,clinic,,-73.9\n"
        "3,Mystery,astrology,40.85,-73.90\n"
    )
    res = CliRunner().invoke(
        cli,
        [
            "validate",
            str(bad),
            "--units",
            str(sample_dir() / "units.geojson"),
            "--rejected",
            str(tmp_path / "rej.csv"),
        ],
    )
    assert res.exit_code == 1
    assert "row 3, column 'lat': coordinate is missing" in res.output
    assert "row 4, column 'domain': unknown domain 'astrology'" in res.output
    assert "3 rows read = 1 kept + 2 set aside." in res.output
    assert len(pd.read_csv(tmp_path / "rej.csv")) == 2
    good = tmp_path / "good.csv"
    good.write_text("id,name,domain,lat,lon\n1,Pantry,food,40.85,-73.90\n")
    assert CliRunner().invoke(cli, ["validate", str(good)]).exit_code == 0


def test_validate_with_header_row_and_sheet(tmp_path):
    import openpyxl

    text = tmp_path / "titled.csv"
    text.write_text(
        "Food list 2024\nCompiled by the coalition\n"
        "name,domain,latitude,longitude\nPantry A,food,40.84,-73.90\n"
    )
    res = CliRunner().invoke(cli, ["validate", str(text), "--header-row", "3"])
    assert res.exit_code == 0, res.output
    assert "1 rows read = 1 kept + 0 set aside." in res.output
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["read me first"])
    sheet = book.create_sheet("Sites")
    sheet.append(["name", "domain", "latitude", "longitude"])
    sheet.append(["Clinic B", "primary care", 40.85, -73.91])
    sheet.append(["Clinic C", "primary care", None, -73.91])
    xlsx = tmp_path / "sites.xlsx"
    book.save(xlsx)
    res = CliRunner().invoke(cli, ["validate", str(xlsx), "--sheet", "Sites"])
    assert res.exit_code == 1
    assert "row 3, column 'latitude': coordinate is missing" in res.output
    assert "2 rows read = 1 kept + 1 set aside." in res.output
    res = CliRunner().invoke(cli, ["validate", str(xlsx), "--sheet", "Budget"])
    assert res.exit_code == 2 and "Sites" in res.output and "Notes" in res.output


def test_templates_are_copied_and_validate(tmp_path):
    out = tmp_path / "t"
    res = CliRunner().invoke(cli, ["templates", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert {"assets.csv", "assets.xlsx", "README.md", "ANCHOR.md"} <= {
        p.name for p in out.iterdir()
    }
    (out / "assets.csv").write_text("changed by the user")
    again = CliRunner().invoke(cli, ["templates", "--out", str(out)])
    assert "Left alone (already there): " in again.output
    assert (out / "assets.csv").read_text() == "changed by the user"  # never overwritten
    res = CliRunner().invoke(cli, ["validate", str(out / "assets.xlsx")])
    assert res.exit_code in (0, 1) and "rows read" in res.output


def test_the_wheel_ships_layers_sample_and_templates(tmp_path):
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(root), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("assetmap-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "assetmap/layers/domains.yml",
        "assetmap/layers/indicators_block_group.yml",
        "assetmap/sample/bronx.yml",
        "assetmap/sample/units.geojson",
        "assetmap/templates/assets.csv",
        "assetmap/templates/README.md",
        "assetmap/report/templates/report.html.j2",
        "assetmap/report/templates/report.md.j2",
        "assetmap/maps/web/11-draw.js",
    ):
        assert needed in names, needed


@pytest.mark.slow
def test_a_study_from_messy_real_world_lists_builds_and_counts_every_row(tmp_path):
    """Every kind of list a coalition is handed, in one build: nothing crashes, nothing is
    silently lost, every source is cited and its services reach the map."""
    import zipfile

    fixtures = Path(__file__).parent / "fixtures"
    hsds_zip = tmp_path / "211_feed.zip"
    with zipfile.ZipFile(hsds_zip, "w") as z:
        for f in sorted((fixtures / "hsds" / "bronx_v3").iterdir()):
            z.write(f, f"export/{f.name}")
    # a city open-data export: semicolons, a title line, one Socrata "Location" column,
    # a unicode minus, a hemisphere letter, Null Island and an unknown domain
    (tmp_path / "city_pantries.csv").write_text(
        "Food Pantry List (exported 2024-05-01)\n"
        "Program Name;Service Type;Location;Phone\n"
        "Tremont Pantry;Food Pantry;(40.8470, \u221273.8980);718-555-0190\n"
        "Belmont Pantry;food bank;40.8560 N, 73.8870 W;\n"
        "Ghost Pantry;food;(0, 0);\n"
        "Mystery Help;astrology;(40.85, -73.89);\n",
        encoding="utf-8",
    )
    yml = tmp_path / "study.yml"
    yml.write_text(
        "name: Messy lists\n"
        f"units: {{path: {sample_dir() / 'units.geojson'}}}\n"
        "assets:\n"
        f"  - {{path: {hsds_zip}, source: '211'}}\n"
        f"  - {{path: {fixtures / 'osm' / 'bronx_amenities.osm'}, source: osm}}\n"
        f"  - {{path: {fixtures / 'realworld' / 'hrsa_sites_real_header.csv'}, source: hrsa}}\n"
        "  - {path: city_pantries.csv, source: city, columns: {domain: Service Type}}\n"
        "sources:\n  - {name: City open data, vintage: '2024'}\n"
    )
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["build", str(yml), "--out", str(out)])
    assert res.exit_code == 0, res.output
    prov = json.loads((out / "provenance.json").read_text())
    counts = prov["asset_counts"]
    assert counts["records_read"] == counts["records_kept"] + counts["records_rejected"]
    rejected = pd.read_csv(out / "rejected.csv")
    assert len(rejected) == counts["records_rejected"]
    assert set(rejected["source"]) >= {"211", "osm", "hrsa", "city"}
    city = rejected[rejected["source"] == "city"].set_index("row")
    assert "0, 0" in city.loc[5, "problem"] and "astrology" in city.loc[6, "problem"]
    kept = pd.read_csv(out / "assets.csv")
    for name in ("Tremont Pantry", "Belmont Pantry", "Example Mott Haven Family Health"):
        assert kept["name"].str.contains(name, regex=False).any(), name
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "Tremont Pantry" in html and "Belmont Pantry" in html
    assert "City open data" in (out / "report.md").read_text(encoding="utf-8")


#: Every file ``assetmap demo`` wrote before the Atlas owned its outputs (less report.pdf,
#: which needs Chromium).
DEMO_FILES = {
    *(f"anchor_{n}.csv" for n in ("alignment", "employment", "employment_by_group")),
    *(f"anchor_{n}.csv" for n in ("employment_totals", "investment", "positions")),
    *(f"anchor_{n}.csv" for n in ("purchasing", "sites", "spaces", "spaces_near_gaps")),
    *(f"anchor_{n}.csv" for n in ("screening", "screening_totals", "referrals")),
    *("partners.csv", "partners_first.csv", "goals.csv"),
    *(f"{n}.csv" for n in ("access", "assets", "capacity_balance", "coverage", "gaps")),
    *(f"{n}.csv" for n in ("overlaps", "rejected", "warnings", "dedupe_review", "sites")),
    *("report_domains.csv", "report_top_need.csv", "report.html", "report.md"),
    *("map.html", "layers.gpkg", "provenance.json"),
    *(f"figures/{d}.png" for d in ("behavioral_health", "childcare", "employment", "food")),
    *(f"figures/{d}.png" for d in ("housing", "legal_aid", "older_adults", "primary_care")),
    *(f"figures/{d}.png" for d in ("safety", "transportation", "utilities")),
    "figures/overview.png",
}


@pytest.mark.slow
def test_atlas_to_folder_from_a_notebook_writes_what_the_cli_wrote(demo_out, tmp_path):
    import assetmap as am

    out, _ = demo_out
    atlas = am.load_sample().build()
    paths = atlas.to_folder(tmp_path / "study", pdf=False)
    written = {str(p.relative_to(tmp_path / "study")) for p in (tmp_path / "study").rglob("*")}
    assert written >= DEMO_FILES and written - DEMO_FILES <= {"figures"}
    assert paths["rejected"].name == "rejected.csv" and paths["dedupe_review"].exists()
    review = pd.read_csv(paths["dedupe_review"])
    assert len(review) and set(review["decision"]) == {"review"}
    assert pd.read_csv(paths["rejected"]).columns[:3].tolist() == ["source", "file", "row"]
    for name in DEMO_FILES - {"layers.gpkg", "provenance.json"}:  # as the CLI wrote them
        assert (tmp_path / "study" / name).read_bytes() == (out / name).read_bytes(), name
    run = json.loads(paths["provenance"].read_text())["run"]
    assert {"run_at", "assetmap_version"} <= set(run)
    assert not [p for p in tmp_path.iterdir() if p.name != "study"]  # no staging left


def test_an_atlas_from_frames_writes_empty_rejected_and_review(sample_atlas, tmp_path):
    import dataclasses

    import assetmap as am

    own = {f.name for f in dataclasses.fields(am.Atlas)} - {"rejected", "warnings", "dedupe_review"}
    atlas = am.Atlas(**{k: getattr(sample_atlas, k) for k in own})
    atlas.to_folder(tmp_path, figures=False, pdf=False)
    rejected = (tmp_path / "rejected.csv").read_text()
    assert rejected == "source,file,row,column,value,problem\n"
    assert (tmp_path / "warnings.csv").read_text() == rejected
    assert (tmp_path / "dedupe_review.csv").read_text().startswith("asset_id_a,asset_id_b,")


def test_an_interrupted_to_folder_leaves_the_previous_outputs_whole(
    sample_atlas, tmp_path, monkeypatch
):
    import assetmap as am

    out = tmp_path / "out"
    out.mkdir()
    (out / "map.html").write_text("previous map")  # an earlier build's, as its manifest says
    listed = [{"path": "map.html", "bytes": 12, "sha256": "0" * 64}]
    (out / "provenance.json").write_text(json.dumps({"manifest": listed}))

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(am.Atlas, "report", broken)
    steps: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        sample_atlas.to_folder(out, progress=steps.append)
    assert steps == ["map", "report"]
    assert (out / "map.html").read_text() == "previous map"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert sorted(p.name for p in out.iterdir()) == ["map.html", "provenance.json"]


def test_rows_kept_with_a_warning_go_to_warnings_csv_and_the_summary(tmp_path):
    """An HSDS package whose first service names an organization that is not there.

    The package has 15 service-at-location records: svc-13 (no location) is set aside, so
    14 are kept, and one of them (svc-01, services.csv row 2) is kept with a warning.
    """
    import assetmap as am

    package = tmp_path / "hsds"
    shutil.copytree(Path(__file__).parent / "fixtures" / "hsds" / "bronx_v3_data", package)
    services = package / "data" / "services.csv"
    lines = services.read_text().splitlines(keepends=True)
    assert lines[1].startswith("svc-01,org-mhcp,")
    lines[1] = lines[1].replace("org-mhcp", "org-nowhere", 1)
    services.write_text("".join(lines))
    yml = tmp_path / "study.yml"
    yml.write_text(
        "name: Warned\n"
        f"units: {{path: {sample_dir() / 'units.geojson'}}}\n"
        "assets:\n  - {path: hsds, source: '211'}\n"
    )
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["build", str(yml), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "15 rows read = 14 kept + 1 set aside" in res.output
    assert f"1 kept with a warning (see {out / 'warnings.csv'})" in res.output
    warned = pd.read_csv(out / "warnings.csv", dtype={"source": str})
    assert warned.columns.tolist() == pd.read_csv(out / "rejected.csv").columns.tolist()
    assert warned[["source", "row", "column", "value"]].values.tolist() == [
        ["211", 2, "organization_id", "org-nowhere"]
    ]
    assert "matches no organization" in warned["problem"].iloc[0]
    counts = json.loads((out / "provenance.json").read_text())["asset_counts"]
    assert counts["records_warned"] == 1
    assert "(1 with a warning, listed in warnings.csv)" in (out / "report.md").read_text()
    assert am.warning_rows(am.read_assets(package)).shape == (1, 6)  # lifted to am.*


@pytest.mark.slow
def test_min_reach_from_the_project_yaml_is_used_and_recorded(tmp_path):
    proj = tmp_path / "proj"
    shutil.copytree(sample_dir(), proj)
    text = (proj / "bronx.yml").read_text()
    (proj / "far.yml").write_text(text + "siting: {k: 2, min_reach: 10000000}\n")
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["build", str(proj / "far.yml"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    siting = json.loads((out / "provenance.json").read_text())["parameters"]["siting"]
    assert siting["k"] == 2 and siting["min_reach"] == 10_000_000
    sites = pd.read_csv(out / "sites.csv")
    assert len(sites) and sites["below_min_reach"].all()  # no site reaches 10 million
    assert "Where a new site would reach the most" not in (out / "report.md").read_text()


@pytest.mark.parametrize(
    ("siting", "words"),
    [
        ("{min_reach: -5}", "min_reach must be a number of residents, 0 or more"),
        ("{min_reach: lots}", "min_reach must be a number of residents"),
        ("{k: 3, reach: 5}", "'siting' must be a mapping like {k: 3, min_reach: 500}"),
    ],
)
def test_bad_min_reach_is_named(tmp_path, siting, words):
    import assetmap as am
    from assetmap.errors import ConfigError

    proj = tmp_path / "proj"
    shutil.copytree(sample_dir(), proj)
    (proj / "bad.yml").write_text((proj / "bronx.yml").read_text() + f"siting: {siting}\n")
    with pytest.raises(ConfigError, match=re.escape(words)):
        am.load_project(proj / "bad.yml")


def test_min_reach_default_and_given():
    import assetmap as am

    project = am.load_sample()
    assert project.min_reach == 500.0
