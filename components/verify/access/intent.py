"""What the config declares: which principal may have which class of access to which resource. Read
from the stack files alone, never from the documents under test.

- A resource's own account may do anything with it (its zone of trust, as IAM Access Analyzer's
  external-access findings have it): its worst-case role row is declared for every class. The roles
  the plans create there are not: each is declared for what it is for.
- Pull: an execution role (and each existing role in ``pullRoles``) the repositories its services
  run; the build registry and the build account's replicas: the accounts, organization (and OU
  paths) and roles of the build stack's ``access``, and the Lambda service for functions of its
  ``lambdaAccounts`` in the registry's Region; a destination account's replicas: that
  ``receiveReplication.access``. A ``lambdaAccounts`` entry declares its account's functions, and
  the creators of those functions: its ``deployers``, or, without any, every principal of the account
  (AWS's documented root statement, which the docs say grants the whole account a pull), except in an
  account that ``roles`` narrows, which must name its deployers (the stack is refused otherwise).
- Replicate-in: into a destination registry, the build account for the repositories its
  replication rules send there (``receiveReplication.sourceAccount`` and ``filters``), and that
  stack's creation-template role. ``otherSources`` and ``registryPolicyStatements`` declare access
  to repositories the registry does not receive from the build stack only: every repository the
  analysis holds there is received, so they declare none of it.
- Key use: a stack's creation-template role, on the keys that stack creates in its Region.
- Assume: an execution role by ECS tasks of its own account; a creation-template role by ECR in its
  own account.
- Secret and parameter reads: an execution role the secrets and parameters its services' ``secrets``
  name (ECS reads them with it when a task starts), and no other principal the plans create.
- Nothing else: push, delete and administration are declared for the owning account only. One
  push-side action comes with a declared pull: ``ecr:BatchCheckLayerAvailability`` changes nothing
  (it says whether a layer exists), and the seed's pull set, like AWS's managed policies
  AmazonECSTaskExecutionRolePolicy and AmazonEC2ContainerRegistryReadOnly, holds it (aws-facts 2.5).
"""

from __future__ import annotations

import fnmatch

from components.aws.rules import ECR_SERVICE, ECS_TASKS_SERVICE
from components.repositories.model import Access, AccountsAccess
from components.verify.access.actions import ActionClass
from components.verify.access.principals import WORST_CASE_ROWS, Row, RowKind
from components.verify.access.resources import AnalyzedResource, ResourceKind
from components.verify.intended import CREATION_TEMPLATES, EXECUTION, Registry


def declared(build_account: str, row: Row, klass: ActionClass, resource: AnalyzedResource) -> bool:
    """Whether the config declares this class of access to this resource for this principal."""
    if row.kind in WORST_CASE_ROWS and row.account_id == resource.account_id:
        return True
    if resource.kind is ResourceKind.REPOSITORY:
        assert resource.registry is not None
        if klass is ActionClass.PULL:
            return pull_declared(row, resource.registry, resource.arn)
        if klass is ActionClass.REPLICATE_IN:
            return replicate_in_declared(build_account, row, resource.registry)
        return False
    if resource.kind in (ResourceKind.SECRET, ResourceKind.PARAMETER):
        return row.kind is RowKind.ROLE and resource.arn in row.reads
    if resource.kind is ResourceKind.KEY:
        return (
            klass is ActionClass.KEY_USE
            and _template_role_of(row, resource.account_id, resource.region)
            and row.stack == resource.stack
        )
    return (
        klass is ActionClass.ASSUME
        and row.kind is RowKind.SERVICE
        and row.account_id == resource.account_id
        and (
            (row.service == ECS_TASKS_SERVICE and resource.purpose == EXECUTION)
            or (row.service == ECR_SERVICE and resource.purpose == CREATION_TEMPLATES)
        )
    )


PULL_COMPANIONS = frozenset({"ecr:BatchCheckLayerAvailability"})


def declared_with_pull(
    build_account: str, row: Row, klass: ActionClass, resource: AnalyzedResource
) -> frozenset[str]:
    """The actions of another class a declared pull brings (see the module doc); where membership of
    the granted organization is unknown, a pull may be declared: its companions are tolerated, and
    the pull itself is reported as unknown in the pull tables."""
    if klass is ActionClass.PUSH and (
        not row.organization_known or declared(build_account, row, ActionClass.PULL, resource)
    ):
        return PULL_COMPANIONS
    return frozenset()


def pull_declared(row: Row, registry: Registry, arn: str) -> bool:
    if row.kind in (RowKind.ROLE, RowKind.ATTACHED_ROLE):
        return arn in row.uses
    if row.kind is RowKind.LAMBDA:
        return grants_lambda(registry.grant, row.account_id, registry.region)
    if row.kind in (RowKind.ACCOUNT, RowKind.GRANTED_ROLE):
        # A role of the registry's own account may pull whatever its own policies allow.
        return (
            row.account_id == registry.account_id
            or grants(registry.grant, row.account_id, row.organization_path)
            or (row.kind is RowKind.GRANTED_ROLE and grants_role(registry.grant, row.role_arn))
            or grants_lambda_deployer(registry.grant, row, registry.region)
        )
    return False


def replicate_in_declared(build_account: str, row: Row, registry: Registry) -> bool:
    if not registry.replica:
        return False
    source = row.kind is RowKind.ACCOUNT and row.account_id == build_account
    return source or _template_role_of(row, registry.account_id, registry.region)


def _template_role_of(row: Row, account: str, region: str) -> bool:
    return (
        row.kind is RowKind.PLANNED_ROLE
        and row.purpose == CREATION_TEMPLATES
        and (row.account_id, row.region) == (account, region)
    )


def grants_role(access: Access | None, arn: str) -> bool:
    """Whether a grant names this role ARN (``access.roles``)."""
    return access is not None and arn in access.roles


def grants_lambda(access: Access | None, account: str, region: str) -> bool:
    """Whether a grant lets the Lambda functions of an account in a Region pull."""
    return access is not None and account in access.lambda_accounts_in(region)


def grants_lambda_deployer(access: Access | None, row: Row, region: str) -> bool:
    """Whether a Lambda grant in this Region declares this principal a creator of its account's
    functions: every principal of the account when the entry names no ``deployers`` (AWS's documented
    root statement: the README and docs/consumers.md say an entry grants its whole account a pull),
    else only the listed roles."""
    if access is None:
        return False
    # An account that ``roles`` narrows declares only those roles, whatever a Lambda entry without
    # deployers would imply: the config refuses that combination, and the analysis keeps to the narrowing
    # however the documents came about.
    narrowed = row.account_id in access.role_accounts
    return any(
        grant.account_id == row.account_id
        and (row.role_arn in grant.deployers if grant.deployers or narrowed else True)
        for grant in access.lambda_grants_in(region)
    )


def grants(access: Access | None, account: str, organization_path: str | None) -> bool:
    """Whether a grant is meant to include an account (with its OU path, in organization mode)."""
    if access is None:
        return False
    if isinstance(access, AccountsAccess):
        return account in access.accounts
    if organization_path is None or organization_path.split("/", 1)[0] != access.organization_id:
        return False
    return not access.organization_paths or any(
        fnmatch.fnmatchcase(organization_path, p) for p in access.organization_paths
    )
