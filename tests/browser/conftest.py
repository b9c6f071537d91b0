"""Fixtures of the real-browser tests (issue 3, section 8).

Each example dossier is built once per session (once per xdist worker) into a
temporary folder with the ``portfolio`` command (its click command, in this
process: ``in_process``; cohorts in a subprocess), then served on 127.0.0.1 by a
``ThreadingHTTPServer`` on a free port. One Chromium per session. The ``page``
and ``no_js_page`` fixtures lend the worker's one open tab of each kind, reset
between tests (``Tab``); a test that needs a context of its own (the live-reload
tests) calls ``browser.new_context()``. No request ever
leaves 127.0.0.1 (they are aborted, so the tests need no network and cannot
depend on it).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import portfolio_in_process

from ._support import CHROMIUM, LAUNCH_ARGS, REPO, Site, require_browser

SAMPLE = REPO  # mkdocs.yml at the root; docs in sample_dnc/docs, reviews in sample_dnc/reviews
ECHEC_QCM = REPO / "sample_dnc" / "echec-qcm"
CRCN = REPO / "sample_dnc" / "crcn"

DESKTOP = {"width": 1280, "height": 900}
# How long a locator waits for an element before the test fails (not a timing
# assertion: a local static page is there at once, this only bounds a failure).
ACTION_TIMEOUT_MS = 15_000
# Any URL that is not on the local test server.
OFFSITE = re.compile(r"^(?!http://127\.0\.0\.1:\d+/)")


# -- building and checking with the real command ---------------------------------


def _portfolio_command() -> list[str]:
    """The ``portfolio`` script next to this Python (.venv/bin/portfolio), else ``python -m portfolio_builder``."""
    script = Path(sys.executable).with_name("portfolio")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "portfolio_builder"]


def run_portfolio(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_portfolio_command(), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
    )


def in_process(*args: str, without_weasyprint: bool = False) -> subprocess.CompletedProcess[str]:
    """``portfolio ARGS`` from the repository, through the click command in this process (a
    build, a check or a zip forks nothing, and the worker has MkDocs and WeasyPrint imported
    already); a cohort, which starts worker processes, goes through ``run_portfolio``."""
    return portfolio_in_process(*args, cwd=REPO, without_weasyprint=without_weasyprint)


def build_site(project: Path, site_dir: Path, *extra: str) -> Path:
    result = in_process("build", str(project), "-d", str(site_dir), *extra)
    if result.returncode != 0 or not (site_dir / "index.html").is_file():
        pytest.fail(
            f"portfolio build {project} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return site_dir


def check_json(project: Path) -> dict[str, Any]:
    """The document of ``portfolio check PROJECT --format json`` (warnings do not fail it)."""
    result = in_process("check", str(project), "--format", "json")
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"portfolio check {project} --format json did not print JSON (exit {result.returncode}):\n"
            f"{result.stdout[:2000]}\n{result.stderr[:2000]}",
            pytrace=False,
        )


# -- serving ---------------------------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that closes a connection early is not a test failure.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name=f"serve-{root.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The sample dossier of Léa Moreau (19 / 20, D4.4 missing), built and served."""
    root = build_site(SAMPLE, tmp_path_factory.mktemp("sample") / "site")
    with serve(root) as base:
        yield Site(root, base)


@pytest.fixture(scope="session")
def echec_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The second example: a jury file, not certified because the D2 QCM failed."""
    root = build_site(ECHEC_QCM, tmp_path_factory.mktemp("echec-qcm") / "site", "--allow-dirty")
    with serve(root) as base:
        yield Site(root, base)


@pytest.fixture(scope="session")
def crcn_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The third example: a CRCN dossier with proficiency levels (issue 15)."""
    root = build_site(CRCN, tmp_path_factory.mktemp("crcn") / "site")
    with serve(root) as base:
        yield Site(root, base)


@pytest.fixture(scope="session")
def sample_check() -> dict[str, Any]:
    return check_json(SAMPLE)


@pytest.fixture(scope="session")
def echec_check() -> dict[str, Any]:
    return check_json(ECHEC_QCM)


# -- the browser -----------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_context(browser: Any, blocked: re.Pattern[str] = OFFSITE, **options: Any) -> Any:
    """A French 1280 × 900 context in which every request matching ``blocked`` is aborted."""
    options.setdefault("viewport", DESKTOP)
    options.setdefault("locale", "fr-FR")
    context = browser.new_context(**options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.route(blocked, lambda route: route.abort())
    return context


# Calls whose effect outlives the document and that no API undoes (Playwright keeps init scripts,
# bindings, extra headers, clock, offline and geolocation until the context closes).
STICKY_PAGE_CALLS = ("add_init_script", "expose_function", "expose_binding", "set_extra_http_headers",
                     "route_web_socket", "route_from_har", "add_locator_handler")
STICKY_CONTEXT_CALLS = (*STICKY_PAGE_CALLS[:-1], "route", "set_offline", "set_geolocation", "on", "once",
                        "set_default_timeout", "set_default_navigation_timeout")


class Tab:
    """One open tab that the tests of a worker use in turn, reset between them.

    Opening a tab costs this Chromium ~0.3 s of CPU and the first load of a page in a new
    context ~0.4 s more (empty HTTP and script caches), against ~0.45 s for a load in a
    tab already open: on 2 cores, that was a quarter of the browser tests' time. What a test
    can leave behind is undone before the next one (``reset``): the document (the tab goes to
    about:blank), the window's name, the session history, the modifier keys held down, the
    cookies, every storage of every origin it visited (local and session storage, IndexedDB,
    cache storage, service workers), the permissions, the routes and the listeners it added,
    the viewport, the emulated media, the timeouts. Only the HTTP cache of the served,
    read-only sites is kept. A tab is closed instead of lent again when its test failed,
    opened another tab (a popup), or made a call that nothing undoes (``STICKY_*_CALLS``: an
    init script, a binding, extra headers, the clock…), so such a state never reaches the next test.
    """

    def __init__(self, browser: Any, **options: Any) -> None:
        self.context = open_context(browser, **options)
        self.page = self.context.new_page()
        self.cdp = self.context.new_cdp_session(self.page)
        self.origins: set[str] = set()
        self.page.on("framenavigated", self._remember_origin)
        self._listeners = self._current_listeners()
        self.tainted = False  # set by a call that reset() cannot undo: the tab is then closed, not lent again
        for impl, names in (
            (self.page._impl_obj, STICKY_PAGE_CALLS),
            (self.context._impl_obj, STICKY_CONTEXT_CALLS),
            (self.context._impl_obj.clock, ("install", "pause_at", "set_fixed_time", "set_system_time")),
        ):
            for name in names:
                setattr(impl, name, self._tainting(getattr(impl, name)))

    def _tainting(self, call: Any) -> Any:
        def tainting(*args: Any, **kwargs: Any) -> Any:
            self.tainted = True
            return call(*args, **kwargs)

        return tainting

    def _remember_origin(self, frame: Any) -> None:
        parts = urlsplit(frame.url)
        if parts.scheme in ("http", "https"):
            self.origins.add(f"{parts.scheme}://{parts.netloc}")
        elif parts.scheme == "file":
            self.origins.add("file://")

    def _current_listeners(self) -> dict[str, list[Any]]:
        events = self.page._impl_obj  # the emitter behind the sync API's page.on (pyee)
        return {name: list(events.listeners(name)) for name in events.event_names()}

    def usable(self) -> bool:
        return not self.tainted and not self.page.is_closed() and self.context.pages == [self.page]

    def reset(self) -> None:
        page = self.page
        page.set_default_timeout(ACTION_TIMEOUT_MS)
        page.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
        kept = self._listeners
        events = page._impl_obj
        for name in list(events.event_names()):
            for listener in events.listeners(name):
                if listener not in kept.get(name, ()):
                    events.remove_listener(name, listener)
        page.unroute_all()
        page.goto("about:blank")
        page.evaluate("() => { window.name = '' }")  # a window's name outlives its documents
        self.cdp.send("Page.resetNavigationHistory")  # go_back() never reaches the previous test's pages
        for key in ("Alt", "Control", "Meta", "Shift"):
            page.keyboard.up(key)  # a modifier a test held down with keyboard.down()
        for origin in sorted(self.origins):
            self.cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
        self.origins.clear()
        self.context.clear_cookies()
        self.context.clear_permissions()
        if page.viewport_size != DESKTOP:
            page.set_viewport_size(DESKTOP)
        page.emulate_media(media="null", color_scheme="null", reduced_motion="null", forced_colors="null", contrast="null")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.context.close()


@pytest.fixture(scope="session")
def _tabs(browser: Any) -> Iterator[dict[str, Tab]]:
    tabs: dict[str, Tab] = {}
    yield tabs
    for tab in tabs.values():
        tab.close()


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


def lend(tabs: dict[str, Tab], browser: Any, request: pytest.FixtureRequest, kind: str, **options: Any) -> Iterator[Any]:
    """Yield the worker's tab of this kind (opened with ``options`` the first time), then reset it."""
    tab = tabs.get(kind)
    if tab is None or not tab.usable():
        if tab is not None:
            tab.close()  # crashed or closed since it was given back
        tab = tabs[kind] = Tab(browser, **options)
    yield tab.page
    try:
        if request.node.stash.get(_FAILED, False) or not tab.usable():
            raise RuntimeError("the test failed, closed its tab, opened another or left what reset() cannot undo")
        tab.reset()
    except Exception:
        tab.close()
        del tabs[kind]


@pytest.fixture
def page(_tabs: dict[str, Tab], browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A tab at about:blank, French, 1280 × 900, no request leaving 127.0.0.1 (see ``Tab``)."""
    yield from lend(_tabs, browser, request, "js")


@pytest.fixture
def no_js_page(_tabs: dict[str, Tab], browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The same, in a context with JavaScript disabled."""
    yield from lend(_tabs, browser, request, "no-js", java_script_enabled=False)
