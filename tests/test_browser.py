"""The saved study map used as a person would, in headless Chromium, offline.

See tests/browser_support.py: Leaflet comes from tests/browser/node_modules, tiles are
blank (or fail on purpose), and every dialog, page error and console error is recorded.
Screenshots go to tmp_path, and to $ASSETMAP_ARTIFACTS when it is set.
"""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point

from assetmap.maps import _inline as _map_inline
from assetmap.maps._classes import classify_values
from tests import hostile
from tests._atlas_fixture import hostile_atlas, tiny_atlas
from tests.browser_support import (
    MAP_JS,
    NODE_MODULES,
    container_point,
    layout_problems,
    save_screenshot,
    settle,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def atlas():
    return tiny_atlas()


@pytest.fixture(scope="module")
def saved(atlas, tmp_path_factory):
    """The tiny atlas's map, saved once for the module."""
    path = tmp_path_factory.mktemp("map") / "map.html"
    atlas.map().save(str(path))
    return path


def assert_clean(session, *, tiles_may_fail=False):
    assert session.dialogs == [], "a dialog opened: injected script ran"
    assert session.page_errors == []
    errors = session.console_errors
    if tiles_may_fail:
        errors = [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e]
    assert errors == []
    assert session.router.unhandled == [], "requests with no offline answer"


def markers(page, key):
    return page.locator(f".am-asset-{key}").count()


def unit_paths(page):
    """Filled unit polygons drawn (a choropleth; hatched ones outlined darker), by fill."""
    return page.evaluate(
        "() => [...document.querySelectorAll('path.leaflet-interactive')]"
        ".filter((p) => p.getAttribute('fill') !== 'none'"
        " && ['#555555', '#222222'].includes(p.getAttribute('stroke')))"
        ".map((p) => p.getAttribute('fill'))"
    )


def layer_box(page, name):
    """The checkbox or radio button of a layer in the layer control."""
    return page.locator(".am-layers label.am-item", has_text=name).locator("input")


def unit_centre(atlas, uid):
    """A (lat, lon) inside the unit as far as possible from every marker and cluster."""
    poly = atlas.units.geometry.loc[uid]
    minx, miny, maxx, maxy = poly.bounds
    points = list(atlas.assets.geometry)
    if atlas.anchor is not None:
        points += list(atlas.anchor.hospital.geometry) + list(atlas.anchor.spaces.geometry)
        points += list(atlas.anchor.positions.geometry)
    clusters = atlas.overlaps[atlas.overlaps["kind"] == "cluster"].geometry
    best, far = None, -1.0
    for fx in np.linspace(0.1, 0.9, 9):
        for fy in np.linspace(0.1, 0.9, 9):
            p = Point(minx + fx * (maxx - minx), miny + fy * (maxy - miny))
            if not poly.contains(p) or clusters.contains(p).any():
                continue
            d = min(p.distance(q) for q in points)
            if d > far:
                best, far = p, d
    return best.y, best.x


def hover_text(page, lat, lon, needle):
    """Move the mouse to a point and return the tooltip text that contains ``needle``."""
    page.mouse.move(*container_point(page, lat, lon))
    page.wait_for_function(
        "(n) => [...document.querySelectorAll('.leaflet-tooltip')]"
        ".some((t) => t.innerText.includes(n))",
        arg=needle,
    )
    return " ".join(page.locator(".leaflet-tooltip").all_inner_texts())


#: The open popup's text, title, elements that data could have made, links and width.
POPUP_JS = f"""() => {{
    const popup = {MAP_JS}._popup;
    const box = popup.getElement();
    const content = box.querySelector('.leaflet-popup-content');
    return {{
        text: content.innerText,
        title: content.querySelector('h3').innerText,
        markup: content.querySelectorAll('img, script, iframe, svg, style, math').length,
        hrefs: [...content.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        width: box.getBoundingClientRect().width,
    }};
}}"""


def close_popup(page):
    page.locator(".leaflet-popup-close-button").dispatch_event("click")
    page.locator(".leaflet-popup").wait_for(state="detached")


# --- the map as a whole -------------------------------------------------------------------------


def test_map_opens_clean_with_every_part(opened, saved, atlas, tmp_path):
    s = opened(saved)
    page = s.page
    assert_clean(s)
    assert len(unit_paths(page)) == len(atlas.units)
    assert page.locator(".am-asset").count() == len(atlas.assets)
    control = page.locator(".am-layers").inner_text()
    for heading in ("BACKGROUND MAP", "NEED", "SERVICES", "FINDINGS", "HOSPITAL"):
        assert heading in control  # grouped layer control (headings in small capitals)
    for key in ("food", "housing", "primary_care"):
        assert atlas.domains[key].label in control
    legend = page.locator(".am-legend")
    assert legend.is_visible()
    words = legend.inner_text()
    for phrase in ("Need percentile", "lowest 20%", "highest 20%", "no residents / no data"):
        assert phrase in words
    assert "2019–2023" in words
    title = page.locator(".am-title")
    assert "Tiny Bronx test" in title.inner_text()
    assert "SYNTHETIC ASSETS — for demonstration" in page.locator(".am-synthetic").inner_text()
    assert "Sources:" in page.locator(".am-footer").inner_text()
    assert page.locator(".leaflet-control-scale").is_visible()
    assert page.locator(".am-search input").get_attribute("aria-label")
    assert page.locator(".am-fullscreen-button").get_attribute("aria-label") == "Full screen"
    assert page.title() == "Tiny Bronx test (synthetic assets)"
    page.locator(".am-fullscreen-button").click()
    page.wait_for_function("() => document.fullscreenElement?.classList.contains('folium-map')")
    page.locator(".am-fullscreen-button").click()
    page.wait_for_function("() => document.fullscreenElement === null")
    assert layout_problems(page) == {"overflow": 0, "outside": []}
    assert set(s.router.served.values()) <= {"file", "tile"}  # Leaflet is inside the page
    shot = save_screenshot(page, tmp_path, "map")
    assert shot.stat().st_size > 10_000


def test_each_layer_group_toggles_its_features(opened, saved, atlas):
    s = opened(saved)
    page = s.page
    # services: each domain's markers go and come back
    for key, count in atlas.assets["domain"].value_counts().items():
        label = atlas.domains[key].label
        layer_box(page, label).uncheck()
        assert markers(page, key) == 0
        layer_box(page, label).check()
        assert markers(page, key) == count
    # findings: the dashed gap outlines and the overlap shapes
    dashed = "path[stroke-dasharray='6 4']"
    n_gaps = atlas.gaps["unit_id"].nunique()
    assert page.locator(dashed).count() == n_gaps
    layer_box(page, "Gaps: high need").uncheck()
    assert page.locator(dashed).count() == 0
    layer_box(page, "Gaps: high need").check()
    assert page.locator(dashed).count() == n_gaps
    purple, blue = "path[stroke='#5e3c99']", "path[stroke='#0b4f8a']"
    assert page.locator(purple).count() == 1  # the crowded cluster
    assert page.locator(blue).count() == 1  # the over-served unit
    layer_box(page, "Overlaps").uncheck()
    assert page.locator(purple).count() == 0 and page.locator(blue).count() == 0
    # hospital: the site marker, and the employees layer that starts hidden
    assert page.locator(".am-hospital").count() == 1
    layer_box(page, "Hospital: Synthetic").uncheck()
    assert page.locator(".am-hospital").count() == 0
    assert page.locator("path[stroke='#444444']").count() == 0
    need_fills = unit_paths(page)
    assert len(need_fills) == len(atlas.units)
    layer_box(page, "Hospital employees by home neighbourhood").check()
    assert page.locator("path[stroke='#444444']").count() == len(atlas.anchor.employment)
    # one shading at a time: the need choropleth gives way to the hospital's, legend too
    assert unit_paths(page) == [] and layer_box(page, "No shading").is_checked()
    need_legend = page.locator(".am-legend-need")
    assert "Hospital employees by home neighbourhood" in need_legend.locator("h2").inner_text()
    assert "hidden to protect privacy" in need_legend.inner_text()
    hatched = "path[fill^='url(#am-hatch-']"
    assert page.locator(hatched).count() == atlas.anchor.employment["employees_suppressed"].sum()
    layer_box(page, "Hospital new hires").check()  # replaces the employees
    assert layer_box(page, "Hospital employees by home").is_checked() is False
    assert page.locator(hatched).count() == atlas.anchor.employment["new_hires_suppressed"].sum()
    assert "new hires" in need_legend.locator("h2").inner_text()
    layer_box(page, "Hospital new hires").uncheck()  # the need choropleth comes back
    assert page.locator("path[stroke='#444444']").count() == 0
    assert unit_paths(page) == need_fills and layer_box(page, "Need percentile").is_checked()
    assert "Need percentile" in need_legend.locator("h2").inner_text()
    # need: one choropleth at a time, with its own legend
    page.locator(".am-sub > summary").click()
    layer_box(page, "Below the poverty level").check()
    assert len(unit_paths(page)) == len(atlas.units)
    assert "Below the poverty level" in page.locator(".am-legend-need h2").inner_text()
    assert layer_box(page, "Need percentile").is_checked() is False
    layer_box(page, "No shading").check()
    assert unit_paths(page) == []
    assert page.locator(".am-legend-need").inner_text() == ""
    layer_box(page, "Need percentile").check()
    assert unit_paths(page) == need_fills
    assert "Need percentile" in page.locator(".am-legend-need h2").inner_text()
    # background maps: one at a time, or none
    assert page.locator(".leaflet-tile").count() > 0
    layer_box(page, "No background map").check()
    assert page.locator(".leaflet-tile").count() == 0
    layer_box(page, "Light grey").check()
    page.wait_for_selector(".leaflet-tile")
    assert "server.arcgisonline.com" in page.locator(".leaflet-tile").first.get_attribute("src")
    assert_clean(s)


def test_popups_and_tooltips_read_in_plain_words(opened, saved, atlas):
    s = opened(saved)
    page = s.page
    page.locator(".am-asset-food").first.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Grand Concourse Food Pantry" in text
    for label, value in (
        ("Organisation", "Bronx Partners Network"),
        ("Service", "Food"),
        ("Phone", "(718) 555-0101"),
        ("Hours", "Mon-Fri 9-5"),
        ("Source", "partners"),
        ("Last verified", "2024-05-01"),
    ):
        assert f"{label}\t{value}" in text
    link = popup.locator("a[target=_blank]")
    assert link.get_attribute("href") == "https://example.org/pantry"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert popup.locator("a[href^='tel:']").get_attribute("href") == "tel:7185550101"
    close_popup(page)
    # hovering a unit without gaps: name, percentile, class; clicking: nearest services
    free = atlas.units.drop(atlas.gaps["unit_id"]).dropna(subset=["need_pct"])
    uid = free["need_pct"].idxmax()
    name = atlas.units.loc[uid, "name"]
    words = hover_text(page, *unit_centre(atlas, uid), name)
    klass = classify_values(atlas.units["need_pct"], k=5).words[2]  # the 3rd of 5 units
    assert klass == "40–60%"
    assert f"Need: {round(free.loc[uid, 'need_pct'] * 100)}th percentile ({klass})" in words
    assert f"Residents: {atlas.units.loc[uid, 'population']:,}" in words
    page.mouse.click(*container_point(page, *unit_centre(atlas, uid)))
    popup.wait_for()
    text = popup.inner_text()
    assert "Nearest service (walk)" in text
    acc = atlas.access[(atlas.access["unit_id"] == uid) & (atlas.access["domain"] == "food")]
    row = acc.iloc[0]
    assert f"Food\t{row['nearest_name']}, {round(row['nearest_min'])} min" in text
    close_popup(page)
    # a gap unit's tooltip says which service is missing and how far the nearest is
    gap = atlas.gaps.iloc[0]
    texts = hover_text(page, *unit_centre(atlas, gap["unit_id"]), " gap: ")
    label = atlas.domains[gap["domain"]].label
    assert f"{label} gap: {gap['population']:,} residents" in texts
    assert_clean(s)


def test_search_finds_services_and_neighbourhoods(opened, saved, atlas):
    s = opened(saved)
    page = s.page
    layer_box(page, "Food").uncheck()  # a hidden layer comes back for the service found
    box = page.locator(".am-search input")
    box.fill("soup")
    hits = page.locator(".am-results li")
    assert hits.all_inner_texts() == ["Fordham Soup Kitchen Food"]
    hits.first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Fordham Soup Kitchen" in popup.inner_text()
    assert layer_box(page, "Food").is_checked() and markers(page, "food") == 3
    assert page.evaluate(f"() => {MAP_JS}.getZoom()") >= 16
    box.fill("mott haven")  # the neighbourhood named by the query first
    assert page.locator(".am-results li").all_inner_texts() == [
        "Mott Haven neighbourhood",
        "Mott Haven Health Center Primary care",
    ]
    box.fill("melro")
    assert page.locator(".am-results li").all_inner_texts() == ["Melrose neighbourhood"]
    box.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.leaflet-popup-content')?.innerText.includes('Melrose')"
    )
    assert "Residents" in popup.inner_text()
    box.fill("zzzz")
    assert page.locator(".am-results li").all_inner_texts() == ["No match"]
    assert_clean(s)


def test_search_by_keyboard_alone(opened, saved, atlas):
    s = opened(saved)
    page = s.page
    box = page.locator(".am-search input")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    box.focus()
    page.keyboard.type("mott")
    listbox = page.locator(".am-results")
    assert listbox.get_attribute("role") == "listbox"
    assert box.get_attribute("aria-controls") == listbox.get_attribute("id")
    assert box.get_attribute("aria-expanded") == "true"
    options = page.locator(".am-results [role=option]")
    assert options.all_inner_texts() == [
        "Mott Haven neighbourhood",
        "Mott Haven Health Center Primary care",
    ]
    assert box.get_attribute("aria-activedescendant") is None

    def active():
        chosen = page.locator(".am-results [aria-selected=true]")
        assert chosen.count() == 1
        assert box.get_attribute("aria-activedescendant") == chosen.get_attribute("id")
        return chosen.inner_text()

    page.keyboard.press("ArrowDown")
    assert active() == "Mott Haven neighbourhood"
    page.keyboard.press("ArrowDown")
    assert active() == "Mott Haven Health Center Primary care"
    page.keyboard.press("ArrowDown")  # wraps round
    assert active() == "Mott Haven neighbourhood"
    page.keyboard.press("ArrowUp")  # and back
    assert active() == "Mott Haven Health Center Primary care"
    page.keyboard.press("ArrowUp")
    assert active() == "Mott Haven neighbourhood"
    assert page.evaluate("() => document.activeElement.classList.contains('am-search-input')")
    page.keyboard.press("Enter")  # opens the chosen one: the neighbourhood's popup
    page.wait_for_function(
        "() => document.querySelector('.leaflet-popup-content')?.innerText.includes('Residents')"
    )
    popup = page.locator(".leaflet-popup-content")
    assert "Mott Haven" in popup.locator("h3").inner_text()
    assert listbox.is_hidden() and box.get_attribute("aria-expanded") == "false"
    settle(page)
    uid = atlas.units.index[atlas.units["name"] == "Mott Haven"][0]
    centre = atlas.units.geometry.loc[uid].centroid
    assert page.evaluate(
        f"([lat, lon]) => {MAP_JS}.getBounds().contains([lat, lon])", [centre.y, centre.x]
    )
    page.keyboard.press("Escape")  # the list is closed: Escape closes the popup
    page.locator(".leaflet-popup").wait_for(state="detached")
    assert box.input_value() == "mott"
    # Escape closes an open list, then clears the box
    page.keyboard.press("ArrowDown")
    assert active() == "Mott Haven neighbourhood"
    page.keyboard.press("Escape")
    assert listbox.is_hidden() and box.input_value() == "mott"
    page.keyboard.press("Escape")
    assert box.input_value() == ""
    # a service found by keyboard: zoomed to and its popup opened
    page.keyboard.type("pantry")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.leaflet-popup-content h3')?.innerText"
        " === 'Grand Concourse Food Pantry'"
    )
    assert page.evaluate(f"() => {MAP_JS}.getZoom()") >= 16
    assert_clean(s)


def test_hospital_layers_read_in_words_and_hide_small_counts(opened, saved, atlas, tmp_path):
    s = opened(saved)
    page = s.page
    emp = atlas.anchor.employment
    hidden = emp.loc[emp["employees_suppressed"], "unit_id"].iloc[0]
    shown = emp.loc[emp["employees"] > 0].iloc[0]
    layer_box(page, "Hospital employees by home neighbourhood").check()
    words = hover_text(page, *unit_centre(atlas, hidden), "hidden to protect privacy")
    name = atlas.units.loc[hidden, "name"]
    assert f"{name} Hospital employees living here: hidden to protect privacy" in " ".join(
        words.split()
    )
    words = hover_text(page, *unit_centre(atlas, shown["unit_id"]), shown["name"])
    assert f"Hospital employees living here: {round(shown['employees'])}" in words
    legend = page.locator(".am-legend-need").inner_text()
    ratio = atlas.anchor.alignment.set_index("measure").loc["employees", "ratio"]
    assert f"{ratio:.2f}× the population share" in legend
    assert "Synthetic hospital data, for demonstration." in legend
    save_screenshot(page, tmp_path, "hospital-employees")
    # a shareable space near a gap says what it could host there
    page.locator(".am-space").first.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    near = atlas.anchor.spaces_near_gaps.iloc[0]
    text = " ".join(popup.inner_text().split())
    assert (
        f"Could host: housing and shelter (gap in Mott Haven, {round(near['walk_min'])} min walk)"
        in text
    )
    close_popup(page)
    # open positions: one symbol per site, the larger the more positions
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('.am-positions')].map((e) => e.offsetWidth)"
    )
    assert sorted(sizes) == sorted(r[4] for r in _positions_rows(atlas))
    assert_clean(s)


def test_unreliable_estimates_hatched_and_unranked_units_say_why(opened, tmp_path):
    from tests.test_maps import shaky_atlas

    atlas = shaky_atlas()
    path = tmp_path / "shaky.html"
    atlas.map().save(str(path))
    s = opened(path)
    page = s.page
    page.locator(".am-sub > summary").click()
    layer_box(page, "Households without a vehicle").check()
    # Fordham (4%, CV 0.30) and Melrose (CV 1.69) hatched; the others plain
    hatched = page.locator("path[fill^='url(#am-weak-']")
    assert hatched.count() == 2
    assert page.locator("svg pattern[id^='am-weak-']").count() == 2  # dark and white stripes
    legend = page.locator(".am-legend-need").inner_text()
    assert "estimate unreliable (CV > 30%)" in legend
    words = hover_text(page, *unit_centre(atlas, "36005000106"), "Melrose")
    assert "Households without a vehicle: 24.0% (highest 25%) estimate unreliable (CV > 30%)" in (
        " ".join(words.split())
    )
    words = hover_text(page, *unit_centre(atlas, "36005000101"), "Concourse")
    assert "not ranked: fewer than 100 residents" in words
    assert "9.0%" not in words  # its estimate is not shown as if it were ranked
    save_screenshot(page, tmp_path, "unreliable-hatched")
    # on the need index, Melrose's popup says its ranking rests on an unreliable estimate
    layer_box(page, "Need percentile").check()
    page.mouse.click(*container_point(page, *unit_centre(atlas, "36005000106")))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = " ".join(popup.inner_text().split())
    assert (
        "Its need ranking rests on 1 unreliable estimate (CV > 30%): Households without a "
        "vehicle." in text
    )
    assert_clean(s)


def _positions_rows(atlas):
    from assetmap.maps.build import map_spec

    (jobs,) = [a for a in map_spec(atlas)["anchor"] if a["name"] == "Hospital open positions"]
    return jobs["rows"]


def test_markers_show_their_domain_icon(opened, saved, atlas):
    s = opened(saved)
    page = s.page
    for key, count in atlas.assets["domain"].value_counts().items():
        assert page.locator(f".am-asset-{key} svg.am-icon").count() == count
        legend_icon = page.locator(".am-legend .am-row", has_text=atlas.domains[key].label)
        assert legend_icon.locator("svg.am-icon").count() == 1
    assert page.locator(".am-hospital svg.am-icon").count() == 1
    assert_clean(s)


def test_print_view_keeps_title_legend_and_footer(opened, saved, tmp_path):
    s = opened(saved)
    page = s.page
    page.evaluate("() => { window.print = () => { window.__printed = true; }; }")
    page.locator(".am-print-button").click()
    assert page.evaluate("() => window.__printed") is True
    page.emulate_media(media="print")
    for hidden in (".am-layers", ".am-search", ".leaflet-control-zoom", ".am-print-button"):
        assert not page.locator(hidden).is_visible(), hidden
    for shown in (".am-title", ".am-legend", ".am-footer", ".leaflet-control-scale"):
        assert page.locator(shown).is_visible(), shown
    page.pdf(path=tmp_path / "map.pdf")
    assert (tmp_path / "map.pdf").read_bytes()[:5] == b"%PDF-"
    assert_clean(s)


def test_map_fits_a_phone(opened, saved):
    s = opened(saved, viewport=(390, 844))
    page = s.page
    assert layout_problems(page) == {"overflow": 0, "outside": []}
    # the layer control, legend and sources start folded, one tap away
    for panel in (".am-layers", ".am-legend .am-fold", ".am-footer .am-fold"):
        assert page.locator(panel).evaluate("(d) => d.open") is False, panel
    page.locator(".am-layers > summary").click()
    assert layer_box(page, "Food").is_visible()
    assert layout_problems(page) == {"overflow": 0, "outside": []}
    assert_clean(s)


def test_data_still_show_when_tiles_fail(opened, saved, atlas):
    s = opened(saved, tiles="fail")
    page = s.page
    page.wait_for_selector(".am-offline:not([hidden])")
    assert "could not load" in page.locator(".am-offline").inner_text()
    assert len(unit_paths(page)) == len(atlas.units)
    assert page.locator(".am-asset").count() == len(atlas.assets)
    assert_clean(s, tiles_may_fail=True)


@pytest.mark.parametrize("source", ["npm", "xstatic"])
def test_default_map_works_with_no_network(opened, tmp_path, monkeypatch, source):
    if source == "npm" and not (NODE_MODULES / "leaflet").is_dir():
        pytest.skip("npm packages not installed")
    if source == "xstatic":
        pytest.importorskip("xstatic.pkg.leaflet_markercluster")
        monkeypatch.delenv("ASSETMAP_JS_DIR", raising=False)
        monkeypatch.setattr(_map_inline, "_cache_web_dir", lambda: tmp_path / "no-cache")
    atlas = tiny_atlas(crowd=60)
    path = tmp_path / "alone.html"
    js_dir = NODE_MODULES if source == "npm" else None
    atlas.map(js_dir=js_dir).save(str(path))  # the default: nothing from a CDN
    s = opened(path, cdn=False, tiles="fail")  # every request but the file fails
    page = s.page
    assert set(s.router.served.values()) <= {"file", "tile-failed"}
    assert "tile-failed" in s.router.served.values()
    # the data still draw, and the page says once that the background did not load
    page.wait_for_selector(".am-offline:not([hidden])")
    assert page.locator(".am-offline:not([hidden])").count() == 1
    assert page.locator(".am-cluster").count() >= 1  # clustering works from the inlined file
    assert len(unit_paths(page)) == len(atlas.units)
    shown = page.evaluate(
        "() => Object.values(assetmap.maps)[0].domains"
        ".reduce((n, d) => n + d.layer.amMarkers.length, 0)"
    )
    assert shown == len(atlas.assets) == 68
    save_screenshot(page, tmp_path, f"offline-default-map-{source}")
    assert_clean(s, tiles_may_fail=True)


DASHED = "path[stroke-dasharray='6 4']"  # a gap outline


def test_gaps_follow_the_domains_shown(opened, saved, atlas):
    s = opened(saved)
    page = s.page
    gap_units = atlas.gaps.groupby("domain")["unit_id"].nunique()  # food 1, housing 1
    assert page.locator(DASHED).count() == 2
    layer_box(page, atlas.domains["housing"].label).uncheck()
    assert page.locator(DASHED).count() == gap_units["food"] == 1
    layer_box(page, atlas.domains["food"].label).uncheck()
    assert page.locator(DASHED).count() == 0  # primary care alone: no gap of its own
    layer_box(page, atlas.domains["housing"].label).check()
    assert page.locator(DASHED).count() == gap_units["housing"] == 1
    # the outline's tooltip names only the gaps of the domains shown
    tip = page.evaluate(
        "() => { const g = Object.values(assetmap.maps)[0].items.gaps.layer;"
        " return g.getLayers().map((l) => g.getTooltip()._content(l)); }"
    )
    assert len(tip) == 1 and "Housing and shelter gap" in tip[0] and "Food gap" not in tip[0]
    assert_clean(s)


def test_domain_view_shows_one_domain_and_its_gaps(opened, saved, atlas, tmp_path):
    s = opened(saved, viewport=(1920, 1080))
    page = s.page
    counts = atlas.assets["domain"].value_counts()
    assert page.locator(".am-asset").count() == len(atlas.assets) == 8
    page.locator(".am-focus select").select_option("food")
    assert markers(page, "food") == counts["food"] == 3
    assert page.locator(".am-asset").count() == 3  # no other domain's marker
    food_gaps = atlas.gaps.loc[atlas.gaps["domain"] == "food", "unit_id"]
    assert page.locator(DASHED).count() == food_gaps.nunique() == 1
    assert len(unit_paths(page)) == len(atlas.units)  # the need underneath
    legend = page.locator(".am-legend")
    rows = legend.locator("[data-domain]")
    visible = [r.get_attribute("data-domain") for r in rows.all() if r.is_visible()]
    assert visible == ["food"] and rows.count() == 3
    assert not layer_box(page, atlas.domains["housing"].label).is_checked()
    save_screenshot(page, tmp_path, "domain-view-food")
    # all domains: the layers shown before come back
    page.locator(".am-focus select").select_option("")
    assert page.locator(".am-asset").count() == 8
    assert page.locator(DASHED).count() == 2
    assert all(r.is_visible() for r in rows.all())
    assert_clean(s)


def test_a_link_reopens_the_same_view(opened, saved, atlas, tmp_path):
    s = opened(saved)
    page = s.page
    page.locator(".am-focus select").select_option("housing")
    layer_box(page, "Overlaps").uncheck()
    page.evaluate(f"() => {MAP_JS}.setView([40.8405, -73.9005], 15, {{animate: false}})")
    page.wait_for_function("() => location.hash.includes('view=40.8405')")
    link = page.evaluate("() => location.hash")
    assert "domain=housing" in link and "domain-housing" in link and "overlaps" not in link
    page.reload()
    page.wait_for_selector("[data-assetmap=ready]", state="attached")
    settle(page)
    state = page.evaluate(
        f"() => {{ const m = {MAP_JS}; const c = m.getCenter();"
        " return [document.querySelector('.am-focus select').value, m.getZoom(),"
        " +c.lat.toFixed(4), +c.lng.toFixed(4)]; }"
    )
    assert state == ["housing", 15, 40.8405, -73.9005]
    assert markers(page, "housing") == 2 and page.locator(".am-asset").count() == 2
    assert page.locator(DASHED).count() == 1  # the housing gap only
    assert not layer_box(page, "Overlaps").is_checked()
    assert layer_box(page, "Need percentile").is_checked()
    save_screenshot(page, tmp_path, "link-reopened")
    assert_clean(s)


def test_dense_services_cluster_and_search_opens_a_clustered_one(opened, tmp_path):
    path = tmp_path / "crowded.html"
    tiny_atlas(crowd=60).map().save(str(path))
    s = opened(path)
    page = s.page
    clusters = page.locator(".am-cluster")
    assert clusters.count() >= 1
    food = page.evaluate(
        "() => Object.values(assetmap.maps)[0].domains"
        ".find((d) => d.spec.key === 'food').layer.getLayers().length"
    )
    assert food == 63  # every marker is in the clustered layer
    assert max(int(t) for t in clusters.all_inner_texts()) > 1
    page.locator(".am-search input").fill("crowded pantry 42")
    page.locator(".am-results li").first.click()
    page.wait_for_function(
        "() => document.querySelector('.leaflet-popup-content')?.innerText.includes('pantry 42')"
    )
    assert_clean(s)


# --- hostile text in every field ------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_map(tmp_path_factory):
    atlas = hostile_atlas()
    path = tmp_path_factory.mktemp("hostile") / "hostile.html"
    atlas.map().save(str(path))
    return atlas, path


def test_hostile_strings_stay_text_in_popups_and_panels(opened, hostile_map, tmp_path):
    atlas, path = hostile_map
    s = opened(path)
    page = s.page
    assert_clean(s)
    assert hostile.shown("".join(hostile.MARKUP), 200) in hostile.collapse(
        page.locator(".am-title h1").inner_text()
    )
    footer = hostile.collapse(page.locator(".am-footer").inner_text())
    control = hostile.collapse(page.locator(".am-layers").inner_text())
    assert hostile.shown(hostile.IMG + " food") in control
    assert "Hospital: " + hostile.shown(hostile.SCRIPT_END) in control
    for text in hostile.HOSTILE:
        assert hostile.shown(text) in footer, text
    seen = set()
    for marker in page.locator(".am-asset").all():
        marker.dispatch_event("click")
        popup = page.evaluate(POPUP_JS)
        words = hostile.collapse(popup["text"])
        title = hostile.collapse(popup["title"])
        assert popup["markup"] == 0, title  # no element made from data
        assert all(h.startswith(("https://", "tel:")) for h in popup["hrefs"])
        assert popup["width"] <= 380  # maxWidth 320 + margins + a scroll bar
        if title in (hostile.shown(hostile.LONG_NAME), hostile.shown(hostile.LONG_WORD)):
            assert layout_problems(page) == {"overflow": 0, "outside": []}
        for text in [t for t in hostile.HOSTILE if hostile.shown(t) == title]:
            shown = hostile.shown(text)
            for label in ("Organisation", "Address", "Phone", "Hours", "Website", "Last verified"):
                assert f"{label} {shown}" in words, (label, text)
            parts = "; ".join(p.strip() for p in text.split(";") if p.strip())
            assert f"Source {hostile.shown(parts)}" in words
            seen.add(text)
    assert seen == set(hostile.HOSTILE)
    # a space near a gap names the gap's (hostile) neighbourhood as text
    near = atlas.anchor.spaces_near_gaps.iloc[0]
    hosts = []
    for marker in page.locator(".am-space").all():
        marker.dispatch_event("click")
        popup = page.evaluate(POPUP_JS)
        assert popup["markup"] == 0
        hosts.append(hostile.collapse(popup["text"]))
    gap_name = hostile.shown(atlas.units.loc[near["unit_id"], "name"])
    assert any(f"(gap in {gap_name}," in t for t in hosts), gap_name
    save_screenshot(page, tmp_path, "hostile-map")
    assert_clean(s)


def test_hostile_unit_names_in_tooltips_and_search(opened, hostile_map):
    atlas, path = hostile_map
    s = opened(path, viewport=(1400, 1000))
    page = s.page
    for name in ("Gaps", "Overlaps"):  # outlines with tooltips of their own
        layer_box(page, name).uncheck()
    # panels cover part of the map: set them aside so every unit can be hovered
    page.add_style_tag(content=".am-panel { visibility: hidden; }")
    for uid, name in atlas.units["name"].items():
        poly = atlas.units.geometry.loc[uid]
        c = poly.centroid
        shown = hostile.shown(name)
        page.mouse.move(*container_point(page, c.y - 0.0015, c.x - 0.0015))
        page.wait_for_function(
            "(n) => [...document.querySelectorAll('.leaflet-tooltip')]"
            ".some((t) => t.innerText.replace(/\\s+/g, ' ').includes(n))",
            arg=shown[:40],
        )
        tip = page.locator(".leaflet-tooltip").last
        assert shown in hostile.collapse(tip.inner_text())
        assert tip.locator("img, script, iframe, svg, style").count() == 0
        assert tip.bounding_box()["width"] <= 300
    page.add_style_tag(content=".am-panel { visibility: visible; }")
    page.locator(".am-search input").fill("supercalifragilistic")
    hits = page.locator(".am-results li")
    assert hits.count() == 2  # the unit and the service of that name
    assert layout_problems(page) == {"overflow": 0, "outside": []}
    assert_clean(s)


def test_sample_map_opens_clean(opened, sample_atlas, tmp_path):
    path = tmp_path / "sample.html"
    sample_atlas.map().save(str(path))
    s = opened(path)
    assert_clean(s)
    page = s.page
    assert len(unit_paths(page)) > 0
    assert page.locator(".am-asset").count() + page.locator(".am-cluster").count() > 0
    control = page.locator(".am-layers").inner_text()
    for key in set(sample_atlas.assets["domain"]) & set(sample_atlas.domains):
        assert sample_atlas.domains[key].label in control
    assert layout_problems(page) == {"overflow": 0, "outside": []}
    settle(page)
    save_screenshot(page, tmp_path, "sample-map")
