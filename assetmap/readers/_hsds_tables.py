"""Reading an Open Referral HSDS package into plain tables (internal to :mod:`hsds`).

A package is a folder or a zip; its tables are CSV files (HSDS 3.x data package or 2.x
layout, singular or plural names, paths in ``datapackage.json`` first) or one JSON
document of nested HSDS 3 objects (services, services at a location, or organizations with
their services; a list, an API page ``{"contents": [...]}`` or a single object), flattened
here into the same tables. Every row keeps where it came from: ``_file`` (as a person
finds it, ``package/locations.csv``), ``_row`` (the spreadsheet row, header = 1; for JSON
the top-level object's position) and ``_at`` (for JSON, the path of the object, e.g.
``service_at_locations[0].location.``).
"""

from __future__ import annotations

import io
import json
import posixpath
import re
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

import pandas as pd

from assetmap.errors import InputError
from assetmap.readers._archive import Limits, member_names, read_member
from assetmap.readers._tables import decode

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
    # 2.x keeps mailing addresses apart; used for a location with no physical address.
    "postal_addresses": ("postal_addresses", "postal_address"),
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
_JSON_NAMES = (
    "services.json",
    "service.json",
    "service_at_locations.json",
    "service_at_location.json",
    "organizations.json",
    "organization.json",
)
_MARKERS = {"datapackage.json", "services.csv", "service.csv", *_JSON_NAMES}
#: Keys only an HSDS organization object has (a service has ``url``, ``status``, …).
_ORG_KEYS = {
    "website",
    "additional_websites",
    "legal_status",
    "tax_status",
    "tax_id",
    "year_incorporated",
    "parent_organization_id",
    "logo",
    "organization_identifiers",
}


class Package:
    """The files of an HSDS package in a folder or zip, found under their root folder."""

    def __init__(self, path: Path, *, limits: Limits | None = None) -> None:
        self.path = path
        limits = limits or Limits()
        self.single = path.is_file() and path.suffix.lower() == ".json"
        self._read: Callable[[str], bytes]
        if self.single:  # one JSON document: the file is the whole package
            self.files = {path.name.lower(): path.name}
            self._read = lambda m: path.read_bytes()
            return
        if path.is_dir():
            members = [q.relative_to(path).as_posix() for q in path.rglob("*") if q.is_file()]
            self._read = lambda m: (path / m).read_bytes()
        elif zipfile.is_zipfile(path):
            try:
                with zipfile.ZipFile(path) as zf:
                    members = member_names(zf, archive=str(path), limits=limits)
            except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError) as exc:
                msg = f"cannot read the zip ({exc}); download or zip it again"
                raise InputError(msg, file=str(path)) from exc

            def read(member: str) -> bytes:
                with zipfile.ZipFile(path) as zf:
                    return read_member(zf, member, archive=str(path), limits=limits)

            self._read = read
        else:
            msg = (
                "not a folder, a zip or a .json file; an HSDS package is a folder (or .zip) "
                "holding services.csv, locations.csv, service_at_locations.csv, … or "
                "services.json"
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
        return str(self.path) if self.single else f"{self.path}/{member}"

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
    resources = _resources(meta, pkg)
    tables: dict[str, pd.DataFrame] = {}
    services = _find_member(pkg, TABLES["services"], resources)
    # the other tables are looked for beside the services table, never in another
    # package's folder (a published repository may hold several packages)
    home = posixpath.dirname(_key_of(pkg, services)) if services is not None else ""
    for table, names in TABLES.items():
        found = _find_member(pkg, names, resources, home=home, anywhere=False)
        if found is not None:
            tables[table] = _read_csv(pkg, found)
    terms = tables.get("taxonomy_terms")
    if terms is not None and _is_taxonomy_list(terms):
        del tables["taxonomy_terms"]  # 3.x taxonomy.csv lists vocabularies, not terms
    if "services" in tables:
        v3 = {"attributes", "attribute", "addresses", "address", "schedules", "schedule"}
        layout = "3.x" if v3 & _table_names(tables) else "2.x"
        if "service_at_location" not in tables and _links_locations(tables["services"]):
            tables["service_at_location"] = pd.DataFrame(columns=["service_id", "location_id"])
        if "locations" not in tables or "service_at_location" not in tables:
            missing = "locations.csv" if "locations" not in tables else "service_at_locations.csv"
            msg = (
                f"the package has services but no {missing}; HSDS links each service to the "
                "places it is delivered through locations and service_at_location(s)"
            )
            raise InputError(msg, file=str(pkg.path))
    else:
        json_file = next((pkg.files[n] for n in _JSON_NAMES if n in pkg.files), None)
        if pkg.single:
            json_file = next(iter(pkg.files.values()))
        if json_file is None:
            raise _no_services(pkg, resources)
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


def _is_taxonomy_list(df: pd.DataFrame) -> bool:
    """Tell a 3.x ``taxonomy.csv`` (one row per vocabulary: uri, version) from 2.x terms."""
    member = str(df.attrs.get("member", "")).rsplit("/", 1)[-1]
    cols = set(df.columns)
    return member == "taxonomy.csv" and not cols & {"parent_id", "parent_name", "vocabulary"}


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


def _resources(meta: dict[str, Any], pkg: Package) -> dict[str, str]:
    r"""Return the paths of the tables ``datapackage.json`` lists, by name and file stem.

    Paths are read as the Frictionless Data spec writes them: relative to the descriptor
    (``data/services.csv``, ``./data/services.csv``, a Windows ``data\services.csv``), a
    list of parts (the first is taken) or a URL (matched by its file name).
    """
    out: dict[str, str] = {}
    for r in meta.get("resources") or []:
        if not isinstance(r, dict):
            continue
        path = r.get("path")
        if isinstance(path, list):
            path = next((q for q in path if isinstance(q, str)), None)
        if not isinstance(path, str) or not path.strip():
            continue
        text = unquote(path.strip().replace("\\", "/")).lower()
        if "://" in text:
            found = _by_file_name(pkg, PurePosixPath(text.split("?")[0]).name)
            rel = found or PurePosixPath(text.split("?")[0]).name
        else:  # datapackage.json sits at the package's root, where pkg.files starts
            rel = posixpath.normpath(text.lstrip("/"))
        for key in (str(r.get("name", "")).lower(), PurePosixPath(rel).stem):
            if key and key not in out:
                out[key] = rel
    return out


def _by_file_name(pkg: Package, name: str) -> str | None:
    """Return the key of the shallowest member called ``name`` (any folder), or None."""
    hits = [k for k in pkg.files if PurePosixPath(k).name == name]
    return min(hits, key=lambda k: (k.count("/"), k)) if hits else None


def _find_member(
    pkg: Package,
    names: tuple[str, ...],
    resources: dict[str, str],
    *,
    home: str = "",
    anywhere: bool = True,
) -> str | None:
    """Find a table: as ``datapackage.json`` lists it, else by its usual file name.

    The usual names are looked for in the folder ``home`` (the services table's), then
    beside the package's root; with ``anywhere`` (to find the services table itself) in
    any subfolder too (shallowest first), as packages that keep their tables in ``data/``
    do.
    """
    for name in names:
        path = resources.get(name)
        if path is not None and path in pkg.files:
            return pkg.files[path]
    for folder in dict.fromkeys([home, ""]):
        for name in names:
            key = posixpath.join(folder, f"{name}.csv") if folder else f"{name}.csv"
            if key in pkg.files:
                return pkg.files[key]
    if not anywhere:
        return None
    for name in names:
        found = _by_file_name(pkg, f"{name}.csv")
        if found is not None:
            return pkg.files[found]
    return None


def _key_of(pkg: Package, member: str) -> str:
    """Return the relative path under which ``member`` is listed in ``pkg.files``."""
    return next((k for k, v in pkg.files.items() if v == member), member)


def _links_locations(services: pd.DataFrame) -> bool:
    """Whether a services table names its location itself (a ``location_id`` column)."""
    return "location_id" in services.columns and bool(
        services["location_id"].astype(str).str.strip().ne("").any()
    )


def _no_services(pkg: Package, resources: dict[str, str]) -> InputError:
    """Return the error for a package with no services table, naming what it holds."""
    listed = resources.get("services") or resources.get("service")
    if listed is not None:
        msg = (
            f"datapackage.json lists the services table at {listed!r}, but the package has "
            "no such file; check the path (relative to datapackage.json) or add the file"
        )
    else:
        csvs = sorted(k for k in pkg.files if k.endswith(".csv"))[:8]
        seen = f"; it holds {', '.join(csvs)}" if csvs else ""
        msg = (
            "no services table (services.csv) or services.json in the package, nor one "
            f"named in datapackage.json{seen}"
        )
    return InputError(msg, file=str(pkg.path))


def _read_csv(pkg: Package, member: str) -> pd.DataFrame:
    file = pkg.display(member)
    text, _ = decode(pkg.read(member), None, file)
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


def _dict(obj: Record, key: str) -> Record:
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def _list(obj: Record, key: str) -> list[Record]:
    value = obj.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _kind(obj: Record) -> str:
    """Tell which HSDS 3 object a top-level JSON object is.

    A service, a service at a location (nested ``service`` and ``location``) or an
    organization (nested ``services``, or only organization fields).
    """
    if isinstance(obj.get("service"), dict) or isinstance(obj.get("location"), dict):
        return "service_at_location"
    if isinstance(obj.get("services"), list):
        return "organization"
    if _ORG_KEYS & set(obj) and not {"status", "service_at_locations", "organization"} & set(obj):
        return "organization"
    return "service"


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_lone_surrogates(value: Any) -> Any:
    r"""Replace lone surrogates (JSON's ``"\ud800"`` escape, which no UTF-8 text holds) by U+FFFD.

    A table's text is stored as UTF-8, which cannot hold them.

    Examples
    --------
    >>> _no_lone_surrogates(json.loads('[{"name": "a\\ud800b"}]'))
    [{'name': 'a\ufffdb'}]
    """
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_no_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_no_lone_surrogates(k): _no_lone_surrogates(v) for k, v in value.items()}
    return value


def _tables_from_json(pkg: Package, member: str) -> dict[str, pd.DataFrame]:
    """Flatten HSDS 3.x objects into the tables of the tabular layout."""
    file = pkg.display(member)
    try:
        data = _no_lone_surrogates(json.loads(pkg.read(member).decode("utf-8-sig")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"not valid JSON ({exc})"
        raise InputError(msg, file=file) from exc
    if isinstance(data, dict):
        data = data.get("contents", [data])
    if not isinstance(data, list) or not all(isinstance(s, dict) for s in data):
        msg = (
            "expected a list of HSDS service objects (or services at a location, or "
            "organizations with their services; an API page with 'contents' works too)"
        )
        raise InputError(msg, file=file)
    flat = _Flattener(file)
    for i, obj in enumerate(data):
        flat.top(obj, i + 1)
    if not flat.rows["services"]:
        kinds = sorted({_kind(obj) for obj in data}) or ["nothing"]
        msg = (
            f"no HSDS service found in the JSON (it holds {' and '.join(kinds)} objects); "
            "give services with their service_at_locations, services at a location with "
            "their service, or organizations with their services (the full API objects, "
            "e.g. /services/{id} or /organizations/{id})"
        )
        raise InputError(msg, file=file)
    return {
        t: pd.DataFrame(r, dtype=object).fillna("") if r else pd.DataFrame()
        for t, r in flat.rows.items()
    }


class _Flattener:
    """Rows of each table from nested HSDS 3 objects, each naming where it came from."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.rows: dict[str, list[Record]] = {t: [] for t in TABLES}
        self.services: set[str] = set()
        self.row = 0

    def rec(self, obj: Record, at: str, **extra: str) -> Record:
        out: Record = {k: _text(v) for k, v in obj.items()}
        out.update(extra)
        out.update({"_file": self.file, "_row": self.row, "_at": at})
        return out

    def top(self, obj: Record, row: int) -> None:
        """Flatten one top-level object, ``row`` its position in the document."""
        self.row = row
        kind = _kind(obj)
        if kind == "organization":
            oid = self.organization(obj, "")
            for k, svc in enumerate(_list(obj, "services")):
                self.service(svc, f"services[{k}].", oid)
            for k, loc in enumerate(_list(obj, "locations")):
                self.location(loc, f"locations[{k}].", _text(loc.get("id")))
        elif kind == "service_at_location":
            svc = _dict(obj, "service")
            sid = _text(svc.get("id")) or _text(obj.get("service_id")) or f"service{row}"
            if svc and sid not in self.services:  # a service listed at several places
                self.service({**svc, "id": sid, "service_at_locations": []}, "service.")
            self.service_at_location(obj, "", sid)
        else:
            self.service(obj, "")

    def organization(self, org: Record, at: str, oid: str = "") -> str:
        oid = _text(org.get("id")) or oid
        self.rows["organizations"].append(self.rec(org, at, id=oid))
        for k, ph in enumerate(_list(org, "phones")):
            self.rows["phones"].append(self.rec(ph, f"{at}phones[{k}].", organization_id=oid))
        return oid

    def service(self, svc: Record, at: str, org_id: str = "") -> None:
        sid = _text(svc.get("id")) or f"service{self.row}" + (f":{at[:-1]}" if at else "")
        self.services.add(sid)
        org = _dict(svc, "organization")
        oid = _text(org.get("id")) or _text(svc.get("organization_id")) or org_id
        self.rows["services"].append(self.rec(svc, at, id=sid, organization_id=oid))
        if org:
            self.organization(org, f"{at}organization.", oid)
        for k, ph in enumerate(_list(svc, "phones")):
            self.rows["phones"].append(self.rec(ph, f"{at}phones[{k}].", service_id=sid))
        for k, sc in enumerate(_list(svc, "schedules")):
            self.rows["schedules"].append(self.rec(sc, f"{at}schedules[{k}].", service_id=sid))
        self.attributes(svc, at, sid, "service")
        for k, sal in enumerate(_list(svc, "service_at_locations")):
            self.service_at_location(sal, f"{at}service_at_locations[{k}].", sid)

    def attributes(self, obj: Record, at: str, owner: str, entity: str) -> None:
        for k, att in enumerate(_list(obj, "attributes")):
            term = _dict(att, "taxonomy_term")
            tid = _text(att.get("taxonomy_term_id")) or _text(term.get("id"))
            tid = tid or f"{owner}#term{k}"
            where = f"{at}attributes[{k}]."
            link = self.rec(att, where, link_id=owner, link_entity=entity, taxonomy_term_id=tid)
            self.rows["links"].append(link)
            if term:
                self.rows["taxonomy_terms"].append(self.rec(term, where + "taxonomy_term.", id=tid))

    def service_at_location(self, sal: Record, at: str, sid: str) -> None:
        loc = _dict(sal, "location")
        k = len(self.rows["service_at_location"])
        lid = _text(loc.get("id")) or _text(sal.get("location_id")) or f"{sid}#location{k}"
        said = _text(sal.get("id")) or f"{sid}@{lid}"
        self.rows["service_at_location"].append(
            self.rec(sal, at, id=said, service_id=sid, location_id=lid)
        )
        for j, ph in enumerate(_list(sal, "phones")):
            self.rows["phones"].append(
                self.rec(ph, f"{at}phones[{j}].", service_at_location_id=said)
            )
        for j, sc in enumerate(_list(sal, "schedules")):
            self.rows["schedules"].append(
                self.rec(sc, f"{at}schedules[{j}].", service_at_location_id=said)
            )
        self.attributes(sal, at, said, "service_at_location")
        if loc:
            self.location(loc, at + "location.", lid)

    def location(self, loc: Record, at: str, lid: str) -> None:
        self.rows["locations"].append(self.rec(loc, at, id=lid))
        for j, ad in enumerate(_list(loc, "addresses")):
            self.rows["addresses"].append(self.rec(ad, f"{at}addresses[{j}].", location_id=lid))
        for j, ph in enumerate(_list(loc, "phones")):
            self.rows["phones"].append(self.rec(ph, f"{at}phones[{j}].", location_id=lid))
        for j, sc in enumerate(_list(loc, "schedules")):
            self.rows["schedules"].append(self.rec(sc, f"{at}schedules[{j}].", location_id=lid))
