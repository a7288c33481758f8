"""Asset inventories from CSV, XLSX and spatial files, validated row by row.

Every problem names the file, the row as the user sees it in a spreadsheet (header is
row 1) and the column. Rows that cannot be used are set aside with the reason, never
dropped silently: rows read = rows kept + rows set aside.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from assetmap.assets import ASSET_COLUMNS, REJECTED_COLUMNS, SECTORS
from assetmap.domains import Domain, DomainMatcher, load_domains, normalise_label
from assetmap.errors import InputError

__all__ = ["read_asset_file", "read_table"]

log = logging.getLogger(__name__)

#: Names under which columns are found when no column map is given (normalised).
COMMON_NAMES: dict[str, tuple[str, ...]] = {
    "asset_id": ("asset id", "id", "record id", "site id", "service id", "uid"),
    "name": ("name", "program name", "service name", "site name", "asset name", "program"),
    "org": ("org", "organization", "organisation", "agency", "agency name", "provider"),
    "domain": ("domain", "service type", "category", "type", "service category"),
    "sector": ("sector", "org type", "organization type"),
    "address": ("address", "street address", "full address", "location address"),
    "phone": ("phone", "telephone", "phone number", "tel"),
    "website": ("website", "url", "web", "web site", "homepage"),
    "hours": ("hours", "opening hours", "schedule", "hours of operation"),
    "capacity": ("capacity", "slots", "seats", "clients per week"),
    "last_verified": ("last verified", "verified", "updated", "last updated", "date verified"),
    "lat": ("lat", "latitude", "y", "lat dd", "point y"),
    "lon": ("lon", "lng", "long", "longitude", "x", "lon dd", "point x"),
}

ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
#: Assets up to this far outside the region are kept (marked ``outside_region``).
DEFAULT_BUFFER_M = 2500.0


def _sniff_text(raw: bytes, encoding: str | None, file: str) -> tuple[str, str]:
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            msg = f"cannot decode the file as {encoding!r} ({exc})"
            raise InputError(msg, file=file) from exc
    for enc in ENCODINGS:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    msg = "latin-1 decodes any bytes"  # pragma: no cover
    raise AssertionError(msg)  # pragma: no cover


def read_table(
    path: Path,
    *,
    kind: str = "csv",
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a CSV or XLSX file as text cells, detecting encoding and delimiter.

    Parameters
    ----------
    path : Path
    kind : {"csv", "xlsx"}
    encoding : str, optional
        UTF-8 (with or without BOM) and Windows-1252 are detected when omitted.
    delimiter : str, optional
        Comma, semicolon, tab or pipe are detected when omitted.
    sheet : str or int, optional
        Worksheet of an XLSX file (the first when omitted).

    Returns
    -------
    pandas.DataFrame
        All cells as strings ("" when empty), original column names, index = the row
        number a spreadsheet shows (header is row 1).
    """
    file = str(path)
    if kind == "xlsx":
        try:
            df = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, keep_default_na=False)
        except Exception as exc:
            msg = f"cannot read as an Excel workbook ({exc})"
            raise InputError(msg, file=file) from exc
    else:
        raw = path.read_bytes()
        if not raw.strip():
            msg = "the file is empty; it needs a header row and at least one asset"
            raise InputError(msg, file=file)
        text, enc = _sniff_text(raw, encoding, file)
        if enc != "utf-8-sig":
            log.info("%s: read with encoding %s", file, enc)
        sep = delimiter
        if sep is None:
            sample = text[:65536]
            try:
                sep = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|").delimiter
            except csv.Error:
                sep = ","
        try:
            df = pd.read_csv(
                io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=True
            )
        except Exception as exc:
            m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
            if m:
                want, line, got = (int(g) for g in m.groups())
                msg = (
                    f"this row has {got} fields but the header has {want}; a value probably "
                    "contains the delimiter without quotes around it"
                )
                raise InputError(msg, file=file, row=line) from exc
            msg = f"cannot parse as CSV ({exc}); check the delimiter and quoting"
            raise InputError(msg, file=file) from exc
    df.columns = [str(c).strip() for c in df.columns]
    if len(df.columns) == 1 and any(d in df.columns[0] for d in (";", "\t", "|")):
        msg = (
            f"only one column was found ({df.columns[0][:60]!r}); the file seems to use a "
            "different delimiter: pass delimiter=';' (or '\\t') or save it as comma-separated"
        )
        raise InputError(msg, file=file)
    if df.empty:
        msg = "the file has a header but no rows"
        raise InputError(msg, file=file)
    df.index = pd.RangeIndex(2, len(df) + 2, name="row")
    return df


def _find_columns(df: pd.DataFrame, columns: dict[str, str] | None, file: str) -> dict[str, str]:
    """Map contract fields to file columns: explicit map first, then common names."""
    found: dict[str, str] = {}
    norm = {normalise_label(c): c for c in df.columns}
    for field, col in (columns or {}).items():
        if col not in df.columns:
            key = normalise_label(col)
            if key in norm:
                col = norm[key]
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
            if n in norm and norm[n] not in used:
                found[field] = norm[n]
                used.add(norm[n])
                break
    return found


class _Rejects:
    def __init__(self, source: str, file: str, strict: bool) -> None:
        self.rows: list[dict[str, Any]] = []
        self.source, self.file, self.strict = source, file, strict

    def add(self, row: int, column: str | None, value: object, problem: str) -> None:
        if self.strict:
            raise InputError(problem, file=self.file, row=row, column=column)
        self.rows.append(
            {
                "source": self.source,
                "file": self.file,
                "row": row,
                "column": column or "",
                "value": "" if value is None else str(value)[:200],
                "problem": problem,
            }
        )

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=REJECTED_COLUMNS)


def _to_float(s: pd.Series) -> pd.Series:
    cleaned = s.astype(str).str.strip().str.replace(",", ".", regex=False)
    cleaned = cleaned.str.replace(r"[°\s]", "", regex=True)
    return pd.to_numeric(cleaned.replace("", np.nan), errors="coerce")


def _points_from_table(
    df: pd.DataFrame, cols: dict[str, str], rejects: _Rejects, region: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoSeries, pd.Series]:
    """Build points from lat/lon columns; returns points and a mask of usable rows."""
    file = rejects.file
    if "lat" not in cols or "lon" not in cols:
        msg = (
            "no latitude/longitude columns found (looked for lat/latitude/y and "
            "lon/lng/long/longitude/x); name them in the column map, e.g. "
            "columns={'lat': 'Y_COORD', 'lon': 'X_COORD'}"
        )
        raise InputError(msg, file=file, column="lat" if "lat" not in cols else "lon")
    lat_raw, lon_raw = df[cols["lat"]], df[cols["lon"]]
    lat, lon = _to_float(lat_raw), _to_float(lon_raw)
    ok = pd.Series(True, index=df.index)
    for row in df.index:
        for field, raw, val in (("lat", lat_raw, lat), ("lon", lon_raw, lon)):
            if pd.isna(val[row]):
                text = str(raw[row]).strip()
                problem = (
                    "coordinate is missing" if not text else f"coordinate {text!r} is not a number"
                )
                rejects.add(int(row), cols[field], text, problem)
                ok[row] = False
                break
        else:
            if not (-90 <= lat[row] <= 90 and -180 <= lon[row] <= 180):
                problem = "coordinates are out of range (latitude -90..90, longitude -180..180)"
                if -90 <= lon[row] <= 90 and -180 <= lat[row] <= 180:
                    problem += "; latitude and longitude look swapped"
                rejects.add(int(row), cols["lat"], f"{lat[row]}, {lon[row]}", problem)
                ok[row] = False
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), index=df.index, crs="EPSG:4326")
    if region is not None and ok.any():
        swapped = gpd.GeoSeries(gpd.points_from_xy(lat, lon), index=df.index, crs="EPSG:4326")
        hull = region.to_crs("EPSG:4326").union_all()
        far = ok & ~pts.intersects(hull.buffer(0.5))
        swap_in = far & swapped.within(hull)
        for row in df.index[swap_in]:
            rejects.add(
                int(row),
                cols["lat"],
                f"{lat[row]}, {lon[row]}",
                "latitude and longitude look swapped (swapped, the point falls inside the "
                "region); exchange the two columns' values",
            )
            ok[row] = False
    return pts, ok


def _apply_region(
    gdf: gpd.GeoDataFrame,
    ok: pd.Series,
    region: gpd.GeoDataFrame | None,
    buffer_m: float | None,
    rejects: _Rejects,
    lat_col: str,
) -> pd.Series:
    """Mark assets just outside the region; set aside those far outside."""
    outside = pd.Series(False, index=gdf.index)
    if region is None or not ok.any():
        return outside
    crs = region.estimate_utm_crs()
    reg = region.to_crs(crs).union_all()
    pts = gdf.geometry[ok].to_crs(crs)
    buf = DEFAULT_BUFFER_M if buffer_m is None else float(buffer_m)
    dist = pts.distance(reg).reindex(gdf.index).fillna(0.0)
    outside = ok & (dist > 0)
    far = ok & (dist > buf)
    for row in gdf.index[far]:
        rejects.add(
            int(row),
            lat_col,
            f"{gdf.geometry[row].y:.6f}, {gdf.geometry[row].x:.6f}",
            f"point is {dist[row] / 1000:.1f} km outside the region (kept up to "
            f"{buf / 1000:.1f} km); check the coordinates",
        )
    ok[far] = False
    return outside & ~far


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
    domain: str | None = None,
    domains: dict[str, Domain] | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one asset file into the Assets contract (see :func:`assetmap.read_assets`)."""
    file = str(path)
    rejects = _Rejects(source, file, strict)
    if kind in ("csv", "xlsx"):
        df = read_table(path, kind=kind, encoding=encoding, delimiter=delimiter, sheet=sheet)
        cols = _find_columns(df, columns, file)
        pts, ok = _points_from_table(df, cols, rejects, region)
        geom_col = cols.get("lat", "lat")
    elif kind == "spatial":
        df, pts, ok = _read_spatial(path, rejects, layer=layer)
        cols = _find_columns(df, columns, file)
        geom_col = "geometry"
    else:
        msg = f"unknown kind {kind!r}; use csv, xlsx or spatial"
        raise InputError(msg, file=file)
    n_in = len(df)
    gdf = gpd.GeoDataFrame(df, geometry=pts, crs="EPSG:4326")
    out = _contract_fields(gdf, cols, rejects, ok, source, domain, domains)
    out["outside_region"] = _apply_region(out, ok, region, buffer_m, rejects, geom_col)
    kept = out[ok.to_numpy()].copy()
    rej = rejects.frame().sort_values(["row"], kind="stable").drop_duplicates("row")
    kept = kept.reset_index(drop=True)
    kept.attrs = {"rejected": rej.to_dict("records")}
    if len(kept) + len(rej) != n_in:  # pragma: no cover - an invariant, kept loud
        msg = f"internal error: {n_in} rows read, {len(kept)} kept, {len(rej)} set aside"
        raise AssertionError(msg)
    if len(rej):
        log.warning("%s: %d of %d rows set aside (see rejected rows)", file, len(rej), n_in)
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


def _clean_text(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip().replace({"nan": "", "None": "", "NaN": ""})


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
            out[field] = _clean_text(gdf[cols[field]])
        else:
            out[field] = ""
    # name
    if "name" not in cols and "org" in cols:
        out["name"] = out["org"]
    if "name" not in cols and "org" not in cols:
        msg = "no name column found (looked for name, program name, service name, organization)"
        raise InputError(msg, file=rejects.file, column="name")
    for row in gdf.index[ok & (out["name"] == "")]:
        rejects.add(int(row), cols.get("name", cols.get("org")), "", "name is empty")
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
        raw = out["domain"].copy()
        mapped = raw.map(lambda v: matcher.match(v) if v else None)
        for row in gdf.index[ok & mapped.isna()]:
            value = raw[row]
            if not value:
                problem = "domain is empty"
            else:
                sugg = matcher.suggest(value)
                hint = f"; closest: {', '.join(sugg)}" if sugg else ""
                problem = (
                    f"unknown domain {value!r}{hint} (add it as an alias in layers/domains.yml)"
                )
            rejects.add(int(row), cols["domain"], value, problem)
            ok[row] = False
        out["domain"] = mapped.fillna("")
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
    extra = []
    for c in gdf.columns:
        if c in cols.values() or c == gdf.geometry.name:
            continue
        # a file's own column named like a contract field (e.g. "source") is kept, renamed
        name = f"{c}_original" if c in ASSET_COLUMNS else c
        out[name] = gdf[c]
        extra.append(name)
    return out[ASSET_COLUMNS + extra + ["geometry"]]
