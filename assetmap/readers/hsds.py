"""Open Referral HSDS directories (211 and community resource data), 3.x and 2.x.

The Human Services Data Specification (HSDS) lists organizations, the services they run
and the locations where each service is delivered; a ``service_at_location`` row links a
service to a place. :func:`read_hsds` returns one asset per service at a location, its
domain taken from the service's taxonomy terms through ``taxonomy:`` in
``layers/domains.yml`` (codes match their more specific children: a domain listing
``BD-1800`` takes a term coded ``BD-1800.2000``).

Layouts read, from a folder or a zip of one:

* **HSDS 3.x tabular data package**: ``datapackage.json`` and the CSV tables
  ``organizations``, ``services``, ``locations``, ``service_at_locations``, ``addresses``,
  ``phones``, ``schedules``, ``taxonomy_terms`` and ``attributes`` (singular or plural
  file names; paths named in ``datapackage.json`` win).
* **HSDS 3.x JSON** (``services.json`` in a folder or zip, or any ``.json`` file given
  directly): the API's full objects, as a list, an API page ``{"contents": [...]}`` or a
  single object. Each may be a service (nested ``organization``,
  ``service_at_locations[].location`` and ``attributes[].taxonomy_term``), a service at a
  location (nested ``service`` and ``location``, as ``/service_at_locations/{id}``
  answers) or an organization with its ``services`` (``/organizations/{id}``).
* **HSDS 2.x CSV**: ``services.csv``, ``locations.csv``, ``services_at_location.csv``,
  ``organizations.csv``, ``physical_addresses.csv`` (``postal_addresses.csv`` when a
  location has no physical one), ``phones.csv``, ``regular_schedules.csv`` and
  ``services_taxonomy.csv`` with ``taxonomy.csv`` (or ``service_attributes.csv`` with
  ``taxonomy_terms.csv``).

Every problem names the table file, the row as a spreadsheet shows it (the header is row
1) and the column. In a JSON file the row is the top-level object's position in the list
(1 = first) and the column a path such as ``service_at_locations[0].location.latitude``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd

from assetmap.domains import (
    Domain,
    DomainMatcher,
    is_taxonomy_code,
    load_domains,
    normalise_label,
)
from assetmap.errors import InputError
from assetmap.readers._archive import Limits
from assetmap.readers._checks import Rejects, apply_region, points_from_table
from assetmap.readers._hsds_refs import log_broken_links, log_warnings, reference_warnings
from assetmap.readers._hsds_tables import Package, Record, load_tables
from assetmap.readers._hsds_text import (
    address_text,
    hours_text,
    sector_of,
    term_label,
    term_name,
    term_type,
)
from assetmap.schema import ASSET_COLUMNS, REJECTED_COLUMNS

__all__ = ["read_hsds"]

log = logging.getLogger(__name__)

#: Extra columns kept on each asset.
EXTRA_COLUMNS = ["taxonomy", "location_name", "service_type"]
#: Service statuses (HSDS 3: active, inactive, defunct, temporarily closed) that mean the
#: service is not running now; spelling variants are read alike ("Temporarily_Closed").
CLOSED_STATUSES = ("inactive", "defunct", "temporarily closed", "closed", "permanently closed")

#: HSDS tables an attribute may be linked to (``link_entity``).
_ENTITIES = {
    "service",
    "service_at_location",
    "location",
    "organization",
    "program",
    "contact",
    "phone",
    "address",
    "schedule",
    "service_area",
    "language",
    "funding",
    "accessibility",
    "cost_option",
    "required_document",
    "organization_identifier",
    "url",
    "taxonomy_term",
    "service_capacity",
    "unit",
}


def read_hsds(
    path: str | Path,
    *,
    region: gpd.GeoDataFrame | None = None,
    domains: dict[str, Domain] | None = None,
    buffer_m: float | None = None,
    strict: bool = False,
    source: str | None = None,
    limits: Limits | None = None,
    domain: str | None = None,
) -> gpd.GeoDataFrame:
    """Read an Open Referral HSDS package: one asset per service at a location.

    Parameters
    ----------
    path : str or Path
        A folder or ``.zip`` holding an HSDS 3.x data package (CSV tables with
        ``datapackage.json``, or ``services.json``) or HSDS 2.x CSV tables.
    region : geopandas.GeoDataFrame, optional
        Study units; locations beyond ``buffer_m`` of them are set aside, those within it
        but outside the region are kept with ``outside_region=True``.
    domains : dict of str to Domain, optional
        Domain definitions (default: ``layers/domains.yml``); taxonomy terms are matched
        by code (and the codes above it), then by name, then through their parent term.
    buffer_m : float, optional
        Distance outside the region within which assets are kept (default 2,500 m).
    strict : bool
        Raise :class:`~assetmap.errors.InputError` on the first record set aside.
    source : str, optional
        Name of the source for provenance (default: the folder or zip name).
    limits : Limits, optional
        Caps on what a zip may expand to (see :mod:`assetmap.readers._archive`).
    domain : str, optional
        The domain of every service the package links to no taxonomy term (a food bank
        network's own export, say); services with terms keep the domain their terms give.

    Returns
    -------
    geopandas.GeoDataFrame
        Assets in EPSG:4326, ``source_id`` the ``service_at_location`` id, plus
        ``taxonomy`` (the service's terms), ``location_name`` and ``service_type`` (the
        code, else the name, of the term that gave the domain: overlaps compare services of
        one type). Records set aside are in ``attrs["rejected"]`` (see
        :func:`assetmap.rejected_rows`), each naming the table, row and column to fix:
        links to missing services or locations, closed services, virtual or unplaced
        locations, missing or impossible coordinates, taxonomy terms that match no domain,
        and services with no location at all. Records read
        (``service_at_location`` rows plus services no row places) = kept + set aside.
        References that match nothing (a service's ``organization_id``, a phone's
        ``service_id``, …) are in ``attrs["warnings"]``, same columns, one per row
        holding one (the service is kept with no organization; the phone is not used),
        and summed up in the log with their ids. ``attrs["where"]`` names the location
        row of each asset. ``attrs["source_info"]`` describes the package for the
        provenance.

    Examples
    --------
    >>> import assetmap as am
    >>> from assetmap.readers.hsds import read_hsds
    >>> units = am.load_sample().units
    >>> assets = read_hsds("bronx-211-hsds.zip", region=units)  # doctest: +SKIP
    >>> am.rejected_rows(assets)[["file", "row", "column", "problem"]]  # doctest: +SKIP
    """
    p = Path(path)
    if not p.exists():
        msg = "file or folder not found"
        raise InputError(msg, file=str(path))
    pkg = Package(p, limits=limits)
    tables, info = load_tables(pkg)
    name = source or (p.stem if p.is_file() else p.name)
    matcher = DomainMatcher(domains or load_domains())
    if domain is not None and domain not in matcher.domains:
        msg = f"domain {domain!r} is not defined; known: {', '.join(matcher.domains)}"
        raise InputError(msg, file=str(p))
    directory = _Directory(tables, matcher, default_domain=domain)
    problems = _Problems(name, str(p), strict)
    rows, n_in = directory.assets(problems)
    out = _place(rows, problems, region, buffer_m)
    where = [
        {"file": str(r["_file"]), "row": int(r["_row"]), "column": f"{r['_at']}latitude"}
        for r in (problems.where[k] for k in out.index)
    ]
    out["source"] = name
    out["asset_id"] = name + ":" + out["source_id"].astype(str)
    out = out[[*ASSET_COLUMNS, *EXTRA_COLUMNS, "geometry"]].reset_index(drop=True)
    rejected = problems.frame()
    if len(out) + len(rejected) != n_in:  # pragma: no cover - an invariant, kept loud
        msg = f"internal error: {n_in} records read, {len(out)} kept, {len(rejected)} set aside"
        raise AssertionError(msg)
    if len(rejected):
        log.warning("%s: %d of %d records set aside (see rejected rows)", p, len(rejected), n_in)
        log_broken_links(p, rejected)
    warnings = reference_warnings(tables, name)
    log_warnings(str(p), warnings)
    info["name"] = f"{info['name']} directory {name!r}"
    out.attrs = {
        "rejected": rejected.to_dict("records"),
        "warnings": warnings,
        "where": where,
        "source_info": info,
    }
    return out


# --------------------------------------------------------------------------- problems


class _Problems(Rejects):
    """Records set aside, each naming the table row a person fixes.

    ``add`` is called by the coordinate and region checks of :mod:`._checks` with the
    record's number; ``where`` maps it to the location row those checks are about.
    """

    def __init__(self, source: str, file: str, strict: bool) -> None:
        super().__init__(source, file, strict)
        self.where: dict[int, Record] = {}
        self.address: dict[int, str] = {}
        self.seen: set[int] = set()

    def at(self, key: int, rec: Record, column: str, value: object, problem: str) -> None:
        """Set record ``key`` aside; ``rec`` is the table row to fix, ``column`` its column."""
        if key in self.seen:
            return
        file, row, col = str(rec["_file"]), int(rec["_row"]), str(rec["_at"]) + column
        if self.strict:
            raise InputError(problem, file=file, row=row, column=col)
        self.seen.add(key)
        self.rows.append(
            {
                "source": self.source,
                "file": file,
                "row": row,
                "column": col,
                "value": "" if value is None else str(value)[:200],
                "problem": problem,
            }
        )

    def add(self, row: int, column: str | None, value: object, problem: str) -> None:
        """Set record ``row`` aside for a problem with its location's coordinates."""
        address = self.address.get(row, "")
        if address and "missing" in problem:
            problem += (
                f"; the location has an address ({address}): geocode it and fill in "
                "latitude and longitude"
            )
        self.at(row, self.where[row], column or "latitude", value, problem)

    def frame(self) -> pd.DataFrame:
        """Return the records set aside, by file and row."""
        df = pd.DataFrame(self.rows, columns=REJECTED_COLUMNS)
        return df.sort_values(["file", "row"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- directory


def _records(tables: dict[str, pd.DataFrame], name: str) -> list[Record]:
    df = tables.get(name)
    return [] if df is None or df.empty else df.to_dict("records")


def _first_by(records: list[Record], key: str) -> dict[str, Record]:
    out: dict[str, Record] = {}
    for r in records:
        k = str(r.get(key, ""))
        if k and k not in out:
            out[k] = r
    return out


def _many_by(records: list[Record], key: str) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for r in records:
        k = str(r.get(key, ""))
        if k:
            out.setdefault(k, []).append(r)
    return out


class _Directory:
    """The tables of one package, indexed by id, and the rules that turn them into assets."""

    def __init__(
        self,
        tables: dict[str, pd.DataFrame],
        matcher: DomainMatcher,
        *,
        default_domain: str | None = None,
    ) -> None:
        self.matcher = matcher
        self.default_domain = default_domain
        self.services = _records(tables, "services")
        self.sal = _records(tables, "service_at_location")
        self._require(tables)
        self.service = _first_by(self.services, "id")
        self.location = _first_by(_records(tables, "locations"), "id")
        self.org = _first_by(_records(tables, "organizations"), "id")
        self.term = _first_by(_records(tables, "taxonomy_terms"), "id")
        addresses = _records(tables, "addresses")
        physical = [a for a in addresses if a.get("address_type", "").lower() in ("", "physical")]
        self.address = _first_by(physical, "location_id")
        for a in addresses + _records(tables, "postal_addresses"):  # else the mailing address
            self.address.setdefault(str(a.get("location_id", "")), a)
        phones = [
            ph for ph in _records(tables, "phones") if _norm(ph.get("type")) not in _NOT_VOICE
        ]
        phones.sort(key=lambda ph: _norm(ph.get("type")) not in _VOICE)  # stable
        self.phones = {
            k: _first_by(phones, k)
            for k in ("service_at_location_id", "service_id", "location_id", "organization_id")
        }
        schedules = _records(tables, "schedules")
        self.schedules = {
            k: _many_by(schedules, k)
            for k in ("service_at_location_id", "service_id", "location_id")
        }
        self.links = self._links(_records(tables, "links"))
        self.json = any(str(s.get("_file", "")).lower().endswith(".json") for s in self.services)

    def _require(self, tables: dict[str, pd.DataFrame]) -> None:
        needed = {
            "services": ("id", "name"),
            "service_at_location": ("service_id", "location_id"),
            "locations": ("id", "latitude", "longitude"),
        }
        for table, cols in needed.items():
            df = tables[table]
            file = str(df["_file"].iloc[0]) if len(df) else table
            for col in cols:
                if len(df) and col not in df.columns:
                    msg = (
                        f"the {table} table has no {col!r} column; HSDS {table} need "
                        f"{', '.join(cols)} (latitude and longitude in decimal degrees, WGS84)"
                    )
                    raise InputError(msg, file=file, column=col)
        if not self.services:
            msg = "the services table has no rows"
            raise InputError(msg, file=str(tables["services"].attrs.get("member", "services")))

    def _links(self, rows: list[Record]) -> dict[str, list[Record]]:
        """Taxonomy links by owner id (a service or a service at a location).

        ``link_entity`` names the owner's table; when it is empty or not a table name
        (exports write placeholders), the owner is found by its id.
        """
        sal_ids = {str(s.get("id", "")) for s in self.sal}
        service_ids = {str(s.get("id", "")) for s in self.services}
        out: dict[str, list[Record]] = {}
        for r in rows:
            owner = r.get("link_id") or r.get("service_id") or ""
            entity = _entity(r.get("link_entity") or r.get("link_type") or "")
            if entity not in _ENTITIES:
                entity = (
                    "service_at_location"
                    if owner in sal_ids
                    else "service"
                    if owner in service_ids or not entity
                    else entity
                )
            if entity not in ("service", "service_at_location") or not owner:
                continue
            col = "taxonomy_term_id" if "taxonomy_term_id" in r else "taxonomy_id"
            out.setdefault(owner, []).append({**r, "_term": r.get(col, ""), "_col": col})
        return out

    # ---------------------------------------------------------------- one asset

    def assets(self, problems: _Problems) -> tuple[list[Record], int]:
        """Return the candidate assets (one per service at a location) and records read."""
        rows: list[Record] = []
        seen: dict[str, int] = {}
        placed = set()
        for key, sal in enumerate(self.sal):
            sid, lid = sal.get("service_id", ""), sal.get("location_id", "")
            placed.add(sid)
            said = sal.get("id", "") or f"{sid}@{lid}"
            if said in seen:
                problem = f"id {said!r} is already used on row {seen[said]}"
                problems.at(key, sal, "id", said, problem)
                continue
            seen[said] = int(sal["_row"])
            asset = self._asset(key, sal, said, problems)
            if asset is not None:
                rows.append(asset)
        n_in = len(self.sal)
        first_row = {s["id"]: s["_row"] for s in self.service.values()}
        for j, svc in enumerate(self.services):
            key = len(self.sal) + j
            sid = svc.get("id", "")
            if not sid:
                n_in += 1
                problems.at(key, svc, "id", "", "service id is empty")
            elif first_row[sid] != svc["_row"]:
                n_in += 1
                problem = f"id {sid!r} is already used on row {first_row[sid]}"
                problems.at(key, svc, "id", sid, problem)
            elif sid not in placed and svc.get("location_id", ""):
                # older exports (Ohana, early HSDS drafts) name the location on the service
                n_in += 1
                link = {**svc, "id": "", "service_id": sid}
                asset = self._asset(key, link, f"{sid}@{svc['location_id']}", problems)
                if asset is not None:
                    rows.append(asset)
            elif sid not in placed:
                n_in += 1
                how = (
                    "its service_at_locations list is empty or missing; an API's service "
                    "list gives summaries, /services/{id} the full service"
                    if self.json
                    else "no service_at_location row links it to one"
                )
                problem = (
                    f"service {svc.get('name', '')!r} has no location ({how}), so it cannot be "
                    "put on a map; phone-only and online services are left out of the inventory"
                )
                problems.at(key, svc, "id", sid, problem)
        return rows, n_in

    def _asset(self, key: int, sal: Record, said: str, problems: _Problems) -> Record | None:
        sid, lid = sal.get("service_id", ""), sal.get("location_id", "")
        svc, loc = self.service.get(sid), self.location.get(lid)
        if svc is None:
            what = "is empty" if not sid else f"{sid!r} is not the id of any service"
            problems.at(key, sal, "service_id", sid, f"service_id {what}")
            return None
        if loc is None:
            what = "is empty" if not lid else f"{lid!r} is not the id of any location"
            problems.at(key, sal, "location_id", lid, f"location_id {what}")
            return None
        name = svc.get("name", "")
        status = normalise_label(svc.get("status", ""))
        if status in CLOSED_STATUSES:
            problem = f"service {name!r} is {status} (status column), so it is left out"
            problems.at(key, svc, "status", svc.get("status", ""), problem)
            return None
        if not name:
            problems.at(key, svc, "name", "", "service name is empty")
            return None
        if loc.get("location_type", "").lower() == "virtual":
            problem = f"location {lid!r} is virtual (online or by phone): nothing to put on a map"
            problems.at(key, loc, "location_type", "virtual", problem)
            return None
        domain, terms, kind = self._domain(key, svc, said, problems)
        if domain is None:
            return None
        problems.where[key] = loc
        address = address_text(self.address.get(lid))
        problems.address[key] = address
        org = self.org.get(svc.get("organization_id", "")) or {}
        return {
            "key": key,
            "latitude": loc.get("latitude", ""),
            "longitude": loc.get("longitude", ""),
            "source_id": said,
            "name": name,
            "domain": domain,
            "sector": sector_of(org.get("legal_status", "")),
            "org": org.get("name", ""),
            "address": address,
            "phone": self._phone(said, sid, lid, svc.get("organization_id", "")),
            "website": svc.get("url") or org.get("website") or org.get("url") or "",
            "hours": self._hours(said, sid, lid),
            "capacity": float("nan"),
            "last_verified": svc.get("assured_date") or svc.get("last_modified", "")[:10],
            "taxonomy": terms,
            "location_name": loc.get("name", ""),
            "service_type": kind,
        }

    def _domain(
        self, key: int, svc: Record, said: str, problems: _Problems
    ) -> tuple[str | None, str, str]:
        """Domain, the terms read (labels) and the service type (the matching term's code)."""
        links = self.links.get(said, []) + self.links.get(svc.get("id", ""), [])
        labels, dangling = [], None
        for link in links:
            term = self.term.get(link["_term"])
            if term is None and is_taxonomy_code(link["_term"]):
                term = {"code": link["_term"]}  # linked by its code, with no terms table row
            if term is None:
                dangling = dangling or link
                labels.append(link["_term"])
                continue
            labels.append(term_label(term))
            domain = self._term_domain(term)
            if domain is not None:
                return domain, "; ".join(labels), term_type(term)
        name = svc.get("name", "")
        known = [lk for lk in links if lk["_term"] in self.term or is_taxonomy_code(lk["_term"])]
        if dangling is not None and not known:
            problem = f"taxonomy term id {dangling['_term']!r} is not in the taxonomy terms table"
            problems.at(key, dangling, dangling["_col"], dangling["_term"], problem)
        elif not links and self.default_domain is not None:
            return self.default_domain, "", ""
        elif not links:
            why = (
                "; the package links no taxonomy term to any service (its attributes / "
                "services_taxonomy table is empty or missing)"
                if not self.links
                else ""
            )
            problem = (
                f"service {name!r} has no taxonomy term, so its domain is unknown; link a "
                f"term to it (attributes / services_taxonomy table){why}, or give the "
                "package one domain (domain: food in the project's assets entry)"
            )
            problems.at(key, svc, "id", svc.get("id", ""), problem)
        else:
            link = known[0]
            first = self.term.get(link["_term"])
            sugg = self.matcher.suggest(term_name(first)) if first else []
            hint = f"; closest domains: {', '.join(sugg)}" if sugg else ""
            problem = (
                f"no taxonomy term of service {name!r} ({'; '.join(labels)}) matches a domain"
                f"{hint} (add the code or name to taxonomy: in layers/domains.yml)"
            )
            if first is None:  # a code written straight into the link table
                problems.at(key, link, link["_col"], link["_term"], problem)
            else:
                col = "code" if first.get("code") else ("name" if "name" in first else "term")
                problems.at(key, first, col, term_name(first), problem)
        return None, "; ".join(labels), ""

    def _term_domain(self, term: Record) -> str | None:
        """Domain of a term from its code, id, name, then its parents (at most 8 up)."""
        for _ in range(8):
            code = str(term.get("code", ""))
            code = code.upper() if is_taxonomy_code(code.upper()) else code  # "bd-1800.2000"
            for value in (code, term.get("id", ""), term_name(term)):
                domain = self.matcher.match(value) if value else None
                if domain is not None:
                    return domain
            parent = term.get("parent_id", "")
            if parent and parent in self.term:
                term = self.term[parent]
                continue
            for value in (parent, term.get("parent_name", "")):
                domain = self.matcher.match(value) if value else None
                if domain is not None:
                    return domain
            return None
        return None

    def _phone(self, said: str, sid: str, lid: str, oid: str) -> str:
        for key, value in zip(self.phones, (said, sid, lid, oid), strict=True):
            ph = self.phones[key].get(value)
            if ph and ph.get("number"):
                number = ph["number"].strip().strip('"').strip()
                ext = ph.get("extension", "")
                return f"{number} x{ext}" if ext else number
        return ""

    def _hours(self, said: str, sid: str, lid: str) -> str:
        """Return the opening hours: this site's own, else the service's, else the place's."""
        for key, value in zip(self.schedules, (said, sid, lid), strict=True):
            found = self.schedules[key].get(value)
            if found:
                return hours_text(found)
        return ""


def _entity(text: str) -> str:
    """``link_entity`` as a table name: "Service_at_Locations" -> service_at_location."""
    e = normalise_label(text).replace(" ", "_")
    for cut in (e, e.removesuffix("s"), e.removesuffix("es")):
        if cut in _ENTITIES:
            return cut
    return e


def _norm(value: object) -> str:
    return normalise_label(str(value or ""))


#: Phone types that are no use to call (HSDS 3 ``type``), and the voice ones picked first.
_NOT_VOICE = ("fax", "pager")
_VOICE = ("", "voice", "cell", "mobile")


# --------------------------------------------------------------------------- placing


def _place(
    rows: list[Record],
    problems: _Problems,
    region: gpd.GeoDataFrame | None,
    buffer_m: float | None,
) -> gpd.GeoDataFrame:
    """Check coordinates (missing, not numbers, swapped, far away) and make points."""
    columns = [c for c in ASSET_COLUMNS if c not in ("asset_id", "source", "outside_region")]
    df = pd.DataFrame(rows, columns=["key", "latitude", "longitude", *columns, *EXTRA_COLUMNS])
    df = df.set_index("key")
    df.index.name = None
    cols = {"lat": "latitude", "lon": "longitude"}
    pts, ok = points_from_table(df, cols, problems, region)
    gdf = gpd.GeoDataFrame(df.drop(columns=["latitude", "longitude"]), geometry=pts)
    gdf["outside_region"] = apply_region(gdf, ok, region, buffer_m, problems, "latitude")
    gdf["capacity"] = gdf["capacity"].astype(float)
    return gdf[ok.to_numpy()].copy()
