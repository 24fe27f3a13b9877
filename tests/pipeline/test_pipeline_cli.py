"""The command line: usage and environment errors exit 2 with one sentence, before any stack is touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_fake import FakePulumi, run_pipeline, stack_files, write_project

from components.pipeline.cli import MISSING_CLI, Environment, main

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "ecr-share")


@pytest.mark.skipif(shutil.which("pulumi") is not None, reason="needs a machine without the Pulumi CLI")
def test_without_the_pulumi_cli_one_sentence_and_exit_2(project: Path) -> None:
    """For real: the actual module, the actual PulumiCommand, no pulumi on PATH."""
    env = {
        "PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin",
        "PULUMI_CONFIG_PASSPHRASE": "x",
        "HOME": str(project),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "components.pipeline",
            "up",
            "--project-dir",
            str(project),
            "--image-tag",
            "v1",
        ],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == MISSING_CLI + "\n"
    assert done.stdout == ""


def test_missing_cli_in_process_with_the_default_command(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(project))  # a folder without `pulumi`
    err: list[str] = []
    environment = Environment(env={"PULUMI_CONFIG_PASSPHRASE": "x"}, write=err.append, write_error=err.append)
    assert main(["outputs", "--project-dir", str(project)], environment) == 2
    assert err == [MISSING_CLI + "\n"]


def test_a_diy_backend_without_a_passphrase_stops_before_the_cli(project: Path) -> None:
    created: list[FakePulumi] = []

    def command() -> FakePulumi:
        created.append(FakePulumi())
        return created[-1]

    err: list[str] = []
    environment = Environment(env={}, write=err.append, write_error=err.append, pulumi_command=command)
    assert main(["up", "--project-dir", str(project), "--image-tag", "v1"], environment) == 2
    assert err == [
        f"error: the file://{project}/.pulumi-state backend encrypts stack secrets with a passphrase: "
        "set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE\n"
    ]
    assert created == []


def test_a_passphrase_file_is_enough(project: Path) -> None:
    run = run_pipeline(project, "outputs", env={"PULUMI_CONFIG_PASSPHRASE_FILE": "/run/secrets/pass"})
    assert run.code == 0, run.err


def test_no_git_commit_means_no_default_tag(project: Path) -> None:
    run = run_pipeline(project, "up", commit=None)
    assert run.code == 2
    assert run.err == (
        f"error: {project} is not a git checkout with a commit, so there is no default image tag; "
        "pass --image-tag, --image-digest or --keep-images\n"
    )
    assert run.fake.calls == []


def test_a_digits_only_commit_is_stored_as_a_string(project: Path) -> None:
    run = run_pipeline(project, "up", "--stacks", "dev", commit="1234567")
    assert run.code == 0, run.err
    (config_set,) = [call.args for call in run.fake.calls if call.op == "config set"]
    assert config_set[-5:] == ["--type", "string", "--", "ecr-share:services[0].imageTag", "1234567"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["destroy", "--image-tag", "v1", "--yes"],
            "error: an image can only be set for preview and up, not destroy",
        ),
        (["up", "--stacks", "dev,qa"], "error: Pulumi.qa.yaml not found: no stack named 'qa'"),
        (["up", "--image-tag", "v1 beta"], 'error: --image-tag: "v1 beta" is not a Docker image tag'),
        (["up", "--promote", "dev,prod"], "error: --promote must list each selected environment stack once"),
        (["up", "--retries", "-1"], "error: --retries must be 0 or more, not -1"),
    ],
)
def test_usage_errors_exit_2_without_touching_a_stack(project: Path, args: list[str], message: str) -> None:
    run = run_pipeline(project, *args)
    assert run.code == 2
    assert run.err.startswith(message)
    assert run.err.count("\n") == 1
    assert run.fake.calls == []


def test_a_broken_stack_file_is_named_before_anything_runs(tmp_path: Path) -> None:
    files = stack_files()
    files["prod"]["ecr-share:services"][0]["memory"] = 3  # not a Fargate size
    project = write_project(tmp_path, files)
    run = run_pipeline(project, "up")
    assert run.code == 2
    assert run.err.startswith(f"error: {project / 'Pulumi.prod.yaml'}: ecr-share:services[0]")
    assert run.fake.calls == []


def test_conflicting_flags_are_refused_by_argparse(project: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_pipeline(project, "up", "--promote", "dev,staging,prod", "--parallel", "3")
    assert exit_.value.code == 2


def test_ambient_credentials_are_a_warning_not_an_error(tmp_path: Path) -> None:
    files = stack_files()
    del files["dev"]["aws:profile"]
    run = run_pipeline(write_project(tmp_path, files), "up", "--stacks", "dev")
    assert run.code == 0
    assert run.err.startswith("warning: Pulumi.dev.yaml sets none of aws:profile")


def test_success_prints_the_plan_and_the_verdict(project: Path) -> None:
    run = run_pipeline(project, "up", "--image-tag", "v2.0.0")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0] == "up: build -> dev, prod, staging (2 at a time)"
    assert lines[1] == f"backend file://{project}/.pulumi-state; image tag v2.0.0"
    assert lines[-1] == "All 4 stacks done."
