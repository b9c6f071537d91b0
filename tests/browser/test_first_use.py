"""Issue 11 in the browser: the dashboard's « only dossiers with problems » filter
counts warnings too, and a row that failed to build shows « non construit »."""

from __future__ import annotations

from typing import Any

from tests.conftest import C2I1_CODES, evidence_page, mkdocs_text, write_files

from ._support import BROWSER, require_browser
from .conftest import in_process, run_portfolio, serve

require_browser()

pytestmark = BROWSER


def _names(page: Any) -> list[str]:
    return sorted(t.strip() for t in page.locator("table[data-cohort-table] tbody tr:not([hidden]) th").all_inner_texts())


def test_problems_filter_keeps_dossiers_with_warnings_only(page, tmp_path):
    warned, clean, broken = tmp_path / "warned", tmp_path / "clean", tmp_path / "broken"
    write_files(warned, {"mkdocs.yml": mkdocs_text({"candidate": {"name": "Ana Avertie"}}),
                         "docs/a.md": evidence_page(*C2I1_CODES, "D1.1")})  # one warning, no error
    write_files(clean, {"mkdocs.yml": mkdocs_text({"candidate": {"name": "Bob Propre"}}),
                        "docs/a.md": evidence_page(*C2I1_CODES)})
    write_files(broken, {"mkdocs.yml": mkdocs_text({"candidate": {"name": "Chloé Cassée"}, "mode": "certification",
                                                    "institution": "U", "session": "2027-juin"}),
                         "docs/a.md": evidence_page(*C2I1_CODES)})  # no .git: not built without --allow-dirty
    site = tmp_path / "cohort"
    result = run_portfolio("cohort", str(warned), str(clean), str(broken), "-d", str(site))
    assert (site / "index.html").is_file(), result.stdout + result.stderr
    with serve(site) as base:
        page.goto(base)
        assert _names(page) == ["Ana Avertie", "Bob Propre", "Chloé Cassée"]
        row = page.locator("tr", has_text="Ana Avertie")
        assert "0 erreur" in row.inner_text() and "1 avertissement" in row.inner_text()
        assert "non construit" in page.locator("tr", has_text="Chloé Cassée").inner_text()
        assert "En attente" not in page.locator("tr", has_text="Chloé Cassée").inner_text()
        page.get_by_label("seulement les dossiers à problèmes").check()
        assert [n.split("\n")[0] for n in _names(page)] == ["Ana Avertie", "Chloé Cassée"]
        page.get_by_label("seulement les dossiers à problèmes").uncheck()
        page.get_by_label("Décision du jury").select_option("not_built")
        assert [n.split("\n")[0] for n in _names(page)] == ["Chloé Cassée"]


def test_review_diff_and_carried_over_pages_pass_axe(page, tmp_path):
    """The new markup (the diff since the review, carried-over statuses) has no serious
    or critical axe violation."""
    from axe_playwright_python.sync_playwright import Axe

    from tests.conftest import git

    from .test_a11y import blocking_violations, describe

    root = tmp_path / "dossier"
    write_files(root, {
        "mkdocs.yml": mkdocs_text({"session": "2027-juin", "previous_attestations": ["att.yml"]}),
        "att.yml": "referential: c2i1-2011\ncandidate: {name: Léa Moreau}\nsession: 2026-juin\n"
                   "institution: U\ndate: 2026-06-24\nvalidated_domains: [D1]\n",
        "docs/a.md": evidence_page("D2.1", body="# Une preuve\n\nAvant.\n"),
    })
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "un")
    done = in_process("review", str(root / "docs/a.md"), "--reviewer", "M. X", "--verdict", "D2.1=met")
    assert done.returncode == 0, done.stderr
    (root / "docs/a.md").write_text(evidence_page("D2.1", body="# Une preuve\n\nAprès.\n"), encoding="utf-8")
    site = tmp_path / "site"
    built = in_process("build", str(root), "-d", str(site))
    assert built.returncode == 0, built.stderr
    axe = Axe()
    with serve(site) as base:
        for path in ("a/", "portfolio/competencies/d1-1/", "portfolio/report/"):
            page.goto(base + path)
            blocking = blocking_violations(axe.run(page).response)
            assert not blocking, f"{path}:\n{describe(blocking)}"
        page.goto(base + "a/")
        assert "Après" in page.locator(".pb-diff ins").first.inner_text()
