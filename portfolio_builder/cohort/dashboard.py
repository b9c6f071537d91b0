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
from portfolio_builder.i18n import Size, strings, translate, translate_count
from portfolio_builder.resources import cohort_theme_dir
from portfolio_builder.web import csp

COHORT_FORMAT_VERSION = 1
NOT_BUILT = "not_built"  # the row's outcome when its dossier could not be built
MAX_REPORT_BYTES = 64 * 1024 * 1024  # a report of 20,000 pieces of evidence is ~20 MiB


@dataclass
class Cohort:
    title: str = ""
    institution: str = ""
    session: str = ""
    language: str = "fr"
    referential: str | None = None  # what every dossier is checked against, when the cohort says
    juries: Path | None = None  # the jury's own decision files (core.authority)
    reviews: Path | None = None  # the tutors' own review folders
    issuers: tuple[Path, ...] = ()  # the trusted issuers' public key files
    # The session's QCM setting: (domain or "*", required, line in cohort.yml), and that file.
    qcm_required: tuple[tuple[str, bool, int], ...] = ()
    file: str = ""
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
    outcome: str | None = None  # the cohort's own decision, when the report's is not believed (--reports)
    verified: bool | None = None  # --reports: whether a trusted issuer signed the report
    warnings: list[str] = field(default_factory=list)  # formatted warnings (built dossiers)
    name: str = ""  # the candidate's name when there is no report to take it from


def valid_report(document: Any) -> bool:
    return isinstance(document, dict) and schemas.is_valid("report", document)


def _domain_cells(report: dict[str, Any]) -> list[dict[str, Any]]:
    levels = _levels(report)
    by_domain: dict[str, list[int]] = {}
    for c in report.get("competencies", []):
        if c.get("code") in levels:
            by_domain.setdefault(c.get("domain", ""), []).append(levels[c["code"]])
    cells = []
    for d in report.get("domains", []):
        total = d.get("total") or 0
        covered = d.get("covered") or 0
        level = "full" if total and covered == total else ("none" if covered == 0 else "partial")
        found = by_domain.get(d.get("code", ""), [])
        span = "" if not found else (str(found[0]) if min(found) == max(found) else f"{min(found)}–{max(found)}")
        cells.append({"code": d.get("code", ""), "covered": covered, "total": total, "level": level, "levels": span})
    return cells


def _levels(report: dict[str, Any]) -> dict[str, int]:
    """Competency → its highest level validated, else claimed, where the referential has levels."""
    found: dict[str, int] = {}
    for c in report.get("competencies", []):
        level = c.get("level") if isinstance(c.get("level"), dict) else None
        value = level and (level.get("validated") if level.get("validated") is not None else level.get("evidenced"))
        if isinstance(value, int) and not isinstance(value, bool):
            found[str(c.get("code", ""))] = value
    return found


def row_data(row: Row, lang: str) -> dict[str, Any]:
    report = row.report or {}
    dossier = report.get("dossier", {})
    candidate = dossier.get("candidate", {})
    summary = report.get("summary", {})
    evidence = report.get("evidence", [])
    competencies = report.get("competencies", [])
    built = bool(row.report) and not row.failure
    # A dossier that was not built has no decision to show: never « En attente » for it.
    outcome = (row.outcome or report.get("outcome", {}).get("decision", "pending")) if built else NOT_BUILT
    errors = summary.get("errors", 0) if built else 0
    warnings = summary.get("warnings", 0) if built else 0
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
        "has_levels": bool((report.get("referential") or {}).get("levels")),
        "levels": _levels(report),
        "competencies": _competency_rows(report) if built else [],
        "covered": summary.get("covered", 0),
        "total": summary.get("competencies", 0),
        "missing": summary.get("missing", 0),
        "missing_codes": report.get("missing", []),
        "evidence": summary.get("evidence", 0),
        "reviewed": reviewed,
        "met": met,
        "errors": errors,
        "warnings": warnings,
        "outcome": outcome,
        "outcome_label": translate(lang, f"outcome.{outcome}"),
        "verified": row.verified,
        "built": built,
        "failure": row.failure,
        "problems": row.problems[:20],
        "problem_overflow": max(0, len(row.problems) - 20),
        "warning_problems": row.warnings[:20],
        "warning_overflow": max(0, len(row.warnings) - 20),
        "has_problems": bool(errors or warnings or row.failure or row.cohort_problems),
        "cohort_problems": row.cohort_problems,
        "link": row.report_link,
        "reviewed_label": translate(lang, "cohort.reviewed", reviewed=reviewed, evidence=len(evidence)),
        "met_label": translate(lang, "cohort.met", met=met),
        "errors_label": translate_count(lang, "cohort.error_count", errors),
        "warnings_label": translate_count(lang, "cohort.warning_count", warnings),
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


def duplicate_student_ids(rows: list[Row], lang: str) -> None:
    """One student number claimed by two dossiers: both are errors, whatever their institutions."""
    from portfolio_builder.core.project import valid_student_id

    seen: dict[str, list[Row]] = {}
    for row in rows:
        student = str((row.report or {}).get("dossier", {}).get("candidate", {}).get("student_id") or "")
        if student and valid_student_id(student):
            seen.setdefault(student, []).append(row)
    for student, group in seen.items():
        if len(group) < 2:
            continue
        for row in group:
            others = ", ".join(r.source for r in group if r is not row)
            message = translate(lang, "cohort.duplicate_student_id", student=student, others=others)
            where = f"{row.source}: " if row.source else ""
            row.cohort_problems.append(f"{where}{translate(lang, 'severity.error')}[duplicate-student-id] {message}")


_DISPLAY_ONLY = (
    "problem_overflow", "warning_overflow", "reviewed_label", "met_label", "errors_label", "warnings_label", "has_problems",
    "competencies",
)


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
    # A levels column only where some dossier's referential has levels (CRCN, DigComp).
    columns = _CSV_COLUMNS + (("levels",) if any(row.get("levels") for row in document["dossiers"]) else ())
    for row in document["dossiers"]:
        values = []
        for column in columns:
            value = row.get(column, "")
            if isinstance(value, list):
                value = " ".join(str(v) for v in value)
            elif isinstance(value, bool):
                value = translate(lang, "word.yes" if value else "word.no")
            elif column == "outcome":
                value = row["outcome_label"]
            elif column == "levels":
                value = " ".join(f"{code}:{level}" for code, level in (value or {}).items())
            values.append(value)
        rows.append(values)
    return spreadsheet_csv([translate(lang, f"cohort.csv.{c}") for c in columns], rows)


def competency_stats(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Per competency of each referential in the cohort: how many candidates cover it, how
    many had it validated by the jury, out of how many built dossiers (what the group lacks)."""
    stats: dict[tuple[str, str], dict[str, Any]] = {}
    for row in document["dossiers"]:
        if not row.get("built"):
            continue
        for c in row.get("competencies", []):
            key = (row.get("referential", ""), str(c.get("code", "")))
            entry = stats.setdefault(key, {
                "referential": key[0], "code": key[1], "domain": c.get("domain", ""), "title": c.get("title", ""),
                "covered_by": 0, "validated_for": 0, "candidates": 0,
            })
            entry["candidates"] += 1
            entry["covered_by"] += 1 if c.get("covered") else 0
            entry["validated_for"] += 1 if c.get("decision") == "validated" else 0
    for entry in stats.values():
        entry["lacking"] = entry["candidates"] - entry["covered_by"]
    return list(stats.values())


_LONG_COLUMNS = (
    "name", "student_id", "institution", "session", "referential", "domain", "code", "title",
    "covered", "evidence", "review", "decision", "level", "outcome",
)


def cohort_competencies_csv(document: dict[str, Any], lang: str) -> str:
    """One row per candidate and competency, for spreadsheet pivots (report-competencies.csv)."""
    rows = []
    for row in document["dossiers"]:
        for c in row.get("competencies", []):
            review, decision = c.get("review"), c.get("decision")
            rows.append([
                row.get("name", ""), row.get("student_id", ""), row.get("institution", ""), row.get("session", ""),
                row.get("referential", ""), c.get("domain", ""), c.get("code", ""), c.get("title", ""),
                translate(lang, "word.yes" if c.get("covered") else "word.no"), c.get("evidence", 0),
                translate(lang, f"review.{review}") if isinstance(review, str) and review else "",
                translate(lang, f"decision.{decision}") if isinstance(decision, str) and decision else "",
                "" if c.get("level") is None else c.get("level"),
                row.get("outcome_label", ""),
            ])
    header = [translate(lang, f"cohort.csv.{'covered_one' if c == 'covered' else c}") for c in _LONG_COLUMNS]
    return spreadsheet_csv(header, rows)


def _competency_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each competency of a dossier, as the per-competency table and CSV need it."""
    levels = _levels(report)
    out = []
    for c in report.get("competencies", []):
        if not isinstance(c, dict):
            continue
        review = c.get("review")
        out.append({
            "code": str(c.get("code", "")), "domain": str(c.get("domain", "")), "title": str(c.get("title", "")),
            "covered": bool(c.get("covered")), "evidence": len(c.get("evidence") or []),
            "review": review if isinstance(review, str) else "", "decision": c.get("decision") if isinstance(c.get("decision"), str) else "",
            "level": levels.get(str(c.get("code", ""))),
        })
    return out


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
    duplicate_student_ids(rows, lang)
    document = cohort_report(cohort, rows)
    site_root.mkdir(parents=True, exist_ok=True)
    assets = site_root / "assets" / "cohort"
    assets.mkdir(parents=True, exist_ok=True)
    for name in ("cohort.css", "cohort.js"):
        shutil.copyfile(cohort_theme_dir() / name, assets / name)
    full = {"dossiers": [row_data(r, lang) for r in rows]}  # with each dossier's competencies
    html = _environment().get_template("dashboard.html").render(
        t=strings(lang),
        lang=lang,
        cohort=cohort,
        rows=full["dossiers"],
        by_competency=competency_stats(full),
        failed=sum(1 for r in rows if r.failure),
        failure_label=t_failure(lang, from_reports),
        count_label=translate(lang, "cohort.count", count=len(rows)),
        failed_label=translate(lang, "cohort.failed_count", count=sum(1 for r in rows if r.failure)),
        version=__version__,
    )
    _write_text(site_root / "index.html", csp.inject(html, noindex=True))
    _write_text(site_root / "report.json", json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    _write_text(site_root / "report.csv", cohort_csv(document, lang))
    _write_text(site_root / "report-competencies.csv", cohort_competencies_csv(full, lang))
    return document


def t_failure(lang: str, from_reports: bool) -> str:
    return translate(lang, "cohort.invalid_report" if from_reports else "cohort.build_failed")


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def rows_from_reports(paths: list[Path], site_root: Path, policy: Any) -> list[Row]:
    """Rows from published report.json files (``--reports``), without building anything.

    A report is the candidate's CI job's word: its coverage is shown (« non
    vérifié » unless its ``report.jwt`` verifies against a trusted issuer), but
    the decision always comes from the cohort's jury files and the rules engine
    (``core.authority``), and an unverified row is never shown as certified.
    """
    from collections import Counter

    from portfolio_builder.cohort.run import unique_slugs
    from portfolio_builder.core.view import slug as make_slug

    lang = policy.language
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            # Published sites hold report.json beside the manifest that hashes it; a report.json
            # anywhere else in a site is a candidate's file (say docs/annexe/report.json), not one.
            found = _site_reports(path)
            files.extend(found or sorted(p for p in path.rglob("*.json") if p.is_file() and _loose_report(p)))
        else:
            files.append(path)
    copies = site_root / "reports"
    copies.mkdir(parents=True, exist_ok=True)
    documents: list[tuple[Path, dict[str, Any] | None, str, bytes]] = []
    for path in files:
        try:
            # A published report is untrusted too: never a FIFO (the read would block), never a giant.
            info = path.stat()
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_REPORT_BYTES:
                reason = translate(lang, "config.too_large", name=path.name, size=Size(info.st_size), limit=Size(MAX_REPORT_BYTES))
                documents.append((path, None, translate(lang, "cohort.failure.unreadable_report", path=str(path), reason=reason), b""))
                continue
            data = path.read_bytes()
            document = json.loads(data.decode("utf-8"))
        except (OSError, ValueError) as error:
            documents.append((path, None, translate(lang, "cohort.failure.unreadable_report", path=str(path), reason=str(error)), b""))
            continue
        if valid_report(document):
            documents.append((path, document, "", data))
        else:
            documents.append((path, None, translate(lang, "cohort.failure.invalid_report", path=str(path)), b""))
    names = [((d or {}).get("dossier", {}).get("candidate", {}).get("name")) or p.parent.name for p, d, _, _ in documents]
    ids = Counter(_student_id(d) for _, d, _, _ in documents if _student_id(d))
    bases = Counter(make_slug(name, empty="dossier") for name in names)
    rows: list[Row] = []
    for (path, document, failure, data), slug, name in zip(documents, unique_slugs(names), names):
        row = Row(slug=slug, source=str(path), report=document, failure=failure)
        if document is not None:
            copy = copies / f"{slug}.json"
            _write_text(copy, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
            page = path.parent / "portfolio" / "report" / "index.html"
            target = page if page.is_file() else copy
            row.report_link = os.path.relpath(target, site_root).replace(os.sep, "/")
            student_id = _student_id(document)
            reading = policy.untrusted(slug, student_id, bases[make_slug(name, empty="dossier")] == 1, ids[student_id] > 1)
            row.verified, reason = _report_signature(path, data, policy.issuers)
            if not row.verified:
                row.problems.append(f"{path}: {translate(lang, 'severity.warning')}[report-unverified] {translate(lang, 'cohort.report_unverified', reason=reason)}")
                # Its reviews are the candidate's word too (no tutor signed them): never counted.
                row.report = _without_reviews(document)
            row.outcome = _decide(document, reading, policy, row.verified)
        rows.append(row)
    return rows


def _site_reports(folder: Path) -> list[Path]:
    """The report.json of each published site under ``folder``: beside its manifest.json, and
    never one inside another site (a candidate's docs/annexe/report.json is a file of theirs)."""
    taken: list[Path] = []
    candidates = [p for p in folder.rglob("report.json") if p.is_file() and p.with_name("manifest.json").is_file()]
    for path in sorted(candidates, key=lambda p: (len(p.parts), str(p))):
        if not any(path.parent.is_relative_to(site.parent) for site in taken):
            taken.append(path)
    return sorted(taken)


def _loose_report(path: Path) -> bool:
    """A downloaded report (``<name>.json``) that is not a file of a published site."""
    return path.name != "manifest.json" and not path.with_name("manifest.json").exists()


def _without_reviews(document: dict[str, Any]) -> dict[str, Any]:
    """The report with no review: what an unverified report may show."""
    stripped = json.loads(json.dumps(document))
    for item in stripped.get("evidence", []):
        if isinstance(item, dict):
            item["review"] = None
    for item in stripped.get("competencies", []):
        if isinstance(item, dict):
            item["review"] = None
    stripped["reviews"] = []
    return stripped


def _student_id(document: dict[str, Any] | None) -> str:
    from portfolio_builder.core.project import valid_student_id

    value = str(((document or {}).get("dossier", {}).get("candidate", {}) or {}).get("student_id") or "")
    return value if valid_student_id(value) else ""


def _report_signature(path: Path, data: bytes, issuers: tuple[Any, ...]) -> tuple[bool, str]:
    """Whether ``report.jwt`` beside the report signs exactly these bytes, by a trusted issuer."""
    from portfolio_builder.core import credentials

    signed = path.with_suffix(".jwt")
    if not signed.is_file():
        return False, translate("fr", "cohort.report_unsigned")
    try:
        result = credentials.verify_token(credentials.read_token(signed), list(issuers))
    except credentials.CredentialError as error:
        return False, error.key
    if result.problem:
        return False, result.problem
    if result.payload_bytes != data:
        return False, "credential.bad_signature"
    return True, ""


def _decide(document: dict[str, Any], reading: Any, policy: Any, verified: bool) -> str:
    """The decision of the cohort's jury file under the rules, for a row built from a report."""
    from portfolio_builder.core import jury as jury_mod
    from portfolio_builder.core import referential as referential_mod
    from portfolio_builder.core import rules

    ref_id = policy.referential or document.get("referential", {}).get("id", "")
    if not ref_id or (not policy.referential and ref_id not in referential_mod.shipped_ids()):
        return rules.PENDING  # a referential we cannot trust decides nothing
    referential = referential_mod.load(ref_id, Path.cwd()).referential
    if referential is None:
        return rules.PENDING
    dossier = document.get("dossier", {})
    jury, _problems = jury_mod.load_jury(
        reading.jury, referential, True, str(reading.jury or ""), dossier.get("institution", ""), dossier.get("session", "")
    )
    if jury is None:
        return rules.PENDING
    # Carried-over domains are the report's word: believed only from a signed report.
    carried = set(document.get("outcome", {}).get("carried_over_domains", [])) if verified else set()
    outcome = rules.evaluate(referential, jury.decisions, {c: r.passed for c, r in jury.qcm.items()}, carried)
    if outcome.decision == rules.CERTIFIED and not verified:
        return "unverified"
    return outcome.decision
