"""OpenStreetMap through osmnx, with osmnx's cache inside ours and its retries bounded.

Internal to :mod:`assetmap.online.fetch`. osmnx sends every Overpass request itself; here its
settings are pointed at the assetmap cache (``<cache>/osm/overpass``) for the duration of
a fetch, a ``requests`` response hook stops its endless 55-second retries on HTTP 429 /
504 after ``settings.overpass_retries``, and every osmnx or requests error becomes one
:class:`~assetmap.errors.FetchError` sentence that says what to do. The processed results
(assets as GeoJSON, street graphs as GraphML) are cached as entries of their own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd

from assetmap import settings
from assetmap.errors import ConfigError, FetchError
from assetmap.online.cache import Cache, CacheKey

__all__ = [
    "NETWORK_MODES",
    "OverpassBusyError",
    "fetch_network",
    "fetch_osm_assets",
    "osm_keys",
    "osmnx_settings",
]

NETWORK_MODES = ("walk", "drive")


def osm_keys(fips: str, *, buffer_m: float, networks: bool, osm: bool) -> list[CacheKey]:
    from assetmap.readers.osm import osm_tags

    keys = []
    if osm:
        digest = hashlib.sha256(json.dumps(osm_tags(), sort_keys=True).encode()).hexdigest()
        keys.append(
            CacheKey(
                "osm", "current", fips, f"assets buffer={buffer_m:g} tags={digest[:12]}", "geojson"
            )
        )
    if networks:
        keys += [
            CacheKey("osm", "current", fips, f"{mode} network buffer={buffer_m:g}", "graphml")
            for mode in NETWORK_MODES
        ]
    return keys


class OverpassBusyError(FetchError):
    """The Overpass API kept answering 429 (rate limited) or 504 (overloaded)."""


@contextlib.contextmanager
def osmnx_settings(cache: Cache) -> Iterator[None]:
    """Point osmnx's cache into ours and bound its retries on 429/504; restore afterwards.

    osmnx waits 55 s and asks again, without end, when Overpass answers 429 or 504. A
    ``requests`` response hook (passed through ``osmnx.settings.requests_kwargs``)
    counts those answers and stops after ``settings.overpass_retries`` of them.
    """
    import osmnx as ox

    names = ("cache_folder", "use_cache", "requests_timeout", "requests_kwargs", "overpass_url")
    saved = {n: getattr(ox.settings, n) for n in names}
    seen = {"busy": 0}

    def hook(response: Any, *args: Any, **kwargs: Any) -> Any:
        if response.status_code in (429, 504) and "/interpreter" in str(response.url):
            seen["busy"] += 1
            if seen["busy"] > settings.overpass_retries:
                word = "rate-limiting us" if response.status_code == 429 else "overloaded"
                msg = (
                    f"OpenStreetMap's Overpass API is {word} (HTTP {response.status_code}, "
                    f"{seen['busy']} times); wait a few minutes and run the same command "
                    "again (what was fetched stays cached), or set "
                    "assetmap.settings.overpass_url to another Overpass server."
                )
                raise OverpassBusyError(msg)
        return response

    ox.settings.cache_folder = str(cache.root / "osm" / "overpass")
    ox.settings.use_cache = True
    ox.settings.requests_timeout = max(float(settings.requests_timeout), 180.0)
    ox.settings.requests_kwargs = {**saved["requests_kwargs"], "hooks": {"response": [hook]}}
    ox.settings.overpass_url = settings.overpass_url
    try:
        yield
    finally:
        for n, v in saved.items():
            setattr(ox.settings, n, v)


def _translate_osm(exc: BaseException, what: str) -> FetchError:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OverpassBusyError):
            return cause
        cause = cause.__cause__ or cause.__context__
    import requests

    chain: list[BaseException] = [exc]
    while chain[-1].__cause__ is not None:
        chain.append(chain[-1].__cause__)
    empty = [
        e
        for e in chain
        if type(e).__name__ == "InsufficientResponseError"
        or "no graph nodes" in str(e).lower()
        or "graph contains no nodes" in str(e).lower()
    ]
    if empty:
        msg = (
            f"OpenStreetMap returned nothing for {what} in this region (osmnx: {empty[0]}); "
            "the area may "
            "be small, mostly water, or unmapped. Fetch without it (--no-networks, so "
            "travel is straight line × circuity) or choose a larger area."
        )
        return FetchError(msg)
    if any(isinstance(e, requests.Timeout) for e in chain):
        reason = f"did not answer within {max(settings.requests_timeout, 180):g} s"
    elif any(isinstance(e, requests.ConnectionError) for e in chain):
        reason = "could not be reached"
    else:
        reason = f"answered with an error ({type(chain[-1]).__name__})"
    msg = (
        f"OpenStreetMap's Overpass API {reason} while fetching {what}; try again later "
        "(what was fetched stays cached), or set assetmap.settings.overpass_url to another "
        "Overpass server."
    )
    return FetchError(msg)


def _region(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    land = units[~units["water_only"]] if "water_only" in units else units
    return land if len(land) else units


def fetch_osm_assets(
    units: gpd.GeoDataFrame, key: CacheKey, cache: Cache, *, buffer_m: float
) -> Path:
    from assetmap.online.osm import osm_assets

    with osmnx_settings(cache):
        try:
            assets = osm_assets(_region(units), buffer_m=buffer_m, source="osm")
        except FetchError:
            raise
        except Exception as exc:
            if isinstance(exc, ConfigError):
                raise
            raise _translate_osm(exc, "services") from None
    # Written as a user's file would be: the reader adds source, outside_region and the
    # "osm:" prefix again, so the ids read back equal osm_assets' own.
    assets = assets.drop(columns=["source", "outside_region"], errors="ignore")
    assets["asset_id"] = assets.pop("source_id")
    assets.attrs = {}
    with cache.writer(key, url=f"{settings.overpass_url}/interpreter", licence="ODbL 1.0") as tmp:
        if len(assets):
            assets.to_file(tmp, driver="GeoJSON")
        else:
            tmp.write_text('{"type": "FeatureCollection", "features": []}\n', encoding="utf-8")
    path = cache.get(key)
    assert path is not None
    return path


def fetch_network(
    units: gpd.GeoDataFrame, key: CacheKey, cache: Cache, *, mode: str, buffer_m: float
) -> Path:
    import osmnx as ox

    from assetmap.online.streets import fetch_graph

    area = _region(units).union_all()
    with osmnx_settings(cache):
        try:
            G = fetch_graph(area, mode=mode, buffer_m=buffer_m)
        except Exception as exc:
            raise _translate_osm(exc, f"the {mode} street network") from None
    with cache.writer(key, url=f"{settings.overpass_url}/interpreter", licence="ODbL 1.0") as tmp:
        ox.save_graphml(G, tmp)
    path = cache.get(key)
    assert path is not None
    return path
