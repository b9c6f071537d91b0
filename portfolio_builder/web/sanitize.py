"""Clean the HTML a student's Markdown produces, with nh3 (ammonia).

What survives: text structure (headings, lists, tables, quotes, code), links,
images, and the markup Python-Markdown, pymdownx and Material emit (classes,
ids, details/summary, task-list checkboxes, emoji SVGs). What never does:
``script``, ``style``, ``form``, ``iframe``/``object``/``embed``, event
handlers (``on*``), inline ``style`` attributes and ``javascript:`` URLs.
"""

from __future__ import annotations

import re
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
        "attribute_filter": _ours_stripped,
    }


_OURS = "pb-"  # the prefix of our classes and ids (cards, report, competency pages)


def _ours_stripped(tag: str, name: str, value: str) -> str | None:
    """A candidate's HTML cannot pass for ours: no ``pb-`` class (a fake evidence card with a
    tutor's verdict) nor ``pb-`` id (our headings, which our cards' labels point to)."""
    if name == "class" and _OURS in value:
        kept = " ".join(c for c in value.split() if not c.startswith(_OURS))
        return kept or None
    if name == "id" and value.startswith(_OURS):
        return None
    if name in ("id", "name", "for"):
        return _scoped(value)
    if name == "href" and value.startswith("#"):
        return "#" + _scoped(value[1:])
    return value


# The page's ids Material's own script looks up (`__config`, `__search`, `__toc`, `__palette_0`…)
# all begin with two underscores: a candidate's such id or name (an element named `__config`
# before Material's would clobber it) is moved to `user-content-…`, as GitHub does, and the
# page's own links to it follow. The ids pymdownx writes itself (tabs, code annotations) and
# every other id (headings, footnotes) are kept: the TOC and permalinks point at them.
_USER_CONTENT = "user-content-"
_PYMDOWNX_IDS = re.compile(r"__(tabbed|code)_\d+(_\d+)*(_annotation(_\d+)*)?")


def _scoped(value: str) -> str:
    if value.startswith("__") and not _PYMDOWNX_IDS.fullmatch(value):
        return _USER_CONTENT + value
    return value


def clean(html: str) -> str:
    return nh3.clean(html, **_cleaner_args())


# -- SVG files ---------------------------------------------------------------------
# A published .svg opened by itself is a document of the site's origin: its scripts,
# event handlers, <foreignObject> HTML, animations that set an href, or references
# to other sites would all run or load. What is kept is drawing only.
_SVG_TAGS = {
    "svg", "g", "defs", "title", "desc", "symbol", "use", "path", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "textPath", "linearGradient", "radialGradient", "stop",
    "clipPath", "mask", "pattern", "marker", "filter", "feGaussianBlur", "feOffset", "feBlend",
    "feColorMatrix", "feMerge", "feMergeNode", "feFlood", "feComposite", "feDropShadow", "switch",
}
_SVG_ATTRIBUTES = {
    "id", "class", "transform", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap",
    "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "stroke-miterlimit", "opacity",
    "clip-path", "clip-rule", "mask", "filter", "font-family", "font-size", "font-weight", "font-style",
    "text-anchor", "dominant-baseline", "alignment-baseline", "baseline-shift", "visibility", "display", "color",
    "stop-color", "stop-opacity", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy",
    "dx", "dy", "width", "height", "d", "points", "viewBox", "preserveAspectRatio", "offset", "gradientUnits",
    "gradientTransform", "patternUnits", "patternContentUnits", "patternTransform", "spreadMethod", "rotate",
    "textLength", "lengthAdjust", "letter-spacing", "word-spacing", "markerWidth", "markerHeight", "refX",
    "refY", "orient", "markerUnits", "marker-start", "marker-mid", "marker-end", "stdDeviation", "in", "in2",
    "result", "mode", "type", "values", "operator", "flood-color", "flood-opacity", "clipPathUnits", "maskUnits",
    "maskContentUnits", "filterUnits", "primitiveUnits", "vector-effect", "paint-order", "shape-rendering",
    "text-rendering", "startOffset", "method", "spacing", "version", "role", "aria-label", "aria-hidden", "lang",
    "xml:space", "xml:lang", "href", "xlink:href", "xmlns", "xmlns:xlink", "k1", "k2", "k3", "k4", "pathLength",
}
_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
EMPTY_SVG = f'<svg xmlns="{_SVG_NS}"></svg>\n'
MAX_SVG_BYTES = 20 * 1024 * 1024  # decompressed: an .svgz bomb stops here


def _svg_attribute(tag: str, name: str, value: str) -> str | None:
    if name in ("href", "xlink:href"):
        # Only a reference inside this very file: no other site, no javascript:, no data:.
        return value if value.strip().startswith("#") else None
    if name == "xmlns":
        return _SVG_NS
    if name == "xmlns:xlink":
        return _XLINK_NS
    lowered = value.lower()
    if "url(" in lowered and not all(part.lstrip().startswith("#") for part in lowered.split("url(")[1:]):
        return None  # fill="url(https://…)" would load from another site
    return value


@cache
def _svg_args() -> dict:
    attributes = {tag: set(_SVG_ATTRIBUTES) for tag in _SVG_TAGS}
    return {
        "tags": set(_SVG_TAGS),
        "clean_content_tags": {"script", "style", "foreignObject", "foreignobject"},
        "attributes": attributes,
        "url_schemes": set(),
        "strip_comments": True,
        "link_rel": None,
        "attribute_filter": _svg_attribute,
    }


_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


def _numeric_entity(match: re.Match) -> str:
    from html.entities import name2codepoint

    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    code = name2codepoint.get(name)
    return f"&#{code};" if code is not None else ""


def clean_svg(data: bytes) -> bytes:
    """A drawing-only copy of an SVG file (gzip-compressed ``.svgz`` stays compressed)."""
    import gzip
    import io
    import xml.etree.ElementTree as ET

    compressed = data[:2] == b"\x1f\x8b"
    if compressed:
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
                data = stream.read(MAX_SVG_BYTES + 1)
        except (OSError, EOFError):
            data = b""
    text = data.decode("utf-8", errors="replace") if len(data) <= MAX_SVG_BYTES else ""
    start = text.lower().find("<svg")
    text = text[start:] if start >= 0 else ""  # no XML prolog nor DOCTYPE (entities) survives
    cleaned = nh3.clean(text, **_svg_args()).strip()
    # nh3 writes HTML: `&nbsp;` is not XML; a file that is not one <svg> element is dropped.
    cleaned = _NAMED_ENTITY.sub(_numeric_entity, cleaned)
    if cleaned.startswith("<svg") and 'xmlns="' not in cleaned.split(">", 1)[0]:
        cleaned = cleaned.replace("<svg", f'<svg xmlns="{_SVG_NS}"', 1)
    if cleaned.startswith("<svg") and "xlink:" in cleaned and "xmlns:xlink" not in cleaned.split(">", 1)[0]:
        cleaned = cleaned.replace("<svg", f'<svg xmlns:xlink="{_XLINK_NS}"', 1)
    try:
        root = ET.fromstring(cleaned) if cleaned else None
    except ET.ParseError:
        root = None
    if root is None or root.tag != f"{{{_SVG_NS}}}svg":
        cleaned = EMPTY_SVG
    out = cleaned.encode("utf-8")
    return gzip.compress(out, mtime=0) if compressed else out
