"""The environment stack's ``services`` (with each one's optional ``ecsService``) and
``logRetentionDays`` keys."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from components.aws import rules
from components.aws.names import role_arn
from components.config import values
from components.consumers.model import (
    ContainerSecret,
    ContainerSettings,
    EcsServiceSpec,
    ExistingRole,
    ServiceSpec,
)
from components.errors import ConfigError

SERVICE_KEYS = (
    "name",
    "repository",
    "imageTag",
    "imageDigest",
    "cpu",
    "memory",
    "containerPort",
    "ecsService",
    "readonlyRootFilesystem",
    "writablePaths",
    "user",
    "secrets",
)
# Keys whose null means their default (values.mapping's ``optional``).
CONTAINER_KEYS = ("readonlyRootFilesystem", "writablePaths", "user", "secrets")
SECRET_KEYS = ("name", "valueFrom", "kmsKey")
SECRET_ARN = (
    "a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)"
)
PARAMETER_ARN = "an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>)"
KEY_ARN = "the ARN of a customer managed KMS key (arn:aws:kms:<region>:<account>:key/<key ID>)"
ECS_SERVICE_KEYS = ("cluster", "subnets", "securityGroups", "desiredCount", "assignPublicIp")
DEFAULT_LOG_RETENTION_DAYS = 30
DEFAULT_DESIRED_COUNT = 1


def parse_services(full_key: str, value: Any, account_id: str, region: str) -> tuple[ServiceSpec, ...]:
    """``account_id`` and ``region`` are the stack's own: an ECS service's cluster must be there."""
    entries = values.sequence(full_key, value)
    services = tuple(
        parse_service(f"{full_key}[{i}]", entry, account_id, region) for i, entry in enumerate(entries)
    )
    values.unique(full_key, [s.name for s in services], "service name")
    return services


def parse_service(full_key: str, value: Any, account_id: str, region: str) -> ServiceSpec:
    settings = values.mapping(full_key, value, SERVICE_KEYS, ("ecsService", *CONTAINER_KEYS))
    name = values.task_family(f"{full_key}.name", settings.get("name"))
    if ("imageTag" in settings) == ("imageDigest" in settings):
        raise ConfigError(full_key, value, "must set exactly one of imageTag or imageDigest")
    cpu = values.integer(f"{full_key}.cpu", settings.get("cpu"))
    memory = values.integer(f"{full_key}.memory", settings.get("memory"))
    values.fargate_size(full_key, cpu, memory)
    tag = settings.get("imageTag")
    digest = settings.get("imageDigest")
    ecs_service = settings.get("ecsService")
    return ServiceSpec(
        name=name,
        repository=values.repository_name(f"{full_key}.repository", settings.get("repository")),
        cpu=cpu,
        memory=memory,
        container_port=values.port(f"{full_key}.containerPort", settings.get("containerPort")),
        image_tag=None if tag is None else values.image_tag(f"{full_key}.imageTag", tag),
        image_digest=None if digest is None else values.image_digest(f"{full_key}.imageDigest", digest),
        ecs_service=None
        if ecs_service is None
        else parse_ecs_service(f"{full_key}.ecsService", ecs_service, account_id, region),
        container=container_settings(full_key, settings, region, account_id),
    )


def container_settings(
    key: str, settings: Mapping[str, Any], region: str, account_id: str | None
) -> ContainerSettings:
    """``readonlyRootFilesystem``, ``writablePaths``, ``user`` and ``secrets`` of a service (``key``)
    or of the component's args (``key`` empty): the container is read-only, unprivileged and non-root
    unless said otherwise, as Security Hub's ECS controls ask (rules.CONTAINER_USER's comment).
    ``account_id``: the task's account, which the secrets must be in; None (the component, which
    does not know its provider's account): the account of the first secret."""
    readonly = values.boolean(
        values.child(key, "readonlyRootFilesystem"), settings.get("readonlyRootFilesystem", True)
    )
    paths = settings.get("writablePaths")
    writable = () if paths is None else writable_paths(values.child(key, "writablePaths"), paths)
    if writable and not readonly:
        raise ConfigError(
            values.child(key, "writablePaths"),
            list(writable),
            "is set, but readonlyRootFilesystem is false: the whole root filesystem is writable; "
            "keep the root filesystem read-only, or drop writablePaths",
        )
    user = settings.get("user")
    secrets = settings.get("secrets")
    return ContainerSettings(
        readonly_root_filesystem=readonly,
        writable_paths=writable,
        user=None if user is None else container_user(values.child(key, "user"), user),
        secrets=()
        if secrets is None
        else container_secrets(values.child(key, "secrets"), secrets, region, account_id),
    )


def container_secrets(
    key: str, value: Any, region: str, account_id: str | None
) -> tuple[ContainerSecret, ...]:
    """Each ``{name, valueFrom, kmsKey}``: a variable name, a Secrets Manager secret's or an SSM
    parameter's full ARN and a customer managed key's ARN, all in the task's account and Region."""
    entries = values.sequence(key, value)
    if len(entries) > rules.CONTAINER_SECRETS_MAX:
        raise ConfigError(
            key,
            f"{len(entries)} secrets",
            f"are more than {rules.CONTAINER_SECRETS_MAX} secrets: keep related values in one JSON secret",
        )
    secrets: list[ContainerSecret] = []
    for index, entry in enumerate(entries):
        entry_key = f"{key}[{index}]"
        settings = values.mapping(entry_key, entry, SECRET_KEYS, ("kmsKey",))
        name = settings.get("name")
        if not isinstance(name, str) or rules.CONTAINER_SECRET_NAME.fullmatch(name) is None:
            raise ConfigError(
                f"{entry_key}.name",
                name,
                "is not an environment variable name (a letter or _, then letters, digits or _)",
            )
        value_from = settings.get("valueFrom")
        arn = None
        if isinstance(value_from, str):
            arn = rules.SECRETS_MANAGER_SECRET_ARN.fullmatch(value_from) or rules.SSM_PARAMETER_ARN.fullmatch(
                value_from
            )
        if arn is None:
            raise ConfigError(
                f"{entry_key}.valueFrom",
                value_from,
                f"is not {SECRET_ARN} or {PARAMETER_ARN}",
            )
        account_id = account_id or arn.group(3)
        value_from = str(value_from)
        _in_task_scope(f"{entry_key}.valueFrom", value_from, arn, region, account_id)
        kms_key = settings.get("kmsKey")
        if kms_key is not None:
            key_match = rules.KMS_KEY_ARN.fullmatch(kms_key) if isinstance(kms_key, str) else None
            if key_match is None:
                raise ConfigError(
                    f"{entry_key}.kmsKey",
                    kms_key,
                    f"is not {KEY_ARN}",
                )
            _in_task_scope(f"{entry_key}.kmsKey", kms_key, key_match, region, account_id)
        secrets.append(ContainerSecret(name, value_from, kms_key))
    values.unique(key, [s.name for s in secrets], "secret name")
    return tuple(secrets)


def _in_task_scope(key: str, value: str, arn: re.Match[str], region: str, account_id: str) -> None:
    """The ARN's partition, Region and account are the task's: ECS reads a secret in the task's own
    Region and, without a cross-account key policy, account."""
    expected = (
        ("partition", arn.group(1), rules.partition_for(region)),
        ("Region", arn.group(2), region),
        ("account", arn.group(3), account_id),
    )
    for what, actual, own in expected:
        if actual != own:
            raise ConfigError(key, value, f"is in {what} {actual}, not the task's {what} {own}")


def writable_paths(key: str, value: Any) -> tuple[str, ...]:
    """Absolute container paths, unique, at most ``rules.WRITABLE_PATHS_MAX``."""
    paths = values.sequence(key, value)
    if len(paths) > rules.WRITABLE_PATHS_MAX:
        raise ConfigError(
            key,
            f"{len(paths)} paths",
            f"are more than {rules.WRITABLE_PATHS_MAX} writable paths: mount a common parent directory "
            "instead",
        )
    for index, path in enumerate(paths):
        if (
            not isinstance(path, str)
            or rules.CONTAINER_PATH.fullmatch(path) is None
            or ".." in path.split("/")
            or path.strip("/") == ""
        ):
            raise ConfigError(
                f"{key}[{index}]",
                path,
                "is not an absolute container path (/ then letters, digits and ._@+=,/-, no .. segment, "
                "not / itself, at most 255 characters)",
            )
    normalized = [p.rstrip("/") for p in paths]
    values.unique(key, normalized, "writable path")
    return tuple(normalized)


def container_user(key: str, value: Any) -> str:
    """``user``, ``user:group``, ``uid`` or ``uid:gid``, never root (the name or UID 0)."""
    match = rules.CONTAINER_USER.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(
            key,
            value,
            "is not a container user (a UID such as 1000, uid:gid such as 1000:1000, or a user name, "
            "each part 1 to 32 letters, digits and _.-)",
        )
    user = match.group(1)
    if user == rules.ROOT_USER_NAME or (user.isdigit() and int(user) == 0):
        raise ConfigError(
            key,
            value,
            "is the root user: run the container as a non-root UID (such as 1000) or user name",
        )
    return str(value)


def parse_ecs_service(full_key: str, value: Any, account_id: str, region: str) -> EcsServiceSpec:
    """Checked in the order of ``ECS_SERVICE_KEYS``, so the first mistake is the one reported."""
    settings = values.mapping(
        full_key, value, ECS_SERVICE_KEYS, ("securityGroups", "desiredCount", "assignPublicIp")
    )
    cluster = cluster_name(f"{full_key}.cluster", settings.get("cluster"), account_id, region)
    if "subnets" not in settings:
        raise ConfigError(f"{full_key}.subnets", None, "is missing: give the subnet IDs the tasks run in")
    subnets = _ids(
        f"{full_key}.subnets", settings["subnets"], "subnet", rules.SUBNET_ID, rules.AWSVPC_MAX_SUBNETS
    )
    groups = settings.get("securityGroups")
    security_groups = (
        ()
        if groups is None
        else _ids(
            f"{full_key}.securityGroups",
            groups,
            "security group",
            rules.SECURITY_GROUP_ID,
            rules.AWSVPC_MAX_SECURITY_GROUPS,
        )
    )
    desired = values.integer(f"{full_key}.desiredCount", settings.get("desiredCount", DEFAULT_DESIRED_COUNT))
    if not 0 <= desired <= rules.ECS_MAX_TASKS_PER_SERVICE:
        raise ConfigError(
            f"{full_key}.desiredCount",
            desired,
            f"is not a desired count (0 to {rules.ECS_MAX_TASKS_PER_SERVICE}, ECS's tasks-per-service quota)",
        )
    return EcsServiceSpec(
        cluster=cluster,
        subnets=subnets,
        security_groups=security_groups,
        desired_count=desired,
        assign_public_ip=values.boolean(f"{full_key}.assignPublicIp", settings.get("assignPublicIp", False)),
    )


def cluster_name(key: str, value: Any, account_id: str, region: str) -> str:
    """An existing cluster of this stack's account and Region, by name or ARN; returns its name."""
    if value is None:
        raise ConfigError(key, None, "is missing: give the existing ECS cluster's name or ARN")
    arn = rules.ECS_CLUSTER_ARN.fullmatch(value) if isinstance(value, str) else None
    name = arn.group(4) if arn is not None else value
    if not isinstance(name, str) or rules.ECS_CLUSTER_NAME.fullmatch(name) is None:
        raise ConfigError(
            key, value, "is not an ECS cluster name (1 to 255 letters, digits, _ or -) or cluster ARN"
        )
    if arn is not None:
        partition, arn_region, account = arn.group(1, 2, 3)
        expected = (
            ("partition", partition, rules.partition_for(region)),
            ("Region", arn_region, region),
            ("account", account, account_id),
        )
        for what, actual, own in expected:
            if actual != own:
                raise ConfigError(
                    key, value, f"is a cluster in {what} {actual}, not this stack's {what} {own}"
                )
    return name


def _ids(key: str, value: Any, what: str, pattern: re.Pattern[str], limit: int) -> tuple[str, ...]:
    """A non-empty list of unique EC2 IDs, at most as many as one awsvpcConfiguration takes."""
    ids = values.sequence(key, value)
    if len(ids) > limit:
        raise ConfigError(key, ids, f"lists {len(ids)} {what}s; an ECS service takes at most {limit}")
    prefix = pattern.pattern.split("(", 1)[0]  # the literal the pattern starts with: subnet- or sg-
    for index, item in enumerate(ids):
        if not isinstance(item, str) or pattern.fullmatch(item) is None:
            raise ConfigError(
                f"{key}[{index}]", item, f'is not a {what} ID ("{prefix}" and 8 or 17 hex digits)'
            )
    values.unique(key, ids, f"{what} ID")
    return tuple(ids)


def parse_log_retention(full_key: str, value: Any) -> int:
    retention = values.integer(full_key, DEFAULT_LOG_RETENTION_DAYS if value is None else value)
    if retention not in rules.LOG_RETENTION_DAYS:
        raise ConfigError(
            full_key,
            retention,
            f"is not a CloudWatch Logs retention ({', '.join(map(str, rules.LOG_RETENTION_DAYS))})",
        )
    return retention


def parse_pull_roles(
    full_key: str, value: Any, account_id: str, region: str, own_role: str
) -> tuple[ExistingRole, ...]:
    """Existing roles of this stack's account, by name (on the path ``/``) or ARN (any path).
    ``own_role`` is the execution role's name: it has the pull policy already."""
    entries = values.sequence(full_key, value)
    roles = tuple(
        _existing_role(f"{full_key}[{i}]", entry, account_id, region) for i, entry in enumerate(entries)
    )
    # IAM role names are unique in an account whatever their path and case (IAM user guide,
    # reference_iam-quotas.html, "Names of IAM entities"): each names one role.
    names = [r.name.lower() for r in roles]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise ConfigError(
                f"{full_key}[{index}]",
                entries[index],
                f"names the role of entry {names.index(name)} again (IAM role names are unique in an "
                "account, whatever their path and case)",
            )
    if own_role.lower() in names:
        index = names.index(own_role.lower())
        raise ConfigError(
            f"{full_key}[{index}]",
            entries[index],
            "is this stack's own execution role, which has the pull policy already",
        )
    return roles


def _existing_role(key: str, value: Any, account_id: str, region: str) -> ExistingRole:
    if isinstance(value, str) and value.startswith("arn:"):
        arn = values.role_arn(key, value)
        match = rules.ROLE_ARN.fullmatch(arn)
        assert match is not None
        partition, account, path, name = match.groups()
        expected = (("partition", partition, rules.partition_for(region)), ("account", account, account_id))
        for what, actual, own in expected:
            if actual != own:
                raise ConfigError(key, value, f"is a role in {what} {actual}, not this stack's {what} {own}")
        if path.startswith(rules.SERVICE_LINKED_ROLE_PATH):
            raise ConfigError(
                key,
                value,
                "is a service-linked role: IAM lets no one attach a policy to it; name the role the "
                "service's workloads use instead (an EKS node role, a CodeBuild service role)",
            )
        return ExistingRole(name, arn)
    if not isinstance(value, str) or rules.ROLE_NAME.fullmatch(value) is None:
        raise ConfigError(
            key,
            value,
            "is not an IAM role name (1 to 64 of A-Z, a-z, 0-9 and +=,.@_-) or role ARN "
            "(arn:aws:iam::<account>:role/<path><name>, for a role on another path than /)",
        )
    return ExistingRole(value, role_arn(region, account_id, value))
