"""The program registers exactly the plans of the narrower grants' examples: the build stack with
``roles`` and ``lambdaAccounts`` (repository policies and the us-west-2 template), dev with
``pullRoles`` (the managed policy and one attachment per role, each waiting for the policy)."""

from __future__ import annotations

import pytest

from components.plan.project import plan_stacks
from tests.support.consumer_grants_variant import (
    CODEBUILD_ROLE,
    DEV_EXECUTION_ROLE,
    DEV_NODE_ROLE,
    dev_granted_by_role,
    example_stacks,
)
from tests.support.pulumi_harness import BUILD_STACK, ProgramRun, run_program, urn_key
from tests.support.registration import assert_exports_exactly, assert_registers_exactly


@pytest.fixture(scope="module")
def build() -> ProgramRun:
    return run_program("build", example_stacks()["build"])


def test_the_build_stack_with_role_and_lambda_grants_registers_exactly_its_plan(build: ProgramRun) -> None:
    plan = plan_stacks(example_stacks()).plans["build"]
    assert_registers_exactly(plan, build)
    assert build.exports == plan.exports


def test_dev_with_pull_roles_registers_exactly_its_plan(build: ProgramRun) -> None:
    stacks = example_stacks()
    plan = plan_stacks(stacks).plans["dev"]
    run = run_program("dev", stacks["dev"], {BUILD_STACK: build.exports})
    assert_registers_exactly(plan, run)
    assert_exports_exactly(plan, run)
    attachment = run.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "pull-roles-eks-node-role")
    assert attachment.inputs["policyArn"] == "arn:aws:iam::222222222222:policy/ecr-share-dev-pull"
    assert {urn_key(d) for d in attachment.dependencies} == {"aws:iam/policy:Policy::pull-roles-policy"}


def test_a_dev_granted_only_by_role_registers_exactly_its_plan() -> None:
    stacks = dev_granted_by_role(example_stacks(), [DEV_EXECUTION_ROLE, DEV_NODE_ROLE, CODEBUILD_ROLE])
    plans = plan_stacks(stacks).plans
    build = run_program("build", stacks["build"])
    assert_registers_exactly(plans["build"], build)
    run = run_program("dev", stacks["dev"], {BUILD_STACK: build.exports})
    assert_registers_exactly(plans["dev"], run)
