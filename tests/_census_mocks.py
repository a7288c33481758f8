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
from urllib.parse import parse_qs, unquote, urlparse

import geopandas as gpd
import pytest
import responses

FIX = Path(__file__).resolve().parent / "fixtures" / "census"
KEY = "TESTKEY-4f1d9c2a7b6e5d3c0a9f8e7d6c5b4a39-SECRET"
CENSUS = re.compile(
    r"https://api\.census\.gov/data/(\d{4})/acs/acs5(/profile)?(?:/variables/([^/?]+)\.json)?(\?|$)"
)
TRACT_ZIP = "https://www2.census.gov/geo/tiger/GENZ2023/shp/cb_2023_25_tract_500k.zip"
BG_ZIP = "https://www2.census.gov/geo/tiger/GENZ2023/shp/cb_2023_25_bg_500k.zip"
PLACE_ZIP = "https://www2.census.gov/geo/tiger/GENZ2023/shp/cb_2023_25_place_500k.zip"
DECENNIAL = re.compile(r"https://api\.census\.gov/data/2020/dec/pl(\?|$)")
BLOCK_ZIP = "https://www2.census.gov/geo/tiger/TIGER2020/TABBLOCK20/tl_2020_25_tabblock20.zip"
BG2020_ZIP = "https://www2.census.gov/geo/tiger/TIGER2020/BG/tl_2020_25_bg.zip"
OVERPASS = "https://overpass-api.de/api/interpreter"
OVERPASS_STATUS = "https://overpass-api.de/api/status"
HRSA = (
    "https://data.hrsa.gov/DataDownload/DD_Files/"
    "Health_Center_Service_Delivery_and_LookAlike_Sites.csv"
)


@lru_cache(maxsize=8)
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


def _table(year: str, profile: bool, level: str, county: str) -> list[list[str]] | None:
    """The fixture answering for ``county`` (five digits), or None when there is none."""
    if level == "block group":
        name = f"acs5_{year}_bg_{county}.json"
    else:
        name = f"acs5{'_profile' if profile else ''}_{year}_tract_{county}.json"
    path = FIX / name
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


# Places (summary level 160) and their county parts (155), 2023, hand-written in the API's
# format: the places' names and the counties they lie in as the Census has them; the place
# codes (Reading's 63624 aside) and the populations are rounded stand-ins, not to be
# cited. Two Islands CDP is made up, for a study of a place across two counties. Names are
# written with ",", Massachusetts' and the county parts' with the 2023 ";".
_P = ["NAME", "B01003_001E", "state", "place"]
PLACES: dict[str, list[list[str]]] = {
    "42": [
        _P,
        ["Bethlehem city, Pennsylvania", "76000", "42", "06088"],
        ["Mount Penn borough, Pennsylvania", "3100", "42", "51496"],
        ["Pittsburgh city, Pennsylvania", "303000", "42", "61000"],
        ["Reading city, Pennsylvania", "94900", "42", "63624"],
        ["St. Marys city, Pennsylvania", "12400", "42", "67344"],
        ["West Reading borough, Pennsylvania", "4500", "42", "83512"],
        ["Wyomissing borough, Pennsylvania", "11200", "42", "86880"],
    ],
    "29": [
        _P,
        ["Kansas City city, Missouri", "508000", "29", "38000"],
        ["North Kansas City city, Missouri", "4400", "29", "52094"],
        ["St. Louis city, Missouri", "293000", "29", "65000"],
    ],
    "25": [
        _P,
        ["Nantucket CDP; Massachusetts", "7900", "25", "43755"],
        ["Siasconset CDP; Massachusetts", "180", "25", "62185"],
        ["Two Islands CDP; Massachusetts", "5500", "25", "80500"],
    ],
}
_C = ["NAME", "B01003_001E", "state", "place", "county (or part)"]
PLACE_PARTS: dict[str, list[list[str]]] = {
    "4206088": [
        _C,
        ["Lehigh County (part); Bethlehem city; Pennsylvania", "20200", "42", "06088", "077"],
        ["Northampton County (part); Bethlehem city; Pennsylvania", "55800", "42", "06088", "095"],
    ],
    "4251496": [
        _C,
        ["Berks County; Mount Penn borough; Pennsylvania", "3100", "42", "51496", "011"],
    ],
    "4261000": [
        _C,
        ["Allegheny County; Pittsburgh city; Pennsylvania", "303000", "42", "61000", "003"],
    ],
    "4263624": [_C, ["Berks County; Reading city; Pennsylvania", "94900", "42", "63624", "011"]],
    "4267344": [_C, ["Elk County; St. Marys city; Pennsylvania", "12400", "42", "67344", "047"]],
    "2938000": [
        _C,
        ["Cass County (part); Kansas City city; Missouri", "300", "29", "38000", "037"],
        ["Clay County (part); Kansas City city; Missouri", "126000", "29", "38000", "047"],
        ["Jackson County (part); Kansas City city; Missouri", "317000", "29", "38000", "095"],
        ["Platte County (part); Kansas City city; Missouri", "64700", "29", "38000", "165"],
    ],
    "2965000": [_C, ["St. Louis city; St. Louis city; Missouri", "293000", "29", "65000", "510"]],
    "2543755": [
        _C,
        ["Nantucket County; Nantucket CDP; Massachusetts", "7900", "25", "43755", "019"],
    ],
    "2562185": [
        _C,
        ["Nantucket County; Siasconset CDP; Massachusetts", "180", "25", "62185", "019"],
    ],
    "2580500": [  # made up: a place across the two fixture counties
        _C,
        ["Nantucket County (part); Two Islands CDP; Massachusetts", "3400", "25", "80500", "019"],
        ["Dukes County (part); Two Islands CDP; Massachusetts", "2100", "25", "80500", "007"],
    ],
}


def _places_table(q: dict[str, str]) -> list[list[str]] | None:
    where = dict(p.split(":", 1) for p in q.get("in", "").split(" ") if ":" in p)
    if q["for"] == "place:*":
        return PLACES.get(where.get("state", ""))
    return PLACE_PARTS.get(where.get("state", "") + where.get("place", ""))


# Geography columns the data answers end with; the API describes none of them under
# /variables/ (the package then keeps them as text).
_GEO_COLUMNS = ("state", "county", "tract", "block group")
_SUMMARY_LEVEL = {"tract": "1400000US", "block group": "1500000US"}


@lru_cache(maxsize=4)
def _described(profile: bool) -> frozenset[str]:
    """The variables the fixtures of a dataset hold (what /variables/<code>.json knows)."""
    pattern = "acs5_profile_2023_*.json" if profile else "acs5_2023_*.json"
    out = {"NAME", "GEO_ID"}
    for path in FIX.glob(pattern):
        out.update(json.loads(path.read_text(encoding="utf-8"))[0])
    return frozenset(out - set(_GEO_COLUMNS))


def _variable(code: str, profile: bool) -> tuple[int, dict, str]:
    """``/variables/<code>.json`` as the API answers it: the variable's description."""
    if code not in _described(profile):
        return 404, {"Content-Type": "text/plain"}, f"error: unknown variable '{code}'"
    if code in ("NAME", "GEO_ID"):
        label = "Geographic Area Name" if code == "NAME" else "Geography"
        desc = {"name": code, "label": label, "concept": "Geography", "predicateType": "string",
                "group": "N/A", "limit": 0, "predicateOnly": True}  # fmt: skip
    else:
        group = code.split("_")[0]
        label = ("Margin of Error" if code.endswith("M") else "Estimate") + "!!Total:"
        desc = {"name": code, "label": label, "concept": group, "predicateType": "int",
                "group": group, "limit": 0, "predicateOnly": True,
                "attributes": f"{code}A"}  # fmt: skip
    return 200, {"Content-Type": "application/json;charset=utf-8"}, json.dumps(desc, indent=2)


def census_callback(request):  # noqa: ANN001, ANN201 - a responses callback
    """Answer like api.census.gov for counties 25019 and 25007 (tracts and block groups),
    2023, the variables' descriptions the ``census`` package asks for their types, and the
    places above with their county parts."""
    m = CENSUS.match(request.url.split("?")[0])
    q = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
    if q.get("key") != KEY:
        html = (FIX / "invalid_key.html").read_text(encoding="utf-8")
        return 200, {"Content-Type": "text/html;charset=utf-8"}, html
    if m is None or m.group(1) != "2023":
        return 404, {"Content-Type": "text/html"}, (FIX / "vintage_404.html").read_text()
    if m.group(3) is not None:
        return _variable(unquote(m.group(3)), bool(m.group(2)))
    level = q["for"].split(":")[0]
    if level in ("place", "county (or part)"):
        table = _places_table(q)
        if table is None:  # the API answers an empty 204 when no area matches
            return 204, {}, ""
        geo = [c for c in ("state", "place", "county (or part)") if c in table[0]]
        wanted = [*q["get"].split(","), *geo]
        if any(f not in table[0] for f in wanted):
            return 400, {"Content-Type": "text/plain"}, "error: unknown variable"
        idx = [table[0].index(f) for f in wanted]
        text = "[" + ",\n".join(json.dumps([r[i] for i in idx]) for r in table) + "]"
        return 200, {"Content-Type": "application/json;charset=utf-8"}, text
    where = dict(p.split(":", 1) for p in q.get("in", "").split(" ") if ":" in p)
    rows = _table(
        m.group(1), bool(m.group(2)), level, where.get("state", "") + where.get("county", "")
    )
    if rows is None:  # the API answers an empty 204 when no area matches
        return 204, {}, ""
    header = rows[0]
    geo = [c for c in _GEO_COLUMNS if c in header]
    if "GEO_ID" not in header:  # asked for by the census package when it splits >49 fields
        prefix = _SUMMARY_LEVEL[geo[-1]]
        gi = [header.index(g) for g in geo]
        rows = [[*header, "GEO_ID"]] + [[*r, prefix + "".join(r[i] for i in gi)] for r in rows[1:]]
        header = rows[0]
    idx = []
    for f in q["get"].split(","):
        if f not in header:
            return 400, {"Content-Type": "text/plain"}, f"error: error: unknown variable '{f}'"
        idx.append(header.index(f))
    idx += [header.index(g) for g in geo]
    body = [[r[i] for i in idx] for r in rows]
    text = "[" + ",\n".join(json.dumps(r) for r in body) + "]"
    return 200, {"Content-Type": "application/json;charset=utf-8"}, text


def decennial_callback(request, *, refuse: tuple[str, ...] = ()):  # noqa: ANN001, ANN201
    """Answer like api.census.gov's 2020/dec/pl: P1_001N of the blocks (or block groups)
    of counties 25019 and 25007 (block groups: 25007 only); a level in ``refuse`` gets
    the API's HTTP 400 for a geography it does not publish."""
    q = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
    if q.get("key") != KEY:
        html = (FIX / "invalid_key.html").read_text(encoding="utf-8")
        return 200, {"Content-Type": "text/html;charset=utf-8"}, html
    level = q["for"].split(":")[0]
    if level in refuse:
        return 400, {"Content-Type": "text/plain"}, "error: unknown/unsupported geography heirarchy"
    where = dict(p.split(":", 1) for p in q.get("in", "").split(" ") if ":" in p)
    short = {"block": "block", "block group": "bg"}.get(level, level)
    path = FIX / f"dec_pl_2020_{short}_{where.get('state', '')}{where.get('county', '')}.json"
    if q.get("get") != "P1_001N" or not path.is_file():
        return 204, {}, ""
    return 200, {"Content-Type": "application/json;charset=utf-8"}, path.read_text()


def register_blocks(rsps: responses.RequestsMock, *, refuse: tuple[str, ...] = ()) -> None:
    """The 2020 Census block populations and the state's 2020 TIGER/Line blocks; with
    ``refuse=("block",)`` the API refuses blocks, and the block-group fallback (its
    populations and the 2020 TIGER/Line block groups) is served instead."""
    rsps.add_callback(
        responses.GET, DECENNIAL, callback=lambda r: decennial_callback(r, refuse=refuse)
    )
    if "block" in refuse:
        rsps.get(BG2020_ZIP, body=shapefile_zip("tl_2020_25_bg"), content_type="application/zip")
    else:
        rsps.get(
            BLOCK_ZIP, body=shapefile_zip("tl_2020_25_tabblock20"), content_type="application/zip"
        )


def overpass_callback(request):  # noqa: ANN001, ANN201 - a responses callback
    """Answer Overpass queries: street networks and features."""
    query = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
    text = query.get("data", [""])[0]
    name = "overpass_network.json" if '["highway"]' in text else "overpass_features.json"
    return 200, {"Content-Type": "application/json"}, (FIX / name).read_text(encoding="utf-8")


def register_census(rsps: responses.RequestsMock, *, refuse: tuple[str, ...] = ()) -> None:
    """The Census API (both ACS datasets and the 2020 block populations), the two boundary
    zips (both counties' units) and the 2020 blocks (:func:`register_blocks`)."""
    rsps.add_callback(responses.GET, CENSUS, callback=census_callback)
    rsps.get(TRACT_ZIP, body=shapefile_zip("cb_2023_25_tract_500k"), content_type="application/zip")
    rsps.get(BG_ZIP, body=shapefile_zip("cb_2023_25_bg_500k"), content_type="application/zip")
    register_blocks(rsps, refuse=refuse)


def register_place(rsps: responses.RequestsMock) -> None:
    """The place boundary zip of Massachusetts (Nantucket and Siasconset CDPs)."""
    rsps.get(PLACE_ZIP, body=shapefile_zip("cb_2023_25_place_500k"), content_type="application/zip")


def register_osm(rsps: responses.RequestsMock) -> None:
    """Overpass status and interpreter."""
    rsps.get(OVERPASS_STATUS, body=(FIX / "overpass_status.txt").read_text())
    rsps.add_callback(responses.POST, OVERPASS, callback=overpass_callback)


def register_all(rsps: responses.RequestsMock, *, hrsa: bool = True, place: bool = False) -> None:
    """Every service a county fetch asks (and the place zip, for a --place-only fetch)."""
    register_census(rsps)
    if place:
        register_place(rsps)
    register_osm(rsps)
    if hrsa:
        rsps.get(HRSA, body=(FIX / "hrsa_sites.csv").read_bytes(), content_type="text/csv")


@pytest.fixture
def waits(monkeypatch):
    """The waits between retries, recorded instead of slept."""
    from assetmap.online import _http

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
