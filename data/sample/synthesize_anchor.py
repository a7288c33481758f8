"""Generate the SYNTHETIC anchor files that exercise ZIP codes, wage bands and investment.

Run from the repository root, after ``synthesize.py`` and ``build.py``::

    python data/sample/synthesize_anchor.py

Reads ``units.geojson`` (real), ``anchor_employment.csv``, ``hospital.csv`` and
``anchor_space.csv`` (synthetic, by ``synthesize.py``) and ``crosswalk_zcta_nta.csv``
(real, by ``build.py``), and writes, with ``numpy.random.default_rng(2025)``:

* ``anchor_employment_zip.csv``  the same employees as ``anchor_employment.csv`` as an HR
  system would export them: by home ZIP code and wage band, plus staff living outside
  the Bronx (other New York City ZIP codes and Westchester, which the crosswalk does
  not list);
* ``anchor_investment.csv``  place-based investments, placed by coordinates, by NTA code
  or by ZIP code;
* ``anchor_positions.csv``  open positions by site and job family.

Running it again rewrites byte-identical files. Everything written is fictional.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 2025

WAGE_BANDS = ("Under $45,000", "$45,000-$74,999", "$75,000-$119,999", "$120,000 and over")
HIRE_WEIGHT = np.array([2.0, 1.5, 1.0, 0.6])  # new hires skew to entry-level pay
#: Staff living outside the Bronx: New York City ZIP codes (in the crosswalk, outside the
#: region) and Westchester ones (not in the crosswalk: `unknown_zip: outside`).
OUTSIDE_ZIPS = {
    "10032": 60,
    "10033": 55,
    "10034": 70,
    "10040": 45,
    "11368": 30,
    "11372": 25,
    "10701": 40,
    "10704": 35,
    "10705": 50,
    "10550": 40,
    "10552": 25,
}
INVESTMENT_TYPES = {
    "affordable housing": (1_500_000, 0.6),
    "community development loan": (400_000, 0.7),
    "healthy food retail": (250_000, 0.5),
    "workforce training": (300_000, 0.5),
    "grant to community organisation": (80_000, 0.6),
}
#: (name, type); all fictional. The last two lie outside the Bronx.
INVESTMENTS = (
    ("Cedar Row Apartments", "affordable housing"),
    ("Harbor Light Senior Residences", "affordable housing"),
    ("Neighbourhood Small Business Loan Fund", "community development loan"),
    ("Corner Fresh Market", "healthy food retail"),
    ("Career Pathways Training Center", "workforce training"),
    ("Tenants Association Organising Grant", "grant to community organisation"),
    ("Youth Garden Grant", "grant to community organisation"),
    ("Cooperative Housing Loan Fund", "community development loan"),
    ("Family Housing Preservation", "affordable housing"),
    ("Community Food Hub", "healthy food retail"),
    ("Community Kitchen Grant", "grant to community organisation"),
    ("Home Repair Loan Program", "community development loan"),
    ("East Harlem Clinic Partnership Grant", "grant to community organisation"),
    ("Yonkers Training Annex", "workforce training"),
)
POSITIONS = (
    ("Main campus", "nursing", 48),
    ("Main campus", "environmental services", 14),
    ("Main campus", "patient care technicians", 22),
    ("Main campus", "food and nutrition services", 9),
    ("Main campus", "administrative and clerical", 17),
    ("Main campus", "information technology", 6),
    ("Soundview satellite clinic", "medical assistants", 5),
    ("Soundview satellite clinic", "community health workers", 4),
    ("Williamsbridge satellite clinic", "medical assistants", 3),
    ("Williamsbridge satellite clinic", "front desk", 2),
)


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def employment_by_zip(
    rng: np.random.Generator, employment: pd.DataFrame, crosswalk: pd.DataFrame, poverty: pd.Series
) -> list[dict[str, object]]:
    """Give each employee of an NTA a home ZIP (by residents), a wage band and hire status."""
    cw = crosswalk[crosswalk["unit_id"].ne("") & crosswalk["zcta"].eq(crosswalk["modzcta"])]
    people = []
    for r in employment.itertuples():
        zips = cw[cw["unit_id"] == r.unit_id]
        p_zip = zips["residents"].to_numpy(float)
        p_zip = p_zip / p_zip.sum()
        rate = float(poverty[r.unit_id])
        p_band = np.array([0.15 + 0.5 * rate, 0.35, 0.30 - 0.3 * rate, 0.20 - 0.2 * rate])
        p_band /= p_band.sum()
        n = int(r.employees)
        home = rng.choice(zips["zcta"].to_numpy(), size=n, p=p_zip)
        band = rng.choice(len(WAGE_BANDS), size=n, p=p_band)
        hire = np.zeros(n, dtype=int)
        k = int(r.new_hires_2025)
        if k:
            w = HIRE_WEIGHT[band] / HIRE_WEIGHT[band].sum()
            hire[rng.choice(n, size=k, replace=False, p=w)] = 1
        people += list(zip(home, band, hire, strict=True))
    for z, n in OUTSIDE_ZIPS.items():
        band = rng.choice(len(WAGE_BANDS), size=n, p=[0.2, 0.3, 0.3, 0.2])
        hire = rng.binomial(1, 0.12, size=n)
        people += [(z, b, h) for b, h in zip(band, hire, strict=True)]
    df = pd.DataFrame(people, columns=["zip", "band", "hire"])
    agg = df.groupby(["zip", "band"]).agg(employees=("hire", "size"), new_hires=("hire", "sum"))
    return [
        {
            "zip": z,
            "wage_band": WAGE_BANDS[int(b)],
            "employees": int(row.employees),
            "new_hires_2025": int(row.new_hires),
        }
        for (z, b), row in agg.iterrows()
    ]


def investments(
    rng: np.random.Generator, units: gpd.GeoDataFrame, crosswalk: pd.DataFrame
) -> list[dict[str, object]]:
    """14 investments; most in high-poverty NTAs near the hospital; three ways of placing."""
    res = units[units["population"] > 0]
    rate = res["B06012_002E"] / res["B06012_001E"]
    high = rate[rate >= rate.quantile(0.75)].index.tolist()
    others = rate[rate < rate.quantile(0.75)].index.tolist()
    rows = []
    for i, (name, kind) in enumerate(INVESTMENTS, start=1):
        median, sigma = INVESTMENT_TYPES[kind]
        amount = round(float(median * rng.lognormal(0, sigma)), -3)
        row: dict[str, object] = {
            "investment_id": f"INV-{i:02d}",
            "name": f"{name} (fictional)",
            "type": kind,
            "amount_usd": int(amount),
            "latitude": "",
            "longitude": "",
            "zip": "",
            "unit_id": "",
        }
        if "East Harlem" in name:
            row["zip"] = "10029"  # Manhattan: in the crosswalk, outside the region
        elif "Yonkers" in name:
            row["latitude"], row["longitude"] = "40.931200", "-73.898700"  # outside the units
        else:
            pool = high if rng.random() < 0.7 else others
            unit = str(pool[int(rng.integers(len(pool)))])
            how = i % 3
            if how == 0:
                row["unit_id"] = unit
            elif how == 1:
                zips = crosswalk[crosswalk["unit_id"] == unit].sort_values("residents")
                row["zip"] = str(zips["zcta"].iloc[-1])
            else:
                pt = units.loc[[unit]].to_crs(32618).geometry.representative_point().to_crs(4326)
                row["latitude"] = f"{pt.iloc[0].y:.6f}"
                row["longitude"] = f"{pt.iloc[0].x:.6f}"
        rows.append(row)
    return rows


def positions(hospital: pd.DataFrame, spaces: pd.DataFrame) -> list[dict[str, object]]:
    sites = {"Main campus": (hospital["latitude"].iloc[0], hospital["longitude"].iloc[0])}
    for label, word in (
        ("Soundview satellite clinic", "Soundview"),
        ("Williamsbridge satellite clinic", "Williamsbridge"),
    ):
        s = spaces[spaces["name"].str.contains(word)].iloc[0]
        sites[label] = (s["latitude"], s["longitude"])
    return [
        {
            "site": site,
            "job_family": family,
            "open_positions": n,
            "latitude": f"{float(sites[site][0]):.6f}",
            "longitude": f"{float(sites[site][1]):.6f}",
        }
        for site, family, n in POSITIONS
    ]


def main() -> int:
    rng = np.random.default_rng(SEED)
    units = gpd.read_file(HERE / "units.geojson").set_index("unit_id")
    employment = pd.read_csv(HERE / "anchor_employment.csv", dtype={"unit_id": str})
    crosswalk = pd.read_csv(
        HERE / "crosswalk_zcta_nta.csv", dtype={"zcta": str, "modzcta": str, "unit_id": str}
    ).fillna({"unit_id": ""})
    poverty = (units["B06012_002E"] / units["B06012_001E"]).fillna(0.0)
    hospital = pd.read_csv(HERE / "hospital.csv")
    spaces = pd.read_csv(HERE / "anchor_space.csv")

    by_zip = employment_by_zip(rng, employment, crosswalk, poverty)
    write_csv(HERE / "anchor_employment_zip.csv", by_zip)
    inv = investments(rng, units, crosswalk)
    write_csv(HERE / "anchor_investment.csv", inv)
    write_csv(HERE / "anchor_positions.csv", positions(hospital, spaces))

    n_emp = sum(int(r["employees"]) for r in by_zip)
    print(
        f"anchor_employment_zip.csv: {len(by_zip)} rows, {n_emp} employees "
        f"({sum(OUTSIDE_ZIPS.values())} outside the Bronx)"
    )
    print(f"anchor_investment.csv: {len(inv)} investments")
    print(f"anchor_positions.csv: {len(POSITIONS)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
