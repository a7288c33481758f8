"""Gaps and overlaps on hand-made layouts."""

from __future__ import annotations

import numpy as np
import pytest

import assetmap as am
from assetmap.errors import InputError
from assetmap.overlap import disc_overlap_share
from tests.conftest import assets_at, squares


def _with_need(units, pct):
    u = units.copy()
    u["need_pct"] = pct
    u["need_score"] = pct
    return u


def test_high_need_unit_without_food_is_a_food_gap():
    units = _with_need(squares(4, size=2000), [0.9, 1.0, 0.2, 0.8])
    # food only near u1 (x 0..2000); primary care near every unit
    assets = assets_at(
        [(1000, 1000, "food")] + [(1000 + 2000 * i, 1000, "primary_care") for i in range(4)]
    )
    acc = am.access(units, assets, only=["food", "primary_care"])
    gaps = am.find_gaps(units, acc, need_percentile=75)
    food = gaps[gaps["domain"] == "food"]
    # u2 (need 1.0) and u4 (need .8) lack food; u3 lacks it but its need is low
    assert food["unit_id"].tolist() == ["u2", "u4"]
    assert food["rank"].tolist() == [1, 2]
    assert food["population"].tolist() == [1000, 1000]
    assert food.iloc[0]["nearest_name"] == "Asset 1"
    assert food.iloc[0]["nearest_min"] == pytest.approx(2000 * 1.3 / 80)
    assert (gaps["domain"] == "primary_care").sum() == 0


def test_units_without_residents_are_never_gaps():
    units = _with_need(squares(2, size=2000, pops=[0, 1000]), [1.0, 0.9])
    acc = am.access(units, assets_at([(-5000, 0, "food")]), only=["food"])
    assert am.find_gaps(units, acc)["unit_id"].tolist() == ["u2"]


def test_gap_needs_need_index():
    units = squares(2)
    acc = am.access(units, assets_at([(0, 0, "food")]), only=["food"])
    with pytest.raises(InputError, match="need_index"):
        am.find_gaps(units, acc)


def test_disc_overlap_share():
    assert disc_overlap_share(0.0, 1.0) == pytest.approx(1.0)
    assert disc_overlap_share(2.0, 1.0) == pytest.approx(0.0)
    # d = r: lens area of two unit circles is 2*pi/3 - sqrt(3)/2
    assert disc_overlap_share(1.0, 1.0) == pytest.approx((2 * np.pi / 3 - np.sqrt(3) / 2) / np.pi)


def test_cluster_of_coinciding_providers_is_an_overlap():
    units = _with_need(squares(6, size=1000), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    # four food pantries within 120 m (catchments ~923 m coincide); one far away
    pts = [
        (500, 500, "food"),
        (560, 520, "food"),
        (520, 600, "food"),
        (600, 580, "food"),
        (5500, 500, "food"),
    ]
    assets = assets_at(pts)
    acc = am.access(units, assets, only=["food"])
    ov = am.find_overlaps(units, assets, acc)
    clusters = ov[ov["kind"] == "cluster"]
    assert len(clusters) == 1
    row = clusters.iloc[0]
    assert row["domain"] == "food" and row["n_providers"] == 4
    assert sorted(row["asset_ids"].split(";")) == ["a1", "a2", "a3", "a4"]
    # u1's centre (500, 500) and u2's (1500, 500; 903 m from a4) are within 923 m
    assert row["population"] == 2000
    assert clusters.crs.to_epsg() == 4326
