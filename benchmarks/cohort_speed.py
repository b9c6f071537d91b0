"""Cohort speed: many dossiers built safely, at linear cost.

Prints, in one run:
1. 50 dossiers x 40 evidence pages built with `portfolio cohort`   (target <= 30 s)
2. the same 2,000 pages as ONE plain Material site, default nav      (baseline; cohort >= 5x faster)
3. 200 dossiers against 50                                           (target <= 4.4x the time)
4. `portfolio check` over the 200 dossiers (8,000 files)             (target <= 3 s)
5. peak memory of the 200-dossier cohort build, all processes        (target <= 1 GiB)

    .venv/bin/python benchmarks/cohort_speed.py [--skip-baseline]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import MKDOCS, PORTFOLIO, median_time, run, run_with_peak_memory, verdict  # noqa: E402
from synth import make_dossier  # noqa: E402

PAGES = 40


def make_cohort(root: Path, count: int) -> list[Path]:
    return [make_dossier(root / f"dossier-{i:03d}", PAGES, seed=i, name=f"Candidat {i:03d}") for i in range(count)]


def plain_site(folders: list[Path], root: Path) -> Path:
    """All the cohort's pages in one Material site with the default (full) nav."""
    docs = root / "docs"
    for folder in folders:
        shutil.copytree(folder / "docs", docs / folder.name)
    (docs / "index.md").write_text("# Cohorte\n", encoding="utf-8")
    config = {"site_name": "Cohorte (un seul site)", "docs_dir": str(docs), "theme": {"name": "material"}, "plugins": ["search"]}
    path = root / "mkdocs.yml"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-baseline", action="store_true", help="skip the slow single-site baseline")
    parser.add_argument("--large", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cohort-") as tmp_name:
        tmp = Path(tmp_name)
        folders = make_cohort(tmp / "cohort", args.large)
        fifty = [str(f) for f in folders[:50]]
        everyone = [str(f) for f in folders]
        run([*PORTFOLIO, "cohort", *fifty[:2], "-d", str(tmp / "warm")])  # compiled-template cache, as after any earlier build
        t50 = run([*PORTFOLIO, "cohort", *fifty, "-d", str(tmp / "site50")])
        baseline = None
        if not args.skip_baseline:
            config = plain_site([Path(f) for f in fifty], tmp / "plain")
            baseline = run([*MKDOCS, "build", "-q", "-f", str(config), "-d", str(tmp / "plain-site")])
        t200, peak = run_with_peak_memory([*PORTFOLIO, "cohort", *everyone, "-d", str(tmp / "site200")])
        check = median_time([*PORTFOLIO, "check", *everyone], 3)
    print(f"cohort_speed: dossiers of {PAGES} evidence pages")
    print(f"  portfolio cohort, 50 dossiers (2,000 pages)     {t50:8.2f} s   (target <= 30 s: {verdict(t50 <= 30)})")
    if baseline is not None:
        speedup = baseline / t50
        print(f"  one plain Material site, same 2,000 pages       {baseline:8.2f} s")
        print(f"  speed-up cohort vs single site                  {speedup:8.2f}x  (target >= 5x: {verdict(speedup >= 5)})")
    growth = t200 / t50
    print(f"  portfolio cohort, {args.large} dossiers                  {t200:8.2f} s")
    print(f"  ratio {args.large} / 50                                {growth:8.2f}x  (target <= 4.4x: {verdict(growth <= 4.4)})")
    print(f"  peak memory, {args.large}-dossier build (all processes)   {peak:8.0f} MiB (target <= 1024 MiB: {verdict(peak <= 1024)})")
    print(f"  portfolio check, {args.large} dossiers ({args.large * PAGES} files)      {check:8.2f} s   (target <= 3 s: {verdict(check <= 3)})")


if __name__ == "__main__":
    main()
