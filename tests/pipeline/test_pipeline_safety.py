"""Release safety, black box through the Automation API: a pin interrupted between its two config
calls, a destroy that other deployed stacks depend on, promotion that covers what runs."""

from __future__ import annotations

from pathlib import Path

from pipeline_fake import deployed, run_pipeline
from pipeline_fake import stack_services as services

from components.pipeline.pending import record_path

RELEASE = ["up", "--promote", "dev,staging,prod"]


# --- atomic pins -----------------------------------------------------------------------------------


def test_a_pin_killed_between_its_two_calls_is_completed_by_the_next_run(
    project: Path, released: dict[str, str]
) -> None:
    fake = deployed(project)
    fake.script("prod", "config remove-all", "killed")
    first = run_pipeline(project, *RELEASE, fake=fake)
    assert first.code == 1
    # Half-done: prod's file has both the digest and the tag of web-app.
    assert services(project, "prod")[0]["imageTag"] == "v1.2.3"
    assert services(project, "prod")[0]["imageDigest"] == released["web-app"]
    assert record_path(project / "Pulumi.prod.yaml").exists()

    # Another stack's command is not wedged by it, and completes prod's pin first.
    other = run_pipeline(project, "up", "--stacks", "dev", fake=fake)
    assert other.code == 0, other.err
    assert other.out.splitlines()[2] == (
        "[prod] Pulumi.prod.yaml holds the digests an earlier run pinned but still its tags (that run "
        "stopped between its two config calls): completing it, config rm-all --path "
        "ecr-share:services[0].imageTag"
    )
    assert [(s.get("imageTag"), s["imageDigest"]) for s in services(project, "prod")] == [
        (None, released["web-app"]),
        (None, released["worker"]),
    ]
    assert not record_path(project / "Pulumi.prod.yaml").exists()

    again = run_pipeline(project, *RELEASE, fake=fake)
    assert again.code == 0, again.err
    assert "completing it" not in again.out


def test_the_release_itself_run_again_completes_the_pin(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    fake.script("staging", "config remove-all", "killed")
    assert run_pipeline(project, *RELEASE, fake=fake).code == 1
    again = run_pipeline(project, *RELEASE, fake=fake)
    assert again.code == 0, again.err
    assert "[staging] Pulumi.staging.yaml holds the digests" in again.out
    assert all("imageTag" not in s for s in services(project, "staging"))


def test_a_file_changed_since_the_record_is_checked_as_it_is(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    fake.script("prod", "config remove-all", "killed")
    assert run_pipeline(project, *RELEASE, fake=fake).code == 1
    path = project / "Pulumi.prod.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(released["web-app"], "sha256:" + "e" * 64))
    run = run_pipeline(project, "up", "--stacks", "dev", fake=fake)
    assert run.code == 2
    assert "completing it" not in run.out
    assert "imageTag" in run.err and "imageDigest" in run.err
