"""The components used from another Python program: each checks its own args (plain dicts, Python
names) before registering anything, with the config checks' rules and messages in Python names, and
the program's own args keep passing unchanged."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi_harness import PROJECT_DIR, ProgramRun, run_program

from components import (
    ArgsError,
    FargateTaskDefinition,
    PullExecutionRole,
    RegistryReplication,
    ReplicaRepositorySettings,
    ReplicationReceiver,
    SharedRepositories,
    image_uri,
)
from components.errors import ConfigError
from components.plan.project import plan_project
from components.plan.register import PlannedComponent

REPOSITORIES = {
    "repositories": [{"name": "web-app"}],
    "access": {"accounts": ["222222222222"]},
    "region": "us-east-1",
    "account_id": "111111111111",
}
ROLE = {
    "role_name": "payments-execution",
    "account_id": "222222222222",
    "repository_arns": ["arn:aws:ecr:us-east-1:111111111111:repository/web-app"],
    "log_group_arns": ["arn:aws:logs:us-east-1:222222222222:log-group:/ecs/payments:*"],
}
TASK = {
    "family": "payments",
    "image": "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3",
    "cpu": 256,
    "memory": 512,
    "container_port": 8080,
    "execution_role_arn": "arn:aws:iam::222222222222:role/payments-execution",
    "region": "us-east-1",
    "log_retention_days": 30,
}
SERVICE = {
    "cluster_arn": "arn:aws:ecs:us-east-1:222222222222:cluster/production",
    "subnets": ["subnet-0123456789abcdef0"],
    "security_groups": [],
    "desired_count": 2,
    "assign_public_ip": False,
}
RECEIVER = {
    "source_account": "111111111111",
    "account_id": "444444444444",
    "region": "us-east-1",
    "filters": ["team-a/"],
    "template_prefixes": ["team-a"],
    "description": "replicas",
}


def refusal(component: type[PlannedComponent], args: Any) -> tuple[str, ProgramRun]:
    run = ProgramRun()
    with pytest.raises(ArgsError) as refused:
        run_program("test", {}, run=run, program=lambda: component("bad", args))
    return str(refused.value), run


REFUSED = [
    (
        SharedRepositories,
        {**REPOSITORIES, "repositories": [{"name": "web-app", "image_tag_mutability": "mutable"}]},
        'SharedRepositories "bad": repositories[0].image_tag_mutability: "mutable" is not one of IMMUTABLE, MUTABLE',
    ),
    (
        SharedRepositories,
        {**REPOSITORIES, "access": {"accounts": ["222222222222"], "organization_id": "o-abc123def4"}},
        'SharedRepositories "bad": access: {"accounts": ["222222222222"], "organization_id": "o-abc123def4"} '
        "must set at most one of accounts (a list of account IDs) or organization_id",
    ),
    (
        SharedRepositories,
        {
            **REPOSITORIES,
            "access": {"organization_id": "o-abc123def4", "organization_paths": ["o-other12345/r-ab12/"]},
        },
        'SharedRepositories "bad": access.organization_paths[0]: "o-other12345/r-ab12/" is not inside the '
        'organization "o-abc123def4"',
    ),
    (
        SharedRepositories,
        {**REPOSITORIES, "access": {"accounts": [f"{n:012d}" for n in range(1, 400)]}},
        'SharedRepositories "bad": access: "399 accounts" make a repository policy of 13370 characters, over '
        "ECR's limit of 10240: grant the organization instead (access.organization_id, optionally "
        "access.organization_paths)",
    ),
    (
        SharedRepositories,
        {**REPOSITORIES, "regoin": "us-east-1"},
        'SharedRepositories "bad": regoin: "us-east-1" is not an arg (repositories, access, region, account_id)',
    ),
    (
        SharedRepositories,
        {k: v for k, v in REPOSITORIES.items() if k != "region"},
        'SharedRepositories "bad": region: null is missing',
    ),
    (
        SharedRepositories,
        {**REPOSITORIES, "region": pulumi.Output.from_input("us-east-1")},
        'SharedRepositories "bad": region: "<Output>" is an Output, known only once deployed: the component '
        "renders its policies and names before deploying, so pass the value itself",
    ),
    (
        SharedRepositories,
        [REPOSITORIES],
        'SharedRepositories "bad": args: "list" is not a dict of args',
    ),
    (
        PullExecutionRole,
        {**ROLE, "repository_arns": ["arn:aws:ecr:us-east-1:111111111111:repository/*"]},
        'PullExecutionRole "bad": repository_arns[0]: "arn:aws:ecr:us-east-1:111111111111:repository/*" is '
        "not an ECR repository ARN (arn:<partition>:ecr:<region>:<account>:repository/<name>)",
    ),
    (
        PullExecutionRole,
        {**ROLE, "log_group_arns": ["arn:aws:logs:us-east-1:222222222222:log-group:/ecs/payments"]},
        'PullExecutionRole "bad": log_group_arns[0]: "arn:aws:logs:us-east-1:222222222222:log-group:/ecs/payments" '
        "is not the ARN of a log group's streams (arn:<partition>:logs:<region>:<account>:log-group:<name>:*)",
    ),
    (
        PullExecutionRole,
        {**ROLE, "log_group_arns": ["arn:aws:logs:us-east-1:333333333333:log-group:/ecs/payments:*"]},
        'PullExecutionRole "bad": log_group_arns[0]: "arn:aws:logs:us-east-1:333333333333:log-group:/ecs/payments:*" '
        "is in account 333333333333, not 222222222222: the awslogs driver writes to log groups of the task's "
        "own account",
    ),
    (
        PullExecutionRole,
        {**ROLE, "role_name": "payments execution"},
        'PullExecutionRole "bad": role_name: "payments execution" is not an IAM role name (1 to 64 of '
        "[A-Za-z0-9_+=,.@-])",
    ),
    (
        FargateTaskDefinition,
        {**TASK, "cpu": 300},
        'FargateTaskDefinition "bad": cpu: 300 is not a Fargate CPU size (256, 512, 1024, 2048, 4096, 8192, 16384)',
    ),
    (
        FargateTaskDefinition,
        {**TASK, "image": "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:"},
        'FargateTaskDefinition "bad": image: "" is not a Docker image tag (a letter, digit or _, then up to 127 '
        "of [A-Za-z0-9_.-])",
    ),
    (
        FargateTaskDefinition,
        {**TASK, "log_retention_days": 10},
        'FargateTaskDefinition "bad": log_retention_days: 10 is not a CloudWatch Logs retention (1, 3, 5, 7, 14, '
        "30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)",
    ),
    (
        FargateTaskDefinition,
        {**TASK, "ecs_service": {**SERVICE, "cluster_arn": "production"}},
        'FargateTaskDefinition "bad": ecs_service.cluster_arn: "production" is not an ECS cluster ARN '
        "(arn:<partition>:ecs:<region>:<account>:cluster/<name>)",
    ),
    (
        FargateTaskDefinition,
        {
            **TASK,
            "ecs_service": {
                **SERVICE,
                "cluster_arn": "arn:aws:ecs:eu-west-1:222222222222:cluster/production",
            },
        },
        'FargateTaskDefinition "bad": ecs_service.cluster_arn: "arn:aws:ecs:eu-west-1:222222222222:cluster/production" '
        "is a cluster in Region eu-west-1, not this stack's Region us-east-1",
    ),
    (
        FargateTaskDefinition,
        {**TASK, "ecs_service": {**SERVICE, "subnets": ["subnet-1"]}},
        'FargateTaskDefinition "bad": ecs_service.subnets[0]: "subnet-1" is not a subnet ID ("subnet-" and 8 or 17 '
        "hex digits)",
    ),
    (
        RegistryReplication,
        {"rules": [{"destinations": [{"region": "us-west-2", "account": "111111111111"}], "filters": []}]},
        'RegistryReplication "bad": rules[0].filters: [] is empty: leave filters out to replicate every repository',
    ),
    (
        RegistryReplication,
        {"rules": [{"destinations": [{"region": "us-west-2", "account": "111111111111"}]}] * 11},
        'RegistryReplication "bad": rules: "11 rules" are more than ECR\'s 10 rules per registry and Region: '
        "merge rules that have the same filters",
    ),
    (
        ReplicaRepositorySettings,
        {"template_prefixes": ["team-a"], "filters": [], "description": "d"},
        'ReplicaRepositorySettings "bad": template_prefixes: ["team-a"] do not include ROOT, but filters is empty: '
        "every repository is replicated, so only ROOT covers them all",
    ),
    (
        ReplicationReceiver,
        {**RECEIVER, "template_prefixes": ["team-b"]},
        'ReplicationReceiver "bad": template_prefixes: ["team-b"] cover no repository the filter "team-a/" '
        "replicates: add its namespace or ROOT, or its replicas keep ECR's defaults (mutable tags, no policy) "
        "for good",
    ),
    (
        ReplicationReceiver,
        {**RECEIVER, "source_account": "444444444444"},
        'ReplicationReceiver "bad": source_account: "444444444444" is account_id itself: replication within one '
        "account needs no registry policy (ReplicaRepositorySettings gives its replicas their settings)",
    ),
    (
        ReplicationReceiver,
        {
            **RECEIVER,
            "registry_scanning": {
                "scan_type": "BASIC",
                "rules": [{"scan_frequency": "CONTINUOUS_SCAN", "filters": ["*"]}],
            },
        },
        'ReplicationReceiver "bad": registry_scanning.rules[0].scan_frequency: "CONTINUOUS_SCAN" is not one of '
        "SCAN_ON_PUSH, MANUAL",
    ),
    (
        ReplicationReceiver,
        {
            **RECEIVER,
            "registry_policy_statements": [
                '{"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": ["ecr:ReplicateImage"], "Resource": ["*"]}'
            ],
        },
        'ReplicationReceiver "bad": registry_policy_statements[0].Principal: "*" is not {"AWS": <account IDs or '
        "IAM ARNs>}: a registry policy names AWS principals only",
    ),
    (
        ReplicationReceiver,
        {**RECEIVER, "repository_policy": "{}"},
        'ReplicationReceiver "bad": repository_policy: "{}" is not a policy document (JSON text with a Statement)',
    ),
]


@pytest.mark.parametrize(("component", "args", "message"), REFUSED)
def test_bad_args_are_refused_in_python_names_before_anything_is_registered(
    component: type[PlannedComponent], args: Any, message: str
) -> None:
    shown, run = refusal(component, args)
    assert shown == message
    assert run.resources == []


def test_a_refusal_is_a_run_error_and_a_config_error() -> None:
    """A RunError: the Pulumi CLI shows a Python program only its message, no traceback."""
    with pytest.raises(ArgsError) as refused:
        run_program("test", {}, program=lambda: SharedRepositories("bad", {**REPOSITORIES, "region": "mars"}))
    assert isinstance(refused.value, pulumi.RunError)
    assert isinstance(refused.value, ConfigError)
    assert (refused.value.key, refused.value.value) == ("region", "mars")


def test_the_programs_own_args_pass_unchanged() -> None:
    """Every component of every committed stack: its planned args are already what the check returns."""
    checked = 0
    for plan in plan_project(PROJECT_DIR).plans.values():
        for resource in plan.resources:
            if resource.is_component:
                component = PlannedComponent._classes[resource.type]
                assert component._args is not None
                assert component._args.checked(resource.name, dict(resource.inputs)) == resource.inputs
                checked += 1
    assert checked >= 10


def test_optional_args_set_to_none_are_unset_and_defaults_are_filled_in() -> None:
    args = {
        "repositories": ({"name": "web-app", "kms_key": None},),
        "access": {"accounts": None, "organization_id": "o-abc123def4"},
        "region": "us-east-1",
        "account_id": "111111111111",
    }
    assert SharedRepositories._args is not None
    assert SharedRepositories._args.checked("shared", args) == {
        "repositories": [
            {
                "name": "web-app",
                "scan_on_push": True,
                "image_tag_mutability": "IMMUTABLE",
                "encryption": "AES256",
            }
        ],
        "access": {"organization_id": "o-abc123def4"},
        "region": "us-east-1",
        "account_id": "111111111111",
    }


def test_a_python_program_gets_image_uris_of_its_repositories() -> None:
    def program() -> None:
        shared = SharedRepositories(
            "shared", {**REPOSITORIES, "repositories": [{"name": "web-app"}, {"name": "worker"}]}
        )
        pulumi.export("tagged", shared.image_uri("web-app", tag="v1.2.3"))
        pulumi.export("pinned", shared.image_uri("worker", digest="sha256:" + "0" * 64))

    exports = run_program("test", {"aws:allowedAccountIds": ["111111111111"]}, program=program).exports
    assert exports == {
        "tagged": "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3",
        "pinned": "111111111111.dkr.ecr.us-east-1.amazonaws.com/worker@sha256:" + "0" * 64,
    }


@pytest.mark.parametrize(
    ("repository", "choice", "message"),
    [
        (
            "api",
            {"tag": "v1"},
            'SharedRepositories "shared".image_uri: repository: "api" is not one of these repositories (web-app)',
        ),
        (
            "web-app",
            {},
            'SharedRepositories "shared".image_uri: image: {"digest": null, "tag": null} must set exactly one of tag or digest',
        ),
        (
            "web-app",
            {"tag": "v1", "digest": "sha256:" + "0" * 64},
            'SharedRepositories "shared".image_uri: image: {"digest": "sha256:'
            + "0" * 64
            + '", "tag": "v1"} must set exactly one of tag or digest',
        ),
        (
            "web-app",
            {"tag": "v 1"},
            'SharedRepositories "shared".image_uri: tag: "v 1" is not a Docker image tag (a letter, digit or _, then up to 127 of [A-Za-z0-9_.-])',
        ),
    ],
)
def test_image_uri_refuses_what_no_task_could_pull(
    repository: str, choice: dict[str, str], message: str
) -> None:
    def program() -> None:
        SharedRepositories("shared", REPOSITORIES).image_uri(repository, **choice)

    with pytest.raises(ArgsError) as refused:
        run_program("test", {}, program=program)
    assert str(refused.value) == message


def test_the_plain_image_uri_is_checked_like_the_services_keys() -> None:
    assert image_uri("111111111111", "eu-west-1", "team-a/api", tag="1.0") == (
        "111111111111.dkr.ecr.eu-west-1.amazonaws.com/team-a/api:1.0"
    )
    with pytest.raises(ArgsError, match=r'^image_uri: registry_id: "1111" is not a 12-digit AWS account ID$'):
        image_uri("1111", "eu-west-1", "team-a/api", tag="1.0")
    with pytest.raises(
        ArgsError, match=r"^image_uri: image: .* makes an image reference over ECS's 255 characters$"
    ):
        image_uri("111111111111", "eu-west-1", "a" * 200, tag="b" * 60)
