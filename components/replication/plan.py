"""What the replication settings of a stack plan: the build registry's replication configuration
with the templates of its own replica Regions, and an environment's receiving side
(``receiveReplication``), as the components' ``Resource`` records, and the parts of their models
that come from the stack's config (the replicas' key)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from components.config.model import BuildStack, EnvironmentStack
from components.encryption.model import KmsKeys
from components.encryption.resources import template_role_name
from components.plan.model import Resource
from components.replication.documents import (
    registry_policy_resources,
    template_description,
    templated_filters,
)
from components.replication.model import (
    RegistryReplicationSpec,
    ReplicaGrant,
    ReplicaKey,
    ReplicaRegistry,
    ReplicaRepositorySettingsSpec,
    ReplicaSettings,
    ReplicationReceiverSpec,
    TemplateSettings,
)
from components.replication.resources import (
    REGISTRY_REPLICATION,
    REPLICA_REPOSITORY_SETTINGS,
    REPLICATION_RECEIVER,
)

if TYPE_CHECKING:
    from components.contract.outputs import BuildOutputs


def build_replication(config: BuildStack) -> list[Resource]:
    """The replication configuration, after the templates of the build account's own replica Regions:
    a replica created before its template would keep ECR's default settings for good. Those
    replicas carry the build stack's grant, so its consumers may pull them in their Region (its
    Lambda statement names the functions of that Region, the only ones Lambda pulls for there);
    cross-account destinations own their side (``receiveReplication``)."""
    replication = config.replication
    assert replication is not None
    own_regions = [
        Resource(
            REPLICA_REPOSITORY_SETTINGS,
            f"replicas-{registry.destination.region}",
            model=ReplicaRepositorySettingsSpec(
                registry.template_prefixes,
                registry.filters,
                template_description(
                    config.account_id,
                    config.region,
                    pull_granted=True,
                    settings=registry.settings,
                    kms=config.kms_keys is not None,
                ),
                registry_scanning=registry.scanning,  # resolved by the parse
                grant=ReplicaGrant(config.access, config.account_id, registry.destination.region),
                region=registry.destination.region,
                settings=template_settings(
                    registry.settings, replica_key(config.stack, registry, config.kms_keys)
                ),
            ),
        )
        for registry in replication.registries
        if registry.destination.account_id == config.account_id
    ]
    configuration = Resource(
        REGISTRY_REPLICATION,
        "replication",
        model=RegistryReplicationSpec(replication.rules),
        depends_on=tuple(r.key for r in own_regions),
    )
    return [*own_regions, configuration]


def receiver(config: EnvironmentStack, build: BuildOutputs, registry: ReplicaRegistry | None) -> Resource:
    """This account's side of cross-account replication. Its replicas carry a repository policy only
    when ``receiveReplication.access`` grants other accounts: this account's roles need none.
    ``registry``: what the build stack replicates here, as the environment's check resolved it."""
    receive = config.receive_replication
    assert receive is not None
    assert registry is not None  # check_environment refused a receiver the build does not replicate to
    # Checked equal to what receiveReplication's filters and rootTemplate give.
    prefixes = registry.template_prefixes
    templated = templated_filters(prefixes, receive.filters, [s.filters for s in receive.other_sources])
    spec = ReplicationReceiverSpec(
        source_account=receive.source_account,
        account_id=config.account_id,
        region=config.region,
        filters=receive.filters,
        template_prefixes=tuple(prefixes),
        description=template_description(
            receive.source_account,
            build.region,
            pull_granted=receive.access is not None,
            settings=registry.settings,
            kms=receive.kms_keys is not None,
        ),
        registry_policy=receive.registry_policy,  # rendered and checked by its parse
        registry_scanning=receive.registry_scanning,  # resolved by its parse
        access=receive.access,
        other_sources=receive.other_sources,
        registry_policy_statements=receive.registry_policy_statements,
        settings=template_settings(
            registry.settings, replica_key(config.stack, registry, receive.kms_keys, templated)
        ),
    )
    return Resource(REPLICATION_RECEIVER, "replication", model=spec)


def template_settings(settings: ReplicaSettings, kms: ReplicaKey | None) -> TemplateSettings:
    """What the templates give every replica: the replicated repositories' shared settings, the
    lifecycle as the text ECR takes, and the key."""
    return TemplateSettings(
        settings.image_tag_mutability,
        settings.exclusion_filters,
        None if settings.lifecycle is None else settings.lifecycle.policy_text,
        kms,
    )


def replica_key(
    stack: str, registry: ReplicaRegistry, keys: KmsKeys | None, filters: Sequence[str] | None = None
) -> ReplicaKey | None:
    """What a registry's templates need to encrypt its replicas with the stack's key of that Region.
    ``filters``: of every repository the templates may create (``templated_filters``), when more
    than the registry's own replicas."""
    if keys is None:
        return None
    destination = registry.destination
    given = keys.arn_in(destination.region)
    return ReplicaKey(
        account_id=destination.account_id,
        region=destination.region,
        role_name=template_role_name(stack, destination.region),
        repository_arns=tuple(
            registry_policy_resources(destination, registry.filters if filters is None else filters)
        ),
        key_arn=given,
        deletion_window_days=None if given is not None else keys.deletion_window_days,
    )
