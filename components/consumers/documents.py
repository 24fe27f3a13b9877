"""The execution role's trust and permission policies and the container definitions, as pure
functions of plain values."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from components.aws.names import log_group_name
from components.aws.policy import (
    PolicyDocument,
    Statement,
    canonical_json,
    document,
    iam_policy_length,
    sorted_unique,
)
from components.aws.rules import (
    AUTH_ACTION,
    DECRYPT_ACTIONS,
    ECS_TASKS_SERVICE,
    LOG_WRITE_ACTIONS,
    MANAGED_POLICY_MAX_CHARS,
    PARAMETER_READ_ACTIONS,
    PULL_ACTIONS,
    ROLE_INLINE_POLICY_MAX_CHARS,
    ROLE_MANAGED_POLICIES_MAX,
    SECRET_READ_ACTIONS,
)
from components.consumers.model import ContainerSettings

SID_AUTH = "ECRAuth"
SID_PULL = "ECRPull"
SID_LOGS = "WriteOwnLogs"
SID_SECRETS = "ReadOwnSecrets"
SID_PARAMETERS = "ReadOwnParameters"
SID_DECRYPT = "DecryptOwnSecrets"
CONTAINER_NAME = "app"


@dataclass(frozen=True)
class SecretReads:
    """What the role reads for its tasks' secrets: Secrets Manager secrets, SSM parameters and the
    customer managed keys that encrypt them (ECS developer guide, specifying-sensitive-data.html)."""

    secret_arns: tuple[str, ...] = ()
    parameter_arns: tuple[str, ...] = ()
    key_arns: tuple[str, ...] = ()

    @property
    def read_arns(self) -> tuple[str, ...]:
        """Every secret and parameter the role reads, sorted."""
        return tuple(sorted((*self.secret_arns, *self.parameter_arns)))


NO_SECRETS = SecretReads()


def execution_role_policy(
    repository_arns: Iterable[str], log_group_arns: Iterable[str] = (), secrets: SecretReads = NO_SECRETS
) -> PolicyDocument:
    """The seed's step 2 (``GetAuthorizationToken`` on ``*``, pull on exactly these repositories),
    plus log writes to the role's own log groups and reads of exactly its tasks' secrets."""
    return document(AUTH_STATEMENT, *_scoped_statements(_by_sid(repository_arns, log_group_arns, secrets)))


AUTH_STATEMENT: Statement = {"Sid": SID_AUTH, "Effect": "Allow", "Action": [AUTH_ACTION], "Resource": "*"}
# Sid -> the actions its statement allows on exactly the ARNs it lists, in the policy's order.
SCOPED_ACTIONS: dict[str, tuple[str, ...]] = {
    SID_PULL: PULL_ACTIONS,
    SID_LOGS: LOG_WRITE_ACTIONS,
    SID_SECRETS: SECRET_READ_ACTIONS,
    SID_PARAMETERS: PARAMETER_READ_ACTIONS,
    SID_DECRYPT: DECRYPT_ACTIONS,
}


def _by_sid(
    repository_arns: Iterable[str], log_group_arns: Iterable[str], secrets: SecretReads
) -> dict[str, list[str]]:
    return {
        SID_PULL: sorted_unique(repository_arns),
        SID_LOGS: sorted_unique(log_group_arns),
        SID_SECRETS: sorted_unique(secrets.secret_arns),
        SID_PARAMETERS: sorted_unique(secrets.parameter_arns),
        SID_DECRYPT: sorted_unique(secrets.key_arns),
    }


def _scoped_statements(arns_by_sid: dict[str, list[str]]) -> list[Statement]:
    statements: list[Statement] = []
    for sid, actions in SCOPED_ACTIONS.items():
        resources = sorted_unique(arns_by_sid.get(sid, ()))
        if resources:
            statements.append({"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": resources})
    return statements


class RolePermissionsTooLarge(ValueError):
    """The role's statements do not fit its inline policy and every managed policy it may have."""

    def __init__(self, size: int) -> None:
        self.size = size
        super().__init__(
            f"make execution role permissions of {size} characters, more than its inline policy "
            f"({ROLE_INLINE_POLICY_MAX_CHARS} characters) and {ROLE_MANAGED_POLICIES_MAX} managed policies "
            f"({MANAGED_POLICY_MAX_CHARS} each) can hold"
        )


@dataclass(frozen=True)
class ExecutionRolePolicies:
    """The role's permissions: the inline policy, and the customer managed policies by slot number
    (1 to ``ROLE_MANAGED_POLICIES_MAX``), empty slots left out."""

    inline: PolicyDocument
    managed: tuple[tuple[int, PolicyDocument], ...] = ()


def execution_role_policies(
    repository_arns: Iterable[str], log_group_arns: Iterable[str] = (), secrets: SecretReads = NO_SECRETS
) -> ExecutionRolePolicies:
    """``execution_role_policy`` as one inline policy while it fits IAM's 10,240 characters.

    Past that, every repository and log group ARN gets a slot: the inline policy (which keeps
    ``GetAuthorizationToken``) or one of the managed policies the role may have (10, each 6,144
    characters). Its home slot is a hash of the ARN, so adding or removing a service changes only
    the policy its ARNs land in; a full slot hands an ARN on to the next one. Raises
    ``RolePermissionsTooLarge`` when the slots cannot hold every ARN.
    """
    by_sid = _by_sid(repository_arns, log_group_arns, secrets)
    whole = document(AUTH_STATEMENT, *_scoped_statements(by_sid))
    if iam_policy_length(whole) <= ROLE_INLINE_POLICY_MAX_CHARS:
        return ExecutionRolePolicies(whole)
    slots = [_Slot(ROLE_INLINE_POLICY_MAX_CHARS, (AUTH_STATEMENT,))]
    slots += [_Slot(MANAGED_POLICY_MAX_CHARS) for _ in range(ROLE_MANAGED_POLICIES_MAX)]
    for arn, sid in sorted((a, sid) for sid, arns in by_sid.items() for a in arns):
        home = int.from_bytes(hashlib.sha256(arn.encode()).digest()[:8], "big") % len(slots)
        if not any(slots[(home + step) % len(slots)].add(sid, arn) for step in range(len(slots))):
            raise RolePermissionsTooLarge(iam_policy_length(whole))
    inline, *managed = (slot.document() for slot in slots)
    return ExecutionRolePolicies(
        inline, tuple((n, doc) for n, doc in enumerate(managed, 1) if doc["Statement"])
    )


class _Slot:
    """One policy being filled, with its exact rendered size kept as ARNs are added."""

    def __init__(self, limit: int, fixed: tuple[Statement, ...] = ()) -> None:
        self.limit = limit
        self.fixed = fixed
        self.arns: dict[str, list[str]] = {sid: [] for sid in SCOPED_ACTIONS}
        self.size = iam_policy_length(document(*fixed))

    def add(self, sid: str, arn: str) -> bool:
        """Add the ARN to the statement ``sid`` if the policy stays within its limit."""
        if self.arns[sid]:
            grown = self.size + len(json.dumps(arn)) + 1  # a comma and the quoted ARN
        else:
            statement = _scoped_statements({sid: [arn]})
            separator = 1 if self.fixed or any(self.arns.values()) else 0
            grown = self.size + len(canonical_json(statement[0])) + separator
        if grown > self.limit:
            return False
        self.arns[sid].append(arn)
        self.size = grown
        return True

    def document(self) -> PolicyDocument:
        return document(*self.fixed, *_scoped_statements(self.arns))


def ecs_tasks_trust_policy(account_id: str) -> PolicyDocument:
    """Trust ECS tasks of this account only (aws:SourceAccount guards against the confused deputy)."""
    return document(
        {
            "Sid": "EcsTasksAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": ECS_TASKS_SERVICE},
            "Action": ["sts:AssumeRole"],
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }
    )


def writable_volume_name(index: int) -> str:
    """The task-scoped volume of the container's ``index``-th writable path (from 1)."""
    return f"writable-{index}"


def task_volumes(container: ContainerSettings) -> list[dict[str, str]]:
    """One volume per writable path, with no host path: on Fargate that is the task's ephemeral
    storage, created with the task and gone with it (ECS developer guide, bind-mounts.html)."""
    return [{"name": writable_volume_name(i)} for i, _ in enumerate(container.writable_paths, 1)]


def container_definitions(
    family: str, image: str, container_port: int, region: str, container: ContainerSettings
) -> list[dict[str, Any]]:
    """The seed's step 3: one essential container running the shared image, logging to
    ``/ecs/<family>`` through the awslogs driver; its root filesystem read-only unless the service
    opts out, writable only at its writable paths. ``privileged`` is never written: Fargate refuses
    it, and absent is what Security Hub ECS.4 passes."""
    definition: dict[str, Any] = {
        "name": CONTAINER_NAME,
        "image": image,
        "essential": True,
        "portMappings": [{"containerPort": container_port, "protocol": "tcp"}],
        "readonlyRootFilesystem": container.readonly_root_filesystem,
    }
    if container.writable_paths:
        definition["mountPoints"] = [
            {"sourceVolume": writable_volume_name(i), "containerPath": path, "readOnly": False}
            for i, path in enumerate(container.writable_paths, 1)
        ]
    if container.user is not None:
        definition["user"] = container.user
    if container.secrets:
        definition["secrets"] = [{"name": s.name, "valueFrom": s.value_from} for s in container.secrets]
    definition["logConfiguration"] = {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": log_group_name(family),
            "awslogs-region": region,
            "awslogs-stream-prefix": CONTAINER_NAME,
        },
    }
    return [definition]


def container_definitions_json(
    family: str, image: str, container_port: int, region: str, container: ContainerSettings
) -> str:
    return json.dumps(
        container_definitions(family, image, container_port, region, container), separators=(",", ":")
    )


def secret_reads(containers: Iterable[ContainerSettings]) -> SecretReads:
    """What an execution role must read for these containers' secrets: each secret or parameter ARN
    and each customer managed key named."""
    secrets = [s for c in containers for s in c.secrets]
    return SecretReads(
        secret_arns=tuple(sorted_unique(s.value_from for s in secrets if not s.is_parameter)),
        parameter_arns=tuple(sorted_unique(s.value_from for s in secrets if s.is_parameter)),
        key_arns=tuple(sorted_unique(s.kms_key for s in secrets if s.kms_key is not None)),
    )
