"""Asset inventories from CSV, XLSX and spatial files, validated row by row.

Every problem names the file, the row as the user sees it in a spreadsheet and the column.
Rows that cannot be used are set aside with the reason, never dropped silently: rows read =
rows kept + rows set aside. Fully empty rows (the tail of an Excel export) are not rows
of data and are not counted.

Real exports are read as they come: the encoding (UTF-8 with or without BOM, UTF-16 from
Excel's "Unicode text", Windows-1252) and the delimiter (comma, semicolon, tab, pipe) are
detected; a title line above the header is skipped; coordinates may sit in one
"Location" column (Socrata, ArcGIS, WKT) instead of two; see :func:`read_asset_file`.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from assetmap.assets import ASSET_COLUMNS, SECTORS
from assetmap.domains import Domain, DomainMatcher, load_domains, normalise_label
from assetmap.errors import InputError
from assetmap.readers import _tables
from assetmap.readers._checks import DEFAULT_BUFFER_M
from assetmap.readers._checks import Rejects as _Rejects
from assetmap.readers._checks import apply_region as _apply_region
from assetmap.readers._checks import points_from_table as _points_from_table
from assetmap.readers._coords import LOCATION_NAMES, points_share

__all__ = ["DEFAULT_BUFFER_M", "assets_from_table", "read_asset_file", "read_table"]

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

#: Names longer than this are set aside: a missing quote usually ran cells together.
MAX_NAME_CHARS = 500
#: Where a cell naming several domains is split ("Food; Housing", "food/housing").
_DOMAIN_SPLIT = re.compile(r"\s*(?:[;,/|+&\n]|\band\b)\s*", re.IGNORECASE)


def _sniff_text(raw: bytes, encoding: str | None, file: str) -> tuple[str, str]:
    """Decode a text file (kept for the HSDS reader; see :func:`_tables.decode`)."""
    return _tables.decode(raw, encoding, file)


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
    by_name = {normalise_label(c): c for c in free}
    for n in LOCATION_NAMES:
        c = by_name.get(n)
        if c is not None and points_share(df[c].head(500), strict=False) > 0:
            return c
    for c in free:
        sample = df[c][df[c].str.strip() != ""].head(200)
        if len(sample) and points_share(sample, strict=True) >= 0.5:
            return c
    return None


def _to_float(s: pd.Series) -> pd.Series:
    """Numbers written as text: spaces, ``1,200`` (thousands) or ``2,5`` (decimal comma)."""
    text = s.astype(str).str.strip().str.replace(r"[\s\u00a0]", "", regex=True)
    thousands = text.str.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
    text = text.where(~thousands, text.str.replace(",", "", regex=False))
    text = text.str.replace(",", ".", regex=False).str.replace("°", "", regex=False)
    return pd.to_numeric(text.replace({"": np.nan, "None": np.nan, "nan": np.nan}), "coerce")


def read_asset_file(
    path: Path,
    *,
    kind: str,
    columns: dict[str, str] | None = None,
    source: str,
    region: gpd.GeoDataFrame | None = None,
    buffer_m: float | None = None,
    strict: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    domain: str | None = None,
    domains: dict[str, Domain] | None = None,
    layer: str | None = None,
    fips: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one asset file into the Assets contract (see :func:`assetmap.read_assets`).

    Parameters
    ----------
    path : Path
    kind : {"csv", "xlsx", "spatial"}
    columns : dict, optional
        Contract field -> column of the file; ``location`` names a column holding both
        coordinates (``"(40.81, -73.91)"``, ``"POINT (-73.91 40.81)"``).
    source : str
        Name of the source, the prefix of ``asset_id``.
    region, buffer_m, strict
        As in :func:`assetmap.read_assets`.
    encoding, delimiter, sheet, header_row
        How to read a table; see :func:`read_table`.
    domain : str, optional
        One domain for every row (then no domain column is needed).
    domains : dict, optional
        Domain definitions (default ``layers/domains.yml``).
    layer : str, optional
        Layer of a GeoPackage.
    fips : str, optional
        For HRSA's site list only: read one county's rows.

    Returns
    -------
    geopandas.GeoDataFrame
        Assets; rows set aside in ``attrs["rejected"]``. A table exported by HRSA (its
        health-center site list) is recognised by its header and read with
        :func:`assetmap.readers.hrsa.read_hrsa` when no column map or domain is given.
    """
    file = str(path)
    if kind in ("csv", "xlsx"):
        df = read_table(
            path,
            kind=kind,
            encoding=encoding,
            delimiter=delimiter,
            sheet=sheet,
            header_row=header_row,
        )
        from assetmap.readers import hrsa

        if fips is not None and not hrsa.is_hrsa_table(df):
            msg = "fips= applies to HRSA's health center site list only; this is not one"
            raise InputError(msg, file=file)
        if columns is None and domain is None and hrsa.is_hrsa_table(df):
            log.info("%s: HRSA's health center site list; read as such", file)
            return hrsa.hrsa_assets(
                df,
                file=file,
                source=source,
                region=region,
                buffer_m=buffer_m,
                strict=strict,
                domains=domains,
                fips=fips,
            )
        return assets_from_table(
            df,
            file=file,
            source=source,
            columns=columns,
            region=region,
            buffer_m=buffer_m,
            strict=strict,
            domain=domain,
            domains=domains,
        )
    if kind != "spatial":
        msg = f"unknown kind {kind!r}; use csv, xlsx or spatial"
        raise InputError(msg, file=file)
    rejects = _Rejects(source, file, strict)
    df, pts, ok = _read_spatial(path, rejects, layer=layer)
    cols = _find_columns(df, columns, file)
    return _finish(
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
        As in :func:`read_asset_file`.
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
    rejects = _Rejects(source, file, strict)
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
    pts, ok = _points_from_table(df, cols, rejects, region, location)
    geom_col = location or cols.get("lat", "lat")
    return _finish(df, pts, ok, cols, rejects, n_in, region, buffer_m, domain, domains, geom_col)


def _finish(
    df: pd.DataFrame,
    pts: gpd.GeoSeries,
    ok: pd.Series,
    cols: dict[str, str],
    rejects: _Rejects,
    n_in: int,
    region: gpd.GeoDataFrame | None,
    buffer_m: float | None,
    domain: str | None,
    domains: dict[str, Domain] | None,
    geom_col: str,
) -> gpd.GeoDataFrame:
    """Contract fields, region check and the count of rows read, kept and set aside."""
    gdf = gpd.GeoDataFrame(df, geometry=pts, crs="EPSG:4326")
    out = _contract_fields(gdf, cols, rejects, ok, rejects.source, domain, domains)
    out["outside_region"] = _apply_region(out, ok, region, buffer_m, rejects, geom_col)
    kept = out[ok.to_numpy()].copy()
    rej = rejects.frame().sort_values(["row"], kind="stable").drop_duplicates("row")
    kept = kept.reset_index(drop=True)
    kept.attrs = {"rejected": rej.to_dict("records")}
    if len(kept) + len(rej) != n_in:  # pragma: no cover - an invariant, kept loud
        msg = f"internal error: {n_in} rows read, {len(kept)} kept, {len(rej)} set aside"
        raise AssertionError(msg)
    if len(rej):
        log.warning("%s: %d of %d rows set aside (see rejected rows)", rejects.file, len(rej), n_in)
    return kept


def _read_spatial(
    path: Path, rejects: _Rejects, *, layer: str | None
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
    if len(gdf) == 0:
        msg = "the file has no features"
        raise InputError(msg, file=file)
    if gdf.crs is None:
        msg = (
            "the file has no coordinate reference system; save it with one (EPSG:4326 for "
            "longitude/latitude) so positions are not guessed"
        )
        raise InputError(msg, file=file, column="geometry")
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
    pts = geom.copy()
    poly = ok & ~geom.geom_type.isin(["Point"])
    if poly.any():
        # Polygons and lines become a point guaranteed to lie on them.
        pts[poly] = geom[poly].representative_point()
    multi = ok & (geom.geom_type == "MultiPoint")
    if multi.any():
        pts[multi] = geom[multi].representative_point()
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object)
    df = df.where(df.notna(), "").astype(str)
    return df, gpd.GeoSeries(pts, index=gdf.index, crs="EPSG:4326"), ok


def _clean_text(s: pd.Series, *, lines: str = " ") -> pd.Series:
    """Contract text: trimmed, runs of spaces squeezed, line breaks replaced by ``lines``."""
    text = s.astype(str).replace({"nan": "", "None": "", "NaN": ""})
    text = text.str.replace(r"\s*[\r\n]+\s*", lines, regex=True)
    text = text.str.replace(r"[ \t\u00a0]+", " ", regex=True).str.strip()
    return text.str.strip(" ,") if lines.strip() else text


def _domains_of(value: str, matcher: DomainMatcher) -> tuple[list[str], list[str]]:
    """Domains named in one cell, in the order written, and the words that match none.

    The whole cell is matched first ("Housing and shelter" is one domain); otherwise it is
    split at ``;`` ``,`` ``/`` ``|`` ``+`` ``&`` line breaks and "and".
    """
    key = matcher.match(value)
    if key is not None:
        return [key], []
    keys: list[str] = []
    unknown: list[str] = []
    parts = [p for p in _DOMAIN_SPLIT.split(value) if p.strip()]
    if len(parts) < 2:
        return [], [value]
    for part in parts:
        k = matcher.match(part)
        if k is None:
            unknown.append(part.strip())
        elif k not in keys:
            keys.append(k)
    return keys, unknown


def _assign_domains(
    out: gpd.GeoDataFrame,
    gdf: gpd.GeoDataFrame,
    cols: dict[str, str],
    rejects: _Rejects,
    ok: pd.Series,
    matcher: DomainMatcher,
) -> None:
    """Map the domain column; a cell naming several domains keeps the first, lists the rest.

    Every word of the cell must be a known domain: "Food; Widgets" is set aside with the
    closest domains to "Widgets", so nothing written is lost without a word.
    """
    raw = out["domain"].copy()
    first = pd.Series("", index=gdf.index, dtype=object)
    others = pd.Series("", index=gdf.index, dtype=object)
    for row in gdf.index[ok]:
        value = raw[row]
        if not value:
            rejects.add(int(row), cols["domain"], "", "domain is empty")
            ok[row] = False
            continue
        keys, unknown = _domains_of(value, matcher)
        if unknown or not keys:
            word = unknown[0] if unknown else value
            sugg = matcher.suggest(word)
            hint = f"; closest: {', '.join(sugg)}" if sugg else ""
            where = f" in {value[:80]!r}" if word != value else ""
            problem = (
                f"unknown domain {word[:80]!r}{where}{hint} (add it as an alias in "
                "layers/domains.yml)"
            )
            rejects.add(int(row), cols["domain"], value, problem)
            ok[row] = False
            continue
        first[row] = keys[0]
        others[row] = ";".join(keys[1:])
    out["domain"] = first
    if (others[ok] != "").any():
        n = int((others[ok] != "").sum())
        log.info(
            "%s: %d rows name several domains; each is kept once, in the first domain "
            "written, with the others in column other_domains",
            rejects.file,
            n,
        )
        out["other_domains"] = others


def _contract_fields(
    gdf: gpd.GeoDataFrame,
    cols: dict[str, str],
    rejects: _Rejects,
    ok: pd.Series,
    source: str,
    default_domain: str | None,
    domains: dict[str, Domain] | None,
) -> gpd.GeoDataFrame:
    doms = domains or load_domains()
    matcher = DomainMatcher(doms)
    out = gpd.GeoDataFrame(index=gdf.index, geometry=gdf.geometry, crs="EPSG:4326")
    for field in ASSET_COLUMNS:
        if field in cols:
            out[field] = _clean_text(gdf[cols[field]], lines=", " if field == "address" else " ")
        else:
            out[field] = ""
    # name
    if "name" not in cols and "org" in cols:
        out["name"] = out["org"]
    if "name" not in cols and "org" not in cols:
        msg = "no name column found (looked for name, program name, service name, organization)"
        raise InputError(msg, file=rejects.file, column="name")
    name_col = cols.get("name", cols.get("org"))
    for row in gdf.index[ok & (out["name"] == "")]:
        rejects.add(int(row), name_col, "", "name is empty")
        ok[row] = False
    for row in gdf.index[ok & (out["name"].str.len() > MAX_NAME_CHARS)]:
        rejects.add(
            int(row),
            name_col,
            out["name"][row],
            f"name is {len(out['name'][row]):,} characters long (more than "
            f"{MAX_NAME_CHARS}); a missing quotation mark probably ran several cells "
            "together",
        )
        ok[row] = False
    # domain
    if default_domain is not None:
        if default_domain not in doms:
            msg = f"domain {default_domain!r} is not defined; known: {', '.join(doms)}"
            raise InputError(msg, file=rejects.file)
        out["domain"] = default_domain
    elif "domain" not in cols:
        msg = (
            "no domain column found (looked for domain, service type, category); name it "
            "in the column map or give one domain for the whole file"
        )
        raise InputError(msg, file=rejects.file, column="domain")
    else:
        _assign_domains(out, gdf, cols, rejects, ok, matcher)
    # sector
    sector = out["sector"].map(lambda v: normalise_label(v).replace(" ", "_") if v else "other")
    unknown_sector = ~sector.isin(SECTORS)
    out["sector"] = sector.where(~unknown_sector, "other")
    # ids
    out["source"] = source
    if "asset_id" in cols:
        ids = out["asset_id"]
        empty = ok & (ids == "")
        for row in gdf.index[empty]:
            rejects.add(int(row), cols["asset_id"], "", "id is empty")
            ok[row] = False
        dup = ok & ids.duplicated(keep="first") & (ids != "")
        first_row = {v: int(r) for r, v in ids[ok & ~dup].items()}
        for row in gdf.index[dup]:
            rejects.add(
                int(row),
                cols["asset_id"],
                ids[row],
                f"id {ids[row]!r} is already used on row {first_row.get(ids[row], '?')}",
            )
            ok[row] = False
        out["source_id"] = ids
    else:
        out["source_id"] = [f"row{r}" for r in gdf.index]
    out["asset_id"] = source + ":" + out["source_id"]
    # capacity
    cap = _to_float(out["capacity"])
    bad_cap = ok & (out["capacity"] != "") & (cap.isna() | (cap < 0))
    for row in gdf.index[bad_cap]:
        rejects.add(
            int(row),
            cols.get("capacity"),
            out["capacity"][row],
            "capacity must be a non-negative number (leave it empty when unknown)",
        )
        ok[row] = False
    out["capacity"] = cap
    extra = ["other_domains"] if "other_domains" in out.columns else []
    for c in gdf.columns:
        if c in cols.values() or c == gdf.geometry.name:
            continue
        # a file's own column named like a contract field (e.g. "source") is kept, renamed
        name = f"{c}_original" if c in ASSET_COLUMNS or c == "other_domains" else c
        out[name] = gdf[c]
        extra.append(name)
    return out[ASSET_COLUMNS + extra + ["geometry"]]
