"""Clean the HTML a student's Markdown produces, with nh3 (ammonia).

What survives: text structure (headings, lists, tables, quotes, code), links,
images, and the markup Python-Markdown, pymdownx and Material emit (classes,
ids, details/summary, task-list checkboxes, emoji SVGs). What never does:
``script``, ``style``, ``form``, ``iframe``/``object``/``embed``, event
handlers (``on*``), inline ``style`` attributes and ``javascript:`` URLs.
"""

from __future__ import annotations

from functools import cache

import nh3

_EXTRA_TAGS = {"input", "label", "svg", "path", "g", "circle", "rect", "use", "title", "caption", "section"}
_FORBIDDEN = {"script", "style", "form", "iframe", "object", "embed", "frame", "frameset", "base", "link", "meta"}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}


@cache
def _cleaner_args() -> dict:
    tags = (set(nh3.ALLOWED_TAGS) | _EXTRA_TAGS) - _FORBIDDEN
    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = {"class", "id", "title", "lang", "dir", "role", "aria-hidden", "aria-label", "tabindex"}
    attributes.setdefault("a", set()).update({"href", "title", "name"})
    attributes.setdefault("img", set()).update({"src", "alt", "title", "width", "height", "loading"})
    attributes["input"] = {"type", "checked", "disabled"}
    attributes["label"] = {"for"}
    attributes["svg"] = {"viewbox", "xmlns", "width", "height", "focusable", "fill"}
    attributes["path"] = {"d", "fill"}
    attributes["use"] = {"href"}
    attributes["code"] = {"class"}
    attributes["time"] = {"datetime"}
    return {
        "tags": tags,
        "clean_content_tags": {"script", "style"},
        "attributes": attributes,
        "url_schemes": _URL_SCHEMES,
        "strip_comments": True,
        "link_rel": "noopener noreferrer",
    }


def clean(html: str) -> str:
    return nh3.clean(html, **_cleaner_args())
