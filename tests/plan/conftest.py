"""The committed stack files, planned once for every plan test."""

from __future__ import annotations

import pytest
from pulumi_harness import PROJECT_DIR

from components.plan.project import ProjectPlan, plan_project


@pytest.fixture(scope="session")
def project() -> ProjectPlan:
    return plan_project(PROJECT_DIR)
