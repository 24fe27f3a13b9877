"""The build stack's ``access.roles`` and ``access.lambdaAccounts`` and the environment's
``pullRoles``: what they parse to, and every value refused before anything is registered, each
message naming the key, the value and what is expected."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.config.model import BuildStack, EnvironmentStack
from components.config.stack import parse_stack_config
from components.consumers.model import ExistingRole
from components.errors import ConfigError
from components.repositories.model import AccountsAccess, LambdaAccount, OrganizationAccess
from tests.support.minimal_stacks import BUILD as MINIMAL_BUILD
from tests.support.minimal_stacks import ENVIRONMENT

BUILD: dict[str, Any] = {
    **MINIMAL_BUILD,
    "ecr-share:replication": {
        "rules": [{"destinations": [{"region": "us-west-2", "account": "111111111111"}]}]
    },
}
CI = "arn:aws:iam::555555555555:role/ci/integration-tests"


def build_with(access: dict[str, Any], **changes: Any) -> dict[str, Any]:
    config = copy.deepcopy(BUILD)
    config["ecr-share:access"] = access
    config.update({f"ecr-share:{k}": v for k, v in changes.items()})
    return config


def environment_with(pull_roles: Any) -> dict[str, Any]:
    return {**copy.deepcopy(ENVIRONMENT), "ecr-share:pullRoles": pull_roles}


def parsed_build(config: dict[str, Any]) -> BuildStack:
    parsed = parse_stack_config("build", config)
    assert isinstance(parsed, BuildStack)
    return parsed


def rejected(config: dict[str, Any], key: str, match: str, stack: str = "dev") -> None:
    with pytest.raises(ConfigError, match=match) as caught:
        parse_stack_config(stack, config)
    assert caught.value.key == key


def test_roles_and_lambda_accounts_parse_beside_accounts() -> None:
    access = parsed_build(
        build_with(
            {
                "accounts": ["222222222222"],
                "roles": [CI],
                "lambdaAccounts": [
                    {"account": "555555555555", "deployers": [CI]},
                    {"account": "666666666666", "region": "us-west-2"},
                ],
            }
        )
    ).access
    assert access == AccountsAccess(
        ("222222222222",),
        roles=(CI,),
        lambda_accounts=(
            LambdaAccount("555555555555", deployers=(CI,)),
            LambdaAccount("666666666666", "us-west-2"),
        ),
    )


DEV_EXECUTION = "arn:aws:iam::222222222222:role/ecr-share-dev-execution"


def test_a_lambda_grant_gives_nothing_to_the_roles_that_roles_leaves_out() -> None:
    """Issue 19: roles narrows 222222222222 to dev's execution role; AWS's statement for the identities
    that create its Lambda functions names the account root, so every role of 222222222222 could
    pull. Refused, unless deployers name the roles that create the functions."""
    access = {"accounts": ["333333333333"], "roles": [DEV_EXECUTION], "lambdaAccounts": ["222222222222"]}
    with pytest.raises(ConfigError) as caught:
        parse_stack_config("build", build_with(access))
    assert str(caught.value) == (
        'ecr-share:access.lambdaAccounts[0]: "222222222222" would let every principal of account '
        "222222222222 get the images: AWS's statement for the identities that create the account's Lambda "
        "functions names its root (statement 'AllowLambdaAccountPull': ecr:BatchGetImage and "
        "ecr:GetDownloadUrlForLayer), while ecr-share:access.roles grants only some of its roles. List the "
        "roles that create its functions in ecr-share:access.lambdaAccounts[0].deployers (the statement then "
        "names only them), or grant the account whole"
    )
    # In one Region only, it is refused as well: the us-west-2 replicas carry the same grant.
    access["lambdaAccounts"] = [{"account": "222222222222", "region": "us-west-2"}]
    rejected(build_with(access), "ecr-share:access.lambdaAccounts[0]", "would let every principal", "build")
    access["lambdaAccounts"] = [{"account": "222222222222", "deployers": [DEV_EXECUTION]}]
    assert parsed_build(build_with(access)).access.lambda_accounts == (
        LambdaAccount("222222222222", deployers=(DEV_EXECUTION,)),
    )


def test_roles_alone_and_lambda_accounts_alone_are_grants() -> None:
    assert parsed_build(build_with({"roles": [CI]})).access == AccountsAccess((), roles=(CI,))
    # The build account's own functions need the service statement: it may be listed.
    assert parsed_build(build_with({"lambdaAccounts": ["111111111111"]})).access == AccountsAccess(
        (), lambda_accounts=(LambdaAccount("111111111111"),)
    )


def test_narrow_grants_go_with_an_organization_too() -> None:
    access = parsed_build(build_with({"organizationId": "o-abc123def4", "roles": [CI]})).access
    assert access == OrganizationAccess("o-abc123def4", roles=(CI,))


def test_a_lambda_region_may_be_the_build_region_or_an_own_replica_region() -> None:
    for region in ("us-east-1", "us-west-2"):
        config = build_with({"lambdaAccounts": [{"account": "555555555555", "region": region}]})
        assert parsed_build(config).access.lambda_accounts == (LambdaAccount("555555555555", region),)


@pytest.mark.parametrize(
    ("access", "changes", "key", "match"),
    [
        ({"roles": []}, {}, "ecr-share:access.roles", "is empty"),
        ({"roles": "arn:aws:iam::555555555555:role/ci"}, {}, "ecr-share:access.roles", "is not a list"),
        ({"roles": ["ci"]}, {}, "ecr-share:access.roles[0]", "is not an IAM role ARN"),
        (
            {"roles": ["arn:aws:iam::555555555555:user/ci"]},
            {},
            "ecr-share:access.roles[0]",
            "is not an IAM role ARN",
        ),
        (
            {"roles": ["arn:aws:sts::555555555555:assumed-role/ci/session"]},
            {},
            "ecr-share:access.roles[0]",
            "is not an IAM role ARN",
        ),
        (
            {"roles": ["arn:aws:iam::555555555555:role/ci-*"]},
            {},
            "ecr-share:access.roles[0]",
            "ends in no IAM role name",
        ),
        (
            {"roles": ["arn:aws:iam::555555555555:role/*/ci"]},
            {},
            "ecr-share:access.roles[0]",
            "no valid IAM role path",
        ),
        ({"roles": ["arn:aws:iam::5555:role/ci"]}, {}, "ecr-share:access.roles[0]", 'names account "5555"'),
        (
            {"roles": ["arn:awz:iam::555555555555:role/ci"]},
            {},
            "ecr-share:access.roles[0]",
            "names partition",
        ),
        ({"roles": [CI, CI]}, {}, "ecr-share:access.roles[1]", "duplicate role ARN"),
        (
            {"roles": ["arn:aws-cn:iam::555555555555:role/ci"]},
            {},
            "ecr-share:access.roles[0]",
            "is in partition aws-cn, but us-east-1 is in aws",
        ),
        (
            {"roles": ["arn:aws:iam::111111111111:role/ci"]},
            {},
            "ecr-share:access.roles[0]",
            "is a role of the build account itself",
        ),
        (
            {"accounts": ["222222222222"], "roles": ["arn:aws:iam::222222222222:role/ci"]},
            {},
            "ecr-share:access.roles[0]",
            "which ecr-share:access.accounts grants whole already",
        ),
        ({"lambdaAccounts": ["5555"]}, {}, "ecr-share:access.lambdaAccounts[0]", "12-digit"),
        (
            {"lambdaAccounts": [{"region": "us-east-1"}]},
            {},
            "ecr-share:access.lambdaAccounts[0].account",
            "is missing",
        ),
        (
            {"lambdaAccounts": [{"account": "555555555555", "regions": ["us-east-1"]}]},
            {},
            "ecr-share:access.lambdaAccounts[0].regions",
            "is not a known setting",
        ),
        (
            {"lambdaAccounts": [{"account": "555555555555", "region": "mars-1"}]},
            {},
            "ecr-share:access.lambdaAccounts[0].region",
            "is not an AWS Region name",
        ),
        (
            {"lambdaAccounts": ["555555555555", {"account": "555555555555", "region": "us-west-2"}]},
            {},
            "ecr-share:access.lambdaAccounts[1]",
            "grants the functions of account 555555555555 again",
        ),
        (
            {"lambdaAccounts": [{"account": "555555555555", "region": "us-west-2"}] * 2},
            {},
            "ecr-share:access.lambdaAccounts[1]",
            "again",
        ),
        # Lambda pulls only from a repository in the function's own Region.
        (
            {"lambdaAccounts": [{"account": "555555555555", "region": "eu-west-1"}]},
            {},
            "ecr-share:access.lambdaAccounts[0].region",
            "holds none of this stack's images \\(repositories in us-east-1 and replicas in us-west-2\\): "
            "Lambda pulls a function's image only from a repository in the function's own Region",
        ),
        (
            {"lambdaAccounts": [{"account": "555555555555", "region": "us-west-2"}]},
            {"replication": None},
            "ecr-share:access.lambdaAccounts[0].region",
            "holds none of this stack's images \\(repositories in us-east-1\\)",
        ),
        (
            {"lambdaAccounts": [{"account": "555555555555", "region": "cn-north-1"}]},
            {},
            "ecr-share:access.lambdaAccounts[0].region",
            "holds none of this stack's images",
        ),
        (
            {
                "lambdaAccounts": [
                    {"account": "555555555555", "deployers": ["arn:aws:iam::666666666666:role/ci"]}
                ]
            },
            {},
            "ecr-share:access.lambdaAccounts[0].deployers[0]",
            "is a role of account 666666666666, not of 555555555555: the deployers are the roles that "
            "create the account's own functions",
        ),
        (
            {"lambdaAccounts": [{"account": "555555555555", "deployers": []}]},
            {},
            "ecr-share:access.lambdaAccounts[0].deployers",
            "is empty",
        ),
        (
            {"lambdaAccounts": [{"account": "555555555555", "deployers": [CI, CI]}]},
            {},
            "ecr-share:access.lambdaAccounts[0].deployers[1]",
            "duplicate role ARN",
        ),
        (
            {"lambdaAccounts": [{"account": "555555555555", "deployers": ["arn:aws:iam::555555555555:ci"]}]},
            {},
            "ecr-share:access.lambdaAccounts[0].deployers[0]",
            "is not an IAM role ARN",
        ),
        (
            {
                "lambdaAccounts": [
                    {"account": "555555555555", "deployers": ["arn:aws-cn:iam::555555555555:role/ci"]}
                ]
            },
            {},
            "ecr-share:access.lambdaAccounts[0].deployers[0]",
            "is in partition aws-cn, not aws",
        ),
        (
            {
                "accounts": ["222222222222"],
                "lambdaAccounts": [
                    {"account": "222222222222", "deployers": ["arn:aws:iam::222222222222:role/ci"]}
                ],
            },
            {},
            "ecr-share:access.lambdaAccounts[0].deployers",
            "narrow nothing: account 222222222222 is granted whole by ecr-share:access.accounts: its deployers "
            "pull already. Remove deployers",
        ),
        (
            {
                "lambdaAccounts": [
                    {"account": "111111111111", "deployers": ["arn:aws:iam::111111111111:role/ci"]}
                ]
            },
            {},
            "ecr-share:access.lambdaAccounts[0].deployers",
            "narrow nothing: account 111111111111 is the build account itself",
        ),
        (
            {"roles": [CI], "organizationPaths": ["o-abc123def4/*"]},
            {},
            "ecr-share:access.organizationPaths",
            "needs organizationId",
        ),
    ],
)
def test_narrow_grant_rejections(
    access: dict[str, Any], changes: dict[str, Any], key: str, match: str
) -> None:
    config = build_with(access)
    for name, value in changes.items():
        if value is None:
            del config[f"ecr-share:{name}"]
    rejected(config, key, match, stack="build")


def test_a_policy_too_large_for_ecr_is_refused_naming_the_region() -> None:
    roles = [f"arn:aws:iam::{n:012d}:role/{'r' * 60}" for n in range(300_000_000_000, 300_000_000_130)]
    rejected(
        build_with({"roles": roles}),
        "ecr-share:access",
        "repository policy of .* characters in us-east-1",
        "build",
    )


def test_a_receiving_registry_takes_no_roles_or_lambda_accounts() -> None:
    config = {
        **copy.deepcopy(ENVIRONMENT),
        "ecr-share:receiveReplication": {
            "sourceAccount": "111111111111",
            "access": {"accounts": ["333333333333"], "lambdaAccounts": ["333333333333"]},
        },
    }
    rejected(config, "ecr-share:receiveReplication.access.lambdaAccounts", "is not a known setting")


def test_pull_roles_by_name_or_arn() -> None:
    parsed = parse_stack_config(
        "dev",
        environment_with(["eks-node-role", "arn:aws:iam::222222222222:role/service-role/codebuild-tests"]),
    )
    assert isinstance(parsed, EnvironmentStack)
    assert parsed.pull_roles == (
        ExistingRole("eks-node-role", "arn:aws:iam::222222222222:role/eks-node-role"),
        ExistingRole("codebuild-tests", "arn:aws:iam::222222222222:role/service-role/codebuild-tests"),
    )


def test_pull_roles_follow_the_stacks_partition() -> None:
    config = environment_with(["nodes"])
    config["aws:region"] = "cn-north-1"
    parsed = parse_stack_config("dev", config)
    assert isinstance(parsed, EnvironmentStack)
    assert parsed.pull_roles[0].arn == "arn:aws-cn:iam::222222222222:role/nodes"


@pytest.mark.parametrize(
    ("pull_roles", "key", "match"),
    [
        ([], "ecr-share:pullRoles", "is empty"),
        ("eks-node-role", "ecr-share:pullRoles", "is not a list"),
        (["eks node role"], "ecr-share:pullRoles[0]", "is not an IAM role name"),
        ([12], "ecr-share:pullRoles[0]", "is not an IAM role name"),
        (["r" * 65], "ecr-share:pullRoles[0]", "is not an IAM role name"),
        (
            ["arn:aws:iam::333333333333:role/nodes"],
            "ecr-share:pullRoles[0]",
            "is a role in account 333333333333, not this stack's account 222222222222",
        ),
        (
            ["arn:aws-cn:iam::222222222222:role/nodes"],
            "ecr-share:pullRoles[0]",
            "is a role in partition aws-cn, not this stack's partition aws",
        ),
        (
            ["arn:aws:iam::222222222222:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS"],
            "ecr-share:pullRoles[0]",
            "is a service-linked role",
        ),
        (
            ["nodes", "arn:aws:iam::222222222222:role/eks/Nodes"],
            "ecr-share:pullRoles[1]",
            "names the role of entry 0 again",
        ),
        (["ecr-share-dev-execution"], "ecr-share:pullRoles[0]", "is this stack's own execution role"),
    ],
)
def test_pull_roles_rejections(pull_roles: Any, key: str, match: str) -> None:
    rejected(environment_with(pull_roles), key, match)
