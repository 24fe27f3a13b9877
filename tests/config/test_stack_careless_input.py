"""Input as a careless user or an attacker writes it: every class of bad value found on main is refused
before anything is registered, with the key, the value and what is expected (issue 11)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.aws import names, rules
from components.config.stack import parse_stack_config
from components.errors import ConfigError
from components.plan.project import ProjectError, plan_stacks
from tests.support.committed import committed


def refused(stack: str, config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(stack, config)
    assert str(caught.value) == message


def test_an_empty_organization_path_list_is_refused_not_a_whole_organization_grant() -> None:
    config = committed()["build"]
    config["ecr-share:access"] = {"organizationId": "o-abc123def4", "organizationPaths": []}
    refused(
        "build",
        config,
        "ecr-share:access.organizationPaths: [] is empty: list the OU paths to grant, or leave the key out to "
        "grant the whole organization",
    )


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        # Fullwidth and other scripts' digits match \d; AWS accepts ASCII digits only.
        (
            ("ecr-share:access", "accounts", 0),
            "\uff12" * 12,  # FULLWIDTH DIGIT TWO
            'ecr-share:access.accounts[0]: "\\uff12\\uff12\\uff12\\uff12\\uff12\\uff12\\uff12\\uff12\\uff12\\uff12'
            '\\uff12\\uff12" is not a 12-digit AWS account ID',
        ),
        (
            ("aws:allowedAccountIds", 0),
            "\u0661" * 12,  # ARABIC-INDIC DIGIT ONE
            'aws:allowedAccountIds[0]: "\\u0661\\u0661\\u0661\\u0661\\u0661\\u0661\\u0661\\u0661\\u0661\\u0661'
            '\\u0661\\u0661" is not a 12-digit AWS account ID',
        ),
    ],
)
def test_non_ascii_digits_are_not_account_ids(path: tuple[Any, ...], value: str, message: str) -> None:
    config = committed()["build"]
    target: Any = config
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    refused("build", config, message)


@pytest.mark.parametrize(
    "number", ["\uff15\uff11\uff12", "5\u00b2", "\u0665\u0661\u0662"]
)  # fullwidth, superscript, Arabic-Indic
def test_non_ascii_digits_are_not_numbers(number: str) -> None:
    config = committed()["dev"]
    config["ecr-share:services"][0]["cpu"] = number
    with pytest.raises(ConfigError, match=r"^ecr-share:services\[0\].cpu: .* is not a whole number$"):
        parse_stack_config("dev", config)


def test_a_key_with_no_value_is_refused_where_it_has_no_default() -> None:
    config = committed()["dev"]
    config["ecr-share:services"][0]["imageTag"] = None  # `imageTag:` with nothing after it
    refused("dev", config, "ecr-share:services[0].imageTag: null is empty: give it a value")


def test_a_key_with_no_value_takes_its_default_where_it_has_one() -> None:
    config = committed()["build"]
    config["ecr-share:repositories"][1]["scanOnPush"] = None
    config["ecr-share:replication"]["rules"][0]["rootTemplate"] = True
    build = parse_stack_config("build", config)
    assert build.repositories[1].scan_on_push is True
    environment = committed()["dev"]
    environment["ecr-share:logRetentionDays"] = None
    assert parse_stack_config("dev", environment).log_retention_days == 30  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("region", "partition", "host"),
    [
        ("us-east-1", "aws", "amazonaws.com"),
        ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
        ("us-iso-east-1", "aws-iso", "c2s.ic.gov"),
        ("us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov"),
        ("eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk"),
        ("us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov"),
        ("eusc-de-east-1", "aws-eusc", "amazonaws.eu"),
    ],
)
def test_every_partition_gets_its_own_arns_and_registry_host(region: str, partition: str, host: str) -> None:
    assert rules.partition_for(region) == partition
    assert (
        names.repository_arn(region, "111111111111", "web")
        == f"arn:{partition}:ecr:{region}:111111111111:repository/web"
    )
    assert names.registry_host(region, "111111111111") == f"111111111111.dkr.ecr.{region}.{host}"


@pytest.mark.parametrize("region", ["us-east-\uff11", "mars-east-1", "us-east", "US-EAST-1", "us-iso-east"])
def test_names_no_partition_has_are_not_regions(region: str) -> None:
    config = committed()["build"]
    config["aws:region"] = region
    with pytest.raises(ConfigError, match=r'^aws:region: .* is not an AWS Region name like "us-east-1"$'):
        parse_stack_config("build", config)


def test_a_consumer_in_another_partition_than_the_build_stack_is_refused() -> None:
    stacks = committed()
    stacks["staging"]["aws:region"] = "us-gov-west-1"
    with pytest.raises(
        ProjectError,
        match=r'Pulumi.staging.yaml: aws:region: "us-gov-west-1" is in partition aws-us-gov, but the build stack '
        r"build is in aws \(us-east-1\): an account cannot pull images from another partition",
    ):
        plan_stacks(stacks, lambda name: f"Pulumi.{name}.yaml")


def test_a_stack_name_too_long_for_the_execution_role_is_refused() -> None:
    stack = "a-very-long-environment-name-for-the-eu-team-1"
    refused(
        stack,
        committed()["dev"],
        f'stack name: "{stack}" makes the execution role name "ecr-share-{stack}-execution" (66 characters), but '
        "IAM role names are 1 to 64 of A-Z, a-z, 0-9 and +=,.@_-: use a stack name of at most 44 such characters",
    )


def test_execution_role_permissions_past_every_policy_are_refused_before_anything_with_the_right_count() -> (
    None
):
    """Past the inline policy the statements are split over managed policies (issue 14); past all of
    them the stack is refused, naming the services and repositories that make it so."""
    stacks = committed()
    repositories = [f"service-{n:03d}-with-a-long-repository-name-for-the-policy" for n in range(560)]
    stacks["build"]["ecr-share:repositories"] = [*stacks["build"]["ecr-share:repositories"], *repositories]
    stacks["dev"]["ecr-share:services"] = [
        {**stacks["dev"]["ecr-share:services"][0], "name": f"svc-{n:03d}", "repository": name}
        for n, name in enumerate(repositories)
    ]
    with pytest.raises(ProjectError) as caught:
        plan_stacks(stacks)
    message = str(caught.value)
    assert (
        'dev: ecr-share:services: "560 services pulling 560 repositories" make execution role permissions of'
        in message
    )
    assert "split the services over more stacks" in message


@pytest.mark.parametrize(
    "key",
    [
        "alias/aws/ecr",
        "alias/team-a/images",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "mrk-0123456789abcdef0123456789abcdef",
        "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:us-east-1:111111111111:alias/team-a-images",
    ],
)
def test_every_kms_key_form_ecr_accepts_is_accepted(key: str) -> None:
    config = committed()["build"]
    config["ecr-share:repositories"] = [{"name": "sealed", "encryption": "KMS", "kmsKey": key}]
    config.pop("ecr-share:replication")
    assert parse_stack_config("build", config).repositories[0].kms_key == key  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "key", ["my key", "alias/", "key/1234", "arn:aws:kms:us-east-1:111111111111:key/not-a-uuid"]
)
def test_any_other_kms_key_string_is_refused(key: str) -> None:
    config = committed()["build"]
    config["ecr-share:repositories"] = [{"name": "sealed", "encryption": "KMS", "kmsKey": key}]
    config.pop("ecr-share:replication")
    with pytest.raises(ConfigError, match=r"^ecr-share:repositories\[0\].kmsKey: .* is not a KMS key ID"):
        parse_stack_config("build", config)


def test_an_environment_in_the_build_account_needs_no_grant() -> None:
    stacks = committed()
    tools = copy.deepcopy(stacks["dev"])
    tools["aws:allowedAccountIds"] = ["111111111111"]  # the build account: its roles need no grant
    tools["ecr-share:services"][0]["name"] = "tools"
    stacks["tools"] = tools
    plan = plan_stacks(stacks).plans["tools"]
    assert plan.exports["images"] == {"tools": "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3"}
