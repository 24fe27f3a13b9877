"""What ``SharedRepositories`` registers, as plain data: one protected repository per entry, each with
the pull-only repository policy as its child."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from components.aws.policy import canonical_json
from components.aws.rules import EXCLUSION_FILTER_TYPE, KMS_DELETION_WINDOW_DAYS
from components.encryption.resources import KMS_KEY, kms_key_resource
from components.plan.model import COMPONENT_PREFIX, Alias, OutputRef, Resource, key
from components.repositories.documents import lifecycle_policy_text, repository_policy
from components.repositories.model import (
    Access,
    AccountsAccess,
    LambdaAccount,
    OrganizationAccess,
    RepositorySpec,
)

if TYPE_CHECKING:
    from components.repositories.component import (
        LambdaAccountGrant,
        PullAccess,
        RepositorySettings,
        SharedRepositoriesArgs,
    )

SHARED_REPOSITORIES = f"{COMPONENT_PREFIX}SharedRepositories"
# Its name until 2026-12 (it creates several repositories): kept as an alias so URNs do not change.
SHARED_REPOSITORIES_ALIASES = (Alias(type=f"{COMPONENT_PREFIX}SharedRepository"),)
REPOSITORY = "aws:ecr/repository:Repository"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"


def repository_args(spec: RepositorySpec) -> RepositorySettings:
    args: RepositorySettings = {
        "name": spec.name,
        "scan_on_push": spec.scan_on_push,
        "image_tag_mutability": spec.image_tag_mutability,
        "encryption": spec.encryption_type,
    }
    if spec.kms_key is not None:
        args["kms_key"] = spec.kms_key
    if spec.stack_key:
        args["stack_key"] = True
    if spec.exclusion_filters:
        args["image_tag_mutability_exclusion_filters"] = list(spec.exclusion_filters)
    if spec.lifecycle is not None:
        args["lifecycle_policy"] = lifecycle_policy_text(spec.lifecycle)
    return args


def exclusion_filter_inputs(filters: Sequence[str]) -> dict[str, Any]:
    """``image_tag_mutability_exclusion_filters`` of a repository or creation template, if any."""
    if not filters:
        return {}
    return {
        "image_tag_mutability_exclusion_filters": [
            {"filter": f, "filter_type": EXCLUSION_FILTER_TYPE} for f in filters
        ]
    }


def access_args(access: Access) -> PullAccess:
    args: PullAccess
    if isinstance(access, AccountsAccess):
        args = {"accounts": list(access.accounts)}
    else:
        args = {"organization_id": access.organization_id}
        if access.organization_paths:
            args["organization_paths"] = list(access.organization_paths)
    if access.roles:
        args["roles"] = list(access.roles)
    if access.lambda_accounts:
        args["lambda_accounts"] = [_lambda_grant_args(g) for g in access.lambda_accounts]
    return args


def _lambda_grant_args(grant: LambdaAccount) -> LambdaAccountGrant:
    args: LambdaAccountGrant = {"account": grant.account_id}
    if grant.region is not None:
        args["region"] = grant.region
    if grant.deployers:
        args["deployers"] = list(grant.deployers)
    return args


def access_from_args(args: Mapping[str, Any]) -> Access:
    narrow: dict[str, Any] = {
        "roles": tuple(args.get("roles") or ()),
        "lambda_accounts": tuple(
            LambdaAccount(str(g["account"]), g.get("region"), tuple(g.get("deployers") or ()))
            for g in args.get("lambda_accounts") or ()
        ),
    }
    if "organization_id" in args:
        return OrganizationAccess(
            str(args["organization_id"]), tuple(args.get("organization_paths") or ()), **narrow
        )
    return AccountsAccess(tuple(args.get("accounts") or ()), **narrow)


def _spec(args: Mapping[str, Any]) -> RepositorySpec:
    return RepositorySpec(
        name=str(args["name"]),
        scan_on_push=bool(args.get("scan_on_push", True)),
        image_tag_mutability=str(args.get("image_tag_mutability", "IMMUTABLE")),
        encryption_type=str(args.get("encryption", "AES256")),
        kms_key=args.get("kms_key"),
        exclusion_filters=tuple(args.get("image_tag_mutability_exclusion_filters") or ()),
        stack_key=bool(args.get("stack_key", False)),
    )


def shared_repositories_resources(name: str, args: SharedRepositoriesArgs) -> tuple[Resource, ...]:
    """Each repository is protected and never force-deleted: its images may not be rebuildable. Its
    pull policy and lifecycle policy are its children. A key the component creates comes first."""
    component = key(SHARED_REPOSITORIES, name)
    policy = canonical_json(
        repository_policy(access_from_args(args["access"]), args["region"], args.get("account_id"))
    )
    resources: list[Resource] = []
    created_key = args.get("kms_key")
    if created_key is not None:
        resources.append(
            kms_key_resource(
                f"{name}-key",
                component,
                account_id=created_key["account_id"],
                region=args["region"],
                deletion_window_days=created_key.get("deletion_window_days", KMS_DELETION_WINDOW_DAYS[1]),
                description="ecr-share: encrypts the shared repositories",
            )
        )
    for entry in args["repositories"]:
        spec = _spec(entry)
        repository = key(REPOSITORY, f"{name}-{spec.name}")
        encryption: dict[str, Any] = {"encryption_type": spec.encryption_type}
        if spec.kms_key is not None:
            encryption["kms_key"] = spec.kms_key
        elif spec.stack_key:
            # Known only once the key exists: the registrar passes the key's ARN output.
            encryption["kms_key"] = OutputRef(key(KMS_KEY, f"{name}-key"), "arn")
        resources.append(
            Resource(
                REPOSITORY,
                f"{name}-{spec.name}",
                {
                    "name": spec.name,
                    "image_scanning_configuration": {"scan_on_push": spec.scan_on_push},
                    "image_tag_mutability": spec.image_tag_mutability,
                    **exclusion_filter_inputs(spec.exclusion_filters),
                    "encryption_configurations": [encryption],
                    "force_delete": False,
                },
                parent=component,
                protect=True,
            )
        )
        resources.append(
            Resource(
                REPOSITORY_POLICY,
                f"{name}-{spec.name}-pull",
                {"repository": spec.name, "policy": policy},
                parent=repository,
                # The name alone is no dependency: the policy must wait for its repository.
                depends_on=(repository,),
            )
        )
        if entry.get("lifecycle_policy"):
            resources.append(
                Resource(
                    LIFECYCLE_POLICY,
                    f"{name}-{spec.name}-lifecycle",
                    {"repository": spec.name, "policy": entry["lifecycle_policy"]},
                    parent=repository,
                    depends_on=(repository,),
                )
            )
    return tuple(resources)


def repository_names(args: SharedRepositoriesArgs) -> list[str]:
    return [str(entry["name"]) for entry in args["repositories"]]


def specs_from_args(entries: Sequence[Mapping[str, Any]]) -> tuple[RepositorySpec, ...]:
    return tuple(_spec(entry) for entry in entries)
