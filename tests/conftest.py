"""Whole-program runs of the committed stack files, shared by every test folder.

Each run re-executes ``__main__.py`` under mocks (see ``pulumi_harness``); the results are plain
records, so one run per session serves every test that only reads them.
"""

from __future__ import annotations

import pytest
from pulumi_harness import BUILD_STACK, ProgramRun, run_stack_file


@pytest.fixture(scope="session")
def build() -> ProgramRun:
    """The committed build stack."""
    return run_stack_file("build")


@pytest.fixture(scope="session")
def prod(build: ProgramRun) -> ProgramRun:
    """The committed prod stack, reading the build run's exports through its StackReference."""
    return run_stack_file("prod", {BUILD_STACK: build.exports})
