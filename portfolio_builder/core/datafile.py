"""Read one YAML data file (referential, review, jury, attestation) and validate it."""

from __future__ import annotations

import stat
from pathlib import Path

from portfolio_builder.core import schemas, yamlread
from portfolio_builder.core.frontmatter import decode
from portfolio_builder.core.problems import ProblemSink
from portfolio_builder.core.schemas import CodeOverrides

# Data files are small; anything this large is a mistake or an attack.
MAX_DATA_FILE_BYTES = 2 * 1024 * 1024


def read(
    path: Path, sink: ProblemSink, schema: str | None, overrides: CodeOverrides | None = None
) -> tuple[yamlread.YamlDoc | None, bool]:
    """(document, valid). The document is returned even when invalid, for further checks.

    ``schema`` None: a file of the package itself, valid by construction (the tests validate it)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            # A named pipe (jury.yml as a FIFO) would block the read for ever.
            sink.error("not-a-file", (1, 1), "", "docs.not_a_file", hint_id="docs.not_a_file.hint")
            return None, False
        size = info.st_size
        if size > MAX_DATA_FILE_BYTES:
            sink.error("yaml-too-complex", (1, 1), "", "data.too_large", size=size, limit=MAX_DATA_FILE_BYTES)
            return None, False
        data = path.read_bytes()
    except OSError as exc:
        sink.error("config", (1, 1), "", "data.unreadable", reason=exc.strerror or str(exc))
        return None, False
    if not data.strip():
        sink.error("schema", (1, 1), "", "data.empty")
        return None, False
    text = decode(data, sink)
    if text is None:
        return None, False
    doc = yamlread.parse(text, sink)
    if doc is None:
        return None, False
    if not isinstance(doc.data, dict):
        sink.error("schema", doc.start, "", "data.not_mapping")
        return None, False
    valid = schema is None or schemas.validate(schema, doc, sink, overrides=overrides)
    return doc, valid and not any(p.is_error for p in sink.items)
