"""Issue 15 through the whole pipeline: proficiency levels, the session's QCM setting, the
conditions a jury attests; each bad input a problem at file:line with a hint."""

from __future__ import annotations

import json

import pytest

from portfolio_builder.core import referential as referential_mod
from portfolio_builder.core import report as report_mod
from portfolio_builder.core import schemas
from tests.conftest import C2I1_CODES, check_problems, evidence_page, run_check

REGISTERED = {"institution": "Université de Valcourt", "session": "2024-juin", "candidate": {"name": "Léa Moreau"}}
CRCN = {**REGISTERED, "referential": "crcn-2019"}
CRCN_CODES = list(referential_mod.load_shipped("crcn-2019").competencies)


def crcn_page(levels: dict[str, object], title: str = "Une preuve") -> str:
    """Lines: 1 ---, 2 title, 3 type, 4 date, 5 competencies:, then 2 lines per claim (code, level)."""
    lines = ["---", f"title: {title}", "type: coursework", "date: 2024-03-12", "competencies:"]
    for code, level in levels.items():
        lines += [f'  - code: "{code}"', f"    level: {level}"]
    return "\n".join(lines) + "\n---\n# Une preuve\n"


def jury(decisions: dict[str, str], extra: str = "") -> str:
    """Lines: 1 session, 2 date, 3 institution, 4 members, 5 decisions:, 6… one a line, then ``extra``."""
    text = "session: 2024-juin\ndate: 2024-06-20\ninstitution: Université de Valcourt\nmembers: [Mme Durand]\ndecisions:\n"
    text += "".join(f'  "{code}": {value}\n' for code, value in decisions.items())
    return text + extra


def review(evidence: str, verdicts: dict[str, str], levels: dict[str, int]) -> str:
    text = f"evidence: {evidence}\nreviewer: M. Martin\ndate: 2024-04-01\nverdicts:\n"
    text += "".join(f'  "{c}": {v}\n' for c, v in verdicts.items())
    return text + "levels:\n" + "".join(f'  "{c}": {v}\n' for c, v in levels.items())


def test_highest_level_evidenced_reviewed_and_validated(project):
    root = project(
        {
            "docs/a.md": crcn_page({"1.1": 3, "2.1": 2}),
            "docs/b.md": crcn_page({"1.1": 5}),
            "reviews/a.yml": review("a.md", {"1.1": "met", "2.1": "partially_met"}, {"1.1": 3, "2.1": 2}),
            "reviews/b.yml": review("b.md", {"1.1": "met"}, {"1.1": 4}),
        },
        portfolio=CRCN,
    )
    dossier = run_check(root)
    assert [p.code for p in dossier.problems if p.is_error] == []
    one = dossier.level("1.1")
    assert (one.evidenced, one.reviewed, one.decided, one.validated, one.validated_by) == (5, 4, None, 4, "review")
    two = dossier.level("2.1")  # a level assessed without a `met` verdict is not validated
    assert (two.evidenced, two.reviewed, two.validated) == (2, 2, None)
    assert dossier.level("5.1").evidenced is None
    document = report_mod.build(dossier)
    assert schemas.validator("report").is_valid(document)
    row = next(r for r in document["competencies"] if r["code"] == "1.1")
    assert row["level"] == {"evidenced": 5, "reviewed": 4, "decided": None, "validated": 4, "validated_by": "review", "required": None}
    assert document["referential"]["levels"]["groups"][1] == {"name": "Indépendant", "levels": [3, 4]}
    csv = report_mod.to_csv(document)
    assert "niveau revendiqué;niveau validé" in csv.splitlines()[0]


def test_the_jury_level_wins(project):
    root = project(
        {
            "docs/a.md": crcn_page({"1.1": 5}),
            "reviews/a.yml": review("a.md", {"1.1": "met"}, {"1.1": 4}),
            "jury.yml": jury({"1.1": "validated"}, 'levels:\n  "1.1": 3\n'),
        },
        portfolio=CRCN,
    )
    level = run_check(root).level("1.1")
    assert (level.decided, level.validated, level.validated_by) == (3, 3, "jury")


def test_a_referential_without_levels_stays_as_today(project):
    root = project({"docs/a.md": evidence_page(*C2I1_CODES)}, portfolio=REGISTERED)
    dossier = run_check(root)
    document = report_mod.build(dossier)
    assert document["referential"]["levels"] is None
    assert all(row["level"] is None for row in document["competencies"])
    assert "niveau" not in report_mod.to_csv(document).splitlines()[0]


@pytest.mark.parametrize(
    "level, code, line",
    [
        ("9", "level-out-of-range", 7),
        ("0", "level-out-of-range", 7),
        ('"12"', "level-out-of-range", 7),
        ("quatre", "schema", 7),
        ("4.5", "schema", 7),
        ("true", "schema", 7),
        ("²", "schema", 7),  # a superscript digit is a digit to Python, never a level
        ("٣", "schema", 7),  # so is an Arabic-Indic three
        ("9" * 400, "schema", 7),  # a huge number is text, reported, never converted
        ("[4]", "schema", 7),
    ],
)
def test_bad_levels_in_evidence(project, level, code, line):
    root = project({"docs/p.md": crcn_page({"2.1": level})}, portfolio=CRCN)
    found = [p for p in run_check(root).problems if p.file == "docs/p.md"]
    assert (code, "docs/p.md", line) in [(p.code, p.file, p.line) for p in found], found
    problem = next(p for p in found if p.code == code)
    for lang in ("fr", "en"):
        assert problem.format(lang)
    if code == "level-out-of-range":
        assert problem.hint("fr") == "les niveaux vont de 1 à 8"
    # The claim still counts for coverage, without its level.
    dossier = run_check(root)
    assert dossier.coverage.by_code["2.1"].covered and dossier.level("2.1").evidenced is None


def test_a_level_on_a_referential_without_levels(project):
    page = "---\ntitle: T\ntype: coursework\ndate: 2024-03-12\ncompetencies:\n  - code: D1.1\n    level: 4\n---\n"
    root = project(
        {"docs/p.md": page, "reviews/r.yml": "evidence: p.md\nreviewer: M\ndate: 2024-04-01\nverdicts: {D1.1: met}\nlevels: {D1.1: 3}\n"},
        portfolio=REGISTERED,
    )
    found = [(p.code, p.file, p.line) for p in run_check(root).problems if p.code == "level-without-levels"]
    assert found == [("level-without-levels", "docs/p.md", 7), ("level-without-levels", "reviews/r.yml", 5)]
    problem = next(p for p in run_check(root).problems if p.code == "level-without-levels")
    assert "c2i1-2011" in problem.message("fr") and problem.hint("en").startswith("remove 'level'")


def test_levels_of_the_jury_and_reviews_are_checked(project):
    root = project(
        {
            "docs/a.md": crcn_page({"1.1": 3}),
            "reviews/a.yml": review("a.md", {"1.1": "met"}, {"1.1": 11, "9.9": 2}),
            "jury.yml": jury({"1.1": "validated"}, 'levels:\n  "1.1": 42\n  "1.9": 2\n'),
        },
        portfolio=CRCN,
    )
    found = sorted((p.code, p.file, p.line) for p in run_check(root).problems if p.is_error)
    assert found == [
        ("level-out-of-range", "jury.yml", 8),
        ("level-out-of-range", "reviews/a.yml", 7),
        ("unknown-competency", "jury.yml", 9),
        ("unknown-competency", "reviews/a.yml", 8),
    ]


LOCAL = """\
id: local-crcn
title: CRCN, exigences de l'établissement
version: "1"
language: fr
source:
  legal_basis: délibération du conseil d'administration
levels:
  min: 1
  max: 8
  groups:
    - {name: Novice, levels: [1, 2]}
    - {name: Autre, levels: [2, 9]}
domains:
  - code: "1"
    title: Information et données
    competencies:
      - {code: "1.1", title: Mener une recherche et une veille d'information}
      - {code: "1.2", title: Gérer des données}
rules:
  validation: all
  min_level:
    "1": 3
    "1.2": 12
    "7.7": 2
"""


def test_a_local_referential_with_bad_levels(project):
    root = project({"ref.yml": LOCAL, "docs/a.md": crcn_page({"1.1": 3})}, portfolio={**REGISTERED, "referential": "ref.yml"})
    found = sorted(p for p in check_problems(root) if p[1] == "ref.yml")
    assert found == [
        ("duplicate-code", "ref.yml", 12),  # level 2 in two groups
        ("level-out-of-range", "ref.yml", 12),  # level 9 of an 8-level scale
        ("level-out-of-range", "ref.yml", 23),  # min_level 12
        ("unknown-competency", "ref.yml", 24),  # min_level of a code that does not exist
    ]


def test_min_level_without_levels(project):
    text = LOCAL.split("levels:\n  min")[0] + "domains:" + LOCAL.split("domains:", 1)[1].replace('"1.2": 12', '"1.2": 2').replace('    "7.7": 2\n', "")
    root = project({"ref.yml": text, "docs/a.md": evidence_page("1.1")}, portfolio={**REGISTERED, "referential": "ref.yml"})
    found = sorted((p[0], p[1]) for p in check_problems(root) if p[1] == "ref.yml")
    assert found == [("level-without-levels", "ref.yml"), ("level-without-levels", "ref.yml")]


def test_min_level_decides_the_outcome(project):
    text = LOCAL.replace("    - {name: Autre, levels: [2, 9]}\n", "").replace('"1.2": 12', '"1.2": 4').replace('    "7.7": 2\n', "")
    decisions = {"1.1": "validated", "1.2": "validated"}
    root = project(
        {"ref.yml": text, "docs/a.md": crcn_page({"1.1": 3, "1.2": 4}), "jury.yml": jury(decisions, 'levels:\n  "1.1": 3\n  "1.2": 3\n')},
        portfolio={**REGISTERED, "referential": "ref.yml"},
    )
    dossier = run_check(root)
    assert dossier.outcome.decision == "not_certified"
    # The local scale names only levels 1–2 ("Novice"): 3 and 4 print as bare numbers.
    assert [r.text("fr") for r in dossier.outcome.reasons] == ["1.2 validée au niveau 3, niveau 4 exigé"]
    assert dossier.level("1.1").required == 3 and dossier.level("1.2").required == 4


# --- conditions only a jury can attest ---------------------------------------------------------

C2I2E = referential_mod.load_shipped("c2i2e-2011")
ALL_C2I2E = {c: "validated" for c in C2I2E.competencies}


@pytest.mark.parametrize(
    "extra, decision, says",
    [
        ("", "pending", "non certifié tant que le jury n'a pas attesté : au moins une situation réelle"),
        ("conditions:\n  face-to-face: met\n", "certified", "28 compétences validées sur 28"),
        ("conditions:\n  face-to-face: not_met\n", "not_certified", "condition non remplie : au moins une situation réelle"),
    ],
)
def test_c2i2e_face_to_face_condition(project, extra, decision, says):
    root = project(
        {"docs/a.md": evidence_page(*C2I2E.competencies), "jury.yml": jury(ALL_C2I2E, extra)},
        portfolio={**REGISTERED, "referential": "c2i2e-2011"},
    )
    dossier = run_check(root)
    assert [p for p in dossier.problems if p.is_error] == []
    assert dossier.outcome.decision == decision
    assert any(r.text("fr").startswith(says) for r in dossier.outcome.reasons)
    document = report_mod.build(dossier)
    assert document["outcome"]["conditions"][0]["id"] == "face-to-face"
    assert schemas.validator("report").is_valid(document)


def test_the_forecast_names_the_conditions(project):
    root = project({"docs/a.md": evidence_page(*C2I2E.competencies)}, portfolio={**REGISTERED, "referential": "c2i2e-2011"})
    needs = [n.text("fr") for n in run_check(root).forecast.needs]
    assert needs[-1].startswith("à attester par le jury : au moins une situation réelle d'enseignement")


@pytest.mark.parametrize(
    "name, hint",
    [
        ("face-a-face", "vouliez-vous dire face-to-face ?"),
        ("'<script>alert(1)</script>'", "conditions prévues : face-to-face"),
        ("stage", "conditions prévues : face-to-face"),
    ],
)
def test_an_unknown_condition(project, name, hint):
    root = project(
        {"docs/a.md": evidence_page(*C2I2E.competencies), "jury.yml": jury(ALL_C2I2E, f"conditions:\n  {name}: met\n")},
        portfolio={**REGISTERED, "referential": "c2i2e-2011"},
    )
    dossier = run_check(root)
    problem = next(p for p in dossier.problems if p.code == "unknown-condition")
    assert (problem.file, problem.line) == ("jury.yml", 35)
    assert problem.hint("fr") == hint
    assert dossier.jury is None  # a jury file with errors gives no outcome


# --- the QCM as the session's setting ------------------------------------------------------------

C2I2MI = referential_mod.load_shipped("c2i2mi-2011")
ALL_MI = {c: "validated" for c in C2I2MI.competencies}


def test_c2i2mi_requires_the_qcm_by_default_and_says_how_sure(project):
    root = project({"docs/a.md": evidence_page(*C2I2MI.competencies), "jury.yml": jury(ALL_MI)}, portfolio={**REGISTERED, "referential": "c2i2mi-2011"})
    dossier = run_check(root)
    assert dossier.outcome.decision == "pending"
    assert [m.text("fr") for m in dossier.outcome.missing] == [f"résultat du QCM du domaine D{i}" for i in range(1, 6)]
    from portfolio_builder.core import view

    (line,) = view.qcm_setting_lines(report_mod.build(dossier))
    assert line.startswith("QCM exigé — D1, D2, D3, D4, D5 : règle par défaut du référentiel ; certitude : probable, à confirmer")
    assert "docplayer.fr/5523496" in line
    domain = report_mod.build(dossier)["domains"][0]
    assert domain["qcm_required"] == {"required": True, "by": "referential", "file": "", "certainty": "probable"}


def test_the_jury_waives_the_qcm_for_its_session(project):
    extra = "qcm_required: false\n"
    root = project(
        {"docs/a.md": evidence_page(*C2I2MI.competencies), "jury.yml": jury(ALL_MI, extra)},
        portfolio={**REGISTERED, "referential": "c2i2mi-2011"},
    )
    dossier = run_check(root)
    assert dossier.outcome.decision == "certified"
    from portfolio_builder.core import view

    assert view.qcm_setting_lines(report_mod.build(dossier)) == ["QCM non exigé — D1, D2, D3, D4, D5 : décidé par le jury pour cette session (jury.yml)"]


def test_the_jury_requires_it_per_domain_and_names_only_known_domains(project):
    extra = "qcm_required:\n  D4: true\n  D9: true\nqcm:\n  D4: {passed: true}\n"
    root = project(
        {"docs/a.md": evidence_page("D1.1"), "jury.yml": jury({"D1.1": "validated"}, extra)},
        portfolio={**REGISTERED, "referential": "c2i2md-2011"},
    )
    problems = [(p.code, p.file, p.line) for p in run_check(root).problems if p.is_error]
    assert ("unknown-domain", "jury.yml", 9) in problems
    fixed = extra.replace("  D9: true\n", "")
    (root / "jury.yml").write_text(jury(dict.fromkeys(referential_mod.load_shipped("c2i2md-2011").competencies, "validated"), fixed), encoding="utf-8")
    dossier = run_check(root)
    assert [p for p in dossier.problems if p.code == "unknown-domain"] == []  # D4's result is not ignored: required
    assert dossier.outcome.decision == "certified"
    assert dossier.qcm["D4"].by == "jury" and dossier.qcm["D5"].by == "referential" and not dossier.qcm["D5"].required


def test_report_page_data_shows_levels_and_settings(project):
    from portfolio_builder.core import view

    root = project({"docs/a.md": crcn_page({"1.1": 3})}, portfolio=CRCN)
    dossier = run_check(root)
    page = view.report_page(report_mod.build(dossier), lambda src: "/" + src)
    row = page["domains"][0]["competencies"][0]
    assert row["level"]["evidenced"] == "3 (Indépendant)" and row["level"]["validated"] == ""
    assert page["levels_scale"]["groups"][0] == {"name": "Novice", "levels": "1–2"}
    assert page["qcm_settings"] == [] and page["conditions"] == []
    c2i1 = run_check(project({"docs/a.md": evidence_page("D1.1")}, portfolio=REGISTERED))
    assert view.report_page(report_mod.build(c2i1), lambda src: "/" + src)["domains"][0]["competencies"][0]["level"] is None


def test_schemas_describe_the_new_fields():
    jury_schema = json.loads((schemas.schema_dir() / "jury.schema.json").read_text(encoding="utf-8"))
    assert {"levels", "conditions", "qcm_required"} <= set(jury_schema["properties"])
    # The existing jury format stays valid: none of the new fields is required.
    assert set(jury_schema["required"]) == {"session", "date", "institution", "members", "decisions"}


@pytest.mark.parametrize("key", ["qcm_required", "cohort_qcm", "qcm_per_domain"])
def test_a_dossier_cannot_waive_its_own_qcm(project, key):
    """The QCM setting belongs to the jury and the institution: a candidate's mkdocs.yml cannot set it."""
    root = project({"docs/a.md": evidence_page(*C2I1_CODES)}, portfolio={**REGISTERED, key: False})
    dossier = run_check(root)
    assert any(p.file == "mkdocs.yml" and p.is_error for p in dossier.problems)
    assert all(setting.required and setting.by == "referential" for setting in dossier.qcm.values())


def test_a_cohort_dossier_cannot_pass_a_qcm_setting_through_untrusted_settings(project):
    from portfolio_builder.core.check import check_project
    from portfolio_builder.core.project import Untrusted, load_project

    root = project({"docs/a.md": evidence_page(*C2I1_CODES)}, portfolio={**REGISTERED, "cohort_file": "x.yml"})
    loaded = load_project(root, untrusted=Untrusted())
    assert loaded.settings.cohort_qcm == () and loaded.settings.cohort_file == ""
    assert all(s.required for s in check_project(loaded).qcm.values())
