"""The plan of a build stack: the shared repositories and, when configured, replication."""

from __future__ import annotations

from components.config.model import BuildStack
from components.contract.outputs import build_exports
from components.plan.children import expanded
from components.plan.model import StackPlan
from components.project import BUILD
from components.replication.plan import build_replication
from components.repositories.plan import shared_repositories


def plan_build_stack(config: BuildStack) -> StackPlan:
    components = [shared_repositories(config)]
    if config.replication is not None:
        components += build_replication(config)
    return StackPlan(
        stack=config.stack,
        kind=BUILD,
        account_id=config.account_id,
        region=config.region,
        resources=expanded(components),
        exports=build_exports(config),
    )
