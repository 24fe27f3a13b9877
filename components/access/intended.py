"""What ecr-share deploys, as plain documents: built with the same functions ``components.program``
uses, so the offline report evaluates exactly the policies ``pulumi up`` would create."""

from __future__ import annotations

from components import naming
from components.access.documents import PolicyDocument
from components.access.evaluator import Principal
from components.aws_rules import partition_for
from components.model import BuildStack, EnvironmentStack, OrganizationAccess
from components.naming import log_group_arn, repository_arn
from components.policies import execution_role_policy, repository_pull_policy
from components.replication import DestinationPlan
from components.replication_outputs import (
    ReplicationExport,
    check_environment_replication,
    pull_sources,
    replication_output,
)


def execution_role_arn(environment: EnvironmentStack) -> str:
    """The role ``PullExecutionRole`` creates."""
    return naming.execution_role_arn(environment.region, environment.account_id, environment.stack)


def repository_arns(build: BuildStack) -> dict[str, str]:
    return {r.name: repository_arn(build.region, build.account_id, r.name) for r in build.repositories}


def intended_repository_policy(build: BuildStack) -> PolicyDocument:
    """The build repositories' policy; replicas get the same one from their creation templates."""
    return repository_pull_policy(build.access, partition_for(build.region))


def pull_registry(environment: EnvironmentStack, build: BuildStack) -> DestinationPlan | None:
    """The replica registry the environment pulls from (``pullFrom: replica``), or None for the build
    account: decided by the check ``program.read_replica_registry`` runs (raises ConfigError)."""
    export = ReplicationExport.from_output(replication_output(build))
    replica, _ = check_environment_replication(environment, environment.build_stack, export)
    return replica


def source_arns(environment: EnvironmentStack, build: BuildStack) -> dict[str, str]:
    """Repository name -> the ARN this environment pulls it from, as the deploy decides it."""
    return pull_sources(repository_arns(build), pull_registry(environment, build))


def intended_role_policy(environment: EnvironmentStack, build: BuildStack) -> PolicyDocument:
    """The inline policy of the environment's execution role, as ``deploy_environment`` builds it."""
    arns = source_arns(environment, build)
    return execution_role_policy(
        [arns[name] for name in environment.repositories if name in arns],
        [log_group_arn(environment.region, environment.account_id, s.name) for s in environment.services],
    )


def consumer_principal(
    environment: EnvironmentStack, role_arn: str, identity_policies: tuple[PolicyDocument, ...]
) -> Principal:
    """The execution role as the request context sees it. Organization membership comes from
    ``ecr-share:organizationPath``; without it (or with a wildcard in it) membership is unknown."""
    path = environment.organization_path
    if path is None or "*" in path:
        return Principal(
            environment.account_id, role_arn, identity_policies=identity_policies, organization_known=False
        )
    return Principal(
        environment.account_id,
        role_arn,
        organization_id=path.split("/", 1)[0],
        organization_paths=(path,),
        identity_policies=identity_policies,
    )


def membership_note(environment: EnvironmentStack, build: BuildStack) -> str | None:
    """Why an organization grant to this environment cannot be proven, if it cannot."""
    if not isinstance(build.access, OrganizationAccess):
        return None
    path = environment.organization_path
    if path is None:
        return (
            f"{environment.stack} sets no ecr-share:organizationPath, so whether account "
            f"{environment.account_id} is in organization {build.access.organization_id} cannot be proven"
        )
    if "*" in path:
        return f"{environment.stack}: ecr-share:organizationPath {path} has a wildcard; an account has one exact path"
    return None
