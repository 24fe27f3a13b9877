"""The ``SharedRepositories`` args, checked by the functions that check the build stack's
``repositories`` and ``access`` keys, so the rules and messages are the same; keys are the args'
schema names (``repositories[0].imageTagMutability``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from components.config import values
from components.repositories.config import (
    check_narrow_grants,
    check_not_granting_owner,
    check_repository_policies_size,
    check_repository_policy_size,
    parse_access,
    parse_repositories,
)
from components.repositories.resources import access_args, repository_args

if TYPE_CHECKING:
    from components.repositories.component import SharedRepositoriesArgs


def check_shared_repositories_args(args: Mapping[str, Any]) -> SharedRepositoriesArgs:
    """Every repository and the grant, normalized: each repository with all its settings."""
    region = values.region("region", args["region"])
    account = None if args.get("accountId") is None else values.account_id("accountId", args["accountId"])
    repositories = parse_repositories("repositories", args["repositories"], region)
    access = parse_access("access", args["access"])
    check_repository_policy_size("access", access, region)
    if account is not None:
        check_not_granting_owner("access", access, account, "accountId")
    # A Lambda grant in another Region of the partition is for the replicas there (a replica template
    # carries the same grant); the component writes only its own Region's statement.
    regions = [region, *(g.region for g in access.lambda_accounts if g.region and g.region != region)]
    check_narrow_grants("access", access, account, region, regions)
    check_repository_policies_size("access", access, account, [region])
    checked: SharedRepositoriesArgs = {
        "repositories": [repository_args(spec) for spec in repositories],
        "access": access_args(access),
        "region": region,
    }
    if account is not None:
        checked["account_id"] = account
    return checked
