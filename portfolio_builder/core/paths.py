"""Is a path inside a folder? One answer for the whole code base."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def is_inside(path: str | Path, root: str | Path, *, follow_links: bool = True) -> bool:
    """``path`` is ``root`` or below it; with ``follow_links``, after resolving symbolic links."""
    if follow_links:
        target, base = os.path.realpath(path), os.path.realpath(root)
    else:
        target, base = os.path.normpath(os.path.abspath(path)), os.path.normpath(os.path.abspath(root))
    return target == base or target.startswith(base.rstrip(os.sep) + os.sep)


def regular_file(path: str | Path) -> bool:
    """A regular file (links followed): not a folder, FIFO, socket or device, which could block a read."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks (manifests, referential hashes)."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
