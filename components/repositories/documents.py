"""The build repositories' policy: pull only, for the granted accounts or organization."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from components.aws.names import account_root_arn
from components.aws.policy import PolicyDocument, canonical_json, document, sorted_unique
from components.aws.rules import PULL_ACTIONS, REPOSITORY_POLICY_MAX_CHARS
from components.repositories.model import Access, AccountsAccess, OrganizationAccess

SID_ACCOUNT_PULL = "AllowCrossAccountPull"
SID_ORGANIZATION_PULL = "AllowOrganizationPull"
# One more account in the compact form: a comma, two quotes and twelve digits.
COMPACT_CHARS_PER_ACCOUNT = 15


def repository_pull_policy(access: Access, partition: str = "aws") -> PolicyDocument:
    """The seed's step 1 (accounts) or its Organizations variant.

    An account list is rendered as the seed writes it (one root ARN per account in ``Principal``)
    while that fits ECR's 10,240 characters, and otherwise in the equivalent compact form
    (``account_condition_policy``), which holds about twice as many accounts. The choice depends only
    on the accounts and the partition, so the same grant always renders the same bytes.

    Repository policies omit ``Resource``: the repository they are attached to is the resource.
    """
    if isinstance(access, AccountsAccess):
        readable = account_principals_policy(access.accounts, partition)
        if len(canonical_json(readable)) <= REPOSITORY_POLICY_MAX_CHARS:
            return readable
        return account_condition_policy(access.accounts)
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


def account_principals_policy(accounts: Iterable[str], partition: str = "aws") -> PolicyDocument:
    """The seed's form: each account's root in ``Principal``, which delegates to the account, whose
    own identity policies must then allow the pull (IAM reference_policies_elements_principal.html)."""
    return document(
        {
            "Sid": SID_ACCOUNT_PULL,
            "Effect": "Allow",
            "Principal": {"AWS": sorted_unique(account_root_arn(a, partition) for a in accounts)},
            "Action": list(PULL_ACTIONS),
        }
    )


def account_condition_policy(accounts: Iterable[str]) -> PolicyDocument:
    """The same grant in 15 characters an account instead of about 34: ``Principal: "*"`` restricted
    to the listed accounts by ``aws:PrincipalAccount``, which is in the request context of every
    request and holds the account of the caller (IAM reference_policies_condition-keys.html; AWS
    uses the same pattern with ``aws:PrincipalOrgID``). The values of one key are ORed
    (reference_policies_elements_condition.html), and no quota limits their number: ECR's 10,240
    characters are what bind (``most_accounts_in_one_policy``).

    Equivalent to ``account_principals_policy`` for every caller outside the repository's own account
    (the grant never names that account: ``check_not_granting_owner``): a cross-account caller
    still needs its own identity policy to allow the pull, since cross-account access always needs
    both sides (reference_policies_evaluation-logic-cross-account.html).

    Service principals: the seed's form names account roots only, so it grants no AWS service
    principal. ``Principal: "*"`` would match one, and what ``aws:PrincipalAccount`` holds for a
    service principal is not documented, so ``aws:PrincipalIsAWSService`` (true exactly when an AWS
    service principal calls, present in every signed request) excludes them explicitly. IfExists
    keeps the pull of every IAM role working even if a request lacked the key. A service that must
    pull (Lambda, aws-facts §2.6) needs its own statement in either form.
    """
    return document(
        {
            "Sid": SID_ACCOUNT_PULL,
            "Effect": "Allow",
            # "*" is safe only with the account condition; it is never emitted without it.
            "Principal": "*",
            "Action": list(PULL_ACTIONS),
            "Condition": {
                "StringEquals": {"aws:PrincipalAccount": sorted_unique(accounts)},
                "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
            },
        }
    )


def most_accounts_in_one_policy() -> int:
    """How many accounts the compact form holds within ECR's repository policy limit; the same in
    every partition, since it names bare account IDs."""
    one = len(canonical_json(account_condition_policy(["000000000000"])))
    return 1 + (REPOSITORY_POLICY_MAX_CHARS - one) // COMPACT_CHARS_PER_ACCOUNT


def organization_condition(access: OrganizationAccess) -> dict[str, Any]:
    condition: dict[str, Any] = {"StringEquals": {"aws:PrincipalOrgID": access.organization_id}}
    if access.organization_paths:
        # aws:PrincipalOrgPaths is multivalued, hence ForAnyValue; StringLike allows trailing "*".
        condition["ForAnyValue:StringLike"] = {
            "aws:PrincipalOrgPaths": sorted_unique(access.organization_paths)
        }
    return condition
