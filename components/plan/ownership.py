"""One owner per singleton. Some things exist once per account and Region, whoever creates them: ECR
keeps one replication configuration, one registry policy and one scanning configuration per
registry, and one creation template per prefix (aws-facts §6.3, hashicorp/terraform-provider-aws#42808,
pulumi-aws ``ecr.RegistryPolicy`` docs); CloudWatch Logs one log group per name; ECS one task family per
name; IAM one role and one customer managed policy per name in the whole account. Two stacks managing the same one overwrite each
other, and destroying either deletes it for both.

Checked on the plans of every stack of a project (``verify``, the pipeline's preflight): one stack's
``pulumi up`` cannot see the others, and must not depend on which files are in the checkout."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from components.consumers.resources import LOG_GROUP, POLICY, ROLE, TASK_DEFINITION
from components.errors import ConfigError
from components.plan.model import Resource, StackPlan
from components.project import BUILD, key
from components.replication.resources import (
    CREATION_TEMPLATE,
    REGISTRY_POLICY,
    REPLICATION_CONFIGURATION,
    SCANNING_CONFIGURATION,
)

EVERY_REGION = "every Region"
# Resource type -> what one such resource claims, and whether the claim holds in every Region.
SINGLETONS: dict[str, tuple[Callable[[Resource], str], bool]] = {
    REPLICATION_CONFIGURATION: (lambda r: "the replication configuration", False),
    REGISTRY_POLICY: (lambda r: "the registry policy", False),
    SCANNING_CONFIGURATION: (lambda r: "the registry scanning configuration", False),
    CREATION_TEMPLATE: (lambda r: f"the creation template {r.inputs['prefix']}", False),
    LOG_GROUP: (lambda r: f"the log group {r.inputs['name']}", False),
    TASK_DEFINITION: (lambda r: f"the task family {r.inputs['family']}", False),
    ROLE: (lambda r: f"the IAM role {r.inputs['name']}", True),
    POLICY: (lambda r: f"the IAM policy {r.inputs['name']}", True),
}


@dataclass(frozen=True, order=True)
class Claim:
    """Something a stack manages that exists once per account and Region (or once per account)."""

    account_id: str
    region: str
    what: str


def registry_claims(plan: StackPlan) -> list[Claim]:
    claims = []
    for resource in plan.provider_resources():
        if resource.type in SINGLETONS:
            what, global_ = SINGLETONS[resource.type]
            region = EVERY_REGION if global_ else plan.region_of(resource)
            claims.append(Claim(plan.account_id, region, what(resource)))
    return sorted(claims)


def _setting(plan: StackPlan, claims: list[Claim]) -> str:
    """The config key a person changes to resolve the clash."""
    whats = [c.what for c in claims]
    if all(w.startswith(("the log group", "the task family")) for w in whats):
        return key("services")
    if all(w.startswith(("the IAM role", "the IAM policy")) for w in whats):
        return "stack name"
    return key("replication" if plan.kind == BUILD else "receiveReplication")


def check_registry_ownership(plans: Mapping[str, StackPlan]) -> None:
    """Refuse two stacks of one project managing the same singleton."""
    owners: dict[Claim, str] = {}
    for stack in sorted(plans):
        for claim in registry_claims(plans[stack]):
            other = owners.setdefault(claim, stack)
            if other == stack:
                continue
            shared = sorted(set(registry_claims(plans[other])) & set(registry_claims(plans[stack])))
            places = sorted({f"{c.account_id}/{c.region}" for c in shared})
            raise ConfigError(
                _setting(plans[stack], shared),
                ", ".join(places),
                f"manages {_listed([c.what for c in shared])} of "
                f"{'this account and Region' if len(places) == 1 else 'these accounts and Regions'}, which "
                f"stack {other} manages too: there is only one of each there, so two stacks would "
                "overwrite each other. Keep them in one stack, or rename",
            )


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
