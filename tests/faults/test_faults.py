"""Faults (issue 6 §2), simulated against `portfolio build`.

* a build killed with SIGKILL, or interrupted with Ctrl-C (SIGINT), mid-write;
* the leftovers of a build killed in the middle of swapping the sites;
* a write error: a read-only output folder, a full disk, a failing rename;
* a read-only source tree;
* two builds started at once into the same output.

Each leaves the previous site byte for byte as it was (or replaces it with a
complete one), and the next build leaves no ``.site.tmp-*``/``.site.old-*``
folder. Nothing here depends on timing: a test pause (``PAUSER``, a plugin the
test adds to MkDocs' run, never the dossier) holds the build *after* it has written pages into
its temporary folder, until the test kills, interrupts or releases it. Waits
poll for a condition with a generous deadline only so that a bug cannot hang
the suite.

Where the tests run as root, ``chmod`` does not stop writes: the read-only
cases then use ``chattr +i`` when the file system allows it, and the
simulated variants (monkeypatched write errors, an audit hook refusing every
write to the sources) run in every environment.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

import portfolio_builder.build as build_mod
from portfolio_builder import cli
from tests.conftest import C2I1_CODES, evidence_page
from tests.corpus.cases import BASE_FILES
from tests.corpus.dossier import build_valid_site, env, fingerprint, make_dossier, run, strays

DEADLINE = 120  # seconds; only to turn a hang into a failure, never a timing assertion
PAGES = 120
PAUSE_AT = "preuves/p040.md"  # the build pauses after rendering this page (~40 of 120 pages written)

# The test's pause, added by the test to MkDocs' run (`portfolio build` never runs a dossier's hooks).
PAUSER = '''\
"""Test pause: hold the build mid-write until the test kills, interrupts or releases it."""
import os
import sys
import time
from pathlib import Path

from mkdocs.plugins import BasePlugin

from portfolio_builder.publish import engines


class Pause(BasePlugin):
    def on_post_page(self, output, page, config):
        flag = os.environ.get("FAULT_PAUSE_FILE")
        if flag and page.file.src_uri == os.environ.get("FAULT_PAUSE_AT"):
            Path(flag).write_text(str(os.getpid()), encoding="utf-8")
            release = Path(flag + ".release")
            deadline = time.monotonic() + 300
            while not release.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        return output


_loaded = engines.mkdocs_config


def mkdocs_config(staged, aids):
    config = _loaded(staged, aids)
    config.plugins["test-pause"] = Pause()
    return config


engines.mkdocs_config = mkdocs_config
from portfolio_builder.cli import main  # noqa: E402

sys.argv[0] = "portfolio"
main()
'''
PAUSED_CLI = [sys.executable, "-c", PAUSER]


def dossier_files(pages: int) -> dict[str, str | bytes]:
    """The valid base dossier and ``pages`` more evidence pages."""
    files = dict(BASE_FILES)
    body = "Le travail réalisé, ses étapes et ce que j'en retiens. " * 20
    for i in range(pages):
        files[f"docs/preuves/p{i:03d}.md"] = evidence_page(
            C2I1_CODES[i % len(C2I1_CODES)], title=f"Preuve {i}", body=f"# Preuve {i}\n\n{body}\n"
        )
    return files


BIG = dossier_files(PAGES)
SMALL = dossier_files(0)


@pytest.fixture(scope="session")
def previous_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid site of the base dossier, built once per worker."""
    return build_valid_site(tmp_path_factory.mktemp("previous"), BASE_FILES)


@pytest.fixture
def out(tmp_path: Path, previous_site: Path) -> Path:
    """``<tmp>/out/site``: a copy of the previous valid site, the target of the builds."""
    site = tmp_path / "out" / "site"
    shutil.copytree(previous_site, site, symlinks=True)
    return site


# --- helpers -----------------------------------------------------------------------


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting after {DEADLINE} s for {what}")
        time.sleep(0.02)


def _default_sigint() -> None:
    # A worker may run with SIGINT ignored; the child must get Python's Ctrl-C handling.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_build(root: Path, site: Path, pause: Path | None = None, at: str = PAUSE_AT) -> subprocess.Popen[str]:
    """`portfolio build --strict` in the background; with ``pause``, it holds after rendering ``at``."""
    environment = env()
    if pause is not None:
        environment.update(FAULT_PAUSE_FILE=str(pause), FAULT_PAUSE_AT=at)
    return subprocess.Popen(
        [*PAUSED_CLI, "build", "--strict", "-q", "-d", str(site)],
        cwd=root,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        preexec_fn=_default_sigint,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        stdout, stderr = process.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"the build did not end within {DEADLINE} s")
    return process.returncode, stdout + stderr


@contextmanager
def running(process: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """Never leave a build behind, whatever the test's outcome."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def paused_mid_write(process: subprocess.Popen[str], pause: Path, site: Path) -> Path:
    """Wait for the build to pause; return its temporary folder, already holding written pages."""
    wait_until(lambda: pause.exists() or process.poll() is not None, "the build to reach its pause")
    if not pause.exists():
        status, output = finish(process)
        pytest.fail(f"the build ended (status {status}) before pausing:\n{output}")
    temporary = [site.parent / name for name in strays(site) if ".tmp-" in name]
    assert len(temporary) == 1, strays(site)
    written = list(temporary[0].rglob("index.html"))
    assert written, "the build paused before writing any page"
    return temporary[0]


def assert_complete_site(site: Path, root: Path, evidence: int) -> None:
    """A whole, valid build: its pages, and a report equal to `portfolio check --format json`."""
    assert (site / "index.html").is_file()
    assert (site / "404.html").is_file()
    report = json.loads((site / "report.json").read_text(encoding="utf-8"))
    json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    checked = run(["check", "--format", "json", "."], root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert report == json.loads(checked.stdout)
    assert report["summary"]["evidence"] == evidence
    assert report["summary"]["errors"] == 0 and report["missing"] == []
    for item in report["evidence"]:
        page = site / item["path"].removesuffix(".md") / "index.html"
        assert page.is_file(), f"missing page {page}"


def assert_next_build_succeeds(root: Path, site: Path, evidence: int) -> None:
    result = run(["build", "--strict", "-q", "-d", str(site)], root, timeout=DEADLINE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert strays(site) == []
    assert_complete_site(site, root, evidence)


def no_traceback(output: str) -> None:
    assert "Traceback" not in output, output


# --- killed or interrupted mid-write -------------------------------------------------


def test_sigkill_mid_write_leaves_the_previous_site(tmp_path: Path, out: Path) -> None:
    root = make_dossier(tmp_path / "dossier", BIG)
    sources, before = fingerprint(root), fingerprint(out)
    pause = tmp_path / "paused"
    with running(start_build(root, out, pause)) as process:
        paused_mid_write(process, pause, out)
        os.kill(process.pid, signal.SIGKILL)
        status, _output = finish(process)
    assert status == -signal.SIGKILL
    assert fingerprint(out) == before, "a killed build changed the published site"
    assert [name for name in strays(out) if ".tmp-" in name], "expected the killed build's leftovers"

    assert_next_build_succeeds(root, out, evidence=PAGES + 1)
    assert fingerprint(root) == sources


def test_ctrl_c_mid_build_leaves_the_previous_site(tmp_path: Path, out: Path) -> None:
    root = make_dossier(tmp_path / "dossier", BIG)
    sources, before = fingerprint(root), fingerprint(out)
    pause = tmp_path / "paused"
    with running(start_build(root, out, pause)) as process:
        paused_mid_write(process, pause, out)
        os.kill(process.pid, signal.SIGINT)
        status, output = finish(process)
    assert status != 0, output
    no_traceback(output)
    assert fingerprint(out) == before, "an interrupted build changed the published site"
    assert strays(out) == [], "an interrupted build must clean its temporary folder"

    assert_next_build_succeeds(root, out, evidence=PAGES + 1)
    assert fingerprint(root) == sources


def test_leftovers_of_a_build_killed_mid_swap_are_recovered(tmp_path: Path, out: Path) -> None:
    """Killed between the two renames of the fallback swap: the site sits at `.site.old-*`."""
    before = fingerprint(out)
    old = out.parent / f".site{build_mod.OLD_MARK}4242-deadbeef"
    out.rename(old)
    partial = out.parent / f".site{build_mod.TMP_MARK}4242-cafecafe"
    (partial / "assets").mkdir(parents=True)
    (partial / "index.html").write_text("<html><body>moiti", encoding="utf-8")

    # The next build fails (strict, an unknown code): the previous site must be back anyway.
    files = {**BASE_FILES, "docs/cas.md": evidence_page("D9.9")}
    root = make_dossier(tmp_path / "dossier", files)
    result = run(["build", "--strict", "-q", "-d", str(out)], root)
    assert result.returncode != 0
    no_traceback(result.stdout + result.stderr)
    assert fingerprint(out) == before, "the previous site was not restored"
    assert strays(out) == []

    (root / "docs" / "cas.md").unlink()
    assert_next_build_succeeds(root, out, evidence=1)


# --- write errors ----------------------------------------------------------------------


def _writable(folder: Path) -> bool:
    probe = folder / ".probe-write"
    try:
        probe.mkdir()
    except OSError:
        return False
    probe.rmdir()
    return True


def _chattr(flag: str, path: Path, recursive: bool) -> bool:
    if shutil.which("chattr") is None:
        return False
    result = subprocess.run(["chattr", *(["-R"] if recursive else []), flag, str(path)], capture_output=True)
    return result.returncode == 0


@contextmanager
def read_only(path: Path, recursive: bool) -> Iterator[bool]:
    """Make ``path`` read-only for real (chmod, or chattr +i as root); yield whether it worked."""
    targets = [path]
    if recursive:
        targets += [Path(d) / n for d, dirs, files in os.walk(path) for n in dirs + files]
    modes = {p: p.lstat().st_mode for p in targets if not p.is_symlink()}
    immutable = False
    try:
        for p in modes:
            p.chmod(modes[p] & ~0o222)
        if not _writable(path if path.is_dir() else path.parent):
            yield True
            return
        immutable = _chattr("+i", path, recursive)
        yield immutable and not _writable(path)
    finally:
        if immutable:
            _chattr("-i", path, recursive)
        for p, mode in modes.items():
            p.chmod(mode)


@pytest.mark.parametrize("lock_exists", [False, True], ids=["fresh-output", "locked-before"])
def test_read_only_output_folder(tmp_path: Path, out: Path, lock_exists: bool) -> None:
    root = make_dossier(tmp_path / "dossier", dict(BASE_FILES))
    if lock_exists:
        (out.parent / ".site.lock").touch()
    before = fingerprint(out)
    with read_only(out.parent, recursive=False) as effective:
        if not effective:
            pytest.skip("cannot make a folder read-only here (see the simulated write errors)")
        result = run(["build", "--strict", "-q", "-d", str(out)], root)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    no_traceback(output)
    assert "La construction a échoué ; le site précédent est intact." in output
    assert "Operation not permitted" in output or "Permission denied" in output, output
    assert fingerprint(out) == before
    assert strays(out) == []


def _enospc(path: object) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def _fail_copyfile(monkeypatch: pytest.MonkeyPatch, out: Path) -> None:
    real = shutil.copyfile

    def copyfile(src, dst, *args, **kwargs):
        if str(dst).startswith(str(out.parent)):
            raise _enospc(dst)
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", copyfile)


def _fail_page_write(monkeypatch: pytest.MonkeyPatch, out: Path) -> None:
    import mkdocs.utils

    real = mkdocs.utils.write_file

    def write_file(content: bytes, output_path: str) -> None:
        if output_path.endswith(os.path.join("preuves", "base", "index.html")):
            raise _enospc(output_path)
        real(content, output_path)

    monkeypatch.setattr(mkdocs.utils, "write_file", write_file)


def _fail_exchange(monkeypatch: pytest.MonkeyPatch, out: Path) -> None:
    def exchange(a: Path, b: Path) -> bool:
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(b))

    monkeypatch.setattr(build_mod, "_exchange", exchange)


def _fail_second_rename(monkeypatch: pytest.MonkeyPatch, out: Path) -> None:
    """No atomic exchange: the fallback swap moves the site aside, then fails to move the new one in."""
    real = os.rename

    def rename(src, dst, *args, **kwargs):
        if Path(dst) == out and build_mod.TMP_MARK in Path(src).name:
            raise _enospc(dst)
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(build_mod, "_exchange", lambda a, b: False)
    monkeypatch.setattr(build_mod.os, "rename", rename)


def _fail_lock(monkeypatch: pytest.MonkeyPatch, out: Path) -> None:
    """The simulated read-only output folder: the lock file cannot be created."""
    real = os.open

    def open_(path, flags, *args, **kwargs):
        if str(path).endswith(".site.lock"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(build_mod.os, "open", open_)


@pytest.mark.parametrize(
    "fault, reason",
    [
        (_fail_copyfile, os.strerror(errno.ENOSPC)),
        (_fail_page_write, os.strerror(errno.ENOSPC)),
        (_fail_exchange, os.strerror(errno.EIO)),
        (_fail_second_rename, os.strerror(errno.ENOSPC)),
        (_fail_lock, os.strerror(errno.EROFS)),
    ],
    ids=["disk-full-copying-assets", "disk-full-writing-a-page", "swap-fails", "fallback-swap-fails", "read-only-output"],
)
def test_write_error_is_clear_and_keeps_the_previous_site(
    tmp_path: Path, out: Path, monkeypatch: pytest.MonkeyPatch, fault, reason: str
) -> None:
    root = make_dossier(tmp_path / "dossier", dict(BASE_FILES))
    sources, before = fingerprint(root), fingerprint(out)
    fault(monkeypatch, out)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    result = CliRunner().invoke(cli.main, ["build", "--strict", "-q", "-d", str(out), str(root)])
    assert isinstance(result.exception, SystemExit), result.exception  # not an uncaught error
    assert result.exit_code == 1, result.output
    assert "La construction a échoué ; le site précédent est intact." in result.output
    assert reason in result.output
    monkeypatch.undo()
    assert fingerprint(out) == before
    assert strays(out) == []
    assert fingerprint(root) == sources


def test_build_raises_build_failed_on_a_full_disk(tmp_path: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_dossier(tmp_path / "dossier", dict(BASE_FILES))
    before = fingerprint(out)
    _fail_copyfile(monkeypatch, out)
    with pytest.raises(build_mod.BuildFailed, match=os.strerror(errno.ENOSPC)):
        build_mod.build(build_mod.BuildRequest(project=root, site_dir=out, strict=True, quiet=True))
    monkeypatch.undo()
    assert fingerprint(out) == before and strays(out) == []


# --- read-only sources -----------------------------------------------------------------


def test_read_only_source_tree_builds(tmp_path: Path, out: Path) -> None:
    root = make_dossier(tmp_path / "dossier", dict(BASE_FILES))
    sources = fingerprint(root)
    with read_only(root, recursive=True) as effective:
        if not effective:
            pytest.skip("cannot make a folder read-only here (see the audited variant)")
        result = run(["build", "--strict", "-q", "-d", str(out)], root)
        assert result.returncode == 0, result.stdout + result.stderr
        assert_complete_site(out, root, evidence=1)
    assert fingerprint(root) == sources
    assert strays(out) == []


_REFUSED: list[str] = []
_GUARDED: list[str] = []  # the source folder being guarded, while a test runs
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_WRITE_EVENTS = {
    "os.mkdir": (0,), "os.rename": (0, 1), "os.replace": (0, 1), "os.remove": (0,), "os.rmdir": (0,),
    "os.symlink": (1,), "os.link": (1,), "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,),
    "os.truncate": (0,), "shutil.copyfile": (1,), "shutil.rmtree": (0,), "os.chflags": (0,),
}


def _inside_guarded(path: object) -> bool:
    if not isinstance(path, (str, bytes, os.PathLike)):
        return False
    text = os.path.abspath(os.fsdecode(path))
    return any(text == root or text.startswith(root + os.sep) for root in _GUARDED)


def _audit(event: str, args: tuple) -> None:
    if not _GUARDED:
        return
    if event == "open":
        path, mode, flags = args
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS
        )
        paths = [path] if writes else []
    elif event in _WRITE_EVENTS:
        paths = [args[i] for i in _WRITE_EVENTS[event] if i < len(args)]
    else:
        return
    for path in paths:
        if _inside_guarded(path):
            _REFUSED.append(f"{event} {os.fsdecode(path)}")
            raise PermissionError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))


_hook_installed: list[bool] = []


@contextmanager
def refuse_writes_under(root: Path) -> Iterator[list[str]]:
    """An audit hook refuses, in this process, every write under ``root`` (a read-only tree for root too)."""
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed.append(True)
    _REFUSED.clear()
    _GUARDED.append(str(root.resolve()))
    try:
        yield _REFUSED
    finally:
        _GUARDED.clear()


def test_read_only_source_tree_builds_audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_dossier(tmp_path / "dossier", dict(BASE_FILES))
    sources = fingerprint(root)
    site = tmp_path / "out" / "site"
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    with refuse_writes_under(root) as refused:
        result = CliRunner().invoke(cli.main, ["build", "--strict", "-q", "-d", str(site), str(root)])
        attempted = list(refused)
    assert attempted == [], f"the build tried to write into the sources: {attempted}"
    assert result.exit_code == 0, result.output
    assert fingerprint(root) == sources
    assert strays(site) == []
    assert_complete_site(site, root, evidence=1)


# --- two builds at once ------------------------------------------------------------------


def test_a_second_build_fails_clearly_while_one_is_writing(tmp_path: Path, out: Path) -> None:
    root = make_dossier(tmp_path / "dossier", SMALL)
    before = fingerprint(out)
    pause = tmp_path / "paused"
    with running(start_build(root, out, pause, at="preuves/base.md")) as first:
        paused_mid_write(first, pause, out)
        second = run(["build", "--strict", "-q", "-d", str(out)], root)
        output = second.stdout + second.stderr
        assert second.returncode == 1, output
        no_traceback(output)
        assert "Une autre construction écrit déjà dans" in output, output
        assert fingerprint(out) == before, "the refused build touched the site"
        Path(str(pause) + ".release").touch()
        status, first_output = finish(first)
    assert status == 0, first_output
    assert strays(out) == []
    assert_complete_site(out, root, evidence=1)


@pytest.mark.parametrize("round_", range(3))
def test_two_builds_started_at_once(tmp_path: Path, out: Path, round_: int) -> None:
    root = make_dossier(tmp_path / "dossier", dict(BASE_FILES))
    processes = [start_build(root, out), start_build(root, out)]
    results = []
    for process in processes:
        with running(process):
            results.append(finish(process))
    for status, output in results:
        no_traceback(output)
        assert status == 0 or (status == 1 and "Une autre construction écrit déjà dans" in output), output
    assert 0 in [status for status, _ in results], results
    assert strays(out) == []
    assert_complete_site(out, root, evidence=1)
