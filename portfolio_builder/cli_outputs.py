"""`portfolio pdf`, `portfolio zip`, `portfolio referentials export|import`: what a jury keeps."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from portfolio_builder.i18n import DEFAULT_LANGUAGE, LANGUAGES, human_size, translate

EXIT_OK, EXIT_ERRORS, EXIT_CONFIG = 0, 1, 2


def _refuse_output(output: Path, project: Path, lang: str) -> None:
    """Never over a folder, never into the pages the site is built from."""
    from portfolio_builder.core.paths import is_inside
    from portfolio_builder.core.project import ConfigError, load_project

    if output.is_dir():
        click.echo(translate(lang, "cli.output_exists_dir", path=str(output)), err=True)
        sys.exit(EXIT_CONFIG)
    try:
        docs = load_project(project).docs_dir.resolve()
    except ConfigError:
        return  # the build reports an unusable project itself
    if is_inside(output.resolve(), docs):
        click.echo(translate(lang, "cli.output_in_sources", path=str(output)), err=True)
        sys.exit(EXIT_CONFIG)


def _run(project: Path, lang: str | None, action, sign_key: Path | None = None, issuers: tuple[Path, ...] = ()):
    from portfolio_builder import build as build_mod
    from portfolio_builder import cli_trust
    from portfolio_builder.cli import _project_lang, print_config_error
    from portfolio_builder.core.project import ConfigError

    lang = _project_lang(project, lang)
    key = cli_trust.private_key(sign_key, lang) if sign_key else None
    # The dossier may have problems: it still prints, with its problems in the report.
    request = build_mod.BuildRequest(project=project, quiet=True, allow_dirty=True, sign_key=key,
                                     issuers=tuple(cli_trust.trusted_issuers(issuers, lang)))
    try:
        return lang, action(request, lang)
    except ConfigError as error:
        print_config_error(error, lang, project if project.is_dir() else None)
        sys.exit(EXIT_CONFIG)
    except build_mod.BuildFailed as error:
        click.echo(translate(lang, "cli.build_failed", reason="" if error.logged else str(error)).rstrip(), err=True)
        sys.exit(EXIT_ERRORS)


def register(main: click.Group, referentials: click.Group, h, lang_option) -> None:
    @main.command(help=h("help.pdf"))
    @click.argument("project", required=False, default=".", type=click.Path(path_type=Path))
    @click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help=h("help.pdf.output"))
    @click.option("--sign", "sign_key", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None, help=h("help.build.sign"))
    @click.option("--issuer", "issuers", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False), help=h("help.trusted_issuer"))
    @lang_option
    def pdf(project: Path, output: Path, sign_key: Path | None, issuers: tuple[Path, ...], lang: str | None) -> None:
        from portfolio_builder import outputs

        def action(request, out_lang):
            _refuse_output(output, project, out_lang)
            try:
                return outputs.write_pdf(request, output)
            except outputs.PdfUnavailable as error:
                click.echo(translate(out_lang, "cli.pdf_no_weasyprint", reason=str(error).splitlines()[0][:200]), err=True)
                sys.exit(EXIT_CONFIG)

        out_lang, result = _run(project, lang, action, sign_key, issuers)
        click.echo(translate(out_lang, "cli.pdf_written", path=os.path.relpath(result.path), pages=result.pages,
                             size=human_size(result.size, out_lang), attachments=", ".join(result.attachments)))

    @main.command(name="zip", help=h("help.zip"))
    @click.argument("project", required=False, default=".", type=click.Path(path_type=Path))
    @click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help=h("help.zip.output"))
    @click.option("--sign", "sign_key", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None, help=h("help.build.sign"))
    @click.option("--issuer", "issuers", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False), help=h("help.trusted_issuer"))
    @lang_option
    def zip_command(project: Path, output: Path, sign_key: Path | None, issuers: tuple[Path, ...], lang: str | None) -> None:
        from portfolio_builder import outputs

        def action(request, out_lang):
            _refuse_output(output, project, out_lang)
            return outputs.write_zip(request, output)

        out_lang, (path, with_pdf) = _run(project, lang, action, sign_key, issuers)
        extra = translate(out_lang, "cli.zip_with_pdf" if with_pdf else "cli.zip_without_pdf")
        click.echo(translate(out_lang, "cli.zip_written", path=os.path.relpath(path), pdf=extra))

    @referentials.command(name="export", help=h("help.referentials.export"))
    @click.argument("ref_id")
    @click.option("--format", "fmt", type=click.Choice(["moodle-csv"]), default="moodle-csv", show_default=True)
    @click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help=h("help.referentials.output"))
    @lang_option
    def export(ref_id: str, fmt: str, output: Path | None, lang: str | None) -> None:
        from portfolio_builder.cli import _default_lang
        from portfolio_builder.core import moodle

        lang = _default_lang(lang)
        ref = _referential(ref_id, lang)
        text = moodle.export_csv(ref)
        if output is None:
            click.echo(text, nl=False)
            return
        output.write_text(text, encoding="utf-8")
        click.echo(translate(lang, "cli.moodle_written", path=str(output), count=len(ref.competencies), ref=ref.id), err=True)

    @referentials.command(name="import", help=h("help.referentials.import"))
    @click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))
    @click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help=h("help.referentials.output"))
    @click.option("--language", type=click.Choice(LANGUAGES), default=DEFAULT_LANGUAGE, show_default=True, help=h("help.referentials.language"))
    @lang_option
    def import_(source: Path, output: Path | None, language: str, lang: str | None) -> None:
        import yaml

        from portfolio_builder.cli import _default_lang
        from portfolio_builder.core import moodle
        from portfolio_builder.core import referential as referential_mod
        from portfolio_builder.core.problems import ProblemSink

        lang = _default_lang(lang)
        sink = ProblemSink(str(source))
        try:
            data = source.read_bytes()[: moodle.MAX_CSV_BYTES + 1]
        except OSError as exc:
            sink.error("config", (1, 1), "", "data.unreadable", reason=exc.strerror or str(exc))
            data = None
        doc = moodle.import_csv(data, sink, language) if data is not None else None
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120) if doc is not None else ""
        if doc is not None and not any(p.is_error for p in sink.items):
            # The result is checked as every referential is: schema, codes, rules.
            import tempfile

            with tempfile.TemporaryDirectory(prefix="portfolio-moodle-") as work:
                candidate = Path(work) / "referential.yml"
                candidate.write_text(text, encoding="utf-8")
                result = referential_mod.load(str(candidate), Path(work))
                sink.items.extend(p for p in result.problems if p.is_error)
        for problem in sink.items:
            click.echo(problem.format(lang), err=True)
        if doc is None or any(p.is_error for p in sink.items):
            sys.exit(EXIT_ERRORS)
        if output is None:
            click.echo(text, nl=False)
            return
        output.write_text(text, encoding="utf-8")
        count = sum(len(d["competencies"]) for d in doc["domains"])
        click.echo(translate(lang, "cli.moodle_imported", path=str(output), ref=doc["id"], domains=len(doc["domains"]), count=count), err=True)


def _referential(ref_id: str, lang: str):
    from portfolio_builder.core import referential as referential_mod
    from portfolio_builder.core.project import ConfigError

    path = referential_mod.shipped_path(ref_id)
    if path is None:
        candidate = Path(ref_id)
        if candidate.is_file():
            result = referential_mod.load(str(candidate), Path.cwd())
            if result.referential is not None and not any(p.is_error for p in result.problems):
                return result.referential
            for problem in result.problems:
                click.echo(problem.format(lang), err=True)
            sys.exit(EXIT_ERRORS)
        click.echo(translate(lang, "cli.moodle_unknown_ref", name=ref_id), err=True)
        sys.exit(EXIT_CONFIG)
    try:
        return referential_mod.load_shipped(ref_id)
    except ConfigError as error:  # pragma: no cover - shipped referentials are tested
        for problem in error.problems:
            click.echo(problem.format(lang), err=True)
        sys.exit(EXIT_ERRORS)
