"""evidence: reading one page, its claims, attachments and anchors."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from portfolio_builder.core import evidence, referential
from portfolio_builder.core.problems import ProblemSink
from tests.conftest import check_problems, evidence_page, run_check, write_files

C2I1 = referential.load_shipped("c2i1-2011")


def read(tmp_path: Path, text: str | bytes, rel: str = "p.md", files: dict | None = None, ref=C2I1):
    docs = tmp_path / "docs"
    write_files(docs, {rel: text, **(files or {})})
    sink = ProblemSink("docs/" + rel)
    result = evidence.read_page(docs / rel, rel, docs.resolve(), tmp_path.resolve(), ref, sink)
    return result.evidence, [(p.code, p.line, p.column) for p in sink.items], sink


def test_a_complete_piece_of_evidence(tmp_path):
    text = (
        "---\n"
        "title: Rapport de stage\n"
        "type: coursework\n"
        "date: 2024-03-12\n"
        "context: UE Outils numériques\n"
        "competencies:\n"
        "  - D1.1\n"  # 7
        "  - code: D3.1\n"  # 8
        "    argument: La mise en forme suit une feuille de styles.\n"
        "    anchor: mise-en-forme\n"
        "attachments:\n"
        "  - path: fichiers/rapport.pdf\n"
        "    title: Le rapport\n"
        "  - url: https://example.org/rapport\n"
        "    title: En ligne\n"
        "  - path: fichiers/brouillon.odt\n"
        "    visibility: private\n"
        "tags: [stage]\n"
        "---\n"
        "# Rapport de stage\n\n## Mise en forme\n\nTexte.\n"
    )
    item, found, _ = read(tmp_path, text, "productions/stage.md", {
        "productions/fichiers/rapport.pdf": b"%PDF-1.4 rapport",
        "productions/fichiers/brouillon.odt": b"PK",
    })
    assert found == []
    assert (item.path, item.id, item.title, item.type, item.date, item.context) == (
        "productions/stage.md", "productions/stage", "Rapport de stage", "coursework", "2024-03-12", "UE Outils numériques"
    )
    assert item.codes == ["D1.1", "D3.1"]
    assert [(c.code, c.line, c.anchor) for c in item.claims] == [("D1.1", 7, ""), ("D3.1", 8, "mise-en-forme")]
    assert item.claims[1].argument == "La mise en forme suit une feuille de styles."
    assert [(a.path, a.url, a.name, a.size, a.visibility) for a in item.attachments] == [
        ("productions/fichiers/rapport.pdf", None, "Le rapport", 16, "public"),
        (None, "https://example.org/rapport", "En ligne", None, "public"),
        ("productions/fichiers/brouillon.odt", None, "brouillon.odt", 2, "private"),
    ]


def test_a_page_without_competencies_is_not_evidence(tmp_path):
    item, found, _ = read(tmp_path, "---\ntitle: Accueil\n---\n# Accueil\n")
    assert item is None and found == []
    item, found, _ = read(tmp_path, "# Pas d'en-tête\n", "b.md")
    assert item is None and found == []


def test_explicit_id(tmp_path):
    item, found, _ = read(tmp_path, evidence_page("D1.1", extra="id: stage-2024\n"))
    assert found == [] and item.id == "stage-2024" and item.id_line == 7


@pytest.mark.parametrize("written, line", [("competences", 7), ("Compétences", 7), ("titre", 7), ("commentaire", 7), ("pieces_jointes", 7), ("competencie", 7), ("atachments", 7)])
def test_typo_of_our_keys_is_a_warning(tmp_path, written, line):
    item, found, sink = read(tmp_path, evidence_page("D1.1", extra=f"{written}: x\n"))
    assert found == [("unknown-key", line, 1)]
    assert sink.items[0].severity == "warning"
    assert sink.items[0].field == written


def test_typo_reported_even_when_the_page_is_not_evidence(tmp_path):
    item, found, sink = read(tmp_path, "---\ntitle: Rapport\ncompetences:\n  - D1.1\n---\n")
    assert item is None
    assert found == [("unknown-key", 3, 1)]
    assert sink.items[0].hint("fr") == "vouliez-vous dire competencies ?"


@pytest.mark.parametrize("key", ["tags", "template", "description", "hide", "icon", "status", "search", "authors", "comments", "mon_champ"])
def test_other_plugins_keys_are_allowed(tmp_path, key):
    item, found, _ = read(tmp_path, evidence_page("D1.1", extra=f"{key}: x\n"))
    assert found == [] and item is not None


def test_unknown_competency_with_a_suggestion(tmp_path):
    item, found, sink = read(tmp_path, evidence_page("d1.2", "D9.1", "D2.2"))
    assert found == [("unknown-competency", 6, 5), ("unknown-competency", 7, 5)]
    assert sink.items[0].hint("fr") == "vouliez-vous dire D1.2 ?"
    assert sink.items[0].message("en") == "unknown competency 'd1.2' in referential c2i1-2011"
    assert item.codes == ["D2.2"]


def test_codes_as_numbers_stay_as_written(tmp_path):
    """CRCN codes like 1.1 need no quotes; 1.10 is not 1.1."""
    crcn = referential.load_shipped("crcn-2019")
    item, found, sink = read(tmp_path, evidence_page("1.1", "2.3", "1.10", "3.4"), ref=crcn)
    assert item.codes == ["1.1", "2.3", "3.4"]
    assert found == [("unknown-competency", 8, 5)]
    assert "1.10" in sink.items[0].message("fr")


def test_duplicate_claim(tmp_path):
    item, found, sink = read(tmp_path, evidence_page("D1.1", "D1.2", "D1.1"))
    assert found == [("duplicate-competency", 8, 5)]
    assert sink.items[0].message("fr") == "la compétence D1.1 est déjà revendiquée ligne 6"
    assert item.codes == ["D1.1", "D1.2"]


def test_dates_are_checked_as_dates(tmp_path):
    item, found, sink = read(tmp_path, evidence_page("D1.1", date="12/03/2024"))
    assert found == [("schema", 4, 7)]
    assert sink.items[0].hint("fr") == "écrivez AAAA-MM-JJ, par exemple 2024-03-12"
    # The claim still counts: one bad date does not hide the page's coverage.
    assert item.codes == ["D1.1"]


def test_unquoted_date_is_kept_as_text(tmp_path):
    item, found, _ = read(tmp_path, evidence_page("D1.1", date="2024-03-12"))
    assert found == [] and item.date == "2024-03-12"


def test_external_needs_a_commentary(tmp_path):
    _, found, sink = read(tmp_path, evidence_page("D1.1", type="external"))
    assert found == [("missing-commentary", 3, 1)]
    _, found, _ = read(tmp_path, evidence_page("D1.1", type="external", extra="commentary: '   '\n"), "b.md")
    assert found == [("missing-commentary", 7, 13)]
    item, found, _ = read(tmp_path, evidence_page("D1.1", type="external", extra="commentary: Ce site montre…\n"), "c.md")
    assert found == [] and item.commentary == "Ce site montre…"


def test_tabs_in_front_matter(tmp_path):
    item, found, sink = read(tmp_path, "---\ntitle: x\ncompetencies:\n\t- D1.1\n---\n")
    assert item is None
    assert found == [("yaml-syntax", 4, 1)]
    assert "tabulations" in sink.items[0].hint("fr")


# --- attachments -------------------------------------------------------------------


def attachment(tmp_path, path_text: str, files=None, rel="p.md"):
    text = evidence_page("D1.1", extra=f"attachments:\n  - path: {path_text}\n")
    return read(tmp_path, text, rel, files)


def test_attachment_relative_to_the_page(tmp_path):
    item, found, _ = attachment(tmp_path, "../annexes/a.pdf", {"annexes/a.pdf": b"x"}, rel="productions/p.md")
    assert found == [] and item.attachments[0].path == "annexes/a.pdf"


def test_missing_attachment_with_suggestion(tmp_path):
    _, found, sink = attachment(tmp_path, "rapport.pfd", {"rapport.pdf": b"x"})
    assert found == [("missing-attachment", 8, 11)]
    assert sink.items[0].hint("en") == "did you mean rapport.pdf?"


@pytest.mark.parametrize("written", ["../secret.txt", "a/../../secret.txt", "/etc/passwd", "C:\\Users\\lea\\cv.pdf", "~/cv.pdf"])
def test_attachment_outside(tmp_path, written):
    (tmp_path / "secret.txt").write_text("x")
    _, found, _ = attachment(tmp_path, f"'{written}'")
    assert found == [("attachment-outside", 8, 11)]


def test_attachment_that_is_a_folder(tmp_path):
    (tmp_path / "docs" / "fichiers").mkdir(parents=True)
    _, found, sink = attachment(tmp_path, "fichiers")
    assert found == [("missing-attachment", 8, 11)]
    assert sink.items[0].message("fr") == "fichiers n'est pas un fichier"


def test_attachment_linking_outside(tmp_path):
    (tmp_path / "docs").mkdir()
    outside = tmp_path.parent / f"{tmp_path.name}-dehors.pdf"
    outside.write_bytes(b"x")
    os.symlink(outside, tmp_path / "docs" / "lien.pdf")
    _, found, _ = attachment(tmp_path, "lien.pdf")
    assert found == [("symlink-outside", 8, 11)]


def test_attachment_name_in_another_unicode_normalisation(tmp_path):
    nfd = unicodedata.normalize("NFD", "présentation.pdf")
    _, found, sink = attachment(tmp_path, "présentation.pdf", {nfd: b"x"})
    assert found == [("unicode-normalization", 8, 11)]
    assert "NFD" in sink.items[0].message("en")


@pytest.mark.parametrize("url, ok", [
    ("https://example.org", True), ("HTTP://EXAMPLE.ORG/x", True), ("mailto:lea@example.org", True),
    ("javascript:alert(1)", False), ("data:text/html,x", False), ("ftp://example.org", False), ("'https://a b'", False),
])
def test_attachment_urls(tmp_path, url, ok):
    text = evidence_page("D1.1", extra=f"attachments:\n  - url: {url}\n    title: Lien\n")
    _, found, _ = read(tmp_path, text)
    assert found == ([] if ok else [("unsafe-url", 8, 10)])


def test_attachment_with_both_path_and_url_or_neither(tmp_path):
    text = evidence_page("D1.1", extra="attachments:\n  - title: Rien\n  - path: a.pdf\n    url: https://x.org\n")
    _, found, _ = read(tmp_path, text, files={"a.pdf": b"x"})
    assert [(code, line) for code, line, _ in found] == [("schema", 8), ("schema", 9)]


# --- anchors -----------------------------------------------------------------------


def test_anchor_found_in_headings(tmp_path):
    text = (
        "---\ntitle: T\ntype: coursework\ndate: 2024-01-01\ncompetencies:\n"
        "  - code: D1.1\n    anchor: demarche\n"
        "  - code: D1.2\n    anchor: '#resultats'\n"
        "  - code: D1.3\n    anchor: perso\n"
        "  - code: D1.4\n    anchor: titre-souligne\n"
        "  - code: D2.1\n    anchor: dans-le-code\n"
        "---\n"
        "## Démarche\n\n### Résultats ###\n\n## Autre {#perso}\n\nTitre souligné\n--------------\n\n"
        "```\n## Dans le code\n```\n"
    )
    _, found, _ = read(tmp_path, text)
    assert found == [("missing-anchor", 15, 13)]


def test_heading_ids_use_both_slug_styles():
    ids = evidence.heading_ids("# Élaborer une production\n")
    assert {"elaborer-une-production", "élaborer-une-production"} <= ids


# --- through the whole check -----------------------------------------------------------


def test_evidence_with_errors_still_counts_for_coverage(project):
    root = project({"docs/a.md": evidence_page("D1.1", type="essai", date="hier")})
    dossier = run_check(root)
    assert dossier.coverage.by_code["D1.1"].covered
    assert [e.path for e in dossier.evidence] == ["a.md"]


def test_duplicate_ids_across_pages(project):
    root = project({
        "docs/a/rapport.md": evidence_page("D1.1"),
        "docs/b.md": evidence_page("D1.2", extra="id: a/rapport\n"),
        "docs/c.md": evidence_page("D1.3", extra="id: a/rapport\n"),
    })
    # Pages are read folder by folder, files first: b.md claims the id first; the
    # default id of a/rapport.md (no `id:` line) is reported at its first line.
    found = [f for f in check_problems(root) if f[0] == "duplicate-id"]
    assert found == [("duplicate-id", "docs/a/rapport.md", 2), ("duplicate-id", "docs/c.md", 7)]
    dossier = run_check(root)
    hint = next(p for p in dossier.problems if p.code == "duplicate-id").hint("fr")
    assert hint == "par docs/b.md ; choisissez un autre id"


def test_private_evidence_left_out_of_a_public_check(project):
    root = project({
        "docs/a.md": evidence_page("D1.1", extra="visibility: private\n"),
        "docs/b.md": evidence_page("D1.2", extra="attachments:\n  - path: x.pdf\n    visibility: private\n  - path: y.pdf\n"),
        "docs/x.pdf": b"x",
        "docs/y.pdf": b"y",
    })
    dossier = run_check(root, public=True)
    assert [e.path for e in dossier.evidence] == ["b.md"]
    assert [a.path for a in dossier.evidence[0].attachments] == ["y.pdf"]
    # Private pages and private attachments: what a public build leaves out.
    assert dossier.private_pages == {"a.md", "x.pdf"}
    assert not dossier.coverage.by_code["D1.1"].covered
    full = run_check(root)
    assert full.coverage.by_code["D1.1"].covered


def test_a_wrong_type_is_reported_and_not_kept(project):
    root = project({"docs/a.md": evidence_page("D1.1", type="essai"), "docs/b.md": evidence_page("D1.1", type="'0'")})
    dossier = run_check(root)
    assert [e.type for e in dossier.evidence] == ["", ""]
    from portfolio_builder.core import report

    document = report.build(dossier)
    assert next(r for r in document["competencies"] if r["code"] == "D1.1")["types"] == []
    assert "evidence.type" not in report.to_csv(document)


def test_heading_ids_closing_hashes_and_attributes():
    ids = evidence.heading_ids("## Démarche ##\n## Langage C#\n## Titre {#x}{#y}\n## Autre {: #perso .classe }\n")
    assert {"demarche", "langage-c", "titre-x", "y", "perso"} <= ids


def test_heading_ids_stay_linear_on_hostile_lines():
    """These lines took minutes with backtracking patterns; they must simply finish."""
    body = "# a" + " " * 5_000 + "x\n" + "# b" + " #" * 5_000 + "x\n" + "## c " + "{#a " * 5_000 + "}\n"
    ids = evidence.heading_ids(body)
    assert any(i.startswith("a") for i in ids)
