"""Progress over time: ``am.compare`` and ``assetmap compare`` on a study worked by hand.

The study: four square units in a row (U0 … U3, west to east, each 0.01° wide: about
842 m at 40.845° N), 1,000 / 2,000 / 1,500 / 1,200 residents, need rising eastwards so
only U3 (``need_pct`` 1.0) is high enough for a gap (75th percentile). Travel is the
default straight line × 1.3 at 4.8 km/h (80 m a minute), from each unit's centre.

Inventory before → after:

* food: pantries at the centres of U0 and U1; a new pantry opens at U3's centre. Before,
  U3's nearest pantry is two units away (1,685 m × 1.3 / 80 = 27.4 min > 15): a gap,
  which the new pantry closes (1,200 residents newly in reach);
* housing: a drop-in at U3's centre closes; the shelter at U0 stays. After, U3's nearest
  is three units away (37 min > 20): a gap opens. U2 (842 m from the drop-in before,
  2,527 m from the shelter after) loses reach too but is not high-need: 1,200 + 1,500 =
  2,700 residents newly beyond reach, one gap opened;
* primary care: the Melrose clinic moves 120 m east to a new address, same name and
  phone: matched by the dedupe scorer (name 1.0 × 0.6 + phone 0.15 + distance
  (1 − 120/150) × 0.1 = 0.77, dedupe's review band; names alike, only the address
  differs), so it is "moved", not closed and opened.

Indicator ``poverty_100`` (percent), set by hand (estimate ± 90 % MOE):

=====  ============  ============  ==============================================
unit   before        after         Census test: SE = MOE / 1.645
=====  ============  ============  ==============================================
U0     20.0 ± 3.0    26.0 ± 4.0    SE 1.8237 and 2.4316, SE_diff = √(3.3259 +
                                   5.9127) = 3.0395, z = 6 / 3.0395 = 1.974 > 1.645:
                                   significant (MOE of the difference √(9+16) = 5)
U1     20.0 ± 3.0    22.0 ± 4.0    SE_diff 3.0395, z = 2 / 3.0395 = 0.658: not
U2     15.0 ± 2.0    12.0 ± —      no margin after: not tested (NA), says why
U3     30.0 ± 1.0    27.0 ± 1.5    SE 0.6079 and 0.9119, SE_diff = √(0.3695 +
                                   0.8315) = 1.0959, z = −3 / 1.0959 = −2.737:
                                   significant (a fall)
=====  ============  ============  ==============================================

At 99 % (alpha 0.01, critical value 2.576) U0's z of 1.974 is no longer significant.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point, box

import assetmap as am
from assetmap.analysis.compare import Comparison, compare, difference_test, write_comparison
from assetmap.cli.main import cli
from assetmap.errors import InputError
from tests._atlas_fixture import _with_need

IDS = ["U0", "U1", "U2", "U3"]
WEST = -73.93
CENTRE_Y = 40.845
#: Degrees of longitude in 120 m at 40.845° N.
DX_120 = 120.0 / (111_320.0 * math.cos(math.radians(CENTRE_Y)))


def _centre(i: int) -> tuple[float, float]:
    return (WEST + 0.01 * i + 0.005, CENTRE_Y)


def _units(ids: list[str] = IDS) -> gpd.GeoDataFrame:
    geoms = [box(WEST + 0.01 * i, 40.84, WEST + 0.01 * (i + 1), 40.85) for i in range(4)]
    names = ["Concourse", "Tremont", "Mott Haven", "Melrose"]
    return _with_need(ids, names, [1000, 2000, 1500, 1200], geoms, [0, 1, 2, 3])


def _asset(aid: str, name: str, domain: str, xy: tuple[float, float], address: str) -> dict:
    return {
        "asset_id": aid,
        "name": name,
        "domain": domain,
        "sector": "cbo",
        "org": "",
        "address": address,
        "phone": f"(718) 555-01{aid[-2:]}",
        "website": "",
        "hours": "",
        "capacity": 1.0,
        "source": "partners",
        "source_id": aid,
        "last_verified": "",
        "outside_region": False,
        "geometry": Point(*xy),
    }


def _inventory(after: bool) -> gpd.GeoDataFrame:
    x2, y = _centre(2)
    rows = [
        _asset("F01", "Concourse Food Pantry", "food", _centre(0), "101 Grand Concourse"),
        _asset("F02", "Tremont Community Fridge", "food", _centre(1), "202 E Tremont Ave"),
        _asset("H02", "Crotona Shelter", "housing", _centre(0), "150 Crotona Ave"),
    ]
    if after:
        rows.append(_asset("F03", "Melrose Food Pantry", "food", _centre(3), "700 Melrose Ave"))
        rows.append(
            _asset("P01", "Melrose Clinic", "primary_care", (x2 + DX_120, y), "312 E 149th St")
        )
    else:
        rows.append(_asset("H01", "Rent Help Drop-in", "housing", _centre(3), "650 Melrose Ave"))
        rows.append(_asset("P01", "Melrose Clinic", "primary_care", (x2, y), "300 E 149th St"))
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


POVERTY = {  # unit: (before estimate, MOE, after estimate, MOE)
    "U0": (20.0, 3.0, 26.0, 4.0),
    "U1": (20.0, 3.0, 22.0, 4.0),
    "U2": (15.0, 2.0, 12.0, float("nan")),
    "U3": (30.0, 1.0, 27.0, 1.5),
}


def _study(after: bool) -> am.Atlas:
    atlas = am.Atlas.build(
        _units(), _inventory(after), name="after" if after else "before", siting_k=0
    )
    for uid, (e1, m1, e2, m2) in POVERTY.items():
        atlas.units.loc[uid, "poverty_100"] = e2 if after else e1
        atlas.units.loc[uid, "poverty_100_moe"] = m2 if after else m1
    return atlas


@pytest.fixture(scope="module")
def studies() -> tuple[am.Atlas, am.Atlas]:
    return _study(False), _study(True)


@pytest.fixture(scope="module")
def comparison(studies: tuple[am.Atlas, am.Atlas]) -> Comparison:
    return am.compare(*studies)


def _poverty(change: pd.DataFrame) -> pd.DataFrame:
    return change[change["indicator"] == "poverty_100"].set_index("unit_id")


def test_difference_test_by_hand(comparison: Comparison) -> None:
    rows = _poverty(comparison.change)
    assert rows.loc["U0", "z"] == pytest.approx(1.974, abs=5e-4)
    assert rows.loc["U0", "moe_difference"] == pytest.approx(5.0)
    assert rows.loc["U0", "difference"] == pytest.approx(6.0)
    assert rows.loc["U1", "z"] == pytest.approx(0.658, abs=5e-4)
    assert rows.loc["U3", "z"] == pytest.approx(-2.737, abs=5e-4)
    assert rows["significant"].tolist() == [True, False, pd.NA, True]
    assert rows.loc["U2", "note"] == "no margin of error after"
    assert rows.loc["U0", "note"] == "" and rows.loc["U0", "label"] == "Below the poverty level"
    # every unit × indicator once; the study's other indicators did not change
    assert len(comparison.change) == 4 * len(am.load_indicators().indicators)
    assert comparison.matched_units == 4 and comparison.only_before == ()


def test_alpha_sets_the_critical_value() -> None:
    t = difference_test([20.0], [3.0], [26.0], [4.0], alpha=0.01)
    assert t["z"].iloc[0] == pytest.approx(1.974, abs=5e-4)
    assert not bool(t["significant"].iloc[0])
    t = difference_test([20.0, 5.0], [0.0, float("nan")], [21.0, 5.0], [0.0, 1.0])
    assert bool(t["significant"].iloc[0]) and "no sampling error" in t["note"].iloc[0]
    assert t["note"].iloc[1] == "no margin of error before"


def test_gap_closed_and_gap_opened(comparison: Comparison) -> None:
    gaps = comparison.gaps.set_index(["unit_id", "domain"])
    assert gaps.loc[("U3", "food"), "change"] == "closed"
    assert gaps.loc[("U3", "housing"), "change"] == "opened"
    assert len(gaps) == 2
    dom = comparison.domains.set_index("domain")
    assert dom.loc["food", ["gaps_closed", "gaps_opened"]].tolist() == [1, 0]
    assert dom.loc["housing", ["gaps_closed", "gaps_opened"]].tolist() == [0, 1]
    assert dom.loc["food", "newly_in_reach"] == pytest.approx(1200)
    assert dom.loc["food", "newly_beyond"] == pytest.approx(0)
    assert dom.loc["housing", "newly_beyond"] == pytest.approx(2700)
    assert dom.loc["housing", "newly_in_reach"] == pytest.approx(0)


def test_services_opened_closed_moved(comparison: Comparison) -> None:
    s = comparison.services
    by = {c: s[s["change"] == c] for c in ("opened", "closed", "moved", "kept")}
    assert by["opened"]["name_after"].tolist() == ["Melrose Food Pantry"]
    assert by["closed"]["name_before"].tolist() == ["Rent Help Drop-in"]
    moved = by["moved"].iloc[0]
    assert len(by["moved"]) == 1 and moved["name_before"] == "Melrose Clinic"
    assert moved["moved_m"] == pytest.approx(120, abs=1)
    assert moved["address_after"] == "312 E 149th St"
    assert len(by["kept"]) == 3
    assert set(by["kept"]["moved_m"]) == {0.0}
    dom = comparison.domains.set_index("domain")
    assert dom.loc["primary_care", "services_moved"] == 1
    assert dom.loc["food", "services_opened"] == 1 and dom.loc["housing", "services_closed"] == 1


def test_need_class_change(studies: tuple[am.Atlas, am.Atlas]) -> None:
    before, after = studies
    later = am.Atlas(**{**after.__dict__, "units": after.units.copy()})
    later.units["need_pct"] = [0.3, 0.5, 0.7, 1.0]  # before: 0, 1/3, 2/3, 1
    need = compare(before, later).need.set_index("unit_id")
    assert need["class_before"].tolist() == [1, 2, 4, 5]
    assert need["class_after"].tolist() == [2, 3, 4, 5]
    assert need["class_change"].tolist() == [1, 1, 0, 0]


def test_no_shared_unit_is_refused_in_one_sentence(studies: tuple[am.Atlas, am.Atlas]) -> None:
    before, after = studies
    other = am.Atlas(**{**after.__dict__, "units": after.units.rename(index=lambda i: "Z" + i)})
    with pytest.raises(InputError, match="share no unit") as err:
        compare(before, other)
    text = str(err.value)
    assert "\n" not in text and ". " not in text


def test_write_comparison_is_spreadsheet_safe(comparison: Comparison, tmp_path) -> None:
    change = comparison.change.copy()
    change.loc[0, "name"] = "=HYPERLINK(1)"
    safe = Comparison(**{**comparison.__dict__, "change": change})
    paths = write_comparison(safe, tmp_path)
    assert sorted(p.name for p in paths.values()) == [
        "change.csv",
        "domains_change.csv",
        "gaps_change.csv",
        "need_change.csv",
        "services_change.csv",
    ]
    text = (tmp_path / "change.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in text


@pytest.mark.slow  # two whole output folders (map, report, layers): about 7 s
def test_cli_round_trip(studies: tuple[am.Atlas, am.Atlas], tmp_path) -> None:
    before, after = studies
    before.to_folder(tmp_path / "old", figures=False, pdf=False)
    after.to_folder(tmp_path / "new", figures=False, pdf=False)
    out = tmp_path / "cmp"
    res = CliRunner().invoke(
        cli, ["compare", str(tmp_path / "old"), str(tmp_path / "new"), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "4 units are in both studies" in res.output
    change = pd.read_csv(out / "change.csv", dtype={"unit_id": str})
    rows = _poverty(change)
    assert rows.loc["U0", "z"] == pytest.approx(1.974, abs=5e-4)
    assert rows["significant"].astype("string").fillna("").tolist() == ["True", "False", "", "True"]
    gaps = pd.read_csv(out / "gaps_change.csv")
    assert sorted(zip(gaps["domain"], gaps["change"], strict=True)) == [
        ("food", "closed"),
        ("housing", "opened"),
    ]
    services = pd.read_csv(out / "services_change.csv")
    assert services["change"].value_counts().to_dict() == {
        "kept": 3,
        "opened": 1,
        "closed": 1,
        "moved": 1,
    }


def test_cli_refuses_two_areas_in_one_sentence(
    studies: tuple[am.Atlas, am.Atlas], tmp_path
) -> None:
    before, after = studies
    for name, atlas in (("old", before), ("other", after)):
        d = tmp_path / name
        d.mkdir()
        if name == "other":
            atlas = am.Atlas(**{**atlas.__dict__, "units": atlas.units.rename(index="Z{}".format)})
        atlas.to_file(d / "layers.gpkg")
        (d / "provenance.json").write_text(json.dumps({}), encoding="utf-8")
    res = CliRunner().invoke(
        cli,
        ["compare", str(tmp_path / "old"), str(tmp_path / "other"), "--out", str(tmp_path / "c")],
    )
    assert res.exit_code == 2
    line = res.output.strip()
    assert line.startswith("error: ") and "share no unit" in line and "\n" not in line
    res = CliRunner().invoke(
        cli, ["compare", str(tmp_path / "old"), str(tmp_path), "--out", str(tmp_path / "c")]
    )
    assert res.exit_code == 2 and "is not an output folder of assetmap build" in res.output
