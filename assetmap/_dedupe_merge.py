"""Clusters of records made into one row each, and the table of pairs (for dedupe)."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.assets import ASSET_COLUMNS

__all__ = ["merge_clusters", "pairs_table", "stable_cluster_ids"]


def stable_cluster_ids(ids: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Cluster id from a hash of the sorted member ids: the same records, the same id."""
    order = np.lexsort((ids.astype(str), label))
    sorted_ids, sorted_label = ids[order], label[order]
    starts = np.flatnonzero(np.r_[True, sorted_label[1:] != sorted_label[:-1]])
    stops = np.r_[starts[1:], len(order)]
    digest = {
        int(sorted_label[s]): "c"
        + hashlib.sha1("\n".join(sorted_ids[s:e]).encode()).hexdigest()[:10]
        for s, e in zip(starts, stops, strict=True)
    }
    return np.array([digest[k] for k in label.tolist()], dtype=object)


def _blank(values: pd.Series) -> pd.Series:
    """Mark empty cells: NaN, None, "" or the strings "nan" / "None"."""
    return values.isna() | values.astype(str).isin(["", "nan", "None"])


def merge_clusters(
    a: gpd.GeoDataFrame, label: np.ndarray, cluster_ids: np.ndarray
) -> gpd.GeoDataFrame:
    """One row per cluster: its best-filled record, gaps filled from the others."""
    text_cols = [c for c in ASSET_COLUMNS if c in a.columns and c not in ("capacity",)]
    filled = (~a[text_cols].apply(_blank)).sum(axis=1).to_numpy()
    id_rank = pd.factorize(a["asset_id"].astype(str), sort=True)[0]
    # positions sorted by cluster, best-filled first, then by id: one take per table below
    # (no sorted copy of the whole inventory)
    order = np.lexsort((id_rank, -filled, label))
    head = np.r_[True, label[order][1:] != label[order][:-1]]
    first = order[head]
    first = first[np.argsort(id_rank[first], kind="stable")]  # the output's row order
    counts = np.bincount(label)
    out = a.take(first).assign(cluster_id=cluster_ids[first]).set_axis(label[first])
    in_multi = order[counts[label[order]] > 1]
    multi = a.take(in_multi).assign(_label=label[in_multi])
    if len(multi):
        key = multi["_label"]
        for col in [c for c in ASSET_COLUMNS if c in a.columns]:
            if col in ("asset_id", "source", "source_id", "outside_region"):
                continue
            vals = multi[col]
            if col == "capacity":
                best = pd.to_numeric(vals, errors="coerce").groupby(key).max()
            else:
                best = vals.astype(object).where(~_blank(vals)).groupby(key).first()
            best = best.dropna()
            cur = out.loc[best.index, col]
            empty = _blank(cur).to_numpy()
            out.loc[best.index[empty], col] = best[empty].to_numpy()
        by_source = multi.drop_duplicates(["_label", "source"]).sort_values(["_label", "source"])
        out.loc[np.unique(key), "source"] = (
            by_source["source"].astype(str).groupby(by_source["_label"]).agg(";".join)
        )
        by_id = multi.sort_values(["_label", "asset_id"])
        out.loc[np.unique(key), "source_id"] = (
            by_id["asset_id"].astype(str).groupby(by_id["_label"]).agg(";".join)
        )
        out.loc[np.unique(key), "outside_region"] = (
            multi["outside_region"].astype(bool).groupby(key).all()
        )
    out["n_records"] = counts[out.index.to_numpy()]
    single = out["n_records"] == 1
    out.loc[single, "source_id"] = out.loc[single, "asset_id"]
    out = out.reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=a.crs)


def _id_column(ids: np.ndarray, positions: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Ids at ``positions``: a categorical over ``ids`` (4 bytes a pair) when they are unique."""
    if pd.Index(ids).is_unique:
        return pd.Categorical.from_codes(positions, categories=pd.Index(ids))
    return pd.Series(ids).array.take(positions)  # str in pandas 3: no object array converted


def pairs_table(
    ids: np.ndarray,
    columns: dict[str, np.ndarray],
    decision: pd.Categorical,
    reason: pd.Categorical,
) -> pd.DataFrame:
    """Return the pairs table, best score first, emptying ``columns`` as it goes.

    ``columns`` holds the pair indexes ``i`` and ``j`` and the score columns; each is
    dropped once its sorted copy is made, the id columns are categoricals over ``ids``
    (not 18 million strings) and the frame is built without copying, so the table costs
    its own size plus one column.

    Examples
    --------
    >>> ids = np.array(["a", "b", "c"], dtype=object)
    >>> cols = {"i": np.array([0, 0]), "j": np.array([1, 2]), "score": np.array([0.2, 0.9])}
    >>> cat = pd.Categorical(["distinct", "match"])
    >>> t = pairs_table(ids, cols, cat, cat)
    >>> t[["asset_id_a", "asset_id_b", "score", "decision"]].values.tolist()
    [['a', 'c', 0.9, 'match'], ['a', 'b', 0.2, 'distinct']]
    >>> cols
    {}
    """
    score = columns["score"]
    unscored = np.isnan(score)  # most pairs: they go last, in (i, j) order
    scored = np.flatnonzero(~unscored)
    order = np.concatenate(
        [scored[np.argsort(-score[scored], kind="stable")], np.flatnonzero(unscored)]
    )
    del score, unscored, scored
    table = {
        "asset_id_a": _id_column(ids, columns.pop("i")[order]),
        "asset_id_b": _id_column(ids, columns.pop("j")[order]),
    }
    for key in list(columns):
        table[key] = columns.pop(key)[order]
    table["decision"], table["reason"] = decision[order], reason[order]
    return pd.DataFrame(table, copy=False)
