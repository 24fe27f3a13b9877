"""Environment accounts: the ``PullExecutionRole`` and ``FargateTaskDefinition`` components. No
``from __future__ import annotations`` here: Pulumi's component host reads these annotations at run
time to build the package schema."""

from collections.abc import Sequence
from typing import TypedDict

import pulumi

from components.consumers.resources import (
    FARGATE_TASK_DEFINITION,
    FARGATE_TASK_DEFINITION_ALIASES,
    LOG_GROUP,
    PULL_EXECUTION_ROLE,
    ROLE,
    TASK_DEFINITION,
    fargate_task_definition_resources,
    pull_execution_role_resources,
)
from components.plan.register import PlannedComponent


class PullExecutionRoleArgs(TypedDict):
    role_name: str
    """The IAM role name, 1 to 64 of [A-Za-z0-9_+=,.@-]."""
    account_id: str
    """The environment account: only its ECS tasks may assume the role."""
    repository_arns: Sequence[str]
    """Exactly the repositories this environment pulls from."""
    log_group_arns: Sequence[str]
    """The log groups its tasks write to (arn:<partition>:logs:<region>:<account>:log-group:<name>:*)."""


class PullExecutionRole(PlannedComponent):
    """An ECS task execution role with ecr:GetAuthorizationToken on *, the pull actions on exactly the
    given repositories and log writes to its own log groups: one inline policy, or, past what that
    holds, customer managed policies attached to the role as well; no AWS managed policy."""

    _type_token = PULL_EXECUTION_ROLE

    arn: pulumi.Output[str]
    """The role's ARN: the task definitions' execution role."""
    name: pulumi.Output[str]
    """The role's name."""

    def __init__(
        self, name: str, args: PullExecutionRoleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, pull_execution_role_resources(name, args), opts)
        role = self.registered(ROLE, f"{name}-role")
        self.arn = role.arn
        self.name = role.name
        self.register_outputs({"arn": self.arn, "name": self.name})


class FargateTaskDefinitionArgs(TypedDict):
    family: str
    """The task family; the log group is /ecs/<family>."""
    image: str
    """The full image reference, with a tag or a digest."""
    cpu: int
    """CPU units of a Fargate size (256, 512, 1024, ...)."""
    memory: int
    """Memory in MiB, valid for the cpu."""
    container_port: int
    """The container's TCP port."""
    execution_role_arn: pulumi.Input[str]
    """The execution role that pulls the image (a PullExecutionRole's arn)."""
    region: str
    """The Region the awslogs driver writes to: the Region of the AWS provider."""
    log_retention_days: int
    """Retention of the log group, a CloudWatch Logs value (1, 3, 5, 7, 14, 30, ...)."""


class FargateTaskDefinition(PlannedComponent):
    """The seed's step 3: a Fargate task definition running one image from the shared registry, plus
    the log group its awslogs driver writes to."""

    _type_token = FARGATE_TASK_DEFINITION

    arn: pulumi.Output[str]
    """The task definition's ARN, with its revision."""
    image: pulumi.Output[str]
    """The image reference the container runs."""
    log_group_name: pulumi.Output[str]
    """The log group's name."""

    def __init__(
        self, name: str, args: FargateTaskDefinitionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(
            name, fargate_task_definition_resources(name, args), opts, FARGATE_TASK_DEFINITION_ALIASES
        )
        self.arn = self.registered(TASK_DEFINITION, f"{name}-task").arn
        self.image = pulumi.Output.from_input(args["image"])
        self.log_group_name = self.registered(LOG_GROUP, f"{name}-logs").name
        self.register_outputs({"arn": self.arn, "image": self.image, "logGroupName": self.log_group_name})
