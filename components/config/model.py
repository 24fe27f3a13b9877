"""A stack's validated configuration: plain frozen records, no Pulumi.

Build them with ``components.config.stack.parse_stack_config``, which validates every value and
names the offending config key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from components.consumers.model import ExistingRole, ServiceSpec
from components.encryption.model import KmsKeys
from components.project import BUILD, ENVIRONMENT
from components.replication.model import ReceiveReplication, Replication, grant_regions
from components.repositories.model import Access, Lifecycle, RepositorySpec


@dataclass(frozen=True)
class BuildStack:
    """A build stack's validated config: the shared repositories, who may pull them, and what it
    replicates."""

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

    @property
    def grant_regions(self) -> tuple[str, ...]:
        """The Regions whose registry of this account carries ``access``: this stack's, then the
        Regions the account replicates into itself."""
        return grant_regions(self.region, self.replication)


@dataclass(frozen=True)
class EnvironmentStack:
    """An environment stack's validated config: its services and where it pulls their images from."""

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
    pull_roles: tuple[ExistingRole, ...] = ()
    """Existing roles of this account that get the pull policy too."""
    deploy_after: tuple[str, ...] = ()
    """Environment stacks the pipeline deploys before this one; nothing this stack deploys."""
    require_signature: tuple[str, ...] = ()
    """Signing profile ARNs: the pipeline deploys here only images signed (COMPLETE) by one of them."""
    repositories: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        # The repositories this stack pulls from, sorted and unique: the role is scoped to these.
        object.__setattr__(self, "repositories", tuple(sorted({s.repository for s in self.services})))

    @property
    def kind(self) -> str:
        return ENVIRONMENT


StackConfig = BuildStack | EnvironmentStack
