"""Overlaps: where several providers of one domain crowd the same ground.

Two kinds, one row each:

``cluster``
    Same-domain services whose catchments (discs of the domain's travel threshold)
    largely coincide: two equal discs whose centres are ``d`` apart share the fraction
    ``f(d) = 2/pi * (acos(x) - x * sqrt(1 - x**2))`` with ``x = d / 2r`` of their area; services
    sharing at least ``min_share`` (default 75%) are linked and linked services form a
    group when at least ``min_providers`` of them are linked.
``over_served``
    Units whose supply per resident (2SFCA) is in the top ``high_supply`` share of the
    region while their need percentile is below ``low_need``: capacity that could move
    toward gaps.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from assetmap.access import TravelOptions
from assetmap.domains import Domain, load_domains
from assetmap.need import percentile_rank
from assetmap.region import measure_crs, origins

__all__ = ["OVERLAP_COLUMNS", "disc_overlap_share", "find_overlaps"]

OVERLAP_COLUMNS = [
    "overlap_id",
    "domain",
    "kind",
    "n_providers",
    "asset_ids",
    "names",
    "unit_id",
    "population",
    "note",
    "geometry",
]


def disc_overlap_share(d: np.ndarray | float, r: float) -> np.ndarray:
    """Share of a disc of radius ``r`` covered by an equal disc ``d`` away.

    Examples
    --------
    >>> float(disc_overlap_share(0.0, 1.0)), float(disc_overlap_share(2.0, 1.0))
    (1.0, 0.0)
    """
    x = np.clip(np.asarray(d, float) / (2.0 * r), 0.0, 1.0)
    return np.asarray(2.0 / np.pi * (np.arccos(x) - x * np.sqrt(1.0 - x**2)))


def find_overlaps(
    units: gpd.GeoDataFrame,
    assets: gpd.GeoDataFrame,
    access: pd.DataFrame,
    *,
    domains: dict[str, Domain] | None = None,
    travel: TravelOptions | None = None,
    min_share: float = 0.75,
    min_providers: int = 3,
    high_supply: float = 0.90,
    low_need: float = 0.50,
    need_column: str = "need_pct",
) -> gpd.GeoDataFrame:
    """Find duplicated services and over-served units, per domain.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units with population and (optionally) a need percentile column.
    assets : geopandas.GeoDataFrame
        Assets.
    access : pandas.DataFrame
        Access long table (see :func:`assetmap.access`).
    domains : dict, optional
        Domain definitions (thresholds).
    travel : TravelOptions, optional
        Must match the one used for ``access``.
    min_share : float
        Catchment share two services must have in common to be linked (0–1).
    min_providers : int
        Smallest group reported as a cluster.
    high_supply, low_need : float
        A unit is over-served when its 2SFCA ratio ranks at or above ``high_supply`` and
        its need percentile is below ``low_need``.
    need_column : str
        Column of units holding the need percentile (0–1).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per overlap with ``overlap_id``, ``domain``, ``kind`` ("cluster" or
        "over_served"), ``n_providers``, ``asset_ids`` and ``names`` (";"-joined),
        ``unit_id`` (over-served rows), ``population`` (residents within reach of the
        cluster, or of the unit) and a plain-language ``note``; EPSG:4326.

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> units = am.need_index(s.units)
    >>> ov = am.find_overlaps(units, s.assets, am.access(units, s.assets))
    >>> set(ov["kind"]) <= {"cluster", "over_served"}
    True
    """
    doms = domains or load_domains()
    opt = travel or TravelOptions()
    crs = measure_crs(units)
    o_xy = np.column_stack([(p := origins(units, crs)).x, p.y])
    pop = pd.to_numeric(units["population"], errors="coerce").fillna(0).to_numpy(float)
    otree = cKDTree(o_xy)
    a_proj = assets.to_crs(crs)
    rows: list[dict[str, object]] = []
    x_star = brentq(lambda x: disc_overlap_share(2 * x, 1.0) - min_share, 0.0, 1.0)
    for key, dom in doms.items():
        sel = a_proj[a_proj["domain"] == key]
        if len(sel) < max(2, min_providers):
            continue
        r = dom.threshold_min * opt.metres_per_min / opt.circuity
        xy = np.column_stack([sel.geometry.x, sel.geometry.y])
        pairs = cKDTree(xy).query_pairs(2 * x_star * r, output_type="ndarray")
        if len(pairs) == 0:
            continue
        n = len(sel)
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
        _, label = connected_components(graph, directed=False)
        for lab in np.unique(label):
            members = np.flatnonzero(label == lab)
            if len(members) < min_providers:
                continue
            grp = sel.iloc[members]
            reach = otree.query_ball_point(xy[members], r)
            covered = sorted({i for lst in reach for i in lst})
            people = float(pop[covered].sum())
            hull = grp.geometry.union_all().convex_hull.buffer(60)
            rows.append(
                {
                    "domain": key,
                    "kind": "cluster",
                    "n_providers": len(members),
                    "asset_ids": ";".join(grp["asset_id"].astype(str)),
                    "names": ";".join(grp["name"].astype(str)),
                    "unit_id": "",
                    "population": people,
                    "note": (
                        f"{len(members)} {dom.label.lower()} services within "
                        f"{2 * x_star * r:,.0f} m of each other share most of their "
                        f"{dom.threshold_min:g}-minute walking catchments"
                    ),
                    "geometry": hull,
                }
            )
    rows += _over_served(units, access, doms, high_supply, low_need, need_column, crs)
    if not rows:
        empty = gpd.GeoDataFrame(
            {c: [] for c in OVERLAP_COLUMNS if c != "geometry"},
            geometry=gpd.GeoSeries([], crs=crs),
        )
        return empty.to_crs("EPSG:4326")
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs).to_crs("EPSG:4326")
    out.insert(0, "overlap_id", [f"ov{i + 1:04d}" for i in range(len(out))])
    return out[OVERLAP_COLUMNS]


def _over_served(
    units: gpd.GeoDataFrame,
    access: pd.DataFrame,
    doms: dict[str, Domain],
    high_supply: float,
    low_need: float,
    need_column: str,
    crs: object,
) -> list[dict[str, object]]:
    if need_column not in units.columns or access.empty:
        return []
    rows: list[dict[str, object]] = []
    need = pd.to_numeric(units[need_column], errors="coerce")
    geoms = units.geometry.to_crs(crs)
    populated = pd.to_numeric(units["population"], errors="coerce").fillna(0) > 0
    for key, grp in access.groupby("domain", sort=False):
        g = grp.set_index("unit_id").reindex(units.index.astype(str))
        ratio = g["fca_ratio"].where(populated.to_numpy())
        supply_rank = percentile_rank(ratio)
        hit = (supply_rank >= high_supply) & (need.to_numpy() < low_need) & (g["count_within"] >= 2)
        for uid in g.index[hit.fillna(False).to_numpy()]:
            label = doms[str(key)].label.lower() if str(key) in doms else str(key)
            rows.append(
                {
                    "domain": key,
                    "kind": "over_served",
                    "n_providers": int(g.at[uid, "count_within"]),
                    "asset_ids": "",
                    "names": "",
                    "unit_id": uid,
                    "population": float(units.at[uid, "population"]),
                    "note": (
                        f"{units.at[uid, 'name']}: {int(g.at[uid, 'count_within'])} "
                        f"{label} services within reach and supply per resident in the "
                        f"top {100 * (1 - high_supply):.0f}%, while need is below the "
                        f"{100 * low_need:.0f}th percentile"
                    ),
                    "geometry": geoms.at[uid],
                }
            )
    return rows
