"""Readers under hostile and huge inputs: zip bombs, wide files, GeoParquet, shapes as assets."""

from __future__ import annotations

import bz2
import gzip
import shutil
import tracemalloc
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

import assetmap as am
from assetmap.errors import InputError
from assetmap.readers._archive import Limits, read_member

HSDS = Path(__file__).parent / "fixtures" / "hsds" / "bronx_v3"
OSM = Path(__file__).parent / "fixtures" / "osm" / "bronx_amenities.osm"
MIB = 1 << 20


def _bomb_zip(path: Path, *, mib: int, member: str = "services.csv", others: Path | None = None):
    """Write a zip holding ``mib`` MiB of zeros in ``member`` (written in chunks, ~1 MB)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        if others is not None:
            for f in sorted(others.iterdir()):
                if f.name != member:
                    zf.write(f, f.name)
        with zf.open(member, "w", force_zip64=True) as out:
            block = b"0" * MIB
            for _ in range(mib):
                out.write(block)
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """An HSDS package of about 200 KB whose services.csv expands to 200 MiB of zeros."""
    return _bomb_zip(tmp_path_factory.mktemp("bomb") / "hsds.zip", mib=200, others=HSDS)


def test_hsds_zip_bomb_stops_at_the_member_cap(bomb):
    assert bomb.stat().st_size < 2 * MIB  # small on disk, 200 MiB inside
    with pytest.raises(InputError) as err:
        am.read_assets(bomb, max_member_bytes=5 * MIB)
    msg = str(err.value)
    assert msg.startswith(f"{bomb}: member 'services.csv' expands to more than 5 MiB")
    assert "max_member_bytes=" in msg


def test_hsds_zip_bomb_with_default_caps_fails_early_and_small(bomb):
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="'services.csv' expands more than 200 times"):
            am.read_assets(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # refused at 32 MiB out of 200: the peak stays far below the member's size
    assert peak < 80 * MIB, f"peak {peak / MIB:.0f} MiB"


def test_a_genuine_package_zipped_reads_as_the_folder(tmp_path):
    z = tmp_path / "pkg.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(HSDS.iterdir()):
            zf.write(f, f"bronx/{f.name}")
    a, b = am.read_assets(z), am.read_assets(HSDS)
    assert a["source_id"].tolist() == b["source_id"].tolist() and len(a) > 0


def test_too_many_members_is_refused(tmp_path):
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted(HSDS.iterdir()):
            zf.write(f, f.name)
        for i in range(30):
            zf.writestr(f"extra/{i}.txt", "x")
    n = len(list(HSDS.iterdir())) + 30
    with pytest.raises(InputError, match=f"holds {n} files, more than the cap of 20"):
        am.read_assets(z, max_members=20)
    assert len(am.read_assets(z)) > 0  # the default cap (10,000) lets it through


def test_a_header_that_lies_about_the_size_is_still_counted(tmp_path):
    # the declared size is small, the stream is not: zipfile stops at the declared size
    # and the CRC check fails, so nothing past it is ever returned
    z = tmp_path / "liar.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("services.csv", b"0" * (4 * MIB))
    raw = bytearray(z.read_bytes())
    size = (4 * MIB).to_bytes(4, "little")
    raw = raw.replace(size, (1000).to_bytes(4, "little"))
    z.write_bytes(bytes(raw))
    with zipfile.ZipFile(z) as zf, pytest.raises(InputError, match="services.csv"):
        read_member(zf, "services.csv", archive=str(z), limits=Limits(max_member_bytes=MIB))


def test_limits_must_be_positive_numbers(bomb):
    with pytest.raises(InputError, match="max_member_bytes must be a positive number"):
        am.read_assets(bomb, max_member_bytes=-1)


@pytest.mark.parametrize("opener,suffix", [(gzip.open, ".osm.gz"), (bz2.open, ".osm.bz2")])
def test_compressed_osm_reads_as_plain_and_a_bomb_is_refused(tmp_path, opener, suffix):
    good = tmp_path / f"bronx{suffix}"
    with OSM.open("rb") as src, opener(good, "wb") as out:
        shutil.copyfileobj(src, out)
    assert am.read_assets(good)["source_id"].tolist() == am.read_assets(OSM)["source_id"].tolist()
    bad = tmp_path / f"bomb{suffix}"
    with opener(bad, "wb") as out:
        out.write(b"<osm>" + b" " * (3 * MIB))
    with pytest.raises(InputError) as err:
        am.read_assets(bad, max_member_bytes=MIB)
    assert str(err.value).startswith(f"{bad}: member 'bomb.osm' expands to more than 1 MiB")


def test_workbook_and_zipped_shapefile_bombs_are_refused(tmp_path):
    xlsx = _bomb_zip(tmp_path / "list.xlsx", mib=8, member="xl/worksheets/sheet1.xml")
    with pytest.raises(InputError, match="'xl/worksheets/sheet1.xml' expands to more than"):
        am.read_assets(xlsx, max_member_bytes=2 * MIB)
    shp = _bomb_zip(tmp_path / "shapes.zip", mib=8, member="shapes.dbf")
    with pytest.raises(InputError, match="'shapes.dbf' expands to more than 2 MiB"):
        am.read_assets(shp, max_member_bytes=2 * MIB)


# --------------------------------------------------------------------------- wide files


def test_a_file_of_2000_columns_reads_in_one_pass(tmp_path):
    n = 2000
    header = ["name", "domain", "lat", "lon", *(f"c{i}" for i in range(n - 4))]
    rows = [
        [f"A{r}", "food", f"{40.81 + r / 1000:.3f}", "-73.91", *(f"{r}-{i}" for i in range(n - 4))]
        for r in range(5)
    ]
    p = tmp_path / "wide.csv"
    p.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n")
    a = am.read_assets(p)
    assert a["name"].tolist() == ["A0", "A1", "A2", "A3", "A4"]
    assert a["c0"].tolist() == ["0-0", "1-0", "2-0", "3-0", "4-0"]
    assert a.loc[4, "c1995"] == "4-1995" and len(am.rejected_rows(a)) == 0
    # the contract's columns, then the file's 1,996 others in order, then the geometry
    assert list(a.columns[-3:]) == ["c1994", "c1995", "geometry"]
    assert a.geometry.iloc[2].coords[0] == (-73.91, 40.812)


# --------------------------------------------------------------------------- GeoParquet


def test_geoparquet_written_by_geopandas(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"name": ["Pantry", "Clinic"], "domain": ["food", "primary_care"], "hours": ["M", ""]},
        geometry=[Point(-73.91, 40.81), Point(-73.90, 40.82)],
        crs="EPSG:4326",
    )
    p = tmp_path / "sites.parquet"
    gdf.to_parquet(p)
    a = am.read_assets(p)
    assert a["name"].tolist() == ["Pantry", "Clinic"]
    assert a["domain"].tolist() == ["food", "primary_care"]
    assert [g.coords[0] for g in a.geometry] == [(-73.91, 40.81), (-73.90, 40.82)]
    assert a["asset_id"].tolist() == ["sites:row2", "sites:row3"]
    # projected GeoParquet is brought back to longitude/latitude
    gdf.to_crs("EPSG:2263").to_parquet(tmp_path / "ny.parquet")
    b = am.read_assets(tmp_path / "ny.parquet")
    assert b.geometry.iloc[0].x == pytest.approx(-73.91, abs=1e-7)


def test_plain_parquet_without_geometry_says_what_to_do(tmp_path):
    p = tmp_path / "plain.parquet"
    pd.DataFrame({"name": ["A"], "domain": ["food"], "lat": [40.81], "lon": [-73.91]}).to_parquet(p)
    with pytest.raises(InputError, match="GeoParquet"):
        am.read_assets(p)


# --------------------------------------------------------------------------- shapes


def _shapes() -> gpd.GeoDataFrame:
    square = box(0, 0, 2, 2)  # point_on_surface: the middle of its middle row, (1, 1)
    two = MultiPolygon([box(0, 0, 2, 2), box(10, 10, 11, 11)])
    return gpd.GeoDataFrame(
        {
            "name": ["Square", "Line", "Two", "None", "Empty", "Point"],
            "domain": ["food"] * 6,
        },
        geometry=[square, LineString([(0, 0), (4, 0)]), two, None, Polygon(), Point(3, 3)],
        crs="EPSG:4326",
    )


def _check_shapes(a: gpd.GeoDataFrame) -> None:
    assert a["name"].tolist() == ["Square", "Line", "Two", "Point"]
    assert [g.coords[0] for g in a.geometry] == [(1.0, 1.0), (2.0, 0.0), (1.0, 1.0), (3.0, 3.0)]
    w = am.warning_rows(a)
    assert w["row"].tolist() == [2, 3, 4]
    assert w["value"].tolist() == ["Polygon", "LineString", "MultiPolygon"]
    assert w["problem"].iloc[0].startswith("a Polygon, not a point: placed at a point inside it")
    assert "(1.000000, 1.000000)" in w["problem"].iloc[0]
    assert "placed at half its length (0.000000, 2.000000)" in w["problem"].iloc[1]
    rej = am.rejected_rows(a)
    assert rej["row"].tolist() == [5, 6] and set(rej["problem"]) == {"geometry is empty"}


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".parquet", ".shp"])
def test_shapes_in_files_become_inside_points_with_a_warning(tmp_path, suffix):
    gdf = _shapes()
    p = tmp_path / f"shapes{suffix}"
    if suffix == ".shp":  # a shapefile holds one geometry type: polygons only
        gdf = gdf.iloc[[0, 2, 3, 4]].reset_index(drop=True)
        gdf.to_file(p)
        a = am.read_assets(p)
        assert [g.coords[0] for g in a.geometry] == [(1.0, 1.0), (1.0, 1.0)]
        assert am.warning_rows(a)["row"].tolist() == [2, 3]
        assert am.rejected_rows(a)["row"].tolist() == [4, 5]
        return
    if suffix == ".parquet":
        gdf.to_parquet(p)
    else:
        gdf.to_file(p)
    _check_shapes(am.read_assets(p))


def test_shapes_in_a_frame_become_inside_points_with_a_warning():
    _check_shapes(am.read_assets(_shapes()))
