"""Cohorts: many dossiers, each untrusted, built with the cohort's trusted configuration."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from portfolio_builder.cli import main
from tests.conftest import evidence_page

pytestmark = pytest.mark.slow


def cohort(*args: str):
    return CliRunner().invoke(main, ["cohort", *args], catch_exceptions=False)


EVIL_HOOK = """
from pathlib import Path
Path({marker!r}).write_text("the hook ran")
"""

EVIL_PAGE = """---
title: Ma preuve
type: coursework
date: 2026-03-01
competencies: [D1.1]
---
# Ma preuve

<script>document.querySelectorAll('.pb-outcome').forEach(e => e.textContent = 'Certifié');</script>
<img src="photo.png" onerror="document.body.innerHTML='validée'" alt="photo">
"""


@pytest.fixture
def malicious(tmp_path, project) -> tuple[Path, Path]:
    marker = tmp_path / "hook-ran.txt"
    root = project(
        {
            "docs/preuve.md": EVIL_PAGE,
            "docs/photo.png": b"\x89PNG\r\n\x1a\n",
            "docs/evil.js": "document.title = 'pwned';",
            "docs/evil.css": "body { display: none }",
            "evil_hook.py": EVIL_HOOK.format(marker=str(marker)),
            "overrides/main.html": "{% extends 'base.html' %}{% block content %}OVERRIDE-MARKER{% endblock %}",
        },
        config={
            "hooks": ["evil_hook.py"],
            "extra_javascript": ["evil.js"],
            "extra_css": ["evil.css"],
            "site_url": "https://evil.example/",
            "markdown_extensions": ["tables", {"pymdownx.superfences": {"custom_fences": [{"name": "x", "class": "x", "format": "!!python/name:os.system"}]}}, "markdown.extensions.meta"],
        },
        portfolio={"candidate": {"name": "Mallory Martin", "student_id": "666"}},
        name="mallory",
    )
    (root / "mkdocs.yml").write_text(
        (root / "mkdocs.yml").read_text(encoding="utf-8").replace("theme:\n  name: material\n", "theme:\n  name: material\n  custom_dir: overrides\n"),
        encoding="utf-8",
    )
    os.symlink("/etc", root / "docs/etc")
    os.symlink("/etc/hostname", root / "docs/hostname.txt")
    return root, marker


def test_a_malicious_dossier_cannot_run_code_or_rewrite_the_report(malicious, tmp_path):
    root, marker = malicious
    site = tmp_path / "cohort-site"
    result = cohort(str(root), "-d", str(site))
    assert not marker.exists(), "the dossier's hook ran"
    out = site / "mallory-martin"
    assert (out / "portfolio/report/index.html").is_file(), result.output
    everything = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*.html"))
    assert "querySelectorAll('.pb-outcome')" not in everything
    assert "onerror" not in everything
    assert "evil.js" not in everything and "evil.css" not in everything
    assert "OVERRIDE-MARKER" not in everything
    assert "evil.example" not in everything
    # The symlinks to /etc are refused, and reported.
    assert not (out / "etc").exists() and not (out / "hostname.txt").exists()
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert sum(1 for p in report["problems"] if p["code"] == "symlink-outside") == 2
    # Every page forbids inline script.
    for page in out.rglob("*.html"):
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page.read_text(encoding="utf-8"))
        assert policy and "'unsafe-inline'" not in next(d for d in policy.group(1).split("; ") if d.startswith("script-src"))


def test_one_failing_dossier_does_not_stop_the_others(project, tmp_path):
    good = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": {"name": "Ana Bo"}}, name="good")
    bad = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"referential": "nope-2099"}, name="bad")
    site = tmp_path / "out"
    result = cohort(str(good), str(bad), "-d", str(site))
    assert result.exit_code == 1
    assert (site / "ana-bo/portfolio/report/index.html").is_file()
    dashboard = (site / "index.html").read_text(encoding="utf-8")
    assert "Ana Bo" in dashboard and "construction impossible" in dashboard
    document = json.loads((site / "report.json").read_text(encoding="utf-8"))
    rows = {row["slug"]: row for row in document["dossiers"]}
    failed = rows["lea-moreau"]  # the default candidate of the test fixture
    assert rows["ana-bo"]["built"] and not failed["built"]
    assert any("nope-2099" in p for p in failed["problems"])


def test_duplicate_registration_and_duplicate_slugs(project, tmp_path):
    same = {"name": "Léa Moreau", "student_id": "21904512"}
    a = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": same, "institution": "Université A", "session": "2027-juin"})
    b = project({"docs/a.md": evidence_page("D1.2")}, portfolio={"candidate": same, "institution": "Université B", "session": "2027-juin"})
    site = tmp_path / "out"
    result = cohort(str(a), str(b), "-d", str(site))
    assert result.exit_code == 1
    assert (site / "lea-moreau").is_dir() and (site / "lea-moreau-2").is_dir()
    document = json.loads((site / "report.json").read_text(encoding="utf-8"))
    for row in document["dossiers"]:
        assert "erreur[duplicate-registration] inscription en double" in row["cohort_problems"][0]
        assert "21904512" in row["cohort_problems"][0] and "Université A, Université B" in row["cohort_problems"][0]


def test_dashboard_columns_csv_and_no_inline_script(project, tmp_path):
    a = project({"docs/a.md": evidence_page("D1.1", "D1.2")}, portfolio={"candidate": {"name": "Zoé Abel"}})
    site = tmp_path / "out"
    assert cohort(str(a), "-d", str(site), "--title", "L2 — groupe 3").exit_code == 0
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "L2 — groupe 3" in html and 'href="zoe-abel/portfolio/report/index.html"' in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert (site / "assets/cohort/cohort.js").is_file()
    assert 'class="cb-cell cb-cell--partial"' in html and "D1</span> <span class=\"cb-cell__value\">2/4" in html
    raw = (site / "report.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]


def test_cohort_yml(project, tmp_path):
    project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": {"name": "Un"}}, name="dossiers/un")
    project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": {"name": "Deux"}}, name="dossiers/deux")
    config = tmp_path / "cohort.yml"
    config.write_text("title: Groupe TD 4\ninstitution: Université de Valcourt\nsession: 2027-juin\ndossiers:\n  - dossiers/*\n", encoding="utf-8")
    site = tmp_path / "out"
    result = cohort("--config", str(config), "-d", str(site))
    assert result.exit_code == 0, result.output
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "Groupe TD 4" in html and "Université de Valcourt" in html
    assert (site / "un").is_dir() and (site / "deux").is_dir()


def test_dashboard_from_published_reports_only(project, tmp_path):
    first = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": {"name": "Ana Bo"}})
    second = project({"docs/a.md": evidence_page("D1.2")}, portfolio={"candidate": {"name": "Ben Ci"}})
    published = tmp_path / "published"
    assert cohort(str(first), str(second), "-d", str(published)).exit_code == 0
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk/report.json").write_text('{"not": "a report"}', encoding="utf-8")
    dash = tmp_path / "dash"
    result = cohort("--reports", str(published / "ana-bo"), str(published / "ben-ci/report.json"),
                    str(tmp_path / "junk"), "-d", str(dash))
    assert result.exit_code == 1  # the junk report is flagged
    html = (dash / "index.html").read_text(encoding="utf-8")
    assert "Ana Bo" in html and "Ben Ci" in html
    assert '../published/ana-bo/portfolio/report/index.html' in html
    document = json.loads((dash / "report.json").read_text(encoding="utf-8"))
    assert [row["built"] for row in document["dossiers"]] == [True, True, False]
    assert not any(p.name.endswith(".html") for p in dash.glob("ana-bo*"))  # nothing was rebuilt


def test_report_data_is_escaped_in_the_dashboard(project, tmp_path):
    a = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": {"name": "<script>alert(1)</script>"}})
    site = tmp_path / "out"
    cohort(str(a), "-d", str(site))
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_a_dossier_cannot_borrow_files_outside_its_folder(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "jury.yml").write_text(
        "session: s\ndate: 2026-06-01\ninstitution: U\nmembers: [A]\ndecisions: {D1.1: validated}\n", encoding="utf-8"
    )
    root = project(
        {"docs/a.md": evidence_page("D1.1")},
        portfolio={"candidate": {"name": "Eve Outside"}, "jury": str(elsewhere / "jury.yml"), "reviews_dir": "../elsewhere"},
        config={"INHERIT": "../elsewhere/parent.yml"},
    )
    site = tmp_path / "out"
    cohort(str(root), "-d", str(site))
    report = json.loads((site / "eve-outside/report.json").read_text(encoding="utf-8"))
    assert report["outcome"]["jury"] is None
    outside = [p for p in report["problems"] if p["code"] == "path-outside"]
    assert {p["field"] for p in outside} == {"jury", "reviews_dir"}


def test_a_dossier_cannot_read_our_environment_or_folders_outside(project, tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_SECRET", "s3cr3t-value")
    secret = tmp_path / "private"
    secret.mkdir()
    (secret / "notes.md").write_text(evidence_page("D1.1", title="Notes du tuteur"), encoding="utf-8")
    env = project({"docs/a.md": evidence_page("D1.1")}, name="env")
    (env / "mkdocs.yml").write_text(
        (env / "mkdocs.yml").read_text(encoding="utf-8").replace("name: Léa Moreau", "name: !ENV TUTOR_SECRET"),
        encoding="utf-8",
    )
    outside = project({"docs/a.md": evidence_page("D1.1")}, config={"docs_dir": str(secret)}, portfolio={"candidate": {"name": "Out Side"}}, name="out")
    site = tmp_path / "site"
    cohort(str(env), str(outside), "-d", str(site))
    everything = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*") if p.is_file() and p.suffix in (".html", ".json", ".csv"))
    assert "s3cr3t-value" not in everything
    assert "Notes du tuteur" not in everything
    document = json.loads((site / "report.json").read_text(encoding="utf-8"))
    refused = next(row for row in document["dossiers"] if row["source"].endswith("out"))
    assert not refused["built"] and any("path-outside" in p for p in refused["problems"])


def test_dossier_text_cannot_inject_markup_into_the_site(project, tmp_path):
    root = project(
        {
            "docs/a.md": evidence_page("D1.1", title="'<script>document.title=1</script>'"),
            "docs/<img src=x onerror=alert(2)>/b.md": evidence_page("D1.2", body="# <b onmouseover=alert(3)>titre</b>\n"),
        },
        config={"site_name": "<script>document.querySelector('.pb-outcome').textContent='Certifié'</script>"},
        portfolio={"candidate": {"name": "Inj Ection"}},
    )
    site = tmp_path / "site"
    cohort(str(root), "-d", str(site))
    for page in (site / "inj-ection").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>document" not in html, page
        assert "<img src=x" not in html and "onmouseover" not in html, page


def test_the_cohort_keeps_the_juries_and_the_referential(project, tmp_path):
    decisions = "".join(f"  {c}: validated\n" for c in ("D1.1",))
    fake = "session: s\ndate: 2026-06-01\ninstitution: U\nmembers: [Moi]\ndecisions:\n" + decisions
    root = project(
        {"docs/a.md": evidence_page("D1.1"), "jury.yml": fake, "my-ref.yml": "id: c2i1-2011\n"},
        portfolio={"candidate": {"name": "Ana Bo", "student_id": "42"}, "referential": "my-ref.yml"},
    )
    juries = tmp_path / "juries"
    juries.mkdir()
    (juries / "42.yml").write_text(
        "session: 2027-juin\ndate: 2027-06-20\ninstitution: U\nmembers: [Pr. Vraie]\ndecisions:\n  D1.1: not_validated\n",
        encoding="utf-8",
    )
    site = tmp_path / "site"
    cohort(str(root), "-d", str(site), "--juries", str(juries), "--referential", "c2i1-2011")
    report = json.loads((site / "ana-bo/report.json").read_text(encoding="utf-8"))
    assert report["referential"]["id"] == "c2i1-2011"
    assert report["outcome"]["jury"]["members"] == ["Pr. Vraie"]
    assert "D1.1 non validée" in report["outcome"]["reasons"]


def test_git_config_of_a_dossier_never_runs(project, tmp_path):
    from tests.conftest import git

    marker = tmp_path / "fsmonitor-ran"
    root = project({"docs/a.md": evidence_page("D1.1"), "reviews/r.yml": "evidence: a.md\nreviewer: X\ndate: 2026-01-01\nverdicts: {D1.1: met}\n"})
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "x")
    with open(root / ".git/config", "a", encoding="utf-8") as config:
        config.write(f'[core]\n\tfsmonitor = "touch {marker}; false"\n')
    cohort(str(root), "-d", str(tmp_path / "site"))
    assert not marker.exists()


def test_slugs_never_collide_or_take_reserved_names(project, tmp_path):
    names = ["Jean", "Jean", "Jean 2", "Assets"]
    folders = [str(project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": {"name": n}})) for n in names]
    site = tmp_path / "site"
    assert cohort(*folders, "-d", str(site)).exit_code == 0
    document = json.loads((site / "report.json").read_text(encoding="utf-8"))
    slugs = [row["slug"] for row in document["dossiers"]]
    assert len(set(slugs)) == 4 and "assets" not in slugs
    assert (site / "assets/cohort/cohort.js").is_file()


def test_homonyms_never_get_a_jury_file_by_name(project, tmp_path):
    same = {"candidate": {"name": "Camille Dubois"}}
    first = project({"docs/a.md": evidence_page("D1.1")}, portfolio=same)
    second = project({"docs/a.md": evidence_page("D1.2")}, portfolio=same)
    juries = tmp_path / "juries"
    juries.mkdir()
    (juries / "camille-dubois.yml").write_text(
        "session: s\ndate: 2027-06-20\ninstitution: U\nmembers: [Pr. X]\ndecisions:\n  D1.1: not_validated\n",
        encoding="utf-8",
    )
    site = tmp_path / "site"
    cohort(str(first), str(second), "-d", str(site), "--juries", str(juries))
    for slug in ("camille-dubois", "camille-dubois-2"):
        report = json.loads((site / slug / "report.json").read_text(encoding="utf-8"))
        assert report["outcome"]["jury"] is None, slug


def test_the_cohort_sets_the_qcm_for_its_session_and_shows_levels(project, tmp_path):
    """cohort.yml `qcm_required` wins over a dossier's jury file; CRCN rows show their levels."""
    mi_codes = [f"D{d}.{i}" for d, n in ((1, 3), (2, 3), (3, 3), (4, 5), (5, 5)) for i in range(1, n + 1)]
    decisions = "".join(f"  {c}: validated\n" for c in mi_codes)
    jury = "session: 2027-juin\ndate: 2027-06-20\ninstitution: U\nmembers: [Pr. A]\ndecisions:\n" + decisions + "qcm_required: true\n"
    project(
        {"docs/a.md": evidence_page(*mi_codes)},
        portfolio={"candidate": {"name": "Ingé Nieur", "student_id": "77"}, "referential": "c2i2mi-2011", "institution": "U", "session": "2027-juin"},
        name="dossiers/mi",
    )
    # The jury's own file, on the cohort's side (a dossier's jury.yml never counts in a cohort).
    (tmp_path / "juries").mkdir()
    (tmp_path / "juries" / "77.yml").write_text(jury, encoding="utf-8")
    crcn_page = '---\ntitle: T\ntype: coursework\ndate: 2027-03-01\ncompetencies:\n  - code: "1.1"\n    level: 5\n---\n# T\n'
    project({"docs/a.md": crcn_page}, portfolio={"candidate": {"name": "Cé Ercéenne"}, "referential": "crcn-2019"}, name="dossiers/crcn")
    config = tmp_path / "cohort.yml"
    config.write_text("session: 2027-juin\ndossiers:\n  - dossiers/*\njuries: juries\nqcm_required: false\n", encoding="utf-8")
    site = tmp_path / "out"
    result = cohort("--config", str(config), "-d", str(site))
    report = json.loads((site / "inge-nieur/report.json").read_text(encoding="utf-8"))
    assert report["outcome"]["decision"] == "certified", result.output
    assert report["domains"][0]["qcm_required"] == {"required": False, "by": "cohort", "file": "cohort.yml", "certainty": None}
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "niv. 5" in html
    csv = (site / "report.csv").read_text(encoding="utf-8-sig").splitlines()
    assert csv[0].endswith(";niveaux") and any(line.endswith(";1.1:5") for line in csv[1:])


def test_a_cohort_qcm_setting_for_an_unknown_domain_is_reported(project, tmp_path):
    project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": {"name": "Un"}}, name="dossiers/un")
    config = tmp_path / "cohort.yml"
    config.write_text("dossiers:\n  - dossiers/*\nqcm_required:\n  D1: false\n  D9: true\n", encoding="utf-8")
    site = tmp_path / "out"
    cohort("--config", str(config), "-d", str(site))
    report = json.loads((site / "un/report.json").read_text(encoding="utf-8"))
    problem = next(p for p in report["problems"] if p["code"] == "unknown-domain")
    assert (problem["file"], problem["line"]) == ("cohort.yml", 5)
    assert report["domains"][0]["qcm_required"]["by"] == "cohort"
