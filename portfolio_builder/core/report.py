"""The report document: what ``portfolio check --format json`` prints and the
site publishes as ``report.json``, plus its spreadsheet twin ``report.csv``.

It is the single source of truth of what a dossier's check found: every page of the
site is laid out from this document alone (``core.view``), so a page can never say
what ``report.json`` does not.

Deterministic on purpose (no timestamps): the site's ``report.json`` and the
CLI's output for the same sources are byte-for-byte the same document.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from portfolio_builder import __version__
from portfolio_builder.core import rules as rules_mod
from portfolio_builder.core.check import CompetencyLevel, Dossier
from portfolio_builder.core.evidence import PRIVATE
from portfolio_builder.core.jury import Jury
from portfolio_builder.core.reviews import Review
from portfolio_builder.core.rules import Forecast
from portfolio_builder.i18n import translate

FORMAT_VERSION = 1


def build(dossier: Dossier) -> dict[str, Any]:
    lang = dossier.lang
    settings = dossier.project.settings
    referential = dossier.referential
    cov = dossier.coverage
    candidate: dict[str, Any] = {"name": settings.candidate_name}
    if settings.student_id and not dossier.options.public:
        candidate["student_id"] = settings.student_id
    correspondent: dict[str, Any] = {"name": settings.correspondent_name}
    if settings.correspondent_email and not dossier.options.public:
        correspondent["email"] = settings.correspondent_email

    reviews = dossier.reviews
    decisions = dossier.jury.decisions if dossier.jury else {}
    qcm = dossier.jury.qcm if dossier.jury else {}
    competencies = []
    for domain in cov.domains:
        for entry in domain.competencies:
            paths = [e.path for e in entry.evidence]
            competencies.append(
                {
                    "code": entry.competency.code,
                    "domain": domain.domain.code,
                    "title": entry.competency.title,
                    "covered": entry.covered,
                    "evidence": paths,
                    "types": sorted({e.type for e in entry.evidence if e.type}),
                    "review": reviews.best_status(entry.competency.code, paths),
                    "decision": decisions.get(entry.competency.code),
                    "level": _level_dict(dossier.level(entry.competency.code)),
                    "carried_over": _carried_dict(entry.carried),
                    "description": entry.competency.description,
                    "review_outdated": reviews.outdated_for(entry.competency.code, paths),
                }
            )
    domain_status = dossier.outcome.domain_status if dossier.outcome else {}
    report: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "tool": {"name": "portfolio_builder", "version": __version__},
        "language": lang,
        "dossier": {
            "site_name": dossier.project.site_name,
            "candidate": candidate,
            "institution": settings.institution,
            "session": settings.session,
            "mode": settings.mode,
            "public": dossier.options.public,
            "correspondent": correspondent,
        },
        "referential": (
            {
                "id": referential.id,
                "title": referential.title,
                "short_title": referential.short_title,
                "version": referential.version,
                "notes": list(referential.notes),
                "legal_basis": referential.legal_basis,
                "rules_text": _rules_text(dossier),
                "rules": {
                    "validation": referential.rules.validation,
                    "min_validated": referential.rules.min_validated,
                    "max_not_validated_per_domain": referential.rules.max_not_validated_per_domain,
                    "qcm_per_domain": referential.rules.qcm_per_domain,
                    "qcm_certainty": referential.rules.qcm_certainty or None,
                    "qcm_source": referential.rules.qcm_source,
                    "conditions": [{"id": c.id, "title": c.title, "source": c.source} for c in referential.rules.conditions],
                    "min_level": referential.rules.min_level if referential.levels else None,
                    "min_levels": dict(referential.rules.min_levels) if referential.levels else {},
                },
                "levels": (
                    {
                        "min": referential.levels.min,
                        "max": referential.levels.max,
                        "groups": [{"name": g.name, "levels": list(g.levels)} for g in referential.levels.groups],
                    }
                    if referential.levels
                    else None
                ),
            }
            if referential
            else {"id": settings.referential, "title": "", "version": "", "rules": None}
        ),
        "summary": {
            "competencies": cov.total,
            "covered": cov.covered,
            "missing": len(cov.missing),
            "evidence": len(dossier.evidence),
            "errors": dossier.errors,
            "warnings": dossier.warnings,
        },
        "missing": cov.missing,
        "competencies": competencies,
        "domains": [
            {
                "code": d.domain.code,
                "title": d.domain.title,
                "covered": d.covered,
                "total": d.total,
                "missing": d.missing,
                "qcm": (
                    {"passed": qcm[d.domain.code].passed, "score": qcm[d.domain.code].score}
                    if d.domain.code in qcm
                    else None
                ),
                "qcm_required": _qcm_setting_dict(dossier, d.domain.code),
                "carried_over": _carried_dict(d.carried),
                "status": domain_status.get(d.domain.code),
            }
            for d in cov.domains
        ],
        "evidence": [
            {
                "path": e.path,
                "id": e.id,
                "title": e.title,
                "type": e.type,
                "date": e.date,
                "context": e.context,
                "competencies": e.codes,
                "attachments": [
                    {k: v for k, v in (("path", a.path), ("url", a.url), ("title", a.name), ("size", a.size)) if v is not None}
                    | {"private": a.visibility == PRIVATE}
                    for a in e.attachments
                ],
                "review": _review_dict(reviews.current(e.path)),
                "private": e.visibility == PRIVATE,
                "commentary": e.commentary,
                "claims": [
                    {"code": c.code, "argument": c.argument, "anchor": c.anchor, "level": c.level} for c in e.claims
                ],
            }
            for e in sorted(dossier.evidence, key=lambda e: e.path)
        ],
        "reviews": [_review_fields(r) for r in reviews.reviews],
        # What the dossier itself holds of the tutors' and the jury's word: shown, never counted.
        "declared_reviews": [_review_fields(r) for r in dossier.declared_reviews.reviews],
        "declared_jury": _jury_dict(dossier.declared_jury),
        "attestations": [
            {
                "session": a.session,
                "institution": a.institution,
                "date": a.date,
                "validated_domains": list(a.validated_domains),
                "signed_by": a.signed_by,
            }
            for a in dossier.attestations
        ],
        "outcome": _outcome_dict(dossier, lang),
        "forecast": _forecast_dict(dossier.forecast, lang),
        "problems": [p.to_dict(lang) for p in dossier.problems],
    }
    return report


def _carried_dict(carried: Any) -> dict[str, str] | None:
    if carried is None:
        return None
    return {"session": carried.session, "date": carried.date, "institution": carried.institution}


def _review_dict(review: Review | None) -> dict[str, Any] | None:
    return None if review is None else _review_fields(review)


def _review_fields(review: Review) -> dict[str, Any]:
    return {
        "file": review.file,
        "evidence": review.evidence_path,
        "reviewer": review.reviewer,
        "date": review.date,
        "verdicts": dict(review.verdicts),
        "comment": review.comment,
        "current": review.current,
        "outdated": review.outdated,
        "commit": review.commit,
        "sha256": review.sha256,
        "verified": review.verified,
        "changed_on": review.changed_on,
        "diff": [{"kind": kind, "line": line} for kind, line in review.diff],
    }


def _jury_dict(jury: Jury | None) -> dict[str, Any] | None:
    if jury is None:
        return None
    return {
        "session": jury.session,
        "date": jury.date,
        "institution": jury.institution,
        "members": jury.members,
        "comment": jury.comment,
        "verified": jury.verified,
    }


def _rules_text(dossier: Dossier) -> str:
    """The rules in words (the kind, the minimum levels, the conditions, the QCM)."""
    ref = dossier.referential
    assert ref is not None
    lang = dossier.lang
    text = " ".join(sentence.text(lang) for sentence in rules_mod.describe(ref))
    if dossier.qcm and all(setting.required for setting in dossier.qcm.values()):
        text += " " + translate(lang, "rules.qcm")
    return text


def _outcome_dict(dossier: Dossier, lang: str) -> dict[str, Any]:
    outcome = dossier.outcome
    if outcome is None:
        return {"decision": "pending", "validated_domains": [], "validated_competencies": [], "reasons": [], "missing": []}
    return {
        "decision": outcome.decision,
        "validated_domains": outcome.validated_domains,
        "carried_over_domains": outcome.carried_over_domains,
        "validated_competencies": outcome.validated_competencies,
        "reasons": [r.text(lang) for r in outcome.reasons],
        "missing": [m.text(lang) for m in outcome.missing],
        "conditions": [
            {"id": c.id, "title": c.title, "source": c.source, "status": outcome.conditions.get(c.id, "open")}
            for c in (dossier.referential.rules.conditions if dossier.referential else ())
        ],
        "jury": _jury_dict(dossier.jury),
    }


def _forecast_dict(forecast: Forecast | None, lang: str) -> dict[str, Any] | None:
    if forecast is None:
        return None
    return {
        "likely": forecast.likely,
        "without_evidence": forecast.without_evidence,
        "without_met_verdict": forecast.without_met_verdict,
        "below_level": forecast.below_level,
        "needs": [n.text(lang) for n in forecast.needs],
    }


def _level_dict(level: CompetencyLevel | None) -> dict[str, Any] | None:
    if level is None:
        return None
    return {
        "evidenced": level.evidenced,
        "reviewed": level.reviewed,
        "decided": level.decided,
        "validated": level.validated,
        "validated_by": level.validated_by,
        "required": level.required,
    }


def _qcm_setting_dict(dossier: Dossier, domain: str) -> dict[str, Any] | None:
    setting = dossier.qcm.get(domain)
    if setting is None:
        return None
    return {
        "required": setting.required,
        "by": setting.by,
        "file": setting.file,
        "certainty": (dossier.referential.rules.qcm_certainty or None) if setting.by == "referential" and dossier.referential else None,
    }


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


# A cell starting with one of these is a formula to a spreadsheet (OWASP « CSV injection »):
# `=HYPERLINK(…)` as a candidate's name or an evidence title would run when the jury opens it.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: Any) -> Any:
    """A text cell a spreadsheet reads as text: a leading ``'``, as OWASP recommends.

    Numbers stay numbers (a count of -1 is not text a candidate wrote).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_csv(header: list[str], rows: list[list[Any]]) -> str:
    """Semicolon-separated UTF-8 with a BOM: opens as-is in a French spreadsheet.

    Every CSV we write goes through here, so every cell is neutralised.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralised(cell) for cell in header])
    writer.writerows([neutralised(cell) for cell in row] for row in rows)
    return "\ufeff" + buffer.getvalue()


def to_csv(report: dict[str, Any]) -> str:
    """One row per competency of the referential."""
    lang = report["language"]
    titles = {e["path"]: e["title"] for e in report["evidence"]}
    domains = {d["code"]: d["title"] for d in report["domains"]}
    has_levels = bool((report.get("referential") or {}).get("levels"))
    rows = []
    for row in report["competencies"]:
        rows.append(
            [
                row["domain"],
                domains.get(row["domain"], ""),
                row["code"],
                row["title"],
                translate(lang, "carried.short" if row.get("carried_over") else "status.covered" if row["covered"] else "status.missing"),
                len(row["evidence"]),
                " | ".join(titles.get(p, p) for p in row["evidence"]),
                " | ".join(row["evidence"]),
                " | ".join(translate(lang, f"evidence.type.{t}") for t in row["types"]),
            ]
            + [_csv_extra(row, name, lang) for name in _CSV_EXTRA]
            + ([_csv_level(row, name) for name in _CSV_LEVELS] if has_levels else [])
        )
    columns = _CSV_COLUMNS + _CSV_EXTRA + (_CSV_LEVELS if has_levels else ())
    return spreadsheet_csv([translate(lang, f"csv.{name}") for name in columns], rows)


_CSV_COLUMNS = (
    "domain_code",
    "domain",
    "code",
    "competency",
    "status",
    "evidence_count",
    "evidence",
    "paths",
    "types",
)
_CSV_EXTRA = ("review", "decision")
_CSV_LEVELS = ("level_evidenced", "level_validated")  # only where the referential has levels


def _csv_level(row: dict[str, Any], name: str) -> str:
    value = (row.get("level") or {}).get(name.removeprefix("level_"))
    return "" if value is None else str(value)


def _csv_extra(row: dict[str, Any], name: str, lang: str) -> str:
    value = row.get(name)
    if name == "decision" and row.get("carried_over"):
        value = "validated"  # by the jury of an earlier session
    return translate(lang, f"{name}.{value}") if value else ""
