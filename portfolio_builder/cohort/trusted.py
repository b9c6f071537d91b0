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
from typing import Any

from portfolio_builder.core.docs_tree import MARKDOWN_SUFFIXES

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
