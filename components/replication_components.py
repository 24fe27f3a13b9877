"""Replication resources: the source registry's replication configuration, and what a destination
registry needs so that replicas can be pulled (registry policy, creation templates, scanning)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components import aws_rules
from components.model import Replication, ReplicationDestination
from components.replication import (
    check_registry_policy,
    replication_registry_policy,
    scanning_filters,
)

REGISTRY_REPLICATION_TOKEN = "ecr-share:index:RegistryReplication"
REPLICA_SETTINGS_TOKEN = "ecr-share:index:ReplicaRepositorySettings"
REPLICATION_RECEIVER_TOKEN = "ecr-share:index:ReplicationReceiver"


class RegistryReplicationArgs(TypedDict):
    replication: Replication
    """The validated rules (``components.replication_config.parse_replication``)."""


class RegistryReplication(pulumi.ComponentResource):
    """The build registry's replication configuration: one per account and Region, so exactly one
    stack (the build stack) may own it; deleting it empties replication for the whole Region."""

    registry_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: RegistryReplicationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(REGISTRY_REPLICATION_TOKEN, name, None, opts)
        rules: list[aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgsDict] = []
        for rule in args["replication"].rules:
            entry: aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgsDict = {
                "destinations": [{"region": d.region, "registry_id": d.account_id} for d in rule.destinations]
            }
            if rule.filters:
                entry["repository_filters"] = [
                    {"filter": f, "filter_type": aws_rules.REPLICATION_FILTER_TYPE} for f in rule.filters
                ]
            rules.append(entry)
        configuration = aws.ecr.ReplicationConfiguration(
            name,
            replication_configuration={"rules": rules},
            # The caller's depends_on (the replica templates) must hold for the resource itself.
            opts=pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None),
        )
        self.registry_id = configuration.registry_id
        self.register_outputs({"registryId": self.registry_id})


class ReplicaRepositorySettingsArgs(TypedDict):
    template_prefixes: Sequence[str]
    """Creation-template prefixes (``components.replication.template_prefixes``)."""
    filters: Sequence[str]
    """The replication filters these templates answer for; empty means every repository."""
    repository_policy: pulumi.Input[str]
    """The pull policy every replica starts with: the build stack's grant (``repository_pull_policy``)."""
    description: pulumi.Input[str]
    scan_on_push: bool
    """Also own the registry scanning configuration: scan-on-push for the replicated repositories."""
    region: str | None
    """The destination Region when it differs from the provider's (pulumi-aws 7 per-resource region)."""


class ReplicaRepositorySettings(pulumi.ComponentResource):
    """Creation templates (applied for REPLICATION) that give each replica, when ECR creates it, the
    pull policy, immutable tags and AES256 encryption; without them it gets no policy, mutable tags
    and no scanning (ECR replication.md). Templates act only at creation, so they must exist before
    the first replicated push."""

    template_prefixes: pulumi.Output[list[str]]

    def __init__(
        self, name: str, args: ReplicaRepositorySettingsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(REPLICA_SETTINGS_TOKEN, name, None, opts)
        region = args["region"]
        for prefix in args["template_prefixes"]:
            aws.ecr.RepositoryCreationTemplate(
                f"{name}-{prefix}",
                prefix=prefix,
                applied_fors=[aws_rules.TEMPLATE_APPLIED_FOR_REPLICATION],
                description=args["description"],
                image_tag_mutability="IMMUTABLE",
                # KMS would need a custom role and a key per Region (aws-facts §4.4): refused in config.
                encryption_configurations=[{"encryption_type": "AES256"}],
                repository_policy=args["repository_policy"],
                region=region,
                opts=pulumi.ResourceOptions(parent=self),
            )
        if args["scan_on_push"]:
            # Templates cannot carry scan-on-push; the registry scanning configuration can.
            aws.ecr.RegistryScanningConfiguration(
                f"{name}-scanning",
                scan_type="BASIC",
                rules=[
                    {
                        "scan_frequency": "SCAN_ON_PUSH",
                        "repository_filters": [
                            {"filter": f, "filter_type": "WILDCARD"}
                            for f in scanning_filters(args["filters"])
                        ],
                    }
                ],
                region=region,
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.template_prefixes = pulumi.Output.from_input(list(args["template_prefixes"]))
        self.register_outputs({"templatePrefixes": self.template_prefixes})


class ReplicationReceiverArgs(TypedDict):
    source_account: str
    destination: ReplicationDestination
    """This stack's own registry (account and Region)."""
    filters: Sequence[str]
    template_prefixes: Sequence[str]
    repository_policy: pulumi.Input[str]
    description: pulumi.Input[str]
    scan_on_push: bool
    ready: pulumi.Input[str]
    """Resolves once the build stack's replication has been checked against this stack; the
    registry policy waits for it, so a mismatch never writes one."""


class ReplicationReceiver(pulumi.ComponentResource):
    """A destination account's side of cross-account replication: the registry policy that lets the
    source account replicate (only into the replicated prefixes) and the replicas' settings."""

    registry_policy: pulumi.Output[str]

    def __init__(
        self, name: str, args: ReplicationReceiverArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(REPLICATION_RECEIVER_TOKEN, name, None, opts)
        policy = check_registry_policy(
            "registry policy",
            replication_registry_policy(args["source_account"], args["destination"], args["filters"]),
        )
        replicas = ReplicaRepositorySettings(
            f"{name}-replicas",
            {
                "template_prefixes": args["template_prefixes"],
                "filters": args["filters"],
                "repository_policy": args["repository_policy"],
                "description": args["description"],
                "scan_on_push": args["scan_on_push"],
                "region": None,
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        registry_policy = aws.ecr.RegistryPolicy(
            f"{name}-registry-policy",
            policy=pulumi.Output.from_input(args["ready"]).apply(lambda _: policy),
            # Replication can start once this policy exists: the templates must already be there.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[replicas]),
        )
        self.registry_policy = registry_policy.policy
        self.register_outputs({"registryPolicy": self.registry_policy})
