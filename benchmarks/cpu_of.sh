#!/bin/bash
# Wall time and the machine's CPU time (user + nice + system + irq + softirq, from /proc/stat)
# spent while COMMAND runs: every process counts, those no parent waits for included
# (Chromium under Playwright, a cohort's workers), which `time` misses. Meaningful only on an
# otherwise idle machine; alternate A and B runs, as the machine's speed drifts.
#
#     benchmarks/cpu_of.sh make test
#     benchmarks/cpu_of.sh .venv/bin/python -m pytest -n 2 tests/core
set -u
cpu() { read -r _ user nice system _ _ irq softirq _ < /proc/stat; echo $((user + nice + system + irq + softirq)); }
hz=$(getconf CLK_TCK)
before=$(cpu); start=$(date +%s.%N)
"$@"; status=$?
after=$(cpu); end=$(date +%s.%N)
python3 -c "print(f'wall {$end - $start:.1f} s, CPU {($after - $before) / $hz:.1f} s (exit $status)')" >&2
exit $status
