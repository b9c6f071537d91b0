"""What every published site goes through, whatever engine built it (and the plugin too).

Each HTML page gets the Content-Security-Policy (``web/csp.py``) first in its ``<head>``,
``noindex`` unless the dossier allows indexing, and a name for the search dialog; then the
data files (``report.json``, ``report.csv``, the signed attestation), and last the manifest
of every published file (``manifest.json``), signed with ``--sign`` (``report.jwt``,
``manifest.jwt``).

No inline script is allowed, whatever the engine: the staged project's overrides move
Material's (and Zensical's) inline scripts to files, as the plugin's do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from portfolio_builder.core import integrity, view
from portfolio_builder.core import report as report_mod
from portfolio_builder.i18n import translate
from portfolio_builder.web import a11y, csp


def finish_html(page_html: str, lang: str, noindex: bool, allowed_scripts: Iterable[str] = ()) -> str:
    page_html = a11y.name_search_dialog(page_html, translate(lang, "ui.search_dialog"))
    return csp.inject(page_html, noindex=noindex, allowed_scripts=allowed_scripts)


def write_data(site: Path, report_json: str, credential: str = "") -> None:
    (site / "report.json").write_text(report_json, encoding="utf-8")
    (site / "report.csv").write_text(report_mod.to_csv(json.loads(report_json)), encoding="utf-8")
    if credential:
        (site / view.CREDENTIAL_SRC).write_text(credential, encoding="utf-8")


def seal(site: Path, manifest: dict[str, Any], report_json: str, sign_key: Any = None) -> None:
    """Last of the build: the manifest of every published file, then the signatures."""
    manifest["site"] = integrity.site_files(site)
    manifest_json = integrity.to_json(manifest)
    (site / "manifest.json").write_text(manifest_json, encoding="utf-8")
    if sign_key is not None:
        from portfolio_builder.core import credentials

        (site / "report.jwt").write_text(credentials.sign_report(report_json, sign_key), encoding="utf-8")
        (site / "manifest.jwt").write_text(credentials.sign_report(manifest_json, sign_key), encoding="utf-8")


def finish_site(
    site: Path, *, lang: str, noindex: bool, report_json: str, manifest: dict[str, Any], credential: str = "",
    sign_key: Any = None,
) -> None:
    for page in sorted(site.rglob("*.html")):
        if page.is_symlink() or not page.is_file():
            continue
        text = page.read_text(encoding="utf-8", errors="replace")
        page.write_text(finish_html(text, lang, noindex), encoding="utf-8")
    write_data(site, report_json, credential)
    seal(site, manifest, report_json, sign_key)
