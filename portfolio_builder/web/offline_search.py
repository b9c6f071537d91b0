"""Local search for the offline site: it works from ``file://`` under our CSP.

Material's search runs in a web worker, which a browser refuses to start from
``file://``; Material's ``offline`` plugin works around that with inline scripts,
which our Content-Security-Policy forbids. So the offline site gets a search of its
own, added to the *built* site by :func:`publish` (it needs no engine API and so works
whatever built the site):

- the engine's index (MkDocs/Material ``search/search_index.json``: ``{"docs": […]}``;
  Zensical ``search.json``: ``{"items": […]}``) becomes ``search/search_index.js``, a
  script file that defines one global, ``portfolioSearchIndex``, with plain text only
  (the candidate wrote that text: it never reaches the page as markup);
- lunr (the search library MkDocs ships, with its French stemmer) and our UI
  (``theme/offline/``) are copied beside it; the UI loads them with ``<script src>``
  on first use: no ``fetch``, no worker, no ``eval``, no inline script or style;
- each page the engine rendered gets a search form in its header and the two tags
  that load our CSS and JS, with URLs relative to that page (any depth, with or
  without directory URLs). Its words come from the catalog, in the dossier's language
  (``report.json``); a file copied from the docs folder is never touched.

It runs before the manifest is written, so the manifest lists its files.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from portfolio_builder.i18n import normalise, translate
from portfolio_builder.resources import theme_dir

FOLDER = "search"
INDEX_SCRIPT = "search/search_index.js"
SCRIPT = "search/portfolio-search.js"
STYLESHEET = "search/portfolio-search.css"
GLOBAL = "portfolioSearchIndex"
# The engines' own indexes, first found wins: MkDocs and Material, then Zensical.
ENGINE_INDEXES = ("search/search_index.json", "search.json")
# The MkDocs index is replaced by the script above (nothing offline reads it); Zensical's
# lies outside our folder and stays as the engine wrote it.
REPLACED = "search/search_index.json"

# Resource limits (the text is the candidate's): a reader's browser loads this file whole.
MAX_INDEX_BYTES = 256 * 1024 * 1024  # the engine's file; above it the site has no search
MAX_ENTRY_CHARS = 100_000  # one section's text (~15,000 words); the rest of it is not searchable
MAX_TOTAL_CHARS = 32_000_000  # all entries; past it, entries keep their titles only
MAX_TITLE_CHARS = 500

# lunr 2.3.9 and lunr-languages, as MkDocs ships them (mkdocs/contrib/search), by language.
_LUNR = "contrib/search/templates/search/lunr.js"
_LUNR_LANGUAGES = {"fr": ("contrib/search/lunr-language/lunr.stemmer.support.js", "contrib/search/lunr-language/lunr.fr.js")}

_BLOCK_TAG = re.compile(
    r"<(?=/?(?:p|li|ul|ol|dl|dt|dd|h[1-6]|div|table|thead|tbody|tr|td|th|pre|blockquote|br|hr|section|figure|figcaption|details|summary)\b)",
    re.I,
)
_HEAD_END = re.compile(r"</head\s*>", re.I)
_HEADER_NAV = re.compile(r"<nav\b[^>]*\bclass=\"md-header__inner\b[^>]*>", re.I)
_NAV_TAG = re.compile(r"<(/?)nav\b[^>]*>", re.I)
_BODY = re.compile(r"<body\b[^>]*>", re.I)


@dataclass(frozen=True)
class Published:
    entries: int = 0  # entries in search/search_index.js
    pages: int = 0  # pages that got the search form
    skipped: str = ""  # a catalog key: why the site has no search ("" when it has one)
    source: str = ""  # the engine's index it was made from


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment of the engine's index: no markup, entities decoded,
    whitespace collapsed (block boundaries keep words apart). Linear: html5ever (nh3)."""
    import nh3

    spaced = _BLOCK_TAG.sub(" <", fragment)
    text = html.unescape(nh3.clean(spaced, tags=set()))
    return " ".join(text.split())


def _safe_location(location: Any) -> str | None:
    """A location relative to the site root, or None: no scheme, host, absolute path or ``..``."""
    if not isinstance(location, str) or len(location) > 4096:
        return None
    if any(ch in location for ch in "\\\0\n\r\t") or location.startswith("/"):
        return None
    parts = urlsplit(location)
    if parts.scheme or parts.netloc or ".." in parts.path.split("/"):
        return None
    return location


def convert(data: Any) -> list[dict[str, str]]:
    """The engine's index (MkDocs ``docs`` or Zensical ``items``) as our entries:
    ``{location, title, page, text}``, plain text, within the limits above."""
    items = data.get("docs", data.get("items")) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    entries: list[dict[str, str]] = []
    titles: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        location = _safe_location(item.get("location", ""))
        if location is None:
            continue
        title = plain_text(str(item.get("title") or ""))[:MAX_TITLE_CHARS]
        text = plain_text(str(item.get("text") or ""))[:MAX_ENTRY_CHARS]
        path = item.get("path")
        crumb = path[-1] if isinstance(path, list) and path and isinstance(path[-1], str) else ""
        entries.append({"location": location, "title": title, "page": crumb[:MAX_TITLE_CHARS], "text": text})
        if "#" not in location:
            titles.setdefault(location, title)
    budget = MAX_TOTAL_CHARS
    for entry in entries:
        page = titles.get(entry["location"].split("#", 1)[0], "")
        entry["page"] = page or entry["page"]
        if entry["page"] == entry["title"]:
            entry["page"] = ""
        if len(entry["text"]) > budget:
            entry["text"] = ""  # past the budget: found by its title only
        budget -= len(entry["text"])
    return entries


def index_script(entries: list[dict[str, str]], lang: str) -> str:
    """``search/search_index.js``: one global, plain data (ASCII JSON: any page encoding reads it)."""
    payload = json.dumps({"lang": lang, "docs": entries}, ensure_ascii=True, separators=(",", ":"))
    return f"/* portfolio_builder: the offline search index (generated) */\nwindow.{GLOBAL} = {payload};\n"


def _lunr_files(lang: str) -> list[Path]:
    spec = importlib.util.find_spec("mkdocs")
    if spec is None or not spec.origin:
        return []
    package = Path(spec.origin).parent
    files = [package / _LUNR, *(package / rel for rel in _LUNR_LANGUAGES.get(lang, ()))]
    return files if all(f.is_file() for f in files) else []


def read_engine_index(site: Path, docs_dir: Path | None = None) -> tuple[str, Any] | None:
    """(its path, its data) for the first engine index in the site; None when there is none
    or it is unreadable. A file copied from the docs folder (a candidate's ``search.json``)
    is not an engine's index."""
    for rel in ENGINE_INDEXES:
        file = site / rel
        if not file.is_file() or file.is_symlink() or (docs_dir is not None and (docs_dir / rel).exists()):
            continue
        if file.stat().st_size > MAX_INDEX_BYTES:
            raise IndexTooLarge(rel, file.stat().st_size)
        try:
            return rel, json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return None
    return None


class IndexTooLarge(Exception):
    def __init__(self, rel: str, size: int) -> None:
        super().__init__(rel)
        self.rel = rel
        self.size = size


def site_language(site: Path) -> str:
    """The dossier's language, from the site's ``report.json`` (French without one)."""
    try:
        report = json.loads((site / "report.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return "fr"
    return normalise(report.get("language") if isinstance(report, dict) else None)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def form_html(lang: str, root: str, files: list[str]) -> str:
    """The search form of one page (hidden until our script runs: no dead form without JS)."""
    t = lambda key: _attr(translate(lang, key))  # noqa: E731
    return (
        f'<form class="pb-search" role="search" aria-label="{t("search.offline.label")}" hidden data-pb-search'
        f' data-root="{_attr(root)}" data-lang="{_attr(lang)}" data-files="{_attr(" ".join(files))}"'
        f' data-none="{t("search.offline.none")}" data-one="{t("search.offline.one")}"'
        f' data-many="{t("search.offline.many")}" data-more="{t("search.offline.more")}"'
        f' data-failed="{t("search.offline.failed")}">'
        f'<label class="pb-search__label" for="__pb-search-input">{t("search.offline.label")}</label>'
        f'<input class="pb-search__input" id="__pb-search-input" type="search" name="q" autocomplete="off"'
        f' spellcheck="false" placeholder="{t("search.offline.placeholder")}"'
        f' aria-describedby="__pb-search-hint" aria-controls="__pb-search-results">'
        f'<span class="pb-search__hint" id="__pb-search-hint">{t("search.offline.hint")}</span>'
        f'<span class="pb-search__status" role="status"></span>'
        f'<div class="pb-search__results" id="__pb-search-results" hidden>'
        f'<p class="pb-search__count" aria-hidden="true"></p>'
        f'<ol class="pb-search__list" aria-label="{t("search.offline.results")}"></ol>'
        f"</div></form>"
    )


def inject(page_html: str, lang: str, root: str, files: list[str]) -> str | None:
    """The page with our CSS and JS in its head and the form in Material's header (else at
    the top of the body); None when it has no ``</head>`` (not a page we rendered)."""
    head = _HEAD_END.search(page_html)
    if head is None:
        return None
    tags = (
        f'<link rel="stylesheet" href="{_attr(root + STYLESHEET)}" media="screen">'
        f'<script src="{_attr(root + SCRIPT)}" defer></script>'
    )
    form = form_html(lang, root, files)
    nav = _HEADER_NAV.search(page_html, head.end())
    at = _closing_nav(page_html, nav.end()) if nav else None
    if at is None:
        body = _BODY.search(page_html, head.end())
        if body is None:
            return None
        at = body.end()
    return page_html[: head.start()] + tags + page_html[head.start() : at] + form + page_html[at:]


def _closing_nav(page_html: str, start: int) -> int | None:
    """Where the ``<nav>`` opened just before ``start`` closes (Material's search dialog,
    when there is one, has a ``<nav>`` of its own inside the header's)."""
    depth = 1
    for tag in _NAV_TAG.finditer(page_html, start):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.start()
    return None


def _root(rel: PurePosixPath) -> str:
    depth = len(rel.parts) - 1
    return "../" * depth if depth else "./"


def _rendered_pages(site: Path, docs_dir: Path | None) -> list[PurePosixPath]:
    """The HTML pages the engine rendered: every ``.html`` file, less the copies of docs files."""
    pages = []
    for dirpath, dirnames, filenames in os.walk(site):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.lower().endswith(".html"):
                continue
            path = Path(dirpath, name)
            rel = PurePosixPath(path.relative_to(site).as_posix())
            if path.is_symlink() or (docs_dir is not None and (docs_dir / rel).exists()):
                continue  # a file the candidate wrote, published as is
            pages.append(rel)
    return pages


def publish(site: Path, docs_dir: Path | None = None) -> Published:
    """Add the local search to a built site (in place, before its manifest is written)."""
    try:
        found = read_engine_index(site, docs_dir)
    except IndexTooLarge as error:
        return Published(skipped="search.offline.too_large", source=error.rel)
    if found is None:
        return Published(skipped="search.offline.no_index")
    source, data = found
    lang = site_language(site)
    lunr = _lunr_files(lang)
    if not lunr:
        return Published(skipped="search.offline.no_lunr", source=source)
    entries = convert(data)
    folder = site / FOLDER
    folder.mkdir(exist_ok=True)
    (site / INDEX_SCRIPT).write_text(index_script(entries, lang), encoding="utf-8")
    offline = theme_dir() / "offline"
    (site / SCRIPT).write_bytes((offline / "search.js").read_bytes())
    (site / STYLESHEET).write_bytes((offline / "search.css").read_bytes())
    files = []  # what the page loads at its first search, in this order (relative to the root)
    for file in lunr:
        (folder / file.name).write_bytes(file.read_bytes())
        files.append(f"{FOLDER}/{file.name}")
    files.append(INDEX_SCRIPT)
    if source == REPLACED:
        (site / REPLACED).unlink()
    count = 0
    for rel in _rendered_pages(site, docs_dir):
        path = site.joinpath(*rel.parts)
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        changed = inject(text, lang, _root(rel), files)
        if changed is not None:
            path.write_text(changed, encoding="utf-8", errors="surrogateescape")
            count += 1
    return Published(entries=len(entries), pages=count, source=source)
