"""reviews: tutor reviews in reviews/, their history, and evidence changed since."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from portfolio_builder.core import report, reviews
from tests.conftest import as_tuples, check_problems, evidence_page, git, run_check, set_mtime


def review(evidence: str = "p.md", date: str = "2024-03-01", reviewer: str = "M. Martin", comment: str = "", **verdicts: str) -> str:
    """Lines: 1 evidence, 2 reviewer, 3 date, 4 verdicts:, 5… one verdict a line, then comment."""
    verdicts = verdicts or {"D1.1": "met"}
    text = f"evidence: {evidence}\nreviewer: {reviewer}\ndate: '{date}'\nverdicts:\n"
    text += "".join(f"  {code.replace('_', '.')}: {verdict}\n" for code, verdict in verdicts.items())
    if comment:
        text += f"comment: {comment}\n"
    return text


@pytest.fixture(autouse=True)
def no_git_above(monkeypatch, tmp_path):
    # The dossiers below are plain folders unless a test makes them a repository.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


def dossier_with(project, files, page_mtime="2024-01-15T10:00:00", **kw):
    root = project({"docs/p.md": evidence_page("D1.1", "D1.2"), "docs/q.md": evidence_page("D1.1", "D2.1", extra="id: rapport\n"), **files}, **kw)
    for name in ("p.md", "q.md"):
        set_mtime(root / "docs" / name, page_mtime)
    return root


def test_history_latest_is_current(project):
    root = dossier_with(project, {
        "reviews/a.yml": review(date="2024-04-01", D1_1="met", comment="Très bien."),
        "reviews/b.yml": review(date="2024-02-01", D1_1="not_met"),
        "reviews/c.yml": review(date="2024-03-01", D1_1="partially_met", D1_2="met"),
    })
    dossier = run_check(root)
    assert [p for p in dossier.problems if p.code != "missing-competency"] == []
    index = dossier.reviews
    assert [(r.file, r.current) for r in index.reviews] == [
        ("reviews/b.yml", False), ("reviews/c.yml", False), ("reviews/a.yml", True)
    ]
    assert [r.date for r in index.by_evidence["p.md"]] == ["2024-02-01", "2024-03-01", "2024-04-01"]
    current = index.current("p.md")
    assert (current.reviewer, current.verdicts, current.comment) == ("M. Martin", {"D1.1": "met"}, "Très bien.")
    # Only the current review counts: D1.2 was `met` in an older one.
    assert index.best_status("D1.2", ["p.md"]) is None
    assert index.best_status("D1.1", ["p.md"]) == "met"
    assert index.current("q.md") is None


def test_same_day_reviews_ordered_by_time(project):
    root = dossier_with(project, {
        "reviews/1.yml": review(date="2024-03-01T17:30", D1_1="met"),
        "reviews/2.yml": review(date="2024-03-01T09:00", D1_1="not_met"),
    })
    index = run_check(root).reviews
    assert index.current("p.md").file == "reviews/1.yml"


def test_evidence_named_by_id_or_path(project):
    root = dossier_with(project, {
        "reviews/1.yml": review(evidence="rapport", D2_1="met"),
        "reviews/2.yml": review(evidence="./p.md", D1_2="partially_met"),
    })
    index = run_check(root).reviews
    assert index.current("q.md").verdicts == {"D2.1": "met"}
    assert index.current("p.md").verdicts == {"D1.2": "partially_met"}


def test_best_status_across_evidence(project):
    root = dossier_with(project, {
        "reviews/1.yml": review(evidence="p.md", D1_1="partially_met"),
        "reviews/2.yml": review(evidence="q.md", D1_1="met", D2_1="not_met"),
    })
    dossier = run_check(root)
    assert dossier.reviews.best_status("D1.1", ["p.md", "q.md"]) == "met"
    rows = {row["code"]: row["review"] for row in report.build(dossier)["competencies"]}
    assert (rows["D1.1"], rows["D1.2"], rows["D2.1"]) == ("met", None, "not_met")


def test_unknown_evidence_and_competency_at_their_lines(project):
    root = dossier_with(project, {
        "reviews/1.yml": review(evidence="pp.md"),
        "reviews/2.yml": review(D1_1="met", d1_2="met", D2_1="met"),
    })
    dossier = run_check(root)
    found = [(p.severity, p.code, p.file, p.line) for p in dossier.problems if p.code != "missing-competency"]
    assert found == [
        ("error", "unknown-evidence", "reviews/1.yml", 1),
        ("error", "unknown-competency", "reviews/2.yml", 6),
        ("warning", "unknown-competency", "reviews/2.yml", 7),  # D2.1: real, but p.md does not claim it
    ]
    by_line = {(p.file, p.line): p for p in dossier.problems}
    assert by_line[("reviews/1.yml", 1)].message("fr") == "preuve inconnue : « pp.md »"
    assert by_line[("reviews/1.yml", 1)].hint("fr") == "vouliez-vous dire p.md ?"
    assert by_line[("reviews/2.yml", 6)].message("en") == "unknown competency 'd1.2'"
    assert by_line[("reviews/2.yml", 6)].hint("en") == "did you mean D1.2?"
    assert by_line[("reviews/2.yml", 7)].message("en") == "p.md does not claim competency D2.1"
    # The unknown code is left out; the unclaimed one is kept.
    assert dossier.reviews.current("p.md").verdicts == {"D1.1": "met", "D2.1": "met"}


def test_bad_review_files(project):
    root = dossier_with(project, {
        "reviews/1.yml": "evidence: p.md\ndate: 2024-03-01\nverdicts: {}\n",
        "reviews/2.yml": review(date="12/03/2024"),
        "reviews/3.yml": review(D1_1="acquis"),
        "reviews/4.yml": review() + "note: 18\n",
        "reviews/5.yml": "",
        "reviews/notes.txt": "pas une revue\n",
    })
    found = [f for f in check_problems(root) if f[0] != "missing-competency"]
    assert found == [
        ("schema", "reviews/1.yml", 1),  # reviewer missing
        ("schema", "reviews/1.yml", 3),  # verdicts empty
        ("schema", "reviews/2.yml", 3),
        ("schema", "reviews/3.yml", 5),
        ("schema", "reviews/4.yml", 6),
        ("schema", "reviews/5.yml", 1),
    ]


def test_impossible_date_is_reported_once(project):
    root = dossier_with(project, {"reviews/1.yml": review(date="2024-02-30")})
    assert [f for f in check_problems(root) if f[0] != "missing-competency"] == [("schema", "reviews/1.yml", 3)]


def test_custom_reviews_folder(project):
    root = dossier_with(project, {"avis/1.yml": review(), "reviews/ignored.yml": "not: [a review\n"}, portfolio={"reviews_dir": "avis"})
    dossier = run_check(root)
    assert [r.file for r in dossier.reviews.reviews] == ["avis/1.yml"]


# --- evidence changed since its review --------------------------------------------------


def test_evidence_changed_after_its_review_is_flagged(project):
    root = dossier_with(project, {"reviews/1.yml": review(date="2024-03-01")})
    set_mtime(root / "docs" / "p.md", "2024-06-01T12:00:00")
    dossier = run_check(root)
    flagged = [p for p in dossier.problems if p.code == "review-outdated"]
    assert as_tuples(flagged) == [("review-outdated", "reviews/1.yml", 3)]
    assert flagged[0].severity == "warning"
    assert flagged[0].message("fr") == "p.md a été modifiée le 2024-06-01, depuis cette revue"
    current = dossier.reviews.current("p.md")
    assert current.outdated and current.changed_on == "2024-06-01"
    assert dossier.reviews.outdated_for("D1.1", ["p.md"])
    assert report.build(dossier)["evidence"][0]["review"]["outdated"] is True


def test_change_on_the_day_of_a_date_only_review_counts(project):
    # Issue 11: a date without a time is the start of its day, so a change made that day is flagged.
    root = dossier_with(project, {"reviews/1.yml": review(date="2024-03-01")}, page_mtime="2024-03-01T18:00:00")
    dossier = run_check(root)
    assert ("review-outdated", "reviews/1.yml", 3) in as_tuples(dossier.problems)
    assert dossier.reviews.current("p.md").outdated
    root = dossier_with(project, {"reviews/1.yml": review(date="2024-03-01")}, page_mtime="2024-02-29T23:00:00")
    assert not run_check(root).reviews.current("p.md").outdated


def test_review_with_a_time_compares_to_the_minute(project):
    root = dossier_with(project, {"reviews/1.yml": review(date="2024-03-01T10:00:00Z")}, page_mtime="2024-03-01T10:30:00")
    assert ("review-outdated", "reviews/1.yml", 3) in check_problems(root)


def test_only_the_current_review_is_flagged(project):
    root = dossier_with(project, {
        "reviews/1.yml": review(date="2024-02-01"),
        "reviews/2.yml": review(date="2024-05-01"),
    }, page_mtime="2024-03-15T12:00:00")
    assert [f for f in check_problems(root) if f[0] == "review-outdated"] == []
    set_mtime(root / "docs" / "p.md", "2024-05-20T12:00:00")
    assert [f for f in check_problems(root) if f[0] == "review-outdated"] == [("review-outdated", "reviews/2.yml", 3)]


def test_in_a_git_repository_the_commit_date_wins(project):
    root = dossier_with(project, {
        "reviews/1.yml": review(evidence="p.md", date="2024-06-01"),
        "reviews/2.yml": review(evidence="q.md", date="2024-05-01", D1_1="met"),
    })
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "dépôt", date="2024-05-10T12:00:00+00:00")
    # Both pages' modification times are *now*, after both reviews: git decides.
    now = datetime.now(timezone.utc).timestamp()
    for name in ("p.md", "q.md"):
        os.utime(root / "docs" / name, (now, now))
    dossier = run_check(root)
    flagged = [p for p in dossier.problems if p.code == "review-outdated"]
    assert as_tuples(flagged) == [("review-outdated", "reviews/2.yml", 3)]
    assert flagged[0].message("en") == "q.md changed on 2024-05-10, after this review"
    assert not dossier.reviews.current("p.md").outdated

    # An uncommitted change is a change made now.
    (root / "docs" / "p.md").write_text(evidence_page("D1.1", "D1.2", title="Modifiée"), encoding="utf-8")
    flagged = [f for f in check_problems(root) if f[0] == "review-outdated"]
    assert flagged == [("review-outdated", "reviews/1.yml", 3), ("review-outdated", "reviews/2.yml", 3)]


def test_parse_when():
    assert reviews.parse_when("2024-03-01") == datetime(2024, 3, 1, tzinfo=timezone.utc)
    assert reviews.parse_when("2024-03-01", end_of_day=True) == datetime(2024, 3, 1, 23, 59, 59, tzinfo=timezone.utc)
    assert reviews.parse_when("2024-03-01T10:00") == datetime(2024, 3, 1, 10, 0, tzinfo=timezone.utc)
    assert reviews.parse_when("2024-03-01 10:00:00+02:00") == datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)
    assert reviews.parse_when("2024-03-01T10:00Z") == datetime(2024, 3, 1, 10, 0, tzinfo=timezone.utc)
    for bad in ("2024-02-30", "hier", "", "2024-03-01T25:00"):
        assert reviews.parse_when(bad) is None
