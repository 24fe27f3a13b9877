"""What every test folder shares: whole-program runs of the committed stack files (once per session),
a moto of each test's own (``aws``), and an opt-in test order to prove the tests independent of it
(``ECR_SHARE_TEST_ORDER``).

Each run re-executes ``__main__.py`` under mocks (see ``pulumi_harness``); the results are plain
records, so one run per session serves every test that only reads them.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.botocore_models import shared_loader
from tests.support.pulumi_harness import BUILD_STACK, ProgramRun, run_stack_file
from tests.support.yaml_cache import parsed_once

ORDER = "ECR_SHARE_TEST_ORDER"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``ECR_SHARE_TEST_ORDER=reverse`` runs the tests in reverse order; ``shuffle:<seed>`` runs the
    test files in a random order, and each file's tests in a random order (a file's tests stay
    together, so its module fixtures are set up once). The suite must pass in every order, in one
    process (``-n 0``) too. Every worker of ``-n`` orders the same way: the seed decides."""
    order = os.environ.get(ORDER, "")
    kind, _, seed = order.partition(":")
    if not order:
        return
    if order == "reverse":
        items.reverse()
        return
    if kind != "shuffle" or not seed:
        raise pytest.UsageError(f"{ORDER}={order!r}: expected reverse or shuffle:<seed>")
    shuffle = random.Random(seed).shuffle
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    groups = list(files.values())
    shuffle(groups)
    for group in groups:
        shuffle(group)
    items[:] = [item for group in groups for item in group]


@pytest.fixture(scope="session", autouse=True)
def parse_once() -> Iterator[None]:
    """What is pure and parsed again and again, parsed once per process: each YAML text
    (``tests/support/yaml_cache.py``; every plan of a project reads its ``Pulumi.yaml`` again for
    each stack file) and the AWS service models (``tests/support/botocore_models.py``; every
    botocore session loads them again)."""
    with parsed_once(), shared_loader():
        yield


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


class _QuickPoll:
    """The stop event the SDK's event-log reader polls, waited on for 2 ms instead of 100 ms."""

    def __init__(self, event: Any) -> None:
        self._event = event

    def wait(self, timeout: float | None = None) -> bool:
        return bool(self._event.wait(0.002 if timeout is None else min(timeout, 0.002)))


@pytest.fixture(scope="session")
def quick_event_log() -> Iterator[None]:
    """For the tests that run the pipeline (tests/pipeline, its page in tests/docs). Before 3.206 the
    SDK reads engine events from a file, polling it every 0.1 s
    (pulumi/automation/_stack.py, _watch_logs): every fake engine call would wait that long for
    nothing. Same reader, shorter poll."""
    from pulumi.automation import _stack

    original = _stack._watch_logs
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(
            _stack,
            "_watch_logs",
            lambda path, callback, stop=None: original(path, callback, _QuickPoll(stop)),
        )
        yield


def _test_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials that reach moto, and no profile of the machine's."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Empty AWS accounts in a moto of this test alone, credentials that reach it and no profile of the
    machine's; stopped, and the stand-ins' state (``deployed.forget``) dropped, when the test ends. A
    moto that outlived its test would answer the next test's calls (and a nested ``mock_aws`` of a
    later test neither empties it nor routes Moto API requests): starting one per test costs about
    10 ms."""
    from moto import mock_aws

    from tests.support.deployed import forget

    _test_credentials(monkeypatch)
    forget()
    try:
        with mock_aws():
            yield
    finally:
        forget()
