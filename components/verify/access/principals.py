"""Every principal the access analysis asks about: each one a policy names or implies.

- each environment's execution role, and the existing roles it attaches the pull policy to, with the
  policies the plans (or, live, IAM) give them;
- each account a grant or any planned document names, and each environment's: a role there whose
  own policy allows ``ecr:*``, ``kms:*``, ``sts:AssumeRole`` and ``secretsmanager:GetSecretValue``
  on ``*`` (the worst case that account's admins can create), the build account's too;
- each role a grant or document names by ARN (``access.roles``, a registry policy statement, an
  ``aws:PrincipalArn`` condition), with that worst-case policy;
- each other role the plans create (the creation-template roles), with its planned policies;
- each service principal, acting for each account it is meant to act for and for a stranger: the
  Lambda service for functions of each ``lambdaAccounts`` account (``aws:SourceArn``,
  ``aws:SourceAccount``), ECS tasks for each environment, ECR for the account of each
  creation-template role (ECR only uses a template's role in that role's own registry: ECR model,
  ``CreateRepositoryCreationTemplate.customRoleArn``), any other service a document names;
- in organization mode with OU paths, an account of the organization outside those paths; and a
  stranger outside every organization.

``matrix`` holds the rows of the pull tables; ``extra`` the principals only the analysis asks about.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from components.aws.names import arn_account
from components.aws.policy import document
from components.aws.rules import ACCOUNT_ID, ECR_SERVICE, ECS_TASKS_SERVICE, LAMBDA_SERVICE, partition_for
from components.config.model import EnvironmentStack
from components.consumers.documents import secret_reads
from components.repositories.model import AccountsAccess, OrganizationAccess
from components.verify.deployments import Deployment
from components.verify.evaluator.documents import PolicyDocument
from components.verify.evaluator.evaluator import Principal, ServicePrincipal
from components.verify.evaluator.matching import ACCOUNT_ROOT_ARN, as_list
from components.verify.intended import (
    CREATION_TEMPLATES,
    EXECUTION,
    DeployedState,
    RoleState,
    attached_role_key,
    planned_role_key,
    planned_roles,
    role_arn,
    used_repositories,
)

# What the account rows assume: their own admins gave the role every ECR and KMS action, the right
# to assume roles and to read secrets (the worst case: what another account's secret policy may let in).
ADMIN_IDENTITY: PolicyDocument = document(
    {
        "Sid": "WorstCase",
        "Effect": "Allow",
        "Action": ["ecr:*", "kms:*", "sts:AssumeRole", "secretsmanager:GetSecretValue"],
        "Resource": "*",
    }
)
STRANGER = "stranger"
LAMBDA_STRANGER = "lambda stranger"
OUTSIDE_PATHS = "outside granted OUs"
SERVICE_TITLES = {ECS_TASKS_SERVICE: "ECS tasks", ECR_SERVICE: "ECR", LAMBDA_SERVICE: "Lambda functions"}
# Condition keys the evaluator models, and the element naming a principal's ARN in a condition.
PRINCIPAL_ARN_KEY = "aws:principalarn"


class RowKind(Enum):
    ROLE = "execution role"
    ATTACHED_ROLE = "existing role"
    ACCOUNT = "account"
    GRANTED_ROLE = "granted role"
    LAMBDA = "lambda functions"
    OUTSIDE_PATHS = "organization account outside the granted OU paths"
    LAMBDA_STRANGER = "lambda functions of a stranger"
    STRANGER = "stranger"
    PLANNED_ROLE = "planned role"
    SERVICE = "service"


# Rows whose own identity policies come from the plans (or, live, from IAM); the others are assumed
# to hold ADMIN_IDENTITY, and service principals hold none.
OWN_POLICY_ROWS = (RowKind.ROLE, RowKind.ATTACHED_ROLE, RowKind.PLANNED_ROLE)
LAMBDA_ROWS = (RowKind.LAMBDA, RowKind.LAMBDA_STRANGER)
SERVICE_ROWS = (*LAMBDA_ROWS, RowKind.SERVICE)
WORST_CASE_ROWS = (RowKind.ACCOUNT, RowKind.GRANTED_ROLE, RowKind.OUTSIDE_PATHS, RowKind.STRANGER)


@dataclass(frozen=True)
class Row:
    """A principal."""

    name: str
    kind: RowKind
    account_id: str
    """Its account; for a service principal, the account it acts for."""
    role_arn: str
    organization_id: str | None = None
    organization_path: str | None = None
    organization_known: bool = True
    stack: str | None = None
    uses: tuple[str, ...] = ()
    """Repository ARNs this principal is meant to pull (an execution role: what its services run)."""
    reads: tuple[str, ...] = ()
    """Secret and parameter ARNs this principal is meant to read (an execution role: its services'
    ``secrets``, from the config)."""
    service: str | None = None
    """A service principal's name."""
    region: str | None = None
    """A creation-template role's (and the ECR service row's) Region."""
    purpose: str | None = None
    """A planned role's purpose (``intended.EXECUTION``, ``intended.CREATION_TEMPLATES``)."""

    @property
    def label(self) -> str:
        stack = f" ({self.stack})" if self.stack else ""
        if self.kind is RowKind.ROLE:
            return f"{self.stack} role ({self.account_id})"
        if self.kind is RowKind.ATTACHED_ROLE:
            return f"{self.stack} role {self.role_name} ({self.account_id})"
        if self.kind is RowKind.ACCOUNT:
            return f"account {self.account_id}{stack}"
        if self.kind is RowKind.GRANTED_ROLE:
            return f"role {self.role_name} ({self.account_id})"
        if self.kind is RowKind.PLANNED_ROLE:
            return f"{self.stack} role {self.role_name} ({self.account_id})"
        if self.kind is RowKind.LAMBDA:
            return f"Lambda functions of {self.account_id}{stack}"
        if self.kind is RowKind.LAMBDA_STRANGER:
            return "Lambda functions of any other account"
        if self.kind is RowKind.SERVICE:
            title = SERVICE_TITLES.get(self.service or "", self.service)
            return f"{title} of {'any other account' if self.name.endswith(STRANGER) else self.account_id}{stack}"
        if self.kind is RowKind.OUTSIDE_PATHS:
            return "organization account outside the granted OUs"
        return "any other account"

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[1]


@dataclass(frozen=True)
class Principals:
    matrix: tuple[Row, ...]
    """The rows of the pull tables."""
    extra: tuple[Row, ...]
    """Principals only the analysis asks about: the build account's worst case, the roles the plans
    create besides execution roles, the service principals besides Lambda's."""

    @property
    def all(self) -> tuple[Row, ...]:
        return (*self.matrix, *self.extra)


@dataclass(frozen=True)
class Named:
    """The principals a set of documents names: accounts, role ARNs, services."""

    accounts: frozenset[str]
    roles: frozenset[str]
    services: frozenset[str]


def named_in(documents: Iterable[PolicyDocument]) -> Named:
    """Each account, role ARN and service a Principal element or an aws:PrincipalArn condition names."""
    accounts: set[str] = set()
    roles: set[str] = set()
    services: set[str] = set()
    for statement in _statements(documents):
        principal = statement.get("Principal")
        if isinstance(principal, dict):
            for kind, values in principal.items():
                for value in (v for v in as_list(values) if isinstance(v, str)):
                    if kind == "Service":
                        services.add(value)
                    elif kind == "AWS" and value != "*":
                        _add_iam_principal(value, accounts, roles)
        condition = statement.get("Condition")
        if isinstance(condition, dict):
            for keys in (k for k in condition.values() if isinstance(k, dict)):
                for key, values in keys.items():
                    if key.lower() == PRINCIPAL_ARN_KEY:
                        for value in (v for v in as_list(values) if isinstance(v, str) and "*" not in v):
                            _add_iam_principal(value, accounts, roles)
    return Named(frozenset(accounts), frozenset(roles), frozenset(services))


def _statements(documents: Iterable[PolicyDocument]) -> Iterator[dict[str, Any]]:
    for doc in documents:
        raw = doc.get("Statement") if isinstance(doc, dict) else None
        yield from (s for s in as_list(raw) if isinstance(s, dict))


def _add_iam_principal(value: str, accounts: set[str], roles: set[str]) -> None:
    if ACCOUNT_ID.fullmatch(value):
        accounts.add(value)
    elif (root := ACCOUNT_ROOT_ARN.fullmatch(value)) is not None:
        accounts.add(root.group(1))
    elif ":role/" in value and value.count(":") == 5:
        roles.add(value)
        accounts.add(arn_account(value))


def principals(
    deployment: Deployment, state: DeployedState, documents: Iterable[PolicyDocument]
) -> Principals:
    """Every principal, from the config and the resource policies (``documents``) that decide access."""
    build = deployment.build
    partition = partition_for(build.region)
    named = named_in(documents)
    environments = sorted(deployment.environments, key=lambda e: e.stack)
    known = isinstance(build.access, AccountsAccess)
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
                reads=secret_reads(s.container for s in env.services).read_arns,
                purpose=EXECUTION,
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
    planned = [r for r in planned_roles(deployment) if r.purpose != EXECUTION]
    planned_arns = {r.arn for r in planned}
    lambda_accounts = sorted({g.account_id for g in build.access.lambda_accounts})
    # The function's creator: a role of the account, or, where the grant names its deployers, one of them.
    deployers = {g.account_id: min(g.deployers) for g in build.access.lambda_accounts if g.deployers}
    accounts: dict[str, EnvironmentStack | None] = {}
    if isinstance(build.access, AccountsAccess):
        accounts.update(dict.fromkeys(build.access.accounts))
    # A role grant's account gets a row too: its other roles must not pull. So does a Lambda
    # grant's: its roles must not pull either unless a grant names them.
    for account in (*build.access.role_accounts, *lambda_accounts):
        accounts.setdefault(account, None)
    # Every registry is reported whatever is selected, so every grant to its replicas has a row.
    for env in sorted(deployment.every_environment, key=lambda e: e.stack):
        receive = env.receive_replication
        if receive is not None and isinstance(receive.access, AccountsAccess):
            for account in receive.access.accounts:
                accounts.setdefault(account, None)
    for account in sorted(named.accounts):
        accounts.setdefault(account, None)
    for env in environments:
        if accounts.get(env.account_id) is None or env.organization_path is not None:
            accounts[env.account_id] = env
    accounts.pop(build.account_id, None)
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
    # Roles granted or named by ARN that are no row already (an execution role or existing role of a
    # selected stack) and that no plan creates.
    listed = {r.role_arn for r in roles} | planned_arns
    rows += [
        Row(f"role {arn}", RowKind.GRANTED_ROLE, arn_account(arn), arn, *_membership(None, known=known))
        for arn in sorted({*build.access.roles, *named.roles} - listed)
    ]
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
            service=LAMBDA_SERVICE,
        )
        for account in lambda_accounts
    ]
    used = {
        build.account_id,
        *accounts,
        *lambda_accounts,
        *named.accounts,
        *(e.account_id for e in deployment.every_environment),
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
    if lambda_accounts or LAMBDA_SERVICE in named.services:
        # Where functions may pull at all: then no function of another account may.
        rows.append(
            Row(LAMBDA_STRANGER, RowKind.LAMBDA_STRANGER, stranger, stranger_role, service=LAMBDA_SERVICE)
        )
    rows.append(Row(STRANGER, RowKind.STRANGER, stranger, stranger_role))
    extra = [
        Row(
            f"account {build.account_id}",
            RowKind.ACCOUNT,
            build.account_id,
            f"arn:{partition}:iam::{build.account_id}:role/any-role",
            *_membership(None, known=known),
            stack=build.stack,
        ),
        *(
            Row(
                planned_role_key(r.stack, r.name),
                RowKind.PLANNED_ROLE,
                r.account_id,
                r.arn,
                stack=r.stack,
                region=r.region,
                purpose=r.purpose,
            )
            for r in planned
        ),
        *_service_rows(deployment, planned, named.services - {LAMBDA_SERVICE}, stranger),
    ]
    return Principals(tuple(rows), tuple(extra))


def _service_rows(
    deployment: Deployment, planned: list[Any], services: Iterable[str], stranger: str
) -> list[Row]:
    """Each service acting for each account it is meant to act for, and for a stranger (ECR only for
    its template roles' own accounts: see the module doc)."""
    acting: dict[str, list[tuple[str, str | None, str | None]]] = {s: [] for s in services}
    for env in sorted(deployment.environments, key=lambda e: e.stack):
        acting.setdefault(ECS_TASKS_SERVICE, []).append((env.account_id, env.stack, None))
    for role in planned:
        if role.purpose == CREATION_TEMPLATES:
            acting.setdefault(ECR_SERVICE, []).append((role.account_id, role.stack, role.region))
    rows = []
    for service, accounts in sorted(acting.items()):
        short = service.split(".", 1)[0]
        rows += [
            Row(
                f"{short} {account} {region or ''}".rstrip(),
                RowKind.SERVICE,
                account,
                "",
                stack=stack,
                service=service,
                region=region,
            )
            for account, stack, region in dict.fromkeys(accounts)
        ]
        if service != ECR_SERVICE:
            rows.append(Row(f"{short} {STRANGER}", RowKind.SERVICE, stranger, "", service=service))
    return rows


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


def evaluator_principal(row: Row, roles: Mapping[str, RoleState]) -> Principal | ServicePrincipal:
    """The principal the evaluator asks about for a row (a service principal for Lambda and service
    rows: the request context says whom it acts for)."""
    if row.kind in SERVICE_ROWS:
        return ServicePrincipal(row.service or "")
    return row_principal(row, roles[row.name].policies if row.kind in OWN_POLICY_ROWS else (ADMIN_IDENTITY,))


def row_principal(row: Row, policies: tuple[PolicyDocument, ...]) -> Principal:
    """The IAM principal of a row, with these identity policies (a Lambda row: the role of its account
    that creates functions)."""
    return Principal(
        row.account_id,
        row.role_arn,
        organization_id=row.organization_id,
        organization_paths=(row.organization_path,) if row.organization_path else (),
        identity_policies=policies,
        organization_known=row.organization_known,
    )
