"""Moodle's competency framework CSV (admin/tool/lpimportcsv), out and back (issue 13, section 6)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from portfolio_builder.core import moodle
from portfolio_builder.core import referential as referential_mod
from portfolio_builder.core.problems import ProblemSink
from tests.conftest import portfolio_in_process

# framework_importer::list_required_headers(), with the strings of lang/en/tool_lpimportcsv.php.
MOODLE_HEADERS = [
    "Parent ID number", "ID number", "Short name", "Description", "Description format", "Scale values",
    "Scale configuration", "Rule type (optional)", "Rule outcome (optional)", "Rule config (optional)",
    "Cross-referenced competency ID numbers", "Exported ID (optional)", "Is framework", "Taxonomy",
]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return portfolio_in_process(*args)


def test_the_installed_command_lists_the_referentials():
    result = subprocess.run([sys.executable, "-m", "portfolio_builder", "referentials"], capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert result.returncode == 0 and "c2i1-2011" in result.stdout, result.stderr


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_export_has_moodles_exact_columns_and_one_framework_row():
    ref = referential_mod.load_shipped("c2i1-2011")
    rows = _rows(moodle.export_csv(ref))
    assert rows[0] == MOODLE_HEADERS
    assert all(len(r) == len(MOODLE_HEADERS) for r in rows)
    frameworks = [r for r in rows[1:] if r[12] == "1"]
    assert len(frameworks) == 1 and frameworks[0][1] == "c2i1-2011"
    framework = frameworks[0]
    assert framework[5] == "Non acquis,Acquis"  # a scale Moodle creates when none matches
    assert framework[6].startswith('[{"scaleid":')  # what get_scale_configuration() decodes
    codes = {r[1]: r for r in rows[1:] if r[12] == "0"}
    assert codes["D1"][0] == "" and codes["D1.1"][0] == "D1"
    assert len(codes) == len(ref.domains) + len(ref.competencies)
    for row in rows[1:]:
        assert len(row[2]) <= moodle.SHORTNAME_MAX  # Moodle shortens at 100


@pytest.mark.parametrize("ref_id", referential_mod.shipped_ids())
def test_every_shipped_referential_round_trips(tmp_path, ref_id):
    ref = referential_mod.load_shipped(ref_id)
    exported = tmp_path / f"{ref_id}.csv"
    result = run_cli("referentials", "export", ref_id, "--format", "moodle-csv", "-o", str(exported))
    assert result.returncode == 0, result.stderr
    target = tmp_path / f"{ref_id}.yml"
    result = run_cli("referentials", "import", str(exported), "-o", str(target), "--language", ref.language)
    assert result.returncode == 0, result.stderr
    back = referential_mod.load(str(target), tmp_path)
    assert back.referential is not None and not [p for p in back.problems if p.is_error], back.problems
    again = back.referential
    assert [(d.code, d.title) for d in again.domains] == [(d.code, d.title) for d in ref.domains]
    assert [(c.code, c.title, c.domain) for c in again.competencies.values()] == [
        (c.code, c.title, c.domain) for c in ref.competencies.values()
    ]
    assert again.id == ref.id and again.groups == ref.groups
    assert [d.group for d in again.domains] == [d.group for d in ref.domains]


def test_the_imported_file_validates_against_the_referential_schema(tmp_path):
    import json

    import yaml
    from jsonschema import Draft202012Validator

    exported = tmp_path / "c.csv"
    exported.write_text(moodle.export_csv(referential_mod.load_shipped("c2i2e-2011")), encoding="utf-8")
    out = tmp_path / "c.yml"
    assert run_cli("referentials", "import", str(exported), "-o", str(out)).returncode == 0
    schema = json.loads((Path(__file__).parents[2] / "schema" / "referential.schema.json").read_text(encoding="utf-8"))
    errors = list(Draft202012Validator(schema).iter_errors(yaml.safe_load(out.read_text(encoding="utf-8"))))
    assert not errors, errors


def test_a_framework_exported_by_moodle_itself_imports(tmp_path):
    """Moodle's own export (older header strings, HTML descriptions, a semicolon delimiter)."""
    text = (
        '"Parent id number","Id number",Shortname,Description,"Description format","Scale values",'
        '"Scale configuration","Rule type (optional)","Rule outcome (optional)","Rule config (optional)",'
        '"Cross referenced competency id numbers","Exported id (optional)","Is framework",Taxonomy\n'
        ',LOCAL-2025,"Local","Référentiel local",1,"Not yet competent,Competent","[{""scaleid"":""2""}]",,,,,,1,"competency,competency"\n'
        ',X1,"Premier domaine",,1,,,,0,null,,1,,\n'
        'X1,X1.1,"Une compétence",,1,,,,0,null,,2,,\n'
    )
    source = tmp_path / "moodle.csv"
    source.write_text(text, encoding="utf-8")
    result = run_cli("referentials", "import", str(source))
    assert result.returncode == 0, result.stderr
    assert "code: X1.1" in result.stdout and "id: local-2025" in result.stdout


def _import(text: str | bytes) -> tuple[dict | None, list]:
    sink = ProblemSink("f.csv")
    data = text.encode("utf-8") if isinstance(text, str) else text
    return moodle.import_csv(data, sink), sink.items


HEAD = ",".join(f'"{h}"' for h in MOODLE_HEADERS) + "\n"
FRAMEWORK = ',REF,Ref,Référentiel,2,"a,b","[{""scaleid"":""0""}]",,,,,,1,\n'


def test_each_bad_csv_is_refused_at_its_line_and_column():
    cases = {
        "columns": ("a,b,c\n1,2,3\n", (1, 1)),
        "no framework": (HEAD + ",X1,Dom,,2,,,,0,null,,1,0,\n", (1, 1)),
        "unknown parent": (HEAD + FRAMEWORK + ",X1,Dom,,2,,,,0,null,,1,0,\nX1,X1.1,C,,2,,,,0,null,,2,0,\nZZ,X1.2,C,,2,,,,0,null,,3,0,\n", (5, 1)),
        "duplicate": (HEAD + FRAMEWORK + ",X1,Dom,,2,,,,0,null,,1,0,\nX1,X1.1,C,,2,,,,0,null,,2,0,\nX1,X1.1,C,,2,,,,0,null,,3,0,\n", (5, 2)),
        "bad code": (HEAD + FRAMEWORK + ",X1,Dom,,2,,,,0,null,,1,0,\nX1,../../etc,C,,2,,,,0,null,,2,0,\nX1,X1.1,C,,2,,,,0,null,,2,0,\n", (4, 2)),
        "too deep": (HEAD + FRAMEWORK + ",G,Grp,,2,,,,0,null,,1,0,\nG,X1,Dom,,2,,,,0,null,,2,0,\nX1,X1.1,C,,2,,,,0,null,,3,0,\nX1.1,X1.1.1,Sub,,2,,,,0,null,,4,0,\nG,X2,D2,,2,,,,0,null,,5,0,\n", (5, 1)),
    }
    for name, (text, where) in cases.items():
        _doc, items = _import(text)
        found = [(p.line, p.column) for p in items if p.code == "moodle-csv"]
        assert where in found, (name, [(p.code, p.line, p.column, p.message_id) for p in items])
        assert all(p.message("fr") and p.message("en") for p in items)


def test_hostile_bytes_never_raise():
    for data in (b"", b"\xff\xfe\x00\x00garbage", b"\x00" * 10, HEAD.encode() + b'"unterminated\n' * 3,
                 b"x" * (moodle.MAX_CSV_BYTES + 1), (HEAD + FRAMEWORK + "".join(f",D{i},T,,2,,,,0,null,,{i},0,\n" for i in range(moodle.MAX_ROWS + 2))).encode()):
        doc, items = _import(data)
        assert doc is None and items, data[:40]


def test_import_of_a_bad_file_exits_non_zero_with_located_messages(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_bytes(b"\xe9t\xe9,b\n")
    result = run_cli("referentials", "import", str(source), "-o", str(tmp_path / "out.yml"))
    assert result.returncode == 1
    assert "bad.csv:1:1" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out.yml").exists()


def test_export_of_an_unknown_referential_exits_2():
    result = run_cli("referentials", "export", "c2i9-2099")
    assert result.returncode == 2 and "c2i9-2099" in result.stderr and "Traceback" not in result.stderr


def test_referentials_alone_still_lists_them():
    result = run_cli("referentials")
    assert result.returncode == 0 and "c2i1-2011" in result.stdout
