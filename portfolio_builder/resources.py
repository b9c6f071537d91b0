"""Where the data files that travel with the package live.

In a wheel, ``schema/`` and ``theme/`` are copied inside the package
(``portfolio_builder/schema``); in a checkout or an editable install they sit
beside the package at the top of the repository. Looking in both places keeps
one source of truth for each file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"portfolio_builder data folder '{name}' is missing from the installation")


@cache
def schema_dir() -> Path:
    return _data_dir("schema")


@cache
def theme_dir() -> Path:
    return _data_dir("theme")


def material_overrides_dir() -> Path:
    """The folder the MkDocs plugin adds to Material's theme dirs (templates and CSS)."""
    return theme_dir() / "material"


def cohort_theme_dir() -> Path:
    """The cohort dashboard's template and assets (not part of any dossier's site)."""
    return theme_dir() / "cohort"


def referentials_dir() -> Path:
    return PACKAGE_DIR / "referentials"


def scaffold_dir() -> Path:
    return PACKAGE_DIR / "scaffold"
