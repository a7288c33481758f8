"""Community assets downloaded from OpenStreetMap (the Overpass API, through osmnx).

Which features count, and their domain, come from the ``osm_tags`` of each domain in
``layers/domains.yml``; the features are turned into assets by the same code that reads
an OSM XML file (:func:`assetmap.readers.osm.features_to_assets`). OpenStreetMap data are
© OpenStreetMap contributors, under the Open Database Licence (ODbL 1.0).
"""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd

from assetmap.domains import Domain, load_domains
from assetmap.errors import InputError, OfflineError
from assetmap.readers.files import DEFAULT_BUFFER_M
from assetmap.readers.osm import features_to_assets, osm_tags

__all__ = ["osm_assets"]


def osm_assets(
    region: gpd.GeoDataFrame,
    *,
    domains: dict[str, Domain] | None = None,
    buffer_m: float | None = None,
    source: str = "osm",
) -> gpd.GeoDataFrame:
    """Download community assets for a region from OpenStreetMap (Overpass API).

    Features carrying any ``osm_tags`` of the domains are fetched inside the region
    grown by ``buffer_m`` (a pantry across the border still serves it). Downloads go
    through osmnx, which caches responses in ``osmnx.settings.cache_folder``.

    Parameters
    ----------
    region : geopandas.GeoDataFrame
        Study units (any CRS).
    domains : dict of str to Domain, optional
        Domain definitions (default: ``layers/domains.yml``).
    buffer_m : float, optional
        Distance outside the region searched and kept (default 2,500 m).
    source : str
        Name of the source for provenance.

    Returns
    -------
    geopandas.GeoDataFrame
        Assets, as :func:`~assetmap.readers.osm.read_osm_xml` returns them.

    Raises
    ------
    OfflineError
        When the Overpass API cannot be reached.

    Examples
    --------
    >>> import assetmap as am
    >>> from assetmap.online.osm import osm_assets
    >>> assets = osm_assets(am.load_sample().units)  # doctest: +SKIP
    """
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError

    if region.crs is None:
        msg = "the region has no CRS; set one (e.g. region.set_crs('EPSG:4326'))"
        raise InputError(msg)
    doms = domains or load_domains()
    buf = DEFAULT_BUFFER_M if buffer_m is None else float(buffer_m)
    crs = region.estimate_utm_crs()
    polygon = gpd.GeoSeries([region.to_crs(crs).union_all().buffer(buf)], crs=crs)
    polygon = polygon.to_crs("EPSG:4326").iloc[0]
    try:
        features = ox.features_from_polygon(polygon, tags=osm_tags(doms))
    except InsufficientResponseError:
        features = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    except (ConnectionError, OSError) as exc:
        msg = (
            f"cannot reach the Overpass API ({exc}); work offline with an .osm file "
            "(assetmap.readers.osm.read_osm_xml) or try again later"
        )
        raise OfflineError(msg) from exc
    today = datetime.now(UTC).date().isoformat()
    return features_to_assets(
        features,
        file="Overpass API",
        source=source,
        region=region,
        domains=doms,
        buffer_m=buf,
        strict=False,
        vintage=f"downloaded {today}",
    )
