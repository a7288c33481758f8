"""Mistakes a careless or hostile user makes, each refused in one sentence before any work;
and every optional part of a project left out in turn (issue 13)."""

from __future__ import annotations

import itertools
import logging
import re
from pathlib import Path

import geopandas as gpd
import pytest
from conftest import UTM, X0, Y0, squares
from shapely.geometry import Point

import assetmap as am

# --------------------------------------------------------------- a tiny study on disk


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Latitude, longitude of a point x, y metres from the fixture origin."""
    p = gpd.GeoSeries([Point(X0 + x, Y0 + y)], crs=UTM).to_crs("EPSG:4326").iloc[0]
    return round(p.y, 6), round(p.x, 6)


ANCHOR_KEYS = ("employment", "purchasing", "investment", "space", "positions")


def make_study(d: Path) -> Path:
    """Four 1 km squares u1..u4 (need rising left to right), three assets, every anchor file.

    Food is served only in u1, so the highest-need unit u4 is a food gap; the hospital
    sits in u2 and its one shareable room in u4, next to that gap.
    """
    d.mkdir(parents=True, exist_ok=True)
    units = squares(4, pops=[1000.0, 1000.0, 2000.0, 4000.0])
    units["risk"] = [10.0, 20.0, 30.0, 40.0]
    units.to_file(d / "units.geojson")
    (d / "ind.yml").write_text(
        "indicators:\n  risk: {label: Risk, column: risk, theme: t, unit: percent}\n"
    )
    rows = ["name,domain,latitude,longitude"]
    for i, (x, dom) in enumerate([(500, "food"), (600, "food"), (3500, "primary_care")]):
        la, lo = lonlat(x, 500)
        rows.append(f"Asset {i},{dom},{la},{lo}")
    (d / "assets.csv").write_text("\n".join(rows) + "\n")
    la, lo = lonlat(1500, 500)
    (d / "hospital.csv").write_text(f"name,latitude,longitude\nTest Hospital,{la},{lo}\n")
    (d / "employment.csv").write_text(
        "unit_id,employees,new_hires\nu1,40,12\nu2,30,0\nu3,25,11\nu4,50,20\n"
    )
    (d / "purchasing.csv").write_text(
        "vendor_id,vendor_name,category,annual_spend_usd,unit_id\n"
        "V1,Vendor one,food,1000,u1\nV2,Vendor two,food,3000,u4\n"
    )
    (d / "investment.csv").write_text(
        "investment_id,name,type,amount_usd,unit_id\nI1,Homes,housing,5000,u3\n"
    )
    (d / "positions.csv").write_text(
        f"site,job_family,open_positions,latitude,longitude\nMain,nursing,4,{la},{lo}\n"
    )
    sla, slo = lonlat(3500, 500)
    (d / "space.csv").write_text(
        "space_id,name,space_type,capacity,accessible,availability,latitude,longitude\n"
        f"S1,Room,teaching kitchen,40,true,Weekdays,{sla},{slo}\n"
    )
    return d


def write_project(d: Path, anchor: tuple[str, ...] | None = (), extra: str = "") -> Path:
    """Write ``p.yml`` over the tiny study with the given anchor files (None: no anchor)."""
    text = "name: t\nunits: {path: units.geojson}\nindicators: ind.yml\n"
    text += "assets: [{path: assets.csv}]\nsiting: {k: 0}\n" + extra
    if anchor is not None:
        text += "anchor:\n  hospital: {path: hospital.csv}\n"
        text += "".join(f"  {k}: {{path: {k}.csv}}\n" for k in anchor)
    p = d / "p.yml"
    p.write_text(text)
    return p


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_study(tmp_path_factory.mktemp("study"))


# --------------------------------------------------------------- every optional section

SUBSETS = [s for n in range(len(ANCHOR_KEYS) + 1) for s in itertools.combinations(ANCHOR_KEYS, n)]


def expected_sections(keys: tuple[str, ...]) -> set[str]:
    """The report's sections on the hospital for the anchor files given."""
    k = set(keys)
    out = {"hospital"}
    if k & {"employment", "purchasing", "investment"}:
        out.add("hospital-alignment")
    if "employment" in k:
        out.add("hospital-workforce")
    if k & {"purchasing", "investment"}:
        out.add("hospital-money")
    if "positions" in k:
        out.add("hospital-positions")
    if "space" in k:
        out |= {"hospital-spaces", "hospital-spaces-near-gaps"}
    return out


@pytest.mark.parametrize("keys", SUBSETS, ids=lambda s: "+".join(s) or "hospital-only")
def test_every_subset_of_the_anchor_files_builds_its_sections(
    study: Path, tmp_path: Path, keys: tuple[str, ...]
) -> None:
    logging.disable(logging.WARNING)
    try:
        atlas = am.load_project(write_project(study, keys)).build()
    finally:
        logging.disable(logging.NOTSET)
    out = tmp_path / "out"
    atlas.to_folder(out, pdf=False, figures=False)
    html = (out / "report.html").read_text(encoding="utf-8")
    domain_ids = {f"hospital-{d}" for d in atlas.domains}
    found = set(re.findall(r'id="(hospital[-a-z_]*)"', html)) - domain_ids
    assert found == expected_sections(keys)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert ("### Spaces the hospital can share" in md) == ("space" in keys)
    assert ("### Employees living in the region" in md) == ("employment" in keys)
    assert ("### Open positions" in md) == ("positions" in keys)
    for name in ("map.html", "report.html", "report.md", "gaps.csv", "provenance.json"):
        assert (out / name).stat().st_size > 0
    assert (out / "anchor_spaces.csv").exists() == ("space" in keys)


OPTIONAL_KEYS = {
    "indicators": None,  # dropped with its file: the units carry no ACS columns, so kept
    "assets": "assets: [{path: assets.csv}]\n",
    "siting": "siting: {k: 0}\n",
    "gaps": "gaps: {need_percentile: 75}\n",
    "travel": "travel: {mode: straight}\n",
    "dedupe": "dedupe: {threshold: 0.8}\n",
    "sources": "sources: [{name: Test, vintage: '2024', licence: CC0}]\n",
    "description": "description: a test\n",
    "synthetic": "synthetic: true\n",
    "domains": "domains: default\n",
    "anchor": "anchor: {hospital: {path: hospital.csv}, space: {path: space.csv}}\n",
}


@pytest.mark.parametrize("left_out", [k for k, v in OPTIONAL_KEYS.items() if v])
def test_every_other_optional_key_can_be_left_out(
    study: Path, tmp_path: Path, left_out: str
) -> None:
    text = "units: {path: units.geojson}\nindicators: ind.yml\n"
    text += "".join(v for k, v in OPTIONAL_KEYS.items() if v and k != left_out)
    p = study / f"without_{left_out}.yml"
    p.write_text(text)
    logging.disable(logging.WARNING)
    try:
        atlas = am.load_project(p).build()
    finally:
        logging.disable(logging.NOTSET)
    atlas.to_folder(tmp_path / "out", pdf=False, figures=False)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert ('id="hospital"' in html) == (left_out != "anchor")
    assert (len(atlas.assets) == 0) == (left_out == "assets")


# ------------------------------------------- one sentence, exit 2, before any work (CLI)


def run_build(p: Path, out: Path, *flags: str, monkeypatch: pytest.MonkeyPatch | None = None):
    """``assetmap [flags] build p --out out``; loading the inputs fails the test if reached."""
    from click.testing import CliRunner

    from assetmap.cli.main import cli

    if monkeypatch is not None:

        def never(*args: object, **kwargs: object) -> None:
            raise AssertionError("the inputs were read before the configuration was checked")

        monkeypatch.setattr("assetmap.project.load_project", never)
    return CliRunner().invoke(cli, [*flags, "build", str(p), "--out", str(out)])


def one_sentence(res, *needles: str) -> str:
    """Assert exit 2 and a single ``error:`` line holding every needle, no traceback."""
    text = res.output.strip()
    assert res.exit_code == 2, text
    assert len(text.splitlines()) == 1 and text.startswith("error: "), text
    assert "Traceback" not in text
    for needle in needles:
        assert needle in text, (needle, text)
    return text


def copy_study(study: Path, d: Path) -> Path:
    import shutil

    shutil.copytree(study, d)
    return d


def test_out_naming_the_project_folder_is_refused_and_assets_kept(study, tmp_path, monkeypatch):
    d = copy_study(study, tmp_path / "proj")
    p = write_project(d, None)
    before = (d / "assets.csv").read_bytes()
    res = run_build(p, d, monkeypatch=monkeypatch)
    one_sentence(res, "holds the input file", "choose a new or empty folder")
    assert (d / "assets.csv").read_bytes() == before


def test_out_naming_a_file_or_a_path_under_one_is_refused(study, tmp_path, monkeypatch):
    p = write_project(copy_study(study, tmp_path / "proj"), None)
    before = p.read_bytes()
    text = one_sentence(run_build(p, p, monkeypatch=monkeypatch))
    assert f"the output folder {p} is a file; name a folder" in text
    under = p / "out"
    text = one_sentence(run_build(p, under, monkeypatch=monkeypatch))
    assert f"the output folder {under} cannot be made, because {p} is a file" in text
    assert p.read_bytes() == before  # the project file is untouched
    assert sorted(q.name for q in p.parent.iterdir() if q.name.startswith(".")) == []


def test_a_colour_typo_in_domains_names_the_key_and_suggests(study, tmp_path, monkeypatch):
    from assetmap._resources import layers_dir

    d = copy_study(study, tmp_path / "proj")
    text = (layers_dir() / "domains.yml").read_text(encoding="utf-8")
    text = text.replace('colour: "#E69F00"', "colour: gren", 1)
    (d / "domains.yml").write_text(text, encoding="utf-8")
    p = write_project(d, None, extra="domains: domains.yml\n")
    res = run_build(p, tmp_path / "out", monkeypatch=monkeypatch)
    one_sentence(res, "domains.yml", "'gren'", "is not a colour", "green")
    assert not (tmp_path / "out").exists()


def test_a_project_file_not_in_utf8_names_the_byte(study, tmp_path, monkeypatch):
    d = copy_study(study, tmp_path / "proj")
    p = write_project(d, None)
    p.write_bytes(p.read_bytes().replace(b"name: t", "name: Caf\u00e9".encode("latin-1")))
    offset = p.read_bytes().index(b"\xe9")
    res = run_build(p, tmp_path / "out", monkeypatch=monkeypatch)
    text = one_sentence(res)
    assert f"{p}: the project file is not UTF-8 text (byte 0xe9 at offset {offset} " in text
    assert text.endswith("save it as UTF-8 (in most editors: Save As, encoding UTF-8)")
    assert not (tmp_path / "out").exists()


def test_billion_laughs_under_description_is_refused(study, tmp_path, monkeypatch):
    d = copy_study(study, tmp_path / "proj")
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for k in range(1, 9):
        prev, cur = chr(ord("a") + k - 1), chr(ord("a") + k)
        levels.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    bomb = "description:\n" + "".join(f"  {line}\n" for line in levels)
    p = write_project(d, None, extra=bomb)
    res = run_build(p, tmp_path / "out", monkeypatch=monkeypatch)
    text = one_sentence(res)
    # 9**9 values once expanded: refused past the million before any object is built
    assert f"{p}: refused: its aliases (*name) would expand to more than 1,000,000 values" in text
    assert '(a "billion laughs" file is refused this way)' in text
    assert not (tmp_path / "out").exists()


def test_every_population_zero_is_refused(study, tmp_path):
    d = copy_study(study, tmp_path / "proj")
    units = gpd.read_file(d / "units.geojson")
    units["population"] = 0
    units.to_file(d / "units.geojson")
    text = one_sentence(run_build(write_project(d, None), tmp_path / "out"))
    assert "every unit has a population of 0 (4 units), so no resident could be counted" in text
    assert "units.geojson" in text and "column 'population'" in text
    assert not (tmp_path / "out").exists()


def test_units_in_state_plane_feet_without_a_crs(study, tmp_path):
    d = copy_study(study, tmp_path / "proj")
    units = gpd.read_file(d / "units.geojson").to_crs("EPSG:2263")
    raw = units.set_crs(None, allow_override=True)  # the numbers, no CRS: read as degrees
    raw.to_file(d / "units.geojson", driver="GeoJSON")
    p = write_project(d, None)
    one_sentence(run_build(p, tmp_path / "out"), "outside longitude", 'crs: "EPSG:2263"')
    # named in the project, the same file builds
    text = p.read_text().replace(
        "units: {path: units.geojson}", 'units: {path: units.geojson, crs: "EPSG:2263"}'
    )
    p.write_text(text)
    res = run_build(p, tmp_path / "out")
    assert res.exit_code == 0, res.output


def test_a_bug_is_one_line_and_v_shows_the_traceback(study, tmp_path, monkeypatch):
    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("assetmap.project.load_project", boom)
    p = write_project(copy_study(study, tmp_path / "proj"), None)
    from click.testing import CliRunner

    from assetmap.cli.main import cli

    res = CliRunner().invoke(cli, ["build", str(p), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "stopped on a bug (ZeroDivisionError: a bug)" in lines[0]
    assert "-v" in lines[0]
    res = CliRunner().invoke(cli, ["-v", "build", str(p), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1 and "Traceback" in res.output


def test_overlapping_units_and_a_bow_tie_are_named(caplog):
    from shapely.geometry import Polygon, box

    from assetmap.region import validate_units

    bow = Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])
    geoms = [box(0, 0, 1000, 1000), box(500, 0, 1500, 1000), bow]
    units = gpd.GeoDataFrame(
        {"unit_id": ["a", "b", "c"], "population": [10.0, 20.0, 30.0]},
        geometry=gpd.GeoSeries(geoms).translate(X0, Y0 + 5000).values,
        crs=UTM,
    )
    with caplog.at_level(logging.WARNING):
        out = validate_units(units, file="u.gpkg")
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "invalid outline" in said and "'c'" in said
    assert out.geometry.is_valid.all() and out.loc["c"].geometry.area > 0
    pairs = out.attrs["overlaps"]
    assert {"a", "b"} <= set(pairs["unit_a"]) | set(pairs["unit_b"])
    assert "'a' and 'b' share" in said


def test_cdn_from_the_command_line_or_the_project(study, tmp_path):
    from click.testing import CliRunner

    from assetmap.cli.main import cli

    d = copy_study(study, tmp_path / "proj")
    p = write_project(d, None)
    runner = CliRunner()
    res = runner.invoke(cli, ["-q", "build", str(p), "--out", str(tmp_path / "inline")])
    assert res.exit_code == 0, res.output
    inline = (tmp_path / "inline" / "map.html").read_text(encoding="utf-8")
    assert '<script src="http' not in inline and "leafletjs.com" in inline  # Leaflet inlined
    res = runner.invoke(cli, ["-q", "build", str(p), "--out", str(tmp_path / "cdn"), "--cdn"])
    assert res.exit_code == 0, res.output
    linked = (tmp_path / "cdn" / "map.html").read_text(encoding="utf-8")
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet' in linked
    assert len(linked) < len(inline) - 100_000
    p.write_text(p.read_text() + "map: {cdn: true}\n")
    res = runner.invoke(cli, ["-q", "build", str(p), "--out", str(tmp_path / "yml")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "yml" / "map.html").read_text(encoding="utf-8") == linked
    p.write_text(p.read_text().replace("map: {cdn: true}", "map: {cnd: true}"))
    one_sentence(run_build(p, tmp_path / "bad"), "map.cnd is not an option", "cdn")
