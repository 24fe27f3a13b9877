"""The pipeline driving the real Automation API classes against the fake Pulumi CLI, with the build
registry in moto."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
from pathlib import Path

import pytest
import yaml

from components.pipeline.runner import Settings
from tests.support.pipeline_fake import (
    CANCELED,
    DIGEST,
    LOCKED,
    FakePulumi,
    deployed,
    run_pipeline,
    stack_files,
    write_project,
)
from tests.support.pipeline_fake import stack_services as services
from tests.support.registry_fake import MotoRegistry

RELEASE = ["up", "--promote", "dev,staging,prod"]


def stacks_touched(fake: FakePulumi) -> list[str]:
    """Stacks in the order they first received a CLI call."""
    return list(dict.fromkeys(call.stack for call in fake.calls if call.stack))


def summary_row(out: str, stack: str) -> list[str]:
    row = next(line for line in out.splitlines() if line.startswith(f"{stack} "))
    return [cell.strip() for cell in re.split(r" {2,}", row)]


def config_calls(fake: FakePulumi, stack: str) -> list[list[str]]:
    return [call.args for call in fake.calls_for(stack) if call.op.startswith("config")]


# --- resolve and pin ---------------------------------------------------------------------------


def test_up_pins_every_service_to_its_own_repositorys_digest(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    run = run_pipeline(project, *RELEASE, fake=fake)
    assert run.code == 0, run.err
    web, worker = released["web-app"], released["worker"]
    assert web != worker
    assert config_calls(fake, "prod") == [
        [
            "config",
            "set-all",
            "--stack",
            "organization/ecr-share/prod",
            "--path",
            "--plaintext",
            f"ecr-share:services[0].imageDigest={web}",
            "--plaintext",
            f"ecr-share:services[1].imageDigest={worker}",
        ],
        [
            "config",
            "remove-all",
            "--stack",
            "organization/ecr-share/prod",
            "--path",
            "--",
            "ecr-share:services[0].imageTag",
        ],
    ]
    # Prod's worker was pinned to another digest in its file: now its repository's own.
    assert [
        (s["repository"], s.get("imageDigest"), s.get("imageTag")) for s in services(project, "prod")
    ] == [
        ("web-app", web, None),
        ("worker", worker, None),
    ]
    assert fake.outputs["prod"]["images"] == {
        "web-app": f"111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app@{web}",
        "worker": f"111111111111.dkr.ecr.us-east-1.amazonaws.com/worker@{worker}",
    }


def test_every_stage_runs_the_same_digests(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    assert run_pipeline(project, *RELEASE, fake=fake).code == 0
    for stack in ("dev", "staging", "prod"):
        for entry in services(project, stack):
            assert entry["imageDigest"] == released[str(entry["repository"])]
    # Resolved once, before the first environment: dev's config is set after every registry read.
    assert fake.engine_order() == [
        ("build", "up"),
        ("build", "up"),
        ("dev", "up"),
        ("staging", "up"),
        ("prod", "up"),
    ]


def test_the_next_release_sets_each_stacks_images_in_one_call(
    project: Path, registry: MotoRegistry, released: dict[str, str]
) -> None:
    fake = deployed(project)
    assert run_pipeline(project, *RELEASE, fake=fake).code == 0
    new = registry.push("web-app", "9c0ffee", layer="2")
    fake.calls.clear()
    run = run_pipeline(project, *RELEASE, "--image", "web-app=9c0ffee", "--image-tag", "4f2a9c1", fake=fake)
    assert run.code == 0, run.err
    assert [call[:2] for call in config_calls(fake, "prod")] == [["config", "set-all"]]
    assert services(project, "prod")[0]["imageDigest"] == new
    assert services(project, "prod")[1]["imageDigest"] == released["worker"]
    assert summary_row(run.out, "prod")[2] == "replace 1"  # web-app's task definition


def test_image_flags_choose_each_repository(project: Path, registry: MotoRegistry) -> None:
    web = registry.push("web-app", "v2.0.0")
    worker = registry.push("worker", "v1.9.0")
    fake = deployed(project)
    run = run_pipeline(
        project,
        "up",
        "--stacks",
        "prod",
        "--image",
        "web-app=v2.0.0",
        "--image",
        f"worker@{worker}",
        fake=fake,
    )
    assert run.code == 0, run.err
    assert [s["imageDigest"] for s in services(project, "prod")] == [web, worker]
    assert f"  web-app     v2.0.0  {web}  COMPLETE: no findings" in run.out
    assert f"  worker      -       {worker}  COMPLETE: no findings" in run.out


def test_keep_images_sets_no_config_and_reads_no_registry(project: Path) -> None:
    # No registry fixture: any AWS call would fail for want of credentials.
    run = run_pipeline(project, "up", "--keep-images", commit=None)
    assert run.code == 0, run.err
    assert not [call for call in run.fake.calls if call.op.startswith("config")]
    assert "images:" not in run.out


def test_every_call_gets_the_backend_the_cli_is_logged_in_to_and_no_aws_credentials(project: Path) -> None:
    run = run_pipeline(project, "up", "--stacks", "build")
    state = project / ".pulumi-state"
    assert run.fake.calls[0].op == "whoami"
    assert {call.env.get("PULUMI_BACKEND_URL") for call in run.fake.calls[1:]} == {f"file://{state}"}
    assert not {key for call in run.fake.calls for key in call.env if key.startswith("AWS_")}
    assert f"backend file://{state} (stacks organization/ecr-share/<stack>)" in run.out


def test_backend_flag_wins_over_the_environment_variable(project: Path) -> None:
    env = {"PULUMI_CONFIG_PASSPHRASE": "x", "PULUMI_BACKEND_URL": "s3://from-env"}
    by_env = run_pipeline(project, "outputs", "--stacks", "build", env=env)
    by_flag = run_pipeline(project, "outputs", "--stacks", "build", "--backend", "s3://from-flag", env=env)
    assert {c.env["PULUMI_BACKEND_URL"] for c in by_env.fake.calls} == {"s3://from-env"}
    assert {c.env["PULUMI_BACKEND_URL"] for c in by_flag.fake.calls} == {"s3://from-flag"}
    assert not (project / ".pulumi-state").exists()


# --- waves -------------------------------------------------------------------------------------


def test_parallel_waves_keep_the_order_given(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    fake.calls.clear()
    run = run_pipeline(project, "up", "--stacks", "build,staging,dev,prod", "--parallel", "2", fake=fake)
    assert run.code == 0, run.err
    assert run.out.splitlines()[0] == "up: build -> staging, dev (at once) -> prod"
    first_prod_call = fake.calls.index(fake.calls_for("prod")[0])
    assert all(fake.calls.index(c) < first_prod_call for s in ("staging", "dev") for c in fake.calls_for(s))
    assert [line.split()[0] for line in run.out.splitlines()[-5:-1]] == ["build", "staging", "dev", "prod"]


def test_a_wave_runs_its_stacks_at_once(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    fake.script("dev", "up", "hold")
    fake.script("staging", "up", "hold")

    def release_when_both_run() -> None:
        for _ in range(1000):
            if fake.active >= 2:
                break
            threading.Event().wait(0.01)
        fake.hold.set()

    watcher = threading.Thread(target=release_when_both_run)
    watcher.start()
    run = run_pipeline(project, "up", "--stacks", "dev,staging", "--parallel", "2", fake=fake)
    watcher.join()
    assert run.code == 0, run.err
    assert fake.max_active == 2


def test_a_failure_in_a_wave_starts_no_later_wave(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    fake.calls.clear()
    fake.script("dev", "up", "fail")
    run = run_pipeline(project, "up", "--parallel", "1", fake=fake)
    assert run.code == 1
    assert stacks_touched(fake) == ["build", "dev"]


# --- preview -----------------------------------------------------------------------------------


def test_preview_leaves_every_stack_file_exactly_as_it_was(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    files = {path.name: path.read_bytes() for path in project.glob("Pulumi.*.yaml")}
    fake.calls.clear()
    run = run_pipeline(project, "preview", "--promote", "dev,staging,prod", fake=fake)
    assert run.code == 0, run.err
    assert {path.name: path.read_bytes() for path in project.glob("Pulumi.*.yaml")} == files
    # Every config call edits a copy outside the project, which the preview reads.
    config = [call.args for call in fake.calls if call.op.startswith("config")]
    assert config and all("--config-file" in args for args in config)
    copies = {Path(args[args.index("--config-file") + 1]) for args in config}
    assert all(project not in copy.parents and not copy.exists() for copy in copies)
    (preview,) = [call for call in fake.calls_for("prod") if call.op == "preview"]
    assert preview.args[preview.args.index("--config-file") + 1] in {str(c) for c in copies}
    previewed = yaml.safe_load(preview.config_file_text or "")["config"]["ecr-share:services"]
    assert [s["imageDigest"] for s in previewed] == [released["web-app"], released["worker"]]
    assert summary_row(run.out, "prod")[:3] == ["prod", "succeeded", "create 9"]


def test_a_plain_up_after_a_preview_deploys_what_the_files_name(
    project: Path, registry: MotoRegistry
) -> None:
    """The bug this guards against: preview --image-tag v2 used to leave v2 in the stack files."""
    registry.push("web-app", "v2")
    registry.push("worker", "v2")
    fake = deployed(project)
    assert run_pipeline(project, "preview", "--stacks", "prod", "--image-tag", "v2", fake=fake).code == 0
    assert [s.get("imageTag") for s in services(project, "prod")] == ["v1.2.3", None]
    assert services(project, "prod")[1]["imageDigest"] == DIGEST


# --- failures ----------------------------------------------------------------------------------


def test_promotion_stops_at_the_first_failed_stage(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    fake.calls.clear()
    fake.script("staging", "up", "fail")
    run = run_pipeline(project, *RELEASE, fake=fake)
    assert run.code == 1
    assert fake.engine_order() == [("build", "up"), ("dev", "up"), ("staging", "up")]
    assert fake.calls_for("prod") == []  # not configured, not updated: untouched
    assert summary_row(run.out, "staging")[:2] == ["staging", "failed"]
    assert summary_row(run.out, "staging")[-1].startswith("error: creating ECS Task Definition (web-app)")
    assert summary_row(run.out, "prod") == ["prod", "not run", "-", "-", "-"]
    assert run.out.rstrip().endswith("1 of 4 stacks failed or were cancelled (staging); not run: prod.")


def test_a_failed_build_leaves_every_environment_untouched(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    fake.calls.clear()
    fake.script("build", "up", "fail:shared-worker-pull")
    fake.state["build"] = {}  # the next up creates everything again, so there is a change to fail
    run = run_pipeline(project, *RELEASE, fake=fake)
    assert run.code == 1
    assert stacks_touched(fake) == ["build"]


def test_a_concurrent_update_is_retried_with_backoff(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    fake.calls.clear()
    fake.script("dev", "up", "busy", "busy")
    run = run_pipeline(project, "up", "--stacks", "dev", fake=fake)
    assert run.code == 0, run.out
    assert fake.engine_order() == [("dev", "up")] * 3
    assert run.waits == [5.0, 10.0]
    assert "[dev] another update holds the stack; retrying in 5s (attempt 2 of 4)" in run.out
    # The image config is set once, before the first attempt.
    assert len([call for call in fake.calls_for("dev") if call.op == "config set-all"]) == 1


def test_retries_are_bounded(project: Path) -> None:
    fake = FakePulumi()
    fake.script("build", "up", *["busy"] * 10)
    run = run_pipeline(project, "up", "--stacks", "build", "--retries", "2", fake=fake)
    assert run.code == 1
    assert fake.engine_order() == [("build", "up")] * 3
    assert run.waits == [5.0, 10.0]
    assert summary_row(run.out, "build")[-1] == LOCKED


# --- engine events and the ECS rollout -----------------------------------------------------------


def test_each_resource_operation_is_a_progress_line(project: Path, released: dict[str, str]) -> None:
    fake = FakePulumi(ecs=True)
    run = run_pipeline(project, "up", "--stacks", "build", fake=fake)
    assert run.code == 0
    run = run_pipeline(project, "up", "--stacks", "dev", fake=fake)
    assert run.code == 0, run.err
    lines = [line for line in run.out.splitlines() if line.startswith("[dev] ") and "config" not in line]
    assert lines == [
        "[dev] created ecr-share:index:PullExecutionRole execution (0s)",
        "[dev] created aws:iam/role:Role execution-role (2s)",
        "[dev] created aws:iam/rolePolicy:RolePolicy execution-pull (1s)",
        "[dev] created ecr-share:index:FargateTaskDefinition web-app (0s)",
        "[dev] created aws:cloudwatch/logGroup:LogGroup web-app-logs (1s)",
        "[dev] created aws:ecs/taskDefinition:TaskDefinition web-app-task (1s)",
        "[dev] created aws:ecs/service:Service web-app-service (48s)",
    ]


def test_the_summary_shows_each_services_rollout(
    project: Path, registry: MotoRegistry, released: dict[str, str]
) -> None:
    fake = FakePulumi(ecs=True)
    assert run_pipeline(project, "up", "--stacks", "build", fake=fake).code == 0
    first = run_pipeline(project, *RELEASE, fake=fake)
    assert first.code == 0, first.err
    assert summary_row(first.out, "prod")[4] == "web-app-service created, worker-service created"
    registry.push("web-app", "9c0ffee", layer="2")
    second = run_pipeline(project, *RELEASE, "--image", "web-app=9c0ffee", fake=fake)
    assert second.code == 0, second.err
    assert summary_row(second.out, "prod")[4] == "web-app-service updated, worker-service unchanged"
    assert summary_row(second.out, "build")[4] == "-"
    assert "[prod] updated aws:ecs/service:Service web-app-service (1m34s)" in second.out


def test_a_rollout_the_circuit_breaker_rolled_back_stops_the_promotion(
    project: Path, registry: MotoRegistry, released: dict[str, str]
) -> None:
    fake = FakePulumi(ecs=True)
    assert run_pipeline(project, "up", "--stacks", "build", fake=fake).code == 0
    assert run_pipeline(project, *RELEASE, fake=fake).code == 0
    registry.push("web-app", "9c0ffee", layer="2")
    fake.rollbacks.add(("staging", "web-app-service"))
    run = run_pipeline(project, *RELEASE, "--image", "web-app=9c0ffee", fake=fake)
    assert run.code == 1
    row = summary_row(run.out, "staging")
    assert row[:2] == ["staging", "failed"]
    assert row[4] == "web-app-service rolled back, worker-service unchanged"
    old, new = "task-definition/web-app:1", "task-definition/web-app:2"
    assert row[5].startswith("aws:ecs/service:Service web-app-service: the deployment circuit breaker rolled")
    assert old in row[5] and new in row[5]
    assert summary_row(run.out, "prod")[1] == "not run"


def test_promote_refuses_a_source_whose_rollout_was_rolled_back(
    tmp_path: Path, registry: MotoRegistry, released: dict[str, str]
) -> None:
    """staging runs web-app as an ECS service; its rollout of a new image was rolled back, so its
    images output names an image it does not run: promoting it would ship untested bytes."""
    files = stack_files()
    files["staging"]["ecr-share:services"][0]["ecsService"] = {
        "cluster": "staging",
        "subnets": ["subnet-0a1b2c3d4e5f60718"],
    }
    project = write_project(tmp_path / "ecr-share", files)
    fake = FakePulumi()
    assert run_pipeline(project, "up", "--stacks", "build", fake=fake).code == 0
    assert run_pipeline(project, "up", "--stacks", "staging", fake=fake).code == 0
    registry.push("web-app", "9c0ffee", layer="2")
    fake.rollbacks.add(("staging", "web-app-service"))
    assert (
        run_pipeline(project, "up", "--stacks", "staging", "--image", "web-app=9c0ffee", fake=fake).code == 1
    )
    fake.calls.clear()
    run = run_pipeline(project, "promote", "--from", "staging", "--to", "prod", fake=fake)
    assert run.code == 2
    arn = "arn:aws:ecs:us-east-1:333333333333:task-definition/web-app"
    assert run.err == (
        f"error: stack staging's ECS service web-app runs {arn}:1, not {arn}:2 that the stack registered "
        "(its rollout was rolled back): staging does not run the image its images output names, so there "
        "is nothing tested to promote; release staging again first\n"
    )
    assert fake.engine_order() == []


def test_a_failed_rollout_is_named_with_the_engines_error(project: Path, released: dict[str, str]) -> None:
    fake = FakePulumi(ecs=True)
    assert run_pipeline(project, "up", "--stacks", "build", fake=fake).code == 0
    fake.script("dev", "up", "fail:web-app-service")
    run = run_pipeline(project, "up", "--stacks", "dev", fake=fake)
    assert run.code == 1
    assert summary_row(run.out, "dev")[4] == "web-app-service failed"
    assert "[dev] failed to create aws:ecs/service:Service web-app-service after 48s" in run.out
    assert "[dev] error: web-app-service: creating ECS Task Definition" in run.out


def test_a_long_update_gets_a_heartbeat(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    fake.script("dev", "up", "hold-until-heartbeat")
    run = run_pipeline(project, "up", "--stacks", "dev", fake=fake, settings=Settings(heartbeat_seconds=0.02))
    assert run.code == 0, run.err
    assert re.search(r"^\[dev\] up still running after \d+s", run.out, re.M)


# --- Ctrl-C and SIGTERM in process ----------------------------------------------------------------


def test_sigint_in_a_wave_cancels_every_running_update(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    fake.script("staging", "up", "hold")
    fake.script("dev", "up", "SIGINT-after-hold")
    run = run_pipeline(project, "up", "--stacks", "staging,dev,prod", "--parallel", "2", fake=fake)
    assert run.code == 130
    assert {s: summary_row(run.out, s)[1] for s in ("staging", "dev", "prod")} == {
        "staging": "cancelled",
        "dev": "cancelled",
        "prod": "not run",
    }
    assert summary_row(run.out, "dev")[-1] == CANCELED
    assert "SIGINT received: stopping; no further stack starts." in run.out
    assert not [call for call in fake.calls if call.op == "cancel"]  # SIGINT, not `pulumi cancel`


def test_sigterm_while_waiting_for_a_scan_deploys_nothing(project: Path, registry: MotoRegistry) -> None:
    registry.push("web-app", "4f2a9c1", scan="IN_PROGRESS")
    registry.push("worker", "4f2a9c1")
    fake = deployed(project)
    fake.calls.clear()

    def stop_when_waiting() -> None:
        for _ in range(1000):
            if "waiting for the scan" in "".join(fake.output):
                os.kill(os.getpid(), signal.SIGTERM)
                return
            threading.Event().wait(0.01)

    watcher = threading.Thread(target=stop_when_waiting)
    watcher.start()
    run = run_pipeline(project, *RELEASE, fake=fake)
    watcher.join()
    assert run.code == 143
    assert run.err.endswith("Stopped by SIGTERM; nothing was deployed.\n")
    assert fake.engine_order() == []


def test_a_signal_after_an_update_completed_reports_it_as_succeeded(
    project: Path, released: dict[str, str]
) -> None:
    fake = deployed(project)
    fake.script("dev", "up", "SIGINT-then-ok")
    run = run_pipeline(project, *RELEASE, fake=fake)
    assert run.code == 130
    assert summary_row(run.out, "dev")[1] == "succeeded"
    assert summary_row(run.out, "staging")[1] == "not run"


# --- names on the backend ------------------------------------------------------------------------


def cloud_project(root: Path, organization: str) -> Path:
    files = stack_files()
    for name in ("dev", "staging", "prod"):
        files[name]["ecr-share:buildStack"] = f"{organization}/ecr-share/build"
    return write_project(root, files)


@pytest.mark.parametrize(
    ("default_org", "flag", "organization"),
    [("acme", None, "acme"), ("", None, "alice"), ("acme", "platform", "platform")],
)
def test_stack_names_on_pulumi_cloud_follow_the_organization(
    tmp_path: Path, default_org: str, flag: str | None, organization: str
) -> None:
    project = cloud_project(tmp_path / "ecr-share", organization)
    fake = FakePulumi()
    fake.default_org = default_org
    args = [
        "up",
        "--stacks",
        "build",
        "--backend",
        "https://api.pulumi.com",
        *(["--org", flag] if flag else []),
    ]
    run = run_pipeline(project, *args, fake=fake, env={})
    assert run.code == 0, run.err
    assert {call.args[call.args.index("--stack") + 1] for call in fake.calls if "--stack" in call.args} == {
        f"{organization}/ecr-share/build"
    }


def test_an_environment_naming_another_organizations_build_stack_is_refused(tmp_path: Path) -> None:
    project = write_project(tmp_path / "ecr-share")  # buildStack: organization/ecr-share/build
    fake = FakePulumi()
    fake.default_org = "acme"
    run = run_pipeline(project, "up", "--backend", "https://api.pulumi.com", fake=fake, env={})
    assert run.code == 2
    assert run.err == (
        f"error: {project / 'Pulumi.dev.yaml'}: ecr-share:buildStack is organization/ecr-share/build, but the "
        "build stack is acme/ecr-share/build on https://api.pulumi.com: set ecr-share:buildStack: "
        "acme/ecr-share/build\n"
    )
    assert fake.engine_order() == []


def test_a_diy_backend_accepts_only_the_organization_named_organization(project: Path) -> None:
    run = run_pipeline(project, "up", "--stacks", "build", "--org", "acme")
    assert run.code == 2
    assert run.err.startswith("error: --org acme: a DIY backend (file://")


@pytest.mark.parametrize("args", [["up", "--stacks", "prod"], ["preview", "--promote", "dev,staging,prod"]])
def test_environments_without_a_deployed_build_stack_fail_in_one_sentence(
    project: Path, args: list[str]
) -> None:
    run = run_pipeline(project, *args)
    assert run.code == 2
    environments = "prod" if args[-1] == "prod" else "dev, staging, prod"
    assert run.err == (
        f"error: the build stack organization/ecr-share/build is not deployed on file://{project}/.pulumi-state, "
        f"so {environments} cannot read its outputs: deploy it first with "
        "`python -m components.pipeline up --stacks build`\n"
    )
    assert run.fake.engine_order() == []


# --- promote -----------------------------------------------------------------------------------


def test_promote_deploys_exactly_the_digests_the_source_runs(
    project: Path, registry: MotoRegistry, released: dict[str, str]
) -> None:
    fake = deployed(project)
    assert (
        run_pipeline(
            project, "up", "--promote", "dev,staging", "--stacks", "build,dev,staging", fake=fake
        ).code
        == 0
    )
    registry.retag("web-app", released["web-app"], "v1.3.0")  # moto drops an image when its last tag moves
    registry.push("web-app", "4f2a9c1", layer="moved")  # the tag now names other bytes
    fake.calls.clear()
    run = run_pipeline(project, "promote", "--from", "staging", "--to", "prod", fake=fake)
    assert run.code == 0, run.err
    assert run.out.splitlines()[0] == "promote: staging -> prod (the digests staging runs)"
    assert [s["imageDigest"] for s in services(project, "prod")] == [released["web-app"], released["worker"]]
    assert stacks_touched(fake) == ["build", "staging", "prod"]  # build and staging are only read
    assert [op for stack, op in fake.engine_order()] == ["up"]


def test_promote_refuses_a_repository_the_source_does_not_run(
    project: Path, released: dict[str, str]
) -> None:
    fake = deployed(project)
    assert run_pipeline(project, "up", "--stacks", "dev", fake=fake).code == 0
    run = run_pipeline(project, "promote", "--from", "dev", "--to", "prod", fake=fake)
    assert run.code == 2
    assert run.err == (
        "error: dev runs no worker image, which prod runs: promote only carries what dev runs (it runs web-app)\n"
    )


def test_promote_from_a_stack_never_deployed(project: Path) -> None:
    run = run_pipeline(project, "promote", "--from", "staging", "--to", "prod", fake=deployed(project))
    assert run.code == 2
    assert run.err.startswith("error: stack organization/ecr-share/staging is not deployed on file://")


# --- destroy and outputs ---------------------------------------------------------------------------


def test_destroy_runs_in_reverse_after_confirmation(project: Path) -> None:
    run = run_pipeline(
        project, "destroy", "--promote", "dev,staging,prod", answer="yes", fake=deployed(project)
    )
    assert run.code == 0, run.err
    assert run.fake.engine_order()[1:] == [("build", "destroy")]  # the others were never created
    assert [summary_row(run.out, s)[1] for s in ("prod", "staging", "dev")] == ["no stack"] * 3
    assert run.questions == [
        f"Destroy every resource of prod, staging, dev, build (backend file://{project}/.pulumi-state)? "
        'This cannot be undone. Type "yes" to continue: '
    ]
    assert not [call for call in run.fake.calls if call.op.startswith("config")]


def test_destroy_with_yes_asks_nothing(project: Path) -> None:
    run = run_pipeline(project, "destroy", "--yes", "--exclude-protected", fake=deployed(project))
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
    assert [call.op for call in run.fake.calls] == ["whoami"]  # which backend: nothing else


def test_refresh_keeps_the_images(project: Path) -> None:
    run = run_pipeline(project, "refresh", fake=deployed(project), commit=None)
    assert run.code == 0, run.err
    assert [op for _stack, op in run.fake.engine_order()] == ["up", "refresh"]
    assert not [call for call in run.fake.calls if call.op.startswith("config")]


def test_outputs_prints_json_only_on_stdout(project: Path) -> None:
    run = run_pipeline(project, "outputs", "--stacks", "build,dev", fake=deployed(project))
    assert run.code == 0, run.err
    document = json.loads(run.out)
    assert document["dev"] is None
    assert document["build"]["registryId"] == "111111111111"
    assert list(document) == ["build", "dev"]
    assert "[1/2] build: outputs started" in run.err
