"""Cohort speed and weight: many dossiers built safely, sharing what is the same.

A: `portfolio cohort` of 50 dossiers x 40 evidence pages (one process, a worker per core).
B: the baseline a tutor really has: 50 separate plain Material builds (`mkdocs build`
   with `navigation.prune`, the search plugin, no portfolio plugin) of the same pages,
   run as many at a time as there are cores.

Printed, A and B alternated, from cold caches (fresh HOME and XDG_CACHE_HOME each run):
- bytes written: every file of the output counted once, however many hard links share it
  (target: the cohort writes <= 40% of the bytes of the 50 plain builds);
- CPU, user + system of every process (target: the cohort uses <= 50% of the plain builds');
- wall time, for information (target of old: <= 30 s).
Then `portfolio check` over the same 50 dossiers (2,000 files), and, with --scale, the
cohort of 4x as many dossiers against the cohort of 50 (target <= 4.4x) and its peak memory.

    .venv/bin/python benchmarks/cohort_speed.py [--dossiers 50] [--repeat 3] [--scale]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import (  # noqa: E402
    CPUS,
    MKDOCS,
    PORTFOLIO,
    Env,
    Sample,
    alternate,
    header,
    measure,
    measure_many,
    ratio_line,
    row,
    run_with_peak_memory,
    scratch,
    tree_bytes,
    verdict,
)
from synth import make_dossier  # noqa: E402

PAGES = 40


def make_cohort(root: Path, count: int) -> list[Path]:
    return [make_dossier(root / f"dossier-{i:03d}", PAGES, seed=i, name=f"Candidat {i:03d}") for i in range(count)]


def plain_config(folder: Path, root: Path) -> Path:
    """One dossier's pages as a plain Material site, pruned nav (JSON is valid YAML)."""
    config = {
        "site_name": folder.name,
        "docs_dir": str(folder / "docs"),
        "theme": {"name": "material", "language": "fr", "features": ["navigation.prune"]},
        "plugins": ["search"],
    }
    path = root / f"{folder.name}.yml"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", action="store_true", help="also 4x the dossiers: growth and peak memory")
    args = parser.parse_args()
    with scratch("bench-cohort-") as tmp_name:
        tmp = Path(tmp_name)
        cold, _warm = Env.pair(tmp / "homes")
        count = args.dossiers
        folders = make_cohort(tmp / "cohort", count * (4 if args.scale else 1))
        chosen = folders[:count]
        configs = [plain_config(f, tmp) for f in chosen]
        out_cohort, out_plain = tmp / "out-cohort", tmp / "out-plain"
        weights: dict[str, list[int]] = {"cohort": [], "plain": []}

        def cohort_run() -> Sample:
            shutil.rmtree(out_cohort, ignore_errors=True)
            sample = measure([*PORTFOLIO, "cohort", *map(str, chosen), "-d", str(out_cohort)], cold())
            weights["cohort"].append(tree_bytes(out_cohort))
            return sample

        def plain_run() -> Sample:
            shutil.rmtree(out_plain, ignore_errors=True)
            cmds = [[*MKDOCS, "build", "-q", "-f", str(c), "-d", str(out_plain / c.stem)] for c in configs]
            sample = measure_many(cmds, cold, jobs=CPUS)
            weights["plain"].append(tree_bytes(out_plain))
            return sample

        runs = alternate({"cohort": cohort_run, "plain": plain_run}, args.repeat, warmup=False)
        checks = alternate({"check": lambda: measure([*PORTFOLIO, "check", *map(str, chosen)], cold())}, args.repeat, warmup=False)
        scale = None
        if args.scale:
            everyone = [str(f) for f in folders]
            big = tmp / "out-big"
            scale = alternate(
                {
                    "50": lambda: measure([*PORTFOLIO, "cohort", *map(str, chosen), "-d", str(tmp / "out-50")], cold()),
                    "many": lambda: measure([*PORTFOLIO, "cohort", *everyone, "-d", str(big)], cold()),
                },
                1,
                warmup=False,
            )
            shutil.rmtree(big, ignore_errors=True)
            _, peak = run_with_peak_memory([*PORTFOLIO, "cohort", *everyone, "-d", str(big)], env=cold())
        cold.clean()
    header(f"cohort_speed, {count} dossiers x {PAGES} evidence pages", args.repeat, cold)
    print(row(f"portfolio cohort, {count} dossiers", runs["cohort"]))
    print(row(f"{count} separate plain Material builds", runs["plain"]))
    print(ratio_line("CPU, cohort / plain builds", runs["cohort"], runs["plain"], 0.5, on="cpu"))
    print(ratio_line("wall, cohort / plain builds (information)", runs["cohort"], runs["plain"], 1, on="wall"))
    c_bytes, p_bytes = weights["cohort"][-1], weights["plain"][-1]
    share = c_bytes / p_bytes
    print(f"  {'bytes written, cohort':<44} {c_bytes / 1e6:8.1f} MB   ({c_bytes / count / 1e6:.2f} MB per dossier)")
    print(f"  {'bytes written, plain builds':<44} {p_bytes / 1e6:8.1f} MB   ({p_bytes / count / 1e6:.2f} MB per dossier)")
    print(f"  {'bytes, cohort / plain builds':<44} {share * 100:7.1f} %    target <= 40%: {verdict(share <= 0.40)}")
    cohort_wall = sorted(s.wall for s in runs["cohort"])[len(runs["cohort"]) // 2]
    print(f"  {'cohort wall time':<44} {cohort_wall:8.2f} s    target <= 30 s: {verdict(cohort_wall <= 30)}")
    print(row(f"portfolio check, {count} dossiers ({count * PAGES} files)", checks["check"]))
    if scale is not None:
        print(ratio_line(f"cohort of {4 * count} / cohort of {count}", scale["many"], scale["50"], 4.4, on="cpu"))
        print(ratio_line(f"cohort of {4 * count} / cohort of {count}", scale["many"], scale["50"], 4.4, on="wall"))
        print(f"  {'peak memory, all processes':<44} {peak:8.0f} MiB  target <= 1024 MiB: {verdict(peak <= 1024)}")


if __name__ == "__main__":
    main()
