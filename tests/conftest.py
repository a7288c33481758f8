"""Shared fixtures: small hand-made units and assets in a real projected CRS."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

# Fixtures of the online-source tests (a fresh cache, recorded retries, no DNS).
pytest_plugins = ["tests._census_mocks"]

UTM = "EPSG:32618"  # the Bronx's UTM zone; fixtures are laid out in metres
X0, Y0 = 590_000.0, 4_520_000.0


def squares(n: int, size: float = 1000.0, pops: list[float] | None = None) -> gpd.GeoDataFrame:
    """A row of ``n`` square units ``size`` metres wide, ids u1..un, in EPSG:4326."""
    geoms = [box(X0 + i * size, Y0, X0 + (i + 1) * size, Y0 + size) for i in range(n)]
    df = gpd.GeoDataFrame(
        {
            "unit_id": [f"u{i + 1}" for i in range(n)],
            "name": [f"Unit {i + 1}" for i in range(n)],
            "population": pops or [1000.0] * n,
        },
        geometry=geoms,
        crs=UTM,
    ).set_index("unit_id")
    return df.to_crs("EPSG:4326")


def assets_at(points: list[tuple[float, float, str]], **cols: list[object]) -> gpd.GeoDataFrame:
    """Assets at (x, y) metre offsets from the fixture origin with a domain each."""
    n = len(points)
    df = gpd.GeoDataFrame(
        {
            "asset_id": [f"a{i + 1}" for i in range(n)],
            "name": cols.pop("name", [f"Asset {i + 1}" for i in range(n)]),
            "domain": [p[2] for p in points],
            "capacity": cols.pop("capacity", [float("nan")] * n),
            "outside_region": [False] * n,
            **cols,
        },
        geometry=[Point(X0 + p[0], Y0 + p[1]) for p in points],
        crs=UTM,
    )
    return df.to_crs("EPSG:4326")


@pytest.fixture(scope="session")
def sample_project():
    import assetmap as am

    return am.load_sample()


@pytest.fixture(scope="session")
def sample_atlas(sample_project):
    return sample_project.build()


@pytest.fixture
def frame_eq():
    return pd.testing.assert_frame_equal
