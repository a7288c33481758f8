"""The report opened in headless Chromium with hostile text in every field of the sample.

The embedded sample is loaded, every text field a person can type into (unit names, asset
name, organisation, address, phone, website, hours, source, the study name and the names
of the sources) gets strings of :data:`tests.hostile.HOSTILE`, and the report is written
and opened offline. No script may run, nothing may break the page's width, and every
string must read as the literal text it is.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests import hostile
from tests.browser_support import layout_problems, open_map, save_screenshot

#: Screenshots kept for a person to look at (ignored by git).
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT_FIELDS = ("name", "org", "address", "phone", "website", "hours", "source")


@pytest.fixture(scope="module")
def hostile_report(sample_project, tmp_path_factory):
    """The sample with the corpus in every text field, analysed and reported once."""
    project = copy.copy(sample_project)
    n = len(hostile.HOSTILE)
    units = project.units.copy()
    units["name"] = [hostile.HOSTILE[i % n] for i in range(len(units))]
    assets = project.assets.copy()
    for k, col in enumerate(TEXT_FIELDS):
        assets[col] = [hostile.HOSTILE[(i + k) % n] for i in range(len(assets))]
    prov = copy.deepcopy(project.provenance)
    prov["sources"] = [*prov.get("sources", []), *({"name": s} for s in hostile.HOSTILE)]
    project.units, project.assets, project.provenance = units, assets, prov
    project.name = "".join(hostile.MARKUP)
    atlas = project.build()
    folder = tmp_path_factory.mktemp("report")
    atlas.report(folder, pdf=False)
    return atlas, folder


def test_hostile_report_runs_no_script_and_reads_as_text(browser, hostile_report, tmp_path):
    atlas, folder = hostile_report
    session = open_report(browser, folder / "report.html")
    try:
        page = session.page
        assert session.dialogs == [], "a dialog opened: injected script ran"
        assert session.page_errors == [] and session.console_errors == []
        assert session.router.unhandled == []
        assert page.locator("script, iframe, svg script, img[src='x'], math").count() == 0
        words = hostile.collapse(page.locator("body").inner_text())
        assert hostile.collapse("".join(hostile.MARKUP)) in words  # the study name
        # every string reads literally (compared on its first 59 characters: the 10,000-
        # character name is not repeated in full)
        missing = [s for s in hostile.HOSTILE if hostile.shown(s, limit=60)[:-1] not in words]
        assert missing == []
        for name in set(atlas.gaps["name"]):  # gap neighbourhoods, ranked in the report
            assert hostile.shown(name, limit=60)[:-1] in words
        assert layout_problems(page) == {"overflow": 0, "outside": []}
        save_screenshot(page, tmp_path, "hostile-report")
    finally:
        session.close()


def test_hostile_report_layout_holds_on_a_phone(browser, hostile_report):
    _, folder = hostile_report
    session = open_report(browser, folder / "report.html", viewport=(390, 844))
    try:
        assert session.dialogs == [] and session.page_errors == []
        assert layout_problems(session.page) == {"overflow": 0, "outside": []}
    finally:
        session.close()


def open_report(browser, path, viewport=(1280, 900)):
    """Open a report (no map in it: don't wait for Leaflet)."""
    return open_map(browser, path, viewport=viewport, wait_for_map=False)


#: Every word of every table cell whose letters the browser laid out on more than one line
#: (a word broken mid-word), and how far each scroll box and the page scroll sideways.
BROKEN_WORDS_JS = """() => {
    const broken = [];
    for (const cell of document.querySelectorAll('th, td')) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const m of node.data.matchAll(/[^\\s\\-–—\\/]+/g)) {
                const range = document.createRange();
                range.setStart(node, m.index);
                range.setEnd(node, m.index + m[0].length);
                const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
                if (tops.size > 1) broken.push(m[0]);
            }
        }
    }
    return broken;
}"""


@pytest.fixture(scope="module")
def sample_report(sample_atlas, tmp_path_factory):
    """The demo's report (figures included), written once."""
    folder = tmp_path_factory.mktemp("sample-report")
    ARTIFACTS.mkdir(exist_ok=True)
    sample_atlas.report(folder, pdf=False)
    return folder


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 900)], ids=["phone", "laptop"])
def test_report_tables_wrap_at_words_and_scroll_in_their_box(browser, sample_report, viewport):
    session = open_report(browser, sample_report / "report.html", viewport=viewport)
    try:
        page = session.page
        assert page.evaluate(BROKEN_WORDS_JS) == []
        box = page.locator(".scroll:has(table.domains)")
        width = page.evaluate("() => document.documentElement.clientWidth")
        sizes = box.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
        assert layout_problems(page) == {"overflow": 0, "outside": []}  # the page: no sideways
        if viewport[0] < 600:  # the table is wider than a phone: it scrolls inside its box
            assert sizes[0] > sizes[1] and sizes[1] <= width
            header = page.locator("table.domains th").first.bounding_box()
            assert header is not None and header["width"] > 40  # not one letter per line
        box.scroll_into_view_if_needed()
        save_screenshot(page, ARTIFACTS, f"report-table-{viewport[0]}x{viewport[1]}")
    finally:
        session.close()


def test_report_prints_its_tables_without_breaking_words(browser, sample_report):
    """The print layout (letter width less the margins) keeps words whole too."""
    session = open_report(browser, sample_report / "report.html", viewport=(720, 1000))
    try:
        session.page.emulate_media(media="print")
        assert session.page.evaluate(BROKEN_WORDS_JS) == []
        save_screenshot(session.page, ARTIFACTS, "report-print-720")
    finally:
        session.close()
