"""The demo map on a meeting room's screen (1920 x 1080): text read from across the table.

Every text of the title, legend, layer list, domain view, search, sources and the scale
bar is at least 15 px, and every panel stays inside the window (long ones scroll in their
own box). The screenshot goes to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

from pathlib import Path

from tests.browser_support import open_map, save_screenshot, settle

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PANELS = ".am-title, .am-legend, .am-layers, .am-focus, .am-search, .am-footer, .am-goals-panel"

SMALL_TEXT = """(sel) => {
  document.querySelectorAll('details').forEach((d) => { d.open = true; });
  const out = [];
  const seen = new Set();
  document.querySelectorAll(sel + ', .leaflet-control-scale').forEach((panel) => {
    [panel, ...panel.querySelectorAll('*')].forEach((el) => {
      if (seen.has(el)) return;
      seen.add(el);
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      const r = el.getBoundingClientRect();
      if (!own || !r.width || !r.height) return;
      const size = parseFloat(getComputedStyle(el).fontSize);
      const what = String(el.className || el.tagName);
      if (size < 15) out.push([what, size, el.textContent.trim().slice(0, 40)]);
    });
  });
  return out;
}"""


def test_panels_read_at_15_px_and_stay_inside_the_window(browser, demo_map):
    session = open_map(browser, demo_map, viewport=(1920, 1080))
    page = session.page
    try:
        small = page.evaluate(SMALL_TEXT, PANELS)
        settle(page)
        assert not small, f"text under 15 px at 1920x1080: {small[:8]}"
        boxes = page.evaluate(
            """(sel) => [...document.querySelectorAll(sel)].map((el) => {
                 const r = el.getBoundingClientRect();
                 return [String(el.className), r.top, r.bottom, r.left, r.right];
               })""",
            PANELS,
        )
        assert len(boxes) >= 6
        # the sample's shared goals (bronx.yml goals:) in their own panel, each with status
        goals = page.locator(".am-goals-panel .am-goals li")
        assert goals.count() == 3
        assert goals.nth(2).inner_text().startswith("Local hiring")
        for name, top, bottom, left, right in boxes:
            assert top >= 0 and bottom <= 1080 and left >= 0 and right <= 1920, name
        save_screenshot(page, ARTIFACTS, "room_1920x1080")
    finally:
        session.close()


OVERLAPS = """(sel) => {
  const boxes = [...document.querySelectorAll(sel)].map((el) => [String(el.className),
    el.getBoundingClientRect()]);
  const out = [];
  boxes.forEach(([a, r], i) => boxes.slice(i + 1).forEach(([b, s]) => {
    if (r.left < s.right && s.left < r.right && r.top < s.bottom && s.top < r.bottom) {
      out.push([a.slice(0, 30), b.slice(0, 30)]);
    }
  }));
  return out;
}"""


def test_no_panel_covers_another_and_goals_fold_the_sources(browser, demo_map):
    """At opening no two panels overlap; the goals and sources share a corner, one open."""
    session = open_map(browser, demo_map, viewport=(1920, 1080))
    page = session.page
    try:
        settle(page)
        assert page.evaluate(OVERLAPS, PANELS) == []
        goals = page.locator(".am-goals-panel details")
        footer = page.locator(".am-footer details")
        assert not goals.evaluate("d => d.open") and footer.evaluate("d => d.open")
        page.locator(".am-goals-panel summary").click()
        assert goals.evaluate("d => d.open") and not footer.evaluate("d => d.open")
        assert page.evaluate(OVERLAPS, PANELS) == []
    finally:
        session.close()
