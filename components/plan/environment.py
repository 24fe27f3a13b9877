"""The plan of an environment stack, from its config and its build stack's checked outputs."""

from __future__ import annotations

from components.aws import rules
from components.aws.names import (
    execution_role_arn,
    execution_role_name,
    log_group_arn,
    repository_arn,
)
from components.aws.policy import canonical_json
from components.config.model import EnvironmentStack
from components.consumers.documents import RolePermissionsTooLarge, execution_role_policies
from components.consumers.resources import (
    FARGATE_TASK_DEFINITION,
    FARGATE_TASK_DEFINITION_ALIASES,
    PULL_EXECUTION_ROLE,
    TASK_DEFINITION,
)
from components.contract.checks import check_environment, service_image
from components.contract.outputs import BuildOutputs
from components.errors import ConfigError
from components.plan.children import expanded
from components.plan.model import OutputRef, Resource, StackPlan, key
from components.project import ENVIRONMENT
from components.project import key as config_key
from components.replication.documents import template_description, template_prefixes
from components.replication.model import ReplicaRegistry
from components.replication.resources import REPLICATION_RECEIVER
from components.repositories.documents import repository_pull_policy

EXECUTION_ROLE_ARN = "executionRoleArn"
TASK_DEFINITION_ARNS = "taskDefinitionArns"
IMAGES = "images"
ENVIRONMENT_EXPORTS = (EXECUTION_ROLE_ARN, TASK_DEFINITION_ARNS, IMAGES)


def plan_environment_stack(config: EnvironmentStack, build: BuildOutputs) -> StackPlan:
    """Raises ConfigError when the build stack does not serve this environment."""
    replica, warnings = check_environment(config, build)
    components: list[Resource] = []
    if config.receive_replication is not None:
        components.append(_receiver(config, build))
    sources = pull_sources(config, build, replica)
    role = Resource(PULL_EXECUTION_ROLE, "execution", _role_args(config, sources))
    components.append(role)
    role_arn = execution_role_arn(config.region, config.account_id, config.stack)
    images = {service.name: service_image(service, build, replica) for service in config.services}
    for service in config.services:
        components.append(
            Resource(
                FARGATE_TASK_DEFINITION,
                service.name,
                {
                    "family": service.name,
                    "image": images[service.name],
                    "cpu": service.cpu,
                    "memory": service.memory,
                    "container_port": service.container_port,
                    "execution_role_arn": role_arn,
                    "region": config.region,
                    "log_retention_days": config.log_retention_days,
                },
                # A task must not start before its role can pull.
                depends_on=(role.key,),
                aliases=FARGATE_TASK_DEFINITION_ALIASES,
            )
        )
    return StackPlan(
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
        },
        warnings=tuple(warnings),
    )


def pull_sources(
    config: EnvironmentStack, build: BuildOutputs, replica: ReplicaRegistry | None
) -> dict[str, str]:
    """Repository name -> the ARN this environment pulls it from: the replica where its replica
    registry holds the repository, else the build account's repository."""
    return {
        name: repository_arn(replica.destination.region, replica.destination.account_id, name)
        if replica is not None and replica.covers(name)
        else build.repository_arns[name]
        for name in config.repositories
    }


def _role_args(config: EnvironmentStack, sources: dict[str, str]) -> dict[str, object]:
    log_groups = [log_group_arn(config.region, config.account_id, s.name) for s in config.services]
    try:
        execution_role_policies(sources.values(), log_groups)
    except RolePermissionsTooLarge as error:
        raise ConfigError(
            config_key("services"),
            f"{len(config.services)} services pulling {len(sources)} repositories",
            f"make execution role permissions of {error.size} characters, more than its inline "
            f"policy ({rules.ROLE_INLINE_POLICY_MAX_CHARS} characters) and "
            f"{rules.ROLE_MANAGED_POLICIES_MAX} managed policies ({rules.MANAGED_POLICY_MAX_CHARS} "
            "each) can hold: split the services over more stacks",
        ) from None
    return {
        "role_name": execution_role_name(config.stack),
        "account_id": config.account_id,
        "repository_arns": sorted(sources.values()),
        "log_group_arns": log_groups,
    }


def _receiver(config: EnvironmentStack, build: BuildOutputs) -> Resource:
    """This account's side of cross-account replication. Its replicas carry a repository policy only
    when ``receiveReplication.access`` grants other accounts: this account's roles need none."""
    receive = config.receive_replication
    assert receive is not None
    args: dict[str, object] = {
        "source_account": receive.source_account,
        "account_id": config.account_id,
        "region": config.region,
        "filters": list(receive.filters),
        "template_prefixes": list(template_prefixes(receive.filters, receive.root_template)),
        "description": template_description(
            receive.source_account, build.region, pull_granted=receive.access is not None
        ),
        "scan_on_push": receive.scan_on_push,
    }
    if receive.access is not None:
        args["repository_policy"] = canonical_json(
            repository_pull_policy(receive.access, rules.partition_for(config.region))
        )
    return Resource(REPLICATION_RECEIVER, "replication", args)
