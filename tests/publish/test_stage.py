"""`portfolio stage`: the layout of a staged project, and the sources it leaves alone."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from portfolio_builder.cli import main
from portfolio_builder.publish import mdext
from portfolio_builder.publish import stage as stage_mod

ROOT = Path(__file__).resolve().parents[2]


def _tree_hash(*roots: Path) -> dict[str, str]:
    found = {}
    for root in roots:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_stage_layout_of_the_sample(tmp_path: Path) -> None:
    sources = (ROOT / "mkdocs.yml", ROOT / "sample_dnc")
    before = _tree_hash(*sources)
    out = tmp_path / "stage"
    result = CliRunner().invoke(main, ["stage", str(ROOT), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _tree_hash(*sources) == before  # the sources are only read

    assert (out / stage_mod.STAGE_MARK).is_file()
    config = yaml.safe_load((out / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["docs_dir"] == "docs" and config["theme"]["custom_dir"] == "overrides"
    assert config["plugins"] == ["search"]  # no `portfolio` plugin
    names = [next(iter(e)) if isinstance(e, dict) else e for e in config["markdown_extensions"]]
    assert names[-1] == "portfolio_builder.publish.mdext"
    token = config["markdown_extensions"][-1]["portfolio_builder.publish.mdext"]["token"]
    assert len(token) == 32
    # An explicit nav: home first, the candidate's sections, Compétences, the report.
    nav = config["nav"]
    assert nav[0] == {"Accueil": "index.md"}
    assert next(iter(nav[-2])) == "Compétences" and nav[-1] == "portfolio/report.md"
    assert any("Productions" in item for item in nav if isinstance(item, dict))

    docs = out / "docs"
    for rel in ("report.json", "report.csv", "manifest.json", "assets/portfolio/portfolio.css", "portfolio/report.md",
                "portfolio/competencies/index.md", "portfolio/competencies/d4-4.md"):
        assert (docs / rel).is_file(), rel
    assert (out / "overrides/partials/javascripts/base.html").is_file()
    assert "t[" not in (out / "overrides/partials/copyright.html").read_text(encoding="utf-8")
    report = json.loads((docs / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["covered"] == 19 and report["missing"] == ["D4.4"]

    page = (docs / "productions/recherche-documentaire-zfe.md").read_text(encoding="utf-8")
    assert set(_front_matter(page)) == {"title"}  # only what the engine needs
    page_token = mdext.page_token(token, "productions/recherche-documentaire-zfe.md")
    assert f"<!--pb:{page_token}:card-->" in page and token not in page and 'class="pb-card pb-evidence"' in page
    generated = (docs / "portfolio/report.md").read_text(encoding="utf-8")
    # Nothing to index beside its HTML: left out of the search index, as the plugin leaves it.
    assert _front_matter(generated) == {"title": "Rapport de couverture", "hide": ["navigation", "toc"], "search": {"exclude": True}}
    assert f"<!--pb:{mdext.page_token(token, 'portfolio/report.md')}:report-->" in generated and "<table class=\"pb-matrix" in generated


def test_stage_refuses_the_sources_and_foreign_folders(tmp_path: Path, project) -> None:
    root = project({"docs/index.md": "# Accueil\n"})
    runner = CliRunner()
    for target in (root, root / "docs" / "stage", tmp_path):
        result = runner.invoke(main, ["stage", str(root), "-o", str(target)])
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
    foreign = tmp_path / "elsewhere"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(main, ["stage", str(root), "-o", str(foreign)])
    assert result.exit_code == 1 and "portfolio stage" in result.output
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"
    # A stage is replaced by the next one.
    out = tmp_path / "stage"
    assert runner.invoke(main, ["stage", str(root), "-o", str(out)]).exit_code == 0
    first = yaml.safe_load((out / "mkdocs.yml").read_text(encoding="utf-8"))
    assert runner.invoke(main, ["stage", str(root), "-o", str(out)]).exit_code == 0
    second = yaml.safe_load((out / "mkdocs.yml").read_text(encoding="utf-8"))
    assert first["markdown_extensions"][-1] != second["markdown_extensions"][-1]  # a new token each time


def test_nothing_is_staged_that_the_guard_did_not_clear_for_this_request(tmp_path: Path, project) -> None:
    """`stage.stage` takes the guard's clearance, never a bare dossier: a clearance given for a
    lenient request does not carry over to a strict one, and without one the guard decides."""
    from portfolio_builder.publish import guard
    from tests.conftest import evidence_page

    root = project({"docs/index.md": "# Accueil\n", "docs/a.md": evidence_page("D1.1", "D9.9", title="Bancale")})
    lenient = guard.StageRequest(project=root)
    dossier = guard.check(lenient)
    assert dossier.problems  # D9.9 is unknown, and most competencies have no evidence
    cleared = guard.refuse(lenient, dossier)
    strict = guard.StageRequest(project=root, strict=True)
    with pytest.raises(guard.StageRefused):
        stage_mod.stage(strict, tmp_path / "strict", cleared)  # another request: vetted again
    with pytest.raises(guard.StageRefused):
        stage_mod.stage(strict, tmp_path / "strict")  # none: checked and vetted here
    assert not (tmp_path / "strict").exists()
    staged = stage_mod.stage(lenient, tmp_path / "lenient", cleared)
    assert staged.dossier is dossier and (tmp_path / "lenient" / "mkdocs.yml").is_file()


@pytest.mark.parametrize("public", [False, True])
def test_stage_leaves_out_refused_private_and_active_files(tmp_path: Path, project, public: bool) -> None:
    from tests.conftest import evidence_page

    root = project(
        {
            "docs/index.md": "# Accueil\n",
            "docs/secret.md": evidence_page("D1.1", extra="visibility: private"),
            "docs/assets/javascripts/bundle.js": "alert(1)",  # reserved: never published
            "docs/page.html": "<script>alert(1)</script>",
            "docs/image.svg": '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect/></svg>',
        }
    )
    out = tmp_path / "stage"
    args = ["stage", str(root), "-o", str(out), *(["--public"] if public else [])]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    docs = out / "docs"
    assert not (docs / "assets/javascripts/bundle.js").exists()
    assert (docs / "secret.md").exists() is not public
    if public:  # active files inert, as the plugin makes them
        assert not (docs / "page.html").exists() and (docs / "page.html.txt").is_file()
        assert b"script" not in (docs / "image.svg").read_bytes()
