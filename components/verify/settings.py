"""Drift of everything else a plan deploys: each planned resource's settings, read off the plan in the
terms AWS's read APIs answer with, and compared field by field with what is deployed.

Repository policies and the execution role's permission policies are compared by ``drift.py`` (the
access matrix evaluates them too); this module covers the rest: repository settings, the registry
policy, creation templates, the replication and scanning configurations, the role's trust policy,
log groups, the image each task family's latest ACTIVE revision runs, and each ECS service's
settings (the family it runs, its count, network and rollout). Nothing is derived again:
every planned value is an input of a planned resource.

The registry policy and the replication and scanning configurations exist once per account and
Region, and the stack that plans one owns all of it: what is deployed there and not planned (another
tool's statement or rule) is reported, since the next ``pulumi up`` removes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from components.consumers.resources import ECS_SERVICE, LOG_GROUP, ROLE, TASK_DEFINITION
from components.plan.model import Resource
from components.replication.resources import (
    CREATION_TEMPLATE,
    REGISTRY_POLICY,
    REPLICATION_CONFIGURATION,
    SCANNING_CONFIGURATION,
)
from components.repositories.resources import REPOSITORY
from components.verify.deployments import Deployment
from components.verify.drift import normalize

# What a reader of live.py reads for each kind (one AWS Get/Describe call each).
REPOSITORY_SETTINGS = "repository"
REGISTRY_POLICY_KIND = "registry policy"
TEMPLATE = "creation template"
REPLICATION = "replication configuration"
SCANNING = "registry scanning configuration"
TRUST = "execution role"
LOGS = "log group"
TASK = "task definition"
SERVICE = "ECS service"
# Kinds a missing resource of is already reported by ``drift.state_drift``.
REPORTED_ELSEWHERE = (REPOSITORY_SETTINGS, TRUST)
SINGLETONS = (REGISTRY_POLICY_KIND, REPLICATION, SCANNING)
# Fields holding a policy document (compared by meaning) and lists of rules or statements
# (compared as sets: each entry deployed and not planned is named).
DOCUMENTS = ("policy", "repositoryPolicy", "assumeRolePolicyDocument")
RULE_LISTS = ("rules",)


@dataclass(frozen=True)
class PlannedSetting:
    """One deployed thing to read back, with the fields its plan gives it."""

    stack: str
    """The stack that deploys it, whose credentials read it."""
    account_id: str
    region: str
    kind: str
    identity: str
    """What the read asks for: a repository name, a template prefix, a role name, a task family, a
    log group name, ``<cluster ARN>/<service name>``; empty for the registry singletons."""
    fields: Mapping[str, Any]

    @property
    def label(self) -> str:
        what = f"{self.kind} {self.identity}" if self.identity else f"{self.kind} of"
        return f"{what} {'in ' if self.identity else ''}{self.account_id} {self.region} (stack {self.stack})"


def planned_settings(deployment: Deployment) -> list[PlannedSetting]:
    """Every resource the selected stacks (and their build stack) deploy that live drift reads."""
    found: list[PlannedSetting] = []
    for stack in deployment.stacks:
        plan = deployment.plans[stack.stack]
        for resource in plan.provider_resources():
            extract = _PLANNED.get(resource.type)
            if extract is not None:
                kind, identity, fields = extract(resource)
                found.append(
                    PlannedSetting(
                        plan.stack, plan.account_id, plan.region_of(resource), kind, identity, fields
                    )
                )
    return found


def _repository(r: Resource) -> tuple[str, str, dict[str, Any]]:
    inputs = r.inputs
    (encryption,) = inputs["encryption_configurations"]
    fields: dict[str, Any] = {
        "imageTagMutability": inputs["image_tag_mutability"],
        "imageScanningConfiguration.scanOnPush": inputs["image_scanning_configuration"]["scan_on_push"],
        "encryptionConfiguration.encryptionType": encryption["encryption_type"],
    }
    if "kms_key" in encryption:
        fields["encryptionConfiguration.kmsKey"] = encryption["kms_key"]
    if "image_tag_mutability_exclusion_filters" in inputs:
        fields["imageTagMutabilityExclusionFilters"] = sorted(
            f["filter"] for f in inputs["image_tag_mutability_exclusion_filters"]
        )
    return REPOSITORY_SETTINGS, inputs["name"], fields


def _template(r: Resource) -> tuple[str, str, dict[str, Any]]:
    inputs = r.inputs
    (encryption,) = inputs["encryption_configurations"]
    policy = inputs.get("repository_policy")
    return (
        TEMPLATE,
        inputs["prefix"],
        {
            "appliedFor": sorted(inputs["applied_fors"]),
            "description": inputs["description"],
            "imageTagMutability": inputs["image_tag_mutability"],
            "encryptionConfiguration.encryptionType": encryption["encryption_type"],
            "repositoryPolicy": None if policy is None else json.loads(policy),
        },
    )


def replication_rule(destinations: list[dict[str, str]], filters: list[dict[str, str]]) -> dict[str, Any]:
    """A replication rule as DescribeRegistry answers it, lists sorted."""
    rule: dict[str, Any] = {
        "destinations": sorted(destinations, key=lambda d: (d["registryId"], d["region"]))
    }
    if filters:
        rule["repositoryFilters"] = sorted(filters, key=lambda f: (f["filterType"], f["filter"]))
    return rule


def _replication(r: Resource) -> tuple[str, str, dict[str, Any]]:
    rules = [
        replication_rule(
            [{"region": d["region"], "registryId": d["registry_id"]} for d in rule["destinations"]],
            [
                {"filter": f["filter"], "filterType": f["filter_type"]}
                for f in rule.get("repository_filters", [])
            ],
        )
        for rule in r.inputs["replication_configuration"]["rules"]
    ]
    return REPLICATION, "", {"rules": rules}


def scanning_rule(frequency: str, filters: list[dict[str, str]]) -> dict[str, Any]:
    """A scanning rule as GetRegistryScanningConfiguration answers it, filters sorted."""
    return {
        "scanFrequency": frequency,
        "repositoryFilters": sorted(filters, key=lambda f: (f["filterType"], f["filter"])),
    }


def _scanning(r: Resource) -> tuple[str, str, dict[str, Any]]:
    rules = [
        scanning_rule(
            rule["scan_frequency"],
            [{"filter": f["filter"], "filterType": f["filter_type"]} for f in rule["repository_filters"]],
        )
        for rule in r.inputs["rules"]
    ]
    return SCANNING, "", {"scanType": r.inputs["scan_type"], "rules": rules}


def _registry_policy(r: Resource) -> tuple[str, str, dict[str, Any]]:
    return REGISTRY_POLICY_KIND, "", {"policy": json.loads(r.inputs["policy"])}


def _role(r: Resource) -> tuple[str, str, dict[str, Any]]:
    return (
        TRUST,
        r.inputs["name"],
        {
            "assumeRolePolicyDocument": json.loads(r.inputs["assume_role_policy"]),
            "description": r.inputs["description"],
        },
    )


def _log_group(r: Resource) -> tuple[str, str, dict[str, Any]]:
    return LOGS, r.inputs["name"], {"retentionInDays": r.inputs["retention_in_days"]}


def _task(r: Resource) -> tuple[str, str, dict[str, Any]]:
    inputs = r.inputs
    fields: dict[str, Any] = {
        "cpu": inputs["cpu"],
        "memory": inputs["memory"],
        "networkMode": inputs["network_mode"],
        "executionRoleArn": inputs["execution_role_arn"],
    }
    for container in json.loads(inputs["container_definitions"]):
        fields[f"containerDefinitions[{container['name']}].image"] = container["image"]
    return TASK, inputs["family"], fields


def _ecs_service(r: Resource) -> tuple[str, str, dict[str, Any]]:
    """In DescribeServices' terms. The task definition is compared by family (the service is named
    like the family it runs): its revision is known only once deployed, and a service left on an
    older revision is the rollback the release reads from the ``ecsServices`` output."""
    inputs = r.inputs
    network = inputs["network_configuration"]
    fields: dict[str, Any] = {
        "taskDefinition.family": inputs["name"],
        "launchType": inputs["launch_type"],
        "desiredCount": inputs["desired_count"],
        "awsvpcConfiguration.subnets": sorted(network["subnets"]),
        "awsvpcConfiguration.assignPublicIp": "ENABLED" if network["assign_public_ip"] else "DISABLED",
        "deploymentCircuitBreaker": dict(inputs["deployment_circuit_breaker"]),
        "minimumHealthyPercent": inputs["deployment_minimum_healthy_percent"],
        "maximumPercent": inputs["deployment_maximum_percent"],
    }
    # Without planned groups ECS uses the VPC's default security group: nothing to compare with.
    if network.get("security_groups"):
        fields["awsvpcConfiguration.securityGroups"] = sorted(network["security_groups"])
    return SERVICE, f"{inputs['cluster']}/{inputs['name']}", fields


_PLANNED: dict[str, Callable[[Resource], tuple[str, str, dict[str, Any]]]] = {
    REPOSITORY: _repository,
    CREATION_TEMPLATE: _template,
    REPLICATION_CONFIGURATION: _replication,
    SCANNING_CONFIGURATION: _scanning,
    REGISTRY_POLICY: _registry_policy,
    ROLE: _role,
    LOG_GROUP: _log_group,
    TASK_DEFINITION: _task,
    ECS_SERVICE: _ecs_service,
}


def settings_drift(planned: PlannedSetting, deployed: Mapping[str, Any] | None) -> list[str]:
    """Each difference, naming the resource, the field, the planned and the deployed value.
    ``deployed`` holds the same fields as read from AWS; ``None``: the resource does not exist."""
    if deployed is None:
        if planned.kind in REPORTED_ELSEWHERE:
            return []
        return [f"{planned.label} does not exist (the plan deploys it)"]
    found: list[str] = []
    for field, want in planned.fields.items():
        have = deployed.get(field)
        if field in DOCUMENTS:
            found += _document_drift(planned, field, want, have)
        elif field in RULE_LISTS:
            found += _entries_drift(planned, field, want, have or [])
        elif not _same(field, want, have):
            found.append(f"{planned.label}: {field} is {_shown(have)} (planned: {_shown(want)})")
    return found


def _same(field: str, want: Any, have: Any) -> bool:
    if field == "encryptionConfiguration.kmsKey" and isinstance(have, str) and isinstance(want, str):
        # ECR stores the key's ARN; a planned key ID matches its ARN, an alias cannot be resolved
        # without KMS and is not compared.
        return want.startswith("alias/") or have == want or have.endswith(f":key/{want}")
    return bool(want == have)


def _document_drift(planned: PlannedSetting, field: str, want: Any, have: Any) -> list[str]:
    if want is None or have is None:
        if want is have:
            return []
        if want is None:
            return [f"{planned.label}: {field} is set, but the plan deploys none: {_shown(have)}"]
        return [f"{planned.label}: {field} is missing (planned: {_shown(want)})"]
    return _entries_drift(
        planned, f"{field} statements", want.get("Statement", []), have.get("Statement", [])
    )


def _entries_drift(planned: PlannedSetting, field: str, want: list[Any], have: Any) -> list[str]:
    """Statements or rules compared as sets, by meaning: each one only deployed, then each one only
    planned. In a registry singleton the stack owns, the next deploy removes what only AWS has."""
    want_keys, have_keys = _by_meaning(want), _by_meaning(have)
    removes = " (the next deploy removes it)" if planned.kind in SINGLETONS else ""
    found = [
        f"{planned.label}: {field} include {_shown(have_keys[k])}, which the plan does not{removes}"
        for k in sorted(set(have_keys) - set(want_keys))
    ]
    found += [
        f"{planned.label}: {field} lack {_shown(want_keys[k])}, which the plan deploys"
        for k in sorted(set(want_keys) - set(have_keys))
    ]
    return found


def _by_meaning(entries: Any) -> dict[str, Any]:
    items = entries if isinstance(entries, list) else [entries]
    return {_compact(_normalized(item)): item for item in items}


def _normalized(item: Any) -> Any:
    """A statement as ``drift.normalize`` sees it; a rule with its lists sorted."""
    if isinstance(item, dict) and "Effect" in item:
        return normalize({"Statement": [item]})["Statement"][0]
    if isinstance(item, dict) and "scanFrequency" in item:
        return scanning_rule(item["scanFrequency"], list(item.get("repositoryFilters", [])))
    if isinstance(item, dict) and "destinations" in item:
        return replication_rule(list(item["destinations"]), list(item.get("repositoryFilters", [])))
    return item


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _shown(value: Any) -> str:
    if value is None:
        return "not set"
    return value if isinstance(value, str) else _compact(value)
