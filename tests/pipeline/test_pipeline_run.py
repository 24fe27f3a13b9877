"""The pipeline driving the real Automation API classes against a fake Pulumi CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pipeline_fake import DIGEST, LOCKED, FakePulumi, run_pipeline, write_project

TAG_SET = ["--path", "--plaintext", "--type", "string", "--"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "ecr-share")


def stacks_touched(fake: FakePulumi) -> list[str]:
    """Stacks in the order they first received a CLI call."""
    return list(dict.fromkeys(call.stack for call in fake.calls if call.stack))


def summary_row(out: str, stack: str) -> list[str]:
    row = next(line for line in out.splitlines() if line.startswith(f"{stack} "))
    return [cell.strip() for cell in re.split(r" {2,}", row)]


# --- order and config --------------------------------------------------------------------------


def test_up_deploys_the_build_first_then_every_environment_with_the_commit_tag(project: Path) -> None:
    run = run_pipeline(project, "up", "--parallel", "1")
    assert run.code == 0, run.err
    fake = run.fake
    assert stacks_touched(fake) == ["build", "dev", "prod", "staging"]
    build_calls = [call.op for call in fake.calls_for("build")]
    assert build_calls == ["stack select", "up", "stack output", "stack output", "stack history"]
    last_build_call = fake.calls.index(fake.calls_for("build")[-1])
    assert all(fake.calls.index(call) > last_build_call for call in fake.calls if call.stack != "build")
    assert [call.args for call in fake.calls_for("prod") if call.op.startswith("config")] == [
        [
            "config",
            "set",
            "--stack",
            "organization/ecr-share/prod",
            *TAG_SET,
            "ecr-share:services[0].imageTag",
            "4f2a9c1",
        ],
        [
            "config",
            "set",
            "--stack",
            "organization/ecr-share/prod",
            *TAG_SET,
            "ecr-share:services[1].imageTag",
            "4f2a9c1",
        ],
        [
            "config",
            "rm-all",
            "--stack",
            "organization/ecr-share/prod",
            "--path",
            "ecr-share:services[1].imageDigest",
        ],
    ]
    # The config is set right before that stack's update, never earlier.
    dev_ops = [call.op for call in fake.calls_for("dev")]
    assert dev_ops[:3] == ["stack select", "config set", "up"]
    assert not [call for call in fake.calls_for("build") if call.op.startswith("config")]


def test_an_image_digest_replaces_the_tags(project: Path) -> None:
    run = run_pipeline(project, "up", "--image-digest", DIGEST, "--stacks", "prod")
    assert run.code == 0, run.err
    config = [call.args[-2:] for call in run.fake.calls_for("prod") if call.op.startswith("config")]
    assert config == [
        ["ecr-share:services[0].imageDigest", DIGEST],
        ["ecr-share:services[1].imageDigest", DIGEST],
        ["--path", "ecr-share:services[0].imageTag"],
    ]
    assert stacks_touched(run.fake) == ["prod"]


def test_keep_images_sets_no_config(project: Path) -> None:
    run = run_pipeline(project, "up", "--keep-images", commit=None)
    assert run.code == 0, run.err
    assert not [call for call in run.fake.calls if call.op.startswith("config")]


def test_every_call_gets_the_backend_and_no_aws_credentials(project: Path) -> None:
    run = run_pipeline(project, "up", "--stacks", "build")
    state = project / ".pulumi-state"
    assert state.is_dir()
    assert {call.env.get("PULUMI_BACKEND_URL") for call in run.fake.calls} == {f"file://{state}"}
    assert not {key for call in run.fake.calls for key in call.env if key.startswith("AWS_")}
    assert f"backend file://{state}" in run.out


def test_backend_flag_wins_over_the_environment_variable(project: Path) -> None:
    env = {"PULUMI_CONFIG_PASSPHRASE": "x", "PULUMI_BACKEND_URL": "s3://from-env"}
    by_env = run_pipeline(project, "outputs", "--stacks", "build", env=env)
    by_flag = run_pipeline(project, "outputs", "--stacks", "build", "--backend", "s3://from-flag", env=env)
    assert {c.env["PULUMI_BACKEND_URL"] for c in by_env.fake.calls} == {"s3://from-env"}
    assert {c.env["PULUMI_BACKEND_URL"] for c in by_flag.fake.calls} == {"s3://from-flag"}
    assert not (project / ".pulumi-state").exists()


def test_parallel_environments_stay_within_the_bound(project: Path) -> None:
    run = run_pipeline(project, "up", "--parallel", "2", fake=FakePulumi(hold=0.05))
    assert run.code == 0, run.err
    assert run.fake.engine_order()[0] == ("build", "up")
    assert 1 <= run.fake.max_active <= 2
    serial = run_pipeline(project, "up", "--parallel", "1", fake=FakePulumi(hold=0.01))
    assert serial.fake.max_active == 1


# --- failures ----------------------------------------------------------------------------------


def test_promotion_stops_at_the_first_failed_stage(project: Path) -> None:
    fake = FakePulumi()
    fake.script("staging", "up", "fail")
    run = run_pipeline(project, "up", "--promote", "dev,staging,prod", fake=fake)
    assert run.code == 1
    assert fake.engine_order() == [("build", "up"), ("dev", "up"), ("staging", "up")]
    assert fake.calls_for("prod") == []  # not selected, not configured: untouched
    assert summary_row(run.out, "staging")[:2] == ["staging", "failed"]
    assert summary_row(run.out, "staging")[-1].startswith("error: creating ECS Task Definition (web-app)")
    assert summary_row(run.out, "prod") == ["prod", "not run", "-", "-", "-"]
    assert run.out.rstrip().endswith("1 of 4 stacks failed or were cancelled (staging); not run: prod.")


def test_a_failed_build_leaves_every_environment_untouched(project: Path) -> None:
    fake = FakePulumi()
    fake.script("build", "up", "fail")
    run = run_pipeline(project, "up", fake=fake)
    assert run.code == 1
    assert stacks_touched(fake) == ["build"]


def test_a_failure_in_parallel_mode_starts_no_further_stack(project: Path) -> None:
    fake = FakePulumi()
    fake.script("dev", "up", "fail")
    run = run_pipeline(project, "up", "--parallel", "1", fake=fake)
    assert run.code == 1
    assert stacks_touched(fake) == ["build", "dev"]


def test_a_concurrent_update_is_retried_with_backoff(project: Path) -> None:
    fake = FakePulumi()
    fake.script("dev", "up", "busy", "busy")
    run = run_pipeline(project, "up", "--stacks", "dev", fake=fake)
    assert run.code == 0, run.out
    assert fake.engine_order() == [("dev", "up")] * 3
    assert run.sleeps == [5.0, 10.0]
    assert "[dev] another update holds the stack; retrying in 5s (attempt 2 of 4)" in run.out
    # The image config is set once, before the first attempt.
    assert len([call for call in fake.calls_for("dev") if call.op == "config set"]) == 1


def test_retries_are_bounded(project: Path) -> None:
    fake = FakePulumi()
    fake.script("build", "up", *["busy"] * 10)
    run = run_pipeline(project, "up", "--retries", "2", fake=fake)
    assert run.code == 1
    assert fake.engine_order() == [("build", "up")] * 3
    assert run.sleeps == [5.0, 10.0]
    assert summary_row(run.out, "build")[-1] == LOCKED


# --- destroy -----------------------------------------------------------------------------------


def test_destroy_runs_in_reverse_after_confirmation(project: Path) -> None:
    run = run_pipeline(project, "destroy", "--promote", "dev,staging,prod", answer="yes")
    assert run.code == 0, run.err
    assert run.fake.engine_order() == [
        ("prod", "destroy"),
        ("staging", "destroy"),
        ("dev", "destroy"),
        ("build", "destroy"),
    ]
    assert run.questions == [
        f"Destroy every resource of prod, staging, dev, build (backend file://{project}/.pulumi-state)? "
        'This cannot be undone. Type "yes" to continue: '
    ]
    assert not [call for call in run.fake.calls if call.op.startswith("config")]


def test_destroy_with_yes_asks_nothing(project: Path) -> None:
    run = run_pipeline(project, "destroy", "--yes", "--exclude-protected")
    assert run.code == 0, run.err
    assert run.questions == []
    assert all("--exclude-protected" in c.args for c in run.fake.calls if c.op == "destroy")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("no", "Destroy not confirmed; nothing was changed."),
        (EOFError(), "error: destroy needs confirmation; pass --yes when there is no terminal to answer"),
    ],
)
def test_destroy_not_confirmed_runs_nothing(project: Path, answer: str | BaseException, message: str) -> None:
    run = run_pipeline(project, "destroy", answer=answer)
    assert run.code == 2
    assert run.err.strip() == message
    assert run.fake.calls == []


def test_destroy_of_a_stack_never_created_is_not_a_failure(project: Path) -> None:
    run = run_pipeline(project, "destroy", "--yes", "--stacks", "dev", fake=FakePulumi(missing=("dev",)))
    assert run.code == 0
    assert summary_row(run.out, "dev")[:2] == ["dev", "no stack"]
    assert run.fake.engine_order() == []


# --- Ctrl-C ------------------------------------------------------------------------------------


def test_ctrl_c_cancels_the_running_update_and_runs_nothing_else(project: Path) -> None:
    fake = FakePulumi()
    fake.script("dev", "up", "interrupt")
    run = run_pipeline(project, "up", "--promote", "dev,staging,prod", fake=fake)
    assert run.code == 130
    assert [call.args for call in fake.calls if call.op == "cancel"] == [
        ["cancel", "--yes", "--stack", "organization/ecr-share/dev"]
    ]
    assert stacks_touched(fake) == ["build", "dev"]
    assert summary_row(run.out, "build")[:2] == ["build", "succeeded"]
    assert summary_row(run.out, "dev")[:2] == ["dev", "cancelled"]
    assert summary_row(run.out, "staging")[:2] == ["staging", "not run"]
    assert summary_row(run.out, "prod")[:2] == ["prod", "not run"]


def test_ctrl_c_in_parallel_mode(project: Path) -> None:
    fake = FakePulumi()
    fake.script("dev", "up", "interrupt")
    run = run_pipeline(project, "up", "--parallel", "1", fake=fake)
    assert run.code == 130
    assert [call.stack for call in fake.calls if call.op == "cancel"] == ["dev"]
    assert stacks_touched(fake) == ["build", "dev"]


def test_ctrl_c_during_a_preview_needs_no_cancel(project: Path) -> None:
    fake = FakePulumi()
    fake.script("build", "preview", "interrupt")
    run = run_pipeline(project, "preview", fake=fake)
    assert run.code == 130
    assert [call for call in fake.calls if call.op == "cancel"] == []
    assert summary_row(run.out, "build")[:2] == ["build", "cancelled"]


# --- the other commands ------------------------------------------------------------------------


def test_preview_reads_the_engines_change_summary(project: Path) -> None:
    run = run_pipeline(project, "preview", "--image-tag", "v2.0.0")
    assert run.code == 0, run.err
    assert summary_row(run.out, "prod")[:3] == ["prod", "succeeded", "create 10"]
    assert all("--event-log" in call.args for call in run.fake.calls if call.op == "preview")


def test_refresh_keeps_the_images(project: Path) -> None:
    run = run_pipeline(project, "refresh", commit=None)
    assert run.code == 0, run.err
    assert [op for _stack, op in run.fake.engine_order()] == ["refresh"] * 4
    assert not [call for call in run.fake.calls if call.op.startswith("config")]


def test_outputs_prints_each_stacks_outputs(project: Path) -> None:
    run = run_pipeline(project, "outputs", "--stacks", "build,dev", fake=FakePulumi(missing=("dev",)))
    assert run.code == 0, run.err
    assert "[build] registryId = 111111111111" in run.out
    assert summary_row(run.out, "dev")[:2] == ["dev", "no stack"]
    assert run.fake.engine_order() == []


def test_ctrl_c_while_environments_run_in_threads(project: Path) -> None:
    fake = FakePulumi()
    fake.script("dev", "up", "interrupt")
    run = run_pipeline(project, "up", "--parallel", "3", fake=fake)
    assert run.code == 130
    results = {name: summary_row(run.out, name)[1] for name in ("build", "dev", "prod", "staging")}
    assert results["build"] == "succeeded"
    assert results["dev"] == "cancelled"
    # prod and staging were started beside dev: each finished, was cancelled while running, or had
    # not reached its first CLI call when dev was interrupted.
    assert {results["prod"], results["staging"]} <= {"succeeded", "cancelled", "not run"}
    cancelled = sorted(call.stack or "" for call in fake.calls if call.op == "cancel")
    assert cancelled == sorted(name for name, result in results.items() if result == "cancelled")


def test_a_failure_in_a_thread_is_reported_with_the_engine_error(project: Path) -> None:
    fake = FakePulumi()
    fake.script("prod", "up", "fail")
    run = run_pipeline(project, "up", "--parallel", "3", fake=fake)
    assert run.code == 1
    assert summary_row(run.out, "prod")[1] == "failed"
    assert summary_row(run.out, "prod")[-1].startswith("error: creating ECS Task Definition")
    assert fake.engine_order()[0] == ("build", "up")
