"""Study units (tracts, block groups, neighbourhoods) with their population.

Units are stored in EPSG:4326 and measured in a projected CRS chosen for the region
(UTM zone from :meth:`geopandas.GeoDataFrame.estimate_utm_crs`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from assetmap._units_checks import check_lonlat, repair_rings, warn_overlaps
from assetmap.errors import InputError

__all__ = [
    "POINT_COLUMNS",
    "check_population",
    "check_population_points",
    "measure_crs",
    "origins",
    "read_population_points",
    "read_units",
    "validate_units",
]

STORE_CRS = "EPSG:4326"


def read_units(
    path: str | Path,
    *,
    id: str = "unit_id",  # noqa: A002 - the project YAML key is "id"
    name: str | None = "name",
    population: str = "population",
    layer: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read study units from any file GDAL reads (GeoJSON, GeoPackage, Shapefile, …).

    Parameters
    ----------
    path : str or Path
        The file.
    id, name, population : str
        Column names in the file for the unit id, its display name and its population.
        ``name`` may be None, in which case the id is used.
    layer : str, optional
        Layer of a multi-layer file (GeoPackage).
    crs : str, optional
        The CRS of the file's coordinates (``"EPSG:2263"``), when the file does not say
        or says wrongly (a GeoJSON is read as EPSG:4326 whatever its numbers).

    Returns
    -------
    geopandas.GeoDataFrame
        Units: index ``unit_id`` (string), columns ``name``, ``population`` and every
        other column of the file, polygon geometry in EPSG:4326.

    Raises
    ------
    InputError
        When the file cannot be read, lacks a CRS or a named column, or has duplicate ids,
        empty or non-polygon geometry (the message names the row).

    Examples
    --------
    >>> import assetmap as am
    >>> from assetmap._resources import sample_dir
    >>> units = am.read_units(sample_dir() / "units.geojson")
    >>> units.index.name
    'unit_id'
    """
    p = Path(path)
    if not p.exists():
        msg = "file not found"
        raise InputError(msg, file=str(path))
    try:
        gdf = gpd.read_file(p, layer=layer) if layer else gpd.read_file(p)
    except Exception as exc:
        msg = f"cannot read as a spatial file ({exc})"
        raise InputError(msg, file=str(path)) from exc
    if crs is not None:
        gdf = gdf.set_crs(crs, allow_override=True)
    if gdf.crs is None:
        msg = (
            "the file has no coordinate reference system; save it with one "
            '(e.g. EPSG:4326) or name it in the project: units: {path: ..., crs: "EPSG:4326"}'
        )
        raise InputError(msg, file=str(path))
    for col in (id, population) + ((name,) if name else ()):
        if col not in gdf.columns:
            msg = f"column not found; the file has {', '.join(map(str, gdf.columns))}"
            if col == population and {"GEOID", "ALAND"} <= set(map(str, gdf.columns)):
                msg += (
                    ". Census boundary files carry no population: `assetmap fetch` gathers "
                    "the same units with ACS estimates, or join a population column first"
                )
            raise InputError(msg, file=str(path), column=col)
    gdf = gdf.rename(columns={id: "unit_id", population: "population"})
    if name and name != "name":
        gdf = gdf.rename(columns={name: "name"})
    if not name:
        gdf["name"] = gdf["unit_id"]
    names = {"unit_id": id, "population": population, "name": name or id}
    return validate_units(gdf, file=str(path), names=names)


def validate_units(
    gdf: gpd.GeoDataFrame,
    *,
    file: str | None = None,
    names: dict[str, str] | None = None,
    overlap_tolerance: float = 0.01,
) -> gpd.GeoDataFrame:
    """Check a Units frame against the contract and return it normalised.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        With a ``unit_id`` column or index, ``name``, ``population`` and polygons.
    file : str, optional
        Named in error messages.
    names : dict, optional
        The file's own column names for ``unit_id``, ``name`` and ``population``, so
        that messages name the column the user sees.
    overlap_tolerance : float
        Share of the smaller unit's area two units may overlap before a warning names
        them (default 1%; see :mod:`assetmap._units_checks` for why a warning).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by string ``unit_id``, in EPSG:4326, population as float. Invalid outlines
        (a bow-tie) are repaired with a warning naming the units; overlapping pairs are
        named in a warning and kept in ``attrs["overlaps"]``.

    Raises
    ------
    InputError
        When a unit's id, geometry or population is missing or wrong; a missing or
        negative population names the units (:func:`check_population`); when every
        population is 0; when coordinates said to be degrees are out of range (the
        file's CRS is missing or wrong).
    """
    gdf = gdf.copy()
    if "unit_id" in gdf.columns:
        gdf = gdf.set_index("unit_id")
    if gdf.index.name != "unit_id":
        msg = "units need a 'unit_id' column or index"
        raise InputError(msg, file=file, column="unit_id")
    if gdf.crs is None:
        msg = "units have no CRS; set one with GeoDataFrame.set_crs"
        raise InputError(msg, file=file)
    ids = gdf.index.to_series()
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0]) + 2
        msg = "unit id is empty"
        raise InputError(msg, file=file, row=row, column=(names or {}).get("unit_id", "unit_id"))
    gdf.index = gdf.index.astype(str)
    dup = gdf.index.duplicated(keep=False)
    if dup.any():
        rows = [int(i) + 2 for i in np.flatnonzero(dup)][:5]
        msg = f"unit id {gdf.index[dup][0]!r} appears more than once (rows {rows})"
        raise InputError(
            msg, file=file, row=rows[0], column=(names or {}).get("unit_id", "unit_id")
        )
    geom = gdf.geometry
    bad = geom.isna() | geom.is_empty
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        msg = "unit has no geometry"
        raise InputError(msg, file=file, row=row, column="geometry")
    poly = geom.geom_type.isin(["Polygon", "MultiPolygon"])
    if not poly.all():
        row = int(np.flatnonzero(~poly.to_numpy())[0]) + 2
        msg = f"units must be polygons, found {geom[~poly].iloc[0].geom_type}"
        raise InputError(msg, file=file, row=row, column="geometry")
    check_lonlat(gdf, file=file)
    gdf = repair_rings(gdf, file=file)
    if "population" not in gdf.columns:
        msg = "units need a 'population' column"
        raise InputError(msg, file=file, column="population")
    raw_pop = gdf["population"]
    if not pd.api.types.is_numeric_dtype(raw_pop):
        # Spreadsheet exports write "1,234" or " 1 234 "; a thousands separator is not
        # a reason to refuse a population.
        raw_pop = raw_pop.map(
            lambda v: (
                v.strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
                if isinstance(v, str)
                else v
            )
        ).replace("", np.nan)
    pop = pd.to_numeric(raw_pop, errors="coerce")
    column = (names or {}).get("population", "population")
    bad_pop = pop.isna() & raw_pop.notna()
    if bad_pop.any():
        row = int(np.flatnonzero(bad_pop.to_numpy())[0]) + 2
        value = gdf["population"][bad_pop].iloc[0]
        msg = f"population must be a non-negative number, found {value!r}"
        raise InputError(msg, file=file, row=row, column=column)
    gdf["population"] = pop.astype(float)
    check_population(gdf, file=file, column=column)
    if len(gdf) and not (gdf["population"] > 0).any():
        msg = (
            f"every unit has a population of 0 ({len(gdf):,} units), so no resident could be "
            "counted; give each unit its number of residents (is the column the right one?)"
        )
        raise InputError(msg, file=file, column=column)
    if "name" not in gdf.columns:
        gdf["name"] = gdf.index
    gdf["name"] = gdf["name"].fillna("").astype(str)
    if not pyproj.CRS(gdf.crs).equals(pyproj.CRS(STORE_CRS)):
        gdf = gdf.to_crs(STORE_CRS)
    gdf.attrs["overlaps"] = warn_overlaps(gdf, tolerance=overlap_tolerance, file=file)
    return gdf


def check_population(
    units: pd.DataFrame, *, file: str | None = None, column: str = "population"
) -> None:
    """Raise unless every unit has a population that is a number of zero or more.

    A missing (NaN) or negative population would otherwise count as no residents and
    hide a neighbourhood from every finding, so it is refused with the units named.

    Parameters
    ----------
    units : pandas.DataFrame
        Units indexed by ``unit_id`` with a ``population`` column.
    file : str, optional
        Named in the error.
    column : str
        The population column's name as the user sees it, for the error.

    Raises
    ------
    InputError
        Naming up to five units by id (and name) for each problem, and how many in all.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"name": ["A", "B"], "population": [10.0, float("nan")]},
    ...                      index=pd.Index(["u1", "u2"], name="unit_id"))
    >>> try:
    ...     check_population(units)
    ... except InputError as err:
    ...     print(err)  # doctest: +NORMALIZE_WHITESPACE
    column 'population': 1 unit has no population: 'u2' (B); give each unit its number of
    residents (0 for a park, cemetery or airport)
    """
    if "population" not in units.columns:
        msg = "units need a 'population' column"
        raise InputError(msg, file=file, column=column)
    pop = pd.to_numeric(units["population"], errors="coerce")
    problems = []
    for bad, what in ((pop.isna(), "no population"), (pop < 0, "a negative population")):
        if not bad.any():
            continue
        ids = units.index[bad.to_numpy()].astype(str)
        names = units["name"][bad.to_numpy()].astype(str) if "name" in units.columns else ids
        shown = ", ".join(
            f"{i!r} ({n})" if n not in {"", i} else repr(i)
            for i, n in zip(ids[:5], names[:5], strict=True)
        )
        more = f" and {len(ids) - 5:,} more" if len(ids) > 5 else ""
        verb = "units have" if len(ids) > 1 else "unit has"
        problems.append(f"{len(ids):,} {verb} {what}: {shown}{more}")
    if problems:
        msg = (
            f"{'; '.join(problems)}; give each unit its number of residents "
            "(0 for a park, cemetery or airport)"
        )
        raise InputError(msg, file=file, column=column)


def measure_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """Return the projected CRS (UTM zone) used to measure distances in a region.

    Examples
    --------
    >>> import assetmap as am
    >>> measure_crs(am.load_sample().units).to_epsg()
    32618
    """
    crs: pyproj.CRS | None = gdf.estimate_utm_crs()
    if crs is None:  # pragma: no cover - only for empty frames
        msg = "cannot choose a projected CRS for an empty region"
        raise InputError(msg)
    return crs


def origins(
    units: gpd.GeoDataFrame,
    crs: pyproj.CRS | None = None,
    *,
    finer: gpd.GeoDataFrame | None = None,
    population: str = "population",
) -> gpd.GeoSeries:
    """Return one origin point per unit, always inside the unit.

    Without ``finer``, the centroid is used when it falls inside the unit; otherwise
    (concave or multi-part units) the unit's representative point, which shapely
    guarantees to lie within it.

    With ``finer`` units carrying population (block groups inside tracts, blocks inside
    block groups), the origin is the population-weighted mean of the finer units' points
    (their own inside points), where people actually live rather than the geometric
    middle (the "population-weighted centroid" of the US Census Bureau's centers of
    population). When that mean falls outside a concave unit, the finer point nearest
    to it is used instead, so the origin stays inside. Units with no populated finer unit
    keep the default origin.

    Parameters
    ----------
    units : geopandas.GeoDataFrame
    crs : pyproj.CRS, optional
        CRS of the returned points; the units' own CRS when omitted.
    finer : geopandas.GeoDataFrame, optional
        Smaller areas (polygons or points) with a ``population`` column. A ``unit_id``
        column links each to its unit; without it each is assigned to the unit that
        contains its inside point.
    population : str
        Population column of ``finer``.

    Returns
    -------
    geopandas.GeoSeries
        Points on the units' index.

    Examples
    --------
    >>> import assetmap as am
    >>> units = am.load_sample().units
    >>> crs = measure_crs(units)
    >>> bool(origins(units, crs).within(units.geometry.to_crs(crs)).all())
    True
    """
    g = units.geometry if crs is None else units.geometry.to_crs(crs)
    cent = g.centroid
    inside = cent.within(g)
    pts = gpd.GeoSeries(cent.where(inside, g.representative_point()), index=units.index, crs=g.crs)
    if finer is None:
        return pts
    return _population_weighted(pts, g, finer, population)


def _population_weighted(
    pts: gpd.GeoSeries, g: gpd.GeoSeries, finer: gpd.GeoDataFrame, population: str
) -> gpd.GeoSeries:
    if finer.crs is None:
        msg = "finer units have no CRS; set one with GeoDataFrame.set_crs"
        raise InputError(msg, column="geometry")
    if population not in finer.columns:
        msg = f"finer units need a {population!r} column to weight origins"
        raise InputError(msg, column=population)
    f = finer.to_crs(g.crs)
    fp = f.geometry.where(f.geom_type == "Point", f.geometry.representative_point())
    pop = pd.to_numeric(f[population], errors="coerce").fillna(0).to_numpy(float)
    if "unit_id" in f.columns:
        owner = f["unit_id"].astype(str).to_numpy()
    else:
        tree = g.sindex
        fi, ui = tree.query(fp.to_numpy(), predicate="within")
        owner = np.full(len(f), None, dtype=object)
        owner[fi] = np.asarray(g.index.astype(str))[ui]
    keep = (pop > 0) & pd.notna(owner)
    df = pd.DataFrame(
        {
            "unit": owner[keep],
            "x": fp.x.to_numpy()[keep],
            "y": fp.y.to_numpy()[keep],
            "w": pop[keep],
        }
    )
    if df.empty:
        return pts
    df["wx"], df["wy"] = df["x"] * df["w"], df["y"] * df["w"]
    sums = df.groupby("unit")[["wx", "wy", "w"]].sum()
    mean = pd.DataFrame({"x": sums["wx"] / sums["w"], "y": sums["wy"] / sums["w"]})
    out = pts.copy()
    str_index = pd.Index(pts.index.astype(str))
    for uid, row in mean.iterrows():
        if uid not in str_index:
            continue
        pos = str_index.get_loc(uid)
        p = shapely.Point(row["x"], row["y"])
        if g.iloc[pos].contains(p):
            out.iloc[pos] = p
        else:  # concave unit: the populated finer point nearest the weighted mean
            cand = df[df["unit"] == uid]
            k = int(np.argmin(np.hypot(cand["x"] - row["x"], cand["y"] - row["y"])))
            out.iloc[pos] = shapely.Point(cand["x"].iloc[k], cand["y"].iloc[k])
    return out


#: Columns of a Population points frame (besides the point geometry).
POINT_COLUMNS = ["unit_id", "population"]


def read_population_points(
    path: str | Path,
    *,
    units: pd.DataFrame | None = None,
    unit_id: str = "unit_id",
    population: str = "population",
    longitude: str = "longitude",
    latitude: str = "latitude",
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read population points: where the residents of each unit live, finer than the units.

    A CSV gives one row per point with its unit, residents, longitude and latitude
    (EPSG:4326); any spatial file GDAL reads gives point geometries (polygons, such as
    blocks, stand at their inside point).

    Parameters
    ----------
    path : str or Path
        The file.
    units : pandas.DataFrame, optional
        The study's units (index ``unit_id``): every point must name one of them.
    unit_id, population, longitude, latitude : str
        Column names in the file (``longitude``/``latitude`` for a CSV only).
    layer : str, optional
        Layer of a multi-layer file (GeoPackage).

    Returns
    -------
    geopandas.GeoDataFrame
        Population points: ``unit_id`` (string), ``population`` (float), point geometry
        in EPSG:4326, one row per point in file order.

    Raises
    ------
    InputError
        When the file cannot be read or lacks a column, or a row has no coordinates, a
        missing or negative population, or a unit not among ``units`` (the row is named).

    Examples
    --------
    >>> from assetmap._resources import sample_dir
    >>> pts = read_population_points(sample_dir() / "population_points.csv")
    >>> pts.columns.tolist(), str(pts.crs)
    (['unit_id', 'population', 'geometry'], 'EPSG:4326')
    """
    p = Path(path)
    if not p.exists():
        msg = "file not found"
        raise InputError(msg, file=str(path))
    if p.suffix.lower() in {".csv", ".txt"}:
        frame = _points_csv(p, unit_id, population, longitude, latitude)
    else:
        try:
            frame = gpd.read_file(p, layer=layer) if layer else gpd.read_file(p)
        except Exception as exc:
            msg = f"cannot read as a spatial file ({exc})"
            raise InputError(msg, file=str(path)) from exc
        if frame.crs is None:
            msg = "the file has no coordinate reference system; save it with one (EPSG:4326)"
            raise InputError(msg, file=str(path))
        for col in (unit_id, population):
            if col not in frame.columns:
                msg = f"no {col!r} column; name the column with unit_id= or population="
                raise InputError(msg, file=str(path), column=col)
        geom = frame.geometry.to_crs(STORE_CRS)
        geom = geom.where(geom.geom_type == "Point", geom.representative_point())
        frame = gpd.GeoDataFrame(
            {"unit_id": frame[unit_id], "population": frame[population]}, geometry=geom
        )
    return check_population_points(frame, units=units, file=str(path))


def _points_csv(p: Path, unit_id: str, population: str, lon: str, lat: str) -> gpd.GeoDataFrame:
    try:
        df = pd.read_csv(p, dtype={unit_id: str})
    except Exception as exc:
        msg = f"cannot read as CSV ({exc})"
        raise InputError(msg, file=str(p)) from exc
    for col in (unit_id, population, lon, lat):
        if col not in df.columns:
            msg = f"no {col!r} column; a points CSV has unit_id, population, longitude, latitude"
            raise InputError(msg, file=str(p), column=col)
    x = pd.to_numeric(df[lon], errors="coerce")
    y = pd.to_numeric(df[lat], errors="coerce")
    bad = x.isna() | y.isna() | ~x.between(-180, 180) | ~y.between(-90, 90)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # 1-based, after the header
        msg = f"{int(bad.sum()):,} row(s) have no valid longitude/latitude in degrees"
        raise InputError(msg, file=str(p), row=row, column=lon)
    return gpd.GeoDataFrame(
        {"unit_id": df[unit_id], "population": df[population]},
        geometry=gpd.points_from_xy(x, y),
        crs=STORE_CRS,
    )


def check_population_points(
    points: gpd.GeoDataFrame, *, units: pd.DataFrame | None = None, file: str | None = None
) -> gpd.GeoDataFrame:
    """Return the population points checked against the contract (a copy, EPSG:4326).

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        ``unit_id``, ``population`` and point geometry with a CRS.
    units : pandas.DataFrame, optional
        The study's units (index ``unit_id``); every point must name one.
    file : str, optional
        Named in errors.

    Returns
    -------
    geopandas.GeoDataFrame
        ``unit_id`` (string), ``population`` (float), point geometry in EPSG:4326.

    Raises
    ------
    InputError
        Naming the first bad row (1-based, as in the file after its header) and column.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame({"unit_id": ["a"], "population": [-1]},
    ...                        geometry=[Point(0, 0)], crs="EPSG:4326")
    >>> try:
    ...     check_population_points(pts)
    ... except InputError as err:
    ...     print(err)  # doctest: +NORMALIZE_WHITESPACE
    row 2, column 'population': 1 point(s) have a missing or negative population; give
    each point its residents (0 or more)
    """
    if points.crs is None:
        msg = "population points need a CRS; set one with GeoDataFrame.set_crs"
        raise InputError(msg, file=file, column="geometry")
    for col in POINT_COLUMNS:
        if col not in points.columns:
            msg = f"population points need a {col!r} column"
            raise InputError(msg, file=file, column=col)
    pop = pd.to_numeric(points["population"], errors="coerce")
    problems = (
        (
            pop.isna() | (pop < 0),
            "population",
            "a missing or negative population",
            "give each point its residents (0 or more)",
        ),
        (
            points.geometry.isna() | (points.geom_type != "Point"),
            "geometry",
            "no point geometry",
            "give each a longitude and latitude",
        ),
        (points["unit_id"].isna(), "unit_id", "no unit", "give each the unit_id it lies in"),
    )
    for bad, col, what, todo in problems:
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            msg = f"{int(bad.sum()):,} point(s) have {what}; {todo}"
            raise InputError(msg, file=file, row=row, column=col)
    ids = points["unit_id"].astype(str)
    if units is not None:
        unknown = ~ids.isin(pd.Index(units.index.astype(str)))
        if unknown.any():
            names = ids[unknown].value_counts()
            shown = ", ".join(f"{k!r} ({v:,})" for k, v in names.head(5).items())
            row = int(np.flatnonzero(unknown.to_numpy())[0]) + 2
            msg = (
                f"{int(unknown.sum()):,} point(s) name units that are not in the study: "
                f"{shown}; drop them or fix their unit_id"
            )
            raise InputError(msg, file=file, row=row, column="unit_id")
    return gpd.GeoDataFrame(
        {"unit_id": ids.to_numpy(), "population": pop.to_numpy(float)},
        geometry=points.geometry.to_crs(STORE_CRS).to_numpy(),
        crs=STORE_CRS,
    )
