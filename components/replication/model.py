"""The validated replication settings of build and environment stacks: plain frozen records."""

from __future__ import annotations

from dataclasses import dataclass

from components.repositories.model import Access


@dataclass(frozen=True)
class ReplicationDestination:
    """A registry that replicas land in: one account in one Region."""

    region: str
    account_id: str


@dataclass(frozen=True)
class ReplicationRule:
    """One ECR replication rule. ``filters`` are PREFIX_MATCH string prefixes; none means every
    repository. ``root_template`` says the destinations use the catch-all ROOT creation template,
    which a filter that is not a whole namespace (``web-app`` rather than ``web-app/``) needs."""

    destinations: tuple[ReplicationDestination, ...]
    filters: tuple[str, ...] = ()
    root_template: bool = False


@dataclass(frozen=True)
class Replication:
    """The build registry's replication configuration (one per account and Region)."""

    rules: tuple[ReplicationRule, ...]
    scan_on_push: bool = False
    """Own the registry scanning configuration of the build account's replica Regions."""


@dataclass(frozen=True)
class ReceiveReplication:
    """What an environment stack receives: the registry policy for the source account, and creation
    templates for the same prefixes (``filters``/``root_template`` mirror the build stack's rules)."""

    source_account: str
    filters: tuple[str, ...] = ()
    root_template: bool = False
    scan_on_push: bool = False
    access: Access | None = None
    """Other accounts that may pull the replicas; none by default (this account's own roles need no
    repository policy to pull its own replicas)."""


@dataclass(frozen=True)
class ReplicaRegistry:
    """Everything one destination registry receives, merged over the rules that reach it."""

    destination: ReplicationDestination
    filters: tuple[str, ...]
    """Sorted PREFIX_MATCH filters; empty means every repository."""
    template_prefixes: tuple[str, ...]

    def covers(self, repository: str) -> bool:
        return not self.filters or any(repository.startswith(f) for f in self.filters)
