"""Co-design in the build: change report, earlier ACS periods, partners, goals, screening.

* ``assetmap.report.change``: sentences carrying both studies, worked on the four-unit
  study of ``tests/test_compare.py`` (U0's poverty rose 6.0 ± 5.0 points, significant;
  U3's fell 3 points; U1 not significant; U2 not tested), the change map, escaping;
* ``load_sample(acs=...)``: councilcount's 2007–2011 and 2012–2016 NTA estimates as
  published, codes matched by description (DP05_0021 in 2011 is the 2023 DP05_0024);
* an indicator no unit has (disability was not in the 2007–2011 data profiles) is left
  out of the need index with a sentence, instead of leaving every unit unranked.
"""

from __future__ import annotations

import logging

import pandas as pd
import pytest

import assetmap as am
from assetmap.analysis.compare import Comparison
from assetmap.maps._classes import classify_values
from assetmap.report.change import change_figure, change_sentences, write_change_report
from tests.test_compare import _study


@pytest.fixture(scope="module")
def studies() -> tuple[am.Atlas, am.Atlas]:
    return _study(False), _study(True)


@pytest.fixture(scope="module")
def comparison(studies: tuple[am.Atlas, am.Atlas]) -> Comparison:
    return am.compare(*studies, labels=("ACS 2012-2016", "ACS 2019-2023"))


def test_sentences_carry_both_periods_and_the_worked_numbers(comparison: Comparison) -> None:
    said = change_sentences(comparison)
    poverty = next(s for s in said if s.startswith("Below the poverty level"))
    assert poverty == (
        "Below the poverty level: from ACS 2012-2016 to ACS 2019-2023, rose significantly "
        "(at 90%) in 1 and fell significantly in 1 of 3 neighbourhoods tested; the largest, "
        "Concourse: 20.0% in ACS 2012-2016, 26.0% in ACS 2019-2023 (+6.0 points ± 5.0)."
    )
    food = next(s for s in said if s.startswith("Food"))
    assert food == (
        "Food: 1 gap in ACS 2012-2016, 0 in ACS 2019-2023 (1 closed, 0 opened); 1 service "
        "opened, 0 closed, 0 moved; 1,200 residents newly within reach."
    )
    assert said[0].endswith("Residents newly within reach of a service, by domain: 1,200 (food).")


def test_unnamed_studies_read_as_words(studies: tuple[am.Atlas, am.Atlas]) -> None:
    said = change_sentences(am.compare(*studies))
    assert any("in the earlier build, 26.0% in the later build" in s for s in said)


def test_change_map_and_report_escape_names(comparison: Comparison, studies, tmp_path) -> None:
    units = studies[1].units.copy()
    hostile = '<img src=x onerror="alert(1)">'
    c = Comparison(
        change=comparison.change.assign(
            name=comparison.change["name"].replace("Concourse", hostile)
        ),
        need=comparison.need,
        gaps=comparison.gaps,
        services=comparison.services,
        domains=comparison.domains,
        matched_units=4,
        labels=comparison.labels,
        params=comparison.params,
    )
    paths = write_change_report(c, units, tmp_path)
    page = (tmp_path / "change.html").read_text()
    assert hostile not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<h1>What changed: ACS 2012-2016 to ACS 2019-2023</h1>" in page
    # one map per indicator with a tested change; PNGs without timestamps (same bytes twice)
    assert paths["figure:poverty_100"].read_bytes()[:4] == b"\x89PNG"
    assert change_figure(c, units, "poverty_100") == paths["figure:poverty_100"].read_bytes()
    assert "change_figures/poverty_100.png" in (tmp_path / "change.md").read_text()


def test_an_indicator_empty_everywhere_is_left_out_with_a_sentence(caplog) -> None:
    units = am.load_sample().units.copy()
    units[["DP02_0072E", "DP02_0072M"]] = float("nan")
    with caplog.at_level(logging.WARNING):
        out = am.need_index(units)
    assert out.attrs["need_left_out"] == {
        "disability": "disability (With a disability): no unit with residents has an "
        "estimate, so it is left out of the need index, which ranks on the other 9 indicators"
    }
    assert "left out of the need index" in caplog.text
    assert (
        out["need_pct"].notna().sum()
        == am.need_index(am.load_sample().units)["need_pct"].notna().sum()
    )
    assert out["disability_pct"].isna().all()


def test_an_empty_indicator_classes_to_no_legend_rows() -> None:
    c = classify_values(pd.Series([float("nan")] * 3))
    assert c.ranges() == [] and c.k == 0


def test_sample_2007_2011_is_councilcounts_2011_file() -> None:
    old = am.load_sample(acs="2007-2011")
    u = old.units.loc["BX0101"]
    # councilcount nta-geographies_2011.csv, BX0101 (Mott Haven-Port Morris)
    assert u["population"] == 52413 and u["B01001_001M"] == 1861
    assert u["DP02_0001E"] == 20070  # households, the same code in both years
    assert pd.isna(u["DP02_0072E"])  # disability: not in the 2007-2011 data profiles
    new = am.load_sample()
    assert len(old.assets) < len(new.assets)
    assert old.name == "Bronx sample, ACS 2007-2011 (real need data, synthetic assets)"
    sources = {s["name"]: s for s in old.provenance["sources"]}
    assert "SYNTHETIC" in sources["Earlier inventory (2007-2011)"]["note"]
    with pytest.raises(am.errors.InputError, match="not '2011'"):
        am.load_sample(acs="2011")


def test_the_sample_build_carries_screening_demand(sample_atlas, tmp_path) -> None:
    """bronx.yml's anchor.screening: the demand table, its CSVs and the report section."""
    from assetmap.report.build import render_report, report_facts

    demand = sample_atlas.anchor.screening_demand
    assert set(demand["domain"]) == {"food", "housing", "transportation", "utilities", "safety"}
    assert demand["unmet"].any() and demand.loc[demand["unmet"], "reason"].str.len().gt(0).all()
    tables = sample_atlas.anchor.tables()
    assert {"screening", "screening_totals", "referrals"} <= set(tables)
    # small cells stay hidden in the published table: no count from 1 to 10
    pos = pd.to_numeric(tables["screening"]["positive"], errors="coerce").dropna()
    assert not pos.between(1, 10).any()
    facts = report_facts(sample_atlas)
    html, md = render_report(facts)
    assert '<h3 id="hospital-screening">Screening demand</h3>' in html
    food = next(d for d in facts["anchor"]["screening"]["domains"] if d["domain"] == "Food")
    assert food["unmet"] != "none"
    assert "| Partner | Domain | Referrals sent | Closed | Closure rate |" in md


def test_the_sample_report_has_goals_and_partners(sample_atlas) -> None:
    """bronx.yml's goals and the partners of every gap, as the report shows them."""
    from assetmap.report.build import render_report, report_facts

    assert list(sample_atlas.goals["name"]) == [
        "Food within reach",
        "Fewer food gaps",
        "Local hiring",
    ]
    gaps = sample_atlas.goals.set_index("name").loc["Fewer food gaps"]
    assert gaps["now"] == int((sample_atlas.gaps["domain"] == "food").sum())
    # every gap has at least one candidate, each with its reason
    keys = set(zip(sample_atlas.gaps["unit_id"], sample_atlas.gaps["domain"], strict=True))
    have = set(zip(sample_atlas.partners["unit_id"], sample_atlas.partners["domain"], strict=True))
    assert keys == have and sample_atlas.partners["reason"].str.len().gt(20).all()
    facts = report_facts(sample_atlas)
    html, md = render_report(facts)
    assert '<h2 id="goals">Shared goals</h2>' in html and '<h2 id="partners">' in html
    assert "| Local hiring | 40% |" in md
    first = facts["partners"]["first"][0]["where"]
    assert "(Food)" in first or "(Primary care)" in first
    assert "primary_care)" not in html


def test_partner_names_are_escaped_in_the_report(sample_atlas) -> None:
    import dataclasses

    from assetmap.report.build import render_report, report_facts

    hostile = "<script>alert(1)</script> Pantry"
    p = sample_atlas.partners.copy()
    p.loc[p.index[0], ["partner", "organisation"]] = hostile
    p.loc[p.index[0], "reason"] = hostile + " is near"
    html, md = render_report(report_facts(dataclasses.replace(sample_atlas, partners=p)))
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Pantry" in html


def test_the_map_names_the_partner_to_call_first_in_each_gap(sample_atlas) -> None:
    import dataclasses

    from assetmap.maps.build import map_spec

    p = sample_atlas.partners.copy()
    first = p[p["rank"] == 1].iloc[0]
    p.loc[first.name, "partner"] = "<b>Pantry</b>"
    spec = map_spec(dataclasses.replace(sample_atlas, partners=p), indicators=None)
    lines = [line for unit in spec["gaps"]["lines"] for line in unit]
    assert sum("; call first: " in line for line in lines) == len(sample_atlas.gaps)
    assert any("call first: &lt;b&gt;Pantry&lt;/b&gt;, " + first["kind"] in line for line in lines)


def test_the_map_draws_partners_off_at_start_with_a_legend_row(opened, demo_map, sample_atlas):
    """The "Partners who could close a gap" layer: off at start, one diamond per site."""
    from tests.test_browser import assert_clean, layer_box

    s = opened(demo_map)
    assert_clean(s)
    page = s.page
    assert page.locator(".am-partner").count() == 0
    box = layer_box(page, "Partners who could close a gap")
    assert not box.is_checked()
    box.check()
    sites = sample_atlas.partners["partner_id"].nunique()
    assert page.locator(".am-partner").count() == sites
    row = page.locator('.am-legend [data-layer="partners"]')
    assert row.count() == 1 and "off at start" in row.inner_text()
    page.locator(".am-partner").first.hover()
    assert "could help close" in page.locator(".leaflet-tooltip").first.inner_text()


def test_a_theme_whose_every_indicator_is_empty_is_left_out_whole() -> None:
    from assetmap.indicators import Indicator, IndicatorSet

    yml = {
        "a": Indicator("a", "A", column="a", theme="t1"),
        "b": Indicator("b", "B", column="b", theme="t2"),
    }
    units = pd.DataFrame(
        {"population": [100, 200, 300], "a": [1.0, 2.0, 3.0], "b": [float("nan")] * 3},
        index=["u0", "u1", "u2"],
    )
    out = am.need_index(units, IndicatorSet(indicators=yml, min_population=0))
    assert out["need_pct"].tolist() == [0.0, 0.5, 1.0]  # ranked on "a" alone
    assert out["theme_t2"].isna().all() and list(out.attrs["need_left_out"]) == ["b"]
    # the SVI presets follow CDC: nothing is left out, no unit with a missing value ranked
    svi = am.need_index(units, IndicatorSet(indicators=yml, min_population=0, svi_columns=True))
    assert svi["need_pct"].isna().all() and svi.attrs["need_left_out"] == {}
