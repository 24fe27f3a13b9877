"""The stacks to verify: committed ``Pulumi.<stack>.yaml`` files, parsed with the program's own
parser, grouped as one build stack and the environment stacks that pull from it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from components.errors import ConfigError
from components.model import BuildStack, EnvironmentStack, StackConfig
from components.stack_config import parse_stack_config
from components.stack_files import StackFileError, list_stacks, load_stack_config, stack_file


class VerifyError(Exception):
    """A problem that stops verification before any access is evaluated (exit code 2)."""


@dataclass(frozen=True)
class Deployment:
    """One build stack and the environment stacks whose ``ecr-share:buildStack`` points at it."""

    build: BuildStack
    environments: tuple[EnvironmentStack, ...]
    # Stack name -> its ``aws:profile``, when the stack file sets one.
    profiles: Mapping[str, str] = field(default_factory=dict)


def load_deployments(project_dir: Path, selected: Sequence[str] = ()) -> tuple[Deployment, ...]:
    """Every build stack with its environments; with ``selected``, only the named stacks' part.

    All stack files are parsed, so a malformed or invalid one is reported even when not selected.
    """
    try:
        names = list_stacks(project_dir)
        raw = {name: load_stack_config(project_dir, name) for name in names}
    except StackFileError as error:
        raise VerifyError(str(error)) from None
    for name in selected:
        if name not in raw:
            raise VerifyError(
                f"no stack named {name!r}: {stack_file(project_dir, name)} does not exist "
                f"(stacks: {', '.join(names) or 'none'})"
            )
    stacks = {name: _parse(project_dir, name, config) for name, config in raw.items()}
    profiles = {name: str(c["aws:profile"]) for name, c in raw.items() if c.get("aws:profile")}

    builds = {name: s for name, s in stacks.items() if isinstance(s, BuildStack)}
    by_build: dict[str, list[EnvironmentStack]] = {name: [] for name in builds}
    for environment in (s for s in stacks.values() if isinstance(s, EnvironmentStack)):
        by_build[_build_of(project_dir, environment, stacks)].append(environment)

    for environment in (s for s in stacks.values() if isinstance(s, EnvironmentStack)):
        _check_pull_registry(project_dir, environment, builds[_build_of(project_dir, environment, stacks)])

    wanted = set(selected)
    deployments = []
    for name, build in builds.items():
        environments = by_build[name]
        if wanted and name not in wanted:
            environments = [e for e in environments if e.stack in wanted]
            if not environments:
                continue
        deployments.append(Deployment(build, tuple(environments), profiles))
    if not deployments:
        raise VerifyError(
            f"no build stack found in {project_dir} (a stack file with ecr-share:stackKind: build)"
        )
    return tuple(deployments)


def _parse(project_dir: Path, name: str, config: Mapping[str, object]) -> StackConfig:
    try:
        return parse_stack_config(name, config)
    except ConfigError as error:
        raise VerifyError(f"{stack_file(project_dir, name)}: {error}") from None


def _check_pull_registry(project_dir: Path, environment: EnvironmentStack, build: BuildStack) -> None:
    """``pullFrom: replica`` must find a replica, the check the program runs before deploying."""
    from components.access.intended import pull_registry

    try:
        pull_registry(environment, build)
    except ConfigError as error:
        raise VerifyError(f"{stack_file(project_dir, environment.stack)}: {error}") from None


def _build_of(project_dir: Path, environment: EnvironmentStack, stacks: Mapping[str, StackConfig]) -> str:
    """The local stack a fully qualified ``organization/project/stack`` reference names."""
    name = environment.build_stack.rsplit("/", 1)[1]
    target = stacks.get(name)
    if target is None:
        raise VerifyError(
            f"{stack_file(project_dir, environment.stack)}: ecr-share:buildStack {environment.build_stack} "
            f"names stack {name!r}, but {stack_file(project_dir, name)} does not exist"
        )
    if not isinstance(target, BuildStack):
        raise VerifyError(
            f"{stack_file(project_dir, environment.stack)}: ecr-share:buildStack {environment.build_stack} "
            f"names stack {name!r}, which is an environment stack, not a build stack"
        )
    return name
