"""The build repositories' policy (pull only, for the granted accounts or organization) and their
lifecycle policy."""

from __future__ import annotations

import json
from typing import Any

from components.aws.names import account_root_arn
from components.aws.policy import PolicyDocument, document, sorted_unique
from components.aws.rules import PULL_ACTIONS
from components.repositories.model import Access, AccountsAccess, Lifecycle, OrganizationAccess

SID_ACCOUNT_PULL = "AllowCrossAccountPull"
SID_ORGANIZATION_PULL = "AllowOrganizationPull"


def repository_pull_policy(access: Access, partition: str = "aws") -> PolicyDocument:
    """The seed's step 1 (accounts) or its Organizations variant.

    Repository policies omit ``Resource``: the repository they are attached to is the resource.
    """
    if isinstance(access, AccountsAccess):
        principals = sorted_unique(account_root_arn(a, partition) for a in access.accounts)
        return document(
            {
                "Sid": SID_ACCOUNT_PULL,
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": list(PULL_ACTIONS),
            }
        )
    return document(
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
            "aws:PrincipalOrgPaths": sorted_unique(access.organization_paths)
        }
    return condition


def lifecycle_policy(lifecycle: Lifecycle) -> dict[str, Any]:
    """ECR lifecycle policy rules (lifecycle_policy_parameters.html): untagged images expire N days
    after their push (priority 1), then one rule per tag prefix keeps only its newest N images.
    Priorities are unique and in that order; ecr-share writes no ``tagStatus: any`` rule."""
    rules: list[dict[str, Any]] = []
    if lifecycle.expire_untagged_after_days is not None:
        days = lifecycle.expire_untagged_after_days
        rules.append(
            {
                "rulePriority": 1,
                "description": f"Expire untagged images {days} days after their push",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": days,
                },
                "action": {"type": "expire"},
            }
        )
    for keep in lifecycle.keep_tagged:
        rules.append(
            {
                "rulePriority": len(rules) + 1,
                "description": f"Keep only the newest {keep.count} images tagged {keep.prefix}*",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": [keep.prefix],
                    "countType": "imageCountMoreThan",
                    "countNumber": keep.count,
                },
                "action": {"type": "expire"},
            }
        )
    return {"rules": rules}


def lifecycle_policy_text(lifecycle: Lifecycle) -> str:
    return json.dumps(lifecycle_policy(lifecycle), separators=(",", ":"), ensure_ascii=True)
