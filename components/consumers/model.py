"""The validated services of an environment stack: plain frozen records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.consumers.documents import ExecutionRolePolicies, SecretReads


@dataclass(frozen=True)
class EcsServiceSpec:
    """An ECS service on Fargate, in an existing cluster of the stack's own account and Region, that
    runs the service's task definition."""

    cluster: str
    """The cluster's name (a cluster ARN in config is checked and reduced to its name)."""
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...] = ()
    """Empty: ECS uses the VPC's default security group."""
    desired_count: int = 1
    assign_public_ip: bool = False


@dataclass(frozen=True)
class ContainerSecret:
    """An environment variable of the container that ECS fills in from Secrets Manager or SSM
    Parameter Store when the task starts."""

    name: str
    value_from: str
    """The secret's or parameter's ARN, in the task's account and Region."""
    kms_key: str | None = None
    """The customer managed key that encrypts it; None: an AWS managed key, which needs no grant."""

    @property
    def is_parameter(self) -> bool:
        return ":ssm:" in self.value_from


@dataclass(frozen=True)
class ContainerSettings:
    """How the service's container runs, secure by default (Security Hub ECS.4 and ECS.5)."""

    readonly_root_filesystem: bool = True
    writable_paths: tuple[str, ...] = ()
    """Absolute container paths, each mounted on its own task-scoped volume (Fargate's ephemeral
    storage, gone with the task): what an application with a read-only root filesystem may write."""
    user: str | None = None
    """A non-root user (uid, uid:gid or a name); None: the image's USER."""
    secrets: tuple[ContainerSecret, ...] = ()


@dataclass(frozen=True)
class ServiceSpec:
    """One Fargate task definition running one image from the shared registry, and optionally the
    ECS service that runs it."""

    name: str
    repository: str
    cpu: int
    memory: int
    container_port: int
    image_tag: str | None = None
    image_digest: str | None = None
    ecs_service: EcsServiceSpec | None = None
    container: ContainerSettings = ContainerSettings()


@dataclass(frozen=True)
class ExistingRole:
    """An IAM role of the environment's account that the stack does not create (an EKS node role, a
    CodeBuild role) and attaches the pull policy to."""

    name: str
    arn: str


@dataclass(frozen=True)
class PullExecutionRoleSpec:
    """What a ``PullExecutionRole`` registers from: the role, what it pulls, logs and reads, and its
    permissions packed into the inline policy and the managed policies (``execution_role_policies``),
    packed once, when the record is made."""

    role_name: str
    account_id: str
    repository_arns: tuple[str, ...]
    log_group_arns: tuple[str, ...]
    secrets: SecretReads
    policies: ExecutionRolePolicies


@dataclass(frozen=True)
class AttachedPullPolicySpec:
    """What an ``AttachedPullPolicy`` registers from: the managed policy and the existing roles."""

    policy_name: str
    repository_arns: tuple[str, ...]
    role_names: tuple[str, ...]


@dataclass(frozen=True)
class ClusterService:
    """The ECS service a ``FargateTaskDefinition`` runs its task definition with, in a cluster named
    by ARN (the component does not know its provider's account)."""

    cluster_arn: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    desired_count: int
    assign_public_ip: bool


@dataclass(frozen=True)
class FargateTaskDefinitionSpec:
    """What a ``FargateTaskDefinition`` registers from."""

    family: str
    image: str
    cpu: int
    memory: int
    container_port: int
    execution_role_arn: Any
    """The role's ARN; from a Python caller, possibly an ``Output`` (a ``PullExecutionRole``'s arn)."""
    region: str
    log_retention_days: int
    container: ContainerSettings = ContainerSettings()
    ecs_service: ClusterService | None = None
