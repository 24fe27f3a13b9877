"""What ``SharedRepositories`` registers, as plain data: one protected repository per entry, each with
the pull-only repository policy as its child."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from components.aws.policy import canonical_json
from components.aws.rules import EXCLUSION_FILTER_TYPE
from components.encryption.resources import KMS_KEY, kms_key_resource
from components.plan.model import COMPONENT_PREFIX, Alias, OutputRef, Resource, key
from components.repositories.documents import repository_policy
from components.repositories.model import (
    Access,
    AccountsAccess,
    LambdaAccount,
    RepositorySpec,
    SharedRepositoriesSpec,
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
        args["lifecycle_policy"] = spec.lifecycle.policy_text
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


def shared_repositories_resources(name: str, spec: SharedRepositoriesSpec) -> tuple[Resource, ...]:
    """Each repository is protected and never force-deleted: its images may not be rebuildable. Its
    pull policy and lifecycle policy are its children. A key the component creates comes first."""
    component = key(SHARED_REPOSITORIES, name)
    policy = canonical_json(repository_policy(spec.access, spec.region, spec.account_id))
    resources: list[Resource] = []
    if spec.kms_key is not None:
        resources.append(
            kms_key_resource(
                f"{name}-key",
                component,
                account_id=spec.kms_key.account_id,
                region=spec.region,
                deletion_window_days=spec.kms_key.deletion_window_days,
                description="ecr-share: encrypts the shared repositories",
            )
        )
    for entry in spec.repositories:
        repository_spec = entry.spec
        repository = key(REPOSITORY, f"{name}-{repository_spec.name}")
        encryption: dict[str, Any] = {"encryption_type": repository_spec.encryption_type}
        if repository_spec.kms_key is not None:
            encryption["kms_key"] = repository_spec.kms_key
        elif repository_spec.stack_key:
            # Known only once the key exists: the registrar passes the key's ARN output.
            encryption["kms_key"] = OutputRef(key(KMS_KEY, f"{name}-key"), "arn")
        resources.append(
            Resource(
                REPOSITORY,
                f"{name}-{repository_spec.name}",
                {
                    "name": repository_spec.name,
                    "image_scanning_configuration": {"scan_on_push": repository_spec.scan_on_push},
                    "image_tag_mutability": repository_spec.image_tag_mutability,
                    **exclusion_filter_inputs(repository_spec.exclusion_filters),
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
                f"{name}-{repository_spec.name}-pull",
                {"repository": repository_spec.name, "policy": policy},
                parent=repository,
                # The name alone is no dependency: the policy must wait for its repository.
                depends_on=(repository,),
            )
        )
        if entry.lifecycle_policy:
            resources.append(
                Resource(
                    LIFECYCLE_POLICY,
                    f"{name}-{repository_spec.name}-lifecycle",
                    {"repository": repository_spec.name, "policy": entry.lifecycle_policy},
                    parent=repository,
                    depends_on=(repository,),
                )
            )
    return tuple(resources)


def shared_repositories_args(spec: SharedRepositoriesSpec) -> SharedRepositoriesArgs:
    """The model as the component's args (Python names, defaults filled in): what the args check
    takes back to the same model (tests/package/test_component_args.py proves the round trip)."""
    repositories = []
    for entry in spec.repositories:
        settings = repository_args(entry.spec)
        if entry.lifecycle_policy is not None:
            settings["lifecycle_policy"] = entry.lifecycle_policy
        repositories.append(settings)
    args: SharedRepositoriesArgs = {
        "repositories": repositories,
        "access": access_args(spec.access),
        "region": spec.region,
    }
    if spec.account_id is not None:
        args["account_id"] = spec.account_id
    if spec.kms_key is not None:
        args["kms_key"] = {
            "account_id": spec.kms_key.account_id,
            "deletion_window_days": spec.kms_key.deletion_window_days,
        }
    return args
