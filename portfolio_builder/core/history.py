"""When a file last changed: its last git commit, or its modification time.

Used to tell a tutor that a piece of evidence changed after their review. In a
git repository the commit date is what the student actually submitted; a file
with uncommitted changes has changed *now*, so its modification time wins.

An untrusted dossier (a cohort build) brings its own ``.git/config``, which
could make ``git status`` run a program (``core.fsmonitor``, clean filters).
For those, git runs ``untrusted=True``: with no system or user configuration,
the dangerous keys forced off, and only commands that never touch the working
tree (``log``, ``rev-parse``); uncommitted changes are then not looked for.
"""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

GIT_TIMEOUT_SECONDS = 20

_HARDENED = (
    "-c", "core.fsmonitor=false",
    "-c", "core.untrackedCache=false",
    "-c", "log.showSignature=false",
    "-c", "core.hooksPath=/dev/null",
)


def git(root: Path, *args: str, untrusted: bool = False) -> str | None:
    """Run git in ``root``; its output, or ``None`` when git is absent or fails."""
    command = ["git", "-c", "core.quotepath=false"]
    env = None
    if untrusted:
        command += list(_HARDENED)
        env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(
            [*command, "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_toplevel(root: Path, untrusted: bool = False) -> Path | None:
    out = git(root, "rev-parse", "--show-toplevel", untrusted=untrusted)
    return Path(out.strip()) if out else None


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    except OSError:
        return None


def last_changed(root: Path, files: list[Path], untrusted: bool = False) -> dict[Path, datetime]:
    """Last change of each file (absolute paths in, absolute paths out)."""
    if not files:
        return {}
    top = git_toplevel(root, untrusted)
    if top is None:
        return {f: t for f in files if (t := _mtime(f)) is not None}
    top = top.resolve()
    rel = {}
    for f in files:
        try:
            rel[f.resolve().relative_to(top).as_posix()] = f
        except ValueError:
            continue
    dirty: set[str] = set()
    if not untrusted:
        dirty_out = git(top, "status", "--porcelain", "-z", "--", *rel) or ""
        dirty = {entry[3:] for entry in dirty_out.split("\0") if len(entry) > 3}
    result: dict[Path, datetime] = {}
    # One `git log` for all files: newest commit first, so the first date seen wins.
    log = git(top, "log", "--no-show-signature", "--format=%x01%cI", "--name-only", "--no-renames", "--", *rel, untrusted=untrusted) or ""
    current: datetime | None = None
    for line in log.splitlines():
        if line.startswith("\x01"):
            current = datetime.fromisoformat(line[1:].strip())
            continue
        name = line.strip()
        if name and current is not None and name in rel and rel[name] not in result:
            result[rel[name]] = current
    for name, f in rel.items():
        if name in dirty or f not in result:
            stamp = _mtime(f)
            if stamp is not None:
                result[f] = stamp
    return result
