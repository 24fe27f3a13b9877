"""What ``PullExecutionRole``, ``AttachedPullPolicy`` and ``FargateTaskDefinition`` register, as plain
data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.aws.names import EXECUTION_ROLE_POLICY_NAME, log_group_name
from components.aws.policy import canonical_json
from components.aws.rules import ECS_LAUNCH_TYPE
from components.consumers.documents import (
    container_definitions_json,
    ecs_tasks_trust_policy,
    execution_role_policy,
    task_volumes,
)
from components.consumers.model import (
    AttachedPullPolicySpec,
    ClusterService,
    ContainerSecret,
    FargateTaskDefinitionSpec,
    PullExecutionRoleSpec,
)
from components.plan.model import COMPONENT_PREFIX, Alias, OutputRef, Resource, key

if TYPE_CHECKING:
    from components.consumers.component import (
        AttachedPullPolicyArgs,
        ContainerSecretSettings,
        EcsServiceSettings,
        FargateTaskDefinitionArgs,
        PullExecutionRoleArgs,
    )

PULL_EXECUTION_ROLE = f"{COMPONENT_PREFIX}PullExecutionRole"
ATTACHED_PULL_POLICY = f"{COMPONENT_PREFIX}AttachedPullPolicy"
FARGATE_TASK_DEFINITION = f"{COMPONENT_PREFIX}FargateTaskDefinition"
# Its name until 2026-12; the image may be in the same account (a replica), so "cross-account" misled.
FARGATE_TASK_DEFINITION_ALIASES = (Alias(type=f"{COMPONENT_PREFIX}CrossAccountTaskDefinition"),)
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
ROLE_DESCRIPTION = "ecr-share: pulls images from the shared ECR registry for ECS tasks"
ATTACHED_POLICY_DESCRIPTION = "ecr-share: pull the shared ECR images this stack's services run"
# A rolling update that never runs fewer tasks than asked for: ECS starts the new revision's tasks
# (up to twice the desired count) before it stops the old ones. These are ECS's defaults for a
# REPLICA service (DeploymentConfiguration), written out so the plan says what a rollout does.
MINIMUM_HEALTHY_PERCENT = 100
MAXIMUM_PERCENT = 200


def managed_policy_name(role_name: str, slot: int) -> str:
    """A customer managed policy of the role: IAM names are unique per account, as role names are."""
    return f"{role_name}-pull-{slot}"


def pull_execution_role_resources(name: str, spec: PullExecutionRoleSpec) -> tuple[Resource, ...]:
    """The role (trusted by this account's ECS tasks only) and its inline policy, plus the customer
    managed policies its permissions are split over when one inline policy cannot hold them; no AWS
    managed policy, since AmazonECSTaskExecutionRolePolicy grants the ECR reads on every repository."""
    role_name = spec.role_name
    policies = spec.policies
    role = Resource(
        ROLE,
        f"{name}-role",
        {
            "name": role_name,
            "assume_role_policy": canonical_json(ecs_tasks_trust_policy(spec.account_id)),
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


def attached_policy_json(spec: AttachedPullPolicySpec) -> str:
    """The execution role's pull statements (no log writes: those are the execution role's own)."""
    return canonical_json(execution_role_policy(spec.repository_arns))


def attached_pull_policy_resources(name: str, spec: AttachedPullPolicySpec) -> tuple[Resource, ...]:
    """One customer managed policy, attached to each existing role. Managed rather than inline: its
    size limit is its own (6,144 characters, checked before deploying), where an inline policy
    shares the role's 10,240 with inline policies this stack cannot see; and attaching changes
    nothing else of a role this stack does not own. Destroying the stack detaches and deletes it."""
    policy = Resource(
        POLICY,
        f"{name}-policy",
        {
            "name": spec.policy_name,
            "policy": attached_policy_json(spec),
            "description": ATTACHED_POLICY_DESCRIPTION,
        },
        parent=key(ATTACHED_PULL_POLICY, name),
    )
    attachments = tuple(
        Resource(
            ROLE_POLICY_ATTACHMENT,
            f"{name}-{role}",
            # The policy's ARN, an output, makes each attachment wait for the policy.
            {"role": role, "policy_arn": OutputRef(policy.key, "arn")},
            parent=key(ATTACHED_PULL_POLICY, name),
        )
        for role in spec.role_names
    )
    return policy, *attachments


def fargate_task_definition_resources(name: str, spec: FargateTaskDefinitionSpec) -> tuple[Resource, ...]:
    """The log group the awslogs driver writes to, then the task definition running the image."""
    family = spec.family
    log_group = Resource(
        LOG_GROUP,
        f"{name}-logs",
        {"name": log_group_name(family), "retention_in_days": spec.log_retention_days},
        parent=key(FARGATE_TASK_DEFINITION, name),
    )
    container = spec.container
    inputs: dict[str, object] = {
        "family": family,
        "network_mode": "awsvpc",
        "requires_compatibilities": ["FARGATE"],
        "cpu": str(spec.cpu),
        "memory": str(spec.memory),
        "execution_role_arn": spec.execution_role_arn,
        "container_definitions": container_definitions_json(
            family, spec.image, spec.container_port, spec.region, container
        ),
    }
    if container.writable_paths:
        inputs["volumes"] = task_volumes(container)
    task_definition = Resource(
        TASK_DEFINITION,
        f"{name}-task",
        inputs,
        parent=key(FARGATE_TASK_DEFINITION, name),
        # The log group must exist before a task starts writing to it.
        depends_on=(log_group.key,),
        aliases=(Alias(name=name),),
    )
    if spec.ecs_service is None:
        return log_group, task_definition
    return log_group, task_definition, ecs_service(name, family, spec.ecs_service, task_definition)


def ecs_service_key(name: str) -> str:
    """The planned key of the ECS service a ``FargateTaskDefinition`` named ``name`` registers."""
    return key(ECS_SERVICE, f"{name}-service")


def ecs_service(name: str, family: str, service: ClusterService, task_definition: Resource) -> Resource:
    """The ECS service, named like the family, running the task definition's latest revision: its ARN
    is an output, so every new revision is an update of the service, which ECS rolls out. The circuit
    breaker stops a rollout whose tasks do not reach a steady state and rolls back to the last
    deployment that completed; the provider waits for the steady state, so ``pulumi up`` ends only
    when the rollout (or its rollback) has. No ``iam_role``: with awsvpc, ECS uses its service-linked
    role (CreateService ``role`` doc)."""
    network: dict[str, object] = {
        "subnets": list(service.subnets),
        "assign_public_ip": service.assign_public_ip,
    }
    if service.security_groups:
        network["security_groups"] = list(service.security_groups)
    return Resource(
        ECS_SERVICE,
        f"{name}-service",
        {
            "name": family,
            "cluster": service.cluster_arn,
            "task_definition": OutputRef(task_definition.key, "arn"),
            "launch_type": ECS_LAUNCH_TYPE,
            "desired_count": service.desired_count,
            "network_configuration": network,
            "deployment_circuit_breaker": {"enable": True, "rollback": True},
            "deployment_minimum_healthy_percent": MINIMUM_HEALTHY_PERCENT,
            "deployment_maximum_percent": MAXIMUM_PERCENT,
            "wait_for_steady_state": True,
        },
        parent=key(FARGATE_TASK_DEFINITION, name),
    )


# The models as the components' args (Python names, defaults filled in): what each args check takes
# back to the same model (tests/package/test_component_args.py proves the round trip).


def pull_execution_role_args(spec: PullExecutionRoleSpec) -> PullExecutionRoleArgs:
    args: PullExecutionRoleArgs = {
        "role_name": spec.role_name,
        "account_id": spec.account_id,
        "repository_arns": list(spec.repository_arns),
        "log_group_arns": list(spec.log_group_arns),
    }
    # Each list only when it has an ARN.
    if spec.secrets.secret_arns:
        args["secret_arns"] = list(spec.secrets.secret_arns)
    if spec.secrets.parameter_arns:
        args["parameter_arns"] = list(spec.secrets.parameter_arns)
    if spec.secrets.key_arns:
        args["decrypt_key_arns"] = list(spec.secrets.key_arns)
    return args


def attached_pull_policy_args(spec: AttachedPullPolicySpec) -> AttachedPullPolicyArgs:
    return {
        "policy_name": spec.policy_name,
        "repository_arns": list(spec.repository_arns),
        "role_names": list(spec.role_names),
    }


def fargate_task_definition_args(spec: FargateTaskDefinitionSpec) -> FargateTaskDefinitionArgs:
    container = spec.container
    args: FargateTaskDefinitionArgs = {
        "family": spec.family,
        "image": spec.image,
        "cpu": spec.cpu,
        "memory": spec.memory,
        "container_port": spec.container_port,
        "execution_role_arn": spec.execution_role_arn,
        "region": spec.region,
        "log_retention_days": spec.log_retention_days,
        "readonly_root_filesystem": container.readonly_root_filesystem,
    }
    if container.writable_paths:
        args["writable_paths"] = list(container.writable_paths)
    if container.user is not None:
        args["user"] = container.user
    if container.secrets:
        args["secrets"] = [_secret_args(s) for s in container.secrets]
    if spec.ecs_service is not None:
        args["ecs_service"] = _ecs_service_args(spec.ecs_service)
    return args


def _secret_args(secret: ContainerSecret) -> ContainerSecretSettings:
    settings: ContainerSecretSettings = {"name": secret.name, "value_from": secret.value_from}
    if secret.kms_key is not None:
        settings["kms_key"] = secret.kms_key
    return settings


def _ecs_service_args(service: ClusterService) -> EcsServiceSettings:
    return {
        "cluster_arn": service.cluster_arn,
        "subnets": list(service.subnets),
        "security_groups": list(service.security_groups),
        "desired_count": service.desired_count,
        "assign_public_ip": service.assign_public_ip,
    }
