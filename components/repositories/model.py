"""The validated repositories and pull grant of a build stack: plain frozen records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccountsAccess:
    """Pull granted to each listed account's root, i.e. to principals the account allows."""

    accounts: tuple[str, ...]

    @property
    def mode(self) -> str:
        return "accounts"


@dataclass(frozen=True)
class OrganizationAccess:
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


@dataclass(frozen=True)
class RepositorySpec:
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
