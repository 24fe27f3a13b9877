"""The program registers exactly its plan: every planned resource, with exactly its inputs, parent,
dependencies and protection, and nothing else; and it exports exactly the plan's outputs."""

from __future__ import annotations

from typing import Any

import pytest

from components.config.files import load_stack_config
from components.config.stack import parse_stack_config
from components.plan.build import plan_build_stack
from components.plan.project import ProjectPlan, plan_stacks
from tests.support.committed import committed
from tests.support.ecs_service_variant import prod_with_ecs_services
from tests.support.pulumi_harness import BUILD_STACK, PROJECT_DIR, ProgramRun, run_program
from tests.support.registration import assert_exports_exactly, assert_registers_exactly
from tests.support.scale_project import account, build_config, environment_config, repository


def test_the_build_stack_registers_exactly_its_plan(build: ProgramRun, project: ProjectPlan) -> None:
    assert_registers_exactly(project.plans["build"], build)
    assert build.exports == project.plans["build"].exports


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_each_environment_registers_exactly_its_plan(
    stack: str, environments: dict[str, ProgramRun], project: ProjectPlan
) -> None:
    run = environments[stack]
    plan = project.plans[stack]
    assert_registers_exactly(plan, run)
    assert run.stack_references == [BUILD_STACK]
    assert_exports_exactly(plan, run)


def test_prod_with_ecs_services_registers_exactly_its_plan(build: ProgramRun) -> None:
    stacks = committed()
    stacks["prod"] = prod_with_ecs_services()
    plan = plan_stacks(stacks).plans["prod"]
    run = run_program("prod", stacks["prod"], {BUILD_STACK: build.exports})
    assert_registers_exactly(plan, run)
    assert_exports_exactly(plan, run)


def test_prod_with_writable_paths_a_user_and_secrets_registers_exactly_its_plan(build: ProgramRun) -> None:
    """The container settings reach the task definition (volumes, mount points, user, secrets) and
    the secret reads the execution role's policy, through the components as planned."""
    stacks = committed()
    prefix = "arn:aws:secretsmanager:us-east-1:444444444444:secret"
    stacks["prod"]["ecr-share:services"][0].update(
        writablePaths=["/tmp"],
        user="1000:1000",
        secrets=[
            {
                "name": "DB_PASSWORD",
                "valueFrom": f"{prefix}:prod/db-AbCdEf",
                "kmsKey": "arn:aws:kms:us-east-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            },
            {"name": "API_TOKEN", "valueFrom": "arn:aws:ssm:us-east-1:444444444444:parameter/prod/token"},
        ],
    )
    stacks["prod"]["ecr-share:services"][1]["readonlyRootFilesystem"] = False
    plan = plan_stacks(stacks).plans["prod"]
    run = run_program("prod", stacks["prod"], {BUILD_STACK: build.exports})
    assert_registers_exactly(plan, run)
    assert_exports_exactly(plan, run)


def test_a_variant_in_organization_mode_registers_exactly_its_plan() -> None:
    config: dict[str, Any] = load_stack_config(PROJECT_DIR, "build")
    config["ecr-share:access"] = {
        "organizationId": "o-abc123def4",
        "organizationPaths": ["o-abc123def4/r-ab12/ou-ab12-11111111/*"],
    }
    del config["ecr-share:replication"]
    run = run_program("build", config)
    assert_registers_exactly(plan_build_stack(parse_stack_config("build", config)), run)


def test_an_environment_with_managed_policies_registers_exactly_its_plan() -> None:
    names = [repository(n) for n in range(80)]
    configs = {"build": build_config(80, 1), "big": environment_config(account(0), names)}
    project = plan_stacks(configs)
    run = run_program("big", configs["big"], {BUILD_STACK: dict(project.plans["build"].exports)})
    assert_registers_exactly(project.plans["big"], run)
    attachments = run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert len(attachments) == 10
    assert {a.inputs["policyArn"] for a in attachments} == {
        f"arn:aws:iam::{account(0)}:policy/ecr-share-big-execution-pull-{n}" for n in range(1, 11)
    }
    # Each service's component, log group and task definition wait for the role alone (the task
    # definition also for its log group), not its 21 policies and attachments: only an ECS service
    # starts tasks with them. The inline policy waits for the role, each attachment for the role and
    # its policy.
    edges = sum(len(r.dependencies) for r in run.resources)
    assert edges == 1 + 10 * 2 + 80 * (1 + 1 + 2)


def test_what_0_1_deployed_keeps_its_urn_through_the_0_2_renames(
    build: ProgramRun, environments: dict[str, ProgramRun]
) -> None:
    """0.2.0 renamed two components and two resources; each registration names the URN that 0.1
    deployed under, so the engine updates those resources in place instead of replacing them (the
    role's and the task definitions' children follow their parents' aliases in the engine)."""
    dev = environments["dev"]
    assert build.one("ecr-share:index:SharedRepositories", "shared").aliases == (
        "urn:pulumi:build::ecr-share::ecr-share:index:SharedRepository::shared",
    )
    assert dev.one("aws:iam/role:Role", "execution-role").aliases == (
        "urn:pulumi:dev::ecr-share::ecr-share:index:PullExecutionRole$aws:iam/role:Role::execution",
    )
    assert dev.one("ecr-share:index:FargateTaskDefinition", "web-app").aliases == (
        "urn:pulumi:dev::ecr-share::ecr-share:index:CrossAccountTaskDefinition::web-app",
    )
    assert dev.one("aws:ecs/taskDefinition:TaskDefinition", "web-app-task").aliases == (
        "urn:pulumi:dev::ecr-share::ecr-share:index:FargateTaskDefinition$aws:ecs/taskDefinition:TaskDefinition::web-app",
    )


def test_only_repositories_and_keys_are_protected_not_what_they_hold(build: ProgramRun) -> None:
    """The real engine refused a changed ``lifecycle`` (issue 23's engine stage): the SDK gave the
    lifecycle policy its repository's protection, and pulumi-aws replaces a lifecycle policy on any
    change. Protection is exactly the plan's: the repositories, never their policies."""
    protected = {(r.typ, r.name) for r in build.resources if r.protect}
    assert protected == {
        ("aws:ecr/repository:Repository", "shared-web-app"),
        ("aws:ecr/repository:Repository", "shared-worker"),
    }
    assert build.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    assert not any(r.protect for r in build.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy"))
