"""The Assets contract: one validated table of services, whatever the source.

Readers for each kind of source live in :mod:`assetmap.sources`; they all return frames
that pass :func:`validate_assets`. :func:`read_assets` picks the reader by file suffix,
:func:`combine` stacks several sources with provenance per row.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.errors import InputError

__all__ = [
    "ASSET_COLUMNS",
    "SECTORS",
    "combine",
    "empty_assets",
    "read_assets",
    "rejected_rows",
]

log = logging.getLogger(__name__)

#: Columns every Assets frame has, in order (geometry last).
ASSET_COLUMNS = [
    "asset_id",
    "name",
    "domain",
    "sector",
    "org",
    "address",
    "phone",
    "website",
    "hours",
    "capacity",
    "source",
    "source_id",
    "last_verified",
    "outside_region",
]

#: Allowed values of ``sector``.
SECTORS = (
    "cbo",
    "health_system",
    "public_health",
    "government",
    "faith",
    "education",
    "business",
    "employee_group",
    "other",
)

#: Columns of the table of rows a reader set aside.
REJECTED_COLUMNS = ["source", "file", "row", "column", "value", "problem"]


def empty_assets() -> gpd.GeoDataFrame:
    """Return an Assets frame with no rows.

    Examples
    --------
    >>> len(empty_assets())
    0
    """
    df = pd.DataFrame({c: pd.Series(dtype=object) for c in ASSET_COLUMNS})
    df["capacity"] = df["capacity"].astype(float)
    df["outside_region"] = df["outside_region"].astype(bool)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def rejected_rows(assets: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the rows a reader set aside, with the reason for each.

    Readers keep them in ``assets.attrs["rejected"]`` as a list of records (plain
    dicts, so pandas can carry them through copies); this returns them as a table with
    columns ``source``, ``file``, ``row``, ``column``, ``value`` and ``problem``.
    """
    rej = assets.attrs.get("rejected") or []
    return pd.DataFrame(list(rej), columns=REJECTED_COLUMNS)


_SUFFIX_KIND = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xlsx",  # often a CSV or HTML table in disguise; a real .xls is refused clearly
    ".geojson": "spatial",
    ".json": "spatial",
    ".gpkg": "spatial",
    ".shp": "spatial",
    ".zip": "spatial",
    ".parquet": "spatial",
    ".geoparquet": "spatial",
    ".osm": "osm",
}
#: Files whose presence makes a folder or zip an Open Referral HSDS package.
_HSDS_MARKERS = (
    "datapackage.json",
    "services.csv",
    "service.csv",
    "services.json",
    "service.json",
)


def _infer_kind(p: Path) -> str | None:
    """Kind of an asset file from its suffix (and, for folders and zips, its contents)."""
    name = p.name.lower()
    if name.endswith((".osm.xml", ".osm.bz2", ".osm")):
        return "osm"
    if p.is_dir():
        found = any((p / m).exists() for m in _HSDS_MARKERS) or any(p.glob("*/services.csv"))
        return "hsds" if found else None
    if p.suffix.lower() == ".zip":
        import zipfile

        try:
            with zipfile.ZipFile(p) as zf:
                names = {Path(n).name.lower() for n in zf.namelist()}
        except zipfile.BadZipFile:
            return "spatial"
        return "hsds" if names & set(_HSDS_MARKERS) else "spatial"
    if p.suffix.lower() == ".json" and p.is_file() and not _looks_like_geojson(p):
        return "hsds"  # HSDS service / organization / service_at_location objects
    return _SUFFIX_KIND.get(p.suffix.lower())


def _looks_like_geojson(p: Path) -> bool:
    """Whether a ``.json`` file is GeoJSON (a FeatureCollection or Feature) by its start."""
    head = p.open("rb").read(4096).decode("utf-8-sig", errors="replace")
    return '"FeatureCollection"' in head or '"Feature"' in head or '"coordinates"' in head


def read_assets(
    path: str | Path,
    *,
    kind: str | None = None,
    columns: dict[str, str] | None = None,
    source: str | None = None,
    region: gpd.GeoDataFrame | None = None,
    buffer_m: float | None = None,
    strict: bool = False,
    **options: Any,
) -> gpd.GeoDataFrame:
    """Read an asset inventory from a table or spatial file.

    Parameters
    ----------
    path : str or Path
        CSV (or tab-, semicolon- or pipe-delimited text), XLSX, GeoJSON, GeoPackage,
        Shapefile or GeoParquet; an Open Referral HSDS package (folder or zip, see
        :func:`assetmap.readers.hsds.read_hsds`); an OpenStreetMap XML file (``.osm``,
        see :func:`assetmap.readers.osm.read_osm_xml`); HRSA's health center site list
        (recognised by its header, see :func:`assetmap.readers.hrsa.read_hrsa`).
    kind : str, optional
        ``csv``, ``xlsx``, ``spatial``, ``hsds``, ``osm`` or ``hrsa``; inferred from the
        suffix (and for a folder or zip, from whether it holds HSDS tables) when
        omitted. A workbook named ``.csv`` or a text table named ``.xls`` is read as
        what it is.
    columns : dict, optional
        Map from contract field (``name``, ``domain``, ``lat``, ``lon``, …) to the
        column name in the file; ``location`` names one column holding both
        coordinates. Common names are found without it (``Latitude``/``lat``/``y``,
        ``Longitude``/``lng``/``lon``/``x``, ``Program Name``, ``Category``, …); without
        latitude/longitude columns, a ``Location``/``Location 1``/``the_geom``/
        ``coordinates`` column holding ``"(40.81, -73.91)"`` or WKT
        ``"POINT (-73.91 40.81)"`` is used. A domain cell naming several domains
        (``"Food; Housing"``) gives one asset in the first, the others listed in
        ``other_domains``.
    source : str, optional
        Name of the source for provenance (default: the file name without suffix).
    region : geopandas.GeoDataFrame, optional
        Study units; assets beyond ``buffer_m`` of the region are set aside, those
        within it but outside the region are kept with ``outside_region=True``.
    buffer_m : float, optional
        Distance outside the region within which assets are kept (default 2,500 m,
        about the farthest a default domain threshold reaches on foot).
    strict : bool
        Raise :class:`~assetmap.errors.InputError` on the first row set aside instead of
        setting it aside.
    **options
        Passed to the reader: ``encoding``, ``delimiter``, ``sheet`` (XLSX sheet name or
        0-based position), ``header_row`` (the header's row number when a title or notes
        sit above it and are not detected), ``domain`` for a file whose rows all belong
        to one domain, ``domains`` to use other domain definitions; for HRSA's list,
        ``fips`` to read one county.

    Returns
    -------
    geopandas.GeoDataFrame
        Assets in EPSG:4326. Rows set aside are in ``attrs["rejected"]`` (see
        :func:`rejected_rows`) with file, row, column and problem; kept plus rejected
        equals rows read.

    Examples
    --------
    >>> import assetmap as am
    >>> from assetmap._resources import sample_dir
    >>> assets = am.read_assets(sample_dir() / "assets_211.csv", source="211")
    >>> sorted(assets.columns)[:3]
    ['address', 'asset_id', 'capacity']
    """
    from assetmap.readers import files

    p = Path(path)
    if not p.exists():
        msg = "file not found"
        raise InputError(msg, file=str(path))
    k = kind or _infer_kind(p)
    if k is None:
        msg = (
            f"cannot tell what kind of file {p.suffix or p.name!r} is; name it with kind= "
            "(csv, xlsx, geojson, gpkg, shp, parquet, hsds, osm)"
        )
        raise InputError(msg, file=str(path))
    if k in ("geojson", "gpkg", "shp", "parquet", "geoparquet", "shapefile"):
        k = "spatial"
    k = {"tsv": "csv", "txt": "csv", "xls": "xlsx", "xlsm": "xlsx", "excel": "xlsx"}.get(k, k)
    if k == "hrsa":
        return _read_hrsa(
            p,
            columns=columns,
            source=source,
            region=region,
            buffer_m=buffer_m,
            strict=strict,
            **options,
        )
    if k in ("hsds", "osm"):
        return _read_standard_source(
            p,
            kind=k,
            columns=columns,
            source=source,
            region=region,
            buffer_m=buffer_m,
            strict=strict,
            **options,
        )
    return files.read_asset_file(
        p,
        kind=k,
        columns=columns,
        source=source or p.stem,
        region=region,
        buffer_m=buffer_m,
        strict=strict,
        **options,
    )


def _read_standard_source(
    p: Path,
    *,
    kind: str,
    columns: dict[str, str] | None,
    source: str | None,
    region: gpd.GeoDataFrame | None,
    buffer_m: float | None,
    strict: bool,
    **options: Any,
) -> gpd.GeoDataFrame:
    """Read an HSDS package or an OSM XML file (their fields are fixed by the standard)."""
    if columns:
        msg = f"a column map does not apply to {kind.upper()} data; remove 'columns'"
        raise InputError(msg, file=str(p))
    unknown = sorted(set(options) - {"domains", "encoding"})
    if unknown:
        msg = f"options {unknown} do not apply to {kind.upper()} data"
        raise InputError(msg, file=str(p))
    if kind == "hsds":
        from assetmap.readers.hsds import read_hsds

        return read_hsds(
            p,
            region=region,
            domains=options.get("domains"),
            buffer_m=buffer_m,
            strict=strict,
            source=source,
        )
    from assetmap.readers.osm import read_osm_xml

    return read_osm_xml(
        p, region=region, buffer_m=buffer_m, strict=strict, source=source, **options
    )


def _read_hrsa(
    p: Path,
    *,
    columns: dict[str, str] | None,
    source: str | None,
    region: gpd.GeoDataFrame | None,
    buffer_m: float | None,
    strict: bool,
    **options: Any,
) -> gpd.GeoDataFrame:
    """Read HRSA's health center site list (its columns are fixed by HRSA)."""
    if columns:
        msg = "a column map does not apply to HRSA's site list; remove 'columns'"
        raise InputError(msg, file=str(p))
    unknown = sorted(set(options) - {"domains", "fips", "sheet"})
    if unknown:
        msg = f"options {unknown} do not apply to HRSA's site list"
        raise InputError(msg, file=str(p))
    from assetmap.readers.hrsa import read_hrsa

    return read_hrsa(
        p, region=region, buffer_m=buffer_m, strict=strict, source=source or p.stem, **options
    )


def combine(sources: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Stack several asset inventories into one, keeping provenance per row.

    Asset ids are made unique by prefixing the source name when two sources use the same
    id; ``source`` and ``source_id`` keep where each row came from. Rejected rows of every
    source are stacked in ``attrs["rejected"]``, and the description readers give of their
    source (``attrs["source_info"]``: name, vintage, licence, attribution) in
    ``attrs["sources"]``.

    Parameters
    ----------
    sources : list of geopandas.GeoDataFrame
        Assets frames (e.g. from :func:`read_assets`).

    Returns
    -------
    geopandas.GeoDataFrame
        Assets.

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> len(am.combine([s.assets, s.assets])) == 2 * len(s.assets)
    True
    """
    frames = [s for s in sources if s is not None]
    if not frames:
        return empty_assets()
    for f in frames:
        if f.crs is None:
            msg = "an asset source has no CRS; set one before combining"
            raise InputError(msg)
    rejected = [rejected_rows(f) for f in frames]
    rejected = [r for r in rejected if len(r)]
    plain = []
    for f in frames:
        g = f.to_crs("EPSG:4326")
        g.attrs = {}
        plain.append(g)
    out = pd.concat(plain, ignore_index=True)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
    ids = out["asset_id"].astype(str)
    if ids.duplicated().any():
        prefix = out["source"].astype(str).str.replace(r"[^0-9A-Za-z_-]+", "_", regex=True)
        ids = prefix + ":" + out["source_id"].astype(str)
        dup = ids.duplicated(keep=False)
        ids[dup] = ids[dup] + "#" + pd.Series(np.arange(len(ids)), index=ids.index)[dup].astype(str)
    out["asset_id"] = ids
    infos = [f.attrs["source_info"] for f in frames if f.attrs.get("source_info")]
    for f in frames:
        infos += [i for i in f.attrs.get("sources") or [] if i not in infos]
    out.attrs = {
        "rejected": [rec for r in rejected for rec in r.to_dict("records")],
        "sources": infos,
    }
    return out
