"""The IAM grammar the pack reads: documents in every shape the engine may send, actions with
wildcards and NotAction, principals, and which conditions restrict ``Principal: "*"``. Where the
project's own IAM evaluator (components/verify/evaluator) can decide the same question, the two agree."""

from __future__ import annotations

from typing import Any

import pytest
from ecr_security.aws import PULL_ACTIONS, WRITE_ACTIONS
from ecr_security.documents import (
    NotADocument,
    Statement,
    allowed_actions,
    parse,
    principals,
    restricting_conditions,
    statements,
)

from components.verify.evaluator import Decision, Principal, Request, evaluate

ORG = "o-abc123def4"


def statement(**body: Any) -> Statement:
    return Statement({"Effect": "Allow", **body}, "statement 1")


@pytest.mark.parametrize("value", [None, ""])
def test_no_document(value: Any) -> None:
    assert parse(value) is None


def test_a_document_as_text_or_object() -> None:
    text = '{"Statement": {"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}}'
    assert statements(parse(text) or {}) == statements(
        parse({"Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}) or {}
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [("{", "is not JSON"), ('{"Version": "2012-10-17"}', "has no Statement"), ("[]", "has no Statement")],
)
def test_what_is_not_a_document(value: str, problem: str) -> None:
    with pytest.raises(NotADocument, match=problem):
        parse(value)


@pytest.mark.parametrize(
    ("body", "granted"),
    [
        ({"Action": "ecr:*"}, list(PULL_ACTIONS)),
        ({"Action": "*"}, list(PULL_ACTIONS)),
        ({"Action": ["ECR:batchgetimage"]}, ["ecr:BatchGetImage"]),
        ({"Action": "ecr:Batch*"}, ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage"]),
        ({"Action": "ecr:GetAuthorizationToken"}, []),
        (
            {"NotAction": "ecr:BatchGetImage"},
            ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer"],
        ),
        ({"Action": "ecr:*", "Effect": "Deny"}, []),
    ],
)
def test_allowed_actions(body: dict[str, Any], granted: list[str]) -> None:
    assert allowed_actions(statement(**body), PULL_ACTIONS) == granted


def test_replication_actions_are_not_writes() -> None:
    assert (
        allowed_actions(statement(Action=["ecr:CreateRepository", "ecr:ReplicateImage"]), WRITE_ACTIONS) == []
    )


@pytest.mark.parametrize(
    ("principal", "everyone", "accounts", "unresolved"),
    [
        ("*", True, set(), ()),
        ({"AWS": "*"}, True, set(), ()),
        (
            {"AWS": ["111111111111", "arn:aws:iam::222222222222:role/ci"]},
            False,
            {"111111111111", "222222222222"},
            (),
        ),
        ({"AWS": "AROAEXAMPLEID"}, False, set(), ("AROAEXAMPLEID",)),
        ({"Service": "lambda.amazonaws.com"}, False, set(), ()),
    ],
)
def test_principals(principal: Any, everyone: bool, accounts: set[str], unresolved: tuple[str, ...]) -> None:
    named = principals(statement(Principal=principal, Action="ecr:BatchGetImage"))
    assert (named.everyone, set(named.accounts), named.unresolved) == (everyone, accounts, unresolved)


def test_not_principal_is_everyone_else() -> None:
    assert principals(statement(NotPrincipal={"AWS": "111111111111"}, Action="ecr:*")).everyone


RESTRICTING = [
    {"StringEquals": {"aws:PrincipalOrgID": ORG}},
    {"StringEquals": {"AWS:principalorgid": [ORG]}},
    {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [f"{ORG}/r-ab12/ou-ab12-11111111/*"]}},
    {"StringEquals": {"aws:PrincipalAccount": ["111111111111", "222222222222"]}},
    {"StringEquals": {"aws:SourceAccount": "111111111111"}},
    {"ArnLike": {"aws:SourceArn": "arn:aws:lambda:us-east-1:111111111111:function:*"}},
]
NOT_RESTRICTING = [
    None,
    {"StringLike": {"aws:PrincipalOrgID": "*"}},
    {"StringEquals": {"aws:PrincipalOrgID": [ORG, "*"]}},
    {"StringNotEquals": {"aws:PrincipalOrgID": ORG}},
    {"StringEqualsIfExists": {"aws:PrincipalOrgID": ORG}},
    {"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": [f"{ORG}/r-ab12/"]}},
    {"StringLike": {"aws:PrincipalAccount": "1111*"}},
    {"ArnLike": {"aws:SourceArn": "arn:aws:lambda:us-east-1:*:function:*"}},
    {"Bool": {"aws:SecureTransport": "true"}},
]


@pytest.mark.parametrize("condition", RESTRICTING)
def test_conditions_that_restrict(condition: dict[str, Any]) -> None:
    assert restricting_conditions(statement(Principal="*", Action="ecr:BatchGetImage", Condition=condition))


@pytest.mark.parametrize("condition", NOT_RESTRICTING)
def test_conditions_that_do_not_restrict(condition: dict[str, Any] | None) -> None:
    body = {"Principal": "*", "Action": "ecr:BatchGetImage"} | ({"Condition": condition} if condition else {})
    assert restricting_conditions(statement(**body)) == []


@pytest.mark.parametrize("condition", RESTRICTING)
def test_the_evaluator_agrees_a_restricted_statement_does_not_let_a_stranger_pull(
    condition: dict[str, Any],
) -> None:
    # A role in an account nobody named, in another organization: the IAM evaluator never allows it.
    stranger = Principal(
        "999999999999",
        "arn:aws:iam::999999999999:role/stranger",
        organization_id="o-zzzzzzzzzz",
        identity_policies=(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]},
        ),
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage", "Condition": condition}
        ],
    }
    repository = "arn:aws:ecr:us-east-1:111111111111:repository/web-app"
    decision = evaluate(Request(stranger, "ecr:BatchGetImage", repository, "111111111111", policy)).decision
    assert decision is not Decision.ALLOW


def test_the_evaluator_agrees_an_unrestricted_statement_lets_a_stranger_pull() -> None:
    stranger = Principal(
        "999999999999",
        "arn:aws:iam::999999999999:role/stranger",
        identity_policies=(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]},
        ),
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}],
    }
    repository = "arn:aws:ecr:us-east-1:111111111111:repository/web-app"
    assert (
        evaluate(Request(stranger, "ecr:BatchGetImage", repository, "111111111111", policy)).decision
        is Decision.ALLOW
    )
