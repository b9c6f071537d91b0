"""`portfolio build --engine`: every engine publishes every page we expect, inert, checked,
post-processed the same way; a dropped page fails the build and leaves the previous site."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from portfolio_builder import build as build_mod
from portfolio_builder.cli import main
from portfolio_builder.core import view
from portfolio_builder.publish import engines
from tests.conftest import evidence_page

ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)


def _pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")}


def _inline_scripts(html: str) -> list[str]:
    return [body for attrs, body in _SCRIPT.findall(html) if "src=" not in attrs and "application/json" not in attrs]


def _build(project: Path, site: Path, engine: str | None, **options) -> Path:
    return build_mod.build(build_mod.BuildRequest(project=project, site_dir=site, engine=engine, quiet=True, silent=True, **options))


def _hashes(*roots: Path) -> dict[str, str]:
    import hashlib

    paths = [p for root in roots for p in ([root] if root.is_file() else sorted(root.rglob("*"))) if p.is_file()]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def _sample_builds() -> dict[str, tuple[Path, dict, dict]]:
    return {}


@pytest.fixture
def sample_build(engine: str, _sample_builds: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """The sample built once per engine for the module (tests that only read it, or copy it):
    the site, and the hashes of the sources before and after the build."""
    if engine not in _sample_builds:
        sources = (ROOT / "mkdocs.yml", ROOT / "sample_dnc")
        before = _hashes(*sources)
        site = _build(ROOT, tmp_path_factory.mktemp(f"sample-{engine}") / "site", engine)
        _sample_builds[engine] = (site, before, _hashes(*sources))
    return _sample_builds[engine]


SAMPLE_BUILD = pytest.mark.xdist_group("engine-sample")  # the tests of one sample build share a worker


@SAMPLE_BUILD
def test_every_engine_builds_the_sample(sample_build: tuple[Path, dict, dict]) -> None:
    site, before, after = sample_build
    assert after == before  # the sources are never modified
    pages = _pages(site)
    expected = {"index.html", "portfolio/report/index.html", "portfolio/competencies/index.html", "404.html",
                "productions/recherche-documentaire-zfe/index.html"}
    expected |= {f"portfolio/competencies/{view.slug(code)}/index.html" for code in ("D1.1", "D4.4", "D5.3")}
    assert expected <= pages
    for rel in sorted(pages):
        html = (site / rel).read_text(encoding="utf-8")
        head = html[html.index("<head") :]
        assert head[head.index(">") + 1 :].startswith('<meta http-equiv="Content-Security-Policy"'), rel
        assert '<meta name="robots" content="noindex, nofollow">' in html, rel
        assert _inline_scripts(html) == [], rel  # the CSP allows none: the engine's are in files
    zfe = (site / "productions/recherche-documentaire-zfe/index.html").read_text(encoding="utf-8")
    assert zfe.index("</h1>") < zfe.index('class="pb-card pb-evidence"')  # the card after the title
    report = (site / "portfolio/report/index.html").read_text(encoding="utf-8")
    assert "19 / 20" in report and 'class="pb-matrix' in report
    data = json.loads((site / "report.json").read_text(encoding="utf-8"))
    assert data["missing"] == ["D4.4"]
    assert (site / "report.csv").is_file()
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["path"] for entry in manifest["site"]}
    assert "portfolio/report/index.html" in listed and "report.json" in listed
    # The manifest holds every published file: `portfolio verify` finds the site as built.
    result = CliRunner().invoke(main, ["verify", str(site), str(ROOT)])
    assert result.exit_code == 0, result.output


def test_a_page_the_engine_drops_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    _build(ROOT, site, None)  # the previous site
    before = (site / "portfolio/report/index.html").read_bytes()
    run = engines.run

    def dropping(engine, staged, lang, quiet=False, silent=False, **kwargs):
        run(engine, staged, lang, quiet, silent, **kwargs)
        (staged.site / "portfolio/report/index.html").unlink()  # what Zensical does to what it does not know

    monkeypatch.setattr(engines, "run", dropping)
    result = CliRunner().invoke(main, ["build", str(ROOT), "-d", str(site), "--engine", "mkdocs", "-q"])
    assert result.exit_code == 1
    assert "n'a pas publié 1 page(s) attendue(s) : portfolio/report.md" in result.output
    assert "Traceback" not in result.output
    assert (site / "portfolio/report/index.html").read_bytes() == before  # untouched
    assert not list(tmp_path.glob(".site.tmp-*"))  # no stage, no half-written site left


def test_an_engine_that_skips_our_extension_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = engines.run

    def without_extension(engine, staged, lang, quiet=False, silent=False, **kwargs):
        config = staged.config_file.read_text(encoding="utf-8")
        config = re.sub(r"- portfolio_builder\.publish\.mdext:\n(    .*\n)+", "", config)
        staged.config_file.write_text(config, encoding="utf-8")
        run(engine, staged, lang, quiet, silent, **kwargs)

    monkeypatch.setattr(engines, "run", without_extension)
    with pytest.raises(build_mod.BuildFailed) as failed:
        _build(ROOT, tmp_path / "site", "mkdocs")
    assert "portfolio_builder.publish.mdext" in str(failed.value) and "productions/recherche-documentaire-zfe.md" in str(failed.value)
    assert not (tmp_path / "site").exists()


def test_a_missing_engine_names_its_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines, "available", lambda name: name != "zensical")
    result = CliRunner().invoke(main, ["build", str(ROOT), "-d", str(tmp_path / "site"), "--engine", "zensical"])
    assert result.exit_code == 2
    assert "pip install 'portfolio-builder[zensical]'" in result.output
    assert not (tmp_path / "site").exists()


MALICIOUS = {
    "docs/index.md": "# Accueil\n\nBienvenue.\n",
    # A script, an event handler, and a forged card region (a token the candidate guessed).
    "docs/script.md": evidence_page(
        "D1.1",
        title="Script",
        body=(
            "# Script\n\n<script>alert('x')</script>\n\n<img src=x onerror=\"alert('y')\">\n\n"
            "<a href=\"javascript:alert('z')\">lien</a>\n\n"
            + "<!--pb:" + "0" * 32 + ":card--><aside class=\"pb-card pb-evidence\">FORGED</aside><!--/pb:" + "0" * 32 + ":card-->\n"
        ),
    ),
    # `template:` picks a template of ours (or redirect.html), a title with markup.
    "docs/template.md": evidence_page(
        "D1.2", title="'<img src=x onerror=alert(1)>R&D'", extra="template: redirect.html\nredirect: javascript:alert(1)",
        body="Pas de titre ici.\n",
    ),
    # A fenced block that never closes, an HTML comment that never closes: the card stays.
    "docs/fence.md": evidence_page("D1.3", title="Bloc", body="# Bloc\n\n```\n<script>alert(2)</script>\n"),
    "docs/comment.md": evidence_page("D1.4", title="Commentaire", body="# Commentaire\n\n<!-- jamais fermé\n\n<script>alert(3)</script>\n"),
}


def test_a_malicious_page_is_inert_in_every_engine(engine: str, tmp_path: Path, project) -> None:
    root = project(MALICIOUS)
    site = _build(root, tmp_path / "site", engine)
    for rel in sorted(_pages(site)):
        html = (site / rel).read_text(encoding="utf-8")
        assert _inline_scripts(html) == [], rel
        assert not re.search(r"<[^>]*\son\w+\s*=", html), rel  # no event handler in any tag
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html, re.I), rel
        assert not re.search(r'class="pb-[^"]*">FORGED', html), rel  # their text, never dressed as our card
    template = (site / "template/index.html").read_text(encoding="utf-8")
    assert "<img" not in template.split('class="md-content"')[0]  # the title is text in the header and nav
    assert "&lt;img src=x onerror=alert(1)&gt;R&amp;D" in template
    assert 'http-equiv="refresh"' not in template  # redirect.html was never used
    for rel in ("script", "template", "fence", "comment"):
        html = (site / f"{rel}/index.html").read_text(encoding="utf-8")
        assert html.count('class="pb-card pb-evidence"') == 1, rel  # our card, once, neither forged nor stripped


def _regions(html: str) -> list[str]:
    """Our regions in a page: the evidence or home card, or a generated page's content."""
    found = [m.group(0) for m in re.finditer(r'<(aside|section) class="pb-card pb-(?:evidence|home)".*?</\1>', html, re.S)]
    if not found:
        article = re.search(r'<article class="md-content__inner md-typeset">(.*?)</article>', html, re.S)
        if article:
            found.append(article.group(1).strip())
    # The one difference between two builds: the moment each was made (report page, « Construit le »).
    return [re.sub(r'<time datetime="[^"]*T[^"]*">', "<time>", region) for region in found]


@pytest.mark.parametrize(
    ("dossier", "count"),
    [
        (ROOT, 1 + 15 + 1 + 1 + 20),  # home, evidence, report, overview, competencies
        (ROOT / "sample_dnc" / "echec-qcm", None),  # a jury sat: the attestation too
    ],
)
def test_the_plugin_and_the_staged_project_publish_the_same_pages(tmp_path: Path, dossier: Path, count: int | None) -> None:
    plugin = build_mod.build_plugin(build_mod.BuildRequest(project=dossier, site_dir=tmp_path / "plugin", quiet=True, silent=True, allow_dirty=True))
    staged = _build(dossier, tmp_path / "staged", "mkdocs", allow_dirty=True)
    assert _pages(plugin) == _pages(staged)
    compared = 0
    for rel in sorted(_pages(plugin)):
        if rel == "404.html":
            continue
        ours = _regions((plugin / rel).read_text(encoding="utf-8"))
        if rel.startswith("portfolio/") or "pb-card" in "".join(ours):
            assert ours == _regions((staged / rel).read_text(encoding="utf-8")), rel
            compared += 1
    if count is not None:
        assert compared == count
    else:
        assert (staged / "portfolio/attestation/index.html").is_file() and compared > 20
    # The same report document, field for field.
    assert json.loads((plugin / "report.json").read_text(encoding="utf-8")) == json.loads((staged / "report.json").read_text(encoding="utf-8"))


def test_offline_with_an_engine_has_the_local_search(engine: str, tmp_path: Path) -> None:
    site = _build(ROOT, tmp_path / "site", engine, offline=True)
    assert (site / "portfolio/report.html").is_file()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="portfolio/report.html"' in home
    # The local search (web/offline_search.py), written before the manifest: listed in it.
    listed = {entry["path"] for entry in json.loads((site / "manifest.json").read_text(encoding="utf-8"))["site"]}
    assert {"search/search_index.js", "search/portfolio-search.js"} <= listed, engine
    assert 'src="./search/portfolio-search.js"' in home and not (site / "search/search_index.json").exists()


def test_an_english_dossier_gets_english_messages(tmp_path: Path, project, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project({"docs/index.md": "# Home\n"}, portfolio={"language": "en"})
    run = engines.run

    def dropping(engine, staged, lang, quiet=False, silent=False, **kwargs):
        run(engine, staged, lang, quiet, silent, **kwargs)
        (staged.site / "portfolio/report/index.html").unlink()

    monkeypatch.setattr(engines, "run", dropping)
    result = CliRunner().invoke(main, ["build", str(root), "-d", str(tmp_path / "site"), "--engine", "mkdocs", "-q"])
    assert result.exit_code == 1
    assert "the mkdocs engine did not publish 1 expected page(s): portfolio/report.md" in result.output


@SAMPLE_BUILD
def test_generated_pages_reach_the_engine_as_a_stub_and_get_our_html_after_it(
    engine: str, sample_build: tuple[Path, dict, dict], tmp_path: Path, monkeypatch
) -> None:
    """A generated page is staged as a stub (its heading and search text): the engine neither
    parses our HTML as Markdown nor indexes every word of it, as the plugin path indexes only
    the search text; our HTML replaces the stub afterwards. An engine that loses the stub
    fails the build, and the previous site stays."""
    site = tmp_path / "site"
    shutil.copytree(sample_build[0], site, symlinks=True)  # the previous site of the failing build below
    page = (site / "portfolio/competencies/d1-1/index.html").read_text(encoding="utf-8")
    assert "pb-deferred" not in page and 'class="pb-evidence-list"' in page and page.count("<h1") == 1
    index_file = site / ("search/search_index.json" if engine != "zensical" else "search.json")
    index = json.loads(index_file.read_text(encoding="utf-8"))
    entries = index.get("docs") or index.get("items") or []
    texts = " ".join(str(e.get("text", "")) for e in entries if "competencies/d1-1" in str(e.get("location", "")))
    assert "Organiser un espace de travail complexe" in texts and "Preuves qui la revendiquent" not in texts

    real_run = engines.run

    def losing_the_stub(name, staged, *args, **kwargs):
        real_run(name, staged, *args, **kwargs)
        (dest, (stub, _body)) = next(iter(staged.deferred.items()))
        page = staged.site / dest
        page.write_text(page.read_text(encoding="utf-8").replace(stub, "<p>dropped</p>"), encoding="utf-8")

    monkeypatch.setattr(engines, "run", losing_the_stub)
    with pytest.raises(build_mod.BuildFailed, match="attendue"):
        _build(ROOT, site, engine)
    assert (site / "portfolio/competencies/d1-1/index.html").read_text(encoding="utf-8") == page  # untouched
