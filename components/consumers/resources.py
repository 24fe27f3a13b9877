"""What ``PullExecutionRole`` and ``FargateTaskDefinition`` register, as plain data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.aws.names import EXECUTION_ROLE_POLICY_NAME, log_group_name
from components.aws.policy import canonical_json
from components.consumers.documents import (
    ExecutionRolePolicies,
    container_definitions_json,
    ecs_tasks_trust_policy,
    execution_role_policies,
)
from components.plan.model import COMPONENT_PREFIX, Alias, OutputRef, Resource, key

if TYPE_CHECKING:
    from components.consumers.component import FargateTaskDefinitionArgs, PullExecutionRoleArgs

PULL_EXECUTION_ROLE = f"{COMPONENT_PREFIX}PullExecutionRole"
FARGATE_TASK_DEFINITION = f"{COMPONENT_PREFIX}FargateTaskDefinition"
# Its name until 2026-12; the image may be in the same account (a replica), so "cross-account" misled.
FARGATE_TASK_DEFINITION_ALIASES = (Alias(type=f"{COMPONENT_PREFIX}CrossAccountTaskDefinition"),)
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ROLE_DESCRIPTION = "ecr-share: pulls images from the shared ECR registry for ECS tasks"


def role_policies(args: PullExecutionRoleArgs) -> ExecutionRolePolicies:
    return execution_role_policies(args["repository_arns"], args["log_group_arns"])


def managed_policy_name(role_name: str, slot: int) -> str:
    """A customer managed policy of the role: IAM names are unique per account, as role names are."""
    return f"{role_name}-pull-{slot}"


def pull_execution_role_resources(name: str, args: PullExecutionRoleArgs) -> tuple[Resource, ...]:
    """The role (trusted by this account's ECS tasks only) and its inline policy, plus the customer
    managed policies its permissions are split over when one inline policy cannot hold them; no AWS
    managed policy, since AmazonECSTaskExecutionRolePolicy grants the ECR reads on every repository."""
    role_name = args["role_name"]
    policies = role_policies(args)
    role = Resource(
        ROLE,
        f"{name}-role",
        {
            "name": role_name,
            "assume_role_policy": canonical_json(ecs_tasks_trust_policy(args["account_id"])),
            "description": ROLE_DESCRIPTION,
        },
        parent=key(PULL_EXECUTION_ROLE, name),
        # Named like the component until 2026-12; a plan tells resources apart by type and name.
        aliases=(Alias(name=name),),
    )
    resources = [
        role,
        Resource(
            ROLE_POLICY,
            f"{name}-pull",
            {
                "name": EXECUTION_ROLE_POLICY_NAME,
                "role": role_name,
                "policy": canonical_json(policies.inline),
            },
            parent=role.key,
            depends_on=(role.key,),
        ),
    ]
    for slot, managed in policies.managed:
        policy = Resource(
            POLICY,
            f"{name}-pull-{slot}",
            {
                "name": managed_policy_name(role_name, slot),
                "policy": canonical_json(managed),
                "description": f"ecr-share: part {slot} of the pull and log permissions of role {role_name}",
            },
            parent=role.key,
        )
        resources += [
            policy,
            Resource(
                ROLE_POLICY_ATTACHMENT,
                f"{name}-pull-{slot}",
                # The policy's ARN, an output, makes the attachment wait for the policy too.
                {"role": role_name, "policy_arn": OutputRef(policy.key, "arn")},
                parent=role.key,
                depends_on=(role.key,),
            ),
        ]
    return tuple(resources)


def fargate_task_definition_resources(name: str, args: FargateTaskDefinitionArgs) -> tuple[Resource, ...]:
    """The log group the awslogs driver writes to, then the task definition running the image."""
    family = args["family"]
    log_group = Resource(
        LOG_GROUP,
        f"{name}-logs",
        {"name": log_group_name(family), "retention_in_days": args["log_retention_days"]},
        parent=key(FARGATE_TASK_DEFINITION, name),
    )
    task_definition = Resource(
        TASK_DEFINITION,
        f"{name}-task",
        {
            "family": family,
            "network_mode": "awsvpc",
            "requires_compatibilities": ["FARGATE"],
            "cpu": str(args["cpu"]),
            "memory": str(args["memory"]),
            "execution_role_arn": args["execution_role_arn"],
            "container_definitions": container_definitions_json(
                family, str(args["image"]), args["container_port"], args["region"]
            ),
        },
        parent=key(FARGATE_TASK_DEFINITION, name),
        # The log group must exist before a task starts writing to it.
        depends_on=(log_group.key,),
        aliases=(Alias(name=name),),
    )
    return log_group, task_definition
