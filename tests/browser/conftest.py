"""Fixtures of the real-browser tests (issue 3, section 8).

Each example dossier is built once per session (once per xdist worker) into a
temporary folder with the ``portfolio`` command, then served on 127.0.0.1 by a
``ThreadingHTTPServer`` on a free port. One Chromium per session; each test gets
a fresh browser context, whose requests leave 127.0.0.1 never (they are aborted,
so the tests need no network and cannot depend on it).
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

import pytest

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


def build_site(project: Path, site_dir: Path, *extra: str) -> Path:
    result = run_portfolio("build", str(project), "-d", str(site_dir), *extra)
    if result.returncode != 0 or not (site_dir / "index.html").is_file():
        pytest.fail(
            f"portfolio build {project} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return site_dir


def check_json(project: Path) -> dict[str, Any]:
    """The document of ``portfolio check PROJECT --format json`` (warnings do not fail it)."""
    result = run_portfolio("check", str(project), "--format", "json")
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


def open_context(browser: Any, **options: Any) -> Any:
    options.setdefault("viewport", DESKTOP)
    options.setdefault("locale", "fr-FR")
    context = browser.new_context(**options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.route(OFFSITE, lambda route: route.abort())
    return context


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = open_context(browser)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture
def no_js_page(browser: Any) -> Iterator[Any]:
    """A page of a context with JavaScript disabled."""
    ctx = open_context(browser, java_script_enabled=False)
    try:
        yield ctx.new_page()
    finally:
        ctx.close()
