"""JSON Schema validation with human messages at the right line.

Two validators per schema, each built once and only when needed:

- the fast path: code generated ahead of time by ``fastjsonschema`` from each
  schema file (``core/compiled/``, regenerated with ``make schemas``, checked
  current by the tests). It answers "valid or not" and imports nothing heavy;
- ``jsonschema``, imported only to word the messages of a document the fast path
  refused. It is the authority: a document the fast path refuses but jsonschema
  accepts (the fast code is a little stricter on a few formats) has no problem.

Each ``jsonschema`` error is turned into a problem whose position is that of the
offending value in the YAML file (or of the key for unknown fields, or of the
mapping for missing fields).
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portfolio_builder.core.problems import ProblemSink
from portfolio_builder.core.yamlread import Path_, YamlDoc, field_name
from portfolio_builder.i18n import Term, has
from portfolio_builder.resources import schema_dir

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

# The schema keywords the generated fast code implements exactly as jsonschema does (or more
# strictly, never more loosely). A schema using any other keyword gets no fast path.
FAST_KEYWORDS = frozenset(
    {
        "$defs", "$id", "$ref", "$schema", "additionalProperties", "allOf", "anyOf", "const", "default",
        "description", "else", "enum", "format", "if", "items", "maxItems", "maxLength", "maximum",
        "minItems", "minLength", "minProperties", "minimum", "not", "oneOf", "pattern", "properties",
        "required", "then", "title", "type", "uniqueItems", "x-message", "examples", "$comment",
    }
)
COMPILED_PACKAGE = "portfolio_builder.core.compiled"

# Failures that deserve their own stable problem code, keyed by
# (last path element, keyword). Everything else is ``schema``.
CodeOverrides = dict[tuple[str, str], str]

_DMY_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YMD_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The values a French-speaking author writes for ours: "acquis" means `met`.
_FRENCH_VALUES = {
    "acquis": "met",
    "acquise": "met",
    "partiellement acquis": "partially_met",
    "partiellement_acquis": "partially_met",
    "partiellement": "partially_met",
    "non acquis": "not_met",
    "non_acquis": "not_met",
    "validé": "validated",
    "validée": "validated",
    "valide": "validated",
    "non validé": "not_validated",
    "non validée": "not_validated",
    "production": "coursework",
    "travail": "coursework",
    "cours": "coursework",
    "contrôle": "assessment",
    "controle": "assessment",
    "évaluation": "assessment",
    "evaluation": "assessment",
    "qcm": "assessment",
    "externe": "external",
    "privé": "private",
    "privée": "private",
    "prive": "private",
    "publique": "public",
    "entraînement": "training",
    "entrainement": "training",
}


@cache
def load_schema(name: str) -> dict[str, Any]:
    return json.loads((schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))


def schema_digest(name: str) -> str:
    return hashlib.sha256((schema_dir() / f"{name}.schema.json").read_bytes()).hexdigest()


@cache
def validator(name: str) -> Draft202012Validator:
    """The jsonschema validator (the schemas themselves are checked by the tests, not at each start)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def fast_validator(name: str) -> Callable[[Any], Any] | None:
    """The ahead-of-time compiled check of schema ``name``; None when it is missing or stale."""
    try:
        module = importlib.import_module(f"{COMPILED_PACKAGE}.{name.replace('-', '_')}")
    except ImportError:
        return None
    if getattr(module, "SCHEMA_SHA256", None) != schema_digest(name):
        return None  # the schema changed since `make schemas`: jsonschema alone, still correct
    return module.validate


def is_valid(name: str, instance: Any) -> bool:
    fast = fast_validator(name)
    if fast is not None:
        try:
            fast(instance)
            return True
        except Exception:  # noqa: BLE001 - any refusal of the fast code: jsonschema decides
            pass  # maybe only stricter than jsonschema: let it decide
    return validator(name).is_valid(instance)


def _python_equal_is_json_equal(value: Any) -> bool:
    # The generated code compares with Python's ==, where True == 1 == 1.0; JSON Schema
    # does not. Only text and null compare alike in both.
    return value is None or isinstance(value, str)


def fast_keywords_only(schema: Any) -> bool:
    """True when every keyword of ``schema`` is one the fast code implements like jsonschema
    (or more strictly, never more loosely)."""
    if isinstance(schema, list):
        return all(fast_keywords_only(item) for item in schema)
    if not isinstance(schema, dict):
        return True
    for key, value in schema.items():
        if key not in FAST_KEYWORDS:
            return False
        if key == "const" and not _python_equal_is_json_equal(value):
            return False
        if key == "enum" and not all(_python_equal_is_json_equal(v) for v in value):
            return False
        if key in ("properties", "$defs"):
            if not all(fast_keywords_only(v) for v in value.values()):
                return False
        elif key not in ("enum", "const", "default", "examples", "required") and not fast_keywords_only(value):
            return False
    return True


_EXCEPTIONS = '''
class JsonSchemaValueException(ValueError):
    """Raised by the generated code; only "invalid" matters here (jsonschema words the problems)."""

    def __init__(self, message, value=None, name=None, definition=None, rule=None):
        super().__init__(message)


class JsonSchemaValuesException(ValueError):
    def __init__(self, errors):
        super().__init__(errors)
'''


def generate_fast_validators(dest: Path) -> list[str]:
    """Write one module per schema into ``dest`` (``make schemas``); return the schemas compiled.

    The code is fastjsonschema's own; only its import of the two exception classes is
    replaced by local ones, so that checking a page never imports the code generator."""
    import fastjsonschema

    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.py"):
        if old.name != "__init__.py":
            old.unlink()
    (dest / "__init__.py").write_text(
        '"""Generated by `make schemas` (fastjsonschema) from schema/*.schema.json: do not edit."""\n', encoding="utf-8"
    )
    done = []
    for path in sorted(schema_dir().glob("*.schema.json")):
        name = path.name.removesuffix(".schema.json")
        schema = json.loads(path.read_text(encoding="utf-8"))
        if not fast_keywords_only(schema):
            continue
        code = fastjsonschema.compile_to_code(schema, use_default=False, use_formats=True)
        entry = re.search(r"^def (validate\w*)\(data", code, re.M)
        assert entry is not None
        code = code.replace("from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException\n", _EXCEPTIONS)
        # YAML and JSON never yield a Decimal: spare every start the import of `decimal`.
        code = code.replace("from decimal import Decimal\n", "Decimal = float  # no Decimal can reach these checks\n")
        header = f'"""Generated by `make schemas` from schema/{path.name}: do not edit."""\n# ruff: noqa\n'
        footer = f"\n\nSCHEMA_SHA256 = {schema_digest(name)!r}\nvalidate = {entry.group(1)}\n"
        (dest / f"{name.replace('-', '_')}.py").write_text(header + code + footer, encoding="utf-8")
        done.append(name)
    return done


def validate(
    name: str,
    doc: YamlDoc,
    sink: ProblemSink,
    *,
    prefix: Path_ = (),
    instance: Any = None,
    overrides: CodeOverrides | None = None,
) -> bool:
    """Validate ``doc.data`` (or ``instance``) and report every error. True if valid."""
    data = doc.data if instance is None else instance
    fast = fast_validator(name)
    if fast is not None:
        try:
            fast(data)
            return True  # the common case: jsonschema is never imported
        except Exception:  # noqa: BLE001 - any refusal of the fast code: jsonschema decides
            pass  # jsonschema words every problem (and has the last word)
    errors = list(validator(name).iter_errors(data))
    # jsonschema yields one `required` error per missing key, each naming the
    # whole list: the n-th error at one place is about the n-th missing key.
    required_seen: dict[tuple, int] = {}
    for error in errors:
        error = _deepest(error)
        nth = 0
        if error.validator == "required":
            where = (tuple(error.absolute_path), tuple(error.absolute_schema_path))
            nth = required_seen.get(where, 0)
            required_seen[where] = nth + 1
        _report(name, error, doc, sink, prefix, overrides or {}, nth)
    return not errors


def _deepest(error: ValidationError) -> ValidationError:
    """For ``oneOf``/``anyOf``, the sub-error of the branch the value was meant for."""
    from jsonschema.exceptions import best_match

    while error.context:
        candidates = [e for e in error.context if not _wrong_kind(e)] or list(error.context)
        error = best_match(candidates)
    return error


def _wrong_kind(error: ValidationError) -> bool:
    # A "type" failure at the branch's own level means the value is of another
    # kind altogether: that branch is not the one the author meant.
    return error.validator == "type" and not error.relative_path


def _condition_key(name: str, error: ValidationError) -> str | None:
    """For a failure inside an ``if``/``then``, the key the ``if`` looked at."""
    schema_path = list(error.absolute_schema_path)
    if "then" not in schema_path:
        return None
    root: Any = load_schema(name)
    node = root
    try:
        for part in schema_path[: schema_path.index("then")]:
            # The schema path goes through `$ref`s without naming them: follow them.
            while isinstance(node, dict) and part not in node and str(node.get("$ref", "")).startswith("#/"):
                target = root
                for step in node["$ref"][2:].split("/"):
                    target = target[step]
                node = target
            node = node[part]
        keys = list(node.get("if", {}).get("properties", {}))
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return keys[0] if keys else None


def _report(
    name: str, error: ValidationError, doc: YamlDoc, sink: ProblemSink, prefix: Path_, overrides: CodeOverrides, nth: int = 0
) -> None:
    path: Path_ = tuple(error.absolute_path)
    keyword = str(error.validator)
    found = error.instance
    expected = error.validator_value
    pos = doc.pos(prefix + path)
    hint_id: str | None = None
    hint_args: dict[str, Any] = {}
    args: dict[str, Any] = {}
    target = path

    if keyword == "required":
        missing = [key for key in expected if isinstance(found, dict) and key not in found]
        key = missing[min(nth, len(missing) - 1)] if missing else str(expected)
        target = path + (key,)
        message_id = "schema.required"
        args = {"name": key}
        pos = doc.key_pos(prefix + path) if path or prefix else doc.start
        trigger = _condition_key(name, error)
        if trigger is not None and isinstance(found, dict) and trigger in found:
            # "commentary is required *because* type is external": point at `type`.
            pos = doc.key_pos(prefix + path + (trigger,))
        if has(f"schema.required.{key}.hint"):
            hint_id = f"schema.required.{key}.hint"
    elif keyword == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        extras = [k for k in found if k not in known] if isinstance(found, dict) else []
        for extra in extras:
            close = difflib.get_close_matches(extra, known, n=1, cutoff=0.6)
            sink.error(
                overrides.get((extra, keyword), "schema"),
                doc.key_pos(prefix + path + (extra,)),
                field_name(prefix + path + (extra,)),
                "schema.unknown_field",
                hint_id="hint.did_you_mean" if close else "schema.unknown_field.hint",
                hint_args={"suggestion": close[0]} if close else {"known": ", ".join(known)},
                name=extra,
            )
        return
    elif keyword == "type":
        message_id = "schema.type"
        args = {"expected": _type_names(expected), "found": _describe(found)}
        if isinstance(found, (bool, int, float)) and "string" in _as_list(expected):
            hint_id = "schema.type.quote_hint"
            hint_args = {"value": _yaml_text(found)}
        elif "array" in _as_list(expected) and not isinstance(found, list):
            hint_id = "schema.type.list_hint"
    elif keyword in ("enum", "const"):
        choices = expected if keyword == "enum" else [expected]
        message_id = "schema.enum"
        args = {"found": _describe(found), "expected": ", ".join(str(c) for c in choices)}
        alias = _FRENCH_VALUES.get(str(found).strip().casefold())
        close = [alias] if alias in choices else difflib.get_close_matches(str(found), [str(c) for c in choices], n=1, cutoff=0.5)
        if close:
            hint_id, hint_args = "hint.did_you_mean", {"suggestion": close[0]}
    elif keyword == "format":
        message_id = f"schema.format.{expected}" if expected in ("date", "email", "uri") else "schema.format"
        args = {"found": _describe(found), "format": expected}
        if expected == "date" and isinstance(found, str):
            hint_id = "schema.format.date.hint"
            match = _DMY_RE.match(found.strip())
            hint_args = {"example": "2024-03-12"}
            if match:
                day, month, year = match.groups()
                hint_args = {"example": f"{year}-{int(month):02d}-{int(day):02d}"}
            elif _YMD_RE.match(found.strip()):
                hint_id, hint_args = "schema.format.date.impossible", {}
    elif keyword in ("minItems", "minLength", "minProperties"):
        message_id = "schema.empty"
    elif keyword in ("maxItems", "maxLength"):
        message_id = "schema.too_long"
        args = {"limit": expected}
    elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        message_id = f"schema.{keyword}"
        args = {"limit": expected, "found": _describe(found)}
    elif keyword == "pattern":
        message_id = error.schema.get("x-message", "schema.pattern")
        args = {"found": _describe(found)}
    elif keyword == "uniqueItems":
        message_id = "schema.unique"
    else:
        message_id = "schema.generic"
        args = {"detail": error.message}

    last = str(target[-1]) if target else ""
    sink.error(
        overrides.get((last, keyword), "schema"),
        pos,
        field_name(prefix + target),
        message_id,
        hint_id=hint_id,
        hint_args=hint_args,
        **args,
    )


_TYPE_NAMES = {
    "string": "text",
    "array": "list",
    "object": "mapping",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _type_names(expected: Any) -> Term:
    # Catalog keys, resolved in the reader's language when the message prints.
    return Term("|".join(f"type.{_TYPE_NAMES.get(t, t)}" for t in _as_list(expected)))


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# The schemas whose `language` lists the catalog's languages (``i18n.LANGUAGES``, the one list).
_LANGUAGE_ENUM = re.compile(r'("language":\s*\{\s*"enum":\s*)\[[^\]]*\]')
LANGUAGE_SCHEMAS = ("report", "cohort", "referential")


def generated_schema_texts() -> dict[Path, str]:
    """What ``make schemas`` writes into schema/: the dossier schema generated from
    ``core.settings``, and each schema's ``language`` enum set to ``i18n.LANGUAGES``.
    A test compares them with the files (a stale file fails it)."""
    from portfolio_builder.core import settings
    from portfolio_builder.i18n import LANGUAGES

    folder = schema_dir()
    texts = {folder / "dossier.schema.json": json.dumps(settings.json_schema(), ensure_ascii=False, indent=2) + "\n"}
    for name in LANGUAGE_SCHEMAS:
        path = folder / f"{name}.schema.json"
        text = path.read_text(encoding="utf-8")
        texts[path] = _LANGUAGE_ENUM.sub(lambda m: m.group(1) + json.dumps(list(LANGUAGES)), text)
    return texts


if __name__ == "__main__":  # `make schemas`
    import sys

    for path, text in generated_schema_texts().items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print("generated:", path.name, file=sys.stderr)
    target = Path(__file__).resolve().parent / "compiled"
    print("compiled:", ", ".join(generate_fast_validators(target)), file=sys.stderr)
