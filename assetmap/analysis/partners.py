"""Who could close each gap: ranked partners per gap (unit × domain), each with a reason.

For every gap of a built study (:attr:`assetmap.Atlas.gaps`: a high-need unit with no
service of a domain within reach) :func:`partners` lists the organisations and places a
coalition could call, of four kinds:

* **beyond reach** — providers of the gap's own domain a little farther than the domain's
  travel threshold (up to ``reach_factor`` × the threshold, default twice), nearest first:
  outreach, longer hours or a mobile site would serve the unit;
* **co-locate** — organisations of other domains near the unit whose site could host the
  service (a clinic hosting a pantry, a shelter hosting benefits enrolment), by the
  ``co_locate:`` table of ``layers/domains.yml``
  (:meth:`assetmap.domains.Domains.hosts_for_domain`);
* **hospital space** — the hospital's shareable spaces that could host the domain
  (``hosts``, or the ``space_hosts:`` table), from :attr:`assetmap.Anchor.spaces`;
* **community space** — places of worship, community and social centres, libraries and
  schools (``spaces=``, e.g. :func:`assetmap.readers.osm.community_spaces_from_osm`) that
  could host it (``hosts``, or the ``community_hosts:`` table).

A site is *near* a gap unit when it lies within the domain's threshold of the unit's
origin — a service there would put the unit within reach — measured as the study measures
access (straight line × circuity at walking speed, or along its street graph); ``near_m``
sets a distance instead. Travel is measured from each unit's origin (its inside point, or
the stored population-weighted origin), not from population points.

Candidates of a gap are ranked by taking the best of each kind in turn — the nearest
provider beyond reach, the nearest co-locating organisation, the nearest hospital space,
the nearest community space, then the second of each — so a short list shows every
kind of partner; ties go to the nearer site, then the partner's id.
:func:`partner_summary` lists each organisation once with all its gaps, the one to call
first on top. Every candidate offers the gap's residents without a service in reach
(``population_beyond`` of the gaps).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.analysis._costs import StraightCosts
from assetmap.analysis._partners_sites import host_pairs, site_table, table_domains
from assetmap.analysis.context import TravelContext, stored_origins
from assetmap.analysis.travel import TravelOptions
from assetmap.csvsafe import write_csv

if TYPE_CHECKING:
    from assetmap.atlas import Atlas
    from assetmap.domains import Domains

__all__ = [
    "KINDS",
    "PARTNER_COLUMNS",
    "SUMMARY_COLUMNS",
    "partner_summary",
    "partners",
    "write_partners",
]

log = logging.getLogger(__name__)

#: The kinds of partner, in the order a gap's candidates take turns.
KINDS = ("beyond reach", "co-locate", "hospital space", "community space")

#: Columns of :func:`partners`.
PARTNER_COLUMNS = [
    "unit_id",
    "unit_name",
    "domain",
    "rank",
    "partner",
    "partner_id",
    "kind",
    "organisation",
    "minutes",
    "residents",
    "reason",
    "latitude",
    "longitude",
]

#: Columns of :func:`partner_summary`.
SUMMARY_COLUMNS = [
    "organisation",
    "gaps",
    "gap_list",
    "residents",
    "kinds",
    "partners",
    "best_rank",
]


def _empty() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in PARTNER_COLUMNS})
    kinds = {"rank": np.int64, "minutes": float, "residents": np.int64}
    return out.astype(kinds | {"latitude": float, "longitude": float})


def partners(
    atlas: Atlas,
    *,
    spaces: gpd.GeoDataFrame | None = None,
    max_per_gap: int = 5,
    near_m: float | None = None,
    reach_factor: float = 2.0,
    travel: TravelOptions | None = None,
    context: TravelContext | None = None,
) -> pd.DataFrame:
    """List, for each gap, who could close it: ranked partners, each with a reason.

    Parameters
    ----------
    atlas : Atlas
        A built study (:meth:`assetmap.Atlas.build`): its ``gaps``, ``units``, ``assets``,
        ``domains``, ``anchor`` (its ``spaces``, when present) and travel parameters.
    spaces : geopandas.GeoDataFrame, optional
        Community spaces as points (any CRS): ``name`` and ``space_type`` (an
        OpenStreetMap ``amenity`` such as ``place_of_worship``, ``community_centre``,
        ``library``, ``social_centre``, ``school``); optional ``space_id``, ``operator``
        (the organisation to call) and ``hosts`` (domain keys joined by ``;``, overriding
        the ``community_hosts:`` table of ``layers/domains.yml``). See
        :func:`assetmap.readers.osm.community_spaces_from_osm`.
    max_per_gap : int
        Candidates kept per gap (0 keeps none).
    near_m : float, optional
        How far from a gap unit's origin a co-locating organisation or a space may be, in
        metres of travel (converted to minutes at the walking speed). Default: the
        domain's threshold, so a service opened there would be within reach.
    reach_factor : float
        Providers of the gap's domain count as just beyond reach up to this many times
        the domain's threshold (default 2).
    travel : TravelOptions, optional
        How travel is measured; default the study's own (``atlas.travel``; a street
        graph whose file is gone falls back to a straight line, with a warning).
    context : TravelContext, optional
        The build's travel context (:meth:`assetmap.Atlas.build` passes its own), so the
        units' origins and the street graph are not computed again. Travel is measured
        from each unit's origin either way; a street-network context measuring from
        population points is not reused (a context of the gap units is made instead).

    Returns
    -------
    pandas.DataFrame
        One row per gap × candidate, columns :data:`PARTNER_COLUMNS`: ``unit_id``,
        ``unit_name`` and ``domain`` of the gap; ``rank`` (1 = call first) within the gap;
        ``partner`` (the site's name), ``partner_id`` (asset id; ``hospital:<space_id>``
        for the hospital's spaces; a community space's ``space_id``), ``kind`` (one of
        :data:`KINDS`), ``organisation`` (the asset's ``org`` or the space's ``operator``
        when given, else the partner's name; the hospital's name for its spaces),
        ``minutes`` (travel from the unit's origin, 0.1 min), ``residents`` (the gap's
        residents without a service in reach), ``reason`` (one plain-English sentence),
        ``latitude`` and ``longitude`` (the site, EPSG:4326).
        Ordered by domain (in ``atlas.domains`` order), the gap's rank, then ``rank``.
        Empty, with these columns, when there is no gap.

    Examples
    --------
    >>> import assetmap as am
    >>> atlas = am.load_sample().build()  # doctest: +SKIP
    >>> found = am.partners(atlas)  # doctest: +SKIP
    >>> found.iloc[0]["kind"]  # doctest: +SKIP
    'beyond reach'
    >>> PARTNER_COLUMNS[:4]
    ['unit_id', 'unit_name', 'domain', 'rank']
    """
    gaps = _gap_table(atlas.gaps, list(atlas.domains))
    if gaps.empty or max_per_gap < 1:
        return _empty()
    doms = table_domains(atlas.domains)
    usable = context is not None and (not context.has_points or context.travel.mode == "straight")
    if usable and context is not None and travel is None:
        ctx, opt = context, context.travel
    else:
        opt = travel or _travel_options(atlas.travel)
        units = atlas.units.loc[atlas.units.index.astype(str).isin(set(gaps["unit_id"]))]
        ctx = TravelContext(units, travel=opt, origins=stored_origins(units))
    anchor = atlas.anchor
    sites = site_table(
        atlas.assets,
        ctx.crs,
        hospital_spaces=getattr(anchor, "spaces", None),
        hospital_name=str(getattr(anchor, "name", "") or ""),
        spaces=spaces,
    )
    hosted = host_pairs(sites, doms)
    gaps["origin"] = pd.Index(ctx.unit_ids).get_indexer(gaps["unit_id"])
    gaps = gaps[gaps["origin"] >= 0]  # a gap of a unit the study does not hold: no origin
    frames = []
    for (domain, threshold), g in gaps.groupby(["domain", "threshold_min"], sort=True):
        near_min = float(threshold) if near_m is None else float(near_m) / opt.metres_per_min
        frames += _domain_candidates(
            ctx,
            g,
            sites,
            hosted,
            domain=str(domain),
            hosts=doms.hosts_for_domain(str(domain)),
            reach_min=float(threshold) * reach_factor,
            near_min=near_min,
        )
    if not frames:
        return _empty()
    found = _rank(pd.concat(frames, ignore_index=True), sites, max_per_gap)
    return _finish(found, gaps, sites, doms, ctx.crs)


def _gap_table(gaps: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """One row per gap: ids as text, residents beyond reach, in domain and gap order."""
    if gaps is None or gaps.empty:
        return pd.DataFrame(columns=["unit_id", "domain", "threshold_min"])
    g = gaps.copy()
    g["unit_id"] = g["unit_id"].astype(str)
    g["domain"] = g["domain"].astype(str)
    pop = pd.to_numeric(g["population"], errors="coerce")
    beyond = pd.to_numeric(g.get("population_beyond", pop), errors="coerce")
    g["residents"] = beyond.fillna(pop).fillna(0).round().astype(np.int64)
    g["unit_name"] = g["name"].where(g["name"].notna(), g["unit_id"]).astype(str)
    g["threshold_min"] = pd.to_numeric(g["threshold_min"], errors="coerce")
    g = g[g["threshold_min"] > 0]
    rank = pd.to_numeric(g.get("rank", pd.Series(0, index=g.index)), errors="coerce")
    g["gap_rank"] = rank.fillna(0).to_numpy()
    pos = {d: i for i, d in enumerate(order)}
    g["domain_pos"] = g["domain"].map(pos).fillna(len(order)).astype(np.int64)
    g = g.sort_values(["domain_pos", "domain", "gap_rank", "unit_id"], kind="stable")
    g = g.drop_duplicates(["unit_id", "domain"]).reset_index(drop=True)
    cols = ["unit_id", "unit_name", "domain", "threshold_min", "residents", "domain_pos"]
    return g[[*cols, "gap_rank"]].assign(gap=np.arange(len(g)))


def _travel_options(params: dict[str, Any]) -> TravelOptions:
    """Rebuild the study's travel options from its provenance (:attr:`Atlas.travel`)."""
    mode = str(params.get("mode", "straight"))
    walk = float(params.get("walk_kmh", 4.8))
    circuity = float(params.get("circuity", 1.3))
    graph = params.get("graph")
    if mode != "straight":
        if graph and Path(str(graph)).is_file():
            return TravelOptions(
                mode=mode,
                walk_kmh=walk,
                graph=str(graph),
                max_snap_m=float(params.get("max_snap_m", 1000.0)),
                min_component_nodes=int(params.get("min_component_nodes", 20)),
            )
        log.warning(
            "the study's street graph %r is not at hand: partners are measured in a "
            "straight line; pass travel= with the graph to measure along the streets",
            graph,
        )
    return TravelOptions(walk_kmh=walk, circuity=circuity)


def _domain_candidates(
    ctx: TravelContext,
    g: pd.DataFrame,
    sites: pd.DataFrame,
    hosted: pd.DataFrame,
    *,
    domain: str,
    hosts: tuple[str, ...],
    reach_min: float,
    near_min: float,
) -> list[pd.DataFrame]:
    """Candidate (gap, site, kind, minutes) rows of one domain's gaps."""
    origins = g["origin"].to_numpy()
    # from the units' origins: a context measuring from population points has others
    eng = (
        StraightCosts(ctx.origin_xy[origins], ctx.travel)
        if ctx.has_points
        else ctx.engine_for(origins)
    )
    is_asset = (sites["source"] == "asset").to_numpy()
    site_domain = sites["site_domain"].to_numpy(object)
    can_host = np.zeros(len(sites), bool)
    can_host[hosted.loc[hosted["domain"] == domain, "site"].to_numpy(np.int64)] = True
    source = sites["source"].to_numpy(object)
    picks = [
        (0, is_asset & (site_domain == domain), reach_min),
        (1, is_asset & np.isin(site_domain, [h for h in hosts if h != domain]), near_min),
        (2, can_host & (source == "hospital"), near_min),
        (3, can_host & (source == "community"), near_min),
    ]
    xy = sites[["x", "y"]].to_numpy(float)
    out = []
    for kind, mask, limit in picks:
        rows = np.flatnonzero(mask)
        if not len(rows) or not limit >= 0:
            continue
        oi, sj, t = eng.pairs(eng.prepare(xy[rows]), float(limit))
        if len(oi):
            out.append(
                pd.DataFrame(
                    {"gap": g["gap"].to_numpy()[oi], "site": rows[sj], "kind": kind, "minutes": t}
                )
            )
    return out


def _rank(cand: pd.DataFrame, sites: pd.DataFrame, max_per_gap: int) -> pd.DataFrame:
    """Rank each gap's candidates, kinds taking turns, and keep the first ``max_per_gap``."""
    ids = sites["partner_id"].astype(str)
    id_rank = pd.factorize(ids, sort=True)[0][cand["site"].to_numpy()]
    gap, kind = cand["gap"].to_numpy(), cand["kind"].to_numpy()
    minutes = np.round(cand["minutes"].to_numpy(float), 6)
    order = np.lexsort((id_rank, minutes, kind, gap))
    cand = cand.iloc[order].reset_index(drop=True)
    cand = cand.drop_duplicates(["gap", "site"])  # a site once per gap, as its first kind
    turn = cand.groupby(["gap", "kind"], sort=False).cumcount().to_numpy()
    id_rank = pd.factorize(ids, sort=True)[0][cand["site"].to_numpy()]
    order = np.lexsort(
        (
            id_rank,
            np.round(cand["minutes"].to_numpy(float), 6),
            cand["kind"].to_numpy(),
            turn,
            cand["gap"].to_numpy(),
        )
    )
    cand = cand.iloc[order].reset_index(drop=True)
    cand["rank"] = cand.groupby("gap", sort=False).cumcount().to_numpy() + 1
    return cand[cand["rank"] <= max_per_gap].reset_index(drop=True)


def _finish(
    found: pd.DataFrame, gaps: pd.DataFrame, sites: pd.DataFrame, doms: Domains, crs: Any
) -> pd.DataFrame:
    """Add the gap's and the site's columns, the reason and where the site is; sort."""
    import pyproj

    g = gaps.set_index("gap").loc[found["gap"].to_numpy()].reset_index()
    s = sites.loc[found["site"].to_numpy()].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "unit_id": g["unit_id"].to_numpy(),
            "unit_name": g["unit_name"].to_numpy(),
            "domain": g["domain"].to_numpy(),
            "rank": found["rank"].to_numpy(np.int64),
            "partner": s["partner"].to_numpy(),
            "partner_id": s["partner_id"].to_numpy(),
            "kind": np.asarray(KINDS, dtype=object)[found["kind"].to_numpy()],
            "organisation": s["organisation"].to_numpy(),
            "minutes": np.round(found["minutes"].to_numpy(float), 1),
            "residents": g["residents"].to_numpy(np.int64),
        }
    )
    out["reason"] = _reasons(out, g["threshold_min"], s, doms)
    to_wgs84 = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(s["x"].to_numpy(float), s["y"].to_numpy(float))
    out["latitude"], out["longitude"] = np.round(lat, 6), np.round(lon, 6)
    return out[PARTNER_COLUMNS]


def _reasons(out: pd.DataFrame, threshold: pd.Series, s: pd.DataFrame, doms: Domains) -> list[str]:
    """Write one plain-English sentence per row: why this partner could close the gap.

    Written row by row with f-strings: the output has a few rows per gap, and this is
    several times faster than pandas string arithmetic on as many rows.
    """
    labels = {k: d.label.lower() for k, d in doms.items()}
    rows = zip(
        out["kind"].to_numpy(object),
        out["partner"].astype(str).to_numpy(object),
        out["unit_name"].astype(str).to_numpy(object),
        [labels.get(k, str(k).replace("_", " ")) for k in out["domain"].to_numpy(object)],
        [labels.get(k, str(k).replace("_", " ")) for k in s["site_domain"].to_numpy(object)],
        s["space_type"].astype(str).to_numpy(object),
        out["minutes"].to_numpy(float).tolist(),
        threshold.to_numpy(float).tolist(),
        out["residents"].to_numpy(np.int64).tolist(),
        strict=True,
    )
    return [_reason(*row) for row in rows]


def _reason(
    kind: str,
    name: str,
    unit: str,
    label: str,
    host: str,
    space: str,
    minutes: float,
    threshold: float,
    residents: int,
) -> str:
    """Write the sentence of one candidate (see :func:`_reasons`)."""
    away = f"{'under 1' if minutes < 1 else f'{minutes:.0f}'} min from {unit}"
    people = f"{residents:,} resident{'s' if residents != 1 else ''}"
    if kind == "beyond reach":
        where = (
            f"just beyond the {threshold:g}-min reach"
            if minutes > threshold
            else f"within the {threshold:g}-min reach of the unit's centre but not of all "
            "its residents"
        )
        return (
            f"{name} ({label}) is {away}, {where}: outreach, longer hours or a mobile site "
            f"could serve the {people} there without it in reach."
        )
    hosts = f" and could host {label} on site for {people} of {unit}."
    if kind == "co-locate":
        return f"{name} ({host}) is {away}{hosts}"
    if kind == "hospital space":
        return f"The hospital's {name} ({space or 'space'}) is {away}{hosts}"
    return f"{name} ({space or 'community space'}) is {away}{hosts}"


def partner_summary(partners_frame: pd.DataFrame) -> pd.DataFrame:
    """List each organisation once, with every gap it could help close; call the top first.

    Parameters
    ----------
    partners_frame : pandas.DataFrame
        As returned by :func:`partners`.

    Returns
    -------
    pandas.DataFrame
        One row per organisation (names compared ignoring case and extra spaces),
        columns :data:`SUMMARY_COLUMNS`: ``organisation``; ``gaps`` (how many gaps, unit ×
        domain, it appears in); ``gap_list`` (``"unit name (domain)"`` joined by ``"; "``,
        in the order of ``partners_frame``); ``residents`` (the residents of those gaps,
        added over gaps: a unit counts once per domain); ``kinds`` (its kinds of
        partnership); ``partners`` (its sites' names); ``best_rank`` (its best rank in any
        gap). Sorted by ``gaps``, then ``residents`` (both descending), then
        ``best_rank`` and the organisation's name: the best partner to call first is on
        top.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame(
    ...     {
    ...         "unit_id": ["u1", "u2", "u2"],
    ...         "unit_name": ["North", "South", "South"],
    ...         "domain": ["food", "food", "food"],
    ...         "rank": [1, 1, 2],
    ...         "partner": ["Pantry A", "Pantry B", "Library"],
    ...         "partner_id": ["a1", "a2", "osm:node/1"],
    ...         "kind": ["beyond reach", "beyond reach", "community space"],
    ...         "organisation": ["Food Bank", "food  bank", "Library"],
    ...         "minutes": [20.0, 22.0, 5.0],
    ...         "residents": [1000, 800, 800],
    ...         "reason": ["", "", ""],
    ...     }
    ... )
    >>> partner_summary(frame)[["organisation", "gaps", "gap_list", "residents"]]
      organisation  gaps                    gap_list  residents
    0    Food Bank     2  North (food); South (food)       1800
    1      Library     1                South (food)        800
    """
    if partners_frame is None or partners_frame.empty:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in SUMMARY_COLUMNS})
        return out.astype({"gaps": np.int64, "residents": np.int64, "best_rank": np.int64})
    f = partners_frame.reset_index(drop=True)
    key = f["organisation"].astype(str).str.split().str.join(" ").str.casefold()
    f = f.assign(
        _key=key,
        _gap=f["unit_name"].astype(str) + " (" + f["domain"].astype(str) + ")",
        _gid=f["unit_id"].astype(str) + "\x00" + f["domain"].astype(str),
    )
    per_gap = f.drop_duplicates(["_key", "_gid"]).groupby("_key", sort=False)
    first = f.drop_duplicates("_key").set_index("_key")
    out = pd.DataFrame(
        {
            "organisation": first["organisation"],
            "gaps": per_gap["_gid"].size(),
            "gap_list": per_gap["_gap"].agg("; ".join),
            "residents": per_gap["residents"].sum(),
            "kinds": _joined(f, "_key", "kind"),
            "partners": _joined(f, "_key", "partner"),
            "best_rank": f.groupby("_key", sort=False)["rank"].min(),
        }
    )
    out = out.astype({"gaps": np.int64, "residents": np.int64, "best_rank": np.int64})
    out["_name"] = out.index
    out = out.sort_values(
        ["gaps", "residents", "best_rank", "_name"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return out[SUMMARY_COLUMNS].reset_index(drop=True)


def _joined(f: pd.DataFrame, key: str, column: str) -> pd.Series:
    """Return per ``key`` the distinct values of ``column``, in order, joined by ``"; "``."""
    distinct = f[[key, column]].astype({column: str}).drop_duplicates()
    return distinct.groupby(key, sort=False)[column].agg("; ".join)


def write_partners(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write partners (or their summary) as a spreadsheet-safe CSV.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`partners` or :func:`partner_summary`.
    path : str or Path
        A ``.csv`` file, or a folder to write ``partners.csv`` into.

    Returns
    -------
    Path
        The file written. Cells that a spreadsheet would run as a formula (``=``, ``+``,
        ``-``, ``@``, …) are written as text (:func:`assetmap.csvsafe.write_csv`).

    Examples
    --------
    >>> import tempfile
    >>> p = write_partners(_empty(), tempfile.mkdtemp())
    >>> p.name, p.read_text().split(",")[:3]
    ('partners.csv', ['unit_id', 'unit_name', 'domain'])
    """
    p = Path(path)
    if p.is_dir():
        p = p / "partners.csv"
    return write_csv(frame, p)
