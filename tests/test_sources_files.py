"""Asset tables: every problem named by file, row and column; nothing dropped silently."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

import assetmap as am
from assetmap.errors import InputError
from tests.conftest import squares

HEADER = "id,name,domain,lat,lon\n"


def write(tmp_path, text, name="a.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


@pytest.fixture
def region():
    return squares(3, size=2000)  # lon ~ -73.93..-73.86, lat ~ 40.83..40.85


def _pt(region):
    c = region.geometry.iloc[1].representative_point()
    return c.y, c.x


def test_reads_common_column_names_and_aliases(tmp_path, region):
    lat, lon = _pt(region)
    p = write(
        tmp_path,
        "Record ID,Program Name,Category,Latitude,LNG\n"
        f"1,Pantry One,Food Pantry,{lat},{lon}\n"
        f"2,Clinic,community health center,{lat},{lon}\n"
        f"3,Seniors,SENIOR CENTER,{lat},{lon}\n",
    )
    a = am.read_assets(p, region=region, source="t")
    assert a["domain"].tolist() == ["food", "primary_care", "older_adults"]
    assert a["asset_id"].tolist() == ["t:1", "t:2", "t:3"]
    assert a.crs.to_epsg() == 4326
    assert a.geometry.iloc[0].y == pytest.approx(lat)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "utf-8"])
def test_encodings(tmp_path, region, encoding):
    lat, lon = _pt(region)
    p = write(tmp_path, HEADER + f"1,Café Señora Pantry,food,{lat},{lon}\n", encoding=encoding)
    assert am.read_assets(p)["name"].iloc[0] == "Café Señora Pantry"


def test_semicolon_delimiter_is_detected(tmp_path, region):
    lat, lon = _pt(region)
    p = write(tmp_path, f"id;name;domain;lat;lon\n1;A;food;{lat};{lon}\n")
    assert len(am.read_assets(p)) == 1


def test_rows_set_aside_name_row_and_column(tmp_path, region):
    lat, lon = _pt(region)
    text = (
        HEADER
        + "\n".join(
            [
                f"1,Good,food,{lat},{lon}",  # row 2
                f"2,No lat,food,,{lon}",  # row 3: missing
                f"3,Words,food,north,{lon}",  # row 4: not a number
                f"4,Swapped,food,{lon},{lat}",  # row 5: out of range and swapped
                f"5,Unknown,fod pantry,{lat},{lon}",  # row 6: unknown domain
                f"1,Dup id,food,{lat},{lon}",  # row 7: duplicate id
                f"7,Far,food,{lat + 2},{lon}",  # row 8: 220 km away
                f"8,,food,{lat},{lon}",  # row 9: empty name
            ]
        )
        + "\n"
    )
    p = write(tmp_path, text)
    a = am.read_assets(p, region=region)
    rej = am.rejected_rows(a).set_index("row")
    assert len(a) == 1 and len(a) + len(rej) == 8
    assert rej.loc[3, "column"] == "lat" and "missing" in rej.loc[3, "problem"]
    assert rej.loc[4, "column"] == "lat" and "'north' is not a number" in rej.loc[4, "problem"]
    assert "swapped" in rej.loc[5, "problem"]
    assert rej.loc[6, "column"] == "domain" and "closest: food" in rej.loc[6, "problem"]
    assert rej.loc[7, "column"] == "id" and "row 2" in rej.loc[7, "problem"]
    assert "outside the region" in rej.loc[8, "problem"]
    assert rej.loc[9, "column"] == "name"
    assert (rej["file"] == str(p)).all()


def test_swapped_coordinates_inside_range_are_detected(tmp_path):
    # a region near the equator/prime meridian where lat/lon swaps stay in range
    from shapely.geometry import box

    reg = gpd.GeoDataFrame(
        {"unit_id": ["r"], "name": ["R"], "population": [1.0]},
        geometry=[box(30.0, 10.0, 30.5, 10.5)],
        crs="EPSG:4326",
    ).set_index("unit_id")
    p = write(tmp_path, HEADER + "1,A,food,30.2,10.2\n2,B,food,10.2,30.2\n")
    a = am.read_assets(p, region=reg)
    rej = am.rejected_rows(a)
    assert len(a) == 1 and rej["row"].tolist() == [2]
    assert "swapped" in rej["problem"].iloc[0]


def test_strict_raises_with_row_and_column(tmp_path):
    p = write(tmp_path, HEADER + "1,A,food,,-73.9\n")
    with pytest.raises(InputError) as exc:
        am.read_assets(p, strict=True)
    assert exc.value.row == 2 and exc.value.column == "lat"
    assert "row 2" in str(exc.value) and "'lat'" in str(exc.value)


def test_empty_file_and_header_only(tmp_path):
    with pytest.raises(InputError, match="empty"):
        am.read_assets(write(tmp_path, ""))
    with pytest.raises(InputError, match="no rows"):
        am.read_assets(write(tmp_path, HEADER))


def test_wrong_delimiter_is_explained(tmp_path):
    p = write(tmp_path, "id;name;domain;lat;lon\n1;A;food;40.8;-73.9\n")
    with pytest.raises(InputError, match="delimiter"):
        am.read_assets(p, delimiter=",")


def test_missing_coordinate_columns(tmp_path):
    with pytest.raises(InputError, match="latitude"):
        am.read_assets(write(tmp_path, "id,name,domain\n1,A,food\n"))


def test_assets_just_outside_region_are_kept_and_marked(tmp_path, region):
    b = region.total_bounds
    p = write(tmp_path, HEADER + f"1,Edge,food,{(b[1] + b[3]) / 2},{b[0] - 0.005}\n")
    a = am.read_assets(p, region=region)
    assert len(a) == 1 and bool(a["outside_region"].iloc[0])


def test_spatial_files_missing_crs_and_bad_geometry(tmp_path, region):
    lat, lon = _pt(region)
    bow = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    gdf = gpd.GeoDataFrame(
        {"name": ["Ok", "Bow", "Poly"], "domain": ["food", "food", "housing"]},
        geometry=[Point(lon, lat), bow, Point(lon, lat).buffer(0.001)],
        crs="EPSG:4326",
    )
    path = tmp_path / "a.gpkg"
    gdf.to_file(path)
    a = am.read_assets(path)
    rej = am.rejected_rows(a)
    assert a["name"].tolist() == ["Ok", "Poly"]
    assert a.geometry.geom_type.eq("Point").all()
    assert rej["row"].tolist() == [3] and "invalid" in rej["problem"].iloc[0]
    nocrs = tmp_path / "nocrs.geojson"
    nocrs.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"name":"A","domain":"food"},"geometry":{"type":"Point","coordinates":[500000,4500000]}}]}'
    )
    # GeoJSON defaults to EPSG:4326 by spec; a shapefile without .prj has no CRS
    shp = tmp_path / "nocrs.shp"
    gdf.iloc[[0]].set_crs(None, allow_override=True).to_file(shp)
    with pytest.raises(InputError, match="no coordinate reference system"):
        am.read_assets(shp)


def test_xlsx(tmp_path, region):
    lat, lon = _pt(region)
    df = pd.DataFrame(
        {"Name": ["A", "B"], "Type": ["food", "nope"], "Lat": [lat, lat], "Lon": [lon, lon]}
    )
    path = tmp_path / "a.xlsx"
    df.to_excel(path, index=False)
    a = am.read_assets(path)
    assert len(a) == 1 and am.rejected_rows(a)["row"].tolist() == [3]


def test_combine_keeps_provenance(tmp_path, region):
    lat, lon = _pt(region)
    a = am.read_assets(write(tmp_path, HEADER + f"1,A,food,{lat},{lon}\n", "x.csv"), source="x")
    b = am.read_assets(write(tmp_path, HEADER + f"1,B,food,{lat},{lon}\n", "y.csv"), source="y")
    both = am.combine([a, b])
    assert both["asset_id"].tolist() == ["x:1", "y:1"]
    assert both["source"].tolist() == ["x", "y"]


@pytest.mark.filterwarnings("ignore:.*Invalid coord dimension:RuntimeWarning")
def test_empty_geometries_are_set_aside_with_row_and_column(tmp_path, region):
    lat, lon = _pt(region)
    feats = [
        {"type": "Feature", "properties": {"name": "Ok", "domain": "food"},
         "geometry": {"type": "Point", "coordinates": [lon, lat]}},
        {"type": "Feature", "properties": {"name": "Null", "domain": "food"}, "geometry": None},
        {"type": "Feature", "properties": {"name": "Empty", "domain": "food"},
         "geometry": {"type": "Point", "coordinates": []}},
    ]  # fmt: skip
    path = tmp_path / "a.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    a = am.read_assets(path)
    rej = am.rejected_rows(a)
    assert a["name"].tolist() == ["Ok"]
    assert rej["row"].tolist() == [3, 4]
    assert (rej["column"] == "geometry").all() and rej["problem"].str.contains("empty").all()


def test_spatial_file_with_contract_named_columns(tmp_path, region):
    lat, lon = _pt(region)
    gdf = gpd.GeoDataFrame(
        {"name": ["A"], "domain": ["food"], "source": ["osm"], "outside_region": ["no"]},
        geometry=[Point(lon, lat)],
        crs="EPSG:4326",
    )
    path = tmp_path / "a.geojson"
    gdf.to_file(path)
    a = am.read_assets(path, source="mine")
    assert a.columns.is_unique
    assert a["source"].iloc[0] == "mine" and a["source_original"].iloc[0] == "osm"
    assert len(am.combine([a, a])) == 2


def test_row_with_extra_field_is_named(tmp_path):
    p = write(tmp_path, HEADER + "1,A,food,40.85,-73.9\n2,B, Inc,food,40.85,-73.9\n")
    with pytest.raises(InputError) as exc:
        am.read_assets(p)
    assert exc.value.row == 3 and "6 fields but the header has 5" in str(exc.value)


# --------------------------------------------------------------------------- positions

POSITIONS = Path(__file__).parent / "fixtures" / "positions" / "pantries.csv"


def test_swapped_and_far_rows_are_named_and_kept():
    # Worked by hand (tests/fixtures/positions/README.md). For row 7 the other rows'
    # median is (40.825, -73.915); exchanged, (40.835, -73.905) is 0.01° of latitude
    # (1.112 km) and 0.01° of longitude at 40.83° N (0.842 km) away: 1.4 km. For row 8 the
    # others' median is (40.825, -73.905); Springfield, IL is 1,338 km from it on a sphere
    # of 6,371 km (pyproj's ellipsoid: 1,342 km). All rows lie a median 2.8 km from the
    # median point (40.82, -73.91) (row 5, Delta: 2.224 km north, 1.684 km east), so rows
    # beyond max(10 × 2.8, 50) = 50 km are far.
    a = am.read_assets(POSITIONS)
    assert len(a) == 7 and am.rejected_rows(a).empty  # nothing set aside: both are kept
    w = am.assets.warning_rows(a)
    assert w[["row", "column", "value"]].values.tolist() == [
        [7, "lat", "-73.905000, 40.835000"],
        [8, "lat", "39.781700, -89.650100"],
    ]
    assert w["problem"].iloc[0].startswith("latitude and longitude look swapped")
    assert "exchanged it is 1.4 km from it" in w["problem"].iloc[0]
    assert "1,338 km from the median of the other rows" in w["problem"].iloc[1]
    assert "a median 2.8 km from it (flagged beyond 50 km" in w["problem"].iloc[1]


def test_position_warnings_thresholds_and_small_lists():
    from assetmap.readers.positions import position_warnings

    def pts(lonlat):
        lon, lat = zip(*lonlat, strict=True)
        return gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")

    bronx = [(-73.91, 40.81), (-73.90, 40.82), (-73.92, 40.83), (-73.89, 40.84)]
    # 40 km north (0.36° of latitude = 40.0 km) is under 50 km: no warning; 60 km is
    assert position_warnings(pts([*bronx, (-73.91, 40.825 + 0.36)])).empty
    far = position_warnings(pts([*bronx, (-73.91, 40.825 + 0.54)]))
    assert far["row"].tolist() == [6] and "60 km from the median" in far["problem"].iloc[0]
    assert position_warnings(pts([*bronx, (-73.91, 40.825 + 0.54)]), far_km=70).empty
    # three rows: no median test, but the region test still names a swap
    three = pts([(-73.91, 40.81), (-73.90, 40.82), (40.83, -73.92)])
    assert position_warnings(three).empty
    region = gpd.GeoDataFrame(
        geometry=[Polygon([(-74, 40.7), (-73.8, 40.7), (-73.8, 40.9), (-74, 40.9)])],
        crs="EPSG:4326",
    )
    w = position_warnings(three, region=region)
    assert w["row"].tolist() == [4] and "exchanged it falls inside" in w["problem"].iloc[0]


def test_validate_prints_the_warnings_and_keeps_the_rows(tmp_path):
    from click.testing import CliRunner

    from assetmap.cli.main import cli

    res = CliRunner().invoke(cli, ["validate", str(POSITIONS)])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert f"{POSITIONS}, row 7, column 'lat': warning (kept): latitude and longitude" in (
        res.output
    )
    assert any(ln.startswith(f"{POSITIONS}, row 8, column 'lat': warning (kept)") for ln in lines)
    assert lines[-1] == "7 rows read = 7 kept + 0 set aside. 2 kept with a warning to check."
    js = json.loads(CliRunner().invoke(cli, ["validate", str(POSITIONS), "--json"]).output)
    assert [w["row"] for w in js["warnings"]] == [7, 8] and js["kept"] == 7


# --------------------------------------------------------------------------- in memory


def test_read_assets_takes_a_geodataframe_and_a_dataframe(tmp_path, region):
    lat, lon = _pt(region)
    gdf = gpd.GeoDataFrame(
        {"name": ["Pantry A", "Clinic B", "Nowhere"], "domain": ["food", "Clinic", "food"]},
        geometry=[Point(lon, lat), Point(lon + 0.001, lat), None],
        crs="EPSG:4326",
    )
    a = am.read_assets(gdf, source="mine", region=region)
    assert a["asset_id"].tolist() == ["mine:row2", "mine:row3"]
    assert a["domain"].tolist() == ["food", "primary_care"]
    (r,) = am.rejected_rows(a).to_dict("records")
    assert (r["file"], r["row"], r["column"]) == ("<GeoDataFrame 'mine'>", 4, "geometry")
    # projected frames are brought to EPSG:4326
    b = am.read_assets(gdf.iloc[:2].to_crs(32618))
    assert b.geometry.x.round(6).tolist() == a.geometry.x.round(6).tolist()
    # a plain DataFrame by its coordinate columns
    df = pd.DataFrame({"Program Name": ["P"], "Category": ["food"], "lat": [lat], "lon": [lon]})
    c = am.read_assets(df)
    assert (c["name"].iloc[0], c.geometry.y.iloc[0]) == ("P", pytest.approx(lat))
    # an Assets frame read again gives the same assets
    again = am.read_assets(a, source="mine")
    assert again[["name", "domain"]].values.tolist() == a[["name", "domain"]].values.tolist()
    with pytest.raises(InputError, match="has no CRS"):
        am.read_assets(gdf.set_crs(None, allow_override=True))
    with pytest.raises(InputError, match="not for a frame in memory"):
        am.read_assets(gdf, kind="csv")
