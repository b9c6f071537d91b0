"""project: mkdocs.yml read as data, and the `portfolio` plugin entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from portfolio_builder.core.project import ConfigError, Settings, find_config, find_plugin_entry, load_project
from tests.conftest import PORTFOLIO_LINE, REFERENTIAL_LINE, as_tuples, check_problems, mkdocs_text


def config_error(target) -> list[tuple[str, str, int]]:
    with pytest.raises(ConfigError) as caught:
        load_project(target)
    return as_tuples(caught.value.problems)


def test_default_project(project):
    root = project()
    loaded = load_project(root)
    assert loaded.root == root.resolve()
    assert loaded.config_file == (root / "mkdocs.yml").resolve()
    assert loaded.docs_dir == (root / "docs").resolve()
    assert loaded.site_name == "Dossier de test"
    assert loaded.problems == []
    assert loaded.entry_path == ("plugins", 1, "portfolio")
    assert loaded.entry_pos() == (PORTFOLIO_LINE, 5)
    assert loaded.entry_pos("referential")[0] == REFERENTIAL_LINE
    settings = loaded.settings
    assert settings == Settings(referential="c2i1-2011", candidate_name="Léa Moreau")
    assert (settings.language, settings.mode, settings.reviews_dir, settings.jury) == ("fr", "training", "reviews", "jury.yml")


def test_every_setting_is_read(project):
    entry = {
        "referential": "c2i2e-2011",
        "candidate": {"name": "Léa Moreau", "student_id": "21904512"},
        "institution": "Université de Valcourt",
        "session": "2027-juin",
        "correspondent": {"name": "Karim Benali", "email": "karim.benali@example.org"},
        "language": "en",
        "mode": "certification",
        "reviews_dir": "avis",
        "jury": "jury/decisions.yml",
        "previous_attestations": ["attestations/2026.yml"],
    }
    settings = load_project(project(portfolio=entry)).settings
    assert settings.referential == "c2i2e-2011"
    assert (settings.candidate_name, settings.student_id) == ("Léa Moreau", "21904512")
    assert (settings.institution, settings.session) == ("Université de Valcourt", "2027-juin")
    assert (settings.correspondent_name, settings.correspondent_email) == ("Karim Benali", "karim.benali@example.org")
    assert (settings.language, settings.mode) == ("en", "certification")
    assert (settings.reviews_dir, settings.jury) == ("avis", "jury/decisions.yml")
    assert settings.previous_attestations == ("attestations/2026.yml",)


def test_find_config(tmp_path):
    (tmp_path / "mkdocs.yaml").write_text("site_name: x\n", encoding="utf-8")
    assert find_config(tmp_path) == tmp_path / "mkdocs.yaml"
    assert find_config(tmp_path / "mkdocs.yaml") == tmp_path / "mkdocs.yaml"


def test_folder_without_mkdocs_yml(tmp_path):
    found = config_error(tmp_path)
    assert found == [("config", str(tmp_path / "mkdocs.yml"), 1)]


def test_missing_path(tmp_path):
    assert config_error(tmp_path / "nulle-part.yml") == [("config", str(tmp_path / "nulle-part.yml"), 1)]


def test_plugin_missing(project):
    root = project({"mkdocs.yml": "site_name: x\ntheme:\n  name: material\nplugins:\n  - search\n"})
    assert config_error(root) == [("plugin-missing", "mkdocs.yml", 4)]
    root = project({"mkdocs.yml": "site_name: x\n"})
    assert config_error(root) == [("plugin-missing", "mkdocs.yml", 1)]


def test_plugins_as_a_mapping(project):
    root = project({"mkdocs.yml": "site_name: x\nplugins:\n  search: {}\n  portfolio:\n    referential: crcn-2019\n"})
    loaded = load_project(root)
    assert loaded.entry_path == ("plugins", "portfolio")
    assert loaded.settings.referential == "crcn-2019"
    assert loaded.entry_pos("referential") == (5, 18)


def test_find_plugin_entry_forms():
    assert find_plugin_entry(["search", "portfolio"]) == (("plugins", 1), {})
    assert find_plugin_entry({"portfolio": None}) == (("plugins", "portfolio"), {})
    assert find_plugin_entry(["search"]) is None
    assert find_plugin_entry("portfolio") is None


def test_entry_without_referential_is_reported_at_its_line(project):
    root = project({"mkdocs.yml": "site_name: x\nplugins:\n  - search\n  - portfolio\n"})
    found = check_problems(root)
    assert ("schema", "mkdocs.yml", 4) in found


def test_entry_problems_name_the_field_and_line(project):
    root = project(portfolio={"language": "de", "mode": "examen", "candidate": {"nom": "Léa"}})
    found = check_problems(root)
    assert ("schema", "mkdocs.yml", 8) in found  # candidate: name missing
    assert ("schema", "mkdocs.yml", 9) in found  # candidate.nom unknown
    assert ("schema", "mkdocs.yml", 10) in found  # language
    assert ("schema", "mkdocs.yml", 11) in found  # mode


def test_unknown_entry_field_with_suggestion(project):
    root = project(portfolio={"referentiel": "c2i1-2011"})
    try:
        problems = load_project(root).problems
    except ConfigError as error:
        problems = error.problems
    typo = next(p for p in problems if p.field.endswith("referentiel"))
    assert (typo.code, typo.line) == ("schema", 10)
    assert typo.hint("fr") == "vouliez-vous dire referential ?"


def test_yaml_error_in_mkdocs_yml(project):
    root = project({"mkdocs.yml": mkdocs_text() + "nav: [a\n"})
    found = config_error(root)
    assert [(code, file) for code, file, _ in found] == [("yaml-syntax", "mkdocs.yml")]


def test_mkdocs_yml_that_is_not_a_mapping(project):
    assert config_error(project({"mkdocs.yml": "- a\n- b\n"})) == [("config", "mkdocs.yml", 1)]


def test_mkdocs_tags_are_tolerated(project, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_TEST_NAME", "Nom depuis l'environnement")
    text = (
        "site_name: !ENV PORTFOLIO_TEST_NAME\n"
        "markdown_extensions:\n"
        "  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "plugins:\n"
        "  - portfolio:\n"
        "      referential: c2i1-2011\n"
    )
    loaded = load_project(project({"mkdocs.yml": text}))
    assert loaded.site_name == "Nom depuis l'environnement"
    assert loaded.problems == []


def test_bom_and_crlf_in_mkdocs_yml(project):
    text = "\ufeff" + mkdocs_text(portfolio={"language": "de"}).replace("\n", "\r\n")
    found = check_problems(project({"mkdocs.yml": text}))
    assert ("schema", "mkdocs.yml", 10) in found


def test_custom_docs_dir(project):
    root = project(config={"docs_dir": "pages", "site_dir": "public"})
    loaded = load_project(root)
    assert loaded.docs_dir == (root / "pages").resolve()
    assert loaded.site_dir == root / "public"


def test_missing_docs_dir(project):
    root = project({"mkdocs.yml": mkdocs_text(config={"docs_dir": "pages"})})
    assert config_error(root) == [("config", "mkdocs.yml", 10)]


def test_inherit(project):
    base = "theme:\n  name: material\nplugins:\n  - portfolio:\n      referential: crcn-2019\n"
    root = project({"base.yml": base, "mkdocs.yml": "INHERIT: base.yml\nsite_name: Enfant\n"})
    loaded = load_project(root)
    assert loaded.site_name == "Enfant"
    assert loaded.settings.referential == "crcn-2019"


def test_display_and_resolve(project):
    root = project()
    loaded = load_project(root)
    assert loaded.display(loaded.root / "docs" / "a.md") == "docs/a.md"
    assert loaded.display(Path("/elsewhere/x")) == "/elsewhere/x"
    assert loaded.resolve("jury.yml") == loaded.root / "jury.yml"
    assert loaded.resolve("/abs/jury.yml") == Path("/abs/jury.yml")
