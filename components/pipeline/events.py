"""What a stack's engine events (``on_event``) show while it runs: a line per resource operation,
the engine's warnings and errors, what is still in progress (for the heartbeat), and the rollout
of each ECS service (``aws:ecs/service:Service``), whatever the program names it.

A service update that ``waitForSteadyState`` reports as done may still have been rolled back by
the deployment circuit breaker: the provider waits for the service to be stable, and a rolled-back
service is stable on the old revision (hashicorp/terraform-provider-aws#20858,
terraform-aws-modules/terraform-aws-ecs#325). So a rollout counts only when the task definition the
service reports after the update is the one it was given.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pulumi.automation import EngineEvent

from components.pipeline.report import Console, Rollout, format_whole_seconds

ECS_SERVICE = "aws:ecs/service:Service"
# A replacement also arrives as its create-replacement and delete-replaced halves: one line says it.
DONE = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "import": "imported",
    "discard": "discarded",
}
PLANNED = {op: f"will {op}" for op in DONE}
# The stack itself and the providers are the engine's bookkeeping, not the program's resources.
HIDDEN_TYPE_PREFIX = "pulumi:"


def resource_name(urn: str) -> str:
    """``urn:pulumi:dev::ecr-share::a$b::web-app-task`` -> ``web-app-task``."""
    return urn.rsplit("::", 1)[-1]


@dataclass
class _Running:
    type: str
    name: str
    op: str
    timestamp: int
    since: float


class EngineEvents:
    """The ``on_event`` callback of one stack's operation (called from the SDK's event thread)."""

    def __init__(
        self, stack: str, console: Console, preview: bool, clock: Callable[[], float] = time.monotonic
    ):
        self.stack = stack
        self.console = console
        self.preview = preview
        self.clock = clock
        self.rollouts: dict[str, Rollout] = {}
        self.rolled_back: list[str] = []
        """One sentence per ECS service the circuit breaker rolled back."""
        self._running: dict[str, _Running] = {}
        self._errors: dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(self, event: EngineEvent) -> None:
        with self._lock:
            if event.resource_pre_event is not None:
                self._pre(event.resource_pre_event.metadata, event.timestamp)
            elif event.res_outputs_event is not None:
                self._done(event.res_outputs_event.metadata, event.timestamp)
            elif event.res_op_failed_event is not None:
                self._failed(event.res_op_failed_event.metadata, event.timestamp)
            elif event.diagnostic_event is not None:
                self._diagnostic(event.diagnostic_event)

    def in_progress(self) -> list[tuple[str, float]]:
        """``(type name, seconds running)`` of every resource operation not finished yet."""
        now = self.clock()
        with self._lock:
            return [(f"{r.type} {r.name}", now - r.since) for r in self._running.values()]

    # --- the events ------------------------------------------------------------------------

    def _pre(self, step: Any, timestamp: int) -> None:
        if step.type.startswith(HIDDEN_TYPE_PREFIX):
            return
        op = step.op.value
        name = resource_name(step.urn)
        if self.preview:
            if op in PLANNED:
                self._line(f"{PLANNED[op]} {step.type} {name}")
            if step.type == ECS_SERVICE and (op in PLANNED or op == "same"):
                self.rollouts[name] = Rollout(name, PLANNED.get(op, "unchanged"))
            return
        if op in DONE:
            self._running[step.urn] = _Running(step.type, name, op, timestamp, self.clock())

    def _done(self, step: Any, timestamp: int) -> None:
        if self.preview or step.type.startswith(HIDDEN_TYPE_PREFIX):
            return
        op = step.op.value
        name = resource_name(step.urn)
        running = self._running.pop(step.urn, None)
        if op in DONE:
            took = f" ({format_whole_seconds(timestamp - running.timestamp)})" if running else ""
            self._line(f"{DONE[op]} {step.type} {name}{took}")
        if step.type == ECS_SERVICE and (op in DONE or op == "same"):
            self.rollouts[name] = self._rollout(name, op, step)

    def _failed(self, step: Any, timestamp: int) -> None:
        op = step.op.value
        name = resource_name(step.urn)
        running = self._running.pop(step.urn, None)
        took = f" after {format_whole_seconds(timestamp - running.timestamp)}" if running else ""
        self._line(f"failed to {op} {step.type} {name}{took}")
        if step.type == ECS_SERVICE:
            self.rollouts[name] = Rollout(name, "failed", self._errors.get(step.urn, ""))

    def _diagnostic(self, diagnostic: Any) -> None:
        if diagnostic.severity not in ("warning", "error"):
            return
        message = " ".join(diagnostic.message.split())
        if not message:
            return
        if diagnostic.urn:
            self._errors.setdefault(diagnostic.urn, message)
            message = f"{resource_name(diagnostic.urn)}: {message}"
        self._line(f"{diagnostic.severity}: {message}")

    def _rollout(self, name: str, op: str, step: Any) -> Rollout:
        if op == "same":
            return Rollout(name, "unchanged")
        given = (step.new.inputs or {}).get("taskDefinition") if step.new else None
        running = (step.new.outputs or {}).get("taskDefinition") if step.new else None
        if isinstance(given, str) and isinstance(running, str) and given != running:
            self.rolled_back.append(
                f"{ECS_SERVICE} {name}: the deployment circuit breaker rolled the service back; "
                f"it runs {running}, not {given}"
            )
            self._line(f"rolled back {ECS_SERVICE} {name}: it runs {running}, not {given}")
            return Rollout(name, "rolled back", running)
        return Rollout(name, DONE[op])

    def _line(self, text: str) -> None:
        self.console.line(f"[{self.stack}] {text}")
