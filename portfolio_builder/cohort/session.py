"""A jury session: the cohort's candidates, read as ``portfolio cohort`` reads them.

Dossiers are found the same way (``cohort.yml`` or folders), read as untrusted
input with the cohort's referential, and matched with their jury file in the
cohort's ``juries`` folder by student number alone. Nothing is built: each
dossier is checked, and only what the jury needs is kept.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from portfolio_builder.cohort import config as cohort_config
from portfolio_builder.cohort import run
from portfolio_builder.cohort.dashboard import Cohort
from portfolio_builder.core.check import Options, check_project
from portfolio_builder.core.jury_sheet import Candidate, Facts, Session, valid_id
from portfolio_builder.core.problems import Problem, ProblemSink
from portfolio_builder.core.project import ConfigError, Project, Untrusted, load_project, with_policy
from portfolio_builder.core.referential import Referential
from portfolio_builder.core.view import slug as make_slug
from portfolio_builder.i18n import translate

COHORT_FILE = "cohort.yml"
# Below this many dossiers, worker processes cost more than they save.
PARALLEL_THRESHOLD = 8


class CohortUnusable(Exception):
    """The cohort cannot be read at all (exit status 2); ``problems`` say why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message_id for p in problems))
        self.problems = problems


def load_cohort(target: Path) -> tuple[Cohort, list[Path]]:
    """A cohort.yml, or a folder holding one."""
    path = target / COHORT_FILE if target.is_dir() else target
    if not path.is_file():
        sink = ProblemSink(str(path))
        sink.error("config", (1, 1), "", "config.missing_file", path=str(path))
        raise CohortUnusable(sink.items)
    cohort, folders, problems = cohort_config.load(path)
    if any(p.is_error for p in problems):
        raise CohortUnusable(problems)
    return cohort, folders


@dataclass
class Gathered:
    session: Session | None
    errors: list[str] = field(default_factory=list)  # formatted, one per unusable candidate or jury file problem
    warnings: list[str] = field(default_factory=list)


# A dossier's problems the jury needs to see before deciding (attestations that carry domains over).
_JURY_RELEVANT = frozenset({"attestation-unsigned", "attestation-mismatch", "credential-invalid", "credential-untrusted", "credential-mismatch"})


def _one(
    folder: str, key: str, untrusted: Untrusted, lang: str, read: Project | None = None
) -> tuple[Candidate | None, Referential | None, str, str, list[str]]:
    """Worker: (candidate, referential, its session, its institution, errors). Never raises.

    ``read``: the dossier as the session already read it (its mkdocs.yml is not read again)."""
    try:
        project = with_policy(read, untrusted) if read is not None else load_project(folder, untrusted=untrusted)
    except ConfigError as error:  # noqa: SIM105
        return None, None, "", "", [p.format(lang) for p in error.problems if p.is_error]
    except Exception as error:  # noqa: BLE001 - one dossier never stops the session
        return None, None, "", "", [translate(lang, "cohort.failure.unexpected", error=f"{type(error).__name__}: {error}")]
    settings = project.settings
    declared = _declared_student_id(project)
    if declared and not settings.student_id:
        # The dossier's student number could be a path: no row, no jury file, until it is fixed.
        return None, None, settings.session, settings.institution, [
            translate(lang, "session.bad_student_id", folder=folder, found=declared[:80])
        ]
    dossier = check_project(project, Options(lang=lang, issuers=tuple(untrusted.issuers)))
    referential = dossier.referential
    candidate = Candidate(
        key=key,
        name=settings.candidate_name or Path(folder).resolve().name,
        student_id=settings.student_id,
        institution=settings.institution,
        source=folder,
    )
    errors: list[str] = []
    if referential is None:
        errors = [p.format(lang) for p in dossier.problems if p.is_error and p.file == project.config_display]
        return None, None, settings.session, settings.institution, errors or [translate(lang, "cohort.failure.config")]
    for code, entry in dossier.coverage.by_code.items():
        latest = None
        for item in entry.evidence:
            review = dossier.reviews.current(item.path)
            if review is not None and code in review.verdicts and (latest is None or review.sort_key() > latest.sort_key()):
                latest = review
        candidate.facts[code] = Facts(
            evidence=len(entry.evidence),
            verdict=latest.verdicts[code] if latest else None,
            outdated=bool(latest and latest.outdated),
        )
    jury = dossier.jury
    if untrusted.jury is not None:
        # The jury's own file: its problems are the jury's to fix before the session.
        shown = {str(untrusted.jury), project.display(untrusted.jury)}
        errors += [p.format(lang) for p in dossier.problems if p.is_error and p.file in shown]
    # What decides carried-over domains: the jury must know why one does not count.
    errors += [p.format(lang, f"{folder}/{p.file}") for p in dossier.problems if p.is_error and p.code in _JURY_RELEVANT]
    if jury is not None:
        candidate.has_jury = True
        candidate.decisions = dict(jury.decisions)
        candidate.qcm = {d: (r.passed, r.score) for d, r in jury.qcm.items()}
        candidate.levels = dict(jury.levels)
        candidate.conditions = dict(jury.conditions)
        candidate.comment = jury.comment
        candidate.jury_date = jury.date
        candidate.jury_members = tuple(jury.members)
    # This session's QCM setting for the candidate (the cohort's, else the jury file's, else the referential's).
    candidate.qcm_domains = {code for code, setting in dossier.qcm.items() if setting.required}
    if dossier.outcome is not None:
        candidate.outcome = dossier.outcome.decision
        candidate.validated_domains = list(dossier.outcome.validated_domains)
        candidate.carried_over = list(dossier.outcome.carried_over_domains)
        candidate.reasons = [r.text(lang) for r in dossier.outcome.reasons]
    return candidate, referential, settings.session, settings.institution, errors


def _declared_student_id(project) -> str:
    entry = project.doc.data
    for part in project.entry_path:
        entry = entry[part] if isinstance(entry, (dict, list)) else None
    candidate = entry.get("candidate") if isinstance(entry, dict) else None
    value = candidate.get("student_id") if isinstance(candidate, dict) else None
    return str(value).strip() if value is not None else ""


def _one_packed(args: tuple) -> tuple:
    return _one(*args)


def gather(cohort: Cohort, folders: list[Path], jobs: int | None = None, issuers: tuple = ()) -> Gathered:
    """Every candidate of the cohort, with the facts, decisions and outcome the jury needs.

    ``issuers`` are the trusted issuers' keys (``credentials.KeyFile``): an
    attestation carries domains over only when one of them signed it.
    """
    lang = cohort.language
    result = Gathered(None)
    read = [run.read_identity(folder) for folder in folders]  # each mkdocs.yml read once
    identities = [(name, student_id) for name, student_id, _project in read]
    slugs = run.unique_slugs([name for name, _ in identities])
    bases = Counter(make_slug(name, empty="dossier") for name, _ in identities)
    shared = Counter(student_id for _, student_id in identities if student_id)
    policy = run.CohortPolicy(
        referential=cohort.referential, juries=cohort.juries, reviews=cohort.reviews, issuers=tuple(issuers),
        qcm_required=cohort.qcm_required, language=lang,
    )
    tasks = []
    for folder, slug, (name, student_id), (_n, _s, project) in zip(folders, slugs, identities, read):
        unique = bases[make_slug(name, empty="dossier")] == 1
        if shared[student_id] > 1:
            # Two dossiers claim one student number: neither gets a row (nor a decision) until it is resolved.
            others = [str(f) for f, (_n, s) in zip(folders, identities) if s == student_id and f != folder]
            result.errors.append(translate(lang, "session.same_key", key=student_id, folder=str(folder), other=", ".join(others)))
            continue
        if not student_id or not valid_id(student_id):
            # Jury files are matched by student number alone (a name is anyone's to write).
            declared = _declared_student_id(project) if project is not None else ""
            if declared:
                result.errors.append(translate(lang, "session.bad_student_id", folder=str(folder), found=declared[:80]))
            else:
                result.errors.append(translate(lang, "session.no_student_id", folder=str(folder), name=name))
            continue
        tasks.append((str(folder), student_id, policy.untrusted(slug, student_id, unique), lang, project))
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks) or 1))
    if jobs > 1 and len(tasks) >= PARALLEL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context()) as pool:
            outputs = list(pool.map(_one_packed, tasks, chunksize=max(1, len(tasks) // (jobs * 4))))
    else:
        outputs = [_one(*task) for task in tasks]
    referentials: dict[tuple[str, str], Referential] = {}
    sessions: Counter[str] = Counter()
    institutions: Counter[str] = Counter()
    candidates: list[Candidate] = []
    for task, (candidate, referential, session, institution, errors) in zip(tasks, outputs):
        result.errors.extend(e if e.startswith(task[0]) else f"{task[0]}: {e}" for e in errors)
        if candidate is None or referential is None:
            if not errors:
                result.errors.append(f"{task[0]}: {translate(lang, 'cohort.failure.config')}")
            continue
        referentials.setdefault((referential.id, referential.version), referential)
        sessions[session] += 1
        institutions[institution] += 1
        candidates.append(candidate)
    if len(referentials) > 1:
        # A session judges one referential: the cohort must name it.
        names = ", ".join(f"{i} {v}" for i, v in referentials)
        result.errors.append(translate(lang, "session.several_referentials", names=names))
        return result
    if not referentials:
        result.errors.append(translate(lang, "session.no_candidate"))
        return result
    session_name = cohort.session or _only(sessions)
    if not session_name:
        result.errors.append(translate(lang, "session.no_session", found=", ".join(sorted(s for s in sessions if s)) or "—"))
        return result
    institution = cohort.institution or _only(institutions)
    candidates.sort(key=lambda c: (c.name.casefold(), c.key))
    result.session = Session(
        referential=next(iter(referentials.values())),
        session=session_name,
        institution=institution,
        language=lang,
        title=cohort.title,
        candidates=candidates,
    )
    return result


def _only(counts: Counter[str]) -> str:
    """The one value every dossier declares, or "" when they differ."""
    values = [v for v in counts if v]
    return values[0] if len(values) == 1 else ""
