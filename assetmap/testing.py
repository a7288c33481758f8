"""Check a user's frames against the contracts of DESIGN.md, with messages that say what differs.

Like :mod:`geopandas.testing`, this module is for users as much as for us: run
``assert_units(my_units)`` in a notebook before a long analysis.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from assetmap.analysis.access import ACCESS_COLUMNS
from assetmap.domains import load_domains
from assetmap.schema import ASSET_COLUMNS, SECTORS

__all__ = ["assert_access", "assert_assets", "assert_units"]


def _fail(what: str, problem: str) -> None:
    msg = f"{what}: {problem}"
    raise AssertionError(msg)


def assert_units(units: gpd.GeoDataFrame) -> None:
    """Assert that ``units`` is a Units frame.

    Index ``unit_id`` of unique strings, columns ``name`` and ``population``
    (non-negative), polygon geometry, EPSG:4326.

    Examples
    --------
    >>> import assetmap as am
    >>> assert_units(am.load_sample().units)
    """
    if not isinstance(units, gpd.GeoDataFrame):
        _fail("units", f"expected a GeoDataFrame, got {type(units).__name__}")
    if units.index.name != "unit_id":
        _fail("units", f"index must be named 'unit_id', is {units.index.name!r}")
    if not units.index.is_unique:
        dup = units.index[units.index.duplicated()][0]
        _fail("units", f"unit_id {dup!r} appears more than once")
    if not all(isinstance(i, str) for i in units.index):
        _fail("units", "unit_id values must be strings (GEOIDs keep their leading zeros)")
    for col in ("name", "population"):
        if col not in units.columns:
            _fail("units", f"column {col!r} is missing")
    pop = pd.to_numeric(units["population"], errors="coerce")
    if (pop < 0).any():
        _fail("units", f"negative population for {list(units.index[pop < 0])[:5]}")
    if units.crs is None or units.crs.to_epsg() != 4326:
        _fail("units", f"CRS must be EPSG:4326, is {units.crs}")
    bad = ~units.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if bad.any():
        _fail("units", f"non-polygon geometry for {list(units.index[bad])[:5]}")


def assert_assets(assets: gpd.GeoDataFrame) -> None:
    """Assert that ``assets`` is an Assets frame.

    Every contract column present, unique ``asset_id``, domains defined in
    ``layers/domains.yml``, sectors from the list, points in EPSG:4326.

    Examples
    --------
    >>> import assetmap as am
    >>> assert_assets(am.load_sample().assets)
    """
    missing = [c for c in ASSET_COLUMNS if c not in assets.columns]
    if missing:
        _fail("assets", f"columns missing: {missing}")
    ids = assets["asset_id"].astype(str)
    if ids.duplicated().any():
        _fail("assets", f"asset_id {ids[ids.duplicated()].iloc[0]!r} appears more than once")
    unknown = sorted(set(assets["domain"]) - set(load_domains()))
    if unknown:
        _fail("assets", f"domains not in layers/domains.yml: {unknown}")
    bad_sector = sorted(set(assets["sector"]) - set(SECTORS))
    if bad_sector:
        _fail("assets", f"sectors not in {SECTORS}: {bad_sector}")
    if assets.crs is None or assets.crs.to_epsg() != 4326:
        _fail("assets", f"CRS must be EPSG:4326, is {assets.crs}")
    if len(assets) and not assets.geometry.geom_type.eq("Point").all():
        _fail("assets", "geometry must be points")


def assert_access(access: pd.DataFrame) -> None:
    """Assert that ``access`` is the long Access table: one row per unit × domain.

    Examples
    --------
    >>> import assetmap as am
    >>> s = am.load_sample()
    >>> assert_access(am.access(s.units, s.assets))
    """
    missing = [c for c in ACCESS_COLUMNS if c not in access.columns]
    if missing:
        _fail("access", f"columns missing: {missing}")
    if access.duplicated(["unit_id", "domain"]).any():
        _fail("access", "more than one row for a unit and domain")
    if (access["count_within"] < 0).any():
        _fail("access", "negative counts")
