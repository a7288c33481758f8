"""Shared goals: hand-worked measures on a 4-unit Atlas, statuses, baselines, bad YAML."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import assetmap as am
from assetmap.analysis.goals import (
    GOAL_COLUMNS,
    Goal,
    measure_goals,
    read_goals,
    write_goals,
)
from assetmap.anchor.model import Anchor
from assetmap.errors import ConfigError

# --------------------------------------------------------------- a 4-unit Atlas by hand

DOMAINS = am.load_domains()


def tiny_atlas(run_at: str | None = "2026-03-01T10:00:00+00:00") -> am.Atlas:
    """Four units, u2..u4 high need (need_pct >= 0.75); food measured, housing not assessed.

    Food, high-need units only (u1 has need 0.2):

    ======  ==========  ======  ===========  ======================
    unit    population  beyond  off network  measured (pop - off)
    ======  ==========  ======  ===========  ======================
    u2      2000        500     0            2000
    u3      3000        3000    0            3000
    u4      4000        1000    1000         3000
    ======  ==========  ======  ===========  ======================

    so reach = (8000 - 4500) / 8000 = 0.4375 (u1's 1000 residents, none beyond, do not count).
    """
    ids = pd.Index(["u1", "u2", "u3", "u4"], name="unit_id")
    units = gpd.GeoDataFrame(
        {"name": list("ABCD"), "population": [1000, 2000, 3000, 4000]},
        geometry=[box(i, 0, i + 1, 1) for i in range(4)],
        index=ids,
        crs="EPSG:4326",
    )
    units["need_pct"] = [0.2, 0.8, 0.9, 1.0]
    food = pd.DataFrame(
        {
            "unit_id": list(ids),
            "domain": "food",
            "count_within": [2.0, 0.75, 0.0, 0.5],
            "threshold_min": 15.0,
            "status": "ok",
            "population_beyond": [0.0, 500.0, 3000.0, 1000.0],
            "population_off_network": [0.0, 0.0, 0.0, 1000.0],
        }
    )
    housing = food.assign(
        domain="housing",
        status="not_assessed",
        count_within=0.0,
        threshold_min=20.0,
        population_beyond=np.nan,
        population_off_network=np.nan,
    )
    gaps = pd.DataFrame({"unit_id": ["u3", "u4", "u4"], "domain": ["food", "food", "primary_care"]})
    alignment = pd.DataFrame(
        {
            "measure": ["employees", "new_hires"],
            "share_high_need": [np.nan, 0.30],
            "units_hidden": [4, 2],
        }
    )
    anchor = Anchor(name="H", hospital=units.iloc[:0], alignment=alignment)
    prov: dict = {"parameters": {"need_percentile": 75.0, "travel": {"mode": "straight"}}}
    if run_at:
        prov["run"] = {"run_at": run_at}
    return am.Atlas(
        name="tiny",
        units=units,
        assets=units.iloc[:0],
        access=pd.concat([food, housing], ignore_index=True),
        gaps=gaps,
        overlaps=units.iloc[:0],
        domains=DOMAINS,
        indicators=None,  # type: ignore[arg-type]  # not read by the goals
        anchor=anchor,
        provenance=prov,
    )


def food_reach(target: float = 0.8, by: int = 2028, **kw) -> Goal:
    return Goal("Food within reach", "reach", target, by, domain="food", **kw)


def row(goal: Goal, atlas: am.Atlas | None = None, **kw) -> pd.Series:
    return measure_goals([goal], atlas or tiny_atlas(), **kw).iloc[0]


# --------------------------------------------------------------- measures, worked by hand


def test_reach_on_four_units_is_worked_by_hand() -> None:
    r = row(food_reach())
    assert r["now"] == pytest.approx(3500 / 8000)  # 0.4375
    assert r["year"] == 2026  # the provenance's run date


def test_reach_without_population_beyond_counts_units_with_nothing_within() -> None:
    atlas = tiny_atlas()
    atlas.access = atlas.access.drop(columns=["population_beyond", "population_off_network"])
    # high-need: u2 (2000, 0.75 within), u3 (3000, none), u4 (4000, 0.5): u3 is beyond
    assert row(food_reach(), atlas)["now"] == pytest.approx(6000 / 9000)


def test_reach_follows_the_builds_need_percentile() -> None:
    atlas = tiny_atlas()
    atlas.provenance["parameters"]["need_percentile"] = 95.0  # only u4 (need 1.0)
    assert row(food_reach(), atlas)["now"] == pytest.approx(2000 / 3000)


def test_gaps_and_anchor_measures() -> None:
    goals = [
        Goal("Fewer food gaps", "gaps", 1, 2028, domain="food"),
        Goal("Fewer gaps", "gaps", 3, 2028),
        Goal("Local hiring", "new_hires_high_need", 0.25, 2028),
    ]
    t = measure_goals(goals, tiny_atlas())
    assert list(t.columns) == GOAL_COLUMNS
    assert t["now"].tolist() == [2.0, 3.0, 0.30]
    assert t["status"].tolist() == ["no baseline", "met", "met"]
    assert t.loc[2, "note"] == "2 neighbourhoods with hidden small counts are left out"
    assert t.loc[1, "sentence"] == (
        "3 gaps remain across all domains; the goal is at most 3 by 2028: met."
    )
    assert t.loc[2, "sentence"] == (
        "30% of new hires living in the region live in high-need neighbourhoods; "
        "the goal is 25% by 2028: met."
    )


# --------------------------------------------------------------- statuses


def test_met_on_track_behind_and_not_measured() -> None:
    # baseline 25% in 2024, target 65% by 2028; now 43.75% in 2026: half the time gone
    on = row(food_reach(0.65, baseline=0.25, baseline_year=2024))
    assert on["progress"] == pytest.approx((0.4375 - 0.25) / 0.40)  # 0.469
    assert on["status"] == "behind"  # 46.9% of the way with 50% of the time gone
    early = row(food_reach(0.65, baseline=0.25, baseline_year=2024), year=2025)
    assert early["status"] == "on track"  # 46.9% of the way with 25% of the time gone
    assert early["sentence"] == (
        "44% of residents of high-need neighbourhoods are within a 15-minute walk of a "
        "food service; the goal is 65% by 2028 (baseline 25% in 2024): on track."
    )
    assert row(food_reach(0.40))["status"] == "met"
    late = row(food_reach(0.65, baseline=0.25, baseline_year=2020), year=2029)
    assert (late["status"], late["note"]) == ("behind", "the goal's year 2028 has passed")
    gone = row(food_reach(0.40, baseline=0.5, baseline_year=2024), year=2025)
    assert row(food_reach(0.5, baseline=0.6, baseline_year=2024))["status"] == "behind"
    assert gone["status"] == "met"
    housing = row(Goal("Housing", "reach", 0.5, 2028, domain="housing"))
    assert housing["status"] == "not measured" and np.isnan(housing["now"])
    assert housing["sentence"] == (
        "Housing: not measured (housing is not assessed: too few services in the "
        "inventory); the goal is 50% by 2028."
    )
    hidden = row(Goal("Staff", "employees_high_need", 0.5, 2028))
    assert hidden["note"] == "no published employees figure in the region (none, or all hidden)"
    none = row(Goal("Spend", "spend_high_need", 0.5, 2028))
    assert none["note"] == "the hospital's data have no spend figures"


def test_no_anchor_and_no_baseline_year() -> None:
    atlas = dataclasses.replace(tiny_atlas(), anchor=None)
    r = row(Goal("Hiring", "new_hires_high_need", 0.25, 2028), atlas)
    assert (r["status"], r["note"]) == ("not measured", "the build has no hospital data (anchor:)")
    r = row(food_reach(0.65, baseline=0.25))
    assert (r["status"], r["note"]) == ("no baseline", "the baseline has no year (baseline_year:)")


# --------------------------------------------------------------- baseline from an earlier Atlas


def test_baseline_from_an_earlier_atlas_wins_over_the_yaml_baseline() -> None:
    before = tiny_atlas(run_at="2024-05-01T09:00:00+00:00")
    food = before.access["domain"] == "food"
    before.access.loc[food, "population_beyond"] = [0.0, 2000.0, 3000.0, 2000.0]
    # high-need food: (8000 - 7000) / 8000 = 0.125
    before.gaps = pd.DataFrame({"unit_id": ["u2", "u3", "u4"], "domain": "food"})
    before.anchor = None  # an Atlas read back from a folder has no anchor
    goals = [
        food_reach(0.60, baseline=0.5, baseline_year=2020),
        Goal("Fewer food gaps", "gaps", 0, 2028, domain="food"),
        Goal("Local hiring", "new_hires_high_need", 0.5, 2028, baseline=0.2, baseline_year=2023),
    ]
    t = measure_goals(goals, tiny_atlas(), baseline=before)
    assert t["baseline"].tolist() == pytest.approx([0.125, 3.0, 0.2])
    assert t["baseline_year"].tolist() == [2024, 2024, 2023]
    # food: (0.4375 - 0.125) / (0.6 - 0.125) = 0.658 of the way, half the time gone
    assert t.loc[0, "progress"] == pytest.approx(0.3125 / 0.475)
    assert t.loc[0, "status"] == "on track"
    # gaps 3 -> 2 towards 0: a third of the way, half the time gone
    assert (t.loc[1, "progress"], t.loc[1, "status"]) == (pytest.approx(1 / 3), "behind")
    assert t.loc[1, "sentence"] == (
        "2 food gaps remain; the goal is none by 2028 (baseline 3 in 2024): behind."
    )
    # hiring: 0.2 (2023) -> 0.3 (2026) towards 0.5 (2028): 1/3 of the way, 3/5 of the time
    assert t.loc[2, "status"] == "behind"


def test_baseline_read_back_from_an_output_folder(tmp_path: Path) -> None:
    from assetmap.cli.compare import read_output_folder
    from assetmap.export import write_layers

    before = tiny_atlas()
    (tmp_path / "old").mkdir()
    write_layers(before, tmp_path / "old" / "layers.gpkg")
    (tmp_path / "old" / "provenance.json").write_text(
        '{"run": {"run_at": "2024-01-02T00:00:00+00:00"}, "parameters": {"need_percentile": 75}}'
    )
    old = read_output_folder(tmp_path / "old")
    r = row(food_reach(0.6), baseline=old)
    assert (r["baseline"], r["baseline_year"]) == (pytest.approx(0.4375), 2024)


def test_write_goals_is_spreadsheet_safe(tmp_path: Path) -> None:
    t = measure_goals([Goal("=HYPERLINK(1)", "gaps", 1, 2028)], tiny_atlas())
    text = write_goals(t, tmp_path / "goals.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(GOAL_COLUMNS)
    assert "\n'=HYPERLINK(1)," in text


def test_a_state_of_units_is_measured_in_well_under_a_second() -> None:
    import time

    n = 240_000
    ids = pd.Index([f"u{i}" for i in range(n)], name="unit_id")
    units = gpd.GeoDataFrame(
        {"population": np.full(n, 100.0), "need_pct": np.linspace(0, 1, n)}, index=ids
    )
    access = pd.DataFrame(
        {
            "unit_id": np.tile(ids, 2),
            "domain": np.repeat(["food", "housing"], n),
            "status": "ok",
            "threshold_min": 15.0,
            "population_beyond": np.tile(np.where(np.arange(n) % 4 == 0, 100.0, 0.0), 2),
        }
    )
    atlas = dataclasses.replace(tiny_atlas(), units=units, access=access)
    started = time.perf_counter()
    r = row(food_reach(), atlas)
    assert time.perf_counter() - started < 1.0
    assert r["now"] == pytest.approx(0.75, abs=1e-4)


# --------------------------------------------------------------- bad YAML, one sentence each

GOOD = {"name": "Food within reach", "measure": "reach", "domain": "food", "target": "80%"}


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        (
            {"measure": "reech"},
            "p.yml: goals[1].measure 'reech' is not a goal measure; known: reach, gaps, "
            "employees_high_need, new_hires_high_need, spend_high_need, investment_high_need",
        ),
        (
            {"target": "150%"},
            "p.yml: goals[1].target must be a share from 0 to 1 (e.g. 0.8) or a percent from "
            "0% to 100% (e.g. \"80%\"), not '150%'",
        ),
        (
            {"target": 80},
            "p.yml: goals[1].target must be a share from 0 to 1 (e.g. 0.8) or a percent from "
            '0% to 100% (e.g. "80%"), not 80',
        ),
        (
            {"domain": None},
            "p.yml: goals[1].domain is required for measure reach (e.g. domain: food)",
        ),
        (
            {"domain": "fod"},
            "p.yml: goals[1].domain 'fod' is not a domain; did you mean 'food'? known: "
            + ", ".join(DOMAINS),
        ),
        (
            {"measure": "gaps", "target": 2.5},
            "p.yml: goals[1].target must be a whole number of gaps, 0 or more (e.g. 5), not 2.5",
        ),
        (
            {"measure": "new_hires_high_need"},
            "p.yml: goals[1].domain is not used by measure new_hires_high_need (the "
            "hospital's data); remove it",
        ),
        ({"by": "2027"}, "p.yml: goals[1].by must be a year such as 2027, not '2027'"),
        (
            {"by": None},
            "p.yml: goals[1].by is required: the year the target is to be reached (e.g. by: 2027)",
        ),
        (
            {"target": None},
            "p.yml: goals[1].target is required: a share from 0 to 1 (e.g. 0.8) or a percent "
            'from 0% to 100% (e.g. "80%")',
        ),
        (
            {"baseline_year": 2030},
            "p.yml: goals[1].baseline_year 2030 is after the goal's year by: 2027",
        ),
        (
            {"colour": "red"},
            "p.yml: goals[1] has unknown keys ['colour']; known keys: name, measure, domain, "
            "target, by, baseline, baseline_year",
        ),
        (
            {"name": "Local hiring"},
            "p.yml: goals[1].name 'Local hiring' is already the name of goals[0]",
        ),
    ],
    ids=lambda v: str(v)[:30] if isinstance(v, dict) else "",
)
def test_a_bad_goal_is_one_sentence(change: dict, sentence: str) -> None:
    first = {"name": "Local hiring", "measure": "new_hires_high_need", "target": 0.25, "by": 2027}
    bad = {k: v for k, v in {**GOOD, "by": 2027, **change}.items() if v is not None}
    with pytest.raises(ConfigError) as err:
        read_goals([first, bad], path="p.yml", domains=DOMAINS)
    assert str(err.value) == sentence


def test_goals_not_a_list_or_an_entry_not_a_mapping() -> None:
    with pytest.raises(ConfigError, match=r"^p.yml: goals must be a list of goals, e.g. goals: "):
        read_goals({"name": "x"}, path="p.yml")
    with pytest.raises(ConfigError, match=r"^p.yml: goals\[0\] must be a mapping like \{name: "):
        read_goals(["Food"], path="p.yml")
    assert read_goals(None) == []
    g = read_goals([{**GOOD, "target": 0.8, "by": 2027, "baseline": "62.5%"}])[0]
    assert (g.target, g.baseline) == (0.8, 0.625)


# --------------------------------------------------------------- the project file


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from test_config_errors import make_study

    return make_study(tmp_path_factory.mktemp("goals_study"))


def test_a_bad_goal_in_the_project_stops_the_build_before_any_work(study, tmp_path, monkeypatch):
    from test_config_errors import copy_study, one_sentence, run_build, write_project

    d = copy_study(study, tmp_path / "proj")
    extra = "goals: [{name: Food, measure: reach, domain: food, target: 150%, by: 2027}]\n"
    p = write_project(d, None, extra=extra)
    res = run_build(p, tmp_path / "out", monkeypatch=monkeypatch)
    text = one_sentence(res)
    assert text == (
        f"error: {p}: goals[0].target must be a share from 0 to 1 (e.g. 0.8) or a percent "
        "from 0% to 100% (e.g. \"80%\"), not '150%'"
    )
    assert not (tmp_path / "out").exists()


def test_a_baseline_that_is_no_build_and_one_the_build_would_overwrite(
    study, tmp_path, monkeypatch
):
    from test_config_errors import copy_study, one_sentence, run_build, write_project

    d = copy_study(study, tmp_path / "proj")
    p = write_project(d, None, extra="baseline: old\n")
    text = one_sentence(run_build(p, tmp_path / "out", monkeypatch=monkeypatch))
    assert text == (
        f"error: {p}: baseline names 'old', which is not a folder written by assetmap build "
        f"({d / 'old'} has no provenance.json and no layers.gpkg); name the --out folder of "
        "an earlier build"
    )
    old = tmp_path / "old"
    old.mkdir()
    (old / "provenance.json").write_text('{"manifest": []}')
    (old / "layers.gpkg").write_bytes(b"")
    p = write_project(d, None, extra=f"baseline: {old}\n")
    text = one_sentence(run_build(p, old, monkeypatch=monkeypatch))
    assert f"the output folder {old} holds the input file {old.resolve()}/provenance.json" in text


def test_the_project_keeps_its_goals_and_baseline(study, tmp_path):
    from test_config_errors import copy_study, write_project

    from assetmap.project import validate_project

    d = copy_study(study, tmp_path / "proj")
    (d / "old").mkdir()
    (d / "old" / "provenance.json").write_text("{}")
    (d / "old" / "layers.gpkg").write_bytes(b"")
    extra = (
        "baseline: old\ngoals:\n"
        "  - {name: Food within reach, measure: reach, domain: food, target: 80%, by: 2027}\n"
        "  - {name: Local hiring, measure: new_hires_high_need, target: 0.25, by: 2027}\n"
    )
    p = write_project(d, ("employment",), extra=extra)
    validate_project(p)
    logging.disable(logging.WARNING)
    try:
        project = am.load_project(p)
        # the build measures the goals from the baseline: a broken one is one sentence
        with pytest.raises(am.errors.InputError, match="cannot be read as an output folder"):
            project.build()
        assert project.baseline == d / "old"
        project.baseline = None
        atlas = project.build()
    finally:
        logging.disable(logging.NOTSET)
    assert [g.name for g in project.goals] == ["Food within reach", "Local hiring"]
    t = measure_goals(project.goals, atlas, year=2026)
    # food only in u1; u4 (need 1.0, 4000 residents) is the one high-need unit: none in reach
    assert t.loc[0, "now"] == 0.0
    # new hires 12, 0, 11, 20, none hidden (min_cell 11; a 0 is published): 20 of 43 in u4
    assert t.loc[1, "now"] == pytest.approx(20 / 43)


def test_the_sample_project_has_goals() -> None:
    from assetmap.sample import load_sample

    project = load_sample()
    assert [g.measure for g in project.goals] == ["reach", "gaps", "new_hires_high_need"]
