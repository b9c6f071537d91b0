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
