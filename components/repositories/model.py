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
class RepositorySpec:
    name: str
    scan_on_push: bool = True
    image_tag_mutability: str = "IMMUTABLE"
    encryption_type: str = "AES256"
    kms_key: str | None = None
