"""Hot spots of need without access: Getis-Ord Gi* and local Moran's I on a hand-made grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("esda")

from assetmap.analysis.hotspots import hotspots, need_without_access  # noqa: E402
from assetmap.errors import InputError  # noqa: E402
from tests.conftest import UTM, X0, Y0  # noqa: E402


def _grid(n=7):
    import geopandas as gpd
    from shapely.geometry import box

    cells = [(i, j) for j in range(n) for i in range(n)]
    ids = [f"c{i}{j}" for i, j in cells]
    # need is high in the 3 x 3 block at the south-west corner, low elsewhere
    need = [1.0 if (i < 3 and j < 3) else 0.1 + 0.01 * ((i * 7 + j * 3) % 5) for i, j in cells]
    units = gpd.GeoDataFrame(
        {"unit_id": ids, "name": ids, "population": 1000.0, "need_pct": need},
        geometry=[
            box(X0 + 500 * i, Y0 + 500 * j, X0 + 500 * (i + 1), Y0 + 500 * (j + 1))
            for i, j in cells
        ],
        crs=UTM,
    ).set_index("unit_id")
    # no service anywhere: supply 0, so the score is the need
    access = pd.DataFrame(
        {"unit_id": ids, "domain": "food", "e2sfca_ratio": 0.0, "count_within": 0}
    )
    return units.to_crs("EPSG:4326"), access


def test_score_is_need_times_lack_of_supply():
    units, access = _grid(3)
    access.loc[0, "e2sfca_ratio"] = 5.0  # c00 has the best supply: rank 1, score 0
    score = need_without_access(units, access, "food")
    assert score["c00"] == 0.0
    assert score["c10"] == pytest.approx(units.loc["c10", "need_pct"])


def test_gi_star_finds_the_block_and_matches_the_formula():
    units, access = _grid()
    hs = hotspots(units, access, permutations=999, seed=1).set_index("unit_id")
    assert hs.loc["c11", "label"] == "hot spot"  # centre of the needy block
    assert hs.loc["c66", "label"] != "hot spot"
    assert hs.loc["c11", "p_sim"] <= 0.01
    # Gi* by hand for c11: binary Queen weights with itself, its 8 neighbours all 1.0
    y = units["need_pct"].to_numpy()
    n, wsum = len(y), 9.0
    s = np.sqrt((y**2).mean() - y.mean() ** 2)
    z = (9 * 1.0 - y.mean() * wsum) / (s * np.sqrt((n * wsum - wsum**2) / (n - 1)))
    assert hs.loc["c11", "z"] == pytest.approx(z, rel=1e-9)
    assert hs.attrs["hotspots"]["method"] == "gi_star"


def test_local_moran_labels_high_high():
    units, access = _grid()
    hs = hotspots(units, access, method="moran", permutations=499, seed=3).set_index("unit_id")
    assert hs.loc["c11", "label"] == "hot spot"
    assert (hs["label"] == "hot spot").sum() <= 9


def test_unpopulated_units_are_not_assessed_and_bad_options():
    units, access = _grid()
    units.loc["c33", "population"] = 0
    hs = hotspots(units, access, permutations=99).set_index("unit_id")
    assert hs.loc["c33", "label"] == "not assessed" and np.isnan(hs.loc["c33", "z"])
    with pytest.raises(InputError, match="method"):
        hotspots(units, access, method="kriging")
    with pytest.raises(InputError) as err:
        hotspots(units.drop(columns="need_pct"), access)
    assert err.value.column == "need_pct"
