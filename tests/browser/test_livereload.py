"""Live reload under the Content-Security-Policy, in Chromium (issue 11, item 1).

`portfolio serve` runs for real on a free port; the test opens a page, edits
its Markdown source and sees the open tab reload by itself, with no
Content-Security-Policy violation in the console. A built site carries
neither the reload script nor any allowance for it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import evidence_page, mkdocs_text, write_files

from ._support import BROWSER, require_browser

require_browser()

from playwright.sync_api import expect  # noqa: E402 - once we know Playwright is there

pytestmark = BROWSER

# Bounds a failure only (the server starts in about a second): never a timing assertion.
START_BOUND_S = 120
RELOAD_BOUND_MS = 60_000


def _portfolio() -> list[str]:
    script = Path(sys.executable).with_name("portfolio")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "portfolio_builder"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _mkdocs() -> list[str]:
    script = Path(sys.executable).with_name("mkdocs")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "mkdocs"]


@contextlib.contextmanager
def portfolio_serve(root: Path, *extra: str, tool: str = "portfolio") -> Iterator[str]:
    port = _free_port()
    if tool == "mkdocs":  # plain `mkdocs serve` with the plugin: the same reload
        command = [*_mkdocs(), "serve", "-f", str(root / "mkdocs.yml"), "-a", f"127.0.0.1:{port}"]
    else:
        command = [*_portfolio(), "serve", str(root), "-a", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        [*command, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_BOUND_S
        while not _answers(base + "portfolio/report/"):
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.communicate(timeout=10)[0] if process.poll() is not None else ""
                pytest.fail(f"portfolio serve did not start:\n{output}", pytrace=False)
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()


def _dossier(tmp_path: Path) -> Path:
    root = tmp_path / "dossier"
    write_files(root, {
        "mkdocs.yml": mkdocs_text(),
        "docs/index.md": "# Accueil\n\nBienvenue.\n",
        "docs/a.md": evidence_page("D1.1", body="# Une preuve\n\nVersion un.\n"),
        "docs/b.md": evidence_page("D1.2", title="Autre preuve"),
    })
    return root


def _POLL(request: Any) -> bool:
    return "/livereload/" in request.url and request.url.rsplit("/", 2)[-2].isdigit()


def _watch_console(page: Any) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    return messages


@pytest.mark.parametrize("tool, extra", [("portfolio", ()), ("portfolio", ("--full-rebuild",)), ("mkdocs", ())])
def test_editing_a_page_reloads_the_open_tab_under_the_csp(browser, tmp_path, tool, extra):
    root = _dossier(tmp_path)
    with portfolio_serve(root, *extra, tool=tool) as base:
        context = browser.new_context()
        try:
            page = context.new_page()
            console = _watch_console(page)
            with page.expect_request(_POLL):  # the tab polls: MkDocs' script ran under the CSP
                page.goto(base + "a/")
            expect(page.locator("article")).to_contain_text("Version un.")
            policy = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
            assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
            page.evaluate("() => { window.__beforeReload = true; }")
            with page.expect_event("load", timeout=RELOAD_BOUND_MS):
                (root / "docs/a.md").write_text(evidence_page("D1.1", body="# Une preuve\n\nVersion deux.\n"), encoding="utf-8")
            expect(page.locator("article")).to_contain_text("Version deux.")
            assert page.evaluate("() => window.__beforeReload === undefined"), "the tab was not reloaded"
            violations = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
            assert violations == [], violations
            assert any("Enabled live reload" in m for m in console), console
        finally:
            context.close()


def test_a_review_or_jury_file_created_while_serving_reloads_the_report(browser, tmp_path):
    root = _dossier(tmp_path)
    with portfolio_serve(root) as base:
        context = browser.new_context()
        try:
            page = context.new_page()
            with page.expect_request(_POLL):
                page.goto(base + "portfolio/report/")
            with page.expect_event("load", timeout=RELOAD_BOUND_MS):
                (root / "jury.yml").write_text(
                    "session: 2027-juin\ndate: 2027-06-20\ninstitution: U\nmembers: [Pr. A]\ndecisions: {D1.1: validated}\n",
                    encoding="utf-8",
                )
            expect(page.locator(".pb-jury")).to_be_visible()
        finally:
            context.close()


def test_a_built_site_has_no_reload_script(tmp_path):
    root = _dossier(tmp_path)
    site = tmp_path / "site"
    done = subprocess.run([*_portfolio(), "build", str(root), "-d", str(site)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not (site / "assets/portfolio/livereload.js").exists()
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "livereload" not in html, page
        policy = html.split('http-equiv="Content-Security-Policy" content="')[1].split('"')[0]
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert json.loads((site / "report.json").read_text(encoding="utf-8"))["summary"]["evidence"] == 2
