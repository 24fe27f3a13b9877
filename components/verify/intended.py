"""What a deployment's plans put in AWS that decides who can pull: every registry that holds a shared
image (the build registry, the build account's replicas in other Regions, each destination account's
replicas), each repository's policy there, each environment's execution role and the existing roles
it attaches the pull policy to. Read only from the plans, so ``verify`` evaluates exactly the
documents ``pulumi up`` registers.

Who is *meant* to reach a registry comes from the config, not from those documents: the build
registry and the build account's own replicas serve the build stack's grant (``access``); a
destination account's replicas serve that account and whatever its ``receiveReplication.access``
grants, nobody else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from components.aws import names
from components.aws.images import parse_image_reference
from components.aws.names import execution_role_name, repository_arn
from components.aws.rules import partition_for
from components.config.model import EnvironmentStack
from components.consumers.resources import POLICY, ROLE, ROLE_POLICY, ROLE_POLICY_ATTACHMENT
from components.encryption.resources import KMS_KEY
from components.plan.environment import IMAGES, PULL_ROLES
from components.plan.model import Resource, StackPlan
from components.replication.documents import template_for
from components.replication.resources import CREATION_TEMPLATE, REGISTRY_POLICY
from components.repositories.model import Access
from components.repositories.resources import REPOSITORY, REPOSITORY_POLICY
from components.verify.deployments import Deployment
from components.verify.evaluator.documents import PolicyDocument


@dataclass(frozen=True)
class Registry:
    """One account's registry in one Region that holds shared images."""

    account_id: str
    region: str
    repositories: tuple[str, ...]
    replica: bool
    grant: Access | None
    """Who besides the owning account is meant to pull from it."""
    source: str
    """Where its repositories' policies come from, for people."""

    @property
    def key(self) -> str:
        return f"{self.account_id}/{self.region}"

    @property
    def label(self) -> str:
        what = "replicas" if self.replica else "build registry"
        return f"{what} {self.account_id} {self.region}"

    def arn(self, repository: str) -> str:
        return repository_arn(self.region, self.account_id, repository)


@dataclass(frozen=True)
class RepositoryState:
    """A repository's policy as planned (offline) or as read from AWS (live)."""

    name: str
    arn: str
    policy: PolicyDocument | None
    exists: bool = True
    replica: bool = False

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]

    @property
    def label(self) -> str:
        return f"{self.name} (replica in {self.account_id}, {self.region})" if self.replica else self.name


@dataclass(frozen=True)
class RoleState:
    arn: str
    policies: tuple[PolicyDocument, ...]
    policy_names: tuple[str, ...] = ()
    exists: bool = True


@dataclass(frozen=True)
class DeployedState:
    """Repositories (in every registry) by ARN; execution roles by environment stack, the existing
    roles an environment attaches the pull policy to by ``attached_role_key``, and the other roles
    the plans create by ``planned_role_key``; registry policies by registry key (``Registry.key``)."""

    repositories: dict[str, RepositoryState]
    roles: dict[str, RoleState]
    registry_policies: dict[str, PolicyDocument] = field(default_factory=dict)
    secret_policies: dict[str, PolicyDocument] = field(default_factory=dict)
    """Resource policies of the Secrets Manager secrets the task definitions name, by ARN: read live
    only (the plans create no secret; offline a secret has none)."""


@dataclass(frozen=True)
class EvaluatedDocument:
    """A policy document ``verify`` evaluated, as the exact text the program registers."""

    stack: str
    resource: str
    """The planned resource's key (type and logical name)."""
    input: str
    text: str


def registries(deployment: Deployment) -> tuple[Registry, ...]:
    build = deployment.build
    names = tuple(r.name for r in build.repositories)
    found = [Registry(build.account_id, build.region, names, False, build.access, f"stack {build.stack}")]
    if build.replication is not None:
        for replica in build.replication.registries:
            destination = replica.destination
            owner = _template_owner(deployment, destination.account_id, destination.region)
            if destination.account_id == build.account_id:
                grant: Access | None = build.access
            else:
                receiver = next(
                    (
                        e
                        for e in deployment.every_environment
                        if _receives(e, destination.account_id, destination.region)
                    ),
                    None,
                )
                grant = (
                    receiver.receive_replication.access if receiver and receiver.receive_replication else None
                )
            found.append(
                Registry(
                    destination.account_id,
                    destination.region,
                    replica.repositories,
                    True,
                    grant,
                    f"creation templates of stack {owner}"
                    if owner
                    else "no stack of this project plans its creation templates",
                )
            )
    return tuple(found)


def _receives(environment: EnvironmentStack, account: str, region: str) -> bool:
    return environment.receive_replication is not None and (environment.account_id, environment.region) == (
        account,
        region,
    )


def _templates(deployment: Deployment, account: str, region: str) -> list[tuple[str, Resource]]:
    """(stack, creation template) of every plan that puts one in this registry."""
    return [
        (stack, resource)
        for stack, plan in sorted(deployment.plans.items())
        if plan.account_id == account
        for resource in plan.of_type(CREATION_TEMPLATE)
        if plan.region_of(resource) == region
    ]


def _template_owner(deployment: Deployment, account: str, region: str) -> str | None:
    return next((stack for stack, _ in _templates(deployment, account, region)), None)


def intended_state(deployment: Deployment) -> DeployedState:
    """The documents the plans deploy, in every registry and on every role they create or attach to."""
    repositories: dict[str, RepositoryState] = {}
    # Repositories that share a policy text share its parsed document: evaluators parse it once.
    parsed: dict[str, PolicyDocument] = {}
    for registry, name, document in repository_documents(deployment):
        arn = registry.arn(name)
        policy = None if document is None else parsed.setdefault(document.text, json.loads(document.text))
        repositories[arn] = RepositoryState(name, arn, policy, replica=registry.replica)
    roles = {env.stack: role_state(deployment.plans[env.stack]) for env in deployment.environments}
    for env in deployment.environments:
        for role in env.pull_roles:
            roles[attached_role_key(env.stack, role.name)] = attached_role_state(
                deployment.plans[env.stack], role.arn
            )
    for planned in planned_roles(deployment):
        if planned.purpose != EXECUTION:
            roles[planned_role_key(planned.stack, planned.name)] = RoleState(
                planned.arn,
                tuple(json.loads(p.inputs["policy"]) for p in planned.policies),
                tuple(f"inline policy {p.inputs['name']}" for p in planned.policies),
            )
    registry_policies = {
        registry: json.loads(document.text) for registry, document in registry_policy_documents(deployment)
    }
    return DeployedState(repositories, roles, registry_policies)


def planned_role_key(stack: str, role: str) -> str:
    """How ``DeployedState.roles`` names a role a plan creates other than the execution role."""
    return f"{stack}#{role}"


def scoped_plans(deployment: Deployment) -> list[StackPlan]:
    """The plans whose documents decide access to this build's registries: the build stack's and
    every one of its environments' (a receiving registry's, even if not selected)."""
    stacks = [deployment.build.stack, *sorted(e.stack for e in deployment.every_environment)]
    return [deployment.plans[s] for s in stacks]


def registry_policy_documents(deployment: Deployment) -> list[tuple[str, EvaluatedDocument]]:
    """(registry key, registered text) of every registry policy the plans register."""
    return [
        (
            f"{plan.account_id}/{plan.region_of(r)}",
            EvaluatedDocument(plan.stack, r.key, "policy", r.inputs["policy"]),
        )
        for plan in scoped_plans(deployment)
        for r in plan.of_type(REGISTRY_POLICY)
    ]


EXECUTION = "execution"
CREATION_TEMPLATES = "creation templates"


@dataclass(frozen=True)
class PlannedRole:
    """A role a plan creates: its trust policy, identity policies and what it is for."""

    stack: str
    account_id: str
    name: str
    arn: str
    resource: Resource
    policies: tuple[Resource, ...]
    purpose: str
    """``EXECUTION`` (an environment's task execution role) or ``CREATION_TEMPLATES`` (the role ECR
    assumes to create KMS-encrypted replicas), or the role's name for any other."""
    region: str | None = None
    """For a creation-template role: the Region of the templates that use it."""


def planned_roles(deployment: Deployment) -> list[PlannedRole]:
    """Every role the scoped plans create; execution roles only of the selected environments (the
    others are not evaluated as principals)."""
    selected = {e.stack for e in deployment.environments}
    found = []
    for plan in scoped_plans(deployment):
        users = {
            str(t.inputs["custom_role_arn"]): plan.region_of(t)
            for t in plan.of_type(CREATION_TEMPLATE)
            if "custom_role_arn" in t.inputs
        }
        for role in plan.of_type(ROLE):
            name = str(role.inputs["name"])
            arn = names.role_arn(plan.region, plan.account_id, name)
            if name == execution_role_name(plan.stack):
                if plan.stack not in selected:
                    continue
                purpose, region, policies = EXECUTION, None, role_policies(plan)
            else:
                purpose = CREATION_TEMPLATES if arn in users else name
                region = users.get(arn)
                policies = [p for p in plan.of_type(ROLE_POLICY) if p.inputs["role"] == name]
            found.append(
                PlannedRole(plan.stack, plan.account_id, name, arn, role, tuple(policies), purpose, region)
            )
    return found


@dataclass(frozen=True)
class PlannedKey:
    stack: str
    account_id: str
    region: str
    resource: Resource

    @property
    def arn(self) -> str:
        """The key's ARN, with its logical name for the key ID nobody knows before it exists."""
        return (
            f"arn:{partition_for(self.region)}:kms:{self.region}:{self.account_id}:key/{self.resource.name}"
        )

    @property
    def document(self) -> EvaluatedDocument:
        return EvaluatedDocument(self.stack, self.resource.key, "policy", str(self.resource.inputs["policy"]))


def planned_keys(deployment: Deployment) -> list[PlannedKey]:
    return [
        PlannedKey(plan.stack, plan.account_id, plan.region_of(k), k)
        for plan in scoped_plans(deployment)
        for k in plan.of_type(KMS_KEY)
    ]


def attached_role_key(stack: str, role: str) -> str:
    """How ``DeployedState.roles`` and the access matrix name an existing role of an environment."""
    return f"{stack}/{role}"


def attached_role_state(plan: StackPlan, arn: str) -> RoleState:
    """An existing role as the plan leaves it: with the managed pull policy the stack attaches.
    Its other policies are the role owner's: only ``--live`` reads them."""
    policy = plan.named(POLICY, f"{PULL_ROLES}-policy")
    return RoleState(
        arn, (json.loads(policy.inputs["policy"]),), (f"managed policy {policy.inputs['name']}",)
    )


def repository_documents(
    deployment: Deployment,
) -> list[tuple[Registry, str, EvaluatedDocument | None]]:
    build_plan = deployment.plans[deployment.build.stack]
    policies = {
        r.inputs["repository"]: EvaluatedDocument(build_plan.stack, r.key, "policy", r.inputs["policy"])
        for r in build_plan.of_type(REPOSITORY_POLICY)
    }
    planned = {r.inputs["name"] for r in build_plan.of_type(REPOSITORY)}
    found: list[tuple[Registry, str, EvaluatedDocument | None]] = []
    for registry in registries(deployment):
        if not registry.replica:
            found += [(registry, n, policies.get(n)) for n in registry.repositories if n in planned]
            continue
        templates = {
            r.inputs["prefix"]: (stack, r)
            for stack, r in _templates(deployment, registry.account_id, registry.region)
        }
        for name in registry.repositories:
            prefix = template_for(templates, name)
            document = None
            if prefix is not None:
                stack, template = templates[prefix]
                text = template.inputs.get("repository_policy")
                if text is not None:
                    document = EvaluatedDocument(stack, template.key, "repository_policy", text)
            found.append((registry, name, document))
    return found


def evaluated_documents(deployment: Deployment) -> list[EvaluatedDocument]:
    """Every policy document the report evaluates, once each, as registered: repository policies
    (and the creation templates' for replicas), registry policies, key policies, and each planned
    role's trust and identity policies, and the managed policy attached to existing roles."""
    documents = [d for _, _, d in repository_documents(deployment) if d is not None]
    documents += [d for _, d in registry_policy_documents(deployment)]
    documents += [k.document for k in planned_keys(deployment)]
    for role in planned_roles(deployment):
        documents.append(
            EvaluatedDocument(
                role.stack,
                role.resource.key,
                "assume_role_policy",
                role.resource.inputs["assume_role_policy"],
            )
        )
        documents += [
            EvaluatedDocument(role.stack, p.key, "policy", p.inputs["policy"]) for p in role.policies
        ]
    for env in deployment.environments:
        plan = deployment.plans[env.stack]
        documents += [
            EvaluatedDocument(env.stack, r.key, "policy", r.inputs["policy"]) for r in plan.of_type(POLICY)
        ]
    return list({(d.stack, d.resource, d.input): d for d in documents}.values())


def role_policies(plan: StackPlan) -> list[Resource]:
    """The execution role's inline policies, then the managed policies attached to it."""
    # By name: a receiver of KMS replicas also has the creation templates' role.
    role_name = execution_role_name(plan.stack)
    inline = [p for p in plan.of_type(ROLE_POLICY) if p.inputs["role"] == role_name]
    attached = [
        plan.resource(a.inputs["policy_arn"].resource)
        for a in plan.of_type(ROLE_POLICY_ATTACHMENT)
        if a.inputs["role"] == role_name
    ]
    return inline + attached


def role_state(plan: StackPlan) -> RoleState:
    policies = role_policies(plan)
    return RoleState(
        role_arn(plan),
        tuple(json.loads(p.inputs["policy"]) for p in policies),
        tuple(
            f"{'inline' if p.type == ROLE_POLICY else 'managed'} policy {p.inputs['name']}" for p in policies
        ),
    )


def role_arn(plan: StackPlan) -> str:
    return names.execution_role_arn(plan.region, plan.account_id, plan.stack)


def used_repositories(plan: StackPlan) -> dict[str, str]:
    """Repository ARN -> repository name, for every image an environment's task definitions run."""
    used: dict[str, str] = {}
    for image in map(parse_image_reference, plan.exports[IMAGES].values()):
        used[image.repository_arn] = image.repository
    return used
