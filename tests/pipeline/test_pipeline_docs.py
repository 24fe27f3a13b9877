"""docs/pipeline.md shows real output: each example block is re-run here and must match."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pipeline_fake import FakePulumi, run_pipeline, stopwatch, write_project

from components.pipeline.cli import MISSING_CLI

DOC = Path(__file__).resolve().parents[2] / "docs" / "pipeline.md"
SHOWN_PROJECT = "/src/ecr-share"


def documented(name: str) -> str:
    match = re.search(rf"<!-- example: {name} -->\n```text\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, f"docs/pipeline.md has no example {name!r}"
    return match.group(1)


def examples(project: Path) -> dict[str, str]:
    fake = FakePulumi()
    first = run_pipeline(
        project, "up", "--promote", "dev,staging,prod", fake=fake, clock=stopwatch(41.3, 63.8, 65.1, 97.4)
    )
    assert (first.code, first.err) == (0, "")
    fake.script("staging", "up", "fail")
    failed = run_pipeline(
        project,
        "up",
        "--promote",
        "dev,staging,prod",
        "--image-tag",
        "v1.3.0",
        fake=fake,
        clock=stopwatch(12.0, 58.2, 20.7),
    )
    assert (failed.code, failed.err) == (1, "")
    return {
        "first-deploy": first.out.replace(str(project), SHOWN_PROJECT),
        "failed-promotion": failed.out.replace(str(project), SHOWN_PROJECT),
        "missing-cli": MISSING_CLI + "\n",
    }


@pytest.mark.parametrize("name", ["first-deploy", "failed-promotion", "missing-cli"])
def test_the_documented_output_is_what_the_pipeline_prints(tmp_path: Path, name: str) -> None:
    assert documented(name) == examples(write_project(tmp_path / "ecr-share"))[name]
