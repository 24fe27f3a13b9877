"""``--remote``: each stack's operation as a Pulumi Deployments run, through the real Automation API
(``LocalWorkspace`` in remote mode, ``Stack``) against the fake CLI, which records the remote flags
the SDK passes and runs each remote operation on a copy of the repository after its pre-run commands,
as the Deployments runner does. What only Pulumi Cloud can confirm is listed in docs/pipeline.md."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from components.pipeline.remote import Checkout, git_checkout
from tests.support.pipeline_fake import (
    ACCOUNTS,
    Call,
    FakePulumi,
    Run,
    run_pipeline,
    stack_files,
    write_project,
)

URL = "https://github.com/acme/ecr-share.git"
COMMIT = "4f2a9c1e" * 5
CHECKOUT = Checkout(URL, COMMIT, "ecr-share")
CLOUD = "https://api.pulumi.com"
ENGINE = ("preview", "up", "refresh", "destroy")


@pytest.fixture
def cloud_project(tmp_path: Path) -> Path:
    """The project in a repository folder, its environments reading acme's build stack; each stack
    assumes its account's deploy role (an AWS profile is a file the runner lacks)."""
    files = stack_files()
    for name, config in files.items():
        del config["aws:profile"]
        config["aws:assumeRole"] = {"roleArn": f"arn:aws:iam::{ACCOUNTS[name]}:role/deploy"}
        if name != "build":
            config["ecr-share:buildStack"] = "acme/ecr-share/build"
    return write_project(tmp_path / "repository" / "ecr-share", files)


def cloud(project: Path) -> FakePulumi:
    """Logged in to Pulumi Cloud; the runner clones the repository as it is now (the commit)."""
    fake = FakePulumi()
    fake.login = CLOUD
    fake.remote_checkout = project.parent.parent / "commit"
    shutil.copytree(project.parent, fake.remote_checkout, dirs_exist_ok=True)
    return fake


def remote(project: Path, *args: str, fake: FakePulumi, env: dict[str, str] | None = None) -> Run:
    return run_pipeline(
        project, *args, "--org", "acme", "--remote", fake=fake, env=env or {}, checkout=CHECKOUT
    )


def remote_flags(call: Call) -> list[str]:
    """What the SDK put between ``--remote`` and ``--exec-kind``: the remote workspace's flags."""
    return call.args[call.args.index("--remote") : call.args.index("--exec-kind")]


def engine_calls(fake: FakePulumi, stack: str) -> list[Call]:
    return [call for call in fake.calls_for(stack) if call.op in ENGINE]


def test_a_release_runs_every_stack_remotely_with_its_variables_commands_and_pins(
    cloud_project: Path, released: dict[str, str]
) -> None:
    fake = cloud(cloud_project)
    build = run_pipeline(
        cloud_project,
        "up",
        "--stacks",
        "build",
        "--org",
        "acme",
        "--remote",
        fake=fake,
        env={},
        checkout=CHECKOUT,
    )
    assert build.code == 0, build.err
    run = run_pipeline(
        cloud_project,
        "up",
        "--promote",
        "dev,staging,prod",
        "--org",
        "acme",
        "--remote",
        "--remote-env",
        "AWS_REGION=us-east-1",
        "--remote-env",
        "prod:DEPLOY_STAGE=production",
        "--remote-secret-env",
        "DATADOG_API_KEY",
        "--remote-pre-run-command",
        "pip install -r requirements.txt",
        "--remote-skip-install",
        fake=fake,
        env={"DATADOG_API_KEY": "dd-0123"},
        checkout=CHECKOUT,
    )
    assert run.code == 0, run.err
    assert (
        "remote: each stack runs on Pulumi Deployments from https://github.com/acme/ecr-share.git (commit "
        "4f2a9c1e4f2a, folder ecr-share)\n"
    ) in run.out
    assert fake.engine_order() == [
        ("build", "up"),
        ("build", "up"),
        ("dev", "up"),
        ("staging", "up"),
        ("prod", "up"),
    ]
    web, worker = released["web-app"], released["worker"]

    def expected(stack: str, pins: list[tuple[int, str]], tags: list[int], own: list[str]) -> list[str]:
        qualified = f"acme/ecr-share/{stack}"
        plaintext = " ".join(f"--plaintext 'ecr-share:services[{i}].imageDigest={d}'" for i, d in pins)
        removals = " ".join(f"'ecr-share:services[{i}].imageTag'" for i in tags)
        return [
            "--remote",
            URL,
            "--remote-git-repo-dir",
            "ecr-share",
            "--remote-git-commit",
            COMMIT,
            "--remote-env",
            "AWS_REGION=us-east-1",
            "--remote-env-secret",
            "DATADOG_API_KEY=dd-0123",
            *own,
            "--remote-pre-run-command",
            "pip install -r requirements.txt",
            "--remote-pre-run-command",
            f"pulumi config set-all --stack {qualified} --path {plaintext}",
            "--remote-pre-run-command",
            f"pulumi config rm-all --stack {qualified} --path {removals}",
            "--remote-skip-install-dependencies",
        ]

    assert remote_flags(engine_calls(fake, "dev")[0]) == expected("dev", [(0, web)], [0], [])
    assert remote_flags(engine_calls(fake, "staging")[0]) == expected(
        "staging", [(0, web), (1, worker)], [0, 1], []
    )
    # A stack's own variable follows every stack's; prod's worker had a digest already, so no tag goes.
    prod = ["--remote-env", "DEPLOY_STAGE=production"]
    assert remote_flags(engine_calls(fake, "prod")[0]) == expected("prod", [(0, web), (1, worker)], [0], prod)
    # The runner planned from the commit plus the pins: the digests, not the commit's tags, deployed.
    assert fake.outputs["dev"]["images"] == {
        "web-app": f"111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app@{web}"
    }
    assert (
        "imageDigest"
        not in (cloud_project.parent.parent / "commit" / "ecr-share" / "Pulumi.dev.yaml").read_text()
    )
    # As a local run does, up records the pins in the local stack file (to commit).
    assert f"imageDigest: {web}" in (cloud_project / "Pulumi.dev.yaml").read_text()
    remote_ops = [call for call in fake.calls if "--remote" in call.args]
    assert {(c.env["PULUMI_BACKEND_URL"], c.env["PULUMI_EXPERIMENTAL"]) for c in remote_ops} == {
        (CLOUD, "true")
    }
    assert [call.args for call in fake.calls if call.op == "stack init"] == [
        ["stack", "init", f"acme/ecr-share/{name}", "--no-select"]
        for name in ("build", "dev", "staging", "prod")
    ]
    assert run.out.endswith("All 4 stacks done.\n")


def test_a_remote_preview_changes_no_file_and_sends_the_pins(
    cloud_project: Path, released: dict[str, str]
) -> None:
    fake = cloud(cloud_project)
    assert remote(cloud_project, "up", "--stacks", "build", fake=fake).code == 0
    before = {path.name: path.read_text() for path in cloud_project.glob("Pulumi.*.yaml")}
    run = remote(cloud_project, "preview", "--stacks", "dev", fake=fake)
    assert run.code == 0, run.err
    assert {path.name: path.read_text() for path in cloud_project.glob("Pulumi.*.yaml")} == before
    (preview,) = engine_calls(fake, "dev")
    assert "--config-file" not in preview.args
    assert fake.pre_run[-2:] == [
        (
            "dev",
            "pulumi config set-all --stack acme/ecr-share/dev --path --plaintext "
            f"'ecr-share:services[0].imageDigest={released['web-app']}'",
        ),
        ("dev", "pulumi config rm-all --stack acme/ecr-share/dev --path 'ecr-share:services[0].imageTag'"),
    ]
    assert "dev    succeeded  create 6" in run.out


def test_a_remote_failure_stops_the_promotion_with_exit_1(cloud_project: Path) -> None:
    fake = cloud(cloud_project)
    fake.script("staging", "up", "fail")
    run = remote(cloud_project, "up", "--promote", "dev,staging,prod", "--keep-images", fake=fake)
    assert run.code == 1
    assert [stack for stack, op in fake.engine_order()] == ["build", "dev", "staging"]
    assert run.out.endswith("1 of 4 stacks failed or were cancelled (staging); not run: prod.\n")


def test_refresh_and_destroy_select_the_stack_without_pins(cloud_project: Path) -> None:
    fake = cloud(cloud_project)
    assert remote(cloud_project, "up", "--stacks", "build", "--keep-images", fake=fake).code == 0
    assert remote(cloud_project, "refresh", "--stacks", "build", fake=fake).code == 0
    assert remote(cloud_project, "destroy", "--stacks", "build", "--yes", fake=fake).code == 0
    refresh, destroy = engine_calls(fake, "build")[1:]
    for call in (refresh, destroy):
        assert remote_flags(call) == [
            "--remote",
            URL,
            "--remote-git-repo-dir",
            "ecr-share",
            "--remote-git-commit",
            COMMIT,
        ]
    assert [call.args for call in fake.calls_for("build") if call.op == "stack"][-2:] == [
        ["stack", "--stack", "acme/ecr-share/build"]
    ] * 2


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ("up", "--backend", "s3://state", "--remote"),
            {},
            "--remote: Pulumi Deployments runs stacks stored in Pulumi Cloud, and cannot reach the DIY backend "
            "s3://state (--backend); choose --backend https://api.pulumi.com (or your Pulumi Cloud's URL)",
        ),
        (
            ("destroy", "--remote", "--exclude-protected", "--yes"),
            {},
            "--exclude-protected: a remote destroy (Pulumi Deployments) has no such option; destroy the stack "
            "without --remote, or without --exclude-protected",
        ),
        (
            ("up", "--remote", "--secrets-provider", "awskms://alias/ecr-share?region=us-east-1"),
            {},
            "--secrets-provider awskms://alias/ecr-share?region=us-east-1: a stack Pulumi Deployments runs reads "
            "its secrets provider from the committed stack file; create the stack with it first (pulumi stack "
            "init --secrets-provider ..., then commit its stack file), then run --remote",
        ),
        (
            ("up", "--remote-env", "AWS_REGION=us-east-1"),
            {},
            "--remote-env: only with --remote (Pulumi Deployments)",
        ),
        (
            ("up", "--remote", "--remote-env", "AWS_REGION"),
            {},
            "--remote-env AWS_REGION: expected [STACK:]NAME=VALUE, with NAME a variable name like AWS_REGION",
        ),
        (
            ("up", "--remote", "--remote-env", "qa:AWS_REGION=us-east-1"),
            {},
            "--remote-env qa:AWS_REGION=us-east-1: 'qa' is not a stack of the project (build, dev, prod, staging)",
        ),
        (
            ("up", "--remote", "--remote-secret-env", "DATADOG_API_KEY"),
            {},
            "--remote-secret-env DATADOG_API_KEY: DATADOG_API_KEY is not set here; the pipeline sends its value "
            "from its own environment",
        ),
        (
            ("up", "--remote", "--remote-secret-env", "TOKEN=abc"),
            {"TOKEN": "abc"},
            "--remote-secret-env TOKEN=abc: expected [STACK:]NAME, with NAME a variable name like AWS_REGION",
        ),
        (
            ("up", "--remote", "--remote-git-commit", "4f2a9c1"),
            {},
            "--remote-git-commit 4f2a9c1: expected a full 40-character commit hash",
        ),
        (
            ("up", "--remote", "--remote-git-url", "github.com/acme/ecr-share"),
            {},
            "--remote-git-url github.com/acme/ecr-share: expected a git repository URL, like "
            "https://github.com/ORG/REPO.git",
        ),
        (
            ("up", "--remote", "--remote-pre-run-command", " "),
            {},
            "--remote-pre-run-command: an empty command; give a shell command, like 'pip install -r "
            "requirements.txt'",
        ),
    ],
)
def test_what_cannot_work_remotely_is_refused_with_one_message(
    cloud_project: Path, args: tuple[str, ...], env: dict[str, str], message: str
) -> None:
    fake = cloud(cloud_project)
    run = run_pipeline(
        cloud_project,
        *args,
        "--keep-images" if args[0] == "up" else "--stacks=dev",
        fake=fake,
        env=env,
        checkout=CHECKOUT,
    )
    assert run.code == 2
    assert run.err == f"error: {message}\n"
    assert not [call for call in fake.calls if call.op in ENGINE or call.op.startswith("stack")]


def test_without_a_git_remote_the_repository_must_be_named(cloud_project: Path) -> None:
    run = run_pipeline(
        cloud_project,
        "up",
        "--remote",
        "--keep-images",
        fake=cloud(cloud_project),
        env={},
        checkout=Checkout(commit=COMMIT),
    )
    assert run.code == 2
    assert run.err == (
        "error: --remote: the project's git checkout has no remote named origin; pass --remote-git-url with "
        "the repository Pulumi Deployments clones\n"
    )


def test_a_branch_replaces_the_checked_out_commit(cloud_project: Path) -> None:
    fake = cloud(cloud_project)
    run = remote(
        cloud_project, "up", "--stacks", "build", "--keep-images", "--remote-git-branch", "main", fake=fake
    )
    assert run.code == 0, run.err
    (up,) = engine_calls(fake, "build")
    assert remote_flags(up) == [
        "--remote",
        URL,
        "--remote-git-repo-dir",
        "ecr-share",
        "--remote-git-branch",
        "main",
    ]


def test_a_cli_without_remote_operations_is_one_message(cloud_project: Path) -> None:
    fake = cloud(cloud_project)
    fake.remote_supported = False
    run = remote(cloud_project, "up", "--keep-images", fake=fake)
    assert run.code == 2
    assert run.err == "error: --remote: this Pulumi CLI (3.200.0) has no remote operations; upgrade it\n"
    assert not [call for call in fake.calls if call.op in ENGINE]


def test_a_passphrase_stack_needs_the_passphrase_sent_to_the_runner(cloud_project: Path) -> None:
    path = cloud_project / "Pulumi.build.yaml"
    path.write_text("encryptionsalt: v1:abc:def\n" + path.read_text())
    local = {"PULUMI_CONFIG_PASSPHRASE": "x"}
    run = remote(
        cloud_project, "up", "--stacks", "build", "--keep-images", fake=cloud(cloud_project), env=local
    )
    assert run.code == 2
    assert run.err == (
        "error: build (the stack file holds encryptionsalt) encrypts secrets with a passphrase: send it to the "
        "runner with --remote-secret-env PULUMI_CONFIG_PASSPHRASE\n"
    )
    sent = remote(
        cloud_project,
        "up",
        "--stacks",
        "build",
        "--keep-images",
        "--remote-secret-env",
        "PULUMI_CONFIG_PASSPHRASE",
        fake=cloud(cloud_project),
        env=local,
    )
    assert sent.code == 0, sent.err


def test_an_aws_profile_is_a_warning_with_remote(tmp_path: Path) -> None:
    project = write_project(tmp_path / "repository" / "ecr-share")  # stack files with aws:profile
    fake = cloud(project)
    run = remote(project, "up", "--stacks", "build", "--keep-images", fake=fake)
    assert run.code == 0, run.err
    assert run.err == (
        "warning: --remote: Pulumi.build.yaml sets aws:profile build-deploy, which the Deployments runner has "
        "only if a pre-run command writes it; give the runner credentials (OIDC in the stack's deployment "
        "settings, or --remote-secret-env) and let aws:assumeRole pick the account's role\n"
    )


def test_git_gives_the_origin_the_commit_and_the_project_folder(tmp_path: Path) -> None:
    project = write_project(tmp_path / "repository" / "ecr-share")

    def git(*args: str) -> str:
        done = subprocess.run(
            [
                "git",
                "-C",
                str(tmp_path / "repository"),
                "-c",
                "user.name=ci",
                "-c",
                "user.email=ci@example.com",
                *args,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    assert git_checkout(project) == Checkout()  # not a checkout yet
    git("init", "-q")
    git("remote", "add", "origin", URL)
    git("add", ".")
    git("commit", "-q", "-m", "stack files")
    assert git_checkout(project) == Checkout(URL, git("rev-parse", "HEAD"), "ecr-share")
