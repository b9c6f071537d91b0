"""One flow: every page of the site is laid out from ``report.json`` alone.

check → the report document (``core.report.build``, what ``report.json`` holds) → the
view (``core.view``) → HTML. The view gets nothing else but each page's ``url_for``:
rebuilt from the ``report.json`` read back from the published site, every page's data
comes out the same.
"""

from __future__ import annotations

import ast
import html
import json
from pathlib import Path
from typing import Any

import pytest

from portfolio_builder.core import view
from tests.conftest import evidence_page
from tests.core.test_jury import ALL, QCM_OK, REGISTERED, jury_text
from tests.site.conftest import build_site

pytestmark = pytest.mark.slow

VIEWS = ("site", "evidence_card", "report_page", "competency_page", "competencies_overview", "attestation_page")


def _record(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...], Any]]:
    """Every call the plugin makes into ``core.view``, with its arguments and result."""
    calls: list[tuple[str, tuple[Any, ...], Any]] = []
    for name in VIEWS:
        original = getattr(view, name)

        def wrapper(*args: Any, _name: str = name, _original: Any = original) -> Any:
            result = _original(*args)
            calls.append((_name, args, json.loads(json.dumps(result))))
            return result

        monkeypatch.setattr(view, name, wrapper)
    return calls


def test_every_page_is_a_function_of_the_published_report_json(project, tmp_path, monkeypatch):
    claims = "  - code: D1.1\n    argument: J'ai classé mes fichiers.\n"
    root = project(
        {
            "docs/a.md": evidence_page("D1.1", "D1.2", title="Organiser", extra="commentary: Ce que j'en retiens.\n"),
            "docs/b.md": evidence_page("D2.1", title="Sauvegarder", date="2024-04-01"),
            "docs/c.md": evidence_page("D3.1", title="Privée", extra="visibility: private\n"),
            "docs/d.md": evidence_page(title="Argumentée", extra=claims).replace("competencies:\n", ""),
            "reviews/a1.yml": "evidence: a.md\nreviewer: M. Tuteur\ndate: 2024-05-01\nverdicts: {D1.1: partially_met}\n",
            "reviews/a2.yml": "evidence: a.md\nreviewer: M. Tuteur\ndate: 2024-05-20\nverdicts: {D1.1: met, D1.2: met}\ncomment: Bien.\n",
            "jury.yml": jury_text(ALL, QCM_OK),
        },
        portfolio={**REGISTERED, "correspondent": {"name": "Karim Benali", "email": "k@example.org"}},
    )
    originals = {name: getattr(view, name) for name in VIEWS}
    calls = _record(monkeypatch)
    site = tmp_path / "site"
    build_site(root, site, allow_dirty=True)

    published = json.loads((site / "report.json").read_text(encoding="utf-8"))
    assert published["outcome"]["decision"] == "certified"
    assert {name for name, _args, _result in calls} == set(VIEWS)  # every page kind was built
    for name, args, result in calls:
        report, *rest = args
        assert report == published, name  # the plugin's document is the published one
        assert originals[name](published, *rest) == result, name

    # What the pages show is what report.json says.
    page = (site / "portfolio/report/index.html").read_text(encoding="utf-8")
    for reason in published["outcome"]["reasons"]:
        assert html.escape(reason, quote=False) in page or reason in page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Karim Benali" in home
    card = (site / "a/index.html").read_text(encoding="utf-8")
    assert "Ce que j&#39;en retiens." in card or "Ce que j'en retiens." in card
    attestation = (site / "portfolio/attestation/index.html").read_text(encoding="utf-8")
    assert originals["attestation_page"](published, lambda src: src)["label"] in attestation


def test_the_view_reads_no_dossier():
    """``core.view`` imports nothing of the checking code: it cannot recompute a verdict."""
    source = Path(view.__file__).read_text(encoding="utf-8")
    imported = {
        node.module or "" for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)
    } | {alias.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Import) for alias in node.names}
    ours = {name for name in imported if name.startswith("portfolio_builder")}
    assert ours == {"portfolio_builder.i18n"}
