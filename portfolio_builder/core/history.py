"""When a file last changed: its last git commit, or its modification time.

Used to tell a tutor that a piece of evidence changed after their review. In a
git repository the commit date is what the student actually submitted; a file
with uncommitted changes has changed *now*, so its modification time wins.

An untrusted dossier (a cohort build) brings its own ``.git/config``, which
could make ``git status`` run a program (``core.fsmonitor``, clean filters).
For those, git runs ``untrusted=True``: with no system or user configuration,
the dangerous keys forced off, and only commands that never touch the working
tree (``log``, ``rev-parse``, ``cat-file``). Uncommitted changes are found by
comparing each file's bytes with its blob at HEAD (``cat-file``, hardened),
never with ``git status``, whoever's repository it is.
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
    "-c", "core.pager=cat",
)


def git(root: Path, *args: str, untrusted: bool = False) -> str | None:
    """Run git in ``root``; its output, or ``None`` when git is absent or fails."""
    out = _run(root, args, untrusted)
    return out.decode("utf-8", errors="replace") if out is not None else None


def _differs_from_head(top: Path, rel: dict[str, Path]) -> set[str]:
    """Names (repository-relative) whose file differs from its blob at HEAD, or has none."""
    names = [n for n in rel if "\n" not in n]
    dirty = set(rel) - set(names)
    if not names:
        return dirty
    query = "".join(f"HEAD:{n}\n" for n in names).encode("utf-8")
    out = _run(top, ("cat-file", "--batch"), untrusted=True, stdin_data=query)
    if out is None:
        return set(rel)
    at = 0
    for name in names:
        end = out.find(b"\n", at)
        if end < 0:
            dirty.add(name)
            continue
        header = out[at:end].split()
        at = end + 1
        if len(header) != 3 or header[1] != b"blob":
            dirty.add(name)  # missing at HEAD: untracked or new
            continue
        size = int(header[2])
        committed = out[at : at + size]
        at += size + 1
        try:
            current = rel[name].read_bytes()
        except OSError:
            dirty.add(name)
            continue
        if _normalised(current) != _normalised(committed):
            dirty.add(name)
    return dirty


def _normalised(data: bytes) -> bytes:
    # What git's own checkout may change (a BOM kept, CRLF on Windows) is no change.
    return data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")


def _run(root: Path, args: tuple[str, ...], untrusted: bool, stdin_data: bytes | None = None) -> bytes | None:
    command = ["git", "-c", "core.quotepath=false"]
    env = None
    if untrusted:
        command += list(_HARDENED)
        env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0"}
        env.pop("GIT_EXTERNAL_DIFF", None)
        env["GIT_PAGER"] = "cat"
    try:
        done = subprocess.run(
            [*command, "-C", str(root), *args],
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
            env=env,
            **({"input": stdin_data} if stdin_data is not None else {"stdin": subprocess.DEVNULL}),
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
    # Uncommitted changes: the file's bytes compared with HEAD's, in Python. No `git status`,
    # so nothing of the repository's (fsmonitor, clean filters) runs on the working tree.
    dirty = _differs_from_head(top, rel)
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


def _repo_path(root: Path, path: Path) -> tuple[Path, str] | None:
    top = git_toplevel(root, untrusted=True)
    if top is None:
        return None
    try:
        return top, path.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return None


def file_at(root: Path, commit: str, path: Path) -> bytes | None:
    """The bytes of ``path`` as of ``commit`` (hex), or ``None`` (no git, unknown commit,
    file absent then). Always hardened: the repository may be a candidate's, and
    ``cat-file blob`` runs neither filters nor textconv and never reads the working tree."""
    if not commit or not all(ch in "0123456789abcdefABCDEF" for ch in commit):
        return None
    found = _repo_path(root, path)
    if found is None:
        return None
    top, rel = found
    return git_bytes(top, "cat-file", "blob", f"{commit}:{rel}")


def head_commit(root: Path) -> str | None:
    """The commit checked out in ``root``'s repository (hardened), or ``None``."""
    out = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", untrusted=True)
    return out.strip() if out and out.strip() else None


def git_bytes(root: Path, *args: str) -> bytes | None:
    """Like ``git(..., untrusted=True)``, for binary output (a file's content)."""
    return _run(root, args, untrusted=True)
