"""jury: jury.yml (decisions and QCM), attestations of earlier attempts, and the outcome they give."""

from __future__ import annotations

from portfolio_builder.core import jury as jury_mod
from portfolio_builder.core.referential import load_shipped
from tests.conftest import C2I1_CODES, check_problems, evidence_page, run_check

REGISTERED = {"institution": "Université de Valcourt", "session": "2024-juin", "candidate": {"name": "Léa Moreau", "student_id": "21904512"}}


def jury_text(decisions: dict[str, str], qcm: dict[str, bool] | None = None, **top: str) -> str:
    """Lines: 1 session, 2 date, 3 institution, 4 members, 5 decisions:, 6… one a line, then qcm."""
    fields = {"session": "2024-juin", "date": "2024-06-20", "institution": "Université de Valcourt", **top}
    text = "".join(f"{k}: {v}\n" for k, v in fields.items())
    text += "members: [Mme Durand, M. Petit]\ndecisions:\n"
    text += "".join(f"  {code}: {value}\n" for code, value in decisions.items())
    if qcm is not None:
        text += "qcm:\n" + "".join(f"  {d}: {{passed: {str(p).lower()}, score: 14.5}}\n" for d, p in qcm.items())
    return text


def attestation(referential="c2i1-2011", domains="[D1, D2]", session="2023-juin", student_id="21904512", name="Léa Moreau") -> str:
    """Lines: 1 referential, 2 candidate:, 3 name, 4 student_id, 5 session, 6 institution, 7 date, 8 validated_domains."""
    return (
        f"referential: {referential}\n"
        f"candidate:\n  name: {name}\n  student_id: '{student_id}'\n"
        f"session: {session}\n"
        "institution: Université de Valcourt\n"
        "date: 2023-06-30\n"
        f"validated_domains: {domains}\n"
    )


ALL = {code: "validated" for code in C2I1_CODES}
QCM_OK = {d: True for d in ("D1", "D2", "D3", "D4", "D5")}


def full_dossier(project, files, **portfolio):
    return project({"docs/a.md": evidence_page(*C2I1_CODES), **files}, portfolio={**REGISTERED, **portfolio})


def test_jury_file_is_read(project):
    root = full_dossier(project, {"jury.yml": jury_text(ALL, QCM_OK, comment="'Félicitations.'")})
    dossier = run_check(root)
    assert dossier.problems == []
    jury = dossier.jury
    assert (jury.file, jury.session, jury.date, jury.institution) == ("jury.yml", "2024-juin", "2024-06-20", "Université de Valcourt")
    assert jury.members == ["Mme Durand", "M. Petit"]
    assert jury.decisions == ALL
    assert jury.qcm["D3"] == jury_mod.QcmResult(True, 14.5)
    assert jury.comment == "Félicitations."
    assert dossier.outcome.decision == "certified"


def test_no_jury_file_is_pending(project):
    dossier = run_check(full_dossier(project, {}))
    assert dossier.jury is None
    assert dossier.outcome.decision == "pending"
    assert [r.text("fr") for r in dossier.outcome.reasons] == ["le jury n'a pas encore statué (pas de fichier jury.yml)"]


def test_bad_jury_file_at_its_lines(project):
    text = (
        "session: 2024-juin\n"
        "date: 20/06/2024\n"  # 2
        "institution: Université de Valcourt\n"
        "members: []\n"  # 4
        "decisions:\n"
        "  D1.1: valide\n"  # 6
        "  D1.9: validated\n"  # 7
        "qcm:\n"
        "  D7: {passed: true}\n"  # 9
        "  D2: {passed: oui}\n"  # 10
        "  D3: {score: 12}\n"  # 11
        "president: Mme Durand\n"  # 12
    )
    dossier = run_check(full_dossier(project, {"jury.yml": text}))
    found = sorted((p.code, p.file, p.line) for p in dossier.problems)
    assert found == [
        ("schema", "jury.yml", 2),  # date
        ("schema", "jury.yml", 4),  # no member
        ("schema", "jury.yml", 6),  # decision value
        ("schema", "jury.yml", 10),  # passed is not a boolean
        ("schema", "jury.yml", 11),  # passed missing
        ("schema", "jury.yml", 12),  # unknown field
        ("unknown-competency", "jury.yml", 7),
        ("unknown-domain", "jury.yml", 9),
    ]
    messages = {p.line: p for p in dossier.problems}
    assert messages[2].hint("fr") == "écrivez AAAA-MM-JJ, par exemple 2024-06-20"
    assert messages[6].hint("fr") == "vouliez-vous dire validated ?"
    assert messages[9].message("fr") == "domaine inconnu « D7 »"
    # A jury file with errors gives no outcome: the jury fixes it first.
    assert dossier.jury is None
    assert dossier.outcome.decision == "pending"


def test_jury_of_another_institution_or_session(project):
    text = jury_text(ALL, QCM_OK, session="2024-sept", institution="Université d'Ailleurs")
    found = check_problems(full_dossier(project, {"jury.yml": text}))
    assert found == [("attestation-mismatch", "jury.yml", 1), ("attestation-mismatch", "jury.yml", 3)]


def test_qcm_where_the_referential_requires_none(project):
    ref = load_shipped("c2i2e-2011")
    root = project(
        {
            "docs/a.md": evidence_page(*ref.competencies),
            # Issue 15: the C2i2e also needs the jury to attest the face-to-face teaching situation.
            "jury.yml": jury_text({c: "validated" for c in ref.competencies}, {"A.1": True}) + "conditions:\n  face-to-face: met\n",
        },
        portfolio={**REGISTERED, "referential": "c2i2e-2011"},
    )
    dossier = run_check(root)
    assert [(p.severity, p.code, p.line) for p in dossier.problems] == [("warning", "unknown-domain", 35)]
    assert dossier.problems[0].message("en") == "this referential requires no QCM; the result for domain A.1 is ignored"
    assert dossier.outcome.decision == "certified"


def test_custom_jury_path(project):
    root = full_dossier(project, {"jury/decisions.yml": jury_text(ALL, QCM_OK)}, jury="jury/decisions.yml")
    dossier = run_check(root)
    assert dossier.jury.file == "jury/decisions.yml"
    assert dossier.outcome.decision == "certified"


def test_load_jury_directly(project):
    root = full_dossier(project, {"jury.yml": jury_text({"D1.1": "validated", "D1.2": "not_validated"}, {"D1": False})})
    jury, problems = jury_mod.load_jury(root / "jury.yml", load_shipped("c2i1-2011"))
    assert problems == []
    assert jury.decisions == {"D1.1": "validated", "D1.2": "not_validated"}
    assert jury.qcm == {"D1": jury_mod.QcmResult(False, 14.5)}


# --- outcomes through the whole check ------------------------------------------------------


def test_one_qcm_failed_gives_an_attestation_of_the_other_domains(project):
    root = full_dossier(project, {"jury.yml": jury_text(ALL, {**QCM_OK, "D2": False})})
    outcome = run_check(root).outcome
    assert outcome.decision == "not_certified"
    assert [r.text("fr") for r in outcome.reasons] == ["QCM du domaine D2 non réussi"]
    assert outcome.validated_domains == ["D1", "D3", "D4", "D5"]


def test_missing_decisions_are_listed(project):
    decisions = {c: "validated" for c in C2I1_CODES if c != "D3.2"}
    root = full_dossier(project, {"jury.yml": jury_text(decisions, {d: True for d in ("D1", "D2", "D3", "D4")})})
    outcome = run_check(root).outcome
    assert outcome.decision == "pending"
    assert [m.text("fr") for m in outcome.missing] == ["décision du jury pour D3.2", "résultat du QCM du domaine D5"]


# --- attestations -----------------------------------------------------------------------------


def test_attestation_carries_its_domains_over(project):
    decisions = {c: "validated" for c in C2I1_CODES if c[:2] in ("D3", "D4", "D5")}
    root = full_dossier(
        project,
        {"attestations/2023.yml": attestation(), "jury.yml": jury_text(decisions, {"D3": True, "D4": True, "D5": True})},
        previous_attestations=["attestations/2023.yml"],
    )
    dossier = run_check(root)
    # Training mode: the unsigned YAML counts, with a warning at its previous_attestations entry.
    assert [(p.code, p.severity, p.file) for p in dossier.problems] == [("attestation-unsigned", "warning", "mkdocs.yml")]
    [att] = dossier.attestations
    assert (att.file, att.referential, att.session, att.validated_domains) == ("attestations/2023.yml", "c2i1-2011", "2023-juin", ["D1", "D2"])
    assert dossier.outcome.decision == "certified"
    assert dossier.outcome.carried_over_domains == ["D1", "D2"]
    assert dossier.outcome.domain_status["D1"] == "carried"


def test_attestation_for_another_referential(project):
    root = full_dossier(project, {"att.yml": attestation(referential="c2i2e-2011")}, previous_attestations=["att.yml"])
    dossier = run_check(root)
    assert [(p.code, p.file, p.line) for p in dossier.problems] == [("attestation-mismatch", "att.yml", 1)]
    assert dossier.problems[0].message("fr") == "attestation du référentiel « c2i2e-2011 », mais le dossier suit « c2i1-2011 »"
    assert dossier.attestations == []
    assert dossier.outcome.carried_over_domains == []


def test_attestation_of_another_candidate_or_session(project):
    root = full_dossier(
        project,
        {
            "a.yml": attestation(student_id="99999999"),
            "b.yml": attestation(name="Lea Morot"),
            "c.yml": attestation(session="2024-juin"),
            "d.yml": attestation(domains="[D1, D9]"),
        },
        previous_attestations=["a.yml", "b.yml", "c.yml", "d.yml", "e.yml"],
    )
    dossier = run_check(root)
    assert [(p.severity, p.code, p.file, p.line) for p in dossier.problems] == [
        ("error", "attestation-mismatch", "a.yml", 4),
        ("warning", "attestation-mismatch", "b.yml", 3),
        ("error", "attestation-mismatch", "c.yml", 5),
        ("error", "unknown-domain", "d.yml", 8),
        ("warning", "attestation-unsigned", "mkdocs.yml", 15),  # b.yml: unsigned, counted in training
        ("error", "config", "mkdocs.yml", 18),
    ]
    # Only the attestation with a mere warning (a spelling of the name) counts.
    assert [a.file for a in dossier.attestations] == ["b.yml"]


def test_bad_attestation_file(project):
    text = "referential: c2i1-2011\ncandidate: {name: Léa Moreau}\nsession: 2023-juin\ndate: 30/06/2023\nvalidated_domains: D1\n"
    root = full_dossier(project, {"att.yml": text}, previous_attestations=["att.yml"])
    assert sorted(check_problems(root)) == [("schema", "att.yml", 1), ("schema", "att.yml", 4), ("schema", "att.yml", 5)]
