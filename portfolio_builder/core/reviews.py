"""Tutor reviews: sidecar YAML files in ``reviews/``, one review per file.

Students' pages and tutors' verdicts stay apart: reviews live next to
mkdocs.yml, outside the docs folder. Several reviews of one piece of evidence
make its history; the latest is current.

A review pins what it reviewed: ``sha256`` (of the page's text) and/or
``commit`` (the git commit the tutor read), both written by ``portfolio
review``. « Modifiée depuis la revue » then compares content, never dates, and
with a commit the page shows what changed since. A review with only a date
(hand-written) is compared with the evidence's last change: a date alone is
taken as the start of its day, so a change made that day counts.

Everything here reads from ``reviews_dir``, whatever folder that is: a cohort
may point it at the tutors' own folder instead of the dossier's.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from portfolio_builder.core import datafile, history
from portfolio_builder.core.evidence import Evidence
from portfolio_builder.core.paths import is_inside, regular_file
from portfolio_builder.core.problems import Problem, ProblemSink
from portfolio_builder.core.project import Project
from portfolio_builder.core.referential import Referential, read_levels, unknown_code
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
    commit: str = ""  # the git commit the tutor reviewed, if recorded
    sha256: str = ""  # of the page's text as reviewed (see ``content_hash``), if recorded
    diff: list[tuple[str, str]] = field(default_factory=list)  # (kind, line) since the review, when known
    pin_line: int = 0  # the line of `sha256` (or `commit`)

    def sort_key(self) -> tuple[datetime, str]:
        # Ordering only: a date without a time sorts after that day's timed reviews.
        return (parse_when(self.date, end_of_day=True) or _EPOCH, self.file)


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


def parse_when(text: str, end_of_day: bool = False) -> datetime | None:
    """A review date: a day (its start, so a change made that day counts; its end with
    ``end_of_day``, to order reviews) or a moment."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end_of_day:
                return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=timezone.utc)
            return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
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
            unknown_code(sink, referential, code, pos, f"verdicts.{code}", "review.unknown_competency")
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
    levels = read_levels(raw.get("levels"), doc, sink, referential, "review.unknown_competency") if referential else {}
    when = raw.get("date")
    if not isinstance(when, str) or parse_when(when) is None:
        if isinstance(when, str) and not any(p.field == "date" for p in sink.items):
            # (A date of the wrong form is already reported by the schema.)
            sink.error("schema", doc.pos(("date",)), "date", "schema.format.date", found=repr(when))
        return None  # a review that cannot be dated cannot be ordered
    commit, digest = raw.get("commit"), raw.get("sha256")
    return Review(
        file=sink.file,
        evidence_path=target.path,
        reviewer=str(raw.get("reviewer", "")).strip(),
        date=when,
        verdicts=verdicts,
        comment=str(raw.get("comment") or "").strip(),
        levels=levels,
        date_line=doc.pos(("date",))[0],
        # Kept only in the form the schema allows (hex): a commit is passed to git.
        commit=commit.lower() if isinstance(commit, str) and _HEX.fullmatch(commit) and len(commit) >= 7 else "",
        sha256=digest.lower() if isinstance(digest, str) and _HEX.fullmatch(digest) and len(digest) == 64 else "",
        pin_line=doc.pos(("sha256",) if "sha256" in raw else ("commit",))[0] if ("sha256" in raw or "commit" in raw) else 0,
    )


_HEX = re.compile(r"[0-9a-fA-F]{7,64}")
# Beyond this many lines, the page shows the start of the diff (the rest is in git).
MAX_DIFF_LINES = 400


def normalised_text(data: bytes) -> bytes:
    """The page's text as compared across reviews: BOM dropped, line endings as LF
    (a Windows checkout of the same commit is the same content)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def content_hash(data: bytes) -> str:
    """What a review's ``sha256`` records: the SHA-256 of the normalised text."""
    return hashlib.sha256(normalised_text(data)).hexdigest()


def _text_lines(data: bytes) -> list[str]:
    return normalised_text(data).decode("utf-8", errors="replace").split("\n")


def diff_lines(before: bytes, after: bytes) -> list[tuple[str, str]]:
    """A unified diff as (kind, line): kind is ``hunk``, ``add``, ``del`` or ``same``."""
    lines: list[tuple[str, str]] = []
    for line in difflib.unified_diff(_text_lines(before), _text_lines(after), lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = {"@": "hunk", "+": "add", "-": "del"}.get(line[:1], "same")
        lines.append((kind, line))
        if len(lines) >= MAX_DIFF_LINES:
            lines.append(("hunk", "…"))
            break
    return lines


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _content_changed(review: Review, path: Path, now: bytes | None, docs_dir: Path) -> bool | None:
    """Whether the evidence's content differs from what the review pinned; ``None`` when
    the review pins nothing usable (a date only, or a commit this clone does not have)."""
    if now is None or not (review.sha256 or review.commit):
        return None
    if review.sha256 and content_hash(now) == review.sha256:
        return False  # the text reviewed: git is not even asked
    before = history.file_at(docs_dir, review.commit, path) if review.commit else None
    if review.sha256:
        changed = True
    elif before is not None:
        changed = normalised_text(before) != normalised_text(now)
    else:
        return None  # a commit this copy does not have (shallow clone, no .git): dates decide
    if changed and before is not None:
        review.diff = diff_lines(before, now)
    return changed


def _flag_outdated(index: ReviewIndex, docs_dir: Path, untrusted: bool) -> list[Problem]:
    """Flag current reviews whose evidence changed since: by content when the review pins
    it (sha256 or commit), else by date."""
    current = [r for r in index.reviews if r.current]
    files = {docs_dir / r.evidence_path for r in current}
    changed = history.last_changed(docs_dir, sorted(files), untrusted=untrusted)
    problems: list[Problem] = []
    for review in current:
        path = docs_dir / review.evidence_path
        when = changed.get(path)
        by_content = _content_changed(review, path, _read(path), docs_dir)
        if by_content is None:
            reviewed = parse_when(review.date)
            if when is None or reviewed is None or when <= reviewed:
                continue
        elif not by_content:
            continue
        review.outdated = True
        review.changed_on = when.date().isoformat() if when is not None else ""
        sink = ProblemSink(review.file)
        # Pinned by content: say what is known for sure (the text differs), the date as a detail.
        pinned = by_content is not None
        sink.warning(
            "review-outdated",
            ((review.pin_line or review.date_line) if pinned else review.date_line, 1),
            "sha256" if review.sha256 else ("commit" if pinned else "date"),
            "review.outdated_content" if pinned else "review.outdated",
            hint_id="review.outdated.hint",
            evidence=review.evidence_path,
            changed=review.changed_on,
        )
        problems.extend(sink.items)
    return problems


# -- writing a review (``portfolio review``) -------------------------------------------------


class ReviewRefused(Exception):
    """The review cannot be written; the arguments are (catalog key, arguments)."""


def find_evidence(evidence: list[Evidence], wanted: str) -> Evidence | None:
    """A piece of evidence by its docs-relative path or its id."""
    wanted = wanted.strip().removeprefix("./")
    return next((e for e in evidence if e.path == wanted), None) or next((e for e in evidence if e.id == wanted), None)


def new_review(
    project: Project,
    evidence: Evidence,
    reviewer: str,
    verdicts: dict[str, str],
    comment: str,
    now: datetime,
) -> dict:
    """The review document a tutor writes, pinned to what they read: the page's ``sha256``
    and, when the page on disk is the one committed, the ``commit``."""
    from portfolio_builder.core import schemas

    path = project.docs_dir / evidence.path
    data = path.read_bytes()
    document: dict = {
        "evidence": evidence.path,
        "reviewer": reviewer.strip(),
        "date": now.isoformat(timespec="minutes"),
        "verdicts": dict(verdicts),
    }
    if comment.strip():
        document["comment"] = comment.strip()
    commit = history.head_commit(project.docs_dir)
    if commit is not None:
        committed = history.file_at(project.docs_dir, commit, path)
        # Only a commit that holds exactly this text can show, later, what changed since.
        if committed is not None and normalised_text(committed) == normalised_text(data):
            document["commit"] = commit
    document["sha256"] = content_hash(data)
    errors = list(schemas.validator("review").iter_errors(document))
    if errors:
        raise ReviewRefused("schema.generic", {"detail": errors[0].message})
    return document


def write_review(reviews_dir: Path, document: dict) -> Path:
    """Write the review into ``reviews_dir`` under a new name (never over another review),
    atomically: a reader never sees half a review."""
    import os
    import tempfile

    import yaml

    from portfolio_builder.core.view import slug

    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    reviews_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{document['date'][:10]}-{slug(document['reviewer'], 'tuteur')}-{slug(document['evidence'].rsplit('.', 1)[0], 'preuve')}"
    fd, tmp = tempfile.mkstemp(prefix=".review-", suffix=".tmp", dir=reviews_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        for n in range(1, 1000):
            target = reviews_dir / (f"{stem}.yml" if n == 1 else f"{stem}-{n}.yml")
            try:
                os.link(tmp, target)  # fails if the name is taken: an earlier review stays
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links: exclusive creation instead
                try:
                    with open(target, "x", encoding="utf-8") as handle:
                        handle.write(text)
                except FileExistsError:
                    continue
            return target
        raise FileExistsError(str(reviews_dir / f"{stem}.yml"))
    finally:
        Path(tmp).unlink(missing_ok=True)
