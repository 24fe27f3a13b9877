"""The audit's findings: ECR's events held against what the plans mean (``intent``).

Who is declared for a registry: its own account's principals; the principals of each account its
grant names whole (``access.accounts``), each role it names by ARN, the Lambda service for each Lambda
account it names in that Region, and, for an organization grant, the accounts whose stack file puts
them in a granted OU path (others are unknown: the audit reads no AWS Organizations data, see
docs/audit.md). Writes and administration are declared for the registry's own account, AWS acting
itself, and, into a registry of replicas, the accounts that replicate there.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from components.audit.intent import ProjectIntent, Registry
from components.audit.records import IMAGE_PULL, LAMBDA_SERVICE, Row, category
from components.repositories.model import AccountsAccess, OrganizationAccess

AWS_INTERNAL = "AWS Internal"
# Finding kinds, most serious first; the first three set exit code 1.
UNINTENDED_PULL = "unintended-pull"
UNINTENDED_WRITE = "unintended-write"
FAILED_PULL = "failed-pull"
WRONG_REGISTRY = "wrong-registry"
DENIED_ATTEMPT = "denied-attempt"
UNUSED_GRANT = "unused-grant"
KINDS = (UNINTENDED_PULL, UNINTENDED_WRITE, FAILED_PULL, WRONG_REGISTRY, DENIED_ATTEMPT, UNUSED_GRANT)
PROBLEMS = (UNINTENDED_PULL, UNINTENDED_WRITE, FAILED_PULL)


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: tuple[str, ...]
    """What the finding is about, without counts or dates: its ID stays the same from run to run."""
    message: str
    events: int = 0

    @property
    def id(self) -> str:
        digest = hashlib.sha256("|".join((self.kind, *self.subject)).encode()).hexdigest()[:10]
        return f"{self.kind}:{digest}"


@dataclass
class Usage:
    """Events of one principal on one repository of one registry."""

    principal: str
    account: str
    registry: Registry
    repository: str
    pulls: int = 0
    layers: int = 0
    failed: int = 0
    days: set[str] = field(default_factory=set)

    @property
    def span(self) -> str:
        return f"{min(self.days)}..{max(self.days)}" if self.days else "-"


def is_lambda(row: Row) -> bool:
    return LAMBDA_SERVICE in (row.invoked_by, row.principal)


def declared_puller(registry: Registry, intent: ProjectIntent, row: Row) -> bool:
    if row.principal_account == registry.account_id:
        return True
    grant = registry.grant
    if grant is None:
        return False
    if is_lambda(row):
        lambda_accounts = grant.lambda_accounts_in(registry.region)
        # The function's account is in the record when the call is the function creator's; the
        # service's own fetch may name none (docs/audit.md): any Lambda grant there covers it.
        return row.principal_account in lambda_accounts if row.principal_account else bool(lambda_accounts)
    if row.principal in grant.roles:
        return True
    if isinstance(grant, AccountsAccess):
        return row.principal_account in grant.accounts
    return _in_organization(grant, intent, row.principal_account)


def _in_organization(grant: OrganizationAccess, intent: ProjectIntent, account: str) -> bool:
    path = next((e.organization_path for e in intent.environments if e.account_id == account), None)
    if path is None:
        return False
    if not path.startswith(grant.organization_id + "/"):
        return False
    return not grant.organization_paths or any(fnmatch.fnmatchcase(path, p) for p in grant.organization_paths)


def declared_writer(registry: Registry, row: Row) -> bool:
    if row.principal_account == registry.account_id or AWS_INTERNAL in (row.principal, row.invoked_by):
        return True
    return registry.replica and row.principal_account in registry.replication_sources


def findings(intent: ProjectIntent, rows: Sequence[tuple[Row, int]]) -> tuple[list[Finding], list[Usage]]:
    usage: dict[tuple[str, str, str, str, str], Usage] = {}
    by_subject: dict[tuple[str, ...], list[tuple[Row, int]]] = defaultdict(list)
    for row, count in rows:
        registry = intent.registry(row.registry, row.region)
        kind = category(row.event)
        if registry is None or kind in ("auth", "read"):
            continue
        if kind == "pull":
            key = (row.principal, row.principal_account, registry.account_id, registry.region, row.repository)
            entry = usage.setdefault(
                key, Usage(row.principal, row.principal_account, registry, row.repository)
            )
            entry.days.add(row.day)
            if not row.ok:
                entry.failed += count
            elif row.event == IMAGE_PULL:
                entry.pulls += count
            else:
                entry.layers += count
            declared = declared_puller(registry, intent, row)
        else:
            declared = declared_writer(registry, row)
        if not declared:
            what = UNINTENDED_PULL if kind == "pull" else UNINTENDED_WRITE
            if not row.ok:
                what = DENIED_ATTEMPT
            by_subject[
                (what, registry.label, row.repository, row.principal, row.event if kind == "write" else "")
            ].append((row, count))
        elif kind == "pull" and row.denied and not _from_build_instead_of_replica(intent, row):
            by_subject[(FAILED_PULL, registry.label, row.repository, row.principal, "")].append((row, count))
    found = [_finding(subject, events, intent) for subject, events in by_subject.items()]
    found += _wrong_registry(intent, rows)
    found += _unused_grants(intent, rows)
    found.sort(key=lambda f: (KINDS.index(f.kind), f.message))
    return found, sorted(
        usage.values(), key=lambda u: (u.registry.label, u.repository, u.account, u.principal)
    )


def _who(principal: str, account: str, intent: ProjectIntent) -> str:
    return f"{principal} of account {intent.account_label(account)}" if account else principal


def _finding(subject: tuple[str, ...], events: list[tuple[Row, int]], intent: ProjectIntent) -> Finding:
    kind, registry, repository, principal, _event = subject
    first = events[0][0]
    total = sum(c for _, c in events)
    days = sorted({r.day for r, _ in events})
    when = f"{_plural(total, 'event')}, {days[0]}..{days[-1]}"
    who = _who(principal, first.principal_account, intent)
    target = f"{repository} in {registry}" if repository else registry
    if kind == UNINTENDED_PULL:
        text = f"UNINTENDED: {who} pulled {target} ({when}); no grant of the plans names it"
    elif kind == UNINTENDED_WRITE:
        names = ", ".join(sorted({r.event for r, _ in events}))
        text = f"UNINTENDED: {who} called {names} on {target} ({when}); the plans declare no such writer"
    elif kind == FAILED_PULL:
        errors = ", ".join(sorted({r.error for r, _ in events}))
        text = (
            f"failed pull: {who} is meant to pull {target} but was refused ({errors}; {when}): a broken grant"
        )
    else:
        names = ", ".join(sorted({r.event for r, _ in events}))
        text = f"denied: {who} tried {names} on {target} and was refused ({when}); nothing the plans declare"
    return Finding(kind, subject, text, total)


def _from_build_instead_of_replica(intent: ProjectIntent, row: Row) -> bool:
    """A pull by an environment's role from the build registry, of a repository its plan pulls from
    its replica: a wrong-registry finding, whatever the outcome."""
    if (row.registry, row.region) != (intent.build_account, intent.build_region):
        return False
    return any(
        e.pull_from == "replica"
        and row.principal in e.role_arns
        and any(i.repository == row.repository and i.account_id != intent.build_account for i in e.images)
        for e in intent.environments
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _wrong_registry(intent: ProjectIntent, rows: Sequence[tuple[Row, int]]) -> list[Finding]:
    found = []
    for environment in intent.environments:
        if environment.pull_from != "replica":
            continue
        replicated = {i.repository for i in environment.images if i.account_id != intent.build_account}
        pulls = [
            (row, count)
            for row, count in rows
            if row.principal in environment.role_arns
            and _from_build_instead_of_replica(intent, row)
            and row.repository in replicated
            and category(row.event) == "pull"
        ]
        for repository in sorted({r.repository for r, _ in pulls}):
            events = [(r, c) for r, c in pulls if r.repository == repository]
            total = sum(c for _, c in events)
            found.append(
                Finding(
                    WRONG_REGISTRY,
                    (environment.stack, repository),
                    f"wrong registry: {environment.stack}'s roles pulled {repository} from the build registry "
                    f"{intent.build_account} {intent.build_region} ({_plural(total, 'event')}, "
                    f"{sum(c for r, c in events if not r.ok)} refused), but its plan pulls it from its replica",
                    total,
                )
            )
    return found


def _unused_grants(intent: ProjectIntent, rows: Sequence[tuple[Row, int]]) -> list[Finding]:
    """Each account, role, Lambda account and OU a grant names, with no successful pull in the window."""
    pulled = [
        (row, intent.registry(row.registry, row.region))
        for row, _ in rows
        if row.ok and category(row.event) == "pull"
    ]
    found = []
    grants: dict[int, tuple[Registry, ...]] = defaultdict(tuple)
    holders: dict[int, object] = {}
    for registry in intent.registries:
        if registry.grant is not None:
            grants[id(registry.grant)] += (registry,)
            holders[id(registry.grant)] = registry.grant
    for key, registries in grants.items():
        grant = holders[key]
        assert isinstance(grant, AccountsAccess | OrganizationAccess)
        where = ", ".join(r.label for r in registries)
        ours = [row for row, registry in pulled if registry in registries]
        subjects: list[tuple[str, str, bool]] = []
        if isinstance(grant, AccountsAccess):
            subjects += [
                (
                    f"account {intent.account_label(a)}",
                    a,
                    any(r.principal_account == a and not is_lambda(r) for r in ours),
                )
                for a in grant.accounts
            ]
        else:
            for path in grant.organization_paths or (grant.organization_id,):
                used = any(
                    _in_organization(grant, intent, r.principal_account)
                    or (
                        not grant.organization_paths
                        and r.principal_account not in (x.account_id for x in registries)
                    )
                    for r in ours
                )
                subjects.append((f"organization path {path}", path, used))
        subjects += [(f"role {arn}", arn, any(r.principal == arn for r in ours)) for arn in grant.roles]
        for entry in grant.lambda_accounts:
            used = any(is_lambda(r) and r.principal_account in ("", entry.account_id) for r in ours)
            subjects.append(
                (f"Lambda functions of account {entry.account_id}", f"lambda {entry.account_id}", used)
            )
        for label, subject, used in subjects:
            if not used:
                found.append(
                    Finding(
                        UNUSED_GRANT,
                        (where, subject),
                        f"unused grant: {label} may pull from {where}, and pulled nothing in the window: a "
                        "candidate to narrow",
                    )
                )
    return found


def exit_code(found: Iterable[Finding], incomplete: bool) -> int:
    if any(f.kind in PROBLEMS for f in found):
        return 1
    return 3 if incomplete else 0
