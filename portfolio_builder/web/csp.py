"""Content-Security-Policy for the published pages.

The policy forbids inline script: only scripts served by the site itself run,
plus the exact inline scripts the theme writes outside the page's article,
allowed by their SHA-256. The student's HTML is sanitised and the text
Material renders raw is escaped, so no script of a dossier's is among them;
nothing is loaded from another site (images included).
"""

from __future__ import annotations

import base64
import hashlib
import re

_ARTICLE_RE = re.compile(r"<article\b.*?</article>", re.S | re.I)
_INLINE_SCRIPT_RE = re.compile(r"<script(?![^>]*\bsrc=)(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
_EXECUTABLE_TYPES = ("", "text/javascript", "application/javascript", "module")


def _hash(body: str) -> str:
    digest = hashlib.sha256(body.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def policy(page_html: str) -> str:
    hashes = []
    # The page's article is the student's content (sanitised, so script-free): even if
    # something slipped through, it is never allowed to run.
    theme_only = _ARTICLE_RE.sub("", page_html)
    for match in _INLINE_SCRIPT_RE.finditer(theme_only):
        kind = re.search(r"type=[\"']?([^\"'\s>]+)", match.group("attrs"))
        if (kind.group(1).lower() if kind else "") in _EXECUTABLE_TYPES:
            hashes.append(_hash(match.group("body")))
    script_src = " ".join(["'self'", *sorted(set(hashes))])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script_src}",
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


def inject(page_html: str, noindex: bool) -> str:
    """Put the policy (and a robots ``noindex``) first in ``<head>``, before any script."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(page_html)}">'
    if noindex:
        meta += '<meta name="robots" content="noindex, nofollow">'
    head = re.search(r"<head[^>]*>", page_html, re.I)
    if head is None:
        return meta + page_html
    return page_html[: head.end()] + meta + page_html[head.end() :]
