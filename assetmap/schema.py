"""The contracts every stage meets: the Assets columns, the sectors, the rows set aside.

A leaf module: it imports nothing of assetmap's, so readers, online sources and the
analysis can all import it without importing one another. :mod:`assetmap.assets`
re-exports these names (``am.rejected_rows`` and ``assetmap.assets.ASSET_COLUMNS`` keep
working).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

__all__ = [
    "ASSET_COLUMNS",
    "OPTIONAL_COLUMNS",
    "REJECTED_COLUMNS",
    "SECTORS",
    "empty_assets",
    "rejected_rows",
]

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

#: Columns an Assets frame may have, with what they mean. ``service_type`` is the kind of
#: service within the domain (an HSDS taxonomy code, the OpenStreetMap tag value that
#: matched, or a ``service_type`` column of the user's file); overlaps compare services of
#: one type, and services without one by their domain.
OPTIONAL_COLUMNS = {
    "service_type": "the kind of service within the domain (taxonomy code, OSM tag, or as written)",
}

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

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        Assets as a reader (or :func:`assetmap.combine`) returned them.

    Returns
    -------
    pandas.DataFrame
        One row per row set aside, columns :data:`REJECTED_COLUMNS`.

    Examples
    --------
    >>> rejected_rows(empty_assets()).columns.tolist()
    ['source', 'file', 'row', 'column', 'value', 'problem']
    """
    rej = assets.attrs.get("rejected") or []
    return pd.DataFrame(list(rej), columns=REJECTED_COLUMNS)
