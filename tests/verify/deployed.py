"""What ``pulumi up`` of every stack (and, for replicas, the first replicated push) leaves in AWS,
created in moto from the plans: one moto account per AWS account, reached by assuming a role there
(moto keeps accounts apart by the credentials' account)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session

from components.aws.policy import canonical_json
from components.config.model import StackConfig
from components.consumers.resources import POLICY, ROLE, ROLE_POLICY, ROLE_POLICY_ATTACHMENT
from components.verify.deployments import Deployment, load_deployments
from components.verify.intended import evaluated_documents, intended_state

# Every session reads the AWS service models through one loader: parsing them again for each
# session would take most of a live test's time.
_MODELS = botocore.loaders.create_loader()


def account_session(account_id: str, region: str) -> Any:
    """A session whose credentials belong to ``account_id`` in moto."""
    sts = boto3.client("sts", region_name=region)
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/verify", RoleSessionName="verify")[
        "Credentials"
    ]
    core = botocore.session.Session()
    core.register_component("data_loader", _MODELS)
    core.set_credentials(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )
    return boto3.Session(botocore_session=core, region_name=region)


def session_for(stack: StackConfig, profile: str | None) -> Any:
    """``verify --live``'s session factory: the stack's own account, whatever the profile."""
    return account_session(stack.account_id, stack.region)


def deploy(project: Path) -> Deployment:
    """Create every repository of every registry the plans fill, in its account and Region, with
    the policy its plan gives it (replicas included: a destination account's replicas get none
    unless its plan grants other accounts), each environment's execution role with its inline
    policy, and the managed pull policy attached to each existing role it names (the roles
    themselves created first, as their owners would have), all as the plans' resources hold them."""
    (deployment,) = load_deployments(project)
    planned_texts = {d.text for d in evaluated_documents(deployment)}
    for repository in intended_state(deployment).repositories.values():
        ecr = account_session(repository.account_id, repository.region).client("ecr")
        ecr.create_repository(repositoryName=repository.name)
        if repository.policy is not None:
            # The state holds the planned text parsed; the plan rendered it canonically.
            text = canonical_json(repository.policy)
            assert text in planned_texts, f"{repository.label}: {text} is not a planned document"
            ecr.set_repository_policy(repositoryName=repository.name, policyText=text)
    for env in deployment.environments:
        plan = deployment.plans[env.stack]
        iam = account_session(plan.account_id, plan.region).client("iam")
        for role in plan.of_type(ROLE):
            iam.create_role(
                RoleName=role.inputs["name"],
                AssumeRolePolicyDocument=role.inputs["assume_role_policy"],
                Description=role.inputs["description"],
            )
        for policy in plan.of_type(ROLE_POLICY):
            iam.put_role_policy(
                RoleName=policy.inputs["role"],
                PolicyName=policy.inputs["name"],
                PolicyDocument=policy.inputs["policy"],
            )
        for existing in env.pull_roles:
            create_existing_role(iam, existing.arn)
        arns = {
            policy.key: iam.create_policy(
                PolicyName=policy.inputs["name"],
                PolicyDocument=policy.inputs["policy"],
                Description=policy.inputs["description"],
            )["Policy"]["Arn"]
            for policy in plan.of_type(POLICY)
        }
        for attachment in plan.of_type(ROLE_POLICY_ATTACHMENT):
            iam.attach_role_policy(
                RoleName=attachment.inputs["role"], PolicyArn=arns[attachment.inputs["policy_arn"].resource]
            )
    return deployment


def create_existing_role(iam: Any, arn: str) -> None:
    """A role ecr-share does not create (an EKS node role, a CodeBuild role), on its path."""
    path, name = arn.split(":role", 1)[1].rsplit("/", 1)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam.create_role(RoleName=name, Path=f"{path}/", AssumeRolePolicyDocument=canonical_json(trust))
