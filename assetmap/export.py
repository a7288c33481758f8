"""Write an Atlas's outputs to files: the whole folder, layers, CSV tables, provenance JSON.

:func:`write_folder` writes the whole output set of ``assetmap build`` (map, report,
tables, layers, provenance) in one call; the other functions write one part each.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

if TYPE_CHECKING:
    from assetmap.atlas import Atlas

__all__ = [
    "FOLDER_STEPS",
    "write_folder",
    "write_layers",
    "write_provenance",
    "write_tables",
]

#: The steps of :func:`write_folder`, in order, as named to its ``progress`` callback.
FOLDER_STEPS = ("map", "report", "layers")


def write_folder(
    atlas: Atlas,
    path: str | Path,
    *,
    figures: bool = True,
    pdf: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Write the whole output set of a study into the folder ``path``.

    ``map.html``; the report (``report.html``, ``report.md``, ``report_*.csv``,
    ``figures/`` and ``report.pdf`` when Chromium is installed, see
    :func:`assetmap.report.write_report`); the tables of :func:`write_tables`;
    ``rejected.csv`` (rows the readers set aside), ``warnings.csv`` (rows kept with a
    warning, same columns) and ``dedupe_review.csv`` (borderline duplicate pairs);
    ``layers.gpkg`` (:func:`write_layers`); ``provenance.json`` with a record of this run.

    Everything is written into a hidden temporary folder inside ``path`` first (the same
    file system, so files move by renaming) and moved into place only when all of it is
    written, so an interrupted run leaves the previous outputs whole. Files of earlier runs
    that this run does not write are left alone.

    Parameters
    ----------
    atlas : Atlas
    path : str or Path
        The output folder (created when missing).
    figures : bool
        Draw the report's static map per domain.
    pdf : bool, optional
        ``True`` requires ``report.pdf``, ``False`` skips it, ``None`` (default) prints it
        when Chromium is installed.
    progress : callable, optional
        Called with the name of each step (:data:`FOLDER_STEPS`) as it begins; nothing
        is printed here.

    Returns
    -------
    dict
        Paths of the files written by kind: ``map``, the report's kinds (``html``,
        ``md``, …), each table's name, ``rejected``, ``warnings``, ``dedupe_review``,
        ``layers``, ``provenance``.
    """
    from assetmap.provenance import run_record

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    step = progress or (lambda name: None)
    stage = Path(tempfile.mkdtemp(prefix=".assetmap-writing-", dir=out.resolve()))
    try:
        step(FOLDER_STEPS[0])
        paths = {"map": stage / "map.html"}
        atlas.map().save(str(paths["map"]))
        step(FOLDER_STEPS[1])
        paths.update(atlas.report(stage, figures=figures, pdf=pdf))
        step(FOLDER_STEPS[2])
        paths.update(write_tables(atlas, stage))
        tables = (
            ("rejected", atlas.rejected),
            ("warnings", atlas.warnings),
            ("dedupe_review", atlas.dedupe_review),
        )
        for name, table in tables:
            paths[name] = stage / f"{name}.csv"
            table.to_csv(paths[name], index=False, lineterminator="\n")
        paths["layers"] = write_layers(atlas, stage / "layers.gpkg")
        paths["provenance"] = write_provenance(
            atlas, stage / "provenance.json", {"run": run_record()}
        )
        _move_into(stage, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return {k: out / p.relative_to(stage) for k, p in paths.items()}


def _move_into(stage: Path, out: Path) -> None:
    """Move every file of ``stage`` to the same place under ``out``, replacing old ones."""
    files = sorted(f for f in stage.rglob("*") if f.is_file())
    files.sort(key=lambda f: f.name == "provenance.json")  # last: the run is complete
    for f in files:
        dest = out / f.relative_to(stage)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(f, dest)


def _plain(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Make columns GeoPackage-friendly (no objects mixing types, no attrs)."""
    out = gdf.copy()
    out.attrs = {}
    for c in out.columns:
        if c == out.geometry.name:
            continue
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: "" if v is None else str(v))
        elif str(out[c].dtype) == "boolean":
            out[c] = out[c].fillna(False).astype(bool)
    return out


def write_layers(atlas: Atlas, path: str | Path) -> Path:
    """Write the Atlas's layers to a GeoPackage.

    Parameters
    ----------
    atlas : Atlas
    path : str or Path
        A ``.gpkg`` file; replaced when it exists.

    Returns
    -------
    Path
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.exists():
        p.unlink()
    units = atlas.units.reset_index()
    layers: dict[str, gpd.GeoDataFrame] = {
        "units": units,
        "assets": atlas.assets,
    }
    geoms = atlas.units.geometry
    gaps = atlas.gaps.join(geoms, on="unit_id")
    layers["gaps"] = gpd.GeoDataFrame(gaps, geometry=geoms.name, crs=atlas.units.crs)
    if len(atlas.overlaps):
        layers["overlaps"] = atlas.overlaps
    if len(atlas.sites):
        layers["sites"] = atlas.sites
    anchor_tables: dict[str, pd.DataFrame] = {}
    if atlas.anchor is not None:  # employee counts exactly as published (assetmap.anchor.privacy)
        for name, layer in atlas.anchor.layers().items():
            layers[f"anchor_{name}"] = layer
        spatial = set(atlas.anchor.layers())
        anchor_tables = {k: v for k, v in atlas.anchor.tables().items() if k not in spatial}
    for name, layer in layers.items():
        if len(layer):
            _plain(layer).to_file(p, layer=name, driver="GPKG")
    acc = pd.DataFrame(atlas.access)
    acc.attrs = {}
    _write_table(p, "access", acc)
    for name, table in anchor_tables.items():
        if len(table):
            _write_table(p, f"anchor_{name}", _plain_table(table))
    return p


def _plain_table(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(df).copy()
    out.attrs = {}
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: "" if v is None else str(v))
    return out


def _write_table(p: Path, layer: str, df: pd.DataFrame) -> None:
    import pyogrio

    pyogrio.write_dataframe(df, p, layer=layer, driver="GPKG")


def write_tables(atlas: Atlas, out_dir: str | Path) -> dict[str, Path]:
    """Write ``gaps.csv``, ``overlaps.csv``, ``access.csv``, ``assets.csv``, ``sites.csv``, ….

    Also ``coverage.csv`` and ``capacity_balance.csv`` when present, and ``anchor_*.csv``.
    ``sites.csv`` (suggested new sites, with latitude and longitude) is always written,
    with only its header when no site was suggested.

    Numbers are rounded for reading (distances to the metre, minutes to 0.1, ratios to
    4 significant decimals) so the same inputs give byte-identical files.
    """
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    acc = atlas.access.copy()
    acc["nearest_m"] = acc["nearest_m"].round(0)
    acc["straight_m"] = acc["straight_m"].round(0)
    acc["nearest_min"] = acc["nearest_min"].round(1)
    for c in ("fca_ratio", "e2sfca_ratio"):
        acc[c] = acc[c].round(4)
    gaps = atlas.gaps.copy()
    gaps["need_pct"] = gaps["need_pct"].round(4)
    gaps["need_score"] = gaps["need_score"].round(4)
    gaps["nearest_min"] = gaps["nearest_min"].round(1)
    ov = pd.DataFrame(atlas.overlaps.drop(columns="geometry"))
    assets = pd.DataFrame(atlas.assets.drop(columns="geometry"))
    assets["latitude"] = atlas.assets.geometry.y.round(6)
    assets["longitude"] = atlas.assets.geometry.x.round(6)
    tables = [("access", acc), ("gaps", gaps), ("overlaps", ov), ("assets", assets)]
    tables.append(("sites", _sites_table(atlas)))
    if len(atlas.coverage):
        tables.append(("coverage", atlas.coverage.round(0)))
    if len(atlas.balance):
        tables.append(("capacity_balance", atlas.balance.round(4)))
    for name, df in tables:
        path = d / f"{name}.csv"
        df.to_csv(path, index=False, lineterminator="\n")
        paths[name] = path
    if atlas.anchor is not None:  # employee counts exactly as published (assetmap.anchor.privacy)
        for name, df in atlas.anchor.tables().items():
            path = d / f"anchor_{name}.csv"
            df.to_csv(path, index=False, lineterminator="\n")
            paths[f"anchor_{name}"] = path
    return paths


def _sites_table(atlas: Atlas) -> pd.DataFrame:
    """Suggested sites with latitude and longitude (header only when there are none)."""
    from assetmap.analysis.siting import SITE_COLUMNS

    sites = atlas.sites
    out = pd.DataFrame(sites.drop(columns=sites.geometry.name)).reindex(columns=SITE_COLUMNS)
    out.attrs = {}
    out["share_of_gap_residents"] = pd.to_numeric(out["share_of_gap_residents"]).round(4)
    for c in ("new_residents", "new_high_need_residents"):
        out[c] = pd.to_numeric(out[c]).round(0)
    pts = sites.geometry.to_crs(4326) if len(sites) else sites.geometry
    out["latitude"] = pts.y.round(6).to_numpy()
    out["longitude"] = pts.x.round(6).to_numpy()
    return out


def write_provenance(atlas: Atlas, path: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write the study's provenance (sources, vintages, parameters, version) as JSON."""
    p = Path(path)
    data = dict(atlas.provenance)
    data.update(extra or {})
    p.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return p
