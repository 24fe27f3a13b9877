"""The contract between the build stack and environment stacks: what the build stack exports and
what an environment checks against it before deploying."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components import validation
from components.errors import ConfigError
from components.model import NAMESPACE, Access, AccountsAccess, EnvironmentStack, OrganizationAccess
from components.naming import image_reference

# Output names of the build stack; environment stacks require each of them.
REGISTRY_ID = "registryId"
REGION = "region"
REPOSITORY_ARNS = "repositoryArns"
REPOSITORY_URLS = "repositoryUrls"
ACCESS = "access"
BUILD_OUTPUT_NAMES = (REGISTRY_ID, REGION, REPOSITORY_ARNS, REPOSITORY_URLS, ACCESS)


def access_output(access: Access) -> dict[str, Any]:
    """The ``access`` export: the mode and its accounts or organization."""
    if isinstance(access, AccountsAccess):
        return {"mode": "accounts", "accounts": sorted(access.accounts)}
    return {
        "mode": "organization",
        "organizationId": access.organization_id,
        "organizationPaths": sorted(access.organization_paths),
    }


def access_from_output(value: Mapping[str, Any]) -> Access:
    if value.get("mode") == "accounts":
        return AccountsAccess(accounts=tuple(value["accounts"]))
    if value.get("mode") == "organization":
        return OrganizationAccess(
            organization_id=value["organizationId"],
            organization_paths=tuple(value.get("organizationPaths") or ()),
        )
    raise ValueError(f"unknown access mode in build stack output: {value!r}")


@dataclass(frozen=True)
class BuildOutputs:
    """The build stack's exports, as an environment stack reads them through its StackReference."""

    stack: str
    registry_id: str
    region: str
    repository_arns: Mapping[str, str]
    repository_urls: Mapping[str, str]
    access: Access

    @classmethod
    def from_values(cls, stack: str, values: Mapping[str, Any]) -> BuildOutputs:
        return cls(
            stack=stack,
            registry_id=values[REGISTRY_ID],
            region=values[REGION],
            repository_arns=dict(values[REPOSITORY_ARNS]),
            repository_urls=dict(values[REPOSITORY_URLS]),
            access=access_from_output(values[ACCESS]),
        )


def check_environment_against_build(environment: EnvironmentStack, build: BuildOutputs) -> list[str]:
    """Refuse a consumer the build stack does not serve; return warnings for what cannot be proven.

    This is the seed's first troubleshooting item ("the repository policy includes the destination
    account"), caught at preview instead of by a failed pull.
    """
    for index, service in enumerate(environment.services):
        service_key = f"{NAMESPACE}:services[{index}]"
        if service.repository not in build.repository_arns:
            known = ", ".join(sorted(build.repository_arns)) or "none"
            raise ConfigError(
                f"{service_key}.repository",
                service.repository,
                f"is not a repository of the build stack {build.stack} (it shares: {known})",
            )
        validation.image_reference(
            service_key, service_image(service.repository, build, service.image_tag, service.image_digest)
        )
    return _check_grant(environment, build)


def service_image(repository: str, build: BuildOutputs, tag: str | None, digest: str | None) -> str:
    return image_reference(build.repository_urls[repository], tag=tag, digest=digest)


def _check_grant(environment: EnvironmentStack, build: BuildOutputs) -> list[str]:
    access = build.access
    account = environment.account_id
    if isinstance(access, AccountsAccess):
        if account not in access.accounts:
            raise ConfigError(
                f"{NAMESPACE}:buildStack",
                build.stack,
                f"does not grant this stack's account {account} pull access (it grants "
                f'{", ".join(access.accounts)}): add "{account}" to {NAMESPACE}:access.accounts of the '
                "build stack and deploy it first",
            )
        return []
    path = environment.organization_path
    if path is None:
        return [
            f"the build stack grants organization {access.organization_id}; set {NAMESPACE}:organizationPath "
            f"to this account's OU path so the grant to account {account} can be checked before deploying"
        ]
    if path.split("/", 1)[0] != access.organization_id:
        raise ConfigError(
            f"{NAMESPACE}:organizationPath",
            path,
            f"is outside organization {access.organization_id}, the only one the build stack grants",
        )
    if access.organization_paths and not any(
        fnmatch.fnmatchcase(path, pattern) for pattern in access.organization_paths
    ):
        raise ConfigError(
            f"{NAMESPACE}:organizationPath",
            path,
            f"is not below any organization path the build stack grants ({', '.join(access.organization_paths)})",
        )
    return []
