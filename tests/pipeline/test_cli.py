"""The command line: usage and environment errors exit 2 with one sentence, before any stack is
touched; every command's --help shows examples and the exit codes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from components.pipeline.cli import EXIT_CODES, main, parser
from components.pipeline.plan import COMMANDS
from components.pipeline.run import MISSING_CLI, Environment
from tests.support.pipeline_fake import run_pipeline, stack_files, write_project

REPOSITORY = Path(__file__).resolve().parents[2]


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


def test_a_passphrase_file_is_enough(project: Path) -> None:
    run = run_pipeline(project, "outputs", env={"PULUMI_CONFIG_PASSPHRASE_FILE": "/run/secrets/pass"})
    assert run.code == 0, run.err


def test_no_git_commit_means_no_default_tag(project: Path) -> None:
    run = run_pipeline(project, "up", commit=None)
    assert run.code == 2
    assert run.err == (
        f"error: no image for repository web-app: {project} is not a git checkout with a commit, so there is "
        "no default image tag; pass --image web-app=TAG, --image-tag TAG or --keep-images\n"
    )
    assert run.fake.calls == []


def test_a_build_only_run_needs_no_image(project: Path) -> None:
    run = run_pipeline(project, "up", "--stacks", "build", commit=None)
    assert run.code == 0, run.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["up", "--stacks", ""], "error: --stacks names no stack (an unset variable?)"),
        (["destroy", "--stacks", " , ", "--yes"], "error: --stacks names no stack (an unset variable?)"),
        (["up", "--stacks", "dev,qa"], "error: Pulumi.qa.yaml not found: no stack named 'qa'"),
        (["up", "--image-tag", "v1 beta"], 'error: --image-tag: "v1 beta" is not a Docker image tag'),
        (
            ["up", "--image", "web-app"],
            'error: --image: "web-app" is not REPOSITORY=TAG or REPOSITORY@sha256:',
        ),
        (["up", "--image", "web-app@sha256:abc"], 'error: --image: "sha256:abc" is not an image digest'),
        (["up", "--image", "api=v1"], "error: --image api:v1: the build stack has no repository api"),
        (
            ["up", "--image", "web-app=v1", "--image", "web-app=v2"],
            "error: --image names repository web-app twice",
        ),
        (
            ["up", "--keep-images", "--image", "web-app=v1"],
            "error: --keep-images keeps the stack files' images",
        ),
        (["up", "--promote", "dev,prod"], "error: --promote must list each selected environment stack once"),
        (["up", "--promote", ""], "error: --promote names no stack"),
        (["up", "--retries", "-1"], "error: --retries must be 0 or more, not -1"),
        (["up", "--scan-timeout", "-5"], "error: --scan-timeout must be 0 or more, not -5"),
        (
            ["promote", "--from", "build", "--to", "prod"],
            "error: --from: 'build' is not an environment stack",
        ),
        (
            ["promote", "--from", "staging", "--to", "staging"],
            "error: --to staging: staging cannot be promoted",
        ),
        (["promote", "--from", "staging", "--to", ""], "error: --to names no stack"),
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


@pytest.mark.parametrize(
    "args",
    [
        ["up", "--promote", "dev,staging,prod", "--parallel", "3"],
        ["up", "--keep-images", "--image-tag", "v1"],
        ["up", "--fail-on", "SEVERE"],
        ["promote", "--to", "prod"],
        ["outputs", "--promote", "dev"],
        ["refresh", "--image-tag", "v1"],
    ],
)
def test_flags_that_do_not_go_together_are_refused_by_argparse(project: Path, args: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_pipeline(project, *args)
    assert exit_.value.code == 2


def test_ambient_credentials_are_a_warning_not_an_error(tmp_path: Path) -> None:
    files = stack_files()
    del files["build"]["aws:profile"]
    run = run_pipeline(write_project(tmp_path, files), "up", "--stacks", "build")
    assert run.code == 0
    assert run.err.startswith("warning: Pulumi.build.yaml sets none of aws:profile")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_commands_help_has_examples_and_the_exit_codes(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert f"usage: python -m components.pipeline {command}" in text
    assert f"examples:\n  python -m components.pipeline {command}" in text
    assert EXIT_CODES in text


def test_the_top_level_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["--help"])
    text = capsys.readouterr().out
    assert all(f"    {command} " in text for command in COMMANDS)
    assert EXIT_CODES in text
