"""Shared fixtures of the verify tests."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from deployed import forget

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the committed project files (Pulumi.yaml and every stack file), to edit."""
    for path in ROOT.glob("Pulumi*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


@pytest.fixture
def aws(moto: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty AWS accounts in the session's moto, for this test alone, with credentials that reach it
    and no profile of the machine's."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    moto.reset()
    forget()
