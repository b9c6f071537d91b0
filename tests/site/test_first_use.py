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


@pytest.fixture(scope="module")
def issuer(tmp_path_factory):
    """The institution's keys: (private KeyFile, public key file, public KeyFile)."""
    from portfolio_builder.core import credentials

    folder = tmp_path_factory.mktemp("keys")
    credentials.new_keys(folder, "valcourt", credentials.Issuer("https://univ-valcourt.example.fr", "Université de Valcourt"))
    public = folder / "valcourt.public.jwk"
    return credentials.load_key(folder / "valcourt.private.jwk", private=True), public, credentials.load_key(public, private=False)


def signed_attestation(issuer, language: str = "fr", session: str = "2026-juin") -> str:
    """The 2026-juin attestation of D1, D3 and D5, signed by the institution (Open Badges 3.0)."""
    from portfolio_builder.core import credentials
    from portfolio_builder.core.referential import load_shipped

    referential = load_shipped("c2i1-2011")
    document = {
        "candidate": {"name": "Léa Moreau", "student_id": "21904512"},
        "session": session,
        "date": "2026-06-24",
        "decision": "not_certified",
        "validated_domains": list(CARRIED),
        "validated_competencies": [c for d in CARRIED for c in referential.domain_index[d].codes],
        "jury": ["Pr. Anne Delmas"],
    }
    texts = {k: k for k in ("name", "description", "achievement_description", "criteria", "outcome_name", "jury")}
    credential = credentials.attestation_credential(document, referential, issuer[0].issuer, texts)
    return credentials.sign_credential(credential, issuer[0])


def _carried_dossier(project, mode: str, jury: bool = True, language: str = "fr", issuer=None) -> Path:
    files = {
        "docs/d2.md": evidence_page(*OPEN_CODES[:4], title="Responsabilité"),
        "docs/d4.md": evidence_page(*OPEN_CODES[4:], title="Recherche"),
        # Certification mode believes only an attestation the institution signed.
        "attestations/2026-juin.yml": signed_attestation(issuer) if issuer else ATTESTATION,
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
            "candidate": {"name": "Léa Moreau", "student_id": "21904512"},
            "institution": "Université de Valcourt",
            "session": "2027-janvier",
            "language": language,
            "previous_attestations": ["attestations/2026-juin.yml"],
        },
    )


@pytest.mark.parametrize("mode", ["training", "certification"])
def test_carried_over_domains_count_as_covered_in_check(project, mode, issuer):
    root = _carried_dossier(project, mode, issuer=issuer)
    result = cli("check", str(root), "--issuer", str(issuer[1]))
    assert result.exit_code == 0, result.output  # no missing-competency error, even in certification mode
    assert "missing-competency" not in result.output and "manque" not in result.output
    assert "Couverture C2i niveau 1 : 20 / 20" in result.output
    assert "reporté de la session 2026-juin (attestation du 2026-06-24)" in result.output
    report = json.loads(cli("check", str(root), "--format", "json", "--issuer", str(issuer[1])).output)
    assert report["summary"]["covered"] == 20 and report["missing"] == []
    assert report["outcome"]["decision"] == "certified"
    d1 = next(d for d in report["domains"] if d["code"] == "D1")
    assert d1["covered"] == d1["total"] == 4 and d1["carried_over"]["session"] == "2026-juin"
    d11 = next(c for c in report["competencies"] if c["code"] == "D1.1")
    assert d11["covered"] and d11["evidence"] == [] and d11["carried_over"]["date"] == "2026-06-24"


@pytest.mark.parametrize("mode", ["training", "certification"])
def test_carried_over_on_every_page_kind(project, tmp_path, mode, issuer):
    root = _carried_dossier(project, mode, issuer=issuer)
    built = build_site(root, tmp_path / "site", allow_dirty=True, issuers=(issuer[2],))
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
    csv_rows = (built.site / "report.csv").read_text(encoding="utf-8-sig").splitlines()
    d11 = next(r for r in csv_rows if ";D1.1;" in r)
    assert ";reportée;" in d11 and d11.endswith(";validée")
    # The dashboard reads the same report: no « manque » beside « Certifié ».
    # In a cohort the jury's file is on the jury's side, and the institution's key is trusted.
    juries = tmp_path / "juries"
    juries.mkdir()
    (juries / "21904512.yml").write_bytes((root / "jury.yml").read_bytes())
    result = cli("cohort", str(root), "-d", str(tmp_path / "cohort"), "--allow-dirty", "--juries", str(juries), "--issuer", str(issuer[1]))
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


# -- reviews pin what they reviewed -----------------------------------------------------------------------

PAGE_V1 = evidence_page("D1.1", "D1.2", body="# Une preuve\n\nPremière version.\n")
PAGE_V2 = evidence_page("D1.1", "D1.2", body="# Une preuve\n\nPremière version.\n\nUn paragraphe ajouté après la revue.\n")


def _git_dossier(project) -> Path:
    root = project({"docs/p.md": PAGE_V1, "docs/q.md": evidence_page("D2.1")})
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "dépôt", date="2026-03-02T09:00:00+00:00")
    return root


def _review_file(root: Path) -> Path:
    (found,) = sorted((root / "reviews").glob("*.yml"))
    return found


def test_review_command_pins_commit_and_content(project):
    import yaml

    root = _git_dossier(project)
    result = cli("review", str(root / "docs/p.md"), "--reviewer", "M. Hugo Lambert",
                 "--verdict", "D1.1=met", "--verdict", "D1.2=partially_met", "--comment", "Bien.")
    assert result.exit_code == 0, result.output
    written = yaml.safe_load(_review_file(root).read_text(encoding="utf-8"))
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert written["commit"] == head and len(written["sha256"]) == 64
    assert written["verdicts"] == {"D1.1": "met", "D1.2": "partially_met"} and written["evidence"] == "p.md"
    assert written["reviewer"] == "M. Hugo Lambert" and written["comment"] == "Bien."
    dossier = cli("check", str(root), "--format", "json")
    report = json.loads(dossier.output)
    assert not report["evidence"][0]["review"]["outdated"]

    # Committed later the same day, without changing the page: content decides, not dates.
    (root / "docs/q.md").write_text(evidence_page("D2.1", "D2.2"), encoding="utf-8")
    git(root, "commit", "-q", "-am", "autre page")
    os.utime(root / "docs/p.md")  # touched now, content unchanged
    report = json.loads(cli("check", str(root), "--format", "json").output)
    assert not report["evidence"][0]["review"]["outdated"]
    assert "review-outdated" not in {p["code"] for p in report["problems"]}


def test_changed_since_the_review_shows_the_diff(project, tmp_path):
    root = _git_dossier(project)
    assert cli("review", "p.md", "-p", str(root), "--reviewer", "Mme Fontaine", "--verdict", "D1.1=met").exit_code == 0
    (root / "docs/p.md").write_text(PAGE_V2, encoding="utf-8")
    git(root, "commit", "-q", "-am", "ajout")
    result = cli("check", str(root))
    assert "[review-outdated]" in result.output
    built = build_site(root, tmp_path / "site")
    page = built.html("p/")
    assert "Modifications depuis la revue" in page
    assert "<ins>+Un paragraphe ajouté après la revue.</ins>" in page
    assert "modifiée depuis la revue" in page


def test_uncommitted_page_is_pinned_by_content_only(project, tmp_path):
    import yaml

    root = project({"docs/p.md": PAGE_V1})  # no git at all: a downloaded copy
    result = cli("review", str(root / "docs/p.md"), "--reviewer", "M. X", "--verdict", "D1.1=met")
    assert result.exit_code == 0 and "sha256" in result.output
    written = yaml.safe_load(_review_file(root).read_text(encoding="utf-8"))
    assert "commit" not in written and len(written["sha256"]) == 64
    assert "review-outdated" not in cli("check", str(root)).output
    (root / "docs/p.md").write_text(PAGE_V2, encoding="utf-8")
    assert "[review-outdated]" in cli("check", str(root)).output
    # Changing the page back to what was reviewed clears the flag: content, not dates.
    (root / "docs/p.md").write_text(PAGE_V1.replace("\n", "\r\n"), encoding="utf-8")
    assert "review-outdated" not in cli("check", str(root)).output


def test_review_command_refuses_unknown_pages_codes_and_verdicts(project):
    root = _git_dossier(project)
    assert cli("review", "absent.md", "-p", str(root), "--reviewer", "X", "--verdict", "D1.1=met").exit_code == 2
    bad_code = cli("review", "p.md", "-p", str(root), "--reviewer", "X", "--verdict", "D1.9=met")
    assert bad_code.exit_code == 2 and "D1.9" in bad_code.output
    bad_verdict = cli("review", "p.md", "-p", str(root), "--reviewer", "X", "--verdict", "D1.1=bien")
    assert bad_verdict.exit_code == 2 and "met, partially_met, not_met" in bad_verdict.output
    assert not (root / "reviews").exists() or not list((root / "reviews").glob("*.yml"))
    # Two reviews the same minute never overwrite each other.
    for _ in range(2):
        assert cli("review", "p.md", "-p", str(root), "--reviewer", "X", "--verdict", "D1.1=met").exit_code == 0
    assert len(list((root / "reviews").glob("*.yml"))) == 2


def test_date_only_review_without_commit_still_works(project):
    root = project({
        "docs/p.md": PAGE_V1,
        "reviews/r.yml": "evidence: p.md\nreviewer: M. X\ndate: 2026-03-02\nverdicts: {D1.1: met}\n",
    })
    from tests.conftest import set_mtime

    set_mtime(root / "docs/p.md", "2026-03-01T18:00:00")
    assert "review-outdated" not in cli("check", str(root)).output
    set_mtime(root / "docs/p.md", "2026-03-02T08:00:00")  # the same day: it counts
    assert "[review-outdated]" in cli("check", str(root)).output


def test_a_hostile_repository_runs_nothing_when_reviews_are_compared(project, tmp_path):
    """A dossier's own .git/config and .gitattributes (fsmonitor, filters, textconv, pager)
    never run a program, neither when the review is written nor when it is compared."""
    root = _git_dossier(project)
    marker = tmp_path / "pwned"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\ncat\n", encoding="utf-8")
    script.chmod(0o755)
    (root / ".gitattributes").write_text("*.md diff=evil filter=evil\n", encoding="utf-8")
    with (root / ".git/config").open("a", encoding="utf-8") as config:
        config.write(
            f"[core]\n\tfsmonitor = {script}\n\tpager = {script}\n"
            f"[filter \"evil\"]\n\tclean = {script}\n\tsmudge = {script}\n"
            f"[diff \"evil\"]\n\ttextconv = {script}\n\tcommand = {script}\n"
        )
    assert cli("review", "p.md", "-p", str(root), "--reviewer", "X", "--verdict", "D1.1=met").exit_code == 0
    (root / "docs/p.md").write_text(PAGE_V2, encoding="utf-8")
    assert "[review-outdated]" in cli("check", str(root)).output
    assert not marker.exists()


def test_a_review_commit_is_never_taken_as_a_git_option(project):
    root = _git_dossier(project)
    (root / "reviews").mkdir()
    (root / "reviews/r.yml").write_text(
        "evidence: p.md\nreviewer: M. X\ndate: 2026-03-02\nverdicts: {D1.1: met}\ncommit: --output=/tmp/x\n",
        encoding="utf-8",
    )
    result = cli("check", str(root))
    assert "reviews/r.yml:5:" in result.output and "commit" in result.output


# -- serve: files created after the server started -----------------------------------------------------------


def test_serve_watches_a_jury_file_and_reviews_folder_created_later(project, tmp_path):
    from portfolio_builder.mkdocs_plugin import livereload

    root = project({"docs/a.md": evidence_page("D1.1")})

    class Server:
        def __init__(self):
            self.watched: list[tuple[str, bool]] = []
            self.scheduled: list[str] = []
            self.observer = self

        def watch(self, path, *, recursive=True):
            self.watched.append((path, recursive))

        def schedule(self, handler, path, recursive):
            self.scheduled.append(path)
            self.handler = handler

    server = Server()
    livereload.watch(server, root / "jury.yml")
    livereload.watch(server, root / "reviews")
    # Not there yet: their folder is watched, not recursively (a file created there rebuilds).
    assert server.watched == [(str(root), False), (str(root), False)]
    (root / "reviews").mkdir()
    server.handler.on_any_event(None)
    assert (str(root / "reviews"), True) in server.watched


def test_livereload_script_reads_its_arguments_from_its_tag():
    from portfolio_builder.mkdocs_plugin import livereload

    text = livereload.script_text()
    assert text is not None and "${epoch}" not in text and "document.currentScript" in text

    class Server:
        mount_path = "/"

        def _inject_js_into_html(self, content, epoch):  # MkDocs' inline injection
            raise AssertionError("replaced")

    server = Server()
    assert livereload.install(server)
    page = server._inject_js_into_html(b"<html><body><p>x</p></body></html>", 42)
    assert b'<script src="/assets/portfolio/livereload.js" data-epoch="42" data-request-id="' in page
    assert page.endswith(b"</script></body></html>") and b"<script>" not in page


# -- serve rebuilds incrementally, and stays correct -----------------------------------------------------------


class _Serve:
    """Successive `portfolio serve` rebuilds (MkDocs' dirty mode), in process."""

    def __init__(self, root: Path, site: Path):
        self.root, self.site = root, site
        self.first = True

    def rebuild(self) -> None:
        from mkdocs.commands.build import build
        from mkdocs.config import load_config

        config = load_config(str(self.root / "mkdocs.yml"), site_dir=str(self.site))
        if self.first:
            config.plugins.on_startup(command="serve", dirty=True)
            self.first = False
        time.sleep(0.01)  # distinct modification times for the pages rebuilt
        build(config, serve_url="http://127.0.0.1:8000/", dirty=True)

    def html(self, rel: str) -> str:
        return (self.site / rel / "index.html").read_text(encoding="utf-8")

    def stamp(self, rel: str) -> int:
        return (self.site / rel / "index.html").stat().st_mtime_ns

    def search_locations(self) -> list[str]:
        index = json.loads((self.site / "search/search_index.json").read_text(encoding="utf-8"))
        return [doc["location"] for doc in index["docs"]]


def test_incremental_rebuilds_keep_cards_report_and_competency_pages_correct(project, tmp_path):
    root = project({
        "docs/index.md": "# Accueil\n\nBienvenue.\n",
        "docs/a.md": evidence_page("D1.1", title="Preuve A"),
        "docs/b.md": evidence_page("D1.2", title="Preuve B"),
    })
    serve = _Serve(root, tmp_path / "site")
    serve.rebuild()
    assert "2 / 20" in serve.html("")
    b_built = serve.stamp("b")

    # A review arrives: a.md's card, the report and D1.1's page change; b.md is not rebuilt.
    (root / "reviews").mkdir()
    (root / "reviews/r.yml").write_text("evidence: a.md\nreviewer: M. X\ndate: 2099-01-01\nverdicts: {D1.1: met}\n", encoding="utf-8")
    serve.rebuild()
    assert "M. X" in serve.html("a") and "pb-verdict--met" in serve.html("a")
    assert "pb-verdict--met" in serve.html("portfolio/competencies/d1-1")
    assert "pb-verdict--met" in serve.html("portfolio/report")
    assert serve.stamp("b") == b_built

    # b.md claims one more competency: b, the home page and the report change; a.md does not.
    a_built = serve.stamp("a")
    (root / "docs/b.md").write_text(evidence_page("D1.2", "D1.3", title="Preuve B"), encoding="utf-8")
    serve.rebuild()
    assert "3 / 20" in serve.html("") and "3 / 20" in serve.html("portfolio/report")
    assert "D1.3" in serve.html("b")
    assert serve.stamp("a") == a_built

    # A new title changes the nav of every page: a.md is rebuilt with it.
    (root / "docs/b.md").write_text(evidence_page("D1.2", "D1.3", title="Preuve B renommée"), encoding="utf-8")
    serve.rebuild()
    assert "Preuve B renommée" in serve.html("a") and "Preuve A" in serve.html("b")

    # A page removed is not served any more; the search index has every page exactly once.
    (root / "docs/b.md").unlink()
    serve.rebuild()
    assert not (serve.site / "b/index.html").exists()
    assert "1 / 20" in serve.html("")
    pages = [loc for loc in serve.search_locations() if "#" not in loc]
    assert len(pages) == len(set(pages)) and "a/" in pages and "b/" not in pages
    full = build_site(root, tmp_path / "full")
    index = json.loads((full.site / "search/search_index.json").read_text(encoding="utf-8"))
    assert sorted(pages) == sorted(d["location"] for d in index["docs"] if "#" not in d["location"])


def test_serve_command_rebuilds_incrementally_unless_asked(project, monkeypatch):
    from mkdocs.commands import serve as mkdocs_serve

    seen: dict = {}
    monkeypatch.setattr(mkdocs_serve, "serve", lambda *a, **kw: seen.update(kw))
    root = project({"docs/a.md": evidence_page("D1.1")})
    assert cli("serve", str(root)).exit_code == 0 and seen["build_type"] == "dirty"
    assert cli("serve", str(root), "--full-rebuild").exit_code == 0 and seen["build_type"] is None


# -- the smaller ones ---------------------------------------------------------------------------------------


def test_unknown_code_suggests_within_its_domain_first(project, problems_of, check):
    root = project({"docs/a.md": evidence_page("D1.5")})
    (problem,) = [p for p in check(root).problems if p.code == "unknown-competency"]
    assert problem.hint("fr") == "vouliez-vous dire D1.4 ?"  # D1 has 4 competencies; not D3.5
    from portfolio_builder.core.referential import load_shipped

    ref = load_shipped("c2i1-2011")
    assert (ref.suggest("d1.1"), ref.suggest("1.1"), ref.suggest("D4.9"), ref.suggest("D3.6")) == ("D1.1", "D1.1", "D4.4", "D3.5")


def test_placeholder_metadata_wording(project, check):
    root = project({"docs/a.md": evidence_page("D1.1")}, portfolio={
        "mode": "certification", "institution": "Mon université", "session": "2027-juin",
        "candidate": {"name": "Prénom Nom"},
    })
    messages = [p.message("fr") for p in check(root).problems if p.code == "missing-metadata"]
    assert "« Mon université » est la valeur d'exemple de « portfolio new » : indiquez la valeur réelle de « institution »" in messages
    assert not any("le vrai" in m for m in messages)


def test_summary_counts_agree_with_what_is_printed_and_in_the_singular(project):
    root = project({"docs/a.md": evidence_page("D1.1", "D1.1"), "docs/b.md": evidence_page("D9.9")})
    out = cli("check", str(root)).output
    assert "1 erreur, 1 avertissement, 19 compétences sans preuve (ci-dessus), 2 preuves" in out
    assert out.count("avertissement[") == 1 and out.count("erreur[") == 1
    assert "(s)" not in out.splitlines()[-1]
    english = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"language": "en"})
    assert "0 errors, 0 warnings, 19 competencies without evidence (above), 1 piece of evidence" in cli("check", str(english)).output


def test_scaffold_placeholder_is_a_warning_in_training_and_an_error_in_certification(tmp_path):
    target = tmp_path / "mon-dossier"
    assert cli("new", str(target), "--candidate", "Inès Dupuis").exit_code == 0
    training = cli("check", str(target))
    assert training.exit_code == 0
    assert training.output.count("avertissement[placeholder-text]") == 2  # the argument and the body
    assert "premiere-preuve.md:9:" in training.output  # line 2 is the editor schema line
    config = target / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("mode: training", "mode: certification")
        .replace("Mon université", "Université de Valcourt"), encoding="utf-8",
    )
    certification = cli("check", str(target))
    assert certification.exit_code == 1
    assert certification.output.count("erreur[placeholder-text]") == 2
    # Once the student writes their own text, nothing is left to flag.
    page = target / "docs/preuves/premiere-preuve.md"
    text = page.read_text(encoding="utf-8")
    text = text.replace("Expliquez ici pourquoi", "J'explique pourquoi").replace("Décrivez la production", "J'ai produit")
    page.write_text(text, encoding="utf-8")
    assert "placeholder-text" not in cli("check", str(target)).output


def _visible_text(html: str) -> str:
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("code", "pre"):
                self.parts.append("CODE")  # a file name or field: text of the dossier, not ours
            if tag in ("script", "style", "code", "pre", "details"):
                self.skip += 1  # (details: the referential's own notes are in French)
            for name, value in attrs:
                if name in ("title", "aria-label", "alt") and value:
                    self.parts.append(value)

        def handle_endtag(self, tag):
            if tag in ("script", "style", "code", "pre", "details") and self.skip:
                self.skip -= 1

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return "".join(parser.parts)


def test_no_french_spacing_in_the_english_site(project, tmp_path):
    import re

    root = project(
        {
            "docs/a.md": evidence_page("D1.1", extra="context: A course"),
            "reviews/r.yml": "evidence: a.md\nreviewer: Ms X\ndate: 2026-01-01\nverdicts: {D1.1: met}\n",
            "reviews/s.yml": "evidence: a.md\nreviewer: Ms Y\ndate: 2026-01-02\nverdicts: {D1.1: met}\n",
            "attestations/a.yml": ATTESTATION.replace("2026-juin", "2026-june"),
            "jury.yml": "session: 2027-june\ndate: 2027-06-20\ninstitution: U\nmembers: [A]\ndecisions: {D1.1: validated}\n",
        },
        portfolio={"language": "en", "session": "2027-june", "previous_attestations": ["attestations/a.yml"]},
    )
    built = build_site(root, tmp_path / "site")
    checked = 0
    for page in built.site.rglob("*.html"):
        text = " ".join(_visible_text(page.read_text(encoding="utf-8")).split())
        assert not re.search(r"\S\s+[:;](\s|$)", text), (page, re.search(r".{30}\S\s+[:;](\s|$).{0,20}", text))
        checked += 1
    assert checked > 20
    french = build_site(_carried_dossier(project, "training"), tmp_path / "site-fr")
    assert "Télécharger :" in _visible_text(french.html("portfolio/report/"))


def test_review_command_never_writes_outside_the_dossier(project, tmp_path):
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    for reviews_dir in ("../ailleurs", str(outside)):
        root = project({"docs/p.md": PAGE_V1}, portfolio={"reviews_dir": reviews_dir})
        result = cli("review", str(root / "docs/p.md"), "--reviewer", "X", "--verdict", "D1.1=met")
        assert result.exit_code == 2 and "--reviews-dir" in result.output
    linked = project({"docs/p.md": PAGE_V1})
    (linked / "reviews").symlink_to(outside)
    assert cli("review", str(linked / "docs/p.md"), "--reviewer", "X", "--verdict", "D1.1=met").exit_code == 2
    assert list(outside.iterdir()) == []
    # Named by the tutor, a folder of their own is fine (a cohort's tutor-side reviews).
    mine = tmp_path / "mes-revues"
    assert cli("review", str(linked / "docs/p.md"), "--reviewer", "X", "--verdict", "D1.1=met",
               "--reviews-dir", str(mine)).exit_code == 0
    assert len(list(mine.glob("*.yml"))) == 1
