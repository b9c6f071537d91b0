"""The pages the plugin generates, and where they sit in the navigation.

Generated: one page per competency, a competencies overview, the coverage
report, the attestation (once a jury sat), and a home page when the dossier
has none. The nav becomes: home, the student's own pages as they organised
them, *Compétences* (grouped by domain), *Rapport de couverture*.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure import StructureItem
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from portfolio_builder.core import view
from portfolio_builder.core.frontmatter import title_of
from portfolio_builder.i18n import translate
from portfolio_builder.publish import render

REPORT, COMPETENCY, COMPETENCIES, ATTESTATION, HOME = render.REPORT, render.COMPETENCY, render.COMPETENCIES, render.ATTESTATION, render.HOME


@dataclass(slots=True)
class GeneratedPages:
    generated: dict[str, render.GeneratedPage] = field(default_factory=dict)  # src → the page we generate
    urls: dict[str, str] = field(default_factory=dict)  # every file's src → its URL from the site root

    def kind_of(self, src: str) -> tuple[str, str | None] | None:
        found = self.generated.get(src)
        return (found.kind, found.code) if found is not None else None


def _page_file(config: MkDocsConfig, generated: render.GeneratedPage) -> File:
    # JSON is valid YAML: the title needs no further quoting. Material renders titles as
    # HTML, and a referential's titles are text. The content is ours (publish/render.py),
    # put in by the plugin's on_page_context; the body is what the search index gets.
    title = html.escape(generated.title, quote=False)
    hide = "hide: [navigation, toc]\n" if generated.kind in render.FULL_WIDTH else ""
    content = f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\n{hide}---\n\n{html.escape(generated.search_text, quote=False)}\n"
    return File.generated(config, generated.src, content=content, inclusion=InclusionLevel.NOT_IN_NAV)


def add_pages(files: Files, config: MkDocsConfig, report: dict[str, Any]) -> GeneratedPages:
    """The generated pages, named and titled from the report document."""
    pages = GeneratedPages()
    for generated in render.generated_pages(report, with_home=files.get_file_from_path(view.HOME_SRC) is None):
        existing = files.get_file_from_path(generated.src)
        if existing is not None:
            files.remove(existing)  # reported as `reserved-path` by the core
        files.append(_page_file(config, generated))
        pages.generated[generated.src] = generated
    pages.urls = {f.src_uri: f.url for f in files}
    return pages


def url_resolver(page: Page, urls: dict[str, str]) -> Callable[[str], str]:
    """Docs-relative source path → URL relative to ``page`` (what a link needs)."""

    def url_for(src: str) -> str:
        target = urls.get(src, src)
        return get_relative_url(target, page.url) if target else "."

    return url_for


def attach_nav(nav: Navigation, files: Files, pages: GeneratedPages, report: dict[str, Any]) -> Navigation:
    lang = report["language"]

    def page_of(src: str) -> Page | None:
        file = files.get_file_from_path(src)
        return file.page if file is not None else None

    listed = {id(p) for p in nav.pages}
    for item in _walk(nav.items):
        if isinstance(item, Section):
            # A folder's section is named by its index page when it has one ("Contrôles de
            # connaissances", not "Controles"); Material renders the title as HTML.
            index = next((c for c in item.children if isinstance(c, Page) and c.file.name == "index"), None)
            title = title_of(Path(index.file.abs_src_path)) if index is not None and index.file.abs_src_path else None
            item.title = html.escape(title or item.title or "", quote=False)
    home = page_of(view.HOME_SRC)
    items: list[StructureItem] = [item for item in nav.items if item is not home]
    if home is not None:
        home.title = translate(lang, "nav.home")
        items.insert(0, home)

    competencies_page = page_of(view.COMPETENCIES_SRC)
    if report["domains"] and competencies_page is not None and id(competencies_page) not in listed:
        children: list[StructureItem] = [competencies_page]
        for domain, competencies in view.by_domain(report):
            domain_pages = [page_of(view.competency_src(c["code"])) for c in competencies]
            title = html.escape(view.domain_label(domain), quote=False)
            children.append(Section(title, [p for p in domain_pages if p is not None]))
        items.append(Section(translate(lang, "nav.competencies"), children))
    for src in (view.REPORT_SRC, view.ATTESTATION_SRC):
        page = page_of(src)
        if page is not None and id(page) not in listed:
            items.append(page)

    _set_parents(items, None)
    flat = [item for item in _walk(items) if isinstance(item, Page)]
    for before, page, after in zip([None, *flat[:-1]], flat, [*flat[1:], None]):
        page.previous_page, page.next_page = before, after
    return Navigation(items, flat)


def _set_parents(items: list[StructureItem], parent: Section | None) -> None:
    for item in items:
        item.parent = parent
        if isinstance(item, Section):
            _set_parents(item.children, item)


def _walk(items: list[StructureItem]):
    for item in items:
        yield item
        if isinstance(item, Section):
            yield from _walk(item.children)
