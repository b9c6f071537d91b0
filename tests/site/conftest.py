"""End-to-end builds of real MkDocs projects in temporary folders.

``build_site(project, site, **options)`` runs the real ``portfolio build``
pipeline in-process and returns what a capture plugin saw: the final nav and
the plugin's log records.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.nav import Navigation, Section

from portfolio_builder import build as build_mod
from portfolio_builder.publish import engines

ROOT = Path(__file__).resolve().parents[2]


class NavCapture(BasePlugin):
    """Records the navigation after every other plugin changed it."""

    def __init__(self) -> None:
        self.nav: Navigation | None = None

    @event_priority(-100)
    def on_nav(self, nav, *, config, files):
        self.nav = nav
        return nav


def nav_titles(items: list, depth: int = 1) -> list[Any]:
    """``["Accueil", ("Section", [...]), ...]`` down to ``depth`` levels."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, Section):
            out.append((item.title, nav_titles(item.children, depth - 1) if depth > 1 else []))
        else:
            out.append(item.title)
    return out


@dataclass
class Built:
    site: Path
    nav: Navigation | None
    messages: list[str] = field(default_factory=list)

    def html(self, rel: str) -> str:
        path = self.site / rel
        if path.is_dir() or rel.endswith("/") or rel == "":
            path = path / "index.html"
        return path.read_text(encoding="utf-8")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def build_site(project: Path, site: Path, **options: Any) -> Built:
    """Build like `portfolio build` (atomic, locked), capturing nav and log lines."""
    capture = NavCapture()
    handler = _Collect()
    logging.getLogger("mkdocs").addHandler(handler)
    original = build_mod.configure
    original_staged = engines.mkdocs_config

    def configure(request, site_dir, project=None, target=None):  # cohorts and the institution's builds
        config = original(request, site_dir, project, target)
        config.plugins["nav-capture"] = capture
        return config

    def staged_config(staged, aids):  # `portfolio build`: the staged project, built in-process
        config = original_staged(staged, aids)
        config.plugins["nav-capture"] = capture
        return config

    build_mod.configure = configure
    engines.mkdocs_config = staged_config
    try:
        build_mod.build(build_mod.BuildRequest(project=project, site_dir=site, quiet=True, **options))
    except build_mod.BuildFailed as error:
        error.messages = handler.messages  # what the build logged before failing
        raise
    finally:
        build_mod.configure = original
        engines.mkdocs_config = original_staged
        logging.getLogger("mkdocs").removeHandler(handler)
    built = Built(site=site, nav=capture.nav, messages=handler.messages)
    return built


@pytest.fixture
def site_builder():
    return build_site
