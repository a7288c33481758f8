"""``assetmap compare OLD_DIR NEW_DIR --out DIR``: what changed between two builds.

Reads two output folders as ``assetmap build`` writes them (the ``units``, ``assets`` and
``gaps`` layers and the ``access`` table of ``layers.gpkg``, and ``provenance.json``),
compares them with :func:`assetmap.analysis.compare.compare` and writes ``change.csv``,
``gaps_change.csv``, ``services_change.csv``, ``need_change.csv`` and
``domains_change.csv`` (:func:`assetmap.analysis.compare.write_comparison`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import geopandas as gpd
import pandas as pd

from assetmap.atlas import Atlas
from assetmap.cli._common import guard, is_quiet
from assetmap.errors import AssetmapError, InputError

__all__ = ["compare", "read_output_folder"]

#: Files every output folder of ``assetmap build`` holds and this command reads.
NEEDED = ("layers.gpkg", "provenance.json")


def _layer(gpkg: Path, layer: str, names: set[str]) -> pd.DataFrame | None:
    """Read a layer of the GeoPackage (a table as a DataFrame); None when absent."""
    import pyogrio

    if layer not in names:
        return None
    try:
        frame = pyogrio.read_dataframe(gpkg, layer=layer)
    except Exception as exc:  # GDAL's own errors: one sentence naming the file
        msg = f"the layer {layer!r} cannot be read ({exc})"
        raise InputError(msg, file=str(gpkg)) from exc
    return frame


def _indicators(prov: dict[str, Any]) -> Any:
    """Load the indicator set the build used, or the shipped one when it is gone."""
    from assetmap.indicators import load_indicators

    named = prov.get("parameters", {}).get("indicators")
    try:
        return load_indicators(named if named not in (None, "default") else None)
    except (AssetmapError, OSError):
        return load_indicators()


def _gaps(folder: Path, gpkg: Path, names: set[str]) -> pd.DataFrame:
    layer = _layer(gpkg, "gaps", names)
    if layer is not None:
        return pd.DataFrame(layer.drop(columns="geometry", errors="ignore"))
    if (folder / "gaps.csv").is_file():
        return pd.read_csv(folder / "gaps.csv", dtype={"unit_id": str, "domain": str})
    return pd.DataFrame(columns=["unit_id", "domain"])


def read_output_folder(folder: str | Path) -> Atlas:
    """Read an output folder of ``assetmap build`` back into an Atlas fit for comparing.

    The Atlas holds the units (with their need columns), the assets, the access table and
    the gaps; its overlaps are empty and its domains and indicators the shipped ones
    (or the indicator file the build names, when it is still there).

    Parameters
    ----------
    folder : str or Path
        A folder written by ``assetmap build`` or :meth:`assetmap.Atlas.to_folder`.

    Returns
    -------
    Atlas

    Examples
    --------
    >>> read_output_folder("no/such/folder")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    assetmap.errors.InputError: no/such/folder is not an output folder of assetmap build ...
    """
    import pyogrio

    from assetmap.domains import load_domains

    d = Path(folder)
    missing = [f for f in NEEDED if not (d / f).is_file()]
    if missing:
        msg = (
            f"{d} is not an output folder of assetmap build (it has no "
            f"{' and no '.join(missing)}); give the folder a build wrote with --out"
        )
        raise InputError(msg)
    gpkg = d / "layers.gpkg"
    try:
        names = {str(n) for n in pyogrio.list_layers(gpkg)[:, 0]}
        prov = json.loads((d / "provenance.json").read_text(encoding="utf-8"))
    except Exception as exc:  # a damaged file: one sentence naming it
        msg = f"{d} cannot be read as an output folder of assetmap build ({exc})"
        raise InputError(msg) from exc
    units = _layer(gpkg, "units", names)
    if units is None or "unit_id" not in units.columns:
        msg = "the GeoPackage has no layer 'units' with a unit_id"
        raise InputError(msg, file=str(gpkg))
    units = gpd.GeoDataFrame(units).set_index(units["unit_id"].astype(str).rename("unit_id"))
    units = units.drop(columns="unit_id")
    assets = _layer(gpkg, "assets", names)
    if assets is None:
        assets = gpd.GeoDataFrame(
            {"asset_id": [], "name": [], "domain": []}, geometry=[], crs="EPSG:4326"
        )
    access = _layer(gpkg, "access", names)
    if access is None:
        access = pd.DataFrame(columns=["unit_id", "domain"])
    return Atlas(
        name=d.resolve().name,
        units=units,
        assets=gpd.GeoDataFrame(assets),
        access=pd.DataFrame(access).astype({"unit_id": str}),
        gaps=_gaps(d, gpkg, names),
        overlaps=gpd.GeoDataFrame({"domain": []}, geometry=[], crs="EPSG:4326"),
        domains=dict(load_domains()),
        indicators=_indicators(prov if isinstance(prov, dict) else {}),
        provenance=prov if isinstance(prov, dict) else {},
    )


def _acs(atlas: Atlas) -> str | None:
    """Return the ACS period a build's provenance names (e.g. "ACS 2019-2023"), or None."""
    for s in atlas.provenance.get("sources", []) if isinstance(atlas.provenance, dict) else []:
        vintage = str(s.get("vintage", "")) if isinstance(s, dict) else ""
        if vintage.startswith("ACS "):
            return vintage.removesuffix(" 5-year estimates").strip()
    return None


def _labels(before: Atlas, after: Atlas, old: Path, new: Path) -> tuple[str, str]:
    """Name the two builds by their ACS periods when they differ, else by their folders."""
    a, b = _acs(before), _acs(after)
    if a and b and a != b:
        return (a, b)
    return (str(old), str(new))


def _run(old: Path, new: Path, out: Path, alpha: float, quiet: bool) -> None:
    from assetmap.analysis.compare import compare as compare_atlases
    from assetmap.analysis.compare import write_comparison

    for given in (old, new):
        if out.resolve() == given.resolve():
            msg = f"--out {out} is one of the folders compared; write the comparison elsewhere"
            raise InputError(msg)
    from assetmap.report.change import write_change_report

    before, after = read_output_folder(old), read_output_folder(new)
    labels = _labels(before, after, old, new)
    comparison = compare_atlases(before, after, alpha=alpha, labels=labels)
    paths = write_comparison(comparison, out)
    paths.update(write_change_report(comparison, after.units, out))
    if not quiet:
        click.echo(comparison.summary())
        tables = [p.name for p in paths.values() if p.suffix == ".csv"]
        maps = sum(1 for k in paths if k.startswith("figure:"))
        click.echo(f"Tables: {', '.join(tables)} in {out}")
        click.echo(f"Report: {out / 'change.html'} (and change.md), with {maps} change maps")


@click.command()
@click.argument("old", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out", "out", type=click.Path(path_type=Path), required=True, help="Folder for the tables."
)
@click.option(
    "--alpha",
    type=float,
    default=0.10,
    show_default=True,
    help="Significance level of the ACS difference tests (0.10: 90%, the Census Bureau's).",
)
@click.pass_context
def compare(ctx: click.Context, old: Path, new: Path, out: Path, alpha: float) -> None:
    """Compare two output folders of the same area: change.csv and what opened or closed."""
    quiet = is_quiet(ctx)
    guard(lambda: _run(old, new, out, alpha, quiet))
