"""docs/verify.md's runs of the pull test and docs/audit.md's run of the audit are real output: re-run here
against moto (the committed stacks deployed from their plans, their images pushed; a generated week
of an organization trail in moto's S3)."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from components.verify.cli import main
from tests.support.pull_fake import BUILD, STAGING, deploy_and_push, ecr, session_for
from tests.support.pulumi_harness import PROJECT_DIR
from tests.support.trail_records import log_files, scenario

VERIFY_DOC = (PROJECT_DIR / "docs" / "verify.md").read_text(encoding="utf-8")
AUDIT_DOC = (PROJECT_DIR / "docs" / "audit.md").read_text(encoding="utf-8")


def shown(doc: str, command: str) -> str:
    return doc.split(f"$ {command}\n", 1)[1].split("```", 1)[0]


def run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    main(list(args), session_for=session_for, out=out, err=err)
    assert err.getvalue() == ""
    return out.getvalue()


@pytest.fixture
def deployed(aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The committed project deployed in a moto of this test alone, its images pushed; run from its
    folder."""
    for path in PROJECT_DIR.glob("Pulumi*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    deploy_and_push(tmp_path)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def test_docs_verify_shows_a_real_pull_test(deployed: Path) -> None:
    assert shown(VERIFY_DOC, "python -m components verify --live --pull") == run("verify", "--live", "--pull")


def test_docs_verify_shows_a_real_failed_pull(deployed: Path) -> None:
    build = ecr(BUILD)
    policy = json.loads(build.get_repository_policy(repositoryName="web-app")["policyText"])
    policy["Statement"][0]["Principal"]["AWS"].remove(f"arn:aws:iam::{STAGING}:root")
    build.set_repository_policy(repositoryName="web-app", policyText=json.dumps(policy))
    command = "python -m components verify --live --pull --stack staging"
    assert shown(VERIFY_DOC, command) == run("verify", "--live", "--pull", "--stack", "staging")


def test_docs_audit_shows_a_real_audit(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    monkeypatch.chdir(PROJECT_DIR)
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="org-trail-logs")
    for key, body in log_files(scenario(date(2026, 11, 2))):
        s3.put_object(Bucket="org-trail-logs", Key=f"cloudtrail/{key}", Body=body)
    command = "python -m components audit --trail s3://org-trail-logs/cloudtrail --since 2026-11-01 --until 2026-11-10"
    assert shown(AUDIT_DOC, command) == run(*command.split()[3:])
