"""Parse and validate a stack's whole configuration before any resource is registered.

Input is the stack's config map with full keys (``ecr-share:access``, ``aws:region``), as written in
``Pulumi.<stack>.yaml`` or as the Pulumi runtime hands it over (structured values as JSON text).
Each feature folder parses its own keys; this module checks the stack as a whole.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from components.aws import rules
from components.aws.names import execution_role_name
from components.config import values
from components.config.credentials import stack_credentials
from components.config.model import BuildStack, EnvironmentStack, StackConfig
from components.config.schema import without_engine_defaults
from components.config.stack_names import STACK_NAME, check_stack_name, resolve_stack_name
from components.consumers.config import parse_log_retention, parse_pull_roles, parse_services
from components.encryption.config import check_key_regions, parse_kms_keys
from components.encryption.resources import template_role_name
from components.errors import ConfigError
from components.project import BUILD, NAMESPACE, PROJECT, STACK_KINDS, key
from components.replication.config import (
    check_own_replica_keys,
    check_services_replicated,
    parse_pull_from,
    parse_receive_replication,
    parse_replication,
)
from components.replication.model import grant_regions
from components.repositories.config import (
    check_narrow_grants,
    check_not_granting_owner,
    check_repository_policies_size,
    check_repository_policy_size,
    parse_access,
    parse_lifecycle,
    parse_repositories,
)

BUILD_KEYS = ("stackKind", "repositories", "access", "replication", "lifecycle", "kmsKeys")
ENVIRONMENT_KEYS = (
    "stackKind",
    "buildStack",
    "services",
    "organizationPath",
    "logRetentionDays",
    "pullFrom",
    "receiveReplication",
    "pullRoles",
    "deployAfter",
    "requireSignature",
)


def parse_stack_config(stack: str, config: Mapping[str, Any]) -> StackConfig:
    """Validate every value of one stack and return the typed configuration."""
    # Pulumi.yaml's schema gives every key a default meaning "not set", which the engine merges in.
    config = without_engine_defaults(config)
    kind = values.one_of(key("stackKind"), config.get(key("stackKind")), STACK_KINDS)
    _reject_unknown_keys(config, BUILD_KEYS if kind == BUILD else ENVIRONMENT_KEYS, kind)
    region = values.region("aws:region", config.get("aws:region"))
    account = _pinned_account(config)
    # The credentials verify and the pipeline read with are the provider's: refuse what it would.
    stack_credentials(config)
    if kind == BUILD:
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
    accounts = values.sequence(full_key, _required(config, full_key, "the stack's one account ID"))
    if len(accounts) != 1:
        raise ConfigError(
            full_key, accounts, "must list exactly one account: the account this stack deploys to"
        )
    return values.account_id(f"{full_key}[0]", accounts[0])


def _parse_build(stack: str, config: Mapping[str, Any], account: str, region: str) -> BuildStack:
    keys_value = _structured(config, key("kmsKeys"))
    keys = None if keys_value is None else parse_kms_keys(key("kmsKeys"), keys_value, account, region)
    lifecycle_value = _structured(config, key("lifecycle"))
    lifecycle = None if lifecycle_value is None else parse_lifecycle(key("lifecycle"), lifecycle_value)
    repositories = parse_repositories(
        key("repositories"),
        _required(config, key("repositories"), "the repositories to share"),
        region,
        lifecycle,
        keys,
    )
    access = parse_access(key("access"), _required(config, key("access"), "accounts or organizationId"))
    check_not_granting_owner(key("access"), access, account, "build")
    check_repository_policy_size(key("access"), access, region)
    replication_value = _structured(config, key("replication"))
    replication = (
        None
        if replication_value is None
        else parse_replication(key("replication"), replication_value, account, region, repositories)
    )
    registries = replication.registries if replication is not None else ()
    own = [r for r in registries if r.destination.account_id == account]
    # Every registry that carries this grant: the build Region's, and the build account's replicas.
    regions = grant_regions(region, replication)
    check_narrow_grants(key("access"), access, account, region, regions)
    check_repository_policies_size(key("access"), access, account, regions)
    check_own_replica_keys(key("kmsKeys"), own, account, keys)
    if keys is not None:
        check_key_regions(key("kmsKeys"), keys, [region, *(r.destination.region for r in own)])
        for registry in own:
            _check_template_role_name(stack, registry.destination.region)
    return BuildStack(
        stack=stack,
        account_id=account,
        region=region,
        repositories=repositories,
        access=access,
        replication=replication,
        lifecycle=lifecycle,
        kms_keys=keys,
    )


def _check_template_role_name(stack: str, region: str) -> None:
    """The KMS creation templates' role is named after the stack and Region (IAM names: 1-64)."""
    role = template_role_name(stack, region)
    if rules.ROLE_NAME.fullmatch(role) is None:
        raise ConfigError(
            "stack name",
            stack,
            f'makes the creation-template role name "{role}" ({len(role)} characters), but IAM role names '
            "are 1 to 64 characters: use a shorter stack name",
        )


def _check_role_name(stack: str) -> None:
    """The execution role is named after the stack, and IAM role names have a limit."""
    role = execution_role_name(stack)
    if rules.ROLE_NAME.fullmatch(role) is None:
        longest = 64 - len(execution_role_name(""))
        raise ConfigError(
            "stack name",
            stack,
            f'makes the execution role name "{role}" ({len(role)} characters), but IAM role names are 1 to '
            f"64 of A-Z, a-z, 0-9 and +=,.@_-: use a stack name of at most {longest} such characters",
        )


def _parse_environment(stack: str, config: Mapping[str, Any], account: str, region: str) -> EnvironmentStack:
    build_key = key("buildStack")
    build_stack = check_stack_name(build_key, config.get(build_key))
    named = resolve_stack_name(build_stack, None, PROJECT)
    if (named.project, named.stack) == (PROJECT, stack):
        raise ConfigError(build_key, build_stack, "names this stack itself: point it at the build stack")
    _check_role_name(stack)
    services_key = key("services")
    services = parse_services(
        services_key, _required(config, services_key, "the services to run"), account, region
    )
    path = config.get(key("organizationPath"))
    pull_from = parse_pull_from(key("pullFrom"), config.get(key("pullFrom")))
    receive_value = _structured(config, key("receiveReplication"))
    receive = (
        None
        if receive_value is None
        else parse_receive_replication(
            key("receiveReplication"),
            receive_value,
            account,
            region,
            [(f"{services_key}[{i}].repository", s.repository) for i, s in enumerate(services)],
        )
    )
    if pull_from == "replica" and receive is not None:
        check_services_replicated(services_key, services, receive)
    roles_value = _structured(config, key("pullRoles"))
    pull_roles = (
        ()
        if roles_value is None
        else parse_pull_roles(key("pullRoles"), roles_value, account, region, execution_role_name(stack))
    )
    if receive is not None and receive.kms_keys is not None:
        _check_template_role_name(stack, region)
    deploy_after = _deploy_after(key("deployAfter"), _structured(config, key("deployAfter")), stack)
    signing = _structured(config, key("requireSignature"))
    require_signature = (
        ()
        if signing is None
        else tuple(
            values.signing_profile_arn(f"{key('requireSignature')}[{index}]", arn)
            for index, arn in enumerate(values.sequence(key("requireSignature"), signing))
        )
    )
    return EnvironmentStack(
        stack=stack,
        account_id=account,
        region=region,
        build_stack=build_stack,
        services=services,
        organization_path=None if path is None else values.organization_path(key("organizationPath"), path),
        log_retention_days=parse_log_retention(key("logRetentionDays"), config.get(key("logRetentionDays"))),
        pull_from=pull_from,
        receive_replication=receive,
        pull_roles=pull_roles,
        deploy_after=deploy_after,
        require_signature=require_signature,
    )


def _deploy_after(full_key: str, value: Any, stack: str) -> tuple[str, ...]:
    """The environment stacks the pipeline deploys before this one (``pulumi up`` of this stack does
    not look at them); whether they exist is the pipeline's check, as only it reads every stack file."""
    if value is None:
        return ()
    names = values.sequence(full_key, value)
    for index, name in enumerate(names):
        if not isinstance(name, str) or STACK_NAME.fullmatch(name) is None:
            raise ConfigError(f"{full_key}[{index}]", name, 'is not a stack name (like "staging")')
        if name == stack:
            raise ConfigError(f"{full_key}[{index}]", name, "is this stack itself")
    values.unique(full_key, names, "stack name")
    return tuple(names)
