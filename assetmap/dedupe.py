"""Records of one service listed in several sources, found and merged.

Candidate pairs come only from records within ``max_distance_m`` of each other (blocking
on space with a KD-tree, never all pairs). Each pair is scored from normalised name
similarity (rapidfuzz ``token_set_ratio`` after expanding abbreviations: "St." / "Saint",
"Ctr" / "Center", "&" / "and", legal suffixes dropped), address similarity, phone
equality and distance; a different domain multiplies the score by ``domain_penalty``.
Pairs scoring at least ``threshold`` are the same service; linked records form clusters
(connected components). Pairs in ``[review_low, threshold)`` go to a review table.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from assetmap.assets import ASSET_COLUMNS
from assetmap.region import measure_crs

__all__ = ["DedupeResult", "dedupe", "normalise_name"]

_ABBREV = {
    "saint": "st",
    "street": "st",
    "center": "ctr",
    "centre": "ctr",
    "cntr": "ctr",
    "and": "and",
    "avenue": "ave",
    "av": "ave",
    "boulevard": "blvd",
    "road": "rd",
    "east": "e",
    "west": "w",
    "north": "n",
    "south": "s",
    "community": "cmty",
    "comm": "cmty",
    "health": "hlth",
    "services": "svc",
    "service": "svc",
    "svcs": "svc",
    "association": "assn",
    "assoc": "assn",
    "department": "dept",
    "program": "prog",
    "mount": "mt",
    "fort": "ft",
}
_DROP = {"inc", "llc", "ltd", "corp", "co", "the", "of", "nyc", "ny"}


def normalise_name(text: object) -> str:
    """Normalise an organisation or address string for comparison.

    Examples
    --------
    >>> normalise_name("The St. Ann's Community Center, Inc.")
    'st anns cmty ctr'
    >>> normalise_name("Saint Anns Comm. Ctr & Pantry")
    'st anns cmty ctr and pantry'
    """
    s = str(text or "").lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    words = re.sub(r"[^0-9a-z]+", " ", s).split()
    return " ".join(_ABBREV.get(w, w) for w in words if w not in _DROP)


def _digits(phone: object) -> str:
    d = re.sub(r"\D", "", str(phone or ""))
    return d[-10:] if len(d) >= 7 else ""


@dataclass
class DedupeResult:
    """What :func:`dedupe` found.

    Attributes
    ----------
    merged : geopandas.GeoDataFrame
        Assets, one row per real service; ``source`` and ``source_id`` list every record
        merged into it (";"-joined), ``n_records`` how many.
    clusters : pandas.DataFrame
        ``asset_id``, ``cluster_id``: records of one service share a ``cluster_id``.
    pairs : pandas.DataFrame
        Every candidate pair with its scores and decision (``match``, ``review``, ``distinct``).
    params : dict
        The thresholds used.
    """

    merged: gpd.GeoDataFrame
    clusters: pd.DataFrame
    pairs: pd.DataFrame
    params: dict[str, float] = field(default_factory=dict)

    @property
    def review(self) -> pd.DataFrame:
        """Borderline pairs a person should look at."""
        return self.pairs[self.pairs["decision"] == "review"]


def dedupe(
    assets: gpd.GeoDataFrame,
    *,
    max_distance_m: float = 150.0,
    threshold: float = 0.80,
    review_low: float = 0.65,
    domain_penalty: float = 0.6,
    weights: tuple[float, float, float, float] = (0.6, 0.15, 0.15, 0.10),
) -> DedupeResult:
    """Find and merge records that are the same service listed in several sources.

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        Assets (e.g. from :func:`assetmap.combine`).
    max_distance_m : float
        Records farther apart are never compared (pins of one service rarely differ
        by more than a block, ~150 m).
    threshold : float
        Score (0–1) at or above which a pair is the same service.
    review_low : float
        Pairs scoring from here up to ``threshold`` are listed for review.
    domain_penalty : float
        Factor applied to the score when the two records' domains differ.
    weights : tuple of 4 floats
        Weights of name, address, phone and distance similarity; a field missing on
        either side is left out and the remaining weights renormalised.

    Returns
    -------
    DedupeResult

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> both = am.combine(s.sources)
    >>> res = am.dedupe(both)
    >>> len(res.merged) < len(both)
    True
    """
    n = len(assets)
    a = assets.reset_index(drop=True)
    ids = a["asset_id"].astype(str).to_numpy()
    if n == 0:
        empty_pairs = pd.DataFrame(columns=["asset_id_a", "asset_id_b", "score", "decision"])
        return DedupeResult(a.copy(), pd.DataFrame({"asset_id": [], "cluster_id": []}), empty_pairs)
    crs = measure_crs(a)
    pts = a.geometry.to_crs(crs)
    xy = np.column_stack([pts.x, pts.y])
    pairs = cKDTree(xy).query_pairs(max_distance_m, output_type="ndarray")
    names = [normalise_name(x) for x in a["name"]]
    orgs = [normalise_name(x) for x in a.get("org", pd.Series([""] * n))]
    addrs = [normalise_name(x) for x in a.get("address", pd.Series([""] * n))]
    phones = [_digits(x) for x in a.get("phone", pd.Series([""] * n))]
    doms = a["domain"].astype(str).to_numpy()
    w_name, w_addr, w_phone, w_dist = weights
    records = []
    for i, j in pairs:
        s_name = fuzz.token_set_ratio(names[i], names[j]) / 100.0
        if orgs[i] and orgs[j]:
            s_name = max(s_name, 0.5 * s_name + 0.5 * fuzz.token_set_ratio(orgs[i], orgs[j]) / 100)
        num, den = w_name * s_name, w_name
        s_addr = np.nan
        if addrs[i] and addrs[j]:
            s_addr = fuzz.token_sort_ratio(addrs[i], addrs[j]) / 100.0
            num, den = num + w_addr * s_addr, den + w_addr
        s_phone = np.nan
        if phones[i] and phones[j]:
            s_phone = float(phones[i] == phones[j])
            num, den = num + w_phone * s_phone, den + w_phone
        d = float(np.hypot(*(xy[i] - xy[j])))
        s_dist = 1.0 - d / max_distance_m
        num, den = num + w_dist * s_dist, den + w_dist
        score = num / den * (1.0 if doms[i] == doms[j] else domain_penalty)
        records.append((ids[i], ids[j], i, j, d, s_name, s_addr, s_phone, score))
    cols = ["asset_id_a", "asset_id_b", "ia", "ib", "distance_m"]
    cols += ["name_sim", "address_sim", "phone_match", "score"]
    pt = pd.DataFrame.from_records(records, columns=cols)
    pt["decision"] = np.select(
        [pt["score"] >= threshold, pt["score"] >= review_low], ["match", "review"], "distinct"
    )
    match = pt[pt["decision"] == "match"]
    graph = coo_matrix(
        (np.ones(len(match)), (match["ia"].to_numpy(int), match["ib"].to_numpy(int))),
        shape=(n, n),
    )
    _, label = connected_components(graph, directed=False)
    cluster_ids = _stable_cluster_ids(ids, label)
    clusters = pd.DataFrame({"asset_id": ids, "cluster_id": cluster_ids})
    merged = _merge(a, label, cluster_ids)
    pt = pt.drop(columns=["ia", "ib"]).sort_values("score", ascending=False, kind="stable")
    params = {
        "max_distance_m": max_distance_m,
        "threshold": threshold,
        "review_low": review_low,
        "domain_penalty": domain_penalty,
    }
    return DedupeResult(merged, clusters, pt.reset_index(drop=True), params)


def _stable_cluster_ids(ids: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Cluster id from a hash of the sorted member ids: the same records, the same id."""
    order = pd.Series(ids).groupby(label).agg(lambda s: "\n".join(sorted(s)))
    digest = {k: "c" + hashlib.sha1(v.encode()).hexdigest()[:10] for k, v in order.items()}
    return np.array([digest[k] for k in label], dtype=object)


def _merge(a: gpd.GeoDataFrame, label: np.ndarray, cluster_ids: np.ndarray) -> gpd.GeoDataFrame:
    text_cols = [c for c in ASSET_COLUMNS if c in a.columns and c not in ("capacity",)]
    filled = a[text_cols].astype(str).replace({"nan": "", "None": ""}).ne("").sum(axis=1)
    a = a.assign(_label=label, _filled=filled.to_numpy(), cluster_id=cluster_ids)
    a = a.sort_values(["_label", "_filled", "asset_id"], ascending=[True, False, True])
    primary = a.drop_duplicates("_label", keep="first").set_index("_label")
    multi = a[a.duplicated("_label", keep=False)]
    out = primary.copy()
    if len(multi):
        for col in [c for c in ASSET_COLUMNS if c in a.columns]:
            if col in ("asset_id", "source", "source_id", "outside_region"):
                continue
            vals = multi[col]
            if col == "capacity":
                best = vals.groupby(multi["_label"]).max()
            else:
                s = vals.astype(str).replace({"nan": "", "None": ""})
                best = s[s != ""].groupby(multi["_label"]).first()
            cur = out.loc[best.index, col]
            empty = cur.isna() | (cur.astype(str).isin(["", "nan", "None"]))
            out.loc[best.index[empty.to_numpy()], col] = best[empty.to_numpy()]
        joined = multi.groupby("_label").agg(
            source=("source", lambda s: ";".join(sorted(set(map(str, s))))),
            source_id=("asset_id", lambda s: ";".join(sorted(map(str, s)))),
            outside_region=("outside_region", "all"),
        )
        for col in joined.columns:
            out.loc[joined.index, col] = joined[col]
    counts = pd.Series(label).value_counts()
    out["n_records"] = counts.reindex(out.index).to_numpy()
    single = out["n_records"] == 1
    out.loc[single, "source_id"] = out.loc[single, "asset_id"]
    out = out.drop(columns=["_filled"]).sort_values("asset_id").reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=a.crs)
