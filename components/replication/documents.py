"""Replication as pure functions: which repositories reach which registry, the destination's registry
policy, the creation template that applies to a repository and its scanning filters.

The two prefix languages (a replication filter's string prefix, a creation template's namespace)
and the one function that maps one onto the other, ``template_prefixes``, are in
``replication.model``: each rule derives its prefixes once, when it is made.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from components.aws import rules
from components.aws.names import account_root_arn
from components.aws.policy import PolicyDocument, Statement, canonical_json, document
from components.errors import ConfigError
from components.replication.model import (
    ReplicaRegistry,
    ReplicaSettings,
    ReplicationDestination,
    ReplicationRule,
)
from components.repositories.model import RepositorySpec


def covers(filters: Iterable[str], repository: str) -> bool:
    """Whether PREFIX_MATCH filters select a repository; no filters select every repository."""
    filters = tuple(filters)
    return not filters or any(repository.startswith(f) for f in filters)


def template_for(prefixes: Iterable[str], repository: str) -> str | None:
    """The creation template ECR applies to a new repository: the longest namespace prefix it is
    inside, else ROOT if there is one (ECR repository-creation-templates.html)."""
    prefixes = tuple(prefixes)
    inside = [p for p in prefixes if p != rules.TEMPLATE_ROOT and repository.startswith(p + "/")]
    if inside:
        return max(inside, key=len)
    return rules.TEMPLATE_ROOT if rules.TEMPLATE_ROOT in prefixes else None


def replica_mutability(repositories: Sequence[RepositorySpec]) -> tuple[str, tuple[str, ...]] | None:
    """One tag mutability for the replicas of these repositories, or ``None`` if there is none.

    A replica must let move every tag that moves in its source: ECR drops a replicated tag that the
    destination holds immutable, leaving the new image untagged (replication.md). Immutable sources,
    some with exclusions, therefore share IMMUTABLE_WITH_EXCLUSION with the union of the filters
    (a tag an IMMUTABLE source never moves is never pushed twice, so its exclusion changes nothing).
    Any other mix has no setting that is both safe and no weaker than its sources."""
    kinds = {r.image_tag_mutability for r in repositories}
    if not kinds:
        return ("IMMUTABLE", ())
    if len({(r.image_tag_mutability, r.exclusion_filters) for r in repositories}) == 1:
        return (repositories[0].image_tag_mutability, repositories[0].exclusion_filters)
    if kinds <= {"IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"}:
        union = tuple(dict.fromkeys(f for r in repositories for f in r.exclusion_filters))
        if len(union) <= rules.EXCLUSION_FILTERS_MAX:
            return ("IMMUTABLE_WITH_EXCLUSION", union)
    return None


def replica_settings(replicated: Sequence[RepositorySpec]) -> ReplicaSettings:
    """The settings of the replicated repositories, for their replicas' templates. Call only with
    repositories that agree on them (``replication.config.check_replica_settings``); KMS wins."""
    if not replicated:
        return ReplicaSettings()
    mutability, exclusions = replica_mutability(replicated) or ("IMMUTABLE", ())
    return ReplicaSettings(
        image_tag_mutability=mutability,
        exclusion_filters=exclusions,
        encryption="KMS" if any(r.encryption_type == "KMS" for r in replicated) else "AES256",
        lifecycle=replicated[0].lifecycle,
    )


def replica_registries(
    rules_: Iterable[ReplicationRule], repositories: Sequence[RepositorySpec] = ()
) -> tuple[ReplicaRegistry, ...]:
    """One entry per distinct destination, sorted by account then Region; with the build stack's
    repositories, each with the repositories it receives and the settings their replicas get."""
    filters: dict[ReplicationDestination, set[str] | None] = {}
    prefixes: dict[ReplicationDestination, set[str]] = {}
    for rule in rules_:
        for destination in rule.destinations:
            known = filters.setdefault(destination, set())
            # A rule without filters replicates everything: nothing narrower can be added to it.
            filters[destination] = None if known is None or not rule.filters else known | set(rule.filters)
            prefixes.setdefault(destination, set()).update(rule.template_prefixes)
    registries = []
    for d in sorted(filters, key=lambda d: (d.account_id, d.region)):
        replicated = [r for r in repositories if covers(filters[d] or (), r.name)]
        registries.append(
            ReplicaRegistry(
                d,
                tuple(sorted(filters[d] or ())),
                tuple(sorted(prefixes[d])),
                replica_settings(replicated),
                tuple(r.name for r in replicated),
            )
        )
    return tuple(registries)


def repository_arn_prefix(destination: ReplicationDestination) -> str:
    """``arn:<partition>:ecr:<region>:<account>:repository/``: what every repository ARN of the registry
    starts with."""
    partition = rules.partition_for(destination.region)
    return f"arn:{partition}:ecr:{destination.region}:{destination.account_id}:repository/"


def registry_policy_resources(destination: ReplicationDestination, filters: Iterable[str]) -> list[str]:
    """``repository/<filter>*`` per filter; ``repository/*`` only when everything is replicated."""
    base = repository_arn_prefix(destination)
    filters = tuple(filters)
    return sorted({f"{base}{f}*" for f in filters} if filters else {f"{base}*"})


def registry_policy_sid(source_account: str) -> str:
    return f"ReplicationFrom{source_account}"


def replication_registry_policy(
    source_account: str, destination: ReplicationDestination, filters: Iterable[str]
) -> PolicyDocument:
    """The destination account's registry policy: the source account may create and replicate into
    the replicated repositories, and into nothing else (ECR registry-permissions-examples)."""
    partition = rules.partition_for(destination.region)
    return document(
        {
            "Sid": registry_policy_sid(source_account),
            "Effect": "Allow",
            "Principal": {"AWS": account_root_arn(source_account, partition)},
            "Action": list(rules.REPLICATION_ACTIONS),
            "Resource": registry_policy_resources(destination, filters),
        }
    )


def replication_statements(
    sources: Iterable[tuple[str, Iterable[str]]], destination: ReplicationDestination
) -> list[Statement]:
    """A receiving registry's own statements: one replication statement per source account (sorted
    by account), each scoped to that source's filters."""
    return [
        replication_registry_policy(account, destination, filters)["Statement"][0]
        for account, filters in sorted(sources, key=lambda source: source[0])
    ]


def receiver_registry_policy(
    replication: Sequence[Statement], statements: Iterable[str] = ()
) -> PolicyDocument:
    """A receiving registry's whole policy: its replication statements (``replication_statements``,
    which the further statements were checked against), then the further statements as written."""
    return document(*replication, *(json.loads(text) for text in statements))


def merged_filters(filter_sets: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """The PREFIX_MATCH filters that select what several sources replicate: empty (everything) as
    soon as one of them replicates every repository."""
    merged: set[str] = set()
    for filters in filter_sets:
        filters = tuple(filters)
        if not filters:
            return ()
        merged.update(filters)
    return tuple(sorted(merged))


def templated_filters(
    template_prefixes: Iterable[str], filters: Iterable[str], other_filters: Iterable[Iterable[str]] = ()
) -> tuple[str, ...]:
    """The filters of every replicated repository a creation template may create: the source's,
    and, with a ROOT template (which applies to every name), every other source's too. Without ROOT
    the templates are the source's namespaces, which the source's filters already cover."""
    if rules.TEMPLATE_ROOT in tuple(template_prefixes):
        return merged_filters([filters, *other_filters])
    return tuple(filters)


def check_registry_policy(full_key: str, policy: PolicyDocument) -> str:
    """Render the registry policy, refusing a malformed Resource ARN or an oversized document."""
    for statement in policy["Statement"]:
        for resource in statement["Resource"]:
            if rules.REGISTRY_POLICY_RESOURCE.fullmatch(resource) is None:
                raise ConfigError(
                    full_key,
                    resource,
                    "is not a repository ARN (arn:<partition>:ecr:<region>:<account>:repository/<prefix>*)",
                )
    text = canonical_json(policy)
    if len(text) > rules.REGISTRY_POLICY_MAX_CHARS:
        raise ConfigError(
            full_key,
            f"{len(text)} characters",
            f"make a registry policy over ECR's limit of {rules.REGISTRY_POLICY_MAX_CHARS}: "
            "use fewer, shorter filters (whole namespaces) or fewer statements",
        )
    return text


def template_description(
    source_account: str, source_region: str, pull_granted: bool, settings: ReplicaSettings, kms: bool = False
) -> str:
    policy = "the pull policy of its grant" if pull_granted else "no cross-account pull"
    tags = {
        "IMMUTABLE": "immutable tags",
        "MUTABLE": "mutable tags",
        "IMMUTABLE_WITH_EXCLUSION": "immutable tags except",
        "MUTABLE_WITH_EXCLUSION": "mutable tags except",
    }[settings.image_tag_mutability]
    if settings.exclusion_filters:
        tags += " " + " ".join(settings.exclusion_filters)
    lifecycle = ", a lifecycle policy" if settings.lifecycle is not None else ""
    text = (
        f"ecr-share: repositories replicated from {source_account} ({source_region}): "
        f"{policy}, {tags}, {'KMS' if kms else 'AES256'}{lifecycle}"
    )
    return text[: rules.TEMPLATE_DESCRIPTION_MAX_CHARS]


def scanning_filters(filters: Iterable[str]) -> list[str]:
    """WILDCARD filters for registry scan-on-push that select what the PREFIX_MATCH filters select."""
    filters = tuple(filters)
    return sorted({f"{f}*" for f in filters}) if filters else ["*"]
