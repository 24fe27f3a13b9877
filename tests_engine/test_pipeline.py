"""The deploy pipeline (``python -m components.pipeline``) through the Automation API against the real
CLI: its config edits, events and exit codes as the real engine produces them."""

from __future__ import annotations

from tests_engine.conftest import Engine


def test_the_pipeline_deploys_build_then_prod_and_a_second_run_changes_nothing(engine: Engine) -> None:
    first = engine.python("-m", "components.pipeline", "up", "--stacks", "build,prod", "--keep-images")
    assert "[1/2] build: up started" in first.stdout, first.stdout
    assert engine.outputs("build")["registryId"] == "111111111111"
    assert (
        engine.outputs("prod")["executionRoleArn"]
        == "arn:aws:iam::444444444444:role/ecr-share-prod-execution"
    )

    second = engine.python("-m", "components.pipeline", "up", "--stacks", "build,prod", "--keep-images")
    assert second.stdout.count("(no changes)") == 2, second.stdout
    preview = engine.python("-m", "components.pipeline", "preview", "--stacks", "build,prod", "--keep-images")
    assert preview.returncode == 0
