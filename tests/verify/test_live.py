"""``verify --live`` against moto, in process, with one moto account per AWS account.

``deployed.deploy`` creates exactly what the plans deploy, in every registry (the build registry,
the build account's us-west-2 replicas, prod's replicas) and each environment account; each test
then changes what a person or an old release could have left there.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import NoCredentialsError

from components.config.model import StackConfig
from components.verify.cli import main
from tests.support.deployed import account_session, deploy, session_for
from tests.support.scale_project import account, build_config, environment_config, repository, write_project
from tests.support.stack_edits import grant_prod_replicas
from tests.support.verify_cli import BUILD_REGISTRY, PROD_REPLICAS, WEST_REPLICAS, json_cells, registry_table

ROOT = Path(__file__).resolve().parents[2]
BUILD, DEV, STAGING, PROD = "111111111111", "222222222222", "333333333333", "444444444444"
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}


def verify_live(project: Path, *args: str, sessions: Any = session_for) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    where = [] if project == Path(".") else ["--stacks-dir", str(project)]
    code = main(["verify", "--live", *where, *args], session_for=sessions, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def ecr(account: str, region: str = "us-east-1") -> Any:
    return account_session(account, region).client("ecr")


def live_json(project: Path) -> tuple[int, dict[str, Any]]:
    code, out, _ = verify_live(project, "--format", "json")
    report = json.loads(out)
    assert code == report["exitCode"]
    return code, report


def test_deployed_exactly_from_the_plans_is_clean(aws: None, project: Path) -> None:
    deploy(project)
    code, out, err = verify_live(project)
    assert (code, err) == (0, "")
    assert out.startswith(
        f"ecr-share verify (live: policies read from AWS, compared with the plans of the stack files in {project})\n"
    )
    assert "Drift:" not in out
    assert registry_table(out, PROD_REPLICAS)["account 222222222222 (dev)"] == ["-", "-"]
    assert out.endswith(
        "Result: all 16 intended pulls are allowed; no access of any class goes beyond what the config declares; the deployed "
        "policies match the plan (exit code 0)\n"
    )


def test_deployed_with_a_replica_grant_from_the_plans_is_clean(aws: None, project: Path) -> None:
    """prod's plan grants staging its replicas: the replicas carry that policy, and it is no drift."""
    grant_prod_replicas(project, STAGING)
    deploy(project)
    assert (
        '"arn:aws:iam::333333333333:root"'
        in ecr(PROD).get_repository_policy(repositoryName="worker")["policyText"]
    )
    code, out, _ = verify_live(project)
    assert code == 0, out
    assert registry_table(out, PROD_REPLICAS)["account 333333333333 (staging)"] == ["allowed", "allowed"]


def test_a_replica_policy_its_plan_does_not_deploy_is_drift_and_unintended(aws: None, project: Path) -> None:
    """The old bug, left in AWS: prod's replica received the build stack's grant."""
    deploy(project)
    build_grant = ecr(BUILD).get_repository_policy(repositoryName="web-app")["policyText"]
    ecr(PROD).set_repository_policy(repositoryName="web-app", policyText=build_grant)

    code, out, _ = verify_live(project)
    assert code == 1
    table = registry_table(out, PROD_REPLICAS)
    assert (
        table["account 222222222222 (dev)"] == table["account 333333333333 (staging)"] == ["UNINTENDED", "-"]
    )
    assert table["prod role (444444444444)"] == ["allowed", "allowed"]
    assert (
        "Drift:\n  repository web-app (replica in 444444444444, us-east-1) has a repository policy its plan "
        "does not deploy\n" in out
    )
    assert out.endswith(
        "Result: 4 accesses allowed that the config does not declare (ECR-PULL 2, ECR-PUSH 2); 1 drift "
        "finding in the deployed documents (exit code 1)\n"
    )


def test_the_documented_live_example_is_real_output(
    aws: None, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/verify.md: the run above, from the project folder (the report names it as given: ``.``)."""
    doc = (ROOT / "docs" / "verify.md").read_text()
    deploy(project)
    monkeypatch.chdir(project)
    _, clean, _ = verify_live(Path("."))
    build_grant = ecr(BUILD).get_repository_policy(repositoryName="web-app")["policyText"]
    ecr(PROD).set_repository_policy(repositoryName="web-app", policyText=build_grant)
    _, drifted, _ = verify_live(Path("."))
    assert f"```console\n$ python -m components verify --live\n{drifted}```\n" in doc
    assert f"```text\n{clean.splitlines()[-1]}\n```\n" in doc


def test_hand_edited_build_policy_that_drops_an_account(aws: None, project: Path) -> None:
    deploy(project)
    build_ecr = ecr(BUILD)
    policy = json.loads(build_ecr.get_repository_policy(repositoryName="web-app")["policyText"])
    policy["Statement"][0]["Principal"]["AWS"].remove("arn:aws:iam::333333333333:root")
    build_ecr.set_repository_policy(repositoryName="web-app", policyText=json.dumps(policy, indent=2))

    code, report = live_json(project)
    assert code == 1
    (build,) = report["builds"]
    cells = json_cells(build)
    staging = cells[("staging", f"{BUILD}/us-east-1", "web-app")]
    assert staging["status"] == "denied"
    assert staging["reasons"] == ["repository policy of web-app does not grant account 333333333333"]
    assert cells[("account 333333333333", f"{BUILD}/us-east-1", "web-app")]["status"] == "denied"
    assert cells[("dev", f"{BUILD}/us-east-1", "web-app")]["status"] == "allowed"
    # The us-west-2 replica keeps its own policy: staging's account still reaches it.
    assert cells[("account 333333333333", f"{BUILD}/us-west-2", "web-app")]["status"] == "allowed"
    (drift,) = build["drift"]
    assert drift.startswith(
        "repository policy of web-app differs from the one ecr-share deploys: deployed only: "
    )
    assert "intended only: " in drift and "333333333333" in drift
    assert report["summary"] == "2 of 16 intended pulls denied; 1 drift finding in the deployed documents"


def test_hand_edited_build_policy_opened_to_everyone(aws: None, project: Path) -> None:
    deploy(project)
    build_ecr = ecr(BUILD)
    policy = json.loads(build_ecr.get_repository_policy(repositoryName="worker")["policyText"])
    policy["Statement"][0]["Principal"] = "*"
    build_ecr.set_repository_policy(repositoryName="worker", policyText=json.dumps(policy))

    code, out, _ = verify_live(project)
    assert code == 1
    assert registry_table(out, BUILD_REGISTRY)["any other account"] == ["-", "UNINTENDED"]
    assert (
        "  any other account -> worker (build registry 111111111111 us-east-1): can pull, but no grant "
        "means it to\n" in out
    )


def test_extra_managed_policy_on_a_role_is_reported(aws: None, project: Path) -> None:
    deploy(project)
    iam = account_session(STAGING, "us-east-1").client("iam")
    arn = iam.create_policy(PolicyName="ecr-everything", PolicyDocument=json.dumps(ADMIN))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="ecr-share-staging-execution", PolicyArn=arn)

    code, out, _ = verify_live(project)
    assert code == 1
    # The build grant names the whole staging account, so the role's scope was the only limit: in
    # the build registry staging runs both repositories (both intended), and the build account's
    # us-west-2 replicas, which it does not pull, are now in reach; prod's replicas grant no other
    # account, so they stay out of reach.
    assert registry_table(out, BUILD_REGISTRY)["staging role (333333333333)"] == ["allowed", "allowed"]
    assert registry_table(out, WEST_REPLICAS)["staging role (333333333333)"] == ["UNINTENDED"]
    assert registry_table(out, PROD_REPLICAS)["staging role (333333333333)"] == ["-", "-"]
    assert (
        "execution role ecr-share-staging-execution of staging has managed policy "
        "arn:aws:iam::333333333333:policy/ecr-everything, which ecr-share does not deploy"
    ) in out


def test_missing_role_build_repository_and_replica(aws: None, project: Path) -> None:
    deploy(project)
    iam = account_session(DEV, "us-east-1").client("iam")
    iam.delete_role_policy(RoleName="ecr-share-dev-execution", PolicyName="ecr-cross-account-pull")
    iam.delete_role(RoleName="ecr-share-dev-execution")
    ecr(BUILD).delete_repository(repositoryName="worker", force=True)
    ecr(PROD).delete_repository(repositoryName="web-app", force=True)

    code, report = live_json(project)
    assert code == 1
    (build,) = report["builds"]
    cells = json_cells(build)
    dev = cells[("dev", f"{BUILD}/us-east-1", "web-app")]
    assert dev["status"] == "denied"
    assert dev["reasons"][0] == "role ecr-share-dev-execution does not exist in account 222222222222"
    # prod pulls replicas (Pulumi.prod.yaml: pullFrom: replica): the build repository's absence
    # does not stop it, the missing replica does.
    prod_worker = cells[("prod", f"{PROD}/us-east-1", "worker")]
    assert prod_worker["status"] == "allowed"
    assert prod_worker["repositoryArn"] == "arn:aws:ecr:us-east-1:444444444444:repository/worker"
    prod_web_app = cells[("prod", f"{PROD}/us-east-1", "web-app")]
    assert prod_web_app["status"] == "denied"
    assert prod_web_app["reasons"] == [
        "repository web-app (replica in 444444444444, us-east-1) does not exist in account 444444444444 "
        "(replicas appear with the first push after replication is configured)"
    ]
    # A replica not there yet is not drift: it appears with the first replicated push.
    assert build["drift"] == [
        "repository worker does not exist in account 111111111111 (us-east-1)",
        "execution role ecr-share-dev-execution of dev does not exist in account 222222222222",
    ]


def test_one_selected_stack_still_reads_every_registry(aws: None, project: Path) -> None:
    """prod's replicas are read through prod's credentials even when only dev is selected."""
    deploy(project)
    build_grant = ecr(BUILD).get_repository_policy(repositoryName="worker")["policyText"]
    ecr(PROD).set_repository_policy(repositoryName="worker", policyText=build_grant)
    seen: list[str] = []

    def recording(stack: StackConfig, profile: str | None) -> Any:
        seen.append(f"{stack.stack}={profile}")
        return session_for(stack, profile)

    code, out, err = verify_live(project, "--stack", "dev", sessions=recording)
    assert (code, err) == (1, "")
    assert seen == ["build=build-deploy", "prod=production-deploy", "dev=dev-deploy"]
    assert registry_table(out, PROD_REPLICAS)["account 222222222222 (dev)"] == ["-", "UNINTENDED"]
    assert (
        "  repository worker (replica in 444444444444, us-east-1) has a repository policy its plan does not deploy\n"
        in out
    )


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

    def always_build(stack: StackConfig, profile: str | None) -> Any:
        return account_session(BUILD, stack.region)

    code, _, err = verify_live(project, sessions=always_build)
    assert code == 2
    assert err == (
        "ecr-share verify: error: the credentials for stack prod are for account 111111111111, but its "
        "stack file pins 444444444444 (aws:allowedAccountIds)\n"
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


def test_a_role_split_over_managed_policies_is_read_whole(aws: None, tmp_path: Path) -> None:
    """Every policy attached to the role counts: detach one, and exactly the repositories it
    listed are denied, with the drift named."""
    names = [repository(n) for n in range(80)]
    write_project(tmp_path, {"build": build_config(80, 1), "big": environment_config(account(0), names)})
    deployment = deploy(tmp_path)
    assert verify_live(tmp_path)[0] == 0
    plan = deployment.plans["big"]
    managed = plan.named("aws:iam/policy:Policy", "execution-pull-3")
    (in_it,) = [
        s["Resource"] for s in json.loads(managed.inputs["policy"])["Statement"] if s["Sid"] == "ECRPull"
    ]
    iam = account_session(account(0), "us-east-1").client("iam")
    iam.detach_role_policy(
        RoleName="ecr-share-big-execution",
        PolicyArn=f"arn:aws:iam::{account(0)}:policy/ecr-share-big-execution-pull-3",
    )
    code, report = live_json(tmp_path)
    assert code == 1
    (build,) = report["builds"]
    denied = sorted(c["repositoryArn"] for c in build["cells"] if c["status"] == "denied")
    assert denied == sorted(in_it)
    assert build["drift"] == [
        "execution role ecr-share-big-execution of big lacks the policy ecr-share deploys"
    ]
