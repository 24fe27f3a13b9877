"""Read the deployed documents with boto3: the repository policies in every registry that holds
shared images, and in each environment account the policies of the execution role and of the
existing roles the stack attaches the pull policy to (all of their policies: their owners may have
given them more).

Sessions come from an injectable ``SessionFor`` so that tests (moto) and callers with their own
credential plumbing decide how each stack's base credentials are made. The default uses the stack's
``aws:profile`` (or a ``--profile`` override) and otherwise the default credential chain; the roles
of ``aws:assumeRoles`` are then assumed on top, as the stack's provider does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
)

from components.aws.rules import SECRETS_MANAGER_SECRET_ARN
from components.config.credentials import StackCredentials, base_session, stack_session
from components.config.model import StackConfig
from components.verify.access.resources import task_secret_arns
from components.verify.deployments import Deployment, VerifyError
from components.verify.evaluator.documents import PolicyDocument
from components.verify.intended import (
    DeployedState,
    RepositoryState,
    RoleState,
    attached_role_key,
    intended_state,
)

# (stack, profile or None) -> a boto3 Session with that stack's base credentials (before the roles
# its provider assumes): boto3's for the profile, or the default chain; tests give moto's.
SessionFor = Callable[[StackConfig, str | None], Any]


def default_session(stack: StackConfig, profile: str | None) -> Any:
    return base_session(profile, stack.region)


class Sessions:
    """One checked session per stack, made on first use: each stack's credentials are asked for
    (and their account checked) once per run, whatever reads through them. Each session is the
    stack's provider credentials (``config.credentials.stack_session``): its base credentials from
    ``session_for``, then the roles the stack file assumes."""

    def __init__(self, session_for: SessionFor, credentials: Mapping[str, StackCredentials]) -> None:
        self._session_for = session_for
        self._credentials = dict(credentials)
        self._sessions: dict[str, Any] = {}

    def __call__(self, stack: StackConfig) -> Any:
        if stack.stack not in self._sessions:
            with self.errors(stack):
                self._sessions[stack.stack] = _checked_session(stack, self.unchecked(stack))
        return self._sessions[stack.stack]

    def unchecked(self, stack: StackConfig) -> Any:
        """The stack's credentials without the account check, for calls any account may make."""

        def base(profile: str | None, region: str) -> Any:
            return self._session_for(stack, profile)

        return stack_session(self.credentials(stack), stack.region, base)

    def credentials(self, stack: StackConfig) -> StackCredentials:
        return self._credentials.get(stack.stack) or StackCredentials()

    def errors(self, stack: StackConfig) -> AbstractContextManager[None]:
        return _aws_errors(stack, self.credentials(stack))


def read_live_documents(deployment: Deployment, session: Sessions) -> DeployedState:
    """The repository policies in every registry and each execution role's permission policies.

    Repositories are read wherever they live: the build registry's, and every replica registry's
    (through the session of a stack deployed to that account, in the replica's Region; a selected
    one if any, else the environment that receives the replicas).
    """
    stacks: list[StackConfig] = list(deployment.reachable)
    clients: dict[tuple[str, str], Any] = {}

    def ecr_client(stack: StackConfig, region: str) -> Any:
        # One client per account and Region: making a client costs more than a read.
        if (stack.stack, region) not in clients:
            clients[stack.stack, region] = session(stack).client("ecr", region_name=region)
        return clients[stack.stack, region]

    intended = intended_state(deployment)
    repositories: dict[str, RepositoryState] = {}
    for arn, wanted in intended.repositories.items():
        owner = next((s for s in stacks if s.account_id == wanted.account_id), None)
        if owner is None:
            raise VerifyError(
                f"no stack deploys to account {wanted.account_id}, so {wanted.label} cannot be read"
            )
        with session.errors(owner):
            repositories[arn] = _repository(ecr_client(owner, wanted.region), wanted)
    roles: dict[str, RoleState] = {}
    for env in deployment.environments:
        with session.errors(env):
            iam = session(env).client("iam")
            for name in (env.stack, *(attached_role_key(env.stack, r.name) for r in env.pull_roles)):
                roles[name] = _role(iam, intended.roles[name])
    return DeployedState(repositories, roles, secret_policies=_secret_policies(deployment, session))


def _secret_policies(deployment: Deployment, session: Sessions) -> dict[str, PolicyDocument]:
    """The resource policy of each Secrets Manager secret a selected environment's task definitions
    name, read with that environment's credentials (its account holds them). A parameter has none
    (Parameter Store shares through RAM, which is not read)."""
    found: dict[str, PolicyDocument] = {}
    for env in deployment.environments:
        arns = [
            a
            for a in task_secret_arns(deployment.plans[env.stack])
            if SECRETS_MANAGER_SECRET_ARN.fullmatch(a)
        ]
        with session.errors(env):
            for arn in arns:
                client = session(env).client("secretsmanager", region_name=arn.split(":")[3])
                try:
                    text = client.get_resource_policy(SecretId=arn).get("ResourcePolicy")
                except ClientError as error:
                    if error_code(error) == "ResourceNotFoundException":
                        continue  # no secret, so nothing to read; the task fails to start, not verify
                    raise
                if text:
                    found[arn] = policy_document(text)
    return found


@contextmanager
def _aws_errors(stack: StackConfig, credentials: StackCredentials) -> Iterator[None]:
    """Turn credential and API failures into one clear sentence (VerifyError, exit code 2)."""
    where = f"stack {stack.stack} (account {stack.account_id}, {credentials.describe()})"
    try:
        yield
    except ProfileNotFound as error:
        raise VerifyError(
            f"no AWS credentials for {where}: {error}. Configure that profile, pass --profile, "
            "or use --default-credentials"
        ) from None
    except (NoCredentialsError, PartialCredentialsError):
        raise VerifyError(
            f"no AWS credentials for {where}: set up credentials (aws configure, AWS_PROFILE or "
            "environment variables) or run without --live"
        ) from None
    except ClientError as error:
        raise VerifyError(f"AWS refused a read for {where}: {error_code(error)}: {error}") from None
    except BotoCoreError as error:
        raise VerifyError(f"AWS call failed for {where}: {error}") from None


def _checked_session(stack: StackConfig, session: Any) -> Any:
    """The session, if its credentials belong to the account the stack file pins."""
    account = session.client("sts", region_name=stack.region).get_caller_identity()["Account"]
    if account != stack.account_id:
        raise VerifyError(
            f"the credentials for stack {stack.stack} are for account {account}, but its stack file "
            f"pins {stack.account_id} (aws:allowedAccountIds)"
        )
    return session


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _repository(ecr: Any, wanted: RepositoryState) -> RepositoryState:
    try:
        text = ecr.get_repository_policy(registryId=wanted.account_id, repositoryName=wanted.name)[
            "policyText"
        ]
    except ClientError as error:
        if error_code(error) == "RepositoryPolicyNotFoundException":
            return replace(wanted, policy=None)
        if error_code(error) == "RepositoryNotFoundException":
            return replace(wanted, policy=None, exists=False)
        raise
    return replace(wanted, policy=policy_document(text))


def _role(iam: Any, wanted: RoleState) -> RoleState:
    name = wanted.arn.rsplit("/", 1)[1]
    try:
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    except ClientError as error:
        if error_code(error) == "NoSuchEntity":
            return RoleState(wanted.arn, (), (), exists=False)
        raise
    names: list[str] = []
    documents: list[PolicyDocument] = []
    for policy_name in _paged(iam, "list_role_policies", "PolicyNames", RoleName=name):
        document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
        names.append(f"inline policy {policy_name}")
        documents.append(policy_document(document))
    for attached in _paged(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name):
        version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)
        names.append(f"managed policy {attached['PolicyArn']}")
        documents.append(policy_document(document["PolicyVersion"]["Document"]))
    return RoleState(arn, tuple(documents), tuple(names))


def _paged(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page[key]


def policy_document(value: Any) -> PolicyDocument:
    """boto3 decodes IAM documents to dicts; ECR returns JSON text; older SDKs return URL-encoded text."""
    if isinstance(value, dict):
        return value
    text = str(value)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        parsed = json.loads(unquote(text))
    if not isinstance(parsed, dict):
        raise VerifyError(f"a deployed policy is not a JSON object: {text[:80]}")
    return parsed
