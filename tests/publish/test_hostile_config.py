"""Malicious input: a dossier's mkdocs.yml in the staged build (`portfolio build`, any engine).
Nothing in it runs, reads a file outside the dossier, injects markup or forges our regions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown import Markdown

from portfolio_builder import build as build_mod
from portfolio_builder.cli import main
from portfolio_builder.publish import mdext
from tests.conftest import evidence_page

INJECTED = re.compile(r"<script>alert|onerror=|onmouseover=|javascript:|root:x:0:0", re.I)


def _build(root: Path, site: Path, engine: str, **options) -> Path:
    return build_mod.build(
        build_mod.BuildRequest(project=root, site_dir=site, engine=engine, quiet=True, silent=True, allow_dirty=True, **options)
    )


def _html(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}


def test_snippets_code_running_and_raw_options_never_reach_the_engine(engine: str, tmp_path: Path, project) -> None:
    """pymdownx.snippets (our markers from a staged page, /etc/passwd), `module:function` as an
    extension (code run), `toc.title` (printed raw by Material): all left out."""
    pwned = tmp_path / "PWNED"
    config = {
        "markdown_extensions": [
            "pymdownx.snippets",
            {"subprocess:getoutput": {"cmd": f"touch {pwned}"}},
            {"toc": {"title": "<img src=x onerror=alert(1)>", "permalink": True, "slugify": "os.system"}},
            "admonition",
        ]
    }
    forged = (
        '\n--8<-- "docs/notes.md:5:5"\n<div class="pb-card">VALIDÉ (forged)</div>\n--8<-- "docs/notes.md:7:7"\n\n'
        '--8<-- "/etc/passwd"\n\n--8<-- "mkdocs.yml"\n'
    )
    root = project(
        {"docs/index.md": "# Accueil\n", "docs/notes.md": "# Notes\n\nplain page\n",
         "docs/a.md": evidence_page("D1.1", title="A", body="# A\n\n## Section\n" + forged)},
        config=config,
    )
    site = _build(root, tmp_path / "site", engine)
    assert not pwned.exists()
    pages = _html(site)
    for rel, text in pages.items():
        assert not INJECTED.search(text), rel
        assert "(forged)</div>" not in text or 'class="pb-card">VALIDÉ' not in text, rel
        assert not re.search(r"token: [0-9a-f]{32}", text), rel
    assert pages["a/index.html"].count('class="pb-card pb-evidence"') == 1
    assert "headerlink" in pages["a/index.html"]  # the dossier's plain `toc.permalink` kept


def test_a_region_marker_out_of_place_fails_the_page() -> None:
    """Another page's token, a region twice, or a key not staged on the page: the build stops."""
    token = "ab" * 16
    mine, other = mdext.page_token(token, "a.md"), mdext.page_token(token, "b.md")
    pages = {mine: ["mark"], other: ["card"]}

    def convert(text: str) -> str:
        md = Markdown(extensions=[mdext.makeExtension(token=token, pages=pages)])
        return md.convert(text)

    good = mdext.region(mine, "mark", "")
    assert "pbregion" not in convert(good + "# A\n")
    for bad in (
        good + mdext.region(other, "card", "<p>forged</p>"),  # another page's region
        good + good,  # twice
        mdext.region(mine, "card", "<p>forged</p>"),  # not staged on this page
        good + f"\n\n{token}\n",  # the build's token
    ):
        with pytest.raises(mdext.RegionError):
            convert(bad + "# A\n")


def test_urls_theme_and_css_cannot_break_out_of_their_attributes(engine: str, tmp_path: Path, project) -> None:
    config = {
        "site_url": 'https://example.org/"><script>alert(1)</script>',
        "nav": [{"Accueil": "index.md"}, {"Lien": 'https://a.example/"onmouseover="alert(1)'}, {"Bon": "https://ok.example/x"}],
        "extra_css": ['x.css"><script>alert(1)</script>', "../../../etc/passwd", "css/own.css", "absent.css"],
    }
    text_theme = (
        "theme:\n  name: material\n  logo: 'x\"><script>alert(1)</script>'\n  favicon: 'img/fav.png'\n"
        "  language: '<b>x</b>{{ 7*7 }}'\n  features: [bogus\"><script>alert(1)</script>, navigation.top]\n"
        "  palette: {primary: '\"><script>alert(1)</script>', accent: indigo}\n"
        "  icon: {logo: 'x\"onerror=alert(1)'}\n  custom_dir: overrides\n"
    )
    root = project(
        {"docs/index.md": "# Accueil\n", "docs/css/own.css": "body{}\n", "docs/img/fav.png": b"\x89PNG\r\n\x1a\n",
         "overrides/main.html": "{% extends 'base.html' %}{% block content %}FORGED {{ config }}{% endblock %}"},
        config=config,
    )
    mkdocs = root / "mkdocs.yml"
    mkdocs.write_text(mkdocs.read_text(encoding="utf-8").replace("theme:\n  name: material\n", text_theme), encoding="utf-8")
    site = _build(root, tmp_path / "site", engine)
    pages = _html(site)
    for rel, text in pages.items():
        assert not INJECTED.search(text), rel
        assert "FORGED" not in text and "49" not in re.findall(r"<html[^>]*>", text)[0], rel
    home = pages["index.html"]
    assert "css/own.css" in home and "https://ok.example/x" in home and "img/fav.png" in home


def test_a_site_dir_outside_the_dossier_or_a_file_target_is_refused(tmp_path: Path, project) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    root = project({"docs/index.md": "# Accueil\n"}, config={"site_dir": str(Path("..") / ".." / victim.name)})
    root.joinpath("mkdocs.yml").write_text(
        root.joinpath("mkdocs.yml").read_text(encoding="utf-8").replace(
            f"site_dir: {Path('..') / '..' / victim.name}", f"site_dir: {victim}"
        ), encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["build", str(root), "--allow-dirty"])
    assert result.exit_code != 0 and "site_dir" in result.output and "Traceback" not in result.output
    other = project({"docs/index.md": "# Accueil\n"})
    result = CliRunner().invoke(main, ["build", str(other), "-d", str(victim), "--allow-dirty"])
    assert result.exit_code != 0 and "n'est pas un dossier" in result.output
    assert victim.read_text(encoding="utf-8") == "keep me"


def test_sanitize_html_false_still_sanitises_the_staged_build(engine: str, tmp_path: Path, project) -> None:
    root = project(
        {"docs/index.md": "# Accueil\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n"},
        portfolio={"sanitize_html": False},
    )
    site = _build(root, tmp_path / "site", engine)
    assert not INJECTED.search((site / "index.html").read_text(encoding="utf-8"))


def test_a_candidates_ids_cannot_clobber_materials(engine: str, tmp_path: Path, project) -> None:
    """`<div id="__config">` before Material's own: moved to `user-content-…`, its links follow."""
    body = '# Accueil\n\n<div id="__config">{"base": "https://evil.example"}</div>\n\n<a href="#__config">lien</a>\n\n## Intro\n'
    root = project({"docs/index.md": body}, config={"markdown_extensions": [{"toc": {"permalink": True}}]})
    home = (_build(root, tmp_path / "site", engine) / "index.html").read_text(encoding="utf-8")
    assert home.count('id="__config"') == 1  # Material's only
    assert 'id="user-content-__config"' in home and 'href="#user-content-__config"' in home
    assert 'id="intro"' in home and 'href="#intro"' in home  # the headings' ids, the TOC and permalinks kept


def test_a_title_that_is_not_text_is_no_crash_in_the_plugin(tmp_path: Path, project) -> None:
    """Malicious input: `title: {a: 1}` in front matter, in a plain `mkdocs build` with the plugin."""
    root = project({"docs/index.md": "# Accueil\n", "docs/a.md": "---\ntitle: {a: '<b>1</b>'}\n---\n\n# A\n"})
    try:
        site = build_mod.build(build_mod.BuildRequest(
            project=root, config_file=root / "mkdocs.yml", site_dir=tmp_path / "site", quiet=True, silent=True, allow_dirty=True,
        ))
    except build_mod.BuildFailed as failed:  # the core may refuse the page: a message, never a traceback
        assert "Traceback" not in str(failed) and "AttributeError" not in str(failed)
        return
    assert "<b>1</b>" not in (site / "a/index.html").read_text(encoding="utf-8")


def test_the_warning_says_sanitize_html_false_is_not_applied(tmp_path: Path, project) -> None:
    root = project({"docs/index.md": "# Accueil\n"}, portfolio={"sanitize_html": False})
    result = CliRunner().invoke(main, ["build", str(root), "-d", str(tmp_path / "site"), "--allow-dirty"])
    assert result.exit_code == 0, result.output
    assert "sanitize_html: false ne s'applique qu'à" in result.output


def test_a_cohorts_nav_keeps_only_web_links_that_cannot_break_out() -> None:
    from portfolio_builder.publish import stage

    nav = [{"A": "a.md"}, {"Bad": 'https://x.example/"onmouseover="alert(1)'}, {"Js": "javascript:alert(1)"},
           {"Nohost": "https://"}, {"Ok": "https://ok.example/p?q=1#f"}]
    assert stage._declared_nav(nav, {"a.md"}, set()) == [{"A": "a.md"}, {"Ok": "https://ok.example/p?q=1#f"}]
