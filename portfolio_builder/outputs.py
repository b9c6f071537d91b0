"""What a jury keeps: the offline site, the dossier as one PDF, and both in one zip.

All three start from the site the existing build writes (``build.build``): the PDF is
the site's own pages, laid out by WeasyPrint with our print stylesheet, never a second
rendering of the data. Only the cover and the list of attachments are ours, and both are
read from the build's ``report.json`` (the one report document).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from portfolio_builder.core.paths import is_inside
from portfolio_builder.i18n import Size, strings, translate
from portfolio_builder.resources import theme_dir

# Images and PDFs a jury can open from the PDF itself (embedded); other attachments are listed.
EMBEDDED_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}
MAX_EMBEDDED_BYTES = 20 * 1024 * 1024  # per file: a larger one is listed with its hash only


class PdfUnavailable(Exception):
    """WeasyPrint (or Pango) is missing: ``pip install 'portfolio-builder[pdf]'``."""


def make_offline(config: Any) -> None:
    """Turn a loaded MkDocs config into an offline one: links to ``…/index.html`` files.

    Material's search needs a web worker, which a browser refuses to start from
    ``file://`` (and Material's offline shim writes inline scripts our CSP forbids): its
    search box is left out of the pages, but its plugin still writes the index, which
    ``web.offline_search`` turns into a search that works from disk, before the manifest
    is written (so the manifest lists its files).
    """
    from mkdocs.plugins import BasePlugin, event_priority

    config.use_directory_urls = False
    # Instant loading fetches pages with XHR, which file:// refuses: plain links instead.
    features = list(config.theme.get("features") or [])
    config.theme["features"] = [f for f in features if not str(f).startswith("navigation.instant")]
    # Out of the plugin table (Material renders its search box for an entry there), not out
    # of the events: its on_post_build still writes search/search_index.json.
    for name in ("material/search", "search"):
        if name in config.plugins:
            dict.pop(config.plugins, name)

    class OfflineSearch(BasePlugin):  # type: ignore[type-arg]
        @event_priority(-500)  # after the search index (0), before the manifest (-1000)
        def on_post_build(self, *, config: Any) -> None:
            add_offline_search(Path(config.site_dir), Path(config.docs_dir))

    config.plugins["portfolio-offline-search"] = OfflineSearch()


def add_offline_search(site: Path, docs_dir: Path | None = None) -> None:
    """The offline site's local search (``web.offline_search``), from the engine's index in
    ``site``; an engine other than MkDocs calls this before writing its manifest."""
    import logging

    from portfolio_builder.web import offline_search

    result = offline_search.publish(site, docs_dir)
    if result.skipped:
        lang = offline_search.site_language(site)
        message = translate(lang, result.skipped, path=result.source,
                            limit=Size(offline_search.MAX_INDEX_BYTES))
        logging.getLogger("mkdocs.plugins.portfolio").info(message)  # not the dossier's problem: never fails --strict


def weasyprint_module() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # the optional extra (and Debian's Pango)
        raise PdfUnavailable(str(error)) from None
    return weasyprint


@dataclass
class PdfResult:
    path: Path
    pages: int
    size: int
    attachments: list[str]


def _page_file(site: Path, src: str) -> Path | None:
    """The offline site's HTML file for a Markdown source path (``a/b.md`` → ``a/b.html``)."""
    pure = PurePosixPath(src)
    name = "index.html" if pure.stem in ("index", "README") else pure.stem + ".html"
    candidate = site.joinpath(*pure.parent.parts, name)
    return candidate if candidate.is_file() and is_inside(candidate, site) else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(theme_dir() / "pdf")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _attachment_rows(site: Path, report: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    rows = []
    for evidence in report.get("evidence", []):
        for att in evidence.get("attachments") or []:
            if "path" not in att:
                rows.append({"evidence": evidence["title"], "name": att.get("url", ""), "title": att.get("title", ""),
                             "size": "", "sha256": "", "embedded": False, "file": None, "link": True})
                continue
            file = site.joinpath(*PurePosixPath(att["path"]).parts)
            present = file.is_file() and not file.is_symlink() and is_inside(file, site)
            size = file.stat().st_size if present else 0
            embedded = present and file.suffix.lower() in EMBEDDED_SUFFIXES and size <= MAX_EMBEDDED_BYTES
            rows.append({
                "evidence": evidence["title"], "name": att["path"], "title": att.get("title", ""),
                "size": size if present else "", "sha256": _sha256(file) if present else "",
                "embedded": embedded, "file": file if embedded else None, "link": False,
            })
    return rows


def _inside_site(url: str, site: Path) -> bool:
    from urllib.parse import unquote, urlparse

    if url.startswith("data:"):
        return True
    if not url.startswith("file:"):
        return False
    path = Path(unquote(urlparse(url).path))
    return path.is_file() and is_inside(path.resolve(), site)


def site_fetcher(weasyprint: Any, site: Path, shared: frozenset[str] = frozenset()) -> Any:
    """Only the site's own files (and data: URLs): a page cannot make the PDF read anything else,
    neither another file of the machine (through a link, ``../``, a symbolic link) nor the network.

    ``shared``: the theme's stylesheets (file URLs), parsed once for all pages and given to
    each page in their order; a page's own link to one of them then reads as empty."""
    base = getattr(weasyprint.urls, "URLFetcher", None)
    if base is None:  # WeasyPrint < 68: a function

        def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
            if not _inside_site(url, site):
                raise ValueError(f"refused: {url}")
            if url in shared:
                return {"string": b"", "mime_type": "text/css", "encoding": "utf-8"}
            return weasyprint.default_url_fetcher(url, *args, **kwargs)

        return fetch

    class SiteFetcher(base):  # type: ignore[misc, valid-type]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not _inside_site(url, site):
                raise ValueError(f"refused: {url}")
            if url in shared:
                return weasyprint.urls.URLFetcherResponse(url, body=b"", headers={"Content-Type": "text/css"})
            return super().fetch(url, headers)

    return SiteFetcher(allowed_protocols=("file", "data"))


_STYLESHEET = re.compile(r"""<link\b[^>]*\brel=["']?stylesheet["']?[^>]*\bhref=["']([^"'#?]+)""", re.I)


def _theme_stylesheets(page: Path, site: Path) -> list[Path]:
    """The stylesheets of the theme a page links to, in its order (the same on every page)."""
    found = []
    for href in _STYLESHEET.findall(page.read_text(encoding="utf-8", errors="replace")):
        if "://" in href or href.startswith(("/", "data:")):
            continue
        file = (page.parent / href).resolve()
        if file.is_file() and is_inside(file, site) and is_inside(file, site / "assets"):
            found.append(file)
    return found


def render_pdf(site: Path, output: Path, title: str = "") -> PdfResult:
    """The whole dossier as one PDF from an (offline) site built by ``build.build``."""
    weasyprint = weasyprint_module()
    site = site.resolve()
    report = json.loads((site / "report.json").read_text(encoding="utf-8"))
    lang = report.get("language", "fr")
    t = strings(lang)

    report_page = site / "portfolio" / "report.html"
    plain_fetch = site_fetcher(weasyprint, site)
    theme_css = _theme_stylesheets(report_page, site)
    fetch = site_fetcher(weasyprint, site, frozenset(f.as_uri() for f in theme_css))
    # Parsed once (Material's stylesheet is most of a page's layout time), then given to every page.
    shared = [weasyprint.CSS(filename=str(f), url_fetcher=plain_fetch) for f in theme_css]
    print_css = weasyprint.CSS(filename=str(theme_dir() / "pdf" / "pdf.css"), url_fetcher=plain_fetch)
    env = _templates()
    dossier = report.get("dossier") or {}
    outcome = report.get("outcome") or {}
    decision = outcome.get("decision") or "pending"
    attachments = _attachment_rows(site, report, lang)
    cover_html = env.get_template("cover.html").render(
        t=t, lang=lang, dossier=dossier, referential=report.get("referential") or {},
        mode=translate(lang, f"mode.{dossier.get('mode') or 'training'}"),
        outcome=translate(lang, f"outcome.{decision}") if decision else "—",
        summary=report.get("summary") or {}, problems=len(report.get("problems") or []),
        tool=(report.get("tool") or {}),
    )
    annex_html = env.get_template("annex.html").render(t=t, lang=lang, attachments=attachments)

    documents = [weasyprint.HTML(string=cover_html, base_url=str(site) + "/", url_fetcher=fetch).render(stylesheets=[print_css])]
    pages = [report_page]
    seen = {pages[0]}
    for evidence in report.get("evidence", []):
        page = _page_file(site, evidence["path"])
        if page is not None and page not in seen:
            seen.add(page)
            pages.append(page)
    attestation = site / "portfolio" / "attestation.html"
    for page in pages:
        documents.append(weasyprint.HTML(filename=str(page), url_fetcher=fetch).render(stylesheets=[*shared, print_css]))
    if attachments:
        documents.append(weasyprint.HTML(string=annex_html, base_url=str(site) + "/", url_fetcher=fetch).render(stylesheets=[print_css]))
    if attestation.is_file():
        documents.append(weasyprint.HTML(filename=str(attestation), url_fetcher=fetch).render(stylesheets=[*shared, print_css]))
    all_pages = [p for doc in documents for p in doc.pages]
    combined = documents[0].copy(all_pages)
    combined.metadata.title = title or dossier.get("site_name") or t["nav.report"]
    combined.metadata.authors = [((dossier.get("candidate") or {}).get("name")) or ""]
    combined.metadata.lang = lang

    embedded = []
    files = [site / "report.json", site / "manifest.json"]
    if (site / "attestation.jwt").is_file():
        files.append(site / "attestation.jwt")
    for jwt in ("report.jwt", "manifest.jwt"):
        if (site / jwt).is_file():
            files.append(site / jwt)
    items = []
    for file in files:
        if file.is_file():
            items.append(weasyprint.Attachment(string=file.read_bytes(), name=file.name, relationship="Data",
                                               description=file.name, url_fetcher=fetch))
            embedded.append(file.name)
    for row in attachments:
        if row["file"] is not None:
            name = row["name"].replace("/", "_")
            items.append(weasyprint.Attachment(string=row["file"].read_bytes(), name=name, relationship="Source",
                                               description=f"{row['name']} — SHA-256 {row['sha256']}", url_fetcher=fetch))
            embedded.append(name)
    output.parent.mkdir(parents=True, exist_ok=True)
    temp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    try:
        combined.write_pdf(str(temp), attachments=items, pdf_variant="pdf/a-3b", pdf_tags=True)
        os.replace(temp, output)
    finally:
        temp.unlink(missing_ok=True)
    return PdfResult(output, len(all_pages), output.stat().st_size, embedded)


def build_offline(request: Any, site_dir: Path) -> Path:
    """The dossier's offline site into ``site_dir`` (with the existing atomic build)."""
    from portfolio_builder import build as build_mod

    return build_mod.build(replace(request, site_dir=site_dir, offline=True))


def write_pdf(request: Any, output: Path) -> PdfResult:
    """Build the offline site in a temporary folder, then print it to ``output``."""
    weasyprint_module()  # before the build: a missing extra is said at once
    with tempfile.TemporaryDirectory(prefix="portfolio-pdf-") as work:
        site = build_offline(request, Path(work) / "site")
        return render_pdf(site, output)


def write_zip(request: Any, output: Path, with_pdf: bool = True) -> tuple[Path, bool]:
    """The offline site, its manifest and (when WeasyPrint is there) the PDF, in one zip."""
    with tempfile.TemporaryDirectory(prefix="portfolio-zip-") as work:
        site = build_offline(request, Path(work) / "site")
        pdf_done = False
        pdf_path = Path(work) / "dossier.pdf"
        if with_pdf:
            try:
                render_pdf(site, pdf_path)
                pdf_done = True
            except PdfUnavailable:
                pdf_done = False
        output.parent.mkdir(parents=True, exist_ok=True)
        temp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
        try:
            with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for file in sorted(site.rglob("*")):
                    if file.is_file() and not file.is_symlink():
                        archive.write(file, "site/" + file.relative_to(site).as_posix())
                archive.write(site / "manifest.json", "manifest.json")
                if pdf_done:
                    archive.write(pdf_path, "dossier.pdf")
            os.replace(temp, output)
        finally:
            temp.unlink(missing_ok=True)
            shutil.rmtree(site, ignore_errors=True)
    return output, pdf_done
