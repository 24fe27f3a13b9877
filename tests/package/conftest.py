"""The package installed from its wheel into a fresh virtualenv, once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.installing import build_and_install


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fresh virtualenv's Python."""
    return build_and_install(tmp_path_factory.mktemp("install"))
