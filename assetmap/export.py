"""Write an Atlas's outputs to files: the whole folder, layers, CSV tables, provenance JSON.

:func:`write_folder` writes the whole output set of ``assetmap build`` (map, report,
tables, layers, provenance) in one call; the other functions write one part each.
:func:`check_output_folder` refuses, before any work, an output folder a build could
damage. Every CSV is written spreadsheet-safe (:func:`assetmap.csvsafe.write_csv`).
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from assetmap._outdir import (
    carry_over,
    check_output_folder,
    folder_lock,
    new_stage,
    previous_manifest,
    recover,
    swap_into_place,
)
from assetmap.csvsafe import write_csv
from assetmap.errors import AssetmapError

if TYPE_CHECKING:
    from assetmap.atlas import Atlas

__all__ = [
    "FOLDER_STEPS",
    "check_output_folder",
    "write_folder",
    "write_layers",
    "write_provenance",
    "write_tables",
]

log = logging.getLogger(__name__)

#: The steps of :func:`write_folder`, in order, as named to its ``progress`` callback.
FOLDER_STEPS = ("map", "report", "layers")

#: The date written into ``gpkg_contents.last_change``, so rebuilds are byte-identical.
GPKG_DATE = "2000-01-01T00:00:00.000Z"


def write_folder(
    atlas: Atlas,
    path: str | Path,
    *,
    figures: bool = True,
    pdf: bool | None = None,
    progress: Callable[[str], None] | None = None,
    inputs: Iterable[str | Path] = (),
    map_images: Iterable[str] = (),
    map_options: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write the whole output set of a study into the folder ``path``, never destroying one.

    ``map.html``; the report (``report.html``, ``report.md``, ``report_*.csv``,
    ``figures/`` and ``report.pdf`` when Chromium is installed, see
    :func:`assetmap.report.write_report`); the tables of :func:`write_tables`;
    ``rejected.csv`` (rows the readers set aside), ``warnings.csv`` (rows kept with a
    warning, same columns) and ``dedupe_review.csv`` (borderline duplicate pairs);
    ``layers.gpkg`` (:func:`write_layers`); ``provenance.json`` with a record of this run,
    a ``manifest`` (every other file's path, bytes and SHA-256) and what was ``skipped``.

    The folder is first checked (:func:`check_output_folder`) and locked (a second build
    into it stops with a sentence naming this one). Everything is written into a
    temporary sibling folder and swapped into place only when complete, so an
    interrupted or killed run leaves the previous outputs whole. Files of the previous
    output folder that no build wrote (a user's notes) are carried over.

    An optional output that cannot be made (the PDF, the report's figures) does not stop
    the rest: it is skipped, a warning says why, and ``provenance.json`` records the
    sentence under ``skipped`` (also set in ``atlas.provenance["skipped"]``).

    Parameters
    ----------
    atlas : Atlas
    path : str or Path
        The output folder (created when missing).
    figures : bool
        Draw the report's static map per domain.
    pdf : bool, optional
        ``True`` requires ``report.pdf`` (when it fails, every other output is written and
        the error is raised after), ``False`` skips it, ``None`` (default) prints it when
        Chromium is installed.
    progress : callable, optional
        Called with the name of each step (:data:`FOLDER_STEPS`) as it begins; nothing
        is printed here.
    inputs : iterable of path
        The study's input files (the project file among them): an output folder that
        holds one of them is refused.
    map_images : iterable of str
        Formats of a static one-page map to write beside ``map.html`` (``"png"``,
        ``"pdf"``): ``map.png`` / ``map.pdf`` drawn by ``assetmap.maps.static.static_map``
        (matplotlib, no tiles), listed in the manifest like every other output.
    map_options : mapping, optional
        Keywords of :meth:`assetmap.atlas.Atlas.map` for ``map.html`` (``cdn``,
        ``classify``, ``k``, ``palette``), as a project's ``map:`` gives them.

    Returns
    -------
    dict
        Paths of the files written by kind: ``map``, the report's kinds (``html``,
        ``md``, …), each table's name, ``rejected``, ``warnings``, ``dedupe_review``,
        ``layers``, ``provenance``.

    Raises
    ------
    ConfigError
        For an output folder refused by :func:`check_output_folder` or locked by another
        build.
    """
    out = check_output_folder(path, inputs=inputs)
    out.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(out):
        recover(out)
        check_output_folder(out, inputs=inputs)
        previous = previous_manifest(out) or {}
        stage = new_stage(out)
        try:
            paths, skipped = _write_all(
                atlas,
                stage,
                figures=figures,
                pdf=pdf,
                step=progress,
                images=tuple(map_images),
                map_options=dict(map_options or {}),
            )
            carry_over(out, stage, previous)
            swap_into_place(stage, out)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    if pdf and "pdf" in skipped:
        raise AssetmapError(skipped["pdf"])
    # a part may name its file by an absolute path (the PDF) while the folder was given relative
    return {k: out / p.resolve().relative_to(stage.resolve()) for k, p in paths.items()}


def _write_all(
    atlas: Atlas,
    stage: Path,
    *,
    figures: bool,
    pdf: bool | None,
    step: Callable[[str], None] | None,
    images: tuple[str, ...] = (),
    map_options: dict[str, Any] | None = None,
) -> tuple[dict[str, Path], dict[str, str]]:
    """Write every output into ``stage``; return the paths and the optional outputs skipped."""
    from assetmap.provenance import manifest, run_record

    step = step or (lambda name: None)
    run = run_record()  # one record for the whole run: its date is printed on the PDF
    step(FOLDER_STEPS[0])
    paths = {"map": stage / "map.html"}
    atlas.map(**(map_options or {})).save(str(paths["map"]))
    paths.update(_write_images(atlas, stage, images))
    step(FOLDER_STEPS[1])
    report, skipped = _write_report(atlas, stage, figures=figures, pdf=pdf, run=run)
    paths.update(report)
    step(FOLDER_STEPS[2])
    paths.update(write_tables(atlas, stage))
    tables = (
        ("rejected", atlas.rejected),
        ("warnings", atlas.warnings),
        ("dedupe_review", atlas.dedupe_review),
    )
    for name, table in tables:
        paths[name] = write_csv(table, stage / f"{name}.csv")
    paths["layers"] = write_layers(atlas, stage / "layers.gpkg")
    for sentence in skipped.values():
        log.warning(sentence)
    atlas.provenance["skipped"] = dict(skipped)
    extra = {"run": run, "manifest": manifest(stage), "skipped": skipped}
    paths["provenance"] = write_provenance(atlas, stage / "provenance.json", extra)
    return paths, skipped


def _write_images(atlas: Atlas, stage: Path, images: tuple[str, ...]) -> dict[str, Path]:
    """Write the static one-page map in each format asked for (``map_png``, ``map_pdf``)."""
    unknown = sorted(set(images) - {"png", "pdf"})
    if unknown:
        msg = f"a static map is written as png or pdf, not {', '.join(unknown)}"
        raise AssetmapError(msg)
    if not images:
        return {}
    from assetmap.maps import static

    return {f"map_{fmt}": static.static_map(atlas, stage / f"map.{fmt}") for fmt in images}


def _write_report(
    atlas: Atlas, stage: Path, *, figures: bool, pdf: bool | None, run: dict[str, Any]
) -> tuple[dict[str, Path], dict[str, str]]:
    """Write the report; its figures and PDF are optional (skipped with a sentence why)."""
    from assetmap.report import find_chromium, html_to_pdf, run_date

    skipped: dict[str, str] = {}
    try:
        paths = atlas.report(stage, figures=figures, pdf=False)
    except Exception as exc:  # any failure of an optional output is reported, not fatal
        if not figures:
            raise
        shutil.rmtree(stage / "figures", ignore_errors=True)
        skipped["figures"] = (
            f"The report's figures were skipped because drawing them failed ({exc}); "
            "the report was written without them."
        )
        paths = atlas.report(stage, figures=False, pdf=False)
    if pdf is False or (pdf is None and find_chromium() is None):
        return paths, skipped
    try:  # the run date goes on the printed pages only, never into report.html
        paths["pdf"] = html_to_pdf(
            paths["html"], stage / "report.pdf", run_date=run_date({"run": run})
        )
    except AssetmapError as exc:
        (stage / "report.pdf").unlink(missing_ok=True)
        skipped["pdf"] = f"report.pdf was skipped because {exc}; report.html holds the same."
    return paths, skipped


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
    with _fixed_gpkg_date():
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


@contextmanager
def _fixed_gpkg_date() -> Iterator[None]:
    """Have GDAL write :data:`GPKG_DATE` as every layer's ``last_change`` while the block runs."""
    import pyogrio

    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})


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
    4 significant decimals) so the same inputs give byte-identical files. Text cells that a
    spreadsheet would evaluate are prefixed with ``'`` (:mod:`assetmap.csvsafe`).
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
    tables += _co_design_tables(atlas)
    for name, df in tables:
        paths[name] = write_csv(df, d / f"{name}.csv")
    if atlas.anchor is not None:  # employee counts exactly as published (assetmap.anchor.privacy)
        for name, df in atlas.anchor.tables().items():
            paths[f"anchor_{name}"] = write_csv(df, d / f"anchor_{name}.csv")
    return paths


def _co_design_tables(atlas: Atlas) -> list[tuple[str, pd.DataFrame]]:
    """Return the co-design tables: partners, whom to call first, goals.

    ``partners.csv`` and ``partners_first.csv`` when there are gaps, ``goals.csv`` when
    the project sets goals.
    """
    from assetmap.analysis.partners import partner_summary

    out: list[tuple[str, pd.DataFrame]] = []
    if len(atlas.gaps):
        out.append(("partners", atlas.partners))
        out.append(("partners_first", partner_summary(atlas.partners)))
    if len(atlas.goals):
        out.append(("goals", atlas.goals.round(4)))
    return out


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
