"""``can_lambda_pull``: a container-image Lambda function of another account, and the two pulls AWS
documents for it (Lambda developer guide, configuration-images.html, "Amazon ECR cross-account
permissions"): the role creating the function, and the Lambda service principal on the function's
behalf (aws:SourceArn, aws:SourceAccount)."""

from __future__ import annotations

from typing import Any

from components.repositories.documents import repository_policy
from components.repositories.model import AccountsAccess, LambdaAccount
from components.verify.evaluator import Decision, Principal, can_lambda_pull

OWNER = "111111111111"
FUNCTIONS = "555555555555"
REPO = f"arn:aws:ecr:us-east-1:{OWNER}:repository/web-app"
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}
POLICY = repository_policy(
    AccountsAccess((), lambda_accounts=(LambdaAccount(FUNCTIONS),)), "us-east-1", OWNER
)


def deployer(account: str = FUNCTIONS) -> Principal:
    return Principal(account, f"arn:aws:iam::{account}:role/deployer", identity_policies=(ADMIN,))


def function(region: str = "us-east-1", account: str = FUNCTIONS) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:orders"


def without(sid: str) -> dict[str, Any]:
    return {**POLICY, "Statement": [s for s in POLICY["Statement"] if s["Sid"] != sid]}


def test_both_documented_statements_let_the_function_pull() -> None:
    result = can_lambda_pull(function(), deployer(), REPO, POLICY)
    assert result.decision is Decision.ALLOW
    assert [a for a, _ in result.service] == ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert result.reasons == ()


def test_without_the_service_statement_lambda_cannot_get_the_image() -> None:
    result = can_lambda_pull(function(), deployer(), REPO, without("AllowLambdaPull"))
    assert result.decision is Decision.DENY
    assert all(e.decision is Decision.ALLOW for _, e in result.deployer)
    assert (
        f"the resource policy of {REPO} does not grant lambda.amazonaws.com ecr:BatchGetImage"
        in result.reasons
    )


def test_without_the_account_statement_no_role_there_can_create_the_function() -> None:
    result = can_lambda_pull(function(), deployer(), REPO, without("AllowLambdaAccountPull"))
    assert result.decision is Decision.DENY
    assert all(e.decision is Decision.ALLOW for _, e in result.service)


def test_functions_of_another_region_or_account_are_not_let_in() -> None:
    """Lambda pulls only in the function's own Region; the condition names this Region only."""
    assert can_lambda_pull(function("us-west-2"), deployer(), REPO, POLICY).decision is Decision.DENY
    other = can_lambda_pull(function(account="666666666666"), deployer("666666666666"), REPO, POLICY)
    assert other.decision is Decision.DENY


def test_the_owners_functions_need_only_the_service_statement() -> None:
    own = repository_policy(AccountsAccess((), lambda_accounts=(LambdaAccount(OWNER),)), "us-east-1", OWNER)
    assert [s["Sid"] for s in own["Statement"]] == ["AllowLambdaPull"]
    result = can_lambda_pull(function(account=OWNER), deployer(OWNER), REPO, own)
    assert result.decision is Decision.ALLOW


def test_no_repository_policy_denies_both() -> None:
    result = can_lambda_pull(function(), deployer(), REPO, None)
    assert result.decision is Decision.DENY
    assert all(e.decision is Decision.DENY for _, e in (*result.deployer, *result.service))
