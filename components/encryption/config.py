"""The ``kmsKeys`` key (build stacks, and ``receiveReplication.kmsKeys``), validated before anything is
registered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components.aws import rules
from components.config import values
from components.encryption.model import KmsKeys
from components.errors import ConfigError

KMS_KEYS_KEYS = ("create", "deletionWindowDays", "arns")


def parse_kms_keys(full_key: str, value: Any, account: str, region: str) -> KmsKeys:
    """``{create: true, deletionWindowDays: 7..30}`` or ``{arns: [<key ARN per Region>]}``."""
    settings = values.mapping(full_key, value, KMS_KEYS_KEYS, ("deletionWindowDays",))
    if ("create" in settings) == ("arns" in settings):
        raise ConfigError(
            full_key,
            value,
            "must set exactly one of create: true (the stack creates a key per Region) or arns "
            "(the ARNs of keys you manage, one per Region)",
        )
    if "create" in settings:
        if values.boolean(f"{full_key}.create", settings["create"]) is not True:
            raise ConfigError(f"{full_key}.create", settings["create"], f"is false: leave {full_key} out")
        window = deletion_window(
            f"{full_key}.deletionWindowDays",
            settings.get("deletionWindowDays", rules.KMS_DELETION_WINDOW_DAYS[1]),
        )
        return KmsKeys(create=True, deletion_window_days=window)
    if "deletionWindowDays" in settings:
        raise ConfigError(
            f"{full_key}.deletionWindowDays",
            settings["deletionWindowDays"],
            "needs create: true (a key you manage keeps its own deletion window)",
        )
    entries = values.sequence(f"{full_key}.arns", settings["arns"])
    arns = tuple(key_arn(f"{full_key}.arns[{i}]", entry, account, region) for i, entry in enumerate(entries))
    values.unique(f"{full_key}.arns", [a.split(":")[3] for a in arns], "Region (one key per Region)")
    return KmsKeys(create=False, arns=arns)


def deletion_window(full_key: str, value: Any) -> int:
    """Days between a created key's deletion and its destruction (KMS ScheduleKeyDeletion
    PendingWindowInDays)."""
    low, high = rules.KMS_DELETION_WINDOW_DAYS
    window = values.integer(full_key, value)
    if not low <= window <= high:
        raise ConfigError(full_key, window, f"is not a KMS deletion window ({low} to {high} days)")
    return window


def key_arn(full_key: str, value: Any, account: str, region: str, owner: str = "this stack's account") -> str:
    """A full key ARN (creation templates take nothing else) in this stack's partition and account
    (``owner`` says whose account that is)."""
    match = rules.KMS_KEY_ARN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(
            full_key,
            value,
            "is not the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<key ID>): creation "
            "templates take a full key ARN, not an alias or a key ID",
        )
    partition, _, key_account = match.groups()
    if partition != rules.partition_for(region):
        raise ConfigError(
            full_key, value, f"is in partition {partition}, but {region} is in {rules.partition_for(region)}"
        )
    if key_account != account:
        raise ConfigError(
            full_key,
            value,
            f"is a key of account {key_account}: ecr-share uses keys of {owner} {account} "
            "only (its creation-template role is granted them in this account)",
        )
    return str(value)


def check_key_regions(full_key: str, keys: KmsKeys, regions: Sequence[str]) -> None:
    """Given keys: exactly one for each Region where the stack keeps images (a repository's key must
    be in its Region: ECR EncryptionConfiguration.kmsKey)."""
    if keys.create:
        return
    needed = sorted(set(regions))
    if list(keys.regions) != needed:
        raise ConfigError(
            f"{full_key}.arns",
            list(keys.arns),
            f"name keys in {', '.join(keys.regions)}, but this stack keeps images in "
            f"{', '.join(needed)}: give one key ARN for each of those Regions",
        )
