"""report: the JSON report (validated by schema/report.schema.json) and its CSV twin."""

from __future__ import annotations

import csv
import io
import json

import pytest
from jsonschema import Draft202012Validator

from portfolio_builder.core import report
from portfolio_builder.core.schemas import load_schema
from tests.conftest import C2I1_CODES, evidence_page, run_check

REPORT_VALIDATOR = Draft202012Validator(load_schema("report"), format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_valid(document) -> None:
    errors = sorted(REPORT_VALIDATOR.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


@pytest.fixture
def dossier(project):
    root = project(
        {
            "docs/productions/stage.md": evidence_page(
                *C2I1_CODES[:12],
                title="Rapport de stage",
                extra="context: Stage L2\nattachments:\n  - path: stage.pdf\n    title: Le rapport\n  - url: https://example.org/x\n",
            ),
            "docs/productions/stage.pdf": b"%PDF-1.4",
            "docs/veille.md": evidence_page(*C2I1_CODES[12:19], type="assessment", title="Veille", date="2024-04-02"),
            "docs/casse.md": evidence_page("D9.9", type="essai"),
            "reviews/1.yml": "evidence: veille.md\nreviewer: M. Martin\ndate: 2099-01-01\nverdicts:\n  D4.1: met\n  D4.2: partially_met\ncomment: Bien.\n",
            "jury.yml": "session: 2024-juin\ndate: 2024-06-20\ninstitution: U\nmembers: [A]\ndecisions:\n  D1.1: validated\nqcm:\n  D1: {passed: true, score: 15}\n",
        },
        portfolio={"candidate": {"name": "Léa Moreau", "student_id": "21904512"}, "institution": "U", "session": "2024-juin"},
    )
    return run_check(root)


def test_report_validates_and_says_what_is_covered(dossier):
    document = report.build(dossier)
    assert_valid(document)
    assert document["format_version"] == 1
    assert document["language"] == "fr"
    assert document["referential"]["id"] == "c2i1-2011"
    assert document["referential"]["title"].startswith("Certificat informatique et internet niveau 1")
    assert document["dossier"]["candidate"] == {"name": "Léa Moreau", "student_id": "21904512"}
    assert document["summary"] == {"competencies": 20, "covered": 19, "missing": 1, "evidence": 3, "errors": 2, "warnings": 1}
    assert document["missing"] == ["D5.3"]
    row = next(r for r in document["competencies"] if r["code"] == "D1.1")
    assert row == {
        "code": "D1.1", "domain": "D1", "title": "Organiser un espace de travail complexe", "covered": True,
        "evidence": ["productions/stage.md"], "types": ["coursework"], "review": None, "decision": "validated", "level": None,
        "carried_over": None, "description": "", "review_outdated": False,
    }
    assert next(r for r in document["competencies"] if r["code"] == "D4.1")["review"] == "met"
    d5 = document["domains"][-1]
    assert (d5["code"], d5["covered"], d5["total"], d5["missing"], d5["qcm"]) == ("D5", 2, 3, ["D5.3"], None)
    assert document["domains"][0]["qcm"] == {"passed": True, "score": 15.0}
    # Evidence paths are relative to the docs folder; problem files to the project.
    assert [e["path"] for e in document["evidence"]] == ["casse.md", "productions/stage.md", "veille.md"]
    stage = document["evidence"][1]
    assert stage["attachments"] == [
        {"path": "productions/stage.pdf", "title": "Le rapport", "size": 8, "private": False},
        {"url": "https://example.org/x", "title": "https://example.org/x", "private": False},
    ]
    assert {p["file"] for p in document["problems"]} == {"docs/casse.md", "mkdocs.yml"}
    assert document["outcome"]["decision"] == "pending"
    assert document["outcome"]["jury"]["members"] == ["A"]
    assert document["forecast"]["without_evidence"] == ["D5.3"]


def test_public_report_hides_the_student_id(project):
    root = project(portfolio={"candidate": {"name": "Léa Moreau", "student_id": "21904512"}})
    document = report.build(run_check(root, public=True))
    assert_valid(document)
    assert document["dossier"]["candidate"] == {"name": "Léa Moreau"}
    assert document["dossier"]["public"] is True


def test_report_in_english(project):
    root = project({"docs/a.md": evidence_page("D1.1", "D9.9")}, portfolio={"language": "en"})
    document = report.build(run_check(root))
    assert_valid(document)
    assert document["language"] == "en"
    assert document["problems"][0]["message"] == "unknown competency 'D9.9' in referential c2i1-2011"
    assert document["outcome"]["reasons"] == ["the jury has not sat yet (no jury.yml)"]


def test_report_with_an_unknown_referential_still_validates(project):
    root = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"referential": "inconnu"})
    dossier = run_check(root)
    assert dossier.config_failed
    document = report.build(dossier)
    assert_valid(document)
    assert document["referential"] == {"id": "inconnu", "title": "", "version": "", "rules": None}
    assert document["summary"]["competencies"] == 0


def test_report_of_a_certified_dossier(project):
    decisions = "".join(f"  {c}: validated\n" for c in C2I1_CODES)
    qcm = "".join(f"  D{i}: {{passed: true}}\n" for i in range(1, 6))
    root = project({
        "docs/a.md": evidence_page(*C2I1_CODES),
        "jury.yml": f"session: s\ndate: 2024-06-20\ninstitution: U\nmembers: [A]\ndecisions:\n{decisions}qcm:\n{qcm}",
    })
    document = report.build(run_check(root))
    assert_valid(document)
    outcome = document["outcome"]
    assert outcome["decision"] == "certified"
    assert outcome["validated_domains"] == ["D1", "D2", "D3", "D4", "D5"]
    assert outcome["validated_competencies"] == C2I1_CODES
    assert outcome["reasons"] == ["toutes les compétences (20/20) sont validées"]


def test_json_is_deterministic(dossier):
    first = report.to_json(report.build(dossier))
    second = report.to_json(report.build(dossier))
    assert first == second
    assert first.endswith("\n")
    assert json.loads(first)["summary"]["covered"] == 19
    assert "Léa" in first  # not \u-escaped


def test_csv_has_a_bom_semicolons_and_one_row_per_competency(dossier):
    text = report.to_csv(report.build(dossier))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0] == [
        "code domaine", "domaine", "code", "compétence", "statut", "nombre de preuves", "preuves", "chemins",
        "types de preuve", "avis du tuteur", "décision du jury",
    ]
    assert len(rows) == 21
    assert all(len(row) == 11 for row in rows)
    assert rows[1][:8] == ["D1", "Travailler dans un environnement numérique évolutif", "D1.1",
                           "Organiser un espace de travail complexe", "couverte", "1", "Rapport de stage", "productions/stage.md"]
    assert rows[1][8:] == ["Production issue d'un enseignement", "", "validée"]
    d41 = next(r for r in rows if r[2] == "D4.1")
    assert d41[9] == "acquis"
    assert rows[-1][2:5] == ["D5.3", "Élaborer une production dans un contexte collaboratif", "manquante"]
    assert "\r\n" in text
    text.encode("utf-8")


def test_csv_in_english(project):
    root = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"language": "en"})
    rows = list(csv.reader(io.StringIO(report.to_csv(report.build(run_check(root)))[1:]), delimiter=";"))
    assert rows[0][:3] == ["domain code", "domain", "code"]
    assert rows[1][4] == "covered" and rows[2][4] == "missing"
