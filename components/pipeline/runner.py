"""Execute a ``Plan`` with the Pulumi Automation API: one ``Stack`` per stack file, wave by wave,
every stack in a worker thread while the supervisor watches for signals."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from components.pipeline.events import EngineEvents
from components.pipeline.images import ConfigChange
from components.pipeline.pending import clear_record, write_record
from components.pipeline.plan import Plan
from components.pipeline.processes import Stopping
from components.pipeline.remote import RemoteSource, remote_workspace
from components.pipeline.replication import ReplicationRefused
from components.pipeline.report import (
    ABSENT,
    CANCELLED,
    FAILED,
    NOT_RUN,
    SUCCEEDED,
    Console,
    Outcome,
    engine_error,
    format_changes,
    format_seconds,
    format_whole_seconds,
)
from components.pipeline.stacks import Backend, StackInfo
from components.pipeline.supervisor import Supervisor


def backoff_delays(retries: int, first: float) -> list[float]:
    """Seconds to wait before each retry after a concurrent update: first, 2*first, 4*first, ..."""
    return [first * 2**attempt for attempt in range(retries)]


@dataclass
class Settings:
    retries: int = 3
    backoff_seconds: float = 5.0
    exclude_protected: bool = False
    cancel_timeout: float = 60.0
    """Seconds a ``pulumi`` child gets to cancel gracefully after SIGINT before it is stopped."""
    heartbeat_seconds: float | None = 30.0
    """A line per running stack this often during long updates (None: never)."""
    scan_poll_seconds: float = 5.0
    replication_poll_seconds: float = 10.0
    clock: Callable[[], float] = time.monotonic
    """Measures each stack's duration."""
    wait: Callable[[float], bool] | None = None
    """Replaces the supervisor's interruptible sleep (tests record the backoff with it)."""


class Runner:
    """Runs each wave after the previous one succeeded. After a failure or a signal no further stack
    starts, so no stack gets the release's config without its update."""

    def __init__(
        self,
        workspace: auto.LocalWorkspace,
        stacks: Mapping[str, StackInfo],
        plan: Plan,
        backend: Backend,
        changes: Mapping[str, ConfigChange],
        console: Console,
        settings: Settings,
        supervisor: Supervisor,
        before_update: Mapping[str, Callable[[], object]] | None = None,
        remote: RemoteSource | None = None,
    ) -> None:
        self.remote = remote
        """``--remote``: each stack's operation runs on Pulumi Deployments."""
        self.before_update = before_update or {}
        """Checks that must pass right before a stack's ``up`` (the replication gate)."""
        self.workspace = workspace
        self.stacks = stacks
        self.plan = plan
        self.backend = backend
        self.changes = changes
        self.console = console
        self.settings = settings
        self.supervisor = supervisor
        self.outcomes = {name: Outcome(name) for name in plan.order}
        self._failed = False
        self._running: dict[str, tuple[EngineEvents, float]] = {}
        self._configured: set[str] = set()
        self._lock = threading.Lock()

    def run(self) -> list[Outcome]:
        for stage in self.plan.stages:
            if self._failed or self.supervisor.stopping.is_set():
                break
            self.supervisor.run(
                [partial(self._run_stack, name) for name in stage.stacks], tick=self._heartbeat
            )
        return [self.outcomes[name] for name in self.plan.order]

    # --- one stack -------------------------------------------------------------------------

    def _run_stack(self, name: str) -> None:
        if self.supervisor.stopping.is_set():
            return
        outcome = self.outcomes[name]
        step = f"[{self.plan.order.index(name) + 1}/{len(self.plan.order)}] {name}"
        self.console.line(f"{step}: {self.plan.command} started")
        start = self.settings.clock()
        scratch = Path(tempfile.mkdtemp(prefix=f"ecr-share-{name}-"))
        events = EngineEvents(name, self.console, preview=self.plan.command == "preview")
        try:
            self._operate(name, outcome, events, scratch)
        except Stopping:
            # Stopped between two CLI calls: nothing ran, unless its config had been set already.
            outcome.result = CANCELLED if name in self._configured else NOT_RUN
            outcome.error = f"stopped before its {self.plan.command} started"
        except ReplicationRefused as error:
            outcome.result = FAILED
            outcome.error = str(error)
            self._failed = True
        except (auto.CommandError, RuntimeError) as error:
            stopping = self.supervisor.stopping.is_set()
            outcome.result = CANCELLED if stopping else FAILED
            outcome.error = self._killed(name) or engine_error(str(error))
            self._failed = True
        finally:
            outcome.seconds = self.settings.clock() - start
            outcome.rollouts = list(events.rollouts.values())
            with self._lock:
                self._running.pop(name, None)
            shutil.rmtree(scratch, ignore_errors=True)
        done = f"{outcome.result} in {format_seconds(outcome.seconds)}"
        detail = outcome.error or outcome.changes
        self.console.line(f"{step}: {done}" + (f" ({detail})" if detail else ""))

    def _operate(self, name: str, outcome: Outcome, events: EngineEvents, scratch: Path) -> None:
        change = self.changes.get(name) if self.plan.command in ("preview", "up") else None
        stack = self._open(name, change, scratch)
        if stack is None:
            outcome.result = ABSENT
            return
        config_file = None
        if self.plan.command == "up" and name in self.before_update:
            self.before_update[name]()
        if change is not None and self.plan.command == "up":
            self._set_config(name, stack, change, None)
            self._configured.add(name)
        elif change is not None and self.plan.command == "preview" and self.remote is None:
            config_file = self._preview_config(name, stack, change, scratch)
        with self._lock:
            self._running[name] = (events, time.monotonic())
        self._with_retries(name, lambda: self._command(name, stack, outcome, events, config_file))
        if events.rolled_back:
            outcome.result = FAILED
            outcome.error = events.rolled_back[0]
            self._failed = True
        else:
            outcome.result = SUCCEEDED

    def _open(self, name: str, change: ConfigChange | None, scratch: Path) -> auto.Stack | None:
        qualified = self.backend.qualified(name)
        workspace = self.workspace
        if self.remote is not None:
            # The runner's checkout gets the release's pins as pre-run commands (remote.py).
            options = self.remote.options(name, qualified, change)
            workspace = remote_workspace(self.workspace, options, self.remote, str(scratch))
        if self.plan.command in ("preview", "up"):
            return auto.Stack.create_or_select(qualified, workspace)
        try:
            return auto.Stack.select(qualified, workspace)
        except auto.StackNotFoundError:
            return None

    # --- config ----------------------------------------------------------------------------

    def _set_config(
        self, name: str, stack: auto.Stack, change: ConfigChange, config_file: str | None
    ) -> None:
        """All of a stack's image config in one ``config set-all --path`` call (a digest is never
        read as a number, so the ``--type string`` that ``config set`` needed for digit-only tags,
        pulumi/pulumi#17586, is not needed), and one ``config rm-all --path`` for tags it replaces."""
        where = (
            ""
            if config_file is None
            else f" (on a copy of {Path(config_file).name}: preview leaves the stack file as it is)"
        )
        self.console.line(
            f"[{name}] config set-all --path {' '.join(f'{k}={v}' for k, v in change.set.items())}{where}"
        )
        common: dict[str, Any] = {
            "stack": stack.name,
            "path": True,
            "config_file": config_file,
            "cwd": self.workspace.work_dir,
            "additional_env": dict(self.workspace.env_vars),
        }
        # Two calls: a record of the pin lets the next run complete it if this one stops between them.
        record = self.stacks[name].file if change.remove and config_file is None else None
        if record is not None:
            write_record(record, change)
        self.workspace.cli_api.config_set_all(plaintext=[f"{k}={v}" for k, v in change.set.items()], **common)
        if change.remove:
            self.console.line(f"[{name}] config rm-all --path {' '.join(change.remove)}{where}")
            self.workspace.cli_api.config_remove_all(*change.remove, **common)
        if record is not None:
            clear_record(record)

    def _preview_config(self, name: str, stack: auto.Stack, change: ConfigChange, scratch: Path) -> str:
        """Preview never writes the stack file: the CLI edits a copy, and the preview reads it
        (``--config-file``)."""
        source = self.stacks[name].file
        copy = scratch / source.name
        shutil.copyfile(source, copy)
        self._set_config(name, stack, change, str(copy))
        return str(copy)

    # --- the operation ---------------------------------------------------------------------

    def _with_retries(self, name: str, operation: Callable[[], None]) -> None:
        delays = backoff_delays(self.settings.retries, self.settings.backoff_seconds)
        wait = self.settings.wait or self.supervisor.sleep
        for attempt, delay in enumerate([*delays, None], start=1):
            try:
                operation()
                return
            except auto.ConcurrentUpdateError:
                if delay is None:
                    raise
                self.console.line(
                    f"[{name}] another update holds the stack; retrying in {delay:g}s "
                    f"(attempt {attempt + 1} of {len(delays) + 1})"
                )
                if wait(delay):
                    raise Stopping("retry") from None

    def _command(
        self, name: str, stack: auto.Stack, outcome: Outcome, events: EngineEvents, config_file: str | None
    ) -> None:
        command = self.plan.command
        if command == "outputs":
            outcome.outputs = _plain(stack.outputs())
            outcome.changes = f"{len(outcome.outputs)} outputs"
        elif command == "preview":
            preview = stack.preview(on_event=events, config_file=config_file)
            outcome.changes = format_changes(preview.change_summary)
        elif command == "up":
            up = stack.up(on_event=events)
            outcome.changes = format_changes(up.summary.resource_changes)
            outcome.outputs = _plain(up.outputs)
        elif command == "refresh":
            refresh = stack.refresh(on_event=events)
            outcome.changes = format_changes(refresh.summary.resource_changes)
        else:
            destroy = stack.destroy(
                on_event=events, exclude_protected=self.settings.exclude_protected or None
            )
            outcome.changes = format_changes(destroy.summary.resource_changes)

    # --- while it runs ---------------------------------------------------------------------

    def _heartbeat(self) -> None:
        """A line per stack still running: how long, and which resource operations are in flight."""
        now = time.monotonic()
        with self._lock:
            running = dict(self._running)
        for name, (events, since) in running.items():
            doing = "; ".join(f"{what} for {format_whole_seconds(s)}" for what, s in events.in_progress())
            self.console.line(
                f"[{name}] {self.plan.command} still running after {format_whole_seconds(now - since)}"
                + (f": {doing}" if doing else "")
            )

    def _killed(self, name: str) -> str:
        qualified = self.backend.qualified(name)
        if not any(child.killed and child.stack == qualified for child in self.supervisor.children.killed):
            return ""
        return (
            f"pulumi was killed: the stack may still be locked and hold pending operations; run "
            f"pulumi cancel --stack {qualified}, then pulumi refresh --stack {qualified}"
        )


def _plain(outputs: Mapping[str, auto.OutputValue]) -> dict[str, Any]:
    return {key: "[secret]" if output.secret else output.value for key, output in outputs.items()}
