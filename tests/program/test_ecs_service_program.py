"""The real ``__main__.py`` under mocks for prod with ECS services (``ecs_service_variant``): each
service runs the ARN its task definition was registered with, waits for the execution role's policy,
and is exported for a release to check; a bad ``ecsService`` registers nothing, at up and preview.
The exact resources are asserted on the plan (tests/plan/test_environment_ecs_service.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi.errors import RunError

from tests.support.ecs_service_variant import prod_with_ecs_services
from tests.support.pulumi_harness import BUILD_STACK, ProgramRun, run_program, urn_key

SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"


@pytest.fixture(scope="module")
def run(build: ProgramRun) -> ProgramRun:
    return run_program("prod", prod_with_ecs_services(), {BUILD_STACK: build.exports})


def test_each_service_runs_the_registered_task_definition_on_fargate(run: ProgramRun) -> None:
    for name in ("web-app", "worker"):
        service = run.one(SERVICE, f"{name}-service")
        task = run.one(TASK, f"{name}-task")
        assert service.inputs["taskDefinition"] == task.outputs["arn"]
        assert service.inputs["name"] == name
        assert service.inputs["launchType"] == "FARGATE"
        assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert service.inputs["waitForSteadyState"] is True
        assert service.parent_key == f"ecr-share:index:FargateTaskDefinition::{name}"


def test_no_task_starts_before_the_execution_role_may_pull(run: ProgramRun) -> None:
    dependencies = {urn_key(d) for d in run.one(SERVICE, "web-app-service").dependencies}
    assert dependencies == {
        "aws:iam/role:Role::execution-role",
        "aws:iam/rolePolicy:RolePolicy::execution-pull",
        f"{TASK}::web-app-task",
    }


def test_only_the_service_waits_for_the_roles_policy(run: ProgramRun) -> None:
    """A task definition names the role, which must exist (RegisterTaskDefinition refuses a role that
    does not: "Role is not valid"), but no task runs with its permissions before a service starts
    one: the component, its log group and its task definition wait for the role alone."""
    dependencies = {r.key: {urn_key(d) for d in r.dependencies} for r in run.resources}
    role = "aws:iam/role:Role::execution-role"
    assert dependencies["ecr-share:index:FargateTaskDefinition::web-app"] == {role}
    assert dependencies["aws:cloudwatch/logGroup:LogGroup::web-app-logs"] == {role}
    assert dependencies[f"{TASK}::web-app-task"] == {role, "aws:cloudwatch/logGroup:LogGroup::web-app-logs"}


def test_the_services_register_no_iam(run: ProgramRun) -> None:
    assert [r.key for r in run.resources if r.typ.startswith("aws:iam")] == [
        "aws:iam/role:Role::execution-role",
        "aws:iam/rolePolicy:RolePolicy::execution-pull",
    ]
    assert all("iamRole" not in r.inputs for r in run.of_type(SERVICE))


def test_the_exports_tell_a_release_where_each_service_runs_and_what(run: ProgramRun) -> None:
    assert run.exports["ecsServices"] == {
        "web-app": {
            "cluster": "arn:aws:ecs:us-east-1:444444444444:cluster/prod",
            "serviceName": "web-app",
            "taskDefinitionArn": "arn:aws:ecs:us-east-1:444444444444:task-definition/web-app:1",
        },
        "worker": {
            "cluster": "arn:aws:ecs:us-east-1:444444444444:cluster/workers",
            "serviceName": "worker",
            "taskDefinitionArn": "arn:aws:ecs:us-east-1:444444444444:task-definition/worker:1",
        },
    }
    assert set(run.exports) == {"executionRoleArn", "taskDefinitionArns", "images", "ecsServices"}


def with_ecs_service(change: dict[str, Any]) -> dict[str, Any]:
    config = prod_with_ecs_services()
    settings = copy.deepcopy(config["ecr-share:services"][1]["ecsService"])
    settings.update(change)
    config["ecr-share:services"][1]["ecsService"] = settings
    return config


@pytest.mark.parametrize("preview", [False, True])
@pytest.mark.parametrize(
    ("change", "match"),
    [
        (
            {"cluster": "arn:aws:ecs:us-east-1:555555555555:cluster/workers"},
            r"^ecr-share:services\[1\].ecsService.cluster: \"arn:aws:ecs:us-east-1:555555555555:cluster/workers\" "
            r"is a cluster in account 555555555555, not this stack's account 444444444444$",
        ),
        (
            {"subnets": ["subnet-xyz"]},
            r"^ecr-share:services\[1\].ecsService.subnets\[0\]: \"subnet-xyz\" is not a subnet ID",
        ),
        (
            {"desiredCount": 5001},
            r"^ecr-share:services\[1\].ecsService.desiredCount: 5001 is not a desired count",
        ),
        (
            {"loadBalancer": "x"},
            r"^ecr-share:services\[1\].ecsService.loadBalancer: \"x\" is not a known setting",
        ),
    ],
)
def test_a_bad_ecs_service_registers_nothing(
    build: ProgramRun, change: dict[str, Any], match: str, preview: bool
) -> None:
    run = ProgramRun()
    with pytest.raises(RunError, match=match):
        run_program("prod", with_ecs_service(change), {BUILD_STACK: build.exports}, run=run, preview=preview)
    # Refused while the config is read: not even the build stack's StackReference is registered.
    assert run.resources == []
