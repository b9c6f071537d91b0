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
from portfolio_builder.core.limits import DEFAULT as DEFAULT_LIMITS, Limits
from portfolio_builder.core.project import ConfigError, Untrusted, load_project
from portfolio_builder.core.view import slug as make_slug
from portfolio_builder.i18n import translate

# Names the cohort site uses for itself: no candidate's folder may take them.
RESERVED_SLUGS = frozenset({"assets", "reports", "index", "report"})


@dataclass(frozen=True)
class CohortPolicy:
    """What the cohort, not the dossier, decides."""

    referential: str | None = None  # a shipped id or an absolute path
    juries: Path | None = None  # the jury's own files: <slug>.yml or <student_id>.yml
    language: str = "fr"
    limits: Limits = DEFAULT_LIMITS  # per dossier: sizes, and wall time of its build
    markdown_extensions: dict[str, Any] | None = None  # the cohort's, with their options

    def untrusted(self, slug: str, student_id: str, name_is_unique: bool) -> Untrusted:
        """How to read one dossier; its jury file is found by student number, or by name
        only when no other candidate of the cohort has the same one (homonyms never guess)."""
        if self.juries is None:
            return Untrusted(referential=self.referential)
        # The cohort keeps the juries: a dossier's own jury.yml is never read.
        names = [f"{student_id}.yml"] if student_id else ([f"{slug}.yml"] if name_is_unique else [])
        jury = next(((self.juries / n).resolve() for n in names if (self.juries / n).is_file()), None)
        return Untrusted(referential=self.referential, juries_kept=True, jury=jury)


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


# Problems found on the dossier itself, which its staged copy no longer shows.
_STAGED_CODES = ("symlink-outside", "not-a-file", "reserved-path", "hard-link", "file-too-large")


def build_one(
    folder: str,
    slug: str,
    site_root: str,
    untrusted: Untrusted,
    lang: str,
    limits: Limits = DEFAULT_LIMITS,
    markdown_extensions: dict[str, Any] | None = None,
    work: str | None = None,
) -> DossierResult:
    """Worker: check, stage, then build with the trusted configuration. Never raises."""
    from portfolio_builder import build as build_mod
    from portfolio_builder.cohort import trusted

    _remember_theme_listing()
    result = DossierResult(source=folder, slug=slug)
    try:
        project = load_project(folder, untrusted=untrusted)
    except ConfigError as error:
        result.problems = [p.format(lang) for p in error.problems]
        result.failure = translate(lang, "cohort.failure.config")
        return result
    checked = check_project(project, Options(limits=limits))
    result.problems = [p.format(checked.lang) for p in checked.problems if p.is_error]
    if checked.over_limit:
        # Refused before anything is copied or written: its row says which limit.
        result.failure = translate(lang, "cohort.failure.limits")
        return result
    work_dir = Path(work) if work else Path(tempfile.mkdtemp(prefix=f"portfolio-cohort-{slug}-"))
    try:
        docs = work_dir / "docs"
        trusted.stage_docs(checked, docs)
        staged = [p for p in checked.problems if p.code in _STAGED_CODES]
        config_path = trusted.write_config(project, docs, work_dir / "mkdocs.yml", markdown_extensions)
        build_mod.build(
            build_mod.BuildRequest(
                project=work_dir,
                config_file=config_path,
                source_config=project.config_file,
                site_dir=Path(site_root) / slug,
                untrusted=untrusted,
                quiet=True,
                silent=True,
                staged_problems=staged,
                locked_by_caller=True,
                limits=limits,
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
        shutil.rmtree(work_dir, ignore_errors=True)
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
    readings = {
        slug: policy.untrusted(slug, student_id, bases[make_slug(name, empty="dossier")] == 1)
        for slug, (name, student_id) in zip(slugs, identities)
    }
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(folders)))
    tasks = {slug: (str(folder), readings[slug]) for slug, folder in zip(slugs, folders)}
    results: dict[str, DossierResult] = {}

    def done(result: DossierResult) -> None:
        results[result.slug] = result
        if progress is not None:
            progress(result)

    _run_isolated(tasks, site_root, policy, jobs, done)
    return [results[slug] for slug in slugs]


def _worker(conn: Any, args: tuple) -> None:
    """One dossier's process: its own group (what it starts is stopped with it), bounded writes."""
    os.setpgrp()
    try:
        import resource

        limits: Limits = args[5]
        ceiling = max(limits.docs_bytes, limits.file_bytes) + 256 * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (ceiling, ceiling))
    except (ImportError, ValueError, OSError):
        pass
    result = build_one(*args)
    conn.send(result)
    conn.close()


def _stop(process: Any) -> None:
    """Kill a dossier's process group (its git or other children too), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.kill()
    except (ProcessLookupError, AttributeError):
        pass
    process.join(5)


def _run_isolated(
    tasks: dict[str, tuple[str, Untrusted]],
    site_root: Path,
    policy: CohortPolicy,
    jobs: int,
    done: Callable[[DossierResult], None],
) -> None:
    """Run each task (slug → folder and how to read it) in a process of its own, ``jobs`` at once.

    A process past the cohort's ``build_seconds`` is killed with its group; one that dies
    (killed, out of memory, crashed) fails alone. Its row says why; the others go on.
    """
    from portfolio_builder import build as build_mod

    context = multiprocessing.get_context("fork")
    waiting = list(tasks.items())
    running: dict[str, tuple[Any, Any, float, str]] = {}
    seconds = policy.limits.build_seconds
    while waiting or running:
        while waiting and len(running) < jobs:
            slug, (folder, reading) = waiting.pop(0)
            work = tempfile.mkdtemp(prefix=f"portfolio-cohort-{slug}-")
            receiver, sender = context.Pipe(duplex=False)
            args = (folder, slug, str(site_root), reading, policy.language, policy.limits, policy.markdown_extensions, work)
            process = context.Process(target=_worker, args=(sender, args), daemon=True)
            process.start()
            sender.close()
            running[slug] = (process, receiver, time.monotonic() + seconds, work)
        deadline = min(entry[2] for entry in running.values())
        handles = [entry[1] for entry in running.values()] + [entry[0].sentinel for entry in running.values()]
        ready = set(wait(handles, timeout=max(0.0, deadline - time.monotonic())))
        now = time.monotonic()
        for slug, (process, receiver, until, work) in list(running.items()):
            result: DossierResult | None = None
            if receiver in ready or process.sentinel in ready:
                try:
                    result = receiver.recv() if receiver.poll() else None
                except (EOFError, OSError):
                    result = None
                if result is None and process.is_alive() and now < until:
                    continue
                process.join(5)
                if result is None:
                    result = DossierResult(
                        source=tasks[slug][0], slug=slug, failure=translate(policy.language, "cohort.failure.crashed")
                    )
            elif now >= until:
                _stop(process)
                shown = f"{seconds:g}"
                result = DossierResult(
                    source=tasks[slug][0],
                    slug=slug,
                    failure=translate(policy.language, "cohort.failure.timeout", seconds=shown),
                    problems=[_timeout_problem(tasks[slug][0], policy.language, shown)],
                )
            else:
                continue
            receiver.close()
            del running[slug]
            shutil.rmtree(work, ignore_errors=True)
            build_mod.clean_leftovers(site_root / slug)  # what a killed build left beside its site
            done(result)


def _timeout_problem(folder: str, lang: str, seconds: str) -> str:
    from portfolio_builder.core.problems import ProblemSink

    sink = ProblemSink("mkdocs.yml")
    sink.error("build-timeout", (1, 1), "", "cohort.failure.timeout", hint_id="cohort.failure.timeout.hint", seconds=seconds)
    return sink.items[0].format(lang)


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
            memo[key] = original(self)
        return list(memo[key])

    list_templates._portfolio_memo = True  # type: ignore[attr-defined]
    loader.list_templates = list_templates  # type: ignore[method-assign]
