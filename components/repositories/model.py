"""The validated repositories and pull grant of a build stack: plain frozen records."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from components.aws.names import arn_account


@dataclass(frozen=True)
class LambdaAccount:
    """An account whose container-image Lambda functions may pull: in one Region, or (``region``
    None) in every Region the registry's account holds the images in."""

    account_id: str
    region: str | None = None
    deployers: tuple[str, ...] = ()
    """The roles of the account that create and update its functions: the only principals of the
    account the images are granted to (by ``aws:PrincipalArn``). None: the account root, as AWS
    documents it, which lets every principal the account allows get the images."""

    def covers(self, region: str) -> bool:
        return self.region is None or self.region == region


@dataclass(frozen=True, kw_only=True)
class NarrowGrants:
    """Pull for less than whole accounts: specific IAM roles of other accounts, and the Lambda
    functions of some accounts. Either kind of grant may hold these besides its accounts or
    organization."""

    roles: tuple[str, ...] = ()
    """Role ARNs granted pull, each through its account root narrowed by ``aws:PrincipalArn``."""
    lambda_accounts: tuple[LambdaAccount, ...] = ()

    def lambda_accounts_in(self, region: str) -> tuple[str, ...]:
        """The accounts whose Lambda functions in ``region`` may pull, sorted."""
        return tuple(g.account_id for g in self.lambda_grants_in(region))

    def lambda_grants_in(self, region: str) -> tuple[LambdaAccount, ...]:
        """The Lambda grants that cover ``region`` (at most one an account), by account."""
        return tuple(
            sorted((g for g in self.lambda_accounts if g.covers(region)), key=lambda g: g.account_id)
        )

    @property
    def role_accounts(self) -> tuple[str, ...]:
        return tuple(sorted({arn_account(r) for r in self.roles}))


@dataclass(frozen=True)
class AccountsAccess(NarrowGrants):
    """Pull granted to each listed account's root, i.e. to principals the account allows. The list
    is empty when only roles or Lambda functions are granted."""

    accounts: tuple[str, ...]

    @property
    def mode(self) -> str:
        return "accounts"


@dataclass(frozen=True)
class OrganizationAccess(NarrowGrants):
    """Pull granted to every principal of an AWS Organization, optionally only below OU paths."""

    organization_id: str
    organization_paths: tuple[str, ...] = ()

    @property
    def mode(self) -> str:
        return "organization"


Access = AccountsAccess | OrganizationAccess


@dataclass(frozen=True)
class KeepTagged:
    """Keep only the newest ``count`` images that have a tag starting with ``prefix``."""

    prefix: str
    count: int


@dataclass(frozen=True)
class Lifecycle:
    """A repository's lifecycle rules (Security Hub control ECR.3): at least one of the two."""

    expire_untagged_after_days: int | None = None
    keep_tagged: tuple[KeepTagged, ...] = ()

    @cached_property
    def policy_text(self) -> str:
        """The lifecycle policy as the text ECR takes, rendered once per record: its parse renders it
        to check its size, and the repositories and the replicas' templates take it as it is. Kept
        outside the fields, so equality, hashing and ``repr`` are the rules' alone (and a record made
        with ``dataclasses.replace`` renders its own)."""
        # Imported here: the documents module imports this one for the records it renders.
        from components.repositories.documents import lifecycle_policy_text

        return lifecycle_policy_text(self)


@dataclass(frozen=True)
class RepositorySpec:
    """One repository as the build stack's config sets it: its name, scanning, tag mutability,
    encryption and lifecycle. (A docstring of its own also spares the dataclass machinery building
    one from the signature when the class is created.)"""

    name: str
    scan_on_push: bool = True
    image_tag_mutability: str = "IMMUTABLE"
    encryption_type: str = "AES256"
    kms_key: str | None = None
    """A key the user manages (ID, alias or ARN); ``None`` with KMS: the stack's key or AWS's."""
    exclusion_filters: tuple[str, ...] = ()
    """With ``*_WITH_EXCLUSION``: the tag filters whose tags behave the other way."""
    lifecycle: Lifecycle | None = None
    stack_key: bool = False
    """Encrypted with the customer managed key this stack creates (``kmsKeys.create``)."""


@dataclass(frozen=True)
class SharedRepository:
    """One repository as ``SharedRepositories`` creates it: its settings, and its lifecycle policy as
    the text ECR takes (from the config's ``lifecycle``, or as another program wrote it)."""

    spec: RepositorySpec
    lifecycle_policy: str | None = None


@dataclass(frozen=True)
class CreatedKey:
    """The customer managed key ``SharedRepositories`` creates for the repositories that set
    ``stack_key``, in their account."""

    account_id: str
    deletion_window_days: int


@dataclass(frozen=True)
class SharedRepositoriesSpec:
    """What a ``SharedRepositories`` registers from."""

    repositories: tuple[SharedRepository, ...]
    access: Access
    region: str
    account_id: str | None = None
    """The repositories' account, when known: its own Lambda functions then get no account statement."""
    kms_key: CreatedKey | None = None
