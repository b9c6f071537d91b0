"""Walk the docs folder the way MkDocs does, minus what must never be read.

MkDocs follows symlinks while walking ``docs_dir``; a link to ``/`` would make
it read the whole disk, and a link to ``/etc`` would publish it. We walk first
and refuse every link that leaves the project folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from portfolio_builder.core.paths import is_inside, regular_file
from portfolio_builder.core.problems import Problem, ProblemSink

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")

# Paths the plugin generates; a page of the student's there would be shadowed.
RESERVED_DIR = "portfolio"
RESERVED_FILES = ("report.json", "report.csv", "manifest.json", "report.jwt", "manifest.jwt", "attestation.jwt")


@dataclass(slots=True)
class DocsTree:
    pages: list[tuple[Path, str]] = field(default_factory=list)  # (absolute, docs-relative posix)
    other_files: list[tuple[Path, str]] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)  # docs-relative paths refused (links outside)
    problems: list[Problem] = field(default_factory=list)


def walk(docs_dir: Path, root: Path, display_prefix: str) -> DocsTree:
    """Every file under ``docs_dir``; symlinks leaving ``root`` are refused and reported."""
    tree = DocsTree()
    docs = str(docs_dir)
    visited: set[str] = set()

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
            if os.path.islink(abs_file) and not is_inside(abs_file, root):
                refuse(abs_file, False)
                continue
            rel = os.path.relpath(abs_file, docs).replace(os.sep, "/")
            if not regular_file(abs_file):
                # A FIFO or a device would block the read; a broken link has nothing to read.
                tree.refused.add(rel)
                sink = ProblemSink(f"{display_prefix}{rel}")
                sink.error("not-a-file", (1, 1), "", "docs.not_a_file", hint_id="docs.not_a_file.hint")
                tree.problems.extend(sink.items)
                continue
            entry = (Path(abs_file), rel)
            if name.lower().endswith(MARKDOWN_SUFFIXES):
                tree.pages.append(entry)
            else:
                tree.other_files.append(entry)
    _check_reserved(tree, display_prefix)
    return tree


def _check_reserved(tree: DocsTree, display_prefix: str) -> None:
    for _abs, rel in tree.pages + tree.other_files:
        if rel.split("/", 1)[0] == RESERVED_DIR and "/" in rel or rel in RESERVED_FILES:
            sink = ProblemSink(f"{display_prefix}{rel}")
            sink.error("reserved-path", (1, 1), "", "docs.reserved", hint_id="docs.reserved.hint", path=rel)
            tree.problems.extend(sink.items)
