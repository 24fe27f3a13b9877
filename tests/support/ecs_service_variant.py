"""The committed prod stack with ECS services: ``web-app`` gets the ``ecsService`` example that
``Pulumi.prod.yaml`` carries commented out (so the example stays valid), ``worker`` one in another
cluster, named by ARN, with a public IP and the defaults otherwise."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from components.config.files import load_stack_config
from tests.support.commented_examples import uncommented
from tests.support.pulumi_harness import PROJECT_DIR

PROD_FILE = PROJECT_DIR / "Pulumi.prod.yaml"
WORKER_CLUSTER = "arn:aws:ecs:us-east-1:444444444444:cluster/workers"
WORKER_ECS_SERVICE = {"cluster": WORKER_CLUSTER, "subnets": ["subnet-0a1b2c3d"], "assignPublicIp": True}


def prod_file_with_ecs_service() -> str:
    """``Pulumi.prod.yaml`` with its commented ``ecsService`` example (web-app's) switched on."""
    return uncommented(PROD_FILE.read_text(encoding="utf-8"), "ecsService")


def prod_with_ecs_services() -> dict[str, Any]:
    """The prod config map, read through the one stack-file loader."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / PROD_FILE.name).write_text(prod_file_with_ecs_service(), encoding="utf-8")
        config = load_stack_config(Path(folder), "prod")
    assert "ecsService" in config["ecr-share:services"][0], "Pulumi.prod.yaml lost its ecsService example"
    config["ecr-share:services"][1]["ecsService"] = dict(WORKER_ECS_SERVICE)
    return config
