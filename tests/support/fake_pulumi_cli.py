"""A stand-in ``pulumi`` executable for the signal tests: the real pipeline, the real SDK and the
real ``SupervisedPulumiCommand`` run it as a child process.

It answers the few commands a run needs and records each call, its pid and each signal it gets in
``$FAKE_PULUMI_DIR/calls.log``. ``up`` of the stack named by ``$FAKE_PULUMI_BLOCK`` writes
``up-<stack>.started`` and then waits for a signal; ``$FAKE_PULUMI_ON_SIGINT`` says what it does
then: ``cancel`` (ends the update as cancelled, as the CLI does), ``finish`` (the update completes
anyway), ``stubborn`` (ends only at the second SIGINT, the CLI's "terminate now") or ``ignore``
(keeps running, with a "plugin" child process, until it is killed).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

STATE = Path(os.environ["FAKE_PULUMI_DIR"])
WHEN = "2026-11-28T10:00:00.000Z"


def record(text: str) -> None:
    with open(STATE / "calls.log", "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {text}\n")


def option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1] if name in args else ""


def created() -> set[str]:
    path = STATE / "stacks"
    return set(path.read_text(encoding="utf-8").split()) if path.exists() else set()


def finish_events(args: list[str]) -> None:
    path = option(args, "--event-log")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(
                json.dumps({"sequence": 1, "timestamp": 1, "summaryEvent": {"resourceChanges": {}}}) + "\n"
            )
            log.write(json.dumps({"sequence": 2, "timestamp": 2, "cancelEvent": {}}) + "\n")


def up(args: list[str], stack: str) -> int:
    name = stack.rsplit("/", 1)[-1]
    if name != os.environ.get("FAKE_PULUMI_BLOCK"):
        print(f"Updating ({stack})")
        finish_events(args)
        return 0
    mode = os.environ.get("FAKE_PULUMI_ON_SIGINT", "cancel")
    signals: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        record(f"signal {signal.Signals(signum).name}")
        signals.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    if mode == "ignore":
        plugin = subprocess.Popen(["sleep", "300"])
        record(f"plugin {plugin.pid}")
        # Ended early: once killed it cannot, and the SDK would wait 5 s for the event log's end.
        finish_events(args)
    marker = STATE / f"up-{name}.started"
    marker.with_suffix(".partial").write_text(str(os.getpid()), encoding="utf-8")
    marker.with_suffix(".partial").replace(marker)  # whole or not at all: the test reads it at once
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (signals and mode in ("cancel", "finish")) or (len(signals) > 1 and mode == "stubborn"):
            break
        time.sleep(0.02)
    finish_events(args)
    if mode == "finish":
        print(f"Updating ({stack})\nResources:\n    6 unchanged")
        return 0
    print("error: update canceled", file=sys.stderr)
    return 255


def main(args: list[str]) -> int:
    words = [a for a in args if not a.startswith("-")]
    stack = option(args, "--stack")
    record(" ".join(words[:2]) + (f" {stack}" if stack else ""))
    if words[:1] == ["version"]:
        print("3.200.0")
    elif words[:2] == ["stack", "select"]:
        if stack.rsplit("/", 1)[-1] not in created():
            print(f"error: no stack named '{stack}' found", file=sys.stderr)
            return 255
    elif words[:2] == ["stack", "init"]:
        with open(STATE / "stacks", "a", encoding="utf-8") as stacks:
            stacks.write(words[2].rsplit("/", 1)[-1] + "\n")
    elif words[:1] == ["up"]:
        return up(args, stack)
    elif words[:1] == ["whoami"]:  # logged in to a local state
        print(json.dumps({"user": "alice", "url": f"file://{STATE}/state"}))
    elif words[:2] == ["stack", "output"]:
        print("{}")
    elif words[:2] == ["stack", "history"]:
        entry = {"kind": "update", "startTime": WHEN, "endTime": WHEN, "result": "succeeded", "version": 1}
        print(json.dumps([{**entry, "message": "", "environment": {}, "config": {}, "resourceChanges": {}}]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
