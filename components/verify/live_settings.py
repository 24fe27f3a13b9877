"""Read back, with boto3, each resource ``settings.planned_settings`` lists, as the same fields.

One read-only call per resource (two for a task family), through the session of the stack that
deploys it, in the resource's Region:

| kind | call |
|---|---|
| repository | ``ecr:DescribeRepositories`` |
| registry policy | ``ecr:GetRegistryPolicy`` |
| creation template | ``ecr:DescribeRepositoryCreationTemplates`` |
| replication configuration | ``ecr:DescribeRegistry`` |
| registry scanning configuration | ``ecr:GetRegistryScanningConfiguration`` |
| execution role | ``iam:GetRole`` |
| log group | ``logs:DescribeLogGroups`` |
| task definition | ``ecs:ListTaskDefinitions`` (ACTIVE), ``ecs:DescribeTaskDefinition`` |
| ECS service | ``ecs:DescribeServices`` |
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from components.verify.deployments import Deployment
from components.verify.live import Sessions, error_code, policy_document
from components.verify.settings import (
    LOGS,
    REGISTRY_POLICY_KIND,
    REPLICATION,
    REPOSITORY_SETTINGS,
    SCANNING,
    SERVICE,
    TASK,
    TEMPLATE,
    TRUST,
    PlannedSetting,
    planned_settings,
    settings_drift,
)

Fields = dict[str, Any] | None
# The deployed resource does not exist (the error code each read answers with, if any).
MISSING = (
    "RepositoryNotFoundException",
    "RegistryPolicyNotFoundException",
    "TemplateNotFoundException",
    "NoSuchEntity",
    "ClusterNotFoundException",
)


def live_settings_drift(deployment: Deployment, sessions: Sessions) -> list[str]:
    """Every difference between the planned settings and the deployed ones."""
    stacks = {s.stack: s for s in deployment.stacks}
    clients: dict[tuple[str, str, str], Any] = {}
    found: list[str] = []
    for planned in planned_settings(deployment):
        stack = stacks[planned.stack]
        service, _ = _READERS[planned.kind]
        with sessions.errors(stack):
            where = (stack.stack, service, planned.region)
            if where not in clients:
                clients[where] = sessions(stack).client(service, region_name=planned.region)
            deployed = read_setting(clients[where], planned)
        found += settings_drift(planned, deployed)
    return found


def read_setting(client: Any, planned: PlannedSetting) -> Fields:
    """The planned fields as deployed; ``None`` if the resource does not exist."""
    _, read = _READERS[planned.kind]
    try:
        return read(client, planned.identity)
    except ClientError as error:
        if error_code(error) in MISSING:
            return None
        raise


def _repository(ecr: Any, name: str) -> Fields:
    (repository,) = ecr.describe_repositories(repositoryNames=[name])["repositories"]
    encryption = repository.get("encryptionConfiguration", {})
    fields = {
        "imageTagMutability": repository.get("imageTagMutability"),
        "imageScanningConfiguration.scanOnPush": repository.get("imageScanningConfiguration", {}).get(
            "scanOnPush"
        ),
        "encryptionConfiguration.encryptionType": encryption.get("encryptionType"),
        "encryptionConfiguration.kmsKey": encryption.get("kmsKey"),
    }
    exclusions = repository.get("imageTagMutabilityExclusionFilters")
    if exclusions:
        fields["imageTagMutabilityExclusionFilters"] = sorted(f["filter"] for f in exclusions)
    return fields


def _registry_policy(ecr: Any, _: str) -> Fields:
    return {"policy": policy_document(ecr.get_registry_policy()["policyText"])}


def _template(ecr: Any, prefix: str) -> Fields:
    templates = ecr.describe_repository_creation_templates(prefixes=[prefix])["repositoryCreationTemplates"]
    template = next((t for t in templates if t.get("prefix") == prefix), None)
    if template is None:
        return None
    policy = template.get("repositoryPolicy")
    return {
        "appliedFor": sorted(template.get("appliedFor", [])),
        "description": template.get("description"),
        "imageTagMutability": template.get("imageTagMutability"),
        "encryptionConfiguration.encryptionType": template.get("encryptionConfiguration", {}).get(
            "encryptionType"
        ),
        "repositoryPolicy": policy_document(policy) if policy else None,
    }


def _replication(ecr: Any, _: str) -> Fields:
    configuration = ecr.describe_registry().get("replicationConfiguration") or {}
    return {"rules": configuration.get("rules", [])}


def _scanning(ecr: Any, _: str) -> Fields:
    configuration = ecr.get_registry_scanning_configuration().get("scanningConfiguration") or {}
    return {"scanType": configuration.get("scanType"), "rules": configuration.get("rules", [])}


def _role(iam: Any, name: str) -> Fields:
    role = iam.get_role(RoleName=name)["Role"]
    return {
        "assumeRolePolicyDocument": policy_document(role["AssumeRolePolicyDocument"]),
        "description": role.get("Description"),
    }


def _log_group(logs: Any, name: str) -> Fields:
    pages = logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name)
    group = next((g for page in pages for g in page["logGroups"] if g["logGroupName"] == name), None)
    # No retentionInDays: the events never expire.
    return None if group is None else {"retentionInDays": group.get("retentionInDays")}


def _task(ecs: Any, family: str) -> Fields:
    """The family's latest ACTIVE revision: what a new task or a service update would run."""
    arns = [
        arn
        for page in ecs.get_paginator("list_task_definitions").paginate(familyPrefix=family, status="ACTIVE")
        for arn in page["taskDefinitionArns"]
        if arn.rsplit("/", 1)[1].rsplit(":", 1)[0] == family  # familyPrefix matches prefixes
    ]
    if not arns:
        return None
    latest = max(arns, key=lambda arn: int(arn.rsplit(":", 1)[1]))
    definition = ecs.describe_task_definition(taskDefinition=latest)["taskDefinition"]
    fields: dict[str, Any] = {
        "cpu": definition.get("cpu"),
        "memory": definition.get("memory"),
        "networkMode": definition.get("networkMode"),
        "executionRoleArn": definition.get("executionRoleArn"),
    }
    for container in definition.get("containerDefinitions", []):
        fields[f"containerDefinitions[{container['name']}].image"] = container.get("image")
    return fields


def _ecs_service(ecs: Any, identity: str) -> Fields:
    """The service as DescribeServices answers; a deleted one (INACTIVE, or DRAINING while ECS
    stops its tasks) counts as missing, as a missing one is listed under ``failures``."""
    cluster, name = identity.rsplit("/", 1)
    services = ecs.describe_services(cluster=cluster, services=[name]).get("services", [])
    service = next(
        (s for s in services if s.get("serviceName") == name and s.get("status") == "ACTIVE"), None
    )
    if service is None:
        return None
    network = service.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
    deployment = service.get("deploymentConfiguration", {})
    breaker = deployment.get("deploymentCircuitBreaker", {})
    task_definition = service.get("taskDefinition", "")
    return {
        # arn:<partition>:ecs:<region>:<account>:task-definition/<family>:<revision>
        "taskDefinition.family": task_definition.rsplit("/", 1)[-1].rsplit(":", 1)[0],
        "launchType": service.get("launchType"),
        "desiredCount": service.get("desiredCount"),
        "awsvpcConfiguration.subnets": sorted(network.get("subnets", [])),
        "awsvpcConfiguration.securityGroups": sorted(network.get("securityGroups", [])),
        "awsvpcConfiguration.assignPublicIp": network.get("assignPublicIp"),
        "deploymentCircuitBreaker": {"enable": breaker.get("enable"), "rollback": breaker.get("rollback")},
        "minimumHealthyPercent": deployment.get("minimumHealthyPercent"),
        "maximumPercent": deployment.get("maximumPercent"),
    }


_READERS: dict[str, tuple[str, Callable[[Any, str], Fields]]] = {
    REPOSITORY_SETTINGS: ("ecr", _repository),
    REGISTRY_POLICY_KIND: ("ecr", _registry_policy),
    TEMPLATE: ("ecr", _template),
    REPLICATION: ("ecr", _replication),
    SCANNING: ("ecr", _scanning),
    TRUST: ("iam", _role),
    LOGS: ("logs", _log_group),
    TASK: ("ecs", _task),
    SERVICE: ("ecs", _ecs_service),
}
