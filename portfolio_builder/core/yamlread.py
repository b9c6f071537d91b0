"""YAML with positions, safe against the traps students fall into.

PyYAML's own loaders lose positions, keep the last of duplicate keys, turn
``1.10`` into the float ``1.1`` and ``2024-05-01`` into a ``date``. We compose
the node tree with the C parser (which keeps marks) and build plain Python
values ourselves:

* every mapping key is the text as written (competency codes stay codes);
* timestamps stay text, so JSON Schema's ``format: date`` can check them;
* with ``numbers=False`` (front matter) numbers stay text too: ``1.10`` is a
  competency code, not a float;
* duplicate keys, unknown tags and alias bombs become problems, not surprises.

Positions are 1-based ``(line, column)`` in the *file*, ``line_offset`` being
the file line of the YAML text's first line minus one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, cast

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from portfolio_builder.core.problems import ProblemSink
from portfolio_builder.i18n import Term

_Loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]
try:  # libyaml is ~10x faster; fall back quietly where it is missing.
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader

Path_ = tuple[str | int, ...]
Pos = tuple[int, int]

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
MERGE = "tag:yaml.org,2002:merge"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"

# Limits that keep hostile input (alias bombs, absurd nesting) bounded in time
# and memory. A real front matter has a few dozen nodes and depth < 6.
MAX_NODES = 50_000
MAX_DEPTH = 40

_scalars = SafeConstructor()


@dataclass(slots=True)
class YamlDoc:
    """Plain data plus where each value and key was written."""

    data: Any
    start: Pos
    positions: dict[Path_, Pos] = field(default_factory=dict)
    key_positions: dict[Path_, Pos] = field(default_factory=dict)

    def pos(self, path: Path_) -> Pos:
        """Position of the value at ``path``, or of its nearest written parent."""
        while path:
            hit = self.positions.get(path)
            if hit is not None:
                return hit
            path = path[:-1]
        return self.start

    def key_pos(self, path: Path_) -> Pos:
        return self.key_positions.get(path) or self.pos(path)


class _TooComplex(Exception):
    def __init__(self, node: Node, reason: str) -> None:
        self.node = node
        self.reason = reason


class _Builder:
    def __init__(
        self, sink: ProblemSink, line_offset: int, numbers: bool, tolerate_tags: bool, prefix: Path_, resolve_env: bool
    ):
        self.sink = sink
        self.line_offset = line_offset
        self.numbers = numbers
        self.tolerate_tags = tolerate_tags
        self.resolve_env = resolve_env
        self.prefix = prefix
        self.count = 0
        self.doc = YamlDoc(data=None, start=(1 + line_offset, 1))

    def mark(self, node: Node) -> Pos:
        return (node.start_mark.line + 1 + self.line_offset, node.start_mark.column + 1)

    def build(self, node: Node, path: Path_, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooComplex(node, "nodes")
        if depth > MAX_DEPTH:
            raise _TooComplex(node, "depth")
        self.doc.positions[path] = self.mark(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag == "!ENV" and self.tolerate_tags:
                if not self.resolve_env:
                    return None
                return _env_sequence([self.build(c, path + (i,), depth + 1) for i, c in enumerate(node.value)])
            self.check_tag(node, SEQ, path)
            return [self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        self.check_tag(node, MAP, path)
        return self.mapping(cast(MappingNode, node), path, depth)  # the only other kind of node

    def mapping(self, node: MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        seen: dict[str, Pos] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE:
                merged.update(self.merge_source(value_node, path, depth))
                continue
            key_pos = self.mark(key_node)
            if not isinstance(key_node, ScalarNode):
                self.sink.error(
                    "schema", key_pos, field_name(self.prefix + path), "yaml.key_not_text"
                )
                continue
            key = key_node.value
            child = path + (key,)
            if key in seen:
                first = seen[key]
                self.sink.error(
                    "duplicate-key",
                    key_pos,
                    field_name(self.prefix + child),
                    "yaml.duplicate_key",
                    hint_id="yaml.duplicate_key.hint",
                    hint_args={"line": first[0]},
                    key=key,
                )
                continue
            seen[key] = key_pos
            self.doc.key_positions[child] = key_pos
            result[key] = self.build(value_node, child, depth + 1)
        for key, value in merged.items():
            result.setdefault(key, value)
        return result

    def merge_source(self, node: Node, path: Path_, depth: int) -> dict[str, Any]:
        value = self.build(node, path + ("<<",), depth + 1)
        sources = value if isinstance(value, list) else [value]
        merged: dict[str, Any] = {}
        for source in reversed(sources):
            if isinstance(source, dict):
                merged.update(source)
        return merged

    def check_tag(self, node: Node, expected: str, path: Path_) -> None:
        if node.tag != expected and not self.tolerate_tags:
            self.sink.error("yaml-syntax", self.mark(node), field_name(self.prefix + path), "yaml.tag", tag=node.tag)

    def scalar(self, node: ScalarNode, path: Path_) -> Any:
        tag = node.tag
        if tag in (STR, TIMESTAMP):
            return node.value
        if tag == NULL:
            return None
        if tag == BOOL:
            return _scalars.construct_yaml_bool(node)
        if tag in (INT, FLOAT):
            if not self.numbers:
                return node.value
            try:
                return _scalars.construct_yaml_int(node) if tag == INT else _scalars.construct_yaml_float(node)
            except ValueError:
                return node.value
        if tag == "!ENV" and self.tolerate_tags:
            return _env_value(node.value) if self.resolve_env else None
        if not self.tolerate_tags:
            self.sink.error("yaml-syntax", self.mark(node), field_name(self.prefix + path), "yaml.tag", tag=tag)
        return node.value


def _env_value(spec: str) -> str | None:
    """MkDocs' ``!ENV VAR`` (or ``!ENV [VAR, default]``) resolved the same way."""
    return os.environ.get(spec.strip())


def _env_sequence(items: list[Any]) -> Any:
    """``!ENV [VAR1, VAR2, default]``: the first variable set, else the default."""
    for name in items[:-1]:
        if isinstance(name, str) and name in os.environ:
            return os.environ[name]
    return items[-1] if items else None


def field_name(path: Path_) -> str:
    """``competencies[1].code`` from ('competencies', 1, 'code')."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text



_TAB_RE = re.compile(r"^[ ]*\t", re.MULTILINE)


def parse(
    text: str,
    sink: ProblemSink,
    *,
    line_offset: int = 0,
    numbers: bool = True,
    tolerate_tags: bool = False,
    resolve_env: bool = True,
    prefix: Path_ = (),
) -> YamlDoc | None:
    """Parse one YAML document; problems go to ``sink``; ``None`` when unusable."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        _report_syntax(exc, text, sink, line_offset)
        return None
    except yaml.YAMLError as exc:  # errors without a mark (rare: reader errors)
        sink.error("yaml-syntax", (1 + line_offset, 1), "", "yaml.syntax", problem=str(exc))
        return None
    builder = _Builder(sink, line_offset, numbers, tolerate_tags, prefix, resolve_env)
    if node is None:
        builder.doc.data = None
        return builder.doc
    builder.doc.start = builder.mark(node)
    try:
        builder.doc.data = builder.build(node, (), 0)
    except _TooComplex as exc:
        sink.error(
            "yaml-too-complex",
            builder.mark(exc.node),
            "",
            f"yaml.too_complex.{exc.reason}",
            limit=MAX_NODES if exc.reason == "nodes" else MAX_DEPTH,
        )
        return None
    return builder.doc


def _report_syntax(exc: yaml.MarkedYAMLError, text: str, sink: ProblemSink, line_offset: int) -> None:
    mark = exc.problem_mark or exc.context_mark
    if exc.problem_mark and exc.context_mark and not text[exc.problem_mark.index :].strip():
        # Found only at the end of the text (an unclosed `[`, `{` or quote): the end is
        # the closing `---` or past the last line; where the construct opens is the mistake.
        mark = exc.context_mark
    line = (mark.line if mark else 0) + 1 + line_offset
    column = (mark.column if mark else 0) + 1
    problem = (exc.problem or "").strip()
    if "maximum nesting depth" in problem:
        sink.error("yaml-too-complex", (line, column), "", "yaml.too_complex.depth", limit=MAX_DEPTH)
        return
    hint_id = "yaml.syntax.hint"
    if "\t" in problem or "'\\t'" in problem or _TAB_RE.search(text):
        hint_id = "yaml.tab.hint"
    elif "mapping values are not allowed" in problem:
        hint_id = "yaml.colon.hint"
    sink.error("yaml-syntax", (line, column), "", "yaml.syntax", hint_id=hint_id, problem=_explain(problem))


# libyaml's problems, in the reader's words (an unknown one is shown as libyaml says it).
_PROBLEMS = (
    ("found character that cannot start any token", "yaml.problem.bad_start"),
    ("found a tab character", "yaml.problem.tab"),
    ("mapping values are not allowed", "yaml.problem.colon"),
    ("could not find expected ':'", "yaml.problem.expected_colon"),
    ("did not find expected key", "yaml.problem.expected_key"),
    ("did not find expected ',' or ']'", "yaml.problem.unclosed_bracket"),
    ("did not find expected ',' or '}'", "yaml.problem.unclosed_brace"),
    ("found unexpected end of stream", "yaml.problem.end_of_text"),
    ("found undefined alias", "yaml.problem.undefined_alias"),
    ("found unknown escape character", "yaml.problem.escape"),
    ("did not find expected '-' indicator", "yaml.problem.expected_dash"),
    ("expected <block end>", "yaml.problem.indentation"),
    ("did not find expected node content", "yaml.problem.no_value"),
    ("found unexpected ':'", "yaml.problem.colon"),
    ("expected a single document", "yaml.problem.two_documents"),
)


def _explain(problem: str) -> Term | str:
    for start, key in _PROBLEMS:
        if problem.startswith(start):
            return Term(key)
    return problem
