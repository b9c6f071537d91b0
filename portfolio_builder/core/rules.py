"""The certification rules engine.

Its only input about the certification is the referential's ``rules``; nothing
here is keyed on a referential id.

* ``all`` (C2i niveau 1, C2i niveau 2 specialties): every competency must be
  validated, with no compensation between competencies or domains. A domain is
  validated when all its competencies are and, where the referential requires
  one, its QCM is passed, or when an earlier attestation carries it over.
* ``threshold`` (C2i2e): at least ``min_validated`` competencies validated in
  all, and at most ``max_not_validated_per_domain`` not validated in any domain.
  For the attestation, a domain counts when all its competencies are validated.

The outcome is ``certified``, ``not_certified`` (every needed decision and QCM
result is known and the rule fails) or ``pending`` (something is missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portfolio_builder.core.referential import Domain, Referential
from portfolio_builder.i18n import translate

CERTIFIED, NOT_CERTIFIED, PENDING = "certified", "not_certified", "pending"
VALIDATED, NOT_VALIDATED = "validated", "not_validated"


@dataclass(frozen=True, slots=True)
class Sentence:
    """A human sentence, kept as a catalog key so it prints in either language."""

    key: str
    args: tuple[tuple[str, Any], ...] = ()

    def text(self, lang: str) -> str:
        return translate(lang, self.key, **dict(self.args))


def _say(key: str, **args: Any) -> Sentence:
    return Sentence(key, tuple(args.items()))


def _say_count(key: str, count: int, **args: Any) -> Sentence:
    """The singular wording (``key.one``) when ``count`` is 1: « 1 compétence non validée »."""
    return _say_count_as(key, count, count=count, **args)


def _say_count_as(key: str, number: int, **args: Any) -> Sentence:
    """``key.one`` when ``number`` (the quantity the sentence agrees with) is 1."""
    return _say(f"{key}.one" if number == 1 else key, **args)


@dataclass(slots=True)
class Outcome:
    decision: str
    validated_domains: list[str] = field(default_factory=list)
    carried_over_domains: list[str] = field(default_factory=list)
    validated_competencies: list[str] = field(default_factory=list)
    reasons: list[Sentence] = field(default_factory=list)
    missing: list[Sentence] = field(default_factory=list)
    domain_status: dict[str, str] = field(default_factory=dict)  # validated, not_validated, pending, carried


def evaluate(
    referential: Referential,
    decisions: dict[str, str] | None,
    qcm_passed: dict[str, bool] | None,
    carried: set[str] = frozenset(),
) -> Outcome:
    """Apply the referential's rule. ``decisions is None`` means no jury has sat yet."""
    rules = referential.rules
    carried = {d for d in carried if d in referential.domain_index}
    outcome = Outcome(PENDING, carried_over_domains=[d.code for d in referential.domains if d.code in carried])
    if decisions is None:
        outcome.reasons.append(_say("outcome.no_jury"))
        outcome.validated_domains = list(outcome.carried_over_domains)
        outcome.domain_status = {d.code: ("carried" if d.code in carried else PENDING) for d in referential.domains}
        return outcome
    qcm_passed = qcm_passed or {}

    missing_decisions: list[str] = []
    missing_qcm: list[str] = []
    failures: list[Sentence] = []
    validated_codes: list[str] = []
    for domain in referential.domains:
        if domain.code in carried:
            validated_codes.extend(domain.codes)
            outcome.domain_status[domain.code] = "carried"
            continue
        status = _domain_status(domain, decisions, qcm_passed, rules.qcm_per_domain)
        outcome.domain_status[domain.code] = status
        for code in domain.codes:
            decision = decisions.get(code)
            if decision == VALIDATED:
                validated_codes.append(code)
            elif decision is None:
                missing_decisions.append(code)
            elif rules.validation == "all":
                failures.append(_say("outcome.competency_not_validated", code=code))
        if rules.qcm_per_domain:
            passed = qcm_passed.get(domain.code)
            if passed is None:
                missing_qcm.append(domain.code)
            elif not passed:
                failures.append(_say("outcome.qcm_failed", domain=domain.code))

    outcome.validated_competencies = validated_codes
    outcome.validated_domains = [d.code for d in referential.domains if outcome.domain_status[d.code] in (VALIDATED, "carried")]
    if rules.validation == "threshold":
        failures.extend(_threshold_failures(referential, set(validated_codes), decisions, carried))

    outcome.missing = [_say("outcome.missing_decision", code=c) for c in missing_decisions] + [
        _say("outcome.missing_qcm", domain=d) for d in missing_qcm
    ]
    if missing_decisions or missing_qcm:
        outcome.decision = PENDING
        outcome.reasons = failures + [
            _say("outcome.pending_detail", decisions=len(missing_decisions), qcm=len(missing_qcm))
        ]
    elif failures:
        outcome.decision = NOT_CERTIFIED
        outcome.reasons = failures
    else:
        outcome.decision = CERTIFIED
        outcome.reasons = [_say(f"outcome.certified.{rules.validation}", count=len(validated_codes), total=len(referential.competencies))]
    return outcome


def _domain_status(domain: Domain, decisions: dict[str, str], qcm_passed: dict[str, bool], qcm_required: bool) -> str:
    values = [decisions.get(code) for code in domain.codes]
    qcm = qcm_passed.get(domain.code) if qcm_required else True
    if NOT_VALIDATED in values or qcm is False:
        return NOT_VALIDATED
    if None in values or qcm is None:
        return PENDING
    return VALIDATED


def _threshold_failures(
    referential: Referential, validated: set[str], decisions: dict[str, str], carried: set[str]
) -> list[Sentence]:
    rules = referential.rules
    failures: list[Sentence] = []
    minimum = rules.min_validated or 0
    total = len(referential.competencies)
    if len(validated) < minimum and _all_decided(referential, decisions, carried):
        failures.append(_say_count("outcome.below_minimum", len(validated), total=total, minimum=minimum))
    limit = rules.max_not_validated_per_domain
    if limit is not None:
        for domain in referential.domains:
            if domain.code in carried:
                continue
            refused = sum(1 for code in domain.codes if decisions.get(code) == NOT_VALIDATED)
            if refused > limit:
                failures.append(_say_count("outcome.too_many_in_domain", refused, domain=domain.code, limit=limit))
    return failures


def _all_decided(referential: Referential, decisions: dict[str, str], carried: set[str]) -> bool:
    return all(
        code in decisions for d in referential.domains if d.code not in carried for code in d.codes
    )


@dataclass(slots=True)
class Forecast:
    """What the evidence and the tutors' verdicts suggest before the jury sits. Not a decision."""

    likely: bool
    without_evidence: list[str] = field(default_factory=list)
    without_met_verdict: list[str] = field(default_factory=list)
    needs: list[Sentence] = field(default_factory=list)


def forecast(referential: Referential, covered: set[str], met: set[str], carried: set[str] = frozenset()) -> Forecast:
    """``covered``: competencies with evidence; ``met``: those with a current `met` verdict."""
    rules = referential.rules
    carried_codes = {c for d in referential.domains if d.code in carried for c in d.codes}
    open_codes = [c for c in referential.competencies if c not in carried_codes]
    result = Forecast(likely=False)
    result.without_evidence = [c for c in open_codes if c not in covered]
    result.without_met_verdict = [c for c in open_codes if c in covered and c not in met]
    # Simulate the jury following the tutors: `met` is validated, anything else is not.
    simulated = {c: (VALIDATED if c in met else NOT_VALIDATED) for c in open_codes}
    passes = evaluate(referential, simulated, {d.code: True for d in referential.domains}, carried)
    result.likely = passes.decision == CERTIFIED

    if rules.validation == "all":
        result.needs = [_say("forecast.no_evidence", code=c) for c in result.without_evidence] + [
            _say("forecast.no_met", code=c) for c in result.without_met_verdict
        ]
    else:
        good = len(carried_codes) + sum(1 for c in open_codes if c in met)
        minimum = rules.min_validated or 0
        if good < minimum:
            result.needs.append(_say_count_as("forecast.more_needed", minimum - good, missing=minimum - good, count=good, minimum=minimum))
        limit = rules.max_not_validated_per_domain
        for domain in referential.domains:
            if domain.code in carried or limit is None:
                continue
            lacking = [c for c in domain.codes if c not in met]
            if len(lacking) > limit:
                result.needs.append(
                    _say_count("forecast.domain_over", len(lacking), domain=domain.code, limit=limit, codes=", ".join(lacking))
                )
    if rules.qcm_per_domain:
        pending = [d.code for d in referential.domains if d.code not in carried]
        if pending:
            result.needs.append(_say("forecast.qcm", domains=", ".join(pending)))
    return result
