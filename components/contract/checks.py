"""An environment stack checked against its build stack's outputs, before it plans anything: the
repositories it runs are shared, its account is granted (the seed's first troubleshooting item,
caught before a failed pull), and its replication settings agree with the build stack's."""

from __future__ import annotations

import fnmatch

from components.aws.names import execution_role_arn
from components.aws.rules import partition_for
from components.config import values
from components.config.model import EnvironmentStack
from components.contract.model import PullSource, ResolvedEnvironment
from components.contract.outputs import REPLICATION, BuildOutputs
from components.errors import ConfigError
from components.project import key
from components.replication.model import ReplicaRegistry
from components.repositories.model import AccountsAccess


def check_environment(environment: EnvironmentStack, build: BuildOutputs) -> ResolvedEnvironment:
    """Refuse what the build stack does not serve; else decide where each repository is pulled from
    and what each service runs, with warnings for what cannot be proven here."""
    partition, build_partition = partition_for(environment.region), partition_for(build.region)
    if partition != build_partition:
        # IAM principals and resources never cross partitions: no policy can make this pull work.
        raise ConfigError(
            "aws:region",
            environment.region,
            f"is in partition {partition}, but the build stack {build.stack} is in {build_partition} "
            f"({build.region}): an account cannot pull images from another partition",
        )
    for index, service in enumerate(environment.services):
        if service.repository not in build.repository_arns:
            raise ConfigError(
                f"{key('services')}[{index}].repository",
                service.repository,
                f"is not a repository of the build stack {build.stack} "
                f"(it shares: {', '.join(sorted(build.repository_arns))})",
            )
    warnings = _check_grant(environment, build)
    received, receiver_warnings = _check_receiver(environment, build)
    replica = _replica_registry(environment, build) if environment.pull_from == "replica" else None
    sources = {name: pull_source(name, build, replica) for name in environment.repositories}
    images = {}
    for index, service in enumerate(environment.services):
        image = sources[service.repository].image(tag=service.image_tag, digest=service.image_digest)
        values.image_reference(f"{key('services')}[{index}]", image.uri)
        images[service.name] = image
    return ResolvedEnvironment(sources, images, replica, received, (*warnings, *receiver_warnings))


def pull_source(repository: str, build: BuildOutputs, replica: ReplicaRegistry | None) -> PullSource:
    """The replica registry when it holds the repository (replication keeps names and digests, ECR
    replication.md), else the build registry."""
    if replica is not None and repository in replica.repositories:
        destination = replica.destination
        return PullSource(repository, destination.account_id, destination.region, replica=True)
    return PullSource(repository, build.registry_id, build.region, replica=False)


def _check_grant(environment: EnvironmentStack, build: BuildOutputs) -> list[str]:
    access = build.access
    account = environment.account_id
    if account == build.registry_id:
        return []  # the build account's own roles need no grant
    if isinstance(access, AccountsAccess) and account in access.accounts:
        return []
    consumers = consumer_roles(environment)
    if all(arn in access.roles for _, arn in consumers):
        return []
    if isinstance(access, AccountsAccess):
        if account in access.role_accounts:
            where, arn = next((w, a) for w, a in consumers if a not in access.roles)
            listed = ", ".join(r for r in access.roles if r.split(":", 5)[4] == account)
            fix = f"add its ARN to {key('access')}.roles of the build stack and deploy it first"
            if where == key("buildStack"):
                raise ConfigError(
                    where,
                    build.stack,
                    f"grants only some roles of this stack's account {account} ({listed}), not its "
                    f"execution role {arn}: {fix}",
                )
            raise ConfigError(
                where,
                arn,
                f"is not granted by the build stack, which grants only {listed} in account {account}: {fix}",
            )
        granted = ", ".join(access.accounts) or "no account whole"
        roles = f", or the ARNs of this stack's roles to {key('access')}.roles," if access.roles else ""
        raise ConfigError(
            key("buildStack"),
            build.stack,
            f"does not grant this stack's account {account} pull access (it grants {granted}): add "
            f'"{account}" to {key("access")}.accounts of the build stack{roles} and deploy it first',
        )
    path = environment.organization_path
    if path is None:
        return [
            f"the build stack grants organization {access.organization_id}; set {key('organizationPath')} "
            f"to this account's OU path so the grant to account {account} can be checked before deploying"
        ]
    if path.split("/", 1)[0] != access.organization_id:
        raise ConfigError(
            key("organizationPath"),
            path,
            f"is outside organization {access.organization_id}, the only one the build stack grants",
        )
    if access.organization_paths and not any(
        fnmatch.fnmatchcase(path, pattern) for pattern in access.organization_paths
    ):
        raise ConfigError(
            key("organizationPath"),
            path,
            f"is not below any organization path the build stack grants ({', '.join(access.organization_paths)})",
        )
    return []


def _check_receiver(
    environment: EnvironmentStack, build: BuildOutputs
) -> tuple[ReplicaRegistry | None, list[str]]:
    """What the build stack replicates into this stack's registry, if the stack receives it."""
    receive = environment.receive_replication
    receive_key = key("receiveReplication")
    here = f"account {environment.account_id} in {environment.region}"
    registry = _replica_at(build, environment.account_id, environment.region)
    if receive is None:
        if registry is not None and build.registry_id != environment.account_id:
            return None, [
                f"the build stack {build.stack} replicates to {here}, but this stack does not set "
                f"{receive_key}: replication fails without a registry policy here, and replicas arrive "
                "without a pull policy, unless another stack owns both"
            ]
        return None, []
    if build.registry_id != receive.source_account:
        raise ConfigError(
            f"{receive_key}.sourceAccount",
            receive.source_account,
            f"is not the account of the build stack {build.stack} ({build.registry_id})",
        )
    if registry is None:
        raise ConfigError(
            receive_key,
            build.stack,
            f"does not replicate to {here}: add this destination to its replication.rules and deploy it "
            f"first, or remove {receive_key}",
        )
    if tuple(sorted(receive.filters)) != registry.filters:
        raise ConfigError(
            f"{receive_key}.filters",
            sorted(receive.filters),
            f"differ from what the build stack replicates here ({_filters_text(registry.filters)}): the "
            "registry policy and templates must cover exactly the replicated repositories",
        )
    if registry.settings.encryption == "KMS" and receive.kms_keys is None:
        raise ConfigError(
            f"{receive_key}.kmsKeys",
            None,
            f"is not set, but the build stack {build.stack} replicates KMS-encrypted repositories here: set "
            "kmsKeys (create: true, or the ARN of a key in this Region) so the replicas are encrypted "
            "with a key of this account, not with AES256",
        )
    mine = receive.template_prefixes
    if mine != registry.template_prefixes:
        raise ConfigError(
            f"{receive_key}.rootTemplate",
            receive.root_template,
            f"gives templates {', '.join(mine)}, but the build stack's rules for this destination need "
            f"{', '.join(registry.template_prefixes)}",
        )
    return registry, []


def _replica_at(build: BuildOutputs, account_id: str, region: str) -> ReplicaRegistry | None:
    """The build stack's replica registry in that account and Region, if it replicates there."""
    return next(
        (
            r
            for r in build.replicas
            if (r.destination.account_id, r.destination.region) == (account_id, region)
        ),
        None,
    )


def _filters_text(filters: tuple[str, ...]) -> str:
    return ", ".join(filters) if filters else "every repository"


def _replica_registry(environment: EnvironmentStack, build: BuildOutputs) -> ReplicaRegistry:
    """This account's replica if there is one in this Region, else the build account's."""
    pull_key = key("pullFrom")
    registry = _replica_at(build, environment.account_id, environment.region) or _replica_at(
        build, build.registry_id, environment.region
    )
    if registry is None:
        raise ConfigError(
            pull_key,
            "replica",
            f"finds no replica in {environment.region}: the build stack {build.stack} replicates neither "
            f"to this account {environment.account_id} nor to its own account there (its output "
            f'{REPLICATION}). Add a destination to its replication.rules, or pull from "build"',
        )
    destination = registry.destination
    for index, service in enumerate(environment.services):
        if service.repository not in registry.repositories:
            raise ConfigError(
                f"{key('services')}[{index}].repository",
                service.repository,
                f"is not replicated to {destination.account_id} in {destination.region} "
                f"(the build stack replicates there: {_filters_text(registry.filters)})",
            )
    return registry


def consumer_roles(environment: EnvironmentStack) -> list[tuple[str, str]]:
    """(config key, ARN) of every role of the stack that pulls: its execution role, then the
    existing roles it attaches the pull policy to."""
    own = (
        key("buildStack"),
        execution_role_arn(environment.region, environment.account_id, environment.stack),
    )
    return [own, *((f"{key('pullRoles')}[{i}]", r.arn) for i, r in enumerate(environment.pull_roles))]
