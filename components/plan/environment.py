"""The plan of an environment stack, from its config and its build stack's checked outputs."""

from __future__ import annotations

from components.aws.names import execution_role_arn
from components.config.model import EnvironmentStack
from components.consumers.plan import (
    attached_pull_policy,
    ecs_service_exports,
    execution_role,
    service_warnings,
    task_definition_exports,
    task_definitions,
)
from components.contract.checks import check_environment
from components.contract.outputs import BuildOutputs
from components.errors import ConfigError
from components.plan.children import expanded
from components.plan.model import Resource, StackPlan
from components.plan.pins import lifecycle_findings
from components.project import ENVIRONMENT
from components.project import key as config_key
from components.replication.plan import receiver

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
        components.append(receiver(config, build, resolved.received))
    sources = resolved.repository_arns
    role = execution_role(config, sources)
    components.append(role)
    if config.pull_roles:
        components.append(attached_pull_policy(PULL_ROLES, config, sources))
    images = {name: image.uri for name, image in resolved.images.items()}
    components += task_definitions(config, images, role)
    plan = StackPlan(
        stack=config.stack,
        kind=ENVIRONMENT,
        account_id=config.account_id,
        region=config.region,
        resources=expanded(components),
        exports={
            EXECUTION_ROLE_ARN: execution_role_arn(config.region, config.account_id, config.stack),
            TASK_DEFINITION_ARNS: task_definition_exports(config),
            IMAGES: images,
            ECS_SERVICES: ecs_service_exports(config),
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
