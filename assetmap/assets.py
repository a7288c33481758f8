"""Assets: read one inventory through the reader registry, combine several into one.

The contract (columns, sectors, the table of rows set aside) lives in
:mod:`assetmap.schema` and is re-exported here. :func:`read_assets` finds the format of a
file in :mod:`assetmap.readers.registry` (by ``kind=``, by its contents, or by its
suffix) and reads it; every reader returns frames that meet the contract. :func:`combine`
stacks several sources with provenance per row.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.errors import InputError
from assetmap.readers.files import assets_from_frame
from assetmap.readers.positions import position_warnings
from assetmap.readers.registry import find_format
from assetmap.schema import (
    ASSET_COLUMNS,
    REJECTED_COLUMNS,
    SECTORS,
    empty_assets,
    rejected_rows,
)

__all__ = [
    "ASSET_COLUMNS",
    "REJECTED_COLUMNS",
    "SECTORS",
    "combine",
    "empty_assets",
    "read_assets",
    "rejected_rows",
    "warning_rows",
]

log = logging.getLogger(__name__)


def read_assets(
    path: str | Path | pd.DataFrame,
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
    path : str, Path, geopandas.GeoDataFrame or pandas.DataFrame
        A frame already in memory is validated as a file would be: a GeoDataFrame by
        its geometry (it needs a CRS), a DataFrame by its latitude/longitude (or one
        location) columns; messages name its rows as a spreadsheet of it would (row 2 is
        the first) and the file as ``<GeoDataFrame 'frame'>``. Or a file:
        CSV (or tab-, semicolon- or pipe-delimited text), XLSX, GeoJSON, GeoPackage,
        Shapefile or GeoParquet; an Open Referral HSDS package (folder or zip, see
        :func:`assetmap.readers.hsds.read_hsds`); an OpenStreetMap XML file (``.osm``,
        see :func:`assetmap.readers.osm.read_osm_xml`); HRSA's health center site list
        (recognised by its header, see :func:`assetmap.readers.hrsa.read_hrsa`).
    kind : str, optional
        ``csv``, ``xlsx``, ``spatial``, ``hsds``, ``osm`` or ``hrsa`` (or another name
        of one, such as ``gpkg``; see :func:`assetmap.readers.registry.kinds_text`);
        inferred from the contents (a folder or zip holding HSDS tables) or the suffix
        when omitted. A workbook named ``.csv`` or a text table named ``.xls`` is read
        as what it is.
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
        ``fips`` to read one county; ``layer`` for a GeoPackage. Each format takes its
        own (see the table of formats in README.md); any other is an error. Formats
        that decompress (an HSDS zip, a workbook, a zipped shapefile, ``.osm.bz2`` and
        ``.osm.gz``) also take the caps ``max_member_bytes`` (one decompressed file,
        default 1 GiB), ``max_members`` (files in one zip, default 10,000) and
        ``max_ratio`` (expansion past 32 MiB, default 200 times): past one, reading
        stops with an error naming the archive and the member.

    Returns
    -------
    geopandas.GeoDataFrame
        Assets in EPSG:4326; a feature that is not a point (a polygon, a line) is placed
        on a point inside it (a line at half its length), with a warning naming its row.
        Rows set aside are in ``attrs["rejected"]`` (see
        :func:`rejected_rows`) with file, row, column and problem; kept plus rejected
        equals rows read. Rows kept but worth a look are in ``attrs["warnings"]`` (see
        :func:`warning_rows`, same columns): positions that look swapped or lie far
        from all the others (:func:`assetmap.readers.positions.position_warnings`),
        and for HSDS, references that match nothing.

    Examples
    --------
    >>> import assetmap as am
    >>> from assetmap._resources import sample_dir
    >>> assets = am.read_assets(sample_dir() / "assets_211.csv", source="211")
    >>> sorted(assets.columns)[:3]
    ['address', 'asset_id', 'capacity']
    """
    if isinstance(path, pd.DataFrame):
        out = _read_frame(path, kind, columns, source, region, buffer_m, strict, options)
    else:
        p = Path(path)
        if not p.exists():
            msg = "file not found"
            raise InputError(msg, file=str(path))
        out = find_format(p, kind=kind).load(
            p,
            columns=columns,
            source=source,
            region=region,
            buffer_m=buffer_m,
            strict=strict,
            **options,
        )
    _add_position_warnings(out, region)
    return out


def _read_frame(
    frame: pd.DataFrame,
    kind: str | None,
    columns: dict[str, str] | None,
    source: str | None,
    region: gpd.GeoDataFrame | None,
    buffer_m: float | None,
    strict: bool,
    options: dict[str, Any],
) -> gpd.GeoDataFrame:
    """Validate a frame in memory (see :func:`read_assets`)."""
    unknown = sorted(set(options) - {"domain", "domains"})
    if kind is not None or unknown:
        what = f"kind={kind!r}" if kind is not None else f"options {unknown}"
        msg = f"{what}: not for a frame in memory, which takes only domain= and domains="
        raise InputError(msg, file=f"<{type(frame).__name__}>")
    return assets_from_frame(
        frame,
        source=source,
        columns=columns,
        region=region,
        buffer_m=buffer_m,
        strict=strict,
        domain=options.get("domain"),
        domains=options.get("domains"),
    )


def _add_position_warnings(assets: gpd.GeoDataFrame, region: gpd.GeoDataFrame | None) -> None:
    """Add the positions to check to ``attrs["warnings"]`` and log them by row."""
    found = position_warnings(assets, region=region)
    if not len(found):
        return
    records = found[REJECTED_COLUMNS].to_dict("records")
    assets.attrs["warnings"] = [*(assets.attrs.get("warnings") or []), *records]
    for r in records:
        log.warning("%s, row %s, column %r: %s", r["file"], r["row"], r["column"], r["problem"])


def warning_rows(assets: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the rows kept with a warning (``attrs["warnings"]``), as a table.

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        Assets as :func:`read_assets` returns them.

    Returns
    -------
    pandas.DataFrame
        One row per warning, columns :data:`REJECTED_COLUMNS`; the rows they name are
        among the assets.

    Examples
    --------
    >>> warning_rows(empty_assets()).columns.tolist()
    ['source', 'file', 'row', 'column', 'value', 'problem']
    """
    return pd.DataFrame(list(assets.attrs.get("warnings") or []), columns=REJECTED_COLUMNS)


def combine(sources: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Stack several asset inventories into one, keeping provenance per row.

    Asset ids are made unique by prefixing the source name when two sources use the same
    id; ``source`` and ``source_id`` keep where each row came from. Rejected rows of every
    source are stacked in ``attrs["rejected"]``, their warnings in ``attrs["warnings"]``,
    and the description readers give of their source (``attrs["source_info"]``: name,
    vintage, licence, attribution) in ``attrs["sources"]``.

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
    warnings = [w for f in frames for w in warning_rows(f).to_dict("records")]
    wheres = [f.attrs.get("where") for f in frames]
    aligned = all(
        isinstance(w, list) and len(w) == len(f) for w, f in zip(wheres, frames, strict=True)
    )
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
        "warnings": warnings,
        "sources": infos,
    }
    if aligned:
        out.attrs["where"] = [rec for w in wheres for rec in (w or [])]
    return out
