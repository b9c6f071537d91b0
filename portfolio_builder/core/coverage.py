"""Coverage: which evidence claims which competency, per domain."""

from __future__ import annotations

from dataclasses import dataclass, field

from portfolio_builder.core.evidence import Claim, Evidence
from portfolio_builder.core.referential import Competency, Domain, Referential


@dataclass(slots=True)
class CompetencyCoverage:
    competency: Competency
    claims: list[tuple[Evidence, Claim]] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.claims)

    @property
    def evidence(self) -> list[Evidence]:
        return [e for e, _ in self.claims]

    @property
    def level_evidenced(self) -> int | None:
        """The highest level the evidence claims for this competency (``None``: no level claimed)."""
        levels = [claim.level for _e, claim in self.claims if claim.level is not None]
        return max(levels) if levels else None


@dataclass(slots=True)
class DomainCoverage:
    domain: Domain
    competencies: list[CompetencyCoverage]

    @property
    def total(self) -> int:
        return len(self.competencies)

    @property
    def covered(self) -> int:
        return sum(1 for c in self.competencies if c.covered)

    @property
    def missing(self) -> list[str]:
        return [c.competency.code for c in self.competencies if not c.covered]


@dataclass(slots=True)
class Coverage:
    domains: list[DomainCoverage]
    by_code: dict[str, CompetencyCoverage]

    @property
    def total(self) -> int:
        return len(self.by_code)

    @property
    def covered(self) -> int:
        return sum(1 for c in self.by_code.values() if c.covered)

    @property
    def missing(self) -> list[str]:
        return [code for code, c in self.by_code.items() if not c.covered]

    @classmethod
    def empty(cls) -> Coverage:
        return cls([], {})


def compute(referential: Referential, evidence: list[Evidence]) -> Coverage:
    by_code = {code: CompetencyCoverage(comp) for code, comp in referential.competencies.items()}
    for item in sorted(evidence, key=lambda e: (e.date, e.path)):
        for claim in item.claims:
            entry = by_code.get(claim.code)
            if entry is not None:
                entry.claims.append((item, claim))
    domains = [DomainCoverage(d, [by_code[c.code] for c in d.competencies]) for d in referential.domains]
    return Coverage(domains, by_code)
