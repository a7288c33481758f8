"""``assetmap fetch`` and ``assetmap cache``: a thin face over :mod:`assetmap.online.fetch`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assetmap.cli._common import guard, is_quiet

if TYPE_CHECKING:
    from assetmap.online.cache import Cache

__all__ = ["cache", "fetch"]


@click.command()
@click.option(
    "--county",
    "county",
    metavar="NAME",
    multiple=True,
    help='County and state, e.g. "Berks County, PA"; repeat it for a study of several counties.',
)
@click.option(
    "--fips",
    "fips",
    metavar="CODE",
    multiple=True,
    help="Five-digit county FIPS code, e.g. 42011; repeatable, and may go with --county.",
)
@click.option(
    "--place",
    "place",
    metavar="NAME",
    help='A city, town or CDP and its state, e.g. "Reading, PA" (or its 7-digit Census '
    "code): fetches the county holding most of its residents.",
)
@click.option(
    "--place-only",
    is_flag=True,
    help="Study the place itself: keep only the units lying mostly inside it (see "
    "--min-share), from every county it lies in.",
)
@click.option(
    "--min-share",
    type=click.FloatRange(0, 1, min_open=True),
    metavar="SHARE",
    help="With --place-only: share of a unit's area inside the place to keep it [default: 0.5].",
)
@click.option(
    "--level",
    type=click.Choice(["tract", "block-group"]),
    default="tract",
    show_default=True,
    help="Study units.",
)
@click.option(
    "--year",
    type=int,
    default=2023,
    show_default=True,
    help="ACS 5-year vintage (2023 = 2019-2023) and boundary year.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Study folder (default: studies/<FIPS>, studies/<FIPS>+<FIPS> for several counties).",
)
@click.option("--offline", is_flag=True, help="Use only the cache; list what is missing.")
@click.option("--osm/--no-osm", default=True, show_default=True, help="OpenStreetMap services.")
@click.option(
    "--networks/--no-networks",
    default=True,
    show_default=True,
    help="Walk and drive street networks (osmnx).",
)
@click.option(
    "--points/--no-points",
    default=True,
    show_default=True,
    help="Population points: 2020 Census block populations at the blocks' internal points.",
)
@click.option("--hrsa", is_flag=True, help="Add HRSA health center sites (primary care).")
@click.option(
    "--hsds",
    "hsds",
    metavar="URL",
    help="Add an Open Referral HSDS feed: a package zip, a services JSON, or an HSDS 3 API "
    "(every page is followed).",
)
@click.option(
    "--indicators",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An indicators.yml whose ACS variables to fetch (default: layers/indicators.yml "
    "for tracts, layers/indicators_block_group.yml for block groups).",
)
@click.option(
    "--boundaries",
    type=click.Choice(["cb", "tiger"]),
    default="cb",
    show_default=True,
    help="Cartographic boundary (shoreline-clipped) or TIGER/Line files.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Cache folder (default: ASSETMAP_CACHE or the user cache folder).",
)
@click.pass_context
def fetch(
    ctx: click.Context,
    county: tuple[str, ...],
    fips: tuple[str, ...],
    place: str | None,
    place_only: bool,
    min_share: float | None,
    level: str,
    year: int,
    out: Path | None,
    offline: bool,
    osm: bool,
    networks: bool,
    points: bool,
    hrsa: bool,
    hsds: str | None,
    indicators: Path | None,
    boundaries: str,
    cache_dir: Path | None,
) -> None:
    """Fetch a US county's Census need data, boundaries and services into a study folder.

    Name the county (--county, --fips; repeat them for a study of several counties,
    e.g. --fips 42011 --fips 42071), or a city or town (--place): the county holding
    most of its residents is fetched, all of it; with --place-only the study keeps only
    the units (tracts or block groups) with at least half their area (--min-share)
    inside the place, from every county it lies in. The Census API key is read from
    CENSUS_API_KEY (or the key file named in `assetmap.settings`). Every download is
    cached; `--offline` rebuilds from the cache.
    """
    quiet = is_quiet(ctx)

    def run() -> None:
        from assetmap.errors import ConfigError
        from assetmap.online.cache import Cache
        from assetmap.online.fetch import FetchOptions, fetch_county, resolve

        if min_share is not None and not place_only:
            msg = "--min-share applies to --place-only studies; add --place-only or leave it out"
            raise ConfigError(msg)
        store = Cache(cache_dir) if cache_dir else Cache()
        where = resolve(
            list(county) or None,
            fips=list(fips) or None,
            place=place,
            year=year,
            cache=store,
            offline=offline,
            progress=not quiet,
            place_only=place_only,
        )
        if where.message and not quiet:
            click.echo(where.message)
        shared = ("level", "year", "offline", "osm", "networks", "points", "hrsa", "hsds")
        options = FetchOptions(
            **{name: ctx.params[name] for name in shared},
            indicators=indicators,
            boundaries=boundaries,
            place_only=place_only,
            min_share=0.5 if min_share is None else min_share,
            cache=store,
            progress=not quiet,
        )
        result = fetch_county(
            fips=[c.fips for c in where.counties] if where.place is None else None,
            place=where.place,
            out=out,
            options=options,
        )
        if quiet:
            return
        u = result.units
        water = int(u["water_only"].sum()) if "water_only" in u else 0
        pop = float(u["population"].sum())
        words = "tracts" if level == "tract" else "block groups"
        count = f"{len(u)} {words if len(u) != 1 else words[:-1]}"
        label = f"{result.label} ({'+'.join(c.fips for c in result.counties)})"
        if result.clip is not None:
            label = f"{result.clip.name} in {label}"
        click.echo(
            f"{label}: {count}"
            + (f" ({water} water only)" if water else "")
            + f", population {pop:,.0f} (ACS {year - 4}-{year})."
        )
        if result.clip is not None:
            click.echo(result.clip.summary(words, result.label))
        if result.points is not None:
            click.echo(result.points.summary)
        for role, path in result.files.items():
            click.echo(f"  {role:<12} {path}")
        click.echo(f"Next: assetmap build {result.project} --out {result.folder / 'out'}")

    guard(run)


@click.group()
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Cache folder (default: ASSETMAP_CACHE or the user cache folder).",
)
@click.pass_context
def cache(ctx: click.Context, cache_dir: Path | None) -> None:
    """List or clear the download cache."""
    ctx.obj = {"cache_dir": cache_dir}


def _cache(ctx: click.Context) -> Cache:
    from assetmap.online.cache import Cache

    d = (ctx.obj or {}).get("cache_dir")
    return Cache(d) if d else Cache()


@cache.command("list")
@click.option("--source", help="Only this source (census, tiger, osm, hrsa, hsds).")
@click.option("--json", "as_json", is_flag=True, help="Print the manifests as JSON.")
@click.pass_context
def list_(ctx: click.Context, source: str | None, as_json: bool) -> None:
    """List cached downloads: source, vintage, geography, size, retrieval time, URL."""
    c = _cache(ctx)
    entries = c.entries(source=source)
    if as_json:
        click.echo(json.dumps(entries, indent=2, sort_keys=True))
        return
    click.echo(f"Cache: {c.root}")
    for e in entries:
        size = int(e.get("bytes", 0))
        click.echo(
            f"{e['source']:<7} {e['vintage']:<8} {e['geography']:<6} {size / 1e6:>8.2f} MB  "
            f"{str(e.get('retrieved', ''))[:19]}  {str(e.get('query', ''))[:60]}"
        )
    total = sum(int(e.get("bytes", 0)) for e in entries)
    click.echo(f"{len(entries)} entries, {total / 1e6:.2f} MB.")


@cache.command("clear")
@click.option("--source", help="Only this source (census, tiger, osm, hrsa, hsds).")
@click.option("--vintage", help="Only this vintage (e.g. 2023, current).")
@click.option("--geography", help="Only this state or county FIPS code.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def clear(
    ctx: click.Context, source: str | None, vintage: str | None, geography: str | None, yes: bool
) -> None:
    """Remove cached downloads (all, or those matching the filters)."""
    c = _cache(ctx)
    n = len(c.entries(source=source, vintage=vintage, geography=geography))
    if not yes and not click.confirm(f"Remove {n} cached entries from {c.root}?"):
        click.echo("Nothing removed.")
        return
    removed = c.clear(source=source, vintage=vintage, geography=geography)
    click.echo(f"Removed {removed} entries from {c.root}.")
