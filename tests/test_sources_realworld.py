"""Asset lists as real portals and spreadsheets export them: every mess read or named.

Each test writes the kind of file a coalition actually receives (Socrata/ArcGIS exports,
European CSV, Excel "Unicode text", workbooks with titles and merged headers, HRSA's site
list) and checks the values kept and, for rows set aside, the file, the row as the
spreadsheet shows it and the column.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import assetmap as am
from assetmap.errors import InputError
from assetmap.readers import hrsa
from assetmap.readers.files import read_table
from tests.conftest import squares

FIX = Path(__file__).parent / "fixtures" / "realworld"
LAT, LON = 40.84, -73.90  # inside the squares(3, size=2000) region


def write(tmp_path, text, name="list.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def rejected(a):
    return am.rejected_rows(a).set_index("row")


def xy(a):
    return [(round(g.y, 6), round(g.x, 6)) for g in a.geometry]


# ------------------------------------------------------------------ one location column


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("Location", f'"({LAT}, {LON})"'),
        ("Location 1", f'"{LAT}, {LON}"'),
        ("the_geom", f"POINT ({LON} {LAT})"),
        ("geometry", f"POINT({LON} {LAT})"),
        ("point", f'"SRID=4326;POINT ({LON} {LAT})"'),
        ("coordinates", f'"1 Main St\nBronx, NY 10451\n({LAT}, {LON})"'),
        ("Location", f'"{{""type"": ""Point"", ""coordinates"": [{LON}, {LAT}]}}"'),
    ],
)
def test_location_column_forms(tmp_path, column, value):
    p = write(tmp_path, f"name,domain,{column}\nA,food,{value}\nB,food,{value}\n")
    a = am.read_assets(p, region=squares(3, size=2000))
    assert xy(a) == [(LAT, LON), (LAT, LON)]
    assert a["name"].tolist() == ["A", "B"] and am.rejected_rows(a).empty


def test_location_rows_without_coordinates_are_named(tmp_path):
    p = write(
        tmp_path,
        f'name,domain,Location 1\nA,food,"({LAT}, {LON})"\nB,food,Community room\nC,food,\n',
    )
    a = am.read_assets(p)
    rej = rejected(a)
    assert a["name"].tolist() == ["A"] and len(a) + len(rej) == 3
    assert (rej["column"] == "Location 1").all()
    assert "no coordinates found in 'Community room'" in rej.loc[3, "problem"]
    assert rej.loc[4, "problem"] == "coordinates are missing"
    assert rej.loc[3, "file"] == str(p)


def test_lat_lon_columns_and_an_explicit_map_win_over_location(tmp_path):
    text = (
        "name,domain,Latitude,Longitude,Location,Y_COORD,X_COORD\n"
        f'A,food,{LAT},{LON},"(1.5, 2.5)",40.85,-73.87\n'
    )
    p = write(tmp_path, text)
    assert xy(am.read_assets(p)) == [(LAT, LON)]
    mapped = am.read_assets(p, columns={"lat": "Y_COORD", "lon": "X_COORD"})
    assert xy(mapped) == [(40.85, -73.87)]
    loc = am.read_assets(write(tmp_path, text, "b.csv"), columns={"location": "Location"})
    assert xy(loc) == [(1.5, 2.5)]


def test_location_column_found_by_its_contents(tmp_path):
    p = write(tmp_path, f'name,domain,Mapped Site\nA,food,"POINT ({LON} {LAT})"\n')
    assert xy(am.read_assets(p)) == [(LAT, LON)]


def test_a_location_column_of_words_is_not_taken_for_coordinates(tmp_path):
    p = write(tmp_path, "name,domain,Location\nA,food,Main branch\nB,food,Annex\n")
    with pytest.raises(InputError) as exc:
        am.read_assets(p)
    assert "no latitude/longitude columns found" in str(exc.value)
    assert "header was read from row 1" in str(exc.value)


# ---------------------------------------------------------------- coordinates as text


def test_coordinates_written_as_text(tmp_path):
    text = (
        "name,domain,lat,lon\n"
        f"Spaces,food,  {LAT} , {LON}\n"  # row 2
        f"Minus,food,{LAT},\u2212{-LON}\n"  # row 3: U+2212
        f"Degrees,food,{LAT}°,{LON}°\n"  # row 4
        "Null Island,food,0,0\n"  # row 5
        "Blank,food,,\n"  # row 6
        f"Nan,food,nan,{LON}\n"  # row 7
    )
    a = am.read_assets(write(tmp_path, text))
    rej = rejected(a)
    assert a["name"].tolist() == ["Spaces", "Minus", "Degrees"]
    assert xy(a) == [(LAT, LON)] * 3
    assert len(a) + len(rej) == 6
    assert rej.loc[5, "column"] == "lat" and "0, 0" in rej.loc[5, "problem"]
    assert rej.loc[6, "problem"] == "coordinate is missing"
    assert rej.loc[7, "problem"] == "coordinate 'nan' is not a number"


def test_hemisphere_letters(tmp_path):
    text = (
        "name,domain,lat,lon\n"
        f"Letters,food,{LAT} N,{-LON} W\n"  # row 2: W is west, negative
        f"Before,food,N{LAT},W {-LON}\n"  # row 3
        f"Both,food,{LAT},{LON} W\n"  # row 4: a minus and a W: ambiguous, set aside
    )
    a = am.read_assets(write(tmp_path, text))
    rej = rejected(a)
    assert a["name"].tolist() == ["Letters", "Before"]
    assert xy(a) == [(LAT, LON)] * 2
    assert rej.loc[4, "column"] == "lon" and "is not a number" in rej.loc[4, "problem"]


def test_european_csv_with_decimal_commas(tmp_path):
    text = "Name;Category;Latitude;Longitude\nCafé Pantry;Food Pantry;40,84;-73,9\n"
    a = am.read_assets(write(tmp_path, text, encoding="cp1252"))
    assert a["name"].tolist() == ["Café Pantry"] and xy(a) == [(LAT, LON)]


# ------------------------------------------------------------------ delimiters, header


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_delimiters_and_a_header_with_spaces(tmp_path, sep):
    header = sep.join([" Program Name ", " Category", "Lat ", " Lng"])
    row = sep.join(["Pantry, Inc.", "food", str(LAT), str(LON)])
    a = am.read_assets(write(tmp_path, f"{header}\n{row}\n"))
    assert a["name"].tolist() == ["Pantry, Inc."] and xy(a) == [(LAT, LON)]


def test_excel_sep_line_and_a_named_delimiter(tmp_path):
    # Excel hides a first line "sep=;" and numbers the header row 1
    p = write(tmp_path, f"sep=;\nname;domain;lat;lon\nA;food;{LAT};{LON}\nB;food;;{LON}\n")
    a = am.read_assets(p)
    assert a["name"].tolist() == ["A"] and am.rejected_rows(a)["row"].tolist() == [3]
    tsv = write(tmp_path, f"name\tdomain\tlat\tlon\nA\tfood\t{LAT}\t{LON}\n", "b.tsv")
    assert am.read_assets(tsv, delimiter="tab")["name"].tolist() == ["A"]


def test_duplicate_column_names(tmp_path, caplog):
    used = write(tmp_path, f"name,domain,lat,lon,name\nA,food,{LAT},{LON},B\n")
    with pytest.raises(InputError) as exc:
        am.read_assets(used)
    assert "columns A and E are both named 'name'" in str(exc.value)
    assert exc.value.column == "name" and exc.value.file == str(used)
    unused = write(
        tmp_path, f"name,domain,lat,lon,Notes,Notes\nA,food,{LAT},{LON},one,two\n", "b.csv"
    )
    with caplog.at_level(logging.WARNING):
        a = am.read_assets(unused)
    assert a["Notes"].tolist() == ["one"] and a["Notes (column F)"].tolist() == ["two"]
    assert "columns E and F are both named 'Notes'" in caplog.text
    # the same name in other case is ambiguous too
    case = write(
        tmp_path, f"Latitude,name,domain,LATITUDE,lon\n{LAT},A,food,{LAT},{LON}\n", "c.csv"
    )
    with pytest.raises(InputError, match=r"columns A \('Latitude'\) and D \('LATITUDE'\)"):
        am.read_assets(case)


def test_empty_rows_and_columns_of_an_excel_export(tmp_path):
    # Empty rows are not rows of data: they are left out of "rows read", but every other
    # row keeps the number Excel shows (the blank line 3 is row 3, so the bad row is 5).
    text = (
        "name,domain,lat,lon,,\r\n"
        f"A,food,{LAT},{LON},,\r\n"
        "\r\n"
        f"B,food,{LAT},{LON},,\r\n"
        f"C,food,north,{LON},,\r\n"
        ",,,,,\r\n"
        ",,,,,\r\n"
    )
    a = am.read_assets(write(tmp_path, text))
    rej = am.rejected_rows(a)
    assert a["name"].tolist() == ["A", "B"]
    assert rej["row"].tolist() == [5] and rej["column"].tolist() == ["lat"]
    assert not [c for c in a.columns if "Unnamed" in c or c.startswith("column ")]


def test_every_row_ending_in_a_delimiter_does_not_shift_columns(tmp_path):
    p = write(tmp_path, f"name,domain,lat,lon\nA,food,{LAT},{LON},\nB,food,{LAT},{LON},\n")
    a = am.read_assets(p)
    assert a["name"].tolist() == ["A", "B"] and xy(a) == [(LAT, LON)] * 2


def test_title_line_above_the_header(tmp_path):
    text = (
        "Food Pantry List — updated 2024,,,\n"
        "name,domain,lat,lon\n"
        f"A,food,{LAT},{LON}\n"
        f"B,food,,{LON}\n"
    )
    a = am.read_assets(write(tmp_path, text))
    assert a["name"].tolist() == ["A"]
    assert am.rejected_rows(a)["row"].tolist() == [4]  # Excel row 4: title, header, A, B


def test_header_row_parameter(tmp_path):
    text = (
        "Food Pantry List,updated 2024\n"
        "Source: county health department\n"
        "name,domain,lat,lon\n"
        f"A,food,{LAT},{LON}\n"
    )
    p = write(tmp_path, text)
    with pytest.raises(InputError, match="pass header_row="):
        am.read_assets(p)
    a = am.read_assets(p, header_row=3)
    assert a["name"].tolist() == ["A"] and a["source_id"].tolist() == ["row4"]
    with pytest.raises(InputError, match="header_row=9 is not a filled-in row"):
        am.read_assets(p, header_row=9)


def test_rows_are_counted_as_a_spreadsheet_shows_them(tmp_path):
    # a quoted cell over three lines is one row in Excel
    text = (
        "name,domain,address,lat,lon\n"
        f'A,food,"1 Main St\nSuite 2\nBronx NY",{LAT},{LON}\n'
        f"B,food,,,{LON}\n"
    )
    a = am.read_assets(write(tmp_path, text))
    assert a["address"].tolist() == ["1 Main St, Suite 2, Bronx NY"]
    assert am.rejected_rows(a)["row"].tolist() == [3]


def test_unclosed_quote_names_the_row(tmp_path):
    text = f'name,domain,lat,lon\nA,food,{LAT},{LON}\n"B,food,{LAT},{LON}\nC,food,{LAT},{LON}\n'
    with pytest.raises(InputError) as exc:
        am.read_assets(write(tmp_path, text))
    assert exc.value.row == 3 and "never closed" in str(exc.value)


# ------------------------------------------------------------------------------ XLSX


def _workbook(path):
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"  # an empty first sheet, as some exports have
    ws = wb.create_sheet("Pantries")
    ws["A1"] = "Food Pantry List — updated 2024"
    ws.merge_cells("A1:E1")
    for cell, text in (("A3", "Name"), ("B3", "Type"), ("C3", "Location"), ("E3", "Agency")):
        ws[cell] = text
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:B4")
    ws.merge_cells("C3:D3")  # a header cell over two columns, named on the row below
    ws.merge_cells("E3:E4")
    ws["C4"], ws["D4"] = "Latitude", "Longitude"
    ws.append(["A", "food", f" {LAT} ", str(LON), "Org 1"])  # row 5: numbers as text
    ws.append(["B", "food", LAT, LON, "Org 2"])  # row 6: numbers
    ws.append(["C", "housing", LAT, LON, None])  # row 7: agency merged from row 6
    ws.merge_cells("E6:E7")
    ws.append([None] * 5)  # row 8: empty
    ws.append(["D", "food", None, LON, "Org 3"])  # row 9: no latitude
    other = wb.create_sheet("Clinics")
    other.append(["name", "domain", "lat", "lon"])
    other.append(["Clinic", "clinic", LAT, LON])
    wb.save(path)
    return path


def test_xlsx_title_merged_header_numbers_as_text_and_excel_rows(tmp_path):
    a = am.read_assets(_workbook(tmp_path / "list.xlsx"))
    assert a["name"].tolist() == ["A", "B", "C"]
    assert a["org"].tolist() == ["Org 1", "Org 2", "Org 2"]
    assert xy(a) == [(LAT, LON)] * 3
    rej = am.rejected_rows(a)
    assert rej[["row", "column"]].values.tolist() == [[9, "Latitude"]]
    assert a["source_id"].tolist() == ["row5", "row6", "row7"]


def test_xlsx_sheets(tmp_path):
    p = _workbook(tmp_path / "list.xlsx")
    clinics = am.read_assets(p, sheet="clinics")  # case does not matter
    assert clinics["name"].tolist() == ["Clinic"] and clinics["domain"].tolist() == ["primary_care"]
    assert am.read_assets(p, sheet=2)["name"].tolist() == ["Clinic"]
    with pytest.raises(InputError) as exc:
        am.read_assets(p, sheet="Shelters")
    assert "no sheet named 'Shelters'; its sheets are 'Cover', 'Pantries', 'Clinics'" in str(
        exc.value
    )
    with pytest.raises(InputError, match="sheet=7 is out of range"):
        am.read_assets(p, sheet=7)


def test_workbook_named_csv_and_text_named_xls(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["name", "domain", "lat", "lon"])
    wb.active.append(["A", "food", LAT, LON])
    wb.save(tmp_path / "export.csv")
    assert am.read_assets(tmp_path / "export.csv")["name"].tolist() == ["A"]
    p = write(tmp_path, f"name\tdomain\tlat\tlon\nB\tfood\t{LAT}\t{LON}\n", "export.xls")
    assert am.read_assets(p)["name"].tolist() == ["B"]
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(InputError, match="old Excel 97-2003 workbook"):
        am.read_assets(old)


def test_a_web_page_saved_as_csv(tmp_path):
    p = write(tmp_path, "<!DOCTYPE html>\n<html><body>Sign in</body></html>\n")
    with pytest.raises(InputError, match="web page"):
        am.read_assets(p)


# ------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_excel_unicode_text_export(tmp_path, encoding):
    # Excel's "Unicode text" is UTF-16 with a BOM, tab-delimited, CRLF
    text = f"Name\tCategory\tLatitude\tLongitude\r\nComedor Señora\tFood\t{LAT}\t{LON}\r\n"
    a = am.read_assets(write(tmp_path, text, "list.txt", encoding=encoding))
    assert a["name"].tolist() == ["Comedor Señora"] and xy(a) == [(LAT, LON)]


# ------------------------------------------------------------------------------ HRSA


def test_hrsa_site_list_with_its_real_columns():
    path = FIX / "hrsa_sites_real_header.csv"
    a = am.read_assets(path, region=am.read_units(Path("data/sample/units.geojson")))
    assert a["name"].tolist() == [
        "Example Mott Haven Family Health",
        "Example Concourse Health Center",
        "Example Mobile Health Van",
        "Example Harlem Site",  # Manhattan, within 2.5 km of the Bronx: kept, marked
    ]
    assert a["outside_region"].tolist() == [False, False, False, True]
    first = a.iloc[0]
    assert first["source_id"] == "BPS-H80-990001" and first["org"] == "Example Bronx Health Inc."
    assert first["address"] == "545 E 142nd St, Bronx, NY 10454"
    assert first["hours"] == "40 hours per week" and a["hours"].iloc[1] == "52.5 hours per week"
    assert first["phone"] == "718-555-0101" and first["website"] == "www.example.org/motthaven"
    assert (first.geometry.y, first.geometry.x) == (40.8128, -73.9163)  # Y is latitude
    assert set(a["domain"]) == {"primary_care"} and set(a["sector"]) == {"health_system"}
    assert a["Health Center Type"].iloc[2] == "Health Center Program Look-Alike"
    assert a["Health Center Location Type Description"].iloc[2] == "Mobile Van"
    rej = rejected(a)
    assert len(a) + len(rej) == 7
    assert rej.loc[3, "column"] == "Health Center Type Description"
    assert "administrative site" in rej.loc[3, "problem"]
    assert rej.loc[4, "column"] == "Site Status Description"
    assert (
        rej.loc[4, "problem"] == "site status is 'Inactive', not Active; only active sites are kept"
    )
    assert rej.loc[7, "column"] == "Geocoding Artifact Address Primary Y Coordinate"
    assert a.attrs["source_info"]["licence"] == "public domain (US government work)"


def test_hrsa_one_county_and_the_xlsx_download(tmp_path):
    path = FIX / "hrsa_sites_real_header.csv"
    bronx = am.read_assets(path, fips="36005", source="hrsa")
    assert "Example Harlem Site" not in bronx["name"].tolist()
    assert len(bronx) + len(am.rejected_rows(bronx)) == 6
    assert bronx["asset_id"].iloc[0] == "hrsa:BPS-H80-990001"
    xlsx = tmp_path / "Health_Center_Service_Delivery_and_Look-Alike_Sites_Data.xlsx"
    read_table(path).to_excel(xlsx, index=False)
    again = am.read_assets(xlsx, fips="36005", source="hrsa")
    assert again["name"].tolist() == bronx["name"].tolist()
    with pytest.raises(InputError, match="fips= applies to HRSA"):
        am.read_assets(write(tmp_path, f"name,domain,lat,lon\nA,food,{LAT},{LON}\n"), fips="1")


def test_hrsa_county_file_keeps_sites_that_are_both_office_and_clinic():
    sites = hrsa.county_sites(FIX / "hrsa_sites_real_header.csv", "36005")
    table = pd.read_csv(io.BytesIO(sites), dtype=str)
    assert table["Site Name"].tolist() == [
        "Example Mott Haven Family Health",
        "Example Concourse Health Center",  # "Administrative/Service Delivery Site"
        "Example Mobile Health Van",
        "Example Site Not Yet Geocoded",
    ]


# --------------------------------------------------------------------------- domains


def test_cells_naming_several_domains(tmp_path):
    rows = [
        "Food; Housing",  # row 2
        "food/housing",  # row 3
        '"Food, Shelter"',  # row 4
        "Food and Housing",  # row 5
        "Housing and shelter",  # row 6: one domain's label, not two
        "Food Pantry / Soup Kitchen",  # row 7: two words for one domain
        "Food; Legl aid",  # row 8: one word is unknown
    ]
    text = "name,domain,lat,lon\n" + "".join(
        f"N{i},{d},{LAT},{LON}\n" for i, d in enumerate(rows, start=2)
    )
    a = am.read_assets(write(tmp_path, text))
    assert a["domain"].tolist() == ["food", "food", "food", "food", "housing", "food"]
    assert a["other_domains"].tolist() == ["housing", "housing", "housing", "housing", "", ""]
    rej = rejected(a)
    assert rej.index.tolist() == [8] and rej.loc[8, "column"] == "domain"
    assert (
        "unknown domain 'Legl aid' in 'Food; Legl aid'; closest: legal_aid"
        in (rej.loc[8, "problem"])
    )


# ------------------------------------------------------------------- huge and odd text


def test_huge_and_odd_text(tmp_path):
    long = "X" * 10_000
    text = (
        "name,domain,lat,lon,notes\n"
        f"{long},food,{LAT},{LON},\n"  # row 2: set aside
        f'"Two\nLines",food,{LAT},{LON},\n'  # row 3
        f"Nul\x00Byte,food,{LAT},{LON},{long}\n"  # row 4: the NUL goes, the long note stays
    )
    a = am.read_assets(write(tmp_path, text))
    assert a["name"].tolist() == ["Two Lines", "NulByte"]
    assert a["notes"].tolist() == ["", long]
    rej = rejected(a)
    assert rej.loc[2, "column"] == "name" and "10,000 characters long" in rej.loc[2, "problem"]
    assert len(rej.loc[2, "value"]) == 200


def test_capacity_with_thousands_separator(tmp_path):
    text = f'name,domain,lat,lon,capacity\nA,food,{LAT},{LON},"1,200"\nB,food,{LAT},{LON},2.5\n'
    assert am.read_assets(write(tmp_path, text))["capacity"].tolist() == [1200.0, 2.5]
