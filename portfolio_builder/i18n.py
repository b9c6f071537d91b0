"""The one catalog of everything a user reads, in French and English.

French is the default; a dossier that says ``language: en`` gets English. The
CLI, the problems, the reports and the site templates all take their words
from here, so a translation can never be half done: each entry carries both
languages side by side and a test checks their placeholders agree.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from portfolio_builder.catalog import MESSAGES

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


class Term(str):
    """An argument that is itself a catalog key (``a|b`` for alternatives)."""


class Size(int):
    """A number of bytes, printed in the reader's units (``1,5 Gio`` / ``1.5 GiB``)."""


def human_size(size: int, lang: str | None) -> str:
    units = ("o", "Kio", "Mio", "Gio", "Tio") if lang != "en" else ("B", "KiB", "MiB", "GiB", "TiB")
    value = float(size)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            text = f"{value:.0f}" if unit == units[0] or value >= 100 else f"{value:.1f}"
            return f"{text.replace('.', ',') if lang != 'en' else text} {unit}"
        value /= 1024
    return str(size)  # pragma: no cover


def normalise(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def has(key: str) -> bool:
    return key in MESSAGES


def translate(lang: str | None, key: str, /, **args: Any) -> str:
    index = 1 if lang == "en" else 0
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
    """``key.one`` where ``count`` takes the singular (French: 0 and 1; English: 1), else ``key``."""
    singular = count == 1 or (count == 0 and lang != "en")
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
    index = 1 if lang == "en" else 0
    return {key: entry[index] for key, entry in MESSAGES.items()}
