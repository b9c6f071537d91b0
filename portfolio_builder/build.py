"""Build a dossier's site, atomically.

``portfolio build`` stages the dossier (publish/stage.py), builds the staged project with
the chosen engine (MkDocs by default, in this process), post-processes the site
(publish/postprocess.py) and publishes it. The dossier is read and checked once; every
option travels as an argument (``BuildRequest`` → ``StageRequest`` → the engine's run →
the post-processing). Cohorts and the institution's builds (``--sign``, ``--jury``,
``--reviews``) stage the dossier as untrusted: the institution's configuration, none of
the dossier's hooks, plugins, scripts or overrides. ``build_plugin`` (MkDocs with the plugin on
a configuration written by the caller) is kept for the tests that compare both.

The site is built in a temporary folder next to the target and swapped in only
when the build succeeded, so a failed, interrupted or killed build leaves the
previous site untouched. A lock keeps two builds from writing the same output;
leftovers of a killed build are removed by the next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno

try:
    import fcntl
except ImportError:  # Windows: msvcrt locks instead
    fcntl = None  # type: ignore[assignment]
import json
import logging
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portfolio_builder.i18n import translate

TMP_MARK = ".tmp-"
OLD_MARK = ".old-"


class BuildFailed(Exception):
    """The build did not produce a site; the message says why (already localised).

    ``logged`` is true when the reason was already printed by MkDocs' log.
    """

    def __init__(self, reason: str, logged: bool = False) -> None:
        super().__init__(reason)
        self.logged = logged


class BuildLocked(BuildFailed):
    pass


@dataclass
class BuildRequest:
    project: Path  # folder or mkdocs.yml
    site_dir: Path | None = None
    strict: bool = False
    public: bool = False
    allow_dirty: bool = False
    quiet: bool = False
    silent: bool = False  # cohort workers: the dashboard reports each dossier's problems
    # Cohort builds: a trusted configuration replaces the dossier's own.
    config_file: Path | None = None
    source_config: Path | None = None
    untrusted: Any = None  # core.project.Untrusted: the dossier is read as a cohort reads it
    locked_by_caller: bool = False  # a cohort holds one lock for all its dossiers' sites
    issuers: tuple[Any, ...] = ()  # trusted issuers' public keys (credentials.KeyFile)
    sign_key: Any = None  # credentials.KeyFile: sign report.json and manifest.json
    limits: Any = None  # core.limits.Limits: `--limit`, or the cohort's; None = the defaults
    offline: bool = False  # `--offline`: a site that works from file:// (outputs.make_offline)
    shared_assets: Path | None = None  # cohort: hard-link the theme's assets from this store
    engine: str | None = None  # `--engine`: the staged project built by this engine (None: MkDocs)
    loaded: Any = None  # core.project.Project, when the caller already read the dossier (read once)
    checked: Any = None  # core.check.Dossier, when the caller already checked it (a cohort: checked once)
    trusted_options: dict[str, Any] | None = None  # an untrusted dossier: the cohort's markdown extensions


def _sibling(target: Path, mark: str) -> Path:
    return target.parent / f".{target.name}{mark}{os.getpid()}-{uuid.uuid4().hex[:8]}"


@contextlib.contextmanager
def output_lock(target: Path) -> Iterator[None]:
    """Exclusive lock on ``target``; a second builder fails at once instead of corrupting it."""
    lock_path = target.parent / f".{target.name}.lock"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # a read-only or full output folder: a clear error, not a traceback
        raise BuildFailed(f"{exc.filename or lock_path}: {exc.strerror or exc}") from None
    try:
        try:
            _lock_nonblocking(fd)
        except OSError:
            raise BuildLocked(str(target)) from None
        yield
    finally:
        os.close(fd)


def _lock_nonblocking(fd: int) -> None:
    """An exclusive lock released when the process ends (even killed); OSError if taken."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:  # Windows
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def clean_leftovers(target: Path) -> None:
    """Remove what a killed build left behind; restore the site if it was mid-swap."""
    prefix = f".{target.name}"
    olds = []
    for entry in target.parent.glob(f"{prefix}*"):
        name = entry.name
        if name.startswith(prefix + TMP_MARK):
            shutil.rmtree(entry, ignore_errors=True)
        elif name.startswith(prefix + OLD_MARK):
            olds.append(entry)
    for old in olds:
        if not target.exists():
            os.rename(old, target)  # killed between the two renames of a fallback swap
        else:
            shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name or not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def publish(built: Path, target: Path) -> None:
    """Put ``built`` in place of ``target`` with no moment where a reader sees half a site."""
    if not target.exists():
        os.rename(built, target)
        return
    if _exchange(built, target):
        shutil.rmtree(built, ignore_errors=True)  # now holds the previous site
        return
    old = _sibling(target, OLD_MARK)
    os.rename(target, old)
    try:
        os.rename(built, target)
    except BaseException:
        os.rename(old, target)  # put the previous site back before reporting the failure
        raise
    shutil.rmtree(old, ignore_errors=True)


_DIRTY_WARNING = "A 'dirty' build is being performed"


class _Handler(logging.Handler):
    def __init__(self, quiet: bool, silent: bool = False) -> None:
        super().__init__(logging.WARNING if quiet else logging.INFO)
        self.silent = silent
        self.last_error = ""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(_DIRTY_WARNING):
            return  # `portfolio serve` keeps incremental rebuilds correct (mkdocs_plugin/incremental.py)
        if record.levelno >= logging.ERROR:
            self.last_error = message
        if self.silent:
            return
        level = record.levelname if record.levelno >= logging.WARNING else "INFO"
        print(f"{level:<8}-  {message}", file=sys.stderr)


@contextlib.contextmanager
def mkdocs_logging(quiet: bool, silent: bool = False) -> Iterator[_Handler]:
    logger = logging.getLogger("mkdocs")
    handler = _Handler(quiet, silent)
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if not quiet else logging.WARNING)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
        logger.propagate = True


def read_project(request: BuildRequest):
    """The dossier, read by the core first: an unusable mkdocs.yml or a missing `portfolio`
    entry raises ConfigError with file:line, where MkDocs would name neither."""
    from portfolio_builder.core.project import find_config, load_project

    if request.loaded is not None:
        return request.loaded
    config_file = request.config_file or find_config(request.project)
    return load_project(request.source_config or config_file, untrusted=request.untrusted)


def configure(request: BuildRequest, site_dir: Path, project=None, target: Path | None = None):
    """Load the MkDocs config with the plugin's build options set."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    from portfolio_builder.core.project import find_config
    from portfolio_builder.mkdocs_plugin.plugin import BuildOptions, PortfolioPlugin, construct

    config_file = request.config_file or find_config(request.project)
    project = project or read_project(request)
    overrides: dict[str, Any] = {"site_dir": str(site_dir), "strict": request.strict}
    # The plugin MkDocs loads is constructed first, with this build's options as arguments.
    construct(
        BuildOptions(
            public=request.public,
            allow_dirty=request.allow_dirty,
            source_config=request.source_config,
            untrusted=request.untrusted,
            site_target=target,
            issuers=tuple(request.issuers) or tuple(getattr(request.untrusted, "issuers", ()) or ()),
            sign_key=request.sign_key,
            **({"limits": request.limits} if request.limits is not None else {}),
            shared_assets=request.shared_assets,
        )
    )
    try:
        config = load_config(str(config_file), **overrides)
    except (Abort, ConfigurationError) as exc:
        # MkDocs refused the configuration before our plugin could report (e.g. a misspelled
        # option in strict mode): say where, from the core's own reading of the same file.
        located = [p.format(project.settings.language) for p in project.problems if p.is_error]
        raise BuildFailed("\n".join([*located, str(exc)])) from None
    finally:
        construct(None)  # the next configuration loaded in this process gets a plugin of its own
    plugin = config.plugins.get("portfolio")
    if not isinstance(plugin, PortfolioPlugin):
        raise BuildFailed(translate(project.settings.language, "config.plugin_missing"))
    if request.offline:
        from portfolio_builder.outputs import make_offline

        make_offline(config)
    return config


def target_dir(request: BuildRequest, project) -> Path:
    """Where the site goes; never over the sources, nor over a folder that is not a site."""
    from portfolio_builder.core.paths import is_inside

    target = (request.site_dir or project.site_dir).resolve()
    lang = project.settings.language
    if request.site_dir is None and not is_inside(target, project.root.resolve()):
        # The dossier's own site_dir: never a place outside its folder (`-d` says where else).
        raise BuildFailed(translate(lang, "build.site_dir_outside", site=str(target)))
    if os.path.lexists(target) and not target.is_dir():
        raise BuildFailed(translate(lang, "build.target_not_dir", site=str(target)))
    sources = (project.root, project.docs_dir)
    if any(is_inside(source, target) or is_inside(target, project.docs_dir) for source in sources):
        # Publishing swaps the target away: over the sources, that would delete them.
        raise BuildFailed(translate(lang, "build.target_is_source", site=str(target)))
    if target.is_dir() and any(target.iterdir()) and not any((target / mark).exists() for mark in _SITE_MARKS):
        raise BuildFailed(translate(lang, "build.target_not_site", site=str(target)))
    return target


# What a folder built by MkDocs (with or without our plugin) always holds.
_SITE_MARKS = ("manifest.json", "sitemap.xml", "404.html")


def build(request: BuildRequest) -> Path:
    """Build the site and publish it atomically; raise BuildFailed when it cannot."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    if request.config_file is not None:
        return build_plugin(request)  # a trusted configuration written by the caller, for the plugin
    return build_staged(request)


def build_plugin(request: BuildRequest) -> Path:
    """MkDocs with the plugin on the dossier's (or a cohort's trusted) configuration, in this process."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    project = read_project(request)
    target = target_dir(request, project)
    lock = contextlib.nullcontext() if request.locked_by_caller else output_lock(target)
    with lock:
        work = _sibling(target, TMP_MARK)
        handler = None
        try:
            clean_leftovers(target)
            with mkdocs_logging(request.quiet, request.silent) as handler:
                config = configure(request, work, project, target)
                config.plugins.on_startup(command="build", dirty=False)
                try:
                    mkdocs_build(config)
                finally:
                    config.plugins.on_shutdown()
            publish(work, target)
        except (Abort, ConfigurationError, MkDocsException) as exc:
            # MkDocs logs the real reason, then raises a generic "Aborted with a BuildError!".
            logged = handler is not None and bool(handler.last_error)
            reason = handler.last_error if handler is not None and logged else str(exc)
            raise BuildFailed(reason, logged=logged and not request.silent) from None
        except OSError as exc:
            raise BuildFailed(f"{exc.filename or target}: {exc.strerror or exc}") from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


def build_staged(request: BuildRequest) -> Path:
    """Stage the dossier (publish/stage.py), build the staged project with the engine (MkDocs
    by default), check its output, post-process it (publish/postprocess.py), publish it atomically."""
    from portfolio_builder.publish import guard

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    engine = request.engine or "mkdocs"
    project = read_project(request)
    lang = project.settings.language
    target = target_dir(request, project)
    lock = contextlib.nullcontext() if request.locked_by_caller else output_lock(target)
    with lock:
        staging = _sibling(target, TMP_MARK + "stage-")  # a leftover is removed like any other
        try:
            clean_leftovers(target)
            stage_request = guard.StageRequest(
                project=request.config_file or request.project,
                public=request.public,
                strict=request.strict,
                allow_dirty=request.allow_dirty,
                issuers=tuple(request.issuers),
                sign_key=request.sign_key,
                limits=request.limits,
                offline=request.offline,
                outputs=(target,),
                trusted_options=request.trusted_options,
                deferred=True,
            )
            if request.untrusted is not None and not stage_request.issuers:
                stage_request.issuers = tuple(request.untrusted.issuers or ())
            dossier = request.checked or guard.check(stage_request, project)
            _print_problems(dossier, request)
            cleared = guard.refuse(stage_request, dossier)  # before the stage and the engine are even imported
            from portfolio_builder.publish import engines, postprocess
            from portfolio_builder.publish import stage as stage_mod

            staged = stage_mod.stage(stage_request, staging, cleared)
            if staged.warnings and not request.silent:
                with mkdocs_logging(request.quiet, request.silent):
                    for warning in staged.warnings:
                        logging.getLogger("mkdocs.plugins.portfolio").warning(warning)
            _print_summary(staged.report_json, request)
            work = staged.site
            ours = tuple((src, str(folder)) for src, folder in staged.ours.items())
            aids = engines.Aids(shared_assets=request.shared_assets, strict=request.strict, ours=ours, offline=request.offline)
            engines.run(engine, staged, lang, quiet=request.quiet, silent=request.silent, aids=aids)
            engines.verify(engine, staged, work, lang)
            if request.offline:
                from portfolio_builder.outputs import add_offline_search

                with mkdocs_logging(request.quiet, request.silent):
                    add_offline_search(work, staged.root / "docs")  # before the manifest lists the site's files
            postprocess.finish_site(
                work, lang=staged.lang, noindex=staged.noindex, report_json=staged.report_json, manifest=staged.manifest,
                credential=staged.credential, sign_key=request.sign_key,
            )
            built = _sibling(target, TMP_MARK)  # beside the target, like any build: a leftover is removed
            os.rename(work, built)
            try:
                publish(built, target)
            finally:
                shutil.rmtree(built, ignore_errors=True)
        except guard.StageRefused as exc:
            # Logged as the plugin logs its refusal (MkDocs' log), then not printed again.
            if not request.silent:
                with mkdocs_logging(request.quiet, request.silent):
                    logging.getLogger("mkdocs.plugins.portfolio").error(str(exc))
            raise BuildFailed(str(exc), logged=not request.silent) from None
        except guard.EngineError as exc:
            raise BuildFailed(str(exc)) from None
        except OSError as exc:
            raise BuildFailed(f"{exc.filename or target}: {exc.strerror or exc}") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _print_problems(dossier: Any, request: BuildRequest) -> None:
    """What the plugin logs, through MkDocs' log as the plugin does: every problem (missing
    competencies summed up in the report)."""
    from mkdocs.plugins import get_plugin_logger

    log = get_plugin_logger("portfolio")
    with mkdocs_logging(request.quiet, request.silent):
        for problem in dossier.problems:
            if problem.code == "missing-competency" and not problem.is_error:
                continue
            (log.error if problem.is_error else log.warning)(problem.format(dossier.lang))


def _print_summary(report_json: str, request: BuildRequest) -> None:
    """The plugin's summary line, from the report document."""
    from mkdocs.plugins import get_plugin_logger

    from portfolio_builder.core import view

    with mkdocs_logging(request.quiet, request.silent):
        get_plugin_logger("portfolio").info(view.summary_line(json.loads(report_json)))
