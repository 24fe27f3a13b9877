"""``verify`` over the narrower grants' examples (``roles``, ``lambdaAccounts``, ``pullRoles``):
offline from the stack files, with a broken document to show the problems it reports, and live
against moto."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from components.verify.cli import main
from components.verify.deployments import load_deployments
from components.verify.intended import intended_state
from components.verify.matrix import ADMIN_IDENTITY, Status, build_matrix
from tests.support.consumer_grants_variant import CODEBUILD_ROLE, with_examples
from tests.support.deployed import account_session, deploy, session_for
from tests.support.verify_cli import (
    BUILD_REGISTRY,
    PROD_REPLICAS,
    WEST_REPLICAS,
    json_cells,
    registry_table,
    run,
)

WEB_APP = "arn:aws:ecr:us-east-1:111111111111:repository/web-app"
LAMBDA_555 = "Lambda functions of 555555555555"
LAMBDA_666 = "Lambda functions of 666666666666"


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    return with_examples(tmp_path)


def test_the_examples_lambda_grants_reach_only_what_their_entries_declare(examples: Path) -> None:
    """Issue 19: AWS's cross-account Lambda statement names the function's account, so every role there
    gets BatchGetImage and GetDownloadUrlForLayer, a full pull. The example narrows 555555555555 to one
    role (access.roles), so its entry names the deployer that creates the functions, and nothing else
    of that account can pull; 666666666666's entry names no deployers, which declares its whole
    account in us-west-2 (docs/consumers.md), and nowhere else."""
    code, out, err = run("--stacks-dir", str(examples))
    assert (code, err) == (0, ""), out
    build = registry_table(out, BUILD_REGISTRY)
    assert build["dev role (222222222222)"] == ["allowed", "-"]
    assert build["dev role eks-node-role (222222222222)"] == ["allowed", "-"]
    assert build["dev role codebuild-integration-tests (222222222222)"] == ["allowed", "-"]
    assert build["role integration-tests (555555555555)"] == ["allowed", "allowed"]
    # Not any other role of 555555555555: the Lambda statement names only its deployer.
    assert build["account 555555555555"] == ["-", "-"]
    # A Lambda-only account has its row: its entry declares it in us-west-2 only.
    assert build["account 666666666666"] == ["-", "-"]
    (deployment,) = load_deployments(examples)
    matrix = build_matrix(deployment, intended_state(deployment))
    # (The table folds it with the other accounts whose cells read the same.)
    assert matrix.cell("account 666666666666", "111111111111/us-west-2", "web-app").status is Status.ALLOWED
    # No UNINTENDED cell and no finding (the legend names the word too).
    assert not re.search(r"UNINTENDED( +\S+)* *$|UNINTENDED: (?!can pull without)", out, re.MULTILINE)
    assert build[LAMBDA_555] == ["allowed", "allowed"]
    # 666666666666's functions are granted in us-west-2 only: a us-east-1 function cannot pull.
    assert build[LAMBDA_666] == ["-", "-"]
    assert build["Lambda functions of any other account"] == ["-", "-"]
    west = registry_table(out, WEST_REPLICAS)
    assert (west[LAMBDA_555], west[LAMBDA_666], west["Lambda functions of any other account"]) == (
        ["allowed"],
        ["allowed"],
        ["-"],
    )
    assert registry_table(out, PROD_REPLICAS)[LAMBDA_555] == ["-", "-"]
    assert (
        "build stack build: account 111111111111, us-east-1, grants accounts 222222222222, 333333333333, "
        "444444444444; roles arn:aws:iam::555555555555:role/ci/integration-tests; the Lambda functions of "
        "555555555555, 666666666666 (in us-west-2)\n" in out
    )
    assert re.search(
        r"\n  dev role eks-node-role \(222222222222\) -> web-app \(build registry 111111111111 us-east-1\) +"
        r"1 ok +2 ok +3 ok\n",
        out,
    )
    assert (
        "  Lambda functions of any other account -> web-app (replicas 111111111111 us-west-2): repository "
        "policy of web-app (replica in 111111111111, us-west-2) does not let the Lambda service pull for "
        "functions of any other account in us-west-2; repository policy of web-app (replica in "
        "111111111111, us-west-2) does not let the roles of account 999999999999 get its images, which "
        "creating a function from them needs; " in out
    )


def test_json_gives_lambda_cells_the_one_check_that_applies(examples: Path) -> None:
    code, out, _ = run("--stacks-dir", str(examples), "--format", "json")
    assert code == 0
    (build,) = json.loads(out)["builds"]
    kinds = {p["principal"]: p["kind"] for p in build["principals"]}
    assert kinds["dev/eks-node-role"] == "existing role"
    assert kinds["role arn:aws:iam::555555555555:role/ci/integration-tests"] == "granted role"
    assert kinds["lambda 555555555555"] == "lambda functions"
    assert kinds["lambda stranger"] == "lambda functions of a stranger"
    cells = json_cells(build)
    cell = cells[("lambda 555555555555", "111111111111/us-east-1", "web-app")]
    assert (cell["intended"], cell["status"]) == (True, "allowed")
    assert cell["checks"] == {
        "SEED-REPOSITORY-POLICY": "allow",
        "SEED-AUTHORIZATION-TOKEN": "not needed",
        "SEED-ROLE-POLICY": "not needed",
    }
    codebuild = next(p for p in build["principals"] if p["principal"] == "dev/codebuild-integration-tests")
    assert (codebuild["roleArn"], codebuild["pulls"]) == (CODEBUILD_ROLE, [WEB_APP])
    documents = {d["resource"] for d in build["documents"]["dev"]}
    assert "aws:iam/policy:Policy::pull-roles-policy" in documents


def test_a_policy_without_the_lambda_service_statement_is_denied(examples: Path) -> None:
    (deployment,) = load_deployments(examples)
    state = intended_state(deployment)
    broken = state.repositories[WEB_APP]
    statements = [s for s in broken.policy["Statement"] if s["Sid"] != "AllowLambdaPull"]  # type: ignore[index]
    state.repositories[WEB_APP] = replace(broken, policy={**broken.policy, "Statement": statements})  # type: ignore[dict-item]
    matrix = build_matrix(deployment, state)
    cell = matrix.cell("lambda 555555555555", "111111111111/us-east-1", "web-app")
    assert cell.status is Status.DENIED
    assert cell.reasons[0] == (
        "repository policy of web-app does not let the Lambda service pull for functions of account "
        "555555555555 in us-east-1"
    )
    assert matrix.cell("lambda 555555555555", "111111111111/us-east-1", "worker").status is Status.ALLOWED


def test_an_existing_role_with_a_broad_policy_is_unintended(examples: Path) -> None:
    """What --live would read when the role's owner also gave it ecr:* on *: it reaches worker too."""
    (deployment,) = load_deployments(examples)
    state = intended_state(deployment)
    role = state.roles["dev/eks-node-role"]
    state.roles["dev/eks-node-role"] = replace(role, policies=(*role.policies, ADMIN_IDENTITY))
    matrix = build_matrix(deployment, state)
    assert matrix.cell("dev/eks-node-role", "111111111111/us-east-1", "worker").status is Status.UNINTENDED
    assert matrix.cell("dev/eks-node-role", "111111111111/us-east-1", "web-app").status is Status.ALLOWED


def verify_live(project: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify", "--live", "--stacks-dir", str(project)], session_for=session_for, out=out, err=err)
    assert err.getvalue() == ""
    return code, out.getvalue()


def iam(account: str = "222222222222") -> Any:
    return account_session(account, "us-east-1").client("iam")


def test_live_the_deployed_examples_match_their_plans(aws: None, examples: Path) -> None:
    deploy(examples)
    code, out = verify_live(examples)
    assert code == 0, out  # as offline: the Lambda grants reach only what they declare; no drift
    assert "Drift:" not in out
    assert registry_table(out, BUILD_REGISTRY)["dev role eks-node-role (222222222222)"] == ["allowed", "-"]


def test_live_reads_every_policy_of_an_existing_role(aws: None, examples: Path) -> None:
    deploy(examples)
    broad = iam().create_policy(PolicyName="broad-ecr", PolicyDocument=json.dumps(ADMIN_IDENTITY))
    iam().attach_role_policy(RoleName="eks-node-role", PolicyArn=broad["Policy"]["Arn"])
    code, out = verify_live(examples)
    assert code == 1
    assert registry_table(out, BUILD_REGISTRY)["dev role eks-node-role (222222222222)"] == [
        "allowed",
        "UNINTENDED",
    ]
    # Its owner's policies are no drift: ecr-share does not own the role.
    assert "Drift:" not in out


def test_live_a_detached_pull_policy_is_drift(aws: None, examples: Path) -> None:
    deploy(examples)
    (attached,) = iam().list_attached_role_policies(RoleName="codebuild-integration-tests")[
        "AttachedPolicies"
    ]
    iam().detach_role_policy(RoleName="codebuild-integration-tests", PolicyArn=attached["PolicyArn"])
    code, out = verify_live(examples)
    assert code == 1
    assert (
        "  existing role codebuild-integration-tests of dev lacks the pull policy ecr-share attaches to it\n"
        in out
    )
    assert registry_table(out, BUILD_REGISTRY)["dev role codebuild-integration-tests (222222222222)"] == [
        "DENIED",
        "-",
    ]


def test_live_a_missing_existing_role_is_drift(aws: None, examples: Path) -> None:
    deploy(examples)
    (attached,) = iam().list_attached_role_policies(RoleName="eks-node-role")["AttachedPolicies"]
    iam().detach_role_policy(RoleName="eks-node-role", PolicyArn=attached["PolicyArn"])
    iam().delete_role(RoleName="eks-node-role")
    code, out = verify_live(examples)
    assert code == 1
    assert "  existing role eks-node-role of dev does not exist in account 222222222222\n" in out
