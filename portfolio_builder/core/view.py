"""Data for rendering: what each page of the site shows, as plain dicts.

The MkDocs plugin passes these to the templates in ``theme/material/portfolio/``; the
templates only lay them out. Nothing here imports MkDocs: URLs are resolved
through ``url_for(src_path)``, which the adapter supplies (docs-relative source
path in, site URL out).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

from portfolio_builder.core import rules as rules_mod
from portfolio_builder.core.check import Dossier
from portfolio_builder.core.evidence import Evidence
from portfolio_builder.core.jury import Jury
from portfolio_builder.core.reviews import Review
from portfolio_builder.i18n import translate

UrlFor = Callable[[str], str]

# Where the generated pages live, relative to the docs folder.
GENERATED_DIR = "portfolio"
REPORT_SRC = f"{GENERATED_DIR}/report.md"
COMPETENCIES_SRC = f"{GENERATED_DIR}/competencies/index.md"
ATTESTATION_SRC = f"{GENERATED_DIR}/attestation.md"
HOME_SRC = "index.md"
DOWNLOADS = ("report.json", "report.csv", "manifest.json")
CREDENTIAL_SRC = "attestation.jwt"  # the signed attestation (Open Badges 3.0), when the build signs


def slug(text: str, empty: str = "c") -> str:
    """A URL-safe name: ``D1.1`` → ``d1-1``, « Léa Moreau » → ``lea-moreau``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^0-9a-z]+", "-", ascii_text.casefold()).strip("-") or empty


def competency_src(code: str) -> str:
    return f"{GENERATED_DIR}/competencies/{slug(code)}.md"


def format_date(iso: str, lang: str) -> str:
    """``2025-03-12`` → « 12 mars 2025 » / "12 March 2025" (with the time when one is given:
    two reviews of one day stay apart); anything else as written."""
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    month = translate(lang, f"month.{day.month}")
    text = f"{day.day} {month} {day.year}"
    time = re.match(r"[T ](\d{2}):(\d{2})", iso[10:])
    if time:
        text = translate(lang, "ui.date_at_time", date=text, hour=time.group(1), minute=time.group(2))
    return text


def format_size(size: int | None, lang: str) -> str:
    if size is None:
        return ""
    units = translate(lang, "units.size").split("|")
    value = float(size)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            text = f"{value:.0f}" if unit == units[0] else f"{value:.1f}"
            return f"{text.replace('.', ',') if lang == 'fr' else text} {unit}"
        value /= 1024
    return str(size)  # pragma: no cover


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _review(review: Review | None, lang: str) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        "reviewer": review.reviewer,
        "declared": not review.verified,  # « déclaré par le candidat, non vérifié » (core.authority)
        "date": format_date(review.date, lang),
        "comment": review.comment,
        "outdated": review.outdated,
        "changed_on": format_date(review.changed_on, lang) if review.changed_on else "",
        "verdicts": {code: _verdict(v, lang) for code, v in review.verdicts.items()},
        "commit": review.commit[:12],
        # What changed since the review, when it pinned a commit (the page's own text).
        "diff": [{"kind": kind, "line": line} for kind, line in review.diff],
    }


def _verdict(value: str | None, lang: str) -> dict[str, str] | None:
    if not value:
        return None
    return {"value": value, "label": translate(lang, f"review.{value}")}


def _decision(value: str | None, lang: str) -> dict[str, str] | None:
    if not value:
        return None
    return {"value": value, "label": translate(lang, f"decision.{value}")}


def _evidence_link(dossier: Dossier, item: Evidence, url_for: UrlFor) -> dict[str, Any]:
    return {
        "title": item.title or item.path,
        "url": url_for(item.path),
        "type": item.type,
        "type_label": translate(dossier.lang, f"evidence.type.{item.type}") if item.type else "",
        "date": format_date(item.date, dossier.lang),
        "private": item.visibility == "private",
    }


def site(dossier: Dossier, url_for: UrlFor) -> dict[str, Any]:
    """What every page may show: who, what referential, progress at a glance."""
    lang = dossier.lang
    settings = dossier.project.settings
    ref = dossier.referential
    cov = dossier.coverage
    outcome = dossier.outcome
    missing = [
        {"code": code, "title": ref.competencies[code].title, "url": url_for(competency_src(code))}
        for code in cov.missing
    ] if ref else []
    return {
        "lang": lang,
        "candidate": settings.candidate_name,
        "student_id": "" if dossier.options.public else settings.student_id,
        "institution": settings.institution,
        "session": settings.session,
        "correspondent": settings.correspondent_name,
        "correspondent_email": "" if dossier.options.public else settings.correspondent_email,
        "mode": settings.mode,
        "mode_label": translate(lang, f"mode.{settings.mode}"),
        "public": dossier.options.public,
        "referential": {
            "id": ref.id if ref else settings.referential,
            "title": ref.title if ref else settings.referential,
            "short_title": ref.short_title if ref else settings.referential,
            "version": ref.version if ref else "",
        },
        "covered": cov.covered,
        "total": cov.total,
        "percent": percent(cov.covered, cov.total),
        "progress_label": translate(lang, "ui.covered_of", covered=cov.covered, total=cov.total),
        "summary": summary_line(dossier),
        "problem_label": translate(lang, "ui.problem_count", count=dossier.errors),
        "missing": missing,
        "evidence_count": len(dossier.evidence),
        "errors": dossier.errors,
        "warnings": dossier.warnings,
        "has_levels": bool(ref and ref.levels),
        "levels_scale": translate(lang, "ui.levels_scale", min=ref.levels.min, max=ref.levels.max) if ref and ref.levels else "",
        "outcome": outcome.decision if outcome else "pending",
        "outcome_label": translate(lang, f"outcome.{outcome.decision if outcome else 'pending'}"),
        "jury_sat": dossier.jury is not None,
        "urls": {
            "report": url_for(REPORT_SRC),
            "competencies": url_for(COMPETENCIES_SRC),
            "attestation": url_for(ATTESTATION_SRC) if has_attestation(dossier) else "",
            **{name.replace(".", "_"): url_for(name) for name in DOWNLOADS},
        },
    }


def has_attestation(dossier: Dossier) -> bool:
    """An attestation exists once the jury decided (certified or not), never while pending."""
    return dossier.jury is not None and dossier.outcome is not None and dossier.outcome.decision != "pending"


def summary_line(dossier: Dossier) -> str:
    """« 19 / 20 compétences couvertes — manque : D4.4 Organiser une veille informationnelle »."""
    lang = dossier.lang
    ref = dossier.referential
    cov = dossier.coverage
    text = translate(lang, "ui.covered_of", covered=cov.covered, total=cov.total)
    if ref is not None and cov.missing:
        if len(cov.missing) <= SUMMARY_TITLES_UP_TO:
            names = ", ".join(f"{code} {ref.competencies[code].title}" for code in cov.missing)
        else:
            names = ", ".join(cov.missing)
        text += " — " + translate(lang, "ui.missing_list", names=names)
    return text


# Beyond this many missing competencies the summary lists codes only; the matrix has the titles.
SUMMARY_TITLES_UP_TO = 3


def evidence_card(dossier: Dossier, item: Evidence, url_for: UrlFor) -> dict[str, Any]:
    lang = dossier.lang
    ref = dossier.referential
    review = dossier.reviews.current(item.path)
    history = dossier.reviews.by_evidence.get(item.path, [])
    claims = []
    for claim in item.claims:
        competency = ref.competencies.get(claim.code) if ref else None
        claims.append(
            {
                "code": claim.code,
                "title": competency.title if competency else "",
                "url": url_for(competency_src(claim.code)),
                "argument": claim.argument,
                "anchor": claim.anchor.lstrip("#"),
                "verdict": _verdict(review.verdicts.get(claim.code) if review else None, lang),
                "level": ref.levels.label(claim.level) if ref and ref.levels and claim.level is not None else "",
            }
        )
    return {
        "title": item.title,
        "type": item.type,
        "type_label": translate(lang, f"evidence.type.{item.type}") if item.type else "",
        "date": format_date(item.date, lang),
        "iso_date": item.date,
        "context": item.context,
        "claims": claims,
        "commentary": item.commentary,
        "attachments": [
            {
                "name": a.name,
                "url": a.url if a.url else url_for(a.path or ""),
                "external": a.url is not None,
                "size": format_size(a.size, lang),
                "file": (a.path or "").rsplit("/", 1)[-1],
                "private": a.visibility == "private",
            }
            for a in item.attachments
        ],
        "review": _review(review, lang),
        "history": [_review(r, lang) for r in reversed(history[:-1])],
        "declared_reviews": [_review(r, lang) for r in reversed(dossier.declared_reviews.by_evidence.get(item.path, []))],
        "private": item.visibility == "private",
    }


def carried_label(carried: Any, lang: str) -> str:
    """« validée en session 2026-juin, attestation du 24 juin 2026 »."""
    if carried is None:
        return ""
    return translate(lang, "carried.validated_in", session=carried.session, date=format_date(carried.date, lang))


def _competency_row(dossier: Dossier, code: str, url_for: UrlFor) -> dict[str, Any]:
    lang = dossier.lang
    entry = dossier.coverage.by_code[code]
    paths = [e.path for e in entry.evidence]
    decisions = dossier.jury.decisions if dossier.jury else {}
    carried = carried_label(entry.carried, lang)
    # A carried-over competency was validated by an earlier jury: that is its decision here.
    decision = {"value": "validated", "label": carried} if carried else _decision(decisions.get(code), lang)
    return {
        "code": code,
        "title": entry.competency.title,
        "url": url_for(competency_src(code)),
        "covered": entry.covered,
        "count": len(entry.evidence),
        "evidence": [_evidence_link(dossier, e, url_for) for e in entry.evidence],
        "types": sorted({translate(lang, f"evidence.type.{e.type}") for e in entry.evidence if e.type}),
        "review": _verdict(dossier.reviews.best_status(code, paths), lang),
        "review_outdated": dossier.reviews.outdated_for(code, paths),
        "decision": decision,
        "carried": carried,
        "level": _level(dossier, code),
    }


def _level(dossier: Dossier, code: str) -> dict[str, Any] | None:
    """Levels as the site shows them (``None`` where the referential has none)."""
    level = dossier.level(code)
    ref = dossier.referential
    if level is None or ref is None or ref.levels is None:  # level() is None without a referential's levels
        return None
    levels = ref.levels
    lang = dossier.lang
    return {
        "evidenced": levels.label(level.evidenced),
        "reviewed": levels.label(level.reviewed),
        "decided": levels.label(level.decided),
        "validated": levels.label(level.validated),
        "validated_by": translate(lang, f"ui.level_by.{level.validated_by}") if level.validated_by else "",
        "required": levels.label(level.required),
        "below_required": level.required is not None and (level.validated or 0) < level.required,
    }


def _domains(dossier: Dossier, url_for: UrlFor) -> list[dict[str, Any]]:
    qcm = dossier.jury.qcm if dossier.jury else {}
    outcome = dossier.outcome
    lang = dossier.lang
    domains = []
    for d in dossier.coverage.domains:
        result = qcm.get(d.domain.code)
        status = outcome.domain_status.get(d.domain.code) if outcome else None
        if dossier.jury is None and status != "carried":
            status = None  # before the jury, "pending" says nothing
        domains.append(
            {
                "code": d.domain.code,
                "title": d.domain.title,
                "covered": d.covered,
                "total": d.total,
                "percent": percent(d.covered, d.total),
                "missing": d.missing,
                "competencies": [_competency_row(dossier, c.competency.code, url_for) for c in d.competencies],
                "qcm": (
                    {
                        "passed": result.passed,
                        "score": _number(result.score, lang),
                        "label": translate(lang, "qcm.passed" if result.passed else "qcm.failed"),
                    }
                    if result
                    else None
                ),
                "status": status,
                "status_label": translate(lang, f"domain_status.{status}") if status else "",
                "carried": carried_label(d.carried, lang),
            }
        )
    return domains


def _number(value: float | None, lang: str) -> str:
    if value is None:
        return ""
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "fr" else text


def competency_page(dossier: Dossier, code: str, url_for: UrlFor) -> dict[str, Any]:
    ref = dossier.referential
    assert ref is not None
    competency = ref.competencies[code]
    domain = ref.domain_index[competency.domain]
    entry = dossier.coverage.by_code[code]
    row = _competency_row(dossier, code, url_for)
    evidence = []
    for item, claim in entry.claims:
        review = dossier.reviews.current(item.path)
        link = _evidence_link(dossier, item, url_for)
        link["argument"] = claim.argument
        link["anchor_url"] = f"{link['url']}#{claim.anchor.lstrip('#')}" if claim.anchor else ""
        link["verdict"] = _verdict(review.verdicts.get(code) if review else None, dossier.lang)
        link["outdated"] = bool(review and review.outdated)
        link["level"] = ref.levels.label(claim.level) if ref.levels and claim.level is not None else ""
        evidence.append(link)
    return {
        **row,
        "description": competency.description,
        "no_evidence_text": translate(dossier.lang, "ui.no_evidence_hint", code=code),
        "domain": {"code": domain.code, "title": domain.title},
        "evidence": evidence,
    }


def competencies_overview(dossier: Dossier, url_for: UrlFor) -> dict[str, Any]:
    return {"domains": _domains(dossier, url_for)}


def report_page(dossier: Dossier, url_for: UrlFor) -> dict[str, Any]:
    lang = dossier.lang
    ref = dossier.referential
    outcome = dossier.outcome
    forecast = dossier.forecast
    by_file: dict[str, list[dict[str, Any]]] = {}
    listed = [p for p in dossier.problems if p.code != "missing-competency" or p.is_error]
    for problem in listed:
        by_file.setdefault(problem.file, []).append(problem.to_dict(lang))
    return {
        "domains": _domains(dossier, url_for),
        "problems": [{"file": f, "items": items} for f, items in by_file.items()],
        "problem_count": len(listed),
        "rules": _rules_text(dossier),
        "qcm_settings": qcm_setting_lines(dossier),
        "conditions": _conditions(dossier),
        "levels_scale": _levels_scale(dossier),
        "notes": list(ref.notes) if ref else [],
        "legal_basis": ref.legal_basis if ref else "",
        "outcome": (
            {
                "decision": outcome.decision,
                "label": translate(lang, f"outcome.{outcome.decision}"),
                "reasons": [r.text(lang) for r in outcome.reasons],
                "missing": [m.text(lang) for m in outcome.missing],
                "validated_domains": outcome.validated_domains,
                "carried_over_domains": outcome.carried_over_domains,
            }
            if outcome
            else None
        ),
        "jury": _jury(dossier.jury, lang),
        "forecast": (
            {
                "likely": forecast.likely,
                "needs": [n.text(lang) for n in forecast.needs],
                "without_evidence": forecast.without_evidence,
                "without_met_verdict": forecast.without_met_verdict,
                "below_level": forecast.below_level,
            }
            if forecast
            else None
        ),
        "attestations": [
            {
                "session": a.session,
                "institution": a.institution,
                "date": format_date(a.date, lang),
                "domains": a.validated_domains,
                "signature": translate(lang, "authority.signed_by", issuer=a.signed_by) if a.signed_by else translate(lang, "authority.unsigned"),
                "signed": bool(a.signed_by),
            }
            for a in dossier.attestations
        ],
        # What the dossier says of the jury's word without being the jury: shown, never counted.
        "declared_jury": _jury(dossier.declared_jury, lang),
    }


def _jury(jury: Jury | None, lang: str) -> dict[str, Any] | None:
    if jury is None:
        return None
    return {
        "declared": not jury.verified,  # a file of the dossier, not the jury's own (core.authority)
        "session": jury.session,
        "date": format_date(jury.date, lang),
        "institution": jury.institution,
        "members": jury.members,
        "comment": jury.comment,
    }


def _rules_text(dossier: Dossier) -> str:
    ref = dossier.referential
    if ref is None:
        return ""
    lang = dossier.lang
    text = " ".join(sentence.text(lang) for sentence in rules_mod.describe(ref))
    if dossier.qcm and all(setting.required for setting in dossier.qcm.values()):
        text += " " + translate(lang, "rules.qcm")
    return text


def qcm_setting_lines(dossier: Dossier) -> list[str]:
    """Which QCM setting applies to which domains this session, and why (who set it, how sure)."""
    ref = dossier.referential
    if ref is None or not dossier.qcm:
        return []
    lang = dossier.lang
    if not ref.rules.qcm_per_domain and not ref.rules.qcm_certainty and all(
        s.by == rules_mod.BY_REFERENTIAL for s in dossier.qcm.values()
    ):
        return []  # a referential that never mentions a QCM: nothing to say
    groups: dict[tuple[bool, str, str], list[str]] = {}
    for code, setting in dossier.qcm.items():
        groups.setdefault((setting.required, setting.by, setting.file), []).append(code)
    lines = []
    for (required, by, file), domains in groups.items():
        why = translate(lang, f"qcm.by.{by}", file=file)
        if by == rules_mod.BY_REFERENTIAL:
            if ref.rules.qcm_certainty:
                certainty = translate(lang, f"qcm.certainty.{ref.rules.qcm_certainty}")
                why += " ; " if lang == "fr" else "; "
                why += translate(lang, "qcm.certainty.line", certainty=certainty)
            if ref.rules.qcm_source:
                why += (" ; " if lang == "fr" else "; ") + translate(lang, "qcm.source.line", source=ref.rules.qcm_source)
        setting_text = translate(lang, "qcm.setting.required" if required else "qcm.setting.waived")
        lines.append(translate(lang, "qcm.setting.line", setting=setting_text, domains=", ".join(domains), why=why))
    return lines


def _conditions(dossier: Dossier) -> list[dict[str, Any]]:
    ref = dossier.referential
    if ref is None:
        return []
    outcome = dossier.outcome
    found = []
    for condition in ref.rules.conditions:
        status = (outcome.conditions.get(condition.id) if outcome else None) or rules_mod.OPEN
        found.append(
            {
                "id": condition.id,
                "title": condition.title,
                "source": condition.source,
                "status": status,
                "label": translate(dossier.lang, f"outcome.condition.{status}"),
            }
        )
    return found


def _levels_scale(dossier: Dossier) -> dict[str, Any] | None:
    ref = dossier.referential
    if ref is None or ref.levels is None:
        return None
    return {
        "label": translate(dossier.lang, "ui.levels_scale", min=ref.levels.min, max=ref.levels.max),
        "groups": [
            {"name": g.name, "levels": f"{min(g.levels)}–{max(g.levels)}" if len(g.levels) > 1 else str(g.levels[0])}
            for g in ref.levels.groups
        ],
    }


def attestation_page(dossier: Dossier, url_for: UrlFor, signer: str = "") -> dict[str, Any]:
    """The printable attestation; ``signer`` names the institution whose key signs its credential."""
    lang = dossier.lang
    ref = dossier.referential
    outcome = dossier.outcome
    validated = set(outcome.validated_domains) if outcome else set()
    domains = []
    if ref is not None:
        for domain in ref.domains:
            domains.append(
                {
                    "code": domain.code,
                    "title": domain.title,
                    "validated": domain.code in validated,
                    "carried": bool(outcome and domain.code in outcome.carried_over_domains),
                    "competencies": [{"code": c.code, "title": c.title} for c in domain.competencies],
                }
            )
    return {
        "decision": outcome.decision if outcome else "pending",
        "label": translate(lang, f"outcome.{outcome.decision if outcome else 'pending'}"),
        "reasons": [r.text(lang) for r in outcome.reasons] if outcome else [],
        "domains": domains,
        "jury": _jury(dossier.jury, lang),
        "signature": translate(lang, "authority.signed_by", issuer=signer) if signer else translate(lang, "authority.unsigned"),
        "credential_url": url_for(CREDENTIAL_SRC) if signer else "",
    }


def manifest_summary(manifest: dict[str, Any], lang: str) -> dict[str, Any]:
    """What the report page says about the submission's integrity."""
    if not manifest:
        return {}
    git = manifest.get("git") or {}
    files = manifest.get("files", [])
    fingerprint = hashlib.sha256(
        "\n".join(f"{f['sha256']}  {f['path']}" for f in files).encode("utf-8")
    ).hexdigest()
    return {
        "commit": (git.get("commit") or "")[:12],
        "dirty": git.get("dirty"),
        "file_count": len(files),
        "files_label": translate(
            lang,
            "ui.files_breakdown",
            evidence=sum(1 for f in files if f["kind"] == "evidence"),
            attachments=sum(1 for f in files if f["kind"] == "attachment"),
            others=sum(1 for f in files if f["kind"] not in ("evidence", "attachment")),
        ),
        "tool_version": manifest.get("tool", {}).get("version", ""),
        "built_at": manifest.get("built_at", ""),
        "built_on": format_date(manifest.get("built_at", "")[:10], lang),
        "fingerprint": fingerprint[:16],
        "referential": manifest.get("referential", {}),
    }
