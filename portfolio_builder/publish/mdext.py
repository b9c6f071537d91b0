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
them) nor strip one (ours comes first in the page, before anything they wrote). Each page's
markers carry its own token (``page_token``: an HMAC of the build's token and the page's
source path) and the extension is given, for each page token, exactly the regions staged on
that page: a page holding another page's token, a region twice, a region not staged for it,
or a token left outside a region fails the build (``RegionError``).
"""

from __future__ import annotations

import hashlib
import hmac
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


class RegionError(Exception):
    """A page holds region markers that were not staged for it: the build stops."""


def page_token(token: str, src: str) -> str:
    """The token of one page's regions: unguessable, and different on every page."""
    return hmac.new(token.encode("ascii"), src.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


_HEX = re.compile(r"[0-9a-f]{32}")


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
    def __init__(self, md: Markdown, token: str, clean: bool, pages: dict[str, list[str]]) -> None:
        super().__init__(md)
        self.token = token
        self.clean = clean
        self.pages = pages

    def run(self, text: str) -> str:
        found = {t for t in _HEX.findall(text) if t in self.pages or t == self.token}
        if self.token in found or len(found) > 1:
            raise RegionError("portfolio_builder.publish.mdext: region markers of another page or of the build")
        regions: dict[str, str] = {}
        if found:
            (token,) = found
            keys = self.pages[token]
            for key in keys:
                if text.count(begin(token, key)) != 1 or text.count(end(token, key)) != 1:
                    raise RegionError(f"portfolio_builder.publish.mdext: region {key!r} forged or missing")
            pattern = re.compile(
                re.escape(f"<!--pb:{token}:") + r"(\w+)-->(.*?)" + re.escape(f"<!--/pb:{token}:") + r"\1-->", re.S
            )

            def stash(match: re.Match[str]) -> str:
                key = match.group(1)
                if key not in keys or key in regions:
                    raise RegionError(f"portfolio_builder.publish.mdext: region {key!r} not staged on this page")
                html = match.group(2).strip()
                if html.startswith(_OPEN) and html.endswith(_CLOSE):
                    html = html[len(_OPEN) : -len(_CLOSE)]
                regions[key] = html
                return f"<p>{_placeholder(token, key)}</p>"

            text = pattern.sub(stash, text)
            if len(regions) != len(keys) or text.count(token) != len(keys):
                raise RegionError("portfolio_builder.publish.mdext: a region token outside its region")
        if self.clean:
            text = sanitize.clean(text)
        for key, html in regions.items():
            placeholder = f"<p>{_placeholder(next(iter(found)), key)}</p>"
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
            "pages": [{}, "each page token (page_token) → the keys of the regions staged on that page"],
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
        md.postprocessors.register(_Finish(md, token, bool(self.getConfig("sanitize")), _pages(self.getConfig("pages"))), "portfolio_finish", -1000)


_PAGES: list[Any] = [None, {}]  # the last ``pages`` setting read, and what it gave


def _pages(raw: Any) -> dict[str, list[str]]:
    """Each page token → its region keys. The engine hands every page the same setting (one
    entry a page of the site): it is read once per build, not once per page."""
    if _PAGES[0] is not raw:
        _PAGES[1] = {str(t): [str(k) for k in keys] for t, keys in raw.items()} if isinstance(raw, dict) else {}
        _PAGES[0] = raw
    return _PAGES[1]  # type: ignore[no-any-return]


def makeExtension(**kwargs: Any) -> PortfolioExtension:  # noqa: N802 - Python-Markdown's entry point
    return PortfolioExtension(**kwargs)
