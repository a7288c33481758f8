"""Hot spots of need without access: local spatial statistics from PySAL esda (optional).

For each unit and domain, a *need-without-access* score combines the need percentile and
the supply per resident::

    score = need_pct × (1 − supply_pct)

where ``supply_pct`` is the percentile rank of the enhanced 2SFCA ratio among populated
units (0 when no service is in reach). The score is near 1 where need is highest and
supply lowest. Clusters of high scores are found with

* ``"gi_star"`` — Getis-Ord Gi* (Getis & Ord 1992, *Geographical Analysis* 24(3); Ord &
  Getis 1995, *Geographical Analysis* 27(4)) on binary contiguity weights including the
  unit itself: a *hot spot* is a unit whose neighbourhood's sum is significantly high;
* ``"moran"`` — local Moran's I (Anselin 1995, *Geographical Analysis* 27(2)) on
  row-standardised weights: a hot spot is a significant high-high unit, a cold spot a
  significant low-low one.

Significance is by conditional permutation (``permutations`` draws; ``p_sim`` is esda's
one-sided pseudo p-value ``(M + 1) / (permutations + 1)``, ``M`` the permuted values at
least as extreme in the observed direction; a seed makes it reproducible). Neighbours
are Queen contiguity (shared edge or corner), or the ``k`` nearest origins when
``weights="knn"``. Only populated units with
a need value take part. Requires ``esda`` and ``libpysal`` (``pip install esda``); both
are imported only when a function here is called.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.analysis.need import percentile_rank
from assetmap.errors import InputError

__all__ = ["HOTSPOT_COLUMNS", "hotspots", "need_without_access"]

HOTSPOT_COLUMNS = ["unit_id", "domain", "score", "z", "p_sim", "label"]


def need_without_access(
    units: gpd.GeoDataFrame,
    access: pd.DataFrame,
    domain: str,
    *,
    need_column: str = "need_pct",
    supply_column: str = "e2sfca_ratio",
) -> pd.Series:
    """Return the need-without-access score of every unit for one domain (NaN: not assessed).

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> u = am.need_index(s.units)
    >>> score = need_without_access(u, am.access(u, s.assets), "food")
    >>> bool(score.dropna().between(0, 1).all())
    True
    """
    if need_column not in units.columns:
        msg = f"units have no {need_column!r} column; run assetmap.need_index(units) first"
        raise InputError(msg, column=need_column)
    ids = units.index.astype(str)
    acc = access[access["domain"] == domain].set_index("unit_id").reindex(ids)
    populated = (pd.to_numeric(units["population"], errors="coerce").fillna(0) > 0).to_numpy()
    supply = pd.to_numeric(acc[supply_column], errors="coerce").fillna(0.0).where(populated)
    need = pd.to_numeric(units[need_column], errors="coerce").set_axis(ids)
    score = need * (1.0 - percentile_rank(supply).fillna(0.0))
    return score.where(populated).rename("score")


def hotspots(
    units: gpd.GeoDataFrame,
    access: pd.DataFrame,
    *,
    domains: Sequence[str] | None = None,
    method: str = "gi_star",
    permutations: int = 999,
    alpha: float = 0.05,
    seed: int = 2023,
    weights: str = "queen",
    k: int = 6,
    need_column: str = "need_pct",
    supply_column: str = "e2sfca_ratio",
) -> pd.DataFrame:
    """Find hot spots of need without access, per domain.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units with population and the need column.
    access : pandas.DataFrame
        Access long table.
    domains : sequence of str, optional
        Domains to test (all in ``access`` when omitted).
    method : {"gi_star", "moran"}
        Getis-Ord Gi* or local Moran's I.
    permutations : int
        Conditional permutations for the pseudo p-values.
    alpha : float
        Significance level of the labels.
    seed : int
        Random seed of the permutations.
    weights : {"queen", "knn"}
        Contiguity, or ``k`` nearest neighbours (for units that do not touch).
    k : int
        Neighbours with ``weights="knn"``.
    need_column, supply_column : str

    Returns
    -------
    pandas.DataFrame
        :data:`HOTSPOT_COLUMNS`: ``score`` (0–1), ``z`` (Gi* z-score, or the standardised
        local Moran's I), ``p_sim`` and ``label`` ("hot spot", "cold spot", "not
        significant"); units left out of the test have NaN and label "not assessed".

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> u = am.need_index(s.units)
    >>> hs = hotspots(u, am.access(u, s.assets), domains=["food"], permutations=99)
    >>> set(hs["label"]) <= {"hot spot", "cold spot", "not significant", "not assessed"}
    True
    """
    try:
        import esda
        import libpysal
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = "hot spots need PySAL's esda and libpysal: pip install esda libpysal"
        raise ImportError(msg) from exc
    if method not in {"gi_star", "moran"}:
        msg = f"method must be 'gi_star' or 'moran', got {method!r}"
        raise InputError(msg)
    if weights not in {"queen", "knn"}:
        msg = f"weights must be 'queen' or 'knn', got {weights!r}"
        raise InputError(msg)
    keys = list(domains) if domains is not None else list(access["domain"].astype(str).unique())
    frames = []
    for key in keys:
        score = need_without_access(
            units, access, key, need_column=need_column, supply_column=supply_column
        )
        keep = score.notna().to_numpy()
        res = pd.DataFrame(
            {
                "unit_id": score.index,
                "domain": key,
                "score": score.to_numpy(),
                "z": np.nan,
                "p_sim": np.nan,
                "label": "not assessed",
            }
        )
        sub = units.loc[keep]
        if keep.sum() >= 3 and float(np.nanstd(score[keep])) > 0:
            w = _weights(libpysal, sub, weights, k)
            y = score.to_numpy()[keep]
            with warnings.catch_warnings():
                # esda announces a change of its default alternative; ours is stated above
                warnings.simplefilter("ignore", DeprecationWarning)
                if method == "gi_star":
                    stat = esda.G_Local(
                        y, w, transform="B", star=True, permutations=permutations, seed=seed
                    )
                    z = np.asarray(stat.Zs, float)
                    high, low = z > 0, z < 0
                else:
                    w.transform = "r"
                    stat = esda.Moran_Local(y, w, permutations=permutations, seed=seed)
                    z = np.asarray(stat.z_sim, float)
                    high, low = stat.q == 1, stat.q == 3
            p = np.asarray(stat.p_sim, float)
            label = np.where(
                (p <= alpha) & high, "hot spot", np.where((p <= alpha) & low, "cold spot", "")
            )
            label = np.where(label == "", "not significant", label)
            res.loc[keep, "z"] = z
            res.loc[keep, "p_sim"] = p
            res.loc[keep, "label"] = label
        frames.append(res)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=HOTSPOT_COLUMNS)
    out.attrs["hotspots"] = {
        "method": method,
        "permutations": permutations,
        "alpha": alpha,
        "seed": seed,
        "weights": weights if weights == "queen" else f"knn k={k}",
    }
    return out[HOTSPOT_COLUMNS]


def _weights(libpysal: Any, units: gpd.GeoDataFrame, kind: str, k: int) -> Any:
    lw = libpysal.weights
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands: Gi* still counts each unit itself
        if kind == "queen":
            w = lw.Queen.from_dataframe(units.reset_index(drop=True), use_index=False)
        else:
            from assetmap.analysis.context import working_crs
            from assetmap.region import origins

            o = origins(units, working_crs(units))
            w = lw.KNN.from_array(np.column_stack([o.x, o.y]), k=min(k, len(units) - 1))
    return w
