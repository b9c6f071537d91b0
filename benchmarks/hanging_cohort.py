"""A cohort with one hanging and one oversized dossier (issue 10): it ends within its limit.

1. 10 honest dossiers x 40 pages, built with `portfolio cohort`        (the reference)
2. the same 10 plus one whose page hangs Python-Markdown (120 KB of `[`) and one
   with a sparse 4 GiB file, with `limits: {build_seconds: 30}` in cohort.yml:
   the time must stay below the reference + 30 s + a margin, the 10 honest dossiers
   build, the two others fail alone, the dashboard is written.

    .venv/bin/python benchmarks/hanging_cohort.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import PORTFOLIO, run, verdict  # noqa: E402
from synth import make_dossier  # noqa: E402

LIMIT = 30
HONEST = 10


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-hang-") as tmp_name:
        tmp = Path(tmp_name)
        honest = [make_dossier(tmp / f"d{i}", 40, seed=i, name=f"Candidat {i}") for i in range(HONEST)]
        hang = make_dossier(tmp / "hang", 2, seed=99, name="Henri Hang")
        (hang / "docs" / "preuves" / "boucle.md").write_text("# Boucle\n\n" + "[" * 120_000, encoding="utf-8")
        big = make_dossier(tmp / "big", 2, seed=98, name="Gros Bob")
        with open(big / "docs" / "video.mp4", "wb") as handle:
            handle.truncate(4 * 1024**3)
        run([*PORTFOLIO, "cohort", str(honest[0]), "-d", str(tmp / "warm")])  # compiled-template cache
        reference = run([*PORTFOLIO, "cohort", *map(str, honest), "-d", str(tmp / "ref")])
        config = tmp / "cohort.yml"
        listed = ", ".join(str(p) for p in [*honest, hang, big])
        config.write_text(f"dossiers: [{listed}]\nlimits: {{build_seconds: {LIMIT}}}\n", encoding="utf-8")
        elapsed = run([*PORTFOLIO, "cohort", "--config", str(config), "-d", str(tmp / "site")])
        rows = json.loads((tmp / "site" / "report.json").read_text(encoding="utf-8"))["dossiers"]
    built = sum(1 for r in rows if r["built"])
    failures = {r["slug"]: r["failure"] for r in rows if not r["built"]}
    ok = elapsed <= reference + LIMIT + 15 and built == HONEST and set(failures) == {"henri-hang", "gros-bob"}
    print(f"hanging_cohort: {HONEST} honest dossiers of 40 pages, + 1 hanging, + 1 of 4 GiB (sparse)")
    print(f"  portfolio cohort, {HONEST} honest dossiers              {reference:8.2f} s")
    print(f"  the same + hanging + oversized, limit {LIMIT} s      {elapsed:8.2f} s   (target <= {reference:.0f} + {LIMIT} + 15 s: {verdict(ok)})")
    print(f"  built {built}/{len(rows)}; failed alone: {failures}")


if __name__ == "__main__":
    main()
