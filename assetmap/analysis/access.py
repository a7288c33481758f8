"""Access per unit and domain: nearest service, count within reach, catchment ratios.

Travel is measured one of three ways (:class:`TravelOptions` ``mode``):

``straight`` (the offline default)
    Straight-line distance in the region's projected CRS, turned into an estimated walk
    along streets with a *circuity* factor (network distance / straight-line distance;
    about 1.2–1.4 in US cities: Levinson & El-Geneidy 2009, *Regional Science and Urban
    Economics* 39(6); Boeing 2019, *Applied Network Science* 4) at a walking speed (default
    4.8 km/h, i.e. 1.33 m/s, the mean pedestrian speed of Knoblauch et al. 1996,
    *Transportation Research Record* 1538). KD-trees (scipy) find the nearest service and
    the pairs within a catchment; no dense origin × service matrix is ever formed.
``walk`` / ``drive``
    Along an OpenStreetMap street graph read offline from a file (see
    :mod:`assetmap.analysis.network`; nothing here opens a socket): one multi-source Dijkstra pass
    per domain for the nearest service, bounded searches for the catchment pairs.

Measures (one row per unit × domain):

* nearest distance (m) and time (min), the nearest service's id and name;
* ``count_within``: services within the domain's threshold (minutes);
* ``fca_ratio``: two-step floating catchment area (2SFCA; Luo & Wang 2003,
  *Environment and Planning B* 30(6)): ``R_j = S_j / sum_i P_i`` over origins within
  ``j``'s catchment, ``A_i = sum_j R_j`` over services within ``i``'s catchment;
* ``e2sfca_ratio``: enhanced 2SFCA (Luo & Qi 2009, *Health & Place* 15(4)): the catchment
  cut into equal time zones weighted by ``decay_weights`` (default 1, 0.68, 0.22), the
  weight applied in both steps. A time exactly on a zone edge belongs to the nearer zone,
  as in PySAL ``access.weights.step_fn``;
* ``gravity_ratio``: gravity-model 2SFCA (Joseph & Bantock 1982, *Social Science &
  Medicine* 16(1); Luo & Wang 2003): the same two steps with a power decay
  ``w = max(t, floor) ** -beta`` (``t`` in minutes), over the catchment.

Where residents live: with population points (``points=``, or the context's), travel is
measured from every point, each carrying its share of its unit's residents, and a unit's
figures are population-weighted over its points: ``nearest_m``, ``nearest_min``,
``straight_m``, ``count_within`` and the catchment ratios are the means of its points'
values weighted by residents (the nearest over the points that reach a service at all),
``nearest_asset_id`` names the service nearest to the largest share of its residents, and
``population_beyond`` counts the residents at points with no service within the threshold
(``population_off_network`` those at points off the street graph, whose travel is not
measured).
Without points each unit has one origin carrying its whole population (then
``population_beyond`` is the population or 0).

Supply ``S_j`` is the service's ``capacity`` when positive, else 1; demand ``P_i`` is the
residents at origin ``i`` (a population point, or the unit). Ratios are expressed per
``TravelOptions.per`` residents (1,000). The catchment values equal those of PySAL
``access`` (``Access.two_stage_fca``, ``enhanced_two_stage_fca`` with ``step_fn`` zones,
``two_stage_fca`` with ``weights.gravity(1, -beta, floor)``) on the same costs; tests
check it to 1e-9.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.analysis._costs import NetworkCosts
from assetmap.analysis.context import TravelContext
from assetmap.analysis.travel import TravelOptions, methods_text, travel_phrase
from assetmap.domains import Domain, domain_keys, load_domains
from assetmap.errors import InputError
from assetmap.region import check_population

__all__ = [
    "ACCESS_COLUMNS",
    "MEASURES",
    "TravelOptions",
    "access",
    "catchment_pairs",
    "decay_weight",
    "gravity_weight",
    "methods_text",
    "not_assessed",
    "travel_phrase",
    "two_step_fca",
    "with_domain_keys",
]

ACCESS_COLUMNS = [
    "unit_id",
    "domain",
    "nearest_m",
    "nearest_min",
    "nearest_asset_id",
    "nearest_name",
    "count_within",
    "fca_ratio",
    "e2sfca_ratio",
    "straight_m",
    "threshold_min",
    "gravity_ratio",
    "status",
    "population_beyond",
    "population_off_network",
]

#: Measures :func:`access` can compute; the others are left NaN when a subset is asked.
MEASURES = ("nearest", "count", "fca", "e2sfca", "gravity")


def decay_weight(minutes: np.ndarray, threshold: float, weights: Sequence[float]) -> np.ndarray:
    """Enhanced 2SFCA step weights: equal time zones of the catchment, nearest first.

    Zone ``k`` (1-based) covers ``((k-1) T/n, k T/n]``; times beyond ``T`` weigh 0 — the
    semantics of PySAL ``access.weights.step_fn({T/n: w1, 2T/n: w2, ...})``.

    Examples
    --------
    >>> decay_weight(np.array([0.0, 5.0, 5.01, 15.0, 15.5]), 15, (1, 0.68, 0.22)).tolist()
    [1.0, 1.0, 0.68, 0.22, 0.0]
    """
    w = np.asarray(weights, float)
    n = len(w)
    edges = np.arange(1, n + 1) * float(threshold) / n
    zone = np.searchsorted(edges, np.asarray(minutes, float), side="left")
    return np.where(zone < n, w[np.minimum(zone, n - 1)], 0.0)


def gravity_weight(minutes: np.ndarray, beta: float, floor: float) -> np.ndarray:
    """Return the gravity (power) decay ``max(t, floor) ** -beta``.

    The same as PySAL ``access.weights.gravity(1, -beta, floor)``.

    Examples
    --------
    >>> gravity_weight(np.array([0.5, 2.0, 4.0]), 1.0, 1.0).tolist()
    [1.0, 0.5, 0.25]
    """
    out: np.ndarray = np.power(np.maximum(np.asarray(minutes, float), floor), -float(beta))
    return out


def two_step_fca(
    oi: np.ndarray,
    ak: np.ndarray,
    weight: np.ndarray,
    pop: np.ndarray,
    supply: np.ndarray,
    n_origins: int,
) -> np.ndarray:
    """Two-step floating catchment ratios from sparse origin–service pairs.

    Step 1 (Luo & Wang 2003): ``R_j = S_j / sum_i(P_i * W_ij)`` over origins ``i`` in the
    catchment of service ``j``. Step 2: ``A_i = sum_j(R_j * W_ij)``. With all weights 1
    this is the 2SFCA; with zone weights it is the enhanced 2SFCA (Luo & Qi 2009); with a
    gravity decay the gravity-model 2SFCA. A service whose catchment holds no resident
    gives nothing (``R_j = 0``).

    Parameters
    ----------
    oi, ak : numpy.ndarray
        Origin and service index of each pair within the catchment.
    weight : numpy.ndarray
        Distance-decay weight of each pair.
    pop : numpy.ndarray
        Population per origin.
    supply : numpy.ndarray
        Supply per service.
    n_origins : int

    Returns
    -------
    numpy.ndarray
        Supply per resident for each origin (0 when no service is in reach).

    Examples
    --------
    >>> two_step_fca(np.array([0, 1]), np.array([0, 0]), np.ones(2),
    ...              np.array([100.0, 300.0]), np.array([2.0]), 2).tolist()
    [0.005, 0.005]
    """
    demand = np.bincount(ak, weights=pop[oi] * weight, minlength=len(supply))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(demand > 0, supply / demand, 0.0)
    return np.bincount(oi, weights=r[ak] * weight, minlength=n_origins)


def access(
    units: gpd.GeoDataFrame,
    assets: gpd.GeoDataFrame,
    *,
    domains: dict[str, Domain] | None = None,
    travel: TravelOptions | None = None,
    thresholds: dict[str, float] | None = None,
    only: Sequence[str] | None = None,
    origins: gpd.GeoSeries | None = None,
    measures: Sequence[str] | None = None,
    verbose: bool = False,
    context: TravelContext | None = None,
    min_services: int = 1,
    points: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Measure access to each service domain from each unit.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units (index ``unit_id``, column ``population``). Polygons get one origin each
        (:func:`assetmap.region.origins`: centroid when inside, else a point inside);
        point geometries are used as they are.
    assets : geopandas.GeoDataFrame
        Assets (columns ``asset_id``, ``name``, ``domain``; ``capacity`` used as supply
        when present and positive, else 1). Assets outside the region count too.
    domains : dict of str to Domain, optional
        Domain definitions (thresholds); the shipped ones when omitted.
    travel : TravelOptions, optional
        Mode (straight line by default, or walk/drive on a street graph), speeds,
        circuity, decay weights.
    thresholds : dict of str to float, optional
        Minutes that count as "within reach", per domain, overriding ``domains``.
    only : sequence of str, optional
        Domains to measure (all defined domains when omitted).
    origins : geopandas.GeoSeries, optional
        One point per unit on the units' index, e.g. population-weighted origins from
        :func:`assetmap.region.origins` with ``finer=`` block groups.
    points : geopandas.GeoDataFrame, optional
        Population points (``unit_id``, ``population``, point geometry; see
        :func:`assetmap.region.read_population_points`): travel is measured from where
        residents live, several points per unit (see the module docstring).
    measures : sequence of str, optional
        Subset of :data:`MEASURES` to compute (all when omitted); the columns of the
        others are NaN.
    verbose : bool
        Show a progress bar over domains.
    context : TravelContext, optional
        The study's travel context (:class:`~assetmap.analysis.context.TravelContext`),
        shared with the other stages so origins and catchments are computed once; made
        here from the arguments above when omitted.
    min_services : int
        A domain with fewer services than this in ``assets`` is *not assessed* (default
        1: only a domain with no service at all). With too few services to judge, "no
        service within reach" says more about the inventory than about the place, so
        every row of such a domain gets status ``"not_assessed"`` and no gap is found
        for it (:func:`assetmap.find_gaps`); :func:`not_assessed` says why.

    Returns
    -------
    pandas.DataFrame
        One row per unit × domain with ``nearest_m`` (street distance, m: estimated in
        straight mode, along the network otherwise), ``nearest_min`` (minutes),
        ``nearest_asset_id``, ``nearest_name``, ``count_within`` (services within the
        threshold), ``fca_ratio`` (2SFCA supply per ``travel.per`` residents),
        ``e2sfca_ratio`` (enhanced 2SFCA), ``gravity_ratio`` (gravity 2SFCA),
        ``straight_m`` (straight-line metres to the nearest service), ``threshold_min``,
        ``population_beyond`` (residents with no service within the threshold: at
        population points beyond it, or the whole unit without points; NaN when not
        assessed or not counted), ``population_off_network`` (residents at points
        farther than ``max_snap_m`` from the street graph: their travel is not measured,
        so they are neither within nor beyond reach; 0 in straight mode, NaN when not
        assessed) and ``status``: ``"ok"``, ``"not_assessed"`` (the
        domain has fewer than ``min_services`` services), ``"unreachable"`` (no service
        connected to the unit's streets) or
        ``"off_network"`` (the unit's origin is beyond ``max_snap_m`` of the graph).
        Distances are NaN and counts 0 unless the status is ``"ok"``. With population
        points every figure is population-weighted over the unit's points (so
        ``count_within`` is a mean, not a whole number) and the status is ``"ok"`` when
        any point is.

    Raises
    ------
    InputError
        When a unit's population is missing or negative (the units are named), or an
        asset's domain matches no domain (each unknown label is named with its count).
        Domain labels are read as the file readers read them: ``"Food Pantry"`` is
        ``food`` and ``"older adults"`` is ``older_adults`` (:func:`with_domain_keys`).

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> acc = am.access(s.units, s.assets)
    >>> set(acc["domain"]) >= {"food", "primary_care"}
    True
    """
    doms = domains or load_domains()
    want = set(MEASURES if measures is None else measures)
    unknown = want - set(MEASURES)
    if unknown:
        msg = f"unknown measures {sorted(unknown)}; choose from {', '.join(MEASURES)}"
        raise InputError(msg)
    if int(min_services) != min_services or min_services < 1:
        msg = f"min_services must be a whole number of 1 or more, got {min_services!r}"
        raise InputError(msg)
    keys = list(only) if only is not None else list(doms)
    for key in keys:
        if key not in doms:
            msg = f"unknown domain {key!r}; known: {', '.join(doms)}"
            raise InputError(msg)
    check_population(units)
    keyed = with_domain_keys(assets, domains=doms)
    if context is not None and keyed is not assets:
        msg = (
            "context= was made for assets whose domains are written as labels, not keys; "
            "make it with TravelContext(units, with_domain_keys(assets)) or leave it out"
        )
        raise InputError(msg, column="domain")
    ctx = TravelContext.resolve(
        context, units, keyed, travel=travel, origins=origins, points=points
    )
    opt = ctx.travel
    it: Sequence[str] = keys
    if verbose:
        from tqdm.auto import tqdm

        it = tqdm(keys, desc="access", unit="domain")
    frames = []
    for key in it:
        minutes = float((thresholds or {}).get(key, doms[key].threshold_min))
        frames.append(_domain_access(ctx, key, minutes, want, int(min_services)))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ACCESS_COLUMNS)
    out.attrs["travel"] = opt.as_dict()
    out.attrs["crs"] = ctx.crs.to_string()
    return out


def _domain_access(
    ctx: TravelContext, key: str, minutes: float, want: set[str], min_services: int
) -> pd.DataFrame:
    n = len(ctx.unit_ids)
    m = len(ctx.point_unit)
    opt = ctx.travel
    sel = ctx.domain_rows(key)

    def nan() -> np.ndarray:
        return np.full(n, np.nan)

    cols: dict[str, Any] = {
        "unit_id": ctx.unit_ids,
        "domain": np.full(n, key, dtype=object),
        "nearest_m": nan(),
        "nearest_min": nan(),
        "nearest_asset_id": np.full(n, "", dtype=object),
        "nearest_name": np.full(n, "", dtype=object),
        "count_within": np.zeros(n, float if ctx.has_points else np.int64),
        "fca_ratio": np.zeros(n) if "fca" in want else nan(),
        "e2sfca_ratio": np.zeros(n) if "e2sfca" in want else nan(),
        "straight_m": nan(),
        "threshold_min": np.full(n, minutes),
        "gravity_ratio": np.zeros(n) if "gravity" in want else nan(),
        "status": np.full(n, "not_assessed", dtype=object),
        "population_beyond": nan(),
        "population_off_network": nan(),
    }
    if len(sel) < min_services or n == 0:
        return pd.DataFrame(cols)
    eng = ctx.engine
    status = eng.o_status.copy()
    near = "nearest" in want or isinstance(eng, NetworkCosts)
    if near:
        dist, t, j = ctx.nearest(key)
        status[(status == "ok") & (j < 0)] = "unreachable"
        if "nearest" in want:
            _nearest_columns(ctx, cols, sel, dist, t, j)
    cols["status"] = _unit_status(ctx, status)
    off = np.where(status == "off_network", ctx.point_population, 0.0)
    cols["population_off_network"] = np.bincount(ctx.point_unit, weights=off, minlength=n)
    counts: np.ndarray | None = None
    catch = want & {"fca", "e2sfca", "gravity"}
    if catch or (isinstance(eng, NetworkCosts) and "count" in want):
        oi, ak, tt = ctx.pairs(key, minutes)
        if "count" in want:
            counts = np.bincount(oi, minlength=m).astype(np.int64)
        supply, pop = ctx.supply[sel], ctx.point_population
        if "fca" in want:
            a = two_step_fca(oi, ak, np.ones(len(tt)), pop, supply, m)
            cols["fca_ratio"] = ctx.unit_mean(a) * opt.per
        if "e2sfca" in want:
            w = decay_weight(tt, minutes, opt.decay_weights)
            cols["e2sfca_ratio"] = ctx.unit_mean(two_step_fca(oi, ak, w, pop, supply, m)) * opt.per
        if "gravity" in want:
            w = gravity_weight(tt, opt.gravity_beta, opt.gravity_floor_min)
            a = two_step_fca(oi, ak, w, pop, supply, m)
            cols["gravity_ratio"] = ctx.unit_mean(a) * opt.per
    elif "count" in want:
        counts = ctx.count(key, minutes)
    if counts is not None:
        cols["count_within"] = ctx.unit_mean(counts) if ctx.has_points else counts
        beyond = (counts == 0) & (status != "off_network")
        cols["population_beyond"] = np.bincount(
            ctx.point_unit, weights=np.where(beyond, ctx.point_population, 0.0), minlength=n
        )
    return pd.DataFrame(cols)


def _nearest_columns(
    ctx: TravelContext,
    cols: dict[str, Any],
    sel: np.ndarray,
    dist: np.ndarray,
    t: np.ndarray,
    j: np.ndarray,
) -> None:
    """Fill the nearest-service columns per unit from the nearest service of each point.

    Distances and times are the population-weighted mean over the unit's points that
    reach a service; the named service is the one nearest to most of its residents.
    """
    ok = j >= 0
    jj = np.where(ok, j, 0)
    diff = ctx.point_xy - ctx.asset_xy[sel][jj]
    straight = np.where(ok, np.hypot(diff[:, 0], diff[:, 1]), np.nan)
    cols["nearest_m"] = ctx.unit_mean(dist, where=ok)
    cols["nearest_min"] = ctx.unit_mean(t, where=ok)
    cols["straight_m"] = ctx.unit_mean(straight, where=ok)
    if ctx.has_points:  # the service nearest to the largest share of the unit's residents
        by = pd.DataFrame({"u": ctx.point_unit[ok], "j": j[ok], "w": ctx.point_share[ok]})
        top = by.groupby(["u", "j"], sort=True)["w"].sum().reset_index()
        top = top.sort_values(["u", "w"], ascending=[True, False], kind="stable")
        top = top.drop_duplicates("u")
        u_ok = np.zeros(len(ctx.unit_ids), dtype=bool)
        u_ok[top["u"].to_numpy()] = True
        jj = np.zeros(len(ctx.unit_ids), np.int64)
        jj[top["u"].to_numpy()] = top["j"].to_numpy()
        ok = u_ok
    cols["nearest_asset_id"] = np.where(ok, ctx.asset_ids[sel][jj], "")
    cols["nearest_name"] = np.where(ok, ctx.asset_names[sel][jj], "")


def _unit_status(ctx: TravelContext, status: np.ndarray) -> np.ndarray:
    """Each unit's status from its points': ok when any point is, else unreachable if any."""
    if not ctx.has_points:
        return status
    n = len(ctx.unit_ids)
    out = np.full(n, "off_network", dtype=object)
    for word in ("unreachable", "ok"):  # the later word wins
        out[np.bincount(ctx.point_unit, weights=status == word, minlength=n) > 0] = word
    return out


def with_domain_keys(
    assets: gpd.GeoDataFrame, *, domains: dict[str, Domain] | None = None
) -> gpd.GeoDataFrame:
    """Return the assets with every ``domain`` written as a key of ``domains.yml``.

    Labels are matched as the file readers match them (:func:`assetmap.domains.domain_keys`:
    keys, labels, aliases, taxonomy terms), so an asset frame built by hand with
    ``"Food Pantry"`` or ``"legal aid"`` is measured with the food and legal aid services,
    not silently left out. The frame itself is returned, unchanged, when every label is
    already a key.

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        Assets with a ``domain`` column.
    domains : dict of str to Domain, optional
        The shipped domains when omitted.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    InputError
        When a label matches no domain: one sentence naming every unknown label and how
        many assets carry it.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> a = gpd.GeoDataFrame({"domain": ["Food Pantry", "legal aid", "food"]},
    ...                      geometry=[Point(0, 0)] * 3, crs="EPSG:4326")
    >>> with_domain_keys(a)["domain"].tolist()
    ['food', 'legal_aid', 'food']
    """
    if "domain" not in assets.columns:
        msg = "assets need a 'domain' column"
        raise InputError(msg, column="domain")
    doms = domains or load_domains()
    labels = assets["domain"].fillna("").astype(str)
    if labels.isin(list(doms)).all():
        return assets
    mapping = domain_keys(labels.value_counts(sort=False).to_dict(), doms)
    out = assets.copy()
    out["domain"] = labels.map(mapping).to_numpy()
    return out


def not_assessed(
    assets: pd.DataFrame,
    domains: dict[str, Domain],
    *,
    min_services: int = 1,
    access: pd.DataFrame | None = None,
) -> dict[str, str]:
    """Say which domains cannot be assessed, and why, in a sentence a report can print.

    A domain is not assessed when the inventory lists fewer than ``min_services`` of its
    services (see :func:`access`), or when ``access`` is given and holds no assessed row
    for it (all ``"not_assessed"``, or none at all).

    Parameters
    ----------
    assets : pandas.DataFrame
        Assets with a ``domain`` column of keys.
    domains : dict of str to Domain
    min_services : int
        Fewest services a domain needs to be assessed.
    access : pandas.DataFrame, optional
        The Access table; its ``status`` column, when present, has the last word.

    Returns
    -------
    dict of str to str
        Domain key → sentence, in the order of ``domains``; empty when every domain is
        assessed.

    Examples
    --------
    >>> import pandas as pd
    >>> doms = load_domains()
    >>> assets = pd.DataFrame({"domain": ["food", "food", "legal_aid"]})
    >>> na = not_assessed(assets, {k: doms[k] for k in ("food", "housing", "legal_aid")},
    ...                   min_services=2)
    >>> list(na)
    ['housing', 'legal_aid']
    >>> print(na["legal_aid"])
    The inventory lists only 1 legal aid service (fewer than 2), so legal aid gaps are not assessed.
    """
    counts = assets["domain"].astype(str).value_counts() if "domain" in assets.columns else None
    out: dict[str, str] = {}
    for key, dom in domains.items():
        n = int(counts.get(key, 0)) if counts is not None else 0
        label = dom.label.lower()
        tail = f"so {label} gaps are not assessed."
        if n == 0:
            out[key] = f"The inventory lists no {label} services, {tail}"
        elif n < min_services:
            word = "service" if n == 1 else "services"
            out[key] = (
                f"The inventory lists only {n:,} {label} {word} (fewer than {min_services:,}), "
                f"{tail}"
            )
        elif access is not None and not _assessed_in(access, key):
            out[key] = f"Access to {label} services was not measured, {tail}"
    return out


def _assessed_in(access: pd.DataFrame, key: str) -> bool:
    """Whether the Access table holds an assessed row of domain ``key``."""
    rows = access[access["domain"].astype(str) == key]
    if "status" in rows.columns:
        rows = rows[rows["status"] != "not_assessed"]
    return len(rows) > 0


def catchment_pairs(
    units: gpd.GeoDataFrame,
    assets: gpd.GeoDataFrame,
    *,
    minutes: float,
    travel: TravelOptions | None = None,
    origins: gpd.GeoSeries | None = None,
    context: TravelContext | None = None,
    points: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Every unit–asset pair within a travel time, as a long cost table.

    The cost table PySAL ``access`` expects (``origin``, ``dest``, ``cost``), found
    with a spatial index or bounded network searches: never a dense matrix.

    Parameters
    ----------
    units, assets : geopandas.GeoDataFrame
        As for :func:`access` (assets of any domain; filter first for one).
    minutes : float
        Largest travel time kept (inclusive).
    travel : TravelOptions, optional
    origins : geopandas.GeoSeries, optional
        One point per unit (see :func:`access`).
    context : TravelContext, optional
        The study's travel context (see :func:`access`), made for these ``assets``.
    points : geopandas.GeoDataFrame, optional
        Population points (see :func:`access`): a unit pairs with an asset when any of
        its points is within ``minutes``, at the nearest such point's time.

    Returns
    -------
    pandas.DataFrame
        Columns ``unit_id``, ``asset_id``, ``minutes``, sorted by unit then time.

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> pairs = catchment_pairs(s.units, s.assets[s.assets["domain"] == "food"], minutes=10)
    >>> bool((pairs["minutes"] <= 10).all())
    True
    """
    ctx = TravelContext.resolve(
        context, units, assets, travel=travel, origins=origins, points=points
    )
    return ctx.pair_table(None, minutes)
