"""The coalition's review round trip: export workbooks, edit them in openpyxl, import, rebuild."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import assetmap as am
from assetmap._resources import sample_dir
from assetmap.cli import cli
from assetmap.review import (
    ANSWER,
    NOTE,
    export_review,
    import_review,
    read_inventory,
    safe_file_name,
    write_review_result,
)

FIELDS_TO_COMPARE = ["name", "domain", "org", "address", "phone", "website", "hours", "capacity"]


@pytest.fixture(scope="module")
def assets():
    """The sample's 211 inventory (180 services), as read."""
    return am.read_assets(sample_dir() / "assets_211.csv", source="211")


def _columns(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value is not None}


def _edit(path: Path, row: int, **cells: object) -> None:
    """Set cells of one row of the Services sheet, by header (answer= and note= too)."""
    wb = load_workbook(path)
    ws = wb["Services"]
    cols = _columns(ws)
    names = {"answer": ANSWER, "note": NOTE}
    for key, value in cells.items():
        ws.cell(row=row, column=cols[names.get(key, key)], value=value)
    wb.save(path)


def _row_of(path: Path, row: int) -> dict[str, object]:
    ws = load_workbook(path)["Services"]
    cols = _columns(ws)
    return {h: ws.cell(row=row, column=c).value for h, c in cols.items()}


def _with_two_services(paths: list[Path]) -> list[Path]:
    return [p for p in paths if load_workbook(p, read_only=True)["Services"].max_row >= 3]


def test_round_trip_with_a_conflict_and_a_closure(assets, tmp_path):
    paths = export_review(assets, tmp_path / "sheets")
    assert len(paths) == assets["org"].nunique()
    a, b = _with_two_services(paths)[:2]
    first, moved, closed = _row_of(a, 2), _row_of(a, 3), _row_of(b, 2)
    second = a.with_name("second reviewer.xlsx")
    shutil.copyfile(a, second)  # a colleague returns the same workbook, edited otherwise
    _edit(a, 2, phone="718-555-0199", hours="Mon-Sat 9-5", answer="no", note="new phone")
    _edit(a, 3, address="1 Grand Concourse, Bronx, NY 10451", lat=40.8201, lon=-73.9301)
    _edit(a, 3, answer="no", note="moved in June")
    _edit(b, 2, answer="closed", note="closed in March")
    _edit(second, 2, phone="718-555-0199", hours="Mon-Fri 9-5", answer="no")
    result = import_review(assets, [a, b, second])

    log = result.changes[["sheet", "row", "asset_id", "field", "old", "new", "note"]]
    assert log.to_dict("records") == [
        dict(sheet=a.name, row=2, asset_id=first["record id"], field="phone",
             old=first["phone"], new="718-555-0199", note="new phone"),
        dict(sheet=a.name, row=3, asset_id=moved["record id"], field="address",
             old=moved["address"], new="1 Grand Concourse, Bronx, NY 10451", note="moved in June"),
        dict(sheet=a.name, row=3, asset_id=moved["record id"], field="lat",
             old=repr(moved["lat"]), new="40.8201", note="moved in June"),
        dict(sheet=a.name, row=3, asset_id=moved["record id"], field="lon",
             old=repr(moved["lon"]), new="-73.9301", note="moved in June"),
        dict(sheet=b.name, row=2, asset_id=closed["record id"], field="status",
             old="open", new="closed", note="closed in March"),
    ]  # fmt: skip
    assert result.conflicts["sentence"].tolist() == [
        f"The hours of {first['name']!r} ({first['record id']}) is changed to different values "
        f"in 2 sheets ('Mon-Sat 9-5' in {a.name}, row 2; 'Mon-Fri 9-5' in second reviewer.xlsx, "
        "row 2), so none was applied; agree on one value and import again."
    ]
    corrected = result.corrected
    assert closed["record id"] not in set(corrected["asset_id"])
    assert len(corrected) == len(assets) - 1
    # nothing else changed: every other field of every other record is as it was
    before = assets.set_index("asset_id").drop(index=closed["record id"])
    after = corrected.set_index("asset_id")
    before.loc[first["record id"], "phone"] = "718-555-0199"
    before.loc[moved["record id"], "address"] = "1 Grand Concourse, Bronx, NY 10451"
    pd.testing.assert_frame_equal(after[FIELDS_TO_COMPARE], before[FIELDS_TO_COMPARE])
    point = after.geometry[moved["record id"]]
    assert (point.x, point.y) == (-73.9301, 40.8201)
    same = after.index != moved["record id"]
    assert after.geometry[same].geom_equals(before.geometry[after.index[same]]).all()
    assert "2 sheets" not in result.summary() and "4 corrections applied" in result.summary()

    written = write_review_result(result, tmp_path / "result")
    rebuilt = am.read_assets(written["corrected"])  # the corrected inventory reads as any other
    assert len(rebuilt) == len(corrected) and not len(am.rejected_rows(rebuilt))
    again = read_inventory(written["corrected"])  # and keeps its ids for the next review
    assert again["asset_id"].tolist() == corrected["asset_id"].tolist()
    assert pd.read_csv(written["changes"])["field"].tolist() == [
        "phone", "address", "lat", "lon", "status"
    ]  # fmt: skip


def test_unknown_ids_stale_values_and_bad_values_are_refused_by_sheet_row_column(assets, tmp_path):
    paths = export_review(assets, tmp_path, by="domain")
    sheet = next(p for p in paths if p.name == "Food.xlsx")
    r2, r3 = _row_of(sheet, 2), _row_of(sheet, 3)
    _edit(sheet, 2, lat="north", domain="foood", website="www.example.org/new", answer="no")
    _edit(sheet, 3, lon=-273.5, phone="718-555-0100", hours="Mon 9-12")
    ws_rows = load_workbook(sheet, read_only=True)["Services"].max_row
    _edit(sheet, ws_rows + 1, **{"record id": "211:NO-SUCH-ID", "name": "New pantry"})
    inventory = assets.copy()
    i3 = inventory.index[inventory["asset_id"] == r3["record id"]][0]
    inventory.loc[i3, "phone"] = "929-555-0000"  # changed in the inventory since the export
    result = import_review(inventory, [sheet])
    assert result.conflicts["sentence"].tolist() == [
        "Food.xlsx, row 2, column 'domain': 'foood' is not a service domain (did you mean "
        "food?); "
        "the edit was not applied.",
        "Food.xlsx, row 2, column 'lat': 'north' is not a number (decimal degrees, e.g. 40.85 "
        "or -73.91); the edit was not applied.",
        f"Food.xlsx, row 3: the phone of {r3['name']!r} ({r3['record id']}) was "
        f"{r3['phone']!r} when the sheet was exported but is '929-555-0000' in the inventory "
        "now, so the edit to '718-555-0100' was not applied; check the inventory and import "
        "again.",
        "Food.xlsx, row 3, column 'lon': -273.5 is outside -180 to 180 degrees; the edit was "
        "not applied.",
        f"Food.xlsx, row {ws_rows + 1}: the record id '211:NO-SUCH-ID' is not in the inventory, "
        "so the row was not applied (new services are added to the inventory itself, not "
        "through a review).",
    ]
    # the sound edits of the same rows are applied
    assert result.changes[["asset_id", "field", "new"]].values.tolist() == [
        [r2["record id"], "website", "www.example.org/new"],
        [r3["record id"], "hours", "Mon 9-12"],
    ]
    assert len(result.corrected) == len(inventory)


def test_formula_looking_text_stays_text_both_ways(assets, tmp_path):
    hostile = assets.iloc[:3].copy()
    hostile["name"] = ['=HYPERLINK("http://evil.example","x")', "@SUM(A1)", "-2+3"]
    hostile["phone"] = "+1 718 555 0100"
    hostile["org"] = "Org"
    (path,) = export_review(hostile, tmp_path)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere
    ws = load_workbook(path)["Services"]
    cols = _columns(ws)
    names = [ws.cell(row=r, column=cols["name"]) for r in (2, 3, 4)]
    assert [c.value for c in names] == hostile["name"].tolist()
    assert {c.data_type for c in names} == {"s"}
    assert ws.cell(row=2, column=cols["phone"]).value == "+1 718 555 0100"
    _edit(path, 2, hours="=1+1", answer="no")
    result = import_review(hostile, [path])
    assert result.corrected["hours"].iloc[0] == "=1+1"  # the text as written, not evaluated
    assert result.corrected["name"].tolist() == hostile["name"].tolist()
    written = write_review_result(result, tmp_path / "out")
    assert "'=1+1" in written["changes"].read_text()  # the CSV is spreadsheet-safe


def test_a_deleted_row_keeps_its_record_and_says_so(assets, tmp_path):
    paths = export_review(assets, tmp_path, by="domain")
    sheet = _with_two_services(paths)[0]
    gone = _row_of(sheet, 3)["record id"]
    wb = load_workbook(sheet)
    wb["Services"].delete_rows(3)
    wb.save(sheet)
    result = import_review(assets, [sheet])
    assert gone in set(result.corrected["asset_id"]) and len(result.corrected) == len(assets)
    assert result.changes.empty and result.conflicts.empty
    assert result.warnings == [
        f"{sheet.name}: 1 services exported in it have no row now ({gone}); they are kept "
        f"unchanged (to remove a service, write closed in the column {ANSWER!r})."
    ]


def test_file_names_are_safe(assets, tmp_path):
    used: set[str] = set()
    names = [
        safe_file_name(n, used)
        for n in ["../../x", "a/b", "CON", "nul.txt", "x" * 300, "A B", "a b", "...", ""]
    ]
    assert len(set(n.casefold() for n in names)) == len(names)
    for n in names:
        assert "/" not in n and "\\" not in n and ".." not in n and len(n) <= 85
    assert names[2:4] == ["_CON.xlsx", "_nul.txt.xlsx"]
    odd = assets.iloc[:2].copy()
    odd["org"] = ["../../escape", "..\\..\\escape"]
    paths = export_review(odd, tmp_path / "out")
    assert [p.parent for p in paths] == [tmp_path / "out"] * 2
    assert len(set(paths)) == 2


def test_cli_export_import_exits_2_on_a_conflict(tmp_path):
    inventory = tmp_path / "inv.csv"
    shutil.copyfile(sample_dir() / "assets_211.csv", inventory)
    digest = hashlib.sha256(inventory.read_bytes()).hexdigest()
    runner = CliRunner()
    res = runner.invoke(cli, ["review", "export", str(inventory), "--out", str(tmp_path / "s")])
    assert res.exit_code == 0, res.output
    assert "review workbooks" in res.output
    sheets = sorted((tmp_path / "s").glob("*.xlsx"))
    a = _with_two_services(sheets)[0]
    copy = tmp_path / "copy.xlsx"
    shutil.copyfile(a, copy)
    _edit(a, 2, answer="closed")
    _edit(copy, 3, hours="Mon 9-1")
    _edit(a, 3, hours="Tue 9-1")
    args = ["review", "import", str(inventory), str(a), str(copy), "--out", str(tmp_path / "r")]
    res = runner.invoke(cli, args)
    assert res.exit_code == 2
    assert "is changed to different values in 2 sheets" in res.output
    assert "1 services closed and removed" in res.output
    written = {p.name for p in (tmp_path / "r").iterdir()}
    assert written == {"corrected.csv", "changes.csv", "conflicts.csv"}
    assert hashlib.sha256(inventory.read_bytes()).hexdigest() == digest
    res = runner.invoke(cli, ["review", "import", str(inventory), str(a), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output  # --out beside the inventory: it is never replaced
    assert hashlib.sha256(inventory.read_bytes()).hexdigest() == digest


def test_cli_export_from_a_project_writes_the_inventory_it_lists(tmp_path):
    out = tmp_path / "sheets"
    res = CliRunner().invoke(
        cli, ["review", "export", str(sample_dir() / "bronx.yml"), "--out", str(out), "--by",
              "domain"]
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    sheets = sorted(out.glob("*.xlsx"))
    assert len(sheets) == 11
    result = import_review(read_inventory(out / "inventory.csv"), sheets)
    assert result.changes.empty and result.conflicts.empty and not result.warnings


def test_typed_columns_keep_their_types(assets, tmp_path):
    """A blanked count becomes missing, a date stays a date, a bad date is refused."""
    few = assets.iloc[:3].copy()
    few["org"], few["volunteers"] = "Org", [1, 2, 3]
    few["opened"] = pd.to_datetime(["2024-01-02"] * 3)
    (path,) = export_review(few, tmp_path)
    wb = load_workbook(path)
    ws, cols = wb["Services"], _columns(wb["Services"])
    ws.cell(row=2, column=cols["volunteers"]).value = None
    ws.cell(row=3, column=cols["opened"]).value = "2025-05-06"
    ws.cell(row=4, column=cols["opened"]).value = "soon"
    wb.save(path)
    result = import_review(few, [path])
    assert result.changes[["row", "field", "old", "new"]].values.tolist() == [
        [2, "volunteers", "1", ""],
        [3, "opened", "2024-01-02", "2025-05-06"],
    ]
    assert result.conflicts["sentence"].tolist() == [
        f"{path.name}, row 4, column 'opened': 'soon' is not a date (write it as 2025-03-31); "
        "the edit was not applied."
    ]
    assert result.corrected["volunteers"].isna().tolist() == [True, False, False]
    assert result.corrected["opened"].iloc[1] == pd.Timestamp("2025-05-06")
