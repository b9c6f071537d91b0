"""Git, run so that a dossier's repository can never run anything.

A dossier is a candidate's repository, and its ``.git/config`` is the
candidate's too: ``core.fsmonitor`` makes ``git status`` run a program, clean
filters run on ``git status`` and ``git diff``, textconv and external diff
drivers on ``git diff``, ``gpg.program`` on ``git log --show-signature``, a
pager on anything printed to a terminal. So every git command of this project,
for every caller, runs through ``git`` below:

* no system or user configuration (``GIT_CONFIG_NOSYSTEM``, ``GIT_CONFIG_GLOBAL``),
  the keys that execute forced off on the command line (which wins over the
  repository's own file), no pager, no prompt, no optional locks;
* only commands that read objects or the index (``rev-parse``, ``log``,
  ``ls-tree``, ``ls-files``, ``cat-file``): never ``status``, ``diff`` or
  anything that runs filters on the working tree.

Whether the working tree differs from the last commit is computed here, in
Python: each file's blob id (``blob <size>\\0<bytes>``, hashed as the
repository does) against the tree of ``HEAD``. A file that git would convert
(line endings, a filter) counts as changed, which errs on the safe side.

When a file last changed is its last commit, or its modification time when it
differs from that commit (or outside git). Used to tell a tutor that a piece
of evidence changed after their review.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

GIT_TIMEOUT_SECONDS = 20

# Forced on every command: the repository's configuration cannot turn these back on.
_HARDENED = (
    "-c", "core.fsmonitor=false",
    "-c", "core.untrackedCache=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.pager=cat",
    "-c", "core.sshCommand=false",
    "-c", "log.showSignature=false",
    "-c", "gpg.program=false",
    # No transport at all: a repository's own protocol.<name>.allow (more specific than
    # protocol.allow) would otherwise let a "partial clone" fetch through ext:: or a local
    # upload-pack, that is, run a program.
    "-c", "protocol.allow=never",
    *(item for name in ("ext", "file", "ssh", "git", "http", "https") for item in ("-c", f"protocol.{name}.allow=never")),
    "-c", "safe.bareRepository=explicit",  # a dossier folder laid out as a bare repository is not one
    "-c", "core.alternateRefsCommand=",
    "-c", "credential.helper=",
    "-c", "core.quotepath=false",
)
_ENVIRONMENT = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_NO_LAZY_FETCH": "1",  # git ≥ 2.44: never fetch a missing object (older gits ignore it)
    "GIT_PROTOCOL_FROM_USER": "0",
    "GIT_EXTERNAL_DIFF": "",
    "GIT_ASKPASS": "",
    "SSH_ASKPASS": "",
}
# Read-only plumbing: none of these runs a filter, a hook or a driver.
SAFE_COMMANDS = frozenset({"rev-parse", "log", "ls-tree", "ls-files", "cat-file", "show", "config"})


class UnsafeGitCommand(ValueError):
    """A caller asked for a git command that could run the repository's programs."""


def _checked(root: Path, args: tuple[str, ...]) -> bool:
    """Whether ``args`` is a read-only command we may run in ``root`` (raises when it is not one)."""
    if not args or args[0] not in SAFE_COMMANDS:
        raise UnsafeGitCommand(args[0] if args else "")
    if args[0] in ("show", "log", "cat-file") and any(a in ("--textconv", "--filters") for a in args):
        raise UnsafeGitCommand("--textconv")
    if args[0] == "config" and (len(args) < 2 or args[1] not in ("--get", "--get-regexp", "--get-all")):
        raise UnsafeGitCommand("config")  # reading only
    return readable_repository(root)


def git_bytes(root: Path, *args: str) -> bytes | None:
    """Like ``git``, for binary output (a file's content)."""
    return _run_bytes(root, args) if _checked(root, args) else None


def git(root: Path, *args: str, untrusted: bool = True) -> str | None:
    """Run a read-only git command in ``root``; its output, or ``None`` when git is absent or fails.

    Every repository is treated as untrusted (``untrusted`` is kept for callers
    that still say so). ``show`` and ``log`` always get ``--no-textconv --no-ext-diff``.
    A repository whose settings could make even a read reach outside it (a
    promisor remote, another work tree, a bare layout) is not read at all.
    """
    del untrusted  # every repository is hardened alike
    return _run(root, args) if _checked(root, args) else None


def _run(root: Path, args: tuple[str, ...]) -> str | None:
    out = _run_bytes(root, args)
    return out.decode("utf-8", errors="replace") if out is not None else None


def _run_bytes(root: Path, args: tuple[str, ...]) -> bytes | None:
    command = ["git", *_HARDENED, "-C", str(root), *args]
    if args[0] in ("show", "log"):
        # No textconv, no external diff driver, whatever the repository configures.
        command[len(command) - len(args) + 1 : len(command) - len(args) + 1] = ["--no-textconv", "--no-ext-diff"]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, **_ENVIRONMENT}
    import subprocess  # only when a dossier has a git history to read (start-up of `check`)

    try:
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


# Repository settings under which even read-only commands may reach outside the repository
# (fetch a "missing" object from a promisor remote) or read another tree than the dossier's.
_UNSAFE_SETTINGS = r"^(extensions\.partialclone|remote\..*\.promisor|remote\..*\.partialclonefilter|core\.worktree|core\.bare)$"


def readable_repository(root: Path) -> bool:
    """False when the repository around ``root`` declares a promisor remote (a partial
    clone), another work tree or a bare layout: then it is treated as no repository at all,
    its commit is not recorded, and certification mode refuses it as not committed.
    Checked at every call (a repository's configuration can change between two), by one git
    call: outside a repository there is no setting to find (no system or user file is read),
    so the answer is True and the command itself says there is no repository."""
    found = _run(root, ("config", "--get-regexp", _UNSAFE_SETTINGS)) or ""
    for line in found.splitlines():
        key, _, value = line.partition(" ")
        if key != "core.bare" or value.strip().lower() not in ("false", "no", "off", "0"):
            return False
    return True


def git_toplevel(root: Path, untrusted: bool = True) -> Path | None:
    """The work tree's top folder, or ``None`` when there is no repository we may read."""
    out = git(root, "rev-parse", "--show-toplevel")
    return Path(out.strip()) if out else None


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    except OSError:
        return None


def _head_blobs(top: Path) -> dict[str, tuple[str, str]]:
    """``path → (mode, object id)`` of every file in the tree of HEAD."""
    out = git(top, "ls-tree", "-r", "-z", "--full-tree", "HEAD") or ""
    blobs: dict[str, tuple[str, str]] = {}
    for entry in out.split("\0"):
        if "\t" not in entry:
            continue
        meta, name = entry.split("\t", 1)
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            blobs[name] = (parts[0], parts[2])
    return blobs


def _blob_id(path: Path, mode: str, algorithm: str) -> str | None:
    """The object id git would give this file's content (its target, for a link)."""
    try:
        data = os.readlink(path).encode() if mode == "120000" or path.is_symlink() else path.read_bytes()
    except OSError:
        return None
    digest = hashlib.new(algorithm)
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


def worktree_changes(top: Path, within: Iterable[str] = ("",), excluded: Iterable[str] = ()) -> list[str] | None:
    """Files under ``within`` (folders relative to ``top``, "" for all) that differ from HEAD.

    Modified, deleted, staged or untracked (not ignored) files; ``excluded``
    folders are left out. ``None`` when there is no commit to compare with.
    """
    # One call for the object format and whether there is a commit (git >= 2.25); the two calls
    # of old when it fails (no commit yet, or an older git).
    found = (git(top, "rev-parse", "--show-object-format", "--verify", "-q", "HEAD") or "").split()
    if len(found) == 2 and found[0] in ("sha1", "sha256"):
        algorithm = found[0]
    else:
        if (git(top, "rev-parse", "--verify", "-q", "HEAD") or "").strip() == "":
            return None
        algorithm = "sha256" if (git(top, "rev-parse", "--show-object-format") or "sha1").strip() == "sha256" else "sha1"
    prefixes = tuple(p.rstrip("/") + "/" if p else "" for p in within)
    skipped = tuple(p.rstrip("/") + "/" for p in excluded if p)

    def wanted(name: str) -> bool:
        return any(name.startswith(p) for p in prefixes) and not any(name.startswith(s) for s in skipped)

    head = _head_blobs(top)
    changed: list[str] = []
    for name, (mode, oid) in head.items():
        if not wanted(name) or mode == "160000":
            continue
        path = top / name
        if not (path.exists() or path.is_symlink()) or _blob_id(path, mode, algorithm) != oid:
            changed.append(name)
    listed = git(top, "ls-files", "-z", "--cached", "--others", "--exclude-standard") or ""
    for name in listed.split("\0"):
        if name and name not in head and wanted(name) and (top / name).exists():
            changed.append(name)
    return sorted(set(changed))


def last_changed(root: Path, files: list[Path], untrusted: bool = True) -> dict[Path, datetime]:
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
    folders = sorted({name.rsplit("/", 1)[0] if "/" in name else "" for name in rel})
    dirty = set(worktree_changes(top, folders) or [])
    result: dict[Path, datetime] = {}
    # One `git log` for all files: newest commit first, so the first date seen wins.
    log = git(top, "log", "--no-show-signature", "--format=%x01%cI", "--name-only", "--no-renames", "--", *rel) or ""
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
