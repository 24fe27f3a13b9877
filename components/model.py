"""The validated shape of a stack's configuration: plain frozen records, no Pulumi.

Build them with ``components.stack_config.parse_stack_config`` (or the ``parse_*`` helpers there),
which validate every value and name the offending config key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NAMESPACE = "ecr-share"


@dataclass(frozen=True)
class AccountsAccess:
    """Pull granted to each listed account's root, i.e. to principals the account allows."""

    accounts: tuple[str, ...]

    @property
    def mode(self) -> str:
        return "accounts"


@dataclass(frozen=True)
class OrganizationAccess:
    """Pull granted to every principal of an AWS Organization, optionally only below OU paths."""

    organization_id: str
    organization_paths: tuple[str, ...] = ()

    @property
    def mode(self) -> str:
        return "organization"


Access = AccountsAccess | OrganizationAccess


@dataclass(frozen=True)
class RepositorySpec:
    name: str
    scan_on_push: bool = True
    image_tag_mutability: str = "IMMUTABLE"
    encryption_type: str = "AES256"
    kms_key: str | None = None


@dataclass(frozen=True)
class ServiceSpec:
    """One Fargate task definition running one image from the shared registry."""

    name: str
    repository: str
    cpu: int
    memory: int
    container_port: int
    image_tag: str | None = None
    image_digest: str | None = None


@dataclass(frozen=True)
class ReplicationDestination:
    """A registry that replicas land in: one account in one Region."""

    region: str
    account_id: str


@dataclass(frozen=True)
class ReplicationRule:
    """One ECR replication rule. ``filters`` are PREFIX_MATCH string prefixes; none means every
    repository. ``root_template`` says the destinations use the catch-all ROOT creation template,
    which a filter that is not a whole namespace (``web-app`` rather than ``web-app/``) needs."""

    destinations: tuple[ReplicationDestination, ...]
    filters: tuple[str, ...] = ()
    root_template: bool = False


@dataclass(frozen=True)
class Replication:
    """The build registry's replication configuration (one per account and Region)."""

    rules: tuple[ReplicationRule, ...]
    scan_on_push: bool = False
    """Own the registry scanning configuration of the build account's replica Regions."""


@dataclass(frozen=True)
class ReceiveReplication:
    """What an environment stack receives: the registry policy for the source account, and creation
    templates for the same prefixes (``filters``/``root_template`` mirror the build stack's rules)."""

    source_account: str
    filters: tuple[str, ...] = ()
    root_template: bool = False
    scan_on_push: bool = False


@dataclass(frozen=True)
class BuildStack:
    stack: str
    account_id: str
    region: str
    repositories: tuple[RepositorySpec, ...]
    access: Access
    replication: Replication | None = None

    @property
    def kind(self) -> str:
        return "build"


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
        return "environment"


StackConfig = BuildStack | EnvironmentStack
