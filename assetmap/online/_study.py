"""Write a fetched study folder: units GeoPackage, files from the cache, ``project.yml``.

Internal to :mod:`assetmap.online.fetch`.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from assetmap.online._options import FetchOptions
from assetmap.online.cache import atomic_path, atomic_write_bytes
from assetmap.online.counties import County
from assetmap.online.places import PlaceClip, PlaceMatch
from assetmap.readers import hrsa

if TYPE_CHECKING:
    from assetmap.online._points import PopulationPoints

__all__ = [
    "fetch_command",
    "has_features",
    "join_words",
    "link",
    "region_label",
    "write_project",
    "write_units",
]


def has_features(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(data.get("features"))


def link(src: Path, dst: Path) -> Path:
    """Put a cache entry into the study folder: a hard link when possible, else a copy.

    Cache entries are never changed in place (a new download replaces the file), so a
    link keeps the study's copy as it was.
    """
    dst.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dst) as tmp:
        try:
            os.link(src, tmp)
        except OSError:
            shutil.copyfile(src, tmp)
    return dst


def write_units(units: gpd.GeoDataFrame, path: Path) -> Path:
    frame = units.reset_index()
    with atomic_path(path) as tmp:
        frame.to_file(tmp, layer="units", driver="GPKG")
    return path


def _source(
    name: str, vintage: str, licence: str, recs: list[dict[str, Any]], note: str = ""
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "vintage": vintage, "licence": licence}
    if note:
        out["note"] = note
    if recs:
        out["url"] = recs[0]["url"] if len(recs) == 1 else [r["url"] for r in recs]
        out["retrieved"] = min(str(r["retrieved"]) for r in recs)
        out["sha256"] = recs[0]["sha256"] if len(recs) == 1 else [r["sha256"] for r in recs]
    return out


def join_words(items: Sequence[str]) -> str:
    """Join words as ``"a"``, ``"a and b"``, ``"a, b and c"``.

    Examples
    --------
    >>> join_words(["Berks County, PA", "Lancaster County, PA"])
    'Berks County, PA and Lancaster County, PA'
    """
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def region_label(counties: Sequence[County], *, limit: int | None = None) -> str:
    """Name the counties of a study; with ``limit``, more than that many are counted.

    Examples
    --------
    >>> from assetmap.online.counties import county_by_fips
    >>> pa = [county_by_fips(f) for f in ("42011", "42071", "42043", "42075")]
    >>> region_label(pa[:2])
    'Berks County, PA and Lancaster County, PA'
    >>> region_label(pa, limit=3)
    'Berks County, PA and 3 more counties'
    """
    labels = [c.label for c in counties]
    if limit is not None and len(labels) > limit:
        return f"{labels[0]} and {len(labels) - 1} more counties"
    return join_words(labels)


def fetch_command(
    fips: str | Sequence[str],
    *,
    level: str,
    year: int,
    boundaries: str = "cb",
    place: str | None = None,
    min_share: float = 0.5,
) -> str:
    """Return the ``assetmap fetch`` command that gathers these units.

    Examples
    --------
    >>> fetch_command("42011", level="tract", year=2023, place="4263624")
    'assetmap fetch --place 4263624 --place-only --level tract --year 2023'
    >>> fetch_command(["42011", "42071"], level="tract", year=2023)
    'assetmap fetch --fips 42011 --fips 42071 --level tract --year 2023'
    """
    codes = [fips] if isinstance(fips, str) else list(fips)
    by_fips = " ".join(f"--fips {code}" for code in codes)
    where = by_fips if place is None else f"--place {place} --place-only"
    if place is not None and float(min_share) != 0.5:
        where += f" --min-share {float(min_share)!r}"
    tail = " --boundaries tiger" if boundaries == "tiger" else ""
    return f"assetmap fetch {where} --level {level} --year {year}{tail}"


def _census_spec(
    fips: Sequence[str], *, level: str, year: int, boundaries: str, clip: PlaceClip | None
) -> str:
    """Return the ``units: {census: ...}`` line that reads the same units from the cache.

    One county is a string (``county: "25019"``), several a list
    (``county: ["25019", "25007"]``).
    """
    codes = list(fips)
    county = f'"{codes[0]}"' if len(codes) == 1 else "[" + ", ".join(f'"{c}"' for c in codes) + "]"
    parts = [f"county: {county}", f"level: {level}", f"year: {year}"]
    if boundaries != "cb":
        parts.append(f"boundaries: {boundaries}")
    if clip is not None:
        parts += [f'place: "{clip.place}"', f"min_share: {float(clip.min_share)!r}"]
    return "units: {census: {" + ", ".join(parts) + "}}"


def _one_line(text: str) -> str:
    """Text from a download or the command line, on one line (it goes into YAML comments)."""
    return " ".join(str(text).split())


def write_project(
    folder: Path,
    county: County | Sequence[County],
    options: FetchOptions,
    *,
    files: dict[str, Path],
    records: list[dict[str, Any]],
    place: PlaceMatch | None = None,
    place_records: list[dict[str, Any]] | None = None,
    clip: PlaceClip | None = None,
    points: tuple[PopulationPoints, list[dict[str, Any]]] | None = None,
) -> Path:
    """Write ``project.yml``: the study of one county or several, citing every download.

    ``options`` gives the level, vintage and boundaries of the units; ``points`` where
    the residents were placed, with the manifests of the downloads used (a source of
    its own, whose note says how, a fallback included).
    """
    import yaml

    counties = [county] if isinstance(county, County) else list(county)
    level, year, boundaries = options.level, options.year, options.boundaries
    assets = _assets(folder, files)
    sources = _sources(counties, options, files, records, clip)
    if place is not None:
        sources.append(
            _source(
                "US Census Bureau, American Community Survey (Census Data API): place lookup",
                f"ACS {place.year - 4}-{place.year} 5-year estimates",
                "public domain",
                list(place_records or []),
                note=_one_line(
                    f"asked for {place.query!r}: {place.name} (Census place {place.geoid}); "
                    f"{place.describe()}"
                ),
            )
        )
    units_words = "tracts" if level == "tract" else "block groups"
    name, description = _name_and_description(counties, place, clip, units_words)
    cfg: dict[str, Any] = {
        "name": _one_line(name),
        "units": {
            "path": "units.gpkg",
            "id": "unit_id",
            "name": "name",
            "population": "population",
        },
        "indicators": "indicators.yml" if "indicators" in files else "default",
    }
    if "population_points" in files:
        cfg["population_points"] = {"path": "population_points.csv"}
    if points is not None:  # beside the other Census sources, before the place lookup
        sources.insert(2, _points_source(*points))
    if description:
        cfg["description"] = _one_line(description)
    if assets:
        cfg["assets"] = assets
    cfg["travel"] = {"mode": "straight", "walk_kmh": 4.8, "circuity": 1.3}
    cfg["gaps"] = {"need_percentile": 75}
    cfg["sources"] = sources
    header = _header(counties, place, clip, level=level, year=year, boundaries=boundaries)
    if "walk" in files:
        header.append("# Travel along streets instead of straight lines:")
        header.append("#   travel: {mode: walk, graph: walk.graphml}")
    if not assets:
        header.append("# No services were found; add your own lists under 'assets:'.")
    text = "\n".join(header) + "\n" + yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True)
    path = folder / "project.yml"
    atomic_write_bytes(path, text.encode("utf-8"))
    return path


def _assets(folder: Path, files: dict[str, Path]) -> list[dict[str, Any]]:
    """Return the ``assets:`` entries of the lists fetched into the study folder."""
    assets: list[dict[str, Any]] = []
    if "assets_osm" in files:
        assets.append({"path": "assets_osm.geojson", "kind": "geojson", "source": "osm"})
    if "assets_hrsa" in files:
        assets.append(
            {
                "path": "assets_hrsa.csv",
                "kind": "csv",
                "source": "hrsa",
                "domain": "primary_care",
                "columns": dict(hrsa.COLUMNS),
            }
        )
    if "hsds" in files:
        assets.append(
            {"path": files["hsds"].relative_to(folder).as_posix(), "kind": "hsds", "source": "hsds"}
        )
    return assets


def _sources(
    counties: list[County],
    options: FetchOptions,
    files: dict[str, Path],
    records: list[dict[str, Any]],
    clip: PlaceClip | None,
) -> list[dict[str, Any]]:
    """Return the ``sources:`` entries of every download but the place lookup."""

    def recs(source: str) -> list[dict[str, Any]]:
        return [r for r in records if r.get("source") == source]

    year, boundaries = options.year, options.boundaries
    unit_word = "census tracts" if options.level == "tract" else "census block groups"
    sources = [
        _source(
            "US Census Bureau, American Community Survey (Census Data API)",
            f"ACS {year - 4}-{year} 5-year estimates",
            "public domain",
            recs("census"),
        ),
        _source(
            "US Census Bureau, "
            + ("cartographic boundary files" if boundaries == "cb" else "TIGER/Line shapefiles"),
            str(year),
            "public domain",
            recs("tiger"),
            note=f"{unit_word} of {region_label(counties)}"
            + (
                f"; the outline of {clip.name} (Census place {clip.place}), to keep the "
                f"{unit_word} with at least {clip.min_share:.0%} of their area inside it"
                if clip is not None
                else ""
            ),
        ),
    ]
    if recs("osm"):
        sources.append(
            _source(
                "© OpenStreetMap contributors",
                "retrieved " + min(str(r["retrieved"]) for r in recs("osm"))[:10],
                "ODbL 1.0",
                recs("osm"),
                note="https://www.openstreetmap.org/copyright",
            )
        )
    if "assets_hrsa" in files:
        sources.append(
            _source(
                "HRSA, Health Center Service Delivery and Look-Alike Sites",
                "retrieved " + str(recs("hrsa")[0]["retrieved"])[:10],
                "public domain (US government work)",
                recs("hrsa"),
            )
        )
    if "hsds" in files:
        sources.append(_source("Open Referral HSDS feed", "as downloaded", "", recs("hsds")))
    return sources


def _points_source(points: PopulationPoints, recs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the ``sources:`` entry of the population points, saying how they were placed."""
    used = [w for lv, w in (("block", "blocks"), ("block-group", "block groups")) if lv in
            points.levels.values()]  # fmt: skip
    return _source(
        "US Census Bureau, 2020 Census Redistricting Data (P.L. 94-171, Census Data API) "
        f"and 2020 TIGER/Line {' and '.join(used) or 'blocks'}",
        "2020 Census",
        "public domain",
        recs,
        note=_one_line(points.summary),
    )


def _name_and_description(
    counties: list[County], place: PlaceMatch | None, clip: PlaceClip | None, units_words: str
) -> tuple[str, str]:
    """Return the study's name and description ("" when the name says it all)."""
    label = region_label(counties)
    codes = ", ".join(c.fips for c in counties)
    if place is not None and clip is not None:
        whole = {c.fips for c in place.counties} <= {c.fips for c in counties}
        name = place.name if whole else f"{place.name} (part in {label})"
        text = (
            f"{clip.name} alone, cut out of {label} ({codes}) for {place.query!r}: "
            f"{place.describe()}. {clip.summary(units_words, label)}"
        )
        return name, text + ("" if whole else f" {place.left_out()}")
    if place is not None:
        text = f"All of {label} ({codes}), fetched for {place.query!r}: {place.describe()}."
        if len(counties) == 1 and place.left_out():
            text += f" {place.left_out()}"
        return place.title, text
    if len(counties) == 1:
        return f"{counties[0].name}, {counties[0].state_name}", ""
    listed = join_words([f"{c.label} ({c.fips})" for c in counties])
    text = (
        f"{len(counties)} counties studied as one region: {listed}. Their {units_words} "
        "are ranked on need together."
    )
    return region_label(counties, limit=3), text


def _header(
    counties: list[County],
    place: PlaceMatch | None,
    clip: PlaceClip | None,
    *,
    level: str,
    year: int,
    boundaries: str,
) -> list[str]:
    """Return the comment lines above the YAML: how it was written, how to read it again."""
    label = region_label(counties)
    units_words = "tracts" if level == "tract" else "block groups"
    command = fetch_command(
        [c.fips for c in counties],
        level=level,
        year=year,
        boundaries=boundaries,
        place=clip.place if clip is not None else None,
        min_share=clip.min_share if clip is not None else 0.5,
    )
    where = label if clip is None else f"{clip.name} ({label})"
    header = [_one_line(f"# {where}: written by `{command}`.")]
    if place is not None:
        header.append(_one_line(f"# Asked for the place {place.query!r}: {place.describe()}."))
    if place is not None and clip is not None:
        header.append(_one_line(f"# {clip.summary(units_words, label)}"))
    if place is not None and len(counties) < len(place.parts) and place.left_out():
        header.append(_one_line(f"# {place.left_out()}"))
    spec = _census_spec(
        [c.fips for c in counties], level=level, year=year, boundaries=boundaries, clip=clip
    )
    return [
        *header,
        "# Build it with: assetmap build project.yml --out out",
        "# The same units from the cache instead of units.gpkg:",
        f"#   {spec}",
    ]
