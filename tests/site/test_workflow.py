"""The dossier's life: scaffold, serve, jury, attestation and carry-over, verify, certification."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from portfolio_builder import build as build_mod
from portfolio_builder.cli import main
from tests.conftest import C2I1_CODES, evidence_page, git
from tests.site.conftest import ROOT, build_site

pytestmark = pytest.mark.slow


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_new_dossier_checks_and_builds(tmp_path):
    target = tmp_path / "mon-dossier"
    result = cli("new", str(target), "--referential", "c2i2e-2011", "--candidate", "Inès Dupuis")
    assert result.exit_code == 0, result.output
    for rel in ("mkdocs.yml", "docs/index.md", "docs/preuves/premiere-preuve.md", ".gitignore", ".gitlab-ci.yml",
                ".github/workflows/dossier.yml", ".pre-commit-config.yaml"):
        assert (target / rel).is_file(), rel
    checked = cli("check", str(target))
    assert checked.exit_code == 0, checked.output
    assert "Couverture C2i2e : 1 / 28" in checked.output
    built = build_site(target, tmp_path / "site")
    assert "Inès Dupuis" in built.html("")
    hooks = yaml.safe_load((target / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert hooks["repos"][0]["hooks"][0]["entry"] == "portfolio check"
    workflow = yaml.safe_load((target / ".github/workflows/dossier.yml").read_text(encoding="utf-8"))
    assert "portfolio build --public -d site" in json.dumps(workflow)
    gitlab = yaml.safe_load((target / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert gitlab["pages"]["artifacts"]["paths"] == ["public"]


def test_new_refuses_a_folder_with_files_and_unknown_referentials(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x/notes.txt").write_text("mine", encoding="utf-8")
    assert cli("new", str(tmp_path / "x")).exit_code == 2
    assert (tmp_path / "x/notes.txt").read_text(encoding="utf-8") == "mine"
    result = cli("new", str(tmp_path / "y"), "--referential", "c2i-2011")
    assert result.exit_code == 2 and "c2i1-2011" in result.output


def test_repository_ships_a_pre_commit_hook():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hooks[0]["id"] == "portfolio-check" and hooks[0]["entry"] == "portfolio check"


def _serve_build(root: Path, site: Path):
    """One `mkdocs serve` rebuild, as the live-reload server runs it."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(root / "mkdocs.yml"), site_dir=str(site))
    config.plugins.on_startup(command="serve", dirty=False)
    build(config, serve_url="http://127.0.0.1:8000/")
    return config


def test_serve_keeps_serving_an_invalid_dossier(project, tmp_path):
    root = project({"docs/a.md": evidence_page("D9.9")}, portfolio={"referential": "c2i1-2011"})
    _serve_build(root, tmp_path / "site")
    report = (tmp_path / "site/portfolio/report/index.html").read_text(encoding="utf-8")
    assert "Problèmes détectés" in report and "D9.9" in report
    broken = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"referential": "c2i9-2099"})
    _serve_build(broken, tmp_path / "site2")
    report = (tmp_path / "site2/portfolio/report/index.html").read_text(encoding="utf-8")
    assert "unknown-referential" in report and "c2i9-2099" in report


def test_serve_watches_reviews_jury_and_referential(project, tmp_path):
    root = project(
        {
            "docs/a.md": evidence_page("L1"),
            "local.yml": (ROOT / "tests/site/data/local-referential.yml").read_text(encoding="utf-8"),
            "reviews/r.yml": "evidence: a.md\nreviewer: M. X\ndate: 2026-01-01\nverdicts: {L1: met}\n",
            "jury.yml": "session: s\ndate: 2026-06-01\ninstitution: U\nmembers: [A]\ndecisions: {}\n",
        },
        portfolio={"referential": "local.yml"},
    )
    config = _serve_build(root, tmp_path / "site")

    class Server:
        watched: list[str] = []

        def watch(self, path):
            self.watched.append(path)

    server = Server()
    config.plugins.on_serve(server, config=config, builder=None)
    assert {Path(p).name for p in server.watched} >= {"reviews", "jury.yml", "local.yml"}


def _echec_qcm(tmp_path: Path) -> Path:
    target = tmp_path / "echec-qcm"
    shutil.copytree(ROOT / "sample_dnc/echec-qcm", target)
    return target


def test_jury_decision_and_attestation_pages(tmp_path):
    dossier = _echec_qcm(tmp_path)
    built = build_site(dossier, tmp_path / "site", allow_dirty=True)
    report = built.html("portfolio/report/")
    assert "Décision du jury" in report and "Non certifié" in report
    assert "QCM du domaine D2 non réussi" in report
    attestation = built.html("portfolio/attestation/")
    validated = attestation[attestation.index("pb-attestation__statement") :]
    for code in ("D1", "D3", "D4", "D5"):
        assert f'<span class="pb-code">{code}</span>' in validated
    assert '<span class="pb-code">D2</span>' not in validated
    from tests.site.conftest import nav_titles

    assert nav_titles(built.nav.items)[-1] == "Attestation"


def test_attestation_carries_over_to_the_next_attempt(tmp_path):
    first = _echec_qcm(tmp_path)
    attestation = tmp_path / "attestation-2026-juin.yml"
    result = cli("attestation", str(first), "-o", str(attestation))
    assert result.exit_code == 0, result.output
    written = yaml.safe_load(attestation.read_text(encoding="utf-8"))
    assert written["validated_domains"] == ["D1", "D3", "D4", "D5"]
    assert written["decision"] == "not_certified" and written["candidate"]["student_id"] == "21805233"

    # Next session: only D2 is judged again; the attestation brings the rest.
    second = tmp_path / "second"
    shutil.copytree(first, second)
    config = (second / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("session: 2026-juin", "session: 2027-janvier")
    config = config.replace("mode: certification", f"mode: certification\n      previous_attestations: [{attestation}]")
    (second / "mkdocs.yml").write_text(config, encoding="utf-8")
    d2 = [c for c in C2I1_CODES if c.startswith("D2")]
    (second / "jury.yml").write_text(
        "session: 2027-janvier\ndate: 2027-01-20\ninstitution: Université de Valcourt\nmembers: [Pr. Anne Delmas]\n"
        "decisions:\n" + "".join(f"  {c}: validated\n" for c in d2) + "qcm:\n  D2: {passed: true, score: 64}\n",
        encoding="utf-8",
    )
    # Certification mode: a YAML anyone could write does not carry over.
    report = json.loads(cli("check", str(second), "--format", "json").output)
    assert report["outcome"]["decision"] == "pending"
    assert [p["code"] for p in report["problems"] if p["severity"] == "error"] == ["attestation-unsigned"]

    # The institution's signed attestation (Open Badges 3.0) does, with its public key trusted.
    keys = tmp_path / "keys"
    assert cli("keys", "new", "valcourt", "-d", str(keys), "--issuer-name", "Université de Valcourt").exit_code == 0
    signed = tmp_path / "attestation-2026-juin.jwt"
    result = cli("attestation", str(first), "--sign", str(keys / "valcourt.private.jwk"), "--jury", str(first / "jury.yml"), "-o", str(signed))
    assert result.exit_code == 0, result.output
    (second / "mkdocs.yml").write_text(config.replace(str(attestation), str(signed)), encoding="utf-8")
    report = json.loads(cli("check", str(second), "--format", "json", "--issuer", str(keys / "valcourt.public.jwk")).output)
    assert report["outcome"]["decision"] == "certified"
    assert report["outcome"]["carried_over_domains"] == ["D1", "D3", "D4", "D5"]


def test_attestation_refused_before_the_jury_decides(project, tmp_path):
    root = project({"docs/a.md": evidence_page("D1.1")})
    result = cli("attestation", str(root), "-o", str(tmp_path / "a.yml"))
    assert result.exit_code == 1 and not (tmp_path / "a.yml").exists()


def test_verify_names_every_file_that_differs(project, tmp_path):
    root = project(
        {
            "docs/a.md": evidence_page("D1.1", extra="attachments:\n  - path: f.txt"),
            "docs/f.txt": "annexe",
            "docs/b.md": evidence_page("D1.2"),
        }
    )
    site = tmp_path / "site"
    build_site(root, site)
    ok = cli("verify", str(site), str(root))
    assert ok.exit_code == 0, ok.output
    (root / "docs/a.md").write_text(evidence_page("D1.1", title="Changée", extra="attachments:\n  - path: f.txt"), encoding="utf-8")
    (root / "docs/c.md").write_text(evidence_page("D1.3"), encoding="utf-8")
    (site / "f.txt").write_text("falsifiée", encoding="utf-8")
    result = cli("verify", str(site), str(root))
    assert result.exit_code == 1
    assert "modifié depuis la construction : a.md" in result.output
    assert "ajouté depuis la construction : c.md" in result.output
    assert "la copie publiée diffère de la source : f.txt" in result.output


def test_verify_detects_a_rewritten_report(project, tmp_path):
    root = project({"docs/a.md": evidence_page("D1.1")})
    site = tmp_path / "site"
    build_site(root, site)
    report = json.loads((site / "report.json").read_text(encoding="utf-8"))
    report["summary"]["covered"] = 20
    (site / "report.json").write_text(json.dumps(report), encoding="utf-8")
    result = cli("verify", str(site), str(root))
    assert result.exit_code == 1 and "manifeste" in result.output


def test_manifest_records_hashes_commit_and_referential(project, tmp_path):
    root = project({"docs/a.md": evidence_page("D1.1")})
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "dossier")
    site = tmp_path / "site"
    built = build_site(root, site)
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["git"]["dirty"] is False and len(manifest["git"]["commit"]) == 40
    assert manifest["referential"]["id"] == "c2i1-2011" and manifest["referential"]["version"] == "2011"
    assert {f["path"] for f in manifest["files"] if f["kind"] == "evidence"} == {"a.md"}
    assert manifest["tool"]["name"] == "portfolio_builder" and manifest["built_at"]
    report = built.html("portfolio/report/")
    assert "Intégrité de la soumission" in report and manifest["git"]["commit"][:12] in report


def committed_certification_dossier(project) -> Path:
    root = project(
        {"docs/a.md": evidence_page("D1.1")},
        portfolio={"mode": "certification", "institution": "U", "session": "2027-juin"},
    )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "dossier")
    return root


def test_certification_refuses_a_dirty_tree(project, tmp_path):
    root = committed_certification_dossier(project)
    (root / "docs/a.md").write_text(evidence_page("D1.1", title="Modifiée"), encoding="utf-8")
    with pytest.raises(build_mod.BuildFailed) as failure:
        build_site(root, tmp_path / "site")
    assert any("[dirty-tree]" in m for m in failure.value.messages)
    build_site(root, tmp_path / "site", allow_dirty=True)
    assert (tmp_path / "site/index.html").is_file()


def test_certification_requires_the_jury_metadata(project, problems_of):
    root = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"mode": "certification"})
    codes = [p for p in problems_of(root) if p[0] == "missing-metadata"]
    assert len(codes) == 2  # institution and session; the candidate is in the default entry


def test_certification_builds_again_into_its_own_output(project, tmp_path):
    """The lock, the temporary folder and the previous site are not "uncommitted changes"."""
    root = committed_certification_dossier(project)
    for _ in range(2):
        build_site(root, root / "public")
        build_site(root, root / "site")
    assert (root / "public/index.html").is_file() and (root / "site/index.html").is_file()
