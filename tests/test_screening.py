"""The hospital's screening demand: HRSN screening read, published safely, set against supply.

The 4-unit fixture is worked by hand (units are 1 km squares side by side, origins at
their centres; straight-line travel at 80 m/min with circuity 1.3, so the food threshold
of 15 min reaches 923 m):

* ZIP 10001 lies wholly in unit a, 10002 half in b and half in c, 10003 wholly in d;
  c also has a row by unit id. Food: a 200 screened / 50 positive; 10002 400 / 120 (b and
  c get 200 / 60 each); c by id 100 / 40; d 100 / 45. Positives per 1,000 screened:
  a 250, b 300, c 1000 * 100 / 300 = 333.33, d 450.
* Food services S1 (capacity 10) on the a|b edge reaches a and b (500 m); S2 (capacity 30)
  on the b|c edge reaches b and c. With positives as demand:
  R1 = 10 / (50 + 60), R2 = 30 / (60 + 100); per 1,000 positives
  a = 1000 * 10/110 = 90.909, b = 1000 * (10/110 + 30/160) = 278.409, c = 187.5, d = 0.
* Top quarter of per_1000 (75th percentile, linear: 333.33 + 0.25 * 116.67 = 362.5): d;
  d has no food service in reach: the one unit of unmet demand.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

import assetmap as am
from assetmap._resources import sample_dir
from assetmap.anchor.screening import (
    DEMAND_COLUMNS,
    RATE_COLUMNS,
    REFERRAL_COLUMNS,
    read_screening,
    screening_demand,
    write_screening,
)
from assetmap.errors import InputError

X0, Y0 = 590_000, 4_520_000
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


@pytest.fixture(scope="module")
def units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": list("ABCD"), "population": [1000] * 4, "need_col": [0.1, 0.2, 0.3, 0.4]},
        index=pd.Index(list("abcd"), name="unit_id"),
        geometry=[box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(4)],
        crs=32618,
    ).to_crs(4326)


@pytest.fixture(scope="module")
def atlas(units: gpd.GeoDataFrame, tmp_path_factory: pytest.TempPathFactory) -> am.Atlas:
    ind = tmp_path_factory.mktemp("ind") / "indicators.yml"
    ind.write_text("indicators:\n  need: {label: Need, column: need_col, theme: t}\n")
    assets = gpd.GeoDataFrame(
        {
            "asset_id": ["S1", "S2"],
            "name": ["Pantry one", "Pantry two"],
            "domain": ["food", "food"],
            "capacity": [10, 30],
        },
        geometry=[Point(X0 + 1000, Y0 + 500), Point(X0 + 2000, Y0 + 500)],
        crs=32618,
    ).to_crs(4326)
    return am.Atlas.build(units, assets, indicators=ind, siting_k=0)


@pytest.fixture(scope="module")
def crosswalk() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "zcta": ["10001", "10002", "10002", "10003"],
            "unit_id": ["a", "b", "c", "d"],
            "weight": [1.0, 0.5, 0.5, 1.0],
        }
    )


def _csv(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.write_text(text)
    return p


HAND = """zip,unit_id,domain,screened,positive
10001,,Food insecurity,200,50
10002,,food,400,120
,c,Food,100,40
10003,,FOOD INSECURITY,100,45
"""


def test_rates_demand_and_unmet_worked_by_hand(tmp_path, units, atlas, crosswalk):
    scr = read_screening(_csv(tmp_path, "s.csv", HAND), units=units, crosswalk=crosswalk)
    r = scr.rates.set_index("unit_id")
    assert list(scr.rates.columns) == RATE_COLUMNS
    assert r["screened"].tolist() == [200, 200, 300, 100]
    assert r["positive"].tolist() == [50, 60, 100, 45]
    assert r["per_1000"].tolist() == pytest.approx([250, 300, 1000 / 3, 450])
    assert not r["suppressed"].any()
    assert scr.totals.iloc[0][["screened", "positive"]].tolist() == [800, 255]

    d = screening_demand(scr, atlas).set_index("unit_id")
    assert list(d.reset_index().columns) == DEMAND_COLUMNS
    want = [1000 * 10 / 110, 1000 * (10 / 110 + 30 / 160), 1000 * 30 / 160, 0.0]
    assert d["demand_ratio"].tolist() == pytest.approx(want)
    assert d["services_in_reach"].tolist() == [1, 2, 1, 0]
    assert d["unmet"].tolist() == [False, False, False, True]
    assert d.loc["d", "reason"] == (
        "450 positives per 1,000 screened (top quarter of units); no food service within 15 min"
    )
    # with the top half as "high", c is high too but its supply is not in the bottom quarter
    half = screening_demand(scr, atlas, high_percentile=50).set_index("unit_id")
    assert half["unmet"].tolist() == [False, False, False, True]
    # and with the bottom half as "low", a (90.9) is low but its positives are not high
    low = screening_demand(scr, atlas, low_percentile=50).set_index("unit_id")
    assert low["unmet"].tolist() == [False, False, False, True]


PLANTED = """unit_id,domain,screened,positive
a,food,120,40
b,food,7,3
c,food,95,31
d,food,60,22
"""
REFERRALS = """partner,domain,sent,accepted,closed
Pantry one,food,100,80,50
Pantry two,food,60,45,30
Tiny Org,housing,7,4,3
Shelter Org,housing,90,60,40
Rides Org,transportation,50,45,45
"""


def _numbers(text: str) -> set[str]:
    out = set()
    for n in _NUMBER.findall(text):
        v = float(n)
        out |= {n, f"{v:g}"} if v == int(v) else {n}
    return out


def test_planted_small_counts_never_appear(tmp_path, units, atlas):
    scr = read_screening(
        _csv(tmp_path, "s.csv", PLANTED),
        units=units,
        referrals=_csv(tmp_path, "r.csv", REFERRALS),
    )
    r = scr.rates.set_index("unit_id")
    assert r.loc["b", "suppressed"] and np.isnan(r.loc["b", "positive"])
    # complementary suppression: another unit hides too, so the total gives nothing away
    assert r["suppressed"].sum() >= 2
    pub = r["screened"].dropna().sum()
    tot = scr.totals.iloc[0]["screened"]
    assert np.isnan(tot) or tot - pub >= 11
    d = screening_demand(scr, atlas)
    out = write_screening(scr, tmp_path / "out", demand=d)
    texts = [p.read_text() for p in out.values()]
    frames = [scr.rates, scr.totals, scr.referrals, d]
    texts += [f.to_csv(index=False) for f in frames]
    found = set().union(*(_numbers(t) for t in texts))
    # 7 screened, 3 positive, 4 negative; referrals 7 sent, 4 accepted, 3 closed, 3 declined
    for planted in ("7", "3", "4"):
        assert planted not in found, planted
    assert list(pd.read_csv(out["referrals"]).columns) == REFERRAL_COLUMNS


def test_referrals_closure_rate_and_small_cells(tmp_path, units):
    scr = read_screening(
        _csv(tmp_path, "s.csv", PLANTED),
        units=units,
        referrals=_csv(tmp_path, "r.csv", REFERRALS),
    )
    ref = scr.referrals.set_index("partner")
    assert ref.loc["Tiny Org", "suppressed"]
    assert ref.loc["Tiny Org", ["sent", "accepted", "closed"]].isna().all()
    shown = ref[~ref["suppressed"]]
    assert len(shown) >= 1
    assert (shown["closure_rate"] == shown["closed"] / shown["sent"]).all()
    assert ref.loc["Pantry one", "closure_rate"] == pytest.approx(0.5)
    assert ref["closure_rate"].isna().eq(ref["closed"].isna() | ref["sent"].isna()).all()


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        ("zip,domain,screened,positive\n10001,food,20,12\n10001,housing,-5,1\n", 3,
         "screened", "negative"),
        ("zip,domain,screened,positive\n10001,food,20,25\n", 2, "positive",
         "more patients screening positive"),
        ("zip,domain,screened,positive\n10001,food,20,2\n10001,snacks,20,1\n", 3, "domain",
         "'snacks' is not a service domain"),
        ("zip,domain,screened,positive\n10001,primary care,20,2\n", 2, "domain",
         "not a screening domain"),
        ("zip,domain,screened,positive\n10001,food,20,2.5\n", 2, "positive", "whole number"),
    ],
)  # fmt: skip
def test_bad_rows_name_file_row_and_column(tmp_path, units, crosswalk, text, row, column, words):
    path = _csv(tmp_path, "bad.csv", text)
    with pytest.raises(InputError) as err:
        read_screening(path, units=units, crosswalk=crosswalk)
    e = err.value
    assert (e.file, e.row, e.column) == (str(path), row, column)
    assert words in str(e)
    assert "-5" not in str(e) and "25" not in str(e)  # counts are never quoted


def test_referral_rows_are_checked(tmp_path, units):
    s = _csv(tmp_path, "s.csv", PLANTED)
    bad = _csv(tmp_path, "r.csv", "partner,sent,accepted,closed\nX,20,15,16\n")
    with pytest.raises(InputError) as err:
        read_screening(s, units=units, referrals=bad)
    assert (err.value.row, err.value.column) == (2, "closed")


def test_unknown_zip_is_set_aside_and_counted(tmp_path, units, crosswalk, caplog):
    text = HAND + "10701,,food,300,90\n10701,,housing,300,20\n"
    with caplog.at_level("WARNING"):
        scr = read_screening(_csv(tmp_path, "s.csv", text), units=units, crosswalk=crosswalk)
    assert scr.set_aside["row"].tolist() == [6, 7]
    assert set(scr.set_aside["value"]) == {"10701"}
    assert "2 rows with ZIP codes not in the crosswalk set aside" in caplog.text
    assert scr.totals.set_index("domain").loc["food", "screened"] == 800  # not counted


@pytest.fixture(scope="module")
def sample():
    project = am.load_sample()
    return project, project.build()


def test_sample_screening_gives_a_demand_table(sample):
    project, atlas = sample
    scr = read_screening(
        sample_dir() / "screening.csv",
        units=atlas.units,
        crosswalk=sample_dir() / "crosswalk_zcta_nta.csv",
        referrals=sample_dir() / "screening_referrals.csv",
        synthetic=True,
    )
    assert scr.synthetic and scr.set_aside.empty
    d = screening_demand(scr, atlas)
    assert len(d) == 5 * len(atlas.units)
    assert d["per_1000"].notna().sum() > 100
    assert d["unmet"].any() and d.loc[d["unmet"], "reason"].str.len().gt(0).all()
    assert scr.referrals["closure_rate"].notna().any()
    assert scr.referrals["suppressed"].any()


def test_templates_and_xlsx_read_as_documented(tmp_path, units, crosswalk):
    t = Path(__file__).resolve().parents[1] / "data" / "templates"
    sample_units = am.read_units(sample_dir() / "units.geojson")
    scr = read_screening(
        t / "screening.csv",
        units=sample_units,
        crosswalk=sample_dir() / "crosswalk_zcta_nta.csv",
        referrals=t / "screening_referrals.csv",
    )
    assert set(scr.rates["domain"]) == {"food", "housing"}
    assert scr.totals.set_index("domain")["screened"].tolist() == [412, 230]
    assert scr.referrals["closure_rate"].round(4).tolist() == [0.5917, 0.4889]
    xlsx = tmp_path / "s.xlsx"
    pd.read_csv(_csv(tmp_path, "s.csv", HAND), dtype=str).to_excel(xlsx, index=False)
    a = read_screening(xlsx, units=units, crosswalk=crosswalk).rates
    b = read_screening(tmp_path / "s.csv", units=units, crosswalk=crosswalk).rates
    pd.testing.assert_frame_equal(a, b)
