"""Cohorts share the theme's assets: one copy on disk, hard-linked into every site (issue 14).

Each site stays whole (real files, the same SHA-256 in its manifest, `portfolio verify`
passes), a dossier's own file of a theme path is never shared, and where the file system
refuses hard links the assets are copied.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from portfolio_builder.cli import main
from portfolio_builder.cohort import run
from portfolio_builder.mkdocs_plugin import shared
from tests.conftest import evidence_page

pytestmark = pytest.mark.slow


def cohort(*args: str):
    return CliRunner().invoke(main, ["cohort", *args], catch_exceptions=False)


def _dossiers(project, count: int, files: dict | None = None) -> list[Path]:
    return [
        project(
            {"docs/preuve.md": evidence_page("D1.1"), **((files or {}) if i == 0 else {})},
            portfolio={"candidate": {"name": f"Candidat {i}", "student_id": f"1000{i}"}},
            name=f"d{i}",
        )
        for i in range(count)
    ]


def _assets(site: Path) -> dict[str, os.stat_result]:
    return {p.relative_to(site).as_posix(): p.stat() for p in (site / "assets").rglob("*") if p.is_file()}


def test_theme_assets_are_hard_links_to_one_copy(tmp_path: Path, project) -> None:
    folders = _dossiers(project, 3)
    out = tmp_path / "out"
    result = cohort(*map(str, folders), "-d", str(out), "-j", "2")
    assert result.exit_code == 0, result.output
    sites = [out / f"candidat-{i}" for i in range(3)]
    listings = [_assets(site) for site in sites]
    assert set(listings[0]) == set(listings[1]) == set(listings[2])
    bundle = next(name for name in listings[0] if name.startswith("assets/javascripts/bundle."))
    assert "assets/portfolio/portfolio.css" in listings[0]  # ours too
    for name, info in listings[0].items():
        others = [listing[name] for listing in listings[1:]]
        assert all((o.st_ino, o.st_dev) == (info.st_ino, info.st_dev) for o in others), name
        assert info.st_nlink == 3, name  # three sites, and the store is gone
        assert not info.st_mode & 0o222, name  # read-only: no write through one site's link
    assert listings[0][bundle].st_size > 10_000
    assert not (out / run.SHARED_STORE).exists()
    # The pages are each site's own.
    assert (sites[0] / "index.html").stat().st_ino != (sites[1] / "index.html").stat().st_ino


def test_a_cohort_site_verifies_and_works_copied_out(tmp_path: Path, project) -> None:
    folders = _dossiers(project, 2)
    out = tmp_path / "out"
    assert cohort(*map(str, folders), "-d", str(out)).exit_code == 0
    alone = tmp_path / "alone"
    shutil.copytree(out / "candidat-1", alone)
    shutil.rmtree(out)  # the cohort is gone: the copy holds real files
    result = CliRunner().invoke(main, ["verify", str(alone), str(folders[1])], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert any(p.name.startswith("bundle.") for p in (alone / "assets/javascripts").iterdir())


def test_verify_still_sees_an_edited_shared_asset(tmp_path: Path, project) -> None:
    folders = _dossiers(project, 2)
    out = tmp_path / "out"
    assert cohort(*map(str, folders), "-d", str(out)).exit_code == 0
    site = out / "candidat-0"
    css = site / "assets/portfolio/portfolio.css"
    css.unlink()  # break the link, as an editor saving a new file would
    css.write_text("body { visibility: hidden }  /* EDITED */", encoding="utf-8")
    result = CliRunner().invoke(main, ["verify", str(site), str(folders[0])], catch_exceptions=False)
    assert result.exit_code == 1
    assert "portfolio.css" in result.output
    # The other site kept the real file.
    other = out / "candidat-1/assets/portfolio/portfolio.css"
    assert "EDITED" not in other.read_text(encoding="utf-8")
    assert CliRunner().invoke(main, ["verify", str(out / "candidat-1"), str(folders[1])]).exit_code == 0


def test_a_dossier_file_at_a_theme_path_is_never_shared(tmp_path: Path, project) -> None:
    # A candidate's docs/assets/portfolio/portfolio.css is a reserved path (never published: the
    # theme's own file is put back), and it must never reach the store nor any other site.
    evil = "body::after { content: 'CERTIFIÉ' }"
    folders = _dossiers(project, 3, {"docs/assets/portfolio/portfolio.css": evil})
    out = tmp_path / "out"
    cohort(*map(str, folders), "-d", str(out), "-j", "2")
    sites = [out / f"candidat-{i}/assets/portfolio/portfolio.css" for i in (0, 1, 2)]
    for site in sites:
        assert evil not in site.read_text(encoding="utf-8")
    assert sites[1].stat().st_ino == sites[2].stat().st_ino


def test_without_hard_links_the_assets_are_copied(tmp_path: Path, project, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(shared.os, "link", refuse)
    folders = _dossiers(project, 2)
    out = tmp_path / "out"
    result = cohort(*map(str, folders), "-d", str(out), "-j", "1")
    assert result.exit_code == 0, result.output
    a, b = (_assets(out / f"candidat-{i}") for i in (0, 1))
    assert set(a) == set(b) and a
    css = "assets/portfolio/portfolio.css"
    assert a[css].st_ino != b[css].st_ino and a[css].st_nlink == 1
    digest = [hashlib.sha256((out / f"candidat-{i}" / css).read_bytes()).hexdigest() for i in (0, 1)]
    assert digest[0] == digest[1]
    assert CliRunner().invoke(main, ["verify", str(out / "candidat-0"), str(folders[0])]).exit_code == 0


def test_the_store_is_filled_once_whatever_the_races(tmp_path: Path) -> None:
    source = tmp_path / "theme" / "a.js"
    source.parent.mkdir()
    source.write_text("console.log(1)", encoding="utf-8")
    store = tmp_path / "store"
    first = shared.stored(store, source)
    assert shared.stored(store, source) == first
    assert [p.name for p in store.iterdir()] == [first.name]  # no partial copies left
    dest = tmp_path / "site" / "assets" / "a.js"
    dest.parent.mkdir(parents=True)
    dest.write_text("stale", encoding="utf-8")
    assert shared.place(store, source, dest)
    assert dest.read_text(encoding="utf-8") == "console.log(1)" and dest.stat().st_ino == first.stat().st_ino
    source.write_text("console.log(2)  // the theme was upgraded", encoding="utf-8")
    assert shared.stored(store, source) != first  # keyed by size and time: never mixed up


def test_workers_keep_compiled_templates_and_see_a_changed_one(tmp_path: Path) -> None:
    # In a subprocess: the patch is for cohort workers, not for this test process.
    import subprocess
    import sys

    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "t.html").write_text("one {{ 1 + 1 }}", encoding="utf-8")
    probe = f"""
import os
from pathlib import Path
from mkdocs.theme import Theme
from portfolio_builder.cohort import run
run._share_compiled_templates()
run._share_compiled_templates()  # once is enough
theme = Theme(name="material", custom_dir={str(theme)!r})
first = theme.get_env()
assert first.bytecode_cache is not None
print(first.get_template("t.html").render())
cache = first.bytecode_cache
second = theme.get_env()
assert second.bytecode_cache is cache and len(cache.buckets) == 1
Path({str(theme / "t.html")!r}).write_text("two {{{{ 2 + 2 }}}}", encoding="utf-8")
print(second.get_template("t.html").render())
print(theme.get_env().get_template("t.html").render())
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["one 2", "two 4", "two 4"]


CODE = "```python\ndef f():\n    if True:\n\n        return 1\n```\n"


def test_a_cohort_page_loses_indentation_only(tmp_path: Path, project) -> None:
    """A cohort's pages drop the templates' indentation (a quarter of their bytes), never a
    line break: code blocks come out byte for byte, and the words of the evidence card keep
    the spaces between them, as in the dossier's own build."""
    page = evidence_page("D1.1", extra="context: Module 5", body="# Une preuve\n\n" + CODE)
    folder = project({"docs/preuve.md": page}, portfolio={"candidate": {"name": "Candidat 0", "student_id": "10000"}}, name="d0")
    out, single = tmp_path / "out", tmp_path / "single"
    assert cohort(str(folder), "-d", str(out)).exit_code == 0
    assert CliRunner().invoke(main, ["build", str(folder), "-d", str(single)], catch_exceptions=False).exit_code == 0
    in_cohort = (out / "candidat-0" / "preuve" / "index.html").read_text(encoding="utf-8")
    alone = (single / "preuve" / "index.html").read_text(encoding="utf-8")

    blocks = re.compile(r"<pre\b.*?</pre>", re.S)
    assert blocks.findall(alone) and blocks.findall(in_cohort) == blocks.findall(alone)
    meta = re.compile(r'<p class="pb-evidence__meta">.*?</p>', re.S)
    (cohort_meta,), (own_meta,) = meta.findall(in_cohort), meta.findall(alone)
    assert "Module 5" in own_meta and " ".join(cohort_meta.split()) == " ".join(own_meta.split())

    def indentation(html: str) -> int:
        return sum(len(line) - len(line.lstrip(" ")) for line in blocks.sub("", html).splitlines())

    assert indentation(in_cohort) < indentation(alone) / 4, (indentation(in_cohort), indentation(alone))
