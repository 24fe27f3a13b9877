"""Clear errors, exit code 2: missing or malformed stack files, unknown stacks, invalid config."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.stack_edits import change
from tests.support.verify_cli import run

ROOT = Path(__file__).resolve().parents[2]


def test_folder_without_pulumi_yaml(tmp_path: Path) -> None:
    code, out, err = run("--stacks-dir", str(tmp_path))
    assert (code, out) == (2, "")
    assert (
        err
        == f"ecr-share verify: error: {tmp_path}/Pulumi.yaml not found: point at the ecr-share project folder\n"
    )


def test_unknown_stack(project: Path) -> None:
    code, _, err = run("--stacks-dir", str(project), "--stack", "qa")
    assert code == 2
    assert (
        f"no stack named 'qa': {project}/Pulumi.qa.yaml does not exist (stacks: build, dev, prod, staging)"
        in err
    )


def test_missing_build_stack_file(project: Path) -> None:
    (project / "Pulumi.build.yaml").unlink()
    code, _, err = run("--stacks-dir", str(project))
    assert code == 2
    assert err == (
        f"ecr-share verify: error: {project}/Pulumi.dev.yaml: ecr-share:buildStack "
        f"build names stack 'build', which does not exist ({project}/Pulumi.build.yaml "
        "is missing)\n"
    )


def test_malformed_yaml(project: Path) -> None:
    (project / "Pulumi.staging.yaml").write_text("config:\n  aws:region: [us-east-1\n")
    code, _, err = run("--stacks-dir", str(project))
    assert code == 2
    assert f"{project}/Pulumi.staging.yaml is not valid YAML" in err


def test_invalid_config_names_the_file_and_key(project: Path) -> None:
    change(project, "prod", lambda config: config.update({"aws:allowedAccountIds": ["4444"]}))
    code, _, err = run("--stacks-dir", str(project))
    assert code == 2
    assert f'{project}/Pulumi.prod.yaml: aws:allowedAccountIds[0]: "4444"' in err


def test_an_account_missing_from_the_grant_names_the_environment_and_the_key(project: Path) -> None:
    """The seed's first troubleshooting item, caught before anything is evaluated: the plans refuse an
    environment its build stack does not grant."""
    change(project, "build", lambda config: config["ecr-share:access"]["accounts"].remove("333333333333"))
    code, out, err = run("--stacks-dir", str(project))
    assert (code, out) == (2, "")
    assert err == (
        f"ecr-share verify: error: {project}/Pulumi.staging.yaml: ecr-share:buildStack: "
        '"build" does not grant this stack\'s account 333333333333 pull access (it '
        'grants 222222222222, 444444444444): add "333333333333" to ecr-share:access.accounts of the build '
        "stack and deploy it first\n"
    )


def test_profile_needs_live() -> None:
    code, _, err = run("--stacks-dir", str(ROOT), "--profile", "audit")
    assert code == 2
    assert "--profile and --default-credentials only apply with --live" in err


def test_bad_format_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        run("--format", "yaml")
    assert exit_info.value.code == 2


def test_pull_from_replica_without_a_replica(project: Path) -> None:
    change(project, "dev", lambda config: config.update({"ecr-share:pullFrom": "replica"}))
    code, _, err = run("--stacks-dir", str(project))
    assert code == 2
    assert f'{project}/Pulumi.dev.yaml: ecr-share:pullFrom: "replica" finds no replica in us-east-1' in err
