"""Parse and validate a stack's configuration before any resource is registered.

Input is the stack's config map with full keys (``ecr-share:access``, ``aws:region``), as written in
``Pulumi.<stack>.yaml`` or as the Pulumi runtime hands it over (structured values as JSON text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from components import aws_rules, validation
from components.errors import ConfigError
from components.model import (
    NAMESPACE,
    Access,
    AccountsAccess,
    BuildStack,
    EnvironmentStack,
    OrganizationAccess,
    RepositorySpec,
    ServiceSpec,
    StackConfig,
)
from components.policies import canonical_json, repository_pull_policy
from components.replication_config import (
    check_services_replicated,
    parse_pull_from,
    parse_receive_replication,
    parse_replication,
)

__all__ = [
    "NAMESPACE",
    "Access",
    "AccountsAccess",
    "BuildStack",
    "EnvironmentStack",
    "OrganizationAccess",
    "RepositorySpec",
    "ServiceSpec",
    "StackConfig",
    "parse_access",
    "parse_stack_config",
]

STACK_KINDS = ("build", "environment")
BUILD_KEYS = ("stackKind", "repositories", "access", "replication")
ENVIRONMENT_KEYS = (
    "stackKind",
    "buildStack",
    "services",
    "organizationPath",
    "logRetentionDays",
    "pullFrom",
    "receiveReplication",
)
REPOSITORY_KEYS = ("name", "scanOnPush", "imageTagMutability", "encryption", "kmsKey")
ACCESS_KEYS = ("accounts", "organizationId", "organizationPaths")
SERVICE_KEYS = ("name", "repository", "imageTag", "imageDigest", "cpu", "memory", "containerPort")
DEFAULT_LOG_RETENTION_DAYS = 30
# Fully qualified stack name, required by StackReference: <organization>/<project>/<stack>.
QUALIFIED_STACK = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
KMS_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key/[A-Za-z0-9-]+")


def key(name: str) -> str:
    return f"{NAMESPACE}:{name}"


def parse_stack_config(stack: str, config: Mapping[str, Any]) -> StackConfig:
    """Validate every value of one stack and return the typed configuration."""
    kind = validation.one_of(key("stackKind"), config.get(key("stackKind")), STACK_KINDS)
    _reject_unknown_keys(config, BUILD_KEYS if kind == "build" else ENVIRONMENT_KEYS, kind)
    region = validation.region("aws:region", config.get("aws:region"))
    account = _pinned_account(config)
    if kind == "build":
        return _parse_build(stack, config, account, region)
    return _parse_environment(stack, config, account, region)


def _reject_unknown_keys(config: Mapping[str, Any], known: tuple[str, ...], kind: str) -> None:
    prefix = f"{NAMESPACE}:"
    for full_key, value in config.items():
        if full_key.startswith(prefix) and full_key[len(prefix) :] not in known:
            raise ConfigError(
                full_key, value, f"is not a setting of a {kind} stack (known: {', '.join(known)})"
            )


def _structured(config: Mapping[str, Any], full_key: str) -> Any:
    """Structured values arrive as JSON text from the Pulumi runtime and as YAML values from files."""
    value = config.get(full_key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _required(config: Mapping[str, Any], full_key: str, what: str) -> Any:
    value = _structured(config, full_key)
    if value is None:
        raise ConfigError(full_key, None, f"is missing: set {what}")
    return value


def _pinned_account(config: Mapping[str, Any]) -> str:
    """Each stack file pins exactly one account, so wrong credentials can never deploy it."""
    full_key = "aws:allowedAccountIds"
    accounts = validation.sequence(full_key, _required(config, full_key, "the stack's one account ID"))
    if len(accounts) != 1:
        raise ConfigError(
            full_key, accounts, "must list exactly one account: the account this stack deploys to"
        )
    return validation.account_id(f"{full_key}[0]", accounts[0])


def _parse_build(stack: str, config: Mapping[str, Any], account: str, region: str) -> BuildStack:
    repositories = parse_repositories(
        key("repositories"), _required(config, key("repositories"), "the repositories to share"), region
    )
    access = parse_access(key("access"), _required(config, key("access"), "accounts or organizationId"))
    if isinstance(access, AccountsAccess) and account in access.accounts:
        index = access.accounts.index(account)
        raise ConfigError(
            f"{key('access')}.accounts[{index}]",
            account,
            "is the build account itself: it owns the repositories and needs no grant",
        )
    check_repository_policy_size(key("access"), access, region)
    replication_value = _structured(config, key("replication"))
    return BuildStack(
        stack=stack,
        account_id=account,
        region=region,
        repositories=repositories,
        access=access,
        replication=None
        if replication_value is None
        else parse_replication(key("replication"), replication_value, account, region, repositories),
    )


def parse_repositories(full_key: str, value: Any, region: str) -> tuple[RepositorySpec, ...]:
    entries = validation.sequence(full_key, value)
    specs = tuple(parse_repository(f"{full_key}[{i}]", entry, region) for i, entry in enumerate(entries))
    validation.unique(full_key, [s.name for s in specs], "repository name")
    return specs


def parse_repository(full_key: str, value: Any, region: str) -> RepositorySpec:
    if isinstance(value, str):
        return RepositorySpec(name=validation.repository_name(full_key, value))
    settings = validation.mapping(full_key, value, REPOSITORY_KEYS)
    name = validation.repository_name(f"{full_key}.name", settings.get("name"))
    encryption = validation.one_of(
        f"{full_key}.encryption", settings.get("encryption", "AES256"), aws_rules.ENCRYPTION_TYPES
    )
    kms_key = settings.get("kmsKey")
    if kms_key is not None:
        if encryption != "KMS":
            raise ConfigError(f"{full_key}.kmsKey", kms_key, 'needs encryption: "KMS"')
        kms_key = _kms_key(f"{full_key}.kmsKey", kms_key, region)
    return RepositorySpec(
        name=name,
        scan_on_push=validation.boolean(f"{full_key}.scanOnPush", settings.get("scanOnPush", True)),
        image_tag_mutability=validation.one_of(
            f"{full_key}.imageTagMutability",
            settings.get("imageTagMutability", "IMMUTABLE"),
            aws_rules.IMAGE_TAG_MUTABILITY,
        ),
        encryption_type=encryption,
        kms_key=kms_key,
    )


def _kms_key(full_key: str, value: Any, region: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 2048:
        raise ConfigError(full_key, value, "is not a KMS key ID, alias or ARN")
    arn = KMS_KEY_ARN.fullmatch(value)
    if value.startswith("arn:") and arn is None:
        raise ConfigError(full_key, value, "is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
    if arn is not None and arn.group(1) != region:
        # ECR EncryptionConfiguration.kmsKey: the key must be in the repository's Region.
        raise ConfigError(
            full_key, value, f"is in Region {arn.group(1)}, but the repositories are in {region}"
        )
    return value


def parse_access(full_key: str, value: Any) -> Access:
    settings = validation.mapping(full_key, value, ACCESS_KEYS)
    has_accounts = "accounts" in settings
    has_organization = "organizationId" in settings
    if has_accounts == has_organization:
        raise ConfigError(
            full_key, value, "must set exactly one of accounts (a list of account IDs) or organizationId"
        )
    if has_accounts:
        if "organizationPaths" in settings:
            raise ConfigError(
                f"{full_key}.organizationPaths", settings["organizationPaths"], "needs organizationId"
            )
        entries = validation.sequence(f"{full_key}.accounts", settings["accounts"])
        accounts = [validation.account_id(f"{full_key}.accounts[{i}]", a) for i, a in enumerate(entries)]
        validation.unique(f"{full_key}.accounts", accounts, "account")
        return AccountsAccess(accounts=tuple(accounts))
    organization = validation.organization_id(f"{full_key}.organizationId", settings["organizationId"])
    paths_key = f"{full_key}.organizationPaths"
    entries = validation.sequence(paths_key, settings.get("organizationPaths", []), non_empty=False)
    paths = [
        validation.organization_path(f"{paths_key}[{i}]", p, organization) for i, p in enumerate(entries)
    ]
    validation.unique(paths_key, paths, "organization path")
    return OrganizationAccess(organization_id=organization, organization_paths=tuple(paths))


def check_repository_policy_size(full_key: str, access: Access, region: str) -> None:
    size = len(canonical_json(repository_pull_policy(access, aws_rules.partition_for(region))))
    if size > aws_rules.REPOSITORY_POLICY_MAX_CHARS:
        shown = f"{len(access.accounts)} accounts" if isinstance(access, AccountsAccess) else access.mode
        raise ConfigError(
            full_key,
            shown,
            f"make a repository policy of {size} characters, over ECR's limit of "
            f"{aws_rules.REPOSITORY_POLICY_MAX_CHARS}: grant the organization instead "
            "(access.organizationId, optionally access.organizationPaths)",
        )


def _parse_environment(stack: str, config: Mapping[str, Any], account: str, region: str) -> EnvironmentStack:
    build_key = key("buildStack")
    build_stack = config.get(build_key)
    if not isinstance(build_stack, str) or QUALIFIED_STACK.fullmatch(build_stack) is None:
        raise ConfigError(
            build_key, build_stack, 'is not a fully qualified stack name like "organization/ecr-share/build"'
        )
    if build_stack.rsplit("/", 1)[1] == stack:
        raise ConfigError(build_key, build_stack, "names this stack itself: point it at the build stack")
    services_key = key("services")
    entries = validation.sequence(services_key, _required(config, services_key, "the services to run"))
    services = tuple(parse_service(f"{services_key}[{i}]", entry) for i, entry in enumerate(entries))
    validation.unique(services_key, [s.name for s in services], "service name")
    path = config.get(key("organizationPath"))
    retention = validation.integer(
        key("logRetentionDays"), config.get(key("logRetentionDays"), DEFAULT_LOG_RETENTION_DAYS)
    )
    if retention not in aws_rules.LOG_RETENTION_DAYS:
        raise ConfigError(
            key("logRetentionDays"),
            retention,
            f"is not a CloudWatch Logs retention ({', '.join(map(str, aws_rules.LOG_RETENTION_DAYS))})",
        )
    pull_from = parse_pull_from(key("pullFrom"), config.get(key("pullFrom")))
    receive_value = _structured(config, key("receiveReplication"))
    receive = (
        None
        if receive_value is None
        else parse_receive_replication(key("receiveReplication"), receive_value, account, region)
    )
    if pull_from == "replica" and receive is not None:
        check_services_replicated(services_key, services, receive)
    return EnvironmentStack(
        stack=stack,
        account_id=account,
        region=region,
        build_stack=build_stack,
        services=services,
        organization_path=None
        if path is None
        else validation.organization_path(key("organizationPath"), path),
        log_retention_days=retention,
        pull_from=pull_from,
        receive_replication=receive,
    )


def parse_service(full_key: str, value: Any) -> ServiceSpec:
    settings = validation.mapping(full_key, value, SERVICE_KEYS)
    name = settings.get("name")
    if not isinstance(name, str) or aws_rules.TASK_FAMILY.fullmatch(name) is None:
        raise ConfigError(
            f"{full_key}.name", name, "is not a task family name (1 to 255 letters, digits, _ or -)"
        )
    if ("imageTag" in settings) == ("imageDigest" in settings):
        raise ConfigError(full_key, value, "must set exactly one of imageTag or imageDigest")
    cpu = validation.integer(f"{full_key}.cpu", settings.get("cpu"))
    memory = validation.integer(f"{full_key}.memory", settings.get("memory"))
    validation.fargate_size(full_key, cpu, memory)
    tag = settings.get("imageTag")
    digest = settings.get("imageDigest")
    return ServiceSpec(
        name=name,
        repository=validation.repository_name(f"{full_key}.repository", settings.get("repository")),
        cpu=cpu,
        memory=memory,
        container_port=validation.port(f"{full_key}.containerPort", settings.get("containerPort")),
        image_tag=None if tag is None else validation.image_tag(f"{full_key}.imageTag", tag),
        image_digest=None if digest is None else validation.image_digest(f"{full_key}.imageDigest", digest),
    )
