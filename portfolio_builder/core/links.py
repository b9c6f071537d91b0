"""The local links a page's Markdown makes, with their positions.

A public build must not link to private work: the check finds such links in
the source, so ``portfolio check --public`` reports them at their line, before
any build. Inline links, images, reference definitions and raw HTML ``href``/
``src`` are read; code blocks and code spans are not.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
# Only the target is read (not the title nor the closing parenthesis): a pattern that
# looked for them rescanned the rest of the line at each `](`, quadratic on a page of
# `[a](b "` repeated (15 s for 120 KB).
_INLINE = re.compile(r"\]\(\s*<?([^)\s>]+)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
_HTML = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)
_MARKS = ("](", "]:", "href", "src", "HREF", "SRC")


@dataclass(frozen=True, slots=True)
class Link:
    target: str  # as written
    line: int
    column: int


def local_links(body: str, first_line: int) -> list[Link]:
    """Links that stay on the site (no scheme, no host, not a bare ``#anchor``)."""
    links: list[Link] = []
    if not any(mark in body for mark in _MARKS):
        return links  # most pages: no link at all, nothing to scan
    in_fence = False
    for offset, line in enumerate(body.split("\n")):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or not any(mark in line for mark in _MARKS):
            continue
        visible = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)
        found = [m for pattern in (_INLINE, _HTML) for m in pattern.finditer(visible)]
        reference = _REFERENCE.match(visible)
        if reference:
            found.append(reference)
        for match in found:
            target = match.group(1)
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            links.append(Link(target, first_line + offset, match.start(1) + 1))
    return sorted(links, key=lambda link: (link.line, link.column))


def resolve(target: str, page: str) -> list[str]:
    """The docs-relative paths a link from ``page`` may mean (a page, its ``.md``, its index)."""
    path = unquote(urlsplit(target).path)
    base = "" if path.startswith("/") else posixpath.dirname(page)
    joined = posixpath.normpath(posixpath.join(base, path.lstrip("/")))
    stem = joined.rstrip("/")
    return [joined, f"{stem}.md", f"{stem}/index.md"]
