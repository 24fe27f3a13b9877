"""Resolve, then gate: the digests a release deploys, checked before any environment stack runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from components.pipeline.gate import Scan, blocking
from components.pipeline.images import ImageRequest
from components.pipeline.processes import Stopping
from components.pipeline.registry import RegistryReader, ReleaseRefused
from components.pipeline.replication import ReplicationGate
from components.pipeline.report import Console, format_seconds


@dataclass(frozen=True)
class Gate:
    fail_on: str
    timeout: float
    """Seconds to wait for scans still IN_PROGRESS or PENDING."""
    poll_seconds: float = 5.0
    replication: ReplicationGate = field(default_factory=lambda: ReplicationGate(900.0))
    signing_profiles: tuple[str, ...] = ()
    """``--require-signature``: for every environment of the run, besides its stack file's."""


def checked_digests(
    reader: RegistryReader,
    requests: Sequence[ImageRequest],
    gate: Gate,
    console: Console,
    sleep: Callable[[float], bool],
    clock: Callable[[], float],
    scans_read: dict[str, Scan] | None = None,
) -> dict[str, str]:
    """Repository -> digest for every request, after the gate passed (each scan read goes into
    ``scans_read``, for the release record). ``sleep`` returns True when
    the run is stopping. Raises ReleaseRefused naming each missing image or each image the gate stops."""
    console.line(f"images: {reader.registry.describe()}")
    digests = {request.repository: reader.digest(request) for request in requests}
    scans = {} if gate.fail_on == "none" else _scans(reader, requests, digests, gate, console, sleep, clock)
    if scans_read is not None:
        scans_read.update(scans)
    for row in _table(requests, digests, scans):
        console.line(f"  {row}")
    if gate.fail_on == "none":
        console.line("gate --fail-on none: scan findings not read")
        return digests
    refusals = [
        (request, reason)
        for request in requests
        if (reason := blocking(scans[request.repository], gate.fail_on)) is not None
    ]
    if refusals:
        console.line(f"gate --fail-on {gate.fail_on}: refused")
        for request, reason in refusals:
            console.line(f"  {_label(request)} {reason}")
        raise ReleaseRefused(
            f"the scan gate (--fail-on {gate.fail_on}) refused "
            f"{', '.join(_label(r) for r, _ in refusals)}; nothing was deployed"
        )
    console.line(f"gate --fail-on {gate.fail_on}: passed")
    return digests


def _table(requests: Sequence[ImageRequest], digests: dict[str, str], scans: dict[str, Scan]) -> list[str]:
    """REPOSITORY, TAG (``-`` when the digest was asked for), DIGEST and, when read, SCAN."""
    rows = [("REPOSITORY", "TAG", "DIGEST", *(("SCAN",) if scans else ()))]
    for request in requests:
        scan = scans.get(request.repository)
        rows.append(
            (
                request.repository,
                request.tag or "-",
                digests[request.repository],
                *((scan.describe(),) if scan else ()),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]]) for row in rows]


def _label(request: ImageRequest) -> str:
    return request.describe()


def _scans(
    reader: RegistryReader,
    requests: Sequence[ImageRequest],
    digests: dict[str, str],
    gate: Gate,
    console: Console,
    sleep: Callable[[float], bool],
    clock: Callable[[], float],
) -> dict[str, Scan]:
    """Each image's scan, waiting up to ``gate.timeout`` for scans that are still running."""
    deadline = clock() + gate.timeout
    scans: dict[str, Scan] = {}
    announced: set[str] = set()
    while True:
        for request in requests:
            if request.repository not in scans or scans[request.repository].waiting:
                scans[request.repository] = reader.scan(request.repository, digests[request.repository])
        waiting = [r for r in requests if scans[r.repository].waiting]
        if not waiting:
            return scans
        remaining = deadline - clock()
        if remaining <= 0:
            pending = ", ".join(f"{_label(r)} ({scans[r.repository].status})" for r in waiting)
            raise ReleaseRefused(
                f"the scan of {pending} did not complete within {format_seconds(gate.timeout)} "
                "(--scan-timeout); nothing was deployed"
            )
        for request in waiting:
            if request.repository not in announced:
                announced.add(request.repository)
                console.line(
                    f"  waiting for the scan of {_label(request)} ({scans[request.repository].status}), "
                    f"up to {format_seconds(gate.timeout)}"
                )
        if sleep(min(gate.poll_seconds, remaining)):
            raise Stopping("scan wait")
