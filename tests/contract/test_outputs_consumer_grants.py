"""The narrower grants crossing the stack boundary: the build stack's ``access`` output carries its
``roles`` and ``lambdaAccounts``; an environment reads them back checked, and refuses a tampered or
malformed value naming the output."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from components.config.stack import parse_stack_config
from components.contract.outputs import build_exports, read_build_outputs
from components.errors import ConfigError
from components.repositories.model import AccountsAccess, LambdaAccount
from tests.support.consumer_grants_variant import CI_ROLE, example_config

STACK = "organization/ecr-share/build"
WHERE = f"ecr-share:buildStack {STACK}, output"


def outputs() -> dict[str, Any]:
    return build_exports(parse_stack_config("build", example_config("build")))  # type: ignore[arg-type]


def test_the_narrow_grants_read_back_intact() -> None:
    assert read_build_outputs(STACK, outputs()).access == AccountsAccess(
        ("222222222222", "333333333333", "444444444444"),
        roles=(CI_ROLE,),
        # The deployers too, since contract 4: the output is the grant as configured.
        lambda_accounts=(
            LambdaAccount("555555555555", deployers=(CI_ROLE,)),
            LambdaAccount("666666666666", "us-west-2"),
        ),
    )


def test_roles_alone_read_back() -> None:
    value = outputs()
    del value["access"]["accounts"]
    assert read_build_outputs(STACK, value).access.roles == (CI_ROLE,)


@pytest.mark.parametrize(
    ("path", "value", "where", "problem"),
    [
        # Read back by the grant's own parser (contract 3 had its own checks; where their wording
        # differs, the same value and expectation are named).
        (("roles",), "arn", "access.roles", "is not a list"),
        (("roles",), [CI_ROLE, CI_ROLE], "access.roles[1]", "is a duplicate role ARN"),
        (("roles",), ["arn:aws:iam::555555555555:user/ci"], "access.roles[0]", "is not an IAM role ARN"),
        (
            ("roles",),
            ["arn:aws-cn:iam::555555555555:role/ci"],
            "access.roles[0]",
            "is in partition aws-cn, but us-east-1 is in aws",
        ),
        (("lambdaAccounts",), {}, "access.lambdaAccounts", "is not a list"),
        (("lambdaAccounts",), [["555555555555"]], "access.lambdaAccounts[0]", "is not a 12-digit"),
        (
            ("lambdaAccounts",),
            [{"account": "555555555555", "regions": "us-east-1"}],
            "access.lambdaAccounts[0].regions",
            "is not a known setting (known: account, region, deployers)",
        ),
        (("lambdaAccounts",), [{"account": "5555"}], "access.lambdaAccounts[0].account", "12-digit"),
        (
            ("lambdaAccounts",),
            [{"account": "555555555555", "region": "moon-1"}],
            "access.lambdaAccounts[0].region",
            "is not an AWS Region name",
        ),
        (
            ("lambdaAccounts",),
            [{"account": "555555555555"}, {"account": "555555555555"}],
            "access.lambdaAccounts[1]",
            "grants the functions of account 555555555555 again",
        ),
    ],
)
def test_each_bad_narrow_grant_is_refused_naming_it(
    path: tuple[str, ...], value: Any, where: str, problem: str
) -> None:
    tampered = outputs()
    tampered["access"][path[0]] = copy.deepcopy(value)
    with pytest.raises(ConfigError, match=f"^{re.escape(f'{WHERE} {where}: ')}.*{re.escape(problem)}"):
        read_build_outputs(STACK, tampered)


def test_an_output_of_the_previous_contract_is_refused() -> None:
    """Contract 3 wrote the grant in its own shape (``mode``, the narrow grants always listed)."""
    older = outputs()
    older["contractVersion"] = 3
    older["access"] = {
        "mode": "accounts",
        "accounts": older["access"]["accounts"],
        "roles": [],
        "lambdaAccounts": [],
    }
    with pytest.raises(ConfigError, match="output contractVersion: 3 is not 4, the contract this version"):
        read_build_outputs(STACK, older)
