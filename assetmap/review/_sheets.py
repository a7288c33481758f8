"""Returned review workbooks in: every row's answer, corrections and hidden copy, as text.

Internal to :mod:`assetmap.review`. A cell is read as written (a formula as its text);
nothing is evaluated.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assetmap.errors import InputError
from assetmap.review._cells import (
    ANSWER,
    EXPORTED_SHEET,
    FINGERPRINT,
    NOTE,
    RECORD,
    cell_text,
    fingerprint_of,
)

__all__ = ["MAX_UNZIPPED", "Row", "Sheet", "read_workbook"]

#: A returned workbook bigger than this unpacked is refused, in bytes.
MAX_UNZIPPED = 200 * 2**20


@dataclass
class Row:
    """One returned row: where it is, what it says, every field as text."""

    sheet: str
    row: int
    record: str
    fingerprint: str
    answer: str
    note: str
    cells: dict[str, str]


@dataclass
class Sheet:
    label: str
    rows: list[Row]
    exported: dict[str, dict[str, str]]


def _open_workbook(path: Path, label: str) -> Any:
    """Open a returned workbook read-only, refusing what is not one or unpacks too big."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as zf:
            size = sum(i.file_size for i in zf.infolist())
    except (OSError, zipfile.BadZipFile) as exc:
        msg = "is not an .xlsx workbook (save it as Excel Workbook .xlsx and import again)"
        raise InputError(msg, file=label) from exc
    if size > MAX_UNZIPPED:
        msg = f"unpacks to {size / 2**20:.0f} MiB, more than a review workbook can hold"
        raise InputError(msg, file=label)
    try:
        return load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl's own errors: one sentence naming the file
        msg = f"cannot be read as a workbook ({type(exc).__name__}: {exc})"
        raise InputError(msg, file=label) from exc


def _table(ws: Any) -> tuple[list[str], list[list[str]]]:
    """Return the header and the rows of a sheet, every cell as text (formulas as written)."""
    rows = [[cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
    return (rows[0] if rows else []), rows[1:]


def read_workbook(path: Path, label: str) -> Sheet:
    """Read the answers, the corrections and the hidden copy of one returned workbook."""
    wb = _open_workbook(path, label)
    try:
        found = None
        for ws in wb.worksheets:
            header, rows = _table(ws)
            if ANSWER in header:
                found = (header, rows)
                break
        if found is None:
            msg = f"has no sheet with the column {ANSWER!r}; is it a workbook of assetmap review?"
            raise InputError(msg, file=label)
        exported: dict[str, dict[str, str]] = {}
        if EXPORTED_SHEET in wb.sheetnames:
            head, rows = _table(wb[EXPORTED_SHEET])
            for r in rows:
                texts = dict(zip(head, r, strict=False))
                rid, fp = texts.pop(RECORD, ""), texts.pop(FINGERPRINT, "")
                if rid and fp == fingerprint_of(texts):  # an altered copy is no copy
                    exported[rid] = texts
    finally:
        wb.close()
    header, rows = found
    col: dict[str, int] = {}
    for j, h in enumerate(header):
        if h and h not in col:
            col[h] = j
    out = []
    for i, r in enumerate(rows, start=2):
        if not any(r):
            continue
        cells = {h: r[j] if j < len(r) else "" for h, j in col.items()}
        rid = cells.pop(RECORD, "") or cells.get("asset_id", "")
        fp, answer, note = cells.pop(FINGERPRINT, ""), cells.pop(ANSWER), cells.pop(NOTE, "")
        out.append(Row(label, i, rid, fp, answer, note, cells))
    return Sheet(label, out, exported)
