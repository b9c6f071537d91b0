"""A Python-Markdown extension that makes a staged page safe in any engine.

Listed in the staged project's ``markdown_extensions`` (MkDocs, ProperDocs and Zensical all
load Python-Markdown extensions by module name), it runs last on each page's HTML:

1. it sets aside our regions — the HTML we rendered (``publish/render.py``), written in the
   Markdown between two comments that carry this build's unguessable token;
2. it sanitises everything else with nh3 (``web/sanitize.py``): the candidate's script,
   event handlers, comments, forged tokens are gone;
3. it puts our regions back, an evidence card right after the page's first heading.

Before that, links and images pointing at an active document of the dossier (``annexe.html``)
are pointed at the inert copy the stage published instead (``annexe.html.txt``), ahead of the
engine's own link resolution, as the plugin's renamed file made MkDocs do.

A candidate cannot forge a region (the token is drawn for each build and never shown to
them) nor strip one (ours comes first in the page, before anything they wrote).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from xml.etree.ElementTree import Element

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

from portfolio_builder.core import docs_tree
from portfolio_builder.web import sanitize

CARD = "card"
MARK = "mark"  # an empty region: proof that the extension processed the page


def begin(token: str, key: str) -> str:
    return f"<!--pb:{token}:{key}-->"


def end(token: str, key: str) -> str:
    return f"<!--/pb:{token}:{key}-->"


_OPEN, _CLOSE = '<div class="pb-region">', "</div>"


def region(token: str, key: str, html: str) -> str:
    """Our HTML as a Markdown block: one HTML element (unwrapped when put back), blank lines around it."""
    return f"{begin(token, key)}\n{_OPEN}{html}{_CLOSE}\n{end(token, key)}\n\n"


def _placeholder(token: str, key: str) -> str:
    return f"pbregion{token}{key}"


class _Finish(Postprocessor):
    def __init__(self, md: Markdown, token: str, clean: bool) -> None:
        super().__init__(md)
        self.token = token
        self.clean = clean
        self.pattern = re.compile(
            re.escape(f"<!--pb:{token}:") + r"(\w+)-->(.*?)" + re.escape(f"<!--/pb:{token}:") + r"\1-->", re.S
        )

    def run(self, text: str) -> str:
        regions: dict[str, str] = {}

        def stash(match: re.Match[str]) -> str:
            key = match.group(1)
            if key in regions:
                return ""
            html = match.group(2).strip()
            if html.startswith(_OPEN) and html.endswith(_CLOSE):
                html = html[len(_OPEN) : -len(_CLOSE)]
            regions[key] = html
            return f"<p>{_placeholder(self.token, key)}</p>"

        text = self.pattern.sub(stash, text)
        if self.clean:
            text = sanitize.clean(text)
        for key, html in regions.items():
            placeholder = f"<p>{_placeholder(self.token, key)}</p>"
            if key == CARD:
                before, _, after = text.partition(placeholder)
                text = _after_title(before + after, html)
            else:
                text = text.replace(placeholder, html, 1)
        return text


def _after_title(html: str, card: str) -> str:
    from portfolio_builder.publish.render import after_title

    return after_title(html, card)


class _InertLinks(Treeprocessor):
    """A relative link to an active document goes to its inert copy (``docs_tree.inert_name``)."""

    def run(self, root: Element) -> None:
        for element in root.iter():
            for attr in ("href", "src"):
                value = element.get(attr)
                if value:
                    element.set(attr, inert_url(value))


def inert_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return url
    if docs_tree.active_kind(parts.path) != docs_tree.ACTIVE_DOCUMENT:
        return url
    return urlunsplit(parts._replace(path=docs_tree.inert_name(parts.path)))


class PortfolioExtension(Extension):
    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "token": ["", "this build's token (drawn by `portfolio stage`)"],
            "sanitize": [True, "sanitise the page's HTML with nh3"],
            "inert": [False, "links to active documents go to their inert copies"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        token = str(self.getConfig("token"))
        if not re.fullmatch(r"[0-9a-f]{32}", token):
            raise ValueError("portfolio_builder.publish.mdext: a 32-hex-digit token is required")
        # Before the engine resolves relative links (MkDocs' `relpath` runs at priority 0).
        if self.getConfig("inert"):
            md.treeprocessors.register(_InertLinks(md), "portfolio_inert_links", 1)
        # Last of all postprocessors (raw HTML is back in the page at priority 30).
        md.postprocessors.register(_Finish(md, token, bool(self.getConfig("sanitize"))), "portfolio_finish", -1000)


def makeExtension(**kwargs: Any) -> PortfolioExtension:  # noqa: N802 - Python-Markdown's entry point
    return PortfolioExtension(**kwargs)
