"""Walk the docs folder the way MkDocs does, minus what must never be read.

MkDocs follows symlinks while walking ``docs_dir``; a link to ``/`` would make
it read the whole disk, and a link to ``/etc`` would publish it. We walk first
and refuse every link that leaves the project folder.
"""

from __future__ import annotations

import os
import posixpath
import stat
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from portfolio_builder.core.limits import DEFAULT as DEFAULT_LIMITS
from portfolio_builder.core.limits import Limits
from portfolio_builder.core.paths import is_inside
from portfolio_builder.core.problems import Problem, ProblemSink
from portfolio_builder.i18n import Size

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")

# Where the theme, the plugin and the cohort write; no file of a dossier may land there
# (MkDocs lets a docs file win over the theme's: a candidate's bundle.js would run on every
# page). Folders end with "/". Compared case-folded: a case-insensitive disk or server
# (macOS, Windows) would serve `Assets/Javascripts/…` for `assets/javascripts/…`.
RESERVED_DIR = "portfolio"
RESERVED_FILES = ("report.json", "report.csv", "manifest.json", "report.jwt", "manifest.jwt", "attestation.jwt")
RESERVED = (
    "portfolio/",  # the generated pages
    "assets/portfolio/",  # our CSS and scripts
    "assets/cohort/",  # the dashboard's assets
    "assets/javascripts/",  # Material's scripts, search worker and lunr
    "assets/stylesheets/",  # Material's CSS
    "assets/images/favicon.png",
    "search/",  # search_index.json
    "search.json",  # Zensical's search index
    "404.html",
    "sitemap.xml",
    "sitemap.xml.gz",
    *RESERVED_FILES,
)


@dataclass(slots=True)
class DocsTree:
    pages: list[tuple[Path, str]] = field(default_factory=list)  # (absolute, docs-relative posix)
    other_files: list[tuple[Path, str]] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)  # docs-relative paths refused (links outside)
    problems: list[Problem] = field(default_factory=list)
    total_bytes: int = 0  # apparent size of every file (sparse files count as written)
    over_limit: bool = False  # a size limit was passed: nothing may be built


def _fold(path: str) -> str:
    """How a lenient server may read a path: any case, NFC, ``\\`` as ``/``, and a name's
    trailing dots and spaces dropped (Windows: ``report.json.`` is ``report.json``)."""
    folded = unicodedata.normalize("NFC", path).casefold().replace("\\", "/")
    return "/".join(part.rstrip(". ") or part for part in folded.split("/"))


@cache
def theme_files() -> frozenset[str]:
    """The static files the theme and the plugin publish (Material's assets, ours), case-folded.

    Found on disk, so a new Material release's files are protected without a change here.
    """
    import importlib.util

    from portfolio_builder.resources import material_overrides_dir

    found: set[str] = set()
    spec = importlib.util.find_spec("material")
    folders = [material_overrides_dir()]
    if spec is not None and spec.origin:
        folders.append(Path(spec.origin).parent / "templates")
    for folder in folders:
        assets = folder / "assets"
        for dirpath, _dirs, files in os.walk(assets):
            for name in files:
                rel = os.path.relpath(os.path.join(dirpath, name), folder).replace(os.sep, "/")
                found.add(_fold(rel))
    return frozenset(found)


# Files a browser runs as a document on the site's origin (scripts, event handlers,
# XSLT): in a public or cohort build they are made inert. SVG is cleaned, so that
# `![](figure.svg)` keeps working; the others are published as text to download.
ACTIVE_SVG, ACTIVE_DOCUMENT = "svg", "document"
_SVG_SUFFIXES = (".svg", ".svgz")
_DOCUMENT_SUFFIXES = (
    ".html", ".htm", ".xhtml", ".xht", ".shtml", ".shtm", ".xml", ".xsl", ".xslt", ".rss", ".atom",
    ".rdf", ".mht", ".mhtml", ".hta", ".mml", ".mathml", ".xbl", ".vml", ".wml", ".jsp", ".php",
)
INERT_SUFFIX = ".txt"


def active_kind(rel: str) -> str | None:
    """``ACTIVE_SVG``, ``ACTIVE_DOCUMENT`` or None: what a browser would do with this file."""
    import mimetypes

    name = unicodedata.normalize("NFC", rel.rsplit("/", 1)[-1]).casefold().rstrip(". ")
    if name.endswith(_SVG_SUFFIXES):
        return ACTIVE_SVG
    if name.endswith(_DOCUMENT_SUFFIXES):
        return ACTIVE_DOCUMENT
    kind, _encoding = mimetypes.guess_type(name, strict=False)
    if kind is not None and (kind == "text/html" or kind.endswith(("/xml", "+xml"))):
        return ACTIVE_SVG if "svg" in kind else ACTIVE_DOCUMENT
    return None


def inert_name(rel: str) -> str:
    """Where an active document is published instead: served as text/plain, never rendered."""
    return rel + INERT_SUFFIX


def output_paths(rel: str) -> list[str]:
    """Where a docs file lands in the site, with or without ``use_directory_urls``."""
    if not rel.lower().endswith(MARKDOWN_SUFFIXES):
        return [rel]
    stem, _ext = posixpath.splitext(rel)
    folder, name = posixpath.split(stem)
    if name.lower() in ("index", "readme"):
        return [posixpath.join(folder, "index.html")]
    return [posixpath.join(stem, "index.html"), stem + ".html"]


@cache
def _reserved_sets() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(reserved folders, reserved files, folders the theme's files sit in), case-folded."""
    theme = theme_files()
    folders = frozenset(entry[:-1] for entry in RESERVED if entry.endswith("/"))
    files = frozenset(entry for entry in RESERVED if not entry.endswith("/")) | theme
    parents = frozenset(path.rsplit("/", i)[0] for path in theme for i in range(1, path.count("/") + 1))
    return folders, files, parents


def reserved(rel: str) -> bool:
    """A docs file would land where the theme, the plugin or the cohort writes."""
    if _fold(rel) == "index.html":
        return True  # the home page is always there (the dossier's index.md, or ours)
    folders, files, parents = _reserved_sets()
    for out in output_paths(rel):
        folded = _fold(out)
        # The file itself, or a file named like a folder the theme or the plugin needs.
        if folded in files or folded in folders or folded in parents:
            return True
        parts = folded.split("/")
        for depth in range(1, len(parts)):
            prefix = "/".join(parts[:depth])
            if prefix in files:
                return True  # a folder where one of our files goes (sitemap.xml/…)
            # `search.md` → search/index.html is a page of its own: nothing of ours is there.
            if prefix in folders and not (depth == len(parts) - 1 and parts[-1] == "index.html"):
                return True
    return False


def walk(
    docs_dir: Path, root: Path, display_prefix: str, limits: Limits = DEFAULT_LIMITS, untrusted: bool = False
) -> DocsTree:
    """Every file under ``docs_dir``; symlinks leaving ``root`` are refused and reported.

    Size limits are checked on every file (apparent size), without reading any. In an
    untrusted build (a cohort), a file with more than one hard link is refused: its other
    name may be outside the dossier.
    """
    tree = DocsTree()
    docs = str(docs_dir)
    visited: set[str] = set()
    count = 0

    def refuse(abs_path: str, is_dir: bool) -> None:
        rel = os.path.relpath(abs_path, docs).replace(os.sep, "/")
        tree.refused.add(rel)
        sink = ProblemSink(f"{display_prefix}{rel}")
        sink.error(
            "symlink-outside",
            (1, 1),
            "",
            "docs.symlink_outside",
            hint_id="docs.symlink_outside.hint",
            hint_args={"target": os.readlink(abs_path) if os.path.islink(abs_path) else ""},
        )
        tree.problems.extend(sink.items)

    for folder, dirnames, filenames in os.walk(docs, followlinks=True):
        real_folder = os.path.realpath(folder)
        if real_folder in visited:  # a link loop, or a second link to the same folder
            dirnames[:] = []
            continue
        visited.add(real_folder)
        # Each file's path relative to the docs folder, from its folder's (one relpath a folder).
        rel_folder = os.path.relpath(folder, docs).replace(os.sep, "/")
        rel_prefix = "" if rel_folder == "." else rel_folder + "/"
        keep = []
        for name in sorted(dirnames):
            if name.startswith("."):
                continue
            abs_dir = os.path.join(folder, name)
            if os.path.islink(abs_dir) and not is_inside(abs_dir, root):
                refuse(abs_dir, True)
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            abs_file = os.path.join(folder, name)
            try:
                info: os.stat_result | None = os.lstat(abs_file)
            except OSError:
                info = None
            if info is not None and stat.S_ISLNK(info.st_mode):
                if not is_inside(abs_file, root):
                    refuse(abs_file, False)
                    continue
                try:
                    info = os.stat(abs_file)  # what the link points to, inside the dossier
                except OSError:
                    info = None
            rel = rel_prefix + name
            if info is None or not stat.S_ISREG(info.st_mode):
                # A FIFO or a device would block the read; a broken link has nothing to read.
                tree.refused.add(rel)
                sink = ProblemSink(f"{display_prefix}{rel}")
                sink.error("not-a-file", (1, 1), "", "docs.not_a_file", hint_id="docs.not_a_file.hint")
                tree.problems.extend(sink.items)
                continue
            is_page = name.lower().endswith(MARKDOWN_SUFFIXES)
            if untrusted and info.st_nlink > 1:
                tree.refused.add(rel)
                sink = ProblemSink(f"{display_prefix}{rel}")
                sink.error("hard-link", (1, 1), "", "docs.hard_link", hint_id="docs.hard_link.hint", links=info.st_nlink)
                tree.problems.extend(sink.items)
                continue
            count += 1
            tree.total_bytes += info.st_size
            limit = limits.page_bytes if is_page else limits.file_bytes
            if info.st_size > limit:
                tree.refused.add(rel)
                tree.over_limit = True
                sink = ProblemSink(f"{display_prefix}{rel}")
                sink.error(
                    "file-too-large",
                    (1, 1),
                    "",
                    "docs.page_too_large" if is_page else "docs.file_too_large",
                    hint_id="docs.limit.hint",
                    size=Size(info.st_size),
                    limit=Size(limit),
                )
                tree.problems.extend(sink.items)
                continue
            if count > limits.files:
                break
            entry = (Path(abs_file), rel)
            if is_page:
                tree.pages.append(entry)
            else:
                tree.other_files.append(entry)
        if count > limits.files:
            break
    _check_totals(tree, count, limits, docs_dir, display_prefix)
    _check_reserved(tree, display_prefix)
    return tree


def _check_totals(tree: DocsTree, count: int, limits: Limits, docs_dir: Path, display_prefix: str) -> None:
    sink = ProblemSink(display_prefix.rstrip("/") or str(docs_dir))
    if count > limits.files:
        # The walk stopped there: an absurd number of files is never listed in full.
        tree.over_limit = True
        sink.error("dossier-too-large", (1, 1), "", "docs.too_many_files", hint_id="docs.limit.hint", limit=limits.files)
    elif tree.total_bytes > limits.docs_bytes:
        tree.over_limit = True
        sink.error(
            "dossier-too-large", (1, 1), "", "docs.too_large", hint_id="docs.limit.hint", size=Size(tree.total_bytes), limit=Size(limits.docs_bytes)
        )
    tree.problems.extend(sink.items)


def _check_reserved(tree: DocsTree, display_prefix: str) -> None:
    """Files landing where the theme, the plugin or the cohort writes: reported and never published."""
    kept_pages: list[tuple[Path, str]] = []
    kept_files: list[tuple[Path, str]] = []
    for kept, entries in ((kept_pages, tree.pages), (kept_files, tree.other_files)):
        for entry in entries:
            rel = entry[1]
            if not reserved(rel):
                kept.append(entry)
                continue
            tree.refused.add(rel)
            sink = ProblemSink(f"{display_prefix}{rel}")
            sink.error("reserved-path", (1, 1), "", "docs.reserved", hint_id="docs.reserved.hint", path=rel)
            tree.problems.extend(sink.items)
    tree.pages, tree.other_files = kept_pages, kept_files
