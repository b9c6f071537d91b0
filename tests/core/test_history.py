"""history: when a file last changed (last commit in git, modification time otherwise)."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from portfolio_builder.core import history
from tests.conftest import git, set_mtime


def test_without_git_the_modification_time(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    page = tmp_path / "a.md"
    page.write_text("x")
    set_mtime(page, "2024-02-03T04:05:06")
    assert history.git_toplevel(tmp_path) is None
    assert history.last_changed(tmp_path, [page, tmp_path / "absent.md"]) == {
        page: datetime(2024, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    }
    assert history.last_changed(tmp_path, []) == {}


def test_in_git_last_commit_then_dirty_and_untracked(tmp_path):
    root = tmp_path / "depot"
    (root / "docs").mkdir(parents=True)
    a, b, c = (root / "docs" / n for n in ("a.md", "b.md", "c.md"))
    a.write_text("a1")
    b.write_text("b1")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "un", date="2024-01-10T08:00:00+01:00")
    a.write_text("a2")
    git(root, "commit", "-q", "-am", "deux", date="2024-02-20T08:00:00+00:00")
    c.write_text("nouveau, jamais commité")
    set_mtime(c, "2024-03-01T00:00:00")
    changed = history.last_changed(root / "docs", [a, b, c])
    assert changed[a] == datetime(2024, 2, 20, 8, 0, tzinfo=timezone.utc)
    assert changed[b] == datetime(2024, 1, 10, 7, 0, tzinfo=timezone.utc)
    assert changed[c] == datetime(2024, 3, 1, tzinfo=timezone.utc)

    b.write_text("b2, pas encore commité")
    set_mtime(b, "2024-04-01T00:00:00")
    assert history.last_changed(root / "docs", [b])[b] == datetime(2024, 4, 1, tzinfo=timezone.utc)
    assert history.git_toplevel(root / "docs").resolve() == root.resolve()


def test_file_names_with_accents_and_spaces(tmp_path):
    root = tmp_path / "depot"
    root.mkdir()
    page = root / "présentation orale.md"
    page.write_text("x")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "un", date="2024-05-05T05:05:05+00:00")
    now = datetime.now(timezone.utc).timestamp()
    os.utime(page, (now, now))
    assert history.last_changed(root, [page])[page] == datetime(2024, 5, 5, 5, 5, 5, tzinfo=timezone.utc)
