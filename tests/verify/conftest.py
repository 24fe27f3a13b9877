"""Shared fixtures of the verify tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.stack_file_samples import copy_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the committed project files (Pulumi.yaml and every stack file), to edit."""
    return copy_project(tmp_path)
