"""Access per unit and domain: nearest service, count within reach, catchment ratios.

The offline default measures straight-line distance in the region's projected CRS and
turns it into an estimated walk along streets with a *circuity* factor (network distance
/ straight-line distance; about 1.2–1.4 in US cities: Levinson & El-Geneidy 2009,
*Regional Science and Urban Economics* 39(6); Boeing 2019, *Applied Network Science* 4)
at a walking speed (default 4.8 km/h, i.e. 1.33 m/s, the mean pedestrian speed of
Knoblauch et al. 1996, *Transportation Research Record* 1538).

Supply per resident follows the two-step floating catchment area method (2SFCA; Luo &
Wang 2003, *Environment and Planning B* 30(6)): each service's supply (capacity, else 1)
is divided by the population within its catchment, and each unit sums the ratios of the
services within its catchment. The enhanced 2SFCA (Luo & Qi 2009, *Health & Place* 15(4))
weights three travel-time zones by decay weights (default 1, 0.68, 0.22).

Distances use KD-trees (scipy) on projected coordinates: no dense origin × asset matrix
is ever formed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from assetmap.domains import Domain, load_domains
from assetmap.errors import InputError
from assetmap.region import measure_crs, origins

__all__ = ["ACCESS_COLUMNS", "TravelOptions", "access"]

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
]


@dataclass(frozen=True)
class TravelOptions:
    """How travel is estimated.

    Attributes
    ----------
    mode : str
        ``"straight"``: straight line × circuity at walking speed (offline default).
    walk_kmh : float
        Walking speed in km/h (Knoblauch et al. 1996: 4.8 km/h).
    circuity : float
        Street distance over straight-line distance (Levinson & El-Geneidy 2009: ~1.3).
    decay_weights : tuple of float
        Enhanced 2SFCA weights for the three equal time zones of the catchment
        (Luo & Qi 2009: 1, 0.68, 0.22).
    per : float
        Catchment ratios are expressed per this many residents (default 1,000).
    """

    mode: str = "straight"
    walk_kmh: float = 4.8
    circuity: float = 1.3
    decay_weights: tuple[float, float, float] = (1.0, 0.68, 0.22)
    per: float = 1000.0

    def __post_init__(self) -> None:
        if self.mode != "straight":
            msg = f"travel mode {self.mode!r} is not available yet; use mode='straight'"
            raise InputError(msg)
        if not self.walk_kmh > 0 or not self.circuity >= 1:
            msg = "walk_kmh must be positive and circuity at least 1"
            raise InputError(msg)
        if len(self.decay_weights) != 3:
            msg = "decay_weights needs three weights, one per time zone"
            raise InputError(msg)

    @property
    def metres_per_min(self) -> float:
        """Walking speed in metres per minute."""
        return self.walk_kmh * 1000.0 / 60.0

    def as_dict(self) -> dict[str, object]:
        """Parameters for provenance."""
        return asdict(self)


def _xy(points: gpd.GeoSeries) -> np.ndarray:
    return np.column_stack([points.x.to_numpy(), points.y.to_numpy()])


def access(
    units: gpd.GeoDataFrame,
    assets: gpd.GeoDataFrame,
    *,
    domains: dict[str, Domain] | None = None,
    travel: TravelOptions | None = None,
    thresholds: dict[str, float] | None = None,
    only: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Measure access to each service domain from each unit.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Units (index ``unit_id``, column ``population``).
    assets : geopandas.GeoDataFrame
        Assets (columns ``asset_id``, ``name``, ``domain``; ``capacity`` used as supply
        when present and positive, else 1). Assets outside the region count too.
    domains : dict of str to Domain, optional
        Domain definitions (thresholds); the shipped ones when omitted.
    travel : TravelOptions, optional
        Speed, circuity and decay weights.
    thresholds : dict of str to float, optional
        Minutes that count as "within reach", per domain, overriding ``domains``.
    only : sequence of str, optional
        Domains to measure (all defined domains when omitted).

    Returns
    -------
    pandas.DataFrame
        One row per unit × domain with ``nearest_m`` (estimated street distance, m),
        ``nearest_min`` (walking minutes), ``nearest_asset_id``, ``nearest_name``,
        ``count_within`` (services within the threshold), ``fca_ratio`` (2SFCA supply per
        ``travel.per`` residents), ``e2sfca_ratio`` (enhanced 2SFCA), ``straight_m`` and
        ``threshold_min``. A domain with no service gives NaN distances and zero counts.

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> acc = am.access(s.units, s.assets)
    >>> set(acc["domain"]) >= {"food", "primary_care"}
    True
    """
    doms = domains or load_domains()
    opt = travel or TravelOptions()
    if units.crs is None or assets.crs is None:
        msg = "units and assets need a CRS"
        raise InputError(msg)
    crs = measure_crs(units)
    o = _xy(origins(units, crs))
    pop = pd.to_numeric(units["population"], errors="coerce").fillna(0).to_numpy(float)
    pts = assets.geometry.to_crs(crs)
    a_xy = _xy(pts)
    cap = (
        pd.to_numeric(assets["capacity"], errors="coerce").to_numpy(float)
        if "capacity" in assets.columns
        else np.full(len(assets), np.nan)
    )
    supply_all = np.where(np.isfinite(cap) & (cap > 0), cap, 1.0)
    frames = []
    keys = list(only) if only is not None else list(doms)
    for key in keys:
        if key not in doms:
            msg = f"unknown domain {key!r}; known: {', '.join(doms)}"
            raise InputError(msg)
        minutes = float((thresholds or {}).get(key, doms[key].threshold_min))
        mask = (assets["domain"] == key).to_numpy()
        frames.append(
            _domain_access(
                units.index, o, pop, a_xy[mask], supply_all[mask], assets[mask], key, minutes, opt
            )
        )
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ACCESS_COLUMNS)
    out.attrs["travel"] = opt.as_dict()
    out.attrs["crs"] = crs.to_string()
    return out


def _domain_access(
    unit_ids: pd.Index,
    o: np.ndarray,
    pop: np.ndarray,
    a_xy: np.ndarray,
    supply: np.ndarray,
    dom_assets: gpd.GeoDataFrame,
    key: str,
    minutes: float,
    opt: TravelOptions,
) -> pd.DataFrame:
    n = len(o)
    radius = minutes * opt.metres_per_min / opt.circuity  # straight-line reach
    res = pd.DataFrame(
        {
            "unit_id": unit_ids.astype(str),
            "domain": key,
            "nearest_m": np.nan,
            "nearest_min": np.nan,
            "nearest_asset_id": "",
            "nearest_name": "",
            "count_within": 0,
            "fca_ratio": 0.0,
            "e2sfca_ratio": 0.0,
            "straight_m": np.nan,
            "threshold_min": minutes,
        }
    )
    if len(a_xy) == 0 or n == 0:
        return res
    tree = cKDTree(a_xy)
    d, j = tree.query(o, k=1)
    res["straight_m"] = d
    res["nearest_m"] = d * opt.circuity
    res["nearest_min"] = d * opt.circuity / opt.metres_per_min
    res["nearest_asset_id"] = dom_assets["asset_id"].astype(str).to_numpy()[j]
    res["nearest_name"] = dom_assets["name"].astype(str).to_numpy()[j]
    # pairs within the catchment, sparse: origin i, asset k, straight distance
    otree = cKDTree(o)
    pairs = otree.sparse_distance_matrix(tree, radius, output_type="ndarray")
    oi, ak, dist = pairs["i"], pairs["j"], pairs["v"]
    res["count_within"] = np.bincount(oi, minlength=n)
    res["fca_ratio"] = two_step_fca(oi, ak, np.ones_like(dist), pop, supply, n) * opt.per
    zone = np.minimum((dist / radius * 3).astype(int), 2) if radius > 0 else np.zeros_like(oi)
    w = np.asarray(opt.decay_weights, float)[zone]
    res["e2sfca_ratio"] = two_step_fca(oi, ak, w, pop, supply, n) * opt.per
    return res


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
    this is the 2SFCA; with zone weights it is the enhanced 2SFCA (Luo & Qi 2009).

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
