"""The multi-stack program: what ``__main__.py`` deploys for a build or an environment stack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi

from components import aws_rules, build_outputs
from components.build_outputs import BuildOutputs, check_environment_against_build, service_image
from components.consumer import CrossAccountTaskDefinition, PullExecutionRole
from components.errors import ConfigError
from components.model import NAMESPACE, BuildStack, EnvironmentStack, ServiceSpec, StackConfig
from components.naming import execution_role_name, log_group_arn
from components.replication_outputs import REPLICATION, pull_sources, replica_image, replication_output
from components.replication_program import (
    check_sibling_stacks,
    deploy_receiver,
    deploy_replication,
    read_replica_registry,
)
from components.shared_repository import SharedRepository
from components.stack_config import parse_stack_config

CONFIG_NAMESPACES = (NAMESPACE, "aws")


def current_config() -> dict[str, Any]:
    """Every config value of this stack in our namespaces: from the engine's environment under the
    CLI, and from ``set_all_config`` under mocks."""
    from pulumi.runtime import config as runtime_config

    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return {k: v for k, v in merged.items() if k.split(":", 1)[0] in CONFIG_NAMESPACES}


def read_stack_config() -> StackConfig:
    """Validate the whole stack config before anything is registered; fail with a plain message."""
    try:
        return parse_stack_config(pulumi.get_stack(), current_config())
    except ConfigError as error:
        raise pulumi.RunError(str(error)) from None


def deploy(config: StackConfig) -> None:
    check_sibling_stacks(config)
    if isinstance(config, BuildStack):
        deploy_build(config)
    else:
        deploy_environment(config)


def deploy_build(config: BuildStack) -> None:
    shared = SharedRepository(
        "shared",
        {
            "repositories": config.repositories,
            "access": config.access,
            "partition": aws_rules.partition_for(config.region),
        },
    )
    pulumi.export(build_outputs.REGISTRY_ID, shared.registry_id)
    pulumi.export(build_outputs.REGION, config.region)
    pulumi.export(build_outputs.REPOSITORY_ARNS, shared.repository_arns)
    pulumi.export(build_outputs.REPOSITORY_URLS, shared.repository_urls)
    pulumi.export(build_outputs.ACCESS, build_outputs.access_output(config.access))
    if config.replication is not None:
        deploy_replication(config)
    pulumi.export(REPLICATION, replication_output(config))


def read_build_outputs(
    config: EnvironmentStack, reference: pulumi.StackReference | None = None
) -> pulumi.Output[BuildOutputs]:
    """The build stack's exports, checked against this environment before any use.

    ``require_output`` makes a missing export fail loudly instead of deploying with ``None``.
    """
    if reference is None:
        reference = pulumi.StackReference(config.build_stack)
    # require_output alone fails with a bare KeyError; gating each name on a presence check makes
    # the failure say which stack lacks which output and what to do about it.
    present = reference.outputs.apply(lambda outputs: _require_build_outputs(config.build_stack, outputs))
    values = pulumi.Output.all(
        *[
            reference.require_output(present.apply(_constant(name)))
            for name in build_outputs.BUILD_OUTPUT_NAMES
        ]
    )

    def checked(resolved: list[Any]) -> BuildOutputs:
        build = BuildOutputs.from_values(
            config.build_stack, dict(zip(build_outputs.BUILD_OUTPUT_NAMES, resolved, strict=True))
        )
        try:
            warnings = check_environment_against_build(config, build)
        except ConfigError as error:
            raise pulumi.RunError(str(error)) from None
        for warning in warnings:
            pulumi.log.warn(warning)
        return build

    return values.apply(checked)


def _require_build_outputs(build_stack: str, outputs: dict[str, Any]) -> None:
    missing = [name for name in build_outputs.BUILD_OUTPUT_NAMES if name not in outputs]
    if missing:
        raise pulumi.RunError(
            f"{NAMESPACE}:buildStack: {build_stack} has no output {', '.join(missing)}: deploy the build "
            "stack with this version of ecr-share first (pulumi up -s build)"
        )


def _constant(value: str) -> Callable[[Any], str]:
    return lambda _: value


def deploy_environment(config: EnvironmentStack) -> None:
    reference = pulumi.StackReference(config.build_stack)
    build = read_build_outputs(config, reference)
    replica = read_replica_registry(config, reference, build)
    if config.receive_replication is not None:
        deploy_receiver(config, build, replica)
    sources = pulumi.Output.all(build, replica)
    role = PullExecutionRole(
        "execution",
        {
            "role_name": execution_role_name(config.stack),
            "account_id": config.account_id,
            "repository_arns": sources.apply(
                lambda s: [pull_sources(s[0].repository_arns, s[1])[r] for r in config.repositories]
            ),
            "log_group_arns": [
                log_group_arn(config.region, config.account_id, s.name) for s in config.services
            ],
        },
    )
    task_definition_arns: dict[str, pulumi.Output[str]] = {}
    images: dict[str, pulumi.Output[str]] = {}
    for service in config.services:
        image = sources.apply(_image_from(service))
        task = CrossAccountTaskDefinition(
            service.name,
            {
                "service": service,
                "image": image,
                "execution_role_arn": role.arn,
                "region": config.region,
                "log_retention_days": config.log_retention_days,
            },
        )
        task_definition_arns[service.name] = task.arn
        images[service.name] = task.image
    pulumi.export("executionRoleArn", role.arn)
    pulumi.export("taskDefinitionArns", task_definition_arns)
    pulumi.export("images", images)


def _image_from(service: ServiceSpec) -> Callable[[list[Any]], str]:
    def image(sources: list[Any]) -> str:
        build, replica = sources
        if replica is None:
            return service_image(service.repository, build, service.image_tag, service.image_digest)
        return replica_image(replica.destination, service.repository, service.image_tag, service.image_digest)

    return image
