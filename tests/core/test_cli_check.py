"""`portfolio check` and `portfolio referentials`, through click's test runner."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from portfolio_builder.cli import main
from portfolio_builder.core.schemas import load_schema
from tests.conftest import C2I1_CODES, evidence_page

REPORT = Draft202012Validator(load_schema("report"))


def run(*args: str):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


@pytest.fixture
def nineteen(project):
    """A clean dossier covering 19 of 20 competencies: D5.3 is missing."""
    return project({"docs/a.md": evidence_page(*C2I1_CODES[:10]), "docs/b.md": evidence_page(*C2I1_CODES[10:19])})


def test_clean_dossier_exits_0_and_names_the_missing_competency(nineteen):
    result = run(str(nineteen))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Couverture C2i niveau 1 : 19 / 20 compétences" in out
    assert "D5.3 Élaborer une production dans un contexte collaboratif" in out
    assert re.search(r"D5\s+2/3\s+Travailler en réseau", out)
    assert "0 erreur, 0 avertissement, 1 compétence sans preuve (ci-dessus), 2 preuves" in out  # issue 11: counts as printed


def test_missing_competency_is_an_error_with_strict(nineteen):
    result = run("--strict", str(nineteen))
    assert result.exit_code == 1
    assert "mkdocs.yml:7:" in result.output and "erreur[missing-competency]" in result.output


def test_certification_mode_is_strict(project):
    root = project(
        {"docs/a.md": evidence_page(*C2I1_CODES[:19])},
        portfolio={"mode": "certification", "institution": "Université de Valcourt", "session": "2027-juin"},
    )
    assert run(str(root)).exit_code == 1


def test_errors_exit_1_with_file_and_line(project):
    root = project({"docs/a.md": evidence_page("D1.1", "D9.9", type="essai")})
    result = run(str(root), "--lang", "en")
    assert result.exit_code == 1
    assert "docs/a.md:3:7: error[schema] type: 'essai' is not allowed (coursework, assessment, external)" in result.output
    assert "docs/a.md:7:5: error[unknown-competency] competencies[1]: unknown competency 'D9.9'" in result.output


@pytest.mark.parametrize("setup", ["no-mkdocs", "no-plugin", "unknown-referential", "bad-yaml"])
def test_config_errors_exit_2(project, tmp_path, setup):
    if setup == "no-mkdocs":
        target = tmp_path / "vide"
        target.mkdir()
    elif setup == "no-plugin":
        target = project({"mkdocs.yml": "site_name: x\n"})
    elif setup == "unknown-referential":
        target = project(portfolio={"referential": "c2i1-2012"})
    else:
        target = project({"mkdocs.yml": "site_name: [x\n"})
    result = CliRunner().invoke(main, ["check", str(target)])
    assert result.exit_code == 2, result.output


def test_unknown_option_is_a_usage_error(nineteen):
    result = CliRunner().invoke(main, ["check", "--format", "xml", str(nineteen)])
    assert result.exit_code == 2


def test_json_report_validates(nineteen):
    result = run("--format", "json", str(nineteen))
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert not list(REPORT.iter_errors(document))
    assert document["missing"] == ["D5.3"]
    assert document["summary"]["covered"] == 19


def test_json_report_of_several_projects_is_a_list(nineteen, project):
    other = project({"docs/a.md": evidence_page("D9.9")})
    result = run("--format", "json", str(nineteen), str(other))
    assert result.exit_code == 1
    documents = json.loads(result.output)
    assert [d["summary"]["errors"] for d in documents] == [0, 1]
    for document in documents:
        assert not list(REPORT.iter_errors(document))


def test_github_annotations(project, monkeypatch):
    root = project({"docs/a.md": evidence_page(*C2I1_CODES[:19], "D9.9")})
    monkeypatch.chdir(root)
    result = run("--format", "github")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("::error file=docs/a.md,line=25,col=5,title=unknown-competency::compétence inconnue « D9.9 »")
    assert lines[1].startswith("::warning file=mkdocs.yml,line=7,col=")
    assert "title=missing-competency::D5.3" in lines[1]
    assert len(lines) == 2


def test_github_paths_are_relative_to_where_it_runs(project, tmp_path, monkeypatch):
    project({"docs/a.md": evidence_page("D9.9")}, name="eleve")
    monkeypatch.chdir(tmp_path)
    result = run("--format", "github", "eleve")
    assert "::error file=eleve/docs/a.md,line=6,col=5," in result.output


def test_default_project_is_the_current_folder(nineteen, monkeypatch):
    monkeypatch.chdir(nineteen)
    assert run().exit_code == 0


def test_human_output_in_english(project):
    root = project({"docs/a.md": evidence_page(*C2I1_CODES[:19])}, portfolio={"language": "en"})
    result = run(str(root))
    assert "Coverage C2i niveau 1: 19 / 20 competencies" in result.output
    assert "missing: D5.3" in result.output


def test_referentials_command_lists_the_counts():
    result = CliRunner().invoke(main, ["referentials"])
    assert result.exit_code == 0
    rows = {line.split()[0]: line.split()[1:3] for line in result.output.splitlines()[1:]}
    assert rows["c2i1-2011"] == ["5", "20"]
    assert rows["c2i2e-2011"] == ["7", "28"]
    assert rows["c2i2ms-2011"] == ["4", "14"]
    assert rows["crcn-2019"] == ["5", "16"]
    assert rows["digcomp-2.2"] == ["5", "21"]
    assert "c2i2-common-2011" not in rows
