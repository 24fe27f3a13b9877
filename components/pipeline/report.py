"""What people see: one line per step, the final summary, and ``outputs`` as JSON."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from components.project import BUILD, ENVIRONMENT

SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELLED = "cancelled"
NOT_RUN = "not run"
ABSENT = "no stack"  # refresh/destroy/outputs of a stack that was never created
# The outputs worth a glance in the summary, per stack kind (see components/plan/*.py exports).
KEY_OUTPUTS = {BUILD: ("registryId", "region"), ENVIRONMENT: ("images",)}
LONG_DIGEST = re.compile(r"(sha256:[0-9a-f]{12})[0-9a-f]{52}")


@dataclass(frozen=True)
class Rollout:
    """What one ECS service did in an update: created, updated, unchanged, failed, rolled back..."""

    service: str
    status: str
    detail: str = ""

    def describe(self) -> str:
        return f"{self.service} {self.status}"


@dataclass
class Outcome:
    stack: str
    result: str = NOT_RUN
    changes: str = ""
    seconds: float | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    rollouts: list[Rollout] = field(default_factory=list)


class Console:
    """Thread-safe line writer: environment stacks running in parallel never interleave mid-line."""

    def __init__(self, write: Callable[[str], Any]) -> None:
        self._write = write
        self._lock = threading.Lock()

    def line(self, text: str = "") -> None:
        with self._lock:
            self._write(text + "\n")


def format_changes(changes: Mapping[Any, int] | None) -> str:
    """``create 5, update 1``; unchanged resources are left out."""
    parts = [
        f"{key.value if isinstance(key, Enum) else key} {count}"
        for key, count in sorted((changes or {}).items(), key=lambda item: str(item[0]))
        if count and (key.value if isinstance(key, Enum) else key) != "same"
    ]
    return ", ".join(parts) or "no changes"


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def format_whole_seconds(seconds: float) -> str:
    """Engine event timestamps are whole seconds: ``7s``, ``1m34s``."""
    minutes, rest = divmod(max(round(seconds), 0), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"


def engine_error(message: str) -> str:
    """The engine's own error line out of a ``CommandError`` text (``code: .. stdout: .. stderr: ..``)."""
    stdout, _, stderr = message.partition("\n stderr: ")
    for text in (stderr, stdout):
        for line in text.splitlines():
            if line.strip().lower().startswith("error:"):
                return line.strip()
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else message.strip().splitlines()[0] if message.strip() else "unknown error"


def _render(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_render(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_render(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value)


def key_outputs(kind: str, outputs: Mapping[str, Any]) -> str:
    """The summary's glance at a stack's outputs; digests shortened (``outputs`` prints them whole)."""
    text = " ".join(f"{name}={_render(outputs[name])}" for name in KEY_OUTPUTS[kind] if name in outputs)
    return LONG_DIGEST.sub(r"\1...", text)


def summary_table(outcomes: Sequence[Outcome], kinds: Mapping[str, str]) -> list[str]:
    """One row per stack; a ROLLOUT column when any stack has ECS services."""
    with_rollouts = any(o.rollouts for o in outcomes)
    header = (
        "STACK",
        "RESULT",
        "CHANGES",
        "DURATION",
        *(("ROLLOUT",) if with_rollouts else ()),
        "KEY OUTPUTS",
    )
    rows = [
        (
            o.stack,
            o.result,
            o.changes or "-",
            format_seconds(o.seconds),
            *((", ".join(r.describe() for r in o.rollouts) or "-",) if with_rollouts else ()),
            o.error or key_outputs(kinds[o.stack], o.outputs) or "-",
        )
        for o in outcomes
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    return [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]).rstrip()
        for row in [header, *rows]
    ]


def verdict(outcomes: Sequence[Outcome]) -> str:
    failed = [o.stack for o in outcomes if o.result in (FAILED, CANCELLED)]
    skipped = [o.stack for o in outcomes if o.result == NOT_RUN]
    if not failed and not skipped:
        return f"All {len(outcomes)} stacks done."
    parts = []
    if failed:
        parts.append(
            f"{len(failed)} of {len(outcomes)} stacks failed or were cancelled ({', '.join(failed)})"
        )
    if skipped:
        parts.append(f"not run: {', '.join(skipped)}")
    return "; ".join(parts) + "."


def outputs_json(outcomes: Sequence[Outcome]) -> str:
    """``outputs``: every selected stack's outputs by stack name; ``null`` for a stack never created."""
    document = {o.stack: (o.outputs if o.result == SUCCEEDED else None) for o in outcomes}
    return json.dumps(document, indent=2, sort_keys=False)
