"""What the replication components register, as plain data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from components.aws import rules
from components.aws.names import role_arn
from components.aws.policy import canonical_json
from components.encryption.model import KmsKeys
from components.encryption.resources import kms_key_resource, template_role_name, template_role_resources
from components.plan.model import COMPONENT_PREFIX, Alias, OutputRef, Resource, key
from components.replication.documents import (
    check_registry_policy,
    receiver_registry_policy,
    registry_policy_resources,
)
from components.replication.model import (
    RegistryScanning,
    ReplicaRegistry,
    ReplicaSettings,
    ReplicationDestination,
    ReplicationRule,
)
from components.replication.scanning import resolved_rules
from components.repositories.documents import lifecycle_policy_text, repository_policy
from components.repositories.resources import access_from_args, exclusion_filter_inputs

if TYPE_CHECKING:
    from components.replication.component import (
        RegistryReplicationArgs,
        RegistryScanningSettings,
        ReplicaGrant,
        ReplicaKeySettings,
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
# What a receiver passes on to its replicas' templates unchanged.
RECEIVED_SETTINGS = (
    "image_tag_mutability",
    "image_tag_mutability_exclusion_filters",
    "lifecycle_policy",
    "kms",
)


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
    registry scanning configuration: templates cannot carry scanning settings. With KMS, first the
    role ECR assumes for the templates and (unless one is given) the key, in the templates' Region."""
    parent = key(REPLICA_REPOSITORY_SETTINGS, name)
    where: dict[str, Any] = {"region": args["region"]} if args.get("region") else {}
    grant = args.get("grant")
    policy: dict[str, Any] = {}
    if grant is not None:
        document = repository_policy(access_from_args(grant["access"]), grant["region"], grant["account_id"])
        policy = {"repository_policy": canonical_json(document)}
    lifecycle: dict[str, Any] = (
        {"lifecycle_policy": args["lifecycle_policy"]} if args.get("lifecycle_policy") else {}
    )
    resources: list[Resource] = []
    encryption: dict[str, Any] = {"encryption_type": "AES256"}
    role: dict[str, Any] = {}
    waits: tuple[str, ...] = ()
    kms = args.get("kms")
    if kms is not None:
        key_resources, encryption, role = _replica_key(name, parent, kms, args.get("region"))
        resources += key_resources
        waits = (key_resources[1].key,)  # the role's policy
    resources += [
        Resource(
            CREATION_TEMPLATE,
            f"{name}-{prefix}",
            {
                "prefix": prefix,
                "applied_fors": [rules.TEMPLATE_APPLIED_FOR_REPLICATION],
                "description": args["description"],
                "image_tag_mutability": args.get("image_tag_mutability", "IMMUTABLE"),
                **exclusion_filter_inputs(args.get("image_tag_mutability_exclusion_filters") or ()),
                "encryption_configurations": [encryption],
                **role,
                **policy,
                **lifecycle,
                **where,
            },
            parent=parent,
            depends_on=waits,
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


def _replica_key(
    name: str, parent: str, kms: ReplicaKeySettings, region: str | None
) -> tuple[list[Resource], dict[str, Any], dict[str, Any]]:
    """The templates' role (ECR requires a custom role for KMS in a template: aws-facts §4.4) and, for
    a created key, the key naming that role; the templates' encryption and ``custom_role_arn``."""
    key_region = kms["region"]
    given = kms.get("key_arn")
    role, role_policy = template_role_resources(
        f"{name}-role",
        parent,
        role_name=kms["role_name"],
        repository_arns=list(kms["repository_arns"]),
        key_arns=[given] if given else [],
    )
    resources = [role, role_policy]
    key_arn: Any = given
    if not given:
        created = kms_key_resource(
            f"{name}-key",
            parent,
            account_id=kms["account_id"],
            region=key_region,
            deletion_window_days=kms.get("deletion_window_days", rules.KMS_DELETION_WINDOW_DAYS[1]),
            description="ecr-share: encrypts the replicas of the shared repositories",
            template_role=kms["role_name"],
            # The key policy names the role: KMS refuses a policy naming a role that does not exist.
            depends_on=(role.key,),
            other_region=region is not None,
        )
        resources.append(created)
        key_arn = OutputRef(created.key, "arn")
    encryption = {"encryption_type": "KMS", "kms_key": key_arn}
    return (
        resources,
        encryption,
        {"custom_role_arn": role_arn(key_region, kms["account_id"], kms["role_name"])},
    )


def replica_settings_args(
    prefixes: Sequence[str],
    filters: Sequence[str],
    description: str,
    scanning: RegistryScanning | None,
    grant: ReplicaGrant | None,
    region: str | None = None,
    settings: ReplicaSettings | None = None,
    kms: ReplicaKeySettings | None = None,
) -> ReplicaRepositorySettingsArgs:
    args: ReplicaRepositorySettingsArgs = {
        "template_prefixes": list(prefixes),
        "filters": list(filters),
        "description": description,
    }
    if scanning is not None:
        args["registry_scanning"] = registry_scanning_args(scanning, filters)
    if grant is not None:
        args["grant"] = grant
    if region is not None:
        args["region"] = region
    if settings is not None:
        args["image_tag_mutability"] = settings.image_tag_mutability
        if settings.exclusion_filters:
            args["image_tag_mutability_exclusion_filters"] = list(settings.exclusion_filters)
        if settings.lifecycle is not None:
            args["lifecycle_policy"] = lifecycle_policy_text(settings.lifecycle)
    if kms is not None:
        args["kms"] = kms
    return args


def replica_key_args(
    stack: str, registry: ReplicaRegistry, keys: KmsKeys | None, filters: Sequence[str] | None = None
) -> ReplicaKeySettings | None:
    """What a registry's templates need to encrypt its replicas with the stack's key of that Region.
    ``filters``: of every repository the templates may create (``templated_filters``), when more
    than the registry's own replicas."""
    if keys is None:
        return None
    destination = registry.destination
    args: ReplicaKeySettings = {
        "account_id": destination.account_id,
        "region": destination.region,
        "role_name": template_role_name(stack, destination.region),
        "repository_arns": registry_policy_resources(
            destination, registry.filters if filters is None else filters
        ),
    }
    given = keys.arn_in(destination.region)
    if given is not None:
        args["key_arn"] = given
    else:
        args["deletion_window_days"] = keys.deletion_window_days
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
    access = args.get("access")
    grant: ReplicaGrant | None = (
        None
        if access is None
        else {"access": access, "account_id": args["account_id"], "region": args["region"]}
    )
    settings: dict[str, Any] = dict(
        replica_settings_args(args["template_prefixes"], args["filters"], args["description"], None, grant)
    )
    for passed in (*RECEIVED_SETTINGS, "registry_scanning"):
        if passed in args:
            settings[passed] = args[passed]  # type: ignore[literal-required]
    replicas = Resource(
        REPLICA_REPOSITORY_SETTINGS,
        f"{name}-replicas",
        settings,
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
