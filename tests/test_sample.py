"""The embedded sample: real Bronx boundaries and need data, synthetic assets labelled so."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from assetmap._resources import sample_dir
from assetmap.analysis.need import load_indicators


def test_units_are_the_bronx_ntas_with_acs_columns(sample_project):
    units = sample_project.units
    assert len(units) == 49
    assert all(u.startswith("BX") for u in units.index)
    assert units["population"].sum() == pytest.approx(1_426_241)
    for var in load_indicators().variables:
        assert f"{var}E" in units.columns and f"{var}M" in units.columns


def test_simplified_boundaries_have_no_gaps_or_overlaps():
    units = gpd.read_file(sample_dir() / "units.geojson").to_crs(32618)
    geoms = units.geometry.to_numpy()
    if hasattr(shapely, "coverage_is_valid"):
        assert shapely.coverage_is_valid(geoms, gap_width=1.0)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert overlap.max() < 1.0  # square metres


def test_bundle_is_small_and_documented():
    size = sum(p.stat().st_size for p in sample_dir().iterdir() if p.is_file())
    assert size < 3_000_000
    readme = (sample_dir() / "README.md").read_text()
    assert "SYNTHETIC" in readme.upper() and "councilcount" in readme
    planted = json.loads((sample_dir() / "planted.json").read_text())
    assert planted["synthetic"] is True


def test_tracts_nest_in_units(sample_project):
    tracts = gpd.read_file(sample_dir() / "tracts.geojson")
    assert set(tracts["unit_id"]) <= set(sample_project.units.index)


def test_inventory_arrives_from_two_sources_and_is_merged(sample_project):
    assert [s["source"].iloc[0] for s in sample_project.sources] == ["partners", "211"]
    merged = sample_project.assets
    both = merged[merged["source"].str.contains(";")]
    planted = json.loads((sample_dir() / "planted.json").read_text())
    # the 60 planted cross-source duplicates are merged (allow a couple to stay in review)
    assert len(both) >= 0.95 * len(planted["duplicates"])
    assert (
        len(merged) == sum(len(s) for s in sample_project.sources) - (merged["n_records"] - 1).sum()
    )
