"""The cohort dashboard: one row per candidate, from each dossier's report.json.

The same code serves both paths: after ``portfolio cohort`` built the sites,
and with ``--reports`` from report.json files other machines (CI jobs)
published. Report data is untrusted: it is validated and always escaped.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from portfolio_builder import __version__
from portfolio_builder.core import schemas
from portfolio_builder.core.report import spreadsheet_csv
from portfolio_builder.i18n import Size, strings, translate
from portfolio_builder.resources import cohort_theme_dir
from portfolio_builder.web import csp

COHORT_FORMAT_VERSION = 1
MAX_REPORT_BYTES = 64 * 1024 * 1024  # a report of 20,000 pieces of evidence is ~20 MiB


@dataclass
class Cohort:
    title: str = ""
    institution: str = ""
    session: str = ""
    language: str = "fr"
    referential: str | None = None  # what every dossier is checked against, when the cohort says
    juries: Path | None = None  # the jury's own decision files, when the cohort keeps them
    limits: Any = None  # core.limits.Limits for every dossier (None: the defaults)
    markdown_extensions: dict[str, Any] | None = None  # trusted: the cohort's extensions and their options


@dataclass
class Row:
    slug: str
    source: str
    report: dict[str, Any] | None
    failure: str = ""
    problems: list[str] = field(default_factory=list)
    report_link: str = ""  # relative to the dashboard
    cohort_problems: list[str] = field(default_factory=list)
    name: str = ""  # when there is no report (a failed build): the name its dossier gives


def valid_report(document: Any) -> bool:
    return isinstance(document, dict) and schemas.validator("report").is_valid(document)


def _domain_cells(report: dict[str, Any]) -> list[dict[str, Any]]:
    cells = []
    for d in report.get("domains", []):
        total = d.get("total") or 0
        covered = d.get("covered") or 0
        level = "full" if total and covered == total else ("none" if covered == 0 else "partial")
        cells.append({"code": d.get("code", ""), "covered": covered, "total": total, "level": level})
    return cells


def row_data(row: Row, lang: str) -> dict[str, Any]:
    report = row.report or {}
    dossier = report.get("dossier", {})
    candidate = dossier.get("candidate", {})
    summary = report.get("summary", {})
    evidence = report.get("evidence", [])
    competencies = report.get("competencies", [])
    outcome = report.get("outcome", {}).get("decision", "pending") if report else "pending"
    reviewed = sum(1 for e in evidence if e.get("review"))
    met = sum(1 for c in competencies if c.get("review") == "met")
    return {
        "slug": row.slug,
        "source": row.source,
        "name": candidate.get("name") or row.name or row.slug,
        "student_id": candidate.get("student_id", ""),
        "institution": dossier.get("institution", ""),
        "session": dossier.get("session", ""),
        "referential": report.get("referential", {}).get("id", ""),
        "domains": _domain_cells(report),
        "covered": summary.get("covered", 0),
        "total": summary.get("competencies", 0),
        "missing": summary.get("missing", 0),
        "missing_codes": report.get("missing", []),
        "evidence": summary.get("evidence", 0),
        "reviewed": reviewed,
        "met": met,
        "errors": summary.get("errors", 0),
        "warnings": summary.get("warnings", 0),
        "outcome": outcome,
        "outcome_label": translate(lang, f"outcome.{outcome}"),
        "built": bool(row.report) and not row.failure,
        "failure": row.failure,
        "problems": row.problems[:20],
        "problem_overflow": max(0, len(row.problems) - 20),
        "cohort_problems": row.cohort_problems,
        "link": row.report_link,
        "reviewed_label": translate(lang, "cohort.reviewed", reviewed=reviewed, evidence=len(evidence)),
        "met_label": translate(lang, "cohort.met", met=met),
        "errors_label": translate(lang, "cohort.errors", count=len(row.problems)),
    }


def duplicate_registrations(rows: list[Row], lang: str) -> None:
    """The same student (student_id) registered at two institutions for one session."""
    seen: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        dossier = (row.report or {}).get("dossier", {})
        student = dossier.get("candidate", {}).get("student_id")
        if student:
            seen.setdefault((student, dossier.get("session", "")), []).append(row)
    for (student, session), group in seen.items():
        institutions = {(r.report or {}).get("dossier", {}).get("institution", "") for r in group}
        if len(institutions) > 1:
            others = ", ".join(sorted(i for i in institutions if i))
            message = translate(
                lang, "cohort.duplicate_registration", student=student, session=session, institutions=others
            )
            for row in group:
                where = f"{row.source}: " if row.source else ""
                row.cohort_problems.append(f"{where}{translate(lang, 'severity.error')}[duplicate-registration] {message}")


_DISPLAY_ONLY = ("problem_overflow", "reviewed_label", "met_label", "errors_label")


def cohort_report(cohort: Cohort, rows: list[Row]) -> dict[str, Any]:
    lang = cohort.language
    return {
        "format_version": COHORT_FORMAT_VERSION,
        "tool": {"name": "portfolio_builder", "version": __version__},
        "title": cohort.title,
        "institution": cohort.institution,
        "session": cohort.session,
        "dossiers": [
            {k: v for k, v in row_data(row, lang).items() if k not in _DISPLAY_ONLY} for row in rows
        ],
    }


_CSV_COLUMNS = (
    "name", "student_id", "institution", "session", "referential", "covered", "total", "missing",
    "missing_codes", "evidence", "reviewed", "met", "errors", "warnings", "outcome", "built", "failure",
)


def cohort_csv(document: dict[str, Any], lang: str) -> str:
    rows = []
    for row in document["dossiers"]:
        values = []
        for column in _CSV_COLUMNS:
            value = row.get(column, "")
            if isinstance(value, list):
                value = " ".join(str(v) for v in value)
            elif isinstance(value, bool):
                value = translate(lang, "word.yes" if value else "word.no")
            elif column == "outcome":
                value = row["outcome_label"]
            values.append(value)
        rows.append(values)
    return spreadsheet_csv([translate(lang, f"cohort.csv.{c}") for c in _CSV_COLUMNS], rows)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(cohort_theme_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def write(site_root: Path, cohort: Cohort, rows: list[Row], from_reports: bool = False) -> dict[str, Any]:
    """Write index.html, report.json, report.csv and the dashboard's assets."""
    lang = cohort.language
    duplicate_registrations(rows, lang)
    document = cohort_report(cohort, rows)
    site_root.mkdir(parents=True, exist_ok=True)
    assets = site_root / "assets" / "cohort"
    assets.mkdir(parents=True, exist_ok=True)
    for name in ("cohort.css", "cohort.js"):
        shutil.copyfile(cohort_theme_dir() / name, assets / name)
    html = _environment().get_template("dashboard.html").render(
        t=strings(lang),
        lang=lang,
        cohort=cohort,
        rows=[row_data(r, lang) for r in rows],
        failed=sum(1 for r in rows if r.failure),
        failure_label=t_failure(lang, from_reports),
        count_label=translate(lang, "cohort.count", count=len(rows)),
        failed_label=translate(lang, "cohort.failed_count", count=sum(1 for r in rows if r.failure)),
        version=__version__,
    )
    _write_text(site_root / "index.html", csp.inject(html, noindex=True))
    _write_text(site_root / "report.json", json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    _write_text(site_root / "report.csv", cohort_csv(document, lang))
    return document


def t_failure(lang: str, from_reports: bool) -> str:
    return translate(lang, "cohort.invalid_report" if from_reports else "cohort.build_failed")


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def rows_from_reports(paths: list[Path], site_root: Path, lang: str) -> list[Row]:
    """Rows from published report.json files (``--reports``), without building anything."""
    from portfolio_builder.cohort.run import unique_slugs

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            # Published sites hold report.json; a folder of downloaded reports may name them freely.
            found = sorted(p for p in path.rglob("report.json") if p.is_file())
            files.extend(found or sorted(p for p in path.rglob("*.json") if p.is_file()))
        else:
            files.append(path)
    copies = site_root / "reports"
    copies.mkdir(parents=True, exist_ok=True)
    documents: list[tuple[Path, dict[str, Any] | None, str]] = []
    for path in files:
        try:
            # A published report is untrusted too: never a FIFO (the read would block), never a giant.
            info = path.stat()
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_REPORT_BYTES:
                reason = translate(lang, "config.too_large", name=path.name, size=Size(info.st_size), limit=Size(MAX_REPORT_BYTES))
                documents.append((path, None, translate(lang, "cohort.failure.unreadable_report", path=str(path), reason=reason)))
                continue
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            documents.append((path, None, translate(lang, "cohort.failure.unreadable_report", path=str(path), reason=str(error))))
            continue
        if valid_report(document):
            documents.append((path, document, ""))
        else:
            documents.append((path, None, translate(lang, "cohort.failure.invalid_report", path=str(path))))
    names = [((d or {}).get("dossier", {}).get("candidate", {}).get("name")) or p.parent.name for p, d, _ in documents]
    rows: list[Row] = []
    for (path, document, failure), slug in zip(documents, unique_slugs(names)):
        row = Row(slug=slug, source=str(path), report=document, failure=failure)
        if document is not None:
            copy = copies / f"{slug}.json"
            _write_text(copy, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
            page = path.parent / "portfolio" / "report" / "index.html"
            target = page if page.is_file() else copy
            row.report_link = os.path.relpath(target, site_root).replace(os.sep, "/")
        rows.append(row)
    return rows
