"""Execute a ``Plan`` with the Pulumi Automation API: one ``Stack`` per stack file, stage by stage."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pulumi import automation as auto

from components.pipeline.plan import ConfigChange, Plan
from components.pipeline.report import (
    ABSENT,
    CANCELLED,
    FAILED,
    SUCCEEDED,
    Console,
    Outcome,
    engine_error,
    format_changes,
    format_seconds,
)
from components.pipeline.stacks import StackInfo

# Commands that take the stack's update lock: only these can be cancelled with `pulumi cancel`.
UPDATING_COMMANDS = ("up", "refresh", "destroy")


def backoff_delays(retries: int, first: float) -> list[float]:
    """Seconds to wait before each retry after a concurrent update: first, 2*first, 4*first, ..."""
    return [first * 2**attempt for attempt in range(retries)]


@dataclass
class Settings:
    retries: int = 3
    backoff_seconds: float = 5.0
    exclude_protected: bool = False
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


class Runner:
    """Runs each stage after the previous one succeeded. After a failure or Ctrl-C no further stack
    starts, so no stack is left with a new image config but without its update."""

    def __init__(
        self,
        workspace: auto.LocalWorkspace,
        stacks: Mapping[str, StackInfo],
        plan: Plan,
        changes: Mapping[str, ConfigChange],
        console: Console,
        settings: Settings,
    ) -> None:
        self.workspace = workspace
        self.stacks = stacks
        self.plan = plan
        self.changes = changes
        self.console = console
        self.settings = settings
        self.outcomes = {name: Outcome(name) for name in plan.order}
        self.interrupted = False
        self._stop = False
        self._running: dict[str, auto.Stack] = {}
        self._lock = threading.Lock()

    def run(self) -> list[Outcome]:
        try:
            for stage in self.plan.stages:
                if self._stop:
                    break
                if stage.parallel == 1 or len(stage.stacks) == 1:
                    for name in stage.stacks:
                        self._run_stack(name)
                else:
                    self._run_parallel(stage.stacks, stage.parallel)
        except KeyboardInterrupt:
            self._cancel_running()
        return [self.outcomes[name] for name in self.plan.order]

    def _run_parallel(self, names: tuple[str, ...], parallel: int) -> None:
        pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="stack")
        try:
            for future in [pool.submit(self._run_stack, name) for name in names]:
                future.result()
        except KeyboardInterrupt:
            # Cancel first: waiting for the workers means waiting for their engines to stop.
            self._cancel_running()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _run_stack(self, name: str) -> None:
        with self._lock:
            if self._stop:
                return
        outcome = self.outcomes[name]
        step = f"[{self.plan.order.index(name) + 1}/{len(self.plan.order)}] {name}"
        self.console.line(f"{step}: {self.plan.command} started")
        start = self.settings.clock()
        try:
            self._operate(name, outcome)
        except KeyboardInterrupt:
            with self._lock:
                self._stop = self.interrupted = True
            outcome.result = CANCELLED
            raise
        except auto.CommandError as error:
            with self._lock:
                self._running.pop(name, None)
                self._stop = True
                outcome.result = CANCELLED if self.interrupted else FAILED
            outcome.error = engine_error(str(error))
        finally:
            outcome.seconds = self.settings.clock() - start
        done = f"{outcome.result} in {format_seconds(outcome.seconds)}"
        detail = outcome.error or outcome.changes
        self.console.line(f"{step}: {done}" + (f" ({detail})" if detail else ""))

    def _operate(self, name: str, outcome: Outcome) -> None:
        stack = self._open(name)
        if stack is None:
            outcome.result = ABSENT
            return
        change = self.changes.get(name)
        if change is not None:
            self._set_config(name, stack, change)
        if self.plan.command in UPDATING_COMMANDS:
            with self._lock:
                self._running[name] = stack
        self._with_retries(name, lambda: self._command(name, stack, outcome))
        with self._lock:
            self._running.pop(name, None)
            outcome.result = SUCCEEDED

    def _open(self, name: str) -> auto.Stack | None:
        qualified = self.stacks[name].qualified_name
        if self.plan.command in ("preview", "up"):
            return auto.Stack.create_or_select(qualified, self.workspace)
        try:
            return auto.Stack.select(qualified, self.workspace)
        except auto.StackNotFoundError:
            return None

    def _set_config(self, name: str, stack: auto.Stack, change: ConfigChange) -> None:
        # `--type string`: with `--path` the CLI stores a digits-only tag such as a short commit hash
        # as a number (pulumi/pulumi#17586), which the program rejects. Stack.set_config has no
        # type option, so this one call goes through the SDK's generated CLI interface.
        for key, value in change.set.items():
            self.console.line(f"[{name}] config set --path {key} {value}")
            self.workspace.cli_api.config_set(
                key,
                value,
                path=True,
                plaintext=True,
                type="string",
                stack=stack.name,
                cwd=self.workspace.work_dir,
                additional_env=dict(self.workspace.env_vars),
            )
        if change.remove:
            self.console.line(f"[{name}] config rm --path {' '.join(change.remove)}")
            stack.remove_all_config(list(change.remove), path=True)

    def _with_retries(self, name: str, operation: Callable[[], None]) -> None:
        delays = backoff_delays(self.settings.retries, self.settings.backoff_seconds)
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
                self.settings.sleep(delay)

    def _command(self, name: str, stack: auto.Stack, outcome: Outcome) -> None:
        stream = self.console.engine(name)
        command = self.plan.command
        if command == "outputs":
            outcome.outputs = _plain(stack.outputs())
            for key, value in outcome.outputs.items():
                self.console.line(f"[{name}] {key} = {value}")
            outcome.changes = f"{len(outcome.outputs)} outputs"
        elif command == "preview":
            preview = stack.preview(on_output=stream, on_error=stream)
            outcome.changes = format_changes(preview.change_summary)
        elif command == "up":
            up = stack.up(on_output=stream, on_error=stream)
            outcome.changes = format_changes(up.summary.resource_changes)
            outcome.outputs = _plain(up.outputs)
        elif command == "refresh":
            refresh = stack.refresh(on_output=stream, on_error=stream)
            outcome.changes = format_changes(refresh.summary.resource_changes)
        else:
            destroy = stack.destroy(
                on_output=stream, on_error=stream, exclude_protected=self.settings.exclude_protected or None
            )
            outcome.changes = format_changes(destroy.summary.resource_changes)

    def _cancel_running(self) -> None:
        """Ctrl-C: ask the engine to stop each update still running; nothing new starts."""
        with self._lock:
            self._stop = self.interrupted = True
            running = dict(self._running)
            self._running.clear()
        for name, stack in running.items():
            self.outcomes[name].result = CANCELLED
            self.console.line(f"[{name}] interrupted: cancelling the running update (pulumi cancel)")
            try:
                stack.cancel()
            except auto.CommandError as error:
                self.console.line(f"[{name}] pulumi cancel failed: {engine_error(str(error))}")


def _plain(outputs: Mapping[str, auto.OutputValue]) -> dict[str, Any]:
    return {key: "[secret]" if output.secret else output.value for key, output in outputs.items()}
