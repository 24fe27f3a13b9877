"""The build stack's ``repositories`` and ``access`` keys, validated before anything is registered."""

from __future__ import annotations

from typing import Any

from components.aws import rules
from components.aws.policy import canonical_json
from components.config import values
from components.errors import ConfigError
from components.repositories.documents import repository_pull_policy
from components.repositories.model import Access, AccountsAccess, OrganizationAccess, RepositorySpec

REPOSITORY_KEYS = ("name", "scanOnPush", "imageTagMutability", "encryption", "kmsKey")
REPOSITORY_OPTIONAL_KEYS = ("scanOnPush", "imageTagMutability", "encryption", "kmsKey")
ACCESS_KEYS = ("accounts", "organizationId", "organizationPaths")


def parse_repositories(full_key: str, value: Any, region: str) -> tuple[RepositorySpec, ...]:
    entries = values.sequence(full_key, value)
    specs = tuple(parse_repository(f"{full_key}[{i}]", entry, region) for i, entry in enumerate(entries))
    values.unique(full_key, [s.name for s in specs], "repository name")
    return specs


def parse_repository(full_key: str, value: Any, region: str) -> RepositorySpec:
    if isinstance(value, str):
        return RepositorySpec(name=values.repository_name(full_key, value))
    settings = values.mapping(full_key, value, REPOSITORY_KEYS, REPOSITORY_OPTIONAL_KEYS)
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
    """A key ID, an alias name, or the ARN of a key or an alias, in the repositories' Region."""
    if isinstance(value, str) and rules.KMS_KEY.fullmatch(value):
        return value
    arn = rules.KMS_ARN.fullmatch(value) if isinstance(value, str) else None
    if arn is None:
        raise ConfigError(
            full_key,
            value,
            'is not a KMS key ID ("1234abcd-12ab-34cd-56ef-1234567890ab" or "mrk-..."), an alias '
            '("alias/ecr-images") or the ARN of a key or an alias (arn:aws:kms:<region>:<account>:key/<id>)',
        )
    partition, key_region = arn.group(1), arn.group(2)
    if partition != rules.partition_for(region):
        raise ConfigError(
            full_key, value, f"is in partition {partition}, but {region} is in {rules.partition_for(region)}"
        )
    if key_region != region:
        # ECR EncryptionConfiguration.kmsKey: the key must be in the repository's Region.
        raise ConfigError(full_key, value, f"is in Region {key_region}, but the repositories are in {region}")
    return str(value)


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
    if settings.get("organizationPaths") == []:
        # An empty list would narrow nothing: the grant would silently be the whole organization.
        raise ConfigError(
            paths_key,
            [],
            "is empty: list the OU paths to grant, or leave the key out to grant the whole organization",
        )
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
    size = len(canonical_json(repository_pull_policy(access, rules.partition_for(region))))
    if size > rules.REPOSITORY_POLICY_MAX_CHARS:
        shown = f"{len(access.accounts)} accounts" if isinstance(access, AccountsAccess) else access.mode
        raise ConfigError(
            full_key,
            shown,
            f"make a repository policy of {size} characters, over ECR's limit of "
            f"{rules.REPOSITORY_POLICY_MAX_CHARS}: grant the organization instead "
            "(access.organizationId, optionally access.organizationPaths)",
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
