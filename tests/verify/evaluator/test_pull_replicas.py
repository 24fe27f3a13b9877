"""The offline access evaluator (``components.verify.evaluator``) applied to replicas, with the
documents the plans register (and the program registers exactly, ``tests/plan/test_registration``):
the creation templates' repository policies, the execution roles' policies and the destination's
registry policy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.consumers.resources import ROLE, ROLE_POLICY
from components.plan.model import StackPlan
from components.plan.project import ProjectPlan, plan_stacks
from components.replication.resources import CREATION_TEMPLATE, REGISTRY_POLICY
from components.repositories.resources import REPOSITORY_POLICY
from components.verify.evaluator import Decision, Principal, Request, can_pull, evaluate
from tests.support.committed import committed

SOURCE = "111111111111"
DEV = "222222222222"
STAGING = "333333333333"
PROD = "444444444444"
OUTSIDER = "555555555555"
PROD_REPLICA = f"arn:aws:ecr:us-east-1:{PROD}:repository/web-app"
WEST_REPLICA = f"arn:aws:ecr:us-west-2:{SOURCE}:repository/web-app"
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}


@pytest.fixture(scope="module")
def project() -> ProjectPlan:
    """The committed stacks, and staging-west: staging's account pulling replicas in us-west-2."""
    stacks = committed()
    stacks["staging-west"] = {
        **stacks["staging"],
        "aws:region": "us-west-2",
        "ecr-share:pullFrom": "replica",
        "ecr-share:services": stacks["staging"]["ecr-share:services"][:1],  # web-app replicates to us-west-2
    }
    return plan_stacks(stacks)


@pytest.fixture(scope="module")
def prod_granting_staging() -> StackPlan:
    """prod with ``receiveReplication.access`` granting staging's account its replicas."""
    stacks = committed()
    stacks["prod"]["ecr-share:receiveReplication"]["access"] = {"accounts": [STAGING]}
    return plan_stacks(stacks).plans["prod"]


def replica_policy(plan: StackPlan) -> dict[str, Any] | None:
    """What ECR attaches to each replica it creates: the stack's one (ROOT) creation template's
    repository policy, if it has one."""
    (template,) = plan.of_type(CREATION_TEMPLATE)
    assert template.inputs["prefix"] == "ROOT"
    text = template.inputs.get("repository_policy")
    return None if text is None else dict(json.loads(text))


def role_of(plan: StackPlan) -> Principal:
    (role,) = plan.of_type(ROLE)
    (policy,) = plan.of_type(ROLE_POLICY)
    return Principal(
        plan.account_id,
        f"arn:aws:iam::{plan.account_id}:role/{role.inputs['name']}",
        identity_policies=(json.loads(policy.inputs["policy"]),),
    )


def admin_of(account: str) -> Principal:
    """A role whose own account gave it every ECR action: only a repository policy can stop it."""
    return Principal(account, f"arn:aws:iam::{account}:role/admin", identity_policies=(ADMIN,))


def test_prods_replicas_carry_no_repository_policy(project: ProjectPlan) -> None:
    """Least privilege: nothing in prod's config grants its replicas to another account."""
    assert replica_policy(project.plans["prod"]) is None


def test_prod_role_pulls_its_replica_without_a_repository_policy(project: ProjectPlan) -> None:
    """Same account: the identity policy alone is enough (ECR repository-policies.md)."""
    result = can_pull(role_of(project.plans["prod"]), PROD_REPLICA, replica_policy(project.plans["prod"]))
    assert result.decision is Decision.ALLOW, result.reasons


def test_prod_role_no_longer_pulls_the_build_repository(project: ProjectPlan) -> None:
    """pullFrom: replica scopes the role to the replicas: the build account's copy is not needed."""
    build_policy = json.loads(
        project.plans["build"].named(REPOSITORY_POLICY, "shared-web-app-pull").inputs["policy"]
    )
    result = can_pull(
        role_of(project.plans["prod"]), f"arn:aws:ecr:us-east-1:{SOURCE}:repository/web-app", build_policy
    )
    assert result.decision is Decision.DENY


@pytest.mark.parametrize("account", [DEV, STAGING, OUTSIDER])
def test_no_other_account_can_pull_prods_replica(project: ProjectPlan, account: str) -> None:
    """dev and staging are granted the build repositories, not prod's replicas."""
    result = can_pull(admin_of(account), PROD_REPLICA, replica_policy(project.plans["prod"]))
    assert result.decision is Decision.DENY
    assert result.authorization.allowed  # it is the replica's missing policy that refuses


def test_receive_replication_access_grants_only_the_named_account(prod_granting_staging: StackPlan) -> None:
    policy = replica_policy(prod_granting_staging)
    assert policy is not None
    assert can_pull(admin_of(STAGING), PROD_REPLICA, policy).decision is Decision.ALLOW
    assert can_pull(admin_of(DEV), PROD_REPLICA, policy).decision is Decision.DENY


def test_without_a_template_the_replica_is_not_pullable_cross_account(project: ProjectPlan) -> None:
    """The gap templates close: a replica created with no repository policy refuses other accounts."""
    assert can_pull(role_of(project.plans["staging-west"]), WEST_REPLICA, None).decision is Decision.DENY


def test_staging_pulls_the_build_accounts_us_west_2_replica(project: ProjectPlan) -> None:
    result = can_pull(
        role_of(project.plans["staging-west"]), WEST_REPLICA, replica_policy(project.plans["build"])
    )
    assert result.decision is Decision.ALLOW, result.reasons


def test_an_ungranted_account_cannot_pull_the_us_west_2_replica(project: ProjectPlan) -> None:
    result = can_pull(admin_of(OUTSIDER), WEST_REPLICA, replica_policy(project.plans["build"]))
    assert result.decision is Decision.DENY


def replication_role(account: str) -> Principal:
    """ECR replicates as the source account; its side needs no policy of ours (ECR replication.md),
    modelled as an identity policy that allows it everywhere."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["ecr:ReplicateImage", "ecr:CreateRepository"], "Resource": "*"}
        ],
    }
    return Principal(
        account,
        f"arn:aws:iam::{account}:role/aws-service-role/replication.ecr.amazonaws.com/AWSServiceRoleForECRReplication",
        identity_policies=(policy,),
    )


@pytest.mark.parametrize("action", ["ecr:ReplicateImage", "ecr:CreateRepository"])
@pytest.mark.parametrize(
    ("repository", "decision"),
    [
        ("web-app", Decision.ALLOW),
        ("worker", Decision.ALLOW),
        ("web-app-v2", Decision.ALLOW),
        ("payments", Decision.DENY),
    ],
)
def test_registry_policy_admits_the_source_only_into_replicated_prefixes(
    project: ProjectPlan, action: str, repository: str, decision: Decision
) -> None:
    (registry_policy,) = project.plans["prod"].of_type(REGISTRY_POLICY)
    policy = json.loads(registry_policy.inputs["policy"])
    arn = f"arn:aws:ecr:us-east-1:{PROD}:repository/{repository}"
    assert evaluate(Request(replication_role(SOURCE), action, arn, PROD, policy)).decision is decision
    assert evaluate(Request(replication_role(OUTSIDER), action, arn, PROD, policy)).decision is Decision.DENY
