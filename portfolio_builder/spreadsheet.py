"""The decision sheet as a file: XLSX through openpyxl, or CSV (``;``, UTF-8 with BOM).

Writing: a ``core.jury_sheet.Sheet`` becomes a workbook (a decision table with
frozen headers and drop-down lists, and a « Session » sheet that identifies
it) or one CSV holding the same two blocks. Reading: a file becomes two
``Grid``s, cell values as the file gives them, nothing interpreted here.

Every file is hostile input on the way back: its size, its uncompressed size
and its number of cells are bounded, XML is parsed with defusedxml, and a
formula is read as its text, never evaluated. On the way out, text that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) is kept as text.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from portfolio_builder.core import jury_sheet as js
from portfolio_builder.core.problems import Problem, ProblemSink
from portfolio_builder.core.report import spreadsheet_csv
from portfolio_builder.i18n import LANGUAGES, translate
from portfolio_builder.transaction import write_all

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 2_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_LIMIT = 32_767


class Unreadable(Exception):
    """The file cannot be read as a decision sheet; ``problems`` say why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message_id for p in problems))
        self.problems = problems


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: ``=HYPERLINK(…)`` becomes ``'=HYPERLINK(…)``."""
    return "'" + value if is_formula_like(value) else value


# --- writing -----------------------------------------------------------------------------


def write(sheet: js.Sheet, path: Path) -> None:
    """Write ``sheet`` as ``path``'s suffix says (.xlsx or .csv), atomically."""
    data = to_xlsx(sheet) if path.suffix.lower() == ".xlsx" else to_csv(sheet).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_all({path: data})


def to_csv(sheet: js.Sheet) -> str:
    """The session block, a blank line, then the table: labels, codes, one row per candidate."""
    rows: list[list[Any]] = [list(r) for r in sheet.meta[1:]]
    rows += [[], sheet.labels, [c.code for c in sheet.columns]]
    rows += [[_number_or_text(v) for v in row] for row in sheet.rows]
    return spreadsheet_csv([csv_safe(v) for v in sheet.meta[0]], [[csv_safe(v) for v in row] for row in rows])


def _number_or_text(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")  # a French spreadsheet reads 62,5
    return value


def to_xlsx(sheet: js.Sheet) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    lang = sheet.lang
    workbook = Workbook()
    workbook.properties.title = sheet.title[:200]
    workbook.properties.creator = "portfolio_builder"
    table = workbook.active
    table.title = translate(lang, "sheet.tab.decisions")
    bold = Font(bold=True)
    grey = Font(color="666666", size=8)
    info_fill = PatternFill("solid", fgColor="F2F2F2")
    edit_fill = PatternFill("solid", fgColor="FFF9DB")
    wrap = Alignment(wrap_text=True, vertical="top")

    def put(ws, row: int, col: int, value: Any):
        cell = ws.cell(row=row, column=col)
        if isinstance(value, str):
            # A cell holds at most 32,767 characters and no control character (XML forbids them).
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)[:XLSX_CELL_LIMIT]
            cell.value = value
            # Text stays text: a name starting with `=` is never a formula.
            cell.data_type = "s"
            if is_formula_like(value):
                cell.quotePrefix = True
        else:
            cell.value = value
        return cell

    for col, label in enumerate(sheet.labels, start=1):
        cell = put(table, 1, col, label)
        cell.font = bold
        cell.alignment = wrap
        if col - 1 in sheet.notes:
            cell.comment = Comment(sheet.notes[col - 1], "portfolio_builder")
    for col, column in enumerate(sheet.columns, start=1):
        put(table, 2, col, column.code).font = grey
    for r, row in enumerate(sheet.rows, start=3):
        for c, (value, column) in enumerate(zip(row, sheet.columns), start=1):
            cell = put(table, r, c, value)
            if column.kind == js.INFO:
                cell.fill = info_fill
                cell.font = Font(color="444444", size=9)
            elif column.kind in (js.DECISION, js.QCM, js.SCORE, js.COMMENT, js.LEVEL, js.CONDITION):
                cell.fill = edit_fill
            if column.code == "id":
                cell.number_format = "@"  # a student number stays text (leading zeros)
    last_row = max(3, len(sheet.rows) + 2)
    lists = {
        js.DECISION: js.decision_words(lang),
        js.QCM: js.qcm_words(lang),
        js.CONDITION: js.condition_words(lang),
    }
    for kind, words in lists.items():
        targets = [i for i, c in enumerate(sheet.columns, start=1) if c.kind == kind]
        if not targets:
            continue
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(words) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=translate(lang, "sheet.validation.title"),
            error=translate(lang, "sheet.validation.list", choices=" / ".join(words)),
        )
        table.add_data_validation(validation)
        for col in targets:
            letter = get_column_letter(col)
            validation.add(f"{letter}3:{letter}{last_row}")
    scores = [i for i, c in enumerate(sheet.columns, start=1) if c.kind == js.SCORE]
    if scores:
        validation = DataValidation(
            type="decimal", operator="between", formula1=str(js.SCORE_MIN), formula2=str(js.SCORE_MAX),
            allow_blank=True, showErrorMessage=True, errorTitle=translate(lang, "sheet.validation.title"),
            error=translate(lang, "sheet.validation.score", low=js.SCORE_MIN, high=js.SCORE_MAX),
        )
        table.add_data_validation(validation)
        for col in scores:
            letter = get_column_letter(col)
            validation.add(f"{letter}3:{letter}{last_row}")
    levels = [i for i, c in enumerate(sheet.columns, start=1) if c.kind == js.LEVEL]
    if levels and sheet.level_range:
        low, high = sheet.level_range
        validation = DataValidation(
            type="whole", operator="between", formula1=str(low), formula2=str(high),
            allow_blank=True, showErrorMessage=True, errorTitle=translate(lang, "sheet.validation.title"),
            error=translate(lang, "sheet.validation.level", low=low, high=high),
        )
        table.add_data_validation(validation)
        for col in levels:
            letter = get_column_letter(col)
            validation.add(f"{letter}3:{letter}{last_row}")
    widths = {js.IDENTITY: 18, js.INFO: 22, js.DECISION: 13, js.QCM: 12, js.SCORE: 9, js.COMMENT: 40, js.LEVEL: 9, js.CONDITION: 14}
    for col, column in enumerate(sheet.columns, start=1):
        table.column_dimensions[get_column_letter(col)].width = widths[column.kind]
    table.row_dimensions[1].height = 45
    table.freeze_panes = "D3"  # headers and identities stay in view
    table.auto_filter.ref = f"A2:{get_column_letter(len(sheet.columns))}{last_row}"

    session = workbook.create_sheet(translate(lang, "sheet.tab.session"))
    for r, row in enumerate(sheet.meta, start=1):
        for c, value in enumerate(row, start=1):
            cell = put(session, r, c, value)
            if c == 1:
                cell.font = bold
            if r - 1 in sheet.editable_meta and c > 1:
                cell.fill = edit_fill
        if r - 1 in sheet.editable_meta:
            # The jury fills these in; a few highlighted cells show where.
            for c in range(max(2, len(row) + 1), 6):
                put(session, r, c, "").fill = edit_fill
            session.cell(row=r, column=1).comment = Comment(translate(lang, "sheet.fill_in"), "portfolio_builder")
    session.cell(row=5, column=2).number_format = "@"
    session.column_dimensions["A"].width = 22
    for letter in "BCDE":
        session.column_dimensions[letter].width = 28
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading -----------------------------------------------------------------------------


def read(path: Path, display: str) -> tuple[js.Grid, js.Grid]:
    """(session block, decision table) of a sheet file; raises Unreadable with the reason."""
    sink = ProblemSink(display)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise IsADirectoryError(str(path))
    except OSError as exc:
        sink.error("config", (1, 1), "", "data.unreadable", reason=exc.strerror or str(exc))
        raise Unreadable(sink.items) from None
    if size > MAX_FILE_BYTES:
        sink.error("yaml-too-complex", (1, 1), "", "data.too_large", size=size, limit=MAX_FILE_BYTES)
        raise Unreadable(sink.items)
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path, display, sink)
    if path.suffix.lower() == ".csv":
        return _read_csv(path, display, sink)
    sink.error("config", (1, 1), "", "sheet.unknown_format", hint_id="sheet.unknown_format.hint", path=path.name)
    raise Unreadable(sink.items)


def _read_xlsx(path: Path, display: str, sink: ProblemSink) -> tuple[js.Grid, js.Grid]:
    import openpyxl

    if openpyxl.DEFUSEDXML is not True:  # pragma: no cover - defusedxml is a dependency
        sink.error("config", (1, 1), "", "sheet.no_defusedxml")
        raise Unreadable(sink.items)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
        if len(members) > 10_000 or total > MAX_UNCOMPRESSED_BYTES:
            sink.error("yaml-too-complex", (1, 1), "", "data.too_large", size=total, limit=MAX_UNCOMPRESSED_BYTES)
            raise Unreadable(sink.items)
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - zip, XML or openpyxl errors: one clear message
        sink.error("encoding", (1, 1), "", "sheet.unreadable_xlsx", hint_id="sheet.unreadable_xlsx.hint", reason=f"{type(exc).__name__}: {exc}"[:200])
        raise Unreadable(sink.items) from None
    try:
        grids = []
        for ws in workbook.worksheets:
            rows = []
            for number, values in enumerate(
                ws.iter_rows(min_row=1, max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True), start=1
            ):
                if number > MAX_ROWS:
                    sink.error("yaml-too-complex", (number, 1), "", "sheet.too_many_rows", limit=MAX_ROWS)
                    raise Unreadable(sink.items)
                rows.append((number, list(values)))
            grids.append((ws.title, rows))
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001
        sink.error("encoding", (1, 1), "", "sheet.unreadable_xlsx", hint_id="sheet.unreadable_xlsx.hint", reason=f"{type(exc).__name__}: {exc}"[:200])
        raise Unreadable(sink.items) from None
    finally:
        workbook.close()
    found = [i for i, (_t, r) in enumerate(grids) if r and r[0][1] and js.text_of(r[0][1][0]) == js.FORMAT]
    if not found:
        sink.error("sheet-mismatch", (1, 1), "", "sheet.not_a_sheet", hint_id="sheet.not_a_sheet.hint")
        raise Unreadable(sink.items)
    session = grids[found[0]]
    table = next((g for i, g in enumerate(grids) if i != found[0]), None)
    if table is None:
        sink.error("sheet-column", (1, 1), "", "sheet.no_code_row", hint_id="sheet.fresh.hint")
        raise Unreadable(sink.items)
    return js.Grid(f"{display}[{session[0]}]", session[1]), js.Grid(display, table[1])


def _read_csv(path: Path, display: str, sink: ProblemSink) -> tuple[js.Grid, js.Grid]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # A spreadsheet that saved « CSV (point-virgule) » on Windows wrote Windows-1252.
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        sink.error("encoding", (1, 1), "", "page.encoding", hint_id="page.encoding.hint")
        raise Unreadable(sink.items)
    # The sheet starts with its format marker: the character after it is the separator the
    # spreadsheet saved with (« ; » in French, « , » elsewhere, a tab for a .txt export).
    after = text[len(js.FORMAT)] if text.startswith(js.FORMAT) and len(text) > len(js.FORMAT) else ";"
    delimiter = after if after in ";,\t" else ";"
    rows: list[tuple[int, list[Any]]] = []
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if number > MAX_ROWS:
                sink.error("yaml-too-complex", (number, 1), "", "sheet.too_many_rows", limit=MAX_ROWS)
                raise Unreadable(sink.items)
            rows.append((number, [_unneutralise(v) for v in values[:MAX_COLUMNS]]))
    except csv.Error as exc:
        sink.error("encoding", (len(rows) + 1, 1), "", "sheet.unreadable_csv", reason=str(exc))
        raise Unreadable(sink.items) from None
    id_labels = {js._fold(translate(lang, "sheet.column.id")) for lang in LANGUAGES} | {"id"}
    split = next((i for i, (_n, cells) in enumerate(rows) if cells and js._fold(str(cells[0])) in id_labels), len(rows))
    return js.Grid(display, rows[:split]), js.Grid(display, rows[split:])


def _unneutralise(value: str) -> str:
    """Undo ``csv_safe``: the text the jury sees is the text written back."""
    return value[1:] if value.startswith("'") and value[1:2] and value[1] in "=+-@\t\r" else value
