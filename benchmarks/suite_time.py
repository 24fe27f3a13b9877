"""The test suite's wall time, run exactly as the README says (``python -m pytest``), against the
budget of 60 s on 2 cores; CPU seconds too, which other work on the machine does not inflate.
It runs the suite as configured (every core, pytest-xdist) and with ``-n 0`` (one process); with
``--workers N`` also with ``-n N``.

Run: .venv/bin/python benchmarks/suite_time.py [runs] [--workers N]
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time

import measure

BUDGET_SECONDS = 60.0


def suite(*extra: str) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the run's processes) and pytest's closing line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        cwd=measure.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = [line for line in done.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    return wall, cpu, lines[-1] if lines else done.stdout[-300:]


def main() -> None:
    args = sys.argv[1:]
    workers = None
    if "--workers" in args:
        at = args.index("--workers")
        workers = args[at + 1]
        del args[at : at + 2]
    runs = int(args[0]) if args else 1
    measure.heading("test suite: python -m pytest", runs)
    # As the README runs it (pyproject's -n auto), and in one process for comparison.
    variants = [("default", ()), ("serial", ("-n", "0"))] + (
        [(f"-n {workers}", ("-n", workers))] if workers else []
    )
    for label, extra in variants:
        results = [suite(*extra) for _ in range(runs)]
        wall = min(r[0] for r in results)
        cpu = min(r[1] for r in results)
        print(
            f"  {label:8} wall {wall:5.1f} s ({wall / BUDGET_SECONDS:.2f} of the {BUDGET_SECONDS:.0f} s budget), CPU {cpu:5.1f} s: {results[-1][2]}"
        )
    print(f"  (os.cpu_count() = {os.cpu_count()})")


if __name__ == "__main__":
    main()
