"""The embedded sample: real Bronx boundaries and need data, synthetic assets labelled so."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from assetmap._resources import sample_dir
from assetmap.analysis.need import load_indicators
from assetmap.analysis.overlap import service_type_keys


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


def _sample_csv(name: str, index: str) -> pd.DataFrame:
    table = pd.read_csv(sample_dir() / name, dtype=str, keep_default_na=False)
    return table.set_index(index)


def test_sample_services_carry_their_service_type(sample_project):
    assets = sample_project.assets
    assert assets["service_type"].str.len().gt(0).all()
    partners = _sample_csv("assets_partners.csv", "ID")["Program Type"]
    rows_211 = _sample_csv("assets_211.csv", "record_id")["subcategory"]
    planted = json.loads((sample_dir() / "planted.json").read_text())
    # the 211 copy of a service listed in both files writes its type in lower case
    for dup in planted["duplicates"]:
        assert partners[dup["partners_id"]].lower() == rows_211[dup["record_id"]]
    # the planted food cluster is five food services but not five of one kind
    food = planted["clusters"][0]
    assert food["domain"] == "food"
    assert food["service_types"] == {
        "Food pantry": 2,
        "Grocery program": 1,
        "SNAP enrollment": 1,
        "WIC": 1,
    }
    assert sorted(partners[food["ids"]]) == [
        "Food pantry",
        "Food pantry",
        "Grocery program",
        "SNAP enrollment",
        "WIC",
    ]


def test_no_sample_overlap_group_mixes_service_types(sample_atlas):
    ov = sample_atlas.overlaps
    clusters = ov[ov["kind"] == "cluster"]
    assert len(clusters) > 0
    assert clusters["compared_by"].eq("service_type").all()
    kinds = service_type_keys(sample_atlas.assets).set_axis(sample_atlas.assets["asset_id"])
    for row in clusters.itertuples():
        members = row.asset_ids.split(";")
        assert kinds[members].nunique() == 1, row.names
        assert kinds[members].iloc[0] == " ".join(row.service_type.lower().split())
    grouped = {m for ids in clusters["asset_ids"] for m in ids.split(";")}
    planted = json.loads((sample_dir() / "planted.json").read_text())
    food, behavioral = planted["clusters"][0], planted["clusters"][1]
    # two pantries, a grocery programme, a SNAP desk and a WIC centre: no group of three
    assert not grouped & {f"partners:{i}" for i in food["ids"]}
    # the planted behavioural-health cluster keeps its three harm-reduction programs
    # (within 124.2 m; a 25-minute walk reaches 25 x 80 m / 1.3 = 1,538 m, and two such
    # discs 124 m apart share 95% of their area, over the 75% that links them)
    assert behavioral["service_types"]["Harm reduction"] == 3
    partners = _sample_csv("assets_partners.csv", "ID")["Program Type"]
    harm = sorted(f"partners:{i}" for i in behavioral["ids"] if partners[i] == "Harm reduction")
    assert harm in [sorted(ids.split(";")) for ids in clusters["asset_ids"]]


def test_synthetic_names_are_never_cut_mid_word():
    """Names built from NTA names keep "Co-op City" whole (not "op City …", "Co Soup …")."""
    import re

    import pandas as pd

    from assetmap._resources import sample_dir

    names = pd.concat(
        [
            pd.read_csv(sample_dir() / "assets_partners.csv")["Program Name"],
            pd.read_csv(sample_dir() / "assets_211.csv").iloc[:, 2],
        ]
    ).astype(str)
    cut = names[names.str.contains(r"(?:^|\s)(?:op City|Co)(?:\s|$)", regex=True)]
    assert cut.empty, cut.tolist()
    assert names.str.contains("Co-op City").sum() >= 6
    assert all(re.match(r"[A-Z0-9]", n) for n in names), names[~names.str.match(r"[A-Z0-9]")]
