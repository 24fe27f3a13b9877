"""The replication gate, black box: prod pulls from its own replicas, and is updated only once ECR
reports the release's images replicated there. DescribeImageReplicationStatus is served beside
moto (which lacks it), checked against the botocore model."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from components.pipeline.registry import BuildRegistry, default_session
from tests.support.ecr_standins import ServingSession
from tests.support.pipeline_fake import ACCOUNTS, FakePulumi, run_pipeline, stack_files, write_project
from tests.support.registry_fake import BUILD_ACCOUNT, REGION, MotoRegistry

RELEASE = ["up", "--promote", "dev,staging,prod"]
PROD = ACCOUNTS["prod"]


class Replication:
    """What DescribeImageReplicationStatus answers: per repository, the statuses of successive calls
    in prod's destination (the last one repeats)."""

    def __init__(self) -> None:
        self.script: dict[str, list[tuple[str, str]]] = {}
        self.calls: list[dict[str, Any]] = []

    def respond(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(request)
        queue = self.script.get(request["repositoryName"], [("COMPLETE", "")])
        status, code = queue.pop(0) if len(queue) > 1 else queue[0]
        statuses = (
            []
            if status == "NONE"
            else [
                {
                    "region": REGION,
                    "registryId": PROD,
                    "status": status,
                    **({"failureCode": code} if code else {}),
                }
            ]
        )
        return {
            "repositoryName": request["repositoryName"],
            "imageId": request["imageId"],
            "replicationStatuses": statuses,
        }

    def session(self, registry: BuildRegistry) -> ServingSession:
        return ServingSession(default_session(registry), ["DescribeImageReplicationStatus"], self.respond)


@pytest.fixture
def replicated_project(tmp_path: Path) -> Path:
    files = stack_files()
    files["build"]["ecr-share:replication"] = {
        "rules": [
            {
                "destinations": [{"region": REGION, "account": PROD}],
                "filters": ["web-app", "worker"],
                "rootTemplate": True,
            }
        ]
    }
    files["prod"]["ecr-share:pullFrom"] = "replica"
    files["prod"]["ecr-share:receiveReplication"] = {
        "sourceAccount": BUILD_ACCOUNT,
        "filters": ["web-app", "worker"],
        "rootTemplate": True,
    }
    return write_project(tmp_path / "ecr-share", files)


@pytest.fixture
def replication() -> Iterator[Replication]:
    yield Replication()


def release(project: Path, replication: Replication, *flags: str) -> Any:
    fake = FakePulumi()
    assert run_pipeline(project, "up", "--stacks", "build", fake=fake).code == 0
    return run_pipeline(project, *RELEASE, *flags, fake=fake, registry_session=replication.session)


def test_prod_waits_until_its_images_are_replicated(
    replicated_project: Path, registry: MotoRegistry, released: dict[str, str], replication: Replication
) -> None:
    replication.script["worker"] = [("IN_PROGRESS", ""), ("IN_PROGRESS", ""), ("COMPLETE", "")]
    run = release(replicated_project, replication)
    assert run.code == 0, run.err
    web, worker = released["web-app"], released["worker"]
    assert run.err.splitlines() == [
        f"[prod] waiting for worker@{worker} to replicate to {PROD} us-east-1 (IN_PROGRESS), up to 15m00s",
        f"[prod] replicated: web-app@{web}, worker@{worker}",
    ]
    assert run.waits == [10.0, 10.0]
    doc = (Path(__file__).resolve().parents[2] / "docs" / "pipeline.md").read_text(encoding="utf-8")
    shown = doc.split("<!-- replication-progress -->\n", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    assert [line.strip() for line in shown.strip().splitlines()] == [
        re.sub(r"sha256:[0-9a-f]{64}", "sha256:...", line) for line in run.err.splitlines()
    ]
    # Asked of the build registry, for prod's images only (dev and staging pull from it).
    assert {(c["registryId"], c["repositoryName"]) for c in replication.calls} == {
        (BUILD_ACCOUNT, "web-app"),
        (BUILD_ACCOUNT, "worker"),
    }
    # Waited right before prod's update: dev and staging were updated first.
    assert run.out.index("[3/4] staging: succeeded") < run.out.index("[4/4] prod: up started")


def test_a_failed_replication_stops_before_prod_is_touched(
    replicated_project: Path, registry: MotoRegistry, released: dict[str, str], replication: Replication
) -> None:
    replication.script["web-app"] = [("FAILED", "KMS_KEY_INVALID")]
    run = release(replicated_project, replication)
    assert run.code == 1
    message = (
        f"web-app@{released['web-app']} failed to replicate to {PROD} us-east-1 (KMS_KEY_INVALID), where "
        "prod pulls it from: prod was not updated"
    )
    assert f"[4/4] prod: failed in 0.0s ({message})" in run.out.splitlines()
    assert ("prod", "up") not in run.fake.engine_order()
    assert not [c for c in run.fake.calls_for("prod") if c.op.startswith("config")]


def test_replication_that_never_starts_times_out_naming_backfill(
    replicated_project: Path, registry: MotoRegistry, released: dict[str, str], replication: Replication
) -> None:
    replication.script["worker"] = [("NONE", "")]
    run = release(replicated_project, replication, "--replication-timeout", "25")
    assert run.code == 1
    assert run.waits == [10.0, 10.0, 5.0]
    assert (
        f"worker@{released['worker']} to {PROD} us-east-1 (NOT STARTED) did not replicate within 25.0s "
        "(--replication-timeout) (an image pushed before the replication rule that covers it replicates only "
        "through `backfill`): prod was not updated"
    ) in run.out
    assert ("prod", "up") not in run.fake.engine_order()


# --- the release record ---------------------------------------------------------------------------


def test_the_release_record_holds_each_stacks_images_and_rollouts(
    replicated_project: Path,
    registry: MotoRegistry,
    released: dict[str, str],
    replication: Replication,
    tmp_path: Path,
) -> None:
    report = tmp_path / "release.json"
    run = release(replicated_project, replication, "--report", str(report))
    assert run.code == 0, run.err
    document = json.loads(report.read_text(encoding="utf-8"))
    web, worker = released["web-app"], released["worker"]
    assert document["format"] == "ecr-share-release/1"
    assert (document["command"], document["exitCode"], document["error"]) == ("up", 0, None)
    assert [(s["stack"], s["result"]) for s in document["stacks"]] == [
        ("build", "succeeded"),
        ("dev", "succeeded"),
        ("staging", "succeeded"),
        ("prod", "succeeded"),
    ]
    build, _dev, staging, prod = document["stacks"]
    assert "images" not in build
    clean = {"status": "COMPLETE", "findings": {}}
    assert prod["images"] == [
        {
            "service": "web-app",
            "repository": "web-app",
            "tag": "4f2a9c1",
            "digest": web,
            "scan": clean,
            "signature": None,
            "replication": "COMPLETE",
        },
        {
            "service": "worker",
            "repository": "worker",
            "tag": "4f2a9c1",
            "digest": worker,
            "scan": clean,
            "signature": None,
            "replication": "COMPLETE",
        },
    ]
    assert [i["replication"] for i in staging["images"]] == [None, None]  # it pulls from the build registry
    assert prod["rollouts"] == []  # the fixture's stacks run no ECS service


def test_a_refused_release_leaves_a_record_too(
    replicated_project: Path, registry: MotoRegistry, replication: Replication, tmp_path: Path
) -> None:
    report = tmp_path / "release.json"
    run = release(replicated_project, replication, "--report", str(report))  # nothing pushed
    assert run.code == 1
    document = json.loads(report.read_text(encoding="utf-8"))
    assert document["exitCode"] == 1
    assert document["error"].startswith(
        "web-app:4f2a9c1 is not in 111111111111.dkr.ecr.us-east-1.amazonaws.com"
    )
    assert {s["result"] for s in document["stacks"]} == {"not run"}


# --- backfill --------------------------------------------------------------------------------------

STARTED = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


class Backfills:
    """ECR's backfill calls: one backfill whose progress advances at each ListReplicationBackfills."""

    OPERATIONS = (
        "StartReplicationBackfill",
        "ListReplicationBackfills",
        "DescribeReplicationBackfillResults",
    )

    def __init__(self, steps: list[tuple[str, int, int]]) -> None:
        self.steps = steps
        """(status, completed, failed) of successive listings, out of 3 images."""
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def respond(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((operation, request))
        destination = {"region": REGION, "registryId": PROD}
        if operation == "StartReplicationBackfill":
            return {
                "replicationBackfillId": "bf-1",
                "registryId": BUILD_ACCOUNT,
                "destination": destination,
                "status": "PREPARING",
                "startedAt": STARTED,
            }
        if operation == "ListReplicationBackfills":
            status, completed, failed = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
            progress = {
                "totalReplicationCount": 3,
                "completedReplicationCount": completed,
                "failedReplicationCount": failed,
                "failureCodes": ["ACCESS_DENIED"] if failed else [],
            }
            return {
                "backfills": [
                    {
                        "replicationBackfillId": "bf-1",
                        "destination": destination,
                        "status": status,
                        "progress": progress,
                        "startedAt": STARTED,
                    }
                ]
            }
        return {
            "replicationBackfillId": "bf-1",
            "results": [
                {
                    "repositoryName": "worker",
                    "imageId": {"imageDigest": "sha256:" + "a" * 64},
                    "status": "FAILED",
                    "failureCode": "ACCESS_DENIED",
                }
            ],
        }

    def session(self, registry: BuildRegistry) -> ServingSession:
        return ServingSession(default_session(registry), self.OPERATIONS, self.respond)


def test_backfill_replicates_older_images_to_prods_registry_with_progress(
    replicated_project: Path, registry: MotoRegistry
) -> None:
    backfills = Backfills(
        [("IN_PROGRESS", 1, 0), ("IN_PROGRESS", 1, 0), ("IN_PROGRESS", 2, 0), ("COMPLETE", 3, 0)]
    )
    run = run_pipeline(replicated_project, "backfill", "--to", "prod", registry_session=backfills.session)
    assert run.code == 0, run.err
    assert run.out.splitlines() == [
        f"backfill bf-1 to {PROD} us-east-1 (prod): PREPARING",
        "backfill bf-1: IN_PROGRESS: 1 of 3 images replicated, 0 failed",
        "backfill bf-1: IN_PROGRESS: 2 of 3 images replicated, 0 failed",
        "backfill bf-1: COMPLETE: 3 of 3 images replicated, 0 failed",
    ]
    assert run.waits == [10.0, 10.0, 10.0]
    assert backfills.calls[0] == (
        "StartReplicationBackfill",
        {"registryId": BUILD_ACCOUNT, "destination": {"region": REGION, "registryId": PROD}},
    )


def test_a_backfill_with_failed_images_names_them(replicated_project: Path, registry: MotoRegistry) -> None:
    backfills = Backfills([("COMPLETE", 2, 1)])
    run = run_pipeline(replicated_project, "backfill", "--to", "prod", registry_session=backfills.session)
    assert run.code == 1
    assert run.out.splitlines()[-1] == f"  failed: worker@sha256:{'a' * 64} (ACCESS_DENIED)"


def test_backfill_to_a_stack_that_pulls_from_the_build_registry_is_refused(replicated_project: Path) -> None:
    run = run_pipeline(replicated_project, "backfill", "--to", "staging")
    assert run.code == 2
    assert run.err == (
        "error: --to staging: Pulumi.staging.yaml pulls from the build registry (pullFrom), not from replicas: "
        "there is nothing to backfill\n"
    )
