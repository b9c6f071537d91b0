"""Referentials as data: domains, competencies and certification rules.

A referential is a YAML file validated against ``schema/referential.schema.json``.
Shipped ones live in ``portfolio_builder/referentials/<id>.yml``; an institution
can name its own file instead. ``extends`` lets a C2i niveau 2 specialty reuse
the three domains common to all specialties instead of copying them.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from portfolio_builder.core import datafile
from portfolio_builder.core.problems import Problem, ProblemSink
from portfolio_builder.resources import referentials_dir

SUFFIX = ".yml"

_OVERRIDES = {
    ("validation", "enum"): "unknown-rule",
    ("competencies", "minItems"): "empty-domain",
}


@dataclass(frozen=True, slots=True)
class Competency:
    code: str
    title: str
    domain: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Domain:
    code: str
    title: str
    competencies: tuple[Competency, ...]
    group: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.competencies)


@dataclass(frozen=True, slots=True)
class Rules:
    validation: str  # "all" or "threshold"
    min_validated: int | None = None
    max_not_validated_per_domain: int | None = None
    qcm_per_domain: bool = False


@dataclass(frozen=True)
class Referential:
    id: str
    title: str
    short_title: str
    version: str
    language: str
    legal_basis: str
    domains: tuple[Domain, ...]
    rules: Rules
    urls: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    groups: tuple[tuple[str, str], ...] = ()
    origin: str = ""
    shipped: bool = False

    @cached_property
    def competencies(self) -> dict[str, Competency]:
        return {c.code: c for d in self.domains for c in d.competencies}

    @cached_property
    def domain_index(self) -> dict[str, Domain]:
        return {d.code: d for d in self.domains}

    def suggest(self, code: str) -> str | None:
        """The competency a mistyped code most likely meant (``d1.1``, ``1.1``, ``D11``);
        within the domain the code names first (``D1.5`` → ``D1.4``, not ``D3.5``)."""
        folded = _fold(code)
        exact = next((k for k in self.competencies if _fold(k) == folded), None)
        if exact is not None:
            return exact
        domains = [d for d in self.domain_index if code.casefold().startswith(d.casefold())]
        if domains:
            domain = max(domains, key=len)
            own = [k for k, c in self.competencies.items() if c.domain == domain]
            close = difflib.get_close_matches(code, own, n=1, cutoff=0.6)
            if close:
                return close[0]
        return suggest_code(code, list(self.competencies))

    def suggest_domain(self, code: str) -> str | None:
        return suggest_code(code, list(self.domain_index))


def suggest_code(code: str, known: list[str]) -> str | None:
    if not code:
        return None
    folded = {_fold(k): k for k in known}
    hit = folded.get(_fold(code))
    if hit:
        return hit
    # "1.1" for "D1.1", or "A.11" for "A.1-1": compare without letters or punctuation.
    digits = {}
    for k in known:
        digits.setdefault("".join(ch for ch in k if ch.isdigit()), []).append(k)
    only = digits.get("".join(ch for ch in code if ch.isdigit()), [])
    if len(only) == 1:
        return only[0]
    close = difflib.get_close_matches(code, known, n=1, cutoff=0.6)
    return close[0] if close else None


def _fold(code: str) -> str:
    return "".join(ch for ch in code.casefold() if ch.isalnum())


@dataclass(slots=True)
class LoadResult:
    referential: Referential | None
    problems: list[Problem] = field(default_factory=list)
    path: Path | None = None


def shipped_ids() -> list[str]:
    """Ids of the shipped referentials usable on their own (not the abstract parts)."""
    ids = []
    for path in sorted(referentials_dir().glob(f"*{SUFFIX}")):
        if not path.name.startswith("_"):
            ids.append(path.stem)
    return ids


def shipped_path(ref_id: str) -> Path | None:
    for name in (ref_id, f"_{ref_id}"):
        path = referentials_dir() / f"{name}{SUFFIX}"
        if path.is_file():
            return path
    return None


def resolve(name: str, base_dir: Path) -> Path | None:
    """A shipped id, or a path relative to the project folder."""
    shipped = shipped_path(name)
    if shipped is not None and "/" not in name and not name.endswith((".yml", ".yaml")):
        return shipped
    candidate = (base_dir / name) if not os.path.isabs(name) else Path(name)
    return candidate if candidate.is_file() else None


def load(name: str, base_dir: Path, display_base: Path | None = None) -> LoadResult:
    """Load a referential by id or path; problems carry file:line."""
    path = resolve(name, base_dir)
    if path is None:
        return LoadResult(None, path=None)
    stat = path.stat()
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size, str(display_base or base_dir))


@lru_cache(maxsize=64)
def _load_cached(path_text: str, _mtime: int, _size: int, display_base: str) -> LoadResult:
    # Keyed on mtime and size: `portfolio serve` and cohorts reload only on change.
    return _load_file(Path(path_text), Path(display_base), chain=())


def _display(path: Path, display_base: Path) -> str:
    if path.parent == referentials_dir():
        return f"<portfolio_builder>/referentials/{path.name}"
    try:
        return path.resolve().relative_to(display_base.resolve()).as_posix()
    except ValueError:
        return str(path)


def _load_file(path: Path, display_base: Path, chain: tuple[str, ...]) -> LoadResult:
    sink = ProblemSink(_display(path, display_base))
    result = LoadResult(None, sink.items, path)
    doc, valid = datafile.read(path, sink, "referential", _OVERRIDES)
    if doc is None:
        return result
    if not valid:
        # Every problem at once: duplicate codes too, as far as the shape allows.
        _claim_codes(doc, sink, {})
        return result
    raw = doc.data

    domains: list[Domain] = []
    if "extends" in raw:
        parent_name = raw["extends"]
        parent_path = resolve(parent_name, path.parent)
        if parent_path is None:
            sink.error(
                "unknown-referential",
                doc.pos(("extends",)),
                "extends",
                "referential.unknown",
                name=parent_name,
            )
            return result
        if str(parent_path.resolve()) in chain:
            sink.error("config", doc.pos(("extends",)), "extends", "referential.cycle", name=parent_name)
            return result
        parent = _load_file(parent_path, display_base, chain + (str(path.resolve()),))
        sink.items.extend(parent.problems)
        if parent.referential is None:
            return result
        domains.extend(parent.referential.domains)
        inherited_rules = parent.referential.rules
    else:
        inherited_rules = None

    seen: dict[str, tuple[int, int]] = {}
    for d in domains:
        seen[d.code] = (0, 0)
        for c in d.competencies:
            seen[c.code] = (0, 0)

    _claim_codes(doc, sink, seen)
    for d in raw["domains"]:
        comps = [
            Competency(c["code"], c["title"].strip(), d["code"], (c.get("description") or "").strip())
            for c in d["competencies"]
        ]
        domains.append(Domain(d["code"], d["title"].strip(), tuple(comps), d.get("group")))

    rules_raw = raw.get("rules")
    if rules_raw is not None:
        rules = Rules(
            validation=rules_raw["validation"],
            min_validated=rules_raw.get("min_validated"),
            max_not_validated_per_domain=rules_raw.get("max_not_validated_per_domain"),
            qcm_per_domain=bool(rules_raw.get("qcm_per_domain", False)),
        )
        total = sum(len(d.competencies) for d in domains)
        if rules.min_validated is not None and rules.min_validated > total:
            sink.error(
                "config",
                doc.pos(("rules", "min_validated")),
                "rules.min_validated",
                "referential.min_too_high",
                minimum=rules.min_validated,
                total=total,
            )
    elif inherited_rules is not None:
        rules = inherited_rules
    else:
        rules = Rules("all")

    if any(p.is_error for p in sink.items):
        return result
    source = raw["source"]
    result.referential = Referential(
        id=raw["id"],
        title=raw["title"].strip(),
        short_title=(raw.get("short_title") or raw["title"]).strip(),
        version=str(raw["version"]),
        language=raw["language"],
        legal_basis=source["legal_basis"].strip(),
        urls=tuple(source.get("urls", ())),
        notes=tuple(n.strip() for n in source.get("notes", ())),
        domains=tuple(domains),
        rules=rules,
        groups=tuple((g["code"], g["title"]) for g in raw.get("groups", ())),
        origin=str(path),
        shipped=path.parent == referentials_dir(),
    )
    if raw.get("abstract") and not chain:
        sink.error("config", doc.pos(("abstract",)), "abstract", "referential.abstract", name=raw["id"])
        result.referential = None
    return result


def _claim_codes(doc, sink: ProblemSink, seen: dict[str, tuple[int, int]]) -> None:
    """Report each domain or competency code used twice (``seen``: codes inherited, at (0, 0))."""

    def claim(code: object, path: tuple, field: str) -> None:
        if not isinstance(code, str):
            return
        pos = doc.pos(path)
        if code in seen:
            first = seen[code]
            sink.error(
                "duplicate-code",
                pos,
                field,
                "referential.duplicate_code",
                hint_id="referential.duplicate_code.hint" if first[0] else "referential.duplicate_inherited.hint",
                hint_args={"line": first[0]},
                code=code,
            )
        else:
            seen[code] = pos

    domains = doc.data.get("domains") if isinstance(doc.data, dict) else None
    for di, d in enumerate(domains if isinstance(domains, list) else ()):
        if not isinstance(d, dict):
            continue
        claim(d.get("code"), ("domains", di, "code"), f"domains[{di}].code")
        comps = d.get("competencies")
        for ci, c in enumerate(comps if isinstance(comps, list) else ()):
            if isinstance(c, dict):
                claim(c.get("code"), ("domains", di, "competencies", ci, "code"), f"domains[{di}].competencies[{ci}].code")


def load_shipped(ref_id: str) -> Referential:
    """A shipped referential, for code that needs one known to be valid."""
    result = load(ref_id, referentials_dir())
    if result.referential is None:
        raise LookupError(ref_id)
    return result.referential


def suggest_shipped(name: str) -> str | None:
    close = difflib.get_close_matches(name, shipped_ids(), n=1, cutoff=0.5)
    return close[0] if close else None
