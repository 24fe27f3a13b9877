"""The build stack's ``repositories`` and ``access`` keys, validated before anything is registered."""

from __future__ import annotations

import re
from typing import Any

from components.aws import rules
from components.aws.policy import canonical_json
from components.config import values
from components.errors import ConfigError
from components.repositories.documents import most_accounts_in_one_policy, repository_pull_policy
from components.repositories.model import Access, AccountsAccess, OrganizationAccess, RepositorySpec

REPOSITORY_KEYS = ("name", "scanOnPush", "imageTagMutability", "encryption", "kmsKey")
ACCESS_KEYS = ("accounts", "organizationId", "organizationPaths")
KMS_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key/[A-Za-z0-9-]+")


def parse_repositories(full_key: str, value: Any, region: str) -> tuple[RepositorySpec, ...]:
    entries = values.sequence(full_key, value)
    specs = tuple(parse_repository(f"{full_key}[{i}]", entry, region) for i, entry in enumerate(entries))
    values.unique(full_key, [s.name for s in specs], "repository name")
    return specs


def parse_repository(full_key: str, value: Any, region: str) -> RepositorySpec:
    if isinstance(value, str):
        return RepositorySpec(name=values.repository_name(full_key, value))
    settings = values.mapping(full_key, value, REPOSITORY_KEYS)
    name = values.repository_name(f"{full_key}.name", settings.get("name"))
    encryption = values.one_of(
        f"{full_key}.encryption", settings.get("encryption", "AES256"), rules.ENCRYPTION_TYPES
    )
    kms_key = settings.get("kmsKey")
    if kms_key is not None:
        if encryption != "KMS":
            raise ConfigError(f"{full_key}.kmsKey", kms_key, 'needs encryption: "KMS"')
        kms_key = _kms_key(f"{full_key}.kmsKey", kms_key, region)
    return RepositorySpec(
        name=name,
        scan_on_push=values.boolean(f"{full_key}.scanOnPush", settings.get("scanOnPush", True)),
        image_tag_mutability=values.one_of(
            f"{full_key}.imageTagMutability",
            settings.get("imageTagMutability", "IMMUTABLE"),
            rules.IMAGE_TAG_MUTABILITY,
        ),
        encryption_type=encryption,
        kms_key=kms_key,
    )


def _kms_key(full_key: str, value: Any, region: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 2048:
        raise ConfigError(full_key, value, "is not a KMS key ID, alias or ARN")
    arn = KMS_KEY_ARN.fullmatch(value)
    if value.startswith("arn:") and arn is None:
        raise ConfigError(full_key, value, "is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
    if arn is not None and arn.group(1) != region:
        # ECR EncryptionConfiguration.kmsKey: the key must be in the repository's Region.
        raise ConfigError(
            full_key, value, f"is in Region {arn.group(1)}, but the repositories are in {region}"
        )
    return value


def parse_access(full_key: str, value: Any) -> Access:
    """Exactly one of ``accounts`` or ``organizationId`` (optionally narrowed by ``organizationPaths``)."""
    settings = values.mapping(full_key, value, ACCESS_KEYS)
    has_accounts = "accounts" in settings
    has_organization = "organizationId" in settings
    if has_accounts == has_organization:
        raise ConfigError(
            full_key, value, "must set exactly one of accounts (a list of account IDs) or organizationId"
        )
    if has_accounts:
        if "organizationPaths" in settings:
            raise ConfigError(
                f"{full_key}.organizationPaths", settings["organizationPaths"], "needs organizationId"
            )
        entries = values.sequence(f"{full_key}.accounts", settings["accounts"])
        accounts = [values.account_id(f"{full_key}.accounts[{i}]", a) for i, a in enumerate(entries)]
        values.unique(f"{full_key}.accounts", accounts, "account")
        return AccountsAccess(accounts=tuple(accounts))
    organization = values.organization_id(f"{full_key}.organizationId", settings["organizationId"])
    paths_key = f"{full_key}.organizationPaths"
    entries = values.sequence(paths_key, settings.get("organizationPaths", []), non_empty=False)
    paths = [values.organization_path(f"{paths_key}[{i}]", p, organization) for i, p in enumerate(entries)]
    values.unique(paths_key, paths, "organization path")
    return OrganizationAccess(organization_id=organization, organization_paths=tuple(paths))


def check_not_granting_owner(full_key: str, access: Access, owner: str, what: str) -> None:
    """The registry's own account needs no grant: its identity policies already decide."""
    if isinstance(access, AccountsAccess) and owner in access.accounts:
        raise ConfigError(
            f"{full_key}.accounts[{access.accounts.index(owner)}]",
            owner,
            f"is the {what} account itself: it owns the repositories and needs no grant",
        )


def check_repository_policy_size(full_key: str, access: Access, region: str) -> None:
    """The grant must fit ECR's repository policy limit, in its compact form if need be."""
    size = len(canonical_json(repository_pull_policy(access, rules.partition_for(region))))
    if size <= rules.REPOSITORY_POLICY_MAX_CHARS:
        return
    if isinstance(access, AccountsAccess):
        raise ConfigError(
            f"{full_key}.accounts",
            f"{len(access.accounts)} accounts",
            f"make a repository policy of {size} characters even in its compact form, over ECR's "
            f"limit of {rules.REPOSITORY_POLICY_MAX_CHARS} (at most {most_accounts_in_one_policy()} "
            "accounts fit): grant the organization instead (access.organizationId, optionally "
            "access.organizationPaths)",
        )
    raise ConfigError(
        full_key,
        access.mode,
        f"make a repository policy of {size} characters, over ECR's limit of "
        f"{rules.REPOSITORY_POLICY_MAX_CHARS}: grant fewer organization paths",
    )


def access_output(access: Access) -> dict[str, Any]:
    """The grant as plain data: the build stack's ``access`` output and the components' ``access`` arg."""
    if isinstance(access, AccountsAccess):
        return {"mode": "accounts", "accounts": sorted(access.accounts)}
    return {
        "mode": "organization",
        "organizationId": access.organization_id,
        "organizationPaths": sorted(access.organization_paths),
    }


__all__ = [
    "ACCESS_KEYS",
    "REPOSITORY_KEYS",
    "OrganizationAccess",
    "access_output",
    "check_not_granting_owner",
    "check_repository_policy_size",
    "parse_access",
    "parse_repositories",
]
