"""Principal, Action, Resource elements and the policy shapes AWS accepts.

Each test's docstring names the AWS rule it checks. IAM = https://docs.aws.amazon.com/IAM/latest/UserGuide/
"""

from __future__ import annotations

from typing import Any

import pytest

from components.verify.evaluator import Decision, Principal, Request, ServicePrincipal, evaluate

OWNER = "111111111111"
CONSUMER = "222222222222"
REPO = f"arn:aws:ecr:us-east-1:{OWNER}:repository/web-app"
ROLE = f"arn:aws:iam::{CONSUMER}:role/ecs-execution"
ALLOW_ALL_ECR = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}],
}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def repo_policy(principal: Any, **extra: Any) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "ecr:BatchGetImage", **extra})


def pull(
    resource_policy: dict[str, Any] | None,
    identity: tuple[dict[str, Any], ...] = (ALLOW_ALL_ECR,),
    *,
    action: str = "ecr:BatchGetImage",
    resource: str = REPO,
) -> Decision:
    principal = Principal(CONSUMER, ROLE, identity_policies=identity)
    return evaluate(Request(principal, action, resource, OWNER, resource_policy)).decision


@pytest.mark.parametrize(
    "spelling", [CONSUMER, f"arn:aws:iam::{CONSUMER}:root", [f"arn:aws:iam::{CONSUMER}:root"]]
)
def test_account_id_and_root_arn_mean_the_whole_account(spelling: Any) -> None:
    """IAM reference_policies_elements_principal.html (AWS account principals): "AWS": "123456789012"
    and "arn:aws:iam::123456789012:root" behave the same way and do not mean only the root user."""
    assert pull(repo_policy({"AWS": spelling})) is Decision.ALLOW


def test_account_principal_does_not_cover_another_account() -> None:
    """IAM reference_policies_elements_principal.html: an account principal covers that account only."""
    assert pull(repo_policy({"AWS": "arn:aws:iam::333333333333:root"})) is Decision.DENY


@pytest.mark.parametrize("everyone", ["*", {"AWS": "*"}])
def test_principal_star_means_everyone(everyone: Any) -> None:
    """IAM reference_policies_elements_principal.html (All principals): "Principal": "*" and
    {"AWS": "*"} grant every principal; conditions are what narrow them."""
    assert pull(repo_policy(everyone)) is Decision.ALLOW


def test_role_arn_principal_matches_only_that_role() -> None:
    """IAM reference_policies_elements_principal.html (IAM role principals): a role ARN names that role."""
    assert pull(repo_policy({"AWS": ROLE})) is Decision.ALLOW
    assert pull(repo_policy({"AWS": f"arn:aws:iam::{CONSUMER}:role/other"})) is Decision.DENY


def test_partial_wildcard_in_principal_is_unknown() -> None:
    """IAM reference_policies_elements_principal.html: "You cannot use a wildcard to match part of a
    principal name or ARN"; such a policy is not evaluated."""
    assert pull(repo_policy({"AWS": f"arn:aws:iam::{CONSUMER}:role/*"})) is Decision.UNKNOWN


def test_not_principal_is_reported_unknown() -> None:
    """IAM reference_policies_elements_notprincipal.html: NotPrincipal is valid but not evaluated here."""
    policy = doc({"Effect": "Allow", "NotPrincipal": {"AWS": "333333333333"}, "Action": "ecr:BatchGetImage"})
    assert pull(policy) is Decision.UNKNOWN


def test_service_principal_with_source_arn_condition() -> None:
    """IAM reference_policies_elements_principal.html (AWS service principals) and the ECR/Lambda
    cross-account pattern (re:Post lambda-ecr-image): a Service principal with aws:SourceArn."""
    policy = repo_policy(
        {"Service": "lambda.amazonaws.com"},
        Condition={"StringLike": {"aws:SourceArn": f"arn:aws:lambda:us-east-1:{CONSUMER}:function:*"}},
    )

    def as_lambda(source_arn: str | None, service: str = "lambda.amazonaws.com") -> Decision:
        context = {"aws:SourceArn": source_arn} if source_arn else {}
        req = Request(ServicePrincipal(service), "ecr:BatchGetImage", REPO, OWNER, policy, context)
        return evaluate(req).decision

    assert as_lambda(f"arn:aws:lambda:us-east-1:{CONSUMER}:function:api") is Decision.ALLOW
    assert as_lambda("arn:aws:lambda:us-east-1:999999999999:function:api") is Decision.DENY
    assert as_lambda(None) is Decision.DENY
    assert (
        as_lambda(f"arn:aws:lambda:us-east-1:{CONSUMER}:function:api", "ecs-tasks.amazonaws.com")
        is Decision.DENY
    )
    # A role is not the Lambda service principal.
    assert pull(policy) is Decision.DENY


def test_organization_condition_does_not_cover_service_principals() -> None:
    """IAM reference_policies_condition-keys.html (aws:PrincipalOrgID): a service principal is not a
    member of the organization, so an org-only grant does not let a service pull."""
    policy = repo_policy("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}})
    req = Request(ServicePrincipal("lambda.amazonaws.com"), "ecr:BatchGetImage", REPO, OWNER, policy)
    assert evaluate(req).decision is Decision.DENY


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("ecr:BatchGetImage", Decision.ALLOW),
        ("ECR:batchgetimage", Decision.ALLOW),
        ("ecr:Batch*", Decision.ALLOW),
        ("ecr:Batch?etImage", Decision.ALLOW),
        ("ecr:*", Decision.ALLOW),
        ("*", Decision.ALLOW),
        ("ecr:Batch", Decision.DENY),
        ("ecr:PutImage", Decision.DENY),
        ("s3:*", Decision.DENY),
    ],
)
def test_action_wildcards_are_case_insensitive(pattern: str, expected: Decision) -> None:
    """IAM reference_policies_elements_action.html: "*" and "?" wildcards; action names are not
    case-sensitive ("ecr:batchgetimage" equals "ecr:BatchGetImage")."""
    identity = doc({"Effect": "Allow", "Action": pattern, "Resource": REPO})
    assert pull(repo_policy({"AWS": CONSUMER}), (identity,)) is expected


def test_not_action_allows_everything_but_the_listed_actions() -> None:
    """IAM reference_policies_elements_notaction.html: NotAction with Allow matches every action
    except the listed ones."""
    identity = doc({"Effect": "Allow", "NotAction": ["ecr:PutImage", "ecr:Delete*"], "Resource": "*"})
    policy = doc({"Effect": "Allow", "Principal": {"AWS": CONSUMER}, "Action": "ecr:*"})
    assert pull(policy, (identity,)) is Decision.ALLOW
    assert pull(policy, (identity,), action="ecr:PutImage") is Decision.DENY
    assert pull(policy, (identity,), action="ecr:DeleteRepository") is Decision.DENY


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (REPO, Decision.ALLOW),
        ("*", Decision.ALLOW),
        (f"arn:aws:ecr:*:{OWNER}:repository/web-*", Decision.ALLOW),
        (f"arn:aws:ecr:us-east-1:{OWNER}:repository/web-ap?", Decision.ALLOW),
        (f"arn:aws:ecr:us-east-1:{OWNER}:repository/Web-App", Decision.DENY),
        (f"arn:aws:ecr:us-east-1:{OWNER}:repository/web", Decision.DENY),
        (f"arn:aws:ecr:us-east-1:{OWNER}:repository/api", Decision.DENY),
        (f"arn:aws:ecr:eu-west-1:{OWNER}:repository/web-app", Decision.DENY),
    ],
)
def test_resource_wildcards_are_case_sensitive(pattern: str, expected: Decision) -> None:
    """IAM reference_policies_elements_resource.html: "*" and "?" wildcards in any ARN segment; the
    resource ARN is compared case-sensitively."""
    identity = doc({"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": pattern})
    assert pull(repo_policy({"AWS": CONSUMER}), (identity,)) is expected


def test_not_resource() -> None:
    """IAM reference_policies_elements_notresource.html: NotResource matches every resource except
    the listed ones."""
    identity = doc(
        {"Effect": "Allow", "Action": "ecr:*", "NotResource": f"arn:aws:ecr:*:{OWNER}:repository/web-*"}
    )
    policy = repo_policy({"AWS": CONSUMER})
    assert pull(policy, (identity,)) is Decision.DENY
    other = f"arn:aws:ecr:us-east-1:{OWNER}:repository/api"
    assert pull(policy, (identity,), resource=other) is Decision.ALLOW


def test_repository_policy_without_resource_applies_to_its_repository() -> None:
    """ECR user guide repository-policy-examples.html: repository policies omit Resource; the
    repository the policy is attached to is the resource."""
    assert pull(repo_policy({"AWS": CONSUMER})) is Decision.ALLOW
    scoped_elsewhere = repo_policy(
        {"AWS": CONSUMER}, Resource=f"arn:aws:ecr:us-east-1:{OWNER}:repository/api"
    )
    assert pull(scoped_elsewhere) is Decision.DENY


def test_get_authorization_token_needs_resource_star() -> None:
    """Service Authorization Reference (Amazon ECR): GetAuthorizationToken has no resource type, so
    only Resource "*" grants it (the request's resource is "*")."""
    scoped = doc({"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": REPO})
    star = doc({"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"})

    def token(identity: dict[str, Any]) -> Decision:
        principal = Principal(CONSUMER, ROLE, identity_policies=(identity,))
        return evaluate(Request(principal, "ecr:GetAuthorizationToken", "*", CONSUMER)).decision

    assert token(scoped) is Decision.DENY
    assert token(star) is Decision.ALLOW


def test_policy_variables_are_unknown() -> None:
    """IAM reference_policies_variables.html: ${...} values are resolved from the request; this
    evaluator does not resolve them, so it reports unknown."""
    identity = doc(
        {"Effect": "Allow", "Action": "ecr:*", "Resource": "arn:aws:ecr:*:*:repository/${aws:username}"}
    )
    assert pull(repo_policy({"AWS": CONSUMER}), (identity,)) is Decision.UNKNOWN


@pytest.mark.parametrize(
    ("identity", "resource_policy", "problem"),
    [
        (
            doc({"Effect": "Allow", "Principal": "*", "Action": "ecr:*", "Resource": "*"}),
            None,
            "an identity-based policy cannot have a Principal element",
        ),
        (doc({"Effect": "Allow", "Action": "ecr:*"}), None, "needs exactly one of Resource and NotResource"),
        (
            ALLOW_ALL_ECR,
            doc({"Effect": "Allow", "Action": "ecr:BatchGetImage"}),
            "a resource-based policy needs exactly one of Principal and NotPrincipal",
        ),
        (doc({"Effect": "Permit", "Action": "ecr:*", "Resource": "*"}), None, "Effect must be Allow or Deny"),
        (doc({"Effect": "Allow", "Resource": "*"}), None, "needs exactly one of Action and NotAction"),
        ({"Version": "2012-10-17"}, None, "has no Statement"),
    ],
)
def test_documents_aws_would_reject_are_unknown(
    identity: dict[str, Any], resource_policy: dict[str, Any] | None, problem: str
) -> None:
    """IAM reference_policies_elements_principal.html ("You cannot use the Principal element in an
    identity-based policy"; resource-based policies must specify a principal),
    reference_policies_elements_resource.html (identity statements need Resource or NotResource),
    reference_policies_grammar.html (Effect, Action). Such documents cannot be stored, so no verdict."""
    principal = Principal(CONSUMER, ROLE, identity_policies=(identity,))
    result = evaluate(Request(principal, "ecr:BatchGetImage", REPO, OWNER, resource_policy))
    assert result.decision is Decision.UNKNOWN
    assert any(problem in reason for reason in result.reasons), result.reasons
