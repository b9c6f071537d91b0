"""What the browser tests share that is not a fixture: where Chromium is, how to
launch it, whether a missing browser skips or fails, and small helpers.

Browser tests never download a browser (no ``playwright install``): they drive
Debian's Chromium at ``/usr/bin/chromium``. When it is missing, the test modules
skip with the reason, unless ``PORTFOLIO_REQUIRE_BROWSER=1`` (set by CI), which
turns the missing browser into a failure.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE_ENV = "PORTFOLIO_REQUIRE_BROWSER"

# Every browser test module sets ``pytestmark = BROWSER``.
BROWSER = pytest.mark.browser

# The French labels of the evidence types (issue 3, section 2).
TYPE_LABELS = {
    "coursework": "Production issue d'un enseignement",
    "assessment": "Résultat de contrôle de connaissances",
    "external": "Production externe commentée",
}

# Paths of the sample site's pages used by several modules.
REPORT = "portfolio/report/"
ATTESTATION = "portfolio/attestation/"
EVIDENCE = "productions/organisation-espace-travail/"  # coursework, three claims, one attachment, reviewed
EXTERNAL_EVIDENCE = "externes/budget-association/"  # an external production with a commentary
MISSING_CODE = "D4.4"
MISSING_TITLE = "Organiser une veille informationnelle"


def browser_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() == "1"


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (install Debian's 'chromium' package; never run 'playwright install')"
    for module in ("playwright", "axe_playwright_python"):
        if importlib.util.find_spec(module) is None:
            return f"the Python package {module!r} is not installed (pip install -e '.[test]')"
    return None


def require_browser() -> None:
    """Call at the top of each browser test module: skip it, or fail when CI requires the browser."""
    reason = missing_browser()
    if reason is None:
        return
    if browser_required():
        pytest.fail(f"{REQUIRE_ENV}=1 but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}; set {REQUIRE_ENV}=1 to make this an error", allow_module_level=True)


def slug(code: str) -> str:
    """Competency code → the slug of its page (``D4.4`` → ``d4-4``)."""
    return code.lower().replace(".", "-")


def competency_url(code: str) -> str:
    return f"portfolio/competencies/{slug(code)}/"


def page_url(source: str) -> str:
    """A Markdown source path → its URL path under MkDocs' directory URLs."""
    stem = source[: -len(".md")] if source.endswith(".md") else source
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def by_code(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["code"]: c for c in report["competencies"]}


@dataclass(frozen=True)
class Site:
    """A built site on disk and the URL it is served at."""

    root: Path
    base: str

    def url(self, path: str = "") -> str:
        return self.base + path.lstrip("/")

    def path_of(self, url: str) -> str:
        """The path of a URL of this site, relative to its root (no query, no fragment)."""
        assert url.startswith(self.base), f"{url} is not on this site ({self.base})"
        return urlsplit(url).path[len(urlsplit(self.base).path) :]

    def report(self) -> dict[str, Any]:
        return json.loads((self.root / "report.json").read_text(encoding="utf-8"))
