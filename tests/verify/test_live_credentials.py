"""``verify --live`` reaches each account the way that stack's provider does: the base credentials
(here one CI account's, as OIDC in CI gives), then the roles of the stack file's ``aws:assumeRoles``.
Before, ``verify --live`` ignored the roles and refused the CI account's credentials."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import yaml

from components.config.model import StackConfig
from components.verify.cli import _credentials, main
from components.verify.deployments import load_deployments
from components.verify.live import Sessions
from tests.support.deployed import account_session, deploy

CI = "999999999999"
ACCOUNTS = {"build": "111111111111", "dev": "222222222222", "staging": "333333333333", "prod": "444444444444"}


def ci_session(stack: StackConfig, profile: str | None) -> Any:
    """Every stack's base credentials: the CI account's, whatever the profile."""
    return account_session(CI, stack.region)


def assume_deploy_roles(project: Path) -> None:
    for stack, account in ACCOUNTS.items():
        path = project / f"Pulumi.{stack}.yaml"
        text = path.read_text(encoding="utf-8")
        document = yaml.safe_load(text)
        document["config"]["aws:assumeRoles"] = [
            {"roleArn": f"arn:aws:iam::{account}:role/deploy", "sessionName": "verify"}
        ]
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def verify_live(project: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["verify", "--live", "--stacks-dir", str(project), *args], session_for=ci_session, out=out, err=err
    )
    return code, out.getvalue(), err.getvalue()


def test_the_stacks_assumed_roles_reach_their_accounts(aws: None, project: Path) -> None:
    """The sessions every live read goes through (``--live``, ``--pull``, ``audit --lookup-events``):
    checked against each stack's pinned account. (A full ``--live`` run needs the unit suite's ECR
    stand-ins, which live on the base session's clients; the engine stage runs it for real.)"""
    assume_deploy_roles(project)
    for deployment in load_deployments(project):
        sessions = Sessions(ci_session, _credentials(deployment, [], default_credentials=True))
        for stack in deployment.reachable:
            identity = sessions(stack).client("sts", region_name=stack.region).get_caller_identity()
            assert identity["Arn"] == f"arn:aws:sts::{ACCOUNTS[stack.stack]}:assumed-role/deploy/verify"
            assert sessions.credentials(stack).describe() == (
                f"default credentials then role arn:aws:iam::{ACCOUNTS[stack.stack]}:role/deploy"
            )


def test_without_the_roles_the_ci_account_is_refused(aws: None, project: Path) -> None:
    deploy(project)
    code, out, err = verify_live(project)
    assert (code, out) == (2, "")
    assert err == (
        f"ecr-share verify: error: the credentials for stack build are for account {CI}, but its stack file "
        "pins 111111111111 (aws:allowedAccountIds)\n"
    )


def test_a_role_in_another_account_is_refused(aws: None, project: Path) -> None:
    assume_deploy_roles(project)
    path = project / "Pulumi.build.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("111111111111:role/deploy", "555555555555:role/deploy"),
        encoding="utf-8",
    )
    code, out, err = verify_live(project, "--profile", "build=ci")
    assert (code, out) == (2, "")
    assert err == (
        "ecr-share verify: error: the credentials for stack build are for account 555555555555, but its stack "
        "file pins 111111111111 (aws:allowedAccountIds)\n"
    )
