"""The plans of the committed environment stacks, exactly: dev and staging pull from the build
registry, prod receives the replicas in its own registry and runs them."""

from __future__ import annotations

import json

import pytest

from components.plan.model import OutputRef, StackPlan
from components.plan.project import ProjectError, ProjectPlan, plan_stacks
from tests.support.committed import LIFECYCLE_TEXT
from tests.support.scale_project import account, build_config, environment_config, repository

SOURCE = "111111111111"
ACCOUNTS = {"dev": "222222222222", "staging": "333333333333", "prod": "444444444444"}
PULL = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
DIGEST = "sha256:0b4e1a5c3f2d6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
LOGS = "aws:cloudwatch/logGroup:LogGroup"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"


def plan_of(project: ProjectPlan, stack: str) -> StackPlan:
    return project.plans[stack]


def role_statements(plan: StackPlan) -> list[dict[str, object]]:
    statements: list[dict[str, object]] = json.loads(
        plan.named(ROLE_POLICY, "execution-pull").inputs["policy"]
    )["Statement"]
    return statements


def test_dev_registers_a_role_and_one_task_definition(project: ProjectPlan) -> None:
    assert [(r.key, r.parent, r.depends_on) for r in plan_of(project, "dev").resources] == [
        ("ecr-share:index:PullExecutionRole::execution", None, ()),
        ("aws:iam/role:Role::execution-role", "ecr-share:index:PullExecutionRole::execution", ()),
        (
            "aws:iam/rolePolicy:RolePolicy::execution-pull",
            "aws:iam/role:Role::execution-role",
            ("aws:iam/role:Role::execution-role",),
        ),
        (
            "ecr-share:index:FargateTaskDefinition::web-app",
            None,
            ("ecr-share:index:PullExecutionRole::execution",),
        ),
        (
            "aws:cloudwatch/logGroup:LogGroup::web-app-logs",
            "ecr-share:index:FargateTaskDefinition::web-app",
            ("ecr-share:index:PullExecutionRole::execution",),
        ),
        (
            "aws:ecs/taskDefinition:TaskDefinition::web-app-task",
            "ecr-share:index:FargateTaskDefinition::web-app",
            (
                "ecr-share:index:PullExecutionRole::execution",
                "aws:cloudwatch/logGroup:LogGroup::web-app-logs",
            ),
        ),
    ]


@pytest.mark.parametrize("stack", sorted(ACCOUNTS))
def test_execution_role_trusts_only_this_accounts_ecs_tasks(stack: str, project: ProjectPlan) -> None:
    role = plan_of(project, stack).named(ROLE, "execution-role")
    assert role.inputs["name"] == f"ecr-share-{stack}-execution"
    assert json.loads(str(role.inputs["assume_role_policy"])) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EcsTasksAssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": ["sts:AssumeRole"],
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNTS[stack]}},
            }
        ],
    }
    # No AWS managed policy: AmazonECSTaskExecutionRolePolicy grants the ECR reads on "*".
    assert "managed_policy_arns" not in role.inputs
    assert [r.type for r in plan_of(project, stack).provider_resources() if r.type.startswith("aws:iam")] == [
        ROLE,
        ROLE_POLICY,
    ]


def test_dev_role_may_pull_only_the_build_repository_it_runs(project: ProjectPlan) -> None:
    plan = plan_of(project, "dev")
    assert plan.named(ROLE_POLICY, "execution-pull").inputs["role"] == "ecr-share-dev-execution"
    assert role_statements(plan) == [
        {"Sid": "ECRAuth", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Sid": "ECRPull",
            "Effect": "Allow",
            "Action": PULL,
            "Resource": [f"arn:aws:ecr:us-east-1:{SOURCE}:repository/web-app"],
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": ["arn:aws:logs:us-east-1:222222222222:log-group:/ecs/web-app:*"],
        },
    ]


def test_prod_role_pulls_exactly_its_replicas_and_writes_its_own_logs(project: ProjectPlan) -> None:
    assert role_statements(plan_of(project, "prod"))[1:] == [
        {
            "Sid": "ECRPull",
            "Effect": "Allow",
            "Action": PULL,
            "Resource": [
                "arn:aws:ecr:us-east-1:444444444444:repository/web-app",
                "arn:aws:ecr:us-east-1:444444444444:repository/worker",
            ],
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                "arn:aws:logs:us-east-1:444444444444:log-group:/ecs/web-app:*",
                "arn:aws:logs:us-east-1:444444444444:log-group:/ecs/worker:*",
            ],
        },
    ]


def test_prod_task_definitions_run_the_replicas(project: ProjectPlan) -> None:
    plan = plan_of(project, "prod")
    web = plan.named(TASK, "web-app-task")
    assert {k: v for k, v in web.inputs.items() if k != "container_definitions"} == {
        "family": "web-app",
        "network_mode": "awsvpc",
        "requires_compatibilities": ["FARGATE"],
        "cpu": "512",
        "memory": "1024",
        "execution_role_arn": "arn:aws:iam::444444444444:role/ecr-share-prod-execution",
    }
    assert json.loads(str(web.inputs["container_definitions"])) == [
        {
            "name": "app",
            "image": "444444444444.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3",
            "essential": True,
            "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
            "readonlyRootFilesystem": True,
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": "/ecs/web-app",
                    "awslogs-region": "us-east-1",
                    "awslogs-stream-prefix": "app",
                },
            },
        }
    ]
    worker = json.loads(str(plan.named(TASK, "worker-task").inputs["container_definitions"]))
    assert worker[0]["image"] == f"444444444444.dkr.ecr.us-east-1.amazonaws.com/worker@{DIGEST}"
    assert {r.inputs["name"]: r.inputs["retention_in_days"] for r in plan.of_type(LOGS)} == {
        "/ecs/web-app": 90,
        "/ecs/worker": 90,
    }


def test_prod_registry_policy_lets_the_build_account_replicate_only_its_prefixes(
    project: ProjectPlan,
) -> None:
    policy = plan_of(project, "prod").named(REGISTRY_POLICY, "replication-registry-policy")
    assert set(policy.inputs) == {"policy"}  # the provider's Region: prod's own
    assert json.loads(str(policy.inputs["policy"])) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReplicationFrom111111111111",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                "Resource": [
                    "arn:aws:ecr:us-east-1:444444444444:repository/web-app*",
                    "arn:aws:ecr:us-east-1:444444444444:repository/worker*",
                ],
            }
        ],
    }
    # Replication can start once this policy exists: the templates must already be there.
    assert policy.depends_on == ("ecr-share:index:ReplicaRepositorySettings::replication-replicas",)


def test_prod_replicas_grant_no_other_account(project: ProjectPlan) -> None:
    """Least privilege: prod's own role pulls its replicas without a repository policy, so the
    template gives them none; dev and staging cannot reach prod's registry."""
    template = plan_of(project, "prod").named(TEMPLATE, "replication-replicas-ROOT")
    assert template.inputs == {
        "prefix": "ROOT",
        "applied_fors": ["REPLICATION"],
        "image_tag_mutability": "IMMUTABLE",
        "encryption_configurations": [{"encryption_type": "AES256"}],
        # The build stack's lifecycle, read through its outputs: the replicas are compliant too.
        "lifecycle_policy": LIFECYCLE_TEXT,
        "description": "ecr-share: repositories replicated from 111111111111 (us-east-1): no cross-account "
        "pull, immutable tags, AES256, a lifecycle policy",
    }
    assert plan_of(project, "prod").named(SCANNING, "replication-replicas-scanning").inputs == {
        "scan_type": "BASIC",
        "rules": [
            {
                "scan_frequency": "SCAN_ON_PUSH",
                "repository_filters": [
                    {"filter": "web-app*", "filter_type": "WILDCARD"},
                    {"filter": "worker*", "filter_type": "WILDCARD"},
                ],
            }
        ],
    }


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_other_environments_own_no_registry_setting(stack: str, project: ProjectPlan) -> None:
    types = {r.type for r in plan_of(project, stack).provider_resources()}
    assert types == {ROLE, ROLE_POLICY, LOGS, TASK}


def test_prod_outputs(project: ProjectPlan) -> None:
    assert plan_of(project, "prod").exports == {
        "executionRoleArn": "arn:aws:iam::444444444444:role/ecr-share-prod-execution",
        "taskDefinitionArns": {
            "web-app": OutputRef("aws:ecs/taskDefinition:TaskDefinition::web-app-task", "arn"),
            "worker": OutputRef("aws:ecs/taskDefinition:TaskDefinition::worker-task", "arn"),
        },
        "images": {
            "web-app": "444444444444.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3",
            "worker": f"444444444444.dkr.ecr.us-east-1.amazonaws.com/worker@{DIGEST}",
        },
        # The committed stacks run no ECS service (tests/plan/test_environment_ecs_service.py plans one).
        "ecsServices": {},
    }


def test_renamed_children_keep_their_urns(project: ProjectPlan) -> None:
    plan = plan_of(project, "prod")
    assert [a.name for a in plan.named(ROLE, "execution-role").aliases] == ["execution"]
    assert [a.name for a in plan.named(TASK, "web-app-task").aliases] == ["web-app"]
    component = plan.named("ecr-share:index:FargateTaskDefinition", "web-app")
    assert [a.type for a in component.aliases] == ["ecr-share:index:CrossAccountTaskDefinition"]


def big_environment(services: int) -> StackPlan:
    """An environment running one service per repository of a build stack sharing ``services``."""
    names = [repository(n) for n in range(services)]
    configs = {"build": build_config(services, 1), "big": environment_config(account(0), names)}
    return plan_stacks(configs).plans["big"]


def test_past_one_inline_policy_the_role_gets_managed_policies_with_stable_names() -> None:
    plan = big_environment(120)
    role = "aws:iam/role:Role::execution-role"
    policies = plan.of_type(POLICY)
    assert [(p.name, p.inputs["name"], p.parent) for p in policies] == [
        (f"execution-pull-{n}", f"ecr-share-big-execution-pull-{n}", role) for n in range(1, 11)
    ]
    assert [(a.name, a.inputs, a.parent, a.depends_on) for a in plan.of_type(ATTACHMENT)] == [
        (p.name, {"role": "ecr-share-big-execution", "policy_arn": OutputRef(p.key, "arn")}, role, (role,))
        for p in policies
    ]
    inline = json.loads(plan.named(ROLE_POLICY, "execution-pull").inputs["policy"])
    assert inline["Statement"][0]["Sid"] == "ECRAuth"
    assert len(plan.named(ROLE_POLICY, "execution-pull").inputs["policy"]) <= 10_240
    assert all(len(p.inputs["policy"]) <= 6_144 for p in policies)
    assert big_environment(120) == plan  # the same config plans the same resources


def test_more_services_than_the_role_can_hold_are_refused_naming_the_count() -> None:
    with pytest.raises(ProjectError) as caught:
        big_environment(560)
    assert str(caught.value) == (
        'big: ecr-share:services: "560 services pulling 560 repositories" make execution role '
        "permissions of 76536 characters, more than its inline policy (10240 characters) and 10 managed "
        "policies (6144 each) can hold: split the services over more stacks"
    )
