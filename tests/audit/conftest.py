"""Shared fixtures of the audit tests: moto for the trail's bucket and each account's CloudTrail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.audit_setup import FIRST_DAY
from tests.support.trail_records import scenario, write_trail


@pytest.fixture(scope="session")
def week() -> list[dict[str, Any]]:
    """The committed project's generated week (trail_records.scenario)."""
    return scenario(FIRST_DAY)


@pytest.fixture(scope="session")
def week_trail(week: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local copy of the week's organization trail (the same layout as the bucket)."""
    return write_trail(tmp_path_factory.mktemp("trail"), week)
