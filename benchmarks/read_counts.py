"""How many times a cohort reads (`load_project`) and checks (`check_project`) its dossiers.

Counts every call, in every process (forked workers append to one log), for the sample
cohort: a jury session (`cohort.session.gather`) and a cohort build (`cohort.run.build_all`).

    python benchmarks/read_counts.py
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOG = Path(tempfile.mkdtemp()) / "calls.log"


def _count(module, name: str) -> None:
    original = getattr(module, name)

    def counted(*args, **kwargs):
        with LOG.open("a", encoding="utf-8") as out:
            out.write(f"{module.__name__}.{name}\n")
        return original(*args, **kwargs)

    setattr(module, name, counted)


def _totals() -> tuple[int, int, int]:
    calls = Counter(LOG.read_text(encoding="utf-8").split())
    loads = sum(n for key, n in calls.items() if key.endswith("load_project"))
    runner = sum(n for key, n in calls.items() if key.endswith("load_project") and key.startswith("portfolio_builder.cohort"))
    checks = sum(n for key, n in calls.items() if key.endswith("check_project"))
    return loads, runner, checks


def main() -> None:
    from portfolio_builder.cohort import run, session
    from portfolio_builder.core import check, project
    from portfolio_builder.mkdocs_plugin import plugin

    for module in (project, run, session, plugin, check):
        for name in ("load_project", "check_project"):
            if hasattr(module, name):
                _count(module, name)
    info, folders = session.load_cohort(ROOT / "sample_dnc/cohorte/cohort.yml")
    LOG.write_text("", encoding="utf-8")
    session.gather(info, folders, jobs=1)
    loads, _runner, checks = _totals()
    print(f"jury session, {len(folders)} dossiers: {loads} load_project, {checks} check_project")
    LOG.write_text("", encoding="utf-8")
    policy = run.CohortPolicy(referential=info.referential, language=info.language, allow_dirty=True)
    results = run.build_all(folders, Path(tempfile.mkdtemp()) / "site", policy, jobs=2)
    assert all(r.built for r in results), [r.failure for r in results]
    loads, runner, checks = _totals()
    print(f"cohort build, {len(folders)} dossiers: {loads} load_project ({runner} by the runner), {checks} check_project")


if __name__ == "__main__":
    main()
