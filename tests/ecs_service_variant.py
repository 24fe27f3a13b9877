"""The committed prod stack with ECS services: ``web-app`` gets the ``ecsService`` example that
``Pulumi.prod.yaml`` carries commented out (so the example stays valid), ``worker`` one in another
cluster, named by ARN, with a public IP and the defaults otherwise."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from pulumi_harness import PROJECT_DIR

from components.config.files import load_stack_config

PROD_FILE = PROJECT_DIR / "Pulumi.prod.yaml"
WORKER_CLUSTER = "arn:aws:ecs:us-east-1:444444444444:cluster/workers"
WORKER_ECS_SERVICE = {"cluster": WORKER_CLUSTER, "subnets": ["subnet-0a1b2c3d"], "assignPublicIp": True}


def uncommented_example(text: str) -> str:
    """The stack file with its commented ``ecsService:`` block (and only that block) uncommented."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r" *# ecsService:\n", line))
    indent = lines[start].index("#")
    out = lines[:start]
    index = start
    while (
        index < len(lines)
        and lines[index].startswith(" " * indent + "# ")
        and (index == start or lines[index][indent + 2 : indent + 4] == "  ")
    ):
        out.append(" " * indent + lines[index][indent + 2 :])
        index += 1
    return "".join(out + lines[index:])


def prod_with_ecs_services() -> dict[str, Any]:
    """The prod config map, read through the one stack-file loader."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / PROD_FILE.name).write_text(
            uncommented_example(PROD_FILE.read_text(encoding="utf-8")), encoding="utf-8"
        )
        config = load_stack_config(Path(folder), "prod")
    assert "ecsService" in config["ecr-share:services"][0], "Pulumi.prod.yaml lost its ecsService example"
    config["ecr-share:services"][1]["ecsService"] = dict(WORKER_ECS_SERVICE)
    return config
