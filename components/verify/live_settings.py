"""Read back, with boto3, each resource ``settings.planned_settings`` lists, as the same fields.

Read-only calls for each resource, through the session of the stack that deploys it, in the
resource's Region:

| kind | calls |
|---|---|
| repository, replica | ``ecr:DescribeRepositories``, ``ecr:GetLifecyclePolicy`` |
| registry policy | ``ecr:GetRegistryPolicy`` |
| creation template | ``ecr:DescribeRepositoryCreationTemplates`` |
| replication configuration | ``ecr:DescribeRegistry`` |
| registry scanning configuration | ``ecr:GetRegistryScanningConfiguration`` |
| KMS key | the repository's or template's read (its key ARN), ``kms:DescribeKey``, ``kms:GetKeyRotationStatus``, ``kms:GetKeyPolicy`` |
| execution role, role | ``iam:GetRole`` |
| role policy | ``iam:GetRolePolicy`` |
| log group | ``logs:DescribeLogGroups`` |
| task definition | ``ecs:ListTaskDefinitions`` (ACTIVE), ``ecs:DescribeTaskDefinition`` |
| ECS service | ``ecs:DescribeServices`` |

Then the pin check runs on the lifecycle rules read (``settings.deployed_pin_findings``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from components.verify.deployments import Deployment
from components.verify.live import Sessions, error_code, policy_document
from components.verify.settings import (
    KEY,
    LOGS,
    REGISTRY_POLICY_KIND,
    REPLICA,
    REPLICATION,
    REPOSITORY_SETTINGS,
    ROLE_KIND,
    ROLE_POLICY_KIND,
    SCANNING,
    SERVICE,
    TASK,
    TEMPLATE,
    TRUST,
    CreatedKey,
    PlannedSetting,
    deployed_pin_findings,
    key_user,
    planned_settings,
    settings_drift,
)

Fields = dict[str, Any] | None
# A client of one AWS service, for the stack and Region of the resource being read.
Clients = Callable[[str], Any]
# The deployed resource does not exist (the error code each read answers with, if any).
MISSING = (
    "RepositoryNotFoundException",
    "RegistryPolicyNotFoundException",
    "TemplateNotFoundException",
    "NoSuchEntity",
    "ClusterNotFoundException",
    "NotFoundException",
)


def live_settings_drift(deployment: Deployment, sessions: Sessions) -> list[str]:
    """Every difference between the planned settings and the deployed ones, then every deployed
    lifecycle rule that would expire an image a selected environment runs."""
    stacks = {s.stack: s for s in deployment.stacks}
    clients: dict[tuple[str, str, str], Any] = {}
    found: list[str] = []
    deployed: dict[tuple[str, str, str, str], Fields] = {}
    for planned in planned_settings(deployment):
        stack = stacks[planned.stack]

        def client(service: str, stack_name: str = stack.stack, region: str = planned.region) -> Any:
            # One client per stack, service and Region: making a client costs more than a read.
            if (stack_name, service, region) not in clients:
                clients[stack_name, service, region] = sessions(stacks[stack_name]).client(
                    service, region_name=region
                )
            return clients[stack_name, service, region]

        with sessions.errors(stack):
            deployed[planned.key] = read_setting(client, planned)
        found += settings_drift(planned, deployed[planned.key])
    return found + deployed_pin_findings(deployment, deployed)


def read_setting(clients: Clients, planned: PlannedSetting) -> Fields:
    """The planned fields as deployed; ``None`` if the resource does not exist."""
    try:
        return _READERS[planned.kind](clients, planned)
    except ClientError as error:
        if error_code(error) in MISSING:
            return None
        raise


def _repository(clients: Clients, planned: PlannedSetting) -> Fields:
    ecr = clients("ecr")
    name = planned.identity
    (repository,) = ecr.describe_repositories(repositoryNames=[name])["repositories"]
    return {
        **_shared_settings(repository),
        "imageScanningConfiguration.scanOnPush": repository.get("imageScanningConfiguration", {}).get(
            "scanOnPush"
        ),
        "lifecyclePolicy": _lifecycle_policy(ecr, name),
    }


def _shared_settings(answer: dict[str, Any]) -> dict[str, Any]:
    """What a repository and a creation template share, as DescribeRepositories and
    DescribeRepositoryCreationTemplates answer them."""
    encryption = answer.get("encryptionConfiguration", {})
    fields = {
        "imageTagMutability": answer.get("imageTagMutability"),
        "encryptionConfiguration.encryptionType": encryption.get("encryptionType"),
        "encryptionConfiguration.kmsKey": encryption.get("kmsKey"),
    }
    exclusions = answer.get("imageTagMutabilityExclusionFilters")
    if exclusions:
        fields["imageTagMutabilityExclusionFilters"] = sorted(f["filter"] for f in exclusions)
    return fields


def _lifecycle_policy(ecr: Any, name: str) -> Any:
    try:
        text = ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]
    except ClientError as error:
        if error_code(error) == "LifecyclePolicyNotFoundException":
            return None
        raise
    return policy_document(text)


def _registry_policy(clients: Clients, _: PlannedSetting) -> Fields:
    return {"policy": policy_document(clients("ecr").get_registry_policy()["policyText"])}


def _template(clients: Clients, planned: PlannedSetting) -> Fields:
    prefix = planned.identity
    answer = clients("ecr").describe_repository_creation_templates(prefixes=[prefix])
    template = next((t for t in answer["repositoryCreationTemplates"] if t.get("prefix") == prefix), None)
    if template is None:
        return None
    policy, lifecycle = template.get("repositoryPolicy"), template.get("lifecyclePolicy")
    return {
        **_shared_settings(template),
        "appliedFor": sorted(template.get("appliedFor", [])),
        "description": template.get("description"),
        "lifecyclePolicy": policy_document(lifecycle) if lifecycle else None,
        "repositoryPolicy": policy_document(policy) if policy else None,
        "customRoleArn": template.get("customRoleArn"),
    }


def _kms_key(clients: Clients, planned: PlannedSetting) -> Fields:
    """The key the repository or template names, if it is a key of the planned account and Region.
    Otherwise that resource's own findings say what is wrong (missing, another encryption, another
    key), and no key of the plan's is there to read: its planned fields are returned, no finding."""
    kind, name = key_user(planned.identity)
    user = read_setting(
        clients, PlannedSetting(planned.stack, planned.account_id, planned.region, kind, name, {})
    )
    arn = None if user is None else user.get("encryptionConfiguration.kmsKey")
    if not CreatedKey(planned.account_id, planned.region, "").matches(arn):
        return dict(planned.fields)
    kms = clients("kms")
    key = kms.describe_key(KeyId=arn)["KeyMetadata"]
    return {
        "Description": key.get("Description"),
        "KeyState": key.get("KeyState"),
        "KeySpec": key.get("KeySpec"),
        "KeyUsage": key.get("KeyUsage"),
        "MultiRegion": key.get("MultiRegion"),
        # While a key is pending deletion, its rotation status reads false (KMS GetKeyRotationStatus).
        "KeyRotationEnabled": kms.get_key_rotation_status(KeyId=arn).get("KeyRotationEnabled"),
        "Policy": policy_document(kms.get_key_policy(KeyId=arn, PolicyName="default")["Policy"]),
    }


def _replication(clients: Clients, _: PlannedSetting) -> Fields:
    configuration = clients("ecr").describe_registry().get("replicationConfiguration") or {}
    return {"rules": configuration.get("rules", [])}


def _scanning(clients: Clients, _: PlannedSetting) -> Fields:
    configuration = clients("ecr").get_registry_scanning_configuration().get("scanningConfiguration") or {}
    return {"scanType": configuration.get("scanType"), "rules": configuration.get("rules", [])}


def _role(clients: Clients, planned: PlannedSetting) -> Fields:
    role = clients("iam").get_role(RoleName=planned.identity)["Role"]
    return {
        "assumeRolePolicyDocument": policy_document(role["AssumeRolePolicyDocument"]),
        "description": role.get("Description"),
    }


def _role_policy(clients: Clients, planned: PlannedSetting) -> Fields:
    name, role = planned.identity.split(" of ", 1)
    policy = clients("iam").get_role_policy(RoleName=role, PolicyName=name)
    return {"policyDocument": policy_document(policy["PolicyDocument"])}


def _log_group(clients: Clients, planned: PlannedSetting) -> Fields:
    name = planned.identity
    pages = clients("logs").get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name)
    group = next((g for page in pages for g in page["logGroups"] if g["logGroupName"] == name), None)
    # No retentionInDays: the events never expire.
    return None if group is None else {"retentionInDays": group.get("retentionInDays")}


def _task(clients: Clients, planned: PlannedSetting) -> Fields:
    """The family's latest ACTIVE revision: what a new task or a service update would run."""
    ecs, family = clients("ecs"), planned.identity
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
        "requiresCompatibilities": sorted(definition.get("requiresCompatibilities", [])),
        "executionRoleArn": definition.get("executionRoleArn"),
    }
    for container in definition.get("containerDefinitions", []):
        for field, value in container.items():
            if field != "name":
                fields[f"containerDefinitions[{container['name']}].{field}"] = value
    return fields


def _ecs_service(clients: Clients, planned: PlannedSetting) -> Fields:
    """The service as DescribeServices answers; a deleted one (INACTIVE, or DRAINING while ECS
    stops its tasks) counts as missing, as a missing one is listed under ``failures``."""
    cluster, name = planned.identity.rsplit("/", 1)
    services = clients("ecs").describe_services(cluster=cluster, services=[name]).get("services", [])
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


_READERS: dict[str, Callable[[Clients, PlannedSetting], Fields]] = {
    REPOSITORY_SETTINGS: _repository,
    REPLICA: _repository,
    REGISTRY_POLICY_KIND: _registry_policy,
    TEMPLATE: _template,
    REPLICATION: _replication,
    SCANNING: _scanning,
    KEY: _kms_key,
    TRUST: _role,
    ROLE_KIND: _role,
    ROLE_POLICY_KIND: _role_policy,
    LOGS: _log_group,
    TASK: _task,
    SERVICE: _ecs_service,
}
