"""The ``SharedRepositories`` args, checked by the functions that check the build stack's
``repositories`` and ``access`` keys, so the rules and messages are the same; keys are the args'
schema names (``repositories[0].imageTagMutability``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from components.config import values
from components.repositories.config import check_repository_policy_size, parse_access, parse_repositories
from components.repositories.resources import access_args, repository_args

if TYPE_CHECKING:
    from components.repositories.component import SharedRepositoriesArgs


def check_shared_repositories_args(args: Mapping[str, Any]) -> SharedRepositoriesArgs:
    """Every repository and the grant, normalized: each repository with all its settings."""
    region = values.region("region", args["region"])
    repositories = parse_repositories("repositories", args["repositories"], region)
    access = parse_access("access", args["access"])
    check_repository_policy_size("access", access, region)
    return {
        "repositories": [repository_args(spec) for spec in repositories],
        "access": access_args(access),
        "region": region,
    }
