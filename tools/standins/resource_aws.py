"""STAND-IN for the pulumi-aws resource provider (``pulumi-resource-aws``), for the engine tests only.

The real plugin cannot be built here (its provider/go.mod replaces terraform-provider-aws with a
patched git submodule, and its schema is generated at build time) and no reachable registry ships
it. This stand-in serves the ``ResourceProvider`` gRPC service with the pulumi wheel's servicer
classes, reports the pinned version (7.51.1, the pulumi_aws wheel's pulumi-plugin.json), and does
Create/Read/Update/Delete of the 15 resource types ecr-share registers (components/plan/register.py,
``PROVIDER_TYPES``) with boto3, against whatever ``AWS_ENDPOINT_URL`` names (a moto server in the
engine tests). It never talks to AWS itself: it refuses to start without ``AWS_ENDPOINT_URL``.

It proves the engine's side only: the graph, the order, outputs, protect, aliases, replacements as
the engine plans them from ``Diff``. It does NOT do what pulumi-aws does: schema validation,
defaults, ``tagsAll``, normalisation of documents, retries, import, refresh (``Read`` returns the
state it is given), AWS's own validation beyond what moto checks. Each account is reached by assuming
a role in the stack's first ``aws:allowedAccountIds`` account (moto keeps accounts apart by
credentials); ``aws:profile`` is ignored.

``Diff`` marks as replacements exactly the properties in ``FORCE_NEW`` (pulumi-aws bridges
terraform-provider-aws, whose ``ForceNew`` schema attributes become Pulumi replacements).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent import futures
from typing import Any

import boto3
import grpc
from botocore.exceptions import ClientError
from google.protobuf import empty_pb2, json_format, struct_pb2
from language_python import exit_with_parent
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

VERSION = "7.51.1"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's marker for an unknown value

# Properties (Pulumi names) whose change replaces the resource: terraform-provider-aws's ForceNew
# attributes, read in hashicorp/terraform-provider-aws (via the `code` search corpus) unless marked:
# - ecr/repository.go: name, encryption_configuration (and both of its fields);
# - ecr/repository_policy.go: repository;  ecr/lifecycle_policy.go: repository, policy (no Update);
# - ecr/repository_creation_template.go: prefix;  ecr/registry_policy.go,
#   replication_configuration.go, registry_scanning_configuration.go: none (all updatable);
# - iam/role.go: name, name_prefix, path;  iam/role_policy.go: name, name_prefix, role;
# - iam/policy.go: description, name, name_prefix, path;
# - iam/role_policy_attachment.go: role, policy_arn (no Update);
# - FROM MEMORY of the same provider, not read in this session (check before relying on them):
#   logs/group.go: name, name_prefix, log_group_class; kms/key.go: customer_master_key_spec,
#   key_usage, multi_region, custom_key_store_id, xks_key_id; ecs/task_definition.go: every argument
#   but tags, skip_destroy and track_latest; ecs/service.go: name, cluster, iam_role, launch_type,
#   scheduling_strategy; and `region` (terraform-provider-aws v6's per-resource Region) everywhere.
FORCE_NEW: dict[str, frozenset[str]] = {
    "aws:ecr/repository:Repository": frozenset({"name", "encryptionConfigurations", "region"}),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": frozenset({"repository", "region"}),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": frozenset({"repository", "policy", "region"}),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": frozenset({"prefix", "region"}),
    "aws:ecr/registryPolicy:RegistryPolicy": frozenset({"region"}),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": frozenset({"region"}),
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": frozenset({"region"}),
    "aws:iam/role:Role": frozenset({"name", "namePrefix", "path"}),
    "aws:iam/rolePolicy:RolePolicy": frozenset({"name", "namePrefix", "role"}),
    "aws:iam/policy:Policy": frozenset({"description", "name", "namePrefix", "path"}),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": frozenset({"role", "policyArn"}),
    "aws:cloudwatch/logGroup:LogGroup": frozenset({"name", "namePrefix", "logGroupClass", "region"}),
    "aws:kms/key:Key": frozenset(
        {"customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId", "region"}
    ),
    "aws:ecs/taskDefinition:TaskDefinition": frozenset(
        {
            "family",
            "containerDefinitions",
            "taskRoleArn",
            "executionRoleArn",
            "networkMode",
            "volumes",
            "placementConstraints",
            "requiresCompatibilities",
            "cpu",
            "memory",
            "proxyConfiguration",
            "inferenceAccelerators",
            "ipcMode",
            "pidMode",
            "ephemeralStorage",
            "runtimePlatform",
            "enableFaultInjection",
            "region",
        }
    ),
    "aws:ecs/service:Service": frozenset(
        {"name", "cluster", "iamRole", "launchType", "schedulingStrategy", "region"}
    ),
}
# Types that take a generated name when none is given (pulumi-aws autonaming: <resource>-<7 hex>).
AUTONAMED = {
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:ecr/repository:Repository",
}


def to_dict(value: struct_pb2.Struct) -> dict[str, Any]:
    return _ints(json_format.MessageToDict(value))


def _ints(value: Any) -> Any:
    """Struct numbers are doubles; AWS wants the integers back."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


def to_struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(dict(value))
    return result


def urn_type(urn: str) -> str:
    return urn.split("::")[2].split("$")[-1]


def urn_name(urn: str) -> str:
    return urn.split("::")[3]


def _missing(error: ClientError) -> bool:
    code = error.response["Error"]["Code"]
    return "NotFound" in code or code in {"NoSuchEntity", "ResourceNotFoundException"}


class Accounts:
    """boto3 clients for the configured account (assumed in moto) and a Region."""

    def __init__(self) -> None:
        self.region = "us-east-1"
        self.account_id = ""
        self._session: boto3.Session | None = None
        self._lock = threading.Lock()

    def configure(self, config: Mapping[str, Any]) -> None:
        self.region = str(config.get("region") or os.environ.get("AWS_REGION") or "us-east-1")
        allowed = config.get("allowedAccountIds") or []
        if isinstance(allowed, str):
            allowed = json.loads(allowed)
        sts = boto3.client("sts", region_name=self.region)
        if allowed:
            role = f"arn:aws:iam::{allowed[0]}:role/pulumi-standin-deployer"
            credentials = sts.assume_role(RoleArn=role, RoleSessionName="pulumi-standin")["Credentials"]
            self._session = boto3.Session(
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            )
        else:
            self._session = boto3.Session()
        self.account_id = self._session.client("sts", region_name=self.region).get_caller_identity()[
            "Account"
        ]

    def client(self, service: str, region: str | None = None) -> Any:
        with self._lock:
            if self._session is None:
                self._session = boto3.Session()
            return self._session.client(service, region_name=region or self.region)


# --- Create/Update/Delete per type: each takes (accounts, inputs, old state) and returns (id, outputs).
Handler = Callable[[Accounts, dict[str, Any], dict[str, Any]], tuple[str, dict[str, Any]]]


def _ecr(a: Accounts, p: Mapping[str, Any]) -> Any:
    return a.client("ecr", p.get("region"))


def _encryption(p: Mapping[str, Any]) -> dict[str, Any]:
    (config,) = p.get("encryptionConfigurations") or [{"encryptionType": "AES256"}]
    return {k: v for k, v in config.items() if k in {"encryptionType", "kmsKey"} and v}


def repository_create(a: Accounts, p: dict[str, Any], _: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {
        "repositoryName": p["name"],
        "imageTagMutability": p.get("imageTagMutability", "MUTABLE"),
        "encryptionConfiguration": _encryption(p),
        "imageScanningConfiguration": {
            "scanOnPush": bool((p.get("imageScanningConfiguration") or {}).get("scanOnPush", False))
        },
    }
    if p.get("imageTagMutabilityExclusionFilters"):
        params["imageTagMutabilityExclusionFilters"] = p["imageTagMutabilityExclusionFilters"]
    repo = _ecr(a, p).create_repository(**params)["repository"]
    return p["name"], {
        **p,
        "arn": repo["repositoryArn"],
        "registryId": repo["registryId"],
        "repositoryUrl": repo["repositoryUri"],
        "tagsAll": p.get("tags", {}),
    }


def repository_update(a: Accounts, p: dict[str, Any], old: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ecr = _ecr(a, p)
    ecr.put_image_tag_mutability(
        repositoryName=p["name"], imageTagMutability=p.get("imageTagMutability", "MUTABLE")
    )
    ecr.put_image_scanning_configuration(
        repositoryName=p["name"],
        imageScanningConfiguration={
            "scanOnPush": bool((p.get("imageScanningConfiguration") or {}).get("scanOnPush", False))
        },
    )
    return p["name"], {**old, **p}


def repository_delete(a: Accounts, p: dict[str, Any]) -> None:
    _ecr(a, p).delete_repository(repositoryName=p["name"], force=bool(p.get("forceDelete", False)))


def _registry_put(call: Callable[[Any, dict[str, Any]], Any]) -> Handler:
    """A registry-wide setting (one per account and Region): its id is the account."""

    def put(a: Accounts, p: dict[str, Any], old: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        call(_ecr(a, p), p)
        return a.account_id, {**old, **p, "registryId": a.account_id}

    return put


def _repository_put(call: Callable[[Any, dict[str, Any]], Any]) -> Handler:
    def put(a: Accounts, p: dict[str, Any], old: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        call(_ecr(a, p), p)
        return p["repository"], {**old, **p, "registryId": a.account_id}

    return put


def _filters(filters: Any) -> list[dict[str, Any]]:
    return [{"filter": f["filter"], "filterType": f["filterType"]} for f in filters or []]


def _replication(ecr: Any, p: dict[str, Any]) -> None:
    rules = []
    for rule in p["replicationConfiguration"]["rules"]:
        entry: dict[str, Any] = {
            "destinations": [
                {"region": d["region"], "registryId": d["registryId"]} for d in rule["destinations"]
            ]
        }
        if rule.get("repositoryFilters"):
            entry["repositoryFilters"] = _filters(rule["repositoryFilters"])
        rules.append(entry)
    ecr.put_replication_configuration(replicationConfiguration={"rules": rules})


def _scanning(ecr: Any, p: dict[str, Any]) -> None:
    ecr.put_registry_scanning_configuration(
        scanType=p["scanType"],
        rules=[
            {"scanFrequency": r["scanFrequency"], "repositoryFilters": _filters(r.get("repositoryFilters"))}
            for r in p.get("rules") or []
        ],
    )


def _template_params(p: Mapping[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {
        "prefix": p["prefix"],
        "appliedFor": list(p["appliedFors"]),
        "imageTagMutability": p.get("imageTagMutability", "MUTABLE"),
        "encryptionConfiguration": _encryption(p),
    }
    for pulumi_name, api_name in (
        ("description", "description"),
        ("repositoryPolicy", "repositoryPolicy"),
        ("lifecyclePolicy", "lifecyclePolicy"),
        ("customRoleArn", "customRoleArn"),
    ):
        if p.get(pulumi_name):
            params[api_name] = p[pulumi_name]
    if p.get("imageTagMutabilityExclusionFilters"):
        params["imageTagMutabilityExclusionFilters"] = p["imageTagMutabilityExclusionFilters"]
    return params


def template_put(create: bool) -> Handler:
    def put(a: Accounts, p: dict[str, Any], old: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        ecr = _ecr(a, p)
        call = ecr.create_repository_creation_template if create else ecr.update_repository_creation_template
        call(**_template_params(p))
        return p["prefix"], {**old, **p, "registryId": a.account_id}

    return put


def _named(p: dict[str, Any]) -> str:
    return str(p["name"])


def role_create(a: Accounts, p: dict[str, Any], _: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {
        "RoleName": p["name"],
        "AssumeRolePolicyDocument": p["assumeRolePolicy"],
        "Path": p.get("path", "/"),
    }
    for name, api in (
        ("description", "Description"),
        ("maxSessionDuration", "MaxSessionDuration"),
        ("permissionsBoundary", "PermissionsBoundary"),
    ):
        if p.get(name):
            params[api] = p[name]
    role = a.client("iam").create_role(**params)["Role"]
    return p["name"], {**p, "arn": role["Arn"], "uniqueId": role["RoleId"], "tagsAll": p.get("tags", {})}


def role_update(a: Accounts, p: dict[str, Any], old: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    iam = a.client("iam")
    iam.update_assume_role_policy(RoleName=p["name"], PolicyDocument=p["assumeRolePolicy"])
    iam.update_role(RoleName=p["name"], Description=p.get("description", ""))
    return p["name"], {**old, **p}


def role_policy_put(a: Accounts, p: dict[str, Any], old: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    a.client("iam").put_role_policy(RoleName=p["role"], PolicyName=p["name"], PolicyDocument=p["policy"])
    return f"{p['role']}:{p['name']}", {**old, **p}


def policy_create(a: Accounts, p: dict[str, Any], _: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    params = {"PolicyName": p["name"], "Path": p.get("path", "/"), "PolicyDocument": p["policy"]}
    if p.get("description"):
        params["Description"] = p["description"]
    policy = a.client("iam").create_policy(**params)["Policy"]
    return policy["Arn"], {**p, "arn": policy["Arn"], "policyId": policy["PolicyId"], "tagsAll": {}}


def policy_update(a: Accounts, p: dict[str, Any], old: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    a.client("iam").create_policy_version(PolicyArn=old["arn"], PolicyDocument=p["policy"], SetAsDefault=True)
    return old["arn"], {**old, **p}


def attachment_create(a: Accounts, p: dict[str, Any], _: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    a.client("iam").attach_role_policy(RoleName=p["role"], PolicyArn=p["policyArn"])
    return f"{p['role']}-{secrets.token_hex(13)}", dict(p)


def log_group_put(create: bool) -> Handler:
    def put(a: Accounts, p: dict[str, Any], old: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        logs = a.client("logs", p.get("region"))
        if create:
            logs.create_log_group(
                logGroupName=p["name"], **({"kmsKeyId": p["kmsKeyId"]} if p.get("kmsKeyId") else {})
            )
        if p.get("retentionInDays"):
            logs.put_retention_policy(logGroupName=p["name"], retentionInDays=p["retentionInDays"])
        elif not create:
            logs.delete_retention_policy(logGroupName=p["name"])
        region = p.get("region") or a.region
        arn = f"arn:aws:logs:{region}:{a.account_id}:log-group:{p['name']}"
        return p["name"], {**old, **p, "arn": arn, "tagsAll": {}}

    return put


def key_create(a: Accounts, p: dict[str, Any], _: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kms = a.client("kms", p.get("region"))
    params = {
        k: p[n]
        for n, k in (("description", "Description"), ("policy", "Policy"), ("keyUsage", "KeyUsage"))
        if p.get(n)
    }
    key = kms.create_key(**params)["KeyMetadata"]
    if p.get("enableKeyRotation"):
        kms.enable_key_rotation(KeyId=key["KeyId"])
    return key["KeyId"], {**p, "arn": key["Arn"], "keyId": key["KeyId"], "tagsAll": {}}


def key_update(a: Accounts, p: dict[str, Any], old: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kms = a.client("kms", p.get("region"))
    if p.get("policy"):
        kms.put_key_policy(KeyId=old["keyId"], PolicyName="default", Policy=p["policy"])
    if p.get("description") is not None:
        kms.update_key_description(KeyId=old["keyId"], Description=p.get("description", ""))
    (kms.enable_key_rotation if p.get("enableKeyRotation") else kms.disable_key_rotation)(KeyId=old["keyId"])
    return old["keyId"], {**old, **p}


def task_definition_create(a: Accounts, p: dict[str, Any], _: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {
        "family": p["family"],
        "containerDefinitions": json.loads(p["containerDefinitions"]),
    }
    for name in (
        "networkMode",
        "cpu",
        "memory",
        "executionRoleArn",
        "taskRoleArn",
        "requiresCompatibilities",
        "runtimePlatform",
    ):
        if p.get(name):
            params[name] = p[name]
    task = a.client("ecs", p.get("region")).register_task_definition(**params)["taskDefinition"]
    arn = task["taskDefinitionArn"]
    return p["family"], {
        **p,
        "arn": arn,
        "arnWithoutRevision": arn.rsplit(":", 1)[0],
        "revision": task["revision"],
        "tagsAll": {},
    }


def _service_params(p: Mapping[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"taskDefinition": p["taskDefinition"], "desiredCount": p.get("desiredCount", 1)}
    network = p.get("networkConfiguration")
    if network:
        params["networkConfiguration"] = {
            "awsvpcConfiguration": {
                "subnets": network["subnets"],
                "securityGroups": network.get("securityGroups", []),
                "assignPublicIp": "ENABLED" if network.get("assignPublicIp") else "DISABLED",
            }
        }
    deployment: dict[str, Any] = {}
    if p.get("deploymentCircuitBreaker"):
        deployment["deploymentCircuitBreaker"] = dict(p["deploymentCircuitBreaker"])
    for name, api in (
        ("deploymentMaximumPercent", "maximumPercent"),
        ("deploymentMinimumHealthyPercent", "minimumHealthyPercent"),
    ):
        if name in p:
            deployment[api] = p[name]
    if deployment:
        params["deploymentConfiguration"] = deployment
    return params


def service_create(a: Accounts, p: dict[str, Any], _: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ecs = a.client("ecs", p.get("region"))
    service = ecs.create_service(
        serviceName=p["name"],
        cluster=p["cluster"],
        launchType=p.get("launchType", "FARGATE"),
        **_service_params(p),
    )["service"]
    return service["serviceArn"], {**p, "tagsAll": {}}


def service_update(a: Accounts, p: dict[str, Any], old: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    a.client("ecs", p.get("region")).update_service(
        service=p["name"], cluster=p["cluster"], **_service_params(p)
    )
    return str(old.get("id", "")), {**old, **p}


CREATE: dict[str, Handler] = {
    "aws:ecr/repository:Repository": repository_create,
    "aws:ecr/repositoryPolicy:RepositoryPolicy": _repository_put(
        lambda ecr, p: ecr.set_repository_policy(repositoryName=p["repository"], policyText=p["policy"])
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": _repository_put(
        lambda ecr, p: ecr.put_lifecycle_policy(
            repositoryName=p["repository"], lifecyclePolicyText=p["policy"]
        )
    ),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": template_put(create=True),
    "aws:ecr/registryPolicy:RegistryPolicy": _registry_put(
        lambda ecr, p: ecr.put_registry_policy(policyText=p["policy"])
    ),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": _registry_put(_replication),
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": _registry_put(_scanning),
    "aws:iam/role:Role": role_create,
    "aws:iam/rolePolicy:RolePolicy": role_policy_put,
    "aws:iam/policy:Policy": policy_create,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": attachment_create,
    "aws:cloudwatch/logGroup:LogGroup": log_group_put(create=True),
    "aws:kms/key:Key": key_create,
    "aws:ecs/taskDefinition:TaskDefinition": task_definition_create,
    "aws:ecs/service:Service": service_create,
}
# Updates: where the create call is a put, the same call; types whose every input is ForceNew
# (lifecycle policy, attachment, task definition) never update.
UPDATE: dict[str, Handler] = {
    **{
        t: CREATE[t]
        for t in (
            "aws:ecr/repositoryPolicy:RepositoryPolicy",
            "aws:ecr/registryPolicy:RegistryPolicy",
            "aws:ecr/replicationConfiguration:ReplicationConfiguration",
            "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
            "aws:iam/rolePolicy:RolePolicy",
        )
    },
    "aws:ecr/repository:Repository": repository_update,
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": template_put(create=False),
    "aws:iam/role:Role": role_update,
    "aws:iam/policy:Policy": policy_update,
    "aws:cloudwatch/logGroup:LogGroup": log_group_put(create=False),
    "aws:kms/key:Key": key_update,
    "aws:ecs/service:Service": service_update,
}
Deleter = Callable[[Accounts, dict[str, Any], str], Any]
DELETE: dict[str, Deleter] = {
    "aws:ecr/repository:Repository": lambda a, p, _: repository_delete(a, p),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": lambda a, p, _: _ecr(a, p).delete_repository_policy(
        repositoryName=p["repository"]
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": lambda a, p, _: _ecr(a, p).delete_lifecycle_policy(
        repositoryName=p["repository"]
    ),
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": lambda a, p, _: _ecr(
        a, p
    ).delete_repository_creation_template(prefix=p["prefix"]),
    "aws:ecr/registryPolicy:RegistryPolicy": lambda a, p, _: _ecr(a, p).delete_registry_policy(),
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": lambda a, p, _: _ecr(
        a, p
    ).put_replication_configuration(replicationConfiguration={"rules": []}),
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": lambda a, p, _: _ecr(
        a, p
    ).put_registry_scanning_configuration(scanType="BASIC", rules=[]),
    "aws:iam/role:Role": lambda a, p, _: a.client("iam").delete_role(RoleName=p["name"]),
    "aws:iam/rolePolicy:RolePolicy": lambda a, p, _: a.client("iam").delete_role_policy(
        RoleName=p["role"], PolicyName=p["name"]
    ),
    "aws:iam/policy:Policy": lambda a, p, id_: a.client("iam").delete_policy(PolicyArn=id_),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": lambda a, p, _: a.client("iam").detach_role_policy(
        RoleName=p["role"], PolicyArn=p["policyArn"]
    ),
    "aws:cloudwatch/logGroup:LogGroup": lambda a, p, _: a.client("logs", p.get("region")).delete_log_group(
        logGroupName=p["name"]
    ),
    "aws:kms/key:Key": lambda a, p, id_: a.client("kms", p.get("region")).schedule_key_deletion(
        KeyId=id_, PendingWindowInDays=int(p.get("deletionWindowInDays", 30))
    ),
    "aws:ecs/taskDefinition:TaskDefinition": lambda a, p, _: a.client(
        "ecs", p.get("region")
    ).deregister_task_definition(taskDefinition=p["arn"]),
    "aws:ecs/service:Service": lambda a, p, _: a.client("ecs", p.get("region")).delete_service(
        service=p["name"], cluster=p["cluster"], force=True
    ),
}


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Top-level inputs whose value differs (an unknown new value counts as a change)."""
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k) or new.get(k) == UNKNOWN)


class StandInAwsProvider(provider_pb2_grpc.ResourceProviderServicer):
    """The stand-in ``ResourceProvider``: see the module docstring for what it does and does not do."""

    def __init__(self) -> None:
        self.accounts = Accounts()

    def Handshake(self, request: Any, context: Any) -> provider_pb2.ProviderHandshakeResponse:
        return provider_pb2.ProviderHandshakeResponse(accept_secrets=False, accept_resources=True)

    def GetPluginInfo(self, request: Any, context: Any) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=VERSION)

    def GetSchema(self, request: Any, context: Any) -> provider_pb2.GetSchemaResponse:
        return provider_pb2.GetSchemaResponse(schema=json.dumps({"name": "aws", "version": VERSION}))

    def CheckConfig(self, request: Any, context: Any) -> provider_pb2.CheckResponse:
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request: Any, context: Any) -> provider_pb2.DiffResponse:
        changes = changed_keys(to_dict(request.old_inputs or request.olds), to_dict(request.news))
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changes else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changes,
        )

    def Configure(self, request: Any, context: Any) -> provider_pb2.ConfigureResponse:
        config = (
            to_dict(request.args)
            if request.HasField("args")
            else {k.rsplit(":", 1)[-1]: v for k, v in request.variables.items()}
        )
        self.accounts.configure(config)
        return provider_pb2.ConfigureResponse(acceptSecrets=False, supportsPreview=True, acceptResources=True)

    def Check(self, request: Any, context: Any) -> provider_pb2.CheckResponse:
        news, olds = to_dict(request.news), to_dict(request.olds)
        type_ = urn_type(request.urn)
        if type_ not in CREATE:
            return provider_pb2.CheckResponse(
                failures=[
                    provider_pb2.CheckFailure(reason=f"the stand-in aws provider does not serve {type_}")
                ]
            )
        if type_ in AUTONAMED and "name" not in news:
            news["name"] = olds.get("name") or f"{urn_name(request.urn)}-{secrets.token_hex(4)[:7]}"
        return provider_pb2.CheckResponse(inputs=to_struct(news))

    def Diff(self, request: Any, context: Any) -> provider_pb2.DiffResponse:
        old = to_dict(request.old_inputs) if request.HasField("old_inputs") else to_dict(request.olds)
        changes = [k for k in changed_keys(old, to_dict(request.news)) if k not in set(request.ignoreChanges)]
        replaces = [k for k in changes if k in FORCE_NEW.get(urn_type(request.urn), frozenset())]
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changes else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changes,
            replaces=replaces,
        )

    def Create(self, request: Any, context: Any) -> provider_pb2.CreateResponse:
        inputs = to_dict(request.properties)
        if request.preview:
            return provider_pb2.CreateResponse(properties=to_struct(inputs))
        resource_id, outputs = self._call(context, CREATE[urn_type(request.urn)], inputs, {})
        return provider_pb2.CreateResponse(id=resource_id, properties=to_struct(outputs))

    def Read(self, request: Any, context: Any) -> provider_pb2.ReadResponse:
        # No live read: refresh and import are pulumi-aws's, not the engine's (module docstring).
        return provider_pb2.ReadResponse(id=request.id, properties=request.properties, inputs=request.inputs)

    def Update(self, request: Any, context: Any) -> provider_pb2.UpdateResponse:
        news, olds = to_dict(request.news), to_dict(request.olds)
        if request.preview:
            return provider_pb2.UpdateResponse(properties=to_struct({**olds, **news}))
        handler = UPDATE.get(urn_type(request.urn))
        if handler is None:
            context.abort(
                grpc.StatusCode.FAILED_PRECONDITION, f"{urn_type(request.urn)} cannot be updated in place"
            )
        _, outputs = self._call(context, handler, news, {**olds, "id": request.id})
        outputs.pop("id", None)
        return provider_pb2.UpdateResponse(properties=to_struct(outputs))

    def Delete(self, request: Any, context: Any) -> empty_pb2.Empty:
        properties = to_dict(request.properties)
        try:
            DELETE[urn_type(request.urn)](self.accounts, properties, request.id)
        except ClientError as error:
            if not _missing(error):
                context.abort(grpc.StatusCode.UNKNOWN, f"deleting {request.id}: {error}")
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: Any) -> provider_pb2.InvokeResponse:
        if request.tok == "aws:index/getCallerIdentity:getCallerIdentity":
            identity = self.accounts.client("sts").get_caller_identity()
            result = {
                "accountId": identity["Account"],
                "arn": identity["Arn"],
                "userId": identity["UserId"],
                "id": identity["Account"],
            }
            return provider_pb2.InvokeResponse(**{"return": to_struct(result)})
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED, f"the stand-in aws provider does not serve {request.tok}"
        )
        raise AssertionError  # abort raises

    def Cancel(self, request: Any, context: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    def _call(
        self, context: Any, handler: Handler, inputs: dict[str, Any], old: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        try:
            return handler(self.accounts, inputs, old)
        except ClientError as error:
            context.abort(grpc.StatusCode.UNKNOWN, str(error))
            raise AssertionError from error  # abort raises


def serve(argv: list[str]) -> None:
    if not os.environ.get("AWS_ENDPOINT_URL"):
        sys.exit("stand-in pulumi-resource-aws: AWS_ENDPOINT_URL is not set; it only talks to an emulator")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(StandInAwsProvider(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    exit_with_parent(set())
    threading.Event().wait()
