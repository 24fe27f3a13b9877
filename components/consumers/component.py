"""Environment accounts: the ``PullExecutionRole``, ``AttachedPullPolicy`` and ``FargateTaskDefinition``
components. No
``from __future__ import annotations`` here: Pulumi's component host reads these annotations at run
time to build the package schema."""

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import pulumi

from components.args import ComponentArgs
from components.consumers.model import (
    AttachedPullPolicySpec,
    FargateTaskDefinitionSpec,
    PullExecutionRoleSpec,
)
from components.consumers.resources import (
    ATTACHED_PULL_POLICY,
    FARGATE_TASK_DEFINITION,
    FARGATE_TASK_DEFINITION_ALIASES,
    LOG_GROUP,
    POLICY,
    PULL_EXECUTION_ROLE,
    ROLE,
    TASK_DEFINITION,
    attached_pull_policy_args,
    fargate_task_definition_args,
    pull_execution_role_args,
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
    """The log groups its tasks write to, in its own account (arn:<partition>:logs:<region>:<account>:log-group:<name>:*); may be empty."""
    secret_arns: NotRequired[Sequence[str]]
    """Secrets Manager secrets (full ARNs, in its own account) its tasks read as container secrets: secretsmanager:GetSecretValue on exactly these."""
    parameter_arns: NotRequired[Sequence[str]]
    """SSM parameters (ARNs, in its own account) its tasks read as container secrets: ssm:GetParameters on exactly these."""
    decrypt_key_arns: NotRequired[Sequence[str]]
    """Customer managed KMS keys (ARNs, in its own account) that encrypt those secrets or parameters: kms:Decrypt on exactly these."""


class PullExecutionRole(PlannedComponent):
    """An ECS task execution role with ecr:GetAuthorizationToken on *, the pull actions on exactly the
    given repositories and log writes to its own log groups: one inline policy, or, past what that
    holds, customer managed policies attached to the role as well; no AWS managed policy."""

    _type_token = PULL_EXECUTION_ROLE
    _args = ComponentArgs(
        PullExecutionRoleArgs, PULL_EXECUTION_ROLE, PullExecutionRoleSpec, pull_execution_role_args
    )

    arn: pulumi.Output[str]
    """The role's ARN: the task definitions' execution role."""
    name: pulumi.Output[str]
    """The role's name."""

    def __init__(
        self, name: str, args: PullExecutionRoleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, args, opts)

    def _outputs(self, name: str, spec: PullExecutionRoleSpec) -> None:
        role = self.registered(ROLE, f"{name}-role")
        self.arn = role.arn
        self.name = role.name
        self.register_outputs({"arn": self.arn, "name": self.name})


class AttachedPullPolicyArgs(TypedDict):
    policy_name: str
    """The customer managed policy's name, 1 to 128 of [A-Za-z0-9_+=,.@-], unique in the account."""
    repository_arns: Sequence[str]
    """Exactly the repositories the roles may pull from."""
    role_names: Sequence[str]
    """Existing roles of the AWS provider's account (names, not ARNs) to attach the policy to."""


class AttachedPullPolicy(PlannedComponent):
    """The execution role's pull permissions (ecr:GetAuthorizationToken on *, the pull actions on
    exactly the given repositories) as one customer managed policy, attached to roles this stack
    does not create: an EKS node role, a CodeBuild role. The roles themselves are never changed
    otherwise."""

    _type_token = ATTACHED_PULL_POLICY
    _args = ComponentArgs(
        AttachedPullPolicyArgs,
        ATTACHED_PULL_POLICY,
        AttachedPullPolicySpec,
        attached_pull_policy_args,
    )

    policy_arn: pulumi.Output[str]
    """The managed policy's ARN."""

    def __init__(
        self, name: str, args: AttachedPullPolicyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, args, opts)

    def _outputs(self, name: str, spec: AttachedPullPolicySpec) -> None:
        self.policy_arn = self.registered(POLICY, f"{name}-policy").arn
        self.register_outputs({"policyArn": self.policy_arn})


class EcsServiceSettings(TypedDict):
    """An ECS service on Fargate that runs each new revision of the task definition, rolls back a
    failing deployment (circuit breaker) and is waited for until steady."""

    cluster_arn: str
    """The existing ECS cluster, in the account and Region of the AWS provider."""
    subnets: Sequence[str]
    """The subnets the tasks run in (1 to 16, one VPC)."""
    security_groups: Sequence[str]
    """The tasks' security groups (at most 5); empty: the VPC's default security group."""
    desired_count: int
    """How many tasks to keep running (0 to 5000)."""
    assign_public_ip: bool
    """Whether each task's network interface gets a public IP address."""


class ContainerSecretSettings(TypedDict):
    """An environment variable that ECS fills in from Secrets Manager or SSM Parameter Store when the
    task starts (the container's ``secrets``); the execution role must be able to read it
    (``PullExecutionRole``'s ``secret_arns``, ``parameter_arns`` and ``decrypt_key_arns``)."""

    name: str
    """The environment variable's name (a letter or _, then letters, digits or _)."""
    value_from: str
    """A Secrets Manager secret's full ARN (...:secret:<name>-<6 characters>) or an SSM parameter's ARN, in the Region of the task."""
    kms_key: NotRequired[str]
    """The customer managed key that encrypts it (a key ARN); left out: an AWS managed key."""


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
    readonly_root_filesystem: NotRequired[bool]
    """Whether the container's root filesystem is read-only (Security Hub ECS.5). Left out: true.
    False makes the preview warn; the container then writes anywhere, and ECS.5 fails."""
    writable_paths: NotRequired[Sequence[str]]
    """Absolute container paths the application may write to (at most 10), each on its own
    task-scoped volume (ephemeral: gone with the task). Left out: none."""
    user: NotRequired[str]
    """The user the container runs as: a non-root UID (1000), uid:gid (1000:1000) or a user name;
    root and UID 0 are refused. Left out: the image's USER."""
    secrets: NotRequired[Sequence[ContainerSecretSettings]]
    """The container's secrets (at most 50, unique names), all in one account and the task's Region. Left out: none."""
    ecs_service: NotRequired[EcsServiceSettings]
    """An ECS service on Fargate, named like the family, that runs every new revision (rolling update,
    circuit breaker with rollback, waits for a steady state). Left out: no service."""


class FargateTaskDefinition(PlannedComponent):
    """The seed's step 3: a Fargate task definition running one image from the shared registry, plus
    the log group its awslogs driver writes to; with ``ecs_service``, also the seed's last step, the
    ECS service that runs each new revision."""

    _type_token = FARGATE_TASK_DEFINITION
    _earlier_identities = FARGATE_TASK_DEFINITION_ALIASES
    _args = ComponentArgs(
        FargateTaskDefinitionArgs,
        FARGATE_TASK_DEFINITION,
        FargateTaskDefinitionSpec,
        fargate_task_definition_args,
        outputs=("execution_role_arn",),
    )

    arn: pulumi.Output[str]
    """The task definition's ARN, with its revision: what an ECS service runs."""
    family: pulumi.Output[str]
    """The task family."""
    image: pulumi.Output[str]
    """The image reference the container runs."""
    log_group_name: pulumi.Output[str]
    """The log group's name."""
    log_group_arn: pulumi.Output[str]
    """The log group's ARN."""

    def __init__(
        self, name: str, args: FargateTaskDefinitionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, args, opts)

    def _outputs(self, name: str, spec: FargateTaskDefinitionSpec) -> None:
        task_definition = self.registered(TASK_DEFINITION, f"{name}-task")
        log_group = self.registered(LOG_GROUP, f"{name}-logs")
        self.arn = task_definition.arn
        self.family = task_definition.family
        self.image = pulumi.Output.from_input(spec.image)
        self.log_group_name = log_group.name
        self.log_group_arn = log_group.arn
        self.register_outputs(
            {
                "arn": self.arn,
                "family": self.family,
                "image": self.image,
                "logGroupName": self.log_group_name,
                "logGroupArn": self.log_group_arn,
            }
        )
