"""Issue 10 in a real browser: no script of a candidate's runs on the cohort site.

Each attack of the issue that needs a browser to show is a malicious dossier
of one cohort: a replaced theme bundle (and other asset paths, case tricks),
a script in ``toc.title``, HTML/XHTML/XML and SVG files opened directly. Each
payload, if it ran, would change the title, write to localStorage and request
``/__pwned__`` from the server; none of the three may happen. Material's own
scripts, now files, still run under the CSP.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._support import BROWSER, Site, require_browser
from .conftest import QuietHandler, QuietServer, run_portfolio

require_browser()

pytestmark = [BROWSER, pytest.mark.xdist_group("test_isolation")]  # its module fixtures built once (make test: --dist loadgroup)

PAYLOAD = "document.title='PWNED';localStorage.setItem('pwned','1');fetch('/__pwned__');new Image().src='/__pwned__.png';"
PAGE = """---
title: Ma preuve
type: coursework
date: 2026-03-01
competencies: [D1.1]
---
# Ma preuve

## Section

[annexe](annexe.html) ![figure](figure.svg)
"""
MKDOCS = """site_name: {name}
theme:
  name: material
plugins:
  - search
  - portfolio:
      referential: c2i1-2011
      candidate: {{name: {name}}}
{extra}"""


def _dossier(root: Path, name: str, files: dict[str, str | bytes], extra: str = "") -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS.format(name=name, extra=extra), encoding="utf-8")
    for rel, content in {"docs/a.md": PAGE, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


SVG = f'<svg xmlns="http://www.w3.org/2000/svg" onload="{PAYLOAD}"><script>{PAYLOAD}</script><rect width="10" height="10"/></svg>'
ACTIVE_FILES = {
    "docs/annexe.html": f"<html><body><script>{PAYLOAD}</script><img src=x onerror=\"{PAYLOAD}\"></body></html>",
    "docs/sub/deep/page.HTM": f"<script>{PAYLOAD}</script>",
    "docs/doc.xhtml": f'<html xmlns="http://www.w3.org/1999/xhtml"><body><script>{PAYLOAD}</script></body></html>',
    "docs/data.xml": f'<root xmlns:h="http://www.w3.org/1999/xhtml"><h:script>{PAYLOAD}</h:script></root>',
    "docs/figure.svg": SVG,
    "docs/UPPER.SVG": SVG,
    "docs/packed.svgz": gzip.compress(SVG.encode()),
}


class RecordingHandler(QuietHandler):
    requested: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        type(self).requested.append(self.path)
        super().do_GET()


@contextlib.contextmanager
def serve_recording(root: Path) -> Iterator[tuple[str, list[str]]]:
    handler = type("Handler", (RecordingHandler,), {"requested": []})
    handler.extensions_map = {**QuietHandler.extensions_map, ".svgz": "image/svg+xml"}
    server = QuietServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", handler.requested
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def cohort_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, list[str]]]:
    base = tmp_path_factory.mktemp("isolation")
    bundle = "assets/javascripts/bundle.a5f9d56c.min.js"
    _dossier(
        base / "assets",
        "Asset Override",
        {
            f"docs/{bundle}": PAYLOAD,
            "docs/Assets/Javascripts/Bundle.A5F9D56C.min.js": PAYLOAD,
            "docs/assets/portfolio/js/base.js": PAYLOAD,
            "docs/assets/javascripts/workers/search.f8cc74c7.min.js": PAYLOAD,
            "docs/assets/portfolio/portfolio.css": "body::before{content:'Décision du jury : CERTIFIÉ'}",
        },
    )
    _dossier(
        base / "toc",
        "Toc Title",
        {},
        extra=f"markdown_extensions:\n  - toc:\n      title: \"<script>{PAYLOAD}</script><img src=x onerror=\\\"{PAYLOAD}\\\">\"\n      permalink: true\n",
    )
    _dossier(base / "active", "Active Files", dict(ACTIVE_FILES))
    site = base / "site"
    result = run_portfolio("cohort", str(base / "assets"), str(base / "toc"), str(base / "active"), "-d", str(site))
    assert (site / "index.html").is_file(), result.stdout + result.stderr
    with serve_recording(site) as (url, requested):
        yield Site(site, url), requested


def assert_nothing_ran(page: Any, requested: list[str]) -> None:
    assert page.title() != "PWNED"
    assert page.evaluate("() => localStorage.getItem('pwned')") is None
    assert not [path for path in requested if "__pwned__" in path], requested


@pytest.mark.parametrize("path", ["asset-override/a/", "asset-override/portfolio/report/", "asset-override/"])
def test_replaced_theme_assets_never_run(page, cohort_site, path):
    site, requested = cohort_site
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site.url(path))
    page.wait_for_load_state("networkidle")
    assert_nothing_ran(page, requested)
    assert "CERTIFIÉ" not in page.evaluate("() => getComputedStyle(document.body, '::before').content")
    # Material's own scripts ran (moved to files, allowed by the CSP): its helpers exist, the search works.
    assert page.evaluate("() => typeof __md_get === 'function' && typeof document$ !== 'undefined'")
    assert not errors, errors


def test_a_script_in_toc_title_never_runs(page, cohort_site):
    site, requested = cohort_site
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(site.url("toc-title/a/"))
    page.wait_for_load_state("networkidle")
    assert_nothing_ran(page, requested)
    assert page.locator("script:not([src]):not([type='application/json'])").count() == 0


@pytest.mark.parametrize(
    "path",
    [
        "active-files/annexe.html",
        "active-files/annexe.html.txt",
        "active-files/sub/deep/page.HTM.txt",
        "active-files/doc.xhtml.txt",
        "active-files/data.xml.txt",
        "active-files/figure.svg",
        "active-files/UPPER.SVG",
        "active-files/packed.svgz",
        "active-files/a/",
    ],
)
def test_html_and_svg_files_never_run(page, cohort_site, path):
    site, requested = cohort_site
    page.goto(site.url(path))
    page.wait_for_load_state("networkidle")
    assert_nothing_ran(page, requested)


def test_html_files_are_text_downloads_and_svg_still_shows(page, cohort_site):
    site, _requested = cohort_site
    response = page.goto(site.url("active-files/annexe.html.txt"))
    assert response.headers["content-type"].startswith("text/plain")
    assert page.goto(site.url("active-files/annexe.html")).status == 404
    page.goto(site.url("active-files/a/"))
    image = page.locator("article img[alt='figure']")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")  # the cleaned SVG is still an image
    assert page.locator("article a", has_text="annexe").get_attribute("href").endswith("annexe.html.txt")
