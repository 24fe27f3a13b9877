"""The replication gate: an environment that pulls from a replica (``pullFrom: replica``) is updated
only once ECR reports the release's images replicated there (ecr:DescribeImageReplicationStatus in
the build registry: one status per destination, IN_PROGRESS, COMPLETE or FAILED; API reference
"DescribeImageReplicationStatus"). Without this, a new task definition revision points at an image
its registry does not hold yet, and the tasks fail to pull.

Which registry each service pulls from is the program's own answer: the ``images`` export of the
environment's plan (``<account>.dkr.ecr.<region>.amazonaws.com/<repository>@<digest>``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.aws.images import parse_image_reference
from components.pipeline.processes import Stopping
from components.pipeline.report import Console, format_seconds
from components.plan.environment import IMAGES

COMPLETE = "COMPLETE"
FAILED = "FAILED"
NOT_STARTED = "NOT STARTED"
"""No status for the destination: the copy has not begun (or never will: an image pushed before
the rule that covers it replicates only through a backfill)."""


class ReplicationRefused(Exception):
    """An image did not replicate to the registry an environment pulls from: it is not updated."""


@dataclass(frozen=True)
class ReplicaImage:
    """One image an environment pulls from a replica registry."""

    repository: str
    digest: str
    account: str
    region: str

    @property
    def destination(self) -> str:
        return f"{self.account} {self.region}"

    def describe(self) -> str:
        return f"{self.repository}@{self.digest}"


def replica_images(exports: Mapping[str, Any], build_account: str, build_region: str) -> list[ReplicaImage]:
    """The images an environment's plan pulls from a registry other than the build registry."""
    images = exports.get(IMAGES)
    found: dict[tuple[str, str], ReplicaImage] = {}
    for reference in (images or {}).values() if isinstance(images, Mapping) else ():
        try:
            pulled = parse_image_reference(str(reference))
        except ValueError:
            continue
        if pulled.digest is None or (pulled.account_id, pulled.region) == (build_account, build_region):
            continue
        image = ReplicaImage(pulled.repository, pulled.digest, pulled.account_id, pulled.region)
        found.setdefault((image.repository, image.destination), image)
    return list(found.values())


@dataclass(frozen=True)
class ReplicationGate:
    timeout: float
    """Seconds to wait for replication still in progress (``--replication-timeout``)."""
    poll_seconds: float = 10.0


StatusReader = Callable[[ReplicaImage], tuple[str, str]]
"""(status, failure code) of one image in its destination."""


def wait_until_replicated(
    stack: str,
    images: Sequence[ReplicaImage],
    read: StatusReader,
    gate: ReplicationGate,
    progress: Console,
    sleep: Callable[[float], bool],
) -> dict[str, str]:
    """Wait until every image is COMPLETE in its destination; raise ReplicationRefused on FAILED or
    once ``gate.timeout`` seconds of waiting have passed (counted in polls: no clock to go wrong).
    Returns each image's final status by ``describe()``. ``sleep`` returns True when the run stops."""
    waited = 0.0
    statuses: dict[str, tuple[str, str]] = {}
    announced: set[str] = set()
    while True:
        for image in images:
            if statuses.get(image.describe(), ("",))[0] != COMPLETE:
                statuses[image.describe()] = read(image)
        for image in images:
            status, code = statuses[image.describe()]
            if status == FAILED:
                raise ReplicationRefused(
                    f"{image.describe()} failed to replicate to {image.destination} ({code or 'no failure code'}), "
                    f"where {stack} pulls it from: {stack} was not updated"
                )
        waiting = [i for i in images if statuses[i.describe()][0] != COMPLETE]
        if not waiting:
            if announced:
                progress.line(f"[{stack}] replicated: {', '.join(i.describe() for i in images)}")
            return {name: status for name, (status, _code) in statuses.items()}
        if waited >= gate.timeout:
            late = ", ".join(
                f"{i.describe()} to {i.destination} ({statuses[i.describe()][0]})" for i in waiting
            )
            hint = (
                " (an image pushed before the replication rule that covers it replicates only through "
                "`backfill`)"
                if any(statuses[i.describe()][0] == NOT_STARTED for i in waiting)
                else ""
            )
            raise ReplicationRefused(
                f"{late} did not replicate within {format_seconds(gate.timeout)} (--replication-timeout)"
                f"{hint}: {stack} was not updated"
            )
        for image in waiting:
            if image.describe() not in announced:
                announced.add(image.describe())
                progress.line(
                    f"[{stack}] waiting for {image.describe()} to replicate to {image.destination} "
                    f"({statuses[image.describe()][0]}), up to {format_seconds(gate.timeout)}"
                )
        pause = min(gate.poll_seconds, gate.timeout - waited)
        if sleep(pause):
            raise Stopping("replication wait")
        waited += pause
