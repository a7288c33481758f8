"""The need index against values worked by hand (see the comments)."""

from __future__ import annotations

import math
import textwrap
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import assetmap as am
from assetmap.analysis.need import indicator_values, load_indicators, percentile_rank
from assetmap.errors import ConfigError, InputError
from tests.conftest import squares

IND_YML = textwrap.dedent(
    """
    settings: {cv_max: 0.30, flag_percentile: 0.90}
    indicators:
      a: {label: A, numerator: [A1], denominator: [A0], theme: t1}
      b: {label: B, numerator: [B1], denominator: [B0], theme: t1}
      c: {label: C, numerator: [C1], denominator: [C0], theme: t2, direction: lower}
    """
)


@pytest.fixture
def five_units(tmp_path):
    units = squares(5, pops=[100, 200, 300, 400, 0])
    data = {
        "A1E": [10, 40, 30, 80, 0],
        "A1M": [5, 30, 5, 5, 0],
        "A0E": [100, 200, 300, 400, 0],
        "A0M": [10, 10, 10, 10, 0],
        "B1E": [5, 10, 20, 5, 0],
        "B0E": [50, 50, 50, 50, 0],
        "C1E": [1, 2, 3, 4, 0],
        "C0E": [10, 10, 10, 10, 0],
    }
    for k, v in data.items():
        units[k] = v
    path = tmp_path / "ind.yml"
    path.write_text(IND_YML)
    return units, load_indicators(path)


def test_percentile_rank_is_svi_formula():
    # (rank - 1) / (N - 1), ties at the minimum rank, NaN left out of N, 4 decimals
    got = percentile_rank(pd.Series([10.0, 20.0, 10.0, 20.0, np.nan]))
    assert got.tolist()[:4] == [0, 0.6667, 0, 0.6667]
    assert math.isnan(got.iloc[4])
    # "lower is worse": 1 - percentile rank (ties keep the lower rank before subtracting)
    assert percentile_rank(pd.Series([10.0, 20.0, 10.0, 30.0]), reverse=True).tolist() == [
        1.0,
        0.3333,
        1.0,
        0.0,
    ]


def _exact(values):
    return pytest.approx(values, abs=1e-12)


def test_need_index_matches_hand_worked_values(five_units):
    units, ind = five_units
    out = am.need_index(units, ind)
    # a = 10%, 20%, 10%, 20%  -> ranks 1,3,1,3 of 4 -> 0, 2/3, 0, 2/3, rounded to 4 decimals
    assert out["a"].tolist()[:4] == pytest.approx([10, 20, 10, 20])
    assert out["a_pct"].tolist()[:4] == _exact([0, 0.6667, 0, 0.6667])
    # b = 10%, 20%, 40%, 10% -> 0, 2/3, 1, 0
    assert out["b_pct"].tolist()[:4] == _exact([0, 0.6667, 1, 0])
    # c (lower is worse) = 10, 20, 30, 40% -> 1 - (0, 1/3, 2/3, 1) = 1, .6667, .3333, 0
    assert out["c_pct"].tolist()[:4] == _exact([1, 0.6667, 0.3333, 0])
    # theme t1 sums of the rounded ranks 0, 1.3334, 1, .6667 -> ranked 0, 1, 2/3, 1/3
    assert out["theme_t1"].tolist()[:4] == _exact([0, 1, 0.6667, 0.3333])
    assert out["theme_t2"].tolist()[:4] == _exact([1, 0.6667, 0.3333, 0])
    # overall: sum of theme sums 0+1, 1.3334+.6667, 1+.3333, .6667+0 -> ranked 1/3, 1, 2/3, 0
    assert out["need_score"].tolist()[:4] == _exact([1, 2.0001, 1.3333, 0.6667])
    assert out["need_pct"].tolist()[:4] == _exact([0.3333, 1, 0.6667, 0])
    # flags at the 90th percentile: b for u3, c for u1
    assert out["b_flag"].tolist() == [False, False, True, False, False]
    assert out["c_flag"].tolist() == [True, False, False, False, False]
    assert out["need_flags"].tolist() == [1, 0, 1, 0, 0]
    # the unit without residents is not ranked, and says why
    assert out.loc["u5", ["a", "a_pct", "need_pct"]].isna().all()
    assert out["not_ranked"].tolist() == ["", "", "", "", "no residents"]


def test_margins_of_error_follow_acs_formulas(five_units):
    units, ind = five_units
    v = indicator_values(units, ind.indicators["a"])
    # u1: p = .1, sqrt(5^2 - .1^2 * 10^2) / 100 = sqrt(24)/100
    assert v.loc["u1", "moe"] == pytest.approx(100 * math.sqrt(24) / 100)
    assert v.loc["u1", "cv"] == pytest.approx((math.sqrt(24) / 100 / 1.645) / 0.1)
    out = am.need_index(units, ind)
    assert not out.loc["u1", "a_unreliable"]  # CV 0.298
    assert out.loc["u2", "a_unreliable"]  # p=.2, sqrt(900-.04*100)/200/1.645/.2 = 0.455
    # a negative term under the root falls back to the ratio formula
    units.loc["u3", ["A1E", "A1M", "A0E", "A0M"]] = [10, 2, 100, 50]
    v = indicator_values(units, ind.indicators["a"])
    assert v.loc["u3", "moe"] == pytest.approx(100 * math.sqrt(4 + 0.01 * 2500) / 100)


def test_unreliable_estimates_are_counted_per_unit(five_units):
    units, ind = five_units
    out = am.need_index(units, ind)
    # only `a` has margins. CV = (MOE / 1.645) / p with MOE = sqrt(M_num^2 - p^2 M_den^2) / den
    # u1 p=.1: sqrt(25 - .01*100)/100 = .04899 -> CV .298 (reliable, just under .30)
    # u2 p=.2: sqrt(900 - .04*100)/200 = .14967 -> CV .455 (unreliable)
    # u3 p=.1: sqrt(25 - .01*100)/300 = .01633 -> CV .099; u4 p=.2: sqrt(21)/400 -> CV .035
    assert out["a_cv"].tolist()[:4] == pytest.approx([0.2978, 0.4549, 0.0993, 0.0348], abs=1e-4)
    assert out["a_unreliable"].tolist() == [False, True, False, False, False]
    assert out["unreliable_count"].tolist() == [0, 1, 0, 0, 0]
    assert out["unreliable_indicators"].tolist() == ["", "a", "", "", ""]
    # a stricter threshold marks u1 too (CV .298 > .25)
    strict = am.need_index(units, replace(ind, cv_max=0.25))
    assert strict["unreliable_indicators"].tolist() == ["a", "a", "", "", ""]


def test_small_units_are_shown_but_not_ranked(five_units):
    units, ind = five_units
    units.loc["u3", "population"] = np.nan
    out = am.need_index(units, ind, min_population=150)
    assert out["not_ranked"].tolist() == [
        "fewer than 150 residents",
        "",
        "population unknown (no number in 'population')",
        "",
        "no residents",
    ]
    assert out.loc["u1", "a"] == pytest.approx(10)  # the value is kept, for the map
    assert math.isnan(out.loc["u1", "need_pct"]) and math.isnan(out.loc["u1", "a_pct"])
    # ranked among u2 and u4 only: a 20 vs 20 -> tie 0, 0; b 20 vs 10 -> 1, 0;
    # c (lower is worse) 20 vs 40 -> 1, 0; t1 = 1, 0; t2 = 1, 0; overall 2 vs 0 -> 1, 0
    assert out.loc[["u2", "u4"], "a_pct"].tolist() == [0, 0]
    assert out.loc[["u2", "u4"], "need_score"].tolist() == [2, 0]
    assert out.loc[["u2", "u4"], "need_pct"].tolist() == [1, 0]


def test_a_given_cv_column_is_used_instead_of_the_margin(tmp_path):
    yml = tmp_path / "cv.yml"
    yml.write_text(
        "indicators:\n  x: {column: X, moe_column: X_MOE, cv_column: X_CV}\n"
        "  y: {column: Y, moe_column: Y_MOE}\n"
    )
    units = squares(3, pops=[500, 500, 500])
    units["X"], units["X_MOE"] = [10.0, 10.0, 10.0], [1.0, 1.0, 1.0]
    units["X_CV"] = [0.5, np.nan, 0.1]
    units["Y"] = [10.0, 20.0, 30.0]  # no Y_MOE column: reliability unknown, logged, no error
    out = am.need_index(units, load_indicators(yml))
    # u1 given CV .5 -> unreliable; u2 no CV given -> (1 / 1.645) / 10 = .0608; u3 given .1
    assert out["x_cv"].tolist() == pytest.approx([0.5, 1 / 1.645 / 10, 0.1])
    assert out["x_unreliable"].tolist() == [True, False, False]
    assert out["y_cv"].isna().all() and not out["y_unreliable"].any()


def test_bad_settings_say_what_to_do(tmp_path):
    p = tmp_path / "bad.yml"
    p.write_text("settings: {min_population: -5}\nindicators:\n  x: {column: X}\n")
    with pytest.raises(ConfigError, match="min_population >= 0"):
        load_indicators(p)


def test_missing_acs_column_names_it(five_units):
    units, ind = five_units
    with pytest.raises(InputError, match="A1E"):
        am.need_index(units.drop(columns="A1E"), ind)


def test_bad_indicator_file(tmp_path):
    p = tmp_path / "bad.yml"
    p.write_text("indicators:\n  x: {label: X}\n")
    with pytest.raises(ConfigError, match="numerator"):
        load_indicators(p)


def test_shipped_indicators_cover_the_issue_list():
    keys = set(load_indicators().indicators)
    assert {
        "poverty_100",
        "poverty_150",
        "no_vehicle",
        "limited_english",
        "uninsured",
        "age_65_plus",
        "disability",
        "unemployed",
        "public_assistance",
    } <= keys


def test_sample_need_index_is_real_and_complete(sample_project):
    out = am.need_index(sample_project.units)
    residential = out["population"] >= 100
    keys = list(load_indicators().indicators)
    complete = out[keys].notna().all(axis=1)
    # every unit with 100+ residents and all indicators is ranked; one with a missing
    # indicator (e.g. no households, as in Hutchinson Metro Center) is left out, not guessed
    assert out.loc[residential & complete, "need_pct"].notna().all()
    assert out.loc[~complete, "need_pct"].isna().all()
    assert (residential & complete).sum() >= 36
    # the parks with a few residents are shown with their values but not ranked
    parks = ["BX2691", "BX2791", "BX2891"]  # Van Cortlandt 56, Bronx Park 26, Pelham Bay 57
    assert out.loc[parks, "need_pct"].isna().all()
    assert set(out.loc[parks, "not_ranked"]) == {"fewer than 100 residents"}
    assert out.loc[parks, "no_vehicle"].notna().all()
    assert out["need_pct"].max() == 1.0 and out["need_pct"].min() == 0.0
    # poverty in the Bronx NTAs is a real, plausible share
    assert out.loc[out["population"] > 1000, "poverty_100"].between(2, 60).all()


def test_column_indicators_from_the_units_file(tmp_path):
    # CDC/ATSDR SVI-style: percentile columns given as they are, -999 meaning "no data"
    yml = tmp_path / "svi.yml"
    yml.write_text(
        textwrap.dedent(
            """
            indicators:
              svi_socio: {label: SVI socioeconomic, column: RPL_THEME1, theme: socio}
              diabetes: {label: Diabetes (PLACES), column: DIABETES_CrudePrev,
                         moe_column: DIABETES_MOE, unit: percent, theme: health}
            """
        )
    )
    ind = load_indicators(yml)
    assert ind.variables == []  # nothing to fetch from the Census
    units = squares(4, pops=[100, 100, 100, 100])
    units["RPL_THEME1"] = [0.9, 0.2, -999, 0.5]
    units["DIABETES_CrudePrev"] = [12.0, 8.0, 10.0, 6.0]
    units["DIABETES_MOE"] = [1.645 * 1.2, 0.0, 0.0, 0.0]
    out = am.need_index(units, ind)
    assert out["svi_socio"].iloc[:2].tolist() == [0.9, 0.2] and math.isnan(out["svi_socio"].iloc[2])
    assert out["diabetes_cv"].iloc[0] == pytest.approx(0.1)  # (MOE / 1.645) / value
    # ranks: svi 0.9 > 0.5 > 0.2 (unit 3 unranked); diabetes 12 > 10 > 8 > 6
    assert out["svi_socio_pct"].tolist()[:2] == [1.0, 0.0]
    assert math.isnan(out["need_pct"].iloc[2])  # a missing indicator leaves the unit unranked
    assert out["need_pct"].idxmax() == units.index[0]


def test_column_and_acs_codes_together_is_an_error(tmp_path):
    yml = tmp_path / "bad.yml"
    yml.write_text("indicators:\n  x: {column: A, numerator: [B1], denominator: [B0]}\n")
    with pytest.raises(ConfigError, match="use one"):
        load_indicators(yml)


@pytest.mark.slow
def test_study_on_its_own_need_columns_builds_and_cites_them(tmp_path):
    import geopandas as gpd

    from assetmap._resources import sample_dir

    units = gpd.read_file(sample_dir() / "units.geojson")[
        ["unit_id", "name", "population", "geometry"]
    ]
    rng = np.random.default_rng(7)
    units["RPL_THEMES"] = rng.random(len(units)).round(4)
    units.loc[3, "RPL_THEMES"] = -999
    units.to_file(tmp_path / "units.gpkg")
    (tmp_path / "svi.yml").write_text(
        "indicators:\n  svi: {label: CDC/ATSDR SVI overall, column: RPL_THEMES}\n"
    )
    (tmp_path / "p.yml").write_text(
        "name: Own need\nunits: {path: units.gpkg}\nindicators: svi.yml\n"
        f"assets:\n  - {{path: {sample_dir() / 'assets_211.csv'}}}\n"
        "sources:\n  - {name: CDC/ATSDR Social Vulnerability Index 2022, vintage: '2022'}\n"
    )
    atlas = am.load_project(tmp_path / "p.yml").build()
    top = atlas.units["need_pct"].idxmax()
    assert atlas.units.loc[top, "svi"] == units["RPL_THEMES"].max()
    atlas.report(tmp_path / "r")
    md = (tmp_path / "r" / "report.md").read_text()
    assert "taken as given in the units file" in md
    assert "Source: CDC/ATSDR Social Vulnerability Index 2022" in md
    html = atlas.map().get_root().render()
    assert "CDC/ATSDR SVI overall" in html
