"""Issue 10: nothing a candidate wrote runs, shadows our files or overflows a build.

Unit tests of the pieces: reserved paths, active files, the SVG cleaner, the
CSP, the cohort's extension options, limits, public builds, CSV cells.
End-to-end and browser tests live in tests/cohort/test_isolation.py and
tests/browser/test_isolation.py.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from portfolio_builder.cohort import trusted
from portfolio_builder.core import docs_tree, limits
from portfolio_builder.core.report import neutralised, spreadsheet_csv
from portfolio_builder.web import csp, sanitize
from tests.conftest import as_tuples, evidence_page, run_check

REPO = Path(__file__).resolve().parents[2]

# -- reserved paths -------------------------------------------------------------------

RESERVED = [
    "assets/javascripts/bundle.a5f9d56c.min.js",  # today's Material bundle
    "assets/javascripts/bundle.00000000.min.js",  # any other bundle name
    "assets/javascripts/workers/search.f8cc74c7.min.js",
    "assets/javascripts/lunr/min/lunr.fr.min.js",
    "assets/stylesheets/main.css",
    "assets/images/favicon.png",
    "assets/portfolio/portfolio.css",
    "assets/portfolio/js/base.js",
    "assets/cohort/cohort.js",
    "Assets/JavaScripts/bundle.js",  # case tricks: a case-insensitive disk or server
    "ASSETS/PORTFOLIO/PORTFOLIO.CSS",
    "report.json.",  # Windows drops trailing dots and spaces
    "manifest.json ",
    "assets\\javascripts\\bundle.a5f9d56c.min.js",  # one name on Linux, a path on Windows
    "assets/javascripts",  # a file where the theme needs a folder
    "assets",
    "search/search_index.json",
    "search.json",  # Zensical's index: a dossier cannot replace it
    "Search.JSON",
    "portfolio/report.md",
    "portfolio/report/index.html",
    "report.json",
    "Report.CSV",
    "manifest.json",
    "404.html",
    "404.md",
    "sitemap.xml",
    "sitemap.xml.gz",
    "sitemap.xml.md",
    "index.html",  # a static file where the home page goes
]
ALLOWED = [
    "index.md",
    "README.md",
    "a/index.md",
    "search.md",  # search/index.html: nothing of ours is there
    "portfolio.md",
    "assets/images/photo.png",  # a student's own images folder
    "assets/pdf/rapport.pdf",
    "productions/report.json.txt",
    "productions/assets/javascripts/bundle.js",  # not at the site root
]


@pytest.mark.parametrize("rel", RESERVED)
def test_reserved_paths(rel):
    assert docs_tree.reserved(rel)


@pytest.mark.parametrize("rel", ALLOWED)
def test_not_reserved(rel):
    assert not docs_tree.reserved(rel)


def test_theme_files_are_found_on_disk():
    """Material's own assets are protected whatever their names in this release."""
    files = docs_tree.theme_files()
    assert any(f.startswith("assets/javascripts/bundle.") for f in files)
    assert "assets/portfolio/portfolio.css" in files


def test_reserved_docs_file_is_reported_and_refused(project):
    root = project(
        {
            "docs/a.md": evidence_page("D1.1"),
            "docs/assets/javascripts/bundle.a5f9d56c.min.js": "document.title='pwned'",
            "docs/Assets/Portfolio/portfolio.css": "body{display:none}",
        }
    )
    dossier = run_check(root)
    found = as_tuples(dossier.problems)
    assert ("reserved-path", "docs/assets/javascripts/bundle.a5f9d56c.min.js", 1) in found
    assert ("reserved-path", "docs/Assets/Portfolio/portfolio.css", 1) in found
    assert {"assets/javascripts/bundle.a5f9d56c.min.js", "Assets/Portfolio/portfolio.css"} <= dossier.refused_files


# -- active files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "rel", ["annexe.html", "a/b/ANNEXE.HTM", "x.xhtml", "x.xht", "x.shtml", "data.xml", "s.xsl", "feed.rss", "p.mhtml", "page.html."]
)
def test_active_documents(rel):
    assert docs_tree.active_kind(rel) == docs_tree.ACTIVE_DOCUMENT


@pytest.mark.parametrize("rel", ["fig.svg", "FIG.SVG", "fig.svgz", "a/b/Fig.Svg"])
def test_active_svg(rel):
    assert docs_tree.active_kind(rel) == docs_tree.ACTIVE_SVG


@pytest.mark.parametrize("rel", ["a.png", "b.pdf", "c.txt", "d.js", "e.css", "f.csv", "noextension", "page.md"])
def test_passive_files(rel):
    assert docs_tree.active_kind(rel) is None


EVIL_SVG = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY boom "boom">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10" onload="alert(1)">
  <script>alert(2)</script>
  <script xlink:href="https://evil.example/x.js"/>
  <style>@import url(https://evil.example/x.css);</style>
  <rect id="r" width="5" height="5" fill="url(#g)" onclick="alert(3)"/>
  <a href="javascript:alert(4)"><text x="1" y="9">A&amp;B&nbsp;&copy;</text></a>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(5)"/></div></foreignObject>
  <image href="https://evil.example/track.png"/>
  <use href="https://evil.example/sprite.svg#a"/>
  <use xlink:href="#r"/>
  <set attributeName="href" to="javascript:alert(6)"/>
  <animate attributeName="href" values="javascript:alert(7)"/>
  <iframe src="https://evil.example/"/>
  <path d="M0 0L1 1" style="fill:url(https://evil.example/)" fill="url(https://evil.example/#x)"/>
  <linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient>
</svg>
"""


def _no_active_content(svg: str) -> None:
    lowered = svg.lower()
    for needle in ("script", "onload", "onclick", "onerror", "javascript:", "foreignobject", "evil.example", "<set", "<animate", "iframe", "style", "entity", "doctype"):
        assert needle not in lowered, needle


def test_clean_svg_keeps_drawing_only():
    cleaned = sanitize.clean_svg(EVIL_SVG).decode("utf-8")
    _no_active_content(cleaned)
    root = ET.fromstring(cleaned)  # still an SVG image
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert 'viewBox="0 0 10 10"' in cleaned and "<rect" in cleaned and 'fill="url(#g)"' in cleaned
    assert 'xlink:href="#r"' in cleaned  # a reference inside the file stays
    assert "A&amp;B" in cleaned


def test_clean_svgz_stays_compressed_and_clean():
    cleaned = sanitize.clean_svg(gzip.compress(EVIL_SVG))
    text = gzip.decompress(cleaned).decode("utf-8")
    _no_active_content(text)
    assert ET.fromstring(text).tag.endswith("svg")


def test_clean_svg_of_html_or_garbage_is_an_empty_image():
    for data in (b"<html><script>alert(1)</script></html>", b"\x00\xff garbage", b""):
        assert sanitize.clean_svg(data).decode().startswith("<svg")
    broken = sanitize.clean_svg(gzip.compress(b"<svg><script>alert(1)</script>")[:12])  # a truncated .svgz
    assert gzip.decompress(broken).decode() == sanitize.EMPTY_SVG


def test_sample_svg_survives(tmp_path):
    source = (REPO / "sample_dnc/docs/productions/fichiers/graphique-comptages.svg").read_bytes()
    cleaned = sanitize.clean_svg(source).decode("utf-8")
    root = ET.fromstring(cleaned)
    assert len(list(root.iter())) > 20  # the chart is all there


def test_active_files_are_listed_in_public_and_untrusted_builds(project):
    from portfolio_builder.core.check import Options, check_project
    from portfolio_builder.core.project import Untrusted, load_project

    root = project({"docs/a.md": evidence_page("D1.1"), "docs/annexe.html": "<script></script>", "docs/f.SVG": "<svg/>"})
    assert run_check(root).active_files == set()  # your own training site: your files as they are
    assert run_check(root, public=True).active_files == {"annexe.html", "f.SVG"}
    cohort = check_project(load_project(root, untrusted=Untrusted()), Options())
    assert cohort.active_files == {"annexe.html", "f.SVG"}
    warnings = [p for p in cohort.problems if p.code == "active-file"]
    assert [p.file for p in warnings] == ["docs/annexe.html"] and "annexe.html.txt" in warnings[0].message("fr")


# -- CSP --------------------------------------------------------------------------------


def test_csp_never_allows_a_script_found_in_the_page():
    page = "<html><head></head><body><nav><script>document.title='toc'</script></nav><article></article></body></html>"
    policy = csp.policy(page)
    assert "sha256" not in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "script-src 'self';" in policy
    assert csp.script_hash("x") in csp.policy(allowed_scripts=["x"])  # a script we name in advance


def test_material_inline_scripts_are_all_moved_to_files():
    """Every partial of Material's that holds an inline script is overridden by one that loads a file."""
    import importlib.util
    import re
    from pathlib import Path

    from portfolio_builder.resources import material_overrides_dir

    material = Path(importlib.util.find_spec("material").origin).parent / "templates"
    ours = material_overrides_dir()
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
    # Not in our pages: analytics (only with `extra.analytics`, which a cohort never reads and whose
    # third-party script the CSP refuses anyway) and redirect.html (only a page's `template:` names
    # it, which untrusted builds ignore). No inline script runs in either: the CSP has no hash.
    skipped = ("partials/integrations/", "redirect.html")
    for template in material.rglob("*.html"):
        rel = template.relative_to(material)
        if rel.as_posix().startswith(skipped) or not inline.search(template.read_text(encoding="utf-8")):
            continue
        override = ours / rel
        assert override.is_file(), f"{rel} has an inline script and no override"
        assert not inline.search(override.read_text(encoding="utf-8")), rel
    # And the moved scripts are Material's own, byte for byte (a Material upgrade is noticed here).
    for name in ("announce", "consent", "palette"):
        body = re.search(r"<script>(.*?)</script>", (material / "partials/javascripts" / f"{name}.html").read_text(), re.S).group(1)
        assert (ours / "assets/portfolio/js" / f"{name}.js").read_text().strip() == body.strip()


# -- the cohort's Markdown extensions --------------------------------------------------


def test_a_dossier_switches_extensions_on_but_never_sets_options():
    raw = [
        {"toc": {"title": "<script>alert(1)</script>", "permalink": "<img src=x onerror=alert(1)>"}},
        {"pymdownx.superfences": {"custom_fences": [{"name": "x", "format": "!!python/name:os.system"}]}},
        {"pymdownx.tabbed": {"alternate_style": False}},
        "admonition",
        "markdown.extensions.meta",
        {"pymdownx.snippets": {"base_path": "/"}},
    ]
    kept = trusted.safe_extensions(raw)
    assert kept == ["toc", "pymdownx.superfences", {"pymdownx.tabbed": {"alternate_style": True}}, "admonition"]
    with_cohort = trusted.safe_extensions(raw, {"toc": {"permalink": True}})
    assert with_cohort[0] == {"toc": {"permalink": True}}


def test_nav_keeps_only_the_dossiers_own_markdown_pages():
    docs = {"a.md", "annexe.html", "x.svg", "sub/b.md"}
    raw = [
        "a.md",
        "annexe.html",
        {"Annexe": "annexe.html"},
        {"<b>Moi</b>": "sub/b.md"},
        {"Rapport": "portfolio/report.md"},
        {"Ailleurs": "javascript:alert(1)"},
        {"Site": "https://example.org/"},
        {"Groupe": ["x.svg", "../other/c.md"]},
    ]
    from portfolio_builder.publish import stage

    pages = {p for p in docs if p.endswith(".md")}  # what the stage publishes as pages
    assert stage._declared_nav(raw, pages, set()) == ["a.md", {"&lt;b&gt;Moi&lt;/b&gt;": "sub/b.md"}, {"Site": "https://example.org/"}]


# -- limits -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("docs_bytes", "500 MiB", 500 * 1024**2),
        ("docs_bytes", "2G", 2 * 1024**3),
        ("file_bytes", 1234, 1234),
        ("page_bytes", "1,5 MiB", int(1.5 * 1024**2)),
        ("files", 300, 300),
        ("build_seconds", "5 min", 300.0),
        ("build_seconds", 30, 30.0),
    ],
)
def test_limit_values(name, value, expected):
    assert limits.parse_value(name, value) == expected


@pytest.mark.parametrize(
    "name, value", [("docs_bytes", "beaucoup"), ("docs_bytes", -1), ("files", "3 MiB"), ("build_seconds", 0), ("unknown", 1), ("files", True)]
)
def test_bad_limit_values(name, value):
    with pytest.raises(ValueError):
        limits.parse_value(name, value)


def test_sparse_file_counts_as_written(project):
    root = project({"docs/a.md": evidence_page("D1.1")})
    with open(root / "docs" / "sparse.bin", "wb") as handle:
        handle.truncate(3 * 1024**3)  # 3 GiB apparent, nothing on disk
    dossier = run_check(root)
    codes = {p.code for p in dossier.problems}
    assert {"file-too-large", "dossier-too-large"} <= codes
    assert dossier.over_limit and "sparse.bin" in dossier.refused_files
    message = next(p for p in dossier.problems if p.code == "dossier-too-large").message("fr")
    assert "3,0 Gio" in message and "1,0 Gio" in message


def test_an_honest_dossier_is_far_below_the_defaults(project):
    dossier = run_check(REPO)
    assert not dossier.over_limit
    tree = docs_tree.walk(dossier.project.docs_dir, dossier.project.root, "")
    assert tree.total_bytes * 100 < limits.DEFAULT.docs_bytes


def test_fifo_in_the_docs_folder_never_blocks(project):
    root = project({"docs/a.md": evidence_page("D1.1")})
    os.mkfifo(root / "docs" / "tube.png")
    dossier = run_check(root)
    assert ("not-a-file", "docs/tube.png", 1) in as_tuples(dossier.problems)


# -- public builds ----------------------------------------------------------------------


def test_private_pages_with_or_without_competencies_and_their_images(project):
    root = project(
        {
            "docs/a.md": evidence_page("D1.1", body="# A\n\n![commun](img/commun.png)\n"),
            "docs/prive.md": evidence_page("D1.2", extra="visibility: private\n", body="# P\n\n![x](img/secret.png) [pdf](../docs/img/commun.png)\n"),
            "docs/journal.md": "---\ntitle: Journal intime\nvisibility: private\n---\n\n![moi](photos/moi.jpg)\n<img src=\"photos/moi2.jpg\">\n",
            "docs/img/secret.png": b"\x89PNG",
            "docs/img/commun.png": b"\x89PNG",
            "docs/photos/moi.jpg": b"\xff\xd8",
            "docs/photos/moi2.jpg": b"\xff\xd8",
        }
    )
    dossier = run_check(root, public=True)
    assert {"prive.md", "journal.md", "img/secret.png", "photos/moi.jpg", "photos/moi2.jpg"} <= dossier.private_pages
    assert "img/commun.png" not in dossier.private_pages  # a public page shows it too


def test_public_messages_never_quote_the_student_id(project):
    attestation = (
        "referential: c2i1-2011\ncandidate:\n  name: Léa Moreau\n  student_id: \"99999999\"\n"
        "session: 2023-juin\ninstitution: Université de Valcourt\ndate: 2023-06-30\nvalidated_domains: [D1]\n"
    )
    root = project(
        {"docs/a.md": evidence_page("D1.1"), "attestations/old.yml": attestation},
        portfolio={
            "candidate": {"name": "Léa Moreau", "student_id": "21904512"},
            "previous_attestations": ["attestations/old.yml"],
        },
    )
    private = run_check(root)
    mismatch = [p for p in private.problems if p.code == "attestation-mismatch"]
    assert mismatch and "21904512" in mismatch[0].format("fr")  # the jury's build says which
    public = run_check(root, public=True)
    from portfolio_builder.core import report

    document = report.to_json(report.build(public))
    assert "21904512" not in document
    assert any(p.code == "attestation-mismatch" for p in public.problems)  # still reported, without the number


# -- CSV --------------------------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"https://evil.example\",\"clic\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1", "=1;=2"]


def test_csv_cells_are_neutralised():
    text = spreadsheet_csv(["a", "b"], [[value, 3] for value in FORMULAS] + [["-", -1]])
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))
    cells = [row[0] for row in rows[1:]]
    assert cells[: len(FORMULAS)] == ["'" + value for value in FORMULAS]
    assert rows[-1] == ["'-", "-1"]  # a number stays a number
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row[:1])
    assert neutralised("Léa") == "Léa" and neutralised(5) == 5


def test_report_csv_neutralises_candidate_text(project):
    from portfolio_builder.core import report

    root = project({"docs/a.md": evidence_page("D1.1", title="=HYPERLINK(\"https://evil.example\")")})
    document = report.build(run_check(root))
    rows = list(csv.reader(io.StringIO(report.to_csv(document).lstrip("\ufeff"), newline=""), delimiter=";"))
    titles = [row[6] for row in rows[1:] if row[6]]
    assert titles and all(t.startswith("'=") for t in titles)


def test_public_messages_never_name_a_private_page(project):
    root = project(
        {
            "docs/a-secret-plan.md": evidence_page("D1.1", extra="id: rapport\nvisibility: private\n"),
            "docs/b.md": evidence_page("D1.2", extra="id: rapport\n"),
        }
    )
    jury_build = [p for p in run_check(root).problems if p.code == "duplicate-id"]
    assert "a-secret-plan" in jury_build[0].format("fr")
    public = [p for p in run_check(root, public=True).problems if p.code == "duplicate-id"]
    assert public and all("a-secret-plan" not in p.format(lang) for p in public for lang in ("fr", "en"))


def test_a_fifo_as_jury_or_attestation_file_never_blocks(project):
    root = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"previous_attestations": ["att.yml"]})
    os.mkfifo(root / "jury.yml")
    os.mkfifo(root / "att.yml")
    dossier = run_check(root)  # returns: nothing reads a named pipe
    assert dossier.jury is None and dossier.attestations == []
