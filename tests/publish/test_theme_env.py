"""The theme's environment aids (mkdocs_plugin/theme_env.py): the same files, fewer walked."""

from __future__ import annotations

from pathlib import Path

import jinja2
from mkdocs.config import load_config
from mkdocs.structure.files import Files

from portfolio_builder.mkdocs_plugin import theme_env


def _config(tmp_path: Path):
    overrides = tmp_path / "overrides"
    for rel in (".hidden/x.css", "a/.b/c.js", ".dot.css", "a/b.css", "a/.dot.js", "deep/er/still.svg", "main.html"):
        (overrides / rel).parent.mkdir(parents=True, exist_ok=True)
        (overrides / rel).write_text("/* */\n", encoding="utf-8")
    (tmp_path / "docs").mkdir(exist_ok=True)
    (tmp_path / "docs/index.md").write_text("# Accueil\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: T\ntheme:\n  name: material\n  custom_dir: overrides\n", encoding="utf-8"
    )
    return load_config(str(tmp_path / "mkdocs.yml"))


def _mkdocs_env(config) -> jinja2.Environment:
    """The environment MkDocs' ``Theme.get_env`` builds (its loader over the theme folders)."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(config.theme.dirs), auto_reload=False)


def _theme_files(config, env: jinja2.Environment) -> list[tuple[str, str]]:
    files = Files([])
    files.add_files_from_theme(env, config)
    return sorted((f.src_uri, f.abs_src_path or "") for f in files)


class _Theme:
    """A theme whose get_env is MkDocs' own, whatever another test's cohort worker patched."""

    def __init__(self, config) -> None:
        self.config = config
        self.dirs = config.theme.dirs

    def get_env(self) -> jinja2.Environment:
        return _mkdocs_env(self.config)


def test_the_theme_files_mkdocs_adds_are_the_same_without_walking_hidden_folders(tmp_path: Path) -> None:
    config = _config(tmp_path)
    plain = _mkdocs_env(config)
    assert any(name.startswith(".icons/") for name in plain.loader.list_templates())  # what MkDocs walks, then drops

    theme = _Theme(config)
    theme_env.install(theme, bytecode_cache=False)
    theme_env.install(theme, bytecode_cache=False)  # idempotent
    aided = theme.get_env()
    assert isinstance(aided.loader, theme_env.ThemeLoader)
    walked = aided.loader.list_templates()
    assert not any(part.startswith(".") for name in walked for part in name.split("/")[:-1])  # no hidden folder
    assert {".dot.css", "a/.dot.js"} <= set(walked)  # hidden files still listed: MkDocs' filter drops them

    same = _theme_files(config, aided)
    assert same == _theme_files(config, plain)
    names = {src for src, _ in same}
    assert {"a/b.css", "deep/er/still.svg"} <= names
    assert not names & {".hidden/x.css", "a/.b/c.js", ".dot.css", "a/.dot.js", "main.html"}


def test_templates_load_as_before_and_the_compiled_cache_is_set_from_the_start(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    theme = _Theme(_config(tmp_path))
    theme_env.install(theme)
    env = theme.get_env()
    assert env.bytecode_cache is not None  # before on_env: Material's search translates here
    assert env.get_template("partials/language.html") is not None
    assert env.get_template("main.html").filename.endswith("overrides/main.html")  # the custom_dir still wins
