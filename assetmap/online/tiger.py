"""Census tract, block-group and place boundaries, downloaded as the Census Bureau's zip files.

Two products, for the same vintage as the ACS estimates:

* ``kind="cb"`` (default): cartographic boundary files, 1:500,000, clipped to the
  shoreline, e.g. ``https://www2.census.gov/geo/tiger/GENZ2023/shp/cb_2023_25_tract_500k.zip``
  (2014 on);
* ``kind="tiger"``: TIGER/Line shapefiles, full resolution, reaching into water, e.g.
  ``https://www2.census.gov/geo/tiger/TIGER2023/TRACT/tl_2023_25_tract.zip`` (2011 on).

The state's file is downloaded once (cached with its checksum; a truncated or
unreadable zip is downloaded again and never cached) and read with pyogrio straight
from the zip, keeping only the county's units (tracts and block groups nest exactly in
counties, so selecting by the GEOID's county code is the clip). Units with no land
(``ALAND == 0``, the "99xxxx" water tracts of coastal counties) are marked
``water_only``. Coordinates are converted from NAD83 to EPSG:4326.

Places (cities, towns, CDPs) come from the state's place file of the same product and
vintage, ``cb_2023_42_place_500k.zip`` or ``TIGER2023/PLACE/tl_2023_42_place.zip``
(:func:`fetch_place`), cached the same way; a study cut down to a place
(:func:`assetmap.online.places.clip_to_place`) reads its outline from there.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from assetmap import settings
from assetmap.errors import ConfigError, FetchError
from assetmap.online._http import HTTPStatusError, download
from assetmap.online.cache import Cache, CacheKey, MissingFromCache

__all__ = [
    "boundary_key",
    "boundary_url",
    "fetch_boundaries",
    "fetch_internal_points",
    "fetch_place",
    "internal_points_key",
    "internal_points_url",
    "place_key",
    "place_url",
    "read_boundaries",
    "read_internal_points",
    "read_place",
]

_CODES = {"tract": ("tract", "TRACT"), "block-group": ("bg", "BG")}
_PLACE = ("place", "PLACE")
CB_FIRST_YEAR = 2014
TIGER_FIRST_YEAR = 2011


def boundary_url(state: str, *, level: str = "tract", year: int = 2023, kind: str = "cb") -> str:
    """URL of the state's boundary zip.

    Examples
    --------
    >>> boundary_url("42", level="tract", year=2023)
    'https://www2.census.gov/geo/tiger/GENZ2023/shp/cb_2023_42_tract_500k.zip'
    >>> boundary_url("42", level="block-group", year=2022, kind="tiger")
    'https://www2.census.gov/geo/tiger/TIGER2022/BG/tl_2022_42_bg.zip'
    """
    if level not in _CODES:
        msg = f"level must be 'tract' or 'block-group', not {level!r}"
        raise ConfigError(msg)
    return _url(state, _CODES[level], year, kind)


def place_url(state: str, *, year: int = 2023, kind: str = "cb") -> str:
    """URL of the zip holding every Census place (city, town, CDP) of a state.

    Examples
    --------
    >>> place_url("42", year=2023)
    'https://www2.census.gov/geo/tiger/GENZ2023/shp/cb_2023_42_place_500k.zip'
    >>> place_url("42", year=2023, kind="tiger")
    'https://www2.census.gov/geo/tiger/TIGER2023/PLACE/tl_2023_42_place.zip'
    """
    return _url(state, _PLACE, year, kind)


def _url(state: str, codes: tuple[str, str], year: int, kind: str) -> str:
    short, folder = codes
    base = settings.tiger_url.rstrip("/")
    y = int(year)
    if kind == "cb":
        if y < CB_FIRST_YEAR:
            msg = (
                f"cartographic boundary files are read from {CB_FIRST_YEAR} on; for {y} use "
                "TIGER/Line files (kind='tiger', --boundaries tiger)"
            )
            raise ConfigError(msg)
        return f"{base}/GENZ{y}/shp/cb_{y}_{state}_{short}_500k.zip"
    if kind == "tiger":
        if y < TIGER_FIRST_YEAR:
            msg = f"TIGER/Line files are read from {TIGER_FIRST_YEAR} on, not {y}"
            raise ConfigError(msg)
        return f"{base}/TIGER{y}/{folder}/tl_{y}_{state}_{short}.zip"
    msg = f"boundary kind must be 'cb' (cartographic boundary) or 'tiger', not {kind!r}"
    raise ConfigError(msg)


def boundary_key(
    state: str, *, level: str = "tract", year: int = 2023, kind: str = "cb"
) -> CacheKey:
    """Cache key of the state's boundary zip."""
    return CacheKey("tiger", str(year), state, f"{kind} {level}", "zip")


def place_key(state: str, *, year: int = 2023, kind: str = "cb") -> CacheKey:
    """Cache key of the state's place zip.

    Examples
    --------
    >>> place_key("42").describe()
    'tiger 2023 42: cb place'
    """
    return CacheKey("tiger", str(year), state, f"{kind} place", "zip")


def _validate_zip(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        bad = z.testzip()
        if bad is not None:
            msg = f"member {bad} of the zip is corrupt"
            raise ValueError(msg)
        names = [n.lower() for n in z.namelist()]
    if not any(n.endswith(".shp") for n in names) or not any(n.endswith(".dbf") for n in names):
        msg = "the zip holds no shapefile"
        raise ValueError(msg)


def _tract_name(tractce: str) -> str:
    base, sub = tractce[:4].lstrip("0") or "0", tractce[4:]
    return f"Census Tract {base}" + (f".{sub}" if sub != "00" else "")


def _read_zip(path: str, where: str, *, file: str) -> gpd.GeoDataFrame:
    """Read the features of a Census zip matching ``where`` (a FetchError when unreadable)."""
    try:
        return gpd.read_file(path, where=where)
    except Exception as exc:
        msg = f"cannot read the {file} file {path} ({exc}); clear it with `assetmap cache clear`"
        raise FetchError(msg) from exc


def read_boundaries(path: str, county: str, *, level: str = "tract") -> gpd.GeoDataFrame:
    """Read one county's units from a Census boundary zip.

    Parameters
    ----------
    path : str
        The zip (cartographic boundary or TIGER/Line).
    county : str
        Five-digit county FIPS code.
    level : {"tract", "block-group"}

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``GEOID``; columns ``name`` ("Census Tract 9501.02", "Block Group 1,
        Census Tract 9501"), ``ALAND`` and ``AWATER`` (m²), ``water_only``; EPSG:4326.
    """
    where = f"STATEFP = '{county[:2]}' AND COUNTYFP = '{county[2:]}'"
    gdf = _read_zip(path, where, file="boundary")
    if len(gdf) == 0:
        msg = f"the boundary file has no {level.replace('-', ' ')}s in county {county}"
        raise FetchError(msg)
    gdf["GEOID"] = gdf["GEOID"].astype(str)
    tract = gdf["TRACTCE"].astype(str).map(_tract_name)
    if level == "block-group":
        name = "Block Group " + gdf["BLKGRPCE"].astype(str) + ", " + tract
    else:
        name = tract
    out = gpd.GeoDataFrame(
        {
            "name": name.to_numpy(),
            "ALAND": pd.to_numeric(gdf["ALAND"], errors="coerce").to_numpy(),
            "AWATER": pd.to_numeric(gdf["AWATER"], errors="coerce").to_numpy(),
        },
        index=pd.Index(gdf["GEOID"].to_numpy(), name="GEOID"),
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    out["water_only"] = out["ALAND"].fillna(0) <= 0
    out = out.to_crs("EPSG:4326").sort_index()
    invalid = ~out.geometry.is_valid
    if invalid.any():
        out.loc[invalid, "geometry"] = shapely.make_valid(out.geometry[invalid].to_numpy())
    return out


def fetch_boundaries(
    county: str,
    *,
    level: str = "tract",
    year: int = 2023,
    kind: str = "cb",
    cache: Cache | None = None,
    offline: bool = False,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """Download (or read from the cache) the boundaries of a county's tracts or block groups.

    Parameters
    ----------
    county : str
        Five-digit county FIPS code.
    level : {"tract", "block-group"}
    year : int
        Vintage, the same as the ACS estimates'.
    kind : {"cb", "tiger"}
        Cartographic boundary (shoreline-clipped) or TIGER/Line files.
    cache : Cache, optional
    offline : bool
        Use only the cache (raise :class:`~assetmap.online.cache.MissingFromCache`).
    progress : bool

    Returns
    -------
    geopandas.GeoDataFrame
        See :func:`read_boundaries`.
    """
    state = county[:2]
    path = _cached_zip(
        boundary_key(state, level=level, year=year, kind=kind),
        lambda: boundary_url(state, level=level, year=year, kind=kind),
        what=f"{year} {level} boundaries of state {state}",
        file=f"{year} {level} boundary file",
        cache=cache,
        offline=offline,
        progress=progress,
    )
    return read_boundaries(str(path), county, level=level)


def _cached_zip(
    key: CacheKey,
    url: Callable[[], str],
    *,
    what: str,
    file: str,
    cache: Cache | None,
    offline: bool,
    progress: bool,
    explain_404: bool = True,
) -> Path:
    """Return the cached zip of ``key``, downloaded (validated, then cached) when missing.

    ``url`` is called only to download; a 404 says the ``file`` of that vintage is not
    published yet (with ``explain_404=False``, the HTTP error is raised as it is).
    """
    cache = cache or Cache()
    path = cache.get(key)
    if path is not None:
        return path
    if offline:
        msg = f"Offline, and the {what} are not cached"
        raise MissingFromCache(msg, [key])
    where = url()
    try:
        got = download(where, what=what, validate=_validate_zip, progress=progress)
    except HTTPStatusError as exc:
        if exc.status == 404 and explain_404:
            msg = (
                f"The Census Bureau has no {file} at {where}: that vintage is not "
                "published yet. Choose an earlier --year."
            )
            raise ConfigError(msg) from None
        raise
    return cache.put_bytes(
        key,
        got.content,
        url=got.url,
        retrieved=got.retrieved,
        content_type=got.content_type,
        licence="public domain (US Census Bureau)",
    )


def read_place(path: str, geoid: str) -> gpd.GeoDataFrame:
    """Read one place's outline from a Census place zip.

    Parameters
    ----------
    path : str
        The state's place zip (cartographic boundary or TIGER/Line).
    geoid : str
        Seven digits, state and place ("4263624").

    Returns
    -------
    geopandas.GeoDataFrame
        One row indexed by ``GEOID``: ``name`` ("Reading city"), ``ALAND``, ``AWATER``
        (m²) and the outline (a place may be in several pieces), EPSG:4326.

    Examples
    --------
    >>> read_place("cb_2023_42_place_500k.zip", "4263624").loc["4263624", "name"]  # doctest: +SKIP
    'Reading city'
    """
    if not (len(geoid) == 7 and geoid.isdigit()):
        msg = f"a Census place code has seven digits (state and place), not {geoid!r}"
        raise ConfigError(msg)
    gdf = _read_zip(path, f"GEOID = '{geoid}'", file="place")
    if len(gdf) == 0:
        msg = f"the place file {path} has no place {geoid}; check the place code and --year"
        raise FetchError(msg)
    names = gdf["NAMELSAD"] if "NAMELSAD" in gdf else gdf["NAME"]  # older cb files: no NAMELSAD
    geom = shapely.make_valid(shapely.union_all(gdf.geometry.to_numpy()))
    out = gpd.GeoDataFrame(
        {
            "name": [str(names.iloc[0])],
            "ALAND": [pd.to_numeric(gdf["ALAND"], errors="coerce").sum()],
            "AWATER": [pd.to_numeric(gdf["AWATER"], errors="coerce").sum()],
        },
        index=pd.Index([geoid], name="GEOID"),
        geometry=[geom],
        crs=gdf.crs,
    )
    return out.to_crs("EPSG:4326")


def fetch_place(
    geoid: str,
    *,
    year: int = 2023,
    kind: str = "cb",
    cache: Cache | None = None,
    offline: bool = False,
    progress: bool = False,
) -> gpd.GeoDataFrame:
    """Download (or read from the cache) the outline of a Census place.

    The state's whole place file is downloaded once and cached, like the tract and
    block-group files.

    Parameters
    ----------
    geoid : str
        Seven digits, state and place ("4263624").
    year : int
        Vintage, the same as the units'.
    kind, cache, offline, progress
        As in :func:`fetch_boundaries`.

    Returns
    -------
    geopandas.GeoDataFrame
        See :func:`read_place`.

    Examples
    --------
    >>> reading = fetch_place("4263624", year=2023)  # doctest: +SKIP
    >>> reading.loc["4263624", "name"]  # doctest: +SKIP
    'Reading city'
    """
    state = geoid[:2]
    path = _cached_zip(
        place_key(state, year=year, kind=kind),
        lambda: place_url(state, year=year, kind=kind),
        what=f"{year} place boundaries of state {state} (for place {geoid})",
        file=f"{year} place boundary file",
        cache=cache,
        offline=offline,
        progress=progress,
    )
    return read_place(str(path), geoid)


#: The vintage of the block and block-group internal points (the 2020 Census blocks).
POINTS_YEAR = 2020
_POINT_FIELDS = {  # level: (the file's GEOID, latitude, longitude and county fields)
    "block": ("GEOID20", "INTPTLAT20", "INTPTLON20", "COUNTYFP20"),
    "block-group": ("GEOID", "INTPTLAT", "INTPTLON", "COUNTYFP"),
}


def internal_points_url(state: str, *, level: str = "block") -> str:
    """URL of the state's 2020 TIGER/Line blocks (or block groups), with internal points.

    Examples
    --------
    >>> internal_points_url("25")
    'https://www2.census.gov/geo/tiger/TIGER2020/TABBLOCK20/tl_2020_25_tabblock20.zip'
    >>> internal_points_url("25", level="block-group")
    'https://www2.census.gov/geo/tiger/TIGER2020/BG/tl_2020_25_bg.zip'
    """
    if level == "block":
        base = settings.tiger_url.rstrip("/")
        return f"{base}/TIGER{POINTS_YEAR}/TABBLOCK20/tl_{POINTS_YEAR}_{state}_tabblock20.zip"
    return boundary_url(state, level=level, year=POINTS_YEAR, kind="tiger")


def internal_points_key(state: str, *, level: str = "block") -> CacheKey:
    """Cache key of :func:`internal_points_url` (block groups: the TIGER/Line boundary file).

    Examples
    --------
    >>> internal_points_key("25").describe()
    'tiger 2020 25: tiger tabblock20'
    """
    if level == "block":
        return CacheKey("tiger", str(POINTS_YEAR), state, "tiger tabblock20", "zip")
    return boundary_key(state, level=level, year=POINTS_YEAR, kind="tiger")


def read_internal_points(path: str, county: str, *, level: str = "block") -> pd.DataFrame:
    """Read the internal points of one county's blocks (or block groups) from a TIGER zip.

    Only the GEOID and the internal point are read, only of the county's rows (a state's
    block file is large): no geometry.

    Parameters
    ----------
    path : str
        The state's ``tl_2020_SS_tabblock20.zip`` (or ``tl_2020_SS_bg.zip``).
    county : str
        Five-digit county FIPS code.
    level : {"block", "block-group"}

    Returns
    -------
    pandas.DataFrame
        Indexed by ``GEOID`` (15 digits for blocks, 12 for block groups), sorted;
        ``longitude`` and ``latitude`` (EPSG:4269 as published, which is EPSG:4326 to
        within a metre in the US).

    Examples
    --------
    >>> read_internal_points("tl_2020_25_tabblock20.zip", "25019")  # doctest: +SKIP
    """
    import pyogrio

    if level not in _POINT_FIELDS:
        msg = f"internal points are read for 'block' or 'block-group', not {level!r}"
        raise ConfigError(msg)
    geoid, lat, lon, cty = _POINT_FIELDS[level]
    try:
        df = pyogrio.read_dataframe(
            path,  # the filter's field must be read too, or OGR matches nothing
            columns=[geoid, lat, lon, cty],
            where=f"{cty} = '{county[2:]}'",
            read_geometry=False,
        )
    except Exception as exc:
        msg = f"cannot read the TIGER/Line file {path} ({exc}); run `assetmap cache clear`"
        raise FetchError(msg) from exc
    ids = df[geoid].astype(str)
    out = pd.DataFrame(
        {
            "longitude": pd.to_numeric(df[lon], errors="coerce").to_numpy(),
            "latitude": pd.to_numeric(df[lat], errors="coerce").to_numpy(),
        },
        index=pd.Index(ids.to_numpy(), name="GEOID"),
    )
    bad = out.index[out.isna().any(axis=1) | ~ids.str.startswith(county).to_numpy()]
    if len(bad):
        msg = f"the TIGER/Line file {path} has unreadable internal points for {list(bad)[:5]}"
        raise FetchError(msg)
    return out.sort_index()


def fetch_internal_points(
    county: str,
    *,
    level: str = "block",
    cache: Cache | None = None,
    offline: bool = False,
    progress: bool = False,
) -> pd.DataFrame:
    """Download (or read from the cache) the internal points of a county's 2020 blocks.

    The state's TIGER/Line file is downloaded once and cached, like the boundary files.

    Parameters
    ----------
    county : str
        Five-digit county FIPS code.
    level : {"block", "block-group"}
    cache, offline, progress
        As in :func:`fetch_boundaries`.

    Returns
    -------
    pandas.DataFrame
        See :func:`read_internal_points`.

    Raises
    ------
    HTTPStatusError
        When the Census Bureau has no such file (404) or refuses it.
    """
    state = county[:2]
    words = "blocks" if level == "block" else "block groups"
    path = _cached_zip(
        internal_points_key(state, level=level),
        lambda: internal_points_url(state, level=level),
        what=f"{POINTS_YEAR} TIGER/Line {words} of state {state}",
        file=f"{POINTS_YEAR} TIGER/Line {words} file",
        cache=cache,
        offline=offline,
        progress=progress,
        explain_404=False,
    )
    return read_internal_points(str(path), county, level=level)
