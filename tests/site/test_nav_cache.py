"""The nav rendered once per item off the page's path is the nav Material renders (issue 14).

Each layout is built twice in-process, with the nav cache and with Material's templates
untouched, and every page's primary nav must be the same (whitespace between tags aside).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portfolio_builder import build as build_mod
from portfolio_builder.mkdocs_plugin import nav_cache
from portfolio_builder.resources import material_overrides_dir
from tests.conftest import evidence_page, write_files

pytestmark = pytest.mark.slow

MATERIAL = Path(__import__("material").__file__).parent / "templates"


@pytest.mark.parametrize("name", [nav_cache.NAV_ITEM, nav_cache.NAV])
def test_the_installed_material_loops_are_patched(name: str) -> None:
    source = (MATERIAL / name).read_text(encoding="utf-8")
    patched = nav_cache.patch(name, source)
    assert patched is not None, f"Material's {name} changed: update nav_cache's patterns"
    assert "portfolio_nav(" in patched and patched.count("portfolio_nav(") == 1
    assert not (material_overrides_dir() / name).exists()  # Material's own file, not a copy


def _layout() -> dict[str, str]:
    files = {
        "docs/index.md": "# Accueil\n",
        # A page whose URL is the folder of other pages: links from it differ from its siblings'.
        "docs/projets.md": evidence_page("D1.2", title="Projets"),
        "docs/projets/alpha.md": evidence_page("D1.3", title="Alpha"),
        "docs/projets/beta/index.md": evidence_page("D2.1", title="Beta (index)"),
        "docs/projets/beta/detail.md": evidence_page("D2.2", title="Beta détail"),
        "docs/autres/lien.md": "# Lien\n\n[ailleurs](https://example.org)\n",
    }
    for section in range(3):
        for i in range(6):
            code = f"D{1 + (section + i) % 5}.{1 + i % 3}"
            files[f"docs/preuves/s{section}/p{i}.md"] = evidence_page(code, title=f"Preuve {section}-{i} <b>&</b>")
    return files


def _navs(site: Path) -> dict[str, str]:
    found = {}
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        match = re.search(r'<nav class="md-nav md-nav--primary.*?</nav>\s*</div>', html, re.S)
        if match:
            found[page.relative_to(site).as_posix()] = re.sub(r">\s+<", "><", re.sub(r"\s+", " ", match.group(0)))
    return found


def _build(root: Path, site: Path) -> dict[str, str]:
    build_mod.build(build_mod.BuildRequest(project=root, site_dir=site, quiet=True, silent=True, allow_dirty=True))
    return _navs(site)


@pytest.mark.parametrize(
    "theme",
    [
        {},
        {"features": ["navigation.sections", "navigation.indexes"]},
        {"features": ["navigation.tabs", "navigation.sections", "navigation.indexes", "navigation.prune"]},
        {"features": ["navigation.expand"]},
    ],
    ids=["default", "sections-indexes", "tabs", "expand"],
)
@pytest.mark.parametrize("directory_urls", [True, False], ids=["dir-urls", "file-urls"])
def test_every_page_has_materials_own_nav(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, theme: dict, directory_urls: bool) -> None:
    root = tmp_path / "dossier"
    features = "".join(f"\n    - {f}" for f in theme.get("features", []))
    config = (
        "site_name: Nav\ntheme:\n  name: material\n"
        + (f"  features:{features}\n" if features else "")
        + f"use_directory_urls: {str(directory_urls).lower()}\n"
        + "plugins:\n  - search\n  - portfolio:\n      referential: c2i1-2011\n"
    )
    write_files(root, {"mkdocs.yml": config, **_layout()})
    cached = _build(root, tmp_path / "cached")
    monkeypatch.setattr(nav_cache, "patch", lambda name, source: None)
    plain = _build(root, tmp_path / "plain")
    assert len(cached) >= 30 and set(cached) == set(plain)
    for page, nav in plain.items():
        assert cached[page] == nav, page
    # The cache was used, not bypassed: an item off the path shows in many pages alike.
    assert "portfolio_nav" not in "".join(cached.values())
