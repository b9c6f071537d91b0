"""Every stable problem code, produced by a real dossier, at the right file and line.

``CASES`` is the table: one small project per case and the ``(code, file,
line)`` it must report. ``test_every_code_is_covered`` fails when a code is
added to ``CODES`` without a case here.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

import tests.core.test_credentials as credential_tests
from portfolio_builder.core import problems as problems_mod
from portfolio_builder.core.check import Options, check_project
from portfolio_builder.core.limits import Limits
from portfolio_builder.core.problems import CODES, ERROR, WARNING, Problem, ProblemSink
from tests.conftest import alias_bomb, check_problems, evidence_page, mkdocs_text, run_check

# Codes that only the MkDocs plugin (the site build) produces; its own tests
# cover them. Each is checked below to be absent from the core's source, so
# this list cannot silently hide a core code.
SITE_ONLY_CODES = {
    "duplicate-registration",  # one candidate registered twice in a cohort (cohort dashboard)
    "duplicate-student-id",  # two dossiers claim one student number (tests/cohort/test_trust.py)
    "report-unverified",  # cohort --reports: an unsigned report (tests/cohort/test_trust.py)
    "build-timeout",  # a cohort stops a dossier's build past its time limit (cohort runner)
}

BOMB = "---\n" + alias_bomb(7) + "---\n"

REVIEW = "evidence: p.md\nreviewer: M. Martin\ndate: 2024-03-01\nverdicts:\n  D1.1: met\n"

JURY = (
    "session: 2024-juin\n"
    "date: 2024-06-20\n"
    "institution: Université de Valcourt\n"
    "members: [Mme Durand, M. Petit]\n"
    "decisions:\n"
    "  D1.1: validated\n"
)

ATTESTATION = (
    "referential: c2i1-2011\n"
    "candidate:\n"
    "  name: Léa Moreau\n"
    "session: 2023-juin\n"
    "institution: Université de Valcourt\n"
    "date: 2023-06-30\n"
    "validated_domains: [D1, D2]\n"
)

LOCAL_REFERENTIAL = """\
id: local-2024
title: Référentiel local
version: "1"
language: fr
source:
  legal_basis: délibération du conseil d'administration
domains:
  - code: X1
    title: Premier domaine
    competencies:
      - code: X1.1
        title: Une compétence
      - code: X1.1
        title: La même, recopiée
  - code: X2
    title: Domaine vide
    competencies: []
rules:
  validation: majority
"""


def _outside_link(root: Path) -> None:
    secret = root.parent / f"{root.name}-secret.txt"
    secret.write_text("secret\n", encoding="utf-8")
    os.symlink(secret, root / "docs" / "lien.md")


def _fifo_page(root: Path) -> None:
    os.mkfifo(root / "docs" / "tube.md")  # reading it would block forever


def _outside_attachment(root: Path) -> None:
    secret = root.parent / f"{root.name}-secret.pdf"
    secret.write_bytes(b"%PDF-1.4\n")
    os.symlink(secret, root / "docs" / "annexe.pdf")


def _page_changed_after_review(root: Path) -> None:
    stamp = 1717243200  # 2024-06-01T12:00:00Z, after the review of 2024-03-01
    os.utime(root / "docs" / "p.md", (stamp, stamp))


@dataclass
class Case:
    expected: tuple[str, str, int]
    files: dict[str, str | bytes] = field(default_factory=dict)
    portfolio: dict[str, Any] | None = None
    config: dict[str, Any] | None = None
    setup: Callable[[Path], None] | None = None
    severity: str = ERROR
    options: dict[str, Any] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "yaml-syntax/page": Case(("yaml-syntax", "docs/p.md", 2), {"docs/p.md": "---\ntitle: Rapport: version 2\n---\n"}),
    "yaml-syntax/review": Case(
        ("yaml-syntax", "reviews/r.yml", 2),
        {"docs/p.md": evidence_page("D1.1"), "reviews/r.yml": "evidence: p.md\nreviewer: M. Martin: tuteur\n"},
    ),
    "yaml-syntax/tag": Case(
        ("yaml-syntax", "docs/p.md", 3), {"docs/p.md": "---\ntitle: T\ncontext: !!python/name:os.system\n---\n"}
    ),
    "yaml-too-complex/alias-bomb": Case(("yaml-too-complex", "docs/p.md", 2), {"docs/p.md": BOMB}),
    "yaml-too-complex/nesting": Case(
        ("yaml-too-complex", "docs/p.md", 3),
        {"docs/p.md": "---\ntitle: Profond\ncontext: " + "[" * 60 + "]" * 60 + "\n---\n"},
    ),
    "duplicate-key": Case(
        ("duplicate-key", "docs/p.md", 3), {"docs/p.md": "---\ntitle: Un\ntitle: Deux\ncompetencies: [D1.1]\n---\n"}
    ),
    "encoding/page": Case(("encoding", "docs/p.md", 3), {"docs/p.md": b"---\ntitle: x\ncontext: caf\xe9\n---\n"}),
    "encoding/jury": Case(("encoding", "jury.yml", 3), {"jury.yml": JURY.encode().replace(b"Universit\xc3\xa9", b"Universit\xe9")}),
    "empty-page": Case(("empty-page", "docs/p.md", 1), {"docs/p.md": " \n\n"}),
    "front-matter-too-large": Case(
        ("front-matter-too-large", "docs/p.md", 2),
        {"docs/p.md": "---\ntitle: Gros\ncontext: " + "x" * 300_000 + "\n---\n"},
    ),
    "unclosed-front-matter": Case(
        ("unclosed-front-matter", "docs/p.md", 1), {"docs/p.md": "---\ntitle: Ouvert\ncompetencies: [D1.1]\n\n# Titre\n"}
    ),
    "schema/page": Case(("schema", "docs/p.md", 3), {"docs/p.md": evidence_page("D1.1", type="essai")}),
    "schema/mkdocs": Case(("schema", "mkdocs.yml", 10), portfolio={"language": "de"}),
    "unknown-key": Case(
        ("unknown-key", "docs/p.md", 7), {"docs/p.md": evidence_page("D1.1", extra="contexte: TD 3\n")}, severity=WARNING
    ),
    "unknown-competency/page": Case(("unknown-competency", "docs/p.md", 7), {"docs/p.md": evidence_page("D1.1", "D6.1")}),
    "unknown-competency/review": Case(
        ("unknown-competency", "reviews/r.yml", 6),
        {"docs/p.md": evidence_page("D1.1"), "reviews/r.yml": REVIEW + "  D6.1: met\n"},
    ),
    "unknown-competency/jury": Case(
        ("unknown-competency", "jury.yml", 7), {"jury.yml": JURY + "  D1.9: validated\n"}
    ),
    "duplicate-competency": Case(
        ("duplicate-competency", "docs/p.md", 8), {"docs/p.md": evidence_page("D1.1", "D1.2", "D1.1")}, severity=WARNING
    ),
    "duplicate-id": Case(
        ("duplicate-id", "docs/b.md", 7),
        {"docs/a.md": evidence_page("D1.1", extra="id: rapport\n"), "docs/b.md": evidence_page("D1.2", extra="id: rapport\n")},
    ),
    "missing-attachment": Case(
        ("missing-attachment", "docs/p.md", 8),
        {"docs/p.md": evidence_page("D1.1", extra="attachments:\n  - path: fichiers/rapport.pdf\n")},
    ),
    "attachment-outside": Case(
        ("attachment-outside", "docs/p.md", 8),
        {"docs/p.md": evidence_page("D1.1", extra="attachments:\n  - path: ../mkdocs.yml\n")},
    ),
    "symlink-outside/walk": Case(("symlink-outside", "docs/lien.md", 1), setup=_outside_link),
    "private-link": Case(
        ("private-link", "docs/a.md", 10),
        {
            "docs/a.md": evidence_page("D1.1", body="# A\n\nVoir [le secret](secret.md).\n"),
            "docs/secret.md": evidence_page("D1.2", extra="visibility: private"),
        },
        options={"public": True},
    ),
    "decision-without-evidence": Case(
        ("decision-without-evidence", "jury.yml", 6),
        {"docs/p.md": evidence_page("D1.2"), "jury.yml": JURY},
        severity=WARNING,
    ),
    "not-a-file": Case(("not-a-file", "docs/tube.md", 1), setup=_fifo_page),
    "symlink-outside/attachment": Case(
        ("symlink-outside", "docs/p.md", 8),
        {"docs/p.md": evidence_page("D1.1", extra="attachments:\n  - path: annexe.pdf\n")},
        setup=_outside_attachment,
    ),
    "unicode-normalization": Case(
        ("unicode-normalization", "docs/p.md", 8),
        {
            "docs/p.md": evidence_page("D1.1", extra="attachments:\n  - path: résumé.pdf\n"),
            "docs/" + unicodedata.normalize("NFD", "résumé.pdf"): b"%PDF-1.4\n",
        },
    ),
    "unsafe-url": Case(
        ("unsafe-url", "docs/p.md", 8),
        {"docs/p.md": evidence_page("D1.1", extra="attachments:\n  - url: javascript:alert(1)\n")},
    ),
    "missing-commentary": Case(("missing-commentary", "docs/p.md", 3), {"docs/p.md": evidence_page("D1.1", type="external")}),
    "missing-anchor": Case(
        ("missing-anchor", "docs/p.md", 7),
        {"docs/p.md": "---\ntitle: T\ntype: coursework\ndate: 2024-03-12\ncompetencies:\n  - code: D1.1\n    anchor: methode\n---\n## Démarche\n"},
        severity=WARNING,
    ),
    "missing-competency/training": Case(("missing-competency", "mkdocs.yml", 7), severity=WARNING),
    "missing-competency/strict": Case(("missing-competency", "mkdocs.yml", 7), options={"strict": True}),
    "config/docs-dir": Case(("config", "mkdocs.yml", 10), {"mkdocs.yml": mkdocs_text(config={"docs_dir": "pages"})}),
    "config/attestation-file": Case(("config", "mkdocs.yml", 11), portfolio={"previous_attestations": ["absente.yml"]}),
    "plugin-missing": Case(("plugin-missing", "mkdocs.yml", 2), {"mkdocs.yml": "site_name: x\nplugins:\n  - search\n"}),
    "unknown-referential/mkdocs": Case(("unknown-referential", "mkdocs.yml", 7), portfolio={"referential": "c2i1-2012"}),
    "unknown-referential/extends": Case(
        ("unknown-referential", "ref.yml", 7),
        {"ref.yml": "id: local\ntitle: L\nversion: '1'\nlanguage: fr\nsource: {legal_basis: x}\nrules: {validation: all}\nextends: c2i3-2011\ndomains:\n  - code: X\n    title: X\n    competencies: [{code: X.1, title: X}]\n"},
        portfolio={"referential": "ref.yml"},
    ),
    "duplicate-code": Case(("duplicate-code", "ref.yml", 13), {"ref.yml": LOCAL_REFERENTIAL}, portfolio={"referential": "ref.yml"}),
    "empty-domain": Case(("empty-domain", "ref.yml", 17), {"ref.yml": LOCAL_REFERENTIAL}, portfolio={"referential": "ref.yml"}),
    "unknown-rule": Case(("unknown-rule", "ref.yml", 19), {"ref.yml": LOCAL_REFERENTIAL}, portfolio={"referential": "ref.yml"}),
    "unknown-evidence": Case(
        ("unknown-evidence", "reviews/r.yml", 1), {"docs/p.md": evidence_page("D1.1"), "reviews/r.yml": REVIEW.replace("p.md", "q.md")}
    ),
    # issue 15: levels and conditions
    "level-out-of-range/evidence": Case(
        ("level-out-of-range", "docs/p.md", 7),
        {"docs/p.md": "---\ntitle: T\ntype: coursework\ndate: 2024-03-12\ncompetencies:\n  - code: \"2.1\"\n    level: 9\n---\n"},
        portfolio={"referential": "crcn-2019"},
    ),
    "level-out-of-range/jury": Case(
        ("level-out-of-range", "jury.yml", 8),
        {"jury.yml": JURY.replace("D1.1", "\"2.1\"") + "levels:\n  \"2.1\": 0\n"},
        portfolio={"referential": "crcn-2019"},
    ),
    "level-out-of-range/review": Case(
        ("level-out-of-range", "reviews/r.yml", 7),
        {"docs/p.md": "---\ntitle: T\ntype: coursework\ndate: 2024-03-12\ncompetencies: [\"2.1\"]\n---\n",
         "reviews/r.yml": "evidence: p.md\nreviewer: M. Martin\ndate: 2024-03-01\nverdicts:\n  \"2.1\": met\nlevels:\n  \"2.1\": 12\n"},
        portfolio={"referential": "crcn-2019"},
    ),
    "level-without-levels/evidence": Case(
        ("level-without-levels", "docs/p.md", 7),
        {"docs/p.md": "---\ntitle: T\ntype: coursework\ndate: 2024-03-12\ncompetencies:\n  - code: D1.1\n    level: 4\n---\n"},
    ),
    "level-without-levels/jury": Case(
        ("level-without-levels", "jury.yml", 8), {"jury.yml": JURY + "levels:\n  D1.1: 3\n"},
    ),
    "unknown-condition/jury": Case(
        ("unknown-condition", "jury.yml", 8),
        {"jury.yml": JURY.replace("D1.1", "A.1-1") + "conditions:\n  face-a-face: met\n"},
        portfolio={"referential": "c2i2e-2011"},
    ),
    "unknown-condition/no-conditions": Case(
        ("unknown-condition", "jury.yml", 8), {"jury.yml": JURY + "conditions:\n  face-to-face: met\n"},
    ),
    "unknown-domain/jury": Case(("unknown-domain", "jury.yml", 8), {"jury.yml": JURY + "qcm:\n  D7: {passed: true}\n"}),
    "unknown-domain/attestation": Case(
        ("unknown-domain", "att.yml", 7),
        {"att.yml": ATTESTATION.replace("[D1, D2]", "[D1, D8]")},
        portfolio={"previous_attestations": ["att.yml"]},
    ),
    "review-outdated": Case(
        ("review-outdated", "reviews/r.yml", 3),
        {"docs/p.md": evidence_page("D1.1"), "reviews/r.yml": REVIEW},
        setup=_page_changed_after_review,
        severity=WARNING,
    ),
    "placeholder-text": Case(
        ("placeholder-text", "docs/p.md", 7),
        {"docs/p.md": evidence_page("D1.1", extra="    argument: Expliquez ici pourquoi cette production démontre D1.1.")
         .replace("  - D1.1\n", "  - code: D1.1\n")},
        severity=WARNING,
    ),
    "missing-metadata": Case(("missing-metadata", "mkdocs.yml", 6), portfolio={"mode": "certification"}),
    "attestation-mismatch": Case(
        ("attestation-mismatch", "att.yml", 1),
        {"att.yml": ATTESTATION.replace("c2i1-2011", "c2i2e-2011")},
        portfolio={"previous_attestations": ["att.yml"]},
    ),
    "reserved-path": Case(("reserved-path", "docs/report.json", 1), {"docs/report.json": "{}\n"}),
    "reserved-path/theme-asset": Case(
        ("reserved-path", "docs/assets/javascripts/bundle.a5f9d56c.min.js", 1),
        {"docs/assets/javascripts/bundle.a5f9d56c.min.js": "document.title = 'pwned'\n"},
    ),
    "file-too-large/page": Case(
        ("file-too-large", "docs/p.md", 1), {"docs/p.md": evidence_page("D1.1") + "x" * 5000}, options={"limits": Limits(page_bytes=4096)}
    ),
    "file-too-large/file": Case(
        ("file-too-large", "docs/video.mp4", 1), {"docs/video.mp4": b"\0" * 5000}, options={"limits": Limits(file_bytes=4096)}
    ),
    "dossier-too-large/bytes": Case(
        ("dossier-too-large", "docs", 1),
        {"docs/a.png": b"\0" * 3000, "docs/b.png": b"\0" * 3000},
        options={"limits": Limits(docs_bytes=5000)},
    ),
    "dossier-too-large/files": Case(
        ("dossier-too-large", "docs", 1), {f"docs/f{i}.txt": "x" for i in range(5)}, options={"limits": Limits(files=3)}
    ),
    "active-file": Case(
        ("active-file", "docs/annexe.html", 1),
        {"docs/annexe.html": "<script>alert(1)</script>"},
        severity=WARNING,
        options={"public": True},
    ),
}


def _run(project, case: Case) -> list[tuple[str, str, int]]:
    root = project(case.files, portfolio=case.portfolio, config=case.config)
    if case.setup is not None:
        case.setup(root)
    return check_problems(root, **case.options)


@pytest.mark.parametrize("name", list(CASES))
def test_code_is_reported_at_file_and_line(project, name):
    case = CASES[name]
    found = _run(project, case)
    assert case.expected in found, f"{case.expected} not in {found}"


@pytest.mark.parametrize("name", list(CASES))
def test_case_severity_and_rendering(project, name):
    """The problem has the severity the case expects and renders in both languages, with no placeholder left."""
    case = CASES[name]
    root = project(case.files, portfolio=case.portfolio, config=case.config)
    if case.setup is not None:
        case.setup(root)
    from portfolio_builder.core.project import ConfigError

    try:
        items = run_check(root, **case.options).problems
    except ConfigError as error:
        items = error.problems
    matching = [p for p in items if (p.code, p.file, p.line) == case.expected]
    assert matching
    problem = matching[0]
    assert problem.severity == case.severity
    for lang in ("fr", "en"):
        text = problem.format(lang)
        assert text.startswith(f"{case.expected[1]}:{case.expected[2]}:{problem.column}: ")
        assert f"[{problem.code}]" in text
        assert not re.search(r"\{[a-z_]+\}", text), text
        assert "{{" not in text


CERTIFICATION = {"mode": "certification", "institution": "Université de Valcourt", "session": "2027-juin"}


def test_dirty_tree(project, monkeypatch):
    """Outside the check pipeline: the site build asks integrity.dirty_problem before a certification build."""
    from portfolio_builder.core import integrity
    from portfolio_builder.core.project import load_project
    from tests.conftest import git

    root = project({"docs/a.md": evidence_page("D1.1")}, portfolio=CERTIFICATION)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent))
    problem = integrity.dirty_problem(load_project(root), allow_dirty=False)
    assert (problem.code, problem.file, problem.line) == ("dirty-tree", "mkdocs.yml", 10)  # the `mode:` line
    assert integrity.dirty_problem(load_project(root), allow_dirty=True) is None
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "dépôt")
    assert integrity.dirty_problem(load_project(root), allow_dirty=False) is None
    (root / "docs" / "a.md").write_text(evidence_page("D1.2"), encoding="utf-8")
    problem = integrity.dirty_problem(load_project(root), allow_dirty=False)
    assert (problem.code, problem.file, problem.line, problem.severity) == ("dirty-tree", "mkdocs.yml", 10, ERROR)
    training = project({"docs/a.md": evidence_page("D1.1")})
    assert integrity.dirty_problem(load_project(training), allow_dirty=False) is None


def test_path_outside(project):
    """A cohort reads a dossier as untrusted: its paths may not leave its folder."""
    from portfolio_builder.core.project import Untrusted, load_project

    root = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"jury": "../jury.yml", "referential": "ref.yml"})
    loaded = load_project(root, untrusted=Untrusted())
    assert sorted((p.code, p.file, p.line, p.field) for p in loaded.problems) == [
        ("path-outside", "mkdocs.yml", 7, "referential"),
        ("path-outside", "mkdocs.yml", 10, "jury"),
    ]
    assert loaded.settings.jury == "jury.yml" and loaded.settings.referential == ""


def test_hard_link(project, tmp_path):
    """An untrusted build refuses a docs file with another name (maybe outside the dossier)."""
    from portfolio_builder.core.project import Untrusted, load_project
    from tests.conftest import as_tuples

    secret = tmp_path / "other-candidate-secret.txt"
    secret.write_text("someone else's work", encoding="utf-8")
    root = project({"docs/a.md": evidence_page("D1.1")})
    os.link(secret, root / "docs" / "copie.txt")
    dossier = check_project(load_project(root, untrusted=Untrusted()), Options())
    assert ("hard-link", "docs/copie.txt", 1) in as_tuples(dossier.problems)
    assert "copie.txt" in dossier.refused_files
    trusted = check_project(load_project(root), Options())  # your own build: your own files
    assert "hard-link" not in {p.code for p in trusted.problems}


def test_config_link(project, tmp_path):
    """A symlinked (or hard-linked) mkdocs.yml would make another folder this dossier's root."""
    from portfolio_builder.core.project import ConfigError, Untrusted, load_project

    other = project({"docs/a.md": evidence_page("D1.1")})
    mine = tmp_path / "mine"
    (mine / "docs").mkdir(parents=True)
    (mine / "mkdocs.yml").symlink_to(other / "mkdocs.yml")
    with pytest.raises(ConfigError) as raised:
        load_project(mine, untrusted=Untrusted())
    problem = raised.value.problems[0]
    assert (problem.code, problem.file, problem.line) == ("config-link", "mkdocs.yml", 1)
    assert "mkdocs.yml" in problem.format("fr") and problem.hint("en")
    hard = tmp_path / "hard"
    (hard / "docs").mkdir(parents=True)
    os.link(other / "mkdocs.yml", hard / "mkdocs.yml")
    with pytest.raises(ConfigError) as raised:
        load_project(hard, untrusted=Untrusted())
    assert raised.value.problems[0].code == "config-link"


# Codes asserted by a test of their own rather than by the table.
OWN_TESTS = {
    "dirty-tree": test_dirty_tree,
    "path-outside": test_path_outside,
    # Signed attestations: tests/core/test_credentials.py, one test per code.
    "attestation-unsigned": credential_tests.test_unsigned_attestation_warns_in_training_and_is_refused_in_certification,
    "credential-invalid": credential_tests.test_each_wrong_credential_is_refused_with_its_code,
    "credential-untrusted": credential_tests.test_each_wrong_credential_is_refused_with_its_code,
    "credential-mismatch": credential_tests.test_each_wrong_credential_is_refused_with_its_code,
    "hard-link": test_hard_link,
    "config-link": test_config_link,
}

# The jury session's import (not the check pipeline): each code by its own test, at its cell.
from tests.core import test_jury_sheet as _sheet  # noqa: E402

OWN_TESTS.update({
    "sheet-mismatch": _sheet.test_another_session_institution_or_referential_is_named,
    "sheet-column": _sheet.test_reordered_columns_are_named,
    "unknown-candidate": _sheet.test_an_unknown_or_unsafe_candidate_is_refused,
    "duplicate-row": _sheet.test_a_row_without_identifier_and_a_duplicate_row,
    "not-a-decision": _sheet.test_each_bad_cell_is_refused_at_its_row_and_column,
    "score-out-of-range": _sheet.test_each_bad_cell_is_refused_at_its_row_and_column,
})


import tests.core.test_moodle as _moodle  # noqa: E402

# A Moodle framework CSV turned into a referential (`referentials import`).
OWN_TESTS["moodle-csv"] = _moodle.test_each_bad_csv_is_refused_at_its_line_and_column


def test_every_code_is_covered():
    covered = {case.expected[0] for case in CASES.values()} | set(OWN_TESTS)
    assert covered <= set(CODES), covered - set(CODES)
    assert SITE_ONLY_CODES <= set(CODES)
    missing = set(CODES) - covered - SITE_ONLY_CODES
    assert not missing, f"codes never produced by a test: {sorted(missing)}"


# The modules of the check pipeline this suite covers.
PIPELINE_MODULES = (
    "yamlread", "frontmatter", "datafile", "schemas", "referential", "project", "docs_tree",
    "evidence", "coverage", "reviews", "jury", "rules", "history", "check", "report",
)


def test_site_only_codes_are_not_produced_by_the_check_pipeline():
    core = Path(problems_mod.__file__).parent
    for name in PIPELINE_MODULES:
        text = (core / f"{name}.py").read_text(encoding="utf-8")
        for code in SITE_ONLY_CODES:
            assert f'"{code}"' not in text, f"{name}.py produces {code}: add a case to CASES"


def test_codes_are_unique_and_kebab_case():
    assert len(CODES) == len(set(CODES))
    for code in CODES:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", code)


# --- the Problem record itself -------------------------------------------------


def _problem(**kw) -> Problem:
    sink = ProblemSink("docs/p.md")
    sink.error("unknown-competency", (7, 5), "competencies[1]", "evidence.unknown_competency",
               hint_id="hint.did_you_mean", hint_args={"suggestion": "D1.1"}, code="d1.1", referential="c2i1-2011")
    return sink.items[0]


def test_format_is_compiler_style_in_both_languages():
    problem = _problem()
    assert problem.format("fr") == (
        "docs/p.md:7:5: erreur[unknown-competency] competencies[1]: compétence inconnue « d1.1 » "
        "dans le référentiel c2i1-2011 (vouliez-vous dire D1.1 ?)"
    )
    assert problem.format("en") == (
        "docs/p.md:7:5: error[unknown-competency] competencies[1]: unknown competency 'd1.1' "
        "in referential c2i1-2011 (did you mean D1.1?)"
    )
    assert problem.format("en", file="../x/docs/p.md").startswith("../x/docs/p.md:7:5: ")


def test_to_dict():
    sink = ProblemSink("mkdocs.yml")
    sink.warning("missing-competency", (7, 20), "referential", "coverage.missing",
                 hint_id="coverage.missing.hint", hint_args={"code": "D5.3"}, code="D5.3", title="Élaborer")
    warning = sink.items[0]
    assert not warning.is_error
    assert warning.to_dict("fr") == {
        "severity": "warning",
        "code": "missing-competency",
        "file": "mkdocs.yml",
        "line": 7,
        "column": 20,
        "field": "referential",
        "message": "D5.3 Élaborer : aucune preuve",
        "hint": "ajoutez une page de preuve qui revendique D5.3 dans competencies",
    }


def test_problem_without_field_or_hint():
    sink = ProblemSink("docs/p.md")
    sink.error("empty-page", (1, 1), "", "page.empty")
    assert sink.items[0].format("en") == "docs/p.md:1:1: error[empty-page] the page is empty"
    assert sink.items[0].hint("en") == ""


def test_problems_of_a_dossier_are_sorted(project):
    root = project({
        "docs/b.md": evidence_page("D1.1", "D9.1", type="essai"),
        "docs/a.md": evidence_page("D9.2"),
    })
    found = check_problems(root)
    assert found == sorted(found, key=lambda t: (t[1], t[2]))
    assert found[:3] == [
        ("unknown-competency", "docs/a.md", 6),
        ("schema", "docs/b.md", 3),
        ("unknown-competency", "docs/b.md", 7),
    ]


def test_readme_documents_every_code():
    readme = (Path(problems_mod.__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    undocumented = [code for code in CODES if f"`{code}`" not in readme]
    assert not undocumented, f"README.md does not list: {undocumented}"
