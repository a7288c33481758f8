"""ZCTA-to-unit crosswalk: reading, apportioning (totals preserved), building from polygons."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import UTM, X0, Y0, squares
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from assetmap._resources import sample_dir
from assetmap.errors import InputError
from assetmap.readers.crosswalk import (
    OUTSIDE,
    apportion,
    areal_crosswalk,
    normalise_zip,
    read_crosswalk,
)


def test_zip_codes_are_normalised():
    raw = pd.Series(["10451", " 10451-1234 ", "104511234", "7302", "10451.0", "ZIP", "", None])
    assert normalise_zip(raw).tolist() == ["10451", "10451", "10451", "07302", "10451", "", "", ""]


def _write(tmp_path, text, name="cw.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_read_completes_each_zcta_with_its_outside_share(tmp_path):
    units = squares(2)
    p = _write(tmp_path, "zcta,unit_id,weight\n10451,u1,0.6\n10451,u2,0.3\n10452,u2,1\n10453,,1\n")
    cw = read_crosswalk(p, units=units)
    got = {(r.zcta, r.unit_id): round(r.weight, 12) for r in cw.itertuples()}
    assert got == {
        ("10451", "u1"): 0.6,
        ("10451", "u2"): 0.3,
        ("10451", OUTSIDE): 0.1,
        ("10452", "u2"): 1.0,
        ("10453", OUTSIDE): 1.0,
    }


def test_hud_style_file_with_national_rows(tmp_path):
    # HUD-USPS ZIP-TRACT: the ZIP's ratios cover tracts in and out of the study region
    units = squares(2)
    p = _write(
        tmp_path,
        "ZIP,TRACT,RES_RATIO,BUS_RATIO\n10451,u1,0.25,0.9\n10451,36061000100,0.75,0.1\n",
    )
    cw = read_crosswalk(p, units=units, zcta="ZIP", unit_id="TRACT", weight="RES_RATIO")
    assert cw.set_index("unit_id")["weight"].to_dict() == {OUTSIDE: 0.75, "u1": 0.25}


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        ("zcta,unit_id,weight\n10451,u1,0.7\n10451,u2,0.6\n", 2, "weight", "add up to 1.3000"),
        ("zcta,unit_id,weight\n10451,u1,0.7\n10A51,u2,0.2\n", 3, "zcta", "not a ZIP code"),
        ("zcta,unit_id,weight\n10451,u1,0.7\n10452,u2,1.5\n", 3, "weight", "between 0 and 1"),
        ("zcta,unit_id,weight\n10451,u1,0.5\n10451,u1,0.5\n", 2, "unit_id", "repeated"),
    ],
)
def test_bad_crosswalks_name_row_and_column(tmp_path, text, row, column, words):
    with pytest.raises(InputError) as err:
        read_crosswalk(_write(tmp_path, text), units=squares(2))
    assert (err.value.row, err.value.column) == (row, column)
    assert words in str(err.value)


def test_crosswalk_for_other_units_is_refused(tmp_path):
    p = _write(tmp_path, "zcta,unit_id,weight\n10451,BX0101,1\n")
    with pytest.raises(InputError, match="no unit id of the crosswalk is a study unit"):
        read_crosswalk(p, units=squares(2))


CW = pd.DataFrame(
    {
        "zcta": ["10451"] * 3 + ["10452"],
        "unit_id": ["a", "b", OUTSIDE, "b"],
        "weight": [0.5, 0.3, 0.2, 1.0],
    }  # fmt: skip
)


def test_whole_counts_by_largest_remainder():
    # 7 people in 10451: quotas a 3.5, b 2.1, outside 1.4 -> floors 3, 2, 1 (6); the one
    # left goes to the largest remainder (a, 0.5): 4, 2, 1.
    frame = pd.DataFrame({"zip": ["10451", "10452"], "band": ["low", "low"], "n": [7, 3]})
    out = apportion(frame, CW, zcta="zip", columns=["n"], integer=True)
    assert out[["unit_id", "band", "n"]].values.tolist() == [
        ["a", "low", 4],
        ["b", "low", 2],
        [OUTSIDE, "low", 1],
        ["b", "low", 3],
    ]


def test_money_is_spread_exactly():
    frame = pd.DataFrame({"zip": ["10451"], "usd": [1000.0]})
    out = apportion(frame, CW, zcta="zip", columns=["usd"])
    assert out.set_index("unit_id")["usd"].to_dict() == {"a": 500.0, "b": 300.0, OUTSIDE: 200.0}


def test_unknown_zip_is_an_error():
    with pytest.raises(InputError, match=r"not in the crosswalk: \['10499'\]"):
        apportion(pd.DataFrame({"zip": ["10499"], "n": [1]}), CW, zcta="zip", columns=["n"])


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6),
    st.lists(st.integers(0, 500), min_size=1, max_size=5),
)
def test_totals_are_preserved_to_the_person(weights, counts):
    w = np.asarray(weights) + 1e-3
    w = w / w.sum()
    cw = pd.DataFrame(
        {"zcta": "10451", "unit_id": [f"u{i}" for i in range(len(w) - 1)] + [OUTSIDE], "weight": w}
    )
    frame = pd.DataFrame({"zip": "10451", "n": counts})
    out = apportion(frame, cw, zcta="zip", columns=["n"], integer=True)
    by_row = out.groupby("row")["n"].sum()
    assert by_row.tolist() == counts  # each row's people all land somewhere, once
    quota = out["row"].map(frame["n"]) * out["unit_id"].map(cw.set_index("unit_id")["weight"])
    assert ((out["n"] - quota).abs() < 1).all()  # and each part is its quota rounded


def test_sample_crosswalk_preserves_the_sample_totals():
    cw = read_crosswalk(sample_dir() / "crosswalk_zcta_nta.csv")
    assert np.allclose(cw.groupby("zcta")["weight"].sum(), 1.0)
    bronx = cw[cw["unit_id"].str.startswith("BX")]
    assert set(bronx["zcta"]) == {f"104{n:02d}" for n in range(51, 76)}
    # 10454 (Mott Haven) lies wholly in BX0101
    assert cw[cw["zcta"] == "10454"].values.tolist() == [["10454", "BX0101", 1.0]]
    emp = pd.read_csv(sample_dir() / "anchor_employment_zip.csv", dtype={"zip": str})
    known = emp[emp["zip"].isin(cw["zcta"])]
    out = apportion(known, cw, zcta="zip", columns=["employees", "new_hires_2025"], integer=True)
    for c in ("employees", "new_hires_2025"):
        assert out[c].sum() == known[c].sum()
        per_zip = out.groupby("zip")[c].sum()
        assert per_zip.to_dict() == known.groupby("zip")[c].sum().to_dict()


def _units_utm():
    return squares(2).to_crs(UTM)


def test_areal_crosswalk_by_area():
    # a ZCTA 2 km wide covering the right half of u1, all of u2... and 500 m beyond
    zone = gpd.GeoDataFrame(
        {"zip": ["10451"]},
        geometry=[box(X0 + 500, Y0, X0 + 2500, Y0 + 1000)],
        crs=UTM,
    )
    cw = areal_crosswalk(zone, squares(2), zone_id="zip")
    got = cw.set_index("unit_id")["weight"].round(6).to_dict()
    assert got == {OUTSIDE: 0.25, "u1": 0.25, "u2": 0.5}
    assert set(cw["method"]) == {"area"}


def test_areal_crosswalk_by_residents_where_known():
    zones = gpd.GeoDataFrame(
        {"zip": ["10451", "10452"]},
        geometry=[box(X0 + 500, Y0, X0 + 2500, Y0 + 1000), box(X0, Y0, X0 + 500, Y0 + 1000)],
        crs=UTM,
    )
    # 10451: 30 residents in u1, 90 in u2, 30 beyond; 10452 has no points: by area
    pts = gpd.GeoDataFrame(
        {"population": [30, 90, 30]},
        geometry=[Point(X0 + 700, Y0 + 500), Point(X0 + 1500, Y0 + 500), Point(X0 + 2200, Y0 + 5)],
        crs=UTM,
    )
    cw = areal_crosswalk(zones, squares(2), zone_id="zip", population=pts)
    w = cw.set_index(["zcta", "unit_id"])["weight"].round(6).to_dict()
    assert w == {("10451", OUTSIDE): 0.2, ("10451", "u1"): 0.2, ("10451", "u2"): 0.6,
                 ("10452", "u1"): 1.0}  # fmt: skip
    assert cw.set_index("zcta")["method"].to_dict() == {"10451": "population", "10452": "area"}


def _tract_units(ids):
    units = squares(len(ids))
    units.index = pd.Index(ids, name="unit_id")
    return units


def test_geocorr_file_with_label_row_and_county_plus_tract(tmp_path):
    # Geocorr 2022 CSV: a second header row of labels; tract as "0019.00" beside county
    units = _tract_units(["36005001900", "36005002000"])
    p = _write(
        tmp_path,
        "zcta,county,tract,CountyName,pop20,afact\n"
        "ZIP Census Tabulation Area,County code,Tract,County name,Total population 2020,"
        "zcta to tract allocation factor\n"
        "10454,36005,0019.00,Bronx NY,3000,0.6\n"
        "10454,36005,0020.00,Bronx NY,1500,0.3\n"
        "10454,36061,0001.00,New York NY,500,0.1\n",
    )
    cw = read_crosswalk(p, units=units)
    got = {(r.zcta, r.unit_id): round(r.weight, 12) for r in cw.itertuples()}
    assert got == {
        ("10454", "36005001900"): 0.6,
        ("10454", "36005002000"): 0.3,
        ("10454", OUTSIDE): 0.1,
    }


def test_spreadsheet_numbers_that_lost_leading_zeros(tmp_path):
    # HUD file opened in Excel: ZIP 02134 → 2134, tract 01001020100 → 1001020100
    units = _tract_units(["01001020100", "01001020200"])
    p = _write(
        tmp_path,
        "ZIP,TRACT,RES_RATIO\n2134,1001020100,0.5\n2134,1001020200,0.5\n",
    )
    cw = read_crosswalk(p, units=units, zcta="ZIP", unit_id="TRACT", weight="RES_RATIO")
    assert sorted(zip(cw["zcta"], cw["unit_id"], strict=True)) == [
        ("02134", "01001020100"),
        ("02134", "01001020200"),
    ]


def test_a_label_row_is_only_skipped_when_it_is_not_data(tmp_path):
    units = squares(2)
    p = _write(tmp_path, "zcta,unit_id,weight\n10451,u1,x\n")
    with pytest.raises(InputError, match="not a share"):
        read_crosswalk(p, units=units)


def test_ids_are_padded_only_against_census_style_ids():
    from assetmap.readers.crosswalk import pad_ids

    raw = pd.Series(["1001020100", "7", "BX0101", ""])
    assert pad_ids(raw, pd.Index(["01001020100", "01001020200"])).tolist() == [
        "01001020100",
        "00000000007",
        "BX0101",
        "",
    ]
    # ids of mixed width (neighbourhood codes) are left alone
    assert pad_ids(raw, pd.Index(["BX0101", "1"])).tolist() == raw.tolist()


def test_area_weights_agree_with_pysal_tobler():
    """Apportioning by area equals tobler's areal interpolation of extensive counts."""
    from tobler.area_weighted import area_interpolate

    rng = np.random.default_rng(3)
    units = squares(6)
    # irregular zones that straddle the units and reach beyond them
    zones = gpd.GeoDataFrame(
        {"zip": ["10451", "10452", "10453", "10454"]},
        geometry=[
            box(X0 - 150, Y0 - 50, X0 + 1300, Y0 + 700),
            box(X0 + 1300, Y0 - 50, X0 + 3100, Y0 + 400),
            box(X0 + 1300, Y0 + 400, X0 + 3100, Y0 + 1100),
            box(X0 + 3100, Y0 + 200, X0 + 6500, Y0 + 900),
        ],
        crs=UTM,
    )
    counts = pd.DataFrame({"zip": zones["zip"], "n": rng.integers(10, 500, 4).astype(float)})
    cw = areal_crosswalk(zones, units, zone_id="zip")
    ours = apportion(counts, cw, zcta="zip", columns=["n"])
    ours = ours[ours["unit_id"] != OUTSIDE].groupby("unit_id")["n"].sum()
    src = zones.assign(n=counts["n"].to_numpy())
    target = units.to_crs(UTM).reset_index()
    # allocate_total=False: a zone's share beyond the units stays outside, as in ours
    theirs = area_interpolate(src, target, extensive_variables=["n"], allocate_total=False)
    theirs.index = target["unit_id"]
    np.testing.assert_allclose(
        ours.reindex(theirs.index).fillna(0).to_numpy(), theirs["n"].to_numpy(), rtol=1e-9
    )
