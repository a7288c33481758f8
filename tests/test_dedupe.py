"""De-duplication quality on a labelled fixture, and the merged inventory's shape.

The fixture is written by hand to be hard: true duplicates listed two or three times with
spelling variants, abbreviations ("St." / "Saint", "Ctr", "Svcs"), capitals, typos,
accents, word order, legal suffixes, fields missing on one side and pins moved 30-80 m;
and true distinct neighbours: two food programmes of one church (same address, phone and
organisation), three programmes of one community centre, sister sites of one chain on the
same block, clinics side by side. Each group sits in its own 1 km cell, five times over
with fresh pin moves.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

import assetmap as am
from assetmap.dedupe import normalise_name
from tests.conftest import UTM, X0, Y0

# One service listed by several sources: (domain, [(source, name, org, address, phone), ...])
TRUE_DUPLICATES = [
    ("food", [
        ("A", "St. Ann's Food Pantry", "St. Ann's Church", "295 St Anns Ave", "(718) 555-0101"),
        ("B", "Saint Anns Food Pantry", "", "295 Saint Anns Avenue", "718.555.0101"),
        ("C", "ST ANNS FOOD PANTRY", "", "", ""),
    ]),
    ("older_adults", [
        ("A", "Mott Haven Community Center", "", "545 E 142nd St", "(718) 555-0102"),
        ("B", "Mott Haven Comm. Ctr", "", "545 East 142nd Street", ""),
    ]),
    ("primary_care", [
        ("A", "Grand Concourse Family Health Center", "", "1 Grand Concourse", ""),
        ("B", "GRAND CONCOURSE FAMILY HEALTH CTR", "", "1 Grand Concourse", "718-555-0103"),
    ]),
    ("legal_aid", [
        ("A", "Hunts Point Legal Services, Inc.", "", "800 Hunts Point Ave", "718 555 0104"),
        ("B", "Hunts Point Legal Services", "", "800 Hunts Pt Ave", "(718)555-0104"),
    ]),
    ("childcare", [
        ("A", "Fordham Kids & Family Daycare", "", "2500 Webster Ave", ""),
        ("B", "Fordham Kids and Family Day Care", "", "2500 Webster Avenue", ""),
    ]),
    ("housing", [
        ("A", "The Bridge Shelter", "", "10 Bridge Rd", "7185550106"),
        ("B", "Bridge Shelter", "", "10 Bridge Road", "718-555-0106"),
    ]),
    ("behavioral_health", [
        ("A", "Mt. Hope Recovery Services", "", "130 Mt Hope Pl", ""),
        ("B", "Mount Hope Recovery Svcs", "", "130 Mount Hope Place", "(718) 555-0107"),
    ]),
    ("employment", [
        ("A", "Soundview Job Training Center", "", "1200 Soundview Ave", "718-555-0108"),
        ("B", "Soundview Job Training Ctr.", "", "", "718-555-0108"),
    ]),
    ("older_adults", [
        ("A", "Parkchester Seniors Club", "", "2000 E Tremont Ave", ""),
        ("B", "Parkchester Senior's Club", "", "2000 East Tremont Ave", ""),
    ]),
    ("utilities", [
        ("A", "Kingsbridge Heat Help", "", "3000 Kingsbridge Ave", "718-555-0110"),
        ("B", "Kingsbridge HEAT Help Program", "", "3000 Kingsbridge Ave", ""),
    ]),
    ("safety", [
        ("A", "Belmont Safe Haven for Families", "", "600 E 187th St", ""),
        ("B", "Belmont Safe Haven Families", "", "600 E. 187th St.", "718.555.0111"),
    ]),
    ("transportation", [
        ("A", "Tremont Rides to Care", "", "1800 Tremont Ave", "718-555-0112"),
        ("B", "Tremont Rides-to-Care", "", "1800 Tremont Avenue", "718-555-0112"),
    ]),
    # word order, and the organisation written out on one side
    ("food", [
        ("A", "Pantry at St. Luke's", "St. Luke's Episcopal Church", "623 E 138th St",
         "718-555-0113"),
        ("B", "St. Luke's Church Pantry", "St Lukes Episcopal Church", "623 East 138th Street",
         ""),
    ]),
    # organisation prefixed to the programme name on one side
    ("food", [
        ("A", "BronxWorks Jackson Avenue Pantry", "BronxWorks", "630 Jackson Ave",
         "646-555-0114"),
        ("B", "Jackson Ave Food Pantry", "BronxWorks Inc.", "630 Jackson Avenue",
         "(646) 555-0114"),
    ]),
    # a typo
    ("behavioral_health", [
        ("A", "Concourse Recovry Center", "", "1775 Grand Concourse", ""),
        ("B", "Concourse Recovery Center", "", "1775 Grand Concourse", "718-555-0115"),
    ]),
    # nothing but a name on either side
    ("food", [
        ("A", "Highbridge Community Fridge", "", "", ""),
        ("B", "Highbridge Comm Fridge", "", "", ""),
    ]),
    # an agency's long name against the programme's own ("311" is no phone number)
    ("primary_care", [
        ("A", "NYC Dept. of Health Tremont Neighborhood Health Action Center", "",
         "1826 Arthur Ave", "311"),
        ("B", "Tremont Neighborhood Health Action Center", "Department of Health",
         "1826 Arthur Avenue", ""),
    ]),
    ("legal_aid", [
        ("A", "Legal Aid Society - Bronx Neighborhood Office", "", "260 E 161st St",
         "718-555-0117"),
        ("B", "The Legal Aid Society Bronx Office", "", "260 East 161st Street",
         "718-555-0117"),
    ]),
    ("older_adults", [
        ("A", "Morrisania Center for Older Adults", "", "1175 Morris Ave", ""),
        ("B", "MORRISANIA CTR FOR OLDER ADULTS", "", "1175 Morris Av", "718-555-0118"),
        ("C", "Morrisania Ctr. for Older Adults", "", "", ""),
    ]),
    # accents
    ("safety", [
        ("A", "Casa Atabex Aché", "", "471 E 140th St", "718-555-0119"),
        ("B", "CASA ATABEX ACHE INC", "", "471 E 140 St", ""),
        ("C", "Casa Atabex Ache", "", "", "718 555 0119"),
    ]),
    ("childcare", [
        ("A", "Bronx Parent Resource Center", "", "1 Fordham Plaza", "718-555-0120"),
        ("B", "Parent Resource Ctr (Bronx)", "", "1 Fordham Plz", "718-555-0120"),
    ]),
    ("housing", [
        ("A", "Mount Eden Rental Assistance Program", "", "30 Mt Eden Pkwy", ""),
        ("B", "Mt Eden Rental Assistance", "", "30 Mount Eden Parkway", "718-555-0121"),
    ]),
    ("employment", [
        ("A", "Workforce1 Career Center - Bronx", "NYC Small Business Services",
         "400 E Fordham Rd", "718-555-0122"),
        ("B", "Workforce1 Bronx Career Ctr", "", "400 East Fordham Road", ""),
    ]),
    ("transportation", [
        ("A", "Access-A-Ride Eligibility Office", "", "2 Metrotech", ""),
        ("B", "Access A Ride Eligibility Ofc", "", "", "718-555-0123"),
    ]),
]  # fmt: skip

# Different services side by side: (metres apart, [(source, name, org, domain, address, phone)])
DISTINCT_NEIGHBOURS = [
    # two pantries in one church building: same address, same domain, different programmes
    (5, [
        ("A", "Holy Spirit Church Food Pantry", "Holy Spirit Church", "food",
         "1940 University Ave", "718-555-0201"),
        ("B", "Bethel Tuesday Soup Kitchen", "Bethel Church", "food", "1940 University Ave",
         "718-555-0202"),
    ]),
    # one church, two food programmes: same address, phone and organisation
    (5, [
        ("A", "St. Jerome's Food Pantry", "St. Jerome's Church", "food", "230 Alexander Ave",
         "718-555-0203"),
        ("B", "St. Jerome's Soup Kitchen", "St. Jerome's Church", "food", "230 Alexander Ave",
         "718-555-0203"),
    ]),
    # one agency, two programmes, different domains, same building
    (5, [
        ("A", "BronxWorks Food Pantry", "BronxWorks", "food", "60 E Tremont Ave",
         "718-555-0204"),
        ("B", "BronxWorks Housing Help", "BronxWorks", "housing", "60 E Tremont Ave",
         "718-555-0204"),
    ]),
    # three programmes of one community centre
    (5, [
        ("A", "Kelly Street Senior Lunch Program", "Kelly Street Center", "older_adults",
         "940 Kelly St", "718-555-0205"),
        ("B", "Kelly Street Youth Program", "Kelly Street Center", "childcare", "940 Kelly St",
         "718-555-0205"),
        ("C", "Kelly Street Food Pantry", "Kelly Street Center", "food", "940 Kelly St",
         "718-555-0205"),
    ]),
    (5, [
        ("A", "Casita Maria Food Pantry", "Casita Maria", "food", "928 Simpson St",
         "718-555-0206"),
        ("B", "Casita Maria Community Fridge", "Casita Maria", "food", "928 Simpson St", ""),
    ]),
    # same street, different clinics
    (60, [
        ("A", "Morris Heights Health Center", "", "primary_care", "85 W Burnside Ave",
         "718-555-0207"),
        ("B", "Burnside Family Dental Clinic", "", "primary_care", "91 W Burnside Ave",
         "718-555-0208"),
    ]),
    (5, [
        ("A", "Tremont Pediatrics", "", "primary_care", "1200 E Tremont Ave", "718-555-0209"),
        ("B", "Tremont Women's Health", "", "primary_care", "1200 E Tremont Ave",
         "718-555-0210"),
    ]),
    (40, [
        ("A", "Highbridge Senior Center", "", "older_adults", "1181 Nelson Ave",
         "718-555-0211"),
        ("B", "Highbridge Youth Center", "", "childcare", "1185 Nelson Ave", "718-555-0212"),
    ]),
    (5, [
        ("A", "Mott Haven Senior Center", "", "older_adults", "280 E 141st St", ""),
        ("B", "Mott Haven Teen Center", "", "childcare", "280 E 141st St", ""),
    ]),
    # sister sites of one chain on the same block
    (100, [
        ("A", "Acacia Network Shelter - Walton", "Acacia Network", "housing",
         "1520 Walton Ave", "718-555-0213"),
        ("B", "Acacia Network Shelter - Morris", "Acacia Network", "housing",
         "1530 Morris Ave", "718-555-0214"),
    ]),
]  # fmt: skip

COLUMNS = ["source", "name", "org", "domain", "address", "phone"]


def labelled_fixture(seed: int = 11, copies: int = 5) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Assets from up to three sources with a true service label per record."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    cells = itertools.count()
    entity = 0

    def base() -> tuple[float, float]:
        k = next(cells)
        return X0 + (k % 20) * 1000 + 500, Y0 + (k // 20) * 1000 + 500

    for _ in range(copies):
        for domain, records in TRUE_DUPLICATES:
            x, y = base()
            for k, (src, name, org, addr, phone) in enumerate(records):
                ang, dist = rng.uniform(0, 2 * np.pi), (rng.uniform(30, 80) if k else 0.0)
                rows.append((src, name, org, domain, addr, phone, x + dist * np.cos(ang),
                             y + dist * np.sin(ang)))  # fmt: skip
                truth.append(entity)
            entity += 1
        for apart, records in DISTINCT_NEIGHBOURS:
            x, y = base()
            for k, record in enumerate(records):
                ang = rng.uniform(0, 2 * np.pi)
                dist = apart * k if apart > 5 else rng.uniform(0, apart)
                rows.append((*record, x + dist * np.cos(ang), y + dist * np.sin(ang)))
                truth.append(entity)
                entity += 1
    df = pd.DataFrame(rows, columns=[*COLUMNS, "x", "y"])
    gdf = gpd.GeoDataFrame(
        df.drop(columns=["x", "y"]),
        geometry=[Point(x, y) for x, y in zip(df.x, df.y, strict=True)],
        crs=UTM,
    ).to_crs("EPSG:4326")
    gdf["asset_id"] = [f"{s}:{i}" for i, s in enumerate(gdf["source"])]
    for col in ("sector", "website", "hours", "source_id", "last_verified"):
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


def test_each_hard_case_decided_right():
    assets, truth = labelled_fixture(copies=1)
    res = am.dedupe(assets)
    pred = res.clusters.set_index("asset_id")["cluster_id"]
    names = assets.set_index("asset_id")["name"]
    for _, members in truth.groupby(truth):
        ids = members.index
        assert pred[ids].nunique() == 1, list(names[ids])  # one service: merged
    for _, members in pred.groupby(pred):
        ids = members.index
        assert truth[ids].nunique() == 1, list(names[ids])  # nothing else merged in


def test_neighbours_in_one_building_stay_apart_but_are_reviewed():
    assets, _ = labelled_fixture(copies=1)
    res = am.dedupe(assets)
    names = assets.set_index("asset_id")["name"]
    pairs = res.pairs.assign(
        a=names[res.pairs["asset_id_a"]].to_numpy(), b=names[res.pairs["asset_id_b"]].to_numpy()
    )
    jerome = pairs[pairs["a"].str.startswith("St. Jerome") & pairs["b"].str.startswith("St. J")]
    assert jerome["decision"].tolist() == ["review"]  # one church, two programmes
    assert jerome["address_sim"].iloc[0] == 1.0 and jerome["phone_match"].iloc[0] == 1.0


def test_merged_keeps_best_fields_and_lists_sources():
    assets, _ = labelled_fixture(copies=1)
    res = am.dedupe(assets)
    row = res.merged[res.merged["name"].str.contains("Grand Concourse", case=False)].iloc[0]
    assert row["n_records"] == 2
    assert row["phone"] == "718-555-0103"  # filled from the record that had it
    assert set(row["source"].split(";")) == {"A", "B"}
    assert len(row["source_id"].split(";")) == 2
    ann = res.merged[res.merged["name"].str.contains("Ann", case=False)].iloc[0]
    assert (ann["n_records"], ann["source"]) == (3, "A;B;C")
    assert ann["name"] == "St. Ann's Food Pantry"  # the best-filled record leads
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
    # the review band, and pairs scoring above it that a rule kept apart (with its reason)
    band = res.review["score"].between(0.65, 0.80)
    assert (band | (res.review["score"] >= 0.80) & (res.review["reason"] != "")).all()
    assert res.pairs["score"].dropna().is_monotonic_decreasing
    assert set(res.timings) == {"features", "blocking", "scoring", "clustering", "merging"}


def _reference_scores(assets: gpd.GeoDataFrame, res: am.DedupeResult) -> pd.Series:
    """Score every candidate pair one at a time, straight from the documented formula."""
    from rapidfuzz import fuzz

    from assetmap.dedupe import conflicting_service_words, house_number

    a = assets.set_index("asset_id")
    p = res.params
    w_name, w_addr, w_phone, w_dist = 0.6, 0.15, 0.15, 0.10
    xy = a.geometry.to_crs(UTM)
    out = {}
    for ia, ib in zip(res.pairs["asset_id_a"], res.pairs["asset_id_b"], strict=True):
        ra, rb = a.loc[ia], a.loc[ib]
        na, nb = normalise_name(ra["name"]), normalise_name(rb["name"])
        s = fuzz.token_set_ratio(na, nb) / 100
        oa, ob = normalise_name(ra["org"]), normalise_name(rb["org"])
        if oa and ob:
            s = max(s, 0.5 * s + 0.5 * fuzz.token_set_ratio(oa, ob) / 100)
        if conflicting_service_words(na, nb):
            s *= p["conflict_penalty"]
        num, den = w_name * s, w_name
        aa, ab = normalise_name(ra["address"]), normalise_name(rb["address"])
        if aa and ab:
            sa = fuzz.token_sort_ratio(aa, ab) / 100
            if house_number(aa) and house_number(ab) and house_number(aa) != house_number(ab):
                sa = 0.0
            num, den = num + w_addr * sa, den + w_addr
        pa, pb = (
            "".join(filter(str.isdigit, ra["phone"])),
            "".join(filter(str.isdigit, rb["phone"])),
        )
        if len(pa) >= 7 and len(pb) >= 7:
            num, den = num + w_phone * (pa[-10:] == pb[-10:]), den + w_phone
        d = xy[ia].distance(xy[ib])
        num, den = num + w_dist * max(0.0, 1 - d / p["max_distance_m"]), den + w_dist
        out[(ia, ib)] = num / den  # the domain no longer scales the score: it decides
    return pd.Series(out)


def test_vectorised_scores_equal_the_pair_by_pair_formula():
    assets, _ = labelled_fixture(copies=1)
    res = am.dedupe(assets)
    ref = _reference_scores(assets, res)
    got = res.pairs.set_index(["asset_id_a", "asset_id_b"])["score"]
    scored = got.notna()
    assert scored.sum() >= 0.5 * len(got)
    np.testing.assert_allclose(got[scored], ref[got.index[scored]], rtol=1e-6)
    # pairs left unscored could not have reached the review band (the threshold for a pair
    # of different domains, which only goes to review from there)
    same = res.pairs.set_index(["asset_id_a", "asset_id_b"])["same_domain"]
    bar = np.where(same, res.params["review_low"], res.params["threshold"])
    assert (ref[got.index].to_numpy()[~scored] < bar[~scored.to_numpy()]).all()
    assert (res.pairs.loc[res.pairs["score"].isna(), "decision"] == "distinct").all()


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        ("st jeromes food pantry", "st jeromes soup kitchen", True),
        ("mott haven senior ctr", "mott haven teen ctr", True),
        ("jackson ave food pantry", "bronxworks jackson ave pantry", False),  # shares "pantry"
        ("concourse recovry ctr", "concourse recovery ctr", False),  # one side has none
        ("parkchester seniors club", "parkchester senior club", False),  # plural
        ("tremont pediatrics", "tremont womens hlth", False),
    ],
)
def test_conflicting_service_words(a, b, conflict):
    from assetmap.dedupe import conflicting_service_words

    assert conflicting_service_words(a, b) is conflict


def test_normalise_name():
    assert normalise_name("St. Ann's Comm. Ctr, Inc.") == normalise_name(
        "Saint Anns Community Center"
    )
    assert normalise_name("Casa Atabex Aché") == normalise_name("CASA ATABEX ACHE")
    assert normalise_name("30 Mt Eden Pkwy") == normalise_name("30 Mount Eden Parkway")


def test_empty_input():
    res = am.dedupe(am.assets.empty_assets())
    assert len(res.merged) == 0 and len(res.clusters) == 0


# --- the hard cases of issue 12 -------------------------------------------------------


def _records(*rows: tuple[str, str, str, str, str, float, float]) -> gpd.GeoDataFrame:
    """Assets from ``(name, org, domain, address, phone, east_m, north_m)`` rows."""
    df = pd.DataFrame(rows, columns=["name", "org", "domain", "address", "phone", "x", "y"])
    gdf = gpd.GeoDataFrame(
        df.drop(columns=["x", "y"]),
        geometry=gpd.points_from_xy(X0 + df["x"], Y0 + df["y"]),
        crs=UTM,
    ).to_crs("EPSG:4326")
    gdf["asset_id"] = [f"r{k}" for k in range(len(gdf))]
    gdf["source"] = [("partners", "211", "osm", "partners")[k % 4] for k in range(len(gdf))]
    for col in ("sector", "website", "hours", "source_id", "last_verified"):
        gdf[col] = ""
    gdf["capacity"] = np.nan
    gdf["outside_region"] = False
    return gdf


def _pair(res: am.DedupeResult, a: str = "r0", b: str = "r1") -> pd.Series:
    p = res.pairs
    hit = p[((p["asset_id_a"] == a) & (p["asset_id_b"] == b))
            | ((p["asset_id_a"] == b) & (p["asset_id_b"] == a))]  # fmt: skip
    assert len(hit) == 1, hit
    return hit.iloc[0]


# distance term of a pair 10 m apart at the default 150 m: 0.1 * (1 - 10/150)
NEAR_10 = 0.1 * (1 - 10 / 150)


def test_two_programmes_of_one_organisation_at_one_address_stay_apart():
    # "grace senior ctr" / "grace senior meals": token_set = ratio("grace senior",
    # "grace senior ctr") = 2*12/(12+16) = 6/7; one organisation lifts it to
    # 0.5*6/7 + 0.5 = 13/14; address and phone agree: 0.6*13/14 + 0.15 + 0.15 + NEAR_10
    res = am.dedupe(_records(
        ("Grace Senior Center", "Grace Church", "older_adults", "12 Boston Road",
         "718-555-0300", 0.0, 0.0),
        ("Grace Senior Meals", "Grace Church", "older_adults", "12 Boston Road",
         "(718) 555-0300", 10.0, 0.0),
    ))  # fmt: skip
    pair = _pair(res)
    assert pair["score"] == pytest.approx(0.6 * 13 / 14 + 0.3 + NEAR_10, abs=1e-4)  # 0.9505
    assert (pair["decision"], pair["reason"]) == ("review", "different programmes")
    assert len(res.merged) == 2
    # "maple hlth ctr" / "maple medical clinic": token_set = 2*9/(14+20) = 9/17 (the
    # sorted strings share "maple " and three letters); one organisation: 13/17
    res = am.dedupe(_records(
        ("Maple Health Center", "Maple Community Services", "primary_care", "40 Jerome Ave",
         "718-555-0301", 0.0, 0.0),
        ("Maple Medical Clinic", "Maple Community Services", "primary_care", "40 Jerome Avenue",
         "718-555-0301", 10.0, 0.0),
    ))  # fmt: skip
    pair = _pair(res)
    assert pair["score"] == pytest.approx(0.6 * 13 / 17 + 0.3 + NEAR_10, abs=1e-4)  # 0.8522
    assert (pair["decision"], pair["reason"]) == ("review", "different programmes")


def test_one_programme_written_two_ways_still_merges():
    res = am.dedupe(_records(
        ("Grace Senior Center", "Grace Church", "older_adults", "12 Boston Road",
         "718-555-0300", 0.0, 0.0),
        ("GRACE SR. CTR", "", "older_adults", "12 Boston Rd", "", 10.0, 0.0),
    ))  # fmt: skip
    pair = _pair(res)
    # the same normalised name and address, no phone on one side: (0.6 + 0.15 + NEAR_10)
    # over the weights given (0.6 + 0.15 + 0.1)
    assert pair["score"] == pytest.approx((0.75 + NEAR_10) / 0.85, abs=1e-4)  # 0.9922
    assert (pair["decision"], pair["reason"]) == ("match", "")
    assert len(res.merged) == 1


def test_branches_of_a_chain_are_not_duplicates():
    # same name, organisation and phone, different house numbers 60 m apart: address 0,
    # so 0.6 + 0 + 0.15 + 0.1 * (1 - 60/150) = 0.81, above the threshold, kept apart
    res = am.dedupe(_records(
        ("Harbor Family Health Center", "Harbor Health", "primary_care", "100 Webster Ave",
         "718-555-0310", 0.0, 0.0),
        ("Harbor Family Health Center", "Harbor Health", "primary_care", "160 Webster Ave",
         "718-555-0310", 60.0, 0.0),
    ))  # fmt: skip
    pair = _pair(res)
    assert pair["address_sim"] == 0.0
    assert pair["score"] == pytest.approx(0.81, abs=1e-4)
    assert (pair["decision"], pair["reason"]) == ("review", "different address")
    assert len(res.merged) == 2


def test_moved_pin_with_the_same_name_and_phone_merges():
    # 220 m apart, beyond the 150 m blocking: found through the shared phone, distance
    # term 0: (0.6 + 0.15 + 0.15 + 0) / 1 = 0.9
    rows = [
        ("Cedar Food Pantry", "", "food", "12 Boston Road", "718-555-0320", 0.0, 0.0),
        ("CEDAR FOOD PANTRY", "", "food", "12 Boston Rd", "(718) 555-0320", 220.0, 0.0),
        # another programme on the agency's switchboard, 200 m the other way
        ("Cedar Youth Center", "", "childcare", "90 Tremont Ave", "7185550320", -200.0, 0.0),
        # the same service without a phone, 220 m away: never compared
        ("Cedar Food Pantry", "", "food", "12 Boston Road", "", 0.0, 220.0),
    ]
    res = am.dedupe(_records(*rows))
    pair = _pair(res)
    assert pair["distance_m"] == pytest.approx(220.0, abs=0.5)
    assert pair["score"] == pytest.approx(0.9, abs=1e-4)
    assert pair["decision"] == "match"
    assert _pair(res, "r0", "r2")["decision"] == "distinct"
    ids = set(zip(res.pairs["asset_id_a"], res.pairs["asset_id_b"], strict=True))
    assert ids == {("r0", "r1"), ("r0", "r2")}  # r1-r2 420 m; r3 has no phone
    assert sorted(res.merged["n_records"]) == [1, 1, 2]
    # with moved_pin_m at the blocking distance nothing beyond 150 m is compared
    off = am.dedupe(_records(*rows), moved_pin_m=150)
    assert len(off.pairs) == 0 and len(off.merged) == 4


def test_one_service_filed_under_two_domains_goes_to_review():
    # identical but for the domain, 10 m apart: 0.6 + 0.15 + 0.15 + NEAR_10 = 0.99333
    res = am.dedupe(_records(
        ("Linden Community Fridge", "", "food", "5 Prospect Ave", "718-555-0330", 0.0, 0.0),
        ("Linden Community Fridge", "", "older_adults", "5 Prospect Ave", "718-555-0330",
         10.0, 0.0),
    ))  # fmt: skip
    pair = _pair(res)
    assert pair["score"] == pytest.approx(0.9 + NEAR_10, abs=1e-4)
    assert not pair["same_domain"]
    assert (pair["decision"], pair["reason"]) == ("review", "other domain")
    assert len(res.merged) == 2 and len(res.review) == 1


def test_precision_and_recall_per_hard_case():
    from tests._dedupe_cases import case_scores, make_cases

    assets, truth = make_cases(20)
    res = am.dedupe(assets)
    table = case_scores(truth, res)
    print(table.round(3).to_string())
    assert table.loc["overall", "precision"] >= 0.95
    assert table.loc["overall", "recall"] >= 0.95
    assert (table["precision"] >= 0.95).all(), table
    assert (table["recall"] >= 0.9).all(), table
    assert (table.drop("overall")["true_pairs"] > 0).all()


@pytest.mark.parametrize(
    ("a", "b", "org_a", "org_b", "different"),
    [
        ("maple hlth ctr", "maple medical clinic", "maple cmty svc", "maple cmty svc", True),
        ("grace senior ctr", "grace senior meals", "grace church", "", True),
        ("briarwood career ctr", "briarwood career closet", "", "", True),  # "ctr" ≠ "closet"
        # one name carries the other record's organisation: the same programme
        ("bronxworks jackson ave pantry", "jackson ave food pantry", "", "bronxworks", False),
        # another place, the same kind: the organisation is only A's, so it counts
        ("kenwood dental clinic", "oakwood dental clinic", "kenwood church", "", True),
        ("dunmore meal porgram", "dunmore meal prog", "", "", False),  # a typo of "program"
        ("clearwaterh ealth ctr", "clearwater hlth ctr", "", "", False),  # a space moved
        ("lakeview family hlth ctr", "lakeview family hlth", "", "", False),  # one word more
    ],
)
def test_different_programmes(a, b, org_a, org_b, different):
    from assetmap._dedupe_rules import different_programmes

    assert different_programmes(a, b, org_a, org_b) is different


def test_review_columns_are_the_contract_and_an_empty_atlas_writes_them():
    import assetmap as am
    from assetmap.dedupe import REVIEW_COLUMNS
    from tests._atlas_fixture import tiny_atlas

    review = am.load_sample().dedupe.review
    assert tuple(review.columns) == REVIEW_COLUMNS
    assert tuple(tiny_atlas().dedupe_review.columns) == REVIEW_COLUMNS


def test_a_dense_block_gives_bounded_pairs_in_a_compact_table():
    """3,000 services listed twice in one 200 m square: pairs bounded, duplicates found."""
    from assetmap._dedupe_blocks import pair_bound

    rng = np.random.default_rng(7)
    letters = np.array(list("bcdfghklmnprstvz"))
    words = sorted({"".join(w).title() for w in rng.choice(letters, size=(9000, 6))})
    names = [
        f"{a} {b} Community Center" for a, b in zip(words[:3000], words[3000:6000], strict=True)
    ]
    n = len(names)
    x, y = rng.uniform(0, 200, (2, n))
    dx, dy = rng.uniform(-20, 20, (2, n))
    first = [(m, "", "older_adults", "", f"718555{k:04d}", x[k], y[k]) for k, m in enumerate(names)]
    second = [
        (m.upper().replace("CENTER", "CTR"), "", "older_adults", "", f"(718) 555-{k:04d}",
         x[k] + dx[k], y[k] + dy[k])
        for k, m in enumerate(names)
    ]  # fmt: skip
    res = am.dedupe(_records(*first, *second))
    assert res.blocking["dense_tiles"] > 0
    assert len(res.pairs) <= pair_bound(2 * n, max_block=32, window=6)
    assert len(res.merged) == n and (res.merged["n_records"] == 2).all()
    # scores in float32, ids and decisions categorical: well under 48 bytes a pair
    assert res.pairs.memory_usage(deep=True).sum() < 48 * len(res.pairs)
    assert str(res.review["asset_id_a"].dtype) in ("str", "object")
