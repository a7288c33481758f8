"""The demo's report printed to PDF, read back as text (pypdf).

A summary of at most three pages (findings, the table of domains, the map) comes before
the appendix; every page says "page N of M" and the run date; no word is broken across
lines and no table row across pages. Printing needs Chromium: without it the tests skip,
or fail when ``ASSETMAP_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assetmap.report._pdf import find_chromium, run_date
from assetmap.report.build import write_report

pytestmark = pytest.mark.slow

APPENDIX = "Appendix: the details behind the summary"
WORD = re.compile(r"[\w'’]+")


def _text(s: str) -> str:
    """Normalise extracted text: ligatures (ﬁ) to letters, runs of space to one."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", s)).strip()


class _Body(HTMLParser):
    """The visible text of report.html and the cells of every table row."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self._skip = 0
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "title", "script"):
            self._skip += 1
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title", "script"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(_text(" ".join(self._cell)))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def printed(sample_atlas, tmp_path_factory):
    """The demo's report with its PDF; each page's text; the HTML's text and rows."""
    if find_chromium() is None:
        msg = "Chromium not installed: no PDF (sudo apt-get install chromium)"
        if os.environ.get("ASSETMAP_REQUIRE_BROWSER") == "1":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    pypdf = pytest.importorskip("pypdf")
    out = tmp_path_factory.mktemp("report-pdf")
    paths = write_report(sample_atlas, out, pdf=True)
    pages = [_text(p.extract_text()) for p in pypdf.PdfReader(paths["pdf"]).pages]
    body = _Body()
    html = paths["html"].read_text(encoding="utf-8")
    body.feed(html)
    return paths, pages, body, html


def test_summary_is_at_most_three_pages_before_the_appendix(printed):
    _, pages, _, _ = printed
    first = next(i for i, p in enumerate(pages) if APPENDIX in p)
    assert 1 <= first <= 3, f"the appendix starts on page {first + 1}"
    summary = " ".join(pages[:first])
    for part in ("Summary: findings to cite", "Services by domain", "Where the gaps are"):
        assert part in summary
    assert "Domain by domain" not in summary  # the long tables are in the appendix
    assert len(pages) > first + 1


def test_every_page_has_its_number_and_the_run_date(printed, sample_atlas):
    _, pages, _, html = printed
    date = run_date(sample_atlas.provenance)
    n = len(pages)
    for i, page in enumerate(pages, start=1):
        assert f"page {i} of {n}" in page, i
        assert f"Run date {date}" in page, i
    assert date not in html  # only the printed copy carries it


def test_no_word_is_broken_across_lines(printed):
    _, pages, body, _ = printed
    known = {w.lower() for w in WORD.findall(_text(" ".join(body.text)))}
    margins = re.compile(r"page \d+ of \d+|Run date \d{4}-\d\d-\d\d")
    words = {w for p in pages for w in WORD.findall(margins.sub(" ", p))}
    assert sorted(w for w in words if w.lower() not in known) == []
    text = " ".join(pages)
    for phrase in ("Clusters", "Housing and shelter", "Employment and training"):
        assert phrase in text


def test_no_table_row_is_split_across_pages(printed):
    _, pages, body, _ = printed
    # A wrapped row comes out of the PDF cell by cell, line by line: compare the words of
    # each row with the words of each page (a row split across pages has no page with all).
    bags = [Counter(WORD.findall(p)) for p in pages]
    rows = [Counter(WORD.findall(" ".join(r))) for r in body.rows if len(r) > 1]
    assert len(rows) > 100
    split = [sorted(r) for r in rows if not any(r <= bag for bag in bags)]
    assert split == []


def test_a_relative_output_folder_gets_its_pdf(printed, sample_atlas, tmp_path, monkeypatch):
    """`make demo` writes to out/demo, a relative path: the PDF is named under it too."""
    monkeypatch.chdir(tmp_path)
    paths = sample_atlas.to_folder("out", figures=False, pdf=True)
    assert paths["pdf"] == Path("out") / "report.pdf"
    assert (tmp_path / "out" / "report.pdf").read_bytes()[:5] == b"%PDF-"
