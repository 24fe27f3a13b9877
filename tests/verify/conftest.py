"""Shared fixtures of the verify tests."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support.deployed import forget

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the committed project files (Pulumi.yaml and every stack file), to edit."""
    for path in ROOT.glob("Pulumi*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


@pytest.fixture
def aws(moto_accounts: Any) -> None:
    """Empty AWS accounts in the session's moto, for this test alone (``moto_accounts``), and none of
    the previous test's credentials."""
    forget()
