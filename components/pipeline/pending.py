"""A pin is two CLI calls (``config set-all`` for the digests, then ``config remove-all`` for the
tags they replace); this keeps a pin that was interrupted between them from wedging later runs.

Before the first call the runner records the pin next to the stack file (``.Pulumi.<stack>.yaml.pin``,
JSON: the paths set and the paths to remove), and deletes the record once both calls succeeded.
The preflight of every later run reads the records: a stack file whose recorded digests are all in
place while a recorded tag is still there holds the pipeline's own half-done pin, which the run
completes (the removal) before anything else. A stack file that differs from its record was changed
since (by hand, or the set-all never ran): the record is ignored, and the file is checked as it is.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from components.pipeline.images import ConfigChange
from components.pipeline.stacks import SERVICES_KEY, StackInfo

# The paths digest_pins writes: ecr-share:services[<index>].<field>.
_SERVICE_PATH = re.compile(rf"{re.escape(SERVICES_KEY)}\[(\d+)\]\.(\w+)")


def record_path(stack_file: Path) -> Path:
    return stack_file.with_name(f".{stack_file.name}.pin")


def write_record(stack_file: Path, change: ConfigChange) -> None:
    """Whole or not at all (written, then renamed): a later preflight never reads half a record."""
    path = record_path(stack_file)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps({"set": change.set, "remove": list(change.remove)}), encoding="utf-8")
    partial.replace(path)


def clear_record(stack_file: Path) -> None:
    record_path(stack_file).unlink(missing_ok=True)


def half_done(stack: StackInfo) -> ConfigChange | None:
    """The removals left of this stack's recorded pin, when its file holds exactly the pin's first
    half (every recorded digest set, some recorded tag still there); else None."""
    try:
        record = json.loads(record_path(stack.file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(record, Mapping) and isinstance(record.get("set"), Mapping)):
        return None
    wanted, removals = record["set"], record.get("remove")
    if not isinstance(removals, list) or not all(
        _value(stack.config, path) == value for path, value in wanted.items()
    ):
        return None
    left = tuple(
        path for path in removals if isinstance(path, str) and _value(stack.config, path) is not None
    )
    return ConfigChange(remove=left) if left else None


def completed(stack: StackInfo, change: ConfigChange) -> StackInfo:
    """The stack as it is once ``change``'s removals are made (what the preflight checks)."""
    config = copy.deepcopy(stack.config)
    for path in change.remove:
        service = _service(config, path)
        if service is not None:
            service[1].pop(service[0], None)
    return StackInfo(stack.name, stack.kind, stack.file, config)


def _service(config: Mapping[str, Any], path: str) -> tuple[str, dict[str, Any]] | None:
    match = _SERVICE_PATH.fullmatch(path)
    services = config.get(SERVICES_KEY)
    if match is None or not isinstance(services, list) or int(match.group(1)) >= len(services):
        return None
    service = services[int(match.group(1))]
    return (match.group(2), service) if isinstance(service, dict) else None


def _value(config: Mapping[str, Any], path: str) -> Any:
    found = _service(config, path)
    return None if found is None else found[1].get(found[0])
