"""``portfolio jury sheet|import|pv`` and ``portfolio schema``: the jury session and the editor schema.

Thin adapters: the cohort is read by ``cohort.session``, cells are meant and
validated by ``core.jury_sheet``, files are read and written by
``spreadsheet`` and ``transaction``, the procès-verbal is rendered by ``pv``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from portfolio_builder.cli import EXIT_CONFIG, EXIT_ERRORS, EXIT_OK, LANG_OPTION, _default_lang, _h, _project_lang, print_config_error
from portfolio_builder.core.problems import Problem
from portfolio_builder.i18n import translate


def _echo_problems(problems: list[Problem], lang: str) -> None:
    for problem in sorted(problems, key=Problem.sort_key):
        click.echo(problem.format(lang), err=True)


def _session(
    cohort_path: Path, juries: Path | None, referential: str | None, lang: str | None, jobs: int | None,
    issuers: tuple[Path, ...] = (), own_keys: tuple = (),
):
    """The gathered session, or exit 2 with the reason."""
    from portfolio_builder import cli_trust
    from portfolio_builder.cohort import session as session_mod

    try:
        cohort, folders = session_mod.load_cohort(cohort_path)
    except session_mod.CohortUnusable as error:
        _echo_problems(error.problems, _default_lang(lang))
        sys.exit(EXIT_CONFIG)
    if lang:
        cohort.language = lang
    if juries is not None:
        cohort.juries = juries.resolve()
    if referential:
        local = Path(referential)
        cohort.referential = str(local.resolve()) if local.is_file() else referential
    if not folders:
        click.echo(translate(cohort.language, "cli.cohort_nothing"), err=True)
        sys.exit(EXIT_CONFIG)
    cohort.issuers = (*cohort.issuers, *(p.resolve() for p in issuers))
    trusted = (*cli_trust.trusted_issuers(list(cohort.issuers), cohort.language), *own_keys)
    gathered = session_mod.gather(cohort, folders, jobs, trusted)
    for line in gathered.errors:
        click.echo(line, err=True)
    if gathered.session is None:
        sys.exit(EXIT_CONFIG)
    return cohort, gathered


COHORT_ARGUMENT = click.argument("cohort_path", metavar="COHORT", type=click.Path(path_type=Path, exists=True))
JURIES_OPTION = click.option(
    "--juries", type=click.Path(path_type=Path, file_okay=False), default=None, help=_h("help.jury.juries")
)
ISSUER_OPTION = click.option(
    "--issuer", "issuers", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False), help=_h("help.cohort.issuer")
)


@click.group(help=_h("help.jury"))
def jury() -> None:
    pass


@jury.command("sheet", help=_h("help.jury.sheet"))
@COHORT_ARGUMENT
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True, help=_h("help.jury.sheet.output"))
@JURIES_OPTION
@click.option("--referential", "referential_id", default=None, help=_h("help.cohort.referential"))
@ISSUER_OPTION
@click.option("-j", "--jobs", type=int, default=None, help=_h("help.cohort.jobs"))
@LANG_OPTION
def sheet(
    cohort_path: Path, output: Path, juries: Path | None, referential_id: str | None, issuers: tuple[Path, ...],
    jobs: int | None, lang: str | None,
) -> None:
    from portfolio_builder import spreadsheet
    from portfolio_builder.core import jury_sheet

    out_lang = _default_lang(lang)
    if output.suffix.lower() not in (".xlsx", ".csv"):
        click.echo(translate(out_lang, "cli.sheet_format", path=str(output)), err=True)
        sys.exit(EXIT_CONFIG)
    cohort, gathered = _session(cohort_path, juries, referential_id, lang, jobs, issuers)
    session = gathered.session
    document = jury_sheet.build_sheet(session)
    try:
        spreadsheet.write(document, output)
    except OSError as error:
        click.echo(translate(cohort.language, "cli.write_failed", path=str(output), reason=error.strerror or str(error)), err=True)
        sys.exit(EXIT_ERRORS)
    click.echo(
        translate(
            cohort.language, "cli.sheet_written", path=str(output), count=len(session.candidates),
            referential=session.referential.short_title, session=session.session,
        )
    )
    sys.exit(EXIT_ERRORS if gathered.errors else EXIT_OK)


@jury.command("import", help=_h("help.jury.import"))
@click.argument("sheet_file", metavar="FILE", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@JURIES_OPTION
@click.option("--cohort", "cohort_path", type=click.Path(path_type=Path, exists=True), default=None, help=_h("help.jury.import.cohort"))
@click.option("--dry-run", is_flag=True, help=_h("help.jury.import.dry_run"))
@LANG_OPTION
def import_(sheet_file: Path, juries: Path | None, cohort_path: Path | None, dry_run: bool, lang: str | None) -> None:
    from portfolio_builder import build as build_mod
    from portfolio_builder import spreadsheet, transaction
    from portfolio_builder.core import jury_sheet as js
    from portfolio_builder.core import referential as referential_mod
    from portfolio_builder.core.problems import ProblemSink

    display = os.path.relpath(sheet_file) if not os.path.relpath(sheet_file).startswith("..") else str(sheet_file)
    try:
        meta_grid, table_grid = spreadsheet.read(sheet_file, display)
    except spreadsheet.Unreadable as error:
        _echo_problems(error.problems, _default_lang(lang))
        sys.exit(EXIT_ERRORS)
    meta, problems = js.read_meta(meta_grid)
    if meta is None:
        _echo_problems(problems, _default_lang(lang))
        sys.exit(EXIT_ERRORS)
    out_lang = lang or meta.lang
    expected = js.Expected()
    names: dict[str, str] = {}
    if cohort_path is not None:
        cohort, gathered = _session(cohort_path, juries, None, out_lang, None)
        session = gathered.session
        candidates = {c.key: c.name for c in session.candidates}
        expected = js.Expected(
            referential=session.referential,
            session=session.session,
            institution=session.institution or None,
            candidates=candidates,
            qcm_domains=session.qcm_domains,
        )
        names = dict(candidates)
        juries = juries or cohort.juries
    elif meta.referential_id in referential_mod.shipped_ids():
        # Without the cohort, a shipped referential still tells which columns a sheet has.
        expected.referential = referential_mod.load_shipped(meta.referential_id)
    if juries is None:
        click.echo(translate(out_lang, "cli.import_no_juries"), err=True)
        sys.exit(EXIT_CONFIG)
    if not juries.is_dir():
        click.echo(translate(out_lang, "config.missing_file", path=str(juries)), err=True)
        sys.exit(EXIT_CONFIG)
    sink = ProblemSink(meta_grid.label)
    js.check_identity(meta, expected, sink)
    problems += sink.items
    rows, table_problems = js.read_table(table_grid, meta, expected)
    problems += table_problems
    changes, plan_problems = js.plan(rows, meta, juries, out_lang, expected, names, table_grid.label)
    problems += plan_problems
    errors = [p for p in problems if p.is_error]
    if errors:
        _echo_problems(problems, out_lang)
        click.echo(translate(out_lang, "cli.import_refused", count=len(errors), path=display), err=True)
        sys.exit(EXIT_ERRORS)
    written = [c for c in changes if c.document is not None]
    for change in changes:
        if change.document is None:
            continue
        head = translate(out_lang, "cli.import_created" if change.created else "cli.import_changed", key=change.key, name=change.name, count=len(change.changes))
        click.echo(head)
        for line in change.changes:
            click.echo(f"    {line}")
    unchanged = len(changes) - len(written)
    if dry_run:
        click.echo(translate(out_lang, "cli.import_dry_run", count=len(written), unchanged=unchanged))
        sys.exit(EXIT_OK)
    import yaml
    files = {
        c.path: yaml.safe_dump(c.document, allow_unicode=True, sort_keys=False, width=100).encode("utf-8") for c in written
    }
    try:
        with build_mod.output_lock(juries.resolve()):
            transaction.write_all(files)
    except build_mod.BuildLocked:
        click.echo(translate(out_lang, "cli.import_locked", path=str(juries)), err=True)
        sys.exit(EXIT_ERRORS)
    except (OSError, build_mod.BuildFailed) as error:
        reason = getattr(error, "strerror", None) or str(error)
        click.echo(translate(out_lang, "cli.import_failed", path=str(juries), reason=reason), err=True)
        sys.exit(EXIT_ERRORS)
    click.echo(translate(out_lang, "cli.import_done", count=len(written), unchanged=unchanged, path=str(juries)))


@jury.command("pv", help=_h("help.jury.pv"))
@COHORT_ARGUMENT
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True, help=_h("help.jury.pv.output"))
@JURIES_OPTION
@click.option("--sign", "sign_key", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None, help=_h("help.jury.pv.sign"))
@ISSUER_OPTION
@click.option("-j", "--jobs", type=int, default=None, help=_h("help.cohort.jobs"))
@LANG_OPTION
def pv(
    cohort_path: Path, output: Path, juries: Path | None, sign_key: Path | None, issuers: tuple[Path, ...],
    jobs: int | None, lang: str | None,
) -> None:
    from portfolio_builder import cli_trust, transaction
    from portfolio_builder import pv as pv_mod
    from portfolio_builder.core import credentials

    out_lang = _default_lang(lang)
    key = cli_trust.private_key(sign_key, out_lang) if sign_key else None
    if pv_mod.wants_pdf(output):
        try:
            import weasyprint  # noqa: F401
        except (ImportError, OSError):  # not installed, or its system libraries (Pango) missing
            click.echo(translate(out_lang, "cli.pv_no_pdf", path=str(output)), err=True)
            sys.exit(EXIT_CONFIG)
    # The institution that signs trusts its own attestations.
    own = (credentials.KeyFile(key.path, key.key, key.issuer, private=False),) if key is not None else ()
    cohort, gathered = _session(cohort_path, juries, None, lang, jobs, issuers, own)
    if cohort.juries is None:
        click.echo(translate(cohort.language, "cli.pv_no_juries"), err=True)
        sys.exit(EXIT_CONFIG)
    missing = [key for key in ("session", "institution") if not getattr(cohort, key)]
    if missing:
        # The minutes name the session and the institution as the cohort declares them, never
        # as a candidate's mkdocs.yml does.
        click.echo(translate(cohort.language, "cli.pv_needs", keys=", ".join(missing)), err=True)
        sys.exit(EXIT_CONFIG)
    session = gathered.session
    jwt_path = output.with_name(output.name + ".jwt")
    extra = {"signed": pv_mod.signed_note(key.issuer.name, jwt_path.name, session.language)} if key else {}
    html = pv_mod.render_html(session, extra)
    files: dict[Path, bytes] = {}
    try:
        data = pv_mod.render_pdf(html) if pv_mod.wants_pdf(output) else html.encode("utf-8")
        files[output] = data
        if key is not None:
            media = "application/pdf" if pv_mod.wants_pdf(output) else "text/html"
            credential = pv_mod.minutes_credential(session, data, media, output.name, key.issuer)
            files[jwt_path] = credentials.sign_credential(credential, key).encode("utf-8")
        output.parent.mkdir(parents=True, exist_ok=True)
        transaction.write_all(files)  # the page and its signature together, or neither
    except OSError as error:
        click.echo(translate(cohort.language, "cli.write_failed", path=str(output), reason=error.strerror or str(error)), err=True)
        sys.exit(EXIT_ERRORS)
    if key is not None:
        click.echo(translate(cohort.language, "cli.pv_signed", path=str(jwt_path)))
    pending = sum(1 for c in session.candidates if c.outcome == "pending")
    click.echo(translate(cohort.language, "cli.pv_written", path=str(output), count=len(session.candidates), pending=pending))
    sys.exit(EXIT_ERRORS if gathered.errors else EXIT_OK)


@click.command("schema", help=_h("help.schema"))
@click.argument("project", required=False, default=".", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help=_h("help.schema.output"))
@LANG_OPTION
def schema(project: Path, output: Path | None, lang: str | None) -> None:
    from portfolio_builder import transaction
    from portfolio_builder.core import editor_schema
    from portfolio_builder.core import referential as referential_mod
    from portfolio_builder.core.project import ConfigError, load_project

    out_lang = _project_lang(project, lang)
    try:
        loaded = load_project(project)
    except ConfigError as error:
        print_config_error(error, out_lang, project if project.is_dir() else None)
        sys.exit(EXIT_CONFIG)
    result = referential_mod.load(loaded.settings.referential, loaded.root)
    if result.referential is None:
        for problem in result.problems:
            click.echo(problem.format(out_lang), err=True)
        if not result.problems:
            click.echo(translate(out_lang, "referential.unknown", name=loaded.settings.referential), err=True)
        sys.exit(EXIT_CONFIG)
    text = editor_schema.to_json(editor_schema.build(result.referential, out_lang))
    target = output or loaded.root / editor_schema.DEFAULT_NAME
    try:
        transaction.write_all_one(target, text.encode("utf-8"))
    except OSError as error:
        click.echo(translate(out_lang, "cli.write_failed", path=str(target), reason=error.strerror or str(error)), err=True)
        sys.exit(EXIT_ERRORS)
    click.echo(translate(out_lang, "cli.schema_written", path=str(target), count=len(result.referential.competencies), referential=result.referential.short_title))
