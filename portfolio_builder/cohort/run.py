"""Build every dossier of a cohort, in parallel, each in isolation.

A dossier that fails to build does not stop the others: its row shows why.
Workers are separate processes (one per core). Each dossier is read as
untrusted input (``core.project.Untrusted``) and built with a configuration we
wrote (``trusted``); when its docs folder holds links leaving it, the build
reads a staged copy without them.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portfolio_builder.core.check import Options, check_project
from portfolio_builder.core.project import ConfigError, Untrusted, load_project
from portfolio_builder.core.view import slug as make_slug
from portfolio_builder.i18n import translate

# Names the cohort site uses for itself: no candidate's folder may take them.
RESERVED_SLUGS = frozenset({"assets", "reports", "index", "report"})
# The theme's assets, stored once while the cohort builds; each site hard-links them
# (``mkdocs_plugin.shared``), and the store itself is removed at the end.
SHARED_STORE = ".theme-assets"


@dataclass(frozen=True)
class CohortPolicy:
    """What the cohort, not the dossier, decides."""

    referential: str | None = None  # a shipped id or an absolute path
    juries: Path | None = None  # the jury's own files: <student_id>.yml (or <slug>.yml)
    reviews: Path | None = None  # the tutors' own reviews: <student_id>/*.yml (or <slug>/)
    issuers: tuple[Any, ...] = ()  # the trusted issuers' public keys (credentials.KeyFile)
    language: str = "fr"
    qcm_required: tuple[tuple[str, bool, int], ...] = ()  # the session's QCM setting (cohort.yml)
    cohort_file: str = ""

    def untrusted(self, slug: str, student_id: str, name_is_unique: bool, shared_id: bool = False) -> Untrusted:
        """How to read one dossier. Its jury file and reviews come from the cohort's side only
        (``core.authority``), found by student number, or by name only when no other candidate
        of the cohort has the same one (homonyms never guess). A student number that two
        dossiers claim gives neither of them anything until it is resolved."""
        keys = [] if shared_id else ([student_id] if student_id else ([slug] if name_is_unique else []))
        jury = next((self.juries / f"{k}.yml" for k in keys if self.juries and (self.juries / f"{k}.yml").is_file()), None)
        reviews = next((self.reviews / k for k in keys if self.reviews and (self.reviews / k).is_dir()), None)
        return Untrusted(
            referential=self.referential,
            jury=_inside(jury, self.juries),
            reviews=_inside(reviews, self.reviews),
            issuers=self.issuers,
            qcm_required=self.qcm_required,
            cohort_file=self.cohort_file,
        )


def _inside(path: Path | None, folder: Path | None) -> Path | None:
    """``path`` resolved, when it stays inside ``folder`` (a link out of the juries' folder is not theirs)."""
    if path is None or folder is None:
        return None
    resolved = path.resolve()
    return resolved if resolved.is_relative_to(folder.resolve()) else None


@dataclass
class DossierResult:
    source: str  # the dossier's folder, as given
    slug: str
    built: bool = False
    report: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)  # formatted, in the dossier's language
    failure: str = ""


def unique_slugs(names: list[str]) -> list[str]:
    """One slug per name, never twice the same and never a reserved one."""
    used: set[str] = set(RESERVED_SLUGS)
    slugs = []
    for name in names:
        base = make_slug(name, empty="dossier")
        slug, n = base, 1
        while slug in used:
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        slugs.append(slug)
    return slugs


def _identity(folder: Path) -> tuple[str, str]:
    """(candidate name or folder name, student_id), read as an untrusted dossier."""
    try:
        settings = load_project(folder, untrusted=Untrusted()).settings
    except ConfigError:
        return folder.resolve().name, ""
    return settings.candidate_name or folder.resolve().name, settings.student_id


def build_one(folder: str, slug: str, site_root: str, untrusted: Untrusted, lang: str) -> DossierResult:
    """Worker: check, then build with the trusted configuration. Never raises."""
    from portfolio_builder import build as build_mod
    from portfolio_builder.cohort import trusted

    _remember_theme_listing()
    _share_compiled_templates()
    result = DossierResult(source=folder, slug=slug)
    try:
        project = load_project(folder, untrusted=untrusted)
    except ConfigError as error:
        result.problems = [p.format(lang) for p in error.problems]
        result.failure = translate(lang, "cohort.failure.config")
        return result
    checked = check_project(project, Options())
    result.problems = [p.format(checked.lang) for p in checked.problems if p.is_error]
    work = Path(tempfile.mkdtemp(prefix=f"portfolio-cohort-{slug}-"))
    try:
        docs = project.docs_dir
        staged: list[Any] = []
        if checked.refused_files:
            # Links leaving the dossier: build from a copy without them.
            docs = work / "docs"
            trusted.stage_docs(project, docs)
            staged = [p for p in checked.problems if p.code == "symlink-outside"]
        config_path = trusted.write_config(project, docs, work / "mkdocs.yml")
        build_mod.build(
            build_mod.BuildRequest(
                project=work,
                config_file=config_path,
                source_config=project.config_file,
                site_dir=Path(site_root) / slug,
                untrusted=untrusted,
                quiet=True,
                silent=True,
                staged_problems=staged,
                locked_by_caller=True,
                shared_assets=Path(site_root) / SHARED_STORE,
            )
        )
        result.built = True
        result.report = json.loads((Path(site_root) / slug / "report.json").read_text(encoding="utf-8"))
        # The site's own report is what the row shows: the same problems, the same counts.
        result.problems = [_format(p) for p in result.report["problems"] if p["severity"] == "error"]
    except build_mod.BuildFailed as error:
        result.failure = str(error)
    except Exception as error:  # noqa: BLE001 - one dossier must never stop the cohort
        result.failure = translate(lang, "cohort.failure.unexpected", error=f"{type(error).__name__}: {error}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _format(problem: dict[str, Any]) -> str:
    location = f"{problem['file']}:{problem['line']}:{problem['column']}"
    hint = f" ({problem['hint']})" if problem.get("hint") else ""
    return f"{location}: [{problem['code']}] {problem['message']}{hint}"


def build_all(
    folders: list[Path],
    site_root: Path,
    policy: CohortPolicy,
    jobs: int | None = None,
    progress: Callable[[DossierResult], None] | None = None,
) -> list[DossierResult]:
    identities = [_identity(folder) for folder in folders]
    slugs = unique_slugs([name for name, _ in identities])
    bases = Counter(make_slug(name, empty="dossier") for name, _ in identities)
    ids = Counter(student_id for _, student_id in identities if student_id)
    readings = {
        slug: policy.untrusted(slug, student_id, bases[make_slug(name, empty="dossier")] == 1, ids[student_id] > 1)
        for slug, (name, student_id) in zip(slugs, identities)
    }
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(folders)))
    tasks = {slug: (str(folder), readings[slug]) for slug, folder in zip(slugs, folders)}
    results: dict[str, DossierResult] = {}

    def done(result: DossierResult) -> None:
        results[result.slug] = result
        if progress is not None:
            progress(result)

    store = site_root / SHARED_STORE
    shutil.rmtree(store, ignore_errors=True)  # a killed run's leftovers
    try:
        pending = _run_pool(tasks, site_root, policy, jobs, done)
        # A worker that died (killed, out of memory, crashed) breaks the whole pool: retry the
        # dossiers it left one at a time, so only the one that kills its worker fails.
        for slug in pending:
            left = _run_pool({slug: tasks[slug]}, site_root, policy, 1, done)
            for lost in left:
                done(DossierResult(source=tasks[lost][0], slug=lost, failure=translate(policy.language, "cohort.failure.crashed")))
    finally:
        shutil.rmtree(store, ignore_errors=True)  # the sites keep their links to the same data
    return [results[slug] for slug in slugs]


def _run_pool(
    tasks: dict[str, tuple[str, Untrusted]],
    site_root: Path,
    policy: CohortPolicy,
    jobs: int,
    done: Callable[[DossierResult], None],
) -> list[str]:
    """Run ``tasks`` (slug → folder and how to read it); return the slugs a broken pool left undone."""
    context = multiprocessing.get_context("fork")
    unfinished = set(tasks)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures: dict[Future, str] = {
            pool.submit(build_one, folder, slug, str(site_root), reading, policy.language): slug
            for slug, (folder, reading) in tasks.items()
        }
        try:
            for future in as_completed(futures):
                slug = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    raise
                except Exception as error:  # noqa: BLE001 - reported on the dossier's row
                    message = translate(policy.language, "cohort.failure.unexpected", error=f"{type(error).__name__}: {error}")
                    result = DossierResult(source=tasks[slug][0], slug=slug, failure=message)
                unfinished.discard(slug)
                done(result)
        except BrokenProcessPool:
            pass
    return [slug for slug in tasks if slug in unfinished]


def _remember_theme_listing() -> None:
    """In a worker, list each theme folder's templates once, not once per dossier.

    MkDocs lists every file of the theme (Material ships thousands of icons) at
    each build; the theme folders are the same for every dossier of a cohort.
    """
    import jinja2

    loader = jinja2.FileSystemLoader
    if getattr(loader.list_templates, "_portfolio_memo", False):
        return
    original = loader.list_templates
    memo: dict[tuple[str, ...], list[str]] = {}

    def list_templates(self: jinja2.FileSystemLoader) -> list[str]:
        key = tuple(str(p) for p in self.searchpath)
        if key not in memo:
            # MkDocs lists templates only to find the theme's static files, and never takes a
            # hidden one ('.*', '*/.*'): Material's ~14,000 icons under .icons/ go at once.
            memo[key] = [name for name in original(self) if not (name.startswith(".") or "/." in name)]
        return list(memo[key])

    list_templates._portfolio_memo = True  # type: ignore[attr-defined]
    loader.list_templates = list_templates  # type: ignore[method-assign]


class _MemoryBytecodeCache:
    """Compiled templates kept in the worker's memory, for every environment it creates.

    Jinja checks each template's source against the stored checksum, so a changed template
    is compiled again. Without it, each dossier compiles again what the previous one did in
    the environments MkDocs and Material create without a cache (the search plugin's
    translations, three times per build)."""

    def __init__(self) -> None:
        import jinja2

        class Cache(jinja2.BytecodeCache):
            def __init__(self) -> None:
                self.buckets: dict[str, bytes] = {}

            def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
                data = self.buckets.get(bucket.key)
                if data is not None:
                    bucket.bytecode_from_string(data)

            def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
                self.buckets[bucket.key] = bucket.bytecode_to_string()

        self.cache = Cache()


def _share_compiled_templates() -> None:
    """In a worker, give each theme environment without a bytecode cache the worker's own."""
    from mkdocs.theme import Theme

    if getattr(Theme.get_env, "_portfolio_memo", False):
        return
    original = Theme.get_env
    shared = _MemoryBytecodeCache().cache

    def get_env(self: Theme):  # type: ignore[no-untyped-def]
        env = original(self)
        if env.bytecode_cache is None:
            env.bytecode_cache = shared
        return env

    get_env._portfolio_memo = True  # type: ignore[attr-defined]
    Theme.get_env = get_env  # type: ignore[method-assign]
