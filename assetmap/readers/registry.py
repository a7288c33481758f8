"""The one list of asset file formats: their names, how each is recognised, how it is read.

Each :class:`Format` says, in one place, the kind names a user may give (``kind="csv"``,
``kind: hsds`` in a project file), the suffixes that name it, the test that recognises it
by its contents (a folder or zip holding HSDS tables, a ``.json`` that is not GeoJSON, a
table whose header is HRSA's site list), the options it accepts and the function that
reads it. :func:`assetmap.read_assets` reads through :func:`find_format`;
``assetmap validate`` lists :func:`kinds_text`; the table of formats in README.md is
:func:`formats_markdown`.

Examples
--------
>>> [f.kind for f in FORMATS]
['csv', 'xlsx', 'spatial', 'hsds', 'osm', 'hrsa']
>>> find_format(Path("partners.tsv")).kind
'csv'
>>> find_format(Path("anything"), kind="gpkg").kind
'spatial'
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from assetmap.errors import InputError
from assetmap.readers import files, hrsa, hsds, osm
from assetmap.readers._archive import LIMIT_OPTIONS, Limits, check_zip
from assetmap.readers._tables import is_zip

__all__ = [
    "FORMATS",
    "HSDS_MARKERS",
    "Format",
    "find_format",
    "formats_markdown",
    "kinds",
    "kinds_text",
]

log = logging.getLogger(__name__)

#: Files whose presence makes a folder or zip an Open Referral HSDS package.
HSDS_MARKERS = (
    "datapackage.json",
    "services.csv",
    "service.csv",
    "services.json",
    "service.json",
)

#: Options of every table read from a CSV or XLSX file (see :func:`files.read_table`).
_TABLE_OPTIONS = (
    "encoding",
    "delimiter",
    "sheet",
    "header_row",
    "domain",
    "domains",
    *LIMIT_OPTIONS,
)


@dataclass(frozen=True)
class Format:
    """One kind of asset file: its names, how it is recognised, what it accepts, its reader.

    Attributes
    ----------
    kind : str
        The name ``kind=`` takes, and the one readers are told.
    label : str
        What it is, in words (messages and the table of formats).
    read : callable
        ``read(path, *, columns, source, region, buffer_m, strict, **options)`` returning
        Assets; ``source`` is None when the user named none.
    aliases : tuple of str
        Other names ``kind=`` takes for it (``gpkg`` for ``spatial``).
    suffixes : tuple of str
        File name endings that name it (lower case, with the dot).
    sniff : callable, optional
        Test of a path by its contents; a format that passes it wins over suffixes.
    recognised : str
        What :attr:`sniff` (or :attr:`table_test`) looks for, in words.
    options : tuple of str
        Options the reader accepts; any other is an error naming them.
    column_map : bool
        Whether a column map (``columns=``) applies; fixed-layout standards refuse one.
    what : str
        How the refusals of a column map or an option name it.
    table_test : callable, optional
        Test of a table read from a CSV or XLSX file: a table that passes it (and comes
        with no column map and no ``domain``) is read by :attr:`read_table`.
    read_table : callable, optional
        ``read_table(df, *, file, source, region, buffer_m, strict, domains, **options)``.
    table_options : tuple of str
        Options that apply only to a table of this format (an error on any other table).
    """

    kind: str
    label: str
    read: Callable[..., gpd.GeoDataFrame]
    aliases: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    sniff: Callable[[Path], bool] | None = None
    recognised: str = ""
    options: tuple[str, ...] = ()
    column_map: bool = True
    what: str = ""
    table_test: Callable[[pd.DataFrame], bool] | None = None
    read_table: Callable[..., gpd.GeoDataFrame] | None = None
    table_options: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        """Return every name ``kind=`` takes for this format, its own first."""
        return (self.kind, *self.aliases)

    def named(self, path: Path) -> bool:
        """Whether the name of ``path`` (a file, not a folder) ends with a suffix of this."""
        return (
            bool(self.suffixes) and not path.is_dir() and path.name.lower().endswith(self.suffixes)
        )

    def load(
        self,
        path: Path,
        *,
        columns: dict[str, str] | None = None,
        source: str | None = None,
        region: gpd.GeoDataFrame | None = None,
        buffer_m: float | None = None,
        strict: bool = False,
        **options: Any,
    ) -> gpd.GeoDataFrame:
        """Check the column map and options against this format, then read ``path``.

        Parameters and return value are those of :func:`assetmap.read_assets`.
        """
        if columns and not self.column_map:
            msg = f"a column map does not apply to {self.what}; remove 'columns'"
            raise InputError(msg, file=str(path))
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            msg = f"options {unknown} do not apply to {self.what}"
            raise InputError(msg, file=str(path))
        return self.read(
            path,
            columns=columns,
            source=source,
            region=region,
            buffer_m=buffer_m,
            strict=strict,
            **options,
        )


# --------------------------------------------------------------------------- sniffing


def _is_hsds_package(p: Path) -> bool:
    """Whether a folder, zip or ``.json`` file holds Open Referral HSDS data."""
    if p.is_dir():
        return any((p / m).exists() for m in HSDS_MARKERS) or any(p.glob("*/services.csv"))
    suffix = p.suffix.lower()
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(p) as zf:
                names = {Path(n).name.lower() for n in zf.namelist()}
        except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError):
            return False  # read as a spatial file, which says what is wrong with it
        return bool(names & set(HSDS_MARKERS))
    # HSDS service / organization / service_at_location objects
    return suffix == ".json" and p.is_file() and not _looks_like_geojson(p)


def _looks_like_geojson(p: Path) -> bool:
    """Whether a ``.json`` file is GeoJSON (a FeatureCollection or Feature) by its start."""
    with p.open("rb") as f:
        head = f.read(4096).decode("utf-8-sig", errors="replace")
    return '"FeatureCollection"' in head or '"Feature"' in head or '"coordinates"' in head


# --------------------------------------------------------------------------- readers


def _read_tables(
    path: Path,
    *,
    kind: str,
    columns: dict[str, str] | None,
    source: str | None,
    region: gpd.GeoDataFrame | None,
    buffer_m: float | None,
    strict: bool,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    domain: str | None = None,
    domains: dict[str, Any] | None = None,
    **table_options: Any,
) -> gpd.GeoDataFrame:
    """Read a CSV or XLSX file: a table, then the format it turns out to be.

    A table that a format's :attr:`Format.table_test` recognises (HRSA's site list) is
    read by that format when no column map and no ``domain`` are given; any other is read
    as a partner's list by :func:`files.assets_from_table`.
    """
    limits = Limits.of({k: table_options.pop(k, None) for k in LIMIT_OPTIONS})
    if path.is_file() and is_zip(path):  # a workbook is a zip: check its caps
        check_zip(path, limits=limits)
    df = files.read_table(
        path, kind=kind, encoding=encoding, delimiter=delimiter, sheet=sheet, header_row=header_row
    )
    file, name = str(path), source or path.stem
    fmt = next((f for f in FORMATS if f.table_test is not None and f.table_test(df)), None)
    for other in FORMATS:
        for opt in other.table_options:
            if other is not fmt and table_options.get(opt) is not None:
                msg = f"{opt}= applies to {other.label} only; this is not one"
                raise InputError(msg, file=file)
    if fmt is not None and fmt.read_table is not None and columns is None and domain is None:
        log.info("%s: %s; read as such", file, fmt.label)
        return fmt.read_table(
            df,
            file=file,
            source=name,
            region=region,
            buffer_m=buffer_m,
            strict=strict,
            domains=domains,
            **{opt: table_options.get(opt) for opt in fmt.table_options},
        )
    return files.assets_from_table(
        df,
        file=file,
        source=name,
        columns=columns,
        region=region,
        buffer_m=buffer_m,
        strict=strict,
        domain=domain,
        domains=domains,
    )


def _read_spatial(path: Path, *, source: str | None, **kwargs: Any) -> gpd.GeoDataFrame:
    limits = Limits.of({k: kwargs.pop(k, None) for k in LIMIT_OPTIONS})
    if path.is_file() and is_zip(path):  # a zipped shapefile: refuse one that expands past the caps
        check_zip(path, limits=limits)
    return files.read_spatial_assets(path, source=source or path.stem, **kwargs)


def _read_hsds(
    path: Path,
    *,
    columns: dict[str, str] | None,
    source: str | None,
    region: gpd.GeoDataFrame | None,
    buffer_m: float | None,
    strict: bool,
    domains: dict[str, Any] | None = None,
    encoding: str | None = None,  # accepted for symmetry; HSDS tables are UTF-8
    domain: str | None = None,
    **caps: Any,
) -> gpd.GeoDataFrame:
    return hsds.read_hsds(
        path,
        region=region,
        domains=domains,
        domain=domain,
        buffer_m=buffer_m,
        strict=strict,
        source=source,
        limits=Limits.of(caps),
    )


def _read_osm(path: Path, *, columns: dict[str, str] | None, **kwargs: Any) -> gpd.GeoDataFrame:
    limits = Limits.of({k: kwargs.pop(k, None) for k in LIMIT_OPTIONS})
    return osm.read_osm_xml(path, limits=limits, **kwargs)


def _read_hrsa(
    path: Path, *, columns: dict[str, str] | None, source: str | None, **kwargs: Any
) -> gpd.GeoDataFrame:
    return hrsa.read_hrsa(path, source=source or path.stem, **kwargs)


# --------------------------------------------------------------------------- the list

#: Every format. A file is of the first whose contents test passes, else of the first whose
#: suffixes end its name.
FORMATS: tuple[Format, ...] = (
    Format(
        kind="csv",
        label="delimited text (comma, semicolon, tab or pipe; encoding detected)",
        read=partial(_read_tables, kind="csv"),
        aliases=("tsv", "txt"),
        suffixes=(".csv", ".txt", ".tsv"),
        recognised="a workbook named `.csv` is read as one",
        options=(*_TABLE_OPTIONS, "fips"),
        what="a CSV file",
    ),
    Format(
        kind="xlsx",
        label="Excel workbook (first sheet with data, or `sheet`)",
        read=partial(_read_tables, kind="xlsx"),
        aliases=("xls", "xlsm", "excel"),
        # a .xls is often a CSV or HTML table in disguise; a real .xls is refused clearly
        suffixes=(".xlsx", ".xlsm", ".xls"),
        recognised="a text table named `.xls` is read as one",
        options=(*_TABLE_OPTIONS, "fips"),
        what="an XLSX workbook",
    ),
    Format(
        kind="spatial",
        label="GeoJSON, GeoPackage, Shapefile (zipped or not) or GeoParquet",
        read=_read_spatial,
        aliases=("geojson", "gpkg", "shp", "shapefile", "parquet", "geoparquet"),
        suffixes=(".geojson", ".json", ".gpkg", ".shp", ".zip", ".parquet", ".geoparquet"),
        options=("domain", "domains", "layer", *LIMIT_OPTIONS),
        what="a spatial file",
    ),
    Format(
        kind="hsds",
        label="Open Referral HSDS 3.x or 2.x (211 directories)",
        read=_read_hsds,
        sniff=_is_hsds_package,
        recognised=(
            "a folder or `.zip` holding `datapackage.json`, `services.csv` or "
            "`services.json`; a `.json` file that is not GeoJSON"
        ),
        options=("domain", "domains", "encoding", *LIMIT_OPTIONS),
        column_map=False,
        what="HSDS data",
    ),
    Format(
        kind="osm",
        label="OpenStreetMap XML (features picked by each domain's osm_tags)",
        read=_read_osm,
        suffixes=(".osm", ".osm.xml", ".osm.bz2", ".osm.gz"),
        options=("domains", "encoding", *LIMIT_OPTIONS),
        column_map=False,
        what="OSM data",
    ),
    Format(
        kind="hrsa",
        label="HRSA's health center site list",
        read=_read_hrsa,
        recognised=(
            "a CSV or XLSX table whose header has HRSA's `Site Name` and geocoding X and Y "
            "columns (read as such without a column map or `domain`)"
        ),
        options=("domains", "fips", "sheet"),
        column_map=False,
        what="HRSA's site list",
        table_test=hrsa.is_hrsa_table,
        read_table=hrsa.hrsa_assets,
        table_options=("fips",),
    ),
)


# --------------------------------------------------------------------------- look-ups


def kinds() -> list[str]:
    """Return the kinds of asset file, as ``kind=`` names them.

    Examples
    --------
    >>> kinds()
    ['csv', 'xlsx', 'spatial', 'hsds', 'osm', 'hrsa']
    """
    return [f.kind for f in FORMATS]


def kinds_text() -> str:
    """Return the kinds in words, each with its other names, for help texts and messages.

    Examples
    --------
    >>> kinds_text()[:40]
    'csv (tsv, txt), xlsx (xls, xlsm, excel),'
    """
    named = [f"{f.kind} ({', '.join(f.aliases)})" if f.aliases else f.kind for f in FORMATS]
    return ", ".join(named[:-1]) + " or " + named[-1]


def find_format(path: Path, *, kind: str | None = None) -> Format:
    """Return the format of an asset file: the one ``kind`` names, else the one it matches.

    Parameters
    ----------
    path : Path
        The file or folder.
    kind : str, optional
        A kind or one of its other names (see :func:`kinds_text`).

    Returns
    -------
    Format

    Raises
    ------
    InputError
        When ``kind`` names no format, or the file's kind cannot be told; the message lists
        the kinds.
    """
    if kind is not None:
        for f in FORMATS:
            if kind in f.names():
                return f
        msg = f"unknown kind {kind!r}; use {kinds_text()}"
        raise InputError(msg, file=str(path))
    for f in FORMATS:
        if f.sniff is not None and f.sniff(path):
            return f
    for f in FORMATS:
        if f.named(path):
            return f
    msg = (
        f"cannot tell what kind of file {path.suffix or path.name!r} is; name it with kind= "
        f"({kinds_text()})"
    )
    raise InputError(msg, file=str(path))


def formats_markdown() -> str:
    """Return the table of asset formats, in Markdown, as README.md shows it.

    Returns
    -------
    str
        One row per format: its kind and other names, what it reads, how a file is
        recognised, whether a column map applies and the options it takes.
    """
    rows = [
        "| kind | reads | recognised by | column map | options |",
        "| --- | --- | --- | --- | --- |",
    ]
    for f in FORMATS:
        names = ", ".join(f"`{n}`" for n in f.names())
        by = [", ".join(f"`{s}`" for s in f.suffixes)] if f.suffixes else []
        by += [f.recognised] if f.recognised else []
        # the caps on archives (LIMIT_OPTIONS) are described once, under the table
        options = ", ".join(f"`{o}`" for o in f.options if o not in LIMIT_OPTIONS)
        column_map = "yes" if f.column_map else "no"
        rows.append(f"| {names} | {f.label} | {'; '.join(by)} | {column_map} | {options} |")
    return "\n".join(rows) + "\n"
