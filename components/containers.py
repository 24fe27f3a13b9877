"""The container definitions of a consumer's task definition, as a pure function."""

from __future__ import annotations

import json
from typing import Any

from components.model import ServiceSpec
from components.naming import log_group_name

CONTAINER_NAME = "app"


def container_definitions(service: ServiceSpec, image: str, region: str) -> list[dict[str, Any]]:
    """The seed's step 3: one essential container running the cross-account image, logging to
    ``/ecs/<family>`` through the awslogs driver."""
    return [
        {
            "name": CONTAINER_NAME,
            "image": image,
            "essential": True,
            "portMappings": [{"containerPort": service.container_port, "protocol": "tcp"}],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group_name(service.name),
                    "awslogs-region": region,
                    "awslogs-stream-prefix": CONTAINER_NAME,
                },
            },
        }
    ]


def container_definitions_json(service: ServiceSpec, image: str, region: str) -> str:
    return json.dumps(container_definitions(service, image, region), separators=(",", ":"))
