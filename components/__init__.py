"""ecr-share: share container images from one ECR registry with every other AWS account.

The component package's public API, for any Pulumi Python program (README, "Use the components in
your own program")::

    from components import SharedRepositories, PullExecutionRole, FargateTaskDefinition, image_uri

Grouped by feature (DEVELOPERS.md, "Layout"): ``aws`` (rules, names, canonical policy JSON),
``config`` (the stack-file loader and the parse of a stack), ``repositories`` (the build account's
shared repositories), ``consumers`` (environment accounts: execution role, task definitions),
``replication``, ``contract`` (what crosses the stack boundary), ``plan`` (what a stack registers, as
plain data, and its registration), ``args`` (the components' checks of their args), ``provider``
(every component for other languages), ``program`` (the thin shell ``__main__.py`` calls), ``verify``
and ``pipeline`` (command lines). The Pulumi components live in each feature's ``component`` module.

The names below are imported on first use, so the pure modules and command lines still load without
the Pulumi SDKs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.args import ArgsError
    from components.consumers.component import (
        AttachedPullPolicy,
        AttachedPullPolicyArgs,
        EcsServiceSettings,
        FargateTaskDefinition,
        FargateTaskDefinitionArgs,
        PullExecutionRole,
        PullExecutionRoleArgs,
    )
    from components.replication.component import (
        DestinationRegistry,
        RegistryReplication,
        RegistryReplicationArgs,
        ReplicaRepositorySettings,
        ReplicaRepositorySettingsArgs,
        ReplicationReceiver,
        ReplicationReceiverArgs,
        ReplicationRuleSettings,
    )
    from components.repositories.component import (
        LambdaAccountGrant,
        PullAccess,
        RepositorySettings,
        SharedRepositories,
        SharedRepositoriesArgs,
        image_uri,
    )

_PUBLIC = {
    "components.args": ("ArgsError",),
    "components.repositories.component": (
        "SharedRepositories",
        "SharedRepositoriesArgs",
        "RepositorySettings",
        "PullAccess",
        "LambdaAccountGrant",
        "image_uri",
    ),
    "components.consumers.component": (
        "AttachedPullPolicy",
        "AttachedPullPolicyArgs",
        "EcsServiceSettings",
        "PullExecutionRole",
        "PullExecutionRoleArgs",
        "FargateTaskDefinition",
        "FargateTaskDefinitionArgs",
    ),
    "components.replication.component": (
        "RegistryReplication",
        "RegistryReplicationArgs",
        "ReplicationRuleSettings",
        "DestinationRegistry",
        "ReplicaRepositorySettings",
        "ReplicaRepositorySettingsArgs",
        "ReplicationReceiver",
        "ReplicationReceiverArgs",
    ),
}
_MODULE_OF = {name: module for module, names in _PUBLIC.items() for name in names}

__all__ = [
    "ArgsError",
    "AttachedPullPolicy",
    "AttachedPullPolicyArgs",
    "DestinationRegistry",
    "EcsServiceSettings",
    "FargateTaskDefinition",
    "FargateTaskDefinitionArgs",
    "LambdaAccountGrant",
    "PullAccess",
    "PullExecutionRole",
    "PullExecutionRoleArgs",
    "RegistryReplication",
    "RegistryReplicationArgs",
    "ReplicaRepositorySettings",
    "ReplicaRepositorySettingsArgs",
    "ReplicationReceiver",
    "ReplicationReceiverArgs",
    "ReplicationRuleSettings",
    "RepositorySettings",
    "SharedRepositories",
    "SharedRepositoriesArgs",
    "image_uri",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'components' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
