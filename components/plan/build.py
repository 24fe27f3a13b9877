"""The plan of a build stack: the shared repositories and, when configured, replication."""

from __future__ import annotations

from components.config.model import BuildStack
from components.contract.outputs import build_exports
from components.plan.children import expanded
from components.plan.model import Resource, StackPlan
from components.project import BUILD
from components.replication.documents import replica_registries, template_description
from components.replication.resources import (
    REGISTRY_REPLICATION,
    REPLICA_REPOSITORY_SETTINGS,
    replica_key_args,
    replica_settings_args,
    rule_args,
)
from components.repositories.resources import (
    SHARED_REPOSITORIES,
    SHARED_REPOSITORIES_ALIASES,
    access_args,
    repository_args,
)


def plan_build_stack(config: BuildStack) -> StackPlan:
    shared: dict[str, object] = {
        "repositories": [repository_args(spec) for spec in config.repositories],
        "access": access_args(config.access),
        "region": config.region,
        "account_id": config.account_id,
    }
    if config.kms_keys is not None and config.kms_keys.create:
        shared["kms_key"] = {
            "account_id": config.account_id,
            "deletion_window_days": config.kms_keys.deletion_window_days,
        }
    components = [Resource(SHARED_REPOSITORIES, "shared", shared, aliases=SHARED_REPOSITORIES_ALIASES)]
    if config.replication is not None:
        components += _replication(config)
    return StackPlan(
        stack=config.stack,
        kind=BUILD,
        account_id=config.account_id,
        region=config.region,
        resources=expanded(components),
        exports=build_exports(config),
    )


def _replication(config: BuildStack) -> list[Resource]:
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
