"""The committed stack files, planned once for every plan test."""

from __future__ import annotations

import pytest

from components.plan.project import ProjectPlan, plan_project
from tests.support.pulumi_harness import PROJECT_DIR


@pytest.fixture(scope="session")
def project() -> ProjectPlan:
    return plan_project(PROJECT_DIR)
