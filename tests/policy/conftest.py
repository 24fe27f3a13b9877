"""The committed environment stacks not shared by tests/conftest.py, run once for the policy tests."""

from __future__ import annotations

import pytest

from tests.support.pulumi_harness import BUILD_STACK, ProgramRun, run_stack_file


@pytest.fixture(scope="session")
def dev(build: ProgramRun) -> ProgramRun:
    return run_stack_file("dev", {BUILD_STACK: build.exports})


@pytest.fixture(scope="session")
def staging(build: ProgramRun) -> ProgramRun:
    return run_stack_file("staging", {BUILD_STACK: build.exports})


@pytest.fixture(scope="session")
def committed(
    build: ProgramRun, dev: ProgramRun, staging: ProgramRun, prod: ProgramRun
) -> dict[str, ProgramRun]:
    """Every committed stack file, by stack name."""
    return {"build": build, "dev": dev, "staging": staging, "prod": prod}
