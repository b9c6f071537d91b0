"""A dossier's trusted build: a configuration we wrote (and, when needed, a staged copy of its pages).

What is taken from the dossier, as data: the ``portfolio`` entry (read by the
core, never executed), ``site_name``, ``nav`` (paths and http(s) links only),
the Markdown, front matter and attachments (copied, links leaving the dossier
refused), and ``markdown_extensions`` from ``SAFE_EXTENSIONS`` with scalar
options only. Never: ``hooks``, other ``plugins``, ``extra_javascript``,
``extra_css``, ``theme.custom_dir``, ``extra``, ``site_url``.
"""

from __future__ import annotations

import html
import json
import os
import shutil
from pathlib import Path
from typing import Any

from portfolio_builder.core.docs_tree import walk
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
# Options that name Python callables or arbitrary code hooks, even as strings.
_UNSAFE_OPTIONS = {"slugify", "custom_fences", "emoji_index", "emoji_generator", "format", "validator"}


def safe_extensions(raw: Any) -> list[Any]:
    """The dossier's markdown_extensions, filtered to the safe list."""
    items: list[tuple[str, Any]] = []
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list):
        for entry in raw:
            if isinstance(entry, str):
                items.append((entry, None))
            elif isinstance(entry, dict) and len(entry) == 1:
                items.extend(entry.items())
    kept: list[Any] = []
    for name, options in items:
        if name not in SAFE_EXTENSIONS:
            continue
        clean = {
            key: value
            for key, value in (options.items() if isinstance(options, dict) else ())
            if key not in _UNSAFE_OPTIONS and isinstance(value, (str, int, float, bool))
        }
        kept.append({name: clean} if clean else name)
    return kept


def _safe_nav(raw: Any, docs: set[str]) -> Any:
    """The dossier's nav with only its own pages and http(s) links; None when nothing is left."""

    def clean(item: Any) -> Any:
        if isinstance(item, str):
            return item if item in docs else None
        if isinstance(item, dict) and len(item) == 1:
            (title, value), = item.items()
            label = html.escape(str(title), quote=False)  # Material renders nav titles as HTML
            if isinstance(value, str):
                ok = value in docs or value.startswith(("http://", "https://"))
                return {label: value} if ok else None
            if isinstance(value, list):
                children = [c for c in (clean(v) for v in value) if c is not None]
                return {label: children} if children else None
        return None

    if not isinstance(raw, list):
        return None
    cleaned = [c for c in (clean(item) for item in raw) if c is not None]
    return cleaned or None


def stage_docs(project: Project, staging: Path) -> None:
    """Copy the docs folder as plain files; links leaving the dossier are not followed."""
    tree = walk(project.docs_dir, project.root, "")
    for abs_path, rel in tree.pages + tree.other_files:
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        # copy2 keeps modification times: reviews are compared with them.
        shutil.copy2(abs_path, target, follow_symlinks=True)
        os.chmod(target, 0o644)


def write_config(project: Project, staging_docs: Path, config_path: Path) -> Path:
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
        "markdown_extensions": safe_extensions(raw.get("markdown_extensions")),
    }
    nav = _safe_nav(raw.get("nav"), pages)
    if nav is not None:
        config["nav"] = nav
    # JSON is valid YAML, and nothing in it can be a YAML tag.
    config_path.write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")
    return config_path
