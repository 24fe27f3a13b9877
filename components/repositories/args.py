"""The ``SharedRepositories`` args, checked by the functions that check the build stack's
``repositories``, ``access`` and ``kmsKeys`` keys, so the rules and messages are the same; keys are the
args' schema names (``repositories[0].imageTagMutability``). A lifecycle policy arrives here as text
written by another program (the config writes its own from ``lifecycle``): ``lifecycle_policy_text``
checks it against ECR's documented rules."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from components.aws import rules
from components.config import values
from components.encryption.config import deletion_window
from components.errors import ConfigError
from components.repositories.config import (
    REPOSITORY_SETTINGS,
    check_narrow_grants,
    check_not_granting_owner,
    check_repository_policies_size,
    check_repository_policy_size,
    parse_access,
    parse_repository,
)
from components.repositories.model import Access, CreatedKey, SharedRepositoriesSpec, SharedRepository

# What only a component's repository takes; the rest is checked as a ``repositories`` entry is.
COMPONENT_ONLY_ARGS = ("stackKey", "lifecyclePolicy")
REPOSITORY_ARGS = (*REPOSITORY_SETTINGS, *COMPONENT_ONLY_ARGS)
KMS_KEY_ARGS = ("accountId", "deletionWindowDays")


def check_shared_repositories_args(args: Mapping[str, Any]) -> SharedRepositoriesSpec:
    """Every repository and the grant, normalized: each repository with all its settings."""
    region = values.region("region", args["region"])
    account = None if args.get("accountId") is None else values.account_id("accountId", args["accountId"])
    created = None if args.get("kmsKey") is None else _created_key("kmsKey", args["kmsKey"], account)
    entries = values.sequence("repositories", args["repositories"])
    repositories = [
        _repository(f"repositories[{index}]", entry, region, created is not None)
        for index, entry in enumerate(entries)
    ]
    values.unique("repositories", [r.spec.name for r in repositories], "repository name")
    access = check_access("access", args["access"], region, account, "accountId")
    return SharedRepositoriesSpec(tuple(repositories), access, region, account, created)


def check_access(key: str, value: Any, region: str, account: str | None, account_key: str) -> Access:
    """A pull grant given as args (``SharedRepositories``' ``access``, ``ReplicaRepositorySettings``'
    ``grant.access``), checked as the build stack's ``access`` is, for the registry of ``account``
    (named ``account_key``, when known) in ``region``."""
    access = parse_access(key, value)
    check_repository_policy_size(key, access, region)
    if account is not None:
        check_not_granting_owner(key, access, account, account_key)
    # A Lambda grant in another Region of the partition is for the replicas there (a replica template
    # carries the same grant); the component writes only its own Region's statement.
    regions = [region, *(g.region for g in access.lambda_accounts if g.region and g.region != region)]
    check_narrow_grants(key, access, account, region, regions)
    check_repository_policies_size(key, access, account, [region])
    return access


def _repository(key: str, value: Any, region: str, key_created: bool) -> SharedRepository:
    """A ``repositories`` entry's checks, then what only a component takes: ``stackKey`` (the key the
    component creates, instead of ``kmsKey``) and the lifecycle policy as text."""
    settings = values.mapping(key, value, REPOSITORY_ARGS, REPOSITORY_ARGS[1:])
    spec = parse_repository(key, {k: v for k, v in settings.items() if k not in COMPONENT_ONLY_ARGS}, region)
    stack_key = values.boolean(f"{key}.stackKey", settings.get("stackKey", False))
    if stack_key:
        if spec.encryption_type != "KMS":
            raise ConfigError(f"{key}.stackKey", True, 'needs encryption: "KMS"')
        if spec.kms_key is not None:
            raise ConfigError(
                f"{key}.stackKey",
                True,
                f"and {key}.kmsKey are both set: encrypt with the key this component creates "
                "(stackKey) or with the key kmsKey names, not both",
            )
        if not key_created:
            raise ConfigError(
                f"{key}.stackKey",
                True,
                "needs the component's kmsKey: the component creates the key stackKey encrypts with "
                "only when kmsKey is set",
            )
    lifecycle = (
        lifecycle_policy_text(f"{key}.lifecyclePolicy", settings["lifecyclePolicy"])
        if "lifecyclePolicy" in settings
        else None
    )
    return SharedRepository(replace(spec, stack_key=stack_key), lifecycle)


def _created_key(key: str, value: Any, account: str | None) -> CreatedKey:
    """The key the component creates, as ``kmsKeys: {create: true}`` asks for it: in the
    repositories' account, with a deletion window of 7 to 30 days (default 30)."""
    settings = values.mapping(key, value, KMS_KEY_ARGS, ("deletionWindowDays",))
    if "accountId" not in settings:
        raise ConfigError(
            f"{key}.accountId", None, "is missing: give the account that owns the key and the repositories"
        )
    owner = values.account_id(f"{key}.accountId", settings["accountId"])
    if account is not None and owner != account:
        raise ConfigError(
            f"{key}.accountId",
            owner,
            f"is not accountId {account}: the key is created with the repositories, in their account",
        )
    window = deletion_window(
        f"{key}.deletionWindowDays",
        settings.get("deletionWindowDays", rules.KMS_DELETION_WINDOW_DAYS[1]),
    )
    return CreatedKey(owner, window)


def lifecycle_policy_text(key: str, value: Any) -> str:
    """A lifecycle policy written by another program, as ECR's lifecycle_policy_parameters.html
    describes it (``rules.LIFECYCLE_*``). It refuses what ECR always refuses, and leaves to ECR the
    values ECR keeps adding (count types, actions, storage classes): a refusal here would have no way
    around it, while ECR names its own refusal of a value before the policy takes effect. Returned
    unchanged: the text is deployed as written."""
    if not isinstance(value, str):
        raise ConfigError(key, value, "is not a lifecycle policy (JSON text)")
    low, high = rules.LIFECYCLE_POLICY_LENGTH
    if not low <= len(value) <= high:
        raise ConfigError(
            key,
            f"{len(value)} characters",
            f"are not a lifecycle policy ECR takes ({low} to {high} characters)",
        )
    try:
        policy = json.loads(value)
    except json.JSONDecodeError as error:
        raise ConfigError(
            key, f"{len(value)} characters", f"are not JSON: {error.msg} at character {error.pos}"
        ) from None
    entries = policy.get("rules") if isinstance(policy, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(
            key,
            f"{len(value)} characters",
            'are not a lifecycle policy: a JSON object {"rules": [...]} with at least one rule',
        )
    priorities: list[int] = []
    statuses: list[str] = []
    for index, entry in enumerate(entries):
        priority, tag_status = _lifecycle_rule(key, f"rules[{index}]", entry)
        if priority in priorities:
            raise ConfigError(
                key,
                priority,
                f"at rules[{index}].rulePriority is the priority of rules[{priorities.index(priority)}] too: "
                "each rule needs its own rulePriority",
            )
        priorities.append(priority)
        statuses.append(tag_status)
    for index, (priority, tag_status) in enumerate(zip(priorities, statuses, strict=True)):
        if tag_status == "any" and priority < max(priorities):
            raise ConfigError(
                key,
                priority,
                f"at rules[{index}].rulePriority is not the highest: a rule with tagStatus any must have "
                "the highest rulePriority, so that ECR evaluates it last",
            )
    return value


def _lifecycle_rule(key: str, path: str, rule: Any) -> tuple[int, str]:
    """One rule: its priority and tag status, the tag lists its tag status needs, a positive count."""
    rule = _object(key, path, rule)
    priority = rule.get("rulePriority")
    if isinstance(priority, bool) or not isinstance(priority, int) or priority < 1:
        raise ConfigError(
            key, _shown(priority), f"at {path}.rulePriority is not a rule priority (an integer of at least 1)"
        )
    selection = _object(key, f"{path}.selection", rule.get("selection"))
    where = f"{path}.selection"
    tag_status = selection.get("tagStatus")
    if tag_status not in rules.LIFECYCLE_TAG_STATUSES:
        raise ConfigError(
            key,
            _shown(tag_status),
            f"at {where}.tagStatus is not one of {', '.join(rules.LIFECYCLE_TAG_STATUSES)}",
        )
    lists = [name for name in rules.LIFECYCLE_TAG_LISTS if name in selection]
    if tag_status == "tagged" and not lists:
        raise ConfigError(
            key,
            None,
            f"at {where}.tagPrefixList is missing: a tagged rule needs a tagPrefixList or a tagPatternList",
        )
    if tag_status == "untagged" and lists:
        raise ConfigError(key, "<list>", f"at {where}.{lists[0]} is set: an untagged rule takes no tag list")
    for name in lists:
        _tag_list(key, f"{where}.{name}", name, selection[name])
    _count(key, where, selection)
    action = _object(key, f"{path}.action", rule.get("action"))
    if not isinstance(action.get("type"), str) or not action["type"]:
        raise ConfigError(
            key, _shown(action.get("type")), f"at {path}.action.type is not an action type (expire)"
        )
    return priority, str(tag_status)


def _tag_list(key: str, where: str, name: str, value: Any) -> None:
    what = "prefix" if name == "tagPrefixList" else "pattern"
    if not isinstance(value, list) or not value:
        raise ConfigError(key, _shown(value), f"at {where} is not a list of at least one tag {what}")
    for index, entry in enumerate(value):
        if what == "prefix":
            ok = isinstance(entry, str) and rules.LIFECYCLE_TAG_PREFIX.fullmatch(entry) is not None
            expected = "the start of a Docker tag (a letter, digit or _, then up to 127 of [A-Za-z0-9_.-])"
        else:
            ok = (
                isinstance(entry, str)
                and entry != ""
                and (entry.count("*") <= rules.LIFECYCLE_TAG_PATTERN_MAX_WILDCARDS)
            )
            expected = (
                f"a tag pattern (a tag with at most {rules.LIFECYCLE_TAG_PATTERN_MAX_WILDCARDS} wildcards *)"
            )
        if not ok:
            raise ConfigError(key, _shown(entry), f"at {where}[{index}] is not {expected}")


def _count(key: str, where: str, selection: dict[str, Any]) -> None:
    """A positive countNumber; an age (``since...``) in days, an image count without a unit."""
    count_type = selection.get("countType")
    if not isinstance(count_type, str) or not count_type:
        raise ConfigError(
            key,
            _shown(count_type),
            f"at {where}.countType is not a count type (imageCountMoreThan, sinceImagePushed, ...)",
        )
    number = selection.get("countNumber")
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ConfigError(
            key, _shown(number), f"at {where}.countNumber is not a count (an integer of at least 1)"
        )
    unit = selection.get("countUnit")
    if count_type == "imageCountMoreThan" and unit is not None:
        raise ConfigError(
            key,
            _shown(unit),
            f"at {where}.countUnit is set: imageCountMoreThan counts images, it takes no countUnit",
        )
    if count_type.startswith("since") and unit != rules.LIFECYCLE_COUNT_UNIT:
        raise ConfigError(
            key,
            _shown(unit),
            f'at {where}.countUnit is not "{rules.LIFECYCLE_COUNT_UNIT}": {count_type} counts an age in days',
        )


def _object(key: str, where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(key, _shown(value), f"at {where} is not an object")
    return value


def _shown(value: Any) -> Any:
    """A value of the policy as an error shows it: scalars as they are, objects and lists by kind."""
    if isinstance(value, dict):
        return "<object>"
    if isinstance(value, list):
        return "<list>"
    return value
