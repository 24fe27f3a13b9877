"""One owner per registry singleton. ECR keeps one replication configuration, one registry policy and
one scanning configuration per account and Region, and one creation template per prefix; two stacks
managing the same one overwrite each other, and destroying either wipes it (aws-facts §6.3,
hashicorp/terraform-provider-aws#42808, pulumi-aws ``ecr.RegistryPolicy`` docs).

Checked on the plans of every stack of a project (``verify``, the pipeline's preflight): one stack's
``pulumi up`` cannot see the others, and must not depend on which files are in the checkout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from components.errors import ConfigError
from components.plan.model import StackPlan
from components.project import BUILD, key
from components.replication.resources import (
    CREATION_TEMPLATE,
    REGISTRY_POLICY,
    REPLICATION_CONFIGURATION,
    SCANNING_CONFIGURATION,
)

SINGLETONS = {
    REPLICATION_CONFIGURATION: "the replication configuration",
    REGISTRY_POLICY: "the registry policy",
    SCANNING_CONFIGURATION: "the registry scanning configuration",
}


@dataclass(frozen=True, order=True)
class Claim:
    """Something a stack manages that exists once per registry (account and Region)."""

    account_id: str
    region: str
    what: str


def registry_claims(plan: StackPlan) -> list[Claim]:
    claims = []
    for resource in plan.provider_resources():
        if resource.type in SINGLETONS:
            what = SINGLETONS[resource.type]
        elif resource.type == CREATION_TEMPLATE:
            what = f"the creation template {resource.inputs['prefix']}"
        else:
            continue
        claims.append(Claim(plan.account_id, plan.region_of(resource), what))
    return sorted(claims)


def check_registry_ownership(plans: Mapping[str, StackPlan]) -> None:
    """Refuse two stacks of one project managing the same registry singleton."""
    owners: dict[Claim, str] = {}
    for stack in sorted(plans):
        for claim in registry_claims(plans[stack]):
            other = owners.setdefault(claim, stack)
            if other == stack:
                continue
            shared = sorted(set(registry_claims(plans[other])) & set(registry_claims(plans[stack])))
            registries = sorted({f"{c.account_id}/{c.region}" for c in shared})
            setting = "replication" if plans[stack].kind == BUILD else "receiveReplication"
            raise ConfigError(
                key(setting),
                ", ".join(registries),
                f"manages {_listed([c.what for c in shared])} of "
                f"{'this registry' if len(registries) == 1 else 'these registries'}, which stack "
                f"{other} manages too: ECR keeps only one of each per registry, so two stacks "
                "would overwrite each other. Keep them in one stack",
            )


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
