"""The deploy pipeline (``python -m components.pipeline``) through the Automation API against the real
CLI: its config edits, events and exit codes as the real engine produces them."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests_engine.conftest import TIMEOUT, Engine, run_process


def test_the_pipeline_deploys_build_then_prod_and_a_second_run_changes_nothing(engine: Engine) -> None:
    first = engine.python("-m", "components.pipeline", "up", "--stacks", "build,prod", "--keep-images")
    assert "[1/2] build: up started" in first.stdout, first.stdout
    assert engine.outputs("build")["registryId"] == "111111111111"
    assert (
        engine.outputs("prod")["executionRoleArn"]
        == "arn:aws:iam::444444444444:role/ecr-share-prod-execution"
    )

    second = engine.python("-m", "components.pipeline", "up", "--stacks", "build,prod", "--keep-images")
    assert second.stdout.count("(no changes)") == 2, second.stdout
    preview = engine.python("-m", "components.pipeline", "preview", "--stacks", "build,prod", "--keep-images")
    assert preview.returncode == 0


def test_sigterm_stops_the_pipeline_and_the_next_run_completes(engine: Engine) -> None:
    """CI cancellation: SIGTERM while the build stack's update runs stops the real `pulumi` processes
    (exit 143), and the next run finishes the release from the state they left."""
    process = subprocess.Popen(
        [sys.executable, "-m", "components.pipeline", "up", "--stacks", "build,prod", "--keep-images"],
        cwd=engine.project,
        env=engine.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True).start()
    seen: list[str] = []
    try:
        while "[1/2] build: up started" not in "".join(seen):
            seen.append(lines.get(timeout=TIMEOUT))
        time.sleep(3)  # the CLI is now running the update
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=120) == 143, "".join(seen)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    again = engine.python("-m", "components.pipeline", "up", "--stacks", "build,prod", "--keep-images")
    assert "[2/2] prod" in again.stdout, again.stdout
    assert (
        engine.outputs("prod")["executionRoleArn"]
        == "arn:aws:iam::444444444444:role/ecr-share-prod-execution"
    )


# Every flag the Automation API passes for the pipeline's --remote (pulumi/automation/_local_workspace.py,
# _remote_args, and create_stack's --no-select; tests/pipeline/test_remote.py asserts them
# exactly). Running them needs Pulumi Cloud; what the real CLI shows here is that it accepts each one.
REMOTE_FLAGS = (
    "--remote",
    "--remote-git-repo-dir",
    "--remote-git-branch",
    "--remote-git-commit",
    "--remote-env",
    "--remote-env-secret",
    "--remote-pre-run-command",
    "--remote-skip-install-dependencies",
)


def test_the_cli_accepts_every_flag_the_pipelines_remote_runs_pass(
    pulumi_cli: Path, pulumi_home: Path
) -> None:
    # The flags are experimental: the SDK sets PULUMI_EXPERIMENTAL for a remote workspace, and so here.
    env = {
        "PATH": "/usr/bin:/bin",
        "PULUMI_HOME": str(pulumi_home),
        "PULUMI_EXPERIMENTAL": "true",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    for command in ("preview", "up", "refresh", "destroy"):
        shown = run_process([str(pulumi_cli), command, "--help"], cwd=pulumi_home, env=env).stdout
        flags = set(re.findall(r"(--[a-z-]+)", shown))
        assert set(REMOTE_FLAGS) <= flags, (command, set(REMOTE_FLAGS) - flags)
    init = run_process([str(pulumi_cli), "stack", "init", "--help"], cwd=pulumi_home, env=env).stdout
    assert {"--no-select", "--secrets-provider"} <= set(re.findall(r"(--[a-z-]+)", init))
