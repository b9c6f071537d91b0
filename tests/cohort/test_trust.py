"""A verdict no candidate can forge: one malicious-cohort test per attack of issue 9.

Each test plays a candidate who tries to make the dashboard read « Certifié »
(or to take another candidate's decision) without the jury's word, then checks
that it fails and says why.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from portfolio_builder.cli import main
from tests.conftest import evidence_page, git
from tests.core.test_jury import C2I1_CODES

pytestmark = pytest.mark.slow

ALL_VALIDATED = "".join(f"  {c}: validated\n" for c in C2I1_CODES)
QCM_OK = "qcm:\n" + "".join(f"  D{i}: {{passed: true, score: 15}}\n" for i in range(1, 6))
SESSION = {"institution": "Université de Valcourt", "session": "2027-juin"}


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def jury_file(decisions: str = ALL_VALIDATED, qcm: str = QCM_OK) -> str:
    return (
        "session: 2027-juin\ndate: 2027-06-20\ninstitution: Université de Valcourt\nmembers: [Pr. Vraie]\n"
        f"decisions:\n{decisions}{qcm}"
    )


def rows(site: Path) -> dict[str, dict]:
    document = json.loads((site / "report.json").read_text(encoding="utf-8"))
    return {row["slug"]: row for row in document["dossiers"]}


@pytest.fixture
def juries(tmp_path) -> Path:
    folder = tmp_path / "juries"
    folder.mkdir()
    return folder


def candidate(project, name: str, student_id: str, files: dict | None = None, **portfolio):
    return project(
        {"docs/a.md": evidence_page(*C2I1_CODES), **(files or {})},
        portfolio={"candidate": {"name": name, "student_id": student_id}, **SESSION, **portfolio},
        name=name.lower().replace(" ", "-"),
    )


def test_a_self_written_attestation_never_carries_over(project, tmp_path, juries):
    forged = (
        "referential: c2i1-2011\ncandidate: {name: Mallory Martin, student_id: '666'}\nsession: 2026-juin\n"
        "institution: Université de Valcourt\ndate: 2026-06-30\nvalidated_domains: [D1, D2, D3, D4, D5]\n"
    )
    root = candidate(project, "Mallory Martin", "666", {"att/2026.yml": forged}, previous_attestations=["att/2026.yml"])
    site = tmp_path / "site"
    result = run("cohort", str(root), "-d", str(site), "--juries", str(juries))
    row = rows(site)["mallory-martin"]
    assert row["outcome"] != "certified"
    report = json.loads((site / "mallory-martin/report.json").read_text(encoding="utf-8"))
    assert report["outcome"]["carried_over_domains"] == []
    assert any(p["code"] == "attestation-unsigned" and p["severity"] == "error" for p in report["problems"])
    assert "attestation-unsigned" in " ".join(row["problems"]) if "problems" in row else True
    assert result.exit_code in (0, 1)


def test_a_student_id_never_picks_a_jury_file_by_path(project, tmp_path, juries):
    # The candidate writes a jury file of their own and points student_id at it.
    mallory = candidate(project, "Mallory Martin", "../mallory-martin/fake", {"fake.yml": jury_file()})
    for traversal in ("../mallory-martin/fake", str(mallory / "fake")):
        (mallory / "mkdocs.yml").write_text(
            (mallory / "mkdocs.yml").read_text(encoding="utf-8").replace("../mallory-martin/fake", traversal), encoding="utf-8"
        )
        site = tmp_path / f"site-{len(traversal)}"
        run("cohort", str(mallory), "-d", str(site), "--juries", str(juries))
        # An unusable student number makes the dossier's configuration invalid: it fails alone, with
        # the reason on its row, and the candidate's own jury file is never read.
        row = rows(site)["mallory-martin"]
        assert row["outcome"] == "not_built" and not row["built"]
        assert any("[schema]" in p and "student_id" in p for p in row["problems"]), row["problems"]
        assert not (site / "mallory-martin/report.json").exists()


def test_a_copied_student_id_steals_no_decision(project, tmp_path, juries):
    bob = candidate(project, "Bob Durand", "21900001")
    eve = candidate(project, "Eve Durand", "21900001")  # the same institution: not a double registration
    (juries / "21900001.yml").write_text(jury_file(), encoding="utf-8")
    site = tmp_path / "site"
    result = run("cohort", str(bob), str(eve), "-d", str(site), "--juries", str(juries))
    found = rows(site)
    for slug in ("bob-durand", "eve-durand"):
        assert found[slug]["outcome"] == "pending", slug
        assert any("[duplicate-student-id]" in p for p in found[slug]["cohort_problems"]), found[slug]
    assert result.exit_code == 1


def test_a_hand_edited_report_is_not_believed(project, tmp_path, juries):
    root = candidate(project, "Mallory Martin", "666")
    built = tmp_path / "ci-site"
    assert run("build", str(root), "-d", str(built), "-q").exit_code == 0
    report = json.loads((built / "report.json").read_text(encoding="utf-8"))
    report["outcome"]["decision"] = "certified"
    report["outcome"]["carried_over_domains"] = ["D1", "D2", "D3", "D4", "D5"]
    (built / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")

    site = tmp_path / "site"
    run("cohort", "--reports", str(built), "-d", str(site), "--juries", str(juries))
    row = next(iter(rows(site).values()))
    assert row["outcome"] == "pending"  # no jury file: no decision, whatever the report says
    assert row["verified"] is False

    # Even with the jury validating everything, an unsigned report is never shown as certified.
    (juries / "666.yml").write_text(jury_file(), encoding="utf-8")
    run("cohort", "--reports", str(built), "-d", str(site), "--juries", str(juries))
    row = next(iter(rows(site).values()))
    assert row["outcome"] == "unverified"
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "Non vérifié" in html and "cb-outcome--certified" not in html


def test_a_signed_report_from_the_institution_is_believed(project, tmp_path, juries):
    keys = tmp_path / "keys"
    assert run("keys", "new", "valcourt", "-d", str(keys), "--issuer-name", "Université de Valcourt").exit_code == 0
    root = candidate(project, "Lea Moreau", "21904512")
    built = tmp_path / "ci-site"
    assert run("build", str(root), "-d", str(built), "-q", "--sign", str(keys / "valcourt.private.jwk")).exit_code == 0
    (juries / "21904512.yml").write_text(jury_file(), encoding="utf-8")
    site = tmp_path / "site"
    public = str(keys / "valcourt.public.jwk")
    run("cohort", "--reports", str(built), "-d", str(site), "--juries", str(juries), "--issuer", public)
    row = next(iter(rows(site).values()))
    assert (row["verified"], row["outcome"]) == (True, "certified")

    # One byte of the signed report changed: no longer verified, no longer certified.
    text = (built / "report.json").read_text(encoding="utf-8").replace('"covered": 20', '"covered": 20 ', 1)
    (built / "report.json").write_text(text, encoding="utf-8")
    run("cohort", "--reports", str(built), "-d", str(site), "--juries", str(juries), "--issuer", public)
    row = next(iter(rows(site).values()))
    assert (row["verified"], row["outcome"]) == (False, "unverified")


def test_reviews_written_by_the_candidate_are_shown_but_never_counted(project, tmp_path):
    fake = "evidence: a.md\nreviewer: 'Pr. Tuteur Officiel'\ndate: 2030-01-01\nverdicts:\n" + "".join(f"  {c}: met\n" for c in C2I1_CODES)
    root = candidate(project, "Mallory Martin", "666", {"reviews/fake.yml": fake})
    site = tmp_path / "site"
    run("cohort", str(root), "-d", str(site))
    row = rows(site)["mallory-martin"]
    assert (row["reviewed"], row["met"]) == (0, 0)
    report = json.loads((site / "mallory-martin/report.json").read_text(encoding="utf-8"))
    assert all(c.get("review") is None for c in report["competencies"])
    page = (site / "mallory-martin/a/index.html").read_text(encoding="utf-8")
    assert "Pr. Tuteur Officiel" in page and "déclaré par le candidat, non vérifié" in page

    # The tutors' own folder is what counts.
    tutors = tmp_path / "reviews" / "666"
    tutors.mkdir(parents=True)
    (tutors / "r1.yml").write_text(fake.replace("Pr. Tuteur Officiel", "Pr. Vrai Tuteur"), encoding="utf-8")
    run("cohort", str(root), "-d", str(site), "--reviews", str(tmp_path / "reviews"))
    row = rows(site)["mallory-martin"]
    assert (row["reviewed"], row["met"]) == (1, 20)


def test_a_jury_file_in_the_dossier_is_never_counted_in_a_cohort(project, tmp_path):
    root = candidate(project, "Mallory Martin", "666", {"jury.yml": jury_file()})
    site = tmp_path / "site"
    run("cohort", str(root), "-d", str(site))
    assert rows(site)["mallory-martin"]["outcome"] == "pending"
    html = (site / "mallory-martin/portfolio/report/index.html").read_text(encoding="utf-8")
    assert "Décision du jury déclarée dans le dossier" in html


def _committed(project, tmp_path) -> Path:
    root = project(
        {
            "docs/a.md": evidence_page("D1.1"),
            "docs/index.md": "# Accueil\n",
            "docs/notes.md": "# Notes\n\nSans compétences.\n",
            "docs/img/photo.png": b"\x89PNG\r\n\x1a\nreal",
        },
        portfolio={"candidate": {"name": "Lea Moreau", "student_id": "21904512"}},
        name="lea",
    )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "dossier")
    return root


def test_verify_runs_nothing_from_the_dossier(project, tmp_path):
    root = _committed(project, tmp_path)
    site = tmp_path / "site"
    assert run("build", str(root), "-d", str(site), "-q").exit_code == 0
    (root / ".gitattributes").write_text("* diff=x filter=x\n", encoding="utf-8")
    git(root, "add", ".gitattributes")
    git(root, "commit", "-qm", "attributes")
    marker = tmp_path / "ran"
    with open(root / ".git/config", "a", encoding="utf-8") as config:
        config.write(f'[core]\n\tfsmonitor = "touch {marker}; false"\n\tpager = touch {marker}\n')
        config.write(f'[diff "x"]\n\ttextconv = touch {marker}\n[filter "x"]\n\tclean = touch {marker}\n\tprocess = touch {marker}\n')
    (root / "docs/a.md").write_text((root / "docs/a.md").read_text(encoding="utf-8") + "\nmodifié\n", encoding="utf-8")
    run("verify", str(site), str(root))
    run("build", str(root), "-d", str(tmp_path / "site2"), "-q", "--allow-dirty")
    run("check", str(root))
    assert not marker.exists()


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        ("docs/index.md", "index.md"),
        ("docs/notes.md", "notes.md"),
        ("docs/img/photo.png", "img/photo.png"),
        ("site:index.html", "index.html"),
        ("site:a/index.html", "a/index.html"),
        ("site:new.html", "new.html"),
    ],
)
def test_verify_names_every_edit_of_the_sources_or_the_site(project, tmp_path, edit, named):
    root = _committed(project, tmp_path)
    site = tmp_path / "site"
    assert run("build", str(root), "-d", str(site), "-q").exit_code == 0
    assert run("verify", str(site), str(root)).exit_code == 0
    if edit.startswith("site:"):
        target = site / edit[5:]
        target.write_text((target.read_text(encoding="utf-8") if target.exists() else "") + "<p>Certifié</p>", encoding="utf-8")
    else:
        target = root / edit
        target.write_bytes(target.read_bytes() + b"\nchanged")
    result = run("verify", str(site), str(root))
    assert result.exit_code == 1
    assert named in result.output


def test_verify_catches_a_site_edited_with_its_manifest_when_signed(project, tmp_path):
    keys = tmp_path / "keys"
    run("keys", "new", "valcourt", "-d", str(keys), "--issuer-name", "Université de Valcourt")
    root = _committed(project, tmp_path)
    site = tmp_path / "site"
    assert run("build", str(root), "-d", str(site), "-q", "--sign", str(keys / "valcourt.private.jwk")).exit_code == 0
    public = str(keys / "valcourt.public.jwk")
    assert run("verify", str(site), str(root), "--issuer", public).exit_code == 0
    # Edit a page, then rewrite the manifest so it agrees: the signature gives it away.
    (site / "index.html").write_text("<p>Certifié</p>", encoding="utf-8")
    from portfolio_builder.core import integrity

    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    manifest["site"] = integrity.site_files(site)
    (site / "manifest.json").write_text(integrity.to_json(manifest), encoding="utf-8")
    result = run("verify", str(site), str(root), "--issuer", public)
    assert result.exit_code == 1 and "signature" in result.output
    # Without its signature file, a trusted issuer's word is missing: still refused.
    (site / "manifest.jwt").unlink()
    assert run("verify", str(site), str(root), "--issuer", public).exit_code == 1


def test_credential_verify_command(project, tmp_path):
    keys = tmp_path / "keys"
    run("keys", "new", "valcourt", "-d", str(keys), "--issuer-name", "Université de Valcourt")
    run("keys", "new", "autre", "-d", str(keys), "--issuer-name", "Autre")
    source = Path(__file__).parents[2] / "sample_dnc" / "echec-qcm"
    first = tmp_path / "echec"
    shutil.copytree(source, first)
    token = tmp_path / "att.jwt"
    # Signing needs the jury's own file: the dossier's jury.yml alone is refused.
    assert run("attestation", str(first), "--sign", str(keys / "valcourt.private.jwk"), "-o", str(token)).exit_code == 2
    jury = tmp_path / "jury-21805233.yml"
    shutil.copyfile(first / "jury.yml", jury)
    signed = run("attestation", str(first), "--sign", str(keys / "valcourt.private.jwk"), "--jury", str(jury), "-o", str(token))
    assert signed.exit_code == 0, signed.output
    good = run("credential", "verify", str(token), "--issuer", str(keys / "valcourt.public.jwk"))
    assert good.exit_code == 0
    assert "Université de Valcourt" in good.output and "Thomas Girard" in good.output and "D5" in good.output
    other = run("credential", "verify", str(token), "--issuer", str(keys / "autre.public.jwk"))
    assert other.exit_code == 1 and "credential-untrusted" in other.output
    text = token.read_text(encoding="utf-8")
    token.write_text(text[:40] + ("A" if text[40] != "A" else "B") + text[41:], encoding="utf-8")
    broken = run("credential", "verify", str(token), "--issuer", str(keys / "valcourt.public.jwk"))
    assert broken.exit_code == 1 and "credential-invalid" in broken.output
    # A private key is never accepted as a trusted issuer, nor kept inside a dossier.
    assert run("credential", "verify", str(token), "--issuer", str(keys / "valcourt.private.jwk")).exit_code == 2
    inside = run("keys", "new", "k", "-d", str(first / "keys"), "--issuer-name", "X")
    assert inside.exit_code == 2 and not (first / "keys" / "k.private.jwk").exists()


# --- found by attacking the first version (red team) ---------------------------------------------


def _keys(tmp_path) -> Path:
    keys = tmp_path / "keys"
    assert run("keys", "new", "valcourt", "-d", str(keys), "--issuer-name", "Université de Valcourt").exit_code == 0
    return keys


def test_a_signed_build_never_runs_the_dossiers_hooks_nor_reads_its_jury_file(project, tmp_path):
    keys = _keys(tmp_path)
    stolen = tmp_path / "STOLEN.jwk"
    hook = (
        "import sys, pathlib\n"
        "def on_startup(**kw):\n"
        f"    pathlib.Path({str(stolen)!r}).write_text('\\n'.join(a for a in sys.argv if a.endswith('.jwk')))\n"
    )
    root = candidate(project, "Mallory Martin", "666", {"hooks.py": hook, "jury.yml": jury_file()})
    with open(root / "mkdocs.yml", "a", encoding="utf-8") as config:
        config.write("hooks:\n  - hooks.py\n")
    site = tmp_path / "site"
    result = run("build", str(root), "-d", str(site), "-q", "--sign", str(keys / "valcourt.private.jwk"))
    assert result.exit_code == 0, result.output
    assert not stolen.exists(), "the dossier's hook ran inside the signing build"
    # Its own jury.yml (everything validated) gives no decision and no signed attestation.
    report = json.loads((site / "report.json").read_text(encoding="utf-8"))
    assert report["outcome"]["decision"] == "pending" and not (site / "attestation.jwt").exists()


def test_signing_never_launders_an_unsigned_attestation(project, tmp_path):
    keys = _keys(tmp_path)
    forged = (
        "referential: c2i1-2011\ncandidate: {name: Mallory Martin, student_id: '666'}\nsession: 2026-juin\n"
        "institution: Université de Valcourt\ndate: 2026-06-30\nvalidated_domains: [D2]\n"
    )
    root = candidate(project, "Mallory Martin", "666", {"att/2026.yml": forged}, previous_attestations=["att/2026.yml"])
    real = tmp_path / "jury-666.yml"  # the jury: every competency, but D2's QCM failed
    real.write_text(jury_file(qcm=QCM_OK.replace("D2: {passed: true", "D2: {passed: false")), encoding="utf-8")
    token = tmp_path / "att.jwt"
    result = run("attestation", str(root), "--sign", str(keys / "valcourt.private.jwk"), "--jury", str(real), "-o", str(token))
    assert result.exit_code == 0, result.output
    from portfolio_builder.core import credentials
    from tests.core.test_credentials import _payload

    claims = credentials.attestation_claims(_payload(token.read_text(encoding="utf-8")))
    assert claims.decision == "not_certified" and "D2" not in claims.validated_domains


def _repository(root: Path) -> None:
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "dossier")


def test_a_partial_clone_never_fetches_through_a_program(project, tmp_path):
    import subprocess

    root = candidate(project, "Mallory Martin", "666", {"reviews/r.yml": "evidence: a.md\nreviewer: X\ndate: 2026-01-01\nverdicts: {}\n"})
    _repository(root)
    tree = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD:docs"], capture_output=True, text=True, check=True).stdout.strip()
    (root / ".git/objects" / tree[:2] / tree[2:]).unlink()
    marker = tmp_path / "fetched"
    payload = tmp_path / "payload.sh"
    payload.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    payload.chmod(0o755)
    for key, value in (
        ("core.repositoryformatversion", "1"), ("extensions.partialClone", "origin"), ("remote.origin.promisor", "true"),
        ("remote.origin.url", f"ext::{payload}"), ("protocol.ext.allow", "always"), ("protocol.file.allow", "always"),
    ):
        subprocess.run(["git", "-C", str(root), "config", key, value], check=True)
    run("check", str(root))
    run("build", str(root), "-d", str(tmp_path / "site"), "-q", "--allow-dirty")
    run("cohort", str(root), "-d", str(tmp_path / "cohort"))
    assert not marker.exists(), "git fetched a missing object by running the dossier's program"


def test_a_work_tree_elsewhere_does_not_hide_uncommitted_changes(project, tmp_path):
    import subprocess

    root = candidate(project, "Mallory Martin", "666", mode="certification")
    _repository(root)
    (root / "docs/a.md").write_text((root / "docs/a.md").read_text(encoding="utf-8") + "\nmodifié\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run(["git", "-C", str(root), "config", "core.worktree", str(elsewhere)], check=True)
    assert run("build", str(root), "-d", str(tmp_path / "site"), "-q").exit_code != 0


@pytest.mark.parametrize("edit", ["hooks.py", "base.yml", "overrides/main.html", "docs/.hidden.md", "site-link"])
def test_verify_covers_what_a_trusted_build_reads_and_never_a_link_in_the_site(project, tmp_path, edit):
    root = _committed(project, tmp_path)
    (root / "base.yml").write_text("extra_css: []\n", encoding="utf-8")
    (root / "hooks.py").write_text("def on_page_markdown(markdown, **kw):\n    return markdown\n", encoding="utf-8")
    (root / "overrides").mkdir()
    (root / "overrides/main.html").write_text('{% extends "base.html" %}\n', encoding="utf-8")
    (root / "docs/.hidden.md").write_text("# caché\n", encoding="utf-8")
    config = (root / "mkdocs.yml").read_text(encoding="utf-8").replace("theme:\n  name: material\n", "theme:\n  name: material\n  custom_dir: overrides\n")
    (root / "mkdocs.yml").write_text(config + "INHERIT: base.yml\nhooks: [hooks.py]\nexclude_docs: |\n  !.hidden.md\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "build inputs")
    site = tmp_path / "site"
    assert run("build", str(root), "-d", str(site), "-q").exit_code == 0
    assert run("verify", str(site), str(root)).exit_code == 0
    if edit == "site-link":
        (tmp_path / "fake.html").write_text("<h1>Certifié</h1>", encoding="utf-8")
        (site / "certifie.html").symlink_to(tmp_path / "fake.html")
        named = "certifie.html"
    else:
        (root / edit).write_text((root / edit).read_text(encoding="utf-8") + "\n# changé\n", encoding="utf-8")
        named = edit.removeprefix("docs/")
    result = run("verify", str(site), str(root))
    assert result.exit_code == 1 and named in result.output, result.output
