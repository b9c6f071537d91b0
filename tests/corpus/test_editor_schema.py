"""The editor schema (`portfolio schema`) accepts exactly the front matter `portfolio check` accepts.

Every page of the sample dossiers and of the bad-input corpus is judged twice:
by `portfolio check` (a front-matter problem on that page, or none) and by
check-jsonschema, the validator students' tools run, on the page's front
matter extracted as a YAML file. The verdicts must agree, but for the one
documented exception: a scalar plain YAML reads as a number (`1.10`, `2024`),
which `check` keeps as the text written and the schema flags, so the editor
asks the student to quote it.

Out of the schema's reach, and left to `check`: what depends on the files
around the page (attachments exist and stay inside, ids unique across pages)
and the limits on the file itself (encoding, size, YAML alias bombs and
nesting, a front matter never closed).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from portfolio_builder.cli import main
from portfolio_builder.core import editor_schema, frontmatter, referential
from portfolio_builder.core.problems import ProblemSink
from portfolio_builder.core.project import ConfigError
from tests.conftest import evidence_page, mkdocs_text, run_check
from tests.corpus.cases import BASE_FILES, CASE, CASES
from tests.corpus.dossier import ROOT, make_dossier

FRONT_MATTER_CODES = {
    "yaml-syntax", "duplicate-key", "schema", "unknown-key", "unknown-competency", "missing-commentary", "unsafe-url",
    "level-out-of-range", "level-without-levels",
}
OUT_OF_REACH = {"encoding", "front-matter-too-large", "yaml-too-complex", "unclosed-front-matter", "empty-page"}
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")

# Variants beyond the corpus, written for this schema: (id, referential, page, documented exception?).
LOCAL = (
    "id: local-2024\ntitle: Référentiel local\nversion: '1'\nlanguage: fr\nsource:\n  legal_basis: CFVU\n"
    "domains:\n- code: '1'\n  title: Un\n  competencies:\n  - {code: '1.1', title: Premier}\n  - {code: '1.10', title: Dixième}\nrules: {validation: all}\n"
)
PAGE = "---\ntitle: {title}\ntype: coursework\ndate: 2024-03-12\ncompetencies: {codes}\n---\n# x\n"
EXTRA = [
    ("quoted-1.10", "local", PAGE.format(title="T", codes='["1.10"]'), False),
    ("unquoted-1.10", "local", PAGE.format(title="T", codes="[1.10]"), True),
    ("unquoted-number-title", "c2i1-2011", PAGE.format(title="2024", codes="[D1.1]"), True),
    ("crcn-unquoted", "crcn-2019", PAGE.format(title="T", codes="[1.1, 2.3]"), True),
    ("padded-code", "c2i1-2011", PAGE.format(title="T", codes='[" D1.1 "]'), False),
    ("object-code", "c2i1-2011", PAGE.format(title="T", codes="[{code: D1.1, argument: Parce que}]"), False),
    ("object-unknown", "c2i1-2011", PAGE.format(title="T", codes="[{code: D1.9}]"), False),
    ("french-key", "c2i1-2011", "---\ntitle: T\ncompétences: [D1.1]\n---\n# x\n", False),
    ("cased-french-key", "c2i1-2011", "---\ntitle: T\nCompetences: [D1.1]\n---\n# x\n", False),
    ("plain-page", "c2i1-2011", "---\ntitle: Accueil\ntags: [a]\n---\n# x\n", False),
    ("crcn-level", "crcn-2019", PAGE.format(title="T", codes='[{code: "1.1", level: 4}]'), False),
    ("crcn-level-text", "crcn-2019", PAGE.format(title="T", codes='[{code: "1.1", level: "04"}]'), False),
    ("crcn-level-out", "crcn-2019", PAGE.format(title="T", codes='[{code: "1.1", level: 9}]'), False),
    ("crcn-level-word", "crcn-2019", PAGE.format(title="T", codes='[{code: "1.1", level: quatre}]'), False),
    ("c2i1-level", "c2i1-2011", PAGE.format(title="T", codes="[{code: D1.1, level: 3}]"), False),
    ("typo-with-competencies", "c2i1-2011", PAGE.format(title="T", codes="[D1.1]").replace("---\n# x", "contexte: UE\n---\n# x"), False),
]


def _front_matter(path: Path) -> str | None:
    """The YAML text a validator is given (decoded as check decodes it), or None when there is none."""
    text = frontmatter.decode(path.read_bytes(), ProblemSink(str(path)))
    if text is None:
        return None
    opening = frontmatter._OPEN_RE.match(text)
    if not opening:
        return None
    closing = frontmatter._CLOSE_RE.search(text, opening.end())
    return text[opening.end() : closing.start()] if closing else None


def _pages(root: Path) -> list[Path]:
    return sorted(p for p in (root / "docs").rglob("*.md") if p.is_file() and not p.is_symlink())


def _check_verdicts(root: Path) -> dict[str, set[str]] | None:
    """Page (project-relative) → the codes of its error problems; None when the project does not load."""
    try:
        dossier = run_check(root)
    except ConfigError:
        return None
    if dossier.referential is None:
        return None
    found: dict[str, set[str]] = {}
    for p in dossier.problems:
        if p.is_error:
            found.setdefault(p.file, set()).add(p.code)
    return found


def _schema_refusals(schema: dict, pages: dict[str, str], work: Path) -> set[str]:
    """The names check-jsonschema refuses (an error or a parse error)."""
    folder = work / "front-matter"
    folder.mkdir(parents=True, exist_ok=True)
    (work / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
    files = []
    for name, text in pages.items():
        path = folder / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        files.append(str(path))
    result = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--schemafile", str(work / "schema.json"), "-o", "json", *files],
        capture_output=True, text=True, timeout=120,
    )
    report = json.loads(result.stdout)
    refused = {Path(e["filename"]).stem for e in report.get("errors", []) + report.get("parse_errors", [])}
    return refused


@pytest.mark.skipif(not CHECK_JSONSCHEMA.exists(), reason="check-jsonschema is a test dependency")
def test_the_schema_accepts_exactly_what_check_accepts_on_the_corpus(tmp_path):
    schema = editor_schema.build(referential.load_shipped("c2i1-2011"))
    judged: dict[str, tuple[bool, str]] = {}  # name → (check refuses, case id)
    texts: dict[str, str] = {}
    for index, case in enumerate(CASES):
        root = make_dossier(tmp_path / f"case-{index}", {**BASE_FILES, **case.files}, case.symlinks)
        verdicts = _check_verdicts(root)
        if verdicts is None:
            continue  # mkdocs.yml or referential cases: no page is judged
        for page in _pages(root):
            rel = page.relative_to(root).as_posix()
            codes = verdicts.get(rel, set())
            text = _front_matter(page)
            if codes & OUT_OF_REACH or text is None:
                assert text is not None or not codes or codes & OUT_OF_REACH, (case.id, rel, codes)
                continue
            name = f"{index}-{re.sub(r'[^a-z0-9]+', '-', rel)}"
            judged[name] = (bool(codes & FRONT_MATTER_CODES), f"{case.id}: {rel} {sorted(codes)}")
            texts[name] = text
    assert len(judged) > len(CASES)  # every case's pages, the base page included
    assert any(refused for refused, _ in judged.values()) and not all(r for r, _ in judged.values())
    refused = _schema_refusals(schema, texts, tmp_path / "validator")
    disagreements = [what for name, (by_check, what) in judged.items() if (name in refused) != by_check]
    assert disagreements == []


@pytest.mark.skipif(not CHECK_JSONSCHEMA.exists(), reason="check-jsonschema is a test dependency")
def test_the_schema_accepts_the_sample_dossiers(tmp_path):
    texts = {}
    roots = [ROOT / "sample_dnc", ROOT / "sample_dnc" / "echec-qcm", *sorted((ROOT / "sample_dnc/cohorte/dossiers").iterdir())]
    for n, root in enumerate(roots):
        for page in _pages(root):
            text = _front_matter(page)
            if text is not None:
                texts[f"{n}-{page.stem}"] = text
    assert len(texts) >= 15
    schema = editor_schema.build(referential.load_shipped("c2i1-2011"))
    assert _schema_refusals(schema, texts, tmp_path) == set()
    dossier = run_check(ROOT)
    assert not [p for p in dossier.problems if p.is_error]


@pytest.mark.skipif(not CHECK_JSONSCHEMA.exists(), reason="check-jsonschema is a test dependency")
def test_variants_and_the_one_documented_exception(tmp_path):
    """Numbers plain YAML reads (1.10, 2024): the schema flags them, check accepts them. Nothing else differs."""
    by_ref: dict[str, list] = {}
    for case_id, ref, text, exception in EXTRA:
        by_ref.setdefault(ref, []).append((case_id, text, exception))
    for ref, cases in by_ref.items():
        texts, expected = {}, {}
        for case_id, text, exception in cases:
            files = {"mkdocs.yml": mkdocs_text({"referential": "referentiel.yml" if ref == "local" else ref}), CASE: text}
            if ref == "local":
                files["referentiel.yml"] = LOCAL
            root = make_dossier(tmp_path / ref / case_id, files)
            codes = (_check_verdicts(root) or {}).get(CASE, set())
            by_check = bool(codes & FRONT_MATTER_CODES)
            expected[case_id] = (by_check, exception)
            texts[case_id] = _front_matter(root / CASE)
        target = referential.load(str(tmp_path / ref / cases[0][0] / "referentiel.yml"), tmp_path).referential if ref == "local" else referential.load_shipped(ref)
        refused = _schema_refusals(editor_schema.build(target), texts, tmp_path / f"v-{ref}")
        for case_id, (by_check, exception) in expected.items():
            if exception:
                assert not by_check and case_id in refused, case_id  # check accepts, the schema flags
            else:
                assert (case_id in refused) == by_check, (case_id, by_check)
    assert {c for c, _r, _t, e in EXTRA if e} == {"unquoted-1.10", "unquoted-number-title", "crcn-unquoted"}


def test_the_schema_lists_codes_with_their_titles_and_portfolio_schema_writes_it(tmp_path):
    ref = referential.load_shipped("c2i1-2011")
    schema = editor_schema.build(ref)
    listed = schema["$defs"]["code"]["anyOf"][0]
    assert listed["enum"] == list(ref.competencies)
    assert listed["enumDescriptions"][0].startswith(ref.competencies["D1.1"].title)
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema)
    out = tmp_path / "fm.json"
    result = CliRunner().invoke(main, ["schema", str(ROOT), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8")) == schema
    result = CliRunner().invoke(main, ["schema", str(tmp_path / "nowhere")], catch_exceptions=False)
    assert result.exit_code == 2


def test_portfolio_new_wires_the_yaml_language_server(tmp_path):
    target = tmp_path / "d"
    result = CliRunner().invoke(main, ["new", str(target), "--referential", "crcn-2019"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    schema = json.loads((target / "front-matter.schema.json").read_text(encoding="utf-8"))
    assert schema["$defs"]["code"]["anyOf"][0]["enum"][0] == "1.1"
    page = next((target / "docs").rglob("premiere-preuve.md")).read_text(encoding="utf-8")
    assert page.splitlines()[1] == "# yaml-language-server: $schema=../../front-matter.schema.json"
    vscode = json.loads((target / ".vscode/settings.json").read_text(encoding="utf-8"))
    assert vscode["yaml.schemas"] == {"./front-matter.schema.json": ["docs/**/*.md"]}
    zed = json.loads((target / ".zed/settings.json").read_text(encoding="utf-8"))
    assert zed["lsp"]["yaml-language-server"]["settings"]["yaml"]["schemas"]
    assert CliRunner().invoke(main, ["check", str(target)]).exit_code == 0
    assert evidence_page  # the corpus helpers stay importable from here
