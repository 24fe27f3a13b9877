"""A service's container settings (``readonlyRootFilesystem``, ``writablePaths``, ``user``): the
defaults, the exact container definition and volumes they plan, the preview's warnings, and each
refusal, with the same message from the stack config and from the ``FargateTaskDefinition`` args."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ecs_service_variant import prod_with_ecs_services
from minimal_stacks import ENVIRONMENT, SERVICE
from test_project import committed

from components.config.model import EnvironmentStack
from components.config.stack import parse_stack_config
from components.consumers.component import FargateTaskDefinition
from components.consumers.model import ContainerSettings
from components.errors import ConfigError
from components.plan.model import StackPlan
from components.plan.project import plan_stacks

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
    checked = FargateTaskDefinition._args.check_schema_args(
        {**ARGS, "writable_paths": ["/tmp"], "user": "1000"}
    )
    assert (checked["readonly_root_filesystem"], checked["writable_paths"], checked["user"]) == (
        True,
        ["/tmp"],
        "1000",
    )
    assert FargateTaskDefinition._args.check_schema_args(ARGS)["readonly_root_filesystem"] is True


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
