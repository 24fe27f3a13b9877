"""The replication components' args, checked with the checks of the ``replication`` and
``receiveReplication`` keys; keys are the args' schema names (``rules[0].destinations[1].region``)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from components.aws import rules
from components.config import values
from components.errors import ConfigError
from components.replication.config import (
    check_destination_count,
    check_rule_count,
    parse_destination_registry,
    parse_filters,
    parse_other_sources,
    replication_filter,
)
from components.replication.documents import (
    check_registry_policy,
    receiver_registry_policy,
    registry_policy_sid,
)
from components.replication.model import ReplicationDestination, ReplicationRule
from components.replication.resources import replica_settings_args, rule_args
from components.replication.scanning import parse_registry_scanning
from components.replication.statements import parse_statements

if TYPE_CHECKING:
    from components.replication.component import (
        RegistryReplicationArgs,
        RegistryScanningSettings,
        ReplicaRepositorySettingsArgs,
        ReplicationReceiverArgs,
        ReplicationSourceSettings,
    )

RULE_ARGS = ("destinations", "filters")


def check_registry_replication_args(args: Mapping[str, Any]) -> RegistryReplicationArgs:
    entries = values.sequence("rules", args["rules"])
    check_rule_count("rules", entries)
    parsed = tuple(_rule(f"rules[{index}]", entry) for index, entry in enumerate(entries))
    check_destination_count("rules", parsed)
    return {"rules": [rule_args(rule) for rule in parsed]}


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


def check_replica_repository_settings_args(args: Mapping[str, Any]) -> ReplicaRepositorySettingsArgs:
    filters = _filters("filters", args["filters"])
    checked = replica_settings_args(
        _template_prefixes("templatePrefixes", args["templatePrefixes"], filters),
        filters,
        _description("description", args["description"]),
        None,
        None
        if args.get("repositoryPolicy") is None
        else _policy("repositoryPolicy", args["repositoryPolicy"]),
        None if args.get("region") is None else values.region("region", args["region"]),
    )
    scanning = _scanning("registryScanning", args.get("registryScanning"))
    if scanning is not None:
        checked["registry_scanning"] = scanning
    return checked


def check_replication_receiver_args(args: Mapping[str, Any]) -> ReplicationReceiverArgs:
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
    others = (
        ()
        if args.get("otherSources") is None
        else parse_other_sources("otherSources", args["otherSources"], source, account)
    )
    statements = (
        ()
        if args.get("registryPolicyStatements") is None
        else parse_statements(
            "registryPolicyStatements",
            [_json("registryPolicyStatements", i, t) for i, t in enumerate(args["registryPolicyStatements"])],
            account,
            region,
            [registry_policy_sid(a) for a in (source, *(o.account_id for o in others))],
        )
    )
    sources = [(source, filters), *((o.account_id, o.filters) for o in others)]
    check_registry_policy(
        "registryPolicyStatements" if statements else "filters",
        receiver_registry_policy(sources, ReplicationDestination(region, account), statements),
    )
    checked: ReplicationReceiverArgs = {
        "source_account": source,
        "account_id": account,
        "region": region,
        "filters": filters,
        "template_prefixes": _template_prefixes("templatePrefixes", args["templatePrefixes"], filters),
        "description": _description("description", args["description"]),
    }
    scanning = _scanning("registryScanning", args.get("registryScanning"))
    if scanning is not None:
        checked["registry_scanning"] = scanning
    if args.get("repositoryPolicy") is not None:
        checked["repository_policy"] = _policy("repositoryPolicy", args["repositoryPolicy"])
    if others:
        checked["other_sources"] = [_source(o.account_id, o.filters) for o in others]
    if statements:
        checked["registry_policy_statements"] = list(statements)
    return checked


def _source(account: str, filters: Sequence[str]) -> ReplicationSourceSettings:
    source: ReplicationSourceSettings = {"account": account}
    if filters:
        source["filters"] = list(filters)
    return source


def _scanning(key: str, value: Any) -> RegistryScanningSettings | None:
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
    return {
        "scan_type": scanning.scan_type,
        "rules": [
            {"scan_frequency": r.scan_frequency, "filters": list(r.filters or ())} for r in scanning.rules
        ],
    }


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


def _policy(key: str, value: Any) -> str:
    """A repository policy document: JSON with a ``Statement``, within ECR's size limit."""
    try:
        document = json.loads(value) if isinstance(value, str) else None
    except json.JSONDecodeError:
        document = None
    if not isinstance(document, dict) or "Statement" not in document:
        raise ConfigError(key, value, "is not a policy document (JSON text with a Statement)")
    if len(value) > rules.REPOSITORY_POLICY_MAX_CHARS:
        raise ConfigError(
            key, f"{len(value)} characters", f"are over ECR's limit of {rules.REPOSITORY_POLICY_MAX_CHARS}"
        )
    return str(value)
