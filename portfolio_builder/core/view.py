"""Data for rendering: what each page of the site shows, as plain dicts.

Every function here takes the report document (``core.report.build``: exactly what
``report.json`` holds) and lays it out for one page: it words and formats, it never
decides. No verdict, outcome, forecast, coverage or jury data is computed here, so the
site can never drift from ``report.json`` (a test builds these from the published
``report.json`` and compares). The MkDocs plugin passes the results to the templates in
``theme/material/portfolio/``. Nothing here imports MkDocs: URLs are resolved through
``url_for(src_path)``, which the adapter supplies (docs-relative source path in, site
URL out).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from portfolio_builder.i18n import translate

UrlFor = Callable[[str], str]
Report = dict[str, Any]  # the report document (``core.report.build``, ``report.json``)

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
            return f"{_decimal(text, lang)} {unit}"
        value /= 1024
    return str(size)  # pragma: no cover


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _decimal(text: str, lang: str) -> str:
    """``1.5`` with the reader's decimal separator (the catalog's ``format.decimal``)."""
    return text.replace(".", translate(lang, "format.decimal"))


@dataclass(frozen=True, slots=True)
class _Index:
    """Look-ups into one report document (built once per document, never a second source)."""

    evidence: dict[str, dict[str, Any]]
    history: dict[str, list[dict[str, Any]]]  # evidence path → its reviews, oldest first
    declared: dict[str, list[dict[str, Any]]]
    competencies: dict[str, dict[str, Any]]
    by_domain: dict[str, list[dict[str, Any]]]


_last: list[tuple[Report, _Index]] = []


def _index(report: Report) -> _Index:
    if _last and _last[0][0] is report:
        return _last[0][1]
    history: dict[str, list[dict[str, Any]]] = {}
    for review in report.get("reviews", []):
        history.setdefault(review["evidence"], []).append(review)
    declared: dict[str, list[dict[str, Any]]] = {}
    for review in report.get("declared_reviews", []):
        declared.setdefault(review["evidence"], []).append(review)
    by_domain: dict[str, list[dict[str, Any]]] = {}
    for row in report["competencies"]:
        by_domain.setdefault(row["domain"], []).append(row)
    index = _Index(
        evidence={e["path"]: e for e in report["evidence"]},
        history=history,
        declared=declared,
        competencies={row["code"]: row for row in report["competencies"]},
        by_domain=by_domain,
    )
    _last[:] = [(report, index)]
    return index


def by_domain(report: Report) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each domain of the report with its competencies' rows, in the referential's order."""
    rows = _index(report).by_domain
    return [(domain, rows.get(domain["code"], [])) for domain in report["domains"]]


def domain_label(domain: dict[str, Any]) -> str:
    """A domain as the nav names it (text: escape it where it is rendered as HTML)."""
    return f"{domain['code']} {domain['title']}"


def _levels(report: Report) -> dict[str, Any] | None:
    return (report.get("referential") or {}).get("levels")


def level_label(report: Report, level: int | None) -> str:
    """« 4 (Indépendant) », or « 4 » where the referential names no group."""
    levels = _levels(report)
    if level is None or levels is None:
        return ""
    name = next((g["name"] for g in levels["groups"] if level in g["levels"]), "")
    return f"{level} ({name})" if name else str(level)


def _review(review: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        "reviewer": review["reviewer"],
        "declared": not review.get("verified"),  # « déclaré par le candidat, non vérifié » (core.authority)
        "date": format_date(review["date"], lang),
        "comment": review["comment"],
        "outdated": review["outdated"],
        "changed_on": format_date(review["changed_on"], lang) if review.get("changed_on") else "",
        "verdicts": {code: _verdict(v, lang) for code, v in review["verdicts"].items()},
        "commit": (review.get("commit") or "")[:12],
        # What changed since the review, when it pinned a commit (the page's own text).
        "diff": list(review.get("diff") or []),
    }


def _verdict(value: str | None, lang: str) -> dict[str, str] | None:
    if not value:
        return None
    return {"value": value, "label": translate(lang, f"review.{value}")}


def _decision(value: str | None, lang: str) -> dict[str, str] | None:
    if not value:
        return None
    return {"value": value, "label": translate(lang, f"decision.{value}")}


def _type_label(kind: str, lang: str) -> str:
    return translate(lang, f"evidence.type.{kind}") if kind else ""


def _evidence_link(report: Report, item: dict[str, Any], url_for: UrlFor) -> dict[str, Any]:
    lang = report["language"]
    return {
        "title": item["title"] or item["path"],
        "url": url_for(item["path"]),
        "type": item["type"],
        "type_label": _type_label(item["type"], lang),
        "date": format_date(item["date"], lang),
        "private": bool(item.get("private")),
    }


def _referential(report: Report) -> dict[str, Any]:
    ref = report["referential"]
    title = ref.get("title") or ref["id"]
    return {
        "id": ref["id"],
        "title": title,
        "short_title": ref.get("short_title") or title,
        "version": ref.get("version", ""),
    }


def _outcome(report: Report) -> dict[str, Any]:
    return report.get("outcome") or {"decision": "pending"}


def site(report: Report, url_for: UrlFor) -> dict[str, Any]:
    """What every page may show: who, what referential, progress at a glance."""
    lang = report["language"]
    dossier = report["dossier"]
    summary = report["summary"]
    index = _index(report)
    levels = _levels(report)
    decision = _outcome(report)["decision"]
    correspondent = dossier.get("correspondent") or {}
    return {
        "lang": lang,
        "candidate": dossier["candidate"]["name"],
        "student_id": dossier["candidate"].get("student_id", ""),  # never in a public report
        "institution": dossier["institution"],
        "session": dossier["session"],
        "correspondent": correspondent.get("name", ""),
        "correspondent_email": correspondent.get("email", ""),  # never in a public report
        "mode": dossier["mode"],
        "mode_label": translate(lang, f"mode.{dossier['mode']}"),
        "public": dossier["public"],
        "referential": _referential(report),
        "covered": summary["covered"],
        "total": summary["competencies"],
        "percent": percent(summary["covered"], summary["competencies"]),
        "progress_label": translate(lang, "ui.covered_of", covered=summary["covered"], total=summary["competencies"]),
        "summary": summary_line(report),
        "problem_label": translate(lang, "ui.problem_count", count=summary["errors"]),
        "missing": [
            {"code": code, "title": index.competencies[code]["title"], "url": url_for(competency_src(code))}
            for code in report["missing"]
            if code in index.competencies
        ],
        "evidence_count": summary["evidence"],
        "errors": summary["errors"],
        "warnings": summary["warnings"],
        "has_levels": bool(levels),
        "levels_scale": translate(lang, "ui.levels_scale", min=levels["min"], max=levels["max"]) if levels else "",
        "outcome": decision,
        "outcome_label": translate(lang, f"outcome.{decision}"),
        "jury_sat": _outcome(report).get("jury") is not None,
        "urls": {
            "report": url_for(REPORT_SRC),
            "competencies": url_for(COMPETENCIES_SRC),
            "attestation": url_for(ATTESTATION_SRC) if has_attestation(report) else "",
            **{name.replace(".", "_"): url_for(name) for name in DOWNLOADS},
        },
    }


def has_attestation(report: Report) -> bool:
    """An attestation exists once the jury decided (certified or not), never while pending."""
    outcome = _outcome(report)
    return outcome.get("jury") is not None and outcome["decision"] != "pending"


def summary_line(report: Report) -> str:
    """« 19 / 20 compétences couvertes — manque : D4.4 Organiser une veille informationnelle »."""
    lang = report["language"]
    summary = report["summary"]
    missing = report["missing"]
    text = translate(lang, "ui.covered_of", covered=summary["covered"], total=summary["competencies"])
    if missing:
        titles = _index(report).competencies
        if len(missing) <= SUMMARY_TITLES_UP_TO:
            names = ", ".join(f"{code} {titles[code]['title']}" if code in titles else code for code in missing)
        else:
            names = ", ".join(missing)
        text += " — " + translate(lang, "ui.missing_list", names=names)
    return text


# Beyond this many missing competencies the summary lists codes only; the matrix has the titles.
SUMMARY_TITLES_UP_TO = 3


def evidence_card(report: Report, path: str, url_for: UrlFor) -> dict[str, Any]:
    """The card above one evidence page (``path``: docs-relative, as in ``report.json``)."""
    lang = report["language"]
    index = _index(report)
    item = index.evidence[path]
    review = item.get("review")
    history = index.history.get(path, [])
    claims = []
    for claim in item.get("claims", []):
        competency = index.competencies.get(claim["code"])
        claims.append(
            {
                "code": claim["code"],
                "title": competency["title"] if competency else "",
                "url": url_for(competency_src(claim["code"])),
                "argument": claim["argument"],
                "anchor": claim["anchor"].lstrip("#"),
                "verdict": _verdict(review["verdicts"].get(claim["code"]) if review else None, lang),
                "level": level_label(report, claim.get("level")),
            }
        )
    return {
        "title": item["title"],
        "type": item["type"],
        "type_label": _type_label(item["type"], lang),
        "date": format_date(item["date"], lang),
        "iso_date": item["date"],
        "context": item.get("context", ""),
        "claims": claims,
        "commentary": item.get("commentary", ""),
        "attachments": [
            {
                "name": a["title"],
                "url": a["url"] if "url" in a else url_for(a.get("path", "")),
                "external": "url" in a,
                "size": format_size(a.get("size"), lang),
                "file": a.get("path", "").rsplit("/", 1)[-1],
                "private": bool(a.get("private")),
            }
            for a in item.get("attachments", [])
        ],
        "review": _review(review, lang),
        "history": [_review(r, lang) for r in reversed(history[:-1])],
        "declared_reviews": [_review(r, lang) for r in reversed(index.declared.get(path, []))],
        "private": bool(item.get("private")),
    }


def carried_label(carried: dict[str, Any] | None, lang: str) -> str:
    """« validée en session 2026-juin, attestation du 24 juin 2026 »."""
    if not carried:
        return ""
    return translate(lang, "carried.validated_in", session=carried["session"], date=format_date(carried["date"], lang))


def _competency_row(report: Report, row: dict[str, Any], url_for: UrlFor) -> dict[str, Any]:
    lang = report["language"]
    index = _index(report)
    carried = carried_label(row.get("carried_over"), lang)
    # A carried-over competency was validated by an earlier jury: that is its decision here.
    decision = {"value": "validated", "label": carried} if carried else _decision(row["decision"], lang)
    evidence = [index.evidence[p] for p in row["evidence"] if p in index.evidence]
    return {
        "code": row["code"],
        "title": row["title"],
        "url": url_for(competency_src(row["code"])),
        "covered": row["covered"],
        "count": len(row["evidence"]),
        "evidence": [_evidence_link(report, e, url_for) for e in evidence],
        "types": sorted({translate(lang, f"evidence.type.{t}") for t in row["types"] if t}),
        "review": _verdict(row["review"], lang),
        "review_outdated": bool(row.get("review_outdated")),
        "decision": decision,
        "carried": carried,
        "level": _level(report, row.get("level")),
    }


def _level(report: Report, level: dict[str, Any] | None) -> dict[str, Any] | None:
    """Levels as the site shows them (``None`` where the referential has none)."""
    if level is None or _levels(report) is None:
        return None
    lang = report["language"]
    return {
        "evidenced": level_label(report, level["evidenced"]),
        "reviewed": level_label(report, level["reviewed"]),
        "decided": level_label(report, level["decided"]),
        "validated": level_label(report, level["validated"]),
        "validated_by": translate(lang, f"ui.level_by.{level['validated_by']}") if level["validated_by"] else "",
        "required": level_label(report, level["required"]),
        "below_required": level["required"] is not None and (level["validated"] or 0) < level["required"],
    }


def _domains(report: Report, url_for: UrlFor) -> list[dict[str, Any]]:
    lang = report["language"]
    index = _index(report)
    jury_sat = _outcome(report).get("jury") is not None
    domains = []
    for d in report["domains"]:
        result = d.get("qcm")
        status = d.get("status")
        if not jury_sat and status != "carried":
            status = None  # before the jury, "pending" says nothing
        domains.append(
            {
                "code": d["code"],
                "title": d["title"],
                "covered": d["covered"],
                "total": d["total"],
                "percent": percent(d["covered"], d["total"]),
                "missing": d["missing"],
                "competencies": [_competency_row(report, row, url_for) for row in index.by_domain.get(d["code"], [])],
                "qcm": (
                    {
                        "passed": result["passed"],
                        "score": _number(result.get("score"), lang),
                        "label": translate(lang, "qcm.passed" if result["passed"] else "qcm.failed"),
                    }
                    if result
                    else None
                ),
                "status": status,
                "status_label": translate(lang, f"domain_status.{status}") if status else "",
                "carried": carried_label(d.get("carried_over"), lang),
            }
        )
    return domains


def _number(value: float | None, lang: str) -> str:
    if value is None:
        return ""
    return _decimal(f"{value:g}", lang)


def competency_page(report: Report, code: str, url_for: UrlFor) -> dict[str, Any]:
    lang = report["language"]
    index = _index(report)
    row = index.competencies[code]
    domain = next(d for d in report["domains"] if d["code"] == row["domain"])
    page = _competency_row(report, row, url_for)
    evidence = []
    seen: dict[str, int] = {}
    # ``row["evidence"]`` has one path per claim, in the coverage's order: the n-th time a
    # path comes is that page's n-th claim of this competency.
    for path in row["evidence"]:
        item = index.evidence.get(path)
        if item is None:
            continue
        nth = seen.get(path, 0)
        seen[path] = nth + 1
        own = [c for c in item.get("claims", []) if c["code"] == code]
        claim: dict[str, Any] = own[nth] if nth < len(own) else {"argument": "", "anchor": "", "level": None}
        review = item.get("review")
        link = _evidence_link(report, item, url_for)
        link["argument"] = claim["argument"]
        link["anchor_url"] = f"{link['url']}#{claim['anchor'].lstrip('#')}" if claim["anchor"] else ""
        link["verdict"] = _verdict(review["verdicts"].get(code) if review else None, lang)
        link["outdated"] = bool(review and review["outdated"])
        link["level"] = level_label(report, claim.get("level"))
        evidence.append(link)
    return {
        **page,
        "description": row.get("description", ""),
        "no_evidence_text": translate(lang, "ui.no_evidence_hint", code=code),
        "domain": {"code": domain["code"], "title": domain["title"]},
        "evidence": evidence,
    }


def competencies_overview(report: Report, url_for: UrlFor) -> dict[str, Any]:
    return {"domains": _domains(report, url_for)}


def report_page(report: Report, url_for: UrlFor) -> dict[str, Any]:
    lang = report["language"]
    ref = report["referential"]
    outcome = report.get("outcome")
    forecast = report.get("forecast")
    by_file: dict[str, list[dict[str, Any]]] = {}
    listed = [p for p in report["problems"] if p["code"] != "missing-competency" or p["severity"] == "error"]
    for problem in listed:
        by_file.setdefault(problem["file"], []).append(problem)
    has_rules = ref.get("rules") is not None
    return {
        "domains": _domains(report, url_for),
        "problems": [{"file": f, "items": items} for f, items in by_file.items()],
        "problem_count": len(listed),
        "rules": ref.get("rules_text", ""),
        "qcm_settings": qcm_setting_lines(report),
        "conditions": _conditions(report),
        "levels_scale": _levels_scale(report),
        "notes": list(ref.get("notes", [])),
        "legal_basis": ref.get("legal_basis", ""),
        "outcome": (
            {
                "decision": outcome["decision"],
                "label": translate(lang, f"outcome.{outcome['decision']}"),
                "reasons": outcome["reasons"],
                "missing": outcome["missing"],
                "validated_domains": outcome["validated_domains"],
                "carried_over_domains": outcome.get("carried_over_domains", []),
            }
            if outcome and has_rules
            else None
        ),
        "jury": _jury(outcome.get("jury") if outcome else None, lang),
        "forecast": (
            {
                "likely": forecast["likely"],
                "needs": forecast["needs"],
                "without_evidence": forecast["without_evidence"],
                "without_met_verdict": forecast["without_met_verdict"],
                "below_level": forecast.get("below_level", []),
            }
            if forecast
            else None
        ),
        "attestations": [
            {
                "session": a["session"],
                "institution": a["institution"],
                "date": format_date(a["date"], lang),
                "domains": a["validated_domains"],
                "signature": translate(lang, "authority.signed_by", issuer=a["signed_by"]) if a["signed_by"] else translate(lang, "authority.unsigned"),
                "signed": bool(a["signed_by"]),
            }
            for a in report.get("attestations", [])
        ],
        # What the dossier says of the jury's word without being the jury: shown, never counted.
        "declared_jury": _jury(report.get("declared_jury"), lang),
    }


def _jury(jury: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    if jury is None:
        return None
    return {
        "declared": not jury.get("verified"),  # a file of the dossier, not the jury's own (core.authority)
        "session": jury["session"],
        "date": format_date(jury["date"], lang),
        "institution": jury["institution"],
        "members": jury["members"],
        "comment": jury["comment"],
    }


def qcm_setting_lines(report: Report) -> list[str]:
    """Which QCM setting applies to which domains this session, and why (who set it, how sure)."""
    rules = report["referential"].get("rules")
    settings = [(d["code"], d["qcm_required"]) for d in report["domains"] if d.get("qcm_required")]
    if rules is None or not settings:
        return []
    lang = report["language"]
    if not rules["qcm_per_domain"] and not rules["qcm_certainty"] and all(s["by"] == "referential" for _c, s in settings):
        return []  # a referential that never mentions a QCM: nothing to say
    groups: dict[tuple[bool, str, str], list[str]] = {}
    for code, setting in settings:
        groups.setdefault((setting["required"], setting["by"], setting.get("file", "")), []).append(code)
    separator = translate(lang, "format.clause_separator")
    lines = []
    for (required, by, file), domains in groups.items():
        why = translate(lang, f"qcm.by.{by}", file=file)
        if by == "referential":
            if rules["qcm_certainty"]:
                certainty = translate(lang, f"qcm.certainty.{rules['qcm_certainty']}")
                why += separator + translate(lang, "qcm.certainty.line", certainty=certainty)
            if rules["qcm_source"]:
                why += separator + translate(lang, "qcm.source.line", source=rules["qcm_source"])
        setting_text = translate(lang, "qcm.setting.required" if required else "qcm.setting.waived")
        lines.append(translate(lang, "qcm.setting.line", setting=setting_text, domains=", ".join(domains), why=why))
    return lines


def _conditions(report: Report) -> list[dict[str, Any]]:
    rules = report["referential"].get("rules")
    if rules is None:
        return []
    status_of = {c["id"]: c["status"] for c in (report.get("outcome") or {}).get("conditions", [])}
    found = []
    for condition in rules["conditions"]:
        status = status_of.get(condition["id"]) or "open"
        found.append(
            {
                "id": condition["id"],
                "title": condition["title"],
                "source": condition.get("source", ""),
                "status": status,
                "label": translate(report["language"], f"outcome.condition.{status}"),
            }
        )
    return found


def _levels_scale(report: Report) -> dict[str, Any] | None:
    levels = _levels(report)
    if levels is None:
        return None
    return {
        "label": translate(report["language"], "ui.levels_scale", min=levels["min"], max=levels["max"]),
        "groups": [
            {"name": g["name"], "levels": f"{min(g['levels'])}–{max(g['levels'])}" if len(g["levels"]) > 1 else str(g["levels"][0])}
            for g in levels["groups"]
        ],
    }


def attestation_page(report: Report, url_for: UrlFor, signer: str = "") -> dict[str, Any]:
    """The printable attestation; ``signer`` names the institution whose key signs its credential."""
    lang = report["language"]
    outcome = _outcome(report)
    index = _index(report)
    validated = set(outcome.get("validated_domains", []))
    carried = set(outcome.get("carried_over_domains", []))
    domains = [
        {
            "code": d["code"],
            "title": d["title"],
            "validated": d["code"] in validated,
            "carried": d["code"] in carried,
            "competencies": [{"code": c["code"], "title": c["title"]} for c in index.by_domain.get(d["code"], [])],
        }
        for d in report["domains"]
    ]
    decision = outcome["decision"]
    return {
        "decision": decision,
        "label": translate(lang, f"outcome.{decision}"),
        "reasons": list(outcome.get("reasons", [])),
        "domains": domains,
        "jury": _jury(outcome.get("jury"), lang),
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
