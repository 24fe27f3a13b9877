"""Parsing ``replication``, ``receiveReplication`` and ``pullFrom``: AWS's limits and the filter/template
alignment rule, each rejection naming the key, the value and the expectation."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from components.config.model import BuildStack, EnvironmentStack
from components.config.stack import parse_stack_config
from components.errors import ConfigError
from components.replication.model import (
    ReceiveReplication,
    RegistryScanning,
    ReplicaRegistry,
    ReplicaSettings,
    Replication,
    ReplicationDestination,
    ReplicationRule,
    ScanningRule,
)

BUILD_ACCOUNT = "111111111111"
PROD = "444444444444"
WEST = {"region": "us-west-2", "account": BUILD_ACCOUNT}
TO_PROD = {"region": "us-east-1", "account": PROD}
BUILD: dict[str, Any] = {
    "aws:region": "us-east-1",
    "aws:allowedAccountIds": [BUILD_ACCOUNT],
    "ecr-share:stackKind": "build",
    "ecr-share:repositories": ["web-app", "team-a/api"],
    "ecr-share:access": {"accounts": [PROD]},
}
SERVICE = {
    "name": "api",
    "repository": "team-a/api",
    "imageTag": "v1",
    "cpu": 256,
    "memory": 512,
    "containerPort": 80,
}
PROD_ENV: dict[str, Any] = {
    "aws:region": "us-east-1",
    "aws:allowedAccountIds": [PROD],
    "ecr-share:stackKind": "environment",
    "ecr-share:buildStack": "organization/ecr-share/build",
    "ecr-share:services": [SERVICE],
}


def build_with(replication: Any, **changes: Any) -> dict[str, Any]:
    config = copy.deepcopy(BUILD)
    config["ecr-share:replication"] = replication
    config.update(changes)
    return config


def env_with(**changes: Any) -> dict[str, Any]:
    config = copy.deepcopy(PROD_ENV)
    for name, value in changes.items():
        config[f"ecr-share:{name}"] = value
    return config


def parsed_build(replication: Any) -> BuildStack:
    build = parse_stack_config("build", build_with(replication))
    assert isinstance(build, BuildStack)
    return build


def rejected(config: dict[str, Any], key: str, problem: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config("s", config)
    assert caught.value.key == key, str(caught.value)
    assert re.search(problem, str(caught.value)), str(caught.value)
    assert str(caught.value).startswith(f"{key}: ")
    return caught.value


def test_no_replication_key_means_no_replication() -> None:
    build = parse_stack_config("build", BUILD)
    assert isinstance(build, BuildStack)
    assert build.replication is None


def test_rules_destinations_filters_and_defaults() -> None:
    build = parsed_build(
        {
            "registryScanning": {"scanType": "BASIC", "rules": [{"scanFrequency": "SCAN_ON_PUSH"}]},
            "rules": [
                {"destinations": [WEST], "filters": ["web-app"], "rootTemplate": True},
                {"destinations": [TO_PROD, WEST], "filters": ["team-a/"]},
                {"destinations": [{"region": "eu-west-1", "account": "555555555555"}]},
            ],
        }
    )
    assert build.replication == Replication(
        rules=(
            ReplicationRule((ReplicationDestination("us-west-2", BUILD_ACCOUNT),), ("web-app",), True),
            ReplicationRule(
                (
                    ReplicationDestination("us-east-1", PROD),
                    ReplicationDestination("us-west-2", BUILD_ACCOUNT),
                ),
                ("team-a/",),
                False,
            ),
            ReplicationRule((ReplicationDestination("eu-west-1", "555555555555"),), (), False),
        ),
        registry_scanning=RegistryScanning("BASIC", (ScanningRule("SCAN_ON_PUSH"),)),
        # Decided once, at the parse: each destination merged over the rules that reach it.
        registries=(
            ReplicaRegistry(
                ReplicationDestination("us-west-2", BUILD_ACCOUNT),
                ("team-a/", "web-app"),
                ("ROOT", "team-a"),
                repositories=("web-app", "team-a/api"),
                # The build account's own replica Region: its scanning, the rule's filters resolved.
                scanning=RegistryScanning("BASIC", (ScanningRule("SCAN_ON_PUSH", ("team-a/*", "web-app*")),)),
            ),
            ReplicaRegistry(
                ReplicationDestination("us-east-1", PROD),
                ("team-a/",),
                ("team-a",),
                repositories=("team-a/api",),
            ),
            ReplicaRegistry(
                ReplicationDestination("eu-west-1", "555555555555"),
                (),
                ("ROOT",),
                repositories=("web-app", "team-a/api"),
            ),
        ),
        own_regions=("us-west-2",),
    )


def test_runtime_json_text_parses_like_yaml() -> None:
    import json

    replication = {"rules": [{"destinations": [TO_PROD], "filters": ["team-a/"]}]}
    as_text = build_with(json.dumps(replication))
    assert parse_stack_config("build", as_text) == parsed_build(replication)


def ten_rules(count: int) -> list[dict[str, Any]]:
    return [{"destinations": [TO_PROD], "filters": [f"team-{i}/"]} for i in range(count)]


def destinations(count: int) -> list[dict[str, Any]]:
    return [{"region": "us-east-1", "account": f"{500000000000 + i}"} for i in range(count)]


def test_ten_rules_and_twenty_five_destinations_are_the_limits() -> None:
    assert parsed_build({"rules": ten_rules(10)}).replication is not None
    assert parsed_build({"rules": [{"destinations": destinations(25)}]}).replication is not None


@pytest.mark.parametrize(
    ("replication", "key", "problem"),
    [
        ("everything", "ecr-share:replication", "is not an object"),
        ({"rule": []}, "ecr-share:replication.rule", "is not a known setting"),
        ({}, "ecr-share:replication.rules", "is not a list"),
        ({"rules": []}, "ecr-share:replication.rules", "is empty"),
        (
            {"rules": ten_rules(11)},
            "ecr-share:replication.rules",
            r'"11 rules" are more than ECR\'s 10 rules per registry and Region',
        ),
        (
            {"rules": [{"destinations": destinations(13)}, {"destinations": destinations(26)[13:]}]},
            "ecr-share:replication.rules",
            r'"26 destinations" are more than ECR\'s 25 distinct destinations across all rules',
        ),
        ({"rules": [{"filters": ["a/"]}]}, "ecr-share:replication.rules[0].destinations", "is not a list"),
        (
            {"rules": [{"destinations": [{"region": "us-west-2"}]}]},
            "ecr-share:replication.rules[0].destinations[0].account",
            "is not a 12-digit AWS account ID",
        ),
        (
            {"rules": [{"destinations": [{"region": "uswest2", "account": PROD}]}]},
            "ecr-share:replication.rules[0].destinations[0].region",
            'is not an AWS Region name like "us-east-1"',
        ),
        (
            {"rules": [{"destinations": [{"region": "us-west-2", "account": PROD, "registryId": PROD}]}]},
            "ecr-share:replication.rules[0].destinations[0].registryId",
            "is not a known setting",
        ),
        (
            {"rules": [{"destinations": [{"region": "us-east-1", "account": BUILD_ACCOUNT}]}]},
            "ecr-share:replication.rules[0].destinations[0]",
            "is the source registry itself",
        ),
        (
            {"rules": [{"destinations": [{"region": "cn-north-1", "account": PROD}]}]},
            "ecr-share:replication.rules[0].destinations[0].region",
            "is outside the aws partition of us-east-1: replication does not cross partitions",
        ),
        (
            {"rules": [{"destinations": [TO_PROD, TO_PROD]}]},
            "ecr-share:replication.rules[0].destinations[1]",
            "is a duplicate destination",
        ),
        (
            {"rules": [{"destinations": [TO_PROD], "filters": []}]},
            "ecr-share:replication.rules[0].filters",
            "is empty: leave filters out to replicate every repository",
        ),
        (
            {"rules": [{"destinations": [TO_PROD], "filters": "team-a/"}]},
            "ecr-share:replication.rules[0].filters",
            "is not a list",
        ),
        (
            {"rules": [{"destinations": [TO_PROD], "filters": ["team-a/", "a"]}]},
            "ecr-share:replication.rules[0].filters[1]",
            r"is not a replication filter \(2 to 256 characters\)",
        ),
        (
            {"rules": [{"destinations": [TO_PROD], "filters": ["t" * 255 + "/", "u" * 257]}]},
            "ecr-share:replication.rules[0].filters[1]",
            r"is not a replication filter \(2 to 256 characters\)",
        ),
        (
            {"rules": [{"destinations": [TO_PROD], "filters": ["Team-A/"]}]},
            "ecr-share:replication.rules[0].filters[0]",
            "is not a replication filter: the start of a repository name",
        ),
        (
            {"rules": [{"destinations": [TO_PROD], "filters": ["team-/"]}]},
            "ecr-share:replication.rules[0].filters[0]",
            'ends in "/" but what comes before it is not a namespace a creation template can name',
        ),
        (
            {"rules": [{"destinations": [TO_PROD], "filters": ["team-a/", "team-a/"]}]},
            "ecr-share:replication.rules[0].filters[1]",
            "is a duplicate filter",
        ),
        (
            {"rules": [{"destinations": [TO_PROD], "filters": [f"t{i}/" for i in range(101)]}]},
            "ecr-share:replication.rules[0].filters",
            r"\"101 filters\" are more than ECR's 100 filters per rule",
        ),
        (
            {"rules": [{"destinations": [TO_PROD], "filters": ["team-a/", "web-app"]}]},
            "ecr-share:replication.rules[0].filters[1]",
            r'"web-app" is a string prefix, not a namespace ending in "/": creation-template prefixes are '
            r'namespaces.*Use a namespace filter such as "web-app/", or set '
            r"ecr-share:replication.rules\[0\].rootTemplate: true",
        ),
        (
            {"rules": [{"destinations": [TO_PROD], "filters": ["team-a/"], "rootTemplate": True}]},
            "ecr-share:replication.rules[0].rootTemplate",
            "is not needed: every filter is a namespace",
        ),
        (
            {"rules": [{"destinations": [TO_PROD], "rootTemplate": True}]},
            "ecr-share:replication.rules[0].rootTemplate",
            "is not needed",
        ),
        (
            {"rules": [{"destinations": [TO_PROD], "filters": ["web-app"], "rootTemplate": "yes"}]},
            "ecr-share:replication.rules[0].rootTemplate",
            "is not a boolean",
        ),
        (
            {"rules": [{"destinations": [WEST]}], "scanOnPush": True},
            "ecr-share:replication.scanOnPush",
            "is no longer a setting: it replaced the registry's whole scanning configuration",
        ),
        (
            {
                "rules": [{"destinations": [WEST], "filters": ["web.-"], "rootTemplate": True}],
                "registryScanning": {"scanType": "BASIC", "rules": [{"scanFrequency": "SCAN_ON_PUSH"}]},
            },
            "ecr-share:replication.registryScanning",
            '"web.-\\*" is not a registry scanning filter ECR accepts',
        ),
    ],
)
def test_replication_rejections(replication: Any, key: str, problem: str) -> None:
    rejected(build_with(replication), key, problem)


KMS_KEY = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KMS_REPOSITORIES = ["web-app", {"name": "team-a/api", "encryption": "KMS", "kmsKey": KMS_KEY}]


def test_a_kms_repository_replicates_to_another_account_whose_receiver_brings_a_key() -> None:
    """The receiver must encrypt the replicas with its own key: checked against the build's outputs
    (tests/program/test_replication_program.py); the build stack itself accepts the rule."""
    config = build_with(
        {"rules": [{"destinations": [TO_PROD], "filters": ["team-a/"]}]},
        **{"ecr-share:repositories": KMS_REPOSITORIES},
    )
    build = parse_stack_config("build", config)
    assert isinstance(build, BuildStack)


def test_a_kms_repository_replicated_within_the_build_account_needs_the_stacks_keys() -> None:
    config = build_with(
        {"rules": [{"destinations": [WEST], "filters": ["team-a/"]}]},
        **{"ecr-share:repositories": KMS_REPOSITORIES},
    )
    rejected(
        config,
        "ecr-share:kmsKeys",
        "is not set, but this stack replicates KMS-encrypted repositories to us-west-2: set kmsKeys",
    )
    config["ecr-share:kmsKeys"] = {"create": True}
    assert parse_stack_config("build", config)
    # Outside every filter, the KMS repository needs no key in us-west-2.
    config = build_with(
        {"rules": [{"destinations": [WEST], "filters": ["web-app/"]}]},
        **{"ecr-share:repositories": KMS_REPOSITORIES},
    )
    assert parse_stack_config("build", config)


def test_immutable_repositories_share_the_union_of_their_exclusions_in_the_replicas() -> None:
    """A tag that may move in a source must be able to move in its replica; the IMMUTABLE source
    never pushes a tag twice, so the other's exclusion changes nothing for it."""
    config = build_with(
        {"rules": [{"destinations": [TO_PROD], "filters": ["team-a/"]}]},
        **{
            "ecr-share:repositories": [
                "team-a/api",
                {
                    "name": "team-a/web",
                    "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                    "imageTagMutabilityExclusionFilters": ["latest", "dev-*"],
                },
                {
                    "name": "team-a/jobs",
                    "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                    "imageTagMutabilityExclusionFilters": ["latest", "nightly"],
                },
            ]
        },
    )
    build = parse_stack_config("build", config)
    assert isinstance(build, BuildStack) and build.replication is not None
    (registry,) = build.replication.registries
    assert registry.settings == ReplicaSettings("IMMUTABLE_WITH_EXCLUSION", ("latest", "dev-*", "nightly"))


def test_repositories_whose_replicas_can_share_no_tag_mutability_are_refused() -> None:
    config = build_with(
        {"rules": [{"destinations": [TO_PROD], "filters": ["team-a/"]}]},
        **{"ecr-share:repositories": ["team-a/api", {"name": "team-a/web", "imageTagMutability": "MUTABLE"}]},
    )
    rejected(
        config,
        "ecr-share:replication.rules",
        r'\["team-a/api IMMUTABLE", "team-a/web MUTABLE"\] are replicated to 444444444444 in us-east-1, whose '
        "creation templates give every replica one tag mutability",
    )


def test_repositories_replicated_to_one_registry_must_share_their_lifecycle() -> None:
    config = build_with(
        {"rules": [{"destinations": [TO_PROD], "filters": ["team-a/"]}]},
        **{
            "ecr-share:repositories": [
                "team-a/api",
                {"name": "team-a/web", "lifecycle": {"expireUntaggedAfterDays": 3}},
            ]
        },
    )
    rejected(
        config,
        "ecr-share:replication.rules",
        r'\["team-a/api", "team-a/web"\] are both replicated to 444444444444 in us-east-1 with a different '
        "lifecycle: the creation templates there give every replica one lifecycle policy",
    )


def test_oversized_registry_policy_is_refused_for_the_rule_owner() -> None:
    filters = [f"{'n' * 60}{i:03d}/" for i in range(100)]
    rejected(
        build_with({"rules": [{"destinations": [TO_PROD], "filters": filters}]}),
        "ecr-share:replication.rules",
        "make a registry policy over ECR's limit of 10240",
    )


def test_receive_replication_and_pull_from() -> None:
    environment = parse_stack_config(
        "prod",
        env_with(
            receiveReplication={
                "sourceAccount": BUILD_ACCOUNT,
                "filters": ["team-a/"],
                "registryScanning": {"scanType": "ENHANCED", "rules": [{"scanFrequency": "CONTINUOUS_SCAN"}]},
            },
            pullFrom="replica",
        ),
    )
    assert isinstance(environment, EnvironmentStack)
    # The rule that leaves out its filters scans what the registry receives: resolved by the parse.
    assert environment.receive_replication == ReceiveReplication(
        BUILD_ACCOUNT,
        ("team-a/",),
        False,
        RegistryScanning("ENHANCED", (ScanningRule("CONTINUOUS_SCAN", ("team-a/*",)),)),
        # Rendered and checked by the parse, once: the plan registers it as it is.
        registry_policy=(
            '{"Version":"2012-10-17","Statement":[{"Sid":"ReplicationFrom111111111111","Effect":"Allow",'
            '"Principal":{"AWS":"arn:aws:iam::111111111111:root"},'
            '"Action":["ecr:CreateRepository","ecr:ReplicateImage"],'
            '"Resource":["arn:aws:ecr:us-east-1:444444444444:repository/team-a/*"]}]}'
        ),
    )
    assert environment.pull_from == "replica"


def test_environment_defaults_pull_from_the_build_account() -> None:
    environment = parse_stack_config("prod", PROD_ENV)
    assert isinstance(environment, EnvironmentStack)
    assert environment.pull_from == "build"
    assert environment.receive_replication is None


def test_pull_from_replica_without_receiving_is_checked_at_preview_not_parse() -> None:
    """The replica may be the build account's own, in this Region: only its exports can tell."""
    environment = parse_stack_config("prod", env_with(pullFrom="replica"))
    assert isinstance(environment, EnvironmentStack)
    assert environment.pull_from == "replica"


@pytest.mark.parametrize(
    ("changes", "key", "problem"),
    [
        ({"pullFrom": "mirror"}, "ecr-share:pullFrom", "is not one of build, replica"),
        ({"receiveReplication": ["111111111111"]}, "ecr-share:receiveReplication", "is not an object"),
        (
            {"receiveReplication": {"filters": ["team-a/"]}},
            "ecr-share:receiveReplication.sourceAccount",
            "is missing: set the build account that replicates here",
        ),
        (
            {"receiveReplication": {"sourceAccount": "1111"}},
            "ecr-share:receiveReplication.sourceAccount",
            "is not a 12-digit AWS account ID",
        ),
        (
            {"receiveReplication": {"sourceAccount": PROD}},
            "ecr-share:receiveReplication.sourceAccount",
            "is this stack's own account",
        ),
        (
            {"receiveReplication": {"sourceAccount": BUILD_ACCOUNT, "source": BUILD_ACCOUNT}},
            "ecr-share:receiveReplication.source",
            "is not a known setting",
        ),
        (
            {"receiveReplication": {"sourceAccount": BUILD_ACCOUNT, "filters": ["web-app"]}},
            "ecr-share:receiveReplication.filters[0]",
            "is a string prefix, not a namespace",
        ),
        (
            {"receiveReplication": {"sourceAccount": BUILD_ACCOUNT, "filters": ["x"]}},
            "ecr-share:receiveReplication.filters[0]",
            "is not a replication filter",
        ),
        (
            {"receiveReplication": {"sourceAccount": BUILD_ACCOUNT, "rootTemplate": True}},
            "ecr-share:receiveReplication.rootTemplate",
            "is not needed",
        ),
        (
            {
                "receiveReplication": {"sourceAccount": BUILD_ACCOUNT, "filters": ["web-app/"]},
                "pullFrom": "replica",
            },
            "ecr-share:services[0].repository",
            r'"team-a/api" is not replicated here: no receiveReplication.filters entry is a prefix of it',
        ),
    ],
)
def test_environment_replication_rejections(changes: dict[str, Any], key: str, problem: str) -> None:
    rejected(env_with(**changes), key, problem)


def test_replication_is_not_an_environment_setting_nor_receiving_a_build_setting() -> None:
    rejected(
        env_with(replication={"rules": []}), "ecr-share:replication", "is not a setting of an? environment"
    )
    config = copy.deepcopy(BUILD)
    config["ecr-share:receiveReplication"] = {"sourceAccount": PROD}
    rejected(config, "ecr-share:receiveReplication", "is not a setting of a build stack")


def test_a_receiver_grant_too_long_for_its_templates_is_refused() -> None:
    """The replicas' creation templates carry the grant, within ECR's 10,240 characters too."""
    accounts = [f"{n:012d}" for n in range(200_000_000_000, 200_000_000_000 + 663)]
    receive = {"sourceAccount": BUILD_ACCOUNT, "filters": ["team-a/"], "access": {"accounts": accounts}}
    rejected(
        env_with(receiveReplication=receive),
        "ecr-share:receiveReplication.access.accounts",
        r"\(at most 662 accounts fit\): grant the organization instead",
    )
    receive["access"] = {"accounts": accounts[:662]}
    assert parse_stack_config("s", env_with(receiveReplication=receive))
