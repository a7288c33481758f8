"""The services lists of a study: OpenStreetMap, HRSA health center sites, an HSDS feed.

Internal to :mod:`assetmap.online.fetch`: the cache keys of the lists (:func:`osm_keys`,
:func:`hsds_key`), and the files they become in the study folder, read from the cache or
downloaded (:func:`osm_files`, :func:`list_files`), with HRSA sites far from the units
of a study cut down to a place left out (:func:`_sites_near`).

A study of several counties asks OpenStreetMap once, for the union of their units plus
the buffer (services on a county line are fetched once, and the street network is
connected across it); its keys name every county (:func:`_geography`), so a later fetch
of one of them never reads the union's file. HRSA sites are those of every county.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import geopandas as gpd

from assetmap import settings
from assetmap.online import _overpass, _study
from assetmap.online.cache import Cache, CacheKey, atomic_write_bytes
from assetmap.online.counties import County
from assetmap.online.hrsa import fetch_sites, sites_key
from assetmap.online.hsds_feed import download_hsds
from assetmap.readers import hrsa as hrsa_source

__all__ = ["hsds_key", "list_files", "osm_files", "osm_keys", "region_tag"]

# Logged under the public module's name, as before the lists moved here: ``assetmap -v``
# prints that name before each message.
log = logging.getLogger("assetmap.online.fetch")


def _geography(fips: str | Sequence[str]) -> str:
    """Return the cache geography of a study: the county, or the counties sorted and joined.

    Examples
    --------
    >>> _geography("25019"), _geography(["25019", "25007"])
    ('25019', '25007+25019')
    """
    codes = [fips] if isinstance(fips, str) else list(fips)
    return "+".join(sorted(dict.fromkeys(codes)))


def hsds_key(fips: str | Sequence[str], url: str) -> CacheKey:
    return CacheKey("hsds", "current", _geography(fips), url, "bin")


def region_tag(
    place: str | None, *, level: str, year: int, boundaries: str, min_share: float
) -> str:
    """Name the OpenStreetMap region for the cache key ("" for the whole county)."""
    if place is None:
        return ""
    return f"{level}s of place {place} ({boundaries} {year}, min_share={float(min_share)!r})"


def osm_keys(
    fips: str | Sequence[str], *, networks: bool, osm: bool, region: str
) -> list[CacheKey]:
    buf = float(settings.osm_buffer_m)
    keys = _overpass.osm_keys(_geography(fips), buffer_m=buf, networks=networks, osm=osm)
    return [replace(k, query=f"{k.query} region={region}") for k in keys] if region else keys


def _hsds_suffix(path: Path) -> str:
    head = path.read_bytes()[:4]
    if head.startswith(b"PK"):
        return "zip"
    return "json"


def osm_files(
    units: gpd.GeoDataFrame,
    where: str,
    folder: Path,
    c: Cache,
    keys: list[CacheKey],
    *,
    osm: bool,
    networks: bool,
) -> dict[str, Path]:
    """OpenStreetMap services and street networks of the units, from the cache or Overpass.

    One request each for all the units (of one county or several), ``where`` naming them.
    """
    files: dict[str, Path] = {}
    buf = float(settings.osm_buffer_m)
    if osm:
        path = c.get(keys[0]) or _overpass.fetch_osm_assets(units, keys[0], c, buffer_m=buf)
        if _study.has_features(path):
            files["assets_osm"] = _study.link(path, folder / "assets_osm.geojson")
        else:
            log.warning("OpenStreetMap has no services of any domain in %s", where)
    if networks:
        for mode, key in zip(_overpass.NETWORK_MODES, keys[-2:], strict=True):
            path = c.get(key) or _overpass.fetch_network(units, key, c, mode=mode, buffer_m=buf)
            files[mode] = _study.link(path, folder / f"{mode}.graphml")
    return files


def list_files(
    counties: Sequence[County],
    folder: Path,
    c: Cache,
    *,
    hrsa: bool,
    hsds: str | None,
    progress: bool,
    near: gpd.GeoDataFrame | None = None,
    where: str | None = None,
) -> dict[str, Path]:
    """HRSA health center sites of the counties and an HSDS feed, from the cache or online.

    With ``near`` (the units of a study cut down to a place), HRSA sites farther than
    ``settings.osm_buffer_m`` from them are left out. ``where`` names the counties in
    messages (their labels by default).
    """
    files: dict[str, Path] = {}
    label = where or " and ".join(k.label for k in counties)
    if hrsa:
        sites_path = c.get(sites_key()) or fetch_sites(cache=c, progress=progress)
        sites = _county_sites(sites_path, [k.fips for k in counties])
        far = 0
        if near is not None:
            sites, far = _sites_near(sites, near, float(settings.osm_buffer_m))
        beyond = f"more than {settings.osm_buffer_m / 1000:.1f} km from the study's units"
        if far:
            log.info("%d HRSA site(s) of %s lie %s and are left out", far, label, beyond)
        if sites.count(b"\n") > 1:
            files["assets_hrsa"] = atomic_write_bytes(folder / "assets_hrsa.csv", sites)
        elif far:
            log.warning("HRSA's active health center sites in %s all lie %s", label, beyond)
        else:
            log.warning("HRSA lists no active health center site in %s", label)
    if hsds:
        key = hsds_key([k.fips for k in counties], hsds)
        path = c.get(key)
        if path is None:
            feed = download_hsds(hsds, progress=progress)
            log.info("HSDS feed: %d API pages, %d services", feed.pages, feed.services)
            path = c.put_bytes(
                key,
                feed.content,
                url=feed.url,
                retrieved=feed.retrieved,
                content_type=feed.content_type,
            )
        if _hsds_suffix(path) == "zip":
            files["hsds"] = _study.link(path, folder / "hsds.zip")
        else:
            files["hsds"] = _study.link(path, folder / "hsds" / "services.json").parent
    return files


def _county_sites(path: Path, fips: Sequence[str]) -> bytes:
    """Return the active service-delivery sites of the counties as one CSV (one header)."""
    parts = [hrsa_source.county_sites(path, code) for code in fips]
    if len(parts) == 1:
        return parts[0]
    head, _, _ = parts[0].partition(b"\n")
    rows = [p.partition(b"\n")[2] for p in parts]
    return head + b"\n" + b"".join(rows)


def _sites_near(data: bytes, units: gpd.GeoDataFrame, buffer_m: float) -> tuple[bytes, int]:
    """Keep the HRSA site rows within ``buffer_m`` of the units; count those farther.

    Rows without coordinates stay, for the reader to set aside with the reason.
    """
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    rows = list(reader)
    if not rows:
        return data, 0
    import pandas as pd

    lon = pd.to_numeric(
        pd.Series([r.get(hrsa_source.COLUMNS["lon"]) for r in rows]), errors="coerce"
    )
    lat = pd.to_numeric(
        pd.Series([r.get(hrsa_source.COLUMNS["lat"]) for r in rows]), errors="coerce"
    )
    crs = units.estimate_utm_crs()
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(crs)
    dist = pts.distance(units.to_crs(crs).union_all())
    far = (dist > buffer_m).fillna(False).to_numpy()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or []), lineterminator="\n")
    writer.writeheader()
    for row, is_far in zip(rows, far, strict=True):
        if not is_far:
            writer.writerow(row)
    return out.getvalue().encode("utf-8"), int(far.sum())
