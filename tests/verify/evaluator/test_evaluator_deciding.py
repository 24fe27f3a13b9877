"""What the access analysis needs beyond a decision: the statements that grant a request, several
resource policies on one request (an ECR registry policy with a repository policy), and resource
policies needed even within their own account (key policies, trust policies).

Each test's docstring names the AWS rule it checks. IAM = https://docs.aws.amazon.com/IAM/latest/UserGuide/
"""

from __future__ import annotations

from typing import Any

from components.verify.evaluator import Decision, Evaluator, Principal, Request, ServicePrincipal, evaluate

OWNER = "111111111111"
OTHER = "222222222222"
REPO = f"arn:aws:ecr:us-east-1:{OWNER}:repository/web-app"
KEY = f"arn:aws:kms:us-east-1:{OWNER}:key/planned"
ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def role(account: str, *policies: dict[str, Any]) -> Principal:
    return Principal(account, f"arn:aws:iam::{account}:role/any-role", identity_policies=policies)


REPOSITORY_POLICY = doc(
    {"Sid": "Pull", "Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "ecr:BatchGetImage"}
)
REGISTRY_POLICY = doc(
    {
        "Sid": "Replicate",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
        "Resource": f"arn:aws:ecr:us-east-1:{OWNER}:repository/w*",
    }
)


def test_an_allowed_cross_account_request_names_both_granting_statements() -> None:
    """IAM reference_policies_evaluation-logic-cross-account.html: both the identity policy and the
    resource policy must allow; so both statements are what grant it."""
    result = evaluate(Request(role(OTHER, ADMIN), "ecr:BatchGetImage", REPO, OWNER, REPOSITORY_POLICY))
    assert result.decision is Decision.ALLOW
    assert [(d.document, d.statement.body["Sid"]) for d in result.granted_by] == [
        (ADMIN, "Admin"),
        (REPOSITORY_POLICY, "Pull"),
    ]


def test_a_denied_request_names_no_granting_statement() -> None:
    result = evaluate(Request(role(OTHER, ADMIN), "ecr:PutImage", REPO, OWNER, REPOSITORY_POLICY))
    assert (result.decision, result.granted_by) == (Decision.DENY, ())


def test_an_explicit_deny_names_the_denying_statement() -> None:
    """IAM reference_policies_evaluation-logic_policy-eval-denyallow.html: an explicit Deny wins."""
    deny = doc(
        {"Sid": "Pull", "Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "ecr:*"},
        {"Sid": "NoPush", "Effect": "Deny", "Principal": "*", "Action": "ecr:PutImage"},
    )
    result = evaluate(Request(role(OTHER, ADMIN), "ecr:PutImage", REPO, OWNER, deny))
    assert result.decision is Decision.DENY
    assert result.denied_by is not None and result.denied_by.statement.body["Sid"] == "NoPush"


def test_within_one_account_each_side_that_allows_is_named() -> None:
    """IAM reference_policies_evaluation-logic_policy-eval-basics.html: within one account either
    side alone allows, so each one that does is a grant to remove."""
    own = doc(
        {
            "Sid": "Own",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OWNER}:role/any-role"},
            "Action": "ecr:*",
        }
    )
    result = evaluate(Request(role(OWNER, ADMIN), "ecr:PutImage", REPO, OWNER, own))
    assert [d.statement.body["Sid"] for d in result.granted_by] == ["Admin", "Own"]


def test_the_registry_policy_counts_with_the_repository_policy() -> None:
    """ECR registry-permissions.html: the registry policy (scope V2) is enforced in every ECR request,
    beside the repository's own policy."""
    request = Request(
        role(OTHER, ADMIN),
        "ecr:ReplicateImage",
        REPO,
        OWNER,
        REPOSITORY_POLICY,
        more_resource_policies=(REGISTRY_POLICY,),
    )
    result = evaluate(request)
    assert result.decision is Decision.ALLOW
    assert result.granted_by[1].document is REGISTRY_POLICY
    # The repository policy alone does not let the other account replicate into it.
    alone = Request(role(OTHER, ADMIN), "ecr:ReplicateImage", REPO, OWNER, REPOSITORY_POLICY)
    assert evaluate(alone).decision is Decision.DENY
    # Nor does the registry policy reach a repository its Resource does not name.
    elsewhere = Request(
        role(OTHER, ADMIN),
        "ecr:ReplicateImage",
        f"arn:aws:ecr:us-east-1:{OWNER}:repository/api",
        OWNER,
        more_resource_policies=(REGISTRY_POLICY,),
    )
    assert evaluate(elsewhere).decision is Decision.DENY


def test_a_deny_in_the_registry_policy_wins_over_the_repository_policy() -> None:
    deny = doc({"Sid": "NoPull", "Effect": "Deny", "Principal": "*", "Action": "ecr:BatchGetImage"})
    request = Request(
        role(OTHER, ADMIN),
        "ecr:BatchGetImage",
        REPO,
        OWNER,
        REPOSITORY_POLICY,
        more_resource_policies=(deny,),
    )
    result = evaluate(request)
    assert result.decision is Decision.DENY
    assert result.denied_by is not None and result.denied_by.document is deny


KEY_POLICY = doc(
    {
        "Sid": "Account",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OWNER}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
)


def key_request(principal: Principal, policy: dict[str, Any]) -> Request:
    return Request(principal, "kms:Decrypt", KEY, OWNER, policy, resource_policy_required=True)


def test_a_key_policy_is_needed_within_its_own_account() -> None:
    """KMS developer guide key-policies.html: no principal has any permission to a key unless the key
    policy allows it, even with an IAM policy of the key's account."""
    nobody = doc(
        {"Sid": "Other", "Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "kms:*", "Resource": "*"}
    )
    result = evaluate(key_request(role(OWNER, ADMIN), nobody))
    assert result.decision is Decision.DENY
    assert (
        "the resource policy of arn:aws:kms:us-east-1:111111111111:key/planned does not grant"
        in result.reasons[0]
    )


def test_a_key_policy_naming_the_account_needs_an_identity_policy_too() -> None:
    """KMS developer guide key-policy-default.html: the key policy's account principal "allows IAM
    policies to allow access to the KMS key"; without one, the account's roles get nothing."""
    assert evaluate(key_request(role(OWNER), KEY_POLICY)).decision is Decision.DENY
    allowed = evaluate(key_request(role(OWNER, ADMIN), KEY_POLICY))
    assert allowed.decision is Decision.ALLOW
    assert [d.statement.body["Sid"] for d in allowed.granted_by] == ["Admin", "Account"]


def test_a_key_policy_naming_the_role_is_enough_alone() -> None:
    """KMS developer guide key-policies.html: a key policy that names a principal gives it the
    permission without an IAM policy."""
    named = doc(
        {
            "Sid": "Role",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OWNER}:role/any-role"},
            "Action": "kms:Decrypt",
            "Resource": "*",
        }
    )
    result = evaluate(key_request(role(OWNER), named))
    assert result.decision is Decision.ALLOW
    assert [d.statement.body["Sid"] for d in result.granted_by] == ["Role"]


def test_a_trust_policy_decides_who_assumes_a_role() -> None:
    """IAM id_roles_create_for-service.html: a service assumes a role its trust policy names, under
    the trust policy's conditions (aws:SourceAccount: reference_policies_condition-keys.html)."""
    trust = doc(
        {
            "Sid": "Tasks",
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": OWNER}},
        }
    )
    arn = f"arn:aws:iam::{OWNER}:role/execution"
    tasks = ServicePrincipal("ecs-tasks.amazonaws.com")
    evaluator = Evaluator()

    def assume(principal: Principal | ServicePrincipal, source: str | None = None) -> Decision:
        context = {"aws:SourceAccount": source} if source else {}
        request = Request(
            principal, "sts:AssumeRole", arn, OWNER, trust, context, resource_policy_required=True
        )
        return evaluator.evaluate(request).decision

    assert assume(tasks, OWNER) is Decision.ALLOW
    assert assume(tasks, OTHER) is Decision.DENY
    assert assume(role(OWNER, ADMIN)) is Decision.DENY  # the account's own admin is not trusted
