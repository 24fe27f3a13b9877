"""The pipeline refuses a stack file with a key written twice, or one that is not UTF-8, before it
touches any stack."""

from __future__ import annotations

from pathlib import Path

from tests.support.pipeline_fake import run_pipeline, write_project
from tests.support.stack_file_samples import DUPLICATE_GRANT, NOT_UTF8

PASSPHRASE = {"PULUMI_CONFIG_PASSPHRASE": "test"}


def test_a_key_written_twice_stops_the_run(tmp_path: Path) -> None:
    project = write_project(tmp_path)
    (project / "Pulumi.build.yaml").write_text(DUPLICATE_GRANT, encoding="utf-8")
    run = run_pipeline(project, "up", env=PASSPHRASE)
    assert run.code == 2
    assert "key 'ecr-share:access' appears twice" in run.err
    assert run.fake.calls_for("build") == []


def test_a_file_that_is_not_utf8_stops_the_run(tmp_path: Path) -> None:
    project = write_project(tmp_path)
    (project / "Pulumi.dev.yaml").write_bytes(NOT_UTF8)
    run = run_pipeline(project, "up", env=PASSPHRASE)
    assert run.code == 2
    assert f"{project}/Pulumi.dev.yaml is not UTF-8 text" in run.err
    assert run.fake.calls_for("build") == []
