"""Checks of single config values. Each returns the normalized value or raises ConfigError naming
the key, the value and what was expected."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from components.aws import rules
from components.errors import ConfigError


def _matches(pattern: re.Pattern[str], value: Any) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def _matching(pattern: re.Pattern[str], key: str, value: Any, problem: str) -> str:
    """The value, if it is a string that matches the whole pattern; otherwise a ConfigError."""
    if not _matches(pattern, value):
        raise ConfigError(key, value, problem)
    return str(value)


def account_id(key: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML reads an unquoted ID as a number and drops leading zeros: accept it only if intact.
        value = str(value)
        if not _matches(rules.ACCOUNT_ID, value):
            raise ConfigError(key, value, "is not a 12-digit AWS account ID (quote account IDs in YAML)")
    return _matching(rules.ACCOUNT_ID, key, value, "is not a 12-digit AWS account ID")


def organization_id(key: str, value: Any) -> str:
    return _matching(
        rules.ORGANIZATION_ID,
        key,
        value,
        'is not an AWS Organizations ID ("o-" and 10 to 32 of [a-z0-9])',
    )


def organization_path(key: str, value: Any, organization: str | None = None) -> str:
    path = _matching(
        rules.ORGANIZATION_PATH,
        key,
        value,
        'is not an organization path like "o-abc123def4/r-ab12/ou-ab12-11111111/" '
        '(org ID, root ID, OU IDs, a trailing "/", optionally ending in "*")',
    )
    if organization is not None and not path.startswith(organization + "/"):
        raise ConfigError(key, value, f'is not inside the organization "{organization}"')
    return path


def role_arn(key: str, value: Any) -> str:
    """An IAM role's ARN, exactly (no wildcards): ``arn:<partition>:iam::<account>:role/<path><name>``."""
    match = rules.ROLE_ARN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(
            key, value, "is not an IAM role ARN (arn:aws:iam::<account>:role/<name>, or role/<path>/<name>)"
        )
    partition, account, path, name = match.groups()
    if all(p.id != partition for p in rules.PARTITIONS):
        raise ConfigError(key, value, f'names partition "{partition}", which AWS does not have')
    if rules.ACCOUNT_ID.fullmatch(account) is None:
        raise ConfigError(key, value, f'names account "{account}", which is not a 12-digit AWS account ID')
    if rules.ROLE_NAME.fullmatch(name) is None:
        raise ConfigError(key, value, "ends in no IAM role name (1 to 64 of A-Z, a-z, 0-9 and +=,.@_-)")
    if (
        rules.ROLE_PATH.fullmatch(path) is None
        or len(path) > rules.ROLE_PATH_MAX_CHARS
        or "*" in path
        or "?" in path
    ):
        raise ConfigError(
            key,
            value,
            f'has no valid IAM role path ("/", or "/" and up to {rules.ROLE_PATH_MAX_CHARS} printable '
            'characters ending in "/", no wildcards)',
        )
    return str(value)


def region(key: str, value: Any) -> str:
    if not isinstance(value, str) or rules.partition_of(value) is None:
        raise ConfigError(key, value, 'is not an AWS Region name like "us-east-1"')
    return value


def repository_name(key: str, value: Any) -> str:
    low, high = rules.REPOSITORY_NAME_LENGTH
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise ConfigError(key, value, f"is not an ECR repository name ({low} to {high} characters)")
    return _matching(
        rules.REPOSITORY_NAME,
        key,
        value,
        "is not an ECR repository name: lowercase letters and digits, separated by single "
        '".", "_" or "-", with "/" between namespaces',
    )


def image_tag(key: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        # An all-digit tag written unquoted reaches us as a number, its leading zeros gone.
        raise ConfigError(key, value, 'is a number, not a tag: quote it in YAML (imageTag: "0123456")')
    return _matching(
        rules.IMAGE_TAG,
        key,
        value,
        "is not a Docker image tag (a letter, digit or _, then up to 127 of [A-Za-z0-9_.-])",
    )


def image_digest(key: str, value: Any) -> str:
    return _matching(
        rules.IMAGE_DIGEST, key, value, 'is not an image digest ("sha256:" and 64 lowercase hex digits)'
    )


def image_reference(key: str, image: str) -> str:
    """ECS ContainerDefinition.image: at most 255 characters before any ``@digest``."""
    if len(image.split("@", 1)[0]) > rules.IMAGE_REFERENCE_MAX_CHARS:
        raise ConfigError(
            key,
            image,
            f"makes an image reference over ECS's {rules.IMAGE_REFERENCE_MAX_CHARS} characters",
        )
    return image


def boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise ConfigError(key, value, "is not a boolean (true or false)")


def integer(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigError(key, value, "is not a whole number")
    if isinstance(value, int):
        return value
    # str.isdigit() also accepts superscripts and other scripts' digits, which int() may refuse.
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value):
        return int(value)
    raise ConfigError(key, value, "is not a whole number")


def one_of(key: str, value: Any, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ConfigError(key, value, f"is not one of {', '.join(allowed)}")
    return str(value)


def fargate_size(key: str, cpu: int, memory: int) -> None:
    allowed = rules.FARGATE_MEMORY_BY_CPU.get(cpu)
    if allowed is None:
        choices = ", ".join(str(c) for c in rules.FARGATE_MEMORY_BY_CPU)
        raise ConfigError(child(key, "cpu"), cpu, f"is not a Fargate CPU size ({choices})")
    if memory not in allowed:
        raise ConfigError(
            child(key, "memory"),
            memory,
            f"is not a Fargate memory size for cpu {cpu} (allowed: {_ranges(allowed)})",
        )


def _ranges(values: Sequence[int]) -> str:
    if len(values) > 4:
        return f"{values[0]} to {values[-1]} in steps of {values[1] - values[0]}"
    return ", ".join(str(v) for v in values)


def port(key: str, value: Any) -> int:
    number = integer(key, value)
    if not 1 <= number <= 65535:
        raise ConfigError(key, value, "is not a TCP port (1 to 65535)")
    return number


def mapping(key: str, value: Any, known: Sequence[str], optional: Sequence[str] = ()) -> dict[str, Any]:
    """An object whose keys are all known; unknown keys are usually typos, so they fail.

    A key written with no value (``imageTag:`` alone is YAML's null) means its default only where it
    has one (``optional``, as the README's configuration table says); anywhere else it is refused,
    so it can never pass as "not set" and fail later far from its key. The result leaves out the
    optional keys that are null."""
    if not isinstance(value, dict):
        raise ConfigError(key, value, "is not an object")
    for name in value:
        if not isinstance(name, str) or name not in known:
            raise ConfigError(
                f"{key}.{name}", value[name], f"is not a known setting (known: {', '.join(known)})"
            )
        if value[name] is None and name not in optional:
            raise ConfigError(f"{key}.{name}", None, "is empty: give it a value")
    return {name: setting for name, setting in value.items() if setting is not None}


def at_most(key: str, count: int, limit: int, counted: str, limit_text: str) -> None:
    """One of ECR's count quotas: ``<count> <counted>`` are more than ECR's ``<limit> <limit_text>``."""
    if count > limit:
        raise ConfigError(key, f"{count} {counted}", f"are more than ECR's {limit} {limit_text}")


def signing_profile_arn(key: str, value: Any) -> str:
    """An AWS Signer signing profile ARN (``arn:aws:signer:<region>:<account>:/signing-profiles/<name>``)."""
    if (
        not isinstance(value, str)
        or len(value) > rules.SIGNING_PROFILE_ARN_MAX_CHARS
        or rules.SIGNING_PROFILE_ARN.fullmatch(value) is None
    ):
        raise ConfigError(
            key,
            value,
            "is not an AWS Signer signing profile ARN (arn:aws:signer:<region>:<account>:/signing-profiles/<name>)",
        )
    return value


def sequence(key: str, value: Any, *, non_empty: bool = True) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(key, value, "is not a list")
    if non_empty and not value:
        raise ConfigError(key, value, "is empty: give at least one entry")
    return value


def unique(key: str, values: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ConfigError(f"{key}[{index}]", value, f"is a duplicate {what}")
        seen.add(value)


def child(key: str, name: str) -> str:
    """The key of a setting inside ``key``; a component's own args have no parent key."""
    return f"{key}.{name}" if key else name


def task_family(key: str, value: Any) -> str:
    return _matching(
        rules.TASK_FAMILY, key, value, "is not a task family name (1 to 255 letters, digits, _ or -)"
    )


def role_name(key: str, value: Any) -> str:
    return _matching(rules.ROLE_NAME, key, value, "is not an IAM role name (1 to 64 of [A-Za-z0-9_+=,.@-])")


def repository_arn(key: str, value: Any) -> str:
    """An ECR repository's ARN: a whole repository name, no wildcard, in a real Region."""
    match = rules.REPOSITORY_ARN.fullmatch(value) if isinstance(value, str) else None
    low, high = rules.REPOSITORY_NAME_LENGTH
    name = match["name"] if match is not None else ""
    if match is None or not low <= len(name) <= high or rules.REPOSITORY_NAME.fullmatch(name) is None:
        raise ConfigError(
            key,
            value,
            "is not an ECR repository ARN (arn:<partition>:ecr:<region>:<account>:repository/<name>)",
        )
    _arn_region(key, value, match)
    return str(value)


def log_group_streams_arn(key: str, value: Any) -> str:
    """The ARN stream writes are authorized on: ``arn:...:log-group:<name>:*``. Without the ``:*``
    the awslogs driver could neither create a stream nor write to one."""
    match = rules.LOG_GROUP_STREAMS_ARN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(
            key,
            value,
            "is not the ARN of a log group's streams (arn:<partition>:logs:<region>:<account>:log-group:<name>:*)",
        )
    _arn_region(key, value, match)
    return str(value)


def arn_account(arn: str) -> str:
    """The account field of an ARN (``arn:<partition>:<service>:<region>:<account>:...``)."""
    return arn.split(":")[4]


def _arn_region(key: str, value: str, match: re.Match[str]) -> None:
    try:
        name = region(key, match["region"])
    except ConfigError:
        raise ConfigError(key, value, f'is in "{match["region"]}", which is not an AWS Region name') from None
    if match["partition"] != rules.partition_for(name):
        raise ConfigError(
            key, value, f"is in partition {match['partition']}, but {name} is in {rules.partition_for(name)}"
        )
