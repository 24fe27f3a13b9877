"""The committed stacks with the narrower grants: ``Pulumi.build.yaml``'s ``roles`` and
``lambdaAccounts``, ``Pulumi.dev.yaml``'s ``pullRoles``, the examples those files carry commented
out, as data (tests/docs/test_stack_file_examples.py holds the two equal). Tests plan, register and
verify these."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from tests.support.committed import committed
from tests.support.scale_project import write_project

CI_ROLE = "arn:aws:iam::555555555555:role/ci/integration-tests"
CODEBUILD_ROLE = "arn:aws:iam::222222222222:role/service-role/codebuild-integration-tests"
DEV_EXECUTION_ROLE = "arn:aws:iam::222222222222:role/ecr-share-dev-execution"
DEV_NODE_ROLE = "arn:aws:iam::222222222222:role/eks-node-role"
ROLES = [CI_ROLE]
LAMBDA_ACCOUNTS = [
    {"account": "555555555555", "deployers": [CI_ROLE]},
    {"account": "666666666666", "region": "us-west-2"},
]
PULL_ROLES = ["eks-node-role", CODEBUILD_ROLE]


def example_stacks() -> dict[str, dict[str, Any]]:
    """Every stack's config map: the build stack's access with ``roles`` and ``lambdaAccounts``, dev
    with ``pullRoles``."""
    stacks = committed()
    access = stacks["build"]["ecr-share:access"]
    access["roles"] = list(ROLES)
    access["lambdaAccounts"] = copy.deepcopy(LAMBDA_ACCOUNTS)
    stacks["dev"]["ecr-share:pullRoles"] = list(PULL_ROLES)
    return stacks


def example_config(stack: str) -> dict[str, Any]:
    """One stack's config map with the examples."""
    return example_stacks()[stack]


def with_examples(folder: Path) -> Path:
    """The project with the examples, as stack files in ``folder``."""
    return write_project(folder, example_stacks())


def dev_granted_by_role(stacks: dict[str, dict[str, Any]], roles: list[str]) -> dict[str, dict[str, Any]]:
    """The build stack grants dev's account no longer whole, only these roles of it (and the CI role)."""
    access = stacks["build"]["ecr-share:access"]
    access["accounts"].remove("222222222222")
    access["roles"] = [*access["roles"], *roles]
    return stacks
