"""The dossier metadata, declared once: the ``portfolio`` entry of ``plugins:`` in mkdocs.yml.

Each field of ``Settings`` is one setting: its Python type, its default, its allowed
values, its JSON Schema fragment and its description. Everything else follows from
this one definition:

- ``schema/dossier.schema.json`` is generated from it (``make schemas``; a test fails
  when the file is stale), and so is its fast validator in ``core/compiled/``;
- ``Settings.from_entry`` reads an entry through it (the defaults are the fields');
- the MkDocs plugin's ``PortfolioConfig`` lists its top-level keys
  (``mkdocs_plugin/config.py``).

The cohort's own fields (``cohort_qcm``, ``cohort_file``) carry no ``entry`` metadata:
a dossier never sets them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any

from portfolio_builder.i18n import DEFAULT_LANGUAGE, LANGUAGES

# What the generated schema says of the whole entry.
SCHEMA_ID = "https://portfolio-builder.invalid/schema/dossier.schema.json"
SCHEMA_TITLE = "Dossier metadata"
SCHEMA_DESCRIPTION = (
    "The `portfolio` entry of `plugins:` in mkdocs.yml: who the dossier belongs to, which referential it answers, "
    "and how it is judged. Paths are relative to mkdocs.yml."
)


def setting(
    default: Any,
    entry: str,
    schema: dict[str, Any],
    doc: str = "",
    *,
    required: bool = False,
    allowed: tuple[str, ...] = (),
) -> Any:
    """One setting: ``entry`` is its key in the ``portfolio`` entry (``a.b`` inside a mapping)."""
    if allowed:
        schema = {"enum": list(allowed), **schema}
    metadata = {"entry": entry, "schema": schema, "doc": doc, "required": required, "allowed": allowed}
    return field(default=default, metadata=metadata)


_TEXT = {"type": "string", "minLength": 1}


@dataclass(frozen=True, slots=True)
class Settings:
    referential: str = setting(
        "", "referential", _TEXT,
        "A shipped referential id (see `portfolio referentials`) or the path of an institution's own referential file.",
        required=True,
    )
    candidate_name: str = setting("", "candidate.name", _TEXT, required=True)
    student_id: str = setting(
        "", "candidate.student_id",
        {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}(?![\\s\\S])", "x-message": "config.student_id_pattern"},
        "Letters, digits, - and _, at most 64 characters. Never shown in a public build; never used in a path unchecked.",
    )
    institution: str = setting("", "institution", _TEXT)
    session: str = setting("", "session", _TEXT, "The certification session, e.g. 2026-juin.")
    correspondent_name: str = setting("", "correspondent.name", _TEXT, required=True)
    correspondent_email: str = setting("", "correspondent.email", {"type": "string", "format": "email"})
    language: str = setting(DEFAULT_LANGUAGE, "language", {}, allowed=LANGUAGES)
    mode: str = setting("training", "mode", {}, allowed=("training", "certification"))
    reviews_dir: str = setting("reviews", "reviews_dir", _TEXT, "Folder of tutor reviews, outside the docs folder.")
    jury: str = setting("jury.yml", "jury", _TEXT, "The jury's decisions file.")
    previous_attestations: tuple[str, ...] = setting(
        (), "previous_attestations", {"type": "array", "items": _TEXT},
        "Attestations of earlier attempts: their validated domains carry over.",
    )
    indexing: bool = setting(False, "indexing", {"type": "boolean"}, "Let search engines index the site (pages carry noindex otherwise).")
    sanitize_html: bool = setting(
        True, "sanitize_html", {"type": "boolean"}, "Clean the HTML inside pages with nh3 (always on in cohort builds)."
    )
    prune_nav: bool = setting(
        True, "prune_nav", {"type": "boolean"},
        "Turn on Material's navigation.prune so the build stays linear in the number of pages.",
    )
    # The cohort's QCM setting for its session (never read from the dossier): (domain or "*",
    # required, line in the cohort file), and that file.
    cohort_qcm: tuple[tuple[str, bool, int], ...] = ()
    cohort_file: str = ""

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> Settings:
        """Settings from a (possibly invalid) entry: wrong values fall back to defaults.

        The schema problems are reported separately; keeping whatever is usable
        lets `portfolio serve` show them on the report page instead of dying.
        """
        return cls(**{f.name: _read(entry, f) for f in DEFINITIONS})


DEFINITIONS = tuple(f for f in fields(Settings) if "entry" in f.metadata)


def default(name: str) -> Any:
    """One setting's default (as the field declares it)."""
    return next(f.default for f in DEFINITIONS if f.name == name)


def entry_keys() -> tuple[str, ...]:
    """The top-level keys of the ``portfolio`` entry, in order."""
    return tuple(dict.fromkeys(f.metadata["entry"].split(".", 1)[0] for f in DEFINITIONS))


def _read(entry: Any, definition: Any) -> Any:
    """One setting's value from the entry, or its default where the value is unusable."""
    meta = definition.metadata
    value: Any = entry
    for part in meta["entry"].split("."):
        value = value.get(part) if isinstance(value, dict) else None
    default = definition.default
    if meta["allowed"]:
        return value if value in meta["allowed"] else default
    if isinstance(default, bool):
        return value if isinstance(value, bool) else default
    if isinstance(default, tuple):
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else default
    if not isinstance(value, str):
        return default
    pattern = meta["schema"].get("pattern")
    if pattern is not None:
        # A value the schema refuses (reported there) is never used: a student number may be a path.
        return value if _compiled(pattern).fullmatch(value) else default
    return value.strip()


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def pattern_of(name: str) -> re.Pattern[str]:
    """The compiled ``pattern`` of one setting (``student_id``)."""
    definition = next(f for f in DEFINITIONS if f.name == name)
    return _compiled(definition.metadata["schema"]["pattern"])


def _fragment(definition: Any) -> dict[str, Any]:
    meta = definition.metadata
    fragment = dict(meta["schema"])
    default = definition.default
    if not meta["required"] and default not in ("", ()) and not isinstance(default, tuple):
        fragment["default"] = default
    if meta["doc"]:
        fragment["description"] = meta["doc"]
    return fragment


def json_schema() -> dict[str, Any]:
    """``schema/dossier.schema.json``, generated from the definitions (``make schemas``)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for definition in DEFINITIONS:
        key, _, inner = definition.metadata["entry"].partition(".")
        if not inner:
            properties[key] = _fragment(definition)
            if definition.metadata["required"]:
                required.append(key)
            continue
        group = properties.setdefault(key, {"type": "object", "required": [], "additionalProperties": False, "properties": {}})
        group["properties"][inner] = _fragment(definition)
        if definition.metadata["required"]:
            group["required"].append(inner)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": SCHEMA_TITLE,
        "description": SCHEMA_DESCRIPTION,
        "type": "object",
        "required": required,
        "additionalProperties": False,
        "properties": properties,
    }
