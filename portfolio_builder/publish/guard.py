"""What stops a build before anything is written, for every engine (the plugin's and the stage's)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from portfolio_builder.core import integrity
from portfolio_builder.core.check import Dossier
from portfolio_builder.i18n import translate


def fatal_reason(
    dossier: Dossier, *, strict: bool, serve: bool = False, untrusted: bool = False, allow_dirty: bool = False,
    outputs: Iterable[Path] = (),
) -> str | None:
    """The localised reason this dossier must not be built, or None."""
    lang = dossier.lang
    if not untrusted and any(p.code == "symlink-outside" for p in dossier.problems):
        # An engine would follow the link while walking the docs folder.
        return translate(lang, "plugin.symlink_outside")
    if serve:
        return None  # keep serving: the report page shows the problems
    if dossier.over_limit:
        count = sum(1 for p in dossier.problems if p.code in ("file-too-large", "dossier-too-large"))
        return translate(lang, "plugin.over_limit", count=count)
    private_links = [p for p in dossier.problems if p.code == "private-link"]
    if private_links:
        # A public site linking to private work is refused whole.
        return translate(lang, "plugin.private_links", count=len(private_links))
    if dossier.config_failed:
        return translate(lang, "plugin.config_failed")
    dirty = integrity.dirty_problem(dossier.project, allow_dirty, tuple(outputs))
    if dirty is not None:
        return f"{dirty.format(lang)}\n{translate(lang, 'plugin.dirty_tree')}"
    if strict and dossier.problems:
        return translate(lang, "plugin.strict_failed", count=len(dossier.problems))
    return None
