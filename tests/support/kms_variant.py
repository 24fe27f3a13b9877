"""The committed stacks with customer managed keys (the build stack's ``kmsKeys``, which creates a key
per Region, and prod's ``receiveReplication.kmsKeys``), or with the worker repository's tag
exclusions: as data, the examples the stack files carry commented out (tests/docs/test_stack_file_examples.py
holds the two equal)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from tests.support.committed import committed
from tests.support.scale_project import write_project

BUILD_KMS_KEYS = {"create": True, "deletionWindowDays": 30}
RECEIVER_KMS_KEYS = {"create": True}
TAG_EXCLUSIONS = {
    "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
    "imageTagMutabilityExclusionFilters": ["latest", "dev-*"],
}


def with_kms_keys() -> dict[str, dict[str, Any]]:
    """Every stack file; build creates its keys, prod one for its replicas."""
    stacks = committed()
    stacks["build"]["ecr-share:kmsKeys"] = copy.deepcopy(BUILD_KMS_KEYS)
    stacks["prod"]["ecr-share:receiveReplication"]["kmsKeys"] = copy.deepcopy(RECEIVER_KMS_KEYS)
    return stacks


def write_kms_project(folder: Path) -> None:
    """Into a copy of the project: the build and prod stack files of ``with_kms_keys``."""
    stacks = with_kms_keys()
    write_project(folder, {stack: stacks[stack] for stack in ("build", "prod")})


def with_tag_exclusions() -> dict[str, dict[str, Any]]:
    """Every stack file; worker's tags are immutable except latest and dev-*."""
    stacks = committed()
    worker = stacks["build"]["ecr-share:repositories"][1]
    assert worker["name"] == "worker", worker
    worker.update(copy.deepcopy(TAG_EXCLUSIONS))
    return stacks
