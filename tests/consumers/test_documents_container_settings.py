"""A service's container settings (``readonlyRootFilesystem``, ``writablePaths``, ``user``): the
defaults, the exact container definition and volumes they plan, the preview's warnings, and each
refusal, with the same message from the stack config and from the ``FargateTaskDefinition`` args."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.aws.rules import PULL_ACTIONS as PULL
from components.config.model import EnvironmentStack
from components.config.stack import parse_stack_config
from components.consumers.component import FargateTaskDefinition, PullExecutionRole
from components.consumers.documents import SecretReads, execution_role_policies
from components.consumers.model import ContainerSecret, ContainerSettings
from components.consumers.resources import fargate_task_definition_args
from components.errors import ConfigError
from components.plan.model import StackPlan
from components.plan.project import plan_stacks
from tests.support.committed import committed
from tests.support.ecs_service_variant import prod_with_ecs_services
from tests.support.minimal_stacks import ENVIRONMENT, SERVICE

TASK = "aws:ecs/taskDefinition:TaskDefinition"
ARGS: dict[str, Any] = {
    "family": "web-app",
    "image": "444444444444.dkr.ecr.us-east-1.amazonaws.com/web-app:v1",
    "cpu": 256,
    "memory": 512,
    "container_port": 80,
    "execution_role_arn": "arn:aws:iam::444444444444:role/ecr-share-prod-execution",
    "region": "us-east-1",
    "log_retention_days": 30,
}
# Python arg names of the config keys.
ARG_NAMES = {"readonlyRootFilesystem": "readonly_root_filesystem", "writablePaths": "writable_paths"}


def parsed(**settings: Any) -> ContainerSettings:
    config = parse_stack_config("prod", {**ENVIRONMENT, "ecr-share:services": [{**SERVICE, **settings}]})
    assert isinstance(config, EnvironmentStack)
    return config.services[0].container


def config_refusal(settings: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config("prod", {**ENVIRONMENT, "ecr-share:services": [{**SERVICE, **settings}]})
    return caught.value


def args_refusal(settings: dict[str, Any]) -> ConfigError:
    args = {**ARGS, **{ARG_NAMES.get(k, k): v for k, v in settings.items()}}
    with pytest.raises(ConfigError) as caught:
        FargateTaskDefinition._args.check_schema_args(args)
    return caught.value


def test_the_defaults_are_a_read_only_root_filesystem_and_the_images_user() -> None:
    assert parsed() == ContainerSettings(readonly_root_filesystem=True, writable_paths=(), user=None)
    assert parsed(readonlyRootFilesystem=None, writablePaths=None, user=None) == ContainerSettings()


def test_every_setting() -> None:
    assert parsed(writablePaths=["/tmp", "/var/cache/nginx/"], user="1000:1000") == ContainerSettings(
        readonly_root_filesystem=True, writable_paths=("/tmp", "/var/cache/nginx"), user="1000:1000"
    )
    assert parsed(readonlyRootFilesystem=False, user="app").user == "app"


def test_the_args_take_the_same_settings() -> None:
    checked = fargate_task_definition_args(
        FargateTaskDefinition._args.check_schema_args({**ARGS, "writable_paths": ["/tmp"], "user": "1000"})
    )
    assert (checked["readonly_root_filesystem"], checked["writable_paths"], checked["user"]) == (
        True,
        ["/tmp"],
        "1000",
    )
    assert (
        fargate_task_definition_args(FargateTaskDefinition._args.check_schema_args(ARGS))[
            "readonly_root_filesystem"
        ]
        is True
    )


PATH = "is not an absolute container path (/ then letters, digits and ._@+=,/-, no .. segment, not / itself, at most 255 characters)"
USER = (
    "is not a container user (a UID such as 1000, uid:gid such as 1000:1000, or a user name, each part 1 "
    "to 32 letters, digits and _.-)"
)
ROOT = "is the root user: run the container as a non-root UID (such as 1000) or user name"
REFUSALS = [
    ({"readonlyRootFilesystem": "yes"}, "readonlyRootFilesystem", '"yes" is not a boolean (true or false)'),
    ({"writablePaths": "/tmp"}, "writablePaths", '"/tmp" is not a list'),
    ({"writablePaths": []}, "writablePaths", "[] is empty: give at least one entry"),
    ({"writablePaths": ["tmp"]}, "writablePaths[0]", f'"tmp" {PATH}'),
    ({"writablePaths": ["/tmp", "/app/../etc"]}, "writablePaths[1]", f'"/app/../etc" {PATH}'),
    ({"writablePaths": ["/"]}, "writablePaths[0]", f'"/" {PATH}'),
    ({"writablePaths": ["/a b"]}, "writablePaths[0]", f'"/a b" {PATH}'),
    ({"writablePaths": [7]}, "writablePaths[0]", f"7 {PATH}"),
    ({"writablePaths": ["/tmp", "/tmp/"]}, "writablePaths[1]", '"/tmp" is a duplicate writable path'),
    (
        {"writablePaths": [f"/p{i}" for i in range(11)]},
        "writablePaths",
        '"11 paths" are more than 10 writable paths: mount a common parent directory instead',
    ),
    (
        {"readonlyRootFilesystem": False, "writablePaths": ["/tmp"]},
        "writablePaths",
        '["/tmp"] is set, but readonlyRootFilesystem is false: the whole root filesystem is writable; keep '
        "the root filesystem read-only, or drop writablePaths",
    ),
    ({"user": "root"}, "user", f'"root" {ROOT}'),
    ({"user": "0"}, "user", f'"0" {ROOT}'),
    ({"user": "000"}, "user", f'"000" {ROOT}'),
    ({"user": "0:1000"}, "user", f'"0:1000" {ROOT}'),
    ({"user": "root:app"}, "user", f'"root:app" {ROOT}'),
    ({"user": 1000}, "user", f"1000 {USER}"),
    ({"user": "a:b:c"}, "user", f'"a:b:c" {USER}'),
    ({"user": ""}, "user", f'"" {USER}'),
]


@pytest.mark.parametrize(("settings", "key", "message"), REFUSALS, ids=[r[2][:40] for r in REFUSALS])
def test_each_refusal_has_one_message_from_config_and_args(
    settings: dict[str, Any], key: str, message: str
) -> None:
    from_config = config_refusal(settings)
    assert str(from_config) == f"ecr-share:services[0].{key}: {message}"
    from_args = args_refusal(settings)
    assert str(from_args) == f"{key}: {message}"


@pytest.fixture(scope="module")
def plan() -> StackPlan:
    stacks = committed()
    stacks["prod"] = prod_with_ecs_services()  # worker gets a public IP there
    services = stacks["prod"]["ecr-share:services"]
    services[0].update(writablePaths=["/tmp", "/var/cache/nginx"], user="1000:1000")
    services[1]["readonlyRootFilesystem"] = False
    return plan_stacks(stacks).plans["prod"]


def test_writable_paths_are_task_scoped_volumes_mounted_read_write(plan: StackPlan) -> None:
    web = plan.named(TASK, "web-app-task")
    assert web.inputs["volumes"] == [{"name": "writable-1"}, {"name": "writable-2"}]
    container = json.loads(str(web.inputs["container_definitions"]))[0]
    assert {k: v for k, v in container.items() if k not in ("image", "logConfiguration")} == {
        "name": "app",
        "essential": True,
        "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
        "readonlyRootFilesystem": True,
        "mountPoints": [
            {"sourceVolume": "writable-1", "containerPath": "/tmp", "readOnly": False},
            {"sourceVolume": "writable-2", "containerPath": "/var/cache/nginx", "readOnly": False},
        ],
        "user": "1000:1000",
    }
    assert "privileged" not in container


def test_an_opted_out_service_writes_anywhere_and_has_no_volumes(plan: StackPlan) -> None:
    worker = plan.named(TASK, "worker-task")
    assert "volumes" not in worker.inputs
    container = json.loads(str(worker.inputs["container_definitions"]))[0]
    assert container["readonlyRootFilesystem"] is False
    assert not {"mountPoints", "user", "privileged"} & set(container)


def test_the_preview_warns_naming_the_security_hub_controls(plan: StackPlan) -> None:
    assert plan.warnings == (
        "ecr-share:services[1].readonlyRootFilesystem is false: service worker's container may write "
        "anywhere on its root filesystem, which fails AWS Security Hub control ECS.5 (ECS containers "
        "should be limited to read-only access to root filesystems); give the paths it writes to as "
        "writablePaths instead",
        "ecr-share:services[1].ecsService.assignPublicIp is true: service worker's tasks get public IP "
        "addresses, which fails AWS Security Hub control ECS.2 (ECS services should not have public IP "
        "addresses assigned to them automatically); run them in private subnets that pull through a NAT "
        "gateway or VPC endpoints instead",
        "services worker set no user: their containers run as their image's USER, root if the image "
        "names none; set ecr-share:services[i].user to a non-root UID (1000, 1000:1000) or user name",
    )


def test_the_committed_stacks_are_read_only_and_unprivileged() -> None:
    plans = plan_stacks(committed()).plans
    for plan in plans.values():
        for task in plan.of_type(TASK):
            for container in json.loads(str(task.inputs["container_definitions"])):
                assert container["readonlyRootFilesystem"] is True
                assert "privileged" not in container
                assert "environment" not in container


# --- secrets -------------------------------------------------------------------------------------

ENV_ACCOUNT = "222222222222"  # minimal_stacks.ENVIRONMENT's
SECRET = f"arn:aws:secretsmanager:us-east-1:{ENV_ACCOUNT}:secret:prod/db-password-AbCdEf"
PARAMETER = f"arn:aws:ssm:us-east-1:{ENV_ACCOUNT}:parameter/prod/api/token"
KEY = f"arn:aws:kms:us-east-1:{ENV_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_secrets_parse_with_their_keys() -> None:
    secrets = [
        {"name": "DB_PASSWORD", "valueFrom": SECRET, "kmsKey": KEY},
        {"name": "API_TOKEN", "valueFrom": PARAMETER},
    ]
    assert parsed(secrets=secrets).secrets == (
        ContainerSecret("DB_PASSWORD", SECRET, KEY),
        ContainerSecret("API_TOKEN", PARAMETER, None),
    )


SECRET_ARN_PROBLEM = (
    "is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 "
    "characters>) or an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>)"
)
SECRET_REFUSALS = [
    (
        [{"name": "1X", "valueFrom": SECRET}],
        "secrets[0].name",
        '"1X" is not an environment variable name (a letter or _, then letters, digits or _)',
    ),
    (
        [{"name": "X", "valueFrom": SECRET[:-7]}],
        "secrets[0].valueFrom",
        f'"{SECRET[:-7]}" {SECRET_ARN_PROBLEM}',
    ),
    ([{"name": "X"}], "secrets[0].valueFrom", f"null {SECRET_ARN_PROBLEM}"),
    (
        [{"name": "X", "valueFrom": SECRET.replace("us-east-1", "eu-west-1")}],
        "secrets[0].valueFrom",
        f'"{SECRET.replace("us-east-1", "eu-west-1")}" is in Region eu-west-1, not the task\'s Region us-east-1',
    ),
    (
        [{"name": "X", "valueFrom": PARAMETER.replace("aws:ssm", "aws-cn:ssm")}],
        "secrets[0].valueFrom",
        f'"{PARAMETER.replace("aws:ssm", "aws-cn:ssm")}" is in partition aws-cn, not the task\'s partition aws',
    ),
    (
        [{"name": "X", "valueFrom": SECRET, "kmsKey": "alias/aws/secretsmanager"}],
        "secrets[0].kmsKey",
        '"alias/aws/secretsmanager" is not the ARN of a customer managed KMS key (arn:aws:kms:<region>:<account>:key/<key ID>)',
    ),
    (
        [{"name": "X", "valueFrom": SECRET}, {"name": "X", "valueFrom": PARAMETER}],
        "secrets[1]",
        '"X" is a duplicate secret name',
    ),
    (
        [{"name": "X", "valueFrom": SECRET, "value": "s3cret"}],
        "secrets[0].value",
        '"s3cret" is not a known setting (known: name, valueFrom, kmsKey)',
    ),
]


@pytest.mark.parametrize(
    ("secrets", "key", "message"), SECRET_REFUSALS, ids=[r[1] + r[2][:30] for r in SECRET_REFUSALS]
)
def test_each_secret_refusal_has_one_message_from_config_and_args(
    secrets: Any, key: str, message: str
) -> None:
    assert str(config_refusal({"secrets": secrets})) == f"ecr-share:services[0].{key}: {message}"
    in_python = [
        {{"valueFrom": "value_from", "kmsKey": "kms_key"}.get(k, k): v for k, v in s.items()} for s in secrets
    ]
    region_args = {**ARGS, "execution_role_arn": f"arn:aws:iam::{ENV_ACCOUNT}:role/x"}
    with pytest.raises(ConfigError) as caught:
        FargateTaskDefinition._args.check_schema_args({**region_args, "secrets": in_python})
    assert str(caught.value) == f"{key}: {message}"


def test_a_secret_of_another_account_is_refused() -> None:
    other = SECRET.replace(ENV_ACCOUNT, "999999999999")
    assert str(config_refusal({"secrets": [{"name": "X", "valueFrom": other}]})) == (
        f'ecr-share:services[0].secrets[0].valueFrom: "{other}" is in account 999999999999, not the task\'s '
        f"account {ENV_ACCOUNT}"
    )


@pytest.mark.parametrize(
    ("arg", "value", "message"),
    [
        (
            "secret_arns",
            [PARAMETER],
            f'secretArns[0]: "{PARAMETER}" is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)',
        ),
        ("parameter_arns", [PARAMETER, PARAMETER], f'parameterArns[1]: "{PARAMETER}" is a duplicate ARN'),
        (
            "decrypt_key_arns",
            [KEY.replace(ENV_ACCOUNT, "999999999999")],
            f'decryptKeyArns[0]: "{KEY.replace(ENV_ACCOUNT, "999999999999")}" is in account 999999999999, not the role\'s account {ENV_ACCOUNT}',
        ),
    ],
)
def test_the_role_reads_only_secrets_of_its_own_account(arg: str, value: list[str], message: str) -> None:
    role_args = {
        "role_name": "r",
        "account_id": ENV_ACCOUNT,
        "repository_arns": [f"arn:aws:ecr:us-east-1:{ENV_ACCOUNT}:repository/web-app"],
        "log_group_arns": [],
        arg: value,
    }
    with pytest.raises(ConfigError) as caught:
        PullExecutionRole._args.check_schema_args(role_args)
    assert str(caught.value) == message


PROD_SECRET = SECRET.replace(ENV_ACCOUNT, "444444444444")
PROD_PARAMETER = PARAMETER.replace(ENV_ACCOUNT, "444444444444")
PROD_KEY = KEY.replace(ENV_ACCOUNT, "444444444444")


@pytest.fixture(scope="module")
def secret_plan() -> StackPlan:
    stacks = committed()
    services = stacks["prod"]["ecr-share:services"]
    services[0]["secrets"] = [
        {"name": "DB_PASSWORD", "valueFrom": PROD_SECRET, "kmsKey": PROD_KEY},
        {"name": "API_TOKEN", "valueFrom": PROD_PARAMETER},
    ]
    services[1]["secrets"] = [{"name": "DB_PASSWORD", "valueFrom": PROD_SECRET, "kmsKey": PROD_KEY}]
    return plan_stacks(stacks).plans["prod"]


def test_secrets_are_the_containers_and_the_role_reads_exactly_them(secret_plan: StackPlan) -> None:
    web = json.loads(str(secret_plan.named(TASK, "web-app-task").inputs["container_definitions"]))[0]
    assert web["secrets"] == [
        {"name": "DB_PASSWORD", "valueFrom": PROD_SECRET},
        {"name": "API_TOKEN", "valueFrom": PROD_PARAMETER},
    ]
    assert "environment" not in web
    policy = json.loads(
        str(secret_plan.named("aws:iam/rolePolicy:RolePolicy", "execution-pull").inputs["policy"])
    )
    assert policy["Statement"][3:] == [
        {
            "Sid": "ReadOwnSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [PROD_SECRET],
        },
        {
            "Sid": "ReadOwnParameters",
            "Effect": "Allow",
            "Action": ["ssm:GetParameters"],
            "Resource": [PROD_PARAMETER],
        },
        {"Sid": "DecryptOwnSecrets", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [PROD_KEY]},
    ]
    assert [s["Sid"] for s in policy["Statement"][:3]] == ["ECRAuth", "ECRPull", "WriteOwnLogs"]


def test_no_secrets_no_secret_statements() -> None:
    policy = json.loads(
        str(
            plan_stacks(committed())
            .plans["prod"]
            .named("aws:iam/rolePolicy:RolePolicy", "execution-pull")
            .inputs["policy"]
        )
    )
    assert [s["Sid"] for s in policy["Statement"]] == ["ECRAuth", "ECRPull", "WriteOwnLogs"]


def test_secret_arns_are_packed_with_the_rest_when_one_policy_cannot_hold_them() -> None:
    repositories = [f"arn:aws:ecr:us-east-1:444444444444:repository/service-{i:03}" for i in range(200)]
    secrets = SecretReads(
        secret_arns=tuple(
            f"arn:aws:secretsmanager:us-east-1:444444444444:secret:s{i:03}-AbCdEf" for i in range(100)
        ),
        parameter_arns=(PROD_PARAMETER,),
        key_arns=(PROD_KEY,),
    )
    policies = execution_role_policies(repositories, (), secrets)
    documents = [policies.inline, *(doc for _, doc in policies.managed)]
    assert policies.managed  # past one inline policy
    granted = sorted(
        (action, arn)
        for doc in documents
        for statement in doc["Statement"]
        if statement["Resource"] != "*"
        for action in statement["Action"]
        for arn in statement["Resource"]
    )
    expected = sorted(
        [(a, r) for r in repositories for a in PULL]
        + [("secretsmanager:GetSecretValue", s) for s in secrets.secret_arns]
        + [("ssm:GetParameters", PROD_PARAMETER), ("kms:Decrypt", PROD_KEY)]
    )
    assert granted == expected
