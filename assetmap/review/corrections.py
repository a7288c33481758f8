"""Corrections in: apply returned review workbooks to the inventory, with a change log.

Part of :mod:`assetmap.review`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.csvsafe import write_csv
from assetmap.domains import Domain, DomainMatcher, load_domains
from assetmap.errors import InputError
from assetmap.review._cells import (
    ANSWER,
    ANSWERS,
    CHANGE_COLUMNS,
    CONFLICT_COLUMNS,
    READ_ONLY,
    cell_text,
    field_values,
    fingerprint_of,
    review_fields,
)
from assetmap.review._sheets import Row, read_workbook
from assetmap.review.export import write_inventory
from assetmap.schema import SECTORS

__all__ = ["ReviewResult", "import_review", "write_review_result"]

log = logging.getLogger(__name__)


@dataclass
class _Edit:
    sheet: str
    row: int
    record: str
    field: str
    old: str
    new: str
    note: str


def _check_value(field: str, new: str, matcher: DomainMatcher, dtype: Any) -> tuple[str, str]:
    """(canonical value, problem): the value to store, or a phrase saying why it cannot be."""
    if field in ("lat", "lon"):
        limit = 90 if field == "lat" else 180
        try:
            number = float(new)
        except ValueError:
            return "", f"{new!r} is not a number (decimal degrees, e.g. 40.85 or -73.91)"
        if not -limit <= number <= limit:
            return "", f"{new} is outside -{limit} to {limit} degrees"
        return cell_text(number), ""
    if field == "domain":
        key = matcher.match(new)
        if key is None:
            near = matcher.suggest(new)
            hint = f" (did you mean {' or '.join(near)}?)" if near else ""
            return "", f"{new!r} is not a service domain{hint}"
        return key, ""
    if field == "sector":
        word = re.sub(r"[\s-]+", "_", new.lower())
        if word not in SECTORS:
            return "", f"{new!r} is not a sector (write one of {', '.join(SECTORS)})"
        return word, ""
    if field == "name" and not new:
        return "", "a service needs a name (write closed in the first column to remove it)"
    if dtype is not None and pd.api.types.is_datetime64_any_dtype(dtype) and new:
        try:
            return cell_text(pd.Timestamp(new)), ""
        except ValueError:
            return "", f"{new!r} is not a date (write it as 2025-03-31)"
    if dtype is not None and pd.api.types.is_numeric_dtype(dtype) and new:
        try:
            number = float(new)
        except ValueError:
            return "", f"{new!r} is not a number"
        if field == "capacity" and number < 0:
            return "", f"{new} is negative (leave capacity empty when unknown)"
        return cell_text(number), ""
    return new, ""


def _sentence_of(edit: _Edit, name: str) -> str:
    return f"the {edit.field} of {name!r} ({edit.record})"


@dataclass
class _Found:
    """What the returned rows ask for, before conflicts between sheets are settled."""

    edits: list[_Edit] = field(default_factory=list)
    marks: dict[str, list[tuple[Row, str]]] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def refuse(self, row: Row, column: str, sentence: str) -> None:
        self.conflicts.append(
            {
                "sheet": row.sheet,
                "row": row.row,
                "asset_id": row.record,
                "field": column,
                "sentence": sentence,
            }
        )


def _judge_edit(
    edit: _Edit,
    now: dict[str, str],
    name: str,
    inventory: gpd.GeoDataFrame,
    matcher: DomainMatcher,
    out: _Found,
) -> bool:
    """Check one changed cell; keep it in ``out.edits`` (True) or refuse it with a sentence."""
    where, f, new = f"{edit.sheet}, row {edit.row}", edit.field, edit.new
    row = Row(edit.sheet, edit.row, edit.record, "", "", "", {})
    if f in READ_ONLY:
        out.refuse(
            row,
            f,
            f"{where}, column {f!r}: {f} is filled in by assetmap, so the edit to {new!r} "
            "was not applied.",
        )
        return False
    dtype = inventory[f].dtype if f in inventory.columns else None
    value, problem = _check_value(f, new, matcher, dtype)
    if problem:
        out.refuse(row, f, f"{where}, column {f!r}: {problem}; the edit was not applied.")
        return False
    if value == edit.old:
        return False  # the same value written another way ("Food" for food)
    if now[f] != edit.old:
        out.refuse(
            row,
            f,
            f"{where}: {_sentence_of(edit, name)} was {edit.old!r} when the sheet was "
            f"exported but is {now[f]!r} in the inventory now, so the edit to {value!r} "
            "was not applied; check the inventory and import again.",
        )
        return False
    edit.new = value
    out.edits.append(edit)
    return True


def _judge_row(
    row: Row,
    exported: dict[str, str] | None,
    current: pd.DataFrame,
    inventory: gpd.GeoDataFrame,
    matcher: DomainMatcher,
    out: _Found,
) -> None:
    """Sort one returned row into edits to apply, refusals and warnings."""
    where = f"{row.sheet}, row {row.row}"
    if row.record not in current.index:
        out.refuse(
            row,
            "",
            f"{where}: the record id {row.record!r} is not in the inventory, so the row was not "
            "applied (new services are added to the inventory itself, not through a review).",
        )
        return
    answer = ANSWERS.get(row.answer.lower())
    if answer is None:
        out.refuse(
            row,
            ANSWER,
            f"{where}, column {ANSWER!r}: {row.answer!r} is not yes, no or closed, so the row "
            "was not applied.",
        )
        return
    now = current.loc[row.record].to_dict()
    name = now.get("name", "")
    if exported is None and row.fingerprint == fingerprint_of(now):
        exported = now  # the hidden sheet is gone, but the inventory is as exported
    out.marks.setdefault(row.record, []).append((row, answer))
    if answer == "closed":
        return
    base = exported if exported is not None else now
    diffs = {f: v for f, v in row.cells.items() if f in now and v != base.get(f, v)}
    if exported is None and diffs:
        out.refuse(
            row,
            "",
            f"{where}: the inventory's record {name!r} ({row.record}) has changed since the "
            "sheet was exported and the sheet's hidden copy is gone, so its edits were not "
            "applied; export a new sheet for it.",
        )
        return
    edited = [
        f
        for f, new in diffs.items()
        if _judge_edit(
            _Edit(row.sheet, row.row, row.record, f, base[f], new, row.note),
            now,
            name,
            inventory,
            matcher,
            out,
        )
    ]
    if answer == "no" and not edited and not diffs:
        said = f" ({row.note!r})" if row.note else ""
        out.warnings.append(
            f"{where}: {name!r} is marked not correct{said} but no cell was changed; "
            "the record is unchanged."
        )
    if "address" in edited and not {"lat", "lon"} & set(edited):
        out.warnings.append(
            f"{where}: the address of {name!r} changed but its lat and lon did not; "
            "the map still shows the old position until they are corrected."
        )


def _settle(found: _Found, names: Mapping[str, str]) -> tuple[list[_Edit], list[_Edit]]:
    """(edits to apply, closures): one value per field, a closure nobody disputes."""
    by_field: dict[tuple[str, str], list[_Edit]] = {}
    for e in found.edits:
        by_field.setdefault((e.record, e.field), []).append(e)
    edited_records = {e.record for e in found.edits}
    closures: list[_Edit] = []
    closing: set[str] = set()
    for record, marks in found.marks.items():
        closed = [r for r, a in marks if a == "closed"]
        kept = [r for r, a in marks if a in ("yes", "no")]
        if not closed:
            continue
        first = closed[0]
        if kept or record in edited_records:
            other = kept[0] if kept else next(e for e in found.edits if e.record == record)
            found.refuse(
                first,
                "status",
                f"{first.sheet}, row {first.row}: {names[record]!r} ({record}) is marked closed "
                f"there but kept or corrected in {other.sheet}, row {other.row}, so it stays in "
                "the inventory; agree whether it is closed and import again.",
            )
            continue
        closing.add(record)
        closures.append(
            _Edit(first.sheet, first.row, record, "status", "open", "closed", first.note)
        )
    applied = []
    for (record, fld), edits in by_field.items():
        if record in closing:
            continue
        values = list(dict.fromkeys(e.new for e in edits))
        if len(values) == 1:
            applied.append(edits[0])
            continue
        seen = [next(e for e in edits if e.new == v) for v in values]
        said = "; ".join(f"{e.new!r} in {e.sheet}, row {e.row}" for e in seen)
        found.refuse(
            Row(seen[0].sheet, seen[0].row, record, "", "", "", {}),
            fld,
            f"The {fld} of {names[record]!r} ({record}) is changed to different values in "
            f"{len(seen)} sheets ({said}), so none was applied; agree on one value and import "
            "again.",
        )
    return applied, closures


def _apply(inventory: gpd.GeoDataFrame, edits: list[_Edit], closed: set[str]) -> gpd.GeoDataFrame:
    """Return a copy of the inventory with the edits made and the closed records removed."""
    from shapely.geometry import Point

    out = inventory.copy()
    ids = out["asset_id"].map(cell_text).tolist()
    pos = {rid: i for i, rid in enumerate(ids)}
    moved: dict[int, dict[str, float]] = {}
    for e in edits:
        i = pos[e.record]
        if e.field in ("lat", "lon"):
            moved.setdefault(i, {})[e.field] = float(e.new)
            continue
        dtype = out[e.field].dtype
        value: Any = e.new
        if pd.api.types.is_datetime64_any_dtype(dtype):
            value = pd.Timestamp(e.new) if e.new else pd.NaT
        elif pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            value = float(e.new) if e.new else np.nan
            if pd.api.types.is_integer_dtype(dtype):
                if np.isnan(value) or value != int(value):
                    out[e.field] = out[e.field].astype(float)  # a blank or a fraction
                else:
                    value = int(value)
        out.iloc[i, out.columns.get_loc(e.field)] = value
    geom = out.geometry.name
    for i, where in moved.items():
        old = out.geometry.iloc[i]
        lon = where.get("lon", old.x if old is not None and not old.is_empty else np.nan)
        lat = where.get("lat", old.y if old is not None and not old.is_empty else np.nan)
        out.iloc[i, out.columns.get_loc(geom)] = Point(lon, lat)
    keep = [rid not in closed for rid in ids]
    return out.loc[keep]


@dataclass
class ReviewResult:
    """What :func:`import_review` did with the returned workbooks.

    Attributes
    ----------
    corrected : geopandas.GeoDataFrame
        The inventory with the corrections made and the closed services removed, on its
        own index (nothing else changes).
    changes : pandas.DataFrame
        The change log, one row per field changed (:data:`CHANGE_COLUMNS`: ``sheet``,
        ``row``, ``asset_id``, ``field``, ``old``, ``new``, ``note``); a closed service is
        one row with ``field`` ``"status"``, ``old`` ``"open"``, ``new`` ``"closed"``.
    conflicts : pandas.DataFrame
        One row per edit refused (:data:`CONFLICT_COLUMNS`), ``sentence`` saying why.
    warnings : list of str
        Sentences about rows applied or kept as they were that deserve a look (a row
        deleted from a sheet, a service marked "no" with nothing corrected, …).
    rows : int
        Rows read from the sheets.
    before : int
        Services in the inventory before.
    """

    corrected: gpd.GeoDataFrame
    changes: pd.DataFrame
    conflicts: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    rows: int = 0
    before: int = 0

    def summary(self) -> str:
        """Return one paragraph: rows read, corrections applied, closures, refusals."""
        closed = int((self.changes["field"] == "status").sum())
        edits = self.changes[self.changes["field"] != "status"]
        text = (
            f"Read {self.rows} rows: {len(edits)} corrections applied to "
            f"{edits['asset_id'].nunique()} services, {closed} services closed and removed "
            f"({self.before} services before, {len(self.corrected)} after); "
            f"{len(self.conflicts)} edits refused"
        )
        text += " (one sentence each in conflicts.csv)." if len(self.conflicts) else "."
        if self.warnings:
            text += f" {len(self.warnings)} warnings: " + " ".join(self.warnings)
        return text


def _labels(paths: list[Path]) -> list[str]:
    """Name each sheet by its file name, or by its path when two share a name."""
    names = [p.name for p in paths]
    return [p.name if names.count(p.name) == 1 else str(p) for p in paths]


def import_review(
    inventory: gpd.GeoDataFrame,
    sheets: Iterable[str | Path],
    *,
    domains: Mapping[str, Domain] | None = None,
) -> ReviewResult:
    """Apply the corrections of returned review workbooks to the inventory.

    Every field a row changes (compared with what was exported, from the workbook's
    hidden copy) is checked and applied, unless:

    - two sheets change the same field of one record to different values (neither is
      applied);
    - the row's record id is not in the inventory (the row is not applied);
    - the inventory's value of that field is no longer the exported one (someone changed
      it since: the edit is not applied);
    - the value cannot be right: ``lat``/``lon`` not a number or out of range, a domain
      word that names no domain, an unknown sector, a negative capacity, an empty name,
      or a field assetmap fills in (:data:`READ_ONLY`).

    Each refusal is one sentence naming the sheet, the row and the column. A record is
    removed only when a sheet marks it "closed" and no other sheet keeps or corrects it;
    a row deleted from a sheet changes nothing (a warning says so).

    Parameters
    ----------
    inventory : geopandas.GeoDataFrame
        The Assets the workbooks were exported from (as :func:`read_inventory` reads
        them), with unique ``asset_id``.
    sheets : iterable of str or Path
        The returned ``.xlsx`` workbooks.
    domains : dict of str to Domain, optional
        Domain definitions for the domain words (the shipped ones).

    Returns
    -------
    ReviewResult

    Examples
    --------
    >>> import tempfile, assetmap as am
    >>> from assetmap.review import export_review
    >>> from assetmap._resources import sample_dir
    >>> assets = am.read_assets(sample_dir() / "assets_211.csv")
    >>> paths = export_review(assets, tempfile.mkdtemp(), by="domain")
    >>> result = import_review(assets, paths)
    >>> len(result.changes), len(result.conflicts), len(result.corrected) == len(assets)
    (0, 0, True)
    """
    matcher = DomainMatcher(load_domains() if domains is None else dict(domains))
    inv = inventory.to_crs("EPSG:4326") if inventory.crs is not None else inventory
    ids = inv["asset_id"].map(cell_text)
    if ids.duplicated().any():
        msg = f"the inventory repeats asset_id {ids[ids.duplicated()].iloc[0]!r}"
        raise InputError(msg)
    current = field_values(inv, review_fields(inv))
    paths = [Path(p) for p in sheets]
    found = _Found()
    n_rows = 0
    for path, label in zip(paths, _labels(paths), strict=True):
        sheet = read_workbook(path, label)
        n_rows += len(sheet.rows)
        listed = {r.record for r in sheet.rows}
        gone = [rid for rid in sheet.exported if rid not in listed]
        if gone:
            found.warnings.append(
                f"{label}: {len(gone)} services exported in it have no row now "
                f"({', '.join(gone[:5])}{', …' if len(gone) > 5 else ''}); they are kept "
                f"unchanged (to remove a service, write closed in the column {ANSWER!r})."
            )
        for row in sheet.rows:
            _judge_row(row, sheet.exported.get(row.record), current, inv, matcher, found)
    names = current["name"].to_dict()
    applied, closures = _settle(found, names)
    corrected = _apply(inventory, applied, {c.record for c in closures})
    log_rows = [{**vars(e), "asset_id": e.record} for e in [*applied, *closures]]
    changes = pd.DataFrame(log_rows, columns=CHANGE_COLUMNS)
    changes = changes.sort_values(["sheet", "row", "field"], kind="stable", ignore_index=True)
    conflicts = pd.DataFrame(found.conflicts, columns=CONFLICT_COLUMNS)
    for w in found.warnings:
        log.warning("%s", w)
    return ReviewResult(corrected, changes, conflicts, found.warnings, n_rows, len(inventory))


def write_review_result(
    result: ReviewResult, out_dir: str | Path, *, protect: Iterable[str | Path] = ()
) -> dict[str, Path]:
    """Write ``corrected.csv``, ``changes.csv`` and ``conflicts.csv`` into a folder.

    Parameters
    ----------
    result : ReviewResult
        As :func:`import_review` returns it.
    out_dir : str or Path
        The folder (created).
    protect : iterable of str or Path
        Files that must not be written over (the inventory and the sheets read): naming
        one of them as an output is an error, raised before anything is written.

    Returns
    -------
    dict of str to Path
        ``corrected``, ``changes`` and ``conflicts``.

    Examples
    --------
    >>> import tempfile
    >>> from assetmap.schema import empty_assets
    >>> empty = ReviewResult(empty_assets(), pd.DataFrame(columns=CHANGE_COLUMNS),
    ...                      pd.DataFrame(columns=CONFLICT_COLUMNS))
    >>> sorted(write_review_result(empty, tempfile.mkdtemp()))
    ['changes', 'conflicts', 'corrected']
    """
    out = Path(out_dir)
    paths = {k: out / f"{k}.csv" for k in ("corrected", "changes", "conflicts")}
    kept = {Path(p).resolve() for p in protect}
    for p in paths.values():
        if p.resolve() in kept:
            msg = f"{p} is an input of the review; write the results into another folder"
            raise InputError(msg)
    out.mkdir(parents=True, exist_ok=True)
    write_inventory(result.corrected, paths["corrected"])
    write_csv(result.changes, paths["changes"])
    write_csv(result.conflicts, paths["conflicts"])
    return paths
