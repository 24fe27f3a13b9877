"""examples/github-actions/: the workflow stays true to the project's stack files (one OIDC role per
account, the profiles the stack files name, the command lines as they are installed), and actionlint
(tools/actionlint/, which .ci/run builds and runs on it) refuses a broken copy of it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.config.files import list_stacks, load_stack_config
from tests.support.pulumi_harness import PROJECT_DIR

WORKFLOW = PROJECT_DIR / "examples" / "github-actions" / "ecr-share.yml"
ACTIONLINT = PROJECT_DIR / "tools" / "actionlint" / "bin" / "actionlint"
CREDENTIALS = "aws-actions/configure-aws-credentials@v6"


def workflow() -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return document


def steps(job: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = workflow()["jobs"][job]["steps"]
    return found


def test_verify_runs_on_pull_requests_without_aws_credentials_and_posts_its_report() -> None:
    job = workflow()["jobs"]["verify"]
    assert job["if"] == "github.event_name == 'pull_request'"
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert not [s for s in job["steps"] if s.get("uses") == CREDENTIALS]
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert ".venv/bin/ecr-share verify --format markdown > verify.md" in runs
    assert 'gh pr comment "$PR_NUMBER" --body-file verify.md' in runs


def test_the_release_runs_on_tags_with_one_oidc_role_per_stack_account() -> None:
    document = workflow()
    job = document["jobs"]["release"]
    # pyyaml reads the `on:` key as True (YAML 1.1); GitHub reads it as "on".
    assert document[True] == {"pull_request": None, "push": {"tags": ["v*"]}}
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    roles = {
        s["with"]["allowed-account-ids"]: s["with"] for s in job["steps"] if s.get("uses") == CREDENTIALS
    }
    stacks = {name: load_stack_config(PROJECT_DIR, name) for name in list_stacks(PROJECT_DIR)}
    accounts = {config["aws:allowedAccountIds"][0]: config for config in stacks.values()}
    assert set(roles) == set(accounts)
    for account, inputs in roles.items():
        assert inputs["role-to-assume"] == f"arn:aws:iam::{account}:role/ecr-share-release"
        assert inputs["aws-region"] == accounts[account]["aws:region"]
        assert inputs["output-credentials"] is True and inputs["output-env-credentials"] is False
    # Each stack file's profile gets its own account's credentials.
    (profiles,) = [s["env"]["CREDENTIALS"] for s in job["steps"] if "CREDENTIALS" in s.get("env", {})]
    # Each line: the profile, then `${{ steps.<id>.outputs.<name> }}` three times.
    by_profile = {line.split()[0]: line.split()[2].split(".")[1] for line in profiles.splitlines() if line}
    ids = {s["id"]: s["with"]["allowed-account-ids"] for s in job["steps"] if s.get("uses") == CREDENTIALS}
    assert {profile: ids[step] for profile, step in by_profile.items()} == {
        config["aws:profile"]: account for account, config in accounts.items()
    }


def test_the_release_runs_the_pipeline_then_verifies_what_is_deployed() -> None:
    runs = [s["run"] for s in steps("release") if "run" in s]
    assert (
        '.venv/bin/ecr-share-pipeline up --promote dev,staging,prod --image-tag "$TAG" --report release.json'
        in runs
    )
    assert '.venv/bin/ecr-share verify --live --format markdown | tee -a "$GITHUB_STEP_SUMMARY"' in runs
    # The promotion names every environment stack of the project.
    assert {"build", "dev", "staging", "prod"} == set(list_stacks(PROJECT_DIR))


@pytest.mark.skipif(not ACTIONLINT.exists(), reason="actionlint not built: bash tools/actionlint/build.sh")
def test_actionlint_accepts_the_workflow_and_refuses_a_broken_one(tmp_path: Path) -> None:
    clean = subprocess.run([str(ACTIONLINT), "-color=false", str(WORKFLOW)], capture_output=True, text=True)
    assert (clean.returncode, clean.stdout) == (0, "")
    broken = tmp_path / "ecr-share.yml"
    text = WORKFLOW.read_text(encoding="utf-8")
    broken.write_text(text.replace("id-token: write", "id-token: writ"), encoding="utf-8")
    refused = subprocess.run([str(ACTIONLINT), "-color=false", str(broken)], capture_output=True, text=True)
    assert refused.returncode == 1
    assert '"writ" is invalid as permission of scope "id-token"' in refused.stdout
