"""A stack's validated configuration: plain frozen records, no Pulumi.

Build them with ``components.config.stack.parse_stack_config``, which validates every value and
names the offending config key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from components.consumers.model import ServiceSpec
from components.encryption.model import KmsKeys
from components.project import BUILD, ENVIRONMENT
from components.replication.model import ReceiveReplication, Replication
from components.repositories.model import Access, Lifecycle, RepositorySpec


@dataclass(frozen=True)
class BuildStack:
    stack: str
    account_id: str
    region: str
    repositories: tuple[RepositorySpec, ...]
    access: Access
    replication: Replication | None = None
    lifecycle: Lifecycle | None = None
    """The default lifecycle of every repository that sets none."""
    kms_keys: KmsKeys | None = None
    """The stack's customer managed keys: the default encryption of its repositories and replicas."""

    @property
    def kind(self) -> str:
        return BUILD


@dataclass(frozen=True)
class EnvironmentStack:
    stack: str
    account_id: str
    region: str
    build_stack: str
    services: tuple[ServiceSpec, ...]
    organization_path: str | None = None
    log_retention_days: int = 30
    pull_from: str = "build"
    """``build`` (the build account's repositories) or ``replica`` (the replicas in this Region)."""
    receive_replication: ReceiveReplication | None = None
    repositories: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        # The repositories this stack pulls from, sorted and unique: the role is scoped to these.
        object.__setattr__(self, "repositories", tuple(sorted({s.repository for s in self.services})))

    @property
    def kind(self) -> str:
        return ENVIRONMENT


StackConfig = BuildStack | EnvironmentStack
