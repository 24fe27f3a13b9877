"""``verify --live --pull`` against moto: the committed project deployed from its plans, its images
pushed into the build registry and prod's replicas, each of the design's three checks broken in turn.
"""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from components.verify.cli import main
from tests.support.pull_fake import BUILD, DEV, STAGING, deploy_and_push, ecr, iam, session_for

EXECUTION_POLICY = "ecr-cross-account-pull"


def pull(project: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["verify", "--live", "--pull", "--stacks-dir", str(project), *args],
        session_for=session_for,
        out=out,
        err=err,
    )
    return code, out.getvalue(), err.getvalue()


def rows(out: str) -> dict[tuple[str, str], list[str]]:
    """The table's rows by (stack, service): registry, calls, role checks and result."""
    table = out.split("\n\n", 2)[1].splitlines()[2:]
    found = {}
    for line in table:
        stack, service, _image, rest = line.split(None, 3)
        registry, calls, checks, result = (c.strip() for c in rest.split("  ") if c.strip())
        found[stack, service] = [registry, calls, checks, result]
    return found


def failure(out: str, stack: str, service: str) -> list[str]:
    """The lines under one failed pull in "Failed pulls"."""
    section = out.split("Failed pulls, with the design's three checks:\n", 1)[1]
    lines = section.split(f"  {stack} {service} (", 1)[1].splitlines()[1:]
    end = next((i for i, line in enumerate(lines) if not line.startswith("    ")), len(lines))
    return [line.strip() for line in lines[:end]]


def role_policy(account: str, stack: str) -> dict[str, Any]:
    document: dict[str, Any] = iam(account).get_role_policy(
        RoleName=f"ecr-share-{stack}-execution", PolicyName=EXECUTION_POLICY
    )["PolicyDocument"]
    return document


def put_role_policy(account: str, stack: str, document: dict[str, Any]) -> None:
    iam(account).put_role_policy(
        RoleName=f"ecr-share-{stack}-execution",
        PolicyName=EXECUTION_POLICY,
        PolicyDocument=json.dumps(document),
    )


def test_every_service_pulls_its_image_from_the_registry_its_plan_names(aws: None, project: Path) -> None:
    deploy_and_push(project)
    code, out, err = pull(project)
    assert (code, err) == (0, "")
    calls = "token ok, manifest ok, config blob ok"
    assert rows(out) == {
        ("dev", "web-app"): ["build registry 111111111111 us-east-1", calls, "1 ok 2 ok 3 ok", "pulled"],
        ("prod", "web-app"): ["replicas 444444444444 us-east-1", calls, "1 n/a 2 ok 3 ok", "pulled"],
        ("prod", "worker"): ["replicas 444444444444 us-east-1", calls, "1 n/a 2 ok 3 ok", "pulled"],
        ("staging", "web-app"): ["build registry 111111111111 us-east-1", calls, "1 ok 2 ok 3 ok", "pulled"],
        ("staging", "worker"): ["build registry 111111111111 us-east-1", calls, "1 ok 2 ok 3 ok", "pulled"],
    }
    assert "Failed pulls" not in out
    assert out.endswith("Result: 5 of 5 images pulled (exit code 0)\n")


def test_check_1_a_repository_policy_without_the_account(aws: None, project: Path) -> None:
    deploy_and_push(project)
    build = ecr(BUILD)
    policy = json.loads(build.get_repository_policy(repositoryName="web-app")["policyText"])
    policy["Statement"][0]["Principal"]["AWS"].remove(f"arn:aws:iam::{STAGING}:root")
    build.set_repository_policy(repositoryName="web-app", policyText=json.dumps(policy))

    code, out, _ = pull(project)
    assert code == 1
    assert rows(out)["staging", "web-app"][1:] == [
        "token ok, manifest FAILED",
        "1 FAILED 2 ok 3 ok",
        "FAILED",
    ]
    assert rows(out)["dev", "web-app"][3] == "pulled"
    assert failure(out, "staging", "web-app") == [
        "BatchGetImage: AccessDeniedException: User: arn:aws:sts::333333333333:assumed-role/verify/verify is not "
        "authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:us-east-1:111111111111:repository/web-app "
        "because no resource-based policy allows the ecr:BatchGetImage action",
        "1 FAILED  the repository policy in the source account includes the destination account: the repository "
        "policy of web-app in 111111111111 us-east-1 does not let account 333333333333 pull (IAM policy simulator: "
        "implicitDeny); its pull statements: AllowCrossAccountPull (Allow): arn:aws:iam::222222222222:root, "
        "arn:aws:iam::444444444444:root",
        "2 ok      the role has ecr:GetAuthorizationToken: ecr:GetAuthorizationToken on * is allowed by "
        "ecr-cross-account-pull of arn:aws:iam::333333333333:role/ecr-share-staging-execution",
        "3 ok      the role may pull the repository ARN: the pull actions on "
        "arn:aws:ecr:us-east-1:111111111111:repository/web-app are allowed by ecr-cross-account-pull of "
        "arn:aws:iam::333333333333:role/ecr-share-staging-execution",
    ]
    assert out.endswith("Result: 4 of 5 images pulled; 1 failed (exit code 1)\n")


def test_check_2_a_role_without_get_authorization_token(aws: None, project: Path) -> None:
    """The stack's own credentials still log in: only IAM's simulator sees the role cannot."""
    deploy_and_push(project)
    document = role_policy(DEV, "dev")
    document["Statement"] = [s for s in document["Statement"] if s["Sid"] != "ECRAuth"]
    put_role_policy(DEV, "dev", document)

    code, out, _ = pull(project)
    assert code == 1
    assert rows(out)["dev", "web-app"][1:] == [
        "token ok, manifest ok, config blob ok",
        "1 ok 2 FAILED 3 ok",
        "FAILED",
    ]
    lines = failure(out, "dev", "web-app")
    assert lines[1] == (
        "2 FAILED  the role has ecr:GetAuthorizationToken: ecr:GetAuthorizationToken on *: implicitDeny for "
        "arn:aws:iam::222222222222:role/ecr-share-dev-execution: no statement of its policies allows it"
    )
    assert lines[0].startswith("1 ok ") and lines[2].startswith("3 ok ")


def test_check_3_a_role_that_may_pull_another_repository(aws: None, project: Path) -> None:
    deploy_and_push(project)
    document = role_policy(DEV, "dev")
    (pull_statement,) = [s for s in document["Statement"] if s["Sid"] == "ECRPull"]
    pull_statement["Resource"] = ["arn:aws:ecr:us-east-1:111111111111:repository/worker"]
    put_role_policy(DEV, "dev", document)

    code, out, _ = pull(project)
    assert code == 1
    assert rows(out)["dev", "web-app"][2:] == ["1 ok 2 ok 3 FAILED", "FAILED"]
    assert failure(out, "dev", "web-app")[2] == (
        "3 FAILED  the role may pull the repository ARN: ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, "
        "ecr:GetDownloadUrlForLayer on arn:aws:ecr:us-east-1:111111111111:repository/web-app: implicitDeny for "
        "arn:aws:iam::222222222222:role/ecr-share-dev-execution: no statement of its policies allows them"
    )
    # The repository policy still lets the account in: IAM's per-policy details say so.
    assert failure(out, "dev", "web-app")[0].startswith(
        "1 ok      the repository policy in the source account includes the destination account: the repository "
        "policy of web-app in 111111111111 us-east-1 lets account 222222222222 pull (IAM policy simulator: allowed)"
    )


def test_an_image_the_registry_does_not_hold(aws: None, project: Path) -> None:
    deploy_and_push(project)
    ecr(BUILD).batch_delete_image(repositoryName="web-app", imageIds=[{"imageTag": "v1.2.3"}])
    code, out, _ = pull(project, "--stack", "dev")
    assert code == 1
    assert list(rows(out)) == [("dev", "web-app")]
    assert failure(out, "dev", "web-app")[0] == (
        "BatchGetImage: web-app :v1.2.3: ImageNotFound: Requested image not found"
    )


def test_the_json_report(aws: None, project: Path) -> None:
    deploy_and_push(project)
    code, out, _ = pull(project, "--stack", "prod", "--format", "json")
    report = json.loads(out)
    assert code == report["exitCode"] == 0
    assert report["formatVersion"] == 1
    web_app = report["pulls"][0]
    assert (web_app["stack"], web_app["service"], web_app["result"]) == ("prod", "web-app", "pulled")
    assert [c["call"] for c in web_app["calls"]] == [
        "GetAuthorizationToken",
        "BatchGetImage",
        "GetDownloadUrlForLayer",
    ]
    assert web_app["checks"][0] == {
        "check": 1,
        "title": "the repository policy in the source account includes the destination account",
        "status": "n/a",
        "evidence": "web-app in 444444444444 us-east-1 is in the role's own account: its own policy decides",
    }


def fake_docker(folder: Path, *, engine: bool) -> Path:
    """A ``docker`` command that records its arguments and standard input; without an engine, its
    ``docker version`` fails as the real one does."""
    folder.mkdir()
    script = folder / "docker"
    failing = 'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1'
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{folder}/calls"\n'
        f'if [ "$1" = version ]; then {"echo 27.1.1" if engine else failing}; fi\n'
        f'if [ "$1" = login ]; then cat >> "{folder}/stdin"; echo "Login Succeeded"; fi\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return folder


def test_docker_without_docker_stops_with_one_sentence(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, out, err = pull(project, "--docker")
    assert (code, out) == (2, "")
    assert err == (
        "ecr-share verify: error: --docker needs Docker, but there is no docker command on PATH: install Docker "
        "or run without --docker (the pull test then makes the same calls through the ECR API)\n"
    )


def test_docker_without_an_engine_stops_with_one_sentence(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(fake_docker(tmp_path / "bin", engine=False)))
    code, _, err = pull(project, "--docker")
    assert code == 2
    assert err == (
        "ecr-share verify: error: --docker needs a running Docker engine, and `docker version` reached none "
        "(Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?): "
        "start Docker or run without --docker\n"
    )


def test_docker_logs_in_with_the_stacks_token_and_pulls_the_image(
    aws: None, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy_and_push(project)
    bin_folder = fake_docker(tmp_path / "bin", engine=True)
    monkeypatch.setenv("PATH", f"{bin_folder}:/usr/bin:/bin")
    code, out, _ = pull(project, "--stack", "dev", "--docker")
    assert code == 0, out
    assert (
        rows(out)["dev", "web-app"][1]
        == "token ok, manifest ok, config blob ok, docker login ok, docker pull ok"
    )
    assert (bin_folder / "calls").read_text().splitlines() == [
        "version --format {{.Server.Version}}",
        "login --username AWS --password-stdin 111111111111.dkr.ecr.us-east-1.amazonaws.com",
        "pull 111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3",
    ]
    # moto's token for the dev account: base64 of "AWS:<password>".
    assert (bin_folder / "stdin").read_text() == f"{DEV}-auth-token"


def test_pull_needs_live_and_docker_needs_pull(project: Path) -> None:
    for args in (["verify", "--pull"], ["verify", "--live", "--docker"]):
        out, err = io.StringIO(), io.StringIO()
        assert main([*args, "--stacks-dir", str(project)], out=out, err=err) == 2
        assert err.getvalue() == (
            "ecr-share verify: error: --pull only applies with --live, and --docker only with --pull\n"
        )
