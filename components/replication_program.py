"""The replication part of the program: the build stack's replication configuration and replica
templates, an environment's check of the build stack's ``replication`` export, and the receiving
side (registry policy and templates). ``program.py`` calls these; everything they compute comes from
the pure modules ``replication``, ``replication_outputs`` and ``registry_ownership``."""

from __future__ import annotations

from typing import Any

import pulumi

from components import aws_rules, stack_files
from components.build_outputs import BuildOutputs
from components.errors import ConfigError
from components.model import BuildStack, EnvironmentStack, ReplicationDestination, StackConfig
from components.policies import canonical_json, repository_pull_policy
from components.registry_ownership import check_registry_ownership, registry_claims
from components.replication import DestinationPlan, destination_plans, template_description, template_prefixes
from components.replication_components import (
    RegistryReplication,
    ReplicaRepositorySettings,
    ReplicationReceiver,
)
from components.replication_outputs import REPLICATION, ReplicationExport, check_environment_replication
from components.stack_config import parse_stack_config


def check_sibling_stacks(config: StackConfig) -> None:
    """Refuse to manage a registry singleton that another committed stack file manages too."""
    if not registry_claims(config):
        return
    project = stack_files.project_dir_default()
    others: dict[str, StackConfig] = {}
    for stack in stack_files.list_stacks(project):
        if stack == config.stack:
            continue
        try:
            others[stack] = parse_stack_config(stack, stack_files.load_stack_config(project, stack))
        except (ConfigError, stack_files.StackFileError):
            continue  # a stack that does not parse cannot deploy, so it owns nothing
    try:
        check_registry_ownership(config.stack, config, others)
    except ConfigError as error:
        raise pulumi.RunError(str(error)) from None


def deploy_replication(config: BuildStack) -> None:
    """The replication configuration, after the templates of the build account's own replica Regions:
    a replica created before its template would keep default settings for good."""
    assert config.replication is not None
    pull_policy = canonical_json(
        repository_pull_policy(config.access, aws_rules.partition_for(config.region))
    )
    own_regions: list[pulumi.Resource] = []
    for plan in destination_plans(config.replication.rules):
        if plan.destination.account_id != config.account_id:
            continue  # cross-account: the destination's environment stack owns its side
        own_regions.append(
            ReplicaRepositorySettings(
                f"replicas-{plan.destination.region}",
                {
                    "template_prefixes": plan.template_prefixes,
                    "filters": plan.filters,
                    "repository_policy": pull_policy,
                    "description": template_description(config.account_id, config.region),
                    "scan_on_push": config.replication.scan_on_push,
                    "region": plan.destination.region,
                },
            )
        )
    RegistryReplication(
        "replication",
        {"replication": config.replication},
        opts=pulumi.ResourceOptions(depends_on=own_regions),
    )


def read_replica_registry(
    config: EnvironmentStack, reference: pulumi.StackReference, build: pulumi.Output[BuildOutputs]
) -> pulumi.Output[DestinationPlan | None]:
    """The build stack's ``replication`` export checked against this stack (after the build checks):
    the replica registry to pull from, or ``None`` to pull from the build account."""

    def checked(values: list[Any]) -> DestinationPlan | None:
        value = values[1]
        export = None if value is None else ReplicationExport.from_output(value)
        try:
            replica, warnings = check_environment_replication(config, config.build_stack, export)
        except ConfigError as error:
            raise pulumi.RunError(str(error)) from None
        for warning in warnings:
            pulumi.log.warn(warning)
        return replica

    return pulumi.Output.all(build, reference.get_output(REPLICATION)).apply(checked)


def deploy_receiver(
    config: EnvironmentStack,
    build: pulumi.Output[BuildOutputs],
    replica: pulumi.Output[DestinationPlan | None],
) -> None:
    """This account's side of cross-account replication, with the build stack's pull grant."""
    receive = config.receive_replication
    assert receive is not None
    partition = aws_rules.partition_for(config.region)
    ReplicationReceiver(
        "replication",
        {
            "source_account": receive.source_account,
            "destination": ReplicationDestination(config.region, config.account_id),
            "filters": receive.filters,
            "template_prefixes": template_prefixes(receive.filters, receive.root_template),
            # Waits for the replication check too, so a mismatch creates no template either.
            "repository_policy": pulumi.Output.all(build, replica).apply(
                lambda values: canonical_json(repository_pull_policy(values[0].access, partition))
            ),
            "description": build.apply(lambda b: template_description(receive.source_account, b.region)),
            "scan_on_push": receive.scan_on_push,
            "ready": replica.apply(lambda _: "checked"),
        },
    )
