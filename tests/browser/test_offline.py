"""The offline site, opened from disk as a jury who received the zip does (issue 13, section 3)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest

from ._support import BROWSER, REPO, require_browser
from .conftest import in_process, lend

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = [BROWSER, pytest.mark.xdist_group("test_offline")]  # its module fixtures built once (make test: --dist loadgroup)


@pytest.fixture(scope="module")
def unzipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("offline")
    archive = work / "dossier.zip"
    # These tests open the site: the zip is made as without the `pdf` extra (its PDF costs
    # ~8 s of CPU; test_outputs checks the zip that holds one).
    result = in_process("zip", str(REPO), "-o", str(archive), without_weasyprint=True)
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(work / "x")
    return work / "x" / "site"


ANY_SERVER = re.compile(r"^https?://")


@pytest.fixture
def disk_page(_tabs: Any, browser: Any, request: pytest.FixtureRequest) -> Any:
    """The worker's tab for pages opened from disk: nothing from any server, downloads accepted."""
    lent = lend(_tabs, browser, request, "disk", blocked=ANY_SERVER, accept_downloads=True)
    page = next(lent)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    next(lent, None)  # reset the tab for the next test


def test_opened_from_disk_the_matrix_links_lead_to_pages(disk_page, unzipped):
    page = disk_page
    page.goto((unzipped / "index.html").as_uri())
    page.get_by_role("link", name="Rapport de couverture").first.click()
    expect(page.locator("table.pb-matrix")).to_be_visible()
    assert page.url.startswith("file://") and page.url.endswith("/portfolio/report.html"), page.url
    hrefs = page.locator("table.pb-matrix a").evaluate_all("links => links.map(a => a.href)")
    assert len(hrefs) > 20 and all(h.startswith("file://") and h.endswith(".html") for h in hrefs), hrefs[:5]
    # Each link names a page file of the unzipped site (a browser reading files opens no folder
    # index): checked on disk, without opening the ~40 pages one by one.
    site = unzipped.resolve()
    for href in sorted(set(hrefs)):
        target = Path(url2pathname(urlsplit(href).path)).resolve()
        assert target.is_relative_to(site) and target.is_file(), href
        assert re.search(r"<article\b.*?<h1\b", target.read_text(encoding="utf-8"), re.S), f"{href}: no article heading"
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


# -- local search from disk (web/offline_search.py, theme/offline/search.js) ----------------

SEARCH_BOX = "Rechercher dans le dossier"
ONLY_ON_EVIDENCE = "VeraCrypt"  # a word of productions/organisation-espace-travail.md, nowhere else
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"


def test_search_from_disk_finds_a_word_of_one_evidence_page_and_leads_there(disk_page, unzipped):
    from .test_a11y import blocking_violations, describe

    page = disk_page
    page.goto((unzipped / "portfolio" / "competencies" / "d4-4.html").as_uri())  # two folders down
    box = page.get_by_role("searchbox", name=SEARCH_BOX)
    box.fill(ONLY_ON_EVIDENCE.lower())
    results = page.locator("#__pb-search-results")
    expect(results).to_be_visible()
    links = results.locator("a.pb-search__link")
    expect(links.first).to_be_visible()
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith("../../productions/organisation-espace-travail.html") for h in hrefs), hrefs
    expect(results.locator("mark").first).to_have_text(ONLY_ON_EVIDENCE)  # highlighted as written in the page
    expect(page.get_by_role("status")).to_have_text("1 résultat" if len(hrefs) == 1 else f"{len(hrefs)} résultats")
    # axe-core with the results open: no serious or critical violation.
    from axe_playwright_python.sync_playwright import Axe

    assert page.errors == [], page.errors  # lunr and the index load from file:// under the CSP
    # No preload: axe would read the stylesheets with XHR, which file:// refuses (its own errors).
    blocking = blocking_violations(Axe().run(page, options={"resultTypes": ["violations"], "preload": False}).response)
    assert not blocking, describe(blocking)
    # Keyboard only: Escape closes, Down arrow reaches the first result, Enter follows it.
    box.press("Escape")
    expect(results).to_be_hidden()
    box.press("ArrowDown")  # closed: nothing to reach
    box.fill("")
    box.press_sequentially(ONLY_ON_EVIDENCE)  # key by key: Material's shortcuts (p: previous page) stay out
    expect(links.first).to_be_visible()
    box.press("ArrowDown")
    expect(links.first).to_be_focused()
    target = links.first.evaluate("a => a.href")
    page.keyboard.press("Enter")
    page.wait_for_url(target)
    assert page.url.startswith((unzipped / "productions" / "organisation-espace-travail.html").as_uri())
    expect(page.locator("aside.pb-evidence")).to_be_visible()
    assert page.errors == [], page.errors


def test_the_search_box_fits_a_narrow_screen(disk_page, unzipped):
    page = disk_page
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto((unzipped / "portfolio" / "report.html").as_uri())
    box = page.get_by_role("searchbox", name=SEARCH_BOX)
    expect(box).to_be_visible()
    box.fill("C2i")
    expect(page.locator("a.pb-search__link").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


@pytest.fixture(scope="module")
def hostile_dossier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dossier whose pages hold markup as text, one of them three folders down."""
    from tests.conftest import evidence_page, mkdocs_text

    root = tmp_path_factory.mktemp("hostile") / "dossier"
    deep = root / "docs" / "preuves" / "profond" / "encore"
    deep.mkdir(parents=True)
    (root / "mkdocs.yml").write_text(mkdocs_text(), encoding="utf-8")
    body = (
        "# Piège\n\nLe mot zygomorphe, puis `" + HOSTILE + "` en code.\n\n"
        "Et en texte : &lt;img src=x onerror=alert(1)&gt; zygomorphe encore.\n"
    )
    (deep / "piege.md").write_text(evidence_page("D1.1", title="Piège", body=body), encoding="utf-8")
    (root / "docs" / "haut.md").write_text(
        evidence_page("D1.2", title="En haut", body="# En haut\n\nUn xylophone au sommet.\n"), encoding="utf-8")
    return root


def _search_and_follow(page: Any, word: str) -> Any:
    box = page.get_by_role("searchbox", name=SEARCH_BOX)
    box.fill(word)
    first = page.locator("a.pb-search__link").first
    expect(first).to_be_visible()
    target = first.evaluate("a => a.href")
    first.click()
    page.wait_for_url(target)
    return target


def test_the_candidates_markup_is_shown_as_text_never_run(disk_page, hostile_dossier, tmp_path):
    site = tmp_path / "site"
    result = in_process("build", str(hostile_dossier), "-d", str(site), "--offline", "-q")
    assert result.returncode == 0, result.stderr
    page = disk_page
    page.goto((site / "haut.html").as_uri())
    page.get_by_role("searchbox", name=SEARCH_BOX).fill("zygomorphe")
    results = page.locator("#__pb-search-results")
    expect(results.locator("a.pb-search__link").first).to_be_visible()
    text = results.inner_text()
    assert "<img src=x onerror=" in text and "&lt;" not in text, text  # the text, as the page shows it
    assert results.locator("img").count() == 0 and page.title() != "pwned"
    _search_and_follow(page, "zygomorphe")
    assert page.url.startswith((site / "preuves" / "profond" / "encore" / "piege.html").as_uri()), page.url
    # Three folders down, the links still lead back up.
    _search_and_follow(page, "xylophone")
    assert page.url.startswith((site / "haut.html").as_uri()), page.url
    assert page.errors == [] and page.title() != "pwned", page.errors


def test_search_works_from_disk_with_directory_urls_too(disk_page, hostile_dossier, tmp_path):
    # The step reads only the built site: on a site with folder URLs (a plain build), the
    # results name each folder's index.html, which a browser reading files needs.
    from portfolio_builder.outputs import add_offline_search

    site = tmp_path / "site"
    result = in_process("build", str(hostile_dossier), "-d", str(site), "-q")
    assert result.returncode == 0, result.stderr
    add_offline_search(site, hostile_dossier / "docs")
    page = disk_page
    page.goto((site / "preuves" / "profond" / "encore" / "piege" / "index.html").as_uri())
    _search_and_follow(page, "xylophone")
    assert page.url.startswith((site / "haut" / "index.html").as_uri()), page.url
    _search_and_follow(page, "zygomorphe")
    assert page.url.startswith((site / "preuves" / "profond" / "encore" / "piege" / "index.html").as_uri()), page.url
