"""The certification rules engine: one registry, one class per rule kind.

Its only input about the certification is the referential's ``rules``; nothing
here is keyed on a referential id.

* ``all`` (C2i niveau 1, C2i niveau 2 specialties): every competency must be
  validated, with no compensation between competencies or domains. A domain is
  validated when all its competencies are and, where a QCM is required, its QCM
  is passed, or when an earlier attestation carries it over.
* ``threshold`` (C2i2e): at least ``min_validated`` competencies validated in
  all, and at most ``max_not_validated_per_domain`` not validated in any domain.
  For the attestation, a domain counts when all its competencies are validated.

Around the rule kind, the same for every kind: the QCM per domain (the
referential's default, or the session's setting from the jury file or the
cohort), the conditions only a jury can attest (``rules.conditions``), and the
minimum level per competency or domain (``rules.min_level``), under which a
validated competency counts as not validated.

Each competency gets a *mark* (validated, not validated, open) with the words
saying why. A rule kind reads marks only, so the jury's outcome, the early
outcome and the forecast come from the same code:

* outcome: marks from the jury's decisions. When something is still open, the
  rule is applied to the best case (every open item favourable): if even that
  fails, no remaining decision can lead to certification and the outcome is
  ``not_certified`` at once, with the reasons and what is still undecided;
  otherwise it is ``pending``.
* forecast: marks from the evidence and the tutors' verdicts, as if the jury
  followed the tutors. Not a decision.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, ClassVar

from portfolio_builder.core.referential import Referential
from portfolio_builder.i18n import translate

CERTIFIED, NOT_CERTIFIED, PENDING = "certified", "not_certified", "pending"
VALIDATED, NOT_VALIDATED, OPEN = "validated", "not_validated", "open"
MET, NOT_MET = "met", "not_met"  # a condition, as the jury attests it


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


# --- marks -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mark:
    """Where one competency stands, and the words for it when it is not validated."""

    state: str  # VALIDATED, NOT_VALIDATED or OPEN
    why: Sentence | None = None  # why not validated (or what is awaited, when open)
    rank: int = 0  # orders the forecast's needs: no evidence, then no verdict, then level
    assumed: bool = False  # an open item taken as validated, to see if certification is still possible


# A finding is a sentence with its place in the list: per domain, competencies before the QCM.
Finding = tuple[tuple, Sentence]


class Words:
    """How a rule kind's findings read: the jury's outcome and the forecast word them apart."""

    def below_minimum(self, good: int, assumed: int, minimum: int, total: int) -> Sentence:
        if assumed:
            # Early: even if every open decision validated, the minimum is out of reach.
            return _say_count_as("outcome.below_minimum_early", good, count=good, total=total, minimum=minimum)
        return _say_count("outcome.below_minimum", good, total=total, minimum=minimum)

    def domain_over(self, domain: str, lacking: list[str], limit: int) -> Sentence:
        return _say_count("outcome.too_many_in_domain", len(lacking), domain=domain, limit=limit)


class ForecastWords(Words):
    def below_minimum(self, good: int, assumed: int, minimum: int, total: int) -> Sentence:
        return _say_count_as("forecast.more_needed", minimum - good, missing=minimum - good, count=good, minimum=minimum)

    def domain_over(self, domain: str, lacking: list[str], limit: int) -> Sentence:
        return _say_count("forecast.domain_over", len(lacking), domain=domain, limit=limit, codes=", ".join(lacking))


# --- the registry of rule kinds --------------------------------------------------------------


class RuleKind:
    """One kind of certification rule. It reads marks, never decisions or verdicts."""

    name: ClassVar[str]

    def findings(self, ref: Referential, marks: dict[str, Mark], carried: AbstractSet[str], words: Words) -> list[Finding]:
        raise NotImplementedError

    def certified_reason(self, ref: Referential, validated: int) -> Sentence:
        return _say(f"outcome.certified.{self.name}", count=validated, total=len(ref.competencies))

    def describe(self, ref: Referential) -> Sentence:
        """The rule in one sentence, for the report page."""
        raise NotImplementedError

    def label(self, ref: Referential) -> Sentence:
        """The rule in a few words, for ``portfolio referentials``."""
        raise NotImplementedError


class EveryCompetency(RuleKind):
    """``all``: every competency validated, no compensation."""

    name = "all"

    def findings(self, ref: Referential, marks: dict[str, Mark], carried: AbstractSet[str], words: Words) -> list[Finding]:
        found: list[Finding] = []
        for di, domain in enumerate(ref.domains):
            if domain.code in carried:
                continue
            for ci, code in enumerate(domain.codes):
                mark = marks[code]
                if mark.state != VALIDATED and mark.why is not None:
                    found.append(((mark.rank, di, 0, ci), mark.why))
        return found

    def describe(self, ref: Referential) -> Sentence:
        return _say("rules.all")

    def label(self, ref: Referential) -> Sentence:
        return _say("cli.referentials.rule.all")


class Threshold(RuleKind):
    """``threshold``: at least ``min_validated`` in all, at most ``max_not_validated_per_domain`` per domain."""

    name = "threshold"

    def findings(self, ref: Referential, marks: dict[str, Mark], carried: AbstractSet[str], words: Words) -> list[Finding]:
        rules = ref.rules
        found: list[Finding] = []
        good = sum(1 for m in marks.values() if m.state == VALIDATED)
        assumed = sum(1 for m in marks.values() if m.assumed)
        minimum = rules.min_validated or 0
        if good < minimum:
            found.append(((-1,), words.below_minimum(good, assumed, minimum, len(ref.competencies))))
        limit = rules.max_not_validated_per_domain
        if limit is not None:
            for di, domain in enumerate(ref.domains):
                if domain.code in carried:
                    continue
                lacking = [c for c in domain.codes if marks[c].state != VALIDATED]
                if len(lacking) > limit:
                    found.append(((0, di, 0, 0), words.domain_over(domain.code, lacking, limit)))
        return found

    def describe(self, ref: Referential) -> Sentence:
        rules = ref.rules
        return _say(
            "rules.threshold",
            minimum=rules.min_validated,
            total=len(ref.competencies),
            limit=rules.max_not_validated_per_domain,
        )

    def label(self, ref: Referential) -> Sentence:
        return _say(
            "cli.referentials.rule.threshold",
            minimum=ref.rules.min_validated,
            limit=ref.rules.max_not_validated_per_domain,
        )


RULE_KINDS: dict[str, RuleKind] = {kind.name: kind for kind in (EveryCompetency(), Threshold())}


def kind_of(referential: Referential) -> RuleKind:
    return RULE_KINDS[referential.rules.validation]


def describe(referential: Referential) -> list[Sentence]:
    """What the report says of the rules: the kind, the minimum levels and the conditions."""
    rules = referential.rules
    sentences = [kind_of(referential).describe(referential)]
    if referential.levels is not None and (rules.min_level is not None or rules.min_levels):
        parts = []
        if rules.min_level is not None:
            parts.append(_say("rules.min_level.all", level=referential.levels.label(rules.min_level)))
        for code, level in rules.min_levels:
            parts.append(_say("rules.min_level.one", code=code, level=referential.levels.label(level)))
        sentences.extend(parts)
    for condition in rules.conditions:
        sentences.append(_say("rules.condition", title=condition.title))
    return sentences


# --- the QCM: the referential's default, or the session's setting ------------------------------

BY_REFERENTIAL, BY_JURY, BY_COHORT = "referential", "jury", "cohort"


@dataclass(frozen=True, slots=True)
class QcmSetting:
    """Whether one domain needs its QCM this session, and who said so."""

    required: bool
    by: str  # BY_REFERENTIAL, BY_JURY or BY_COHORT
    file: str = ""  # the jury or cohort file that set it


def qcm_settings(
    referential: Referential,
    jury: dict[str, bool] | None = None,
    jury_file: str = "",
    cohort: dict[str, bool] | None = None,
    cohort_file: str = "",
) -> dict[str, QcmSetting]:
    """Per domain: the cohort's setting, else the jury file's, else the referential's default."""
    default = referential.rules.qcm_per_domain
    settings: dict[str, QcmSetting] = {}
    for domain in referential.domains:
        code = domain.code
        if cohort and code in cohort:
            settings[code] = QcmSetting(cohort[code], BY_COHORT, cohort_file)
        elif jury and code in jury:
            settings[code] = QcmSetting(jury[code], BY_JURY, jury_file)
        else:
            settings[code] = QcmSetting(default, BY_REFERENTIAL)
    return settings


def _required(referential: Referential, qcm_required: set[str] | None) -> set[str]:
    if qcm_required is not None:
        return qcm_required
    return {d.code for d in referential.domains} if referential.rules.qcm_per_domain else set()


# --- outcome -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    decision: str
    validated_domains: list[str] = field(default_factory=list)
    carried_over_domains: list[str] = field(default_factory=list)
    validated_competencies: list[str] = field(default_factory=list)
    reasons: list[Sentence] = field(default_factory=list)
    missing: list[Sentence] = field(default_factory=list)  # what is still undecided
    domain_status: dict[str, str] = field(default_factory=dict)  # validated, not_validated, pending, carried
    conditions: dict[str, str] = field(default_factory=dict)  # condition id → met, not_met or open


def _jury_mark(referential: Referential, code: str, decision: str | None, level: int | None) -> tuple[Mark, Sentence | None]:
    """The mark of one competency from the jury's decision (and level), and what is awaited."""
    if decision is None:
        return Mark(OPEN), _say("outcome.missing_decision", code=code)
    if decision != VALIDATED:
        return Mark(NOT_VALIDATED, _say("outcome.competency_not_validated", code=code)), None
    required = referential.min_level(code)
    scale = referential.levels
    if required is None or scale is None:  # min_level is None where the referential has no levels
        return Mark(VALIDATED), None
    label = scale.label(required)
    if level is None:
        return Mark(OPEN), _say("outcome.missing_level", code=code, required=label)
    if level < required:
        return Mark(NOT_VALIDATED, _say("outcome.level_too_low", code=code, level=scale.label(level), required=label)), None
    return Mark(VALIDATED), None


def evaluate(
    referential: Referential,
    decisions: dict[str, str] | None,
    qcm_passed: dict[str, bool] | None,
    carried: AbstractSet[str] = frozenset(),
    *,
    qcm_required: set[str] | None = None,
    levels: dict[str, int] | None = None,
    conditions: dict[str, str] | None = None,
) -> Outcome:
    """Apply the referential's rule. ``decisions is None`` means no jury has sat yet.

    ``qcm_required``: the domains whose QCM counts this session (default: the referential's);
    ``levels``: the level the jury recorded per competency; ``conditions``: id → met | not_met.
    """
    kind = kind_of(referential)
    carried = {d for d in carried if d in referential.domain_index}
    outcome = Outcome(PENDING, carried_over_domains=[d.code for d in referential.domains if d.code in carried])
    if decisions is None:
        outcome.reasons.append(_say("outcome.no_jury"))
        outcome.validated_domains = list(outcome.carried_over_domains)
        outcome.domain_status = {d.code: ("carried" if d.code in carried else PENDING) for d in referential.domains}
        outcome.conditions = {c.id: OPEN for c in referential.rules.conditions}
        return outcome
    qcm_passed = qcm_passed or {}
    levels = levels or {}
    conditions = conditions or {}
    required_qcm = _required(referential, qcm_required)

    marks: dict[str, Mark] = {}
    awaited_decisions: list[Sentence] = []
    awaited_levels: list[Sentence] = []
    for domain in referential.domains:
        for code in domain.codes:
            if domain.code in carried:
                marks[code] = Mark(VALIDATED)
                continue
            mark, awaited = _jury_mark(referential, code, decisions.get(code), levels.get(code))
            marks[code] = mark
            if awaited is not None:
                (awaited_levels if decisions.get(code) else awaited_decisions).append(awaited)

    # The QCM and the conditions: the same for every rule kind.
    extra: list[Finding] = []
    awaited_qcm: list[Sentence] = []
    for di, domain in enumerate(referential.domains):
        if domain.code in carried or domain.code not in required_qcm:
            continue
        passed = qcm_passed.get(domain.code)
        if passed is None:
            awaited_qcm.append(_say("outcome.missing_qcm", domain=domain.code))
        elif not passed:
            extra.append(((0, di, 1, 0), _say("outcome.qcm_failed", domain=domain.code)))
    awaited_conditions: list[Sentence] = []
    for condition in referential.rules.conditions:
        status = conditions.get(condition.id)
        outcome.conditions[condition.id] = status or OPEN
        if status is None:
            awaited_conditions.append(_say("outcome.missing_condition", title=condition.title))
        elif status != MET:
            extra.append(((9,), _say("outcome.condition_not_met", title=condition.title)))

    for domain in referential.domains:
        if domain.code in carried:
            outcome.domain_status[domain.code] = "carried"
            continue
        states = {marks[c].state for c in domain.codes}
        qcm = qcm_passed.get(domain.code) if domain.code in required_qcm else True
        if NOT_VALIDATED in states or qcm is False:
            outcome.domain_status[domain.code] = NOT_VALIDATED
        elif OPEN in states or qcm is None:
            outcome.domain_status[domain.code] = PENDING
        else:
            outcome.domain_status[domain.code] = VALIDATED
    outcome.validated_competencies = [c for c in referential.competencies if marks[c].state == VALIDATED]
    outcome.validated_domains = [d.code for d in referential.domains if outcome.domain_status[d.code] in (VALIDATED, "carried")]

    # The best case: every open item favourable. If even that fails, the outcome is certain.
    best = {code: (Mark(VALIDATED, assumed=True) if m.state == OPEN else m) for code, m in marks.items()}
    findings = sorted(kind.findings(referential, best, carried, Words()) + extra, key=lambda f: f[0])
    outcome.missing = awaited_decisions + awaited_levels + awaited_qcm + awaited_conditions
    if findings:
        outcome.decision = NOT_CERTIFIED
        outcome.reasons = [sentence for _key, sentence in findings]
        if outcome.missing:
            outcome.reasons.append(_say_count("outcome.certain_despite_open", len(outcome.missing)))
    elif outcome.missing:
        outcome.decision = PENDING
        if awaited_decisions or awaited_qcm:
            outcome.reasons.append(_say("outcome.pending_detail", decisions=len(awaited_decisions), qcm=len(awaited_qcm)))
        if awaited_levels:
            outcome.reasons.append(_say_count("outcome.pending_levels", len(awaited_levels)))
        outcome.reasons.extend(_say("outcome.pending_condition", title=c.title) for c in referential.rules.conditions if outcome.conditions[c.id] == OPEN)
    else:
        outcome.decision = CERTIFIED
        outcome.reasons = [kind.certified_reason(referential, len(outcome.validated_competencies))]
    return outcome


# --- forecast ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Forecast:
    """What the evidence and the tutors' verdicts suggest before the jury sits. Not a decision."""

    likely: bool
    without_evidence: list[str] = field(default_factory=list)
    without_met_verdict: list[str] = field(default_factory=list)
    below_level: list[str] = field(default_factory=list)
    needs: list[Sentence] = field(default_factory=list)


def _forecast_mark(referential: Referential, code: str, covered: set[str], met: set[str], levels: dict[str, int]) -> Mark:
    if code not in covered:
        return Mark(NOT_VALIDATED, _say("forecast.no_evidence", code=code), rank=0)
    if code not in met:
        return Mark(NOT_VALIDATED, _say("forecast.no_met", code=code), rank=1)
    required = referential.min_level(code)
    scale = referential.levels
    if required is None or scale is None:  # min_level is None where the referential has no levels
        return Mark(VALIDATED)
    label = scale.label(required)
    level = levels.get(code)
    if level is None:
        return Mark(NOT_VALIDATED, _say("forecast.level_unknown", code=code, required=label), rank=2)
    if level < required:
        return Mark(NOT_VALIDATED, _say("forecast.level_low", code=code, level=scale.label(level), required=label), rank=2)
    return Mark(VALIDATED)


def forecast(
    referential: Referential,
    covered: set[str],
    met: set[str],
    carried: AbstractSet[str] = frozenset(),
    *,
    qcm_required: set[str] | None = None,
    levels: dict[str, int] | None = None,
) -> Forecast:
    """``covered``: competencies with evidence; ``met``: those with a current `met` verdict;
    ``levels``: the level the tutors' current reviews record per competency."""
    kind = kind_of(referential)
    carried = {d for d in carried if d in referential.domain_index}
    levels = levels or {}
    marks: dict[str, Mark] = {}
    for domain in referential.domains:
        for code in domain.codes:
            marks[code] = Mark(VALIDATED) if domain.code in carried else _forecast_mark(referential, code, covered, met, levels)
    result = Forecast(likely=False)
    open_codes = [c for d in referential.domains if d.code not in carried for c in d.codes]
    result.without_evidence = [c for c in open_codes if c not in covered]
    result.without_met_verdict = [c for c in open_codes if c in covered and c not in met]
    result.below_level = [c for c in open_codes if c in met and marks[c].state != VALIDATED]
    # The jury is simulated following the tutors: the same rule kind, the same code as the outcome.
    findings = sorted(kind.findings(referential, marks, carried, ForecastWords()), key=lambda f: f[0])
    result.likely = not findings
    result.needs = [sentence for _key, sentence in findings]
    pending_qcm = [d.code for d in referential.domains if d.code not in carried and d.code in _required(referential, qcm_required)]
    if pending_qcm:
        result.needs.append(_say("forecast.qcm", domains=", ".join(pending_qcm)))
    result.needs.extend(_say("forecast.condition", title=c.title) for c in referential.rules.conditions)
    return result

