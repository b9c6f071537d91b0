"""The jury's file (decisions and QCM results) and the attestations of earlier attempts."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from portfolio_builder.core import datafile
from portfolio_builder.core.authority import Sources
from portfolio_builder.core.problems import Problem, ProblemSink
from portfolio_builder.core.project import Project
from portfolio_builder.core.referential import Referential, read_levels, unknown_code
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
    verified: bool = False  # from the jury's side; False: a file of the dossier (« déclaré par le candidat »)
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
    signed_by: str = ""  # the trusted issuer whose signature was verified; "" for an unsigned YAML file


def load_jury(
    path: Path | None,
    referential: Referential | None,
    verified: bool = False,
    display: str = "",
    institution: str = "",
    session: str = "",
) -> tuple[Jury | None, list[Problem]]:
    """The jury file at ``path``; ``verified`` when it comes from the jury's side (``authority``).

    ``institution`` and ``session`` are the dossier's: a jury file of another one is an error.
    """
    if path is None or not path.is_file():
        return None, []
    sink = ProblemSink(display or str(path))
    doc, _valid = datafile.read(path, sink, "jury")
    if doc is None:
        return None, sink.items
    raw = doc.data
    decisions: dict[str, str] = {}
    for code, decision in (raw.get("decisions") or {}).items() if isinstance(raw.get("decisions"), dict) else ():
        if decision not in (VALIDATED, NOT_VALIDATED):
            continue  # reported by the schema
        if referential is not None and code not in referential.competencies:
            unknown_code(sink, referential, code, doc.key_pos(("decisions", code)), f"decisions.{code}", "jury.unknown_competency")
            continue
        decisions[code] = decision
    qcm: dict[str, QcmResult] = {}
    for code, result in (raw.get("qcm") or {}).items() if isinstance(raw.get("qcm"), dict) else ():
        if not isinstance(result, dict) or not isinstance(result.get("passed"), bool):
            continue  # reported by the schema
        if referential is not None and code not in referential.domain_index:
            unknown_code(sink, referential, code, doc.key_pos(("qcm", code)), f"qcm.{code}", "jury.unknown_domain", domain=True)
            continue
        score = result.get("score")
        qcm[code] = QcmResult(result["passed"], float(score) if isinstance(score, (int, float)) else None)
    levels, conditions, qcm_required = _levels_conditions_qcm(raw, doc, sink, referential)
    for key, expected in (("institution", institution), ("session", session)):
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
        verified=verified,
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
    levels = read_levels(raw.get("levels"), doc, sink, referential, "jury.unknown_competency")
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
                unknown_code(
                    sink, referential, code, doc.key_pos(("qcm_required", code)), f"qcm_required.{code}", "jury.unknown_domain", domain=True
                )
            elif isinstance(value, bool):
                qcm_required[code] = value
    return levels, conditions, qcm_required


def load_attestations(
    project: Project, referential: Referential | None, sources: Sources
) -> tuple[list[Attestation], list[Problem]]:
    """The earlier attestations that carry over, and the problems of every one listed.

    A credential (``.jwt``) carries over when its signature verifies against a
    trusted issuer and it names this candidate, this referential and an earlier
    session. An unsigned YAML attestation carries over only in training mode,
    with a warning (``core.authority``).
    """
    attestations: list[Attestation] = []
    problems: list[Problem] = []
    settings = project.settings
    for index, name in enumerate(settings.previous_attestations):
        path = project.resolve(name)
        entry = ProblemSink(project.config_display)
        position = project.doc.pos(project.entry_path + ("previous_attestations", index))
        field_name = f"previous_attestations[{index}]"
        if not path.is_file():
            entry.error("config", position, field_name, "config.missing_file", path=name)
            problems.extend(entry.items)
            continue
        if _is_credential(path):
            found = _credential_attestation(path, project, referential, sources, entry, position, field_name)
            if found is not None:
                attestations.append(found)
            problems.extend(entry.items)
            continue
        sink = ProblemSink(project.display(path))
        doc, valid = datafile.read(path, sink, "attestation")
        if doc is not None and valid:
            attestation = _attestation(doc.data, sink.file)
            _check_attestation(attestation, doc, sink, settings, referential)
            if not any(p.is_error for p in sink.items):
                # Anyone can write this YAML: it counts only where no signature is required.
                if sources.signatures_required:
                    entry.error("attestation-unsigned", position, field_name, "attestation.unsigned_refused", hint_id="attestation.unsigned.hint", path=name)
                else:
                    entry.warning("attestation-unsigned", position, field_name, "attestation.unsigned", hint_id="attestation.unsigned.hint", path=name)
                    attestations.append(attestation)
        problems.extend(sink.items)
        problems.extend(entry.items)
    return attestations, problems


def _is_credential(path: Path) -> bool:
    if path.suffix.lower() == ".jwt":
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(3) == b"eyJ"  # a compact JWS starts with a base64url '{"'
    except OSError:
        return False


def _credential_attestation(
    path: Path,
    project: Project,
    referential: Referential | None,
    sources: Sources,
    sink: ProblemSink,
    position: tuple[int, int],
    field_name: str,
) -> Attestation | None:
    """A signed attestation, believed only as far as its signature and claims allow."""
    from portfolio_builder.core import credentials

    name = project.display(path)
    try:
        token = credentials.read_token(path)
    except credentials.CredentialError as error:
        sink.error("credential-invalid", position, field_name, error.key, **error.args_map)
        return None
    result = credentials.verify_credential(token, list(sources.issuers))
    untrusted_only = not result.failure and not result.trusted
    if result.failure:
        code = "credential-untrusted" if result.failure == "credential.issuer_mismatch" else "credential-invalid"
        sink.error(code, position, field_name, result.failure, hint_id="credential.invalid.hint", path=name, **result.failure_args)
        return None
    try:
        claims = credentials.attestation_claims(result.payload)
    except ValueError:
        sink.error("credential-invalid", position, field_name, "credential.not_badge", hint_id="credential.invalid.hint", path=name)
        return None
    settings = project.settings
    mismatches: list[tuple[str, dict[str, str]]] = []
    if not settings.student_id or claims.student_id != settings.student_id:
        # Identified by student number only: a name is not an identity.
        mismatches.append(("credential.other_candidate", {"found": claims.name or claims.student_id or "?"}))
    if referential is not None and claims.referential_id != referential.id:
        mismatches.append(("credential.other_referential", {"found": claims.referential_id, "expected": referential.id}))
    elif referential is not None and claims.referential_version != referential.version:
        mismatches.append(("credential.other_referential", {"found": f"{claims.referential_id} {claims.referential_version}", "expected": f"{referential.id} {referential.version}"}))
    if settings.session and claims.session == settings.session:
        mismatches.append(("attestation.same_session", {"session": claims.session}))
    if referential is not None:
        unknown = [d for d in claims.validated_domains if d not in referential.domain_index]
        if unknown:
            mismatches.append(("credential.unknown_domains", {"domains": ", ".join(unknown)}))
    for key, args in mismatches:
        sink.error("credential-mismatch", position, field_name, key, path=name, **args)
    if mismatches:
        return None
    if untrusted_only:
        signer = result.issuer.name if result.issuer else "?"
        if sources.signatures_required:
            sink.error("credential-untrusted", position, field_name, result.trust_failure, hint_id="credential.untrusted.hint", path=name, issuer=signer)
            return None
        sink.warning("credential-untrusted", position, field_name, result.trust_failure, hint_id="credential.untrusted.hint", path=name, issuer=signer)
    issuer = result.issuer
    return Attestation(
        file=name,
        referential=claims.referential_id,
        candidate_name=claims.name,
        student_id=claims.student_id,
        session=claims.session,
        institution=issuer.name if issuer else "",
        date=claims.date,
        validated_domains=list(claims.validated_domains),
        signed_by=issuer.name if (issuer and result.trusted) else "",
    )


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
                unknown_code(
                    sink, referential, code, doc.pos(("validated_domains", i)), f"validated_domains[{i}]", "attestation.unknown_domain", domain=True
                )
