"""A dossier project: its mkdocs.yml, its docs folder and its metadata.

The dossier metadata is declared once, in the ``portfolio`` entry of
``plugins:`` in mkdocs.yml (its settings: ``core.settings``). The CLI and the MkDocs
plugin both read it through this module, so they never disagree. mkdocs.yml is read as *data*: MkDocs'
Python tags (``!!python/name:``) are never executed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from portfolio_builder.core import schemas, yamlread
from portfolio_builder.core import settings as settings_mod
from portfolio_builder.core.frontmatter import decode
from portfolio_builder.core.paths import is_inside
from portfolio_builder.core.problems import Problem, ProblemSink
from portfolio_builder.core.settings import Settings

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")
PLUGIN_NAME = "portfolio"


def valid_student_id(value: str) -> bool:
    """Letters, digits, ``-`` and ``_``, at most 64: safe in a file name, never a path."""
    return bool(settings_mod.pattern_of("student_id").fullmatch(value))


class ConfigError(Exception):
    """The project cannot be read at all (exit status 2)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message_id for p in problems))
        self.problems = problems


@dataclass(slots=True)
class Project:
    config_file: Path
    root: Path
    docs_dir: Path
    site_dir: Path
    site_name: str
    settings: Settings
    doc: yamlread.YamlDoc
    entry_path: yamlread.Path_
    problems: list[Problem] = field(default_factory=list)
    raw_config: dict[str, Any] = field(default_factory=dict)
    policy: Untrusted | None = None  # how a cohort reads this dossier (None: a single dossier)

    @property
    def untrusted(self) -> bool:
        """Read as a cohort reads a dossier: confined, its own jury, reviews and keys never count."""
        return self.policy is not None
    docs_origin: Path | None = None  # a cohort's staged copy: the dossier's own docs folder it copies
    config_chain: tuple[Path, ...] = ()  # mkdocs.yml and the INHERIT parents read with it
    declared: Settings | None = None  # the settings as the entry says them, before a cohort's policy
    read_problems: tuple[Problem, ...] = ()  # what reading mkdocs.yml found, before a cohort's policy

    @property
    def config_display(self) -> str:
        return self.config_file.name

    def display(self, path: Path) -> str:
        """A path relative to the project folder, as problems print it."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            pass
        if self.docs_origin is not None:
            try:  # a staged copy is shown as the dossier's own folder
                return (self.docs_origin / path.relative_to(self.docs_dir)).relative_to(self.root).as_posix()
            except ValueError:
                pass
        return str(path)

    def entry_pos(self, name: str | None = None) -> yamlread.Pos:
        if name is None:
            return self.doc.key_pos(self.entry_path)
        return self.doc.pos(self.entry_path + (name,))

    def resolve(self, relative: str) -> Path:
        return (self.root / relative) if not Path(relative).is_absolute() else Path(relative)


def find_config(target: str | Path) -> Path:
    path = Path(target)
    if path.is_dir():
        for name in CONFIG_NAMES:
            if (path / name).is_file():
                return path / name
        sink = ProblemSink(str(path / CONFIG_NAMES[0]))
        sink.error("config", (1, 1), "", "config.not_found", hint_id="config.not_found.hint", folder=str(path))
        raise ConfigError(sink.items)
    if not path.is_file():
        sink = ProblemSink(str(path))
        sink.error("config", (1, 1), "", "config.missing_file", path=str(path))
        raise ConfigError(sink.items)
    return path


def _read_config(
    path: Path, sink: ProblemSink, depth: int = 0, trusted: bool = True, chain: list[Path] | None = None
) -> yamlread.YamlDoc:
    """Read mkdocs.yml (and, trusted, its INHERIT parents, recorded in ``chain``)."""
    from portfolio_builder.core.datafile import MAX_DATA_FILE_BYTES
    from portfolio_builder.core.paths import regular_file
    from portfolio_builder.i18n import Size

    try:
        if path.exists() and not regular_file(path):  # a FIFO or /dev/zero would block or never end
            sink.error("config", (1, 1), "", "config.unreadable", reason="not a regular file")
            raise ConfigError(sink.items)
        size = path.stat().st_size
        if size > MAX_DATA_FILE_BYTES:  # never read a (sparse) giant into memory
            sink.error("yaml-too-complex", (1, 1), "", "config.too_large", name=path.name, size=Size(size), limit=Size(MAX_DATA_FILE_BYTES))
            raise ConfigError(sink.items)
        data = path.read_bytes()
    except OSError as exc:
        sink.error("config", (1, 1), "", "config.unreadable", reason=exc.strerror or str(exc))
        raise ConfigError(sink.items) from None
    text = decode(data, sink)
    # An untrusted file may not read our environment (MkDocs' !ENV) nor other files (INHERIT).
    doc = yamlread.parse(text, sink, tolerate_tags=True, resolve_env=trusted) if text is not None else None
    if doc is None:
        raise ConfigError(sink.items)
    if not isinstance(doc.data, dict):
        sink.error("config", doc.start, "", "config.not_mapping")
        raise ConfigError(sink.items)
    if chain is not None:
        chain.append(path)
    parent = doc.data.pop("INHERIT", None)
    if trusted and isinstance(parent, str) and depth < 5:
        # MkDocs' INHERIT: the parent's values, deep-merged under ours.
        base = _read_config(path.parent / parent, ProblemSink(parent), depth + 1, chain=chain)
        doc.data = _deep_merge(base.data, doc.data)
    return doc


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def find_plugin_entry(plugins: Any) -> tuple[yamlread.Path_, dict[str, Any]] | None:
    """Where the ``portfolio`` entry sits in ``plugins:`` (list or mapping form)."""
    if isinstance(plugins, dict):
        if PLUGIN_NAME in plugins:
            return ("plugins", PLUGIN_NAME), plugins[PLUGIN_NAME] or {}
        return None
    if isinstance(plugins, list):
        for index, item in enumerate(plugins):
            if item == PLUGIN_NAME:
                return ("plugins", index), {}
            if isinstance(item, dict) and PLUGIN_NAME in item:
                return ("plugins", index, PLUGIN_NAME), item[PLUGIN_NAME] or {}
    return None


@dataclass(frozen=True)
class Untrusted:
    """How a cohort reads a dossier it does not trust.

    No ``!ENV``, no ``INHERIT``, no path leaving the dossier's folder; the
    referential is a shipped one or the cohort's (``referential``). The jury's
    decisions come from ``jury`` and the tutors' reviews from ``reviews`` (the
    cohort's side), or there are none yet: never from the dossier itself
    (``core.authority``). ``issuers`` are the trusted issuers' public keys.
    """

    referential: str | None = None
    jury: Path | None = None
    reviews: Path | None = None
    issuers: tuple[Any, ...] = ()
    qcm_required: tuple[tuple[str, bool, int], ...] = ()  # the cohort's QCM setting: (domain or "*", required, line)
    cohort_file: str = ""


def _near_miss(plugins: Any) -> str | None:
    """A plugin name that looks like a typo of ``portfolio`` (``portfolo``, ``portefolio``)."""
    import difflib

    names = list(plugins) if isinstance(plugins, dict) else [
        item if isinstance(item, str) else next(iter(item), "") for item in plugins or [] if isinstance(item, (str, dict)) and item
    ]
    close = difflib.get_close_matches(PLUGIN_NAME, [str(n) for n in names], n=1, cutoff=0.7)
    return close[0] if close else None


def load_project(target: str | Path, docs_dir: Path | None = None, untrusted: Untrusted | None = None) -> Project:
    """Read mkdocs.yml and the dossier metadata.

    Raises ConfigError when there is no usable mkdocs.yml, no ``portfolio``
    entry or no docs folder. Mistakes *inside* the entry become problems of the
    project, so every one of them is reported with the rest of the dossier's.
    ``docs_dir`` replaces the configured folder (a cohort's staged copy).
    """
    found_config = find_config(target)
    if untrusted is not None:
        _refuse_linked_config(found_config)
    config_file = found_config.resolve()
    root = config_file.parent
    sink = ProblemSink(config_file.name)
    chain: list[Path] = []
    doc = _read_config(config_file, sink, trusted=untrusted is None, chain=chain)
    config = doc.data

    found = find_plugin_entry(config.get("plugins"))
    if found is None:
        near = _near_miss(config.get("plugins"))
        sink.error(
            "plugin-missing",
            doc.key_pos(("plugins",)) if "plugins" in config else doc.start,
            "plugins",
            "config.plugin_missing",
            hint_id="config.plugin_near_miss" if near else "config.plugin_missing.hint",
            hint_args={"found": near} if near else {},
        )
        raise ConfigError(sink.items)
    entry_path, entry = found
    if not isinstance(entry, dict):
        sink.error("config", doc.pos(entry_path), "plugins.portfolio", "config.entry_not_mapping")
        entry = {}
    schemas.validate("dossier", doc, sink, prefix=entry_path, instance=entry)

    docs_origin = None
    if docs_dir is not None and untrusted is not None and not is_inside(docs_dir, root):
        docs_origin = root / str(config.get("docs_dir") or "docs")
    if docs_dir is None:
        docs_dir = root / str(config.get("docs_dir") or "docs")
        if untrusted is not None and not is_inside(docs_dir, root):
            sink.error("path-outside", doc.pos(("docs_dir",)), "docs_dir", "config.path_outside", path=str(docs_dir))
            raise ConfigError(sink.items)
    if not docs_dir.is_dir():
        sink.error(
            "config",
            doc.pos(("docs_dir",)) if "docs_dir" in config else doc.start,
            "docs_dir",
            "config.docs_missing",
            path=str(docs_dir),
        )
        raise ConfigError(sink.items)
    declared = settings = Settings.from_entry(entry)
    read_problems = tuple(sink.items)
    if untrusted is not None:
        settings = _confine(settings, root, doc, entry_path, sink, untrusted)
    return Project(
        config_file=config_file,
        root=root,
        docs_dir=docs_dir.resolve(),
        site_dir=(root / str(config.get("site_dir") or "site")),
        site_name=str(config.get("site_name") or ""),
        settings=settings,
        doc=doc,
        entry_path=entry_path,
        problems=sink.items,
        raw_config=config,
        policy=untrusted,
        docs_origin=docs_origin,
        config_chain=tuple(chain),
        declared=declared,
        read_problems=read_problems,
    )


def with_policy(project: Project, untrusted: Untrusted) -> Project:
    """The same dossier read under another cohort policy, without reading mkdocs.yml again.

    ``project`` was loaded untrusted (no ``!ENV``, no ``INHERIT``, confined paths): a
    cohort reads each dossier once, for its identity, then applies the policy that
    identity selects (its jury file, its reviews).
    """
    if project.policy is None or project.declared is None:
        raise ValueError("with_policy needs a project loaded untrusted")
    sink = ProblemSink(project.config_file.name)
    settings = _confine(project.declared, project.root, project.doc, project.entry_path, sink, untrusted)
    return replace(project, settings=settings, problems=[*project.read_problems, *sink.items], policy=untrusted)


def _refuse_linked_config(path: Path) -> None:
    """A dossier's root is its own folder: a symlinked (or hard-linked) mkdocs.yml would make
    another folder, another candidate's dossier say, be built and published under this row."""
    import os
    import stat

    try:
        info = os.lstat(path)
    except OSError:
        return  # find_config found it; a race is reported when it is read
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
        sink = ProblemSink(path.name)
        sink.error("config-link", (1, 1), "", "config.link", hint_id="config.link.hint", name=path.name)
        raise ConfigError(sink.items)


def _confine(
    settings: Settings,
    root: Path,
    doc: yamlread.YamlDoc,
    entry_path: yamlread.Path_,
    sink: ProblemSink,
    untrusted: Untrusted,
) -> Settings:
    """Settings an untrusted dossier may have: paths inside it, a referential we trust."""
    from portfolio_builder.core.referential import shipped_ids

    changes: dict[str, Any] = {}
    for name in ("reviews_dir", "jury"):
        value = getattr(settings, name)
        if not is_inside(root / value, root):
            sink.error("path-outside", doc.pos(entry_path + (name,)), name, "config.path_outside", path=value)
            changes[name] = settings_mod.default(name)
    kept = []
    for index, value in enumerate(settings.previous_attestations):
        if is_inside(root / value, root):
            kept.append(value)
        else:
            position = doc.pos(entry_path + ("previous_attestations", index))
            sink.error("path-outside", position, f"previous_attestations[{index}]", "config.path_outside", path=value)
    if len(kept) != len(settings.previous_attestations):
        changes["previous_attestations"] = tuple(kept)
    if untrusted.referential is not None:
        changes["referential"] = untrusted.referential
    elif settings.referential and settings.referential not in shipped_ids():
        # A dossier's own referential file could claim a shipped id with other rules.
        sink.error(
            "path-outside",
            doc.pos(entry_path + ("referential",)),
            "referential",
            "config.referential_untrusted",
            name=settings.referential,
        )
        changes["referential"] = ""
    if untrusted.qcm_required:
        changes["cohort_qcm"] = untrusted.qcm_required
        changes["cohort_file"] = untrusted.cohort_file
    return replace(settings, **changes) if changes else settings
