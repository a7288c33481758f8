"""A study described by a project YAML (see ``data/sample/bronx.yml``), loaded and built.

Keys (paths are relative to the YAML file)::

    name: Bronx sample (real need data, synthetic assets)
    synthetic: true
    units: {path: units.geojson, id: unit_id, name: name, population: population}
    # or, read from the download cache (`assetmap fetch` first; a build never downloads):
    # units: {census: {county: "42011", level: tract, year: 2023}}
    indicators: default            # or a path to an indicators.yml
    domains: default               # or a path to a domains.yml
    assets:                        # one or more sources, merged and de-duplicated
      - {path: partners.csv, source: partners, columns: {name: Program Name}}
    anchor: {hospital: {path: hospital.csv}, employment: {path: hires.csv}, ...,
             crosswalk: {path: zip_to_unit.csv}, min_cell: 11}   # see assetmap.anchor.model
    travel: {mode: straight, walk_kmh: 4.8, circuity: 1.3}
    gaps: {need_percentile: 75}
    siting: {k: 3, min_reach: 500} # new sites per domain (k: 0 turns it off); fewer new
                                   # residents than min_reach is no finding
    dedupe: {threshold: 0.8, max_distance_m: 150}
    sources: [{name: ..., vintage: ..., licence: ...}]   # cited in the map and report
    goals: [{name: Food within reach, measure: reach, domain: food, target: 80%, by: 2027}]
    baseline: out2023              # an earlier build's folder: the goals' baselines

``goals`` are the coalition's shared goals (see :mod:`assetmap.analysis.goals`).

``siting`` asks, per domain, where up to ``k`` new sites would bring the most residents
without a service within reach, high-need residents first (greedy maximal covering
location: see :mod:`assetmap.analysis.siting`); ``k`` defaults to 3, and ``k: 0`` suggests none.
A site that brings fewer than ``min_reach`` residents (default 500) newly within reach stays
in ``sites.csv`` flagged ``below_min_reach`` and is no finding of the map or the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from assetmap._outdir import check_output_folder
from assetmap.analysis.access import TravelOptions
from assetmap.analysis.goals import Goal, baseline_folder, read_goals
from assetmap.anchor.model import Anchor, anchor_from_config
from assetmap.assets import combine, read_assets, rejected_rows, warning_rows
from assetmap.atlas import Atlas
from assetmap.dedupe import DedupeResult, dedupe
from assetmap.domains import Domain, load_domains, read_yaml_file
from assetmap.errors import ConfigError
from assetmap.indicators import IndicatorSet, load_indicators
from assetmap.provenance import file_record, library_version
from assetmap.region import read_population_points, read_units

__all__ = ["Project", "load_project", "project_inputs", "validate_project"]

_KNOWN_KEYS = {
    "name",
    "synthetic",
    "units",
    "indicators",
    "domains",
    "assets",
    "anchor",
    "travel",
    "gaps",
    "siting",
    "population_points",
    "dedupe",
    "sources",
    "description",
    "map",
    "goals",
    "baseline",
}

#: Keys of ``map:`` in a project, passed to :meth:`assetmap.atlas.Atlas.map`.
MAP_KEYS = {"cdn": bool, "classify": str, "k": int, "palette": str}


@dataclass
class Project:
    """A loaded study: inputs read and validated, not yet analysed.

    Attributes
    ----------
    name : str
    path : Path
        The project YAML.
    units : geopandas.GeoDataFrame
    sources : list of geopandas.GeoDataFrame
        Each asset source as read (rejected rows in ``attrs["rejected"]``).
    assets : geopandas.GeoDataFrame
        Merged, de-duplicated assets.
    dedupe : DedupeResult
    anchor : Anchor or None
    domains, indicators, travel, need_percentile, synthetic, provenance
        As configured.
    siting_k : int
        New sites suggested per domain (``siting: {k: 3}``; 0 for none).
    min_reach : float
        A suggested site bringing fewer new residents within reach is listed in
        ``sites.csv`` but is no finding (``siting: {min_reach: 500}``).
    min_services : int
        Fewest services a domain needs to be assessed (``gaps: {min_services: 1}``).
    min_share_beyond : float
        Share of a high-need unit's residents beyond reach that makes it a gap when
        population points place residents (``gaps: {min_share_beyond: 0.25}``).
    points : geopandas.GeoDataFrame or None
        Population points (``population_points: {path: points.csv}``): where residents
        live inside each unit; None to measure from each unit's inside point.
    map_options : dict
        Options of the interactive map (``map: {cdn: true, classify: naturalbreaks, k: 5,
        palette: viridis}``), passed to :meth:`assetmap.atlas.Atlas.map` by a build.
    goals : list of Goal
        The shared goals (``goals:``; :func:`assetmap.analysis.goals.read_goals`).
    baseline : Path or None
        An earlier build's output folder (``baseline:``), to measure the goals from.
    """

    name: str
    path: Path
    units: gpd.GeoDataFrame
    sources: list[gpd.GeoDataFrame]
    assets: gpd.GeoDataFrame
    dedupe: DedupeResult
    anchor: Anchor | None
    domains: dict[str, Domain]
    indicators: IndicatorSet
    travel: TravelOptions
    need_percentile: float = 75.0
    synthetic: bool = False
    provenance: dict[str, Any] = field(default_factory=dict)
    siting_k: int = 3
    min_reach: float = 500.0
    min_services: int = 1
    min_share_beyond: float = 0.25
    points: gpd.GeoDataFrame | None = None
    map_options: dict[str, Any] = field(default_factory=dict)
    goals: list[Goal] = field(default_factory=list)
    baseline: Path | None = None

    @property
    def rejected(self) -> pd.DataFrame:
        """Every asset row set aside by the readers, with file, row, column and problem."""
        frames = [rejected_rows(s) for s in self.sources]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @property
    def warnings(self) -> pd.DataFrame:
        """Every asset row kept with a warning (swapped or far coordinates, a broken link)."""
        frames = [warning_rows(s) for s in self.sources]
        return pd.concat(frames, ignore_index=True) if frames else warning_rows(self.assets)

    def build(self) -> Atlas:
        """Run the analysis and return the :class:`~assetmap.atlas.Atlas`.

        The Atlas also carries the rows set aside (:attr:`rejected`), those kept with a
        warning (:attr:`warnings`) and the duplicate pairs to review, so
        :meth:`~assetmap.atlas.Atlas.to_folder` writes them out.
        """
        atlas = Atlas.build(
            self.units,
            self.assets,
            name=self.name,
            anchor=self.anchor,
            indicators=self.indicators,
            domains=self.domains,
            travel=self.travel,
            need_percentile=self.need_percentile,
            synthetic=self.synthetic,
            provenance=self.provenance,
            siting_k=self.siting_k,
            min_reach=self.min_reach,
            min_services=self.min_services,
            points=self.points,
            min_share_beyond=self.min_share_beyond,
        )
        atlas.rejected = self.rejected
        atlas.warnings = self.warnings
        atlas.dedupe_review = self.dedupe.review
        if self.goals:
            from assetmap.analysis.goals import measure_goals
            from assetmap.readback import read_output_folder

            earlier = read_output_folder(self.baseline) if self.baseline is not None else None
            atlas.goals = measure_goals(self.goals, atlas, baseline=earlier)
        return atlas


def _mapping(value: Any, key: str, path: Path) -> dict[str, Any]:
    if isinstance(value, str):
        return {"path": value}
    if not isinstance(value, dict):
        msg = f"{path}: '{key}' must be a mapping (e.g. {{path: file.csv}})"
        raise ConfigError(msg)
    return value


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def load_project(path: str | Path) -> Project:
    """Read a project YAML and every input it names.

    Parameters
    ----------
    path : str or Path
        The YAML file.

    Returns
    -------
    Project

    Raises
    ------
    ConfigError
        For a malformed YAML (unknown key, missing ``units``, a missing input file, a
        colour or icon of the domains that is none: see :func:`validate_project`, run
        first, before any file is read).
    InputError
        For a bad input file (naming file, row and column).

    Examples
    --------
    >>> from assetmap._resources import sample_dir
    >>> project = load_project(sample_dir() / "bronx.yml")
    >>> project.synthetic
    True
    """
    p = Path(path)
    cfg, domains, indicators = _checked(p)
    base = p.parent
    ucfg = _mapping(cfg["units"], "units", p)
    ind_cfg = cfg.get("indicators", "default")
    ind_path = None if ind_cfg == "default" else _resolve(base, str(ind_cfg))
    if "census" in ucfg:  # read from the download cache only; the error names the fetch
        from assetmap.online.fetch import default_indicators, units_from_cache

        level = str(_mapping(ucfg["census"], "units.census", p).get("level", "tract"))
        found = default_indicators(ind_path, level.replace("_", "-"))
        ind_path = Path(found) if found is not None else None
        units, unit_inputs = units_from_cache(ucfg["census"], project=p, indicators=ind_path)
    else:
        units_path = _resolve(base, str(ucfg["path"]))
        units = read_units(
            units_path,
            id=str(ucfg.get("id", "unit_id")),
            name=ucfg.get("name", "name"),
            population=str(ucfg.get("population", "population")),
            crs=str(ucfg["crs"]) if ucfg.get("crs") else None,
        )
        unit_inputs = [file_record(units_path, role="units")]
    if indicators is None:  # census units: the preset follows the level
        indicators = load_indicators(ind_path)
    inputs = list(unit_inputs)
    sources = _read_sources(cfg.get("assets"), p, units=units, domains=domains, inputs=inputs)
    dcfg = cfg.get("dedupe") or {}
    merged_all = combine(sources)
    result = dedupe(merged_all, **dcfg)
    anchor = None
    if cfg.get("anchor"):
        an = _mapping(cfg["anchor"], "anchor", p)
        anchor, anchor_files = anchor_from_config(
            an, base=base, units=units, domains=domains, where=str(p)
        )
        inputs += anchor_files
    travel = _travel(cfg.get("travel"), p, inputs=inputs)
    points = _points(cfg.get("population_points"), p, units=units, inputs=inputs)
    gcfg = cfg.get("gaps") or {}
    siting_k, min_reach = _siting(cfg.get("siting"), p)
    provenance = {
        "study": str(cfg.get("name", p.stem)),
        "sources": list(cfg.get("sources") or []) + list(merged_all.attrs.get("sources") or []),
        "inputs": inputs,
        "assetmap_version": library_version(),
        "synthetic": bool(cfg.get("synthetic", False)),
        "parameters": {"dedupe": result.params},
        "asset_counts": _asset_counts(sources, merged_all, result),
    }
    return Project(
        name=str(cfg.get("name", p.stem)),
        path=p,
        units=units,
        sources=sources,
        assets=result.merged,
        dedupe=result,
        anchor=anchor,
        domains=domains,
        indicators=indicators,
        travel=travel,
        need_percentile=float(gcfg.get("need_percentile", 75.0)),
        synthetic=bool(cfg.get("synthetic", False)),
        provenance=provenance,
        siting_k=siting_k,
        min_reach=min_reach,
        min_services=_min_services(gcfg, p),
        points=points,
        min_share_beyond=_share(gcfg, "min_share_beyond", 0.25, p),
        map_options=map_options(cfg, p),
        goals=read_goals(cfg.get("goals"), path=p, domains=domains),
        baseline=baseline_folder(cfg.get("baseline"), path=p),
    )


def validate_project(path: str | Path, *, out: str | Path | None = None) -> None:
    """Check a project before any work: its YAML, domains, indicators, inputs and output.

    Every mistake found here is one sentence naming the file and key, and costs no more
    than reading the YAML files: the keys, the domains' colours and icons, the indicator
    definitions, that each input file named exists, and that ``out`` is a folder a build
    may write (:func:`assetmap.export.check_output_folder`: not a file, writable, holding
    none of the inputs, and empty or written by an earlier build).
    :func:`load_project` runs the same checks (without ``out``) before reading any input.

    Parameters
    ----------
    path : str or Path
        The project YAML.
    out : str or Path, optional
        The output folder a build will write (need not exist yet).

    Raises
    ------
    ConfigError
        The first mistake found.

    Examples
    --------
    >>> import tempfile
    >>> from assetmap._resources import sample_dir
    >>> validate_project(sample_dir() / "bronx.yml", out=tempfile.mkdtemp())
    >>> try:
    ...     validate_project(sample_dir() / "bronx.yml", out=sample_dir())
    ... except ConfigError as err:
    ...     print(str(err).split(" holds ")[1].split(",")[0])
    the input file ...bronx.yml
    """
    p = Path(path)
    _checked(p)
    if out is not None:
        check_output_folder(out, inputs=project_inputs(p))


def project_inputs(path: str | Path) -> list[Path]:
    """Return the project file and every input file it names, as absolute paths.

    Examples
    --------
    >>> from assetmap._resources import sample_dir
    >>> [p.name for p in project_inputs(sample_dir() / "bronx.yml")][:3]
    ['bronx.yml', 'units.geojson', 'assets_partners.csv']
    """
    p = Path(path)
    cfg = _read_config(p)
    named = [_resolve(p.parent, value).resolve() for _, value in _input_paths(cfg, p)]
    old = baseline_folder(cfg.get("baseline"), path=p)  # an output may not overwrite it
    named += [(old / f).resolve() for f in ("provenance.json", "layers.gpkg")] if old else []
    return [p.resolve(), *named]


def map_options(cfg: dict[str, Any], p: Path) -> dict[str, Any]:
    """Return the project's ``map:`` options, checked (one sentence per mistake).

    Examples
    --------
    >>> map_options({"map": {"cdn": True, "k": 4}}, Path("p.yml"))
    {'cdn': True, 'k': 4}
    >>> try:
    ...     map_options({"map": {"cdn": "yes"}}, Path("p.yml"))
    ... except ConfigError as err:
    ...     print(err)
    p.yml: map.cdn must be true or false, not 'yes'
    """
    value = cfg.get("map") or {}
    mcfg = _mapping(value, "map", p)
    out: dict[str, Any] = {}
    for key, v in mcfg.items():
        kind = MAP_KEYS.get(str(key))
        if kind is None:
            msg = f"{p}: map.{key} is not an option of the map; known: {', '.join(MAP_KEYS)}"
            raise ConfigError(msg)
        if kind is bool and not isinstance(v, bool):
            msg = f"{p}: map.{key} must be true or false, not {v!r}"
            raise ConfigError(msg)
        if kind is int and (isinstance(v, bool) or not isinstance(v, int) or not 2 <= v <= 9):
            msg = f"{p}: map.{key} must be a whole number of classes from 2 to 9, not {v!r}"
            raise ConfigError(msg)
        if kind is str and not isinstance(v, str):
            msg = f"{p}: map.{key} must be a word, not {v!r}"
            raise ConfigError(msg)
        out[str(key)] = v
    return out


def _checked(p: Path) -> tuple[dict[str, Any], dict[str, Domain], IndicatorSet | None]:
    """Read and check the YAML, the domains, the indicators (None for census units)."""
    cfg = _read_config(p)
    map_options(cfg, p)
    base = p.parent
    ucfg = _mapping(cfg["units"], "units", p)
    for key, value in _input_paths(cfg, p):
        full = _resolve(base, value)
        if not full.exists():
            msg = (
                f"{p}: {key} names {value!r}, which does not exist ({full}); paths are "
                "relative to the project file's folder"
            )
            raise ConfigError(msg)
    dom_cfg = cfg.get("domains", "default")
    domains = load_domains(None if dom_cfg == "default" else _resolve(base, str(dom_cfg)))
    read_goals(cfg.get("goals"), path=p, domains=domains)
    baseline_folder(cfg.get("baseline"), path=p)
    ind_cfg = cfg.get("indicators", "default")
    ind_path = None if ind_cfg == "default" else _resolve(base, str(ind_cfg))
    if "census" in ucfg:
        return cfg, domains, None
    return cfg, domains, load_indicators(ind_path)


def _input_paths(cfg: dict[str, Any], p: Path) -> list[tuple[str, str]]:
    """Every input file the project names, as (key, path as written)."""
    out: list[tuple[str, str]] = []
    ucfg = _mapping(cfg["units"], "units", p)
    if "census" not in ucfg:
        if "path" not in ucfg:
            msg = f"{p}: units needs a path or census (e.g. units: {{path: units.gpkg}})"
            raise ConfigError(msg)
        out.append(("units", str(ucfg["path"])))
    assets = cfg.get("assets") or []
    for i, a in enumerate(assets if isinstance(assets, list) else [assets]):
        if isinstance(a, str | dict) and _mapping(a, f"assets[{i}]", p).get("path"):
            out.append((f"assets[{i}]", str(_mapping(a, f"assets[{i}]", p)["path"])))
    anchor = cfg.get("anchor")
    for key, value in anchor.items() if isinstance(anchor, dict) else []:
        if isinstance(value, str) or (isinstance(value, dict) and value.get("path")):
            out.append((f"anchor.{key}", str(_mapping(value, f"anchor.{key}", p)["path"])))
    for key in ("population_points", "domains", "indicators"):
        value = cfg.get(key)
        if isinstance(value, dict) and value.get("path"):
            out.append((key, str(value["path"])))
        elif isinstance(value, str) and value != "default" and Path(value).suffix:
            out.append((key, value))
    travel = cfg.get("travel")
    if isinstance(travel, dict) and travel.get("graph"):
        out.append(("travel.graph", str(travel["graph"])))
    return out


def _points(
    value: Any, p: Path, *, units: gpd.GeoDataFrame, inputs: list[dict[str, Any]]
) -> gpd.GeoDataFrame | None:
    """Read ``population_points: {path: points.csv, description: ...}`` (None when absent).

    Other keys (``unit_id``, ``population``, ``longitude``, ``latitude``, ``layer``) name
    the file's columns, as for :func:`assetmap.region.read_population_points`.
    """
    if value is None:
        return None
    cfg = dict(_mapping(value, "population_points", p))
    if "path" not in cfg:
        msg = f"{p}: population_points needs a path (e.g. population_points: {{path: points.csv}})"
        raise ConfigError(msg)
    path = _resolve(p.parent, str(cfg.pop("path")))
    description = str(cfg.pop("description", "") or f"population points ({path.name})")
    known = {"unit_id", "population", "longitude", "latitude", "layer"}
    if set(cfg) - known:
        msg = f"{p}: unknown keys under population_points {sorted(set(cfg) - known)}"
        raise ConfigError(msg)
    points = read_population_points(path, units=units, **{k: str(v) for k, v in cfg.items()})
    points.attrs["description"] = description
    inputs.append(file_record(path, role="population_points"))
    return points


def _share(gcfg: dict[str, Any], key: str, default: float, p: Path) -> float:
    """Read ``gaps: {key: share}``: a number above 0 and at most 1."""
    value = gcfg.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        msg = f"{p}: gaps: {key} must be a share above 0 and at most 1 (e.g. 0.25), got {value!r}"
        raise ConfigError(msg)
    return float(value)


def _min_services(gcfg: dict[str, Any], p: Path) -> int:
    """Read ``gaps: {min_services: N}``: the fewest services a domain needs to be assessed."""
    value = gcfg.get("min_services", 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{p}: gaps: min_services must be a whole number of 1 or more, got {value!r}"
        raise ConfigError(msg)
    return value


def _read_config(p: Path) -> dict[str, Any]:
    """Read the project YAML and check its top-level keys."""
    cfg = read_yaml_file(p, what="project file")
    if not isinstance(cfg, dict):
        msg = f"{p}: a project file is a mapping of keys (name, units, assets, ...)"
        raise ConfigError(msg)
    unknown = sorted(set(cfg) - _KNOWN_KEYS)
    if unknown:
        msg = f"{p}: unknown keys {unknown}; known keys: {sorted(_KNOWN_KEYS)}"
        raise ConfigError(msg)
    if "units" not in cfg:
        msg = f"{p}: 'units' is required (e.g. units: {{path: units.gpkg}})"
        raise ConfigError(msg)
    return cfg


def _read_sources(
    value: Any,
    p: Path,
    *,
    units: gpd.GeoDataFrame,
    domains: dict[str, Domain],
    inputs: list[dict[str, Any]],
) -> list[gpd.GeoDataFrame]:
    """Read every ``assets:`` source, each as read (rejected rows in its attrs).

    A record of each file is appended to ``inputs``.
    """
    sources = []
    asset_cfgs = value or []
    if not isinstance(asset_cfgs, list):
        asset_cfgs = [asset_cfgs]
    for i, a in enumerate(asset_cfgs):
        acfg = dict(_mapping(a, f"assets[{i}]", p))
        if "path" not in acfg:
            msg = f"{p}: assets[{i}] needs a 'path'"
            raise ConfigError(msg)
        apath = _resolve(p.parent, str(acfg.pop("path")))
        sources.append(read_assets(apath, region=units, domains=domains, **acfg))
        inputs.append(file_record(apath, role="assets", source=acfg.get("source", apath.stem)))
    return sources


def _travel(value: Any, p: Path, *, inputs: list[dict[str, Any]]) -> TravelOptions:
    """Read ``travel:``; a street graph file is resolved and appended to ``inputs``."""
    tcfg = dict(value or {})
    if "decay_weights" in tcfg:
        tcfg["decay_weights"] = tuple(tcfg["decay_weights"])
    if tcfg.get("graph"):  # a street graph file (walk/drive modes), relative to the YAML
        tcfg["graph"] = str(_resolve(p.parent, str(tcfg["graph"])))
        inputs.append(file_record(Path(tcfg["graph"]), role="street_graph"))
    try:
        return TravelOptions(**tcfg)
    except TypeError as exc:
        msg = f"{p}: unknown key under 'travel' ({exc})"
        raise ConfigError(msg) from exc


def _asset_counts(
    sources: list[gpd.GeoDataFrame], merged_all: gpd.GeoDataFrame, result: DedupeResult
) -> dict[str, int]:
    """Rows read = kept + set aside, and services after merging duplicates."""
    rejected = sum(len(rejected_rows(s)) for s in sources)
    warned = sum(len(warning_rows(s)) for s in sources)
    return {
        "records_read": int(len(merged_all) + rejected if sources else 0),
        "records_kept": int(len(merged_all)),
        "records_rejected": int(rejected),
        "records_warned": int(warned),
        "services_after_merge": int(len(result.merged)),
    }


def _siting(value: Any, path: Path) -> tuple[int, float]:
    """Read ``siting: {k: 3, min_reach: 500}`` (the defaults when a key is absent)."""
    if value is None:
        return 3, 500.0
    if not isinstance(value, dict) or set(value) - {"k", "min_reach"}:
        msg = f"{path}: 'siting' must be a mapping like {{k: 3, min_reach: 500}} (k: 0: none)"
        raise ConfigError(msg)
    k = value.get("k", 3)
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        msg = f"{path}: siting k must be a whole number, 0 or more (got {k!r})"
        raise ConfigError(msg)
    reach = value.get("min_reach", 500)
    if isinstance(reach, bool) or not isinstance(reach, int | float) or not reach >= 0:
        msg = (
            f"{path}: siting min_reach must be a number of residents, 0 or more (got "
            f"{reach!r}); e.g. min_reach: 500"
        )
        raise ConfigError(msg)
    return k, float(reach)
