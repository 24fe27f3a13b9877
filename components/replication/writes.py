"""Who else may write into a receiving registry: never into what it receives from the build account.

A receiving registry's policy lets the build account create and replicate into the received prefixes
(``receiveReplication.filters``). Another source (``otherSources``) or a further statement
(``registryPolicyStatements``) that may create or write a repository with one of those names could
replace the images an environment runs from its replicas (``pullFrom: replica``), and a Deny that
meets the build account's replication would silently stop it. Each is refused where it is written, by
the same functions for the config keys and the ``ReplicationReceiver`` args; names are compared by
meaning (``aws.globs``: a filter ``we`` and a Resource ``repository/w*`` both reach ``web-app``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from components.aws.globs import common_name, prefix_glob
from components.aws.names import arn_account
from components.aws.overgrants import Statement, stopped_replication
from components.errors import ConfigError
from components.replication.documents import replication_statements
from components.replication.model import ReplicationDestination, ReplicationSource


@dataclass(frozen=True)
class Received:
    """What a receiving registry holds for this project: the build account's replicas, and the
    repositories the stack's services run."""

    source_account: str
    filters: tuple[str, ...]
    """The build account's PREFIX_MATCH filters for this registry; empty: every repository."""
    destination: ReplicationDestination
    pulled: tuple[tuple[str, str], ...] = ()
    """(the key that names it, repository) for each service of the stack."""

    def reached_by(self, glob: str) -> str | None:
        """Why a repository-name wildcard reaches what is received here, or None if it does not."""
        for filter_ in self.filters or ("",):
            name = common_name(glob, prefix_glob(filter_))
            if name is not None:
                where = f'filter "{filter_}"' if filter_ else "it receives every repository"
                return (
                    f"reaches {name}, which this registry receives from the build account "
                    f"{self.source_account} ({where})"
                )
        for key, repository in self.pulled:
            if common_name(glob, repository) is not None:
                return f"reaches {repository}, the repository {key} runs"
        return None

    def replication_statements(self, others: Sequence[ReplicationSource]) -> list[Statement]:
        """The registry policy's own statements: one per source account."""
        sources = [(self.source_account, self.filters), *((o.account_id, o.filters) for o in others)]
        return replication_statements(sources, self.destination)


def check_other_sources(
    full_key: str, entries: Sequence[Any], others: Sequence[ReplicationSource], received: Received
) -> None:
    """Each other source replicates only into prefixes no received or running repository has."""
    for index, other in enumerate(others):
        account = other.account_id
        if not other.filters:
            raise ConfigError(
                f"{full_key}[{index}]",
                entries[index],
                f"has no filters, so account {account} could create and replicate into every repository of "
                f"this registry, including what it receives from the build account {received.source_account}: "
                "give the prefixes it replicates (filters), none of which a received repository starts with",
            )
        for position, filter_ in enumerate(other.filters):
            reason = received.reached_by(prefix_glob(filter_))
            if reason is not None:
                raise ConfigError(
                    f"{full_key}[{index}].filters[{position}]",
                    filter_,
                    f"{reason}: account {account} could create it and replicate other images into it. Give "
                    "it prefixes that no received repository starts with and that start with none of the "
                    "received filters",
                )


def check_allow_resource(key: str, resource: str, glob: str, received: Received) -> None:
    """An Allow of a further statement reaches no received or running repository."""
    reason = received.reached_by(glob)
    if reason is not None:
        raise ConfigError(
            key,
            resource,
            f"{reason}: the statement would let its principals create repositories or write images there. "
            "Name prefixes outside what this registry receives",
        )


def check_deny(key: str, sid: str, deny: Statement, replication: Sequence[Statement]) -> None:
    """A Deny of a further statement stops none of the registry's own replication statements."""
    for statement in replication:
        name = stopped_replication(deny, statement)
        if name is not None:
            raise ConfigError(
                key,
                sid,
                f"denies replication into {name}, which {statement['Sid']} lets account "
                f"{arn_account(statement['Principal']['AWS'])} replicate here: the Deny would silently "
                "stop it (its conditions are not read: they may hold for a replication). Leave the "
                "replicated prefixes out of its Resource, or the replication actions out of its Action",
            )
