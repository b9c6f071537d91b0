"""The one catalog of everything a user reads, in French and English.

French is the default; a dossier that says ``language: en`` gets English. The
CLI, the problems, the reports and the site templates all take their words
from here, so a translation can never be half done: each entry carries every
language side by side and a test checks their placeholders agree.

``LANGUAGES`` is the catalog's own list of columns (``catalog.LANGUAGES``): the one
list of languages, which every choice, schema and table reads.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from portfolio_builder import catalog

LANGUAGES: tuple[str, ...] = catalog.LANGUAGES
DEFAULT_LANGUAGE = LANGUAGES[0]
MESSAGES = catalog.MESSAGES


class Term(str):
    """An argument that is itself a catalog key (``a|b`` for alternatives)."""


class Size(int):
    """A number of bytes, printed in the reader's units (``1,5 Gio`` / ``1.5 GiB``)."""


def human_size(size: int, lang: str | None) -> str:
    units = translate(lang, "format.units").split("|")
    value = float(size)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            text = f"{value:.0f}" if unit == units[0] or value >= 100 else f"{value:.1f}"
            return f"{text.replace('.', translate(lang, 'format.decimal'))} {unit}"
        value /= 1024
    return str(size)  # pragma: no cover


def normalise(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def has(key: str) -> bool:
    return key in MESSAGES


def column(lang: str | None) -> int:
    """Where ``lang`` sits in each catalog entry (the default language's column otherwise)."""
    return LANGUAGES.index(normalise(lang))


def translate(lang: str | None, key: str, /, **args: Any) -> str:
    index = column(lang)
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry[index]
    if "{" not in text:
        return text
    # Always formatted, so that an escaped ``{{`` prints as ``{`` even without
    # arguments; a placeholder left without a value prints as written.
    resolved = _Keep({name: _resolve(lang, value) for name, value in args.items()})
    return text.format_map(resolved)


def translate_count(lang: str | None, key: str, count: int, /, **args: Any) -> str:
    """``key.one`` where ``count`` takes the singular (French: 0 and 1; English: 1: the catalog's
    ``format.zero_singular``), else ``key``."""
    singular = count == 1 or (count == 0 and translate(lang, "format.zero_singular") == "1")
    wanted = f"{key}.one" if singular and has(f"{key}.one") else key
    return translate(lang, wanted, count=count, **args)


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _resolve(lang: str | None, value: Any) -> Any:
    if isinstance(value, Size):
        return human_size(value, lang)
    if isinstance(value, Term):
        parts = [translate(lang, part) for part in value.split("|")]
        return translate(lang, "word.or").join(parts)
    return value


@cache
def strings(lang: str | None) -> dict[str, str]:
    """Every entry in one language: the site templates read them as plain data."""
    index = column(lang)
    return {key: entry[index] for key, entry in MESSAGES.items()}
