"""Shared helpers for the benchmarks: figures a skeptic accepts.

- **Alternated runs.** ``alternate`` runs its variants round-robin (A B A B …), so that a
  load drift on a shared machine hits each variant alike; ratios are also computed per
  round (A_i / B_i), and their spread is printed.
- **Wall and CPU.** Every sample has the wall time and the CPU time (user + system) of
  the whole process tree: ``getrusage(RUSAGE_CHILDREN)`` deltas count every worker a
  command forked and waited for (``portfolio check`` and ``cohort`` use one per core).
- **Cold first.** ``Env.cold`` gives each run a fresh, empty ``HOME`` and
  ``XDG_CACHE_HOME`` (so no ``~/.cache/portfolio_builder`` template cache, nothing
  cached by any tool): what a CI runner and a student's first build see. ``Env.warm``
  keeps one such folder across runs (primed by a first run): the second figure.
- **Targets beside figures.** ``ratio_line`` prints the ratio, its per-round spread and
  the target with OK / MISSED.

Timings never go into the test suite: a busy CI machine would make such tests flaky.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PORTFOLIO = [str(BIN / "portfolio")] if (BIN / "portfolio").exists() else [sys.executable, "-m", "portfolio_builder"]
MKDOCS = [str(BIN / "mkdocs")] if (BIN / "mkdocs").exists() else [sys.executable, "-m", "mkdocs"]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def _compile_project() -> None:
    """The project's bytecode, written once before any run, as an installed wheel has it (pip
    compiles at install). Where PYTHONDONTWRITEBYTECODE is set, an editable install never
    gets it: each `portfolio` start would compile the project's modules from source again
    (~50 ms of a one-page check), which no user pays."""
    import compileall

    compileall.compile_dir(str(ROOT / "portfolio_builder"), quiet=1)


_compile_project()
CPUS = os.cpu_count() or 1


# -- environments -------------------------------------------------------------------
class Env:
    """Where a command's caches go: a fresh folder per run (cold) or one kept (warm)."""

    def __init__(self, root: Path, cold: bool) -> None:
        self.root = root
        self.cold = cold
        self._warm: dict[str, str] | None = None
        self._count = 0

    @classmethod
    def pair(cls, root: Path) -> tuple[Env, Env]:
        return cls(root / "cold", cold=True), cls(root / "warm", cold=False)

    def __call__(self) -> dict[str, str]:
        """The environment for the next run."""
        if not self.cold and self._warm is not None:
            return self._warm
        self._count += 1
        home = self.root / f"run-{self._count}"
        if home.exists():
            shutil.rmtree(home)
        (home / "cache").mkdir(parents=True)
        env = {**ENV, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache")}
        if not self.cold:
            self._warm = env
        return env

    def clean(self) -> None:
        """Remove the previous cold homes (disk space; a cold run never sees them)."""
        if self.cold:
            shutil.rmtree(self.root, ignore_errors=True)

    def __str__(self) -> str:
        return "cold (fresh HOME and XDG_CACHE_HOME each run)" if self.cold else "warm (caches kept across runs)"


# -- one sample ---------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float  # user + system, every process of the tree that was waited for


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(cmd: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None, check: bool = True) -> Sample:
    """Run ``cmd`` once; its wall time and the CPU of its whole process tree."""
    before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(list(cmd), cwd=cwd, env=env or ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - before
    if check and done.returncode not in (0, 1):
        raise SystemExit(f"command failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-2000:]}")
    return Sample(wall, cpu)


def measure_many(cmds: Sequence[Sequence[str]], env_for: Callable[[], dict[str, str]], jobs: int = CPUS) -> Sample:
    """Run several commands, ``jobs`` at a time (as a user with that many cores would); one sample for all."""
    before = _children_cpu()
    start = time.perf_counter()
    queue = list(cmds)
    running: list[subprocess.Popen] = []
    while queue or running:
        while queue and len(running) < jobs:
            running.append(subprocess.Popen(list(queue.pop(0)), env=env_for(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        finished = running.pop(0)
        if finished.wait() not in (0, 1):
            raise SystemExit(f"command failed ({finished.returncode}): {' '.join(finished.args)}")
    return Sample(time.perf_counter() - start, _children_cpu() - before)


def alternate(variants: dict[str, Callable[[], Sample]], repeat: int, warmup: bool = True) -> dict[str, list[Sample]]:
    """Run the variants round-robin ``repeat`` times (after one unrecorded round when ``warmup``:
    the OS page cache and Python's bytecode are then equally warm for all)."""
    if warmup:
        for run_one in variants.values():
            run_one()
    results: dict[str, list[Sample]] = {name: [] for name in variants}
    for _ in range(repeat):
        for name, run_one in variants.items():
            results[name].append(run_one())
    return results


# -- reporting ------------------------------------------------------------------------
def _spread(values: Sequence[float], scale: float, unit: str, digits: int) -> str:
    med = statistics.median(values) * scale
    return f"{med:.{digits}f} {unit} [{min(values) * scale:.{digits}f}–{max(values) * scale:.{digits}f}]"


def seconds(values: Sequence[float]) -> str:
    if statistics.median(values) < 1:
        return _spread(values, 1000, "ms", 0)
    return _spread(values, 1, "s", 2)


def row(label: str, samples: Sequence[Sample], width: int = 44) -> str:
    """« label   wall 1.23 s [1.20–1.31]   CPU 2.01 s [1.98–2.10] »: median [min–max]."""
    return f"  {label:<{width}} wall {seconds([s.wall for s in samples]):<24} CPU {seconds([s.cpu for s in samples])}"


def ratio(a: Sequence[Sample], b: Sequence[Sample], on: str = "cpu") -> tuple[float, float, float]:
    """(ratio of medians, min and max of the per-round ratios) of A over B."""
    pick = (lambda s: s.cpu) if on == "cpu" else (lambda s: s.wall)
    rounds = [pick(x) / pick(y) for x, y in zip(a, b) if pick(y) > 0]
    med = statistics.median(pick(s) for s in a) / statistics.median(pick(s) for s in b)
    return med, min(rounds, default=med), max(rounds, default=med)


def ratio_line(label: str, a: Sequence[Sample], b: Sequence[Sample], target: float, on: str = "cpu", width: int = 44, at_least: bool = False) -> str:
    med, low, high = ratio(a, b, on)
    ok = med >= target if at_least else med <= target
    sign = ">=" if at_least else "<="
    return f"  {label:<{width}} {on:>4} {med:6.2f}x [{low:.2f}–{high:.2f}]   target {sign} {target}x: {verdict(ok)}"


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def header(title: str, repeat: int, env: Env | str) -> None:
    print(f"{title}: {repeat} alternated rounds, median [min–max]; {env}")


def tree_bytes(folder: Path) -> int:
    """Bytes stored under ``folder``, each file counted once however many hard links it has."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            info = os.lstat(os.path.join(dirpath, name))
            key = (info.st_dev, info.st_ino)
            if key not in seen:
                seen.add(key)
                total += info.st_size
    return total


def scratch(prefix: str) -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix=prefix)


# -- kept for the older scripts ---------------------------------------------------------
def run(cmd: list[str], cwd: Path | None = None, check: bool = True) -> float:
    return measure(cmd, cwd=cwd, check=check).wall


def median_time(cmd: list[str], repeat: int, cwd: Path | None = None) -> float:
    return statistics.median(run(cmd, cwd) for _ in range(repeat))


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(c) for c in handle.read().split())
    except OSError:
        pass
    return found


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, IndexError, ValueError):
        return 0


def _tree_rss_kib(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB (cheap: no /proc scan)."""
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += _rss_kib(pid)
        stack.extend(_children(pid))
    return total


def run_with_peak_memory(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(seconds, peak MiB of the whole process tree), sampled every 100 ms."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=cwd, env=env or ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kib(process.pid))
            stop.wait(0.1)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    process.wait()
    stop.set()
    watcher.join()
    return time.perf_counter() - start, peak / 1024
