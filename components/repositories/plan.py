"""What the build stack's repositories plan: the ``SharedRepositories`` component, its grant and,
with ``kmsKeys.create``, the key it creates."""

from __future__ import annotations

from components.config.model import BuildStack
from components.plan.model import Resource
from components.repositories.model import CreatedKey, SharedRepositoriesSpec, SharedRepository
from components.repositories.resources import SHARED_REPOSITORIES, SHARED_REPOSITORIES_ALIASES


def shared_repositories(config: BuildStack) -> Resource:
    keys = config.kms_keys
    spec = SharedRepositoriesSpec(
        repositories=tuple(
            SharedRepository(s, None if s.lifecycle is None else s.lifecycle.policy_text)
            for s in config.repositories
        ),
        access=config.access,
        region=config.region,
        account_id=config.account_id,
        kms_key=CreatedKey(config.account_id, keys.deletion_window_days)
        if keys is not None and keys.create
        else None,
    )
    return Resource(SHARED_REPOSITORIES, "shared", model=spec, aliases=SHARED_REPOSITORIES_ALIASES)
