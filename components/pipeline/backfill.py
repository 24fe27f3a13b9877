"""``backfill --to prod``: replicate the images pushed before a replication rule existed (ECR
replicates only images pushed after the rule; API reference "StartReplicationBackfill"). It starts
one backfill per destination registry the named stacks pull from (ecr:StartReplicationBackfill in
the build registry), follows it with ecr:ListReplicationBackfills (status and counts), and names
the images that failed with ecr:DescribeReplicationBackfillResults. No Pulumi CLI is involved."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from components.config.model import EnvironmentStack
from components.config.stack import parse_stack_config
from components.errors import ConfigError
from components.pipeline.registry import RegistryError, RegistryReader
from components.pipeline.report import Console, format_seconds
from components.pipeline.stacks import PipelineError, StackInfo

ENDED = ("COMPLETE", "FAILED", "STOPPED")


@dataclass(frozen=True)
class Destination:
    account: str
    region: str
    stacks: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.account} {self.region} ({', '.join(self.stacks)})"


def destinations(stacks: Mapping[str, StackInfo], names: Sequence[str]) -> list[Destination]:
    """The replica registry each named environment pulls from: its own account and Region."""
    found: dict[tuple[str, str], list[str]] = {}
    for name in names:
        stack = stacks.get(name)
        if stack is None or stack.kind != "environment":
            raise PipelineError(f"--to: {name!r} is not an environment stack")
        try:
            config = parse_stack_config(name, stack.config)
        except ConfigError as error:
            raise PipelineError(f"{stack.file}: {error}") from None
        assert isinstance(config, EnvironmentStack)
        if config.pull_from != "replica":
            raise PipelineError(
                f"--to {name}: {stack.file.name} pulls from the build registry (pullFrom), not from replicas: "
                "there is nothing to backfill"
            )
        found.setdefault((config.account_id, config.region), []).append(name)
    return [Destination(account, region, tuple(users)) for (account, region), users in found.items()]


def backfill(
    reader: RegistryReader,
    targets: Sequence[Destination],
    timeout: float,
    poll_seconds: float,
    progress: Console,
    sleep: Callable[[float], bool],
) -> int:
    """0 when every backfill completed with no failed image, else 1."""
    ecr, registry = reader.client, reader.registry.registry_id
    code = 0
    for target in targets:
        try:
            started = ecr.start_replication_backfill(
                registryId=registry, destination={"region": target.region, "registryId": target.account}
            )
        except (BotoCoreError, ClientError) as error:
            raise RegistryError(f"cannot start the backfill to {target.describe()}: {error}") from None
        backfill_id = started["replicationBackfillId"]
        progress.line(f"backfill {backfill_id} to {target.describe()}: {started.get('status', '')}")
        summary = _follow(ecr, registry, backfill_id, target, timeout, poll_seconds, progress, sleep)
        status = summary.get("status", "")
        if status != "COMPLETE" or (summary.get("progress") or {}).get("failedReplicationCount"):
            code = 1
            for line in _failures(ecr, registry, backfill_id):
                progress.line(f"  failed: {line}")
    return code


def _follow(
    ecr: Any,
    registry: str,
    backfill_id: str,
    target: Destination,
    timeout: float,
    poll_seconds: float,
    progress: Console,
    sleep: Callable[[float], bool],
) -> Mapping[str, Any]:
    waited, last = 0.0, ""
    while True:
        summary = _summary(ecr, registry, backfill_id)
        counts = summary.get("progress") or {}
        line = (
            f"{summary.get('status')}: {counts.get('completedReplicationCount', 0)} of "
            f"{counts.get('totalReplicationCount', 0)} images replicated, "
            f"{counts.get('failedReplicationCount', 0)} failed"
        )
        if line != last:
            progress.line(f"backfill {backfill_id}: {line}")
            last = line
        if summary.get("status") in ENDED:
            return summary
        if waited >= timeout:
            progress.line(
                f"backfill {backfill_id} to {target.describe()} still {summary.get('status')} after "
                f"{format_seconds(timeout)} (--timeout); it goes on in ECR"
            )
            return summary
        pause = min(poll_seconds, timeout - waited)
        if sleep(pause):
            return summary
        waited += pause


def _summary(ecr: Any, registry: str, backfill_id: str) -> Mapping[str, Any]:
    request: dict[str, Any] = {"registryId": registry}
    while True:
        page = ecr.list_replication_backfills(**request)
        for summary in page.get("backfills") or []:
            if summary.get("replicationBackfillId") == backfill_id:
                return dict(summary)
        if not page.get("nextToken"):
            return {"status": "UNKNOWN"}
        request["nextToken"] = page["nextToken"]


def _failures(ecr: Any, registry: str, backfill_id: str) -> list[str]:
    results = ecr.describe_replication_backfill_results(
        registryId=registry, replicationBackfillId=backfill_id, resultStatusFilter="FAILED"
    )
    return [
        f"{r['repositoryName']}@{r['imageId'].get('imageDigest', r['imageId'].get('imageTag'))} "
        f"({r.get('failureCode', 'no failure code')})"
        for r in results.get("results") or []
    ]
