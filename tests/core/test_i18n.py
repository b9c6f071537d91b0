"""i18n and catalog: every user string in French and English, and every id used exists."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from portfolio_builder import i18n
from portfolio_builder.catalog import MESSAGES
from portfolio_builder.core import problems, rules, schemas
from portfolio_builder.resources import schema_dir

CORE_DIR = Path(problems.__file__).parent


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_entry_has_every_language_with_the_same_placeholders(key):
    entry = MESSAGES[key]
    assert isinstance(entry, tuple) and len(entry) == len(i18n.LANGUAGES), key
    first = entry[0]
    for text in entry:
        assert isinstance(text, str) and text.strip(), key
        assert placeholders(text) == placeholders(first), key
        # Each must format: an unbalanced brace would crash at print time.
        text.format(**{name: "x" for name in placeholders(first)})


def test_keys_are_dotted_lower_case():
    for key in MESSAGES:
        assert re.fullmatch(r"[a-z0-9_]+(\.[A-Za-z0-9_-]+)+", key), key


# Message ids built at run time (f-strings in the core), with every value they take.
DYNAMIC_IDS = {
    "yaml.too_complex.{}": ["nodes", "depth"],
    "schema.format.{}": ["date", "email", "uri"],
    "schema.{}": ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"],
    "jury.{}_mismatch": ["institution", "session"],
    "outcome.certified.{}": ["all", "threshold"],
    "severity.{}": ["error", "warning"],
    "type.{}": sorted(set(schemas._TYPE_NAMES.values())),
    "evidence.type.{}": ["coursework", "assessment", "external"],
    "csv.{}": ["domain_code", "domain", "code", "competency", "status", "evidence_count", "evidence", "paths", "types", "review", "decision", "level_evidenced", "level_validated"],
    "review.{}": ["met", "partially_met", "not_met"],
    "decision.{}": ["validated", "not_validated"],
    "cli.referentials.{}": ["id", "domains", "competencies", "title"],
    # Used by core/view.py (what the site shows).
    "month.{}": [str(m) for m in range(1, 13)],
    "mode.{}": ["training", "certification"],
    "outcome.{}": [rules.CERTIFIED, rules.NOT_CERTIFIED, rules.PENDING],
    "domain_status.{}": [rules.VALIDATED, rules.NOT_VALIDATED, rules.PENDING, "carried"],
    # An optional hint per required field (schemas.py): only those that exist are used.
    "schema.required.{}.hint": ["commentary", "competencies"],
    "credential.description.{}": [rules.CERTIFIED, rules.NOT_CERTIFIED],
    # The QCM setting, the conditions (issue 15).
    "qcm.by.{}": ["referential", "jury", "cohort"],
    "qcm.certainty.{}": ["confirmed", "probable", "unknown"],
    "qcm.setting.{}": ["required", "waived"],
    "outcome.condition.{}": ["met", "not_met", "open"],
    "ui.level_by.{}": ["jury", "review"],
    # The jury session's decision sheet (core/jury_sheet.py).
    "sheet.column.{}": ["id", "name", "institution", "comment", "info", "decision", "qcm", "score", "level", "condition"],
    "sheet.condition.{}": ["met", "not_met"],
    "sheet.meta.{}": ["session", "institution", "referential", "date", "members", "candidates", "columns"],
    "sheet.field.{}": ["date", "members", "institution", "session", "comment"],
}

# A string literal that looks like a catalog id: two or more dotted parts whose
# first part is one of the catalog's sections.
SECTIONS = {key.split(".", 1)[0] for key in MESSAGES}
LITERAL = re.compile(r"""["']([a-z_]+(?:\.[A-Za-z_]+)+)["']""")


def literal_ids(path: Path) -> set[str]:
    found = set()
    for match in LITERAL.finditer(path.read_text(encoding="utf-8")):
        text = match.group(1)
        if text.split(".", 1)[0] in SECTIONS:
            found.add(text)
    return found


def source_files() -> list[Path]:
    return sorted(CORE_DIR.glob("*.py"))


NOT_IDS = {
    # Literals that look like ids but are field paths, not messages.
    "rules.min_validated",
    "attestation.jwt",  # a file name: the signed attestation published with the site
    "rules.min_level",
}
NOT_ID_PATTERNS = {"qcm.", "rules.min_level.", "qcm_required."}  # f"qcm.{code}": the field of a jury problem


def test_every_message_id_used_in_the_core_exists():
    missing = {}
    for path in source_files():
        for key in literal_ids(path) - NOT_IDS:
            if key not in MESSAGES and not any(key.endswith(suffix) for suffix in (".json", ".yml", ".py")):
                missing.setdefault(path.name, []).append(key)
    assert not missing, missing


def test_the_scan_finds_ids():
    """Guard against a regex that silently matches nothing."""
    ids = literal_ids(CORE_DIR / "evidence.py")
    assert {"evidence.unknown_competency", "hint.did_you_mean", "evidence.missing_anchor"} <= ids


def test_dynamic_ids_exist():
    for pattern, values in DYNAMIC_IDS.items():
        for value in values:
            assert pattern.format(value) in MESSAGES, pattern.format(value)


def test_dynamic_id_patterns_are_the_ones_in_the_source():
    """Each f-string id in the core is one listed in DYNAMIC_IDS (so its values are checked)."""
    fstring = re.compile(r"""f["']([a-z_]+\.[A-Za-z_.]*\{[^}]+\}[A-Za-z_.]*)["']""")
    known = {pattern.replace("{}", "") for pattern in DYNAMIC_IDS}
    for path in source_files():
        for match in fstring.finditer(path.read_text(encoding="utf-8")):
            shape = re.sub(r"\{[^}]+\}", "", match.group(1))
            if shape.split(".", 1)[0] in SECTIONS and shape not in NOT_ID_PATTERNS:
                assert shape in known, f"{path.name}: {match.group(1)}"


def test_x_message_ids_in_schemas_exist():
    for path in schema_dir().glob("*.schema.json"):
        text = path.read_text(encoding="utf-8")
        for key in re.findall(r'"x-message":\s*"([^"]+)"', text):
            assert key in MESSAGES, f"{path.name}: {key}"
        json.loads(text)


def test_every_decision_has_a_label():
    for decision in (rules.CERTIFIED, rules.NOT_CERTIFIED, rules.PENDING):
        assert f"outcome.{decision}" in MESSAGES


def test_translate():
    assert i18n.translate("fr", "outcome.competency_not_validated", code="D4.4") == "D4.4 non validée"
    assert i18n.translate("en", "outcome.competency_not_validated", code="D4.4") == "D4.4 not validated"
    # Unknown language: French, the default.
    assert i18n.translate("de", "status.covered") == "couverte"
    assert i18n.translate(None, "status.covered") == "couverte"
    # Unknown key: the key itself, never a crash.
    assert i18n.translate("fr", "no.such.key", x=1) == "no.such.key"


def test_translate_escaped_braces_without_arguments():
    text = i18n.translate("fr", "config.plugin_missing.hint")
    assert "{referential: c2i1-2011}" in text and "{{" not in text


def test_translate_missing_argument_does_not_crash():
    assert i18n.translate("en", "docs.symlink_outside.hint") == "it points to {target}; copy the file into the dossier"


def test_terms_are_translated_and_joined():
    term = i18n.Term("type.text|type.mapping")
    assert i18n.translate("en", "schema.type", expected=term, found="1") == "expected text or mapping (key: value), found 1"
    assert i18n.translate("fr", "schema.type", expected=term, found="1") == (
        "attendu : texte ou ensemble de clés (clé: valeur), trouvé : 1"
    )


def test_strings_table():
    fr, en = i18n.strings("fr"), i18n.strings("en")
    assert set(fr) == set(en) == set(MESSAGES)
    assert fr["status.missing"] == "manquante" and en["status.missing"] == "missing"
    assert i18n.normalise("en") == "en" and i18n.normalise("es") == "fr" and i18n.normalise(None) == "fr"
