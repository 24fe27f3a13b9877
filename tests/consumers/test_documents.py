"""The execution role's documents: exactly the seed's step 2 and a confused-deputy-safe trust."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from components.aws.policy import canonical_json, iam_policy_length
from components.aws.rules import (
    MANAGED_POLICY_MAX_CHARS,
    ROLE_INLINE_POLICY_MAX_CHARS,
    ROLE_MANAGED_POLICIES_MAX,
)
from components.consumers.documents import (
    ExecutionRolePolicies,
    RolePermissionsTooLarge,
    ecs_tasks_trust_policy,
    execution_role_policies,
    execution_role_policy,
)
from components.verify.evaluator import Principal, Request, can_pull, evaluate

SEED_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


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


def test_role_policy_rendering_is_deterministic_whatever_the_input_order() -> None:
    first = execution_role_policy(["arn:b", "arn:a", "arn:a"], ["log:b", "log:a"])
    second = execution_role_policy(["arn:a", "arn:b"], ["log:a", "log:b"])
    assert canonical_json(first) == canonical_json(second)


def service_arns(names: list[str]) -> tuple[list[str], list[str]]:
    """A repository and a log group per service, as an environment's role pulls and writes them."""
    return (
        [f"arn:aws:ecr:us-east-1:111111111111:repository/team/{n}" for n in names],
        [f"arn:aws:logs:us-east-1:444444444444:log-group:/ecs/{n}:*" for n in names],
    )


def services(count: int, first: int = 0) -> list[str]:
    return [f"service-{n:03d}" for n in range(first, first + count)]


def all_documents(policies: ExecutionRolePolicies) -> list[dict[str, Any]]:
    return [policies.inline, *(document for _, document in policies.managed)]


def scoped(policies: ExecutionRolePolicies, sid: str) -> list[str]:
    """Every ARN a statement ``sid`` lists, over all of the role's policies."""
    return [
        arn
        for document in all_documents(policies)
        for statement in document["Statement"]
        if statement["Sid"] == sid
        for arn in statement["Resource"]
    ]


def test_what_fits_inline_stays_one_inline_policy() -> None:
    repositories, logs = service_arns(services(60))
    policies = execution_role_policies(repositories, logs)
    assert policies == ExecutionRolePolicies(execution_role_policy(repositories, logs))
    assert iam_policy_length(policies.inline) <= ROLE_INLINE_POLICY_MAX_CHARS


@pytest.mark.parametrize("count", [80, 250, 500])
def test_past_the_inline_limit_every_arn_lands_once_within_the_quotas(count: int) -> None:
    repositories, logs = service_arns(services(count))
    policies = execution_role_policies(reversed(repositories), logs)
    assert sorted(scoped(policies, "ECRPull")) == sorted(repositories)
    assert sorted(scoped(policies, "WriteOwnLogs")) == sorted(logs)
    assert policies.inline["Statement"][0] == execution_role_policy([])["Statement"][0]  # ECRAuth
    assert [s["Sid"] for d in all_documents(policies) for s in d["Statement"]].count("ECRAuth") == 1
    assert iam_policy_length(policies.inline) <= ROLE_INLINE_POLICY_MAX_CHARS
    assert 1 <= len(policies.managed) <= ROLE_MANAGED_POLICIES_MAX
    assert all(iam_policy_length(d) <= MANAGED_POLICY_MAX_CHARS for _, d in policies.managed)
    assert [slot for slot, _ in policies.managed] == sorted({slot for slot, _ in policies.managed})
    assert execution_role_policies(repositories, reversed(logs)) == policies  # input order is irrelevant


def test_the_split_grants_exactly_what_the_one_document_grants() -> None:
    repositories, logs = service_arns(services(200))
    split = execution_role_policies(repositories, logs)
    role = Principal(
        "444444444444", "arn:aws:iam::444444444444:role/r", identity_policies=tuple(all_documents(split))
    )
    whole = Principal(
        role.account_id, role.arn, identity_policies=(execution_role_policy(repositories, logs),)
    )
    other = "arn:aws:ecr:us-east-1:111111111111:repository/team/not-used"
    for arn in [*repositories[::17], other]:
        for action in ("ecr:BatchGetImage", "ecr:PutImage"):
            request = Request(role, action, arn, "111111111111")
            assert evaluate(request).decision is evaluate(replace(request, principal=whole)).decision
        assert can_pull(role, arn, None).authorization.allowed


def changed_policies(before: ExecutionRolePolicies, after: ExecutionRolePolicies) -> int:
    old, new = dict(before.managed), dict(after.managed)
    changed = sum(old.get(slot) != new.get(slot) for slot in old.keys() | new.keys())
    return changed + (before.inline != after.inline)


@pytest.mark.parametrize("count", [100, 300])
def test_adding_or_removing_a_service_changes_only_the_policies_its_arns_land_in(count: int) -> None:
    base = execution_role_policies(*service_arns(services(count)))
    added = execution_role_policies(*service_arns([*services(count), "zz-new", "aa-new"]))
    removed = execution_role_policies(*service_arns(services(count)[1:]))
    # Two services add four ARNs, so at most four policies change; one removed, at most two.
    assert changed_policies(base, added) <= 4
    assert changed_policies(base, removed) <= 2


def test_more_than_the_inline_and_managed_policies_hold_is_refused() -> None:
    with pytest.raises(RolePermissionsTooLarge) as caught:
        execution_role_policies(*service_arns(services(600)))
    assert caught.value.size > ROLE_INLINE_POLICY_MAX_CHARS + 10 * MANAGED_POLICY_MAX_CHARS
