"""The output folder: never destroyed, locked, swapped in whole; CSVs safe for spreadsheets.

Also: an optional output (the PDF, the report's figures) never sinks the rest, and the
same study built twice gives the same bytes, ``layers.gpkg`` included.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from assetmap._outdir import lock_path, recover
from assetmap.csvsafe import safe_cell, write_csv
from assetmap.errors import AssetmapError, ConfigError
from assetmap.export import check_output_folder

#: The spreadsheet-injection corpus: each would run (or become) a formula in Excel.
FORMULAS = (
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "-2+3",
)
#: Columns that join one table to another (left alone so the study still builds).
KEYS = {"unit_id", "domain", "asset_id", "space_id", "cluster_id", "geometry", "site_id"}
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?")


def _write(atlas, out, **kw):
    return atlas.to_folder(out, figures=False, pdf=False, **kw)


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _complete(out: Path) -> str:
    """Return the run time of a complete output set in ``out`` (every manifest file intact)."""
    prov = json.loads((out / "provenance.json").read_text())
    for row in prov["manifest"]:
        f = out / row["path"]
        assert f.is_file(), row["path"]
        assert f.stat().st_size == row["bytes"] and _sha(f) == row["sha256"], row["path"]
    return str(prov["run"]["run_at"])


@pytest.fixture
def tiny(sample_atlas):
    """The sample study (a copy: its provenance records what a write skipped)."""
    return dataclasses.replace(sample_atlas, provenance=dict(sample_atlas.provenance))


# --- the pre-check ----------------------------------------------------------------------


def test_a_folder_holding_an_input_file_is_refused_and_the_file_kept(tiny, tmp_path):
    """The issue's case: ``--out .`` in a project folder whose assets.csv has 10 rows."""
    assets = tmp_path / "assets.csv"
    assets.write_text("name\n" + "".join(f"Pantry {i}\n" for i in range(10)))
    project = tmp_path / "p.yml"
    project.write_text("name: p\n")
    for out in (tmp_path, tmp_path.parent):  # the project folder, or one above it
        with pytest.raises(ConfigError, match=r"holds the input file .*assets\.csv"):
            _write(tiny, out, inputs=[assets, project])
    with pytest.raises(ConfigError, match=r"holds the input file .*p\.yml"):
        check_output_folder(tmp_path, inputs=[project])
    assert len(assets.read_text().splitlines()) == 11  # header + 10 rows, untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assets.csv", "p.yml"]
    assert check_output_folder(tmp_path / "out", inputs=[assets, project]) == tmp_path / "out"


def test_a_file_or_a_folder_of_other_files_is_refused(tiny, tmp_path):
    f = tmp_path / "out.txt"
    f.write_text("not a folder")
    with pytest.raises(ConfigError, match=r"out\.txt is a file"):
        _write(tiny, f)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("years of work")
    with pytest.raises(ConfigError, match=r"assetmap did not write \(e\.g\. thesis\.docx\)"):
        _write(tiny, mine)
    assert (mine / "thesis.docx").read_text() == "years of work" and f.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "out.txt"]  # no lock left


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused(tiny, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(ConfigError, match="cannot be written"):
            _write(tiny, ro / "out")
    finally:
        ro.chmod(0o755)


def test_a_rebuild_keeps_the_users_notes_and_lists_every_output(tiny, tmp_path):
    out = tmp_path / "out"
    paths = _write(tiny, out)
    first = _complete(out)
    prov = json.loads(paths["provenance"].read_text())
    listed = {r["path"] for r in prov["manifest"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert listed == on_disk - {"provenance.json"} and "layers.gpkg" in listed
    assert prov["skipped"] == {}
    (out / "notes.md").write_text("call the pantry on Monday")
    (out / "drafts").mkdir()
    (out / "drafts" / "letter.txt").write_text("Dear funder")
    (out / "map.html").write_text("stale")  # an output edited by hand is rewritten
    _write(tiny, out)
    assert _complete(out) >= first
    assert (out / "notes.md").read_text() == "call the pantry on Monday"
    assert (out / "drafts" / "letter.txt").read_text() == "Dear funder"
    assert (out / "map.html").read_text() != "stale"
    assert "notes.md" not in {
        r["path"] for r in json.loads((out / "provenance.json").read_text())["manifest"]
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no stage, no lock


def test_an_interrupted_swap_is_put_back_by_the_next_run(tiny, tmp_path):
    """Killed between moving the old folder aside and moving the new one in."""
    out = tmp_path / "out"
    _write(tiny, out)
    run = _complete(out)
    os.rename(out, tmp_path / ".out.assetmap-old")
    (tmp_path / ".out.assetmap-new-abc").mkdir()  # a half-written stage
    recover(out)
    assert _complete(out) == run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_error_mid_build_leaves_the_previous_outputs_whole(tiny, tmp_path, monkeypatch):
    import assetmap as am

    out = tmp_path / "out"
    _write(tiny, out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(am.Atlas, "report", broken)
    with pytest.raises(KeyboardInterrupt):
        _write(tiny, out)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# --- the lock ---------------------------------------------------------------------------


def test_a_second_build_is_refused_naming_the_first(tiny, tmp_path):
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        holder = {
            "pid": first.pid,
            "host": os.uname().nodename,
            "started": "2026-12-04T10:00:00+00:00",
        }
        lock_path(out).write_text(json.dumps(holder))
        with pytest.raises(ConfigError) as err:
            _write(tiny, out)
        msg = str(err.value)
        assert f"pid {first.pid}" in msg and "started 2026-12-04T10:00:00+00:00" in msg
        assert not out.exists() and lock_path(out).exists()  # the first build's lock stays
    finally:
        first.kill()
        first.wait()


def test_a_stale_lock_is_taken_over_with_a_warning(tiny, tmp_path, caplog):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # reaped: the pid no longer exists
    out = tmp_path / "out"
    holder = {"pid": dead.pid, "host": os.uname().nodename, "started": "2026-12-04T09:00:00+00:00"}
    lock_path(out).write_text(json.dumps(holder))
    with caplog.at_level(logging.WARNING):
        _write(tiny, out)
    assert f"pid {dead.pid}" in caplog.text and "no longer running" in caplog.text
    _complete(out)
    assert not lock_path(out).exists()


# --- CSV safe for spreadsheets ------------------------------------------------------------


def _poison(df: pd.DataFrame, start: int = 0) -> pd.DataFrame:
    """Put the corpus into every text cell of ``df`` (join keys excepted)."""
    out = df.copy()
    for j, c in enumerate(out.columns):
        if c in KEYS or not (out[c].dtype == object or pd.api.types.is_string_dtype(out[c])):
            continue
        values = [FORMULAS[(start + i + j) % len(FORMULAS)] for i in range(len(out))]
        out[c] = pd.Series(values, index=out.index, dtype=object)
    return out


def _hostile_atlas(sample_atlas):
    atlas = dataclasses.replace(sample_atlas, provenance=dict(sample_atlas.provenance))
    for i, name in enumerate(("units", "assets", "access", "gaps", "overlaps", "sites")):
        setattr(atlas, name, _poison(getattr(atlas, name), i))
    anchor = atlas.anchor
    changes = {
        f.name: _poison(getattr(anchor, f.name), 3)
        for f in dataclasses.fields(anchor)
        if isinstance(getattr(anchor, f.name), pd.DataFrame)
    }
    atlas.anchor = dataclasses.replace(anchor, **changes)
    cols = ["source", "file", "row", "column", "value", "problem"]
    atlas.rejected = pd.DataFrame([[f, f, 2, f, f, f] for f in FORMULAS], columns=cols)
    atlas.warnings = atlas.rejected.copy()
    review = pd.DataFrame(columns=list(atlas.dedupe_review.columns), index=range(len(FORMULAS)))
    atlas.dedupe_review = _poison(review.astype(object).fillna("x"))
    return atlas


def test_no_csv_cell_of_the_output_folder_is_a_live_formula(sample_atlas, tmp_path):
    atlas = _hostile_atlas(sample_atlas)
    out = tmp_path / "out"
    _write(atlas, out)
    csvs = sorted(out.rglob("*.csv"))
    names = {p.name for p in csvs}
    assert {"assets.csv", "rejected.csv", "warnings.csv", "dedupe_review.csv", "gaps.csv"} <= names
    assert {"access.csv", "overlaps.csv", "anchor_spaces.csv", "anchor_positions.csv"} <= names
    prefixed = 0
    for p in csvs:
        if p.name.startswith("report_"):
            continue  # written by assetmap.report (the lead moves it to csvsafe.write_csv)
        with p.open(newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for cell in row:
                    if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                        assert PLAIN_NUMBER.fullmatch(cell), (p.name, cell)
                    prefixed += cell.startswith("'") and cell[1:].replace("\n", "\r") in FORMULAS
    assert prefixed >= 7 * 6  # every formula in rejected.csv's six columns at least
    rejected = list(csv.reader((out / "rejected.csv").open(newline="")))
    assert rejected[1] == ["'" + FORMULAS[0]] * 2 + ["2"] + ["'" + FORMULAS[0]] * 3
    assert rejected[5][4] == "'\t=1+1" and rejected[6][4] == "'\n=1+1"  # one cell, not a row


def test_numbers_stay_numbers(tmp_path):
    df = pd.DataFrame(
        {"dist": [-5, 3], "x": [-73.91, 40.8], "text": ["-5", "+1 718 555 0100"], "=h": [1, 2]}
    )
    text = write_csv(df, tmp_path / "t.csv").read_text()
    assert text == "dist,x,text,'=h\n-5,-73.91,-5,1\n3,40.8,'+1 718 555 0100,2\n"
    assert safe_cell("-inf") == "'-inf" and safe_cell(None) is None and safe_cell(2.5) == 2.5


# --- an optional output never sinks the rest ----------------------------------------------


def _fail_pdf(monkeypatch, message: str = "Chromium wrote no PDF for report.html") -> None:
    import assetmap.report

    def fail(*args: object, **kwargs: object) -> Path:
        raise AssetmapError(message)

    monkeypatch.setattr(assetmap.report, "find_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(assetmap.report, "html_to_pdf", fail)


def test_a_failing_pdf_is_skipped_and_said(tiny, tmp_path, monkeypatch, caplog):
    _fail_pdf(monkeypatch)
    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING):
        paths = tiny.to_folder(out, figures=False)  # pdf=None: when Chromium is there
    sentence = (
        "report.pdf was skipped because Chromium wrote no PDF for report.html; "
        "report.html holds the same."
    )
    assert json.loads((out / "provenance.json").read_text())["skipped"] == {"pdf": sentence}
    assert sentence in caplog.text and tiny.provenance["skipped"] == {"pdf": sentence}
    assert "pdf" not in paths and not (out / "report.pdf").exists()
    assert {"layers", "gaps", "provenance", "rejected", "html"} <= set(paths)
    _complete(out)


def test_an_asked_for_pdf_still_writes_everything_then_raises(tiny, tmp_path, monkeypatch):
    _fail_pdf(monkeypatch)
    out = tmp_path / "out"
    with pytest.raises(AssetmapError, match="report.pdf was skipped because Chromium wrote no"):
        tiny.to_folder(out, figures=False, pdf=True)
    _complete(out)
    assert (out / "layers.gpkg").stat().st_size > 0 and (out / "assets.csv").exists()


def test_failing_figures_are_skipped_and_the_report_written(tiny, tmp_path, monkeypatch):
    import assetmap.report.figures

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("matplotlib exploded")

    monkeypatch.setattr(assetmap.report.figures, "domain_figure", broken)
    out = tmp_path / "out"
    tiny.to_folder(out, figures=True, pdf=False)
    skipped = json.loads((out / "provenance.json").read_text())["skipped"]
    assert skipped == {
        "figures": "The report's figures were skipped because drawing them failed "
        "(matplotlib exploded); the report was written without them."
    }
    assert (out / "report.html").exists() and not (out / "figures").exists()


def test_a_chromium_that_hangs_is_killed_with_its_children(tmp_path, monkeypatch):
    from assetmap.report import html_to_pdf

    child = tmp_path / "child.pid"
    fake = tmp_path / "chromium"
    fake.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {child}\nwait\n")
    fake.chmod(0o755)
    monkeypatch.setenv("ASSETMAP_CHROMIUM", str(fake))
    monkeypatch.setenv("ASSETMAP_PDF_TIMEOUT", "1")
    html = tmp_path / "report.html"
    html.write_text("<p>hi</p>")
    started = time.monotonic()
    with pytest.raises(AssetmapError, match="Chromium took longer than 1 s to print report.html"):
        html_to_pdf(html, tmp_path / "report.pdf")
    assert time.monotonic() - started < 10
    status = Path(f"/proc/{int(child.read_text())}/status")
    time.sleep(0.2)  # the helper holding the pipes is gone too (or a zombie nobody reaped)
    assert not status.exists() or "\nState:\tZ" in status.read_text()


# --- byte-identical rebuilds ----------------------------------------------------------------


def test_layers_carry_a_fixed_last_change(tiny, tmp_path):
    gpkg = tiny.to_file(tmp_path / "a.gpkg")
    with sqlite3.connect(gpkg) as db:
        dates = {r[0] for r in db.execute("select last_change from gpkg_contents")}
    assert dates == {"2000-01-01T00:00:00.000Z"}


@pytest.mark.slow
def test_the_sample_built_twice_gives_the_same_bytes(sample_project, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    sample_project.build().to_folder(a, pdf=False)
    sample_project.build().to_folder(b, pdf=False)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(files) > 30 and Path("layers.gpkg") in files
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files:
        if rel.name != "provenance.json":
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    pa, pb = (json.loads((d / "provenance.json").read_text()) for d in (a, b))
    pa.pop("run"), pb.pop("run")
    assert pa == pb
