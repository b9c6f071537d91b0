"""Limits on what one dossier may hold: sizes (every build) and build time (cohorts).

The defaults are far above what an honest dossier reaches, and far below what
fills a disk or stops a jury session:

- ``file_bytes`` 100 MiB: git hosts refuse a file over 100 MiB (GitHub), so a
  dossier kept in git never has one;
- ``page_bytes`` 8 MiB of Markdown: a long evidence page is 10-50 KiB, a whole
  pasted thesis ~1 MiB (and a bigger front matter is already refused at 256 KiB);
- ``docs_bytes`` 1 GiB for the whole docs folder, *apparent* size (a sparse
  file counts as what it would write): a GitHub Pages site may not exceed 1 GB;
- ``files`` 20,000 files: an honest dossier has tens to hundreds (the speed
  benchmark checks 4,000);
- ``build_seconds`` 120 s per dossier in a cohort: an honest 400-page dossier
  builds in ~3 s on a 2-core machine (40 times less).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


@dataclass(frozen=True, slots=True)
class Limits:
    file_bytes: int = 100 * MIB
    page_bytes: int = 8 * MIB
    docs_bytes: int = 1 * GIB
    files: int = 20_000
    build_seconds: float = 120.0

    def with_values(self, values: dict[str, Any]) -> Limits:
        return replace(self, **values) if values else self


NAMES = tuple(f.name for f in fields(Limits))
SIZE_NAMES = ("file_bytes", "page_bytes", "docs_bytes")

_UNITS = {"": 1, "b": 1, "k": KIB, "kb": 1000, "kib": KIB, "m": MIB, "mb": 1000**2, "mib": MIB, "g": GIB, "gb": 1000**3, "gib": GIB, "t": 1024 * GIB, "tib": 1024 * GIB, "tb": 1000**4}
_SIZE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([a-zA-Z]*)\s*$")
_DURATION = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(s|min|m|h)?\s*$")


def parse_value(name: str, value: Any) -> int | float:
    """One limit from cohort.yml or the command line: ``500 MiB``, ``2G``, ``30000``, ``90 s``, ``5 min``.

    Raises ValueError with the reason when the value is not usable.
    """
    if name not in NAMES:
        raise ValueError(name)
    if isinstance(value, bool):
        raise ValueError(str(value))
    if name == "build_seconds":
        if isinstance(value, (int, float)):
            seconds = float(value)
        else:
            match = _DURATION.match(str(value))
            if not match:
                raise ValueError(str(value))
            factor = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600}[(match.group(2) or "").lower()]
            seconds = float(match.group(1).replace(",", ".")) * factor
        if seconds <= 0:
            raise ValueError(str(value))
        return seconds
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        match = _SIZE.match(str(value))
        if not match or match.group(2).lower() not in _UNITS or (name == "files" and match.group(2)):
            raise ValueError(str(value))
        number = int(float(match.group(1).replace(",", ".")) * _UNITS[match.group(2).lower()])
    if number <= 0:
        raise ValueError(str(value))
    return number


DEFAULT = Limits()
