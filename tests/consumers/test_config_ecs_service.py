"""``services[i].ecsService``: what parses, the defaults, and every rejection's exact message. Each
bad value is refused while the stack config is parsed, before anything is planned or registered."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from components.config.model import EnvironmentStack
from components.config.stack import parse_stack_config
from components.consumers.model import EcsServiceSpec
from components.errors import ConfigError
from tests.support.minimal_stacks import ENVIRONMENT, SERVICE

ACCOUNT = "444444444444"
KEY = "ecr-share:services[0].ecsService"
SUBNET = "subnet-0a1b2c3d4e5f60718"
SUBNET_SHORT = "subnet-0a1b2c3d"
GROUP = "sg-0c1d2e3f4a5b6c7d8"


def stack(ecs_service: Any, region: str = "us-east-1") -> dict[str, Any]:
    return {
        **ENVIRONMENT,
        "aws:region": region,
        "aws:allowedAccountIds": [ACCOUNT],
        "ecr-share:services": [{**SERVICE, "ecsService": ecs_service}],
    }


def parsed(ecs_service: Any, region: str = "us-east-1") -> EcsServiceSpec | None:
    config = parse_stack_config("prod", stack(ecs_service, region))
    assert isinstance(config, EnvironmentStack)
    return config.services[0].ecs_service


def rejected(ecs_service: Any, region: str = "us-east-1") -> str:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config("prod", stack(ecs_service, region))
    return str(caught.value)


def test_a_minimal_service_takes_the_defaults() -> None:
    assert parsed({"cluster": "prod", "subnets": [SUBNET]}) == EcsServiceSpec(
        cluster="prod", subnets=(SUBNET,), security_groups=(), desired_count=1, assign_public_ip=False
    )


def test_every_setting_and_a_cluster_arn_of_this_account_and_region() -> None:
    assert parsed(
        {
            "cluster": f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/prod_2-a",
            "subnets": [SUBNET, SUBNET_SHORT],
            "securityGroups": [GROUP, "sg-0c1d2e3f"],
            "desiredCount": 0,
            "assignPublicIp": True,
        }
    ) == EcsServiceSpec(
        cluster="prod_2-a",
        subnets=(SUBNET, SUBNET_SHORT),
        security_groups=(GROUP, "sg-0c1d2e3f"),
        desired_count=0,
        assign_public_ip=True,
    )


def test_a_cluster_arn_in_another_partition_region_is_accepted_when_it_is_the_stacks_own() -> None:
    arn = f"arn:aws-cn:ecs:cn-north-1:{ACCOUNT}:cluster/prod"
    spec = parsed({"cluster": arn, "subnets": [SUBNET]}, region="cn-north-1")
    assert spec is not None and spec.cluster == "prod"


def test_no_ecs_service_and_null_mean_none() -> None:
    config = stack(None)
    del config["ecr-share:services"][0]["ecsService"]
    parsed_config = parse_stack_config("prod", config)
    assert isinstance(parsed_config, EnvironmentStack)
    assert parsed_config.services[0].ecs_service is None
    assert parsed(None) is None


def test_json_text_from_the_runtime_parses_like_yaml_values() -> None:
    config = stack({"cluster": "prod", "subnets": [SUBNET], "desiredCount": 3, "assignPublicIp": "true"})
    as_text = {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    assert parse_stack_config("prod", as_text) == parse_stack_config("prod", config)


def test_the_maximum_subnets_security_groups_and_tasks_are_accepted() -> None:
    subnets = [f"subnet-{i:08x}" for i in range(16)]
    groups = [f"sg-{i:017x}" for i in range(5)]
    spec = parsed({"cluster": "prod", "subnets": subnets, "securityGroups": groups, "desiredCount": 5000})
    assert spec is not None
    assert (len(spec.subnets), len(spec.security_groups), spec.desired_count) == (16, 5, 5000)


OK: dict[str, Any] = {"cluster": "prod", "subnets": [SUBNET]}
ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/prod"


def changed(**settings: Any) -> dict[str, Any]:
    value = copy.deepcopy(OK)
    for name, setting in settings.items():
        if setting is None:
            value.pop(name)
        else:
            value[name] = setting
    return value


@pytest.mark.parametrize(
    ("ecs_service", "message"),
    [
        ("prod", f'{KEY}: "prod" is not an object'),
        (
            changed(launchType="EC2"),
            f'{KEY}.launchType: "EC2" is not a known setting '
            "(known: cluster, subnets, securityGroups, desiredCount, assignPublicIp)",
        ),
        (
            changed(cluster=None),
            f"{KEY}.cluster: null is missing: give the existing ECS cluster's name or ARN",
        ),
        (
            changed(cluster="prod cluster"),
            f'{KEY}.cluster: "prod cluster" is not an ECS cluster name (1 to 255 letters, digits, _ or -) '
            "or cluster ARN",
        ),
        (
            changed(cluster="c" * 256),
            f'{KEY}.cluster: "{"c" * 256}" is not an ECS cluster name (1 to 255 letters, digits, _ or -) '
            "or cluster ARN",
        ),
        (
            changed(cluster="prod\u00e9"),
            f'{KEY}.cluster: "prod\\u00e9" is not an ECS cluster name (1 to 255 letters, digits, _ or -) '
            "or cluster ARN",
        ),
        (
            changed(cluster=12),
            f"{KEY}.cluster: 12 is not an ECS cluster name (1 to 255 letters, digits, _ or -) or cluster ARN",
        ),
        (
            changed(cluster=f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/"),
            f'{KEY}.cluster: "arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/" is not an ECS cluster name '
            "(1 to 255 letters, digits, _ or -) or cluster ARN",
        ),
        (
            changed(cluster=f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/prod"),
            f'{KEY}.cluster: "arn:aws:ecs:us-east-1:{ACCOUNT}:service/prod" is not an ECS cluster name '
            "(1 to 255 letters, digits, _ or -) or cluster ARN",
        ),
        (
            changed(cluster=ARN.replace(ACCOUNT, "555555555555")),
            f'{KEY}.cluster: "{ARN.replace(ACCOUNT, "555555555555")}" is a cluster in account 555555555555, '
            f"not this stack's account {ACCOUNT}",
        ),
        (
            changed(cluster=ARN.replace("us-east-1", "us-west-2")),
            f'{KEY}.cluster: "{ARN.replace("us-east-1", "us-west-2")}" is a cluster in Region us-west-2, '
            "not this stack's Region us-east-1",
        ),
        (
            changed(cluster=ARN.replace("arn:aws:", "arn:aws-us-gov:")),
            f'{KEY}.cluster: "{ARN.replace("arn:aws:", "arn:aws-us-gov:")}" is a cluster in partition '
            "aws-us-gov, not this stack's partition aws",
        ),
        (changed(subnets=None), f"{KEY}.subnets: null is missing: give the subnet IDs the tasks run in"),
        (changed(subnets=SUBNET), f'{KEY}.subnets: "{SUBNET}" is not a list'),
        (changed(subnets=[]), f"{KEY}.subnets: [] is empty: give at least one entry"),
        (
            changed(subnets=[SUBNET, "subnet-0A1B2C3D"]),
            f'{KEY}.subnets[1]: "subnet-0A1B2C3D" is not a subnet ID ("subnet-" and 8 or 17 hex digits)',
        ),
        (
            changed(subnets=["subnet-0a1b2c3d4"]),
            f'{KEY}.subnets[0]: "subnet-0a1b2c3d4" is not a subnet ID ("subnet-" and 8 or 17 hex digits)',
        ),
        (
            changed(subnets=[GROUP]),
            f'{KEY}.subnets[0]: "{GROUP}" is not a subnet ID ("subnet-" and 8 or 17 hex digits)',
        ),
        (
            changed(subnets=[None]),
            f'{KEY}.subnets[0]: null is not a subnet ID ("subnet-" and 8 or 17 hex digits)',
        ),
        (
            changed(subnets=[SUBNET, SUBNET_SHORT, SUBNET]),
            f'{KEY}.subnets[2]: "{SUBNET}" is a duplicate subnet ID',
        ),
        (
            changed(subnets=[f"subnet-{i:08x}" for i in range(17)]),
            f"{KEY}.subnets: {json.dumps([f'subnet-{i:08x}' for i in range(17)])} lists 17 subnets; "
            "an ECS service takes at most 16",
        ),
        (changed(securityGroups=GROUP), f'{KEY}.securityGroups: "{GROUP}" is not a list'),
        (changed(securityGroups=[]), f"{KEY}.securityGroups: [] is empty: give at least one entry"),
        (
            changed(securityGroups=[SUBNET]),
            f'{KEY}.securityGroups[0]: "{SUBNET}" is not a security group ID ("sg-" and 8 or 17 hex digits)',
        ),
        (
            changed(securityGroups=[GROUP, GROUP]),
            f'{KEY}.securityGroups[1]: "{GROUP}" is a duplicate security group ID',
        ),
        (
            changed(securityGroups=[f"sg-{i:08x}" for i in range(6)]),
            f"{KEY}.securityGroups: {json.dumps([f'sg-{i:08x}' for i in range(6)])} lists 6 security groups; "
            "an ECS service takes at most 5",
        ),
        (changed(desiredCount="two"), f'{KEY}.desiredCount: "two" is not a whole number'),
        (changed(desiredCount=1.5), f"{KEY}.desiredCount: 1.5 is not a whole number"),
        (changed(desiredCount=True), f"{KEY}.desiredCount: true is not a whole number"),
        (
            changed(desiredCount=-1),
            f"{KEY}.desiredCount: -1 is not a desired count (0 to 5000, ECS's tasks-per-service quota)",
        ),
        (
            changed(desiredCount=5001),
            f"{KEY}.desiredCount: 5001 is not a desired count (0 to 5000, ECS's tasks-per-service quota)",
        ),
        (changed(assignPublicIp="yes"), f'{KEY}.assignPublicIp: "yes" is not a boolean (true or false)'),
        (changed(assignPublicIp=1), f"{KEY}.assignPublicIp: 1 is not a boolean (true or false)"),
    ],
)
def test_each_bad_value_is_refused_naming_its_key(ecs_service: Any, message: str) -> None:
    assert rejected(ecs_service) == message


def test_the_first_mistake_in_key_order_is_reported() -> None:
    assert rejected({"desiredCount": -1, "subnets": [], "cluster": "bad name"}).startswith(f"{KEY}.cluster:")
