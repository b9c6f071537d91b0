"""Build every dossier of a cohort, in parallel, each in isolation.

A dossier that fails to build does not stop the others: its row shows why.
Each dossier builds in a process of its own (as many at once as there are
cores), in its own process group, within the cohort's limits (``core.limits``):
past ``build_seconds`` the group is killed and the row says why; the others go
on. Each dossier is read as untrusted input (``core.project.Untrusted``) and
built with a configuration we wrote (``trusted``), from a staged copy of the
files its check accepted.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from portfolio_builder.core.check import Options, check_project
from portfolio_builder.core.limits import DEFAULT as DEFAULT_LIMITS
from portfolio_builder.core.limits import Limits
from portfolio_builder.core.project import ConfigError, Project, Untrusted, load_project, with_policy
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
    allow_dirty: bool = False  # certification dossiers without .git (downloaded zips) or uncommitted
    limits: Limits = DEFAULT_LIMITS  # per dossier: sizes, and wall time of its build
    markdown_extensions: dict[str, Any] | None = None  # the cohort's, with their options

    def untrusted(self, slug: str, student_id: str, name_is_unique: bool, shared_id: bool = False) -> Untrusted:
        """How to read one dossier. Its jury file and reviews come from the cohort's side only
        (``core.authority``), found by student number alone: never by name, which anyone can
        write (a name « 21805233 » or a student number « jean-dupont » would otherwise reach
        another candidate's file). A student number that two dossiers claim gives neither of
        them anything until it is resolved. ``slug`` and ``name_is_unique`` are kept for callers."""
        del slug, name_is_unique
        keys = [student_id] if student_id and not shared_id else []
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
    problems: list[str] = field(default_factory=list)  # errors, formatted, in the dossier's language
    failure: str = ""
    warnings: list[str] = field(default_factory=list)  # formatted likewise
    name: str = ""  # the candidate's name as the dossier declares it (a failed row has no report)


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
    name, student_id, _project = read_identity(folder)
    return name, student_id


def read_identity(folder: Path) -> tuple[str, str, Project | None]:
    """(candidate name or folder name, student_id, the project read): the one reading of a
    dossier's mkdocs.yml in a cohort; its policy is applied later (``project.with_policy``)."""
    try:
        project = load_project(folder, untrusted=Untrusted())
    except ConfigError:
        return folder.resolve().name, "", None
    settings = project.settings
    return settings.candidate_name or folder.resolve().name, settings.student_id, project


def build_one(
    folder: str,
    slug: str,
    site_root: str,
    untrusted: Untrusted,
    lang: str,
    limits: Limits = DEFAULT_LIMITS,
    markdown_extensions: dict[str, Any] | None = None,
    work: str | None = None,
    allow_dirty: bool = False,
    sign_key: Any = None,
    public: bool = False,
    read: Project | None = None,
) -> DossierResult:
    """Worker: check, stage, then build with the trusted configuration. Never raises.

    ``read``: the dossier as the cohort already read it (``read_identity``): its
    mkdocs.yml is not read again, only the policy ``untrusted`` applied."""
    from portfolio_builder import build as build_mod

    result = DossierResult(source=folder, slug=slug)
    try:
        project = with_policy(read, untrusted) if read is not None else load_project(folder, untrusted=untrusted)
    except ConfigError as error:
        result.problems = [p.format(lang) for p in error.problems]
        result.failure = translate(lang, "cohort.failure.config")
        return result
    issuers = tuple(untrusted.issuers or ())
    checked = check_project(project, Options(limits=limits, public=public, issuers=issuers))
    result.problems = [p.format(checked.lang) for p in checked.problems if p.is_error]
    if checked.over_limit:
        # Refused before anything is copied or written: its row says which limit.
        result.failure = translate(lang, "cohort.failure.limits")
        return result
    try:
        # Staged beside its site (publish/stage.py) with the institution's configuration:
        # checked once, above; the stage reads only what the check accepted.
        build_mod.build(
            build_mod.BuildRequest(
                project=Path(folder),
                loaded=project,
                checked=checked,
                site_dir=Path(site_root) / slug,
                untrusted=untrusted,
                quiet=True,
                silent=True,
                allow_dirty=allow_dirty,
                locked_by_caller=True,
                limits=limits,
                sign_key=sign_key,
                public=public,
                issuers=issuers,
                shared_assets=Path(site_root) / SHARED_STORE,
                trusted_options=markdown_extensions,
            )
        )
        result.built = True
        result.report = json.loads((Path(site_root) / slug / "report.json").read_text(encoding="utf-8"))
        # The site's own report is what the row shows: the same problems, the same counts.
        result.problems = [_format(p) for p in result.report["problems"] if p["severity"] == "error"]
        result.warnings = [_format(p) for p in result.report["problems"] if p["severity"] == "warning"]
    except build_mod.BuildFailed as error:
        result.failure = str(error)
        # No report.json: the row lists the dossier's errors, from its one check (above).
    except Exception as error:  # noqa: BLE001 - one dossier must never stop the cohort
        result.failure = translate(lang, "cohort.failure.unexpected", error=f"{type(error).__name__}: {error}")
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
    read = [read_identity(folder) for folder in folders]  # each mkdocs.yml read once
    identities = [(name, student_id) for name, student_id, _project in read]
    slugs = unique_slugs([name for name, _ in identities])
    bases = Counter(make_slug(name, empty="dossier") for name, _ in identities)
    ids = Counter(student_id for _, student_id in identities if student_id)
    readings = {
        slug: policy.untrusted(slug, student_id, bases[make_slug(name, empty="dossier")] == 1, ids[student_id] > 1)
        for slug, (name, student_id) in zip(slugs, identities)
    }
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(folders)))
    tasks = {slug: (str(folder), readings[slug], project) for slug, folder, (_n, _s, project) in zip(slugs, folders, read)}
    results: dict[str, DossierResult] = {}

    names = dict(zip(slugs, (name for name, _ in identities)))

    def done(result: DossierResult) -> None:
        result.name = result.name or names.get(result.slug, "")
        results[result.slug] = result
        if progress is not None:
            progress(result)

    store = site_root / SHARED_STORE
    shutil.rmtree(store, ignore_errors=True)  # a killed run's leftovers
    try:
        _run_isolated(tasks, site_root, policy, jobs, done)
    finally:
        shutil.rmtree(store, ignore_errors=True)  # the sites keep their links to the same data
    for slug, (name, _student) in zip(slugs, identities):
        if slug in results:
            results[slug].name = results[slug].name or name
    return [results[slug] for slug in slugs]


def _worker(tasks: Any, results: Any, limits: Limits) -> None:
    """A worker process: its own group (what it starts is stopped with it), bounded writes;
    it builds the dossiers it is sent, one at a time, until told to stop (None)."""
    os.setpgrp()
    _die_with_parent()
    try:
        import resource

        ceiling = max(limits.docs_bytes, limits.file_bytes) + 256 * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (ceiling, ceiling))
    except (ImportError, ValueError, OSError):
        pass
    # This process's theme environments: compiled templates shared, and the cohort's pages
    # without the templates' indentation. Set here, in the worker, never in a caller's process.
    _share_compiled_templates()
    while True:
        try:
            args = tasks.recv()
        except (EOFError, OSError):
            args = None
        if args is None:
            # Everything was sent (send() returns once written): leave at once, without the
            # interpreter's exit handlers (a library's thread could keep it alive).
            os._exit(0)
        results.send(build_one(*args))


def _die_with_parent() -> None:
    """Linux: this worker is killed if the cohort process dies (even by SIGKILL), so a
    hanging build never outlives the cohort that would have stopped it."""
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


@dataclass
class _Slot:
    """One worker process and the dossier it is building."""

    process: Any
    tasks: Any  # parent → worker
    results: Any  # worker → parent
    slug: str = ""
    deadline: float = 0.0
    work: str = ""


def _start_slot(context: Any, limits: Limits) -> _Slot:
    task_reader, task_writer = context.Pipe(duplex=False)
    result_reader, result_writer = context.Pipe(duplex=False)
    process = context.Process(target=_worker, args=(task_reader, result_writer, limits), daemon=True)
    process.start()
    task_reader.close()
    result_writer.close()
    return _Slot(process, task_writer, result_reader)


def _stop(slot: _Slot) -> None:
    """Kill a worker's process group (its git or other children too), then reap it."""
    process = slot.process
    for kill in (lambda: os.killpg(process.pid, signal.SIGKILL), process.kill):
        try:
            kill()
        except (ProcessLookupError, PermissionError, OSError):
            pass
    process.join(5)
    for conn in (slot.tasks, slot.results):
        conn.close()


def _prewarm() -> None:
    """Import what every build needs once, before the workers start: forked, each starts warm."""
    import material  # noqa: F401
    import mkdocs.commands.build  # noqa: F401
    import mkdocs.config  # noqa: F401

    from portfolio_builder import build  # noqa: F401
    from portfolio_builder.mkdocs_plugin import plugin  # noqa: F401


def _run_isolated(
    tasks: dict[str, tuple[str, Untrusted, Project | None]],
    site_root: Path,
    policy: CohortPolicy,
    jobs: int,
    done: Callable[[DossierResult], None],
) -> None:
    """Build each task (slug → folder and how to read it) in one of ``jobs`` worker processes.

    A worker past the cohort's ``build_seconds`` for one dossier is killed with its process
    group, and replaced; one that dies (killed, out of memory, crashed) is replaced too.
    That dossier's row says why; the others go on.
    """
    from portfolio_builder import build as build_mod

    _prewarm()
    # The platform's own start method (fork on Linux, spawn on macOS and Windows): the
    # worker is a top-level function and every task is plain, picklable data.
    context = multiprocessing.get_context()
    waiting = list(tasks.items())
    seconds = policy.limits.build_seconds
    slots = [_start_slot(context, policy.limits) for _ in range(min(jobs, len(waiting)))]

    def finish(slot: _Slot, result: DossierResult) -> None:
        shutil.rmtree(slot.work, ignore_errors=True)
        build_mod.clean_leftovers(site_root / slot.slug)  # what a killed build left beside its site
        slot.slug = ""
        done(result)

    try:
        while True:
            for slot in slots:
                if slot.slug or not waiting:
                    continue
                slug, (folder, reading, project) = waiting.pop(0)
                slot.slug, slot.deadline = slug, time.monotonic() + seconds
                slot.work = tempfile.mkdtemp(prefix=f"portfolio-cohort-{slug}-")
                args = (
                    folder, slug, str(site_root), reading, policy.language, policy.limits, policy.markdown_extensions,
                    slot.work, policy.allow_dirty, None, False, project,
                )
                try:
                    slot.tasks.send(args)
                except (BrokenPipeError, OSError):
                    pass  # the worker is gone: seen below as a crash
            busy = [slot for slot in slots if slot.slug]
            if not busy:
                break
            deadline = min(slot.deadline for slot in busy)
            handles = [slot.results for slot in busy] + [slot.process.sentinel for slot in busy]
            ready = set(wait(handles, timeout=max(0.0, deadline - time.monotonic())))
            now = time.monotonic()
            for index, slot in enumerate(slots):
                if not slot.slug:
                    continue
                source = tasks[slot.slug][0]
                if slot.results in ready:
                    try:
                        finish(slot, slot.results.recv())
                        continue
                    except (EOFError, OSError):
                        pass  # died while answering: a crash
                elif slot.process.sentinel not in ready and now < slot.deadline:
                    continue
                if slot.process.is_alive() and now < slot.deadline:
                    continue
                if now >= slot.deadline and slot.process.is_alive():
                    shown = f"{seconds:g}"
                    result = DossierResult(
                        source=source,
                        slug=slot.slug,
                        failure=translate(policy.language, "cohort.failure.timeout", seconds=shown),
                        problems=[_timeout_problem(source, policy.language, shown)],
                    )
                else:
                    result = DossierResult(source=source, slug=slot.slug, failure=translate(policy.language, "cohort.failure.crashed"))
                _stop(slot)
                finish(slot, result)
                slots[index] = _start_slot(context, policy.limits)
    finally:
        for slot in slots:
            try:
                slot.tasks.send(None)
            except (BrokenPipeError, OSError):
                pass
        for slot in slots:
            slot.process.join(5)
            if slot.process.is_alive():
                _stop(slot)


def _timeout_problem(folder: str, lang: str, seconds: str) -> str:
    from portfolio_builder.core.problems import ProblemSink

    sink = ProblemSink("mkdocs.yml")
    sink.error("build-timeout", (1, 1), "", "cohort.failure.timeout", hint_id="cohort.failure.timeout.hint", seconds=seconds)
    return sink.items[0].format(lang)


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


def _material_templates() -> str:
    import material

    return os.path.join(os.path.dirname(os.path.realpath(material.__file__)), "templates") + os.sep


def _dedented(inner: Any) -> Any:
    """``inner``, a theme loader, giving Material's templates without the indentation of their lines.

    Material's templates hold no ``<pre>``, ``<textarea>``, ``<code>`` or ``<kbd>`` (where
    leading spaces would show), so a line's indentation is only bytes; a template that holds
    one is left as it is, and so is every other theme's (ours among them)."""
    import jinja2

    root = _material_templates()

    class Dedented(jinja2.BaseLoader):
        def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
            source, filename, uptodate = inner.get_source(environment, template)
            if filename and os.path.realpath(filename).startswith(root) and not _KEEPS_SPACES.search(source):
                source = "\n".join(line.lstrip(" \t") for line in source.split("\n"))
            return source, filename, uptodate

        def list_templates(self) -> list[str]:
            return inner.list_templates()

    return Dedented()


_KEEPS_SPACES = re.compile(r"<(pre|textarea|code|kbd)\b", re.IGNORECASE)


def _share_compiled_templates() -> None:
    """In a worker, give each theme environment without a bytecode cache the worker's own.

    Those environments also write less of the templates' own whitespace, a quarter of a cohort
    page's bytes: no indentation before a block tag (``lstrip_blocks``: Material indents each
    ``{% if %}``, ``{% for %}``, ``{% set %}``) and Material's templates without the
    indentation of their lines (``_dedented``). Only indentation goes, never a line break, so
    wherever there was whitespace between two elements some remains and the page looks the
    same (not ``trim_blocks``: it would glue ``</span>{% endif %}`` to the next line's
    ``<span>``). Every value (a page's content, code blocks included) is written as it is.
    The compiled templates depend on this, so they stay in the worker's own cache, never in
    the per-user one that single builds share.
    """
    from mkdocs.theme import Theme

    from portfolio_builder.mkdocs_plugin.theme_env import ThemeLoader

    if getattr(Theme.get_env, "_portfolio_memo", False):
        return
    original = Theme.get_env
    shared = _MemoryBytecodeCache().cache

    def get_env(self: Theme):  # type: ignore[no-untyped-def]
        env = original(self)
        if env.bytecode_cache is None:
            env.lstrip_blocks = True
            env.loader = _dedented(ThemeLoader(self.dirs))  # its listing leaves hidden folders out (theme_env)
            env.bytecode_cache = shared
        return env

    get_env._portfolio_memo = True  # type: ignore[attr-defined]
    Theme.get_env = get_env  # type: ignore[method-assign]
