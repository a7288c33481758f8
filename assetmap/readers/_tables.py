"""Text tables as real exports write them: rows of cells with spreadsheet row numbers.

CSV and XLSX files are read into ``(row number, cells)`` pairs, the row number being the
one a spreadsheet shows (a CSV opened in Excel shows one row per record, blank lines
included, and a multi-line quoted cell stays in one row). :func:`frame_from_rows` then
finds the header (skipping a title line above it), names unnamed and duplicate columns,
drops fully empty rows and columns, and returns text cells indexed by row number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from assetmap.errors import InputError

__all__ = [
    "col_letter",
    "csv_rows",
    "decode",
    "frame_from_rows",
    "is_zip",
    "sniff_delimiter",
    "xlsx_rows",
]

log = logging.getLogger(__name__)

Rows = list[tuple[int, list[str]]]
#: A merged cell range: first row, first column, last row, last column (1-based).
Merge = tuple[int, int, int, int]

ENCODINGS = ("utf-8", "cp1252", "latin-1")
DELIMITERS = (",", ";", "\t", "|")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEADER_SPACE = re.compile(r"[\s\u00a0\u200b\ufeff]+")
#: Title lines looked through above a header.
_MAX_TITLE_ROWS = 10


def col_letter(i: int) -> str:
    """Spreadsheet letter of the 0-based column ``i``.

    Examples
    --------
    >>> col_letter(0), col_letter(25), col_letter(27)
    ('A', 'Z', 'AB')
    """
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def decode(raw: bytes, encoding: str | None, file: str) -> tuple[str, str]:
    """Decode a text file: a named encoding, or a BOM, UTF-16 without BOM, UTF-8, cp1252."""
    if encoding:
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            msg = f"cannot decode the file as {encoding!r} ({exc})"
            raise InputError(msg, file=file) from exc
        return text.lstrip("\ufeff"), encoding
    for bom, enc in (
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
        (b"\xef\xbb\xbf", "utf-8-sig"),
    ):
        if raw.startswith(bom):
            try:
                return raw.decode(enc), enc
            except UnicodeDecodeError as exc:
                msg = f"the file starts with a {enc} byte-order mark but is not {enc} ({exc})"
                raise InputError(msg, file=file) from exc
    head = raw[:4000]
    if len(head) >= 4 and head.count(0) > len(head) // 4:
        # UTF-16 without a byte-order mark: every other byte of ASCII text is zero
        enc = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            pass
    for enc in ENCODINGS:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    msg = "latin-1 decodes any bytes"  # pragma: no cover
    raise AssertionError(msg)  # pragma: no cover


def sniff_delimiter(text: str) -> str:
    r"""Pick the delimiter (comma, semicolon, tab or pipe) that splits rows most evenly.

    For each candidate the first records are split; the one under which most records
    have the same number of fields (more than one) wins, more fields breaking ties. A
    title line above the header or a comma used as the decimal mark does not mislead it.

    Examples
    --------
    >>> sniff_delimiter("name;lat;lon\nA;40,81;-73,91\nB;40,82;-73,92\n")
    ';'
    """
    sample = text[:65536]
    cut = len(text) > len(sample)
    best, best_score = ",", (0, 0)
    for d in DELIMITERS:
        recs = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=d) if r]
        if cut:
            recs = recs[:-1]
        counts = Counter(len(r) for r in recs[:50])
        width, freq = max(counts.items(), key=lambda kv: (kv[1], kv[0]), default=(0, 0))
        if width > 1 and (freq, width) > best_score:
            best, best_score = d, (freq, width)
    return best


def csv_rows(
    path: Path, *, encoding: str | None, delimiter: str | None, file: str
) -> tuple[Rows, str]:
    """Read a delimited text file into rows; returns the rows and the delimiter used."""
    raw = path.read_bytes()
    if not raw.strip(b" \t\r\n,;|\x00\xef\xbb\xbf\xff\xfe"):
        msg = "the file is empty; it needs a header row and at least one asset"
        raise InputError(msg, file=file)
    _refuse_non_text(raw, file)
    text, enc = decode(raw, encoding, file)
    if enc not in ("utf-8", "utf-8-sig"):
        log.info("%s: read with encoding %s", file, enc)
    n_control = len(_CONTROL.findall(text))
    if n_control:
        log.warning("%s: removed %d control characters (such as NUL bytes)", file, n_control)
        text = _CONTROL.sub("", text)
    if text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        msg = (
            "this is a web page (HTML), not a table; the download probably failed or "
            "needs a login: download the file again or export it as CSV"
        )
        raise InputError(msg, file=file)
    m = re.match(r"sep=(.)\r?\n", text)
    if m:  # Excel's hint line, which Excel itself does not show as a row
        delimiter = delimiter or m.group(1)
        text = text[m.end() :]
    sep = _delimiter(delimiter) if delimiter else sniff_delimiter(text)
    try:
        recs = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, skipinitialspace=True))
    except csv.Error as exc:  # pragma: no cover - the lenient reader reads anything
        msg = f"cannot parse as CSV ({exc}); check the delimiter and quoting"
        raise InputError(msg, file=file) from exc
    if recs and any("\n" in c or "\r" in c for c in recs[-1]):
        try:
            list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True))
        except csv.Error:
            cell = next(i for i, c in enumerate(recs[-1]) if "\n" in c or "\r" in c)
            msg = (
                f"a quotation mark opened in column {col_letter(cell)} of this row is never "
                "closed, so every line after it reads as one cell; close or remove it"
            )
            raise InputError(msg, file=file, row=len(recs)) from None
    return [(i, r) for i, r in enumerate(recs, start=1)], sep


def _delimiter(d: str) -> str:
    named = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    d = named.get(d.lower(), d) if len(d) > 1 else d
    if len(d) != 1:
        msg = f"delimiter must be one character, got {d!r}"
        raise InputError(msg)
    return d


def _refuse_non_text(raw: bytes, file: str) -> None:
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        msg = (
            "this is an old Excel 97-2003 workbook (.xls); open it in Excel or LibreOffice "
            "and save it as .xlsx or CSV"
        )
        raise InputError(msg, file=file)


def is_zip(path: Path) -> bool:
    """Whether a file is a zip archive (an XLSX workbook is one)."""
    with path.open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    return _CONTROL.sub("", str(v))


def xlsx_rows(path: Path, *, sheet: str | int | None, file: str) -> tuple[Rows, list[Merge], str]:
    """Read one worksheet into rows; returns rows, merged ranges and the sheet's name.

    The default sheet is the first visible one that has a cell filled in; ``sheet`` is a
    name (case and spaces ignored) or a 0-based position.
    """
    import openpyxl

    fh = path.open("rb")  # a file object: openpyxl refuses names not ending in .xlsx
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:
        fh.close()
        msg = f"cannot read as an Excel workbook ({exc})"
        raise InputError(msg, file=file) from exc
    try:
        rows, ws, sheets = _sheet_rows(wb, sheet, file)
    except InputError:
        raise
    except Exception as exc:  # a damaged workbook fails inside openpyxl, zipfile or zlib
        msg = f"cannot read the workbook, it is damaged ({exc}); save it again from Excel"
        raise InputError(msg, file=file) from exc
    finally:
        wb.close()
        fh.close()
    title = ws.title
    if sheet is None and len(sheets) > 1:
        log.info("%s: read sheet %r (pass sheet= to read another)", file, title)
    return rows, _merged_ranges(path, title), title


def _sheet_rows(wb: Any, sheet: str | int | None, file: str) -> tuple[Rows, Any, list[Any]]:
    """Return the rows of the sheet asked for, else of the first one with a filled cell."""
    sheets = list(wb.worksheets)
    names = [ws.title for ws in sheets]
    if sheet is None:
        candidates = [ws for ws in sheets if ws.sheet_state == "visible"] or sheets
    else:
        candidates = [_pick_sheet(sheets, names, sheet, file)]
    rows: Rows = []
    ws = candidates[0]
    for ws in candidates:
        ws.reset_dimensions()  # some writers store a wrong size; read every row
        rows = [
            (i, [_cell_text(v) for v in r])
            for i, r in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)
        ]
        if any(c.strip() for _, cells in rows for c in cells):
            break
    else:
        listed = ", ".join(repr(n) for n in names)
        msg = f"the workbook has no filled-in cells (sheets: {listed})"
        raise InputError(msg, file=file)
    return rows, ws, sheets


def _pick_sheet(sheets: list[Any], names: list[str], sheet: str | int, file: str) -> Any:
    listed = ", ".join(repr(n) for n in names)
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(sheets):
            return sheets[sheet]
        msg = f"sheet={sheet} is out of range: the workbook has {len(sheets)} sheets ({listed})"
        raise InputError(msg, file=file)
    key = " ".join(str(sheet).split()).lower()
    for ws, name in zip(sheets, names, strict=True):
        if " ".join(name.split()).lower() == key:
            return ws
    msg = f"the workbook has no sheet named {sheet!r}; its sheets are {listed}"
    raise InputError(msg, file=file)


def _merged_ranges(path: Path, title: str) -> list[Merge]:
    """Read a sheet's merged cell ranges from the workbook's XML (read-only mode has none)."""
    from xml.etree import ElementTree as ET

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(path) as zf:
            book = ET.fromstring(zf.read("xl/workbook.xml"))
            rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
            rid = next(
                s.get(f"{ns_rel}id") for s in book.iter(f"{ns_main}sheet") if s.get("name") == title
            )
            target = next(r.get("Target", "") for r in rels if r.get("Id") == rid)
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            data = zf.read(member)
    except (
        KeyError,
        StopIteration,
        zipfile.BadZipFile,
        ET.ParseError,
        OSError,
        NotImplementedError,
        RuntimeError,
        ValueError,  # a member name that is not UTF-8, a damaged deflate stream
    ):
        return []
    out = []
    for a, b in re.findall(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+):([A-Z]+\d+)"', data):
        (r1, c1), (r2, c2) = _cell_ref(a.decode()), _cell_ref(b.decode())
        out.append((r1, c1, r2, c2))
    return out


def _cell_ref(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert m is not None  # the regex above only yields such references
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def _filled(cells: list[str]) -> int:
    return sum(1 for c in cells if c.strip())


def _header_index(rows: Rows, header_row: int | None, file: str) -> int:
    """Position in ``rows`` of the header: given, or the first filled row below any title."""
    if header_row is not None:
        pos = [i for i, (n, _) in enumerate(rows) if n == header_row]
        if not pos or not _filled(rows[pos[0]][1]):
            msg = f"header_row={header_row} is not a filled-in row of the file"
            raise InputError(msg, file=file)
        return pos[0]
    filled = [i for i, (_, cells) in enumerate(rows) if _filled(cells)]
    if not filled:
        msg = "the file is empty; it needs a header row and at least one asset"
        raise InputError(msg, file=file)
    first = filled[0]
    for k, i in enumerate(filled[: _MAX_TITLE_ROWS + 1]):
        if _filled(rows[i][1]) > 1:
            if k:
                log.warning(
                    "%s: row %s above the header looks like a title and is skipped; the "
                    "header is row %d (pass header_row=, or --header-row to assetmap "
                    "validate, to choose another)",
                    file,
                    ", ".join(str(rows[j][0]) for j in filled[:k]),
                    rows[i][0],
                )
            return i
    return first


def _clean_header(cell: str) -> str:
    return _HEADER_SPACE.sub(" ", cell).strip()


def frame_from_rows(
    rows: Rows,
    *,
    file: str,
    header_row: int | None = None,
    merges: list[Merge] | None = None,
    ragged: bool = False,
) -> pd.DataFrame:
    """Turn rows of cells into a table of text with spreadsheet row numbers as index.

    Parameters
    ----------
    rows : list of (int, list of str)
        Row number as a spreadsheet shows it, and the row's cells.
    file : str
        For messages.
    header_row : int, optional
        Row number of the header; by default the first filled-in row, skipping title
        lines above it (rows with a single filled cell followed by a fuller row).
    merges : list, optional
        Merged ranges of a worksheet: their value is copied to every cell they cover at
        and below the header, and a header cell merged across columns whose next row
        names each column (a two-row header) takes those names.
    ragged : bool
        Whether rows may be wider than the header (a worksheet: cells beyond the header
        form unnamed columns). In a CSV file a row with more filled fields than the
        header is an error naming the row; empty extra fields are ignored.

    Returns
    -------
    pandas.DataFrame
        Text cells (``""`` when empty), index ``row``. Fully empty rows are not data and
        are left out; ``attrs`` holds ``header_row``, ``blank_rows`` (how many were left
        out), ``duplicate_columns`` (name -> column letters) and ``letters`` (column name
        -> its spreadsheet letter).
    """
    h = _header_index(rows, header_row, file)
    if merges:
        rows = _apply_merges(rows, merges, rows[h][0])
    header = [_clean_header(c) for c in rows[h][1]]
    start = h + 1
    if merges and start < len(rows):
        sub = _sub_header(header, rows[start][1], merges, rows[h][0])
        if sub is not None:
            header, start = sub, start + 1
    width = len(header)
    if ragged:
        width = max([width, *(len(c) for _, c in rows[start:])])
    index: list[int] = []
    data: list[list[str]] = []
    blank = 0
    for n, cells in rows[start:]:
        if len(cells) > width and _filled(cells[width:]):
            msg = (
                f"this row has {len(cells)} fields but the header has {len(header)}; a value "
                "probably contains the delimiter without quotes around it (or the header is "
                f"not row {rows[h][0]}: then pass header_row=, or --header-row to "
                "assetmap validate)"
            )
            raise InputError(msg, file=file, row=n)
        cells = (cells + [""] * (width - len(cells)))[:width]
        if not _filled(cells):
            blank += 1
            continue
        index.append(n)
        data.append(cells)
    if not data:
        msg = "the file has a header but no rows"
        raise InputError(msg, file=file)
    header = header + [""] * (width - len(header))
    names, dups, keep = _column_names(header, data, file)
    frame = pd.DataFrame(
        [[r[i] for i in keep] for r in data],
        columns=names,
        index=pd.Index(index, name="row"),
        dtype=object,
    )
    frame.attrs = {
        "header_row": rows[h][0],
        "blank_rows": blank,
        "duplicate_columns": dups,
        "letters": {name: col_letter(i) for name, i in zip(names, keep, strict=True)},
    }
    if blank:
        log.info("%s: %d empty rows left out (they are not assets)", file, blank)
    return frame


def _column_names(
    header: list[str], data: list[list[str]], file: str
) -> tuple[list[str], dict[str, list[str]], list[int]]:
    """Names for the columns: unnamed ones with values become ``column E``; empty ones go."""
    names: list[str] = []
    keep: list[int] = []
    seen: dict[str, list[str]] = {}
    for i, name in enumerate(header):
        letter = col_letter(i)
        if not name:
            if not any(r[i].strip() for r in data):
                continue  # an empty column of an Excel export
            name = f"column {letter}"
        if name in seen:
            seen[name].append(letter)
            name_as = f"{name} (column {letter})"
            log.warning(
                "%s: columns %s are both named %r; column %s is kept as %r",
                file,
                " and ".join(seen[name]),
                name,
                letter,
                name_as,
            )
            name = name_as
        else:
            seen[name] = [letter]
        names.append(name)
        keep.append(i)
    dups = {k: v for k, v in seen.items() if len(v) > 1}
    return names, dups, keep


def _apply_merges(rows: Rows, merges: list[Merge], header_n: int) -> Rows:
    """Copy each merged range's value to the cells it covers, at and below the header."""
    pos = {n: i for i, (n, _) in enumerate(rows)}
    out = [(n, list(c)) for n, c in rows]
    width = max((len(c) for _, c in rows), default=0)
    for r1, c1, r2, c2 in merges:
        c2 = min(c2, width)  # a range over a whole row stops at the last filled column
        if r1 < header_n or r1 not in pos:
            continue
        first = out[pos[r1]][1]
        value = first[c1 - 1] if c1 - 1 < len(first) else ""
        for r in range(r1, r2 + 1):
            if r not in pos:
                break
            cells = out[pos[r]][1]
            cells.extend([""] * (c2 - len(cells)))  # rows read from XML may stop short
            for c in range(c1 - 1, c2):
                cells[c] = value
    return out


def _sub_header(
    header: list[str], sub: list[str], merges: list[Merge], header_n: int
) -> list[str] | None:
    """Names from a second header row under a header cell merged across columns."""
    across = {
        c
        for r1, c1, r2, c2 in merges
        if r1 == header_n and r2 == header_n and c2 > c1
        for c in range(c1 - 1, c2)
    }
    if not across:
        return None
    sub = [_clean_header(c) for c in sub] + [""] * max(0, len(header) - len(sub))
    for i, name in enumerate(header):
        if i in across:
            if not sub[i] or re.fullmatch(r"[-+\d.,\s]+", sub[i]):
                return None
        elif sub[i] and sub[i] != name:
            return None
    return [sub[i] if i in across else name for i, name in enumerate(header)]
