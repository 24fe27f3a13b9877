"""One owner per registry singleton. ECR keeps one replication configuration, one registry policy and
one scanning configuration per account and Region, and one creation template per prefix; two stacks
managing the same one overwrite each other, and destroying either wipes it (aws-facts §6.3,
hashicorp/terraform-provider-aws#42808, pulumi-aws ``ecr.RegistryPolicy`` docs)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from components.errors import ConfigError
from components.model import NAMESPACE, BuildStack, StackConfig
from components.replication import destination_plans, template_prefixes


@dataclass(frozen=True, order=True)
class Claim:
    """Something a stack manages that exists once per registry (account and Region)."""

    account_id: str
    region: str
    what: str


def registry_claims(config: StackConfig) -> list[Claim]:
    if isinstance(config, BuildStack):
        replication = config.replication
        if replication is None:
            return []
        claims = [Claim(config.account_id, config.region, "the replication configuration")]
        for plan in destination_plans(replication.rules):
            if plan.destination.account_id != config.account_id:
                continue  # another account: its own stack owns the policy and templates there
            claims += _replica_claims(
                config.account_id, plan.destination.region, plan.template_prefixes, replication.scan_on_push
            )
        return sorted(claims)
    receive = config.receive_replication
    if receive is None:
        return []
    prefixes = template_prefixes(receive.filters, receive.root_template)
    return sorted(
        [
            Claim(config.account_id, config.region, "the registry policy"),
            *_replica_claims(config.account_id, config.region, prefixes, receive.scan_on_push),
        ]
    )


def _replica_claims(account: str, region: str, prefixes: tuple[str, ...], scan: bool) -> list[Claim]:
    claims = [Claim(account, region, f"the creation template {prefix}") for prefix in prefixes]
    if scan:
        claims.append(Claim(account, region, "the registry scanning configuration"))
    return claims


def check_registry_ownership(stack: str, config: StackConfig, others: Mapping[str, StackConfig]) -> None:
    """Refuse to manage a registry singleton another stack of this project already manages."""
    mine = set(registry_claims(config))
    if not mine:
        return
    full_key = f"{NAMESPACE}:{'replication' if isinstance(config, BuildStack) else 'receiveReplication'}"
    for other_stack in sorted(others):
        if other_stack == stack:
            continue
        shared = sorted(mine.intersection(registry_claims(others[other_stack])))
        if shared:
            registries = sorted({f"{c.account_id}/{c.region}" for c in shared})
            raise ConfigError(
                full_key,
                ", ".join(registries),
                f"manages {_listed([c.what for c in shared])} of "
                f"{'this registry' if len(registries) == 1 else 'these registries'}, which stack "
                f"{other_stack} manages too: ECR keeps only one of each per registry, so two stacks "
                "would overwrite each other. Keep them in one stack",
            )


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
