"""Our HTML, from our templates (``theme/portfolio/``), in our own Jinja2 environment.

Every region we add to a site — the evidence cards, the home card, the competency pages,
the competencies overview, the report and the attestation — is rendered here from the view
model (``core.view``), whatever engine publishes it: the MkDocs plugin puts these fragments
into Material's pages, the staged project (``stage``) writes them into Markdown files that
any engine (MkDocs, ProperDocs, Zensical) publishes as they are.

Autoescape is on; the words come from the catalog (``t``); links come from ``url_for``,
already computed by the view model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from portfolio_builder.core import view
from portfolio_builder.i18n import strings, translate
from portfolio_builder.resources import theme_dir

REPORT, COMPETENCY, COMPETENCIES, ATTESTATION, HOME = "report", "competency", "competencies", "attestation", "home"
CARD, HOME_CARD = "card", "home-card"
# Pages read as wide tables or printed: no side navigation, the whole width for the matrix.
FULL_WIDTH = (REPORT, ATTESTATION)
_TEMPLATES = {
    REPORT: "portfolio/report.html",
    COMPETENCY: "portfolio/competency.html",
    COMPETENCIES: "portfolio/competencies.html",
    ATTESTATION: "portfolio/attestation.html",
    HOME: "portfolio/home.html",
    CARD: "portfolio/partials/evidence-card.html",
    HOME_CARD: "portfolio/partials/home-card.html",
}
UrlFor = Callable[[str], str]


def template_cache() -> Any:
    """A per-user cache of compiled templates (Jinja checks each template's source)."""
    import os
    from pathlib import Path

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "portfolio_builder" / f"jinja-{jinja2.__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(theme_dir())),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        bytecode_cache=template_cache(),
        keep_trailing_newline=False,
    )


_BLANK = re.compile(r"^[ \t]+$", re.MULTILINE)


def _render(name: str, lang: str, **context: Any) -> str:
    return normalise(environment().get_template(_TEMPLATES[name]).render(t=strings(lang), **context))


def normalise(html: str) -> str:
    """Our HTML as Python-Markdown keeps a raw HTML block, so that it reaches every engine
    byte for byte: no tab (expanded by Markdown; ``&#9;`` is the same character in HTML), no
    line of blanks only, no ``\r``, no STX/ETX (Markdown's own markers)."""
    html = html.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "").replace("\x03", "")
    return _BLANK.sub("", html.replace("\t", "&#9;"))


@dataclass(frozen=True, slots=True)
class GeneratedPage:
    """A page we add to the site: where it sits, what it is, its title (text, not HTML)."""

    src: str
    kind: str
    title: str
    code: str | None = None
    search_text: str = ""  # what the search index gets beside the page's HTML


def generated_pages(report: dict[str, Any], with_home: bool) -> list[GeneratedPage]:
    """Every page we generate, in nav order (the home page last: it goes first in the nav),
    named and titled from the report document."""
    lang = report["language"]
    pages = [GeneratedPage(view.REPORT_SRC, REPORT, translate(lang, "nav.report"))]
    if report["domains"]:  # a referential was loaded
        pages.append(GeneratedPage(view.COMPETENCIES_SRC, COMPETENCIES, translate(lang, "nav.competencies")))
        for domain, competencies in view.by_domain(report):
            for competency in competencies:
                text = f"{competency['title']}. {view.domain_label(domain)}. {competency.get('description', '')}"
                pages.append(
                    GeneratedPage(
                        view.competency_src(competency["code"]), COMPETENCY, f"{competency['code']} {competency['title']}", competency["code"], text
                    )
                )
        if view.has_attestation(report):
            pages.append(GeneratedPage(view.ATTESTATION_SRC, ATTESTATION, translate(lang, "nav.attestation")))
    if with_home:
        pages.append(GeneratedPage(view.HOME_SRC, HOME, report["dossier"]["site_name"] or translate(lang, "nav.home")))
    return pages


def page(
    generated: GeneratedPage, report: dict[str, Any], url_for: UrlFor, manifest_view: dict[str, Any], signer: str = ""
) -> str:
    """The whole content of a generated page (its ``<h1>`` included), from the report document."""
    lang = report["language"]
    site = view.site(report, url_for)
    if generated.kind == HOME:
        # The nav names the home page « Accueil », and so does its heading.
        return _render(HOME, lang, title=translate(lang, "nav.home")) + home_card(report, url_for, site)
    data: dict[str, Any]
    if generated.kind == COMPETENCY and generated.code is not None:
        data = view.competency_page(report, generated.code, url_for)
    elif generated.kind == COMPETENCIES:
        data = view.competencies_overview(report, url_for)
    elif generated.kind == REPORT:
        data = view.report_page(report, url_for)
    elif generated.kind == ATTESTATION:
        data = view.attestation_page(report, url_for, signer)
    else:  # pragma: no cover - every kind is listed above
        raise ValueError(generated.kind)
    return _render(generated.kind, lang, portfolio=data, portfolio_site=site, portfolio_manifest=manifest_view)


def evidence_card(report: dict[str, Any], path: str, url_for: UrlFor) -> str:
    return _render(CARD, report["language"], card=view.evidence_card(report, path, url_for))


def home_card(report: dict[str, Any], url_for: UrlFor, site: dict[str, Any] | None = None) -> str:
    return _render(HOME_CARD, report["language"], portfolio_site=site if site is not None else view.site(report, url_for))


def after_title(html: str, card: str) -> str:
    """Place the card right after the page's first heading if it opens the page."""
    stripped = html.lstrip()
    if stripped.startswith("<h1"):
        end = stripped.find("</h1>")
        if end != -1:
            end += len("</h1>")
            return stripped[:end] + card + stripped[end:]
    return card + html
