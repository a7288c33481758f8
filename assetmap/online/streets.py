"""Street graphs from OpenStreetMap, downloaded with osmnx (online).

:func:`fetch_graph` is the one place assetmap downloads a street network: call it once
(or let ``assetmap fetch`` call it, which keeps the result in the cache), save the graph
with ``path=``, and point the project's ``travel: {graph: ...}`` at the file. Reading,
timing and compiling a saved graph is offline work for
:mod:`assetmap.analysis.network`; nothing here imports the analysis.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from assetmap.errors import ConfigError, OfflineError

if TYPE_CHECKING:
    import networkx as nx
    import shapely

__all__ = ["MODES", "fetch_graph"]

#: Street networks that can be downloaded (osmnx ``network_type``).
MODES = ("walk", "drive")


def fetch_graph(
    area: shapely.Polygon | shapely.MultiPolygon | str,
    *,
    mode: str = "walk",
    buffer_m: float = 2000.0,
    path: str | Path | None = None,
) -> nx.MultiDiGraph:
    """Download the street graph of an area from OpenStreetMap (online).

    Parameters
    ----------
    area : shapely Polygon or MultiPolygon in EPSG:4326, or str
        The study region (e.g. ``units.union_all()``), or a place name geocoded by osmnx.
    mode : {"walk", "drive"}
        osmnx ``network_type``.
    buffer_m : float
        Metres added around the area, so services just outside the region are reachable.
    path : str or Path, optional
        Save the graph there as GraphML (read it back offline with
        :func:`assetmap.analysis.network.load_street_graph`).

    Returns
    -------
    networkx.MultiDiGraph

    Raises
    ------
    ConfigError
        When ``mode`` is not one of :data:`MODES`.
    OfflineError
        When OpenStreetMap cannot be reached.

    Examples
    --------
    >>> G = fetch_graph("City Island, Bronx, New York", mode="walk")  # doctest: +SKIP
    """
    import geopandas as gpd
    import osmnx as ox

    if mode not in MODES:
        msg = f"network mode must be one of {MODES}, got {mode!r}"
        raise ConfigError(msg)
    if isinstance(area, str):
        try:
            poly = ox.geocode_to_gdf(area).geometry.iloc[0]
        except Exception as exc:
            msg = f"cannot geocode {area!r} with OpenStreetMap ({exc}); pass a polygon instead"
            raise OfflineError(msg) from exc
    else:
        poly = area
    geo = gpd.GeoSeries([poly], crs="EPSG:4326")
    utm = geo.estimate_utm_crs()
    buffered = geo.to_crs(utm).buffer(buffer_m).to_crs("EPSG:4326").iloc[0]
    try:
        G = ox.graph_from_polygon(
            buffered, network_type=mode, retain_all=True, truncate_by_edge=True
        )
    except Exception as exc:
        msg = (
            f"cannot download the street graph from OpenStreetMap ({exc}); "
            "check the connection, or load a saved .graphml / .osm file with graph_from_file"
        )
        raise OfflineError(msg) from exc
    if path is not None:
        ox.save_graphml(G, path)
    return G
