"""Units as real boundary files come: self-touching rings, text populations, odd CRSs."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely import Point, Polygon

import assetmap as am
from assetmap.errors import InputError
from assetmap.region import check_population, validate_units

SQUARE = Polygon([(0, 0), (0.01, 0), (0.01, 0.01), (0, 0.01)])
# A square with a collapsed spike (a common TIGER digitising artefact): invalid.
SPIKE = Polygon(
    [(0.02, 0), (0.03, 0), (0.03, 0.01), (0.025, 0.01), (0.025, 0.02), (0.025, 0.01), (0.02, 0.01)]
)
BOWTIE = Polygon([(0.04, 0), (0.05, 0.01), (0.05, 0), (0.04, 0.01)])
LINE_ONLY = Polygon([(0.06, 0), (0.07, 0), (0.08, 0)])  # zero area


def _write(
    tmp_path: Path, geoms: list[Polygon], pops: list[object], crs: str = "EPSG:4326"
) -> Path:
    gdf = gpd.GeoDataFrame(
        {
            "GEOID": [f"3600500{i:04d}" for i in range(len(geoms))],
            "NAME": [f"Tract {i}" for i in range(len(geoms))],
            "POP": pops,
        },
        geometry=geoms,
        crs="EPSG:4326",
    ).to_crs(crs)
    path = tmp_path / "units.gpkg"
    gdf.to_file(path)
    return path


def test_invalid_rings_are_repaired_to_polygons(tmp_path: Path) -> None:
    path = _write(tmp_path, [SQUARE, SPIKE, BOWTIE], [10, 20, 30])
    units = am.read_units(path, id="GEOID", name="NAME", population="POP")
    assert units.geometry.is_valid.all()
    assert set(units.geom_type) <= {"Polygon", "MultiPolygon"}
    # The spike's square keeps its area (1e-4 deg²); the bowtie becomes two triangles.
    assert units.geometry.iloc[1].area == pytest.approx(1e-4, rel=1e-6)
    assert units.geom_type.iloc[2] == "MultiPolygon"
    assert units.index.tolist() == ["36005000000", "36005000001", "36005000002"]


def test_zero_area_unit_is_named_by_row(tmp_path: Path) -> None:
    path = _write(tmp_path, [SQUARE, LINE_ONLY], [10, 20])
    with pytest.raises(InputError) as err:
        am.read_units(path, id="GEOID", name="NAME", population="POP")
    text = str(err.value)
    assert "row 3" in text and "geometry" in text and "units.gpkg" in text


def test_population_with_thousands_separators(tmp_path: Path) -> None:
    path = _write(tmp_path, [SQUARE, BOWTIE, SPIKE], ["1,234", " 2\u00a0500 ", "0"])
    units = am.read_units(path, id="GEOID", name="NAME", population="POP")
    assert units["population"].tolist() == [1234.0, 2500.0, 0.0]


def test_empty_population_is_named_by_unit(tmp_path: Path) -> None:
    # An empty cell used to become NaN and count as nobody: now the unit is named.
    path = _write(tmp_path, [SQUARE, BOWTIE, SPIKE], ["1,234", "", " "])
    with pytest.raises(InputError) as err:
        am.read_units(path, id="GEOID", name="NAME", population="POP")
    text = str(err.value)
    assert "units.gpkg" in text and "'POP'" in text
    assert "2 units have no population: '36005000001' (Tract 1), '36005000002' (Tract 2)" in text


def _frame(pops: list[float]) -> gpd.GeoDataFrame:
    ids = [f"u{i}" for i in range(len(pops))]
    return gpd.GeoDataFrame(
        {"name": [f"N{i}" for i in range(len(pops))], "population": pops},
        geometry=[SQUARE] * len(pops),
        index=pd.Index(ids, name="unit_id"),
        crs="EPSG:4326",
    )


def test_nan_and_negative_population_are_named_in_one_error() -> None:
    with pytest.raises(InputError) as err:
        validate_units(_frame([10.0, float("nan"), -5.0, 0.0, -1.0]))
    text = str(err.value)
    assert "1 unit has no population: 'u1' (N1)" in text
    assert "2 units have a negative population: 'u2' (N2), 'u4' (N4)" in text
    assert "column 'population'" in text


def test_more_than_five_bad_units_are_counted() -> None:
    pattern = r"7 units have no population: 'u0' .*'u4' \(N4\) and 2 more"
    with pytest.raises(InputError, match=pattern):
        check_population(_frame([float("nan")] * 7))


def test_access_refuses_a_frame_with_nan_population() -> None:
    # A frame built in a notebook skips read_units; access must not count NaN as 0.
    units = _frame([100.0, float("nan")])
    assets = gpd.GeoDataFrame(
        {"asset_id": ["a"], "name": ["Pantry"], "domain": ["food"]},
        geometry=[Point(0.005, 0.005)],
        crs="EPSG:4326",
    )
    with pytest.raises(InputError, match=r"1 unit has no population: 'u1' \(N1\)"):
        am.access(units, assets)


def test_population_text_that_is_not_a_number(tmp_path: Path) -> None:
    path = _write(tmp_path, [SQUARE, BOWTIE], ["12", "about 40"])
    with pytest.raises(InputError) as err:
        am.read_units(path, id="GEOID", name="NAME", population="POP")
    text = str(err.value)
    assert "row 3" in text and "'POP'" in text
    assert "about 40" in text


def test_projected_units_are_stored_in_wgs84(tmp_path: Path) -> None:
    path = _write(tmp_path, [SQUARE], [5], crs="EPSG:2263")  # NY State Plane, feet
    units = am.read_units(path, id="GEOID", name="NAME", population="POP")
    assert units.crs.to_epsg() == 4326
    assert units.total_bounds == pytest.approx(SQUARE.bounds, abs=1e-7)


def test_census_boundary_file_without_population_says_where_to_get_it(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"GEOID": ["36005000100"], "NAMELSAD": ["Census Tract 1"], "ALAND": [1000]},
        geometry=[SQUARE],
        crs="EPSG:4269",
    )
    path = tmp_path / "cb_2023_36_tract_500k.gpkg"
    gdf.to_file(path)
    with pytest.raises(InputError) as err:
        am.read_units(path, id="GEOID", name="NAMELSAD")
    assert "'population'" in str(err.value) and "assetmap fetch" in str(err.value)


def test_read_population_points_csv_and_its_errors(tmp_path):
    from assetmap.errors import InputError
    from assetmap.region import read_population_points

    units = pd.DataFrame({"population": [10]}, index=pd.Index(["BX0101"], name="unit_id"))
    good = tmp_path / "pts.csv"
    good.write_text("unit_id,population,longitude,latitude\nBX0101,7.5,-73.9,40.8\n")
    pts = read_population_points(good, units=units)
    assert pts[["unit_id", "population"]].values.tolist() == [["BX0101", 7.5]]
    assert (pts.geometry.x.iloc[0], pts.geometry.y.iloc[0]) == (-73.9, 40.8)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "unit_id,population,longitude,latitude\nBX0101,1,-73.9,40.8\nXX9,-2,-73.9,40.8\n"
    )
    with pytest.raises(InputError, match="negative population") as err:
        read_population_points(bad, units=units)
    assert (err.value.row, err.value.column) == (3, "population")
    bad.write_text("unit_id,population,longitude,latitude\nBX0101,1,-73.9,40.8\nXX9,2,-73.9,40.8\n")
    with pytest.raises(InputError, match="'XX9' \\(1\\)") as err:
        read_population_points(bad, units=units)
    assert err.value.row == 3
