"""Condition operators, qualifiers and the organization keys ECR policies use.

Each test's docstring names the AWS rule it checks. IAM = https://docs.aws.amazon.com/IAM/latest/UserGuide/
"""

from __future__ import annotations

from typing import Any

import pytest

from components.verify.evaluator import Decision, Principal, Request, evaluate

OWNER = "111111111111"
CONSUMER = "222222222222"
ORG = "o-abc123def4"
DEV_OU = f"{ORG}/r-ab12/ou-ab12-11111111/"
PROD_OU = f"{ORG}/r-ab12/ou-ab12-22222222/"
REPO = f"arn:aws:ecr:us-east-1:{OWNER}:repository/web-app"
ROLE = f"arn:aws:iam::{CONSUMER}:role/ecs-execution"
ALLOW_ALL_ECR = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}],
}

MEMBER = Principal(CONSUMER, ROLE, ORG, (DEV_OU,), (ALLOW_ALL_ECR,))
OUTSIDER = Principal(CONSUMER, ROLE, None, (), (ALLOW_ALL_ECR,))
OTHER_ORG = Principal(CONSUMER, ROLE, "o-zzzzzzzzzz", ("o-zzzzzzzzzz/r-zz99/",), (ALLOW_ALL_ECR,))


def allow_if(condition: dict[str, Any], effect: str = "Allow") -> dict[str, Any]:
    statement = {"Effect": effect, "Principal": "*", "Action": "ecr:BatchGetImage", "Condition": condition}
    return {"Version": "2012-10-17", "Statement": [statement]}


def decide(principal: Principal, policy: dict[str, Any], context: dict[str, Any] | None = None) -> Decision:
    return evaluate(Request(principal, "ecr:BatchGetImage", REPO, OWNER, policy, context or {})).decision


def test_string_equals_org_id_grants_members_only() -> None:
    """IAM reference_policies_condition-keys.html (aws:PrincipalOrgID) and
    reference_policies_elements_condition_operators.html (StringEquals: exact, case-sensitive; a
    key missing from the request makes the condition false)."""
    policy = allow_if({"StringEquals": {"aws:PrincipalOrgID": ORG}})
    assert decide(MEMBER, policy) is Decision.ALLOW
    assert decide(OTHER_ORG, policy) is Decision.DENY
    assert decide(OUTSIDER, policy) is Decision.DENY
    assert decide(MEMBER, allow_if({"StringEquals": {"aws:PrincipalOrgID": ORG.upper()}})) is Decision.DENY


def test_missing_org_id_is_explained() -> None:
    """IAM reference_policies_condition-keys.html: aws:PrincipalOrgID is in the request context only
    when the principal belongs to an organization."""
    result = evaluate(
        Request(
            OUTSIDER,
            "ecr:BatchGetImage",
            REPO,
            OWNER,
            allow_if({"StringEquals": {"aws:PrincipalOrgID": ORG}}),
        )
    )
    assert any("the request has no aws:PrincipalOrgID" in r for r in result.reasons), result.reasons


def test_values_of_one_key_are_ored_keys_and_operators_are_anded() -> None:
    """IAM reference_policies_condition-logic-multiple-context-keys-or-values.html: values of one
    key are ORed; several keys, and several operators, are ANDed."""
    one_of = allow_if({"StringEquals": {"aws:PrincipalAccount": ["333333333333", CONSUMER]}})
    both = allow_if(
        {"StringEquals": {"aws:PrincipalOrgID": ORG, "aws:PrincipalAccount": "333333333333"}},
    )
    two_operators = allow_if(
        {
            "StringEquals": {"aws:PrincipalOrgID": ORG},
            "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/other"},
        }
    )
    assert decide(MEMBER, one_of) is Decision.ALLOW
    assert decide(MEMBER, both) is Decision.DENY
    assert decide(MEMBER, two_operators) is Decision.DENY


def test_string_not_equals_is_nor_over_values_and_true_when_key_missing() -> None:
    """IAM reference_policies_condition-logic-multiple-context-keys-or-values.html (negated operators
    combine the values with NOR) and reference_policies_elements_condition_operators.html (a negated
    operator is true when the key is missing)."""
    deny_outside = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"},
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "ecr:*",
                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": [ORG, "o-zzzzzzzzzz"]}},
            },
        ],
    }
    assert decide(MEMBER, deny_outside) is Decision.ALLOW
    assert decide(OTHER_ORG, deny_outside) is Decision.ALLOW
    assert decide(OUTSIDER, deny_outside) is Decision.DENY  # no org ID: the negated condition is true


def test_string_like_wildcards_are_case_sensitive() -> None:
    """IAM reference_policies_elements_condition_operators.html (StringLike: case-sensitive, "*" and
    "?" anywhere in the value)."""
    assert decide(MEMBER, allow_if({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ecs-*"}})) is (
        Decision.ALLOW
    )
    assert decide(MEMBER, allow_if({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ECS-*"}})) is (
        Decision.DENY
    )
    assert (
        decide(MEMBER, allow_if({"StringLike": {"aws:PrincipalAccount": "2222222222?2"}})) is Decision.ALLOW
    )


def test_string_not_like() -> None:
    """IAM reference_policies_elements_condition_operators.html (StringNotLike: negated StringLike)."""
    assert (
        decide(MEMBER, allow_if({"StringNotLike": {"aws:PrincipalArn": "*:role/admin*"}})) is Decision.ALLOW
    )
    assert decide(MEMBER, allow_if({"StringNotLike": {"aws:PrincipalArn": "*:role/ecs*"}})) is Decision.DENY


@pytest.mark.parametrize("operator", ["ArnLike", "ArnEquals"])
def test_arn_operators_compare_the_six_segments(operator: str) -> None:
    """IAM reference_policies_elements_condition_operators.html (ARN condition operators: each of the
    six colon-delimited components is checked separately, case-sensitively, with "*" and "?")."""
    assert decide(
        MEMBER, allow_if({operator: {"aws:PrincipalArn": f"arn:*:iam::{CONSUMER}:role/ecs-*"}})
    ) is (Decision.ALLOW)
    assert decide(
        MEMBER, allow_if({operator: {"aws:PrincipalArn": "arn:aws:iam::*:role/ECS-execution"}})
    ) is (Decision.DENY)
    # "*" in the account segment does not reach into the resource segment.
    assert decide(MEMBER, allow_if({operator: {"aws:PrincipalArn": "arn:aws:iam::*"}})) is Decision.UNKNOWN


def test_arn_not_like() -> None:
    """IAM reference_policies_elements_condition_operators.html (ArnNotLike: negated ArnLike)."""
    assert decide(MEMBER, allow_if({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}})) is (
        Decision.ALLOW
    )


@pytest.mark.parametrize(
    ("value", "member", "outsider"),
    [("true", Decision.DENY, Decision.ALLOW), (False, Decision.ALLOW, Decision.DENY)],
)
def test_null_checks_presence(value: Any, member: Decision, outsider: Decision) -> None:
    """IAM reference_policies_elements_condition_operators.html (Null: true means the key is absent,
    false means it is present; JSON booleans read like the strings)."""
    policy = allow_if({"Null": {"aws:PrincipalOrgID": value}})
    assert decide(MEMBER, policy) is member
    assert decide(OUTSIDER, policy) is outsider


def test_if_exists_passes_when_the_key_is_missing() -> None:
    """IAM reference_policies_elements_condition_operators.html (...IfExists: "If the policy key is
    present ... evaluate the condition as specified. If the key is not present, evaluate the
    condition element as true")."""
    policy = allow_if({"StringEqualsIfExists": {"aws:PrincipalOrgID": ORG}})
    assert decide(MEMBER, policy) is Decision.ALLOW
    assert decide(OUTSIDER, policy) is Decision.ALLOW
    assert decide(OTHER_ORG, policy) is Decision.DENY


def test_for_any_value_on_org_paths() -> None:
    """IAM reference_policies_condition-keys.html (aws:PrincipalOrgPaths is multivalued; use
    ForAnyValue) and reference_policies_condition-single-vs-multi-valued-context-keys.html
    (ForAnyValue: true if any request value matches, false when the key is missing)."""
    policy = allow_if({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [PROD_OU + "*", DEV_OU + "*"]}})
    assert decide(MEMBER, policy) is Decision.ALLOW
    assert decide(
        Principal(CONSUMER, ROLE, ORG, (PROD_OU + "ou-ab12-33333333/",), (ALLOW_ALL_ECR,)), policy
    ) is (Decision.ALLOW)
    assert (
        decide(Principal(CONSUMER, ROLE, ORG, (f"{ORG}/r-ab12/",), (ALLOW_ALL_ECR,)), policy) is Decision.DENY
    )
    assert decide(OUTSIDER, policy) is Decision.DENY


def test_for_all_values_is_true_when_the_key_is_missing() -> None:
    """IAM reference_policies_condition-single-vs-multi-valued-context-keys.html (ForAllValues: true if
    every request value matches, and also "if there are no context keys in the request")."""
    policy = allow_if({"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": DEV_OU + "*"}})
    assert decide(MEMBER, policy) is Decision.ALLOW
    two_paths = Principal(CONSUMER, ROLE, ORG, (DEV_OU, PROD_OU), (ALLOW_ALL_ECR,))
    assert decide(two_paths, policy) is Decision.DENY
    assert decide(OUTSIDER, policy) is Decision.ALLOW  # the documented pitfall


def test_plain_operator_on_several_values_is_unknown() -> None:
    """IAM reference_policies_condition-single-vs-multi-valued-context-keys.html: "Multivalued context
    keys require a condition set operator"; a plain operator over several values is not evaluated."""
    two_paths = Principal(CONSUMER, ROLE, ORG, (DEV_OU, PROD_OU), (ALLOW_ALL_ECR,))
    assert decide(two_paths, allow_if({"StringLike": {"aws:PrincipalOrgPaths": DEV_OU}})) is Decision.UNKNOWN


def test_condition_key_names_are_case_insensitive() -> None:
    """IAM reference_policies_elements_condition.html: "Condition key names are not case-sensitive"."""
    assert decide(MEMBER, allow_if({"StringEquals": {"AWS:principalorgid": ORG}})) is Decision.ALLOW


def test_source_arn_and_source_account_come_from_the_request() -> None:
    """IAM reference_policies_condition-keys.html (aws:SourceArn, aws:SourceAccount: present only when
    a service calls on behalf of a resource)."""
    policy = allow_if(
        {
            "ArnLike": {"aws:SourceArn": "arn:aws:ecs:*:222222222222:*"},
            "StringEquals": {"aws:SourceAccount": CONSUMER},
        }
    )
    context = {"aws:SourceArn": "arn:aws:ecs:us-east-1:222222222222:task/x", "aws:SourceAccount": CONSUMER}
    assert decide(MEMBER, policy, context) is Decision.ALLOW
    assert decide(MEMBER, policy) is Decision.DENY


def test_principal_account_key() -> None:
    """IAM reference_policies_condition-keys.html (aws:PrincipalAccount: always in the request context)."""
    assert decide(OUTSIDER, allow_if({"StringEquals": {"aws:PrincipalAccount": CONSUMER}})) is Decision.ALLOW
    assert decide(OUTSIDER, allow_if({"StringEquals": {"aws:PrincipalAccount": OWNER}})) is Decision.DENY


@pytest.mark.parametrize(
    "condition",
    [
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},  # operator not evaluated
        {"StringEquals": {"aws:SourceVpce": "vpce-1"}},  # key not modelled
        {"ForSomeValues:StringEquals": {"aws:PrincipalOrgID": ORG}},  # not a set qualifier
        {"StringEquals": {"aws:PrincipalOrgID": "${aws:PrincipalTag/org}"}},  # policy variable
        {"StringEquals": {"aws:PrincipalOrgID": {"nested": "map"}}},  # not a string value
    ],
)
def test_what_cannot_be_evaluated_is_unknown_never_allowed(condition: dict[str, Any]) -> None:
    """IAM reference_policies_elements_condition_operators.html lists more operators and keys than
    this evaluator models; for those it answers unknown, never allow."""
    result = evaluate(Request(MEMBER, "ecr:BatchGetImage", REPO, OWNER, allow_if(condition)))
    assert result.decision is Decision.UNKNOWN
    assert result.reasons[0].startswith("cannot evaluate:")


def test_unknown_organization_membership_is_unknown_not_denied_or_allowed() -> None:
    """IAM reference_policies_condition-keys.html: aws:PrincipalOrgID depends on the account's
    membership; when the caller does not know it, an org condition can be neither met nor failed."""
    unknown_membership = Principal(
        CONSUMER, ROLE, identity_policies=(ALLOW_ALL_ECR,), organization_known=False
    )
    result = evaluate(
        Request(
            unknown_membership,
            "ecr:BatchGetImage",
            REPO,
            OWNER,
            allow_if({"StringEquals": {"aws:PrincipalOrgID": ORG}}),
        )
    )
    assert result.decision is Decision.UNKNOWN
    assert "aws:PrincipalOrgID is not evaluated" in result.reasons[0]
    # Conditions on keys that are known still decide.
    assert (
        decide(unknown_membership, allow_if({"StringEquals": {"aws:PrincipalAccount": OWNER}}))
        is Decision.DENY
    )
