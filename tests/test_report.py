"""The report: citable numbers, escaped text, reproducible bytes."""

from __future__ import annotations

import re

import pytest

import assetmap as am
from assetmap.report.build import md_escape, ordinal, report_facts

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    '"><svg onload=alert(3)>',
    "[click](javascript:alert(4))",
    "| broken | table |",
    "&lt;b&gt;entity&lt;/b&gt;",
]


@pytest.fixture(scope="module")
def hostile_atlas(sample_project):
    assets = sample_project.assets.copy()
    assets["name"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(assets))]
    units = sample_project.units.copy()
    units.loc[units.index[0], "name"] = "<b onmouseover=alert(9)>Mott Haven</b>"
    return am.Atlas.build(units, assets, name="<script>alert('title')</script>", synthetic=True)


@pytest.mark.slow
def test_html_report_escapes_every_data_string(hostile_atlas, tmp_path):
    paths = hostile_atlas.report(tmp_path)
    html = paths["html"].read_text()
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "<svg" not in html and "<b onmouseover" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown as text
    assert "&amp;lt;b&amp;gt;entity" in html  # an entity in data stays literal text
    # the page forbids scripts outright, as a second line of defence
    assert "default-src 'none'" in html
    assert len(re.findall(r"<script", html, flags=re.I)) == 0


@pytest.mark.slow
def test_markdown_report_escapes_markup(hostile_atlas, tmp_path):
    md = hostile_atlas.report(tmp_path)["md"].read_text()
    assert "<img" not in md.replace("\\<img", "")
    assert not re.search(r"(?<!\\)\]\(javascript:", md)  # no live link
    assert "\\| broken \\| table \\|" in md
    # every table row keeps its column count despite pipes in names
    for block in re.findall(r"((?:^\|.*\n)+)", md, flags=re.M):
        rows = [r for r in block.strip().split("\n")]
        counts = {len(re.findall(r"(?<!\\)\|", r)) for r in rows}
        assert len(counts) == 1, rows[:3]


def test_summary_sentences_carry_number_source_and_method(sample_atlas):
    facts = report_facts(sample_atlas)
    assert 3 <= len(facts["summary"]) <= 5
    for f in facts["summary"]:
        assert re.search(r"\d", f["text"]), f
        assert f["source"] and f["method"]
    first = facts["summary"][0]["text"]
    residential = int((sample_atlas.units["population"] > 0).sum())
    assert f"of {residential} residential neighbourhoods" in first


def test_domain_table_numbers_match_the_tables(sample_atlas):
    facts = report_facts(sample_atlas)
    food = next(r for r in facts["domains"] if r["key"] == "food")
    gaps = sample_atlas.gaps[sample_atlas.gaps["domain"] == "food"]
    assert food["gaps"] == len(gaps)
    # the sample places residents at population points: gaps count those beyond reach
    assert food["gap_pop"] == f"{gaps['population_beyond'].sum():,.0f}"
    assert food["services"] == int((sample_atlas.assets["domain"] == "food").sum())


def test_helpers():
    assert md_escape("a|b") == "a\\|b"
    assert md_escape("# not a heading") == "\\# not a heading"
    assert [ordinal(x) for x in (1, 2, 3, 11, 12, 13, 21, 92, 100)] == [
        "1st",
        "2nd",
        "3rd",
        "11th",
        "12th",
        "13th",
        "21st",
        "92nd",
        "100th",
    ]


def test_each_domain_says_where_a_new_site_would_reach_the_most(sample_atlas, tmp_path):
    facts = report_facts(sample_atlas)
    food = next(r for r in facts["domains"] if r["key"] == "food")
    sites = sample_atlas.sites[sample_atlas.sites["domain"] == "food"]
    assert [s["rank"] for s in food["sites"]] == sites["rank"].tolist()
    first = food["sites"][0]
    assert first["residents"] == f"{sites['new_residents'].iloc[0]:,.0f}"
    assert first["high_need"] == f"{sites['new_high_need_residents'].iloc[0]:,.0f}"
    assert first["name"] == sites["name"].iloc[0]
    # one citable sentence on the best new site, with its number, source and method
    (sentence,) = [f for f in facts["summary"] if f["text"].startswith("One new ")]
    assert f"would bring {first['residents']} residents" in sentence["text"]
    assert "in high-need neighbourhoods, within a 15-minute walk" in sentence["text"]
    assert "Church & ReVelle 1974" in sentence["method"]
    assert "synthetic asset inventory" in sentence["source"]
    methods = " ".join(facts["methods"])
    assert "maximal covering location problem (Church & ReVelle 1974" in methods
    assert "Nemhauser, Wolsey & Fisher 1978" in methods
    paths = sample_atlas.report(tmp_path, figures=False, pdf=False)
    html, md = paths["html"].read_text(), paths["md"].read_text()
    assert html.count("Where a new site would reach the most") == md.count(
        "#### Where a new site would reach the most"
    )
    assert (
        md.count("#### Where a new site would reach the most")
        == sample_atlas.sites["domain"].nunique()
    )
    assert "come from the synthetic inventory" in md
    row = f"| 1 | {md_escape(first['name'])} | {first['kind']} | {first['residents']} |"
    assert row in md


def test_site_names_are_escaped_in_the_report(hostile_atlas, tmp_path):
    from markupsafe import escape

    names = set(hostile_atlas.sites["name"])
    assert {f"at {h}" for h in HOSTILE} <= names  # partner sites carry the hostile names
    paths = hostile_atlas.report(tmp_path, figures=False, pdf=False)
    html, md = paths["html"].read_text(), paths["md"].read_text()
    assert "<img src=x" not in html and "<svg" not in html
    for name in names:
        assert str(escape(name)) in html, name
        assert md_escape(name) in md, name


def test_each_gap_domain_says_what_the_hospital_brings_nearby(sample_atlas, tmp_path):
    near = sample_atlas.anchor.spaces_near_gaps
    facts = report_facts(sample_atlas)
    by_key = {r["key"]: r for r in facts["domains"]}
    gap_domains = set(sample_atlas.gaps["domain"])
    for key, r in by_key.items():
        if key not in gap_domains:
            assert r["hospital_near"] is None  # no gap, nothing to bring
            continue
        spaces = [s["space"] for s in r["hospital_near"]["spaces"]]
        assert spaces == list(dict.fromkeys(near.loc[near["domain"] == key, "space_name"]))
    food = by_key["food"]["hospital_near"]["spaces"]
    kitchen = next(s for s in food if s["space"] == "Teaching Kitchen")
    assert kitchen["units"] == "Claremont Village-Claremont (East) (14 min away)"
    paths = sample_atlas.report(tmp_path, figures=False, pdf=False)
    md = paths["md"].read_text()
    assert md.count("#### What the hospital brings nearby") == len(gap_domains)
    assert "- Teaching Kitchen (teaching kitchen; Tue-Thu 13:00-19:00) is within reach of" in md


# --- domains the inventory cannot speak for ----------------------------------------------


def _food_and_care_atlas(*, min_services: int = 1) -> am.Atlas:
    """Six Bronx squares (tests/_atlas_fixture.py) and five services: 3 food, 2 primary care."""
    from tests._atlas_fixture import _assets, _units

    assets = _assets(hostile=False, crowd=0)
    assets = assets[assets["domain"].isin(["food", "primary_care"])].iloc[:5]
    return am.Atlas.build(
        _units(hostile=False), assets, name="Five services", min_services=min_services
    )


def test_domains_without_services_make_no_finding(caplog, tmp_path):
    import logging

    with caplog.at_level(logging.WARNING, logger="assetmap.atlas"):
        atlas = _food_and_care_atlas()
    assert atlas.assets["domain"].value_counts().to_dict() == {"food": 3, "primary_care": 2}
    others = [k for k in atlas.domains if k not in ("food", "primary_care")]
    assert list(atlas.not_assessed) == others  # nine domains, in file order
    housing = (
        "The inventory lists no housing and shelter services, so housing and shelter gaps "
        "are not assessed."
    )
    assert atlas.not_assessed["housing"] == housing
    # the build says so: one warning per domain, from the library's logger
    warned = [r.getMessage() for r in caplog.records if r.name == "assetmap.atlas"]
    assert housing in warned and len(warned) == len(others)
    # no gap, coverage row or suggested site for a domain with nothing in the inventory
    assert set(atlas.gaps["domain"]) <= {"food", "primary_care"}
    assert set(atlas.coverage["domain"]) <= {"food", "primary_care"}
    assert set(atlas.sites["domain"]) <= {"food", "primary_care"}
    assert set(atlas.access.loc[atlas.access["domain"] == "housing", "status"]) == {"not_assessed"}
    facts = report_facts(atlas)
    labels = [atlas.domains[k].label.lower() for k in others]
    for f in facts["summary"]:
        assert not any(label in f["text"].lower() for label in labels), f["text"]
    assert facts["not_assessed"] == list(atlas.not_assessed.values())
    row = next(r for r in facts["domains"] if r["key"] == "housing")
    assert (row["services"], row["served_share"], row["gaps"]) == (0, "not assessed", "—")
    paths = atlas.report(tmp_path, figures=False, pdf=False)
    md = paths["md"].read_text()
    html = paths["html"].read_text()
    assert f"- *{housing}*" in md
    assert f'<p class="not-assessed">{housing}</p>' in html
    assert "residents live more than a 20-minute walk from any housing" not in md
    assert "No high-need neighbourhood lacks a housing" not in md
    csv = paths["domains_csv"].read_text()
    assert "housing,Housing and shelter,20,0,not assessed,not assessed,—,not assessed,—,0" in csv


def test_too_few_services_to_judge(caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="assetmap.atlas"):
        atlas = _food_and_care_atlas(min_services=3)
    # 3 food services are enough; 2 primary care services are not
    assert atlas.not_assessed["primary_care"] == (
        "The inventory lists only 2 primary care services (fewer than 3), so primary care "
        "gaps are not assessed."
    )
    assert "food" not in atlas.not_assessed
    assert set(atlas.gaps["domain"]) <= {"food"}
    assert atlas.provenance["parameters"]["min_services"] == 3


# --- indicators, unreliable estimates and units not ranked --------------------------------


def test_methods_list_every_indicator_with_its_acs_tables(sample_atlas):
    from assetmap.report._need import acs_tables, indicator_rows

    facts = report_facts(sample_atlas)
    rows = {r["key"]: r for r in facts["indicators"]}
    assert list(rows) == list(sample_atlas.indicators.indicators)  # every one, in file order
    assert rows["poverty_150"] == {
        "key": "poverty_150",
        "label": "Below 150% of the poverty level",
        "tables": "B06012",
        "variables": "B06012_002 + B06012_003 / B06012_001",
        "universe": "people for whom poverty status is determined",
        "direction": "higher = more need",
        "theme": "socioeconomic",
    }
    assert rows["uninsured"]["tables"] == "DP03, DP02"  # numerator's table, then universe's
    assert acs_tables(["B08201_002", "B19001_001", "S1701_C01_001"]) == [
        "B08201",
        "B19001",
        "S1701",
    ]
    svi = {r["key"]: r for r in indicator_rows(am.load_indicators("svi2018"))}
    assert svi["pci"]["tables"] == "units file" and svi["pci"]["variables"] == "column EP_PCI"
    assert svi["pci"]["direction"] == "lower = more need"
    # the sentence that sends readers to Methods now finds them there
    assert "listed under Methods" in facts["summary"][0]["method"]
    methods = " ".join(facts["methods"])
    assert "coefficient of variation is above 30%" in methods
    assert "fewer than 100 residents" in methods


def test_units_not_ranked_are_listed_with_the_reason(sample_atlas):
    nr = report_facts(sample_atlas)["not_ranked"]
    rows = {r["unit_id"]: r for r in nr["rows"]}
    assert rows["BX2891"] == {
        "name": "Pelham Bay Park",
        "unit_id": "BX2891",
        "population": "57",
        "reason": "fewer than 100 residents",
    }
    assert rows["BX2791"]["population"] == "26"  # Bronx Park
    units = sample_atlas.units
    assert nr["empty"] == int((units["population"] == 0).sum())
    # a unit missing estimates is named with the indicators' labels, not their keys
    lacking = units.index[units["not_ranked"].str.startswith("no estimate")]
    for uid in lacking:
        assert rows[uid]["reason"].startswith("no estimate for ")
        assert "_" not in rows[uid]["reason"]
    assert set(rows) == set(units.index[~units["not_ranked"].isin(["", "no residents"])])
    top = {t["unit_id"] for t in report_facts(sample_atlas)["top_gaps"]}
    assert not top & set(rows)


@pytest.mark.slow
def test_top_need_table_marks_unreliable_estimates(sample_project, tmp_path):
    """West Farms (BX0601): 5,384 of 6,977 households without a vehicle, p = 0.7717.

    With a margin of 5,000 on the count (409 on the universe): sqrt(5000² - p² x 409²) /
    6977 = 0.7152, CV = 0.7152 / 1.645 / 0.7717 = 0.563 > 0.30: unreliable. Its value and
    its rank are unchanged; the table marks it and names it under the table.
    """
    units = sample_project.units.copy()
    units.loc["BX0601", "B08201_002M"] = 5000.0
    atlas = am.Atlas.build(units, sample_project.assets, name="Shaky", synthetic=True)
    assert atlas.units.loc["BX0601", "no_vehicle_cv"] == pytest.approx(0.563, abs=1e-3)
    facts = report_facts(atlas)
    (west,) = [t for t in facts["top_gaps"] if t["unit_id"] == "BX0601"]
    marks = {label: (value, flag) for label, value, flag in west["indicators"]}
    assert marks["Households without a vehicle"] == ("77.2%", "unreliable")
    assert marks["Below the poverty level"][1] == ""
    assert west["rests_on"] == "Households without a vehicle"
    paths = atlas.report(tmp_path, figures=False, pdf=False)
    md = paths["md"].read_text()
    assert "| 77.2% (unreliable) |" in md
    assert "- West Farms (BX0601): Households without a vehicle" in md
    assert "- Pelham Bay Park (BX2891), 57 residents: fewer than 100 residents" in md
    assert "| Below the poverty level | B06012 | B06012\\_002 / B06012\\_001 |" in md
    html = paths["html"].read_text()
    assert '77.2% <span class="unreliable">(unreliable)</span>' in html
    assert "<li>Pelham Bay Park (BX2891), 57 residents: fewer than 100 residents</li>" in html
    assert "<td>Below the poverty level</td><td>B06012</td>" in html


def test_domain_row_counts_residents_in_reach_and_the_median_over_points(tmp_path):
    from assetmap.analysis.access import TravelOptions
    from tests.test_access import two_unit_five_point_study

    units, assets, points, doms, ind = two_unit_five_point_study()
    atlas = am.Atlas.build(
        units,
        assets,
        domains=doms,
        indicators=ind,
        travel=TravelOptions(circuity=1.0),
        points=points,
    )
    row = report_facts(atlas)["domains"][0]
    # within 10 minutes: East's points at 2 and 4 minutes (200 of 500 residents), not
    # "East has a point in reach" (1 of 2 neighbourhoods, 50%); half of the residents live
    # within 15 minutes (the West point of 150 at 15 minutes), though East's mean is 12
    assert (row["served_share"], row["unserved_pop"], row["median_min"]) == (
        "40.0%",
        "300",
        "15 min",
    )
    csv = atlas.report(tmp_path, figures=False, pdf=False)["domains_csv"].read_text()
    assert csv.splitlines()[0].split(",")[4] == "residents_with_service_pct"
    assert csv.splitlines()[1].split(",")[4] == "40.0%"


# --- the report as a document (issue 14) -------------------------------------------------


def test_articles_follow_the_sound_of_the_next_word():
    from assetmap.report._words import article

    an = ("employment", "older adults", "interpersonal", "hour", "SVI", "8", "18", "80", "11,000")
    a = ("food", "unit", "utility", "one-stop", "European", "CDC", "15", "110", "1,800")
    assert [article(w) for w in an] == ["an"] * len(an)
    assert [article(w) for w in a] == ["a"] * len(a)


def test_report_reads_an_before_a_vowel_and_defines_its_terms(sample_atlas, tmp_path):
    paths = sample_atlas.report(tmp_path, figures=False, pdf=False)
    html, md = paths["html"].read_text(), paths["md"].read_text()
    for text in (html, md):
        assert "lacks an employment and training service" in text
        assert not re.search(r"\ba (employment|older|interpersonal|utility help)\b", text)
    targets = set(re.findall(r'href="#(term-[\w-]+)"', html))
    assert {"term-gap", "term-median-nearest", "term-need-percentile", "term-2sfca"} <= targets
    assert all(f'id="{t}"' in html for t in targets)  # every term links to its definition
    summary = html[: html.index('id="appendix"')]
    for term in ("Threshold</strong>", "Gap</strong>", "Cluster (overlap)</strong>"):
        assert term in summary  # defined under the table that uses it
    assert "Median nearest: half of the residents" in summary


def test_citation_has_year_and_version(sample_atlas):
    from assetmap.report._words import CITATION_YEAR

    cite = report_facts(sample_atlas)["citation"]
    version = sample_atlas.provenance.get("assetmap_version", "0")
    assert f"({CITATION_YEAR})" in cite and f"version {version}" in cite


def test_tables_wrap_between_words_and_print_without_split_rows(sample_atlas, tmp_path):
    html = sample_atlas.report(tmp_path, figures=False, pdf=False)["html"].read_text()
    assert "overflow-wrap: anywhere" not in html and "word-break: normal" in html
    assert html.count('<div class="scroll"><table') == html.count("<table")
    assert "tr, .finding, img.figure, dl.glossary dd { break-inside: avoid; }" in html
    assert 'counter(page) " of " counter(pages)' in html
    assert "Run date" not in html  # the date goes only into the printed copy


def test_the_run_date_goes_only_into_the_printed_copy():
    from assetmap.report._pdf import print_copy, run_date

    html = "<html><head><title>x</title></head><body>same</body></html>"
    copy = print_copy(html, "2026-12-05T07:54:46+00:00")
    assert 'content: "Run date 2026-12-05"' in copy and copy.endswith("<body>same</body></html>")
    assert print_copy(html, 'x"; } body { display: none') == html  # not a date: nothing added
    assert run_date({"run": {"run_at": "2025-01-31T23:59:59+00:00"}}) == "2025-01-31"
