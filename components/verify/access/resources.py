"""Every resource the access analysis asks about, with the policies that decide access to it.

- each repository of every registry that holds shared images (the build registry, the build
  account's replicas in other Regions, each destination account's replicas, as their creation
  templates make them): its repository policy, and its registry's registry policy, which applies to
  every request on it too (ECR registry-permissions.html, scope V2, the default; under V1 it grants
  less, so V2 is the worst case);
- each KMS key a plan creates: its key policy, needed even within the key's account;
- each role a plan creates: its trust policy (who may assume it), needed even within its account;
- each Secrets Manager secret and SSM parameter the selected environments' task definitions name in a
  container's ``secrets``: no plan creates them or their policies, so the analysis takes them to have
  no resource policy (the default; Parameter Store has none, RAM shares aside): only principals of
  their own account, through their identity policies, can read them.

A role's identity policies are what it grants as a principal (``principals``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cached_property

from components.aws.rules import SECRETS_MANAGER_SECRET_ARN, SSM_PARAMETER_ARN
from components.consumers.resources import TASK_DEFINITION
from components.plan.model import StackPlan
from components.verify.access.actions import (
    KEY_CLASSES,
    PARAMETER_CLASSES,
    REPOSITORY_CLASSES,
    ROLE_CLASSES,
    SECRET_CLASSES,
    ActionClass,
)
from components.verify.deployments import Deployment
from components.verify.evaluator.documents import PolicyDocument
from components.verify.intended import (
    DeployedState,
    EvaluatedDocument,
    Registry,
    planned_keys,
    planned_roles,
    registry_policy_documents,
    repository_documents,
)


class ResourceKind(Enum):
    REPOSITORY = "repository"
    KEY = "key"
    ROLE = "role"
    SECRET = "secret"
    PARAMETER = "parameter"


CLASSES_OF: dict[ResourceKind, tuple[ActionClass, ...]] = {
    ResourceKind.REPOSITORY: REPOSITORY_CLASSES,
    ResourceKind.KEY: KEY_CLASSES,
    ResourceKind.ROLE: ROLE_CLASSES,
    ResourceKind.SECRET: SECRET_CLASSES,
    ResourceKind.PARAMETER: PARAMETER_CLASSES,
}
# Kinds whose every request needs their resource policy to allow it, even from their own account
# (a key policy, a trust policy); for the others an identity policy of the own account suffices.
RESOURCE_POLICY_REQUIRED = (ResourceKind.KEY, ResourceKind.ROLE)


@dataclass(frozen=True)
class PolicyRef:
    """A policy that decides access, with the words that name it for people."""

    document: PolicyDocument
    label: str
    planned: EvaluatedDocument | None = None
    """The registered text it is, when it is what a plan registers (not a live edit)."""


@dataclass(frozen=True)
class AnalyzedResource:
    kind: ResourceKind
    arn: str
    account_id: str
    region: str
    name: str
    """A repository's name, a key's logical name, a role's name."""
    label: str
    policies: tuple[PolicyRef, ...]
    """The resource policies that apply to every request on it, in order."""
    registry: Registry | None = None
    stack: str | None = None
    """The stack that plans it (keys and roles)."""
    purpose: str | None = None
    """A role's purpose (``intended.EXECUTION``, ``intended.CREATION_TEMPLATES``)."""

    @property
    def key(self) -> str:
        """Stable across runs: the ARN (a key's holds its logical name, its ID being unknown)."""
        return self.arn

    @property
    def classes(self) -> tuple[ActionClass, ...]:
        return CLASSES_OF[self.kind]

    @cached_property
    def documents(self) -> tuple[PolicyDocument, ...]:
        return tuple(p.document for p in self.policies)


def analyzed_resources(
    deployment: Deployment, state: DeployedState, registries: tuple[Registry, ...]
) -> tuple[AnalyzedResource, ...]:
    return (
        *_repositories(deployment, state, registries),
        *_keys(deployment),
        *_roles(deployment),
        *_secrets(deployment, state),
    )


def _planned(document: PolicyDocument, planned: EvaluatedDocument | None) -> EvaluatedDocument | None:
    return planned if planned is not None and json.loads(planned.text) == document else None


def _repositories(
    deployment: Deployment, state: DeployedState, registries: tuple[Registry, ...]
) -> Iterator[AnalyzedResource]:
    planned = {registry.arn(name): d for registry, name, d in repository_documents(deployment)}
    planned_registry = dict(registry_policy_documents(deployment))
    for registry in registries:
        registry_policy = state.registry_policies.get(registry.key)
        shared = (
            ()
            if registry_policy is None
            else (
                PolicyRef(
                    registry_policy,
                    f"registry policy of {registry.account_id} {registry.region}",
                    _planned(registry_policy, planned_registry.get(registry.key)),
                ),
            )
        )
        for name in registry.repositories:
            repository = state.repositories[registry.arn(name)]
            if not repository.exists:
                continue  # nothing to reach; its cells say it is missing
            label = f"{name} ({registry.label})"
            own = (
                ()
                if repository.policy is None
                else (
                    PolicyRef(
                        repository.policy,
                        f"repository policy of {label}",
                        _planned(repository.policy, planned.get(repository.arn)),
                    ),
                )
            )
            yield AnalyzedResource(
                ResourceKind.REPOSITORY,
                repository.arn,
                registry.account_id,
                registry.region,
                name,
                label,
                (*own, *shared),
                registry=registry,
            )


def _keys(deployment: Deployment) -> Iterator[AnalyzedResource]:
    for key in planned_keys(deployment):
        label = f"key {key.resource.name} of stack {key.stack} ({key.account_id} {key.region})"
        policy = json.loads(key.document.text)
        yield AnalyzedResource(
            ResourceKind.KEY,
            key.arn,
            key.account_id,
            key.region,
            key.resource.name,
            label,
            (PolicyRef(policy, f"key policy of {label}", key.document),),
            stack=key.stack,
        )


def _roles(deployment: Deployment) -> Iterator[AnalyzedResource]:
    for role in planned_roles(deployment):
        label = f"role {role.name} of stack {role.stack} ({role.account_id})"
        text = role.resource.inputs["assume_role_policy"]
        trust = json.loads(text)
        registered = EvaluatedDocument(role.stack, role.resource.key, "assume_role_policy", text)
        yield AnalyzedResource(
            ResourceKind.ROLE,
            role.arn,
            role.account_id,
            deployment.plans[role.stack].region,
            role.name,
            label,
            (PolicyRef(trust, f"trust policy of {label}", registered),),
            stack=role.stack,
            purpose=role.purpose,
        )


def task_secret_arns(plan: StackPlan) -> tuple[str, ...]:
    """Every secret and parameter ARN the plan's task definitions name (``secrets[].valueFrom``)."""
    arns = [
        str(secret["valueFrom"])
        for task in plan.of_type(TASK_DEFINITION)
        for container in json.loads(str(task.inputs["container_definitions"]))
        for secret in container.get("secrets", ())
    ]
    return tuple(sorted(set(arns)))


def _secrets(deployment: Deployment, state: DeployedState) -> Iterator[AnalyzedResource]:
    """The secrets and parameters of the selected environments' task definitions, each once, with a
    secret's resource policy where one is in force (live)."""
    seen: set[str] = set()
    for env in sorted(deployment.environments, key=lambda e: e.stack):
        for arn in task_secret_arns(deployment.plans[env.stack]):
            if arn in seen:
                continue
            seen.add(arn)
            secret = SECRETS_MANAGER_SECRET_ARN.fullmatch(arn)
            found = secret or SSM_PARAMETER_ARN.fullmatch(arn)
            if found is None:  # the config refuses any other valueFrom; never guess its kind
                raise ValueError(f"{arn!r} is neither a Secrets Manager secret nor an SSM parameter ARN")
            _, region, account = found.groups()[:3]
            kind = ResourceKind.SECRET if secret else ResourceKind.PARAMETER
            name = arn.split(":secret:", 1)[1] if secret else arn.split(":parameter/", 1)[1]
            label = f"{kind.value} {name} ({account} {region})"
            policy = state.secret_policies.get(arn)
            policies = () if policy is None else (PolicyRef(policy, f"resource policy of {label}"),)
            yield AnalyzedResource(kind, arn, account, region, name, label, policies, stack=env.stack)
