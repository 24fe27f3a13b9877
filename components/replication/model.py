"""The validated replication settings of build and environment stacks: plain frozen records, and the
one function that derives a rule's creation-template prefixes from its filters.

Two prefix languages meet here (ECR API reference; aws-facts §4.4):
- a replication filter (PREFIX_MATCH) is a *string* prefix: ``web-app`` matches ``web-app``,
  ``web-app-v2`` and ``web-app/api``;
- a creation-template prefix is a *namespace*: ``team-a`` applies to ``team-a/...`` only, and
  ``ROOT`` to every repository no other template matches.
A filter ending in ``/`` (``team-a/``) selects exactly the namespace its template (``team-a``) covers.
Any other filter can only be covered by ``ROOT``, which the configuration must then say explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from components.aws import rules as aws_rules
from components.encryption.model import KmsKeys
from components.repositories.model import Access, Lifecycle


def is_namespace(filter_: str) -> bool:
    """A filter that is a whole namespace: exactly what a creation template can match."""
    return filter_.endswith("/")


def template_prefixes(filters: Iterable[str], root_template: bool) -> tuple[str, ...]:
    """The creation-template prefixes that cover exactly what the filters replicate: each record
    that holds filters and ``root_template`` derives them once, when it is made.

    Call only with filters that passed ``replication.config.check_alignment``.
    """
    filters = tuple(filters)
    if not filters:
        return (aws_rules.TEMPLATE_ROOT,)
    prefixes = {f.rstrip("/") for f in filters if is_namespace(f)}
    if root_template:
        prefixes.add(aws_rules.TEMPLATE_ROOT)
    return tuple(sorted(prefixes))


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
    template_prefixes: tuple[str, ...] = field(init=False)
    """The creation-template prefixes its destinations need (``template_prefixes``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "template_prefixes", template_prefixes(self.filters, self.root_template))


@dataclass(frozen=True)
class ScanningRule:
    """One rule of a registry scanning configuration."""

    scan_frequency: str
    filters: tuple[str, ...] | None = None
    """WILDCARD filters; ``None``: the repositories the stack replicates or receives there."""


@dataclass(frozen=True)
class RegistryScanning:
    """A whole registry scanning configuration (one per account and Region). A stack that has one
    owns that setting: each deploy replaces whatever scan type and rules the registry had."""

    scan_type: str
    rules: tuple[ScanningRule, ...]


@dataclass(frozen=True)
class Replication:
    """The build registry's replication configuration (one per account and Region)."""

    rules: tuple[ReplicationRule, ...]
    registry_scanning: RegistryScanning | None = None
    """The scanning configuration to own in each of the build account's replica Regions."""
    registries: tuple[ReplicaRegistry, ...] = field(kw_only=True)
    """Every registry the rules replicate to, merged over the rules, sorted by account then Region
    (``replication.documents.replica_registries``, decided once, when the config is parsed)."""
    own_regions: tuple[str, ...] = field(kw_only=True)
    """The Regions the build account replicates into itself, sorted: their replicas carry the build
    stack's grant."""


def grant_regions(region: str, replication: Replication | None) -> tuple[str, ...]:
    """The Regions whose registry of the build account carries the build stack's ``access``: its own
    Region, then the Regions it replicates into itself."""
    return (region, *(replication.own_regions if replication is not None else ()))


@dataclass(frozen=True)
class ReplicationSource:
    """A registry other than the build stack's that replicates into a receiving registry. Nothing
    can check it against another stack: its account and filters are trusted as written."""

    account_id: str
    filters: tuple[str, ...] = ()
    """PREFIX_MATCH filters it replicates with; empty: every repository."""


@dataclass(frozen=True)
class ReceiveReplication:
    """What an environment stack receives: the registry policy for the source account, and creation
    templates for the same prefixes (``filters``/``root_template`` mirror the build stack's rules)."""

    source_account: str
    filters: tuple[str, ...] = ()
    root_template: bool = False
    registry_scanning: RegistryScanning | None = None
    """As its parse returns it, every rule's WILDCARD filters given: a rule that leaves them out scans
    what the registry receives, from every source (``replication.scanning.resolved_rules``)."""
    access: Access | None = None
    """Other accounts that may pull the replicas; none by default (this account's own roles need no
    repository policy to pull its own replicas)."""
    other_sources: tuple[ReplicationSource, ...] = ()
    """Other registries allowed to replicate here, each into its own prefixes."""
    registry_policy_statements: tuple[str, ...] = ()
    """Further registry policy statements (canonical JSON text each), validated, after the
    replication statements: one registry policy holds everything the account needs."""
    kms_keys: KmsKeys | None = None
    """The key (created, or given by ARN) that encrypts the replicas; required for KMS sources."""
    registry_policy: str = field(kw_only=True)
    """The registry's whole policy (canonical JSON text), as its parse rendered and checked it from
    the sources, their filters and the statements above, in the stack's account and Region
    (``replication.documents.receiver_registry_policy``): the plan takes it as it is. Derived, yet a
    field (the parse alone knows the account and Region): a record changed with ``dataclasses.replace``
    keeps the text it had, so change the config and parse it again instead."""
    template_prefixes: tuple[str, ...] = field(init=False)
    """The creation-template prefixes its filters and ``root_template`` give (``template_prefixes``):
    checked equal to what the build stack's rules need here."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "template_prefixes", template_prefixes(self.filters, self.root_template))


@dataclass(frozen=True)
class ReplicaSettings:
    """What the creation templates of one destination give every replica: the settings the
    replicated repositories share (ECR replicates images, not settings: replication.md)."""

    image_tag_mutability: str = "IMMUTABLE"
    exclusion_filters: tuple[str, ...] = ()
    """The same exclusions as the sources: a tag that may move there (``latest``) must be able to move
    in the replica too, or ECR drops the replicated tag and leaves the new image untagged."""
    encryption: str = "AES256"
    """KMS when a replicated repository is KMS-encrypted: its replicas must be encrypted with a key too."""
    lifecycle: Lifecycle | None = None


@dataclass(frozen=True)
class ReplicaRegistry:
    """Everything one destination registry receives, merged over the rules that reach it."""

    destination: ReplicationDestination
    filters: tuple[str, ...]
    """Sorted PREFIX_MATCH filters; empty means every repository."""
    template_prefixes: tuple[str, ...]
    settings: ReplicaSettings = ReplicaSettings()
    repositories: tuple[str, ...] = ()
    """The build stack's repositories that its filters select, in the build stack's order: what it
    receives (decided once, with the registry; ``replica_registries``)."""
    scanning: RegistryScanning | None = None
    """In a Region the build account replicates into itself, the scanning configuration the build
    stack owns there (``replication.registryScanning``), every rule's WILDCARD filters given: what
    the registry receives, unless the rule names its own."""


@dataclass(frozen=True)
class RegistryReplicationSpec:
    """What a ``RegistryReplication`` registers from: the registry's replication rules."""

    rules: tuple[ReplicationRule, ...]


@dataclass(frozen=True)
class ReplicaKey:
    """The customer managed key that encrypts KMS replicas, and the role ECR assumes to create them
    (created with the templates, in the key's registry)."""

    account_id: str
    region: str
    role_name: str
    repository_arns: tuple[str, ...]
    """The replicated repositories (ARNs, prefix wildcards) the role may create and replicate into."""
    key_arn: str | None = None
    """A key the user manages; None: a key is created, with ``deletion_window_days``."""
    deletion_window_days: int | None = None


@dataclass(frozen=True)
class TemplateSettings:
    """What the creation templates give every replica when ECR creates it."""

    image_tag_mutability: str = "IMMUTABLE"
    exclusion_filters: tuple[str, ...] = ()
    lifecycle_policy: str | None = None
    """ECR lifecycle policy JSON text; None: no lifecycle policy."""
    kms: ReplicaKey | None = None
    """None: AES256."""


@dataclass(frozen=True)
class ReplicaGrant:
    """Who may pull the replicas, and the registry they are in (their repository policy's grant)."""

    access: Access
    account_id: str
    region: str


@dataclass(frozen=True)
class ReplicaRepositorySettingsSpec:
    """What a ``ReplicaRepositorySettings`` registers from: one creation template per prefix, and the
    registry scanning configuration when it owns it."""

    template_prefixes: tuple[str, ...]
    filters: tuple[str, ...]
    description: str
    registry_scanning: RegistryScanning | None = None
    """With every rule's WILDCARD filters given (``scanning.resolved_rules``)."""
    grant: ReplicaGrant | None = None
    region: str | None = None
    """The templates' Region when it is not the provider's."""
    settings: TemplateSettings = TemplateSettings()


@dataclass(frozen=True)
class ReplicationReceiverSpec:
    """What a ``ReplicationReceiver`` registers from: the registry policy's sources and statements,
    and the replicas' templates."""

    source_account: str
    account_id: str
    region: str
    filters: tuple[str, ...]
    template_prefixes: tuple[str, ...]
    description: str
    registry_policy: str
    """The registry policy text, rendered and checked once from the sources and statements here:
    by the config's parse (``ReceiveReplication.registry_policy``) or the args check."""
    registry_scanning: RegistryScanning | None = None
    """With every rule's WILDCARD filters given."""
    access: Access | None = None
    other_sources: tuple[ReplicationSource, ...] = ()
    registry_policy_statements: tuple[str, ...] = ()
    settings: TemplateSettings = TemplateSettings()
