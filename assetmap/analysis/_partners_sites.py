"""The places that could close a gap, in one table, for :mod:`assetmap.analysis.partners`.

Services of the inventory (a provider of the gap's domain, or an organisation of another
domain that could host it), the hospital's shareable spaces and community spaces, each
with an id, a name, the organisation to call, the domains it could host and its
coordinates in the study's working CRS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from assetmap.analysis._costs import point_xy
from assetmap.domains import Domain, Domains, load_domains, parse_hosts

__all__ = ["SITE_COLUMNS", "host_pairs", "site_table", "table_domains"]

#: Columns of :func:`site_table`.
SITE_COLUMNS = [
    "partner_id",
    "partner",
    "organisation",
    "source",
    "site_domain",
    "space_type",
    "hosts_cell",
    "x",
    "y",
]


def table_domains(domains: Mapping[str, Domain]) -> Domains:
    """Return ``domains`` when it carries the tables of ``domains.yml``, else the shipped ones.

    A plain dict of domains (no ``co_locate``/``community_hosts``/``space_hosts`` tables of
    its own) uses the tables of the shipped ``layers/domains.yml``, as the anchor's spaces do.
    """
    if isinstance(domains, Domains):
        return domains
    shipped = load_domains()
    return Domains(
        dict(domains),
        space_hosts=shipped.space_hosts,
        co_locate=shipped.co_locate,
        community_hosts=shipped.community_hosts,
    )


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """Return a column as stripped text ('' when missing or blank)."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    col = frame[column]
    return col.where(col.notna(), "").astype(str).str.strip()


def _xy(frame: gpd.GeoDataFrame, crs: pyproj.CRS) -> np.ndarray:
    g = frame.geometry
    if g.crs is not None and not pyproj.CRS(g.crs).equals(crs):
        g = g.to_crs(crs)
    if len(g) and (g.geom_type != "Point").any():
        g = g.representative_point()
    return point_xy(g)


def _usable(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Rows with a geometry in a frame with a CRS; None when nothing is usable."""
    if frame is None or len(frame) == 0 or frame.crs is None:
        return None
    keep = frame.geometry.notna().to_numpy() & ~frame.geometry.is_empty.to_numpy()
    out = frame[keep]
    return out if len(out) else None


def _assets(assets: gpd.GeoDataFrame, crs: pyproj.CRS) -> pd.DataFrame:
    a = _usable(assets)
    if a is None:
        return pd.DataFrame(columns=SITE_COLUMNS)
    name = _text(a, "name")
    org = _text(a, "org")
    xy = _xy(a, crs)
    return pd.DataFrame(
        {
            "partner_id": _text(a, "asset_id").to_numpy(),
            "partner": name.to_numpy(),
            "organisation": org.where(org != "", name).to_numpy(),
            "source": "asset",
            "site_domain": _text(a, "domain").to_numpy(),
            "space_type": "",
            "hosts_cell": "",
            "x": xy[:, 0],
            "y": xy[:, 1],
        }
    )


def _spaces(
    spaces: gpd.GeoDataFrame | None, crs: pyproj.CRS, *, source: str, organisation: str = ""
) -> pd.DataFrame:
    s = _usable(spaces)
    if s is None:
        return pd.DataFrame(columns=SITE_COLUMNS)
    kind = _text(s, "space_type").str.replace("_", " ", regex=False)
    name = _text(s, "name")
    name = name.where(name != "", "Unnamed " + kind.where(kind != "", "space"))
    ids = _text(s, "space_id")
    n = len(s)
    ids = ids.where(ids != "", pd.Series([f"space:{i}" for i in range(1, n + 1)], index=s.index))
    if source == "hospital":
        org = pd.Series(organisation or "the hospital", index=s.index, dtype=object)
        ids = "hospital:" + ids
    else:
        operator = _text(s, "operator")
        org = operator.where(operator != "", name)
    xy = _xy(s, crs)
    return pd.DataFrame(
        {
            "partner_id": ids.to_numpy(),
            "partner": name.to_numpy(),
            "organisation": org.to_numpy(),
            "source": source,
            "site_domain": "",
            "space_type": kind.to_numpy(),
            "hosts_cell": _text(s, "hosts").to_numpy(),
            "x": xy[:, 0],
            "y": xy[:, 1],
        }
    )


def site_table(
    assets: gpd.GeoDataFrame,
    crs: pyproj.CRS,
    *,
    hospital_spaces: gpd.GeoDataFrame | None = None,
    hospital_name: str = "",
    spaces: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Return every candidate site, one row each.

    Parameters
    ----------
    assets : geopandas.GeoDataFrame
        The study's Assets.
    crs : pyproj.CRS
        The working CRS (metres) the coordinates are given in.
    hospital_spaces : geopandas.GeoDataFrame, optional
        The hospital's shareable spaces (``space_id``, ``name``, ``space_type``,
        ``hosts``), as :func:`assetmap.anchor.spaces.read_spaces` reads them.
    hospital_name : str
        The hospital, named as the organisation of its spaces.
    spaces : geopandas.GeoDataFrame, optional
        Community spaces (``name``, ``space_type``; optional ``space_id``, ``operator``,
        ``hosts``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SITE_COLUMNS`: ``source`` is ``asset``, ``hospital`` or
        ``community``; ``hosts_cell`` a space's own ``hosts`` cell ('' when none).
    """
    parts = [
        _assets(assets, crs),
        _spaces(hospital_spaces, crs, source="hospital", organisation=hospital_name),
        _spaces(spaces, crs, source="community"),
    ]
    sites = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    return sites.astype({"x": float, "y": float})


def host_pairs(sites: pd.DataFrame, domains: Domains) -> pd.DataFrame:
    """Return one row per space × domain it could host (``site``, ``domain``).

    A space's ``hosts`` cell (domain keys joined by ``;``) wins; else the words of its
    type: ``space_hosts`` of ``domains.yml`` for the hospital's spaces, ``community_hosts``
    for community spaces (:meth:`assetmap.domains.Domains.hosts_for_space`). One lookup per
    distinct type, not per space.
    """
    is_space = (sites["source"] != "asset").to_numpy()
    rows = np.flatnonzero(is_space)
    if not len(rows):
        return pd.DataFrame({"site": pd.Series([], dtype=np.int64), "domain": []})
    given = sites["hosts_cell"].to_numpy(object)[rows]
    types = sites["space_type"].to_numpy(object)[rows]
    community = (sites["source"].to_numpy(object)[rows] == "community").tolist()
    keys = list(zip(given.tolist(), types.tolist(), community, strict=True))
    lookup: dict[tuple[Any, ...], tuple[str, ...]] = {}
    for cell, kind, comm in dict.fromkeys(keys):  # one per distinct (hosts, type, source)
        lookup[(cell, kind, comm)] = parse_hosts(cell) or (
            () if cell else domains.hosts_for_space(kind, community=comm)
        )
    hosted = [lookup[k] for k in keys]
    counts = np.array([len(h) for h in hosted], dtype=np.int64)
    flat = [d for h in hosted for d in h]
    return pd.DataFrame({"site": np.repeat(rows, counts), "domain": np.array(flat, dtype=object)})
