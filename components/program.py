"""The multi-stack program, a thin shell: read the stack's config, plan, register the plan.

A build stack is planned from its config alone. An environment stack is planned only once its build
stack's outputs have passed every check, and only then registered: a refused stack registers nothing,
at preview and at up. Nothing here reads a file; the stack's config comes from the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi

from components.config.model import BuildStack, EnvironmentStack, StackConfig
from components.config.stack import parse_stack_config
from components.config.stack_names import resolve_stack_name
from components.contract.outputs import read_build_outputs
from components.errors import ConfigError
from components.plan.build import plan_build_stack
from components.plan.environment import ENVIRONMENT_EXPORTS, plan_environment_stack
from components.plan.model import StackPlan
from components.plan.register import register_stack
from components.project import NAMESPACE

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
    if isinstance(config, BuildStack):
        _export(register_stack(plan_build_stack(config)))
    else:
        deploy_environment(config)


def deploy_environment(config: EnvironmentStack) -> None:
    """Plan from the build stack's outputs once they are read and checked; register only then."""
    # `buildStack: build` names the build stack of this organization and project, on any backend.
    build = resolve_stack_name(config.build_stack, pulumi.get_organization(), pulumi.get_project())
    reference = pulumi.StackReference(str(build))

    def planned(outputs: dict[str, Any]) -> StackPlan:
        try:
            plan = plan_environment_stack(config, read_build_outputs(config.build_stack, outputs))
        except ConfigError as error:
            raise pulumi.RunError(str(error)) from None
        for warning in plan.warnings:
            pulumi.log.warn(warning)
        return plan

    def registered(outputs: dict[str, Any]) -> pulumi.Output[dict[str, Any]]:
        return pulumi.Output.from_input(register_stack(planned(outputs)))

    exports: pulumi.Output[dict[str, Any]] = reference.outputs.apply(registered)
    for name in ENVIRONMENT_EXPORTS:
        pulumi.export(name, exports.apply(_item(name)))


def _item(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda values: values[name]


def _export(exports: dict[str, Any]) -> None:
    for name, value in exports.items():
        pulumi.export(name, value)
