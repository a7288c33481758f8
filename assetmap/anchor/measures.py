"""Anchor measures: how much of the hospital's hiring, spend and investment meets need.

* **Anchor alignment**, per measure (employees, new hires, vendor spend, investment): the
  share landing in high-need units (need percentile at or above the gap percentile)
  divided by the share of the region's residents living there (:func:`alignment`).
* **Spaces near gaps**: for each gap (unit × domain), the institution's spaces within the
  domain's travel threshold that could host that domain's service
  (:func:`spaces_near_gaps`).

:func:`measure_anchor` computes both for :meth:`assetmap.Atlas.build`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.anchor.model import Anchor
from assetmap.domains import parse_hosts

if TYPE_CHECKING:
    from assetmap.analysis.access import TravelOptions

__all__ = [
    "ALIGNMENT_COLUMNS",
    "SPACES_NEAR_GAPS_COLUMNS",
    "alignment",
    "high_need",
    "measure_anchor",
    "spaces_near_gaps",
]

ALIGNMENT_COLUMNS = [
    "measure",
    "label",
    "in_region",
    "in_high_need",
    "share_high_need",
    "population_share",
    "ratio",
    "units_hidden",
    "outside_region",
]

SPACES_NEAR_GAPS_COLUMNS = [
    "unit_id",
    "name",
    "domain",
    "population",
    "need_pct",
    "space_id",
    "space_name",
    "space_type",
    "capacity",
    "accessible",
    "availability",
    "walk_min",
    "threshold_min",
]

_LABELS = {
    "employees": "Employees living in high-need neighbourhoods",
    "new_hires": "New hires living in high-need neighbourhoods",
    "spend_usd": "Vendor spend located in high-need neighbourhoods",
    "investment_usd": "Place-based investment in high-need neighbourhoods",
}


def high_need(units: gpd.GeoDataFrame, need_percentile: float = 75.0) -> pd.Series:
    """Flag residential units at or above a need percentile.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        With ``population`` and ``need_pct`` (0–1, see :func:`assetmap.need_index`).
    need_percentile : float
        0–100; the gap percentile of the study.

    Returns
    -------
    pandas.Series
        Booleans on the units' index (as strings), named ``high_need``.

    Examples
    --------
    >>> u = pd.DataFrame({"population": [10, 0, 5], "need_pct": [0.9, 0.95, 0.2]})
    >>> high_need(u).tolist()
    [True, False, False]
    """
    pop = pd.to_numeric(units["population"], errors="coerce").fillna(0)
    need = pd.to_numeric(units["need_pct"], errors="coerce")
    flag = (pop > 0) & (need >= need_percentile / 100.0)
    flag.index = units.index.astype(str)
    return flag.rename("high_need")


def alignment(
    anchor: Anchor, units: gpd.GeoDataFrame, *, need_percentile: float = 75.0
) -> pd.DataFrame:
    """Anchor alignment: the share of each measure landing where need is high.

    For each measure *m* (employees, new hires, vendor spend, investment):

    ``share_high_need = m(high-need units) / m(all units)``,
    ``population_share = residents(high-need units) / residents(all units)``,
    ``ratio = share_high_need / population_share``.

    High-need units are residential units with ``need_pct`` at or above
    ``need_percentile``, the definition of gaps. A ratio of 1 means the measure lands in
    proportion to where people live; 2, twice as concentrated in high-need places.
    Employee measures use the published (suppressed) counts only: hidden units are left
    out of both numerator and denominator and counted in ``units_hidden``, so no hidden
    count can be recovered from the shares (see :mod:`assetmap.anchor.privacy`, rule 5).

    Parameters
    ----------
    anchor : Anchor
    units : geopandas.GeoDataFrame
        With ``population`` and ``need_pct``.
    need_percentile : float
        0–100.

    Returns
    -------
    pandas.DataFrame
        One row per measure present: ``measure``, ``label``, ``in_region``,
        ``in_high_need``, ``share_high_need``, ``population_share``, ``ratio``,
        ``units_hidden`` and ``outside_region`` (NaN when unknown or hidden).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> u = gpd.GeoDataFrame({"population": [1000, 3000], "need_pct": [0.9, 0.1],
    ...     "name": ["a", "b"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
    ...     index=pd.Index(["a", "b"], name="unit_id"), crs="EPSG:4326")
    >>> inv = u.assign(investment_usd=[600.0, 400.0])
    >>> a = Anchor(name="H", hospital=u.iloc[:0], investment=inv)
    >>> alignment(a, u).loc[0, ["share_high_need", "population_share", "ratio"]].tolist()
    [0.6, 0.25, 2.4]
    """
    high = high_need(units, need_percentile)
    pop = pd.to_numeric(units["population"], errors="coerce").fillna(0)
    pop.index = high.index
    total_pop = float(pop.sum())
    pop_share = float(pop[high].sum() / total_pop) if total_pop else np.nan
    rows = []
    sources: list[tuple[str, gpd.GeoDataFrame | None, str]] = [
        ("employees", anchor.employment, "employment"),
        ("new_hires", anchor.employment, "employment"),
        ("spend_usd", anchor.purchasing, "purchasing"),
        ("investment_usd", anchor.investment, "investment"),
    ]
    for measure, frame, part in sources:
        if frame is None or measure not in frame.columns:
            continue
        v = pd.to_numeric(frame[measure], errors="coerce")
        ids = frame["unit_id"] if "unit_id" in frame.columns else frame.index
        v.index = pd.Index(ids).astype(str)
        v = v.reindex(high.index)
        in_region = float(v.sum(skipna=True))
        in_high = float(v[high].sum(skipna=True))
        share = in_high / in_region if in_region else np.nan
        flag = f"{measure}_suppressed"
        hidden = int(frame[flag].fillna(False).astype(bool).sum()) if flag in frame else 0
        summary = anchor.summary.get(part, {})
        if part == "employment":
            outside = summary.get("outside", {}).get(measure, np.nan)
        else:
            outside = summary.get("outside_usd", np.nan)
        rows.append(
            {
                "measure": measure,
                "label": _LABELS[measure],
                "in_region": in_region,
                "in_high_need": in_high,
                "share_high_need": share,
                "population_share": pop_share,
                "ratio": share / pop_share if pop_share else np.nan,
                "units_hidden": hidden,
                "outside_region": float(outside),
            }
        )
    return pd.DataFrame(rows, columns=ALIGNMENT_COLUMNS)


def spaces_near_gaps(
    spaces: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    gaps: pd.DataFrame,
    *,
    travel: TravelOptions | None = None,
) -> pd.DataFrame:
    """List the institution's spaces that could host a missing service near each gap.

    A space qualifies for a gap (unit × domain) when the domain is among the space's
    ``hosts`` and the space lies within the gap's ``threshold_min`` of the unit's origin,
    measured exactly as access measures services (:func:`assetmap.analysis.access.catchment_pairs`:
    straight line × circuity at walking speed by default). A service opened there would
    put the unit within reach, closing the gap.

    Parameters
    ----------
    spaces : geopandas.GeoDataFrame
        From :func:`~assetmap.anchor.spaces.read_spaces` (``space_id``, ``name``,
        ``hosts``).
    units : geopandas.GeoDataFrame
        The units the gaps were found in.
    gaps : pandas.DataFrame
        From :func:`assetmap.find_gaps` (``unit_id``, ``domain``, ``threshold_min``).
    travel : TravelOptions, optional
        The study's travel options.

    Returns
    -------
    pandas.DataFrame
        One row per gap × space (columns :data:`SPACES_NEAR_GAPS_COLUMNS`), sorted by
        domain, gap rank and walking time.

    Examples
    --------
    >>> import assetmap as am
    >>> atlas = am.load_sample().build()
    >>> near = spaces_near_gaps(atlas.anchor.spaces, atlas.units, atlas.gaps)
    >>> bool((near["walk_min"] <= near["threshold_min"]).all())
    True
    """
    from assetmap.analysis.access import catchment_pairs

    empty = pd.DataFrame(columns=SPACES_NEAR_GAPS_COLUMNS)
    if spaces is None or spaces.empty or gaps.empty or "hosts" not in spaces.columns:
        return empty
    sp = spaces.reset_index(drop=True)
    hosts = sp["hosts"].map(parse_hosts)
    frames = []
    for (domain, minutes), g in gaps.groupby(["domain", "threshold_min"], sort=True):
        can = sp[hosts.map(lambda h, d=domain: d in h)]
        if can.empty:
            continue
        pts = gpd.GeoDataFrame(
            {
                "asset_id": can["space_id"].astype(str),
                "name": can["name"].astype(str),
                "domain": domain,
            },
            geometry=can.geometry.to_numpy(),
            crs=can.crs,
        )
        gap_units = units.loc[units.index.astype(str).isin(g["unit_id"].astype(str))]
        pairs = catchment_pairs(gap_units, pts, minutes=float(minutes), travel=travel)
        if pairs.empty:
            continue
        pairs = pairs.rename(columns={"asset_id": "space_id", "minutes": "walk_min"})
        pairs["domain"] = domain
        pairs["threshold_min"] = float(minutes)
        frames.append(pairs)
    if not frames:
        return empty
    out = pd.concat(frames, ignore_index=True)
    info = sp.assign(space_id=sp["space_id"].astype(str)).set_index("space_id")
    for src, dst in (
        ("name", "space_name"),
        ("space_type", "space_type"),
        ("capacity", "capacity"),
        ("accessible", "accessible"),
        ("availability", "availability"),
    ):
        out[dst] = out["space_id"].map(info[src]) if src in info else ""
    g = gaps.assign(unit_id=gaps["unit_id"].astype(str)).set_index(["unit_id", "domain"])
    key = pd.MultiIndex.from_arrays([out["unit_id"], out["domain"]])
    for col in ("name", "population", "need_pct", "rank"):
        out[col] = g[col].reindex(key).to_numpy() if col in g else np.nan
    out["walk_min"] = out["walk_min"].astype(float)
    out = out.sort_values(["domain", "rank", "walk_min", "space_id"], ignore_index=True)
    return out[SPACES_NEAR_GAPS_COLUMNS]


def measure_anchor(
    anchor: Anchor,
    units: gpd.GeoDataFrame,
    gaps: pd.DataFrame,
    *,
    travel: TravelOptions | None = None,
    need_percentile: float = 75.0,
) -> Anchor:
    """Return a copy of ``anchor`` with its alignment and spaces near gaps measured.

    Parameters
    ----------
    anchor : Anchor
    units : geopandas.GeoDataFrame
        Units with need columns.
    gaps : pandas.DataFrame
        Gaps found in ``units``.
    travel : TravelOptions, optional
    need_percentile : float
        The gap percentile (0–100).

    Returns
    -------
    Anchor

    Examples
    --------
    >>> import assetmap as am
    >>> atlas = am.load_sample().build()
    >>> sorted(atlas.anchor.alignment["measure"])
    ['employees', 'investment_usd', 'new_hires', 'spend_usd']
    """
    return dataclasses.replace(
        anchor,
        alignment=alignment(anchor, units, need_percentile=need_percentile),
        spaces_near_gaps=(
            spaces_near_gaps(anchor.spaces, units, gaps, travel=travel)
            if anchor.spaces is not None
            else None
        ),
    )
