"""What a dossier may give as a web address or as a path of its own files, for any engine.

One check for every URL a candidate writes into mkdocs.yml (``site_url``, the nav's web
links, in a student's own build and in a cohort's): Material writes them into attributes
unescaped, so anything that could close an attribute or a tag is refused, never repaired.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

_UNSAFE = re.compile(r"[\s\"'<>`\\\x00-\x1f\x7f-\x9f]")
_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*")
MAX_URL = 2048


def web_url(value: object) -> str | None:
    """``value`` when it is an absolute http(s) URL with a host and no character that could
    break out of an HTML attribute; else None."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL or _UNSAFE.search(value):
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value


def docs_path(value: object, docs: Path) -> str | None:
    """``value`` when it is a relative path of a strict character set (no ``..``, no scheme,
    nothing to escape) naming a regular file inside ``docs``; else None."""
    if not isinstance(value, str) or len(value) > 512 or not _PATH.fullmatch(value):
        return None
    if any(part in ("", ".", "..") for part in PurePosixPath(value).parts) or ".." in value.split("/"):
        return None
    path = docs / value
    if path.is_symlink() or not path.is_file():
        return None
    return value
