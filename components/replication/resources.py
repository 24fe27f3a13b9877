"""What the replication components register, as plain data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from components.aws import rules
from components.plan.model import COMPONENT_PREFIX, Alias, Resource, key
from components.replication.documents import check_registry_policy, receiver_registry_policy
from components.replication.model import RegistryScanning, ReplicationDestination, ReplicationRule
from components.replication.scanning import resolved_rules

if TYPE_CHECKING:
    from components.replication.component import (
        RegistryReplicationArgs,
        RegistryScanningSettings,
        ReplicaRepositorySettingsArgs,
        ReplicationReceiverArgs,
        ReplicationRuleSettings,
    )

REGISTRY_REPLICATION = f"{COMPONENT_PREFIX}RegistryReplication"
REPLICA_REPOSITORY_SETTINGS = f"{COMPONENT_PREFIX}ReplicaRepositorySettings"
REPLICATION_RECEIVER = f"{COMPONENT_PREFIX}ReplicationReceiver"
REPLICATION_CONFIGURATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
CREATION_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
SCANNING_CONFIGURATION = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"


def rule_args(rule: ReplicationRule) -> ReplicationRuleSettings:
    args: ReplicationRuleSettings = {
        "destinations": [{"region": d.region, "account": d.account_id} for d in rule.destinations]
    }
    if rule.filters:
        args["filters"] = list(rule.filters)
    return args


def registry_replication_resources(name: str, args: RegistryReplicationArgs) -> tuple[Resource, ...]:
    """The registry's one replication configuration; deleting it empties replication in the Region."""
    configuration_rules: list[dict[str, Any]] = []
    for rule in args["rules"]:
        entry: dict[str, Any] = {
            "destinations": [
                {"region": d["region"], "registry_id": d["account"]} for d in rule["destinations"]
            ]
        }
        if rule.get("filters"):
            entry["repository_filters"] = [
                {"filter": f, "filter_type": rules.REPLICATION_FILTER_TYPE} for f in rule["filters"]
            ]
        configuration_rules.append(entry)
    return (
        Resource(
            REPLICATION_CONFIGURATION,
            f"{name}-configuration",
            {"replication_configuration": {"rules": configuration_rules}},
            parent=key(REGISTRY_REPLICATION, name),
            # Named like the component until 2026-12; a plan tells resources apart by type and name.
            aliases=(Alias(name=name),),
        ),
    )


def registry_scanning_args(scanning: RegistryScanning, replicated: Sequence[str]) -> RegistryScanningSettings:
    """The component args of a scanning configuration: rules whose left-out filters select the
    replicated repositories (``replicated``: their PREFIX_MATCH filters)."""
    return {
        "scan_type": scanning.scan_type,
        "rules": [
            {"scan_frequency": r.scan_frequency, "filters": list(r.filters or ())}
            for r in resolved_rules("registryScanning", scanning, replicated)
        ],
    }


def replica_repository_settings_resources(
    name: str, args: ReplicaRepositorySettingsArgs
) -> tuple[Resource, ...]:
    """One creation template (applied for REPLICATION) per prefix, and, when the config owns it, the
    registry scanning configuration: templates cannot carry scanning settings."""
    parent = key(REPLICA_REPOSITORY_SETTINGS, name)
    where: dict[str, Any] = {"region": args["region"]} if args.get("region") else {}
    policy: dict[str, Any] = (
        {"repository_policy": args["repository_policy"]} if args.get("repository_policy") else {}
    )
    resources = [
        Resource(
            CREATION_TEMPLATE,
            f"{name}-{prefix}",
            {
                "prefix": prefix,
                "applied_fors": [rules.TEMPLATE_APPLIED_FOR_REPLICATION],
                "description": args["description"],
                "image_tag_mutability": "IMMUTABLE",
                # KMS would need a custom role and a key per Region (aws-facts §4.4): refused in config.
                "encryption_configurations": [{"encryption_type": "AES256"}],
                **policy,
                **where,
            },
            parent=parent,
        )
        for prefix in args["template_prefixes"]
    ]
    scanning = args.get("registry_scanning")
    if scanning is not None:
        resources.append(
            Resource(
                SCANNING_CONFIGURATION,
                f"{name}-scanning",
                {
                    "scan_type": scanning["scan_type"],
                    "rules": [
                        {
                            "scan_frequency": rule["scan_frequency"],
                            "repository_filters": [
                                {"filter": f, "filter_type": rules.SCANNING_FILTER_TYPE}
                                for f in rule["filters"]
                            ],
                        }
                        for rule in scanning["rules"]
                    ],
                    **where,
                },
                parent=parent,
            )
        )
    return tuple(resources)


def replica_settings_args(
    prefixes: Sequence[str],
    filters: Sequence[str],
    description: str,
    scanning: RegistryScanning | None,
    repository_policy: str | None,
    region: str | None = None,
) -> ReplicaRepositorySettingsArgs:
    args: ReplicaRepositorySettingsArgs = {
        "template_prefixes": list(prefixes),
        "filters": list(filters),
        "description": description,
    }
    if scanning is not None:
        args["registry_scanning"] = registry_scanning_args(scanning, filters)
    if repository_policy is not None:
        args["repository_policy"] = repository_policy
    if region is not None:
        args["region"] = region
    return args


def replication_receiver_resources(name: str, args: ReplicationReceiverArgs) -> tuple[Resource, ...]:
    """The replicas' settings first, then the registry policy: replication can start once the policy
    exists, and a replica created before its template keeps ECR's defaults for good."""
    destination = ReplicationDestination(args["region"], args["account_id"])
    sources = [
        (args["source_account"], args["filters"]),
        *((s["account"], s.get("filters", ())) for s in args.get("other_sources", ())),
    ]
    policy = check_registry_policy(
        "registry policy",
        receiver_registry_policy(sources, destination, args.get("registry_policy_statements", ())),
    )
    replicas_args: dict[str, Any] = {
        "template_prefixes": list(args["template_prefixes"]),
        "filters": list(args["filters"]),
        "description": args["description"],
    }
    if "registry_scanning" in args:
        replicas_args["registry_scanning"] = args["registry_scanning"]
    if "repository_policy" in args:
        replicas_args["repository_policy"] = args["repository_policy"]
    replicas = Resource(
        REPLICA_REPOSITORY_SETTINGS,
        f"{name}-replicas",
        replicas_args,
        parent=key(REPLICATION_RECEIVER, name),
    )
    registry_policy = Resource(
        REGISTRY_POLICY,
        f"{name}-registry-policy",
        {"policy": policy},
        parent=key(REPLICATION_RECEIVER, name),
        depends_on=(replicas.key,),
    )
    return replicas, registry_policy


def destination_args(value: Mapping[str, Any]) -> ReplicationDestination:
    return ReplicationDestination(str(value["region"]), str(value["account"]))
