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
    """IMMUTABLE (default) or MUTABLE."""
    encryption: NotRequired[str]
    """AES256 (default) or KMS."""
    kms_key: NotRequired[str]
    """With encryption KMS: the key ID, alias or ARN, in the repositories' Region (default: the AWS managed key)."""


class LambdaAccountArgs(TypedDict):
    account: str
    """The account whose container-image Lambda functions may pull."""
    region: NotRequired[str]
    """Only its functions in this Region; left out: in the repositories' Region."""


class PullAccessArgs(TypedDict):
    accounts: NotRequired[Sequence[str]]
    """Account IDs granted pull. Set at most one of accounts and organization_id."""
    organization_id: NotRequired[str]
    """Grant pull to every account of this AWS Organization (aws:PrincipalOrgID)."""
    organization_paths: NotRequired[Sequence[str]]
    """With organization_id: only accounts below these OU paths (aws:PrincipalOrgPaths)."""
    roles: NotRequired[Sequence[str]]
    """IAM role ARNs of other accounts granted pull (their account root, narrowed by aws:PrincipalArn)."""
    lambda_accounts: NotRequired[Sequence[LambdaAccountArgs]]
    """Accounts whose Lambda functions may pull (the Lambda service principal, aws:sourceARN)."""


class SharedRepositoriesArgs(TypedDict):
    repositories: Sequence[RepositoryArgs]
    """The repositories to create; each gets the same pull-only repository policy."""
    access: PullAccessArgs
    """Who may pull: a list of accounts or an organization."""
    region: str
    """The Region of the AWS provider the repositories are created with (it decides the ARN partition)."""
    account_id: str
    """The account of that provider: its own Lambda functions need no account statement."""


class SharedRepositories(PlannedComponent):
    """ECR repositories that other accounts may pull from, and nothing more.

    Repositories are protected: images pushed to them may not be rebuildable, so neither a rename
    (which replaces the repository) nor a removal from the args can delete them by accident.
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
