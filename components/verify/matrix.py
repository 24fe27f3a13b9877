"""The access matrix of one build stack, the pull view of the access analysis: every principal that
may pull (``access.principals``) against every repository of every registry that holds its images,
with the seed's three troubleshooting checks and the reason for each denial. A principal that can
pull a repository it is not meant to reach is UNINTENDED.

A pull is ``ecr:GetAuthorizationToken`` on ``*`` (an identity policy), then ``ecr:BatchGetImage`` and
``ecr:GetDownloadUrlForLayer`` on the repository (``access.actions``: ``BatchCheckLayerAvailability``
is a push-side call); a cell where only one of those two is allowed is a partial pull.

The documents come from a ``DeployedState``: the one the plans deploy (offline) or the one read from
AWS (``--live``). ``build_matrix`` also runs the analysis of every other class of access
(``access.findings``), with the same evaluator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING

from components.config.model import BuildStack
from components.plan.pins import unproven_notes
from components.repositories.model import OrganizationAccess
from components.verify.access.intent import pull_declared
from components.verify.access.principals import (
    ADMIN_IDENTITY,
    LAMBDA_ROWS,
    OWN_POLICY_ROWS,
    Row,
    RowKind,
    principals,
    row_principal,
)
from components.verify.access.resources import analyzed_resources
from components.verify.deployments import Deployment
from components.verify.evaluator.documents import PolicyDocument
from components.verify.evaluator.evaluator import Decision, Evaluation, Evaluator, Principal
from components.verify.evaluator.pull import can_lambda_pull, can_pull, lambda_function_arn
from components.verify.intended import (
    DeployedState,
    EvaluatedDocument,
    Registry,
    RepositoryState,
    RoleState,
    evaluated_documents,
    registries,
)
from components.verify.keys import Outsider, key_notes

if TYPE_CHECKING:
    from components.verify.access.analyzer import Opinion
    from components.verify.access.findings import Analysis

__all__ = [
    "ADMIN_IDENTITY",
    "OWN_POLICY_ROWS",
    "AccessMatrix",
    "Cell",
    "Row",
    "RowKind",
    "Status",
    "build_matrix",
]

# The seed's "Testing Cross-Account Access" troubleshooting list, in its order.
SEED_CHECKS = (
    "repository policy grants the account",
    "role has ecr:GetAuthorizationToken",
    "role may pull the repository ARN",
)


class Status(Enum):
    ALLOWED = "allowed"  # meant to pull, and can
    DENIED = "denied"  # meant to pull, but cannot: a problem
    UNKNOWN = "unknown"  # cannot be proven either way
    NOT_USED = "not used"  # not meant to pull, and cannot
    UNINTENDED = "unintended"  # not meant to pull, but can: a problem


# The seed's three checks of one pull; the first is ``None`` (not needed) within one account; a
# Lambda pull has only the first (the Lambda service has no identity policy).
Checks = tuple[Decision | None, Decision | None, Decision | None]


@dataclass(frozen=True)
class Cell:
    row: str
    registry: str
    repository: str
    arn: str
    intended: bool
    decision: Decision
    checks: Checks
    """The seed's three checks; the first is ``None`` (not needed) within one account. For Lambda
    functions only the first applies: the Lambda service has no identity policy."""
    reasons: tuple[str, ...]
    partial: bool = False
    """Denied, but one of the image's manifest (BatchGetImage) and layers (GetDownloadUrlForLayer)
    can be fetched: a partial pull."""

    @cached_property
    def status(self) -> Status:
        if self.decision is Decision.UNKNOWN:
            return Status.UNKNOWN
        if self.intended:
            return Status.ALLOWED if self.decision is Decision.ALLOW else Status.DENIED
        return Status.UNINTENDED if self.decision is Decision.ALLOW else Status.NOT_USED


@dataclass(frozen=True)
class AccessMatrix:
    build: BuildStack
    registries: tuple[Registry, ...]
    rows: tuple[Row, ...]
    cells: tuple[Cell, ...]
    documents: tuple[EvaluatedDocument, ...] = ()
    notes: tuple[str, ...] = ()
    drift: tuple[str, ...] = ()
    analysis: Analysis | None = None
    """Every class of access of every principal to every resource (``access.findings``)."""
    opinions: tuple[Opinion, ...] = ()
    """IAM Access Analyzer's answers on the planned policies (``--access-analyzer``)."""
    _cells: dict[tuple[str, str, str], Cell] = field(init=False, repr=False, compare=False)
    _rows: dict[str, Row] = field(init=False, repr=False, compare=False)

    _by_status: dict[Status, tuple[Cell, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cells", {(c.row, c.registry, c.repository): c for c in self.cells})
        object.__setattr__(self, "_rows", {r.name: r for r in self.rows})
        by_status: dict[Status, list[Cell]] = {status: [] for status in Status}
        for cell in self.cells:
            by_status[cell.status].append(cell)
        object.__setattr__(self, "_by_status", {s: tuple(cells) for s, cells in by_status.items()})

    def cell(self, row: str, registry: str, repository: str) -> Cell:
        return self._cells[row, registry, repository]

    def with_status(self, *statuses: Status) -> tuple[Cell, ...]:
        return tuple(c for status in statuses for c in self._by_status[status])

    def row(self, name: str) -> Row:
        return self._rows[name]


def build_matrix(deployment: Deployment, state: DeployedState, drift: Iterable[str] = ()) -> AccessMatrix:
    """Every row against every repository of every registry, then the analysis of every other class
    of access. One evaluator serves both, so each document is parsed once and each distinct question
    answered once."""
    from components.verify.access.findings import analyze  # it reads the matrix's cells

    build = deployment.build
    found = registries(deployment)
    resources = analyzed_resources(deployment, state, found)
    who = principals(deployment, state, (d for r in resources for d in r.documents))
    evaluator = Evaluator()
    held = [
        (registry, [state.repositories[registry.arn(n)] for n in registry.repositories]) for registry in found
    ]
    cells: list[Cell] = []
    for row in who.matrix:
        role = state.roles[row.name] if row.kind in OWN_POLICY_ROWS else None
        cells += _row_cells(build, row, role, held, state, evaluator)
    analysis = analyze(deployment, state, who, resources, cells, evaluator)
    return AccessMatrix(
        build,
        found,
        who.matrix,
        tuple(cells),
        tuple(evaluated_documents(deployment)),
        tuple(
            [
                *_notes(deployment),
                *key_notes(
                    deployment,
                    (
                        Outsider(r.label, r.account_id, r.role_arn)
                        for r in who.matrix
                        if r.kind is not RowKind.ROLE
                    ),
                ),
                *unproven_notes(deployment.plans, {e.stack for e in deployment.environments}),
            ]
        ),
        tuple(drift),
        analysis,
    )


def _principal(row: Row, role: RoleState | None) -> Principal:
    if role is not None:
        return row_principal(row, role.policies)
    return row_principal(row, () if row.kind in OWN_POLICY_ROWS else (ADMIN_IDENTITY,))


def _intended(row: Row, registry: Registry, arn: str) -> bool:
    return pull_declared(row, registry, arn)


def _tri(values: Iterable[bool | None]) -> Decision:
    seen = list(values)
    if all(v is True for v in seen):
        return Decision.ALLOW
    return Decision.DENY if any(v is False for v in seen) else Decision.UNKNOWN


def _row_cells(
    build: BuildStack,
    row: Row,
    role: RoleState | None,
    held: list[tuple[Registry, list[RepositoryState]]],
    state: DeployedState,
    evaluator: Evaluator,
) -> list[Cell]:
    """One row's cells. An allowed pull carries no reason, so where no statement of the caller's
    policies or the repository's names resources, one answer holds for every repository of that
    account with the same policies: it is evaluated once per row."""
    if row.kind in LAMBDA_ROWS:
        return [
            _lambda_cell(build, row, registry, repo, state.registry_policies.get(registry.key), evaluator)
            for registry, repos in held
            for repo in repos
        ]
    principal = _principal(row, role)
    uses = frozenset(row.uses)
    allowed: dict[tuple[int, int, str], Checks] = {}
    cells: list[Cell] = []
    for registry, repositories in held:
        # Whether a grant means an account depends on the registry, not on the repository.
        meant = None if row.kind in OWN_POLICY_ROWS else _intended(row, registry, "")
        registry_policy = state.registry_policies.get(registry.key)
        for repo in repositories:
            intended = repo.arn in uses if meant is None else meant
            policy = repo.policy if repo.exists else None
            reusable = (role is None or role.exists) and not evaluator.names_resources(
                principal, policy, registry_policy
            )
            key = (id(policy), id(registry_policy), repo.account_id)
            checks = allowed.get(key) if reusable else None
            if checks is not None:
                cells.append(
                    Cell(row.name, registry.key, repo.name, repo.arn, intended, Decision.ALLOW, checks, ())
                )
                continue
            cell = _cell(build, row, principal, registry, repo, registry_policy, role, intended, evaluator)
            if reusable and cell.decision is Decision.ALLOW and not cell.reasons:
                allowed[key] = cell.checks
            cells.append(cell)
    return cells


def _cell(
    build: BuildStack,
    row: Row,
    principal: Principal,
    registry: Registry,
    repo: RepositoryState,
    registry_policy: PolicyDocument | None,
    role: RoleState | None,
    intended: bool,
    evaluator: Evaluator,
) -> Cell:
    result = can_pull(
        principal,
        repo.arn,
        repo.policy if repo.exists else None,
        registry_policy=registry_policy,
        evaluator=evaluator,
    )
    # Within one account the identity policy alone may allow: no repository policy is needed.
    same_account = repo.account_id == row.account_id
    checks: Checks = (
        None if same_account else _tri(e.resource_allows for _, e in result.actions),
        result.authorization.decision,
        _tri(e.identity_allows for _, e in result.actions),
    )
    decision = result.decision
    reasons: list[str] = []
    if role is not None and not role.exists:
        reasons.append(f"role {_role_name(row)} does not exist in account {row.account_id}")
    if not repo.exists:
        later = (
            " (replicas appear with the first push after replication is configured)" if repo.replica else ""
        )
        reasons.append(f"repository {repo.label} does not exist in account {repo.account_id}{later}")
        decision = Decision.DENY
    if decision is Decision.UNKNOWN and not row.organization_known:
        reasons.append(_organization_unknown(build, row))
    if decision is not Decision.ALLOW:
        reasons += _deny_reasons(row, repo, checks, result.reasons, result.actions)
    partial = repo.exists and result.authorization.allowed and _partial(e for _, e in result.actions)
    return Cell(
        row.name,
        registry.key,
        repo.name,
        repo.arn,
        intended,
        decision,
        checks,
        tuple(dict.fromkeys(reasons)),
        partial,
    )


def _partial(evaluations: Iterable[Evaluation]) -> bool:
    """One of the image's manifest and layers allowed, the other denied."""
    decisions = [e.decision for e in evaluations]
    return Decision.ALLOW in decisions and Decision.DENY in decisions


def _lambda_cell(
    build: BuildStack,
    row: Row,
    registry: Registry,
    repo: RepositoryState,
    registry_policy: PolicyDocument | None,
    evaluator: Evaluator,
) -> Cell:
    """The account's functions in the registry's Region (the only ones Lambda pulls for there),
    created by a role of that account whose own policy allows ``ecr:*`` on ``*``."""
    result = can_lambda_pull(
        lambda_function_arn(registry.region, row.account_id),
        _principal(row, None),
        repo.arn,
        repo.policy if repo.exists else None,
        registry_policy=registry_policy,
        evaluator=evaluator,
    )
    # The service needs the repository policy always; the deployer only from another account.
    needed = result.service if repo.account_id == row.account_id else (*result.deployer, *result.service)
    grants_side = _tri(e.resource_allows for _, e in needed)
    decision = result.decision
    reasons: list[str] = []
    if not repo.exists:
        reasons.append(f"repository {repo.label} does not exist in account {repo.account_id}")
        decision = Decision.DENY
    if decision is Decision.UNKNOWN and not row.organization_known:
        reasons.append(_organization_unknown(build, row))
    if decision is not Decision.ALLOW and repo.exists:
        stranger = row.kind is RowKind.LAMBDA_STRANGER
        who = "functions of any other account" if stranger else f"functions of account {row.account_id}"
        if repo.policy is None:
            reasons.append(f"repository {repo.label} has no repository policy")
        else:
            if any(e.resource_allows is False for _, e in result.service):
                reasons.append(
                    f"repository policy of {repo.label} does not let the Lambda service pull for {who} "
                    f"in {registry.region}"
                )
            if any(e.decision is Decision.DENY for _, e in result.deployer):
                reasons.append(
                    f"repository policy of {repo.label} does not let the roles of account {row.account_id} "
                    "get its images, which creating a function from them needs"
                )
        reasons += [
            r
            for r in result.reasons
            if r.startswith(
                (
                    "resource policy statement",
                    "explicit Deny",
                    "cannot evaluate",
                    "allowed unless",
                    "AWS would",
                )
            )
        ]
    return Cell(
        row.name,
        registry.key,
        repo.name,
        repo.arn,
        _intended(row, registry, repo.arn),
        decision,
        (grants_side, None, None),
        tuple(dict.fromkeys(reasons)),
        repo.exists and _partial(e for _, e in result.service),
    )


def _organization_unknown(build: BuildStack, row: Row) -> str:
    return (
        f"whether account {row.account_id} is in organization "
        f"{getattr(build.access, 'organization_id', '')} is not known: set ecr-share:organizationPath "
        "in its stack"
    )


def _deny_reasons(
    row: Row,
    repo: RepositoryState,
    checks: Checks,
    evaluator_reasons: tuple[str, ...],
    actions: tuple[tuple[str, Evaluation], ...],
) -> list[str]:
    grants_, auth, scoped = checks
    reasons: list[str] = []
    if grants_ is Decision.DENY and repo.exists:
        if repo.policy is None:
            reasons.append(f"repository {repo.label} has no repository policy")
        else:
            reasons.append(f"repository policy of {repo.label} does not grant {_who(row)}")
        reasons += [r for r in evaluator_reasons if r.startswith("resource policy statement")]
    if auth is Decision.DENY and row.kind is RowKind.ROLE:
        reasons.append(f"role {_role_name(row)} lacks ecr:GetAuthorizationToken on *")
    if scoped is Decision.DENY and row.kind is RowKind.ROLE:
        missing = [a for a, e in actions if e.identity_allows is False]
        what = "pull" if len(missing) == len(actions) else ", ".join(missing)
        reasons.append(f"role {_role_name(row)} may not {what} {repo.arn}")
    reasons += [
        r
        for r in evaluator_reasons
        if r.startswith(("explicit Deny", "cannot evaluate", "allowed unless", "AWS would"))
    ]
    return reasons


def _who(row: Row) -> str:
    if row.kind is RowKind.STRANGER:
        return "any other account"
    if row.kind is RowKind.OUTSIDE_PATHS:
        return f"accounts of organization {row.organization_id} outside the granted OU paths"
    return f"account {row.account_id}"


def _role_name(row: Row) -> str:
    return row.role_arn.rsplit("/", 1)[1]


def _notes(deployment: Deployment) -> list[str]:
    notes = []
    if isinstance(deployment.build.access, OrganizationAccess):
        organization = deployment.build.access.organization_id
        for env in deployment.environments:
            if env.organization_path is None:
                notes.append(
                    f"{env.stack} sets no ecr-share:organizationPath, so whether account "
                    f"{env.account_id} is in organization {organization} cannot be proven"
                )
            elif "*" in env.organization_path:
                notes.append(
                    f"{env.stack}: ecr-share:organizationPath {env.organization_path} has a wildcard; "
                    "an account has one exact path"
                )
    return notes
