"""What stops a build before anything is written, for every engine (the plugin's and the stage's).

A staged build checks the dossier and decides here, before the stage, the templates, Markdown or
any engine is imported: a refused build (a strict build with problems, a dirty tree…) pays for
the check alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portfolio_builder.core import integrity
from portfolio_builder.core.check import Dossier, Options, check_project
from portfolio_builder.core.limits import DEFAULT as DEFAULT_LIMITS
from portfolio_builder.core.project import Project, find_config, load_project
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


class StageRefused(Exception):
    """The dossier is not staged; the message is localised."""


@dataclass
class StageRequest:
    project: Path  # folder or mkdocs.yml
    public: bool = False
    strict: bool = False
    allow_dirty: bool = False
    issuers: tuple[Any, ...] = ()
    sign_key: Any = None
    limits: Any = None
    offline: bool = False
    outputs: tuple[Path, ...] = ()  # where the site is published (not a change to the dossier)
    trusted_options: dict[str, Any] | None = None  # an untrusted dossier: the cohort's markdown extensions and options
    # `portfolio build`: each generated page is staged as a stub and gets our HTML after the
    # engine (engines.verify); `portfolio stage` writes the HTML itself, for any engine run by hand.
    deferred: bool = False


def check(request: StageRequest, project: Project | None = None) -> Dossier:
    """The dossier checked once; ``project`` when the caller already read it (read once)."""
    project = project or load_project(find_config(request.project))
    limits = request.limits if request.limits is not None else DEFAULT_LIMITS
    return check_project(project, Options(strict=request.strict, public=request.public, issuers=request.issuers, limits=limits))


@dataclass(frozen=True)
class Cleared:
    """A dossier ``refuse`` let through, for this request: what ``stage.stage`` takes, so that
    nothing is staged that was not vetted (the decision made once: a certification build's git
    state is read once)."""

    request: StageRequest
    dossier: Dossier


def refuse(request: StageRequest, dossier: Dossier) -> Cleared:
    """Raise StageRefused when this dossier must not be staged nor built; else its clearance."""
    project = dossier.project
    reason = fatal_reason(
        dossier, strict=request.strict, untrusted=project.untrusted, allow_dirty=request.allow_dirty, outputs=request.outputs
    )
    if reason is not None:
        raise StageRefused(reason)
    return Cleared(request, dossier)


class EngineError(Exception):
    """The engine did not give a complete site; the message is localised. ``status`` is the exit code."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status
