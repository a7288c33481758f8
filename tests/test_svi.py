"""CDC/ATSDR SVI reproduced to the digit, on fixtures worked by hand from CDC's documentation.

Method (CDC/ATSDR SVI 2018 and 2020 documentation): every EP_ variable is ranked over the
tracts with residents (E_TOTPOP > 0) and a value (-999 is no data) as
EPL = (rank - 1) / (N - 1), ties at the lowest rank, rounded to 4 decimals; per-capita
income (2018) is EPL = 1 - that. SPL_THEMEn is the sum of the theme's EPLs, RPL_THEMEn the
rounded percentile rank of SPL_THEMEn; SPL_THEMES sums the four SPLs and RPL_THEMES is its
rounded percentile rank. Fixtures: tests/fixtures/svi/svi20{20,18}_hand.csv, tracts T1-T8;
T3 has 50 residents (ranked: CDC ranks every populated tract), T7 has one -999, T8 has no
residents and 99 everywhere (were it ranked, it would top every variable).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import assetmap as am
from assetmap.analysis.need import percentile_rank
from assetmap.indicators import Indicator, IndicatorSet, load_indicators

FIX = Path(__file__).parent / "fixtures" / "svi"
TRACTS = [f"3600500000{i}" for i in range(1, 9)]
NAN = math.nan


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / name, dtype={"FIPS": str}).set_index("FIPS")


def _check(out: pd.DataFrame, column: str, expected: list[float]) -> None:
    got = out.loc[TRACTS, column].tolist()
    for tract, g, e in zip(TRACTS, got, expected, strict=True):
        if math.isnan(e):
            assert math.isnan(g), f"{column} {tract}: expected no value, got {g}"
        else:
            assert g == pytest.approx(e, abs=1e-4), f"{column} {tract}: {g} != {e}"


def test_svi2020_hand_worked():
    out = am.need_index(_read("svi2020_hand.csv"), "svi2020")
    # Variables ranked over T1-T7 (N = 7, ranks k/6: .1667 .3333 .5 .6667 .8333 1)
    # POV150 10..70 -> ranks 1..7
    _check(out, "epl_pov150", [0, 0.1667, 0.3333, 0.5, 0.6667, 0.8333, 1, NAN])
    # UNEMP 5 5 3 8 1 9 2: T5=1, T7=2, T3=3, T1=T2=4 (tie at the lower rank), T4=6, T6=7
    _check(out, "epl_unemp", [0.5, 0.5, 0.3333, 0.8333, 0, 1, 0.1667, NAN])
    # UNINSUR 4 3 2 1 6 5 -999: T7 has no value, N = 6, EPL = (rank - 1) / 5
    _check(out, "epl_uninsur", [0.6, 0.4, 0.2, 0, 1, 0.8, NAN, NAN])
    # MOBILE 0 0 0 0 2.5 2.5 0: five tracts tie at rank 1 -> 0; T5 = T6 rank 6 -> 5/6
    _check(out, "epl_mobile", [0, 0, 0, 0, 0.8333, 0.8333, 0, NAN])
    # Theme 1 = POV150 + UNEMP + HBURD + NOHSDP + UNINSUR
    # T1 0 + .5 + .3333 + 0 + .6 = 1.4333       T2 .1667 + .5 + .1667 + .1667 + .4 = 1.4001
    # T3 .3333 + .3333 + 0 + .3333 + .2 = 1.1999 T4 .5 + .8333 + 1 + .5 + 0 = 2.8333
    # T5 .6667 + 0 + .8333 + .6667 + 1 = 3.1667  T6 .8333 + 1 + .6667 + .8333 + .8 = 4.1333
    # T7 has no UNINSUR -> no theme-1 sum (SVI's -999)
    _check(out, "spl_theme1", [1.4333, 1.4001, 1.1999, 2.8333, 3.1667, 4.1333, NAN, NAN])
    # ranked over 6 tracts: T3 < T2 < T1 < T4 < T5 < T6
    _check(out, "rpl_theme1", [0.4, 0.2, 0, 0.6, 0.8, 1, NAN, NAN])
    # Theme 2 = AGE65 + AGE17 + DISABL + SNGPNT + LIMENG
    # T1 .1667 + .1667 + 0 + 0 + 0 = .3334 (rounded EPLs) against T2 0 + 0 + .3333 + 0 + 0
    # = .3333: unrounded both are 1/3 and would tie; CDC's rounding puts T2 first.
    # T3 .3333 + 1 + .1667 + 1 + .3333 = 2.8333  T4 .5 + .8333 + .5 + .3333 + .5 = 2.6666
    # T5 .6667 * 3 + .5 + .5 = 3.0001            T6 .8333 + .5 + .8333 + .6667 + .8333 = 3.6666
    # T7 1 + .3333 + 1 + .8333 + 1 = 4.1666
    _check(out, "spl_theme2", [0.3334, 0.3333, 2.8333, 2.6666, 3.0001, 3.6666, 4.1666, NAN])
    _check(out, "rpl_theme2", [0.1667, 0, 0.5, 0.3333, 0.6667, 0.8333, 1, NAN])
    # Theme 3 = MINRTY 50 50 10 20 30 40 60: T1 = T2 tie at rank 5 -> .6667
    _check(out, "spl_theme3", [0.6667, 0.6667, 0, 0.1667, 0.3333, 0.5, 1, NAN])
    _check(out, "rpl_theme3", [0.6667, 0.6667, 0, 0.1667, 0.3333, 0.5, 1, NAN])
    # Theme 4 = MUNIT + MOBILE + CROWD + NOVEH + GROUPQ
    # T1 1 + 0 + 0 + .3333 + 0 = 1.3333   T2 .8333 + 0 + .1667 + .8333 = 1.8333
    # T3 .6667 + 0 + .3333 + 0 + 1 = 2     T4 .5 + 0 + .5 + .1667 = 1.1667
    # T5 .3333 + .8333 + .6667 + .6667 = 2.5  T6 .1667 + .8333 + .8333 + .5 = 2.3333
    # T7 0 + 0 + 1 + 1 + 0 = 2 (ties T3: both rank 4 of 7 -> .5)
    _check(out, "spl_theme4", [1.3333, 1.8333, 2, 1.1667, 2.5, 2.3333, 2, NAN])
    _check(out, "rpl_theme4", [0.1667, 0.3333, 0.5, 0, 1, 0.8333, 0.5, NAN])
    # SPL_THEMES: T1 1.4333 + .3334 + .6667 + 1.3333 = 3.7667; T2 1.4001 + .3333 + .6667
    # + 1.8333 = 4.2334; T3 1.1999 + 2.8333 + 0 + 2 = 6.0332; T4 2.8333 + 2.6666 + .1667
    # + 1.1667 = 6.8333; T5 3.1667 + 3.0001 + .3333 + 2.5 = 9.0001; T6 4.1333 + 3.6666 + .5
    # + 2.3333 = 10.6332; T7 none (theme 1 missing). Ranked over 6: k/5.
    _check(out, "spl_themes", [3.7667, 4.2334, 6.0332, 6.8333, 9.0001, 10.6332, NAN, NAN])
    _check(out, "rpl_themes", [0, 0.2, 0.4, 0.6, 0.8, 1, NAN, NAN])
    # the need columns are the same numbers
    assert out["need_pct"].equals(out["rpl_themes"])
    assert out["theme_theme2"].equals(out["rpl_theme2"])
    # flags (EPL >= .9): T1 MUNIT; T7 POV150 NOHSDP AGE65 DISABL LIMENG MINRTY CROWD NOVEH
    assert out.loc[TRACTS, "need_flags"].tolist() == [1, 0, 3, 1, 1, 1, 8, 0]
    assert out.loc[TRACTS, "not_ranked"].tolist() == [""] * 6 + [
        "no estimate for uninsur",
        "no residents",
    ]


def test_svi2018_hand_worked_with_reversed_income():
    out = am.need_index(_read("svi2018_hand.csv"), "svi2018")
    # PCI 30000 30000 50000 20000 10000 40000 -999: N = 6; ascending ranks T5=1, T4=2,
    # T1=T2=3, T6=5, T3=6 -> (rank-1)/5 = .4 .4 1 .2 0 .8; EPL_PCI = 1 - that:
    _check(out, "epl_pci", [0.6, 0.6, 0, 0.8, 1, 0.2, NAN, NAN])
    # (ranking the negated income instead would give T1 = T2 = .4: not CDC's method)
    # Theme 1 = POV + UNEMP + PCI + NOHSDP
    # T1 0 + .5 + .6 + 0 = 1.1          T2 .1667 + .5 + .6 + .1667 = 1.4334
    # T3 .3333 + .3333 + 0 + .3333 = .9999  T4 .5 + .8333 + .8 + .5 = 2.6333
    # T5 .6667 + 0 + 1 + .6667 = 2.3334 T6 .8333 + 1 + .2 + .8333 = 2.8666; T7 no PCI
    _check(out, "spl_theme1", [1.1, 1.4334, 0.9999, 2.6333, 2.3334, 2.8666, NAN, NAN])
    _check(out, "rpl_theme1", [0.2, 0.4, 0, 0.8, 0.6, 1, NAN, NAN])
    # Theme 2 = AGE65 + AGE17 + DISABL + SNGPNT (LIMENG is in theme 3 in 2018)
    # T1 .1667 + .1667 = .3334; T2 .3333; T3 .3333 + 1 + .1667 + 1 = 2.5;
    # T4 .5 + .8333 + .5 + .3333 = 2.1666; T5 .6667 * 3 + .5 = 2.5001;
    # T6 .8333 + .5 + .8333 + .6667 = 2.8333; T7 1 + .3333 + 1 + .8333 = 3.1666
    _check(out, "spl_theme2", [0.3334, 0.3333, 2.5, 2.1666, 2.5001, 2.8333, 3.1666, NAN])
    _check(out, "rpl_theme2", [0.1667, 0, 0.5, 0.3333, 0.6667, 0.8333, 1, NAN])
    # Theme 3 = MINRTY (.6667 .6667 0 .1667 .3333 .5 1) + LIMENG (0 0 .3333 .5 .5 .8333 1)
    # = .6667 .6667 .3333 .6667 .8333 1.3333 2: T1, T2, T4 tie at rank 2 -> 1/6
    _check(out, "spl_theme3", [0.6667, 0.6667, 0.3333, 0.6667, 0.8333, 1.3333, 2, NAN])
    _check(out, "rpl_theme3", [0.1667, 0.1667, 0, 0.1667, 0.6667, 0.8333, 1, NAN])
    # Theme 4 as in 2020
    _check(out, "rpl_theme4", [0.1667, 0.3333, 0.5, 0, 1, 0.8333, 0.5, NAN])
    # SPL_THEMES: T1 1.1 + .3334 + .6667 + 1.3333 = 3.4334; T2 1.4334 + .3333 + .6667
    # + 1.8333 = 4.2667; T3 .9999 + 2.5 + .3333 + 2 = 5.8332; T4 2.6333 + 2.1666 + .6667
    # + 1.1667 = 6.6333; T5 2.3334 + 2.5001 + .8333 + 2.5 = 8.1668; T6 2.8666 + 2.8333
    # + 1.3333 + 2.3333 = 9.3665
    _check(out, "spl_themes", [3.4334, 4.2667, 5.8332, 6.6333, 8.1668, 9.3665, NAN, NAN])
    _check(out, "rpl_themes", [0, 0.2, 0.4, 0.6, 0.8, 1, NAN, NAN])


def test_presets_by_name_and_in_a_project_yaml(tmp_path):
    a = load_indicators("svi2020")
    assert len(a.indicators) == 16 and a.svi_columns and a.min_population == 0
    themes = {k: i.theme for k, i in a.indicators.items()}
    assert [k for k, t in themes.items() if t == "theme3"] == ["minrty"]
    b = load_indicators("svi2018")
    assert len(b.indicators) == 15 and b.indicators["pci"].direction == "lower"
    assert "uninsur" not in b.indicators
    # a project YAML resolves `indicators: svi2020` against its folder: the name still wins
    assert load_indicators(tmp_path / "svi2020").source == a.source
    units = _read("svi2020_hand.csv")
    by_name = am.need_index(units, indicators="svi2020")
    assert by_name["rpl_themes"].equals(am.need_index(units, a)["rpl_themes"])


def test_cdc_min_population_is_zero_but_can_be_raised():
    units = _read("svi2020_hand.csv")
    out = am.need_index(units, "svi2020", min_population=100)
    assert out.loc[TRACTS[2], "not_ranked"] == "fewer than 100 residents"
    assert math.isnan(out.loc[TRACTS[2], "rpl_themes"])
    assert out.loc[TRACTS[2], "pov150"] == 30  # shown, not ranked


def test_percentile_rank_rounds_half_up_exactly():
    # 3 of 20000 -> .00015 exactly: half up gives .0002 (float rounding may give .0001)
    values = pd.Series(np.arange(20001, dtype=float))
    assert percentile_rank(values).iloc[3] == 0.0002
    # reversed: 1 - 3/20000 = .99985 -> .9999
    assert percentile_rank(values, reverse=True).iloc[3] == 0.9999


# --- an independent reimplementation of the documented steps, in exact fractions ------


def _round4(x: Fraction) -> Fraction:
    return Fraction(math.floor(x * 10000 + Fraction(1, 2)), 10000)


def _rank_exact(values: dict[int, Fraction], reverse: bool = False) -> dict[int, Fraction]:
    n = len(values)
    out = {}
    for i, v in values.items():
        rank = 1 + sum(1 for w in values.values() if w < v)
        p = Fraction(rank - 1, n - 1) if n > 1 else Fraction(0)
        out[i] = _round4(1 - p if reverse else p)
    return out


def _svi_exact(pop, data, themes, reverse):
    rows = [i for i in range(len(pop)) if pop[i] > 0]
    epl = {}
    for var, vals in data.items():
        valid = {i: Fraction(vals[i]).limit_denominator(10) for i in rows if vals[i] != -999}
        epl[var] = _rank_exact(valid, reverse=var in reverse)
    spl = {}
    for theme, vars_ in themes.items():
        complete = [i for i in rows if all(i in epl[v] for v in vars_)]
        spl[theme] = {i: sum(epl[v][i] for v in vars_) for i in complete}
    rpl = {t: _rank_exact(s) for t, s in spl.items()}
    total = {i: sum(spl[t][i] for t in themes) for i in rows if all(i in spl[t] for t in themes)}
    return epl, rpl, _rank_exact(total)


@st.composite
def _svi_data(draw):
    n = draw(st.integers(min_value=2, max_value=25))
    pop = draw(st.lists(st.sampled_from([0, 5, 120, 3000]), min_size=n, max_size=n))
    value = st.one_of(st.sampled_from([-999.0]), st.integers(0, 6).map(lambda k: k / 2))
    data = {v: draw(st.lists(value, min_size=n, max_size=n)) for v in ("A", "B", "C", "D", "E")}
    return pop, data


@settings(max_examples=60, deadline=None)
@given(_svi_data())
def test_need_index_equals_an_exact_reimplementation(case):
    pop, data = case
    themes = {"t1": ["A", "B", "C"], "t2": ["D"], "t3": ["E"]}
    reverse = {"C"}
    yml = {
        k: Indicator(k, k, column=k, theme=t, direction="lower" if k in reverse else "higher")
        for t, ks in themes.items()
        for k in ks
    }
    ind = IndicatorSet(indicators=yml, min_population=0, svi_columns=True)
    units = pd.DataFrame({"population": pop, **data}, index=[f"u{i}" for i in range(len(pop))])
    out = am.need_index(units, ind)
    epl, rpl, overall = _svi_exact(pop, data, themes, reverse)
    for i, uid in enumerate(units.index):
        for var in data:
            got = out.loc[uid, f"epl_{var}"]
            assert (i not in epl[var] and math.isnan(got)) or got == float(epl[var][i])
        for t in themes:
            got = out.loc[uid, f"rpl_{t}"]
            assert (i not in rpl[t] and math.isnan(got)) or got == float(rpl[t][i])
        got = out.loc[uid, "rpl_themes"]
        assert (i not in overall and math.isnan(got)) or got == float(overall[i])
