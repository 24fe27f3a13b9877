"""Whole-stack parsing: the committed files parse, and every cross-value rule rejects clearly."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from components.config.files import list_stacks, load_stack_config
from components.config.model import BuildStack, EnvironmentStack
from components.config.stack import parse_stack_config
from components.errors import ConfigError
from components.repositories.model import AccountsAccess, OrganizationAccess, RepositorySpec
from tests.support.minimal_stacks import BUILD, ENVIRONMENT
from tests.support.pulumi_harness import PROJECT_DIR


def with_(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of a config map with keys replaced, or removed where the new value is None."""
    config = copy.deepcopy(base)
    for name, value in changes.items():
        if value is None:
            config.pop(name, None)
        else:
            config[name] = value
    return config


def rejected(config: dict[str, Any], match: str, stack: str = "s") -> ConfigError:
    with pytest.raises(ConfigError, match=match) as caught:
        parse_stack_config(stack, config)
    return caught.value


def test_committed_stack_files_parse() -> None:
    stacks = list_stacks(PROJECT_DIR)
    assert {"build", "dev", "staging", "prod"} <= set(stacks)
    parsed = {s: parse_stack_config(s, load_stack_config(PROJECT_DIR, s)) for s in stacks}
    build = parsed["build"]
    assert isinstance(build, BuildStack)
    assert build.account_id == "111111111111"
    assert build.access == AccountsAccess(("222222222222", "333333333333", "444444444444"))
    for name, account in [("dev", "222222222222"), ("staging", "333333333333"), ("prod", "444444444444")]:
        environment = parsed[name]
        assert isinstance(environment, EnvironmentStack)
        assert environment.account_id == account
        assert environment.build_stack == "build"


def test_runtime_json_text_parses_like_yaml_values() -> None:
    as_text = {k: v if isinstance(v, str) else json.dumps(v) for k, v in BUILD.items()}
    assert parse_stack_config("build", as_text) == parse_stack_config("build", BUILD)


def test_repository_defaults_and_settings() -> None:
    config = with_(
        BUILD,
        {
            "ecr-share:repositories": [
                "web-app",
                {
                    "name": "team/api",
                    "scanOnPush": False,
                    "imageTagMutability": "MUTABLE",
                    "encryption": "KMS",
                    "kmsKey": "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                },
            ]
        },
    )
    build = parse_stack_config("build", config)
    assert isinstance(build, BuildStack)
    assert build.repositories[0] == RepositorySpec("web-app", True, "IMMUTABLE", "AES256", None)
    assert build.repositories[1].scan_on_push is False
    assert build.repositories[1].encryption_type == "KMS"


def test_organization_access() -> None:
    access = {
        "organizationId": "o-abc123def4",
        "organizationPaths": ["o-abc123def4/r-ab12/ou-ab12-11111111/*"],
    }
    build = parse_stack_config("build", with_(BUILD, {"ecr-share:access": access}))
    assert isinstance(build, BuildStack)
    assert build.access == OrganizationAccess("o-abc123def4", ("o-abc123def4/r-ab12/ou-ab12-11111111/*",))


@pytest.mark.parametrize(
    ("changes", "key", "match"),
    [
        ({"ecr-share:stackKind": "consumer"}, "ecr-share:stackKind", "is not one of build, environment"),
        ({"ecr-share:stackKind": None}, "ecr-share:stackKind", "is not one of build, environment"),
        ({"ecr-share:acess": {}}, "ecr-share:acess", "is not a setting of a build stack"),
        ({"ecr-share:services": []}, "ecr-share:services", "is not a setting of a build stack"),
        ({"aws:region": "mars-1"}, "aws:region", "is not an AWS Region name"),
        ({"aws:allowedAccountIds": None}, "aws:allowedAccountIds", "is missing"),
        ({"aws:allowedAccountIds": ["111111111111", "222222222222"]}, "aws:allowedAccountIds", "exactly one"),
        ({"ecr-share:repositories": None}, "ecr-share:repositories", "is missing"),
        ({"ecr-share:repositories": []}, "ecr-share:repositories", "is empty"),
        ({"ecr-share:repositories": ["Web"]}, "ecr-share:repositories[0]", "is not an ECR repository name"),
        (
            {"ecr-share:repositories": ["a-b", "a-b"]},
            "ecr-share:repositories[1]",
            "duplicate repository name",
        ),
        (
            {"ecr-share:repositories": [{"name": "web", "tagMutability": "MUTABLE"}]},
            "ecr-share:repositories[0].tagMutability",
            "is not a known setting",
        ),
        (
            {"ecr-share:repositories": [{"name": "web", "imageTagMutability": "immutable"}]},
            "ecr-share:repositories[0].imageTagMutability",
            "is not one of IMMUTABLE, MUTABLE",
        ),
        (
            {"ecr-share:repositories": [{"name": "web", "kmsKey": "alias/x"}]},
            "ecr-share:repositories[0].kmsKey",
            'needs encryption: "KMS"',
        ),
        (
            {
                "ecr-share:repositories": [
                    {
                        "name": "web",
                        "encryption": "KMS",
                        "kmsKey": "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                    }
                ]
            },
            "ecr-share:repositories[0].kmsKey",
            "is in Region eu-west-1, but the repositories are in us-east-1",
        ),
        ({"ecr-share:access": None}, "ecr-share:access", "is missing"),
        ({"ecr-share:access": {}}, "ecr-share:access", "grants nobody: set accounts"),
        (
            {"ecr-share:access": {"accounts": ["222222222222"], "organizationId": "o-abc123def4"}},
            "ecr-share:access",
            "at most one of accounts",
        ),
        ({"ecr-share:access": {"accounts": ["2222"]}}, "ecr-share:access.accounts[0]", "12-digit"),
        (
            {"ecr-share:access": {"accounts": ["222222222222", "222222222222"]}},
            "ecr-share:access.accounts[1]",
            "duplicate account",
        ),
        (
            {"ecr-share:access": {"accounts": ["222222222222", "111111111111"]}},
            "ecr-share:access.accounts[1]",
            "is the build account itself",
        ),
        (
            {"ecr-share:access": {"accounts": ["222222222222"], "organizationPaths": []}},
            "ecr-share:access.organizationPaths",
            "needs organizationId",
        ),
        (
            {"ecr-share:access": {"organizationId": "o-1"}},
            "ecr-share:access.organizationId",
            "Organizations ID",
        ),
        (
            {"ecr-share:access": {"organizationId": "o-abc123def4", "organizationPaths": ["o-zzz999zzz9/*"]}},
            "ecr-share:access.organizationPaths[0]",
            "is not inside the organization",
        ),
    ],
)
def test_build_stack_rejections(changes: dict[str, Any], key: str, match: str) -> None:
    assert rejected(with_(BUILD, changes), match).key == key


def test_more_accounts_than_the_compact_form_holds_points_to_organization_mode() -> None:
    accounts = [f"{n:012d}" for n in range(200_000_000_000, 200_000_000_000 + 663)]
    error = rejected(with_(BUILD, {"ecr-share:access": {"accounts": accounts}}), "over ECR's limit of 10240")
    assert str(error) == (
        'ecr-share:access.accounts: "663 accounts" make a repository policy of 10251 characters even in '
        "its compact form, over ECR's limit of 10240 (at most 662 accounts fit): grant the organization "
        "instead (access.organizationId, optionally access.organizationPaths)"
    )


@pytest.mark.parametrize("count", [250, 400, 662])
def test_accounts_that_fit_the_policy_limit_are_accepted(count: int) -> None:
    accounts = [f"{n:012d}" for n in range(200_000_000_000, 200_000_000_000 + count)]
    assert parse_stack_config("build", with_(BUILD, {"ecr-share:access": {"accounts": accounts}}))


def service(**changes: Any) -> dict[str, Any]:
    entry = copy.deepcopy(ENVIRONMENT["ecr-share:services"][0])
    for name, value in changes.items():
        if value is None:
            entry.pop(name)
        else:
            entry[name] = value
    return entry


@pytest.mark.parametrize(
    ("changes", "key", "match"),
    [
        (
            {"ecr-share:repositories": ["a"]},
            "ecr-share:repositories",
            "is not a setting of a environment stack",
        ),
        ({"ecr-share:buildStack": "ecr-share/build"}, "ecr-share:buildStack", "is not a stack name"),
        (
            {"ecr-share:buildStack": "organization/ecr-share/s"},
            "ecr-share:buildStack",
            "names this stack itself",
        ),
        ({"ecr-share:buildStack": "s"}, "ecr-share:buildStack", "names this stack itself"),
        ({"ecr-share:services": None}, "ecr-share:services", "is missing"),
        ({"ecr-share:services": [service(name="web app")]}, "ecr-share:services[0].name", "task family name"),
        ({"ecr-share:services": [service(), service()]}, "ecr-share:services[1]", "duplicate service name"),
        (
            {"ecr-share:services": [service(imageDigest="sha256:" + "a" * 64)]},
            "ecr-share:services[0]",
            "exactly one of imageTag or imageDigest",
        ),
        (
            {"ecr-share:services": [service(imageTag=None)]},
            "ecr-share:services[0]",
            "exactly one of imageTag",
        ),
        (
            {"ecr-share:services": [service(imageTag="-bad")]},
            "ecr-share:services[0].imageTag",
            "Docker image tag",
        ),
        (
            {"ecr-share:services": [service(imageTag=None, imageDigest="sha256:xyz")]},
            "ecr-share:services[0].imageDigest",
            "is not an image digest",
        ),
        ({"ecr-share:services": [service(cpu=300)]}, "ecr-share:services[0].cpu", "Fargate CPU size"),
        ({"ecr-share:services": [service(memory=4096)]}, "ecr-share:services[0].memory", "for cpu 256"),
        (
            {"ecr-share:services": [service(containerPort=0)]},
            "ecr-share:services[0].containerPort",
            "TCP port",
        ),
        (
            {"ecr-share:services": [service(repository="Web")]},
            "ecr-share:services[0].repository",
            "repository name",
        ),
        (
            {"ecr-share:services": [service(image="x")]},
            "ecr-share:services[0].image",
            "is not a known setting",
        ),
        ({"ecr-share:organizationPath": "o-abc123def4"}, "ecr-share:organizationPath", "organization path"),
        ({"ecr-share:logRetentionDays": 10}, "ecr-share:logRetentionDays", "CloudWatch Logs retention"),
    ],
)
def test_environment_stack_rejections(changes: dict[str, Any], key: str, match: str) -> None:
    assert rejected(with_(ENVIRONMENT, changes), match).key == key


def test_environment_repositories_are_the_unique_sorted_set_its_services_use() -> None:
    services = [
        service(name="b", repository="zeta"),
        service(name="a", repository="alpha"),
        service(name="c", repository="zeta"),
    ]
    environment = parse_stack_config("s", with_(ENVIRONMENT, {"ecr-share:services": services}))
    assert isinstance(environment, EnvironmentStack)
    assert environment.repositories == ("alpha", "zeta")
    assert environment.log_retention_days == 30


def test_deploy_after_names_other_stacks_and_changes_nothing_deployed() -> None:
    config = parse_stack_config("prod", with_(ENVIRONMENT, {"ecr-share:deployAfter": ["staging", "qa-1"]}))
    assert isinstance(config, EnvironmentStack)
    assert config.deploy_after == ("staging", "qa-1")
    # As the engine hands it over (JSON text), too.
    engine = with_(ENVIRONMENT, {"ecr-share:deployAfter": json.dumps(["staging"])})
    assert parse_stack_config("prod", engine).deploy_after == ("staging",)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("staging", 'ecr-share:deployAfter: "staging" is not a list'),
        ([], "ecr-share:deployAfter: \\[\\] is empty: give at least one entry"),
        (["staging", "staging"], 'ecr-share:deployAfter\\[1\\]: "staging" is a duplicate stack name'),
        (
            ["organization/ecr-share/staging"],
            'ecr-share:deployAfter\\[0\\]: "organization/ecr-share/staging" is not a stack name \\(like "staging"\\)',
        ),
        ([3], "ecr-share:deployAfter\\[0\\]: 3 is not a stack name"),
        (["prod"], 'ecr-share:deployAfter\\[0\\]: "prod" is this stack itself'),
    ],
)
def test_a_bad_deploy_after_is_refused(value: Any, message: str) -> None:
    rejected(with_(ENVIRONMENT, {"ecr-share:deployAfter": value}), f"^{message}", stack="prod")
