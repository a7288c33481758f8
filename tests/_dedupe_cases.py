"""A seeded labelled set for record matching: the hard cases of issue 12, with known truth.

Each *group* sits alone in its own 1.5 km cell (no record of another group within
reach) and holds one hard case, with the records that make it hard:

``exact``
    One service listed identically by two or three sources, pins 0-40 m apart, beside a
    different service of the same domain 20-120 m away.
``fuzzy``
    One service listed two or three times with spelling variants (abbreviations,
    capitals, legal suffixes, a typo), fields missing on one side and pins 5-80 m apart,
    beside a different service.
``cross_domain``
    One service filed under two domains by two sources (same address and phone), beside
    another programme of the same organisation in the second domain. The duplicate must
    be *offered for review* (never merged silently); the other programme must not be.
``programmes``
    Two programmes of one organisation at one address, sharing its phone ("Maple Health
    Center" / "Maple Medical Clinic", "Grace Senior Center" / "Grace Senior Meals"):
    two services. Each is also listed by a second source (a variant): duplicates.
``branches``
    Two branches of a chain (same name, organisation and phone, different addresses
    60-300 m apart): two services. Each listed twice at its own address: duplicates.
``moved_pins``
    One service listed by two sources with its pin moved 150-300 m (same name and phone,
    the address written differently or missing): one service. Half the groups add another
    programme of the agency sharing its switchboard 150-300 m away: a different service.

:func:`make_cases` returns the assets and the truth; :func:`case_scores` the pairwise
precision and recall of a :class:`assetmap.DedupeResult` per case and overall.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import geopandas as gpd
import numpy as np
import pandas as pd

import assetmap as am

UTM = "EPSG:32618"
X0, Y0 = 590_000.0, 4_520_000.0
CELL = 1500.0
CASES = ("exact", "fuzzy", "cross_domain", "programmes", "branches", "moved_pins")
SOURCES = ("partners", "211", "osm")

PLACES = [
    "Maple",
    "Grace",
    "Cedar",
    "Harbor",
    "Willow",
    "Summit",
    "Riverside",
    "Linden",
    "Bayview",
    "Oakwood",
    "Hillcrest",
    "Brookside",
    "Fairmount",
    "Elmhurst",
    "Parkside",
    "Lakeview",
    "Westgate",
    "Northfield",
    "Kingsway",
    "Rosewood",
    "Ashford",
    "Briarwood",
    "Clearwater",
    "Dunmore",
    "Eastbrook",
    "Glenview",
    "Hawthorne",
    "Ironwood",
    "Juniper",
    "Kenwood",
    "Lowell",
    "Meadowbrook",
    "Newbury",
    "Orchard",
    "Pinecrest",
    "Quarry",
    "Redwood",
    "Sherwood",
]
STREETS = """Grand Concourse|Jerome Avenue|Webster Avenue|Third Avenue|Boston Road|Southern
    Boulevard|Westchester Avenue|White Plains Road|Tremont Avenue|Fordham Road|Gun Hill
    Road|Burnside Avenue|University Avenue|Prospect Avenue|East 149th Street|Morris
    Avenue""".replace("\n    ", " ").split("|")
KINDS = {
    "food": ["Food Pantry", "Soup Kitchen", "Community Fridge", "Meal Program"],
    "housing": ["Shelter", "Housing Help", "Rental Assistance"],
    "primary_care": ["Family Health Center", "Medical Clinic", "Dental Clinic"],
    "behavioral_health": ["Counseling Center", "Recovery Services"],
    "legal_aid": ["Legal Services", "Tenant Legal Help"],
    "employment": ["Job Training Center", "Career Center"],
    "childcare": ["Day Care", "Head Start", "Early Learning Center"],
    "older_adults": ["Senior Center", "Older Adult Center"],
}
DOMAINS = list(KINDS)
#: Two programmes of one organisation at one address, in one domain; the hard ones share
#: no "kind of service" word that would tell them apart on its own.
PROGRAMMES = [
    ("Health Center", "Medical Clinic", "primary_care"),
    ("Senior Center", "Senior Meals", "older_adults"),
    ("Family Center", "Family Shelter", "housing"),
    ("Youth Center", "Youth Sports League", "childcare"),
    ("Recovery Center", "Recovery Housing", "behavioral_health"),
    ("Legal Clinic", "Legal Hotline", "legal_aid"),
    ("Career Center", "Career Closet", "employment"),
    ("Food Pantry", "Community Kitchen", "food"),
]
ORG_SUFFIX = ["Community Services", "Church", "Neighborhood Association", "Foundation"]
ABBREV = [
    (r"\bCenter\b", "Ctr"),
    (r"\bCommunity\b", "Comm."),
    (r"\bServices\b", "Svcs"),
    (r"\band\b", "&"),
    (r"\bAvenue\b", "Ave"),
    (r"\bEast\b", "E"),
    (r"\bStreet\b", "St"),
    (r"\bBoulevard\b", "Blvd"),
    (r"\bRoad\b", "Rd"),
    (r"\bSenior\b", "Sr."),
]

# One record: (case, group, service, source, name, org, domain, address, phone, dx, dy)
_Record = tuple[str, int, int, str, str, str, str, str, str, float, float]


def variant(
    rng: np.random.Generator,
    text: str,
    *,
    p_typo: float = 0.25,
    abbrev: list[tuple[str, str]] = ABBREV,
) -> str:
    """Write ``text`` as another source might: abbreviations, capitals, a typo."""
    out = text
    for pat, rep in abbrev:
        if rng.random() < 0.5:
            out = re.sub(pat, rep, out)
    r = rng.random()
    if r < 0.15:
        out = out.upper()
    elif r < 0.25:
        out += ", Inc."
    elif r < 0.32:
        out = "The " + out
    if rng.random() < p_typo and len(out) > 8:
        k = int(rng.integers(1, len(out) - 2))
        swap = out[:k] + out[k + 1] + out[k] + out[k + 2 :]
        out = out[:k] + out[k + 1 :] if rng.random() < 0.5 else swap
    return out


def phone_variant(rng: np.random.Generator, digits: str) -> str:
    """Write a 10-digit phone number in one of four common ways."""
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return str(rng.choice([f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"{a}{b}{c}"]))


class _Group:
    """Records of one group, written around its cell's centre."""

    def __init__(self, rng: np.random.Generator, case: str, group: int, services: Iterator[int]):
        self.rng, self.case, self.group, self.services = rng, case, group, services
        self.records: list[_Record] = []

    def new_phone(self) -> str:
        return f"718{self.rng.integers(2_000_000, 9_999_999)}"

    def new_address(self) -> str:
        return f"{self.rng.integers(1, 4000)} {self.rng.choice(STREETS)}"

    def at(self, xy: tuple[float, float], lo: float, hi: float) -> tuple[float, float]:
        """A point ``lo``-``hi`` m from ``xy`` in a random direction."""
        ang, dist = self.rng.uniform(0, 2 * np.pi), self.rng.uniform(lo, hi)
        return xy[0] + dist * np.cos(ang), xy[1] + dist * np.sin(ang)

    def add(
        self, service: int, source: str, fields: tuple[str, str, str, str, str], xy: tuple
    ) -> None:
        name, org, domain, address, phone = fields
        digits = re.sub(r"\D", "", phone)
        phone = phone_variant(self.rng, digits) if len(digits) == 10 else phone
        self.records.append(
            (self.case, self.group, service, source, name, org, domain, address, phone, *xy)
        )

    def neighbour(self, domain: str, xy: tuple[float, float], lo: float, hi: float) -> None:
        """A different service of ``domain`` nearby: another name, address and phone."""
        name = f"{self.rng.choice(PLACES)} {self.rng.choice(KINDS[domain])}"
        fields = (name, "", domain, self.new_address(), self.new_phone())
        self.add(next(self.services), "osm", fields, self.at(xy, lo, hi))


def _exact(g: _Group, fuzzy: bool) -> None:
    rng = g.rng
    domain = str(rng.choice(DOMAINS))
    place = str(rng.choice(PLACES))
    name = f"{place} {rng.choice(KINDS[domain])}"
    org = f"{place} {rng.choice(ORG_SUFFIX)}" if rng.random() < 0.5 else ""
    address, phone, service = g.new_address(), g.new_phone(), next(g.services)
    n = int(rng.integers(2, 4))
    for k, source in enumerate(rng.permutation(SOURCES)[:n]):
        xy = g.at((0.0, 0.0), 5, 80 if fuzzy else 40) if k else (0.0, 0.0)
        fields = (name, org, domain, address, phone)
        if fuzzy and k:
            fields = (
                variant(rng, name),
                org if rng.random() < 0.5 else "",
                domain,
                variant(rng, address, p_typo=0.05) if rng.random() < 0.7 else "",
                phone if rng.random() < 0.6 else "",
            )
        g.add(service, str(source), fields, xy)
    g.neighbour(domain, (0.0, 0.0), 20, 120)


def _cross_domain(g: _Group) -> None:
    rng = g.rng
    d1, d2 = (str(d) for d in rng.choice(DOMAINS, size=2, replace=False))
    place = str(rng.choice(PLACES))
    name, org = f"{place} {rng.choice(KINDS[d1])}", f"{place} {rng.choice(ORG_SUFFIX)}"
    address, phone, service = g.new_address(), g.new_phone(), next(g.services)
    g.add(service, "partners", (name, org, d1, address, phone), (0.0, 0.0))
    other = (variant(rng, name, p_typo=0.1), org, d2, variant(rng, address, p_typo=0), phone)
    g.add(service, "211", other, g.at((0.0, 0.0), 5, 60))
    kind = next(k for k in rng.permutation(KINDS[d2]) if k not in name)
    programme = (f"{place} {kind}", org, d2, address, phone)  # same switchboard
    g.add(next(g.services), "211", programme, g.at((0.0, 0.0), 0, 15))


def _programmes(g: _Group) -> None:
    rng = g.rng
    first, second, domain = PROGRAMMES[int(rng.integers(len(PROGRAMMES)))]
    place = str(rng.choice(PLACES))
    org, address, phone = f"{place} {rng.choice(ORG_SUFFIX)}", g.new_address(), g.new_phone()
    for k, kind in enumerate((first, second)):
        own_phone = phone if rng.random() < 0.7 else g.new_phone()
        fields = (f"{place} {kind}", org, domain, address, own_phone)
        service, xy = next(g.services), g.at((0.0, 0.0), 0, 15)
        g.add(service, "partners", fields, xy)
        if k == 0 or rng.random() < 0.5:  # listed again by another source
            again = (
                variant(rng, fields[0], p_typo=0.15),
                org if rng.random() < 0.5 else "",
                domain,
                variant(rng, address, p_typo=0),
                own_phone if rng.random() < 0.6 else "",
            )
            g.add(service, "211", again, g.at(xy, 5, 40))


def _branches(g: _Group) -> None:
    rng = g.rng
    domain = str(rng.choice(DOMAINS))
    brand = str(rng.choice(PLACES))
    name, org = f"{brand} {rng.choice(KINDS[domain])}", f"{brand} {rng.choice(ORG_SUFFIX)}"
    phone = g.new_phone()  # one call centre for every branch
    here = (0.0, 0.0)
    for k in range(2):
        xy = here if k == 0 else g.at(here, 60, 300)
        address, service = g.new_address(), next(g.services)
        g.add(service, "partners", (name, org, domain, address, phone), xy)
        if rng.random() < 0.7:
            again = (variant(rng, name, p_typo=0.1), "", domain, variant(rng, address, p_typo=0))
            g.add(service, "211", (*again, phone), g.at(xy, 5, 50))


def _moved_pins(g: _Group) -> None:
    rng = g.rng
    domain = str(rng.choice(DOMAINS))
    place = str(rng.choice(PLACES))
    name, org = f"{place} {rng.choice(KINDS[domain])}", f"{place} {rng.choice(ORG_SUFFIX)}"
    address, phone, service = g.new_address(), g.new_phone(), next(g.services)
    g.add(service, "partners", (name, org, domain, address, phone), (0.0, 0.0))
    moved = variant(rng, address, p_typo=0) if rng.random() < 0.7 else ""
    fields = (variant(rng, name, p_typo=0.1), "", domain, moved, phone)
    g.add(service, "211", fields, g.at((0.0, 0.0), 150, 300))
    if rng.random() < 0.5:  # another programme on the agency's switchboard, elsewhere
        other = next(d for d in rng.permutation(DOMAINS) if d != domain)
        kind = rng.choice(KINDS[str(other)])
        fields = (f"{place} {kind}", org, str(other), g.new_address(), phone)
        g.add(next(g.services), "osm", fields, g.at((0.0, 0.0), 150, 300))


def make_cases(groups: int = 20, *, seed: int = 12) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Return ``groups`` groups of every case as Assets, and the truth by ``asset_id``.

    The truth has columns ``case``, ``group`` and ``service`` (records of one service
    share it).
    """
    rng = np.random.default_rng(seed)
    services = itertools.count()
    records: list[_Record] = []
    builders = {
        "exact": lambda g: _exact(g, fuzzy=False),
        "fuzzy": lambda g: _exact(g, fuzzy=True),
        "cross_domain": _cross_domain,
        "programmes": _programmes,
        "branches": _branches,
        "moved_pins": _moved_pins,
    }
    for k, case in enumerate(c for _ in range(groups) for c in CASES):
        g = _Group(rng, case, k, services)
        builders[case](g)
        cx, cy = X0 + (k % 30) * CELL, Y0 + (k // 30) * CELL
        records += [(*r[:9], cx + r[9], cy + r[10]) for r in g.records]
    cols = ["case", "group", "service", "source", "name", "org", "domain", "address", "phone"]
    df = pd.DataFrame(records, columns=[*cols, "x", "y"])
    assets = gpd.GeoDataFrame(
        df[cols[3:]], geometry=gpd.points_from_xy(df["x"], df["y"]), crs=UTM
    ).to_crs("EPSG:4326")
    assets["asset_id"] = [f"{s}:{i}" for i, s in enumerate(df["source"])]
    assets["source_id"] = assets["asset_id"]
    for col in ("sector", "website", "hours", "last_verified"):
        assets[col] = ""
    assets["capacity"] = np.nan
    assets["outside_region"] = False
    truth = df[["case", "group", "service"]].set_index(assets["asset_id"])
    return assets, truth


def _pairs_of(labels: pd.Series) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for _, members in labels.groupby(labels):
        out.update(itertools.combinations(sorted(members.index), 2))
    return out


def found_pairs(result: am.DedupeResult) -> set[tuple[str, str]]:
    """Pairs the matching calls one service: merged, or of two domains and sent to review."""
    found = _pairs_of(result.clusters.set_index("asset_id")["cluster_id"])
    p = result.pairs
    offered = p[(p["decision"] == "review") & ~p["same_domain"].astype(bool)]
    for a, b in zip(offered["asset_id_a"], offered["asset_id_b"], strict=True):
        found.add((min(a, b), max(a, b)))
    return found


def case_scores(truth: pd.DataFrame, result: am.DedupeResult) -> pd.DataFrame:
    """Pairwise precision and recall per case and ``overall``.

    A pair is found when :func:`found_pairs` holds it. Columns: ``true_pairs`` (pairs of
    one service), ``found``, ``right`` (found and true), ``precision`` (right / found,
    1 when nothing was found) and ``recall`` (right / true pairs).
    """
    true = _pairs_of(truth["service"])
    found = found_pairs(result)
    case = truth["case"]
    rows = {}
    for name in [*CASES, "overall"]:

        def keep(pairs: set[tuple[str, str]], name: str = name) -> set[tuple[str, str]]:
            return pairs if name == "overall" else {p for p in pairs if case[p[0]] == name}

        t, f = keep(true), keep(found)
        right = len(t & f)
        rows[name] = {
            "true_pairs": len(t),
            "found": len(f),
            "right": right,
            "precision": right / len(f) if f else 1.0,
            "recall": right / len(t) if t else 1.0,
        }
    return pd.DataFrame.from_dict(rows, orient="index")
