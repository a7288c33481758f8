"""Review workbooks out: one per organisation or domain; the inventory as a CSV and back.

Part of :mod:`assetmap.review`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.csvsafe import write_csv
from assetmap.domains import Domain, load_domains
from assetmap.errors import InputError
from assetmap.review._cells import (
    ANSWER,
    DATA_SHEET,
    EXPORTED_SHEET,
    FINGERPRINT,
    HELP_SHEET,
    NOTE,
    READ_ONLY,
    RECORD,
    cell_text,
    field_values,
    fingerprint_of,
    review_fields,
    safe_file_name,
)

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["export_review", "read_inventory", "write_inventory"]

log = logging.getLogger(__name__)


def _groups(
    assets: gpd.GeoDataFrame, by: str, domains: Mapping[str, Domain]
) -> list[tuple[str, np.ndarray]]:
    """(group title, row positions) per organisation or domain, in order of first record."""
    if by == "organisation":
        keys = [cell_text(v) or "(no organisation)" for v in assets["org"]]
        titles = dict(zip(keys, keys, strict=True))
    elif by == "domain":
        keys = [cell_text(v) or "(no domain)" for v in assets["domain"]]
        titles = {k: domains[k].label if k in domains else k for k in keys}
    else:
        msg = f"by={by!r}: review sheets are made per 'organisation' or per 'domain'"
        raise ValueError(msg)
    positions: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        positions.setdefault(k, []).append(i)
    return [(titles[k], np.asarray(p)) for k, p in positions.items()]


def _cell(ws: Worksheet, row: int, col: int, value: Any) -> None:
    """Write one value: numbers as numbers, everything else as text (never a formula)."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    ):
        if not math.isnan(float(value)):
            cell.value = float(value) if isinstance(value, float | np.floating) else int(value)
        return
    text = cell_text(value)
    if text:
        cell.value = text
        cell.data_type = "s"  # openpyxl would store "=…" as a formula


def _help_lines(title: str, by: str, n: int) -> list[str]:
    what = "organisation" if by == "organisation" else "service domain"
    return [
        f"Services of {title} in the community asset inventory ({n} listed)",
        "",
        f"This workbook lists the services the inventory holds for this {what}, one row each,",
        f"on the sheet '{DATA_SHEET}'. Please check every row:",
        f"1. In column A ('{ANSWER}') write yes when the row is right as it stands,",
        "   no when something in it is wrong, closed when the service no longer runs.",
        "2. When something is wrong, correct the cell itself (phone, hours, website, …) and",
        f"   say in column B ('{NOTE}') what changed. A service that moved: correct its",
        "   address and its lat and lon (decimal degrees).",
        "3. Do not delete rows: a deleted row changes nothing and the service stays on the map.",
        "   Write closed in column A instead.",
        "4. Do not add rows here: send new services to the coalition separately.",
        "5. Leave the hidden columns and the hidden sheet alone: they let assetmap tell your",
        "   corrections from changes made to the inventory since this workbook was written.",
        f"Columns {', '.join(READ_ONLY)} are filled in by assetmap; edits to them are not applied.",
    ]


def _write_workbook(
    path: Path, title: str, by: str, values: pd.DataFrame, raw: gpd.GeoDataFrame
) -> None:
    """Write one review workbook (the rows of ``values``/``raw`` are one group)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    fields = list(values.columns)
    numeric = {"lat", "lon"} | {
        f
        for f in fields
        if f in raw.columns
        and pd.api.types.is_numeric_dtype(raw[f].dtype)
        and not pd.api.types.is_bool_dtype(raw[f].dtype)
    }
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = DATA_SHEET
    headers = [ANSWER, NOTE, *fields, RECORD, FINGERPRINT]
    for j, h in enumerate(headers, start=1):
        _cell(ws, 1, j, h)
        ws.cell(row=1, column=j).font = Font(bold=True)
    prints = []
    for i, (rid, texts) in enumerate(values.iterrows(), start=2):
        for j, f in enumerate(fields, start=3):
            _cell(ws, i, j, float(texts[f]) if f in numeric and texts[f] else texts[f])
        prints.append(fingerprint_of(texts.to_dict()))
        _cell(ws, i, len(headers) - 1, rid)
        _cell(ws, i, len(headers), prints[-1])
        ws.cell(row=i, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    for j, h in enumerate(headers, start=1):
        longest = max([len(h), *(len(t) for t in values.get(h, pd.Series(dtype=str)))])
        width = 30 if h in (ANSWER, NOTE) else min(max(longest, 8), 50) + 2
        ws.column_dimensions[get_column_letter(j)].width = width
    for h in (RECORD, FINGERPRINT):
        ws.column_dimensions[get_column_letter(headers.index(h) + 1)].hidden = True
    ws.freeze_panes = "D2"  # the header, the two answers and the name stay in view
    answer = DataValidation(type="list", formula1='"yes,no,closed"', allow_blank=True)
    answer.error, answer.showErrorMessage = "Write yes, no or closed.", True
    ws.add_data_validation(answer)
    answer.add(f"A2:A{max(len(values) + 1, 2)}")
    help_ws = wb.create_sheet(HELP_SHEET)
    for i, line in enumerate(_help_lines(title, by, len(values)), start=1):
        _cell(help_ws, i, 1, line)
    help_ws["A1"].font = Font(bold=True, size=13)
    help_ws.column_dimensions["A"].width = 100
    hidden = wb.create_sheet(EXPORTED_SHEET)
    hidden.sheet_state = "veryHidden"
    for j, h in enumerate([RECORD, FINGERPRINT, *fields], start=1):
        _cell(hidden, 1, j, h)
    for i, (rid, texts) in enumerate(values.iterrows(), start=2):
        for j, v in enumerate([rid, prints[i - 2], *texts.tolist()], start=1):
            _cell(hidden, i, j, str(v))  # every exported value as text, exactly
    wb.save(path)


def export_review(
    assets: gpd.GeoDataFrame,
    out_dir: str | Path,
    *,
    by: Literal["organisation", "domain"] = "organisation",
    domains: Mapping[str, Domain] | None = None,
) -> list[Path]:
    """Write one review workbook per organisation (or per domain) for partners to correct.

    Each workbook has a sheet ``Services`` listing the group's services, one row each,
    with every field of ``assets`` (``lat`` and ``lon`` as numbers in decimal degrees,
    EPSG:4326) after two columns to fill in, "still correct? (yes / no / closed)" (with
    a drop-down) and "what changed"; the header, the answers and the name stay in view.
    Hidden columns hold each row's record id and a fingerprint of its exported values,
    and a very hidden sheet ``exported`` every exported value, so :func:`import_review`
    can tell a partner's corrections from later changes to the inventory. A sheet
    ``How to review`` says what to do. Text beginning ``=``, ``+``, ``-`` or ``@`` is
    written as text, never as a formula.

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        Assets (:func:`assetmap.read_assets`, or a project's merged ``assets``) with
        unique ``asset_id``.
    out_dir : str or Path
        Folder for the workbooks (created); files of the same names are replaced.
    by : {"organisation", "domain"}
        One workbook per value of ``org`` or per ``domain``.
    domains : dict of str to Domain, optional
        Domain definitions, for the titles of per-domain workbooks (the shipped ones).

    Returns
    -------
    list of Path
        The workbooks, one per group, in the order of each group's first record; file
        names come from the organisation (or domain label), made safe
        (:func:`safe_file_name`).

    Examples
    --------
    >>> import tempfile, assetmap as am
    >>> from assetmap._resources import sample_dir
    >>> assets = am.read_assets(sample_dir() / "assets_211.csv")
    >>> paths = export_review(assets, tempfile.mkdtemp(), by="domain")
    >>> len(paths), paths[0].suffix
    (11, '.xlsx')
    """
    doms = load_domains() if domains is None else domains
    groups = _groups(assets, by, doms)
    ids = assets["asset_id"].map(cell_text)
    if ids.duplicated().any() or (ids == "").any():
        dup = sorted(set(ids[ids.duplicated()]))[:3]
        msg = f"every asset needs its own asset_id to be reviewed (repeated: {dup or ['']})"
        raise InputError(msg)
    if assets.crs is not None and not assets.crs.equals("EPSG:4326"):
        assets = assets.to_crs("EPSG:4326")
    values = field_values(assets, review_fields(assets))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    paths = []
    for title, rows in groups:
        path = out / safe_file_name(title, used)
        _write_workbook(path, title, by, values.iloc[rows], assets.iloc[rows])
        paths.append(path)
    log.info("wrote %d review workbooks into %s", len(paths), out)
    return paths


def write_inventory(assets: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write Assets as a spreadsheet-safe CSV: every column, then ``lat`` and ``lon``.

    :func:`read_inventory` reads it back with the same ``asset_id``;
    :func:`assetmap.read_assets` reads it as any inventory.

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        Assets (points; EPSG:4326 is written, whatever the frame's CRS).
    path : str or Path
        The CSV to write.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from assetmap.schema import empty_assets
    >>> p = write_inventory(empty_assets(), pathlib.Path(tempfile.mkdtemp()) / "inv.csv")
    >>> p.read_text().strip().split(",")[-2:]
    ['lat', 'lon']
    """
    a = assets.to_crs("EPSG:4326") if assets.crs is not None else assets
    frame = pd.DataFrame(a.drop(columns=[a.geometry.name, "lat", "lon"], errors="ignore"))
    geom = a.geometry
    frame["lat"] = [g.y if g is not None and not g.is_empty else None for g in geom]
    frame["lon"] = [g.x if g is not None and not g.is_empty else None for g in geom]
    return write_csv(frame, path)


def read_inventory(path: str | Path, **options: Any) -> gpd.GeoDataFrame:
    """Read an inventory to review, keeping the ids of one :func:`write_inventory` wrote.

    Any file :func:`assetmap.read_assets` reads is read by it. A CSV written by
    :func:`write_inventory` (it has ``asset_id``, ``source``, ``source_id``, ``lat`` and
    ``lon`` columns) keeps its own ``asset_id``, ``source``, ``source_id`` and
    ``outside_region``, so a corrected inventory can be reviewed again with the same ids.
    A row the reader would set aside is an error here: reviewing must not lose a record.

    Parameters
    ----------
    path : str or Path
        The inventory.
    **options
        Passed to :func:`assetmap.read_assets`.

    Returns
    -------
    geopandas.GeoDataFrame
        Assets.

    Examples
    --------
    >>> import tempfile, pathlib, assetmap as am
    >>> assets = am.load_sample().assets
    >>> p = write_inventory(assets, pathlib.Path(tempfile.mkdtemp()) / "inv.csv")
    >>> read_inventory(p)["asset_id"].tolist() == assets["asset_id"].tolist()
    True
    """
    from assetmap.assets import read_assets, rejected_rows

    found = read_assets(path, **options)
    rejected = rejected_rows(found)
    if len(rejected):
        r = rejected.iloc[0]
        msg = (
            f"{len(rejected)} rows cannot be read (first: row {r['row']}, column "
            f"{r['column']!r}: {r['problem']}); fix them first (assetmap validate) so that "
            "the review loses no record"
        )
        raise InputError(msg, file=str(path))
    if {"source_original", "source_id_original"} <= set(found.columns):
        found["asset_id"] = found["source_id"]
        found["source"] = found.pop("source_original")
        found["source_id"] = found.pop("source_id_original")
        if "outside_region_original" in found.columns:
            was = found.pop("outside_region_original").map(cell_text).str.lower()
            found["outside_region"] = was.isin(["true", "1", "yes"])
    return found
