"""Every reader kind under random bytes, cut files and stray encodings.

The only outcomes allowed: assets whose kept and set-aside rows add up to the rows read
(for the table readers, the rows :func:`read_table` finds), or one
:class:`~assetmap.errors.InputError`. A KeyError, a UnicodeDecodeError, a parser's or
zipfile's own error is a bug in the reader that let it through.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

import assetmap as am
from assetmap.errors import InputError
from assetmap.readers.files import read_table
from assetmap.readers.registry import FORMATS

HSDS = Path(__file__).parent / "fixtures" / "hsds" / "bronx_v3"
OSM = Path(__file__).parent / "fixtures" / "osm" / "bronx_amenities.osm"
HRSA = Path(__file__).parent / "fixtures" / "realworld" / "hrsa_sites_real_header.csv"

CSV = (
    "id,name,domain,lat,lon,notes\n"
    '1,Café Niño,food,40.81,-73.91,"a, b"\n'
    "2,Pantry,housing,40.82,-73.92,ok\n"
    "3,,food,40.83,-73.93,\n"
    "4,Clinic,primary_care,x,-73.94,é\n"
)
ENCODINGS = ("utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-16-le", "utf-16-be")


def _xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in CSV.splitlines():
        ws.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _geojson() -> bytes:
    gdf = gpd.GeoDataFrame(
        {"name": ["A", "B", "C"], "domain": ["food", "housing", "food"]},
        geometry=[Point(-73.91, 40.81), box(-73.92, 40.82, -73.91, 40.83), None],
        crs="EPSG:4326",
    )
    return gdf.to_json().encode()


def _hsds_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(HSDS.iterdir()):
            zf.write(f, f.name)
    return buf.getvalue()


def _hsds_json() -> bytes:
    return json.dumps(
        [
            {
                "id": "s1",
                "name": "Pantry",
                "status": "active",
                "service_at_locations": [
                    {"id": "sal1", "location": {"id": "l1", "latitude": 40.81, "longitude": -73.9}}
                ],
            }
        ]
    ).encode()


#: For each kind: the suffix of its files and a valid file's bytes.
SEEDS: dict[str, tuple[str, bytes]] = {
    "csv": (".csv", CSV.encode()),
    "xlsx": (".xlsx", _xlsx()),
    "spatial": (".geojson", _geojson()),
    "hsds": (".zip", _hsds_zip()),
    "hsds-json": (".json", _hsds_json()),
    "osm": (".osm", OSM.read_bytes()),
    "hrsa": (".csv", HRSA.read_bytes()),
}
TEXT = {"csv", "spatial", "hsds-json", "osm", "hrsa"}


def test_every_kind_has_a_seed():
    assert {k.split("-")[0] for k in SEEDS} == {f.kind for f in FORMATS}


def _check(name: str, data: bytes) -> None:
    """Read ``data`` as ``name``'s kind, by kind and by sniffing: assets that add up, or an
    InputError."""
    kind = name.split("-")[0]
    suffix = SEEDS[name][0]
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"fuzz{suffix}"
        p.write_bytes(data)
        for given_kind in (kind, None):
            try:
                a = am.read_assets(p, kind=given_kind)
            except InputError as exc:
                assert str(exc)  # one sentence naming the file
                continue
            rej = am.rejected_rows(a)
            assert not set(rej["row"]) & {w["row"] for w in a.attrs.get("where") or []}
            if kind in ("csv", "hrsa") and given_kind is not None:
                try:
                    n_in = len(read_table(p))
                except InputError:
                    continue
                assert len(a) + len(rej) == n_in


def _cut(name: str, at: float) -> bytes:
    seed = SEEDS[name][1]
    return seed[: int(len(seed) * at)]


#: Derandomised: the same examples on every run, so CI never fails on a new draw (a run
#: with ``--hypothesis-seed=random`` or a changed ``derandomize`` explores further).
FAST = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    derandomize=True,
)


@pytest.mark.parametrize("name", sorted(SEEDS))
@FAST
@given(data=st.binary(max_size=600))
def test_random_bytes(name, data):
    _check(name, data)


@pytest.mark.parametrize("name", sorted(SEEDS))
@FAST
@given(at=st.floats(0.0, 1.0))
def test_truncated_files(name, at):
    _check(name, _cut(name, at))


@pytest.mark.parametrize("name", sorted(TEXT))
@FAST
@given(encoding=st.sampled_from(ENCODINGS), at=st.floats(0.3, 1.0))
def test_other_encodings(name, encoding, at):
    text = SEEDS[name][1].decode("utf-8")
    data = text.encode(encoding, errors="replace")
    _check(name, data[: int(len(data) * at)])


@pytest.mark.parametrize("name", sorted(SEEDS))
@FAST
@given(at=st.integers(0, 10_000), junk=st.binary(min_size=1, max_size=40))
def test_bytes_overwritten_inside(name, at, junk):
    seed = SEEDS[name][1]
    i = at % len(seed)
    _check(name, seed[:i] + junk + seed[i + len(junk) :])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SEEDS))
@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(at=st.integers(0, 100_000), junk=st.binary(min_size=1, max_size=200))
@example(at=29874, junk=b"\x00\x08" + b"\x00" * 18 + b"\x1f")  # a zip name flagged UTF-8, not
def test_bytes_overwritten_inside_many(name, at, junk):
    seed = SEEDS[name][1]
    i = at % len(seed)
    _check(name, seed[:i] + junk + seed[i + len(junk) :])
