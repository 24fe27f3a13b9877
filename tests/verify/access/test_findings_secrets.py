"""Who can read the secrets and parameters the task definitions name (issue 24, item 4): the access
analysis's SECRETSMANAGER-READ and SSM-READ classes, on a project whose dev services name secrets.

The project is the committed one with secrets added as data, in a temporary folder (the real stack
files are never edited), planned through the real config path, so the execution role's statements
are the ones the program registers."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.verify.access.findings import Finding, FindingStatus
from components.verify.access.resources import ResourceKind
from components.verify.cli import main
from components.verify.deployments import Deployment, load_deployments
from components.verify.report import render_json
from tests.support.access_variants import ROOT, verified, with_input
from tests.support.deployed import account_session, deploy, session_for

DEV = "222222222222"
SECRET = f"arn:aws:secretsmanager:us-east-1:{DEV}:secret:web-app/db-password-AbC123"
PARAMETER = f"arn:aws:ssm:us-east-1:{DEV}:parameter/web-app/api-url"
KEY = f"arn:aws:kms:us-east-1:{DEV}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PROD_SECRET = "arn:aws:secretsmanager:us-east-1:444444444444:secret:worker/token-XyZ789"
QA_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy::execution-pull"


def _edit(path: Path, change: Any) -> None:
    document = yaml.safe_load(path.read_text())
    change(document["config"])
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def add_secrets(project: Path, secret: str = SECRET, *, qa: bool = False) -> Path:
    """The project's stack files with secrets on dev's web-app and prod's worker, dev's existing roles,
    and (``qa``) a second environment stack in dev's account whose services name no secret."""

    def dev(config: dict[str, Any]) -> None:
        config["ecr-share:services"][0]["secrets"] = [
            {"name": "DB_PASSWORD", "valueFrom": secret, "kmsKey": KEY},
            {"name": "API_URL", "valueFrom": PARAMETER},
        ]
        config["ecr-share:pullRoles"] = ["eks-node-role"]

    def prod(config: dict[str, Any]) -> None:
        worker = next(s for s in config["ecr-share:services"] if s["name"] == "worker")
        worker["secrets"] = [{"name": "TOKEN", "valueFrom": PROD_SECRET}]

    if qa:
        shutil.copy(project / "Pulumi.dev.yaml", project / "Pulumi.qa.yaml")
        # Its own family and log group: one account and Region has one of each.
        _edit(
            project / "Pulumi.qa.yaml", lambda config: config["ecr-share:services"][0].update(name="qa-app")
        )
    _edit(project / "Pulumi.dev.yaml", dev)
    _edit(project / "Pulumi.prod.yaml", prod)
    return project


def _project(tmp_path: Path, *, qa: bool = False) -> Path:
    """A copy of the committed project, with ``add_secrets``."""
    for path in (*ROOT.glob("Pulumi.*.yaml"), ROOT / "Pulumi.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return add_secrets(tmp_path, qa=qa)


def _deployment(project: Path) -> Deployment:
    (deployment,) = load_deployments(project)
    return deployment


def _secret_findings(deployment: Deployment) -> list[Finding]:
    matrix, _, _ = verified(deployment)
    assert matrix.analysis is not None
    return [
        f
        for f in matrix.analysis.findings
        if f.resource.kind in (ResourceKind.SECRET, ResourceKind.PARAMETER)
    ]


def test_each_named_secret_and_parameter_is_analyzed_once_with_its_class(tmp_path: Path) -> None:
    matrix, _, table = verified(_deployment(_project(tmp_path)))
    assert matrix.analysis is not None
    analyzed = {
        r.arn: (r.kind, r.account_id, r.region, r.name, r.stack, [c.check_id for c in r.classes], r.policies)
        for r in matrix.analysis.resources
        if r.kind in (ResourceKind.SECRET, ResourceKind.PARAMETER)
    }
    assert analyzed == {
        SECRET: (
            ResourceKind.SECRET,
            DEV,
            "us-east-1",
            "web-app/db-password-AbC123",
            "dev",
            ["SECRETSMANAGER-READ"],
            (),
        ),
        PARAMETER: (ResourceKind.PARAMETER, DEV, "us-east-1", "web-app/api-url", "dev", ["SSM-READ"], ()),
        PROD_SECRET: (
            ResourceKind.SECRET,
            "444444444444",
            "us-east-1",
            "worker/token-XyZ789",
            "prod",
            ["SECRETSMANAGER-READ"],
            (),
        ),
    }
    assert "against 5 repositories, 3 roles, 2 secrets and 1 parameter:" in table


def test_only_each_environments_execution_role_reads_its_secrets(tmp_path: Path) -> None:
    """The execution roles read exactly their services' secrets; the existing role that gets the pull
    policy reads none; no other account's principal, service or the stranger reads any (no resource
    policy lets another account in)."""
    deployment = _deployment(_project(tmp_path))
    assert _secret_findings(deployment) == []
    matrix, _, _ = verified(deployment)
    assert matrix.analysis is not None
    reads = {r.name: r.reads for r in matrix.analysis.principals if r.reads}
    assert reads == {"dev": (SECRET, PARAMETER), "prod": (PROD_SECRET,)}


@pytest.mark.parametrize(
    ("actions", "resource", "check", "arn"),
    [
        (["secretsmanager:GetSecretValue"], "*", "SECRETSMANAGER-READ", SECRET),
        (["ssm:GetParameter"], f"arn:aws:ssm:us-east-1:{DEV}:parameter/web-app/*", "SSM-READ", PARAMETER),
    ],
)
def test_another_role_of_the_account_that_can_read_a_secret_is_unintended(
    tmp_path: Path, actions: list[str], resource: str, check: str, arn: str
) -> None:
    """qa shares dev's account and names no secret: a statement on its role that reads dev's secret is
    found, quoting the statement; its own config declares no read."""
    deployment = _deployment(_project(tmp_path, qa=True))
    assert _secret_findings(deployment) == []
    policy = json.loads(deployment.plans["qa"].resource(QA_ROLE_POLICY).inputs["policy"])
    statement = {"Sid": "ReadEverything", "Effect": "Allow", "Action": actions, "Resource": resource}
    policy["Statement"].append(statement)
    (finding,) = _secret_findings(with_input(deployment, "qa", QA_ROLE_POLICY, "policy", policy))
    assert (finding.check, finding.status, finding.principal.name, finding.resource.arn) == (
        check,
        FindingStatus.UNINTENDED,
        "qa",
        arn,
    )
    assert finding.actions == tuple(actions)
    (grant,) = finding.grants
    assert (grant.policy, grant.sid, grant.text) == (
        "inline policy ecr-cross-account-pull of qa role (222222222222)",
        "ReadEverything",
        json.dumps(statement, separators=(",", ":")),
    )


def test_json_lists_the_secret_resources_and_what_each_role_reads(tmp_path: Path) -> None:
    _, report, _ = verified(_deployment(_project(tmp_path)))
    (build,) = json.loads(render_json(report))["builds"]
    kinds = {r["resource"]: (r["kind"], r["checks"]) for r in build["analysis"]["resources"]}
    assert kinds[SECRET] == ("secret", ["SECRETSMANAGER-READ"])
    assert kinds[PARAMETER] == ("parameter", ["SSM-READ"])
    dev = next(p for p in build["analysis"]["principals"] if p["principal"] == "dev")
    assert dev["reads"] == [SECRET, PARAMETER]
    checks = {c["id"]: c for c in json.loads(render_json(report))["checks"]}
    assert checks["SSM-READ"]["actions"] == [
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "ssm:GetParameterHistory",
    ]


def test_live_a_secret_policy_that_lets_another_account_read_is_found(aws: None, project: Path) -> None:
    """--live reads each secret's resource policy with its environment's credentials: a statement that
    lets account 999999999999 read dev's secret is UNINTENDED, quoting it; without it, nothing."""
    secrets = account_session(DEV, "us-east-1").client("secretsmanager")
    arn = secrets.create_secret(Name="web-app/db-password", SecretString="s3cret")["ARN"]
    add_secrets(project, arn)
    deploy(project)
    code, found = _live_findings(project)
    assert (code, found) == (0, [])
    statement = {
        "Sid": "ShareWithTeamB",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }
    secrets.put_resource_policy(
        SecretId=arn, ResourcePolicy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    code, found = _live_findings(project)
    name = arn.split(":secret:", 1)[1]
    assert code == 1
    assert found == [
        {
            "check": "SECRETSMANAGER-READ",
            "status": "unintended",
            "principal": "account 999999999999",
            "resource": arn,
            "actions": ["secretsmanager:GetSecretValue"],
            "grants": [
                {
                    "policy": f"resource policy of secret {name} ({DEV} us-east-1)",
                    "sid": "ShareWithTeamB",
                    "index": 1,
                    "statement": statement,
                }
            ],
        }
    ]


def _live_findings(project: Path) -> tuple[int, list[dict[str, Any]]]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["verify", "--live", "--stacks-dir", str(project), "--format", "json"],
        session_for=session_for,
        out=out,
        err=err,
    )
    assert err.getvalue() == ""
    (build,) = json.loads(out.getvalue())["builds"]
    return code, [
        {k: f[k] for k in ("check", "status", "principal", "resource", "actions", "grants")}
        for f in build["analysis"]["findings"]
    ]
