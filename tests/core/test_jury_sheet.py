"""The decision sheet as data: columns, pre-filled cells, and every bad cell refused at its place.

No file here: a sheet is turned into the grids a spreadsheet file gives back
(row numbers as in the XLSX: the table's labels on row 1, codes on row 2, the
candidates from row 3; the session block on its own sheet, rows 1-8).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portfolio_builder.core import jury_sheet as js
from portfolio_builder.core.problems import CODES, ProblemSink
from portfolio_builder.core.referential import load_shipped

C2I1 = load_shipped("c2i1-2011")
SESSION_ROW, REFERENTIAL_ROW, DATE_ROW, MEMBERS_ROW = 2, 4, 5, 6


def candidate(key: str, name: str, **kw: Any) -> js.Candidate:
    return js.Candidate(key=key, name=name, student_id=key, institution="Université de Valcourt", source=f"/d/{key}", **kw)


def session(*candidates: js.Candidate, referential=C2I1) -> js.Session:
    return js.Session(referential=referential, session="2027-juin", institution="Université de Valcourt", candidates=list(candidates))


LEA = candidate(
    "21904512", "Léa Moreau",
    facts={"D1.1": js.Facts(2, "met", False), "D1.3": js.Facts(3, "met", True), "D1.2": js.Facts(1, None, False)},
)
HUGO = candidate("30100002", "Hugo Lefebvre", decisions={"D3.1": "validated"}, qcm={"D3": (True, 64.5)},
                 has_jury=True, jury_date="2027-06-24", jury_members=("Pr. Anne Delmas",))


def grids(sheet: js.Sheet) -> tuple[js.Grid, js.Grid]:
    meta = js.Grid("s.xlsx[Session]", [(i, list(row)) for i, row in enumerate(sheet.meta, start=1)])
    table = [(1, list(sheet.labels)), (2, [c.code for c in sheet.columns])]
    table += [(i, list(row)) for i, row in enumerate(sheet.rows, start=3)]
    return meta, js.Grid("s.xlsx", table)


def filled(sheet: js.Sheet, date: str = "2027-06-24", members: tuple[str, ...] = ("Pr. Anne Delmas",)) -> js.Sheet:
    sheet.meta[DATE_ROW - 1] = [sheet.meta[DATE_ROW - 1][0], date]
    sheet.meta[MEMBERS_ROW - 1] = [sheet.meta[MEMBERS_ROW - 1][0], *members]
    return sheet


def col(sheet: js.Sheet, code: str) -> int:
    """1-based column of ``code``."""
    return [c.code for c in sheet.columns].index(code) + 1


def import_problems(sheet: js.Sheet, expected: js.Expected | None = None) -> tuple[list, list]:
    meta_grid, table = grids(sheet)
    meta, problems = js.read_meta(meta_grid)
    assert meta is not None, problems
    sink = ProblemSink(meta_grid.label)
    js.check_identity(meta, expected or js.Expected(referential=C2I1), sink)
    rows, more = js.read_table(table, meta, expected or js.Expected(referential=C2I1))
    return rows, [(p.code, p.file, p.line, p.column) for p in problems + sink.items + more if p.is_error]


def test_columns_pair_facts_and_decision_per_competency_then_the_domain_qcm():
    codes = [c.code for c in js.columns(C2I1)]
    assert codes[:7] == ["id", "name", "institution", "info:D1.1", "D1.1", "info:D1.2", "D1.2"]
    assert codes[11:13] == ["qcm:D1", "score:D1"]
    assert codes[-1] == "comment"
    assert sum(1 for c in js.columns(C2I1) if c.kind == js.DECISION) == 20
    assert sum(1 for c in js.columns(C2I1) if c.kind == js.QCM) == 5
    no_qcm = load_shipped("c2i2md-2011")
    assert not any(c.kind in (js.QCM, js.SCORE) for c in js.columns(no_qcm))


def test_the_sheet_prefills_facts_without_deciding():
    sheet = js.build_sheet(session(LEA, HUGO))
    lea = sheet.rows[0]
    assert lea[col(sheet, "info:D1.1") - 1] == "2 preuve(s) · acquis"
    assert lea[col(sheet, "info:D1.3") - 1] == "3 preuve(s) · acquis · modifiée depuis la revue"
    assert lea[col(sheet, "info:D1.2") - 1] == "1 preuve(s) · non relue"
    assert lea[col(sheet, "info:D2.1") - 1] == "aucune preuve"
    assert all(lea[i] == "" for i, c in enumerate(sheet.columns) if c.kind in (js.DECISION, js.QCM, js.SCORE))
    hugo = sheet.rows[1]
    assert hugo[col(sheet, "D3.1") - 1] == "validée"
    assert (hugo[col(sheet, "qcm:D3") - 1], hugo[col(sheet, "score:D3") - 1]) == ("réussi", 64.5)
    # Identification: format, session, referential id and version, candidates and columns.
    assert sheet.meta[0][:2] == [js.FORMAT, js.VERSION]
    assert sheet.meta[REFERENTIAL_ROW - 1][1:3] == ["c2i1-2011", C2I1.version]
    assert sheet.meta[6][1] == "21904512 30100002"
    assert sheet.meta[DATE_ROW - 1][1] == "2027-06-24"  # from the jury files already written
    assert sheet.notes[col(sheet, "D1.1") - 1] == C2I1.competencies["D1.1"].title


def test_english_sheet():
    english = session(LEA)
    english.language = "en"
    sheet = js.build_sheet(english)
    assert sheet.labels[col(sheet, "D1.1") - 1] == "D1.1 — decision"
    assert sheet.rows[0][col(sheet, "info:D1.1") - 1] == "2 piece(s) of evidence · met"
    assert js.decision_words("en") == ["validated", "not validated", "empty"]


def test_a_sheet_as_written_reads_back_with_its_decisions():
    sheet = filled(js.build_sheet(session(LEA, HUGO)))
    rows, problems = import_problems(sheet)
    assert problems == []
    assert [r.key for r in rows] == ["21904512", "30100002"]
    assert rows[1].decisions == {"D3.1": "validated"} and rows[1].qcm == {"D3": (True, 64.5)}


@pytest.mark.parametrize(
    "value, expected",
    [("validée", "validated"), ("Validé", "validated"), (" VALIDEE ", "validated"), ("validated", "validated"),
     ("non validée", "not_validated"), ("Non  validé", "not_validated"), ("not_validated", "not_validated"),
     ("not validated", "not_validated"), ("", None), ("vide", None), ("empty", None), (None, None)],
)
def test_decision_words_in_either_language(value, expected):
    sheet = filled(js.build_sheet(session(LEA)))
    sheet.rows[0][col(sheet, "D1.1") - 1] = value
    rows, problems = import_problems(sheet)
    assert problems == []
    assert rows[0].decisions.get("D1.1") == expected


@pytest.mark.parametrize(
    "code, value, problem",
    [
        ("D1.1", "oui", "not-a-decision"),
        ("D1.1", "acquis", "not-a-decision"),
        ("D1.1", "=1+1", "not-a-decision"),  # a formula is text, never evaluated
        ("D1.1", 1, "not-a-decision"),
        ("D1.1", True, "not-a-decision"),
        ("qcm:D2", "peut-être", "not-a-decision"),
        ("score:D2", 120, "score-out-of-range"),
        ("score:D2", "-1", "score-out-of-range"),
        ("score:D2", "cent", "score-out-of-range"),
        ("score:D2", "nan", "score-out-of-range"),
        ("score:D2", float("inf"), "score-out-of-range"),
    ],
)
def test_each_bad_cell_is_refused_at_its_row_and_column(code, value, problem):
    sheet = filled(js.build_sheet(session(LEA, HUGO)))
    if code.startswith("score:"):
        sheet.rows[1][col(sheet, "qcm:D2") - 1] = "réussi"
    sheet.rows[1][col(sheet, code) - 1] = value
    _rows, problems = import_problems(sheet)
    assert problems == [(problem, "s.xlsx", 4, col(sheet, code))]


def test_a_score_without_a_result_and_french_decimals():
    sheet = filled(js.build_sheet(session(LEA)))
    sheet.rows[0][col(sheet, "score:D1") - 1] = "62,5"
    _rows, problems = import_problems(sheet)
    assert problems == [("not-a-decision", "s.xlsx", 3, col(sheet, "qcm:D1"))]
    sheet.rows[0][col(sheet, "qcm:D1") - 1] = "non réussi"
    rows, problems = import_problems(sheet)
    assert problems == [] and rows[0].qcm == {"D1": (False, 62.5)}


@pytest.mark.parametrize("key", ["99999999", "../../etc/passwd", "a b", "x" * 65, "21904512.yml"])
def test_an_unknown_or_unsafe_candidate_is_refused(key):
    sheet = filled(js.build_sheet(session(LEA, HUGO)))
    sheet.rows.append([key, "Mallory"] + [""] * (len(sheet.columns) - 2))
    _rows, problems = import_problems(sheet)
    assert problems == [("unknown-candidate", "s.xlsx", 5, 1)]


def test_a_row_without_identifier_and_a_duplicate_row():
    sheet = filled(js.build_sheet(session(LEA, HUGO)))
    sheet.rows.append(list(sheet.rows[0]))
    orphan = [""] * len(sheet.columns)
    orphan[col(sheet, "D1.1") - 1] = "validée"
    sheet.rows.append(orphan)
    sheet.rows.append([""] * len(sheet.columns))  # a blank row is fine
    _rows, problems = import_problems(sheet)
    assert problems == [("duplicate-row", "s.xlsx", 5, 1), ("unknown-candidate", "s.xlsx", 6, 1)]


def test_a_lost_leading_zero_gets_a_suggestion():
    zero = candidate("01234567", "Zoé Zéro")
    sheet = filled(js.build_sheet(session(zero)))
    sheet.rows[0][0] = 1234567  # a spreadsheet read the student number as a number
    meta_grid, table = grids(sheet)
    meta, _ = js.read_meta(meta_grid)
    _rows, problems = js.read_table(table, meta, js.Expected(referential=C2I1))
    assert [p.code for p in problems] == ["unknown-candidate"]
    assert "01234567" in problems[0].hint("fr")


def test_reordered_columns_are_named():
    sheet = filled(js.build_sheet(session(LEA)))
    a, b = col(sheet, "D1.1") - 1, col(sheet, "D1.2") - 1
    meta_grid, table = grids(sheet)
    codes = table.rows[1][1]
    codes[a], codes[b] = codes[b], codes[a]
    meta, _ = js.read_meta(meta_grid)
    _rows, problems = js.read_table(table, meta, js.Expected(referential=C2I1))
    assert sorted((p.code, p.line, p.column) for p in problems) == [("sheet-column", 2, a + 1), ("sheet-column", 2, b + 1)]
    assert "D1.2" in problems[0].message("fr") and "D1.1" in problems[0].message("fr")


def test_renamed_missing_and_unknown_columns():
    sheet = filled(js.build_sheet(session(LEA)))
    meta_grid, table = grids(sheet)
    codes = table.rows[1][1]
    codes[col(sheet, "D1.1") - 1] = "D1.9"
    codes[col(sheet, "info:D1.2") - 1] = "notes"
    del codes[-1]  # the comment column
    meta, _ = js.read_meta(meta_grid)
    _rows, problems = js.read_table(table, meta, js.Expected(referential=C2I1))
    found = sorted((p.code, p.column) for p in problems)
    assert found == [
        ("sheet-column", col(sheet, "info:D1.2")),
        ("sheet-column", len(sheet.columns)),
        ("unknown-competency", col(sheet, "D1.1")),
    ]


def test_another_session_institution_or_referential_is_named():
    sheet = filled(js.build_sheet(session(LEA)))
    _rows, problems = import_problems(sheet, js.Expected(referential=C2I1, session="2028-janvier"))
    assert problems == [("sheet-mismatch", "s.xlsx[Session]", SESSION_ROW, 2)]
    _rows, problems = import_problems(sheet, js.Expected(referential=C2I1, institution="Université de Montval"))
    assert problems == [("sheet-mismatch", "s.xlsx[Session]", 3, 2)]
    other = load_shipped("c2i2md-2011")
    meta_grid, _table = grids(sheet)
    meta, _ = js.read_meta(meta_grid)
    sink = ProblemSink(meta_grid.label)
    js.check_identity(meta, js.Expected(referential=other), sink)
    assert [(p.code, p.line) for p in sink.items] == [("sheet-mismatch", REFERENTIAL_ROW)]
    assert "c2i1-2011" in sink.items[0].message("fr") and "c2i2md-2011" in sink.items[0].message("fr")


def test_a_sheet_of_another_referential_version_is_named():
    sheet = filled(js.build_sheet(session(LEA)))
    sheet.meta[REFERENTIAL_ROW - 1][2] = "2009"
    _rows, problems = import_problems(sheet)
    assert ("sheet-mismatch", "s.xlsx[Session]", REFERENTIAL_ROW, 2) in problems


def test_session_block_must_be_filled_in_and_be_ours():
    sheet = js.build_sheet(session(LEA))
    meta_grid, _ = grids(sheet)
    _meta, problems = js.read_meta(meta_grid)
    assert sorted((p.code, p.line) for p in problems) == [("missing-metadata", DATE_ROW), ("missing-metadata", MEMBERS_ROW)]
    sheet = filled(js.build_sheet(session(LEA)), date="31/02/2027")
    _meta, problems = js.read_meta(grids(sheet)[0])
    assert [(p.code, p.line) for p in problems] == [("schema", DATE_ROW)]
    not_ours = js.Grid("x.xlsx", [(1, ["Nom", "Prénom"]), (2, ["Moreau", "Léa"])])
    meta, problems = js.read_meta(not_ours)
    assert meta is None and [p.code for p in problems] == ["sheet-mismatch"]
    newer = js.Grid("x.xlsx", [(1, [js.FORMAT, 2])])
    assert [p.code for p in js.read_meta(newer)[1]] == ["sheet-mismatch"]


def test_french_dates_are_read():
    sheet = filled(js.build_sheet(session(LEA)), date="24/06/2027")
    meta, problems = js.read_meta(grids(sheet)[0])
    assert problems == [] and meta.date == "2027-06-24"


def test_changes_are_described_per_fact():
    current = {"session": "2027-juin", "date": "2027-06-24", "institution": "U", "members": ["A"],
               "decisions": {"D1.1": "validated", "D1.2": "not_validated"}, "qcm": {"D1": {"passed": False, "score": 38}}}
    new = {**current, "decisions": {"D1.1": "validated", "D1.3": "validated"}, "qcm": {"D1": {"passed": True, "score": 55.5}}}
    assert js.describe_changes(current, new, "fr") == [
        "D1.3 : vide → validée",
        "D1.2 : non validée → vide",
        "QCM D1 : non réussi (38) → réussi (55,5)",
    ]
    assert js.describe_changes(current, current, "fr") == []


def test_plan_refuses_a_jury_file_of_another_session(tmp_path: Path):
    (tmp_path / "21904512.yml").write_text(
        "session: 2026-juin\ndate: 2026-06-24\ninstitution: U\nmembers: [A]\ndecisions: {}\n", encoding="utf-8"
    )
    sheet = filled(js.build_sheet(session(LEA)))
    meta_grid, table = grids(sheet)
    meta, _ = js.read_meta(meta_grid)
    rows, _ = js.read_table(table, meta, js.Expected(referential=C2I1))
    _changes, problems = js.plan(rows, meta, tmp_path, "fr", js.Expected(referential=C2I1), {})
    assert [p.code for p in problems] == ["sheet-mismatch"]


def test_ids_are_safe_file_names():
    assert js.valid_id("21904512") and js.valid_id("lea-moreau") and js.valid_id("A_b-9")
    for bad in ("", "..", "../x", "a/b", "a\\b", "a.yml", "é", "x" * 65, "a\x00", " 1"):
        assert not js.valid_id(bad), bad


def test_the_sheet_codes_are_stable_codes():
    for code in ("sheet-mismatch", "sheet-column", "unknown-candidate", "duplicate-row", "not-a-decision", "score-out-of-range"):
        assert code in CODES


@pytest.mark.parametrize("value", [
    __import__("datetime").datetime(2027, 6, 24, 10, 30), __import__("datetime").time(10, 30),
    __import__("datetime").timedelta(days=1), 3.5, -0.0, "\x00", "é" * 5000, "#N/A", "=HYPERLINK(\"x\")",
])
@pytest.mark.parametrize("code", ["id", "D1.1", "qcm:D1", "score:D1", "comment"])
def test_odd_cell_values_never_crash_the_import(code, value):
    sheet = filled(js.build_sheet(session(LEA)))
    sheet.rows[0][col(sheet, "qcm:D1") - 1] = "réussi"
    sheet.rows[0][col(sheet, code) - 1] = value
    _rows, problems = import_problems(sheet)
    assert all(p[0] in CODES for p in problems)


def test_levels_where_the_referential_has_them():
    crcn = load_shipped("crcn-2019")
    one = candidate("30100009", "Nina Petit", levels={"1.1": 4}, has_jury=True)
    sheet = filled(js.build_sheet(session(one, referential=crcn)))
    assert sheet.rows[0][col(sheet, "level:1.1") - 1] == 4
    assert "niveau de 1 à 8" in sheet.notes[col(sheet, "level:1.1") - 1]
    assert sheet.level_range == (1, 8)
    sheet.rows[0][col(sheet, "level:1.2") - 1] = "5"
    sheet.rows[0][col(sheet, "level:1.3") - 1] = 9
    sheet.rows[0][col(sheet, "level:2.1") - 1] = 2.5
    rows, problems = import_problems(sheet, js.Expected(referential=crcn))
    assert sorted(problems) == sorted([
        ("level-out-of-range", "s.xlsx", 3, col(sheet, "level:1.3")),
        ("level-out-of-range", "s.xlsx", 3, col(sheet, "level:2.1")),
    ])
    assert rows[0].levels == {"1.1": 4, "1.2": 5}


def test_conditions_only_a_jury_attests():
    c2i2e = load_shipped("c2i2e-2011")
    sheet = filled(js.build_sheet(session(LEA, referential=c2i2e)))
    assert sheet.columns[-2].code == "condition:face-to-face"
    sheet.rows[0][col(sheet, "condition:face-to-face") - 1] = "remplie"
    rows, problems = import_problems(sheet, js.Expected(referential=c2i2e))
    assert problems == [] and rows[0].conditions == {"face-to-face": "met"}
    sheet.rows[0][col(sheet, "condition:face-to-face") - 1] = "peut-être"
    _rows, problems = import_problems(sheet, js.Expected(referential=c2i2e))
    assert problems == [("not-a-decision", "s.xlsx", 3, col(sheet, "condition:face-to-face"))]


def test_qcm_columns_follow_the_sessions_qcm_setting():
    waived = candidate("1", "A", qcm_domains={"D2"})
    sheet = js.build_sheet(session(waived))
    assert [c.code for c in sheet.columns if c.kind == js.QCM] == ["qcm:D2"]
    filled(sheet)
    _rows, problems = import_problems(sheet)
    assert problems == []  # a sheet of the session's setting is the referential's, for the import
    _rows, problems = import_problems(sheet, js.Expected(referential=C2I1, qcm_domains={"D1", "D2"}))
    assert ("sheet-mismatch", "s.xlsx[Session]", 8, 2) in problems
