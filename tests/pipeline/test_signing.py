"""The signature gate, black box: DescribeImageSigningStatus served beside moto (which lacks it),
checked against the botocore model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.pipeline.registry import BuildRegistry, default_session
from tests.support.ecr_standins import ServingSession
from tests.support.pipeline_fake import FakePulumi, run_pipeline, stack_files, write_project
from tests.support.registry_fake import BUILD_ACCOUNT, MotoRegistry

PROFILE = f"arn:aws:signer:us-east-1:{BUILD_ACCOUNT}:/signing-profiles/release_signer"
OTHER = f"arn:aws:signer:us-east-1:{BUILD_ACCOUNT}:/signing-profiles/dev_signer"
RELEASE = ["up", "--promote", "dev,staging,prod"]


class Signing:
    def __init__(self, statuses: dict[str, list[dict[str, str]]]) -> None:
        self.statuses = statuses

    def respond(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        return {
            "repositoryName": request["repositoryName"],
            "imageId": request["imageId"],
            "registryId": BUILD_ACCOUNT,
            "signingStatuses": self.statuses.get(request["repositoryName"], []),
        }

    def session(self, registry: BuildRegistry) -> ServingSession:
        return ServingSession(default_session(registry), ["DescribeImageSigningStatus"], self.respond)


def release(project: Path, signing: Signing, *flags: str) -> Any:
    fake = FakePulumi()
    assert run_pipeline(project, "up", "--stacks", "build", fake=fake).code == 0
    return run_pipeline(project, *RELEASE, *flags, fake=fake, registry_session=signing.session)


def signed(profile: str, status: str = "COMPLETE", **failure: str) -> dict[str, str]:
    return {"signingProfileArn": profile, "status": status, **failure}


def test_require_signature_passes_images_signed_by_the_profile(
    project: Path, registry: MotoRegistry, released: dict[str, str]
) -> None:
    signing = Signing({"web-app": [signed(OTHER), signed(PROFILE)], "worker": [signed(PROFILE)]})
    run = release(project, signing, "--require-signature", PROFILE)
    assert run.code == 0, run.err
    assert f"signatures: passed (web-app COMPLETE by {PROFILE}, worker COMPLETE by {PROFILE})" in run.out


def test_an_image_unsigned_or_signed_by_another_profile_is_refused_before_any_stack(
    project: Path, registry: MotoRegistry, released: dict[str, str]
) -> None:
    signing = Signing(
        {"web-app": [signed(OTHER)], "worker": [signed(PROFILE, "FAILED", failureCode="ACCESS_DENIED")]}
    )
    fake = FakePulumi()
    assert run_pipeline(project, "up", "--stacks", "build", fake=fake).code == 0
    fake.calls.clear()
    run = run_pipeline(
        project, *RELEASE, "--require-signature", PROFILE, fake=fake, registry_session=signing.session
    )
    assert run.code == 1
    web, worker = released["web-app"], released["worker"]
    lines = run.out.splitlines()
    start = lines.index("signatures: refused")
    assert lines[start + 1 : start + 3] == [
        f"  web-app@{web} for dev (COMPLETE by {OTHER}; needs COMPLETE by {PROFILE})",
        f"  web-app@{web} for staging (COMPLETE by {OTHER}; needs COMPLETE by {PROFILE})",
    ]
    assert (
        f"  worker@{worker} for staging (FAILED by {PROFILE} (ACCESS_DENIED); needs COMPLETE by {PROFILE})"
        in lines
    )
    assert run.err.startswith("error: the signature gate refused web-app@")
    assert not [c for c in fake.calls if c.op in ("up", "preview") or c.op.startswith("config")]


def test_a_stack_file_requires_signatures_for_its_own_stack(
    tmp_path: Path, registry: MotoRegistry, released: dict[str, str]
) -> None:
    files = stack_files()
    files["prod"]["ecr-share:requireSignature"] = [PROFILE]
    project = write_project(tmp_path / "ecr-share", files)
    signing = Signing({"web-app": [signed(PROFILE)], "worker": [signed(PROFILE, "IN_PROGRESS")]})
    run = release(project, signing)
    assert run.code == 1
    assert (
        f"  worker@{released['worker']} for prod (IN_PROGRESS by {PROFILE}; needs COMPLETE by {PROFILE})"
        in (run.out.splitlines())
    )
    assert "for dev" not in run.out and "for staging" not in run.out  # only prod requires it


def test_a_bad_profile_arn_is_refused_naming_the_flag(project: Path) -> None:
    run = run_pipeline(project, *RELEASE, "--require-signature", "release_signer")
    assert run.code == 2
    assert run.err == (
        'error: --require-signature: "release_signer" is not an AWS Signer signing profile ARN '
        "(arn:aws:signer:<region>:<account>:/signing-profiles/<name>)\n"
    )


def test_a_bad_profile_arn_in_a_stack_file_is_refused_naming_the_key(tmp_path: Path) -> None:
    files = stack_files()
    files["prod"]["ecr-share:requireSignature"] = [PROFILE, "arn:aws:signer:us-east-1:1:/signing-profiles/x"]
    project = write_project(tmp_path / "ecr-share", files)
    run = run_pipeline(project, *RELEASE)
    assert run.code == 2
    assert run.err == (
        f"error: {project}/Pulumi.prod.yaml: ecr-share:requireSignature[1]: "
        '"arn:aws:signer:us-east-1:1:/signing-profiles/x" is not an AWS Signer signing profile ARN '
        "(arn:aws:signer:<region>:<account>:/signing-profiles/<name>)\n"
    )
