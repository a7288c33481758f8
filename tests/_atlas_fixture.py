"""Hand-built Atlases for map tests.

``tiny_atlas()``: 6 square units in the Bronx, 8 assets, 3 domains, an anchor hospital.
``tiny_atlas(hostile=True)`` fills some names, addresses, websites and source names with
strings that try to break out of HTML, JavaScript strings and template literals.
``hostile_atlas()``: one unit and one asset per string of :data:`tests.hostile.HOSTILE`,
with that string in every text field (asset name, organisation, address, phone, website,
hours, source; unit name; source names; a domain label; the hospital's name), so a
browser test can check each string in each place.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point, box

from assetmap.analysis.need import load_indicators, need_index
from assetmap.anchor.measures import measure_anchor
from assetmap.anchor.model import Anchor
from assetmap.atlas import Atlas
from assetmap.domains import load_domains

CRS = "EPSG:4326"
UTM = "EPSG:32618"
SIZE = 0.01  # degrees: units are about 840 m wide and 1,110 m tall

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT_END = "</script><script>alert(2)</script>"
XSS_ATTR = '"><script>alert(3)</script>'
XSS_JS_URL = "javascript:alert(4)"
XSS_TEMPLATE = "${alert(5)}`);alert(6);//"
ENTITY = "&lt;b&gt;entity&lt;/b&gt;"
RTL = "Clinic \u202eexe.evil\u202c done"
LONG_NAME = "Very long name " + "x" * (10_000 - len("Very long name "))

HOSTILE_STRINGS = (XSS_IMG, XSS_SCRIPT_END, XSS_ATTR, XSS_JS_URL, XSS_TEMPLATE, ENTITY)

# (name, domain, lon, lat, website)
_ASSETS = [
    ("Grand Concourse Food Pantry", "food", -73.9052, 40.8452, "https://example.org/pantry"),
    ("Tremont Community Fridge", "food", -73.8951, 40.8448, "http://fridge.example.org"),
    ("Fordham Soup Kitchen", "food", -73.9048, 40.8353, "www.soup.example.org"),
    ("Mott Haven Health Center", "primary_care", -73.8855, 40.8455, "https://example.org/mh"),
    ("Bronx Family Clinic", "primary_care", -73.8852, 40.8447, ""),
    ("Morris Ave Medical", "primary_care", -73.8849, 40.8451, "https://example.org/morris"),
    ("Crotona Shelter", "housing", -73.8948, 40.8355, "https://example.org/shelter"),
    ("Rent Help Drop-in", "housing", -73.9055, 40.8446, "mailto:help@example.org"),
]


def _units(hostile: bool) -> gpd.GeoDataFrame:
    """Six squares in two rows of three; five have residents, the park has none."""
    corners = [(x, y) for y in (40.84, 40.83) for x in (-73.91, -73.90, -73.89)]
    ids = [f"3600500010{i}" for i in range(1, 7)]
    names = ["Concourse", "Tremont", "Mott Haven", "Fordham", "Crotona Park", "Melrose"]
    if hostile:
        names[0] = XSS_SCRIPT_END
        names[1] = XSS_IMG
    population = [2400, 3100, 1800, 2700, 0, 2200]  # the park has no residents -> no need data
    geoms = [box(x, y, x + SIZE, y + SIZE) for x, y in corners]
    # Need order of the units (0 = least); every variable follows it so ranks are distinct.
    order = np.array([1, 2, 3, 0, 0, 4], dtype=float)
    return _with_need(ids, names, population, geoms, order)


def _with_need(ids, names, population, geoms, order) -> gpd.GeoDataFrame:
    """Units with ACS columns that rank them in ``order``, and their need index."""
    units = gpd.GeoDataFrame(
        {"name": names, "population": population},
        geometry=geoms,
        index=pd.Index(ids, name="unit_id"),
        crs=CRS,
    )
    ind = load_indicators()
    order = np.asarray(order, dtype=float)
    totals = {c for i in ind.indicators.values() for c in i.denominator}
    for i, code in enumerate(ind.variables):
        if code in totals:
            units[f"{code}E"] = 3000.0
        else:
            units[f"{code}E"] = np.round(3000 * (0.04 + 0.05 * order + 0.002 * (i % 5)))
        units[f"{code}M"] = 60.0
    return need_index(units, ind)


def _assets(hostile: bool, crowd: int) -> gpd.GeoDataFrame:
    rows = []
    for i, (name, domain, lon, lat, web) in enumerate(_ASSETS, start=1):
        rows.append(
            {
                "asset_id": f"A{i:02d}",
                "name": name,
                "domain": domain,
                "sector": "cbo",
                "org": "Bronx Partners Network",
                "address": f"{100 + i} Grand Concourse, Bronx, NY 10451",
                "phone": f"(718) 555-01{i:02d}",
                "website": web,
                "hours": "Mon-Fri 9-5",
                "capacity": float(50 * i),
                "source": "partners;211" if i % 3 == 0 else "partners",
                "source_id": str(i),
                "last_verified": "2024-05-01" if i % 2 else "",
                "outside_region": False,
                "geometry": Point(lon, lat),
            }
        )
    if hostile:
        rows[0].update(name=XSS_IMG, website=XSS_JS_URL, org=ENTITY)
        rows[1].update(name=XSS_SCRIPT_END, address=XSS_ATTR, website="JaVaScRiPt:alert(4)")
        rows[2].update(name=XSS_TEMPLATE, hours=XSS_TEMPLATE, phone=XSS_ATTR)
        rows[3].update(name=RTL, website='https://example.org/"onmouseover="alert(7)')
        rows[4].update(name=LONG_NAME, source=XSS_IMG + ";" + XSS_SCRIPT_END)
        rows[6].update(website=" data:text/html,<script>alert(8)</script>")
    for j in range(crowd):
        rows.append(
            {
                **rows[0],
                "asset_id": f"C{j:03d}",
                "name": f"Crowded pantry {j}",
                "geometry": Point(-73.905 + 0.0001 * (j % 30), 40.845 + 0.0001 * (j // 30)),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def _access(units: gpd.GeoDataFrame, assets: gpd.GeoDataFrame, domains: dict) -> pd.DataFrame:
    """Straight-line access with circuity 1.3 at 4.8 km/h, as the sample project uses."""
    cent = units.to_crs(UTM).geometry.centroid
    pts = assets.to_crs(UTM)
    rows = []
    for uid, c in cent.items():
        for key in sorted(set(assets["domain"])):
            sub = pts[pts["domain"] == key]
            d = sub.geometry.distance(c)
            j = d.idxmin()
            minutes = float(d[j]) * 1.3 / (4800 / 60)
            thr = domains[key].threshold_min
            rows.append(
                {
                    "unit_id": uid,
                    "domain": key,
                    "nearest_m": float(d[j]),
                    "nearest_min": minutes,
                    "nearest_asset_id": sub.loc[j, "asset_id"],
                    "nearest_name": sub.loc[j, "name"],
                    "count_within": int((d * 1.3 / 80 <= thr).sum()),
                    "fca_ratio": 1000 * float((d * 1.3 / 80 <= thr).sum()) / 2500,
                    "threshold_min": thr,
                }
            )
    return pd.DataFrame(rows)


def _gaps(units: gpd.GeoDataFrame, access: pd.DataFrame) -> pd.DataFrame:
    """Gaps as the project defines them: need >= 75th percentile, nearest beyond threshold."""
    need = units[["name", "population", "need_pct", "need_score"]]
    rows = access.merge(need, left_on="unit_id", right_index=True)
    rows = rows[(rows["need_pct"] >= 0.75) & (rows["nearest_min"] > rows["threshold_min"])]
    cols = ["unit_id", "name", "domain", "population", "need_pct", "need_score", "nearest_min"]
    cols += ["nearest_asset_id", "nearest_name", "threshold_min"]
    gaps = rows[cols].reset_index(drop=True)
    gaps["rank"] = gaps.groupby("domain")["need_pct"].rank(ascending=False, method="first")
    return gaps.astype({"rank": int, "population": int})


def _overlaps(units: gpd.GeoDataFrame, assets: gpd.GeoDataFrame, hostile: bool) -> gpd.GeoDataFrame:
    care = assets[assets["domain"] == "primary_care"]
    hull = care.to_crs(UTM).union_all().convex_hull.buffer(150)
    hull = gpd.GeoSeries([hull], crs=UTM).to_crs(CRS).iloc[0]
    over = units.index[2]
    names = ";".join(care["name"])
    return gpd.GeoDataFrame(
        {
            "overlap_id": ["O1", "O2"],
            "domain": ["primary_care", "primary_care"],
            "kind": ["cluster", "over_served"],
            "n_providers": [len(care), len(care)],
            "asset_ids": [";".join(care["asset_id"])] * 2,
            "names": [names, names],
            "unit_id": ["", over],
            "population": [np.nan, float(units.loc[over, "population"])],
            "note": [
                XSS_IMG if hostile else "3 primary care providers within 200 m of each other.",
                "Providers per resident far above what this unit's need suggests.",
            ],
        },
        geometry=[hull, units.geometry.loc[over]],
        crs=CRS,
    )


def _anchor(units: gpd.GeoDataFrame, hostile: bool) -> Anchor:
    name = XSS_IMG if hostile else "Synthetic Bronx Community Hospital (fictional)"
    hospital = gpd.GeoDataFrame(
        {"name": [name], "beds": [320]}, geometry=[Point(-73.8975, 40.8395)], crs=CRS
    )
    base = units[["name", "population", "geometry"]].reset_index()
    employment = base.assign(
        employees=[140.0, 85.0, np.nan, 33.0, 0.0, 21.0],
        employees_suppressed=[False, False, True, False, False, False],
        new_hires=[16.0, np.nan, np.nan, 12.0, 0.0, 0.0],
        new_hires_suppressed=[False, True, True, False, False, False],
    )
    purchasing = base.assign(spend_usd=[1_250_000.0, 310_000.0, 0.0, 95_500.0, np.nan, 40_000.0])
    purchasing["vendors"] = [12, 4, 0, 2, 0, 1]
    investment = base.assign(
        investment_usd=[0.0, 0.0, 850_000.0, 0.0, 0.0, 2_400_000.0],
        investments=[0, 0, 1, 0, 0, 2],
        types=["", "", "healthy food retail", "", "", "affordable housing"],
    )
    positions = gpd.GeoDataFrame(
        {
            "site": ["Main campus", "Melrose clinic"],
            "open_positions": [64, 6],
            "by_job_family": ["nursing 40; food services 24", "medical assistants 6"],
        },
        geometry=[Point(-73.8975, 40.8395), Point(-73.8855, 40.8342)],
        crs=CRS,
    )
    spaces = gpd.GeoDataFrame(
        {
            "space_id": ["S1", "S2"],
            "name": ["Auditorium" if not hostile else XSS_ATTR, "Parking lot B"],
            "space_type": ["meeting room", "parking"],
            "capacity": [120, 40],
            "accessible": [True, "no"],
            "availability": ["evenings and weekends", "Saturdays"],
            "hosts": ["housing; primary_care; legal_aid", "food"],
        },
        geometry=[Point(-73.8972, 40.8398), Point(-73.8965, 40.8390)],
        crs=CRS,
    )
    return Anchor(
        name=name,
        hospital=hospital,
        employment=gpd.GeoDataFrame(employment, geometry="geometry", crs=CRS),
        purchasing=gpd.GeoDataFrame(purchasing, geometry="geometry", crs=CRS),
        spaces=spaces,
        investment=gpd.GeoDataFrame(investment, geometry="geometry", crs=CRS),
        positions=positions,
        min_cell=11,
    )


def tiny_atlas(hostile: bool = False, *, crowd: int = 0) -> Atlas:
    """Build a small Bronx Atlas by hand.

    Parameters
    ----------
    hostile : bool, default False
        Put XSS, template-literal, entity, right-to-left and 10,000-character strings
        into names, addresses, websites, notes and source names.
    crowd : int, default 0
        Extra food assets piled near the first one (use > 50 to exercise clustering).
    """
    domains = load_domains()
    indicators = load_indicators()
    units = _units(hostile)
    assets = _assets(hostile, crowd)
    access = _access(units, assets, domains)
    gaps = _gaps(units, access)
    anchor = measure_anchor(_anchor(units, hostile), units, gaps)
    sources = [
        {
            "name": "American Community Survey 5-year estimates",
            "vintage": "2019–2023",
            "licence": "public domain",
            "note": "US Census Bureau",
        },
        {
            "name": XSS_SCRIPT_END if hostile else "Synthetic partner inventory",
            "vintage": "2024",
            "licence": "CC0",
            "note": "made up for tests",
        },
    ]
    return Atlas(
        name=(XSS_SCRIPT_END + XSS_TEMPLATE) if hostile else "Tiny Bronx test (synthetic assets)",
        units=units,
        assets=assets,
        access=access,
        gaps=gaps,
        overlaps=_overlaps(units, assets, hostile),
        domains=domains,
        indicators=indicators,
        anchor=anchor,
        synthetic=True,
        provenance={
            "sources": sources,
            "parameters": {
                "travel": {"mode": "straight", "walk_kmh": 4.8, "circuity": 1.3},
                "gaps": {"need_percentile": 75},
            },
            "assetmap_version": "0.1.0",
        },
    )


# --- every hostile string in every field ---------------------------------------------------


def hostile_atlas() -> Atlas:
    """One unit and one asset per hostile string, with the string in every text field."""
    from tests.hostile import HOSTILE, IMG, MARKUP, SCRIPT_END, SURROGATE

    n = len(HOSTILE)
    cols = 7
    size = 0.006
    corners = [(-73.93 + (i % cols) * size, 40.86 - (i // cols) * size) for i in range(n)]
    geoms = [box(x, y, x + size, y + size) for x, y in corners]
    ids = [f"H{i:03d}" for i in range(n)]
    population = [1000 + 37 * i for i in range(n)]
    units = _with_need(ids, list(HOSTILE), population, geoms, np.arange(n) % 9)
    domains = dict(load_domains())
    domains["food"] = dataclasses.replace(
        domains["food"], label=IMG + " food", colour="red;background:url(javascript:alert(1))"
    )
    keys = ["food", "housing", "primary_care", "not_a_domain"]
    rows = []
    for i, s in enumerate(HOSTILE):
        c = geoms[i].centroid
        rows.append(
            {
                "asset_id": f"HA{i:03d}",
                "name": s,
                "domain": keys[i % len(keys)],
                "sector": "cbo",
                "org": s,
                "address": s,
                "phone": s,
                "website": s,
                "hours": s,
                "capacity": float(i),
                "source": s,
                "source_id": str(i),
                "last_verified": s,
                "outside_region": False,
                "geometry": Point(c.x + 0.001, c.y + 0.001),
            }
        )
    rows.append(
        {
            **rows[0],
            "asset_id": "HLINK",
            "name": "Quoted link",
            "website": 'https://example.org/"onmouseover="alert(116)',
            "geometry": Point(geoms[0].centroid.x - 0.001, geoms[0].centroid.y - 0.001),
        }
    )
    assets = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    known = assets[assets["domain"].isin(domains)]
    access = _access(units, known, domains)
    gaps = _gaps(units, access)
    care = known[known["domain"] == "primary_care"]
    hull = care.to_crs(UTM).geometry.iloc[:2].union_all().convex_hull.buffer(150)
    overlaps = gpd.GeoDataFrame(
        {
            "overlap_id": ["O1"],
            "domain": ["primary_care"],
            "kind": ["cluster"],
            "n_providers": [2],
            "asset_ids": [";".join(care["asset_id"].iloc[:2])],
            "names": [";".join(care["name"].iloc[:2])],
            "unit_id": [""],
            "population": [np.nan],
            "note": [HOSTILE[3]],
        },
        geometry=[gpd.GeoSeries([hull], crs=UTM).to_crs(CRS).iloc[0]],
        crs=CRS,
    )
    anchor = _anchor(units.iloc[:6], hostile=True)
    anchor = measure_anchor(dataclasses.replace(anchor, name=SCRIPT_END), units, gaps)
    # plain text, not a table: the lone surrogate no table can hold goes here
    texts = (*HOSTILE, SURROGATE)
    sources = [{"name": s, "vintage": "2024", "licence": "CC0"} for s in texts]
    sources.insert(
        0,
        {
            "name": "American Community Survey 5-year estimates",
            "vintage": "2019–2023",
            "licence": "public domain",
        },
    )
    return Atlas(
        name="".join(MARKUP),
        units=units,
        assets=assets,
        access=access,
        gaps=gaps,
        overlaps=overlaps,
        domains=domains,
        indicators=load_indicators(),
        anchor=anchor,
        synthetic=True,
        provenance={
            "sources": sources,
            "parameters": {
                "travel": {"mode": "straight", "walk_kmh": 4.8, "circuity": 1.3},
                "gaps": {"need_percentile": 75},
            },
            "assetmap_version": "0.1.0",
        },
    )
