"""What ``pulumi up`` of every stack (and, for replicas, the first replicated push) leaves in AWS,
created in moto from the plans: one moto account per AWS account, reached by clients that name it on
each request (moto's ``x-moto-account-id`` header).

Every planned resource that ``verify --live`` reads is created from its planned inputs: KMS keys,
repositories with their settings, policies and lifecycle policies, the registry policy, creation
templates, the replicas as ECR creates them from their template, the replication and scanning
configurations, roles with their trust and inline policies, log groups and task definitions. What
moto 5.2.5 cannot hold is supplied around it, and only for the calls it lacks:

- repository creation templates: moto has no such API. ``CreationTemplates`` answers
  Create/Update/Describe/DeleteRepositoryCreationTemplate through botocore's ``before-call`` event,
  through ``moto_standins.serve``, checked against the ECR model;
- a replication configuration of more than one rule: moto's PutReplicationConfiguration refuses it
  ("This feature is disabled"), so the plan's configuration is written into moto's registry state and
  read back through the real DescribeRegistry call;
- an ECS service's ``deploymentConfiguration``: moto keeps none, so ``ServiceDeployments`` keeps it
  from the requests and adds it to DescribeServices' answer;
- a KMS key's rotation status while it is pending deletion: KMS reports it as false (GetKeyRotationStatus,
  "while a KMS key is pending deletion, its key rotation status is false"), moto as it was, so
  ``KeyRotation`` answers false then, checked against the KMS model;
- an ECS service's subnets and security groups, which exist before the stack (the stack names them):
  moto's CreateService checks them against its EC2 state, where IDs are random, so each is created
  through the EC2 API and then filed in moto's state under the ID the stack names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import botocore.loaders
import botocore.session
from botocore.validate import validate_parameters
from moto.ec2.models import ec2_backends
from moto.ecr.models import ecr_backends
from moto.kms.models import kms_backends

from components.aws.policy import canonical_json
from components.config.model import StackConfig
from components.consumers.resources import (
    ECS_SERVICE,
    LOG_GROUP,
    POLICY,
    ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    TASK_DEFINITION,
)
from components.encryption.resources import KMS_KEY
from components.plan.model import OutputRef, StackPlan
from components.plan.pins import replica_template, repository_lifecycle
from components.replication.resources import (
    CREATION_TEMPLATE,
    REGISTRY_POLICY,
    REPLICATION_CONFIGURATION,
    SCANNING_CONFIGURATION,
)
from components.repositories.resources import REPOSITORY
from components.verify.deployments import Deployment, load_deployments
from components.verify.intended import evaluated_documents, intended_state
from tests.support.moto_standins import error, serve

# Every client reads the AWS service models through one loader and is made by one botocore session:
# parsing the models, or setting up a session's handlers, again for each would take most of a live
# test's time.
_MODELS = botocore.loaders.create_loader()
_botocore: list[botocore.session.Session] = []
# Each account's clients, by (account, service, Region), kept for the whole process: making a
# client (botocore builds its class, one method per operation) cost more than the calls a live test
# makes with it, and a test made about 20. A client holds no AWS state: moto's state is the test's
# own (``aws``), and the stand-ins' state is dropped by ``forget``.
_clients: dict[tuple[str, str, str], Any] = {}
# The header moto reads the request's account from, before the credentials' (moto
# core/responses.py, get_current_account; docs/multi_account.rst): a client names its account on
# every request, so it needs no credentials moto issued, and outlives each test's moto.
ACCOUNT_HEADER = "x-moto-account-id"


class CreationTemplates:
    """Repository creation templates by (account, Region) and prefix, for the ECR calls moto lacks."""

    OPERATIONS = (
        "CreateRepositoryCreationTemplate",
        "UpdateRepositoryCreationTemplate",
        "DescribeRepositoryCreationTemplates",
        "DeleteRepositoryCreationTemplate",
    )

    def __init__(self) -> None:
        self.registries: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}

    def install(self, ecr: Any, account_id: str) -> None:
        """On one ECR client of ``account_id``: the handlers need to know whose registry it is."""
        region = ecr.meta.region_name

        def respond(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            templates = self.registries.setdefault((account_id, region), {})
            return self._answer(operation, params, templates, account_id)

        serve(ecr, self.OPERATIONS, respond)

    def _answer(
        self, operation: str, params: dict[str, Any], templates: dict[str, dict[str, Any]], account_id: str
    ) -> dict[str, Any]:
        prefix = params.get("prefix", "")
        if operation == "DescribeRepositoryCreationTemplates":
            wanted = params.get("prefixes") or sorted(templates)
            found = [templates[p] for p in wanted if p in templates]
            return {"registryId": account_id, "repositoryCreationTemplates": found}
        if operation != "CreateRepositoryCreationTemplate" and prefix not in templates:
            raise error(operation, "TemplateNotFoundException", f"template {prefix} not found")
        if operation == "CreateRepositoryCreationTemplate":
            if prefix in templates:
                raise error(operation, "TemplateAlreadyExistsException", f"template {prefix} exists")
            templates[prefix] = dict(params)
        elif operation == "UpdateRepositoryCreationTemplate":
            templates[prefix] = {**templates[prefix], **params}
        else:
            template = templates.pop(prefix)
            return {"registryId": account_id, "repositoryCreationTemplate": template}
        return {"registryId": account_id, "repositoryCreationTemplate": templates[prefix]}


TEMPLATES = CreationTemplates()


class ServiceDeployments:
    """ECS services' ``deploymentConfiguration``, which moto 5.2.5 neither keeps nor returns: kept
    from each CreateService and UpdateService request, and put into DescribeServices' answer, checked
    against the ECS model as the creation templates are."""

    def __init__(self) -> None:
        self.services: dict[tuple[str, str, str, str], dict[str, Any]] = {}

    def install(self, ecs: Any, account_id: str) -> None:
        region = ecs.meta.region_name
        for operation in ("CreateService", "UpdateService"):
            ecs.meta.events.register(f"before-call.ecs.{operation}", self._keep(account_id, region))
        ecs.meta.events.register("after-call.ecs.DescribeServices", self._answer(account_id, region))

    def _keep(self, account_id: str, region: str) -> Any:
        def keep(model: Any, params: dict[str, Any], **_: Any) -> None:
            request = json.loads(params["body"] or b"{}")
            configuration = request.get("deploymentConfiguration")
            name = request.get("serviceName") or request.get("service", "")
            where = (account_id, region, _cluster(request.get("cluster", "default")), name.rsplit("/", 1)[-1])
            if configuration is not None:
                self.services[where] = {**self.services.get(where, {}), **configuration}

        return keep

    def _answer(self, account_id: str, region: str) -> Any:
        def answer(model: Any, parsed: dict[str, Any], **_: Any) -> None:
            for service in parsed.get("services", []):
                where = (account_id, region, _cluster(service["clusterArn"]), service["serviceName"])
                if where in self.services:
                    service["deploymentConfiguration"] = self.services[where]
            validate_parameters(
                {k: v for k, v in parsed.items() if k != "ResponseMetadata"}, model.output_shape
            )

        return answer


class KeyRotation:
    """GetKeyRotationStatus of a key pending deletion: false, as KMS answers, where moto keeps the
    status it had."""

    @staticmethod
    def install(kms: Any, account_id: str) -> None:
        region = kms.meta.region_name

        def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["key_id"] = json.loads(params["body"] or b"{}")["KeyId"]

        def answer(model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            key = kms_backends[account_id][region].describe_key(context["key_id"])
            if key.key_state == "PendingDeletion":
                parsed["KeyRotationEnabled"] = False
            validate_parameters(
                {k: v for k, v in parsed.items() if k != "ResponseMetadata"}, model.output_shape
            )

        kms.meta.events.register("before-call.kms.GetKeyRotationStatus", remember)
        kms.meta.events.register("after-call.kms.GetKeyRotationStatus", answer)


def _cluster(name_or_arn: str) -> str:
    return name_or_arn.rsplit("/", 1)[-1]


DEPLOYMENTS = ServiceDeployments()


def forget() -> None:
    """Drop the stand-ins' state: a reset moto holds none of what they answered for."""
    TEMPLATES.registries.clear()
    DEPLOYMENTS.services.clear()


class AccountSession:
    """What ``verify --live`` uses of a boto3 Session (``client``), for one moto account: moto keeps
    accounts apart by the request's account, so each client names its account on every request."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region_name = region

    def client(self, service: str, region_name: str | None = None) -> Any:
        region = region_name or self.region_name
        key = (self.account_id, service, region)
        if key not in _clients:
            _clients[key] = account_client(self.account_id, service, region)
        return _clients[key]


def account_client(account_id: str, service: str, region: str) -> Any:
    """A new client of one moto account, with the stand-ins every deployed account has; most callers
    want ``client`` (one per account, service and Region)."""
    client = _shared_botocore().create_client(
        service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing"
    )

    def name_the_account(request: Any, **_: Any) -> None:
        request.headers[ACCOUNT_HEADER] = account_id

    client.meta.events.register("before-sign", name_the_account)
    if service == "ecr":
        TEMPLATES.install(client, account_id)
    if service == "ecs":
        DEPLOYMENTS.install(client, account_id)
    if service == "kms":
        KeyRotation.install(client, account_id)
    return client


def _shared_botocore() -> botocore.session.Session:
    """Made once moto is imported: a session picks up moto's request handler when it is made."""
    if not _botocore:
        _botocore.append(botocore.session.Session())
        _botocore[0].register_component("data_loader", _MODELS)
    return _botocore[0]


def account_session(account_id: str, region: str) -> AccountSession:
    """A session whose credentials belong to ``account_id`` in moto."""
    return AccountSession(account_id, region)


def client(service: str, account_id: str, region: str = "us-east-1") -> Any:
    """A client of one moto account, as that account's role."""
    return account_session(account_id, region).client(service)


def session_for(stack: StackConfig, profile: str | None) -> Any:
    """``verify --live``'s session factory: the stack's own account, whatever the profile."""
    return account_session(stack.account_id, stack.region)


class Clients:
    """One client per account, Region and service while deploying: making sessions and clients is
    most of a deploy's time."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._sessions: dict[tuple[str, str], Any] = {}

    def __call__(self, service: str, account_id: str, region: str) -> Any:
        if (account_id, region, service) not in self._clients:
            if (account_id, region) not in self._sessions:
                self._sessions[account_id, region] = account_session(account_id, region)
            self._clients[account_id, region, service] = self._sessions[account_id, region].client(service)
        return self._clients[account_id, region, service]


def deploy(project: Path) -> Deployment:
    """Create everything the plans deploy that ``verify --live`` reads, each in its account and
    Region: the repositories of every registry the plans fill, with the policy their plan gives them
    (replicas included: a destination account's replicas get none unless its plan grants other
    accounts), every planned registry setting, role, log group and task definition, and the managed
    pull policy attached to each existing role an environment names (the roles themselves created
    first, as their owners would have)."""
    TEMPLATES.registries.clear()
    DEPLOYMENTS.services.clear()
    client = Clients()
    (deployment,) = load_deployments(project)
    keys = Keys(client)
    for plan in deployment.plans.values():
        keys.create(plan)
        _deploy_roles(plan, client)
    planned_texts = {d.text for d in evaluated_documents(deployment)}
    for repository in intended_state(deployment).repositories.values():
        ecr = client("ecr", repository.account_id, repository.region)
        if repository.replica:
            # ECR creates a replica from the creation template that applies to it.
            found = replica_template(
                deployment.plans, repository.account_id, repository.region, repository.name
            )
            assert found is not None, f"{repository.label} has no planned template"
            stack, template = found
            settings, lifecycle = _replica_settings(template.inputs, keys.resolver(deployment.plans[stack]))
        else:
            plan, inputs = next(
                (p, r.inputs)
                for p in deployment.plans.values()
                for r in p.of_type(REPOSITORY)
                if r.inputs["name"] == repository.name
            )
            settings = _repository_settings(inputs, keys.resolver(plan))
            lifecycle = repository_lifecycle(plan, repository.name)
        ecr.create_repository(repositoryName=repository.name, **settings)
        if lifecycle is not None:
            ecr.put_lifecycle_policy(repositoryName=repository.name, lifecyclePolicyText=lifecycle)
        if repository.policy is not None:
            # The state holds the planned text parsed; the plan rendered it canonically.
            text = canonical_json(repository.policy)
            assert text in planned_texts, f"{repository.label}: {text} is not a planned document"
            ecr.set_repository_policy(repositoryName=repository.name, policyText=text)
    for plan in deployment.plans.values():
        _deploy_registry_settings(plan, client, keys.resolver(plan))
    for env in deployment.environments:
        _deploy_consumers(deployment.plans[env.stack], client, env.pull_roles)
    return deployment


# A planned value that may be an output reference (a created key's ARN) -> its deployed value.
Resolve = Callable[[Any], Any]


class Keys:
    """The KMS keys the plans create, created in moto with every planned input (CreateKey with the
    key spec, usage and multi-Region setting pulumi-aws sends; rotation; disabled if planned so), and
    their ARNs, for the repositories and templates that name them."""

    def __init__(self, client: Clients) -> None:
        self.client = client
        self.arns: dict[tuple[str, str], str] = {}

    def create(self, plan: StackPlan) -> None:
        for key in plan.of_type(KMS_KEY):
            inputs = key.inputs
            kms = self.client("kms", plan.account_id, plan.region_of(key))
            created = kms.create_key(
                Description=inputs["description"],
                Policy=inputs["policy"],
                KeySpec=inputs["customer_master_key_spec"],
                KeyUsage=inputs["key_usage"],
                MultiRegion=inputs["multi_region"],
            )["KeyMetadata"]
            if inputs["enable_key_rotation"]:
                kms.enable_key_rotation(KeyId=created["KeyId"])
            if not inputs["is_enabled"]:
                kms.disable_key(KeyId=created["KeyId"])
            self.arns[plan.stack, key.key] = created["Arn"]

    def resolver(self, plan: StackPlan) -> Resolve:
        def resolve(value: Any) -> Any:
            return self.arns[plan.stack, value.resource] if isinstance(value, OutputRef) else value

        return resolve


def _encryption(inputs: Mapping[str, Any], resolve: Resolve) -> dict[str, Any]:
    (encryption,) = inputs["encryption_configurations"]
    return {
        "encryptionType": encryption["encryption_type"],
        **({"kmsKey": resolve(encryption["kms_key"])} if "kms_key" in encryption else {}),
    }


def _exclusions(inputs: Mapping[str, Any]) -> dict[str, Any]:
    filters = inputs.get("image_tag_mutability_exclusion_filters")
    if not filters:
        return {}
    return {
        "imageTagMutabilityExclusionFilters": [
            {"filter": f["filter"], "filterType": f["filter_type"]} for f in filters
        ]
    }


def _repository_settings(inputs: Mapping[str, Any], resolve: Resolve) -> dict[str, Any]:
    return {
        "imageTagMutability": inputs["image_tag_mutability"],
        **_exclusions(inputs),
        "imageScanningConfiguration": {"scanOnPush": inputs["image_scanning_configuration"]["scan_on_push"]},
        "encryptionConfiguration": _encryption(inputs, resolve),
    }


def _replica_settings(template: Mapping[str, Any], resolve: Resolve) -> tuple[dict[str, Any], str | None]:
    """What ECR gives a replica from its creation template: the template's tag mutability,
    encryption and lifecycle policy (its repository policy is set from the plan's documents)."""
    settings = {
        "imageTagMutability": template["image_tag_mutability"],
        **_exclusions(template),
        "encryptionConfiguration": _encryption(template, resolve),
    }
    return settings, template.get("lifecycle_policy")


def _deploy_roles(plan: StackPlan, client: Clients) -> None:
    """Every role of the plan (the execution role, the creation templates' role) with its trust
    policy and inline policies."""
    iam = client("iam", plan.account_id, plan.region)
    for role in plan.of_type(ROLE):
        iam.create_role(
            RoleName=role.inputs["name"],
            AssumeRolePolicyDocument=role.inputs["assume_role_policy"],
            Description=role.inputs["description"],
        )
    for policy in plan.of_type(ROLE_POLICY):
        iam.put_role_policy(
            RoleName=policy.inputs["role"],
            PolicyName=policy.inputs["name"],
            PolicyDocument=policy.inputs["policy"],
        )


def _deploy_registry_settings(plan: StackPlan, client: Clients, resolve: Resolve) -> None:
    for resource in plan.provider_resources():
        region = plan.region_of(resource)
        ecr = client("ecr", plan.account_id, region)
        inputs = resource.inputs
        if resource.type == REGISTRY_POLICY:
            ecr.put_registry_policy(policyText=inputs["policy"])
        elif resource.type == CREATION_TEMPLATE:
            ecr.create_repository_creation_template(**creation_template(inputs, resolve))
        elif resource.type == SCANNING_CONFIGURATION:
            ecr.put_registry_scanning_configuration(
                scanType=inputs["scan_type"],
                rules=[
                    {
                        "scanFrequency": rule["scan_frequency"],
                        "repositoryFilters": [
                            {"filter": f["filter"], "filterType": f["filter_type"]}
                            for f in rule["repository_filters"]
                        ],
                    }
                    for rule in inputs["rules"]
                ],
            )
        elif resource.type == REPLICATION_CONFIGURATION:
            write_replication_rules(plan.account_id, region, replication_rules(inputs))


def creation_template(inputs: Mapping[str, Any], resolve: Resolve) -> dict[str, Any]:
    """CreateRepositoryCreationTemplate's parameters for a planned template."""
    params: dict[str, Any] = {
        "prefix": inputs["prefix"],
        "description": inputs["description"],
        "appliedFor": list(inputs["applied_fors"]),
        "imageTagMutability": inputs["image_tag_mutability"],
        **_exclusions(inputs),
        "encryptionConfiguration": _encryption(inputs, resolve),
    }
    for param, planned in (
        ("repositoryPolicy", "repository_policy"),
        ("lifecyclePolicy", "lifecycle_policy"),
        ("customRoleArn", "custom_role_arn"),
    ):
        if planned in inputs:
            params[param] = inputs[planned]
    return params


def replication_rules(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    rules = []
    for rule in inputs["replication_configuration"]["rules"]:
        entry: dict[str, Any] = {
            "destinations": [
                {"region": d["region"], "registryId": d["registry_id"]} for d in rule["destinations"]
            ]
        }
        if rule.get("repository_filters"):
            entry["repositoryFilters"] = [
                {"filter": f["filter"], "filterType": f["filter_type"]} for f in rule["repository_filters"]
            ]
        rules.append(entry)
    return rules


def write_replication_rules(account_id: str, region: str, rules: list[dict[str, Any]]) -> None:
    """Into moto's registry state: its PutReplicationConfiguration takes at most one rule."""
    ecr_backends[account_id][region].replication_config = {"rules": rules}


def _deploy_consumers(plan: StackPlan, client: Clients, pull_roles: Any = ()) -> None:
    iam, logs, ecs, ec2 = (
        client(service, plan.account_id, plan.region) for service in ("iam", "logs", "ecs", "ec2")
    )
    for existing in pull_roles:
        create_existing_role(iam, existing.arn)
    arns = {
        policy.key: iam.create_policy(
            PolicyName=policy.inputs["name"],
            PolicyDocument=policy.inputs["policy"],
            Description=policy.inputs["description"],
        )["Policy"]["Arn"]
        for policy in plan.of_type(POLICY)
    }
    for attachment in plan.of_type(ROLE_POLICY_ATTACHMENT):
        iam.attach_role_policy(
            RoleName=attachment.inputs["role"], PolicyArn=arns[attachment.inputs["policy_arn"].resource]
        )
    for group in plan.of_type(LOG_GROUP):
        logs.create_log_group(logGroupName=group.inputs["name"])
        logs.put_retention_policy(
            logGroupName=group.inputs["name"], retentionInDays=group.inputs["retention_in_days"]
        )
    revisions = {
        task.inputs["family"]: ecs.register_task_definition(**task_definition(task.inputs))["taskDefinition"][
            "taskDefinitionArn"
        ]
        for task in plan.of_type(TASK_DEFINITION)
    }
    for service in plan.of_type(ECS_SERVICE):
        create_ecs_service(ecs, ec2, plan.account_id, service.inputs, revisions[service.inputs["name"]])


def create_ecs_service(
    ecs: Any, ec2: Any, account_id: str, inputs: Mapping[str, Any], task_definition_arn: str
) -> None:
    """The planned service in its cluster, running the revision the stack registered; the cluster and
    the network are created first, as they exist before the stack."""
    cluster = inputs["cluster"]
    ecs.create_cluster(clusterName=cluster.rsplit("/", 1)[1])
    network = inputs["network_configuration"]
    create_network(ec2, account_id, network["subnets"], network.get("security_groups", []))
    ecs.create_service(
        cluster=cluster,
        serviceName=inputs["name"],
        taskDefinition=task_definition_arn,
        launchType=inputs["launch_type"],
        desiredCount=inputs["desired_count"],
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": list(network["subnets"]),
                "securityGroups": list(network.get("security_groups", [])),
                "assignPublicIp": "ENABLED" if network["assign_public_ip"] else "DISABLED",
            }
        },
        deploymentConfiguration={
            "deploymentCircuitBreaker": dict(inputs["deployment_circuit_breaker"]),
            "minimumHealthyPercent": inputs["deployment_minimum_healthy_percent"],
            "maximumPercent": inputs["deployment_maximum_percent"],
        },
    )


def create_network(ec2: Any, account_id: str, subnets: list[str], groups: list[str]) -> None:
    """A VPC with these subnets and security groups, under these IDs (see the module's docstring)."""
    backend = ec2_backends[account_id][ec2.meta.region_name]
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for index, wanted in enumerate(subnets):
        made = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{index}.0/24")["Subnet"]
        zone = backend.subnets[made["AvailabilityZone"]]
        subnet = zone.pop(made["SubnetId"])
        subnet.id = wanted
        zone[wanted] = subnet
    for wanted in groups:
        made = ec2.create_security_group(GroupName=wanted, Description="the service's", VpcId=vpc)["GroupId"]
        group = backend.groups[vpc].pop(made)
        group.id = wanted
        backend.groups[vpc][wanted] = group


def task_definition(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """RegisterTaskDefinition's parameters for a planned task definition."""
    return {
        "family": inputs["family"],
        "networkMode": inputs["network_mode"],
        "requiresCompatibilities": list(inputs["requires_compatibilities"]),
        "cpu": inputs["cpu"],
        "memory": inputs["memory"],
        "executionRoleArn": inputs["execution_role_arn"],
        "containerDefinitions": json.loads(inputs["container_definitions"]),
    }


def create_existing_role(iam: Any, arn: str) -> None:
    """A role ecr-share does not create (an EKS node role, a CodeBuild role), on its path."""
    path, name = arn.split(":role", 1)[1].rsplit("/", 1)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.create_role(RoleName=name, Path=f"{path}/", AssumeRolePolicyDocument=canonical_json(trust))
