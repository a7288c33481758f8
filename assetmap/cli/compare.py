"""``assetmap compare OLD_DIR NEW_DIR --out DIR``: what changed between two builds.

Reads two output folders as ``assetmap build`` writes them (the ``units``, ``assets`` and
``gaps`` layers and the ``access`` table of ``layers.gpkg``, and ``provenance.json``),
compares them with :func:`assetmap.analysis.compare.compare` and writes ``change.csv``,
``gaps_change.csv``, ``services_change.csv``, ``need_change.csv`` and
``domains_change.csv`` (:func:`assetmap.analysis.compare.write_comparison`).
"""

from __future__ import annotations

from pathlib import Path

import click

from assetmap.atlas import Atlas
from assetmap.cli._common import guard, is_quiet
from assetmap.errors import InputError
from assetmap.readback import read_output_folder

__all__ = ["compare", "read_output_folder"]


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
