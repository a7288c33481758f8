"""Broken references in an HSDS package (internal to :mod:`hsds`).

HSDS tables point at each other by id: a service names its ``organization_id``, a phone
the service, location or organization it belongs to, an address its location. A
reference that matches no row is reported here, one warning per row that holds it,
naming the file, row, column and the id; the row that holds it is still used where it
makes sense (a service with a broken ``organization_id`` is kept with no organization)
and left unused where it does not (a phone of no known service). Links from a
``service_at_location`` to a missing service or location are set aside by the reader
itself: with no service or no place there is no asset.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

__all__ = ["REFERENCES", "log_broken_links", "log_warnings", "reference_warnings"]

log = logging.getLogger(__name__)

#: (table, column, table the id must be in, what becomes of the row holding it).
REFERENCES: tuple[tuple[str, str, str, str], ...] = (
    ("services", "organization_id", "organizations", "the service is kept with no organization"),
    ("locations", "organization_id", "organizations", "the location is kept"),
    ("phones", "service_at_location_id", "service_at_location", "the phone is not used"),
    ("phones", "service_id", "services", "the phone is not used"),
    ("phones", "location_id", "locations", "the phone is not used"),
    ("phones", "organization_id", "organizations", "the phone is not used"),
    ("schedules", "service_at_location_id", "service_at_location", "the schedule is not used"),
    ("schedules", "service_id", "services", "the schedule is not used"),
    ("schedules", "location_id", "locations", "the schedule is not used"),
    ("addresses", "location_id", "locations", "the address is not used"),
    ("postal_addresses", "location_id", "locations", "the address is not used"),
)

#: What each target table is called in a message.
_WHAT = {
    "organizations": "organization",
    "services": "service",
    "locations": "location",
    "service_at_location": "service at a location",
}


def _ids(tables: dict[str, pd.DataFrame], table: str) -> set[str] | None:
    df = tables.get(table)
    if df is None or "id" not in df.columns:
        return None
    return {str(v) for v in df["id"] if str(v)}


def reference_warnings(tables: dict[str, pd.DataFrame], source: str) -> list[dict[str, Any]]:
    """Return one warning per row whose reference matches no row of the table it names.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        The package's tables as :func:`._hsds_tables.load_tables` reads them.
    source : str
        The source name written in each warning.

    Returns
    -------
    list of dict
        Records with ``source``, ``file``, ``row``, ``column``, ``value``, ``problem``.
    """
    out: list[dict[str, Any]] = []
    for table, column, target, fate in REFERENCES:
        df = tables.get(table)
        if df is None or df.empty or column not in df.columns:
            continue
        ids = _ids(tables, target)
        what = _WHAT[target]
        for rec in df[[column, "_file", "_row", "_at"]].to_dict("records"):
            value = str(rec[column])
            if not value or (ids is not None and value in ids):
                continue
            where = "the package has no table of them" if ids is None else f"no {what} has it"
            out.append(
                {
                    "source": source,
                    "file": str(rec["_file"]),
                    "row": int(rec["_row"]),
                    "column": f"{rec['_at']}{column}",
                    "value": value[:200],
                    "problem": f"{column} {value!r} matches no {what} ({where}); {fate}",
                }
            )
    return out


def log_warnings(name: str, warnings: list[dict[str, Any]]) -> None:
    """Log the broken references by file and column, with their count and first ids."""
    groups: dict[tuple[str, str], list[str]] = {}
    fates: dict[tuple[str, str], str] = {}
    for w in warnings:
        key = (str(w["file"]), str(w["column"]))
        groups.setdefault(key, []).append(str(w["value"]))
        fates[key] = str(w["problem"]).rsplit("; ", 1)[-1]
    for (file, column), values in groups.items():
        shown = ", ".join(sorted(set(values))[:10]) + (", …" if len(set(values)) > 10 else "")
        log.warning(
            "%s: %d row(s) of %s have a %s that matches nothing (%s); %s",
            name,
            len(values),
            file,
            column,
            shown,
            fates[(file, column)],
        )


def log_broken_links(p: object, rejected: pd.DataFrame) -> None:
    """Log the service_at_location rows set aside for a missing service or location."""
    broken = rejected[rejected["problem"].str.contains("is not the id of any", regex=False)]
    for column, group in broken.groupby("column", sort=True):
        ids = sorted(set(group["value"].astype(str)))
        shown = ", ".join(ids[:10]) + (", …" if len(ids) > 10 else "")
        log.warning(
            "%s: %d service_at_location row(s) name a %s that matches nothing (%s); set aside",
            p,
            len(group),
            column,
            shown,
        )
