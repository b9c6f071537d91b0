"""`portfolio check`: the pre-commit start-up, and 4,000 files against a floor.

1. A one-page dossier, as the pre-commit hook checks it at every commit, against a bare
   `python -c pass` start (same interpreter). Target: <= 6x, on wall and on CPU.
   `portfolio --help` beside it (it must import nothing of the check machinery).
2. 4,000 evidence files against the floor: the least any checker must do, read the same
   files and parse their front matter with PyYAML's CSafeLoader, in one process.
   Target: check <= 2x the floor's CPU (user + system of every worker process).

Runs alternate (A B A B …); the main figures start from cold caches (fresh HOME and
XDG_CACHE_HOME each run), the warm ones keep them.

    .venv/bin/python benchmarks/check_speed.py [--pages 4000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import PORTFOLIO, Env, alternate, header, measure, ratio_line, row, scratch  # noqa: E402
from synth import make_dossier  # noqa: E402

FLOOR = r'''
import os, re, sys, yaml
FRONT = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.S)
count = 0
for folder, _, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith(".md"):
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                match = FRONT.match(handle.read())
            if match:
                yaml.load(match.group(1), Loader=yaml.CSafeLoader)
                count += 1
print(count)
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with scratch("bench-check-") as tmp_name:
        tmp = Path(tmp_name)
        cold, warm = Env.pair(tmp / "homes")
        one = make_dossier(tmp / "one", 1)
        many = make_dossier(tmp / "dossier", args.pages)
        floor_script = tmp / "floor.py"
        floor_script.write_text(FLOOR, encoding="utf-8")
        bare = [sys.executable, "-c", "pass"]
        check_one = [*PORTFOLIO, "check", str(one)]
        helps = [*PORTFOLIO, "--help"]
        check_many = [*PORTFOLIO, "check", "--format", "json", str(many)]
        floor = [sys.executable, str(floor_script), str(many / "docs")]
        figures = {}
        for env in (cold, warm):
            figures[env.cold] = (
                alternate(
                    {
                        "bare": lambda env=env: measure(bare, env()),
                        "one": lambda env=env: measure(check_one, env(), cwd=one),
                        "help": lambda env=env: measure(helps, env()),
                    },
                    args.repeat * 3,
                ),
                alternate(
                    {
                        "floor": lambda env=env: measure(floor, env()),
                        "many": lambda env=env: measure(check_many, env()),
                    },
                    args.repeat,
                ),
            )
            env.clean()
    for is_cold, (start, bulk) in figures.items():
        header("check_speed, start-up", args.repeat * 3, cold if is_cold else warm)
        print(row("python -c pass", start["bare"]))
        print(row("portfolio check, one-page dossier", start["one"]))
        print(row("portfolio --help", start["help"]))
        print(ratio_line("check one page / bare python", start["one"], start["bare"], 6, on="wall"))
        print(ratio_line("check one page / bare python", start["one"], start["bare"], 6, on="cpu"))
        print(ratio_line("--help / bare python", start["help"], start["bare"], 6, on="wall"))
        header(f"check_speed, {args.pages} evidence files", args.repeat, cold if is_cold else warm)
        print(row("floor (read + CSafeLoader, one process)", bulk["floor"]))
        print(row("portfolio check --format json", bulk["many"]))
        print(ratio_line("check / floor", bulk["many"], bulk["floor"], 2, on="cpu"))
        print(ratio_line("check / floor (wall, for information)", bulk["many"], bulk["floor"], 2, on="wall"))


if __name__ == "__main__":
    main()
