"""What the replication settings of a stack plan: the build registry's replication configuration
with the templates of its own replica Regions, and an environment's receiving side
(``receiveReplication``), as the components' ``Resource`` records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.config.model import BuildStack, EnvironmentStack
from components.plan.model import Resource
from components.replication.documents import (
    merged_filters,
    replica_registries,
    template_description,
    template_prefixes,
    templated_filters,
)
from components.replication.resources import (
    REGISTRY_REPLICATION,
    REPLICA_REPOSITORY_SETTINGS,
    REPLICATION_RECEIVER,
    registry_scanning_args,
    replica_key_args,
    replica_settings_args,
    rule_args,
)
from components.repositories.documents import lifecycle_policy_text
from components.repositories.resources import access_args

if TYPE_CHECKING:
    from components.contract.outputs import BuildOutputs


def build_replication(config: BuildStack) -> list[Resource]:
    """The replication configuration, after the templates of the build account's own replica Regions:
    a replica created before its template would keep ECR's default settings for good. Those
    replicas carry the build stack's grant, so its consumers may pull them in their Region (its
    Lambda statement names the functions of that Region, the only ones Lambda pulls for there);
    cross-account destinations own their side (``receiveReplication``)."""
    assert config.replication is not None
    own_regions = [
        Resource(
            REPLICA_REPOSITORY_SETTINGS,
            f"replicas-{registry.destination.region}",
            dict(
                replica_settings_args(
                    registry.template_prefixes,
                    registry.filters,
                    template_description(
                        config.account_id,
                        config.region,
                        pull_granted=True,
                        settings=registry.settings,
                        kms=config.kms_keys is not None,
                    ),
                    config.replication.registry_scanning,
                    {
                        "access": access_args(config.access),
                        "account_id": config.account_id,
                        "region": registry.destination.region,
                    },
                    region=registry.destination.region,
                    settings=registry.settings,
                    kms=replica_key_args(config.stack, registry, config.kms_keys),
                )
            ),
        )
        for registry in replica_registries(config.replication.rules, config.repositories)
        if registry.destination.account_id == config.account_id
    ]
    replication = Resource(
        REGISTRY_REPLICATION,
        "replication",
        {"rules": [rule_args(rule) for rule in config.replication.rules]},
        depends_on=tuple(r.key for r in own_regions),
    )
    return [*own_regions, replication]


def receiver(config: EnvironmentStack, build: BuildOutputs) -> Resource:
    """This account's side of cross-account replication. Its replicas carry a repository policy only
    when ``receiveReplication.access`` grants other accounts: this account's roles need none."""
    receive = config.receive_replication
    assert receive is not None
    registry = build.replica_registry(config.account_id, config.region)
    assert registry is not None  # check_environment refused a receiver the build does not replicate to
    settings = registry.settings
    args: dict[str, object] = {
        "source_account": receive.source_account,
        "account_id": config.account_id,
        "region": config.region,
        "filters": list(receive.filters),
        "template_prefixes": list(template_prefixes(receive.filters, receive.root_template)),
        "description": template_description(
            receive.source_account,
            build.region,
            pull_granted=receive.access is not None,
            settings=settings,
            kms=receive.kms_keys is not None,
        ),
        "image_tag_mutability": settings.image_tag_mutability,
    }
    if settings.exclusion_filters:
        args["image_tag_mutability_exclusion_filters"] = list(settings.exclusion_filters)
    if settings.lifecycle is not None:
        args["lifecycle_policy"] = lifecycle_policy_text(settings.lifecycle)
    prefixes = template_prefixes(receive.filters, receive.root_template)
    templated = templated_filters(prefixes, receive.filters, [s.filters for s in receive.other_sources])
    kms = replica_key_args(config.stack, registry, receive.kms_keys, templated)
    if kms is not None:
        args["kms"] = kms
    if receive.other_sources:
        args["other_sources"] = [
            {"account": s.account_id, **({"filters": list(s.filters)} if s.filters else {})}
            for s in receive.other_sources
        ]
    if receive.registry_policy_statements:
        args["registry_policy_statements"] = list(receive.registry_policy_statements)
    if receive.registry_scanning is not None:
        received = merged_filters([receive.filters, *(s.filters for s in receive.other_sources)])
        args["registry_scanning"] = registry_scanning_args(receive.registry_scanning, received)
    if receive.access is not None:
        args["access"] = access_args(receive.access)
    return Resource(REPLICATION_RECEIVER, "replication", args)
