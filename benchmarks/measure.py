"""What every benchmark shares: the import path, timing, and one line saying where it ran.

Figures, never asserts: the scripts print what they measure and, where there is a reference, the
ratio to it. Timings are the best of several runs: on a shared machine the best run is the one
least disturbed by other work.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The package and the test helpers (tests.support: generated projects, the mock harness, the fake
# Pulumi CLI).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# The reference program a generated program file calls (benchmarks/program_overhead.py): set just
# before each run; a list, so that the file reads what was set last.
reference_program: list[Callable[[], None]] = []


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {load:.2f} at start"
    )


def best(function: Callable[[], object], runs: int, clock: Callable[[], float] = time.perf_counter) -> float:
    """The shortest of ``runs`` runs, in seconds of ``clock``."""
    times = []
    for _ in range(runs):
        start = clock()
        function()
        times.append(clock() - start)
    return min(times)


def heading(title: str, runs: int) -> None:
    print(f"{title} ({machine()}; best of {runs} runs)")


def callgrind_count(command: list[str], environment: dict[str, str]) -> tuple[int, str]:
    """Run ``command`` once (its bytecode cached), then under valgrind's callgrind with instrumentation
    off at start, so that only what the command switches on is counted (``cold_start.SWITCH_SOURCE``):
    the instructions counted, and what the command printed."""
    subprocess.run(command, capture_output=True, check=True, env=environment)
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--instr-atstart=no", *command],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count: {done.stderr[-300:]}")
    return int(found.group(1)), done.stdout.strip()
