"""``--report release.json``: what a run did, for machines (CI artifacts, audit): each stack's
result, the images each environment got (tag asked for, digest, scan, signature, replication state)
and its ECS rollouts, with a format version. Written at the end of every run that got past the
command line, refused or not, so a refused release leaves a record too.

Format ``ecr-share-release/1`` (docs/pipeline.md, "The release record"): a field is only ever added
within a version; a renamed or removed field is a new version."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.pipeline.gate import Scan
from components.pipeline.images import ImageRequest
from components.pipeline.report import NOT_RUN, Outcome
from components.pipeline.stacks import StackInfo
from components.project import ENVIRONMENT

FORMAT = "ecr-share-release/1"


@dataclass
class ReleaseRecord:
    """Filled in as the run learns it; ``document`` renders it."""

    command: str
    order: Sequence[str]
    requests: Sequence[ImageRequest] = ()
    digests: dict[str, str] = field(default_factory=dict)
    scans: dict[str, Scan] = field(default_factory=dict)
    signatures: dict[str, str] = field(default_factory=dict)
    """Repository -> the signature check's result (absent: not checked)."""
    replication: dict[str, dict[str, str]] = field(default_factory=dict)
    """Stack -> ``repository@digest`` -> replication status in the registry it pulls from."""
    outcomes: list[Outcome] = field(default_factory=list)
    error: str = ""

    def document(self, stacks: Mapping[str, StackInfo], exit_code: int) -> dict[str, Any]:
        outcomes = {o.stack: o for o in self.outcomes}
        return {
            "format": FORMAT,
            "command": self.command,
            "exitCode": exit_code,
            "error": self.error or None,
            "stacks": [self._stack(stacks[name], outcomes.get(name) or Outcome(name)) for name in self.order],
        }

    def _stack(self, stack: StackInfo, outcome: Outcome) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "stack": stack.name,
            "kind": stack.kind,
            "result": outcome.result if outcome.result != NOT_RUN else "not run",
            "changes": outcome.changes or None,
            "seconds": outcome.seconds,
            "error": outcome.error or None,
        }
        if stack.kind == ENVIRONMENT:
            entry["images"] = [self._image(stack.name, service) for service in stack.services]
            entry["rollouts"] = [
                {"service": r.service, "status": r.status, "detail": r.detail or None}
                for r in outcome.rollouts
            ]
        return entry

    def _image(self, stack: str, service: Mapping[str, Any]) -> dict[str, Any]:
        repository = str(service.get("repository"))
        request = next((r for r in self.requests if r.repository == repository), None)
        digest = self.digests.get(repository)
        scan = self.scans.get(repository)
        replicated = self.replication.get(stack, {})
        return {
            "service": service.get("name"),
            "repository": repository,
            "tag": request.tag if request else service.get("imageTag"),
            "digest": digest or service.get("imageDigest"),
            "scan": None if scan is None else {"status": scan.status, "findings": dict(scan.counts)},
            "signature": self.signatures.get(repository),
            "replication": replicated.get(f"{repository}@{digest}") if digest else None,
        }


def write(path: Path, document: Mapping[str, Any]) -> None:
    """Whole or not at all: written beside, then renamed."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
