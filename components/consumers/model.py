"""The validated services of an environment stack: plain frozen records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSpec:
    """One Fargate task definition running one image from the shared registry."""

    name: str
    repository: str
    cpu: int
    memory: int
    container_port: int
    image_tag: str | None = None
    image_digest: str | None = None
