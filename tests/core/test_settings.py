"""Each setting declared once (``core.settings``), each language once (the catalog's columns)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import fields
from pathlib import Path

from portfolio_builder import i18n
from portfolio_builder.core import schemas, settings
from portfolio_builder.core.settings import Settings
from portfolio_builder.mkdocs_plugin.config import PortfolioConfig

ROOT = Path(__file__).resolve().parents[2]


def test_the_schema_files_are_generated_from_the_definitions():
    """``make schemas`` writes them: a stale file fails here."""
    for path, text in schemas.generated_schema_texts().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run `make schemas`"
    assert schemas.load_schema("dossier") == settings.json_schema()


def test_the_plugin_options_schema_and_settings_follow_one_definition():
    keys = settings.entry_keys()
    assert [name for name, _option in PortfolioConfig._schema] == list(keys)
    assert list(schemas.load_schema("dossier")["properties"]) == list(keys)
    assert schemas.load_schema("dossier")["properties"]["language"]["enum"] == list(i18n.LANGUAGES)
    empty = Settings.from_entry({})
    for field in settings.DEFINITIONS:
        assert getattr(empty, field.name) == field.default, field.name  # the defaults are the fields'


def test_every_setting_is_read_from_its_entry_key():
    entry = {
        "referential": " c2i1-2011 ",
        "candidate": {"name": "Léa", "student_id": "219"},
        "institution": "U",
        "session": "2027-juin",
        "correspondent": {"name": "K", "email": "k@example.org"},
        "language": "en",
        "mode": "certification",
        "reviews_dir": "r",
        "jury": "j.yml",
        "previous_attestations": ["a.yml", 3],
        "indexing": True,
        "sanitize_html": False,
        "prune_nav": False,
    }
    read = Settings.from_entry(entry)
    assert read == Settings(
        referential="c2i1-2011", candidate_name="Léa", student_id="219", institution="U", session="2027-juin",
        correspondent_name="K", correspondent_email="k@example.org", language="en", mode="certification",
        reviews_dir="r", jury="j.yml", previous_attestations=("a.yml",), indexing=True, sanitize_html=False, prune_nav=False,
    )
    assert {f.name for f in fields(Settings)} - {f.name for f in settings.DEFINITIONS} == {"cohort_qcm", "cohort_file"}


def test_a_hostile_entry_falls_back_to_the_defaults():
    """Wrong types, unknown choices and a student number that is a path are never used."""
    hostile = {
        "referential": ["x"],
        "candidate": {"name": {"a": 1}, "student_id": "../../etc/passwd"},
        "language": "xx",
        "mode": "god",
        "indexing": "yes",
        "previous_attestations": "a.yml",
        "jury": 12,
    }
    assert Settings.from_entry(hostile) == Settings()


THIRD_LANGUAGE = textwrap.dedent(
    """
    import json, sys
    from portfolio_builder import catalog
    # A translator adds one column: the name, and one more text in each entry.
    catalog.LANGUAGES = (*catalog.LANGUAGES, "xx")
    catalog.MESSAGES = {key: (*entry, "XX " + entry[1]) for key, entry in catalog.MESSAGES.items()}
    catalog.MESSAGES["format.zero_singular"] = (*catalog.MESSAGES["format.zero_singular"][:2], "0")
    catalog.MESSAGES["format.decimal"] = (*catalog.MESSAGES["format.decimal"][:2], "·")

    from portfolio_builder import i18n
    from portfolio_builder.core import settings
    from portfolio_builder.cli import main
    import click

    out = {
        "languages": list(i18n.LANGUAGES),
        "nav": i18n.translate("xx", "nav.report"),
        "strings": i18n.strings("xx")["status.missing"],
        "size": i18n.human_size(1536, "xx"),
        "setting": settings.Settings.from_entry({"language": "xx"}).language,
        "schema": settings.json_schema()["properties"]["language"]["enum"],
        "choice": list(next(p for p in main.commands["check"].params if p.name == "lang").type.choices),
    }
    print(json.dumps(out))
    """
)


def test_a_third_language_is_one_catalog_column_and_no_code_change(tmp_path):
    """The catalog's column names are the one list: strings, choices, settings and the schema follow."""
    done = subprocess.run(
        [sys.executable, "-c", THIRD_LANGUAGE], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    out = json.loads(done.stdout)
    assert out["languages"] == ["fr", "en", "xx"]
    assert out["nav"] == "XX Coverage report"
    assert out["strings"] == "XX missing"
    assert out["size"] == "1·5 KiB"  # the new column's decimal separator
    assert out["setting"] == "xx"
    assert out["schema"] == ["fr", "en", "xx"]
    assert out["choice"] == ["fr", "en", "xx"]
