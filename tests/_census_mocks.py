"""Recorded-format answers of the Census API, Census boundary files, Overpass and HRSA.

The fixtures in ``tests/fixtures/census`` (see its README) are served through
``responses`` callbacks that behave like the real services: the Census API answers only
the columns asked for, in the order asked, says ``error: unknown variable`` for a code
it does not have and shows its "Invalid Key" page (HTTP 200) for a wrong key; Overpass
answers the street-network and the features queries with their own JSON.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import geopandas as gpd
import pytest
import responses

FIX = Path(__file__).resolve().parent / "fixtures" / "census"
KEY = "TESTKEY-4f1d9c2a7b6e5d3c0a9f8e7d6c5b4a39-SECRET"
CENSUS = re.compile(r"https://api\.census\.gov/data/(\d{4})/acs/acs5(/profile)?(\?|$)")
TRACT_ZIP = "https://www2.census.gov/geo/tiger/GENZ2023/shp/cb_2023_25_tract_500k.zip"
BG_ZIP = "https://www2.census.gov/geo/tiger/GENZ2023/shp/cb_2023_25_bg_500k.zip"
OVERPASS = "https://overpass-api.de/api/interpreter"
OVERPASS_STATUS = "https://overpass-api.de/api/status"
HRSA = (
    "https://data.hrsa.gov/DataDownload/DD_Files/"
    "Health_Center_Service_Delivery_and_LookAlike_Sites.csv"
)


@lru_cache(maxsize=4)
def shapefile_zip(name: str) -> bytes:
    """The zip of a shapefile made from one of the boundary GeoJSON fixtures."""
    gdf = gpd.read_file(FIX / f"{name}.geojson")
    with tempfile.TemporaryDirectory() as tmp:
        gdf.to_file(Path(tmp) / f"{name}.shp", engine="pyogrio")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for p in sorted(Path(tmp).iterdir()):
                info = zipfile.ZipInfo(p.name, date_time=(2024, 5, 1, 0, 0, 0))
                z.writestr(info, p.read_bytes())
        return buf.getvalue()


def _table(year: str, profile: bool, level: str) -> list[list[str]]:
    if level == "block group":
        name = f"acs5_{year}_bg_25019.json"
    else:
        name = f"acs5{'_profile' if profile else ''}_{year}_tract_25019.json"
    return json.loads((FIX / name).read_text(encoding="utf-8"))


def census_callback(request):  # noqa: ANN001, ANN201 - a responses callback
    """Answer like api.census.gov for county 25019 (tracts and block groups), 2023."""
    m = CENSUS.match(request.url.split("?")[0])
    q = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
    if q.get("key") != KEY:
        html = (FIX / "invalid_key.html").read_text(encoding="utf-8")
        return 200, {"Content-Type": "text/html;charset=utf-8"}, html
    if m is None or m.group(1) != "2023":
        return 404, {"Content-Type": "text/html"}, (FIX / "vintage_404.html").read_text()
    level = q["for"].split(":")[0]
    rows = _table(m.group(1), bool(m.group(2)), level)
    header = rows[0]
    geo = [c for c in ("state", "county", "tract", "block group") if c in header]
    idx = []
    for f in q["get"].split(","):
        if f not in header:
            return 400, {"Content-Type": "text/plain"}, f"error: error: unknown variable '{f}'"
        idx.append(header.index(f))
    idx += [header.index(g) for g in geo]
    body = [[r[i] for i in idx] for r in rows]
    text = "[" + ",\n".join(json.dumps(r) for r in body) + "]"
    return 200, {"Content-Type": "application/json;charset=utf-8"}, text


def overpass_callback(request):  # noqa: ANN001, ANN201 - a responses callback
    """Answer Overpass queries: street networks and features."""
    query = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
    text = query.get("data", [""])[0]
    name = "overpass_network.json" if '["highway"]' in text else "overpass_features.json"
    return 200, {"Content-Type": "application/json"}, (FIX / name).read_text(encoding="utf-8")


def register_census(rsps: responses.RequestsMock) -> None:
    """The Census API (both datasets) and the two boundary zips."""
    rsps.add_callback(responses.GET, CENSUS, callback=census_callback)
    rsps.get(TRACT_ZIP, body=shapefile_zip("cb_2023_25_tract_500k"), content_type="application/zip")
    rsps.get(BG_ZIP, body=shapefile_zip("cb_2023_25_bg_500k"), content_type="application/zip")


def register_osm(rsps: responses.RequestsMock) -> None:
    """Overpass status and interpreter."""
    rsps.get(OVERPASS_STATUS, body=(FIX / "overpass_status.txt").read_text())
    rsps.add_callback(responses.POST, OVERPASS, callback=overpass_callback)


def register_all(rsps: responses.RequestsMock, *, hrsa: bool = True) -> None:
    """Every service a county fetch asks."""
    register_census(rsps)
    register_osm(rsps)
    if hrsa:
        rsps.get(HRSA, body=(FIX / "hrsa_sites.csv").read_bytes(), content_type="text/csv")


@pytest.fixture
def waits(monkeypatch):
    """The waits between retries, recorded instead of slept."""
    from assetmap.sources import _http

    out: list[float] = []
    monkeypatch.setattr(_http, "_sleep", out.append)
    return out


@pytest.fixture
def cache_dir(tmp_path, monkeypatch, waits):
    """An empty cache for the test, a known key, no waiting between retries, no DNS."""
    from assetmap import settings

    d = tmp_path / "cache"
    monkeypatch.setattr(settings, "cache_folder", d)
    monkeypatch.setattr(settings, "census_key_file", tmp_path / "no-key-file")
    monkeypatch.setenv("CENSUS_API_KEY", KEY)
    monkeypatch.setenv("ASSETMAP_CACHE", str(d))
    monkeypatch.setattr("osmnx._http._config_dns", lambda url: None)
    d.mkdir()
    return d
