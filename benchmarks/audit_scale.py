"""The audit's embedded reader at organization-trail scale: records per second and peak memory at
250k, 500k and 1M CloudTrail records (half of them ECR events, the rest other services, 1,000 records
a file, as an organization trail delivers them), for the streaming Python reader and for DuckDB
reading the same gzip JSON through the Athena table's columns (the query the tests run), in CPU
seconds. Each run is a fresh process, so its peak resident memory (VmHWM) is its own. Ratios to the smallest size show the
growth: time linear in records, memory flat for the streaming reader.

Run: .venv/bin/python benchmarks/audit_scale.py [runs] [python] [duckdb]
"""

from __future__ import annotations

import copy
import hashlib
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import measure

from tests.support.trail_records import cloudtrail_view, noise, scenario, write_trail

SIZES = (250_000, 500_000, 1_000_000)
WINDOW = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))


def generate(folder: Path, count: int) -> None:
    """``count`` records over October 2026: the scenario's ECR events, copied with new times and IDs,
    and as many records of other services."""
    week = scenario(date(2026, 10, 1))
    records = []
    start = datetime(2026, 10, 1)
    for index in range(count // 2):
        item = copy.copy(week[index % len(week)])
        at = start + timedelta(seconds=index * (30 * 86400) // (count // 2))
        item["eventTime"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        item["eventID"] = hashlib.md5(str(index).encode()).hexdigest()
        records.append(item)
        records.append(noise(at, item["recipientAccountId"]))
    write_trail(folder, records, per_file=1_000)


def python_reader(folder: Path) -> int:
    from components.audit.sources import LocalLogFiles, Window, read_trail

    tally = read_trail(LocalLogFiles(folder), "", Window(*WINDOW), lambda _: None)
    return tally.records


def duckdb_reader(folder: Path) -> int:
    import duckdb

    from components.audit.sql import aggregation

    engine = duckdb.connect()
    engine.execute(cloudtrail_view(folder))
    since, until = (w.strftime("%Y-%m-%dT%H:%M:%SZ") for w in WINDOW)
    return len(engine.sql(aggregation("cloudtrail", since, until)).fetchall())


def one(engine: str, folder: str) -> None:
    """In a fresh process: seconds and peak resident memory of one read."""
    reader = python_reader if engine == "python" else duckdb_reader
    # CPU seconds of this process (DuckDB's threads included): on a shared machine they vary far less
    # than wall time, which other work stretches.
    began = time.process_time()
    reader(Path(folder))
    seconds = time.process_time() - began
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec from the generating parent.
    status = Path("/proc/self/status").read_text()
    peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    print(seconds, peak)


def measured(engine: str, folder: Path, runs: int) -> tuple[float, float]:
    best = (float("inf"), 0.0)
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, __file__, "--one", engine, str(folder)],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds, kilobytes = done.stdout.split()
        best = min(best, (float(seconds), int(kilobytes) / 1024))
    return best


def main(runs: int, engines: tuple[str, ...] = ("python", "duckdb")) -> None:
    measure.heading("audit: streaming Python reader and DuckDB over the same gzip JSON log files", runs)
    with tempfile.TemporaryDirectory() as temporary:
        folders = {}
        for size in SIZES:
            folders[size] = Path(temporary) / str(size)
            generate(folders[size], size)
        for engine in engines:
            base: tuple[float, float] | None = None
            for size in SIZES:
                seconds, megabytes = measured(engine, folders[size], runs)
                base = base or (seconds, megabytes)
                print(
                    f"  {engine:<6} {size:>9,} records: {seconds:6.2f} CPU s, {size / seconds:>9,.0f} records/s, "
                    f"peak {megabytes:6.0f} MiB (time x{seconds / base[0]:.2f}, memory x{megabytes / base[1]:.2f} "
                    f"of the {SIZES[0]:,} run)"
                )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(sys.argv[2], sys.argv[3])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1, tuple(sys.argv[2:]) or ("python", "duckdb"))
