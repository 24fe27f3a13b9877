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

from components.catalog import public_names

if TYPE_CHECKING:
    # For type checkers only (they cannot follow __getattr__): the catalog's names, spelled out.
    from components.args import ArgsError as ArgsError
    from components.consumers.component import AttachedPullPolicy as AttachedPullPolicy
    from components.consumers.component import AttachedPullPolicyArgs as AttachedPullPolicyArgs
    from components.consumers.component import EcsServiceSettings as EcsServiceSettings
    from components.consumers.component import FargateTaskDefinition as FargateTaskDefinition
    from components.consumers.component import FargateTaskDefinitionArgs as FargateTaskDefinitionArgs
    from components.consumers.component import PullExecutionRole as PullExecutionRole
    from components.consumers.component import PullExecutionRoleArgs as PullExecutionRoleArgs
    from components.replication.component import DestinationRegistry as DestinationRegistry
    from components.replication.component import RegistryReplication as RegistryReplication
    from components.replication.component import RegistryReplicationArgs as RegistryReplicationArgs
    from components.replication.component import ReplicaRepositorySettings as ReplicaRepositorySettings
    from components.replication.component import (
        ReplicaRepositorySettingsArgs as ReplicaRepositorySettingsArgs,
    )
    from components.replication.component import ReplicationReceiver as ReplicationReceiver
    from components.replication.component import ReplicationReceiverArgs as ReplicationReceiverArgs
    from components.replication.component import ReplicationRuleSettings as ReplicationRuleSettings
    from components.repositories.component import LambdaAccountGrant as LambdaAccountGrant
    from components.repositories.component import PullAccess as PullAccess
    from components.repositories.component import RepositorySettings as RepositorySettings
    from components.repositories.component import SharedRepositories as SharedRepositories
    from components.repositories.component import SharedRepositoriesArgs as SharedRepositoriesArgs
    from components.repositories.component import image_uri as image_uri

# Name -> its module, from the one list of components.
_MODULE_OF = public_names()

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'components' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
