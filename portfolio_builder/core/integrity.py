"""A verifiable submission: the manifest of what a site was built from.

Every built site carries ``manifest.json``: the SHA-256 of every evidence page,
attachment and dossier file, the git commit (and whether the tree was dirty),
the referential, the tool version and the build time. ``verify`` recomputes
it from the sources and names every file that differs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from portfolio_builder import __version__
from portfolio_builder.core import history
from portfolio_builder.core.check import Dossier
from portfolio_builder.core.paths import is_inside
from portfolio_builder.core.problems import Problem, ProblemSink
from portfolio_builder.core.project import Project

MANIFEST_VERSION = 1


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# What builds leave beside a site (locks, temporary and previous folders): never "changes".
_BUILD_LEFTOVERS = (":(exclude,glob)**/.*.lock", ":(exclude,glob)**/.*.tmp-*/**", ":(exclude,glob)**/.*.old-*/**")


def git_state(project: Project, outputs: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The commit and whether the project's files differ from it (``None`` when unknown).

    An untrusted dossier's working tree is not examined (``git status`` could run
    a program its repository configures): only its commit is recorded.
    """
    root = project.root
    untrusted = project.untrusted
    if history.git_toplevel(root, untrusted) is None:
        return {"commit": None, "dirty": None}
    commit = (history.git(root, "rev-parse", "HEAD", untrusted=untrusted) or "").strip() or None
    if untrusted:
        return {"commit": commit, "dirty": None}
    excluded = list(_BUILD_LEFTOVERS)
    for output in (project.site_dir, *outputs):  # built sites are output, not changes
        if is_inside(output, root) and output.resolve() != root.resolve():
            excluded.append(f":(exclude){output.resolve().relative_to(root.resolve()).as_posix()}")
    status = history.git(root, "status", "--porcelain", "-z", "--untracked-files=normal", "--", ".", *excluded) or ""
    changes = [entry for entry in status.split("\0") if len(entry) > 3 and not _is_built_site(root, entry)]
    return {"commit": commit, "dirty": bool(changes), "changes": [entry[3:] for entry in changes]}


def _is_built_site(root: Path, entry: str) -> bool:
    """An untracked folder that is a site we built (say public/ beside site/) is output."""
    return entry.startswith("?? ") and entry.endswith("/") and (root / entry[3:] / "manifest.json").is_file()


def dirty_problem(project: Project, allow_dirty: bool, outputs: tuple[Path, ...] = ()) -> Problem | None:
    """In certification mode the jury must read what was committed."""
    if project.settings.mode != "certification" or allow_dirty:
        return None
    state = git_state(project, outputs)
    sink = ProblemSink(project.config_display)
    if state["commit"] is None:
        sink.error("dirty-tree", project.entry_pos("mode"), "mode", "integrity.not_git", hint_id="integrity.dirty.hint")
    elif state["dirty"]:
        changed = state.get("changes", [])
        listed = ", ".join(changed[:5]) + (" …" if len(changed) > 5 else "")
        sink.error("dirty-tree", project.entry_pos("mode"), "mode", "integrity.dirty", hint_id="integrity.dirty.hint", files=listed)
    else:
        return None
    return sink.items[0]


def source_files(dossier: Dossier) -> list[tuple[str, str, Path]]:
    """``(kind, name, absolute path)`` of every file the site is built from."""
    project = dossier.project
    docs = project.docs_dir
    entries: list[tuple[str, str, Path]] = []
    for item in sorted(dossier.evidence, key=lambda e: e.path):
        entries.append(("evidence", item.path, docs / item.path))
        for attachment in item.attachments:
            if attachment.path:
                entries.append(("attachment", attachment.path, docs / attachment.path))
    entries.append(("dossier", project.config_file.name, project.config_file))
    for review in dossier.reviews.reviews:
        path = project.root / review.file
        entries.append(("review", review.file, path))
    jury = project.resolve(project.settings.jury)
    if jury.is_file():
        entries.append(("jury", project.display(jury), jury))
    for name in project.settings.previous_attestations:
        path = project.resolve(name)
        if path.is_file():
            entries.append(("attestation", project.display(path), path))
    seen: set[tuple[str, str]] = set()
    unique = []
    for kind, name, path in entries:
        if (kind, name) not in seen:
            seen.add((kind, name))
            unique.append((kind, name, path))
    return unique


def manifest(dossier: Dossier, report_json: str, built_at: datetime | None = None) -> dict[str, Any]:
    files = []
    for kind, name, path in source_files(dossier):
        try:
            files.append({"kind": kind, "path": name, "sha256": sha256_file(path), "size": path.stat().st_size})
        except OSError:
            continue
    ref = dossier.referential
    return {
        "manifest_version": MANIFEST_VERSION,
        "tool": {"name": "portfolio_builder", "version": __version__},
        "built_at": (built_at or datetime.now(timezone.utc)).replace(microsecond=0).isoformat(),
        "git": {key: value for key, value in git_state(dossier.project).items() if key != "changes"},
        "referential": {
            "id": ref.id if ref else dossier.project.settings.referential,
            "version": ref.version if ref else "",
            "sha256": sha256_file(Path(ref.origin)) if ref else None,
        },
        "candidate": _identity(dossier),
        "public": dossier.options.public,
        "strict": dossier.options.strict,
        "report_sha256": sha256_text(report_json),
        "files": files,
    }


def _identity(dossier: Dossier) -> dict[str, str]:
    """Whose dossier this is: verify says so when a site is checked against another one."""
    settings = dossier.project.settings
    identity = {"name": settings.candidate_name}
    if settings.student_id and not dossier.options.public:
        identity["student_id"] = settings.student_id
    return identity


def other_candidate(manifest_doc: dict[str, Any], dossier: Dossier) -> str | None:
    """The site's candidate when it is not the dossier's, else ``None``."""
    recorded = manifest_doc.get("candidate") or {}
    mine = _identity(dossier)
    if recorded.get("student_id") and mine.get("student_id") and recorded["student_id"] != mine["student_id"]:
        return recorded.get("name") or recorded["student_id"]
    if recorded.get("name", "").casefold() != mine.get("name", "").casefold():
        return recorded.get("name") or "?"
    return None


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def read_manifest(site_dir: Path) -> dict[str, Any]:
    """The site's manifest.json; ValueError when it is missing, unreadable or malformed."""
    from portfolio_builder.core import schemas

    try:
        document = json.loads((site_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(str(error)) from None
    errors = sorted(schemas.validator("manifest").iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        raise ValueError(f"{errors[0].json_path}: {errors[0].message}")
    return document


def verify(site_dir: Path, dossier: Dossier, manifest_doc: dict[str, Any]) -> list[tuple[str, str]]:
    """Every difference between a published site and the dossier's sources.

    Returns ``(kind, path)`` pairs, kind being one of ``modified``, ``added``,
    ``removed``, ``site-copy`` (a published attachment differs from its
    source), ``report`` (the site's report.json is not what the sources give)
    and ``manifest`` (the site's report.json does not match its own manifest).
    """
    recorded = {(f["kind"], f["path"]): f for f in manifest_doc.get("files", [])}
    current = {(kind, name): path for kind, name, path in source_files(dossier)}
    differences: list[tuple[str, str]] = []
    for key, entry in recorded.items():
        path = current.get(key)
        if path is None or not path.is_file():
            differences.append(("removed", entry["path"]))
        elif sha256_file(path) != entry["sha256"]:
            differences.append(("modified", entry["path"]))
        if entry["kind"] == "attachment":
            published = site_dir / entry["path"]
            inside = is_inside(published, site_dir)
            if not inside or not published.is_file() or sha256_file(published) != entry["sha256"]:
                differences.append(("site-copy", entry["path"]))
    for key in current:
        if key not in recorded:
            differences.append(("added", key[1]))
    ref = dossier.referential
    recorded_ref = manifest_doc.get("referential", {})
    if ref is not None and recorded_ref.get("sha256") and sha256_file(Path(ref.origin)) != recorded_ref["sha256"]:
        differences.append(("modified", f"referential:{ref.id}"))
    site_report = site_dir / "report.json"
    if not site_report.is_file():
        differences.append(("removed", "report.json"))
    else:
        # A published site is not trusted either: a report that is not UTF-8 simply differs.
        published_text = site_report.read_bytes().decode("utf-8", errors="replace")
        if sha256_text(published_text) != manifest_doc.get("report_sha256"):
            differences.append(("manifest", "report.json"))
        from portfolio_builder.core import report as report_mod

        if report_mod.to_json(report_mod.build(dossier)) != published_text:
            differences.append(("report", "report.json"))
    return differences
