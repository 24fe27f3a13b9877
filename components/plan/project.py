"""Every stack of a project, planned from its stack files exactly as ``pulumi up`` would plan it: the
build stacks from their config, each environment from its build stack's planned outputs (read back
through the same boundary checks a StackReference value gets). ``verify`` evaluates these plans and
the pipeline checks them before it touches any stack; both also check what a single stack cannot
see: that no two stacks manage one registry singleton, and that no lifecycle rule expires an image an
environment runs (``pins``) where the rules are not the environment's own (an environment's plan
refuses the rules it gives its own replicas)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.config.files import StackFileError, list_stacks, stack_file
from components.config.model import BuildStack, EnvironmentStack, StackConfig
from components.config.sources import AUTO, stack_config
from components.config.stack import parse_stack_config
from components.config.stack_names import resolve_stack_name
from components.contract.outputs import read_build_outputs
from components.errors import ConfigError
from components.plan.build import plan_build_stack
from components.plan.environment import plan_environment_stack
from components.plan.model import StackPlan
from components.plan.ownership import check_registry_ownership
from components.plan.pins import refusals
from components.project import PROJECT


class ProjectError(Exception):
    """A stack file that cannot be read, parsed or planned; the message names the file."""


@dataclass(frozen=True)
class ProjectPlan:
    """Each stack's raw config (as in its file), validated config and plan."""

    raw: Mapping[str, Mapping[str, Any]]
    configs: Mapping[str, StackConfig]
    plans: Mapping[str, StackPlan]

    def builds(self) -> list[BuildStack]:
        return [c for c in self.configs.values() if isinstance(c, BuildStack)]

    def environments_of(self, build: str) -> list[EnvironmentStack]:
        return [
            c
            for c in self.configs.values()
            if isinstance(c, EnvironmentStack) and build_stack_name(c) == build
        ]


def build_stack_name(environment: EnvironmentStack) -> str:
    """The stack of this project that ``ecr-share:buildStack`` names (short or fully qualified: the
    organization is the backend's, unknown here, so only the project and the stack are compared)."""
    return resolve_stack_name(environment.build_stack, None, PROJECT).stack


def plan_project(project_dir: Path, source: str = AUTO) -> ProjectPlan:
    """Read, parse and plan every stack of the project, each stack's config read as ``pulumi up``
    sees it (``config.sources``: the file, or the Pulumi CLI for ESC imports)."""
    try:
        raw = {name: stack_config(project_dir, name, source) for name in list_stacks(project_dir)}
    except StackFileError as error:
        raise ProjectError(str(error)) from None
    return plan_stacks(raw, lambda name: str(stack_file(project_dir, name)))


def plan_stacks(raw: Mapping[str, Mapping[str, Any]], file_of: Any = str) -> ProjectPlan:
    """Plan stacks from their config maps; ``file_of(stack)`` names a stack's file in errors."""
    configs: dict[str, StackConfig] = {}
    for name in sorted(raw):
        try:
            configs[name] = parse_stack_config(name, raw[name])
        except ConfigError as error:
            raise ProjectError(f"{file_of(name)}: {error}") from None
    plans: dict[str, StackPlan] = {}
    for name, config in configs.items():
        if isinstance(config, BuildStack):
            plans[name] = plan_build_stack(config)
    for name, config in configs.items():
        if not isinstance(config, EnvironmentStack):
            continue
        build = build_stack_name(config)
        project = resolve_stack_name(config.build_stack, None, PROJECT).project
        if project != PROJECT:
            raise ProjectError(
                f"{file_of(name)}: ecr-share:buildStack {config.build_stack} names project {project!r}: "
                f"the build stack must be one of this project's ({PROJECT}) stacks"
            )
        if build not in plans:
            what = (
                f"does not exist ({file_of(build)} is missing)"
                if build not in configs
                else "is an environment stack, not a build stack"
            )
            raise ProjectError(
                f"{file_of(name)}: ecr-share:buildStack {config.build_stack} names stack {build!r}, "
                f"which {what}"
            )
        try:
            outputs = read_build_outputs(config.build_stack, plans[build].exports)
            plans[name] = plan_environment_stack(config, outputs)
        except ConfigError as error:
            raise ProjectError(f"{file_of(name)}: {error}") from None
    try:
        check_registry_ownership(plans)
    except ConfigError as error:
        raise ProjectError(str(error)) from None
    for finding in refusals(plans):
        # The rules come from the build stack's config, wherever ECR applies them.
        environment = configs[finding.pin.stack]
        assert isinstance(environment, EnvironmentStack)
        raise ProjectError(f"{file_of(build_stack_name(environment))}: {finding.text}")
    return ProjectPlan(raw, configs, plans)
