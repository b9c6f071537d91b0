"""What the offline site's local search costs: the post-build step, the bytes, the first search.

- the step (``web.offline_search.publish``) alone, in process, on fresh copies of a built
  site (the sample, then a synthetic dossier of 400 evidence pages): median and spread;
- the bytes it adds to the site (lunr, the index script, our JS and CSS) against the
  engine's ``search_index.json`` it replaces;
- in Chromium from ``file://`` (when it is there): from typing a word to the first result
  shown, first search of a page (lunr and the index loaded, the index built) and next one.

    python benchmarks/offline_search.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import PORTFOLIO, ROOT, scratch  # noqa: E402
from synth import make_dossier  # noqa: E402

from portfolio_builder.web import offline_search  # noqa: E402


def build(project: Path, site: Path, *extra: str) -> Path:
    subprocess.run([*PORTFOLIO, "build", str(project), "-q", "--allow-dirty", "-d", str(site), *extra], check=True,
                   capture_output=True)
    return site


def step_times(site: Path, work: Path, repeat: int) -> list[float]:
    times = []
    for i in range(repeat):
        copy = work / f"copy-{i}"
        shutil.copytree(site, copy)
        start = time.perf_counter()
        offline_search.publish(copy)
        times.append(time.perf_counter() - start)
        shutil.rmtree(copy)
    return times


def spread(values: list[float], unit: float = 1000.0) -> str:
    return f"{statistics.median(values) * unit:.0f} ms [{min(values) * unit:.0f}–{max(values) * unit:.0f}]"


def added_bytes(site: Path) -> int:
    return sum(f.stat().st_size for f in (site / "search").iterdir())


def browser_times(site: Path, word: str, repeat: int) -> tuple[list[float], list[float]] | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path("/usr/bin/chromium").exists():
        return None
    first, second = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for _ in range(repeat):
            page = browser.new_page()
            page.goto((site / "index.html").as_uri())
            box = page.get_by_role("searchbox")
            for sink in (first, second):
                start = time.perf_counter()
                box.fill(word if sink is first else word[:-1])
                page.locator("a.pb-search__link").first.wait_for()
                sink.append(time.perf_counter() - start)
                box.fill("")
            page.close()
        browser.close()
    return first, second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with scratch("bench-offline-search-") as tmp_name:
        tmp = Path(tmp_name)
        synthetic = make_dossier(tmp / "d400", 400, seed=1)
        for name, project in (("the sample", ROOT), ("400 evidence pages", synthetic)):
            plain = build(project, tmp / f"{name}-plain")
            pages = sum(1 for _ in plain.rglob("*.html"))
            engine = (plain / "search" / "search_index.json").stat().st_size
            times = step_times(plain, tmp, args.repeat)
            offline = build(project, tmp / f"{name}-offline", "--offline")
            print(f"{name}: {pages} pages; the step: {spread(times)} (median [min–max] of {args.repeat});"
                  f" search/ {added_bytes(offline) / 1024:.0f} KiB, of which search_index.js"
                  f" {(offline / 'search' / 'search_index.js').stat().st_size / 1024:.0f} KiB"
                  f" (the engine's search_index.json: {engine / 1024:.0f} KiB)")
            found = browser_times(offline, "universit" if project == ROOT else "méthodologie", args.repeat)
            if found is not None:
                print(f"  Chromium from file://, typing to first result: first search {spread(found[0])},"
                      f" next {spread(found[1])}")


if __name__ == "__main__":
    main()
