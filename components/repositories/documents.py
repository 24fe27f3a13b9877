"""The build repositories' policy (pull only, for the granted accounts or organization, roles and
Lambda functions; each kind of grant is its own statement, built by its own function, and
``repository_policy`` puts them together for one registry) and their lifecycle policy."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from components.aws.names import account_root_arn, arn_account, lambda_functions_arn
from components.aws.policy import PolicyDocument, Statement, canonical_json, document, sorted_unique
from components.aws.rules import (
    LAMBDA_PULL_ACTIONS,
    LAMBDA_SERVICE,
    PULL_ACTIONS,
    REPOSITORY_POLICY_MAX_CHARS,
    partition_for,
)
from components.repositories.model import Access, AccountsAccess, Lifecycle, OrganizationAccess

SID_ACCOUNT_PULL = "AllowCrossAccountPull"
SID_ORGANIZATION_PULL = "AllowOrganizationPull"
SID_ROLE_PULL = "AllowRolePull"
SID_LAMBDA_PULL = "AllowLambdaPull"
SID_LAMBDA_ACCOUNT_PULL = "AllowLambdaAccountPull"
SID_LAMBDA_DEPLOYER_PULL = "AllowLambdaDeployerPull"
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


def repository_policy(access: Access, region: str, owner: str | None) -> PolicyDocument:
    """The repository policy of a registry of account ``owner`` in ``region``: the whole-account or
    organization grant, the role grant, and the Lambda grant for functions in ``region``, each
    statement only when it grants someone. ``owner`` unknown (None): the owner's own Lambda functions
    are named like any other account's, which grants it nothing it does not have."""
    partition = partition_for(region)
    return document(
        *whole_account_statements(access, partition),
        *role_pull_statements(access.roles, partition),
        *lambda_pull_statements(access, region, owner),
    )


def whole_account_statements(access: Access, partition: str) -> list[Statement]:
    """``repository_pull_policy``'s statements; none when no account is granted whole."""
    if isinstance(access, AccountsAccess) and not access.accounts:
        return []
    return list(repository_pull_policy(access, partition)["Statement"])


def role_pull_statements(roles: Iterable[str], partition: str) -> list[Statement]:
    """Pull for exactly these roles: each role's account root as the principal, narrowed by
    ``aws:PrincipalArn``.

    Not the role ARNs as principals: ECR refuses a policy that names a role which does not exist yet
    ("invalid repository policy provided"), and the build stack deploys before the environments
    create their roles; and a principal ARN is stored as the role's unique ID, so a role deleted and
    created again under the same name would lose its access. A condition keeps the ARN as written,
    so neither happens (IAM reference_policies_elements_principal.html, "IAM role principals";
    aws-facts §2.2). The account root alone would let every role the account allows pull; the
    condition lets only the listed ones (aws:PrincipalArn is in every request an IAM role makes,
    reference_policies_condition-keys.html)."""
    listed = sorted_unique(roles)
    if not listed:
        return []
    return [
        {
            "Sid": SID_ROLE_PULL,
            "Effect": "Allow",
            "Principal": {"AWS": sorted_unique(account_root_arn(arn_account(r), partition) for r in listed)},
            "Action": list(PULL_ACTIONS),
            "Condition": {"ArnEquals": {"aws:PrincipalArn": listed}},
        }
    ]


def lambda_pull_statements(access: Access, region: str, owner: str | None) -> list[Statement]:
    """What AWS documents for container-image Lambda functions of these accounts, in this Region
    (Lambda developer guide, configuration-images.html, "Amazon ECR permissions" and "Amazon ECR
    cross-account permissions"):

    - the Lambda service principal may get the image, only on behalf of the accounts' functions in
      this registry's own Region (``aws:sourceARN``), the only Region Lambda pulls from;
    - each other account may too (its root: "allows account ... to create and update Lambda
      functions that use images from this ECR repository"), unless it is granted whole already
      (its statement has both actions). The registry's own account needs no such statement: its
      identity policies decide for it. The root lets every principal the account allows get the
      images; a grant with ``deployers`` names only those roles instead, as ``role_pull_statements``
      does (root principal, ``ArnEquals aws:PrincipalArn``). That Lambda checks the creating
      identity's own access with its role ARN as ``aws:PrincipalArn`` is inferred, not documented: if
      it does not, creating a function fails with access denied; it never grants more.
    """
    grants = access.lambda_grants_in(region)
    accounts = [g.account_id for g in grants]
    if not accounts:
        return []
    statements: list[Statement] = [
        {
            "Sid": SID_LAMBDA_PULL,
            "Effect": "Allow",
            "Principal": {"Service": LAMBDA_SERVICE},
            "Action": list(LAMBDA_PULL_ACTIONS),
            "Condition": {
                "StringLike": {"aws:sourceARN": [lambda_functions_arn(region, a) for a in accounts]}
            },
        }
    ]
    whole = set(access.accounts) if isinstance(access, AccountsAccess) else set()
    others = [g for g in grants if g.account_id != owner and g.account_id not in whole]
    partition = partition_for(region)
    roots = [g.account_id for g in others if not g.deployers]
    if roots:
        statements.append(
            {
                "Sid": SID_LAMBDA_ACCOUNT_PULL,
                "Effect": "Allow",
                "Principal": {"AWS": [account_root_arn(a, partition) for a in roots]},
                "Action": list(LAMBDA_PULL_ACTIONS),
            }
        )
    narrowed = [g for g in others if g.deployers]
    if narrowed:
        statements.append(
            {
                "Sid": SID_LAMBDA_DEPLOYER_PULL,
                "Effect": "Allow",
                "Principal": {"AWS": [account_root_arn(g.account_id, partition) for g in narrowed]},
                "Action": list(LAMBDA_PULL_ACTIONS),
                "Condition": {
                    "ArnEquals": {"aws:PrincipalArn": sorted_unique(d for g in narrowed for d in g.deployers)}
                },
            }
        )
    return statements


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
