"""The stacks to verify: every build stack of the project with the environment stacks that pull from
it, each planned exactly as ``pulumi up`` plans it (``components.plan.project``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from components.config.credentials import StackCredentials, stack_credentials
from components.config.files import list_stacks, stack_file
from components.config.model import BuildStack, EnvironmentStack, StackConfig
from components.config.sources import AUTO
from components.plan.model import StackPlan
from components.plan.project import ProjectError, ProjectPlan, plan_project


class VerifyError(Exception):
    """A problem that stops verification before any access is evaluated (exit code 2)."""


@dataclass(frozen=True)
class Deployment:
    """One build stack and the environment stacks whose ``ecr-share:buildStack`` points at it."""

    build: BuildStack
    environments: tuple[EnvironmentStack, ...]
    plans: Mapping[str, StackPlan]
    """The plan of every stack of the project: replica templates may live in any of them."""
    every_environment: tuple[EnvironmentStack, ...]
    """Every environment stack of this build, selected or not: a replica registry is reported
    whichever stacks are selected, so its grant and the credentials that reach it come from the
    stack that receives it."""
    credentials: Mapping[str, StackCredentials] = field(default_factory=dict)
    """Stack name -> its provider's credential settings (``aws:profile``, the roles it assumes)."""

    @property
    def stacks(self) -> tuple[StackConfig, ...]:
        return (self.build, *self.environments)

    @property
    def reachable(self) -> tuple[StackConfig, ...]:
        """The selected stacks, then the other environments of this build."""
        return (*self.stacks, *(e for e in self.every_environment if e not in self.environments))


def load_deployments(
    project_dir: Path, selected: Sequence[str] = (), source: str = AUTO
) -> tuple[Deployment, ...]:
    """Every build stack with its environments; with ``selected``, only the named stacks' part.

    All stack files are planned, so a malformed or invalid one is reported even when not selected.
    """
    try:
        project = plan_project(project_dir, source)
    except ProjectError as error:
        raise VerifyError(str(error)) from None
    for name in selected:
        if name not in project.configs:
            raise VerifyError(
                f"no stack named {name!r}: {stack_file(project_dir, name)} does not exist "
                f"(stacks: {', '.join(list_stacks(project_dir)) or 'none'})"
            )
    deployments = [d for build in project.builds() if (d := _deployment(project, build, selected))]
    if not deployments:
        raise VerifyError(
            f"no build stack found in {project_dir} (a stack file with ecr-share:stackKind: build)"
        )
    return tuple(deployments)


def _deployment(project: ProjectPlan, build: BuildStack, selected: Sequence[str]) -> Deployment | None:
    every_environment = tuple(project.environments_of(build.stack))
    environments = every_environment
    if selected and build.stack not in selected:
        environments = tuple(e for e in environments if e.stack in selected)
        if not environments:
            return None
    credentials = {name: stack_credentials(config) for name, config in project.raw.items()}
    return Deployment(build, environments, project.plans, every_environment, credentials)
