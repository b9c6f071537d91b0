"""Run an engine on a staged project, then check that it published every page we expect.

MkDocs runs in this process, through its API (``load_config`` on the staged ``mkdocs.yml``,
then ``build``): no second interpreter to start, and the build aids of the plugin path apply
(``Aids``: compiled templates cached across builds, the linear nav of ``nav_cache``, a
cohort's hard-linked theme assets), added to ``config.plugins`` here, never written into the
staged ``mkdocs.yml``, which stays plain for any engine. ProperDocs and Zensical run in their
own process (``python -m properdocs|zensical build``). Nothing is passed through the environment. Zensical drops silently
what it does not know: a page missing from the output, or a page our extension did not
process (its token still in the HTML), fails the build with the pages named.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portfolio_builder.i18n import translate
from portfolio_builder.publish.guard import EngineError
from portfolio_builder.publish.stage import Staged

_HEX = re.compile(r"[0-9a-f]{32}")
EXTRAS = {"mkdocs": "", "properdocs": "properdocs", "zensical": "zensical"}
_TIMEOUT = 1800  # seconds: a hung engine is stopped (the core's limits bound the input)


def available(engine: str) -> bool:
    return importlib.util.find_spec(engine) is not None


def command(engine: str, config_file: Path, quiet: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", engine, "build", "-f", str(config_file)]
    if engine != "zensical":
        cmd.append("--clean")
        if quiet:
            cmd.append("--quiet")
    return cmd


@dataclass(frozen=True)
class Aids:
    """What the in-process MkDocs run adds to the staged build (arguments, never the environment)."""

    template_cache: bool = True  # Material's compiled templates reused across builds
    nav_cache: bool = True  # each nav item off the page's path rendered once (a linear nav)
    shared_assets: Path | None = None  # cohort: the theme's static files hard-linked from this store
    strict: bool = False  # `--strict`: MkDocs' warnings (a broken link…) fail the build, as with the plugin
    ours: tuple[tuple[str, str], ...] = ()  # staged files of ours (src, theme folder): shared like the theme's
    offline: bool = False  # `--offline`: Material's search box left out (its index still written), as make_offline does


def run(engine: str, staged: Staged, lang: str, quiet: bool = False, silent: bool = False, aids: Aids | None = None) -> None:
    if not available(engine):
        raise EngineError(translate(lang, "engine.missing", engine=engine, extra=EXTRAS[engine] or "mkdocs"), status=2)
    if engine == "mkdocs":
        run_mkdocs(staged, lang, quiet=quiet, silent=silent, aids=aids or Aids())
        return
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    try:
        done = subprocess.run(
            command(engine, staged.config_file, quiet), cwd=_workdir(staged), env=env, capture_output=True,
            text=True, errors="replace", timeout=_TIMEOUT, stdin=subprocess.DEVNULL, check=False,
        )
    except subprocess.TimeoutExpired:
        raise EngineError(translate(lang, "engine.failed", engine=engine, code="timeout", detail=f"> {_TIMEOUT} s")) from None
    output = (done.stdout or "") + (done.stderr or "")
    if not silent and not quiet and output.strip():
        print(output.rstrip(), file=sys.stderr)
    if done.returncode != 0:
        detail = " | ".join(line.strip() for line in output.strip().splitlines()[-3:])
        raise EngineError(translate(lang, "engine.failed", engine=engine, code=done.returncode, detail=detail))


def _workdir(staged: Staged) -> Path:
    """An empty folder of the stage: nothing an extension would resolve from the working directory is ours or theirs."""
    work = staged.root / ".cwd"
    work.mkdir(exist_ok=True)
    return work


def mkdocs_config(staged: Staged, aids: Aids) -> Any:
    """The staged ``mkdocs.yml`` loaded by MkDocs, with the build aids (tests wrap this to observe the build)."""
    from mkdocs.config import load_config

    from portfolio_builder.mkdocs_plugin import theme_env

    config = load_config(str(staged.config_file), strict=aids.strict)
    theme_env.install(config.theme, bytecode_cache=aids.template_cache)
    config.plugins["portfolio-aids"] = _aids_plugin(aids)
    if aids.offline:
        for name in ("material/search", "search"):
            if name in config.plugins:
                dict.pop(config.plugins, name)  # out of the table (no search box), not out of the events
    return config


def run_mkdocs(staged: Staged, lang: str, quiet: bool = False, silent: bool = False, aids: Aids | None = None) -> None:
    """``mkdocs build --clean`` on the staged project, in this process."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException

    from portfolio_builder.build import mkdocs_logging
    from portfolio_builder.publish.mdext import RegionError

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    with mkdocs_logging(quiet, silent) as handler:
        try:
            config = mkdocs_config(staged, aids or Aids())
            config.plugins.on_startup(command="build", dirty=False)
            try:
                mkdocs_build(config)
            finally:
                config.plugins.on_shutdown()
        except (Abort, ConfigurationError, MkDocsException, RegionError) as exc:
            # MkDocs logs the real reason, then raises a generic "Aborted with a BuildError!".
            detail = handler.last_error or str(exc)
            raise EngineError(translate(lang, "engine.failed", engine="mkdocs", code=1, detail=detail)) from None


def _aids_plugin(aids: Aids) -> Any:
    from mkdocs.plugins import BasePlugin, event_priority

    class _Aids(BasePlugin):  # type: ignore[type-arg]
        @event_priority(-100)  # after every other plugin changed the files
        def on_files(self, files: Any, *, config: Any) -> Any:
            if aids.shared_assets is not None:
                from portfolio_builder.mkdocs_plugin import shared

                shared.share_theme_files(files, config.theme.dirs, aids.shared_assets, config.site_dir, config.use_directory_urls)
                for src, folder in aids.ours:  # our CSS and scripts, staged as docs files: from our theme folder
                    file = files.get_file_from_path(src)
                    if file is not None and not file.is_documentation_page():
                        mine = shared.SharedThemeFile(src, folder, config.site_dir, config.use_directory_urls)
                        mine.store = aids.shared_assets
                        files.remove(file)
                        files.append(mine)
            return files

        def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
            # The compiled-template cache is already set: theme_env.install, in mkdocs_config.
            if aids.nav_cache:
                from portfolio_builder.mkdocs_plugin import nav_cache

                nav_cache.install(env)
            return env

    return _Aids()


def verify(engine: str, staged: Staged, site: Path, lang: str) -> None:
    """Every page we staged is in the site, our extension processed each one, and each
    generated page gets its HTML in place of the stub the engine published."""
    missing = [src for src, dest in staged.expected.items() if not (site / dest).is_file()]
    if missing:
        raise EngineError(translate(lang, "engine.missing_pages", engine=engine, count=len(missing), pages=", ".join(missing)))
    tokens = {staged.token, *staged.regions}
    raw, lost, finished = [], [], {}
    for src, dest in staged.expected.items():  # each published page read once
        text = (site / dest).read_text(encoding="utf-8", errors="replace")
        if tokens & set(_HEX.findall(text)):
            raw.append(src)
        elif dest in staged.deferred:
            # Our generated page's HTML replaces the stub the engine published (stage: ``deferred``).
            stub, body = staged.deferred[dest]
            if text.count(stub) != 1:
                lost.append(dest)
            else:
                finished[dest] = text.replace(stub, body, 1)
    if raw:
        raise EngineError(translate(lang, "engine.unsanitised", engine=engine, count=len(raw), pages=", ".join(raw)))
    if lost:
        raise EngineError(translate(lang, "engine.missing_pages", engine=engine, count=len(lost), pages=", ".join(lost)))
    for dest, text in finished.items():
        (site / dest).write_text(text, encoding="utf-8")
