"""Issue 11: what students, tutors and juries hit on a first real use.

Encodings in every command, carry-over on every page kind, reviews pinned to
what they reviewed, the cohort's failed rows and problem counts, and the
smaller wordings (end to end, in temporary folders).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from portfolio_builder.cli import main
from tests.conftest import evidence_page, git
from tests.site.conftest import build_site

pytestmark = pytest.mark.slow

LATIN1_PAGE = evidence_page("D1.2", body="# Notes\n\nCaf\xe9 cr\xe8me\n").encode("latin-1")
# Line 10 of that page ("Caf\xe9 cr\xe8me"), column 4: where UTF-8 decoding fails.
LATIN1_AT = "docs/notes.md:10:4"


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _latin1_dossier(project) -> Path:
    return project({"docs/a.md": evidence_page("D1.1"), "docs/notes.md": LATIN1_PAGE})


# -- encodings: every command names the file and goes on ------------------------------------------------


def test_check_reports_a_latin1_page_at_its_line(project):
    root = _latin1_dossier(project)
    result = cli("check", str(root))
    assert result.exit_code == 1
    assert "notes.md:10:4: erreur[encoding]" in result.output
    assert "Traceback" not in result.output


def test_build_reports_a_latin1_page_and_builds_the_rest(project, tmp_path):
    root = _latin1_dossier(project)
    built = build_site(root, tmp_path / "site")
    assert any("docs/notes.md:10:4" in m and "[encoding]" in m for m in built.messages)
    report = built.html("portfolio/report/")
    assert "encoding" in report and "notes.md" in report
    # The page is there, its undecodable bytes replaced, and the rest of the site is built.
    assert "Caf\ufffd" in built.html("notes/")
    assert "Une preuve" in built.html("a/")


def test_build_command_exits_0_with_a_latin1_page(project, tmp_path):
    root = _latin1_dossier(project)
    result = subprocess.run(
        [sys.executable, "-m", "portfolio_builder", "build", str(root), "-d", str(tmp_path / "site")],
        capture_output=True, text=True, encoding="utf-8", timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "UnicodeDecodeError" not in result.stderr
    assert "notes.md:10:4: erreur[encoding]" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def test_serve_reports_a_latin1_page_and_keeps_serving(project):
    root = _latin1_dossier(project)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "portfolio_builder", "serve", str(root), "-a", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
    )
    try:
        page = None
        for _ in range(600):  # bounds a failure only: the server answers as soon as it built
            if process.poll() is not None:
                break
            page = _get(f"http://127.0.0.1:{port}/portfolio/report/")
            if page:
                break
            time.sleep(0.1)
        assert page is not None, "portfolio serve did not serve the dossier"
        assert "notes.md" in page and "encoding" in page
        assert _get(f"http://127.0.0.1:{port}/notes/") is not None
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "Traceback" not in output and "UnicodeDecodeError" not in output
    assert "notes.md:10:4: erreur[encoding]" in output


def test_serve_reports_a_latin1_mkdocs_yml_at_its_line(project):
    root = project({"docs/a.md": evidence_page("D1.1")})
    config = root / "mkdocs.yml"
    config.write_bytes(config.read_bytes() + "site_description: caf\xe9\n".encode("latin-1"))
    result = cli("serve", str(root))
    assert result.exit_code == 2
    assert "mkdocs.yml:10:" in result.output and "[encoding]" in result.output


def test_cohort_row_names_the_latin1_file(project, tmp_path):
    root = _latin1_dossier(project)
    result = cli("cohort", str(root), "-d", str(tmp_path / "cohort"))
    assert "UnicodeDecodeError" not in result.output
    document = json.loads((tmp_path / "cohort/report.json").read_text(encoding="utf-8"))
    (row,) = document["dossiers"]
    assert row["built"] and not row["failure"]
    assert any("docs/notes.md:10:4" in p and "[encoding]" in p for p in row["problems"])
    assert "notes.md:10:4" in (tmp_path / "cohort/index.html").read_text(encoding="utf-8")


def test_verify_reports_a_latin1_page_and_still_compares(project, tmp_path):
    root = _latin1_dossier(project)
    site = tmp_path / "site"
    build_site(root, site)
    result = cli("verify", str(site), str(root))
    assert "notes.md:10:4: erreur[encoding]" in result.output
    assert result.exit_code == 0, result.output  # nothing changed since the build
    (site / "report.json").write_bytes(b"\xff\xfe not utf-8")
    result = cli("verify", str(site), str(root))
    assert result.exit_code == 1 and "report.json" in result.output


def test_review_and_jury_files_in_latin1_are_reported(project):
    root = _latin1_dossier(project)
    (root / "reviews").mkdir()
    (root / "reviews/r.yml").write_bytes("evidence: a.md\nreviewer: M. Caf\xe9\ndate: 2026-01-01\nverdicts: {D1.1: met}\n".encode("latin-1"))
    (root / "jury.yml").write_bytes("session: s\ndate: 2026-06-01\ninstitution: Universit\xe9\nmembers: [A]\ndecisions: {}\n".encode("latin-1"))
    result = cli("check", str(root))
    assert "reviews/r.yml:2:" in result.output and "jury.yml:3:" in result.output
    assert result.output.count("[encoding]") == 3


# -- carry-over everywhere ----------------------------------------------------------------------------------

CARRIED = ("D1", "D3", "D5")
ATTESTATION = (
    "referential: c2i1-2011\ncandidate: {name: Léa Moreau}\nsession: 2026-juin\n"
    "institution: Université de Valcourt\ndate: 2026-06-24\nvalidated_domains: [D1, D3, D5]\n"
    "decision: not_certified\n"
)
OPEN_CODES = ("D2.1", "D2.2", "D2.3", "D2.4", "D4.1", "D4.2", "D4.3", "D4.4")


def _carried_dossier(project, mode: str, jury: bool = True, language: str = "fr") -> Path:
    files = {
        "docs/d2.md": evidence_page(*OPEN_CODES[:4], title="Responsabilité"),
        "docs/d4.md": evidence_page(*OPEN_CODES[4:], title="Recherche"),
        "attestations/2026-juin.yml": ATTESTATION,
    }
    if jury:
        files["jury.yml"] = (
            "session: 2027-janvier\ndate: 2027-01-20\ninstitution: Université de Valcourt\nmembers: [Pr. Anne Delmas]\n"
            "decisions:\n" + "".join(f"  {c}: validated\n" for c in OPEN_CODES)
            + "qcm:\n  D2: {passed: true, score: 64}\n  D4: {passed: true, score: 70}\n"
        )
    return project(
        files,
        portfolio={
            "mode": mode,
            "institution": "Université de Valcourt",
            "session": "2027-janvier",
            "language": language,
            "previous_attestations": ["attestations/2026-juin.yml"],
        },
    )


@pytest.mark.parametrize("mode", ["training", "certification"])
def test_carried_over_domains_count_as_covered_in_check(project, mode):
    root = _carried_dossier(project, mode)
    result = cli("check", str(root))
    assert result.exit_code == 0, result.output  # no missing-competency error, even in certification mode
    assert "missing-competency" not in result.output and "manque" not in result.output
    assert "Couverture C2i niveau 1 : 20 / 20" in result.output
    assert "reporté de la session 2026-juin (attestation du 2026-06-24)" in result.output
    report = json.loads(cli("check", str(root), "--format", "json").output)
    assert report["summary"]["covered"] == 20 and report["missing"] == []
    assert report["outcome"]["decision"] == "certified"
    d1 = next(d for d in report["domains"] if d["code"] == "D1")
    assert d1["covered"] == d1["total"] == 4 and d1["carried_over"]["session"] == "2026-juin"
    d11 = next(c for c in report["competencies"] if c["code"] == "D1.1")
    assert d11["covered"] and d11["evidence"] == [] and d11["carried_over"]["date"] == "2026-06-24"


@pytest.mark.parametrize("mode", ["training", "certification"])
def test_carried_over_on_every_page_kind(project, tmp_path, mode):
    root = _carried_dossier(project, mode)
    built = build_site(root, tmp_path / "site", allow_dirty=True)
    home = built.html("")
    assert "20 / 20" in home and "pb-missing-line" not in home and "Certifié" in home
    report = built.html("portfolio/report/")
    assert "pb-summary__line--missing" not in report and "manque" not in report
    assert "validée en session 2026-juin, attestation du 24 juin 2026" in report
    competency = built.html("portfolio/competencies/d1-2/")
    assert "validée en session 2026-juin, attestation du 24 juin 2026" in competency
    assert "non statuée" not in competency and "Aucune preuve" not in competency
    overview = built.html("portfolio/competencies/")
    assert "reportée" in overview and "manquante" not in overview
    # The dashboard reads the same report: no « manque » beside « Certifié ».
    result = cli("cohort", str(root), "-d", str(tmp_path / "cohort"), "--allow-dirty")
    document = json.loads((tmp_path / "cohort/report.json").read_text(encoding="utf-8"))
    (row,) = document["dossiers"]
    assert row["missing"] == 0 and row["missing_codes"] == [] and row["outcome"] == "certified", result.output
    assert all(d["level"] == "full" for d in row["domains"])


def test_carried_over_before_the_jury_and_in_english(project, tmp_path):
    root = _carried_dossier(project, "training", jury=False, language="en")
    built = build_site(root, tmp_path / "site")
    competency = built.html("portfolio/competencies/d5-1/")
    assert "validated in session 2026-juin, attestation of 24 June 2026" in competency
    assert "missing" not in built.html("").lower().split("pb-home")[1].split("</section>")[0]


# -- cohorts: --allow-dirty, rows that failed, errors and warnings -----------------------------------------


def _certification_zip(project, name: str) -> Path:
    """A certification dossier as a tutor downloads it: no .git."""
    return project(
        {"docs/a.md": evidence_page("D1.1"), "docs/b.md": evidence_page("D1.1", "D9.9")},
        portfolio={"mode": "certification", "institution": "Université de Valcourt", "session": "2027-juin",
                   "candidate": {"name": name}},
        name=name,
    )


def test_cohort_allow_dirty_builds_certification_dossiers_without_git(project, tmp_path):
    root = _certification_zip(project, "ines")
    refused = cli("cohort", str(root), "-d", str(tmp_path / "refused"))
    assert refused.exit_code == 1 and "dirty-tree" in refused.output
    row = json.loads((tmp_path / "refused/report.json").read_text(encoding="utf-8"))["dossiers"][0]
    # A row that failed to build shows « non construit », never a jury decision.
    assert not row["built"] and row["outcome"] == "not_built" and row["outcome_label"] == "non construit"
    html = (tmp_path / "refused/index.html").read_text(encoding="utf-8")
    assert "non construit" in html and 'data-outcome="not_built"' in html
    assert "cb-outcome--pending" not in html

    allowed = cli("cohort", str(root), "-d", str(tmp_path / "allowed"), "--allow-dirty")
    row = json.loads((tmp_path / "allowed/report.json").read_text(encoding="utf-8"))["dossiers"][0]
    assert row["built"] and row["outcome"] == "pending", allowed.output


def test_cohort_problems_column_counts_errors_and_warnings(project, tmp_path):
    warned = project(
        {"docs/a.md": evidence_page("D1.1", "D1.1")},  # a duplicate-competency warning, no error
        portfolio={"candidate": {"name": "Ana Avertie"}}, name="warned",
    )
    clean = project(
        {f"docs/{code}.md": evidence_page(code) for code in
         "D1.1 D1.2 D1.3 D1.4 D2.1 D2.2 D2.3 D2.4 D3.1 D3.2 D3.3 D3.4 D3.5 D4.1 D4.2 D4.3 D4.4 D5.1 D5.2 D5.3".split()},
        portfolio={"candidate": {"name": "Bob Propre"}}, name="clean",
    )
    cli("cohort", str(warned), str(clean), "-d", str(tmp_path / "cohort"))
    rows = {r["name"]: r for r in json.loads((tmp_path / "cohort/report.json").read_text(encoding="utf-8"))["dossiers"]}
    assert rows["Ana Avertie"]["errors"] == 0 and rows["Ana Avertie"]["warnings"] >= 1
    assert any("[duplicate-competency]" in p for p in rows["Ana Avertie"]["warning_problems"])
    assert rows["Bob Propre"]["warnings"] == 0
    html = (tmp_path / "cohort/index.html").read_text(encoding="utf-8")

    def row_of(name: str) -> str:
        at = html.index(f'data-value="{name}"')
        return html[html.rindex("<tr", 0, at) : html.index("</tr>", at)]

    ana, bob = row_of("Ana Avertie"), row_of("Bob Propre")
    # The « only dossiers with problems » filter keeps a dossier that has warnings only.
    assert 'data-problems="1"' in ana and "0 erreur</p>" in ana and "avertissement" in ana
    assert 'data-problems="0"' in bob and "0 erreur</p>" in bob and "0 avertissement</p>" in bob
