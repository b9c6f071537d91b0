"""Site build speed: the plugin's overhead from cold caches, and a nav that stays linear.

1. `portfolio build` of the sample dossier against a plain `mkdocs build` of the same
   Markdown without the plugin (same theme and extensions). Main figure: cold caches,
   a fresh HOME and XDG_CACHE_HOME each run (no compiled-template cache anywhere), as a
   CI runner or a student's first build. Target: <= 1.25x the CPU. Warm beside it.
2. Synthetic dossiers of 400 and 800 evidence pages. Target: the 800-page one builds in
   <= 2.2x the CPU of the 400-page one (the marginal cost per page does not grow).

Runs alternate (A B A B …); wall and CPU (user + system of the process tree), median [min–max].

    .venv/bin/python benchmarks/build_speed.py [--repeat 5] [--nav-repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import MKDOCS, PORTFOLIO, ROOT, Env, alternate, header, measure, ratio_line, row, scratch  # noqa: E402
from synth import make_dossier  # noqa: E402


def plain_config(tmp: Path) -> Path:
    """The sample's mkdocs.yml without the portfolio plugin (JSON is valid YAML)."""
    config = {
        "site_name": "Dossier (sans le plugin)",
        "docs_dir": str(ROOT / "sample_dnc" / "docs"),
        "theme": {"name": "material", "language": "fr", "features": ["navigation.sections", "navigation.indexes"]},
        "markdown_extensions": ["admonition", "attr_list", "tables", {"toc": {"permalink": True}}],
        "plugins": ["search"],
    }
    path = tmp / "plain.yml"
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--nav-repeat", type=int, default=3)
    args = parser.parse_args()
    with scratch("bench-build-") as tmp_name:
        tmp = Path(tmp_name)
        cold, warm = Env.pair(tmp / "homes")
        plain_cmd = [*MKDOCS, "build", "-q", "-f", str(plain_config(tmp)), "-d", str(tmp / "plain-site")]
        ours_cmd = [*PORTFOLIO, "build", str(ROOT), "-q", "--allow-dirty", "-d", str(tmp / "sample-site")]
        sample = {}
        for env in (cold, warm):
            sample[env.cold] = alternate(
                {"plain": lambda env=env: measure(plain_cmd, env()), "ours": lambda env=env: measure(ours_cmd, env())},
                args.repeat,
            )
            env.clean()
        small = make_dossier(tmp / "d400", 400, seed=1)
        large = make_dossier(tmp / "d800", 800, seed=2)
        nav = alternate(
            {
                "400": lambda: measure([*PORTFOLIO, "build", str(small), "-q", "-d", str(tmp / "s400")], cold()),
                "800": lambda: measure([*PORTFOLIO, "build", str(large), "-q", "-d", str(tmp / "s800")], cold()),
            },
            args.nav_repeat,
            warmup=False,
        )
        cold.clean()
    for is_cold, runs in sample.items():
        header("build_speed, the sample dossier", args.repeat, cold if is_cold else warm)
        print(row("mkdocs build, no plugin", runs["plain"]))
        print(row("portfolio build", runs["ours"]))
        print(ratio_line("portfolio / plain", runs["ours"], runs["plain"], 1.25, on="cpu"))
        print(ratio_line("portfolio / plain", runs["ours"], runs["plain"], 1.25, on="wall"))
    header("build_speed, nav growth", args.nav_repeat, cold)
    print(row("portfolio build, 400 evidence pages", nav["400"]))
    print(row("portfolio build, 800 evidence pages", nav["800"]))
    print(ratio_line("800 / 400", nav["800"], nav["400"], 2.2, on="cpu"))
    print(ratio_line("800 / 400", nav["800"], nav["400"], 2.2, on="wall"))


if __name__ == "__main__":
    main()
