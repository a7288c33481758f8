"""Reading an Open Referral HSDS package into plain tables (internal to :mod:`hsds`).

A package is a folder or a zip; its tables are CSV files (HSDS 3.x data package or 2.x
layout, singular or plural names, paths in ``datapackage.json`` first) or one
``services.json`` of nested service objects, flattened here into the same tables. Every
row keeps where it came from: ``_file`` (as a person finds it, ``package/locations.csv``),
``_row`` (the spreadsheet row, header = 1; for JSON the service's position) and ``_at``
(for JSON, the path of the object, e.g. ``service_at_locations[0].location.``).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from assetmap.errors import InputError
from assetmap.sources.files import _sniff_text

__all__ = ["TABLES", "Package", "Record", "load_tables"]

Record = dict[str, Any]

#: File names (without ``.csv``) under which each table is looked for, in order.
TABLES: dict[str, tuple[str, ...]] = {
    "organizations": ("organizations", "organization"),
    "services": ("services", "service"),
    "locations": ("locations", "location"),
    "service_at_location": (
        "service_at_locations",
        "service_at_location",
        "services_at_location",
        "services_at_locations",
    ),
    "addresses": ("addresses", "address", "physical_addresses", "physical_address"),
    "phones": ("phones", "phone"),
    "schedules": ("schedules", "schedule", "regular_schedules", "regular_schedule"),
    # "taxonomy" is the 2.0 terms table; in 3.x a taxonomy_terms table comes first.
    "taxonomy_terms": ("taxonomy_terms", "taxonomy_term", "taxonomy"),
    "links": (
        "attributes",
        "attribute",
        "service_attributes",
        "service_attribute",
        "services_taxonomy",
        "service_taxonomy",
    ),
}
_JSON_NAMES = ("services.json", "service.json")
_MARKERS = {"datapackage.json", "services.csv", "service.csv", *_JSON_NAMES}


class Package:
    """The files of an HSDS package in a folder or zip, found under their root folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            members = [q.relative_to(path).as_posix() for q in path.rglob("*") if q.is_file()]
            self._read: Callable[[str], bytes] = lambda m: (path / m).read_bytes()
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                members = [n for n in zf.namelist() if not n.endswith("/")]

            def read(member: str) -> bytes:
                with zipfile.ZipFile(path) as zf:
                    return zf.read(member)

            self._read = read
        else:
            msg = (
                "not a folder or a zip file; an HSDS package is a folder (or .zip) holding "
                "services.csv, locations.csv, service_at_locations.csv, … or services.json"
            )
            raise InputError(msg, file=str(path))
        found = [
            PurePosixPath(m)
            for m in members
            if PurePosixPath(m).name.lower() in _MARKERS and "__MACOSX" not in m
        ]
        if not found:
            msg = (
                "no HSDS tables found (looked for datapackage.json, services.csv or "
                "services.json); point at the folder or zip that holds them"
            )
            raise InputError(msg, file=str(path))
        root = min((m.parent for m in found), key=lambda q: len(q.parts))
        self.files = {
            PurePosixPath(m).relative_to(root).as_posix().lower(): m
            for m in members
            if PurePosixPath(m).is_relative_to(root)
        }

    def display(self, member: str) -> str:
        """Return the name of a member as a person finds it: ``package/locations.csv``."""
        return f"{self.path}/{member}"

    def read(self, member: str) -> bytes:
        """Return the bytes of a member."""
        return self._read(member)


def load_tables(pkg: Package) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Read every table the reader uses, as text cells with ``_file``/``_row``/``_at``."""
    meta: dict[str, Any] = {}
    if "datapackage.json" in pkg.files:
        member = pkg.files["datapackage.json"]
        try:
            meta = json.loads(pkg.read(member).decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            msg = f"not valid JSON ({exc})"
            raise InputError(msg, file=pkg.display(member)) from exc
        if not isinstance(meta, dict):
            meta = {}
    resources = {
        str(r.get("name", "")).lower(): str(r["path"]).lower()
        for r in meta.get("resources") or []
        if isinstance(r, dict) and isinstance(r.get("path"), str)
    }
    tables: dict[str, pd.DataFrame] = {}
    for table, names in TABLES.items():
        found = _find_member(pkg, names, resources)
        if found is not None:
            tables[table] = _read_csv(pkg, found)
    if "services" in tables:
        v3 = {"attributes", "attribute", "addresses", "address", "schedules", "schedule"}
        layout = "3.x" if v3 & _table_names(tables) else "2.x"
        if "locations" not in tables or "service_at_location" not in tables:
            missing = "locations.csv" if "locations" not in tables else "service_at_locations.csv"
            msg = (
                f"the package has services but no {missing}; HSDS links each service to the "
                "places it is delivered through locations and service_at_location(s)"
            )
            raise InputError(msg, file=str(pkg.path))
    else:
        json_file = next((pkg.files[n] for n in _JSON_NAMES if n in pkg.files), None)
        if json_file is None:
            msg = "no services table (services.csv) or services.json in the package"
            raise InputError(msg, file=str(pkg.path))
        tables = _tables_from_json(pkg, json_file)
        layout = "3.x JSON"
    version = str(meta.get("version") or "")
    label = f"Open Referral HSDS {version if version[:1].isdigit() else layout}"
    info = {
        "name": label,
        "vintage": str(meta.get("created") or meta.get("last_modified") or ""),
        "licence": _licence(meta),
    }
    return tables, info


def _table_names(tables: dict[str, pd.DataFrame]) -> set[str]:
    """File names (without folder and ``.csv``) of the tables read."""
    return {str(df.attrs.get("member", "")).rsplit("/", 1)[-1][:-4] for df in tables.values()}


def _licence(meta: dict[str, Any]) -> str:
    lic = meta.get("license") or meta.get("licenses") or ""
    if isinstance(lic, list):
        lic = lic[0] if lic else ""
    if isinstance(lic, dict):
        lic = lic.get("name") or lic.get("title") or lic.get("type") or ""
    return str(lic)


def _find_member(pkg: Package, names: tuple[str, ...], resources: dict[str, str]) -> str | None:
    for name in names:
        path = resources.get(name)
        if path is not None and path in pkg.files:
            return pkg.files[path]
    for name in names:
        if f"{name}.csv" in pkg.files:
            return pkg.files[f"{name}.csv"]
    return None


def _read_csv(pkg: Package, member: str) -> pd.DataFrame:
    file = pkg.display(member)
    text, _ = _sniff_text(pkg.read(member), None, file)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        df = pd.DataFrame()
    except Exception as exc:
        msg = f"cannot parse as CSV ({exc}); HSDS tables are comma-separated with a header row"
        raise InputError(msg, file=file) from exc
    df.columns = [str(c).strip().lower() for c in df.columns]
    df = df.astype(str).apply(lambda s: s.str.strip())
    df["_file"] = file
    df["_row"] = range(2, len(df) + 2)
    df["_at"] = ""
    df.attrs["member"] = member.lower()
    return df


def _text(value: object) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def _tables_from_json(pkg: Package, member: str) -> dict[str, pd.DataFrame]:
    """Flatten HSDS 3.x service objects into the tables of the tabular layout."""
    file = pkg.display(member)
    try:
        data = json.loads(pkg.read(member).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"not valid JSON ({exc})"
        raise InputError(msg, file=file) from exc
    if isinstance(data, dict):
        data = data.get("contents", [data])
    if not isinstance(data, list) or not all(isinstance(s, dict) for s in data):
        msg = "expected a list of HSDS service objects (or an API page with 'contents')"
        raise InputError(msg, file=file)
    rows: dict[str, list[Record]] = {t: [] for t in TABLES}
    for i, svc in enumerate(data):
        _flatten_service(svc, i + 1, file, rows)
    return {
        t: pd.DataFrame(r, dtype=object).fillna("") if r else pd.DataFrame()
        for t, r in rows.items()
    }


def _flatten_service(svc: Record, row: int, file: str, rows: dict[str, list[Record]]) -> None:
    def rec(obj: Record, at: str, **extra: str) -> Record:
        out: Record = {k: _text(v) for k, v in obj.items()}
        out.update(extra)
        out.update({"_file": file, "_row": row, "_at": at})
        return out

    sid = _text(svc.get("id")) or f"service{row}"
    org: Record = svc["organization"] if isinstance(svc.get("organization"), dict) else {}
    oid = _text(org.get("id")) or _text(svc.get("organization_id"))
    rows["services"].append(rec(svc, "", id=sid, organization_id=oid))
    if org:
        rows["organizations"].append(rec(org, "organization.", id=oid))
    for k, ph in enumerate(svc.get("phones") or []):
        rows["phones"].append(rec(ph, f"phones[{k}].", service_id=sid))
    for k, sc in enumerate(svc.get("schedules") or []):
        rows["schedules"].append(rec(sc, f"schedules[{k}].", service_id=sid))
    for k, att in enumerate(svc.get("attributes") or []):
        term: Record = att["taxonomy_term"] if isinstance(att.get("taxonomy_term"), dict) else {}
        tid = _text(att.get("taxonomy_term_id")) or _text(term.get("id")) or f"{sid}#term{k}"
        at = f"attributes[{k}]."
        rows["links"].append(rec(att, at, link_id=sid, link_entity="service", taxonomy_term_id=tid))
        if term:
            rows["taxonomy_terms"].append(rec(term, at + "taxonomy_term.", id=tid))
    for k, sal in enumerate(svc.get("service_at_locations") or []):
        at = f"service_at_locations[{k}]."
        loc: Record = sal["location"] if isinstance(sal.get("location"), dict) else {}
        lid = _text(loc.get("id")) or _text(sal.get("location_id")) or f"{sid}#location{k}"
        said = _text(sal.get("id")) or f"{sid}@{lid}"
        rows["service_at_location"].append(rec(sal, at, id=said, service_id=sid, location_id=lid))
        for j, ph in enumerate(sal.get("phones") or []):
            rows["phones"].append(rec(ph, f"{at}phones[{j}].", service_at_location_id=said))
        for j, sc in enumerate(sal.get("schedules") or []):
            rows["schedules"].append(rec(sc, f"{at}schedules[{j}].", service_at_location_id=said))
        if not loc:
            continue
        lat = at + "location."
        rows["locations"].append(rec(loc, lat, id=lid))
        for j, ad in enumerate(loc.get("addresses") or []):
            rows["addresses"].append(rec(ad, f"{lat}addresses[{j}].", location_id=lid))
        for j, ph in enumerate(loc.get("phones") or []):
            rows["phones"].append(rec(ph, f"{lat}phones[{j}].", location_id=lid))
