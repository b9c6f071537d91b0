"""coverage: which evidence claims which competency, per domain; gaps as problems."""

from __future__ import annotations

from portfolio_builder.core import coverage, referential
from portfolio_builder.core.evidence import Claim, Evidence
from tests.conftest import C2I1_CODES, REFERENTIAL_LINE, check_problems, evidence_page, run_check

C2I1 = referential.load_shipped("c2i1-2011")


def ev(path: str, date: str, *codes: str) -> Evidence:
    return Evidence(path=path, id=path, title=path, type="coursework", date=date, claims=[Claim(c) for c in codes])


def test_compute_per_competency_and_domain():
    cov = coverage.compute(C2I1, [ev("b.md", "2024-05-01", "D1.1", "D2.1"), ev("a.md", "2024-02-01", "D1.1", "D1.2", "X9")])
    assert cov.total == 20 and cov.covered == 3
    assert cov.missing == [c for c in C2I1_CODES if c not in ("D1.1", "D1.2", "D2.1")]
    # Oldest evidence first.
    assert [e.path for e in cov.by_code["D1.1"].evidence] == ["a.md", "b.md"]
    d1, d2, d3 = cov.domains[:3]
    assert (d1.domain.code, d1.covered, d1.total, d1.missing) == ("D1", 2, 4, ["D1.3", "D1.4"])
    assert (d2.covered, d2.total) == (1, 4)
    assert (d3.covered, d3.total, d3.missing) == (0, 5, ["D3.1", "D3.2", "D3.3", "D3.4", "D3.5"])


def test_empty_coverage():
    cov = coverage.Coverage.empty()
    assert (cov.total, cov.covered, cov.missing) == (0, 0, [])


def test_full_coverage_has_no_gap(project):
    root = project({"docs/a.md": evidence_page(*C2I1_CODES[:10]), "docs/b.md": evidence_page(*C2I1_CODES[10:])})
    dossier = run_check(root)
    assert dossier.coverage.covered == 20
    assert dossier.problems == []


def test_gaps_are_warnings_in_training_mode(project):
    root = project({"docs/a.md": evidence_page(*C2I1_CODES[:-1])})
    dossier = run_check(root)
    assert [(p.severity, p.code, p.file, p.line, p.field) for p in dossier.problems] == [
        ("warning", "missing-competency", "mkdocs.yml", REFERENTIAL_LINE, "referential")
    ]
    problem = dossier.problems[0]
    assert problem.message("fr") == "D5.3 Élaborer une production dans un contexte collaboratif : aucune preuve"
    assert problem.hint("en") == "add an evidence page that claims D5.3 in competencies"
    assert dossier.errors == 0 and dossier.warnings == 1


def test_gaps_are_errors_when_strict_or_in_certification_mode(project):
    root = project({"docs/a.md": evidence_page(*C2I1_CODES[:-1])})
    strict = run_check(root, strict=True)
    assert [(p.severity, p.code) for p in strict.problems] == [("error", "missing-competency")]
    certification = project(
        {"docs/a.md": evidence_page(*C2I1_CODES[:-1])},
        portfolio={"mode": "certification", "institution": "Université de Valcourt", "session": "2027-juin"},
    )
    assert check_problems(certification) == [("missing-competency", "mkdocs.yml", REFERENTIAL_LINE)]
    assert run_check(certification).errors == 1


def test_unknown_codes_do_not_count(project):
    root = project({"docs/a.md": evidence_page("D1.1", "D9.9")})
    dossier = run_check(root)
    assert dossier.coverage.covered == 1
    assert "D9.9" not in dossier.coverage.by_code


def test_crcn_coverage_with_unquoted_codes(project):
    root = project({"docs/a.md": evidence_page("1.1", "2.3", "4.2")}, portfolio={"referential": "crcn-2019"})
    dossier = run_check(root)
    assert dossier.coverage.total == 16
    assert dossier.coverage.covered == 3
    assert [d.covered for d in dossier.coverage.domains] == [1, 1, 0, 1, 0]
