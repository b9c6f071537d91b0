"""rules: the certification rules engine and the forecast, driven by a table of cases."""

from __future__ import annotations

import dataclasses
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
FACE_TO_FACE = {"face-to-face": "met"}
FACE_TO_FACE_TITLE = "au moins une situation réelle d'enseignement ou de formation en face-à-face mise en œuvre par le candidat"


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
    conditions: dict[str, str] | None = None
    levels: dict[str, int] | None = None
    qcm_required: set[str] | None = None


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
        conditions=FACE_TO_FACE,
    ),
    "c2i2e 23/28 with 3 missing in B.2": RuleCase(
        C2I2E, decide(C2I2E, not_validated={"A.1-1", "A.1-2", "B.2-1", "B.2-2", "B.2-3"}), None, "not_certified",
        ["3 compétences non validées dans le domaine B.2 (maximum 2)"], ["A.2", "A.3", "B.1", "B.3", "B.4"],
        conditions=FACE_TO_FACE,
    ),
    "c2i2e 22/28": RuleCase(
        C2I2E, decide(C2I2E, not_validated={"A.1-1", "A.1-2", "B.2-1", "B.2-2", "B.3-1", "B.3-2"}), None, "not_certified",
        ["22 compétences validées sur 28 (minimum 23)"], ["A.2", "A.3", "B.1", "B.4"],
        conditions=FACE_TO_FACE,
    ),
    "c2i2e all 28": RuleCase(
        C2I2E, decide(C2I2E), None, "certified",
        ["28 compétences validées sur 28, dans la limite de non-validation par domaine"],
        ["A.1", "A.2", "A.3", "B.1", "B.2", "B.3", "B.4"],
        conditions=FACE_TO_FACE,
    ),
    "c2i2e undecided is pending, not a failure": RuleCase(
        C2I2E, decide(C2I2E, not_validated={"A.1-1"}, undecided={"B.4-1", "B.4-2", "B.4-3", "B.3-1", "B.3-2", "B.3-3"}), None, "pending",
        ["en attente : 6 décision(s) et 0 résultat(s) de QCM manquants"], ["A.2", "A.3", "B.1", "B.2"],
        [f"décision du jury pour {c}" for c in ("B.3-1", "B.3-2", "B.3-3", "B.4-1", "B.4-2", "B.4-3")],
        conditions=FACE_TO_FACE,
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
    outcome = rules.evaluate(
        case.referential, case.decisions, case.qcm, set(case.carried),
        conditions=case.conditions, levels=case.levels, qcm_required=case.qcm_required,
    )
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
    outcome = rules.evaluate(C2I2E, decide(C2I2E, not_validated={"B.2-1", "B.2-2", "B.2-3"}), None, conditions=FACE_TO_FACE)
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
        f"à attester par le jury : {FACE_TO_FACE_TITLE}",  # issue 15: the forecast names the conditions
    ]
    forecast = rules.forecast(C2I2E, codes, codes - {"A.1-1", "B.2-1", "B.3-1", "B.4-1", "B.1-1"})
    assert forecast.likely and [n.text("fr") for n in forecast.needs] == [f"à attester par le jury : {FACE_TO_FACE_TITLE}"]


# --- issue 11 (item 5): outcomes decided as early as they are certain ---------------------------


def levelled(validation: str = "all", min_level=None, min_levels=(), conditions=()) -> Referential:
    """LOCAL with proficiency levels 1 to 8 (and the given rule kind, minimum levels, conditions)."""
    from portfolio_builder.core.referential import Condition, LevelGroup, Levels

    return dataclasses.replace(
        LOCAL,
        levels=Levels(1, 8, (LevelGroup("Novice", (1, 2)), LevelGroup("Indépendant", (3, 4)))),
        rules=Rules(
            validation, 4 if validation == "threshold" else None, 1 if validation == "threshold" else None, False,
            conditions=tuple(Condition(*c) for c in conditions), min_level=min_level, min_levels=tuple(min_levels),
        ),
    )


C2I1_OPEN = {"D3.2", "D5.1", "D5.2"}  # decisions the jury has not taken yet
STILL_OPEN_C2I1 = ["décision du jury pour D3.2", "décision du jury pour D5.1", "décision du jury pour D5.2"]

EARLY = {
    "c2i1 D2's QCM failed, other decisions open": RuleCase(
        C2I1, decide(C2I1, undecided=C2I1_OPEN), {"D1": True, "D2": False}, "not_certified",
        ["QCM du domaine D2 non réussi", "issue certaine : les 6 points encore non statués ne peuvent plus mener à la certification"],
        ["D1"], STILL_OPEN_C2I1 + ["résultat du QCM du domaine D3", "résultat du QCM du domaine D4", "résultat du QCM du domaine D5"],
    ),
    "c2i1 D4.2 not validated, other decisions open": RuleCase(
        C2I1, decide(C2I1, not_validated={"D4.2"}, undecided=C2I1_OPEN), QCM_ALL, "not_certified",
        ["D4.2 non validée", "issue certaine : les 3 points encore non statués ne peuvent plus mener à la certification"],
        ["D1", "D2"], STILL_OPEN_C2I1,
    ),
    "c2i1 everything decided so far is validated: still pending": RuleCase(
        C2I1, decide(C2I1, undecided=C2I1_OPEN), QCM_ALL, "pending",
        ["en attente : 3 décision(s) et 0 résultat(s) de QCM manquants"], ["D1", "D2", "D4"], STILL_OPEN_C2I1,
    ),
    "c2i2e 3 refused in B.2, other decisions open": RuleCase(
        C2I2E, decide(C2I2E, not_validated={"B.2-1", "B.2-2", "B.2-3"}, undecided={"A.1-1", "B.4-1"}), None, "not_certified",
        ["3 compétences non validées dans le domaine B.2 (maximum 2)",
         "issue certaine : les 3 points encore non statués ne peuvent plus mener à la certification"],
        ["A.2", "A.3", "B.1", "B.3"],
        ["décision du jury pour A.1-1", "décision du jury pour B.4-1", f"attestation par le jury : {FACE_TO_FACE_TITLE}"],
    ),
    "c2i2e too many refusals to reach 23, within the per-domain limit": RuleCase(
        C2I2E,
        decide(C2I2E, not_validated={"A.1-1", "A.1-2", "A.3-1", "A.3-2", "B.2-1", "B.3-1"}, undecided={"B.4-1", "B.4-2"}),
        None, "not_certified",
        ["au plus 22 compétences validables sur 28 (minimum 23)",
         "issue certaine : les 2 points encore non statués ne peuvent plus mener à la certification"],
        ["A.2", "B.1"], ["décision du jury pour B.4-1", "décision du jury pour B.4-2"], conditions=FACE_TO_FACE,
    ),
    "c2i2e 5 refused, the rest open: 23 still reachable": RuleCase(
        C2I2E,
        decide(C2I2E, not_validated={"A.1-1", "A.1-2", "A.3-1", "B.2-1", "B.3-1"}, undecided={"B.4-1", "B.4-2"}),
        None, "pending", ["en attente : 2 décision(s) et 0 résultat(s) de QCM manquants"],
        ["A.2", "B.1"], ["décision du jury pour B.4-1", "décision du jury pour B.4-2"], conditions=FACE_TO_FACE,
    ),
}
EARLY["local threshold: 3 refused out of 6 with minimum 4"] = RuleCase(
    LOCAL, {"X1.1": "not_validated", "X2.1": "not_validated", "X1.2": "not_validated"}, None, "not_certified",
    ["au plus 3 compétences validables sur 6 (minimum 4)",
     "2 compétences non validées dans le domaine X1 (maximum 1)",
     "issue certaine : les 3 points encore non statués ne peuvent plus mener à la certification"],
    [], ["décision du jury pour X1.3", "décision du jury pour X2.2", "décision du jury pour X2.3"],
)

CONDITION = ("face-to-face", "une situation réelle en face-à-face", "arrêté, annexe 2")
CONDITIONS = {
    "c2i2e all validated, condition attested": RuleCase(
        C2I2E, decide(C2I2E), None, "certified",
        ["28 compétences validées sur 28, dans la limite de non-validation par domaine"],
        ["A.1", "A.2", "A.3", "B.1", "B.2", "B.3", "B.4"], conditions=FACE_TO_FACE,
    ),
    "c2i2e all validated, condition not recorded: not certified yet, and says so": RuleCase(
        C2I2E, decide(C2I2E), None, "pending", [f"non certifié tant que le jury n'a pas attesté : {FACE_TO_FACE_TITLE}"],
        ["A.1", "A.2", "A.3", "B.1", "B.2", "B.3", "B.4"], [f"attestation par le jury : {FACE_TO_FACE_TITLE}"],
    ),
    "c2i2e all validated, condition not met": RuleCase(
        C2I2E, decide(C2I2E), None, "not_certified", [f"condition non remplie : {FACE_TO_FACE_TITLE}"],
        ["A.1", "A.2", "A.3", "B.1", "B.2", "B.3", "B.4"], conditions={"face-to-face": "not_met"},
    ),
    "all rule with a condition not met and decisions open: certain at once": RuleCase(
        levelled(conditions=[CONDITION]), decide(LOCAL, undecided={"X2.3"}), None, "not_certified",
        ["condition non remplie : une situation réelle en face-à-face",
         "issue certaine : le point encore non statué ne peut plus mener à la certification"],
        ["X1"], ["décision du jury pour X2.3"], conditions={"face-to-face": "not_met"},
    ),
    "threshold rule with a condition pending": RuleCase(
        levelled("threshold", conditions=[CONDITION]), decide(LOCAL), None, "pending",
        ["non certifié tant que le jury n'a pas attesté : une situation réelle en face-à-face"],
        ["X1", "X2"], ["attestation par le jury : une situation réelle en face-à-face"],
    ),
}

LEVELS = {
    "all rule, min level 3: every level recorded and high enough": RuleCase(
        levelled(min_level=3), decide(LOCAL), None, "certified", ["toutes les compétences (6/6) sont validées"],
        ["X1", "X2"], levels={c: 4 for c in LOCAL.competencies},
    ),
    "all rule, min level 3: one validated at level 2": RuleCase(
        levelled(min_level=3), decide(LOCAL), None, "not_certified",
        ["X1.2 validée au niveau 2 (Novice), niveau 3 (Indépendant) exigé"], ["X2"],
        levels={c: (2 if c == "X1.2" else 3) for c in LOCAL.competencies},
    ),
    "all rule, min level 3: one level not recorded yet": RuleCase(
        levelled(min_level=3), decide(LOCAL), None, "pending", ["en attente : 1 niveau à enregistrer par le jury"],
        ["X1"], ["niveau reconnu par le jury pour X2.1 (niveau 3 (Indépendant) exigé)"],
        levels={c: 5 for c in LOCAL.competencies if c != "X2.1"},
    ),
    "a domain's minimum and a competency's own": RuleCase(
        levelled(min_levels=[("X1", 5), ("X1.3", 2)]), decide(LOCAL), None, "not_certified",
        ["X1.1 validée au niveau 4 (Indépendant), niveau 5 exigé"], ["X2"],
        levels={"X1.1": 4, "X1.2": 5, "X1.3": 2},
    ),
    "threshold rule: a validation below the level counts as not validated": RuleCase(
        levelled("threshold", min_level=2), decide(LOCAL, not_validated={"X1.1"}), None, "not_certified",
        ["2 compétences non validées dans le domaine X1 (maximum 1)"], ["X2"],
        levels={c: (1 if c == "X1.2" else 2) for c in LOCAL.competencies},
    ),
    "no minimum: levels are recorded but do not decide": RuleCase(
        levelled(), decide(LOCAL), None, "certified", ["toutes les compétences (6/6) sont validées"], ["X1", "X2"],
        levels={"X1.1": 1},
    ),
}

QCM_SETTINGS = {
    "c2i1, the session waives D2's QCM": RuleCase(
        C2I1, decide(C2I1), {k: v for k, v in QCM_ALL.items() if k != "D2"}, "certified",
        ["toutes les compétences (20/20) sont validées"], ["D1", "D2", "D3", "D4", "D5"],
        qcm_required={"D1", "D3", "D4", "D5"},
    ),
    "c2i2md, the session requires the QCM": RuleCase(
        load_shipped("c2i2md-2011"), decide(load_shipped("c2i2md-2011")), {"D1": True}, "pending",
        ["en attente : 0 décision(s) et 5 résultat(s) de QCM manquants"], ["D1"],
        [f"résultat du QCM du domaine D{i}" for i in range(2, 7)],
        qcm_required={f"D{i}" for i in range(1, 7)},
    ),
    "c2i2mi requires it by default (probable)": RuleCase(
        load_shipped("c2i2mi-2011"), decide(load_shipped("c2i2mi-2011")), {f"D{i}": True for i in range(1, 5)}, "pending",
        ["en attente : 0 décision(s) et 1 résultat(s) de QCM manquants"], ["D1", "D2", "D3", "D4"],
        ["résultat du QCM du domaine D5"],
    ),
}


@pytest.mark.parametrize("table", [EARLY, CONDITIONS, LEVELS, QCM_SETTINGS], ids=["early", "conditions", "levels", "qcm"])
def test_issue_tables(table):
    for name, case in table.items():
        outcome = rules.evaluate(
            case.referential, case.decisions, case.qcm, set(case.carried),
            conditions=case.conditions, levels=case.levels, qcm_required=case.qcm_required,
        )
        assert (name, outcome.decision) == (name, case.decision)
        assert (name, [r.text("fr") for r in outcome.reasons]) == (name, case.reasons)
        assert (name, outcome.validated_domains) == (name, case.validated_domains)
        assert (name, [m.text("fr") for m in outcome.missing]) == (name, case.missing)
        for lang in ("fr", "en"):
            for sentence in outcome.reasons + outcome.missing:
                assert "{" not in sentence.text(lang), (name, sentence)


@pytest.mark.parametrize("kind", sorted(rules.RULE_KINDS))
def test_pending_only_while_certification_is_possible(kind):
    """Exhaustive on a small referential, for every rule kind: `not_certified` with open decisions
    means no completion certifies; `pending` means at least one does."""
    import itertools

    ref = levelled(kind, conditions=[CONDITION])
    codes = list(ref.competencies)
    states = (None, "validated", "not_validated")
    for combo in itertools.product(states, repeat=len(codes)):
        decisions = {c: s for c, s in zip(codes, combo) if s is not None}
        for condition in (None, "met", "not_met"):
            conditions = {"face-to-face": condition} if condition else {}
            outcome = rules.evaluate(ref, decisions, None, conditions=conditions)
            open_codes = [c for c in codes if c not in decisions]
            completions = [
                rules.evaluate(
                    ref, decisions | dict(zip(open_codes, fill)), None,
                    conditions={"face-to-face": condition or fill_condition},
                ).decision
                for fill in itertools.product(("validated", "not_validated"), repeat=len(open_codes))
                for fill_condition in (("met", "not_met") if condition is None else (condition,))
            ]
            if outcome.decision == "pending":
                assert "certified" in completions, (decisions, condition)
            elif outcome.decision == "not_certified":
                assert "certified" not in completions, (decisions, condition)
            else:
                assert not open_codes and condition == "met"


def test_one_registry_drives_the_schema_and_the_engine():
    """Rule kinds are classes in one registry; the referential schema allows exactly those."""
    import json

    from portfolio_builder.resources import schema_dir

    schema = json.loads((schema_dir() / "referential.schema.json").read_text(encoding="utf-8"))
    assert schema["$defs"]["rules"]["properties"]["validation"]["enum"] == list(rules.RULE_KINDS)
    for name, kind in rules.RULE_KINDS.items():
        assert kind.name == name and isinstance(kind, rules.RuleKind)
    assert rules.kind_of(C2I2E) is rules.RULE_KINDS["threshold"]


def test_outcome_and_forecast_share_the_rule_kind(monkeypatch):
    """The forecast is the rule kind applied to the tutors' marks: the same findings method."""
    calls = []
    original = rules.Threshold.findings

    def spy(self, ref, marks, carried, words):
        calls.append(type(words).__name__)
        return original(self, ref, marks, carried, words)

    monkeypatch.setattr(rules.Threshold, "findings", spy)
    rules.evaluate(C2I2E, decide(C2I2E), None, conditions=FACE_TO_FACE)
    rules.forecast(C2I2E, set(C2I2E.competencies), set(C2I2E.competencies))
    assert calls == ["Words", "ForecastWords"]


def test_forecast_levels_and_conditions():
    ref = levelled(min_level=3, conditions=[CONDITION])
    codes = set(ref.competencies)
    forecast = rules.forecast(ref, codes, codes, levels={"X1.1": 2, **{c: 4 for c in codes - {"X1.1", "X2.2"}}})
    assert not forecast.likely
    assert forecast.below_level == ["X1.1", "X2.2"]
    assert [n.text("fr") for n in forecast.needs] == [
        "X1.1 : niveau 2 (Novice) évalué, niveau 3 (Indépendant) exigé",
        "X2.2 : niveau atteint pas encore évalué par un tuteur (niveau 3 (Indépendant) exigé)",
        "à attester par le jury : une situation réelle en face-à-face",
    ]


def test_qcm_settings_precedence():
    ref = load_shipped("c2i2mi-2011")
    settings = rules.qcm_settings(ref, {"D4": False, "D5": False}, "jury.yml", {"D5": True}, "cohort.yml")
    assert settings["D1"] == rules.QcmSetting(True, "referential")
    assert settings["D4"] == rules.QcmSetting(False, "jury", "jury.yml")
    assert settings["D5"] == rules.QcmSetting(True, "cohort", "cohort.yml")
    assert ref.rules.qcm_certainty == "probable" and "docplayer.fr/5523496" in ref.rules.qcm_source
    for other in ("c2i2md-2011", "c2i2mead-2011"):
        assert load_shipped(other).rules.qcm_certainty == "unknown"
