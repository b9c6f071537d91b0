"""The offline site, opened from disk as a jury who received the zip does (issue 13, section 3)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ._support import BROWSER, REPO, require_browser
from .conftest import ACTION_TIMEOUT_MS, DESKTOP, run_portfolio

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = BROWSER


@pytest.fixture(scope="module")
def unzipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("offline")
    archive = work / "dossier.zip"
    result = run_portfolio("zip", str(REPO), "-o", str(archive))
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(work / "x")
    return work / "x" / "site"


@pytest.fixture
def disk_page(browser: Any) -> Any:
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR", accept_downloads=True)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.route(re.compile(r"^https?://"), lambda route: route.abort())  # nothing from any server
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def test_opened_from_disk_the_matrix_links_lead_to_pages(disk_page, unzipped):
    page = disk_page
    page.goto((unzipped / "index.html").as_uri())
    page.get_by_role("link", name="Rapport de couverture").first.click()
    expect(page.locator("table.pb-matrix")).to_be_visible()
    assert page.url.startswith("file://") and page.url.endswith("/portfolio/report.html"), page.url
    hrefs = page.locator("table.pb-matrix a").evaluate_all("links => links.map(a => a.href)")
    assert len(hrefs) > 20 and all(h.startswith("file://") and h.endswith(".html") for h in hrefs), hrefs[:5]
    for href in sorted(set(hrefs)):
        response = page.goto(href)
        assert response is None or response.ok, href
        expect(page.locator("article h1").first).to_be_visible()
    # A real click on the first evidence link of the matrix, then back.
    page.goto((unzipped / "portfolio" / "report.html").as_uri())
    first = page.locator("table.pb-matrix a.pb-evidence-link").first
    target = first.evaluate("a => a.href")
    first.click()
    page.wait_for_url(target)
    expect(page.locator("aside.pb-evidence")).to_be_visible()
    assert page.errors == [], page.errors  # the theme's scripts run from file:// under the CSP


def test_report_csv_downloads_from_disk(disk_page, unzipped):
    page = disk_page
    page.goto((unzipped / "portfolio" / "report.html").as_uri())
    with page.expect_download() as info:
        page.get_by_role("link", name="report.csv").click()
    download = info.value
    saved = Path(download.path())
    assert saved.read_bytes() == (unzipped / "report.csv").read_bytes()
    assert saved.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: opens as-is in a French spreadsheet
