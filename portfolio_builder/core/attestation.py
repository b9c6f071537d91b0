"""The attestation a jury issues: the domains validated, which carry over to a later attempt."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from portfolio_builder import __version__
from portfolio_builder.core import schemas
from portfolio_builder.core.check import Dossier
from portfolio_builder.core.rules import PENDING
from portfolio_builder.i18n import translate


class NotDecided(Exception):
    """The jury has not decided everything yet; the arguments say what is missing."""


def from_dossier(dossier: Dossier) -> dict[str, Any]:
    outcome = dossier.outcome
    jury = dossier.jury
    lang = dossier.lang
    if outcome is None or jury is None or outcome.decision == PENDING:
        reasons = [r.text(lang) for r in outcome.reasons] if outcome else []
        raise NotDecided(*(reasons or [translate(lang, "outcome.no_jury")]))
    settings = dossier.project.settings
    if not settings.candidate_name:
        # An attestation names its holder, or it cannot carry over to anyone.
        raise NotDecided(translate(lang, "config.certification_requires", name="candidate"))
    candidate: dict[str, Any] = {"name": settings.candidate_name}
    if settings.student_id:
        candidate["student_id"] = settings.student_id
    document = {
        "referential": dossier.referential.id if dossier.referential else settings.referential,
        "candidate": candidate,
        "session": jury.session,
        "institution": jury.institution,
        "date": jury.date,
        "decision": outcome.decision,
        "validated_domains": list(outcome.validated_domains),
        "validated_competencies": list(outcome.validated_competencies),
        "jury": list(jury.members),
        "tool": f"portfolio_builder {__version__}",
    }
    errors = list(schemas.validator("attestation").iter_errors(document))
    if errors:  # pragma: no cover - guards the schema and this function against drifting apart
        raise ValueError(errors[0].message)
    return document


def write(document: dict[str, Any], output: Path) -> None:
    """Write the YAML atomically: a reader never sees half an attestation."""
    write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100), output)


def write_text(text: str, output: Path) -> None:
    """Write ``text`` to ``output`` atomically."""
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def credential_texts(dossier: Dossier, document: dict[str, Any]) -> dict[str, str]:
    """The localised sentences of an attestation credential."""
    lang = dossier.lang
    referential = dossier.referential
    assert referential is not None
    outcome = dossier.outcome
    return {
        "name": translate(lang, "credential.name", referential=referential.short_title or referential.title, session=document["session"]),
        "description": translate(
            lang,
            f"credential.description.{document['decision']}",
            domains=", ".join(document["validated_domains"]) or "—",
            session=document["session"],
            date=document["date"],
        ),
        "achievement_description": translate(lang, "credential.achievement", referential=referential.title, legal=referential.legal_basis or "—"),
        "criteria": "; ".join(r.text(lang) for r in outcome.reasons) if outcome else "",
        "outcome_name": translate(lang, "credential.outcome_name"),
        "jury": translate(lang, "credential.jury"),
    }


def issue_credential(dossier: Dossier, key: Any) -> str:
    """The attestation as a signed Open Badges 3.0 credential (VC-JWT text).

    ``key`` is a private ``credentials.KeyFile``. Raises NotDecided as
    ``from_dossier`` does, and when the candidate has no student number (the
    credential's subject is identified by it).
    """
    from portfolio_builder.core import credentials

    document = from_dossier(dossier)
    lang = dossier.lang
    if not document["candidate"].get("student_id"):
        raise NotDecided(translate(lang, "credential.needs_student_id"))
    referential = dossier.referential
    assert referential is not None
    credential = credentials.attestation_credential(document, referential, key.issuer, credential_texts(dossier, document))
    return credentials.sign_credential(credential, key)
