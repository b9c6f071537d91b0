"""Evidence pages: read one Markdown page, validate it, resolve its claims.

A page is a piece of evidence when its front matter has ``competencies``.
Everything wrong with it is reported at once; whatever is usable is kept, so
one bad date does not hide the page's contribution to coverage.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portfolio_builder.core import frontmatter, schemas
from portfolio_builder.core.links import Link, local_links
from portfolio_builder.core.paths import is_inside
from portfolio_builder.core.problems import ProblemSink
from portfolio_builder.core.referential import Referential, check_level
from portfolio_builder.core.yamlread import YamlDoc

TYPES = ("coursework", "assessment", "external")
PUBLIC = "public"
PRIVATE = "private"

_OVERRIDES = {
    ("commentary", "required"): "missing-commentary",
    ("commentary", "pattern"): "missing-commentary",
    ("commentary", "minLength"): "missing-commentary",
    ("url", "pattern"): "unsafe-url",
}

# Front-matter keys that are ours; a near miss of one of them is almost always a
# typo, and a typo of `competencies` silently drops the page from coverage.
OUR_KEYS = ("title", "type", "date", "context", "competencies", "commentary", "attachments", "id", "visibility")
FRENCH_KEYS = {
    "titre": "title",
    "competences": "competencies",
    "compétences": "competencies",
    "competence": "competencies",
    "compétence": "competencies",
    "contexte": "context",
    "commentaire": "commentary",
    "commentaires": "commentary",
    "annexes": "attachments",
    "pieces_jointes": "attachments",
    "pièces_jointes": "attachments",
    "pieces-jointes": "attachments",
    "pièces-jointes": "attachments",
    "fichiers": "attachments",
    "visibilite": "visibility",
    "visibilité": "visibility",
}
# Keys other tools use legitimately and that must not be taken for typos.
_KNOWN_FOREIGN = {"tags", "template", "description", "hide", "icon", "status", "search", "authors", "comments"}


@dataclass(slots=True)
class Claim:
    code: str
    argument: str = ""
    anchor: str = ""
    line: int = 0
    level: int | None = None  # the proficiency level claimed, where the referential has levels


@dataclass(slots=True)
class Attachment:
    title: str
    path: str | None = None  # relative to the docs folder, posix
    url: str | None = None
    size: int | None = None
    visibility: str = PUBLIC

    @property
    def name(self) -> str:
        return self.title or (self.path.rsplit("/", 1)[-1] if self.path else self.url or "")


@dataclass(slots=True)
class PageRead:
    """What one page gives the check: its evidence (if it is one) and its local links."""

    evidence: Evidence | None = None
    links: list[Link] = field(default_factory=list)
    private: bool = False  # `visibility: private`, whether or not the page is evidence


@dataclass(slots=True)
class Evidence:
    path: str  # relative to the docs folder, posix
    id: str
    title: str
    type: str
    date: str
    context: str = ""
    claims: list[Claim] = field(default_factory=list)
    commentary: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    visibility: str = PUBLIC
    id_line: int = 1

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.claims]


def default_id(rel_path: str) -> str:
    stem = rel_path.rsplit(".", 1)[0]
    return stem


def read_page(
    abs_path: Path,
    rel_path: str,
    docs_dir: Path,
    root: Path,
    referential: Referential | None,
    sink: ProblemSink,
) -> PageRead:
    """The page's evidence (``None`` when it is not a piece of evidence) and local links."""
    source = frontmatter.read(abs_path, sink)
    if source is None:
        return PageRead()
    read = PageRead(links=local_links(source.body, source.body_line))
    if source.front_matter is None:
        return read
    doc = source.front_matter
    meta = source.meta
    read.private = meta.get("visibility") == PRIVATE
    _check_typo_keys(meta, doc, sink)
    if "competencies" not in meta:
        return read

    schemas.validate("evidence", doc, sink, overrides=_OVERRIDES)

    evidence = Evidence(
        path=rel_path,
        id=_text(meta.get("id")) or default_id(rel_path),
        title=_text(meta.get("title")),
        type=_one_of(meta.get("type"), TYPES, ""),  # a wrong type is reported by the schema
        date=_text(meta.get("date")),
        context=_text(meta.get("context")),
        commentary=_text(meta.get("commentary")),
        visibility=_one_of(meta.get("visibility"), (PUBLIC, PRIVATE), PUBLIC),
        id_line=doc.key_pos(("id",))[0] if "id" in meta else doc.start[0],
    )
    evidence.claims = _claims(meta.get("competencies"), doc, referential, sink)
    anchors = [c for c in evidence.claims if c.anchor]
    if anchors:
        ids = heading_ids(source.body)
        for claim in anchors:
            if claim.anchor.lstrip("#") not in ids:
                index = evidence.claims.index(claim)
                close = difflib.get_close_matches(claim.anchor, sorted(ids), n=1, cutoff=0.6)
                sink.warning(
                    "missing-anchor",
                    doc.pos(("competencies", index, "anchor")),
                    f"competencies[{index}].anchor",
                    "evidence.missing_anchor",
                    hint_id="hint.did_you_mean" if close else "evidence.missing_anchor.hint",
                    hint_args={"suggestion": close[0]} if close else {},
                    anchor=claim.anchor,
                )
    evidence.attachments = _attachments(meta.get("attachments"), doc, abs_path, docs_dir, root, sink)
    _check_placeholders(meta.get("competencies"), doc, source.body, source.body_line, sink)
    read.evidence = evidence
    return read


@functools.cache
def _scaffold_texts() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The example text `portfolio new` writes (both languages): argument prefixes, body lines."""
    from portfolio_builder.i18n import LANGUAGES, translate

    arguments = tuple(translate(lang, "scaffold.evidence_argument").split("{", 1)[0].strip() for lang in LANGUAGES)
    bodies = tuple(translate(lang, "scaffold.evidence_body").split("\n", 1)[0].strip() for lang in LANGUAGES)
    return arguments, bodies


def _excerpt(text: str, limit: int = 48) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _check_placeholders(raw: Any, doc: YamlDoc, body: str, body_line: int, sink: ProblemSink) -> None:
    """Example text from `portfolio new` left in the page: a warning (an error in
    certification mode, see ``check``): it is not the student's evidence."""
    arguments, bodies = _scaffold_texts()
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        argument = item.get("argument") if isinstance(item, dict) else None
        if isinstance(argument, str) and any(argument.strip().startswith(a) for a in arguments if a):
            sink.warning(
                "placeholder-text",
                doc.pos(("competencies", index, "argument")),
                f"competencies[{index}].argument",
                "evidence.placeholder",
                hint_id="evidence.placeholder.hint",
                text=_excerpt(argument),
            )
    for offset, line in enumerate(body.split("\n")):
        if line.strip() and line.strip() in bodies:
            sink.warning(
                "placeholder-text", (body_line + offset, 1), "", "evidence.placeholder",
                hint_id="evidence.placeholder.hint", text=_excerpt(line),
            )


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _one_of(value: Any, allowed: tuple[str, ...], default: str) -> str:
    """``value`` when it is one of the ``allowed`` words, else ``default``."""
    return value if isinstance(value, str) and value in allowed else default


def _check_typo_keys(meta: dict[str, Any], doc: YamlDoc, sink: ProblemSink) -> None:
    for key in meta:
        if key in OUR_KEYS or key in _KNOWN_FOREIGN:
            continue
        folded = key.casefold().strip()
        suggestion = FRENCH_KEYS.get(folded)
        if suggestion is None:
            close = difflib.get_close_matches(folded, OUR_KEYS, n=1, cutoff=0.8)
            suggestion = close[0] if close else None
        if suggestion:
            # Without `competencies` the page is not evidence at all: that is an error, not a detail.
            dropped = suggestion == "competencies" and "competencies" not in meta
            (sink.error if dropped else sink.warning)(
                "unknown-key",
                doc.key_pos((key,)),
                key,
                "evidence.typo_key_not_counted" if dropped else "evidence.typo_key",
                hint_id="hint.did_you_mean",
                hint_args={"suggestion": suggestion},
                key=key,
            )


def _claims(raw: Any, doc: YamlDoc, referential: Referential | None, sink: ProblemSink) -> list[Claim]:
    if not isinstance(raw, list):
        return []
    claims: list[Claim] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        if isinstance(item, str):
            claim = Claim(item.strip())
        elif isinstance(item, dict) and isinstance(item.get("code"), str):
            claim = Claim(item["code"].strip(), _text(item.get("argument")), _text(item.get("anchor")))
        else:
            continue  # already reported by the schema
        pos = doc.pos(("competencies", index, "code") if isinstance(item, dict) else ("competencies", index))
        claim.line = pos[0]
        field_path = f"competencies[{index}]"
        if referential is not None and claim.code not in referential.competencies:
            suggestion = referential.suggest(claim.code)
            sink.error(
                "unknown-competency",
                pos,
                field_path,
                "evidence.unknown_competency",
                hint_id="hint.did_you_mean" if suggestion else "evidence.unknown_competency.hint",
                hint_args={"suggestion": suggestion} if suggestion else {"referential": referential.id},
                code=claim.code,
                referential=referential.id,
            )
            continue
        if isinstance(item, dict) and "level" in item and referential is not None:
            claim.level = check_level(
                item["level"], referential.levels, doc.pos(("competencies", index, "level")),
                f"{field_path}.level", sink, referential.id,
            )
        if claim.code in seen:
            sink.warning(
                "duplicate-competency",
                pos,
                field_path,
                "evidence.duplicate_competency",
                code=claim.code,
                line=seen[claim.code],
            )
            continue
        seen[claim.code] = pos[0]
        claims.append(claim)
    return claims


def _attachments(
    raw: Any, doc: YamlDoc, page: Path, docs_dir: Path, root: Path, sink: ProblemSink
) -> list[Attachment]:
    if not isinstance(raw, list):
        return []
    result = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            continue
        visibility = _one_of(item.get("visibility"), (PUBLIC, PRIVATE), PUBLIC)
        title = _text(item.get("title"))
        url = item.get("url")
        if isinstance(url, str) and "path" not in item:
            if SAFE_URL.match(url.strip()):  # a javascript: link is reported, never kept
                result.append(Attachment(title, url=url.strip(), visibility=visibility))
            continue
        path_text = item.get("path")
        if not isinstance(path_text, str) or not path_text.strip():
            continue
        pos = doc.pos(("attachments", index, "path"))
        field_path = f"attachments[{index}].path"
        resolved = resolve_attachment(path_text.strip(), page, docs_dir, root, sink, pos, field_path)
        if resolved is None:
            continue
        rel, size = resolved
        result.append(Attachment(title, path=rel, size=size, visibility=visibility))
    return result


_WINDOWS_ABS = re.compile(r"^[A-Za-z]:[\\/]")
# The same rule as schema/evidence.schema.json: http, https or mailto.
SAFE_URL = re.compile(r"^(?i:https?://|mailto:)\S+$")


def resolve_attachment(
    text: str,
    page: Path,
    docs_dir: Path,
    root: Path,
    sink: ProblemSink,
    pos: tuple[int, int],
    field_path: str,
) -> tuple[str, int] | None:
    """Docs-relative path and size of an attachment, or ``None`` after reporting why not."""
    if os.path.isabs(text) or _WINDOWS_ABS.match(text) or text.startswith("~"):
        sink.error(
            "attachment-outside", pos, field_path, "evidence.attachment_absolute",
            hint_id="evidence.attachment_absolute.hint", path=text,
        )
        return None
    target = os.path.normpath(os.path.join(page.parent, text))
    if not is_inside(target, docs_dir, follow_links=False):
        sink.error(
            "attachment-outside", pos, field_path, "evidence.attachment_outside",
            hint_id="evidence.attachment_outside.hint", path=text,
        )
        return None
    if not os.path.lexists(target):
        _report_missing(text, target, pos, field_path, sink)
        return None
    if not is_inside(target, root):
        sink.error(
            "symlink-outside", pos, field_path, "evidence.symlink_outside",
            hint_id="evidence.symlink_outside.hint", path=text,
        )
        return None
    real = os.path.realpath(target)
    if not os.path.isfile(real):
        sink.error("missing-attachment", pos, field_path, "evidence.attachment_not_file", path=text)
        return None
    return Path(target).relative_to(docs_dir).as_posix(), os.path.getsize(real)


def _report_missing(text: str, target: str, pos: tuple[int, int], field_path: str, sink: ProblemSink) -> None:
    folder, name = os.path.split(target)
    try:
        siblings = os.listdir(folder)
    except OSError:
        siblings = []
    wanted = unicodedata.normalize("NFC", name)
    for sibling in siblings:
        if sibling != name and unicodedata.normalize("NFC", sibling) == wanted:
            sink.error(
                "unicode-normalization", pos, field_path, "evidence.unicode_normalization",
                hint_id="evidence.unicode_normalization.hint", path=text,
            )
            return
    close = difflib.get_close_matches(name, siblings, n=1, cutoff=0.6)
    sink.error(
        "missing-attachment", pos, field_path, "evidence.missing_attachment",
        hint_id="hint.did_you_mean" if close else "evidence.missing_attachment.hint",
        hint_args={"suggestion": close[0]} if close else {},
        path=text,
    )


_FENCE_RE = re.compile(r"^(```|~~~)")
# Linear-time patterns only: a page is untrusted input, and a backtracking
# pattern here took minutes on one heading line of a few thousand spaces.
_ATX_RE = re.compile(r"^(#{1,6})[ \t]+(\S.*)$")
_ID_IN_ATTRS_RE = re.compile(r"#([\w-]+)")


def _explicit_id(heading: str) -> tuple[str, str] | None:
    """``(id, text before)`` for a heading ending in attributes like ``{#id .class}``."""
    text = heading.rstrip()
    if not text.endswith("}"):
        return None
    start = text.rfind("{")
    if start < 0 or "}" in text[start + 1 : -1]:
        return None
    ids = _ID_IN_ATTRS_RE.findall(text[start + 1 : -1])
    return (ids[-1], text[:start].strip()) if ids else None


def heading_ids(body: str) -> set[str]:
    """Ids MkDocs' toc extension gives the page's headings (either slug style)."""
    from markdown.extensions.toc import slugify, slugify_unicode

    ids: set[str] = set()
    in_fence = False
    previous = ""
    for line in body.split("\n"):
        if _FENCE_RE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = None
        match = _ATX_RE.match(line)
        if match:
            # Closing hashes and spaces go, as Python-Markdown drops them.
            heading = match.group(2).rstrip(" \t").rstrip("#").rstrip(" \t") or match.group(2).strip()
        elif previous.strip() and re.fullmatch(r"(=+|-+)[ \t]*", line):
            heading = previous.strip()
        previous = line
        if heading is None:
            continue
        explicit = _explicit_id(heading)
        if explicit:
            ids.add(explicit[0])
            heading = explicit[1]
        ids.add(slugify(heading, "-"))
        ids.add(slugify_unicode(heading, "-"))
    return ids
