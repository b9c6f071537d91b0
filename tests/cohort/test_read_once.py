"""Read once: a cohort reads each dossier's mkdocs.yml once and checks it once
(``cohort.run``, ``cohort.session``); the core parses each page's front matter once."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from pathlib import Path

import pytest

from portfolio_builder.cohort import run as run_mod
from portfolio_builder.cohort import session as session_mod
from portfolio_builder.core import check as check_mod
from portfolio_builder.core import frontmatter
from portfolio_builder.core import project as project_mod
from tests.conftest import evidence_page

ROOT = Path(__file__).resolve().parents[2]
COHORT = ROOT / "sample_dnc" / "cohorte" / "cohort.yml"


def _counting(monkeypatch: pytest.MonkeyPatch, log: Path, module: object, name: str) -> None:
    """Count each call of ``module.name`` as one line of ``log`` (forked workers append too)."""
    original = getattr(module, name)

    def counted(*args, **kwargs):
        with log.open("a", encoding="utf-8") as out:
            out.write(f"{name}\n")
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


def _counts(log: Path) -> Counter[str]:
    return Counter(log.read_text(encoding="utf-8").split()) if log.exists() else Counter()


@pytest.mark.slow
@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="counts across forked workers")
def test_a_cohort_build_reads_each_dossier_once_and_checks_it_once(tmp_path, monkeypatch):
    """The runner reads mkdocs.yml once (the identity, then ``with_policy``) and only walks the
    docs folder to stage it; the build checks the staged copy: one check per dossier."""
    from portfolio_builder.mkdocs_plugin import plugin

    log = tmp_path / "calls.log"
    _counting(monkeypatch, log, run_mod, "load_project")
    _counting(monkeypatch, log, run_mod, "check_project")
    _counting(monkeypatch, log, plugin, "check_project")
    info, folders = session_mod.load_cohort(COHORT)
    policy = run_mod.CohortPolicy(referential=info.referential, language=info.language)
    results = run_mod.build_all(folders, tmp_path / "site", policy, jobs=2)
    assert all(r.built for r in results), [r.failure for r in results]
    assert _counts(log) == {"load_project": len(folders), "check_project": len(folders)}


def test_a_jury_session_reads_and_checks_each_dossier_once(tmp_path, monkeypatch):
    log = tmp_path / "calls.log"
    for module in (run_mod, session_mod):
        _counting(monkeypatch, log, module, "load_project")
    _counting(monkeypatch, log, session_mod, "check_project")
    info, folders = session_mod.load_cohort(COHORT)
    gathered = session_mod.gather(info, folders, jobs=1)
    assert gathered.session is not None and len(gathered.session.candidates) == len(folders)
    assert _counts(log) == {"load_project": len(folders), "check_project": len(folders)}


def test_with_policy_gives_what_a_second_reading_would(project):
    """Applying a cohort's policy to the one reading equals reading again under that policy."""
    root = project(
        {"docs/a.md": evidence_page("D1.1")},
        portfolio={"referential": "my-own.yml", "jury": "../outside.yml", "previous_attestations": ["../x.yml", "a.yml"]},
    )
    first = project_mod.load_project(root, untrusted=project_mod.Untrusted())
    policy = project_mod.Untrusted(referential="c2i1-2011", qcm_required=(("*", False, 3),), cohort_file="cohort.yml")
    again = project_mod.load_project(root, untrusted=policy)
    applied = project_mod.with_policy(first, policy)
    assert applied.settings == again.settings
    assert [p.to_dict("fr") for p in applied.problems] == [p.to_dict("fr") for p in again.problems]
    assert applied.policy == policy


def test_the_core_parses_each_page_front_matter_once(project, monkeypatch):
    pages = {f"docs/p{n}.md": evidence_page("D1.1", title=f"Page {n}") for n in range(12)}
    pages["docs/index.md"] = "# Accueil\n"
    root = project({**pages, "reviews/r.yml": "evidence: p1.md\nreviewer: M. T\ndate: 2024-05-01\nverdicts: {D1.1: met}\n"})
    seen: Counter[str] = Counter()
    original = frontmatter.split

    def counted(text, sink):
        seen[sink.file] += 1
        return original(text, sink)

    monkeypatch.setattr(frontmatter, "split", counted)
    dossier = check_mod.check_project(project_mod.load_project(root), check_mod.Options())
    assert len(dossier.evidence) == 12
    assert sorted(seen) == sorted(f"docs/{rel}" for rel in dossier.pages)
    assert set(seen.values()) == {1}
