"""``verify --live`` against moto, in process, with one moto account per stack.

Each stack's session assumes a role in that stack's own account (moto keeps accounts apart by
the credentials' account), so the build account really holds the repositories and each
environment account really holds its execution role.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import NoCredentialsError
from moto import mock_aws

from components.access.cli import main
from components.access.intended import intended_repository_policy, intended_role_policy
from components.access.matrix import intended_state
from components.access.project import Deployment, load_deployments
from components.model import StackConfig
from components.naming import execution_role_name
from components.policies import canonical_json, ecs_tasks_trust_policy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def session_for(stack: StackConfig, profile: str | None) -> Any:
    """A session in the stack's own moto account, reached by assuming a role there."""
    sts = boto3.client("sts", region_name=stack.region)
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{stack.account_id}:role/verify", RoleSessionName="verify"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=stack.region,
    )


def deploy(project: Path) -> Deployment:
    """Create what ``pulumi up`` (and, for replicas, the first replicated push) would: every
    repository with its policy, and each environment's execution role with its inline policy,
    from the same policy builders."""
    (deployment,) = load_deployments(project)
    build = deployment.build
    stacks: list[StackConfig] = [build, *deployment.environments]
    for repository in intended_state(deployment).repositories.values():
        owner = next(s for s in stacks if s.account_id == repository.account_id)
        ecr = session_for(owner, None).client("ecr", region_name=repository.region)
        ecr.create_repository(repositoryName=repository.name)
        ecr.set_repository_policy(
            repositoryName=repository.name, policyText=canonical_json(intended_repository_policy(build))
        )
    for env in deployment.environments:
        iam = session_for(env, None).client("iam")
        name = execution_role_name(env.stack)
        iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=canonical_json(ecs_tasks_trust_policy(env.account_id))
        )
        iam.put_role_policy(
            RoleName=name,
            PolicyName="ecr-cross-account-pull",
            PolicyDocument=canonical_json(intended_role_policy(env, build)),
        )
    return deployment


def verify_live(project: Path, *args: str, sessions: Any = session_for) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["verify", "--live", "--stacks-dir", str(project), *args], session_for=sessions, out=out, err=err
    )
    return code, out.getvalue(), err.getvalue()


def build_ecr() -> Any:
    return session_for(load_deployments(ROOT)[0].build, None).client("ecr")


def test_deployed_as_intended(aws: None, project: Path) -> None:
    deploy(project)
    code, out, err = verify_live(project)
    assert (code, err) == (0, "")
    assert out.startswith("ecr-share verify (live: policies read from AWS")
    assert "Drift:" not in out
    assert (
        "Result: all 4 intended pulls are allowed; no other role or account can pull; the deployed policies match"
        in out
    )


def test_hand_edited_repository_policy_that_drops_an_account(aws: None, project: Path) -> None:
    deploy(project)
    ecr = build_ecr()
    policy = json.loads(ecr.get_repository_policy(repositoryName="web-app")["policyText"])
    policy["Statement"][0]["Principal"]["AWS"].remove("arn:aws:iam::333333333333:root")
    ecr.set_repository_policy(repositoryName="web-app", policyText=json.dumps(policy, indent=2))

    code, out, _ = verify_live(project, "--format", "json")
    report = json.loads(out)
    assert code == report["exitCode"] == 1
    (build,) = report["builds"]
    cells = {(c["consumer"], c["repository"]): c for c in build["cells"]}
    assert cells[("staging", "web-app")]["status"] == "denied"
    assert cells[("staging", "web-app")]["reasons"] == [
        "repository policy of web-app does not grant account 333333333333"
    ]
    assert cells[("dev", "web-app")]["status"] == "allowed"
    (drift,) = build["drift"]
    assert drift.startswith(
        "repository policy of web-app differs from the one ecr-share deploys: deployed only: "
    )
    assert "intended only: " in drift and "333333333333" in drift
    assert report["summary"] == "1 of 4 intended pulls denied; 1 drift finding in the deployed documents"


def test_hand_edited_repository_policy_opened_to_everyone(aws: None, project: Path) -> None:
    deploy(project)
    ecr = build_ecr()
    policy = json.loads(ecr.get_repository_policy(repositoryName="worker")["policyText"])
    policy["Statement"][0]["Principal"] = "*"
    ecr.set_repository_policy(repositoryName="worker", policyText=json.dumps(policy))

    code, out, _ = verify_live(project)
    assert code == 1
    assert "any other account       -        UNINTENDED" in out
    assert "any other account -> worker: can pull, but none of its services uses this repository" in out


def test_extra_managed_policy_on_a_role_is_reported(aws: None, project: Path) -> None:
    deploy(project)
    (staging,) = [e for e in load_deployments(project)[0].environments if e.stack == "staging"]
    iam = session_for(staging, None).client("iam")
    arn = iam.create_policy(
        PolicyName="ecr-everything",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}
        ),
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="ecr-share-staging-execution", PolicyArn=arn)

    code, out, _ = verify_live(project)
    assert code == 1
    # The repository policy grants the whole staging account, so the role's scope was the only limit.
    assert "staging (333333333333)  allowed  UNINTENDED" in out
    assert (
        "execution role ecr-share-staging-execution of staging has managed policy "
        "arn:aws:iam::333333333333:policy/ecr-everything, which ecr-share does not deploy"
    ) in out


def test_missing_role_build_repository_and_replica(aws: None, project: Path) -> None:
    (deployment,) = load_deployments(project)
    deploy(project)
    dev, prod = (next(e for e in deployment.environments if e.stack == name) for name in ("dev", "prod"))
    iam = session_for(dev, None).client("iam")
    iam.delete_role_policy(RoleName="ecr-share-dev-execution", PolicyName="ecr-cross-account-pull")
    iam.delete_role(RoleName="ecr-share-dev-execution")
    build_ecr().delete_repository(repositoryName="worker", force=True)
    session_for(prod, None).client("ecr").delete_repository(repositoryName="web-app", force=True)

    code, out, _ = verify_live(project, "--format", "json")
    assert code == 1
    build = json.loads(out)["builds"][0]
    cells = {(c["consumer"], c["repository"]): c for c in build["cells"]}
    assert cells[("dev", "web-app")]["status"] == "denied"
    assert (
        cells[("dev", "web-app")]["reasons"][0]
        == "role ecr-share-dev-execution does not exist in account 222222222222"
    )
    # prod pulls replicas (Pulumi.prod.yaml: pullFrom: replica): the build repository's absence
    # does not stop it, the missing replica does.
    assert cells[("prod", "worker")]["status"] == "allowed"
    assert (
        cells[("prod", "worker")]["repositoryArn"] == "arn:aws:ecr:us-east-1:444444444444:repository/worker"
    )
    assert cells[("prod", "web-app")]["status"] == "denied"
    assert cells[("prod", "web-app")]["reasons"][0] == (
        "repository web-app (replica in 444444444444, us-east-1) does not exist "
        "(replicas appear with the first push after replication is configured)"
    )
    assert set(build["drift"]) == {
        "repository worker does not exist in account 111111111111 (us-east-1)",
        "repository web-app (replica in 444444444444, us-east-1) does not exist",
        "execution role ecr-share-dev-execution of dev does not exist in account 222222222222",
    }


def test_missing_credentials_is_one_sentence_and_exit_2(aws: None, project: Path) -> None:
    def no_credentials(stack: StackConfig, profile: str | None) -> Any:
        raise NoCredentialsError()

    code, out, err = verify_live(project, sessions=no_credentials)
    assert (code, out) == (2, "")
    assert err == (
        "ecr-share verify: error: no AWS credentials for stack build (account 111111111111, profile "
        "build-deploy): set up credentials (aws configure, AWS_PROFILE or environment variables) or run "
        "without --live\n"
    )


def test_default_chain_without_credentials(
    monkeypatch: pytest.MonkeyPatch, project: Path, tmp_path: Path
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify", "--live", "--stacks-dir", str(project), "--default-credentials"], out=out, err=err)
    assert code == 2
    assert err.getvalue().startswith(
        "ecr-share verify: error: no AWS credentials for stack build (account 111111111111, default credentials)"
    )
    code = main(["verify", "--live", "--stacks-dir", str(project)], out=out, err=err)  # the stacks' profiles
    assert code == 2
    assert "The config profile (build-deploy) could not be found" in err.getvalue()


def test_credentials_for_the_wrong_account_are_refused(aws: None, project: Path) -> None:
    deploy(project)
    build = load_deployments(project)[0].build

    def always_build(stack: StackConfig, profile: str | None) -> Any:
        return session_for(build, profile)

    code, _, err = verify_live(project, sessions=always_build)
    assert code == 2
    assert (
        "the credentials for stack prod are for account 111111111111, but its stack file pins 444444444444"
        in err
    )


def test_profile_arguments_reach_the_session_factory(aws: None, project: Path) -> None:
    deploy(project)
    seen: dict[str, str | None] = {}

    def recording(stack: StackConfig, profile: str | None) -> Any:
        seen[stack.stack] = profile
        return session_for(stack, profile)

    assert (
        verify_live(project, "--profile", "audit", "--profile", "dev=dev-audit", sessions=recording)[0] == 0
    )
    assert seen == {"build": "audit", "dev": "dev-audit", "prod": "audit", "staging": "audit"}
    assert verify_live(project, sessions=recording)[0] == 0
    assert seen == {
        "build": "build-deploy",
        "dev": "dev-deploy",
        "prod": "production-deploy",
        "staging": "staging-deploy",
    }
