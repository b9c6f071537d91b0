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
from typing import Any

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
class LevelGroup:
    name: str
    levels: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Levels:
    """Proficiency levels (CRCN 1–8, DigComp 2.2's eight, or an institution's own)."""

    min: int
    max: int
    groups: tuple[LevelGroup, ...] = ()

    def __contains__(self, level: object) -> bool:
        return isinstance(level, int) and not isinstance(level, bool) and self.min <= level <= self.max

    def group(self, level: int) -> str:
        return next((g.name for g in self.groups if level in g.levels), "")

    def label(self, level: int | None) -> str:
        """« 4 (Indépendant) », or « 4 » where the referential names no group."""
        if level is None:
            return ""
        name = self.group(level)
        return f"{level} ({name})" if name else str(level)


@dataclass(frozen=True, slots=True)
class Condition:
    """A requirement only a jury can attest (C2i2e: a real face-to-face teaching situation)."""

    id: str
    title: str
    source: str = ""


QCM_CERTAINTIES = ("confirmed", "probable", "unknown")


@dataclass(frozen=True, slots=True)
class Rules:
    validation: str  # a kind of core.rules.RULE_KINDS: "all" or "threshold"
    min_validated: int | None = None
    max_not_validated_per_domain: int | None = None
    qcm_per_domain: bool = False  # the referential's default; a jury or a cohort may set it per domain
    qcm_certainty: str = ""  # how sure the sources are of that default: confirmed, probable, unknown
    qcm_source: str = ""
    conditions: tuple[Condition, ...] = ()
    min_level: int | None = None  # every competency
    min_levels: tuple[tuple[str, int], ...] = ()  # domain or competency code → minimum level

    def min_level_for(self, code: str, domain: str) -> int | None:
        """The level a competency must reach: its own, else its domain's, else the global one."""
        found = dict(self.min_levels)
        if code in found:
            return found[code]
        if domain in found:
            return found[domain]
        return self.min_level

    @property
    def condition_index(self) -> dict[str, Condition]:
        return {c.id: c for c in self.conditions}


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
    levels: Levels | None = None
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

    def min_level(self, code: str) -> int | None:
        """The minimum level the rules require of a competency (``None``: none)."""
        competency = self.competencies.get(code)
        if competency is None or self.levels is None:
            return None
        return self.rules.min_level_for(code, competency.domain)

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
    digits: dict[str, list[str]] = {}
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
    # A shipped referential is validated by the tests, not at each start of `portfolio check`.
    schema = None if path.parent == referentials_dir() else "referential"
    doc, valid = datafile.read(path, sink, schema, _OVERRIDES)
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
        inherited_levels = parent.referential.levels
    else:
        inherited_rules = None
        inherited_levels = None

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

    levels = _levels(raw.get("levels"), doc, sink) if "levels" in raw else inherited_levels
    rules_raw = raw.get("rules")
    if rules_raw is not None:
        known = {c.code: c.domain for d in domains for c in d.competencies} | {d.code: d.code for d in domains}
        min_level, min_levels = _min_levels(rules_raw.get("min_level"), levels, known, doc, sink)
        rules = Rules(
            validation=rules_raw["validation"],
            min_validated=rules_raw.get("min_validated"),
            max_not_validated_per_domain=rules_raw.get("max_not_validated_per_domain"),
            qcm_per_domain=bool(rules_raw.get("qcm_per_domain", False)),
            qcm_certainty=rules_raw.get("qcm_certainty", ""),
            qcm_source=(rules_raw.get("qcm_source") or "").strip(),
            conditions=_conditions(rules_raw.get("conditions") or [], doc, sink),
            min_level=min_level,
            min_levels=min_levels,
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
        levels=levels,
        groups=tuple((g["code"], g["title"]) for g in raw.get("groups", ())),
        origin=str(path),
        shipped=path.parent == referentials_dir(),
    )
    if raw.get("abstract") and not chain:
        sink.error("config", doc.pos(("abstract",)), "abstract", "referential.abstract", name=raw["id"])
        result.referential = None
    return result


def _levels(raw: dict, doc, sink: ProblemSink) -> Levels | None:
    """The declared levels; a group naming a level outside the range is reported."""
    low, high = raw["min"], raw["max"]
    if low > high:
        sink.error("config", doc.pos(("levels", "max")), "levels.max", "referential.levels_inverted", min=low, max=high)
        return None
    groups: list[LevelGroup] = []
    claimed: dict[int, str] = {}
    for gi, group in enumerate(raw.get("groups") or ()):
        for li, level in enumerate(group["levels"]):
            where = ("levels", "groups", gi, "levels", li)
            if not low <= level <= high:
                sink.error(
                    "level-out-of-range", doc.pos(where), f"levels.groups[{gi}].levels[{li}]",
                    "level.out_of_range", hint_id="level.range.hint", hint_args={"min": low, "max": high}, level=level,
                )
            elif level in claimed:
                sink.error(
                    "duplicate-code", doc.pos(where), f"levels.groups[{gi}].levels[{li}]",
                    "referential.level_in_two_groups", level=level, group=claimed[level],
                )
            else:
                claimed[level] = group["name"]
        groups.append(LevelGroup(group["name"].strip(), tuple(group["levels"])))
    return Levels(low, high, tuple(groups))


def check_level(level: object, levels: Levels | None, pos, field: str, sink: ProblemSink, what: str) -> int | None:
    """A level written in a file (evidence, review, jury, rules): kept when the referential
    has levels and it lies in their range, else reported (``what``: the referential's id)."""
    if isinstance(level, str):
        text = level.strip()
        # Front matter keeps numbers as text; only plain ASCII digits are a level (the schema
        # reports anything else: « ² », « ٣ », a hundred digits).
        if not (text.isascii() and text.isdigit() and len(text) <= 3):
            return None
        level = int(text)
    if not isinstance(level, int) or isinstance(level, bool):
        return None  # a wrong type is reported by the schema
    if levels is None:
        sink.error(
            "level-without-levels", pos, field, "level.no_levels",
            hint_id="level.no_levels.hint", referential=what, level=level,
        )
        return None
    if level not in levels:
        sink.error(
            "level-out-of-range", pos, field, "level.out_of_range",
            hint_id="level.range.hint", hint_args={"min": levels.min, "max": levels.max}, level=level,
        )
        return None
    return level


def _min_levels(raw, levels: Levels | None, known: dict[str, str], doc, sink: ProblemSink):
    if raw is None:
        return None, ()
    if not isinstance(raw, dict):
        return check_level(raw, levels, doc.pos(("rules", "min_level")), "rules.min_level", sink, doc.data.get("id", "")), ()
    found: list[tuple[str, int]] = []
    for code, value in raw.items():
        where = ("rules", "min_level", code)
        if code not in known:
            suggestion = suggest_code(code, list(known))
            sink.error(
                "unknown-competency", doc.key_pos(where), f"rules.min_level.{code}", "referential.min_level_unknown",
                hint_id="hint.did_you_mean" if suggestion else None,
                hint_args={"suggestion": suggestion} if suggestion else {}, code=code,
            )
            continue
        level = check_level(value, levels, doc.pos(where), f"rules.min_level.{code}", sink, doc.data.get("id", ""))
        if level is not None:
            found.append((code, level))
    return None, tuple(found)


def _conditions(raw: list, doc, sink: ProblemSink) -> tuple[Condition, ...]:
    found: dict[str, Condition] = {}
    for index, item in enumerate(raw):
        if item["id"] in found:
            sink.error(
                "duplicate-code", doc.pos(("rules", "conditions", index, "id")), f"rules.conditions[{index}].id",
                "referential.duplicate_code", code=item["id"],
            )
            continue
        found[item["id"]] = Condition(item["id"], item["title"].strip(), (item.get("source") or "").strip())
    return tuple(found.values())


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


def unknown_code(
    sink: ProblemSink, referential: Referential, code: str, position: Any, field: str, message_id: str, *, domain: bool = False
) -> None:
    """``code`` names no competency (or domain) of the referential: an error, with the code it most likely meant."""
    suggestion = referential.suggest_domain(code) if domain else referential.suggest(code)
    sink.error(
        "unknown-domain" if domain else "unknown-competency",
        position,
        field,
        message_id,
        hint_id="hint.did_you_mean" if suggestion else None,
        hint_args={"suggestion": suggestion} if suggestion else {},
        code=code,
    )


def read_levels(raw: Any, doc: Any, sink: ProblemSink, referential: Referential, message_id: str) -> dict[str, int]:
    """A data file's ``levels`` (competency → level reached): each code and level checked."""
    levels: dict[str, int] = {}
    for code, value in raw.items() if isinstance(raw, dict) else ():
        if code not in referential.competencies:
            unknown_code(sink, referential, code, doc.key_pos(("levels", code)), f"levels.{code}", message_id)
            continue
        level = check_level(value, referential.levels, doc.pos(("levels", code)), f"levels.{code}", sink, referential.id)
        if level is not None:
            levels[code] = level
    return levels
