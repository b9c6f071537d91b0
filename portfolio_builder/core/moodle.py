"""Exchange a referential with Moodle's competency frameworks (``admin/tool/lpimportcsv``).

Moodle reads and writes a framework as one CSV: a header row, one row for the framework
(``Is framework`` = 1) and one row per competency, each naming its parent by ID number.
The columns are those of ``framework_importer::list_required_headers()`` and the order
``framework_exporter::export()`` writes (Moodle's ``tool_lpimportcsv`` language strings):

    Parent ID number, ID number, Short name, Description, Description format, Scale values,
    Scale configuration, Rule type (optional), Rule outcome (optional), Rule config (optional),
    Cross-referenced competency ID numbers, Exported ID (optional), Is framework, Taxonomy

A referential becomes: the framework (ID number = the referential's id), its groups (if
any), its domains, and their competencies, each competency a child of its domain. Short
names are cut at 100 characters by Moodle, so the full title travels in the description
(plain text, format 2).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from portfolio_builder.core.problems import ProblemSink

HEADERS = (
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
)
FORMAT_PLAIN = 2  # Moodle's FORMAT_PLAIN
SHORTNAME_MAX = 100  # Moodle shortens ID numbers and short names to 100 characters
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# The framework's scale: Moodle creates it when no global scale has these items.
SCALE = {"fr": "Non acquis,Acquis", "en": "Not yet competent,Competent"}
SCALE_CONFIGURATION = '[{"scaleid":"0"},{"id":2,"scaledefault":1,"proficient":1}]'
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _row(parent: str, idnumber: str, title: str, *, framework: bool = False, scale: str = "", taxonomy: str = "", export_id: int | str = "") -> list[Any]:
    return [
        parent,
        idnumber,
        title[:SHORTNAME_MAX],
        title,
        FORMAT_PLAIN,
        scale,
        SCALE_CONFIGURATION if framework else "",
        "",
        "" if framework else 0,
        "" if framework else "null",
        "",
        export_id,
        1 if framework else 0,
        taxonomy,
    ]


def export_csv(ref: Any) -> str:
    """The referential as Moodle's framework CSV (comma-separated UTF-8, as Moodle exports)."""
    lang = ref.language if ref.language in SCALE else "en"
    taxonomy = "domain,domain,competency" if ref.groups else "domain,competency"
    rows = [_row("", ref.id, ref.short_title or ref.title, framework=True, scale=SCALE[lang], taxonomy=taxonomy)]
    rows[0][3] = ref.title  # the full title, the short title being the framework's name
    next_id = 1
    for code, title in ref.groups:
        rows.append(_row("", code, title, export_id=next_id))
        next_id += 1
    groups = {code for code, _ in ref.groups}
    for domain in ref.domains:
        parent = getattr(domain, "group", "") or ""
        rows.append(_row(parent if parent in groups else "", domain.code, domain.title, export_id=next_id))
        next_id += 1
        for comp in domain.competencies:
            rows.append(_row(domain.code, comp.code, comp.title, export_id=next_id))
            next_id += 1
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue()


@dataclass
class _Node:
    line: int
    parent: str
    idnumber: str
    title: str
    children: list[str]


def import_csv(data: bytes, sink: ProblemSink, language: str = "fr") -> dict[str, Any] | None:
    """A Moodle framework CSV as a referential document (for ``schema/referential.schema.json``).

    Every problem is reported, with its line and column, as ``moodle-csv``; None when the
    file cannot make a referential.
    """
    if len(data) > MAX_CSV_BYTES:
        sink.error("moodle-csv", (1, 1), "", "moodle.too_large", size=len(data), limit=MAX_CSV_BYTES)
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        sink.error("encoding", (line, 1), "", "moodle.not_utf8")
        return None
    if "\x00" in text:
        sink.error("encoding", (1, 1), "", "moodle.not_utf8")
        return None
    sample = text.split("\n", 1)[0]
    delimiter = ";" if sample.count(";") > sample.count(",") else ("\t" if sample.count("\t") > sample.count(",") else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = []
        for row in reader:
            table.append((reader.line_num, row))
            if len(table) > MAX_ROWS + 1:
                sink.error("moodle-csv", (reader.line_num, 1), "", "moodle.too_many_rows", limit=MAX_ROWS)
                return None
    except csv.Error as exc:
        sink.error("moodle-csv", (reader.line_num or 1, 1), "", "moodle.unreadable", reason=str(exc))
        return None
    if not table:
        sink.error("moodle-csv", (1, 1), "", "moodle.empty")
        return None
    header = [h.strip().lower() for h in table[0][1]]
    expected = [h.lower() for h in HEADERS]
    # Moodle's older exports write "Id number", "Shortname", "Exported id": compare loosely.
    loose = [re.sub(r"[^a-z]", "", h) for h in header]
    wanted = [re.sub(r"[^a-z]", "", h) for h in expected]
    if loose[: len(wanted)] != wanted and not _loosely_equal(loose, wanted):
        missing = [HEADERS[i] for i, h in enumerate(wanted) if i >= len(loose) or loose[i] != h and not _same_column(loose[i], h)]
        sink.error("moodle-csv", (1, 1), "", "moodle.columns", missing=", ".join(missing[:4]), expected=", ".join(HEADERS))
        return None
    framework: _Node | None = None
    nodes: dict[str, _Node] = {}
    order: list[str] = []
    for line, row in table[1:]:
        if not any(cell.strip() for cell in row):
            continue
        row = row + [""] * (len(HEADERS) - len(row))
        parent, idnumber, shortname, description = (row[i].strip() for i in range(4))
        title = " ".join((description or shortname).split())
        if row[12].strip() not in ("", "0", "false"):
            if framework is not None:
                sink.error("moodle-csv", (line, 13), "Is framework", "moodle.two_frameworks", first=framework.line)
                continue
            framework = _Node(line, "", idnumber, title, [])
            framework_short = " ".join(shortname.split())
            continue
        if not idnumber:
            sink.error("moodle-csv", (line, 2), "ID number", "moodle.no_idnumber")
            continue
        if not _CODE.match(idnumber):
            sink.error("moodle-csv", (line, 2), "ID number", "moodle.bad_code", code=idnumber)
            continue
        if not title:
            sink.error("moodle-csv", (line, 3), "Short name", "moodle.no_title", code=idnumber)
            continue
        if idnumber in nodes:
            sink.error("moodle-csv", (line, 2), "ID number", "moodle.duplicate", code=idnumber, first=nodes[idnumber].line)
            continue
        nodes[idnumber] = _Node(line, parent, idnumber, title, [])
        order.append(idnumber)
    if framework is None:
        sink.error("moodle-csv", (1, 1), "", "moodle.no_framework")
        return None
    roots: list[str] = []
    for code in order:
        node = nodes[code]
        if not node.parent:
            roots.append(code)
        elif node.parent in nodes:
            nodes[node.parent].children.append(code)
        else:
            sink.error("moodle-csv", (node.line, 1), "Parent ID number", "moodle.unknown_parent", code=code, parent=node.parent)
    groups: list[dict[str, str]] = []
    domains: list[dict[str, Any]] = []

    def domain(code: str, group: str = "") -> None:
        node = nodes[code]
        comps = []
        for child in node.children:
            leaf = nodes[child]
            if leaf.children:
                sink.error("moodle-csv", (nodes[leaf.children[0]].line, 1), "Parent ID number", "moodle.too_deep", code=leaf.children[0])
            comps.append({"code": leaf.idnumber, "title": leaf.title})
        if not comps:
            sink.error("moodle-csv", (node.line, 2), "ID number", "moodle.empty_domain", code=code)
            return
        entry: dict[str, Any] = {"code": code, "title": node.title}
        if group:
            entry["group"] = group
        entry["competencies"] = comps
        domains.append(entry)

    # A root whose children all have children is a group of domains.
    for code in roots:
        node = nodes[code]
        if node.children and all(nodes[c].children for c in node.children):
            groups.append({"code": code, "title": node.title})
            for child in node.children:
                domain(child, code)
        else:
            domain(code)
    if not domains:
        if not sink.items:
            sink.error("moodle-csv", (framework.line, 1), "", "moodle.no_domain")
        return None
    # A referential id is lower case (schema): Moodle's ID numbers are free text.
    ref_id = re.sub(r"[^a-z0-9._-]+", "-", (framework.idnumber or "").lower()).strip("-._") or "moodle-framework"
    version = re.search(r"(\d{4}(?:\.\d+)?|\d+\.\d+)$", ref_id)
    doc: dict[str, Any] = {
        "id": ref_id,
        "title": framework.title or framework_short or ref_id,
        "short_title": framework_short or framework.title or ref_id,
        "version": version.group(1) if version else "1",
        "language": language,
        "source": {
            "legal_basis": "Moodle",
            "notes": [f"Imported from a Moodle competency framework ({framework.idnumber or ref_id})."],
        },
    }
    if groups:
        doc["groups"] = groups
    doc["domains"] = domains
    doc["rules"] = {"validation": "all"}
    return doc


def _same_column(found: str, wanted: str) -> bool:
    # Older Moodle strings: "Id number", "Shortname", "Exported id (optional)", "Cross referenced …"
    return found.replace("optional", "") == wanted.replace("optional", "")


def _loosely_equal(found: list[str], wanted: list[str]) -> bool:
    return len(found) >= len(wanted) and all(_same_column(f, w) for f, w in zip(found, wanted))
