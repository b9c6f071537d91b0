"""The cohort per competency (issue 13, section 7): what the whole group lacks."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from portfolio_builder.cohort import dashboard
from portfolio_builder.core import report as report_mod
from portfolio_builder.core.check import Options, check_project
from portfolio_builder.core.project import load_project
from tests.conftest import evidence_page

ROOT = Path(__file__).resolve().parents[2]


def _report(root: Path) -> dict:
    return report_mod.build(check_project(load_project(root), Options()))


def _rows(project) -> list[dashboard.Row]:
    a = project({"docs/a.md": evidence_page("D1.1", "D1.2")}, portfolio={"candidate": {"name": "=HYPERLINK(\"http://x\")"}}, name="a")
    b = project({"docs/b.md": evidence_page("D1.1")}, name="b")
    return [dashboard.Row(slug=p.name, source=p.name, report=json.loads(json.dumps(_report(p)))) for p in (a, b)]


def test_the_dashboard_counts_per_competency_and_writes_one_row_per_candidate_and_competency(project, tmp_path):
    rows = _rows(project)
    site = tmp_path / "cohort"
    dashboard.write(site, dashboard.Cohort(title="T"), rows)
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "Par compétence" in html and 'href="report-competencies.csv"' in html
    full = {"dossiers": [dashboard.row_data(r, "fr") for r in rows]}
    stats = {s["code"]: s for s in dashboard.competency_stats(full)}
    assert len(stats) == 20
    assert (stats["D1.1"]["covered_by"], stats["D1.1"]["candidates"], stats["D1.1"]["lacking"]) == (2, 2, 0)
    assert (stats["D1.2"]["covered_by"], stats["D1.2"]["lacking"]) == (1, 1)
    assert stats["D5.3"]["covered_by"] == 0 and stats["D5.3"]["lacking"] == 2
    assert all(s["validated_for"] == 0 for s in stats.values())  # no jury sat
    text = (site / "report-competencies.csv").read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert table[0][:3] == ["candidat", "n° étudiant", "établissement"] and len(table) == 1 + 2 * 20
    assert {r[6] for r in table[1:]} == set(stats)
    # A candidate's name is a formula nowhere: the writer neutralises every cell.
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in table[1:] for cell in r), [r[0] for r in table[1:3]]
    assert table[1][0].startswith("'=")
    # The cohort's report.json keeps its format (the per-competency data is the dashboard's).
    document = json.loads((site / "report.json").read_text(encoding="utf-8"))
    assert "competencies" not in document["dossiers"][0]


def test_validated_counts_come_from_the_jury(tmp_path):
    site = tmp_path / "cohort"
    result = subprocess.run(
        [sys.executable, "-m", "portfolio_builder", "cohort", "--config", str(ROOT / "sample_dnc" / "cohorte" / "cohort.yml"),
         "-d", str(site), "--allow-dirty"], capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert result.returncode in (0, 1), result.stderr
    table = list(csv.reader(io.StringIO((site / "report-competencies.csv").read_text(encoding="utf-8").lstrip("\ufeff")), delimiter=";"))
    decisions = {r[11] for r in table[1:]}
    assert "validée" in decisions
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "Validée pour" in html


pytestmark = pytest.mark.slow
