"""A verifiable submission: the manifest of what a site was built from.

Every built site carries ``manifest.json``: the SHA-256 of every evidence page,
attachment and dossier file, the git commit (and whether the tree was dirty),
the referential, the tool version and the build time. ``verify`` recomputes
it from the sources and names every file that differs.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from portfolio_builder import __version__
from portfolio_builder.core import history
from portfolio_builder.core.check import Dossier
from portfolio_builder.core.paths import is_inside, sha256_file
from portfolio_builder.core.problems import Problem, ProblemSink
from portfolio_builder.core.project import Project

MANIFEST_VERSION = 1



def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# What builds leave beside a site (locks, temporary and previous folders): never "changes".
_LEFTOVER = re.compile(r"^\.[^/]*(\.lock|\.tmp-[^/]*|\.old-[^/]*)$")


def git_state(project: Project, outputs: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The commit and whether the project's files differ from it (``None`` when unknown).

    Git runs hardened for every dossier (``history``): the working tree is
    compared with HEAD in Python, never by ``git status``.
    """
    root = project.root.resolve()
    top = history.git_toplevel(root)
    if top is None:
        return {"commit": None, "dirty": None}
    top = top.resolve()
    if not is_inside(root, top):
        return {"commit": None, "dirty": None}  # a work tree elsewhere is not this dossier's history
    commit = (history.git(root, "rev-parse", "HEAD") or "").strip() or None
    if commit is None:
        return {"commit": None, "dirty": None}
    within = root.relative_to(top).as_posix()
    within = "" if within == "." else within
    excluded = [
        output.resolve().relative_to(top).as_posix()
        for output in (project.site_dir, *outputs)  # built sites are output, not changes
        if is_inside(output, root) and output.resolve() != root
    ]
    found = history.worktree_changes(top, (within,), excluded) or []
    changes = [
        name[len(within) + 1 :] if within else name
        for name in found
        if not any(_LEFTOVER.match(part) for part in name.split("/")) and not _in_built_site(top, name)
    ]
    return {"commit": commit, "dirty": bool(changes), "changes": changes}


def _in_built_site(top: Path, name: str) -> bool:
    """An untracked file of a site we built (say public/ beside site/) is output."""
    parts = name.split("/")[:-1]
    return any((top.joinpath(*parts[: i + 1]) / "manifest.json").is_file() for i in range(len(parts)))


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
    """``(kind, name, absolute path)`` of every file the site is built from.

    Every file of the docs folder (evidence, attachments, other pages, images
    and any asset), mkdocs.yml, and the review, jury and attestation files
    read; in a public build, what is private is left out.
    """
    project = dossier.project
    docs = project.docs_dir
    private = dossier.private_pages if dossier.options.public else set()
    evidence = {e.path for e in dossier.evidence}
    attachments = {a.path for e in dossier.evidence for a in e.attachments if a.path}
    entries: list[tuple[str, str, Path]] = []
    for rel in sorted(dossier.pages):
        if rel not in private:
            entries.append(("evidence" if rel in evidence else "page", rel, docs / rel))
    for path, rel in sorted(dossier.other_files, key=lambda item: item[1]):
        if rel not in private and rel not in dossier.refused_files:
            entries.append(("attachment" if rel in attachments else "file", rel, path))
    listed = {name for _kind, name, _path in entries}
    for rel in sorted(attachments - listed - private):  # an attachment the tree walk did not list
        entries.append(("attachment", rel, docs / rel))
        listed.add(rel)
    if not project.untrusted:
        # A trusted build may publish what the walk leaves out (a dot file MkDocs' exclude_docs
        # lets through): every regular file of the docs folder is listed.
        for path in sorted(docs.rglob("*")):
            rel = path.relative_to(docs).as_posix()
            if rel not in listed and rel not in private and rel not in dossier.refused_files and path.is_file() and not path.is_symlink():
                entries.append(("file", rel, path))
    entries.append(("dossier", project.config_file.name, project.config_file))
    # What else a trusted build reads and runs: INHERIT parents, hooks, the theme's custom_dir.
    for path in project.config_chain[1:]:
        entries.append(("dossier", project.display(path), path))
    if not project.untrusted:
        entries.extend(("dossier", project.display(path), path) for path in _build_inputs(project))
    for index in (dossier.reviews, dossier.declared_reviews):
        for review in index.reviews:
            entries.append(("review", review.file, project.root / review.file))
    sources = dossier.sources
    for jury in (sources.jury, sources.declared_jury) if sources else ():
        if jury is not None and _data_file(jury):
            entries.append(("jury", project.display(jury), jury))
    for name in project.settings.previous_attestations:
        path = project.resolve(name)
        if _data_file(path):
            entries.append(("attestation", project.display(path), path))
    seen: set[tuple[str, str]] = set()
    unique = []
    for kind, name, path in entries:
        if (kind, name) not in seen:
            seen.add((kind, name))
            unique.append((kind, name, path))
    return unique


def _data_file(path: Path) -> bool:
    """A data file the check could read (a FIFO, a device or a sparse giant is never hashed)."""
    from portfolio_builder.core.datafile import MAX_DATA_FILE_BYTES
    from portfolio_builder.core.paths import regular_file

    try:
        return regular_file(path) and path.stat().st_size <= MAX_DATA_FILE_BYTES
    except OSError:
        return False


def _build_inputs(project: Project) -> list[Path]:
    """Files a trusted MkDocs build of this dossier executes or renders: hooks and custom_dir."""
    raw = project.raw_config
    base = project.config_file.parent
    found: list[Path] = []
    hooks = raw.get("hooks")
    for hook in hooks if isinstance(hooks, list) else []:
        if isinstance(hook, str) and (base / hook).is_file():
            found.append(base / hook)
    theme = raw.get("theme")
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    if isinstance(custom, str) and (base / custom).is_dir():
        found.extend(p for p in sorted((base / custom).rglob("*")) if p.is_file() and not p.is_symlink())
    return found


# Files beside the site's manifest that it cannot list: itself and the signatures.
UNLISTED_SITE_FILES = frozenset({"manifest.json", "manifest.jwt", "report.jwt"})


def site_files(site_dir: Path) -> list[dict[str, Any]]:
    """``{path, sha256, size}`` of every published file (links are not followed)."""
    found = []
    for path in sorted(site_dir.rglob("*")):
        rel = path.relative_to(site_dir).as_posix()
        if rel in UNLISTED_SITE_FILES or path.is_symlink() or not path.is_file():
            continue
        found.append({"path": rel, "sha256": sha256_file(path), "size": path.stat().st_size})
    return found


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
        # How the build read the dossier, so that verify reads it the same way.
        "reading": _reading(dossier.project),
        "files": files,
    }


def _reading(project: Project) -> dict[str, Any]:
    policy = project.policy
    if policy is None:
        return {"untrusted": False}
    return {
        "untrusted": True,
        "jury": str(policy.jury) if policy.jury else None,
        "reviews": str(policy.reviews) if policy.reviews else None,
    }


def reading_of(manifest_doc: dict[str, Any], issuers: tuple[Any, ...] = ()) -> Any:
    """The ``Untrusted`` reading a site was built with (``None``: a single dossier's own build)."""
    from portfolio_builder.core.project import Untrusted

    reading = manifest_doc.get("reading") or {}
    if not reading.get("untrusted"):
        return None
    jury, reviews = reading.get("jury"), reading.get("reviews")
    return Untrusted(
        jury=Path(jury) if isinstance(jury, str) and jury else None,
        reviews=Path(reviews) if isinstance(reviews, str) and reviews else None,
        issuers=issuers,
    )


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
    ``removed`` (a source file), ``site-modified``, ``site-added``,
    ``site-removed`` (a published file against the manifest), ``site-copy``
    (a published attachment differs from its source), ``report`` (the site's
    report.json is not what the sources give) and ``manifest`` (the site's
    report.json does not match its own manifest).
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
    differences.extend(_site_differences(site_dir, manifest_doc))
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


def _site_differences(site_dir: Path, manifest_doc: dict[str, Any]) -> list[tuple[str, str]]:
    """Published files that differ from what the manifest recorded when the site was built."""
    if "site" not in manifest_doc:
        return [("site-removed", "manifest.json#site")]  # a manifest that does not cover the site
    recorded = {entry["path"]: entry for entry in manifest_doc["site"]}
    current = {entry["path"]: entry for entry in site_files(site_dir)}
    differences: list[tuple[str, str]] = []
    # A link or a FIFO in a site is never ours: a build writes regular files only.
    for path in sorted(site_dir.rglob("*")):
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            differences.append(("site-added", path.relative_to(site_dir).as_posix()))
    for path, entry in recorded.items():
        found = current.get(path)
        if found is None:
            differences.append(("site-removed", path))
        elif found["sha256"] != entry["sha256"]:
            differences.append(("site-modified", path))
    differences.extend(("site-added", path) for path in current if path not in recorded)
    return differences


def verify_signature(site_dir: Path, issuers: list[Any]) -> tuple[str, dict[str, str]]:
    """Whether ``manifest.jwt`` signs the site's manifest.json: a catalog key and its arguments.

    ``verify.signed`` (by a trusted issuer), ``verify.signed_untrusted`` (a valid
    signature by a key nobody said to trust), ``verify.unsigned``, or a failure.
    """
    from portfolio_builder.core import credentials

    signed = site_dir / "manifest.jwt"
    if not signed.is_file():
        return "verify.unsigned", {}
    try:
        result = credentials.verify_token(credentials.read_token(signed), issuers)
    except credentials.CredentialError as error:
        return error.key, dict(error.args_map)
    if result.failure:
        return result.failure, dict(result.failure_args)
    if result.payload_bytes != (site_dir / "manifest.json").read_bytes():
        return "credential.bad_signature", {}
    if not result.trusted:
        return ("verify.signed_untrusted" if not issuers else "credential.untrusted_issuer"), {}
    return "verify.signed", {"issuer": result.issuer.name if result.issuer else "?"}
