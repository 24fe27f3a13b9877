"""SIGINT and SIGTERM sent to a real pipeline process during a one-at-a-time stage: its ``pulumi``
children (a stand-in executable on PATH, fake_pulumi_cli.py) are stopped promptly, each stack's
true result is reported, the exit code is 128 + the signal, and no process is left running.

Every wait is on observable state (a marker file, the process exit) with a timeout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.pipeline_fake import write_project

REPOSITORY = Path(__file__).resolve().parents[2]
FAKE_CLI = REPOSITORY / "tests" / "support" / "fake_pulumi_cli.py"
TIMEOUT = 30.0
# Process groups, signals and /proc: what a Linux CI runner and a terminal have.
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="POSIX signals and /proc")


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def gone(pid: int) -> bool:
    """No such process, or only its zombie (its parent died; nothing runs)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


class Pipeline:
    """``python -m components.pipeline up --promote dev,staging,prod --keep-images`` as a process."""

    def __init__(self, tmp_path: Path, on_sigint: str, *flags: str) -> None:
        self.project = write_project(tmp_path / "ecr-share")
        self.state = tmp_path / "fake-pulumi"
        self.state.mkdir()
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        pulumi = bin_dir / "pulumi"
        pulumi.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_CLI}" "$@"\n', encoding="utf-8")
        pulumi.chmod(0o755)
        env = {
            "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": str(tmp_path),
            "PULUMI_CONFIG_PASSPHRASE": "test",
            "FAKE_PULUMI_DIR": str(self.state),
            "FAKE_PULUMI_BLOCK": "dev",
            "FAKE_PULUMI_ON_SIGINT": on_sigint,
            "PYTHONPATH": str(REPOSITORY),
        }
        command = ["up", "--promote", "dev,staging,prod", "--keep-images", *flags]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "components.pipeline", *command, "--project-dir", str(self.project)],
            cwd=REPOSITORY,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_until_dev_is_updating(self) -> int:
        marker = self.state / "up-dev.started"
        wait_for(lambda: marker.exists() or self.process.poll() is not None, "dev's pulumi up to start")
        assert self.process.poll() is None, self.process.communicate()
        return int(marker.read_text(encoding="utf-8"))

    def finish(self) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=TIMEOUT)
        return self.process.returncode, out, err

    def log(self) -> list[str]:
        return (self.state / "calls.log").read_text(encoding="utf-8").splitlines()

    def pids(self) -> set[int]:
        return {int(line.split()[0]) for line in self.log()} | {
            int(line.split()[-1]) for line in self.log() if " plugin " in line
        }


def result_of(out: str, stack: str) -> str:
    row = next(line for line in out.splitlines() if line.startswith(f"{stack} "))
    return row.split()[1] + (" run" if row.split()[1] == "not" else "")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_cancels_the_running_update_and_nothing_else_starts(
    tmp_path: Path, signum: int, code: int
) -> None:
    pipeline = Pipeline(tmp_path, "cancel")
    dev = pipeline.wait_until_dev_is_updating()
    pipeline.process.send_signal(signum)
    exit_code, out, err = pipeline.finish()
    assert exit_code == code, err
    # The CLI got exactly one SIGINT (its graceful cancel), whichever signal the pipeline got.
    assert f"{dev} signal SIGINT" in pipeline.log()
    assert [line for line in pipeline.log() if " signal " in line] == [f"{dev} signal SIGINT"]
    assert f"[dev] sending SIGINT to pulumi up (pid {dev}): it cancels gracefully" in out
    assert {s: result_of(out, s) for s in ("build", "dev", "staging", "prod")} == {
        "build": "succeeded",
        "dev": "cancelled",
        "staging": "not run",
        "prod": "not run",
    }
    assert not any("staging" in line or "prod" in line for line in pipeline.log())
    assert all(gone(pid) for pid in pipeline.pids())


def test_an_update_that_completes_after_the_signal_is_reported_as_succeeded(tmp_path: Path) -> None:
    pipeline = Pipeline(tmp_path, "finish")
    pipeline.wait_until_dev_is_updating()
    pipeline.process.send_signal(signal.SIGTERM)
    exit_code, out, _err = pipeline.finish()
    assert exit_code == 143
    assert result_of(out, "dev") == "succeeded"
    assert result_of(out, "staging") == "not run"
    assert all(gone(pid) for pid in pipeline.pids())


def test_a_pulumi_that_does_not_stop_is_killed_with_its_plugins(tmp_path: Path) -> None:
    pipeline = Pipeline(tmp_path, "ignore", "--cancel-timeout", "0.5")
    dev = pipeline.wait_until_dev_is_updating()
    pipeline.process.send_signal(signal.SIGINT)
    exit_code, out, _err = pipeline.finish()
    assert exit_code == 130
    (plugin,) = [int(line.split()[-1]) for line in pipeline.log() if " plugin " in line]
    # First SIGINT, then the CLI's "terminate now" second SIGINT, then SIGKILL of its group.
    assert [line for line in pipeline.log() if " signal " in line] == [f"{dev} signal SIGINT"] * 2
    assert "[dev] killed pulumi up and its plugins (SIGKILL)" in out
    assert result_of(out, "dev") == "cancelled"
    assert "pulumi cancel --stack organization/ecr-share/dev" in out
    assert gone(dev) and gone(plugin)


def test_a_second_signal_stops_pulumi_at_once(tmp_path: Path) -> None:
    pipeline = Pipeline(tmp_path, "stubborn")
    dev = pipeline.wait_until_dev_is_updating()
    pipeline.process.send_signal(signal.SIGINT)
    wait_for(lambda: f"{dev} signal SIGINT" in pipeline.log(), "the first SIGINT to reach pulumi")
    pipeline.process.send_signal(signal.SIGTERM)  # GitHub Actions: SIGINT, then SIGTERM 7.5 s later
    exit_code, out, _err = pipeline.finish()
    assert exit_code == 130  # the first signal decides the exit code
    assert "SIGTERM received again: stopping the pulumi processes now." in out
    assert "[dev] sending SIGINT again to pulumi up: it terminates at once" in out
    assert result_of(out, "dev") == "cancelled"
    assert all(gone(pid) for pid in pipeline.pids())
