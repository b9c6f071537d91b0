"""The ``portfolio`` command: a thin adapter over the core and the site builder.

Exit statuses: 0 when there is no error, 1 when the dossier has errors, 2 for
a usage or configuration error. Messages come from the catalog, in the
dossier's language (``--lang`` when there is no readable dossier yet).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import click

from portfolio_builder import __version__, cli_trust
from portfolio_builder.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate, translate_count

if TYPE_CHECKING:
    from portfolio_builder.core.check import Dossier
    from portfolio_builder.core.problems import Problem
    from portfolio_builder.core.project import ConfigError

# Each command imports the machinery it uses, when it runs: `portfolio --help` and the
# pre-commit `portfolio check` of one page pay for nothing else (see benchmarks/check_speed.py).

EXIT_OK, EXIT_ERRORS, EXIT_CONFIG = 0, 1, 2


def _h(key: str) -> str:
    """Help text, in French unless PORTFOLIO_LANG=en (help prints before any dossier is read)."""
    return translate(os.environ.get("PORTFOLIO_LANG", DEFAULT_LANGUAGE), key)


_F = TypeVar("_F", bound=Callable[..., Any])


class OptionDecorator(Protocol):
    """What ``click.option(...)`` returns: it gives back the command function it decorates."""

    def __call__(self, f: _F, /) -> _F: ...


JURY_OPTION: OptionDecorator = click.option(
    "--jury", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None, help=_h("help.jury_file")
)
REVIEWS_OPTION: OptionDecorator = click.option(
    "--reviews", type=click.Path(path_type=Path, exists=True, file_okay=False), default=None, help=_h("help.reviews_dir")
)
LANG_OPTION: OptionDecorator = click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help=_h("help.lang"),
)


def _parse_limits(values: tuple[str, ...], lang: str | None):
    """``--limit name=value`` (repeatable) → Limits; a usage error (exit 2) names the bad one."""
    from portfolio_builder.core import limits as limits_mod

    chosen = {}
    for item in values:
        name, _, value = item.partition("=")
        name = name.strip()
        try:
            if name == "build_seconds":
                raise ValueError(name)  # only a cohort stops a build on time
            chosen[name] = limits_mod.parse_value(name, value)
        except ValueError:
            language = _default_lang(lang)
            names = ", ".join(n for n in limits_mod.SIZE_NAMES + ("files",))
            click.echo(
                translate(language, "config.bad_limit", name=name, value=value)
                + f" ({translate(language, 'config.bad_limit.hint', names=names)})",
                err=True,
            )
            sys.exit(EXIT_CONFIG)
    return limits_mod.DEFAULT.with_values(chosen)


LIMIT_OPTION: OptionDecorator = click.option("--limit", "limits", multiple=True, metavar="NAME=VALUE", help=_h("help.limit"))


def _default_lang(lang: str | None) -> str:
    return lang or os.environ.get("PORTFOLIO_LANG", DEFAULT_LANGUAGE)


def _where(project_root: Path, problem: Problem) -> str:
    """The problem's file as a path the user can open from where they are."""
    candidate = project_root / problem.file
    if candidate.exists() or candidate.parent.exists():
        relative = os.path.relpath(candidate)
        # Below the current folder: short and clickable; elsewhere: absolute, not ../../..
        return relative if not relative.startswith("..") else str(candidate.resolve())
    return problem.file


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
            if domain.carried is not None:
                carried = domain.carried
                line += "\n" + " " * (width + 10) + translate(lang, "cli.carried", session=carried.session, date=carried.date)
            if domain.missing:
                names = ", ".join(f"{code} {referential.competencies[code].title}" for code in domain.missing)
                line += "\n" + " " * (width + 10) + translate(lang, "cli.missing", names=names)
            if referential.levels is not None:
                line += "\n" + " " * (width + 10) + translate(lang, "cli.levels", levels=_level_summary(dossier, domain))
            lines.append(line)
    # The missing competencies are named above, not printed as warnings: counted apart, so
    # the numbers match what was printed.
    missing = sum(1 for p in dossier.problems if p.code == "missing-competency" and not p.is_error)
    counts = [
        translate_count(lang, "cli.count.errors", dossier.errors),
        translate_count(lang, "cli.count.warnings", dossier.warnings - missing),
    ]
    if missing:
        counts.append(translate_count(lang, "cli.count.missing", missing))
    counts.append(translate_count(lang, "cli.count.evidence", len(dossier.evidence)))
    lines.append(", ".join(counts))
    return lines


def _level_summary(dossier: Dossier, domain) -> str:
    """« 1.1 4/4, 1.2 3/— » : the highest level claimed by the evidence / validated, per competency."""
    parts = []
    for entry in domain.competencies:
        level = dossier.level(entry.competency.code)
        shown = [str(v) if v is not None else "—" for v in (level.evidenced, level.validated)] if level else ["—", "—"]
        required = f" (≥ {level.required})" if level and level.required is not None else ""
        parts.append(f"{entry.competency.code} {'/'.join(shown)}{required}")
    return ", ".join(parts)


def _github_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github_lines(dossier: Dossier, prefix: str) -> list[str]:
    return _annotations(dossier.problems, dossier.lang, lambda p: f"{prefix}{p.file}" if prefix else p.file)


def _annotations(problems: list[Problem], lang: str, where) -> list[str]:
    """GitHub Actions workflow commands: one annotation per problem."""
    lines = []
    for p in problems:
        level = "error" if p.is_error else "warning"
        message = p.message(lang) + (f" ({p.hint(lang)})" if p.hint(lang) else "")
        path = where(p)
        lines.append(
            f"::{level} file={_github_escape(path, True)},line={p.line},col={p.column},"
            f"title={_github_escape(p.code, True)}::{_github_escape(message)}"
        )
    return lines


@click.group(help=_h("help.main"), context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="portfolio")
def main() -> None:
    # The group only dispatches; each command's help comes from the catalog.
    pass


@main.command(help=_h("help.check"))
@click.argument("projects", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["human", "json", "github"]), default="human", show_default=True)
@click.option("--strict", is_flag=True, help=_h("help.check.strict"))
@click.option("--public", is_flag=True, help=_h("help.check.public"))
@click.option("--issuer", "issuers", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False), help=_h("help.trusted_issuer"))
@LIMIT_OPTION
@LANG_OPTION
def check(
    projects: tuple[Path, ...], fmt: str, strict: bool, public: bool, issuers: tuple[Path, ...], limits: tuple[str, ...], lang: str | None
) -> None:
    targets = projects or (Path("."),)
    jobs = os.cpu_count() or 1
    chosen = _parse_limits(limits, lang)
    trusted = tuple(cli_trust.trusted_issuers(issuers, _default_lang(lang))) if issuers else ()
    args = [
        (target, fmt, strict, public, lang, len(targets) > 1, jobs if len(targets) == 1 else 1, chosen, trusted) for target in targets
    ]
    if len(targets) > 1 and jobs > 1:
        # Many dossiers (a cohort): one process per core, results kept in order.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context()) as pool:
            results = list(pool.map(_check_one, args, chunksize=max(1, len(args) // (jobs * 4))))
    else:
        results = [_check_one(a) for a in args]
    status = max((r[0] for r in results), default=EXIT_OK)
    for _status, out, err, _report in results:
        if out:
            click.echo(out)
        if err:
            click.echo(err, err=True)
    if fmt == "json":
        # On one line: Python's C encoder writes it (an indented dump is the slow, pure-Python
        # one: a tenth of the check of 4,000 pages). `| python -m json.tool` indents it.
        reports = [r[3] for r in results if r[3] is not None]
        if len(targets) == 1:
            if reports:
                click.echo(json.dumps(reports[0], ensure_ascii=False))
        else:
            click.echo(json.dumps(reports, ensure_ascii=False))
    sys.exit(status)


def _check_one(args: tuple) -> tuple[int, str, str, dict | None]:
    """(exit status, stdout text, stderr text, report) for one dossier."""
    from portfolio_builder.core.check import Options, check_project
    from portfolio_builder.core.project import ConfigError, load_project

    target, fmt, strict, public, lang, several, jobs, limits, trusted = args
    try:
        project = load_project(target)
    except ConfigError as error:
        root = Path(target) if Path(target).is_dir() else Path.cwd()
        language = _default_lang(lang)
        if fmt == "github":  # CI still gets its annotation, at the right line
            lines = _annotations(error.problems, language, lambda p: _where(root, p))
            return EXIT_CONFIG, "\n".join(lines), "", None
        err = "\n".join(p.format(language, _where(root, p)) for p in error.problems)
        return EXIT_CONFIG, "", err, None
    dossier = check_project(project, Options(strict=strict, public=public, lang=lang, jobs=jobs, limits=limits, issuers=trusted))
    status = EXIT_CONFIG if dossier.config_failed else (EXIT_ERRORS if dossier.errors else EXIT_OK)
    if fmt == "json":
        from portfolio_builder.core import report as report_mod

        return status, "", "", report_mod.build(dossier)
    if fmt == "github":
        prefix = os.path.relpath(project.root) + "/" if project.root != Path.cwd().resolve() else ""
        return status, "\n".join(_github_lines(dossier, "" if prefix == "./" else prefix)), "", None
    lines = [f"== {os.path.relpath(project.root)}"] if several else []
    lines += [
        p.format(dossier.lang, _where(project.root, p))
        for p in dossier.problems
        if not (p.code == "missing-competency" and not p.is_error)  # the summary below names them
    ]
    lines += _summary_lines(dossier)
    return status, "\n".join(lines), "", None


@main.group(help=_h("help.referentials"), invoke_without_command=True)
@LANG_OPTION
@click.pass_context
def referentials(ctx: click.Context, lang: str | None) -> None:
    if ctx.invoked_subcommand is not None:
        return  # `referentials export|import` (cli_outputs)
    from portfolio_builder.core import referential as referential_mod
    from portfolio_builder.core import rules as rules_mod

    lang = _default_lang(lang)
    rows = []
    for ref_id in referential_mod.shipped_ids():
        ref = referential_mod.load_shipped(ref_id)
        rule = rules_mod.kind_of(ref).label(ref).text(lang)
        if ref.rules.qcm_per_domain:
            rule += translate(lang, "cli.referentials.rule.qcm")
            if ref.rules.qcm_certainty and ref.rules.qcm_certainty != "confirmed":
                rule += translate(lang, f"cli.referentials.qcm.{ref.rules.qcm_certainty}")
        elif ref.rules.qcm_certainty == "unknown":
            rule += translate(lang, "cli.referentials.qcm_unknown")
        if ref.levels is not None:
            rule += translate(lang, "cli.referentials.levels", min=ref.levels.min, max=ref.levels.max)
        if ref.rules.conditions:
            rule += translate(lang, "cli.referentials.conditions", count=len(ref.rules.conditions))
        rows.append((ref.id, str(len(ref.domains)), str(len(ref.competencies)), rule, ref.short_title))
    headers = tuple(translate(lang, f"cli.referentials.{k}") for k in ("id", "domains", "competencies", "rule", "title"))
    widths = [max(len(r[i]) for r in rows + [headers]) for i in range(4)]
    for row in [headers, *rows]:
        click.echo(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]:<{widths[3]}}  {row[4]}")


@main.command(help=_h("help.build"))
@click.argument("project", required=False, default=".", type=click.Path(path_type=Path))
@click.option("-d", "--site-dir", type=click.Path(path_type=Path), help=_h("help.build.site_dir"))
@click.option("--strict", is_flag=True, help=_h("help.build.strict"))
@click.option("--public", is_flag=True, help=_h("help.build.public"))
@click.option("--allow-dirty", is_flag=True, help=_h("help.build.allow_dirty"))
@click.option("-q", "--quiet", is_flag=True, help=_h("help.build.quiet"))
@click.option("--offline", is_flag=True, help=_h("help.build.offline"))
@click.option("--sign", "sign_key", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None, help=_h("help.build.sign"))
@click.option("--issuer", "issuers", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False), help=_h("help.trusted_issuer"))
@JURY_OPTION
@REVIEWS_OPTION
@click.option("--engine", type=click.Choice(["mkdocs", "properdocs", "zensical"]), default=None, help=_h("help.build.engine"))
@LIMIT_OPTION
@LANG_OPTION
def build(
    project: Path,
    site_dir: Path | None,
    strict: bool,
    public: bool,
    allow_dirty: bool,
    quiet: bool,
    offline: bool,
    sign_key: Path | None,
    issuers: tuple[Path, ...],
    jury: Path | None,
    reviews: Path | None,
    engine: str | None,
    limits: tuple[str, ...],
    lang: str | None,
) -> None:
    from portfolio_builder import build as build_mod
    from portfolio_builder.core.project import ConfigError, load_project

    chosen = _parse_limits(limits, lang)
    try:
        loaded = load_project(project)  # read once: the build goes on with this reading
    except ConfigError:
        loaded = None  # reported below, at its line, by the build's own reading
    lang = lang or (loaded.settings.language if loaded is not None else _default_lang(None))
    if engine is not None:
        _check_engine(engine, lang)
        if sign_key or jury is not None or reviews is not None:
            click.echo(translate(lang, "engine.institution_build"), err=True)
            sys.exit(EXIT_CONFIG)
    key = cli_trust.private_key(sign_key, lang) if sign_key else None
    trusted = cli_trust.trusted_issuers(issuers, lang) if issuers else []  # no key: no cryptography imported
    if key is not None or jury is not None or reviews is not None:
        # The institution's build: the dossier is read as a cohort reads it (its hooks, plugins and
        # scripts never run where the signing key is), its word counts only from the jury's side.
        _signed_build(project, site_dir, key, trusted, jury, reviews, allow_dirty, public, chosen, lang)
        return
    request = build_mod.BuildRequest(
        project=project,
        site_dir=site_dir,
        strict=strict,
        public=public,
        allow_dirty=allow_dirty,
        quiet=quiet,
        issuers=tuple(trusted),
        limits=chosen,
        offline=offline,
        engine=engine,
        loaded=loaded,
    )
    try:
        target = build_mod.build(request)
    except ConfigError as error:
        print_config_error(error, lang, project if project.is_dir() else None)
        sys.exit(EXIT_CONFIG)
    except build_mod.BuildLocked as error:
        click.echo(translate(lang, "cli.build_locked", site=str(error)), err=True)
        sys.exit(EXIT_ERRORS)
    except build_mod.BuildFailed as error:
        # The reason was printed just above by MkDocs' log, unless it came from elsewhere.
        click.echo(translate(lang, "cli.build_failed", reason="" if error.logged else str(error)).rstrip(), err=True)
        sys.exit(EXIT_ERRORS)
    click.echo(translate(lang, "cli.built", site=os.path.relpath(target)))


def _check_engine(engine: str, lang: str) -> None:
    from portfolio_builder.publish import engines

    if not engines.available(engine):
        click.echo(translate(lang, "engine.missing", engine=engine, extra=engines.EXTRAS[engine] or engine), err=True)
        sys.exit(EXIT_CONFIG)


@main.command(help=_h("help.stage"))
@click.argument("project", required=False, default=".", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help=_h("help.stage.output"))
@click.option("--strict", is_flag=True, help=_h("help.build.strict"))
@click.option("--public", is_flag=True, help=_h("help.build.public"))
@click.option("--allow-dirty", is_flag=True, help=_h("help.build.allow_dirty"))
@click.option("--offline", is_flag=True, help=_h("help.build.offline"))
@LIMIT_OPTION
@LANG_OPTION
def stage(
    project: Path, output: Path, strict: bool, public: bool, allow_dirty: bool, offline: bool, limits: tuple[str, ...], lang: str | None
) -> None:
    from portfolio_builder.core.project import ConfigError
    from portfolio_builder.publish import guard

    chosen = _parse_limits(limits, lang)
    lang = _project_lang(project, lang)
    request = guard.StageRequest(
        project=project, public=public, strict=strict, allow_dirty=allow_dirty, limits=chosen, offline=offline
    )
    try:
        dossier = guard.check(request)
        cleared = guard.refuse(request, dossier)
        from portfolio_builder.publish import stage as stage_mod

        staged = stage_mod.stage(request, output, cleared)
    except ConfigError as error:
        print_config_error(error, lang, project if project.is_dir() else None)
        sys.exit(EXIT_CONFIG)
    except guard.StageRefused as error:
        click.echo(translate(lang, "cli.build_failed", reason=str(error)).rstrip(), err=True)
        sys.exit(EXIT_ERRORS)
    except OSError as error:
        click.echo(translate(lang, "cli.build_failed", reason=f"{error.filename or output}: {error.strerror or error}"), err=True)
        sys.exit(EXIT_ERRORS)
    for problem in dossier.problems:
        click.echo(problem.format(dossier.lang), err=True)
    click.echo(translate(lang, "stage.done", stage=os.path.relpath(staged.root), pages=len(staged.expected)))


def _trusting_own(key, trusted: list) -> tuple:
    """The trusted issuers, and the signing institution itself: it believes its own attestations."""
    from portfolio_builder.core import credentials

    own = [credentials.KeyFile(key.path, key.key, key.issuer, private=False)] if key is not None else []
    return (*trusted, *own)


def _authority_reading(jury: Path | None, reviews: Path | None, issuers: tuple):
    """How the institution reads one dossier: as a cohort does, the jury's file and reviews its own."""
    from portfolio_builder.core.project import Untrusted

    return Untrusted(
        jury=jury.resolve() if jury is not None else None,
        reviews=reviews.resolve() if reviews is not None else None,
        issuers=issuers,
    )


def _signed_build(project, site_dir, key, trusted, jury, reviews, allow_dirty, public, limits, lang) -> None:
    from portfolio_builder import build as build_mod
    from portfolio_builder.cohort import run as run_mod

    target = (site_dir or Path(project) / "site").resolve()
    reading = _authority_reading(jury, reviews, _trusting_own(key, trusted))
    try:
        with build_mod.output_lock(target):
            result = run_mod.build_one(
                str(project), target.name, str(target.parent), reading, lang,
                limits=limits, allow_dirty=allow_dirty, sign_key=key, public=public,
            )
    except build_mod.BuildLocked as error:
        click.echo(translate(lang, "cli.build_locked", site=str(error)), err=True)
        sys.exit(EXIT_ERRORS)
    except build_mod.BuildFailed as error:
        click.echo(translate(lang, "cli.build_failed", reason=str(error)).rstrip(), err=True)
        sys.exit(EXIT_ERRORS)
    for line in result.problems:
        click.echo(line, err=True)
    if not result.built:
        click.echo(translate(lang, "cli.build_failed", reason=result.failure).rstrip(), err=True)
        sys.exit(EXIT_ERRORS)
    click.echo(translate(lang, "cli.built", site=os.path.relpath(target)))
    if key is not None:
        click.echo(translate(lang, "cli.signed_report", path=os.path.relpath(target / "report.jwt")))


def _project_lang(project: Path, lang: str | None) -> str:
    """The dossier's language for messages printed before or without a check."""
    from portfolio_builder.core.project import ConfigError, load_project

    if lang:
        return lang
    try:
        return load_project(project).settings.language
    except ConfigError:
        return _default_lang(None)


@main.command(help=_h("help.serve"))
@click.argument("project", required=False, default=".", type=click.Path(path_type=Path))
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, help=_h("help.serve.addr"))
@click.option("--open", "open_browser", is_flag=True, help=_h("help.serve.open"))
@click.option("--full-rebuild", is_flag=True, help=_h("help.serve.full_rebuild"))
@click.option("--issuer", "issuers", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False), help=_h("help.trusted_issuer"))
def serve(project: Path, dev_addr: str, open_browser: bool, full_rebuild: bool, issuers: tuple[Path, ...]) -> None:
    from mkdocs.commands import serve as mkdocs_serve
    from mkdocs.exceptions import Abort, ConfigurationError

    from portfolio_builder import build as build_mod
    from portfolio_builder.core.project import ConfigError, find_config, load_project
    from portfolio_builder.mkdocs_plugin import plugin as plugin_mod

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    # The plugin's options as arguments (a bad key file: exit 2 before serving).
    trusted = tuple(cli_trust.trusted_issuers(issuers, _default_lang(None)))
    plugin_mod.construct(plugin_mod.BuildOptions(issuers=trusted))
    try:
        config_file = find_config(project)
        # Read by the core first: an unusable mkdocs.yml (not UTF-8, broken YAML) is reported
        # at its line, where MkDocs would name neither.
        load_project(config_file)
    except ConfigError as error:
        print_config_error(error, _default_lang(None), project if project.is_dir() else None)
        sys.exit(EXIT_CONFIG)
    with build_mod.mkdocs_logging(quiet=False):
        try:
            mkdocs_serve.serve(
                str(config_file),
                livereload=True,
                # Incremental by default: only what a change affects is rebuilt (see mkdocs_plugin/incremental.py).
                build_type=None if full_rebuild else "dirty",
                open_in_browser=open_browser,
                dev_addr=dev_addr,
            )
        except (Abort, ConfigurationError) as error:
            click.echo(str(error), err=True)
            sys.exit(EXIT_ERRORS)


@main.command(help=_h("help.attestation"))
@click.argument("project", required=False, default=".", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help=_h("help.attestation.output"))
@click.option("--sign", "sign_key", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None, help=_h("help.attestation.sign"))
@click.option("--issuer", "issuers", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False), help=_h("help.trusted_issuer"))
@JURY_OPTION
@LANG_OPTION
def attestation(project: Path, output: Path, sign_key: Path | None, issuers: tuple[Path, ...], jury: Path | None, lang: str | None) -> None:
    from portfolio_builder.core import attestation as attestation_mod
    from portfolio_builder.core.check import Options, check_project
    from portfolio_builder.core.project import ConfigError, load_project

    key = cli_trust.private_key(sign_key, _default_lang(lang)) if sign_key else None
    trusted = cli_trust.trusted_issuers(issuers, _default_lang(lang))
    if key is not None and jury is None:
        # A signature says the jury decided: its decisions come from the jury's own file, never
        # from a jury.yml the candidate could have written.
        click.echo(translate(_default_lang(lang), "cli.sign_needs_jury"), err=True)
        sys.exit(EXIT_CONFIG)
    reading = _authority_reading(jury, None, _trusting_own(key, trusted)) if key is not None or jury is not None else None
    try:
        dossier = check_project(load_project(project, untrusted=reading), Options(lang=lang, issuers=tuple(trusted)))
    except ConfigError as error:
        print_config_error(error, _default_lang(lang), project if project.is_dir() else None)
        sys.exit(EXIT_CONFIG)
    try:
        document = attestation_mod.from_dossier(dossier)
        token = attestation_mod.issue_credential(dossier, key) if key is not None else None
    except attestation_mod.NotDecided as reason:
        click.echo(translate(dossier.lang, "cli.attestation_pending", reasons="; ".join(reason.args)), err=True)
        sys.exit(EXIT_ERRORS)
    try:
        if token is not None:
            attestation_mod.write_text(token, output)
        else:
            attestation_mod.write(document, output)
    except OSError as error:
        click.echo(translate(dossier.lang, "cli.write_failed", path=str(output), reason=error.strerror or str(error)), err=True)
        sys.exit(EXIT_ERRORS)
    click.echo(
        translate(dossier.lang, "cli.attestation_written", path=str(output), domains=", ".join(document["validated_domains"]) or "—")
    )


@main.command(help=_h("help.review"))
@click.argument("page")
@click.option("--reviewer", required=True, help=_h("help.review.reviewer"))
@click.option("--verdict", "verdicts", multiple=True, required=True, metavar="CODE=VERDICT", help=_h("help.review.verdict"))
@click.option("--comment", default="", help=_h("help.review.comment"))
@click.option("-p", "--project", "project_dir", type=click.Path(path_type=Path), default=None, help=_h("help.review.project"))
@click.option("--reviews-dir", type=click.Path(path_type=Path, file_okay=False), default=None, help=_h("help.review.reviews_dir"))
@LANG_OPTION
def review(
    page: str, reviewer: str, verdicts: tuple[str, ...], comment: str, project_dir: Path | None, reviews_dir: Path | None, lang: str | None
) -> None:
    from datetime import datetime

    from portfolio_builder.core import reviews as reviews_mod
    from portfolio_builder.core.check import Options, check_project
    from portfolio_builder.core.project import ConfigError, load_project

    page_path = Path(page)
    if project_dir is None:
        # The dossier the page belongs to: the nearest folder above it holding mkdocs.yml.
        start = page_path.resolve().parent if page_path.exists() else Path.cwd()
        project_dir = next((d for d in (start, *start.parents) if (d / "mkdocs.yml").is_file()), Path("."))
    try:
        dossier = check_project(load_project(project_dir), Options(lang=lang))
    except ConfigError as error:
        print_config_error(error, _default_lang(lang), project_dir if project_dir.is_dir() else None)
        sys.exit(EXIT_CONFIG)
    out = dossier.lang
    project = dossier.project
    wanted = page
    if page_path.is_file():
        try:
            wanted = page_path.resolve().relative_to(project.docs_dir.resolve()).as_posix()
        except ValueError:
            pass
    evidence = reviews_mod.find_evidence(dossier.evidence, wanted)
    if evidence is None:
        click.echo(translate(out, "cli.review_unknown_page", page=page), err=True)
        sys.exit(EXIT_CONFIG)
    parsed: dict[str, str] = {}
    referential = dossier.referential
    bad = False
    for item in verdicts:
        code, _, value = item.partition("=")
        code, value = code.strip(), value.strip()
        if value not in reviews_mod.VERDICT_RANK:
            click.echo(translate(out, "cli.review_bad_verdict", item=item, verdicts=", ".join(reviews_mod.VERDICT_RANK)), err=True)
            bad = True
        elif referential is not None and code not in referential.competencies:
            suggestion = referential.suggest(code)
            hint = " (" + translate(out, "hint.did_you_mean", suggestion=suggestion) + ")" if suggestion else ""
            click.echo(translate(out, "review.unknown_competency", code=code) + hint, err=True)
            bad = True
        else:
            if code not in evidence.codes:
                click.echo(translate(out, "review.unclaimed", evidence=evidence.path, code=code), err=True)
            parsed[code] = value
    if bad:
        sys.exit(EXIT_CONFIG)
    from portfolio_builder.core.paths import is_inside

    folder = reviews_dir or project.resolve(project.settings.reviews_dir)
    if reviews_dir is None and not is_inside(folder, project.root):
        # The dossier names where its reviews go: never a folder outside it (links followed).
        click.echo(translate(out, "cli.review_outside", path=str(folder)), err=True)
        sys.exit(EXIT_CONFIG)
    try:
        document = reviews_mod.new_review(project, evidence, reviewer, parsed, comment, datetime.now().astimezone())
        target = reviews_mod.write_review(folder, document)
    except reviews_mod.ReviewRefused as refused:
        key, args = refused.args
        click.echo(translate(out, key, **args), err=True)
        sys.exit(EXIT_CONFIG)
    except OSError as error:
        click.echo(translate(out, "cli.write_failed", path=str(error.filename or reviews_dir or ""), reason=error.strerror or str(error)), err=True)
        sys.exit(EXIT_ERRORS)
    pinned = document.get("commit")
    key = "cli.review_written" if pinned else "cli.review_written_no_commit"
    click.echo(translate(out, key, path=os.path.relpath(target), evidence=evidence.path, commit=(pinned or "")[:12]))


@main.command(help=_h("help.verify"))
@click.argument("site", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.argument("project", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--issuer", "issuers", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False), help=_h("help.trusted_issuer"))
@LANG_OPTION
def verify(site: Path, project: Path, issuers: tuple[Path, ...], lang: str | None) -> None:
    from portfolio_builder.core import integrity
    from portfolio_builder.core.check import Options, check_project
    from portfolio_builder.core.project import ConfigError, load_project

    trusted = cli_trust.trusted_issuers(issuers, _default_lang(lang))

    if not (site / "manifest.json").is_file():
        click.echo(translate(_default_lang(lang), "cli.no_manifest", site=str(site)), err=True)
        sys.exit(EXIT_CONFIG)
    try:
        recorded = integrity.read_manifest(site)
    except ValueError as error:
        click.echo(translate(_default_lang(lang), "cli.bad_manifest", site=str(site), reason=str(error)), err=True)
        sys.exit(EXIT_CONFIG)
    try:
        # The report is rebuilt exactly as the site was: its language is the dossier's, not --lang's.
        dossier = check_project(
            load_project(project, untrusted=integrity.reading_of(recorded, tuple(trusted))),
            Options(public=recorded["public"], strict=recorded["strict"], issuers=tuple(trusted)),
        )
    except ConfigError as error:
        print_config_error(error, _default_lang(lang), project if project.is_dir() else None)
        sys.exit(EXIT_CONFIG)
    out = lang or dossier.lang
    for problem in dossier.problems:
        if problem.code == "encoding":  # the comparison goes on; the file is named at its line
            click.echo(problem.format(out, _where(dossier.project.root, problem)), err=True)
    other = integrity.other_candidate(recorded, dossier)
    if other is not None:
        click.echo(translate(out, "cli.verify_other_candidate", site=str(site), other=other, mine=dossier.project.settings.candidate_name), err=True)
        sys.exit(EXIT_ERRORS)
    differences = integrity.verify(site, dossier, recorded)
    signature, signature_args = integrity.verify_signature(site, trusted)
    if signature not in ("verify.signed", "verify.unsigned", "verify.signed_untrusted") or (trusted and signature != "verify.signed"):
        differences.append(("signature", translate(out, signature, **signature_args)))
    for kind, path in differences:
        click.echo(translate(out, f"verify.{kind}", path=path, reason=path))
    if signature in ("verify.signed", "verify.unsigned", "verify.signed_untrusted"):
        click.echo(translate(out, signature, **signature_args))
    if differences:
        click.echo(translate(out, "cli.verify_failed", count=len(differences)))
        sys.exit(EXIT_ERRORS)
    commit = recorded["git"]["commit"]
    key = "cli.verify_ok" if commit else "cli.verify_ok_no_git"
    click.echo(translate(out, key, count=len(recorded["files"]), commit=commit or ""))


@main.command(help=_h("help.new"))
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("-r", "--referential", "referential_id", default="c2i1-2011", show_default=True, help=_h("help.new.referential"))
@click.option("--language", type=click.Choice(LANGUAGES), default=DEFAULT_LANGUAGE, show_default=True, help=_h("help.new.language"))
@click.option("--candidate", default="", help=_h("help.new.candidate"))
def new(directory: Path, referential_id: str, language: str, candidate: str) -> None:
    from portfolio_builder import scaffold
    from portfolio_builder.core import referential as referential_mod

    if referential_id not in referential_mod.shipped_ids():
        suggestion = referential_mod.suggest_shipped(referential_id)
        click.echo(
            translate(language, "cli.unknown_referential", name=referential_id, ids=", ".join(referential_mod.shipped_ids()))
            + (" ; " + translate(language, "hint.did_you_mean", suggestion=suggestion) if suggestion else ""),
            err=True,
        )
        sys.exit(EXIT_CONFIG)
    try:
        written = scaffold.create(directory, referential_id, language, candidate)
    except scaffold.NotEmpty as error:
        click.echo(translate(language, "cli.not_empty", path=str(error)), err=True)
        sys.exit(EXIT_CONFIG)
    for path in written:
        click.echo(f"  {path.relative_to(directory).as_posix()}")
    click.echo(translate(language, "cli.created", path=str(directory)))


@main.command(help=_h("help.cohort"))
@click.argument("dossiers", nargs=-1, type=click.Path(path_type=Path))
@click.option("-c", "--config", "config_file", type=click.Path(path_type=Path, exists=True, dir_okay=False), help=_h("help.cohort.config"))
@click.option("-d", "--site-dir", type=click.Path(path_type=Path), default=Path("cohort-site"), show_default=True)
@click.option("--reports", "reports_mode", is_flag=True, help=_h("help.cohort.reports"))
@click.option("-j", "--jobs", type=int, default=None, help=_h("help.cohort.jobs"))
@click.option("--title", default="", help=_h("help.cohort.title"))
@click.option("--referential", "referential_id", default=None, help=_h("help.cohort.referential"))
@click.option("--juries", type=click.Path(path_type=Path, exists=True, file_okay=False), default=None, help=_h("help.cohort.juries"))
@click.option("--reviews", type=click.Path(path_type=Path, exists=True, file_okay=False), default=None, help=_h("help.cohort.reviews"))
@click.option("--issuer", "issuers", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False), help=_h("help.cohort.issuer"))
@click.option("--allow-dirty", is_flag=True, help=_h("help.cohort.allow_dirty"))
@LANG_OPTION
def cohort(
    dossiers: tuple[Path, ...],
    config_file: Path | None,
    site_dir: Path,
    reports_mode: bool,
    jobs: int | None,
    title: str,
    referential_id: str | None,
    juries: Path | None,
    reviews: Path | None,
    issuers: tuple[Path, ...],
    allow_dirty: bool,
    lang: str | None,
) -> None:
    from portfolio_builder import build as build_mod
    from portfolio_builder.cohort import config as cohort_config
    from portfolio_builder.cohort import dashboard

    cohort_info = dashboard.Cohort(language=_default_lang(lang))
    folders = list(dossiers)
    if config_file is not None:
        cohort_info, listed, problems = cohort_config.load(config_file)
        for problem in problems:
            click.echo(problem.format(cohort_info.language), err=True)
        if any(p.is_error for p in problems):
            sys.exit(EXIT_CONFIG)
        folders = listed + folders
        if lang:
            cohort_info.language = lang
    if title:
        cohort_info.title = title
    if referential_id:
        local = Path(referential_id)
        cohort_info.referential = str(local.resolve()) if local.is_file() else referential_id
    if juries is not None:
        cohort_info.juries = juries.resolve()
    if reviews is not None:
        cohort_info.reviews = reviews.resolve()
    cohort_info.issuers = (*cohort_info.issuers, *(p.resolve() for p in issuers))
    out_lang = cohort_info.language
    trusted = tuple(cli_trust.trusted_issuers(list(cohort_info.issuers), out_lang))
    # With --reports, the arguments are published report.json files or folders holding them.
    reports = tuple(folders) if reports_mode else ()
    if not folders:
        click.echo(translate(out_lang, "cli.cohort_nothing"), err=True)
        sys.exit(EXIT_CONFIG)
    missing = [p for p in folders if not p.exists()]
    if missing:
        click.echo(translate(out_lang, "config.missing_file", path=", ".join(map(str, missing))), err=True)
        sys.exit(EXIT_CONFIG)
    try:
        # One lock for the whole cohort site: two cohort runs never write it at once.
        with build_mod.output_lock(site_dir.resolve()):
            site_dir.mkdir(parents=True, exist_ok=True)
            rows = _cohort_rows(folders, reports, site_dir, jobs, cohort_info, trusted, allow_dirty)
            if not rows:
                click.echo(translate(out_lang, "cli.cohort_no_reports"), err=True)
                sys.exit(EXIT_CONFIG)
            dashboard.write(site_dir, cohort_info, rows, from_reports=reports_mode)
    except build_mod.BuildLocked as error:
        click.echo(translate(out_lang, "cli.build_locked", site=str(error)), err=True)
        sys.exit(EXIT_ERRORS)
    except build_mod.BuildFailed as error:
        click.echo(translate(out_lang, "cli.build_failed", reason=str(error)), err=True)
        sys.exit(EXIT_ERRORS)
    failed = [r for r in rows if r.failure or r.cohort_problems]
    for row in failed:
        click.echo(f"{row.slug}: {row.failure or '; '.join(row.cohort_problems)}", err=True)
    built = sum(1 for r in rows if r.report and not r.failure)
    done_key = "cli.cohort_reports_done" if reports_mode else "cli.cohort_done"
    click.echo(translate(out_lang, done_key, built=built, count=len(rows), site=str(site_dir)))
    sys.exit(EXIT_ERRORS if failed else EXIT_OK)


def _cohort_rows(
    folders: list[Path], reports: tuple[Path, ...], site_dir: Path, jobs: int | None, cohort_info, trusted: tuple, allow_dirty: bool = False
) -> list:
    from portfolio_builder.cohort import dashboard, run

    lang = cohort_info.language
    policy = run.CohortPolicy(
        referential=cohort_info.referential,
        juries=cohort_info.juries,
        reviews=cohort_info.reviews,
        issuers=trusted,
        language=lang,
        qcm_required=cohort_info.qcm_required,
        cohort_file=cohort_info.file,
        allow_dirty=allow_dirty,
        **({"limits": cohort_info.limits} if cohort_info.limits is not None else {}),
        markdown_extensions=cohort_info.markdown_extensions,
    )
    if reports:
        return dashboard.rows_from_reports(list(reports), site_dir, policy)
    with click.progressbar(length=len(folders), label=translate(lang, "cli.cohort_progress"), file=sys.stderr) as bar:
        results = run.build_all(folders, site_dir, policy, jobs, progress=lambda _result: bar.update(1))
    return [
        dashboard.Row(
            slug=r.slug,
            source=r.source,
            report=r.report,
            failure=r.failure,
            problems=r.problems,
            warnings=r.warnings,
            name=r.name,
            # index.html spelled out: the dashboard also works opened from disk.
            report_link=f"{r.slug}/portfolio/report/index.html" if r.built else "",
        )
        for r in results
    ]


cli_trust.register(main, _h, LANG_OPTION, _default_lang)

# The jury session and the editor schema live in their own module.
from portfolio_builder.cli_jury import jury, schema  # noqa: E402

main.add_command(jury)
main.add_command(schema)

# What a jury keeps: `pdf`, `zip`, `referentials export|import`.
from portfolio_builder import cli_outputs  # noqa: E402

cli_outputs.register(main, referentials, _h, LANG_OPTION)
