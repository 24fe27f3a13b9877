"""The multi-stack program, a thin shell: read the stack's config, plan, register the plan.

A build stack is planned from its config alone. An environment stack is planned only once its build
stack's outputs have passed every check, and only then registered: a refused stack registers nothing,
at preview and at up. Nothing here reads a file; the stack's config comes from the engine.

Each stack kind imports its own planner when it plans (``deploy_build``, ``deploy_environment``), so
a stack's program loads only the modules of what it registers: an environment's run never imports
the build stack's plan (the shared repositories, the replication rules), nor a build stack's the
environment's checks of its build stack (tests/program/test_imports_program.py holds each kind's
modules).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pulumi

from components.config.model import BuildStack, EnvironmentStack, StackConfig
from components.config.stack import parse_stack_config
from components.config.stack_names import resolve_stack_name
from components.errors import ConfigError
from components.plan.register import register_stack
from components.project import NAMESPACE

if TYPE_CHECKING:
    from components.plan.model import StackPlan

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
        deploy_build(config)
    else:
        deploy_environment(config)


def deploy_build(config: BuildStack) -> None:
    """Plan from the stack's config alone, register, export what environments read."""
    from components.plan.build import plan_build_stack

    _export(register_stack(plan_build_stack(config)))


def deploy_environment(config: EnvironmentStack) -> None:
    """Plan from the build stack's outputs once they are read and checked; register only then."""
    from components.contract.outputs import read_build_outputs
    from components.plan.environment import ENVIRONMENT_EXPORTS, plan_environment_stack

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
