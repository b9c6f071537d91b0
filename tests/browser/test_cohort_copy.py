"""A dossier's site copied out of its cohort still works on its own (issue 14).

The cohort shares the theme's assets between its sites (hard links); the copy must
carry real files: styles apply, Material's script runs, and nothing fails to load.
"""

from __future__ import annotations

import shutil
from typing import Any, Iterator

import pytest

from ._support import BROWSER, REPO, Site, require_browser
from .conftest import run_portfolio, serve

require_browser()

pytestmark = [BROWSER, pytest.mark.xdist_group("test_cohort_copy")]  # its module fixtures built once (make test: --dist loadgroup)


@pytest.fixture(scope="module")
def copied_out(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    work = tmp_path_factory.mktemp("cohort-copy")
    cohort = work / "cohort"
    result = run_portfolio("cohort", str(REPO), str(REPO / "sample_dnc/echec-qcm"), "-d", str(cohort))
    site = next((p for p in cohort.iterdir() if (p / "manifest.json").is_file()), None)
    assert site is not None, result.stdout + result.stderr
    alone = work / "alone"
    shutil.copytree(site, alone)
    shutil.rmtree(cohort)  # nothing of the cohort is left to lean on
    with serve(alone) as base:
        yield Site(alone, base)


def test_a_site_copied_out_of_its_cohort_loads_every_asset(page: Any, copied_out: Site) -> None:
    failed: list[str] = []
    errors: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(copied_out.url("portfolio/report/"))
    # Material's stylesheet applies (the header is fixed at the top, in the theme's colours)…
    assert page.locator(".md-header").evaluate("e => getComputedStyle(e).position") in ("sticky", "fixed")
    # …and its script ran: it wires the search dialog and marks the page.
    page.wait_for_function("() => typeof window.document$ !== 'undefined' || !!document.querySelector('[data-md-component=search-query]')")
    page.keyboard.press("/")
    assert page.locator("[data-md-component=search-query]").evaluate("e => document.activeElement === e")
    assert page.locator(".pb-report, article").first.is_visible()
    assert not [u for u in failed if "favicon" not in u], failed
    assert not [e for e in errors if "favicon" not in e], errors
