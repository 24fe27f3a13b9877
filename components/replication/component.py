"""The replication components. No ``from __future__ import annotations`` here: Pulumi's component
host reads these annotations at run time to build the package schema."""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi

from components.args import ComponentArgs
from components.plan.register import PlannedComponent
from components.replication.model import (
    RegistryReplicationSpec,
    ReplicaRepositorySettingsSpec,
    ReplicationReceiverSpec,
)
from components.replication.resources import (
    CREATION_TEMPLATE,
    REGISTRY_POLICY,
    REGISTRY_REPLICATION,
    REPLICA_REPOSITORY_SETTINGS,
    REPLICATION_CONFIGURATION,
    REPLICATION_RECEIVER,
    registry_replication_args,
    replica_repository_settings_args,
    replication_receiver_args,
)
from components.repositories.component import PullAccess


class DestinationRegistry(TypedDict):
    """A registry replicas land in: one account in one Region."""

    region: str
    """The destination Region."""
    account: str
    """The destination account (its registry ID); the source account itself for cross-Region."""


class ReplicationRuleSettings(TypedDict):
    """One rule of a registry's replication configuration."""

    destinations: Sequence[DestinationRegistry]
    """Where the rule replicates to."""
    filters: NotRequired[Sequence[str]]
    """PREFIX_MATCH filters (string prefixes of repository names); none: every repository."""


class RegistryReplicationArgs(TypedDict):
    rules: Sequence[ReplicationRuleSettings]
    """The rules of the registry's replication configuration (at most 10)."""


class RegistryReplication(PlannedComponent):
    """The source registry's replication configuration: one per account and Region, so exactly one
    stack may own it; deleting it empties replication for the whole Region."""

    _type_token = REGISTRY_REPLICATION
    _args = ComponentArgs(
        RegistryReplicationArgs,
        REGISTRY_REPLICATION,
        RegistryReplicationSpec,
        registry_replication_args,
    )

    registry_id: pulumi.Output[str]
    """The source registry (account ID)."""

    def __init__(
        self, name: str, args: RegistryReplicationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, args, opts)

    def _outputs(self, name: str, spec: RegistryReplicationSpec) -> None:
        self.registry_id = self.registered(REPLICATION_CONFIGURATION, f"{name}-configuration").registry_id
        self.register_outputs({"registryId": self.registry_id})


class ScanningRuleSettings(TypedDict):
    """One rule of a registry scanning configuration: how often it scans which repositories."""

    scan_frequency: str
    """SCAN_ON_PUSH or MANUAL (BASIC); SCAN_ON_PUSH or CONTINUOUS_SCAN (ENHANCED)."""
    filters: Sequence[str]
    """WILDCARD filters of the repositories the rule scans."""


class RegistryScanningSettings(TypedDict):
    """A whole registry scanning configuration: it replaces whatever the registry had."""

    scan_type: str
    """BASIC, or ENHANCED (Amazon Inspector)."""
    rules: Sequence[ScanningRuleSettings]
    """At most 2 rules, one per scan frequency."""


class ReplicaKeySettings(TypedDict):
    """The customer managed key that encrypts KMS replicas, and the role ECR assumes to create them."""

    account_id: str
    """The registry's account: it owns the key and the templates' role."""
    region: str
    """The registry's Region: the key's (a template's key must be in its Region)."""
    role_name: str
    """The IAM role ECR assumes to create KMS-encrypted replicas (created here)."""
    repository_arns: Sequence[str]
    """The replicated repositories' ARNs (prefix wildcards) the role may create and replicate into."""
    key_arn: NotRequired[str]
    """A key you manage, in the templates' Region; none: a key is created here."""
    deletion_window_days: NotRequired[int]
    """For a created key: days (7 to 30) between its deletion and its destruction (default 30)."""


class ReplicaGrant(TypedDict):
    """Who may pull the replicas, and the registry they are in: the replicas' repository policy is
    rendered from it, with the same function and checks as SharedRepositories' access."""

    access: PullAccess
    """Accounts or an organization, roles and Lambda functions, as SharedRepositories' access."""
    account_id: str
    """The replicas' registry account: its own Lambda functions get no account statement."""
    region: str
    """The replicas' Region: it decides the ARN partition and which Lambda functions are named."""


class ReplicaRepositorySettingsArgs(TypedDict):
    template_prefixes: Sequence[str]
    """Creation-template prefixes: namespaces, or ROOT for every repository no other template matches."""
    filters: Sequence[str]
    """The replication filters these templates answer for; empty means every repository."""
    description: str
    """The templates' description."""
    registry_scanning: NotRequired[RegistryScanningSettings]
    """Also own the registry scanning configuration (all of it, for the whole registry)."""
    grant: NotRequired[ReplicaGrant]
    """Who may pull the replicas (their repository policy); none: replicas get no repository policy."""
    region: NotRequired[str]
    """The destination Region when it differs from the AWS provider's."""
    image_tag_mutability: NotRequired[str]
    """The replicas' tag mutability (default IMMUTABLE): the replicated repositories'."""
    image_tag_mutability_exclusion_filters: NotRequired[Sequence[str]]
    """With *_WITH_EXCLUSION: the replicated repositories' exclusion filters."""
    lifecycle_policy: NotRequired[str]
    """The lifecycle policy every replica starts with; none: no lifecycle policy."""
    kms: NotRequired[ReplicaKeySettings]
    """Encrypt the replicas with a customer managed key (default: AES256)."""


class ReplicaRepositorySettings(PlannedComponent):
    """Creation templates (applied for REPLICATION) that give each replica, when ECR creates it, the
    source repositories' tag mutability and lifecycle policy, AES256 or a customer managed key, and
    the pull policy of the given grant; without them it gets mutable tags and no policy (ECR
    replication.md). Templates act only at creation, so they must exist before the first replicated
    push."""

    _type_token = REPLICA_REPOSITORY_SETTINGS
    _args = ComponentArgs(
        ReplicaRepositorySettingsArgs,
        REPLICA_REPOSITORY_SETTINGS,
        ReplicaRepositorySettingsSpec,
        replica_repository_settings_args,
    )

    template_prefixes: pulumi.Output[list[str]]
    """The prefixes of the templates created."""
    registry_id: pulumi.Output[str]
    """The registry (account ID) the templates are created in."""

    def __init__(
        self, name: str, args: ReplicaRepositorySettingsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, args, opts)

    def _outputs(self, name: str, spec: ReplicaRepositorySettingsSpec) -> None:
        prefixes = list(spec.template_prefixes)
        self.template_prefixes = pulumi.Output.from_input(prefixes)
        self.registry_id = self.registered(CREATION_TEMPLATE, f"{name}-{prefixes[0]}").registry_id
        self.register_outputs({"templatePrefixes": self.template_prefixes, "registryId": self.registry_id})


class ReplicationSourceSettings(TypedDict):
    """Another registry that replicates into this one, into its own prefixes."""

    account: str
    """Another account that replicates into this registry."""
    filters: NotRequired[Sequence[str]]
    """Its PREFIX_MATCH filters; none: every repository."""


class ReplicationReceiverArgs(TypedDict):
    source_account: str
    """The account that replicates into this registry."""
    account_id: str
    """This registry's account."""
    region: str
    """This registry's Region: the AWS provider's."""
    filters: Sequence[str]
    """The source's PREFIX_MATCH filters for this registry; empty: every repository."""
    template_prefixes: Sequence[str]
    """Creation-template prefixes covering exactly the replicated repositories."""
    description: str
    """The templates' description."""
    registry_scanning: NotRequired[RegistryScanningSettings]
    """Also own this registry's scanning configuration (all of it)."""
    access: NotRequired[PullAccess]
    """Other accounts (or an organization) that may pull the replicas; none by default. Roles and Lambda functions are granted by the build account's SharedRepositories."""
    other_sources: NotRequired[Sequence[ReplicationSourceSettings]]
    """Other accounts that may replicate here, each into its own prefixes."""
    registry_policy_statements: NotRequired[Sequence[str]]
    """Further registry policy statements, each as JSON text, after the replication statements."""
    image_tag_mutability: NotRequired[str]
    """The replicas' tag mutability (default IMMUTABLE): the replicated repositories'."""
    image_tag_mutability_exclusion_filters: NotRequired[Sequence[str]]
    """With *_WITH_EXCLUSION: the replicated repositories' exclusion filters."""
    lifecycle_policy: NotRequired[str]
    """The lifecycle policy every replica starts with; none: no lifecycle policy."""
    kms: NotRequired[ReplicaKeySettings]
    """Encrypt the replicas with a customer managed key (default: AES256)."""


class ReplicationReceiver(PlannedComponent):
    """A destination account's side of cross-account replication: the registry policy (this account's
    only one) that lets each source account replicate (only into its replicated prefixes) and holds
    the further statements given, and the replicas' settings."""

    _type_token = REPLICATION_RECEIVER
    _args = ComponentArgs(
        ReplicationReceiverArgs,
        REPLICATION_RECEIVER,
        ReplicationReceiverSpec,
        replication_receiver_args,
    )

    registry_policy: pulumi.Output[str]
    """The registry policy text."""
    registry_id: pulumi.Output[str]
    """The receiving registry (account ID)."""
    template_prefixes: pulumi.Output[list[str]]
    """The prefixes of the replicas' creation templates."""

    def __init__(
        self, name: str, args: ReplicationReceiverArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, args, opts)

    def _outputs(self, name: str, spec: ReplicationReceiverSpec) -> None:
        registry_policy = self.registered(REGISTRY_POLICY, f"{name}-registry-policy")
        self.registry_policy = registry_policy.policy
        self.registry_id = registry_policy.registry_id
        self.template_prefixes = pulumi.Output.from_input(list(spec.template_prefixes))
        self.register_outputs(
            {
                "registryPolicy": self.registry_policy,
                "registryId": self.registry_id,
                "templatePrefixes": self.template_prefixes,
            }
        )


__all__ = [
    "REPLICA_REPOSITORY_SETTINGS",
    "RegistryReplication",
    "ReplicaRepositorySettings",
    "ReplicationReceiver",
]
