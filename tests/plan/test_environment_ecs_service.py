"""The exact plan of prod with ECS services (``ecs_service_variant``): each service is a child of its
``FargateTaskDefinition``, runs that component's task definition by its ARN output (so every new
revision updates, and so rolls, the service), and adds nothing else to the stack."""

from __future__ import annotations

from dataclasses import replace

import pytest

from components.consumers.model import FargateTaskDefinitionSpec
from components.plan.children import component_args
from components.plan.model import OutputRef, Resource, StackPlan
from components.plan.project import ProjectPlan, plan_stacks
from tests.support.committed import committed
from tests.support.ecs_service_variant import WORKER_CLUSTER, prod_with_ecs_services

COMPONENT = "ecr-share:index:FargateTaskDefinition"
ROLE_COMPONENT = "ecr-share:index:PullExecutionRole::execution"
SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
LOGS = "aws:cloudwatch/logGroup:LogGroup"
PROD_CLUSTER = "arn:aws:ecs:us-east-1:444444444444:cluster/prod"
ROLLOUT = {
    "launch_type": "FARGATE",
    "deployment_circuit_breaker": {"enable": True, "rollback": True},
    "deployment_minimum_healthy_percent": 100,
    "deployment_maximum_percent": 200,
    "wait_for_steady_state": True,
}


@pytest.fixture(scope="module")
def plan() -> StackPlan:
    stacks = committed()
    stacks["prod"] = prod_with_ecs_services()
    return plan_stacks(stacks).plans["prod"]


def test_each_service_is_a_child_of_its_task_definition_component(plan: StackPlan) -> None:
    task_resources = [r for r in plan.resources if COMPONENT in (r.parent or r.key)]
    assert [(r.key, r.parent, r.depends_on) for r in task_resources] == [
        (f"{COMPONENT}::web-app", None, (ROLE_COMPONENT,)),
        (f"{LOGS}::web-app-logs", f"{COMPONENT}::web-app", (ROLE_COMPONENT,)),
        (f"{TASK}::web-app-task", f"{COMPONENT}::web-app", (ROLE_COMPONENT, f"{LOGS}::web-app-logs")),
        # No explicit dependency on the task definition: its ARN output is one.
        (f"{SERVICE}::web-app-service", f"{COMPONENT}::web-app", (ROLE_COMPONENT,)),
        (f"{COMPONENT}::worker", None, (ROLE_COMPONENT,)),
        (f"{LOGS}::worker-logs", f"{COMPONENT}::worker", (ROLE_COMPONENT,)),
        (f"{TASK}::worker-task", f"{COMPONENT}::worker", (ROLE_COMPONENT, f"{LOGS}::worker-logs")),
        (f"{SERVICE}::worker-service", f"{COMPONENT}::worker", (ROLE_COMPONENT,)),
    ]


def test_the_example_service_runs_the_task_definitions_arn_in_private_subnets(plan: StackPlan) -> None:
    service = plan.named(SERVICE, "web-app-service")
    assert service.inputs == {
        "name": "web-app",
        "cluster": PROD_CLUSTER,
        "task_definition": OutputRef(f"{TASK}::web-app-task", "arn"),
        "desired_count": 2,
        "network_configuration": {
            "subnets": ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60729"],
            "security_groups": ["sg-0c1d2e3f4a5b6c7d8"],
            "assign_public_ip": False,
        },
        **ROLLOUT,
    }
    assert (service.protect, service.aliases) == (False, ())


def test_a_service_without_security_groups_leaves_them_to_ecs(plan: StackPlan) -> None:
    """ECS then uses the VPC's default security group; an empty list would be a second spelling."""
    assert plan.named(SERVICE, "worker-service").inputs == {
        "name": "worker",
        "cluster": WORKER_CLUSTER,
        "task_definition": OutputRef(f"{TASK}::worker-task", "arn"),
        "desired_count": 1,
        "network_configuration": {"subnets": ["subnet-0a1b2c3d"], "assign_public_ip": True},
        **ROLLOUT,
    }


def test_the_component_gets_its_service_as_host_shaped_args(plan: StackPlan) -> None:
    assert component_args(plan.named(COMPONENT, "web-app"))["ecs_service"] == {
        "cluster_arn": PROD_CLUSTER,
        "subnets": ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60729"],
        "security_groups": ["sg-0c1d2e3f4a5b6c7d8"],
        "desired_count": 2,
        "assign_public_ip": False,
    }
    assert component_args(plan.named(COMPONENT, "worker"))["ecs_service"] == {
        "cluster_arn": WORKER_CLUSTER,
        "subnets": ["subnet-0a1b2c3d"],
        "security_groups": [],
        "desired_count": 1,
        "assign_public_ip": True,
    }


def test_nothing_else_changes_and_no_role_is_added(plan: StackPlan, project: ProjectPlan) -> None:
    """Least privilege: the services use ECS's service-linked role; the execution role, its policy
    and everything else in prod are exactly as without ECS services."""

    def without_ecs(resource: Resource) -> Resource:
        if isinstance(resource.model, FargateTaskDefinitionSpec):
            return replace(resource, model=replace(resource.model, ecs_service=None))
        return resource

    assert [without_ecs(r) for r in plan.resources if r.type != SERVICE] == list(
        project.plans["prod"].resources
    )


def test_the_exports_name_each_service_and_what_it_runs(plan: StackPlan, project: ProjectPlan) -> None:
    committed_exports = dict(project.plans["prod"].exports)
    assert committed_exports.pop("ecsServices") == {}
    assert {k: v for k, v in plan.exports.items() if k != "ecsServices"} == committed_exports
    assert plan.exports["ecsServices"] == {
        "web-app": {
            "cluster": PROD_CLUSTER,
            "serviceName": "web-app",
            "taskDefinitionArn": OutputRef(f"{SERVICE}::web-app-service", "task_definition"),
        },
        "worker": {
            "cluster": WORKER_CLUSTER,
            "serviceName": "worker",
            "taskDefinitionArn": OutputRef(f"{SERVICE}::worker-service", "task_definition"),
        },
    }
