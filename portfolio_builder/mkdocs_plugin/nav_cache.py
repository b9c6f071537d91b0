"""A nav that stays linear: each nav item not on the current page's path is rendered once.

Material renders the whole visible nav into every page: with ``navigation.prune``, a page
still renders each sibling of each of its ancestors, so a section of n pages costs n
macro calls on each of its n pages. Yet the HTML of an item that is not on the current
page's path depends on the page only through its links, which are relative to the page.

So Material's own ``partials/nav-item.html`` and ``partials/nav.html`` are loaded as they
are, with one change each, made here on their text (nothing is copied into our theme):
their loop over the children calls ``NavRenderer``, which calls Material's own ``render``
macro for the active item, and, for every other item, reuses the HTML rendered for the
same item at the same place with the same relative links (the links are part of the key,
computed as MkDocs' ``url`` filter computes them). When Material changes these loops the
text no longer matches and its templates are used unchanged (a test pins the match).
"""

from __future__ import annotations

import re
from typing import Any

import jinja2
from markupsafe import Markup
from mkdocs.utils import normalize_url

NAV_ITEM = "partials/nav-item.html"
NAV = "partials/nav.html"

# Material 9.x: the loop over a section's children, in partials/nav-item.html…
_CHILDREN_LOOP = re.compile(
    r"\{% for item in nav_item\.children %\}\s*"
    r"\{% if not index or item != index %\}\s*"
    r'\{\{ render\(item, path ~ "_" ~ loop\.index, level \+ 1, nav_item\) \}\}\s*'
    r"\{% endif %\}\s*"
    r"\{% endfor %\}"
)
_CHILDREN_CALL = "{{ portfolio_nav(render, nav_item.children, path, level + 1, nav_item, index, page) }}"
# …and the loop over the top-level items, in partials/nav.html.
_TOP_LOOP = re.compile(
    r"\{% for nav_item in nav\.items %\}\s*"
    r'\{% set path = "__nav_" ~ loop\.index %\}\s*'
    r"\{\{ item\.render\(nav_item, path, 1\) \}\}\s*"
    r"\{% endfor %\}"
)
_TOP_CALL = '{{ portfolio_nav(item.render, nav.items, "__nav", 1, none, none, page) }}'

_PATCHES = {NAV_ITEM: (_CHILDREN_LOOP, _CHILDREN_CALL), NAV: (_TOP_LOOP, _TOP_CALL)}


def patch(name: str, source: str) -> str | None:
    """The template's text with its loop going through ``portfolio_nav``; None if it does not match."""
    pattern, call = _PATCHES[name]
    patched, count = pattern.subn(lambda _match: call, source)
    return patched if count == 1 else None


class NavRenderer:
    """``portfolio_nav`` in the templates; one per build (the nav objects are the build's)."""

    def __init__(self) -> None:
        self._html: dict[tuple[Any, ...], str] = {}
        self._urls: dict[int, tuple[str, ...]] = {}

    def __call__(self, render: Any, items: list[Any], path: str, level: int, parent: Any, index: Any, page: Any) -> Markup:
        parts = []
        top = parent is None
        for number, item in enumerate(items, start=1):
            if index and item == index:
                continue  # Material: the section's index page is its link, not a child
            here = f"{path}_{number}"
            args = (item, here, level) if top else (item, here, level, parent)
            if getattr(item, "active", False) or page is None:
                parts.append(str(render(*args)))
                continue
            links = tuple(normalize_url(url, page=page) for url in self._subtree_urls(item))
            key = (id(item), here, level, bool(getattr(parent, "active", False)), links)
            html = self._html.get(key)
            if html is None:
                html = self._html[key] = str(render(*args))
            parts.append(html)
        return Markup("".join(parts))

    def _subtree_urls(self, item: Any) -> tuple[str, ...]:
        found = self._urls.get(id(item))
        if found is None:
            urls: list[str] = []
            stack = [item]
            while stack:
                node = stack.pop()
                url = getattr(node, "url", None)
                if isinstance(url, str):
                    urls.append(url)
                stack.extend(reversed(getattr(node, "children", None) or []))
            found = self._urls[id(item)] = tuple(urls)
        return found


class _PatchingLoader(jinja2.BaseLoader):
    """The theme's own loader, with the two nav loops patched when they match."""

    def __init__(self, inner: jinja2.BaseLoader) -> None:
        self.inner = inner

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
        source, filename, uptodate = self.inner.get_source(environment, template)
        if template in _PATCHES:
            source = patch(template, source) or source
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


def install(env: jinja2.Environment) -> None:
    """Make ``env`` render the nav through a fresh ``NavRenderer`` (once per build)."""
    if env.loader is not None and not isinstance(env.loader, _PatchingLoader):
        env.loader = _PatchingLoader(env.loader)
    env.globals["portfolio_nav"] = NavRenderer()
