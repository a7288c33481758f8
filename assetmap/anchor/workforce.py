"""Where the institution's staff live: employees and new hires by home unit, published safely.

Workforce files may describe people one per row (an HR extract with home addresses or
coordinates). Such rows are counted per unit the moment they are read: addresses,
names, ids and coordinates never leave the reader, and error messages about them name
the row and column but never quote the cell. Counts then pass the publication rule of
:mod:`assetmap.anchor.privacy` before anything else sees them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.anchor._io import (
    Placed,
    find_columns,
    flag,
    number,
    place,
    read_anchor_table,
    row_list,
    row_numbers,
)
from assetmap.anchor.privacy import DEFAULT_MIN_CELL, suppress_table
from assetmap.domains import normalise_label
from assetmap.errors import ConfigError, InputError
from assetmap.readers.crosswalk import OUTSIDE

__all__ = ["Workforce", "read_workforce"]

log = logging.getLogger(__name__)

#: Words in column names that mark a file as describing people (its cells are then
#: never quoted in error messages).
_PERSONAL = (
    "address", "street", "name", "employee id", "employee number", "emp id", "birth", "ssn",
    "email", "phone",
)  # fmt: skip


@dataclass
class Workforce:
    """Employees and new hires by home unit, as published (small cells hidden).

    Attributes
    ----------
    by_unit : geopandas.GeoDataFrame
        One row per unit (index ``unit_id``): ``name``, ``population``, then per measure
        (``employees``, ``new_hires``) the published count (NaN where hidden) and a
        ``<measure>_suppressed`` flag; unit polygons.
    by_group : pandas.DataFrame or None
        With a wage band or job family column: one row per unit × group with
        ``unit_id``, ``name``, ``group_by``, ``group`` and the measures as above.
    totals : pandas.DataFrame
        Region totals: one row per group and one for ``group == "all"`` (the grand
        total), published or hidden by the same rule as the cells.
    outside : dict of str to float
        Counts living outside the units (or at ZIP codes outside the crosswalk's region);
        NaN when from 1 to ``min_cell - 1``.
    placed : dict
        How the file's rows were placed: counts of rows by ``unit_id``, ``point``,
        ``zip`` and whether rows described one person each (``individual``).
    min_cell : int
    """

    by_unit: gpd.GeoDataFrame
    by_group: pd.DataFrame | None
    totals: pd.DataFrame
    outside: dict[str, float]
    placed: dict[str, Any]
    min_cell: int = DEFAULT_MIN_CELL


def read_workforce(
    path: str | Path,
    units: gpd.GeoDataFrame,
    *,
    crosswalk: pd.DataFrame | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
    columns: Mapping[str, str] | None = None,
    unknown_zip: str = "error",
    hired_since: str | None = None,
) -> Workforce:
    """Read where the institution's employees (and new hires) live, counted per unit.

    Two shapes are accepted:

    * **counts**: one row per home place (and wage band or job family) with an
      ``employees`` and/or ``new_hires`` column (``new_hires_2025`` works too);
    * **one row per person** (an HR extract): no count column; each row is one employee,
      placed by ``latitude``/``longitude`` or by ``zip`` (an address column is ignored:
      nothing is geocoded), with an optional ``new_hire`` yes/no column, or a hire date
      column (``hire date``, ``date of hire``, ``start date``) and ``hired_since``. The
      rows are counted at once; nothing that describes a person is kept.

    A row's place is its ``unit_id``, else its coordinates, else its ZIP code (spread over
    units through ``crosswalk`` with whole-person largest-remainder rounding). The counts
    then go through :func:`assetmap.anchor.privacy.suppress_table` (per measure, units × groups
    with margins).

    Parameters
    ----------
    path : str or Path
        CSV or XLSX.
    units : geopandas.GeoDataFrame
        Study units.
    crosswalk : pandas.DataFrame, optional
        From :func:`assetmap.readers.crosswalk.read_crosswalk`; needed for rows placed by ZIP.
    min_cell : int
        Smallest count published (default 11).
    columns : mapping, optional
        Field → column of the file, for ``unit_id``, ``zip``, ``lat``, ``lon``,
        ``employees``, ``new_hires``, ``new_hire``, ``group`` (wage band / job family).
    unknown_zip : {"error", "outside"}
        What to do with ZIP codes missing from the crosswalk: list them in an error
        (default) or count them outside the region.
    hired_since : str, optional
        A date (``2025-01-01``): in a one-row-per-person file with a hire date column,
        people hired on or after it are the new hires. Dates as HR systems write them
        (ISO, ``1/15/2025``, Excel dates) are read; a row whose date cannot be read is
        an error naming the row, never a guess.

    Returns
    -------
    Workforce

    Examples
    --------
    >>> import assetmap as am
    >>> from assetmap._resources import sample_dir
    >>> from assetmap.readers.crosswalk import read_crosswalk
    >>> units = am.read_units(sample_dir() / "units.geojson")
    >>> cw = read_crosswalk(sample_dir() / "crosswalk_zcta_nta.csv", units=units)
    >>> f = sample_dir() / "anchor_employment_zip.csv"
    >>> wf = read_workforce(f, units, crosswalk=cw, unknown_zip="outside")
    >>> list(wf.totals["group"])[-1], wf.placed["zip"] > 0
    ('all', True)
    """
    df, file = read_anchor_table(path)
    fields = [
        "unit_id", "zip", "lat", "lon", "employees", "new_hires", "new_hire", "hire_date", "group"
    ]  # fmt: skip
    cols = find_columns(df, fields, columns, file)
    individual = "employees" not in cols and "new_hires" not in cols
    personal = [c for c in map(normalise_label, df.columns) if any(w in c for w in _PERSONAL)]
    quote = not (individual or personal)  # never echo a cell of a file that describes people
    slim = pd.DataFrame(index=df.index)
    geo: dict[str, str] = {k: cols[k] for k in ("unit_id", "zip", "lat", "lon") if k in cols}
    for c in geo.values():
        slim[c] = df[c]  # under the file's own names, so errors name the user's columns
    measures: list[str] = []
    if individual:
        if not geo:
            msg = (
                "no count column (employees, new_hires) and no place column (unit_id, "
                "latitude/longitude, zip): cannot read this file as counts or as one row "
                "per employee"
            )
            raise InputError(msg, file=file)
        log.info("%s: one row per employee; counting per unit", file)
        slim["employees"] = 1.0
        measures.append("employees")
        if "new_hire" in cols:
            slim["new_hires"] = flag(df, cols["new_hire"], file, quote=False).astype(float)
            measures.append("new_hires")
        elif hired_since is not None:
            if "hire_date" not in cols:
                msg = (
                    f"hired_since={hired_since!r} needs a hire date column (hire date, date "
                    f"of hire, start date); the file has {', '.join(map(str, df.columns))}"
                )
                raise InputError(msg, file=file)
            slim["new_hires"] = _hired_on_or_after(df, cols["hire_date"], hired_since, file)
            measures.append("new_hires")
    else:
        for m in ("employees", "new_hires"):
            if m in cols:
                slim[m] = number(df, cols[m], file, whole=True, quote=quote)
                measures.append(m)
    group_by = "all"
    if "group" in cols:
        group_by = normalise_label(cols["group"]).replace(" ", "_") or "group"
        g = df[cols["group"]].astype(str).str.strip()
        slim["group"] = g.where(g.ne(""), "not recorded")
    else:
        slim["group"] = "all"
    del df  # nothing of the file but places, groups and counts goes further
    placed = place(
        slim,
        geo,
        measures,
        ["group"],
        units,
        file=file,
        crosswalk=crosswalk,
        unknown_zip=unknown_zip,
        integer=True,
        quote=quote,
    )
    groups = list(dict.fromkeys(slim["group"]))
    return _publish(placed, units, measures, groups, group_by, min_cell, individual)


def _hired_on_or_after(df: pd.DataFrame, col: str, since: str, file: str) -> pd.Series:
    """1.0 for people hired on or after ``since``, else 0.0; unreadable dates are errors."""
    try:
        cut = pd.Timestamp(since)
    except (ValueError, TypeError) as exc:
        msg = f"hired_since={since!r} is not a date; write it as 2025-01-01"
        raise ConfigError(msg) from exc
    raw = df[col].astype(str).str.strip()
    serial = pd.to_numeric(raw, errors="coerce")
    # Excel stores dates as days since 1899-12-30; a spreadsheet read as text shows them so
    excel = serial.between(20000, 80000)
    dates = pd.to_datetime(raw.where(~excel), errors="coerce", format="mixed")
    dates = dates.where(~excel, pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D"))
    bad = dates.isna() & raw.ne("")
    if bad.any():
        rows = row_numbers(bad)
        msg = (
            f"hire dates that cannot be read (rows {row_list(rows)}); write them as "
            "2025-01-15 or 1/15/2025, or leave the cell blank for someone hired long ago"
        )
        raise InputError(msg, file=file, row=rows[0], column=col)
    return (dates >= cut).fillna(False).astype(float)


def _publish(
    placed: Placed,
    units: gpd.GeoDataFrame,
    measures: list[str],
    groups: list[str],
    group_by: str,
    min_cell: int,
    individual: bool,
) -> Workforce:
    ids = units.index.astype(str)
    t = placed.table
    inside = t[t["unit_id"] != OUTSIDE]
    by_unit = units[["name", "population", "geometry"]].copy()
    by_unit.index = ids
    by_unit.index.name = "unit_id"
    long_parts: dict[str, pd.DataFrame] = {}
    total_rows: dict[str, pd.Series] = {}
    margin = "\x00total"
    for m in measures:
        raw = (
            inside.pivot_table(index="unit_id", columns="group", values=m, aggfunc="sum")
            .reindex(index=ids, columns=groups)
            .fillna(0.0)
        )
        pub = suppress_table(raw, min_cell, margin=margin)
        cells = pub.drop(index=margin)
        unit_total = cells[groups[0]] if len(groups) == 1 else cells[margin]
        by_unit[m] = unit_total.to_numpy()
        by_unit[f"{m}_suppressed"] = unit_total.isna().to_numpy()
        if len(groups) > 1:
            long_parts[m] = cells[groups].stack(future_stack=True).rename(m).to_frame()
        total_rows[m] = pub.loc[margin]
    outside: dict[str, float] = {}
    for m in measures:
        v = float(t.loc[t["unit_id"] == OUTSIDE, m].sum())
        outside[m] = v if v == 0 or v >= min_cell else float("nan")
    totals = pd.DataFrame(
        {
            "group_by": [group_by] * len(groups) + ["all"] if len(groups) > 1 else ["all"],
            "group": groups + ["all"] if len(groups) > 1 else ["all"],
        }
    )
    for m in measures:
        row = total_rows[m]
        vals = [row[g] for g in groups] + [row[margin]] if len(groups) > 1 else [row[groups[0]]]
        totals[m] = np.asarray(vals, dtype=float)
        totals[f"{m}_suppressed"] = totals[m].isna()
    by_group = None
    if long_parts:
        lg = pd.concat(long_parts.values(), axis=1).reset_index()
        lg.columns = ["unit_id", "group", *long_parts]
        for m in long_parts:
            lg[f"{m}_suppressed"] = lg[m].isna()
        lg.insert(1, "name", lg["unit_id"].map(by_unit["name"]))
        lg.insert(2, "group_by", group_by)
        by_group = lg[["unit_id", "name", "group_by", "group"] + _measure_cols(measures)]
    by_unit = by_unit[["name", "population", *_measure_cols(measures), "geometry"]]
    placed_info: dict[str, Any] = {**placed.how, "individual": individual}
    return Workforce(
        gpd.GeoDataFrame(by_unit, geometry="geometry", crs=units.crs),
        by_group,
        totals,
        outside,
        placed_info,
        min_cell,
    )


def _measure_cols(measures: list[str]) -> list[str]:
    return [c for m in measures for c in (m, f"{m}_suppressed")]
