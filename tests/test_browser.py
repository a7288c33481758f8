"""The saved study map opened in headless Chromium, offline (see tests/browser_support.py)."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point

from assetmap._map_classes import classify_values
from tests._atlas_fixture import XSS_IMG, XSS_SCRIPT_END, XSS_TEMPLATE, tiny_atlas
from tests.browser_support import container_point, launch_browser, open_map, settle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    with launch_browser() as b:
        yield b


@pytest.fixture
def open_atlas(browser, tmp_path):
    """Save an atlas's map to tmp_path, open it, and close it after the test."""
    sessions = []

    def _open(atlas, name="map"):
        path = tmp_path / f"{name}.html"
        atlas.map().save(path)
        session = open_map(browser, path)
        sessions.append(session)
        return session

    yield _open
    for s in sessions:
        s.close()


def assert_clean(session):
    assert session.dialogs == [], "a dialog opened: injected script ran"
    assert session.page_errors == []
    assert session.console_errors == []
    assert session.router.unhandled == [], "requests with no offline answer"


def unit_centre(atlas, uid):
    """A (lat, lon) inside the unit as far as possible from every marker and cluster."""
    poly = atlas.units.geometry.loc[uid]
    minx, miny, maxx, maxy = poly.bounds
    points = list(atlas.assets.geometry)
    if atlas.anchor is not None:
        points += list(atlas.anchor.hospital.geometry) + list(atlas.anchor.spaces.geometry)
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


def test_map_draws_layers_legend_and_title(open_atlas, tmp_path):
    atlas = tiny_atlas()
    s = open_atlas(atlas)
    page = s.page
    assert_clean(s)
    # every unit is a drawn polygon (plus gaps, overlaps)
    assert page.locator("path.leaflet-interactive").count() >= len(atlas.units)
    assert page.locator(".am-asset").count() == len(atlas.assets)
    control = page.locator(".leaflet-control-layers").inner_text()
    for key in ("food", "housing", "primary_care"):
        assert atlas.domains[key].label in control
    assert "Need percentile" in control and "Hospital spaces to share" in control
    legend = page.locator(".am-legend")
    assert legend.is_visible()
    words = legend.inner_text()
    for phrase in ("Need percentile", "lowest 20%", "highest 20%", "no residents / no data"):
        assert phrase in words
    assert "2019–2023" in words
    title = page.locator(".am-title")
    assert title.is_visible() and "Tiny Bronx test" in title.inner_text()
    assert page.locator(".am-synthetic").is_visible()
    assert "SYNTHETIC ASSETS — for demonstration" in page.locator(".am-synthetic").inner_text()
    assert "Sources:" in page.locator(".am-footer").inner_text()
    # the leaflet library came from node_modules, tiles were blanked
    assert any(v.startswith("npm:") and "leaflet.js" in v for v in s.router.served.values())
    assert "tile" in s.router.served.values()
    page.screenshot(path=tmp_path / "map.png")
    assert (tmp_path / "map.png").stat().st_size > 10_000


def test_popup_and_tooltips_read_in_plain_words(open_atlas):
    atlas = tiny_atlas()
    s = open_atlas(atlas)
    page = s.page
    page.locator(".am-asset-food").first.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Grand Concourse Food Pantry" in text
    for label in ("Organisation", "Service", "Address", "Phone", "Hours", "Website", "Source"):
        assert label in text
    link = popup.locator("a")
    assert link.get_attribute("href") == "https://example.org/pantry"
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener noreferrer"
    page.locator(".leaflet-popup-close-button").dispatch_event("click")
    # hovering a unit without gaps shows the need layer's tooltip: name, percentile, class
    classes = classify_values(atlas.units["need_pct"], k=5)
    free = atlas.units.drop(atlas.gaps["unit_id"]).dropna(subset=["need_pct"])
    uid = free["need_pct"].idxmax()
    x, y = container_point(page, *unit_centre(atlas, uid))
    page.mouse.move(x, y)
    tip = page.locator(".leaflet-tooltip").last
    tip.wait_for()
    words = tip.inner_text()
    assert atlas.units.loc[uid, "name"] in words
    assert f"Need: {round(free.loc[uid, 'need_pct'] * 100)}th percentile" in words
    assert classes.words[int(classes.yb[uid])] in words
    # a gap unit's tooltip says which service is missing and how far the nearest is
    gap = atlas.gaps.iloc[0]
    page.mouse.move(*container_point(page, *unit_centre(atlas, gap["unit_id"])))
    page.wait_for_function(
        "() => [...document.querySelectorAll('.leaflet-tooltip')]"
        ".some((t) => t.innerText.includes(' gap: '))"
    )
    texts = " ".join(page.locator(".leaflet-tooltip").all_inner_texts())
    label = atlas.domains[gap["domain"]].label
    assert f"{label} gap: {gap['population']:,} residents" in texts
    assert_clean(s)


def test_suppressed_employment_cell_when_layer_is_on(open_atlas):
    atlas = tiny_atlas()
    s = open_atlas(atlas)
    page = s.page
    page.get_by_label("Hospital employees by home area").check()
    settle(page)
    emp = atlas.anchor.employment
    row = emp[emp["employees_suppressed"]].iloc[0]
    x, y = container_point(page, *unit_centre(atlas, row["unit_id"]))
    page.mouse.move(x, y)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.leaflet-tooltip')]"
        ".some((t) => t.innerText.includes('suppressed'))"
    )
    tips = page.locator(".leaflet-tooltip").all_inner_texts()
    assert any("Hospital employees living here: fewer than 11 (suppressed)" in t for t in tips)
    assert_clean(s)


def test_hostile_text_stays_text(open_atlas, tmp_path):
    atlas = tiny_atlas(hostile=True)
    s = open_atlas(atlas, name="hostile")
    page = s.page
    assert_clean(s)
    # the study name with </script> is shown literally in the title box
    assert XSS_SCRIPT_END in page.locator(".am-title").inner_text()
    assert XSS_TEMPLATE in page.locator(".am-title").inner_text()
    assert "Hospital: " + XSS_IMG in page.locator(".leaflet-control-layers").inner_text()
    # open every asset popup; the one named <img ...> shows the literal text and no image
    texts = []
    for marker in page.locator(".am-asset").all():
        marker.dispatch_event("click")
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        texts.append(popup.inner_text())
        assert popup.locator("img, script, iframe").count() == 0
        for a in popup.locator("a").all():
            assert a.get_attribute("href").startswith(("https://", "http://"))
        page.locator(".leaflet-popup-close-button").dispatch_event("click")
        popup.wait_for(state="detached")
    hit = [t for t in texts if XSS_IMG in t]
    assert hit, texts
    assert "javascript:alert(4)" in hit[0]  # shown as text, not a link
    assert any(XSS_TEMPLATE in t for t in texts)
    assert any("&lt;b&gt;entity&lt;/b&gt;" in t for t in texts)
    assert page.locator("img[src='x']").count() == 0
    # the unit named </script><script>alert(2)</script>: its tooltip shows the literal name
    uid = atlas.units.index[atlas.units["name"] == XSS_SCRIPT_END][0]
    x, y = container_point(page, *unit_centre(atlas, uid))
    page.mouse.move(x, y)
    page.wait_for_function(
        "(name) => [...document.querySelectorAll('.leaflet-tooltip')]"
        ".some((t) => t.innerText.includes(name))",
        arg=XSS_SCRIPT_END,
    )
    page.screenshot(path=tmp_path / "hostile.png")
    assert_clean(s)


def test_clustered_domain_loads_markercluster_offline(open_atlas):
    s = open_atlas(tiny_atlas(crowd=60), name="crowded")
    assert_clean(s)
    assert s.page.locator(".marker-cluster").count() >= 1
    served = " ".join(s.router.served)
    assert "leaflet.markercluster.js" in served and "MarkerCluster.Default.css" in served


def test_sample_map_opens_clean(open_atlas, sample_atlas, tmp_path):
    s = open_atlas(sample_atlas, name="sample")
    assert_clean(s)
    page = s.page
    assert page.locator("path.leaflet-interactive").count() >= len(sample_atlas.units)
    assert page.locator(".am-asset").count() + page.locator(".marker-cluster").count() > 0
    control = page.locator(".leaflet-control-layers").inner_text()
    for key in set(sample_atlas.assets["domain"]):
        assert sample_atlas.domains[key].label in control
    assert s.load_seconds < 15
    page.screenshot(path=tmp_path / "sample.png")
