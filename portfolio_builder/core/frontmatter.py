"""Split a Markdown page into its YAML front matter and body, with positions.

MkDocs parses front matter itself but swallows every YAML error (the page then
silently loses its metadata). We read the page ourselves, with the same
``---`` delimiters, and report each problem at its line in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from portfolio_builder.core import yamlread
from portfolio_builder.core.problems import ProblemSink

# A front matter above this size is a mistake (a pasted file, a generated
# blob); refusing it keeps the checker fast and bounded.
MAX_FRONT_MATTER_CHARS = 256 * 1024

_OPEN_RE = re.compile(r"-{3}[ \t]*(?:\n|\Z)")
_CLOSE_RE = re.compile(r"^(?:-{3}|\.{3})[ \t]*$", re.MULTILINE)

BOM = "\ufeff"


@dataclass(slots=True)
class MarkdownSource:
    text: str
    front_matter: yamlread.YamlDoc | None
    has_front_matter: bool
    body: str
    body_line: int

    @property
    def meta(self) -> dict:
        doc = self.front_matter
        return doc.data if doc is not None and isinstance(doc.data, dict) else {}


def decode(data: bytes, sink: ProblemSink) -> str | None:
    """UTF-8 (with or without BOM), newlines normalised; ``None`` if undecodable."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        sink.error("encoding", (line, column), "", "page.encoding", hint_id="page.encoding.hint")
        return None
    if text.startswith(BOM):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split(text: str, sink: ProblemSink) -> MarkdownSource:
    """Separate front matter and body; report an unclosed or oversized block."""
    opening = _OPEN_RE.match(text)
    if not opening:
        return MarkdownSource(text, None, False, text, 1)
    closing = _CLOSE_RE.search(text, opening.end())
    if closing is None:
        sink.error(
            "unclosed-front-matter", (1, 1), "", "page.unclosed", hint_id="page.unclosed.hint"
        )
        return MarkdownSource(text, None, True, text, 1)
    yaml_text = text[opening.end() : closing.start()]
    body_start = closing.end() + 1
    body_line = text.count("\n", 0, body_start) + 1
    body = text[body_start:]
    if len(yaml_text) > MAX_FRONT_MATTER_CHARS:
        sink.error(
            "front-matter-too-large",
            (2, 1),
            "",
            "page.too_large",
            hint_id="page.too_large.hint",
            size=len(yaml_text),
            limit=MAX_FRONT_MATTER_CHARS,
        )
        return MarkdownSource(text, None, True, body, body_line)
    # The YAML text starts on the file's second line.
    doc = yamlread.parse(yaml_text, sink, line_offset=1, numbers=False)
    if doc is not None and doc.data is not None and not isinstance(doc.data, dict):
        sink.error("schema", doc.start, "", "page.not_mapping", hint_id="page.not_mapping.hint")
    return MarkdownSource(text, doc, True, body, body_line)


def read(path: Path, sink: ProblemSink) -> MarkdownSource | None:
    """Read, decode and split one page; ``None`` when it cannot be read at all."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        sink.error("encoding", (1, 1), "", "page.unreadable", reason=exc.strerror or str(exc))
        return None
    if not data.strip():
        sink.error("empty-page", (1, 1), "", "page.empty", hint_id="page.empty.hint")
        return None
    text = decode(data, sink)
    if text is None:
        return None
    return split(text, sink)


_H1 = re.compile(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)


def title_of(path: Path) -> str | None:
    """A page's title as its author wrote it: ``title:`` in the front matter, else its first ``# heading``."""
    try:
        text = decode(path.read_bytes(), ProblemSink(str(path)))
    except OSError:
        return None
    if text is None:
        return None
    source = split(text, ProblemSink(str(path)))
    title = source.meta.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    heading = _H1.search(source.body)
    return heading.group(1) if heading else None
