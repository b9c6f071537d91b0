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

import re
from typing import Any

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


# The options a student's own build takes from the dossier (never a cohort's): plain values
# of a known kind, none that Material prints outside the page (``toc.title``) nor any that
# names code (``slugify``, ``custom_fences``). Anything else is dropped.
_BOOL, _INT, _TEXT, _CLASS, _DEPTH = "bool", "int", "text", "class", "depth"
DOSSIER_OPTIONS: dict[str, dict[str, str]] = {
    "toc": {"permalink": _TEXT, "permalink_title": _TEXT, "toc_depth": _DEPTH, "baselevel": _INT, "anchorlink": _BOOL,
            "permalink_class": _CLASS, "anchorlink_class": _CLASS, "toc_class": _CLASS, "permalink_leading": _BOOL},
    "pymdownx.highlight": {"linenums": _BOOL, "anchor_linenums": _BOOL, "line_spans": _CLASS, "line_anchors": _CLASS,
                           "pygments_lang_class": _BOOL, "use_pygments": _BOOL, "auto_title": _BOOL,
                           "linenums_style": _CLASS, "linenums_start": _INT, "guess_lang": _BOOL},
    "pymdownx.superfences": {"disable_indented_code_blocks": _BOOL, "preserve_tabs": _BOOL},
    "pymdownx.tabbed": {"alternate_style": _BOOL, "combine_header_slug": _BOOL},
    "pymdownx.tasklist": {"custom_checkbox": _BOOL, "clickable_checkbox": _BOOL},
    "pymdownx.inlinehilite": {"style_plain_text": _BOOL},
    "smarty": {"smart_quotes": _BOOL, "smart_dashes": _BOOL, "smart_angled_quotes": _BOOL, "smart_ellipses": _BOOL},
    "footnotes": {"UNIQUE_IDS": _BOOL},
}
_TEXT_VALUE = re.compile(r"[^<>&\"'`\\\x00-\x1f\x7f]{0,32}")
_CLASS_VALUE = re.compile(r"[A-Za-z0-9_ -]{0,64}")


def _option_ok(kind: str, value: Any) -> bool:
    if kind == _BOOL:
        return isinstance(value, bool)
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10_000
    if kind == _DEPTH:
        return (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6) or (
            isinstance(value, str) and re.fullmatch(r"[1-6](-[1-6])?", value) is not None
        )
    if kind == _CLASS:
        return isinstance(value, str) and _CLASS_VALUE.fullmatch(value) is not None
    return isinstance(value, bool) or (isinstance(value, str) and _TEXT_VALUE.fullmatch(value) is not None)


def dossier_options(name: str, options: Any) -> dict[str, Any]:
    """The options of a safe extension a dossier may set itself (``DOSSIER_OPTIONS``)."""
    allowed = DOSSIER_OPTIONS.get(name, {})
    if not isinstance(options, dict):
        return {}
    return {k: v for k, v in options.items() if isinstance(k, str) and k in allowed and _option_ok(allowed[k], v)}


def safe_extensions(raw: Any, trusted_options: dict[str, Any] | None = None, own_options: bool = False) -> list[Any]:
    """The dossier's markdown_extensions: names from the safe list, options from the cohort
    (with ``own_options``, a student's own build: also the dossier's, as ``DOSSIER_OPTIONS`` allows)."""
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
    for name, declared in items:  # the dossier's options are read only for its own build
        if not isinstance(name, str) or name not in SAFE_EXTENSIONS or name in seen:
            continue
        seen.add(name)
        options = options_of.get(name)
        if own_options and not (trusted_options and name in trusted_options):
            options = {**(options or {}), **dossier_options(name, declared)}
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
