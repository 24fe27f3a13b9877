"""The project's stacks, read from the ``Pulumi.<stack>.yaml`` files next to ``Pulumi.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.config.credentials import CREDENTIAL_KEYS
from components.config.files import (
    StackFileError,
    list_stacks,
    read_stack_file,
    stack_file,
)
from components.config.sources import stack_config
from components.project import BUILD, DIY_ORGANIZATION, ENVIRONMENT, PROJECT, STACK_KINDS, key

KIND_KEY = key("stackKind")
SERVICES_KEY = key("services")
DEPLOY_AFTER_KEY = key("deployAfter")
# The settings through which the AWS provider takes a stack's own credentials: the one list, of the
# credentials module that reads them.


class PipelineError(Exception):
    """A usage or environment problem found before any stack is touched (exit code 2)."""


@dataclass(frozen=True)
class StackInfo:
    name: str
    kind: str
    file: Path
    config: dict[str, Any]
    secrets_provider: str | None = None
    """What the stack file records of its secrets provider (``secretsprovider``; ``passphrase`` for an
    ``encryptionsalt``); None when it records none (a new stack, or Pulumi Cloud's own provider)."""

    @property
    def services(self) -> list[Any]:
        services = self.config.get(SERVICES_KEY)
        return services if isinstance(services, list) else []

    @property
    def deploy_after(self) -> list[str]:
        """The environment stacks this one deploys after (``ecr-share:deployAfter``)."""
        value = self.config.get(DEPLOY_AFTER_KEY)
        if value is None:
            return []
        if not (isinstance(value, list) and all(isinstance(name, str) for name in value)):
            raise PipelineError(
                f"{self.file}: {DEPLOY_AFTER_KEY} must be a list of environment stack names, like [staging]"
            )
        return value

    def names_credentials(self) -> bool:
        return any(self.config.get(key) for key in CREDENTIAL_KEYS)


def is_diy(backend_url: str) -> bool:
    """Pulumi Cloud (and a self-hosted Pulumi Cloud) is reached over HTTP(S); every other backend
    (file://, s3://, azblob://, gs://, postgres://...) is a DIY backend."""
    return not backend_url.startswith(("https://", "http://"))


@dataclass(frozen=True)
class Backend:
    url: str
    organization: str
    """``organization`` on a DIY backend (the only name it accepts, Pulumi docs "Stacks"); on Pulumi
    Cloud the organization the stacks live in."""

    def qualified(self, stack: str) -> str:
        return f"{self.organization}/{PROJECT}/{stack}"

    def describe(self) -> str:
        return f"backend {self.url} (stacks {self.qualified('<stack>')})"


def diy_backend(url: str) -> Backend:
    return Backend(url, DIY_ORGANIZATION)


def discover(project_dir: Path) -> dict[str, StackInfo]:
    """Every stack of the project by name; exactly one of them must be the build stack."""
    try:
        names = list_stacks(project_dir)
        stacks = {name: _read(project_dir, name) for name in names}
    except StackFileError as error:
        # One line: pyyaml's messages span several (position, context).
        raise PipelineError(" ".join(str(error).split())) from None
    builds = sorted(s.name for s in stacks.values() if s.kind == BUILD)
    if len(builds) != 1:
        found = ", ".join(f"Pulumi.{name}.yaml" for name in builds) or "none"
        raise PipelineError(
            f"{project_dir}: exactly one stack file must set {KIND_KEY}: build (found: {found})"
        )
    return stacks


def _read(project_dir: Path, name: str) -> StackInfo:
    path = stack_file(project_dir, name)
    config = stack_config(project_dir, name)  # as pulumi up sees it: the file, or the CLI for ESC imports
    kind = config.get(KIND_KEY)
    if kind not in STACK_KINDS:
        problem = "is missing" if kind is None else f"is {kind!r}"
        raise PipelineError(f'{path}: {KIND_KEY} {problem}; set it to "build" or "environment"')
    services = config.get(SERVICES_KEY)
    if kind == ENVIRONMENT and not (
        isinstance(services, list) and all(isinstance(s, dict) for s in services)
    ):
        raise PipelineError(f"{path}: {SERVICES_KEY} must be a list of services (name, repository, image...)")
    return StackInfo(
        name=name,
        kind=str(kind),
        file=path,
        config=config,
        secrets_provider=read_stack_file(project_dir, name).secrets_provider,
    )
