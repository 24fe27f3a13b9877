"""Build account: the ``SharedRepositories`` component. No ``from __future__ import annotations``
here: Pulumi's component host reads these annotations at run time to build the package schema."""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi

from components.plan.register import PlannedComponent
from components.repositories.resources import (
    REPOSITORY,
    SHARED_REPOSITORIES,
    SHARED_REPOSITORIES_ALIASES,
    repository_names,
    shared_repositories_resources,
)


class RepositoryArgs(TypedDict):
    name: str
    """The ECR repository name (lowercase, 2 to 256 characters, "/" between namespaces)."""
    scan_on_push: NotRequired[bool]
    """Basic scan on every push (default true)."""
    image_tag_mutability: NotRequired[str]
    """IMMUTABLE (default), MUTABLE, IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION."""
    image_tag_mutability_exclusion_filters: NotRequired[Sequence[str]]
    """With *_WITH_EXCLUSION: 1 to 5 WILDCARD tag filters (e.g. latest, dev-*) that behave the other way."""
    encryption: NotRequired[str]
    """AES256 (default) or KMS."""
    kms_key: NotRequired[str]
    """With encryption KMS: the key ID, alias or ARN, in the repositories' Region (default: the AWS managed key)."""
    stack_key: NotRequired[bool]
    """With encryption KMS: encrypt with the key this component creates (``kms_key`` of the component)."""
    lifecycle_policy: NotRequired[str]
    """The repository's lifecycle policy text (ECR lifecycle policy JSON); none: no lifecycle policy."""


class KmsKeyArgs(TypedDict):
    account_id: str
    """The account that owns the key and the repositories."""
    deletion_window_days: int
    """Days (7 to 30) between a deletion and the key's destruction."""


class PullAccessArgs(TypedDict):
    accounts: NotRequired[Sequence[str]]
    """Account IDs granted pull. Set exactly one of accounts and organization_id."""
    organization_id: NotRequired[str]
    """Grant pull to every account of this AWS Organization (aws:PrincipalOrgID)."""
    organization_paths: NotRequired[Sequence[str]]
    """With organization_id: only accounts below these OU paths (aws:PrincipalOrgPaths)."""


class SharedRepositoriesArgs(TypedDict):
    repositories: Sequence[RepositoryArgs]
    """The repositories to create; each gets the same pull-only repository policy."""
    access: PullAccessArgs
    """Who may pull: a list of accounts or an organization."""
    region: str
    """The Region of the AWS provider the repositories are created with (it decides the ARN partition)."""
    kms_key: NotRequired[KmsKeyArgs]
    """Create a customer managed key for the repositories that set ``stack_key``."""


class SharedRepositories(PlannedComponent):
    """ECR repositories that other accounts may pull from, and nothing more.

    Repositories are protected: images pushed to them may not be rebuildable, so neither a rename
    (which replaces the repository) nor a removal from the args can delete them by accident. So is
    the key it creates for them, when asked: without it their images cannot be read.
    """

    _type_token = SHARED_REPOSITORIES

    repository_arns: pulumi.Output[dict[str, str]]
    """Repository name to ARN."""
    repository_urls: pulumi.Output[dict[str, str]]
    """Repository name to URL (<account>.dkr.ecr.<region>.amazonaws.com/<name>)."""
    registry_id: pulumi.Output[str]
    """The account that owns the repositories."""

    def __init__(
        self, name: str, args: SharedRepositoriesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, shared_repositories_resources(name, args), opts, SHARED_REPOSITORIES_ALIASES)
        names = repository_names(args)
        repositories = [self.registered(REPOSITORY, f"{name}-{repository}") for repository in names]
        self.repository_arns = pulumi.Output.all(*[r.arn for r in repositories]).apply(
            lambda arns: dict(zip(names, arns, strict=True))
        )
        self.repository_urls = pulumi.Output.all(*[r.repository_url for r in repositories]).apply(
            lambda urls: dict(zip(names, urls, strict=True))
        )
        self.registry_id = repositories[0].registry_id
        self.register_outputs(
            {
                "repositoryArns": self.repository_arns,
                "repositoryUrls": self.repository_urls,
                "registryId": self.registry_id,
            }
        )
