"""When a file last changed: its last git commit, or its modification time.

Used to tell a tutor that a piece of evidence changed after their review. In a
git repository the commit date is what the student actually submitted; a file
with uncommitted changes has changed *now*, so its modification time wins.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timezone
from pathlib import Path

GIT_TIMEOUT_SECONDS = 20


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=false", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_toplevel(root: Path) -> Path | None:
    out = _git(root, "rev-parse", "--show-toplevel")
    return Path(out.strip()) if out else None


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    except OSError:
        return None


def last_changed(root: Path, files: list[Path]) -> dict[Path, datetime]:
    """Last change of each file (absolute paths in, absolute paths out)."""
    if not files:
        return {}
    top = git_toplevel(root)
    if top is None:
        return {f: t for f in files if (t := _mtime(f)) is not None}
    top = top.resolve()
    rel = {}
    for f in files:
        try:
            rel[f.resolve().relative_to(top).as_posix()] = f
        except ValueError:
            continue
    dirty_out = _git(top, "status", "--porcelain", "-z", "--", *rel) or ""
    dirty = {entry[3:] for entry in dirty_out.split("\0") if len(entry) > 3}
    result: dict[Path, datetime] = {}
    # One `git log` for all files: newest commit first, so the first date seen wins.
    log = _git(top, "log", "--format=%x01%cI", "--name-only", "--no-renames", "--", *rel) or ""
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
