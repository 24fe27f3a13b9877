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

import fnmatch
import json
import re
from dataclasses import dataclass

from components.aws import names
from components.aws.names import execution_role_name, repository_arn
from components.config.model import EnvironmentStack
from components.consumers.resources import POLICY, ROLE_POLICY, ROLE_POLICY_ATTACHMENT
from components.plan.environment import IMAGES, PULL_ROLES
from components.plan.model import Resource, StackPlan
from components.replication.documents import replica_registries, template_for
from components.replication.resources import CREATION_TEMPLATE
from components.repositories.model import Access, AccountsAccess
from components.repositories.resources import REPOSITORY, REPOSITORY_POLICY
from components.verify.deployments import Deployment
from components.verify.evaluator.documents import PolicyDocument

# <account>.dkr.ecr.<region>.<dns suffix of its partition>/<repository>, then ":<tag>" or "@<digest>".
IMAGE = re.compile(r"([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.[a-z0-9.-]+/([^:@]+)[:@].+")


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
    """Repositories (in every registry) by ARN; execution roles by environment stack, and the
    existing roles an environment attaches the pull policy to by ``attached_role_key``."""

    repositories: dict[str, RepositoryState]
    roles: dict[str, RoleState]


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
        for replica in replica_registries(build.replication.rules):
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
                    tuple(n for n in names if replica.covers(n)),
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
    """The documents the plans deploy, in every registry and on every execution role."""
    repositories: dict[str, RepositoryState] = {}
    # Repositories that share a policy text share its parsed document: evaluators parse it once.
    parsed: dict[str, PolicyDocument] = {}
    for registry, name, document in _repository_documents(deployment):
        arn = registry.arn(name)
        policy = None if document is None else parsed.setdefault(document.text, json.loads(document.text))
        repositories[arn] = RepositoryState(name, arn, policy, replica=registry.replica)
    roles = {env.stack: role_state(deployment.plans[env.stack]) for env in deployment.environments}
    for env in deployment.environments:
        for role in env.pull_roles:
            roles[attached_role_key(env.stack, role.name)] = attached_role_state(
                deployment.plans[env.stack], role.arn
            )
    return DeployedState(repositories, roles)


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


def _repository_documents(
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
    """Every policy document the report evaluates, once each, as registered."""
    documents = [d for _, _, d in _repository_documents(deployment) if d is not None]
    for env in deployment.environments:
        plan = deployment.plans[env.stack]
        documents += [
            EvaluatedDocument(env.stack, r.key, "policy", r.inputs["policy"])
            for r in (*role_policies(plan), *plan.of_type(POLICY))
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
    for image in plan.exports[IMAGES].values():
        match = IMAGE.fullmatch(image)
        if match is None:
            raise ValueError(f"{image!r} is not an ECR image reference")
        account, region, name = match.groups()
        used[repository_arn(region, account, name)] = name
    return used


def grants_role(access: Access | None, arn: str) -> bool:
    """Whether a grant names this role ARN (``access.roles``)."""
    return access is not None and arn in access.roles


def grants_lambda(access: Access | None, account: str, region: str) -> bool:
    """Whether a grant lets the Lambda functions of an account in a Region pull."""
    return access is not None and account in access.lambda_accounts_in(region)


def grants(access: Access | None, account: str, organization_path: str | None) -> bool:
    """Whether a grant is meant to include an account (with its OU path, in organization mode)."""
    if access is None:
        return False
    if isinstance(access, AccountsAccess):
        return account in access.accounts
    if organization_path is None or organization_path.split("/", 1)[0] != access.organization_id:
        return False
    return not access.organization_paths or any(
        fnmatch.fnmatchcase(organization_path, p) for p in access.organization_paths
    )
