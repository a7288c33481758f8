"""Overlaps: where providers of one domain crowd the same ground, and where capacity could move.

:func:`find_overlaps` returns one row per finding, two kinds:

``cluster``
    Services of the same kind whose catchments largely coincide. "The same kind" is the
    asset's ``service_type`` (an HSDS taxonomy code, the OpenStreetMap tag that matched,
    or a ``service_type`` column of the user's file; compared ignoring case and repeated
    spaces): a pantry and a SNAP enrolment desk are both food services but not duplicates.
    Services with no ``service_type`` fall back to their domain, compared only with one
    another, and the row says so (``compared_by``: ``"service_type"`` or ``"domain"``).
    The shared share of two catchments is measured by *area* — two equal discs of the
    domain's straight-line reach whose centres are ``d`` apart share
    ``f(d) = 2/pi * (acos(x) - x * sqrt(1 - x**2))`` (``x = d / 2r``) of their area —
    or by *covered population* — the residents within reach of both over those within
    reach of the smaller (``share_by="population"``, the only choice on a street network).
    Services sharing at least ``min_share`` (default 75%) are linked; linked services
    form a group when at least ``min_providers`` are.
``over_served``
    Units whose supply per resident (enhanced 2SFCA) ranks in the top ``high_supply`` share
    of the region while their need percentile is below ``low_need`` and at least two
    services are within reach: capacity that could move toward need. Each row names the
    nearest *under-served* unit of the same domain (need at or above ``high_need``,
    supply in the bottom ``low_supply``), where it could go.

Columns (EPSG:4326 GeoDataFrame): ``overlap_id``, ``domain``, ``kind``, ``compared_by``
(clusters: ``"service_type"`` or ``"domain"``; over-served rows: ``"domain"``, as supply is
counted per domain), ``service_type`` (the type compared, as first written; empty when
compared by domain), ``n_providers``,
``asset_ids`` and ``names`` (";"-joined), ``unit_id`` (over-served), ``population``
(residents within reach of the cluster, or of the unit), ``note`` (plain language),
``share`` (cluster: smallest share linking two of its services), ``need_pct`` and
``supply_per_1000`` (over-served unit), ``partner_unit_id``, ``partner_name`` and
``partner_km`` (the under-served unit nearest to it, straight line), ``geometry``.

:func:`provider_coverage` (from :mod:`assetmap.analysis.coverage`; per domain: how many
residents have 0, 1, 2, 3+ providers within reach, split by need) and
:func:`capacity_balance` (over-served and under-served units side by side) give the
tables behind those findings.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import brentq
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from assetmap.analysis.context import TravelContext
from assetmap.analysis.coverage import COVERAGE_COLUMNS, provider_coverage
from assetmap.analysis.need import percentile_rank
from assetmap.analysis.travel import TravelOptions
from assetmap.domains import Domain, load_domains
from assetmap.errors import InputError

__all__ = [
    "BALANCE_COLUMNS",
    "COVERAGE_COLUMNS",
    "OVERLAP_COLUMNS",
    "capacity_balance",
    "disc_overlap_share",
    "find_overlaps",
    "provider_coverage",
    "service_type_keys",
]

OVERLAP_COLUMNS = [
    "overlap_id",
    "domain",
    "kind",
    "compared_by",
    "service_type",
    "n_providers",
    "asset_ids",
    "names",
    "unit_id",
    "population",
    "note",
    "share",
    "need_pct",
    "supply_per_1000",
    "partner_unit_id",
    "partner_name",
    "partner_km",
    "geometry",
]


BALANCE_COLUMNS = [
    "domain",
    "over_unit_id",
    "over_name",
    "over_population",
    "over_need_pct",
    "over_supply_per_1000",
    "over_providers",
    "under_unit_id",
    "under_name",
    "under_population",
    "under_need_pct",
    "under_supply_per_1000",
    "under_providers",
    "distance_km",
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


def service_type_keys(assets: pd.DataFrame) -> pd.Series:
    """Return each asset's service type as compared: casefolded, spaces collapsed.

    ``""`` where the asset has none (no ``service_type`` column, or an empty cell): such
    assets are compared by domain only.

    Parameters
    ----------
    assets : pandas.DataFrame
        Assets, with or without a ``service_type`` column.

    Returns
    -------
    pandas.Series
        Strings on the index of ``assets``.

    Examples
    --------
    >>> df = pd.DataFrame({"service_type": ["Food  Pantry", "food pantry ", None, "WIC"]})
    >>> service_type_keys(df).tolist()
    ['food pantry', 'food pantry', '', 'wic']
    """
    if "service_type" not in assets.columns:
        return pd.Series("", index=assets.index, dtype=object)
    raw = assets["service_type"].astype(object).where(assets["service_type"].notna(), "")
    return raw.astype(str).str.split().str.join(" ").str.casefold()


def find_overlaps(
    units: gpd.GeoDataFrame,
    assets: gpd.GeoDataFrame,
    access: pd.DataFrame,
    *,
    domains: dict[str, Domain] | None = None,
    travel: TravelOptions | None = None,
    min_share: float = 0.75,
    min_providers: int = 3,
    share_by: str | None = None,
    high_supply: float = 0.90,
    low_need: float = 0.50,
    high_need: float = 0.75,
    low_supply: float = 0.25,
    need_column: str = "need_pct",
    supply_column: str = "e2sfca_ratio",
    origins: gpd.GeoSeries | None = None,
    context: TravelContext | None = None,
    balance: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Find duplicated services and over-served units, per domain.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units with population and (optionally) a need percentile column.
    assets : geopandas.GeoDataFrame
        Assets.
    access : pandas.DataFrame
        Access long table (see :func:`assetmap.analysis.access`).
    domains : dict, optional
        Domain definitions (thresholds).
    travel : TravelOptions, optional
        Must match the one used for ``access``.
    min_share : float
        Catchment share two services must have in common to be linked (0–1).
    min_providers : int
        Smallest group reported as a cluster. Only services of one ``service_type``
        (see :func:`service_type_keys`) are linked; services without one are linked
        with the other services of their domain that have none.
    share_by : {"area", "population"}, optional
        How catchment overlap is measured: "area" (straight line only, the default there)
        or "population" (the default on a street network).
    high_supply, low_need : float
        A unit is over-served when its supply ranks at or above ``high_supply`` and its
        need percentile is below ``low_need``.
    high_need, low_supply : float
        A unit is under-served when its need percentile is at or above ``high_need`` and
        its supply ranks at or below ``low_supply`` (no service in reach counts as 0).
    need_column : str
        Column of units holding the need percentile (0–1).
    supply_column : str
        Access column holding supply per resident (default the enhanced 2SFCA).
    origins : geopandas.GeoSeries, optional
        One point per unit, as given to :func:`assetmap.analysis.access`.
    context : TravelContext, optional
        The study's travel context, shared with :func:`assetmap.analysis.access` so the
        catchments are found once (see :mod:`assetmap.analysis.context`).
    balance : pandas.DataFrame, optional
        The :func:`capacity_balance` table of ``units`` and ``access`` with the same
        thresholds, when already made (it gives the over-served rows); made here when
        omitted.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per overlap, the columns described in the module docstring; EPSG:4326.

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
    opt = travel or (context.travel if context is not None else TravelOptions())
    how = share_by or ("area" if opt.mode == "straight" else "population")
    if how not in {"area", "population"} or (how == "area" and opt.mode != "straight"):
        msg = "share_by must be 'area' (straight-line travel only) or 'population'"
        raise InputError(msg)
    ctx = TravelContext.resolve(context, units, assets, travel=opt, origins=origins)
    crs = ctx.crs
    pop = ctx.population
    rows: list[dict[str, object]] = []
    for key, dom in doms.items():
        at = ctx.domain_rows(key)
        if len(at) < max(2, min_providers):
            continue
        sel = ctx.projected_assets.iloc[at]
        pairs = ctx.pair_table(key, dom.threshold_min)
        kinds = service_type_keys(sel).to_numpy()
        for kind in sorted(set(kinds)):
            part = sel[kinds == kind]
            if len(part) < max(2, min_providers):
                continue
            mine = pairs[pairs["asset_id"].isin(part["asset_id"].astype(str))]
            typ = _written(part) if kind else ""
            rows += _clusters(
                units, part, mine, pop, dom, key, opt, how, min_share, min_providers, typ
            )
    rows += _over_served(
        units,
        access,
        doms,
        high_supply,
        low_need,
        high_need,
        low_supply,
        need_column,
        supply_column,
        ctx,
        balance,
    )
    if not rows:
        empty = gpd.GeoDataFrame(
            {c: [] for c in OVERLAP_COLUMNS if c != "geometry"},
            geometry=gpd.GeoSeries([], crs=crs),
        )
        return empty.to_crs("EPSG:4326")
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs).to_crs("EPSG:4326")
    out.insert(0, "overlap_id", [f"ov{i + 1:04d}" for i in range(len(out))])
    for col in OVERLAP_COLUMNS:
        if col not in out.columns:
            out[col] = np.nan
    return out[OVERLAP_COLUMNS]


def _clusters(
    units: gpd.GeoDataFrame,
    sel: gpd.GeoDataFrame,
    pairs: pd.DataFrame,
    pop: np.ndarray,
    dom: Domain,
    key: str,
    opt: TravelOptions,
    how: str,
    min_share: float,
    min_providers: int,
    typ: str,
) -> list[dict[str, object]]:
    """Clusters among ``sel``: services of one domain and one type (``typ``, "" for none)."""
    n = len(sel)
    aid = pd.Index(sel["asset_id"].astype(str))
    uid = pd.Index(units.index.astype(str))
    a_i = aid.get_indexer(pairs["asset_id"])
    u_i = uid.get_indexer(pairs["unit_id"])
    cover = sp.csr_array((np.ones(len(pairs)), (a_i, u_i)), shape=(n, len(uid)))
    cover.data[:] = 1.0
    if how == "area":
        r = dom.threshold_min * opt.metres_per_min / opt.circuity
        x_star = brentq(lambda x: disc_overlap_share(2 * x, 1.0) - min_share, 0.0, 1.0)
        xy = np.column_stack([sel.geometry.x, sel.geometry.y])
        cand = cKDTree(xy).query_pairs(2 * x_star * r, output_type="ndarray")
        d = np.hypot(*(xy[cand[:, 0]] - xy[cand[:, 1]]).T) if len(cand) else np.zeros(0)
        share = disc_overlap_share(d, r) if len(cand) else np.zeros(0)
        link_i, link_j = (cand[:, 0], cand[:, 1]) if len(cand) else (np.zeros(0, int),) * 2
        reach = f"{2 * x_star * r:,.0f} m of each other"
    else:
        weighted = cover * pop[None, :]
        both = sp.triu(weighted @ cover.T, k=1).tocoo()  # people within reach of both
        own = np.asarray(weighted.sum(axis=1)).ravel()
        smaller = np.minimum(own[both.row], own[both.col])
        with np.errstate(divide="ignore", invalid="ignore"):
            share_all = np.where(smaller > 0, both.data / smaller, 0.0)
        ok = share_all >= min_share
        link_i, link_j, share = both.row[ok], both.col[ok], share_all[ok]
        reach = "the same residents"
    if len(link_i) == 0:
        return []
    graph = sp.coo_array((np.ones(len(link_i)), (link_i, link_j)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    rows: list[dict[str, object]] = []
    # each component's members in one pass (no scan of every label per component), and
    # the smallest shared catchment of its links
    order = np.argsort(label, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(label[order])) + 1)
    least = pd.Series(share).groupby(label[link_i]).min()
    for members in groups:
        if len(members) < min_providers:
            continue
        grp = sel.iloc[members]
        covered = np.asarray(cover[members].sum(axis=0)).ravel() > 0
        hull = grp.geometry.union_all().convex_hull.buffer(60)
        what = (
            f"{dom.label.lower()} services of one type ({typ})"
            if typ
            else f"{dom.label.lower()} services (compared by domain: no service type given)"
        )
        rows.append(
            {
                "domain": key,
                "kind": "cluster",
                "compared_by": "service_type" if typ else "domain",
                "service_type": typ,
                "n_providers": len(members),
                "asset_ids": ";".join(grp["asset_id"].astype(str)),
                "names": ";".join(grp["name"].astype(str)),
                "unit_id": "",
                "population": float(pop[covered].sum()),
                "note": (
                    f"{len(members)} {what} within {reach} share most of their "
                    f"{dom.threshold_min:g}-minute catchments"
                ),
                "share": float(least[label[members[0]]]),
                "geometry": hull,
            }
        )
    return rows


def _written(part: pd.DataFrame) -> str:
    """Return the service type of ``part`` as most often written (first spelling on ties)."""
    text = part["service_type"].astype(str).str.split().str.join(" ")
    return str(text.value_counts(sort=True).index[0])


def _supply_need(
    units: gpd.GeoDataFrame,
    access: pd.DataFrame,
    key: str,
    need_column: str,
    supply_column: str,
) -> pd.DataFrame:
    """Per unit of one domain: need, supply, its rank among populated units, providers."""
    g = access[access["domain"] == key].set_index("unit_id").reindex(units.index.astype(str))
    populated = (pd.to_numeric(units["population"], errors="coerce").fillna(0) > 0).to_numpy()
    col = supply_column if supply_column in g.columns else "fca_ratio"
    supply = pd.to_numeric(g[col], errors="coerce").fillna(0.0)
    return pd.DataFrame(
        {
            "need": pd.to_numeric(units[need_column], errors="coerce").to_numpy(),
            "supply": supply.to_numpy(),
            "rank": percentile_rank(supply.where(populated)).to_numpy(),
            "providers": g["count_within"].fillna(0).to_numpy(),
            "populated": populated,
        },
        index=units.index.astype(str),
    )


def capacity_balance(
    units: gpd.GeoDataFrame,
    access: pd.DataFrame,
    *,
    high_supply: float = 0.90,
    low_need: float = 0.50,
    high_need: float = 0.75,
    low_supply: float = 0.25,
    need_column: str = "need_pct",
    supply_column: str = "e2sfca_ratio",
    context: TravelContext | None = None,
) -> pd.DataFrame:
    """Over-served and under-served units side by side: where capacity could move.

    For each domain, every over-served unit (supply rank ≥ ``high_supply``, need below
    ``low_need``, two or more services in reach) is paired with the nearest under-served
    unit (need ≥ ``high_need``, supply rank ≤ ``low_supply``), straight-line distance
    between their origins.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units with population and the need column.
    access : pandas.DataFrame
        Access long table.
    high_supply, low_need, high_need, low_supply : float
        Percentile thresholds (0–1), see above.
    need_column, supply_column : str
    context : TravelContext, optional
        The study's travel context (its working CRS and the units' inside points);
        made from ``units`` when omitted.

    Returns
    -------
    pandas.DataFrame
        :data:`BALANCE_COLUMNS`: one row per over-served unit with its partner (partner
        columns empty when the domain has no under-served unit).

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> units = am.need_index(s.units)
    >>> bal = capacity_balance(units, am.access(units, s.assets))
    >>> bool((bal["over_need_pct"] < 0.5).all())
    True
    """
    if need_column not in units.columns:
        msg = f"units have no {need_column!r} column; run assetmap.need_index(units) first"
        raise InputError(msg, column=need_column)
    o = TravelContext.resolve(context, units).centres
    xy = pd.DataFrame({"x": o.x.to_numpy(), "y": o.y.to_numpy()}, index=units.index.astype(str))
    names = units["name"].astype(str).set_axis(units.index.astype(str))
    pops = pd.to_numeric(units["population"], errors="coerce").set_axis(units.index.astype(str))
    frames = []
    for key in access["domain"].astype(str).unique():
        t = _supply_need(units, access, key, need_column, supply_column)
        over = t[(t["rank"] >= high_supply) & (t["need"] < low_need) & (t["providers"] >= 2)]
        under = t[(t["need"] >= high_need) & (t["rank"] <= low_supply) & t["populated"]]
        if not len(over):
            continue
        ids = over.index.astype(str)
        part = pd.DataFrame(  # one block per domain, no row-by-row loop
            {
                "domain": key,
                "over_unit_id": ids,
                "over_name": names.reindex(ids).to_numpy(),
                "over_population": pops.reindex(ids).to_numpy(dtype=float),
                "over_need_pct": over["need"].to_numpy(dtype=float),
                "over_supply_per_1000": over["supply"].to_numpy(dtype=float),
                "over_providers": over["providers"].to_numpy(dtype=int),
            }
        )
        if len(under):
            d, j = cKDTree(xy.loc[under.index].to_numpy()).query(xy.loc[over.index].to_numpy())
            near = under.iloc[np.asarray(j, dtype=int)]
            vids = near.index.astype(str)
            part["under_unit_id"] = vids
            part["under_name"] = names.reindex(vids).to_numpy()
            part["under_population"] = pops.reindex(vids).to_numpy(dtype=float)
            part["under_need_pct"] = near["need"].to_numpy(dtype=float)
            part["under_supply_per_1000"] = near["supply"].to_numpy(dtype=float)
            part["under_providers"] = near["providers"].to_numpy(dtype=int)
            part["distance_km"] = np.asarray(d, dtype=float) / 1000.0
        frames.append(part)
    out = (
        pd.concat(frames, ignore_index=True).reindex(columns=BALANCE_COLUMNS)
        if frames
        else pd.DataFrame(columns=BALANCE_COLUMNS)
    )
    return out.sort_values(
        ["domain", "over_supply_per_1000"], ascending=[True, False], ignore_index=True
    )


def _over_served(
    units: gpd.GeoDataFrame,
    access: pd.DataFrame,
    doms: dict[str, Domain],
    high_supply: float,
    low_need: float,
    high_need: float,
    low_supply: float,
    need_column: str,
    supply_column: str,
    ctx: TravelContext,
    balance: pd.DataFrame | None,
) -> list[dict[str, object]]:
    if need_column not in units.columns or access.empty:
        return []
    bal = (
        balance
        if balance is not None
        else capacity_balance(
            units,
            access,
            high_supply=high_supply,
            low_need=low_need,
            high_need=high_need,
            low_supply=low_supply,
            need_column=need_column,
            supply_column=supply_column,
            context=ctx,
        )
    )
    geoms = ctx.unit_geometry.set_axis(ctx.unit_geometry.index.astype(str))
    rows: list[dict[str, object]] = []
    for r in bal.itertuples(index=False):
        key = str(r.domain)
        label = doms[key].label.lower() if key in doms else key
        partner = ""
        if isinstance(r.under_unit_id, str) and r.under_unit_id:
            partner = (
                f"; the nearest under-served neighbourhood is {r.under_name}, "
                f"{r.distance_km:.1f} km away"
            )
        rows.append(
            {
                "domain": key,
                "kind": "over_served",
                "compared_by": "domain",
                "service_type": "",
                "n_providers": int(r.over_providers),
                "asset_ids": "",
                "names": "",
                "unit_id": r.over_unit_id,
                "population": float(r.over_population),
                "note": (
                    f"{r.over_name}: {int(r.over_providers)} {label} services within reach "
                    f"and supply per resident in the top {100 * (1 - high_supply):.0f}%, "
                    f"while need is below the {100 * low_need:.0f}th percentile{partner}"
                ),
                "need_pct": float(r.over_need_pct),
                "supply_per_1000": float(r.over_supply_per_1000),
                "partner_unit_id": r.under_unit_id if isinstance(r.under_unit_id, str) else "",
                "partner_name": r.under_name if isinstance(r.under_name, str) else "",
                "partner_km": float(r.distance_km),
                "geometry": geoms.at[r.over_unit_id],
            }
        )
    return rows
