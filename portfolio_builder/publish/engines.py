"""Run an engine on a staged project, then check that it published every page we expect.

Each engine runs in its own process (``python -m mkdocs|properdocs|zensical build``), with the
staged configuration; nothing is passed through the environment. Zensical drops silently
what it does not know: a page missing from the output, or a page our extension did not
process (its token still in the HTML), fails the build with the pages named.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from portfolio_builder.i18n import translate
from portfolio_builder.publish.stage import Staged

EXTRAS = {"mkdocs": "", "properdocs": "properdocs", "zensical": "zensical"}
_TIMEOUT = 1800  # seconds: a hung engine is stopped (the core's limits bound the input)


class EngineError(Exception):
    """The engine did not give a complete site; the message is localised. ``status`` is the exit code."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def available(engine: str) -> bool:
    return importlib.util.find_spec(engine) is not None


def command(engine: str, config_file: Path, quiet: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", engine, "build", "-f", str(config_file)]
    if engine != "zensical":
        cmd.append("--clean")
        if quiet:
            cmd.append("--quiet")
    return cmd


def run(engine: str, staged: Staged, lang: str, quiet: bool = False, silent: bool = False) -> None:
    if not available(engine):
        raise EngineError(translate(lang, "engine.missing", engine=engine, extra=EXTRAS[engine] or "mkdocs"), status=2)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    try:
        done = subprocess.run(
            command(engine, staged.config_file, quiet), cwd=staged.root, env=env, capture_output=True,
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


def verify(engine: str, staged: Staged, site: Path, lang: str) -> None:
    """Every page we staged is in the site, and our extension processed each one."""
    missing = [src for src, dest in staged.expected.items() if not (site / dest).is_file()]
    if missing:
        raise EngineError(translate(lang, "engine.missing_pages", engine=engine, count=len(missing), pages=", ".join(missing)))
    raw = [src for src, dest in staged.expected.items() if staged.token in (site / dest).read_text(encoding="utf-8", errors="replace")]
    if raw:
        raise EngineError(translate(lang, "engine.unsanitised", engine=engine, count=len(raw), pages=", ".join(raw)))
