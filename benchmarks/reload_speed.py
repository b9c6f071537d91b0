"""Live reload: time from saving a page to the open tab showing it, under `portfolio serve`.

A real Chromium (Debian's, /usr/bin/chromium) opens an evidence page served by
`portfolio serve`; the script saves a change to that page's Markdown and waits
for the tab to reload by itself and show the change. Measured on a copy of the
sample dossier and on a synthetic 200-page dossier, with the incremental
rebuild `portfolio serve` does by default and with `--full-rebuild`.

    .venv/bin/python benchmarks/reload_speed.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import ENV, PORTFOLIO, ROOT  # noqa: E402
from synth import make_dossier  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SAMPLE_PAGE = "productions/organisation-espace-travail.md"
SYNTH_PAGE = "preuves/semestre-1/preuve-0100.md"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def sample_copy(tmp: Path) -> Path:
    """The sample dossier, copied: the benchmark edits pages, never the repository's."""
    target = tmp / "sample"
    shutil.copytree(ROOT / "sample_dnc", target / "sample_dnc")
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    return target


def measure(browser, project: Path, page_src: str, repeat: int, extra: list[str]) -> list[float]:
    port = _free_port()
    server = subprocess.Popen(
        [*PORTFOLIO, "serve", str(project), "-a", f"127.0.0.1:{port}", *extra],
        env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 300
        while not _up(base):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"portfolio serve {project} did not start")
            time.sleep(0.1)
        docs = next(p for p in (project / "docs", project / "sample_dnc" / "docs") if p.is_dir())
        source = docs / page_src
        url = base + page_src[: -len(".md")] + "/"
        original = source.read_text(encoding="utf-8")
        page = browser.new_page()
        page.set_default_timeout(120_000)
        times = []
        with page.expect_request(lambda r: "/livereload/" in r.url):
            page.goto(url)
        for n in range(repeat + 1):  # the first round warms up (first incremental build)
            marker = f"Modification numéro {n} pour mesurer le rechargement."
            with page.expect_request(lambda r: "/livereload/" in r.url):
                started = time.perf_counter()
                with page.expect_event("load"):
                    source.write_text(original + f"\n\n{marker}\n", encoding="utf-8")
                page.get_by_text(marker).wait_for()
                elapsed = time.perf_counter() - started
            if n:
                times.append(elapsed)
            time.sleep(0.3)  # let the server settle before the next save
        page.close()
        source.write_text(original, encoding="utf-8")
        return times
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-reload-") as tmp_name, sync_playwright() as playwright:
        tmp = Path(tmp_name)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            sample = sample_copy(tmp)
            large = make_dossier(tmp / "d200", 200, seed=3)
            rows = []
            for label, project, page_src in (("sample (15 pages)", sample, SAMPLE_PAGE), ("200 evidence pages", large, SYNTH_PAGE)):
                for mode, extra in (("incremental", []), ("full", ["--full-rebuild"])):
                    rows.append((label, mode, statistics.median(measure(browser, project, page_src, args.repeat, extra))))
        finally:
            browser.close()
    print(f"reload_speed: save -> reloaded tab showing the change, median of {args.repeat} saves (Chromium)")
    for label, mode, seconds in rows:
        print(f"  {label:<20} {mode:<12} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
