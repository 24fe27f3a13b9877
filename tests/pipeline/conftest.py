"""Fixtures of the pipeline tests: a fixture project and the build registry in moto."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.pipeline_fake import write_project
from tests.support.registry_fake import MotoRegistry, moto_registry


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "ecr-share")


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoRegistry]:
    """The build registry with both repositories; push images with ``registry.push``."""
    with moto_registry(tmp_path / "aws", monkeypatch) as registry:
        yield registry


@pytest.fixture
def released(registry: MotoRegistry) -> dict[str, str]:
    """CI pushed web-app and worker tagged with the commit (4f2a9c1), both scanned clean."""
    return {name: registry.push(name, "4f2a9c1") for name in ("web-app", "worker")}


class _QuickPoll:
    """The stop event the SDK's event-log reader polls, waited on for 2 ms instead of 100 ms."""

    def __init__(self, event: Any) -> None:
        self._event = event

    def wait(self, timeout: float | None = None) -> bool:
        return bool(self._event.wait(0.002 if timeout is None else min(timeout, 0.002)))


@pytest.fixture(autouse=True, scope="session")
def quick_event_log() -> Iterator[None]:
    """Before 3.206 the SDK reads engine events from a file, polling it every 0.1 s
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
