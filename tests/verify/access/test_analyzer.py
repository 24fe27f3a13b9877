"""``verify --access-analyzer``: IAM Access Analyzer's custom policy checks of every planned policy,
compared with the offline analysis. moto has no custom policy checks, so the client is botocore's own,
with ``botocore.stub.Stubber`` responses: the Stubber checks every request and response against the
botocore model of accessanalyzer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from components.config.model import StackConfig
from components.verify.access.analyzer import (
    ACCESS_NOT_GRANTED,
    NO_PUBLIC_ACCESS,
    Question,
    accepted_resource_types,
    questions,
)
from components.verify.deployments import load_deployments
from components.verify.intended import intended_state
from components.verify.matrix import build_matrix
from tests.support.access_variants import ROOT
from tests.support.verify_cli import run

Answer = Callable[[Question], dict[str, Any]]


def agreeing(question: Question) -> dict[str, Any]:
    """What AWS answers when it agrees with the offline analysis."""
    if question.offline:
        return {
            "result": "FAIL",
            "message": "might allow",
            "reasons": [{"description": "allowed", "statementIndex": 0}],
        }
    return {"result": "PASS", "message": "does not allow"}


def planned_questions(project: Path) -> list[Question]:
    (deployment,) = load_deployments(project)
    analysis = build_matrix(deployment, intended_state(deployment)).analysis
    assert analysis is not None
    return questions(analysis)


class StubbedAws:
    """A session_for whose accessanalyzer client answers each planned question in order."""

    def __init__(self, asked: list[Question], answer: Answer) -> None:
        client = botocore.session.get_session().create_client(
            "accessanalyzer", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
        )
        self.stubber = Stubber(client)
        for question in (q for q in asked if q.skipped is None):
            method = (
                "check_no_public_access"
                if question.operation == NO_PUBLIC_ACCESS
                else "check_access_not_granted"
            )
            self.stubber.add_response(method, answer(question), question.params())
        self.client = client
        self.regions: list[str] = []
        self.stubber.activate()

    def __call__(self, stack: StackConfig, profile: str | None) -> Any:
        aws = self

        class Session:
            def client(self, service: str, region_name: str) -> Any:
                assert service == "accessanalyzer"
                aws.regions.append(region_name)
                return aws.client

        assert (stack.stack, profile) == ("build", "build-deploy")
        return Session()


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(ROOT)
    yield


def test_every_planned_policy_is_checked_and_aws_agrees(in_root: None) -> None:
    asked = planned_questions(Path("."))
    aws = StubbedAws(asked, agreeing)
    code, out, err = run("--access-analyzer", session_for=aws)
    assert (code, err) == (0, "")
    aws.stubber.assert_no_pending_responses()  # every question asked, each exactly as planned
    assert aws.regions == ["us-east-1"]
    section = out.split("IAM Access Analyzer custom policy checks", 1)[1].split("\n\n", 1)[0]
    not_public = "public: not asked (CheckNoPublicAccess takes no AWS::ECR::Repository)"
    writes = "ECR-PUSH, ECR-REPLICATE-IN, ECR-DELETE, ECR-ADMIN: AWS PASS, offline PASS"
    assert section.splitlines()[1:] == [
        f"  repository policy shared-web-app-pull (stack build): {not_public}; {writes}",
        f"  repository policy shared-worker-pull (stack build): {not_public}; {writes}",
        f"  creation template repository policy replicas-us-west-2-ROOT (stack build): {not_public}; {writes}",
        "  registry policy replication-registry-policy (stack prod): public: not asked (a registry policy has "
        "no resource type); ECR-PUSH, ECR-DELETE, ECR-ADMIN: AWS PASS, offline PASS; ECR-REPLICATE-IN: AWS "
        "FAIL, offline FAIL",
        "  trust policy execution-role (stack dev): public: AWS PASS, offline PASS",
        "  trust policy execution-role (stack prod): public: AWS PASS, offline PASS",
        "  trust policy execution-role (stack staging): public: AWS PASS, offline PASS",
    ]
    assert out.endswith(
        "Result: all 16 intended pulls are allowed; no access of any class goes beyond what the config "
        "declares; IAM Access Analyzer agrees (exit code 0)\n"
    )


def test_the_checks_ask_what_the_model_accepts() -> None:
    """The trust policies go as AWS::IAM::AssumeRolePolicyDocument; no ECR type exists in the model."""
    asked = planned_questions(ROOT)
    trust = next(q for q in asked if q.policy.label == "trust policy execution-role (stack dev)")
    params = trust.params()
    assert params["resourceType"] == "AWS::IAM::AssumeRolePolicyDocument" in accepted_resource_types()
    assert params["policyDocument"] == (
        '{"Version":"2012-10-17","Statement":[{"Sid":"EcsTasksAssumeRole","Effect":"Allow","Principal":'
        '{"Service":"ecs-tasks.amazonaws.com"},"Action":["sts:AssumeRole"],"Condition":{"StringEquals":'
        '{"aws:SourceAccount":"222222222222"}}}]}'
    )
    push = next(q for q in asked if q.operation == ACCESS_NOT_GRANTED and q.check == "ECR-PUSH")
    # The pull's companion is no write: only the calls that change the repository are asked.
    assert push.params()["access"] == [
        {
            "actions": [
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
            ]
        }
    ]
    assert push.params()["policyType"] == "RESOURCE_POLICY"
    assert not any(t.startswith("AWS::ECR::") for t in accepted_resource_types())


def test_a_disagreement_is_reported_with_aws_reasons(in_root: None) -> None:
    asked = planned_questions(Path("."))

    def answer(question: Question) -> dict[str, Any]:
        if question.check == "ECR-DELETE" and question.policy.label.startswith(
            "repository policy shared-worker"
        ):
            return {
                "result": "FAIL",
                "message": "might allow",
                "reasons": [{"description": "deletes images", "statementId": "AllowCrossAccountPull"}],
            }
        return agreeing(question)

    code, out, _ = run("--access-analyzer", session_for=StubbedAws(asked, answer))
    assert code == 1
    assert (
        "  repository policy shared-worker-pull (stack build): public: not asked (CheckNoPublicAccess takes no "
        "AWS::ECR::Repository); ECR-PUSH, ECR-REPLICATE-IN, ECR-ADMIN: AWS PASS, offline PASS; ECR-DELETE: AWS "
        "FAIL, offline PASS, DISAGREE\n"
        "    AWS on repository policy shared-worker-pull (stack build), ECR-DELETE: AllowCrossAccountPull: deletes "
        "images\n" in out
    )
    assert out.endswith("Result: IAM Access Analyzer disagrees on 1 check (exit code 1)\n")


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_missing_credentials_are_one_sentence(no_credentials: None) -> None:
    code, out, err = run("--stacks-dir", str(ROOT), "--access-analyzer")
    assert (code, out) == (2, "")
    assert err == (
        "ecr-share verify: error: no AWS credentials for IAM Access Analyzer (stack build, profile "
        "build-deploy): The config profile (build-deploy) could not be found. Configure that profile, pass "
        "--profile, or use --default-credentials\n"
    )
    code, _, err = run("--stacks-dir", str(ROOT), "--access-analyzer", "--default-credentials")
    assert code == 2
    assert err == (
        "ecr-share verify: error: no AWS credentials for IAM Access Analyzer (stack build, default "
        "credentials): set up credentials (aws configure, AWS_PROFILE or environment variables) or run "
        "without --access-analyzer\n"
    )


def test_the_check_is_of_the_planned_documents_only() -> None:
    code, _, err = run("--stacks-dir", str(ROOT), "--access-analyzer", "--live")
    assert code == 2
    assert (
        err
        == "ecr-share verify: error: --access-analyzer checks the planned documents: run it without --live\n"
    )


DOC = (ROOT / "docs" / "verify.md").read_text()
SECTION = (
    "IAM Access Analyzer custom policy checks of the planned policies (AWS, then the offline analysis):\n"
)


def test_the_documented_second_opinion_is_the_stubbed_output(in_root: None, no_credentials: None) -> None:
    """docs/verify.md shows the section the committed files print when AWS agrees, and the error."""
    _, out, _ = run("--access-analyzer", session_for=StubbedAws(planned_questions(Path(".")), agreeing))
    printed = out.split(SECTION, 1)[1].split("\n\n", 1)[0]
    shown = DOC.split("```text\n" + SECTION, 1)[1].split("\n```", 1)[0]
    assert shown == printed
    _, _, err = run("--access-analyzer")
    assert f"```text\n{err}```" in DOC


def test_a_public_trust_policy_is_public_offline_and_a_pass_from_aws_disagrees() -> None:
    from components.verify.access.analyzer import ask
    from tests.support.access_variants import with_input
    from tests.support.committed import committed_deployment

    deployment = committed_deployment()
    key = "aws:iam/role:Role::execution-role"
    trust = json.loads(deployment.plans["dev"].resource(key).inputs["assume_role_policy"])
    anyone = {"Sid": "Anyone", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    deployment = with_input(
        deployment, "dev", key, "assume_role_policy", {**trust, "Statement": [*trust["Statement"], anyone]}
    )
    analysis = build_matrix(deployment, intended_state(deployment)).analysis
    assert analysis is not None
    public = {
        q.policy.label: q.offline
        for q in questions(analysis)
        if q.operation == NO_PUBLIC_ACCESS and q.skipped is None
    }
    assert public == {
        "trust policy execution-role (stack dev)": True,
        "trust policy execution-role (stack prod)": False,
        "trust policy execution-role (stack staging)": False,
    }

    class Client:
        def check_no_public_access(self, **_: Any) -> dict[str, Any]:
            return {"result": "PASS"}

        def check_access_not_granted(self, **_: Any) -> dict[str, Any]:
            return {"result": "PASS"}

    opinions = ask([q for q in questions(analysis) if q.policy.label.startswith("trust")], Client())
    assert [o.agrees for o in opinions] == [False, True, True]
