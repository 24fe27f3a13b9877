"""What every benchmark shares: the import path, timing, and one line saying where it ran.

Figures, never asserts: the scripts print what they measure and, where there is a reference, the
ratio to it. Timings are the best of several runs: on a shared machine the best run is the one
least disturbed by other work.
"""

from __future__ import annotations

import os
import platform
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
