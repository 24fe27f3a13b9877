"""The access matrix of one build stack: every principal that matters against every repository of
every registry that holds its images, with the seed's three troubleshooting checks and the reason for
each denial.

Principals: each environment's execution role, and the existing roles it attaches the pull policy to;
in each account the grants name (or that runs an environment), a role whose own policy allows
``ecr:*`` on ``*`` (the worst case that account's admins can create); each role the build stack grants
by ARN, with such a policy; the Lambda functions of each account granted Lambda pulls, and of any
other account; in organization mode with OU paths, such a role in an account of the organization
outside those paths; and a stranger, such a role in an account nobody granted, outside any
organization. A principal that can pull a repository it is not meant to reach is UNINTENDED.

The documents come from a ``DeployedState``: the one the plans deploy (offline) or the one read from
AWS (``--live``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

from components.aws.names import arn_account
from components.aws.policy import document
from components.aws.rules import LAMBDA_PULL_ACTIONS, partition_for
from components.config.model import BuildStack, EnvironmentStack
from components.plan.pins import unproven_notes
from components.repositories.model import AccountsAccess, OrganizationAccess
from components.verify.deployments import Deployment
from components.verify.evaluator.documents import PolicyDocument
from components.verify.evaluator.evaluator import Decision, Evaluation, Evaluator, Principal
from components.verify.evaluator.pull import can_lambda_pull, can_pull
from components.verify.intended import (
    DeployedState,
    EvaluatedDocument,
    Registry,
    RepositoryState,
    RoleState,
    attached_role_key,
    evaluated_documents,
    grants,
    grants_lambda,
    grants_role,
    registries,
    role_arn,
    used_repositories,
)
from components.verify.keys import Outsider, key_notes

# The seed's "Testing Cross-Account Access" troubleshooting list, in its order.
SEED_CHECKS = (
    "repository policy grants the account",
    "role has ecr:GetAuthorizationToken",
    "role may pull the repository ARN",
)
# What the account rows assume: their own admins gave the role every ECR action (worst case).
ADMIN_IDENTITY: PolicyDocument = document({"Effect": "Allow", "Action": "ecr:*", "Resource": "*"})
STRANGER = "stranger"
LAMBDA_STRANGER = "lambda stranger"
OUTSIDE_PATHS = "outside granted OUs"


class Status(Enum):
    ALLOWED = "allowed"  # meant to pull, and can
    DENIED = "denied"  # meant to pull, but cannot: a problem
    UNKNOWN = "unknown"  # cannot be proven either way
    NOT_USED = "not used"  # not meant to pull, and cannot
    UNINTENDED = "unintended"  # not meant to pull, but can: a problem


class RowKind(Enum):
    ROLE = "execution role"
    ATTACHED_ROLE = "existing role"
    ACCOUNT = "account"
    GRANTED_ROLE = "granted role"
    LAMBDA = "lambda functions"
    OUTSIDE_PATHS = "organization account outside the granted OU paths"
    LAMBDA_STRANGER = "lambda functions of a stranger"
    STRANGER = "stranger"


# Rows whose own identity policies come from the plans (or, live, from IAM); the others are assumed
# to hold ADMIN_IDENTITY.
OWN_POLICY_ROWS = (RowKind.ROLE, RowKind.ATTACHED_ROLE)
LAMBDA_ROWS = (RowKind.LAMBDA, RowKind.LAMBDA_STRANGER)


@dataclass(frozen=True)
class Row:
    """A principal of the matrix."""

    name: str
    kind: RowKind
    account_id: str
    role_arn: str
    organization_id: str | None = None
    organization_path: str | None = None
    organization_known: bool = True
    stack: str | None = None
    uses: tuple[str, ...] = ()
    """Repository ARNs this principal is meant to pull (an execution role: what its services run)."""

    @property
    def label(self) -> str:
        if self.kind is RowKind.ROLE:
            return f"{self.stack} role ({self.account_id})"
        if self.kind is RowKind.ATTACHED_ROLE:
            return f"{self.stack} role {self.role_name} ({self.account_id})"
        if self.kind is RowKind.ACCOUNT:
            return f"account {self.account_id}" + (f" ({self.stack})" if self.stack else "")
        if self.kind is RowKind.GRANTED_ROLE:
            return f"role {self.role_name} ({self.account_id})"
        if self.kind is RowKind.LAMBDA:
            return f"Lambda functions of {self.account_id}" + (f" ({self.stack})" if self.stack else "")
        if self.kind is RowKind.LAMBDA_STRANGER:
            return "Lambda functions of any other account"
        if self.kind is RowKind.OUTSIDE_PATHS:
            return "organization account outside the granted OUs"
        return "any other account"

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[1]


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
    """Every row against every repository of every registry. One evaluator serves the whole matrix,
    so each document is parsed once and each distinct question answered once."""
    build = deployment.build
    found = registries(deployment)
    rows = _rows(deployment)
    evaluator = Evaluator()
    held = [
        (registry, [state.repositories[registry.arn(n)] for n in registry.repositories]) for registry in found
    ]
    cells: list[Cell] = []
    for row in rows:
        role = state.roles[row.name] if row.kind in OWN_POLICY_ROWS else None
        cells += _row_cells(build, row, role, held, evaluator)
    return AccessMatrix(
        build,
        found,
        rows,
        tuple(cells),
        tuple(evaluated_documents(deployment)),
        tuple(
            [
                *_notes(deployment),
                *key_notes(
                    deployment,
                    (Outsider(r.label, r.account_id, r.role_arn) for r in rows if r.kind is not RowKind.ROLE),
                ),
                *unproven_notes(deployment.plans, {e.stack for e in deployment.environments}),
            ]
        ),
        tuple(drift),
    )


def _rows(deployment: Deployment) -> tuple[Row, ...]:
    build = deployment.build
    partition = partition_for(build.region)
    environments = sorted(deployment.environments, key=lambda e: e.stack)
    roles: list[Row] = []
    for env in environments:
        plan = deployment.plans[env.stack]
        membership = _membership(env.organization_path)
        uses = tuple(sorted(used_repositories(plan)))
        roles.append(
            Row(
                env.stack,
                RowKind.ROLE,
                env.account_id,
                role_arn(plan),
                *membership,
                stack=env.stack,
                uses=uses,
            )
        )
        roles += [
            Row(
                attached_role_key(env.stack, r.name),
                RowKind.ATTACHED_ROLE,
                env.account_id,
                r.arn,
                *membership,
                stack=env.stack,
                uses=uses,  # the same policy documents as the execution role
            )
            for r in env.pull_roles
        ]
    accounts: dict[str, EnvironmentStack | None] = {}
    if isinstance(build.access, AccountsAccess):
        accounts.update(dict.fromkeys(build.access.accounts))
    # A role grant's account gets a row too: its other roles must not pull.
    for account in build.access.role_accounts:
        accounts.setdefault(account, None)
    # Every registry is reported whatever is selected, so every grant to its replicas has a row.
    for env in sorted(deployment.every_environment, key=lambda e: e.stack):
        receive = env.receive_replication
        if receive is not None and isinstance(receive.access, AccountsAccess):
            for account in receive.access.accounts:
                accounts.setdefault(account, None)
    for env in environments:
        if accounts.get(env.account_id) is None or env.organization_path is not None:
            accounts[env.account_id] = env
    accounts.pop(build.account_id, None)
    known = isinstance(build.access, AccountsAccess)
    rows = roles + [
        Row(
            f"account {account}",
            RowKind.ACCOUNT,
            account,
            f"arn:{partition}:iam::{account}:role/any-role",
            *_membership(env.organization_path if env else None, known=known),
            stack=env.stack if env else None,
        )
        for account, env in sorted(accounts.items())
    ]
    # Granted roles that are no row already (an execution role or existing role of a selected stack).
    listed = {r.role_arn for r in roles}
    rows += [
        Row(f"role {arn}", RowKind.GRANTED_ROLE, arn_account(arn), arn, *_membership(None, known=known))
        for arn in sorted(set(build.access.roles) - listed)
    ]
    lambda_accounts = sorted({g.account_id for g in build.access.lambda_accounts})
    # The function's creator: a role of the account, or, where the grant names its deployers, one of them.
    deployers = {g.account_id: min(g.deployers) for g in build.access.lambda_accounts if g.deployers}
    by_account = {e.account_id: e for e in environments}
    rows += [
        Row(
            f"lambda {account}",
            RowKind.LAMBDA,
            account,
            deployers.get(account, f"arn:{partition}:iam::{account}:role/any-role"),
            *_membership(
                by_account[account].organization_path if account in by_account else None, known=known
            ),
            stack=by_account[account].stack if account in by_account else None,
        )
        for account in lambda_accounts
    ]
    used = {
        build.account_id,
        *accounts,
        *lambda_accounts,
        *(e.account_id for e in deployment.environments),
    }
    spare = (f"{n:012d}" for n in range(999_999_999_999, 0, -1))
    if isinstance(build.access, OrganizationAccess) and (path := _outside_path(build.access)):
        account = next(a for a in spare if a not in used)
        used.add(account)
        rows.append(
            Row(
                OUTSIDE_PATHS,
                RowKind.OUTSIDE_PATHS,
                account,
                f"arn:{partition}:iam::{account}:role/any-role",
                build.access.organization_id,
                path,
            )
        )
    stranger = next(a for a in spare if a not in used)
    stranger_role = f"arn:{partition}:iam::{stranger}:role/any-role"
    if lambda_accounts:
        # Only where functions may pull at all: then no function of another account may.
        rows.append(Row(LAMBDA_STRANGER, RowKind.LAMBDA_STRANGER, stranger, stranger_role))
    rows.append(Row(STRANGER, RowKind.STRANGER, stranger, stranger_role))
    return tuple(rows)


def _membership(path: str | None, known: bool = False) -> tuple[str | None, str | None, bool]:
    """(organization ID, OU path, whether membership is known) from ``ecr-share:organizationPath``.
    Without one (or with a wildcard in it) membership is unknown, unless it cannot matter."""
    if path is None or "*" in path:
        return None, None, known
    return path.split("/", 1)[0], path, True


def _outside_path(access: OrganizationAccess) -> str | None:
    """An OU path in the organization that no granted path covers, if the grant is narrowed."""
    if not access.organization_paths:
        return None
    path = f"{access.organization_id}/r-0000/ou-0000-00000000/"
    return None if any(fnmatch.fnmatchcase(path, p) for p in access.organization_paths) else path


def _principal(row: Row, role: RoleState | None) -> Principal:
    policies = (
        role.policies if role is not None else (() if row.kind in OWN_POLICY_ROWS else (ADMIN_IDENTITY,))
    )
    return Principal(
        row.account_id,
        row.role_arn,
        organization_id=row.organization_id,
        organization_paths=(row.organization_path,) if row.organization_path else (),
        identity_policies=policies,
        organization_known=row.organization_known,
    )


def _intended(row: Row, registry: Registry, arn: str) -> bool:
    if row.kind in OWN_POLICY_ROWS:
        return arn in row.uses
    if row.kind is RowKind.LAMBDA:
        return grants_lambda(registry.grant, row.account_id, registry.region)
    if row.kind in (RowKind.ACCOUNT, RowKind.GRANTED_ROLE):
        # A role of the registry's own account may pull whatever its own policies allow.
        return (
            row.account_id == registry.account_id
            or grants(registry.grant, row.account_id, row.organization_path)
            or (row.kind is RowKind.GRANTED_ROLE and grants_role(registry.grant, row.role_arn))
        )
    return False


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
    evaluator: Evaluator,
) -> list[Cell]:
    """One row's cells. An allowed pull carries no reason, so where no statement of the caller's
    policies or the repository's names resources, one answer holds for every repository of that
    account with the same policy: it is evaluated once per row."""
    if row.kind in LAMBDA_ROWS:
        return [_lambda_cell(build, row, registry, repo) for registry, repos in held for repo in repos]
    principal = _principal(row, role)
    uses = frozenset(row.uses)
    allowed: dict[tuple[int, str], Checks] = {}
    cells: list[Cell] = []
    for registry, repositories in held:
        # Whether a grant means an account depends on the registry, not on the repository.
        meant = None if row.kind in OWN_POLICY_ROWS else _intended(row, registry, "")
        for repo in repositories:
            intended = repo.arn in uses if meant is None else meant
            policy = repo.policy if repo.exists else None
            reusable = (role is None or role.exists) and not evaluator.names_resources(principal, policy)
            key = (id(policy), repo.account_id)
            checks = allowed.get(key) if reusable else None
            if checks is not None:
                cells.append(
                    Cell(row.name, registry.key, repo.name, repo.arn, intended, Decision.ALLOW, checks, ())
                )
                continue
            cell = _cell(build, row, principal, registry, repo, role, intended, evaluator)
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
    role: RoleState | None,
    intended: bool,
    evaluator: Evaluator,
) -> Cell:
    result = can_pull(principal, repo.arn, repo.policy if repo.exists else None, evaluator=evaluator)
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
    return Cell(
        row.name, registry.key, repo.name, repo.arn, intended, decision, checks, tuple(dict.fromkeys(reasons))
    )


def _lambda_cell(build: BuildStack, row: Row, registry: Registry, repo: RepositoryState) -> Cell:
    """The account's functions in the registry's Region (the only ones Lambda pulls for there),
    created by a role of that account whose own policy allows ``ecr:*`` on ``*``."""
    partition = partition_for(registry.region)
    function = f"arn:{partition}:lambda:{registry.region}:{row.account_id}:function:any-function"
    result = can_lambda_pull(function, _principal(row, None), repo.arn, repo.policy if repo.exists else None)
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
    build = deployment.build
    whole = set(build.access.accounts) if isinstance(build.access, AccountsAccess) else set()
    for account in sorted({g.account_id for g in build.access.lambda_accounts} - whole - {build.account_id}):
        notes.append(
            f"Lambda functions of {account}: so that roles there can create and update functions from "
            f"the images, any role account {account} allows may call {' and '.join(LAMBDA_PULL_ACTIONS)} "
            "on them (AWS's cross-account statement for Lambda), which is enough for a client that pulls "
            "without ecr:BatchCheckLayerAvailability"
        )
    return notes
