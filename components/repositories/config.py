"""The build stack's ``repositories``, ``access`` and ``lifecycle`` keys, validated before anything is
registered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components.aws import rules
from components.aws.names import arn_account
from components.aws.overgrants import voided_narrowing
from components.aws.policy import canonical_json
from components.config import values
from components.encryption.model import KmsKeys
from components.errors import ConfigError
from components.repositories.documents import (
    most_accounts_in_one_policy,
    repository_policy,
    repository_pull_policy,
)
from components.repositories.model import (
    Access,
    AccountsAccess,
    KeepTagged,
    LambdaAccount,
    Lifecycle,
    OrganizationAccess,
    RepositorySpec,
)

# What a repository is given both as a `repositories` entry and as a component's repository arg.
REPOSITORY_SETTINGS = (
    "name",
    "scanOnPush",
    "imageTagMutability",
    "imageTagMutabilityExclusionFilters",
    "encryption",
    "kmsKey",
)
REPOSITORY_KEYS = (*REPOSITORY_SETTINGS, "lifecycle")
REPOSITORY_OPTIONAL_KEYS = REPOSITORY_KEYS[1:]
# Whole accounts or an organization; then the narrower grants only a build stack's ``access`` takes.
WHOLE_ACCOUNT_KEYS = ("accounts", "organizationId", "organizationPaths")
NARROW_KEYS = ("roles", "lambdaAccounts")
ACCESS_KEYS = (*WHOLE_ACCOUNT_KEYS, *NARROW_KEYS)
LAMBDA_ACCOUNT_KEYS = ("account", "region", "deployers")
LIFECYCLE_KEYS = ("expireUntaggedAfterDays", "keepTagged")
KEEP_TAGGED_KEYS = ("prefix", "count")


def parse_repositories(
    full_key: str,
    value: Any,
    region: str,
    lifecycle: Lifecycle | None = None,
    kms_keys: KmsKeys | None = None,
) -> tuple[RepositorySpec, ...]:
    """``lifecycle`` is the stack's default lifecycle, ``kms_keys`` the stack's keys: each applies to
    every repository that does not set its own."""
    entries = values.sequence(full_key, value)
    specs = tuple(
        parse_repository(f"{full_key}[{i}]", entry, region, lifecycle, kms_keys)
        for i, entry in enumerate(entries)
    )
    values.unique(full_key, [s.name for s in specs], "repository name")
    return specs


def parse_repository(
    full_key: str,
    value: Any,
    region: str,
    lifecycle: Lifecycle | None = None,
    kms_keys: KmsKeys | None = None,
) -> RepositorySpec:
    if isinstance(value, str):
        # A bare name takes every default; its errors name the entry itself.
        settings: dict[str, Any] = {"name": values.repository_name(full_key, value)}
    else:
        settings = values.mapping(full_key, value, REPOSITORY_KEYS, REPOSITORY_OPTIONAL_KEYS)
    name = values.repository_name(f"{full_key}.name", settings.get("name"))
    # With the stack's kmsKeys, KMS (with the stack's key) is every repository's default.
    encryption = values.one_of(
        f"{full_key}.encryption",
        settings.get("encryption", "KMS" if kms_keys is not None else "AES256"),
        rules.ENCRYPTION_TYPES,
    )
    kms_key = settings.get("kmsKey")
    if kms_key is not None:
        if encryption != "KMS":
            raise ConfigError(f"{full_key}.kmsKey", kms_key, 'needs encryption: "KMS"')
        kms_key = _kms_key(f"{full_key}.kmsKey", kms_key, region)
    elif encryption == "KMS" and kms_keys is not None and not kms_keys.create:
        kms_key = kms_keys.arn_in(region)
    mutability, exclusions = parse_tag_mutability(full_key, settings)
    return RepositorySpec(
        name=name,
        scan_on_push=values.boolean(f"{full_key}.scanOnPush", settings.get("scanOnPush", True)),
        image_tag_mutability=mutability,
        encryption_type=encryption,
        kms_key=kms_key,
        exclusion_filters=exclusions,
        lifecycle=_own_lifecycle(f"{full_key}.lifecycle", settings.get("lifecycle"), lifecycle),
        stack_key=encryption == "KMS" and kms_key is None and kms_keys is not None and kms_keys.create,
    )


def _own_lifecycle(full_key: str, value: Any, default: Lifecycle | None) -> Lifecycle | None:
    """A repository's ``lifecycle``: its own rules, ``false`` for none at all, or (left out) the default."""
    if value is None:
        return default
    if value is False or value == "false":
        return None
    return parse_lifecycle(full_key, value)


def parse_tag_mutability(full_key: str, settings: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """``imageTagMutability`` and its exclusion filters: the *_WITH_EXCLUSION values need 1 to 5
    filters, the others take none (ECR model ImageTagMutabilityExclusionFilters; aws-facts §5)."""
    mutability = values.one_of(
        values.child(full_key, "imageTagMutability"),
        settings.get("imageTagMutability", "IMMUTABLE"),
        rules.IMAGE_TAG_MUTABILITY,
    )
    filters_key = values.child(full_key, "imageTagMutabilityExclusionFilters")
    filters = settings.get("imageTagMutabilityExclusionFilters")
    if mutability not in rules.WITH_EXCLUSION:
        if filters is not None:
            raise ConfigError(
                filters_key, filters, f"needs imageTagMutability {' or '.join(rules.WITH_EXCLUSION)}"
            )
        return mutability, ()
    if filters is None:
        raise ConfigError(
            filters_key,
            None,
            f"is missing: {mutability} needs 1 to {rules.EXCLUSION_FILTERS_MAX} tag filters "
            '(for example ["latest", "dev-*"])',
        )
    return mutability, exclusion_filters(filters_key, filters)


def exclusion_filters(full_key: str, value: Any) -> tuple[str, ...]:
    entries = values.sequence(full_key, value)
    if len(entries) > rules.EXCLUSION_FILTERS_MAX:
        raise ConfigError(
            full_key,
            value,
            f"has {len(entries)} filters: ECR takes at most {rules.EXCLUSION_FILTERS_MAX}",
        )
    for index, entry in enumerate(entries):
        if not isinstance(entry, str) or rules.EXCLUSION_FILTER.fullmatch(entry) is None:
            raise ConfigError(
                f"{full_key}[{index}]",
                entry,
                "is not a tag filter ECR accepts: 1 to 128 of letters, digits, ., _, - and * (a wildcard)",
            )
        if entry.count("*") > rules.EXCLUSION_FILTER_MAX_WILDCARDS:
            raise ConfigError(
                f"{full_key}[{index}]",
                entry,
                f"has {entry.count('*')} wildcards: ECR allows at most {rules.EXCLUSION_FILTER_MAX_WILDCARDS}",
            )
    values.unique(full_key, entries, "filter")
    return tuple(entries)


def parse_lifecycle(full_key: str, value: Any) -> Lifecycle:
    """``{expireUntaggedAfterDays: N, keepTagged: [{prefix, count}, ...]}``, at least one of them."""
    settings = values.mapping(full_key, value, LIFECYCLE_KEYS, LIFECYCLE_KEYS)
    if not settings:
        raise ConfigError(full_key, value, "has no rule: set expireUntaggedAfterDays, keepTagged or both")
    days = None
    if "expireUntaggedAfterDays" in settings:
        days = _count(
            f"{full_key}.expireUntaggedAfterDays",
            settings["expireUntaggedAfterDays"],
            rules.LIFECYCLE_MAX_DAYS,
        )
    keep_key = f"{full_key}.keepTagged"
    keep: list[KeepTagged] = []
    for index, entry in enumerate(values.sequence(keep_key, settings.get("keepTagged", []), non_empty=False)):
        where = f"{keep_key}[{index}]"
        item = values.mapping(where, entry, KEEP_TAGGED_KEYS)
        prefix = item.get("prefix")
        if not isinstance(prefix, str) or rules.LIFECYCLE_TAG_PREFIX.fullmatch(prefix) is None:
            raise ConfigError(
                f"{where}.prefix",
                prefix,
                "is not the start of a Docker tag (a letter, digit or _, then up to 127 of [A-Za-z0-9_.-])",
            )
        for other_index, other in enumerate(keep):
            if prefix.startswith(other.prefix) or other.prefix.startswith(prefix):
                # An image tagged with both would match two rules; only the first could expire it.
                raise ConfigError(
                    f"{where}.prefix",
                    prefix,
                    f'overlaps {keep_key}[{other_index}].prefix "{other.prefix}": a tag starting with both '
                    "would be counted by only one rule; keep one of them",
                )
        keep.append(
            KeepTagged(prefix, _count(f"{where}.count", item.get("count"), rules.LIFECYCLE_MAX_IMAGES))
        )
    lifecycle = Lifecycle(days, tuple(keep))
    if days is None and not keep:
        raise ConfigError(keep_key, [], "is empty: list a prefix to keep, or leave keepTagged out")
    low, high = rules.LIFECYCLE_POLICY_LENGTH
    size = len(lifecycle.policy_text)
    if not low <= size <= high:
        raise ConfigError(
            full_key,
            f"{len(keep)} keepTagged rules",
            f"make a lifecycle policy of {size} characters: ECR takes {low} to {high}",
        )
    return lifecycle


def _count(full_key: str, value: Any, high: int) -> int:
    number = values.integer(full_key, value)
    if not 1 <= number <= high:
        raise ConfigError(full_key, value, f"is not a count from 1 to {high}")
    return number


def lifecycle_output(lifecycle: Lifecycle | None) -> dict[str, Any] | None:
    """A lifecycle as plain data in its config form: the build stack's output for receivers."""
    if lifecycle is None:
        return None
    value: dict[str, Any] = {}
    if lifecycle.expire_untagged_after_days is not None:
        value["expireUntaggedAfterDays"] = lifecycle.expire_untagged_after_days
    if lifecycle.keep_tagged:
        value["keepTagged"] = [{"prefix": k.prefix, "count": k.count} for k in lifecycle.keep_tagged]
    return value


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


def parse_access(full_key: str, value: Any, *, narrow: bool = True) -> Access:
    """At most one of ``accounts`` or ``organizationId`` (optionally narrowed by
    ``organizationPaths``), and, with ``narrow``, ``roles`` and ``lambdaAccounts``; at least one grant.
    Without ``narrow`` (a receiving registry's ``access``) exactly one of the first two."""
    settings = values.mapping(full_key, value, ACCESS_KEYS if narrow else WHOLE_ACCOUNT_KEYS)
    has_accounts = "accounts" in settings
    has_organization = "organizationId" in settings
    if not narrow and has_accounts == has_organization:
        raise ConfigError(
            full_key, value, "must set exactly one of accounts (a list of account IDs) or organizationId"
        )
    if has_accounts and has_organization:
        raise ConfigError(
            full_key, value, "must set at most one of accounts (a list of account IDs) or organizationId"
        )
    if not (has_accounts or has_organization or any(k in settings for k in NARROW_KEYS)):
        raise ConfigError(
            full_key,
            value,
            "grants nobody: set accounts (a list of account IDs) or organizationId, and/or roles "
            "(role ARNs) or lambdaAccounts",
        )
    roles = _roles(f"{full_key}.roles", settings.get("roles"))
    lambda_accounts = _lambda_accounts(f"{full_key}.lambdaAccounts", settings.get("lambdaAccounts"))
    if not has_organization:
        if "organizationPaths" in settings:
            raise ConfigError(
                f"{full_key}.organizationPaths", settings["organizationPaths"], "needs organizationId"
            )
        accounts: list[str] = []
        if has_accounts:
            entries = values.sequence(f"{full_key}.accounts", settings["accounts"])
            accounts = [values.account_id(f"{full_key}.accounts[{i}]", a) for i, a in enumerate(entries)]
            values.unique(f"{full_key}.accounts", accounts, "account")
        return AccountsAccess(accounts=tuple(accounts), roles=roles, lambda_accounts=lambda_accounts)
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
    return OrganizationAccess(
        organization_id=organization,
        organization_paths=tuple(paths),
        roles=roles,
        lambda_accounts=lambda_accounts,
    )


def _roles(full_key: str, value: Any) -> tuple[str, ...]:
    """IAM role ARNs, exactly as the roles' ``aws:PrincipalArn`` will be."""
    if value is None:
        return ()
    entries = values.sequence(full_key, value)
    roles = [values.role_arn(f"{full_key}[{i}]", r) for i, r in enumerate(entries)]
    values.unique(full_key, roles, "role ARN")
    return tuple(roles)


def _lambda_accounts(full_key: str, value: Any) -> tuple[LambdaAccount, ...]:
    """Account IDs (their functions in every Region the images are in) or ``{account, region}``."""
    if value is None:
        return ()
    entries = values.sequence(full_key, value)
    grants = tuple(_lambda_account(f"{full_key}[{i}]", entry) for i, entry in enumerate(entries))
    for index, grant in enumerate(grants):
        for other in grants[:index]:
            if other.account_id == grant.account_id and (
                None in (other.region, grant.region) or other.region == grant.region
            ):
                raise ConfigError(
                    f"{full_key}[{index}]",
                    entries[index],
                    f"grants the functions of account {grant.account_id} again (entry {grants.index(other)} "
                    "already does): list each account once, or once per Region",
                )
    return grants


def _lambda_account(full_key: str, value: Any) -> LambdaAccount:
    if not isinstance(value, dict):
        return LambdaAccount(values.account_id(full_key, value))
    settings = values.mapping(full_key, value, LAMBDA_ACCOUNT_KEYS)
    if "account" not in settings:
        raise ConfigError(f"{full_key}.account", None, "is missing: give the functions' account ID")
    account = values.account_id(f"{full_key}.account", settings["account"])
    deployers = _roles(f"{full_key}.deployers", settings.get("deployers"))
    for index, role in enumerate(deployers):
        if arn_account(role) != account:
            raise ConfigError(
                f"{full_key}.deployers[{index}]",
                role,
                f"is a role of account {arn_account(role)}, not of {account}: the deployers are the roles "
                "that create the account's own functions",
            )
    return LambdaAccount(
        account,
        None if "region" not in settings else values.region(f"{full_key}.region", settings["region"]),
        deployers,
    )


def check_narrow_grants(
    full_key: str, access: Access, owner: str | None, region: str, regions: Sequence[str]
) -> None:
    """The role and Lambda grants against the build stack: roles of other accounts of its partition
    that are not granted whole already, and Lambda functions only in a Region that holds the images
    (``regions``: the build Region, then the build account's replica Regions)."""
    partition = rules.partition_for(region)
    whole = set(access.accounts) if isinstance(access, AccountsAccess) else set()
    for index, role in enumerate(access.roles):
        where = f"{full_key}.roles[{index}]"
        role_partition, account = role.split(":", 5)[1], arn_account(role)
        if role_partition != partition:
            raise ConfigError(
                where, role, f"is in partition {role_partition}, but {region} is in {partition}"
            )
        if account == owner:
            raise ConfigError(
                where,
                role,
                "is a role of the build account itself: its own policies decide, it needs no grant",
            )
        if account in whole:
            raise ConfigError(
                where,
                role,
                f"is in account {account}, which {full_key}.accounts grants whole already: remove the "
                "account to grant only its listed roles, or remove the role",
            )
    for index, grant in enumerate(access.lambda_accounts):
        _check_deployers(f"{full_key}.lambdaAccounts[{index}]", grant, owner, whole, partition, full_key)
        if grant.region is None:
            continue
        where = f"{full_key}.lambdaAccounts[{index}].region"
        if rules.partition_for(grant.region) != partition or grant.region not in regions:
            replicas = f" and replicas in {', '.join(regions[1:])}" if len(regions) > 1 else ""
            raise ConfigError(
                where,
                grant.region,
                f"holds none of this stack's images (repositories in {region}{replicas}): Lambda pulls a "
                "function's image only from a repository in the function's own Region, never across Regions",
            )
    check_lambda_narrowing(full_key, access, owner, regions)


def _check_deployers(
    where: str, grant: LambdaAccount, owner: str | None, whole: set[str], partition: str, access_key: str
) -> None:
    """Deployers narrow the account statement of a Lambda grant: there must be one to narrow."""
    if not grant.deployers:
        return
    for index, role in enumerate(grant.deployers):
        if role.split(":", 5)[1] != partition:
            raise ConfigError(
                f"{where}.deployers[{index}]",
                role,
                f"is in partition {role.split(':', 5)[1]}, not {partition}",
            )
    account = grant.account_id
    if account == owner or account in whole:
        why = (
            "is the build account itself: its own policies decide who creates its functions"
            if account == owner
            else f"is granted whole by {access_key}.accounts: its deployers pull already"
        )
        raise ConfigError(
            f"{where}.deployers",
            list(grant.deployers),
            f"narrow nothing: account {account} {why}. Remove deployers",
        )


def check_lambda_narrowing(full_key: str, access: Access, owner: str | None, regions: Sequence[str]) -> None:
    """A Lambda grant gives nothing to roles of its account that ``roles`` leaves out. AWS's statement
    for the identities that create an account's functions names the account root: every principal the
    account allows could get the images, which would void the role narrowing of the same account. The
    repository policy of each Region is searched for that (``aws.overgrants.voided_narrowing``, the
    function the policy pack runs on any repository policy)."""
    for region in regions:
        statements = repository_policy(access, region, owner)["Statement"]
        for found in voided_narrowing(statements):
            index = next(
                i
                for i, g in enumerate(access.lambda_accounts)
                if g.account_id == found.account and g.covers(region)
            )
            raise ConfigError(
                f"{full_key}.lambdaAccounts[{index}]",
                found.account,
                f"would let every principal of account {found.account} get the images: AWS's statement for "
                f"the identities that create the account's Lambda functions names its root ({found.whole}: "
                f"{' and '.join(found.actions)}), while {full_key}.roles grants only some of its roles. List "
                f"the roles that create its functions in {full_key}.lambdaAccounts[{index}].deployers (the "
                "statement then names only them), or grant the account whole",
            )


def check_repository_policies_size(
    full_key: str, access: Access, owner: str | None, regions: Sequence[str]
) -> None:
    """Each registry's whole policy (``repository_policy``) within ECR's limit, in every Region that
    carries the grant: their Lambda statements differ by Region."""
    for where in regions:
        size = len(canonical_json(repository_policy(access, where, owner)))
        if size > rules.REPOSITORY_POLICY_MAX_CHARS:
            raise ConfigError(
                full_key,
                f"{len(access.roles)} roles, {len(access.lambda_accounts)} Lambda accounts",
                f"make a repository policy of {size} characters in {where}, over ECR's limit of "
                f"{rules.REPOSITORY_POLICY_MAX_CHARS}: grant whole accounts or the organization instead of "
                "single roles",
            )


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
    """The grant as plain data: the build stack's ``access`` output and ``verify``'s report of it."""
    narrow = {"roles": sorted(access.roles), "lambdaAccounts": lambda_accounts_output(access)}
    if isinstance(access, AccountsAccess):
        return {"mode": "accounts", "accounts": sorted(access.accounts), **narrow}
    return {
        "mode": "organization",
        "organizationId": access.organization_id,
        "organizationPaths": sorted(access.organization_paths),
        **narrow,
    }


def lambda_accounts_output(access: Access) -> list[dict[str, str]]:
    """``{account}`` (every Region the images are in) or ``{account, region}``, sorted."""
    found = [
        {"account": g.account_id} if g.region is None else {"account": g.account_id, "region": g.region}
        for g in access.lambda_accounts
    ]
    return sorted(found, key=lambda g: (g["account"], g.get("region", "")))


__all__ = [
    "ACCESS_KEYS",
    "KEEP_TAGGED_KEYS",
    "LAMBDA_ACCOUNT_KEYS",
    "LIFECYCLE_KEYS",
    "REPOSITORY_KEYS",
    "REPOSITORY_SETTINGS",
    "OrganizationAccess",
    "access_output",
    "check_lambda_narrowing",
    "check_narrow_grants",
    "check_not_granting_owner",
    "check_repository_policies_size",
    "check_repository_policy_size",
    "exclusion_filters",
    "lifecycle_output",
    "parse_access",
    "parse_lifecycle",
    "parse_repositories",
]
