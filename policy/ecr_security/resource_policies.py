"""Repository policies, registry policies and creation templates' repository policies: who else may
act on the registry.

The seed: "Scope repository policies narrowly - grant access to specific accounts, not ``*`` without
conditions". A registry policy is for replication (the seed's ``AllowReplication``): it names the
repositories it lets the source account create and write, by prefix.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyConfigSchema, ResourceValidationArgs

from components.aws.globs import matches_every_repository, name_glob
from components.aws.overgrants import label, shared_writes, stopped_replication, voided_narrowing
from components.aws.rules import REGISTRY_POLICY_RESOURCE
from ecr_security.aws import ARN_ACCOUNT, WRITE_ACTIONS
from ecr_security.base import Options, resource_policy
from ecr_security.documents import (
    NotADocument,
    Statement,
    allowed_actions,
    condition_accounts,
    parse,
    principals,
    resources,
    restricting_conditions,
    statements,
)
from ecr_security.values import prop, provider_accounts

REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
CREATION_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
# Where each type holds its resource-based policy document.
DOCUMENT_PROPERTY = {
    REPOSITORY_POLICY: "policy",
    REGISTRY_POLICY: "policy",
    CREATION_TEMPLATE: "repositoryPolicy",
}


def _statements(args: ResourceValidationArgs) -> tuple[list[Statement], str | None]:
    """The document's statements, or the sentence saying why it is not a document."""
    name = DOCUMENT_PROPERTY[args.resource_type]
    try:
        document = parse(prop(args.props, name))
        return (statements(document) if document is not None else []), None
    except NotADocument as e:
        return [], f"{name} {e}: AWS rejects it"


def _no_public_principal(args: ResourceValidationArgs, options: Options) -> Iterator[str]:
    found, problem = _statements(args)
    if problem:
        yield problem
    for statement in found:
        if not statement.allows or not principals(statement).everyone:
            continue
        if not restricting_conditions(statement):
            whom = "NotPrincipal" if "NotPrincipal" in statement.body else 'Principal "*"'
            yield (
                f"{statement.label} allows {whom} without a condition naming an organization "
                "(aws:PrincipalOrgID, aws:PrincipalOrgPaths), accounts (aws:PrincipalAccount, aws:SourceAccount) "
                "or a source (aws:SourceArn): add one, or name the accounts in Principal"
            )


no_public_principal = resource_policy(
    "ecr-no-public-principal",
    'ECR repository policies, registry policies and creation templates never allow Principal "*" (or a '
    "NotPrincipal) unless a condition restricts it to an organization, a list of accounts or a source ARN: "
    "name the accounts in Principal, or add aws:PrincipalOrgID, aws:PrincipalAccount or aws:SourceArn.",
    tuple(DOCUMENT_PROPERTY),
    _no_public_principal,
)


def _own_accounts(args: ResourceValidationArgs, found: list[Statement], options: Options) -> set[str]:
    """Accounts a write may be granted to: the registry's own (from registryId, the provider's one
    allowed account, a registry policy's repository ARNs) and the config's trustedAccounts."""
    own = set(options["trustedAccounts"]) | provider_accounts(args.provider)
    registry_id = prop(args.props, "registryId")
    if isinstance(registry_id, str) and registry_id:
        own.add(registry_id)
    if args.resource_type == REGISTRY_POLICY:
        for statement in found:
            own.update(m.group(1) for r in resources(statement) or [] if (m := ARN_ACCOUNT.fullmatch(r)))
    return own


def _no_cross_account_write(args: ResourceValidationArgs, options: Options) -> Iterator[str]:
    found, problem = _statements(args)
    if problem:
        yield problem
    own = _own_accounts(args, found, options)
    for statement in found:
        granted = allowed_actions(statement, WRITE_ACTIONS)
        if not granted:
            continue
        named = principals(statement)
        others: list[str] = sorted(named.accounts - own) + list(named.unresolved)
        if named.everyone:
            limited_to = condition_accounts(statement)
            if limited_to is None or not limited_to <= own:
                others.insert(0, "every account")
        if others:
            shown = ", ".join(granted[:3]) + (f" and {len(granted) - 3} more" if len(granted) > 3 else "")
            yield (
                f"{statement.label} allows {shown} to {', '.join(others)}: another account may push, delete or "
                "change policies only through its own roles in this account; remove the actions, or list the "
                "account in the pack's trustedAccounts if it is this registry's own"
            )


no_cross_account_write = resource_policy(
    "ecr-no-cross-account-write",
    "ECR repository policies, registry policies and creation templates grant other accounts no push, "
    "delete or policy-changing action (pull, and CreateRepository/ReplicateImage for replication, are fine): "
    "remove those actions from statements that name another account or everyone.",
    tuple(DOCUMENT_PROPERTY),
    _no_cross_account_write,
    schema=PolicyConfigSchema(
        properties={
            "trustedAccounts": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[0-9]{12}$"},
                "default": [],
                "description": "Accounts that may be granted write actions: the registry's own account when the "
                "pack cannot read it from registryId or the provider's allowedAccountIds.",
            }
        }
    ),
)


def _every_repository(resource: str) -> bool:
    """Not a repository ARN of one registry, or one whose name part matches every repository name
    (``repository/*``, ``repository/**``, ``repository/?*``): decided by meaning, as the program does."""
    glob = name_glob(resource)
    return (
        REGISTRY_POLICY_RESOURCE.fullmatch(resource) is None or glob is None or matches_every_repository(glob)
    )


def _registry_policy_scoped(args: ResourceValidationArgs, options: Options) -> Iterator[str]:
    found, problem = _statements(args)
    if problem:
        yield problem
    for statement in found:
        if not statement.allows:
            continue
        listed = resources(statement)
        if listed is None:
            yield f"{statement.label} uses NotResource, which names every other repository: list repository prefixes"
            continue
        if not listed:
            yield f"{statement.label} has no Resource: list repository ARN prefixes"
        broad = [r for r in listed if _every_repository(r)]
        if broad:
            yield (
                f"{statement.label} has Resource {', '.join(broad)}: name repository prefixes, e.g. "
                "arn:aws:ecr:<region>:<account>:repository/web-app*, never repository/* or *"
            )
    bodies = [s.body for s in found]
    for write in shared_writes(bodies):
        yield (
            f"{write.first} and {write.second} let different accounts create or write the same repositories "
            f"(for example {write.name}): one could replace the other's images; give each its own prefixes"
        )
    for d, deny in enumerate(bodies):
        for a, allow in enumerate(bodies):
            name = stopped_replication(deny, allow)
            if name is not None:
                yield (
                    f"{label(deny, d)} denies the replication into {name} that {label(allow, a)} allows: it "
                    "silently stops that replication; leave the replicated prefixes out of the Deny"
                )


registry_policy_scoped = resource_policy(
    "ecr-registry-policy-scoped",
    "ECR registry policies name the repositories they open by prefix: every Resource is "
    "arn:aws:ecr:<region>:<account>:repository/<prefix>* and none matches every repository name (*, "
    "repository/*, repository/**, repository/?*), no two accounts may create or write the same repositories, "
    "and no Deny stops a replication the policy allows, so replication can only create and write the "
    "repositories meant to receive it.",
    (REGISTRY_POLICY,),
    _registry_policy_scoped,
)


def _role_narrowing_kept(args: ResourceValidationArgs, options: Options) -> Iterator[str]:
    found, problem = _statements(args)
    if problem:
        yield problem
    for voided in voided_narrowing([s.body for s in found]):
        yield (
            f"{voided.narrowing} lets only some principals of account {voided.account} act "
            f"(aws:PrincipalArn), but {voided.whole} allows {', '.join(voided.actions)} to the whole account: "
            "every role of it may; narrow that statement with the same aws:PrincipalArn condition, or drop it"
        )


role_narrowing_kept = resource_policy(
    "ecr-role-narrowing-kept",
    "ECR repository policies and creation templates that let only some roles of an account pull "
    "(aws:PrincipalArn) do not let the whole account (its root, or aws:PrincipalAccount) pull in another "
    "statement, such as AWS's statement for the identities that create an account's Lambda functions: "
    "scope that one to the same roles with the same aws:PrincipalArn condition.",
    (REPOSITORY_POLICY, CREATION_TEMPLATE),
    _role_narrowing_kept,
)
