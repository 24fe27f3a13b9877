"""What an environment stack's services plan: the execution role, the pull policy of existing
roles and one task definition (with its optional ECS service) per service, as the components'
``Resource`` records, and the preview's warnings on how the services run."""

from __future__ import annotations

from collections.abc import Mapping

from components.aws import rules
from components.aws.names import (
    ecs_cluster_arn,
    execution_role_arn,
    execution_role_name,
    log_group_arn,
    pull_policy_name,
)
from components.aws.policy import iam_policy_length
from components.config.model import EnvironmentStack
from components.consumers.documents import (
    RolePermissionsTooLarge,
    execution_role_policies,
    execution_role_policy,
    secret_reads,
)
from components.consumers.model import (
    AttachedPullPolicySpec,
    ClusterService,
    EcsServiceSpec,
    FargateTaskDefinitionSpec,
    PullExecutionRoleSpec,
)
from components.consumers.resources import (
    ATTACHED_PULL_POLICY,
    FARGATE_TASK_DEFINITION,
    FARGATE_TASK_DEFINITION_ALIASES,
    PULL_EXECUTION_ROLE,
    TASK_DEFINITION,
    ecs_service_key,
)
from components.errors import ConfigError
from components.plan.model import OutputRef, Resource, key
from components.project import key as config_key


def execution_role(config: EnvironmentStack, sources: Mapping[str, str]) -> Resource:
    """The stack's execution role, pulling exactly ``sources`` (repository name -> the ARN it is
    pulled from) and writing each service's logs."""
    return Resource(PULL_EXECUTION_ROLE, "execution", model=_role_spec(config, sources))


def attached_pull_policy(name: str, config: EnvironmentStack, sources: Mapping[str, str]) -> Resource:
    """The existing roles (``pullRoles``) pull exactly what the execution role pulls."""
    return Resource(ATTACHED_PULL_POLICY, name, model=_attached_spec(config, sources))


def task_definitions(config: EnvironmentStack, images: Mapping[str, str], role: Resource) -> list[Resource]:
    """One ``FargateTaskDefinition`` per service, running its image (``images``: service name -> the
    image reference), each waiting for the execution role."""
    role_arn = execution_role_arn(config.region, config.account_id, config.stack)
    definitions = []
    for service in config.services:
        spec = FargateTaskDefinitionSpec(
            family=service.name,
            image=images[service.name],
            cpu=service.cpu,
            memory=service.memory,
            container_port=service.container_port,
            execution_role_arn=role_arn,
            region=config.region,
            log_retention_days=config.log_retention_days,
            container=service.container,
            ecs_service=None
            if service.ecs_service is None
            else _cluster_service(config, service.ecs_service),
        )
        definitions.append(
            Resource(
                FARGATE_TASK_DEFINITION,
                service.name,
                model=spec,
                # A task must not start before its role can pull.
                depends_on=(role.key,),
                aliases=FARGATE_TASK_DEFINITION_ALIASES,
            )
        )
    return definitions


def task_definition_exports(config: EnvironmentStack) -> dict[str, OutputRef]:
    """Service name -> its task definition's ARN, known once deployed."""
    return {s.name: OutputRef(key(TASK_DEFINITION, f"{s.name}-task"), "arn") for s in config.services}


def ecs_service_exports(config: EnvironmentStack) -> dict[str, dict[str, object]]:
    """What a release needs to find and check each ECS service: its cluster and name, and the task
    definition it runs as read back after the update. With wait_for_steady_state an update also
    succeeds when the circuit breaker rolled the service back to the previous revision (pulumi-awsx
    #1848, terraform-provider-aws #20858), so a release compares ``taskDefinitionArn`` with
    ``taskDefinitionArns`` rather than trusting the update's result."""
    return {
        s.name: {
            "cluster": ecs_cluster_arn(config.region, config.account_id, s.ecs_service.cluster),
            "serviceName": s.name,
            "taskDefinitionArn": OutputRef(ecs_service_key(s.name), "task_definition"),
        }
        for s in config.services
        if s.ecs_service is not None
    }


def service_warnings(config: EnvironmentStack) -> list[str]:
    """The preview's warnings on how the services run: each service that opts out of a read-only
    root filesystem (Security Hub ECS.5 fails on it), each ECS service given public IPs (ECS.2), and
    one note naming the services that set no ``user`` (one note per stack, not per service: the
    same advice repeated is noise). Warned, not refused: each is a choice a team may have to make
    (an image that writes where it cannot be told otherwise; public subnets with no NAT gateway or
    VPC endpoints to pull through)."""
    warnings = [
        f"{config_key('services')}[{index}].readonlyRootFilesystem is false: service {service.name}'s "
        "container may write anywhere on its root filesystem, which fails AWS Security Hub control "
        "ECS.5 (ECS containers should be limited to read-only access to root filesystems); give the "
        "paths it writes to as writablePaths instead"
        for index, service in enumerate(config.services)
        if not service.container.readonly_root_filesystem
    ]
    warnings += [
        f"{config_key('services')}[{index}].ecsService.assignPublicIp is true: service {service.name}'s "
        "tasks get public IP addresses, which fails AWS Security Hub control ECS.2 (ECS services "
        "should not have public IP addresses assigned to them automatically); run them in private "
        "subnets that pull through a NAT gateway or VPC endpoints instead"
        for index, service in enumerate(config.services)
        if service.ecs_service is not None and service.ecs_service.assign_public_ip
    ]
    rootless = [s.name for s in config.services if s.container.user is None]
    if rootless:
        warnings.append(
            f"services {', '.join(rootless)} set no user: their containers run as their image's USER, "
            f"root if the image names none; set {config_key('services')}[i].user to a non-root UID "
            "(1000, 1000:1000) or user name"
        )
    return warnings


def _cluster_service(config: EnvironmentStack, ecs: EcsServiceSpec) -> ClusterService:
    """The component's ECS service: the cluster by ARN, in this stack's account and Region."""
    return ClusterService(
        ecs_cluster_arn(config.region, config.account_id, ecs.cluster),
        ecs.subnets,
        ecs.security_groups,
        ecs.desired_count,
        ecs.assign_public_ip,
    )


def _role_spec(config: EnvironmentStack, sources: Mapping[str, str]) -> PullExecutionRoleSpec:
    """The role's record, its permissions packed once, here (the component reads the packing)."""
    repositories = tuple(sorted(sources.values()))
    log_groups = tuple(log_group_arn(config.region, config.account_id, s.name) for s in config.services)
    secrets = secret_reads(s.container for s in config.services)
    try:
        policies = execution_role_policies(repositories, log_groups, secrets)
    except RolePermissionsTooLarge as error:
        raise ConfigError(
            config_key("services"),
            f"{len(config.services)} services pulling {len(sources)} repositories",
            f"{error}: split the services over more stacks",
        ) from None
    return PullExecutionRoleSpec(
        execution_role_name(config.stack), config.account_id, repositories, log_groups, secrets, policies
    )


def _attached_spec(config: EnvironmentStack, sources: Mapping[str, str]) -> AttachedPullPolicySpec:
    """The existing roles pull exactly what the execution role pulls, from the same registries."""
    size = iam_policy_length(execution_role_policy(sources.values()))
    if size > rules.MANAGED_POLICY_MAX_CHARS:
        raise ConfigError(
            config_key("pullRoles"),
            f"{len(sources)} repositories",
            f"make a pull policy of {size} characters, over IAM's {rules.MANAGED_POLICY_MAX_CHARS}-character "
            "limit for a managed policy: split the services over more stacks",
        )
    return AttachedPullPolicySpec(
        pull_policy_name(config.stack),
        tuple(sorted(sources.values())),
        tuple(r.name for r in config.pull_roles),
    )
