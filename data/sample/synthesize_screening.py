"""Generate the SYNTHETIC screening files of the sample: HRSN screening and referrals.

Run from the repository root, after ``synthesize.py`` and ``build.py``::

    python data/sample/synthesize_screening.py

Reads ``units.geojson`` (real), ``crosswalk_zcta_nta.csv`` (real), ``hospital.csv`` and
``assets_partners.csv`` (synthetic), and writes, with ``numpy.random.default_rng(2026)``:

* ``screening.csv``  health-related social needs screening as an EHR report exports it:
  one row per home ZIP code × domain (the five AHC domains, written as an EHR words them:
  "Food insecurity", "Housing instability", ...), patients screened and patients
  screening positive. Patients come mostly from ZIP codes near the hospital; positive
  rates rise with the share of residents in poverty. Two Manhattan ZIP codes (in the
  crosswalk, outside the Bronx) are included, as a real report would.
* ``screening_referrals.csv``  referrals sent, accepted and closed per partner
  organisation (the fictional organisations of ``assets_partners.csv``) × domain, some
  with small counts that the privacy rule hides.

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
SEED = 2026

#: Domain key → (word an EHR report uses, share screening positive at median poverty).
DOMAINS = {
    "food": ("Food insecurity", 0.22),
    "housing": ("Housing instability", 0.16),
    "transportation": ("Transportation needs", 0.10),
    "utilities": ("Utility help needs", 0.12),
    "safety": ("Interpersonal safety", 0.035),
}
OUTSIDE_ZIPS = ("10032", "10034")  # Washington Heights / Inwood: outside the region


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def screening_rows(
    rng: np.random.Generator,
    units: gpd.GeoDataFrame,
    crosswalk: pd.DataFrame,
    hospital: tuple[float, float],
) -> list[dict[str, object]]:
    """One row per home ZIP code × domain: patients screened and screening positive."""
    poverty = (units["B06012_002E"] / units["B06012_001E"]).fillna(0.0)
    cw = crosswalk[crosswalk["unit_id"].ne("")]
    zip_poverty = (cw["weight"] * cw["unit_id"].map(poverty)).groupby(cw["zcta"]).sum()
    zip_poverty = zip_poverty / cw.groupby("zcta")["weight"].sum()
    centres = units.to_crs(32618).geometry.centroid
    cw_xy = cw.assign(x=cw["unit_id"].map(centres.x), y=cw["unit_id"].map(centres.y))
    zx = (cw_xy["weight"] * cw_xy["x"]).groupby(cw_xy["zcta"]).sum() / cw.groupby("zcta")[
        "weight"
    ].sum()
    zy = (cw_xy["weight"] * cw_xy["y"]).groupby(cw_xy["zcta"]).sum() / cw.groupby("zcta")[
        "weight"
    ].sum()
    h = gpd.GeoSeries(gpd.points_from_xy([hospital[1]], [hospital[0]]), crs=4326).to_crs(32618)
    km = np.hypot(zx - h.x.iloc[0], zy - h.y.iloc[0]) / 1000.0
    rel = zip_poverty / zip_poverty.median()
    rows: list[dict[str, object]] = []
    zips = sorted(zip_poverty.index)
    for z in [*zips, *OUTSIDE_ZIPS]:
        inside = z in km.index
        mean = 1400.0 * np.exp(-float(km[z]) / 3.0) + 15.0 if inside else 60.0
        base = int(rng.poisson(mean))
        for word, share in DOMAINS.values():
            screened = max(0, base - int(rng.poisson(0.03 * base)))  # some skip a question
            p = share * (float(rel[z]) ** 1.3 if inside else 1.0) * rng.lognormal(0.0, 0.25)
            positive = int(rng.binomial(screened, min(p, 0.9)))
            rows.append(
                {
                    "Home ZIP": z,
                    "HRSN Domain": word,
                    "Patients Screened": screened,
                    "Screened Positive": positive,
                }
            )
    return rows


def referral_rows(rng: np.random.Generator, partners: pd.DataFrame) -> list[dict[str, object]]:
    """One row per partner organisation × domain: referrals sent, accepted and closed."""
    from assetmap.domains import DomainMatcher, load_domains

    matcher = DomainMatcher(load_domains())
    p = partners.assign(domain=partners["Service Type"].map(matcher.match))
    p = p[p["domain"].isin(list(DOMAINS))]
    orgs = p.drop_duplicates(["Organization", "domain"]).sort_values(["domain", "Organization"])
    rows: list[dict[str, object]] = []
    for org, key in zip(orgs["Organization"], orgs["domain"], strict=True):
        sent = int(rng.poisson(rng.choice([6.0, 90.0, 220.0], p=[0.2, 0.45, 0.35])))
        accepted = int(rng.binomial(sent, 0.82))
        closed = int(rng.binomial(accepted, rng.uniform(0.45, 0.8)))
        rows.append(
            {
                "Partner Organization": org,
                "Domain": DOMAINS[key][0],
                "Referrals Sent": sent,
                "Referrals Accepted": accepted,
                "Referrals Closed": closed,
            }
        )
    return rows


def main() -> int:
    rng = np.random.default_rng(SEED)
    units = gpd.read_file(HERE / "units.geojson").set_index("unit_id")
    crosswalk = pd.read_csv(
        HERE / "crosswalk_zcta_nta.csv", dtype={"zcta": str, "modzcta": str, "unit_id": str}
    ).fillna({"unit_id": ""})
    hospital = pd.read_csv(HERE / "hospital.csv")
    site = (float(hospital["latitude"].iloc[0]), float(hospital["longitude"].iloc[0]))
    partners = pd.read_csv(HERE / "assets_partners.csv", dtype=str)

    scr = screening_rows(rng, units, crosswalk, site)
    write_csv(HERE / "screening.csv", scr)
    refs = referral_rows(rng, partners)
    write_csv(HERE / "screening_referrals.csv", refs)
    n = sum(int(r["Patients Screened"]) for r in scr if r["HRSN Domain"] == "Food insecurity")
    print(f"screening.csv: {len(scr)} rows, about {n} patients screened")
    print(f"screening_referrals.csv: {len(refs)} partner × domain rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
