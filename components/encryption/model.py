"""The validated ``kmsKeys`` setting of a build stack or of ``receiveReplication``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KmsKeys:
    """Customer managed keys, one per Region the stack keeps images in: created by the stack
    (``create``), or keys the user manages, given by ARN (``arns``, one per Region)."""

    create: bool
    deletion_window_days: int = 30
    arns: tuple[str, ...] = ()

    def arn_in(self, region: str) -> str | None:
        """The given key of a Region (``None`` when the stack creates its keys)."""
        return next((a for a in self.arns if a.split(":")[3] == region), None)

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted(a.split(":")[3] for a in self.arns))
