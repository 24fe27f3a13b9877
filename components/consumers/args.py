"""The ``PullExecutionRole`` and ``FargateTaskDefinition`` args, checked with the checks of the
environment stack's ``services`` and ``logRetentionDays`` keys; keys are the args' schema names."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from components.aws import rules
from components.aws.policy import iam_policy_length
from components.config import values
from components.consumers.config import (
    KEY_ARN,
    PARAMETER_ARN,
    SECRET_ARN,
    cluster_name,
    container_settings,
    parse_ecs_service,
    parse_log_retention,
)
from components.consumers.documents import (
    RolePermissionsTooLarge,
    SecretReads,
    execution_role_policies,
    execution_role_policy,
)
from components.consumers.model import (
    AttachedPullPolicySpec,
    ClusterService,
    FargateTaskDefinitionSpec,
    PullExecutionRoleSpec,
)
from components.errors import ConfigError

ECS_SERVICE_ARG_KEYS = ("clusterArn", "subnets", "securityGroups", "desiredCount", "assignPublicIp")


def check_pull_execution_role_args(args: Mapping[str, Any]) -> PullExecutionRoleSpec:
    """The role may pull exactly the listed repositories and write only to its own account's log
    groups; its statements must fit its inline policy and the managed policies it may have."""
    account = values.account_id("accountId", args["accountId"])
    repositories = _arns("repositoryArns", args["repositoryArns"], values.repository_arn, "repository ARN")
    # No log group: tasks that do not log through awslogs; the role then writes no logs at all.
    log_groups = _arns(
        "logGroupArns", args["logGroupArns"], values.log_group_streams_arn, "log group ARN", non_empty=False
    )
    for index, arn in enumerate(log_groups):
        if values.arn_account(arn) != account:
            raise ConfigError(
                f"logGroupArns[{index}]",
                arn,
                f"is in account {values.arn_account(arn)}, not {account}: the awslogs driver writes to "
                "log groups of the task's own account",
            )
    secrets = SecretReads(
        _own_arns(
            "secretArns", args.get("secretArns"), rules.SECRETS_MANAGER_SECRET_ARN, SECRET_ARN, account
        ),
        _own_arns(
            "parameterArns", args.get("parameterArns"), rules.SSM_PARAMETER_ARN, PARAMETER_ARN, account
        ),
        _own_arns("decryptKeyArns", args.get("decryptKeyArns"), rules.KMS_KEY_ARN, KEY_ARN, account),
    )
    try:
        # Past one inline policy the statements are split over managed policies, as the plan does.
        policies = execution_role_policies(repositories, log_groups, secrets)
    except RolePermissionsTooLarge as error:
        raise ConfigError(
            "repositoryArns",
            f"{len(repositories)} repositories and {len(log_groups)} log groups",
            f"{error}: split them over more roles",
        ) from None
    role_name = values.role_name("roleName", args["roleName"])
    return PullExecutionRoleSpec(
        role_name, account, tuple(repositories), tuple(log_groups), secrets, policies
    )


def _own_arns(key: str, value: Any, pattern: re.Pattern[str], what: str, account: str) -> tuple[str, ...]:
    """Unique ARNs of ``pattern`` in the role's own account (the task's secrets are there)."""
    if value is None:
        return ()
    arns = values.sequence(key, value, non_empty=False)
    for index, arn in enumerate(arns):
        match = pattern.fullmatch(arn) if isinstance(arn, str) else None
        if match is None:
            raise ConfigError(f"{key}[{index}]", arn, f"is not {what}")
        if match.group(3) != account:
            raise ConfigError(
                f"{key}[{index}]", arn, f"is in account {match.group(3)}, not the role's account {account}"
            )
    values.unique(key, arns, "ARN")
    return tuple(arns)


def check_attached_pull_policy_args(args: Mapping[str, Any]) -> AttachedPullPolicySpec:
    """The pull statements as one managed policy, within IAM's managed-policy limit, attached to
    existing roles named exactly (names, not ARNs: the policy is attached in the provider's account)."""
    repositories = _arns("repositoryArns", args["repositoryArns"], values.repository_arn, "repository ARN")
    roles = [
        values.role_name(f"roleNames[{i}]", r)
        for i, r in enumerate(values.sequence("roleNames", args["roleNames"]))
    ]
    values.unique("roleNames", [r.lower() for r in roles], "role (IAM role names ignore case)")
    size = iam_policy_length(execution_role_policy(repositories))
    if size > rules.MANAGED_POLICY_MAX_CHARS:
        raise ConfigError(
            "repositoryArns",
            f"{len(repositories)} repositories",
            f"make a pull policy of {size} characters, over IAM's {rules.MANAGED_POLICY_MAX_CHARS}-character "
            "limit for a managed policy",
        )
    name = args["policyName"]
    if not isinstance(name, str) or rules.POLICY_NAME.fullmatch(name) is None:
        raise ConfigError("policyName", name, "is not an IAM policy name (1 to 128 of [A-Za-z0-9_+=,.@-])")
    return AttachedPullPolicySpec(name, tuple(repositories), tuple(roles))


def check_fargate_task_definition_args(args: Mapping[str, Any]) -> FargateTaskDefinitionSpec:
    region = values.region("region", args["region"])
    cpu = values.integer("cpu", args["cpu"])
    memory = values.integer("memory", args["memory"])
    values.fargate_size("", cpu, memory)
    role = args["executionRoleArn"]
    # An Output (a PullExecutionRole's arn) is known only once deployed; a plain value is checked.
    if not hasattr(role, "apply"):
        role = values.role_arn("executionRoleArn", role)
        partition = role.split(":")[1]
        if partition != rules.partition_for(region):
            raise ConfigError(
                "executionRoleArn",
                role,
                f"is in partition {partition}, but {region} is in {rules.partition_for(region)}",
            )
    return FargateTaskDefinitionSpec(
        family=values.task_family("family", args["family"]),
        image=full_image_reference("image", args["image"]),
        cpu=cpu,
        memory=memory,
        container_port=values.port("containerPort", args["containerPort"]),
        execution_role_arn=role,
        region=region,
        log_retention_days=parse_log_retention("logRetentionDays", args["logRetentionDays"]),
        container=container_settings("", args, region, None),
        ecs_service=None
        if args.get("ecsService") is None
        else check_ecs_service_args(args["ecsService"], region),
    )


def check_ecs_service_args(value: Any, region: str) -> ClusterService:
    """The ``ecsService`` arg, with the checks of ``services[i].ecsService``: the cluster by ARN, in
    the component's Region and partition."""
    settings = values.mapping("ecsService", value, ECS_SERVICE_ARG_KEYS, ("securityGroups",))
    cluster_arn = settings.get("clusterArn")
    arn = rules.ECS_CLUSTER_ARN.fullmatch(cluster_arn) if isinstance(cluster_arn, str) else None
    if arn is None:
        raise ConfigError(
            "ecsService.clusterArn",
            cluster_arn,
            "is not an ECS cluster ARN (arn:<partition>:ecs:<region>:<account>:cluster/<name>)",
        )
    # The cluster's account is the provider's, which the component does not know: take the ARN's.
    cluster_name("ecsService.clusterArn", cluster_arn, arn.group(3), region)
    spec = parse_ecs_service(
        "ecsService",
        {
            "cluster": cluster_arn,
            "subnets": settings.get("subnets"),
            "securityGroups": settings.get("securityGroups") or None,
            "desiredCount": settings.get("desiredCount"),
            "assignPublicIp": settings.get("assignPublicIp"),
        },
        arn.group(3),
        region,
    )
    return ClusterService(
        str(cluster_arn), spec.subnets, spec.security_groups, spec.desired_count, spec.assign_public_ip
    )


def full_image_reference(key: str, value: Any) -> str:
    """A full image reference ending in ``:<tag>`` or ``@sha256:<hex>``, as the ``services`` keys
    compose it: the tag or digest checked like ``imageTag``/``imageDigest``, the length as ECS allows."""
    if not isinstance(value, str):
        raise ConfigError(key, value, "is not an image reference (a string)")
    name, at, digest = value.partition("@")
    last = name.rsplit("/", 1)[-1]
    if at:
        values.image_digest(key, digest)
    elif ":" in last:
        values.image_tag(key, last.rsplit(":", 1)[1])
    else:
        raise ConfigError(
            key, value, "has neither a tag nor a digest (<registry>/<repository>:<tag> or @sha256:<hex>)"
        )
    if not name or name.startswith(("/", ":")) or last.startswith(":"):
        raise ConfigError(key, value, "names no repository (<registry>/<repository>:<tag> or @sha256:<hex>)")
    return values.image_reference(key, value)


def _arns(
    key: str, value: Any, check: Callable[[str, Any], str], what: str, *, non_empty: bool = True
) -> list[str]:
    entries = values.sequence(key, value, non_empty=non_empty)
    arns = [check(f"{key}[{index}]", arn) for index, arn in enumerate(entries)]
    values.unique(key, arns, what)
    return arns
