"""What the replication components register, as plain data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from components.aws import rules
from components.aws.names import role_arn
from components.aws.policy import canonical_json
from components.encryption.resources import kms_key_resource, template_role_resources
from components.plan.model import COMPONENT_PREFIX, Alias, OutputRef, Resource, key
from components.replication.model import (
    RegistryReplicationSpec,
    RegistryScanning,
    ReplicaGrant,
    ReplicaKey,
    ReplicaRepositorySettingsSpec,
    ReplicationReceiverSpec,
    ReplicationRule,
    ReplicationSource,
    TemplateSettings,
)
from components.repositories.documents import repository_policy
from components.repositories.resources import access_args, exclusion_filter_inputs

if TYPE_CHECKING:
    from components.replication.component import (
        RegistryReplicationArgs,
        RegistryScanningSettings,
        ReplicaKeySettings,
        ReplicaRepositorySettingsArgs,
        ReplicationReceiverArgs,
        ReplicationRuleSettings,
        ReplicationSourceSettings,
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


def registry_replication_resources(name: str, spec: RegistryReplicationSpec) -> tuple[Resource, ...]:
    """The registry's one replication configuration; deleting it empties replication in the Region."""
    configuration_rules: list[dict[str, Any]] = []
    for rule in spec.rules:
        entry: dict[str, Any] = {
            "destinations": [{"region": d.region, "registry_id": d.account_id} for d in rule.destinations]
        }
        if rule.filters:
            entry["repository_filters"] = [
                {"filter": f, "filter_type": rules.REPLICATION_FILTER_TYPE} for f in rule.filters
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
    name: str, spec: ReplicaRepositorySettingsSpec
) -> tuple[Resource, ...]:
    """One creation template (applied for REPLICATION) per prefix, and, when the config owns it, the
    registry scanning configuration: templates cannot carry scanning settings. With KMS, first the
    role ECR assumes for the templates and (unless one is given) the key, in the templates' Region."""
    parent = key(REPLICA_REPOSITORY_SETTINGS, name)
    where: dict[str, Any] = {"region": spec.region} if spec.region else {}
    grant = spec.grant
    policy: dict[str, Any] = {}
    if grant is not None:
        document = repository_policy(grant.access, grant.region, grant.account_id)
        policy = {"repository_policy": canonical_json(document)}
    settings = spec.settings
    lifecycle: dict[str, Any] = (
        {"lifecycle_policy": settings.lifecycle_policy} if settings.lifecycle_policy else {}
    )
    resources: list[Resource] = []
    encryption: dict[str, Any] = {"encryption_type": "AES256"}
    role: dict[str, Any] = {}
    waits: tuple[str, ...] = ()
    if settings.kms is not None:
        key_resources, encryption, role = _replica_key(name, parent, settings.kms, spec.region)
        resources += key_resources
        waits = (key_resources[1].key,)  # the role's policy
    resources += [
        Resource(
            CREATION_TEMPLATE,
            f"{name}-{prefix}",
            {
                "prefix": prefix,
                "applied_fors": [rules.TEMPLATE_APPLIED_FOR_REPLICATION],
                "description": spec.description,
                "image_tag_mutability": settings.image_tag_mutability,
                **exclusion_filter_inputs(settings.exclusion_filters),
                "encryption_configurations": [encryption],
                **role,
                **policy,
                **lifecycle,
                **where,
            },
            parent=parent,
            depends_on=waits,
        )
        for prefix in spec.template_prefixes
    ]
    scanning = spec.registry_scanning
    if scanning is not None:
        resources.append(
            Resource(
                SCANNING_CONFIGURATION,
                f"{name}-scanning",
                {
                    "scan_type": scanning.scan_type,
                    "rules": [
                        {
                            "scan_frequency": rule.scan_frequency,
                            "repository_filters": [
                                {"filter": f, "filter_type": rules.SCANNING_FILTER_TYPE}
                                for f in rule.filters or ()
                            ],
                        }
                        for rule in scanning.rules
                    ],
                    **where,
                },
                parent=parent,
            )
        )
    return tuple(resources)


def _replica_key(
    name: str, parent: str, kms: ReplicaKey, region: str | None
) -> tuple[list[Resource], dict[str, Any], dict[str, Any]]:
    """The templates' role (ECR requires a custom role for KMS in a template: aws-facts §4.4) and, for
    a created key, the key naming that role; the templates' encryption and ``custom_role_arn``."""
    role, role_policy = template_role_resources(
        f"{name}-role",
        parent,
        role_name=kms.role_name,
        repository_arns=list(kms.repository_arns),
        key_arns=[kms.key_arn] if kms.key_arn else [],
    )
    resources = [role, role_policy]
    key_arn: Any = kms.key_arn
    if not kms.key_arn:
        created = kms_key_resource(
            f"{name}-key",
            parent,
            account_id=kms.account_id,
            region=kms.region,
            deletion_window_days=kms.deletion_window_days or rules.KMS_DELETION_WINDOW_DAYS[1],
            description="ecr-share: encrypts the replicas of the shared repositories",
            template_role=kms.role_name,
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
        {"custom_role_arn": role_arn(kms.region, kms.account_id, kms.role_name)},
    )


def replication_receiver_resources(name: str, spec: ReplicationReceiverSpec) -> tuple[Resource, ...]:
    """The replicas' settings first, then the registry policy: replication can start once the policy
    exists, and a replica created before its template keeps ECR's defaults for good."""
    replicas = Resource(
        REPLICA_REPOSITORY_SETTINGS,
        f"{name}-replicas",
        model=ReplicaRepositorySettingsSpec(
            spec.template_prefixes,
            spec.filters,
            spec.description,
            registry_scanning=spec.registry_scanning,
            grant=None if spec.access is None else ReplicaGrant(spec.access, spec.account_id, spec.region),
            settings=spec.settings,
        ),
        parent=key(REPLICATION_RECEIVER, name),
    )
    registry_policy = Resource(
        REGISTRY_POLICY,
        f"{name}-registry-policy",
        {"policy": spec.registry_policy},
        parent=key(REPLICATION_RECEIVER, name),
        depends_on=(replicas.key,),
    )
    return replicas, registry_policy


# The models as the components' args (Python names, defaults filled in): what each args check takes
# back to the same model (tests/package/test_component_args.py proves the round trip).


def registry_replication_args(spec: RegistryReplicationSpec) -> RegistryReplicationArgs:
    return {"rules": [rule_args(rule) for rule in spec.rules]}


def replica_repository_settings_args(spec: ReplicaRepositorySettingsSpec) -> ReplicaRepositorySettingsArgs:
    args: ReplicaRepositorySettingsArgs = {
        "template_prefixes": list(spec.template_prefixes),
        "filters": list(spec.filters),
        "description": spec.description,
    }
    if spec.registry_scanning is not None:
        args["registry_scanning"] = scanning_args(spec.registry_scanning)
    if spec.grant is not None:
        grant = spec.grant
        args["grant"] = {
            "access": access_args(grant.access),
            "account_id": grant.account_id,
            "region": grant.region,
        }
    if spec.region is not None:
        args["region"] = spec.region
    _put_settings(args, spec.settings)
    return args


def replication_receiver_args(spec: ReplicationReceiverSpec) -> ReplicationReceiverArgs:
    args: ReplicationReceiverArgs = {
        "source_account": spec.source_account,
        "account_id": spec.account_id,
        "region": spec.region,
        "filters": list(spec.filters),
        "template_prefixes": list(spec.template_prefixes),
        "description": spec.description,
    }
    if spec.registry_scanning is not None:
        args["registry_scanning"] = scanning_args(spec.registry_scanning)
    if spec.access is not None:
        args["access"] = access_args(spec.access)
    if spec.other_sources:
        args["other_sources"] = [_source_args(s) for s in spec.other_sources]
    if spec.registry_policy_statements:
        args["registry_policy_statements"] = list(spec.registry_policy_statements)
    _put_settings(args, spec.settings)
    return args


def _source_args(source: ReplicationSource) -> ReplicationSourceSettings:
    args: ReplicationSourceSettings = {"account": source.account_id}
    if source.filters:
        args["filters"] = list(source.filters)
    return args


def scanning_args(scanning: RegistryScanning) -> RegistryScanningSettings:
    return {
        "scan_type": scanning.scan_type,
        "rules": [
            {"scan_frequency": r.scan_frequency, "filters": list(r.filters or ())} for r in scanning.rules
        ],
    }


def _put_settings(
    args: ReplicaRepositorySettingsArgs | ReplicationReceiverArgs, settings: TemplateSettings
) -> None:
    args["image_tag_mutability"] = settings.image_tag_mutability
    if settings.exclusion_filters:
        args["image_tag_mutability_exclusion_filters"] = list(settings.exclusion_filters)
    if settings.lifecycle_policy is not None:
        args["lifecycle_policy"] = settings.lifecycle_policy
    if settings.kms is not None:
        args["kms"] = _key_args(settings.kms)


def _key_args(kms: ReplicaKey) -> ReplicaKeySettings:
    args: ReplicaKeySettings = {
        "account_id": kms.account_id,
        "region": kms.region,
        "role_name": kms.role_name,
        "repository_arns": list(kms.repository_arns),
    }
    if kms.key_arn is not None:
        args["key_arn"] = kms.key_arn
    if kms.deletion_window_days is not None:
        args["deletion_window_days"] = kms.deletion_window_days
    return args
