"""schemas: jsonschema errors turned into problems at file:line:col with human messages."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from portfolio_builder.core import schemas, yamlread
from portfolio_builder.core.problems import ProblemSink
from portfolio_builder.resources import schema_dir

SCHEMAS = sorted(p.name.removesuffix(".schema.json") for p in schema_dir().glob("*.schema.json"))


def validate(name: str, text: str, numbers: bool = False, **kw):
    sink = ProblemSink("f")
    doc = yamlread.parse(text, sink, numbers=numbers)
    assert sink.items == []
    valid = schemas.validate(name, doc, sink, **kw)
    return valid, sink.items


def rows(items):
    return [(p.code, p.line, p.column, p.field) for p in items]


def test_schema_files_are_valid_2020_12():
    assert set(SCHEMAS) >= {"attestation", "dossier", "evidence", "jury", "referential", "report", "review"}
    for name in SCHEMAS:
        schema = json.loads((schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)
        assert schemas.validator(name) is schemas.validator(name)  # compiled once


EVIDENCE = "title: Rapport\ntype: coursework\ndate: 2024-03-12\ncompetencies: [D1.1]\n"


def test_valid_evidence():
    valid, items = validate("evidence", EVIDENCE)
    assert valid and items == []


def test_every_missing_required_field_is_reported_once():
    valid, items = validate("evidence", "title: Rapport\n")
    assert not valid
    assert rows(items) == [
        ("schema", 1, 1, "type"),
        ("schema", 1, 1, "date"),
        ("schema", 1, 1, "competencies"),
    ]
    assert [p.message("fr") for p in items] == [
        "champ obligatoire manquant : « type »",
        "champ obligatoire manquant : « date »",
        "champ obligatoire manquant : « competencies »",
    ]


def test_missing_field_of_a_nested_mapping_points_at_its_key():
    _, items = validate("evidence", EVIDENCE + "attachments:\n  - title: Annexe\n")
    assert rows(items) == [("schema", 6, 5, "attachments[0].path")]


def test_enum_with_suggestion():
    _, items = validate("evidence", EVIDENCE.replace("coursework", "coursewrok"))
    assert rows(items) == [("schema", 2, 7, "type")]
    assert items[0].message("en") == "'coursewrok' is not allowed (coursework, assessment, external)"
    assert items[0].hint("en") == "did you mean coursework?"


def test_type_error_suggests_quotes():
    _, items = validate("evidence", EVIDENCE.replace("title: Rapport", "title: yes"))
    assert rows(items) == [("schema", 1, 8, "title")]
    assert items[0].message("fr") == "attendu : texte, trouvé : true"
    assert items[0].hint("fr") == 'mettez la valeur entre guillemets : "true"'


def test_type_alternatives_are_translated():
    _, items = validate("evidence", EVIDENCE.replace("[D1.1]", "[[D1.1]]"))
    assert rows(items) == [("schema", 4, 16, "competencies[0]")]
    assert items[0].message("en") == 'expected text or mapping (key: value), found ["D1.1"]'
    assert items[0].message("fr") == 'attendu : texte ou ensemble de clés (clé: valeur), trouvé : ["D1.1"]'


@pytest.mark.parametrize(
    "written, example",
    [("12/03/2024", "2024-03-12"), ("3.4.2024", "2024-04-03"), ("1-2-2025", "2025-02-01"), ("mars 2024", "2024-03-12")],
)
def test_date_format_with_a_corrected_example(written, example):
    _, items = validate("evidence", EVIDENCE.replace("2024-03-12", written))
    assert rows(items) == [("schema", 3, 7, "date")]
    assert items[0].message("fr") == f"'{written}' n'est pas une date valide"
    assert items[0].hint("fr") == f"écrivez AAAA-MM-JJ, par exemple {example}"
    assert items[0].hint("en") == f"write YYYY-MM-DD, e.g. {example}"


def test_an_impossible_date_is_said_to_be_impossible():
    _, items = validate("evidence", EVIDENCE.replace("2024-03-12", "2024-02-30"))
    assert rows(items) == [("schema", 3, 7, "date")]
    assert items[0].hint("fr") == "cette date n'existe pas dans le calendrier"


def test_empty_list_and_blank_text():
    _, items = validate("evidence", EVIDENCE.replace("[D1.1]", "[]").replace("Rapport", "'  '"))
    assert rows(items) == [("schema", 1, 8, "title"), ("schema", 4, 15, "competencies")]
    assert {p.message("en") for p in items} == {"must not be empty"}


def test_unknown_field_in_a_closed_mapping_with_suggestion():
    _, items = validate("evidence", EVIDENCE + "attachments:\n  - path: a.pdf\n    titel: Annexe\n")
    assert rows(items) == [("schema", 7, 5, "attachments[0].titel")]
    assert items[0].message("fr") == "champ inconnu « titel »"
    assert items[0].hint("fr") == "vouliez-vous dire title ?"


def test_unknown_field_without_suggestion_lists_the_known_ones():
    _, items = validate("evidence", EVIDENCE + "attachments:\n  - path: a.pdf\n    zzz: 1\n")
    assert items[0].hint("en") == "known fields: path, url, title, visibility"


def test_conditional_requirement_points_at_the_condition():
    """commentary is required *because* type is external: the problem is on `type`."""
    _, items = validate("evidence", EVIDENCE.replace("coursework", "external"), overrides={("commentary", "required"): "missing-commentary"})
    assert rows(items) == [("missing-commentary", 2, 1, "commentary")]


def test_pattern_with_its_own_message():
    _, items = validate("evidence", EVIDENCE + "id: 'mon rapport'\n")
    assert rows(items) == [("schema", 5, 5, "id")]
    assert items[0].message("fr") == "'mon rapport' : un id s'écrit en lettres, chiffres, « . », « _ », « - » ou « / »"


def test_one_of_reports_the_branch_that_was_meant():
    _, items = validate("evidence", EVIDENCE + "attachments:\n  - url: ftp://example.org/x\n", overrides={("url", "pattern"): "unsafe-url"})
    assert rows(items) == [("unsafe-url", 6, 10, "attachments[0].url")]


def test_minimum():
    valid, items = validate(
        "jury",
        "session: s\ndate: 2024-06-20\ninstitution: U\nmembers: [A]\ndecisions: {}\nqcm:\n  D1: {passed: true, score: -2}\n",
        numbers=True,
    )
    assert not valid
    assert rows(items) == [("schema", 7, 29, "qcm.D1.score")]
    assert items[0].message("en") == "-2 is below the minimum 0"


def test_prefix_and_instance_validate_part_of_a_document():
    sink = ProblemSink("mkdocs.yml")
    text = "plugins:\n  - portfolio:\n      referential: c2i1-2011\n      correspondent:\n        name: K\n        email: pas-une-adresse\n"
    doc = yamlread.parse(text, sink)
    entry = doc.data["plugins"][0]["portfolio"]
    assert not schemas.validate("dossier", doc, sink, prefix=("plugins", 0, "portfolio"), instance=entry)
    assert rows(sink.items) == [("schema", 6, 16, "plugins[0].portfolio.correspondent.email")]
    assert sink.items[0].message("fr") == "'pas-une-adresse' n'est pas une adresse électronique valide"


def test_unique_items():
    _, items = validate(
        "attestation",
        "referential: r\ncandidate: {name: n}\nsession: s\ninstitution: i\ndate: 2024-01-01\nvalidated_domains: [D1, D1]\n",
    )
    assert rows(items) == [("schema", 6, 20, "validated_domains")]
    assert items[0].message("en") == "the list contains duplicates"


def test_long_values_are_shortened_in_messages():
    _, items = validate("evidence", EVIDENCE.replace("coursework", "x" * 200))
    assert len(items[0].message("en")) < 140
