"""Fixtures of the pipeline tests: a fixture project and the build registry in moto."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(autouse=True)
def quick_pipeline(quick_event_log: None) -> None:
    """Every pipeline test reads the fake engine's events without the SDK's 0.1 s poll."""
