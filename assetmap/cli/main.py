"""The ``assetmap`` command: a thin face over the library (no analysis lives here)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from assetmap.cli._common import (
    column_option,
    guard,
    is_quiet,
    parse_columns,
    parse_sheet,
    setup_logging,
)
from assetmap.cli._fetch import cache, fetch
from assetmap.cli.compare import compare
from assetmap.cli.review import review
from assetmap.readers.registry import kinds_text


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="assetmap")
@click.option("-v", "--verbose", count=True, help="More messages (-vv for debugging).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
def cli(verbose: int, quiet: bool) -> None:
    """Map community assets over need; find gaps and duplicated services."""
    setup_logging(verbose, quiet)


cli.add_command(fetch)
cli.add_command(cache)
cli.add_command(compare)
cli.add_command(review)


def _build(
    project_path: Path, out: Path, quiet: bool, *, cdn: bool = False, images: tuple[str, ...] = ()
) -> None:
    """Load the project, build the Atlas, write the output folder, print a summary.

    ``cdn`` links the map's libraries from a CDN, as ``map: {cdn: true}`` does.
    """
    from tqdm import tqdm

    from assetmap.project import load_project, project_inputs, validate_project

    validate_project(project_path, out=out)  # every configuration mistake before any work
    started = time.perf_counter()
    bar = tqdm(total=5, disable=quiet or not sys.stderr.isatty(), unit="step")
    bar.set_description("read inputs")

    def step(name: str) -> None:  # the previous step is done
        bar.update()
        bar.set_description(name)

    project = load_project(project_path)
    step("analyse")
    atlas = project.build()
    options = {**project.map_options, **({"cdn": True} if cdn else {})}
    atlas.to_folder(
        out,
        progress=step,
        inputs=project_inputs(project_path),
        map_options=options,
        map_images=images,  # map.png / map.pdf, listed in the manifest with the rest
    )
    bar.update()
    bar.close()
    counts = atlas.provenance.get("asset_counts", {})
    if not quiet:
        click.echo(
            f"Assets: {counts.get('records_read', '?')} rows read = "
            f"{counts.get('records_kept', '?')} kept + {counts.get('records_rejected', '?')} "
            f"set aside (see {out / 'rejected.csv'}); "
            f"{counts.get('records_warned', len(atlas.warnings))} kept with a warning (see "
            f"{out / 'warnings.csv'}); "
            f"{counts.get('services_after_merge', '?')} services after merging duplicates."
        )
        click.echo(
            f"Gaps: {len(atlas.gaps)} (unit × domain); overlaps: {len(atlas.overlaps)}. "
            f"Finished in {time.perf_counter() - started:.1f} s."
        )
        click.echo(f"Map:    {(out / 'map.html').resolve()}")
        click.echo(f"Report: {(out / 'report.html').resolve()}")


@cli.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=Path("out/demo"),
    show_default=True,
    help="Folder for map.html, report.html and the tables.",
)
@click.pass_context
def demo(ctx: click.Context, out: Path) -> None:
    """Build the embedded Bronx sample (real need data, synthetic assets)."""
    from assetmap.sample import sample_project_path

    quiet = is_quiet(ctx)
    guard(lambda: _build(sample_project_path(), out, quiet))


@cli.command()
@click.argument("project", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out", "out", type=click.Path(path_type=Path), required=True, help="Folder for the outputs."
)
@click.option(
    "--cdn",
    is_flag=True,
    help="Link the map's JavaScript and CSS from a CDN (smaller; needs internet to open) "
    "instead of writing them into map.html.",
)
@click.option("--png", is_flag=True, help="Also write the map as one static page, map.png.")
@click.option("--pdf-map", is_flag=True, help="Also write the map as one static page, map.pdf.")
@click.pass_context
def build(
    ctx: click.Context, project: Path, out: Path, cdn: bool, png: bool, pdf_map: bool
) -> None:
    """Build a study from a PROJECT YAML (copy data/sample/bronx.yml to start)."""
    quiet = is_quiet(ctx)
    images = ("png",) * png + ("pdf",) * pdf_map
    guard(lambda: _build(project, out, quiet, cdn=cdn, images=images))


@cli.command()
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--kind", help=f"Kind of file: {kinds_text()} (inferred when omitted).")
@click.option(
    "--units",
    "units_path",
    type=click.Path(exists=True, path_type=Path),
    help="Study units, to check positions against the region.",
)
@column_option("Map a contract field to a column of the file (repeatable).")
@click.option(
    "--rejected",
    "rejected_out",
    type=click.Path(path_type=Path),
    help="Write rows set aside to this CSV.",
)
@click.option(
    "--sheet", help="XLSX sheet: its name or 0-based position (default: first with data)."
)
@click.option(
    "--header-row",
    type=click.IntRange(min=1),
    help="Row number of the header, when title lines stand above it.",
)
@click.option("--encoding", help="Text encoding of a CSV (detected when omitted).")
@click.option("--json", "as_json", is_flag=True, help="Print problems as JSON.")
def validate(
    file: Path,
    kind: str | None,
    units_path: Path | None,
    column_map: tuple[str, ...],
    rejected_out: Path | None,
    sheet: str | None,
    header_row: int | None,
    encoding: str | None,
    as_json: bool,
) -> None:
    """Check an asset FILE (or HSDS folder) and list every problem by row and column."""

    def run() -> None:
        from assetmap.assets import read_assets, rejected_rows, warning_rows
        from assetmap.region import read_units

        columns = parse_columns(column_map)
        region = read_units(units_path) if units_path else None
        options: dict[str, Any] = {}
        if sheet is not None:
            options["sheet"] = parse_sheet(sheet)
        if header_row is not None:
            options["header_row"] = header_row
        if encoding is not None:
            options["encoding"] = encoding
        assets = read_assets(file, kind=kind, columns=columns or None, region=region, **options)
        rej, warn = rejected_rows(assets), warning_rows(assets)
        if as_json:
            records = {"rejected": rej.to_dict("records"), "warnings": warn.to_dict("records")}
            click.echo(json.dumps({"kept": len(assets), **records}, default=str))
        else:
            for r in rej.itertuples():
                click.echo(f"{r.file}, row {r.row}, column {r.column!r}: {r.problem}")
            for r in warn.itertuples():
                click.echo(
                    f"{r.file}, row {r.row}, column {r.column!r}: warning (kept): {r.problem}"
                )
            click.echo(
                f"{len(assets) + len(rej)} rows read = {len(assets)} kept + {len(rej)} set aside."
                + (f" {len(warn)} kept with a warning to check." if len(warn) else "")
            )
        if rejected_out:
            rej.to_csv(rejected_out, index=False, lineterminator="\n")
        if len(rej):
            sys.exit(1)

    guard(run)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the geocoded copy (default: FILE's name + _geocoded.csv, beside it).",
)
@column_option("Name a column: address, city, state, zip, full_address, lat or lon (repeatable).")
@click.option(
    "--sheet", help="XLSX sheet: its name or 0-based position (default: first with data)."
)
@click.option(
    "--header-row",
    type=click.IntRange(min=1),
    help="Row number of the header, when title lines stand above it.",
)
@click.option(
    "--benchmark",
    default="Public_AR_Current",
    show_default=True,
    help="Census address database to match against (or Public_AR_Census2020).",
)
@click.option(
    "--offline", is_flag=True, help="Send nothing: use only answers already in the cache."
)
@click.pass_context
def geocode(
    ctx: click.Context,
    file: Path,
    out: Path | None,
    column_map: tuple[str, ...],
    sheet: str | None,
    header_row: int | None,
    benchmark: str,
    offline: bool,
) -> None:
    """Fill in missing coordinates of a CSV/XLSX list from its street addresses.

    The addresses of rows without coordinates are sent to the US Census Bureau's free
    geocoder (geocoding.geo.census.gov); answers are cached, and --offline sends nothing.
    Use it for service locations, never for lists of people's homes. Rows the geocoder
    cannot place are listed by row and keep empty coordinates.
    """
    quiet = is_quiet(ctx)

    def run() -> None:
        from assetmap.online.geocode import geocode_table

        columns = parse_columns(column_map)
        res = geocode_table(
            file,
            out=out,
            columns=columns or None,
            benchmark=benchmark,
            offline=offline,
            progress=not quiet,
            sheet=parse_sheet(sheet) if sheet is not None else None,
            header_row=header_row,
        )
        click.echo(f"{res.summary()}.")
        for r in res.problems.itertuples():
            click.echo(f"{r.file}, row {r.row}, column {r.column!r}: {r.problem}")
        click.echo(f"Written: {res.path}")

    guard(run)


@cli.command()
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("templates"),
    show_default=True,
    help="Folder to copy the templates into (created; existing files are not replaced).",
)
def templates(out: Path) -> None:
    """Copy the fill-in templates (assets, hospital data) and their READMEs into OUT."""

    def run() -> None:
        import shutil

        from assetmap._resources import templates_dir

        out.mkdir(parents=True, exist_ok=True)
        copied, kept = [], []
        for src in sorted(templates_dir().iterdir()):
            if src.suffix.lower() not in (".csv", ".xlsx", ".md"):
                continue
            dst = out / src.name
            if dst.exists():
                kept.append(src.name)
                continue
            shutil.copyfile(src, dst)
            copied.append(src.name)
        click.echo(f"Copied {len(copied)} templates into {out}: {', '.join(copied) or 'none'}.")
        if kept:
            click.echo(f"Left alone (already there): {', '.join(kept)}.")
        click.echo(
            f"Start with {out / 'README.md'}; check a filled file with: assetmap validate FILE"
        )

    guard(run)


def main() -> None:
    """Entry point of the ``assetmap`` console script."""
    cli(prog_name="assetmap")


if __name__ == "__main__":  # pragma: no cover
    main()
