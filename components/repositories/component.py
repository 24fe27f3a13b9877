"""Build account: the ``SharedRepositories`` component. No ``from __future__ import annotations``
here: Pulumi's component host reads these annotations at run time to build the package schema."""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi

from components.args import ArgsError, ComponentArgs
from components.aws.images import image_reference
from components.errors import ConfigError
from components.plan.register import PlannedComponent
from components.repositories.images import ANY_REGISTRY_ID
from components.repositories.images import image_uri as _image_uri
from components.repositories.model import SharedRepositoriesSpec
from components.repositories.resources import (
    REPOSITORY,
    SHARED_REPOSITORIES,
    SHARED_REPOSITORIES_ALIASES,
    shared_repositories_args,
)


class RepositorySettings(TypedDict):
    """One repository to create, and its settings."""

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
    """With encryption KMS and no kms_key here: encrypt with the key the component creates (its kms_key)."""
    lifecycle_policy: NotRequired[str]
    """The repository's lifecycle policy, as ECR lifecycle policy JSON text (100 to 30,720 characters); none: no lifecycle policy."""


class KmsKeySettings(TypedDict):
    """The customer managed key the component creates for its repositories (rotation on, protected,
    ECR use only through kms:ViaService in the repositories' Region)."""

    account_id: str
    """The account that owns the key and the repositories (the component's account_id, when set)."""
    deletion_window_days: NotRequired[int]
    """Days (7 to 30) between a deletion and the key's destruction (default 30)."""


class LambdaAccountGrant(TypedDict):
    """An account whose container-image Lambda functions may pull, in one Region."""

    account: str
    """The account whose container-image Lambda functions may pull."""
    region: NotRequired[str]
    """Only its functions in this Region; left out: in the repositories' Region."""
    deployers: NotRequired[Sequence[str]]
    """Role ARNs of the account that create and update its functions: only they may get the images (aws:PrincipalArn); none: the account root, every principal the account allows."""


class PullAccess(TypedDict):
    """Who may pull: accounts, role ARNs, or an organization (optionally only some of its OUs), and
    accounts whose Lambda functions may pull. Set at most one of the accounts and the organization ID."""

    accounts: NotRequired[Sequence[str]]
    """Account IDs granted pull (each account's root: the account's own policies decide who)."""
    organization_id: NotRequired[str]
    """Grant pull to every account of this AWS Organization (aws:PrincipalOrgID)."""
    organization_paths: NotRequired[Sequence[str]]
    """With the organization ID: only accounts below these OU paths (aws:PrincipalOrgPaths)."""
    roles: NotRequired[Sequence[str]]
    """IAM role ARNs of other accounts granted pull (their account root, narrowed by aws:PrincipalArn)."""
    lambda_accounts: NotRequired[Sequence[LambdaAccountGrant]]
    """Accounts whose Lambda functions may pull (the Lambda service principal, aws:sourceARN)."""


class SharedRepositoriesArgs(TypedDict):
    repositories: Sequence[RepositorySettings]
    """The repositories to create; each gets the same pull-only repository policy."""
    access: PullAccess
    """Who may pull: a list of accounts or an organization."""
    region: str
    """The Region of the AWS provider the repositories are created with (it decides the ARN partition)."""
    account_id: NotRequired[str]
    """The account of that provider: its own Lambda functions then get no account statement."""
    kms_key: NotRequired[KmsKeySettings]
    """Create a customer managed key for the repositories that set ``stack_key``."""


class SharedRepositories(PlannedComponent):
    """ECR repositories that other accounts may pull from, and nothing more.

    Repositories are protected: images pushed to them may not be rebuildable, so neither a rename
    (which replaces the repository) nor a removal from the args can delete them by accident. So is
    the key it creates for them, when asked: without it their images cannot be read.
    """

    _type_token = SHARED_REPOSITORIES
    _earlier_identities = SHARED_REPOSITORIES_ALIASES
    _args = ComponentArgs(
        SharedRepositoriesArgs,
        SHARED_REPOSITORIES,
        SharedRepositoriesSpec,
        shared_repositories_args,
    )

    repository_arns: pulumi.Output[dict[str, str]]
    """Repository name to ARN."""
    repository_urls: pulumi.Output[dict[str, str]]
    """Repository name to URL (<account>.dkr.ecr.<region>.amazonaws.com/<name>)."""
    registry_id: pulumi.Output[str]
    """The account that owns the repositories."""

    def __init__(
        self, name: str, args: SharedRepositoriesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, args, opts)

    def _outputs(self, name: str, spec: SharedRepositoriesSpec) -> None:
        names = [r.spec.name for r in spec.repositories]
        self._where = f'SharedRepositories "{name}"'
        self._region = spec.region
        self._repositories = {n: self.registered(REPOSITORY, f"{name}-{n}") for n in names}
        repositories = list(self._repositories.values())
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

    def image_uri(
        self, repository: str, *, tag: str | None = None, digest: str | None = None
    ) -> pulumi.Output[str]:
        """``<registry>/<repository>:<tag>`` or ``...@sha256:<hex>`` for one of these repositories.
        The repository, the tag or digest and the reference's length are checked now, before deploying."""
        try:
            if repository not in self._repositories:
                raise ConfigError(
                    "repository",
                    repository,
                    f"is not one of these repositories ({', '.join(self._repositories)})",
                )
            _image_uri(ANY_REGISTRY_ID, self._region, repository, tag=tag, digest=digest)
        except ConfigError as error:
            raise ArgsError(f"{self._where}.image_uri", error) from None
        url: pulumi.Output[str] = self._repositories[repository].repository_url
        return url.apply(lambda u: image_reference(u, tag=tag, digest=digest))


def image_uri(
    registry_id: str, region: str, repository: str, *, tag: str | None = None, digest: str | None = None
) -> str:
    """The image reference of a repository of the registry ``registry_id`` (an account ID) in
    ``region``, with exactly one of ``tag`` and ``digest``: ``FargateTaskDefinition``'s ``image``.
    Checked like the ``services`` config keys; a plain string, known before deploying."""
    try:
        return _image_uri(registry_id, region, repository, tag=tag, digest=digest)
    except ConfigError as error:
        raise ArgsError("image_uri", error) from None
