"""The map on one printed page, and the same page as a static image (``--png``/``--pdf-map``).

The browser tests open the demo map in headless Chromium (offline, see
tests/browser_support.py), turn it to print media at the size of a letter landscape page and
check by bounding boxes that the title, legend, scale bar, north arrow and date are all on
the page, clear of each other and (the legend, title and date) of the map. Screenshots go
to tests/artifacts/ (ignored by git), and to $ASSETMAP_ARTIFACTS when it is set.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from tests.browser_support import MAP_JS, open_map, save_screenshot, settle

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

#: Letter landscape in CSS pixels (96 per inch), and A4 landscape.
LETTER = (1056, 816)
A4 = (1123, 794)

#: The parts of the printed page, by selector.
PARTS = {
    "title": ".am-title h1",
    "legend": ".am-legend",
    "scale": ".leaflet-control-scale",
    "north": ".am-north",
    "date": ".am-print-date",
    "sources": ".am-footer",
    "synthetic": ".am-title .am-synthetic",
}
HIDDEN = (".am-layers", ".am-search", ".leaflet-control-zoom", ".am-print-button", ".am-focus")


def _boxes(page):
    out = {}
    for name, sel in PARTS.items():
        loc = page.locator(sel).first
        assert loc.count() == 1, f"{name}: {sel} not on the page"
        assert loc.is_visible(), f"{name} is not visible on paper"
        out[name] = loc.bounding_box()
    return out


def _inside(box, size):
    w, h = size
    x, y = box["x"], box["y"]
    return x >= -0.5 and y >= -0.5 and x + box["width"] <= w + 0.5 and y + box["height"] <= h + 0.5


def _overlap(a, b):
    """Area shared by two boxes (0 when they only touch)."""
    dx = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    dy = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return max(dx, 0) * max(dy, 0)


def _print_page(browser, path, size):
    """Open the map on a wide screen, then turn it to print media at ``size``."""
    session = open_map(browser, path, viewport=(1920, 1080))
    page = session.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.emulate_media(media="print")
    page.wait_for_selector("[data-print=ready]", state="attached")
    settle(page)
    return session


@pytest.mark.browser
@pytest.mark.parametrize(("paper", "size"), [("letter", LETTER), ("a4", A4)])
def test_printed_page_shows_every_part_clear_of_the_map(
    browser, demo_map, sample_atlas, paper, size, tmp_path
):
    session = _print_page(browser, demo_map, size)
    page = session.page
    try:
        boxes = _boxes(page)
        map_box = page.locator(".folium-map").bounding_box()
        for name, box in {**boxes, "map": map_box}.items():
            assert _inside(box, size), f"{name} runs off the page: {box}"
        names = list(boxes)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if {a, b} <= {"title", "synthetic", "date"} and a != b:
                    continue  # one header line
                assert _overlap(boxes[a], boxes[b]) < 1, f"{a} overlaps {b}"
        for name in ("title", "legend", "date", "sources", "synthetic"):
            assert _overlap(boxes[name], map_box) < 1, f"{name} lies over the map"
        for name in ("scale", "north"):  # on the map
            assert _overlap(boxes[name], map_box) == pytest.approx(
                boxes[name]["width"] * boxes[name]["height"]
            )
        assert map_box["width"] > 0.6 * size[0] and map_box["height"] > 0.6 * size[1]
        for sel in HIDDEN:
            assert not page.locator(sel).first.is_visible(), f"{sel} is printed"
        assert page.locator(".am-title h1").inner_text() == sample_atlas.name
        assert page.locator(".am-print-date").inner_text().startswith("Printed ")
        assert "Sources:" in page.locator(".am-footer").inner_text()
        # the whole study area is on the map, and fills it in one direction
        s, w, n, e = page.evaluate(
            f"() => {{ const b = {MAP_JS}.getBounds(); "
            "return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; }"
        )
        minx, miny, maxx, maxy = sample_atlas.units.to_crs(4326).total_bounds
        assert s <= miny and w <= minx and n >= maxy and e >= maxx
        fill = max((maxx - minx) / (e - w), (maxy - miny) / (n - s))
        assert fill > 0.9, f"the study fills {fill:.0%} of the map"
        shot = save_screenshot(page, tmp_path, f"print_{paper}")
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(shot, ARTIFACTS / shot.name)
        assert session.page_errors == []
    finally:
        session.close()


@pytest.mark.browser
def test_back_on_screen_the_view_returns(browser, demo_map):
    session = open_map(browser, demo_map, viewport=(1920, 1080))
    page = session.page
    try:
        before = page.evaluate(f"() => [{MAP_JS}.getZoom(), {MAP_JS}.getCenter().lat]")
        page.set_viewport_size({"width": LETTER[0], "height": LETTER[1]})
        page.emulate_media(media="print")
        page.wait_for_selector("[data-print=ready]", state="attached")
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.wait_for_function("() => !document.querySelector('[data-print]')")
        settle(page)
        after = page.evaluate(f"() => [{MAP_JS}.getZoom(), {MAP_JS}.getCenter().lat]")
        assert after == pytest.approx(before)
        assert page.locator(".am-layers").is_visible()
        assert not page.locator(".am-north").is_visible()
    finally:
        session.close()


@pytest.mark.browser
def test_printed_pdf_is_one_page(browser, demo_map, sample_atlas):
    """Chromium's own print path (beforeprint, then print media at the paper's size)."""
    session = open_map(browser, demo_map, viewport=(1920, 1080))
    try:
        pdf = session.page.pdf(format="Letter", landscape=True, print_background=True)
        assert session.page_errors == []
    finally:
        session.close()
    assert _pdf_pages(pdf) == 1
    text = _pdf_text(pdf)
    if text is not None:
        for words in (sample_atlas.name, "Printed ", "Sources:", "Need percentile", "SYNTHETIC"):
            assert words in text


def _pdf_pages(data: bytes) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is a dev dependency
        return data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    return len(PdfReader(io.BytesIO(data)).pages)


def _pdf_text(data: bytes) -> str | None:
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is a dev dependency
        return None
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


# --- the static page (matplotlib) ------------------------------------------------------


def _gids(fig):
    return {a.get_gid() for a in fig.findobj() if a.get_gid()}


def _rgb(hex_colour, alpha):
    """A class colour at the map's opacity over white, as 0-255 integers."""
    from matplotlib.colors import to_rgb

    return tuple(round(255 * (alpha * c + (1 - alpha))) for c in to_rgb(hex_colour))


def test_static_figure_has_every_part(sample_atlas):
    from assetmap.maps.static import static_figure

    fig = static_figure(sample_atlas, date="Map made 2026-01-02")
    assert {"title", "synthetic", "legend", "scalebar", "north", "date", "sources", "map"} <= (
        _gids(fig)
    )
    texts = {t.get_gid(): t.get_text() for t in fig.texts}
    assert texts["title"] == sample_atlas.name
    assert texts["date"] == "Map made 2026-01-02"
    assert texts["sources"].startswith("Sources: ")
    legend = next(a for a in fig.findobj() if a.get_gid() == "legend")
    words = " ".join(t.get_text() for t in legend.get_texts())
    assert "Need percentile" in words and "highest 20%" in words
    for key in set(sample_atlas.assets["domain"]) & set(sample_atlas.domains):
        assert sample_atlas.domains[key].label in words
    # the legend sits beside the map, not over it
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    map_ax = next(ax for ax in fig.axes if ax.get_gid() == "map")
    assert legend.get_window_extent(renderer).x0 > map_ax.get_window_extent(renderer).x1


def test_static_png_has_the_page_size_and_the_map_colours(sample_atlas, tmp_path):
    import numpy as np
    from PIL import Image

    from assetmap.maps._classes import PALETTES
    from assetmap.maps.static import OPACITY, static_map

    path = static_map(sample_atlas, tmp_path / "map.png", dpi=100)
    assert path == tmp_path / "map.png"
    img = Image.open(path).convert("RGB")
    assert img.size == (1100, 850)  # letter landscape at 100 dpi
    pixels = np.asarray(img).reshape(-1, 3).astype(int)

    def seen(rgb):
        return bool((np.abs(pixels - np.array(rgb)).max(axis=1) <= 2).any())

    assert seen(_rgb(PALETTES["YlOrRd"][-1], OPACITY))  # the top need class, as on the map
    assert seen(_rgb(sample_atlas.domains["food"].colour, 1.0))  # the food markers
    a4 = Image.open(static_map(sample_atlas, tmp_path / "a4.png", paper="a4", dpi=100))
    assert a4.size == (1169, 826)  # 297 × 210 mm


def test_static_map_is_the_same_twice_and_refuses_other_formats(sample_atlas, tmp_path):
    from assetmap.maps.static import static_map

    one = static_map(sample_atlas, tmp_path / "one.pdf", date="Map made 2026-01-02")
    two = static_map(sample_atlas, tmp_path / "two.pdf", date="Map made 2026-01-02")
    assert one.read_bytes() == two.read_bytes()
    assert _pdf_pages(one.read_bytes()) == 1
    with pytest.raises(ValueError, match=r"\.png or \.pdf"):
        static_map(sample_atlas, tmp_path / "map.svg")
    with pytest.raises(ValueError, match="paper="):
        static_map(sample_atlas, tmp_path / "map.png", paper="legal")


def test_static_map_draws_hostile_names_as_text(tmp_path):
    from assetmap.maps.static import static_figure
    from tests._atlas_fixture import hostile_atlas

    atlas = hostile_atlas()
    fig = static_figure(atlas)
    title = next(t for t in fig.texts if t.get_gid() == "title")
    fig.canvas.draw()  # a "$" or "\\" in data must not break matplotlib's math text
    assert title.get_text()


@pytest.mark.slow
def test_build_png_and_pdf_map_are_in_the_folder_and_the_manifest(tmp_path):
    import json

    from click.testing import CliRunner

    from assetmap.cli.main import cli
    from assetmap.sample import sample_project_path

    out = tmp_path / "out"
    args = ["build", str(sample_project_path()), "--out", str(out), "--png", "--pdf-map"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert (out / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _pdf_pages((out / "map.pdf").read_bytes()) == 1
    listed = {row["path"] for row in json.loads((out / "provenance.json").read_text())["manifest"]}
    assert {"map.png", "map.pdf", "map.html"} <= listed
    # built again without the flags, the images of the earlier build go (they were ours)
    res = CliRunner().invoke(cli, ["build", str(sample_project_path()), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert not (out / "map.png").exists() and not (out / "map.pdf").exists()
