"""Drift of everything else a plan deploys: each planned resource's settings, read off the plan in the
terms AWS's read APIs answer with, and compared field by field with what is deployed.

Repository policies and the execution role's permission policies are compared by ``drift.py`` (the
access matrix evaluates them too); this module covers the rest: repository settings and lifecycle
policies, every replica's settings against the creation template ECR made it from, the registry
policy, creation templates (their lifecycle policy included), the replication and scanning
configurations, the KMS keys the plans create (policy, state, rotation, spec, usage), the roles' trust
policies and the creation-template role's policy, log groups, the task definition each family's
latest ACTIVE revision runs, and each ECS service's settings (the family it runs, its count, network
and rollout). Nothing is derived again: every planned value is an input of a planned resource. What
is not compared, and why, is listed in docs/verify.md ("Live: from what is deployed").

The registry policy and the replication and scanning configurations exist once per account and
Region, and the stack that plans one owns all of it: what is deployed there and not planned (another
tool's statement or rule) is reported, since the next ``pulumi up`` removes it.

``deployed_pin_findings`` runs the pin check (``plan.pins``) once more, on the lifecycle rules read
back: a deployed rule that would expire an image an environment runs is drift, whatever the plans say.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from components.aws.names import execution_role_name
from components.consumers.resources import ECS_SERVICE, LOG_GROUP, ROLE, ROLE_POLICY, TASK_DEFINITION
from components.encryption.resources import KMS_KEY
from components.plan.model import OutputRef, Resource, StackPlan
from components.plan.pins import (
    AppliedPolicy,
    LifecycleSource,
    lifecycle_findings,
    replica_template,
    repository_lifecycle,
)
from components.project import ENVIRONMENT
from components.replication.resources import (
    CREATION_TEMPLATE,
    REGISTRY_POLICY,
    REPLICATION_CONFIGURATION,
    SCANNING_CONFIGURATION,
)
from components.repositories.resources import REPOSITORY
from components.verify.deployments import Deployment
from components.verify.drift import normalize
from components.verify.intended import registries

# What a reader of live_settings.py reads for each kind.
REPOSITORY_SETTINGS = "repository"
REPLICA = "replica"
REGISTRY_POLICY_KIND = "registry policy"
TEMPLATE = "creation template"
REPLICATION = "replication configuration"
SCANNING = "registry scanning configuration"
KEY = "KMS key"
TRUST = "execution role"
ROLE_KIND = "role"
ROLE_POLICY_KIND = "role policy"
LOGS = "log group"
TASK = "task definition"
SERVICE = "ECS service"
# Kinds a missing resource of is reported elsewhere: a repository or an execution role by
# ``drift.state_drift``, a replica in the access matrix (replicas appear with the first push).
REPORTED_ELSEWHERE = (REPOSITORY_SETTINGS, REPLICA, TRUST)
SINGLETONS = (REGISTRY_POLICY_KIND, REPLICATION, SCANNING)
# Fields holding a document, and the list of entries it is compared by (as sets, by meaning: each
# entry deployed and not planned is named, then each one planned and not deployed).
DOCUMENTS = {
    "policy": "Statement",
    "repositoryPolicy": "Statement",
    "assumeRolePolicyDocument": "Statement",
    "policyDocument": "Statement",
    "Policy": "Statement",
    "lifecyclePolicy": "rules",
}
RULE_LISTS = ("rules",)
# How the KMS key of a plan is found: through the repository or template that names it (a created
# key has a random ID and no alias; the plan holds a reference to its ARN).
KEY_OF = "encrypting"


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
    log group name, ``<cluster ARN>/<service name>``, ``<policy> of <role>``, ``encrypting <kind>
    <name>`` for a key; empty for the registry singletons."""
    fields: Mapping[str, Any]

    @property
    def label(self) -> str:
        what = f"{self.kind} {self.identity}" if self.identity else f"{self.kind} of"
        return f"{what} {'in ' if self.identity else ''}{self.account_id} {self.region} (stack {self.stack})"

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.account_id, self.region, self.identity)


@dataclass(frozen=True)
class CreatedKey:
    """A key the plan creates, where a repository or template names it: its ARN exists only once
    deployed, so any key of that account and Region matches (the key's own settings are compared as
    a ``KMS key``)."""

    account_id: str
    region: str
    name: str
    """The key's logical name in the plan."""

    def matches(self, arn: Any) -> bool:
        return isinstance(arn, str) and arn.split(":key/")[0].endswith(
            f":kms:{self.region}:{self.account_id}"
        )

    def __str__(self) -> str:
        return f"the key {self.name} this stack creates in {self.account_id} {self.region}"


def planned_settings(deployment: Deployment) -> list[PlannedSetting]:
    """Every resource the selected stacks (and their build stack) deploy that live drift reads, and
    the replicas of the creation templates they deploy."""
    found: list[PlannedSetting] = []
    for stack in deployment.stacks:
        plan = deployment.plans[stack.stack]
        for resource in plan.provider_resources():
            extract = _PLANNED.get(resource.type)
            planned = None if extract is None else extract(plan, resource)
            if planned is not None:
                kind, identity, fields = planned
                found.append(
                    PlannedSetting(
                        plan.stack, plan.account_id, plan.region_of(resource), kind, identity, fields
                    )
                )
    return found + _replicas(deployment)


def _replicas(deployment: Deployment) -> list[PlannedSetting]:
    """Each replica, with the settings the creation template ECR applies to it gives it, read through
    the stack that plans that template (if selected)."""
    selected = {s.stack for s in deployment.stacks}
    found = []
    for registry in registries(deployment):
        if not registry.replica:
            continue
        for name in registry.repositories:
            template = replica_template(deployment.plans, registry.account_id, registry.region, name)
            if template is None or template[0] not in selected:
                continue
            stack, resource = template
            found.append(
                PlannedSetting(
                    stack,
                    registry.account_id,
                    registry.region,
                    REPLICA,
                    name,
                    _repository_fields(
                        deployment.plans[stack], resource.inputs, resource.inputs.get("lifecycle_policy")
                    ),
                )
            )
    return found


def _repository_fields(plan: StackPlan, inputs: Mapping[str, Any], lifecycle: str | None) -> dict[str, Any]:
    """What a repository and a creation template share, in DescribeRepositories' and
    DescribeRepositoryCreationTemplates' terms (GetLifecyclePolicy's for a repository's lifecycle)."""
    (encryption,) = inputs["encryption_configurations"]
    fields: dict[str, Any] = {
        "imageTagMutability": inputs["image_tag_mutability"],
        "encryptionConfiguration.encryptionType": encryption["encryption_type"],
    }
    if "kms_key" in encryption:
        fields["encryptionConfiguration.kmsKey"] = _key(plan, encryption["kms_key"])
    if "image_tag_mutability_exclusion_filters" in inputs:
        fields["imageTagMutabilityExclusionFilters"] = sorted(
            f["filter"] for f in inputs["image_tag_mutability_exclusion_filters"]
        )
    fields["lifecyclePolicy"] = None if lifecycle is None else json.loads(lifecycle)
    return fields


def _key(plan: StackPlan, kms_key: Any) -> Any:
    if isinstance(kms_key, OutputRef):
        key = plan.resource(kms_key.resource)
        return CreatedKey(plan.account_id, plan.region_of(key), key.name)
    return kms_key


Planned = tuple[str, str, dict[str, Any]] | None


def _repository(plan: StackPlan, r: Resource) -> Planned:
    inputs = r.inputs
    shared = _repository_fields(plan, inputs, repository_lifecycle(plan, inputs["name"]))
    fields = {
        "imageTagMutability": shared.pop("imageTagMutability"),
        "imageScanningConfiguration.scanOnPush": inputs["image_scanning_configuration"]["scan_on_push"],
        **shared,
    }
    return REPOSITORY_SETTINGS, inputs["name"], fields


def _template(plan: StackPlan, r: Resource) -> Planned:
    inputs = r.inputs
    policy = inputs.get("repository_policy")
    fields = {
        "appliedFor": sorted(inputs["applied_fors"]),
        "description": inputs["description"],
        **_repository_fields(plan, inputs, inputs.get("lifecycle_policy")),
        "repositoryPolicy": None if policy is None else json.loads(policy),
    }
    if "custom_role_arn" in inputs:
        fields["customRoleArn"] = inputs["custom_role_arn"]
    return TEMPLATE, inputs["prefix"], fields


def _kms_key(plan: StackPlan, r: Resource) -> Planned:
    """In DescribeKey's, GetKeyRotationStatus' and GetKeyPolicy's terms; found through the first
    repository or template of the plan that names it. A key nothing names cannot be found."""
    inputs = r.inputs
    user = next(
        (
            u
            for u in plan.provider_resources()
            if u.type in (REPOSITORY, CREATION_TEMPLATE)
            and OutputRef(r.key, "arn") in [e.get("kms_key") for e in u.inputs["encryption_configurations"]]
        ),
        None,
    )
    if user is None:
        return None
    kind, name = (
        (REPOSITORY_SETTINGS, user.inputs["name"])
        if user.type == REPOSITORY
        else (TEMPLATE, user.inputs["prefix"])
    )
    return (
        KEY,
        f"{KEY_OF} {kind} {name}",
        {
            "Description": inputs["description"],
            "KeyState": "Enabled" if inputs["is_enabled"] else "Disabled",
            "KeySpec": inputs["customer_master_key_spec"],
            "KeyUsage": inputs["key_usage"],
            "MultiRegion": inputs["multi_region"],
            "KeyRotationEnabled": inputs["enable_key_rotation"],
            "Policy": json.loads(inputs["policy"]),
        },
    )


def key_user(identity: str) -> tuple[str, str]:
    """The kind and name of what names a key: ``encrypting creation template ROOT`` ->
    (``creation template``, ``ROOT``)."""
    kind, name = identity.removeprefix(f"{KEY_OF} ").rsplit(" ", 1)
    return kind, name


def replication_rule(destinations: list[dict[str, str]], filters: list[dict[str, str]]) -> dict[str, Any]:
    """A replication rule as DescribeRegistry answers it, lists sorted."""
    rule: dict[str, Any] = {
        "destinations": sorted(destinations, key=lambda d: (d["registryId"], d["region"]))
    }
    if filters:
        rule["repositoryFilters"] = sorted(filters, key=lambda f: (f["filterType"], f["filter"]))
    return rule


def _replication(plan: StackPlan, r: Resource) -> Planned:
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


def _scanning(plan: StackPlan, r: Resource) -> Planned:
    rules = [
        scanning_rule(
            rule["scan_frequency"],
            [{"filter": f["filter"], "filterType": f["filter_type"]} for f in rule["repository_filters"]],
        )
        for rule in r.inputs["rules"]
    ]
    return SCANNING, "", {"scanType": r.inputs["scan_type"], "rules": rules}


def _registry_policy(plan: StackPlan, r: Resource) -> Planned:
    return REGISTRY_POLICY_KIND, "", {"policy": json.loads(r.inputs["policy"])}


def _role(plan: StackPlan, r: Resource) -> Planned:
    """The execution role (a missing one is ``drift.state_drift``'s finding) or another role, the
    one ECR assumes for KMS-encrypting creation templates."""
    name = r.inputs["name"]
    return (
        TRUST if _is_execution_role(plan, name) else ROLE_KIND,
        name,
        {
            "assumeRolePolicyDocument": json.loads(r.inputs["assume_role_policy"]),
            "description": r.inputs["description"],
        },
    )


def _role_policy(plan: StackPlan, r: Resource) -> Planned:
    """An inline policy, in GetRolePolicy's terms; the execution role's are ``drift.py``'s."""
    role = r.inputs["role"]
    if _is_execution_role(plan, role):
        return None
    return (
        ROLE_POLICY_KIND,
        f"{r.inputs['name']} of {role}",
        {"policyDocument": json.loads(r.inputs["policy"])},
    )


def _is_execution_role(plan: StackPlan, name: str) -> bool:
    return plan.kind == ENVIRONMENT and name == execution_role_name(plan.stack)


def _log_group(plan: StackPlan, r: Resource) -> Planned:
    return LOGS, r.inputs["name"], {"retentionInDays": r.inputs["retention_in_days"]}


def _task(plan: StackPlan, r: Resource) -> Planned:
    """Each container's planned fields, named ``containerDefinitions[<name>].<field>``; ECS answers
    with more (a port mapping's ``hostPort``), so only what the plan sets is compared."""
    inputs = r.inputs
    fields: dict[str, Any] = {
        "cpu": inputs["cpu"],
        "memory": inputs["memory"],
        "networkMode": inputs["network_mode"],
        "requiresCompatibilities": sorted(inputs["requires_compatibilities"]),
        "executionRoleArn": inputs["execution_role_arn"],
    }
    for container in json.loads(inputs["container_definitions"]):
        for field, value in container.items():
            if field != "name":
                fields[f"containerDefinitions[{container['name']}].{field}"] = value
    return TASK, inputs["family"], fields


def _ecs_service(plan: StackPlan, r: Resource) -> Planned:
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


_PLANNED: dict[str, Callable[[StackPlan, Resource], Planned]] = {
    REPOSITORY: _repository,
    CREATION_TEMPLATE: _template,
    REPLICATION_CONFIGURATION: _replication,
    SCANNING_CONFIGURATION: _scanning,
    REGISTRY_POLICY: _registry_policy,
    KMS_KEY: _kms_key,
    ROLE: _role,
    ROLE_POLICY: _role_policy,
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
    if isinstance(want, CreatedKey):
        return want.matches(have)
    if field == "encryptionConfiguration.kmsKey" and isinstance(have, str) and isinstance(want, str):
        # ECR stores the key's ARN; a planned key ID matches its ARN, an alias cannot be resolved
        # without KMS and is not compared.
        return want.startswith("alias/") or have == want or have.endswith(f":key/{want}")
    return bool(_projected(want, have) == want)


def _projected(want: Any, have: Any) -> Any:
    """What is deployed, as far as the plan sets it: a mapping's planned keys only, each item of a
    list likewise (AWS answers with defaults the plan leaves out, such as a port's ``hostPort``)."""
    if isinstance(want, Mapping) and isinstance(have, Mapping):
        return {k: _projected(v, have.get(k)) for k, v in want.items() if k in have}
    if isinstance(want, list) and isinstance(have, list) and len(want) == len(have):
        return [_projected(w, h) for w, h in zip(want, have, strict=True)]
    return have


def _document_drift(planned: PlannedSetting, field: str, want: Any, have: Any) -> list[str]:
    if want is None or have is None:
        if want is have:
            return []
        if want is None:
            return [f"{planned.label}: {field} is set, but the plan deploys none: {_shown(have)}"]
        return [f"{planned.label}: {field} is missing (planned: {_shown(want)})"]
    entries = DOCUMENTS[field]
    return _entries_drift(
        planned,
        f"{field} {'statements' if entries == 'Statement' else entries}",
        want.get(entries, []),
        have.get(entries, []),
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
    if isinstance(item, dict) and "rulePriority" in item:
        # A lifecycle rule: its tag lists select by all of their entries, in any order.
        selection = dict(item.get("selection", {}))
        for tags in ("tagPrefixList", "tagPatternList"):
            if tags in selection:
                selection[tags] = sorted(selection[tags])
        return {**item, "selection": selection}
    return item


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _shown(value: Any) -> str:
    if value is None:
        return "not set"
    if isinstance(value, CreatedKey):
        return str(value)
    return value if isinstance(value, str) else _compact(value)


Deployed = Mapping[tuple[str, str, str, str], Mapping[str, Any] | None]


def deployed_pin_findings(deployment: Deployment, deployed: Deployed) -> list[str]:
    """The pin check on the lifecycle rules read back (``deployed``: each setting's fields by
    ``PlannedSetting.key``), for the selected environments: a build repository's own policy; a
    replica's own policy once the replica exists (a template applies only when ECR creates it), else
    the one its creation template would give it."""

    def rules_at(source: LifecycleSource) -> AppliedPolicy | None:
        where = f"{source.account_id} {source.region}"
        if source.template is None:
            fields = deployed.get((REPOSITORY_SETTINGS, source.account_id, source.region, source.repository))
            text = f"the deployed lifecycle policy of {source.repository} in {where}"
        else:
            fields = deployed.get((REPLICA, source.account_id, source.region, source.repository))
            text = f"the deployed lifecycle policy of the replica {source.repository} in {where}"
            if fields is None:
                fields = deployed.get((TEMPLATE, source.account_id, source.region, source.template))
                text = f"the deployed creation template {source.template} of its replica in {where}"
        policy = None if fields is None else fields.get("lifecyclePolicy")
        if not policy:
            return None
        return AppliedPolicy(source.stack, tuple(policy.get("rules", ())), text)

    stacks = {e.stack for e in deployment.environments}
    return [
        f"lifecycle: {f.reason}" for f in lifecycle_findings(deployment.plans, rules_at, stacks) if f.proven
    ]
