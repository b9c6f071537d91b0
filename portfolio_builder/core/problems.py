"""Problems found in a dossier: one record per finding, with a stable code.

A problem keeps its message as a catalog key plus arguments, so the same
finding can be printed in French or English without the checker knowing the
reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portfolio_builder.i18n import translate

ERROR = "error"
WARNING = "warning"

# The stable codes, documented in the README. Tests check that each one is
# produced somewhere and that the README lists them all.
CODES = (
    "yaml-syntax",
    "yaml-too-complex",
    "duplicate-key",
    "encoding",
    "empty-page",
    "front-matter-too-large",
    "unclosed-front-matter",
    "schema",
    "unknown-key",
    "unknown-competency",
    "duplicate-competency",
    "duplicate-id",
    "missing-attachment",
    "attachment-outside",
    "path-outside",
    "symlink-outside",
    "not-a-file",
    "unicode-normalization",
    "unsafe-url",
    "missing-commentary",
    "missing-anchor",
    "missing-competency",
    "config",
    "plugin-missing",
    "unknown-referential",
    "duplicate-code",
    "empty-domain",
    "unknown-rule",
    "level-out-of-range",
    "level-without-levels",
    "unknown-condition",
    "unknown-evidence",
    "unknown-domain",
    "review-outdated",
    "placeholder-text",
    "decision-without-evidence",
    "missing-metadata",
    "attestation-mismatch",
    "attestation-unsigned",
    "credential-invalid",
    "credential-untrusted",
    "credential-mismatch",
    "duplicate-student-id",
    "report-unverified",
    "dirty-tree",
    "private-link",
    "duplicate-registration",
    "sheet-mismatch",
    "sheet-column",
    "unknown-candidate",
    "duplicate-row",
    "not-a-decision",
    "score-out-of-range",
    "reserved-path",
    "hard-link",
    "file-too-large",
    "dossier-too-large",
    "config-link",
    "active-file",
    "build-timeout",
    "moodle-csv",
)


@dataclass(frozen=True, slots=True)
class Problem:
    severity: str
    code: str
    file: str
    line: int
    column: int
    field: str
    message_id: str
    args: tuple[tuple[str, Any], ...] = ()
    hint_id: str | None = None
    hint_args: tuple[tuple[str, Any], ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def message(self, lang: str) -> str:
        return translate(lang, self.message_id, **dict(self.args))

    def hint(self, lang: str) -> str:
        if self.hint_id is None:
            return ""
        return translate(lang, self.hint_id, **dict(self.hint_args))

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message(lang),
            "hint": self.hint(lang),
        }

    def format(self, lang: str, file: str | None = None) -> str:
        """``path:line:col: error[code] field: message (hint)``, as compilers print."""
        location = f"{file or self.file}:{self.line}:{self.column}"
        label = translate(lang, f"severity.{self.severity}")
        text = f"{location}: {label}[{self.code}]"
        if self.field:
            text += f" {self.field}:"
        text += f" {self.message(lang)}"
        hint = self.hint(lang)
        if hint:
            text += f" ({hint})"
        return text

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.code)


@dataclass(slots=True)
class ProblemSink:
    """Collects problems for one file, filling in the file name once."""

    file: str
    items: list[Problem] = field(default_factory=list)

    def add(
        self,
        severity: str,
        code: str,
        line: int,
        column: int,
        field_path: str,
        message_id: str,
        /,
        hint_id: str | None = None,
        hint_args: dict[str, Any] | None = None,
        **args: Any,
    ) -> None:
        self.items.append(
            Problem(
                severity=severity,
                code=code,
                file=self.file,
                line=line,
                column=column,
                field=field_path,
                message_id=message_id,
                args=tuple(args.items()),
                hint_id=hint_id,
                hint_args=tuple((hint_args or {}).items()),
            )
        )

    def error(self, code: str, pos: tuple[int, int], field_path: str, message_id: str, /, **kw: Any) -> None:
        self.add(ERROR, code, pos[0], pos[1], field_path, message_id, **kw)

    def warning(self, code: str, pos: tuple[int, int], field_path: str, message_id: str, /, **kw: Any) -> None:
        self.add(WARNING, code, pos[0], pos[1], field_path, message_id, **kw)
