"""Content-Security-Policy for the published pages.

The policy trusts only what we wrote: no inline script runs at all. Material's
own inline scripts are moved to files by our overrides of its
``partials/javascripts/*.html`` (``theme/material/assets/portfolio/js/``), and
the page is never read to allow what it holds: a script that reached a page
(through ``toc.title``, which Material prints raw, or anything else) is
refused like any other. Only scripts served by the site itself run, and a
dossier cannot replace those (``reserved-path``); nothing is loaded from
another site (images included).

``policy(allowed_scripts=…)`` adds the hash of an exact inline script we know
in advance (a served site's live-reload script, say), never one found in a page.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable


def script_hash(body: str) -> str:
    """The CSP source that allows exactly the inline script ``body``."""
    digest = hashlib.sha256(body.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def policy(page_html: str = "", allowed_scripts: Iterable[str] = ()) -> str:
    """The policy of every page; ``page_html`` is not read (kept for callers' convenience)."""
    sources = ["'self'", *sorted({script_hash(body) for body in allowed_scripts})]
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {' '.join(sources)}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "frame-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


# The same policy as an HTTP header, for servers that can send one (README: « Isolation and limits »).
# `frame-ancestors` only works as a header.
HEADER_POLICY = policy() + "; frame-ancestors 'self'"


def inject(page_html: str, noindex: bool, allowed_scripts: Iterable[str] = ()) -> str:
    """Put the policy (and a robots ``noindex``) first in ``<head>``, before any script."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(allowed_scripts=allowed_scripts)}">'
    if noindex:
        meta += '<meta name="robots" content="noindex, nofollow">'
    head = re.search(r"<head[^>]*>", page_html, re.I)
    if head is None:
        return meta + page_html
    return page_html[: head.end()] + meta + page_html[head.end() :]
