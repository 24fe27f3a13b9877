"""The ``pulumi`` processes the pipeline starts, and the one place that stops them.

Every CLI call goes through ``SupervisedPulumiCommand``, which starts ``pulumi`` in a process group
of its own and records it in ``ChildProcesses``. The pipeline, not the terminal, decides what each
child receives: a Ctrl-C on the terminal reaches only the pipeline, which forwards exactly one
SIGINT per child (the CLI cancels gracefully on the first SIGINT and terminates on the second,
pulumi/pulumi#17463), and a child that does not stop in time is killed with its whole group (its
language host and provider plugins), so nothing is left running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi import automation as auto
from pulumi.automation.errors import create_command_error
from semver import VersionInfo

# The calls that change or preview a stack. Once the pipeline is stopping none of them starts; the
# short reads around them (stack select, stack output, stack history) still run, so an update that
# completed despite the signal is still read back and reported as succeeded.
ENGINE_OPERATIONS = ("up", "preview", "refresh", "destroy")


class Stopping(Exception):
    """An engine call refused because the pipeline is stopping: it never started a process."""


@dataclass
class Child:
    """One running ``pulumi`` process."""

    process: Any
    """A ``subprocess.Popen`` (anything with ``pid``, ``send_signal`` and ``poll``)."""
    stack: str
    """The stack it works on ("" for calls without ``--stack``)."""
    operation: str
    """``up``, ``preview``, ``stack select``..."""
    signalled: int = 0
    """How many SIGINTs the pipeline has forwarded to it."""
    killed: bool = False


class ChildProcesses:
    """Thread-safe record of the running children. Once ``stop`` has been called, no new child may
    start: one that slipped through between the check and its start is signalled at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: list[Child] = []
        self.stopping = False
        self.killed: list[Child] = []

    def started(self, child: Child) -> None:
        with self._lock:
            self._running.append(child)
            late = self.stopping and child.operation in ENGINE_OPERATIONS
        if late:
            self._interrupt(child)

    def finished(self, child: Child) -> None:
        with self._lock:
            self._running = [c for c in self._running if c is not child]

    def running(self) -> list[Child]:
        with self._lock:
            return [c for c in self._running if c.process.poll() is None]

    def stop(self) -> list[Child]:
        """Refuse new engine operations and send SIGINT to each running one (again on a second
        call). The short reads beside them (stack output, stack history) are left to finish: an
        update that completed is then still read back as succeeded."""
        with self._lock:
            self.stopping = True
        children = self.engine_operations()
        for child in children:
            self._interrupt(child)
        return children

    def engine_operations(self) -> list[Child]:
        return [c for c in self.running() if c.operation in ENGINE_OPERATIONS]

    def kill(self) -> list[Child]:
        """SIGKILL each running child's whole process group."""
        children = self.running()
        self.killed.extend(children)
        for child in children:
            child.killed = True
            _signal_group(child.process, signal.SIGKILL)
        return children

    @staticmethod
    def _interrupt(child: Child) -> None:
        child.signalled += 1
        with contextlib.suppress(ProcessLookupError):  # it ended in the meantime
            child.process.send_signal(signal.SIGINT)


def _signal_group(process: Any, signum: int) -> None:
    """Signal the child's process group when it leads one (``start_new_session``), else the child:
    never the pipeline's own group."""
    if isinstance(process, subprocess.Popen):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(process.pid) == process.pid:
                os.killpg(process.pid, signum)
                return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signum)


def _operation(args: list[str]) -> str:
    words = [a for a in args if not a.startswith("-")]
    return " ".join(words[:2]) if words[:1] in (["stack"], ["config"]) else (words[0] if words else "")


def _stack(args: list[str]) -> str:
    return args[args.index("--stack") + 1] if "--stack" in args[:-1] else ""


class SupervisedPulumiCommand(auto.PulumiCommand):
    """``PulumiCommand`` whose children the pipeline can stop. ``run`` is the SDK's own
    (pulumi/automation/_cmd.py, 3.272.0) with three changes: ``start_new_session`` (the terminal's
    Ctrl-C reaches only the pipeline, and a kill reaches the child's whole group), stdin from
    /dev/null (the CLI runs non-interactively anyway), and the process recorded in ``children``."""

    def __init__(
        self,
        root: str | None = None,
        version: VersionInfo | None = None,
        skip_version_check: bool = False,
        children: ChildProcesses | None = None,
    ) -> None:
        super().__init__(root=root, version=version, skip_version_check=skip_version_check)
        self.children = children or ChildProcesses()

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: Callable[[str], Any] | None = None,
        on_error: Callable[[str], Any] | None = None,
    ) -> auto.CommandResult:
        if self.children.stopping and _operation(args) in ENGINE_OPERATIONS:
            raise Stopping(" ".join(args))
        separator = args.index("--") if "--" in args else len(args)
        if "--non-interactive" not in args[:separator]:
            args.insert(0, "--non-interactive")
        env = {**os.environ, **additional_env, "PULUMI_AUTOMATION_API": "true"}
        if os.path.isabs(self.command):
            env["PATH"] = os.pathsep.join([os.path.dirname(self.command), env.get("PATH", "")])
        stdout: list[str] = []
        stderr: list[str] = []
        with subprocess.Popen(
            [self.command, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            encoding="utf-8",
            start_new_session=True,
        ) as process:
            child = Child(process, _stack(args), _operation(args))
            self.children.started(child)
            try:
                readers = [
                    threading.Thread(target=_consume, args=(process.stdout, on_output, stdout), daemon=True),
                    threading.Thread(target=_consume, args=(process.stderr, on_error, stderr), daemon=True),
                ]
                for reader in readers:
                    reader.start()
                for reader in readers:
                    reader.join()
                code = process.wait()
            finally:
                self.children.finished(child)
        result = auto.CommandResult(stdout="\n".join(stdout), stderr="\n".join(stderr), code=code)
        if code != 0:
            raise create_command_error(result)
        return result


def _consume(stream: Any, callback: Callable[[str], Any] | None, lines: list[str]) -> None:
    for line in iter(stream.readline, ""):
        text = line.rstrip()
        if callback is not None:
            callback(text)
        lines.append(text)
    stream.close()
