"""MkDocs' Jinja environment for the theme, with the two aids every in-process build uses.

MkDocs creates a new environment with ``Theme.get_env`` several times per build: once for
the site, and once for each text Material's search plugin translates in its ``on_config``.
Two costs of those environments are the same in every build, and this module removes them
without changing what they give:

* **The listing of the theme's files.** ``Files.add_files_from_theme`` lists every file of
  every theme folder, then drops the ones its filter refuses, and the filter refuses every
  path with a hidden component (``.*`` and ``*/.*``). Material keeps its 14,000 icons under
  ``.icons/``: MkDocs walks them all, at every build, to keep none. The listing here does not
  walk into hidden folders, so it returns what the filter would have kept, and a test
  compares the files MkDocs adds with and without it.
* **Compiling the templates.** The compiled-template cache (``render.template_cache``) is set
  when the environment is created. Installed before the plugins' ``on_config`` (the staged
  build's runner), the search plugin's language templates are read from it too, and not only
  the pages' templates once ``on_env`` runs.
"""

from __future__ import annotations

import os
from typing import Any

import jinja2


class ThemeLoader(jinja2.FileSystemLoader):
    """MkDocs' loader for the theme folders; its listing leaves hidden folders out."""

    def list_templates(self) -> list[str]:
        found: set[str] = set()
        for searchpath in self.searchpath:
            for folder, dirnames, filenames in os.walk(searchpath, followlinks=self.followlinks):
                dirnames[:] = [name for name in dirnames if not name.startswith(".")]
                relative = os.path.relpath(folder, searchpath)
                prefix = "" if relative == "." else relative.replace(os.path.sep, "/") + "/"
                found.update(prefix + name for name in filenames)
        return sorted(found)


def install(theme: Any, *, bytecode_cache: bool = True) -> None:
    """Make ``theme.get_env`` give environments with the listing above and, with
    ``bytecode_cache``, the compiled-template cache. Idempotent."""
    original = theme.get_env
    if getattr(original, "portfolio_aid", False):
        return

    def get_env() -> jinja2.Environment:
        env = original()
        if type(env.loader) is jinja2.FileSystemLoader:  # MkDocs' own (a cohort worker's wraps a ThemeLoader)
            env.loader = ThemeLoader(env.loader.searchpath)
        if bytecode_cache and env.bytecode_cache is None:
            from portfolio_builder.publish.render import template_cache

            env.bytecode_cache = template_cache()
        return env

    get_env.portfolio_aid = True  # type: ignore[attr-defined]
    theme.get_env = get_env
