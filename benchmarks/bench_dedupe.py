"""How fast and how well ``am.dedupe`` merges a county-sized inventory.

Run from the repository root::

    python benchmarks/bench_dedupe.py            # 100,000 assets (about a minute in all)
    python benchmarks/bench_dedupe.py --n 20000  # smaller, quicker
    python benchmarks/bench_dedupe.py --side 15000  # the same 100,000 in a dense city

The inventory is synthetic and seeded: a 45 km x 45 km county (projected metres, UTM 18N
around the Bronx), services clustered around 400 neighbourhood centres of very different
sizes plus a scatter, ~10 % of the records being a second or third listing of a service
by another source (names with abbreviations, capitals, typos, legal suffixes; pins moved
5-80 m; address and phone written differently or missing), and 5 % of services sharing a
building with a different service (half of them another programme of the same
organisation, same phone: in another domain, or a second food programme). It prints:

* the time of ``am.dedupe`` on all of it (the target is < 30 s on two cores);
* where that time goes (blocking, scoring, clustering, merging);
* the scoring stage against the alternative a user would write (a Python loop over the
  candidate pairs calling rapidfuzz for each), on the same pairs, as a ratio;
* pairwise precision and recall against the known truth;
* precision and recall per hard case of record matching (``tests/_dedupe_cases.py``:
  exact and fuzzy duplicates, one service filed under two domains, two programmes of one
  organisation at one address, branches of a chain, pins moved 150-300 m), on
  ``--groups`` groups of each case.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import re
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from rapidfuzz import fuzz

import assetmap as am

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the labelled set of the hard cases lives with the tests

from tests._dedupe_cases import phone_variant, variant  # noqa: E402 (after the path)

dd = importlib.import_module("assetmap.dedupe")  # the module (am.dedupe is the function)

UTM = "EPSG:32618"
X0, Y0 = 575_000.0, 4_500_000.0
SIDE = 45_000.0

PLACES = [
    "Mott Haven",
    "Melrose",
    "Morrisania",
    "Hunts Point",
    "Longwood",
    "Soundview",
    "Parkchester",
    "Castle Hill",
    "Throgs Neck",
    "Co-op City",
    "Wakefield",
    "Williamsbridge",
    "Norwood",
    "Bedford Park",
    "Fordham",
    "Belmont",
    "Tremont",
    "Highbridge",
    "Concourse",
    "Mount Eden",
    "Mount Hope",
    "Claremont",
    "Crotona",
    "West Farms",
    "Van Nest",
    "Morris Park",
    "Pelham Bay",
    "Westchester Square",
    "Kingsbridge",
    "Riverdale",
    "Spuyten Duyvil",
    "Marble Hill",
    "University Heights",
    "Morris Heights",
    "Port Morris",
    "Clason Point",
    "Edenwald",
    "Baychester",
    "Allerton",
    "Olinville",
    "City Island",
    "Schuylerville",
    "Country Club",
    "Unionport",
    "Bronxdale",
    "Eastchester",
    "Woodlawn",
    "Fieldston",
    "Van Cortlandt",
    "Jerome Park",
    "Harding Park",
    "Laconia",
    "Pelham Gardens",
    "Castle Village",
    "Sedgwick",
    "Grand View",
    "Brook Hollow",
    "Cedar Knoll",
    "Maple Ridge",
    "Elm Crossing",
]
SAINTS = [
    "Ann",
    "Jerome",
    "Luke",
    "Mary",
    "Joseph",
    "Barnabas",
    "Augustine",
    "Brendan",
    "Simon",
    "Martin",
    "Paul",
    "Rita",
]
SURNAMES = [
    "Alvarez",
    "Baker",
    "Chen",
    "Diaz",
    "Edwards",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ibrahim",
    "Jackson",
    "Kim",
    "Lopez",
    "Murphy",
    "Nguyen",
    "Okafor",
    "Patel",
    "Quinn",
    "Rivera",
    "Santos",
    "Thompson",
    "Underwood",
    "Vasquez",
    "Washington",
    "Young",
]
STREETS = [
    "Grand Concourse",
    "Jerome Avenue",
    "Webster Avenue",
    "Third Avenue",
    "Boston Road",
    "Southern Boulevard",
    "Westchester Avenue",
    "White Plains Road",
    "Tremont Avenue",
    "Fordham Road",
    "Gun Hill Road",
    "Burnside Avenue",
    "University Avenue",
    "Prospect Avenue",
    "Castle Hill Avenue",
    "Allerton Avenue",
    "East 149th Street",
    "East 161st Street",
    "West 181st Street",
    "Morris Avenue",
    "Bainbridge Avenue",
]
TYPES = {
    "food": ["Food Pantry", "Soup Kitchen", "Community Fridge", "Food Bank", "Meal Program"],
    "housing": ["Shelter", "Housing Services", "Rental Assistance", "Drop-In Center"],
    "transportation": ["Rides to Care", "Transit Help Desk", "Medical Transportation"],
    "utilities": ["Energy Assistance", "HEAP Help", "Utility Bill Help"],
    "safety": ["Family Justice Center", "Domestic Violence Services", "Crisis Center"],
    "primary_care": ["Family Health Center", "Community Health Center", "Medical Clinic"],
    "behavioral_health": ["Counseling Center", "Mental Health Clinic", "Recovery Services"],
    "legal_aid": ["Legal Services", "Tenant Legal Help", "Immigration Legal Clinic"],
    "employment": ["Job Training Center", "Workforce Center", "Career Center"],
    "childcare": ["Day Care", "Head Start", "Early Learning Center"],
    "older_adults": ["Senior Center", "Older Adult Center", "Senior Lunch Club"],
}
DOMAINS = list(TYPES)
_ORG_SUFFIX = r" (Church|Community Partners|Neighborhood Association|Foundation)$"
ABBREV = [
    (r"\bSaint\b", "St."),
    (r"\bSt\.", "Saint"),
    (r"\bCenter\b", "Ctr"),
    (r"\bCommunity\b", "Comm."),
    (r"\bServices\b", "Svcs"),
    (r"\band\b", "&"),
    (r"\bMount\b", "Mt."),
    (r"\bAvenue\b", "Ave"),
    (r"\bEast\b", "E"),
    (r"\bStreet\b", "St"),
    (r"\bBoulevard\b", "Blvd"),
    (r"\bRoad\b", "Rd"),
]


def _name(rng: np.random.Generator, domain: str) -> tuple[str, str]:
    kind = rng.choice(TYPES[domain])
    place = rng.choice(PLACES)
    style = rng.integers(0, 5)
    if style == 0:
        org = f"Saint {rng.choice(SAINTS)} Church"
        return f"{org.replace(' Church', '')} {kind}", org
    if style == 1:
        org = f"{rng.choice(SURNAMES)} Community Partners"
        return f"{org.split()[0]} {place} {kind}", org
    if style == 2:
        org = f"{place} Neighborhood Association"
        return f"{place} {kind}", org
    if style == 3:
        sur = rng.choice(SURNAMES)
        return f"{sur} {kind} of {place}", f"{sur} Foundation"
    return f"{place} {rng.choice(SURNAMES)} {kind}", ""


def make_assets(
    n: int = 100_000, seed: int = 7, side: float = SIDE
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Synthetic inventory of ``n`` records in a ``side`` x ``side`` m square, and the truth."""
    rng = np.random.default_rng(seed)
    n_dup = int(0.10 * n)  # extra listings of services already listed once
    n_ent = n - n_dup
    scale = side / SIDE  # a smaller side packs the same services tighter
    centres = rng.uniform(0, side, size=(400, 2))
    weight = rng.lognormal(0, 1.0, size=400)
    spread = rng.uniform(250, 1500, size=400) * scale
    which = rng.choice(400, size=n_ent, p=weight / weight.sum())
    xy = centres[which] + rng.normal(size=(n_ent, 2)) * spread[which, None]
    scatter = rng.random(n_ent) < 0.1
    xy[scatter] = rng.uniform(0, side, size=(scatter.sum(), 2))
    # 5 % share a building with the previous service (distinct neighbours)
    share = np.flatnonzero(rng.random(n_ent) < 0.05)
    share = share[share > 0]
    xy[share] = xy[share - 1] + rng.normal(scale=4, size=(len(share), 2))
    domains = rng.choice(DOMAINS, size=n_ent)
    names, orgs, addrs, phones = [], [], [], []
    for i in range(n_ent):
        nm, org = _name(rng, str(domains[i]))
        names.append(nm)
        orgs.append(org)
        addrs.append(f"{rng.integers(1, 4000)} {rng.choice(STREETS)}")
        phones.append(f"718{rng.integers(2_000_000, 9_999_999)}")
    for i in share:  # a different service in the same building
        addrs[i] = addrs[i - 1]
        if rng.random() < 0.5:  # another programme of the same organisation
            phones[i], orgs[i] = phones[i - 1], orgs[i - 1]  # one switchboard
            prefix = re.sub(_ORG_SUFFIX, "", orgs[i - 1]) or names[i - 1].split()[0]
            # another domain, or a second food programme (a church's pantry and soup kitchen)
            food = domains[i - 1] == "food" and rng.random() < 0.5
            others = [d for d in DOMAINS if d != domains[i - 1]]
            dom = "food" if food else rng.choice(others)
            kinds = [k for k in TYPES[str(dom)] if k not in names[i - 1]]
            domains[i], names[i] = dom, f"{prefix} {rng.choice(kinds)}"
    sources = rng.choice(["partners", "211", "osm"], size=n_ent, p=[0.4, 0.4, 0.2])
    rec = {
        "name": names,
        "org": orgs,
        "domain": list(domains),
        "address": addrs,
        "phone": [phone_variant(rng, p) for p in phones],
        "source": list(sources),
        "x": list(xy[:, 0]),
        "y": list(xy[:, 1]),
    }
    truth = list(range(n_ent))
    dup_of = rng.choice(n_ent, size=n_dup, replace=True)  # a few get listed three times
    for e in dup_of:
        ang, dist = rng.uniform(0, 2 * np.pi), rng.uniform(5, 80)
        other = [s for s in ("partners", "211", "osm") if s != sources[e]]
        rec["name"].append(variant(rng, names[e], abbrev=ABBREV))
        rec["org"].append(orgs[e] if rng.random() < 0.5 else "")
        rec["domain"].append(str(domains[e]))
        rec["address"].append(
            variant(rng, addrs[e], p_typo=0.05, abbrev=ABBREV) if rng.random() < 0.7 else ""
        )
        rec["phone"].append(phone_variant(rng, phones[e]) if rng.random() < 0.6 else "")
        rec["source"].append(str(rng.choice(other)))
        rec["x"].append(xy[e, 0] + dist * np.cos(ang))
        rec["y"].append(xy[e, 1] + dist * np.sin(ang))
        truth.append(int(e))
    df = pd.DataFrame(rec)
    gdf = gpd.GeoDataFrame(
        df.drop(columns=["x", "y"]),
        geometry=gpd.points_from_xy(X0 + df["x"], Y0 + df["y"]),
        crs=UTM,
    ).to_crs("EPSG:4326")
    gdf["asset_id"] = [f"{s}:{i}" for i, s in enumerate(gdf["source"])]
    gdf["source_id"] = gdf["asset_id"]
    for col in ("sector", "website", "hours", "last_verified"):
        gdf[col] = ""
    gdf["capacity"] = np.nan
    gdf["outside_region"] = False
    return gdf, np.asarray(truth)


def pair_precision_recall(cluster: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against true labels."""

    def pairs(labels: np.ndarray) -> set[tuple[int, int]]:
        out: set[tuple[int, int]] = set()
        order = np.argsort(labels, kind="stable")
        for _, grp in itertools.groupby(order, key=lambda k: labels[k]):
            members = sorted(grp)
            if len(members) > 1:
                out.update(itertools.combinations(members, 2))
        return out

    p, t = pairs(cluster), pairs(truth)
    tp = len(p & t)
    return (tp / len(p) if p else 1.0), (tp / len(t) if t else 1.0)


def loop_scores(assets: gpd.GeoDataFrame, i: np.ndarray, j: np.ndarray, p: dict) -> np.ndarray:
    """The alternative: a Python loop over candidate pairs, one rapidfuzz call at a time.

    Same formula as ``am.dedupe`` (names, addresses and phones normalised once up front,
    as anyone would), so the ratio measures the pair loop alone.
    """
    w_name, w_addr, w_phone, w_dist = 0.6, 0.15, 0.15, 0.10
    names = [dd.normalise_name(x) for x in assets["name"]]
    orgs = [dd.normalise_name(x) for x in assets["org"]]
    addrs = [dd.normalise_name(x) for x in assets["address"]]
    numbers = [dd.house_number(x) for x in addrs]
    phones = [re.sub(r"\D", "", str(x))[-10:] for x in assets["phone"]]
    pts = assets.geometry.to_crs(UTM)
    xs, ys = pts.x.to_numpy(), pts.y.to_numpy()
    out = np.empty(len(i))
    for k, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        s = fuzz.token_set_ratio(names[a], names[b]) / 100
        if orgs[a] and orgs[b]:
            s = max(s, 0.5 * s + 0.5 * fuzz.token_set_ratio(orgs[a], orgs[b]) / 100)
        if dd.conflicting_service_words(names[a], names[b]):
            s *= p["conflict_penalty"]
        num, den = w_name * s, w_name
        if addrs[a] and addrs[b]:
            sa = fuzz.token_sort_ratio(addrs[a], addrs[b]) / 100
            if numbers[a] and numbers[b] and numbers[a] != numbers[b]:
                sa = 0.0
            num, den = num + w_addr * sa, den + w_addr
        if len(phones[a]) >= 7 and len(phones[b]) >= 7:
            num, den = num + w_phone * (phones[a] == phones[b]), den + w_phone
        d = ((xs[a] - xs[b]) ** 2 + (ys[a] - ys[b]) ** 2) ** 0.5
        num, den = num + w_dist * max(0.0, 1 - d / p["max_distance_m"]), den + w_dist
        out[k] = num / den
    return out


def hard_cases(groups: int) -> None:
    """Print precision and recall of ``am.dedupe`` per hard case of the labelled set."""
    from tests._dedupe_cases import case_scores, make_cases

    t0 = time.perf_counter()
    assets, truth = make_cases(groups)
    t1 = time.perf_counter()
    res = am.dedupe(assets)
    t2 = time.perf_counter()
    print(
        f"hard cases: {groups:,} groups of each, {len(assets):,} records (generated in "
        f"{t1 - t0:.1f} s, am.dedupe {t2 - t1:.1f} s)"
    )
    print("  a pair is found when merged, or (two domains) sent to review")
    table = case_scores(truth, res)
    print(f"  {'case':<14}{'true pairs':>11}{'found':>8}{'right':>8}{'precision':>11}{'recall':>8}")
    for case, row in table.iterrows():
        print(
            f"  {case:<14}{row['true_pairs']:>11,.0f}{row['found']:>8,.0f}{row['right']:>8,.0f}"
            f"{row['precision']:>11.3f}{row['recall']:>8.3f}"
        )
    reasons = res.pairs["reason"].astype(str).value_counts().drop("", errors="ignore")
    print(
        "  pairs a rule decided, by reason: " + ", ".join(f"{k} {v:,}" for k, v in reasons.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of asset records")
    parser.add_argument("--side", type=float, default=SIDE, help="side of the square area, m")
    parser.add_argument("--loop-sample", type=int, default=200_000, help="pairs timed in loop")
    parser.add_argument("--groups", type=int, default=1000, help="groups of each hard case")
    args = parser.parse_args()
    hard_cases(args.groups)

    t0 = time.perf_counter()
    assets, truth = make_assets(args.n, side=args.side)
    km = args.side / 1000
    print(
        f"generated {len(assets):,} assets on {km:g} km x {km:g} km "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    t0 = time.perf_counter()
    res = am.dedupe(assets)
    total = time.perf_counter() - t0
    label = pd.factorize(res.clusters["cluster_id"])[0]
    precision, recall = pair_precision_recall(label, truth)
    print(f"am.dedupe: {total:.1f} s for {len(assets):,} assets (target < 30 s)")
    print(
        f"  {len(res.pairs):,} candidate pairs within {res.params['max_distance_m']:g} m "
        f"(or sharing a phone within {res.params['moved_pin_m']:g} m)"
    )
    for stage, secs in res.timings.items():
        print(f"  {stage:<10} {secs:6.2f} s")
    print(f"  {len(res.merged):,} services after merging; {len(res.review):,} pairs to review")
    print(
        f"  pairwise precision {precision:.3f}, recall {recall:.3f} (true services: "
        f"{len(np.unique(truth)):,})"
    )

    # scoring: vectorised (inside dedupe) vs the per-pair loop, on the same candidate pairs
    p = res.params
    a = assets.reset_index(drop=True)
    feats = dd._features(a)
    i, j = dd._candidate_pairs(feats, p["max_distance_m"], moved_pin_m=p["moved_pin_m"])
    k = np.sort(
        np.random.default_rng(0).choice(len(i), size=min(args.loop_sample, len(i)), replace=False)
    )
    t0 = time.perf_counter()
    vec = dd._score(
        feats,
        i[k],
        j[k],
        max_distance_m=p["max_distance_m"],
        weights=(0.6, 0.15, 0.15, 0.10),
        conflict_penalty=p["conflict_penalty"],
    )["score"]
    t_vec = time.perf_counter() - t0
    t0 = time.perf_counter()
    loop = loop_scores(a, i[k], j[k], p)
    t_loop = time.perf_counter() - t0
    same = np.allclose(vec, loop, rtol=1e-6)
    print(
        f"scoring {len(k):,} pairs: vectorised {t_vec:.2f} s, Python loop {t_loop:.2f} s "
        f"-> {t_loop / t_vec:.1f}x faster (same scores: {same})"
    )


if __name__ == "__main__":
    main()
