"""Jury session speed: the decision sheet of a 200-candidate cohort, out and back in.

Prints, in one run, wall-clock and CPU time (the command and every process it
started) of:
1. `portfolio jury sheet` to XLSX and to CSV (every dossier checked)
2. `portfolio jury import` of the filled-in XLSX with `--juries` (the sheet alone is validated)
   and with `--cohort` (the cohort is read again to check session, referential and candidates)
and the size of the XLSX and of the CSV.

    .venv/bin/python benchmarks/jury_speed.py [--candidates 200] [--pages 20]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import ENV, PORTFOLIO  # noqa: E402
from synth import make_dossier  # noqa: E402


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"command failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def median(cmd: list[str], repeat: int) -> tuple[float, float]:
    runs = [timed(cmd) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def fill(sheet: Path, out: Path) -> None:
    import openpyxl

    workbook = openpyxl.load_workbook(sheet)
    table, block = workbook.worksheets
    codes = [c.value for c in table[2]]
    for n, row in enumerate(table.iter_rows(min_row=3)):
        for index, code in enumerate(codes):
            if code and ":" not in code and code not in ("id", "name", "institution", "comment"):
                row[index].value = "non validée" if (n + index) % 17 == 0 else "validée"
            elif code and code.startswith("qcm:"):
                row[index].value = "réussi"
            elif code and code.startswith("score:"):
                row[index].value = 50 + (n + index) % 50
    block["B5"] = "2026-06-24"
    block["B6"] = "Pr. Anne Delmas (présidente)"
    block["C6"] = "M. Karim Benali"
    workbook.save(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-jury-") as tmp_name:
        tmp = Path(tmp_name)
        for i in range(args.candidates):
            make_dossier(tmp / "dossiers" / f"dossier-{i:03d}", args.pages, seed=i, name=f"Candidat {i:03d}")
        (tmp / "jury").mkdir()
        cohort = tmp / "cohort.yml"
        cohort.write_text(
            "institution: Université Exemple\nsession: 2026-juin\nreferential: c2i1-2011\njuries: jury\ndossiers: [dossiers/*]\n",
            encoding="utf-8",
        )
        xlsx, csv_file, filled = tmp / "sheet.xlsx", tmp / "sheet.csv", tmp / "filled.xlsx"
        sheet_xlsx = median([*PORTFOLIO, "jury", "sheet", str(cohort), "-o", str(xlsx)], args.repeat)
        sheet_csv = median([*PORTFOLIO, "jury", "sheet", str(cohort), "-o", str(csv_file)], args.repeat)
        fill(xlsx, filled)
        first = timed([*PORTFOLIO, "jury", "import", str(filled), "--juries", str(tmp / "jury")])
        again = median([*PORTFOLIO, "jury", "import", str(filled), "--juries", str(tmp / "jury")], args.repeat)
        with_cohort = median([*PORTFOLIO, "jury", "import", str(filled), "--cohort", str(cohort)], args.repeat)
        written = len(list((tmp / "jury").glob("*.yml")))
        sizes = xlsx.stat().st_size, csv_file.stat().st_size, filled.stat().st_size
    print(f"jury_speed: {args.candidates} candidates, dossiers of {args.pages} evidence pages, C2i niveau 1 (20 competencies, 5 QCM)")
    print(f"  jury sheet -> XLSX                          {sheet_xlsx[0]:7.2f} s wall  {sheet_xlsx[1]:7.2f} s CPU")
    print(f"  jury sheet -> CSV                           {sheet_csv[0]:7.2f} s wall  {sheet_csv[1]:7.2f} s CPU")
    print(f"  jury import --juries, {written} files written   {first[0]:7.2f} s wall  {first[1]:7.2f} s CPU")
    print(f"  jury import --juries, nothing changed       {again[0]:7.2f} s wall  {again[1]:7.2f} s CPU")
    print(f"  jury import --cohort (cohort read again)    {with_cohort[0]:7.2f} s wall  {with_cohort[1]:7.2f} s CPU")
    print(f"  XLSX size: {sizes[0] / 1024:.0f} KiB as written, {sizes[2] / 1024:.0f} KiB filled in; CSV size: {sizes[1] / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
