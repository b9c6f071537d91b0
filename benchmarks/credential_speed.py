"""How long `portfolio credential verify` takes: the command a jury runs, and the check alone.

Wall and CPU time (user + system of the child process), median and spread of N runs, for:
the whole command (Python start-up included) and the in-process verification of one credential
(what a cohort pays per signed attestation). Run: .venv/bin/python benchmarks/credential_speed.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import ENV, PORTFOLIO, ROOT, measure  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "15"))


def timed(cmd: list[str]) -> tuple[float, float]:
    sample = measure(cmd, check=False)
    return sample.wall, sample.cpu


def spread(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"


def main() -> None:
    from portfolio_builder.core import credentials

    work = Path(tempfile.mkdtemp(prefix="bench-credential-"))
    try:
        subprocess.run([*PORTFOLIO, "keys", "new", "u", "-d", str(work), "--issuer-name", "U"], env=ENV, check=True, capture_output=True)
        dossier = work / "echec"
        shutil.copytree(ROOT / "sample_dnc" / "echec-qcm", dossier)
        token = work / "att.jwt"
        subprocess.run([*PORTFOLIO, "attestation", str(dossier), "--sign", str(work / "u.private.jwk"), "--jury", str(dossier / "jury.yml"), "-o", str(token)], env=ENV, check=True, capture_output=True)
        cmd = [*PORTFOLIO, "credential", "verify", str(token), "--issuer", str(work / "u.public.jwk")]
        bare = [sys.executable, "-c", "pass"]
        results: dict[str, list[tuple[float, float]]] = {"verify": [], "python": []}
        for _ in range(RUNS):  # alternated, so that load drifts hit both alike
            results["verify"].append(timed(cmd))
            results["python"].append(timed(bare))
        issuers = credentials.load_issuers([work / "u.public.jwk"])
        text = token.read_text(encoding="utf-8")
        inner = []
        for _ in range(RUNS):
            start = time.process_time()
            for _ in range(100):
                assert credentials.verify_credential(text, issuers).ok
            inner.append((time.process_time() - start) / 100)
        print(f"credential verify, whole command ({RUNS} runs, alternated with a bare python start)")
        print(f"  wall {spread([w for w, _ in results['verify']])}   CPU {spread([c for _, c in results['verify']])}")
        print(f"  bare `python -c pass`: wall {spread([w for w, _ in results['python']])}")
        print(f"verification alone, in process (median of {len(inner)} × 100): CPU {statistics.median(inner) * 1e6:.0f} µs per credential")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
