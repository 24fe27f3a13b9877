"""Evaluation logic: explicit and implicit deny, same-account union, cross-account intersection.

Each test's docstring names the AWS rule it checks. IAM = https://docs.aws.amazon.com/IAM/latest/UserGuide/
"""

from __future__ import annotations

from typing import Any

from components.verify.evaluator import Decision, Principal, Request, evaluate

OWNER = "111111111111"
CONSUMER = "222222222222"
REPO = f"arn:aws:ecr:us-east-1:{OWNER}:repository/web-app"
ROLE = f"arn:aws:iam::{CONSUMER}:role/ecs-execution"
SAME_ACCOUNT_ROLE = f"arn:aws:iam::{OWNER}:role/builder"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


IDENTITY_PULL = doc({"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": REPO})
REPO_GRANTS_CONSUMER = doc(
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CONSUMER}:root"}, "Action": "ecr:BatchGetImage"}
)


def request(
    identity: tuple[dict[str, Any], ...] = (),
    resource_policy: dict[str, Any] | None = None,
    *,
    arn: str = ROLE,
    account: str = CONSUMER,
    action: str = "ecr:BatchGetImage",
) -> Request:
    return Request(Principal(account, arn, identity_policies=identity), action, REPO, OWNER, resource_policy)


def test_cross_account_identity_policy_alone_is_not_enough() -> None:
    """IAM reference_policies_evaluation-logic-cross-account.html: "To allow cross-account access, you
    attach a resource-based policy ... You must also attach an identity-based policy"."""
    result = evaluate(request((IDENTITY_PULL,), None))
    assert result.decision is Decision.DENY
    assert result.identity_allows is True and result.resource_allows is False
    assert any("has no resource policy" in r for r in result.reasons)


def test_cross_account_resource_policy_alone_is_not_enough() -> None:
    """IAM reference_policies_evaluation-logic-cross-account.html: the principal's identity-based
    policy must also allow the access."""
    result = evaluate(request((), REPO_GRANTS_CONSUMER))
    assert result.decision is Decision.DENY
    assert result.reasons[0] == f"no identity policy of {ROLE} allows ecr:BatchGetImage on {REPO}"


def test_cross_account_both_sides_allow() -> None:
    """IAM reference_policies_evaluation-logic-cross-account.html: an Allow on both sides is sufficient."""
    assert evaluate(request((IDENTITY_PULL,), REPO_GRANTS_CONSUMER)).decision is Decision.ALLOW


def test_cross_account_repository_policy_naming_another_account_denies_with_reason() -> None:
    """IAM reference_policies_evaluation-logic-cross-account.html: the resource-based policy must
    specify the principal of the trusted account."""
    other = doc({"Effect": "Allow", "Principal": {"AWS": "333333333333"}, "Action": "ecr:BatchGetImage"})
    result = evaluate(request((IDENTITY_PULL,), other))
    assert result.decision is Decision.DENY
    assert f"the resource policy of {REPO} does not grant {ROLE} (account {CONSUMER}) ecr:BatchGetImage" in (
        result.reasons
    )


def test_same_account_identity_policy_alone_allows() -> None:
    """IAM reference_policies_evaluation-logic_policy-eval-basics.html: "If either the identity-based
    policy or the resource-based policy within the same account allows the request and the other
    doesn't, the request is still allowed." (ECR user guide repository-policies.html says the same.)"""
    result = evaluate(request((IDENTITY_PULL,), None, arn=SAME_ACCOUNT_ROLE, account=OWNER))
    assert result.decision is Decision.ALLOW


def test_same_account_resource_policy_naming_the_role_alone_allows() -> None:
    """IAM reference_policies_evaluation-logic_policy-eval-basics.html: within one account either
    policy type is enough, here the repository policy naming the role."""
    names_role = doc(
        {"Effect": "Allow", "Principal": {"AWS": SAME_ACCOUNT_ROLE}, "Action": "ecr:BatchGetImage"}
    )
    result = evaluate(request((), names_role, arn=SAME_ACCOUNT_ROLE, account=OWNER))
    assert result.decision is Decision.ALLOW


def test_same_account_resource_policy_naming_only_the_account_needs_an_identity_allow() -> None:
    """IAM reference_policies_elements_principal.html (AWS account principals): an account principal
    "delegates authority to the account"; "an administrator in that account must then grant access
    to an identity". So naming the account is not a grant to its roles on its own."""
    names_account = doc({"Effect": "Allow", "Principal": {"AWS": OWNER}, "Action": "ecr:BatchGetImage"})
    alone = evaluate(request((), names_account, arn=SAME_ACCOUNT_ROLE, account=OWNER))
    with_identity = evaluate(request((IDENTITY_PULL,), names_account, arn=SAME_ACCOUNT_ROLE, account=OWNER))
    assert alone.decision is Decision.DENY
    assert with_identity.decision is Decision.ALLOW


def test_no_policy_means_implicit_deny() -> None:
    """IAM reference_policies_evaluation-logic_policy-eval-denyallow.html: "By default, all requests
    are implicitly denied"."""
    result = evaluate(request())
    assert result.decision is Decision.DENY
    assert not any(r.startswith("explicit Deny") for r in result.reasons)


def test_explicit_deny_in_identity_policy_overrides_allows() -> None:
    """IAM reference_policies_evaluation-logic_policy-eval-denyallow.html: "An explicit deny
    overrides an explicit allow", in any policy."""
    deny = doc({"Sid": "NoPull", "Effect": "Deny", "Action": "ecr:*", "Resource": "*"})
    result = evaluate(request((IDENTITY_PULL, deny), REPO_GRANTS_CONSUMER))
    assert result.decision is Decision.DENY
    assert result.reasons == ("explicit Deny: identity policy 2 statement 'NoPull'",)


def test_explicit_deny_in_resource_policy_overrides_allows() -> None:
    """IAM reference_policies_evaluation-logic_policy-eval-denyallow.html: an explicit deny in the
    resource-based policy also overrides every allow."""
    policy = doc(
        REPO_GRANTS_CONSUMER["Statement"][0],
        {"Sid": "Block", "Effect": "Deny", "Principal": {"AWS": ROLE}, "Action": "ecr:BatchGetImage"},
    )
    result = evaluate(request((IDENTITY_PULL,), policy))
    assert result.decision is Decision.DENY
    assert result.reasons == ("explicit Deny: resource policy statement 'Block'",)


def test_deny_on_the_account_principal_applies_to_its_roles() -> None:
    """IAM reference_policies_elements_principal.html: an account principal stands for the account,
    so a Deny naming it applies to every principal of that account."""
    policy = doc(
        REPO_GRANTS_CONSUMER["Statement"][0],
        {"Effect": "Deny", "Principal": {"AWS": CONSUMER}, "Action": "ecr:*"},
    )
    assert evaluate(request((IDENTITY_PULL,), policy)).decision is Decision.DENY


def test_a_deny_that_cannot_be_evaluated_is_never_read_as_allow() -> None:
    """IAM reference_policies_evaluation-logic_policy-eval-denyallow.html: a matching Deny wins, so
    when it cannot be decided whether the Deny matches, the answer is unknown, not allow."""
    deny = doc(
        {
            "Effect": "Deny",
            "Action": "ecr:*",
            "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        }
    )
    result = evaluate(request((IDENTITY_PULL, deny), REPO_GRANTS_CONSUMER))
    assert result.decision is Decision.UNKNOWN
    assert "IpAddress" in result.reasons[0]


def test_an_undecidable_deny_does_not_matter_when_nothing_allows() -> None:
    """IAM reference_policies_evaluation-logic_policy-eval-denyallow.html: without an Allow the
    request is implicitly denied, whatever the Deny statements say."""
    deny = doc(
        {"Effect": "Deny", "Action": "ecr:*", "Resource": "*", "Condition": {"Bool": {"aws:X": "true"}}}
    )
    assert evaluate(request((deny,), None)).decision is Decision.DENY


def test_an_undecidable_allow_is_unknown_but_a_decided_allow_still_wins() -> None:
    """IAM reference_policies_evaluation-logic_policy-eval-denyallow.html: one applicable Allow is
    enough, so an undecidable Allow matters only when no other Allow applies."""
    vague = doc(
        {
            "Effect": "Allow",
            "Action": "ecr:*",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "x"}},
        }
    )
    assert evaluate(request((vague,), REPO_GRANTS_CONSUMER)).decision is Decision.UNKNOWN
    assert evaluate(request((vague, IDENTITY_PULL), REPO_GRANTS_CONSUMER)).decision is Decision.ALLOW


def test_explicit_deny_still_reports_both_sides() -> None:
    """IAM reference_policies_evaluation-logic_policy-eval-denyallow.html: the Deny decides, but the
    report can still say which side would have allowed (the seed's checks 1 and 3)."""
    deny = doc({"Effect": "Deny", "Action": "ecr:*", "Resource": "*"})
    result = evaluate(request((IDENTITY_PULL, deny), REPO_GRANTS_CONSUMER))
    assert result.decision is Decision.DENY
    assert (result.identity_allows, result.resource_allows) == (True, True)
