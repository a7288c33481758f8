"""Generate the SYNTHETIC part of the Bronx sample region.

Run from the repository root, after ``build.py``::

    python data/sample/synthesize.py

Everything written here is made up (seeded, ``numpy.random.default_rng(2023)``, so the
files are byte-identical on every run); only ``units.geojson`` (real 2020 NTAs and ACS
estimates) is read. Outputs:

* ``assets_partners.csv``   a coalition's partner spreadsheet (~220 programs);
* ``assets_211.csv``        a 211-directory-style export with other column names (~180);
* ``hospital.csv``          one fictional anchor hospital;
* ``anchor_employment.csv`` the hospital's employees by home NTA;
* ``anchor_purchasing.csv`` its vendors and annual spend;
* ``anchor_space.csv``      rooms and land it could share;
* ``planted.json``          what was deliberately planted (gaps, clusters, duplicates, ...)
                            so tests can check that the library finds it.

Planted structure: six high-poverty residential NTAs with no food and no primary-care
asset (nor any within a buffer around them), four tight clusters of same-domain providers,
60 services listed in both files with small differences, and two church buildings that
each host two unrelated programs at the same address. Every service carries its type (the
kind of program: pantry, SNAP desk, WIC centre ...) in ``Program Type`` / ``subcategory``.
"""

from __future__ import annotations

import csv
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml
from pyproj import Transformer

HERE = Path(__file__).resolve().parent
DOMAINS_YML = HERE.parent.parent / "layers" / "domains.yml"

SEED = 2023
METRIC_CRS = "EPSG:32618"  # UTM zone 18N, metres
TO_LONLAT = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)

# ----------------------------------------------------------------------------- plan

N_SHARED = 60  # services listed in both files
N_PARTNERS = 220
N_211 = 180
N_GAPS = 6
#: No asset of these domains inside a gap NTA or within this many metres of it.
GAP_BUFFER_M = {"food": 500.0, "primary_care": 800.0}
GAP_DOMAINS = tuple(GAP_BUFFER_M)
CLUSTER_RADIUS_M = 70.0  # members within this distance of the centre: pairwise <= 140 m
CLUSTER_CLEARANCE_M = 350.0  # other same-domain services stay this far from a centre
SAME_DOMAIN_SPACING_M = 200.0  # unplanned services of one domain stay this far apart
ANY_SPACING_M = 25.0  # and this far from any other service
EDGE_CLEARANCE_M = 5.0  # points stay this far inside their NTA (survives rounding)
DUPLICATE_SHIFT_M = (30.0, 80.0)

DOMAIN_WEIGHTS = {
    "food": 3,
    "primary_care": 3,
    "behavioral_health": 3,
    "older_adults": 3,
    "childcare": 3,
    "housing": 2,
    "safety": 2,
    "legal_aid": 2,
    "employment": 2,
    "transportation": 1,
    "utilities": 1,
}


@dataclass(frozen=True)
class ClusterPlan:
    domain: str
    unit_id: str
    size: int
    source: str  # "partners" or "211"


CLUSTERS = (
    ClusterPlan("food", "BX0702", 5, "partners"),
    ClusterPlan("behavioral_health", "BX0401", 6, "partners"),
    ClusterPlan("childcare", "BX0901", 5, "211"),
    ClusterPlan("older_adults", "BX1004", 4, "211"),
)

HOSPITAL_NAME = "Synthetic Bronx Community Hospital (fictional)"
HOSPITAL_LONLAT = (-73.9060, 40.8455)  # Mount Hope, Central Bronx
HOSPITAL_BEDS = 412
SATELLITE_UNITS = ("BX0901", "BX1201")  # the hospital's two satellite clinics

DATE_RANGE = (date(2024, 1, 8), date(2026, 10, 30))

# ----------------------------------------------------------------------------- wording

#: Words written in `Service Type` / `category`; each must be a domain alias, label or key
#: in layers/domains.yml (checked at start-up).
WORDING = {
    "food": ["food pantry", "food bank", "food shelf", "soup kitchen", "meals", "groceries",
             "snap", "wic", "nutrition", "community fridge", "Food"],
    "housing": ["shelter", "homeless services", "housing assistance", "rental assistance",
                "eviction prevention", "drop-in center", "Housing and shelter"],
    "transportation": ["transport", "transit", "rides", "medical transportation",
                       "paratransit", "travel training", "Transportation help"],
    "utilities": ["utility assistance", "energy assistance", "heap", "liheap",
                  "bill payment help", "weatherization", "Utility help"],
    "safety": ["domestic violence", "dv", "ipv", "victim services", "crisis center",
               "family justice center", "interpersonal safety"],
    "primary_care": ["clinic", "health center", "fqhc", "community health center", "doctor",
                     "primary care clinic", "medical", "Primary care"],
    "behavioral_health": ["behavioral health", "mental health", "substance use", "addiction",
                          "counseling", "recovery", "harm reduction"],
    "legal_aid": ["legal", "legal services", "legal assistance", "immigration legal",
                  "tenant legal", "Legal aid"],
    "employment": ["jobs", "job training", "workforce", "workforce development",
                   "career center", "Employment and training"],
    "childcare": ["child care", "daycare", "day care", "early childhood", "head start",
                  "family services", "Childcare and family"],
    "older_adults": ["seniors", "senior center", "older adult center", "aging services",
                     "elderly", "Older adults"],
}  # fmt: skip
ACRONYMS = {"snap", "wic", "heap", "liheap", "fqhc", "dv", "ipv"}

PROGRAMS = {
    "food": ["Community Pantry", "Food Pantry", "Food Shelf", "Soup Kitchen",
             "Community Fridge", "Hot Meals Program", "Nutrition & WIC Center",
             "SNAP Enrollment Desk", "Emergency Food Program", "Family Grocery Program"],
    "housing": ["Housing Help Desk", "Rental Assistance Program", "Eviction Prevention Project",
                "Drop-In Center", "Family Shelter", "Housing Navigation Center"],
    "transportation": ["Medical Rides Program", "Travel Training Program", "Senior Van Service",
                       "Transit Access Desk"],
    "utilities": ["Energy Assistance Desk", "HEAP Enrollment Center", "Weatherization Program",
                  "Utility Bill Help Desk"],
    "safety": ["Family Safety Center", "Domestic Violence Advocacy Program",
               "Victim Services Office", "Crisis Center", "Safe Home Project"],
    "primary_care": ["Family Health Center", "Community Health Center", "Primary Care Clinic",
                     "Pediatric & Family Medicine", "Medical Practice",
                     "Health & Wellness Center"],
    "behavioral_health": ["Counseling Center", "Mental Health Clinic", "Recovery Center",
                          "Harm Reduction Program", "Behavioral Health Services",
                          "Peer Support Center"],
    "legal_aid": ["Legal Services Clinic", "Tenant Legal Help", "Immigration Legal Clinic",
                  "Benefits & Legal Advocacy", "Legal Assistance Project"],
    "employment": ["Career Center", "Job Training Program", "Workforce Development Center",
                   "Youth Jobs Program", "Employment Services"],
    "childcare": ["Early Learning Center", "Head Start", "Family Services Center",
                  "Child Care Center", "Day Care", "After-School & Family Program"],
    "older_adults": ["Senior Center", "Older Adult Center", "Aging Services Program",
                     "Seniors Club", "Senior Lunch & Activity Center"],
}  # fmt: skip

#: The kind of service each program is, written in `Program Type` / `subcategory`: what
#: overlaps compare (a pantry and a SNAP enrolment desk are both food, not duplicates).
#: Deterministic: derived from the program, no random draw (the other columns stay as
#: they were). Every program of PROGRAMS and of CHURCHES has one (checked at start-up).
PROGRAM_TYPES = {
    # food
    "Community Pantry": "Food pantry", "Food Pantry": "Food pantry",
    "Food Shelf": "Food pantry", "Emergency Food Program": "Food pantry",
    "Soup Kitchen": "Hot meals", "Hot Meals Program": "Hot meals",
    "Community Fridge": "Community fridge", "Nutrition & WIC Center": "WIC",
    "SNAP Enrollment Desk": "SNAP enrollment", "Family Grocery Program": "Grocery program",
    # housing
    "Housing Help Desk": "Housing navigation", "Housing Navigation Center": "Housing navigation",
    "Rental Assistance Program": "Rental assistance",
    "Eviction Prevention Project": "Eviction prevention", "Drop-In Center": "Drop-in center",
    "Family Shelter": "Shelter",
    # transportation
    "Medical Rides Program": "Medical rides", "Senior Van Service": "Senior van",
    "Travel Training Program": "Travel training", "Transit Access Desk": "Transit access",
    # utilities
    "Energy Assistance Desk": "Energy assistance (HEAP)",
    "HEAP Enrollment Center": "Energy assistance (HEAP)",
    "Weatherization Program": "Weatherization", "Utility Bill Help Desk": "Utility bill help",
    # safety
    "Family Safety Center": "Family safety center",
    "Domestic Violence Advocacy Program": "Domestic violence advocacy",
    "Victim Services Office": "Victim services", "Crisis Center": "Crisis center",
    "Safe Home Project": "Safe home",
    # primary care: every program here is a primary-care practice
    "Family Health Center": "Primary care", "Community Health Center": "Primary care",
    "Primary Care Clinic": "Primary care", "Pediatric & Family Medicine": "Primary care",
    "Medical Practice": "Primary care", "Health & Wellness Center": "Primary care",
    # behavioral health
    "Counseling Center": "Counseling", "Mental Health Clinic": "Mental health clinic",
    "Behavioral Health Services": "Mental health clinic",
    "Recovery Center": "Substance use recovery", "Harm Reduction Program": "Harm reduction",
    "Peer Support Center": "Peer support", "Recovery Circle": "Peer support",
    # legal aid
    "Legal Services Clinic": "General legal services",
    "Legal Assistance Project": "General legal services", "Tenant Legal Help": "Tenant legal help",
    "Immigration Legal Clinic": "Immigration legal services",
    "Benefits & Legal Advocacy": "Benefits advocacy",
    # employment
    "Career Center": "Job search and placement",
    "Workforce Development Center": "Job search and placement",
    "Employment Services": "Job search and placement", "Job Training Program": "Job training",
    "Youth Jobs Program": "Youth employment",
    # childcare
    "Early Learning Center": "Child care", "Child Care Center": "Child care",
    "Day Care": "Child care", "Head Start": "Head Start",
    "Family Services Center": "Family support",
    "After-School & Family Program": "After-school program",
    # older adults
    "Senior Center": "Older adult center", "Older Adult Center": "Older adult center",
    "Seniors Club": "Older adult center", "Senior Lunch & Activity Center": "Older adult center",
    "Aging Services Program": "Aging services case management",
}  # fmt: skip

HOURS = {
    "food": ["Tue & Thu 10:00-14:00", "Sat 9:00-12:00", "Mon, Wed, Fri 11:00-13:30",
             "Wed 16:00-19:00", "Daily 12:00-14:00"],
    "primary_care": ["Mon-Fri 8:00-18:00", "Mon-Fri 8:30-17:00; Sat 9:00-13:00",
                     "Mon-Thu 8:00-20:00; Fri 8:00-17:00"],
    "behavioral_health": ["Mon-Fri 9:00-19:00", "Mon-Fri 9:00-17:00", "24/7 hotline; "
                          "walk-in Mon-Fri 10:00-16:00"],
    "safety": ["24/7", "Mon-Fri 9:00-17:00", "By appointment"],
    "housing": ["Mon-Fri 9:00-17:00", "24/7", "Mon, Wed 10:00-16:00"],
    "childcare": ["Mon-Fri 7:30-18:00", "Mon-Fri 8:00-15:00", "Mon-Fri 15:00-18:30"],
    "older_adults": ["Mon-Fri 9:00-16:00", "Mon-Fri 8:30-15:30", "Mon-Sat 9:00-14:00"],
    "other": ["Mon-Fri 9:00-17:00", "Mon-Thu 10:00-18:00", "By appointment",
              "Tue-Sat 10:00-16:00"],
}  # fmt: skip

CAPACITY = {  # people served per week, or places for childcare / older-adult centres
    "food": (80, 450),
    "primary_care": (150, 900),
    "behavioral_health": (40, 300),
    "older_adults": (40, 220),
    "childcare": (20, 160),
    "other": (15, 200),
}


@dataclass(frozen=True)
class Org:
    name: str
    brand: str
    sector: str
    domains: tuple[str, ...]

    @property
    def slug(self) -> str:
        return slugify(self.brand)


def _org(name: str, brand: str, sector: str, domains: str) -> Org:
    return Org(name, brand, sector, tuple(domains.split()))


#: Fictional organisations (any likeness to a real one is unintended).
ORGS = (
    _org("Larkspur Community Services, Inc.", "Larkspur", "cbo",
         "food housing older_adults employment utilities"),
    _org("Bluestone Neighbors Alliance", "Bluestone", "cbo",
         "food housing legal_aid utilities transportation"),
    _org("Kestrel Youth & Family Services, Inc.", "Kestrel", "cbo",
         "childcare behavioral_health safety employment"),
    _org("Marigold Food Collective", "Marigold", "cbo", "food"),
    _org("Tamarack Housing Partners, Inc.", "Tamarack", "cbo", "housing utilities legal_aid"),
    _org("Northwind Senior Network", "Northwind", "cbo", "older_adults transportation food"),
    _org("Cobalt Bridge Legal Collective", "Cobalt Bridge", "cbo", "legal_aid housing"),
    _org("Amberly Workforce Partners", "Amberly", "cbo", "employment"),
    _org("Juniper Row Family Center, Inc.", "Juniper Row", "cbo", "childcare food safety"),
    _org("Willowgate Recovery Network", "Willowgate", "cbo", "behavioral_health"),
    _org("Fernwick Safe Homes Project", "Fernwick", "cbo", "safety housing"),
    _org("Quillfield Community Rides", "Quillfield", "cbo", "transportation older_adults"),
    _org("Harbor Finch Immigrant Center", "Harbor Finch", "cbo", "legal_aid employment food"),
    _org("Saffron Gate Community Kitchen", "Saffron Gate", "cbo", "food"),
    _org("Redwing Early Learning, Inc.", "Redwing", "cbo", "childcare"),
    _org("Tallgrass Tenant Alliance", "Tallgrass", "cbo", "housing legal_aid utilities"),
    _org("Silver Heron Health Partners", "Silver Heron", "health_system",
         "primary_care behavioral_health older_adults"),
    _org("Concord Valley Health Network", "Concord Valley", "health_system",
         "primary_care behavioral_health"),
    _org("Lantern Bay Community Health, Inc.", "Lantern Bay", "health_system",
         "primary_care behavioral_health childcare"),
    _org("Borough Health Action Office", "Health Action", "public_health",
         "primary_care food behavioral_health safety"),
    _org("Northside Public Health Outreach", "Northside Outreach", "public_health",
         "food primary_care older_adults"),
    _org("Municipal Benefits Access Center", "Benefits Access", "government",
         "food utilities housing employment"),
    _org("Borough Aging Services Office", "Aging Services Office", "government",
         "older_adults transportation"),
    _org("Borough Family Justice Office", "Family Justice Office", "government",
         "safety legal_aid"),
    _org("St. Aurelia Parish", "St. Aurelia", "faith", "food older_adults legal_aid"),
    _org("Lantern Hill Fellowship Church", "Lantern Hill", "faith",
         "childcare behavioral_health food"),
    _org("St. Evander Episcopal Church", "St. Evander", "faith", "food housing"),
    _org("New Dawn Harvest Church", "New Dawn", "faith", "food older_adults childcare"),
    _org("Riverlight Islamic Cultural Center", "Riverlight", "faith",
         "food legal_aid employment"),
    _org("Northfield Community College", "Northfield", "education",
         "employment childcare legal_aid"),
    _org("Tremont Adult Learning Institute", "Tremont Learning", "education", "employment"),
    _org("Concourse Learning Academy", "Concourse Learning", "education", "childcare"),
    _org("Fresh Corner Grocers", "Fresh Corner", "business", "food"),
    _org("Greenlot Pharmacy Group", "Greenlot", "business", "primary_care older_adults"),
    _org("Bluebird Energy Co-op", "Bluebird", "business", "utilities"),
    _org("Care Workers Mutual Aid Circle", "Mutual Aid Circle", "employee_group",
         "food employment legal_aid"),
    _org("Hospital Staff Volunteer Council", "Staff Volunteer", "employee_group",
         "food transportation older_adults"),
    _org("Neighborhood Tool & Repair Library", "Tool Library", "other", "utilities housing"),
    _org("Volunteer Rides Collective", "Volunteer Rides", "other", "transportation"),
    _org("Open Door Garden Network", "Open Door", "other", "food"),
)  # fmt: skip
SECTOR_WEIGHTS = {
    "cbo": 3.5,
    "health_system": 6.0,
    "public_health": 1.2,
    "government": 1.5,
    "faith": 1.2,
    "education": 1.5,
    "business": 1.5,
    "employee_group": 0.8,
    "other": 1.5,
}

#: The two church buildings, each hosting two unrelated programs (partners file):
#: (domain, program name, program of PROGRAM_TYPES).
CHURCHES = (
    ("St. Aurelia Parish", (("food", "St. Aurelia Community Pantry", "Community Pantry"),
                            ("legal_aid", "St. Aurelia Immigration Legal Clinic",
                             "Immigration Legal Clinic"))),
    ("Lantern Hill Fellowship Church", (("childcare", "Lantern Hill After-School & Family "
                                         "Program", "After-School & Family Program"),
                                        ("behavioral_health", "Lantern Hill Recovery Circle",
                                         "Recovery Circle"))),
)  # fmt: skip

#: Street names and ZIP codes by Bronx community district (first four NTA characters).
STREETS = {
    "BX01": (["East 138th Street", "East 149th Street", "Willis Avenue", "Alexander Avenue",
              "Brook Avenue", "Saint Ann's Avenue"], ["10451", "10454", "10455"]),
    "BX02": (["Hunts Point Avenue", "Southern Boulevard", "Longwood Avenue",
              "Bruckner Boulevard", "East 163rd Street", "Prospect Avenue"],
             ["10459", "10474", "10455"]),
    "BX03": (["Boston Road", "East 169th Street", "Washington Avenue", "Third Avenue",
              "Claremont Parkway", "Crotona Avenue"], ["10456", "10459", "10460"]),
    "BX04": (["Grand Concourse", "East 161st Street", "Ogden Avenue", "Jerome Avenue",
              "Sheridan Avenue", "East 167th Street"], ["10451", "10452", "10456"]),
    "BX05": (["Burnside Avenue", "University Avenue", "Jerome Avenue", "West 181st Street",
              "Morris Avenue", "Grand Concourse"], ["10453", "10457"]),
    "BX06": (["Arthur Avenue", "East Tremont Avenue", "East 187th Street", "Crotona Avenue",
              "Southern Boulevard", "Belmont Avenue"], ["10457", "10458", "10460"]),
    "BX07": (["East Fordham Road", "Webster Avenue", "Bainbridge Avenue", "Mosholu Parkway",
              "East Kingsbridge Road", "Valentine Avenue"], ["10458", "10467", "10468"]),
    "BX08": (["Riverdale Avenue", "West 231st Street", "Broadway", "Johnson Avenue",
              "Kingsbridge Avenue", "West 238th Street"], ["10463", "10471"]),
    "BX09": (["Westchester Avenue", "Castle Hill Avenue", "White Plains Road", "Story Avenue",
              "Metropolitan Avenue", "Soundview Avenue"], ["10472", "10473", "10462"]),
    "BX10": (["East Tremont Avenue", "Co-op City Boulevard", "Bruckner Boulevard",
              "Westchester Avenue", "City Island Avenue", "Lafayette Avenue"],
             ["10465", "10461", "10475", "10464"]),
    "BX11": (["Morris Park Avenue", "Williamsbridge Road", "Pelham Parkway South",
              "Allerton Avenue", "Lydig Avenue", "Eastchester Road"],
             ["10461", "10462", "10467", "10469"]),
    "BX12": (["White Plains Road", "East Gun Hill Road", "Boston Road", "East 233rd Street",
              "Baychester Avenue", "Laconia Avenue"], ["10466", "10467", "10469", "10475"]),
}  # fmt: skip

ABBREVIATIONS = (
    (r"\bStreet\b", "St"),
    (r"\bAvenue\b", "Ave"),
    (r"\bBoulevard\b", "Blvd"),
    (r"\bRoad\b", "Rd"),
    (r"\bParkway\b", "Pkwy"),
    (r"\bEast\b", "E"),
    (r"\bWest\b", "W"),
    (r"\bSaint\b", "St."),
)

# ----------------------------------------------------------------------------- helpers


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def pick(rng: np.random.Generator, items: Sequence[Any]) -> Any:
    return items[int(rng.integers(len(items)))]


def random_date(rng: np.random.Generator) -> str:
    start, end = DATE_RANGE
    return (start + timedelta(days=int(rng.integers((end - start).days + 1)))).isoformat()


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_LONLAT.transform(x, y)
    return round(float(lon), 6), round(float(lat), 6)


def metric(lon: float, lat: float) -> tuple[float, float]:
    x, y = TO_METRIC.transform(lon, lat)
    return float(x), float(y)


def style_case(rng: np.random.Generator, text: str, weights: Sequence[float]) -> str:
    """Write a domain word in Title, lower or UPPER case (acronyms stay upper)."""
    style = int(rng.choice(3, p=np.asarray(weights) / sum(weights)))
    if style == 2:
        return text.upper()
    if style == 1:
        return text
    words = text.split()
    return " ".join(w.upper() if w.lower() in ACRONYMS else w[:1].upper() + w[1:] for w in words)


def phone_text(phone: tuple[str, str], style: str) -> str:
    area, line = phone
    return {
        "paren": f"({area}) 555-{line}",
        "dots": f"{area}.555.{line}",
        "dashes": f"{area}-555-{line}",
        "plus": f"+1 {area} 555 {line}",
    }[style]


def abbreviate(address: str) -> str:
    for pattern, short in ABBREVIATIONS:
        address = re.sub(pattern, short, address)
    return address


def check_wording(path: Path) -> None:
    """Fail if a word used in the domain columns is not a key, label or alias any more."""
    domains = yaml.safe_load(path.read_text())["domains"]
    for key, words in WORDING.items():
        spec = domains[key]
        known = {normalise(key), normalise(spec["label"])}
        known |= {normalise(a) for a in spec.get("aliases", [])}
        unknown = [w for w in words if normalise(w) not in known]
        if unknown:
            raise ValueError(f"{path.name}: {key} does not know {unknown}")


def check_program_types() -> None:
    """Fail if a program (of PROGRAMS or CHURCHES) has no service type."""
    programs = {p for names in PROGRAMS.values() for p in names}
    programs |= {p for _, entries in CHURCHES for _, _, p in entries}
    missing = sorted(programs - set(PROGRAM_TYPES))
    if missing:
        raise ValueError(f"programs without a service type in PROGRAM_TYPES: {missing}")


# ----------------------------------------------------------------------------- space


@dataclass
class Units:
    """Residential NTAs (metric CRS) and where each domain may place a point."""

    frame: gpd.GeoDataFrame  # all units, metric
    residential: gpd.GeoDataFrame
    gaps: list[str]
    names: dict[str, str] = field(default_factory=dict)
    allowed: dict[str, dict[str, shapely.Geometry]] = field(default_factory=dict)
    weights: dict[str, np.ndarray] = field(default_factory=dict)

    def allowed_geometry(self, domain: str, unit_id: str) -> shapely.Geometry:
        key = domain if domain in GAP_DOMAINS else "*"
        return self.allowed[key][unit_id]

    def unit_weights(self, domain: str) -> np.ndarray:
        return self.weights[domain if domain in GAP_DOMAINS else "*"]

    def is_allowed(self, domain: str, x: float, y: float) -> bool:
        key = domain if domain in GAP_DOMAINS else "*"
        return any(shapely.contains_xy(g, x, y) for g in self.allowed[key].values())

    def unit_at(self, x: float, y: float) -> str:
        hits = self.frame[shapely.contains_xy(self.frame.geometry.values, x, y)]
        if len(hits) != 1:
            raise ValueError(f"point ({x:.0f}, {y:.0f}) is in {len(hits)} units")
        return str(hits["unit_id"].iloc[0])


def place_names(nta_name: str) -> list[str]:
    """Neighbourhood names in an NTA name: "University Heights (South)-Morris Heights".

    Split at a hyphen before a capital only: "Co-op City" is one name, not "Co" and "op
    City". A name holding a hyphen is listed once per piece, so the list keeps its length
    and the seeded draws from it (and so the rest of the sample) are unchanged.
    """
    parts = re.split(r"-(?=[A-Z])", nta_name)
    names = [re.sub(r"\s*\(.*?\)", "", part).strip() for part in parts]
    return [n for part, n in zip(parts, names, strict=True) for _ in part.split("-")]


def is_residential(frame: pd.DataFrame) -> pd.Series:
    """NTA type (5th character of the code) 0 = residential; 6 special, 7 cemetery, 9 park."""
    return frame["unit_id"].str[4].eq("0") & frame["population"].gt(0)


def choose_gaps(residential: gpd.GeoDataFrame) -> list[str]:
    """Six top-quartile-poverty NTAs: first greedily non-adjacent, then by poverty rank."""
    rate = residential["B06012_002E"] / residential["B06012_001E"]
    top = residential.assign(rate=rate)
    top = top[top["rate"] >= rate.quantile(0.75)].sort_values(
        ["rate", "unit_id"], ascending=[False, True]
    )
    chosen: list[int] = []
    for index, geom in zip(top.index, top.geometry, strict=True):
        if not any(geom.intersects(top.geometry[j]) for j in chosen):
            chosen.append(index)
    chosen += [i for i in top.index if i not in chosen]
    if len(chosen) < N_GAPS:
        raise ValueError("too few top-quartile NTAs for the planted gaps")
    return [str(top.loc[i, "unit_id"]) for i in chosen[:N_GAPS]]


def prepare_units(path: Path) -> Units:
    frame = gpd.read_file(path).to_crs(METRIC_CRS).sort_values("unit_id").reset_index(drop=True)
    residential = frame[is_residential(frame)].reset_index(drop=True)
    gaps = choose_gaps(residential)
    names = dict(zip(frame["unit_id"], frame["name"], strict=True))
    units = Units(frame=frame, residential=residential, gaps=gaps, names=names)
    gap_geoms = residential[residential["unit_id"].isin(gaps)].geometry
    inner = residential.geometry.buffer(-EDGE_CLEARANCE_M)
    zones = {"*": shapely.Polygon()} | {
        d: gap_geoms.buffer(metres).union_all() for d, metres in GAP_BUFFER_M.items()
    }
    population = residential["population"].to_numpy(dtype=float)
    for key, zone in zones.items():
        allowed = inner.difference(zone)
        shapely.prepare(allowed.values)
        units.allowed[key] = dict(zip(residential["unit_id"], allowed.values, strict=True))
        share = (allowed.area / residential.geometry.area).to_numpy()
        weights = population * share
        units.weights[key] = weights / weights.sum()
    return units


def sample_in(
    rng: np.random.Generator, geom: shapely.Geometry, ok: Callable[[float, float], bool]
) -> tuple[float, float] | None:
    """Rejection-sample a point in ``geom`` that also passes ``ok``."""
    if geom.is_empty:
        return None
    xmin, ymin, xmax, ymax = geom.bounds
    for _ in range(2000):
        x, y = float(rng.uniform(xmin, xmax)), float(rng.uniform(ymin, ymax))
        if shapely.contains_xy(geom, x, y) and ok(x, y):
            return x, y
    return None


# ----------------------------------------------------------------------------- services


@dataclass
class Service:
    key: int
    domain: str
    org: Org
    name: str
    x: float
    y: float
    unit_id: str
    address: str
    phone: tuple[str, str]
    path: str
    hours: str
    capacity: int | None
    program: str = ""  # a key of PROGRAM_TYPES
    role: str = "regular"  # regular, cluster-N, church-N
    source: str = ""  # partners, 211, both

    @property
    def service_type(self) -> str:
        return PROGRAM_TYPES[self.program]


class Factory:
    """Creates services with unique names, addresses and phones."""

    def __init__(self, rng: np.random.Generator, units: Units) -> None:
        self.rng = rng
        self.units = units
        self.names: set[str] = set()
        self.addresses: set[str] = set()
        phones = [(a, f"{n:04d}") for a in ("718", "347", "929", "646") for n in range(100, 200)]
        order = rng.permutation(len(phones))
        self.phones = [phones[i] for i in order]
        self.services: list[Service] = []
        self.cluster_centres: list[tuple[str, float, float]] = []

    # -- attributes

    def places(self, unit_id: str) -> list[str]:
        """Names a program near this NTA might carry: neighbourhoods, then main roads."""
        streets = [s for s in STREETS[unit_id[:4]][0] if s.split()[-1] in ("Concourse", "Road")]
        return place_names(self.units.names[unit_id]) + streets[:1]

    def org_for(self, domain: str) -> Org:
        candidates = [o for o in ORGS if domain in o.domains]
        weights = np.array([SECTOR_WEIGHTS[o.sector] for o in candidates])
        if domain not in ("primary_care", "behavioral_health"):
            weights[[o.sector == "health_system" for o in candidates]] *= 0.3
        return candidates[int(self.rng.choice(len(candidates), p=weights / weights.sum()))]

    def program_name(self, domain: str, org: Org, unit_id: str) -> tuple[str, str]:
        """A new program name and the program (a key of PROGRAMS) it is made from."""
        for _ in range(200):
            program = pick(self.rng, PROGRAMS[domain])
            place = pick(self.rng, self.places(unit_id))
            if org.sector == "faith":
                name = f"{org.brand} {program}"
            elif org.sector == "health_system" or (
                org.sector == "cbo" and self.rng.random() < 0.35
            ):
                name = f"{org.brand} {program}" + (f" - {place}" if self.rng.random() < 0.6 else "")
            else:
                name = f"{place} {program}"
            if name.lower() not in self.names:
                self.names.add(name.lower())
                return name, program
        raise RuntimeError(f"cannot find a new name for {domain} in {unit_id}")

    def address(self, unit_id: str) -> str:
        streets, zips = STREETS[unit_id[:4]]
        while True:
            number = int(self.rng.integers(12, 2990))
            text = f"{number} {pick(self.rng, streets)}, Bronx, NY {pick(self.rng, zips)}"
            if text not in self.addresses:
                self.addresses.add(text)
                return text

    def hours(self, domain: str) -> str:
        return str(pick(self.rng, HOURS.get(domain, HOURS["other"])))

    def capacity(self, domain: str) -> int | None:
        low, high = CAPACITY.get(domain, CAPACITY["other"])
        if self.rng.random() < 0.25:
            return None
        return int(round(float(self.rng.uniform(low, high)), -1))

    # -- placement

    def spaced(self, domain: str) -> Callable[[float, float], bool]:
        """Test for a new point: away from same-domain clusters and services, and others."""
        centres = np.array([(x, y) for d, x, y in self.cluster_centres if d == domain])
        same = np.array([(s.x, s.y) for s in self.services if s.domain == domain])
        other = np.array([(s.x, s.y) for s in self.services if s.domain != domain])

        def far(x: float, y: float, points: np.ndarray, metres: float) -> bool:
            return len(points) == 0 or bool(
                np.hypot(points[:, 0] - x, points[:, 1] - y).min() > metres
            )

        def ok(x: float, y: float) -> bool:
            return (
                far(x, y, centres, CLUSTER_CLEARANCE_M)
                and far(x, y, same, SAME_DOMAIN_SPACING_M)
                and far(x, y, other, ANY_SPACING_M)
            )

        return ok

    def place(self, domain: str) -> tuple[float, float, str]:
        weights = self.units.unit_weights(domain)
        ids = self.units.residential["unit_id"].tolist()
        ok = self.spaced(domain)
        while True:
            unit_id = ids[int(self.rng.choice(len(ids), p=weights))]
            point = sample_in(self.rng, self.units.allowed_geometry(domain, unit_id), ok)
            if point is not None:
                return point[0], point[1], unit_id

    def add(
        self,
        domain: str,
        org: Org,
        x: float,
        y: float,
        unit_id: str,
        *,
        name: str | None = None,
        program: str = "",
        address: str | None = None,
        role: str = "regular",
        source: str = "",
    ) -> Service:
        if name is None:
            name, program = self.program_name(domain, org, unit_id)
        else:
            self.names.add(name.lower())
        service = Service(
            key=len(self.services),
            domain=domain,
            org=org,
            name=name,
            x=x,
            y=y,
            unit_id=unit_id,
            address=address or self.address(unit_id),
            phone=self.phones.pop(),
            path=f"{org.slug}/{slugify(name.removeprefix(org.brand))}",
            hours=self.hours(domain),
            capacity=self.capacity(domain),
            program=program,
            role=role,
            source=source,
        )
        self.services.append(service)
        return service


def domain_counts(total: int) -> dict[str, int]:
    """Split ``total`` over the domains by weight (largest remainder, ties by name)."""
    weight_sum = sum(DOMAIN_WEIGHTS.values())
    exact = {d: total * w / weight_sum for d, w in DOMAIN_WEIGHTS.items()}
    counts = {d: int(v) for d, v in exact.items()}
    order = sorted(exact, key=lambda d: (-(exact[d] - counts[d]), d))
    for d in order[: total - sum(counts.values())]:
        counts[d] += 1
    return counts


def make_services(rng: np.random.Generator, units: Units) -> Factory:
    factory = Factory(rng, units)
    remaining = domain_counts(N_PARTNERS + N_211 - N_SHARED)

    for number, plan in enumerate(CLUSTERS, start=1):
        geom = units.allowed_geometry(plan.domain, plan.unit_id)
        inner = geom.buffer(-CLUSTER_RADIUS_M)
        centre = sample_in(rng, inner, lambda x, y: True)
        if centre is None:
            raise RuntimeError(f"no room for cluster {number} in {plan.unit_id}")
        cx, cy = centre
        factory.cluster_centres.append((plan.domain, cx, cy))
        for _ in range(plan.size):
            radius = CLUSTER_RADIUS_M * math.sqrt(float(rng.random()))
            angle = float(rng.uniform(0, 2 * math.pi))
            x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
            org = factory.org_for(plan.domain)
            factory.add(
                plan.domain, org, x, y, plan.unit_id, role=f"cluster-{number}", source=plan.source
            )
        remaining[plan.domain] -= plan.size

    orgs_by_name = {o.name: o for o in ORGS}
    for number, (church, programs) in enumerate(CHURCHES, start=1):
        org = orgs_by_name[church]
        domains = [d for d, _, _ in programs]
        strictest = next((d for d in domains if d in GAP_DOMAINS), domains[0])
        x, y, unit_id = factory.place(strictest)
        address = factory.address(unit_id)
        for domain, name, program in programs:
            factory.add(
                domain,
                org,
                x,
                y,
                unit_id,
                name=name,
                program=program,
                address=address,
                role=f"church-{number}",
                source="partners",
            )
            remaining[domain] -= 1

    regular = [d for d in sorted(remaining) for _ in range(remaining[d])]
    for index in rng.permutation(len(regular)):
        domain = regular[int(index)]
        x, y, unit_id = factory.place(domain)
        factory.add(domain, factory.org_for(domain), x, y, unit_id)
    return factory


def assign_sources(rng: np.random.Generator, services: list[Service]) -> None:
    regular = [s for s in services if s.role == "regular"]
    fixed_partners = sum(1 for s in services if s.source == "partners")
    n_partners_only = N_PARTNERS - N_SHARED - fixed_partners
    order = rng.permutation(len(regular))
    for rank, index in enumerate(order):
        service = regular[int(index)]
        if rank < N_SHARED:
            service.source = "both"
        elif rank < N_SHARED + n_partners_only:
            service.source = "partners"
        else:
            service.source = "211"


# ----------------------------------------------------------------------------- variants


VARIANTS: tuple[tuple[str, str], ...] = (
    (r"\bSt\. ", "Saint "),
    (r"\bSaint ", "St. "),
    (r"\bCenter\b", "Ctr"),
    (r" & ", " and "),
    (r" - ", " "),
    (r"\bProgram\b", "Prog."),
    (r"\bCommunity\b", "Comm."),
    (r"\bServices\b", "Svcs"),
    (r"\bProject\b", "Proj."),
    (r"\bEast\b", "E."),
    (r"\bRoad\b", "Rd"),
    (r"\bAvenue\b", "Ave"),
    (r"\bSenior\b", "Sr."),
)


def name_variant(rng: np.random.Generator, name: str) -> str:
    """The same name as another directory would spell it: a small, realistic change."""
    options = [(p, r) for p, r in VARIANTS if re.search(p, name)]
    chosen = [options[int(i)] for i in rng.permutation(len(options))[: 1 + int(rng.random() < 0.3)]]
    for pattern, replacement in chosen:
        name = re.sub(pattern, replacement, name, count=1)
    if not chosen or rng.random() < 0.15:
        name = name.upper()
    return name


def org_variant(rng: np.random.Generator, org: str) -> str:
    variant = re.sub(r",? Inc\.$", "", org)
    if variant == org or rng.random() < 0.3:
        variant = variant.replace(" & ", " and ") if " & " in variant else variant.upper()
    return variant


def shifted(rng: np.random.Generator, units: Units, service: Service) -> tuple[float, float]:
    """The service's position moved 30-80 m (as a second geocoder would place it)."""
    for _ in range(500):
        distance = float(rng.uniform(*DUPLICATE_SHIFT_M))
        angle = float(rng.uniform(0, 2 * math.pi))
        x = service.x + distance * math.cos(angle)
        y = service.y + distance * math.sin(angle)
        if units.is_allowed(service.domain, x, y):
            return x, y
    raise RuntimeError(f"cannot move service {service.key}")


# ----------------------------------------------------------------------------- rows


#: `Service Type` is the domain in everyday words; `Program Type` / `subcategory` the kind
#: of service within it (names a reader finds as ``service_type``, not as the domain).
PARTNER_COLUMNS = [
    "ID", "Organization", "Program Name", "Service Type", "Program Type", "Sector",
    "Street Address", "Phone", "Website", "Hours", "Capacity", "Latitude", "Longitude",
    "Last Verified",
]  # fmt: skip
COLUMNS_211 = [
    "record_id", "agency_name", "service_name", "category", "subcategory", "address", "phone",
    "url", "lat", "lng", "updated",
]  # fmt: skip


def domain_word(rng: np.random.Generator, domain: str, avoid: str | None = None) -> str:
    words = [w for w in WORDING[domain] if avoid is None or normalise(w) != normalise(avoid)]
    return str(pick(rng, words))


def partner_row(rng: np.random.Generator, service: Service) -> dict[str, Any]:
    lon, lat = lonlat(service.x, service.y)
    regular = service.role == "regular" and service.source != "both"
    word = domain_word(rng, service.domain)
    return {
        "ID": "",
        "Organization": service.org.name,
        "Program Name": service.name,
        "Service Type": style_case(rng, word, (6, 3, 1)),
        "Program Type": service.service_type,
        "Sector": service.org.sector,
        "Street Address": service.address,
        "Phone": "" if regular and rng.random() < 0.05 else phone_text(service.phone, "paren"),
        "Website": "" if rng.random() < 0.25 else f"https://www.example.org/{service.path}",
        "Hours": "" if rng.random() < 0.1 else service.hours,
        "Capacity": "" if service.capacity is None else str(service.capacity),
        "Latitude": f"{lat:.6f}",
        "Longitude": f"{lon:.6f}",
        "Last Verified": random_date(rng),
        "_key": service.key,
    }


def row_211(
    rng: np.random.Generator,
    units: Units,
    service: Service,
    partner_word: str | None,
) -> dict[str, Any]:
    duplicate = partner_word is not None
    x, y = shifted(rng, units, service) if duplicate else (service.x, service.y)
    lon, lat = lonlat(x, y)
    word = domain_word(rng, service.domain, avoid=partner_word)
    url = f"{pick(rng, ['www.example.org', 'http://example.org'])}/{service.path}"
    return {
        "record_id": "",
        "agency_name": org_variant(rng, service.org.name) if duplicate else service.org.name,
        "service_name": name_variant(rng, service.name) if duplicate else service.name,
        "category": style_case(rng, word, (5, 2, 3)),
        "subcategory": service.service_type.lower(),  # the same words, as 211 writes them
        "address": abbreviate(service.address),
        "phone": phone_text(service.phone, pick(rng, ["dots", "dots", "dashes", "plus"])),
        "url": "" if rng.random() < 0.3 else url,
        "lat": f"{lat:.6f}",
        "lng": f"{lon:.6f}",
        "updated": random_date(rng),
        "_key": service.key,
    }


def build_rows(
    rng: np.random.Generator, units: Units, services: list[Service]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    partners = [partner_row(rng, s) for s in services if s.source in ("partners", "both")]
    words = {row["_key"]: row["Service Type"] for row in partners}
    rows_211 = [
        row_211(rng, units, s, words[s.key] if s.source == "both" else None)
        for s in services
        if s.source in ("211", "both")
    ]
    partners = [partners[int(i)] for i in rng.permutation(len(partners))]
    for number, row in enumerate(partners, start=1):
        row["ID"] = f"CP-{number:03d}"
    ids = rng.choice(np.arange(100_000, 1_000_000), size=len(rows_211), replace=False)
    for row, number in zip(rows_211, ids, strict=True):
        row["record_id"] = f"NYC211-{int(number)}"
    rows_211.sort(key=lambda r: r["record_id"])
    return partners, rows_211


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=columns, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)


# ----------------------------------------------------------------------------- anchor


VENDOR_BRANDS = [
    "Alder", "Basalt", "Corvid", "Dunmore", "Emberly", "Foxglove", "Garnet", "Halvard",
    "Ivywood", "Jessamine", "Kinloch", "Lindell", "Mossbank", "Nettlefield", "Orrin",
    "Quarry Lane", "Rookwood", "Sablewood", "Thornbury", "Umberfield", "Vantor", "Wrenfield",
    "Yarrow", "Copperleaf", "Stonemeadow", "Briarwick", "Calloway", "Dovecote", "Hollowell",
    "Pinecrest Row", "Saltmarsh", "Tidewell",
]  # fmt: skip
VENDOR_CATEGORIES = {  # category: (weight, median annual spend USD, name suffixes)
    "food service": (12, 160_000, ["Fresh Provisions LLC", "Produce Co.", "Catering Group",
                                   "Bakery Supply", "Dairy Distributors"]),
    "facilities": (10, 240_000, ["Facilities Services", "Building Maintenance Inc.",
                                 "HVAC & Mechanical", "Elevator Services"]),
    "staffing": (8, 850_000, ["Staffing Solutions", "Nurse Staffing LLC",
                              "Healthcare Staffing Group"]),
    "medical supplies": (10, 600_000, ["Medical Supply Co.", "Surgical Products",
                                       "Diagnostics Supply"]),
    "IT": (8, 320_000, ["IT Services", "Data Systems LLC", "Network Solutions"]),
    "laundry and linen": (5, 130_000, ["Linen Services", "Laundry Co-op"]),
    "security": (5, 280_000, ["Security Services", "Protective Services Inc."]),
    "construction": (6, 480_000, ["Builders LLC", "Construction Corp."]),
    "professional services": (8, 190_000, ["Consulting Group", "Accounting LLP",
                                           "Translation Services"]),
    "waste management": (4, 140_000, ["Waste & Recycling", "Carting Co."]),
}  # fmt: skip
#: Places outside the Bronx: (label, lon, lat, ZIP).
ELSEWHERE = [
    ("Midtown Manhattan", -73.9772, 40.7527, "10017"),
    ("Chelsea", -74.0014, 40.7465, "10011"),
    ("Harlem", -73.9465, 40.8116, "10027"),
    ("Financial District", -74.0113, 40.7075, "10005"),
    ("Washington Heights", -73.9394, 40.8417, "10032"),
    ("Sunset Park", -74.0076, 40.6545, "11232"),
    ("Downtown Brooklyn", -73.9903, 40.6928, "11201"),
    ("East Williamsburg", -73.9330, 40.7141, "11211"),
    ("Long Island City", -73.9485, 40.7447, "11101"),
    ("Maspeth", -73.9120, 40.7230, "11378"),
    ("Jamaica", -73.7890, 40.7027, "11432"),
    ("College Point", -73.8440, 40.7870, "11356"),
    ("Staten Island", -74.1440, 40.6330, "10303"),
    ("Secaucus NJ", -74.0565, 40.7895, "07094"),
    ("Newark NJ", -74.1724, 40.7357, "07102"),
    ("Jersey City NJ", -74.0776, 40.7282, "07302"),
    ("Carlstadt NJ", -74.0907, 40.8376, "07072"),
    ("Edison NJ", -74.4121, 40.5187, "08837"),
]
N_VENDORS = 80
N_LOCAL_VENDORS = 32


def hospital_point(units: Units) -> tuple[float, float, str]:
    x, y = metric(*HOSPITAL_LONLAT)
    unit_id = units.unit_at(x, y)
    if unit_id not in set(units.residential["unit_id"]):
        raise ValueError(f"hospital site is in non-residential {unit_id}")
    return x, y, unit_id


def employment_rows(
    rng: np.random.Generator, units: Units, hx: float, hy: float
) -> list[dict[str, Any]]:
    """Employees by home NTA: population x exp(-distance / 1.4 km), Poisson counts."""
    res = units.residential
    centroids = res.geometry.representative_point()
    distance_km = np.hypot(centroids.x - hx, centroids.y - hy).to_numpy() / 1000
    expected = res["population"].to_numpy() * np.exp(-distance_km / 1.4)
    expected *= 2600 / expected.sum()  # about 2,600 of the staff live in the Bronx
    employees = rng.poisson(expected)
    new_hires = rng.binomial(employees, 0.13)
    return [
        {"unit_id": u, "employees": int(e), "new_hires_2025": int(n)}
        for u, e, n in zip(res["unit_id"], employees, new_hires, strict=True)
    ]


def purchasing_rows(rng: np.random.Generator, units: Units) -> list[dict[str, Any]]:
    categories = list(VENDOR_CATEGORIES)
    weights = np.array([VENDOR_CATEGORIES[c][0] for c in categories], dtype=float)
    ids = units.residential["unit_id"].tolist()
    pop = units.weights["*"]
    used: set[str] = set()
    rows = []
    for number in range(1, N_VENDORS + 1):
        category = categories[int(rng.choice(len(categories), p=weights / weights.sum()))]
        _, median, suffixes = VENDOR_CATEGORIES[category]
        local = number <= N_LOCAL_VENDORS
        if local:
            unit_id = (
                "BX0201" if category == "food service" else ids[int(rng.choice(len(ids), p=pop))]
            )
            point = sample_in(rng, units.allowed["*"][unit_id], lambda x, y: True)
            if point is None:
                raise RuntimeError(f"cannot place a vendor in {unit_id}")
            lon, lat = lonlat(*point)
            zip_code = pick(rng, STREETS[unit_id[:4]][1])
            brands = [*VENDOR_BRANDS, place_names(units.names[unit_id])[0]]
        else:
            _, base_lon, base_lat, zip_code = pick(rng, ELSEWHERE)
            x, y = metric(base_lon, base_lat)
            lon, lat = lonlat(x + float(rng.normal(0, 150)), y + float(rng.normal(0, 150)))
            brands = VENDOR_BRANDS
        while True:
            name = f"{pick(rng, brands)} {pick(rng, suffixes)}"
            if name not in used:
                used.add(name)
                break
        spend = float(median) * math.exp(float(rng.normal(0, 0.8)))
        rows.append(
            {
                "vendor_id": f"V-{number:03d}",
                "vendor_name": name,
                "category": category,
                "annual_spend_usd": int(round(spend, -2)),
                "latitude": f"{lat:.6f}",
                "longitude": f"{lon:.6f}",
                "zip": zip_code,
                "local": str(local).lower(),
                "minority_owned": str(bool(rng.random() < (0.55 if local else 0.3))).lower(),
                "women_owned": str(bool(rng.random() < (0.35 if local else 0.25))).lower(),
            }
        )
    order = rng.permutation(len(rows))
    shuffled = [rows[int(i)] for i in order]
    for number, row in enumerate(shuffled, start=1):
        row["vendor_id"] = f"V-{number:03d}"
    return shuffled


SPACES = [  # (site, name, type, capacity, accessible, availability, dx m, dy m)
    (0, "Main Campus Conference Room A", "conference room", 40, True,
     "Weekdays 17:00-21:00; Saturdays", 30, 20),
    (0, "Main Campus Conference Room B", "conference room", 18, True,
     "Weekdays 8:00-17:00 by request", 30, 25),
    (0, "Main Campus Auditorium", "auditorium", 180, True, "Evenings and weekends", -40, 35),
    (0, "Teaching Kitchen", "teaching kitchen", 16, True, "Tue-Thu 13:00-19:00", 55, -20),
    (0, "Community Room (Lobby Level)", "community room", 60, True, "Daily 9:00-20:00", 0, -30),
    (0, "Staff Parking Lot B", "parking lot", 120, True,
     "Saturdays 7:00-15:00 (markets, health fairs)", 120, -90),
    (0, "Healing Garden Plot", "garden plot", 25, False, "April-October, daylight", -110, -60),
    (0, "Wellness Classroom", "classroom", 30, True, "Weekdays 16:00-20:00", -20, 60),
    (1, "Soundview Satellite Clinic Community Room", "community room", 35, True,
     "Weekday evenings; Saturday mornings", 0, 0),
    (1, "Soundview Satellite Clinic Parking Lot", "parking lot", 40, True, "Sundays", 35, -25),
    (2, "Williamsbridge Satellite Clinic Conference Room", "conference room", 18, True,
     "Weekdays 17:00-20:00", 0, 0),
    (2, "Williamsbridge Satellite Clinic Garden Plot", "garden plot", 12, False,
     "April-October, Sat 8:00-12:00", -40, 30),
]  # fmt: skip


def space_rows(
    rng: np.random.Generator, units: Units, hx: float, hy: float
) -> list[dict[str, Any]]:
    sites = [(hx, hy)]
    for unit_id in SATELLITE_UNITS:
        inner = units.allowed["*"][unit_id].buffer(-60)
        point = sample_in(rng, inner, lambda x, y: True)
        if point is None:
            raise RuntimeError(f"cannot place a satellite clinic in {unit_id}")
        sites.append(point)
    rows = []
    for number, (site, name, kind, capacity, accessible, availability, dx, dy) in enumerate(
        SPACES, start=1
    ):
        lon, lat = lonlat(sites[site][0] + dx, sites[site][1] + dy)
        rows.append(
            {
                "space_id": f"SP-{number:02d}",
                "name": name,
                "space_type": kind,
                "capacity": capacity,
                "accessible": str(accessible).lower(),
                "availability": availability,
                "latitude": f"{lat:.6f}",
                "longitude": f"{lon:.6f}",
            }
        )
    return rows


# ----------------------------------------------------------------------------- checks


def located(rows: Sequence[Mapping[str, Any]], lat: str, lon: str) -> np.ndarray:
    xy = [metric(float(r[lon]), float(r[lat])) for r in rows]
    return np.array(xy, dtype=float).reshape(-1, 2)


def pairwise_max(xy: np.ndarray) -> float:
    diff = xy[:, None, :] - xy[None, :, :]
    return float(np.sqrt((diff**2).sum(-1)).max())


def groups_within(xy: np.ndarray, metres: float) -> list[list[int]]:
    """Single-linkage groups of points closer than ``metres``."""
    parent = list(range(len(xy)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tree = shapely.STRtree(shapely.points(xy))
    left, right = tree.query(shapely.points(xy), predicate="dwithin", distance=metres)
    for a, b in zip(left, right, strict=True):
        parent[root(int(a))] = root(int(b))
    groups: dict[int, list[int]] = {}
    for i in range(len(xy)):
        groups.setdefault(root(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def verify(
    units: Units,
    services: list[Service],
    partners: list[dict[str, Any]],
    rows_211: list[dict[str, Any]],
) -> dict[str, Any]:
    """Check the planted structure on the rounded output coordinates; return facts."""
    by_key = {s.key: s for s in services}
    p_xy = located(partners, "Latitude", "Longitude")
    r_xy = located(rows_211, "lat", "lng")
    residential = set(units.residential["unit_id"])
    gaps = set(units.gaps)
    for xy, rows in ((p_xy, partners), (r_xy, rows_211)):
        for (x, y), row in zip(xy, rows, strict=True):
            unit_id = units.unit_at(x, y)
            domain = by_key[row["_key"]].domain
            if unit_id not in residential:
                raise AssertionError(f"{row} lies in non-residential {unit_id}")
            if domain in GAP_DOMAINS and unit_id in gaps:
                raise AssertionError(f"{domain} asset in gap {unit_id}")

    # Unique services (the partner copy of a duplicate), per domain: only planted groups.
    p_index = {r["_key"]: i for i, r in enumerate(partners)}
    r_index = {r["_key"]: i for i, r in enumerate(rows_211)}
    unique = [(k, p_xy[i]) for k, i in p_index.items()]
    unique += [(k, r_xy[i]) for k, i in r_index.items() if k not in p_index]
    clusters = []
    for domain in DOMAIN_WEIGHTS:
        keys = [k for k, _ in unique if by_key[k].domain == domain]
        xy = np.array([p for k, p in unique if by_key[k].domain == domain])
        for group in groups_within(xy, 150.0):
            roles = {by_key[keys[i]].role for i in group}
            if len(group) >= 3 and not (len(roles) == 1 and roles.pop().startswith("cluster")):
                raise AssertionError(f"unplanned {domain} group: {[keys[i] for i in group]}")
    for number, plan in enumerate(CLUSTERS, start=1):
        members = [s for s in services if s.role == f"cluster-{number}"]
        rows, xy, id_column = (
            (partners, p_xy, "ID") if plan.source == "partners" else (rows_211, r_xy, "record_id")
        )
        index = {r["_key"]: i for i, r in enumerate(rows)}
        points = np.array([xy[index[s.key]] for s in members])
        spread = pairwise_max(points)
        if spread > 150:
            raise AssertionError(f"cluster {number} spans {spread:.0f} m")
        lon, lat = lonlat(*points.mean(axis=0))
        clusters.append(
            {
                "cluster": number,
                "domain": plan.domain,
                "unit_id": plan.unit_id,
                "source": plan.source,
                "ids": sorted(rows[index[s.key]][id_column] for s in members),
                "service_types": dict(sorted(Counter(s.service_type for s in members).items())),
                "max_pairwise_m": round(spread, 1),
                "centre": {"latitude": lat, "longitude": lon},
            }
        )

    by_domain = {
        d: np.vstack(
            [
                xy[[by_key[r["_key"]].domain == d for r in rows]]
                for xy, rows in ((p_xy, partners), (r_xy, rows_211))
            ]
        )
        for d in GAP_DOMAINS
    }
    duplicates = []
    for key in sorted(k for k in p_index if k in r_index):
        shift = float(np.hypot(*(p_xy[p_index[key]] - r_xy[r_index[key]])))
        if not 29.5 <= shift <= 80.5:
            raise AssertionError(f"duplicate {key} moved {shift:.1f} m")
        p, r = partners[p_index[key]], rows_211[r_index[key]]
        duplicates.append(
            {
                "partners_id": p["ID"],
                "record_id": r["record_id"],
                "domain": by_key[key].domain,
                "partners_name": p["Program Name"],
                "name_211": r["service_name"],
                "distance_m": round(shift, 1),
            }
        )
    if len(duplicates) != N_SHARED:
        raise AssertionError(f"{len(duplicates)} duplicates, expected {N_SHARED}")
    return {"clusters": clusters, "duplicates": duplicates, "gaps": gap_facts(units, by_domain)}


def gap_facts(units: Units, points: Mapping[str, np.ndarray]) -> list[dict[str, Any]]:
    """The planted gaps, with the distance from each centroid to the nearest asset."""
    res = units.residential.set_index("unit_id")
    facts = []
    for unit_id in units.gaps:
        row = res.loc[unit_id]
        centre = row.geometry.centroid
        nearest = {}
        for domain in GAP_DOMAINS:
            xy = points[domain]
            nearest[f"nearest_{domain}_from_centroid_m"] = round(
                float(np.hypot(xy[:, 0] - centre.x, xy[:, 1] - centre.y).min())
            )
        facts.append(
            {
                "unit_id": unit_id,
                "name": row["name"],
                "poverty_rate": round(float(row["B06012_002E"] / row["B06012_001E"]), 4),
                "population": int(row["population"]),
                **nearest,
            }
        )
    return facts


# ----------------------------------------------------------------------------- main


def main() -> int:
    check_wording(DOMAINS_YML)
    check_program_types()
    rng = np.random.default_rng(SEED)
    units = prepare_units(HERE / "units.geojson")

    factory = make_services(rng, units)
    services = factory.services
    assign_sources(rng, services)
    partners, rows_211 = build_rows(rng, units, services)
    if (len(partners), len(rows_211)) != (N_PARTNERS, N_211):
        raise AssertionError(f"{len(partners)} partner rows, {len(rows_211)} 211 rows")

    hx, hy, hospital_unit = hospital_point(units)
    employment = employment_rows(rng, units, hx, hy)
    purchasing = purchasing_rows(rng, units)
    spaces = space_rows(rng, units, hx, hy)
    facts = verify(units, services, partners, rows_211)

    small = [r for r in employment if r["employees"] < 11]
    if len(small) < 4 or not any(1 <= r["employees"] <= 3 for r in small):
        raise AssertionError("employment counts lack small cells")
    sectors = {r["Sector"] for r in partners}
    if sectors != set(SECTOR_WEIGHTS):
        raise AssertionError(f"sectors used: {sorted(sectors)}")

    write_csv(HERE / "assets_partners.csv", PARTNER_COLUMNS, partners)
    write_csv(HERE / "assets_211.csv", COLUMNS_211, rows_211)
    write_csv(
        HERE / "anchor_employment.csv", ["unit_id", "employees", "new_hires_2025"], employment
    )
    write_csv(HERE / "anchor_purchasing.csv", list(purchasing[0]), purchasing)
    write_csv(HERE / "anchor_space.csv", list(spaces[0]), spaces)
    hospital_lon, hospital_lat = lonlat(hx, hy)
    hospital = {
        "name": HOSPITAL_NAME,
        "latitude": f"{hospital_lat:.6f}",
        "longitude": f"{hospital_lon:.6f}",
        "beds": HOSPITAL_BEDS,
    }
    write_csv(HERE / "hospital.csv", list(hospital), [hospital])

    p_ids = {r["_key"]: r["ID"] for r in partners}
    churches = []
    for number in range(1, len(CHURCHES) + 1):
        members = [s for s in services if s.role == f"church-{number}"]
        churches.append(
            {
                "organization": members[0].org.name,
                "address": members[0].address,
                "ids": [p_ids[s.key] for s in members],
                "programs": {p_ids[s.key]: s.domain for s in members},
            }
        )
    counts = pd.Series([s.domain for s in services]).value_counts()
    planted = {
        "synthetic": True,
        "seed": SEED,
        "note": "Everything in the asset, anchor and hospital files is fictional.",
        "residential_units": sorted(units.residential["unit_id"]),
        "gap_rule": {
            "domains": list(GAP_DOMAINS),
            "buffer_m": GAP_BUFFER_M,
            "selection": "top quartile of B06012_002E/B06012_001E among residential NTAs; "
            "greedily non-adjacent, then by rank",
        },
        "gaps": facts["gaps"],
        "clusters": facts["clusters"],
        "duplicates": facts["duplicates"],
        "same_building": churches,
        "services_by_domain": {d: int(counts.get(d, 0)) for d in DOMAIN_WEIGHTS},
        "rows": {"assets_partners.csv": len(partners), "assets_211.csv": len(rows_211)},
        "hospital": {
            "name": HOSPITAL_NAME,
            "unit_id": hospital_unit,
            "latitude": hospital_lat,
            "longitude": hospital_lon,
        },
        "employment_small_cells": sorted(r["unit_id"] for r in small),
    }
    (HERE / "planted.json").write_text(json.dumps(planted, indent=2) + "\n")

    print(
        f"{len(partners)} partner rows, {len(rows_211)} 211 rows, "
        f"{len(services)} distinct services, {len(facts['duplicates'])} in both files"
    )
    for gap in planted["gaps"]:
        print(f"  gap {gap['unit_id']} {gap['name']} (poverty {gap['poverty_rate']:.1%})")
    for cluster in facts["clusters"]:
        print(
            f"  cluster {cluster['cluster']}: {len(cluster['ids'])} {cluster['domain']} in "
            f"{cluster['unit_id']} within {cluster['max_pairwise_m']} m ({cluster['source']})"
        )
    print(
        f"  hospital in {hospital_unit}; {len(employment)} employment rows "
        f"({len(small)} below 11); {len(purchasing)} vendors; {len(spaces)} spaces"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
