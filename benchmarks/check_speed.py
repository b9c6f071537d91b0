"""`portfolio check` on 4,000 evidence files, side by side with a floor.

The floor is the least any checker must do: read the same files and parse
their front matter with PyYAML's CSafeLoader. Target: check <= 3x the floor.

    .venv/bin/python benchmarks/check_speed.py [--pages 4000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import PORTFOLIO, median_time, verdict  # noqa: E402
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
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        project = make_dossier(Path(tmp) / "dossier", args.pages)
        floor_script = Path(tmp) / "floor.py"
        floor_script.write_text(FLOOR, encoding="utf-8")
        floor = median_time([sys.executable, str(floor_script), str(project / "docs")], args.repeat)
        check = median_time([*PORTFOLIO, "check", "--format", "json", str(project)], args.repeat)
    ratio = check / floor
    print(f"check_speed: {args.pages} evidence files, median of {args.repeat} runs")
    print(f"  floor (read + CSafeLoader)        {floor:7.3f} s")
    print(f"  portfolio check --format json     {check:7.3f} s")
    print(f"  ratio check / floor               {ratio:7.2f}x   (target <= 3x: {verdict(ratio <= 3)})")


if __name__ == "__main__":
    main()
