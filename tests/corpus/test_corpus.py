"""The bad-input corpus (issue 6 §1), run through the real `portfolio` command.

Every case runs ``portfolio check`` and ``portfolio build --strict`` (the click command,
in this process, under an alarm; the installed command itself is run on the base
dossier and builds the previous site, in a subprocess with a timeout) and must
end in a non-zero exit, a ``path:line:col: …[code]`` message at the expected place,
no traceback and no hang. The strict build writes over a previous, valid site: that
site must come out byte for byte as it was, with no temporary folder left beside
it. Neither command may touch the dossier's own files.
"""

from __future__ import annotations

import faulthandler
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from portfolio_builder.core import referential
from portfolio_builder.core.problems import CODES
from tests.conftest import portfolio_in_process
from tests.corpus.cases import BASE_FILES, CASES, LOCAL_DOMAINS, TOPICS, Case, referential_text
from tests.corpus.dossier import TIMEOUT, build_valid_site, fingerprint, make_dossier, run, strays


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return run(args, cwd)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`portfolio {' '.join(args)}` did not finish in {TIMEOUT} s (a hang)")


class _Hang(Exception):
    """A command ran past the corpus' timeout."""


def _hang(signum: int, frame: object) -> None:
    raise _Hang(f"did not finish in {TIMEOUT} s (a hang)")


def _invoke(root: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """`portfolio ARGS` in ``root``, through the click command in this process; any exception
    but the command's own exit fails the test (a traceback, where a user would see one). A hang
    fails it too: an alarm after TIMEOUT seconds, and should the command sit in C code that never
    lets the alarm in, faulthandler ends the worker a little later (the run fails, never hangs)."""
    previous = signal.signal(signal.SIGALRM, _hang)
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT)
    faulthandler.dump_traceback_later(TIMEOUT * 2, exit=True)
    try:
        return portfolio_in_process(*args, cwd=root)
    except _Hang as hang:
        pytest.fail(f"`portfolio {' '.join(args)}` {hang}")
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def previous_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid site, built once per worker from the base dossier, copied before each strict build."""
    return build_valid_site(tmp_path_factory.mktemp("previous"), BASE_FILES)


def test_the_base_dossier_is_valid(tmp_path: Path) -> None:
    """Without this, a case could fail for the base's fault rather than its own."""
    root = make_dossier(tmp_path / "dossier", dict(BASE_FILES))
    result = _run(["check", "."], root)  # once through the installed command
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 erreur, 0 avertissement" in result.stdout


def test_the_local_referential_base_is_valid(tmp_path: Path) -> None:
    """The referential cases each break one thing in a file that is otherwise valid."""
    path = tmp_path / "referentiel.yml"
    path.write_text(referential_text(LOCAL_DOMAINS), encoding="utf-8")
    loaded = referential.load(str(path), tmp_path)
    assert loaded.problems == [] and loaded.referential is not None
    assert list(loaded.referential.competencies) == ["L1.1", "L1.2"]


def test_the_corpus_covers_issue_6() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids), "case ids must be unique"
    for topic, covering in TOPICS.items():
        missing = [case_id for case_id in covering if case_id not in ids]
        assert covering and not missing, f"{topic}: no case {missing}"
    assert {case.code for case in CASES} <= set(CODES)


def located(output: str, case: Case) -> list[str]:
    """The lines of ``output`` that report ``case``'s problem at its file and line."""
    pattern = re.compile(
        rf"(?:^|\s){re.escape(case.file)}:{case.line}:\d+: (?:erreur|error)\[{re.escape(case.code)}\]"
    )
    return [line for line in output.splitlines() if pattern.search(line)]


def assert_reported(result: subprocess.CompletedProcess[str], case: Case, what: str) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, f"{what}: traceback\n{output}"
    assert result.returncode != 0, f"{what}: exit 0\n{output}"
    lines = located(output, case)
    assert lines, f"{what}: no `{case.file}:{case.line}:…: erreur[{case.code}]` in\n{output}"
    if case.hint:
        assert any(case.hint in line for line in lines), f"{what}: hint {case.hint!r} missing in {lines}"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: Case, tmp_path: Path, previous_site: Path) -> None:
    root = make_dossier(tmp_path / "dossier", {**BASE_FILES, **case.files}, case.symlinks)
    sources = fingerprint(root)

    checked = _invoke(root, ["check", "."])
    assert_reported(checked, case, "portfolio check")
    if case.check_status is not None:
        assert checked.returncode == case.check_status, checked.stdout + checked.stderr

    site = tmp_path / "out" / "site"
    shutil.copytree(previous_site, site, symlinks=True)
    before = fingerprint(site)
    built = _invoke(root, ["build", "--strict", "-d", str(site)])
    assert_reported(built, case, "portfolio build --strict")

    assert fingerprint(site) == before, "the previous site was changed by a failed build"
    assert strays(site) == [], "a failed build left temporary folders beside the site"
    assert {p.name for p in site.parent.iterdir()} <= {".site.lock", "site"}
    assert fingerprint(root) == sources, "the dossier's files were changed"
