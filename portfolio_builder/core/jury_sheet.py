"""The jury session's decision sheet, as data: its columns and rows out, every cell back in.

Pure: no spreadsheet library here. ``portfolio_builder.spreadsheet`` writes a
``Sheet`` as XLSX or CSV and reads a file back into two ``Grid``s (the session
block and the decision table); this module says what each cell means and
validates every one of them, so an import either knows exactly what to write
or lists every problem at ``FILE:row:column``.

The sheet identifies itself: its format, the session, the referential's id and
version, the candidates it was made for and the code of each column. A sheet of
another session or referential, a column moved or renamed, a row added by hand
is detected and named, never silently imported.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from portfolio_builder.core import datafile, schemas
from portfolio_builder.core.problems import Problem, ProblemSink
from portfolio_builder.core.project import valid_student_id
from portfolio_builder.core.referential import Referential, suggest_code
from portfolio_builder.core.rules import NOT_VALIDATED, VALIDATED
from portfolio_builder.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate

FORMAT = "portfolio-jury-sheet"
VERSION = 1
SCORE_MIN, SCORE_MAX = 0, 100  # QCM scores are recorded out of 100, as in the sample jury file
MAX_COMMENT = 4000
# Where a cell can hold several ids (the session block), they are separated by spaces.
CELL_TEXT_LIMIT = 30000

# Column kinds
IDENTITY, INFO, DECISION, QCM, SCORE, COMMENT = "identity", "info", "decision", "qcm", "score", "comment"
LEVEL, CONDITION = "level", "condition"  # where the referential has levels, or conditions only a jury attests
_PREFIXES = {"info": INFO, "qcm": QCM, "score": SCORE, "level": LEVEL, "condition": CONDITION}
# Stable codes of the session block's rows (the first cell holds their label, in either language).
META_KEYS = ("session", "institution", "referential", "date", "members", "candidates", "columns")


def valid_id(text: str) -> bool:
    """A jury file is `<id>.yml`: an id follows the student number's rule (letters, digits,
    `-` and `_`, at most 64, declared once in the dossier schema), so it is never a path."""
    return isinstance(text, str) and valid_student_id(text)


# --- what the sheet shows ---------------------------------------------------------------


@dataclass(slots=True)
class Facts:
    """What the dossier says about one competency: the jury reads it, it decides nothing."""

    evidence: int = 0
    verdict: str | None = None  # the latest current tutor verdict on it
    outdated: bool = False  # that verdict predates a change to the evidence


@dataclass(slots=True)
class Candidate:
    key: str  # the jury file's name without `.yml`: the student number
    name: str
    student_id: str
    institution: str
    source: str  # the dossier's folder, as given
    facts: dict[str, Facts] = field(default_factory=dict)
    decisions: dict[str, str] = field(default_factory=dict)
    qcm: dict[str, tuple[bool, float | None]] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    conditions: dict[str, str] = field(default_factory=dict)
    qcm_domains: set[str] | None = None  # the domains whose QCM counts for this candidate (None: the referential's)
    comment: str = ""
    jury_date: str = ""
    jury_members: tuple[str, ...] = ()
    has_jury: bool = False
    outcome: str = "pending"
    validated_domains: list[str] = field(default_factory=list)
    carried_over: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Session:
    referential: Referential
    session: str
    institution: str
    language: str = "fr"
    title: str = ""
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def qcm_domains(self) -> set[str] | None:
        """The domains whose QCM counts this session, for one candidate at least (None: the referential's)."""
        known = [c.qcm_domains for c in self.candidates if c.qcm_domains is not None]
        return set().union(*known) if known else None

    def jury_meta(self) -> tuple[str, tuple[str, ...]]:
        """The date and members most jury files of the session agree on (empty before the jury)."""
        seen = Counter((c.jury_date, c.jury_members) for c in self.candidates if c.has_jury)
        return seen.most_common(1)[0][0] if seen else ("", ())


@dataclass(frozen=True, slots=True)
class Column:
    code: str  # stable, written in the sheet's code row: id, name, info:D1.1, D1.1, qcm:D1, score:D1, comment
    kind: str
    subject: str = ""  # the competency or domain code


def columns(referential: Referential, qcm_domains: set[str] | None = None) -> list[Column]:
    """The table's columns, domain by domain: each competency's facts, its decision (and level, where
    the referential has levels), then the domain's QCM where it counts this session; then the
    conditions only a jury attests, and a comment. ``qcm_domains``: the session's QCM setting."""
    if qcm_domains is None:
        qcm_domains = {d.code for d in referential.domains} if referential.rules.qcm_per_domain else set()
    cols = [Column("id", IDENTITY), Column("name", IDENTITY), Column("institution", IDENTITY)]
    for domain in referential.domains:
        for code in domain.codes:
            cols += [Column(f"info:{code}", INFO, code), Column(code, DECISION, code)]
            if referential.levels is not None:
                cols.append(Column(f"level:{code}", LEVEL, code))
        if domain.code in qcm_domains:
            cols += [Column(f"qcm:{domain.code}", QCM, domain.code), Column(f"score:{domain.code}", SCORE, domain.code)]
    cols += [Column(f"condition:{c.id}", CONDITION, c.id) for c in referential.rules.conditions]
    cols.append(Column("comment", COMMENT))
    return cols


def column_label(column: Column, lang: str) -> str:
    if column.kind in (IDENTITY, COMMENT):
        return translate(lang, f"sheet.column.{column.code}")
    return translate(lang, f"sheet.column.{column.kind}", code=column.subject)


def column_letter(index: int) -> str:
    """1 → A, 27 → AA: how a spreadsheet names a column."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def facts_text(facts: Facts, lang: str) -> str:
    """« 2 preuve(s) · acquis · modifiée depuis la revue »: what the jury needs, not a decision."""
    if not facts.evidence:
        return translate(lang, "sheet.info.none")
    parts = [translate(lang, "sheet.info.evidence", count=facts.evidence)]
    parts.append(translate(lang, f"review.{facts.verdict}") if facts.verdict else translate(lang, "sheet.info.no_review"))
    if facts.outdated:
        parts.append(translate(lang, "review.modified_since"))
    return " · ".join(parts)


def decision_words(lang: str) -> list[str]:
    """The drop-down of a decision cell: validée, non validée, vide."""
    return [translate(lang, "decision.validated"), translate(lang, "decision.not_validated"), translate(lang, "sheet.empty")]


def qcm_words(lang: str) -> list[str]:
    return [translate(lang, "sheet.qcm.passed"), translate(lang, "sheet.qcm.failed"), translate(lang, "sheet.empty")]


def condition_words(lang: str) -> list[str]:
    return [translate(lang, "sheet.condition.met"), translate(lang, "sheet.condition.not_met"), translate(lang, "sheet.empty")]


@dataclass
class Sheet:
    """Everything a spreadsheet file holds, before any file format."""

    lang: str
    title: str
    meta: list[list[Any]]  # the session block, row by row
    columns: list[Column]
    labels: list[str]
    rows: list[list[Any]]
    notes: dict[int, str] = field(default_factory=dict)  # 0-based column → the competency's title
    editable_meta: tuple[int, ...] = ()  # 0-based rows of the session block the jury fills in
    level_range: tuple[int, int] | None = None  # the referential's levels (CRCN: 1 to 8)


def meta_label(key: str, lang: str) -> str:
    return translate(lang, f"sheet.meta.{key}")


def chunks(words: list[str], limit: int = CELL_TEXT_LIMIT) -> list[str]:
    """Space-separated words in cells no longer than ``limit`` (a spreadsheet cell holds 32,767)."""
    cells, current = [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > limit:
            cells.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return cells + ([current] if current else [])


def build_sheet(session: Session) -> Sheet:
    lang = session.language
    ref = session.referential
    cols = columns(ref, session.qcm_domains)
    jury_date, members = session.jury_meta()
    meta: list[list[Any]] = [
        [FORMAT, VERSION, translate(lang, "sheet.format_note")],
        [meta_label("session", lang), session.session],
        [meta_label("institution", lang), session.institution],
        [meta_label("referential", lang), ref.id, ref.version, ref.short_title],
        [meta_label("date", lang), jury_date],
        [meta_label("members", lang), *members],
        [meta_label("candidates", lang), *chunks([c.key for c in session.candidates])],
        [meta_label("columns", lang), *chunks([c.code for c in cols])],
    ]
    domain_of = {code: c.domain for code, c in ref.competencies.items()}
    rows = [[_cell(candidate, col, lang, domain_of) for col in cols] for candidate in session.candidates]
    conditions = {c.id: c.title for c in ref.rules.conditions}
    notes = {
        i: (
            conditions[c.subject] if c.kind == CONDITION
            else ref.competencies[c.subject].title if c.subject in ref.competencies
            else ref.domain_index[c.subject].title
        )
        for i, c in enumerate(cols)
        if c.subject
    }
    if ref.levels is not None:
        span = translate(lang, "sheet.level.note", low=ref.levels.min, high=ref.levels.max)
        notes.update({i: f"{notes[i]} — {span}" for i, c in enumerate(cols) if c.kind == LEVEL})
    title = translate(lang, "sheet.title", referential=ref.short_title, session=session.session)
    levels = (ref.levels.min, ref.levels.max) if ref.levels is not None else None
    return Sheet(lang, title, meta, cols, [column_label(c, lang) for c in cols], rows, notes, editable_meta=(4, 5), level_range=levels)


def _cell(candidate: Candidate, col: Column, lang: str, domain_of: dict[str, str]) -> Any:
    if col.kind == IDENTITY:
        return {"id": candidate.key, "name": candidate.name, "institution": candidate.institution}[col.code]
    if col.kind == INFO:
        if domain_of.get(col.subject) in candidate.carried_over:
            return translate(lang, "sheet.info.carried", domain=domain_of[col.subject])
        return facts_text(candidate.facts.get(col.subject, Facts()), lang)
    if col.kind == DECISION:
        decision = candidate.decisions.get(col.subject)
        return translate(lang, f"decision.{decision}") if decision else ""
    if col.kind == QCM:
        result = candidate.qcm.get(col.subject)
        return "" if result is None else translate(lang, "sheet.qcm.passed" if result[0] else "sheet.qcm.failed")
    if col.kind == SCORE:
        result = candidate.qcm.get(col.subject)
        return "" if result is None or result[1] is None else result[1]
    if col.kind == LEVEL:
        return candidate.levels.get(col.subject, "")
    if col.kind == CONDITION:
        state = candidate.conditions.get(col.subject)
        return translate(lang, f"sheet.condition.{state}") if state in ("met", "not_met") else ""
    return candidate.comment


# --- reading it back --------------------------------------------------------------------


@dataclass(slots=True)
class Grid:
    """Cells as a file gave them: ``rows`` are (row number, values), ``label`` names the file (and sheet)."""

    label: str
    rows: list[tuple[int, list[Any]]]


@dataclass(slots=True)
class SheetMeta:
    session: str = ""
    institution: str = ""
    referential_id: str = ""
    referential_version: str = ""
    date: str = ""
    members: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    lang: str = "fr"
    rows: dict[str, int] = field(default_factory=dict)  # key → its row in the session block


@dataclass(slots=True)
class RowDecisions:
    key: str
    row: int
    institution: str
    name: str
    decisions: dict[str, str] = field(default_factory=dict)
    qcm: dict[str, tuple[bool, float | None]] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    conditions: dict[str, str] = field(default_factory=dict)
    comment: str = ""


@dataclass
class Expected:
    """What the import checks the sheet against: the cohort when given, else what the sheet itself says."""

    referential: Referential | None = None
    session: str | None = None
    institution: str | None = None
    candidates: dict[str, str] | None = None  # key → name
    qcm_domains: set[str] | None = None  # the session's QCM setting, when the cohort is read


def text_of(value: Any) -> str:
    """A cell as text: numbers a spreadsheet made of a student number come back as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    return str(value).strip()


def _fold(text: str) -> str:
    """« Non  Validée » → « non validee »: the words compared without case, accents or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.replace("_", " ").casefold().split())


def _words(keys: tuple[str, ...], *extra: str) -> set[str]:
    return {_fold(translate(lang, key)) for key in keys for lang in LANGUAGES} | {_fold(e) for e in extra}


_VALIDATED = _words(("decision.validated",), "validated", "valide", "validé")
_NOT_VALIDATED = _words(("decision.not_validated",), "not_validated", "non valide", "non validé", "not validated")
_EMPTY = _words(("sheet.empty",), "-", "—", "–")
_PASSED = _words(("sheet.qcm.passed",), "passed", "reussi", "réussie")
_FAILED = _words(("sheet.qcm.failed",), "failed", "not passed", "non reussie", "echoue", "échoué")
_MET = _words(("sheet.condition.met",), "met", "oui", "yes", "rempli")
_NOT_MET = _words(("sheet.condition.not_met",), "not_met", "non", "no", "non rempli")


def _meta_key(label: Any) -> str | None:
    folded = _fold(text_of(label))
    for key in META_KEYS:
        if folded in {_fold(meta_label(key, lang)) for lang in LANGUAGES}:
            return key
    return None


def read_meta(grid: Grid) -> tuple[SheetMeta | None, list[Problem]]:
    """The session block; ``None`` (with one problem) when the file is not a jury sheet at all."""
    sink = ProblemSink(grid.label)
    rows = [(n, cells) for n, cells in grid.rows if any(text_of(c) for c in cells)]
    first = rows[0] if rows else (1, [])
    cells = first[1] + [None, None]
    if text_of(cells[0]) != FORMAT:
        sink.error("sheet-mismatch", (first[0], 1), "A1", "sheet.not_a_sheet", hint_id="sheet.not_a_sheet.hint")
        return None, sink.items
    if text_of(cells[1]) != str(VERSION):
        sink.error(
            "sheet-mismatch", (first[0], 2), "B1", "sheet.other_version", hint_id="sheet.fresh.hint",
            found=text_of(cells[1]), expected=VERSION,
        )
        return None, sink.items
    meta = SheetMeta()
    seen: dict[str, int] = {}
    positions: dict[str, int] = {}
    for number, row in rows[1:]:
        key = _meta_key(row[0] if row else "")
        if key is None:
            sink.error(
                "sheet-mismatch", (number, 1), f"A{number}", "sheet.unknown_meta", hint_id="sheet.fresh.hint",
                found=text_of(row[0]) if row else "",
            )
            continue
        if key in seen:
            sink.error("duplicate-row", (number, 1), f"A{number}", "sheet.duplicate_meta", key=text_of(row[0]), row=seen[key])
            continue
        seen[key] = positions[key] = meta.rows[key] = number
        values = [text_of(v) for v in row[1:]]
        while values and not values[-1]:
            values.pop()
        if key == "referential":
            values += ["", ""]
            meta.referential_id, meta.referential_version = values[0], values[1]
        elif key in ("members", "candidates", "columns"):
            words = [v for v in values if v]
            if key == "members":
                meta.members = words
            else:
                setattr(meta, key, [w for cell in words for w in cell.split()])
        elif key == "date":
            meta.date = _date_text(row[1] if len(row) > 1 else None)
        else:
            setattr(meta, key, values[0] if values else "")
        # The block's language: the one its labels are written in (for the jury files' messages).
        label = _fold(text_of(row[0]))
        if label != _fold(meta_label(key, DEFAULT_LANGUAGE)):
            meta.lang = next((lang for lang in LANGUAGES if label == _fold(meta_label(key, lang))), meta.lang)
    for key in META_KEYS:
        if key not in seen:
            sink.error("sheet-mismatch", (first[0], 1), "", "sheet.missing_meta", hint_id="sheet.fresh.hint", key=meta_label(key, meta.lang))
    # The jury fills in these two: without them a jury file would be invalid.
    if "date" in positions:
        line = positions["date"]
        if not meta.date:
            sink.error("missing-metadata", (line, 2), f"B{line}", "sheet.date_missing", hint_id="sheet.date.hint")
        elif not _valid_date(meta.date):
            sink.error("schema", (line, 2), f"B{line}", "sheet.date_invalid", hint_id="sheet.date.hint", found=meta.date)
    if "members" in positions and not meta.members:
        line = positions["members"]
        sink.error("missing-metadata", (line, 2), f"B{line}", "sheet.members_missing", hint_id="sheet.members.hint")
    for key in ("session", "institution"):
        if key in positions and not getattr(meta, key) and key == "session":
            line = positions[key]
            sink.error("missing-metadata", (line, 2), f"B{line}", "sheet.session_missing")
    bad = [k for k in meta.candidates if not valid_id(k)]
    if bad and "candidates" in positions:
        line = positions["candidates"]
        sink.error("unknown-candidate", (line, 2), f"B{line}", "sheet.bad_id", hint_id="sheet.bad_id.hint", found=bad[0][:80])
    return meta, sink.items


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _date_text(value: Any) -> str:
    """A spreadsheet date (a datetime, or 24/06/2027 as French spreadsheets write it) as YYYY-MM-DD."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    text = text_of(value)
    match = _DMY.match(text)
    if match:
        day, month, year = match.groups()
        candidate = f"{year}-{int(month):02d}-{int(day):02d}"
        return candidate if _valid_date(candidate) else text
    return text


def _valid_date(text: str) -> bool:
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)) and date.fromisoformat(text) is not None
    except ValueError:
        return False


def check_identity(meta: SheetMeta, expected: Expected, sink: ProblemSink) -> None:
    """Another session's or another referential's sheet is named, never imported."""
    ref = expected.referential

    def at(key: str) -> tuple[tuple[int, int], str]:
        row = meta.rows.get(key, 1)
        return (row, 2), f"B{row}"

    if expected.session is not None and meta.session and meta.session != expected.session:
        sink.error(
            "sheet-mismatch", *at("session"), "sheet.other_session", hint_id="sheet.fresh.hint",
            found=meta.session, expected=expected.session,
        )
    if expected.institution and meta.institution and meta.institution != expected.institution:
        sink.error(
            "sheet-mismatch", *at("institution"), "sheet.other_institution", hint_id="sheet.fresh.hint",
            found=meta.institution, expected=expected.institution,
        )
    if ref is not None and (meta.referential_id, meta.referential_version) != (ref.id, ref.version):
        sink.error(
            "sheet-mismatch", *at("referential"), "sheet.other_referential", hint_id="sheet.fresh.hint",
            found=f"{meta.referential_id} {meta.referential_version}".strip(), expected=f"{ref.id} {ref.version}",
        )
    elif ref is not None and meta.columns and not _columns_fit(meta.columns, ref, expected.qcm_domains):
        sink.error("sheet-mismatch", *at("columns"), "sheet.columns_tampered", hint_id="sheet.fresh.hint", referential=ref.id)


def _columns_fit(listed: list[str], ref: Referential, qcm_domains: set[str] | None) -> bool:
    """The sheet's column list is the referential's (its QCM columns: the session's setting, or any domain's)."""
    if qcm_domains is not None:
        return listed == [c.code for c in columns(ref, qcm_domains)]
    domains = {c.split(":", 1)[1] for c in listed if c.startswith("qcm:")}
    return domains <= set(ref.domain_index) and listed == [c.code for c in columns(ref, domains)]


def read_table(grid: Grid, meta: SheetMeta, expected: Expected) -> tuple[list[RowDecisions], list[Problem]]:
    """Every decision row, validated cell by cell; every problem at its row and column."""
    sink = ProblemSink(grid.label)
    rows = grid.rows
    code_row = _find_code_row(rows)
    if code_row is None:
        sink.error("sheet-column", (1, 1), "", "sheet.no_code_row", hint_id="sheet.fresh.hint")
        return [], sink.items
    code_number, code_cells = rows[code_row]
    found = [text_of(c) for c in code_cells]
    wanted = meta.columns or ([c.code for c in columns(expected.referential, expected.qcm_domains)] if expected.referential else [])
    known_codes = set(expected.referential.competencies) if expected.referential else {c for c in wanted if ":" not in c}
    by_code = _columns_by_code(found, wanted, known_codes, code_number, sink)
    kinds = _kinds(wanted)
    candidates = expected.candidates if expected.candidates is not None else {k: "" for k in meta.candidates}
    decisions: list[RowDecisions] = []
    first_row: dict[str, int] = {}
    for number, cells in rows[code_row + 1 :]:
        values = list(cells)
        if not any(text_of(v) for v in values):
            continue  # blank rows, left by the jury or the spreadsheet
        if "id" not in by_code:
            break
        if _is_label_row(values, by_code):
            continue  # the human header row, when a spreadsheet moved it below the codes

        def cell(code: str, values: list[Any] = values) -> Any:
            index = by_code.get(code)
            return values[index] if index is not None and index < len(values) else None

        key = text_of(cell("id"))
        where = _ref(by_code["id"], number)
        if not key:
            sink.error("unknown-candidate", (number, by_code["id"] + 1), where, "sheet.no_id", hint_id="sheet.no_id.hint")
            continue
        if not valid_id(key):
            sink.error(
                "unknown-candidate", (number, by_code["id"] + 1), where, "sheet.bad_id", hint_id="sheet.bad_id.hint",
                found=key[:80],
            )
            continue
        if key not in candidates:
            suggestion = _suggest_id(key, list(candidates))
            sink.error(
                "unknown-candidate", (number, by_code["id"] + 1), where, "sheet.unknown_candidate",
                hint_id="hint.did_you_mean" if suggestion else "sheet.unknown_candidate.hint",
                hint_args={"suggestion": suggestion} if suggestion else {},
                found=key,
            )
            continue
        if key in first_row:
            sink.error(
                "duplicate-row", (number, by_code["id"] + 1), where, "sheet.duplicate_row",
                hint_id="sheet.duplicate_row.hint", key=key, row=first_row[key],
            )
            continue
        first_row[key] = number
        result = RowDecisions(key, number, text_of(cell("institution")), text_of(cell("name")))
        for code, index in by_code.items():
            kind = kinds.get(code)
            if kind not in (DECISION, QCM, SCORE, COMMENT, LEVEL, CONDITION):
                continue
            value = values[index] if index < len(values) else None
            position = (number, index + 1)
            label = f"{_ref(index, number)} {code} ({key})"
            if kind == DECISION:
                decision = _decision(value, position, label, sink, meta.lang)
                if decision:
                    result.decisions[code] = decision
            elif kind == LEVEL:
                level = _level(value, position, label, sink, expected.referential)
                if level is not None:
                    result.levels[code.split(":", 1)[1]] = level
            elif kind == CONDITION:
                state = _condition(value, position, label, sink)
                if state:
                    result.conditions[code.split(":", 1)[1]] = state
            elif kind == COMMENT:
                text = text_of(value)
                if len(text) > MAX_COMMENT:
                    sink.error("schema", position, label, "sheet.comment_too_long", limit=MAX_COMMENT)
                result.comment = text
        for domain in {code.split(":", 1)[1] for code in by_code if kinds.get(code) == QCM}:
            _qcm(domain, cell, by_code, number, key, result, sink)
        decisions.append(result)
    return decisions, sink.items


def _find_code_row(rows: list[tuple[int, list[Any]]]) -> int | None:
    for index, (_number, cells) in enumerate(rows[:50]):
        if cells and text_of(cells[0]) == "id":
            return index
    return None


def _is_label_row(values: list[Any], by_code: dict[str, int]) -> bool:
    first = _fold(text_of(values[by_code["id"]])) if by_code["id"] < len(values) else ""
    return first in {_fold(translate(lang, "sheet.column.id")) for lang in LANGUAGES}


def _ref(index: int, number: int) -> str:
    return f"{column_letter(index + 1)}{number}"


def _kinds(codes: list[str]) -> dict[str, str]:
    kinds = {}
    for code in codes:
        prefix = code.split(":", 1)[0] if ":" in code else ""
        if code in ("id", "name", "institution"):
            kinds[code] = IDENTITY
        elif code == "comment":
            kinds[code] = COMMENT
        elif prefix:
            kinds[code] = _PREFIXES.get(prefix, "")
        else:
            kinds[code] = DECISION
    return kinds


def _columns_by_code(
    found: list[str], wanted: list[str], known: set[str], number: int, sink: ProblemSink
) -> dict[str, int]:
    """Each expected column's index; a moved, renamed, missing or unknown column is a problem.

    Columns are still read by their code, so that the cells' own problems are listed
    too; any column problem refuses the import.
    """
    while found and not found[-1]:
        found.pop()
    by_code: dict[str, int] = {}
    flagged: set[int] = set()

    def flag(index: int, problem: str, message_id: str, /, **kw: Any) -> None:
        flagged.add(index)
        sink.error(problem, (number, index + 1), _ref(index, number), message_id, **kw)

    for index, code in enumerate(found):
        expected_here = wanted[index] if index < len(wanted) else ""
        if code and code in by_code:
            flag(index, "sheet-column", "sheet.column_twice", hint_id="sheet.column.hint", code=code,
                 other=column_letter(by_code[code] + 1))
        elif code and code == expected_here:
            by_code[code] = index
        elif code and code in wanted:
            by_code[code] = index
            flag(index, "sheet-column", "sheet.column_moved", hint_id="sheet.column.hint", code=code,
                 expected=expected_here or "—", place=column_letter(wanted.index(code) + 1))
        elif code and ":" not in code and code not in known and (not expected_here or _kinds([expected_here])[expected_here] == DECISION):
            # Where a decision column is expected, the code is the competency's: name it.
            suggestion = expected_here or suggest_code(code, sorted(known))
            flag(index, "unknown-competency", "sheet.unknown_competency",
                 hint_id="hint.did_you_mean" if suggestion else "sheet.column.hint",
                 hint_args={"suggestion": suggestion} if suggestion else {}, code=code)
        elif expected_here:
            flag(index, "sheet-column", "sheet.column_renamed", hint_id="sheet.column.hint",
                 found=code or "—", expected=expected_here)
        elif code:
            flag(index, "sheet-column", "sheet.column_extra", hint_id="sheet.column.hint", found=code)
    for index, code in enumerate(wanted):
        if code not in by_code and index not in flagged:
            flag(index, "sheet-column", "sheet.column_missing", hint_id="sheet.column.hint", code=code)
    return by_code


def _decision(value: Any, position: tuple[int, int], label: str, sink: ProblemSink, lang: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    folded = _fold(text_of(value)) if isinstance(value, str) else None
    if folded in _VALIDATED:
        return VALIDATED
    if folded in _NOT_VALIDATED:
        return NOT_VALIDATED
    if folded in _EMPTY:
        return None
    choices = sorted(_VALIDATED | _NOT_VALIDATED)
    close = difflib.get_close_matches(folded or "", choices, n=1, cutoff=0.6)
    suggestion = None
    if close:
        suggestion = translate(lang, "decision.validated" if close[0] in _VALIDATED else "decision.not_validated")
    sink.error(
        "not-a-decision", position, label, "sheet.not_a_decision",
        hint_id="hint.did_you_mean" if suggestion else "sheet.not_a_decision.hint",
        hint_args={"suggestion": suggestion} if suggestion else {},
        found=_shown(value),
    )
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _level(value: Any, position: tuple[int, int], label: str, sink: ProblemSink, ref: Referential | None) -> int | None:
    """A level the referential knows (CRCN: 1 to 8), or a problem."""
    if _blank(value):
        return None
    number = _score(value)
    levels = ref.levels if ref is not None else None
    low, high = (levels.min, levels.max) if levels is not None else (0, 99)
    if number is None or not number.is_integer() or not low <= number <= high:
        sink.error(
            "level-out-of-range", position, label, "sheet.level_out_of_range",
            hint_id="sheet.level.hint", found=_shown(value), low=low, high=high,
        )
        return None
    return int(number)


def _condition(value: Any, position: tuple[int, int], label: str, sink: ProblemSink) -> str | None:
    if _blank(value):
        return None
    folded = _fold(text_of(value)) if isinstance(value, str) else None
    if folded in _MET:
        return "met"
    if folded in _NOT_MET:
        return "not_met"
    if folded in _EMPTY:
        return None
    sink.error("not-a-decision", position, label, "sheet.not_a_condition", hint_id="sheet.condition.hint", found=_shown(value))
    return None


def _qcm(domain: str, cell, by_code: dict[str, int], number: int, key: str, result: RowDecisions, sink: ProblemSink) -> None:
    result_code, score_code = f"qcm:{domain}", f"score:{domain}"
    raw, raw_score = cell(result_code), cell(score_code)
    position = (number, by_code[result_code] + 1)
    label = f"{_ref(by_code[result_code], number)} QCM {domain} ({key})"
    passed: bool | None = None
    if not (raw is None or (isinstance(raw, str) and not raw.strip())):
        folded = _fold(text_of(raw)) if isinstance(raw, str) else None
        if folded in _PASSED:
            passed = True
        elif folded in _FAILED:
            passed = False
        elif folded not in _EMPTY:
            sink.error("not-a-decision", position, label, "sheet.not_a_qcm_result", hint_id="sheet.qcm.hint", found=_shown(raw))
            return
    score: float | None = None
    if score_code in by_code and not (raw_score is None or (isinstance(raw_score, str) and not raw_score.strip())):
        score_position = (number, by_code[score_code] + 1)
        score_label = f"{_ref(by_code[score_code], number)} QCM {domain} ({key})"
        score = _score(raw_score)
        if score is None:
            sink.error(
                "score-out-of-range", score_position, score_label, "sheet.score_not_number",
                hint_id="sheet.score.hint", found=_shown(raw_score), low=SCORE_MIN, high=SCORE_MAX,
            )
            return
        if not SCORE_MIN <= score <= SCORE_MAX:
            sink.error(
                "score-out-of-range", score_position, score_label, "sheet.score_out_of_range",
                hint_id="sheet.score.hint", found=_shown(raw_score), low=SCORE_MIN, high=SCORE_MAX,
            )
            return
    if passed is None:
        if score is not None:
            sink.error("not-a-decision", position, label, "sheet.score_without_result", hint_id="sheet.qcm.hint")
        return
    result.qcm[domain] = (passed, score)


def _score(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = text_of(value).replace("\u00a0", "").replace(" ", "")
        if not re.fullmatch(r"[+-]?\d+(?:[.,]\d+)?", text):
            return None
        number = float(text.replace(",", "."))
    return number if math.isfinite(number) else None


def _shown(value: Any) -> str:
    text = text_of(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _suggest_id(key: str, known: list[str]) -> str | None:
    # A spreadsheet that read a student number as a number drops its leading zeros.
    stripped = [k for k in known if k.lstrip("0") == key.lstrip("0")]
    if len(stripped) == 1:
        return stripped[0]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
    return close[0] if close else None


# --- what an import writes ------------------------------------------------------------------


@dataclass
class Change:
    key: str
    name: str
    path: Path
    document: dict[str, Any] | None  # None: nothing to write
    changes: list[str]  # human lines, in the sheet's language
    created: bool = False


def existing_jury(path: Path, sink: ProblemSink) -> dict[str, Any] | None:
    """A candidate's current jury file, validated; problems go to ``sink``."""
    if not path.exists() and not path.is_symlink():
        return None
    if path.is_symlink() or not path.is_file():
        sink.error("config", (1, 1), "", "sheet.jury_not_file", path=str(path))
        return None
    doc, valid = datafile.read(path, sink, "jury")
    return doc.data if doc is not None and valid else None


def plan(
    rows: list[RowDecisions],
    meta: SheetMeta,
    juries: Path,
    lang: str,
    expected: Expected,
    names: dict[str, str],
    table_label: str = "",
) -> tuple[list[Change], list[Problem]]:
    """What each row changes in its jury file; every unreadable or other-session file is a problem."""
    problems: list[Problem] = []
    result: list[Change] = []
    for row in rows:
        path = juries / f"{row.key}.yml"
        sink = ProblemSink(str(path))
        current = existing_jury(path, sink)
        problems.extend(sink.items)
        if any(p.is_error for p in sink.items):
            continue
        if current is not None and str(current.get("session", "")) != meta.session:
            sink.error(
                "sheet-mismatch", (1, 1), "session", "sheet.file_other_session", hint_id="sheet.fresh.hint",
                found=str(current.get("session", "")), expected=meta.session,
            )
            problems.extend(sink.items)
            continue
        institution = meta.institution or row.institution or str((current or {}).get("institution", ""))
        document = dict(current or {})
        document.update(
            session=meta.session,
            date=meta.date,
            institution=institution,
            members=list(meta.members),
            decisions=_ordered(row.decisions, expected, meta),
        )
        qcm = {d: ({"passed": p} | ({"score": s} if s is not None else {})) for d, (p, s) in sorted(row.qcm.items())}
        for key, values in (("qcm", qcm), ("levels", dict(row.levels)), ("conditions", dict(row.conditions))):
            if values:
                document[key] = values
            else:
                document.pop(key, None)
        if row.comment:
            document["comment"] = row.comment
        else:
            document.pop("comment", None)
        name = names.get(row.key) or row.name
        if current is None and not (row.decisions or row.qcm or row.levels or row.conditions or row.comment):
            result.append(Change(row.key, name, path, None, []))
            continue
        at_row = ProblemSink(table_label or str(path))  # what the row lacks is named at the row
        if not institution:
            at_row.error("missing-metadata", (row.row, 3), f"C{row.row}", "sheet.institution_missing")
            problems.extend(at_row.items)
            continue
        errors = list(schemas.validator("jury").iter_errors(document))
        if errors:
            at_row.error("schema", (row.row, 1), f"A{row.row}", "schema.generic", detail=errors[0].message)
            problems.extend(at_row.items)
            continue
        changes = describe_changes(current, document, lang)
        result.append(Change(row.key, name, path, document if changes else None, changes, created=current is None))
    return result, problems


def _ordered(decisions: dict[str, str], expected: Expected, meta: SheetMeta) -> dict[str, str]:
    order = [c for c in meta.columns if ":" not in c and c not in ("id", "name", "institution", "comment")]
    rank = {code: i for i, code in enumerate(order)}
    return dict(sorted(decisions.items(), key=lambda item: rank.get(item[0], len(rank))))


def _qcm_text(value: Any, lang: str) -> str:
    if not isinstance(value, dict):
        return translate(lang, "sheet.empty")
    word = translate(lang, "sheet.qcm.passed" if value.get("passed") else "sheet.qcm.failed")
    score = value.get("score")
    if not isinstance(score, (int, float)):
        return word
    shown = f"{score:g}"
    return f"{word} ({shown.replace('.', translate(lang, 'format.decimal'))})"


def _dict_or_empty(value: Any) -> dict[Any, Any]:
    """A part of a jury file read back: untrusted, so a mapping only when it is one."""
    return value if isinstance(value, dict) else {}


def describe_changes(current: dict[str, Any] | None, new: dict[str, Any], lang: str) -> list[str]:
    """« D1.1 : vide → validée »: what the jury changed, one line per fact."""
    old = current or {}
    lines: list[str] = []
    empty = translate(lang, "sheet.empty")

    def word(decision: Any) -> str:
        return translate(lang, f"decision.{decision}") if decision in (VALIDATED, NOT_VALIDATED) else empty

    old_decisions = _dict_or_empty(old.get("decisions"))
    new_decisions = new["decisions"]
    for code in list(new_decisions) + [c for c in old_decisions if c not in new_decisions]:
        before, after = old_decisions.get(code), new_decisions.get(code)
        if before != after:
            lines.append(translate(lang, "sheet.change", what=code, before=word(before), after=word(after)))
    old_qcm = _dict_or_empty(old.get("qcm"))
    new_qcm = new.get("qcm") or {}
    for domain in sorted(set(old_qcm) | set(new_qcm)):
        before, after = old_qcm.get(domain), new_qcm.get(domain)
        if _norm_qcm(before) != _norm_qcm(after):
            lines.append(
                translate(lang, "sheet.change", what=f"QCM {domain}", before=_qcm_text(before, lang), after=_qcm_text(after, lang))
            )
    for key, label in (("levels", "sheet.field.level"), ("conditions", "sheet.field.condition")):
        before_all = _dict_or_empty(old.get(key))
        after_all = new.get(key) or {}
        for item in list(after_all) + [k for k in before_all if k not in after_all]:
            before, after = before_all.get(item), after_all.get(item)
            if before != after:
                shown = lambda v: translate(lang, f"sheet.condition.{v}") if v in ("met", "not_met") else (empty if v is None else str(v))  # noqa: E731
                lines.append(translate(lang, "sheet.change", what=translate(lang, label, code=item), before=shown(before), after=shown(after)))
    for key in ("date", "members", "institution", "session", "comment"):
        before, after = old.get(key), new.get(key)
        if current is not None and _norm(before) != _norm(after):
            shown = lambda v: ", ".join(map(str, v)) if isinstance(v, list) else (str(v) if v else empty)  # noqa: E731
            lines.append(translate(lang, "sheet.change", what=translate(lang, f"sheet.field.{key}"), before=shown(before), after=shown(after)))
    return lines


def _norm(value: Any) -> Any:
    return [str(v) for v in value] if isinstance(value, list) else (str(value).strip() if value is not None else "")


def _norm_qcm(value: Any) -> Any:
    if not isinstance(value, dict):
        return None
    score = value.get("score")
    return (bool(value.get("passed")), float(score) if isinstance(score, (int, float)) else None)
