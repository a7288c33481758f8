"""The Atlas: one study assembled — units with need, assets, access, gaps, overlaps, anchor.

It also carries the opportunities the flow ends in: where capacity could move
(``balance``) and where a new site would reach the most residents without a service
(``sites``, :func:`assetmap.analysis.siting.suggest_sites`).

``Atlas.build`` runs the flow of DESIGN.md once; the resulting object is plain data that
the map, the report and the layer export read. Nothing here draws or writes by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import geopandas as gpd
import pandas as pd

from assetmap.dedupe import REVIEW_COLUMNS
from assetmap.domains import Domain

if TYPE_CHECKING:
    import folium

    from assetmap.analysis.access import TravelOptions
    from assetmap.anchor.model import Anchor
    from assetmap.indicators import IndicatorSet

__all__ = ["Atlas"]

log = logging.getLogger(__name__)


def _no_sites() -> gpd.GeoDataFrame:
    from assetmap.analysis.siting import empty_sites

    return empty_sites()


def _no_rejected() -> pd.DataFrame:
    from assetmap.assets import REJECTED_COLUMNS

    return pd.DataFrame(columns=REJECTED_COLUMNS)


def _no_partners() -> pd.DataFrame:
    from assetmap.analysis.partners import PARTNER_COLUMNS

    return pd.DataFrame(columns=list(PARTNER_COLUMNS))


def _no_review() -> pd.DataFrame:
    return pd.DataFrame(columns=list(REVIEW_COLUMNS))


def _warn_not_assessed(
    assets: gpd.GeoDataFrame, domains: dict[str, Domain], acc: pd.DataFrame, least: int
) -> dict[str, str]:
    """Log one warning per domain not assessed and return them with their reasons."""
    from assetmap.analysis.access import not_assessed

    skipped = not_assessed(assets, domains, min_services=least, access=acc)
    for sentence in skipped.values():
        log.warning(sentence)
    return skipped


_Frame = TypeVar("_Frame", pd.DataFrame, gpd.GeoDataFrame)


def _without(frame: _Frame, domains: Collection[str]) -> _Frame:
    """Return ``frame`` without the rows of the given domains (kept whole when it has none)."""
    if not domains or "domain" not in frame.columns or frame.empty:
        return frame
    out: _Frame = frame[~frame["domain"].astype(str).isin(list(domains))].reset_index(drop=True)
    return out


def _parameters(
    prov: dict[str, Any],
    opt: Any,
    need_percentile: float,
    min_services: int,
    doms: dict[str, Domain],
    ind: Any,
    siting_k: int,
    min_reach: float = 500.0,
) -> dict[str, Any]:
    """Return the run's parameters for provenance: the given ones, then this build's."""
    from assetmap.analysis.siting import METHOD

    params = dict(prov.get("parameters", {}))
    params.update(
        {
            "travel": opt.as_dict(),
            "need_percentile": need_percentile,
            "min_services": min_services,
            "thresholds_min": {k: d.threshold_min for k, d in doms.items()},
            "indicators": ind.source,
            "siting": {"k": siting_k, "min_reach": min_reach, "method": METHOD},
        }
    )
    return params


def _points_parameters(points: gpd.GeoDataFrame | None, share_beyond: float) -> dict[str, Any]:
    """How residents were placed: the population points, and the share making a gap."""
    if points is None:
        return {}
    desc = str(points.attrs.get("description") or "population points")
    return {
        "population_points": {"points": len(points), "description": desc},
        "min_share_beyond": share_beyond,
    }


def _need_parameters(units: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the indicators the need index left out (no unit had an estimate), by key."""
    left = units.attrs.get("need_left_out")
    return {"need_left_out": dict(left)} if left else {}


def _co_design(atlas: Atlas, ctx: Any, spaces: gpd.GeoDataFrame | None) -> None:
    """Set who could close each gap and the anchor's screening demand."""
    from assetmap.analysis.partners import partners

    atlas.partners = partners(atlas, spaces=spaces, context=ctx)
    anchor = atlas.anchor
    if anchor is None or anchor.screening is None:
        return
    from assetmap.anchor.screening import screening_demand

    # the build's travel context: residents at the population points, as access measures
    anchor.screening_demand = screening_demand(anchor.screening, atlas, context=ctx)


@dataclass
class Atlas:
    """A study: need, assets, access, gaps, overlaps and the hospital's own assets.

    Build one with :meth:`Atlas.build`, or from a project file with
    :func:`assetmap.project.load_project`.

    Attributes
    ----------
    name : str
        Study title, shown on the map and the report.
    units : geopandas.GeoDataFrame
        Units with need columns (see :func:`assetmap.analysis.need.need_index`).
    assets : geopandas.GeoDataFrame
        Merged Assets.
    access : pandas.DataFrame
        Long table, one row per unit × domain (see :func:`assetmap.analysis.access.access`).
    gaps : pandas.DataFrame
        One row per gap (see :func:`assetmap.analysis.gaps.find_gaps`).
    overlaps : geopandas.GeoDataFrame
        One row per overlap (see :func:`assetmap.analysis.overlap.find_overlaps`).
    anchor : Anchor or None
        The hospital's own assets, aggregated and privacy-safe.
    domains : dict of str to Domain
    indicators : IndicatorSet
    synthetic : bool
        Whether any input is synthetic; every output then says so.
    provenance : dict
        Sources, vintages, parameters and library version.
    coverage : pandas.DataFrame
        Residents by number of providers within reach, per domain, against need (see
        :func:`assetmap.analysis.overlap.provider_coverage`).
    balance : pandas.DataFrame
        Over-served units paired with the nearest under-served unit, per domain: where
        capacity could move (see :func:`assetmap.analysis.overlap.capacity_balance`).
    sites : geopandas.GeoDataFrame
        Per domain, up to ``k`` new sites that would bring the most residents without a
        service within reach, high-need residents first (see
        :func:`assetmap.analysis.siting.suggest_sites`); points in EPSG:4326.
    rejected : pandas.DataFrame
        Asset rows the readers set aside, with ``source``, ``file``, ``row``, ``column``,
        ``value`` and ``problem`` (:attr:`assetmap.project.Project.rejected`); empty for an
        Atlas built from frames.
    warnings : pandas.DataFrame
        Asset rows kept with a warning (swapped or far-off coordinates, broken HSDS
        references), same columns (:attr:`assetmap.project.Project.warnings`,
        :func:`assetmap.warning_rows`); empty for an Atlas built from frames.
    dedupe_review : pandas.DataFrame
        Borderline duplicate pairs a person should look at
        (:attr:`assetmap.dedupe.DedupeResult.review`); empty for an Atlas built from frames.
    partners : pandas.DataFrame
        Who could close each gap, ranked, with a reason each
        (:func:`assetmap.analysis.partners.partners`; community spaces from ``spaces``).
    goals : pandas.DataFrame
        The project's shared goals measured on this build (baseline, now, target, status:
        :func:`assetmap.analysis.goals.measure_goals`); empty without ``goals:``.
    """

    name: str
    units: gpd.GeoDataFrame
    assets: gpd.GeoDataFrame
    access: pd.DataFrame
    gaps: pd.DataFrame
    overlaps: gpd.GeoDataFrame
    domains: dict[str, Domain]
    indicators: IndicatorSet
    anchor: Anchor | None = None
    synthetic: bool = False
    provenance: dict[str, Any] = field(default_factory=dict)
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    balance: pd.DataFrame = field(default_factory=pd.DataFrame)
    sites: gpd.GeoDataFrame = field(default_factory=_no_sites)
    rejected: pd.DataFrame = field(default_factory=_no_rejected)
    warnings: pd.DataFrame = field(default_factory=_no_rejected)
    dedupe_review: pd.DataFrame = field(default_factory=_no_review)
    partners: pd.DataFrame = field(default_factory=_no_partners)
    goals: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def build(
        cls,
        units: gpd.GeoDataFrame,
        assets: gpd.GeoDataFrame,
        *,
        name: str = "assetmap study",
        anchor: Anchor | None = None,
        indicators: IndicatorSet | str | Path | None = "default",
        domains: dict[str, Domain] | None = None,
        travel: TravelOptions | None = None,
        need_percentile: float = 75.0,
        synthetic: bool = False,
        provenance: dict[str, Any] | None = None,
        siting_k: int = 3,
        min_reach: float = 500.0,
        min_services: int = 1,
        points: gpd.GeoDataFrame | None = None,
        min_share_beyond: float = 0.25,
        spaces: gpd.GeoDataFrame | None = None,
    ) -> Atlas:
        """Run the flow once: need index, access, gaps, overlaps and suggested sites.

        Parameters
        ----------
        units : geopandas.GeoDataFrame
            Units with ACS columns (or with need columns already computed).
        assets : geopandas.GeoDataFrame
            Assets, ideally merged with :func:`assetmap.dedupe`.
        name : str
            Study title.
        anchor : Anchor, optional
            The hospital's own assets.
        indicators : IndicatorSet, path or "default"
        domains : dict, optional
        travel : TravelOptions, optional
        need_percentile : float
            Need percentile (0–100) at or above which a unit without service is a gap.
        synthetic : bool
            Label every output as synthetic.
        provenance : dict, optional
            Sources and vintages; parameters are added.
        siting_k : int
            New sites suggested per domain (:func:`assetmap.analysis.siting.suggest_sites`);
            0 suggests none.
        min_reach : float
            A suggested site bringing fewer new residents within reach stays in ``sites``
            flagged ``below_min_reach`` and is no finding (project YAML ``siting:
            {min_reach: 500}``); recorded in the provenance's ``siting`` parameters.
        min_services : int
            A domain with fewer services than this is *not assessed* (default 1: only a
            domain with no service): no gap, no coverage figure and no suggested site is
            made for it, a warning is logged, and the report and map say so (see
            :func:`assetmap.analysis.access.not_assessed`). The project YAML sets it
            under ``gaps: {min_services: 1}``.
        points : geopandas.GeoDataFrame, optional
            Population points (``unit_id``, ``population``, point geometry): where each
            unit's residents live (:func:`assetmap.region.read_population_points`).
            Access, gaps, coverage and sites then count residents at the points; without
            them each unit's inside point carries its whole population. Their
            ``attrs["description"]`` (e.g. "tax-lot population estimates aggregated to
            100 m cells (councilcount 0.11.4, 2023)") is how the report says residents
            were placed.
        min_share_beyond : float
            With population points, the share of a high-need unit's residents beyond
            reach that makes it a gap although others have a service in reach
            (:func:`assetmap.analysis.gaps.find_gaps`; ``gaps: {min_share_beyond: 0.25}``).
        spaces : geopandas.GeoDataFrame, optional
            Community spaces (``name``, ``space_type``, points) that could host a missing
            service, e.g. :func:`assetmap.readers.osm.community_spaces_from_osm`; listed
            among the partners of each gap (:attr:`partners`).

        Returns
        -------
        Atlas

        Examples
        --------
        >>> import assetmap as am
        >>> s = am.load_sample()
        >>> atlas = am.Atlas.build(s.units, s.assets, name="Bronx", synthetic=True)
        >>> bool(atlas.gaps["domain"].isin(atlas.domains).all())
        True
        """
        from assetmap.analysis.access import TravelOptions, access
        from assetmap.analysis.context import TravelContext, stored_origins
        from assetmap.analysis.gaps import find_gaps
        from assetmap.analysis.need import need_index
        from assetmap.analysis.overlap import capacity_balance, find_overlaps, provider_coverage
        from assetmap.analysis.siting import suggest_sites
        from assetmap.domains import load_domains
        from assetmap.indicators import IndicatorSet, load_indicators

        doms = domains or load_domains()
        ind = indicators if isinstance(indicators, IndicatorSet) else load_indicators(indicators)
        opt = travel or TravelOptions()
        u = need_index(units, ind)
        # one travel context per study: CRS, origins and catchments computed once
        ctx = TravelContext(u, assets, travel=opt, origins=stored_origins(u), points=points)
        acc = access(u, assets, domains=doms, context=ctx, min_services=min_services)
        skipped = _warn_not_assessed(assets, doms, acc, min_services)
        gaps = find_gaps(u, acc, need_percentile=need_percentile, min_share_beyond=min_share_beyond)
        balance = capacity_balance(u, acc, context=ctx)
        ov = find_overlaps(u, assets, acc, domains=doms, context=ctx, balance=balance)
        coverage = provider_coverage(u, acc, need_percentile=need_percentile, context=ctx)
        sites = suggest_sites(
            u,
            assets,
            acc,
            k=siting_k,
            min_reach=min_reach,
            need_percentile=need_percentile,
            spaces=anchor.spaces if anchor is not None else None,
            domains=doms,
            context=ctx,
        )
        # "no service within reach" of an empty list is not a finding
        coverage, sites = _without(coverage, skipped), _without(sites, skipped)
        prov = dict(provenance or {})
        params = _parameters(
            prov, opt, need_percentile, min_services, doms, ind, siting_k, min_reach
        )
        params.update(_points_parameters(points, min_share_beyond) | _need_parameters(u))
        if anchor is not None:
            from assetmap.anchor.measures import measure_anchor

            anchor = measure_anchor(anchor, u, gaps, travel=opt, need_percentile=need_percentile)
            params["anchor_min_cell"] = anchor.min_cell
        prov["parameters"] = params
        atlas = cls(
            name=name,
            units=u,
            assets=assets,
            access=acc,
            gaps=gaps,
            overlaps=ov,
            domains=doms,
            indicators=ind,
            anchor=anchor,
            synthetic=synthetic,
            provenance=prov,
            coverage=coverage,
            balance=balance,
            sites=sites,
        )
        _co_design(atlas, ctx, spaces)
        return atlas

    @property
    def not_assessed(self) -> dict[str, str]:
        """Domains not assessed, each with the sentence saying why, in domain order.

        A domain is not assessed when the inventory lists fewer services than the
        build's ``min_services`` (1 unless set), or when the access table holds no
        assessed row of it (:func:`assetmap.analysis.access.not_assessed`).

        Examples
        --------
        >>> import assetmap as am
        >>> am.load_sample().build().not_assessed  # doctest: +SKIP
        {}
        """
        from assetmap.analysis.access import not_assessed

        params = self.provenance.get("parameters", {}) if self.provenance else {}
        least = int(params.get("min_services", 1))
        return not_assessed(self.assets, self.domains, min_services=least, access=self.access)

    @property
    def travel(self) -> dict[str, Any]:
        """Travel parameters used for access."""
        return dict(self.provenance.get("parameters", {}).get("travel", {}))

    def to_file(self, path: str | Path) -> Path:
        """Write every layer to one GeoPackage (or GeoParquet files for a ``.parquet`` stem).

        Layers: ``units``, ``assets``, ``gaps`` and ``overlaps`` (with unit or cluster
        polygons), ``sites`` (suggested new sites, points), ``access`` (attributes only),
        and the anchor layers (``anchor_*``) when present. Employee counts are written
        suppressed, exactly as published.
        """
        from assetmap.export import write_layers

        return write_layers(self, path)

    def map(
        self,
        *,
        m: folium.Map | None = None,
        need_column: str = "need_pct",
        indicators: str | list[str] | None = "all",
        classify: str = "quantiles",
        k: int = 5,
        palette: str = "YlOrRd",
        cdn: bool = False,
        self_contained: bool | None = None,
        js_dir: str | Path | None = None,
    ) -> folium.Map:
        """Return an interactive folium map of the study (see :func:`assetmap.maps.build.make_map`).

        Parameters
        ----------
        m : folium.Map, optional
            A map to add the layers to.
        need_column : str
            Unit column shown first as the need choropleth.
        indicators : "all", list of str or None
            Indicators offered as further choropleths.
        classify : {"quantiles", "naturalbreaks"}
            Classification of the choropleths (mapclassify).
        k : int
            Number of classes.
        palette : str
            Colour-blind-safe palette of the choropleths ("YlOrRd", "viridis", …).
        cdn : bool
            Link the map's JavaScript and CSS from a CDN (needs internet) instead of
            writing them into the file (the default: works with no internet).
        self_contained : bool, optional
            Deprecated alias of ``cdn=not self_contained``.
        js_dir : str or Path, optional
            A ``node_modules`` folder with ``leaflet``, searched first unless ``cdn``.
        """
        from assetmap.maps.build import make_map

        return make_map(
            self,
            m=m,
            need_column=need_column,
            indicators=indicators,
            classify=classify,
            k=k,
            palette=palette,
            cdn=cdn,
            self_contained=self_contained,
            js_dir=js_dir,
        )

    def report(
        self, path: str | Path, *, figures: bool = True, pdf: bool | None = None
    ) -> dict[str, Path]:
        """Write the report into the folder ``path`` (see :func:`~assetmap.report.write_report`)."""
        from assetmap.report.build import write_report

        return write_report(self, path, figures=figures, pdf=pdf)

    def to_folder(
        self,
        path: str | Path,
        *,
        figures: bool = True,
        pdf: bool | None = None,
        progress: Callable[[str], None] | None = None,
        inputs: Iterable[str | Path] = (),
        map_images: Iterable[str] = (),
        map_options: Mapping[str, Any] | None = None,
    ) -> dict[str, Path]:
        """Write the whole output set into the folder ``path``, as ``assetmap build`` does.

        ``map.html``, ``report.html``, ``report.md``, ``report.pdf`` (when Chromium is
        installed), ``figures/``, the CSV tables (``gaps.csv``, ``access.csv``, …,
        ``rejected.csv``, ``warnings.csv``, ``dedupe_review.csv``), ``layers.gpkg`` and
        ``provenance.json``
        with a record of the run and a manifest of every file (path, bytes, SHA-256).

        The folder is never destroyed (see :func:`assetmap.export.write_folder`): one
        that holds an input file, or files no build wrote, is refused; a second build
        into it at the same time is refused; everything is written beside it and swapped
        in when complete, so an interrupted run leaves the previous outputs whole; a
        user's own files in it are kept. A PDF or figure that cannot be made is skipped
        with a warning and recorded in ``provenance["skipped"]``.

        Parameters
        ----------
        path : str or Path
            The output folder (created when missing).
        figures : bool
            Draw the report's static map per domain.
        pdf : bool, optional
            ``True`` requires a PDF, ``False`` skips it, ``None`` prints one when Chromium
            is installed.
        progress : callable, optional
            Called with the name of each step (``"map"``, ``"report"``, ``"layers"``) as it
            begins, e.g. to move a progress bar.
        inputs : iterable of path
            The study's input files, the project file among them: an output folder
            holding one of them is refused with a :class:`~assetmap.errors.ConfigError`.
        map_images : iterable of str
            Also write the map as one static page: ``"png"`` (``map.png``) and/or
            ``"pdf"`` (``map.pdf``), for slides and print.
        map_options : mapping, optional
            Keywords of :meth:`map` for ``map.html`` (e.g. ``{"cdn": True}``).

        Returns
        -------
        dict
            Paths of the files written, by kind (``map``, ``html``, ``gaps``, ``rejected``,
            ``layers``, ``provenance``, …).

        Examples
        --------
        >>> import assetmap as am, tempfile
        >>> atlas = am.load_sample().build()
        >>> paths = atlas.to_folder(tempfile.mkdtemp(), pdf=False)
        >>> sorted(p.name for p in paths.values() if p.suffix != ".csv")[:4]
        ['layers.gpkg', 'map.html', 'provenance.json', 'report.html']
        >>> paths["rejected"].name, paths["warnings"].name, paths["dedupe_review"].name
        ('rejected.csv', 'warnings.csv', 'dedupe_review.csv')
        """
        from assetmap.export import write_folder

        return write_folder(
            self,
            path,
            figures=figures,
            pdf=pdf,
            progress=progress,
            inputs=inputs,
            map_images=map_images,
            map_options=map_options,
        )
