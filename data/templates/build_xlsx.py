"""Write ``assets.xlsx``, the Excel twin of ``assets.csv``, from the CSV and the column notes.

Run from the repository root after editing ``assets.csv`` or ``COLUMNS`` below::

    python data/templates/build_xlsx.py

The workbook has three sheets: ``assets`` (the same rows and columns as the CSV; the first
sheet, which ``assetmap validate`` reads), ``columns`` (what to write in each column, the
same words as README.md) and ``lists`` (the allowed domains and sectors, which the
``domain`` and ``sector`` columns offer as drop-down lists). The file is byte-identical on
every run: fixed document dates and fixed zip entry times.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from assetmap.assets import SECTORS  # noqa: E402
from assetmap.domains import load_domains  # noqa: E402

FIXED = datetime(2025, 1, 1)

#: Column -> (required?, what to write). README.md says the same in its table.
COLUMNS: dict[str, tuple[str, str]] = {
    "asset_id": ("yes", "Your own id for the row, unique in the file (e.g. EX-001)."),
    "name": ("yes", "Name of the service or programme as people know it."),
    "org": ("no", "Organisation that runs it."),
    "domain": ("yes", "What it does: one of the domain keys (see the lists sheet)."),
    "sector": ("no", "Kind of organisation: one of the sectors (empty means other)."),
    "address": ("no", "Street address, city, state and ZIP."),
    "phone": ("no", "Public phone number, any format."),
    "website": ("no", "Public web page."),
    "hours": ("no", "Opening hours in words, e.g. Mon-Fri 9:00-17:00."),
    "capacity": ("no", "People served per week (a number; empty when unknown)."),
    "last_verified": ("no", "Date someone last checked the row, YYYY-MM-DD."),
    "latitude": ("yes", "Decimal degrees, WGS84 (e.g. 40.8128)."),
    "longitude": ("yes", "Decimal degrees, WGS84, negative in the Americas (e.g. -73.9163)."),
    "notes": ("no", "Anything else; extra columns are kept as they are."),
}


def _rows() -> list[list[str]]:
    with open(HERE / "assets.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if rows[0] != list(COLUMNS):
        msg = f"assets.csv columns {rows[0]} differ from COLUMNS {list(COLUMNS)}"
        raise SystemExit(msg)
    return rows


def _number(text: str) -> str | float:
    """Write coordinates and capacity as numbers, so Excel does not flag them as text."""
    try:
        return float(text)
    except ValueError:
        return text


def build() -> bytes:
    rows = _rows()
    bold = Font(bold=True)
    head = PatternFill("solid", fgColor="DDEBF7")
    wb = Workbook()
    ws = wb.active
    ws.title = "assets"
    ws.append(rows[0])
    numeric = {rows[0].index(c) for c in ("capacity", "latitude", "longitude")}
    for r in rows[1:]:
        ws.append([_number(v) if i in numeric and v else v for i, v in enumerate(r)])
    for cell in ws[1]:
        cell.font, cell.fill = bold, head
    ws.freeze_panes = "C2"
    for i, col in enumerate(rows[0]):
        width = max(len(col), *(len(r[i]) for r in rows[1:])) + 2
        ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = min(width, 45)

    lists = wb.create_sheet("lists")
    domains = load_domains()
    lists.append(["domain", "label", "sector"])
    for i in range(max(len(domains), len(SECTORS))):
        key = list(domains)[i] if i < len(domains) else None
        lists.append(
            [key, domains[key].label if key else None, SECTORS[i] if i < len(SECTORS) else None]
        )
    for cell in lists[1]:
        cell.font, cell.fill = bold, head
    for letter, col, n in (("A", "domain", len(domains)), ("C", "sector", len(SECTORS))):
        dv = DataValidation(
            type="list",
            formula1=f"=lists!${letter}$2:${letter}${n + 1}",
            allow_blank=col == "sector",
            showErrorMessage=True,
            errorTitle=f"Unknown {col}",
            error=f"Pick a {col} from the list (see the lists sheet).",
        )
        ws.add_data_validation(dv)
        letter_in_assets = ws.cell(1, rows[0].index(col) + 1).column_letter
        dv.add(f"{letter_in_assets}2:{letter_in_assets}1000")

    notes = wb.create_sheet("columns")
    notes.append(["column", "required", "what to write"])
    for col, (required, text) in COLUMNS.items():
        notes.append([col, required, text])
    for cell in notes[1]:
        cell.font, cell.fill = bold, head
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["C"].width = 80
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True)

    wb.properties.creator = "assetmap"
    wb.properties.created = wb.properties.modified = FIXED
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip_times(buf.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite the workbook's zip with fixed entry times, so the bytes never change."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" on save
                stamp = FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, body)
            dst.writestr(fixed, body)
    return out.getvalue()


if __name__ == "__main__":
    (HERE / "assets.xlsx").write_bytes(build())
    print(f"wrote {HERE / 'assets.xlsx'}")
