"""ZIP codes apportioned to study units through a ZCTA-to-unit crosswalk.

HR systems know employees' home ZIP codes, purchasing systems know vendors' ZIP codes,
but the study units are tracts or neighbourhoods. A *crosswalk* says, for each ZIP Code
Tabulation Area (ZCTA), which share of it belongs to each unit. The share should be the
share of the ZCTA's **residents** living in the unit (population weighting: the
HUD-USPS ZIP crosswalk's ``RES_RATIO``, Geocorr's ``afact``, or one built from block or
tax-lot population with :func:`areal_crosswalk`); only where population is unknown, the
share of its **area** (areal weighting; Goodchild & Lam 1980, *Geo-Processing* 1).

A crosswalk frame has one row per ZCTA × unit with columns ``zcta`` (5 characters),
``unit_id`` and ``weight``; a row with an empty ``unit_id`` holds the share of the ZCTA
outside the study region, so each ZCTA's weights add up to exactly 1 (a remainder below
:data:`ROUNDING`, 0.0001, is taken as rounding of the file's weights, not as a place).
Apportioning therefore preserves totals: what lands in the units plus what lands outside
equals the input, to the dollar, and to the person for counts (which are rounded with the
largest remainder method, Hamilton's apportionment, so they stay whole).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from assetmap.domains import normalise_label
from assetmap.errors import InputError
from assetmap.region import measure_crs

__all__ = [
    "CROSSWALK_COLUMNS",
    "OUTSIDE",
    "ROUNDING",
    "apportion",
    "areal_crosswalk",
    "normalise_zip",
    "pad_ids",
    "read_crosswalk",
]

log = logging.getLogger(__name__)

CROSSWALK_COLUMNS = ["zcta", "unit_id", "weight"]
#: ``unit_id`` of the share that lies outside the study region.
OUTSIDE = ""
_TOLERANCE = 1e-6
#: An outside share smaller than this is taken as rounding of the weights and dropped.
ROUNDING = 1e-4

_ALIASES = {
    "zcta": ("zcta", "zip", "zipcode", "zip code", "zcta5", "zcta5ce20", "zcta5ce10", "zip5"),
    "unit_id": ("unit id", "unit", "unitid", "nta", "nta2020", "ntacode", "tract", "geoid"),
    "weight": ("weight", "res ratio", "afact", "share", "ratio", "pop share", "tot ratio"),
}


def normalise_zip(values: pd.Series) -> pd.Series:
    """Return 5-digit ZIP codes, or "" where a value is not a ZIP code.

    Accepts ``10451``, ``10451-1234``, ``104511234``, ``10451.0`` (a spreadsheet's
    number) and 3–4 digit numbers that lost their leading zeros (``7302`` → ``07302``,
    Jersey City).

    Parameters
    ----------
    values : pandas.Series

    Returns
    -------
    pandas.Series
        Strings on the same index.

    Examples
    --------
    >>> normalise_zip(pd.Series(["10451", "10451-1234", "7302", "10451.0", "1045x", ""])).tolist()
    ['10451', '10451', '07302', '10451', '', '']
    """
    s = values.fillna("").astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    plus4 = s.str.fullmatch(r"\d{5}(-?\d{4})?")
    short = s.str.fullmatch(r"\d{3,4}")
    out = pd.Series("", index=values.index, dtype=object)
    out[plus4] = s[plus4].str[:5]
    out[short] = s[short].str.zfill(5)
    return out


def _column(df: pd.DataFrame, field: str, given: str | None, file: str) -> str:
    if given is not None:
        if given not in df.columns:
            msg = f"column {given!r} named for {field} is not in the file ({', '.join(df.columns)})"
            raise InputError(msg, file=file, column=given)
        return given
    norm = {normalise_label(c): c for c in df.columns}
    for alias in _ALIASES[field]:
        if alias in norm:
            return str(norm[alias])
    msg = (
        f"no {field} column found (looked for {', '.join(_ALIASES[field])}); name it with "
        f"{field}=..."
    )
    raise InputError(msg, file=file, column=field)


def read_crosswalk(
    path: str | Path,
    *,
    units: gpd.GeoDataFrame | None = None,
    zcta: str | None = None,
    unit_id: str | None = None,
    weight: str | None = None,
) -> pd.DataFrame:
    """Read a ZCTA-to-unit crosswalk (CSV or XLSX) and check it.

    Parameters
    ----------
    path : str or Path
        One row per ZCTA × unit. The sample ships ``crosswalk_zcta_nta.csv``; a
        HUD-USPS ZIP-to-tract file works as it is with ``zcta="ZIP"``,
        ``unit_id="TRACT"``, ``weight="RES_RATIO"``.
    units : geopandas.GeoDataFrame, optional
        Study units. Rows naming other units (a national file) count as outside the
        region; if no row names a study unit the ids do not match and an error is raised.
    zcta, unit_id, weight : str, optional
        Column names; found by common names when omitted (``zip``, ``zcta5``; ``nta``,
        ``tract``, ``geoid``; ``res_ratio``, ``afact``, ``share``).

    Returns
    -------
    pandas.DataFrame
        ``zcta``, ``unit_id`` (``""`` for the share outside the region) and ``weight``;
        the weights of each ZCTA add up to 1.

    Raises
    ------
    InputError
        For a malformed ZIP code, a weight outside 0–1, a repeated ZCTA × unit pair, or a
        ZCTA whose weights add up to more than 1 (naming file, rows and column).

    Examples
    --------
    >>> from assetmap._resources import sample_dir
    >>> cw = read_crosswalk(sample_dir() / "crosswalk_zcta_nta.csv")
    >>> bool(cw.groupby("zcta")["weight"].sum().round(9).eq(1).all())
    True
    """
    from assetmap.readers.files import read_table

    p = Path(path)
    file = str(path)
    if not p.is_file():
        msg = "crosswalk file not found"
        raise InputError(msg, file=file)
    df = read_table(p, kind="xlsx" if p.suffix.lower() in (".xlsx", ".xlsm") else "csv")
    zc = _column(df, "zcta", zcta, file)
    uc = _column(df, "unit_id", unit_id, file)
    wc = _column(df, "weight", weight, file)
    df = _drop_label_row(df, zc, wc, file)
    ids = _unit_ids(df, uc, units, file)
    zips = normalise_zip(df[zc])
    bad = zips.eq("")
    if bad.any():
        rows = [int(r) for r in df.index[bad]]
        msg = f"not a ZIP code in rows {rows[:20]}{' ...' if len(rows) > 20 else ''}"
        raise InputError(msg, file=file, row=rows[0], column=zc)
    w = pd.to_numeric(df[wc].str.strip(), errors="coerce")
    bad = w.isna() | (w < 0) | (w > 1 + _TOLERANCE)
    if bad.any():
        row = int(df.index[bad][0])
        msg = f"weight {df.at[row, wc]!r} is not a share between 0 and 1"
        raise InputError(msg, file=file, row=row, column=wc)
    cw = pd.DataFrame({"zcta": zips, "unit_id": ids, "weight": w.clip(upper=1.0)})
    if units is not None:
        known = ids.isin(units.index.astype(str))
        if not known.any():
            msg = (
                f"no unit id of the crosswalk is a study unit (e.g. {ids.iloc[0]!r} vs "
                f"{units.index[0]!r}); check the unit_id column"
            )
            raise InputError(msg, file=file, column=uc)
        n_out = int((~known & ids.ne(OUTSIDE)).sum())
        if n_out:
            log.info("%s: %d rows name units outside the study region", file, n_out)
        cw.loc[~known, "unit_id"] = OUTSIDE
    inside = cw[cw["unit_id"] != OUTSIDE]
    dup = inside.duplicated(["zcta", "unit_id"], keep=False)
    if dup.any():
        rows = [int(r) for r in inside.index[dup]]
        msg = f"ZCTA × unit pair repeated in rows {rows[:20]}"
        raise InputError(msg, file=file, row=rows[0], column=uc)
    sums = inside.groupby("zcta")["weight"].sum()
    over = sums[sums > 1 + _TOLERANCE]
    if len(over):
        z = str(over.index[0])
        rows = [int(r) for r in inside.index[inside["zcta"] == z]]
        msg = (
            f"the weights of ZCTA {z} add up to {over.iloc[0]:.4f}, more than 1 (rows "
            f"{rows[:20]}); each ZCTA's shares must add up to 1 at most"
        )
        raise InputError(msg, file=file, row=rows[0], column=wc)
    return _complete(inside, sorted(set(cw["zcta"])))


def _drop_label_row(df: pd.DataFrame, zc: str, wc: str, file: str) -> pd.DataFrame:
    """Drop Geocorr's second header row ("ZIP Census Tabulation Area", ...)."""
    if df.empty:
        return df
    first = df.index[0]
    z = str(df.at[first, zc]).strip()
    w = pd.to_numeric(pd.Series([str(df.at[first, wc]).strip()]), errors="coerce").iloc[0]
    if not any(ch.isdigit() for ch in z) and pd.isna(w):
        log.info("%s: row %s holds column labels, not data; skipped", file, first)
        return df.drop(index=first)
    return df


def _unit_ids(df: pd.DataFrame, uc: str, units: gpd.GeoDataFrame | None, file: str) -> pd.Series:
    """Return unit ids as the study names them.

    Two real-file habits are undone here: Geocorr writes the tract as ``9501.00`` next
    to a 5-digit ``county`` column (the GEOID is county + tract without the point), and
    a spreadsheet turns ``01001020100`` into the number ``1001020100``.
    """
    ids = df[uc].fillna("").astype(str).str.strip()
    norm = {normalise_label(c): c for c in df.columns}
    county = norm.get("county")
    tract_like = ids.str.fullmatch(r"\d{1,4}\.\d{2}")
    if county is not None and county != uc and bool(tract_like[ids.ne("")].all()):
        counties = (
            df[county].fillna("").astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
        )
        if bool(counties.str.fullmatch(r"\d{4,5}").all()):
            tract = ids.str.replace(".", "", regex=False).str.zfill(6)
            ids = counties.str.zfill(5) + tract
            log.info("%s: tract ids built from county and tract columns (Geocorr)", file)
    if units is not None:
        ids = pad_ids(ids, units.index)
    return ids


def pad_ids(ids: pd.Series, known: pd.Index) -> pd.Series:
    """Give back the leading zeros a spreadsheet took from numeric unit ids.

    When every known id is digits of one width (Census GEOIDs), an all-digit id that is
    shorter (or ends in ``.0``, a spreadsheet float) is padded with zeros to that width.

    Parameters
    ----------
    ids : pandas.Series
        Ids as read (strings).
    known : pandas.Index
        The study units' ids.

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> raw = pd.Series(["1001020100", "01001020200.0", "x"])
    >>> pad_ids(raw, pd.Index(["01001020100"])).tolist()
    ['01001020100', '01001020200', 'x']
    """
    ids = ids.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
    want = known.astype(str)
    if len(want) and bool(want.str.fullmatch(r"\d+").all()) and want.str.len().nunique() == 1:
        width = int(want.str.len()[0])
        short = ids.str.fullmatch(r"\d+").fillna(False) & (ids.str.len() < width)
        ids = ids.where(~short, ids.str.zfill(width))
    return ids


def _complete(inside: pd.DataFrame, zctas: Sequence[str]) -> pd.DataFrame:
    """Add the outside share of each ZCTA so its weights add up to exactly 1."""
    inside = inside[inside["weight"] > 0]
    rest = 1.0 - inside.groupby("zcta")["weight"].sum().reindex(zctas).fillna(0.0)
    outside = pd.DataFrame({"zcta": rest.index, "unit_id": OUTSIDE, "weight": rest.to_numpy()})
    outside = outside[outside["weight"] >= ROUNDING]
    out = pd.concat([inside[CROSSWALK_COLUMNS], outside], ignore_index=True)
    out["weight"] = out["weight"] / out.groupby("zcta")["weight"].transform("sum")
    return out.sort_values(["zcta", "unit_id"], ignore_index=True)


def apportion(
    frame: pd.DataFrame,
    crosswalk: pd.DataFrame,
    *,
    zcta: str,
    columns: Sequence[str],
    integer: bool = False,
) -> pd.DataFrame:
    """Spread each row's values over the units of its ZCTA.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per ZCTA (or ZCTA × category) with numeric ``columns``; other columns
        are carried along.
    crosswalk : pandas.DataFrame
        From :func:`read_crosswalk` or :func:`areal_crosswalk`.
    zcta : str
        Column of ``frame`` holding 5-digit ZIP codes, all present in the crosswalk.
    columns : sequence of str
        Values to spread (counts, dollars).
    integer : bool
        Keep counts whole: each row's count is split with the largest remainder method,
        so every unit gets a whole number and the parts add up to the row's count.

    Returns
    -------
    pandas.DataFrame
        One row per input row × unit, ``unit_id`` ``""`` for the outside share, the
        carried columns, the spread ``columns`` and ``row`` (the input row's index).
        Column sums equal the input's (exactly for ``integer=True``).

    Examples
    --------
    >>> cw = pd.DataFrame({"zcta": ["10451"] * 3, "unit_id": ["a", "b", ""],
    ...                    "weight": [0.5, 0.3, 0.2]})
    >>> out = apportion(pd.DataFrame({"zip": ["10451"], "n": [7]}), cw, zcta="zip",
    ...                 columns=["n"], integer=True)
    >>> out[["unit_id", "n"]].values.tolist()
    [['a', 4], ['b', 2], ['', 1]]
    """
    missing = sorted(set(frame[zcta]) - set(crosswalk["zcta"]))
    if missing:
        msg = f"ZIP codes not in the crosswalk: {missing[:20]}"
        raise InputError(msg, column=zcta)
    left = frame.reset_index(names="row")
    cw = crosswalk.rename(columns={"zcta": zcta})
    order = pd.Series(np.arange(len(cw)), index=cw.index)
    cw = cw.assign(_order=np.where(cw["unit_id"] == OUTSIDE, len(cw), order))
    m = left.merge(cw, on=zcta, how="left", sort=False)
    for c in columns:
        value = pd.to_numeric(m[c], errors="coerce").astype(float)
        share = value * m["weight"]
        if not integer:
            m[c] = share
            continue
        base = np.floor(share + 1e-9)
        short = (value.round() - base.groupby(m["row"]).transform("sum")).round()
        rank = (
            pd.DataFrame({"row": m["row"], "rem": base - share, "o": m["_order"]})
            .sort_values(["row", "rem", "o"], kind="stable")
            .groupby("row")
            .cumcount()
            .reindex(m.index)
        )
        m[c] = (base + (rank < short)).astype(int)
    keep = [c for c in left.columns if c not in columns and c != zcta]
    return m[[*keep, zcta, "unit_id", *columns]].reset_index(drop=True)


def areal_crosswalk(
    zones: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    zone_id: str,
    population: gpd.GeoDataFrame | None = None,
    population_column: str = "population",
) -> pd.DataFrame:
    """Build a crosswalk from ZCTA polygons: by residents where known, else by area.

    By area, a zone's weight for a unit is the share of the zone's area inside it (the
    share beyond the units stays outside the region): the same apportioning as PySAL
    tobler's ``area_interpolate(..., allocate_total=False)`` for counts, which the tests
    use as their oracle; here it is a reusable table, applied by :func:`apportion`.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        ZCTA (or other zone) polygons with an id column.
    units : geopandas.GeoDataFrame
        Study units.
    zone_id : str
        Column of ``zones`` with the ZIP code.
    population : geopandas.GeoDataFrame, optional
        Points carrying residents (census block centroids, tax lots with residential
        units): a zone's weight for a unit is the share of its points' population in
        the unit (dasymetric weighting). Zones without any population fall back to
        area.
    population_column : str
        Column of ``population`` with the number of residents.

    Returns
    -------
    pandas.DataFrame
        ``zcta``, ``unit_id``, ``weight`` (each zone's weights add up to 1, with the
        share outside the units under ``unit_id == ""``) and ``method``
        (``"population"`` or ``"area"``).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> u = gpd.GeoDataFrame({"population": [1, 1]}, index=pd.Index(["a", "b"],
    ...     name="unit_id"), geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:32618")
    >>> z = gpd.GeoDataFrame({"zip": ["10451"]}, geometry=[box(0.5, 0, 2.5, 1)],
    ...     crs="EPSG:32618")
    >>> areal_crosswalk(z, u, zone_id="zip").round(6)[["unit_id", "weight"]].values.tolist()
    [['', 0.25], ['a', 0.25], ['b', 0.5]]
    """
    crs = measure_crs(units)
    z = gpd.GeoDataFrame(
        {"zcta": normalise_zip(zones[zone_id].astype(str)).to_numpy()},
        geometry=zones.geometry.to_crs(crs).to_numpy(),
        crs=crs,
    )
    if (z["zcta"] == "").any():
        msg = f"zones have values in {zone_id!r} that are not ZIP codes"
        raise InputError(msg, column=zone_id)
    u = gpd.GeoDataFrame(
        {"unit_id": units.index.astype(str)}, geometry=units.geometry.to_crs(crs).to_numpy()
    ).set_crs(crs)
    parts = gpd.overlay(z, u, how="intersection", keep_geom_type=True)
    parts["area"] = parts.area
    zone_area = z.dissolve("zcta").area
    area = parts.groupby(["zcta", "unit_id"], as_index=False)["area"].sum()
    area["weight"] = area["area"] / area["zcta"].map(zone_area)
    area["method"] = "area"
    out = area[["zcta", "unit_id", "weight", "method"]]
    if population is not None:
        pts = gpd.GeoDataFrame(
            {"pop": pd.to_numeric(population[population_column], errors="coerce").fillna(0)},
            geometry=population.geometry.to_crs(crs).to_numpy(),
            crs=crs,
        )
        pts = gpd.sjoin(pts, z, how="inner", predicate="within").drop(columns="index_right")
        pts = pts[~pts.index.duplicated()]
        pts = gpd.sjoin(pts, u, how="left", predicate="within")
        pts = pts[~pts.index.duplicated()]
        pts["unit_id"] = pts["unit_id"].fillna(OUTSIDE)
        by = pts.groupby(["zcta", "unit_id"], as_index=False)["pop"].sum()
        tot = by.groupby("zcta")["pop"].transform("sum")
        by = by[tot > 0].assign(weight=by["pop"] / tot)
        by["method"] = "population"
        out = pd.concat([by[out.columns], out[~out["zcta"].isin(by["zcta"])]], ignore_index=True)
    done = _complete(out[out["unit_id"] != OUTSIDE], sorted(set(z["zcta"])))
    method = out.drop_duplicates("zcta").set_index("zcta")["method"]
    done["method"] = done["zcta"].map(method).fillna("area")
    return done
