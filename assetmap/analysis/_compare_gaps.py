"""Need classes, gaps and reach compared unit by unit between two studies.

Internal to :mod:`assetmap.analysis.compare`; every function takes the matched unit ids
(strings) and returns a plain frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from assetmap.atlas import Atlas

__all__ = ["assessed", "gap_changes", "need_changes", "need_class", "reach_changes"]

#: Need classes: quintiles of ``need_pct``.
CLASSES = 5


def need_class(need_pct: pd.Series) -> pd.Series:
    """Return the quintile of ``need_pct`` (0–1): 1 (least need) to 5 (most); NA when unranked.

    A unit at ``(k − 1) / 5 < need_pct ≤ k / 5`` is in class ``k`` (0 is in class 1).

    Examples
    --------
    >>> need_class(pd.Series([0.0, 0.2, 0.21, 0.8, 1.0, float("nan")])).tolist()
    [1, 1, 2, 4, 5, <NA>]
    """
    pct = pd.to_numeric(need_pct, errors="coerce").astype(float)
    k = np.ceil(pct.round(9) * CLASSES).clip(1, CLASSES)
    return k.astype("Int64")


def _by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_axis(frame.index.astype(str))


def need_changes(
    before: pd.DataFrame, after: pd.DataFrame, ids: pd.Index, names: pd.Series
) -> pd.DataFrame:
    """One row per matched unit: ``need_pct`` and its class in each study, and the change."""
    b = _by_id(before).reindex(ids)
    a = _by_id(after).reindex(ids)
    pb = pd.to_numeric(b.get("need_pct", pd.Series(np.nan, index=ids)), errors="coerce")
    pa = pd.to_numeric(a.get("need_pct", pd.Series(np.nan, index=ids)), errors="coerce")
    out = pd.DataFrame(
        {
            "unit_id": ids,
            "name": names.to_numpy(),
            "need_pct_before": pb.to_numpy(dtype=float),
            "need_pct_after": pa.to_numpy(dtype=float),
        }
    )
    out["class_before"] = need_class(out["need_pct_before"])
    out["class_after"] = need_class(out["need_pct_after"])
    out["class_change"] = out["class_after"] - out["class_before"]
    return out


def assessed(atlas: Atlas) -> set[str]:
    """Domains the study assessed: any access row whose status is not ``not_assessed``."""
    acc = atlas.access
    if "domain" not in acc.columns:
        return set()
    if "status" not in acc.columns:
        return set(acc["domain"].astype(str))
    return set(acc.loc[acc["status"].astype(str) != "not_assessed", "domain"].astype(str))


def _gap_keys(atlas: Atlas, ids: pd.Index) -> pd.MultiIndex:
    g = atlas.gaps
    if g.empty or not {"unit_id", "domain"} <= set(g.columns):
        return pd.MultiIndex.from_tuples([], names=["unit_id", "domain"])
    keys = pd.MultiIndex.from_arrays(
        [g["unit_id"].astype(str), g["domain"].astype(str)], names=["unit_id", "domain"]
    )
    return keys[keys.get_level_values(0).isin(ids)].unique()


def _access_column(atlas: Atlas, keys: pd.MultiIndex, column: str) -> np.ndarray:
    acc = atlas.access
    if column not in acc.columns:
        return np.full(len(keys), np.nan)
    idx = pd.MultiIndex.from_arrays([acc["unit_id"].astype(str), acc["domain"].astype(str)])
    values = pd.Series(pd.to_numeric(acc[column], errors="coerce").to_numpy(), index=idx)
    values = values[~values.index.duplicated()]
    out: np.ndarray = values.reindex(keys).to_numpy(dtype=float)
    return out


def gap_changes(before: Atlas, after: Atlas, ids: pd.Index, names: pd.Series) -> pd.DataFrame:
    """One row per matched unit × domain that is a gap in either study, with its change."""
    kb, ka = _gap_keys(before, ids), _gap_keys(after, ids)
    keys = kb.union(ka, sort=False) if len(kb) or len(ka) else kb
    dom = keys.get_level_values("domain").astype(str)
    unit = keys.get_level_values("unit_id").astype(str)
    gb, ga = keys.isin(kb), keys.isin(ka)
    assessed_b = dom.isin(list(assessed(before)))
    assessed_a = dom.isin(list(assessed(after)))
    change = np.select(
        [gb & ga, gb & assessed_a, ga & assessed_b],
        ["kept", "closed", "opened"],
        default="not compared",
    ).astype(object)
    note = np.full(len(keys), "", dtype=object)
    note[gb & ~ga & ~assessed_a] = "the domain is not assessed in the later study"
    note[ga & ~gb & ~assessed_b] = "the domain is not assessed in the earlier study"
    pb = pd.to_numeric(_by_id(before.units).get("need_pct"), errors="coerce")
    pa = pd.to_numeric(_by_id(after.units).get("need_pct"), errors="coerce")
    out = pd.DataFrame(
        {
            "unit_id": unit,
            "name": names.reindex(unit).fillna("").to_numpy(),
            "domain": dom,
            "gap_before": gb,
            "gap_after": ga,
            "change": change,
            "need_pct_before": pb.reindex(unit).to_numpy(dtype=float),
            "need_pct_after": pa.reindex(unit).to_numpy(dtype=float),
            "nearest_min_before": _access_column(before, keys, "nearest_min"),
            "nearest_min_after": _access_column(after, keys, "nearest_min"),
            "note": note,
        }
    )
    rank = {"closed": 0, "opened": 1, "kept": 2, "not compared": 3}
    out = out.assign(_r=out["change"].map(rank)).sort_values(["_r", "domain", "unit_id"])
    return out.drop(columns="_r").reset_index(drop=True)


def _beyond(atlas: Atlas, ids: pd.Index) -> pd.DataFrame:
    """Residents beyond reach per matched unit × domain, with the unit's population.

    Where ``population_beyond`` is missing (older tables, a domain not assessed) a unit
    with no service within the threshold counts its whole population.
    """
    acc = atlas.access.copy()
    acc["unit_id"] = acc["unit_id"].astype(str)
    acc["domain"] = acc["domain"].astype(str)
    acc = acc[acc["unit_id"].isin(ids)]
    pop = pd.to_numeric(_by_id(atlas.units)["population"], errors="coerce").fillna(0.0)
    population = acc["unit_id"].map(pop).fillna(0.0)
    given = acc.get("population_beyond", pd.Series(np.nan, index=acc.index))
    count = pd.to_numeric(acc.get("count_within", 0), errors="coerce").fillna(0.0)
    guess = population.where(count <= 0, 0.0)
    beyond = pd.to_numeric(given, errors="coerce").fillna(guess)
    if "status" in acc.columns:  # residents off the street graph are neither
        beyond = beyond.where(acc["status"].astype(str) != "off_network", 0.0)
    return pd.DataFrame(
        {
            "unit_id": acc["unit_id"],
            "domain": acc["domain"],
            "population": population,
            "beyond": beyond,
        }
    ).drop_duplicates(["unit_id", "domain"])


def reach_changes(before: Atlas, after: Atlas, ids: pd.Index) -> pd.DataFrame:
    """Per domain: residents beyond reach in each study, newly in reach and newly beyond.

    Per unit ``population_after × beyond_before / population_before − beyond_after``:
    positive parts add to ``newly_in_reach``, negative ones to ``newly_beyond``. A
    domain missing from one study's access table counts every resident as beyond reach.
    """
    b, a = _beyond(before, ids), _beyond(after, ids)
    rows = b.merge(a, on=["unit_id", "domain"], how="outer", suffixes=("_b", "_a"))
    pop_b = _by_id(before.units)["population"]
    pop_a = _by_id(after.units)["population"]
    for side, pop in (("_b", pop_b), ("_a", pop_a)):
        p = pd.to_numeric(rows["unit_id"].map(pop), errors="coerce").fillna(0.0)
        rows["population" + side] = p
        rows["beyond" + side] = rows["beyond" + side].fillna(p)
    share_b = (rows["beyond_b"] / rows["population_b"].where(rows["population_b"] > 0)).fillna(0)
    delta = (rows["population_a"] * share_b - rows["beyond_a"]).round(6)  # no float dust
    rows["newly_in_reach"] = delta.clip(lower=0)
    rows["newly_beyond"] = (-delta).clip(lower=0)
    out = rows.groupby("domain", sort=False).agg(
        population_beyond_before=("beyond_b", "sum"),
        population_beyond_after=("beyond_a", "sum"),
        newly_in_reach=("newly_in_reach", "sum"),
        newly_beyond=("newly_beyond", "sum"),
    )
    return out.reset_index()
