"""yamlread: YAML with positions, and the traps students fall into."""

from __future__ import annotations

import pytest

from portfolio_builder.core import yamlread
from portfolio_builder.core.problems import ProblemSink


def parse(text: str, **kw):
    sink = ProblemSink("f.yml")
    doc = yamlread.parse(text, sink, **kw)
    return doc, [(p.code, p.line, p.column) for p in sink.items], sink


def test_values_and_positions():
    doc, found, _ = parse("title: Mon rapport\ncompetencies:\n  - D1.1\n  - code: D2.3\n    argument: parce que\n")
    assert found == []
    assert doc.data == {"title": "Mon rapport", "competencies": ["D1.1", {"code": "D2.3", "argument": "parce que"}]}
    assert doc.pos(("title",)) == (1, 8)
    assert doc.key_pos(("title",)) == (1, 1)
    assert doc.pos(("competencies", 0)) == (3, 5)
    assert doc.pos(("competencies", 1, "code")) == (4, 11)
    assert doc.key_pos(("competencies", 1, "argument")) == (5, 5)
    # A path that was never written falls back to its nearest written parent.
    assert doc.pos(("competencies", 1, "anchor")) == (4, 5)
    assert doc.pos(("nowhere",)) == doc.start == (1, 1)


def test_line_offset_moves_every_position():
    doc, _, _ = parse("title: x\ndate: 2024-01-01\n", line_offset=1)
    assert doc.start == (2, 1)
    assert doc.pos(("date",)) == (3, 7)


@pytest.mark.parametrize(
    "written, as_text",
    [("1.10", "1.10"), ("2.3", "2.3"), ("1", "1"), ("0x1F", "0x1F"), ("1e3", "1e3"), ("010", "010"), (".5", ".5"), ("1_000", "1_000")],
)
def test_numbers_stay_text_when_asked(written, as_text):
    """Front matter: an unquoted competency code such as 1.10 is the text the student wrote."""
    doc, found, _ = parse(f"code: {written}\nlist: [{written}]\n", numbers=False)
    assert found == []
    assert doc.data == {"code": as_text, "list": [as_text]}


def test_numbers_are_numbers_in_data_files():
    doc, _, _ = parse("min_validated: 23\nscore: 12.5\nflag: true\nnothing: ~\ncode: 1.10\n")
    assert doc.data == {"min_validated": 23, "score": 12.5, "flag": True, "nothing": None, "code": 1.1}


def test_keys_are_always_the_written_text():
    """Mapping keys (competency codes in reviews and jury files) are never numbers."""
    doc, _, _ = parse("decisions:\n  1.10: validated\n  2.3: not_validated\n  1: validated\n")
    assert list(doc.data["decisions"]) == ["1.10", "2.3", "1"]


@pytest.mark.parametrize("written", ["2024-03-12", "2024-03-12T10:30:00", "2024-3-2", "2024-13-45"])
def test_timestamps_stay_text(written):
    doc, found, _ = parse(f"date: {written}\n", numbers=False)
    assert found == []
    assert doc.data["date"] == written


def test_booleans_and_nulls():
    doc, _, _ = parse("a: yes\nb: false\nc: null\nd:\ne: 'yes'\n", numbers=False)
    assert doc.data == {"a": True, "b": False, "c": None, "d": None, "e": "yes"}


def test_duplicate_key_reports_the_second_and_keeps_the_first():
    doc, found, sink = parse("title: Un\ncontext: c\ntitle: Deux\n", line_offset=1)
    assert found == [("duplicate-key", 4, 1)]
    assert doc.data["title"] == "Un"
    problem = sink.items[0]
    assert problem.field == "title"
    assert problem.hint("fr") == "première occurrence ligne 2 ; YAML ne garderait que la dernière"


def test_duplicate_key_nested_field_name():
    _, found, sink = parse("competencies:\n  - code: D1.1\n    code: D1.2\n")
    assert found == [("duplicate-key", 3, 5)]
    assert sink.items[0].field == "competencies[0].code"


def test_tab_indentation_gets_the_tab_hint():
    _, found, sink = parse("competencies:\n\t- D1.1\n", line_offset=1)
    assert found == [("yaml-syntax", 3, 1)]
    assert "tabulations" in sink.items[0].hint("fr")
    assert "tabs" in sink.items[0].hint("en")


def test_colon_in_value_gets_the_quote_hint():
    _, found, sink = parse("title: Rapport: version 2\n")
    assert found == [("yaml-syntax", 1, 15)]
    assert sink.items[0].hint("en") == "a value containing ': ' must be quoted"


def test_undefined_alias_is_a_syntax_error():
    doc, found, _ = parse("a: *nope\n")
    assert doc is None
    assert found == [("yaml-syntax", 1, 4)]


def test_unknown_tags_are_refused_and_python_tags_never_run():
    doc, found, _ = parse("a: !!python/object/apply:os.system ['echo pwned']\nb: !custom x\n")
    assert [f[:2] for f in found] == [("yaml-syntax", 1), ("yaml-syntax", 2)]
    assert doc.data["b"] == "x"


def test_tolerated_tags_for_mkdocs_yml(monkeypatch):
    monkeypatch.setenv("PORTFOLIO_TEST_SITE", "depuis l'environnement")
    monkeypatch.delenv("PORTFOLIO_TEST_UNSET", raising=False)
    text = (
        "site_name: !ENV PORTFOLIO_TEST_SITE\n"
        "other: !ENV [PORTFOLIO_TEST_UNSET, valeur par défaut]\n"
        "emoji: !!python/name:material.extensions.emoji.twemoji\n"
    )
    doc, found, _ = parse(text, tolerate_tags=True)
    assert found == []
    assert doc.data["site_name"] == "depuis l'environnement"
    assert doc.data["other"] == "valeur par défaut"
    assert doc.data["emoji"] == ""


def test_merge_keys():
    doc, found, _ = parse("base: &b\n  type: coursework\n  date: 2024-01-01\npage:\n  <<: *b\n  date: 2024-02-02\n")
    assert found == []
    assert doc.data["page"] == {"type": "coursework", "date": "2024-02-02"}


def test_non_text_key_is_a_schema_problem():
    _, found, sink = parse("? [a, b]\n: value\nok: 1\n")
    assert found == [("schema", 1, 3)]
    assert sink.items[0].message("en") == "a key must be plain text"


def test_alias_bomb_is_bounded():
    """Billion laughs: nine levels of nine aliases would be 387 million nodes."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    doc, found, sink = parse("\n".join(lines) + "\n", line_offset=1)
    assert doc is None
    assert found == [("yaml-too-complex", 2, 10)]
    assert sink.items[0].message("en") == (
        f"YAML too large once aliases are expanded (more than {yamlread.MAX_NODES} items)"
    )


def test_recursive_alias_is_bounded():
    doc, found, _ = parse("a: &a\n  b: *a\n")
    assert doc is None
    assert [f[0] for f in found] == ["yaml-too-complex"]


@pytest.mark.parametrize("depth", [yamlread.MAX_DEPTH + 5, 2_000, 100_000])
def test_deep_nesting_is_bounded(depth):
    doc, found, sink = parse("context: " + "[" * depth + "]" * depth + "\n", line_offset=1)
    assert doc is None
    assert [(code, line) for code, line, _ in found] == [("yaml-too-complex", 2)]
    assert sink.items[0].message("fr") == (
        f"YAML trop profondément imbriqué (plus de {yamlread.MAX_DEPTH} niveaux)"
    )


def test_nesting_within_the_limit_is_fine():
    depth = yamlread.MAX_DEPTH - 2
    doc, found, _ = parse("context: " + "[" * depth + "]" * depth + "\n")
    assert found == []
    assert doc is not None


def test_empty_document():
    doc, found, _ = parse("# only a comment\n")
    assert found == []
    assert doc.data is None


def test_field_name():
    assert yamlread.field_name(("competencies", 1, "code")) == "competencies[1].code"
    assert yamlread.field_name(("plugins", 1, "portfolio", "language")) == "plugins[1].portfolio.language"
    assert yamlread.field_name(()) == ""


def test_prefix_names_fields_from_an_outer_document():
    _, _, sink = parse("a: 1\na: 2\n", prefix=("plugins", 1, "portfolio"))
    assert sink.items[0].field == "plugins[1].portfolio.a"
