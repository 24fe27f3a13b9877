"""The build stack's outputs: written from its validated config, read back by environment stacks
through a StackReference. The outputs that describe the registry (``repositories``, ``access``,
``replication``) are the build stack's config, normalised (every default written out, in the
shape of its config keys), so an environment reads them back with the features' own parsers: one
validator per record. Read back, nothing is trusted: each value goes through the checks the build
stack's own config does (and each ARN and URL must be the one the registry ID, Region and name
imply) before an environment plans anything, and a bad value fails with one message naming the
build stack, the output, the value and what is expected."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from components.aws.names import repository_arn, repository_url
from components.config import values
from components.config.model import BuildStack
from components.errors import ConfigError
from components.project import CONTRACT_VERSION, key
from components.replication.config import parse_replication
from components.replication.model import ReplicaRegistry, ReplicationRule, grant_regions
from components.repositories.config import (
    check_narrow_grants,
    lifecycle_output,
    parse_access,
    parse_repositories,
)
from components.repositories.model import Access, AccountsAccess, RepositorySpec

CONTRACT = "contractVersion"
REGISTRY_ID = "registryId"
REGION = "region"
REPOSITORY_ARNS = "repositoryArns"
REPOSITORY_URLS = "repositoryUrls"
REPOSITORIES = "repositories"
ACCESS = "access"
REPLICATION = "replication"
BUILD_OUTPUT_NAMES = (
    CONTRACT,
    REGISTRY_ID,
    REGION,
    REPOSITORY_ARNS,
    REPOSITORY_URLS,
    REPOSITORIES,
    ACCESS,
    REPLICATION,
)
REDEPLOY = "deploy the build stack with this version of ecr-share first (pulumi up -s <build stack>)"

T = TypeVar("T")


def build_exports(config: BuildStack) -> dict[str, Any]:
    """Every output of a build stack, as plain values known before deploying."""
    names = [r.name for r in config.repositories]
    return {
        CONTRACT: CONTRACT_VERSION,
        REGISTRY_ID: config.account_id,
        REGION: config.region,
        REPOSITORY_ARNS: {n: repository_arn(config.region, config.account_id, n) for n in names},
        REPOSITORY_URLS: {n: repository_url(config.region, config.account_id, n) for n in names},
        REPOSITORIES: [repository_config(r) for r in config.repositories],
        ACCESS: access_config(config.access),
        REPLICATION: replication_config(config.replication.rules if config.replication is not None else ()),
    }


# The normalised config: what parse_repositories, parse_access and parse_replication read back to the
# same records. A list or a setting that is empty is left out (the parsers refuse an empty list where
# a value is optional, and the engine drops null outputs).


def repository_config(spec: RepositorySpec) -> dict[str, Any]:
    """One ``repositories`` entry with every setting written out (the stack's defaults applied): its
    replicas' templates take its tag mutability, encryption and lifecycle."""
    written: dict[str, Any] = {
        "name": spec.name,
        "scanOnPush": spec.scan_on_push,
        "imageTagMutability": spec.image_tag_mutability,
        "encryption": spec.encryption_type,
    }
    if spec.exclusion_filters:
        written["imageTagMutabilityExclusionFilters"] = list(spec.exclusion_filters)
    if spec.kms_key is not None:
        written["kmsKey"] = spec.kms_key
    if spec.lifecycle is not None:
        written["lifecycle"] = lifecycle_output(spec.lifecycle)
    return written


def access_config(access: Access) -> dict[str, Any]:
    """The ``access`` grant, sorted."""
    written: dict[str, Any] = {}
    if isinstance(access, AccountsAccess):
        if access.accounts:
            written["accounts"] = sorted(access.accounts)
    else:
        written["organizationId"] = access.organization_id
        if access.organization_paths:
            written["organizationPaths"] = sorted(access.organization_paths)
    if access.roles:
        written["roles"] = sorted(access.roles)
    lambdas = [
        {
            "account": g.account_id,
            **({} if g.region is None else {"region": g.region}),
            **({"deployers": sorted(g.deployers)} if g.deployers else {}),
        }
        for g in access.lambda_accounts
    ]
    if lambdas:
        written["lambdaAccounts"] = sorted(lambdas, key=lambda g: (g["account"], g.get("region", "")))
    return written


def replication_config(rules_: tuple[ReplicationRule, ...]) -> dict[str, Any]:
    """The replication rules (``rules: []`` when the build registry replicates nothing). The registry
    scanning of the build account's replica Regions is the build stack's alone: not written."""
    return {
        "rules": [
            {
                "destinations": [{"region": d.region, "account": d.account_id} for d in rule.destinations],
                **({"filters": list(rule.filters)} if rule.filters else {}),
                **({"rootTemplate": True} if rule.root_template else {}),
            }
            for rule in rules_
        ]
    }


@dataclass(frozen=True)
class BuildOutputs:
    """A build stack's outputs after every check: safe to plan an environment from."""

    stack: str
    registry_id: str
    region: str
    repository_arns: Mapping[str, str]
    repository_urls: Mapping[str, str]
    access: Access
    replicas: tuple[ReplicaRegistry, ...]
    """Every registry the build registry replicates to, as its ``replication`` output's parse
    decided them (``Replication.registries``)."""


class _Reader:
    """Reads one build stack's outputs; every failure names the stack, the output and the fix."""

    def __init__(self, stack: str, outputs: Any) -> None:
        self.stack = stack
        self.outputs = outputs

    def where(self, path: str) -> str:
        return f"{key('buildStack')} {self.stack}, output {path}"

    def fail(self, path: str, value: Any, problem: str) -> NoReturn:
        raise ConfigError(self.where(path), value, f"{problem}: {REDEPLOY}")

    def check(self, path: str, value: Any, check: Callable[[str, Any], T]) -> T:
        """One of the config checks, with this output's name and the fix in its message. Outputs are
        written as strings: a number where a string belongs was not written by ecr-share."""
        if not isinstance(value, str):
            self.fail(path, value, "is not a string")
        return self.parse(path, value, check)

    def parse(self, path: str, value: Any, parse: Callable[[str, Any], T]) -> T:
        """A feature's own parser (or check) of the config key this output normalises: its message
        names the output where the build stack's would name the key."""
        try:
            return parse(self.where(path), value)
        except ConfigError as error:
            raise ConfigError(error.key, error.value, f"{error.problem}: {REDEPLOY}") from None

    def output(self, name: str) -> Any:
        if not isinstance(self.outputs, Mapping):
            raise ConfigError(key("buildStack"), self.stack, f"has no outputs: {REDEPLOY}")
        if name not in self.outputs:
            raise ConfigError(
                key("buildStack"),
                self.stack,
                f"has no output {name}: it is not an ecr-share build stack of this version; {REDEPLOY}",
            )
        # Numbers come back from the engine as floats (14.0): whole ones are the integers written.
        return _whole(self.outputs[name])


def read_build_outputs(stack: str, outputs: Any) -> BuildOutputs:
    """The outputs of the build stack ``stack`` (as a StackReference returns them), checked."""
    reader = _Reader(stack, outputs)
    version = reader.output(CONTRACT)
    if version != CONTRACT_VERSION:
        # Older contracts are refused, not translated: their outputs may mean something else.
        reader.fail(
            CONTRACT, version, f"is not {CONTRACT_VERSION}, the contract this version of ecr-share reads"
        )
    registry = reader.check(REGISTRY_ID, reader.output(REGISTRY_ID), values.account_id)
    region = reader.check(REGION, reader.output(REGION), values.region)
    repositories = reader.parse(
        REPOSITORIES, reader.output(REPOSITORIES), lambda k, v: parse_repositories(k, v, region)
    )
    arns, urls = _addresses(reader, [r.name for r in repositories], registry, region)
    access = reader.parse(ACCESS, reader.output(ACCESS), parse_access)
    replication = reader.output(REPLICATION)
    parsed = (
        None
        if replication == {"rules": []}
        else reader.parse(
            REPLICATION, replication, lambda k, v: parse_replication(k, v, registry, region, repositories)
        )
    )
    # The grant holds in the build Region and in the build account's replica Regions.
    regions = grant_regions(region, parsed)
    reader.parse(ACCESS, access, lambda k, v: check_narrow_grants(k, v, registry, region, regions))
    return BuildOutputs(
        stack=stack,
        registry_id=registry,
        region=region,
        repository_arns=arns,
        repository_urls=urls,
        access=access,
        replicas=() if parsed is None else parsed.registries,
    )


def _addresses(
    reader: _Reader, names: list[str], registry: str, region: str
) -> tuple[dict[str, str], dict[str, str]]:
    """``repositoryArns`` and ``repositoryUrls``: exactly the ARN and URL of each repository."""
    arns, urls = reader.output(REPOSITORY_ARNS), reader.output(REPOSITORY_URLS)
    for name, value in ((REPOSITORY_ARNS, arns), (REPOSITORY_URLS, urls)):
        if not isinstance(value, Mapping) or not value:
            reader.fail(name, value, "is not a map from repository name to a string")
    if set(arns) != set(names):
        reader.fail(
            REPOSITORY_ARNS,
            sorted(arns),
            f"name other repositories than {REPOSITORIES} ({', '.join(sorted(names))})",
        )
    if set(arns) != set(urls):
        reader.fail(
            REPOSITORY_URLS,
            sorted(urls),
            f"name other repositories than {REPOSITORY_ARNS} ({', '.join(sorted(arns))})",
        )
    for name in sorted(arns):
        for output, found, address, what in (
            (REPOSITORY_ARNS, arns, repository_arn, "ARN"),
            (REPOSITORY_URLS, urls, repository_url, "URL"),
        ):
            expected = address(region, registry, name)
            if found[name] != expected:
                reader.fail(
                    f"{output}.{name}",
                    found[name],
                    f"is not the {what} of repository {name} in account {registry}, {region} ({expected})",
                )
    return dict(arns), dict(urls)


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v) for v in value]
    return value
