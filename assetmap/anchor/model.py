"""The hospital's own assets: hiring, purchasing, investment and space, privacy-safe.

An anchor institution (IHI, *Hospitals as Anchor Institutions*, 2017; Democracy
Collaborative, *The Anchor Mission Playbook*, 2017) brings employment, purchasing power,
investment and physical space. The readers in :mod:`assetmap.anchor.workforce`,
:mod:`assetmap.anchor.spending` and :mod:`assetmap.anchor.spaces` place each input in
the study units (by unit id, point, or ZIP code through a crosswalk); this module
gathers them in an :class:`Anchor`; :mod:`assetmap.anchor.measures` measures them
against need:

* **anchor alignment**, per measure (employees, new hires, spend, investment): the share
  landing in high-need units (need percentile at or above the gap percentile) divided by
  the share of the region's residents living there. 1 means in proportion to
  population; above 1, concentrated where need is high.
* **spaces near gaps**: for each gap (unit × domain), the institution's spaces within
  the domain's travel threshold of the unit that could host that domain's service, by
  the same travel rule as access.

Counts that describe employees are published only as the privacy rule of
:mod:`assetmap.anchor.privacy` allows; every output reads the same published tables.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from assetmap.anchor.privacy import DEFAULT_MIN_CELL, suppress_small_cells
from assetmap.errors import ConfigError

if TYPE_CHECKING:
    from assetmap.anchor.screening import Screening
    from assetmap.domains import Domain

__all__ = [
    "ANCHOR_INPUTS",
    "Anchor",
    "anchor_from_config",
    "read_anchor",
    "suppress_small_cells",
]

log = logging.getLogger(__name__)

#: Input files an anchor can have (keys of the project YAML's ``anchor:`` mapping).
ANCHOR_INPUTS = (
    "hospital",
    "employment",
    "purchasing",
    "investment",
    "space",
    "positions",
    "screening",
)

InputSpec = str | Path | Mapping[str, Any]


@dataclass
class Anchor:
    """An anchor institution's assets, aggregated to units and privacy-safe.

    Attributes
    ----------
    name : str
        The institution's name.
    hospital : geopandas.GeoDataFrame
        The institution's site(s): points with ``name``.
    employment : geopandas.GeoDataFrame or None
        Per unit: ``employees`` and, when given, ``new_hires`` (NaN where hidden), each
        with a ``<measure>_suppressed`` flag; ``name``, ``population``, unit polygons.
    purchasing : geopandas.GeoDataFrame or None
        Per unit: ``spend_usd``, ``vendors``, and the spend with vendors flagged
        ``local``, ``minority_owned``, ``women_owned`` (``<flag>_spend_usd``).
    spaces : geopandas.GeoDataFrame or None
        Shareable spaces as points, with ``hosts`` (domains each could host).
    min_cell : int
        Smallest employee count published.
    employment_groups : pandas.DataFrame or None
        Per unit × wage band (or job family), published like ``employment``.
    employment_totals : pandas.DataFrame or None
        Region totals per group and overall (``group == "all"``), published or hidden by
        the same rule.
    investment : geopandas.GeoDataFrame or None
        Per unit: ``investment_usd``, ``investments``, ``types``.
    positions : geopandas.GeoDataFrame or None
        Open positions by site (points): ``site``, ``open_positions``, ``by_job_family``.
    alignment : pandas.DataFrame or None
        One row per measure (see :func:`~assetmap.anchor.measures.alignment`), set by
        :func:`~assetmap.anchor.measures.measure_anchor`.
    spaces_near_gaps : pandas.DataFrame or None
        One row per gap × space (see
        :func:`~assetmap.anchor.measures.spaces_near_gaps`); set by
        :func:`~assetmap.anchor.measures.measure_anchor`.
    screening : Screening or None
        Health-related social needs screening results per unit and domain, and referrals
        per partner, small cells suppressed (:func:`~assetmap.anchor.screening.read_screening`).
    screening_demand : pandas.DataFrame or None
        Per unit × screening domain: positives per 1,000 screened, demand-weighted access
        and ``unmet`` (:func:`~assetmap.anchor.screening.screening_demand`); set by
        :meth:`assetmap.Atlas.build`.
    summary : dict
        Region-level facts for the report: ``employment`` (outside-region counts, how
        rows were placed), ``purchasing`` and ``investment`` (totals, by category or
        type), ``positions``. Employee counts here are published values only.
    """

    name: str
    hospital: gpd.GeoDataFrame
    employment: gpd.GeoDataFrame | None = None
    purchasing: gpd.GeoDataFrame | None = None
    spaces: gpd.GeoDataFrame | None = None
    min_cell: int = DEFAULT_MIN_CELL
    employment_groups: pd.DataFrame | None = None
    employment_totals: pd.DataFrame | None = None
    investment: gpd.GeoDataFrame | None = None
    positions: gpd.GeoDataFrame | None = None
    alignment: pd.DataFrame | None = None
    spaces_near_gaps: pd.DataFrame | None = None
    screening: Screening | None = None
    screening_demand: pd.DataFrame | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Spatial layers to publish, by name (employee counts as published).

        ``employment`` and ``employment_by_group`` carry unit polygons (never a home),
        ``purchasing`` and ``investment`` unit polygons, ``spaces``, ``sites`` and
        ``positions`` the institution's own points.
        """
        out: dict[str, gpd.GeoDataFrame] = {}
        for name, frame in (
            ("employment", self.employment),
            ("purchasing", self.purchasing),
            ("investment", self.investment),
        ):
            if frame is not None:
                out[name] = frame.reset_index()
        if self.employment_groups is not None and self.employment is not None:
            geom = self.employment.geometry
            g = self.employment_groups.join(geom.rename("geometry"), on="unit_id")
            out["employment_by_group"] = gpd.GeoDataFrame(
                g, geometry="geometry", crs=self.employment.crs
            )
        for name, frame in (
            ("spaces", self.spaces),
            ("sites", self.hospital),
            ("positions", self.positions),
        ):
            if frame is not None:
                out[name] = frame
        return out

    def _screening_rates(self) -> pd.DataFrame | None:
        """Return the published screening table, with demand and access once measured."""
        if self.screening_demand is not None:
            return self.screening_demand
        return None if self.screening is None else self.screening.rates

    def tables(self) -> dict[str, pd.DataFrame]:
        """Tables to publish as CSV, by name: the layers without geometry, plus totals.

        Points keep ``latitude``/``longitude`` (the institution's own sites and spaces);
        unit layers drop their polygons.
        """
        out: dict[str, pd.DataFrame] = {}
        for name, layer in self.layers().items():
            geom = layer.geometry
            df = pd.DataFrame(layer.drop(columns=geom.name))
            if bool((geom.geom_type == "Point").all()) and len(geom):
                df["latitude"] = geom.y.round(6).to_numpy()
                df["longitude"] = geom.x.round(6).to_numpy()
            out[name] = df
        for name, frame in (
            ("employment_totals", self.employment_totals),
            ("alignment", self.alignment),
            ("spaces_near_gaps", self.spaces_near_gaps),
            ("screening", self._screening_rates()),
            ("screening_totals", None if self.screening is None else self.screening.totals),
            ("referrals", None if self.screening is None else self.screening.referrals),
        ):
            if frame is not None:
                out[name] = pd.DataFrame(frame)
        return {k: _rounded(v) for k, v in out.items()}


def _rounded(df: pd.DataFrame) -> pd.DataFrame:
    """Round for reading: dollars to the cent, minutes to 0.1, shares to 4 decimals."""
    out = df.copy()
    for c in out.columns:
        if c in ("latitude", "longitude") or not pd.api.types.is_float_dtype(out[c]):
            continue
        digits = 2 if c.endswith("_usd") else 1 if c.endswith("_min") else 4
        out[c] = out[c].round(digits)
    return out


def _spec(value: InputSpec | None, key: str) -> tuple[Path | None, dict[str, Any]]:
    if value is None:
        return None, {}
    if isinstance(value, str | Path):
        return Path(value), {}
    if not isinstance(value, Mapping) or "path" not in value:
        msg = f"anchor.{key} must be a path or a mapping with 'path' (e.g. {{path: file.csv}})"
        raise ConfigError(msg)
    opts = {k: v for k, v in value.items() if k != "path"}
    return Path(str(value["path"])), opts


def read_anchor(
    units: gpd.GeoDataFrame,
    *,
    hospital: InputSpec,
    employment: InputSpec | None = None,
    purchasing: InputSpec | None = None,
    space: InputSpec | None = None,
    investment: InputSpec | None = None,
    positions: InputSpec | None = None,
    screening: InputSpec | None = None,
    crosswalk: InputSpec | pd.DataFrame | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
    domains: dict[str, Domain] | None = None,
) -> Anchor:
    """Read an anchor institution's inputs and aggregate them to the study units.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
        Study units.
    hospital : str, Path or mapping
        The institution's site(s): ``name``, latitude and longitude (one row per site).
    employment, purchasing, space, investment, positions : str, Path or mapping, optional
        A path, or a mapping with ``path`` and the reader's options (``columns``,
        ``unknown_zip``): see :func:`~assetmap.anchor.workforce.read_workforce`,
        :func:`~assetmap.anchor.spending.read_purchasing`,
        :func:`~assetmap.anchor.spaces.read_spaces`,
        :func:`~assetmap.anchor.spending.read_investment`,
        :func:`~assetmap.anchor.spaces.read_positions`.
    screening : str, Path or mapping, optional
        Aggregated screening results (``{path: screening.csv, referrals:
        referrals.csv}``), see :func:`~assetmap.anchor.screening.read_screening`.
    crosswalk : str, Path, mapping or pandas.DataFrame, optional
        ZCTA-to-unit crosswalk for inputs placed by ZIP code (a mapping may name the
        columns: ``{path: ..., zcta: ZIP, unit_id: TRACT, weight: RES_RATIO}``).
    min_cell : int
        Smallest employee count published (default 11).
    domains : dict, optional
        Service domains (to read the spaces' ``hosts``).

    Returns
    -------
    Anchor

    Examples
    --------
    >>> import assetmap as am
    >>> from assetmap._resources import sample_dir
    >>> d = sample_dir()
    >>> units = am.read_units(d / "units.geojson")
    >>> a = read_anchor(units, hospital=d / "hospital.csv", employment=d / "anchor_employment.csv")
    >>> bool(a.employment["employees_suppressed"].any())
    True
    """
    from assetmap.anchor.spaces import read_positions, read_sites, read_spaces
    from assetmap.anchor.spending import read_investment, read_purchasing
    from assetmap.anchor.workforce import read_workforce
    from assetmap.readers.crosswalk import read_crosswalk

    cw = None
    if isinstance(crosswalk, pd.DataFrame):
        cw = crosswalk
    elif crosswalk is not None:
        cpath, copts = _spec(crosswalk, "crosswalk")
        cw = read_crosswalk(str(cpath), units=units, **copts)
    hpath, _ = _spec(hospital, "hospital")
    sites = read_sites(str(hpath))
    anchor = Anchor(name=str(sites["name"].iloc[0]), hospital=sites, min_cell=int(min_cell))
    path, opts = _spec(employment, "employment")
    if path is not None:
        wf = read_workforce(path, units, crosswalk=cw, min_cell=min_cell, **opts)
        anchor.employment, anchor.employment_groups = wf.by_unit, wf.by_group
        anchor.employment_totals = wf.totals
        anchor.summary["employment"] = {"outside": wf.outside, "placed": wf.placed}
    path, opts = _spec(purchasing, "purchasing")
    if path is not None:
        p = read_purchasing(path, units, crosswalk=cw, **opts)
        anchor.purchasing, anchor.summary["purchasing"] = p.by_unit, p.summary
    path, opts = _spec(investment, "investment")
    if path is not None:
        inv = read_investment(path, units, crosswalk=cw, **opts)
        anchor.investment, anchor.summary["investment"] = inv.by_unit, inv.summary
    path, opts = _spec(space, "space")
    if path is not None:
        anchor.spaces = read_spaces(path, domains=domains, **opts)
    path, opts = _spec(screening, "screening")
    if path is not None:
        from assetmap.anchor.screening import read_screening

        anchor.screening = read_screening(
            path, units=units, crosswalk=cw, min_cell=min_cell, domains=domains, **opts
        )
    path, opts = _spec(positions, "positions")
    if path is not None:
        anchor.positions = read_positions(path, **opts)
        anchor.summary["positions"] = {
            "open_positions": int(anchor.positions["open_positions"].sum()),
            "sites": len(anchor.positions),
        }
    return anchor


def anchor_from_config(
    cfg: Mapping[str, Any],
    *,
    base: Path,
    units: gpd.GeoDataFrame,
    domains: dict[str, Domain] | None = None,
    where: str = "project",
) -> tuple[Anchor, list[dict[str, Any]]]:
    """Read the ``anchor:`` mapping of a project YAML.

    Keys: ``hospital`` (required), ``employment``, ``purchasing``, ``investment``,
    ``space``, ``positions``, ``crosswalk`` (each ``{path: ..., <options>}`` or a path,
    relative to ``base``) and ``min_cell`` (default 11).

    Parameters
    ----------
    cfg : mapping
        The ``anchor:`` mapping.
    base : Path
        Folder of the YAML file.
    units : geopandas.GeoDataFrame
    domains : dict, optional
    where : str
        Named in configuration errors (the YAML's path).

    Returns
    -------
    tuple of (Anchor, list of dict)
        The anchor and a provenance record per input file.

    Examples
    --------
    >>> import assetmap as am
    >>> from assetmap._resources import sample_dir
    >>> units = am.read_units(sample_dir() / "units.geojson")
    >>> a, files = anchor_from_config({"hospital": "hospital.csv"}, base=sample_dir(),
    ...                               units=units)
    >>> files[0]["role"]
    'anchor.hospital'
    """
    from assetmap.provenance import file_record

    known = {*ANCHOR_INPUTS, "crosswalk", "min_cell"}
    unknown = sorted(set(cfg) - known)
    if unknown:
        msg = f"{where}: unknown anchor keys {unknown}; known: {sorted(known)}"
        raise ConfigError(msg)
    if "hospital" not in cfg:
        msg = f"{where}: anchor needs 'hospital: {{path: ...}}' naming the institution"
        raise ConfigError(msg)
    min_cell = cfg.get("min_cell", DEFAULT_MIN_CELL)
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 1:
        msg = f"{where}: anchor.min_cell must be a whole number of at least 1, got {min_cell!r}"
        raise ConfigError(msg)
    specs: dict[str, Any] = {}
    records = []
    for key in (*ANCHOR_INPUTS, "crosswalk"):
        if cfg.get(key) is None:
            continue
        path, opts = _spec(cfg[key], key)
        if path is None:  # pragma: no cover - _spec returns a path for non-None
            continue
        full = path if path.is_absolute() else base / path
        specs[key] = {"path": full, **opts}
        records.append(file_record(full, role=f"anchor.{key}"))
        if key == "screening" and opts.get("referrals") is not None:
            ref = Path(str(opts["referrals"]))
            specs[key]["referrals"] = ref if ref.is_absolute() else base / ref
            records.append(file_record(specs[key]["referrals"], role="anchor.screening.referrals"))
    anchor = read_anchor(units, min_cell=min_cell, domains=domains, **specs)
    return anchor, records
