"""Geocoding addresses with the Census batch geocoder: never live, answers in its format.

The service is played by ``responses``: a callback reads the posted form (``benchmark``
and the ``addressFile`` CSV: id, street, city, state, ZIP, no header) and answers the way
the real ``locations/addressbatch`` does, a CSV without header, one row per address in
any order: id, input address, Match/No_Match/Tie, Exact/Non_Exact, matched address,
"longitude,latitude", TIGER line id, side.
"""

from __future__ import annotations

import csv
import io
import json
from email.parser import BytesParser
from email.policy import default as email_policy

import pandas as pd
import pytest
import responses
from click.testing import CliRunner

from assetmap import settings
from assetmap.cli.main import cli
from assetmap.errors import FetchError, InputError
from assetmap.online import geocode as gc
from assetmap.online.cache import Cache, MissingFromCache
from assetmap.online.geocode import geocode_table, parse_batch_answer, split_address

URL = "https://geocoding.geo.census.gov/geocoder/locations/addressbatch"

# street (upper case) -> what the service answers; unknown streets are No_Match
KNOWN = {
    "1 MAIN ST": ("Match", "Exact", "1 MAIN ST, BRONX, NY, 10451", "-73.920001,40.810002"),
    "25 E 149TH STREET": (
        "Match",
        "Non_Exact",
        "25 E 149TH ST, BRONX, NY, 10451",
        "-73.927315,40.817641",
    ),
    "500 GRAND CONCOURSE": ("Tie", "", "", ""),
    "7 PARK AVE": ("Match", "Exact", "7 PARK AVE, BOSTON, MA, 02134", "-71.130000,42.350000"),
}


def form_of(request) -> dict[str, bytes]:
    """The fields of a multipart/form-data request."""
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    msg = BytesParser(policy=email_policy).parsebytes(head + request.body)
    return {
        part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
        for part in msg.iter_parts()
    }


class FakeGeocoder:
    """Answers like the batch service, rows in reverse order; records what was sent."""

    def __init__(self) -> None:
        self.sent: list[list[list[str]]] = []
        self.benchmarks: list[str] = []

    def __call__(self, request):
        form = form_of(request)
        self.benchmarks.append(form["benchmark"].decode())
        rows = list(csv.reader(io.StringIO(form["addressFile"].decode("utf-8"))))
        self.sent.append(rows)
        lines = []
        for rid, street, city, state, zip_ in reversed(rows):
            given = f"{street}, {city}, {state}, {zip_}"
            status, mtype, matched, lonlat = KNOWN.get(street.upper(), ("No_Match", "", "", ""))
            if status == "Match":
                lines.append(
                    f'"{rid}","{given}","Match","{mtype}","{matched}","{lonlat}","59653655","L"'
                )
            else:
                lines.append(f'"{rid}","{given}","{status}"')
        body = "\n".join(lines) + "\n"
        return 200, {"Content-Type": "text/plain"}, body

    @property
    def streets(self) -> list[str]:
        return [r[1] for batch in self.sent for r in batch]


@pytest.fixture
def service(cache_dir):
    fake = FakeGeocoder()
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, URL, callback=fake)
        yield fake


PANTRIES = (
    "name,domain,address,city,state,zip,latitude,longitude,notes\n"
    "Main St Pantry,food,1 Main St,Bronx,NY,10451,,,exact\n"
    "Hub Clinic,primary_care,25 E 149th Street,Bronx,NY,10451,,,non-exact\n"
    "Lost Pantry,food,9 Nowhere Rd,Bronx,NY,10455,,,no match\n"
    "Twin Shelter,housing,500 Grand Concourse,Bronx,NY,,,,tie\n"
    'Known Site,food,77 Elm St,Bronx,NY,10456,"40,8200",-73.9000,had coordinates\n'
    "Mystery,food,,,,,,,no address\n"
)


def write(tmp_path, text, name="pantries.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def read_out(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_matched_no_match_tie_and_rows_with_coordinates(tmp_path, service):
    src = write(tmp_path, PANTRIES)
    res = geocode_table(src)

    assert res.path == tmp_path / "pantries_geocoded.csv"
    out = read_out(res.path)
    # same rows in the same order, same columns first, two columns added
    assert len(out) == 6
    assert out["name"].tolist() == pd.read_csv(src, dtype=str)["name"].tolist()
    assert list(out.columns) == [
        *pd.read_csv(src, nrows=0).columns,
        "geocode_match",
        "geocode_address",
    ]
    assert out["geocode_match"].tolist() == [
        "Exact",
        "Non_Exact",
        "No_Match",
        "Tie",
        "had coordinates",
        "no address",
    ]
    # longitude comes first in the answer: latitude is the second number
    assert out.loc[0, ["latitude", "longitude"]].tolist() == ["40.810002", "-73.920001"]
    assert out.loc[1, ["latitude", "longitude"]].tolist() == ["40.817641", "-73.927315"]
    assert out.loc[1, "geocode_address"] == "25 E 149TH ST, BRONX, NY, 10451"
    # no match and tie keep empty coordinates; the row with coordinates is untouched
    assert out.loc[2:3, ["latitude", "longitude"]].eq("").all().all()
    assert out.loc[4, ["latitude", "longitude"]].tolist() == ["40,8200", "-73.9000"]
    assert out["notes"].tolist()[-1] == "no address"

    # only rows without coordinates and with an address were sent, once, in one request
    assert service.benchmarks == ["Public_AR_Current"]
    assert sorted(service.streets) == [
        "1 Main St",
        "25 E 149th Street",
        "500 Grand Concourse",
        "9 Nowhere Rd",
    ]
    assert {r[0] for r in service.sent[0]} == {"2", "3", "4", "5"}  # ids are the rows

    assert (res.rows, res.had_coordinates, res.matched, res.exact) == (6, 1, 2, 1)
    assert (res.unmatched, res.skipped) == (2, 1)
    assert res.summary() == (
        "6 rows: 1 had coordinates, 2 matched (1 exact), 2 not found (listed below), "
        "1 without an address"
    )
    probs = res.problems
    assert probs["row"].tolist() == [4, 5, 7]  # rows as the spreadsheet shows them
    assert set(probs["column"]) == {"address"}
    assert set(probs["file"]) == {str(src)}
    assert "no match" in probs.loc[0, "problem"] and "9 Nowhere Rd" in probs.loc[0, "value"]
    assert "tie" in probs.loc[1, "problem"]
    assert "no address" in probs.loc[2, "problem"]


def test_hand_written_answer_out_of_order_matched_by_id(tmp_path, cache_dir):
    src = write(
        tmp_path,
        "name,street,city,state,zip code\n"
        "A,10 Oak St,Reading,PA,19601\n"
        "B,20 Pine St,Reading,PA,19602\n"
        "C,30 Ash St,Reading,PA,19603\n",
    )
    # the real format: no header, rows in another order than sent, a No_Match row short
    answer = (
        '"4","30 Ash St, Reading, PA, 19603","Match","Exact","30 ASH ST, READING, PA, 19603",'
        '"-75.930000,40.330000","100","R"\n'
        '"2","10 Oak St, Reading, PA, 19601","Match","Non_Exact","10 OAK ST, READING, PA, '
        '19601","-75.910000,40.310000","101","L"\n'
        '"3","20 Pine St, Reading, PA, 19602","No_Match"\n'
    )
    with responses.RequestsMock() as rsps:
        rsps.post(URL, body=answer, content_type="text/plain")
        res = geocode_table(src, out=tmp_path / "out.csv")
    out = read_out(res.path)
    assert out["name"].tolist() == ["A", "B", "C"]
    assert out["latitude"].tolist() == ["40.310000", "", "40.330000"]
    assert out["longitude"].tolist() == ["-75.910000", "", "-75.930000"]
    assert out["geocode_match"].tolist() == ["Non_Exact", "No_Match", "Exact"]
    assert res.problems["row"].tolist() == [3]
    assert res.problems.loc[0, "column"] == "street"


def test_input_over_10000_rows_is_sent_in_two_requests(tmp_path, service):
    n = 10_001
    lines = ["name,address,city,state,zip"]
    lines += [f"Site {i},{i} Main St,Bronx,NY,10451" for i in range(n)]
    lines.append("Copy of site 1,1 Main St,Bronx,NY,10451")  # the same address: sent once
    src = write(tmp_path, "\n".join(lines) + "\n")
    res = geocode_table(src, progress=True)
    assert [len(b) for b in service.sent] == [10_000, 1]
    assert len(service.streets) == len(set(service.streets)) == n
    out = read_out(res.path)
    assert len(out) == n + 1 == res.rows
    # "1 Main St" is known: both rows with it are matched, the rest are not found
    assert out.loc[out["address"] == "1 Main St", "geocode_match"].tolist() == ["Exact"] * 2
    assert res.matched == 2 and res.unmatched == n - 1


def test_batch_size_split_small(tmp_path, service, monkeypatch):
    monkeypatch.setattr(gc, "BATCH_SIZE", 2)
    src = write(tmp_path, PANTRIES)
    res = geocode_table(src)
    assert [len(b) for b in service.sent] == [2, 2]
    assert res.matched == 2 and res.unmatched == 2


def test_server_errors_are_retried_then_a_clear_error(tmp_path, cache_dir, waits):
    src = write(tmp_path, PANTRIES)
    with responses.RequestsMock() as rsps:
        rsps.post(URL, status=503, body="Service Unavailable")
        with pytest.raises(FetchError) as exc:
            geocode_table(src)
        assert len(rsps.calls) == settings.retries
    text = str(exc.value)
    assert "HTTP 503 (service unavailable)" in text and f"after {settings.retries} tries" in text
    assert "geocoding.geo.census.gov" in text and "--offline" in text
    assert len(waits) == settings.retries - 1
    assert not (tmp_path / "pantries_geocoded.csv").exists()
    assert Cache().entries(source="census-geocoder") == []


def test_a_passing_server_error_is_retried(tmp_path, cache_dir, waits):
    src = write(tmp_path, PANTRIES)
    fake = FakeGeocoder()
    with responses.RequestsMock() as rsps:
        rsps.post(URL, status=502)
        rsps.add_callback(responses.POST, URL, callback=fake)
        res = geocode_table(src)
    assert len(waits) == 1 and res.matched == 2


def test_html_page_answered_with_200_is_a_clear_error(tmp_path, cache_dir, waits):
    src = write(tmp_path, PANTRIES)
    page = (
        "<!DOCTYPE html>\n<html><head><title>Geocoding Services - Scheduled Maintenance"
        "</title></head><body><h1>Sorry</h1></body></html>"
    )
    with responses.RequestsMock() as rsps:
        rsps.post(URL, body=page, content_type="text/html")
        with pytest.raises(FetchError) as exc:
            geocode_table(src)
    text = str(exc.value)
    assert "web page" in text and "Scheduled Maintenance" in text
    assert "\n" not in text
    assert not (tmp_path / "pantries_geocoded.csv").exists()
    assert Cache().entries(source="census-geocoder") == []


def test_a_bad_benchmark_is_a_clear_error(tmp_path, cache_dir):
    src = write(tmp_path, PANTRIES)
    with responses.RequestsMock() as rsps:
        rsps.post(URL, status=400, body="<html><body>Invalid benchmark</body></html>")
        with pytest.raises(FetchError, match="HTTP 400.*Invalid benchmark.*'Public_AR_Nope'"):
            geocode_table(src, benchmark="Public_AR_Nope")


def test_cache_is_reused_and_offline_says_what_is_missing(tmp_path, service):
    src = write(tmp_path, PANTRIES)
    first = geocode_table(src, out=tmp_path / "first.csv")
    assert len(service.sent) == 1
    # the cache entry is named by a hash: no address in its name or manifest
    (entry,) = Cache().entries(source="census-geocoder")
    assert "Main" not in entry["file"] and "Main" not in json.dumps(entry)
    assert entry["vintage"] == "Public_AR_Current" and entry["addresses"] == 4

    with responses.RequestsMock():  # nothing registered: any request would fail
        again = geocode_table(src, out=tmp_path / "again.csv")
        off = geocode_table(src, out=tmp_path / "offline.csv", offline=True)
    assert (tmp_path / "first.csv").read_bytes() == (tmp_path / "again.csv").read_bytes()
    assert (tmp_path / "first.csv").read_bytes() == (tmp_path / "offline.csv").read_bytes()
    assert first.matched == again.matched == off.matched == 2

    # another benchmark is another question: offline it is missing, and nothing is sent
    with responses.RequestsMock(), pytest.raises(MissingFromCache) as exc:
        geocode_table(src, out=tmp_path / "x.csv", benchmark="Public_AR_Census2020", offline=True)
    assert "4 of 4 addresses" in str(exc.value) and "Public_AR_Census2020" in str(exc.value)
    assert "without --offline" in str(exc.value)
    assert not (tmp_path / "x.csv").exists()


def test_offline_with_an_empty_cache(tmp_path, cache_dir):
    src = write(tmp_path, PANTRIES)
    with responses.RequestsMock(), pytest.raises(MissingFromCache) as exc:
        geocode_table(src, offline=True)
    assert "Offline" in str(exc.value) and str(cache_dir) in str(exc.value)
    assert "4 of 4 addresses (1 of 1 batches" in str(exc.value)


def test_xlsx_input_with_a_title_row_and_numeric_zip(tmp_path, service):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "notes"
    ws["A1"] = "read me"
    ws2 = wb.create_sheet("sites")
    ws2.append(["Boston pantry list, 2024"])
    ws2.append(["Name", "Domain", "Address 1", "City", "State", "Postal Code", "Lat", "Long"])
    ws2.append(["Park Pantry", "food", "7 Park Ave", "Boston", "MA", 2134, None, None])
    ws2.append(["Other", "food", "8 Park Ave", "Boston", "MA", 2134, 42.36, -71.06])
    p = tmp_path / "boston.xlsx"
    wb.save(p)

    res = geocode_table(p, sheet="sites")
    assert res.path == tmp_path / "boston_geocoded.csv"
    assert service.sent == [[["3", "7 Park Ave", "Boston", "MA", "02134"]]]
    out = read_out(res.path)
    assert list(out.columns)[:8] == [
        "Name",
        "Domain",
        "Address 1",
        "City",
        "State",
        "Postal Code",
        "Lat",
        "Long",
    ]
    assert out["Lat"].tolist() == ["42.350000", "42.36"]
    assert out["Long"].tolist() == ["-71.130000", "-71.06"]
    assert out["geocode_match"].tolist() == ["Exact", "had coordinates"]


def test_full_address_column_is_split(tmp_path, service):
    src = write(
        tmp_path,
        "Site,Full Address\n"
        'A,"1 Main St, Bronx, NY 10451"\n'
        'B,"25 E 149th Street, Bronx, New York, 10451-1234"\n',
    )
    res = geocode_table(src)
    assert service.sent[0] == [
        ["2", "1 Main St", "Bronx", "NY", "10451"],
        ["3", "25 E 149th Street", "Bronx", "NY", "10451"],
    ]
    out = read_out(res.path)
    # no coordinate columns in the input: latitude and longitude are added
    assert list(out.columns) == [
        "Site",
        "Full Address",
        "latitude",
        "longitude",
        "geocode_match",
        "geocode_address",
    ]
    assert out["latitude"].tolist() == ["40.810002", "40.817641"]


def test_location_column_is_kept_and_copied(tmp_path, service):
    src = write(
        tmp_path,
        "name,address,city,state,Location\n"
        "A,1 Main St,Bronx,NY,\n"
        'B,77 Elm St,Bronx,NY,"(40.8200, -73.9000)"\n',
    )
    res = geocode_table(src)
    assert service.streets == ["1 Main St"]
    out = read_out(res.path)
    assert out["Location"].tolist() == ["", "(40.8200, -73.9000)"]
    assert out["latitude"].tolist() == ["40.810002", "40.82"]
    assert out["longitude"].tolist() == ["-73.920001", "-73.9"]
    assert res.had_coordinates == 1


def test_column_map_and_input_errors(tmp_path, cache_dir):
    src = write(tmp_path, "name,Site Street,Town\nA,1 Main St,Bronx\n")
    with pytest.raises(InputError, match="no address column found") as exc:
        geocode_table(src, offline=True)
    assert exc.value.file == str(src)
    with pytest.raises(InputError, match="unknown field 'street_name'"):
        geocode_table(src, columns={"street_name": "Site Street"}, offline=True)
    with pytest.raises(InputError, match="not in the file") as exc:
        geocode_table(src, columns={"address": "Street"}, offline=True)
    assert exc.value.column == "Street"
    with pytest.raises(InputError, match="overwrite the input"):
        geocode_table(src, out=src, offline=True)
    with pytest.raises(MissingFromCache, match="1 of 1 addresses"):
        geocode_table(src, columns={"address": "Site Street", "city": "Town"}, offline=True)


def test_split_address():
    assert split_address("1 Main St, Bronx, NY 10451") == ("1 Main St", "Bronx", "NY", "10451")
    assert split_address("1 Main St\nBronx, NY 10451") == ("1 Main St", "Bronx", "NY", "10451")
    assert split_address("9 Elm St, Springfield") == ("9 Elm St", "Springfield", "", "")
    assert split_address("") == ("", "", "", "")


def test_parse_batch_answer_refuses_what_is_not_an_answer():
    good = '"1","x","Match","Exact","X","-73.9,40.8","1","L"\n'
    assert parse_batch_answer(good.encode(), ["1"])["1"].lat == "40.8"
    with pytest.raises(ValueError, match="lacks 1 of the 2"):
        parse_batch_answer(good.encode(), ["1", "2"])
    with pytest.raises(ValueError, match="match status"):
        parse_batch_answer(b'"1","x","Maybe"\n', ["1"])
    with pytest.raises(ValueError, match="out of range"):
        parse_batch_answer(b'"1","x","Match","Exact","X","40.8,-173.9","1","L"\n', ["1"])
    with pytest.raises(ValueError, match="not sent"):
        parse_batch_answer(good.encode() + b'"9","y","No_Match"\n', ["1"])


def test_cli_geocode_then_validate_keeps_matched_rows(tmp_path, service):
    src = write(tmp_path, PANTRIES.replace("address,city", "Site Street,city"))
    out = tmp_path / "geo.csv"
    runner = CliRunner()
    res = runner.invoke(
        cli, ["geocode", str(src), "--out", str(out), "--column", "address=Site Street"]
    )
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == (
        "6 rows: 1 had coordinates, 2 matched (1 exact), 2 not found (listed below), "
        "1 without an address."
    )
    assert lines[1].startswith(f"{src}, row 4, column 'Site Street': the Census geocoder")
    assert lines[2].startswith(f"{src}, row 5, column 'Site Street': the address matches")
    assert lines[3].startswith(f"{src}, row 7, column 'Site Street': no coordinates")
    assert lines[4] == f"Written: {out}"

    # the geocoded file through the asset reader: matched rows and the one with
    # coordinates are kept; the rows not found are set aside with the reader's message
    val = runner.invoke(cli, ["validate", str(out), "--json"])
    assert val.exit_code == 1, val.output
    report = json.loads(val.output)
    assert report["kept"] == 3
    assert sorted(r["row"] for r in report["rejected"]) == [4, 5, 7]
    assert {r["problem"] for r in report["rejected"]} == {"coordinate is missing"}


def test_cli_errors_are_one_line(tmp_path, cache_dir):
    src = write(tmp_path, PANTRIES)
    res = CliRunner().invoke(cli, ["geocode", str(src), "--offline"])
    assert res.exit_code == 2
    (line,) = res.output.strip().splitlines()
    assert line.startswith("error: Offline, and the answers for 4 of 4 addresses")
    res = CliRunner().invoke(cli, ["geocode", str(src), "--column", "nonsense"])
    assert res.exit_code == 2 and "FIELD=COLUMN" in res.output


def test_zero_zero_counts_as_no_coordinates(tmp_path, service):
    src = write(
        tmp_path,
        "name,address,city,state,zip,lat,lon\n"
        "A,1 Main St,Bronx,NY,10451,0,0\n"
        "B,1 Main St,Bronx,NY,10451,40.8,-73.9\n",
    )
    res = geocode_table(src)
    out = read_out(res.path)
    assert out["lat"].tolist() == ["40.810002", "40.8"]
    assert out["geocode_match"].tolist() == ["Exact", "had coordinates"]
    assert service.streets == ["1 Main St"]
