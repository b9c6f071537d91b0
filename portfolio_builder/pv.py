"""The procès-verbal of a jury session: an HTML page, and a PDF where WeasyPrint is installed.

Everything on it comes from the session (``core.jury_sheet.Session``): the
outcome of each candidate is the rules engine's, from the jury's own files.
Names and every other value are escaped (Jinja2 autoescaping); the page loads
nothing from anywhere.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jinja2

from portfolio_builder import __version__
from portfolio_builder.core.jury_sheet import Session
from portfolio_builder.core.paths import sha256_file
from portfolio_builder.core.rules import CERTIFIED, NOT_CERTIFIED, PENDING
from portfolio_builder.core.view import format_date
from portfolio_builder.i18n import strings, translate
from portfolio_builder.resources import theme_dir


class PdfUnavailable(Exception):
    """WeasyPrint is not installed: ``pip install 'portfolio-builder[pdf]'``."""


def context(session: Session) -> dict[str, Any]:
    lang = session.language
    jury_date, members = session.jury_meta()
    ref = session.referential
    rows = []
    for c in session.candidates:
        rows.append(
            {
                "name": c.name,
                "student_id": c.student_id,
                "outcome": c.outcome,
                "outcome_text": translate(lang, f"outcome.{c.outcome}"),
                "validated": [d for d in c.validated_domains if d not in c.carried_over],
                "carried": list(c.carried_over),
                "reasons": c.reasons if c.outcome != CERTIFIED else [],
            }
        )
    counts = {k: sum(1 for c in session.candidates if c.outcome == k) for k in (CERTIFIED, NOT_CERTIFIED, PENDING)}
    date_text = format_date(jury_date, lang) if jury_date else ""
    return {
        "lang": lang,
        "t": strings(lang),
        "version": __version__,
        "institution": session.institution,
        "session": session.session,
        "date_text": date_text,
        "members": list(members),
        "referential_title": ref.title,
        "referential_id": ref.id,
        "referential_version": ref.version,
        "legal_basis": ref.legal_basis,
        "candidates": rows,
        "pending": counts[PENDING],
        "draft": translate(lang, "pv.draft", count=counts[PENDING]),
        "summary": translate(
            lang, "pv.summary", total=len(rows), certified=counts[CERTIFIED],
            not_certified=counts[NOT_CERTIFIED], pending=counts[PENDING],
        ),
        # The place is the jury's to write by hand: an institution is not a town.
        "done_at": translate(lang, "pv.done_at", place="……………………", date=date_text or "……………………"),
        "signed": "",
    }


def render_html(session: Session, extra: dict[str, Any] | None = None) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(theme_dir() / "jury")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("pv.html").render(**(context(session) | (extra or {})))


def render_pdf(html: str) -> bytes:
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # the optional extra: portfolio-builder[pdf] (and Pango)
        raise PdfUnavailable(str(error)) from None

    def no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # The page needs nothing from outside; a URL in a candidate's name fetches nothing.
        raise ValueError(f"refused: {url}")

    return weasyprint.HTML(string=html, url_fetcher=no_fetch).write_pdf()


def wants_pdf(path: Path) -> bool:
    return path.suffix.lower() == ".pdf"


# --- signing ----------------------------------------------------------------------------

_NAMESPACE = uuid.UUID("3c1f6a52-8e4b-4d0a-b7c9-2f5e8a1d6b43")  # stable ids of sessions and minutes


def signed_note(issuer_name: str, jwt_name: str, lang: str) -> str:
    return translate(lang, "pv.signed", issuer=issuer_name, file=jwt_name)


def minutes_credential(
    session: Session, document: bytes, media_type: str, document_name: str, issuer: Any, issued_at: datetime | None = None
) -> dict[str, Any]:
    """The procès-verbal as a W3C Verifiable Credential: every outcome, and the hash of the page."""
    from portfolio_builder.core import credentials

    issued = (issued_at or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    ref = session.referential
    jury_date, members = session.jury_meta()
    subject_id = f"urn:uuid:{uuid.uuid5(_NAMESPACE, '|'.join((issuer.id, 'session', session.session, ref.id, ref.version)))}"
    digest = hashlib.sha256(document).hexdigest()
    return {
        "@context": [credentials.VC_CONTEXT],
        "id": f"urn:uuid:{uuid.uuid5(_NAMESPACE, '|'.join((subject_id, digest)))}",
        "type": ["VerifiableCredential", credentials.MINUTES_TYPE],
        "issuer": {"id": issuer.id, "type": ["Profile"], "name": issuer.name},
        "validFrom": issued.isoformat().replace("+00:00", "Z"),
        "name": translate(session.language, "pv.credential_name", referential=ref.short_title, session=session.session),
        "credentialSubject": {
            "id": subject_id,
            "type": ["JurySession"],
            "session": session.session,
            "institution": session.institution,
            "date": jury_date,
            "members": list(members),
            "referential": {
                "id": ref.id,
                "version": ref.version,
                "title": ref.title,
                "sha256": sha256_file(ref.origin) if ref.origin else "",
            },
            "candidates": [
                {
                    "name": c.name,
                    "studentId": c.student_id,
                    "outcome": c.outcome,
                    "validatedDomains": [d for d in c.validated_domains if d not in c.carried_over],
                    "carriedOverDomains": list(c.carried_over),
                }
                for c in session.candidates
            ],
            "document": {"name": document_name, "mediaType": media_type, "sha256": digest},
        },
    }


def _object(value: Any) -> dict[str, Any]:
    """A JSON object of a credential read back: untrusted, so a mapping only when it is one."""
    return value if isinstance(value, dict) else {}


def document_mismatch(jwt_path: Path, payload: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(catalog key, args) when the page the credential names, beside it, is not the one signed."""
    subject = _object(payload.get("credentialSubject"))
    document = _object(subject.get("document"))
    name = str(document.get("name", ""))
    # Only a plain file name beside the .jwt: a signed path never reads elsewhere.
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        return "pv.document_unnamed", {}
    page = jwt_path.parent / name
    if not page.is_file():
        return "pv.document_missing", {"path": str(page)}
    digest = hashlib.sha256(page.read_bytes()).hexdigest()
    if digest != document.get("sha256"):
        return "pv.document_changed", {"path": str(page)}
    return None


def describe_minutes(payload: dict[str, Any], lang: str) -> list[str]:
    issuer = _object(payload.get("issuer"))
    subject = _object(payload.get("credentialSubject"))
    candidates = [c for c in subject.get("candidates", []) if isinstance(c, dict)]
    count = {k: sum(1 for c in candidates if c.get("outcome") == k) for k in (CERTIFIED, NOT_CERTIFIED, PENDING)}
    ref = _object(subject.get("referential"))
    document = _object(subject.get("document"))
    lines = [
        translate(lang, "credential.describe.issuer", name=issuer.get("name", "?"), id=issuer.get("id", "?")),
        translate(
            lang, "pv.describe", session=subject.get("session", "?"), institution=subject.get("institution", "?"),
            date=subject.get("date", "?"), referential=f"{ref.get('id', '?')} {ref.get('version', '')}".strip(),
        ),
        translate(
            lang, "pv.summary", total=len(candidates), certified=count[CERTIFIED],
            not_certified=count[NOT_CERTIFIED], pending=count[PENDING],
        ),
    ]
    for c in candidates:
        lines.append(
            translate(
                lang, "pv.describe.candidate", name=c.get("name", "?"), student_id=c.get("studentId") or "—",
                outcome=translate(lang, f"outcome.{c.get('outcome')}") if c.get("outcome") in count else "?",
                domains=", ".join(c.get("validatedDomains", [])) or "—", carried=", ".join(c.get("carriedOverDomains", [])) or "—",
            )
        )
    lines.append(translate(lang, "pv.describe.document", name=document.get("name", "?"), sha256=document.get("sha256", "?")))
    lines.append(translate(lang, "credential.describe.valid_from", date=str(payload.get("validFrom", "?"))))
    return lines
