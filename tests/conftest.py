"""What is expensive to set up, once per session for every test folder: whole-program runs of the
committed stack files, and moto.

Each run re-executes ``__main__.py`` under mocks (see ``pulumi_harness``); the results are plain
records, so one run per session serves every test that only reads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.pulumi_harness import BUILD_STACK, ProgramRun, run_stack_file


@pytest.fixture(scope="session")
def build() -> ProgramRun:
    """The committed build stack."""
    return run_stack_file("build")


@pytest.fixture(scope="session")
def environments(build: ProgramRun) -> dict[str, ProgramRun]:
    """The committed environment stacks, each reading the build run's exports through its
    StackReference."""
    return {
        stack: run_stack_file(stack, {BUILD_STACK: build.exports}) for stack in ("dev", "staging", "prod")
    }


@pytest.fixture(scope="session")
def prod(environments: dict[str, ProgramRun]) -> ProgramRun:
    """The committed prod stack."""
    return environments["prod"]


@pytest.fixture(scope="session")
def committed_runs(build: ProgramRun, environments: dict[str, ProgramRun]) -> dict[str, ProgramRun]:
    """Every committed stack file's run, by stack name."""
    return {"build": build, **environments}


@pytest.fixture(scope="session")
def moto() -> Iterator[Any]:
    """One moto for the session, started when a test first asks for it: starting and stopping it
    for every test costs more than resetting it (``moto.reset()``). From then on it answers every
    boto3 call of the session, so no test can reach AWS."""
    from moto import mock_aws

    with mock_aws() as mock:
        yield mock


def _test_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials that reach moto, and no profile of the machine's."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def own_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A moto of this test alone, started and stopped with it, for the test folders collected before
    tests/pipeline: a worker runs its tests in collection order, and the pipeline tests' own mock_aws
    must then be the outermost one (a nested one neither empties moto nor routes Moto API requests)."""
    from moto import mock_aws

    _test_credentials(monkeypatch)
    with mock_aws():
        yield


@pytest.fixture
def moto_accounts(moto: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The session's moto, emptied for this test, with credentials that reach it and no profile of the
    machine's."""
    _test_credentials(monkeypatch)
    # The backends' data only: moto's reset() also clears the request mock's routes, after which the
    # Moto API calls of later tests in this process (requests to motoapi.amazonaws.com) go nowhere.
    from moto.core.base_backend import BackendDict

    BackendDict.reset()
    return moto
