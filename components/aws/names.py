"""ARNs, URLs and names, computed from plain values so they are known before deploying."""

from __future__ import annotations

from components.aws.rules import dns_suffix_for, partition_for


def repository_arn(region: str, account_id: str, repository: str) -> str:
    return f"arn:{partition_for(region)}:ecr:{region}:{account_id}:repository/{repository}"


def registry_host(region: str, account_id: str) -> str:
    return f"{account_id}.dkr.ecr.{region}.{dns_suffix_for(region)}"


def repository_url(region: str, account_id: str, repository: str) -> str:
    return f"{registry_host(region, account_id)}/{repository}"


def account_root_arn(account_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def log_group_name(family: str) -> str:
    return f"/ecs/{family}"


def log_group_arn(region: str, account_id: str, family: str) -> str:
    """The ARN that log-stream actions are authorized on (the group's streams: ``:*``)."""
    return f"arn:{partition_for(region)}:logs:{region}:{account_id}:log-group:{log_group_name(family)}:*"


# The execution role's one inline policy: the seed's step 2 ("ecr-cross-account-pull").
EXECUTION_ROLE_POLICY_NAME = "ecr-cross-account-pull"


def execution_role_name(stack: str) -> str:
    """One execution role per environment stack, named so live checks can find it."""
    return f"ecr-share-{stack}-execution"


def role_arn(region: str, account_id: str, name: str, path: str = "/") -> str:
    """The ARN of an IAM role, on IAM's default path ``/`` unless another is given."""
    return f"arn:{partition_for(region)}:iam::{account_id}:role{path}{name}"


def arn_account(arn: str) -> str:
    """The account field of an ARN (``arn:<partition>:<service>:<region>:<account>:...``)."""
    return arn.split(":", 5)[4]


def lambda_functions_arn(region: str, account_id: str) -> str:
    """Every Lambda function of an account in one Region, as an ``aws:sourceARN`` pattern."""
    return f"arn:{partition_for(region)}:lambda:{region}:{account_id}:function:*"


def pull_policy_name(stack: str) -> str:
    """The customer managed policy an environment stack attaches to the existing roles it names."""
    return f"ecr-share-{stack}-pull"


def execution_role_arn(region: str, account_id: str, stack: str) -> str:
    return role_arn(region, account_id, execution_role_name(stack))


def ecs_cluster_arn(region: str, account_id: str, cluster: str) -> str:
    """An ECS cluster's ARN from its name: the form pulumi-aws's ``Service.cluster`` documents."""
    return f"arn:{partition_for(region)}:ecs:{region}:{account_id}:cluster/{cluster}"
