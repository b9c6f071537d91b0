"""cohort.yml: the cohort's title, institution, session and dossier folders."""

from __future__ import annotations

import glob
from pathlib import Path

from portfolio_builder.cohort.dashboard import Cohort
from portfolio_builder.core import datafile
from portfolio_builder.core import limits as limits_mod
from portfolio_builder.core.problems import Problem, ProblemSink


def load(path: Path) -> tuple[Cohort, list[Path], list[Problem]]:
    sink = ProblemSink(str(path))
    doc, valid = datafile.read(path, sink, "cohort")
    if doc is None or not valid:
        return Cohort(), [], sink.items
    raw = doc.data
    base = path.parent
    folders: list[Path] = []
    for index, pattern in enumerate(raw["dossiers"]):
        matches = sorted(glob.glob(str(base / pattern))) if any(c in pattern for c in "*?[") else [str(base / pattern)]
        found = [Path(m) for m in matches if Path(m).is_dir()]
        if not found:
            sink.error("config", doc.pos(("dossiers", index)), f"dossiers[{index}]", "config.missing_file", path=pattern)
        folders.extend(found)
    referential = raw.get("referential")
    if referential and (base / referential).is_file():
        referential = str((base / referential).resolve())  # a local file, trusted: the cohort names it
    juries = raw.get("juries")
    if juries and not (base / juries).is_dir():
        sink.error("config", doc.pos(("juries",)), "juries", "config.missing_file", path=juries)
    values = {}
    for name, value in (raw.get("limits") or {}).items():
        try:
            values[name] = limits_mod.parse_value(name, value)
        except ValueError:
            sink.error(
                "config", doc.pos(("limits", name)), f"limits.{name}", "config.bad_limit",
                hint_id="config.bad_limit.hint", hint_args={"names": ", ".join(limits_mod.NAMES)}, name=name, value=str(value),
            )
    extensions = raw.get("markdown_extensions")
    if isinstance(extensions, list):  # MkDocs' list form: names, or {name: options}
        merged: dict = {}
        for item in extensions:
            merged.update({item: {}} if isinstance(item, str) else item)
        extensions = merged
    cohort = Cohort(
        title=raw.get("title", ""),
        institution=raw.get("institution", ""),
        session=raw.get("session", ""),
        language=raw.get("language", "fr"),
        referential=referential,
        juries=(base / juries).resolve() if juries else None,
        limits=limits_mod.DEFAULT.with_values(values),
        markdown_extensions={name: dict(options or {}) for name, options in (extensions or {}).items()},
    )
    return cohort, folders, sink.items
