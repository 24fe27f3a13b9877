"""Policy documents: exactly the seed's grants, canonical, within AWS's size limits."""

from __future__ import annotations

import json

from components.model import AccountsAccess, OrganizationAccess
from components.policies import (
    canonical_json,
    ecs_tasks_trust_policy,
    execution_role_policy,
    repository_pull_policy,
)

SEED_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def test_account_list_policy_is_the_seeds_step_1_sorted() -> None:
    access = AccountsAccess(accounts=("444444444444", "222222222222", "333333333333"))
    assert canonical_json(repository_pull_policy(access)) == (
        '{"Version":"2012-10-17","Statement":[{"Sid":"AllowCrossAccountPull","Effect":"Allow",'
        '"Principal":{"AWS":["arn:aws:iam::222222222222:root","arn:aws:iam::333333333333:root",'
        '"arn:aws:iam::444444444444:root"]},"Action":["ecr:BatchCheckLayerAvailability",'
        '"ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}'
    )


def test_organization_policy_never_has_an_unconditioned_star_principal() -> None:
    document = repository_pull_policy(OrganizationAccess("o-abc123def4"))
    (statement,) = document["Statement"]
    assert statement == {
        "Sid": "AllowOrganizationPull",
        "Effect": "Allow",
        "Principal": "*",
        "Action": SEED_PULL_ACTIONS,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
    }


def test_organization_paths_narrow_with_for_any_value_string_like() -> None:
    paths = ("o-abc123def4/r-ab12/ou-ab12-22222222/*", "o-abc123def4/r-ab12/ou-ab12-11111111/")
    (statement,) = repository_pull_policy(OrganizationAccess("o-abc123def4", paths))["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"},
        "ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": sorted(paths)},
    }


def test_policies_grant_pull_only() -> None:
    for access in (AccountsAccess(("222222222222",)), OrganizationAccess("o-abc123def4")):
        for statement in repository_pull_policy(access)["Statement"]:
            assert statement["Effect"] == "Allow"
            assert statement["Action"] == SEED_PULL_ACTIONS
            assert "Resource" not in statement  # the repository itself is the resource


def test_rendering_is_deterministic_whatever_the_input_order() -> None:
    one = AccountsAccess(("333333333333", "222222222222"))
    other = AccountsAccess(("222222222222", "333333333333"))
    assert canonical_json(repository_pull_policy(one)) == canonical_json(repository_pull_policy(other))
    first = execution_role_policy(["arn:b", "arn:a", "arn:a"], ["log:b", "log:a"])
    second = execution_role_policy(["arn:a", "arn:b"], ["log:a", "log:b"])
    assert canonical_json(first) == canonical_json(second)


def test_partition_follows_the_region() -> None:
    document = repository_pull_policy(AccountsAccess(("222222222222",)), partition="aws-cn")
    assert document["Statement"][0]["Principal"] == {"AWS": ["arn:aws-cn:iam::222222222222:root"]}


def test_execution_role_policy_is_the_seeds_step_2_plus_own_logs() -> None:
    repository = "arn:aws:ecr:us-east-1:111111111111:repository/web-app"
    logs = "arn:aws:logs:us-east-1:444444444444:log-group:/ecs/web-app:*"
    assert execution_role_policy([repository], [logs]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ECRAuth", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
            {"Sid": "ECRPull", "Effect": "Allow", "Action": SEED_PULL_ACTIONS, "Resource": [repository]},
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [logs],
            },
        ],
    }


def test_only_get_authorization_token_is_granted_on_star() -> None:
    document = execution_role_policy(["arn:aws:ecr:us-east-1:111111111111:repository/a"], ["log"])
    on_star = [s for s in document["Statement"] if s["Resource"] == "*"]
    assert [s["Action"] for s in on_star] == [["ecr:GetAuthorizationToken"]]


def test_trust_policy_admits_ecs_tasks_of_its_own_account_only() -> None:
    assert json.loads(canonical_json(ecs_tasks_trust_policy("444444444444"))) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EcsTasksAssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": ["sts:AssumeRole"],
                "Condition": {"StringEquals": {"aws:SourceAccount": "444444444444"}},
            }
        ],
    }
