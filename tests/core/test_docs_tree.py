"""docs_tree: walking the docs folder, refusing links that leave the project."""

from __future__ import annotations

import os

from portfolio_builder.core import docs_tree
from tests.conftest import as_tuples, check_problems, evidence_page, write_files


def walk(root):
    return docs_tree.walk((root / "docs").resolve(), root.resolve(), "docs/")


def test_pages_and_other_files(tmp_path):
    write_files(tmp_path, {
        "docs/index.md": "# Accueil\n",
        "docs/productions/rapport.md": "x\n",
        "docs/productions/notes.markdown": "x\n",
        "docs/productions/rapport.pdf": b"%PDF",
        "docs/.cache/ignored.md": "x\n",
        "docs/.hidden.md": "x\n",
        "docs/images/logo.PNG": b"\x89PNG",
        "docs/README.MD": "x\n",
    })
    tree = walk(tmp_path)
    assert [rel for _, rel in tree.pages] == ["README.MD", "index.md", "productions/notes.markdown", "productions/rapport.md"]
    assert [rel for _, rel in tree.other_files] == ["images/logo.PNG", "productions/rapport.pdf"]
    assert tree.problems == [] and tree.refused == set()


def test_links_leaving_the_project_are_refused(tmp_path):
    root = tmp_path / "dossier"
    write_files(root, {"docs/index.md": "x\n"})
    outside = tmp_path / "ailleurs"
    write_files(outside, {"secret.md": "secret\n", "sub/data.txt": "x\n"})
    os.symlink(outside / "secret.md", root / "docs" / "secret.md")
    os.symlink(outside / "sub", root / "docs" / "dossier-lie")
    os.symlink("/", root / "docs" / "racine")
    tree = walk(root)
    assert [rel for _, rel in tree.pages] == ["index.md"]
    assert tree.other_files == []
    assert tree.refused == {"secret.md", "dossier-lie", "racine"}
    assert sorted(as_tuples(tree.problems)) == [
        ("symlink-outside", "docs/dossier-lie", 1),
        ("symlink-outside", "docs/racine", 1),
        ("symlink-outside", "docs/secret.md", 1),
    ]
    problem = next(p for p in tree.problems if p.file == "docs/racine")
    assert problem.hint("en") == "it points to /; copy the file into the dossier"


def test_links_inside_the_project_are_followed(tmp_path):
    write_files(tmp_path, {"docs/index.md": "x\n", "shared/annexe.md": "x\n", "shared/img/a.png": b"x"})
    os.symlink(tmp_path / "shared" / "annexe.md", tmp_path / "docs" / "annexe.md")
    os.symlink(tmp_path / "shared" / "img", tmp_path / "docs" / "img")
    tree = walk(tmp_path)
    assert [rel for _, rel in tree.pages] == ["annexe.md", "index.md"]
    assert [rel for _, rel in tree.other_files] == ["img/a.png"]
    assert tree.problems == []


def test_link_loops_end(tmp_path):
    write_files(tmp_path, {"docs/a/page.md": "x\n"})
    os.symlink(tmp_path / "docs", tmp_path / "docs" / "a" / "boucle")
    os.symlink(tmp_path / "docs" / "a", tmp_path / "docs" / "a" / "encore")
    tree = walk(tmp_path)
    assert [rel for _, rel in tree.pages] == ["a/page.md"]


def test_reserved_paths(tmp_path):
    write_files(tmp_path, {
        "docs/report.json": "{}",
        "docs/report.csv": "x",
        "docs/manifest.json": "{}",
        "docs/portfolio/report.md": "x\n",
        "docs/portfolio.md": "x\n",  # a page named like the folder is fine
        "docs/sub/report.json": "{}",  # only at the top
    })
    tree = walk(tmp_path)
    assert sorted(as_tuples(tree.problems)) == [
        ("reserved-path", "docs/manifest.json", 1),
        ("reserved-path", "docs/portfolio/report.md", 1),
        ("reserved-path", "docs/report.csv", 1),
        ("reserved-path", "docs/report.json", 1),
    ]


def test_refused_link_is_never_read_as_evidence(project, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text(evidence_page("D1.1"), encoding="utf-8")
    root = project()
    os.symlink(secret, root / "docs" / "preuve.md")
    found = check_problems(root)
    assert ("symlink-outside", "docs/preuve.md", 1) in found
    assert len([f for f in found if f[0] == "missing-competency"]) == 20
