"""Gaps: units with high need and no service of a domain within reach.

:func:`find_gaps` — a unit is a gap for a domain when its overall need percentile is at
or above ``need_percentile`` (default the 75th: the top quartile, CDC/ATSDR SVI's "high
vulnerability" class, Flanagan et al. 2011, *Journal of Homeland Security and Emergency
Management* 8(1)) and

* no service of the domain lies within the travel threshold (``count_within == 0``; the
  domain's ``threshold_min`` of ``layers/domains.yml``, or ``max_minutes``) — reason
  ``"none_within"``, or ``"unreachable"`` when the street network connects the unit to
  no service at all; or, optionally,
* services are within reach but the supply per resident (enhanced 2SFCA, per 1,000) is
  below ``min_ratio`` — reason ``"low_supply"``. The US primary-care shortage standard is
  one full-time physician per 3,500 residents (HRSA Health Professional Shortage Area
  criteria, 42 CFR Part 5, Appendix A), i.e. ``min_ratio=1000/3500`` when capacity counts
  physicians.

Measured where people live: when access was measured from population points (its
``population_beyond`` column), a high-need unit is also a gap when at least
``min_share_beyond`` of its residents (default a quarter) have no service within the
threshold though others do — reason ``"some_beyond"`` — and every gap reports how many
residents are beyond reach (``population_beyond``), not all or none. The share is of the
residents whose travel was measured: on a street network, residents at points off the
graph (access's ``population_off_network``) are neither within nor beyond reach. Without points a
unit's residents are all within reach or all beyond it, and ``population_beyond`` is its
population.

Gaps are ranked within each domain by need, then by the population affected. A domain
the access table marks ``"not_assessed"`` (fewer services in the inventory than
``min_services`` of :func:`assetmap.access`, e.g. none at all) makes no gap: an empty
inventory is not a finding about a place.

:func:`food_access_gaps` — the USDA Food Access Research Atlas definition of low-income,
low-access areas (Rhone et al. 2017, USDA ERS *Low-Income and Low-Supermarket-Access
Census Tracts, 2010–2015*, EIB-165):

* **low income**: poverty rate of 20% or more, *or* median family income at or below 80%
  of the area's median family income (state, or metropolitan area when greater);
* **low access**: at least 500 people, *or* at least 33% of the unit's people, live more
  than 1 mile (urban units) or 10 miles (rural units) from the nearest food store —
  straight-line distance, as the Atlas measures it. Variants: ``"half_10"`` (½ mile
  urban) and ``"1_20"`` (20 miles rural).

The Atlas counts people on a 0.5-km grid of block populations. With only unit polygons,
the share of a unit beyond the distance is approximated by **population-weighted
sub-points**: the inside points of finer units with population (block groups, blocks)
when ``finer`` is given, else a regular grid of points every ``spacing_m`` metres inside
the unit, each carrying an equal share of its population (people assumed spread evenly).
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.spatial import cKDTree

from assetmap.errors import InputError

__all__ = [
    "GAP_COLUMNS",
    "USDA_COLUMNS",
    "USDA_VARIANTS",
    "find_gaps",
    "food_access_gaps",
    "usda_food_access",
]

log = logging.getLogger(__name__)

GAP_COLUMNS = [
    "unit_id",
    "name",
    "domain",
    "population",
    "need_pct",
    "need_score",
    "nearest_min",
    "nearest_asset_id",
    "nearest_name",
    "threshold_min",
    "rank",
    "reason",
    "population_beyond",
]

#: Extra columns of :func:`food_access_gaps` rows.
USDA_COLUMNS = [
    "urban",
    "distance_mi",
    "pop_beyond",
    "share_beyond",
    "poverty_rate",
    "low_income",
    "low_access",
]

MILE_M = 1609.344

#: USDA Food Access Research Atlas distance pairs (urban, rural), miles.
USDA_VARIANTS = {"1_10": (1.0, 10.0), "half_10": (0.5, 10.0), "1_20": (1.0, 20.0)}


def find_gaps(
    units: gpd.GeoDataFrame,
    access: pd.DataFrame,
    *,
    need_percentile: float = 75.0,
    need_column: str = "need_pct",
    min_population: float = 1.0,
    min_share_beyond: float = 0.25,
    max_minutes: float | dict[str, float] | None = None,
    min_ratio: float | dict[str, float] | None = None,
    ratio_column: str = "e2sfca_ratio",
) -> pd.DataFrame:
    """Find units where need is high and no service of a domain is within reach.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units with a need percentile column (see :func:`assetmap.need_index`).
    access : pandas.DataFrame
        Access long table (see :func:`assetmap.analysis.access`).
    need_percentile : float
        Units at or above this percentile of need (0–100) count as high need (default
        75: the top quartile, as CDC/ATSDR SVI).
    need_column : str
        Column of ``units`` holding the need percentile as a 0–1 rank.
    min_population : float
        Units with fewer residents are not gaps (parks, cemeteries, airports).
    min_share_beyond : float
        With population points: the share of a unit's residents (0–1) beyond reach of
        every service of the domain that makes the unit a gap although some of its
        residents have one within reach (reason ``"some_beyond"``). Default 0.25: a
        quarter of the neighbourhood. Residents off the street network (access's
        ``population_off_network``) are left out of the share.
    max_minutes : float or dict of str to float, optional
        Travel time beyond which the nearest service does not count (per domain with a
        dict); the access table's ``count_within`` (the domain threshold) when omitted.
    min_ratio : float or dict of str to float, optional
        Supply per 1,000 residents below which a unit with services in reach is still a
        gap ("low_supply"); off when omitted.
    ratio_column : str
        Access column compared with ``min_ratio``.

    Returns
    -------
    pandas.DataFrame
        One row per gap: ``unit_id``, ``name``, ``domain``, ``population``,
        ``need_pct``, ``need_score``, ``nearest_min`` (NaN when no service can be reached),
        ``nearest_asset_id``, ``nearest_name``, ``threshold_min``, ``rank`` (1 is the most
        needy gap of its domain), ``reason`` ("none_within", "some_beyond",
        "unreachable", "low_supply") and ``population_beyond`` (the unit's residents with no service
        within reach: from the access table's population points, else the whole
        population of a "none_within" or "unreachable" gap and 0 for "low_supply"; with
        ``max_minutes`` the whole population too). Rows of status ``"not_assessed"``
        make no gap.

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> units = am.need_index(s.units)
    >>> gaps = am.find_gaps(units, am.access(units, s.assets))
    >>> bool((gaps["need_pct"] >= 0.75).all())
    True
    """
    if not 0 <= need_percentile <= 100:
        msg = f"need_percentile must be between 0 and 100, got {need_percentile}"
        raise InputError(msg)
    if not 0 < min_share_beyond <= 1:
        msg = f"min_share_beyond must be a share above 0 and at most 1, got {min_share_beyond}"
        raise InputError(msg)
    if need_column not in units.columns:
        msg = f"units have no {need_column!r} column; run assetmap.need_index(units) first"
        raise InputError(msg, column=need_column)
    u = _unit_table(units, need_column)
    high = u[(u["need_pct"] >= need_percentile / 100.0) & (u["population"] >= min_population)]
    acc = access[access["unit_id"].astype(str).isin(high.index)].copy()
    if "status" in acc.columns:
        # a domain with too few services to judge makes no gap (access says why)
        acc = acc[acc["status"] != "not_assessed"]
        off = acc["status"] == "off_network"
        if off.any():
            log.warning(
                "%d unit-domain rows are off the street network and not assessed for gaps",
                int(off.sum()),
            )
            acc = acc[~off]
    dom = acc["domain"].astype(str)
    beyond = (
        pd.to_numeric(acc["population_beyond"], errors="coerce")
        if "population_beyond" in acc.columns and max_minutes is None
        else None
    )
    some = pd.Series(False, index=acc.index)
    if max_minutes is None:
        none = acc["count_within"] == 0
        if beyond is not None:  # population points: part of the unit's residents beyond
            residents = acc["unit_id"].astype(str).map(high["population"]).astype(float)
            if "population_off_network" in acc.columns:  # travel not measured: not counted
                off = pd.to_numeric(acc["population_off_network"], errors="coerce")
                residents = residents - off.fillna(0.0)
            some = ~none & (beyond > 0) & (beyond >= min_share_beyond * residents)
    else:
        limit = dom.map(_per_domain(max_minutes, dom)).astype(float)
        none = ~(acc["nearest_min"] <= limit)
        acc["threshold_min"] = limit
    reason = pd.Series("", index=acc.index, dtype=object)
    reason[none] = "none_within"
    reason[some] = "some_beyond"
    if "status" in acc.columns:
        reason[none & (acc["status"] == "unreachable")] = "unreachable"
    if min_ratio is not None:
        floor = dom.map(_per_domain(min_ratio, dom)).astype(float)
        low = ~none & ~some & (acc[ratio_column] < floor)
        reason[low] = "low_supply"
    acc["reason"] = reason
    gaps = acc[reason != ""].drop(columns="population_beyond", errors="ignore")
    gaps = gaps.join(high, on="unit_id")
    whole = gaps["population"].where(gaps["reason"] != "low_supply", 0.0)
    gaps["population_beyond"] = whole if beyond is None else beyond.reindex(gaps.index)
    gaps = gaps.sort_values(
        ["domain", "need_pct", "population", "unit_id"], ascending=[True, False, False, True]
    )
    gaps["rank"] = gaps.groupby("domain").cumcount() + 1
    return gaps[GAP_COLUMNS].reset_index(drop=True)


def _per_domain(value: float | dict[str, float], dom: pd.Series) -> dict[str, float]:
    if isinstance(value, dict):
        return {d: float(value.get(d, np.nan)) for d in dom.unique()}
    return dict.fromkeys(dom.unique(), float(value))


def _unit_table(units: gpd.GeoDataFrame, need_column: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": units["name"].astype(str),
            "population": pd.to_numeric(units["population"], errors="coerce"),
            "need_pct": pd.to_numeric(units[need_column], errors="coerce")
            if need_column in units.columns
            else np.nan,
            "need_score": pd.to_numeric(units.get("need_score", np.nan), errors="coerce"),
        },
        index=units.index.astype(str),
    )


def usda_food_access(
    units: gpd.GeoDataFrame,
    assets: gpd.GeoDataFrame,
    *,
    domain: str = "food",
    variant: str = "1_10",
    urban: bool | str = True,
    poverty_column: str = "poverty_100",
    income_column: str | None = None,
    area_median_income: float | None = None,
    finer: gpd.GeoDataFrame | None = None,
    finer_population: str = "population",
    spacing_m: float = 250.0,
) -> pd.DataFrame:
    """USDA Food Access Research Atlas flags for every unit (low income, low access).

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units with ``population`` and the poverty column (percent, as
        :func:`assetmap.need_index` computes ``poverty_100``).
    assets : geopandas.GeoDataFrame
        Assets; those of ``domain`` are the food stores.
    domain : str
        Domain of the food stores (the Atlas counts supermarkets, supercenters and large
        grocery stores: give those for a faithful replication; pantries give a USDA-style
        measure of emergency food).
    variant : {"1_10", "half_10", "1_20"}
        Distances (urban, rural) in miles: 1 and 10 (the Atlas's main LILA measure),
        ½ and 10, or 1 and 20.
    urban : bool or str
        Whether units are urban (one value for all), or a boolean column of ``units``
        (e.g. from the Census urban areas: a tract is urban when its population-weighted
        centroid lies in an urbanized area or cluster).
    poverty_column : str
        Poverty rate in percent; low income at 20% or more.
    income_column : str, optional
        Median family income; low income at or below 80% of ``area_median_income``.
    area_median_income : float, optional
        The state's (or metropolitan area's, when greater) median family income; the
        income criterion is skipped when omitted.
    finer : geopandas.GeoDataFrame, optional
        Finer units with population (block groups, blocks) whose inside points stand for
        where people live; ``unit_id`` column or position decides their unit.
    finer_population : str
        Population column of ``finer``.
    spacing_m : float
        Without ``finer``: spacing of the grid of sample points inside each unit (the
        Atlas's grid is 500 m; 250 m resolves small urban tracts better).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``unit_id``: ``population``, ``urban``, ``distance_mi``, ``pop_beyond``
        (people farther than the distance), ``share_beyond`` (0–1), ``poverty_rate``,
        ``low_income``, ``low_access`` and ``lila`` (both).

    Examples
    --------
    >>> import assetmap as am
    >>> units = am.need_index(am.load_sample().units)
    >>> flags = usda_food_access(units, am.load_sample().assets)
    >>> bool((flags["share_beyond"].dropna() <= 1).all())
    True
    """
    from assetmap.analysis.context import working_crs

    if variant not in USDA_VARIANTS:
        msg = f"variant must be one of {', '.join(USDA_VARIANTS)}, got {variant!r}"
        raise InputError(msg)
    if poverty_column not in units.columns and (income_column is None or not area_median_income):
        msg = (
            f"units have no {poverty_column!r} column for the low-income test; run "
            "assetmap.need_index(units) or give income_column and area_median_income"
        )
        raise InputError(msg, column=poverty_column)
    if isinstance(urban, str) and urban not in units.columns:
        msg = "urban column not found; give a boolean column or urban=True/False"
        raise InputError(msg, column=urban)
    crs = working_crs(units)
    pop = pd.to_numeric(units["population"], errors="coerce").fillna(0).to_numpy(float)
    owner, xy, weight = _sub_points(units, crs, pop, finer, finer_population, spacing_m)
    stores = assets[assets["domain"].astype(str) == domain]
    if len(stores):
        s_xy = shapely.get_coordinates(stores.geometry.to_crs(crs).to_numpy())
        dist = cKDTree(s_xy).query(xy, k=1, workers=-1)[0]
    else:
        dist = np.full(len(xy), np.inf)
    is_urban = (
        units[urban].astype(bool).to_numpy()
        if isinstance(urban, str)
        else np.full(len(units), urban)
    )
    urb_mi, rur_mi = USDA_VARIANTS[variant]
    dist_mi = np.where(is_urban, urb_mi, rur_mi)
    n = len(units)
    beyond = np.bincount(owner, weights=weight * (dist > dist_mi[owner] * MILE_M), minlength=n)
    total = np.bincount(owner, weights=weight, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, beyond / total, np.nan)
    low_access = (beyond >= 500) | (share >= 0.33)
    poverty = (
        pd.to_numeric(units[poverty_column], errors="coerce")
        if poverty_column in units.columns
        else pd.Series(np.nan, index=units.index)
    )
    low_income = (poverty >= 20).to_numpy().copy()
    if income_column is not None and area_median_income:
        income = pd.to_numeric(units[income_column], errors="coerce")
        low_income |= (income <= 0.8 * area_median_income).to_numpy()
    out = pd.DataFrame(
        {
            "population": pop,
            "urban": is_urban,
            "distance_mi": dist_mi,
            "pop_beyond": beyond,
            "share_beyond": share,
            "poverty_rate": poverty.to_numpy(),
            "low_income": low_income,
            "low_access": low_access & (pop > 0),
        },
        index=pd.Index(units.index.astype(str), name="unit_id"),
    )
    out["lila"] = out["low_income"] & out["low_access"]
    return out


def food_access_gaps(
    units: gpd.GeoDataFrame,
    assets: gpd.GeoDataFrame,
    *,
    access: pd.DataFrame | None = None,
    domain: str = "food",
    **usda: object,
) -> pd.DataFrame:
    """Low-income, low-access units (USDA Food Access Research Atlas) as gap rows.

    Parameters
    ----------
    units, assets : geopandas.GeoDataFrame
        As for :func:`usda_food_access`.
    access : pandas.DataFrame, optional
        Access long table, for each gap's nearest time and service; computed in straight
        line (:func:`assetmap.analysis.access`) when omitted.
    domain : str
        Domain of the food stores.
    **usda
        Options of :func:`usda_food_access` (``variant``, ``urban``, ``finer``, …).

    Returns
    -------
    pandas.DataFrame
        One row per low-income, low-access unit: the columns of :func:`find_gaps` (reason
        ``"usda_lila"``, ranked by the people beyond the distance) and
        :data:`USDA_COLUMNS`.

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> units = am.need_index(s.units)
    >>> gaps = food_access_gaps(units, s.assets, variant="half_10")
    >>> bool(gaps["low_income"].all() and gaps["low_access"].all())
    True
    """
    from assetmap.analysis.access import access as measure

    flags = usda_food_access(units, assets, domain=domain, **usda)  # type: ignore[arg-type]
    lila = flags[flags["lila"]]
    if access is None:
        access = measure(units, assets, only=[domain], measures=["nearest"])
    acc = access[access["domain"] == domain].set_index("unit_id")
    u = _unit_table(units, "need_pct")
    rows = (
        lila.drop(columns=["population", "lila"])
        .join(u)
        .join(acc[["nearest_min", "nearest_asset_id", "nearest_name", "threshold_min"]])
    )
    rows["domain"] = domain
    rows["reason"] = "usda_lila"
    rows["population_beyond"] = rows["pop_beyond"]
    rows = rows.reset_index().sort_values(
        ["pop_beyond", "unit_id"], ascending=[False, True], ignore_index=True
    )
    rows["rank"] = np.arange(1, len(rows) + 1)
    return rows[GAP_COLUMNS + USDA_COLUMNS]


def _sub_points(
    units: gpd.GeoDataFrame,
    crs: pyproj.CRS,
    pop: np.ndarray,
    finer: gpd.GeoDataFrame | None,
    finer_population: str,
    spacing_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Population-weighted points standing for where each unit's people live."""
    from assetmap.region import origins

    geoms = units.geometry.to_crs(crs)
    ids = pd.Index(units.index.astype(str))
    if finer is not None:
        if finer_population not in finer.columns:
            msg = f"finer units need a {finer_population!r} column"
            raise InputError(msg, column=finer_population)
        f = finer.to_crs(crs)
        pts = f.geometry.where(f.geom_type == "Point", f.geometry.representative_point())
        w = pd.to_numeric(f[finer_population], errors="coerce").fillna(0).to_numpy(float)
        if "unit_id" in f.columns:
            owner = ids.get_indexer(f["unit_id"].astype(str))
        else:
            owner = np.full(len(f), -1)
            fi, ui = geoms.sindex.query(pts.to_numpy(), predicate="within")
            owner[fi] = ui
        ok = owner >= 0
        return owner[ok], shapely.get_coordinates(pts.to_numpy()[ok]), w[ok]
    if not spacing_m > 0:
        msg = f"spacing_m must be positive, got {spacing_m}"
        raise InputError(msg)
    fallback = shapely.get_coordinates(origins(units, crs).to_numpy())
    owners, coords, weights = [], [], []
    for k, g in enumerate(geoms.to_numpy()):
        x0, y0, x1, y1 = g.bounds
        step = max(spacing_m, np.sqrt((x1 - x0) * (y1 - y0) / 4000.0))  # at most ~4,000 points
        mx, my = np.meshgrid(np.arange(x0 + step / 2, x1, step), np.arange(y0 + step / 2, y1, step))
        gx, gy = mx.ravel(), my.ravel()
        inside = shapely.contains_xy(g, gx, gy)
        xy = np.column_stack([gx[inside], gy[inside]]) if inside.any() else fallback[[k]]
        owners.append(np.full(len(xy), k))
        coords.append(xy)
        weights.append(np.full(len(xy), pop[k] / len(xy)))
    if not coords:
        return np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros(0)
    return np.concatenate(owners), np.concatenate(coords), np.concatenate(weights)
