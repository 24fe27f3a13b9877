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
from components.consumers.resources import ROLE, ROLE_POLICY, ROLE_POLICY_ATTACHMENT
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
    unless its plan grants other accounts), and each environment's execution role with its inline
    policy and the managed policies attached to it, all as the plans' resources hold them."""
    (deployment,) = load_deployments(project)
    planned_texts = {d.text for d in evaluated_documents(deployment)}
    clients: dict[tuple[str, str], Any] = {}
    for repository in intended_state(deployment).repositories.values():
        where = (repository.account_id, repository.region)
        if where not in clients:
            clients[where] = account_session(*where).client("ecr")
        ecr = clients[where]
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
        for attachment in plan.of_type(ROLE_POLICY_ATTACHMENT):
            managed = plan.resource(attachment.inputs["policy_arn"].resource)
            arn = iam.create_policy(
                PolicyName=managed.inputs["name"],
                PolicyDocument=managed.inputs["policy"],
                Description=managed.inputs["description"],
            )["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=attachment.inputs["role"], PolicyArn=arn)
    return deployment
