"""rules: the certification rules engine and the forecast, driven by a table of cases."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from portfolio_builder.core import rules
from portfolio_builder.core.referential import Competency, Domain, Referential, Rules, load_shipped
from tests.conftest import C2I1_CODES

C2I1 = load_shipped("c2i1-2011")
C2I2E = load_shipped("c2i2e-2011")
C2I2MS = load_shipped("c2i2ms-2011")


def local(min_validated: int = 4, per_domain: int = 1) -> Referential:
    """Two domains of three competencies, threshold rule: its own numbers, nothing shipped."""
    domains = tuple(
        Domain(d, f"Domaine {d}", tuple(Competency(f"{d}.{i}", f"Compétence {d}.{i}", d) for i in (1, 2, 3)))
        for d in ("X1", "X2")
    )
    return Referential(
        id="local-2024", title="Local", short_title="Local", version="1", language="fr", legal_basis="CA",
        domains=domains, rules=Rules("threshold", min_validated, per_domain, False),
    )


LOCAL = local()


def decide(ref: Referential, not_validated=(), undecided=()) -> dict[str, str]:
    return {c: ("not_validated" if c in not_validated else "validated") for c in ref.competencies if c not in undecided}


QCM_ALL = {d.code: True for d in C2I1.domains}


@dataclass
class RuleCase:
    referential: Referential
    decisions: dict[str, str] | None
    qcm: dict[str, bool] | None
    decision: str
    reasons: list[str]
    validated_domains: list[str]
    missing: list[str] = field(default_factory=list)
    carried: frozenset[str] = frozenset()


CASES = {
    "c2i1 all validated, all QCM passed": RuleCase(
        C2I1, decide(C2I1), QCM_ALL, "certified",
        ["toutes les compétences (20/20) sont validées"], ["D1", "D2", "D3", "D4", "D5"],
    ),
    "c2i1 one competency not validated": RuleCase(
        C2I1, decide(C2I1, not_validated={"D4.4"}), QCM_ALL, "not_certified",
        ["D4.4 non validée"], ["D1", "D2", "D3", "D5"],
    ),
    "c2i1 one QCM failed": RuleCase(
        C2I1, decide(C2I1), {**QCM_ALL, "D2": False}, "not_certified",
        ["QCM du domaine D2 non réussi"], ["D1", "D3", "D4", "D5"],
    ),
    "c2i1 several failures, no compensation": RuleCase(
        C2I1, decide(C2I1, not_validated={"D1.2", "D5.3"}), {**QCM_ALL, "D3": False}, "not_certified",
        ["D1.2 non validée", "QCM du domaine D3 non réussi", "D5.3 non validée"], ["D2", "D4"],
    ),
    "c2i1 decisions incomplete": RuleCase(
        C2I1, decide(C2I1, undecided={"D3.2", "D5.1"}), {k: v for k, v in QCM_ALL.items() if k != "D4"}, "pending",
        ["en attente : 2 décision(s) et 1 résultat(s) de QCM manquants"], ["D1", "D2"],
        ["décision du jury pour D3.2", "décision du jury pour D5.1", "résultat du QCM du domaine D4"],
    ),
    "c2i1 no jury yet": RuleCase(
        C2I1, None, None, "pending", ["le jury n'a pas encore statué (pas de fichier jury.yml)"], [],
    ),
    "c2i1 carry-over completes the certification": RuleCase(
        C2I1, {c: "validated" for c in C2I1_CODES if c[:2] in ("D3", "D4", "D5")}, {"D3": True, "D4": True, "D5": True},
        "certified", ["toutes les compétences (20/20) sont validées"], ["D1", "D2", "D3", "D4", "D5"],
        carried=frozenset({"D1", "D2"}),
    ),
    "c2i1 carry-over overrides a refusal in that domain": RuleCase(
        C2I1, decide(C2I1, not_validated={"D1.1"}), {**QCM_ALL, "D1": False}, "certified",
        ["toutes les compétences (20/20) sont validées"], ["D1", "D2", "D3", "D4", "D5"],
        carried=frozenset({"D1", "X9"}),
    ),
    "c2i1 carry-over but still one failure": RuleCase(
        C2I1, {c: "validated" for c in C2I1_CODES if c[:2] != "D1"} | {"D5.3": "not_validated"}, {d: True for d in ("D2", "D3", "D4", "D5")},
        "not_certified", ["D5.3 non validée"], ["D1", "D2", "D3", "D4"], carried=frozenset({"D1"}),
    ),
    "c2i2ms QCM required too": RuleCase(
        C2I2MS, decide(C2I2MS), {"D1": True, "D2": True, "D3": True}, "pending",
        ["en attente : 0 décision(s) et 1 résultat(s) de QCM manquants"], ["D1", "D2", "D3"], ["résultat du QCM du domaine D4"],
    ),
    "c2i2e exactly 23/28, at most 2 per domain": RuleCase(
        C2I2E, decide(C2I2E, not_validated={"A.1-1", "A.1-2", "B.2-1", "B.2-2", "B.3-1"}), None, "certified",
        ["23 compétences validées sur 28, dans la limite de non-validation par domaine"], ["A.2", "A.3", "B.1", "B.4"],
    ),
    "c2i2e 23/28 with 3 missing in B.2": RuleCase(
        C2I2E, decide(C2I2E, not_validated={"A.1-1", "A.1-2", "B.2-1", "B.2-2", "B.2-3"}), None, "not_certified",
        ["3 compétences non validées dans le domaine B.2 (maximum 2)"], ["A.2", "A.3", "B.1", "B.3", "B.4"],
    ),
    "c2i2e 22/28": RuleCase(
        C2I2E, decide(C2I2E, not_validated={"A.1-1", "A.1-2", "B.2-1", "B.2-2", "B.3-1", "B.3-2"}), None, "not_certified",
        ["22 compétences validées sur 28 (minimum 23)"], ["A.2", "A.3", "B.1", "B.4"],
    ),
    "c2i2e all 28": RuleCase(
        C2I2E, decide(C2I2E), None, "certified",
        ["28 compétences validées sur 28, dans la limite de non-validation par domaine"],
        ["A.1", "A.2", "A.3", "B.1", "B.2", "B.3", "B.4"],
    ),
    "c2i2e undecided is pending, not a failure": RuleCase(
        C2I2E, decide(C2I2E, not_validated={"A.1-1"}, undecided={"B.4-1", "B.4-2", "B.4-3", "B.3-1", "B.3-2", "B.3-3"}), None, "pending",
        ["en attente : 6 décision(s) et 0 résultat(s) de QCM manquants"], ["A.2", "A.3", "B.1", "B.2"],
        [f"décision du jury pour {c}" for c in ("B.3-1", "B.3-2", "B.3-3", "B.4-1", "B.4-2", "B.4-3")],
    ),
    "local threshold met": RuleCase(
        LOCAL, decide(LOCAL, not_validated={"X1.1", "X2.3"}), None, "certified",
        ["4 compétences validées sur 6, dans la limite de non-validation par domaine"], [],
    ),
    "local threshold: too many in one domain": RuleCase(
        LOCAL, decide(LOCAL, not_validated={"X1.1", "X1.2"}), None, "not_certified",
        ["2 compétences non validées dans le domaine X1 (maximum 1)"], ["X2"],
    ),
    "local threshold: below minimum and too many": RuleCase(
        LOCAL, decide(LOCAL, not_validated={"X1.1", "X2.1", "X2.2"}), None, "not_certified",
        ["3 compétences validées sur 6 (minimum 4)", "2 compétences non validées dans le domaine X2 (maximum 1)"], [],
    ),
    "local stricter threshold": RuleCase(
        local(min_validated=6, per_domain=0), decide(LOCAL, not_validated={"X2.3"}), None, "not_certified",
        ["5 compétences validées sur 6 (minimum 6)", "1 compétence non validée dans le domaine X2 (maximum 0)"], ["X1"],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_rule_case(name):
    case = CASES[name]
    outcome = rules.evaluate(case.referential, case.decisions, case.qcm, set(case.carried))
    assert outcome.decision == case.decision
    assert [r.text("fr") for r in outcome.reasons] == case.reasons
    assert outcome.validated_domains == case.validated_domains
    assert [m.text("fr") for m in outcome.missing] == case.missing


def test_validated_competencies_include_carried_domains():
    decisions = {c: "validated" for c in C2I1_CODES if c.startswith("D3")}
    outcome = rules.evaluate(C2I1, decisions, {"D3": True}, {"D1"})
    assert outcome.validated_competencies == ["D1.1", "D1.2", "D1.3", "D1.4", "D3.1", "D3.2", "D3.3", "D3.4", "D3.5"]
    assert outcome.carried_over_domains == ["D1"]
    assert outcome.domain_status == {"D1": "carried", "D2": "pending", "D3": "validated", "D4": "pending", "D5": "pending"}


def test_reasons_in_english():
    outcome = rules.evaluate(C2I1, decide(C2I1), {**QCM_ALL, "D2": False})
    assert [r.text("en") for r in outcome.reasons] == ["QCM of domain D2 not passed"]
    outcome = rules.evaluate(C2I2E, decide(C2I2E, not_validated={"B.2-1", "B.2-2", "B.2-3"}), None)
    assert [r.text("en") for r in outcome.reasons] == ["3 competencies not validated in domain B.2 (maximum 2)"]
    outcome = rules.evaluate(C2I1, decide(C2I1, not_validated={"D4.4"}), QCM_ALL)
    assert [r.text("en") for r in outcome.reasons] == ["D4.4 not validated"]


def test_no_rule_is_keyed_on_a_referential_id():
    """The same domains under another id follow the same rules: the engine reads only `rules`."""
    import dataclasses

    renamed = dataclasses.replace(C2I2E, id="anything")
    case = CASES["c2i2e 23/28 with 3 missing in B.2"]
    assert rules.evaluate(renamed, case.decisions, None).decision == "not_certified"
    lenient = dataclasses.replace(C2I2E, rules=Rules("threshold", 23, 3, False))
    assert rules.evaluate(lenient, case.decisions, None).decision == "certified"


# --- forecast --------------------------------------------------------------------------------


def test_forecast_all_rule():
    covered = set(C2I1_CODES) - {"D5.3"}
    met = covered - {"D1.1", "D2.2"}
    forecast = rules.forecast(C2I1, covered, met)
    assert not forecast.likely
    assert forecast.without_evidence == ["D5.3"]
    assert forecast.without_met_verdict == ["D1.1", "D2.2"]
    assert [n.text("fr") for n in forecast.needs] == [
        "D5.3 : aucune preuve",
        "D1.1 : pas encore d'avis « acquis » d'un tuteur",
        "D2.2 : pas encore d'avis « acquis » d'un tuteur",
        "QCM à réussir dans les domaines D1, D2, D3, D4, D5",
    ]


def test_forecast_everything_met():
    forecast = rules.forecast(C2I1, set(C2I1_CODES), set(C2I1_CODES))
    assert forecast.likely
    assert [n.text("en") for n in forecast.needs] == ["QCM to pass in domains D1, D2, D3, D4, D5"]


def test_forecast_with_carried_domains():
    open_codes = {c for c in C2I1_CODES if c[:2] not in ("D1", "D2")}
    forecast = rules.forecast(C2I1, open_codes, open_codes, {"D1", "D2"})
    assert forecast.likely
    assert forecast.without_evidence == []
    assert [n.text("fr") for n in forecast.needs] == ["QCM à réussir dans les domaines D3, D4, D5"]


def test_forecast_threshold_rule():
    codes = set(C2I2E.competencies)
    met = codes - {"B.2-1", "B.2-2", "B.2-3", "A.1-1", "A.1-2", "A.2-1"}
    forecast = rules.forecast(C2I2E, codes, met)
    assert not forecast.likely
    assert [n.text("fr") for n in forecast.needs] == [
        "encore 1 compétence à faire reconnaître « acquise » (22 sur 23 requises)",
        "domaine B.2 : 3 compétences sans avis « acquis » (maximum 2) : B.2-1, B.2-2, B.2-3",
    ]
    forecast = rules.forecast(C2I2E, codes, codes - {"A.1-1", "B.2-1", "B.3-1", "B.4-1", "B.1-1"})
    assert forecast.likely and forecast.needs == []
