"""Resolve and gate against the build registry in moto: digests per repository, a missing tag, scan
findings above and below the threshold, a scan still pending, and the standard AWS configuration
(a profile that assumes a role, ``AWS_ENDPOINT_URL``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from moto.server import ThreadedMotoServer

from tests.support.pipeline_fake import FakePulumi, run_pipeline, stack_files, write_project
from tests.support.registry_fake import MotoRegistry, use_aws_config

RELEASE = ["up", "--promote", "dev,staging,prod"]


def deployed(project: Path) -> FakePulumi:
    fake = FakePulumi()
    assert run_pipeline(project, "up", "--stacks", "build", fake=fake).code == 0
    fake.calls.clear()
    return fake


def nothing_deployed(fake: FakePulumi) -> bool:
    return not [call for call in fake.calls if call.op in ("up", "preview") or call.op.startswith("config")]


def test_a_missing_tag_stops_the_release_before_any_stack(project: Path, registry: MotoRegistry) -> None:
    registry.push("web-app", "4f2a9c1")  # worker:4f2a9c1 was never pushed
    fake = deployed(project)
    run = run_pipeline(project, *RELEASE, fake=fake)
    assert run.code == 1
    assert run.err == (
        "error: worker:4f2a9c1 is not in 111111111111.dkr.ecr.us-east-1.amazonaws.com: push it first; "
        "nothing was deployed\n"
    )
    assert nothing_deployed(fake)


def test_a_missing_digest_is_refused_too(project: Path, registry: MotoRegistry) -> None:
    registry.push("web-app", "4f2a9c1")
    unknown = "sha256:" + "ab" * 32
    run = run_pipeline(
        project, "up", "--stacks", "dev", "--image", f"web-app@{unknown}", fake=deployed(project)
    )
    assert run.code == 1
    assert run.err.startswith(f"error: web-app@{unknown} is not in 111111111111.dkr.ecr")


def test_a_repository_missing_from_the_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.registry_fake import moto_registry

    with moto_registry(tmp_path / "aws", monkeypatch) as registry:
        registry.ecr.delete_repository(repositoryName="worker")
        registry.push("web-app", "4f2a9c1")
        project = write_project(tmp_path / "ecr-share")
        run = run_pipeline(project, "up", "--stacks", "prod", fake=deployed(project))
    assert run.code == 1
    assert run.err == (
        "error: repository worker does not exist in 111111111111.dkr.ecr.us-east-1.amazonaws.com: deploy the "
        "build stack (up --stacks build) and push the image first; nothing was deployed\n"
    )


@pytest.mark.parametrize(
    ("fail_on", "refusal"),
    [
        ("CRITICAL", None),
        ("HIGH", "has findings at HIGH or above (2 HIGH)"),
        ("MEDIUM", "has findings at MEDIUM or above (2 HIGH, 5 MEDIUM)"),
        ("LOW", "has findings at LOW or above (2 HIGH, 5 MEDIUM, 1 LOW)"),
        ("none", None),
    ],
)
def test_findings_at_or_above_the_threshold_stop_the_release(
    project: Path, registry: MotoRegistry, fail_on: str, refusal: str | None
) -> None:
    registry.push("web-app", "4f2a9c1", counts={"HIGH": 2, "MEDIUM": 5, "LOW": 1, "INFORMATIONAL": 9})
    registry.push("worker", "4f2a9c1")
    fake = deployed(project)
    run = run_pipeline(project, *RELEASE, "--fail-on", fail_on, fake=fake)
    if refusal is None:
        assert run.code == 0, run.err
        gate = (
            "gate --fail-on none: scan findings not read"
            if fail_on == "none"
            else "gate --fail-on CRITICAL: passed"
        )
        assert gate in run.out.splitlines()
        return
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[lines.index(f"gate --fail-on {fail_on}: refused") + 1] == f"  web-app:4f2a9c1 {refusal}"
    assert (
        "  web-app     4f2a9c1  " in run.out
        and "COMPLETE: 2 HIGH, 5 MEDIUM, 1 LOW, 9 INFORMATIONAL" in run.out
    )
    assert (
        run.err
        == f"error: the scan gate (--fail-on {fail_on}) refused web-app:4f2a9c1; nothing was deployed\n"
    )
    assert nothing_deployed(fake)


def test_a_critical_finding_stops_the_default_release(project: Path, registry: MotoRegistry) -> None:
    registry.push("web-app", "4f2a9c1", counts={"CRITICAL": 1})
    registry.push("worker", "4f2a9c1", counts={"CRITICAL": 3, "HIGH": 1})
    run = run_pipeline(project, *RELEASE, fake=deployed(project))
    assert run.code == 1
    assert run.err == (
        "error: the scan gate (--fail-on CRITICAL) refused web-app:4f2a9c1, worker:4f2a9c1; nothing was deployed\n"
    )
    assert "  worker:4f2a9c1 has findings at CRITICAL or above (3 CRITICAL)" in run.out


@pytest.mark.parametrize(
    ("scan", "reason"),
    [
        (None, "was never scanned (turn on scanOnPush for the repository, or start a scan)"),
        ("FAILED", "has no scan findings (scan FAILED (The scan is failed.))"),
        (
            "UNSUPPORTED_IMAGE",
            "has no scan findings (scan UNSUPPORTED_IMAGE (The scan is unsupported_image.))",
        ),
    ],
)
def test_an_image_without_findings_is_refused(
    project: Path, registry: MotoRegistry, scan: str | None, reason: str
) -> None:
    registry.push("web-app", "4f2a9c1", scan=scan)
    registry.push("worker", "4f2a9c1")
    run = run_pipeline(project, *RELEASE, fake=deployed(project))
    assert run.code == 1
    assert f"  web-app:4f2a9c1 {reason}" in run.out.splitlines()


def test_a_pending_scan_is_waited_for(project: Path, registry: MotoRegistry) -> None:
    web = registry.push("web-app", "4f2a9c1", scan="IN_PROGRESS")
    registry.push("worker", "4f2a9c1")
    fake = deployed(project)

    def complete_once_waited_for() -> None:
        for _ in range(1000):
            if "waiting for the scan" in "".join(fake.output):
                registry.set_scan("web-app", web, "COMPLETE", {"MEDIUM": 1})
                return
            threading.Event().wait(0.01)

    completer = threading.Thread(target=complete_once_waited_for)
    completer.start()
    run = run_pipeline(project, *RELEASE, fake=fake)
    completer.join()
    assert run.code == 0, run.err
    assert "  waiting for the scan of web-app:4f2a9c1 (IN_PROGRESS), up to 10m00s" in run.out
    assert f"  web-app     4f2a9c1  {web}  COMPLETE: 1 MEDIUM" in run.out


def test_a_scan_still_pending_after_the_timeout_stops_the_release(
    project: Path, registry: MotoRegistry
) -> None:
    registry.push("web-app", "4f2a9c1", scan="PENDING")
    registry.push("worker", "4f2a9c1")
    fake = deployed(project)
    run = run_pipeline(project, *RELEASE, "--scan-timeout", "0.1", fake=fake)
    assert run.code == 1
    assert run.err == (
        "error: the scan of web-app:4f2a9c1 (PENDING) did not complete within 0.1s (--scan-timeout); "
        "nothing was deployed\n"
    )
    assert nothing_deployed(fake)


def test_the_build_stacks_assumed_role_reads_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.registry_fake import moto_registry

    files = stack_files()
    files["build"]["aws:profile"] = "ci"  # the account of these keys is not the build account...
    files["build"]["aws:assumeRole"] = {
        "roleArn": "arn:aws:iam::111111111111:role/deploy",
        "sessionName": "ci",
    }
    project = write_project(tmp_path / "ecr-share", files)
    with moto_registry(tmp_path / "aws", monkeypatch) as registry:
        web = registry.push("web-app", "4f2a9c1")
        run = run_pipeline(project, "up", "--stacks", "dev", fake=deployed(project))
    assert run.code == 0, run.err  # ...so only the assumed role finds the image
    assert "read with profile ci then role arn:aws:iam::111111111111:role/deploy" in run.out
    config = yaml.safe_load((project / "Pulumi.dev.yaml").read_text(encoding="utf-8"))["config"]
    assert config["ecr-share:services"][0]["imageDigest"] == web


def test_no_credentials_for_the_build_profile_is_one_sentence(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_aws_config(tmp_path / "aws", monkeypatch)
    (tmp_path / "aws" / "aws-config").write_text("", encoding="utf-8")
    run = run_pipeline(project, "up", "--stacks", "dev", fake=deployed(project))
    assert run.code == 2
    assert run.err == (
        "error: cannot read the build registry 111111111111.dkr.ecr.us-east-1.amazonaws.com, read with profile "
        "build-deploy: The config profile (build-deploy) could not be found\n"
    )


@pytest.fixture
def moto_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoRegistry]:
    """moto as a server on 127.0.0.1, reached through AWS_ENDPOINT_URL like any AWS endpoint."""
    use_aws_config(tmp_path / "aws", monkeypatch)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    try:
        registry = MotoRegistry(endpoint)
        registry.create("web-app", "worker")
        yield registry
    finally:
        server.stop()


def test_aws_endpoint_url_points_the_pipeline_at_an_emulator(
    project: Path, moto_server: MotoRegistry
) -> None:
    web = moto_server.push("web-app", "4f2a9c1", counts={"LOW": 2})
    run = run_pipeline(project, "up", "--stacks", "dev", fake=deployed(project))
    assert run.code == 0, run.err
    assert f"  web-app     4f2a9c1  {web}  COMPLETE: 2 LOW" in run.out
    config = yaml.safe_load((project / "Pulumi.dev.yaml").read_text(encoding="utf-8"))["config"]
    assert config["ecr-share:services"][0]["imageDigest"] == web
