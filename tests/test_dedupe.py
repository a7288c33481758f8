"""De-duplication quality on a labelled fixture, and the merged inventory's shape."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

import assetmap as am
from assetmap.dedupe import normalise_name
from tests.conftest import UTM, X0, Y0

# (name in source A, name in source B, domain, address A, address B, phone A, phone B)
TRUE_DUPLICATES = [
    (
        "St. Ann's Food Pantry",
        "Saint Anns Food Pantry",
        "food",
        "295 St Anns Ave",
        "295 Saint Anns Avenue",
        "(718) 555-0101",
        "718.555.0101",
    ),
    (
        "Mott Haven Community Center",
        "Mott Haven Comm. Ctr",
        "older_adults",
        "545 E 142nd St",
        "545 East 142nd Street",
        "(718) 555-0102",
        "",
    ),
    (
        "Grand Concourse Family Health Center",
        "GRAND CONCOURSE FAMILY HEALTH CTR",
        "primary_care",
        "1 Grand Concourse",
        "1 Grand Concourse",
        "",
        "718-555-0103",
    ),
    (
        "Hunts Point Legal Services, Inc.",
        "Hunts Point Legal Services",
        "legal_aid",
        "800 Hunts Point Ave",
        "800 Hunts Pt Ave",
        "718 555 0104",
        "(718)555-0104",
    ),
    (
        "Fordham Kids & Family Daycare",
        "Fordham Kids and Family Day Care",
        "childcare",
        "2500 Webster Ave",
        "2500 Webster Avenue",
        "",
        "",
    ),
    (
        "The Bridge Shelter",
        "Bridge Shelter",
        "housing",
        "10 Bridge Rd",
        "10 Bridge Road",
        "7185550106",
        "718-555-0106",
    ),
    (
        "Mt. Hope Recovery Services",
        "Mount Hope Recovery Svcs",
        "behavioral_health",
        "130 Mt Hope Pl",
        "130 Mount Hope Place",
        "",
        "(718) 555-0107",
    ),
    (
        "Soundview Job Training Center",
        "Soundview Job Training Ctr.",
        "employment",
        "1200 Soundview Ave",
        "",
        "718-555-0108",
        "718-555-0108",
    ),
    (
        "Parkchester Seniors Club",
        "Parkchester Senior's Club",
        "older_adults",
        "2000 E Tremont Ave",
        "2000 East Tremont Ave",
        "",
        "",
    ),
    (
        "Kingsbridge Heat Help",
        "Kingsbridge HEAT Help Program",
        "utilities",
        "3000 Kingsbridge Ave",
        "3000 Kingsbridge Ave",
        "718-555-0110",
        "",
    ),
    (
        "Belmont Safe Haven for Families",
        "Belmont Safe Haven Families",
        "safety",
        "600 E 187th St",
        "600 E. 187th St.",
        "",
        "718.555.0111",
    ),
    (
        "Tremont Rides to Care",
        "Tremont Rides-to-Care",
        "transportation",
        "1800 Tremont Ave",
        "1800 Tremont Avenue",
        "718-555-0112",
        "718-555-0112",
    ),
]

# Different services close together that must stay apart.
DISTINCT_NEIGHBOURS = [
    # two pantries in one church building: same address, same domain, different programmes
    (
        ("Holy Spirit Church Food Pantry", "food", "1940 University Ave", "718-555-0201"),
        ("Bethel Tuesday Soup Kitchen", "food", "1940 University Ave", "718-555-0202"),
    ),
    # one agency, two programmes, different domains, same building
    (
        ("BronxWorks Food Pantry", "food", "60 E Tremont Ave", "718-555-0203"),
        ("BronxWorks Housing Help", "housing", "60 E Tremont Ave", "718-555-0203"),
    ),
    # same street, different clinics
    (
        ("Morris Heights Health Center", "primary_care", "85 W Burnside Ave", "718-555-0204"),
        ("Burnside Family Dental Clinic", "primary_care", "91 W Burnside Ave", "718-555-0205"),
    ),
    (
        ("Highbridge Senior Center", "older_adults", "1181 Nelson Ave", "718-555-0206"),
        ("Highbridge Youth Center", "childcare", "1185 Nelson Ave", "718-555-0207"),
    ),
]


def labelled_fixture(seed: int = 11, copies: int = 5) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Assets from two sources with a true entity label per record."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    entity = 0
    for c in range(copies):
        for na, nb, dom, aa, ab, pa, pb in TRUE_DUPLICATES:
            x, y = X0 + rng.uniform(0, 20_000), Y0 + rng.uniform(0, 20_000)
            ang, dist = rng.uniform(0, 2 * np.pi), rng.uniform(30, 80)  # moved pin
            rows.append(("A", f"{na} #{c}" if c else na, dom, aa, pa, x, y))
            rows.append(
                (
                    "B",
                    f"{nb} #{c}" if c else nb,
                    dom,
                    ab,
                    pb,
                    x + dist * np.cos(ang),
                    y + dist * np.sin(ang),
                )
            )
            truth += [entity, entity]
            entity += 1
        for first, second in DISTINCT_NEIGHBOURS:
            x, y = X0 + rng.uniform(0, 20_000), Y0 + rng.uniform(0, 20_000)
            for k, (name, dom, addr, phone) in enumerate((first, second)):
                rows.append(
                    (
                        "A" if k == 0 else "B",
                        f"{name} #{c}" if c else name,
                        dom,
                        addr,
                        phone,
                        x + rng.uniform(-15, 15),
                        y + rng.uniform(-15, 15),
                    )
                )
                truth.append(entity)
                entity += 1
    df = pd.DataFrame(rows, columns=["source", "name", "domain", "address", "phone", "x", "y"])
    gdf = gpd.GeoDataFrame(
        df.drop(columns=["x", "y"]),
        geometry=[Point(x, y) for x, y in zip(df.x, df.y, strict=True)],
        crs=UTM,
    ).to_crs("EPSG:4326")
    gdf["asset_id"] = [f"{s}:{i}" for i, s in enumerate(gdf["source"])]
    for col in ("sector", "org", "website", "hours", "source_id", "last_verified"):
        gdf[col] = ""
    gdf["capacity"] = np.nan
    gdf["outside_region"] = False
    return gdf, pd.Series(truth, index=gdf["asset_id"])


def pair_scores(clusters: pd.DataFrame, truth: pd.Series) -> tuple[float, float]:
    pred = clusters.set_index("asset_id")["cluster_id"]

    def pairs(labels: pd.Series) -> set[tuple[str, str]]:
        out = set()
        for _, members in labels.groupby(labels):
            out |= set(itertools.combinations(sorted(members.index), 2))
        return out

    p, t = pairs(pred), pairs(truth)
    tp = len(p & t)
    return tp / len(p) if p else 1.0, tp / len(t)


def test_precision_and_recall_at_default_threshold():
    assets, truth = labelled_fixture()
    res = am.dedupe(assets)
    precision, recall = pair_scores(res.clusters, truth)
    print(f"dedupe precision={precision:.3f} recall={recall:.3f}")
    assert precision >= 0.95
    assert recall >= 0.95
    assert len(res.merged) == truth.nunique()


def test_merged_keeps_best_fields_and_lists_sources():
    assets, _ = labelled_fixture(copies=1)
    res = am.dedupe(assets)
    row = res.merged[res.merged["name"].str.contains("Grand Concourse", case=False)].iloc[0]
    assert row["n_records"] == 2
    assert row["phone"] == "718-555-0103"  # filled from the record that had it
    assert set(row["source"].split(";")) == {"A", "B"}
    assert len(row["source_id"].split(";")) == 2
    # church building: two records, two services
    church = res.merged[res.merged["address"] == "1940 University Ave"]
    assert len(church) == 2


def test_cluster_ids_are_stable_and_shared():
    assets, _ = labelled_fixture(copies=1)
    a = am.dedupe(assets).clusters
    b = am.dedupe(assets.iloc[::-1]).clusters
    pd.testing.assert_series_equal(
        a.set_index("asset_id")["cluster_id"].sort_index(),
        b.set_index("asset_id")["cluster_id"].sort_index(),
    )


def test_review_band_and_blocking():
    assets, _ = labelled_fixture(copies=1)
    res = am.dedupe(assets, max_distance_m=150)
    assert (res.pairs["distance_m"] <= 150).all()
    assert set(res.pairs["decision"]) <= {"match", "review", "distinct"}
    assert res.review["score"].between(0.65, 0.80).all()


def test_normalise_name():
    assert normalise_name("St. Ann's Comm. Ctr, Inc.") == normalise_name(
        "Saint Anns Community Center"
    )


def test_empty_input():
    res = am.dedupe(am.assets.empty_assets())
    assert len(res.merged) == 0 and len(res.clusters) == 0
