"""Services opened, closed and moved between two inventories, matched with the dedupe scorer.

Internal to :mod:`assetmap.analysis.compare`. Both inventories are stacked, each record
tagged by side, and :func:`assetmap.dedupe.dedupe` scores the candidate pairs as it does
for the records of several sources. A pair joining one record of each side is the same
service when dedupe matches it, or when it lands in dedupe's review band with names at
least 90 % alike and no rule keeping it apart other than its address: a service that
moved has a new address, which dedupe (comparing sources of one date) rightly doubts but
a comparison of two dates expects. Pairs are then taken best first, each record at most
once, so two branches of one chain each find their own earlier record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.dedupe import dedupe
from assetmap.errors import InputError
from assetmap.region import measure_crs

__all__ = ["SERVICE_COLUMNS", "match_services"]

#: Columns of :attr:`assetmap.analysis.compare.Comparison.services`, in order.
SERVICE_COLUMNS = [
    "change",
    "domain",
    "name_before",
    "name_after",
    "asset_id_before",
    "asset_id_after",
    "address_before",
    "address_after",
    "moved_m",
    "score",
    "latitude_before",
    "longitude_before",
    "latitude_after",
    "longitude_after",
]

#: Order of the changes in the table.
CHANGES = ("opened", "closed", "moved", "kept")

#: Dedupe's reasons that keep a pair apart in a comparison too (an address may change).
_APART = ("different programmes", "other domain", "names differ")

#: Names at least this alike (0–1) make a review-band pair the same service.
_SAME_NAME = 0.9


def _side(assets: gpd.GeoDataFrame, tag: str) -> gpd.GeoDataFrame:
    """Return the records of one side with positional ids ``tag0``, ``tag1``, … in EPSG:4326."""
    a = assets.reset_index(drop=True)
    if a.crs is not None and a.crs.to_epsg() != 4326:
        a = a.to_crs(4326)
    keep = [c for c in ("name", "domain", "org", "address", "phone") if c in a.columns]
    out = gpd.GeoDataFrame(a[keep].copy(), geometry=a.geometry.to_numpy(), crs="EPSG:4326")
    out["domain"] = out["domain"].astype(str)
    out.insert(0, "asset_id", [f"{tag}{i}" for i in range(len(a))])
    out["source"] = tag  # merging a cluster (not used here) lists its sources
    out["source_id"] = out["asset_id"]
    out["outside_region"] = False
    return out


def _cross_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs joining one record of each side that are the same service, best first."""
    if pairs.empty:
        return pd.DataFrame(columns=["b", "a", "score"])
    a_id = pairs["asset_id_a"].astype(str)
    b_id = pairs["asset_id_b"].astype(str)
    cross = a_id.str[0] != b_id.str[0]
    name_sim = pd.to_numeric(pairs.get("name_sim"), errors="coerce").fillna(0.0)
    close = (pairs["decision"] == "review") & (name_sim >= _SAME_NAME)
    same = (pairs["decision"] == "match") | close
    same &= ~pairs["reason"].isin(_APART) & pairs["same_domain"].astype(bool)
    rows = pairs[cross & same]
    first_b = a_id[rows.index].str[0] == "b"
    out = pd.DataFrame(
        {
            "b": np.where(first_b, a_id[rows.index], b_id[rows.index]),
            "a": np.where(first_b, b_id[rows.index], a_id[rows.index]),
            "score": pd.to_numeric(rows["score"], errors="coerce").to_numpy(),
            "distance": pd.to_numeric(rows["distance_m"], errors="coerce").to_numpy(),
        }
    )
    return out.sort_values(["score", "distance"], ascending=[False, True], kind="stable")


def _one_to_one(cross: pd.DataFrame) -> list[tuple[int, int, float]]:
    """Take pairs best first, each record at most once: (before, after, score)."""
    used_b: set[str] = set()
    used_a: set[str] = set()
    out = []
    for b, a, score in zip(cross["b"], cross["a"], cross["score"], strict=True):
        if b in used_b or a in used_a:
            continue
        used_b.add(b)
        used_a.add(a)
        out.append((int(b[1:]), int(a[1:]), float(score)))
    return out


def _text(frame: gpd.GeoDataFrame, column: str, rows: np.ndarray) -> np.ndarray:
    """Values of ``column`` at the positions ``rows`` (-1 gives ""), as text."""
    if column not in frame.columns:
        return np.full(len(rows), "", dtype=object)
    values = frame[column].fillna("").astype(str).to_numpy(dtype=object)
    padded = np.append(values, "")
    return np.asarray(padded[rows], dtype=object)


def _coords(frame: gpd.GeoDataFrame, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude at the positions ``rows`` (-1 gives NaN)."""
    lat = np.append(frame.geometry.y.to_numpy(dtype=float), np.nan)[rows]
    lon = np.append(frame.geometry.x.to_numpy(dtype=float), np.nan)[rows]
    return np.round(lat, 6), np.round(lon, 6)


def _distances(
    before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, ib: np.ndarray, ia: np.ndarray
) -> np.ndarray:
    """Metres between matched records (NaN where one side is missing)."""
    out = np.full(len(ib), np.nan)
    both = (ib >= 0) & (ia >= 0)
    if both.any():
        crs = measure_crs(before if len(before) else after)
        pb = before.geometry.to_crs(crs).to_numpy()[ib[both]]
        pa = after.geometry.to_crs(crs).to_numpy()[ia[both]]
        out[both] = gpd.GeoSeries(pb, crs=crs).distance(gpd.GeoSeries(pa, crs=crs)).to_numpy()
    return out


def _table(
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    b_ids: pd.Series,
    a_ids: pd.Series,
    matched: list[tuple[int, int, float]],
    moved_m: float,
) -> pd.DataFrame:
    """One row per service: matched pairs, then closed (before only) and opened (after only)."""
    mb = {b for b, _, _ in matched}
    ma = {a for _, a, _ in matched}
    closed = [i for i in range(len(before)) if i not in mb]
    opened = [i for i in range(len(after)) if i not in ma]
    ib = np.array([b for b, _, _ in matched] + closed + [-1] * len(opened), dtype=np.int64)
    ia = np.array([a for _, a, _ in matched] + [-1] * len(closed) + opened, dtype=np.int64)
    score = np.array([s for _, _, s in matched] + [np.nan] * (len(closed) + len(opened)))
    dist = _distances(before, after, ib, ia)
    change = np.where(dist > moved_m, "moved", "kept").astype(object)
    change[ib < 0] = "opened"
    change[ia < 0] = "closed"
    lat_b, lon_b = _coords(before, ib)
    lat_a, lon_a = _coords(after, ia)
    domain = np.where(ib >= 0, _text(before, "domain", ib), _text(after, "domain", ia))
    out = pd.DataFrame(
        {
            "change": change,
            "domain": domain,
            "name_before": _text(before, "name", ib),
            "name_after": _text(after, "name", ia),
            "asset_id_before": np.append(b_ids.to_numpy(dtype=object), "")[ib],
            "asset_id_after": np.append(a_ids.to_numpy(dtype=object), "")[ia],
            "address_before": _text(before, "address", ib),
            "address_after": _text(after, "address", ia),
            "moved_m": np.round(dist, 0),
            "score": np.round(score, 4),
            "latitude_before": lat_b,
            "longitude_before": lon_b,
            "latitude_after": lat_a,
            "longitude_after": lon_a,
        }
    )
    order = out["change"].map({c: k for k, c in enumerate(CHANGES)})
    out = out.assign(_order=order, _name=out["name_after"].where(ia >= 0, out["name_before"]))
    out = out.sort_values(["_order", "domain", "_name"], kind="stable")
    return out.drop(columns=["_order", "_name"]).reset_index(drop=True)


def match_services(
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    *,
    moved_m: float = 50.0,
    options: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Return one row per service of either inventory: opened, closed, moved or kept.

    Parameters
    ----------
    before, after : geopandas.GeoDataFrame
        Assets of the earlier and the later study.
    moved_m : float
        A matched service whose pins are farther apart than this (metres) has moved.
    options : mapping, optional
        Keywords of :func:`assetmap.dedupe.dedupe` (``max_distance_m``, ``threshold``,
        ``moved_pin_m``, …).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SERVICE_COLUMNS`; opened first, then closed, moved and kept.

    Raises
    ------
    InputError
        When either inventory has no ``name`` or no ``domain`` column.
    """
    for side, frame in (("earlier", before), ("later", after)):
        lacking = [c for c in ("name", "domain") if c not in frame.columns]
        if lacking:
            msg = f"the {side} study's assets have no {' and no '.join(lacking)} column"
            raise InputError(msg)
    b = _side(before, "b")
    a = _side(after, "a")
    both = pd.concat([b, a], ignore_index=True)
    both = gpd.GeoDataFrame(both, geometry="geometry", crs="EPSG:4326")
    pairs = dedupe(both, **dict(options or {})).pairs if len(b) and len(a) else pd.DataFrame()
    matched = _one_to_one(_cross_pairs(pairs))
    b_ids = before["asset_id"].astype(str) if "asset_id" in before.columns else b["asset_id"]
    a_ids = after["asset_id"].astype(str) if "asset_id" in after.columns else a["asset_id"]
    return _table(b, a, b_ids, a_ids, matched, moved_m)
