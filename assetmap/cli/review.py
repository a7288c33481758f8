"""``assetmap review export|import``: the coalition's corrections round trip.

``export`` writes one workbook per organisation (or domain) for partners to check
(:func:`assetmap.review.export_review`); ``import`` applies the returned workbooks to the
inventory (:func:`assetmap.review.import_review`) and writes the corrected inventory, the
change log and the refused edits (:func:`assetmap.review.write_review_result`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assetmap.cli._common import guard, is_quiet

__all__ = ["review"]

#: Suffixes read as a project YAML (anything else is read as an asset inventory).
PROJECT_SUFFIXES = (".yml", ".yaml")


def _export(source: Path, out: Path, by: str, quiet: bool) -> None:
    from assetmap.review import export_review, read_inventory, write_inventory

    if source.suffix.lower() in PROJECT_SUFFIXES:
        from assetmap.project import load_project, validate_project

        validate_project(source)
        assets = load_project(source).assets  # merged and de-duplicated, as a build maps them
        out.mkdir(parents=True, exist_ok=True)
        inventory = write_inventory(assets, out / "inventory.csv")
    else:
        assets = read_inventory(source)
        inventory = source
    paths = export_review(assets, out, by=by)  # type: ignore[arg-type]
    if not quiet:
        click.echo(
            f"Wrote {len(paths)} review workbooks ({len(assets)} services, one workbook per "
            f"{by}) into {out}. Send each to its partners; when they come back, run: "
            f"assetmap review import {inventory} SHEETS... --out DIR"
        )


def _import(inventory: Path, sheets: tuple[Path, ...], out: Path, quiet: bool) -> None:
    from assetmap.review import import_review, read_inventory, write_review_result

    assets = read_inventory(inventory)
    result = import_review(assets, sheets)
    paths = write_review_result(result, out, protect=[inventory, *sheets])
    if not quiet:
        click.echo(result.summary())
        click.echo(f"Written: {', '.join(p.name for p in paths.values())} in {out}")
    if len(result.conflicts):
        for sentence in result.conflicts["sentence"]:
            click.echo(sentence, err=True)
        sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def review() -> None:
    """Send the inventory to partners as spreadsheets and apply their corrections."""


@review.command("export")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out", "out", type=click.Path(path_type=Path), required=True, help="Folder for the workbooks."
)
@click.option(
    "--by",
    type=click.Choice(["organisation", "domain"]),
    default="organisation",
    show_default=True,
    help="One workbook per organisation or per service domain.",
)
@click.pass_context
def export_command(ctx: click.Context, source: Path, out: Path, by: str) -> None:
    """Write review workbooks from a PROJECT.yml (its merged assets) or an asset inventory.

    From a project, the inventory the workbooks list is written beside them as
    inventory.csv: import the returned workbooks against it.
    """
    quiet = is_quiet(ctx)
    guard(lambda: _export(source, out, by, quiet))


@review.command("import")
@click.argument("inventory", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument(
    "sheets", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for corrected.csv, changes.csv and conflicts.csv.",
)
@click.pass_context
def import_command(
    ctx: click.Context, inventory: Path, sheets: tuple[Path, ...], out: Path
) -> None:
    """Apply returned review workbooks (SHEETS) to INVENTORY; the input is never changed.

    Writes corrected.csv (the inventory corrected, closed services removed), changes.csv
    (sheet, row, field, old, new) and conflicts.csv (one sentence per refused edit). Exits
    with status 2, after writing them, when any edit was refused.
    """
    quiet = is_quiet(ctx)
    guard(lambda: _import(inventory, sheets, out, quiet))
