"""What the build stack's repositories plan: the ``SharedRepositories`` component, its grant and,
with ``kmsKeys.create``, the key it creates."""

from __future__ import annotations

from components.config.model import BuildStack
from components.plan.model import Resource
from components.repositories.resources import (
    SHARED_REPOSITORIES,
    SHARED_REPOSITORIES_ALIASES,
    access_args,
    repository_args,
)


def shared_repositories(config: BuildStack) -> Resource:
    shared: dict[str, object] = {
        "repositories": [repository_args(spec) for spec in config.repositories],
        "access": access_args(config.access),
        "region": config.region,
        "account_id": config.account_id,
    }
    if config.kms_keys is not None and config.kms_keys.create:
        shared["kms_key"] = {
            "account_id": config.account_id,
            "deletion_window_days": config.kms_keys.deletion_window_days,
        }
    return Resource(SHARED_REPOSITORIES, "shared", shared, aliases=SHARED_REPOSITORIES_ALIASES)
