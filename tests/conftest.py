"""Shared fixtures: build a dossier project in ``tmp_path`` and check it.

``project(files, portfolio=..., config=...)`` writes a project folder and
returns it. Its default ``mkdocs.yml`` has a fixed layout, so tests can name
exact lines in it::

    1  site_name: Dossier de test
    2  theme:
    3    name: material
    4  plugins:
    5    - search
    6    - portfolio:
    7        referential: c2i1-2011
    8        candidate:
    9          name: Léa Moreau

Extra top-level keys given in ``config`` are written *after* ``plugins``, so
these line numbers hold whatever the test adds. ``portfolio`` entries are
merged over the default entry (``None`` removes a key); pass
``portfolio=...``, ``replace_portfolio=True`` to write exactly that entry.
A ``"mkdocs.yml"`` key in ``files`` replaces the generated file altogether.

``check_problems(path)`` runs the whole check and returns the problems as
``(code, file, line)`` tuples, including the problems of a configuration that
cannot be loaded at all.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from portfolio_builder.core.check import Dossier, Options, check_project
from portfolio_builder.core.problems import Problem
from portfolio_builder.core.project import ConfigError, load_project

DEFAULT_ENTRY: dict[str, Any] = {"referential": "c2i1-2011", "candidate": {"name": "Léa Moreau"}}

# Lines of the default mkdocs.yml (see the module docstring).
PORTFOLIO_LINE = 6
REFERENTIAL_LINE = 7

# Examples per hypothesis property test (tests/core/test_fuzz.py, test_fast_path.py):
# PORTFOLIO_FUZZ_EXAMPLES when set (.ci/run sets 500), else 500 on CI (CI=true), else 100 for
# the quick loop on a developer's machine.
FUZZ_EXAMPLES = int(os.environ.get("PORTFOLIO_FUZZ_EXAMPLES") or ("500" if os.environ.get("CI", "").lower() == "true" else "100"))


def pytest_configure(config: pytest.Config) -> None:
    """Under ``--dist loadgroup`` (``make test``), stop when the ``xdist_group`` marks would group nothing.

    pytest-xdist groups a marked test by appending ``@group`` to its ``_nodeid`` in each worker.
    pytest 9.2 keeps the id elsewhere, so the suffix is lost and every marked test is spread on
    its own, silently: the module fixtures the marks exist for are then built once per worker.
    """
    from _pytest.nodes import Node

    if config.getoption("dist", "no") == "loadgroup" and "_nodeid" not in getattr(Node, "__slots__", ()):
        raise pytest.UsageError(
            f"--dist loadgroup cannot group tests with pytest {pytest.__version__}: pytest-xdist sets "
            "Node._nodeid, which this pytest no longer reads (see the pytest pin in pyproject.toml)"
        )


C2I1_CODES = (
    "D1.1 D1.2 D1.3 D1.4 D2.1 D2.2 D2.3 D2.4 D3.1 D3.2 D3.3 D3.4 D3.5 D4.1 D4.2 D4.3 D4.4 D5.1 D5.2 D5.3"
).split()


def _dump(value: Any, indent: int) -> str:
    text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
    pad = " " * indent
    return "".join(pad + line + "\n" for line in text.splitlines())


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def mkdocs_text(
    portfolio: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
    *,
    replace_portfolio: bool = False,
) -> str:
    """The text of a mkdocs.yml with the fixed layout above."""
    entry = dict(portfolio or {}) if replace_portfolio else _merge(DEFAULT_ENTRY, portfolio or {})
    text = "site_name: Dossier de test\ntheme:\n  name: material\nplugins:\n  - search\n  - portfolio:\n"
    text += _dump(entry, 6) if entry else ""
    if config:
        text += _dump(config, 0)
    return text


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    """Write ``relative path → text or bytes`` under ``root``, byte for byte (CRLF stays CRLF)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def evidence_page(
    *codes: str,
    title: str = "Une preuve",
    type: str = "coursework",
    date: str = "2024-03-12",
    extra: str = "",
    body: str = "# Une preuve\n\nLe contenu de la page.\n",
) -> str:
    """An evidence page. Lines: 1 ``---``, 2 title, 3 type, 4 date, 5 ``competencies:``,
    6… one code a line, then ``extra`` (YAML lines), then ``---``."""
    lines = ["---", f"title: {title}", f"type: {type}", f"date: {date}", "competencies:"]
    lines += [f"  - {code}" for code in codes]
    text = "\n".join(lines) + "\n" + extra
    if extra and not extra.endswith("\n"):
        text += "\n"
    return text + "---\n" + body


def alias_bomb(levels: int) -> str:
    """A "billion laughs" YAML document: each level repeats the previous one nine times."""
    names = "abcdefghijklmnopqrstuvwxyz"
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip(names, names[1:levels]):
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


def as_tuples(problems: list[Problem]) -> list[tuple[str, str, int]]:
    return [(p.code, p.file, p.line) for p in problems]


def run_check(path: Path, **options: Any) -> Dossier:
    """The whole pipeline on a project folder (raises ConfigError when unusable)."""
    return check_project(load_project(path), Options(**options))


def check_problems(path: Path, **options: Any) -> list[tuple[str, str, int]]:
    """``(code, file, line)`` of every problem, a configuration failure included."""
    try:
        dossier = run_check(path, **options)
    except ConfigError as error:
        return as_tuples(error.problems)
    return as_tuples(dossier.problems)


def portfolio_in_process(*args: str, cwd: Path | None = None, without_weasyprint: bool = False) -> subprocess.CompletedProcess[str]:
    """``portfolio ARGS`` through the click command, in this process (no interpreter to start),
    from ``cwd`` when given; ``without_weasyprint`` runs it as if the `pdf` extra were not
    installed (and prints no PDF, which costs seconds of CPU).

    The command's own exit becomes the return code; any other exception is raised, so a
    traceback, where a user would see one, fails the test. The tests that need the installed
    command itself (a timeout, a signal, the exit of a whole process) run it in a subprocess.
    """
    from click.testing import CliRunner

    from portfolio_builder.cli import main

    with pytest.MonkeyPatch.context() as patch:
        if cwd is not None:
            patch.chdir(cwd)
        if without_weasyprint:
            patch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` raises ImportError
        result = CliRunner().invoke(main, list(args), env={"NO_COLOR": "1", "PORTFOLIO_LANG": None})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["portfolio", *args], result.exit_code, result.stdout, result.stderr)


def set_mtime(path: Path, when: str) -> None:
    """Set a file's modification time to an ISO moment, read as UTC."""
    stamp = datetime.fromisoformat(when).replace(tzinfo=timezone.utc).timestamp()
    os.utime(path, (stamp, stamp))


def git(root: Path, *args: str, date: str | None = None) -> None:
    """Run git in ``root``, isolated from the user's configuration; ``date`` dates a commit."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("GIT_CEILING_DIRECTORIES", None)
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(
        ["git", "-c", "user.name=Léa Moreau", "-c", "user.email=lea@example.org", "-c", "commit.gpgsign=false", *args],
        cwd=root, env=env, check=True, capture_output=True,
    )


ProjectFactory = Callable[..., Path]


@pytest.fixture
def project(tmp_path: Path) -> ProjectFactory:
    """Factory: ``project(files=None, *, portfolio=None, config=None, replace_portfolio=False, name=None)``.

    Each call makes a new folder under ``tmp_path`` (several projects per test
    are fine) with a ``docs/`` folder and the default ``mkdocs.yml``.
    """
    counter = itertools.count(1)

    def make(
        files: dict[str, str | bytes] | None = None,
        *,
        portfolio: dict[str, Any] | None = None,
        config: dict[str, Any] | None = None,
        replace_portfolio: bool = False,
        name: str | None = None,
    ) -> Path:
        root = tmp_path / (name or f"dossier-{next(counter)}")
        root.mkdir(parents=True)
        files = dict(files or {})
        if "mkdocs.yml" not in files:
            files["mkdocs.yml"] = mkdocs_text(portfolio, config, replace_portfolio=replace_portfolio)
        docs_dir = (config or {}).get("docs_dir") or "docs"
        (root / docs_dir).mkdir(parents=True, exist_ok=True)
        write_files(root, files)
        return root

    return make


@pytest.fixture
def check() -> Callable[..., Dossier]:
    """``check(path, **Options)`` → the Dossier."""
    return run_check


@pytest.fixture
def problems_of() -> Callable[..., list[tuple[str, str, int]]]:
    """``problems_of(path, **Options)`` → ``[(code, file, line), …]``."""
    return check_problems

