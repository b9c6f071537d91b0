"""Incremental rebuilds under `portfolio serve` (MkDocs' dirty mode), kept correct.

MkDocs' dirty mode rebuilds only the pages whose Markdown is newer than their
HTML. Our pages also show what other files decide: a card's verdicts come from
the reviews, the home page's progress from every page, the nav from every
title. So before MkDocs looks, each page gets a fingerprint of everything the
plugin puts on it (its card or home data, the whole nav, the language, the
configuration); a page whose fingerprint changed has its HTML removed, and
MkDocs rebuilds it. Generated pages (report, competencies, attestation) are
always rebuilt by MkDocs. Pages that disappeared lose their HTML, and the
search index keeps the entries of the pages that were not rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page

from portfolio_builder import __version__
from portfolio_builder.core import view
from portfolio_builder.core.check import Dossier
from portfolio_builder.core.frontmatter import title_of


def _identity(src: str) -> str:
    return src


@dataclass
class State:
    """What the previous build left, kept by the plugin across rebuilds."""

    fingerprints: dict[str, str] = field(default_factory=dict)  # src → fingerprint
    destinations: dict[str, str] = field(default_factory=dict)  # src → its HTML file
    rebuilt: set[str] = field(default_factory=set)  # URLs of the pages built this time


def _nav_shape(items: list[Any], titles: dict[str, str]) -> list[Any]:
    shape: list[Any] = []
    for item in items:
        if isinstance(item, Section):
            shape.append([item.title, _nav_shape(item.children, titles)])
        elif isinstance(item, Page):
            shape.append([titles.get(item.file.src_uri) or item.title or "", item.url])
        else:
            shape.append([getattr(item, "title", ""), getattr(item, "url", "")])
    return shape


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


def mark_stale(
    state: State, files: Files, nav: Navigation, dossier: Dossier, config_file: str | None, report: dict[str, Any]
) -> None:
    """Remove the HTML of every page whose content the plugin would now render differently."""
    titles: dict[str, str] = {}
    pages = [f for f in files.documentation_pages() if f.generated_by is None and f.abs_src_path]
    for file in pages:
        if not file.abs_src_path:  # never: pages are the files with a source
            continue
        title = title_of(Path(file.abs_src_path)) or ""
        titles[file.src_uri] = title
        page = file.page
        if page is not None and not file.is_modified() and title:
            page.title = title  # MkDocs will not read it: the nav still needs its title
    try:
        config_bytes = Path(config_file).read_bytes() if config_file else b""
    except OSError:
        config_bytes = b""
    settings = dossier.project.settings
    common = _digest(
        __version__, dossier.lang, settings.indexing, hashlib.sha256(config_bytes).hexdigest(),
        _nav_shape(nav.items, titles),
    )
    evidence = {e["path"] for e in report["evidence"]}
    fingerprints: dict[str, str] = {}
    destinations: dict[str, str] = {}
    for file in pages:
        src = file.src_uri
        if src in evidence:
            own: Any = view.evidence_card(report, src, _identity)
        elif file.page is not None and file.page.is_homepage:
            own = view.site(report, _identity)
        else:
            own = None
        fingerprints[src] = _digest(common, own)
        destinations[src] = file.abs_dest_path
        if state.fingerprints.get(src) != fingerprints[src]:
            Path(file.abs_dest_path).unlink(missing_ok=True)
    for src, dest in state.destinations.items():
        if src not in destinations:
            Path(dest).unlink(missing_ok=True)  # a page that was removed: no stale copy is served
    state.fingerprints, state.destinations = fingerprints, destinations
    state.rebuilt = set()


def merge_search_index(state: State, plugins: Any, files: Files) -> None:
    """Material's search index, under dirty rebuilds, with every page exactly once: the
    entries of the pages rebuilt now, and the previous entries of the others."""
    current = {f.url for f in files.documentation_pages()}
    for plugin in plugins.values():
        index = getattr(plugin, "search_index", None)
        previous = getattr(plugin, "search_index_prev", None)
        if index is None or previous is None or not hasattr(index, "entries") or not hasattr(previous, "entries"):
            continue
        kept = [
            entry for entry in previous.entries
            if (url := str(entry.get("location", "")).split("#", 1)[0]) in current and url not in state.rebuilt
        ]
        index.entries = kept + list(index.entries)
        plugin.search_index_prev = None  # merged here: Material's own merge would drop pages
