"""The execution role's trust and permission policies and the container definitions, as pure
functions of plain values."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from components.aws.names import log_group_name
from components.aws.policy import PolicyDocument, Statement, document, sorted_unique
from components.aws.rules import AUTH_ACTION, ECS_TASKS_SERVICE, LOG_WRITE_ACTIONS, PULL_ACTIONS

SID_AUTH = "ECRAuth"
SID_PULL = "ECRPull"
SID_LOGS = "WriteOwnLogs"
CONTAINER_NAME = "app"


def execution_role_policy(
    repository_arns: Iterable[str], log_group_arns: Iterable[str] = ()
) -> PolicyDocument:
    """The seed's step 2 (``GetAuthorizationToken`` on ``*``, pull on exactly these repositories),
    plus log writes to the role's own log groups."""
    statements: list[Statement] = [
        {"Sid": SID_AUTH, "Effect": "Allow", "Action": [AUTH_ACTION], "Resource": "*"},
    ]
    repositories = sorted_unique(repository_arns)
    if repositories:
        statements.append(
            {"Sid": SID_PULL, "Effect": "Allow", "Action": list(PULL_ACTIONS), "Resource": repositories}
        )
    log_groups = sorted_unique(log_group_arns)
    if log_groups:
        statements.append(
            {"Sid": SID_LOGS, "Effect": "Allow", "Action": list(LOG_WRITE_ACTIONS), "Resource": log_groups}
        )
    return document(*statements)


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


def container_definitions(family: str, image: str, container_port: int, region: str) -> list[dict[str, Any]]:
    """The seed's step 3: one essential container running the shared image, logging to
    ``/ecs/<family>`` through the awslogs driver."""
    return [
        {
            "name": CONTAINER_NAME,
            "image": image,
            "essential": True,
            "portMappings": [{"containerPort": container_port, "protocol": "tcp"}],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group_name(family),
                    "awslogs-region": region,
                    "awslogs-stream-prefix": CONTAINER_NAME,
                },
            },
        }
    ]


def container_definitions_json(family: str, image: str, container_port: int, region: str) -> str:
    return json.dumps(container_definitions(family, image, container_port, region), separators=(",", ":"))
