"""Synthetic dossiers for the benchmarks: realistic evidence pages, any size."""

from __future__ import annotations

import random
from pathlib import Path

from portfolio_builder.core.referential import load_shipped

TYPES = ("coursework", "assessment", "external")

PARAGRAPH = (
    "Cette production a été réalisée dans le cadre du module de méthodologie. "
    "J'y ai structuré un document long avec des styles, une table des matières "
    "générée automatiquement et des renvois vers les figures. Le travail a été "
    "relu par un pair puis déposé sur l'espace numérique de travail."
)


def page(i: int, codes: list[str], rng: random.Random) -> str:
    kind = TYPES[i % 3]
    claims = "\n".join(
        f"  - code: {code}\n    argument: \"Preuve {i} : la section démontre {code}.\"" for code in codes
    )
    commentary = '\ncommentary: "Production réalisée hors cursus, commentée par l\'étudiant."' if kind == "external" else ""
    return (
        f"---\ntitle: Preuve numéro {i}\ntype: {kind}\ndate: 2025-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
        f"context: Module {i % 7}{commentary}\ncompetencies:\n{claims}\n---\n\n"
        f"# Preuve numéro {i}\n\n## Démarche\n\n{PARAGRAPH}\n\n## Résultat\n\n{PARAGRAPH}\n\n"
        "- point un\n- point deux\n- point trois\n\n```python\nprint('bonjour')\n```\n"
    )


def make_dossier(folder: Path, pages: int, referential: str = "c2i1-2011", seed: int = 0, name: str = "") -> Path:
    """A complete dossier project (mkdocs.yml + docs/) with ``pages`` evidence pages."""
    rng = random.Random(seed)
    codes = list(load_shipped(referential).competencies)
    docs = folder / "docs"
    (docs / "preuves").mkdir(parents=True, exist_ok=True)
    candidate = name or f"Candidat {seed}"
    (folder / "mkdocs.yml").write_text(
        f"site_name: Dossier de {candidate}\ntheme:\n  name: material\n  language: fr\n"
        "plugins:\n  - search\n  - portfolio:\n"
        f"      referential: {referential}\n      candidate: {{name: {candidate}, student_id: '{seed:08d}'}}\n"
        "      institution: Université Exemple\n      session: 2026-juin\n",
        encoding="utf-8",
    )
    (docs / "index.md").write_text(f"# Dossier de {candidate}\n\nBienvenue.\n", encoding="utf-8")
    for i in range(pages):
        chosen = rng.sample(codes, k=min(len(codes), 1 + i % 3))
        section = docs / "preuves" / f"semestre-{i % 4 + 1}"
        section.mkdir(exist_ok=True)
        (section / f"preuve-{i:04d}.md").write_text(page(i, chosen, rng), encoding="utf-8")
    return folder
