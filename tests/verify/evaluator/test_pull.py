"""``can_pull``: the seed's "Testing Cross-Account Access" troubleshooting list, checked offline.

ECR = https://docs.aws.amazon.com/AmazonECR/latest/userguide/
"""

from __future__ import annotations

from typing import Any

from components.aws.rules import AUTH_ACTION, PULL_ACTIONS
from components.verify.access.actions import PULL_IMAGE_ACTIONS
from components.verify.evaluator import Decision, Principal, can_pull

OWNER = "111111111111"
CONSUMER = "222222222222"
REPO = f"arn:aws:ecr:us-east-1:{OWNER}:repository/web-app"
ROLE = f"arn:aws:iam::{CONSUMER}:role/ecs-execution"

# The seed's step 1 and step 2 documents, verbatim in substance.
SEED_REPOSITORY_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowCrossAccountPull",
            "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{CONSUMER}:root", "arn:aws:iam::333333333333:root"]},
            "Action": list(PULL_ACTIONS),
        }
    ],
}
AUTH_STATEMENT = {"Sid": "ECRAuth", "Effect": "Allow", "Action": [AUTH_ACTION], "Resource": "*"}
PULL_STATEMENT = {"Sid": "ECRPull", "Effect": "Allow", "Action": list(PULL_ACTIONS), "Resource": [REPO]}


def role(*statements: dict[str, Any]) -> Principal:
    return Principal(
        CONSUMER, ROLE, identity_policies=({"Version": "2012-10-17", "Statement": list(statements)},)
    )


def test_seed_documents_allow_the_pull() -> None:
    """ECR repository-policies.html and IAM reference_policies_evaluation-logic-cross-account.html:
    the repository policy grants the account and the role's policy grants auth plus pull."""
    result = can_pull(role(AUTH_STATEMENT, PULL_STATEMENT), REPO, SEED_REPOSITORY_POLICY)
    assert result.decision is Decision.ALLOW
    assert [action for action, _ in result.actions] == list(PULL_IMAGE_ACTIONS)
    assert result.reasons == ()


def test_a_pull_needs_no_push_side_call() -> None:
    """aws-facts 2.5: a client pulls with GetAuthorizationToken, BatchGetImage (the manifest) and
    GetDownloadUrlForLayer (each layer); BatchCheckLayerAvailability is a push-side call, and AWS's
    AmazonEC2ContainerRegistryPullOnly policy omits it. A grant of the two is a full pull."""
    two = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    statement = {**SEED_REPOSITORY_POLICY["Statement"][0], "Action": two}
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    result = can_pull(role(AUTH_STATEMENT, {**PULL_STATEMENT, "Action": two}), REPO, policy)
    assert result.decision is Decision.ALLOW


def test_check_1_repository_policy_must_include_the_destination_account() -> None:
    """Seed troubleshooting check 1; IAM reference_policies_evaluation-logic-cross-account.html."""
    statement = {**SEED_REPOSITORY_POLICY["Statement"][0], "Principal": {"AWS": "333333333333"}}
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    result = can_pull(role(AUTH_STATEMENT, PULL_STATEMENT), REPO, policy)
    assert result.decision is Decision.DENY
    assert result.authorization.allowed
    assert any(f"does not grant {ROLE} (account {CONSUMER})" in r for r in result.reasons)


def test_check_2_role_needs_get_authorization_token() -> None:
    """Seed troubleshooting check 2; ECR repository-policies.html: "Amazon ECR requires that users
    have permission to make calls to the ecr:GetAuthorizationToken API through an IAM policy"."""
    result = can_pull(role(PULL_STATEMENT), REPO, SEED_REPOSITORY_POLICY)
    assert result.decision is Decision.DENY
    assert not result.authorization.allowed
    assert all(evaluation.allowed for _, evaluation in result.actions)
    assert result.reasons == (f"no identity policy of {ROLE} allows {AUTH_ACTION} on *",)


def test_check_2_a_repository_policy_cannot_supply_the_token() -> None:
    """ECR repository-policies.html: GetAuthorizationToken must come from an identity policy; it is
    evaluated with no resource policy at all."""
    generous = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": CONSUMER}, "Action": "ecr:*"}],
    }
    assert can_pull(role(PULL_STATEMENT), REPO, generous).decision is Decision.DENY


def test_check_3_pull_permissions_must_name_the_right_repository() -> None:
    """Seed troubleshooting check 3; IAM reference_policies_elements_resource.html."""
    wrong = {**PULL_STATEMENT, "Resource": [f"arn:aws:ecr:us-east-1:{OWNER}:repository/web-app-old"]}
    result = can_pull(role(AUTH_STATEMENT, wrong), REPO, SEED_REPOSITORY_POLICY)
    assert result.decision is Decision.DENY
    assert f"no identity policy of {ROLE} allows ecr:BatchGetImage on {REPO}" in result.reasons


def test_one_missing_pull_action_denies() -> None:
    """IAM reference_policies_evaluation-logic_policy-eval-denyallow.html: each API call is its own
    request; a pull needs every pull action allowed."""
    partial = {**PULL_STATEMENT, "Action": ["ecr:BatchGetImage"]}
    result = can_pull(role(AUTH_STATEMENT, partial), REPO, SEED_REPOSITORY_POLICY)
    assert result.decision is Decision.DENY
    assert {a for a, e in result.actions if not e.allowed} == {"ecr:GetDownloadUrlForLayer"}


def test_unknown_part_makes_the_pull_unknown() -> None:
    """IAM reference_policies_elements_condition_operators.html: an operator the evaluator does not
    model leaves the answer unknown rather than allowed."""
    vague = {**AUTH_STATEMENT, "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
    assert can_pull(role(vague, PULL_STATEMENT), REPO, SEED_REPOSITORY_POLICY).decision is Decision.UNKNOWN
