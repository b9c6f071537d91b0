"""The core pipeline: project → pages → evidence → coverage (→ reviews, jury, outcome).

``check_project`` is what both adapters call: ``portfolio check`` prints its
result, the MkDocs plugin renders it. It never raises on a bad dossier: every
problem is collected, so the author sees them all at once.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from portfolio_builder.core import authority, docs_tree, rules
from portfolio_builder.core import coverage as coverage_mod
from portfolio_builder.core import jury as jury_mod
from portfolio_builder.core import referential as referential_mod
from portfolio_builder.core import reviews as reviews_mod
from portfolio_builder.core.coverage import Coverage
from portfolio_builder.core.evidence import PRIVATE, Evidence, PageRead, read_page
from portfolio_builder.core.limits import DEFAULT as DEFAULT_LIMITS
from portfolio_builder.core.limits import Limits
from portfolio_builder.core.links import Link
from portfolio_builder.core.links import resolve as resolve_link
from portfolio_builder.core.problems import ERROR, WARNING, Problem, ProblemSink
from portfolio_builder.core.project import Project, load_project
from portfolio_builder.core.referential import Referential
from portfolio_builder.i18n import LANGUAGES, translate


@dataclass(frozen=True, slots=True)
class Options:
    strict: bool = False
    public: bool = False  # leave out what is marked `visibility: private`
    lang: str | None = None  # overrides the dossier's language for messages
    jobs: int = 1  # processes for reading pages; worth it from a few hundred pages
    issuers: tuple[Any, ...] = ()  # credentials.KeyFile of the trusted issuers (the institution's word)
    limits: Limits = DEFAULT_LIMITS  # sizes a dossier may not pass (``core.limits``)


@dataclass(slots=True)
class Dossier:
    project: Project
    options: Options
    referential: Referential | None
    evidence: list[Evidence]
    coverage: Coverage
    problems: list[Problem]
    pages: list[str] = field(default_factory=list)  # every Markdown page, docs-relative
    private_pages: set[str] = field(default_factory=set)  # docs-relative pages and attachments
    refused_files: set[str] = field(default_factory=set)
    other_files: list[tuple[Path, str]] = field(default_factory=list)
    config_failed: bool = False  # mkdocs.yml or the referential is unusable: exit status 2
    over_limit: bool = False  # a size limit was passed: the dossier is never built
    active_files: set[str] = field(default_factory=set)  # public or cohort build: HTML/XML/SVG made inert
    reviews: reviews_mod.ReviewIndex = field(default_factory=reviews_mod.ReviewIndex)
    jury: jury_mod.Jury | None = None
    attestations: list[jury_mod.Attestation] = field(default_factory=list)
    outcome: rules.Outcome | None = None
    forecast: rules.Forecast | None = None
    # What the dossier itself holds of the jury's and tutors' word, shown but never counted (cohorts).
    declared_jury: jury_mod.Jury | None = None
    declared_reviews: reviews_mod.ReviewIndex = field(default_factory=reviews_mod.ReviewIndex)
    sources: authority.Sources | None = None
    qcm: dict[str, rules.QcmSetting] = field(default_factory=dict)  # domain → this session's QCM setting

    @property
    def lang(self) -> str:
        return self.options.lang or self.project.settings.language

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == WARNING)

    def evidence_by_path(self) -> dict[str, Evidence]:
        return {e.path: e for e in self.evidence}

    def level(self, code: str) -> CompetencyLevel | None:
        """The levels of one competency, where the referential has levels (``None`` otherwise)."""
        ref = self.referential
        if ref is None or ref.levels is None or code not in self.coverage.by_code:
            return None
        entry = self.coverage.by_code[code]
        paths = [e.path for e in entry.evidence]
        reviewed = self.reviews.best_level(code, paths)
        decided = self.jury.levels.get(code) if self.jury else None
        if decided is not None:
            validated, by = decided, "jury"
        elif reviewed is not None and self.reviews.best_status(code, paths) == reviews_mod.MET:
            validated, by = reviewed, "review"
        else:
            validated, by = None, None
        return CompetencyLevel(entry.level_evidenced, reviewed, decided, validated, by, ref.min_level(code))


@dataclass(frozen=True, slots=True)
class CompetencyLevel:
    """Highest level claimed by the evidence, assessed by a tutor, recognised by the jury."""

    evidenced: int | None
    reviewed: int | None
    decided: int | None
    validated: int | None  # the jury's, else a tutor's with a `met` verdict
    validated_by: str | None  # "jury", "review" or None
    required: int | None  # the rules' minimum, if any


def check_path(target: str | Path, options: Options = Options()) -> Dossier:
    """Load the project at ``target`` and check it (raises ConfigError if unreadable)."""
    return check_project(load_project(target), options)


def check_project(project: Project, options: Options = Options()) -> Dossier:
    problems: list[Problem] = list(project.problems)
    settings = project.settings
    strict = options.strict or settings.mode == "certification"

    loaded = referential_mod.load(settings.referential, project.root)
    problems.extend(loaded.problems)
    referential = loaded.referential
    if loaded.path is None and settings.referential:
        sink = ProblemSink(project.config_display)
        suggestion = referential_mod.suggest_shipped(settings.referential)
        sink.error(
            "unknown-referential",
            project.entry_pos("referential"),
            "referential",
            "referential.unknown",
            hint_id="hint.did_you_mean" if suggestion else "referential.unknown.hint",
            hint_args={"suggestion": suggestion} if suggestion else {"ids": ", ".join(referential_mod.shipped_ids())},
            name=settings.referential,
        )
        problems.extend(sink.items)
    # Paths refused by confinement leave the configuration usable: the build goes on without them.
    config_failed = referential is None or any(p.is_error and p.code != "path-outside" for p in problems)

    docs_prefix = project.display(project.docs_dir) + "/"
    tree = docs_tree.walk(project.docs_dir, project.root, docs_prefix, options.limits, untrusted=project.untrusted)
    problems.extend(tree.problems)

    evidence: list[Evidence] = []
    links: dict[str, list[Link]] = {}
    private_pages: set[str] = set()
    for (_abs, rel), (page_problems, read) in zip(
        tree.pages, _read_pages(tree.pages, project, referential, docs_prefix, options.jobs)
    ):
        problems.extend(page_problems)
        links[rel] = read.links
        if read.private:
            private_pages.add(rel)  # evidence or not: `visibility: private` keeps a page out
        if read.evidence is not None:
            evidence.append(read.evidence)
    problems.extend(_duplicate_ids(evidence, docs_prefix))
    if strict:
        # `portfolio new`'s example text is no evidence a jury can read.
        problems = [replace(p, severity=ERROR) if p.code == "placeholder-text" else p for p in problems]

    # Reviews are matched against every piece of evidence, private ones included.
    sources = authority.sources(project, options.issuers)
    review_index, review_problems = _load_reviews(sources.reviews, project, evidence, referential, sources.reviews_verified)
    problems.extend(review_problems)
    declared_reviews, declared_problems = _load_reviews(sources.declared_reviews, project, evidence, referential, False)
    problems.extend(declared_problems)

    # Private pages and attachments, kept out of a public build (and links to them refused).
    private_pages |= {e.path for e in evidence if e.visibility == PRIVATE} | {
        a.path for e in evidence for a in e.attachments if a.path and (a.visibility == PRIVATE or e.visibility == PRIVATE)
    }
    private_pages |= _embedded_only_by(private_pages, links, {rel for _abs, rel in tree.other_files})
    if options.public:
        evidence, review_index, problems = _public_only(evidence, review_index, problems, private_pages, docs_prefix)
        declared_reviews = _public_reviews(declared_reviews, private_pages)
        problems.extend(_private_links(links, private_pages, docs_prefix))
    active: set[str] = set()
    if options.public or project.untrusted:
        # Published there, an HTML or SVG file would run its scripts on the site's origin.
        published = [(a, rel) for a, rel in tree.other_files if not (options.public and rel in private_pages)]
        active, active_problems = _active_files(published, docs_prefix)
        problems.extend(active_problems)

    # Domains an earlier attestation validated count as covered and validated everywhere.
    attestations, attestation_problems = jury_mod.load_attestations(project, referential, sources)
    problems.extend(attestation_problems)
    carried_over = _carried_over(attestations, referential)
    cov = coverage_mod.compute(referential, evidence, carried_over) if referential else Coverage.empty()
    if referential is not None:
        problems.extend(_missing_competencies(project, referential, cov, strict))
    if settings.mode == "certification":
        problems.extend(_missing_metadata(project))

    jury, jury_problems = _load_jury(sources.jury, project, referential, sources.jury_verified)
    problems.extend(jury_problems)
    if jury is not None:
        problems.extend(_decisions_without_evidence(jury, cov))
    declared_jury, declared_jury_problems = _load_jury(sources.declared_jury, project, referential, False)
    problems.extend(declared_jury_problems)
    outcome = forecast = None
    qcm: dict[str, rules.QcmSetting] = {}
    if referential is not None:
        carried = set(carried_over)
        cohort_qcm, cohort_problems = _cohort_qcm(settings, referential)
        problems.extend(cohort_problems)
        qcm = rules.qcm_settings(
            referential, jury.qcm_required if jury else None, jury.file if jury else "", cohort_qcm, settings.cohort_file
        )
        required = {code for code, setting in qcm.items() if setting.required}
        if jury is not None:
            problems.extend(_qcm_results_ignored(jury, required))
        outcome = rules.evaluate(
            referential,
            jury.decisions if jury else None,
            {code: r.passed for code, r in jury.qcm.items()} if jury else None,
            carried,
            qcm_required=required,
            levels=jury.levels if jury else None,
            conditions=jury.conditions if jury else None,
        )
        met = {
            code
            for code, entry in cov.by_code.items()
            if review_index.best_status(code, [e.path for e in entry.evidence]) == reviews_mod.MET
        }
        reviewed = {
            code: level
            for code, entry in cov.by_code.items()
            if (level := review_index.best_level(code, [e.path for e in entry.evidence])) is not None
        }
        forecast = rules.forecast(
            referential, {c for c, e in cov.by_code.items() if e.covered}, met, carried, qcm_required=required, levels=reviewed
        )

    dossier = Dossier(
        project=project,
        options=options,
        referential=referential,
        evidence=evidence,
        coverage=cov,
        problems=problems,
        pages=[rel for _abs, rel in tree.pages],
        private_pages=private_pages,
        refused_files=tree.refused,
        other_files=tree.other_files,
        config_failed=config_failed,
        over_limit=tree.over_limit,
        active_files=active,
        reviews=review_index,
        jury=jury,
        attestations=attestations,
        outcome=outcome,
        forecast=forecast,
        declared_jury=declared_jury,
        declared_reviews=declared_reviews,
        sources=sources,
        qcm=qcm,
    )
    if options.public:
        # A public build quotes no private value (student_id) in any message: an
        # `attestation-mismatch` names the number found and the one expected.
        secrets = [settings.student_id] if settings.student_id else []
        hidden_paths = private_pages | {docs_prefix + path for path in private_pages}
        dossier.problems = [_redacted(p, secrets, hidden_paths) for p in dossier.problems]
    dossier.problems.sort(key=Problem.sort_key)
    return dossier


def _load_reviews(
    folder: Path | None, project: Project, evidence: list[Evidence], referential: Referential | None, verified: bool
) -> tuple[reviews_mod.ReviewIndex, list[Problem]]:
    if folder is None:
        return reviews_mod.ReviewIndex(), []
    return reviews_mod.load(folder, project, evidence, referential, project.display(folder) + "/", verified=verified)


def _load_jury(
    path: Path | None, project: Project, referential: Referential | None, verified: bool
) -> tuple[jury_mod.Jury | None, list[Problem]]:
    settings = project.settings
    display = project.display(path) if path is not None else ""
    return jury_mod.load_jury(path, referential, verified, display, settings.institution, settings.session)


def _public_reviews(index: reviews_mod.ReviewIndex, private: set[str]) -> reviews_mod.ReviewIndex:
    return reviews_mod.ReviewIndex(
        reviews=[r for r in index.reviews if r.evidence_path not in private],
        by_evidence={path: found for path, found in index.by_evidence.items() if path not in private},
    )


def _qcm_results_ignored(jury: jury_mod.Jury, required: set[str]) -> list[Problem]:
    """A QCM result for a domain whose QCM this session does not require: said, then ignored."""
    sink = ProblemSink(jury.file)
    for code in jury.qcm:
        if code not in required:
            sink.warning("unknown-domain", (jury.qcm_lines.get(code, 1), 1), f"qcm.{code}", "jury.qcm_not_required", code=code)
    return sink.items


def _cohort_qcm(settings, referential: Referential) -> tuple[dict[str, bool], list[Problem]]:
    """The cohort's QCM setting for its session, per domain of the referential."""
    found: dict[str, bool] = {}
    sink = ProblemSink(settings.cohort_file or "cohort.yml")
    for code, required, line in settings.cohort_qcm:
        if code == "*":
            found.update({d.code: required for d in referential.domains})
        elif code in referential.domain_index:
            found[code] = required
        else:
            referential_mod.unknown_code(sink, referential, code, (line, 1), f"qcm_required.{code}", "jury.unknown_domain", domain=True)
    return found, sink.items


def _carried_over(
    attestations: list[jury_mod.Attestation], referential: Referential | None
) -> dict[str, coverage_mod.CarriedOver]:
    """Domain → the earliest attestation that validated it."""
    found: dict[str, coverage_mod.CarriedOver] = {}
    if referential is None:
        return found
    for attestation in sorted(attestations, key=lambda a: (a.date, a.session)):
        for code in attestation.validated_domains:
            if code in referential.domain_index and code not in found:
                found[code] = coverage_mod.CarriedOver(attestation.session, attestation.date, attestation.institution)
    return found


REDACTED = "•••"


def _redacted(problem: Problem, secrets: list[str], hidden_paths: AbstractSet[str] = frozenset()) -> Problem:
    """The problem with every private value replaced in its message and hint arguments:
    the student number anywhere, the name of a private page or file when an argument is one
    (but a `private-link` names its target: the public build refuses it, and the student must
    know which link to fix)."""
    if not secrets and not hidden_paths:
        return problem
    from dataclasses import replace

    paths = hidden_paths if problem.code != "private-link" else frozenset()

    def clean(args: tuple[tuple[str, object], ...]) -> tuple[tuple[str, object], ...]:
        out = []
        for name, value in args:
            if isinstance(value, str):
                if value in paths:
                    value = REDACTED
                for secret in secrets:
                    value = value.replace(secret, REDACTED)
            out.append((name, value))
        return tuple(out)

    args, hints = clean(problem.args), clean(problem.hint_args)
    if args == problem.args and hints == problem.hint_args:
        return problem
    return replace(problem, args=args, hint_args=hints)


def _embedded_only_by(private: set[str], links: dict[str, list[Link]], files: set[str]) -> set[str]:
    """Images and files that private pages embed or link to, and no other page does."""
    if not private:
        return set()
    used_by_private: set[str] = set()
    used_by_public: set[str] = set()
    for page, found in links.items():
        targets = {p for link in found for p in resolve_link(link.target, page) if p in files}
        (used_by_private if page in private else used_by_public).update(targets)
    return used_by_private - used_by_public


def _active_files(files: list[tuple[Path, str]], docs_prefix: str) -> tuple[set[str], list[Problem]]:
    """Files a browser would run (HTML, XML, SVG): the build makes each of them inert."""
    active: set[str] = set()
    problems: list[Problem] = []
    for _abs, rel in files:
        kind = docs_tree.active_kind(rel)
        if kind is None:
            continue
        active.add(rel)
        if kind == docs_tree.ACTIVE_DOCUMENT:
            sink = ProblemSink(docs_prefix + rel)
            sink.warning(
                "active-file", (1, 1), "", "docs.active_file", hint_id="docs.active_file.hint",
                published=docs_tree.inert_name(rel),
            )
            problems.extend(sink.items)
    return active, problems


def _private_links(links: dict[str, list[Link]], private: set[str], docs_prefix: str) -> list[Problem]:
    """A public page that links to private work: the public build would show the link."""
    problems: list[Problem] = []
    for page, found in links.items():
        if page in private:
            continue
        sink = ProblemSink(docs_prefix + page)
        for link in found:
            target = next((p for p in resolve_link(link.target, page) if p in private), None)
            if target is not None:
                sink.error(
                    "private-link",
                    (link.line, link.column),
                    "",
                    "links.private",
                    hint_id="links.private.hint",
                    link=link.target,
                    target=target,
                )
        problems.extend(sink.items)
    return problems


def _public_only(
    evidence: list[Evidence],
    reviews: reviews_mod.ReviewIndex,
    problems: list[Problem],
    private: set[str],
    docs_prefix: str,
) -> tuple[list[Evidence], reviews_mod.ReviewIndex, list[Problem]]:
    """What a public build may show: no private page, attachment, review or problem about them."""
    public = [e for e in evidence if e.path not in private]
    for item in public:
        item.attachments = [a for a in item.attachments if a.path not in private]
    kept = _public_reviews(reviews, private)
    private_files = {docs_prefix + path for path in private}
    return public, kept, [p for p in problems if p.file not in private_files]


# Below this many pages, one process: workers save some wall time on idle cores but cost
# ~40% more CPU (each result is pickled there and unpickled here), which a shared CI
# runner pays (benchmarks/check_speed.py). A cohort's `check` still runs one process per
# dossier across the cores.
PARALLEL_THRESHOLD = 10_000

PageResult = tuple[list[Problem], PageRead]


def _read_one(abs_path: Path, rel: str, project: Project, referential: Referential | None, prefix: str) -> PageResult:
    sink = ProblemSink(prefix + rel)
    read = read_page(abs_path, rel, project.docs_dir, project.root, referential, sink)
    return sink.items, read


def _read_chunk(args: tuple) -> list[PageResult]:
    chunk, project, referential, prefix = args
    return [_read_one(abs_path, rel, project, referential, prefix) for abs_path, rel in chunk]


def _read_pages(
    pages: list[tuple[Path, str]], project: Project, referential: Referential | None, prefix: str, jobs: int
) -> list[PageResult]:
    """Read every page, in worker processes when the dossier is large."""
    if jobs <= 1 or len(pages) < PARALLEL_THRESHOLD:
        return [_read_one(abs_path, rel, project, referential, prefix) for abs_path, rel in pages]
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = max(50, -(-len(pages) // jobs))
    chunks = [(pages[i : i + size], project, referential, prefix) for i in range(0, len(pages), size)]
    context = multiprocessing.get_context()  # the platform's default: fork, or spawn where fork is not
    # Frozen, the objects a forked worker inherits are never traversed by its garbage
    # collector: no copy-on-write of the whole heap in each worker (a third of check's CPU).
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            return [result for chunk in pool.map(_read_chunk, chunks) for result in chunk]
    finally:
        gc.unfreeze()


def _duplicate_ids(evidence: list[Evidence], docs_prefix: str) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[str, Evidence] = {}
    for item in evidence:
        other = first.get(item.id)
        if other is None:
            first[item.id] = item
            continue
        sink = ProblemSink(docs_prefix + item.path)
        sink.error(
            "duplicate-id",
            (item.id_line, 1),
            "id",
            "evidence.duplicate_id",
            hint_id="evidence.duplicate_id.hint",
            hint_args={"other": docs_prefix + other.path},
            id=item.id,
        )
        problems.extend(sink.items)
    return problems


def _decisions_without_evidence(jury: jury_mod.Jury, cov: Coverage) -> list[Problem]:
    """A competency validated with no evidence in the dossier: the jury should see it."""
    sink = ProblemSink(jury.file)
    for code, decision in jury.decisions.items():
        entry = cov.by_code.get(code)
        if decision == rules.VALIDATED and entry is not None and not entry.covered:  # carried over: no warning
            sink.warning(
                "decision-without-evidence",
                (jury.lines.get(code, 1), 1),
                f"decisions.{code}",
                "jury.validated_without_evidence",
                code=code,
            )
    return sink.items


_PLACEHOLDERS = ("scaffold.candidate_placeholder", "scaffold.institution_placeholder")


def _missing_metadata(project: Project) -> list[Problem]:
    """A certification dossier must say who, where and when: the jury needs it."""
    sink = ProblemSink(project.config_display)
    settings = project.settings
    placeholders = {translate(lang, key) for lang in LANGUAGES for key in _PLACEHOLDERS}
    for name, value in (("candidate", settings.candidate_name), ("institution", settings.institution), ("session", settings.session)):
        if value in placeholders:
            # `portfolio new` wrote an example value: the jury needs the real one.
            sink.error("missing-metadata", project.entry_pos(name), name, "config.placeholder", name=name, value=value)
        elif not value:
            sink.error(
                "missing-metadata",
                project.entry_pos(),
                name,
                "config.certification_requires",
                hint_id="config.certification_requires.hint",
                hint_args={"name": name},
                name=name,
            )
    return sink.items


def _missing_competencies(project: Project, referential: Referential, cov: Coverage, strict: bool) -> list[Problem]:
    sink = ProblemSink(project.config_display)
    pos = project.entry_pos("referential")
    for code in cov.missing:
        competency = referential.competencies[code]
        add = sink.error if strict else sink.warning
        add(
            "missing-competency",
            pos,
            "referential",
            "coverage.missing",
            hint_id="coverage.missing.hint",
            hint_args={"code": code},
            code=code,
            title=competency.title,
        )
    return sink.items
