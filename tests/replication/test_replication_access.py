"""The offline access evaluator (``components.access``) applied to replicas, with the documents the
program actually registers: the creation template's repository policy, the consumers' role policies
and the destination's registry policy."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_harness import BUILD_STACK, PROJECT_DIR, ProgramRun, run_program

from components.access import Decision, Principal, Request, can_pull, evaluate
from components.stack_files import load_stack_config

SOURCE = "111111111111"
PROD = "444444444444"
OUTSIDER = "555555555555"
PROD_REPLICA = f"arn:aws:ecr:us-east-1:{PROD}:repository/web-app"
WEST_REPLICA = f"arn:aws:ecr:us-west-2:{SOURCE}:repository/web-app"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"


@pytest.fixture(scope="module")
def staging_west(build: ProgramRun) -> ProgramRun:
    config = load_stack_config(PROJECT_DIR, "staging")
    config["aws:region"] = "us-west-2"
    config["ecr-share:pullFrom"] = "replica"
    return run_program("staging-west", config, {BUILD_STACK: build.exports})


def replica_policy(run: ProgramRun) -> dict[str, Any]:
    """What ECR attaches to each replica it creates: the template's repository policy."""
    policy: dict[str, Any] = json.loads(run.one(TEMPLATE).inputs["repositoryPolicy"])
    return policy


def role_of(run: ProgramRun, account: str) -> Principal:
    role = run.one("aws:iam/role:Role")
    policy = json.loads(run.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    return Principal(
        account, f"arn:aws:iam::{account}:role/{role.inputs['name']}", identity_policies=(policy,)
    )


def outsider_with_pull_on(*arns: str) -> Principal:
    """An account the build stack grants nothing, whose own role policy asks for the replica."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Effect": "Allow", "Action": "ecr:*", "Resource": list(arns)},
        ],
    }
    return Principal(OUTSIDER, f"arn:aws:iam::{OUTSIDER}:role/intruder", identity_policies=(policy,))


def test_prod_role_can_pull_its_replica(prod: ProgramRun) -> None:
    result = can_pull(role_of(prod, PROD), PROD_REPLICA, replica_policy(prod))
    assert result.decision is Decision.ALLOW, result.reasons


def test_prod_role_pulls_the_replica_even_without_a_repository_policy(prod: ProgramRun) -> None:
    """Same account: the identity policy alone is enough (ECR repository-policies.md)."""
    assert can_pull(role_of(prod, PROD), PROD_REPLICA, None).decision is Decision.ALLOW


def test_prod_role_no_longer_pulls_the_build_repository(prod: ProgramRun, build: ProgramRun) -> None:
    """pullFrom: replica scopes the role to the replicas: the build account's copy is not needed."""
    build_policy = json.loads(
        build.one("aws:ecr/repositoryPolicy:RepositoryPolicy", "shared-web-app-pull").inputs["policy"]
    )
    result = can_pull(role_of(prod, PROD), f"arn:aws:ecr:us-east-1:{SOURCE}:repository/web-app", build_policy)
    assert result.decision is Decision.DENY


def test_an_ungranted_account_cannot_pull_prods_replica(prod: ProgramRun) -> None:
    result = can_pull(outsider_with_pull_on(PROD_REPLICA), PROD_REPLICA, replica_policy(prod))
    assert result.decision is Decision.DENY
    assert result.authorization.allowed  # it is the replica's policy that refuses


def test_without_a_template_the_replica_is_not_pullable_cross_account(staging_west: ProgramRun) -> None:
    """The gap templates close: a replica created with no repository policy refuses other accounts."""
    assert can_pull(role_of(staging_west, "333333333333"), WEST_REPLICA, None).decision is Decision.DENY


def test_staging_pulls_the_build_accounts_us_west_2_replica(
    build: ProgramRun, staging_west: ProgramRun
) -> None:
    result = can_pull(role_of(staging_west, "333333333333"), WEST_REPLICA, replica_policy(build))
    assert result.decision is Decision.ALLOW, result.reasons


def test_an_ungranted_account_cannot_pull_the_us_west_2_replica(build: ProgramRun) -> None:
    result = can_pull(outsider_with_pull_on(WEST_REPLICA), WEST_REPLICA, replica_policy(build))
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
    prod: ProgramRun, action: str, repository: str, decision: Decision
) -> None:
    registry_policy = json.loads(prod.one("aws:ecr/registryPolicy:RegistryPolicy").inputs["policy"])
    arn = f"arn:aws:ecr:us-east-1:{PROD}:repository/{repository}"
    assert (
        evaluate(Request(replication_role(SOURCE), action, arn, PROD, registry_policy)).decision is decision
    )
    assert (
        evaluate(Request(replication_role(OUTSIDER), action, arn, PROD, registry_policy)).decision
        is Decision.DENY
    )
