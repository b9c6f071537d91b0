"""The procès-verbal of a jury session: an HTML page, and a PDF where WeasyPrint is installed.

Everything on it comes from the session (``core.jury_sheet.Session``): the
outcome of each candidate is the rules engine's, from the jury's own files.
Names and every other value are escaped (Jinja2 autoescaping); the page loads
nothing from anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from portfolio_builder import __version__
from portfolio_builder.core.jury_sheet import Session
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
    except ImportError as error:  # the optional extra: portfolio-builder[pdf]
        raise PdfUnavailable(str(error)) from None

    def no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # The page needs nothing from outside; a URL in a candidate's name fetches nothing.
        raise ValueError(f"refused: {url}")

    return weasyprint.HTML(string=html, url_fetcher=no_fetch).write_pdf()


def wants_pdf(path: Path) -> bool:
    return path.suffix.lower() == ".pdf"
