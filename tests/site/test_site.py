"""The published site: pages, nav, cards, report twins, strictness, language, sanitising."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from portfolio_builder import build as build_mod
from portfolio_builder.core import report as report_mod
from portfolio_builder.core.check import Options, check_project
from portfolio_builder.core.project import load_project
from tests.conftest import evidence_page
from tests.site.conftest import ROOT, build_site, nav_titles

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_site")]  # its module fixtures built once (make test: --dist loadgroup)


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "site" not in p.relative_to(root).parts[:1]
    }


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, object]:
    """The sample dossier, built once for the module."""
    site = tmp_path_factory.mktemp("sample") / "site"
    return site, build_site(ROOT, site)


def test_sample_site_has_every_generated_page(sample):
    site, _ = sample
    for rel in (
        "index.html",
        "portfolio/report/index.html",
        "portfolio/competencies/index.html",
        "portfolio/competencies/d4-4/index.html",
        "portfolio/competencies/d1-1/index.html",
        "report.json",
        "report.csv",
        "manifest.json",
        "assets/portfolio/portfolio.css",
    ):
        assert (site / rel).is_file(), rel


def test_nav_order_home_evidence_competencies_report(sample):
    _, built = sample
    titles = nav_titles(built.nav.items, depth=2)
    assert titles[0] == "Accueil"
    assert titles[-2][0] == "Compétences"
    assert titles[-1] == "Rapport de couverture"
    student = [t[0] if isinstance(t, tuple) else t for t in titles[1:-2]]
    assert student, "the student's own pages come between home and the competencies"
    domains = [t for t in dict([titles[-2]])["Compétences"]]
    assert domains[0] == "Compétences"  # the overview page opens the section
    assert [d[0].split()[0] for d in domains[1:]] == ["D1", "D2", "D3", "D4", "D5"]


def test_report_json_is_the_check_document(sample):
    site, _ = sample
    dossier = check_project(load_project(ROOT), Options())
    assert json.loads((site / "report.json").read_text(encoding="utf-8")) == report_mod.build(dossier)


def test_report_csv_opens_in_a_french_spreadsheet(sample):
    site, _ = sample
    raw = (site / "report.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:3] == ["code domaine", "domaine", "code"]
    assert len(lines) == 21
    d44 = next(line for line in lines if ";D4.4;" in line)
    assert ";manquante;0;" in d44


def test_report_page_flags_the_missing_competency(sample):
    _, built = sample
    html = built.html("portfolio/report/")
    assert "19 / 20 compétences couvertes — manque : D4.4 Organiser une veille informationnelle" in html
    assert "<caption>" in html and 'scope="col"' in html and 'scope="row"' in html and 'scope="rowgroup"' not in html
    assert 'id="pb-m-d1"' in html and 'headers="pb-m-title pb-m-d1 pb-m-d1-c1"' in html  # complex-table markup (RGAA 5.7)
    assert "pb-chart__bar" not in html  # one chart: the bars
    row = re.search(r'<tr class="pb-matrix__row pb-matrix__row--missing">(.*?)</tr>', html, re.S).group(1)
    assert "D4.4" in row and "manquante" in row and "Aucune preuve" in row
    assert "Prévision avant le jury" in html and "pas une décision du jury" in html


def test_evidence_page_card(sample):
    _, built = sample
    html = built.html("externes/budget-association/")
    card = html[html.index('class="pb-card pb-evidence"') :]
    card = card[: card.index("</aside>")]
    assert "Production externe commentée" in card
    assert "Commentaire de l" in card  # external productions show the commentary
    assert 'href="../../portfolio/competencies/d3-4/"' in card
    assert "D3.4</span> Exploiter des données dans des feuilles de calcul" in card
    assert "budget-association.csv" in card and re.search(r"\(\d+(,\d)? (o|Ko)\)", card)
    # The card follows the page title.
    assert html.index("<h1") < html.index('class="pb-card pb-evidence"')


def test_competency_pages(sample):
    _, built = sample
    missing = built.html("portfolio/competencies/d4-4/")
    assert "Aucune preuve" in missing and "D4 " in missing
    covered = built.html("portfolio/competencies/d3-4/")
    assert "pb-evidence-link" in covered and "Argument" in covered


def test_review_flags_are_shown(sample):
    _, built = sample
    html = built.html("productions/recherche-documentaire-zfe/")
    assert "partiellement acquis" in html and "Avis du tuteur" in html


def test_every_page_has_a_csp_without_inline_script_and_noindex(sample):
    site, _ = sample
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
        assert meta, page
        script_src = next(d for d in meta.group(1).split("; ") if d.startswith("script-src"))
        assert "'unsafe-inline'" not in script_src
        assert '<meta name="robots" content="noindex' in html
        assert html.index("Content-Security-Policy") < html.index("<script")


def test_sources_are_never_modified(tmp_path):
    project = tmp_path / "dossier"
    shutil.copytree(ROOT / "sample_dnc", project / "sample_dnc")
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    before = tree_hashes(project)
    build_site(project, tmp_path / "out")
    assert tree_hashes(project) == before


def test_strict_build_lists_every_problem_and_keeps_the_previous_site(project, tmp_path):
    good = project({"docs/a.md": evidence_page("D1.1")})
    site = tmp_path / "site"
    build_site(good, site)
    before = tree_hashes(site)
    (good / "docs/b.md").write_text(evidence_page("D9.9", "D1.2", date="12/03/2024"), encoding="utf-8")
    (good / "docs/c.md").write_text("---\ntitle: [oops\n---\n", encoding="utf-8")
    with pytest.raises(build_mod.BuildFailed):
        build_site(good, site, strict=True)
    assert tree_hashes(site) == before
    assert not list(tmp_path.glob(".site.tmp-*"))


def test_strict_log_names_all_problems(project, tmp_path):
    root = project({"docs/b.md": evidence_page("D9.9", date="12/03/2024"), "docs/c.md": "---\ntitle: [oops\n---\n"})
    with pytest.raises(build_mod.BuildFailed) as failure:
        build_site(root, tmp_path / "s", strict=True)
    text = "\n".join(failure.value.messages)
    assert "docs/b.md:4:7" in text and "[schema]" in text
    assert "docs/b.md:6:5" in text and "[unknown-competency]" in text
    assert "docs/c.md:2:" in text and "[yaml-syntax]" in text


def test_plain_mkdocs_strict_keeps_previous_site(project, tmp_path):
    """`mkdocs build --strict` fails before MkDocs cleans the output folder."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    root = project({"docs/a.md": evidence_page("D9.9")})
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("previous", encoding="utf-8")
    config = load_config(str(root / "mkdocs.yml"), site_dir=str(site), strict=True)
    config.plugins.on_startup(command="build", dirty=False)
    with pytest.raises(Abort):
        build(config)
    assert (site / "index.html").read_text(encoding="utf-8") == "previous"


def test_english_dossier_gets_an_english_site(project, tmp_path):
    root = project({"docs/a.md": evidence_page("D1.1", type="external", extra="commentary: Done outside.")}, portfolio={"language": "en"})
    built = build_site(root, tmp_path / "site")
    titles = nav_titles(built.nav.items)
    assert titles[0] == "Home" and titles[-1] == "Coverage report" and titles[-2][0] == "Competencies"
    report = built.html("portfolio/report/")
    assert "1 / 20 competencies covered" in report and "Coverage report" in report
    assert "Commented external production" in built.html("a/")
    assert json.loads((tmp_path / "site/report.json").read_text())["language"] == "en"


def test_home_page_is_generated_when_missing(project, tmp_path):
    root = project({"docs/work/a.md": evidence_page("D1.1")})
    built = build_site(root, tmp_path / "site")
    home = built.html("")
    assert "Léa Moreau" in home and "Ouvrir le rapport de couverture" in home


HOSTILE = """---
title: Hostile
type: coursework
date: 2024-03-12
competencies: [D1.1]
---
# Hostile

<script>document.querySelector('.pb-outcome').textContent = 'Certifié';</script>
<img src="x.png" onerror="alert(1)" alt="x">
<a href="javascript:alert(1)">clic</a>
<iframe src="https://example.org"></iframe>
<object data="x.swf"></object><embed src="x.swf">
<style>.pb-status--missing { display: none }</style>
<form action="https://evil.example"><input name="q"></form>
<p onclick="steal()">paragraphe</p>

| a | b |
|---|---|
| 1 | 2 |

## Titre gardé

[un lien gardé](https://example.org)
"""


def test_students_html_is_sanitised(project, tmp_path):
    root = project({"docs/h.md": HOSTILE}, config={"markdown_extensions": ["tables"]})
    built = build_site(root, tmp_path / "site")
    html = built.html("h/")
    article = html[html.index("<article") : html.index("</article>")]
    for forbidden in ("querySelector", "onerror", "javascript:", "<iframe", "<object", "<embed", "<style", "<form", "onclick"):
        assert forbidden not in article, forbidden
    assert "<table>" in article and "Titre gardé" in article and 'href="https://example.org"' in article
    assert '<img src="x.png" alt="x"' in article


def test_public_build_leaves_private_work_out(project, tmp_path):
    root = project(
        {
            "docs/a.md": evidence_page("D1.1"),
            "docs/secret.md": evidence_page("D1.2", extra="visibility: private"),
            "docs/b.md": evidence_page("D1.3", extra="attachments:\n  - path: notes.txt\n    visibility: private"),
            "docs/notes.txt": "private notes",
        },
        portfolio={"candidate": {"name": "Léa Moreau", "student_id": "21904512"}},
    )
    built = build_site(root, tmp_path / "site", public=True)
    site = tmp_path / "site"
    assert not (site / "secret").exists() and not (site / "notes.txt").exists()
    report = json.loads((site / "report.json").read_text())
    assert "student_id" not in report["dossier"]["candidate"]
    assert [e["path"] for e in report["evidence"]] == ["a.md", "b.md"]
    for page in site.rglob("*.html"):
        assert "21904512" not in page.read_text(encoding="utf-8")
    assert "noindex" in built.html("")
    # The jury build keeps everything.
    build_site(root, tmp_path / "jury")
    assert (tmp_path / "jury/secret/index.html").is_file()
    assert "21904512" in (tmp_path / "jury/portfolio/report/index.html").read_text(encoding="utf-8")


def test_public_build_refuses_a_link_to_private_work(project, tmp_path):
    root = project(
        {
            "docs/a.md": evidence_page("D1.1", body="Voir [mon secret](secret.md).\n"),
            "docs/secret.md": evidence_page("D1.2", extra="visibility: private"),
        }
    )
    site = tmp_path / "site"
    with pytest.raises(build_mod.BuildFailed) as failure:
        build_site(root, site, public=True)
    assert "lien" in str(failure.value)
    assert not site.exists()


def test_public_link_problem_names_the_link(project, tmp_path):
    root = project(
        {
            "docs/a.md": evidence_page("D1.1", body="Voir [mon secret](secret.md).\n"),
            "docs/secret.md": evidence_page("D1.2", extra="visibility: private"),
        }
    )
    with pytest.raises(build_mod.BuildFailed) as failure:
        build_site(root, tmp_path / "s", public=True)
    assert any("docs/a.md" in m and "secret.md" in m and "[private-link]" in m for m in failure.value.messages)


def test_indexing_is_opt_in(project, tmp_path):
    root = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"indexing": True})
    built = build_site(root, tmp_path / "site")
    assert 'name="robots"' not in built.html("")


@pytest.mark.parametrize("target", ["docs", ".", "..", "docs/sub", "notes"])
def test_a_build_never_replaces_the_sources_or_a_folder_that_is_not_a_site(project, tmp_path, target):
    root = project({"docs/a.md": evidence_page("D1.1"), "notes/keep.txt": "mine"})
    before = tree_hashes(root.parent)
    with pytest.raises(build_mod.BuildFailed) as failure:
        build_site(root, (root / target).resolve())
    assert "site" in str(failure.value)
    assert tree_hashes(root.parent) == before
