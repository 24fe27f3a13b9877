"""The replication components' args, checked with the checks of the ``replication`` and
``receiveReplication`` keys; keys are the args' schema names (``rules[0].destinations[1].region``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from components.aws import rules
from components.config import values
from components.encryption.config import deletion_window, key_arn
from components.errors import ConfigError
from components.replication.config import (
    check_destination_count,
    check_rule_count,
    parse_destination_registry,
    parse_filters,
    parse_other_sources,
    parse_replica_access,
    replication_filter,
)
from components.replication.documents import (
    check_registry_policy,
    receiver_registry_policy,
    templated_filters,
)
from components.replication.model import (
    RegistryReplicationSpec,
    RegistryScanning,
    ReplicaGrant,
    ReplicaKey,
    ReplicaRepositorySettingsSpec,
    ReplicationDestination,
    ReplicationReceiverSpec,
    ReplicationRule,
    ReplicationSource,
    TemplateSettings,
)
from components.replication.scanning import parse_registry_scanning
from components.replication.statements import parse_statements
from components.replication.writes import Received, check_other_sources
from components.repositories.args import check_access, lifecycle_policy_text
from components.repositories.config import parse_tag_mutability

RULE_ARGS = ("destinations", "filters")
GRANT_ARGS = ("access", "accountId", "region")
REPLICA_KEY_ARGS = ("accountId", "region", "roleName", "repositoryArns", "keyArn", "deletionWindowDays")


def check_registry_replication_args(args: Mapping[str, Any]) -> RegistryReplicationSpec:
    entries = values.sequence("rules", args["rules"])
    check_rule_count("rules", entries)
    parsed = tuple(_rule(f"rules[{index}]", entry) for index, entry in enumerate(entries))
    check_destination_count("rules", parsed)
    return RegistryReplicationSpec(parsed)


def _rule(key: str, value: Any) -> ReplicationRule:
    settings = values.mapping(key, value, RULE_ARGS)
    destinations_key = f"{key}.destinations"
    entries = values.sequence(destinations_key, settings.get("destinations"))
    destinations = [
        parse_destination_registry(f"{destinations_key}[{index}]", entry)
        for index, entry in enumerate(entries)
    ]
    values.unique(destinations_key, [f"{d.account_id}/{d.region}" for d in destinations], "destination")
    return ReplicationRule(tuple(destinations), parse_filters(f"{key}.filters", settings.get("filters")))


def check_replica_repository_settings_args(args: Mapping[str, Any]) -> ReplicaRepositorySettingsSpec:
    """The templates cover every replicated repository; each replica gets the settings checked like
    a repository's, and with ``kms`` a key and a role in the templates' Region (``region``, when set)."""
    filters = _filters("filters", args["filters"])
    region = None if args.get("region") is None else values.region("region", args["region"])
    prefixes = _template_prefixes("templatePrefixes", args["templatePrefixes"], filters)
    description = _description("description", args["description"])
    grant = None if args.get("grant") is None else _grant("grant", args["grant"], region)
    return ReplicaRepositorySettingsSpec(
        tuple(prefixes),
        tuple(filters),
        description,
        registry_scanning=_scanning("registryScanning", args.get("registryScanning")),
        grant=grant,
        region=region,
        settings=_template_settings(args, filters, None, region),
    )


def _template_settings(
    args: Mapping[str, Any], filters: Sequence[str], account: str | None, region: str | None
) -> TemplateSettings:
    """What every replica starts with: the tag mutability and exclusions (as ``repositories``
    entries have them), the lifecycle policy text, the key settings (``account``/``region``: the
    registry's, when the component knows them)."""
    mutability, exclusions = parse_tag_mutability("", dict(args))
    lifecycle = (
        None
        if args.get("lifecyclePolicy") is None
        else lifecycle_policy_text("lifecyclePolicy", args["lifecyclePolicy"])
    )
    kms = None if args.get("kms") is None else _replica_key("kms", args["kms"], filters, account, region)
    return TemplateSettings(mutability, tuple(exclusions), lifecycle, kms)


def _replica_key(
    key: str, value: Any, filters: Sequence[str], account: str | None, region: str | None
) -> ReplicaKey:
    """The key and the role of KMS-encrypted replicas: the role (created here) may create exactly the
    replicated repositories of the key's registry; the key is a given key ARN of that account and
    Region, or one created here with a deletion window (``kmsKeys`` of ``receiveReplication``)."""
    settings = values.mapping(key, value, REPLICA_KEY_ARGS, REPLICA_KEY_ARGS[4:])
    for name in REPLICA_KEY_ARGS[:4]:
        if name not in settings:
            raise ConfigError(f"{key}.{name}", None, "is missing")
    owner = values.account_id(f"{key}.accountId", settings["accountId"])
    if account is not None and owner != account:
        raise ConfigError(
            f"{key}.accountId",
            owner,
            f"is not accountId {account}: the key and the templates' role are the receiving registry's",
        )
    key_region = values.region(f"{key}.region", settings["region"])
    if region is not None and key_region != region:
        raise ConfigError(
            f"{key}.region",
            key_region,
            f"is not the templates' Region {region} (region): a creation template's key must be in its "
            "own Region",
        )
    checked = ReplicaKey(
        account_id=owner,
        region=key_region,
        role_name=values.role_name(f"{key}.roleName", settings["roleName"]),
        repository_arns=tuple(
            _replicated_arns(f"{key}.repositoryArns", settings["repositoryArns"], owner, key_region, filters)
        ),
    )
    if "keyArn" not in settings:
        return replace(
            checked,
            deletion_window_days=deletion_window(
                f"{key}.deletionWindowDays",
                settings.get("deletionWindowDays", rules.KMS_DELETION_WINDOW_DAYS[1]),
            ),
        )
    if "deletionWindowDays" in settings:
        raise ConfigError(
            f"{key}.deletionWindowDays",
            settings["deletionWindowDays"],
            f"is for a key created here: a key you manage ({key}.keyArn) keeps its own deletion window",
        )
    arn = key_arn(
        f"{key}.keyArn", settings["keyArn"], owner, key_region, f"the registry's account ({key}.accountId)"
    )
    if arn.split(":")[3] != key_region:
        raise ConfigError(
            f"{key}.keyArn",
            arn,
            f"is in Region {arn.split(':')[3]}, but the templates are in {key_region}: a creation "
            "template's key must be in its own Region",
        )
    return replace(checked, key_arn=arn)


def _replicated_arns(key: str, value: Any, account: str, region: str, filters: Sequence[str]) -> list[str]:
    """Repository ARNs, or ``.../repository/<prefix>*`` for every repository whose name starts with
    the prefix, in the key's registry, together covering every replicated repository (each filter's
    repositories, or ``repository/*`` when every repository is replicated): ECR assumes the role to
    create each replica (repository-creation-templates-custom.html)."""
    entries = values.sequence(key, value)
    for index, entry in enumerate(entries):
        _replicated_arn(f"{key}[{index}]", entry, account, region)
    values.unique(key, entries, "repository ARN")
    prefixes = [arn.split(":repository/", 1)[1][:-1] for arn in entries if arn.endswith("*")]
    base = f"arn:{rules.partition_for(region)}:ecr:{region}:{account}:repository/"
    for filter_ in filters or [""]:
        if not any(filter_.startswith(prefix) for prefix in prefixes):
            what = f'the filter "{filter_}" replicates' if filter_ else "every repository (filters is empty)"
            raise ConfigError(
                key,
                entries,
                f"do not cover {what}: the role could not create those replicas encrypted; add {base}{filter_}*",
            )
    return list(entries)


def _replicated_arn(key: str, value: Any, account: str, region: str) -> str:
    if isinstance(value, str) and value.endswith("*"):
        base, _, prefix = value[:-1].partition(":repository/")
        if prefix and not _is_name_start(prefix):
            raise ConfigError(
                key,
                value,
                "is not the ARN of ECR repositories (arn:<partition>:ecr:<region>:<account>:repository/"
                "<name>, or .../repository/<prefix>* for every repository whose name starts with the prefix)",
            )
        try:
            # The rest is checked like a whole repository's ARN, with a stand-in name.
            values.repository_arn(key, f"{base}:repository/{prefix or 'any'}x")
        except ConfigError as error:
            raise ConfigError(key, value, error.problem) from None
    else:
        values.repository_arn(key, value)
    if values.arn_account(value) != account or value.split(":")[3] != region:
        raise ConfigError(
            key,
            value,
            f"is not in the key's registry ({account} in {region}): the role creates replicas there only",
        )
    return str(value)


def _is_name_start(prefix: str) -> bool:
    """The start of a repository name, as a PREFIX_MATCH replication filter is."""
    return (
        len(prefix) <= rules.REPLICATION_FILTER_LENGTH[1]
        and rules.REPLICATION_FILTER.fullmatch(prefix) is not None
    )


def check_replication_receiver_args(args: Mapping[str, Any]) -> ReplicationReceiverSpec:
    """The registry policy lets ``sourceAccount`` (and each of ``otherSources``) replicate into
    exactly its filtered repositories, then holds the further statements, checked like config."""
    account = values.account_id("accountId", args["accountId"])
    source = values.account_id("sourceAccount", args["sourceAccount"])
    if source == account:
        raise ConfigError(
            "sourceAccount",
            source,
            "is accountId itself: replication within one account needs no registry policy "
            "(ReplicaRepositorySettings gives its replicas their settings)",
        )
    region = values.region("region", args["region"])
    filters = _filters("filters", args["filters"])
    received = Received(source, tuple(filters), ReplicationDestination(region, account))
    others: tuple[ReplicationSource, ...] = ()
    if args.get("otherSources") is not None:
        others = parse_other_sources("otherSources", args["otherSources"], source, account)
        check_other_sources("otherSources", args["otherSources"], others, received)
    replication = received.replication_statements(others)
    statements = (
        ()
        if args.get("registryPolicyStatements") is None
        else parse_statements(
            "registryPolicyStatements",
            [_json("registryPolicyStatements", i, t) for i, t in enumerate(args["registryPolicyStatements"])],
            received,
            replication,
        )
    )
    policy = check_registry_policy(
        "registryPolicyStatements" if statements else "filters",
        receiver_registry_policy(replication, statements),
    )
    prefixes = _template_prefixes("templatePrefixes", args["templatePrefixes"], filters)
    description = _description("description", args["description"])
    scanning = _scanning("registryScanning", args.get("registryScanning"))
    access = (
        None
        if args.get("access") is None
        else parse_replica_access("access", args["access"], account, region)
    )
    templated = templated_filters(prefixes, filters, [o.filters for o in others])
    return ReplicationReceiverSpec(
        source_account=source,
        account_id=account,
        region=region,
        filters=tuple(filters),
        template_prefixes=tuple(prefixes),
        description=description,
        registry_policy=policy,
        registry_scanning=scanning,
        access=access,
        other_sources=others,
        registry_policy_statements=tuple(statements),
        settings=_template_settings(args, templated, account, region),
    )


def _scanning(key: str, value: Any) -> RegistryScanning | None:
    """A whole scanning configuration, each rule with its WILDCARD filters (the component scans
    exactly what they say: there are no replicated filters to fall back on here)."""
    if value is None:
        return None
    scanning = parse_registry_scanning(key, value)
    for index, rule in enumerate(scanning.rules):
        if not rule.filters:
            raise ConfigError(
                f"{key}.rules[{index}].filters", [], "is empty: give the WILDCARD filters the rule scans"
            )
    return scanning


def _json(key: str, index: int, text: Any) -> Any:
    """A statement given as JSON text; anything else is refused by the statement check, by key."""
    try:
        return json.loads(text) if isinstance(text, str) else None
    except json.JSONDecodeError:
        return None


def _filters(key: str, value: Any) -> list[str]:
    """PREFIX_MATCH filters as the source's rules have them; empty: every repository is replicated."""
    entries = values.sequence(key, value, non_empty=False)
    filters = [replication_filter(f"{key}[{index}]", entry) for index, entry in enumerate(entries)]
    values.unique(key, filters, "filter")
    return filters


def _template_prefixes(key: str, value: Any, filters: Sequence[str]) -> list[str]:
    """Namespaces or ROOT, covering every replicated repository: ECR gives a replica no template
    matches its defaults (mutable tags, no repository policy), and a template acts only at creation."""
    entries = values.sequence(key, value)
    prefixes = [
        prefix if prefix == rules.TEMPLATE_ROOT else values.repository_name(f"{key}[{index}]", prefix)
        for index, prefix in enumerate(entries)
    ]
    values.unique(key, prefixes, "template prefix")
    if rules.TEMPLATE_ROOT in prefixes:
        return prefixes
    if not filters:
        raise ConfigError(
            key,
            prefixes,
            f"do not include {rules.TEMPLATE_ROOT}, but filters is empty: every repository is replicated, "
            f"so only {rules.TEMPLATE_ROOT} covers them all",
        )
    for filter_ in filters:
        # A namespace template covers every name below it; ROOT (absent here) would cover the rest.
        if not any(filter_.startswith(prefix + "/") for prefix in prefixes):
            raise ConfigError(
                key,
                prefixes,
                f'cover no repository the filter "{filter_}" replicates: add its namespace or '
                f"{rules.TEMPLATE_ROOT}, or its replicas keep ECR's defaults (mutable tags, no policy) for good",
            )
    return prefixes


def _description(key: str, value: Any) -> str:
    if not isinstance(value, str) or len(value) > rules.TEMPLATE_DESCRIPTION_MAX_CHARS:
        raise ConfigError(
            key,
            value,
            f"is not a template description (at most {rules.TEMPLATE_DESCRIPTION_MAX_CHARS} characters)",
        )
    return value


def _grant(key: str, value: Any, region: str | None) -> ReplicaGrant:
    """The replicas' pull grant, checked as the build stack's ``access`` is (the replicas' repository
    policy is rendered from it, never taken as text), for the registry it names."""
    settings = values.mapping(key, value, GRANT_ARGS)
    for name in GRANT_ARGS:
        if name not in settings:
            raise ConfigError(f"{key}.{name}", None, "is missing")
    account = values.account_id(f"{key}.accountId", settings["accountId"])
    grant_region = values.region(f"{key}.region", settings["region"])
    if region is not None and grant_region != region:
        raise ConfigError(
            f"{key}.region",
            grant_region,
            f"is not the templates' Region {region} (region): the grant is theirs",
        )
    access = check_access(f"{key}.access", settings["access"], grant_region, account, f"{key}.accountId")
    return ReplicaGrant(access, account, grant_region)
