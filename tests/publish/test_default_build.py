"""`portfolio build` with no `--engine`: the stage, MkDocs in this process with the plugin path's
aids, the dossier read and checked once, options as arguments; a dossier's own hooks, scripts,
`extra:` and templates never run nor included, in a student's own build as in the institution's."""

from __future__ import annotations

import sys
from pathlib import Path

import mkdocs.config as mkdocs_config_mod
import pytest
import yaml
from click.testing import CliRunner

from portfolio_builder import build as build_mod
from portfolio_builder.cli import main
from portfolio_builder.core import check as check_mod
from portfolio_builder.core import project as project_mod
from portfolio_builder.publish import engines
from portfolio_builder.publish import guard as guard_mod
from portfolio_builder.publish import stage as stage_mod
from tests.conftest import evidence_page, mkdocs_text

_OPENED: list[str] = []
_WATCHED: set[str] = set()


def _audit(event: str, args: tuple) -> None:
    if event == "open" and args and isinstance(args[0], (str, bytes, Path)):
        name = str(Path(args[0] if not isinstance(args[0], bytes) else args[0].decode()))
        if name in _WATCHED:
            _OPENED.append(name)


sys.addaudithook(_audit)  # audit hooks cannot be removed: it records only the paths a test watches


def _counted(counts: dict[str, int], key: str, function):
    """``function``, counting its calls in ``counts[key]``."""

    def counted(*args, **kwargs):
        counts[key] += 1
        return function(*args, **kwargs)

    return counted


def test_the_dossier_is_read_and_checked_once(tmp_path: Path, project, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project({"docs/index.md": "# Accueil\n", "docs/a.md": evidence_page("D1.1", title="A")})
    counts = {"load": 0, "check": 0}
    configs: list[str] = []
    read_config, mkdocs_load = project_mod._read_config, mkdocs_config_mod.load_config
    counted_load = _counted(counts, "load", project_mod.load_project)
    counted_check = _counted(counts, "check", check_mod.check_project)

    def counted_read_config(path, *args, **kwargs):
        configs.append(str(Path(path).resolve()))
        return read_config(path, *args, **kwargs)

    def counted_mkdocs_load(config_file=None, **kwargs):
        configs.append("mkdocs:" + str(Path(config_file).resolve()))
        return mkdocs_load(config_file, **kwargs)

    monkeypatch.setattr(project_mod, "load_project", counted_load)
    monkeypatch.setattr(guard_mod, "load_project", counted_load)
    monkeypatch.setattr(check_mod, "check_project", counted_check)
    monkeypatch.setattr(guard_mod, "check_project", counted_check)
    monkeypatch.setattr(project_mod, "_read_config", counted_read_config)
    monkeypatch.setattr(mkdocs_config_mod, "load_config", counted_mkdocs_load)
    config_file = str((root / "mkdocs.yml").resolve())
    _WATCHED.add(config_file)
    try:
        result = CliRunner().invoke(main, ["build", str(root), "-d", str(tmp_path / "site"), "-q", "--allow-dirty"])
    finally:
        _WATCHED.discard(config_file)
    assert result.exit_code == 0, result.output
    assert counts == {"load": 1, "check": 1}
    # The dossier's mkdocs.yml parsed once (by the core); MkDocs loads only the staged one.
    assert configs[0] == config_file and len(configs) == 2
    assert configs[1].startswith("mkdocs:") and configs[1].endswith("/mkdocs.yml") and configs[1] != "mkdocs:" + config_file
    # Opened twice: parsed, and hashed into the manifest (core/integrity.py), never parsed again.
    assert _OPENED.count(config_file) == 2
    assert (tmp_path / "site/portfolio/report/index.html").is_file()


def test_mkdocs_runs_in_process_with_the_aids_and_a_plain_staged_config(tmp_path: Path, project, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project({"docs/index.md": "# Accueil\n", "docs/a.md": evidence_page("D1.1", title="A")})
    seen: dict = {}
    original = engines.mkdocs_config

    def observed(staged, aids):
        config = original(staged, aids)
        seen["plugins"] = list(config.plugins)
        seen["staged"] = yaml.safe_load(staged.config_file.read_text(encoding="utf-8"))
        seen["aids"] = aids
        return config

    monkeypatch.setattr(engines, "mkdocs_config", observed)
    run = engines.subprocess.run

    def no_engine_process(cmd, *args, **kwargs):
        assert "-m" not in cmd, cmd  # no second interpreter
        return run(cmd, *args, **kwargs)

    monkeypatch.setattr(engines.subprocess, "run", no_engine_process)
    build_mod.build(build_mod.BuildRequest(project=root, site_dir=tmp_path / "site", quiet=True, silent=True, allow_dirty=True))
    assert "portfolio-aids" in seen["plugins"] and "portfolio" not in seen["plugins"]
    assert seen["staged"]["plugins"] == ["search"]  # the aids are never written into the staged mkdocs.yml
    assert seen["aids"].template_cache and seen["aids"].nav_cache and seen["aids"].shared_assets is None
    home = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert 'class="pb-card pb-home"' in home and "Content-Security-Policy" in home


HOOK = '''\
from pathlib import Path


def on_post_build(config):
    Path(config.site_dir, "hook-ran.txt").write_text("yes", encoding="utf-8")
'''


def _own_config_dossier(project) -> Path:
    config = {"hooks": ["hooks/mine.py"], "extra_javascript": ["js/own.js"], "extra": {"generator": False}}
    text = mkdocs_text(config=config).replace("theme:\n  name: material\n", "theme:\n  name: material\n  custom_dir: overrides\n")
    return project(
        {
            "mkdocs.yml": text,
            "docs/index.md": "# Accueil\n",
            "docs/a.md": evidence_page("D1.1", title="A"),
            "docs/js/own.js": "console.log('mine');\n",
            "hooks/mine.py": HOOK,
            "overrides/main.html": '{% extends "base.html" %}\n{% block announce %}<p class="own-announce">annonce</p>{% endblock %}\n',
        },
    )


def test_a_students_own_build_never_runs_their_hooks_scripts_extra_nor_overrides(tmp_path: Path, project) -> None:
    """Malicious input: `portfolio build` of a dossier's hook, scripts, `extra:` and custom_dir
    (theirs to run with `mkdocs build` and the plugin): left out, and the build log says so."""
    root = _own_config_dossier(project)
    result = CliRunner().invoke(main, ["build", str(root), "-d", str(tmp_path / "site"), "--allow-dirty"])
    assert result.exit_code == 0, result.output
    site = tmp_path / "site"
    assert not (site / "hook-ran.txt").exists()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "js/own.js" not in home and "own-announce" not in home
    assert "left out" in result.output or "laissé de côté" in result.output
    for key in ("hooks", "extra_javascript", "extra", "theme.custom_dir"):
        assert key in result.output, key


def test_the_institutions_build_never_runs_the_dossiers_hooks(tmp_path: Path, project) -> None:
    """Malicious input: a dossier's hook, scripts, `extra:` and custom_dir in a `--jury` build."""
    root = _own_config_dossier(project)
    reviews = tmp_path / "reviews"
    reviews.mkdir()
    result = CliRunner().invoke(main, ["build", str(root), "-d", str(tmp_path / "site"), "--reviews", str(reviews), "--allow-dirty"])
    assert result.exit_code == 0, result.output
    site = tmp_path / "site"
    assert (site / "index.html").is_file() and (site / "js/own.js").is_file()  # built; their file is only data
    assert not (site / "hook-ran.txt").exists()
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "js/own.js" not in html and "own-announce" not in html, page


def test_options_are_arguments_never_the_environment(tmp_path: Path, project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugin's variables (for a plain `mkdocs build`/`serve`) do not reach `portfolio build`."""
    root = project({"docs/index.md": "# Accueil\n", "docs/secret.md": evidence_page("D1.1", title="Secret", extra="visibility: private")})
    monkeypatch.setenv("PORTFOLIO_PUBLIC", "1")
    site = build_mod.build(build_mod.BuildRequest(project=root, site_dir=tmp_path / "private", quiet=True, silent=True, allow_dirty=True))
    assert (site / "secret/index.html").is_file()  # not a public build: the variable is ignored
    public = build_mod.build(
        build_mod.BuildRequest(project=root, site_dir=tmp_path / "public", quiet=True, silent=True, allow_dirty=True, public=True)
    )
    assert not (public / "secret").exists()  # the argument decides


@pytest.mark.parametrize(
    ("variable", "flag"), [("PORTFOLIO_PUBLIC", "--public"), ("PORTFOLIO_ALLOW_DIRTY", "--allow-dirty"), ("PORTFOLIO_ISSUERS", "--issuer")]
)
def test_a_users_own_mkdocs_build_refuses_the_old_variables(tmp_path: Path, project, variable: str, flag: str) -> None:
    """A plain `mkdocs build` with the plugin reads no option from the environment. A variable
    earlier versions read stops it with the flag of `portfolio build` that says it now: never a
    private site published where PORTFOLIO_PUBLIC asked for a public one. Without it, it builds."""
    import os
    import subprocess

    root = project({"docs/index.md": "# Accueil\n", "docs/secret.md": evidence_page("D1.1", title="Secret", extra="visibility: private")})
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PORTFOLIO_")}
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp_path / "own")]
    refused = subprocess.run(
        command, cwd=root, env={**clean, variable: "1", "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert variable in refused.stderr and flag in refused.stderr and "portfolio build" in refused.stderr, refused.stderr
    assert not (tmp_path / "own/secret/index.html").exists()
    done = subprocess.run(command, cwd=root, env={**clean, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "own/secret/index.html").is_file()  # a private build, the default
    assert (tmp_path / "own/portfolio/report/index.html").is_file()


def test_strict_fails_on_mkdocs_warnings_and_keeps_the_previous_site(tmp_path: Path) -> None:
    from tests.corpus.cases import BASE_FILES
    from tests.corpus.dossier import make_dossier

    files = dict(BASE_FILES)
    files["docs/perdu.md"] = "# Perdu\n\n![image](nulle-part.png)\n"  # MkDocs warns; the core has nothing to say
    root = make_dossier(tmp_path / "dossier", files)
    site = tmp_path / "site"
    build_mod.build(build_mod.BuildRequest(project=root, site_dir=site, quiet=True, silent=True, allow_dirty=True))  # warns only
    before = (site / "perdu/index.html").read_bytes()
    with pytest.raises(build_mod.BuildFailed) as failed:
        build_mod.build(build_mod.BuildRequest(project=root, site_dir=site, quiet=True, silent=True, allow_dirty=True, strict=True))
    assert "strict" in str(failed.value)  # the warning itself is in MkDocs' log, just above
    assert (site / "perdu/index.html").read_bytes() == before


def test_odd_values_of_their_own_keys_are_left_out_not_a_traceback(tmp_path: Path, project) -> None:
    """Malicious input: tags, a string where a list is due, an empty script: the build goes on without them."""
    text = mkdocs_text() + "extra:\n  fn: !!python/name:os.system\nextra_javascript: oops.js\nhooks:\n  - ''\n  - !!python/name:os.system\n"
    root = project({"mkdocs.yml": text, "docs/index.md": "# Accueil\n"})
    result = CliRunner().invoke(main, ["build", str(root), "-d", str(tmp_path / "site"), "-q", "--allow-dirty"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "oops.js" not in (tmp_path / "site/index.html").read_text(encoding="utf-8")


def test_a_cohort_dossier_is_loaded_and_checked_once(tmp_path: Path, project, monkeypatch: pytest.MonkeyPatch) -> None:
    from portfolio_builder.cohort import run as run_mod
    from portfolio_builder.core.project import Untrusted

    root = project({"docs/index.md": "# Accueil\n", "docs/a.md": evidence_page("D1.1", title="A")})
    counts = {"load": 0, "check": 0}
    counted_load = _counted(counts, "load", run_mod.load_project)
    counted_check = _counted(counts, "check", run_mod.check_project)

    for module in (run_mod, project_mod, guard_mod):
        monkeypatch.setattr(module, "load_project", counted_load)
    for module in (run_mod, check_mod, guard_mod):
        monkeypatch.setattr(module, "check_project", counted_check)
    monkeypatch.setattr(build_mod, "build_plugin", lambda request: pytest.fail("a cohort builds through the stage"))
    from mkdocs.theme import Theme

    original = Theme.get_env
    result = run_mod.build_one(str(root), "a", str(tmp_path / "out"), Untrusted(), "fr", allow_dirty=True)
    assert result.built, result.failure
    assert counts == {"load": 1, "check": 1}
    assert (tmp_path / "out/a/portfolio/report/index.html").is_file()
    assert Theme.get_env is original  # only a cohort's worker process sets its templates up (cohort/run._worker)


def test_a_file_swapped_for_a_fifo_after_the_check_does_not_hang_the_stage(tmp_path: Path) -> None:
    """Malicious input: the stage reads at most the limit, of a regular file, without blocking."""
    import os

    fifo = tmp_path / "page.md"
    os.mkfifo(fifo)
    assert stage_mod._read_bounded(fifo, 1024) == b""
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * 5000)
    assert stage_mod._read_bounded(big, 1000) == b"x" * 1000


def test_links_to_an_active_document_follow_its_inert_copy(tmp_path: Path, project) -> None:
    root = project({
        "docs/index.md": "# Accueil\n",
        "docs/a.md": evidence_page("D1.1", title="A", body="# A\n\n[annexe](annexe.html#haut) [site](https://example.org/x.html)\n"),
        "docs/annexe.html": "<p>annexe</p>",
    })
    own = build_mod.build(build_mod.BuildRequest(project=root, site_dir=tmp_path / "own", quiet=True, silent=True, allow_dirty=True))
    assert 'href="../annexe.html#haut"' in (own / "a/index.html").read_text(encoding="utf-8")  # their own build: as MkDocs publishes it
    assert (own / "annexe.html").is_file()
    public = build_mod.build(
        build_mod.BuildRequest(project=root, site_dir=tmp_path / "public", quiet=True, silent=True, allow_dirty=True, public=True)
    )
    page = (public / "a/index.html").read_text(encoding="utf-8")
    assert 'href="../annexe.html.txt#haut"' in page and 'href="https://example.org/x.html"' in page
    assert not (public / "annexe.html").exists() and (public / "annexe.html.txt").is_file()
