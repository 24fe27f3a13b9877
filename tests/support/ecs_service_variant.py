"""The committed prod stack with ECS services: ``web-app`` gets the ``ecsService`` example that
``Pulumi.prod.yaml`` carries commented out (as data; tests/docs/test_stack_file_examples.py holds
the two equal), ``worker`` one in another cluster, named by ARN, with a public IP and the defaults
otherwise."""

from __future__ import annotations

import copy
from typing import Any

from tests.support.committed import committed

WEB_APP_ECS_SERVICE = {
    "cluster": "prod",
    "subnets": ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60729"],
    "securityGroups": ["sg-0c1d2e3f4a5b6c7d8"],
    "desiredCount": 2,
    "assignPublicIp": False,
}
WORKER_CLUSTER = "arn:aws:ecs:us-east-1:444444444444:cluster/workers"
WORKER_ECS_SERVICE = {"cluster": WORKER_CLUSTER, "subnets": ["subnet-0a1b2c3d"], "assignPublicIp": True}


def prod_with_ecs_service() -> dict[str, Any]:
    """The prod config map with the stack file's ``ecsService`` example (web-app's) switched on."""
    config = committed()["prod"]
    web_app = config["ecr-share:services"][0]
    assert web_app["name"] == "web-app", web_app
    web_app["ecsService"] = copy.deepcopy(WEB_APP_ECS_SERVICE)
    return config


def prod_with_ecs_services() -> dict[str, Any]:
    """The prod config map with both services on ECS."""
    config = prod_with_ecs_service()
    config["ecr-share:services"][1]["ecsService"] = copy.deepcopy(WORKER_ECS_SERVICE)
    return config
