"""Execution and consumer roles: pulls only from named repositories.

The seed's step 2 scopes the pull actions to the repository ARN and gives ``GetAuthorizationToken``
(which has no resource type) on ``*``. A managed policy such as AmazonECSTaskExecutionRolePolicy
allows the pull actions on ``*``: every repository any registry's policy opens to the account.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyConfigSchema, ResourceValidationArgs

from ecr_security.aws import (
    AWS_MANAGED_POLICY_ARN,
    BROAD_ECR_READ_MANAGED_POLICIES,
    PULL_ACTIONS,
    REPOSITORY_ARN,
)
from ecr_security.base import Options, resource_policy
from ecr_security.documents import NotADocument, allowed_actions, parse, resources, statements
from ecr_security.values import as_list, matches_any, prop

ROLE = "aws:iam/role:Role"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
ROLE_POLICY_ATTACHMENTS_EXCLUSIVE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"


def _attachments(args: ResourceValidationArgs) -> tuple[list[str], list[str]]:
    """(managed policy ARNs attached, the roles they are attached to) for each attaching type."""
    props, kind = args.props, args.resource_type
    if kind == ROLE:
        return [str(a) for a in as_list(prop(props, "managedPolicyArns"))], [
            str(prop(props, "name") or args.name)
        ]
    if kind == ROLE_POLICY_ATTACHMENT:
        return [str(prop(props, "policyArn"))], [str(prop(props, "role"))]
    if kind == POLICY_ATTACHMENT:
        return [str(prop(props, "policyArn"))], [str(r) for r in as_list(prop(props, "roles"))]
    return [str(a) for a in as_list(prop(props, "policyArns"))], [str(prop(props, "roleName"))]


def _no_broad_managed_policy(args: ResourceValidationArgs, options: Options) -> Iterator[str]:
    arns, roles = _attachments(args)
    roles = [r for r in roles if not matches_any(r, options["exemptRoles"])]
    if not roles:
        return
    forbidden = set(options["forbiddenPolicies"])
    for arn in arns:
        match = AWS_MANAGED_POLICY_ARN.fullmatch(arn)
        if match and match.group(1) in forbidden:
            yield (
                f"attaches {arn} to {', '.join(roles)}: it allows the ECR pull actions on every repository; "
                "use an inline policy with ecr:GetAuthorizationToken on * and the pull actions on the repository ARNs"
            )


no_broad_managed_policy = resource_policy(
    "iam-no-broad-ecr-managed-policy",
    "Roles get no AWS managed policy that allows ECR reads on * (AmazonECSTaskExecutionRolePolicy, "
    "AmazonEC2ContainerRegistryReadOnly, ...): replace it with an inline policy that allows "
    "ecr:GetAuthorizationToken on * and the pull actions on the repository ARNs the role pulls.",
    (ROLE, ROLE_POLICY_ATTACHMENT, POLICY_ATTACHMENT, ROLE_POLICY_ATTACHMENTS_EXCLUSIVE),
    _no_broad_managed_policy,
    schema=PolicyConfigSchema(
        properties={
            "forbiddenPolicies": {
                "type": "array",
                "items": {"type": "string"},
                "default": list(BROAD_ECR_READ_MANAGED_POLICIES),
                "description": "Names of the AWS managed policies a role may not get (any path, any partition).",
            },
            "exemptRoles": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Role names (shell patterns, e.g. break-glass-*) this policy does not judge.",
            },
        }
    ),
)

# Identity-based policy documents: where each type holds them.
IDENTITY_DOCUMENTS = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}


def _identity_documents(args: ResourceValidationArgs) -> list[tuple[str, object]]:
    if args.resource_type == ROLE:
        inline = as_list(prop(args.props, "inlinePolicies"))
        return [
            (f"inlinePolicies[{i}]", p.get("policy")) for i, p in enumerate(inline) if isinstance(p, dict)
        ]
    name = IDENTITY_DOCUMENTS[args.resource_type]
    return [(name, prop(args.props, name))]


def _pull_scoped(args: ResourceValidationArgs, options: Options) -> Iterator[str]:
    for where, value in _identity_documents(args):
        try:
            document = parse(value)
            found = statements(document) if document is not None else []
        except NotADocument as e:
            yield f"{where} {e}: AWS rejects it"
            continue
        for statement in found:
            pulls = allowed_actions(statement, PULL_ACTIONS)
            if not pulls:
                continue
            listed = resources(statement)
            if listed is None:
                yield f"{where} {statement.label} allows {', '.join(pulls)} with NotResource: list repository ARNs"
                continue
            broad = [r for r in listed if not REPOSITORY_ARN.fullmatch(r)] or ([] if listed else ["(none)"])
            if broad:
                yield (
                    f"{where} {statement.label} allows {', '.join(pulls)} on {', '.join(broad)}: "
                    "scope the pull actions to repository ARNs (arn:aws:ecr:<region>:<account>:repository/<name>)"
                )


pull_scoped = resource_policy(
    "iam-ecr-pull-scoped",
    "Identity policies allow the ECR pull actions (BatchGetImage, GetDownloadUrlForLayer, "
    "BatchCheckLayerAvailability) only on repository ARNs, never on * or repository/*: list the "
    "repositories the role pulls; only ecr:GetAuthorizationToken needs Resource *.",
    (ROLE, *IDENTITY_DOCUMENTS),
    _pull_scoped,
)
