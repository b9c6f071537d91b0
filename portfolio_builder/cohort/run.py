"""Build every dossier of a cohort, in parallel, each in isolation.

A dossier that fails to build does not stop the others: its row shows why.
Workers are separate processes (one per core); each dossier gets a staged copy
of its pages and a trusted configuration.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import tempfile
import unicodedata
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from portfolio_builder.core.check import Options, check_project
from portfolio_builder.core.project import ConfigError, load_project


@dataclass
class DossierResult:
    source: str  # the dossier's folder, as given
    slug: str
    built: bool = False
    report: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)  # formatted, in the dossier's language
    failure: str = ""


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "dossier"


def candidate_slug(folder: Path) -> str:
    """The candidate's name as a slug, else the folder's name."""
    try:
        name = load_project(folder, inherit=False).settings.candidate_name
    except ConfigError:
        name = ""
    return slugify(name or folder.resolve().name)


def unique_slugs(folders: list[Path]) -> list[str]:
    seen: dict[str, int] = {}
    slugs = []
    for folder in folders:
        base = candidate_slug(folder)
        seen[base] = seen.get(base, 0) + 1
        slugs.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return slugs


def _remember_theme_listing() -> None:
    """In a worker, list each theme folder's templates once, not once per dossier.

    MkDocs lists every file of the theme (Material ships thousands of icons) at
    each build; the theme folders are the same for every dossier of a cohort.
    """
    import jinja2

    loader = jinja2.FileSystemLoader
    if getattr(loader.list_templates, "_portfolio_memo", False):
        return
    original = loader.list_templates
    memo: dict[tuple[str, ...], list[str]] = {}

    def list_templates(self: jinja2.FileSystemLoader) -> list[str]:
        key = tuple(str(p) for p in self.searchpath)
        if key not in memo:
            memo[key] = original(self)
        return list(memo[key])

    list_templates._portfolio_memo = True  # type: ignore[attr-defined]
    loader.list_templates = list_templates  # type: ignore[method-assign]


def build_one(folder: str, slug: str, site_root: str) -> DossierResult:
    """Worker: check, stage, build with the trusted configuration. Never raises."""
    from portfolio_builder import build as build_mod
    from portfolio_builder.cohort import trusted

    _remember_theme_listing()
    result = DossierResult(source=folder, slug=slug)
    try:
        project = load_project(folder, inherit=False, confined=True)
    except ConfigError as error:
        result.problems = [p.format("fr") for p in error.problems]
        result.failure = "config"
        return result
    checked = check_project(project, Options())
    lang = checked.lang
    result.problems = [p.format(lang) for p in checked.problems if p.is_error]
    work = Path(tempfile.mkdtemp(prefix=f"portfolio-cohort-{slug}-"))
    try:
        staging = work / "docs"
        staging.mkdir()
        trusted.stage_docs(project, staging)
        config_path = trusted.write_config(project, staging, work / "mkdocs.yml")
        request = build_mod.BuildRequest(
            project=work,
            config_file=config_path,
            source_config=project.config_file,
            site_dir=Path(site_root) / slug,
            trusted=True,
            quiet=True,
            outside_problems=[p for p in checked.problems if p.code == "symlink-outside"],
            locked_by_caller=True,
        )
        build_mod.build(request)
        result.built = True
        report_path = Path(site_root) / slug / "report.json"
        result.report = json.loads(report_path.read_text(encoding="utf-8"))
    except build_mod.BuildFailed as error:
        result.failure = str(error)
    except Exception as error:  # noqa: BLE001 - one dossier must never stop the cohort
        result.failure = f"{type(error).__name__}: {error}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def build_all(
    folders: list[Path],
    site_root: Path,
    jobs: int | None = None,
    progress: Callable[[DossierResult], None] | None = None,
) -> list[DossierResult]:
    slugs = unique_slugs(folders)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(folders)))
    results: dict[str, DossierResult] = {}
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {
            pool.submit(build_one, str(folder), slug, str(site_root)): slug for folder, slug in zip(folders, slugs)
        }
        for future in as_completed(futures):
            slug = futures[future]
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001 - a crashed worker fails one dossier only
                result = DossierResult(source="", slug=slug, failure=f"{type(error).__name__}: {error}")
            results[slug] = result
            if progress is not None:
                progress(result)
    return [results[slug] for slug in slugs]
