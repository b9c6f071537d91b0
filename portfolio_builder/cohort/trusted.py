"""A dossier's trusted build: a configuration we wrote (and, when needed, a staged copy of its pages).

What is taken from the dossier, as data: the ``portfolio`` entry (read by the
core, never executed), ``site_name``, ``nav`` (its own Markdown pages and
http(s) links only), the Markdown, front matter and attachments (copied: links
leaving the dossier, hard links, files over the limits and files at reserved
paths refused), and the *names* of ``markdown_extensions`` from
``SAFE_EXTENSIONS``: their options come from the cohort (``cohort.yml``), never
from the dossier (Material prints ``toc.title`` raw, for one). Never:
``hooks``, other ``plugins``, ``extra_javascript``, ``extra_css``,
``theme.custom_dir``, ``extra``, ``site_url``.
"""

from __future__ import annotations

import html
import json
import os
import stat
from pathlib import Path
from typing import Any

from portfolio_builder.core.check import Dossier
from portfolio_builder.core.docs_tree import MARKDOWN_SUFFIXES
from portfolio_builder.core.project import Project

# Extensions that only change how Markdown becomes HTML (and the HTML is sanitised
# afterwards anyway). Options are kept only when they are plain scalars.
SAFE_EXTENSIONS = (
    "abbr",
    "admonition",
    "attr_list",
    "def_list",
    "footnotes",
    "md_in_html",
    "tables",
    "toc",
    "sane_lists",
    "smarty",
    "pymdownx.betterem",
    "pymdownx.caret",
    "pymdownx.critic",
    "pymdownx.details",
    "pymdownx.highlight",
    "pymdownx.inlinehilite",
    "pymdownx.keys",
    "pymdownx.mark",
    "pymdownx.smartsymbols",
    "pymdownx.superfences",
    "pymdownx.tabbed",
    "pymdownx.tasklist",
    "pymdownx.tilde",
)
# The options of an extension a dossier switches on, unless the cohort gives its own.
TRUSTED_OPTIONS: dict[str, dict[str, Any]] = {
    "pymdownx.tabbed": {"alternate_style": True},  # the only style Material supports
}


def safe_extensions(raw: Any, trusted_options: dict[str, Any] | None = None) -> list[Any]:
    """The dossier's markdown_extensions: names from the safe list, options from the cohort."""
    items: list[tuple[str, Any]] = []
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list):
        for entry in raw:
            if isinstance(entry, str):
                items.append((entry, None))
            elif isinstance(entry, dict) and len(entry) == 1:
                items.extend(entry.items())
    options_of = {**TRUSTED_OPTIONS, **(trusted_options or {})}
    kept: list[Any] = []
    seen: set[str] = set()
    for name, _dossier_options in items:  # the dossier's options are never read
        if name not in SAFE_EXTENSIONS or name in seen:
            continue
        seen.add(name)
        options = options_of.get(name)
        kept.append({name: dict(options)} if options else name)
    return kept


def cohort_extensions(trusted_options: dict[str, Any] | None) -> list[Any]:
    """The extensions the cohort itself switches on for every dossier, with its options."""
    return [{name: dict(options)} if options else name for name, options in (trusted_options or {}).items()]


def merged_extensions(raw: Any, trusted_options: dict[str, Any] | None) -> list[Any]:
    """The cohort's extensions, then the dossier's safe ones (names only, options from the cohort)."""
    return _merged(cohort_extensions(trusted_options), safe_extensions(raw, trusted_options))


def _merged(first: list[Any], second: list[Any]) -> list[Any]:
    names = {e if isinstance(e, str) else next(iter(e)) for e in first}
    return first + [e for e in second if (e if isinstance(e, str) else next(iter(e))) not in names]


def _safe_nav(raw: Any, docs: set[str]) -> Any:
    """The dossier's nav with only its own pages and http(s) links; None when nothing is left."""

    def clean(item: Any) -> Any:
        if isinstance(item, str):
            return item if item in docs and item.lower().endswith(MARKDOWN_SUFFIXES) else None
        if isinstance(item, dict) and len(item) == 1:
            (title, value), = item.items()
            label = html.escape(str(title), quote=False)  # Material renders nav titles as HTML
            if isinstance(value, str):
                # Its own Markdown pages (never a file it made the nav point at) or a web link.
                ok = (value in docs and value.lower().endswith(MARKDOWN_SUFFIXES)) or value.startswith(("http://", "https://"))
                return {label: value} if ok else None
            if isinstance(value, list):
                children = [c for c in (clean(v) for v in value) if c is not None]
                return {label: children} if children else None
        return None

    if not isinstance(raw, list):
        return None
    cleaned = [c for c in (clean(item) for item in raw) if c is not None]
    return cleaned or None


def stage_docs(dossier: Dossier, staging: Path) -> None:
    """Copy the files the check accepted, as plain files, into ``staging``.

    The build reads only this copy: what the check refused (links leaving the dossier,
    hard links, FIFOs, files over the limits or at reserved paths) is not there, and a
    file changed after the check cannot grow past the limits (at most its checked size
    is copied).
    """
    docs = dossier.project.docs_dir
    limits = dossier.options.limits
    entries = [(docs / rel, rel, limits.page_bytes) for rel in dossier.pages] + [
        (abs_path, rel, limits.file_bytes) for abs_path, rel in dossier.other_files
    ]
    staging.mkdir(parents=True, exist_ok=True)
    for abs_path, rel, limit in entries:
        if rel in dossier.refused_files:
            continue
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_bounded(abs_path, target, limit)
        # Modification times kept: reviews are compared with them.
        info = os.stat(abs_path)
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))


def _copy_bounded(source: Path, target: Path, limit: int) -> None:
    """Copy at most ``limit`` bytes of a regular file (never a FIFO: open without blocking)."""
    fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        with os.fdopen(fd, "rb", closefd=False) as src, open(target, "wb") as out:
            remaining = limit
            while remaining > 0:
                chunk = src.read(min(1024 * 1024, remaining))
                if not chunk:
                    break
                out.write(chunk)
                remaining -= len(chunk)
    finally:
        os.close(fd)
    os.chmod(target, 0o644)


def write_config(project: Project, staging_docs: Path, config_path: Path, trusted_options: dict[str, Any] | None = None) -> Path:
    raw = project.raw_config
    pages = {p.relative_to(staging_docs).as_posix() for p in staging_docs.rglob("*") if p.is_file()}
    lang = project.settings.language
    config: dict[str, Any] = {
        # Material writes site_name into every page as HTML: the dossier's is text.
        "site_name": html.escape(str(raw.get("site_name") or project.settings.candidate_name or "Dossier")),
        "docs_dir": str(staging_docs),
        "use_directory_urls": True,
        "theme": {
            "name": "material",
            "language": lang,
            "font": False,
            "features": ["navigation.sections", "navigation.indexes", "navigation.prune"],
        },
        "plugins": ["search", "portfolio"],
        "markdown_extensions": _merged(cohort_extensions(trusted_options), safe_extensions(raw.get("markdown_extensions"), trusted_options)),
    }
    nav = _safe_nav(raw.get("nav"), pages)
    if nav is not None:
        config["nav"] = nav
    # JSON is valid YAML, and nothing in it can be a YAML tag.
    config_path.write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")
    return config_path
