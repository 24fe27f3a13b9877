"""The validated services of an environment stack: plain frozen records."""

from __future__ import annotations

from dataclasses import dataclass


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
