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

# Every client reads the AWS service models through one loader and is made by one botocore session:
# parsing the models, or setting up a session's handlers, again for each would take most of a live
# test's time.
_MODELS = botocore.loaders.create_loader()
_botocore: list[botocore.session.Session] = []
# Per moto state (``forget`` clears them when a test resets moto): each account's assumed-role
# credentials, and each client made with them.
_credentials: dict[str, dict[str, str]] = {}
_clients: dict[tuple[str, str, str], Any] = {}


def forget() -> None:
    """A reset moto knows none of the credentials of the previous test: drop them and their clients."""
    _credentials.clear()
    _clients.clear()


class AccountSession:
    """What ``verify --live`` uses of a boto3 Session (``client``), for one moto account: moto keeps
    accounts apart by the credentials' account, so each client carries the role assumed there."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region_name = region

    def client(self, service: str, region_name: str | None = None) -> Any:
        region = region_name or self.region_name
        key = (self.account_id, service, region)
        if key not in _clients:
            credentials = _assumed(self.account_id, region)
            _clients[key] = _shared_botocore().create_client(
                service,
                region_name=region,
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            )
        return _clients[key]


def _shared_botocore() -> botocore.session.Session:
    """Made once moto is running: a session picks up moto's request handler when it is made."""
    if not _botocore:
        _botocore.append(botocore.session.Session())
        _botocore[0].register_component("data_loader", _MODELS)
    return _botocore[0]


def _assumed(account_id: str, region: str) -> dict[str, str]:
    if account_id not in _credentials:
        sts = boto3.client("sts", region_name=region)
        role = f"arn:aws:iam::{account_id}:role/verify"
        _credentials[account_id] = sts.assume_role(RoleArn=role, RoleSessionName="verify")["Credentials"]
    return _credentials[account_id]


def account_session(account_id: str, region: str) -> AccountSession:
    """A session whose credentials belong to ``account_id`` in moto."""
    return AccountSession(account_id, region)


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
        for attachment in plan.of_type(ROLE_POLICY_ATTACHMENT):
            managed = plan.resource(attachment.inputs["policy_arn"].resource)
            arn = iam.create_policy(
                PolicyName=managed.inputs["name"],
                PolicyDocument=managed.inputs["policy"],
                Description=managed.inputs["description"],
            )["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=attachment.inputs["role"], PolicyArn=arn)
    return deployment
