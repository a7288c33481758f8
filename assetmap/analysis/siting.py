"""New sites: where one more service of a domain would reach the most residents without one.

:func:`suggest_sites` solves, per domain, a **maximal covering location problem** (Church &
ReVelle 1974, "The maximal covering location problem", *Papers of the Regional Science
Association* 32(1)): choose ``k`` sites among candidate places so that as many people as
possible live within the travel threshold of one of them. Here the people are the
residents of units with **no service of the domain within its threshold** (``count_within
== 0`` in the Access table), and high-need residents count first:

* **demand**: residential units (population > 0) with no service of the domain in reach,
  weighted by residents; *high need* when the unit's need percentile is at or above the
  gap percentile (``need_percentile``, as :func:`assetmap.find_gaps`). Units off the street
  network (network modes) are not assessed, as for gaps. With population points (the
  context's), demand is the residents at the points of those units that have no service
  within the threshold (a unit can be part reached), each point weighted by its residents;
* **candidates**: (a) the origin point of every residential unit (the point access is
  measured from: "in <neighbourhood>"); (b) the hospital's shareable spaces that could
  host the domain, or that have no ``hosts`` list ("at <space>"); (c) existing services of
  *other* domains, one per location (co-locating with a partner: "at <partner>");
* **coverage**: a candidate covers a unit when the travel time from the unit's origin to
  the candidate is within the domain's threshold, measured exactly as access measures it
  (:mod:`assetmap.analysis.context`: straight line × circuity at walking speed with a KD-tree, or
  bounded searches along the street graph, where candidates farther than ``max_snap_m``
  from any street are left out); no dense unit × candidate matrix is formed;
* **greedy choice**: pick the candidate reaching the most not-yet-reached high-need
  residents, ties broken by the most not-yet-reached residents, then by kind (a hospital
  space, then a partner's site, then a neighbourhood point: existing places first), then
  by candidate id, so results are deterministic; mark the units it reaches as reached;
  repeat up to ``k`` times or until no candidate reaches anyone new;
* **minimum reach**: a pick that brings fewer than ``min_reach`` residents (default 500)
  newly within reach is kept in the table with ``below_min_reach`` true, and is not a
  finding: the report and the map leave it out (a site for 56 people is not a plan).

Greedy covering is the classic heuristic for this problem: the residents reached are a
monotone submodular function of the chosen sites, so the high-need residents reached by
the greedy ``k`` sites are at least ``1 − 1/e`` (about 63%) of what the best ``k`` sites
would reach (Nemhauser, Wolsey & Fisher 1978, "An analysis of approximations for
maximizing submodular set functions—I", *Mathematical Programming* 14(1)).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from assetmap.analysis._costs import NetworkCosts
from assetmap.analysis.context import TravelContext
from assetmap.analysis.travel import TravelOptions
from assetmap.domains import Domain, parse_hosts
from assetmap.errors import InputError

__all__ = ["KINDS", "METHOD", "SITE_COLUMNS", "empty_sites", "suggest_sites"]

SITE_COLUMNS = [
    "domain",
    "rank",
    "kind",
    "candidate_id",
    "name",
    "new_residents",
    "new_high_need_residents",
    "units_reached",
    "reached_ids",
    "share_of_gap_residents",
    "threshold_min",
    "below_min_reach",
]

#: Kinds of candidate site, in the order that breaks ties (existing places first).
KINDS = ("space", "partner", "neighbourhood")

#: The method in a line, for provenance.
METHOD = (
    "greedy maximal covering location (Church & ReVelle 1974), high-need residents first; "
    "the greedy picks reach at least 1 - 1/e of the best coverage (Nemhauser, Wolsey & "
    "Fisher 1978)"
)


def empty_sites() -> gpd.GeoDataFrame:
    """Return a sites table with no rows (the columns of :func:`suggest_sites`).

    Examples
    --------
    >>> empty_sites().columns[:3].tolist()
    ['domain', 'rank', 'kind']
    """
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype=object) for c in SITE_COLUMNS}, geometry=[], crs="EPSG:4326"
    )


def suggest_sites(
    units: gpd.GeoDataFrame,
    assets: gpd.GeoDataFrame,
    access: pd.DataFrame,
    *,
    k: int = 3,
    need_percentile: float = 75.0,
    spaces: gpd.GeoDataFrame | None = None,
    travel: TravelOptions | None = None,
    origins: gpd.GeoSeries | None = None,
    domains: dict[str, Domain] | None = None,
    only: Sequence[str] | None = None,
    context: TravelContext | None = None,
    min_reach: float = 500.0,
) -> gpd.GeoDataFrame:
    """Suggest up to ``k`` new sites per domain that would reach the most unserved residents.

    Greedy maximal covering location (Church & ReVelle 1974), high-need residents first;
    see the module docstring for demand, candidates, coverage and the tie-breaking rule.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units with ``population`` and ``need_pct`` (see :func:`assetmap.need_index`).
    assets : geopandas.GeoDataFrame
        The study's Assets; those of *other* domains are candidate partner sites.
    access : pandas.DataFrame
        The Access table of ``units`` (see :func:`assetmap.analysis.access`): demand is the units
        with ``count_within == 0``; each domain's ``threshold_min`` is its reach.
    k : int, default 3
        Most sites suggested per domain; 0 suggests none.
    need_percentile : float, default 75
        Need percentile (0–100) at or above which a unit is high need: the gap percentile.
    spaces : geopandas.GeoDataFrame, optional
        The hospital's shareable spaces (``space_id``, ``name``, ``hosts``: domain keys
        joined by ``;``), e.g. ``atlas.anchor.spaces``. A space is a candidate for the
        domains it can host, or for every domain when it has no ``hosts``.
    travel : TravelOptions, optional
        The travel rule access used (straight line by default).
    origins : geopandas.GeoSeries, optional
        The unit origins access used, if not the default (see :func:`assetmap.analysis.access`).
    domains : dict of str to Domain, optional
        Orders the result (file order) and gives thresholds the Access table lacks.
    only : sequence of str, optional
        Domains to site (every domain of ``access`` when omitted).
    context : TravelContext, optional
        The study's travel context, shared with :func:`assetmap.analysis.access` (its
        working CRS, unit origins and, on a street network, the origins already snapped);
        made from ``units``, ``travel`` and ``origins`` when omitted.
    min_reach : float, default 500
        Fewest residents a site must bring newly within reach to be a finding; sites
        below it stay in the table with ``below_min_reach`` true (0 flags none).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per suggested site, points in EPSG:4326, by domain then ``rank`` (1 is
        the first pick): ``domain``, ``rank``, ``kind`` ("neighbourhood", "space",
        "partner"), ``candidate_id`` (unit, space or asset id), ``name`` ("in <unit>",
        "at <space or partner>"), ``new_residents`` and ``new_high_need_residents``
        (residents newly within reach), ``units_reached`` and ``reached_ids`` (the units
        newly within reach, ids joined by ``;``), ``share_of_gap_residents`` (share of
        the domain's residents without a service in reach who are reached by this and
        the earlier picks, 0–1), ``threshold_min`` and ``below_min_reach`` (fewer than
        ``min_reach`` new residents: not a finding). A domain with no unserved
        residents gives no row.

    Raises
    ------
    InputError
        When ``k`` is negative, ``units`` lack ``population`` or ``need_pct``, or
        ``access`` lacks ``unit_id``, ``domain`` or ``count_within``.

    Examples
    --------
    >>> import assetmap as am
    >>> atlas = am.load_sample().build()
    >>> sites = am.suggest_sites(atlas.units, atlas.assets, atlas.access, k=2,
    ...                          spaces=atlas.anchor.spaces)
    >>> int(sites.loc[sites["domain"] == "food", "rank"].max())
    2
    >>> bool(sites["share_of_gap_residents"].between(0, 1).all())
    True
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
        msg = f"k must be a whole number of sites, 0 or more, got {k!r}"
        raise InputError(msg)
    if not min_reach >= 0:
        msg = f"min_reach must be a number of residents, 0 or more, got {min_reach!r}"
        raise InputError(msg)
    if not 0 <= need_percentile <= 100:
        msg = f"need_percentile must be between 0 and 100, got {need_percentile}"
        raise InputError(msg)
    for col in ("population", "need_pct"):
        if col not in units.columns:
            msg = f"units have no {col!r} column; run assetmap.need_index(units) first"
            raise InputError(msg, column=col)
    for col in ("unit_id", "domain", "count_within"):
        if col not in access.columns:
            msg = f"the access table has no {col!r} column; make it with assetmap.analysis.access"
            raise InputError(msg, column=col)
    if k == 0 or access.empty or units.empty:
        return empty_sites()
    ctx = TravelContext.resolve(context, units, travel=travel, origins=origins)
    crs, xy = ctx.crs, ctx.origin_xy
    ids = np.asarray(units.index.astype(str))
    pop = pd.to_numeric(units["population"], errors="coerce").fillna(0).to_numpy(float)
    need = pd.to_numeric(units["need_pct"], errors="coerce").to_numpy(float)
    high = (pop > 0) & (need >= need_percentile / 100.0)
    at, p_pop = ctx.point_unit, ctx.point_population  # the units themselves without points
    frames = []
    for key in _domain_order(access, domains, only):
        rows = access[access["domain"].astype(str) == key]
        minutes = _threshold(rows, key, domains)
        unserved = rows["count_within"].fillna(0) == 0
        if ctx.has_points and "population_beyond" in rows.columns:
            unserved |= pd.to_numeric(rows["population_beyond"], errors="coerce") > 0
        if "status" in rows.columns:
            unserved &= rows["status"] != "off_network"
        # pandas hashes the ids: numpy's isin sorts object arrays (100x slower on 5,000 units)
        gap_ids = rows.loc[unserved, "unit_id"].astype(str)
        wanted = pd.Index(ids).isin(gap_ids)[at] & (p_pop > 0)
        if ctx.has_points:  # only the points with no service in reach
            wanted &= _beyond(ctx, key, minutes)
        demand = np.flatnonzero(wanted)
        if len(demand) == 0:
            continue
        cands = _candidates(key, units, ids, pop, xy, crs, assets, spaces)
        picks = _greedy(ctx, demand, p_pop, high[at], cands, minutes, k)
        if picks:
            frames.append(_rows(key, picks, cands, ids, (at, p_pop), high, demand, minutes))
    if not frames:
        return empty_sites()
    out = pd.concat(frames, ignore_index=True)
    out["below_min_reach"] = out["new_residents"].astype(float) < float(min_reach)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs).to_crs("EPSG:4326")


def _beyond(ctx: TravelContext, key: str, minutes: float) -> np.ndarray:
    """Points with no service of the domain within ``minutes`` (the context's assets)."""
    if ctx.assets is None:
        msg = (
            "a travel context with population points needs the assets to find who is beyond "
            "reach; make it with TravelContext(units, assets, points=...)"
        )
        raise InputError(msg)
    oi, _, _ = ctx.pairs(key, minutes)
    out: np.ndarray = np.bincount(oi, minlength=len(ctx.point_unit)) == 0
    return out


def _domain_order(
    access: pd.DataFrame, domains: dict[str, Domain] | None, only: Sequence[str] | None
) -> list[str]:
    present = list(pd.unique(access["domain"].astype(str)))
    order = [d for d in (domains or {}) if d in present]
    order += [d for d in present if d not in order]
    return [d for d in order if only is None or d in only]


def _threshold(rows: pd.DataFrame, key: str, domains: dict[str, Domain] | None) -> float:
    if "threshold_min" in rows.columns:
        t = pd.to_numeric(rows["threshold_min"], errors="coerce").dropna()
        if len(t):
            return float(t.iloc[0])
    if domains and key in domains:
        return float(domains[key].threshold_min)
    msg = f"no travel threshold for domain {key!r}: the access table has no threshold_min"
    raise InputError(msg, column="threshold_min")


def _candidates(
    key: str,
    units: gpd.GeoDataFrame,
    ids: np.ndarray,
    pop: np.ndarray,
    xy: np.ndarray,
    crs: object,
    assets: gpd.GeoDataFrame,
    spaces: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    """Candidate sites of one domain: id, kind, plain-text name and x, y in ``crs``."""
    parts = []
    res = np.flatnonzero(pop > 0)
    names = units["name"] if "name" in units.columns else pd.Series(ids, index=units.index)
    unit_names = [
        str(n) if pd.notna(n) and str(n).strip() else i for n, i in zip(names, ids, strict=True)
    ]
    parts.append(
        pd.DataFrame(
            {
                "candidate_id": ids[res],
                "kind": "neighbourhood",
                "name": [f"in {unit_names[i]}" for i in res],
                "x": xy[res, 0],
                "y": xy[res, 1],
            }
        )
    )
    if spaces is not None and len(spaces):
        hosts = spaces["hosts"] if "hosts" in spaces.columns else pd.Series(None, spaces.index)
        ok = np.array([not h or key in h for h in map(parse_hosts, hosts)], dtype=bool)
        sp_ok = spaces[ok & spaces.geometry.notna().to_numpy()]
        if len(sp_ok):
            sid = sp_ok["space_id"] if "space_id" in sp_ok.columns else sp_ok.index.to_series()
            pts = _points(sp_ok.geometry, crs)
            parts.append(
                pd.DataFrame(
                    {
                        "candidate_id": sid.astype(str).to_numpy(),
                        "kind": "space",
                        "name": [f"at {n}" for n in sp_ok.get("name", sid).astype(str)],
                        "x": pts[:, 0],
                        "y": pts[:, 1],
                    }
                )
            )
    if len(assets) and "domain" in assets.columns:
        other = assets[(assets["domain"].astype(str) != key) & assets.geometry.notna()]
        if len(other):
            pts = _points(other.geometry, crs)
            p = pd.DataFrame(
                {
                    "candidate_id": other["asset_id"].astype(str).to_numpy(),
                    "kind": "partner",
                    "name": [f"at {n}" for n in other["name"].astype(str)],
                    "x": pts[:, 0],
                    "y": pts[:, 1],
                }
            )
            # one candidate per location (to the metre): the partner with the first id
            p = p.sort_values("candidate_id", kind="stable")
            p = p.loc[~p[["x", "y"]].round(0).duplicated()]
            parts.append(p)
    out = pd.concat(parts, ignore_index=True)
    return out[np.isfinite(out["x"]) & np.isfinite(out["y"])].reset_index(drop=True)


def _points(geoms: gpd.GeoSeries, crs: object) -> np.ndarray:
    g = geoms.to_crs(crs)
    if len(g) and (g.geom_type != "Point").any():
        g = g.representative_point()
    return np.column_stack([g.x.to_numpy(float), g.y.to_numpy(float)]).reshape(-1, 2)


def _greedy(
    ctx: TravelContext,
    demand: np.ndarray,
    pop: np.ndarray,
    high: np.ndarray,
    cands: pd.DataFrame,
    minutes: float,
    k: int,
) -> list[tuple[int, np.ndarray]]:
    """Return the greedy picks: (candidate position, positions in ``demand`` newly reached).

    ``demand`` holds positions of the context's points (the units without points);
    ``pop`` and ``high`` are given per point.
    """
    if cands.empty:
        return []
    eng = ctx.engine_for(demand)
    c_xy = cands[["x", "y"]].to_numpy(float).reshape(-1, 2)
    keep = np.arange(len(cands))
    if isinstance(eng, NetworkCosts):  # candidates off the street graph reach no one
        _, leg = eng.g.snap(eng.project(c_xy))
        keep = np.flatnonzero(leg <= ctx.travel.max_snap_m)
    if len(keep) == 0:
        return []
    oi, ci, _ = eng.pairs(eng.prepare(c_xy[keep]), float(minutes))
    ci = keep[ci]
    if len(oi) == 0:
        return []
    n_d, n_c = len(demand), len(cands)
    reach = sp.csr_matrix((np.ones(len(oi)), (ci, oi)), shape=(n_c, n_d))
    reach.sum_duplicates()
    w_all = pop[demand]
    w_high = np.where(high[demand], w_all, 0.0)
    kind = cands["kind"].map({k_: i for i, k_ in enumerate(KINDS)}).to_numpy()
    id_rank = np.unique(cands["candidate_id"].astype(str).to_numpy(), return_inverse=True)[1]
    position = np.arange(n_c)
    open_ = np.ones(n_d, dtype=bool)
    picks: list[tuple[int, np.ndarray]] = []
    for _ in range(k):
        gain_high = reach @ (w_high * open_)
        gain_all = reach @ (w_all * open_)
        if not (gain_all > 0).any():
            break
        best = int(np.lexsort((position, id_rank, kind, -gain_all, -gain_high))[0])
        row = reach.indices[reach.indptr[best] : reach.indptr[best + 1]]
        new = np.sort(row[open_[row]])
        open_[new] = False
        picks.append((best, new))
    return picks


def _rows(
    key: str,
    picks: list[tuple[int, np.ndarray]],
    cands: pd.DataFrame,
    ids: np.ndarray,
    points: tuple[np.ndarray, np.ndarray],
    high: np.ndarray,
    demand: np.ndarray,
    minutes: float,
) -> pd.DataFrame:
    at, pop = points
    total = float(pop[demand].sum())
    reached = 0.0
    rows = []
    for rank, (c, new) in enumerate(picks, start=1):
        reached_points = demand[new]
        units = np.unique(at[reached_points])
        n_all = float(pop[reached_points].sum())
        reached += n_all
        rows.append(
            {
                "domain": key,
                "rank": rank,
                "kind": str(cands.at[c, "kind"]),
                "candidate_id": str(cands.at[c, "candidate_id"]),
                "name": str(cands.at[c, "name"]),
                "new_residents": n_all,
                "new_high_need_residents": float(
                    pop[reached_points][high[at[reached_points]]].sum()
                ),
                "units_reached": len(units),
                "reached_ids": ";".join(sorted(ids[units])),
                "share_of_gap_residents": reached / total if total else 0.0,
                "threshold_min": float(minutes),
                "geometry": gpd.points_from_xy([cands.at[c, "x"]], [cands.at[c, "y"]])[0],
            }
        )
    return pd.DataFrame(rows, columns=[*SITE_COLUMNS, "geometry"])
