"""The jury's file (decisions and QCM results) and the attestations of earlier attempts."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from portfolio_builder.core import datafile
from portfolio_builder.core.problems import Problem, ProblemSink
from portfolio_builder.core.project import Project
from portfolio_builder.core.referential import Referential, check_level
from portfolio_builder.core.rules import NOT_VALIDATED, VALIDATED



@dataclass(slots=True)
class QcmResult:
    passed: bool
    score: float | None = None


@dataclass(slots=True)
class Jury:
    file: str
    session: str
    date: str
    institution: str
    members: list[str]
    decisions: dict[str, str]
    qcm: dict[str, QcmResult]
    comment: str = ""
    lines: dict[str, int] = field(default_factory=dict)  # decision → its line in the file
    levels: dict[str, int] = field(default_factory=dict)  # competency → level recognised
    conditions: dict[str, str] = field(default_factory=dict)  # condition id → met | not_met
    qcm_required: dict[str, bool] = field(default_factory=dict)  # domain → the session's QCM setting
    qcm_lines: dict[str, int] = field(default_factory=dict)  # QCM result → its line in the file


@dataclass(slots=True)
class Attestation:
    file: str
    referential: str
    candidate_name: str
    student_id: str
    session: str
    institution: str
    date: str
    validated_domains: list[str] = field(default_factory=list)


def load_jury(project: Project, referential: Referential | None) -> tuple[Jury | None, list[Problem]]:
    if not project.settings.jury:
        return None, []
    path = project.resolve(project.settings.jury)
    if not path.is_file():
        return None, []
    sink = ProblemSink(project.display(path))
    doc, _valid = datafile.read(path, sink, "jury")
    if doc is None:
        return None, sink.items
    raw = doc.data
    decisions: dict[str, str] = {}
    for code, decision in (raw.get("decisions") or {}).items() if isinstance(raw.get("decisions"), dict) else ():
        if decision not in (VALIDATED, NOT_VALIDATED):
            continue  # reported by the schema
        if referential is not None and code not in referential.competencies:
            suggestion = referential.suggest(code)
            sink.error(
                "unknown-competency",
                doc.key_pos(("decisions", code)),
                f"decisions.{code}",
                "jury.unknown_competency",
                hint_id="hint.did_you_mean" if suggestion else None,
                hint_args={"suggestion": suggestion} if suggestion else {},
                code=code,
            )
            continue
        decisions[code] = decision
    qcm: dict[str, QcmResult] = {}
    for code, result in (raw.get("qcm") or {}).items() if isinstance(raw.get("qcm"), dict) else ():
        if not isinstance(result, dict) or not isinstance(result.get("passed"), bool):
            continue  # reported by the schema
        if referential is not None and code not in referential.domain_index:
            suggestion = referential.suggest_domain(code)
            sink.error(
                "unknown-domain",
                doc.key_pos(("qcm", code)),
                f"qcm.{code}",
                "jury.unknown_domain",
                hint_id="hint.did_you_mean" if suggestion else None,
                hint_args={"suggestion": suggestion} if suggestion else {},
                code=code,
            )
            continue
        score = result.get("score")
        qcm[code] = QcmResult(result["passed"], float(score) if isinstance(score, (int, float)) else None)
    levels, conditions, qcm_required = _levels_conditions_qcm(raw, doc, sink, referential)
    settings = project.settings
    for key, expected in (("institution", settings.institution), ("session", settings.session)):
        value = raw.get(key)
        if isinstance(value, str) and expected and value.strip() != expected:
            sink.error(
                "attestation-mismatch",
                doc.pos((key,)),
                key,
                f"jury.{key}_mismatch",
                found=value,
                expected=expected,
            )
    if any(p.is_error for p in sink.items):
        # A jury file with errors must not produce an outcome: the jury fixes it first.
        return None, sink.items
    jury = Jury(
        file=sink.file,
        session=str(raw["session"]),
        date=str(raw["date"]),
        institution=str(raw["institution"]),
        members=[str(m) for m in raw["members"]],
        decisions=decisions,
        qcm=qcm,
        comment=str(raw.get("comment") or "").strip(),
        lines={code: doc.key_pos(("decisions", code))[0] for code in decisions},
        levels=levels,
        conditions=conditions,
        qcm_required=qcm_required,
        qcm_lines={code: doc.key_pos(("qcm", code))[0] for code in qcm},
    )
    return jury, sink.items


def _levels_conditions_qcm(raw: dict, doc, sink: ProblemSink, referential: Referential | None):
    """The levels the jury recognises, the conditions it attests and its QCM setting."""
    levels: dict[str, int] = {}
    conditions: dict[str, str] = {}
    qcm_required: dict[str, bool] = {}
    if referential is None:
        return levels, conditions, qcm_required
    for code, value in (raw.get("levels") or {}).items() if isinstance(raw.get("levels"), dict) else ():
        if code not in referential.competencies:
            suggestion = referential.suggest(code)
            sink.error(
                "unknown-competency", doc.key_pos(("levels", code)), f"levels.{code}", "jury.unknown_competency",
                hint_id="hint.did_you_mean" if suggestion else None,
                hint_args={"suggestion": suggestion} if suggestion else {}, code=code,
            )
            continue
        level = check_level(value, referential.levels, doc.pos(("levels", code)), f"levels.{code}", sink, referential.id)
        if level is not None:
            levels[code] = level
    known = referential.rules.condition_index
    for name, status in (raw.get("conditions") or {}).items() if isinstance(raw.get("conditions"), dict) else ():
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
            suggestion = close[0] if close else None
            if suggestion:
                hint_id, hint_args = "hint.did_you_mean", {"suggestion": suggestion}
            elif known:
                hint_id, hint_args = "jury.unknown_condition.hint", {"known": ", ".join(known)}
            else:
                hint_id, hint_args = "jury.no_conditions.hint", {"referential": referential.id}
            sink.error(
                "unknown-condition", doc.key_pos(("conditions", name)), f"conditions.{name}", "jury.unknown_condition",
                hint_id=hint_id, hint_args=hint_args, name=name,
            )
            continue
        if status in ("met", "not_met"):  # other values: reported by the schema
            conditions[name] = status
    setting = raw.get("qcm_required")
    if isinstance(setting, bool):
        qcm_required = {d.code: setting for d in referential.domains}
    elif isinstance(setting, dict):
        for code, value in setting.items():
            if code not in referential.domain_index:
                suggestion = referential.suggest_domain(code)
                sink.error(
                    "unknown-domain", doc.key_pos(("qcm_required", code)), f"qcm_required.{code}", "jury.unknown_domain",
                    hint_id="hint.did_you_mean" if suggestion else None,
                    hint_args={"suggestion": suggestion} if suggestion else {}, code=code,
                )
            elif isinstance(value, bool):
                qcm_required[code] = value
    return levels, conditions, qcm_required


def load_attestations(project: Project, referential: Referential | None) -> tuple[list[Attestation], list[Problem]]:
    attestations: list[Attestation] = []
    problems: list[Problem] = []
    settings = project.settings
    for index, name in enumerate(settings.previous_attestations):
        path = project.resolve(name)
        if not path.is_file():
            sink = ProblemSink(project.config_display)
            sink.error(
                "config",
                project.doc.pos(project.entry_path + ("previous_attestations", index)),
                f"previous_attestations[{index}]",
                "config.missing_file",
                path=name,
            )
            problems.extend(sink.items)
            continue
        sink = ProblemSink(project.display(path))
        doc, valid = datafile.read(path, sink, "attestation")
        if doc is not None and valid:
            attestation = _attestation(doc.data, sink.file)
            _check_attestation(attestation, doc, sink, settings, referential)
            if not any(p.is_error for p in sink.items):
                attestations.append(attestation)
        problems.extend(sink.items)
    return attestations, problems


def _attestation(raw: dict, file: str) -> Attestation:
    candidate = raw.get("candidate") or {}
    return Attestation(
        file=file,
        referential=raw["referential"],
        candidate_name=candidate.get("name", ""),
        student_id=str(candidate.get("student_id", "")),
        session=raw["session"],
        institution=raw["institution"],
        date=raw["date"],
        validated_domains=list(raw.get("validated_domains", [])),
    )


def _check_attestation(att: Attestation, doc, sink: ProblemSink, settings, referential: Referential | None) -> None:
    if referential is not None and att.referential != referential.id:
        sink.error(
            "attestation-mismatch",
            doc.pos(("referential",)),
            "referential",
            "attestation.referential_mismatch",
            found=att.referential,
            expected=referential.id,
        )
    if settings.student_id and att.student_id and att.student_id != settings.student_id:
        sink.error(
            "attestation-mismatch",
            doc.pos(("candidate", "student_id")),
            "candidate.student_id",
            "attestation.candidate_mismatch",
            found=att.student_id,
            expected=settings.student_id,
        )
    elif settings.candidate_name and att.candidate_name.casefold() != settings.candidate_name.casefold():
        # With the same student number a name may change (marriage); without it, the name is
        # all that ties the attestation to this candidate: someone else's domains never carry over.
        same_student = bool(settings.student_id) and att.student_id == settings.student_id
        (sink.warning if same_student else sink.error)(
            "attestation-mismatch",
            doc.pos(("candidate", "name")),
            "candidate.name",
            "attestation.name_mismatch",
            found=att.candidate_name,
            expected=settings.candidate_name,
        )
    if settings.session and att.session == settings.session:
        sink.error(
            "attestation-mismatch",
            doc.pos(("session",)),
            "session",
            "attestation.same_session",
            session=att.session,
        )
    if referential is not None:
        for i, code in enumerate(att.validated_domains):
            if code not in referential.domain_index:
                suggestion = referential.suggest_domain(code)
                sink.error(
                    "unknown-domain",
                    doc.pos(("validated_domains", i)),
                    f"validated_domains[{i}]",
                    "attestation.unknown_domain",
                    hint_id="hint.did_you_mean" if suggestion else None,
                    hint_args={"suggestion": suggestion} if suggestion else {},
                    code=code,
                )
