"""The links and images a rendered page points to, resolved to docs-relative paths."""

from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and ((tag == "a" and name == "href") or (name == "src" and tag in ("img", "source", "video", "audio"))):
                self.targets.append(value)


def local_targets(html: str, page_src: str) -> list[tuple[str, str]]:
    """``(as written, docs-relative path)`` for each local link of a page.

    MkDocs leaves a link whose target is not part of the build exactly as the
    author wrote it, so resolving against the page's source folder finds it.
    """
    collector = _Collector()
    collector.feed(html)
    base = posixpath.dirname(page_src)
    found = []
    for raw in collector.targets:
        parts = urlsplit(raw)
        if parts.scheme or parts.netloc or not parts.path or raw.startswith("#"):
            continue
        path = unquote(parts.path)
        resolved = posixpath.normpath(path.lstrip("/") if path.startswith("/") else posixpath.join(base, path))
        found.append((raw, resolved))
    return found
