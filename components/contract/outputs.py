"""The build stack's outputs: written from its validated config, read back by environment stacks
through a StackReference. Read back, nothing is trusted: every value is checked for shape, type and
consistency (each ARN and URL is the one the registry ID, Region and name imply) before an
environment plans anything, and a bad value fails with one message naming the output."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from components.aws import rules
from components.aws.names import repository_arn, repository_url
from components.config import values
from components.config.model import BuildStack
from components.errors import ConfigError
from components.project import CONTRACT_VERSION, key
from components.replication.config import replication_filter
from components.replication.documents import replica_registries, template_prefixes
from components.replication.model import ReplicaRegistry, ReplicaSettings, ReplicationDestination
from components.repositories.config import (
    access_output,
    lifecycle_output,
    parse_lifecycle,
    parse_tag_mutability,
)
from components.repositories.model import Access, AccountsAccess, LambdaAccount, OrganizationAccess

CONTRACT = "contractVersion"
REGISTRY_ID = "registryId"
REGION = "region"
REPOSITORY_ARNS = "repositoryArns"
REPOSITORY_URLS = "repositoryUrls"
ACCESS = "access"
REPLICATION = "replication"
BUILD_OUTPUT_NAMES = (CONTRACT, REGISTRY_ID, REGION, REPOSITORY_ARNS, REPOSITORY_URLS, ACCESS, REPLICATION)
NARROW_OUTPUTS = ("roles", "lambdaAccounts")
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
        ACCESS: access_output(config.access),
        REPLICATION: replication_output(config),
    }


def replication_output(config: BuildStack) -> dict[str, Any]:
    """Where the build registry replicates to, and which filters and templates each destination gets."""
    registries = (
        replica_registries(config.replication.rules, config.repositories)
        if config.replication is not None
        else ()
    )
    return {
        "sourceAccount": config.account_id,
        "sourceRegion": config.region,
        "destinations": [
            {
                "account": r.destination.account_id,
                "region": r.destination.region,
                "filters": list(r.filters),
                "templatePrefixes": list(r.template_prefixes),
                "replicaSettings": replica_settings_output(r.settings),
            }
            for r in registries
        ],
    }


def replica_settings_output(settings: ReplicaSettings) -> dict[str, Any]:
    """What the destination's templates must give its replicas: the replicated repositories' tag
    mutability and lifecycle, and whether they are KMS-encrypted (then the replicas must be too)."""
    written: dict[str, Any] = {
        "imageTagMutability": settings.image_tag_mutability,
        "imageTagMutabilityExclusionFilters": list(settings.exclusion_filters),
        "encryption": settings.encryption,
    }
    if settings.lifecycle is not None:
        # Only when set: the engine drops null values from outputs.
        written["lifecycle"] = lifecycle_output(settings.lifecycle)
    return written


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
    """Every registry the build registry replicates to."""

    def replica_registry(self, account_id: str, region: str) -> ReplicaRegistry | None:
        wanted = ReplicationDestination(region, account_id)
        return next((r for r in self.replicas if r.destination == wanted), None)


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
        try:
            return check(self.where(path), value)
        except ConfigError as error:
            self.fail(path, value, error.problem)

    def output(self, name: str) -> Any:
        if not isinstance(self.outputs, Mapping):
            raise ConfigError(key("buildStack"), self.stack, f"has no outputs: {REDEPLOY}")
        if name not in self.outputs:
            raise ConfigError(
                key("buildStack"),
                self.stack,
                f"has no output {name}: it is not an ecr-share build stack of this version; {REDEPLOY}",
            )
        return self.outputs[name]

    def mapping(self, path: str, value: Any, keys: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(path, value, "is not an object")
        if set(value) != set(keys):
            self.fail(path, value, f"does not have exactly the keys {', '.join(keys)}")
        return value

    def strings(self, path: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(path, value, "is not a list of strings")
        return value


def read_build_outputs(stack: str, outputs: Any) -> BuildOutputs:
    """The outputs of the build stack ``stack`` (as a StackReference returns them), checked."""
    reader = _Reader(stack, outputs)
    version = reader.output(CONTRACT)
    if version != CONTRACT_VERSION:
        reader.fail(
            CONTRACT, version, f"is not {CONTRACT_VERSION}, the contract this version of ecr-share reads"
        )
    registry = reader.check(REGISTRY_ID, reader.output(REGISTRY_ID), values.account_id)
    region = reader.check(REGION, reader.output(REGION), values.region)
    arns, urls = reader.output(REPOSITORY_ARNS), reader.output(REPOSITORY_URLS)
    for name, value in ((REPOSITORY_ARNS, arns), (REPOSITORY_URLS, urls)):
        if not isinstance(value, Mapping) or not value:
            reader.fail(name, value, "is not a map from repository name to a string")
    if set(arns) != set(urls):
        reader.fail(
            REPOSITORY_URLS,
            sorted(urls),
            f"name other repositories than {REPOSITORY_ARNS} ({', '.join(sorted(arns))})",
        )
    for name in sorted(arns):
        reader.check(f"{REPOSITORY_ARNS} key {name}", name, values.repository_name)
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
    return BuildOutputs(
        stack=stack,
        registry_id=registry,
        region=region,
        repository_arns=dict(arns),
        repository_urls=dict(urls),
        access=_access(reader, reader.output(ACCESS), region),
        replicas=_replicas(reader, reader.output(REPLICATION), registry, region),
    )


def _access(reader: _Reader, value: Any, region: str) -> Access:
    mode = value.get("mode") if isinstance(value, Mapping) else None
    if mode == "accounts":
        settings = reader.mapping(ACCESS, value, ("mode", "accounts", *NARROW_OUTPUTS))
        accounts = reader.strings(f"{ACCESS}.accounts", settings["accounts"])
        if len(set(accounts)) != len(accounts):
            reader.fail(f"{ACCESS}.accounts", accounts, "is not a list of distinct account IDs")
        for index, account in enumerate(accounts):
            reader.check(f"{ACCESS}.accounts[{index}]", account, values.account_id)
        narrow = _narrow(reader, settings, region)
        if not accounts and not narrow["roles"] and not narrow["lambda_accounts"]:
            reader.fail(ACCESS, value, "grants nobody")
        return AccountsAccess(tuple(accounts), **narrow)
    if mode == "organization":
        settings = reader.mapping(
            ACCESS, value, ("mode", "organizationId", "organizationPaths", *NARROW_OUTPUTS)
        )
        organization = reader.check(
            f"{ACCESS}.organizationId", settings["organizationId"], values.organization_id
        )
        paths = reader.strings(f"{ACCESS}.organizationPaths", settings["organizationPaths"])
        for index, path in enumerate(paths):
            reader.check(
                f"{ACCESS}.organizationPaths[{index}]",
                path,
                lambda k, v: values.organization_path(k, v, organization),
            )
        return OrganizationAccess(organization, tuple(paths), **_narrow(reader, settings, region))
    reader.fail(ACCESS, value, 'is not {"mode": "accounts", ...} or {"mode": "organization", ...}')


def _narrow(reader: _Reader, settings: Mapping[str, Any], region: str) -> dict[str, Any]:
    """``roles`` (role ARNs of the registry's partition) and ``lambdaAccounts`` (``{account}`` or
    ``{account, region}``), as ``access_output`` writes them."""
    roles = reader.strings(f"{ACCESS}.roles", settings["roles"])
    if roles != sorted(set(roles)):
        reader.fail(f"{ACCESS}.roles", roles, "is not a sorted list of distinct role ARNs")
    for index, role in enumerate(roles):
        path = f"{ACCESS}.roles[{index}]"
        reader.check(path, role, values.role_arn)
        if role.split(":", 5)[1] != rules.partition_for(region):
            reader.fail(path, role, f"is not a role of the partition of {region}")
    entries = settings["lambdaAccounts"]
    if not isinstance(entries, list):
        reader.fail(f"{ACCESS}.lambdaAccounts", entries, "is not a list")
    grants: list[LambdaAccount] = []
    for index, entry in enumerate(entries):
        path = f"{ACCESS}.lambdaAccounts[{index}]"
        keys = ("account", "region") if isinstance(entry, Mapping) and "region" in entry else ("account",)
        item = reader.mapping(path, entry, keys)
        account = reader.check(f"{path}.account", item["account"], values.account_id)
        where = (
            None if "region" not in item else reader.check(f"{path}.region", item["region"], values.region)
        )
        grants.append(LambdaAccount(account, where))
    if len(set(grants)) != len(grants):
        reader.fail(f"{ACCESS}.lambdaAccounts", entries, "lists an account twice")
    return {"roles": tuple(roles), "lambda_accounts": tuple(grants)}


def _replica_settings(reader: _Reader, path: str, value: Any) -> ReplicaSettings:
    """Read back with the same checks as the build stack's own config."""
    keys = ("imageTagMutability", "imageTagMutabilityExclusionFilters", "encryption")
    item = reader.mapping(
        path, value, (*keys, "lifecycle") if isinstance(value, Mapping) and "lifecycle" in value else keys
    )
    mutability = reader.check(
        f"{path}.imageTagMutability",
        item["imageTagMutability"],
        lambda k, v: values.one_of(k, v, rules.IMAGE_TAG_MUTABILITY),
    )
    filters = reader.strings(
        f"{path}.imageTagMutabilityExclusionFilters", item["imageTagMutabilityExclusionFilters"]
    )
    written: dict[str, Any] = {"imageTagMutability": mutability}
    if filters:
        written["imageTagMutabilityExclusionFilters"] = filters
    try:
        _, exclusions = parse_tag_mutability(reader.where(path), written)
    except ConfigError as error:
        reader.fail(path, value, f"{error.key.rsplit('.', 1)[-1]} {error.problem}")
    encryption = reader.check(
        f"{path}.encryption", item["encryption"], lambda k, v: values.one_of(k, v, rules.ENCRYPTION_TYPES)
    )
    lifecycle = None
    if "lifecycle" in item:
        try:
            lifecycle = parse_lifecycle(reader.where(f"{path}.lifecycle"), _whole(item["lifecycle"]))
        except ConfigError as error:
            reader.fail(f"{path}.lifecycle", item["lifecycle"], error.problem)
    return ReplicaSettings(mutability, exclusions, encryption, lifecycle)


def _whole(value: Any) -> Any:
    """Numbers come back from the engine as floats (14.0): whole ones are the integers written."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v) for v in value]
    return value


def _replicas(reader: _Reader, value: Any, registry: str, region: str) -> tuple[ReplicaRegistry, ...]:
    settings = reader.mapping(REPLICATION, value, ("sourceAccount", "sourceRegion", "destinations"))
    if settings["sourceAccount"] != registry or settings["sourceRegion"] != region:
        reader.fail(
            REPLICATION,
            {"sourceAccount": settings["sourceAccount"], "sourceRegion": settings["sourceRegion"]},
            f"does not describe this build registry ({registry}, {region})",
        )
    destinations = settings["destinations"]
    if not isinstance(destinations, list):
        reader.fail(f"{REPLICATION}.destinations", destinations, "is not a list")
    replicas: list[ReplicaRegistry] = []
    for index, entry in enumerate(destinations):
        path = f"{REPLICATION}.destinations[{index}]"
        item = reader.mapping(
            path, entry, ("account", "region", "filters", "templatePrefixes", "replicaSettings")
        )
        account = reader.check(f"{path}.account", item["account"], values.account_id)
        where = reader.check(f"{path}.region", item["region"], values.region)
        if rules.partition_for(where) != rules.partition_for(region) or (account, where) == (
            registry,
            region,
        ):
            reader.fail(
                f"{path}.region", where, f"is not a replication destination of {registry} in {region}"
            )
        filters = reader.strings(f"{path}.filters", item["filters"])
        for number, filter_ in enumerate(filters):
            reader.check(f"{path}.filters[{number}]", filter_, replication_filter)
        prefixes = reader.strings(f"{path}.templatePrefixes", item["templatePrefixes"])
        if filters != sorted(set(filters)) or prefixes != list(
            template_prefixes(filters, rules.TEMPLATE_ROOT in prefixes)
        ):
            reader.fail(path, item, "has filters and template prefixes that do not belong together")
        replica = _replica_settings(reader, f"{path}.replicaSettings", item["replicaSettings"])
        replicas.append(
            ReplicaRegistry(ReplicationDestination(where, account), tuple(filters), tuple(prefixes), replica)
        )
    if len({r.destination for r in replicas}) != len(replicas):
        reader.fail(f"{REPLICATION}.destinations", destinations, "lists a destination twice")
    return tuple(replicas)
