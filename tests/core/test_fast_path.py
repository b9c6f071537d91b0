"""The fast path of `portfolio check`: ahead-of-time compiled schemas, lazy imports.

The generated validators (``core/compiled/``, fastjsonschema) must be current, never
accept what jsonschema refuses, and leave every message to jsonschema; a valid dossier
is checked without importing jsonschema, and ``portfolio --help`` imports no checker.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_builder.core import schemas, yamlread
from portfolio_builder.core.problems import ProblemSink
from portfolio_builder.resources import schema_dir
from tests.conftest import FUZZ_EXAMPLES

SCHEMAS = sorted(p.name.removesuffix(".schema.json") for p in schema_dir().glob("*.schema.json"))
COMPILED = Path(schemas.__file__).parent / "compiled"


# What `portfolio check` validates at every page: these must have their fast code.
# cohort.yml (read once per cohort) uses keywords the fast code may not implement alike: jsonschema reads it.
FAST = ["attestation", "dossier", "evidence", "jury", "review"]


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_safe_schema_has_a_current_compiled_validator(name: str) -> None:
    schema = schemas.load_schema(name)
    if name in FAST:
        assert schemas.fast_keywords_only(schema), f"{name}: a keyword the fast code may not implement like jsonschema"
    if schemas.fast_keywords_only(schema):
        assert schemas.fast_validator(name) is not None, f"{name}: run `make schemas`"
        assert schemas.fast_validator(name) is schemas.fast_validator(name)  # built once
    else:
        assert schemas.fast_validator(name) is None  # jsonschema alone


def test_generated_code_is_what_make_schemas_writes(tmp_path: Path) -> None:
    pytest.importorskip("fastjsonschema")
    schemas.generate_fast_validators(tmp_path)
    for path in sorted(tmp_path.glob("*.py")):
        assert (COMPILED / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), path.name
    assert sorted(p.name for p in COMPILED.glob("*.py")) == sorted(p.name for p in tmp_path.glob("*.py"))


def test_a_stale_compiled_validator_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    schemas.fast_validator.cache_clear()
    monkeypatch.setattr(schemas, "schema_digest", lambda name: "0" * 64)
    try:
        assert schemas.fast_validator("evidence") is None
        sink = ProblemSink("f")
        doc = yamlread.parse("title: T\ntype: travail\ndate: 2024-03-12\ncompetencies: [D1.1]\n", sink)
        assert not schemas.validate("evidence", doc, sink)  # jsonschema alone still decides
        assert [p.code for p in sink.items] == ["schema"]
    finally:
        monkeypatch.undo()
        schemas.fast_validator.cache_clear()


def test_the_unknown_keyword_guard() -> None:
    assert schemas.fast_keywords_only({"type": "object", "properties": {"a": {"enum": ["met", None]}, "b": {"const": "x"}}})
    assert not schemas.fast_keywords_only({"properties": {"a": {"unevaluatedProperties": False}}})
    assert not schemas.fast_keywords_only({"dependentRequired": {"a": ["b"]}})
    # Python's True == 1: a numeric or boolean const/enum would let `true` pass for 1.
    assert not schemas.fast_keywords_only({"properties": {"v": {"const": 1}}})
    assert not schemas.fast_keywords_only({"enum": ["a", True]})
    assert not schemas.fast_keywords_only({"items": {"enum": [0, 1]}})


@pytest.mark.parametrize("name", ["report", "manifest", "referential"])
def test_a_boolean_for_a_number_is_refused_whatever_the_path(name: str) -> None:
    # These schemas hold `const: 1` or `const: true`: jsonschema alone validates them.
    assert schemas.fast_validator(name) is None
    assert not schemas.is_valid("report", {"format_version": True})


# Values that probe the differences between the two engines: formats, patterns and their
# `$` (a trailing newline), booleans against integers, floats that are integers, NaN.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10),
    st.sampled_from([1.0, 2.5, float("nan"), 0.0, -1.5]),
    st.sampled_from(
        [
            "", " ", "2024-03-12", "2024-02-30", "12/03/2024", "2024-03-12\n", "D1.1", "D1.1\n", "a@b", "a@b.fr",
            "https://x.fr", "javascript:alert(1)", "mailto:a@b.fr", "coursework", "external", "private",
            "met", "validated", "fr", "en", "c2i1-2011", "21904512", "21904512\n", "x" * 70, "D4", "1", "#",
        ]
    ),
    st.text(max_size=8),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["code", "path", "url", "title", "level", "argument", "anchor", "visibility", "x"]), inner, max_size=3), max_leaves=8)


def _keys(name: str) -> list[str]:
    schema = schemas.load_schema(name)
    return sorted(schema.get("properties", {})) + ["other"]


def documents(name: str):
    return st.dictionaries(st.sampled_from(_keys(name)), VALUES, max_size=8)


@pytest.mark.parametrize("name", FAST)
def test_the_fast_code_never_accepts_what_jsonschema_refuses(name: str) -> None:
    fast = schemas.fast_validator(name)
    strict = schemas.validator(name)

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(documents(name))
    def check(document: dict) -> None:
        if strict.is_valid(document):
            return
        with pytest.raises(Exception):  # noqa: B017 - any refusal sends the page to jsonschema
            fast(document)
        assert not schemas.is_valid(name, document)

    check()


INVALID = [
    "title: T\ntype: travail\ndate: 12/03/2024\ncompetencies: [D1.1]\n",
    "title: 3\ntype: external\ndate: 2024-02-30\ncompetencies: []\nattachments: [{url: 'javascript:x'}]\n",
    "titre: T\ntype: coursework\ndate: 2024-03-12\ncompetencies: [{code: D1.1, level: 12, extra: 1}]\n",
    "title: T\ntype: coursework\ndate: 2024-03-12\ncompetencies: D1.1\nvisibility: privée\n",
]


@pytest.mark.parametrize("text", INVALID)
def test_messages_are_those_of_jsonschema_alone(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def problems() -> list[tuple]:
        sink = ProblemSink("f")
        doc = yamlread.parse(text, sink)
        schemas.validate("evidence", doc, sink)
        return [(p.code, p.line, p.column, p.field, p.message("fr"), p.hint("fr")) for p in sink.items]

    with_fast = problems()
    monkeypatch.setattr(schemas, "fast_validator", lambda name: None)
    assert with_fast == problems() and with_fast


def _modules_after(args: list[str], cwd: Path) -> dict[str, bool]:
    probe = (
        "import sys\nfrom portfolio_builder import cli\nsys.argv = ['portfolio', *sys.argv[1:]]\n"
        "try:\n    cli.main()\nexcept SystemExit as exit:\n    code = exit.code\n"
        "import json\nnames = ['jsonschema', 'fastjsonschema', 'mkdocs', 'jinja2', 'yaml', 'portfolio_builder.core.check',"
        " 'portfolio_builder.core.report', 'jwcrypto', 'subprocess', 'decimal']\n"
        "print(json.dumps({n: n in sys.modules for n in names} | {'code': code}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _one_page(root: Path) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text("site_name: D\ntheme: {name: material}\nplugins:\n  - portfolio:\n      referential: c2i1-2011\n", encoding="utf-8")
    (root / "docs" / "p.md").write_text("---\ntitle: P\ntype: coursework\ndate: 2024-03-12\ncompetencies: [D1.1]\n---\n# P\n", encoding="utf-8")
    return root


def test_checking_a_valid_dossier_imports_neither_jsonschema_nor_the_site_machinery(tmp_path: Path) -> None:
    seen = _modules_after(["check", str(_one_page(tmp_path / "d"))], tmp_path)
    assert seen["code"] == 0
    assert seen["portfolio_builder.core.check"] and seen["yaml"]
    for name in ("jsonschema", "fastjsonschema", "mkdocs", "jinja2", "portfolio_builder.core.report", "jwcrypto", "subprocess", "decimal"):
        assert not seen[name], name


def test_an_invalid_page_still_gets_jsonschema_words(tmp_path: Path) -> None:
    root = _one_page(tmp_path / "d")
    (root / "docs" / "p.md").write_text("---\ntitle: P\ntype: travail\ndate: 2024-03-12\ncompetencies: [D1.1]\n---\n", encoding="utf-8")
    seen = _modules_after(["check", str(root)], tmp_path)
    assert seen["code"] == 1 and seen["jsonschema"]
    done = subprocess.run([sys.executable, "-m", "portfolio_builder", "check", str(root)], capture_output=True, text=True, timeout=60)
    assert "docs/p.md:3:7: erreur[schema] type" in done.stdout + done.stderr
    assert "coursework" in done.stdout + done.stderr


def test_help_imports_none_of_the_check_machinery(tmp_path: Path) -> None:
    seen = _modules_after(["--help"], tmp_path)
    assert seen["code"] == 0
    for name in ("jsonschema", "mkdocs", "jinja2", "yaml", "portfolio_builder.core.check", "jwcrypto"):
        assert not seen[name], name


def test_every_shipped_referential_is_valid() -> None:
    # `portfolio check` no longer validates the package's own referentials at each start.
    from portfolio_builder.core.referential import shipped_ids
    from portfolio_builder.resources import referentials_dir

    files = sorted(referentials_dir().glob("*.yml"))
    assert len(files) >= len(shipped_ids()) >= 8
    for path in files:
        sink = ProblemSink(path.name)
        doc = yamlread.parse(path.read_text(encoding="utf-8"), sink)
        assert doc is not None and sink.items == [], path.name
        assert schemas.validate("referential", doc, sink), [p.format("en") for p in sink.items]
        assert schemas.validator("referential").is_valid(doc.data), path.name


def test_checking_a_dossier_never_loads_the_referential_validator(tmp_path: Path) -> None:
    probe = (
        "import sys\nfrom portfolio_builder import cli\nsys.argv = ['portfolio', 'check', sys.argv[1]]\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "print('portfolio_builder.core.compiled.referential' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(_one_page(tmp_path / "d"))], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "False"
