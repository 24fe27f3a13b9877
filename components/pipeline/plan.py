"""What a pipeline run will do, as plain values: which stacks, in which order, with which config.

Nothing here calls Pulumi; the runner executes a ``Plan`` stage by stage.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from components.config import values
from components.errors import ConfigError
from components.pipeline.stacks import CREDENTIAL_KEYS, SERVICES_KEY, PipelineError, StackInfo
from components.plan.project import ProjectError, plan_stacks
from components.project import BUILD, ENVIRONMENT

COMMANDS = ("preview", "up", "refresh", "destroy", "outputs")
# Commands that run the engine against AWS with the stack's credentials.
ENGINE_COMMANDS = ("preview", "up", "refresh", "destroy")
IMAGE_COMMANDS = ("preview", "up")


@dataclass(frozen=True)
class Image:
    """The image every service of the environment stacks runs: exactly one of tag or digest."""

    tag: str | None = None
    digest: str | None = None

    @property
    def key(self) -> str:
        return "imageTag" if self.tag is not None else "imageDigest"

    @property
    def other_key(self) -> str:
        return "imageDigest" if self.tag is not None else "imageTag"

    @property
    def value(self) -> str:
        value = self.tag if self.tag is not None else self.digest
        assert value is not None
        return value

    def describe(self) -> str:
        return f"image tag {self.tag}" if self.tag is not None else f"image digest {self.digest}"


def image_from(tag: str | None, digest: str | None) -> Image:
    """Validate ``--image-tag`` / ``--image-digest`` with the program's own rules."""
    try:
        if digest is not None:
            return Image(digest=values.image_digest("--image-digest", digest))
        return Image(tag=values.image_tag("--image-tag", tag))
    except ConfigError as error:
        raise PipelineError(str(error)) from None


@dataclass(frozen=True)
class ConfigChange:
    """Path config to set on one stack (``ecr-share:services[0].imageTag``) and path keys to remove."""

    set: dict[str, str] = field(default_factory=dict)
    remove: tuple[str, ...] = ()


def image_change(stack: StackInfo, image: Image) -> ConfigChange:
    """Point every service of an environment stack at ``image``; drop the other kind of reference."""
    changes: dict[str, str] = {}
    removals: list[str] = []
    for index, service in enumerate(stack.services):
        prefix = f"{SERVICES_KEY}[{index}]"
        changes[f"{prefix}.{image.key}"] = image.value
        if image.other_key in service:
            removals.append(f"{prefix}.{image.other_key}")
    return ConfigChange(set=changes, remove=tuple(removals))


def with_image(config: Mapping[str, Any], image: Image) -> dict[str, Any]:
    """The stack config as it will be once ``image_change`` is applied."""
    updated = copy.deepcopy(dict(config))
    for service in updated.get(SERVICES_KEY) or []:
        service.pop(image.other_key, None)
        service[image.key] = image.value
    return updated


@dataclass(frozen=True)
class Stage:
    """Stacks that may run at the same time, at most ``parallel`` at once."""

    stacks: tuple[str, ...]
    parallel: int = 1


@dataclass(frozen=True)
class Plan:
    command: str
    stages: tuple[Stage, ...]
    image: Image | None = None

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(name for stage in self.stages for name in stage.stacks)

    def describe(self) -> str:
        """``build -> dev, staging, prod (2 at a time)`` or ``build -> dev -> staging -> prod``."""
        return " -> ".join(
            stage.stacks[0]
            if len(stage.stacks) == 1
            else f"{', '.join(stage.stacks)} ({stage.parallel} at a time)"
            for stage in self.stages
        )


def select(stacks: Mapping[str, StackInfo], names: Sequence[str] | None) -> list[str]:
    """The stacks named by ``--stacks`` (all when absent), checked against the stack files."""
    if not names:
        return list(stacks)
    for name in names:
        if name not in stacks:
            known = ", ".join(stacks)
            raise PipelineError(f"Pulumi.{name}.yaml not found: no stack named {name!r} (stacks: {known})")
    return list(dict.fromkeys(names))


def make_plan(
    command: str,
    stacks: Mapping[str, StackInfo],
    selected: Sequence[str],
    *,
    promote: Sequence[str] | None = None,
    parallel: int = 2,
    image: Image | None = None,
) -> Plan:
    """Build stack first, then the environments: in parallel, or one stage each in promotion order.

    ``destroy`` runs the same stages in reverse, so no environment outlives the registry it pulls from.
    """
    if command not in COMMANDS:
        raise PipelineError(f"unknown command {command!r} (commands: {', '.join(COMMANDS)})")
    if parallel < 1:
        raise PipelineError(f"--parallel must be at least 1, not {parallel}")
    if image is not None and command not in IMAGE_COMMANDS:
        raise PipelineError(f"an image can only be set for {' and '.join(IMAGE_COMMANDS)}, not {command}")
    builds = [name for name in selected if stacks[name].kind == BUILD]
    environments = [name for name in selected if stacks[name].kind == ENVIRONMENT]
    stages = [Stage((name,)) for name in builds]
    if promote is not None:
        stages += [Stage((name,)) for name in _promotion(stacks, environments, promote)]
    elif environments:
        stages.append(Stage(tuple(environments), 1 if command == "outputs" else parallel))
    if command == "destroy":
        stages = [Stage(tuple(reversed(s.stacks)), s.parallel) for s in reversed(stages)]
    return Plan(command=command, stages=tuple(stages), image=image)


def _promotion(stacks: Mapping[str, StackInfo], environments: list[str], promote: Sequence[str]) -> list[str]:
    for name in promote:
        if name not in stacks or stacks[name].kind != ENVIRONMENT:
            raise PipelineError(f"--promote: {name!r} is not an environment stack")
    if len(set(promote)) != len(promote) or set(promote) != set(environments):
        raise PipelineError(
            f"--promote must list each selected environment stack once (selected: {', '.join(environments)})"
        )
    return list(promote)


def config_changes(plan: Plan, stacks: Mapping[str, StackInfo]) -> dict[str, ConfigChange]:
    """The image config each environment stack gets right before its operation."""
    if plan.image is None:
        return {}
    return {
        name: image_change(stacks[name], plan.image)
        for name in plan.order
        if stacks[name].kind == ENVIRONMENT
    }


def check_configs(plan: Plan, stacks: Mapping[str, StackInfo]) -> None:
    """Plan every stack, image applied, exactly as the program plans it: a bad ``Pulumi.prod.yaml``,
    an environment its build stack would refuse, or two stacks owning one registry singleton stop
    the run before the build stack is touched."""
    if plan.command not in IMAGE_COMMANDS:
        return
    configs = {}
    for name, stack in stacks.items():
        config = stack.config
        if plan.image is not None and stack.kind == ENVIRONMENT and name in plan.order:
            config = with_image(config, plan.image)
        configs[name] = config
    try:
        plan_stacks(configs, lambda name: str(stacks[name].file))
    except ProjectError as error:
        raise PipelineError(str(error)) from None


def credential_warnings(plan: Plan, stacks: Mapping[str, StackInfo]) -> list[str]:
    if plan.command not in ENGINE_COMMANDS:
        return []
    return [
        f"warning: {stacks[name].file.name} sets none of {', '.join(CREDENTIAL_KEYS)}, so stack {name} "
        "uses the ambient AWS credentials (aws:allowedAccountIds still refuses any other account)"
        for name in plan.order
        if not stacks[name].names_credentials()
    ]
