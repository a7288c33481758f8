"""Asset inventories from CSV, XLSX and spatial files, validated row by row.

Every problem names the file, the row as the user sees it in a spreadsheet and the column.
Rows that cannot be used are set aside with the reason, never dropped silently: rows read =
rows kept + rows set aside. Fully empty rows (the tail of an Excel export) are not rows
of data and are not counted.

Real exports are read as they come: the encoding (UTF-8 with or without BOM, UTF-16 from
Excel's "Unicode text", Windows-1252) and the delimiter (comma, semicolon, tab, pipe) are
detected; a title line above the header is skipped; coordinates may sit in one
"Location" column (Socrata, ArcGIS, WKT) instead of two; see :func:`read_table` and
:func:`assets_from_table`. Which reader a file goes to is decided in :mod:`.registry`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from assetmap.domains import Domain, normalise_label
from assetmap.errors import InputError
from assetmap.readers import _tables
from assetmap.readers._checks import DEFAULT_BUFFER_M, Rejects, points_from_table
from assetmap.readers._contract import finish
from assetmap.readers.coords import LOCATION_NAMES, points_share

__all__ = [
    "COMMON_NAMES",
    "DEFAULT_BUFFER_M",
    "assets_from_frame",
    "assets_from_table",
    "read_spatial_assets",
    "read_table",
]

log = logging.getLogger(__name__)

#: Names under which columns are found when no column map is given (normalised).
COMMON_NAMES: dict[str, tuple[str, ...]] = {
    "asset_id": ("asset id", "id", "record id", "site id", "service id", "uid", "objectid"),
    "name": (
        "name",
        "program name",
        "service name",
        "site name",
        "asset name",
        "facility name",
        "location name",
        "program",
    ),
    "org": ("org", "organization", "organisation", "agency", "agency name", "provider"),
    "domain": ("domain", "service type", "category", "type", "service category"),
    # the finer kind of service (overlaps compare services of one type); a "service type"
    # column is the domain's when the file has no other domain column
    "service_type": ("service type", "program type", "service subtype", "subcategory"),
    "sector": ("sector", "org type", "organization type"),
    "address": ("address", "street address", "full address", "location address"),
    "phone": ("phone", "telephone", "phone number", "tel"),
    "website": ("website", "url", "web", "web site", "homepage"),
    "hours": ("hours", "opening hours", "schedule", "hours of operation"),
    "capacity": ("capacity", "slots", "seats", "clients per week"),
    "last_verified": ("last verified", "verified", "updated", "last updated", "date verified"),
    "lat": (
        "lat",
        "latitude",
        "y",
        "lat dd",
        "point y",
        "y coordinate",
        "y coord",
        "latitude y",
        "gps latitude",
    ),
    "lon": (
        "lon",
        "lng",
        "long",
        "longitude",
        "x",
        "lon dd",
        "point x",
        "x coordinate",
        "x coord",
        "longitude x",
        "gps longitude",
    ),
}


def read_table(
    path: Path,
    *,
    kind: str = "csv",
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
) -> pd.DataFrame:
    r"""Read a CSV or XLSX file as text cells, detecting encoding, delimiter and header.

    Parameters
    ----------
    path : Path
    kind : {"csv", "xlsx"}
        A workbook named ``.csv`` or a text file named ``.xlsx``/``.xls`` is read as
        what it is.
    encoding : str, optional
        Detected when omitted: a byte-order mark (UTF-8, UTF-16 as Excel's "Unicode
        text" writes it), UTF-16 without one, UTF-8, else Windows-1252.
    delimiter : str, optional
        Comma, semicolon, tab or pipe are detected when omitted (``"\t"`` or
        ``"tab"`` name a tab).
    sheet : str or int, optional
        Worksheet of an XLSX file, by name or 0-based position; by default the first
        visible sheet with something in it. A missing name is an error listing the
        sheets.
    header_row : int, optional
        Row number (as the spreadsheet shows it, first row is 1) of the header. By
        default the first filled-in row, skipping title lines above it (a row with one
        filled cell, such as "Food Pantry List - updated 2024", followed by a fuller
        row).

    Returns
    -------
    pandas.DataFrame
        All cells as strings (``""`` when empty), column names as written (trimmed;
        unnamed columns with values are called ``column E``, a repeated name gets
        `` (column E)`` added), index = the row number a spreadsheet shows. Fully empty
        rows and columns are left out.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "list.csv"
    >>> _ = p.write_text("Pantry list - 2024\nname;lat;lon\nA;40,81;-73,91\n;;\n")
    >>> read_table(p).to_dict("index")  # row 1 is a title, row 4 is empty
    {3: {'name': 'A', 'lat': '40,81', 'lon': '-73,91'}}
    """
    file = str(path)
    if kind in ("xlsx", "xls") and not _tables.is_zip(path):
        log.info("%s: not an Excel workbook inside; read as a text table", file)
        kind = "csv"
    elif kind == "csv" and _tables.is_zip(path):
        log.info("%s: an Excel workbook despite its name; read as one", file)
        kind = "xlsx"
    if kind == "xlsx":
        rows, merges, title = _tables.xlsx_rows(path, sheet=sheet, file=file)
        df = _tables.frame_from_rows(
            rows, file=file, header_row=header_row, merges=merges, ragged=True
        )
        df.attrs["sheet"] = title
        return df
    rows, sep = _tables.csv_rows(path, encoding=encoding, delimiter=delimiter, file=file)
    df = _tables.frame_from_rows(rows, file=file, header_row=header_row)
    if len(df.columns) == 1 and any(d in df.columns[0] for d in ",;\t|" if d != sep):
        msg = (
            f"only one column was found ({df.columns[0][:60]!r}); the file seems to use a "
            "different delimiter: pass delimiter=';' (or '\\t') or save it as comma-separated"
        )
        raise InputError(msg, file=file)
    return df


def _find_columns(df: pd.DataFrame, columns: dict[str, str] | None, file: str) -> dict[str, str]:
    """Map contract fields to file columns: explicit map first, then common names."""
    found: dict[str, str] = {}
    norm: dict[str, list[str]] = {}
    for c in df.columns:
        norm.setdefault(normalise_label(c), []).append(c)
    for field, col in (columns or {}).items():
        if col not in df.columns:
            key = normalise_label(col)
            if key in norm:
                col = norm[key][0]
            else:
                msg = (
                    f"column named in the column map for {field!r} is not in the file; "
                    f"the file has: {', '.join(df.columns)}"
                )
                raise InputError(msg, file=file, column=col)
        found[field] = col
    used = set(found.values())
    for field, names in COMMON_NAMES.items():
        if field in found:
            continue
        for n in names:
            if n in norm and norm[n][0] not in used:
                if len(norm[n]) > 1:
                    _ambiguous(df, norm[n], field, file)
                found[field] = norm[n][0]
                used.add(norm[n][0])
                break
    dups = df.attrs.get("duplicate_columns") or {}
    for field, col in found.items():
        if col in dups and not (columns and field in columns):
            _ambiguous(df, [col, *(f"{col} (column {x})" for x in dups[col][1:])], field, file)
    return found


def _ambiguous(df: pd.DataFrame, cols: list[str], field: str, file: str) -> None:
    """Raise for two columns that could both be the one a field is read from."""
    letters = df.attrs.get("letters") or {}
    shown = [c.split(" (column ")[0] for c in cols]
    if len(set(shown)) == 1:
        where = " and ".join(letters.get(c, "?") for c in cols)
        what = f"columns {where} are both named {shown[0]!r}"
    else:
        what = "columns " + " and ".join(f"{letters.get(c, '?')} ({c!r})" for c in cols)
        what += " have the same name once case and punctuation are ignored"
    msg = (
        f"{what}, so the {field} column is ambiguous; rename one, or name the one to use "
        f"in the column map (columns={{{field!r}: ...}})"
    )
    raise InputError(msg, file=file, column=shown[0])


def _find_location(df: pd.DataFrame, cols: dict[str, str]) -> str | None:
    """Find a column holding both coordinates in one cell, by its name or its contents."""
    if "location" in cols:
        return cols["location"]
    used = set(cols.values())
    free = [c for c in df.columns if c not in used]
    df = df.copy(deep=False)
    df.attrs = {}  # each column taken copies the attributes: none for a wide file
    by_name = {normalise_label(c): c for c in free}
    for n in LOCATION_NAMES:
        c = by_name.get(n)
        if c is not None and points_share(df[c].head(500), strict=False) > 0:
            return str(c)
    for c in free:
        sample = df[c][df[c].str.strip() != ""].head(200)
        if len(sample) and points_share(sample, strict=True) >= 0.5:
            return str(c)
    return None


def read_spatial_assets(
    path: Path,
    *,
    source: str,
    columns: dict[str, str] | None = None,
    region: gpd.GeoDataFrame | None = None,
    buffer_m: float | None = None,
    strict: bool = False,
    domain: str | None = None,
    domains: dict[str, Domain] | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a spatial file (GeoJSON, GeoPackage, Shapefile, GeoParquet) into Assets.

    Polygons become a point inside them and lines their point at half their length,
    each named in ``attrs["warnings"]``; empty and invalid geometries are set aside. See
    :func:`assetmap.read_assets`.

    Parameters
    ----------
    path : Path
    source : str
        Name of the source, the prefix of ``asset_id``.
    columns : dict, optional
        Contract field -> attribute of the file.
    region, buffer_m, strict
        As in :func:`assetmap.read_assets`.
    domain : str, optional
        One domain for every feature (then no domain attribute is needed).
    domains : dict, optional
        Domain definitions (default ``layers/domains.yml``).
    layer : str, optional
        Layer of a GeoPackage.

    Returns
    -------
    geopandas.GeoDataFrame
        Assets; features set aside in ``attrs["rejected"]`` (``row`` 2 is the first
        feature, as if the attributes were a spreadsheet).
    """
    rejects = Rejects(source, str(path), strict)
    df, pts, ok = _read_spatial(path, rejects, layer=layer)
    cols = _find_columns(df, columns, str(path))
    return finish(
        df, pts, ok, cols, rejects, len(df), region, buffer_m, domain, domains, "geometry"
    )


def assets_from_table(
    df: pd.DataFrame,
    *,
    file: str,
    source: str,
    columns: dict[str, str] | None = None,
    region: gpd.GeoDataFrame | None = None,
    buffer_m: float | None = None,
    strict: bool = False,
    domain: str | None = None,
    domains: dict[str, Domain] | None = None,
    set_aside: list[dict[str, Any]] | None = None,
) -> gpd.GeoDataFrame:
    """Validate a table of text cells (as :func:`read_table` returns) into Assets.

    Parameters
    ----------
    df : pandas.DataFrame
        Cells as text, index = the row numbers the user sees.
    file : str
        The file the table came from, for messages.
    source : str
        Name of the source, the prefix of ``asset_id``.
    columns, region, buffer_m, strict, domain, domains
        As in :func:`assetmap.read_assets`.
    set_aside : list of dict, optional
        Rows of the file already set aside by the caller (records with ``row``,
        ``column``, ``value`` and ``problem``); they count as rows read.

    Returns
    -------
    geopandas.GeoDataFrame
        Assets; rows set aside (``set_aside`` included) in ``attrs["rejected"]``.

    Examples
    --------
    >>> table = pd.DataFrame(
    ...     {"name": ["A", "B"], "domain": ["Food; Housing", "food"],
    ...      "Location": ["(40.81, -73.91)", "0, 0"]},
    ...     index=pd.Index([2, 3], name="row"))
    >>> a = assets_from_table(table, file="list.csv", source="t")
    >>> a[["name", "domain", "other_domains"]].values.tolist()
    [['A', 'food', 'housing']]
    >>> a.attrs["rejected"][0]["row"], a.attrs["rejected"][0]["column"]
    (3, 'Location')
    """
    rejects = Rejects(source, file, strict)
    for r in set_aside or []:
        rejects.add(int(r["row"]), r.get("column"), r.get("value", ""), str(r["problem"]))
    n_in = len(df) + len(set_aside or [])
    cols = _find_columns(df, columns, file)
    given = columns or {}
    if "location" in given and not ("lat" in given and "lon" in given):
        cols.pop("lat", None)  # a location column named in the map wins over found lat/lon
        cols.pop("lon", None)
    location = None if "lat" in cols and "lon" in cols else _find_location(df, cols)
    if location is not None:
        log.info("%s: coordinates read from column %r", file, location)
        cols.setdefault("location", location)
    pts, ok = points_from_table(df, cols, rejects, region, location)
    geom_col = location or cols.get("lat", "lat")
    return finish(df, pts, ok, cols, rejects, n_in, region, buffer_m, domain, domains, geom_col)


def assets_from_frame(
    frame: pd.DataFrame,
    *,
    source: str | None = None,
    columns: dict[str, str] | None = None,
    region: gpd.GeoDataFrame | None = None,
    buffer_m: float | None = None,
    strict: bool = False,
    domain: str | None = None,
    domains: dict[str, Domain] | None = None,
) -> gpd.GeoDataFrame:
    """Validate a frame already in memory into Assets, as if it had been read from a file.

    A GeoDataFrame is read like a spatial file (its geometry, which needs a CRS); a plain
    DataFrame like a table (latitude/longitude columns or one location column). Row
    numbers in messages count as a spreadsheet would show the frame written out: row 2
    is its first row.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
    source : str, optional
        Name of the source, the prefix of ``asset_id`` (default ``"frame"``).
    columns, region, buffer_m, strict, domain, domains
        As in :func:`assetmap.read_assets`.

    Returns
    -------
    geopandas.GeoDataFrame
        Assets; rows set aside in ``attrs["rejected"]``.

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["A", "B"], "domain": ["food", "food"],
    ...                    "lat": [40.81, None], "lon": [-73.91, -73.92]})
    >>> a = assets_from_frame(df, source="mine")
    >>> a["asset_id"].tolist(), a.attrs["rejected"][0]["row"]
    (['mine:row2'], 3)
    """
    name = source or "frame"
    file = f"<{type(frame).__name__} {name!r}>"
    rejects = Rejects(name, file, strict)
    if _has_geometry(frame):
        gdf = gpd.GeoDataFrame(frame.copy())
        if gdf.crs is None:
            msg = "the GeoDataFrame has no CRS; set one (gdf.set_crs('EPSG:4326') for lon/lat)"
            raise InputError(msg, file=file, column="geometry")
        if len(gdf) == 0:
            msg = "the frame has no rows"
            raise InputError(msg, file=file)
        df, pts, ok = _spatial_frame(gdf, rejects)
        cols = _find_columns(df, columns, file)
        return finish(
            df, pts, ok, cols, rejects, len(df), region, buffer_m, domain, domains, "geometry"
        )
    table = pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore")
    table = table.astype(object).where(table.notna(), "").astype(str)
    table.columns = [str(c) for c in table.columns]
    table.index = pd.RangeIndex(2, len(table) + 2, name="row")
    return assets_from_table(
        table,
        file=file,
        source=name,
        columns=columns,
        region=region,
        buffer_m=buffer_m,
        strict=strict,
        domain=domain,
        domains=domains,
    )


def _has_geometry(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` is a GeoDataFrame with an active geometry holding something."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return False
    try:
        return any(g is not None for g in frame.geometry)
    except AttributeError:  # a GeoDataFrame with no active geometry column
        return False


def _read_spatial(
    path: Path, rejects: Rejects, *, layer: str | None
) -> tuple[pd.DataFrame, gpd.GeoSeries, pd.Series]:
    file = str(path)
    try:
        gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as exc:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            try:
                gdf = gpd.read_parquet(path)
            except Exception as exc2:
                msg = f"cannot read as GeoParquet ({exc2})"
                raise InputError(msg, file=file) from exc2
        else:
            msg = f"cannot read as a spatial file ({exc})"
            raise InputError(msg, file=file) from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or not _has_geometry(gdf):
        msg = (
            "the file has no geometry; save it as GeoJSON, GeoPackage or GeoParquet with "
            "one, or give a table with latitude and longitude columns as kind='csv'"
        )
        raise InputError(msg, file=file, column="geometry")
    if len(gdf) == 0:
        msg = "the file has no features"
        raise InputError(msg, file=file)
    if gdf.crs is None:
        msg = (
            "the file has no coordinate reference system; save it with one (EPSG:4326 for "
            "longitude/latitude) so positions are not guessed"
        )
        raise InputError(msg, file=file, column="geometry")
    return _spatial_frame(gdf, rejects)


def _spatial_frame(
    gdf: gpd.GeoDataFrame, rejects: Rejects
) -> tuple[pd.DataFrame, gpd.GeoSeries, pd.Series]:
    """Attributes as text, a point per feature, and the mask of usable geometries."""
    gdf = gdf.to_crs("EPSG:4326")
    gdf.index = pd.RangeIndex(2, len(gdf) + 2, name="row")
    geom = gdf.geometry
    ok = pd.Series(True, index=gdf.index)
    for row in gdf.index:
        g = geom[row]
        if g is None or g.is_empty:
            rejects.add(int(row), "geometry", "", "geometry is empty")
            ok[row] = False
        elif not g.is_valid:
            reason = shapely.is_valid_reason(g)
            rejects.add(int(row), "geometry", g.geom_type, f"geometry is invalid ({reason})")
            ok[row] = False
    pts = _inside_points(geom, ok, rejects)
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object)
    df = df.where(df.notna(), "").astype(str)
    return df, gpd.GeoSeries(pts, index=gdf.index, crs="EPSG:4326"), ok


_LINES = ("LineString", "MultiLineString", "LinearRing")


def _inside_points(geom: gpd.GeoSeries, ok: pd.Series, rejects: Rejects) -> gpd.GeoSeries:
    """Return a point per usable feature: a line's middle, a point inside other shapes.

    Every feature that is not a point is named in ``rejects.warnings``, never moved to a
    point without a word.

    Examples
    --------
    >>> from shapely.geometry import LineString, Point, box
    >>> g = gpd.GeoSeries([box(0, 0, 2, 2), LineString([(0, 0), (4, 0)]), Point(5, 5)],
    ...                   index=[2, 3, 4], crs="EPSG:4326")
    >>> r = Rejects("s", "f.gpkg", False)
    >>> [p.coords[0] for p in _inside_points(g, pd.Series(True, index=g.index), r)]
    [(1.0, 1.0), (2.0, 0.0), (5.0, 5.0)]
    >>> [(w["row"], w["value"]) for w in r.warnings]
    [(2, 'Polygon'), (3, 'LineString')]
    """
    pts = geom.copy()
    types = geom.geom_type
    shaped = ok & (types != "Point")
    for row in geom.index[shaped]:
        g = geom[row]
        kind = str(types[row])
        if kind in _LINES:
            p = shapely.line_interpolate_point(g, 0.5, normalized=True)
            how = "at half its length"
        else:
            p = g.point_on_surface()
            how = "at a point inside it" if kind != "MultiPoint" else "at one of its points"
        pts[row] = p
        rejects.warn(
            int(row),
            "geometry",
            kind,
            f"a {kind}, not a point: placed {how} ({p.y:.6f}, {p.x:.6f}); give the "
            "asset's own position as a point to place it exactly",
        )
    if shaped.any():
        log.warning(
            "%s: %d features are not points (rows %s); each is placed on a point of its "
            "shape (see warnings)",
            rejects.file,
            int(shaped.sum()),
            ", ".join(str(r) for r in geom.index[shaped][:10]),
        )
    return gpd.GeoSeries(pts, index=geom.index, crs=geom.crs)
