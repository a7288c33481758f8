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
