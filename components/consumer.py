"""Environment accounts: the ECS task execution role that pulls across accounts, and the Fargate
task definitions that run the shared images."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components import aws_rules
from components.containers import container_definitions_json
from components.errors import ConfigError
from components.model import ServiceSpec
from components.naming import EXECUTION_ROLE_POLICY_NAME, log_group_name
from components.policies import (
    canonical_json,
    ecs_tasks_trust_policy,
    execution_role_policy,
    iam_policy_length,
)

EXECUTION_ROLE_TOKEN = "ecr-share:index:PullExecutionRole"
TASK_DEFINITION_TOKEN = "ecr-share:index:CrossAccountTaskDefinition"


class PullExecutionRoleArgs(TypedDict):
    role_name: str
    """The IAM role name (``components.naming.execution_role_name``)."""
    account_id: str
    """The environment account: only its ECS tasks may assume the role."""
    repository_arns: pulumi.Input[Sequence[str]]
    """Exactly the repositories this environment pulls from."""
    log_group_arns: Sequence[str]
    """The log groups its tasks write to (``components.naming.log_group_arn``)."""


def role_policy_json(repository_arns: Sequence[str], log_group_arns: Sequence[str]) -> str:
    document = execution_role_policy(repository_arns, log_group_arns)
    if iam_policy_length(document) > aws_rules.ROLE_INLINE_POLICY_MAX_CHARS:
        raise ConfigError(
            "ecr-share:services",
            f"{len(repository_arns)} repositories",
            f"make an execution role policy over IAM's {aws_rules.ROLE_INLINE_POLICY_MAX_CHARS}-character "
            "limit: split the services over more stacks",
        )
    return canonical_json(document)


class PullExecutionRole(pulumi.ComponentResource):
    """An ECS task execution role with ``ecr:GetAuthorizationToken`` on ``*``, the pull actions on
    exactly the given repositories and log writes to its own log groups; no AWS managed policy."""

    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(
        self, name: str, args: PullExecutionRoleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(EXECUTION_ROLE_TOKEN, name, None, opts)
        if aws_rules.ROLE_NAME.fullmatch(args["role_name"]) is None:
            raise ConfigError(
                "role name", args["role_name"], "is not an IAM role name (1 to 64 of [\\w+=,.@-])"
            )
        role = aws.iam.Role(
            name,
            name=args["role_name"],
            assume_role_policy=canonical_json(ecs_tasks_trust_policy(args["account_id"])),
            description="ecr-share: pulls images from the shared ECR registry for ECS tasks",
            opts=pulumi.ResourceOptions(parent=self),
        )
        log_groups = list(args["log_group_arns"])
        aws.iam.RolePolicy(
            f"{name}-pull",
            name=EXECUTION_ROLE_POLICY_NAME,
            role=role.id,
            policy=pulumi.Output.from_input(args["repository_arns"]).apply(
                lambda arns: role_policy_json(list(arns), log_groups)
            ),
            opts=pulumi.ResourceOptions(parent=role),
        )
        self.arn = role.arn
        self.name = role.name
        self.register_outputs({"arn": self.arn, "name": self.name})


class CrossAccountTaskDefinitionArgs(TypedDict):
    service: ServiceSpec
    """The validated service (``components.stack_config.parse_service``)."""
    image: pulumi.Input[str]
    """The full image reference in the build account's registry, with a tag or a digest."""
    execution_role_arn: pulumi.Input[str]
    region: str
    log_retention_days: int


class CrossAccountTaskDefinition(pulumi.ComponentResource):
    """The seed's step 3: a Fargate task definition whose image lives in another account, plus the
    log group its awslogs driver writes to."""

    arn: pulumi.Output[str]
    image: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: CrossAccountTaskDefinitionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TASK_DEFINITION_TOKEN, name, None, opts)
        service = args["service"]
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=log_group_name(service.name),
            retention_in_days=args["log_retention_days"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        image = pulumi.Output.from_input(args["image"])
        task_definition = aws.ecs.TaskDefinition(
            name,
            family=service.name,
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            cpu=str(service.cpu),
            memory=str(service.memory),
            execution_role_arn=args["execution_role_arn"],
            container_definitions=image.apply(
                lambda reference: container_definitions_json(service, reference, args["region"])
            ),
            # The log group must exist before a task starts writing to it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group]),
        )
        self.arn = task_definition.arn
        self.image = image
        self.log_group_name = log_group.name
        self.register_outputs({"arn": self.arn, "image": self.image, "logGroupName": self.log_group_name})
