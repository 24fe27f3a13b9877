"""The access matrix of one build stack: every repository against every consumer account, with the
seed's three troubleshooting checks and the reason for each denial.

The matrix is computed from a ``DeployedState`` (the documents in force): the intended one built
from the stack files (offline) or the one read from AWS (``--live``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from components.access.documents import PolicyDocument
from components.access.evaluator import Decision, Evaluation, Principal
from components.access.intended import (
    consumer_principal,
    execution_role_arn,
    intended_repository_policy,
    intended_role_policy,
    membership_note,
    repository_arns,
    source_arns,
)
from components.access.project import Deployment
from components.access.pull import can_pull
from components.model import AccountsAccess, BuildStack, OrganizationAccess

OTHERS = "others"
# The seed's "Testing Cross-Account Access" troubleshooting list, in its order.
SEED_CHECKS = (
    "repository policy grants the account",
    "role has ecr:GetAuthorizationToken",
    "role may pull the repository ARN",
)
# What the "others" row assumes: its own admin gave it every ECR action (worst case).
OTHERS_IDENTITY: PolicyDocument = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}],
}


class Status(Enum):
    ALLOWED = "allowed"  # uses the repository and can pull
    DENIED = "denied"  # uses the repository but cannot pull: a problem
    UNKNOWN = "unknown"  # cannot be proven either way
    NOT_USED = "not used"  # does not use the repository and cannot pull
    UNINTENDED = "unintended"  # does not use the repository but can pull: a problem


@dataclass(frozen=True)
class RepositoryState:
    name: str
    arn: str
    policy: PolicyDocument | None
    exists: bool = True
    replica: bool = False

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]

    @property
    def label(self) -> str:
        return f"{self.name} (replica in {self.account_id}, {self.region})" if self.replica else self.name


@dataclass(frozen=True)
class RoleState:
    arn: str
    policies: tuple[PolicyDocument, ...]
    policy_names: tuple[str, ...] = ()
    exists: bool = True


@dataclass(frozen=True)
class DeployedState:
    """Repositories (the build account's and replicas) by ARN; execution roles by environment stack."""

    repositories: Mapping[str, RepositoryState]
    roles: Mapping[str, RoleState]


@dataclass(frozen=True)
class Consumer:
    name: str
    account_id: str
    role_arn: str
    repositories: tuple[str, ...]
    sources: Mapping[str, str]
    """Repository name -> the ARN this consumer pulls it from (the build repository or a replica)."""
    organization_path: str | None = None

    @property
    def label(self) -> str:
        return "any other account" if self.name == OTHERS else f"{self.name} ({self.account_id})"


@dataclass(frozen=True)
class Cell:
    consumer: str
    repository: str
    source_arn: str
    intended: bool
    decision: Decision
    checks: tuple[Decision, Decision, Decision]
    reasons: tuple[str, ...]

    @property
    def status(self) -> Status:
        if self.decision is Decision.UNKNOWN:
            return Status.UNKNOWN
        if self.intended:
            return Status.ALLOWED if self.decision is Decision.ALLOW else Status.DENIED
        return Status.UNINTENDED if self.decision is Decision.ALLOW else Status.NOT_USED


@dataclass(frozen=True)
class AccessMatrix:
    build: BuildStack
    consumers: tuple[Consumer, ...]
    cells: tuple[Cell, ...]
    notes: tuple[str, ...] = ()
    drift: tuple[str, ...] = ()

    @property
    def repositories(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.build.repositories)

    def cell(self, consumer: str, repository: str) -> Cell:
        return next(c for c in self.cells if c.consumer == consumer and c.repository == repository)

    def with_status(self, *statuses: Status) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.status in statuses)


def intended_state(deployment: Deployment) -> DeployedState:
    build = deployment.build
    policy = intended_repository_policy(build)
    repositories = {arn: RepositoryState(name, arn, policy) for name, arn in repository_arns(build).items()}
    for env in deployment.environments:
        for name, arn in source_arns(env, build).items():
            repositories.setdefault(arn, RepositoryState(name, arn, policy, replica=True))
    roles = {
        env.stack: RoleState(execution_role_arn(env), (intended_role_policy(env, build),), ("inline policy",))
        for env in deployment.environments
    }
    return DeployedState(repositories, roles)


def build_matrix(deployment: Deployment, state: DeployedState, drift: Iterable[str] = ()) -> AccessMatrix:
    build = deployment.build
    consumers: list[tuple[Consumer, Principal, RoleState | None]] = []
    notes = {env.stack: membership_note(env, build) for env in deployment.environments}
    for env in deployment.environments:
        role = state.roles[env.stack]
        principal = consumer_principal(env, role.arn, role.policies)
        sources = source_arns(env, build)
        consumer = Consumer(
            env.stack, env.account_id, role.arn, env.repositories, sources, env.organization_path
        )
        consumers.append((consumer, principal, role))
    others = _others(deployment)
    others_principal = Principal(others.account_id, others.role_arn, identity_policies=(OTHERS_IDENTITY,))
    consumers.append((others, others_principal, None))

    cells = tuple(
        _cell(
            build,
            consumer,
            principal,
            role,
            state.repositories[consumer.sources[name]],
            notes.get(consumer.name),
        )
        for consumer, principal, role in consumers
        for name in (r.name for r in build.repositories)
    )
    found = [note for note in notes.values() if note]
    found += [note for c, _, _ in consumers if (note := _replica_note(c, state))]
    return AccessMatrix(build, tuple(c for c, _, _ in consumers), cells, tuple(found), tuple(drift))


def _replica_note(consumer: Consumer, state: DeployedState) -> str | None:
    replicas = [
        state.repositories[arn] for arn in consumer.sources.values() if state.repositories[arn].replica
    ]
    if not replicas:
        return None
    where = ", ".join(sorted({f"account {r.account_id} ({r.region})" for r in replicas}))
    return (
        f"{consumer.name} pulls replicas (ecr-share:pullFrom: replica): its cells evaluate the replicas in "
        f"{where}, whose policy comes from the creation template"
    )


def _others(deployment: Deployment) -> Consumer:
    """A role in an account nobody granted, outside any organization, with ecr:* on * of its own."""
    build = deployment.build
    used = {build.account_id, *(e.account_id for e in deployment.environments)}
    if isinstance(build.access, AccountsAccess):
        used.update(build.access.accounts)
    account = next(f"{n:012d}" for n in range(999_999_999_999, 0, -1) if f"{n:012d}" not in used)
    return Consumer(OTHERS, account, f"arn:aws:iam::{account}:role/any-role", (), repository_arns(build))


def _tri(values: Iterable[bool | None]) -> Decision:
    seen = list(values)
    if all(v is True for v in seen):
        return Decision.ALLOW
    return Decision.DENY if any(v is False for v in seen) else Decision.UNKNOWN


def _cell(
    build: BuildStack,
    consumer: Consumer,
    principal: Principal,
    role: RoleState | None,
    repo: RepositoryState,
    membership: str | None,
) -> Cell:
    result = can_pull(principal, repo.arn, repo.policy if repo.exists else None)
    checks = (
        _tri(e.resource_allows for _, e in result.actions),
        result.authorization.decision,
        _tri(e.identity_allows for _, e in result.actions),
    )
    decision = result.decision
    reasons: list[str] = []
    if role is not None and not role.exists:
        reasons.append(f"role {_role_name(consumer)} does not exist in account {consumer.account_id}")
    if not repo.exists:
        where = "" if repo.replica else f" in account {repo.account_id}"
        later = (
            " (replicas appear with the first push after replication is configured)" if repo.replica else ""
        )
        reasons.append(f"repository {repo.label} does not exist{where}{later}")
        decision = Decision.DENY
    if decision is Decision.UNKNOWN and membership:
        reasons.append(membership)
    if decision is not Decision.ALLOW:
        reasons += _deny_reasons(build, consumer, repo, checks, result.reasons, result.actions)
    return Cell(
        consumer.name,
        repo.name,
        repo.arn,
        repo.name in consumer.repositories,
        decision,
        checks,
        tuple(dict.fromkeys(reasons)),
    )


def _deny_reasons(
    build: BuildStack,
    consumer: Consumer,
    repo: RepositoryState,
    checks: tuple[Decision, Decision, Decision],
    evaluator_reasons: tuple[str, ...],
    actions: tuple[tuple[str, Evaluation], ...],
) -> list[str]:
    grants, auth, scoped = checks
    reasons: list[str] = []
    if grants is Decision.DENY and repo.exists:
        if repo.policy is None:
            reasons.append(f"repository {repo.label} has no repository policy")
        else:
            reasons.append(f"repository policy of {repo.label} does not grant {_who(build, consumer)}")
        reasons += [r for r in evaluator_reasons if r.startswith("resource policy statement")]
    if auth is Decision.DENY and consumer.name != OTHERS:
        reasons.append(f"role {_role_name(consumer)} lacks ecr:GetAuthorizationToken on *")
    if scoped is Decision.DENY and consumer.name != OTHERS:
        missing = [a for a, e in actions if e.identity_allows is False]
        what = "pull" if len(missing) == len(actions) else ", ".join(missing)
        reasons.append(f"role {_role_name(consumer)} may not {what} {repo.arn}")
    reasons += [
        r
        for r in evaluator_reasons
        if r.startswith(("explicit Deny", "cannot evaluate", "allowed unless", "AWS would"))
    ]
    return reasons


def _who(build: BuildStack, consumer: Consumer) -> str:
    if consumer.name != OTHERS:
        return f"account {consumer.account_id}"
    if isinstance(build.access, OrganizationAccess):
        return f"accounts outside organization {build.access.organization_id}"
    return "any other account"


def _role_name(consumer: Consumer) -> str:
    return consumer.role_arn.rsplit("/", 1)[1]
