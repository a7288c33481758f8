"""The demo map read in a room: markers apart, the legend as drawn, symbols for every eye.

In headless Chromium, offline (tests/browser_support.py), on the demo map (the embedded
Bronx sample):

* at the opening view, no service marker or cluster covers another (bounding boxes), at
  1280 x 860 and 1920 x 1080;
* each need class's legend swatch has the colour its units have on the map (pixels of a
  screenshot over blank tiles), and every layer the map can draw has a legend row;
* with simulated deuteranopia and protanopia (Chromium's own, screenshots in
  tests/artifacts/) no two domains look the same: any two whose simulated colours are close
  (Machado et al. 2009, CIELAB ΔE76 <= 10) have different glyphs, and glyphs that tell
  apart at the size they are drawn.
"""

from __future__ import annotations

import html
import io
import itertools
from pathlib import Path

import numpy as np
import pytest

from assetmap.icons import icon_name
from tests.browser_support import save_screenshot, settle

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
STATE = "Object.values(assetmap.maps)[0]"


def still(page):
    """Wait until the map and its clusters have stopped moving."""
    settle(page)
    page.wait_for_function("() => !document.querySelector('.leaflet-cluster-anim')")
    page.wait_for_timeout(150)
    settle(page)


# --- no marker over another -----------------------------------------------------------------

BOXES = """(sel) => [...document.querySelectorAll(sel)].filter((el) => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return r.width > 0 && s.visibility !== 'hidden' && s.display !== 'none' && +s.opacity > 0;
  }).map((el) => {
    const r = el.getBoundingClientRect();
    return [String(el.className), r.left, r.top, r.right, r.bottom];
  })"""
MARKERS = ".am-asset, .am-cluster-icon, .am-site"


def overlapping(boxes, tolerance=1.0):
    """Pairs of boxes that overlap by more than ``tolerance`` px both ways."""
    out = []
    for a, b in itertools.combinations(boxes, 2):
        w = min(a[3], b[3]) - max(a[1], b[1])
        h = min(a[4], b[4]) - max(a[2], b[2])
        if w > tolerance and h > tolerance:
            out.append((a[0], b[0], round(w, 1), round(h, 1)))
    return out


@pytest.mark.parametrize("viewport", [(1280, 860), (1920, 1080)])
def test_no_marker_covers_another_at_the_opening_view(opened, demo_map, sample_atlas, viewport):
    s = opened(demo_map, viewport=viewport)
    page = s.page
    still(page)
    boxes = page.evaluate(BOXES, MARKERS)
    clusters = [b for b in boxes if "am-cluster-icon" in b[0]]
    assert len(clusters) >= 3 and len(boxes) >= 10
    assert overlapping(boxes) == []
    # every service is in the one cluster group, whatever its domain
    held = page.evaluate(f"() => {STATE}.clusters.getLayers().length")
    assert held == len(sample_atlas.assets)
    # a cluster of several domains shows their colours in a ring; of one, that domain's colour
    mixed = page.locator(".am-cluster-mixed-icon .am-cluster").first
    assert "conic-gradient" in mixed.evaluate("(e) => getComputedStyle(e).backgroundImage")
    # zoomed in to street level, every service shows on its own
    page.evaluate(f"() => {{ {STATE}.map.setZoom(17, {{animate: false}}); }}")
    still(page)
    assert page.locator(".am-cluster-icon").count() == 0
    assert page.locator(".am-asset").count() > 0
    save_screenshot(page, ARTIFACTS, f"markers_{viewport[0]}x{viewport[1]}_zoom17")
    assert s.page_errors == []


def test_a_domain_switched_off_or_focused_leaves_the_clusters(opened, demo_map, sample_atlas):
    s = opened(demo_map)
    page = s.page
    counts = sample_atlas.assets["domain"].value_counts()
    total = len(sample_atlas.assets)
    held = f"() => {STATE}.clusters.getLayers().length"
    label = sample_atlas.domains["food"].label
    box = page.locator(".am-layers label.am-item", has_text=label).locator("input")
    box.uncheck()
    assert page.evaluate(held) == total - counts["food"]
    box.check()
    assert page.evaluate(held) == total
    page.locator(".am-focus select").select_option("food")
    still(page)
    assert page.evaluate(held) == counts["food"]
    classes = page.evaluate(BOXES, ".am-cluster-icon")
    assert classes and all("am-cluster-food" in c[0] for c in classes)
    assert overlapping(page.evaluate(BOXES, MARKERS)) == []
    page.locator(".am-focus select").select_option("")
    assert page.evaluate(held) == total
    assert s.page_errors == []


# --- the legend as drawn --------------------------------------------------------------------


def pixels(page):
    from PIL import Image

    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    return np.asarray(shot).astype(int)


# For each need class, a unit of that class whose point inside is on screen, not under a
# panel, and shows the class's fill: its page coordinates.
CLASS_POINTS = (
    """() => {
  const st = __STATE__;
  const c = st.choropleths.find((x) => x.id === 'need-need_pct').spec;
  const U = st.spec.units;
  const box = st.map.getContainer().getBoundingClientRect();
  const out = {};
  c.cls.forEach((k, i) => {
    if (k < 0 || out[k] || !U.point[i] || (c.weak && c.weak[i])) return;
    const p = st.map.latLngToContainerPoint(U.point[i]);
    const x = box.left + p.x, y = box.top + p.y;
    const hit = document.elementFromPoint(x, y);
    if (hit && hit.getAttribute && hit.getAttribute('fill') === c.colours[k]) out[k] = [x, y];
  });
  return out;
}"""
).replace("__STATE__", STATE)


def test_need_swatches_have_the_colours_drawn(opened, demo_map):
    s = opened(demo_map, viewport=(1920, 1080))
    page = s.page
    # the need shading alone, over blank tiles
    page.evaluate(
        f"() => {{ const st = {STATE};"
        " assetmap.showOnly({map: st.map, state: st}, ['base-0', 'need-need_pct']); }"
    )
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    still(page)
    points = page.evaluate(CLASS_POINTS)
    rows = page.locator(".am-legend-need .am-row .am-swatch")
    n_classes = page.evaluate(
        f"() => {STATE}.choropleths.find((x) => x.id === 'need-need_pct').spec.colours.length"
    )
    assert len(points) == n_classes >= 4  # a unit of every class was sampled
    swatches = []
    for k in range(n_classes):
        swatch = rows.nth(k)
        swatch.scroll_into_view_if_needed()
        b = swatch.bounding_box()
        swatches.append((b["x"] + b["width"] / 2, b["y"] + b["height"] / 2))
    img = pixels(page)
    save_screenshot(page, ARTIFACTS, "legend_need_swatches")
    for k in range(n_classes):
        x, y = points[str(k)]
        drawn = img[round(y), round(x)]
        sx, sy = swatches[k]
        shown = img[round(sy), round(sx)]
        assert np.abs(drawn - shown).max() <= 6, (k, drawn.tolist(), shown.tolist())
    assert s.page_errors == []


def test_every_layer_the_map_draws_has_a_legend_row(opened, demo_map):
    s = opened(demo_map, viewport=(1920, 1080))
    page = s.page
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    items = page.evaluate(
        f"() => Object.values({STATE}.items).map((it) => [it.id, it.name,"
        " it.spec && it.spec.key || ''])"
    )
    legend = page.locator(".am-legend")
    words = " ".join(legend.inner_text().split())
    for layer_id, name, key in items:
        if layer_id.startswith("base-") or layer_id == "need-none":
            continue
        if layer_id.startswith("domain-"):
            assert legend.locator(f".am-row[data-domain='{key}']").count() == 1, name
        elif layer_id in ("gaps", "overlaps", "sites", "partners"):
            assert legend.locator(f".am-row[data-layer='{layer_id}']").count() >= 1, name
        elif layer_id.startswith("need-") or page.evaluate(
            f"(id) => !{STATE}.items[id].layer.amMarkers", layer_id
        ):
            # a shading: its legend replaces the need legend while it is on
            page.evaluate(
                f"(id) => {{ const st = {STATE}; st.map.addLayer(st.items[id].layer); }}", layer_id
            )
            head = " ".join(legend.locator(".am-legend-need h2").inner_text().split())
            assert head == " ".join(html.unescape(name).split()), layer_id
        else:  # the hospital's points: a row in its words
            assert " ".join(html.unescape(name).split()) in words, name
    # the over-served outlines (dotted blue) and the crowded shapes have rows of their own
    served = page.locator("path[stroke='#0b4f8a']").count()
    crowded = page.locator("path[stroke='#5e3c99']").count()
    assert served > 0 and crowded > 0
    for kind in ("over_served", "cluster"):
        assert legend.locator(f".am-row[data-overlap='{kind}']").is_visible(), kind
    assert legend.locator(".am-row[data-cluster]").is_visible()  # what a cluster is
    assert s.page_errors == []


# --- colour-blind safe symbols --------------------------------------------------------------

#: Machado, Oliveira & Fernandes (2009), severity 1, on linear RGB.
MACHADO = {
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),  # fmt: skip
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),  # fmt: skip
}


def _linear(c):
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _srgb(c):
    c = np.clip(c, 0, 1)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def lab(rgb):
    """CIELAB (D65) of an sRGB colour in 0..1."""
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ _linear(np.asarray(rgb, float)) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def simulated(hex_colour, kind):
    """The colour as seen with a colour vision deficiency (sRGB, 0..1)."""
    rgb = np.array([int(hex_colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]) / 255
    return _srgb(MACHADO[kind] @ _linear(rgb))


def test_simulation_matrices():
    # white stays white, and red and green become alike for a deuteranope
    assert np.allclose(simulated("#ffffff", "deuteranopia"), 1, atol=0.01)
    seen = np.linalg.norm(lab([0.84, 0.15, 0.16]) - lab([0.17, 0.63, 0.17]))
    red, green = simulated("#d62728", "deuteranopia"), simulated("#2ca02c", "deuteranopia")
    assert np.linalg.norm(lab(red) - lab(green)) < 0.5 * seen


#: Each domain's pin, as drawn on the map (20 px, glyph 14 px), in a row.
PIN_ROW = (
    """() => {
  const st = __STATE__;
  const row = document.createElement('div');
  row.id = 'am-test-pins';
  row.style.cssText = 'position:fixed;left:10px;top:10px;z-index:99999;display:flex;gap:10px;'
    + 'background:#fff;padding:10px';
  st.spec.domains.forEach((d) => {
    const m = document.createElement('div');
    m.className = 'am-asset';
    m.setAttribute('data-key', d.key);
    m.innerHTML = d.pin;
    row.appendChild(m);
  });
  document.body.appendChild(row);
  return st.spec.domains.map((d) => [d.key, d.colour]);
}"""
).replace("__STATE__", STATE)


def glyph_mask(page, key, fill):
    """Pixels of a pin's glyph (those far from its fill colour) inside its circle."""
    from PIL import Image

    pin = page.locator(f"#am-test-pins [data-key='{key}'] .am-pin")
    img = np.asarray(Image.open(io.BytesIO(pin.screenshot())).convert("RGB")).astype(int)
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    inside = (yy - h / 2 + 0.5) ** 2 + (xx - w / 2 + 0.5) ** 2 <= (min(h, w) / 2 - 2.5) ** 2
    rgb = np.array([int(fill.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)])
    return inside & (np.abs(img - rgb).sum(axis=2) > 150)


@pytest.mark.parametrize("kind", ["deuteranopia", "protanopia"])
def test_domains_differ_by_glyph_where_colours_collapse(opened, demo_map, sample_atlas, kind):
    s = opened(demo_map, viewport=(1920, 1080))
    page = s.page
    domains = page.evaluate(PIN_ROW)
    icons = {key: icon_name(sample_atlas.domains[key].icon) for key, _ in domains}
    masks = {key: glyph_mask(page, key, fill) for key, fill in domains}
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": kind})
    still(page)
    save_screenshot(page, ARTIFACTS, f"cvd_{kind}")
    page.evaluate("() => { const r = document.getElementById('am-test-pins'); r.remove(); }")
    page.evaluate(f"() => {{ {STATE}.map.setZoom(14, {{animate: false}}); }}")
    still(page)
    save_screenshot(page, ARTIFACTS, f"cvd_{kind}_zoom14")
    cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": "none"})
    # of the pixels either glyph covers, the share only one covers
    apart = {
        (a, b): (masks[a] ^ masks[b]).sum() / max((masks[a] | masks[b]).sum(), 1)
        for a, b in itertools.combinations(masks, 2)
    }
    close = []
    for (a, ca), (b, cb) in itertools.combinations(domains, 2):
        delta = float(np.linalg.norm(lab(simulated(ca, kind)) - lab(simulated(cb, kind))))
        if delta <= 10:  # alike in colour: the glyphs must differ
            close.append((a, b, round(delta, 1)))
            assert icons[a] != icons[b], (a, b, delta)
        if delta <= 20:  # near in colour: glyphs that tell apart at the size drawn
            assert apart[a, b] >= 0.3, (a, b, delta, apart[a, b])
    if kind == "deuteranopia":
        assert close, "the palette has close pairs under deuteranopia: the glyphs must tell"
    assert s.page_errors == []
