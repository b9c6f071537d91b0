"""Property tests: whatever a student or tutor writes ends in a result or problems.

Any text or bytes as a page's front matter, a referential, a review, a jury
file or an attestation must give problems (or a clean result), never an
exception. Random text rarely looks like YAML, so structured strategies build
YAML-ish text from the pieces that matter (keys, list dashes, anchors and
aliases, tabs, quotes, ``---``).

``PORTFOLIO_FUZZ_EXAMPLES`` sets the number of examples per test (``tests.conftest.FUZZ_EXAMPLES``:
500 on CI, 100 otherwise).
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from portfolio_builder.core import authority, evidence, frontmatter, jury, referential, report, reviews, schemas, yamlread
from portfolio_builder.core.check import Options, check_project
from portfolio_builder.core.evidence import Claim, Evidence
from portfolio_builder.core.problems import CODES, Problem, ProblemSink
from portfolio_builder.core.project import load_project
from tests.conftest import FUZZ_EXAMPLES, mkdocs_text, write_files

EXAMPLES = FUZZ_EXAMPLES
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

C2I1 = referential.load_shipped("c2i1-2011")
REPORT = Draft202012Validator(schemas.load_schema("report"))

# --- strategies -----------------------------------------------------------------------------

PIECES = [
    "\n", "\n", "\n", "  ", "    ", "\t", "- ", "-", ": ", ":", " ", "'", '"', "---", "...", "#", "? ",
    "&a ", "*a", "&b ", "*b", "<<: ", "!!str ", "!!python/name:os.system ", "!ENV ", "!x ",
    "[", "]", "{", "}", ", ", "|", ">", "\\", "%YAML 1.1", "\ufeff", "\r\n", "\r", "é", "\u00a0", "\x00", "\x85",
    "~", "null", "true", "yes", "1.10", "2.3", "12/03/2024", "2024-03-12", "2024-02-30", "1e3", "0x1F", ".inf",
    "D1.1", "D5.3", "A.1-1", "d1.1", "X", "../", "/etc/passwd", "fichiers/a.pdf", "javascript:alert(1)", "https://e.org",
]
KEYS = [
    # evidence
    "title", "type", "date", "context", "competencies", "competences", "commentary", "attachments", "id",
    "visibility", "code", "argument", "anchor", "path", "url", "tags",
    # referential
    "version", "language", "source", "legal_basis", "urls", "notes", "extends", "abstract", "domains", "rules",
    "validation", "min_validated", "max_not_validated_per_domain", "qcm_per_domain", "groups", "group",
    # review, jury, attestation
    "evidence", "reviewer", "verdicts", "comment", "session", "institution", "members", "decisions", "qcm",
    "passed", "score", "referential", "candidate", "name", "student_id", "validated_domains",
]
VALUES = [
    "coursework", "external", "assessment", "met", "partially_met", "not_met", "validated", "not_validated",
    "all", "threshold", "majority", "c2i1-2011", "c2i2e-2011", "c2i2-common-2011", "p.md", "ref.yml", "x.yml",
    "public", "private", "23", "-2", "true", "false", "[]", "{}", "''", "D1", "D2", "D9",
]
piece = st.one_of(
    st.sampled_from(PIECES),
    st.sampled_from(KEYS).map(lambda k: k + ": "),
    st.sampled_from(KEYS).map(lambda k: "\n" + k + ":"),
    st.sampled_from(KEYS).map(lambda k: "\n  - " + k + ": "),
    st.sampled_from(VALUES),
    st.text(max_size=6),
)
yamlish = st.lists(piece, max_size=60).map("".join)


@st.composite
def nested_yaml(draw) -> str:
    """Well-formed-looking YAML of our own shapes, with random keys and values."""
    lines = []
    for _ in range(draw(st.integers(0, 14))):
        indent = "  " * draw(st.integers(0, 3))
        key = draw(st.sampled_from(KEYS))
        kind = draw(st.integers(0, 4))
        if kind == 0:
            lines.append(f"{indent}{key}: {draw(st.sampled_from(VALUES + PIECES[40:]))}")
        elif kind == 1:
            lines.append(f"{indent}{key}:")
        elif kind == 2:
            lines.append(f"{indent}- {key}: {draw(st.sampled_from(VALUES))}")
        elif kind == 3:
            lines.append(f"{indent}- {draw(st.sampled_from(VALUES + ['D1.1', '1.10']))}")
        else:
            lines.append(f"{indent}{key}: [{', '.join(draw(st.lists(st.sampled_from(VALUES), max_size=4)))}]")
    return "\n".join(lines) + "\n"


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 30), st.floats(allow_nan=True), st.sampled_from(VALUES + KEYS),
    st.sampled_from(["D1.1", "D2.3", "D9.9", "A.1-1", "1.10", "2024-03-12", "12/03/2024", "../x", "docs/p.md"]),
    st.text(max_size=8),
)
data_tree = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.sampled_from(["D1", "D1.1", "D2", "X1", "A.1"])), children, max_size=6),
    ),
    max_leaves=25,
)


def _dump(value) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


# Documents of roughly the right shape (a mapping of our keys), so validation
# passes often enough to reach the code that runs after it.
documents = st.dictionaries(st.sampled_from(KEYS), data_tree, max_size=10).map(_dump)

any_text = st.one_of(st.text(max_size=300), yamlish, nested_yaml(), documents)


def mostly(good, *others):
    """Usually a well-formed value, sometimes anything."""
    return st.one_of(good, good, good, scalars, data_tree, *others)


codes = st.sampled_from(["D1.1", "D1.2", "D2.3", "D5.3", "D9.9", "d1.1", "1.10", "X1.1", "A.1-1", ""])
domain_codes = st.sampled_from(["D1", "D2", "D3", "D4", "D5", "D9", "X1", "d1", ""])
dates = st.sampled_from(["2024-03-12", "2024-06-20", "2099-01-01", "2024-03-01T10:00", "2024-03-01 10:00:00+02:00", "12/03/2024", "2024-02-30"])
texts = st.one_of(st.sampled_from(["U", "2024-juin", "Léa Moreau", "p.md", "p", "./p.md", "../p.md"]), st.text(max_size=10))

evidence_doc = st.fixed_dictionaries(
    {"title": mostly(texts), "type": mostly(st.sampled_from(["coursework", "assessment", "external", "essai"])),
     "date": mostly(dates),
     "competencies": mostly(st.lists(st.one_of(codes, st.fixed_dictionaries({"code": mostly(codes)}, optional={"argument": scalars, "anchor": mostly(texts)})), max_size=5))},
    optional={
        "commentary": mostly(texts), "id": mostly(texts), "visibility": mostly(st.sampled_from(["public", "private"])),
        "attachments": mostly(st.lists(st.fixed_dictionaries({}, optional={
            "path": mostly(st.sampled_from(["a.pdf", "../x", "/etc/passwd", "C:\\x", "~/x", "docs", ".", "", "fichiers/"])),
            "url": mostly(st.sampled_from(["https://e.org", "javascript:x", "mailto:a@b.c"])),
            "title": scalars, "visibility": mostly(st.sampled_from(["public", "private"]))}), max_size=4)),
    },
).map(_dump)

review_doc = st.fixed_dictionaries(
    {"evidence": mostly(texts), "reviewer": mostly(texts), "date": mostly(dates),
     "verdicts": mostly(st.dictionaries(codes, mostly(st.sampled_from(["met", "partially_met", "not_met"])), max_size=4))},
    optional={"comment": scalars},
).map(_dump)

jury_doc = st.fixed_dictionaries(
    {"session": mostly(texts), "date": mostly(dates), "institution": mostly(texts), "members": mostly(st.lists(texts, max_size=3)),
     "decisions": mostly(st.dictionaries(codes, mostly(st.sampled_from(["validated", "not_validated"])), max_size=6))},
    optional={"qcm": mostly(st.dictionaries(domain_codes, mostly(st.fixed_dictionaries({"passed": mostly(st.booleans())}, optional={"score": scalars})), max_size=5)),
              "comment": scalars},
).map(_dump)

attestation_doc = st.fixed_dictionaries(
    {"referential": mostly(st.sampled_from(["c2i1-2011", "c2i2e-2011"])), "candidate": mostly(st.fixed_dictionaries({"name": mostly(texts)}, optional={"student_id": mostly(texts)})),
     "session": mostly(texts), "institution": mostly(texts), "date": mostly(dates), "validated_domains": mostly(st.lists(domain_codes, max_size=5))},
).map(_dump)

competency = st.fixed_dictionaries({"code": mostly(codes), "title": mostly(texts)}, optional={"description": scalars})
referential_doc = st.fixed_dictionaries(
    {"id": mostly(st.sampled_from(["local", "Local x", "c2i1-2011"])), "title": mostly(texts), "version": mostly(st.just("1")),
     "language": mostly(st.sampled_from(["fr", "en"])), "source": mostly(st.fixed_dictionaries({"legal_basis": mostly(texts)})),
     "domains": mostly(st.lists(st.fixed_dictionaries({"code": mostly(domain_codes), "title": mostly(texts), "competencies": mostly(st.lists(competency, max_size=4))}), max_size=4))},
    optional={
        "rules": mostly(st.fixed_dictionaries({"validation": mostly(st.sampled_from(["all", "threshold"]))}, optional={
            "min_validated": mostly(st.integers(-1, 30)), "max_not_validated_per_domain": mostly(st.integers(-1, 5)),
            "qcm_per_domain": mostly(st.booleans())})),
        "extends": mostly(st.sampled_from(["c2i2-common-2011", "c2i1-2011", "nope", "ref-0.yml"])),
        "abstract": mostly(st.booleans()),
        "groups": mostly(st.lists(st.fixed_dictionaries({"code": mostly(texts), "title": mostly(texts)}), max_size=2)),
    },
).map(_dump)


def file_bytes(shaped):
    return st.one_of(any_bytes, shaped.map(lambda t: t.encode("utf-8", "surrogatepass")))
any_bytes = st.one_of(st.binary(max_size=300), any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
                      any_text.map(lambda t: t.encode("latin-1", "replace")))


def assert_problems(items: list[Problem]) -> None:
    for p in items:
        assert p.code in CODES
        assert p.line >= 1 and p.column >= 1
        assert p.format("fr") and p.format("en")


# --- workspaces -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """One project per test module (session-scoped folders: safe with hypothesis and xdist)."""
    root = tmp_path_factory.mktemp("fuzz")
    write_files(root, {
        "mkdocs.yml": mkdocs_text({"institution": "U", "session": "2024-juin"}),
        "docs/p.md": "---\ntitle: P\ntype: coursework\ndate: 2024-01-01\ncompetencies: [D1.1]\n---\n",
    })
    return root


counter = itertools.count()


# --- pages ----------------------------------------------------------------------------------


@FUZZ
@given(text=st.one_of(any_text, evidence_doc))
def test_any_front_matter_text(text):
    sink = ProblemSink("docs/p.md")
    source = frontmatter.split("---\n" + text + "\n---\n# Titre\n", sink)
    if source.front_matter is not None and isinstance(source.front_matter.data, dict):
        schemas.validate("evidence", source.front_matter, sink)
    assert_problems(sink.items)


@FUZZ
@given(data=file_bytes(evidence_doc), wrap=st.booleans())
def test_any_page_bytes(workspace, data, wrap):
    docs = workspace / "docs"
    page = docs / "fuzz.md"
    page.write_bytes(b"---\n" + data + b"\n---\n" if wrap else data)
    sink = ProblemSink("docs/fuzz.md")
    result = evidence.read_page(page, "fuzz.md", docs.resolve(), workspace.resolve(), C2I1, sink)
    assert_problems(sink.items)
    if result.evidence is not None:
        assert all(isinstance(code, str) for code in result.evidence.codes)


@FUZZ
@given(text=st.one_of(any_text, evidence_doc))
def test_any_page_through_the_whole_check_gives_a_valid_report(workspace, text):
    (workspace / "docs" / "fuzz.md").write_text("---\n" + text + "\n---\n", encoding="utf-8", errors="surrogatepass")
    dossier = check_project(load_project(workspace), Options())
    assert_problems(dossier.problems)
    document = report.build(dossier)
    assert not list(REPORT.iter_errors(document))
    report.to_csv(document)


@FUZZ
@given(text=any_text)
def test_any_yaml_text(text):
    for numbers in (True, False):
        sink = ProblemSink("f")
        doc = yamlread.parse(text, sink, numbers=numbers, line_offset=3)
        assert_problems(sink.items)
        if doc is not None:
            doc.pos(("a", 0, "b"))


# --- data files -----------------------------------------------------------------------------


@FUZZ
@given(data=file_bytes(referential_doc))
def test_any_referential_file(workspace, data):
    name = f"ref-{next(counter)}.yml"
    (workspace / name).write_bytes(data)
    result = referential.load(name, workspace)
    assert_problems(result.problems)
    if result.referential is not None:
        assert result.referential.competencies


@FUZZ
@given(data=file_bytes(review_doc))
def test_any_review_file(workspace, data):
    folder = workspace / "reviews-fuzz"
    folder.mkdir(exist_ok=True)
    (folder / "r.yml").write_bytes(data)
    items = [Evidence(path="p.md", id="p", title="P", type="coursework", date="2024-01-01", claims=[Claim("D1.1")])]
    project = SimpleNamespace(root=workspace.resolve(), docs_dir=(workspace / "docs").resolve(), untrusted=False)
    index, found = reviews.load(folder, project, items, C2I1, "reviews/")
    assert_problems(found)
    for review in index.reviews:
        assert review.evidence_path == "p.md"


@FUZZ
@given(data=file_bytes(jury_doc))
def test_any_jury_file(workspace, data):
    (workspace / "jury.yml").write_bytes(data)
    loaded, found = jury.load_jury(workspace / "jury.yml", C2I1)
    assert_problems(found)
    if loaded is not None:
        assert set(loaded.decisions) <= set(C2I1.competencies)


@FUZZ
@given(data=file_bytes(attestation_doc))
def test_any_attestation_file(workspace, data):
    name = f"att-{next(counter)}.yml"
    (workspace / name).write_bytes(data)
    project = load_project(workspace)
    project.settings = dataclasses.replace(project.settings, previous_attestations=(name,))
    attestations, found = jury.load_attestations(project, C2I1, authority.sources(project))
    assert_problems(found)
    for attestation in attestations:
        assert set(attestation.validated_domains) <= set(C2I1.domain_index)


@FUZZ
@given(body=st.one_of(st.text(max_size=300), st.lists(st.sampled_from(["#", "# ", "## ", " ", "\t", "{", "}", "{#", "{: ", ".c", "a", "é", "-", "=", "```", "\n"]), max_size=80).map("".join)))
def test_any_page_body_gives_heading_ids(body):
    ids = evidence.heading_ids(body)
    assert all(isinstance(i, str) for i in ids)
