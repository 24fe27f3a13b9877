"""The committed stack files, the one way tests read them: as config maps (``committed()``) or as
the deployment ``verify`` loads (``committed_deployment()``). Whole-program runs of them are the
session fixtures of ``tests/conftest.py`` (``build``, ``environments``, ``committed_runs``)."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from components.config.files import list_stacks, load_stack_config
from components.verify.deployments import Deployment, load_deployments
from tests.support.pulumi_harness import PROJECT_DIR

# The committed build stack's lifecycle policy, as planned for each repository and template.
LIFECYCLE_TEXT = (
    '{"rules":[{"rulePriority":1,"description":"Expire untagged images 14 days after their push",'
    '"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},'
    '"action":{"type":"expire"}},{"rulePriority":2,"description":"Keep only the newest 20 images tagged dev-*",'
    '"selection":{"tagStatus":"tagged","tagPrefixList":["dev-"],"countType":"imageCountMoreThan",'
    '"countNumber":20},"action":{"type":"expire"}}]}'
)


@cache
def _read() -> dict[str, dict[str, Any]]:
    return {name: load_stack_config(PROJECT_DIR, name) for name in list_stacks(PROJECT_DIR)}


def committed() -> dict[str, dict[str, Any]]:
    """Every committed stack's config map by stack name, read through the one stack-file loader. A
    copy of its own for each caller, so a test may change it (the files are read once per process)."""
    return copy.deepcopy(_read())


def committed_deployment() -> Deployment:
    """The committed project as ``verify`` loads it: every stack's plan."""
    (deployment,) = load_deployments(PROJECT_DIR)
    return deployment
