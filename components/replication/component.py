"""The replication components. No ``from __future__ import annotations`` here: Pulumi's component
host reads these annotations at run time to build the package schema."""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi

from components.plan.register import PlannedComponent
from components.replication.resources import (
    REGISTRY_REPLICATION,
    REPLICA_REPOSITORY_SETTINGS,
    REPLICATION_CONFIGURATION,
    REPLICATION_RECEIVER,
    registry_replication_resources,
    replica_repository_settings_resources,
    replication_receiver_resources,
)


class ReplicationDestinationArgs(TypedDict):
    region: str
    """The destination Region."""
    account: str
    """The destination account (its registry ID); the source account itself for cross-Region."""


class ReplicationRuleArgs(TypedDict):
    destinations: Sequence[ReplicationDestinationArgs]
    """Where the rule replicates to."""
    filters: NotRequired[Sequence[str]]
    """PREFIX_MATCH filters (string prefixes of repository names); none: every repository."""


class RegistryReplicationArgs(TypedDict):
    rules: Sequence[ReplicationRuleArgs]
    """The rules of the registry's replication configuration (at most 10)."""


class RegistryReplication(PlannedComponent):
    """The source registry's replication configuration: one per account and Region, so exactly one
    stack may own it; deleting it empties replication for the whole Region."""

    _type_token = REGISTRY_REPLICATION

    registry_id: pulumi.Output[str]
    """The source registry (account ID)."""

    def __init__(
        self, name: str, args: RegistryReplicationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, registry_replication_resources(name, args), opts)
        self.registry_id = self.registered(REPLICATION_CONFIGURATION, f"{name}-configuration").registry_id
        self.register_outputs({"registryId": self.registry_id})


class ScanningRuleArgs(TypedDict):
    scan_frequency: str
    """SCAN_ON_PUSH or MANUAL (BASIC); SCAN_ON_PUSH or CONTINUOUS_SCAN (ENHANCED)."""
    filters: Sequence[str]
    """WILDCARD filters of the repositories the rule scans."""


class RegistryScanningArgs(TypedDict):
    scan_type: str
    """BASIC, or ENHANCED (Amazon Inspector)."""
    rules: Sequence[ScanningRuleArgs]
    """At most 2 rules, one per scan frequency."""


class ReplicaRepositorySettingsArgs(TypedDict):
    template_prefixes: Sequence[str]
    """Creation-template prefixes: namespaces, or ROOT for every repository no other template matches."""
    filters: Sequence[str]
    """The replication filters these templates answer for; empty means every repository."""
    description: str
    """The templates' description."""
    registry_scanning: NotRequired[RegistryScanningArgs]
    """Also own the registry scanning configuration (all of it, for the whole registry)."""
    repository_policy: NotRequired[str]
    """The repository policy every replica starts with; none: replicas get no repository policy."""
    region: NotRequired[str]
    """The destination Region when it differs from the AWS provider's."""


class ReplicaRepositorySettings(PlannedComponent):
    """Creation templates (applied for REPLICATION) that give each replica, when ECR creates it,
    immutable tags, AES256 encryption and the given repository policy; without them it gets mutable
    tags and no policy (ECR replication.md). Templates act only at creation, so they must exist
    before the first replicated push."""

    _type_token = REPLICA_REPOSITORY_SETTINGS

    template_prefixes: pulumi.Output[list[str]]
    """The prefixes of the templates created."""

    def __init__(
        self, name: str, args: ReplicaRepositorySettingsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, replica_repository_settings_resources(name, args), opts)
        self.template_prefixes = pulumi.Output.from_input(list(args["template_prefixes"]))
        self.register_outputs({"templatePrefixes": self.template_prefixes})


class ReplicationSourceArgs(TypedDict):
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
    registry_scanning: NotRequired[RegistryScanningArgs]
    """Also own this registry's scanning configuration (all of it)."""
    repository_policy: NotRequired[str]
    """A repository policy for the replicas, for other accounts that pull them; none by default."""
    other_sources: NotRequired[Sequence[ReplicationSourceArgs]]
    """Other accounts that may replicate here, each into its own prefixes."""
    registry_policy_statements: NotRequired[Sequence[str]]
    """Further registry policy statements, each as JSON text, after the replication statements."""


class ReplicationReceiver(PlannedComponent):
    """A destination account's side of cross-account replication: the registry policy (this account's
    only one) that lets each source account replicate (only into its replicated prefixes) and holds
    the further statements given, and the replicas' settings."""

    _type_token = REPLICATION_RECEIVER

    registry_policy: pulumi.Output[str]
    """The registry policy text."""

    def __init__(
        self, name: str, args: ReplicationReceiverArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, replication_receiver_resources(name, args), opts)
        self.registry_policy = self.registered(
            "aws:ecr/registryPolicy:RegistryPolicy", f"{name}-registry-policy"
        ).policy
        self.register_outputs({"registryPolicy": self.registry_policy})


__all__ = [
    "REPLICA_REPOSITORY_SETTINGS",
    "RegistryReplication",
    "ReplicaRepositorySettings",
    "ReplicationReceiver",
]
