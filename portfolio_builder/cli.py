"""The ``portfolio`` command: a thin adapter over the core and the site builder.

Exit statuses: 0 when there is no error, 1 when the dossier has errors, 2 for
a usage or configuration error. Messages come from the catalog, in the
dossier's language (``--lang`` when there is no readable dossier yet).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from portfolio_builder import __version__
from portfolio_builder.core import referential as referential_mod
from portfolio_builder.core.check import Dossier, Options, check_project
from portfolio_builder.core.problems import Problem
from portfolio_builder.core.project import ConfigError, load_project
from portfolio_builder.i18n import translate

EXIT_OK, EXIT_ERRORS, EXIT_CONFIG = 0, 1, 2

LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(["fr", "en"]),
    default=None,
    help="Language of messages when the dossier does not set one (default: fr).",
)


def _default_lang(lang: str | None) -> str:
    return lang or os.environ.get("PORTFOLIO_LANG", "fr")


def _where(project_root: Path, problem: Problem) -> str:
    """The problem's file as a path the user can open from where they are."""
    candidate = project_root / problem.file
    if candidate.exists():
        try:
            return os.path.relpath(candidate)
        except ValueError:  # another drive on Windows
            return str(candidate)
    return problem.file


def print_problems(problems: list[Problem], root: Path, lang: str) -> None:
    for problem in problems:
        if problem.code == "missing-competency" and not problem.is_error:
            continue  # the coverage summary below names them
        click.echo(problem.format(lang, _where(root, problem)), err=False)


def print_config_error(error: ConfigError, lang: str, root: Path | None = None) -> None:
    for problem in error.problems:
        click.echo(problem.format(lang, _where(root or Path.cwd(), problem)), err=True)


def _summary_lines(dossier: Dossier) -> list[str]:
    lang = dossier.lang
    referential = dossier.referential
    cov = dossier.coverage
    lines: list[str] = []
    if referential is not None:
        lines.append(
            translate(
                lang, "cli.coverage_title", referential=referential.short_title, covered=cov.covered, total=cov.total
            )
        )
        width = max((len(d.domain.code) for d in cov.domains), default=2)
        for domain in cov.domains:
            line = f"  {domain.domain.code:<{width}}  {domain.covered:>2}/{domain.total:<2}  {domain.domain.title}"
            if domain.missing:
                names = ", ".join(f"{code} {referential.competencies[code].title}" for code in domain.missing)
                line += "\n" + " " * (width + 10) + translate(lang, "cli.missing", names=names)
            lines.append(line)
    lines.append(
        translate(
            lang,
            "cli.totals",
            errors=dossier.errors,
            warnings=dossier.warnings,
            evidence=len(dossier.evidence),
        )
    )
    return lines


def _github_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github_lines(dossier: Dossier, prefix: str) -> list[str]:
    lang = dossier.lang
    lines = []
    for p in dossier.problems:
        level = "error" if p.is_error else "warning"
        message = p.message(lang) + (f" ({p.hint(lang)})" if p.hint(lang) else "")
        path = f"{prefix}{p.file}" if prefix else p.file
        lines.append(
            f"::{level} file={_github_escape(path, True)},line={p.line},col={p.column},"
            f"title={_github_escape(p.code, True)}::{_github_escape(message)}"
        )
    return lines


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="portfolio")
def main() -> None:
    """Check, measure and publish a dossier numérique de compétences."""


@main.command()
@click.argument("projects", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["human", "json", "github"]), default="human", show_default=True)
@click.option("--strict", is_flag=True, help="Missing competencies are errors, not warnings.")
@click.option("--public", is_flag=True, help="Check what a public build shows (private evidence left out).")
@LANG_OPTION
def check(projects: tuple[Path, ...], fmt: str, strict: bool, public: bool, lang: str | None) -> None:
    """Check the dossier(s) in PROJECTS (default: the current folder)."""
    from portfolio_builder.core import report as report_mod

    targets = projects or (Path("."),)
    status = EXIT_OK
    reports = []
    for target in targets:
        try:
            project = load_project(target)
        except ConfigError as error:
            print_config_error(error, _default_lang(lang), Path(target) if Path(target).is_dir() else None)
            status = max(status, EXIT_CONFIG)
            continue
        dossier = check_project(project, Options(strict=strict, public=public, lang=lang, jobs=os.cpu_count() or 1))
        if fmt == "json":
            reports.append(report_mod.build(dossier))
        elif fmt == "github":
            prefix = os.path.relpath(project.root) + "/" if project.root != Path.cwd().resolve() else ""
            for line in _github_lines(dossier, "" if prefix == "./" else prefix):
                click.echo(line)
        else:
            if len(targets) > 1:
                click.echo(f"== {os.path.relpath(project.root)}")
            print_problems(dossier.problems, project.root, dossier.lang)
            for line in _summary_lines(dossier):
                click.echo(line)
        if dossier.config_failed:
            status = max(status, EXIT_CONFIG)
        elif dossier.errors:
            status = max(status, EXIT_ERRORS)
    if fmt == "json":
        document = reports[0] if len(targets) == 1 and reports else reports
        if reports or len(targets) > 1:
            click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    sys.exit(status)


@main.command()
@LANG_OPTION
def referentials(lang: str | None) -> None:
    """List the shipped referentials with their domain and competency counts."""
    lang = _default_lang(lang)
    rows = []
    for ref_id in referential_mod.shipped_ids():
        ref = referential_mod.load_shipped(ref_id)
        rows.append((ref.id, str(len(ref.domains)), str(len(ref.competencies)), ref.short_title))
    headers = tuple(translate(lang, f"cli.referentials.{k}") for k in ("id", "domains", "competencies", "title"))
    widths = [max(len(r[i]) for r in rows + [headers]) for i in range(3)]
    click.echo(f"{headers[0]:<{widths[0]}}  {headers[1]:>{widths[1]}}  {headers[2]:>{widths[2]}}  {headers[3]}")
    for row in rows:
        click.echo(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}")
