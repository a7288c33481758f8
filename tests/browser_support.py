"""Open exported maps in headless Chromium, fully offline, for pytest.

A folium map loads Leaflet, jQuery, Bootstrap and plugins from CDNs and tiles from tile
servers. The tests have no internet, so every request the page makes is answered here:

* the map file itself (``file://``) and files beside it are read from disk;
* CDN addresses are resolved by :func:`assetmap.maps._cdn.resolve_cdn_url` to the same
  file of the npm package installed in ``tests/browser/node_modules``
  (``npm ci --prefix tests/browser``);
* the two style sheets no npm package ships (:data:`assetmap.maps._cdn.STUB_FILES`) get
  an empty style sheet;
* map tiles get a 1x1 transparent PNG (or fail, with ``tiles="fail"``, to check that a map
  still shows its data when the background map cannot load);
* anything else gets a 404 and is recorded in :attr:`MapSession.unhandled`.

With ``cdn=False`` CDN addresses get a 404 too: a self-contained map must not need them.

Console errors, uncaught page errors and dialogs (``alert()`` = script injection!) are
recorded. Chromium is Debian's (``/usr/bin/chromium``, or ``$ASSETMAP_CHROMIUM``); when
it, Playwright or the npm folder is missing the test is skipped, or fails when
``ASSETMAP_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import base64
import mimetypes
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pytest

from assetmap.maps._cdn import is_tile_url, resolve_cdn_url, stub_content_type

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Route

TESTS = Path(__file__).resolve().parent
NODE_MODULES = TESTS / "browser" / "node_modules"
INSTALL_HINT = "install with: sudo apt-get install chromium && npm ci --prefix tests/browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: A 1x1 transparent PNG, the answer to every map tile request.
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def chromium_path() -> str:
    """Return the Chromium executable: ``$ASSETMAP_CHROMIUM`` or ``/usr/bin/chromium``."""
    return os.environ.get("ASSETMAP_CHROMIUM") or "/usr/bin/chromium"


def browser_unavailable(reason: str) -> None:
    """Skip the test, or fail it when ``ASSETMAP_REQUIRE_BROWSER=1``."""
    msg = f"{reason}; {INSTALL_HINT}"
    if os.environ.get("ASSETMAP_REQUIRE_BROWSER") == "1":
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


def check_browser_requirements() -> None:
    """Make sure Playwright, Chromium and the npm packages are there (else skip/fail)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        browser_unavailable("the playwright Python package is not installed")
    exe = Path(chromium_path())
    if not (exe.is_file() and os.access(exe, os.X_OK)):
        browser_unavailable(f"Chromium not found at {exe}")
    if not (NODE_MODULES / "leaflet" / "package.json").is_file():
        browser_unavailable(f"the npm packages are not installed in {NODE_MODULES}")


@contextmanager
def launch_browser() -> Iterator[Browser]:
    """Start headless Chromium with Playwright; close it on exit."""
    check_browser_requirements()
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
            )
        except Error as exc:
            browser_unavailable(f"Chromium at {chromium_path()} did not start ({exc})")
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class OfflineRouter:
    """Answer every request of a page from disk (see the module docstring).

    Attributes
    ----------
    folder : Path
        Folder of the map; ``file://`` requests outside it get a 404.
    node_modules : Path
        Where the npm packages are.
    served : dict of str to str
        Each answered URL and what answered it ("file", "npm:<path>", "stub", "tile").
    unhandled : list of str
        URLs answered with a 404.
    version_mismatches : list of str
        CDN URLs whose version differs from the installed npm package.
    """

    folder: Path
    node_modules: Path = NODE_MODULES
    tiles: str = "blank"
    cdn: bool = True
    served: dict[str, str] = field(default_factory=dict)
    unhandled: list[str] = field(default_factory=list)
    version_mismatches: list[str] = field(default_factory=list)

    def local_file(self, url: str) -> Path | None:
        """Return the local file answering ``url``, or None."""
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            return path if path.is_relative_to(self.folder) and path.is_file() else None
        if not self.cdn:
            return None
        cdn = resolve_cdn_url(url)
        if cdn is None:
            return None
        path = cdn.local_path(self.node_modules)
        installed = cdn.installed_version(self.node_modules)
        if installed != cdn.version:
            self.version_mismatches.append(f"{url} (installed {installed})")
        return path if path.is_file() else None

    def __call__(self, route: Route) -> None:
        """Fulfil one intercepted request."""
        url = route.request.url
        path = self.local_file(url)
        if path is not None:
            self.served[url] = "file" if url.startswith("file:") else f"npm:{path}"
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            route.fulfill(status=200, body=path.read_bytes(), content_type=ctype, headers=_CORS)
        elif self.cdn and (stub := stub_content_type(url)) is not None:
            self.served[url] = "stub"
            route.fulfill(status=200, body=b"", content_type=stub, headers=_CORS)
        elif is_tile_url(url) and self.tiles == "fail":
            self.served[url] = "tile-failed"
            route.abort("internetdisconnected")
        elif is_tile_url(url):
            self.served[url] = "tile"
            route.fulfill(status=200, body=BLANK_PNG, content_type="image/png", headers=_CORS)
        else:
            self.unhandled.append(url)
            route.fulfill(status=404, body=b"not available offline", content_type="text/plain")


_CORS = {"Access-Control-Allow-Origin": "*"}


@dataclass
class MapSession:
    """An opened map page and everything it reported.

    Attributes
    ----------
    page : playwright.sync_api.Page
    console_errors : list of str
        Console messages of type "error" (failed loads included).
    page_errors : list of str
        Uncaught exceptions.
    dialogs : list of str
        ``alert``/``confirm``/``prompt`` dialogs: any of them means injected script ran.
    router : OfflineRouter
        What was served and what was not.
    load_seconds : float
        From navigation to a drawn Leaflet map.
    """

    page: Page
    context: BrowserContext
    console_errors: list[str]
    page_errors: list[str]
    dialogs: list[str]
    router: OfflineRouter
    load_seconds: float = 0.0

    def close(self) -> None:
        """Close the page's browser context."""
        self.context.close()


def open_map(
    browser: Browser,
    html_path: str | Path,
    *,
    viewport: tuple[int, int] = (1280, 860),
    timeout_ms: int = 20_000,
    tiles: str = "blank",
    cdn: bool = True,
    wait_for_map: bool = True,
) -> MapSession:
    """Open a saved map offline and wait until Leaflet has drawn it.

    Parameters
    ----------
    browser : playwright.sync_api.Browser
        From :func:`launch_browser`.
    html_path : str or Path
        The saved map.
    viewport : (int, int)
        Page size in CSS pixels.
    timeout_ms : int
        How long to wait for the map.
    tiles : {"blank", "fail"}
        Answer tile requests with a blank image, or make them fail.
    cdn : bool
        Answer CDN requests from ``node_modules`` (False: 404, for self-contained maps).
    wait_for_map : bool
        Wait until Leaflet has drawn a map (False for pages without one, e.g. a report).

    Returns
    -------
    MapSession
        Close it with :meth:`MapSession.close`.
    """
    html = Path(html_path).resolve()
    router = OfflineRouter(folder=html.parent, tiles=tiles, cdn=cdn)
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, service_workers="block"
    )
    page = context.new_page()
    session = MapSession(page, context, [], [], [], router)

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            session.console_errors.append(f"{msg.text} @ {msg.location.get('url', '')}")

    def on_dialog(dialog: Any) -> None:
        session.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda exc: session.page_errors.append(str(exc)))
    page.on("dialog", on_dialog)
    context.route("**/*", router)
    page.set_default_timeout(timeout_ms)
    start = time.perf_counter()
    page.goto(html.as_uri(), wait_until="load")
    if not wait_for_map:
        session.load_seconds = time.perf_counter() - start
        return session
    page.wait_for_function(
        "() => window.L !== undefined && document.querySelector('.leaflet-container') !== null"
        " && document.querySelectorAll('.leaflet-control').length > 0"
    )
    if page.evaluate("() => window.assetmap !== undefined"):  # an assetmap study map
        page.wait_for_selector("[data-assetmap=ready]", state="attached")
    settle(page)
    session.load_seconds = time.perf_counter() - start
    return session


#: JavaScript expression for the page's Leaflet map (folium names it ``map_<32 hex>``).
MAP_JS = "window[Object.keys(window).find((k) => /^map_[0-9a-f]{32}$/.test(k))]"


def settle(page: Page) -> None:
    """Wait until the map has stopped zooming and panning (e.g. after fitBounds)."""
    page.evaluate(
        "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )
    page.wait_for_function(
        f"() => {{ const m = {MAP_JS}; return !!m && !m._animatingZoom"
        " && !(m._panAnim && m._panAnim._inProgress); }"
    )


def container_point(page: Page, lat: float, lon: float) -> tuple[float, float]:
    """Return the page coordinates (CSS pixels) of a latitude/longitude on the map."""
    x, y = page.evaluate(
        f"""([lat, lon]) => {{
            const m = {MAP_JS};
            const p = m.latLngToContainerPoint([lat, lon]);
            const box = m.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }}""",
        [lat, lon],
    )
    return float(x), float(y)


def save_screenshot(page: Page, folder: Path, name: str) -> Path:
    """Save a screenshot in ``folder`` and, when ``$ASSETMAP_ARTIFACTS`` is set, copy it there."""
    path = Path(folder) / f"{name}.png"
    page.screenshot(path=path)
    artifacts = os.environ.get("ASSETMAP_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(artifacts) / path.name)
    return path


#: JavaScript returning every visible element that sticks out of the viewport sideways
#: (outside scrollable boxes), and the page's own horizontal overflow.
LAYOUT_JS = """() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    const clipped = (el) => {
        for (let p = el.parentElement; p; p = p.parentElement) {
            const s = getComputedStyle(p);
            if (/(auto|scroll|hidden)/.test(s.overflowX + s.overflow)) {
                const r = p.getBoundingClientRect();
                if (r.right <= width + 1 && r.left >= -1) return true;
            }
        }
        return false;
    };
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
        if ((r.right > width + 1 || r.left < -1) && !clipped(el)) {
            out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.left) + '..' +
                     Math.round(r.right));
        }
    }
    return {overflow: document.documentElement.scrollWidth - width, outside: out.slice(0, 10)};
}"""


def layout_problems(page: Page) -> dict[str, Any]:
    """Return how far the page scrolls sideways and elements outside the viewport."""
    return dict(page.evaluate(LAYOUT_JS))
