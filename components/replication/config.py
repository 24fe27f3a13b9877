"""Parsing and validating the replication keys: ``replication`` (build stack), ``receiveReplication``
and ``pullFrom`` (environment stacks). Every check runs before anything is registered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from components.aws import rules
from components.config import values
from components.consumers.model import ServiceSpec
from components.encryption.config import check_key_regions, parse_kms_keys
from components.encryption.model import KmsKeys
from components.errors import ConfigError
from components.replication.documents import (
    check_registry_policy,
    covers,
    merged_filters,
    receiver_registry_policy,
    replica_mutability,
    replica_registries,
    replication_registry_policy,
)
from components.replication.model import (
    ReceiveReplication,
    RegistryScanning,
    ReplicaRegistry,
    Replication,
    ReplicationDestination,
    ReplicationRule,
    ReplicationSource,
    is_namespace,
)
from components.replication.scanning import (
    parse_registry_scanning,
    refuse_retired_scan_on_push,
    resolved_rules,
)
from components.replication.statements import parse_statements
from components.replication.writes import Received, check_other_sources
from components.repositories.config import (
    check_not_granting_owner,
    check_repository_policy_size,
    parse_access,
)
from components.repositories.model import Access, RepositorySpec

REPLICATION_KEYS = ("rules", "registryScanning")
RULE_KEYS = ("destinations", "filters", "rootTemplate")
DESTINATION_KEYS = ("region", "account")
RECEIVE_KEYS = (
    "sourceAccount",
    "filters",
    "rootTemplate",
    "registryScanning",
    "access",
    "otherSources",
    "registryPolicyStatements",
    "kmsKeys",
)
RECEIVE_OPTIONAL_KEYS = RECEIVE_KEYS[2:]
SOURCE_KEYS = ("account", "filters")
PULL_FROM = ("build", "replica")


def parse_replication(
    full_key: str, value: Any, account: str, region: str, repositories: Sequence[RepositorySpec]
) -> Replication:
    """The build stack's ``replication``: rules with destinations and PREFIX_MATCH filters."""
    refuse_retired_scan_on_push(full_key, value)
    settings = values.mapping(full_key, value, REPLICATION_KEYS, ("registryScanning",))
    rules_key = f"{full_key}.rules"
    entries = values.sequence(rules_key, settings.get("rules"))
    check_rule_count(rules_key, entries)
    parsed = tuple(parse_rule(f"{rules_key}[{i}]", entry, account, region) for i, entry in enumerate(entries))
    check_destination_count(rules_key, parsed)
    scanning_key = f"{full_key}.registryScanning"
    scanning = None
    if "registryScanning" in settings:
        scanning = parse_registry_scanning(scanning_key, settings["registryScanning"])
    replication = resolved_replication(parsed, scanning, account, repositories, scanning_key)
    for registry in replication.registries:
        check_replica_settings(rules_key, registry, repositories)
        if registry.destination.account_id != account:
            # The receiving stack renders this policy; refuse here too, so the owner of the rule sees it.
            check_registry_policy(
                rules_key, replication_registry_policy(account, registry.destination, registry.filters)
            )
    if scanning is not None and not replication.own_regions:
        raise ConfigError(
            scanning_key,
            settings["registryScanning"],
            f"is the scanning configuration of this account's replica Regions, and no rule replicates "
            f"to another Region of {account}: a destination account's stack owns its own "
            "(receiveReplication.registryScanning)",
        )
    return replication


def resolved_replication(
    rules_: tuple[ReplicationRule, ...],
    scanning: RegistryScanning | None,
    account: str,
    repositories: Sequence[RepositorySpec],
    scanning_key: str = "registryScanning",
) -> Replication:
    """The replication record with what its rules decide, decided here once: every registry they
    replicate to (with the repositories it receives and their replicas' settings; in the build
    account's own Regions, the scanning configuration with its rules' filters resolved) and the
    Regions the build account replicates into itself."""
    registries = tuple(
        r
        if scanning is None or r.destination.account_id != account
        else replace(
            r,
            scanning=RegistryScanning(scanning.scan_type, resolved_rules(scanning_key, scanning, r.filters)),
        )
        for r in replica_registries(rules_, repositories)
    )
    own_regions = tuple(r.destination.region for r in registries if r.destination.account_id == account)
    return Replication(rules_, scanning, registries=registries, own_regions=own_regions)


def parse_rule(full_key: str, value: Any, account: str, region: str) -> ReplicationRule:
    settings = values.mapping(full_key, value, RULE_KEYS, ("rootTemplate",))
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


def check_rule_count(full_key: str, entries: Sequence[Any]) -> None:
    values.at_most(
        full_key,
        len(entries),
        rules.REPLICATION_MAX_RULES,
        "rules",
        "rules per registry and Region: merge rules that have the same filters",
    )


def check_destination_count(full_key: str, rules_: Sequence[ReplicationRule]) -> None:
    distinct = {d for rule in rules_ for d in rule.destinations}
    values.at_most(
        full_key,
        len(distinct),
        rules.REPLICATION_MAX_DESTINATIONS,
        "destinations",
        "distinct destinations across all rules",
    )


def parse_destination_registry(full_key: str, value: Any) -> ReplicationDestination:
    """A destination's ``region`` and ``account``, each checked on its own."""
    settings = values.mapping(full_key, value, DESTINATION_KEYS)
    return ReplicationDestination(
        values.region(f"{full_key}.region", settings.get("region")),
        values.account_id(f"{full_key}.account", settings.get("account")),
    )


def parse_destination(full_key: str, value: Any, account: str, region: str) -> ReplicationDestination:
    destination = parse_destination_registry(full_key, value)
    destination_region, destination_account = destination.region, destination.account_id
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
    return destination


def parse_filters(full_key: str, value: Any) -> tuple[str, ...]:
    """PREFIX_MATCH filters; left out, every repository is replicated (ECR RepositoryFilter doc)."""
    if value is None:
        return ()
    if value == []:
        raise ConfigError(full_key, value, "is empty: leave filters out to replicate every repository")
    entries = values.sequence(full_key, value)
    values.at_most(
        full_key, len(entries), rules.REPLICATION_MAX_FILTERS_PER_RULE, "filters", "filters per rule"
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


def check_replica_settings(
    full_key: str, registry: ReplicaRegistry, repositories: Sequence[RepositorySpec]
) -> None:
    """The repositories replicated to one registry must agree on what their replicas get: its
    creation templates give every replica one tag mutability and one lifecycle policy."""
    replicated = [r for r in repositories if r.name in registry.repositories]
    destination = registry.destination
    here = f"{destination.account_id} in {destination.region}"
    if replica_mutability(replicated) is None:
        shown = sorted({f"{r.name} {r.image_tag_mutability}" for r in replicated})
        raise ConfigError(
            full_key,
            shown,
            f"are replicated to {here}, whose creation templates give every replica one tag mutability: "
            "no setting lets every tag move that moves in its source without weakening the others "
            f"(immutable repositories with up to {rules.EXCLUSION_FILTERS_MAX} exclusion filters in all "
            "can share one). Give them the same tag mutability, or replicate them to different places",
        )
    differing = [r for r in replicated if r.lifecycle != replicated[0].lifecycle]
    if differing:
        raise ConfigError(
            full_key,
            [replicated[0].name, differing[0].name],
            f"are both replicated to {here} with a different lifecycle: the creation templates there give "
            "every replica one lifecycle policy. Give them the same lifecycle, or replicate them to "
            "different places",
        )


def check_own_replica_keys(
    full_key: str, registries: Sequence[ReplicaRegistry], account: str, keys: KmsKeys | None
) -> None:
    """A KMS-encrypted repository replicated within the build account needs a key in the replica's
    Region: a creation template names one key, by full ARN, in its own Region (aws-facts §4.4)."""
    for registry in registries:
        destination = registry.destination
        if destination.account_id == account and registry.settings.encryption == "KMS" and keys is None:
            raise ConfigError(
                full_key,
                None,
                f"is not set, but this stack replicates KMS-encrypted repositories to {destination.region}: "
                "set kmsKeys (create: true, or a key ARN in each Region) so the creation template there "
                "encrypts the replicas with a key of that Region",
            )


def parse_receive_replication(
    full_key: str, value: Any, account: str, region: str, pulled: Sequence[tuple[str, str]] = ()
) -> ReceiveReplication:
    """An environment stack's ``receiveReplication``: it owns its registry's policy and templates.
    ``pulled``: (key, repository) of each service of the stack, which no other writer may reach."""
    refuse_retired_scan_on_push(full_key, value)
    settings = values.mapping(full_key, value, RECEIVE_KEYS, RECEIVE_OPTIONAL_KEYS)
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
    received = Received(source, filters, ReplicationDestination(region, account), tuple(pulled))
    others: tuple[ReplicationSource, ...] = ()
    if "otherSources" in settings:
        sources_key = f"{full_key}.otherSources"
        others = parse_other_sources(sources_key, settings["otherSources"], source, account)
        check_other_sources(sources_key, settings["otherSources"], others, received)
    # Rendered once: the further statements are checked against them, and the policy holds them.
    replication = received.replication_statements(others)
    statements: tuple[str, ...] = ()
    if "registryPolicyStatements" in settings:
        statements = parse_statements(
            f"{full_key}.registryPolicyStatements",
            settings["registryPolicyStatements"],
            received,
            replication,
        )
    policy = check_registry_policy(full_key, receiver_registry_policy(replication, statements))
    scanning = None
    if "registryScanning" in settings:
        scanning_key = f"{full_key}.registryScanning"
        written = parse_registry_scanning(scanning_key, settings["registryScanning"])
        # Resolved once, here: the receiver's plan takes the rules as they are.
        received_filters = merged_filters([filters, *(o.filters for o in others)])
        scanning = RegistryScanning(
            written.scan_type, resolved_rules(scanning_key, written, received_filters)
        )
    access = None
    if "access" in settings:
        access = parse_replica_access(f"{full_key}.access", settings["access"], account, region)
    keys = None
    if settings.get("kmsKeys") is not None:
        keys = parse_kms_keys(f"{full_key}.kmsKeys", settings["kmsKeys"], account, region)
        check_key_regions(f"{full_key}.kmsKeys", keys, [region])
    return ReceiveReplication(
        source, filters, root_template, scanning, access, others, statements, keys, registry_policy=policy
    )


def parse_replica_access(full_key: str, value: Any, account: str, region: str) -> Access:
    """Who else may pull a receiving registry's replicas: accounts or an organization. Roles and Lambda
    functions are granted by the build stack, for the registries it owns."""
    access = parse_access(full_key, value, narrow=False)
    check_not_granting_owner(full_key, access, account, "receiving")
    # The replicas' creation templates carry this grant: ECR holds it to the same 10,240 characters.
    check_repository_policy_size(full_key, access, region)
    return access


def parse_other_sources(
    full_key: str, value: Any, build_account: str, account: str
) -> tuple[ReplicationSource, ...]:
    """Registries outside this project that replicate here. No stack output describes them, so
    their account and filters are trusted as written; only their shape is checked."""
    entries = values.sequence(full_key, value)
    sources = []
    for index, entry in enumerate(entries):
        entry_key = f"{full_key}[{index}]"
        settings = values.mapping(entry_key, entry, SOURCE_KEYS, ("filters",))
        if "account" not in settings:
            raise ConfigError(
                f"{entry_key}.account", None, "is missing: set the account that replicates here"
            )
        other = values.account_id(f"{entry_key}.account", settings["account"])
        if other in (build_account, account):
            which = (
                "the build account (sourceAccount)" if other == build_account else "this stack's own account"
            )
            raise ConfigError(f"{entry_key}.account", other, f"is {which}: list only other source accounts")
        sources.append(
            ReplicationSource(other, parse_filters(f"{entry_key}.filters", settings.get("filters")))
        )
    values.unique(full_key, [s.account_id for s in sources], "source account")
    return tuple(sources)


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
