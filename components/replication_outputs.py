"""The replication part of the build/environment contract: the build stack's ``replication`` export,
and what an environment stack checks against it before it deploys a registry policy, templates or
task definitions that run replicas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components import validation
from components.errors import ConfigError
from components.model import NAMESPACE, BuildStack, EnvironmentStack, ReplicationDestination
from components.naming import image_reference, repository_arn, repository_url
from components.replication import DestinationPlan, destination_plans, template_prefixes

# Output name of the build stack; optional for environment stacks that neither receive nor pull replicas.
REPLICATION = "replication"


def replication_output(build: BuildStack) -> dict[str, Any]:
    """Where the build registry replicates to, and which filters and templates each destination gets."""
    plans = destination_plans(build.replication.rules) if build.replication is not None else ()
    return {
        "sourceAccount": build.account_id,
        "sourceRegion": build.region,
        "destinations": [
            {
                "account": p.destination.account_id,
                "region": p.destination.region,
                "filters": list(p.filters),
                "templatePrefixes": list(p.template_prefixes),
            }
            for p in plans
        ],
    }


@dataclass(frozen=True)
class ReplicationExport:
    """The build stack's ``replication`` export, as an environment reads it."""

    source_account: str
    source_region: str
    plans: tuple[DestinationPlan, ...]

    @classmethod
    def from_output(cls, value: Mapping[str, Any]) -> ReplicationExport:
        return cls(
            source_account=value["sourceAccount"],
            source_region=value["sourceRegion"],
            plans=tuple(
                DestinationPlan(
                    ReplicationDestination(d["region"], d["account"]),
                    tuple(d["filters"]),
                    tuple(d["templatePrefixes"]),
                )
                for d in value["destinations"]
            ),
        )

    def plan_for(self, account_id: str, region: str) -> DestinationPlan | None:
        wanted = ReplicationDestination(region, account_id)
        return next((p for p in self.plans if p.destination == wanted), None)


def check_environment_replication(
    environment: EnvironmentStack, build_stack: str, export: ReplicationExport | None
) -> tuple[DestinationPlan | None, list[str]]:
    """Refuse a receiver or replica consumer the build stack's replication does not serve.

    Returns the replica registry to pull from, as its plan (``None`` with ``pullFrom: build``), and
    warnings. Every repository the environment's services use is checked to be replicated there.
    """
    warnings = _check_receiver(environment, build_stack, export)
    if environment.pull_from != "replica":
        return None, warnings
    return _replica_registry(environment, build_stack, export), warnings


def _check_receiver(
    environment: EnvironmentStack, build_stack: str, export: ReplicationExport | None
) -> list[str]:
    receive = environment.receive_replication
    receive_key = f"{NAMESPACE}:receiveReplication"
    here = f"account {environment.account_id} in {environment.region}"
    plan = None if export is None else export.plan_for(environment.account_id, environment.region)
    if receive is None:
        if plan is not None and export is not None and export.source_account != environment.account_id:
            return [
                f"the build stack {build_stack} replicates to {here}, but this stack does not set "
                f"{receive_key}: replication fails without a registry policy here, and replicas arrive "
                "without a pull policy, unless another stack owns both"
            ]
        return []
    if export is None:
        raise ConfigError(
            receive_key,
            build_stack,
            f"has no output {REPLICATION}: deploy the build stack with this version of ecr-share first",
        )
    if export.source_account != receive.source_account:
        raise ConfigError(
            f"{receive_key}.sourceAccount",
            receive.source_account,
            f"is not the account of the build stack {build_stack} ({export.source_account})",
        )
    if plan is None:
        raise ConfigError(
            receive_key,
            build_stack,
            f"does not replicate to {here}: add this destination to its replication.rules and deploy it "
            f"first, or remove {receive_key}",
        )
    if tuple(sorted(receive.filters)) != plan.filters:
        raise ConfigError(
            f"{receive_key}.filters",
            sorted(receive.filters),
            f"differ from what the build stack replicates here ({_filters_text(plan.filters)}): the "
            "registry policy and templates must cover exactly the replicated repositories",
        )
    mine = template_prefixes(receive.filters, receive.root_template)
    if mine != plan.template_prefixes:
        raise ConfigError(
            f"{receive_key}.rootTemplate",
            receive.root_template,
            f"gives templates {', '.join(mine)}, but the build stack's rules for this destination need "
            f"{', '.join(plan.template_prefixes)}",
        )
    return []


def _filters_text(filters: tuple[str, ...]) -> str:
    return ", ".join(filters) if filters else "every repository"


def _replica_registry(
    environment: EnvironmentStack, build_stack: str, export: ReplicationExport | None
) -> DestinationPlan:
    """This account's replica if there is one in this Region, else the build account's."""
    pull_key = f"{NAMESPACE}:pullFrom"
    if export is None:
        raise ConfigError(
            pull_key,
            "replica",
            f"needs the output {REPLICATION} of {build_stack}: deploy it with this version of ecr-share first",
        )
    plan = export.plan_for(environment.account_id, environment.region) or export.plan_for(
        export.source_account, environment.region
    )
    if plan is None:
        raise ConfigError(
            pull_key,
            "replica",
            f"finds no replica in {environment.region}: the build stack {build_stack} replicates neither "
            f"to this account {environment.account_id} nor to its own account there. Add a destination "
            'to its replication.rules, or pull from "build"',
        )
    destination = plan.destination
    for index, service in enumerate(environment.services):
        service_key = f"{NAMESPACE}:services[{index}]"
        if not plan.covers(service.repository):
            raise ConfigError(
                f"{service_key}.repository",
                service.repository,
                f"is not replicated to {destination.account_id} in {destination.region} "
                f"(the build stack replicates there: {_filters_text(plan.filters)})",
            )
        validation.image_reference(
            service_key,
            replica_image(destination, service.repository, service.image_tag, service.image_digest),
        )
    return plan


def pull_sources(build_arns: Mapping[str, str], replica: DestinationPlan | None) -> dict[str, str]:
    """Repository name -> the ARN an environment pulls it from: the replica where its replica
    registry holds the repository, else the build account's repository. The deploy and ``verify``
    both use this, so the report describes exactly the role policy that is deployed."""
    return {
        name: replica_arn(replica.destination, name) if replica is not None and replica.covers(name) else arn
        for name, arn in build_arns.items()
    }


def replica_arn(destination: ReplicationDestination, repository: str) -> str:
    return repository_arn(destination.region, destination.account_id, repository)


def replica_image(
    destination: ReplicationDestination, repository: str, tag: str | None, digest: str | None
) -> str:
    """``<account>.dkr.ecr.<region>.amazonaws.com/<repository>`` with the tag or digest: replication
    keeps repository names and digests (ECR replication.md)."""
    url = repository_url(destination.region, destination.account_id, repository)
    return image_reference(url, tag=tag, digest=digest)
