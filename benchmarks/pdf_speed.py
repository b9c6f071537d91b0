"""`portfolio pdf`: wall and CPU time, pages and size, for the sample and a 200-page dossier.

The time includes the offline build of the site in a temporary folder (the PDF is made from
the site's own pages) and WeasyPrint's layout of every page.

    .venv/bin/python benchmarks/pdf_speed.py [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import ENV, PORTFOLIO, ROOT  # noqa: E402
from synth import make_dossier  # noqa: E402


def measure(project: Path, output: Path) -> tuple[float, float, int, int]:
    """(wall s, CPU s of the command, pages, bytes) of one `portfolio pdf`."""
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run([*PORTFOLIO, "pdf", str(project), "-o", str(output)], env=ENV, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = os.times()
    if done.returncode != 0:
        raise SystemExit(f"portfolio pdf failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", output.read_bytes()))
    try:
        info = subprocess.run(["pdfinfo", str(output)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    except (OSError, subprocess.CalledProcessError, AttributeError):
        pass
    return wall, cpu, pages, output.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"pdf_speed: median of {args.repeat} run(s) (wall and CPU time, including Python start-up)")
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp_name:
        tmp = Path(tmp_name)
        big = make_dossier(tmp / "d200", 200, seed=13)
        for label, project in (("sample (15 evidence pages)", ROOT), ("synthetic, 200 evidence pages", big)):
            runs = [measure(project, tmp / "out.pdf") for _ in range(args.repeat)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            pages, size = runs[-1][2], runs[-1][3]
            print(f"  {label:<32} wall {wall:7.2f} s   CPU {cpu:7.2f} s   {pages:5d} PDF pages   {size / 1024:9.0f} KiB")


if __name__ == "__main__":
    main()
