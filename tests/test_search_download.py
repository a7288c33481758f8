"""Search by name, address, ZIP code and kind of service, and a neighbourhood's data as CSV.

On the demo map (the embedded Bronx sample) in headless Chromium, offline (see
tests/browser_support.py): a ZIP code finds the services whose address holds it and the
neighbourhoods they are in, "food bank" finds food services, "West Far" + Enter opens the
neighbourhood; the popup's download button gives a CSV whose values are the atlas's own,
spreadsheet-safe, with hostile names kept as text. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import Point

from assetmap.analysis.summary import minutes_shown
from tests import hostile
from tests._atlas_fixture import hostile_atlas
from tests.browser_support import MAP_JS, container_point, save_screenshot, settle

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FORMULA = '=HYPERLINK("https://example.org","click me")'


def assert_clean(session):
    assert session.dialogs == [], "a dialog opened: injected script ran"
    assert session.page_errors == []
    assert session.console_errors == []
    assert session.router.unhandled == []


def results(page):
    """The listed matches: (name, kind) of each."""
    items = page.locator(".am-results li.am-hit")
    return [
        (li.locator("bdi").first.inner_text(), li.locator(".am-kind").inner_text())
        for li in items.all()
    ]


def search(page, query):
    box = page.locator(".am-search input")
    box.fill(query)
    return results(page)


def zip_of(address):
    found = re.findall(r"\b(\d{5})\b", str(address).split(",", 1)[-1])
    return found[-1] if found else ""


def units_with_zip(atlas, code):
    """Names of the units holding a service whose address has the ZIP code ``code``."""
    assets = atlas.assets[atlas.assets["address"].map(zip_of) == code]
    hits = assets[["geometry"]].sjoin(atlas.units[["name", "geometry"]], predicate="within")
    return set(hits["name"])


# --- search --------------------------------------------------------------------------------------


def test_a_zip_code_finds_its_services_and_neighbourhoods(opened, demo_map, sample_atlas):
    zips = sample_atlas.assets["address"].map(zip_of)
    code = "10456" if (zips == "10456").any() else zips[zips != ""].value_counts().index[0]
    s = opened(demo_map)
    page = s.page
    found = search(page, code)
    labels = {d.label for d in sample_atlas.domains.values()}
    places = [name for name, kind in found if kind == "neighbourhood"]
    services = [(name, kind) for name, kind in found if kind != "neighbourhood"]
    assert places and services
    assert found[: len(places)] == [(p, "neighbourhood") for p in places]  # places first
    assert set(places) <= units_with_zip(sample_atlas, code)
    assets = sample_atlas.assets
    for name, kind in services:
        assert kind.split(" \u00b7 ")[0] in labels
        assert code in kind  # the address that matched is shown
        rows = assets[assets["name"] == name]
        assert rows["address"].str.contains(code).any(), name
    ARTIFACTS.mkdir(exist_ok=True)
    save_screenshot(page, ARTIFACTS, "search_zip")
    assert_clean(s)


def test_domain_words_address_and_any_order(opened, demo_map, sample_atlas):
    s = opened(demo_map)
    page = s.page
    food = sample_atlas.domains["food"].label
    found = search(page, "food bank")  # an alias of the food domain in layers/domains.yml
    assert len(found) == 8
    assert {kind for _, kind in found} == {food}
    assert {kind for _, kind in search(page, "community fridge")} == {food}
    # words of a name in any order, neighbourhood first
    assert search(page, "farms west")[0] == ("West Farms", "neighbourhood")
    # words of an address, with the street shown
    street = sample_atlas.assets["address"].iloc[0].split(",")[0]  # "2503 University Ave"
    found = search(page, street.lower())
    assert found and all(street in kind for _, kind in found)
    assert_clean(s)


def test_west_far_enter_opens_the_neighbourhood(opened, demo_map, sample_atlas):
    s = opened(demo_map)
    page = s.page
    services = sample_atlas.assets["name"].str.startswith("West Far")
    assert services.any()  # a service's name starts so too: the place still comes first
    box = page.locator(".am-search input")
    box.fill("West Far")
    assert results(page)[0] == ("West Farms", "neighbourhood")
    box.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.leaflet-popup-content h3')?.innerText === 'West Farms'"
    )
    assert "Residents" in page.locator(".leaflet-popup-content").inner_text()
    assert_clean(s)


# --- a neighbourhood's data as CSV ---------------------------------------------------------------


def open_unit_popup(page, atlas, uid):
    """Zoom to a unit and click it where no marker is; wait for its popup."""
    poly = atlas.units.geometry.loc[uid]
    minx, miny, maxx, maxy = poly.bounds
    fit = f"(b) => {{ {MAP_JS}.fitBounds(b, {{animate: false}}); }}"
    page.evaluate(fit, [[miny, minx], [maxy, maxx]])
    settle(page)
    points = list(atlas.assets.geometry)
    best, far = None, -1.0
    for fx in np.linspace(0.05, 0.95, 13):
        for fy in np.linspace(0.05, 0.95, 13):
            p = Point(minx + fx * (maxx - minx), miny + fy * (maxy - miny))
            if poly.buffer(-0.0003).contains(p):
                d = min(p.distance(q) for q in points)
                if d > far:
                    best, far = p, d
    page.mouse.click(*container_point(page, best.y, best.x))
    page.locator(".leaflet-popup .am-download-button").wait_for()


def download_csv(page):
    """Click the popup's button; return the file's name, raw bytes and rows."""
    with page.expect_download() as info:
        page.locator(".leaflet-popup .am-download-button").click()
    download = info.value
    raw = Path(download.path()).read_bytes()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    return download.suggested_filename, raw, rows


def by_section(rows, section):
    return [r for r in rows[1:] if r[0] == section]


def test_a_neighbourhoods_data_download_as_csv(opened, demo_map, sample_atlas):
    atlas = sample_atlas
    uid = atlas.units.index[atlas.units["name"] == "West Farms"][0]
    unit = atlas.units.loc[uid]
    s = opened(demo_map)
    page = s.page
    open_unit_popup(page, atlas, uid)
    button = page.locator(".leaflet-popup .am-download-button")
    assert button.inner_text() == "Download this area's data (CSV)"
    button.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    save_screenshot(page, ARTIFACTS, "download_popup")
    name, raw, rows = download_csv(page)
    assert name == "West-Farms-data.csv"
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8
    assert rows[0] == [
        "section", "item", "value", "margin_of_error", "reliability", "minutes",
        "residents_beyond", "note",
    ]  # fmt: skip
    area = {r[1]: r for r in by_section(rows, "area")}
    assert area["name"][2] == "West Farms" and area["id"][2] == uid
    assert area["residents"][2] == str(round(unit["population"]))
    assert area["need percentile"][2] == str(round(unit["need_pct"] * 100))
    # every indicator: value and margin of error as the map words them, reliability
    indicators = {r[1]: r for r in by_section(rows, "indicator")}
    assert len(indicators) == len(atlas.indicators.indicators)
    for key, ind in atlas.indicators.indicators.items():
        row = indicators[ind.label]
        assert row[2] == f"{unit[key]:,.1f}%", key
        assert row[3] == f"{unit[key + '_moe']:,.1f}%", key
        assert row[4] == ("reliable" if not unit[key + "_unreliable"] else row[4]), key
        assert unit[key + "_unreliable"] == row[4].startswith("estimate unreliable"), key
    # the nearest service of each domain, with its minutes
    near = {r[1]: r for r in by_section(rows, "nearest service")}
    access = atlas.access[atlas.access["unit_id"] == uid]
    labels = {k: d.label for k, d in atlas.domains.items()}
    assert set(near) == {labels[d] for d in access["domain"]}
    for a in access.to_dict("records"):
        row = near[labels[a["domain"]]]
        assert row[2] == a["nearest_name"]
        assert row[5] == minutes_shown(a["nearest_min"], a["threshold_min"])
    # the gaps: domain, reason, residents beyond
    gaps = atlas.gaps[atlas.gaps["unit_id"] == uid]
    assert len(gaps) > 0
    got = {(r[1], r[6]) for r in by_section(rows, "gap")}
    want = {(labels[g["domain"]], str(round(g["population_beyond"]))) for _, g in gaps.iterrows()}
    assert got == want
    reasons = {r[2] for r in by_section(rows, "gap")}
    assert reasons <= {
        "no service within 15 min walk",
        *(f"part of the residents beyond {t:g} min walk" for t in gaps["threshold_min"]),
        *(f"no service within {t:g} min walk" for t in gaps["threshold_min"]),
    }
    for r in by_section(rows, "nearest service"):
        assert (r[7] == "gap") == (r[1] in {labels[d] for d in gaps["domain"]}), r
    assert_clean(s)


@pytest.fixture(scope="module")
def hostile_demo(tmp_path_factory):
    atlas = hostile_atlas()
    atlas.units = atlas.units.copy()
    formula_id = atlas.units.index[4]
    atlas.units.loc[formula_id, "name"] = FORMULA
    path = tmp_path_factory.mktemp("hostile-csv") / "map.html"
    atlas.map().save(str(path))
    return atlas, path, formula_id


def test_hostile_names_stay_text_and_formulas_are_defused(opened, hostile_demo):
    atlas, path, formula_id = hostile_demo
    s = opened(path, viewport=(1400, 1000))
    page = s.page
    # a name of markup: plain text in the file, nothing ran
    uid = atlas.units.index[atlas.units["name"] == hostile.SCRIPT_END][0]
    open_unit_popup(page, atlas, uid)
    name, _, rows = download_csv(page)
    assert re.fullmatch(r"[A-Za-z0-9-]+\.csv", name)
    assert by_section(rows, "area")[0][1:3] == ["name", hostile.SCRIPT_END]
    page.locator(".leaflet-popup-close-button").dispatch_event("click")
    # a name that looks like a formula: a leading apostrophe keeps it text
    open_unit_popup(page, atlas, formula_id)
    name, raw, rows = download_csv(page)
    assert name == "HYPERLINK-https-example-org-click-me-data.csv"
    assert by_section(rows, "area")[0][2] == "'" + FORMULA
    assert b'"\'=HYPERLINK(""https://example.org"",""click me"")"' in raw
    for row in rows:  # no cell a spreadsheet would evaluate
        assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in row), row
        assert not any(c.startswith("-") and not re.fullmatch(r"-[\d.]+", c) for c in row)
    assert_clean(s)
