"""Shared fixtures: small hand-made units and assets in a real projected CRS.

Also the suite's guards and sharing:

* no test reaches the internet: every socket may connect only to this machine
  (:class:`NetworkGuard`, on for every test, also inside module- and session-scoped
  fixtures);
* the browser tests share one headless Chromium (the ``browser`` fixture), closed after
  the last test that uses it;
* the notebooks and the doctests that build a whole study are marked ``slow``
  (``make check`` leaves the slow tests out).
"""

from __future__ import annotations

import doctest
import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import pytest
import responses
from shapely.geometry import Point, box

from tests.browser_support import launch_browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# Fixtures of the online-source tests (a fresh cache, recorded retries, no DNS).
pytest_plugins = ["tests._census_mocks"]

UTM = "EPSG:32618"  # the Bronx's UTM zone; fixtures are laid out in metres
X0, Y0 = 590_000.0, 4_520_000.0


def squares(n: int, size: float = 1000.0, pops: list[float] | None = None) -> gpd.GeoDataFrame:
    """A row of ``n`` square units ``size`` metres wide, ids u1..un, in EPSG:4326."""
    geoms = [box(X0 + i * size, Y0, X0 + (i + 1) * size, Y0 + size) for i in range(n)]
    df = gpd.GeoDataFrame(
        {
            "unit_id": [f"u{i + 1}" for i in range(n)],
            "name": [f"Unit {i + 1}" for i in range(n)],
            "population": pops or [1000.0] * n,
        },
        geometry=geoms,
        crs=UTM,
    ).set_index("unit_id")
    return df.to_crs("EPSG:4326")


def assets_at(points: list[tuple[float, float, str]], **cols: list[object]) -> gpd.GeoDataFrame:
    """Assets at (x, y) metre offsets from the fixture origin with a domain each."""
    n = len(points)
    df = gpd.GeoDataFrame(
        {
            "asset_id": [f"a{i + 1}" for i in range(n)],
            "name": cols.pop("name", [f"Asset {i + 1}" for i in range(n)]),
            "domain": [p[2] for p in points],
            "capacity": cols.pop("capacity", [float("nan")] * n),
            "outside_region": [False] * n,
            **cols,
        },
        geometry=[Point(X0 + p[0], Y0 + p[1]) for p in points],
        crs=UTM,
    )
    return df.to_crs("EPSG:4326")


@pytest.fixture(scope="session")
def sample_project():
    import assetmap as am

    return am.load_sample()


@pytest.fixture(scope="session")
def sample_atlas(sample_project):
    return sample_project.build()


@pytest.fixture
def frame_eq():
    return pd.testing.assert_frame_equal


# --- no live network ------------------------------------------------------------------


class LiveNetworkBlocked(ConnectionRefusedError):
    """A test tried to reach a host other than this machine (see :class:`NetworkGuard`).

    A :class:`ConnectionRefusedError`, so that code under test sees what it would see
    offline; the message names the host and says how to answer the request instead.
    """


def is_loopback(host: object) -> bool:
    """Whether ``host`` (a name or an address, as a socket call gets it) is this machine."""
    if host is None:  # getaddrinfo(None, port): the local host
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%")[0].rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def refuse_unless_loopback(host: object) -> None:
    """Raise :class:`LiveNetworkBlocked` unless ``host`` is this machine."""
    if not is_loopback(host):
        msg = (
            f"live network call to {host!r} blocked: tests must not use the internet; "
            "answer the request with `responses` (see tests/_census_mocks.py) or a local file"
        )
        raise LiveNetworkBlocked(msg)


def _guard_lookup(real: Callable[..., Any]) -> Callable[..., Any]:
    """``real`` (a name lookup of the socket module) for loopback hosts only."""

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        refuse_unless_loopback(host)
        return real(host, *args, **kwargs)

    return lookup


def _guard_connect(real: Callable[..., Any]) -> Callable[..., Any]:
    """``real`` (``socket.connect`` or ``connect_ex``) for loopback and Unix sockets only."""

    def connect(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            refuse_unless_loopback(address[0])
        return real(sock, address)

    return connect


class NetworkGuard:
    """Let sockets reach this machine only: loopback addresses, ``localhost`` and Unix
    sockets (local test servers, Jupyter kernels; Playwright talks to Chromium through
    a pipe).

    Name lookups of other hosts and connections to other addresses raise
    :class:`LiveNetworkBlocked`. The guard is a plugin of its own (registered by
    :func:`pytest_configure`), so that its fixture, autouse and session-scoped, covers
    every test of a run with this conftest (doctests too) and the module- and
    session-scoped fixtures as well. Tests that fake a failing network on top of it
    (``monkeypatch.setattr(socket, ...)``) still may.
    """

    @pytest.fixture(autouse=True, scope="session")
    @classmethod
    def no_live_network(cls) -> Iterator[None]:
        """Refuse every live network call for the whole run."""
        with pytest.MonkeyPatch.context() as mp:
            for name in ("connect", "connect_ex"):
                mp.setattr(socket.socket, name, _guard_connect(getattr(socket.socket, name)))
            for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
                mp.setattr(socket, name, _guard_lookup(getattr(socket, name)))
            yield


@pytest.fixture
def no_network() -> Iterator[responses.RequestsMock]:
    """``requests`` with no answer registered: the test must make no request at all.

    (Sockets are already refused by :class:`NetworkGuard`.) Yields the mock, whose
    ``calls`` must stay empty.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps
    assert len(rsps.calls) == 0


# --- one headless Chromium for the browser tests ---------------------------------------


class SharedBrowser:
    """One Chromium for every test that asks for the ``browser`` fixture.

    Started by the first such test, closed after the last one (see
    :func:`pytest_runtest_teardown`): Playwright's sync API marks an asyncio loop as
    running while it is open, which the notebooks' kernels (run after the tests) must
    not see.
    """

    def __init__(self) -> None:
        self._cm: AbstractContextManager[Browser] | None = None
        self._browser: Browser | None = None
        self.last_user: str | None = None

    def get(self) -> Browser:
        """The running browser, started if need be (skips when Chromium is missing)."""
        if self._browser is None:
            cm = launch_browser()
            self._browser = cm.__enter__()
            self._cm = cm
        return self._browser

    def close(self) -> None:
        """Close the browser and Playwright, if open."""
        cm, self._cm, self._browser = self._cm, None, None
        if cm is not None:
            cm.__exit__(None, None, None)


SHARED_BROWSER = SharedBrowser()


@pytest.fixture(scope="session")
def browser() -> Browser:
    """Headless Chromium (Playwright), shared by the session: open pages with
    :func:`tests.browser_support.open_map`, each in a context of its own."""
    return SHARED_BROWSER.get()


@pytest.fixture(scope="session")
def demo_map(sample_atlas, tmp_path_factory):
    """The demo study's ``map.html``, saved once for the session (the browser tests open it)."""
    path = tmp_path_factory.mktemp("demo_map") / "map.html"
    sample_atlas.map().save(str(path))
    return path


@pytest.fixture
def opened(browser):
    """Open saved maps (:func:`tests.browser_support.open_map`); close them after the test."""
    from tests.browser_support import open_map

    sessions = []

    def _open(path, **options):
        session = open_map(browser, path, **options)
        sessions.append(session)
        return session

    yield _open
    for s in sessions:
        s.close()


# --- hooks -------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    """Register the network guard as a plugin of its own (see :class:`NetworkGuard`)."""
    if not config.pluginmanager.has_plugin("assetmap-network-guard"):
        config.pluginmanager.register(NetworkGuard(), "assetmap-network-guard")


def builds_a_study(item: pytest.Item) -> bool:
    """Whether ``item`` is a doctest that builds a study (``.build(``, not skipped)."""
    examples = getattr(getattr(item, "dtest", None), "examples", ())
    return any(".build(" in ex.source and not ex.options.get(doctest.SKIP) for ex in examples)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``slow`` what cannot carry a marker: the notebooks (nbmake items) and the
    doctests that build a whole study (5-9 s each)."""
    for item in items:
        if type(item).__name__ == "NotebookItem" or builds_a_study(item):
            item.add_marker(pytest.mark.slow)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Note the last test that uses the shared browser, to close it after that one."""
    users = [i.nodeid for i in session.items if "browser" in getattr(i, "fixturenames", ())]
    SHARED_BROWSER.last_user = users[-1] if users else None


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Close the shared browser after the last test that uses it."""
    if nextitem is None or item.nodeid == SHARED_BROWSER.last_user:
        SHARED_BROWSER.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Close the shared browser if a stopped run left it open."""
    SHARED_BROWSER.close()
