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
    folders_of: dict[str, Path | None] = {}
    for key in ("juries", "reviews"):
        value = raw.get(key)
        if value and not (base / value).is_dir():
            sink.error("config", doc.pos((key,)), key, "config.missing_file", path=value)
        folders_of[key] = (base / value).resolve() if value else None
    issuers: list[Path] = []
    for index, name in enumerate(raw.get("trusted_issuers") or []):
        if not (base / name).is_file():
            sink.error("config", doc.pos(("trusted_issuers", index)), f"trusted_issuers[{index}]", "config.missing_file", path=name)
        issuers.append((base / name).resolve())
    setting = raw.get("qcm_required")
    qcm: tuple[tuple[str, bool, int], ...]
    if isinstance(setting, bool):
        qcm = (("*", setting, doc.pos(("qcm_required",))[0]),)
    elif isinstance(setting, dict):
        qcm = tuple(
            (code, value, doc.key_pos(("qcm_required", code))[0]) for code, value in setting.items() if isinstance(value, bool)
        )
    else:
        qcm = ()
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
        juries=folders_of["juries"],
        reviews=folders_of["reviews"],
        issuers=tuple(issuers),
        qcm_required=qcm,
        file=path.name,
        limits=limits_mod.DEFAULT.with_values(values),
        markdown_extensions={name: dict(options or {}) for name, options in (extensions or {}).items()},
    )
    return cohort, folders, sink.items
