"""Policy documents as pure functions of plain values, rendered as canonical JSON.

Canonical means: statements in a fixed order with stable Sids, principals, actions and resources
sorted and de-duplicated, lists kept as lists even with one element. The same input always renders
the same bytes, so a second ``pulumi up`` shows no diff.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from components.aws_rules import (
    AUTH_ACTION,
    ECS_TASKS_SERVICE,
    LOG_WRITE_ACTIONS,
    POLICY_VERSION,
    PULL_ACTIONS,
)
from components.model import Access, AccountsAccess, OrganizationAccess
from components.naming import account_root_arn

PolicyDocument = dict[str, Any]

SID_ACCOUNT_PULL = "AllowCrossAccountPull"
SID_ORGANIZATION_PULL = "AllowOrganizationPull"
SID_AUTH = "ECRAuth"
SID_PULL = "ECRPull"
SID_LOGS = "WriteOwnLogs"


def _sorted_unique(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


def _document(*statements: dict[str, Any]) -> PolicyDocument:
    return {"Version": POLICY_VERSION, "Statement": list(statements)}


def repository_pull_policy(access: Access, partition: str = "aws") -> PolicyDocument:
    """The build account's repository policy: pull only, for the granted accounts or organization.

    Repository policies omit ``Resource``: the repository they are attached to is the resource.
    """
    if isinstance(access, AccountsAccess):
        principals = _sorted_unique(account_root_arn(a, partition) for a in access.accounts)
        return _document(
            {
                "Sid": SID_ACCOUNT_PULL,
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": list(PULL_ACTIONS),
            }
        )
    return _document(
        {
            "Sid": SID_ORGANIZATION_PULL,
            "Effect": "Allow",
            # "*" is safe only with the organization condition; it is never emitted without it.
            "Principal": "*",
            "Action": list(PULL_ACTIONS),
            "Condition": organization_condition(access),
        }
    )


def organization_condition(access: OrganizationAccess) -> dict[str, Any]:
    condition: dict[str, Any] = {"StringEquals": {"aws:PrincipalOrgID": access.organization_id}}
    if access.organization_paths:
        # aws:PrincipalOrgPaths is multivalued, hence ForAnyValue; StringLike allows trailing "*".
        condition["ForAnyValue:StringLike"] = {
            "aws:PrincipalOrgPaths": _sorted_unique(access.organization_paths)
        }
    return condition


def execution_role_policy(
    repository_arns: Iterable[str], log_group_arns: Iterable[str] = ()
) -> PolicyDocument:
    """The consumer's ECS task execution role policy: the seed's step 2, plus its own log groups."""
    statements: list[dict[str, Any]] = [
        {"Sid": SID_AUTH, "Effect": "Allow", "Action": [AUTH_ACTION], "Resource": "*"},
    ]
    repositories = _sorted_unique(repository_arns)
    if repositories:
        statements.append(
            {"Sid": SID_PULL, "Effect": "Allow", "Action": list(PULL_ACTIONS), "Resource": repositories}
        )
    log_groups = _sorted_unique(log_group_arns)
    if log_groups:
        statements.append(
            {"Sid": SID_LOGS, "Effect": "Allow", "Action": list(LOG_WRITE_ACTIONS), "Resource": log_groups}
        )
    return _document(*statements)


def ecs_tasks_trust_policy(account_id: str) -> PolicyDocument:
    """Trust ECS tasks of this account only (aws:SourceAccount guards against the confused deputy)."""
    return _document(
        {
            "Sid": "EcsTasksAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": ECS_TASKS_SERVICE},
            "Action": ["sts:AssumeRole"],
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }
    )


def canonical_json(document: PolicyDocument) -> str:
    """Compact JSON: what Pulumi sends and what ECR's 10,240-character limit counts."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True)


def iam_policy_length(document: PolicyDocument) -> int:
    """IAM counts policy size without whitespace; our compact rendering has none outside strings."""
    return len(canonical_json(document))
