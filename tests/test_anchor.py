"""The hospital's own assets: readers, alignment, spaces near gaps, the sample, bad input."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import UTM, X0, Y0, squares
from shapely.geometry import Point

from assetmap._resources import sample_dir
from assetmap.analysis.access import TravelOptions
from assetmap.anchor.measures import alignment, spaces_near_gaps
from assetmap.anchor.model import Anchor, anchor_from_config, read_anchor
from assetmap.anchor.spaces import read_positions, read_spaces, space_hosts
from assetmap.anchor.spending import read_investment, read_purchasing
from assetmap.anchor.workforce import read_workforce
from assetmap.errors import ConfigError, InputError
from assetmap.readers.crosswalk import OUTSIDE

# Four 1 km squares u1..u4 in a row; a crosswalk for two ZIP codes.
CW = pd.DataFrame(
    {
        "zcta": ["10451", "10451", "10451", "10452"],
        "unit_id": ["u1", "u2", OUTSIDE, "u3"],
        "weight": [0.5, 0.3, 0.2, 1.0],
    }
)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Longitude, latitude of a point x, y metres from the fixture origin."""
    p = gpd.GeoSeries([Point(X0 + x, Y0 + y)], crs=UTM).to_crs("EPSG:4326").iloc[0]
    return round(p.x, 7), round(p.y, 7)


@pytest.fixture
def units():
    return squares(4, pops=[1000.0, 1000.0, 2000.0, 4000.0])


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


# ---------------------------------------------------------------- workforce


def test_counts_by_unit_are_published_with_suppression(tmp_path, units):
    f = write(tmp_path, "emp.csv", "unit_id,employees,new_hires_2025\nu1,40,12\nu2,3,0\nu3,25,11\n")
    wf = read_workforce(f, units)
    emp = wf.by_unit
    assert emp["employees"].isna().tolist() == [False, True, True, False]
    assert emp.loc["u1", "employees"] == 40 and emp.loc["u4", "employees"] == 0
    assert emp["new_hires"].tolist() == [12, 0, 11, 0]
    assert wf.totals[["group", "employees", "new_hires"]].values.tolist() == [["all", 68, 23]]
    assert wf.placed == {"unit_id": 3, "point": 0, "zip": 0, "individual": False}


def test_zip_codes_and_wage_bands(tmp_path, units):
    # 10451 low: 20 -> u1 10, u2 6, outside 4; high: 30 -> 15, 9, 6. 10452 -> u3 all.
    f = write(
        tmp_path,
        "emp.csv",
        "zip,wage_band,employees\n10451,low,20\n10451,high,30\n10452,low,12\n10452,high,0\n",
    )
    wf = read_workforce(f, units, crosswalk=CW, min_cell=5)
    g = wf.by_group.set_index(["unit_id", "group"])["employees"]
    # raw table: u1 10/15, u2 6/9, u3 12/0, u4 0/0; nothing below 5: all published
    assert g.to_dict() == {
        ("u1", "low"): 10, ("u1", "high"): 15, ("u2", "low"): 6, ("u2", "high"): 9,
        ("u3", "low"): 12, ("u3", "high"): 0, ("u4", "low"): 0, ("u4", "high"): 0,
    }  # fmt: skip
    assert wf.by_unit["employees"].tolist() == [25, 15, 12, 0]
    assert wf.totals.set_index("group")["employees"].to_dict() == {
        "low": 28,
        "high": 24,
        "all": 52,
    }
    assert wf.outside == {"employees": 10.0}
    assert wf.totals["group_by"].tolist() == ["wage_band", "wage_band", "all"]


def test_small_cells_in_bands_are_hidden_with_complements(tmp_path, units):
    f = write(
        tmp_path,
        "emp.csv",
        "unit_id,job_family,employees\nu1,nursing,30\nu1,clerical,12\nu2,nursing,4\n"
        "u2,clerical,20\nu3,nursing,25\nu3,clerical,15\n",
    )
    wf = read_workforce(f, units)
    hidden = wf.by_group.set_index(["unit_id", "group"])["employees_suppressed"]
    assert hidden[hidden].index.tolist() == [
        ("u2", "nursing"), ("u2", "clerical"), ("u3", "nursing"), ("u3", "clerical")
    ]  # fmt: skip
    # unit totals stay published: u2 24, u3 40; the region total too
    assert wf.by_unit["employees"].tolist() == [42, 24, 40, 0]
    assert wf.totals.set_index("group")["employees"].to_dict() == {
        "nursing": 59,
        "clerical": 47,
        "all": 106,
    }


def test_one_row_per_person(tmp_path, units):
    lon1, lat1 = lonlat(300, 400)  # u1
    lon3, lat3 = lonlat(2500, 600)  # u3
    far = lonlat(9000, 500)  # beyond u4
    rows = [f"E{i},{i} Oak St,10451,{lat1},{lon1},yes" for i in range(12)]
    rows += [f"F{i},{i} Elm St,10451,{lat3},{lon3},no" for i in range(15)]
    rows += [f"G{i},{i} Ash St,10452,,,no" for i in range(11)]  # by ZIP: u3
    rows += [f"H{i},{i} Fir St,10452,{far[1]},{far[0]},no" for i in range(2)]  # outside
    f = write(tmp_path, "hr.csv", "id,address,zip,lat,lon,new_hire\n" + "\n".join(rows) + "\n")
    wf = read_workforce(f, units, crosswalk=CW)
    assert wf.by_unit["employees"].fillna(-1).tolist() == [12, 0, 26, 0]
    assert wf.by_unit["new_hires"].tolist() == [12, 0, 0, 0]
    assert wf.placed == {"unit_id": 0, "point": 29, "zip": 11, "individual": True}
    assert np.isnan(wf.outside["employees"])  # 2 people outside: a small count, hidden
    for frame in (wf.by_unit, wf.totals):
        text = frame.to_csv()
        assert "Oak St" not in text and str(lat1) not in text


def test_hr_extract_with_hire_dates(tmp_path, units):
    lon1, lat1 = lonlat(300, 400)  # u1
    lon3, lat3 = lonlat(2500, 600)  # u3
    # hire dates as HR systems export them: ISO, US month/day/year, an Excel serial, blank
    dates = ["2025-03-01", "1/15/2025", "45717", "2019-06-30", ""]  # 45717 = 2025-03-01
    rows = [f"E{i},{lat1},{lon1},{dates[i % 5]}" for i in range(15)]  # u1: 9 of 15 new
    rows += [f"F{i},{lat3},{lon3},2018-01-0{1 + i % 9}" for i in range(12)]  # u3: none new
    head = "Employee ID,Home Latitude,Home Longitude,Original Hire Date\n"
    f = write(tmp_path, "hr.csv", head + "\n".join(rows) + "\n")
    wf = read_workforce(f, units, hired_since="2025-01-01", min_cell=5)
    assert wf.by_unit["employees"].fillna(-1).tolist() == [15, 0, 12, 0]
    assert wf.by_unit["new_hires"].fillna(-1).tolist() == [9, 0, 0, 0]
    bad = write(tmp_path, "bad.csv", head + f"E1,{lat1},{lon1},next spring\n")
    with pytest.raises(InputError) as err:
        read_workforce(bad, units, hired_since="2025-01-01")
    assert (err.value.row, err.value.column) == (2, "Original Hire Date")
    assert "next spring" not in str(err.value)  # a file about people: cells never quoted
    with pytest.raises(InputError, match="needs a hire date column"):
        read_workforce(write(tmp_path, "n.csv", "zip\n10451\n"), units, hired_since="2025")


def test_workforce_bad_input(tmp_path, units):
    f = write(tmp_path, "e.csv", "unit_id,employees\nu1,12\nBX9999,4\nzz,3\n")
    with pytest.raises(InputError) as err:
        read_workforce(f, units)
    assert (err.value.row, err.value.column) == (3, "unit_id")
    assert "['BX9999', 'zz'] (rows 3, 4)" in str(err.value)
    f = write(tmp_path, "e.csv", "unit_id,employees\nu1,12\nu2,-4\n")
    with pytest.raises(InputError, match="is negative") as err:
        read_workforce(f, units)
    assert (err.value.row, err.value.column) == (3, "employees")
    f = write(tmp_path, "e.csv", "zip,employees\n10451,12\n")
    with pytest.raises(InputError, match="needs a ZCTA-to-unit crosswalk"):
        read_workforce(f, units)


def test_unknown_zip_codes_are_listed_by_row(tmp_path, units):
    f = write(tmp_path, "e.csv", "zip,employees\n10451,12\n10499,4\n10451,3\n07302,20\n")
    with pytest.raises(InputError) as err:
        read_workforce(f, units, crosswalk=CW)
    assert (err.value.row, err.value.column) == (3, "zip")
    assert "['07302', '10499'] (rows 3, 5)" in str(err.value)
    wf = read_workforce(f, units, crosswalk=CW, unknown_zip="outside")
    assert wf.outside["employees"] == 27  # 24 + 3 of 10451's outside share


# ---------------------------------------------------------------- purchasing


def test_purchasing_by_point_zip_and_unit(tmp_path, units):
    lon, lat = lonlat(500, 500)
    far = lonlat(20_000, 500)
    f = write(
        tmp_path,
        "p.csv",
        "vendor_id,vendor_name,category,annual_spend_usd,latitude,longitude,zip,unit_id,local,"
        "minority_owned,women_owned\n"
        f'V1,Acme,food,"$1,000",{lat},{lon},,,yes,no,yes\n'
        "V2,Bolt,IT,2000,,,10451,,no,yes,no\n"
        "V3,Cork,IT,500,,,,u4,true,false,false\n"
        f"V4,Dune,staffing,800,{far[1]},{far[0]},,,false,false,false\n",
    )
    p = read_purchasing(f, units, crosswalk=CW)
    spend = p.by_unit["spend_usd"].to_dict()
    assert spend == {"u1": 2000.0, "u2": 600.0, "u3": 0.0, "u4": 500.0}
    assert p.by_unit["vendors"].tolist() == [2, 1, 0, 1]
    assert p.by_unit["local_spend_usd"].tolist() == [1000, 0, 0, 500]
    assert p.by_unit["minority_owned_spend_usd"].tolist() == [1000, 600, 0, 0]
    s = p.summary
    assert (s["total_usd"], s["in_region_usd"], s["outside_usd"]) == (4300, 3100, 1200)
    assert s["by_category"] == {"IT": 2100.0, "food": 1000.0}
    assert s["placed"] == {"unit_id": 1, "point": 2, "zip": 1}


@pytest.mark.parametrize(
    ("rows", "row", "column", "words"),
    [
        ("V1,100,u1\nV2,-50,u2\n", 3, "annual_spend_usd", "'-50' is negative"),
        ("V1,100,u1\nV2,lots,u2\n", 3, "annual_spend_usd", "'lots' is not a number"),
        ("V1,100,u1\nV2,50,u2\nV1,70,u3\n", 2, "vendor_id", "'V1' appears in rows 2, 4"),
    ],
)
def test_purchasing_bad_input(tmp_path, units, rows, row, column, words):
    f = write(tmp_path, "p.csv", "vendor_id,annual_spend_usd,unit_id\n" + rows)
    with pytest.raises(InputError) as err:
        read_purchasing(f, units)
    assert (err.value.row, err.value.column) == (row, column)
    assert words in str(err.value)


def test_duplicate_vendor_without_ids(tmp_path, units):
    f = write(tmp_path, "p.csv", "vendor_name,spend,zip\nAcme Inc.,10,10451\nACME INC,20,10451\n")
    with pytest.raises(InputError, match="appears in rows 2, 3") as err:
        read_purchasing(f, units, crosswalk=CW)
    assert err.value.column == "vendor_name"


def test_row_without_place(tmp_path, units):
    f = write(tmp_path, "p.csv", "vendor_id,spend,zip,latitude,longitude\nV1,10,,,\n")
    with pytest.raises(InputError, match="rows 2 have no place") as err:
        read_purchasing(f, units, crosswalk=CW)
    assert err.value.row == 2


# ---------------------------------------------------------------- investment, spaces


def test_investment_by_type(tmp_path, units):
    lon, lat = lonlat(3500, 200)
    f = write(
        tmp_path,
        "i.csv",
        "name,type,amount_usd,latitude,longitude,zip,unit_id\n"
        f"Homes,affordable housing,1000000,{lat},{lon},,\n"
        "Loan,loan,10000,,,10451,\n"
        "Grant,,5000,,,,u1\n",
    )
    inv = read_investment(f, units, crosswalk=CW)
    assert inv.by_unit["investment_usd"].tolist() == [10000, 3000, 0, 1_000_000]
    assert inv.by_unit["investments"].tolist() == [2, 1, 0, 1]
    assert inv.by_unit.loc["u1", "types"] == "loan; unspecified"
    assert inv.summary["outside_usd"] == 2000
    assert inv.summary["by_type"] == {
        "affordable housing": 1_000_000.0,
        "loan": 8000.0,
        "unspecified": 5000.0,
    }


def test_spaces_hosts_from_type_or_column(tmp_path):
    f = write(
        tmp_path,
        "s.csv",
        "name,space_type,capacity,hosts,latitude,longitude\n"
        "Kitchen,teaching kitchen,16,,40.84,-73.90\n"
        "Lot,parking lot,,,40.84,-73.90\n"
        "Room 4,meeting room,30,Food Pantry; legal aid,40.84,-73.90\n",
    )
    s = read_spaces(f)
    assert s["hosts"].tolist() == ["food; older_adults", "food; primary_care", "food; legal_aid"]
    assert s["space_id"].tolist() == ["S1", "S2", "S3"]
    assert s["capacity"].fillna(-1).tolist() == [16, -1, 30]
    assert space_hosts("Staff Parking Lot") == ("food", "primary_care")
    assert space_hosts("storage closet") == ()
    bad = write(tmp_path, "b.csv", "name,hosts,latitude,longitude\nRoom,astrology,40.8,-73.9\n")
    with pytest.raises(InputError, match="'astrology' is not a service domain") as err:
        read_spaces(bad)
    assert (err.value.row, err.value.column) == (2, "hosts")
    bad = write(tmp_path, "c.csv", "name,capacity,latitude,longitude\nRoom,many,40.8,-73.9\n")
    with pytest.raises(InputError) as err:
        read_spaces(bad)
    assert (err.value.row, err.value.column) == (2, "capacity")


def test_positions_by_site(tmp_path):
    f = write(
        tmp_path,
        "o.csv",
        "site,job_family,open_positions,latitude,longitude\n"
        "Main,nursing,10,40.84,-73.90\nMain,clerical,4,40.84,-73.90\nClinic,nursing,2,40.83,-73.87\n",
    )
    pos = read_positions(f)
    assert pos[["site", "open_positions", "by_job_family"]].values.tolist() == [
        ["Main", 14, "nursing 10; clerical 4"],
        ["Clinic", 2, "nursing 2"],
    ]


# ---------------------------------------------------------------- measures


def test_alignment_hand_worked(units):
    # High need (need_pct >= 0.75): u1, u2, with 2,000 of 8,000 residents: 25%.
    u = units.assign(need_pct=[0.9, 0.8, 0.5, 0.1])
    emp = u.assign(
        employees=[30.0, np.nan, 25.0, 25.0], employees_suppressed=[False, True, False, False]
    )
    spend = u.assign(spend_usd=[500.0, 0.0, 250.0, 250.0])
    inv = u.assign(investment_usd=[0.0, 0.0, 100.0, 900.0])
    a = Anchor(
        name="H",
        hospital=u.iloc[:0],
        employment=emp,
        purchasing=spend,
        investment=inv,
        summary={"purchasing": {"outside_usd": 300.0}},
    )
    al = alignment(a, u, need_percentile=75).set_index("measure")
    # employees: published only, 30 of 80 = 37.5% -> 1.5; u2 is hidden and left out
    cols = ["in_region", "in_high_need", "share_high_need", "ratio"]
    assert al.loc["employees", cols].tolist() == [80.0, 30.0, 0.375, 1.5]
    assert al.loc["employees", "units_hidden"] == 1
    assert al.loc["spend_usd", ["share_high_need", "ratio", "outside_region"]].tolist() == [
        0.5, 2.0, 300.0,
    ]  # fmt: skip
    assert al.loc["investment_usd", "ratio"] == 0.0
    assert (al["population_share"] == 0.25).all()
    # a higher gap percentile: only u1 (1,000 of 8,000) is high need
    al90 = alignment(a, u, need_percentile=90).set_index("measure")
    assert al90.loc["spend_usd", "ratio"] == pytest.approx(0.5 / 0.125)


def test_spaces_near_gaps_use_the_access_rule(units):
    # u1's origin is its centre (500, 500). Food: 15 min at 4.8 km/h x 1.3 circuity is a
    # straight reach of 15 * 80 / 1.3 = 923 m. Kitchen 600 m east: 600 * 1.3 / 80 = 9.75
    # min, in reach; garden 1,000 m: 16.25 min, out; meeting room 300 m: cannot host food.
    pts = [(1100, 500), (1500, 500), (800, 500)]
    spaces = gpd.GeoDataFrame(
        {
            "space_id": ["K", "G", "R"],
            "name": ["Kitchen", "Garden", "Room"],
            "space_type": ["kitchen", "garden", "meeting room"],
            "hosts": ["food; older_adults", "food", "legal_aid"],
        },
        geometry=[Point(X0 + x, Y0 + y) for x, y in pts],
        crs=UTM,
    ).to_crs("EPSG:4326")
    gaps = pd.DataFrame(
        {
            "unit_id": ["u1", "u1"],
            "name": ["Unit 1", "Unit 1"],
            "domain": ["food", "legal_aid"],
            "population": [1000.0, 1000.0],
            "need_pct": [0.9, 0.9],
            "threshold_min": [15.0, 30.0],
            "rank": [1, 1],
        }
    )
    near = spaces_near_gaps(spaces, units, gaps, travel=TravelOptions())
    assert near[["domain", "space_id"]].values.tolist() == [["food", "K"], ["legal_aid", "R"]]
    assert near["walk_min"].round(4).tolist() == [9.75, 4.875]


# ---------------------------------------------------------------- project and sample


def test_project_anchor_keys(tmp_path):
    import assetmap as am

    units = am.read_units(sample_dir() / "units.geojson")
    with pytest.raises(ConfigError, match="unknown anchor keys \\['hiring'\\]"):
        anchor_from_config({"hospital": "hospital.csv", "hiring": "x.csv"}, base=sample_dir(),
                           units=units)  # fmt: skip
    with pytest.raises(ConfigError, match="min_cell must be a whole number"):
        anchor_from_config({"hospital": "hospital.csv", "min_cell": 0}, base=sample_dir(),
                           units=units)  # fmt: skip
    with pytest.raises(ConfigError, match="needs 'hospital"):
        anchor_from_config({"space": "anchor_space.csv"}, base=sample_dir(), units=units)
    a, files = anchor_from_config(
        {"hospital": "hospital.csv", "employment": "anchor_employment.csv", "min_cell": 20},
        base=sample_dir(),
        units=units,
    )
    assert a.min_cell == 20 and [f["role"] for f in files] == ["anchor.hospital",
                                                               "anchor.employment"]  # fmt: skip
    emp = a.employment["employees"]
    assert not ((emp > 0) & (emp < 20)).any()


def test_unit_level_sample_file_matches_its_readme():
    import assetmap as am

    d = sample_dir()
    units = am.read_units(d / "units.geojson")
    a = read_anchor(units, hospital=d / "hospital.csv", employment=d / "anchor_employment.csv")
    raw = pd.read_csv(d / "anchor_employment.csv", dtype={"unit_id": str}).set_index("unit_id")
    emp = a.employment
    shown = emp["employees"].dropna()
    assert (shown == raw["employees"].reindex(shown.index).fillna(0)).all()
    small = raw.index[(raw["employees"] > 0) & (raw["employees"] < 11)]
    assert emp.loc[small, "employees_suppressed"].all()
    assert a.employment_totals["employees"].tolist() == [raw["employees"].sum()]


def test_sample_atlas_has_every_anchor_measure(sample_atlas):
    a = sample_atlas.anchor
    assert a.name == "Synthetic Bronx Community Hospital (fictional)"
    al = a.alignment.set_index("measure")
    assert list(al.index) == ["employees", "new_hires", "spend_usd", "investment_usd"]
    assert (al["population_share"].between(0.2, 0.35)).all()
    assert al.loc["investment_usd", "ratio"] > 1  # planted: most investment in high need
    assert a.employment_totals["group"].tolist()[-1] == "all"
    assert len(a.employment_groups) == 4 * len(sample_atlas.units)
    near = a.spaces_near_gaps
    gaps = sample_atlas.gaps.set_index(["unit_id", "domain"])
    assert near.set_index(["unit_id", "domain"]).index.isin(gaps.index).all()
    assert (near["walk_min"] <= near["threshold_min"]).all()
    assert a.summary["investment"]["placed"] == {"unit_id": 4, "point": 5, "zip": 5}


def test_report_and_map_show_the_hospital(sample_atlas, tmp_path):
    paths = sample_atlas.report(tmp_path, figures=False, pdf=False)
    html = paths["html"].read_text()
    assert "What the hospital brings (synthetic)" in html
    assert "Synthetic Bronx Community Hospital (fictional)" in html
    for words in ("Anchor alignment", "Hospital spaces near gaps", "Wage band", "Open positions"):
        assert words in html, words
    md = paths["md"].read_text()
    al = sample_atlas.anchor.alignment.set_index("measure")
    assert f"| {al.loc['investment_usd', 'ratio']:.2f} |" in md
    m = sample_atlas.map().get_root().render()
    assert "Synthetic Bronx Community Hospital (fictional)" in m


def test_templates_read_as_documented():
    import assetmap as am
    from assetmap.readers.crosswalk import read_crosswalk

    t = Path(__file__).resolve().parents[1] / "data" / "templates"
    units = am.read_units(sample_dir() / "units.geojson")
    a = read_anchor(
        units,
        hospital=t / "anchor_sites.csv",
        employment={"path": t / "anchor_employment.csv", "unknown_zip": "outside"},
        purchasing=t / "anchor_purchasing.csv",
        investment=t / "anchor_investment.csv",
        space=t / "anchor_space.csv",
        positions=t / "anchor_positions.csv",
        crosswalk=sample_dir() / "crosswalk_zcta_nta.csv",
    )
    assert a.name == "Example Community Hospital"
    assert a.employment_totals["group"].tolist() == ["Under $45,000", "$45,000 and over", "all"]
    assert a.summary["employment"]["outside"]["employees"] == 27  # Yonkers, 10701
    assert a.summary["purchasing"]["outside_usd"] == 1_250_000  # 10001 is Manhattan
    assert a.summary["investment"]["in_region_usd"] == 1_950_000
    assert a.spaces["hosts"].tolist()[2:] == [
        "food; primary_care",
        "legal_aid; employment; utilities",
    ]
    assert int(a.positions["open_positions"].sum()) == 67
    cw = read_crosswalk(t / "anchor_crosswalk.csv", units=units)
    assert cw.groupby("zcta")["weight"].sum().round(9).eq(1).all()
