"""What the replication components register, as plain data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from components.aws import rules
from components.plan.model import COMPONENT_PREFIX, Alias, Resource, key
from components.replication.documents import (
    check_registry_policy,
    replication_registry_policy,
    scanning_filters,
)
from components.replication.model import ReplicationDestination, ReplicationRule

if TYPE_CHECKING:
    from components.replication.component import (
        RegistryReplicationArgs,
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


def replica_repository_settings_resources(
    name: str, args: ReplicaRepositorySettingsArgs
) -> tuple[Resource, ...]:
    """One creation template (applied for REPLICATION) per prefix, and, when asked for, the registry
    scanning configuration: templates cannot carry scan on push."""
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
    if args["scan_on_push"]:
        resources.append(
            Resource(
                SCANNING_CONFIGURATION,
                f"{name}-scanning",
                {
                    "scan_type": "BASIC",
                    "rules": [
                        {
                            "scan_frequency": "SCAN_ON_PUSH",
                            "repository_filters": [
                                {"filter": f, "filter_type": "WILDCARD"}
                                for f in scanning_filters(args["filters"])
                            ],
                        }
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
    scan_on_push: bool,
    repository_policy: str | None,
    region: str | None = None,
) -> ReplicaRepositorySettingsArgs:
    args: ReplicaRepositorySettingsArgs = {
        "template_prefixes": list(prefixes),
        "filters": list(filters),
        "description": description,
        "scan_on_push": scan_on_push,
    }
    if repository_policy is not None:
        args["repository_policy"] = repository_policy
    if region is not None:
        args["region"] = region
    return args


def replication_receiver_resources(name: str, args: ReplicationReceiverArgs) -> tuple[Resource, ...]:
    """The replicas' settings first, then the registry policy: replication can start once the policy
    exists, and a replica created before its template keeps ECR's defaults for good."""
    destination = ReplicationDestination(args["region"], args["account_id"])
    policy = check_registry_policy(
        "registry policy", replication_registry_policy(args["source_account"], destination, args["filters"])
    )
    replicas = Resource(
        REPLICA_REPOSITORY_SETTINGS,
        f"{name}-replicas",
        dict(
            replica_settings_args(
                args["template_prefixes"],
                args["filters"],
                args["description"],
                args["scan_on_push"],
                args.get("repository_policy"),
            )
        ),
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
