"""Privacy: small-cell suppression with complementary suppression, and no person in outputs.

The suppression tests check values worked by hand and, for random tables, an independent
linear-algebra oracle (:func:`assetmap.anchor.privacy.hidden_is_recoverable`). The end-to-end
test feeds an HR extract with home addresses and coordinates through ``assetmap build``
and proves that (1) no output contains a coordinate (at 7 down to 3 decimals) or an
address, name or id from it, and (2) the outputs are exactly those of the same study fed
only the per-unit and per-ZIP counts, i.e. nothing finer than the counts gets through.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from assetmap._resources import sample_dir
from assetmap.anchor.privacy import hidden_is_recoverable, suppress_small_cells, suppress_table
from assetmap.cli.main import cli


def _extended(raw: pd.DataFrame) -> pd.DataFrame:
    ext = raw.astype(float).copy()
    if raw.shape[1] > 1:
        ext["total"] = raw.sum(axis=1)
    ext.loc["total"] = ext.sum(axis=0)
    return ext


# ---------------------------------------------------------------- one-way tables


def test_single_small_cell_gets_a_complement():
    # 3 is hidden; alone it would be 68 - 40 - 25 - 0; the smallest other non-zero count
    # (25) is hidden with it, so the total only gives their sum, 28.
    out = suppress_small_cells(pd.Series([40, 3, 25, 0], index=list("abcd")), 11)
    assert out.isna().tolist() == [False, True, True, False]
    assert out["a"] == 40 and out["d"] == 0


def test_hidden_cells_must_not_add_up_to_a_small_count():
    # 2 and 3 are both hidden, but 70 - 40 - 25 would give their sum, 5: a small cell.
    out = suppress_small_cells(pd.Series([40, 2, 3, 25]), 11)
    assert out.isna().tolist() == [False, True, True, True]


def test_nothing_small_nothing_hidden_and_zeros_are_published():
    out = suppress_small_cells(pd.Series([0, 11, 0, 250]), 11)
    assert out.tolist() == [0.0, 11.0, 0.0, 250.0]


def test_min_cell_is_a_parameter():
    s = pd.Series([40, 12, 25, 30])
    assert suppress_small_cells(s, 11).notna().all()
    assert suppress_small_cells(s, 20).isna().tolist() == [False, True, True, False]
    assert suppress_small_cells(pd.Series([1, 2, 40]), 1).tolist() == [1.0, 2.0, 40.0]


def test_one_way_total_is_published_and_not_small():
    raw = pd.DataFrame({"n": [40, 3, 25, 0]})
    pub = suppress_table(raw, 11)
    assert pub.loc["total", "n"] == 68  # the region total: published, from every cell
    assert not hidden_is_recoverable(raw, pub).to_numpy().any()


def test_small_region_total_is_hidden_everywhere():
    raw = pd.DataFrame({"n": [4, 3, 0]})
    pub = suppress_table(raw, 11)
    assert pub["n"].isna().tolist() == [True, True, False, True]


# ---------------------------------------------------------------- two-way tables


def test_two_way_complements_form_a_cycle():
    # u2 has 4 in band b1: row u2 needs a second hidden cell (20); columns b1 and b2 then
    # need one each, taken from the same row (u3: 25 and 15) so that every row and column
    # holds two hidden cells and the four form a cycle. Margins stay published.
    raw = pd.DataFrame({"b1": [30, 4, 25], "b2": [12, 20, 15]}, index=["u1", "u2", "u3"])
    pub = suppress_table(raw, 11)
    hidden = pub.isna()
    assert hidden.loc[["u2", "u3"], ["b1", "b2"]].to_numpy().all()
    assert hidden.sum().sum() == 4
    assert pub.loc["u1"].tolist() == [30, 12, 42]
    assert pub["total"].tolist() == [42, 24, 40, 106]
    assert pub.loc["total"].tolist() == [59, 47, 106]
    assert not hidden_is_recoverable(raw, pub).to_numpy().any()


def test_complementary_suppression_across_lines():
    # Hand-worked: line by line, hiding u1·b1 (12, the complement of u1·b3 = 2) looks
    # safe, since every line has two hidden entries. But row u3 (30 + 20 + 0 = 50) and the
    # margin row (C1 + C2 + 42 = 104) give C1 + C2 = 62 = u1·b1 + 50, so u1·b1 = 12.
    # In the graph of hidden entries u1·b1 is a bridge; rule 3 closes it by hiding the
    # b3 column total too.
    raw = pd.DataFrame(
        {"b1": [12, 0, 30], "b2": [0, 0, 20], "b3": [2, 40, 0]}, index=["u1", "u2", "u3"]
    )
    pub = suppress_table(raw, 11)
    assert np.isnan(pub.loc["total", "b3"])
    assert pub.loc["total", "total"] == 104
    assert not hidden_is_recoverable(raw, pub).to_numpy().any()
    # the oracle does see the leak when the cross-line rule is left out
    leaky = pub.copy()
    leaky.loc["total", "b3"] = 42.0
    assert hidden_is_recoverable(raw, leaky).loc["u1", "b1"]


def test_oracle_flags_primary_suppression_alone():
    raw = pd.DataFrame({"n": [40, 3, 25]})
    naive = _extended(raw)
    naive.iloc[1, 0] = np.nan
    assert hidden_is_recoverable(raw, naive).iloc[1, 0]


def test_bad_counts_and_labels_are_refused():
    with pytest.raises(ValueError, match="non-negative whole numbers"):
        suppress_table(pd.DataFrame({"n": [1, -2]}))
    with pytest.raises(ValueError, match="non-negative whole numbers"):
        suppress_table(pd.DataFrame({"n": [1.5, 2]}))
    with pytest.raises(ValueError, match="already a label"):
        suppress_table(pd.DataFrame({"n": [1, 2]}, index=["total", "x"]))
    with pytest.raises(ValueError, match="min_cell"):
        suppress_table(pd.DataFrame({"n": [1, 2]}), 0)


counts = st.sampled_from([0, 0, 1, 2, 3, 5, 8, 10, 11, 12, 15, 20, 40, 90])


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 7).flatmap(
        lambda m: st.integers(1, 4).flatmap(
            lambda n: st.lists(st.lists(counts, min_size=n, max_size=n), min_size=m, max_size=m)
        )
    ),
    st.sampled_from([5, 11]),
)
def test_publication_rule_holds_for_any_table(cells, k):
    raw = pd.DataFrame(cells, columns=[f"b{j}" for j in range(len(cells[0]))])
    pub = suppress_table(raw, k)
    ext = _extended(raw)
    hidden = pub.isna()
    # published entries are the true values; every small entry is hidden
    assert (hidden | (pub == ext)).to_numpy().all()
    assert not ((ext > 0) & (ext < k) & ~hidden).to_numpy().any()
    # no hidden entry can be worked out from the published ones and the totals
    assert not hidden_is_recoverable(raw, pub).to_numpy().any()
    # a published line total never reveals a small sum of hidden cells
    v, h = ext.to_numpy(), hidden.to_numpy()
    lines = [(v[:, j], h[:, j]) for j in range(v.shape[1])]
    if raw.shape[1] > 1:
        lines += [(v[i, :], h[i, :]) for i in range(v.shape[0])]
    for values, hid in lines:
        if not hid[-1]:
            s = values[:-1][hid[:-1]].sum()
            assert s == 0 or s >= k


# ---------------------------------------------------------------- end to end

REGION = ["BX0402", "BX0403", "BX0501", "BX0502", "BX0503", "BX0602", "BX0603", "BX0701"]
STREETS = ["Quillfeather Street", "Marrowbend Avenue", "Oxlip Terrace", "Vantleer Place"]
BANDS = ["Under $45,000", "$45,000 and over"]
ROUNDINGS = (7, 6, 5, 4, 3)
_NUMBER = re.compile(r"-?\d+\.\d+")


def _project(folder: Path, employment: str | None) -> Path:
    d = sample_dir()
    lines = [
        "name: Privacy test (synthetic)",
        "synthetic: true",
        "units: {path: units.geojson}",
        "assets:",
        f"  - {{path: {d / 'assets_partners.csv'}, kind: csv, source: partners, columns: "
        "{asset_id: ID, name: Program Name, org: Organization, domain: Service Type, "
        "sector: Sector, address: Street Address, phone: Phone, capacity: Capacity}}",
        "anchor:",
        f"  hospital: {{path: {d / 'hospital.csv'}}}",
        f"  space: {{path: {d / 'anchor_space.csv'}}}",
        f"  crosswalk: {{path: {d / 'crosswalk_zcta_nta.csv'}}}",
    ]
    if employment:
        lines.append(f"  employment: {{path: {employment}, unknown_zip: outside}}")
    (folder / "study.yml").write_text("\n".join(lines) + "\n")
    return folder / "study.yml"


def _build(folder: Path, employment: str | None) -> Path:
    out = folder / "out"
    res = CliRunner().invoke(cli, ["build", str(_project(folder, employment)), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def _gpkg_text(path: Path) -> str:
    parts = []
    for layer, _ in pyogrio.list_layers(path):
        df = pyogrio.read_dataframe(path, layer=layer)
        if isinstance(df, gpd.GeoDataFrame) and df.geometry.notna().any():
            wkt = shapely.to_wkt(df.geometry.to_numpy(), rounding_precision=-1)
            df = pd.DataFrame(df.drop(columns=df.geometry.name)).assign(wkt=wkt)
        parts.append(df.to_csv(index=False))
    return "\n".join(parts)


def _outputs(out: Path) -> dict[str, str]:
    """Every output file as text (the GeoPackage read back layer by layer)."""
    texts = {}
    for p in sorted(out.rglob("*")):
        if p.suffix in (".html", ".md", ".csv", ".json"):
            texts[p.name] = p.read_text(encoding="utf-8")
        elif p.suffix == ".gpkg":
            texts[p.name] = _gpkg_text(p)
    # report.pdf is a print of report.html and figures/*.png are drawings of the units
    # and services; both are checked through report.html and the equality test below.
    return texts


def _tokens(value: float) -> set[str]:
    out = set()
    for d in ROUNDINGS:
        r = round(value, d)
        for t in (f"{r:.{d}f}", repr(r)):
            out |= {t, t.lstrip("-")}
    return out


def _numbers(texts: dict[str, str]) -> set[str]:
    found = set()
    for t in texts.values():
        for n in _NUMBER.findall(t):
            found |= {n, n.lstrip("-")}
    return found


def _employees(units: gpd.GeoDataFrame, background: set[str]) -> pd.DataFrame:
    """An HR extract: one row per person, home address, ZIP and coordinates (7 decimals).

    Points whose coordinates, at any rounding, already appear in a build without this
    file are skipped, so any hit in the test is a leak and not a coincidence.
    """
    rng = np.random.default_rng(77)
    region = units.union_all()
    minx, miny, maxx, maxy = region.bounds
    rows = []

    def person(i: int, **place: object) -> dict[str, object]:
        return {
            "employee_id": f"EMP-7731-{i:04d}",
            "full_name": f"Jordan Testperson{i:04d}",
            "home_address": f"{1000 + 7 * i} {STREETS[i % 4]}",
            "apt": f"Apt {i % 9 + 1}R",
            "city": "Bronx",
            "zip": "",
            "latitude": "",
            "longitude": "",
            "wage_band": BANDS[int(rng.random() < 0.4)],
            "new_hire": "yes" if rng.random() < 0.15 else "no",
            **place,
        }

    i = 0
    while len(rows) < 260:  # homes inside the study units, placed by coordinates
        lat = round(rng.uniform(miny, maxy), 7)
        lon = round(rng.uniform(minx, maxx), 7)
        if not region.contains(shapely.Point(lon, lat)):
            continue
        if (_tokens(lat) | _tokens(lon)) & background:
            continue
        i += 1
        rows.append(person(i, zip="10457", latitude=f"{lat:.7f}", longitude=f"{lon:.7f}"))
    for z in ["10453"] * 25 + ["10457"] * 20 + ["10452"] * 12:  # address and ZIP only
        i += 1
        rows.append(person(i, zip=z))
    for lat, lon in [(40.8731113, -73.8259227), (40.8203317, -73.8600121)] * 8:  # elsewhere
        i += 1
        rows.append(person(i, zip="10469", latitude=f"{lat:.7f}", longitude=f"{lon:.7f}"))
    for _ in range(13):  # Yonkers: not in the crosswalk, counted outside
        i += 1
        rows.append(person(i, zip="10705"))
    return pd.DataFrame(rows)


def _aggregate(people: pd.DataFrame, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """What an analyst would hand over instead: counts per unit, or per ZIP, and band."""
    has_point = people["latitude"].ne("")
    pts = gpd.GeoDataFrame(
        people[has_point],
        geometry=gpd.points_from_xy(
            people.loc[has_point, "longitude"].astype(float),
            people.loc[has_point, "latitude"].astype(float),
        ),
        crs="EPSG:4326",
    )
    joined = gpd.sjoin(pts, units.reset_index()[["unit_id", "geometry"]], how="left")
    inside = joined[joined["unit_id"].notna()]
    outside_n = int(joined["unit_id"].isna().sum())
    rows = []
    for (u, band), g in inside.groupby(["unit_id", "wage_band"]):
        rows.append({"unit_id": u, "zip": "", "wage_band": band, "employees": len(g),
                     "new_hires": int((g["new_hire"] == "yes").sum())})  # fmt: skip
    by_zip = people[~has_point]
    for (z, band), g in by_zip.groupby(["zip", "wage_band"]):
        rows.append({"unit_id": "", "zip": z, "wage_band": band, "employees": len(g),
                     "new_hires": int((g["new_hire"] == "yes").sum())})  # fmt: skip
    out = joined[joined["unit_id"].isna()]
    for band, g in out.groupby("wage_band"):
        rows.append({"unit_id": "", "zip": "10705", "wage_band": band, "employees": len(g),
                     "new_hires": int((g["new_hire"] == "yes").sum())})  # fmt: skip
    assert outside_n == 16
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    base = tmp_path_factory.mktemp("privacy")
    units = gpd.read_file(sample_dir() / "units.geojson")
    units = units[units["unit_id"].isin(REGION)]
    folders = {k: base / k for k in ("background", "people", "counts")}
    for f in folders.values():
        f.mkdir()
        units.to_file(f / "units.geojson", driver="GeoJSON")
    background = _numbers(_outputs(_build(folders["background"], None)))
    region = units.set_index("unit_id")
    people = _employees(region, background)
    people.to_csv(folders["people"] / "staff.csv", index=False)
    _aggregate(people, region).to_csv(folders["counts"] / "staff.csv", index=False)
    return {
        "people": people,
        "out": _build(folders["people"], "staff.csv"),
        "counts_out": _build(folders["counts"], "staff.csv"),
    }


@pytest.mark.slow
def test_no_output_holds_a_home_coordinate_or_address(builds):
    people, out = builds["people"], builds["out"]
    texts = _outputs(out)
    assert {"map.html", "report.html", "report.md", "layers.gpkg", "provenance.json"} <= set(texts)
    assert any(n.startswith("anchor_employment") for n in texts)
    numbers = _numbers(texts)
    located = people[people["latitude"].ne("")]
    for lat, lon in zip(located["latitude"], located["longitude"], strict=True):
        leaked = (_tokens(float(lat)) | _tokens(float(lon))) & numbers
        assert not leaked, f"home coordinate {lat}, {lon} found as {sorted(leaked)}"
    words = set(people["home_address"]) | set(people["full_name"]) | set(people["employee_id"])
    words |= set(STREETS) | {"Testperson", "EMP-7731"}
    for name, text in texts.items():
        low = text.lower()
        for w in words:
            assert w.lower() not in low, f"{w!r} found in {name}"
    # the raw bytes too (strings in the GeoPackage, the PDF's metadata)
    for p in out.rglob("*"):
        if p.is_file():
            raw = p.read_bytes()
            assert b"Testperson" not in raw and b"Quillfeather" not in raw, p.name


@pytest.mark.slow
def test_outputs_are_those_of_the_counts_alone(builds):
    a, b = _outputs(builds["out"]), _outputs(builds["counts_out"])
    assert set(a) == set(b)
    for name in a:
        if name == "provenance.json":
            continue
        ta, tb = a[name], b[name]
        if name == "map.html":  # folium element ids are random
            ta, tb = (re.sub(r"[0-9a-f]{32}", "ID", t) for t in (ta, tb))
        assert ta == tb, name
    pa, pb = (json.loads(t) for t in (a["provenance.json"], b["provenance.json"]))
    for p in (pa, pb):
        p.pop("run", None)
        p["inputs"] = [i for i in p["inputs"] if i.get("role") != "anchor.employment"]
    assert pa == pb
    # and the counts are really there: employees per unit, published
    emp = pd.read_csv(builds["out"] / "anchor_employment.csv", dtype={"unit_id": str})
    assert set(emp["unit_id"]) == set(REGION)
    assert emp["employees"].sum() > 200


def test_person_level_errors_do_not_quote_cells(tmp_path):
    import assetmap as am
    from assetmap.anchor.workforce import read_workforce
    from assetmap.errors import InputError

    units = am.read_units(sample_dir() / "units.geojson")
    f = tmp_path / "staff.csv"
    f.write_text(
        "employee_id,home_address,zip,latitude,longitude\n"
        "E1,12 Quillfeather Street,10457,40.8461234,-73.9012345\n"
        "E2,99 Quillfeather Street,10457,40.84x,-73.9\n"
    )
    with pytest.raises(InputError) as err:
        read_workforce(f, units)
    msg = str(err.value)
    assert "row 3" in msg and "'latitude'" in msg
    assert "40.84x" not in msg and "Quillfeather" not in msg


def test_sample_outputs_publish_no_hidden_count(sample_atlas, tmp_path):
    from assetmap.export import write_layers, write_tables

    emp = sample_atlas.anchor.employment
    assert emp["employees_suppressed"].any()
    assert emp.loc[emp["employees_suppressed"], "employees"].isna().all()
    write_tables(sample_atlas, tmp_path)
    csv = pd.read_csv(tmp_path / "anchor_employment.csv", dtype={"unit_id": str})
    hidden = csv["employees_suppressed"]
    assert csv.loc[hidden, "employees"].isna().all()
    assert not ((csv["employees"] > 0) & (csv["employees"] < 11)).any()
    gpkg = write_layers(sample_atlas, tmp_path / "layers.gpkg")
    layer = gpd.read_file(gpkg, layer="anchor_employment_by_group")
    assert not ((layer["employees"] > 0) & (layer["employees"] < 11)).any()
    assert layer.loc[layer["employees_suppressed"], "employees"].isna().all()
    shutil.rmtree(tmp_path)
