"""Parsing and validating the replication keys: ``replication`` (build stack), ``receiveReplication``
and ``pullFrom`` (environment stacks). Every check runs before anything is registered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components.aws import rules
from components.config import values
from components.consumers.model import ServiceSpec
from components.errors import ConfigError
from components.replication.documents import (
    check_registry_policy,
    covers,
    is_namespace,
    replica_registries,
    replication_registry_policy,
    scanning_filters,
)
from components.replication.model import (
    ReceiveReplication,
    Replication,
    ReplicationDestination,
    ReplicationRule,
)
from components.repositories.config import (
    check_not_granting_owner,
    check_repository_policy_size,
    parse_access,
)
from components.repositories.model import RepositorySpec

REPLICATION_KEYS = ("rules", "scanOnPush")
RULE_KEYS = ("destinations", "filters", "rootTemplate")
DESTINATION_KEYS = ("region", "account")
RECEIVE_KEYS = ("sourceAccount", "filters", "rootTemplate", "scanOnPush", "access")
PULL_FROM = ("build", "replica")


def parse_replication(
    full_key: str, value: Any, account: str, region: str, repositories: Sequence[RepositorySpec]
) -> Replication:
    """The build stack's ``replication``: rules with destinations and PREFIX_MATCH filters."""
    settings = values.mapping(full_key, value, REPLICATION_KEYS)
    rules_key = f"{full_key}.rules"
    entries = values.sequence(rules_key, settings.get("rules"))
    if len(entries) > rules.REPLICATION_MAX_RULES:
        raise ConfigError(
            rules_key,
            f"{len(entries)} rules",
            f"are more than ECR's {rules.REPLICATION_MAX_RULES} rules per registry and Region: "
            "merge rules that have the same filters",
        )
    parsed = tuple(parse_rule(f"{rules_key}[{i}]", entry, account, region) for i, entry in enumerate(entries))
    distinct = {d for rule in parsed for d in rule.destinations}
    if len(distinct) > rules.REPLICATION_MAX_DESTINATIONS:
        raise ConfigError(
            rules_key,
            f"{len(distinct)} destinations",
            f"are more than ECR's {rules.REPLICATION_MAX_DESTINATIONS} distinct destinations "
            "across all rules",
        )
    for index, rule in enumerate(parsed):
        _refuse_kms_repositories(f"{rules_key}[{index}].filters", rule, repositories)
    scan = values.boolean(f"{full_key}.scanOnPush", settings.get("scanOnPush", False))
    for registry in replica_registries(parsed):
        if registry.destination.account_id == account:
            if scan:
                check_scanning_filters(f"{full_key}.scanOnPush", registry.filters)
        else:
            # The receiving stack renders this policy; refuse here too, so the owner of the rule sees it.
            check_registry_policy(
                rules_key, replication_registry_policy(account, registry.destination, registry.filters)
            )
    return Replication(rules=parsed, scan_on_push=scan)


def parse_rule(full_key: str, value: Any, account: str, region: str) -> ReplicationRule:
    settings = values.mapping(full_key, value, RULE_KEYS)
    destinations_key = f"{full_key}.destinations"
    entries = values.sequence(destinations_key, settings.get("destinations"))
    destinations = [
        parse_destination(f"{destinations_key}[{i}]", entry, account, region)
        for i, entry in enumerate(entries)
    ]
    values.unique(destinations_key, [f"{d.account_id}/{d.region}" for d in destinations], "destination")
    filters = parse_filters(f"{full_key}.filters", settings.get("filters"))
    root_template = values.boolean(f"{full_key}.rootTemplate", settings.get("rootTemplate", False))
    check_alignment(full_key, filters, root_template)
    return ReplicationRule(tuple(destinations), filters, root_template)


def parse_destination(full_key: str, value: Any, account: str, region: str) -> ReplicationDestination:
    settings = values.mapping(full_key, value, DESTINATION_KEYS)
    destination_region = values.region(f"{full_key}.region", settings.get("region"))
    destination_account = values.account_id(f"{full_key}.account", settings.get("account"))
    if (destination_region, destination_account) == (region, account):
        raise ConfigError(
            full_key,
            value,
            "is the source registry itself (this stack's account and Region): replicate to another "
            "Region or another account",
        )
    source_partition = rules.partition_for(region)
    if rules.partition_for(destination_region) != source_partition:
        # ECR replication.md: "a repository in us-west-2 can't be replicated to cn-north-1".
        raise ConfigError(
            f"{full_key}.region",
            destination_region,
            f"is outside the {source_partition} partition of {region}: replication does not cross partitions",
        )
    return ReplicationDestination(destination_region, destination_account)


def parse_filters(full_key: str, value: Any) -> tuple[str, ...]:
    """PREFIX_MATCH filters; left out, every repository is replicated (ECR RepositoryFilter doc)."""
    if value is None:
        return ()
    if value == []:
        raise ConfigError(full_key, value, "is empty: leave filters out to replicate every repository")
    entries = values.sequence(full_key, value)
    if len(entries) > rules.REPLICATION_MAX_FILTERS_PER_RULE:
        raise ConfigError(
            full_key,
            f"{len(entries)} filters",
            f"are more than ECR's {rules.REPLICATION_MAX_FILTERS_PER_RULE} filters per rule",
        )
    filters = [replication_filter(f"{full_key}[{i}]", entry) for i, entry in enumerate(entries)]
    values.unique(full_key, filters, "filter")
    return tuple(filters)


def replication_filter(full_key: str, value: Any) -> str:
    low, high = rules.REPLICATION_FILTER_LENGTH
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise ConfigError(full_key, value, f"is not a replication filter ({low} to {high} characters)")
    if rules.REPLICATION_FILTER.fullmatch(value) is None:
        raise ConfigError(
            full_key,
            value,
            "is not a replication filter: the start of a repository name (lowercase letters and "
            'digits, ".", "_", "-", and "/" between namespaces)',
        )
    if is_namespace(value) and rules.REPOSITORY_NAME.fullmatch(value[:-1]) is None:
        raise ConfigError(
            full_key,
            value,
            'ends in "/" but what comes before it is not a namespace a creation template can name '
            '(a repository name such as "team-a" or "team-a/api")',
        )
    return value


def check_alignment(full_key: str, filters: Sequence[str], root_template: bool) -> None:
    """Filters are string prefixes, template prefixes namespaces: refuse what no template matches."""
    loose = [(i, f) for i, f in enumerate(filters) if not is_namespace(f)]
    if loose and not root_template:
        index, filter_ = loose[0]
        raise ConfigError(
            f"{full_key}.filters[{index}]",
            filter_,
            'is a string prefix, not a namespace ending in "/": creation-template prefixes are '
            "namespaces, so no template matches exactly the repositories it replicates. Use a "
            f'namespace filter such as "{filter_.rstrip("/")}/", or set {full_key}.rootTemplate: true '
            "to give the replicas the catch-all ROOT template",
        )
    if root_template and not loose:
        raise ConfigError(
            f"{full_key}.rootTemplate",
            True,
            "is not needed: every filter is a namespace (or there are no filters, which already uses "
            "ROOT); leave it out so a ROOT template does not cover more than is replicated",
        )


def check_scanning_filters(full_key: str, filters: Sequence[str]) -> None:
    wildcards = scanning_filters(filters)
    if len(wildcards) > rules.SCANNING_MAX_FILTERS_PER_RULE:
        raise ConfigError(
            full_key,
            f"{len(wildcards)} filters",
            f"need more than ECR's {rules.SCANNING_MAX_FILTERS_PER_RULE} scanning filters per rule",
        )
    for wildcard in wildcards:
        if rules.SCANNING_FILTER.fullmatch(wildcard) is None:
            raise ConfigError(
                full_key,
                wildcard,
                "is not a registry scanning filter ECR accepts: use filters that end in a letter, "
                'digit or "/"',
            )


def _refuse_kms_repositories(
    full_key: str, rule: ReplicationRule, repositories: Sequence[RepositorySpec]
) -> None:
    for spec in repositories:
        if spec.encryption_type == "KMS" and covers(rule.filters, spec.name):
            raise ConfigError(
                full_key,
                list(rule.filters),
                f'replicate "{spec.name}", which is KMS-encrypted: ecr-share\'s creation templates '
                "encrypt replicas with AES256 (a KMS template needs a custom IAM role and a key in "
                "every destination Region), so narrow the filters or encrypt it with AES256",
            )


def parse_receive_replication(full_key: str, value: Any, account: str, region: str) -> ReceiveReplication:
    """An environment stack's ``receiveReplication``: it owns its registry's policy and templates."""
    settings = values.mapping(full_key, value, RECEIVE_KEYS)
    source_key = f"{full_key}.sourceAccount"
    if settings.get("sourceAccount") is None:
        raise ConfigError(source_key, None, "is missing: set the build account that replicates here")
    source = values.account_id(source_key, settings["sourceAccount"])
    if source == account:
        raise ConfigError(
            source_key,
            source,
            "is this stack's own account: replication within one account needs no registry policy, "
            "and the build stack owns the templates of its own replica Regions",
        )
    filters = parse_filters(f"{full_key}.filters", settings.get("filters"))
    root_template = values.boolean(f"{full_key}.rootTemplate", settings.get("rootTemplate", False))
    check_alignment(full_key, filters, root_template)
    scan = values.boolean(f"{full_key}.scanOnPush", settings.get("scanOnPush", False))
    if scan:
        check_scanning_filters(f"{full_key}.scanOnPush", filters)
    check_registry_policy(
        full_key, replication_registry_policy(source, ReplicationDestination(region, account), filters)
    )
    access = None
    if settings.get("access") is not None:
        access = parse_access(f"{full_key}.access", settings["access"])
        check_not_granting_owner(f"{full_key}.access", access, account, "receiving")
        # The replicas' creation templates carry this grant: ECR holds it to the same 10,240 characters.
        check_repository_policy_size(f"{full_key}.access", access, region)
    return ReceiveReplication(source, filters, root_template, scan, access)


def parse_pull_from(full_key: str, value: Any) -> str:
    return values.one_of(full_key, "build" if value is None else value, PULL_FROM)


def check_services_replicated(
    services_key: str, services: Sequence[ServiceSpec], receive: ReceiveReplication
) -> None:
    """With ``pullFrom: replica``, every service's repository must be one this stack receives."""
    for index, service in enumerate(services):
        if not covers(receive.filters, service.repository):
            raise ConfigError(
                f"{services_key}[{index}].repository",
                service.repository,
                "is not replicated here: no receiveReplication.filters entry is a prefix of it "
                f"({', '.join(receive.filters)}), so its replica would not exist",
            )
