"""The plan of an environment stack, from its config and its build stack's checked outputs."""

from __future__ import annotations

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
from components.consumers.model import ContainerSettings, EcsServiceSpec
from components.consumers.resources import (
    ATTACHED_PULL_POLICY,
    FARGATE_TASK_DEFINITION,
    FARGATE_TASK_DEFINITION_ALIASES,
    PULL_EXECUTION_ROLE,
    TASK_DEFINITION,
    ecs_service_key,
)
from components.contract.checks import check_environment
from components.contract.model import ResolvedEnvironment
from components.contract.outputs import BuildOutputs
from components.errors import ConfigError
from components.plan.children import expanded
from components.plan.model import OutputRef, Resource, StackPlan, key
from components.plan.pins import lifecycle_findings
from components.project import ENVIRONMENT
from components.project import key as config_key
from components.replication.documents import (
    merged_filters,
    template_description,
    templated_filters,
)
from components.replication.resources import REPLICATION_RECEIVER, registry_scanning_args, replica_key_args
from components.repositories.documents import lifecycle_policy_text
from components.repositories.resources import access_args

EXECUTION_ROLE_ARN = "executionRoleArn"
TASK_DEFINITION_ARNS = "taskDefinitionArns"
IMAGES = "images"
ECS_SERVICES = "ecsServices"
# The logical name of the AttachedPullPolicy component, when the stack names pullRoles.
PULL_ROLES = "pull-roles"
ENVIRONMENT_EXPORTS = (EXECUTION_ROLE_ARN, TASK_DEFINITION_ARNS, IMAGES, ECS_SERVICES)


def plan_environment_stack(config: EnvironmentStack, build: BuildOutputs) -> StackPlan:
    """Raises ConfigError when the build stack does not serve this environment."""
    resolved = check_environment(config, build)
    components: list[Resource] = []
    if config.receive_replication is not None:
        components.append(_receiver(config, build, resolved))
    sources = resolved.repository_arns
    role = Resource(PULL_EXECUTION_ROLE, "execution", _role_args(config, sources))
    components.append(role)
    if config.pull_roles:
        components.append(Resource(ATTACHED_PULL_POLICY, PULL_ROLES, _attached_args(config, sources)))
    role_arn = execution_role_arn(config.region, config.account_id, config.stack)
    images = {name: image.uri for name, image in resolved.images.items()}
    ecs_services = {
        s.name: _ecs_service_args(config, s.ecs_service) for s in config.services if s.ecs_service is not None
    }
    for service in config.services:
        args: dict[str, object] = {
            "family": service.name,
            "image": images[service.name],
            "cpu": service.cpu,
            "memory": service.memory,
            "container_port": service.container_port,
            "execution_role_arn": role_arn,
            "region": config.region,
            "log_retention_days": config.log_retention_days,
        }
        args.update(_container_args(service.container))
        if service.name in ecs_services:
            args["ecs_service"] = ecs_services[service.name]
        components.append(
            Resource(
                FARGATE_TASK_DEFINITION,
                service.name,
                args,
                # A task must not start before its role can pull.
                depends_on=(role.key,),
                aliases=FARGATE_TASK_DEFINITION_ALIASES,
            )
        )
    plan = StackPlan(
        stack=config.stack,
        kind=ENVIRONMENT,
        account_id=config.account_id,
        region=config.region,
        resources=expanded(components),
        exports={
            EXECUTION_ROLE_ARN: role_arn,
            TASK_DEFINITION_ARNS: {
                s.name: OutputRef(key(TASK_DEFINITION, f"{s.name}-task"), "arn") for s in config.services
            },
            IMAGES: images,
            ECS_SERVICES: _ecs_service_exports(ecs_services),
        },
        warnings=(*resolved.warnings, *service_warnings(config)),
    )
    return _checked_pins(config, plan)


def _checked_pins(config: EnvironmentStack, plan: StackPlan) -> StackPlan:
    """Refuse a rule of the lifecycle this plan gives its replicas (``receiveReplication``'s creation
    templates, with the build stack's lifecycle) that would expire an image the stack runs from them:
    the pin check of ``verify`` and the pipeline, on this plan alone, so that ``pulumi up`` refuses it
    at preview. What this plan does not set (the build repositories' own lifecycle, the build
    account's replicas') only the plans of every stack can check; a rule that may select an image
    depending on tags no stack file holds is one of ``verify``'s notes, not a refusal."""
    for finding in lifecycle_findings({plan.stack: plan}):
        if finding.proven:
            pin = finding.pin
            index = next(i for i, s in enumerate(config.services) if s.name == pin.service)
            raise ConfigError(
                f"{config_key('services')}[{index}].{'imageTag' if pin.tag is not None else 'imageDigest'}",
                pin.tag or pin.digest,
                f"runs from this stack's replicas, and the lifecycle policy {config_key('receiveReplication')} "
                f"gives them (the build stack's, from its output replication) would delete it: {finding.text}",
            )
    return plan


def _container_args(container: ContainerSettings) -> dict[str, object]:
    """The component's container args, as ``check_fargate_task_definition_args`` returns them."""
    args: dict[str, object] = {"readonly_root_filesystem": container.readonly_root_filesystem}
    if container.writable_paths:
        args["writable_paths"] = list(container.writable_paths)
    if container.user is not None:
        args["user"] = container.user
    if container.secrets:
        args["secrets"] = [
            {
                "name": s.name,
                "value_from": s.value_from,
                **({} if s.kms_key is None else {"kms_key": s.kms_key}),
            }
            for s in container.secrets
        ]
    return args


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


def _ecs_service_args(config: EnvironmentStack, ecs: EcsServiceSpec) -> dict[str, object]:
    """The component's ``ecs_service`` args: the cluster by ARN, in this stack's account and Region."""
    return {
        "cluster_arn": ecs_cluster_arn(config.region, config.account_id, ecs.cluster),
        "subnets": list(ecs.subnets),
        "security_groups": list(ecs.security_groups),
        "desired_count": ecs.desired_count,
        "assign_public_ip": ecs.assign_public_ip,
    }


def _ecs_service_exports(ecs_services: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    """What a release needs to find and check each ECS service: its cluster and name, and the task
    definition it runs as read back after the update. With wait_for_steady_state an update also
    succeeds when the circuit breaker rolled the service back to the previous revision (pulumi-awsx
    #1848, terraform-provider-aws #20858), so a release compares ``taskDefinitionArn`` with
    ``taskDefinitionArns`` rather than trusting the update's result."""
    return {
        name: {
            "cluster": args["cluster_arn"],
            "serviceName": name,
            "taskDefinitionArn": OutputRef(ecs_service_key(name), "task_definition"),
        }
        for name, args in ecs_services.items()
    }


def _role_args(config: EnvironmentStack, sources: dict[str, str]) -> dict[str, object]:
    log_groups = [log_group_arn(config.region, config.account_id, s.name) for s in config.services]
    secrets = secret_reads(s.container for s in config.services)
    try:
        execution_role_policies(sources.values(), log_groups, secrets)
    except RolePermissionsTooLarge as error:
        raise ConfigError(
            config_key("services"),
            f"{len(config.services)} services pulling {len(sources)} repositories",
            f"{error}: split the services over more stacks",
        ) from None
    args: dict[str, object] = {
        "role_name": execution_role_name(config.stack),
        "account_id": config.account_id,
        "repository_arns": sorted(sources.values()),
        "log_group_arns": log_groups,
    }
    # As check_pull_execution_role_args returns them: each list only when it has an ARN.
    for name, arns in (
        ("secret_arns", secrets.secret_arns),
        ("parameter_arns", secrets.parameter_arns),
        ("decrypt_key_arns", secrets.key_arns),
    ):
        if arns:
            args[name] = list(arns)
    return args


def _attached_args(config: EnvironmentStack, sources: dict[str, str]) -> dict[str, object]:
    """The existing roles pull exactly what the execution role pulls, from the same registries."""
    size = iam_policy_length(execution_role_policy(sources.values()))
    if size > rules.MANAGED_POLICY_MAX_CHARS:
        raise ConfigError(
            config_key("pullRoles"),
            f"{len(sources)} repositories",
            f"make a pull policy of {size} characters, over IAM's {rules.MANAGED_POLICY_MAX_CHARS}-character "
            "limit for a managed policy: split the services over more stacks",
        )
    return {
        "policy_name": pull_policy_name(config.stack),
        "repository_arns": sorted(sources.values()),
        "role_names": [r.name for r in config.pull_roles],
    }


def _receiver(config: EnvironmentStack, build: BuildOutputs, resolved: ResolvedEnvironment) -> Resource:
    """This account's side of cross-account replication. Its replicas carry a repository policy only
    when ``receiveReplication.access`` grants other accounts: this account's roles need none."""
    receive = config.receive_replication
    assert receive is not None
    registry = resolved.received
    assert registry is not None  # check_environment refused a receiver the build does not replicate to
    # Checked equal to what receiveReplication's filters and rootTemplate give.
    prefixes = registry.template_prefixes
    settings = registry.settings
    args: dict[str, object] = {
        "source_account": receive.source_account,
        "account_id": config.account_id,
        "region": config.region,
        "filters": list(receive.filters),
        "template_prefixes": list(prefixes),
        "description": template_description(
            receive.source_account,
            build.region,
            pull_granted=receive.access is not None,
            settings=settings,
            kms=receive.kms_keys is not None,
        ),
        "image_tag_mutability": settings.image_tag_mutability,
    }
    if settings.exclusion_filters:
        args["image_tag_mutability_exclusion_filters"] = list(settings.exclusion_filters)
    if settings.lifecycle is not None:
        args["lifecycle_policy"] = lifecycle_policy_text(settings.lifecycle)
    templated = templated_filters(prefixes, receive.filters, [s.filters for s in receive.other_sources])
    kms = replica_key_args(config.stack, registry, receive.kms_keys, templated)
    if kms is not None:
        args["kms"] = kms
    if receive.other_sources:
        args["other_sources"] = [
            {"account": s.account_id, **({"filters": list(s.filters)} if s.filters else {})}
            for s in receive.other_sources
        ]
    if receive.registry_policy_statements:
        args["registry_policy_statements"] = list(receive.registry_policy_statements)
    if receive.registry_scanning is not None:
        received = merged_filters([receive.filters, *(s.filters for s in receive.other_sources)])
        args["registry_scanning"] = registry_scanning_args(receive.registry_scanning, received)
    if receive.access is not None:
        args["access"] = access_args(receive.access)
    return Resource(REPLICATION_RECEIVER, "replication", args)
