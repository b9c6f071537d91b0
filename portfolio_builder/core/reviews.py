"""Tutor reviews: sidecar YAML files in ``reviews/``, one review per file.

Students' pages and tutors' verdicts stay apart: reviews live next to
mkdocs.yml, outside the docs folder. Several reviews of one piece of evidence
make its history; the latest is current.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from portfolio_builder.core import datafile, history
from portfolio_builder.core.evidence import Evidence
from portfolio_builder.core.paths import is_inside, regular_file
from portfolio_builder.core.project import Project
from portfolio_builder.core.problems import Problem, ProblemSink
from portfolio_builder.core.referential import Referential, check_level
from portfolio_builder.core.yamlread import YamlDoc

MET, PARTIALLY_MET, NOT_MET = "met", "partially_met", "not_met"
VERDICT_RANK = {MET: 3, PARTIALLY_MET: 2, NOT_MET: 1}
REVIEW_SUFFIXES = (".yml", ".yaml")
_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


@dataclass(slots=True)
class Review:
    file: str  # relative to the project folder
    evidence_path: str
    reviewer: str
    date: str
    verdicts: dict[str, str]
    comment: str = ""
    levels: dict[str, int] = field(default_factory=dict)  # code → level reached, where the referential has levels
    date_line: int = 1
    current: bool = False
    outdated: bool = False
    changed_on: str = ""  # when the evidence last changed, if after the review
    verified: bool = False  # from the tutors' side; False: a file of the dossier (« déclaré par le candidat »)

    def sort_key(self) -> tuple[datetime, str]:
        return (parse_when(self.date) or _EPOCH, self.file)


@dataclass(slots=True)
class ReviewIndex:
    reviews: list[Review] = field(default_factory=list)  # oldest first
    by_evidence: dict[str, list[Review]] = field(default_factory=dict)

    def current(self, evidence_path: str) -> Review | None:
        found = self.by_evidence.get(evidence_path)
        return found[-1] if found else None

    def best_status(self, code: str, evidence_paths: list[str]) -> str | None:
        """The best verdict on ``code`` among the current reviews of these pieces of evidence."""
        best = None
        for path in evidence_paths:
            review = self.current(path)
            verdict = review.verdicts.get(code) if review else None
            if verdict and (best is None or VERDICT_RANK[verdict] > VERDICT_RANK[best]):
                best = verdict
        return best

    def best_level(self, code: str, evidence_paths: list[str]) -> int | None:
        """The highest level the current reviews of these pieces of evidence record for ``code``."""
        found = [r.levels[code] for r in map(self.current, evidence_paths) if r is not None and code in r.levels]
        return max(found) if found else None

    def outdated_for(self, code: str, evidence_paths: list[str]) -> bool:
        """Whether a current verdict on ``code`` predates a change to its evidence."""
        for path in evidence_paths:
            review = self.current(path)
            if review is not None and review.outdated and code in review.verdicts:
                return True
        return False


def parse_when(text: str) -> datetime | None:
    """A review date: a day (taken as its end, so same-day edits don't count) or a moment."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def load(
    reviews_dir: Path,
    project: Project,
    evidence: list[Evidence],
    referential: Referential | None,
    display: str,
    verified: bool = False,
) -> tuple[ReviewIndex, list[Problem]]:
    """Every review under ``reviews_dir``; ``display`` prefixes file names in problems.

    ``verified``: the folder is the tutors' own (a cohort's ``--reviews``), not
    one the candidate could write (``core.authority``).
    """
    index = ReviewIndex()
    problems: list[Problem] = []
    if not reviews_dir.is_dir():
        return index, problems
    by_path = {e.path: e for e in evidence}
    by_id = {e.id: e for e in evidence}
    files = sorted(
        p
        for p in reviews_dir.rglob("*")
        # A review that is a link leaving its folder is not read (and a FIFO would block).
        if p.suffix in REVIEW_SUFFIXES and is_inside(p, reviews_dir if verified else project.root) and regular_file(p)
    )
    for path in files:
        sink = ProblemSink(f"{display}{path.relative_to(reviews_dir).as_posix()}")
        doc, _valid = datafile.read(path, sink, "review")
        if doc is not None:
            review = _review(doc, sink, by_path, by_id, referential)
            if review is not None:
                review.verified = verified
                index.reviews.append(review)
        problems.extend(sink.items)
    index.reviews.sort(key=Review.sort_key)
    for review in index.reviews:
        index.by_evidence.setdefault(review.evidence_path, []).append(review)
    for found in index.by_evidence.values():
        found[-1].current = True
    problems.extend(_flag_outdated(index, project.docs_dir, project.untrusted))
    return index, problems


def _review(
    doc: YamlDoc,
    sink: ProblemSink,
    by_path: dict[str, Evidence],
    by_id: dict[str, Evidence],
    referential: Referential | None,
) -> Review | None:
    raw = doc.data
    target_text = raw.get("evidence")
    if not isinstance(target_text, str):
        return None
    wanted = target_text.strip().removeprefix("./")
    target = by_path.get(wanted) or by_id.get(wanted)
    if target is None:
        close = difflib.get_close_matches(wanted, list(by_path) + list(by_id), n=1, cutoff=0.6)
        sink.error(
            "unknown-evidence",
            doc.pos(("evidence",)),
            "evidence",
            "review.unknown_evidence",
            hint_id="hint.did_you_mean" if close else "review.unknown_evidence.hint",
            hint_args={"suggestion": close[0]} if close else {},
            evidence=target_text,
        )
        return None
    verdicts: dict[str, str] = {}
    raw_verdicts = raw.get("verdicts") if isinstance(raw.get("verdicts"), dict) else {}
    for code, verdict in raw_verdicts.items():
        pos = doc.key_pos(("verdicts", code))
        if referential is not None and code not in referential.competencies:
            suggestion = referential.suggest(code)
            sink.error(
                "unknown-competency",
                pos,
                f"verdicts.{code}",
                "review.unknown_competency",
                hint_id="hint.did_you_mean" if suggestion else None,
                hint_args={"suggestion": suggestion} if suggestion else {},
                code=code,
            )
            continue
        if not isinstance(verdict, str) or verdict not in VERDICT_RANK:
            continue  # a value other than met/partially_met/not_met: reported by the schema
        if code not in target.codes:
            sink.warning(
                "unknown-competency",
                pos,
                f"verdicts.{code}",
                "review.unclaimed",
                hint_id="review.unclaimed.hint",
                hint_args={"code": code},
                code=code,
                evidence=target.path,
            )
        verdicts[code] = verdict
    levels: dict[str, int] = {}
    raw_levels = raw.get("levels") if isinstance(raw.get("levels"), dict) else {}
    for code, value in raw_levels.items():
        if referential is None:
            break
        pos = doc.key_pos(("levels", code))
        if code not in referential.competencies:
            suggestion = referential.suggest(code)
            sink.error(
                "unknown-competency", pos, f"levels.{code}", "review.unknown_competency",
                hint_id="hint.did_you_mean" if suggestion else None,
                hint_args={"suggestion": suggestion} if suggestion else {}, code=code,
            )
            continue
        level = check_level(value, referential.levels, doc.pos(("levels", code)), f"levels.{code}", sink, referential.id)
        if level is not None:
            levels[code] = level
    when = raw.get("date")
    if not isinstance(when, str) or parse_when(when) is None:
        if isinstance(when, str) and not any(p.field == "date" for p in sink.items):
            # (A date of the wrong form is already reported by the schema.)
            sink.error("schema", doc.pos(("date",)), "date", "schema.format.date", found=repr(when))
        return None  # a review that cannot be dated cannot be ordered
    return Review(
        file=sink.file,
        evidence_path=target.path,
        reviewer=str(raw.get("reviewer", "")).strip(),
        date=when,
        verdicts=verdicts,
        comment=str(raw.get("comment") or "").strip(),
        levels=levels,
        date_line=doc.pos(("date",))[0],
    )


def _flag_outdated(index: ReviewIndex, docs_dir: Path, untrusted: bool) -> list[Problem]:
    """Flag current reviews whose evidence changed after them."""
    current = [r for r in index.reviews if r.current]
    files = {docs_dir / r.evidence_path for r in current}
    changed = history.last_changed(docs_dir, sorted(files), untrusted=untrusted)
    problems: list[Problem] = []
    for review in current:
        when = changed.get(docs_dir / review.evidence_path)
        reviewed = parse_when(review.date)
        if when is None or reviewed is None or when <= reviewed:
            continue
        review.outdated = True
        review.changed_on = when.date().isoformat()
        sink = ProblemSink(review.file)
        sink.warning(
            "review-outdated",
            (review.date_line, 1),
            "date",
            "review.outdated",
            hint_id="review.outdated.hint",
            evidence=review.evidence_path,
            changed=review.changed_on,
        )
        problems.extend(sink.items)
    return problems
