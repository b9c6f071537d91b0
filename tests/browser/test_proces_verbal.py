"""The procès-verbal of the sample cohort in Chromium: readable, accessible, printable on A4."""

from __future__ import annotations

import pytest

from ._support import BROWSER, REPO, require_browser
from .conftest import run_portfolio, serve

require_browser()

from axe_playwright_python.sync_playwright import Axe  # noqa: E402 - once we know Playwright is there

from .test_a11y import blocking_violations, describe  # noqa: E402

pytestmark = [BROWSER, pytest.mark.xdist_group("test_proces_verbal")]  # its module fixtures built once (make test: --dist loadgroup)


@pytest.fixture(scope="module")
def pv_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pv")
    result = run_portfolio("jury", "pv", str(REPO / "sample_dnc" / "cohorte"), "-o", str(folder / "index.html"))
    assert result.returncode == 0, result.stdout + result.stderr
    with serve(folder) as base:
        yield base


def test_the_proces_verbal_reads_and_has_no_serious_accessibility_violation(page, pv_url):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(pv_url)
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    assert rows.nth(1).locator("th").inner_text() == "Hugo Lefebvre"
    assert page.locator(".signature").count() == 3
    assert page.get_by_role("alert").inner_text().startswith("Projet")
    assert requests == [pv_url]  # nothing loaded but the page itself
    violations = blocking_violations(Axe().run(page).response)
    assert not violations, describe(violations)


def test_the_proces_verbal_prints_on_a4_with_its_signature_block(page, pv_url, tmp_path):
    page.goto(pv_url)
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    box = page.locator(".signatures").bounding_box()
    assert box is not None and box["height"] > 0
