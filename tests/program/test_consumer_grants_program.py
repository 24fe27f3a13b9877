"""The real ``__main__.py`` under mocks with the narrower grants: the build stack's Lambda and role
statements reach the registered repository policies, an environment granted only by role runs end to
end through its StackReference, and every refusal registers nothing, at up and at preview."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pulumi.errors import RunError

from tests.support.consumer_grants_variant import (
    CODEBUILD_ROLE,
    DEV_EXECUTION_ROLE,
    DEV_NODE_ROLE,
    dev_granted_by_role,
    example_stacks,
)
from tests.support.pulumi_harness import BUILD_STACK, ProgramRun, run_program

STACK_REFERENCE = "pulumi:pulumi:StackReference"


def registered(run: ProgramRun) -> list[str]:
    return [r.key for r in run.resources if r.typ != STACK_REFERENCE]


def refused(
    stack: str, config: dict[str, Any], match: str, outputs: Any = None, preview: bool = False
) -> None:
    run = ProgramRun()
    with pytest.raises(RunError, match=match):
        run_program(stack, config, {BUILD_STACK: outputs} if outputs else None, run=run, preview=preview)
    assert registered(run) == []


@pytest.fixture(scope="module")
def stacks() -> dict[str, dict[str, Any]]:
    return dev_granted_by_role(example_stacks(), [DEV_EXECUTION_ROLE, DEV_NODE_ROLE, CODEBUILD_ROLE])


@pytest.fixture(scope="module")
def build(stacks: dict[str, dict[str, Any]]) -> ProgramRun:
    return run_program("build", stacks["build"])


def test_the_registered_policies_carry_the_role_and_lambda_statements(build: ProgramRun) -> None:
    policy = json.loads(
        build.one("aws:ecr/repositoryPolicy:RepositoryPolicy", "shared-web-app-pull").inputs["policy"]
    )
    assert [s["Sid"] for s in policy["Statement"]] == [
        "AllowCrossAccountPull",
        "AllowRolePull",
        "AllowLambdaPull",
        "AllowLambdaDeployerPull",
    ]
    template = build.one(
        "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate", "replicas-us-west-2-ROOT"
    )
    west = json.loads(template.inputs["repositoryPolicy"])
    assert west["Statement"][2]["Condition"]["StringLike"]["aws:sourceARN"] == [
        "arn:aws:lambda:us-west-2:555555555555:function:*",
        "arn:aws:lambda:us-west-2:666666666666:function:*",
    ]
    assert DEV_NODE_ROLE in build.exports["access"]["roles"]


def test_an_environment_granted_by_role_runs_through_its_stack_reference(
    stacks: dict[str, dict[str, Any]], build: ProgramRun
) -> None:
    run = run_program("dev", stacks["dev"], {BUILD_STACK: build.exports})
    assert run.stack_references == [BUILD_STACK]
    assert run.one("aws:iam/policy:Policy", "pull-roles-policy").inputs["name"] == "ecr-share-dev-pull"
    assert sorted(
        r.inputs["role"] for r in run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    ) == [
        "codebuild-integration-tests",
        "eks-node-role",
    ]


@pytest.mark.parametrize("preview", [False, True])
def test_a_pull_role_the_build_stack_does_not_grant_registers_nothing(
    stacks: dict[str, dict[str, Any]], build: ProgramRun, preview: bool
) -> None:
    exports = copy.deepcopy(build.exports)
    exports["access"]["roles"].remove(CODEBUILD_ROLE)
    refused(
        "dev",
        stacks["dev"],
        f'ecr-share:pullRoles\\[1\\]: "{CODEBUILD_ROLE}" is not granted by the build stack',
        exports,
        preview,
    )


def test_an_execution_role_the_build_stack_does_not_grant_registers_nothing(
    stacks: dict[str, dict[str, Any]], build: ProgramRun
) -> None:
    exports = copy.deepcopy(build.exports)
    exports["access"]["roles"].remove(DEV_EXECUTION_ROLE)
    refused(
        "dev",
        stacks["dev"],
        "not its execution role arn:aws:iam::222222222222:role/ecr-share-dev-execution",
        exports,
    )


def test_a_tampered_role_output_registers_nothing(
    stacks: dict[str, dict[str, Any]], build: ProgramRun
) -> None:
    exports = copy.deepcopy(build.exports)
    exports["access"]["roles"] = ["arn:aws:iam::222222222222:role/*"]
    refused("dev", stacks["dev"], "output access.roles\\[0\\]: .* ends in no IAM role name", exports)


@pytest.mark.parametrize("preview", [False, True])
def test_a_lambda_grant_in_a_region_without_the_images_registers_nothing(
    stacks: dict[str, dict[str, Any]], preview: bool
) -> None:
    config = copy.deepcopy(stacks["build"])
    config["ecr-share:access"]["lambdaAccounts"] = [{"account": "555555555555", "region": "eu-west-1"}]
    refused(
        "build",
        config,
        'ecr-share:access.lambdaAccounts\\[0\\].region: "eu-west-1" holds none of this stack\'s images',
        preview=preview,
    )


def test_an_unknown_pull_role_registers_nothing(stacks: dict[str, dict[str, Any]], build: ProgramRun) -> None:
    config = copy.deepcopy(stacks["dev"])
    config["ecr-share:pullRoles"] = ["arn:aws:iam::333333333333:role/nodes"]
    refused(
        "dev",
        config,
        "is a role in account 333333333333, not this stack's account 222222222222",
        build.exports,
    )
