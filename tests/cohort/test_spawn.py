"""Worker processes start with the platform's default method: under `spawn` (macOS,
Windows), where nothing is inherited, `portfolio check a b`, the parallel page reader
and a cohort give what they give under `fork`."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

RUN = textwrap.dedent(
    """
    import multiprocessing, sys
    method = sys.argv[1]
    if method != "default":
        multiprocessing.set_start_method(method, force=True)
    from portfolio_builder.core import check
    check.PARALLEL_THRESHOLD = 1  # the page reader's workers too, on a small dossier
    from portfolio_builder.cli import main
    main(sys.argv[2:], prog_name="portfolio")
    """
)


def portfolio(method: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN, method, *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_check_of_many_dossiers_and_of_a_large_one_under_spawn():
    dossiers = ("sample_dnc/crcn", "sample_dnc/echec-qcm")
    spawned = portfolio("spawn", "check", *dossiers, "--format", "json")
    assert spawned.returncode in (0, 1), spawned.stderr
    assert "Traceback" not in spawned.stderr
    reports = json.loads(spawned.stdout)
    assert [r["dossier"]["candidate"]["name"] for r in reports]  # one report per dossier, in order
    assert len(reports) == 2
    default = portfolio("default", "check", *dossiers, "--format", "json")
    assert json.loads(default.stdout) == reports
    # One dossier: its pages read by worker processes.
    one = portfolio("spawn", "check", ".", "--format", "json")
    assert one.returncode in (0, 1), one.stderr
    assert json.loads(one.stdout) == json.loads(portfolio("default", "check", ".", "--format", "json").stdout)


def test_a_cohort_builds_under_spawn(tmp_path):
    site = tmp_path / "cohort-site"
    done = portfolio("spawn", "cohort", "-c", "sample_dnc/cohorte/cohort.yml", "-d", str(site), "-j", "2")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    built = sorted(p.parent.name for p in site.glob("*/report.json"))
    assert len(built) == 3, built
    assert (site / "index.html").is_file()
