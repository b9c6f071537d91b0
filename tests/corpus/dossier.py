"""Helpers shared by the corpus and fault tests: make a dossier, run the CLI, fingerprint folders."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import write_files

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60  # seconds; a case that takes longer is a hang

_venv_cli = ROOT / ".venv" / "bin" / "portfolio"
CLI = [str(_venv_cli)] if _venv_cli.exists() else [sys.executable, "-m", "portfolio_builder"]


def make_dossier(root: Path, files: dict[str, str | bytes], symlinks: dict[str, str] | None = None) -> Path:
    """Write ``files`` (byte for byte) and ``symlinks`` (link → target) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, files)
    for rel, target in (symlinks or {}).items():
        link = root / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, link)
    return root


def env() -> dict[str, str]:
    """A stable environment: French messages, no colour, no user MkDocs warnings."""
    result = {k: v for k, v in os.environ.items() if not k.startswith(("PORTFOLIO_", "PYTEST_"))}
    result.update(NO_MKDOCS_2_WARNING="1", NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    return result


def run(args: list[str], cwd: Path, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run the ``portfolio`` command; a hang fails the test through TimeoutExpired."""
    return subprocess.run(
        [*CLI, *args],
        cwd=cwd,
        env=env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def fingerprint(root: Path) -> dict[str, str]:
    """Every entry under ``root`` → hash of its content (links: their target, unfollowed)."""
    found: dict[str, str] = {}
    for folder, dirnames, filenames in os.walk(root):
        rel_folder = os.path.relpath(folder, root)
        kept = []
        for name in dirnames:
            rel = os.path.normpath(os.path.join(rel_folder, name))
            path = os.path.join(folder, name)
            if os.path.islink(path):
                found[rel] = "link:" + os.readlink(path)
            else:
                found[rel] = "dir"
                kept.append(name)
        dirnames[:] = kept
        for name in filenames:
            rel = os.path.normpath(os.path.join(rel_folder, name))
            path = os.path.join(folder, name)
            if os.path.islink(path):
                found[rel] = "link:" + os.readlink(path)
            else:
                with open(path, "rb") as handle:
                    found[rel] = hashlib.sha256(handle.read()).hexdigest()
    return found


def strays(site: Path) -> list[str]:
    """Temporary or old folders a build left beside ``site`` (``.site.tmp-*``, ``.site.old-*``)."""
    return sorted(
        entry.name
        for entry in site.parent.iterdir()
        if entry.name.startswith((f".{site.name}.tmp-", f".{site.name}.old-"))
    )


def build_valid_site(work: Path, files: dict[str, str | bytes]) -> Path:
    """Build the dossier ``files`` into ``work/site`` (strict); the site a failing build must not touch."""
    root = make_dossier(work / "dossier", dict(files))
    site = work / "site"
    result = run(["build", "--strict", "-q", "-d", str(site)], root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (site / "index.html").is_file() and (site / "report.json").is_file()
    return site
