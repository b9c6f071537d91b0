"""frontmatter: decoding pages and splitting front matter from body, with file lines."""

from __future__ import annotations

import pytest

from portfolio_builder.core import frontmatter
from portfolio_builder.core.problems import ProblemSink


def split(text: str):
    sink = ProblemSink("docs/p.md")
    source = frontmatter.split(text, sink)
    return source, [(p.code, p.line, p.column) for p in sink.items]


def read(tmp_path, data: bytes):
    path = tmp_path / "p.md"
    path.write_bytes(data)
    sink = ProblemSink("docs/p.md")
    source = frontmatter.read(path, sink)
    return source, [(p.code, p.line, p.column) for p in sink.items], sink


def test_split_front_matter_and_body():
    source, found = split("---\ntitle: Rapport\ntype: coursework\n---\n# Rapport\n\nTexte.\n")
    assert found == []
    assert source.has_front_matter
    assert source.meta == {"title": "Rapport", "type": "coursework"}
    assert source.body == "# Rapport\n\nTexte.\n"
    assert source.body_line == 5
    # Positions are file lines: the YAML starts on line 2.
    assert source.front_matter.pos(("type",)) == (3, 7)


def test_page_without_front_matter():
    source, found = split("# Accueil\n\n---\n\nUn séparateur n'ouvre pas d'en-tête.\n")
    assert found == []
    assert not source.has_front_matter
    assert source.meta == {}
    assert source.body_line == 1


def test_dots_close_the_front_matter_too():
    source, found = split("---\ntitle: x\n...\nbody\n")
    assert found == []
    assert source.meta == {"title": "x"}
    assert source.body == "body\n"


def test_empty_front_matter():
    source, found = split("---\n---\nbody\n")
    assert found == []
    assert source.has_front_matter and source.meta == {}


def test_trailing_spaces_on_delimiters():
    source, found = split("---  \ntitle: x\n--- \t\nbody\n")
    assert found == []
    assert source.meta == {"title": "x"}


def test_four_dashes_are_a_rule_not_a_front_matter():
    source, found = split("----\ntitle: x\n---\n")
    assert found == []
    assert not source.has_front_matter


def test_unclosed_front_matter():
    source, found = split("---\ntitle: Rapport\ncompetencies: [D1.1]\n\n# Rapport\n")
    assert found == [("unclosed-front-matter", 1, 1)]
    assert source.front_matter is None
    assert source.meta == {}


def test_front_matter_that_is_not_a_mapping():
    source, found = split("---\n- D1.1\n- D1.2\n---\n")
    assert found == [("schema", 2, 1)]
    assert source.meta == {}


def test_huge_front_matter_is_refused_without_parsing():
    size = frontmatter.MAX_FRONT_MATTER_CHARS + 10
    text = "---\ntitle: x\ncontext: " + "a" * size + "\n---\nbody\n"
    sink = ProblemSink("docs/p.md")
    source = frontmatter.split(text, sink)
    assert [(p.code, p.line) for p in sink.items] == [("front-matter-too-large", 2)]
    assert source.front_matter is None and source.body == "body\n"
    assert str(frontmatter.MAX_FRONT_MATTER_CHARS) in sink.items[0].message("en")


def test_front_matter_just_under_the_limit_is_read():
    filler = "a" * (frontmatter.MAX_FRONT_MATTER_CHARS - 100)
    source, found = split(f"---\ncontext: {filler}\n---\n")
    assert found == []
    assert len(source.meta["context"]) == len(filler)


def test_bom_and_crlf_keep_line_numbers(tmp_path):
    data = "\ufeff---\r\ntitle: Rapport\r\ntype: essai\r\ndate: 12/03/2024\r\n---\r\n# Rapport\r\n".encode("utf-8")
    source, found, _ = read(tmp_path, data)
    assert found == []
    assert source.meta["title"] == "Rapport"  # no "\r" left in values
    assert source.front_matter.pos(("type",)) == (3, 7)
    assert source.front_matter.pos(("date",)) == (4, 7)
    assert source.body == "# Rapport\n"


def test_old_mac_line_endings(tmp_path):
    source, found, _ = read(tmp_path, b"---\rtitle: x\rtype: y\r---\rbody\r")
    assert found == []
    assert source.front_matter.pos(("type",)) == (3, 7)


def test_not_utf8_is_reported_at_the_offending_byte(tmp_path):
    source, found, sink = read(tmp_path, b"---\ntitle: Rapport\ncontext: caf\xe9 du coin\n---\n")
    assert source is None
    assert found == [("encoding", 3, 13)]
    assert sink.items[0].hint("fr") == "enregistrez-le en UTF-8 depuis votre éditeur"


@pytest.mark.parametrize("data", [b"", b"   \n\n\t\n"])
def test_empty_page(tmp_path, data):
    source, found, _ = read(tmp_path, data)
    assert source is None
    assert found == [("empty-page", 1, 1)]


def test_bom_only_page_is_not_a_crash(tmp_path):
    source, found, _ = read(tmp_path, "\ufeff".encode("utf-8"))
    assert found == []
    assert source is not None and not source.has_front_matter


def test_unreadable_page(tmp_path):
    folder = tmp_path / "dossier.md"
    folder.mkdir()
    sink = ProblemSink("docs/dossier.md")
    assert frontmatter.read(folder, sink) is None
    assert [(p.code, p.line) for p in sink.items] == [("encoding", 1)]


def test_decode_normalises_newlines():
    sink = ProblemSink("x")
    assert frontmatter.decode(b"\xef\xbb\xbfa\r\nb\rc\n", sink) == "a\nb\nc\n"
    assert sink.items == []
