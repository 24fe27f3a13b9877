"""Replication as pure functions: which repositories reach which registry, the destination's registry
policy, its creation-template prefixes and its scanning filters.

Two prefix languages meet here (ECR API reference; aws-facts §4.4):
- a replication filter (PREFIX_MATCH) is a *string* prefix: ``web-app`` matches ``web-app``,
  ``web-app-v2`` and ``web-app/api``;
- a creation-template prefix is a *namespace*: ``team-a`` applies to ``team-a/...`` only, and
  ``ROOT`` to every repository no other template matches.
A filter ending in ``/`` (``team-a/``) selects exactly the namespace its template (``team-a``) covers.
Any other filter can only be covered by ``ROOT``, which the configuration must then say explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from components import aws_rules
from components.errors import ConfigError
from components.model import ReplicationDestination, ReplicationRule
from components.naming import account_root_arn
from components.policies import PolicyDocument, canonical_json


def is_namespace(filter_: str) -> bool:
    """A filter that is a whole namespace: exactly what a creation template can match."""
    return filter_.endswith("/")


def covers(filters: Iterable[str], repository: str) -> bool:
    """Whether PREFIX_MATCH filters select a repository; no filters select every repository."""
    filters = tuple(filters)
    return not filters or any(repository.startswith(f) for f in filters)


def template_prefixes(filters: Iterable[str], root_template: bool) -> tuple[str, ...]:
    """The creation-template prefixes that cover exactly what the filters replicate.

    Call only with filters that passed ``replication_config.check_alignment``.
    """
    filters = tuple(filters)
    if not filters:
        return (aws_rules.TEMPLATE_ROOT,)
    prefixes = {f.rstrip("/") for f in filters if is_namespace(f)}
    if root_template:
        prefixes.add(aws_rules.TEMPLATE_ROOT)
    return tuple(sorted(prefixes))


@dataclass(frozen=True)
class DestinationPlan:
    """Everything one destination registry receives, merged over the rules that reach it."""

    destination: ReplicationDestination
    filters: tuple[str, ...]
    """Sorted PREFIX_MATCH filters; empty means every repository."""
    template_prefixes: tuple[str, ...]

    def covers(self, repository: str) -> bool:
        return covers(self.filters, repository)


def destination_plans(rules: Iterable[ReplicationRule]) -> tuple[DestinationPlan, ...]:
    """One plan per distinct destination, sorted by account then Region."""
    filters: dict[ReplicationDestination, set[str] | None] = {}
    prefixes: dict[ReplicationDestination, set[str]] = {}
    for rule in rules:
        for destination in rule.destinations:
            known = filters.setdefault(destination, set())
            # A rule without filters replicates everything: nothing narrower can be added to it.
            filters[destination] = None if known is None or not rule.filters else known | set(rule.filters)
            prefixes.setdefault(destination, set()).update(
                template_prefixes(rule.filters, rule.root_template)
            )
    return tuple(
        DestinationPlan(d, tuple(sorted(filters[d] or ())), tuple(sorted(prefixes[d])))
        for d in sorted(filters, key=lambda d: (d.account_id, d.region))
    )


def registry_policy_resources(destination: ReplicationDestination, filters: Iterable[str]) -> list[str]:
    """``repository/<filter>*`` per filter; ``repository/*`` only when everything is replicated."""
    partition = aws_rules.partition_for(destination.region)
    base = f"arn:{partition}:ecr:{destination.region}:{destination.account_id}:repository/"
    filters = tuple(filters)
    return sorted({f"{base}{f}*" for f in filters} if filters else {f"{base}*"})


def registry_policy_sid(source_account: str) -> str:
    return f"ReplicationFrom{source_account}"


def replication_registry_policy(
    source_account: str, destination: ReplicationDestination, filters: Iterable[str]
) -> PolicyDocument:
    """The destination account's registry policy: the source account may create and replicate into
    the replicated repositories, and into nothing else (ECR registry-permissions-examples)."""
    partition = aws_rules.partition_for(destination.region)
    return {
        "Version": aws_rules.POLICY_VERSION,
        "Statement": [
            {
                "Sid": registry_policy_sid(source_account),
                "Effect": "Allow",
                "Principal": {"AWS": account_root_arn(source_account, partition)},
                "Action": list(aws_rules.REPLICATION_ACTIONS),
                "Resource": registry_policy_resources(destination, filters),
            }
        ],
    }


def check_registry_policy(full_key: str, document: PolicyDocument) -> str:
    """Render the registry policy, refusing a malformed Resource ARN or an oversized document."""
    for statement in document["Statement"]:
        for resource in statement["Resource"]:
            if aws_rules.REGISTRY_POLICY_RESOURCE.fullmatch(resource) is None:
                raise ConfigError(
                    full_key,
                    resource,
                    "is not a repository ARN (arn:<partition>:ecr:<region>:<account>:repository/<prefix>*)",
                )
    text = canonical_json(document)
    if len(text) > aws_rules.REGISTRY_POLICY_MAX_CHARS:
        raise ConfigError(
            full_key,
            f"{len(text)} characters",
            f"make a registry policy over ECR's limit of {aws_rules.REGISTRY_POLICY_MAX_CHARS}: "
            "use fewer, shorter filters (whole namespaces)",
        )
    return text


def template_description(source_account: str, source_region: str) -> str:
    text = (
        f"ecr-share: repositories replicated from {source_account} ({source_region}): "
        "pull policy of the build stack, immutable tags, AES256"
    )
    return text[: aws_rules.TEMPLATE_DESCRIPTION_MAX_CHARS]


def scanning_filters(filters: Iterable[str]) -> list[str]:
    """WILDCARD filters for registry scan-on-push that select what the PREFIX_MATCH filters select."""
    filters = tuple(filters)
    return sorted({f"{f}*" for f in filters}) if filters else ["*"]
