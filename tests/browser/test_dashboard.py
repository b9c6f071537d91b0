"""The cohort dashboard in a real browser: sorting and filtering with no server, under its CSP."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from ._support import BROWSER, REPO, Site, require_browser
from .conftest import run_portfolio, serve

require_browser()

from axe_playwright_python.sync_playwright import Axe  # noqa: E402

pytestmark = [BROWSER, pytest.mark.xdist_group("test_dashboard")]  # its module fixtures built once (make test: --dist loadgroup)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    work = tmp_path_factory.mktemp("cohort")
    site = work / "site"
    # In a cohort the jury's decisions come from the jury's own folder, never from a dossier.
    juries = work / "juries"
    juries.mkdir()
    (juries / "21805233.yml").write_bytes((REPO / "sample_dnc/echec-qcm/jury.yml").read_bytes())
    result = run_portfolio(
        "cohort", str(REPO), str(REPO / "sample_dnc/echec-qcm"), "-d", str(site), "--title", "Groupe de test", "--juries", str(juries)
    )
    assert (site / "index.html").is_file(), result.stdout + result.stderr
    with serve(site) as base:
        yield Site(site, base)


def names(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("table[data-cohort-table] tbody tr:not([hidden]) th a").all_inner_texts()]


def test_sorting_and_filtering_work_without_a_server_and_without_csp_errors(page, dashboard):
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(dashboard.url(""))
    assert sorted(names(page)) == ["Léa Moreau", "Thomas Girard"]
    page.get_by_role("button", name="Candidat·e").click()
    assert names(page) == ["Léa Moreau", "Thomas Girard"]
    page.get_by_role("button", name="Candidat·e").click()
    assert names(page) == ["Thomas Girard", "Léa Moreau"]
    page.get_by_role("button", name="Manquantes").click()
    assert names(page)[0] == "Thomas Girard"  # 0 missing before 1
    page.get_by_label("Décision du jury").select_option("not_certified")
    assert names(page) == ["Thomas Girard"]
    page.get_by_label("Décision du jury").select_option("")
    page.get_by_label("Rechercher").fill("moreau")
    assert names(page) == ["Léa Moreau"]
    assert not [p for p in problems if "favicon" not in p], problems


def test_rows_link_to_each_candidates_report(page, dashboard):
    page.goto(dashboard.url(""))
    with page.expect_navigation():
        page.get_by_role("link", name="Thomas Girard").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/thomas-girard/portfolio/report/index.html")
    assert "Non certifié" in page.locator("article").inner_text()


def test_dashboard_has_no_serious_accessibility_violation(page, dashboard):
    page.goto(dashboard.url(""))
    results = Axe().run(page).response
    blocking = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    assert not blocking, [(v["id"], [n["target"] for n in v["nodes"]]) for v in blocking]
